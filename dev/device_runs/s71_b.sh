#!/bin/bash
# Written 2026-12-06 (seventy-first stop), after s71_a.sh (same machine or another): the several-process suite on
# one GPU (a run's tokenizer.json is written by rank 0 alone) and test_hf_transformers (the fixture tokenizer's
# added-token ids now as tokenizers gives them; the exports' tokenizer.json read by transformers)
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(multi_gpu_shm|test_hf_transformers)$' timeout 560 make -j16 "$NV" test > "$OUT/s71_b.log" 2>&1
echo "make test (multi_gpu_shm, test_hf_transformers) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s71_b.log" | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " "$OUT/s71_b.log" | grep -v "SKIP\|^--- cpu_" | tail -8
