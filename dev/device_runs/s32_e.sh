#!/bin/bash
# 2026-12-02 (thirty-first session in doc/perf.md), nvidia-h200: the forward playground's checks after its
# determinism check also compares y's bits (versions 10 and 11), every version, SCAN_CHECK_ONLY=1.
set -u
nvidia-smi -L
(cd dev/cuda && nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/ssf selective_scan_forward.cu) > $OUT/build_ssf.log 2>&1; tail -n 2 $OUT/build_ssf.log
SCAN_CHECK_ONLY=1 timeout 120 /tmp/ssf > $OUT/ssf.log 2>&1; echo "forward checks rc $?"
grep -E "FAIL|checks:" $OUT/ssf.log | tail -5; grep -cE "ok$" $OUT/ssf.log
