#!/bin/bash
# 2026-12-03 (thirty-sixth session in doc/perf.md), nvidia-h200: the scan backward with blocks of 3 groups of 32
# channels (SCAN_BWD_GROUPS=3: each group runs free on its own named barrier; their (dB, dC) sums meet in a
# shared ring and are added SS_RING_LAG sub-chunks later), so the reduction kernel reads a third of the
# partials, against the blocks of one group (SCAN_BWD_GROUPS=1, as before).
#   1. the backward playground (versions 0 and 17) built with 1 group, 3 groups at lag 2 (the default), lag 1,
#      lag 4: checks (the new Di = 96, 192, 288 shapes use the groups) and timings; 1 and 3/lag 2 twice;
#   2. the fp32 playground (the trainer's header, fp32 build);
#   3. the trainer, 1 group and 3: 130m B=8 T=2048 and d384:l8:v256 B=32 T=1024 at -r 0, 30 steps, two rounds,
#      then 130m at -r 1 once each.
# The ring is not merged: run this from a checkout of branch next/scan-bwd-group-ring (git 7e5467d, which also has
# the switches SS_GROUP_SYNC, SS_GROUP_RING, SS_RING_NOWAIT, SS_RING_SPIN). Two more calls ran inline commands over
# playground binaries built on the CPU machine from that branch (nvcc -O3 -gencode arch=compute_90,code=sm_90
# with the switches below) and carried in an ignored .bin37/, each `ssb_X 0 17` twice:
#   call 2: -DSCAN_BWD_GROUPS=1; SS_GROUP_SYNC=1 (acquire/release), =0 (fences), =2 (none); SS_GROUP_RING=0;
#   call 3: -DSCAN_BWD_GROUPS=1; SS_GROUP_SYNC=2; -DSS_RING_NOWAIT -DSS_GROUP_SYNC=2; -DSS_RING_LAG=8
#           -DSS_GROUP_SYNC=2; -DSS_RING_SPIN -DSS_GROUP_SYNC=2; SS_GROUP_RING=0.
# doc/perf.md, "Blocks of 3 groups", has all three calls' numbers.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L; nvidia-smi --query-gpu=clocks.max.sm,power.limit --format=csv,noheader
start=$(date +%s)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
(cd dev/cuda && nvcc $ARCH -DSCAN_BWD_GROUPS=1 -o /tmp/ssb_g1 selective_scan_backward.cu) > $OUT/build_g1.log 2>&1 &
(cd dev/cuda && nvcc $ARCH -Xptxas -v -o /tmp/ssb_g3 selective_scan_backward.cu) > /tmp/build_g3.log 2>&1 &
(cd dev/cuda && nvcc $ARCH -DSS_RING_LAG=1 -o /tmp/ssb_g3l1 selective_scan_backward.cu) > $OUT/build_g3l1.log 2>&1 &
(cd dev/cuda && nvcc $ARCH -DSS_RING_LAG=4 -o /tmp/ssb_g3l4 selective_scan_backward.cu) > $OUT/build_g3l4.log 2>&1 &
(cd dev/cuda && nvcc $ARCH -o /tmp/ssfp32 selective_scan_fp32.cu) > $OUT/build_fp32.log 2>&1 &
nvcc $ARCH --threads 0 -DSCAN_BWD_GROUPS=1 -o /tmp/tm_g1 train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_tm_g1.log 2>&1 &
nvcc $ARCH --threads 0 -o /tmp/tm_g3 train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_tm_g3.log 2>&1 &
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 > /dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 > /dev/null
wait
echo "builds done at $(( $(date +%s) - start )) s"; for f in $OUT/build_*.log /tmp/build_g3.log; do echo "$f: $(grep -ciE 'error' $f) error lines"; done
grep -E "Used|spill" /tmp/build_g3.log | grep -c "16 barriers"
summ() { grep -E "FAIL|checks:|^backward B=|^  *v?(0|17) " $1 | grep -vE "^    (du|d_delta|dz|dB|dC|dA|dD|d_dt|fwd|fine|with y|recomputed)" | head -40; }
pg() { timeout 100 /tmp/ssb_$1 0 17 > $OUT/ssb_$1_$2.log 2>&1; echo "== $1, round $2, rc $? at $(( $(date +%s) - start )) s"; summ $OUT/ssb_$1_$2.log; }
pg g3 1; pg g1 1; pg g3l1 1; pg g3l4 1; pg g3 2; pg g1 2
timeout 60 /tmp/ssfp32 > /tmp/fp32.log 2>&1; echo "== fp32 playground rc $?"; grep -E "FAIL|checks|passed" /tmp/fp32.log | tail -4
run() { # binary name args...
    local bin=$1 name=$2; shift 2
    timeout 60 $bin -x 30 -v 0 -g 0 -sh 0 "$@" > /tmp/e2e_$name.log 2>&1
    echo "$name: $(grep -E '^average over' /tmp/e2e_$name.log) | $(grep -E '^step +30' /tmp/e2e_$name.log | cut -c1-60)"
}
for rep in 1 2; do
    for t in g3 g1; do
        [ $(( $(date +%s) - start )) -gt 520 ] && break 2
        run /tmp/tm_$t 130m_${t}_$rep -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 0
        run /tmp/tm_$t byte_${t}_$rep -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r 0
    done
done
for t in g3 g1; do
    [ $(( $(date +%s) - start )) -gt 550 ] && break
    run /tmp/tm_$t 130m_${t}_r1 -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 1
done
echo "all done at $(( $(date +%s) - start )) s"
