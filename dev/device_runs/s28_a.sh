#!/bin/bash
# 2026-12-02 (twenty-seventh session in doc/perf.md), nvidia-h200, main at 26d42f5: the whole GPU `make test`
# after the durability-order fixes (pruning, -hf export over an export, tokenize, the Python data scripts), with
# the new test/test_durability.sh against both trainers (test_durability, test_durability_cu).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
MULTI_GPU_TESTS=0 timeout 570 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -30; grep -E "^=== |passed, " $OUT/test.log | tail -34
