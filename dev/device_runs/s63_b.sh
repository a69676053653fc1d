#!/bin/bash
# Written 2026-12-06 (sixty-third stop), nvidia-h100-x1 or nvidia-h200: s63_a.sh cut to what the stop's last device
# time held (no machine started for s63_a): one build (train_mamba_cu_shm), then test_multi_gpu.sh's
# val_bad_token_in_one_ranks_window_ends_both_at_start alone (its lines taken from the suite, with its preamble) and
# test_cli.sh's commands_history_kept_when_unreadable on the same GPU trainer
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu_shm data > "$OUT/build.log" 2>&1 || { tail -n 20 "$OUT/build.log"; exit 1; }
echo "built at $(( $(date +%s) - start )) s"
{
    echo 'export ONE_GPU=1 SHM_NCCL_SLOT_BYTES=65536 BIN=./train_mamba_cu_shm; TMP=$(mktemp -d); source test/check.sh'
    grep -E '^ARGS=\(|^MB=\(' test/test_multi_gpu.sh
    grep -F '> "$TMP/mgood.bin"' test/test_multi_gpu.sh
    sed -n '/^# \.\.\. and a val set that large/,/else bad "val_bad_token_in_one_ranks_window_ends_both_at_start"/p' test/test_multi_gpu.sh
    echo 'BIN=./train_mamba_cu_shm; unset ONE_GPU'
    echo 'TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2)'
    echo '"$BIN" "${TINY[@]}" -x 5 -n 5 -o $TMP/a > /dev/null; A=$TMP/a'
    sed -n '/^mkdir -p "\$TMP\/cmdhist"/,/else bad "commands_history_kept_when_unreadable"/p' test/test_cli.sh
    echo 'echo "the read refused at ulimit -n:$read_seen"'
    echo 'finish_checks'
} > "$OUT/checks.sh"
timeout 120 bash "$OUT/checks.sh" 2>&1 | tee "$OUT/checks.log"
echo "done at $(( $(date +%s) - start )) s"
