#!/bin/bash
# Written 2026-12-07 (seventy-third stop), nvidia-h100-x1 or nvidia-h200: s72_a.sh (never run: no machine came in the
# seventy-second stop) — multi_gpu_shm, test_hf_transformers, the mended and new shared-host CLI checks on
# train_mamba_cu — then `make train` as the README runs it on a GPU (its time and val loss, which the README quotes:
# 67 s on an H100, 78 s on an H200, val loss 1.600124 / 1.600103)
set -u
bash dev/device_runs/s72_a.sh
. dev/device_runs/setup.sh > /dev/null
t0=$(date +%s)
timeout 240 make "$NV" train > "$OUT/s73_train.log" 2>&1; rc=$?
echo "make train rc $rc in $(( $(date +%s) - t0 )) s"
grep -E "^step +[0-9]+/|val loss" "$OUT/s73_train.log" | tail -3
grep -E "tok/s|ms" "$OUT/s73_train.log" | tail -2 | cut -c1-200
