#!/bin/bash
# session 15 run B: doc/results.md's runs again with the current code (tinyshakespeare, the synthetic
# tasks at the script's defaults and the long selective runs), logs and lengths under $OUT
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
export CUDA_VISIBLE_DEVICES=0
nvidia-smi -L
make -j16 train_mamba_cu train_mamba > $OUT/build.log 2>&1 || { tail -5 $OUT/build.log; exit 1; }
t() { local s=$(date +%s); "$@"; echo "[$(( $(date +%s) - s )) s] $*"; }
t timeout 120 bash scripts/run_tinyshakespeare.sh /tmp/ts > $OUT/tinyshakespeare.txt 2>&1; tail -4 $OUT/tinyshakespeare.txt
cp /tmp/ts/main.log $OUT/tinyshakespeare_main.log 2>/dev/null
t timeout 200 bash scripts/run_synthetic.sh /tmp/syn > $OUT/synthetic_default.txt 2>&1; grep -iE "accuracy|^L=|error" $OUT/synthetic_default.txt | tail -30
mkdir -p $OUT/syn_default; cp /tmp/syn/*.txt $OUT/syn_default/ 2>/dev/null; for d in /tmp/syn/*/; do cp $d/main.log $OUT/syn_default/$(basename $d)_main.log 2>/dev/null; done
t timeout 220 env SEL=1 bash scripts/run_synthetic.sh /tmp/synl 30000 20000 > $OUT/synthetic_long.txt 2>&1; grep -iE "accuracy|^L=|error" $OUT/synthetic_long.txt | tail -30
mkdir -p $OUT/syn_long; cp /tmp/synl/*.txt $OUT/syn_long/ 2>/dev/null; for d in /tmp/synl/*/; do cp $d/main.log $OUT/syn_long/$(basename $d)_main.log 2>/dev/null; done
