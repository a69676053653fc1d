#!/bin/bash
# Run on 2026-12-02 (twenty-fifth session in doc/perf.md; results there, "The device sampler over a thread-block cluster").
# The branch: the sampler's fallback passes (sample_threshold_full) read the block's segment with a plain
# strided loop again (sample_pass was ~2x slower there: doc/perf.md, "The device sampler over a thread-block
# cluster", regression at 33+ sequences), and the blocks' segments are as even as multiples of 32 allow (at
# V = 50,280 and 8 blocks: 1,600 items each instead of 2,048 in six blocks and none in one).
# Before running: git archive main | tar -x -C .debs/prev (the comparison build); carry [".debs"].
# Runs the playground's checks and timings, test_mamba_cu bf16 and fp32 (with the flat top-k + top-p case at
# temperature 2e-6, never run on a GPU yet), and generation tokens/s, main against the branch, alternated,
# including batch 64 and 128 with top-p on the random model's flat rows (the fallback).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
SM90="-O3 --threads 0 -gencode arch=compute_90,code=sm_90"
cp -r .debs/prev /tmp/prev
(cd /tmp/prev && make -s train_mamba_cu NVCC_FLAGS="$SM90" > $OUT/build_prev.log 2>&1; echo "prev build rc $?") &
nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/sampler dev/cuda/sampler.cu > $OUT/build_playground.log 2>&1 &
make -s -j16 train_mamba_cu test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture NVCC_FLAGS="$SM90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
wait
timeout 150 /tmp/sampler > $OUT/sampler.log 2>&1; echo "sampler playground rc $?"
grep -E "FAIL| us" $OUT/sampler.log
FX=$(mktemp -d)
mapfile -t FIXTURES < <(bash test/gpu_fixtures.sh "$FX")
timeout 200 ./test_mamba_cu "${FIXTURES[@]}" > $OUT/test_mamba_cu.log 2>&1; echo "test_mamba_cu rc $? at $(( $(date +%s) - start )) s"
timeout 200 ./test_mamba_cu_fp32 "${FIXTURES[@]}" > $OUT/test_mamba_cu_fp32.log 2>&1; echo "test_mamba_cu_fp32 rc $? at $(( $(date +%s) - start )) s"
grep -hE "^FAIL|passed, .* failed" $OUT/test_mamba_cu.log $OUT/test_mamba_cu_fp32.log
for args in "-gb 1 -gk 5 -gp 0.9" "-gb 70 -gp 0.8"; do
    timeout 120 compute-sanitizer --tool memcheck ./train_mamba_cu -e d64:l2:v1001 -x 0 -p "" -g 12 $args > /tmp/cs.log 2>&1
    echo "memcheck [$args]: rc $? $(grep -E 'ERROR SUMMARY' /tmp/cs.log)"
done
for r in 1 2; do
    for run in "1 -gk 40" "1 -gp 0.9" "8 -gp 0.9" "64 -gp 0.9" "128 -gp 0.9" "128 "; do
        set -- $run; gb=$1; shift
        for bin in /tmp/prev/train_mamba_cu ./train_mamba_cu; do
            timeout 60 $bin -e mamba-130m -x 0 -p "" -g 300 -gb $gb "$@" > /tmp/gen.log 2>&1
            echo "r$r ${bin%/train_mamba_cu} b$gb [$*]: rc $? $(grep -E '^decode:' /tmp/gen.log)"
        done
    done
done
echo "all done at $(( $(date +%s) - start )) s"
