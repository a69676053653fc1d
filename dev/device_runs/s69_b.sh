#!/bin/bash
# Written 2026-12-06 (sixty-ninth stop), nvidia-h100-x1 or nvidia-h200: the CLI and durability suites on train_mamba_cu
# after s69_a.sh's tree (d38c90f): the -hf export's later changes (a directory named as older weights stays, a
# generation_config.json of its own) and the checks helpers added, in host code the GPU trainer shares; and
# test_hf_transformers (transformers loads the exports, now with their generation_config.json)
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_durability_cu|test_hf_transformers)$' timeout 560 make -j16 "$NV" test > "$OUT/s69_b.log" 2>&1
echo "make test (test_cli_cu, test_durability_cu, test_hf_transformers) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s69_b.log" | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " "$OUT/s69_b.log" | grep -v "SKIP\|^--- cpu_" | tail -8
