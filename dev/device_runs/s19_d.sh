#!/bin/bash
# session 19 run D (nvidia-h200): GPU make test after the diff review's fixes (the conv grids in parts of 3 checked
# bitwise in test_mamba_cu, "val batches", the narrower synthetic refusals), then the time of run_synthetic.sh's
# length evaluations at the default EVAL_B=1 (32 sequences per length, to scale to VAL_SEQS=256)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
timeout 450 make -j16 test > $OUT/test.log 2>&1; echo "make test rc $? in $(( $(date +%s) - start )) s"
grep -E "^FAIL|^SKIP" $OUT/test.log | head -20; grep -E "^=== |passed, " $OUT/test.log | tail -30
grep -E "conv_grid_in_parts|synthetic_|val batches" $OUT/test.log | head -20
for p in 12 16 18 20; do
    t0=$(date +%s.%N)
    SEL=1 VAL_SEQS=32 LENGTHS="$p" timeout 100 bash scripts/run_synthetic.sh /tmp/synt_$p 1 1 > $OUT/synt_$p.out 2>&1
    t1=$(date +%s.%N)
    grep "L=2^" $OUT/synt_$p.out
    echo "L=2^$p: script $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.1f", b - a }') s (two 1-step trainings + 32 sequences at batch 1)"
done
