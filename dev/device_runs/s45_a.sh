#!/bin/bash
# 2026-12-04 (forty-fourth session in doc/perf.md), nvidia-h200 (one GPU): the GPU programs without NCCL
# (train_mamba_cu_nonccl: test/test_no_nccl.sh) and the several-process suite on train_mamba_cu_shm, now compiled
# against llmc/cuda/nccl_subset/nccl.h instead of NCCL's header.
set -u
. dev/device_runs/setup.sh
echo "make finds NCCL here: $(make -s -n -B train_mamba_cu | grep -c -- '-lnccl') (1 = links libnccl)"
TEST_ONLY='^(test_shm_nccl|no_nccl_cu|multi_gpu_shm)$' timeout 570 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (no_nccl_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP" | tail -8
grep -E "^PASS nonccl" $OUT/test.log | cut -c1-200
