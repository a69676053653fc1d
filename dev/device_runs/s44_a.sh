#!/bin/bash
# 2026-12-04 (forty-third session in doc/perf.md), nvidia-h200 (one GPU): the several-process suite
# (test/test_multi_gpu.sh) on train_mamba_cu_shm, its ranks sharing the GPU through test/shm_nccl.c, and
# the shared-memory collectives' own test; carry [".debs"].
set -u
. dev/device_runs/setup.sh
make -s -j16 "$NV" train_mamba_cu_shm test_shm_coll data dev/data/tokenize > $OUT/build.log 2>&1
echo "build rc $? at $(( $(date +%s) - start )) s"; tail -n 5 $OUT/build.log
./test_shm_coll > $OUT/test_shm_coll.log 2>&1; echo "test_shm_coll rc $?: $(tail -n 1 $OUT/test_shm_coll.log)"
timeout 480 env MULTI_GPU_BIN=./train_mamba_cu_shm bash test/test_multi_gpu.sh > $OUT/test_multi_gpu.log 2>&1
echo "test_multi_gpu (shm) rc $? at $(( $(date +%s) - start )) s: $(tail -n 1 $OUT/test_multi_gpu.log)"
grep -E "^(PASS|FAIL)" $OUT/test_multi_gpu.log | cut -c1-400
ls /dev/shm | head -5
