#!/bin/bash
# Written 2026-12-05 (fifty-ninth stop), nvidia-h100-x1 (the targets' card): the scan at the anchors' shape
# (B=8 Di=1536 L=2048 N=16) at -r 0 (forward version 10, backward version 0, as scripts/bench.sh runs them),
# five times over in one process each, one after the other: how far the forward + backward sits from 0.8 ms
# across runs on one card, not from one reading. About 60 s build + 5 x 15 s.
set -u
. dev/device_runs/setup.sh
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
( cd dev/cuda && nvcc $ARCH -o /tmp/ssf selective_scan_forward.cu ) & ( cd dev/cuda && nvcc $ARCH -o /tmp/ssb selective_scan_backward.cu ); wait
echo "built at $(( $(date +%s) - start )) s"
for i in 1 2 3 4 5; do
    /tmp/ssf 10 > $OUT/ssf_$i.log 2>&1; /tmp/ssb 0 > $OUT/ssb_$i.log 2>&1
    f=$(awk '/^forward B=8 T=2048 Di=1536 N=16/ {f = 1; next} f && $1 == "v10" {split($0, h, "|"); n = split(h[1], w, " "); print w[n - 2]; exit}' $OUT/ssf_$i.log)
    b=$(awk '/^backward B=8 T=2048 Di=1536 N=16/ {f = 1; next} f && $1 == "v0" {split($0, h, "|"); n = split(h[1], w, " "); split(h[2], x, " "); print w[n - 2], x[1]; exit}' $OUT/ssb_$i.log)
    echo "run $i: forward $f ms | backward, forward+backward $b ms"
done
nvidia-smi --query-gpu=name,clocks.max.sm,power.limit --format=csv,noheader
