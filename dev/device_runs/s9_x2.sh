#!/bin/bash
# session 9, two GPUs: make test (single-GPU suites + multi-GPU tests) with CUDA-graph steps, then timings
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu
export NCCL_NVLS_ENABLE=0
nvidia-smi -L
( time make -j16 train_mamba_cu test_mamba_cu test_mamba_cu_fp32 ) > $OUT/build.log 2>&1 || { tail -5 $OUT/build.log; exit 1; }
timeout 400 make test > $OUT/test.log 2>&1; echo "make test rc $?"
grep -E "^FAIL|SKIP" $OUT/test.log | head; grep -E "=== test_multi" -A40 $OUT/test.log | grep -E "PASS|FAIL|passed" | tail -25; tail -1 $OUT/test.log
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 > /dev/null
python3 dev/data/random_shard.py /tmp/r50k.bin 50280 4000000 1 > /dev/null
run() { local n="$1"; shift; timeout 120 "$@" > /tmp/r.log 2>&1; echo "$n: $(grep '^average' /tmp/r.log | sort -u) $(grep -i error /tmp/r.log | head -2)"; }
T="-e d128:l4:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 16 -t 128 -v 0 -g 0 -sh 0"
Y="-e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -v 0 -g 0 -sh 0 -r 0"
M="-e mamba-130m -i /tmp/r50k.bin -j /tmp/r50k.bin -b 8 -t 2048 -v 0 -g 0 -sh 0 -r 0"
for cg in 1 0; do
run "cg$cg tiny 1 GPU, 1 micro-step" ./train_mamba_cu $T -x 300 -cg $cg
run "cg$cg tiny 1 GPU, 4 micro-steps" ./train_mamba_cu $T -x 100 -d 8192 -cg $cg
run "cg$cg tiny 2 GPUs z0 (-d 4096)" bash scripts/multi_gpu.sh -n 2 $T -x 300 -d 4096 -cg $cg
run "cg$cg tiny 2 GPUs z0 4 micro-steps (-d 16384)" bash scripts/multi_gpu.sh -n 2 $T -x 100 -d 16384 -cg $cg
run "cg$cg byte 2 GPUs z0" bash scripts/multi_gpu.sh -n 2 $Y -x 30 -d 65536 -cg $cg
run "cg$cg byte 2 GPUs z1" bash scripts/multi_gpu.sh -n 2 $Y -x 30 -d 65536 -z 1 -cg $cg
run "cg$cg 130m 2 GPUs z0" bash scripts/multi_gpu.sh -n 2 $M -x 20 -d 32768 -cg $cg
done
