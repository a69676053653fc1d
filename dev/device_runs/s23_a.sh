#!/bin/bash
# session 23 run A (nvidia-h200): the scan backward with lanes of 2 channels x 2 states (playground v18 = the
# trainer's -r 0 kernel, v19 = its -r 1/-r 2 kernel, both so laid out) against 1 channel x 4 states (v0, v17),
# same threads per block. dB/dC then take a 4-value butterfly over 4 lanes instead of an 8-value one over 8.
# /tmp/old is this tree with the previous scan.cuh and playground (dev/cuda/scan_before.cuh.txt,
# ssb_before.cu.txt, made from git HEAD before the change, not committed): v0 old against new, where
# the NPT = 4 kernels' code only moved. Then the trainer end to end, default against -DSCAN_BWD_PAIRS=1.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
mkdir -p /tmp/old && tar --exclude=./.debs --exclude=./.git -cf - . | tar -xf - -C /tmp/old
cp dev/cuda/scan_before.cuh.txt /tmp/old/llmc/cuda/scan.cuh
cp dev/cuda/ssb_before.cu.txt /tmp/old/dev/cuda/selective_scan_backward.cu
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
(cd dev/cuda && nvcc $ARCH -Xptxas -v -o /tmp/ssb_new selective_scan_backward.cu) > $OUT/build_ssb_new.log 2>&1 & p1=$!
(cd /tmp/old/dev/cuda && nvcc $ARCH -o /tmp/ssb_old selective_scan_backward.cu) > $OUT/build_ssb_old.log 2>&1 & p2=$!
nvcc $ARCH --threads 0 -o /tmp/tm_default train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_tm_default.log 2>&1 & p3=$!
nvcc $ARCH --threads 0 -DSCAN_BWD_PAIRS=1 -o /tmp/tm_pairs train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_tm_pairs.log 2>&1 & p4=$!
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 >/dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 >/dev/null
wait $p1 $p2
echo "playground builds done at $(( $(date +%s) - start )) s"
for r in 1 2; do
    timeout 150 /tmp/ssb_old 0 17 > $OUT/ssb_old_$r.log 2>&1; echo "old run $r rc $? at $(( $(date +%s) - start )) s"
    timeout 150 /tmp/ssb_new 0 18 17 19 > $OUT/ssb_new_$r.log 2>&1; echo "new run $r rc $? at $(( $(date +%s) - start )) s"
done
for f in $OUT/ssb_old_1.log $OUT/ssb_new_1.log $OUT/ssb_old_2.log $OUT/ssb_new_2.log; do echo "== $f"; grep -E "FAIL|checks|^B=|^  v|copy" $f | tail -22; done
wait $p3 $p4
echo "trainer builds done at $(( $(date +%s) - start )) s"; tail -2 $OUT/build_tm_*.log
run() { # binary name args...
    local bin=$1 name=$2; shift 2
    timeout 90 $bin -x 30 -v 0 -g 0 -sh 0 "$@" > $OUT/e2e_$name.log 2>&1
    echo "$name: $(grep -E '^average over' $OUT/e2e_$name.log) | $(grep -E '^device memory' $OUT/e2e_$name.log)"
}
for r in 1 2; do
    run /tmp/tm_default 130m_default_$r -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 0
    run /tmp/tm_pairs 130m_pairs_$r -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 0
    run /tmp/tm_default byte_default_$r -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r 0
    run /tmp/tm_pairs byte_pairs_$r -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r 0
done
run /tmp/tm_default 130m_default_r1 -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 1
run /tmp/tm_pairs 130m_pairs_r1 -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 1
for n in 130m byte; do echo "$n step-30 losses default / pairs:"; grep -E '^step +30' $OUT/e2e_${n}_default_1.log $OUT/e2e_${n}_pairs_1.log; done
echo "all done at $(( $(date +%s) - start )) s"
