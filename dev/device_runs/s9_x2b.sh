#!/bin/bash
# session 9, two GPUs, final: make test (incl. run_pretrain.sh on 2 GPUs, multi-GPU suite), then the
# pretraining recipe on mamba-130m for 5 steps of 0.5M tokens on 1 and on 2 GPUs
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu
export NCCL_NVLS_ENABLE=0
nvidia-smi -L
( time make -j16 train_mamba_cu test_mamba_cu test_mamba_cu_fp32 train_mamba dev/data/tokenize ) > $OUT/build.log 2>&1 || { tail -5 $OUT/build.log; exit 1; }
timeout 420 make test > $OUT/test.log 2>&1; echo "make test rc $?"
grep -E "^FAIL|SKIP|pretrain|graphs_bitwise" $OUT/test.log | grep -v "^PASS cpu_\|^PASS mamba_tiny" | head -20; tail -1 $OUT/test.log
python3 dev/data/random_shard.py /tmp/v256.bin 256 4000000 2 > /dev/null
python3 dev/data/random_shard.py /tmp/r50k.bin 50280 4000000 1 > /dev/null
run() { local n="$1"; shift; timeout 120 "$@" > /tmp/r.log 2>&1; echo "$n: $(grep '^average' /tmp/r.log | sort -u) $(grep -i error /tmp/r.log | head -2)"; }
run "130m -r0 1 GPU (fixed cuBLAS workspace)" ./train_mamba_cu -e mamba-130m -i /tmp/r50k.bin -j /tmp/r50k.bin -b 8 -t 2048 -v 0 -g 0 -sh 0 -r 0 -x 30
run "byte -r0 1 GPU (fixed cuBLAS workspace)" ./train_mamba_cu -e d384:l8:v256 -i /tmp/v256.bin -j /tmp/v256.bin -b 32 -t 1024 -v 0 -g 0 -sh 0 -r 0 -x 30
for g in 1 2; do
  rm -rf /tmp/ptout$g
  s=$(date +%s)
  GPUS=$g MODEL=mamba-130m TOKENS=2621440 VAL_EVERY=5 VAL_BATCHES=2 CKPT_EVERY=5 SAMPLE_EVERY=0 DATA=/tmp/ptdata/ts OUT=/tmp/ptout$g \
    bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json dev/data/tinyshakespeare.txt > /tmp/pt$g.log 2>&1
  echo "GPUS=$g rc $? wall $(( $(date +%s) - s )) s"
  grep -E "^pretraining|^total batch|^step|^val loss|^average|device memory|^done|error" /tmp/pt$g.log | head -16
  ls /tmp/ptout$g/hf
done
cp /tmp/pt1.log /tmp/pt2.log $OUT/
