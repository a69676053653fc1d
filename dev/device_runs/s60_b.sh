#!/bin/bash
# Written 2026-12-05 (sixtieth stop), nvidia-h100-x1 or nvidia-h200: this stop's start-up changes on the GPU trainer
# (a flag where a value belongs, -j needed with an -i of one's own, the val-in-train note from rank 0, the resume
# message without -e, the -hf / -o directory probe, every train token checked at start-up) through the CLI and
# durability suites, test_mamba_cu and the multi-process suite over shared memory. About 110 s build + 205 + 40 +
# 40 + 80 s.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_mamba_cu|test_durability_cu|multi_gpu_shm)$' timeout 540 make -j16 "$NV" test > $OUT/test_b.log 2>&1
echo "make test (test_cli_cu, test_mamba_cu, test_durability_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test_b.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test_b.log | grep -v "SKIP\|^--- cpu_" | tail -10
