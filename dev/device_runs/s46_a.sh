#!/bin/bash
# 2026-12-04 (forty-fifth session in doc/perf.md), nvidia-h200: the tree the last session left (7e266b8), whose
# checkpoint-before-any-update fix in train_mamba.cu (zero AdamW moments saved, not a null pointer's bytes) had only
# been compiled: the CLI suite (nan_first_step_checkpoint_resumes) and durability on train_mamba_cu, the trainer
# without NCCL.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_durability_cu|no_nccl_cu)$' timeout 560 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (CLI, durability, no_nccl on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP\|^--- cpu_" | tail -10
grep -E "^PASS (nan_first_step)" $OUT/test.log | cut -c1-200
