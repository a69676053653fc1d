#!/bin/bash
# session 24 run D (nvidia-h200): what bounds the fused step at batch 1. The same 98 kernels with almost no
# work (d64:l24:v256) against the 130m and 370m shapes; ncu's per-kernel durations of one 130m step (-cg 0)
# at batch 1 and 8, summarised by dev/device_runs/ncu_sum.py into one file.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
make -s train_mamba_cu NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
for r in 1 2; do
    for e in d64:l24:v256 d64:l24:v50280 mamba-130m mamba-370m; do
        for gb in 1 8; do
            timeout 60 ./train_mamba_cu -e $e -x 0 -p "" -g 400 -gb $gb > /tmp/gen.log 2>&1; echo "$e b$gb: rc $? $(grep -E '^decode:' /tmp/gen.log)"
        done
    done
done
for gb in 1 8; do
    timeout 120 ncu --metrics gpu__time_duration.sum --csv --log-file /tmp/ncu_b$gb.csv ./train_mamba_cu -e mamba-130m -x 0 -p "" -g 4 -gb $gb -cg 0 > /tmp/ncu.log 2>&1; echo "ncu b$gb rc $?"
    python3 dev/device_runs/ncu_sum.py /tmp/ncu_b$gb.csv
done
echo "all done at $(( $(date +%s) - start )) s"
