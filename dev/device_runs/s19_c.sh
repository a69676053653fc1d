#!/bin/bash
# session 19 run C (nvidia-h200): the reproductions the nineteenth session's review questioned, again with the
# current code: induction heads at 100K steps for four seeds, each length measured on 256 sequences (VAL_SEQS,
# EVAL_B=8), and tinyshakespeare at 300 / 400 / 600 / 1200 steps (the val loss of the model the run ends with)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L; git log --oneline | head -1
start=$(date +%s)
make -j16 train_mamba_cu > $OUT/build.log 2>&1 || { echo "build failed"; tail $OUT/build.log; exit 1; }
echo "built at $(( $(date +%s) - start )) s"
make -s data > /dev/null
for steps in 300 400 600 1200; do
    STEPS=$steps GEN=0 bash scripts/run_tinyshakespeare.sh $OUT/ts_$steps > $OUT/ts_$steps.out 2>&1
    last=$(grep ' tel:' $OUT/ts_$steps/main.log | tail -n 1)
    echo "tinyshakespeare STEPS=$steps: $(tail -n 1 $OUT/ts_$steps.out) | last val: $last | $(grep '^step' $OUT/ts_$steps.out | tail -n 1 | tail -c 60)"
    rm -f $OUT/ts_$steps/*.bin
done
echo "tinyshakespeare done at $(( $(date +%s) - start )) s"
for seed in 1337 1 2 3; do
    SEL=1 SEED=$seed VAL_SEQS=256 EVAL_B=8 bash scripts/run_synthetic.sh $OUT/syn_$seed 100000 1 > $OUT/syn_$seed.out 2>&1
    echo "seed $seed (rc $?, at $(( $(date +%s) - start )) s):"; grep -E "^== induction|accuracy" $OUT/syn_$seed/induction_s1_lengths.txt $OUT/syn_$seed.out | grep -v copy | head -12
    grep "train loss\|^s:100000 " $OUT/syn_$seed/induction_s1/main.log | tail -n 2
    rm -f $OUT/syn_$seed/induction_s1/*.bin $OUT/syn_$seed/copy_s1/*.bin
done
echo "all done at $(( $(date +%s) - start )) s"
