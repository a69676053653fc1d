#!/bin/bash
# session 9 run C (one H200): make test after the review fixes, then the pretraining recipe on mamba-130m
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
( time make -j16 train_mamba_cu test_mamba_cu test_mamba_cu_fp32 train_mamba dev/data/tokenize ) > $OUT/build.log 2>&1 || { tail -5 $OUT/build.log; exit 1; }
timeout 330 make test > $OUT/test.log 2>&1; echo "make test rc $?"
grep -E "^FAIL|SKIP" $OUT/test.log | head -20; grep -E "graphs_replayed" $OUT/test.log | head -2; tail -1 $OUT/test.log
s=$(date +%s)
GPUS=1 MODEL=mamba-130m TOKENS=2621440 VAL_FRACTION=0.1 VAL_EVERY=5 VAL_BATCHES=2 CKPT_EVERY=5 SAMPLE_EVERY=0 DATA=/tmp/ptdata/ts OUT=/tmp/ptout1 \
  bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json dev/data/tinyshakespeare.txt > /tmp/pt1.log 2>&1
echo "pretrain rc $? wall $(( $(date +%s) - s )) s"
grep -E "^pretraining|^total batch|^step|^val loss|^average|device memory|^done|error" /tmp/pt1.log | head -16
ls /tmp/ptout1/hf
cp /tmp/pt1.log $OUT/
