#!/bin/bash
# Written 2026-12-05 (sixty-first stop), nvidia-h100-x1 or nvidia-h200: a -z 1 checkpoint resumed in another layout
# (test_multi_gpu.sh's resume_z1_shards_on_* on ranks over shared memory, test_cli.sh's shards made by
# test/state_shards.py resumed on train_mamba_cu), the launcher check and the rest of the CLI, durability and
# multi-process suites. About 110 s build + 220 + 40 + 100 s.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_mamba_cu|test_durability_cu|multi_gpu_shm)$' timeout 560 make -j16 "$NV" test > $OUT/test_b.log 2>&1
echo "make test (test_cli_cu, test_mamba_cu, test_durability_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test_b.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test_b.log | grep -v "SKIP\|^--- cpu_" | tail -10
