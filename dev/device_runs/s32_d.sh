#!/bin/bash
# 2026-12-02 (thirty-first session in doc/perf.md), nvidia-h200: after y is kept at -r 1 too: the fp32
# build's scan checks (dev/cuda/selective_scan_fp32.cu, now with the -r 1 pair), then the largest presets
# at -r 1, whose memory grows by one bf16 (B, T, Di) tensor per layer (1.4b ~6 GiB, 2.8b ~10 GiB): do they
# still fit, and at what speed (PRESETS="mamba-1.4b mamba-2.8b" bash scripts/bench.sh 10 -r 1).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
(cd dev/cuda && nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/ssfp32 selective_scan_fp32.cu) > $OUT/build_fp32.log 2>&1 &
PRESETS="mamba-1.4b mamba-2.8b" timeout 400 bash scripts/bench.sh 10 -r 1 > $OUT/presets.log 2>&1; echo "presets rc $? at $(( $(date +%s) - start )) s"
grep -vE "^step|^ *$" $OUT/presets.log | tail -12
wait
timeout 100 /tmp/ssfp32 > $OUT/fp32.log 2>&1; echo "fp32 checks rc $? at $(( $(date +%s) - start )) s"
grep -E "check fp32|FAIL|passed|failed" $OUT/fp32.log | head -30
