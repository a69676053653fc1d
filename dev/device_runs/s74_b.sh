#!/bin/bash
# Written 2026-12-07 (seventy-fourth stop), nvidia-h100-x1: the stop's later changes on a GPU machine. The CLI suite and
# durability on train_mamba_cu (an empty -tk refused, stale .tmp files of -o removed at a run's start by rank 0, the
# Options' own copies freed, the doc math check, the norm past 1.8e19), multi_gpu_shm (rank 0's start-up in -o), and
# the adamw playground's checks after its refactor. About 80 s build + 300 + 90 + 20 s.
set -u
. dev/device_runs/setup.sh
( cd dev/cuda && nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/adamw_pg adamw.cu ) &
TEST_ONLY='^(test_cli_cu|test_durability_cu|multi_gpu_shm)$' timeout 540 make -j16 "$NV" test > "$OUT/s74_b.log" 2>&1
echo "make test (test_cli_cu, test_durability_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s74_b.log" | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " "$OUT/s74_b.log" | grep -v "SKIP\|^--- cpu_" | tail -8
wait
timeout 60 /tmp/adamw_pg --check > "$OUT/adamw.log" 2>&1; echo "adamw playground --check rc $?"
grep -E "3e20|^checks" "$OUT/adamw.log"
