#!/usr/bin/env bash
# End-to-end training speed of train_mamba_cu on the workloads the official implementation was measured
# on (doc/perf.md, first lines),
# plus the measured bf16 matmul rate for MFU, then the selective scan alone at the anchors' shape
# (the trainer's kernels, timed by the dev/cuda playgrounds after their checks). Random tokens, as
# the official measurement.
#   bash scripts/bench.sh [steps] [trainer flags...]   (or make bench; needs a GPU and nvcc; writes only a temporary directory, removed at exit)
# The trainer flags (e.g. -r 0) are added to each workload's, which they must not repeat (-i -j -x -v -g -sh -e -b -t).
# PRESETS="mamba-370m mamba-790m ..." runs those models (B=8 T=2048, random tokens) instead of the
# two anchor workloads and the scan, e.g. PRESETS="mamba-1.4b" bash scripts/bench.sh 10 -r 0
# Time: about 3 minutes on one H100: `bash scripts/bench.sh 30 -r 0` took 165 s there (doc/perf.md, 2026-12-05, with
# train_mamba_cu already built; a fresh checkout adds its build, 90 s on a 2-core machine without a GPU, 2026-12-07).
# The builds of the matmul and scan programs, the random shards and the checks run each time; the timed steps are a
# small part (30 steps of ~50 ms for the 130m shape, ~13 ms byte level). Not timed as a whole: PRESETS runs, whose
# steps take 130 ms (mamba-370m) to 681 ms (mamba-2.8b, -r 2) on an H200 (doc/perf.md), plus each model's start-up.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -euo pipefail
case "${1:-}" in -h|--help) . "$(dirname "$0")/script_lib.sh"; print_header "$0"; exit 0 ;; esac
cd "$(dirname "$0")/.."
. scripts/script_lib.sh # (use_c_numbers: awk reads the trainer's 0.65 ms as 0 in a decimal-comma locale)
STEPS=${1:-30}
# the trainer leaves its first 2 steps (warm-up) out of the average it prints: 1 or 2 steps gave none, reported as 0 ms/step
# and 0 tok/s with exit 0 (and a step count left out, "bench.sh -r 0", failed only after the builds, as -x -r)
if ! is_uint "$STEPS" || [ "$STEPS" -lt 3 ]; then
    die "the steps (the first argument) must be a whole number from 3 to 999999999 (the first 2 are warm-up, not timed), got '$STEPS' (usage: bash scripts/bench.sh [steps] [trainer flags...])"
fi
# the trainer flags after it are none of those each workload is run with (-b 16 ran at B=16 under the name "B=8 T=2048")
FLAGS=("${@:2}")
own_flags_refused FLAGS "the trainer flags" -i -j -x:"the steps argument" -v -g -sh -e:PRESETS -b -t
if ! nvidia-smi -L > /dev/null 2>&1; then echo "error: scripts/bench.sh needs an NVIDIA GPU (none found)" >&2; exit 1; fi
need_nvcc scripts/bench.sh # (NVCC)
ARCH="-O3 -gencode arch=compute_90,code=sm_90"
PRESETS=${PRESETS:-}
# the programs, token files and clock samples of this run (two runs at once do not share them); the scan's
# build, in the background, is stopped at any exit (of this shell alone: the clock sampler killed after a
# workload that failed at once, still a just-forked child, ran this trap and removed W for the workloads after it)
W=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
scan_build=""
trap 'in_main_shell 2>/dev/null && { if [ -n "$scan_build" ]; then pkill -P "$scan_build" 2>/dev/null || true; kill "$scan_build" 2>/dev/null || true; fi; rm -rf "$W"; }' EXIT
if [ -z "$PRESETS" ]; then
    ( cd dev/cuda && "$NVCC" $ARCH -o "$W/ssf" selective_scan_forward.cu && "$NVCC" $ARCH -o "$W/ssb" selective_scan_backward.cu ) &
    scan_build=$!
fi
make -s train_mamba_cu
"$NVCC" $ARCH -o "$W/matmul_peak" dev/cuda/matmul_peak.cu -lcublas
peak_line=$("$W/matmul_peak")
echo "$peak_line"
peak=$(echo "$peak_line" | awk '{print $(NF-1)}')
python3 dev/data/random_shard.py "$W/v50280.bin" 50280 4000000 1 >/dev/null
python3 dev/data/random_shard.py "$W/v256.bin" 256 4000000 2 >/dev/null

