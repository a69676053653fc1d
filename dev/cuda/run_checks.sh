#!/usr/bin/env bash
# Every dev/cuda kernel against its CPU reference on fresh random inputs with poisoned outputs
# (each file's check mode, no benchmarks). Part of `make test` on a machine with a GPU.
# matmul_peak has no reference to check: it runs its one measurement (it fails if cuBLAS's bf16
# product does), so that scripts/bench.sh's denominator of MFU is built and run here too.
# A file that takes versions must first answer a bad one (999, 1x) with a usage line and exit 2, and
# matmul_peak and selective_scan_fp32, which take no arguments, any one (--check, 1); matmul, given version 1
# alone, must check that version and no other.
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
    # the arguments of its check, and arguments it must refuse: a version out of range or not a number, or any for
    # matmul_peak and selective_scan_fp32 (they ignored them), with one usage line and exit 2, not a run
    args=--check bad_args="999 1x"
    case $f in
        selective_scan_fp32) args="" bad_args="--check 1" ;; # (no arguments: it only checks; it ignored them)
        matmul_peak) args="" bad_args="--check 1" ;; # (no arguments: it measures)
    esac
    if [ -n "$bad_args" ]; then
        bad_arg=""
        for a in $bad_args; do
            timeout 60 "$BUILD/$f" "$a" > "$BUILD/$f.args.log" 2>&1
            rc=$?
            if [ $rc -ne 2 ] || ! grep -q "^usage: " "$BUILD/$f.args.log"; then bad_arg="$bad_arg '$a' gave exit $rc;"; fi
        done
        if [ -n "$bad_arg" ]; then
            echo "FAIL $f: not a usage line and exit 2:$bad_arg $(head -c 200 "$BUILD/$f.args.log" | tr '\n' ' ')"; fail=$((fail + 1)); continue
        fi
    fi
    if [ "$f" = matmul ]; then # a version named is the one checked (any number ran version 2's checks alone)
        timeout 120 "$BUILD/$f" --check 1 > "$BUILD/$f.v1.log" 2>&1
        rc=$?
        if [ $rc -ne 0 ] || ! grep -q "^checks: v1 " "$BUILD/$f.v1.log" || grep -q "^checks: v2 " "$BUILD/$f.v1.log"; then
            echo "FAIL $f: '--check 1' (exit $rc) did not check version 1 alone: $(grep -m2 -E '^checks|FAIL|ERROR' "$BUILD/$f.v1.log" | tr '\n' ' ')"
            fail=$((fail + 1)); continue
        fi
    fi
    if timeout 300 "$BUILD/$f" $args > "$BUILD/$f.log" 2>&1; then
        echo "PASS $f"; pass=$((pass + 1))
    else
        echo "FAIL $f: $(grep -m2 -iE 'FAIL|error' "$BUILD/$f.log" | tr '\n' ' ')"; fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
