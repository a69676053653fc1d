#!/bin/bash
# 2026-12-03 (thirty-ninth session in doc/perf.md), nvidia-h200: make test's GPU suites at main 5b78065 (the -r 0
# forward's checkpoint base inside the buffer): fixtures, test_mamba_cu (bf16, fp32), memcheck at -r 0, then the
# CLI and durability suites on train_mamba_cu with the time left.
set -u
nvidia-smi -L
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
NV='NVCC_FLAGS=-O3 --threads 0 -gencode arch=compute_90,code=sm_90'
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|memcheck_r0)$' MULTI_GPU_TESTS=0 timeout 330 make -j16 "$NV" test > $OUT/test1.log 2>&1
echo "make test (fixtures, test_mamba_cu, memcheck -r 0) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test1.log | head -20; grep -E "^=== |passed, " $OUT/test1.log | tail -10
left=$(( 575 - ($(date +%s) - start) ))
TEST_ONLY='^(test_cli_cu|test_durability_cu)$' MULTI_GPU_TESTS=0 timeout $left make -j16 "$NV" test > $OUT/test2.log 2>&1
echo "make test (CLI, durability on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s (limit $left s)"
grep -E "^FAIL" $OUT/test2.log | head -20; grep -E "^=== |passed, " $OUT/test2.log | tail -6
