#!/bin/bash
# session 25 run B (nvidia-h200): the device sampler rewritten, second design (llmc/cuda/sampler.cuh; the old one is version 1
# of the new playground dev/cuda/sampler.cu). The playground's checks and timings; test_mamba_cu bf16 and fp32
# on the fixtures (test/gpu_fixtures.sh, first use on a GPU); generation tokens/s of the previous trainer
# (git archive HEAD) and the new one, alternated, at batch 1 and 8 with each filter. Second design: one fused
# kernel, 16-byte loads with 8 in flight, the draw walked by one warp.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
SM90="-O3 --threads 0 -gencode arch=compute_90,code=sm_90"
cp -r .debs/prev /tmp/prev  # git archive HEAD, made on the host
(cd /tmp/prev && make -s train_mamba_cu NVCC_FLAGS="$SM90" > $OUT/build_prev.log 2>&1; echo "prev build rc $?") &
nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/sampler dev/cuda/sampler.cu > $OUT/build_playground.log 2>&1 &
make -s -j16 train_mamba_cu test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture NVCC_FLAGS="$SM90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
wait
echo "all built at $(( $(date +%s) - start )) s"
timeout 120 /tmp/sampler > $OUT/sampler.log 2>&1; echo "sampler playground rc $?"
FX=$(mktemp -d)
mapfile -t FIXTURES < <(bash test/gpu_fixtures.sh "$FX")
echo "${#FIXTURES[@]} fixtures"
timeout 150 ./test_mamba_cu "${FIXTURES[@]}" > $OUT/test_mamba_cu.log 2>&1; echo "test_mamba_cu rc $? at $(( $(date +%s) - start )) s"
timeout 150 ./test_mamba_cu_fp32 "${FIXTURES[@]}" > $OUT/test_mamba_cu_fp32.log 2>&1; echo "test_mamba_cu_fp32 rc $? at $(( $(date +%s) - start )) s"
grep -hE "^FAIL|passed, .* failed" $OUT/test_mamba_cu.log $OUT/test_mamba_cu_fp32.log
grep -h "device_sampler" $OUT/test_mamba_cu.log | cut -c1-260
for r in 1 2; do
    for flags in "" "-gk 40" "-gp 0.9" "-gk 40 -gp 0.9"; do
        for gb in 1 8; do
            for bin in /tmp/prev/train_mamba_cu ./train_mamba_cu; do
                timeout 60 $bin -e mamba-130m -x 0 -p "" -g 300 -gb $gb $flags > /tmp/gen.log 2>&1
                echo "r$r ${bin%/train_mamba_cu} b$gb [$flags]: rc $? $(grep -E '^decode:' /tmp/gen.log)"
            done
        done
    done
done
echo "all done at $(( $(date +%s) - start )) s"
