#!/bin/bash
# Written 2026-12-05 (fifty-ninth stop), nvidia-h100-x1 or nvidia-h200: the fifty-eighth stop's tree had run only the CLI
# suite on train_mamba_cu; this runs the rest of what its shared-loop changes touch (test_cli_cu again, test_mamba_cu,
# the multi-process suite over shared memory), then run_tinyshakespeare.sh as a user runs it (its default directory on
# a GPU, out/tinyshakespeare_gpu, the val loss line). About 110 s build + 200 + 25 + 80 + 15 s.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_mamba_cu|multi_gpu_shm)$' timeout 500 make -j16 "$NV" test > $OUT/test_a.log 2>&1
echo "make test (test_cli_cu, test_mamba_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test_a.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test_a.log | grep -v "SKIP\|^--- cpu_" | tail -8
timeout 60 bash scripts/run_tinyshakespeare.sh > $OUT/ts.log 2>&1
echo "run_tinyshakespeare.sh rc $? at $(( $(date +%s) - start )) s; $(ls -d out/tinyshakespeare_*)"
grep -E "^step +300|val loss" $OUT/ts.log | tail -3
