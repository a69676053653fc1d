#!/bin/bash
# session 17 run D (nvidia-h200): GPU make test after the whole-step data reading (a -z 0 checkpoint resumes
# on another process count: test_cli's stand-in check runs against train_mamba_cu too)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 540 make test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
