#!/bin/bash
# 2026-12-04 (forty-second session in doc/perf.md), nvidia-h200: -mc's clozes (LAMBADA: one completion, greedy
# accuracy and perplexity) and the per-character count's shared white space. make test's GPU suites (fixtures,
# test_mamba_cu bf16 + fp32 with the cloze checks, the transformers comparison of -mc's choices and of a cloze file
# with dev/ref/mc_ref.py, memcheck at -r 1 and -r 0), the speed of -mc on a LAMBADA-sized cloze file (5,153
# passages of 60 to 140 tokens, a last word of 1 to 3) at the 130m shape, then the CLI suite on train_mamba_cu.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|test_hf_transformers|memcheck_r1|memcheck_r0)$' MULTI_GPU_TESTS=0 timeout 400 make -j16 "$NV" test > $OUT/test1.log 2>&1
echo "make test (fixtures, test_mamba_cu, transformers, memcheck) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test1.log | head -20; grep -E "^=== |passed, " $OUT/test1.log | tail -20
grep -E "^(PASS|FAIL) .*(mc_|cloze)" $OUT/test1.log | head -20
python3 - /tmp/lb.bin <<'PY'
import random, struct, sys
r = random.Random(2)
out, longest, n = [], 0, 5153
for i in range(n):
    ctx = [r.randrange(50280) for _ in range(r.randint(60, 140))]
    comp = [r.randrange(50280) for _ in range(r.randint(1, 3))]
    ex = [65535, 0, i, 0, 1, len(ctx)] + ctx + [len(comp)] + comp
    ex[1] = 2 * len(ex)
    longest = max(longest, ex[1])
    out += ex
open(sys.argv[1], "wb").write(struct.pack("<256i", 20240522, 1, n, longest, *([0] * 252)) + struct.pack("<%dH" % len(out), *out))
PY
for run in 1 2; do
    ./train_mamba_cu -e mamba-130m -b 8 -t 2048 -x 0 -mc /tmp/lb.bin 2>&1 | grep -E '^(mc|cloze) accuracy|^error|^val loss|^note'
done
left=$(( 570 - ($(date +%s) - start) ))
TEST_ONLY='^(test_cli_cu)$' MULTI_GPU_TESTS=0 timeout $left make -j16 "$NV" test > $OUT/test2.log 2>&1
echo "make test (CLI on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s (limit $left s)"
grep -E "^FAIL" $OUT/test2.log | head -20; grep -E "mc_|passed, " $OUT/test2.log | tail -20
