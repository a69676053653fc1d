#!/usr/bin/env bash
# Every dev/cuda kernel against its CPU reference on fresh random inputs with poisoned outputs
# (each file's check mode, no benchmarks). Part of `make test` on a machine with a GPU.
# matmul_peak has no reference to check: it runs its one measurement (it fails if cuBLAS's bf16
# product does), so that scripts/bench.sh's denominator of MFU is built and run here too.
# One PASS/FAIL line per file, then "N passed, M failed".
set -u
cd "$(dirname "$0")" || exit 1
BUILD=${BUILD:-/tmp/dev_cuda_checks}
mkdir -p "$BUILD"
NVCC="nvcc -O3 -gencode arch=compute_90,code=sm_90"
files="matmul conv1d rmsnorm classifier adamw encoder decode_step sampler selective_scan_forward selective_scan_backward selective_scan_fp32 matmul_peak"
# a binary left from an earlier run must not stand in for a failed build: remove it, keep nvcc's status
for f in $files; do
    rm -f "$BUILD/$f" "$BUILD/$f.rc"
    ( $NVCC -o "$BUILD/$f" "$f.cu" -lcublas -lcublasLt > "$BUILD/$f.build.log" 2>&1; echo $? > "$BUILD/$f.rc" ) &
done
wait
pass=0; fail=0
for f in $files; do
    if [ "$(cat "$BUILD/$f.rc" 2>/dev/null)" != 0 ] || [ ! -x "$BUILD/$f" ]; then
        echo "FAIL $f: build failed ($(grep -m1 error "$BUILD/$f.build.log"))"; fail=$((fail + 1)); continue
    fi
    args=--check
    case $f in selective_scan_*|matmul_peak) args="";; esac # the scan files read SCAN_CHECK_ONLY instead; matmul_peak takes none
    if SCAN_CHECK_ONLY=1 timeout 300 "$BUILD/$f" $args > "$BUILD/$f.log" 2>&1; then
        echo "PASS $f"; pass=$((pass + 1))
    else
        echo "FAIL $f: $(grep -m2 -E 'FAIL|error' "$BUILD/$f.log" | tr '\n' ' ')"; fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
