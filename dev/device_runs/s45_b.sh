#!/bin/bash
# 2026-12-04 (forty-fourth session in doc/perf.md), nvidia-h200: `make train` as a user runs it (the Makefile's
# default flags: sm_90 and sm_80 code and compute_90 PTX; NCCL found or not), the PTX alone (CUDA_FORCE_PTX_JIT=1:
# what a GPU of a later architecture without code of its own runs) against the sm_90 code, then test_mamba_cu
# (the -mc rows of version 2 files without shared context) and the trainer without NCCL.
set -u
. dev/device_runs/setup.sh
( time make train ) > $OUT/make_train.log 2>&1
echo "make train rc $? at $(( $(date +%s) - start )) s"
grep -E "^nvcc|note:|val loss|^real" $OUT/make_train.log | cut -c1-220 | tail -8
A=(-e d64:l2:v256 -b 4 -t 128 -x 30 -v 10 -m 2 -g 0 -sh 0)
rm -rf ~/.nv/ComputeCache
( time ./train_mamba_cu "${A[@]}" -o /tmp/sass ) > $OUT/sass.log 2>&1
( time CUDA_FORCE_PTX_JIT=1 ./train_mamba_cu "${A[@]}" -o /tmp/ptx ) > $OUT/ptx.log 2>&1
echo "ptx run rc $?"
( time CUDA_FORCE_PTX_JIT=1 ./train_mamba_cu "${A[@]}" -o /tmp/ptx2 ) > $OUT/ptx2.log 2>&1
grep "^real" $OUT/sass.log $OUT/ptx.log $OUT/ptx2.log
paste <(grep -E "trl|tel" /tmp/sass/main.log) <(grep -E "trl|tel" /tmp/ptx/main.log) | awk '{split($2,a,":"); split($4,b,":"); d=a[2]-b[2]; if (d<0) d=-d; if (d>m) m=d; n++} END {printf "sm_90 code vs PTX: %d log values, max |diff| %.3g\n", n, m}'
cmp /tmp/sass/model_00000030.bin /tmp/ptx/model_00000030.bin && echo "models bitwise equal" || echo "models differ"
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|no_nccl_cu)$' timeout 400 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (fixtures, test_mamba_cu bf16 + fp32, no_nccl_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP" | tail -12
