#!/bin/bash
# session 23 run B (nvidia-h200): the device sampler for top-k / top-p (llmc/cuda/sampler.cuh). GPU `make test`
# (the new sampler checks in test_mamba_cu, the CLI's sampling checks on train_mamba_cu), then generation
# speed of the 130m shape (random weights), old trainer (.debs/prev: `git archive 740f2f0`, the last commit
# before the change, host sampling for -gk / -gp) against the new one, alternated.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
(cd .debs/prev && make -s train_mamba_cu NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90") > $OUT/build_prev.log 2>&1 & pb=$!
timeout 480 make -j16 test > $OUT/make_test.log 2>&1; echo "make test rc $? at $(( $(date +%s) - start )) s"
grep -E "^(PASS|FAIL|SKIP).*sampler|^FAIL|passed, .* failed" $OUT/make_test.log | tail -30
wait $pb; echo "prev build rc $? at $(( $(date +%s) - start )) s"
gen() { # binary name flags...
    local bin=$1 name=$2; shift 2
    timeout 60 $bin -e mamba-130m -x 0 -p "" -g 200 "$@" > $OUT/gen_$name.log 2>&1
    echo "$name: rc $? $(grep -E '^decode:' $OUT/gen_$name.log)"
}
for r in 1 2; do
    for gb in 1 64; do
        gen .debs/prev/train_mamba_cu prev_all_b${gb}_$r -gb $gb
        gen ./train_mamba_cu new_all_b${gb}_$r -gb $gb
        gen .debs/prev/train_mamba_cu prev_k40_b${gb}_$r -gb $gb -gk 40
        gen ./train_mamba_cu new_k40_b${gb}_$r -gb $gb -gk 40
        gen .debs/prev/train_mamba_cu prev_p90_b${gb}_$r -gb $gb -gp 0.9
        gen ./train_mamba_cu new_p90_b${gb}_$r -gb $gb -gp 0.9
        gen .debs/prev/train_mamba_cu prev_k50p95_b${gb}_$r -gb $gb -gk 50 -gp 0.95
        gen ./train_mamba_cu new_k50p95_b${gb}_$r -gb $gb -gk 50 -gp 0.95
    done
done
echo "all done at $(( $(date +%s) - start )) s"
