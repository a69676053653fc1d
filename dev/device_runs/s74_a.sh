#!/bin/bash
# Written 2026-12-07 (seventy-fourth stop), nvidia-h100-x1: the gradient norm's squares summed in double (dca26c9).
# (1) `make train` as a user runs it on a fresh machine, default flags (the README quotes 67 s on an H100 with the
# build; the seventy-third stop's script timed it after another build); (2) the adamw playground: its checks (with
# check_huge_norm) and the norm's time in double (version 2) against version 1's float sum; (3) test_mamba_cu and
# multi_gpu_shm (-z 1 sums the ranks' norms: a double all-reduce now); (4) the CLI checks of clipping, the norm past
# 1.8e19 and -sg on train_mamba_cu (cut from test/test_cli.sh by their comment lines); (5) bench.sh 30 -r 0.
# About 70 + 250 + 30 + 150 s.
set -u
. dev/device_runs/setup.sh
t0=$(date +%s)
timeout 200 make train > "$OUT/train.log" 2>&1; rc=$?
echo "make train rc $rc in $(( $(date +%s) - t0 )) s"
grep -E "^val loss|^average over" "$OUT/train.log" | tail -2
( cd dev/cuda && nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/adamw_pg adamw.cu ) &
TEST_ONLY='^(test_mamba_cu|multi_gpu_shm)$' timeout 300 make -j16 "$NV" test > "$OUT/test.log" 2>&1
echo "make test (test_mamba_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/test.log" | cut -c1-300 | head -10
grep -E "^=== |^--- |passed, " "$OUT/test.log" | grep -v "SKIP\|^--- cpu_" | tail -8
wait
timeout 120 /tmp/adamw_pg > "$OUT/adamw.log" 2>&1; echo "adamw playground rc $?"
grep -E "huge|NaN gradient|^checks|FAIL" "$OUT/adamw.log" | head -12
sed -n '/^summary/,$p' "$OUT/adamw.log"
a=$(grep -n "^# --- the training loop's clipping" test/test_cli.sh | cut -d: -f1)
b=$(grep -n "^# --- <dir>/commands.txt" test/test_cli.sh | cut -d: -f1)
c=$(grep -n "^# --- a gradient norm past 1.8e19" test/test_cli.sh | cut -d: -f1)
d=$(grep -n "^# ... and so does a run stopped at step 133" test/test_cli.sh | cut -d: -f1)
sed -n "${a},$((b - 1))p;${c},$((d - 1))p" test/test_cli.sh > /tmp/s74_snip.sh
(BIN=./train_mamba_cu; TMP=$(mktemp -d); . test/check.sh; TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0 -nt 2)
 expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }; . /tmp/s74_snip.sh; finish_checks) 2>&1 | tee "$OUT/s74_cli.log" | tail -8
timeout 240 bash scripts/bench.sh 30 -r 0 > "$OUT/bench.log" 2>&1; echo "bench.sh rc $? at $(( $(date +%s) - start )) s"
tail -25 "$OUT/bench.log"
