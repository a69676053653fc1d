#!/bin/bash
# session 9 run D: make train from a fresh tree (the README's first command), timed
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
ls train_mamba_cu 2>&1 | head -1
s=$(date +%s%N)
make train > /tmp/train.log 2>&1; echo "make train rc $?"
echo "wall $(( ($(date +%s%N) - s) / 1000000 )) ms"
grep -E "^\| device|^average|^val loss|device memory|^decode" /tmp/train.log | tail -6; grep -A4 "^generating" /tmp/train.log | tail -4
cp /tmp/train.log $OUT/
