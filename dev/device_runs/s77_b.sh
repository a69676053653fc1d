#!/bin/bash
# Written 2026-12-07 (seventy-seventh stop), nvidia-h100-x1 or nvidia-h200: the stop's second GPU round in one call of
# under 600 s. Built together: the trainer, its shared-memory several-process build and (in _old, a git archive of
# b7d9628, before helper A's changes) the shared-memory trainer without them. Then, side by side, the whole CLI suite on
# train_mamba_cu (the helpers' messages for -e, -tk, -x 0 -n without -o) and multi_gpu_shm (a checkpoint at -z 0 and a
# model_best.bin that rank 0 cannot write ending both ranks at once: rank0_writes_passed), then test_durability.sh on
# train_mamba_cu (the checkpoint's writes now inside rank0_alone), and the two new cases by hand against _old.
set -u
. dev/device_runs/setup.sh
make -s data > /dev/null 2>&1
[ -d _old ] && ( timeout 300 make -s -C _old -j4 "$NV" train_mamba_cu_shm > "$OUT/build_old.log" 2>&1 ) &
timeout 300 make -j12 "$NV" train_mamba_cu train_mamba_cu_shm > "$OUT/build.log" 2>&1; echo "trainer build rc $? at $(( $(date +%s) - start )) s"
( BIN=./train_mamba_cu timeout 420 bash test/test_cli.sh > "$OUT/cli_cu.log" 2>&1; echo "test_cli_cu rc $? at $(( $(date +%s) - start )) s" ) &
cli=$!
MULTI_GPU_BIN=./train_mamba_cu_shm timeout 300 bash test/test_multi_gpu.sh > "$OUT/multi_gpu_shm.log" 2>&1; echo "multi_gpu_shm rc $? at $(( $(date +%s) - start )) s"
BIN=./train_mamba_cu timeout 200 bash test/test_durability.sh > "$OUT/durability_cu.log" 2>&1; echo "durability_cu rc $? at $(( $(date +%s) - start )) s"
wait
echo "--- multi_gpu_shm"; grep -E "^FAIL|passed, " "$OUT/multi_gpu_shm.log" | cut -c1-300
grep -E "rank_0_write_error" "$OUT/multi_gpu_shm.log" | cut -c1-200
echo "--- durability_cu"; grep -E "^FAIL|passed, " "$OUT/durability_cu.log" | cut -c1-300
echo "--- test_cli_cu"; grep -E "^FAIL|passed, " "$OUT/cli_cu.log" | cut -c1-300
# the two new cases against the trainer before helper A's changes, -pt 30: rank 1 waited (or, through shm_nccl, printed
# a line of its own)
if [ -x _old/train_mamba_cu_shm ]; then
    for case in checkpoint best_model; do
        d=/tmp/old_wr_$case; rm -rf "$d"
        WARGS=(-e d64:l2:v270 -b 2 -t 64 -i synth:copy -j synth:copy -x 2 -v 0 -g 0 -tk test/fixtures/bpe/tokenizer.json -pf "/tmp/old_id_$case" -pt 30 -o "$d")
        case $case in
            checkpoint) mkdir -p "$d/model_00000002.bin/x" ;;
            best_model) mkdir -p "$d/model_best.bin/x"; WARGS+=(-kb 1 -v 1 -m 1) ;;
        esac
        t0=$(date +%s)
        RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 _old/train_mamba_cu_shm "${WARGS[@]}" > "$OUT/old_$case.0" 2>&1 &
        p0=$!
        RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 _old/train_mamba_cu_shm "${WARGS[@]}" > "$OUT/old_$case.1" 2>&1; rc1=$?
        wait $p0; rc0=$?
        echo "--- before the fix, $case: rc $rc0 / $rc1 after $(( $(date +%s) - t0 )) s"
        grep -hE "^(error|shm_nccl)" "$OUT/old_$case.0" "$OUT/old_$case.1" | cut -c1-200
    done
fi
echo "all done at $(( $(date +%s) - start )) s"
