#!/bin/bash
# session 22 run A (nvidia-h200): the conv backward with __restrict__ pointers (its x and du loads become
# ld.global.nc, which the compiler may issue ahead of the dx stores of earlier steps; before, every step's
# loads waited behind the previous step's store, so one memory round trip per step). Before/after in one
# run: /tmp/old is this tree with the previous llmc/cuda/conv1d.cuh (made first, not committed:
# git show 154f6d1:llmc/cuda/conv1d.cuh > dev/cuda/conv1d_before.cuh.txt).
# The conv playground (versions 2-5) alternated old/new, then the trainer end to end (130m and byte level,
# -r 0, 30 steps) alternated old/new.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
mkdir -p /tmp/old && tar --exclude=./.debs --exclude=./.git -cf - . | tar -xf - -C /tmp/old
cp dev/cuda/conv1d_before.cuh.txt /tmp/old/llmc/cuda/conv1d.cuh
rm -f /tmp/old/train_mamba_cu
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
(cd dev/cuda && nvcc $ARCH -o /tmp/conv_new conv1d.cu) > $OUT/build_conv_new.log 2>&1 & p1=$!
(cd /tmp/old/dev/cuda && nvcc $ARCH -o /tmp/conv_old conv1d.cu) > $OUT/build_conv_old.log 2>&1 & p2=$!
make -s train_mamba_cu > $OUT/build_new.log 2>&1 & p3=$!
(cd /tmp/old && make -s train_mamba_cu) > $OUT/build_old.log 2>&1 & p4=$!
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 >/dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 >/dev/null
wait $p1 $p2
echo "conv builds done at $(( $(date +%s) - start )) s"
for r in 1 2; do
    timeout 60 /tmp/conv_old 2 3 4 5 > $OUT/conv_old_$r.log 2>&1; echo "conv old run $r rc $?"
    timeout 60 /tmp/conv_new 2 3 4 5 > $OUT/conv_new_$r.log 2>&1; echo "conv new run $r rc $?"
done
for f in $OUT/conv_old_1.log $OUT/conv_new_1.log $OUT/conv_old_2.log $OUT/conv_new_2.log; do echo "== $f"; grep -E "checks:|^B=|^  v|copy" $f | tail -14; done
cuobjdump -sass /tmp/conv_new > /tmp/new.sass 2>/dev/null && awk '/Function : .*conv1d_silu_backward_kernelILi4ELi2ELi16ELb1E/{f=1} f&&/Function :/&&!/backward_kernelILi4ELi2ELi16ELb1E/{f=0} f' /tmp/new.sass | grep -E "LDG|STG" | head -80 > $OUT/conv_new_bwd_ldst.txt
cuobjdump -sass /tmp/conv_old > /tmp/old.sass 2>/dev/null && awk '/Function : .*conv1d_silu_backward_kernelILi4ELi2ELi16ELb1E/{f=1} f&&/Function :/&&!/backward_kernelILi4ELi2ELi16ELb1E/{f=0} f' /tmp/old.sass | grep -E "LDG|STG" | head -80 > $OUT/conv_old_bwd_ldst.txt
wait $p3 $p4
echo "trainer builds done at $(( $(date +%s) - start )) s (rc in logs)"; tail -3 $OUT/build_new.log $OUT/build_old.log
run() { # tree name args...
    local dir=$1 name=$2; shift 2
    (cd $dir && timeout 90 ./train_mamba_cu -x 30 -v 0 -g 0 -sh 0 "$@" 2>&1) > $OUT/e2e_$name.log
    echo "$name: $(grep -E '^average over' $OUT/e2e_$name.log) | $(grep -E '^device memory' $OUT/e2e_$name.log)"
}
for r in 1 2; do
    run /tmp/old 130m_old_$r -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 0
    run . 130m_new_$r -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 0
    run /tmp/old byte_old_$r -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r 0
    run . byte_new_$r -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r 0
done
for n in 130m byte; do echo "$n losses old vs new (bitwise?):"; diff <(grep -E '^step' $OUT/e2e_${n}_old_1.log | awk -F'|' '{print $1,$2}') <(grep -E '^step' $OUT/e2e_${n}_new_1.log | awk -F'|' '{print $1,$2}') > /dev/null && echo same || echo DIFFERENT; done
echo "all done at $(( $(date +%s) - start )) s"
