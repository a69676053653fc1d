#!/bin/bash
# 2026-12-02 (thirtieth session in doc/perf.md), nvidia-h100-x1: the scan backward with 48 channels per block
# (2 blocks of 6 warps per SM) instead of 32 (3 blocks of 4 warps): the (dB, dC) partials that the reduction
# kernel reads shrink by a third (100 -> 67 MB per layer at B=8 Di=1536). Backward playground versions 0 / 18
# (-r 0 kernels, 32 / 48 channels) and 17 / 19 (-r 1, -r 2 kernels), three runs, in turn.
set -u
nvidia-smi -L
start=$(date +%s)
(cd dev/cuda && nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/ssb selective_scan_backward.cu) > $OUT/build.log 2>&1
echo "build rc $? at $(( $(date +%s) - start )) s"
for r in 1 2 3; do
    timeout 150 /tmp/ssb 0 18 17 19 > $OUT/ssb_$r.log 2>&1; echo "run $r rc $? at $(( $(date +%s) - start )) s"
done
grep -hE "FAIL|^checks:" $OUT/ssb_1.log | head -20
for r in 1 2 3; do echo "== run $r"; grep -hE "^backward B=|^  v(0|17|18|19) " $OUT/ssb_$r.log | grep -v check; done
echo "all done at $(( $(date +%s) - start )) s"
