#!/bin/bash
# 2026-12-02 (twenty-sixth session in doc/perf.md), nvidia-h200, on branch next/generation-queued-2 (main at
# 87ae49c + generation's queued steps): the whole GPU `make test` (test_mamba_cu bf16 and fp32, the dev/cuda
# checks, the CLI tests against train_mamba_cu, memcheck), which also covers main's four mends since the last
# GPU run (load8, run_tests.sh's fixture status, the sampler's segment sizes, compiled_for_sm90).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
MULTI_GPU_TESTS=0 timeout 570 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -30; grep -E "^=== |passed, " $OUT/test.log | tail -32
