#!/bin/bash
# 2026-12-02 (thirtieth session in doc/perf.md), nvidia-h100-x1: the scan kernels' spread on the H100, and
# whether the chunk length chosen on the first day (32, before the 8-step checkpoints of -r 0) still wins
# on this card: forward versions 0 (-r 1, 2), 9 (8-step checkpoints), 10 (the -r 0 forward: 8-step
# checkpoints and y) and backward versions 0 (-r 0) and 17 (-r 1, 2), built at CHUNK = 16, 32, 64, each run
# three times in turn.
set -u
nvidia-smi -L
start=$(date +%s)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
for c in 16 32 64; do
    (cd dev/cuda && nvcc $ARCH -DCHUNK=$c -o /tmp/ssf$c selective_scan_forward.cu) > $OUT/build_ssf$c.log 2>&1 &
    (cd dev/cuda && nvcc $ARCH -DCHUNK=$c -o /tmp/ssb$c selective_scan_backward.cu) > $OUT/build_ssb$c.log 2>&1 &
done
wait
echo "builds done at $(( $(date +%s) - start )) s"; tail -qn 1 $OUT/build_*.log
for r in 1 2 3; do
    for c in 32 16 64; do
        [ $(( $(date +%s) - start )) -gt 520 ] && break 2
        timeout 60 /tmp/ssf$c 0 9 10 > $OUT/ssf${c}_$r.log 2>&1; echo "ssf chunk $c run $r rc $? at $(( $(date +%s) - start )) s"
        timeout 90 /tmp/ssb$c 0 17 > $OUT/ssb${c}_$r.log 2>&1; echo "ssb chunk $c run $r rc $? at $(( $(date +%s) - start )) s"
    done
done
for c in 32 16 64; do for r in 1 2 3; do
    [ -f $OUT/ssf${c}_$r.log ] || continue
    echo "== chunk $c run $r"; grep -hE "FAIL|checks|^forward B=8 T=2048|^backward B=8 T=2048" $OUT/ssf${c}_$r.log $OUT/ssb${c}_$r.log | head -6
    grep -hA4 -E "^forward B=8 T=2048|^backward B=8 T=2048" $OUT/ssf${c}_$r.log $OUT/ssb${c}_$r.log | grep -E "^ *v?[0-9]+ " | head -8
done; done
echo "all done at $(( $(date +%s) - start )) s"
