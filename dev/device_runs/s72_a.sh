#!/bin/bash
# Written 2026-12-07 (seventy-second stop), nvidia-h100-x1 or nvidia-h200: s71_b.sh (the several-process suite on one
# GPU, test_hf_transformers), then the two CLI checks that failed on train_mamba_cu in s71_a.sh and were mended:
# one_step_singular (the batch line's "x 1 process", singular now) and keep_last_k_removes_incomplete_checkpoints (ls
# in C's order; the device's locale sorted DONE_ after commands.txt), and the stop's new checks of code the GPU trainer
# shares: tokenizer_range_warning_after_the_sample, default_tokenizer_missing_prompt, text_file_as_shard (+ short_,
# binary_file_as_shard_not_text), formats_doc_reader, eval_only_prompt_g0_unused_sampling_flags_noted (line ranges of test/test_cli.sh as of the seventy-third stop)
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(multi_gpu_shm|test_hf_transformers)$' timeout 300 make -j16 "$NV" test > "$OUT/s72_a.log" 2>&1
echo "make test (multi_gpu_shm, test_hf_transformers) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s72_a.log" | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " "$OUT/s72_a.log" | grep -v "SKIP\|^--- cpu_" | tail -8
make "$NV" train_mamba_cu > /dev/null 2>&1 || echo "train_mamba_cu build failed"
sed -n '224,228p;799,807p;878,885p;1114p;1118,1123p;1039,1040p;2439,2450p;2555,2564p' test/test_cli.sh > /tmp/s72_snip.sh
(BIN=./train_mamba_cu; TMP=$(mktemp -d); . test/check.sh; TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2)
 expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }; . /tmp/s72_snip.sh; finish_checks) 2>&1 | tee "$OUT/s72_a_cli.log" | tail -12
