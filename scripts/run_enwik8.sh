#!/usr/bin/env bash
# enwik8, byte level, on the standard split (first 90M bytes train, next 5M val, last 5M test):
# a 40.8M-parameter Mamba (d512:l24, vocab 256), then the test bits per byte over the whole 5M test
# bytes read as ONE sequence: -es feeds it in chunks of B*T bytes with every layer's state carried
# from chunk to chunk (no context resets). Reference points: 12-layer Transformer (Al-Rfou et al.,
# 44M) 1.11 bpc, Transformer-XL 12L (41M) 1.06. Uses the GPU trainer when a GPU is present.
#
#   bash scripts/run_enwik8.sh [enwik8 | enwik8.zip]      (-h: the settings and how long it takes)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -euo pipefail
usage() {
    cat <<'EOF'
Usage: bash scripts/run_enwik8.sh [enwik8 | enwik8.zip]

Trains a 40.8M-parameter byte-level Mamba (d512:l24:v256) on enwik8's standard split (first 90M
bytes train, next 5M val, last 5M test), then prints the test bits per byte over the whole 5M test
bytes read as one sequence (state carried from chunk to chunk), next to published numbers:
12-layer Transformer (44M) 1.11, Transformer-XL 12L (41M) 1.06. Uses the GPU trainer
(train_mamba_cu) where `make train` would (a GPU of compute capability 8.0 or newer, and nvcc), else
the CPU one (train_mamba), with make's note saying why where a GPU is present.

Data: dev/data/enwik8.py writes the shards once to DATA_DIR, from the file given (raw, or a zip
holding "enwik8"), else from DATA_DIR/enwik8.zip, downloaded when missing; DATA_DIR/enwik8_source.txt
records the source. A file that is not the one the existing shards were made from is refused
(PREPARE=1 re-writes them). Only data with enwik8's published md5 gives a line labelled "enwik8 test".
Stopped by Ctrl-C (or SIGTERM) the trainer writes a checkpoint; the same command again resumes
from the newest checkpoint in OUT, and for a finished run evaluates the test stream again. A run in
OUT of another MODEL, B, T, LR or WARMUP is an error (not resumed, nor reported as this one's): give
each its own OUT. More STEPS go on from a finished run.

Time: about 66 minutes on one H200 at the default size (60,000 steps of 32K bytes); the CPU
trainer would need about a year. A small end-to-end run on a stand-in file, in seconds on a CPU:
  ALLOW_ANY_SIZE=1 MODEL=d32:l2:v256 B=4 T=64 STEPS=12 WARMUP=2 VAL_EVERY=6 CKPT_EVERY=6 \
    OUT=/tmp/e8 DATA_DIR=/tmp/e8data bash scripts/run_enwik8.sh dev/data/tinyshakespeare.txt

Environment (defaults in brackets):
  OUT [out/enwik8]  DATA_DIR [dev/data/enwik8]  MODEL [d512:l24:v256]  B [16]  T [2048]
  STEPS [60000]  LR [2e-3]  WARMUP [1000]  VAL_EVERY [1000]  CKPT_EVERY [2000]
  GEN [400]            bytes sampled at the end, from "<page>"; 0 = none
  ALLOW_ANY_SIZE [0]   1: accept a source that is not 100,000,000 bytes (split 90/5/5; a stand-in)
  PREPARE [0]          1: re-write the shards even if they exist
  EXTRA                more trainer flags, appended last; none of those the script sets itself
                       (-i -j -es -e -b -t -x -l -u -q -c -v -m -n -nk -g -p -o -y)
Writes the shards DATA_DIR/enwik8_{train,val,test}.bin with DATA_DIR/enwik8_source.txt (and
DATA_DIR/enwik8.zip where it downloads it), then OUT/main.log, OUT/commands.txt (each run's command line),
OUT/run.out (the trainer's output, appended), OUT/data_source.txt (the source of the shards trained on)
and the two newest checkpoints (-nk 2: their model_, state_ and DONE_ files).
EOF
}
. "$(dirname "$0")/script_lib.sh" # die, check_script_args, extra_args, same_run_settings, run_logged, copy_whole
check_script_args "bash scripts/run_enwik8.sh [enwik8 | enwik8.zip]" 1 "$@"
SRC=${1:+$(realpath -m "$1")} # relative to where the script was called from
if [ -n "$SRC" ]; then
    [ -e "$SRC" ] || die "no such file: $1"
    [ -f "$SRC" ] || die "not a regular file: $1"
fi
for v in ALLOW_ANY_SIZE PREPARE; do
    case "${!v:-0}" in 0|1) ;; *) die "$v must be 0 or 1, got '${!v}'" ;; esac
