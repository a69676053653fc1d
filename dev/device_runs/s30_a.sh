#!/bin/bash
# 2026-12-02 (twenty-ninth session in doc/perf.md), nvidia-h200, main at 21fb97e: the whole GPU `make test`
# after the twenty-eighth session's -o lock, make train RESUME=1, the review fixes and the dataloader checks.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
MULTI_GPU_TESTS=0 timeout 570 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -30; grep -E "^=== |passed, " $OUT/test.log | tail -34
