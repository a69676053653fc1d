#!/bin/bash
# 2026-12-02 (twenty-fifth session in doc/perf.md), nvidia-h200-x2: the multi-GPU suite, whose
# stale_id_file_named check (104a5e2) had never run on two GPUs.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
nvidia-smi -L
make -s -j32 train_mamba_cu NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
python3 dev/data/tinyshakespeare.py > $OUT/data.log 2>&1; echo "data rc $?"
timeout 480 bash test/test_multi_gpu.sh > $OUT/test_multi_gpu.log 2>&1; echo "test_multi_gpu rc $? at $(( $(date +%s) - start )) s"
cat $OUT/test_multi_gpu.log | cut -c1-300
