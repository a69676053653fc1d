#!/bin/bash
# 2026-12-02 (twenty-sixth session in doc/perf.md), nvidia-h200: generation's prompt through a ring of 8
# pinned slots (it had a pinned buffer of n x batch ints). Before running: git archive HEAD (the commit
# before the change) | tar -x -C .debs/prev; carry [".debs"]. Text byte for byte against the previous trainer
# (timing lines left out) on prompts shorter than, equal to and longer than the ring, batches 1-3 and 12
# (12: the per-operation step), then the CLI tests on train_mamba_cu as time allows.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
SM90="-O3 --threads 0 -gencode arch=compute_90,code=sm_90"
cp -r .debs/prev /tmp/prev
(cd /tmp/prev && make -s train_mamba_cu NVCC_FLAGS="$SM90" > $OUT/build_prev.log 2>&1; echo "prev build rc $?") &
make -s train_mamba_cu NVCC_FLAGS="$SM90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
python3 dev/data/tinyshakespeare.py > /dev/null 2>&1; echo "data rc $?"
wait
F="decode:|tokens/s|MiB|GiB| ms"
LONG=$(head -c 3000 dev/data/tinyshakespeare.txt | tr -c 'a-zA-Z' '_')
for run in "d64:l4:v256 1 -p Hi" "d64:l4:v256 1 -p 12345678" "d64:l4:v256 3 -p 123456789" "d64:l4:v256 2 -p $LONG" "d384:l8:v256 1 -p $LONG" "d64:l4:v256 12 -p $LONG" "mamba-130m 2 -gk 40" "d64:l2:v256 1 -g 3 -p $LONG"; do
    set -- $run; m=$1; gb=$2; shift 2; extra=("${@//_/ }")
    timeout 60 /tmp/prev/train_mamba_cu -e $m -x 0 -g 40 -gb $gb "${extra[@]}" > /tmp/gen_prev.log 2>&1; ra=$?
    timeout 60 ./train_mamba_cu -e $m -x 0 -g 40 -gb $gb "${extra[@]}" > /tmp/gen_main.log 2>&1; rb=$?
    a=$(grep -avE "$F" /tmp/gen_prev.log | md5sum | cut -c1-12); b=$(grep -avE "$F" /tmp/gen_main.log | md5sum | cut -c1-12)
    label="$m b$gb ${1:-} ${2:0:20}"
    if [ "$a" = "$b" ]; then echo "text [$label]: same, rc $ra/$rb ($(grep -avE "$F" /tmp/gen_main.log | wc -l) lines, $(grep -avE "$F" /tmp/gen_main.log | wc -c) bytes)"
    else echo "text [$label]: DIFFERENT rc $ra/$rb"; diff <(grep -avE "$F" /tmp/gen_prev.log) <(grep -avE "$F" /tmp/gen_main.log) | head -6 | cut -c1-200; fi
done
for bin in /tmp/prev/train_mamba_cu ./train_mamba_cu; do
    timeout 60 $bin -e mamba-130m -x 0 -p "" -g 400 -gb 1 > /tmp/gen.log 2>&1
    echo "${bin%/train_mamba_cu} 130m b1: rc $? $(grep -aE '^decode:' /tmp/gen.log)"
done
left=$(( 255 - ($(date +%s) - start) ))
echo "CLI tests with ${left} s left"
BIN=./train_mamba_cu timeout $left bash test/test_cli.sh > $OUT/test_cli_cu.log 2>&1; echo "test_cli_cu rc $? at $(( $(date +%s) - start )) s: $(tail -n 1 $OUT/test_cli_cu.log)"
grep -E "^FAIL" $OUT/test_cli_cu.log | head -5
echo "all done at $(( $(date +%s) - start )) s"
