#!/bin/bash
# 2026-12-02 (twenty-eighth session in doc/perf.md), nvidia-h200: the larger released shapes again with
# today's kernels (last measured in the seventh session, before -r 0 kept the scan states every 8 steps
# and y): 370m, 790m, 1.4b at -r 0, 2.8b at -r 2 and -r 1.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
PRESETS="mamba-370m mamba-790m mamba-1.4b" timeout 330 bash scripts/bench.sh 12 -r 0 > $OUT/presets_r0.log 2>&1; echo "rc $?"; grep -v '^$' $OUT/presets_r0.log | tail -n 8
echo "at $(( $(date +%s) - start )) s"
PRESETS="mamba-2.8b" timeout 150 bash scripts/bench.sh 8 -r 2 > $OUT/presets_28_r2.log 2>&1; echo "rc $?"; grep -v '^$' $OUT/presets_28_r2.log | tail -n 3
PRESETS="mamba-2.8b" timeout 100 bash scripts/bench.sh 8 -r 1 > $OUT/presets_28_r1.log 2>&1; echo "rc $?"; grep -v '^$' $OUT/presets_28_r1.log | tail -n 3
echo "total $(( $(date +%s) - start )) s"
