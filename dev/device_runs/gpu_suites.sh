#!/bin/bash
# The GPU suites that a change of the trainers' start-up, command line or multi-process logic needs, in one device
# call: test_cli_cu, test_mamba_cu, test_durability_cu and multi_gpu_shm (the multi-process suite, its ranks sharing
# the one GPU through test/shm_nccl.c), built for sm_90. About 110 s build + 200-230 s + 40 + 100 s on an H100.
#   bash dev/device_runs/gpu_suites.sh <log name>      (writes $OUT/<log name>.log; sNN_x.sh scripts call it)
set -u
name=${1:?usage: gpu_suites.sh <log name>}
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_mamba_cu|test_durability_cu|multi_gpu_shm)$' timeout 560 make -j16 "$NV" test > "$OUT/$name.log" 2>&1
echo "make test (test_cli_cu, test_mamba_cu, test_durability_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/$name.log" | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " "$OUT/$name.log" | grep -v "SKIP\|^--- cpu_" | tail -10
