#!/usr/bin/env bash
# tinyshakespeare, byte level, nanoGPT's split: a ~10M-parameter model (under nanoGPT's 10.7M
# char Transformer), the val loss of the model the run ends with (the one it saves). Target: below
# 1.4697 (nanoGPT, ~3 min on an A100) within 5 minutes on one H100. Uses the GPU trainer when a GPU
# is present.
#   bash scripts/run_tinyshakespeare.sh [out dir]      (-h: the settings and how long it takes)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -euo pipefail
usage() {
    cat <<'EOF'
Usage: bash scripts/run_tinyshakespeare.sh [out dir]
       (default out/tinyshakespeare_gpu, or out/tinyshakespeare_cpu with the CPU trainer)

Trains a byte-level Mamba on tinyshakespeare (nanoGPT's split; the shards are made by `make data`)
and prints the val loss of the final model (the one saved in OUT) next to nanoGPT's 1.4697 (its
10.7M char Transformer), and the best val loss seen during the run, whose model is kept as
OUT/model_best.bin (the trainer's -kb 1; with VAL_EVERY=0 neither). By default a d512:l6 model (10.3M
parameters), 300 steps of B=64 x T=256 bytes (about 5 epochs: with no dropout, longer runs overfit
and end worse), peak LR 2e-3 with cosine decay, validation every 50 steps on every whole batch of
the val split (6 of 16,384 bytes: 98,304 of its 111,539 predicted bytes), 300 sampled bytes at the
end. It uses the GPU trainer (train_mamba_cu) where `make train` would (a GPU of compute capability
8.0 or newer, and nvcc), else the CPU one (train_mamba), with make's note saying why where a GPU is
present. Stopped by Ctrl-C (or SIGTERM) the trainer writes a checkpoint; the same command
again resumes from it, and once the run is finished it reports the result again without training.
A run in the out dir of another MODEL, B, T, LR, WARMUP, VAL_EVERY or VAL_BATCHES is an error (not
resumed, nor reported as this one's): give each its own out dir. More STEPS go on from a finished run.

Time: about 3 s on an H200 (1,200 steps took 13 s on an H100). On the CPU the default size takes about
7 core-hours (~3.5 h on 2 cores); a quick CPU run, in seconds:
  STEPS=20 MODEL=d32:l2:v256 B=4 T=64 VAL_EVERY=10 VAL_BATCHES=4 bash scripts/run_tinyshakespeare.sh /tmp/ts

Environment (defaults in brackets):
  MODEL [d512:l6:v256]   model descriptor (or preset / model file, relative to where it is called from), see ./train_mamba -h
  B [64]  T [256]        micro-batch and sequence length (bytes)
  STEPS [300]  LR [2e-3]  WARMUP [100]
  VAL_EVERY [50]         val loss every n steps (and at the end)
  VAL_BATCHES [-1]       val batches per evaluation; -1 = every whole batch of the val split
  CKPT_EVERY [0]         checkpoint every n steps; 0 = at the end and when stopped
  GEN [300]              bytes sampled at the end; 0 = none
  EXTRA                  more trainer flags, appended last (e.g. "-nt 2"); none of those the script sets
                         itself (-e -b -t -x -l -u -q -c -v -m -s -g -r -n -nk -kb -o -y)
Writes OUT/main.log, OUT/commands.txt (each run's command line), OUT/run.out (the trainer's output, appended), the
newest checkpoint (its model_, state_ and DONE_ files: -nk 1) and model_best.bin.
EOF
}
. "$(dirname "$0")/script_lib.sh" # die, check_script_args, extra_args, same_run_settings, run_logged
check_script_args "bash scripts/run_tinyshakespeare.sh [out dir]" 1 "$@"
OUT=${1:+$(realpath -m "$1")} # a given directory is relative to where the script was called from
# ... and so is a MODEL file or directory (it was looked for in the repository, where the script moves)
if [ -n "${MODEL:-}" ] && [ -e "$MODEL" ]; then MODEL=$(realpath -- "$MODEL"); fi
extra_args -e:MODEL -b:B -t:T -x:STEPS -l:LR -u:WARMUP -q -c -v:VAL_EVERY -m:VAL_BATCHES -s -g:GEN -r -n:CKPT_EVERY -nk -kb \
    -o:"the out dir" -y
cd "$(dirname "$0")/.."
MODEL=${MODEL:-d512:l6:v256}
B=${B:-64}
T=${T:-256}
STEPS=${STEPS:-300}
LR=${LR:-2e-3}
WARMUP=${WARMUP:-100}
VAL_EVERY=${VAL_EVERY:-50}
VAL_BATCHES=${VAL_BATCHES:--1}
CKPT_EVERY=${CKPT_EVERY:-0}
GEN=${GEN:-300}
for v in B T STEPS; do require_uint "$v" 1; done
for v in WARMUP VAL_EVERY CKPT_EVERY GEN; do require_uint "$v" 0; done
require_lr LR
FULL_SIZE=0
[ "$MODEL:$B:$T:$STEPS" = "d512:l6:v256:64:256:300" ] && FULL_SIZE=1
[ -z "$OUT" ] || can_make_dir "$OUT" # (before the data and the build; the default is chosen with the trainer)
pick_trainer # (BIN)
# (a CPU run takes hours: its own default directory, so that it is not taken for a GPU result; either trainer
# resumes the other's checkpoints, given that directory)
# (named whole, $PWD being the repository: the messages that name it are read in the caller's directory, where a
# relative out/tinyshakespeare_cpu was no such directory)
OUT=${OUT:-$PWD/out/tinyshakespeare_$([ "$BIN" = ./train_mamba ] && echo cpu || echo gpu)}
# a run in OUT of other settings is neither resumed nor reported as this one (STEPS aside: a longer run goes on, a
# finished longer one is reported at its own end; CKPT_EVERY and GEN change no result)
same_run_settings "$OUT" -e:MODEL -b:B -t:T -l:LR -u:WARMUP -v:VAL_EVERY -m:VAL_BATCHES
make -s data
make -s "${BIN#./}"
if [ "$BIN" = ./train_mamba ] && [ "$FULL_SIZE" = 1 ]; then
    # measured 2026-12: 36.6 to 41 s per step on 2 cores, so 300 steps and 6 full validations (~2 steps each) take
    # about 7 core-hours
    mins=$(( 7 * 60 / $(nproc) ))
    echo "warning: the full default size on the CPU trainer takes about $((mins / 60)) h $((mins % 60)) min" \
         "on this machine's $(nproc) cores (3 s on an H200); Ctrl-C stops it with a checkpoint, -h shows a quick setting"
fi
KEEP_BEST=(-kb 1); [ "$VAL_EVERY" = 0 ] && KEEP_BEST=() # (-kb chooses at the validations)
NO_RECOMPUTE=(-r 0); [ "$BIN" = ./train_mamba ] && NO_RECOMPUTE=() # (the GPU trainer's flag: the CPU one notes it does nothing)
# d512:l6 = 10.3M parameters; 16K tokens per step (6.7 ms on an H200); validation every 50 steps
run_logged "$OUT" "$STEPS" "" \
    "$BIN" -e "$MODEL" -b "$B" -t "$T" -x "$STEPS" -l "$LR" -u "$WARMUP" -q 0.05 -c 0.1 -v "$VAL_EVERY" -m "$VAL_BATCHES" \
    -s 0 -g "$GEN" ${NO_RECOMPUTE[@]+"${NO_RECOMPUTE[@]}"} -n "$CKPT_EVERY" -nk 1 ${KEEP_BEST[@]+"${KEEP_BEST[@]}"} -o "$OUT" -y 1 ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}
