#!/bin/bash
# session 19 run B (nvidia-h200): GPU make test after the start-up shape check (check_gpu_shapes), the conv
# backward launched in parts past 65535 row blocks, the scan launch checks and the learner-review test changes
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 540 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
grep -E "gpu_shape|gpu_batch|gpu_conv" $OUT/test.log
