#!/bin/bash
# session 20 run C (nvidia-h200): the closing GPU make test: the stop at a validation step (state [29]),
# run_synthetic.sh keeping finished runs, rank 0 alone checking model_best.bin (multi-GPU start-up)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 500 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
grep -E "keep_best|signals_|stop_at|synthetic_finished|launcher|gpu_tcp" $OUT/test.log | head -30
