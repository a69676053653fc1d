#!/bin/bash
# Written 2026-12-06 (seventieth stop), nvidia-h100-x1 or nvidia-h200: the stop's host changes on a GPU machine. The run
# scripts now take the trainer `make train` would (make train_bin: train_mamba_cu where a GPU and nvcc are), so
# run_tinyshakespeare.sh at a small size says which one it ran; then the CLI suite on train_mamba_cu (the new notes of
# -x 0's training flags and of -g 0's sampling flags, -x 0 -y 1 from a read-only -o, the resume notes and errors that
# name more, a tied lm_head's note, a -j without -i refused, the shard patterns' errors: host code it shares with the
# CPU trainer)
set -u
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba train_mamba_cu data dev/data/prepare_bytes dev/data/tokenize > "$OUT/s70_a_build.log" 2>&1
echo "build rc $? at $(( $(date +%s) - start )) s"
echo "make train_bin: $(make -s train_bin 2>&1 | tr '\n' ' ')"
STEPS=30 MODEL=d64:l2:v256 B=8 T=128 VAL_EVERY=10 VAL_BATCHES=4 timeout 120 bash scripts/run_tinyshakespeare.sh /tmp/ts70 > "$OUT/s70_a_ts.log" 2>&1
echo "run_tinyshakespeare.sh rc $? at $(( $(date +%s) - start )) s"; grep -E "train_mamba|^val loss|error|note" "$OUT/s70_a_ts.log" | cut -c1-200 | tail -6
grep -m1 -E "^\| (device|GPU)" "$OUT/s70_a_ts.log"; head -c 300 /tmp/ts70/commands.txt; echo
BIN=./train_mamba_cu timeout 420 bash test/test_cli.sh > "$OUT/s70_a_cli.log" 2>&1 # (as make test's test_cli_cu runs it)
echo "test_cli on train_mamba_cu rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s70_a_cli.log" | cut -c1-300 | head -20
grep -E "^SKIP|passed, " "$OUT/s70_a_cli.log" | tail -4
