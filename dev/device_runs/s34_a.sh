#!/bin/bash
# 2026-12-03 (thirty-third session in doc/perf.md), nvidia-h200: at the tree with the NaN-sticky worst-error
# loops (fe0ed79, compiled but never run on a GPU): run_mutants.py's unmutated tree (test_mamba_cu bf16 and
# fp32 on make test's fixtures) and the two column-sum mutants that s33_b.sh killed only at T = 64, against the
# C = 18 fixture at T = 256; then the other GPU kernel suites of `make test` (the dev/cuda checks, memcheck).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
make make_cpu_fixture > /dev/null || exit 1
ONLY=reduce_slice_drops_last_row,reduce_finish_drops_last_slice DEADLINE=300 RUN_TIMEOUT=120 RUN_JOBS=2 \
    timeout 330 python3 dev/mutation/run_mutants.py $OUT dev/mutation/gpu_mutants_*.json
echo "mutants rc $? at $(( $(date +%s) - start )) s"
grep -hE "passed, " /tmp/mutants_gpu/clean/test_mamba_cu.log /tmp/mutants_gpu/clean/test_mamba_cu_fp32.log
export TEST_ONLY='^(dev_cuda_kernels|memcheck_r[01])$'
MULTI_GPU_TESTS=0 timeout $(( 585 - ($(date +%s) - start) )) make -j16 test > $OUT/test1.log 2>&1; echo "make test (dev/cuda checks, memcheck) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|^--- " $OUT/test1.log | head -40; grep -E "^=== |passed, " $OUT/test1.log | tail -20
