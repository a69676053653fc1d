#!/bin/bash
# session 15 run C: why induction heads at 30K steps no longer generalise to L=2^16..2^20 (s15_b):
# the current trainer over 4 seeds, the 2026-11-23 trainer (git 7509a05, unpacked in old1123/) with the
# seed of doc/results.md, each model evaluated by both GPU trainers and (one length) the CPU trainer
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
export CUDA_VISIBLE_DEVICES=0
nvidia-smi -L
make -j16 train_mamba_cu train_mamba > $OUT/build.log 2>&1 || { tail -5 $OUT/build.log; exit 1; }
nvcc -O3 -gencode arch=compute_90,code=sm_90 -o old1123/train_mamba_cu old1123/train_mamba.cu -lcublas -lcjson -lnccl > $OUT/old_build.log 2>&1 || { tail -5 $OUT/old_build.log; exit 1; }
IND=(-e d64:l2:v16:s1 -i synth:induction -j synth:induction -b 8 -t 256 -x 30000 -l 1e-3 -v 1000 -m 20 -g 0 -s 0 -c 0 -u 200 -k constant)
ev() { # <binary> <model> <p> <sequences> [flags]: val loss and accuracy at L = 2^p, batch 1
    "$1" -e "$2" -i synth:induction -j synth:induction -b 1 -t $((1 << $3)) -x 0 -m "$4" "${@:5}" 2>&1 | grep -E "^val (loss|accuracy)|error" | tr '\n' ' '
}
lengths() { # <tag> <binary> <model>
    for p in 10 12 14 16 18 20; do m=$(( p <= 12 ? 20 : (p <= 16 ? 16 : 4) )); echo "$1 p$p m$m: $(ev "$2" "$3" $p $m)"; done
}
s=$(date +%s)
./old1123/train_mamba_cu "${IND[@]}" -o /tmp/old > $OUT/old_train.txt 2>&1; echo "old train rc $? $(grep -E '^average' $OUT/old_train.txt) [$(( $(date +%s) - s )) s]"
grep -E "^step +(1|1000|10000|20000|30000)/" $OUT/old_train.txt | head -5
lengths "old model, old eval" ./old1123/train_mamba_cu /tmp/old/model_00030000.bin
lengths "old model, new eval" ./train_mamba_cu /tmp/old/model_00030000.bin
for sd in 1337 1 2 3; do
    s=$(date +%s)
    ./train_mamba_cu "${IND[@]}" -sd $sd -o /tmp/n$sd > $OUT/new_train_$sd.txt 2>&1; echo "new train sd $sd rc $? [$(( $(date +%s) - s )) s]"
    grep -E "^step +(1|1000|10000|20000|30000)/" $OUT/new_train_$sd.txt | head -5
    lengths "new model sd$sd, new eval" ./train_mamba_cu /tmp/n$sd/model_00030000.bin
done
lengths "new model sd1337, old eval" ./old1123/train_mamba_cu /tmp/n1337/model_00030000.bin
echo "new model sd1337 p16 m4, -r 0 GPU: $(ev ./train_mamba_cu /tmp/n1337/model_00030000.bin 16 4 -r 0)"
echo "new model sd1337 p16 m4, -r 2 GPU: $(ev ./train_mamba_cu /tmp/n1337/model_00030000.bin 16 4 -r 2)"
echo "new model sd1337 p16 m4, -r 1 GPU: $(ev ./train_mamba_cu /tmp/n1337/model_00030000.bin 16 4)"
s=$(date +%s); echo "new model sd1337 p16 m4, CPU: $(ev ./train_mamba /tmp/n1337/model_00030000.bin 16 4 -nt 16) [$(( $(date +%s) - s )) s]"
echo "old model p16 m4, CPU: $(ev ./train_mamba /tmp/old/model_00030000.bin 16 4 -nt 16)"
echo "old model p16 m4, new GPU: $(ev ./train_mamba_cu /tmp/old/model_00030000.bin 16 4)"
