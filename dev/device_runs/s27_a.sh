#!/bin/bash
# Run on 2026-12-02 (twenty-sixth session in doc/perf.md, branch next/generation-queued-2 = main 87ae49c + the change; results
# there, "Steps queued ahead of the host"): generation queues its steps ahead of the host (uniforms
# through a ring of 8 pinned slots, the host waiting only to reuse a slot), and the prompt is fed from pinned
# memory without copying logits to the host: s26_e's version with the review's fixes (O(8 G) pinned memory for
# the generated steps (the prompt's buffer still grew with it; ring of 8 slots since s27_d),
# the prompt not timed, no pageable source for a queued copy). Before running: git archive <the commit before> | tar -x
# -C .debs/prev; carry [".debs"]. Checks the output of the previous and the new trainer byte for byte
# (timing lines left out), tokens/s of both, and the CLI tests on train_mamba_cu. (After the run, the timing lines' echo
# was trimmed to the first flag and 30 characters of its value: it printed the script's name and the whole long prompt.)
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
for run in "mamba-130m 1 -gk 40" "d64:l4:v256 1 -gk 40 -p Hello_there" "d64:l4:v256 2 -p Hi" "mamba-130m 3" "mamba-130m 12 -gk 40" "d36:l3:v300 2" "d64:l2:v256 1 -g 3"; do
    set -- $run; m=$1; gb=$2; shift 2; extra=("${@//_/ }")
    timeout 60 /tmp/prev/train_mamba_cu -e $m -x 0 -p "" -g 40 -gb $gb "${extra[@]}" > /tmp/gen_prev.log 2>&1; ra=$?
    timeout 60 ./train_mamba_cu -e $m -x 0 -p "" -g 40 -gb $gb "${extra[@]}" > /tmp/gen_main.log 2>&1; rb=$?
    a=$(grep -avE "$F" /tmp/gen_prev.log | md5sum | cut -c1-12); b=$(grep -avE "$F" /tmp/gen_main.log | md5sum | cut -c1-12)
    if [ "$a" = "$b" ]; then echo "text [$run]: same, rc $ra/$rb ($(grep -avE "$F" /tmp/gen_main.log | wc -l) lines)"; else echo "text [$run]: DIFFERENT rc $ra/$rb"; diff <(grep -avE "$F" /tmp/gen_prev.log) <(grep -avE "$F" /tmp/gen_main.log) | head -6; fi
done
for run in "d384:l8:v256 1 -p $(head -c 3000 dev/data/tinyshakespeare.txt | tr -c 'a-zA-Z' '_')" "mamba-130m 1" "mamba-130m 1 -gk 40" "mamba-130m 8 -gk 40" "mamba-370m 1 -gk 40" "d64:l24:v256 1"; do
    set -- $run; m=$1; gb=$2; shift 2
    for bin in /tmp/prev/train_mamba_cu ./train_mamba_cu; do
        t=$(date +%s%N)
        timeout 60 $bin -e $m -x 0 -p "" -g 400 -gb $gb "$@" > /tmp/gen.log 2>&1; rc=$?
        echo "${bin%/train_mamba_cu} $m b$gb [${*:1:1} ${2:0:30}]: rc $rc, wall $(( ($(date +%s%N) - t) / 1000000 )) ms, $(grep -aE '^decode:' /tmp/gen.log)"
    done
done
BIN=./train_mamba_cu timeout $(( 300 - ($(date +%s) - start) )) bash test/test_cli.sh > $OUT/test_cli_cu.log 2>&1; echo "test_cli_cu rc $? at $(( $(date +%s) - start )) s: $(tail -n 1 $OUT/test_cli_cu.log)"
grep -E "^FAIL" $OUT/test_cli_cu.log | head -5
echo "all done at $(( $(date +%s) - start )) s"
