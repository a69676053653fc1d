#!/bin/bash
# session 24 run B (nvidia-h200): where the fused recurrent step's time goes. ncu's duration of every kernel of
# generation steps (-cg 0: each launch plain, so ncu sees each kernel), batch 1 and 8, 130m shape, and the
# previous per-operation step (.debs/prev) at batch 1; the plain step's wall time with and without graphs.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
SM90="-O3 --threads 0 -gencode arch=compute_90,code=sm_90"
(cd .debs/prev && make -s train_mamba_cu NVCC_FLAGS="$SM90") > $OUT/build_prev.log 2>&1 & pb=$!
make -s train_mamba_cu NVCC_FLAGS="$SM90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
wait $pb
for gb in 1 8; do
    timeout 120 ncu --metrics gpu__time_duration.sum --csv --log-file $OUT/ncu_new_b$gb.csv ./train_mamba_cu -e mamba-130m -x 0 -p "" -g 4 -gb $gb -cg 0 > $OUT/ncu_new_b$gb.log 2>&1; echo "ncu new b$gb rc $?"
done
timeout 120 ncu --metrics gpu__time_duration.sum --csv --log-file $OUT/ncu_prev_b1.csv .debs/prev/train_mamba_cu -e mamba-130m -x 0 -p "" -g 4 -gb 1 -cg 0 > $OUT/ncu_prev_b1.log 2>&1; echo "ncu prev b1 rc $?"
for gb in 1 8; do
    for cg in 1 0; do
        timeout 60 ./train_mamba_cu -e mamba-130m -x 0 -p "" -g 200 -gb $gb -cg $cg > $OUT/gen.log 2>&1; echo "new b$gb cg$cg: $(grep -E '^decode:' $OUT/gen.log)"
    done
done
ls -la $OUT
echo "all done at $(( $(date +%s) - start )) s"
