#!/bin/bash
# Written 2026-12-05 (fifty-sixth stop), nvidia-h200: s47_a.sh (the CLI suite on train_mamba_cu and test_mamba_cu,
# on the host-side changes not yet run on a GPU), then the standing benchmark (bench.sh 30 -r 0) on the same build.
set -u
bash dev/device_runs/s47_a.sh
cp $OUT/test.log $OUT/test_s47a.log 2>/dev/null
. dev/device_runs/setup.sh
timeout 200 bash scripts/bench.sh 30 -r 0 > $OUT/bench.log 2>&1
echo "bench rc $? at $(( $(date +%s) - start )) s"
grep -E "tok/s|ms|GiB|GHz|scan" $OUT/bench.log | head -30
