#!/bin/bash
# session 17 run C (nvidia-h200): per-kernel breakdown of one training step at 66dfda8 (the first since the
# twelfth session's y-kept / dC changes): 130m at -r 0 (the bench's fastest level) and the byte-level model at -r 0
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 330 bash scripts/profile_step.sh mamba-130m 8 2048 -r 0 > $OUT/prof_130m_r0.txt 2>&1; echo "130m rc $? at $(( $(date +%s) - start )) s"
cat $OUT/prof_130m_r0.txt
timeout 200 bash scripts/profile_step.sh d384:l8:v256 32 1024 -r 0 > $OUT/prof_byte_r0.txt 2>&1; echo "byte rc $? at $(( $(date +%s) - start )) s"
cat $OUT/prof_byte_r0.txt
