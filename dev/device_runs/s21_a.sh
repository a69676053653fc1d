#!/bin/bash
# session 21 run A (nvidia-h200): GPU make test after the review fixes: the second PyTorch fixture
# (mamba_small2: V=250 padded, N=8, K=3, R=3, T=77) in test_mamba_cu (bf16 and fp32 builds), bf16 TOL_LOSS
# 2e-4, the optimizer-flag note (state version 5), main.log write errors, -sg, the new test_cli checks
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 540 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -30; grep -E "^=== |passed, " $OUT/test.log | tail -30
grep -E "mamba_small2|_loss|adamw" $OUT/test.log | grep -v "^PASS fixture" | head -60
grep -E "outlier|optimizer_flags|log_write|cut_log|greedy|accumulation|wsd_schedule|tokenizer" $OUT/test.log | head -30
