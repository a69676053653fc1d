#!/bin/bash
# Written 2026-12-07 (seventy-fifth stop), nvidia-h100-x1: the dev/cuda playgrounds after helper W's changes (matmul's
# versions run as named, matmul_peak's checked calls, adamw's check_huge_norm against the CPU's clipped update) and
# the last stop's unrun adamw tolerance (norm^2 as a double to 1e-10): dev/cuda/run_checks.sh; the adamw check shown to
# catch a clip scale 0.1% off (a mutated copy must fail); matmul_peak's cublasCreate failure reported (an LD_PRELOAD
# stand-in); the scan playgrounds' new compute-sanitizer runs of run_scan_bench.sh (backward v18, forward v10-v13).
# About 150 s build + 120 s checks + 4 x 60 s at most.
set -u
. dev/device_runs/setup.sh
B=/tmp/s75 && mkdir -p $B
( cd dev/cuda && for k in f b; do
    src=selective_scan_forward.cu; [ $k = b ] && src=selective_scan_backward.cu
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -DCHUNK=32 -o $B/ss${k}_c32 $src > $B/ss$k.log 2>&1 &
  done
  sed 's|grad_clip / norm : 1.0f; }|grad_clip / norm * 1.001f : 1.0f; }|' adamw.cu > adamw_mut.cu
  grep -c 'norm \* 1.001f' adamw_mut.cu
  nvcc -O3 -gencode arch=compute_90,code=sm_90 -o $B/adamw_mut adamw_mut.cu > $B/mut.log 2>&1 &
  git show 47fd5c4:dev/cuda/adamw.cu | sed 's|grad_clip / norm : 1.0f; }|grad_clip / norm * 1.001f : 1.0f; }|' > adamw_mut_old.cu
  nvcc -O3 -gencode arch=compute_90,code=sm_90 -o $B/adamw_mut_old adamw_mut_old.cu > $B/mut_old.log 2>&1 &
  wait; rm -f adamw_mut.cu adamw_mut_old.cu )
echo "scan and mutant builds done at $(( $(date +%s) - start )) s: $(ls $B)"
bash dev/cuda/run_checks.sh 2>&1 | tee "$OUT/run_checks.log" | tail -15
echo "run_checks done at $(( $(date +%s) - start )) s"
C=/tmp/dev_cuda_checks
grep '^checks:' $C/matmul.log; grep -c 'dweight.*ok' $C/matmul.v1.log 2>/dev/null; grep '^checks:' $C/matmul.v1.log 2>/dev/null
grep -A6 'gradients of 3e20' $C/adamw.log | head -20
echo "--- mutant (clip scale 0.1% off): must fail"
timeout 60 $B/adamw_mut --check 2 > "$OUT/adamw_mut.log" 2>&1; echo "adamw_mut --check 2 rc $?"
grep -E 'FAIL|3e20' "$OUT/adamw_mut.log" | head -8
timeout 60 $B/adamw_mut_old --check 2 > "$OUT/adamw_mut_old.log" 2>&1; echo "the same mutant of the old check (47fd5c4) rc $? (0: it missed it)"
echo "--- matmul_peak with a failing cublasCreate: must name it"
printf 'int cublasCreate_v2(void **h) { (void)h; return 1; }\n' > /tmp/cc.c && gcc -shared -fPIC -o /tmp/cc.so /tmp/cc.c
LD_PRELOAD=/tmp/cc.so timeout 60 $C/matmul_peak 2>&1 | tail -2; echo "rc ${PIPESTATUS[0]}"
echo "--- sanitizers (SCAN_CHECK_ONLY)"
export SCAN_CHECK_ONLY=1
for t in memcheck racecheck; do
  for v in "b 18" "f 10 11 12 13"; do
    set -- $v; k=$1; shift
    t0=$(date +%s)
    timeout 60 compute-sanitizer --tool $t --print-limit 5 $B/ss${k}_c32 "$@" > "$OUT/san_${t}_$k.log" 2>&1; rc=$?
    echo "$t ss${k} $* rc $rc in $(( $(date +%s) - t0 )) s: $(grep -hE 'checks:|(ERROR|RACECHECK) SUMMARY' "$OUT/san_${t}_$k.log" | tr '\n' ' ')"
  done
done
echo "all done at $(( $(date +%s) - start )) s"
