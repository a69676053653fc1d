#!/bin/bash
# 2026-12-04 (fortieth session in doc/perf.md), nvidia-h200: s41_a.sh again after the review's mends of -mc (b1cb026).
# make test's GPU suites (fixtures, test_mamba_cu bf16 + fp32 with their -mc checks, the transformers
# comparison with dev/ref/mc_ref.py, memcheck at -r 1 and -r 0 with -mc), then the CLI suite on
# train_mamba_cu, then the speed of -mc on a HellaSwag-sized file (10,042 examples x 4 endings of random
# tokens at GPT-NeoX-like lengths) on the 130m shape.
set -u
nvidia-smi -L
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
NV='NVCC_FLAGS=-O3 --threads 0 -gencode arch=compute_90,code=sm_90'
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|test_hf_transformers|memcheck_r1|memcheck_r0)$' MULTI_GPU_TESTS=0 timeout 400 make -j16 "$NV" test > $OUT/test1.log 2>&1
echo "make test (fixtures, test_mamba_cu, transformers, memcheck) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test1.log | head -20; grep -E "mc_|^=== |passed, " $OUT/test1.log | grep -v '^PASS.*mamba_tiny\|^PASS.*small2' | tail -40
grep -E "^(PASS|FAIL) .*mc_" $OUT/test1.log | head -12
# -mc on the 130m shape: a HellaSwag-sized file of random tokens (contexts 40-120, endings 10-40 tokens)
python3 - /tmp/hs.bin <<'PY'
import random, struct, sys
r = random.Random(1)
out, longest, n = [], 0, 10042
for i in range(n):
    ex = [65535, 0, i % 65536, r.randrange(4), 4]
    ctx = [r.randrange(50280) for _ in range(r.randint(40, 120))]
    ex += [len(ctx)] + ctx
    for _ in range(4):
        e = [r.randrange(50280) for _ in range(r.randint(10, 40))]
        ex += [len(e)] + e
    ex[1] = 2 * len(ex)
    longest = max(longest, ex[1])
    out += ex
open(sys.argv[1], "wb").write(struct.pack("<256i", 20240522, 1, n, longest, *([0] * 252)) + struct.pack("<%dH" % len(out), *out))
PY
python3 dev/data/random_shard.py /tmp/r_val.bin 50280 400000 > /dev/null
for run in 1 2; do
    ./train_mamba_cu -e mamba-130m -b 8 -t 2048 -x 0 -m 1 -i /tmp/r_val.bin -j /tmp/r_val.bin -mc /tmp/hs.bin 2>&1 | grep -E '^mc accuracy|^error'
done
left=$(( 570 - ($(date +%s) - start) ))
TEST_ONLY='^(test_cli_cu)$' MULTI_GPU_TESTS=0 timeout $left make -j16 "$NV" test > $OUT/test2.log 2>&1
echo "make test (CLI on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s (limit $left s)"
grep -E "^FAIL" $OUT/test2.log | head -20; grep -E "mc_|passed, " $OUT/test2.log | tail -20
