#!/bin/bash
# Written 2026-12-07 (seventy-ninth stop): the former s78_a.sh (the seventy-eighth stop's checks, unrun there: no machine was lent)
# with the suites given more time, and in the multi_gpu_shm suite this stop's replicas' check
# (replicas_that_differ_end_both_*) and per-rank data checks (one_rank_error_ends_both_{train_data,val_data,mc_file});
# the by-hand cases against _old run beside the suites. For nvidia-h100-x1 or nvidia-h200, one call of under 600 s.
# Before the call, in the repo root: git archive 9a4f70f --prefix=_old/ | tar x
# (the trainer before the stop's three several-process commits; _old travels with the tree, untracked and not ignored).
# 1. the CLI suite on train_mamba_cu (the stop's new test_cli checks on the GPU trainer too) beside the whole
#    multi_gpu_shm suite (new and changed cases: rank_0_write_error_ends_both_done_marker, one_rank_error_ends_both_lock_file,
#    one_rank_error_ends_both_state_shard, output_dir_held_stops_both_ranks, rank_0_write_error_ends_both_checkpoint_z1,
#    rank_1_write_error_ends_both_shard_z1, one_rank_error_ends_both_device_oom);
# 2. the same four situations by hand on _old/train_mamba_cu_shm: each should show more than one error/shm_nccl line
#    there (the rank left waiting saw its peer gone and spoke too), i.e. the new checks fail without the fixes.
set -u
. dev/device_runs/setup.sh
make -s data > /dev/null 2>&1
[ -d _old ] && ( timeout 300 make -s -C _old -j4 "$NV" train_mamba_cu_shm > "$OUT/build_old.log" 2>&1 ) &
timeout 300 make -j12 "$NV" train_mamba_cu train_mamba_cu_shm > "$OUT/build.log" 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
wait
( BIN=./train_mamba_cu timeout 420 bash test/test_cli.sh > "$OUT/cli_cu.log" 2>&1; echo "test_cli_cu rc $? at $(( $(date +%s) - start )) s" ) &
( MULTI_GPU_BIN=./train_mamba_cu_shm timeout 420 bash test/test_multi_gpu.sh > "$OUT/multi_gpu_shm.log" 2>&1; echo "multi_gpu_shm rc $? at $(( $(date +%s) - start )) s" ) &
[ -x _old/train_mamba_cu_shm ] || { echo "no _old build: $(tail -n 3 "$OUT/build_old.log")"; wait; grep -E "^FAIL|passed, |replicas" "$OUT/cli_cu.log" "$OUT/multi_gpu_shm.log" | cut -c1-300; exit 0; }
export ONE_GPU=1 SHM_NCCL_SLOT_BYTES=65536
T=/tmp/hb_old_s79; rm -rf "$T"; mkdir -p "$T"
OLD=_old/train_mamba_cu_shm
W=(-e d64:l2:v270 -b 2 -t 64 -i synth:copy -j synth:copy -x 2 -v 0 -g 0 -tk test/fixtures/bpe/tokenizer.json -pt 30)
A=(-e d128:l6:v256 -b 4 -t 256 -d 2048 -x 24 -v 0 -g 0 -sh 0 -l 2e-3 -u 5 -z 1 -n 12)
BIN=./train_mamba_cu_shm bash scripts/multi_gpu.sh -n 2 "${A[@]}" -x 12 -o "$T/full1" > "$T/full1.out" 2>&1 || echo "the -z 1 checkpoint run failed: $(tail -n 2 "$T/full1.out")"
mkdir -p "$T/done/DONE_00000001/x" "$T/lock/.lock" "$T/shard" "$T/held"
cp "$T/full1"/*00000012* "$T/shard/" && truncate -s -4 "$T/shard/state_00000012_00001.bin"
exec 9> "$T/held/.lock"; flock -n 9
for case in done_marker lock_file state_shard held; do
    case $case in
        done_marker) args=("${W[@]}" -n 1 -o "$T/done") ;;
        lock_file) args=("${W[@]}" -o "$T/lock") ;;
        state_shard) args=("${A[@]}" -o "$T/shard" -y 1 -pt 30) ;;
        held) args=("${W[@]}" -o "$T/held") ;;
    esac
    t0=$(date +%s)
    RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 "$OLD" "${args[@]}" -pf "$T/id_$case" > "$T/$case.0" 2>&1 &
    p0=$!
    RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$OLD" "${args[@]}" -pf "$T/id_$case" > "$T/$case.1" 2>&1; rc1=$?
    wait $p0; rc0=$?
    echo "--- before the fix, $case: rc $rc0 / $rc1 after $(( $(date +%s) - t0 )) s, $(cat "$T/$case.0" "$T/$case.1" | grep -cE '^(error|shm_nccl)') error/shm_nccl lines"
    grep -hE "^(error|shm_nccl)" "$T/$case.0" "$T/$case.1" | cut -c1-200
done
exec 9>&-
wait
grep -E "^FAIL|passed, |done_marker|lock_file|state_shard|output_dir_held|_z1|device_oom|replicas|_data|mc_file" "$OUT/multi_gpu_shm.log" | cut -c1-300
echo "--- test_cli_cu"; grep -E "^FAIL|passed, " "$OUT/cli_cu.log" | cut -c1-300
echo "all done at $(( $(date +%s) - start )) s"
