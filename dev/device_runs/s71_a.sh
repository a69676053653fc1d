#!/bin/bash
# Written 2026-12-06 (seventy-first stop), nvidia-h100-x1 or nvidia-h200: the stop's host changes on a GPU machine:
# state-header range checks, -o / -hf trailing slashes, a run's tokenizer.json kept in -o (rank 0 of the GPU trainer
# writes it), tokenizer.json added-token ids as Hugging Face assigns them (the fixture's <|pad|> is now 268), 32-bit
# token lengths, singular counts, the unused -m note: test_mamba_cu, the CLI suite on train_mamba_cu and durability
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_mamba_cu|test_cli_cu|test_durability_cu)$' timeout 560 make -j16 "$NV" test > "$OUT/s71_a.log" 2>&1
echo "make test (test_mamba_cu, test_cli_cu, test_durability_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s71_a.log" | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " "$OUT/s71_a.log" | grep -v "SKIP\|^--- cpu_" | tail -8
