#!/bin/bash
# Written 2026-12-06 (sixty-fifth stop), nvidia-h100-x1 or nvidia-h200: after fatalf's line became one write (its four
# writes were cut by the other rank's output, and val_bad_token_in_one_ranks_window_ends_both_at_start failed in
# s65_b's gpu_suites.sh run): one build (train_mamba_cu_shm), the whole several-process suite on one GPU, then that
# check 4 more times on its own (its lines taken from the suite, as s63_b.sh does), then test_durability.sh
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu_shm data dev/data/prepare_bytes dev/data/tokenize > "$OUT/build.log" 2>&1 ||
    { tail -n 20 "$OUT/build.log"; exit 1; }
echo "built at $(( $(date +%s) - start )) s"
MULTI_GPU_BIN=./train_mamba_cu_shm timeout 240 bash test/test_multi_gpu.sh > "$OUT/multi_gpu_shm.log" 2>&1
echo "multi_gpu_shm rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, " "$OUT/multi_gpu_shm.log" | cut -c1-300
{
    echo 'export ONE_GPU=1 SHM_NCCL_SLOT_BYTES=65536 BIN=./train_mamba_cu_shm; TMP=$(mktemp -d); source test/check.sh'
    grep -E '^ARGS=\(|^MB=\(' test/test_multi_gpu.sh
    grep -F '> "$TMP/mgood.bin"' test/test_multi_gpu.sh
    echo 'for round in 1 2 3 4; do rm -rf "$TMP/mv"'
    sed -n '/^# \.\.\. and a val set that large/,/else bad "val_bad_token_in_one_ranks_window_ends_both_at_start"/p' test/test_multi_gpu.sh
    echo 'done'
    echo 'finish_checks'
} > "$OUT/checks.sh"
timeout 150 bash "$OUT/checks.sh" > "$OUT/checks.log" 2>&1
echo "the check 4 times: rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, " "$OUT/checks.log" | cut -c1-300
BIN=./train_mamba_cu_shm timeout 120 bash test/test_durability.sh > "$OUT/durability.log" 2>&1
echo "test_durability (train_mamba_cu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, " "$OUT/durability.log" | cut -c1-300
