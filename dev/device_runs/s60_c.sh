#!/bin/bash
# Written 2026-12-05 (sixtieth stop), for the little device time left: train_mamba_cu built alone, then test_cli.sh's
# corrupt-newest-checkpoint section (the resume note naming the DONE_ marker to remove) run on it, cut out of the suite
# with sed so that it is the committed checks that run. About 100 s build + 15 s.
set -u
. dev/device_runs/setup.sh
make -s data > /dev/null 2>&1; make -j16 "$NV" train_mamba_cu > $OUT/build.log 2>&1
echo "build rc $? at $(( $(date +%s) - start )) s"
{
    echo 'set -u; . test/check.sh; BIN=./train_mamba_cu; TMP=$(mktemp -d); TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2)'
    echo 'expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }'
    sed -n '/^# --- a corrupt newest checkpoint/,/^# --- a checkpoint that does not match/p' test/test_cli.sh
    echo 'echo "$pass passed, $fail failed"'
} > /tmp/corrupt_section.sh
bash /tmp/corrupt_section.sh 2>&1 | tail -8
echo "done at $(( $(date +%s) - start )) s"
