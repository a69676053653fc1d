#!/bin/bash
# 2026-12-04 (forty-fifth session in doc/perf.md), nvidia-h200: the session's final GPU code: the prompt printed as its
# tokens before every sequence (-gb > 1, an empty prompt), and the checks of the mutation round (-es, -x -1 resumed,
# descriptor-like paths): the CLI suite on train_mamba_cu.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu)$' timeout 420 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (CLI on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP\|^--- cpu_" | tail -4
grep -E "^PASS (prompt_printed|stream_eval_(again_keeps|line_kept|one_token|two)|one_epoch_resumed)" $OUT/test.log | cut -c1-200
