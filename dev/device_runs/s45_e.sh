#!/bin/bash
# 2026-12-04 (forty-fourth session in doc/perf.md), nvidia-h200: the session's final tree: the CLI suite on train_mamba_cu
# (MFU in the step lines, -e paths that only start like a descriptor, the default data missing), durability, and
# test_hf_transformers (transformers loads the exports; a config.json without use_bias).
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_durability_cu|test_hf_transformers)$' timeout 540 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (CLI, durability on train_mamba_cu, test_hf_transformers) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP" | tail -10
grep -E "^PASS (gpu_step_lines_mfu|path_like|default_(train|val)_data)" $OUT/test.log | cut -c1-200
grep -E "^step|^average" $OUT/test.log | grep MFU | tail -2
