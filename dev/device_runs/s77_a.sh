#!/bin/bash
# Written 2026-12-07 (seventy-seventh stop), nvidia-h100-x1 or nvidia-h200: the stop's GPU checks in one call of under
# 600 s. Built together: the trainer, its shared-memory several-process build and the dev/cuda playgrounds
# (run_checks.sh: selective_scan_fp32 refusing arguments). Then, side by side, the whole CLI suite on train_mamba_cu (a
# launcher's rank without its count, a launcher variable that is not a number) and multi_gpu_shm (rank 0's failed -hf
# check with a bad -e on every rank: rank0_checks_passed before setup_model).
set -u
. dev/device_runs/setup.sh
make -s data > /dev/null 2>&1
( bash dev/cuda/run_checks.sh > "$OUT/run_checks.log" 2>&1; echo "run_checks done at $(( $(date +%s) - start )) s: $(tail -1 "$OUT/run_checks.log")" ) &
checks=$!
[ -d _old ] && ( timeout 300 make -s -C _old -j4 "$NV" train_mamba_cu_shm > "$OUT/build_old.log" 2>&1 ) &
timeout 300 make -j12 "$NV" train_mamba_cu train_mamba_cu_shm > "$OUT/build.log" 2>&1; echo "trainer build rc $? at $(( $(date +%s) - start )) s"
( BIN=./train_mamba_cu timeout 420 bash test/test_cli.sh > "$OUT/cli_cu.log" 2>&1; echo "test_cli_cu rc $? at $(( $(date +%s) - start )) s" ) &
cli=$!
MULTI_GPU_BIN=./train_mamba_cu_shm timeout 300 bash test/test_multi_gpu.sh > "$OUT/multi_gpu_shm.log" 2>&1; echo "multi_gpu_shm rc $? at $(( $(date +%s) - start )) s"
wait
grep -E "^FAIL|passed, |bad_args|fp32" "$OUT/run_checks.log" | cut -c1-300
echo "--- multi_gpu_shm"; grep -E "^FAIL|passed, " "$OUT/multi_gpu_shm.log" | cut -c1-300
grep -E "rank_0_start_up" "$OUT/multi_gpu_shm.log" | cut -c1-200
echo "--- test_cli_cu"; grep -E "^FAIL|passed, " "$OUT/cli_cu.log" | cut -c1-300
grep -E "launcher_rank_without_its_count|launcher_variable_not_a_number" "$OUT/cli_cu.log" | cut -c1-200
# the new check's case against the trainer before the fix (_old: git archive 09a373d), -pt 30: rank 0 should wait ~30 s
if [ -x _old/train_mamba_cu_shm ]; then
    : > /tmp/hf_file_old; t0=$(date +%s)
    OARGS=(-e /tmp/no_model.bin -b 2 -t 64 -i synth:copy -j synth:copy -x 2 -v 0 -g 0 -pf /tmp/old_id -pt 30 -hf /tmp/hf_file_old/hf -tk test/fixtures/bpe/tokenizer.json)
    RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 _old/train_mamba_cu_shm "${OARGS[@]}" > "$OUT/old0.out" 2>&1 &
    p0=$!
    RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 _old/train_mamba_cu_shm "${OARGS[@]}" > "$OUT/old1.out" 2>&1; rc1=$?
    wait $p0; rc0=$?
    echo "--- before the fix: rc $rc0 / $rc1 after $(( $(date +%s) - t0 )) s"; grep -hE "^(error|shm_nccl)" "$OUT/old0.out" "$OUT/old1.out" | cut -c1-200
fi
echo "all done at $(( $(date +%s) - start )) s"
