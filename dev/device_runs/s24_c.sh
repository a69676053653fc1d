#!/bin/bash
# session 24 run C (nvidia-h200): the fused recurrent step after run B's profile: inputs staged with 16-byte
# loads, weights prefetched into L2 before each kernel waits for the one before (programmatic dependent
# launch), the scan step on 16 lanes per channel (both paths). test_mamba_cu bf16 and fp32 on the fixtures of
# test/run_tests.sh, memcheck on fused generations, generation speed against the previous trainer
# (.debs/prev: `git archive 86d5d67`) alternated, and ncu's per-kernel durations of a step at batch 1 and 8.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
SM90="-O3 --threads 0 -gencode arch=compute_90,code=sm_90"
(cd .debs/prev && make -s train_mamba_cu NVCC_FLAGS="$SM90") > $OUT/build_prev.log 2>&1 & pb=$!
make -s -j16 train_mamba train_mamba_cu test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture NVCC_FLAGS="$SM90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
FX=$(mktemp -d)
./make_cpu_fixture "$FX/cpu_t100.bin" d64:l2:v256 2 100 1 >/dev/null
./make_cpu_fixture "$FX/cpu_v1001_t77.bin" d96:l3:v1001 3 77 2 >/dev/null
./make_cpu_fixture "$FX/cpu_t8192.bin" d64:l2:v256 1 8192 3 >/dev/null
./make_cpu_fixture "$FX/cpu_v2000_t64.bin" d64:l2:v2000 2 64 4 >/dev/null
./make_cpu_fixture "$FX/cpu_v50280_t32.bin" d32:l1:v50280 1 32 5 >/dev/null
./make_cpu_fixture "$FX/cpu_v16_t300.bin" d32:l2:v16 2 300 6 >/dev/null
./make_cpu_fixture "$FX/cpu_c1536_t40.bin" d1536:l1:v256 1 40 7 1e-4 >/dev/null
./make_cpu_fixture "$FX/cpu_c2560_t24.bin" d2560:l1:v256 1 24 8 1e-4 >/dev/null
FIXTURES=(test/fixtures/mamba_tiny.bin test/fixtures/mamba_small2.bin "$FX"/cpu_t100.bin "$FX"/cpu_v1001_t77.bin "$FX"/cpu_t8192.bin "$FX"/cpu_v2000_t64.bin "$FX"/cpu_v50280_t32.bin "$FX"/cpu_v16_t300.bin "$FX"/cpu_c1536_t40.bin "$FX"/cpu_c2560_t24.bin)
timeout 150 ./test_mamba_cu "${FIXTURES[@]}" > $OUT/test_mamba_cu.log 2>&1; echo "test_mamba_cu rc $? at $(( $(date +%s) - start )) s"
timeout 150 ./test_mamba_cu_fp32 "${FIXTURES[@]}" > $OUT/test_mamba_cu_fp32.log 2>&1; echo "test_mamba_cu_fp32 rc $? at $(( $(date +%s) - start )) s"
grep -hE "fused|^FAIL|passed, .* failed" $OUT/test_mamba_cu.log $OUT/test_mamba_cu_fp32.log
grep -hE "step_(per_op_)?matches" $OUT/test_mamba_cu.log | sed 's/over.*max |logit|/max |logit|/' | head -24
for flags in "-e d64:l2:v300 -gb 3" "-e d18:l2:v101:n5:r3 -gb 8" "-e d40:l2:v256:s0 -gb 1" "-e d64:l2:v300 -gb 12"; do
    timeout 90 compute-sanitizer --tool memcheck --error-exitcode 9 ./train_mamba_cu $flags -x 0 -p "" -g 8 > $OUT/memcheck_gen.log 2>&1; echo "memcheck $flags: rc $? $(tail -n 1 $OUT/memcheck_gen.log)"
done
wait $pb; echo "prev build rc $? at $(( $(date +%s) - start )) s"
gen() { # binary name flags...
    local bin=$1 name=$2; shift 2
    timeout 60 $bin -x 0 -p "" -g 200 "$@" > $OUT/gen_$name.log 2>&1
    echo "$name: rc $? $(grep -E '^decode:' $OUT/gen_$name.log)"
}
for r in 1 2; do
    for gb in 1 2 4 8 16 64; do
        gen .debs/prev/train_mamba_cu prev_130m_b${gb}_$r -e mamba-130m -gb $gb
        gen ./train_mamba_cu new_130m_b${gb}_$r -e mamba-130m -gb $gb
    done
    gen .debs/prev/train_mamba_cu prev_370m_b1_$r -e mamba-370m -gb 1
    gen ./train_mamba_cu new_370m_b1_$r -e mamba-370m -gb 1
done
gen ./train_mamba_cu new_130m_b1_cg0 -e mamba-130m -gb 1 -cg 0
for gb in 1 8; do
    timeout 120 ncu --metrics gpu__time_duration.sum --csv --log-file $OUT/ncu_new_b$gb.csv ./train_mamba_cu -e mamba-130m -x 0 -p "" -g 4 -gb $gb -cg 0 > $OUT/ncu_new_b$gb.log 2>&1; echo "ncu new b$gb rc $?"
done
echo "all done at $(( $(date +%s) - start )) s"
