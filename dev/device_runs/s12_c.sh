#!/bin/bash
# session 12 run C: (dB, dC) summed by reducer blocks inside the scan backward (SCAN_BWD_BCSUM 5) vs the reduction kernel (0):
# playground checks + timings, the fp32 build's checks, then the trainer side by side with clocks
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
( cd dev/cuda && nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/ssb selective_scan_backward.cu > /tmp/b1.log 2>&1; echo "ssb build $?";
  nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/ssf32 selective_scan_fp32.cu > /tmp/b2.log 2>&1; echo "fp32 build $?" ) &
make -s train_mamba_cu > /tmp/build.log 2>&1; echo "build $?"
nvcc -O3 --threads 0 -gencode arch=compute_90,code=sm_90 -DSCAN_BWD_BCSUM=0 -o /tmp/tm_old train_mamba.cu -lcublas -lcjson -lnccl > /tmp/build0.log 2>&1; echo "build bcsum0 $?"
wait
/tmp/ssb 0 11 15 16 17 18 19 20 21 > $OUT/ssb.txt 2>&1; echo "ssb rc $?"; grep -E "FAIL|checks:" $OUT/ssb.txt | tail -3
grep -A12 "^backward B=" $OUT/ssb.txt
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
  run "bcsum0 130m r0" /tmp/tm_old -e mamba-130m -i /tmp/v50280.bin -j /tmp/v50280.bin -b 8 -t 2048 -x 80 -r 0
  run "bcsum5 130m r0" ./train_mamba_cu -e mamba-130m -i /tmp/v50280.bin -j /tmp/v50280.bin -b 8 -t 2048 -x 80 -r 0
  run "bcsum0 byte r0" /tmp/tm_old -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 150 -r 0
  run "bcsum5 byte r0" ./train_mamba_cu -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 150 -r 0
done
SCAN_CHECK_ONLY=1 timeout 150 compute-sanitizer --tool memcheck /tmp/ssb 0 20 > $OUT/memcheck.txt 2>&1; echo "memcheck rc $?"; grep -E "ERROR SUMMARY|checks:" $OUT/memcheck.txt | tail -3
SCAN_CHECK_ONLY=1 timeout 150 compute-sanitizer --tool racecheck /tmp/ssb 0 20 > $OUT/race.txt 2>&1; echo "racecheck rc $?"; grep -E "RACECHECK SUMMARY|checks:" $OUT/race.txt | tail -3
