#!/bin/bash
# 2026-12-04 (forty-third session in doc/perf.md), nvidia-h200 (one GPU): `make test` as a one-GPU machine runs it
# (NUM_GPUS 1: train_mamba_cu_shm is built and the several-process suite runs on it), limited to the suites this
# session changed: the shared-memory collectives, the several-process suite (with its NaN / -nk / -hf / -es checks),
# the CLI suite (the -a 1 and outlier-window resumes, state file version 6) and durability on train_mamba_cu.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_shm_coll|multi_gpu_shm|test_cli_cu|test_durability_cu)$' timeout 570 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (shm collectives, multi_gpu_shm, CLI and durability on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP" | tail -14
grep -E "^PASS (nan_gradient|keep_newest|hf_export_two|stream_eval_two|three_ranks|norm_outlier|overfit)" $OUT/test.log | cut -c1-200
