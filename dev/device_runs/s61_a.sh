#!/bin/bash
# Written 2026-12-05 (sixty-first stop), nvidia-h100-x1 or nvidia-h200: the sixtieth stop's later changes on the GPU trainer
# (-mc rows of an evaluation batch, the -x 0 notes, -gf (the prompt file, first named -pf, which broke every -pf of a multi-GPU
# launch), the cannot-open wording, the uint32-shard line, the eta column, <dir>/commands.txt from rank 0; this stop's bad token
# id found as a batch is read, one rank's alone in multi_gpu_shm)
# through the CLI and durability suites, test_mamba_cu and the multi-process suite over
# shared memory. About 110 s build + 205 + 40 + 40 + 80 s.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_mamba_cu|test_durability_cu|multi_gpu_shm)$' timeout 540 make -j16 "$NV" test > $OUT/test_a.log 2>&1
echo "make test (test_cli_cu, test_mamba_cu, test_durability_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test_a.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test_a.log | grep -v "SKIP\|^--- cpu_" | tail -10
