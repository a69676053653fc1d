#!/bin/bash
# session 15 run D: induction heads at 30K steps, 4 seeds each with the 2026-11-23 trainer (git 7509a05,
# old1123/) and the current trainer built in fp32 (-DENABLE_FP32), evaluated at L = 2^12..2^20 by the
# current bf16 trainer (run C showed the evaluation agrees across trainers and with the CPU)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
export CUDA_VISIBLE_DEVICES=0
nvidia-smi -L
make -j16 train_mamba_cu > $OUT/build.log 2>&1 || { tail -5 $OUT/build.log; exit 1; }
nvcc -O3 -gencode arch=compute_90,code=sm_90 -o old1123/train_mamba_cu old1123/train_mamba.cu -lcublas -lcjson -lnccl > $OUT/old_build.log 2>&1 &
nvcc -O3 -gencode arch=compute_90,code=sm_90 -DENABLE_FP32 -o /tmp/train_mamba_cu_fp32 train_mamba.cu -lcublas -lcjson -lnccl > $OUT/fp32_build.log 2>&1 &
wait
IND=(-e d64:l2:v16:s1 -i synth:induction -j synth:induction -b 8 -t 256 -x 30000 -l 1e-3 -v 1000 -m 20 -g 0 -s 0 -c 0 -u 200 -k constant)
ev() { ./train_mamba_cu -e "$1" -i synth:induction -j synth:induction -b 1 -t $((1 << $2)) -x 0 -m "$3" 2>&1 | grep -E "^val accuracy|error" | tr '\n' ' '; }
lengths() { local line="$1:"; for p in 12 14 16 18 20; do m=$(( p <= 12 ? 20 : (p <= 16 ? 16 : 4) )); line="$line p$p $(ev "$2" $p $m | sed 's/val accuracy //')"; done; echo "$line"; }
run() { # <tag> <binary> <seed>
    local s=$(date +%s)
    "$2" "${IND[@]}" -sd $3 -o /tmp/$1_$3 > $OUT/$1_$3.txt 2>&1
    echo "$1 sd $3: rc $? [$(( $(date +%s) - s )) s] $(grep -E '^average' $OUT/$1_$3.txt) | $(grep -E '^step +(1000|5000|10000|30000)/' $OUT/$1_$3.txt | sed 's/ | norm.*//' | tr '\n' ' ')"
    lengths "$1 sd $3" /tmp/$1_$3/model_00030000.bin
}
for sd in 1 2 3; do run old ./old1123/train_mamba_cu $sd; done
for sd in 1337 1 2 3; do run fp32 /tmp/train_mamba_cu_fp32 $sd; done
