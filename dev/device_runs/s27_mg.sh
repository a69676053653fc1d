#!/bin/bash
# Prepared 2026-12-02 (twenty-sixth session in doc/perf.md) for the first multi-GPU machine lent (not run yet:
# only single H200s were lent that session). Run on nvidia-h200-x4 (or -x2: the scaling loop stops at the
# machine's GPU count), carry [".debs"]:
#   1. the multi-GPU suite (test/test_multi_gpu.sh, 2 GPUs; its stale_id_file_named check has never run);
#   2. issue 5's scaling: tokens/s per GPU for the 130m shape at B=8 T=2048 per GPU on 1, 2 and 4 GPUs,
#      -r 0 and -r 1, -z 0 and -z 1 (random tokens, 24 steps, the trainer's average excludes the first ones).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
nvidia-smi -L; nvidia-smi topo -m | head -8
gpus=$(nvidia-smi -L | wc -l)
make -s -j32 train_mamba_cu NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
python3 dev/data/tinyshakespeare.py > /dev/null 2>&1; echo "data rc $?"
python3 dev/data/random_shard.py /tmp/r50k.bin 50280 8000000 1 > /dev/null; echo "random shard rc $?"
timeout 300 bash test/test_multi_gpu.sh > $OUT/test_multi_gpu.log 2>&1; echo "test_multi_gpu rc $? at $(( $(date +%s) - start )) s: $(tail -n 1 $OUT/test_multi_gpu.log)"
grep -E "^FAIL" $OUT/test_multi_gpu.log | cut -c1-300
A=(-e mamba-130m -i /tmp/r50k.bin -j /tmp/r50k.bin -b 8 -t 2048 -x 24 -v 0 -g 0 -sh 0)
for r in 0 1; do
    for n in 1 2 4; do
        [ "$n" -le "$gpus" ] || continue
        for z in 0 1; do
            [ "$n" -gt 1 ] || [ "$z" -eq 0 ] || continue
            if [ "$n" -eq 1 ]; then cmd=(./train_mamba_cu "${A[@]}" -r $r -d 16384); else cmd=(bash scripts/multi_gpu.sh -n $n "${A[@]}" -r $r -z $z -d $(( 16384 * n ))); fi
            timeout 120 "${cmd[@]}" > /tmp/s.log 2>&1; rc=$?
            echo "-r $r, $n GPU(s), -z $z: rc $rc | $(grep -aE '^average' /tmp/s.log | sort -u | head -2 | tr '\n' ' ') | $(grep -aE 'device memory' /tmp/s.log | head -1) $(grep -ai error /tmp/s.log | head -1)"
        done
    done
done
echo "all done at $(( $(date +%s) - start )) s"
