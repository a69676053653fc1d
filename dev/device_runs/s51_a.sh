#!/bin/bash
# Written 2026-12-05 (fifty-eighth stop), nvidia-h100-x1 or nvidia-h200: the stop's host-side changes to the training
# loop, which train_mamba.cu shares (the loop asking due_at_step what is due, skip_update in train_common.h, the -hf note
# of a stopped run, the held stop answer taken by an atomic exchange, the test hooks as one TestHooks struct): the CLI
# suite on train_mamba_cu (stop_at_step_0_saves_nothing with -hf, resume_version6_skips_in_a_row_resave, the skip and
# stop checks), test_mamba_cu and the multi-process suite over shared memory. About 110 s build + 200 + 25 + 80 s.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_mamba_cu|multi_gpu_shm)$' timeout 560 make -j16 "$NV" test > $OUT/test_a.log 2>&1
echo "make test (test_cli_cu, test_mamba_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test_a.log | cut -c1-300 | head -20
grep -E "step_0_saves|version6_skips|skipped_update|stop_answered" $OUT/test_a.log | head -8
grep -E "^=== |^--- |passed, " $OUT/test_a.log | grep -v "SKIP\|^--- cpu_" | tail -8