done
ALLOW_ANY_SIZE=${ALLOW_ANY_SIZE:-0}
extra_args -i:DATA_DIR -j:DATA_DIR -es:DATA_DIR -e:MODEL -b:B -t:T -x:STEPS -l:LR -u:WARMUP -q -c -v:VAL_EVERY -m \
    -n:CKPT_EVERY -nk -g:GEN -p -o:OUT -y
# OUT and DATA_DIR given relative to where the script was called from, as the file is (the defaults: in the repository)
if [ -n "${OUT:-}" ]; then OUT=$(realpath -m -- "$OUT"); fi
if [ -n "${DATA_DIR:-}" ]; then DATA_DIR=$(realpath -m -- "$DATA_DIR"); fi
# ... and so is a MODEL file or directory (it was looked for in the repository, where the script moves)
if [ -n "${MODEL:-}" ] && [ -e "$MODEL" ]; then MODEL=$(realpath -- "$MODEL"); fi
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/out/enwik8} # (named whole: the messages are read in the caller's directory)
DATA_DIR=${DATA_DIR:-$PWD/dev/data/enwik8}
MODEL=${MODEL:-d512:l24:v256}
B=${B:-16}
T=${T:-2048}
STEPS=${STEPS:-60000}
LR=${LR:-2e-3}
WARMUP=${WARMUP:-1000}
VAL_EVERY=${VAL_EVERY:-1000}
CKPT_EVERY=${CKPT_EVERY:-2000}
GEN=${GEN:-400}
for v in B T STEPS; do require_uint "$v" 1; done
for v in WARMUP VAL_EVERY CKPT_EVERY GEN; do require_uint "$v" 0; done
require_lr LR
can_make_dir "$OUT" # (before the build, the download and the split)
# a run in OUT of other settings is neither resumed nor reported as this one (STEPS aside: a longer run goes on, a
# finished longer one is evaluated at its own end; VAL_EVERY, CKPT_EVERY and GEN change no test result)
same_run_settings "$OUT" -e:MODEL -b:B -t:T -l:LR -u:WARMUP
# the trainer, built first: a MODEL it refuses (a mistyped descriptor) is refused before the data is downloaded and
# split (it was after). A descriptor or preset is built and dropped (-x 0 -p "" -g 0 reads no data and, with the empty
# prompt, no tokenizer, whatever the vocabulary); a model file or directory is read by the run itself
pick_trainer # (BIN)
make -s "${BIN#./}"
if [ ! -e "$MODEL" ]; then
    probe=$("$BIN" -e "$MODEL" -x 0 -p "" -g 0 -pn 1 -pr 0 -pl 0 2>&1) || die "MODEL=$MODEL: $(echo "$probe" | tail -n 1 | sed 's/^error: //')"
fi

# the shards, made once; enwik8_source.txt (dev/data/enwik8.py) says from what
TRAIN="$DATA_DIR/enwik8_train.bin" VAL="$DATA_DIR/enwik8_val.bin" TEST="$DATA_DIR/enwik8_test.bin"
STAMP="$DATA_DIR/enwik8_source.txt"
stamp() { sed -n "s/^$1 //p" "$2" 2>/dev/null | head -n 1; } # stamp <key> <file>: its value
# from_source <stamp file>: SRC is the file the stamp records, or the same bytes zipped or unzipped (the md5 of the
# bytes split; python3 reads a zip)
from_source() {
    [ "$(stamp sha256 "$1")" = "$(sha256sum < "$SRC" | cut -d ' ' -f 1)" ] && return 0
    command -v python3 >/dev/null || return 1
    local want; want=$(stamp content_md5 "$1")
    [ -n "$want" ] && [ "$want" = "$(python3 dev/data/enwik8.py --content-md5 "$SRC" 2>/dev/null || true)" ]
}
if [ "${PREPARE:-0}" = 1 ] || [ ! -f "$TRAIN" ] || [ ! -f "$VAL" ] || [ ! -f "$TEST" ]; then
    command -v python3 >/dev/null || die "python3 is needed to prepare the shards (dev/data/enwik8.py)"
    # a run in OUT that the shards of another file could not resume is refused before they are written (it was
    # refused after, the shards re-written, minutes for enwik8)
    if [ -n "$SRC" ] && [ -f "$OUT/data_source.txt" ] && ! from_source "$OUT/data_source.txt"; then
        die "$OUT holds a run trained on shards of $(stamp path "$OUT/data_source.txt"), not of $SRC: another OUT," \
            "or $(start_afresh "$OUT") to start over"
    fi
    ANY_SIZE=()
    [ "$ALLOW_ANY_SIZE" = 1 ] && ANY_SIZE=(--allow-any-size)
    python3 dev/data/enwik8.py ${SRC:+"$SRC"} -o "$DATA_DIR" ${ANY_SIZE[@]+"${ANY_SIZE[@]}"}
