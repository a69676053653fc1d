#!/bin/bash
# 2026-12-02 (thirty-first session in doc/perf.md), nvidia-h200: L2 eviction hints for the scan backward's
# (dB, dC) partials (SCAN_L2 bits in llmc/cuda/scan.cuh: 1 the reduction reads the newest partials first,
# 2 it discards each line it read, 4 the partials are stored evict-last, 8 the backward's tile loads and
# 16 its output stores are evict-first). The playground (versions 0 and 17: every check, then the
# timings) built with SCAN_L2 = 0, 1, 3, 7, 15, 31, in turn, and 7 / 31 again with the L2's persisting
# set-aside at its maximum; then the trainer built with 0, 7 and 31, 30 steps of 130m and the byte-level
# model at -r 0, alternated (the builds must give the same losses bit for bit).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
LS="0 1 3 7 15 31"
for m in $LS; do
    (cd dev/cuda && nvcc $ARCH -DSCAN_L2=$m -o /tmp/ssb$m selective_scan_backward.cu) > $OUT/build_ssb$m.log 2>&1 &
done
for m in 0 7 31; do
    nvcc $ARCH --threads 0 -DSCAN_L2=$m -o /tmp/tm$m train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_tm$m.log 2>&1 &
done
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 >/dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 >/dev/null
wait
echo "builds done at $(( $(date +%s) - start )) s"; tail -qn 2 $OUT/build_*.log
summ() { grep -E "FAIL|checks:|^L2|^backward B=|^  *v?(0|17) " $1 | grep -vE "^    " | head -12; }
for m in $LS; do
    timeout 100 /tmp/ssb$m 0 17 > $OUT/ssb$m.log 2>&1; echo "== SCAN_L2 $m rc $? at $(( $(date +%s) - start )) s"; summ $OUT/ssb$m.log
done
for m in 7 31; do
    SCAN_L2_SETASIDE=1 timeout 100 /tmp/ssb$m 0 17 > $OUT/ssb${m}_sa.log 2>&1; echo "== SCAN_L2 $m set-aside rc $? at $(( $(date +%s) - start )) s"; summ $OUT/ssb${m}_sa.log
done
timeout 100 /tmp/ssb0 0 17 > $OUT/ssb0_again.log 2>&1; echo "== SCAN_L2 0 again rc $?"; summ $OUT/ssb0_again.log
run() { # binary name args...
    local bin=$1 name=$2; shift 2
    timeout 90 $bin -x 30 -v 0 -g 0 -sh 0 "$@" > $OUT/e2e_$name.log 2>&1
    echo "$name: $(grep -E '^average over' $OUT/e2e_$name.log) | $(grep -E '^device memory' $OUT/e2e_$name.log)"
}
for r in 1 2; do
    [ $(( $(date +%s) - start )) -gt 500 ] && break
    for m in 0 7 31; do
        run /tmp/tm$m 130m_l${m}_$r -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 0
        run /tmp/tm$m byte_l${m}_$r -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r 0
    done
done
for n in 130m byte; do for m in 7 31; do cmp <(grep -E "^step" $OUT/e2e_${n}_l0_1.log | cut -d"|" -f1-3) <(grep -E "^step" $OUT/e2e_${n}_l${m}_1.log | cut -d"|" -f1-3) && echo "$n SCAN_L2 $m: losses and norms bitwise the same as 0"; done; done
echo "all done at $(( $(date +%s) - start )) s"
