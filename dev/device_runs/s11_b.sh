#!/bin/bash
# session 11 run B: SM clock and power during 130m steps, old (33d1254, coarse checkpoints at -r 0) vs new (fine at -r 0):
# does the fine path's extra DRAM traffic lower the clocks (the ninth session's unexplained 130m gap)?
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
nvidia-smi --query-gpu=power.limit,clocks.max.sm,clocks.max.mem --format=csv
( cd .debs/prev && make -s train_mamba_cu > /tmp/prev_build.log 2>&1; echo "prev build $?" ) &
make -s train_mamba_cu > /tmp/build.log 2>&1; echo "build $?"; wait
python3 dev/data/random_shard.py /tmp/v50280.bin 50280 4000000 1 >/dev/null
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 >/dev/null
Q=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_event_reasons.active
nvidia-smi --query-gpu=$Q --format=csv,noheader,nounits > /dev/null 2>&1 || Q=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active
nvidia-smi --query-gpu=$Q --format=csv,noheader,nounits || Q=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu
echo "query $Q"
run() { # name bin args...: per-step times and the clocks sampled every 20 ms while steps 10.. run
  local n="$1" bin="$2"; shift 2
  nvidia-smi --query-gpu=$Q --format=csv,noheader,nounits -lms 20 > /tmp/smi.csv &
  local smi=$!
  $bin -v 0 -g 0 -sh 0 "$@" > /tmp/r.log 2>&1
  kill $smi; wait $smi 2>/dev/null
  cp /tmp/smi.csv "$OUT/smi_$(echo $n | tr ' ' '_').csv"; cp /tmp/r.log "$OUT/log_$(echo $n | tr ' ' '_').txt"
  # samples with SM activity (clock above 1000 MHz), their mean clock / power and the throttle reasons seen
  local st=$(awk -F', ' '$2 > 1000 {n++; c += $2; p += $4; if ($2 < mn || mn == 0) mn = $2; r[$6]++} END {printf "samples %d mean sm %.0f MHz (min %d) power %.0f W reasons", n, c / n, mn, p / n; for (k in r) printf " %s:%d", k, r[k]}' /tmp/smi.csv)
  echo "$n: $(grep '^average' /tmp/r.log | cut -c1-70) | $(grep '^device memory' /tmp/r.log | cut -c1-40) | $st"
}
for rep in 1 2; do
  run "old 130m r0" .debs/prev/train_mamba_cu -e mamba-130m -i /tmp/v50280.bin -j /tmp/v50280.bin -b 8 -t 2048 -x 80 -r 0
  run "new 130m r0" ./train_mamba_cu -e mamba-130m -i /tmp/v50280.bin -j /tmp/v50280.bin -b 8 -t 2048 -x 80 -r 0
  run "new 130m r1" ./train_mamba_cu -e mamba-130m -i /tmp/v50280.bin -j /tmp/v50280.bin -b 8 -t 2048 -x 80 -r 1
  run "old byte r0" .debs/prev/train_mamba_cu -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 150 -r 0
  run "new byte r0" ./train_mamba_cu -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -x 150 -r 0
done
