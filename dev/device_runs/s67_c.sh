#!/bin/bash
# Written 2026-12-06 (sixty-seventh stop), nvidia-h100-x1 or nvidia-h200: the CLI suite on train_mamba_cu after -x 0
# generation learned to stop once stdout's reader has left (train_mamba.cu's sample loop)
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu)$' timeout 420 make -j16 "$NV" test > "$OUT/s67_c.log" 2>&1
echo "make test (test_cli_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s67_c.log" | cut -c1-300 | head -20
grep -E "generation_stops_at_closed_pipe|passed, " "$OUT/s67_c.log" | tail -5
# (the fix's mutant, cli_generation_past_closed_pipe, is left for a round with device time to spare: its CPU twin
# cpucli_generation_past_closed_pipe is killed by the same check)
(timeout 60 ./train_mamba_cu -e d32:l2:v256 -x 0 -p hello -g 100000000 2> /dev/null | head -c 10 > /dev/null; echo "fixed: rc ${PIPESTATUS[0]}")
