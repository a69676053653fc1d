#!/bin/bash
# 2026-12-02 (thirty-first session in doc/perf.md), nvidia-h200: y (the scan's output before the gate) kept
# for the backward at -r 1 too. The playground's version 18 (checkpoint every 32 steps, the forward writes y,
# the backward reads it) against 17 (-r 1 as merged) and 0 (-r 0), twice; then the trainer built with
# KEEP_Y_MAX_R = 0 (as merged) and 1, 30 steps of 130m and the byte-level model at -r 1, alternated (the
# builds must give the same losses bit for bit: dz is computed from y rounded to bf16 either way).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
(cd dev/cuda && nvcc $ARCH -o /tmp/ssb selective_scan_backward.cu) > $OUT/build_ssb.log 2>&1 &
(cd dev/cuda && nvcc $ARCH -o /tmp/ssf selective_scan_forward.cu) > $OUT/build_ssf.log 2>&1 &
for m in 0 1; do
    nvcc $ARCH --threads 0 -DKEEP_Y_MAX_R=$m -o /tmp/tm$m train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_tm$m.log 2>&1 &
done
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 >/dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 >/dev/null
wait
echo "builds done at $(( $(date +%s) - start )) s"; tail -qn 2 $OUT/build_*.log
for r in 1 2; do
    timeout 150 /tmp/ssb 0 17 18 > $OUT/ssb_$r.log 2>&1; echo "== playground run $r rc $? at $(( $(date +%s) - start )) s"
    grep -E "FAIL|checks:|^backward B=|^  *v(0|17|18) " $OUT/ssb_$r.log | head -14
done
grep -E "check v18|fwd y|recomputed|with y" $OUT/ssb_1.log | head -12
timeout 60 /tmp/ssf 0 9 10 > $OUT/ssf.log 2>&1; echo "== forward playground rc $?"; grep -A4 -E "^forward B=8 T=2048" $OUT/ssf.log | head -6
run() { # binary name args...
    local bin=$1 name=$2; shift 2
    timeout 90 $bin -x 30 -v 0 -g 0 -sh 0 "$@" > $OUT/e2e_$name.log 2>&1
    echo "$name: $(grep -E '^average over' $OUT/e2e_$name.log) | $(grep -E '^device memory' $OUT/e2e_$name.log)"
}
for r in 1 2; do
    for m in 0 1; do
        run /tmp/tm$m 130m_y${m}_$r -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 1
        run /tmp/tm$m byte_y${m}_$r -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r 1
    done
done
run /tmp/tm1 130m_y1_r0 -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 0
for n in 130m byte; do cmp <(grep -E "^step" $OUT/e2e_${n}_y0_1.log | cut -d"|" -f1-3) <(grep -E "^step" $OUT/e2e_${n}_y1_1.log | cut -d"|" -f1-3) && echo "$n -r 1: losses and norms bitwise the same with y kept"; done
cmp <(grep -E "^step" $OUT/e2e_130m_y1_1.log | cut -d"|" -f1-3) <(grep -E "^step" $OUT/e2e_130m_y1_r0.log | cut -d"|" -f1-3) && echo "130m: -r 1 with y kept bitwise the same as -r 0"
grep -hE '^step +30' $OUT/e2e_130m_y0_1.log $OUT/e2e_130m_y1_1.log
echo "all done at $(( $(date +%s) - start )) s"
