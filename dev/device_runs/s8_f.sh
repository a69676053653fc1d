#!/bin/bash
# session 8 run F: make train from a fresh tree (timed), then make test on the final code
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
ls train_mamba_cu dev/data/tinyshakespeare/*.bin 2>&1 | head -3
T0=$(date +%s.%N)
make train > /tmp/train.log 2>&1; echo "make train rc $?"
T1=$(date +%s.%N)
echo "make train wall $(echo "$T1 - $T0" | bc) s"
grep -E "^average|^val loss|device memory" /tmp/train.log | tail -4; grep -A3 "^generating" /tmp/train.log | tail -4
timeout 420 make test > /tmp/test.log 2>&1; echo "make test rc $?"
grep -E "^FAIL|SKIP" /tmp/test.log | head; grep -E "=== test_tokenize" -A0 /tmp/test.log; tail -1 /tmp/test.log
cp /tmp/train.log /tmp/test.log $OUT/
