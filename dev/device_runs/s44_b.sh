#!/bin/bash
# 2026-12-04 (forty-third session in doc/perf.md), nvidia-h200 (one GPU): after the -a 1 resume fix (found by
# s44_a.sh) and the three-rank checks: the several-process suite on train_mamba_cu_shm (ranks sharing the GPU
# through test/shm_nccl.c), then the CLI suite on train_mamba_cu; carry [".debs"].
set -u
. dev/device_runs/setup.sh
make -s -j16 "$NV" train_mamba_cu train_mamba_cu_shm test_shm_coll data dev/data/tokenize dev/data/prepare_bytes train_mamba > $OUT/build.log 2>&1
echo "build rc $? at $(( $(date +%s) - start )) s"
./test_shm_coll > $OUT/test_shm_coll.log 2>&1; echo "test_shm_coll rc $?: $(tail -n 1 $OUT/test_shm_coll.log)"
timeout 240 env MULTI_GPU_BIN=./train_mamba_cu_shm bash test/test_multi_gpu.sh > $OUT/test_multi_gpu.log 2>&1
echo "test_multi_gpu (shm) rc $? at $(( $(date +%s) - start )) s: $(tail -n 1 $OUT/test_multi_gpu.log)"
grep -E "^(PASS|FAIL)" $OUT/test_multi_gpu.log | cut -c1-300
left=$(( 575 - ($(date +%s) - start) ))
timeout $left env BIN=./train_mamba_cu bash test/test_cli.sh > $OUT/test_cli_cu.log 2>&1
echo "test_cli on train_mamba_cu rc $? at $(( $(date +%s) - start )) s (limit $left s): $(tail -n 1 $OUT/test_cli_cu.log)"
grep -E "^FAIL|overfit" $OUT/test_cli_cu.log | head -20
ls /dev/shm | head -5
