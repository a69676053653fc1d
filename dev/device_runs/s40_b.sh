#!/bin/bash
# 2026-12-03 (thirty-ninth session in doc/perf.md), nvidia-h200: the -r 0 forward with each lane's checkpoint
# base kept inside the buffer (lanes past Di pointed past it; they store nothing). The registers are the same
# (126/128/130), the SASS is reallocated throughout, so: the forward playground before (.bin40a, main 5707f55)
# and after (.bin40c), alternated, two rounds; then bash scripts/bench.sh 30 -r 0 on this tree.
set -u
nvidia-smi -L; nvidia-smi --query-gpu=clocks.max.sm,power.limit --format=csv,noheader
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
for r in 1 2; do for b in 40a 40c; do
    timeout 60 .bin$b/ssf 10 12 13 0 11 > /tmp/ssf_$b.log 2>&1; echo "== forward $b round $r rc $? at $(( $(date +%s) - start )) s"
    grep -E "FAIL|checks:|^forward B=|^  *v?(0|10|11|12|13) " /tmp/ssf_$b.log | grep -vE "^    " | head -20
done; done
cp /tmp/ssf_40c.log $OUT/ssf_after.log
left=$(( 570 - ($(date +%s) - start) ))
timeout $left bash scripts/bench.sh 30 -r 0 > $OUT/bench.log 2>&1; echo "bench rc $? at $(( $(date +%s) - start )) s"
grep -E "TFLOP|tok/s|MHz|scan" $OUT/bench.log | tail -14
