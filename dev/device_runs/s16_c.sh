#!/bin/bash
# session 16 run C (nvidia-h200): GPU make test after the start-up checks of 53f52f0 (new CLI tests on
# train_mamba_cu: -hf refused before training, -d default, stdout errors, -e names that are paths)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
git log --oneline -1
start=$(date +%s)
timeout 540 make test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^--- |passed, " $OUT/test.log | tail -30
