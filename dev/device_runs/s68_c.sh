#!/bin/bash
# Written 2026-12-06 (sixty-eighth stop), nvidia-h100-x1 or nvidia-h200: the CLI and durability suites on train_mamba_cu
# after s68_a.sh's tree: -ms's note and its rank-0 error, -es synth:<task>, -x 0 -p's note on -j
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_durability_cu)$' timeout 560 make -j16 "$NV" test > "$OUT/s68_c.log" 2>&1
echo "make test (test_cli_cu, test_durability_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s68_c.log" | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " "$OUT/s68_c.log" | grep -v "SKIP\|^--- cpu_" | tail -8
