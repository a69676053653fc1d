#!/bin/bash
# 2026-12-02 (twenty-eighth session in doc/perf.md), nvidia-h200: the whole GPU `make test` after the session's
# changes (-o held by a lock, the launcher table in train_common.h, the review's error messages, the scan's
# reduction launched programmatically).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
MULTI_GPU_TESTS=0 timeout 570 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -30; grep -E "^=== |passed, " $OUT/test.log | tail -34
