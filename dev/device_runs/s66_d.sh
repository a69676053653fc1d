#!/bin/bash
# Written 2026-12-06 (sixty-sixth stop), nvidia-h100-x1 or nvidia-h200: the GPU suites that source test/check.sh after
# in_main_shell moved to scripts/main_shell.sh (durability, multi_gpu_shm), with test_mamba_cu; test_cli_cu ran at
# f202729 (s66_b) with the same traps defined in check.sh itself
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_mamba_cu|test_durability_cu|multi_gpu_shm)$' timeout 500 make -j16 "$NV" test > "$OUT/s66_d.log" 2>&1
echo "make test (test_mamba_cu, test_durability_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s66_d.log" | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " "$OUT/s66_d.log" | grep -v "SKIP\|^--- cpu_" | tail -10
