#!/bin/bash
# 2026-12-03 (thirty-eighth session in doc/perf.md), nvidia-h200: the -r 0 forward's checkpoints as 16-byte
# stores where that costs no wave (selective_scan_forward_n picks by the occupancy of both kernels).
# Prebuilt in .bin39b (carry it): ssf_head (main fc9a1de), ssf_new (this tree; v12 / v13 force each store).
#   1. forward playground versions 9 10 12 13 at three shapes, head / new, two rounds;
#   2. the GPU suites on this tree; 3. bash scripts/bench.sh 30 -r 0.
set -u
nvidia-smi -L; nvidia-smi --query-gpu=clocks.max.sm,power.limit --format=csv,noheader
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
for r in 1 2; do for b in head new; do
    v="9 10"; [ $b = new ] && v="9 10 12 13"
    timeout 60 .bin39b/ssf_$b $v > /tmp/ssf_$b.log 2>&1; echo "== forward $b round $r rc $? at $(( $(date +%s) - start )) s"
    grep -E "FAIL|checks:|^forward B=|^  *v?(9|10|12|13) " /tmp/ssf_$b.log | grep -vE "^    " | head -20
done; done
cp /tmp/ssf_new.log $OUT/ssf_new.log
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