# the saved model's val loss (the trainer validates at the last step: STEPS, or where a finished run in OUT
# ended, which can be past STEPS) and the best one seen, with model_best.bin when the trainer says it holds that step
end=$(echo "$THIS_RUN" | sed -n 's/^nothing to train: the checkpoint is at step \([0-9]*\).*/\1/p' | tail -n 1)
end=${end:-$STEPS}
final=$(grep "^s:$end tel:" "$OUT/main.log" | tail -n 1 | awk -F'tel:' '{print $2}' || true)
# (the numbers only: sort -g puts a nan val loss first, and the best was reported as nan)
best=$(grep -E ' tel:[0-9]' "$OUT/main.log" | awk -F'tel:' '{print $2}' | sort -g | head -n 1 || true)
if [ -z "$best" ]; then
    result="no val loss in $OUT/main.log (VAL_EVERY=$VAL_EVERY)"
else
    step=$(grep " tel:$best\$" "$OUT/main.log" | head -n 1 | awk '{print $1}')
    result="val loss ${final:-(none at step $end)} at the end of $(count_of "$end" step), the model saved in $OUT (target < 1.4697); best $best at step ${step#s:}"
    kept=$(echo "$THIS_RUN" | sed -n 's/^best val loss [0-9.]* at step \([0-9]*\): .*/\1/p' | tail -n 1)
    if [ -n "$kept" ] && [ "$kept" = "${step#s:}" ]; then result="$result, kept as $OUT/model_best.bin"; fi
fi
if echo "$THIS_RUN" | grep -q '^nothing to train' && ! echo "$THIS_RUN" | grep -q '^the checkpoint was written when a signal stopped'; then
    echo "the run in $OUT had already finished: $result"
else
    echo "$result, wall time $RUN_SECONDS s with $BIN"
fi
