#!/usr/bin/env bash
# tinyshakespeare, byte level, nanoGPT's split: a ~10M-parameter model (under nanoGPT's 10.7M
# char Transformer), the best val loss over the run. Target: below 1.4697 (nanoGPT, ~3 min on an
# A100) within 5 minutes on one H100. Uses the GPU trainer when a GPU is present.
#   bash scripts/run_tinyshakespeare.sh [out dir]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/tinyshakespeare_gpu}
make -s data
BIN=./train_mamba
if nvidia-smi -L >/dev/null 2>&1; then make -s train_mamba_cu; BIN=./train_mamba_cu; else make -s train_mamba; fi
start=$(date +%s)
# d512:l6 = 10.3M parameters; 16K tokens per step (9.9 ms on an H100); full validation every 50 steps
"$BIN" -e d512:l6:v256 -b 64 -t 256 -x 1200 -l 2e-3 -u 100 -q 0.05 -c 0.1 -v 50 -m -1 -s 0 -g 300 -r 0 -o "$OUT"
end=$(date +%s)
best=$(grep ' tel:' "$OUT/main.log" | awk -F'tel:' '{print $2}' | sort -g | head -n 1)
step=$(grep " tel:$best" "$OUT/main.log" | head -n 1 | awk '{print $1}')
echo "best val loss $best at ${step#s:} (target < 1.4697), wall time $((end - start)) s with $BIN"
