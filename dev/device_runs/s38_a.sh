#!/bin/bash
# 2026-12-03 (thirty-seventh session in doc/perf.md), nvidia-h200: two changes to the scan backward, before merging.
#   a. the -r 1 kernel (y read, a checkpoint per chunk) in blocks of 3 groups too: with the channel pair's dt bias
#      and D loaded again where used it no longer spills (166 registers, was 168 + 16 bytes);
#   b. the (dB, dC) reduction with 16-byte loads, 8 groups' loads in flight per thread (same order of sums).
# Prebuilt binaries in .bin38 (carry it), built at the working tree of this script's commit:
#   ssb_g3v (both changes), ssb_g3s (-DSCAN_REDUCE_SCALAR: a only), ssb_g1s (-DSCAN_BWD_GROUPS=1 -DSCAN_REDUCE_SCALAR:
#   separate blocks, the old reduction), ssfp32; tm_head (train_mamba.cu at 9d6b928), tm_new (both changes).
#   1. the playground, versions 0, 17, 18 (the trainer's -r 0, -r 2, -r 1), three builds, two rounds; fp32 checks;
#   2. the trainer, head and new: 130m B=8 T=2048 and d384:l8:v256 B=32 T=1024 at -r 1 (two rounds), 0, 2,
#      30 steps (losses must agree bit for bit).
set -u
nvidia-smi -L; nvidia-smi --query-gpu=clocks.max.sm,power.limit --format=csv,noheader
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 > /dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 > /dev/null
summ() { grep -E "FAIL|checks:|^backward B=|^  *v?(0|17|18) " $1 | grep -vE "^    " | head -16; }
for r in 1 2; do for b in g3v g3s g1s; do
    timeout 100 .bin38/ssb_$b 0 17 18 > /tmp/ssb_$b.log 2>&1; echo "== playground $b round $r rc $? at $(( $(date +%s) - start )) s"; summ /tmp/ssb_$b.log
    cp /tmp/ssb_$b.log $OUT/ssb_${b}_$r.log
done; done
timeout 60 .bin38/ssfp32 > /tmp/fp32.log 2>&1; echo "== fp32 playground rc $?"; grep -E "FAIL|checks" /tmp/fp32.log | tail -3
run() { # binary name args...
    local bin=$1 name=$2; shift 2
    timeout 60 $bin -x 30 -v 0 -g 0 -sh 0 "$@" > /tmp/e2e_$name.log 2>&1
    echo "$name: $(grep -E '^average over' /tmp/e2e_$name.log) | $(grep -E '^step +30' /tmp/e2e_$name.log | cut -c1-60)"
}
for rr in 1 0 2 1; do
    for t in head new; do
        run .bin38/tm_$t 130m_${t}_r$rr -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r $rr
        run .bin38/tm_$t byte_${t}_r$rr -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r $rr
    done
done
echo "e2e done at $(( $(date +%s) - start )) s"
#   3. if time is left: the GPU suites (PyTorch and CPU fixtures, test_mamba_cu, test_mamba_cu_fp32) on this tree.
left=$(( 560 - ($(date +%s) - start) ))
if [ $left -gt 150 ]; then
    TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32)$' MULTI_GPU_TESTS=0 timeout $left make -j16 NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90" test > $OUT/test.log 2>&1
    echo "make test rc $? at $(( $(date +%s) - start )) s"
    grep -E "^FAIL|^--- " $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -8
else
    echo "no time left for the GPU suites ($left s)"
fi
