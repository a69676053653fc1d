#!/bin/bash
# 2026-12-03 (thirty-sixth session in doc/perf.md), nvidia-h200: the scan backward's blocks of 3 groups of 32
# channels (SCAN_BWD_GROUPS=3, no ring: each group writes its own (dB, dC) partial rows, so the outputs are
# bitwise those of blocks of one group) against blocks of one group (SCAN_BWD_GROUPS=1), before merging.
# Prebuilt playground binaries in .bin37 (carry it): ssb_g3 (default), ssb_g1 (-DSCAN_BWD_GROUPS=1), ssfp32, built
# at git c9df8cf, where every -r level ran in groups; main keeps separate blocks for the -r 1 kernel (v18) since.
#   1. the playground, versions 0, 17, 18 (the trainer's -r 0, -r 2, -r 1), both builds, two rounds; fp32 checks;
#   2. the trainer built both ways: 130m B=8 T=2048 and d384:l8:v256 B=32 T=1024 at -r 1, 0, 2, 30 steps
#      (losses must agree bit for bit);
#   3. the GPU suites: PyTorch and CPU fixtures, test_mamba_cu, test_mamba_cu_fp32.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L; nvidia-smi --query-gpu=clocks.max.sm,power.limit --format=csv,noheader
start=$(date +%s)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
make -j16 NVCC_FLAGS="$ARCH --threads 0" train_mamba_cu test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture train_mamba test_mamba > $OUT/build_make.log 2>&1 &
nvcc $ARCH --threads 0 -DSCAN_BWD_GROUPS=1 -o /tmp/tm_g1 train_mamba.cu -lcublas -lcjson -lnccl > $OUT/build_tm_g1.log 2>&1 &
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 > /dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 > /dev/null
summ() { grep -E "FAIL|checks:|^backward B=|^  *v?(0|17|18) " $1 | grep -vE "^    " | head -16; }
for r in 1 2; do for b in g3 g1; do
    timeout 100 .bin37/ssb_$b 0 17 18 > /tmp/ssb_$b.log 2>&1; echo "== playground $b round $r rc $? at $(( $(date +%s) - start )) s"; summ /tmp/ssb_$b.log
done; done
timeout 60 .bin37/ssfp32 > /tmp/fp32.log 2>&1; echo "== fp32 playground rc $?"; grep -E "FAIL|checks" /tmp/fp32.log | tail -3
wait
echo "builds done at $(( $(date +%s) - start )) s"; for f in $OUT/build_*.log; do echo "$f: $(grep -ciE 'error' $f) error lines"; done
cp train_mamba_cu /tmp/tm_g3
run() { # binary name args...
    local bin=$1 name=$2; shift 2
    timeout 60 $bin -x 30 -v 0 -g 0 -sh 0 "$@" > /tmp/e2e_$name.log 2>&1
    echo "$name: $(grep -E '^average over' /tmp/e2e_$name.log) | $(grep -E '^step +30' /tmp/e2e_$name.log | cut -c1-60)"
}
for rr in 1 0 2; do
    for t in g3 g1; do
        run /tmp/tm_$t 130m_${t}_r$rr -i /tmp/v50280.bin -j /tmp/v50280.bin -e mamba-130m -b 8 -t 2048 -r $rr
        run /tmp/tm_$t byte_${t}_r$rr -i /tmp/v256.bin -j /tmp/v256.bin -e d384:l8:v256 -b 32 -t 1024 -r $rr
    done
done
echo "e2e done at $(( $(date +%s) - start )) s"
left=$(( 540 - ($(date +%s) - start) ))
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32)$' MULTI_GPU_TESTS=0 timeout $left make -j16 NVCC_FLAGS="$ARCH --threads 0" test > $OUT/test.log 2>&1
echo "make test rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|^--- " $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -8
