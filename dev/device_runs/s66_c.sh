#!/bin/bash
# Written 2026-12-06 (sixty-sixth stop), nvidia-h100-x1 or nvidia-h200: train_mamba_cu after the review's fixes (TrainLoop
# filled by field names): the resume-after-stop checks of test/test_cli.sh (stop_at_validation_step_10/20,
# stop_then_resume_below_stopped_step, resume_after_stop_names_what_is_due, stop_then_crash_logs_once) with its preamble
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu data > "$OUT/build.log" 2>&1 || { tail -n 20 "$OUT/build.log"; exit 1; }
echo "built at $(( $(date +%s) - start )) s"
{
    echo 'BIN=./train_mamba_cu; TMP=$(mktemp -d); source test/check.sh; TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2)'
    echo 'expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }'
    sed -n '/^last_sample() {/p' test/test_cli.sh
    sed -n '/^SA=(-e d32:l2:v256/,/else bad "stop_then_crash_logs_once"/p' test/test_cli.sh
    echo 'finish_checks'
} > "$OUT/checks.sh"
timeout 300 bash "$OUT/checks.sh" 2>&1 | tee "$OUT/checks.log"
echo "done at $(( $(date +%s) - start )) s"
