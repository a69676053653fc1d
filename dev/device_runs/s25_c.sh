#!/bin/bash
# session 25 run C (nvidia-h200): the device sampler, third design: one kernel, a sequence's row split over a
# thread-block cluster (llmc/cuda/sampler.cuh). The playground's checks and timings (v1 the first sampler,
# v2 the new one, v3 the new one without clusters); test_mamba_cu bf16 and fp32 (sampler cases at clusters of 1,
# 2, 8); compute-sanitizer on generations; generation tokens/s of the previous trainer (git archive HEAD, in
# .debs/prev) and the new one, alternated.
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
echo "all built at $(( $(date +%s) - start )) s"
timeout 150 /tmp/sampler > $OUT/sampler.log 2>&1; echo "sampler playground rc $?"
grep -E "FAIL|us" $OUT/sampler.log | grep -v "G=64 " 
FX=$(mktemp -d)
mapfile -t FIXTURES < <(bash test/gpu_fixtures.sh "$FX")
timeout 200 ./test_mamba_cu "${FIXTURES[@]}" > $OUT/test_mamba_cu.log 2>&1; echo "test_mamba_cu rc $? at $(( $(date +%s) - start )) s"
timeout 200 ./test_mamba_cu_fp32 "${FIXTURES[@]}" > $OUT/test_mamba_cu_fp32.log 2>&1; echo "test_mamba_cu_fp32 rc $? at $(( $(date +%s) - start )) s"
grep -hE "^FAIL|passed, .* failed" $OUT/test_mamba_cu.log $OUT/test_mamba_cu_fp32.log
grep -h "device_sampler" $OUT/test_mamba_cu.log | grep -E "_c8|FAIL" | cut -c1-200
for args in "-gb 1 -gk 5 -gp 0.9" "-gb 3" "-gb 20 -gk 3" "-gb 70 -gp 0.8"; do
    timeout 120 compute-sanitizer --tool memcheck ./train_mamba_cu -e d64:l2:v1001 -x 0 -p "" -g 12 $args > /tmp/cs.log 2>&1
    echo "memcheck [$args]: rc $? $(grep -E 'ERROR SUMMARY' /tmp/cs.log)"
done
timeout 120 compute-sanitizer --tool racecheck ./train_mamba_cu -e d64:l2:v1001 -x 0 -p "" -g 4 -gb 2 -gk 5 -gp 0.9 > /tmp/rc.log 2>&1
echo "racecheck: rc $? $(grep -E 'RACECHECK SUMMARY|ERROR SUMMARY' /tmp/rc.log | head -2 | tr '\n' ' ')"
for r in 1 2; do
    for run in "1 " "1 -gk 40" "1 -gp 0.9" "1 -gk 40 -gp 0.9" "8 -gk 40" "64 "; do
        set -- $run; gb=$1; shift
        for bin in /tmp/prev/train_mamba_cu ./train_mamba_cu; do
            timeout 60 $bin -e mamba-130m -x 0 -p "" -g 300 -gb $gb "$@" > /tmp/gen.log 2>&1
            echo "r$r ${bin%/train_mamba_cu} b$gb [$*]: rc $? $(grep -E '^decode:' /tmp/gen.log)"
        done
    done
done
echo "all done at $(( $(date +%s) - start )) s"
