#!/bin/bash
# 2026-12-02 (twenty-fifth session in doc/perf.md). The fused generation step's kernels read, before their
# wait for the kernel before, each warp's first weight row into registers (llmc/cuda/decode.cuh, RowPre) and
# in_proj that row's conv state and taps; out_proj reads its residual entry beside the inputs.
# Before running: git archive main | tar -x -C .debs/prev (the tree before the change); carry [".debs"].
# Checks: test_mamba_cu bf16 and fp32, the playground's checks, memcheck, and the generated text of the
# previous and the new trainer compared byte for byte (the change moves loads, not arithmetic). Then
# tokens/s, previous and new alternated, two rounds, and the playground's per-layer timings of both.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
SM90="-O3 --threads 0 -gencode arch=compute_90,code=sm_90"
cp -r .debs/prev /tmp/prev
(cd /tmp/prev && make -s train_mamba_cu NVCC_FLAGS="$SM90" > $OUT/build_prev.log 2>&1; echo "prev build rc $?";
 nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/decode_prev dev/cuda/decode_step.cu -lcublas >> $OUT/build_prev.log 2>&1) &
nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/decode_new dev/cuda/decode_step.cu -lcublas > $OUT/build_playground.log 2>&1 &
make -s -j16 train_mamba_cu test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture NVCC_FLAGS="$SM90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
wait
FX=$(mktemp -d)
mapfile -t FIXTURES < <(bash test/gpu_fixtures.sh "$FX")
timeout 200 ./test_mamba_cu "${FIXTURES[@]}" > $OUT/test_mamba_cu.log 2>&1; echo "test_mamba_cu rc $? at $(( $(date +%s) - start )) s"
timeout 200 ./test_mamba_cu_fp32 "${FIXTURES[@]}" > $OUT/test_mamba_cu_fp32.log 2>&1; echo "test_mamba_cu_fp32 rc $? at $(( $(date +%s) - start )) s"
grep -hE "^FAIL|passed, .* failed" $OUT/test_mamba_cu.log $OUT/test_mamba_cu_fp32.log
# the generated text, previous against new (timing lines left out)
for run in "mamba-130m 1" "mamba-130m 3" "mamba-130m 8" "mamba-370m 1" "d2048:l2:v1001 5" "d36:l3:v300 2"; do
    set -- $run
    timeout 60 /tmp/prev/train_mamba_cu -e $1 -x 0 -p "" -g 80 -gb $2 -gk 40 > /tmp/gen_prev.log 2>&1
    timeout 60 ./train_mamba_cu -e $1 -x 0 -p "" -g 80 -gb $2 -gk 40 > /tmp/gen_main.log 2>&1
    a=$(grep -vE "decode:|tokens/s|ms|MiB|GiB" /tmp/gen_prev.log | md5sum | cut -c1-12); b=$(grep -vE "decode:|tokens/s|ms|MiB|GiB" /tmp/gen_main.log | md5sum | cut -c1-12)
    n=$(grep -vE "decode:|tokens/s|ms|MiB|GiB" /tmp/gen_main.log | wc -l)
    if [ "$a" = "$b" ]; then echo "text $1 b$2: same ($n lines, $a)"; else echo "text $1 b$2: DIFFERENT"; diff <(grep -vE "decode:|tokens/s|ms|MiB|GiB" /tmp/gen_prev.log) <(grep -vE "decode:|tokens/s|ms|MiB|GiB" /tmp/gen_main.log) | head -5; fi
done
for args in "-gb 1 -gk 5" "-gb 3 -gp 0.9" "-gb 8"; do
    timeout 120 compute-sanitizer --tool memcheck ./train_mamba_cu -e d64:l2:v1001 -x 0 -p "" -g 12 $args > /tmp/cs.log 2>&1
    echo "memcheck [$args]: rc $? $(grep -E 'ERROR SUMMARY' /tmp/cs.log)"
done
timeout 120 /tmp/decode_prev > $OUT/decode_prev.log 2>&1; echo "playground prev rc $?"
timeout 120 /tmp/decode_new > $OUT/decode_new.log 2>&1; echo "playground new rc $?"
grep -hE "FAIL|us per layer|copy rate" $OUT/decode_new.log | head -30; echo "PASS lines: $(grep -c "^PASS" $OUT/decode_new.log)"
echo "--- prev"; grep -hE "FAIL|us per layer" $OUT/decode_prev.log | head -30
for r in 1 2; do
    for run in "mamba-130m 1" "mamba-130m 1 -gk 40" "mamba-130m 2 -gk 40" "mamba-130m 8 -gk 40" "mamba-370m 1 -gk 40"; do
        set -- $run; m=$1; gb=$2; shift 2
        for bin in /tmp/prev/train_mamba_cu ./train_mamba_cu; do
            timeout 60 $bin -e $m -x 0 -p "" -g 400 -gb $gb "$@" > /tmp/gen.log 2>&1
            echo "r$r ${bin%/train_mamba_cu} $m b$gb [$*]: rc $? $(grep -E '^decode:' /tmp/gen.log)"
        done
    done
done
echo "all done at $(( $(date +%s) - start )) s"
