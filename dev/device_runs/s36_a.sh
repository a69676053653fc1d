#!/bin/bash
# 2026-12-03 (thirty-fifth session in doc/perf.md), nvidia-h200: how much of the scan's forward + backward
# at the anchors' shape is the (dB, dC) reduction kernel, read where it runs (after the backward kernel,
# with whatever the L2 still holds), to bound what any scheme that removes it could gain.
#   1. the backward playground (versions 0 and 17) as merged, and built with the reduction's launch
#      removed from llmc/cuda/scan.cuh (a copy of the tree; its checks fail by design, its timings count);
#   2. nsys, if present: every kernel's time inside the playground's timing loops;
#   3. ncu on one forward + backward (SCAN_PROFILE) with the caches left as the kernels before left them,
#      and flushed, for comparison.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L; nvidia-smi --query-gpu=clocks.max.sm,power.limit --format=csv,noheader
start=$(date +%s)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
rm -rf /tmp/skip && mkdir -p /tmp/skip && cp -r llmc dev /tmp/skip/
python3 - <<'PY'
p = "/tmp/skip/llmc/cuda/scan.cuh"
s = open(p).read()
old = "    selective_scan_reduce_kernel<N><<<(unsigned)((total + 255) / 256), 256, 0, stream>>>(p, (int)grid.x);\n"
assert s.count(old) == 1
open(p, "w").write(s.replace(old, "    (void)total; // reduction skipped (timing only)\n"))
PY
(cd dev/cuda && nvcc $ARCH -o /tmp/ssb selective_scan_backward.cu) > $OUT/build.log 2>&1 &
(cd /tmp/skip/dev/cuda && nvcc $ARCH -o /tmp/ssb_skip selective_scan_backward.cu) > $OUT/build_skip.log 2>&1 &
wait
echo "builds done at $(( $(date +%s) - start )) s"; tail -qn 2 $OUT/build*.log
summ() { grep -E "checks:|^backward B=|^  *v?(0|17) " $1 | grep -vE "^    " | head -12; }
for r in 1 2; do
    timeout 100 /tmp/ssb 0 17 > $OUT/ssb_$r.log 2>&1; echo "== merged, round $r, rc $? at $(( $(date +%s) - start )) s"; summ $OUT/ssb_$r.log
    timeout 100 /tmp/ssb_skip 0 17 > $OUT/ssb_skip_$r.log 2>&1; echo "== reduction skipped, round $r, rc $? at $(( $(date +%s) - start )) s"; summ $OUT/ssb_skip_$r.log
done
if command -v nsys >/dev/null 2>&1; then
    timeout 150 nsys profile -o /tmp/ssbprof --force-overwrite true /tmp/ssb 0 > /tmp/nsys_run.log 2>&1
    echo "== nsys rc $? at $(( $(date +%s) - start )) s"
    nsys stats --report cuda_gpu_kern_sum --format csv /tmp/ssbprof.nsys-rep > $OUT/nsys_kern.csv 2>&1
    grep -iE "selective|reduce|Time" $OUT/nsys_kern.csv | cut -c1-220 | head -12
else
    echo "== nsys not found"
fi
M=gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,lts__t_sector_hit_rate.pct
for cc in none all; do
    SCAN_PROFILE=1 timeout 120 ncu --cache-control $cc --clock-control none --metrics $M -k regex:selective_scan /tmp/ssb 0 > $OUT/ncu_$cc.log 2>&1
    echo "== ncu cache-control $cc rc $? at $(( $(date +%s) - start )) s"
    grep -E "selective_scan_[a-z_]*kernel|gpu__time|dram__bytes|hit_rate" $OUT/ncu_$cc.log | sed 's/  */ /g' | cut -c1-150 | head -24
done
