#!/bin/bash
# session 10 run C: fine checkpoints in the trainer (-r 0/1): playgrounds, then old (33d1254) vs new trainer, same machine
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
( cd .debs/prev && make -s train_mamba_cu > /tmp/prev_build.log 2>&1; echo "prev build $?" ) &
( make -s -j8 train_mamba_cu test_mamba_cu test_mamba_cu_fp32 > /tmp/build.log 2>&1; echo "build $?" ) &
ARCH="-O3 -std=c++17 -gencode arch=compute_90,code=sm_90"
( cd dev/cuda && nvcc $ARCH -o /tmp/ssb selective_scan_backward.cu && nvcc $ARCH -o /tmp/ssf selective_scan_forward.cu && nvcc $ARCH -o /tmp/ssfp32 selective_scan_fp32.cu; echo "playground build $?" )
/tmp/ssb 0 11 14 15 16 17 > $OUT/ssb.log 2>&1; echo "ssb rc $?"; grep -E "FAIL|checks:|^backward|v0 |v11|v14|v15|v16|v17" $OUT/ssb.log | grep -v "^  check"
/tmp/ssf 0 7 9 > $OUT/ssf.log 2>&1; echo "ssf rc $?"; grep -E "FAIL|checks:|^forward|v0 |v7 |v9 " $OUT/ssf.log | grep -v "^  check"
/tmp/ssfp32 > $OUT/ssfp32.log 2>&1; echo "fp32 rc $?"; grep -E "FAIL|checks" $OUT/ssfp32.log
wait
cat /tmp/build.log | grep -E "error" | head
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 >/dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 >/dev/null
run() { local n="$1" bin="$2"; shift 2; $bin -v 0 -g 0 -sh 0 "$@" > /tmp/r.log 2>&1; echo "$n: $(grep '^average' /tmp/r.log) | $(grep '^device memory' /tmp/r.log) | last $(grep '^step' /tmp/r.log | tail -1 | cut -c1-60)"; }
for rep in 1 2; do
for r in 0 1 2; do
  run "old 130m -r $r" .debs/prev/train_mamba_cu -e mamba-130m -i /tmp/v50280.bin -j /tmp/v50280.bin -b 8 -t 2048 -x 30 -r $r
  run "new 130m -r $r" ./train_mamba_cu -e mamba-130m -i /tmp/v50280.bin -j /tmp/v50280.bin -b 8 -t 2048 -x 30 -r $r
  run "old byte -r $r" .debs/prev/train_mamba_cu -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 30 -r $r
  run "new byte -r $r" ./train_mamba_cu -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 30 -r $r
done
done
