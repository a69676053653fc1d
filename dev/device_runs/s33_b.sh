#!/bin/bash
# 2026-12-03 (thirty-second session in doc/perf.md), nvidia-h200: the survivors of s33_a.sh (two calls) against
# the new checks (test_mamba.cu: gradient accumulation per fixture, accuracy with tied maxima; gpu_fixtures.sh:
# T = 41 / 23 at C = 1536 / 2560, a C = 18 expand-4 fixture). The unmutated tree runs first and must pass both
# builds, so this is also the bf16 and fp32 test_mamba_cu run of the new checks. Second call (C = 18 fixture at
# T = 256 instead of 64, so every row lane of the column sums has rows): ONLY=reduce_tile_drops_row_lane. A third
# (ONLY=reduce_slice_drops_last_row,reduce_finish_drops_last_slice at T = 256) was refused: no device time left.
set -u  # (run_mutants.py, then run_gpu_mutants.py, kept its copies under /tmp/gpu_mutants then)
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
make make_cpu_fixture > /dev/null || exit 1
ONLY=${ONLY:-scan_reduce_dA_assign,decode_scan_dt_unrounded,norm_rows_bwd_drop_tail_round,cls_warp_argmax_last_tie,train_loss_scale_dropped,reduce_slice_drops_last_row,reduce_finish_drops_last_slice,reduce_tile_drops_row_lane,matmul_dweight_overwrites,matmul_dinp_unscaled} DEADLINE=420 RUN_TIMEOUT=150 GPU_JOBS=6 timeout 560 python3 dev/mutation/run_mutants.py $OUT dev/mutation/gpu_mutants_*.json
echo "rc $?"
grep -hE "^(PASS|FAIL) .*(accumulation|accuracy_ties|c18_e4|c1536_t41|c2560_t23)" /tmp/mutants_gpu/clean/test_mamba_cu.log /tmp/mutants_gpu/clean/test_mamba_cu_fp32.log | cut -c1-200 | head -60
