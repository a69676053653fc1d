#!/bin/bash
# 2026-12-04 (forty-fifth session in doc/perf.md), nvidia-h200: after the first review round (a stopped checkpoint
# resumed with an -x below its step evaluates, samples and saves that step, in both trainers): the CLI suite and
# durability on train_mamba_cu; then scripts/bench.sh in its temporary directory (-r 0), and a second bench.sh at once
# with it would have shared the /tmp names before (not run: one GPU).
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_durability_cu)$' timeout 400 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (CLI, durability on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP\|^--- cpu_" | tail -8
grep -E "^PASS (stop_then_resume_below|zero_stage_one)" $OUT/test.log | cut -c1-200
timeout 170 bash scripts/bench.sh 30 -r 0 > $OUT/bench.log 2>&1
echo "bench.sh 30 -r 0 rc $? at $(( $(date +%s) - start )) s; temp dirs left: $(ls -d /tmp/bench.* 2>/dev/null | wc -l)"
cat $OUT/bench.log | tail -14
