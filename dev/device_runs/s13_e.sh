#!/bin/bash
# session 13 run E: make test on one H200 at the final code, then bench.sh 30 -r 0 and the scan at -r 1
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
timeout 400 make test > $OUT/test.log 2>&1; echo "make test rc $?"
grep -E "^FAIL" $OUT/test.log | head -20; grep -E "recompute_levels" $OUT/test.log | head -2; tail -1 $OUT/test.log
timeout 170 bash scripts/bench.sh 30 -r 0 2>&1 | tee $OUT/bench_r0.log | tail -9
