#!/bin/bash
# session 16 run A (nvidia-h200): GPU make test at the start of the session (b973cba: the first GPU run
# of 6c5e146's layout check in train_mamba.cu)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
git log --oneline -1
start=$(date +%s)
timeout 540 make test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^--- |passed, " $OUT/test.log | tail -30
