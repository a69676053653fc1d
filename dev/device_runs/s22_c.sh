#!/bin/bash
# session 22 run C (nvidia-h200): GPU make test over the conv backward with __restrict__ pointers (1afdbd3)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
python3 -c "import transformers, torch; print('transformers', transformers.__version__, 'torch', torch.__version__)"
start=$(date +%s)
timeout 560 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -30; grep -E "^=== |passed, " $OUT/test.log | tail -32
grep -E "_loss:" $OUT/test.log | grep -v adamw | head -20
grep -E "hf_export_loads|outlier_skipped|one_epoch|overfit_single|tokenizer_larger|optimizer_flags|greedy|accumulation" $OUT/test.log | head -30
