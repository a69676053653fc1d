#!/bin/bash
# Written 2026-12-05 (fifty-sixth stop), nvidia-h200: the host-side changes since s48_a (the stop line's -y, the note
# of what a resumed run does at a stopped step, -h into a full stdout, synthetic -i without -j refused, the PyTorch
# reader's local-header checks and single read, CRC-32 by slices of 8, the coverage round's CLI checks): the CLI suite
# on train_mamba_cu and test_mamba_cu. s48_c.sh follows on the same machine.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_mamba_cu)$' timeout 560 make -j16 "$NV" test > $OUT/test_b.log 2>&1
echo "make test (test_cli_cu, test_mamba_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test_b.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test_b.log | grep -v "SKIP\|^--- cpu_" | tail -6
