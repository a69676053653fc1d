#!/bin/bash
# Written 2026-12-07 (seventy-second stop): what ~200 s of device time holds: test_hf_transformers with the CPU trainer
# alone (no train_mamba_cu built: its exports are the same code), for the fixture tokenizer's added-token ids as
# tokenizers gives them and the exports' tokenizer.json read by transformers
set -u
. dev/device_runs/setup.sh
make train_mamba dev/data/tokenize dev/data/prepare_bytes > "$OUT/s72_c_build.log" 2>&1 || echo "build failed"
make data >> "$OUT/s72_c_build.log" 2>&1
timeout 200 bash test/test_hf_transformers.sh > "$OUT/s72_c.log" 2>&1
echo "test_hf_transformers rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|SKIP|passed, " "$OUT/s72_c.log" | cut -c1-300 | head -20
