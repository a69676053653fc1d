#!/bin/bash
# Written 2026-12-07 (seventy-second stop): s72_a.sh cut to what ~300 s of device time holds: test_hf_transformers (the
# fixture tokenizer's added-token ids as tokenizers gives them), then the stop's CLI checks of shared host code on
# train_mamba_cu (the same line ranges as s72_a.sh); multi_gpu_shm left out
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^test_hf_transformers$' timeout 200 make -j16 "$NV" test > "$OUT/s72_b.log" 2>&1
echo "make test (test_hf_transformers) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s72_b.log" | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " "$OUT/s72_b.log" | grep -v "SKIP\|^--- cpu_" | tail -6
timeout 120 make "$NV" train_mamba_cu > /dev/null 2>&1 || echo "train_mamba_cu build failed"
sed -n '224,228p;799,807p;878,885p;1114p;1118,1123p;1039,1040p;2439,2450p;2555,2564p' test/test_cli.sh > /tmp/s72_snip.sh
(BIN=./train_mamba_cu; TMP=$(mktemp -d); . test/check.sh; TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2)
 expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }; . /tmp/s72_snip.sh; finish_checks) 2>&1 | tee "$OUT/s72_b_cli.log" | tail -13
echo "done at $(( $(date +%s) - start )) s"
