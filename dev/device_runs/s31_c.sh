#!/bin/bash
# 2026-12-02 (thirtieth session in doc/perf.md), nvidia-h100-x1: the GPU suites of `make test` on the H100
# (the last whole run on this kind was 2026-11-23), in two calls of the 600 s device limit:
#   PART=1: the fixtures, test_mamba_cu (bf16 and fp32 builds), the dev/cuda kernel checks, memcheck
#   PART=2: the CLI and durability suites on train_mamba_cu
# The CPU suites are CI's (reported here as skipped).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
case "${PART:-1}" in
    1) export TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|dev_cuda_kernels|memcheck_r[01])$' ;;
    2) export TEST_ONLY='^(test_cli_cu|test_durability_cu)$' ;;
esac
MULTI_GPU_TESTS=0 timeout 575 make -j16 test > $OUT/test$PART.log 2>&1; echo "make test (part $PART) rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^--- " $OUT/test$PART.log | head -40; grep -E "^=== |passed, " $OUT/test$PART.log | tail -20
