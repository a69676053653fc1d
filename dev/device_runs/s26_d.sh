#!/bin/bash
# 2026-12-02 (twenty-fifth session in doc/perf.md): the closing run. The review of s26_b's change found that
# the playground dev/cuda/decode_step.cu ran programmatic steps back to back on one conv state (a race with
# the new pre-wait read; the trainer keeps steps apart with a plain launch): the playground now synchronises
# between its check steps and gives each benchmark layer its own states. Re-measures the per-layer times
# against the tree before the change (.debs/prev = git archive 7075c07), reruns test_mamba_cu (both builds),
# the playground's checks, the generated-token comparison and the CLI tests on train_mamba_cu.
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
python3 dev/data/tinyshakespeare.py > /dev/null 2>&1; echo "data rc $?"
FX=$(mktemp -d)
mapfile -t FIXTURES < <(bash test/gpu_fixtures.sh "$FX")
timeout 200 ./test_mamba_cu "${FIXTURES[@]}" > $OUT/test_mamba_cu.log 2>&1; echo "test_mamba_cu rc $? at $(( $(date +%s) - start )) s"
timeout 200 ./test_mamba_cu_fp32 "${FIXTURES[@]}" > $OUT/test_mamba_cu_fp32.log 2>&1; echo "test_mamba_cu_fp32 rc $? at $(( $(date +%s) - start )) s"
grep -hE "^FAIL|passed, .* failed" $OUT/test_mamba_cu.log $OUT/test_mamba_cu_fp32.log
for run in "mamba-130m 1" "mamba-130m 8" "mamba-370m 1" "d2048:l2:v1001 5"; do
    set -- $run
    timeout 60 /tmp/prev/train_mamba_cu -e $1 -x 0 -p "" -g 80 -gb $2 -gk 40 > /tmp/gen_prev.log 2>&1
    timeout 60 ./train_mamba_cu -e $1 -x 0 -p "" -g 80 -gb $2 -gk 40 > /tmp/gen_main.log 2>&1
    a=$(grep -vE "decode:|tokens/s|ms|MiB|GiB" /tmp/gen_prev.log | md5sum | cut -c1-12); b=$(grep -vE "decode:|tokens/s|ms|MiB|GiB" /tmp/gen_main.log | md5sum | cut -c1-12)
    if [ "$a" = "$b" ]; then echo "text $1 b$2: same ($a)"; else echo "text $1 b$2: DIFFERENT"; fi
done
for r in 1 2; do
    timeout 120 /tmp/decode_prev > $OUT/decode_prev_$r.log 2>&1; echo "playground prev rc $?"
    timeout 120 /tmp/decode_new > $OUT/decode_new_$r.log 2>&1; echo "playground new rc $? ($(grep -c '^PASS' $OUT/decode_new_$r.log) PASS, $(grep -c '^FAIL' $OUT/decode_new_$r.log) FAIL)"
    grep -hE "us per layer" $OUT/decode_prev_$r.log | sed 's/^/prev /'
    grep -hE "us per layer" $OUT/decode_new_$r.log | sed 's/^/new  /'
done
BIN=./train_mamba_cu timeout 240 bash test/test_cli.sh > /tmp/cli.log 2>&1; echo "test_cli rc $? $(tail -n 1 /tmp/cli.log)"; grep -E "^FAIL" /tmp/cli.log | head
echo "all done at $(( $(date +%s) - start )) s"
