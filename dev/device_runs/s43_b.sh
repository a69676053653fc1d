#!/bin/bash
# 2026-12-04 (forty-second session in doc/perf.md), nvidia-h200: eval file version 2 (WinoGrande: completions whose
# first tokens are context) and the review's fixes (per-row greedy flags checked against the rows alone). make test's
# GPU suites (fixtures, test_mamba_cu bf16 + fp32, the transformers comparisons incl. a WinoGrande file, memcheck),
# -mc on a WinoGrande-sized version 2 file (1,267 examples, 2 choices) at the 130m shape, then the CLI suite on
# train_mamba_cu.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|test_hf_transformers|memcheck_r1|memcheck_r0)$' MULTI_GPU_TESTS=0 timeout 400 make -j16 "$NV" test > $OUT/test1.log 2>&1
echo "make test (fixtures, test_mamba_cu, transformers, memcheck) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test1.log | head -20; grep -E "^=== |passed, " $OUT/test1.log | tail -20
grep -E "^(PASS|FAIL) .*(transformers|context_in|version2)" $OUT/test1.log | head -12
grep -E "^(PASS|FAIL) .*cloze_matches_each.*(tiny|cpu_t8192).*train_shape" $OUT/test1.log | head -6
python3 - /tmp/wg.bin <<'PY'
import random, struct, sys
r = random.Random(3)
out, longest, n = [], 0, 1267
for i in range(n):
    ctx = [r.randrange(50280) for _ in range(r.randint(3, 20))]
    cont = [r.randrange(50280) for _ in range(r.randint(2, 12))]
    ex = [65535, 0, i, r.randrange(2), 2, len(ctx)] + ctx
    for _ in range(2):
        opt = [r.randrange(50280) for _ in range(r.randint(1, 4))]
        ex += [len(opt) + len(cont), len(opt)] + opt + cont
    ex[1] = 2 * len(ex)
    longest = max(longest, ex[1])
    out += ex
open(sys.argv[1], "wb").write(struct.pack("<256i", 20240522, 2, n, longest, *([0] * 252)) + struct.pack("<%dH" % len(out), *out))
PY
for run in 1 2; do
    ./train_mamba_cu -e mamba-130m -b 8 -t 2048 -x 0 -mc /tmp/wg.bin 2>&1 | grep -E '^(mc|cloze) accuracy|^error|^val loss'
done
left=$(( 570 - ($(date +%s) - start) ))
TEST_ONLY='^(test_cli_cu)$' MULTI_GPU_TESTS=0 timeout $left make -j16 "$NV" test > $OUT/test2.log 2>&1
echo "make test (CLI on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s (limit $left s)"
grep -E "^FAIL" $OUT/test2.log | head -20; grep -E "mc_(cloze|winogrande|version)|passed, " $OUT/test2.log | tail -8
