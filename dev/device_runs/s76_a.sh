#!/bin/bash
# Written 2026-12-07 (seventy-sixth stop), nvidia-h100-x1 or nvidia-h200: the stop's GPU checks in one call of under
# 600 s. Built together: the trainer, its shared-memory several-process build and the dev/cuda playgrounds
# (run_checks.sh: matmul_peak refusing arguments). Then, side by side, the whole CLI suite on train_mamba_cu (the process
# count, rank and -d checked before the GPU, a matching -tk .bin giving way to the run's tokenizer.json, JSON control
# characters) and multi_gpu_shm (rank 0's start-up errors ending every rank at once, val sets of small shards on 2 and 3
# ranks, the -m note over ranks).
set -u
. dev/device_runs/setup.sh
make -s data > /dev/null 2>&1
( bash dev/cuda/run_checks.sh > "$OUT/run_checks.log" 2>&1; echo "run_checks done at $(( $(date +%s) - start )) s: $(tail -1 "$OUT/run_checks.log")" ) &
checks=$!
timeout 300 make -j12 "$NV" train_mamba_cu train_mamba_cu_shm > "$OUT/build.log" 2>&1; echo "trainer build rc $? at $(( $(date +%s) - start )) s"
( BIN=./train_mamba_cu timeout 420 bash test/test_cli.sh > "$OUT/cli_cu.log" 2>&1; echo "test_cli_cu rc $? at $(( $(date +%s) - start )) s" ) &
cli=$!
MULTI_GPU_BIN=./train_mamba_cu_shm timeout 300 bash test/test_multi_gpu.sh > "$OUT/multi_gpu_shm.log" 2>&1; echo "multi_gpu_shm rc $? at $(( $(date +%s) - start )) s"
wait $checks $cli
grep -E "^FAIL|passed, " "$OUT/run_checks.log" | cut -c1-300
echo "--- multi_gpu_shm"; grep -E "^FAIL|passed, " "$OUT/multi_gpu_shm.log" | cut -c1-300
grep -E "rank_0_start_up|val_shards_of_one|val_m_past" "$OUT/multi_gpu_shm.log" | cut -c1-200
echo "--- test_cli_cu"; grep -E "^FAIL|passed, " "$OUT/cli_cu.log" | cut -c1-300
grep -E "launcher_rank_past|gpu_total_batch|resume_same_tokenizer_as_bin" "$OUT/cli_cu.log" | cut -c1-200
echo "all done at $(( $(date +%s) - start )) s"
