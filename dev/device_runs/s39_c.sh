#!/bin/bash
# 2026-12-03 (thirty-eighth session in doc/perf.md), nvidia-h200: the rest of make test's GPU suites at main
# 0418ea8 (the kernels of b8dc911/b7e21cc: the -r 0 forward's 16-byte checkpoint stores where they cost no wave): memcheck at -r 0 and -r 1 and the
# dev/cuda checks first, then the CLI and durability suites on train_mamba_cu with the time left.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
NV='NVCC_FLAGS=-O3 --threads 0 -gencode arch=compute_90,code=sm_90'
TEST_ONLY='^(memcheck_r[01]|dev_cuda_kernels)$' MULTI_GPU_TESTS=0 timeout 300 make -j16 "$NV" test > $OUT/test1.log 2>&1
echo "make test (memcheck, dev/cuda checks) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|^--- " $OUT/test1.log | head -30; grep -E "^=== |passed, " $OUT/test1.log | tail -12
left=$(( 480 - ($(date +%s) - start) ))
TEST_ONLY='^(test_durability_cu|test_cli_cu)$' MULTI_GPU_TESTS=0 timeout $left make -j16 "$NV" test > $OUT/test2.log 2>&1
echo "make test (durability, CLI on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s (limit $left s)"
grep -E "^FAIL|^--- " $OUT/test2.log | head -30; grep -E "^=== |passed, " $OUT/test2.log | tail -12
