#!/bin/bash
# 2026-12-03 (thirty-sixth session in doc/perf.md), nvidia-h200: the merged tree (blocks of 3 groups at -r 0 and
# -r 2, separate blocks at -r 1): the scan playground (checks, versions 0, 17, 18), bench.sh at -r 0 and -r 1,
# and test_mamba_cu (bf16) with the fixtures, as time allows.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
make -j16 NVCC_FLAGS="$ARCH --threads 0" train_mamba_cu test_mamba_cu make_cpu_fixture > $OUT/build.log 2>&1 &
(cd dev/cuda && nvcc $ARCH -o /tmp/ssb selective_scan_backward.cu) > $OUT/build_ssb.log 2>&1
timeout 60 /tmp/ssb 0 17 18 > /tmp/ssb.log 2>&1; echo "== playground rc $? at $(( $(date +%s) - start )) s"
grep -E "FAIL|checks:|^backward B=|^  *v?(0|17|18) " /tmp/ssb.log | grep -vE "^    " | head -16
wait; echo "built at $(( $(date +%s) - start )) s: $(grep -ci error $OUT/build.log) error lines"
for r in 0 1; do
    timeout 150 bash scripts/bench.sh 30 -r $r > $OUT/bench_r$r.log 2>&1; echo "== bench -r $r rc $? at $(( $(date +%s) - start )) s"
    grep -v '^$' $OUT/bench_r$r.log | tail -n 14
done
left=$(( 330 - ($(date +%s) - start) ))
if [ $left -gt 60 ]; then
    FX=$(mktemp -d); mapfile -t FIX < <(bash test/gpu_fixtures.sh "$FX")
    timeout $left ./test_mamba_cu "${FIX[@]}" > $OUT/test_mamba_cu.log 2>&1; echo "== test_mamba_cu rc $? at $(( $(date +%s) - start )) s"
    grep -E "^FAIL" $OUT/test_mamba_cu.log | head; tail -n 1 $OUT/test_mamba_cu.log
fi
