#!/bin/bash
# 2026-12-02 (thirty-first session in doc/perf.md), nvidia-h200: after y is kept at -r 1 too (forward
# version 11, backward version 18 in the playgrounds): PART=1 the GPU suites of `make test` that read the
# fixtures or run the kernels (test_mamba_cu checks -r 0, 1, 2 give bitwise-equal gradients; memcheck at
# -r 1 and -r 0; the dev/cuda checks, every version), then `bash scripts/bench.sh 30` at the default -r 1;
# PART=2 the CLI and durability suites on train_mamba_cu.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
case "${PART:-1}" in
    1) export TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|dev_cuda_kernels|memcheck_r[01])$' ;;
    2) export TEST_ONLY='^(test_cli_cu|test_durability_cu)$' ;;
esac
MULTI_GPU_TESTS=0 timeout 400 make -j16 test > $OUT/test$PART.log 2>&1; echo "make test (part $PART) rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^--- " $OUT/test$PART.log | head -40; grep -E "^=== |passed, " $OUT/test$PART.log | tail -20
if [ "${PART:-1}" = 1 ]; then
    timeout $(( 585 - ($(date +%s) - start) )) bash scripts/bench.sh 30 > $OUT/bench.log 2>&1; echo "bench.sh rc $? at $(( $(date +%s) - start )) s"
    grep -vE "^step|^ *$" $OUT/bench.log | tail -25
fi
