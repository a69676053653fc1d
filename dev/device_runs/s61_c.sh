#!/bin/bash
# Written 2026-12-05 (sixty-first stop), nvidia-h100-x1 or nvidia-h200: the multi-process suite over shared memory after
# a review's fix (-a 1's one batch read with the bad-token check deferred: bad_token_in_overfit_batch_on_one_rank).
# About 70 s build + 100 s.
set -u
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu_shm data > $OUT/build_c.log 2>&1 || { echo "build failed"; tail -5 $OUT/build_c.log; exit 1; }
echo "built at $(( $(date +%s) - start )) s"
MULTI_GPU_BIN=./train_mamba_cu_shm timeout 400 bash test/test_multi_gpu.sh > $OUT/multi_c.log 2>&1
echo "multi_gpu_shm rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, " $OUT/multi_c.log | cut -c1-300 | head -20
grep -E "^PASS (bad_token|resume_z1)" $OUT/multi_c.log
