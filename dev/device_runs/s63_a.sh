#!/bin/bash
# Written 2026-12-06 (sixty-third stop), nvidia-h100-x1 or nvidia-h200: the two checks s62_a.sh failed, after their
# fixes: test_multi_gpu.sh's val_bad_token_in_one_ranks_window_ends_both_at_start (its run had no -o for its -n) on
# ranks over shared memory, and test_cli.sh's commands_history_kept_when_unreadable on train_mamba_cu (whose CUDA
# start-up needs more open files than ulimit -n 12: the limits now go up to the first at which the run succeeds),
# here on train_mamba_cu_shm, the same trainer and CUDA start-up, so that one build does (device time was short)
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu_shm train_mamba data > "$OUT/build.log" 2>&1 || { tail -n 20 "$OUT/build.log"; exit 1; }
echo "built at $(( $(date +%s) - start )) s"
MULTI_GPU_BIN=./train_mamba_cu_shm timeout 150 bash test/test_multi_gpu.sh > "$OUT/multi_gpu_shm.log" 2>&1
echo "test_multi_gpu (shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, |val_bad_token" "$OUT/multi_gpu_shm.log" | cut -c1-300
# the one test_cli check, with the suite's own preamble and the checkpoint of step 5 it starts from
{
    echo 'BIN=${CMDHIST_BIN:-./train_mamba_cu_shm}; TMP=$(mktemp -d); source test/check.sh'
    echo 'TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2)'
    echo '"$BIN" "${TINY[@]}" -x 5 -n 5 -o $TMP/a > /dev/null; A=$TMP/a'
    sed -n '/^mkdir -p "\$TMP\/cmdhist"/,/else bad "commands_history_kept_when_unreadable"/p' test/test_cli.sh
    echo 'echo "the read refused at ulimit -n:$read_seen"'
} > "$OUT/cmdhist_check.sh"
timeout 120 bash "$OUT/cmdhist_check.sh" 2>&1 | tee "$OUT/cmdhist.log"
echo "done at $(( $(date +%s) - start )) s"
