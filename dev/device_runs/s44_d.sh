#!/bin/bash
# 2026-12-04 (forty-third session in doc/perf.md), nvidia-h200: the remaining GPU suites of `make test` at the
# session's final tree (train_mamba.cu's loop now keeps the outlier windows in the state): fixtures,
# test_mamba_cu in bf16 and fp32, memcheck at -r 1 and -r 0.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|memcheck_r1|memcheck_r0)$' timeout 570 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (fixtures, test_mamba_cu bf16 + fp32, memcheck) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP" | tail -14
