#!/bin/bash
# 2026-12-04 (forty-fifth session in doc/perf.md), nvidia-h200: a stop signal during a val evaluation cuts it short and
# stops the run at that step (the ranks agree: multi_gpu_sum_int of their cuts), -y 2 with -x -1 refused: the CLI suite
# on train_mamba_cu, and the several-process suite on train_mamba_cu_shm (every evaluation now makes one reduction more).
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|multi_gpu_shm)$' timeout 560 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (CLI on train_mamba_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP\|^--- cpu_" | tail -8
grep -E "^PASS (val_eval_cut|resume_y2_epoch)" $OUT/test.log | cut -c1-200
