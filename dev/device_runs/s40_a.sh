#!/bin/bash
# 2026-12-03 (thirty-ninth session in doc/perf.md), nvidia-h200: main 5707f55 on a GPU for the first time (the
# review's mends: occupancy asked once per kernel, v12 / v13 checked against each other bit for bit).
# Prebuilt in .bin40a (carry it): ssf = dev/cuda/selective_scan_forward.cu at this tree.
#   1. forward playground versions 9 10 12 13 (checks, three bench shapes);
#   2. make test's GPU suites: fixtures, test_mamba_cu (bf16, fp32), memcheck at -r 0 / -r 1, the dev/cuda checks.
set -u
nvidia-smi -L
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
timeout 60 .bin40a/ssf 9 10 12 13 > $OUT/ssf.log 2>&1; echo "forward playground rc $? at $(( $(date +%s) - start )) s"
grep -E "FAIL|not the same|checks:|^forward B=|^  *v?(9|10|12|13) " $OUT/ssf.log | grep -vE "^    " | head -20
echo "check lines: $(grep -c '^  check' $OUT/ssf.log)"
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|memcheck_r[01]|dev_cuda_kernels)$' MULTI_GPU_TESTS=0 timeout 500 make -j16 NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90" test > $OUT/test.log 2>&1
echo "make test rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|^--- " $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -12
