#!/usr/bin/env bash
# enwik8, byte level, on the standard split (first 90M bytes train, next 5M val, last 5M test):
# a 40.8M-parameter Mamba (d512:l24, vocab 256), then the test bits per byte over the whole 5M test
# bytes read as ONE sequence: -es feeds it in chunks of B*T bytes with every layer's state carried
# from chunk to chunk (no context resets). Reference points: 12-layer Transformer (Al-Rfou et al.,
# 44M) 1.11 bpc, Transformer-XL 12L (41M) 1.06. Uses the GPU trainer when a GPU is present.
#
#   bash scripts/run_enwik8.sh [enwik8 | enwik8.zip]
#
# Without an argument it prepares dev/data/enwik8/ from dev/data/enwik8/enwik8.zip, downloading it
# when missing (dev/data/enwik8.py). The run resumes from its newest checkpoint when restarted.
# Environment (defaults in brackets), for shorter runs and tests:
#   OUT [out/enwik8]  DATA_DIR [dev/data/enwik8]  MODEL [d512:l24:v256]  B [16]  T [2048]
#   STEPS [60000]  LR [2e-3]  WARMUP [1000]  VAL_EVERY [1000]  CKPT_EVERY [2000]
#   ALLOW_ANY_SIZE=1   accept a source that is not 100,000,000 bytes (split 90/5/5)
#   PREPARE=1          re-write the shards even if they exist
#   EXTRA              more trainer flags, appended last
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:-}
OUT=${OUT:-out/enwik8}
DATA_DIR=${DATA_DIR:-dev/data/enwik8}
MODEL=${MODEL:-d512:l24:v256}
B=${B:-16}
T=${T:-2048}
STEPS=${STEPS:-60000}
LR=${LR:-2e-3}
WARMUP=${WARMUP:-1000}
VAL_EVERY=${VAL_EVERY:-1000}
CKPT_EVERY=${CKPT_EVERY:-2000}

TRAIN="$DATA_DIR/enwik8_train.bin" VAL="$DATA_DIR/enwik8_val.bin" TEST="$DATA_DIR/enwik8_test.bin"
if [ "${PREPARE:-0}" = 1 ] || [ ! -f "$TRAIN" ] || [ ! -f "$VAL" ] || [ ! -f "$TEST" ]; then
    command -v python3 >/dev/null || { echo "error: python3 is needed to prepare the shards (dev/data/enwik8.py)" >&2; exit 1; }
    python3 dev/data/enwik8.py ${SRC:+"$SRC"} -o "$DATA_DIR" ${ALLOW_ANY_SIZE:+--allow-any-size}
fi

BIN=./train_mamba
if nvidia-smi -L >/dev/null 2>&1; then make -s train_mamba_cu; BIN=./train_mamba_cu; else make -s train_mamba; fi
mkdir -p "$OUT"
start=$(date +%s)
# 32K bytes per step (B*T); 60K steps = 2.0B bytes, ~22 epochs of the 90M training bytes
# shellcheck disable=SC2086
"$BIN" -i "$TRAIN" -j "$VAL" -e "$MODEL" -b "$B" -t "$T" -x "$STEPS" -l "$LR" -u "$WARMUP" -q 0.05 -c 0.1 \
    -v "$VAL_EVERY" -m 20 -n "$CKPT_EVERY" -nk 2 -g 400 -p "<page>" -o "$OUT" -y 1 -es "$TEST" ${EXTRA:-} \
    2>&1 | (trap '' INT TERM; exec tee -a "$OUT/run.out") # tee outlives a Ctrl-C: the trainer checkpoints first
end=$(date +%s)
bpb=$(grep ' stream_loss:' "$OUT/main.log" | tail -n 1 | sed -n 's/.* bpb:\([0-9.na\/]*\).*/\1/p' || true)
echo "enwik8 test: ${bpb:-?} bits per byte over the test stream (Transformer 12L 44M: 1.11, Transformer-XL 12L 41M: 1.06);" \
     "wall time $((end - start)) s with $BIN, $MODEL, $STEPS steps"
