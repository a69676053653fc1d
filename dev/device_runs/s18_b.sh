#!/bin/bash
# session 18 run B (nvidia-h200; on a 2-GPU machine right after run A, which ran the multi-GPU suite): make test
# after the resume-position and start-up-order changes
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
MULTI_GPU_TESTS=0 timeout 570 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
