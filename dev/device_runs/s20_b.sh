#!/bin/bash
# session 20 run B (nvidia-h200): GPU make test after the review fixes (rank 0's best-model record shared,
# -y 2 drops it, PMI/Slurm local ranks, MAMBA_TEST_SIGNALS, -gp top-p sampling), then tinyshakespeare at
# 400 steps with -kb 1 (the script's default now): the best model of a run that overfits is kept
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 480 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
grep -E "keep_best|signals_|top_p|gpu_launcher|gpu_tcp" $OUT/test.log | head -40
STEPS=400 timeout 90 bash scripts/run_tinyshakespeare.sh /tmp/ts400 > $OUT/ts400.out 2>&1; echo "ts400 rc $?"
grep -E "^val loss|^best val loss|kept as|average over" $OUT/ts400.out | tail -14
cp /tmp/ts400/main.log $OUT/ts400_main.log 2>/dev/null
./train_mamba_cu -e /tmp/ts400/model_best.bin -x 0 -b 64 -t 256 -m -1 -g 0 2>&1 | grep -E "^val loss|^val batches"
