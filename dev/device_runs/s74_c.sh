#!/bin/bash
# Written 2026-12-07 (seventy-fourth stop), nvidia-h100-x1, with the stop's last ~280 s of device time: helper S's
# resume_run_tokenizer (a resume reads the run's tokenizer.json in -o, a -tk of other contents is refused; rank 0 of
# train_mamba_cu alone calls it) on train_mamba_cu: the six resume_* checks of test/test_cli.sh, cut by their comment
# lines. About 80 s build + 20 s.
set -u
. dev/device_runs/setup.sh
make -s data > /dev/null 2>&1
timeout 200 make -j16 "$NV" train_mamba_cu > "$OUT/build.log" 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
a=$(grep -n "^# a resumed run (-y, -x 0 -y too) reads the tokenizer.json" test/test_cli.sh | cut -d: -f1)
b=$(grep -n '^else bad "resume_same_tokenizer_other_path"' test/test_cli.sh | cut -d: -f1)
sed -n "${a},${b}p" test/test_cli.sh > /tmp/s74c_snip.sh
(BIN=./train_mamba_cu; TMP=$(mktemp -d); . test/check.sh; TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2)
 expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }; . /tmp/s74c_snip.sh; finish_checks) 2>&1 | tee "$OUT/s74_c.log" | tail -8
