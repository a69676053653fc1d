#!/bin/bash
# Written 2026-12-06 (sixty-fourth stop), nvidia-h100-x1 or nvidia-h200: the smallest call that covers what this
# stop's and the last stop's changes need on a GPU, for when device time is short (gpu_suites.sh takes ~480 s):
# one build (train_mamba_cu_shm: the GPU trainer with NCCL's calls over shared memory), then s63_b.sh's two checks
# (test_multi_gpu.sh's val_bad_token_in_one_ranks_window_ends_both_at_start, test_cli.sh's
# commands_history_kept_when_unreadable) and test_durability.sh on that trainer (its new size rule: a file's size
# at its sync and at its rename agree)
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu_shm data dev/data/prepare_bytes dev/data/tokenize > "$OUT/build.log" 2>&1 ||
    { tail -n 20 "$OUT/build.log"; exit 1; }
echo "built at $(( $(date +%s) - start )) s"
BIN=./train_mamba_cu_shm timeout 120 bash test/test_durability.sh > "$OUT/durability.log" 2>&1
echo "test_durability (train_mamba_cu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, " "$OUT/durability.log" | cut -c1-300
# s63_b.sh's checks, without its build (done above)
sed -e '/^\. dev\/device_runs\/setup\.sh$/d' -e '/^make -j16 /d' -e '/^echo "built at/d' dev/device_runs/s63_b.sh > "$OUT/s63_b_checks.sh"
start=$start OUT=$OUT bash "$OUT/s63_b_checks.sh"
