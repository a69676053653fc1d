#!/bin/bash
# session 18 run D (nvidia-h200): GPU make test after the later HF / JSON / config checks, then a transformers
# model with a fractional expand (1.5) through -e and -hf of both trainers and back (dev/ref/hf_expand_round_trip.py)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 450 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
for bin in train_mamba train_mamba_cu; do
    mkdir -p /tmp/rt_$bin
    timeout 120 python3 dev/ref/hf_expand_round_trip.py ./$bin /tmp/rt_$bin 2>&1 | grep -v Warning | tail -3
    echo "round trip $bin rc ${PIPESTATUS[0]}"
done
