#!/bin/bash
# Written 2026-12-06 (sixty-eighth stop), nvidia-h100-x1 or nvidia-h200: the checks of test/test_cli.sh whose code changed
# after s68_a.sh's tree, on train_mamba_cu (too little device time was left for the whole suite, s68_c.sh): -ms's stop
# (its note, rank 0's error), -es synth:<task>, -x 0's notes (sampling flags, -p with -j), the -es note of a stopped run
set -u
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu data > "$OUT/s68_d_build.log" 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
{
    echo 'BIN=./train_mamba_cu; TMP=$(mktemp -d); source test/check.sh; CPU=0'
    echo 'TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2); TSV=dev/data/tinyshakespeare/tiny_shakespeare_val.bin'
    echo 'expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }'
    sed -n '/^# consecutive skips stop the run with an error/,/^else bad "skips_in_a_row_reset_by_an_update"/p' test/test_cli.sh
    grep -A1 '^expect_error stream_eval_synthetic_task' test/test_cli.sh
    sed -n '/^# ... and sampling flags without a prompt/,/^then ok "eval_only_sampling_flags_noted"/p' test/test_cli.sh
    sed -n '/^out=$("$BIN" "${TINY\[@\]}" -x 0 -p hi -g 4 -j "$TSV" 2>&1); rc=$?/,/^then ok "eval_only_prompt_and_j_noted"/p' test/test_cli.sh
    sed -n '/^# ... and a stopped run says that its -es evaluation/,/^# ... and without -o the first signal/p' test/test_cli.sh | head -n -1
    echo finish_checks
} > /tmp/s68_d_checks.sh
bash /tmp/s68_d_checks.sh 2>&1 | tee "$OUT/s68_d.log" | grep -E '^(PASS|FAIL)|passed, ' | cut -c1-300
echo "done at $(( $(date +%s) - start )) s"
