#!/bin/bash
# session 20 run A (nvidia-h200): GPU make test after -kb (keep the best model), the SIGUSR1 stop that
# launchers pass on, and the multi-GPU start-up changes (launcher variables, TCP rendezvous deadline,
# the same-checkpoint check: a no-op all-reduce pair on one GPU)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 500 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
grep -E "keep_best|signal_|launcher|gpu_tcp|gpu_launcher" $OUT/test.log | head -30
