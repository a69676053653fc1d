#!/bin/bash
# 2026-12-04 (forty-fourth session in doc/perf.md), nvidia-h200: a stop signal to one rank alone (rank 0 names it as
# another process's), in the several-process suite on train_mamba_cu_shm, and the CLI suite on train_mamba_cu.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|multi_gpu_shm)$' timeout 580 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (CLI on train_mamba_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP" | tail -8
grep -E "^PASS signal_to_one_rank" $OUT/test.log | cut -c1-200