# The SM clock and power while a run trains (nvidia-smi every 50 ms, samples drawing at least half the
# power limit): a step that runs at the card's power limit runs at a lower clock (doc/perf.md, "the card
# runs at its power cap"), and that moves every figure of the run
POWER_LIMIT=$(nvidia-smi -i 0 --query-gpu=power.limit --format=csv,noheader,nounits 2>/dev/null | head -n 1 || true)
SMI_QUERY=timestamp,clocks.sm,power.draw,clocks_event_reasons.active # (older drivers: clocks_throttle_reasons)
nvidia-smi -i 0 --query-gpu=$SMI_QUERY --format=csv > /dev/null 2>&1 || SMI_QUERY=timestamp,clocks.sm,power.draw,clocks_throttle_reasons.active
# the reasons are a bit mask; 0x4 is the software power cap
clock_summary() {
    awk -F', ' -v lim="${POWER_LIMIT:-0}" '$3 + 0 >= lim / 2 {n++; c += $2; p += $3; if ($4 ~ /[4-7c-fC-F]$/) capped++}
        END {if (n == 0) print "clock: no loaded samples"; else printf "SM %.0f MHz, %.0f W of %.0f W, power-capped in %d%% of %d samples\n", c / n, p / n, lim, 100 * capped / n, n}' "$1"
}
bench() {
    local name="$1" shard="$2"; shift 2
    local out smi
    nvidia-smi -i 0 --query-gpu=$SMI_QUERY --format=csv,noheader,nounits -lms 50 > "$W/smi.csv" 2>/dev/null &
    smi=$!
    out=$(./train_mamba_cu -i "$shard" -j "$shard" -x "$STEPS" -v 0 -g 0 -sh 0 "$@" 2>&1) || { kill $smi 2>/dev/null || true; echo "$out" | tail -n 5; return 1; }
    kill $smi 2>/dev/null || true; wait $smi 2>/dev/null || true
    local params avg mem ms tps
    params=$(echo "$out" | awk -F'|' '/parameters/ {gsub(/ /, "", $3); print $3}')
    avg=$(echo "$out" | grep '^average over')
    mem=$(echo "$out" | grep '^device memory' | sed 's/^device memory: //')
    [ -n "$avg" ] || { echo "error: $name: the trainer printed no average step time: $(echo "$out" | tail -n 1)" >&2; return 1; }
    ms=$(echo "$avg" | awk '{print $5}')
    tps=$(echo "$avg" | awk '{print $7}')
    awk -v n="$name" -v p="$params" -v ms="$ms" -v t="$tps" -v peak="$peak" -v mem="$mem" 'BEGIN {
        mfu = 6.0 * p * t / (peak * 1e12) * 100;
        printf "%-34s params %d | %8.2f ms/step | %10.0f tok/s | MFU %.1f%% (6*params/token vs %.0f TFLOP/s) | %s\n", n, p, ms, t, mfu, peak, mem }'
    printf "%-34s %s\n" "" "$(clock_summary "$W/smi.csv")"
}
if [ -n "$PRESETS" ]; then
    failed=0
    for m in $PRESETS; do bench "$m B=8 T=2048" "$W/v50280.bin" -e "$m" -b 8 -t 2048 "${@:2}" || failed=1; done
    exit $failed
fi
bench "mamba-130m shape B=8 T=2048" "$W/v50280.bin" -e mamba-130m -b 8 -t 2048 "${@:2}"
bench "byte-level d384:l8 B=32 T=1024" "$W/v256.bin" -e d384:l8:v256 -b 32 -t 1024 "${@:2}"

# the scan alone, B=8 Di=1536 L=2048 N=16 (bf16 u, delta, z, B, C; fp32 A, D, dt bias), the kernels of
# llmc/cuda/scan.cuh as the trainer runs them: at -r 0 with a checkpoint every 8 steps and y (the output
# before the gate) kept for the backward (forward version 10, backward version 0), at -r 1 with one every 32
# steps and y kept (forward 11, backward 18), at -r 2 with y recomputed too (forward 0, backward 17); a failed
# check stops the script
wait $scan_build
scan_build=""
ssf=$("$W/ssf" 0 10 11)
ssb=$("$W/ssb" 0 17 18)
# pick OUTPUT SHAPE VERSION PART: the ms column of VERSION's row in SHAPE's table (PART 1: the first
# table, before '|'; 2: forward+backward, after it)
pick() {
    awk -v shape="$2" -v v="$3" -v part="$4" '$0 ~ shape {f = 1; next}
        f && $1 == v && !done {split($0, h, "|"); n = split(h[part], w, " "); print (part == 1 ? w[n - 2] : w[1]); done = 1}' <<< "$1"
}
for level in "v10 v0 -r 0" "v11 v18 -r 1" "v0 v17 -r 2"; do
    read -r fv bv levels <<< "$level"
    fwd=$(pick "$ssf" "^forward B=8 T=2048 Di=1536 N=16" "$fv" 1)
    bwd=$(pick "$ssb" "^backward B=8 T=2048 Di=1536 N=16" "$bv" 1)
    fb=$(pick "$ssb" "^backward B=8 T=2048 Di=1536 N=16" "$bv" 2)
    printf "%-34s forward %s ms | backward %s ms | forward+backward %s ms (official on the H100: 0.449 / 2.459 ms)\n" \
        "scan B=8 Di=1536 L=2048 ($levels)" "$fwd" "$bwd" "$fb"
done
