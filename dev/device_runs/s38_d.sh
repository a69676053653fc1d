#!/bin/bash
# 2026-12-03 (thirty-seventh session in doc/perf.md), nvidia-h200: the forward's checkpoint stores. At -r 0 (a
# checkpoint every 8 steps) the compiler split each float4 store of a lane's 4 states into 4 scalar stores and
# computed each checkpoint's 64-bit index anew (SASS: 16 STG.E per tile, 2024 instructions against 1920 with one
# checkpoint per chunk). Now one st.global.v4 each (ss_st16) from a per-chunk base address (1984 instructions).
# Prebuilt in .bin38b (carry it): ssf_old, ssb_old (main d99e933), ssf_new, ssb_new (this commit).
#   1. forward playground versions 0 9 10 11 (the trainer's -r 2, fine checkpoints, -r 0, -r 1), old / new, two
#      rounds; backward playground versions 0 17 18, old / new, two rounds (checks run first in each);
#   2. the GPU suites on this tree; 3. if time is left, bash scripts/bench.sh 30 -r 0.
set -u
nvidia-smi -L; nvidia-smi --query-gpu=clocks.max.sm,power.limit --format=csv,noheader
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
for r in 1 2; do for b in old new; do
    timeout 60 .bin38b/ssf_$b 0 9 10 11 > /tmp/ssf_$b.log 2>&1; echo "== forward $b round $r rc $? at $(( $(date +%s) - start )) s"
    grep -E "FAIL|checks:|^forward B=|^  *v?(0|9|10|11) " /tmp/ssf_$b.log | grep -vE "^    " | head -12
done; done
for r in 1 2; do for b in old new; do
    timeout 60 .bin38b/ssb_$b 0 17 18 > /tmp/ssb_$b.log 2>&1; echo "== backward $b round $r rc $? at $(( $(date +%s) - start )) s"
    grep -E "FAIL|checks:|^backward B=|^  *v?(0|17|18) " /tmp/ssb_$b.log | grep -vE "^    " | head -12
done; done
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32)$' MULTI_GPU_TESTS=0 timeout 300 make -j16 NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90" test > $OUT/test.log 2>&1
echo "make test rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | head -20; grep -E "passed, " $OUT/test.log | tail -4
left=$(( 560 - ($(date +%s) - start) ))
if [ $left -gt 130 ]; then
    timeout $left bash scripts/bench.sh 30 -r 0 > $OUT/bench.log 2>&1; echo "bench rc $? at $(( $(date +%s) - start )) s"
    grep -E "TFLOP|tok/s|MHz|scan" $OUT/bench.log | tail -12
else
    echo "no time left for bench.sh ($left s)"
fi
