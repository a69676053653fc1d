#!/bin/bash
# session 22 run B (nvidia-h200): the conv backward with its rows preloaded (PRE, dev/cuda/conv1d.cu versions
# 13-15) against the trainer's (v2: each step loads its rows; v12 the same kernel), playground alternated
# twice; then the trainer end to end (130m and byte level, -r 0, 30 steps) built three ways, alternated:
# as committed (PRE off), -DCONV_BWD_PRE=true, and -DCONV_BWD_PRE=true -DCONV_TT=8.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
FL="-O3 --threads 0 -gencode arch=compute_90,code=sm_90"
(cd dev/cuda && nvcc $ARCH -o /tmp/conv_new conv1d.cu) > $OUT/build_conv.log 2>&1 & p1=$!
nvcc $FL -o /tmp/tm_base train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_base.log 2>&1 & p2=$!
nvcc $FL -DCONV_BWD_PRE=true -o /tmp/tm_pre16 train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_pre16.log 2>&1 & p3=$!
nvcc $FL -DCONV_BWD_PRE=true -DCONV_TT=8 -o /tmp/tm_pre8 train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_pre8.log 2>&1 & p4=$!
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 >/dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 >/dev/null
wait $p1
echo "conv build done at $(( $(date +%s) - start )) s"
for r in 1 2; do
    timeout 90 /tmp/conv_new 2 12 13 14 15 > $OUT/conv_$r.log 2>&1; echo "conv run $r rc $?"
    grep -E "checks:|FAIL" $OUT/conv_$r.log | head -5
    sed -n '/^summary/,$p' $OUT/conv_$r.log
done
wait $p2 $p3 $p4
echo "trainer builds done at $(( $(date +%s) - start )) s"; ls -la /tmp/tm_*; tail -n 3 $OUT/build_pre16.log
run() { # binary name args...
    local bin=$1 name=$2; shift 2
    timeout 90 $bin -x 30 -v 0 -g 0 -sh 0 "$@" > $OUT/e2e_$name.log 2>&1
    echo "$name: $(grep -E '^average over' $OUT/e2e_$name.log) | $(grep -E '^device memory' $OUT/e2e_$name.log)"
}
for r in 1 2; do
    for v in base pre16 pre8; do run /tmp/tm_$v 130m_${v}_$r -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 0; done
    for v in base pre16 pre8; do run /tmp/tm_$v byte_${v}_$r -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r 0; done
done
for n in 130m byte; do for v in pre16 pre8; do
    cmp -s <(grep -E '^step' $OUT/e2e_${n}_base_1.log | awk -F'|' '{print $1,$2}') <(grep -E '^step' $OUT/e2e_${n}_${v}_1.log | awk -F'|' '{print $1,$2}') && echo "$n $v losses: same as base" || echo "$n $v losses: differ from base"
done; done
grep -E '^step +(1|30)/' $OUT/e2e_130m_*_1.log
echo "all done at $(( $(date +%s) - start )) s"
