#!/bin/bash
# 2026-12-02 (twenty-sixth session in doc/perf.md), nvidia-h200: selective copying at the paper's length,
# L=4096 (+16 markers), batch 64, LR 1e-3 constant, the selective model and the ablation (s0) side by side
# on the one GPU (two processes: the d64 model leaves most of the card idle), each stopped by SIGTERM at a
# fixed wall time if it has not finished (the trainer finishes the step, writes a checkpoint and exits 0;
# the constant LR makes a stopped run the same as a shorter one). Results: doc/results.md.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
nvidia-smi -L
make -s train_mamba_cu NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
STEPS=${STEPS:-40000}
for sel in 1 0; do
    ( SEL=$sel TASKS=copy COPY_L=4096 BIN=./train_mamba_cu bash scripts/run_synthetic.sh /tmp/copy4k_s$sel 1 $STEPS > /tmp/copy4k_s$sel.out 2>&1; echo "script s$sel rc $? at $(( $(date +%s) - start )) s" ) &
done
deadline=$(( start + ${DEADLINE:-545} ))
while [ "$(jobs -r | wc -l)" -gt 0 ] && [ "$(date +%s)" -lt $deadline ]; do sleep 2; done
if [ "$(jobs -r | wc -l)" -gt 0 ]; then echo "deadline at $(( $(date +%s) - start )) s: SIGTERM to the trainers"; pkill -TERM -f "train_mamba_cu -e d64:l2:v16"; fi
wait
for sel in 1 0; do
    d=/tmp/copy4k_s$sel/copy_L4096_s$sel
    cat /tmp/copy4k_s$sel.out
    cp $d.txt $OUT/copy_L4096_s$sel.txt; cp $d/main.log $OUT/copy_L4096_s$sel.main.log
    grep -E "^step +[0-9]+/" $d.txt | tail -n 2
    grep -E "^val accuracy|^stopped|^step .*val" $d.txt | tail -n 3
    awk '/val accuracy/ {n++} END {print n " evaluations"}' $d.txt
done
echo "all done at $(( $(date +%s) - start )) s"
