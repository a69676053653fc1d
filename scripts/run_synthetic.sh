#!/usr/bin/env bash
# The Mamba paper's synthetic tasks, with and without selection (descriptor field s0), on one GPU.
#   bash scripts/run_synthetic.sh [out dir] [induction steps] [copy steps]    (SEL="1" or "0": one variant only)
# Induction heads (paper 4.1.2): 2 layers, C=64, vocab 16, trained at L=256, batch 8, Adam lr 1e-3,
#   no weight decay; then token accuracy at L = 2^6 .. 2^20 (paper: 205K steps; here fewer, stated).
# Selective copying (paper 4.1.1): 2 layers, C=64, vocab 16, 16 data tokens among noise then 16
#   markers; paper L=4096, batch 64, lr 1e-4, 400K steps; here L=1024 and fewer steps, stated.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/synthetic}
IND_STEPS=${2:-8000}
COPY_STEPS=${3:-6000}
make -s train_mamba_cu
mkdir -p "$OUT"
COMMON=(-v 1000 -m 20 -g 0 -s 0 -c 0 -u 200 -k constant)
for sel in ${SEL:-1 0}; do
    name=induction_s$sel
    ./train_mamba_cu -e d64:l2:v16:s$sel -i synth:induction -j synth:induction -b 8 -t 256 -x "$IND_STEPS" -l 1e-3 \
        "${COMMON[@]}" -o "$OUT/$name" > "$OUT/$name.txt"
    echo "== $name: $(grep 'val accuracy' "$OUT/$name.txt" | tail -n 1)"
    for p in 6 8 10 12 14 16 18 20; do
        L=$((1 << p)); m=$(( p <= 12 ? 64 : (p <= 16 ? 16 : 4) ))
        acc=$(./train_mamba_cu -e "$OUT/$name/model_$(printf %08d "$IND_STEPS").bin" -i synth:induction -j synth:induction \
              -b 1 -t "$L" -x 0 -m "$m" 2>&1 | grep 'val accuracy' | awk '{print $3}')
        echo "$name L=2^$p accuracy $acc ($m sequences)" | tee -a "$OUT/${name}_lengths.txt"
    done
done
for sel in ${SEL:-1 0}; do
    name=copy_s$sel
    ./train_mamba_cu -e d64:l2:v16:s$sel -i synth:copy -j synth:copy -b 64 -t 1040 -x "$COPY_STEPS" -l 1e-3 \
        "${COMMON[@]}" -o "$OUT/$name" > "$OUT/$name.txt"
    echo "== $name (L=1024 + 16 markers): $(grep 'val accuracy' "$OUT/$name.txt" | tail -n 1)"
done
