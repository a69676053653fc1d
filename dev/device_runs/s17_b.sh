#!/bin/bash
# session 17 run B (nvidia-h200): the benchmark at -r 0 and the default -r 1 over 66dfda8 (no kernel changed
# since b973cba: a repeat of s16_b.sh's figures)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L; nvidia-smi --query-gpu=power.limit,clocks.max.sm --format=csv
start=$(date +%s)
timeout 300 bash scripts/bench.sh 30 -r 0 2>&1 | tee $OUT/bench_r0.log | grep -v "^step"
echo "bench -r 0 done at $(( $(date +%s) - start )) s"
timeout 200 bash scripts/bench.sh 30 2>&1 | tee $OUT/bench_r1.log | grep -v "^step"
echo "bench -r 1 done at $(( $(date +%s) - start )) s"
