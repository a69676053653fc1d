#!/usr/bin/env bash
# Per-kernel time and DRAM traffic of one training step of train_mamba_cu (Nsight Compute), summed by
# kernel name. The first step is profiled: it runs every kernel a step runs. ncu runs each kernel
# alone at locked base clocks, so times read above the step's; the shares and bytes are what to read.
#   bash scripts/profile_step.sh [model] [B] [T] [more train_mamba_cu flags, e.g. -r 0]
#   (default: mamba-130m 8 2048)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -euo pipefail
case "${1:-}" in -h|--help) . "$(dirname "$0")/script_lib.sh"; print_header "$0"; exit 0 ;; esac
if ! nvidia-smi -L > /dev/null 2>&1; then echo "error: scripts/profile_step.sh needs an NVIDIA GPU (none found)" >&2; exit 1; fi
command -v ncu > /dev/null || { echo "error: scripts/profile_step.sh needs Nsight Compute (ncu) on the PATH" >&2; exit 1; }
MODEL=${1:-mamba-130m}; B=${2:-8}; T=${3:-2048}
# a model file or directory given relative is the caller's (it was looked for in the repository, where the script moves)
if [ -e "$MODEL" ]; then MODEL=$(realpath -- "$MODEL"); fi
cd "$(dirname "$0")/.."
. scripts/script_lib.sh # (die, need_nvcc)
# model_vocab <model>: its vocabulary size V, which the random tokens must stay below, from where the trainer reads it: a
# preset's 50280, a descriptor's v<V> (256 without one), a model file's header [2] (doc/formats.md), a transformers
# directory's config.json (llmc_vocab_size, the V of our exports, where it is below vocab_size, their rows; else
# vocab_size). V was 50280 for anything but a descriptor: a model file or directory of a smaller V got tokens past it,
# which the trainer refused under ncu, its output not shown
model_vocab() {
    local m=$1 magic version v
    case "$m" in
        mamba-130m|mamba-370m|mamba-790m|mamba-1.4b|mamba-2.8b) echo 50280; return ;;
        d[0-9]*) if [[ ":$m:" =~ :v([0-9]+): ]]; then echo "${BASH_REMATCH[1]}"; else echo 256; fi; return ;;
    esac
    if [ -f "$m" ]; then
        read -r magic version v < <(od -A n -t d4 -N 12 -- "$m") || true
        [ "${magic:-}" = 20261123 ] || die "$m is no model file (it does not start with the model magic 20261123): cannot tell its vocabulary size"
        # (od pads a last partial int with zero bytes: a file of 9 to 11 bytes gave a V of its bytes 8 on, 0 at 9 bytes)
        [ "$(head -c 12 -- "$m" | wc -c)" -eq 12 ] ||
            die "$m: a model file cut short (no vocabulary size in its header): cannot tell its vocabulary size"
        # (a V below 1 is no model's, which the trainer refuses: a negative one was said to be cut short, and 0 was passed
        # on to random_shard.py, whose error came after the build, naming no file)
        [ "$v" -ge 1 ] || die "$m: its header's vocabulary size is $v, not a positive number: a damaged model file"
        echo "$v"
    elif [ -f "$m/config.json" ]; then
        python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); v = c["vocab_size"]; print(min(v, c.get("llmc_vocab_size") or v))' \
            "$m/config.json" 2>/dev/null || die "$m/config.json: cannot read its vocab_size"
    else
        die "-e $m: no preset, descriptor, model file or transformers directory (one with a config.json): cannot tell its vocabulary size"
    fi
}
V=$(model_vocab "$MODEL")
need_nvcc scripts/profile_step.sh # (NVCC, for make)
shift $(( $# < 3 ? $# : 3 ))
make -s train_mamba_cu
W=$(mktemp -d "${TMPDIR:-/tmp}/profile.XXXXXX") # the tokens and ncu's report, removed at exit
trap 'rm -rf "$W"' EXIT
python3 dev/data/random_shard.py "$W/tokens.bin" "$V" 2000000 1 >/dev/null
ncu --metrics gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum --csv --log-file "$W/prof.csv" \
    ./train_mamba_cu -e "$MODEL" -b "$B" -t "$T" -x 1 -v 0 -g 0 -sh 0 -i "$W/tokens.bin" -j "$W/tokens.bin" "$@" > /dev/null
PROF_CSV="$W/prof.csv" python3 - <<'PY'
import csv, collections, os
rows = list(csv.DictReader(l for l in open(os.environ["PROF_CSV"]) if l.startswith('"')))
scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3, "nsecond": 1e-6, "usecond": 1e-3, "msecond": 1.0,
         "second": 1e3,  # to ms
         "byte": 1e-9, "Kbyte": 1e-6, "Mbyte": 1e-3, "Gbyte": 1.0, "KB": 1e-6, "MB": 1e-3, "GB": 1.0}  # to GB
ms = collections.defaultdict(float); gb = collections.defaultdict(float); cnt = collections.Counter()
for r in rows:
    metric, unit = r.get("Metric Name"), r.get("Metric Unit", "")
    name = r["Kernel Name"].split("(")[0].split("<")[0][:60]
    if unit not in scale: raise SystemExit(f"profile_step.sh: unknown unit {unit!r} for {metric}")
    v = float(r["Metric Value"].replace(",", "")) * scale[unit]
    if metric == "gpu__time_duration.sum":
        ms[name] += v; cnt[name] += 1
    elif metric in ("dram__bytes_read.sum", "dram__bytes_write.sum"):
        gb[name] += v
total = sum(ms.values())
print(f"{'kernel':62s} {'calls':>6s} {'ms':>9s} {'%':>6s} {'DRAM GB':>8s} {'GB/s':>7s}")
for k, v in sorted(ms.items(), key=lambda kv: -kv[1]):
    print(f"{k:62s} {cnt[k]:6d} {v:9.3f} {100*v/total:6.1f} {gb[k]:8.2f} {gb[k]/(v*1e-3) if v else 0:7.0f}")
print(f"{'total (all kernels of the run: init, one step)':62s} {sum(cnt.values()):6d} {total:9.3f} {'':6s} {sum(gb.values()):8.2f}")
PY
