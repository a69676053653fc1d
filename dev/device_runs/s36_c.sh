#!/bin/bash
# 2026-12-03 (thirty-fifth session in doc/perf.md), nvidia-h200: the CLI and durability suites on train_mamba_cu
# after this session's test_cli.sh checks (run_pretrain.sh's schedule, batch rounding, a run finished after a
# stop; random_shard.py's header, ids, seed and vocab 65536, read by the trainer).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
export TEST_ONLY='^(test_cli_cu|test_durability_cu)$'
MULTI_GPU_TESTS=0 timeout 570 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^--- " $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -6
