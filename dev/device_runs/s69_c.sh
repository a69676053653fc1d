#!/bin/bash
# Written 2026-12-06 (sixty-ninth stop), nvidia-h100-x1 or nvidia-h200: what s69_b.sh would have run, cut to the device
# time left (~300 s): train_mamba_cu built, then, on it, the checks of test/test_cli.sh whose code changed after
# s69_a.sh's tree (d38c90f): -x 0's generation into a full stdout, the whole -hf section (older weights, a directory of
# their name, generation_config.json, the shipped tokenizer's ids, a byte-level model's own tokenizer.json), the resume
# section up to -sd seeding the samples of a checkpoint, and -x 0 -y 1's optimizer-flag note; then test_hf_transformers
set -u
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba train_mamba_cu data > "$OUT/s69_c_build.log" 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
s=$(grep -n '^# ... which -x 0.s generation meets at once, one sequence or several' test/test_cli.sh | cut -d: -f1)
h=$(grep -n "^# -hf writes the run's tokenizer.json next to the model" test/test_cli.sh | cut -d: -f1)
he=$(grep -n '^then ok "hf_export_removes_stale_tokenizer"' test/test_cli.sh | cut -d: -f1)
r=$(grep -n '^# --- checkpoints and resume: 10 steps straight vs 5 + resume 5, bitwise' test/test_cli.sh | cut -d: -f1)
re=$(grep -n '^else bad "sampling_follows_seed_from_checkpoint"' test/test_cli.sh | cut -d: -f1)
f=$(grep -n '^cp -r "$A" "$TMP/flags"' test/test_cli.sh | cut -d: -f1)
fe=$(grep -n '^then ok "eval_only_resume_no_flag_note"' test/test_cli.sh | cut -d: -f1)
{
    echo "BIN=${BIN:-./train_mamba_cu}; TMP=\$(mktemp -d); source test/check.sh; CPU=${CPU:-0}"
    echo 'TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2); expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }'
    grep '^gen_text() {' test/test_cli.sh; grep '^le32() {' test/test_cli.sh
    sed -n "$s,$((s + 8))p" test/test_cli.sh
    sed -n "$h,${he}p" test/test_cli.sh
    sed -n "$r,${re}p" test/test_cli.sh
    sed -n "$f,${fe}p" test/test_cli.sh
    echo finish_checks
} > /tmp/s69_c_checks.sh
timeout 200 bash /tmp/s69_c_checks.sh > "$OUT/s69_c.log" 2>&1; echo "checks rc $? at $(( $(date +%s) - start )) s"
grep -E '^FAIL' "$OUT/s69_c.log" | cut -c1-300; grep -E 'passed, ' "$OUT/s69_c.log"
timeout 90 bash test/test_hf_transformers.sh > "$OUT/s69_c_hft.log" 2>&1; echo "test_hf_transformers rc $? at $(( $(date +%s) - start )) s"
grep -E '^(FAIL|SKIP)|passed, ' "$OUT/s69_c_hft.log" | cut -c1-300
