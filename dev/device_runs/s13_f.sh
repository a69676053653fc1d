#!/bin/bash
# session 13 run F: racecheck of the changed scan backward (versions 0 and 17), then bench.sh 30 at the default -r 1
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
( cd dev/cuda && nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/ssb selective_scan_backward.cu > /tmp/b1.log 2>&1; echo "ssb build $?" )
SCAN_CHECK_ONLY=1 timeout 200 compute-sanitizer --tool racecheck --error-exitcode 9 /tmp/ssb 0 17 > $OUT/racecheck.log 2>&1; echo "racecheck rc $?"
grep -E "checks:|RACECHECK SUMMARY|hazard" $OUT/racecheck.log | head -5
timeout 200 bash scripts/bench.sh 30 2>&1 | tee $OUT/bench_r1.log | tail -7