elif [ -n "$SRC" ]; then
    [ -f "$STAMP" ] || die "$DATA_DIR has shards of unrecorded source (no enwik8_source.txt): PREPARE=1 to re-write them from $1"
    if ! from_source "$STAMP"; then
        die "$DATA_DIR holds shards of $(stamp path "$STAMP") ($(stamp bytes "$STAMP") bytes), not of $SRC ($(stat -c %s "$SRC") bytes):" \
            "PREPARE=1 to re-write them, or another DATA_DIR"
    fi
fi
if [ -f "$STAMP" ] && [ "$(stamp content_bytes "$STAMP")" != 100000000 ] && [ "$ALLOW_ANY_SIZE" != 1 ]; then
    die "$DATA_DIR holds shards of $(stamp path "$STAMP") ($(stamp content_bytes "$STAMP") bytes), not of enwik8" \
        "(100000000 bytes): ALLOW_ANY_SIZE=1 to use them"
fi

if [ "$BIN" = ./train_mamba ] && [ "$MODEL:$B:$T:$STEPS" = "d512:l24:v256:16:2048:60000" ]; then
    echo "warning: the default size on the CPU trainer would take about a year (66 minutes on an H200);" \
         "Ctrl-C stops it with a checkpoint, -h shows a small setting"
fi
make_dir "$OUT"
# a run resumed on other data would mix the two: OUT remembers the data it was trained on
if [ -f "$STAMP" ]; then
    if [ -f "$OUT/data_source.txt" ] && [ "$(stamp content_md5 "$OUT/data_source.txt")" != "$(stamp content_md5 "$STAMP")" ]; then
        die "$OUT holds a run trained on shards of $(stamp path "$OUT/data_source.txt"), but $DATA_DIR's are of" \
            "$(stamp path "$STAMP"): another OUT, or $(start_afresh "$OUT") to start over"
    fi
    # written whole or not at all (copy_whole): a cp killed part-way left it cut short, and the run in OUT was then
    # refused as one trained on other shards (its content_md5 line missing); not written again where it holds the same
    # bytes, as for every resumed run
    cmp -s -- "$STAMP" "$OUT/data_source.txt" || copy_whole "$STAMP" "$OUT/data_source.txt"
fi
# 32K bytes per step (B*T); 60K steps = 2.0B bytes, ~22 epochs of the 90M training bytes
PROMPT=(-p "<page>"); [ "$GEN" = 0 ] && PROMPT=() # (the trainer notes a prompt that -g 0 does not use)
run_logged "$OUT" "$STEPS" ", before the test evaluation" \
    "$BIN" -i "$(glob_escape "$TRAIN")" -j "$(glob_escape "$VAL")" -e "$MODEL" -b "$B" -t "$T" -x "$STEPS" -l "$LR" -u "$WARMUP" -q 0.05 -c 0.1 \
    -v "$VAL_EVERY" -m 20 -n "$CKPT_EVERY" -nk 2 -g "$GEN" ${PROMPT[@]+"${PROMPT[@]}"} -o "$OUT" -y 1 -es "$(glob_escape "$TEST")" ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}

# the score of this run: main.log's newest stream_loss line, at the step this run ended on (a finished
# run started again ends on its checkpoint's step), and the number the trainer just printed
last=$(echo "$THIS_RUN" | sed -n 's/^nothing to train: the checkpoint is at step \([0-9]*\).*/\1/p' | tail -n 1)
last=${last:-$STEPS}
logged=$(grep ' stream_loss:' "$OUT/main.log" | tail -n 1 || true)
bpb=$(echo "$logged" | sed -n "s/^s:$last stream_loss:.* bpb:\([^ ]*\) .*/\1/p")
printed=$(echo "$THIS_RUN" | sed -n 's/^stream eval .* bits\/byte \([^ ]*\) .*/\1/p' | tail -n 1)
if [ -z "$bpb" ] || [ "$bpb" != "$printed" ]; then
    die "no test result of this run (step $last) in $OUT/main.log (its last: '${logged:-none}'); see $OUT/run.out"
fi
summary="wall time $RUN_SECONDS s with $BIN, $MODEL, $(count_of "$last" step)"
if [ "$(stamp enwik8 "$STAMP")" = 1 ]; then
    echo "enwik8 test: $bpb bits per byte over the test stream (Transformer 12L 44M: 1.11, Transformer-XL 12L 41M: 1.06); $summary"
elif [ -f "$STAMP" ]; then
    echo "stand-in test (not enwik8, not comparable with published enwik8 numbers): $bpb bits per byte over the test" \
         "stream of $(stamp path "$STAMP"); $summary"
else
    echo "test of unverified shards (no $STAMP; PREPARE=1 re-makes and checks them): $bpb bits per byte over the" \
         "test stream; $summary"
fi
