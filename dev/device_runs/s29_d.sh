#!/bin/bash
# 2026-12-02 (twenty-eighth session in doc/perf.md), nvidia-h200: the scan's reduction kernel launched
# programmatically after the backward (SCAN_PDL=1: the backward's blocks trigger it at their last chunk,
# it waits with griddepcontrol.wait) against a plain launch (SCAN_PDL=0). Playground v0 / v17 twice in
# turn, then the trainer built both ways, 30 steps of 130m and the byte-level model at -r 0, alternated;
# the two builds must give the same losses bit for bit (same arithmetic).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
for m in 0 1; do
    (cd dev/cuda && nvcc $ARCH -DSCAN_PDL=$m -o /tmp/ssb$m selective_scan_backward.cu) > $OUT/build_ssb$m.log 2>&1 &
done
for m in 0 1; do
    nvcc $ARCH --threads 0 -DSCAN_PDL=$m -o /tmp/tm$m train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_tm$m.log 2>&1 &
done
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 >/dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 >/dev/null
wait
echo "builds done at $(( $(date +%s) - start )) s"; tail -n 2 $OUT/build_*.log
for r in 1 2; do
    for m in 0 1; do
        timeout 150 /tmp/ssb$m 0 17 > $OUT/ssb${m}_$r.log 2>&1; echo "pdl $m run $r rc $? at $(( $(date +%s) - start )) s"
    done
done
for r in 1 2; do for m in 0 1; do echo "== pdl $m run $r"; grep -E "FAIL|checks:|^B=|^  v|copy" $OUT/ssb${m}_$r.log | tail -14; done; done
run() { # binary name args...
    local bin=$1 name=$2; shift 2
    timeout 90 $bin -x 30 -v 0 -g 0 -sh 0 "$@" > $OUT/e2e_$name.log 2>&1
    echo "$name: $(grep -E '^average over' $OUT/e2e_$name.log) | $(grep -E '^device memory' $OUT/e2e_$name.log)"
}
for r in 1 2; do
    for m in 0 1; do
        run /tmp/tm$m 130m_pdl${m}_$r -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r 0
        run /tmp/tm$m byte_pdl${m}_$r -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r 0
    done
done
for n in 130m byte; do echo "$n step-30 losses pdl 0 / 1:"; grep -hE '^step +30' $OUT/e2e_${n}_pdl0_1.log $OUT/e2e_${n}_pdl1_1.log; done
echo "all done at $(( $(date +%s) - start )) s"
for n in 130m byte; do for r in 1 2; do cmp <(grep -E "^step" $OUT/e2e_${n}_pdl0_$r.log | cut -d"|" -f1-3) <(grep -E "^step" $OUT/e2e_${n}_pdl1_$r.log | cut -d"|" -f1-3) && echo "$n run $r: losses and norms bitwise the same"; done; done
