#!/bin/bash
# Written 2026-12-06 (seventieth stop), nvidia-h100-x1 or nvidia-h200: s70_b.sh cut further, to ~400 s of device time
# with the start: train_mamba_cu built, make train_bin and run_tinyshakespeare.sh's choice of it, then the checks of
# test/test_cli.sh that the stop added or changed (-g 0's and -x 0's notes, -j without -i, the shard patterns' errors,
# -e of a run's directory or a cut export, the resumed length's note, -x 0 -y 1 from a read-only -o) on train_mamba_cu;
# then the whole CLI suite for what time is left
set -u
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu data dev/data/prepare_bytes > "$OUT/s70_c_build.log" 2>&1
echo "build rc $? at $(( $(date +%s) - start )) s"
echo "make train_bin: $(make -s train_bin 2>&1 | tr '\n' ' ')"
STEPS=30 MODEL=d64:l2:v256 B=8 T=128 VAL_EVERY=10 VAL_BATCHES=4 timeout 60 bash scripts/run_tinyshakespeare.sh /tmp/ts70 > "$OUT/s70_c_ts.log" 2>&1
echo "run_tinyshakespeare.sh rc $? at $(( $(date +%s) - start )) s"; grep -E "train_mamba|^val loss|error|note" "$OUT/s70_c_ts.log" | cut -c1-200 | tail -4
f=test/test_cli.sh
at() { grep -n -- "$1" "$f" | head -n 1 | cut -d: -f1; }
{
    echo "BIN=${BIN:-./train_mamba_cu}; TMP=\$(mktemp -d); source test/check.sh; CPU=${CPU:-0}; BIN_ABS=\$(pwd)/\${BIN#./}"
    echo 'TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2); expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }'
    echo 'TSD=dev/data/tinyshakespeare; TSV=dev/data/tinyshakespeare/tiny_shakespeare_val.bin'
    sed -n "$(at '^mkdir -p "$TMP/emptydir"'),$(( $(at 'train_data_dangling_link') + 1 ))p" "$f"
    sed -n "$(at "^# ... and the other way round: a -j of one's own"),$(( $(at 'ok "default_val_data_other_spelling"') + 1 ))p" "$f"
    sed -n "$(at "^# ... and a training run's other sampling flags"),$(( $(at 'ok "train_sampling_flags_g0_noted"') ))p" "$f"
    sed -n "$(at '^# ... and so are the flags only training reads'),$(( $(at 'ok "eval_only_training_flags_noted"') ))p" "$f"
    echo 'A="$TMP/a"; "$BIN" "${TINY[@]}" -x 10 -n 5 -o "$A" -s 5 -g 8 > "$TMP/a.out" 2>&1'
    sed -n "$(at '^# resuming with another -x is allowed'),$(( $(at 'ok "resume_longer_in_warmup_no_jump"') ))p" "$f"
    echo '"$BIN" "${TINY[@]}" -x 10 -v 10 -m 3 -o "$TMP/ev" > /dev/null 2>&1'
    sed -n "$(at '^# ... also from a directory this user cannot write'),$(( $(at 'echo "SKIP eval_only_resume_from_read_only_dir') + 1 ))p" "$f"
    echo finish_checks
} > /tmp/s70_c_checks.sh
timeout 150 bash /tmp/s70_c_checks.sh > "$OUT/s70_c_changed.log" 2>&1; echo "changed checks rc $? at $(( $(date +%s) - start )) s"
grep -E '^(FAIL|SKIP)' "$OUT/s70_c_changed.log" | cut -c1-300; grep -E 'passed, ' "$OUT/s70_c_changed.log"
left=$(( ${BUDGET:-280} - ($(date +%s) - start) ))
[ "$left" -gt 10 ] || exit 0
BIN=./train_mamba_cu timeout "$left" bash test/test_cli.sh > "$OUT/s70_c_cli.log" 2>&1 # (as make test's test_cli_cu runs it)
echo "test_cli on train_mamba_cu rc $? at $(( $(date +%s) - start )) s (limit $left s): $(grep -c '^PASS' "$OUT/s70_c_cli.log") PASS lines"
grep -E "^FAIL" "$OUT/s70_c_cli.log" | cut -c1-300 | head -20; grep -E "passed, " "$OUT/s70_c_cli.log" | tail -1
