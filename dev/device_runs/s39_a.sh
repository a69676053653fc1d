#!/bin/bash
# 2026-12-03 (thirty-eighth session in doc/perf.md), nvidia-h200: the forward's checkpoint stores again.
# Every variant writes its checkpoints from one per-lane base address (the index was computed per checkpoint):
#   head  = main fc9a1de; base = the base address, float4 stores (the compiler splits them: 2000 instructions,
#   128 registers); st16 = with st.global.v4 (1984, 130 registers: 3 blocks per SM); cap = st16 with
#   __maxnreg__(128) on the N = 16 forward (1976 instructions, 128 registers, no spill).
# First call: .debs was missing (the tests did not run); the forward results are in doc/perf.md. Second call
# (SECOND=1): head, st16, u16 = st16 with a 32-bit checkpoint stride (-DSCAN_CKT=unsigned: the -r 0 kernel
# then takes 80 registers), u0 = the same with float4 stores (80 registers).
# Prebuilt in .bin39a (carry it). 1. forward playground versions 0 9 10 11 (-r 2, fine, -r 0, -r 1) at three
# shapes (B=8 Di=1536 L=2048, B=16 Di=1024 L=1024, B=32 Di=768 L=1024), two rounds; 2. the GPU suites on this
# tree (base; test_mamba_cu's -r 1 checks now against a -r 1 run); 3. bench.sh 30 -r 0 if time is left.
set -u
nvidia-smi -L; nvidia-smi --query-gpu=clocks.max.sm,power.limit --format=csv,noheader
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
VARIANTS="head base st16 cap"; [ -n "${SECOND:-}" ] && VARIANTS="head st16 u16 u0"
for r in 1 2; do for b in $VARIANTS; do
    timeout 60 .bin39a/ssf_$b 0 9 10 11 > /tmp/ssf_$b.log 2>&1; echo "== forward $b round $r rc $? at $(( $(date +%s) - start )) s"
    grep -E "FAIL|checks:|^forward B=|^  *v?(0|9|10|11) " /tmp/ssf_$b.log | grep -vE "^    " | head -16
done; done
cp /tmp/ssf_head.log $OUT/ssf_head.log
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32)$' MULTI_GPU_TESTS=0 timeout 300 make -j16 NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90" test > $OUT/test.log 2>&1
echo "make test rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | head -20; grep -E "passed, " $OUT/test.log | tail -4
left=$(( 560 - ($(date +%s) - start) ))
if [ $left -gt 140 ]; then
    timeout $left bash scripts/bench.sh 30 -r 0 > $OUT/bench.log 2>&1; echo "bench rc $? at $(( $(date +%s) - start )) s"
    grep -E "TFLOP|tok/s|MHz|scan" $OUT/bench.log | tail -12
else
    echo "no time left for bench.sh ($left s)"
fi
