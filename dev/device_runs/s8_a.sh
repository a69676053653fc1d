#!/bin/bash
# session 8 run A: scan backward with (dB, dC) partials summed in clusters: playground checks + timing,
# trainer end to end with SCAN_BWD_CL = 1 (before), 2, 4
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
T0=$(date +%s)
nvidia-smi -L
(cd dev/cuda && nvcc $ARCH -o /tmp/ssb selective_scan_backward.cu) > $OUT/b_ssb.log 2>&1 &
for cl in 1 2 4; do
  rm -rf /tmp/cl$cl && mkdir -p /tmp/cl$cl && cp -r Makefile *.h *.c *.cu llmc dev test /tmp/cl$cl/
  (cd /tmp/cl$cl && make -s train_mamba_cu NVCC_FLAGS="$ARCH -DSCAN_BWD_CL=$cl") > $OUT/b_cl$cl.log 2>&1 &
done
python3 dev/data/random_shard.py /tmp/r256.bin 256 4000000 2 >/dev/null
python3 dev/data/random_shard.py /tmp/r50280.bin 50280 4000000 1 >/dev/null
wait
echo "builds done $(( $(date +%s) - T0 )) s"; ls -la /tmp/ssb /tmp/cl*/train_mamba_cu | awk '{print $5, $9}'
timeout 200 /tmp/ssb 0 11 14 15 16 17 18 > $OUT/ssb.log 2>&1; echo "ssb rc $?"
grep -c FAIL $OUT/ssb.log; grep -E "^backward B|^ *v(0|11|14|15|16|17|18) " $OUT/ssb.log | head -40
echo "ssb done $(( $(date +%s) - T0 )) s"
run() { # tag binary args...
  local tag=$1 bin=$2; shift 2
  local o; o=$(timeout 100 $bin -x 30 -v 0 -g 0 -sh 0 "$@" 2>&1); echo "$o" > "$OUT/e2e_$tag.log"
  echo "$tag: $(echo "$o" | grep '^average over') | $(echo "$o" | grep '^step   30')"
}
for k in 1 2; do
  for cl in 1 2 4; do
    run cl${cl}_130m_$k /tmp/cl$cl/train_mamba_cu -e mamba-130m -b 8 -t 2048 -r 0 -i /tmp/r50280.bin -j /tmp/r50280.bin
    run cl${cl}_bytes_$k /tmp/cl$cl/train_mamba_cu -e d384:l8:v256 -b 32 -t 1024 -r 0 -i /tmp/r256.bin -j /tmp/r256.bin
  done
done
echo "e2e done $(( $(date +%s) - T0 )) s"
