#!/bin/bash
# 2026-12-04 (forty-first session in doc/perf.md), nvidia-h200: -mc's per-character choice (lm-evaluation-harness's
# acc_norm) and -x 0 without -j. make test's GPU suites (fixtures, test_mamba_cu bf16 + fp32 with the -mc
# per-character checks, the transformers comparison of all three choices with dev/ref/mc_ref.py, memcheck at -r 1 and
# -r 0 with -mc), the speed of -mc on a HellaSwag-sized file as in s41_b.sh (now with a tokenizer-less vocabulary:
# no per-character choice), lm_eval's own hellaswag preprocess against dev/ref/hellaswag_lmeval.py where the machine
# has lm_eval, then the CLI suite on train_mamba_cu.
set -u
nvidia-smi -L
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
NV='NVCC_FLAGS=-O3 --threads 0 -gencode arch=compute_90,code=sm_90'
python3 -c "import lm_eval, sys; print('lm_eval', lm_eval.__version__ if hasattr(lm_eval, '__version__') else '?')" 2>&1 | tail -1
python3 -c "import tokenizers; print('tokenizers', tokenizers.__version__)" 2>&1 | tail -1
TEST_ONLY='^(gpu_fixtures|test_mamba_cu|test_mamba_cu_fp32|test_hf_transformers|memcheck_r1|memcheck_r0)$' MULTI_GPU_TESTS=0 timeout 400 make -j16 "$NV" test > $OUT/test1.log 2>&1
echo "make test (fixtures, test_mamba_cu, transformers, memcheck) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test1.log | head -20; grep -E "^=== |passed, " $OUT/test1.log | tail -20
grep -E "^(PASS|FAIL) .*mc_" $OUT/test1.log | head -14
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
for run in 1 2; do
    ./train_mamba_cu -e mamba-130m -b 8 -t 2048 -x 0 -mc /tmp/hs.bin 2>&1 | grep -E '^mc accuracy|^error|^val loss|^note'
done
# lm_eval's own preprocess (where installed) on test_tokenize.sh's inputs, against ours
if python3 -c "import lm_eval.tasks.hellaswag.utils" 2>/dev/null; then
    python3 - <<'PY'
import json, sys
sys.path.insert(0, "dev/ref")
import hellaswag_lmeval as ours
from lm_eval.tasks.hellaswag import utils
docs = [{"activity_label": "Home", "ctx_a": "[header] How to [title] Choose. [step] Look.", "ctx_b": "YOU  [substeps] daily \u00c9T\u00c9",
         "endings": ["  [title] Water it.   Then [step] wait.  ", "[open\n] stays", "a]b[c]d[e\nf]g"], "label": "0"}]
for d in docs:
    q = utils.preprocess(d["activity_label"] + ": " + d["ctx_a"] + " " + d["ctx_b"].capitalize())
    r = ours.render(d)
    print("lm_eval preprocess agrees:", q == r["context"] and [utils.preprocess(e) for e in d["endings"]] == r["choices"])
PY
else
    echo "no lm_eval on this machine"
fi
left=$(( 570 - ($(date +%s) - start) ))
TEST_ONLY='^(test_cli_cu)$' MULTI_GPU_TESTS=0 timeout $left make -j16 "$NV" test > $OUT/test2.log 2>&1
echo "make test (CLI on train_mamba_cu) rc $? at $(( $(date +%s) - start )) s (limit $left s)"
grep -E "^FAIL" $OUT/test2.log | head -20; grep -E "mc_|passed, " $OUT/test2.log | tail -20
