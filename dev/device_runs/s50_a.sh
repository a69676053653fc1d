#!/bin/bash
# Written 2026-12-05 (fifty-eighth stop), nvidia-h100-x1 after s49_a.sh on the same machine (its build kept):
# s49_b.sh (test_hf_transformers: torch_save_without_crc_reads_*, transformers_sharded_bin_reads_*), then the
# standing benchmark (bench.sh 30 -r 0) on the H100, the targets' card. About 110 + 200 s.
set -u
bash dev/device_runs/s49_b.sh
. dev/device_runs/setup.sh
timeout 220 bash scripts/bench.sh 30 -r 0 > $OUT/bench.log 2>&1
echo "bench rc $? at $(( $(date +%s) - start )) s"
grep -E "tok/s|ms|GiB|GHz|scan" $OUT/bench.log | head -30
