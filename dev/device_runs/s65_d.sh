#!/bin/bash
# Written 2026-12-06 (sixty-fifth stop), nvidia-h100-x1 or nvidia-h200: the last changes of the stop that reach the GPU
# trainer through the shared host code, on train_mamba_cu: a training run's prompt with -g 0 noted
# (train_prompt_g0_noted), a float flag's range error naming the value as given (top_p_just_over_one,
# lr_frac_just_over_one); their lines taken from test/test_cli.sh with its preamble
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu > "$OUT/build.log" 2>&1 || { tail -n 20 "$OUT/build.log"; exit 1; }
echo "built at $(( $(date +%s) - start )) s"
{
    echo 'BIN=./train_mamba_cu; TMP=$(mktemp -d); source test/check.sh; TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2)'
    echo 'expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }'
    sed -n '/^expect_error top_p_zero/,/^expect_error lr_frac_just_over_one/p' test/test_cli.sh
    sed -n '/^# \.\.\. and so does a training run.s prompt with -g 0/,/else bad "train_prompt_g0_noted"/p' test/test_cli.sh
    echo 'finish_checks'
} > "$OUT/checks.sh"
timeout 120 bash "$OUT/checks.sh" 2>&1 | tee "$OUT/checks.log"
echo "done at $(( $(date +%s) - start )) s"
