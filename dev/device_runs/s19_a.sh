#!/bin/bash
# session 19 run A (nvidia-h200): GPU make test at the start of the session (HEAD of the eighteenth stop)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 540 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
