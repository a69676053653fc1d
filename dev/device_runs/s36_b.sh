#!/bin/bash
# 2026-12-03 (thirty-fifth session in doc/perf.md), nvidia-h200: the scan backward's (dB, dC) partials summed by
# reducer blocks in the grid's spare slots while the workers run (tagged partials, llmc/cuda/scan.cuh), against
# the reduction kernel after the backward. Run it from a checkout of branch next/scan-bwd-tagged-reducers (the code
# under test; on main "new" is main), with the base tree filled in first:
#   mkdir -p dev/device_runs/s36_base && git archive 3b31273 llmc dev/cuda train_mamba.cu dataloader.h tokenizer.h |
#       tar -x -C dev/device_runs/s36_base
#   1. the backward playground (0 17), both trees, two rounds: checks and timings;
#   2. the trainer, both trees: 130m B=8 T=2048 and d384:l8:v256 B=32 T=1024 at -r 0, 30 steps, two rounds;
#   3. the fp32 playground (the trainer's header in an fp32 build);
# new0: the new trainer built with SCAN_REDUCERS_OVERRIDE=0 (the reduction kernel sums the tagged partials): its
# losses must be new's bit for bit.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L; nvidia-smi --query-gpu=clocks.max.sm,power.limit --format=csv,noheader
start=$(date +%s)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
BASE=dev/device_runs/s36_base
(cd dev/cuda && nvcc $ARCH -o /tmp/ssb_new selective_scan_backward.cu) > $OUT/build_new.log 2>&1 &
(cd $BASE/dev/cuda && nvcc $ARCH -o /tmp/ssb_base selective_scan_backward.cu) > $OUT/build_base.log 2>&1 &
(cd dev/cuda && nvcc $ARCH -o /tmp/ssfp32 selective_scan_fp32.cu) > $OUT/build_fp32.log 2>&1 &
nvcc $ARCH --threads 0 -o /tmp/tm_new train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_tm_new.log 2>&1 &
(cd $BASE && nvcc $ARCH --threads 0 -o /tmp/tm_base train_mamba.cu -lcublas -lcjson -lnccl) > $OUT/build_tm_base.log 2>&1 &
nvcc $ARCH --threads 0 -DSCAN_REDUCERS_OVERRIDE=0 -o /tmp/tm_new0 train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_tm_new0.log 2>&1 &
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 > /dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 > /dev/null
wait
echo "builds done at $(( $(date +%s) - start )) s"; for f in $OUT/build_*.log; do echo "$f: $(grep -ciE 'error' $f) error lines"; done
summ() { grep -E "FAIL|reducer|checks:|^backward B=|^  *v?(0|17) " $1 | grep -vE "^    (du|d_delta|dz|dB|dC|dA|dD|d_dt|fwd|fine|with y|recomputed)" | head -40; }
for r in 1 2; do
    timeout 100 /tmp/ssb_new 0 17 > $OUT/ssb_new_$r.log 2>&1; echo "== new, round $r, rc $? at $(( $(date +%s) - start )) s"; summ $OUT/ssb_new_$r.log
    timeout 100 /tmp/ssb_base 0 17 > $OUT/ssb_base_$r.log 2>&1; echo "== base, round $r, rc $? at $(( $(date +%s) - start )) s"; summ $OUT/ssb_base_$r.log | grep -vE "check "
done
timeout 60 /tmp/ssfp32 > $OUT/fp32.log 2>&1; echo "== fp32 playground rc $?"; grep -E "FAIL|checks|passed" $OUT/fp32.log | tail -4
run() { # binary name args...
    local bin=$1 name=$2; shift 2
    timeout 60 $bin -x 30 -v 0 -g 0 -sh 0 "$@" > /tmp/e2e_$name.log 2>&1
    echo "$name: $(grep -E '^average over' /tmp/e2e_$name.log) | $(grep -E '^step +30' /tmp/e2e_$name.log | cut -c1-60)"
}
for rep in 1 2; do
    for t in new new0 base; do
        [ $(( $(date +%s) - start )) -gt 520 ] && break 2
        run /tmp/tm_$t 130m_${t}_$rep -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 0
        run /tmp/tm_$t byte_${t}_$rep -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r 0
    done
done
echo "all done at $(( $(date +%s) - start )) s"
