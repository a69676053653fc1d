#!/bin/bash
# Written 2026-12-07 (seventy-fifth stop), nvidia-h100-x1 or nvidia-h200, when machines were scarce: the stop's GPU
# checks in one call of under 600 s, in place of s75_a.sh and s75_b.sh. Built together: the trainer, its shared-memory
# several-process build and the dev/cuda playgrounds (run_checks.sh). Then multi_gpu_shm (the micro-step checks, -m per
# process, -m -1 over every val window on 1-3 ranks), the new test_cli checks on train_mamba_cu (-nt noted, -pn without a
# rank, a -tk .bin on resume) cut by their comment lines, the adamw clip-scale mutant, and, if time is left, the scan
# playgrounds' new sanitizer runs.
set -u
. dev/device_runs/setup.sh
make -s data > /dev/null 2>&1
( timeout 300 make -j12 "$NV" train_mamba_cu train_mamba_cu_shm > "$OUT/build.log" 2>&1; echo "trainer build rc $? at $(( $(date +%s) - start )) s" ) &
( bash dev/cuda/run_checks.sh > "$OUT/run_checks.log" 2>&1; echo "run_checks done at $(( $(date +%s) - start )) s: $(tail -1 "$OUT/run_checks.log")" ) &
B=/tmp/s75 && mkdir -p $B
( cd dev/cuda && sed 's|grad_clip / norm : 1.0f; }|grad_clip / norm * 1.001f : 1.0f; }|' adamw.cu > adamw_mut.cu &&
  grep -c 'norm [*] 1.001f' adamw_mut.cu; nvcc -O3 -gencode arch=compute_90,code=sm_90 -o $B/adamw_mut adamw_mut.cu > $B/mut.log 2>&1; rm -f adamw_mut.cu
  nvcc -O3 -gencode arch=compute_90,code=sm_90 -DCHUNK=32 -o $B/ssb_c32 selective_scan_backward.cu > $B/ssb.log 2>&1
  nvcc -O3 -gencode arch=compute_90,code=sm_90 -DCHUNK=32 -o $B/ssf_c32 selective_scan_forward.cu > $B/ssf.log 2>&1 ) &
wait
grep -E "^FAIL" "$OUT/run_checks.log" | cut -c1-300
echo "--- multi_gpu_shm"
MULTI_GPU_BIN=./train_mamba_cu_shm timeout 200 bash test/test_multi_gpu.sh > "$OUT/multi_gpu_shm.log" 2>&1; echo "multi_gpu_shm rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, " "$OUT/multi_gpu_shm.log" | cut -c1-300
grep -E "micro_steps_match|val_m_per_process|val_all_windows" "$OUT/multi_gpu_shm.log" | cut -c1-160
echo "--- new test_cli checks on train_mamba_cu"
a=$(grep -n "^# a resumed run (-y, -x 0 -y too) reads the tokenizer.json" test/test_cli.sh | cut -d: -f1)
b=$(grep -n '^else bad "resume_same_tokenizer_as_bin"' test/test_cli.sh | cut -d: -f1)
c=$(grep -n "^# the CPU trainer started by a launcher as several processes refuses" test/test_cli.sh | cut -d: -f1)
d=$(grep -n 'then ok "gpu_threads_flag_noted"' test/test_cli.sh | cut -d: -f1)
{ sed -n "${a},${b}p" test/test_cli.sh; sed -n "${c},$((d + 1))p" test/test_cli.sh; } > /tmp/s75c_snip.sh
(BIN=./train_mamba_cu; CPU=0; TMP=$(mktemp -d); . test/check.sh; TINY=(-e d32:l2:v256 -b 4 -t 32 -v 0 -g 0)
 expect_error() { expect_error_cmd "$1" "$2" "$BIN" "${@:3}"; }; . /tmp/s75c_snip.sh; finish_checks) > "$OUT/cli_new.log" 2>&1
grep -E "^FAIL|passed, " "$OUT/cli_new.log" | cut -c1-300; echo "cli done at $(( $(date +%s) - start )) s"
echo "--- adamw clip-scale mutant (must fail)"
timeout 60 $B/adamw_mut --check 2 > "$OUT/adamw_mut.log" 2>&1; echo "adamw_mut --check 2 rc $?"; grep -E 'FAIL' "$OUT/adamw_mut.log" | head -5
export SCAN_CHECK_ONLY=1
for t in memcheck racecheck; do
  for v in "b 18" "f 10 11 12 13"; do
    [ $(( $(date +%s) - start )) -lt 480 ] || { echo "skipped $t $v: time"; continue; }
    set -- $v; k=$1; shift; t0=$(date +%s)
    timeout 60 compute-sanitizer --tool $t --print-limit 5 $B/ss${k}_c32 "$@" > "$OUT/san_${t}_$k.log" 2>&1; rc=$?
    echo "$t ss${k} $* rc $rc in $(( $(date +%s) - t0 )) s: $(grep -hE 'checks:|(ERROR|RACECHECK) SUMMARY' "$OUT/san_${t}_$k.log" | tr '\n' ' ')"
  done
done
echo "all done at $(( $(date +%s) - start )) s"
