#!/bin/bash
# session 12 run D: make test on one H200 at the session's final code, then bench.sh -r 0
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
timeout 400 make test > $OUT/test.log 2>&1; echo "make test rc $?"
grep -E "^FAIL|fifo_shard|hf_export_has" $OUT/test.log | head -20; tail -1 $OUT/test.log
timeout 170 bash scripts/bench.sh 30 -r 0 2>&1 | tee $OUT/bench_r0.log | tail -7
