#!/bin/bash
# session 20 run D (nvidia-h200): the closing GPU make test after the last review: the re-save of a stopped step,
# the stop flag shared from rank 0, the log lines of a re-evaluated step, one visible GPU taking any local rank
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 500 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
grep -E "keep_best|signals_|stop_|synthetic_finished|last_step|launcher|gpu_tcp" $OUT/test.log | head -30
