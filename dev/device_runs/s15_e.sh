#!/bin/bash
# session 15 run E: induction heads trained longer (100K steps, the current bf16 trainer), seeds 1337, 1, 2, 3:
# does the length generalisation that 30K steps give only some seeds (runs C, D) become reliable?
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
export CUDA_VISIBLE_DEVICES=0
make -j16 train_mamba_cu > $OUT/build.log 2>&1 || { tail -5 $OUT/build.log; exit 1; }
IND=(-e d64:l2:v16:s1 -i synth:induction -j synth:induction -b 8 -t 256 -x 100000 -l 1e-3 -v 5000 -m 20 -g 0 -s 0 -c 0 -u 200 -k constant)
ev() { ./train_mamba_cu -e "$1" -i synth:induction -j synth:induction -b 1 -t $((1 << $2)) -x 0 -m "$3" 2>&1 | grep -E "^val accuracy|error" | tr '\n' ' '; }
lengths() { local line="$1:"; for p in 12 14 16 18 20; do m=$(( p <= 12 ? 20 : (p <= 16 ? 16 : 4) )); line="$line p$p $(ev "$2" $p $m | sed 's/val accuracy //')"; done; echo "$line"; }
for sd in 1337 1 2 3; do
    s=$(date +%s)
    ./train_mamba_cu "${IND[@]}" -sd $sd -n 30000 -nk 0 -o /tmp/l_$sd > $OUT/long_$sd.txt 2>&1
    echo "bf16 100K sd $sd: rc $? [$(( $(date +%s) - s )) s] $(grep -E '^average' $OUT/long_$sd.txt) | $(grep -E '^step +(5000|30000|60000|100000)/' $OUT/long_$sd.txt | sed 's/ | norm.*//' | tr '\n' ' ')"
    lengths "bf16 sd $sd at 30K" /tmp/l_$sd/model_00030000.bin
    lengths "bf16 sd $sd at 90K" /tmp/l_$sd/model_00090000.bin
    lengths "bf16 sd $sd at 100K" /tmp/l_$sd/model_00100000.bin
done
