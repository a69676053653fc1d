#!/bin/bash
# Written 2026-12-05 (sixtieth stop), nvidia-h100-x1: (1) the GPU trainer's two out-of-memory lines as test_cli.sh
# now checks them (the generation-state check had no -p, so -x 0 generated nothing and exited 0 on the last run);
# (2) the scan at -r 0 five times over (s52_b.sh); (3) scripts/bench.sh 30 -r 0 on this tree. About 100 s build,
# 10 s, 75 s, 165 s.
set -u
. dev/device_runs/setup.sh
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
( make -j14 "$NV" train_mamba_cu > $OUT/build.log 2>&1; echo "train_mamba_cu build rc $?" ) &
( cd dev/cuda && nvcc $ARCH -o /tmp/ssf selective_scan_forward.cu ) & ( cd dev/cuda && nvcc $ARCH -o /tmp/ssb selective_scan_backward.cu ); wait
echo "built at $(( $(date +%s) - start )) s"
make -s data > /dev/null 2>&1
TS_TRAIN=dev/data/tinyshakespeare/tiny_shakespeare_train.bin
./train_mamba_cu -e d128:l256:v256 -b 4 -t 65536 -r 0 -x 1 -v 0 -g 0 -nt 2 -i "$TS_TRAIN" -j "$TS_TRAIN" > /dev/null 2> $OUT/oom1.err
echo "oom activations rc $?: $(grep -c '^error' $OUT/oom1.err) error lines: $(cut -c1-300 $OUT/oom1.err | head -3)"
./train_mamba_cu -e d256:l1024:v256 -x 0 -v 0 -p a -g 1 -gb 4096 -nt 2 > /dev/null 2> $OUT/oom2.err
echo "oom generation rc $?: $(grep -c '^error' $OUT/oom2.err) error lines: $(cut -c1-300 $OUT/oom2.err | head -3)"
for i in 1 2 3 4 5; do
    /tmp/ssf 10 > $OUT/ssf_$i.log 2>&1; /tmp/ssb 0 > $OUT/ssb_$i.log 2>&1
    f=$(awk '/^forward B=8 T=2048 Di=1536 N=16/ {f = 1; next} f && $1 == "v10" {split($0, h, "|"); n = split(h[1], w, " "); print w[n - 2]; exit}' $OUT/ssf_$i.log)
    b=$(awk '/^backward B=8 T=2048 Di=1536 N=16/ {f = 1; next} f && $1 == "v0" {split($0, h, "|"); n = split(h[1], w, " "); split(h[2], x, " "); print w[n - 2], x[1]; exit}' $OUT/ssb_$i.log)
    echo "run $i: forward $f ms | backward, forward+backward $b ms"
done
echo "scan runs done at $(( $(date +%s) - start )) s"
timeout 250 bash scripts/bench.sh 30 -r 0 > $OUT/bench.log 2>&1
echo "bench rc $? at $(( $(date +%s) - start )) s"
grep -iE "tok/s|ms/step|scan|peak|MFU" $OUT/bench.log | tail -14
nvidia-smi --query-gpu=name,clocks.max.sm,power.limit --format=csv,noheader
