#!/bin/bash
# Written 2026-12-06 (seventieth stop), nvidia-h100-x1 or nvidia-h200: s70_a.sh cut to the device time left after calls
# that got no machine: train_mamba_cu alone built, make train_bin and run_tinyshakespeare.sh's choice of it, then the
# CLI suite on it with what time is left (the FAIL lines and the count of checks run come back either way)
set -u
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu data dev/data/prepare_bytes > "$OUT/s70_b_build.log" 2>&1
echo "build rc $? at $(( $(date +%s) - start )) s"
echo "make train_bin: $(make -s train_bin 2>&1 | tr '\n' ' ')"
STEPS=30 MODEL=d64:l2:v256 B=8 T=128 VAL_EVERY=10 VAL_BATCHES=4 timeout 60 bash scripts/run_tinyshakespeare.sh /tmp/ts70 > "$OUT/s70_b_ts.log" 2>&1
echo "run_tinyshakespeare.sh rc $? at $(( $(date +%s) - start )) s"; grep -E "train_mamba|^val loss|error|note" "$OUT/s70_b_ts.log" | cut -c1-200 | tail -4
left=$(( ${BUDGET:-330} - ($(date +%s) - start) ))
BIN=./train_mamba_cu timeout "$left" bash test/test_cli.sh > "$OUT/s70_b_cli.log" 2>&1 # (as make test's test_cli_cu runs it)
echo "test_cli on train_mamba_cu rc $? at $(( $(date +%s) - start )) s (limit $left s): $(grep -c '^PASS' "$OUT/s70_b_cli.log") PASS lines"
grep -E "^FAIL" "$OUT/s70_b_cli.log" | cut -c1-300 | head -20
grep -E "passed, " "$OUT/s70_b_cli.log" | tail -2; tail -n 1 "$OUT/s70_b_cli.log" | cut -c1-200
