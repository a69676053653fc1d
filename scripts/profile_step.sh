#!/usr/bin/env bash
# Per-kernel time of one training step of train_mamba_cu (Nsight Compute, kernel durations only),
# summed by kernel name. The first step is profiled: it runs every kernel a step runs.
#   bash scripts/profile_step.sh [model] [B] [T]   (default: mamba-130m 8 2048)
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-mamba-130m}; B=${2:-8}; T=${3:-2048}
make -s train_mamba_cu
V=50280; case "$MODEL" in d*) V=$(echo "$MODEL" | sed -n 's/.*:v\([0-9]*\).*/\1/p'); V=${V:-256};; esac
python3 dev/data/random_shard.py /tmp/prof_tokens.bin "$V" 2000000 1 >/dev/null
ncu --metrics gpu__time_duration.sum --csv --log-file /tmp/prof.csv \
    ./train_mamba_cu -e "$MODEL" -b "$B" -t "$T" -x 1 -v 0 -g 0 -sh 0 -i /tmp/prof_tokens.bin -j /tmp/prof_tokens.bin > /dev/null
python3 - <<'PY'
import csv, collections
rows = list(csv.DictReader(l for l in open("/tmp/prof.csv") if l.startswith('"')))
tot = collections.defaultdict(float); cnt = collections.Counter()
for r in rows:
    if r.get("Metric Name") != "gpu__time_duration.sum": continue
    name = r["Kernel Name"].split("(")[0].split("<")[0][:60]
    v = float(r["Metric Value"].replace(",", ""))
    unit = r.get("Metric Unit", "nsecond")
    v *= {"nsecond": 1e-6, "usecond": 1e-3, "msecond": 1.0, "second": 1e3}.get(unit, 1e-6)
    tot[name] += v; cnt[name] += 1
total = sum(tot.values())
print(f"{'kernel':62s} {'calls':>6s} {'ms':>9s} {'%':>6s}")
for k, v in sorted(tot.items(), key=lambda kv: -kv[1]):
    print(f"{k:62s} {cnt[k]:6d} {v:9.3f} {100*v/total:6.1f}")
print(f"{'total (all kernels of the run: init, one step)':62s} {sum(cnt.values()):6d} {total:9.3f}")
PY
