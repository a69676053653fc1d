#!/bin/bash
# 2026-12-04 (forty-fourth session in doc/perf.md), nvidia-h200: after the review's fixes in both trainers (a stop during
# an -mc evaluation or the last step, -es logged once on a restart, -nk's prefix, -es bits per byte without the
# end-of-text token's name, -mc rows of version 2 files without shared context, the compute-capability check):
# the CLI suite and durability on train_mamba_cu, test_mamba_cu in bf16 and fp32, the trainer without NCCL.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|test_cli_cu|test_durability_cu|no_nccl_cu)$' timeout 580 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (fixtures, test_mamba_cu bf16 + fp32, CLI, durability, no_nccl on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP\|^--- cpu_" | tail -16
grep -E "^PASS (signal_during_last|stream_eval_again|mc_version2_no_context|mc_eval_cut)" $OUT/test.log | cut -c1-200
