#!/bin/bash
# Builds the selective-scan playground (forward and backward at CHUNK = 16, 32, 64, and the fp32-build
# check of llmc/cuda/scan.cuh), runs every check and benchmark, profiles the trainer's kernels with
# ncu, then runs compute-sanitizer (memcheck, racecheck) on the trainer's kernels at each -r level.
# Logs go to $OUT (the device tool's folder) or ./scan_logs; at most 8 files.
#   bash dev/cuda/run_scan_bench.sh
set -u -o pipefail
cd "$(dirname "$0")"
OUT=${OUT:-$PWD/scan_logs}
BUILD=${BUILD:-/tmp/scan_build} # outside the repo: nothing to ignore
mkdir -p "$OUT" "$BUILD"
NVCC="nvcc -O3 -gencode arch=compute_90,code=sm_90 -Xptxas -v"

{ nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.limit,temperature.gpu --format=csv; nvcc --version | tail -2; } 2>&1 | tee "$OUT/build.log"
for C in 16 32 64; do
    $NVCC -DCHUNK=$C -o $BUILD/ssf_c$C selective_scan_forward.cu > $BUILD/fwd_c$C.log 2>&1 &
    $NVCC -DCHUNK=$C -o $BUILD/ssb_c$C selective_scan_backward.cu > $BUILD/bwd_c$C.log 2>&1 &
done
$NVCC -o $BUILD/ssfp32 selective_scan_fp32.cu > $BUILD/fp32_c32.log 2>&1 &
wait
for f in $BUILD/*_c*.log; do echo "== $f"; grep -E "error|entry|Used|spill" "$f" | sed 's/ptxas info    : //'; done >> "$OUT/build.log"
ls $BUILD/ss* >> "$OUT/build.log" 2>&1

run() { # name, timeout, command...
    local name=$1 t=$2; shift 2
    echo "### $*" | tee -a "$OUT/$name.log"
    timeout "$t" "$@" 2>&1 | tee -a "$OUT/$name.log"
    echo "### exit ${PIPESTATUS[0]}" | tee -a "$OUT/$name.log"
}
run c32 80 $BUILD/ssf_c32
run c32 100 $BUILD/ssb_c32
run c16_c64 45 $BUILD/ssf_c16 0 7 8
run c16_c64 45 $BUILD/ssb_c16 0 11 12 14
run c16_c64 45 $BUILD/ssf_c64 0 7 8
run c16_c64 45 $BUILD/ssb_c64 0 11 12 14
run c32 40 $BUILD/ssfp32
SCAN_PROFILE=1 run profile 90 ncu --clock-control none -k regex:selective_scan -c 5 --section SpeedOfLight --section ComputeWorkloadAnalysis \
    --section Occupancy --section WarpStateStats --section SchedulerStats --section MemoryWorkloadAnalysis_Tables \
    --section InstructionStats $BUILD/ssb_c32 0 12
# opcode histogram of the trainer's kernels (what the inner loops are made of)
cuobjdump -sass $BUILD/ssb_c32 2>/dev/null | awk '/Function : /{name=$3} /^ +\/\*[0-9a-f]+\*\/ +[A-Z@]/{op=$2; if (op ~ /^@/) op=$3; sub(/\..*/,"",op); if (name ~ /selective_scan_(forward|backward)_kernelILi16.*Lb1E/) cnt[name" "op]++} END{for (k in cnt) print cnt[k], k}' | sort -k2,2 -k1,1nr | awk '{c[$2]++; if (c[$2] <= 14) print}' >> "$OUT/profile.log" 2>&1
export SCAN_CHECK_ONLY=1
# the trainer's kernels both ways: 8-step checkpoints (backward v0 at -r 0; forward v9, the -r 0 forward
# without y) and 32-step (backward v17 and forward v0, both at -r 2)
run sanitizer 80 compute-sanitizer --tool memcheck --print-limit 5 $BUILD/ssb_c32 0 12 14 17
# (racecheck: one backward version a run, each with v18's limit below: the four in one run had 80 s in all, where v18
# alone took 90 s on an H100)
for v in 0 12 14 17; do run sanitizer 180 compute-sanitizer --tool racecheck --print-limit 5 $BUILD/ssb_c32 $v; done
run sanitizer 40 compute-sanitizer --tool memcheck --print-limit 5 $BUILD/ssf_c32 0 8 9
run sanitizer 40 compute-sanitizer --tool racecheck --print-limit 5 $BUILD/ssf_c32 0 8 9
# and the kernels of the trainer's -r 0 and -r 1 that write or read y: backward v18 (-r 1), forward v10 (-r 0, the
# kernel scan.cuh picks by shape), v11 (-r 1), v12 and v13 (-r 0's two checkpoint stores, each checked against the
# other); checks only (SCAN_CHECK_ONLY, above: the checks' small shapes), in runs of their own, each with its own limit
# (on an H100: memcheck 3 s and 1 s, racecheck 90 s and 14 s; the backward's racecheck ran past a first limit of 60 s)
run sanitizer 60 compute-sanitizer --tool memcheck --print-limit 5 $BUILD/ssb_c32 18
run sanitizer 180 compute-sanitizer --tool racecheck --print-limit 5 $BUILD/ssb_c32 18 # (90 s on an H100, 2026-12-07)
run sanitizer 60 compute-sanitizer --tool memcheck --print-limit 5 $BUILD/ssf_c32 10 11 12 13
run sanitizer 60 compute-sanitizer --tool racecheck --print-limit 5 $BUILD/ssf_c32 10 11 12 13
# the tables, last, so they are at the end of the tool's output
grep -hE "^(forward|backward) B=|^  v[0-9]|checks:|copy:|FAIL|(ERROR|RACECHECK) SUMMARY|### exit" "$OUT"/c32.log "$OUT"/c16_c64.log "$OUT"/sanitizer.log
grep -hE "^  void selective_scan_|Duration|Compute \(SM\) Throughput|L1/TEX Cache Throughput|Issue Slots Busy|Achieved Occupancy|highest-utilized|No Eligible|Registers Per" "$OUT"/profile.log | cut -c1-150 | head -60
