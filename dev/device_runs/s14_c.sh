#!/bin/bash
# session 14 run C: GPU make test after the checks-before-training changes (test_cli.sh on train_mamba_cu too)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
timeout 500 make test > $OUT/test.log 2>&1; echo "make test rc $?"
grep -E "^FAIL" $OUT/test.log | head -20; grep -E "passed, " $OUT/test.log; tail -1 $OUT/test.log
