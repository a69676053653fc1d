#!/bin/bash
# session 8 run E (2 GPUs): make test on the final code (single-GPU suites + multi-GPU tests), then the
# 1.4b model on 1 and 2 GPUs
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu
export NCCL_NVLS_ENABLE=0
T0=$(date +%s)
( time make -j32 train_mamba_cu test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture ) > $OUT/build.log 2>&1 || { tail -5 $OUT/build.log; exit 1; }
python3 dev/data/random_shard.py /tmp/r50k.bin 50280 4000000 1 > /dev/null
{
echo "build done $(( $(date +%s) - T0 )) s"; nvidia-smi -L
F="-i /tmp/r50k.bin -j /tmp/r50k.bin -e mamba-1.4b -b 8 -t 2048 -x 10 -v 0 -g 0 -sh 0 -r 0"
run() { echo "== $1"; shift; timeout 120 "$@" 2>&1 | grep -E "average|device memory|error|step   10" | sort -u; }
run "1.4b 1 GPU" ./train_mamba_cu $F -d 16384
run "1.4b 2 GPUs z0" bash scripts/multi_gpu.sh -n 2 $F -d 32768
run "1.4b 2 GPUs z1" bash scripts/multi_gpu.sh -n 2 $F -d 32768 -z 1
echo "scaling done $(( $(date +%s) - T0 )) s"
timeout 400 make test > /tmp/test.log 2>&1; echo "make test rc $?"
grep -E "^FAIL|SKIP" /tmp/test.log | head; grep -E "gpu_out_of_memory" /tmp/test.log; tail -1 /tmp/test.log
echo "all done $(( $(date +%s) - T0 )) s"
} 2>&1 | tee $OUT/summary.log
cp /tmp/test.log $OUT/
