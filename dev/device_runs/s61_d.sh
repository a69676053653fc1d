#!/bin/bash
# Written 2026-12-05 (sixty-first stop), nvidia-h100-x1: the multi-process suite over shared memory after split_range
# (multi_gpu_shard and the optimizer state shards share one definition of the split). About 100 s build + 90 s.
set -u
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu_shm data > $OUT/build_d.log 2>&1 || { echo "build failed"; tail -5 $OUT/build_d.log; exit 1; }
echo "built at $(( $(date +%s) - start )) s"
MULTI_GPU_BIN=./train_mamba_cu_shm timeout 400 bash test/test_multi_gpu.sh > $OUT/multi_d.log 2>&1
echo "multi_gpu_shm rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, " $OUT/multi_d.log | cut -c1-300 | head -20
grep -E "^PASS (bad_token|resume_z1)" $OUT/multi_d.log
