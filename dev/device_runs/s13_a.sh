#!/bin/bash
# session 13 run A: y (the scan output before the gate) kept at -r 0 and read by the scan backward.
# playground checks + timings (forward 9 10, backward 0 15 17, fp32 build), then the trainer side by side
# with the previous commit (.debs/prev), with clocks
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
( cd dev/cuda && nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/ssb selective_scan_backward.cu > /tmp/b1.log 2>&1; echo "ssb build $?" ) &
( cd dev/cuda && nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/ssf selective_scan_forward.cu > /tmp/b3.log 2>&1; echo "ssf build $?" ) &
( cd dev/cuda && nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/ssf32 selective_scan_fp32.cu > /tmp/b2.log 2>&1; echo "fp32 build $?" ) &
( cd .debs/prev && nvcc -O3 --threads 0 -gencode arch=compute_90,code=sm_90 -o /tmp/tm_old train_mamba.cu -lcublas -lcjson -lnccl > /tmp/build0.log 2>&1; echo "build old $?" ) &
make -s train_mamba_cu > /tmp/build.log 2>&1; echo "build $?"; tail -3 /tmp/build.log
wait
/tmp/ssf 9 10 > $OUT/ssf.txt 2>&1; echo "ssf rc $?"; grep -E "FAIL|checks:|y \(" $OUT/ssf.txt | tail -4
grep -A4 "^forward B=" $OUT/ssf.txt
/tmp/ssb 0 15 17 > $OUT/ssb.txt 2>&1; echo "ssb rc $?"; grep -E "FAIL|checks:" $OUT/ssb.txt | tail -3; grep -c "every output bitwise the same  ok" $OUT/ssb.txt
grep -A5 "^backward B=" $OUT/ssb.txt
/tmp/ssf32 > $OUT/ssf32.txt 2>&1; echo "fp32 rc $?"; tail -2 $OUT/ssf32.txt
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 >/dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 >/dev/null
Q=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_event_reasons.active
nvidia-smi --query-gpu=$Q --format=csv,noheader,nounits > /dev/null 2>&1 || Q=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active
run() {
  local n="$1" bin="$2"; shift 2
  nvidia-smi --query-gpu=$Q --format=csv,noheader,nounits -lms 20 > /tmp/smi.csv &
  local smi=$!
  $bin -v 0 -g 0 -sh 0 "$@" > /tmp/r.log 2>&1
  kill $smi; wait $smi 2>/dev/null
  cp /tmp/r.log "$OUT/log_$(echo $n | tr ' ' '_').txt"
  local st=$(awk -F', ' '$2 > 1000 {n++; c += $2; p += $4; r[$6]++} END {printf "samples %d mean sm %.0f MHz power %.0f W reasons", n, c / n, p / n; for (k in r) printf " %s:%d", k, r[k]}' /tmp/smi.csv)
  echo "$n: $(grep '^average' /tmp/r.log | cut -c1-70) | $(grep '^step *80\|^step *150' /tmp/r.log | cut -c1-40) | $(grep '^device memory' /tmp/r.log | cut -c1-40) | $st"
}
for rep in 1 2; do
  run "old 130m r0" /tmp/tm_old -e mamba-130m -i /tmp/v50280.bin -j /tmp/v50280.bin -b 8 -t 2048 -x 80 -r 0
  run "new 130m r0" ./train_mamba_cu -e mamba-130m -i /tmp/v50280.bin -j /tmp/v50280.bin -b 8 -t 2048 -x 80 -r 0
  run "old byte r0" /tmp/tm_old -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 150 -r 0
  run "new byte r0" ./train_mamba_cu -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 150 -r 0
done
run "new byte r1" ./train_mamba_cu -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 150 -r 1
run "old byte r1" /tmp/tm_old -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 150 -r 1
