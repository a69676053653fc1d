#!/bin/bash
# 2026-12-02 (thirtieth session in doc/perf.md), nvidia-h100-x1, the first H100 lent since 2026-11-23: the
# issue-3 targets on the card the official figures were measured on. scripts/bench.sh at -r 0 (130m, byte
# level, the scan alone), then the two workloads again at -r 0, 1 and 2 alternated, then the per-kernel
# profile of one 130m step at -r 0 while time is left (the device tool stops a call at 600 s).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L; nvidia-smi --query-gpu=name,power.limit,clocks.max.sm,memory.total --format=csv
start=$(date +%s)
export NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90"
timeout 330 bash scripts/bench.sh 30 -r 0 > $OUT/bench_r0.log 2>&1; echo "bench rc $? at $(( $(date +%s) - start )) s"
cat $OUT/bench_r0.log | grep -vE "^\s*$" | tail -n 12
run() { # name args...
    local name=$1; shift
    timeout 60 ./train_mamba_cu -x 30 -v 0 -g 0 -sh 0 "$@" > $OUT/e2e_$name.log 2>&1
    echo "$name: $(grep -E '^average over' $OUT/e2e_$name.log) | $(grep -E '^device memory' $OUT/e2e_$name.log)"
}
for rep in 1 2; do
    for r in 0 1 2; do
        [ $(( $(date +%s) - start )) -gt 470 ] && break 2
        run 130m_r${r}_$rep -i /tmp/bench_v50280.bin -j /tmp/bench_v50280.bin -e mamba-130m -b 8 -t 2048 -r $r
        run byte_r${r}_$rep -i /tmp/bench_v256.bin -j /tmp/bench_v256.bin -e d384:l8:v256 -b 32 -t 1024 -r $r
    done
done
left=$(( 580 - ($(date +%s) - start) ))
echo "profile with $left s left"
[ $left -gt 60 ] && timeout $left bash scripts/profile_step.sh mamba-130m 8 2048 -r 0 > $OUT/profile_r0.log 2>&1; echo "profile rc $?"
tail -n 40 $OUT/profile_r0.log
echo "all done at $(( $(date +%s) - start )) s"
