#!/bin/bash
# 2026-12-04 (forty-second session in doc/perf.md), nvidia-h200: after the version 2 review (examples without shared
# context in test/mc_file.h's version 2 set): make test's GPU suites, then the CLI suite on train_mamba_cu.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|test_hf_transformers|memcheck_r1|memcheck_r0)$' MULTI_GPU_TESTS=0 timeout 400 make -j16 "$NV" test > $OUT/test1.log 2>&1
echo "make test (fixtures, test_mamba_cu, transformers, memcheck) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test1.log | head -20; grep -E "^=== |passed, " $OUT/test1.log | tail -14
grep -E "^(PASS|FAIL) .*version2" $OUT/test1.log | head -4
grep -oE "differs from alone [0-9]+ of" $OUT/test1.log | sort | uniq -c
left=$(( 570 - ($(date +%s) - start) ))
TEST_ONLY='^(test_cli_cu)$' MULTI_GPU_TESTS=0 timeout $left make -j16 "$NV" test > $OUT/test2.log 2>&1
echo "make test (CLI on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s (limit $left s)"
grep -E "^FAIL" $OUT/test2.log | head -20; grep -E "mc_(winogrande|version)|passed, " $OUT/test2.log | tail -6
