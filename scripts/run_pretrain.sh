#!/usr/bin/env bash
# Pretraining from scratch with the Mamba paper's recipe (Gu & Dao 2023, appendix E.2, which follows
# GPT-3's): AdamW betas (0.9, 0.95), weight decay 0.1 on the weight matrices only, gradient clipping
# at 1.0, linear warmup then cosine decay to 1e-5, peak learning rate 5x GPT-3's for the model size
# (3e-3 at 125M, 1.5e-3 at 350M), 0.5M tokens per step at context 2048. One process per local GPU
# (the CPU trainer where `make train` would use it: no GPU, one older than compute capability 8.0, or no nvcc);
# restarted, it resumes from its newest checkpoint. A run in OUT of another MODEL, MICRO_B, T, BATCH_TOKENS, LR,
# WARMUP (one given) or VAL_BATCHES, or of another tokenizer (OUT/tokenizer.json, the copy each run keeps there, compared
# by content), is an error (not resumed, nor reported as this one's): give each its own OUT.
#
#   bash scripts/run_pretrain.sh <tokenizer.json> <text files...>
#   JSONL=text bash scripts/run_pretrain.sh <tokenizer.json> corpus_*.jsonl     (each line's "text" field)
#   bash scripts/run_pretrain.sh <tokenizer.json>                               (shards of DATA already made)
#
# The files are encoded once by dev/data/tokenize into DATA_train_*.bin / DATA_val_*.bin (each file,
# or each JSON line, is one document; the last VAL_FRACTION of the bytes is the val split, none at
# VAL_FRACTION=0, which needs VAL_EVERY=0); the shards are reused while they exist, with the tokenizer that
# encoded them, whose copy DATA_tokenizer.json is kept beside them (another one is refused; with a DATA glob such as
# 'data/*', the copy of each prefix whose shards it matches, data/txt_tokenizer.json for data/txt_train_*.bin), and with
# DATA_sources.txt, the files they were encoded from (other files given, or another JSONL or VAL_FRACTION, are refused). At the
# end the model is also written as a transformers directory, OUT/hf, with the tokenizer.json beside it.
# OUT also gets main.log, commands.txt (each run's command line), run.out (the output, appended), a copy of
# the tokenizer.json and the two newest checkpoints (-nk 2: their model_, state_ and DONE_ files).
# Environment (defaults in brackets):
#   MODEL [mamba-130m]     a preset or descriptor (its vocabulary must hold the tokenizer's tokens, added ones
#                          included, e.g. v50280 for GPT-NeoX's 50277: a smaller one is refused before the encoding)
#   TOKENS [20 x params]   training tokens (Chinchilla's 20 per parameter); the steps are TOKENS / BATCH_TOKENS
#   LR [by size]           peak LR; default 5x GPT-3's for the parameter count: up to 200M 3e-3,
#                          550M 1.5e-3, 1B 1.25e-3, 2B 1e-3, larger 8e-4
#   WARMUP [steps of 375M tokens, GPT-3's warmup, at most 10% of the steps]
#   BATCH_TOKENS [524288]  tokens per optimizer step, a multiple of MICRO_B * T * GPUS (the default is
#                          rounded to the nearest one, e.g. 491520 on 6 GPUs; a value you set must divide)
#   MICRO_B [8] T [2048]   per-GPU micro-batch and context; gradient accumulation makes up the rest
#   GPUS [all visible]     processes (GPUs) to use (CUDA_VISIBLE_DEVICES's list, else nvidia-smi's GPUs)
#                          (a whole number from 1, also with the CPU trainer, which runs as one process)
#   DATA [data/pretrain]   shard prefix    OUT [out/<MODEL>]    VAL_FRACTION [0.005]
#                          (the defaults in the repository; a DATA or OUT given is relative to where it is called from)
#                          (text files and JSON Lines together: encode them apart with dev/data/tokenize,
#                          e.g. -o data/txt and -j text -o data/jsonl, then DATA='data/*' reads both)
#   VAL_EVERY [250] VAL_BATCHES [20] CKPT_EVERY [1000] SAMPLE_EVERY [1000]
#   EXTRA                  more trainer flags, appended last (e.g. "-r 2" to save memory, "-z 1", or
#                          "-k wsd -kd 0.2" for warmup-stable-decay instead of the paper's cosine); none of
#                          the others the script sets itself (-i -j -tk -e -b -t -d -x -l -u -q -c -gc -v -m
#                          -n -nk -s -g -o -y -hf)
# Time: mamba-130m's default 2.58B tokens at the 326-335K tok/s measured on one H200 (doc/perf.md) take
# about 2.2 hours on one GPU; on 8, if the 1.91x measured from 1 to 2 GPUs held, ~20 minutes (not measured).
# A quick CPU run in seconds, with the repository's small test tokenizer (269 tokens):
#   MODEL=d32:l2:v270 MICRO_B=4 T=32 BATCH_TOKENS=256 TOKENS=2560 VAL_EVERY=5 CKPT_EVERY=5 \
#     OUT=/tmp/pt DATA=/tmp/pt_data bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json dev/data/tinyshakespeare.txt
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -euo pipefail
. "$(dirname "$0")/script_lib.sh" # die, extra_args, make_dir, can_make_dir, require_uint, require_product, same_run_settings, trainer_error_shown, copy_whole
case "${1:-}" in
    -h|--help) print_header "$0"; exit 0 ;;
    -*) die "unknown option '$1' (usage: bash scripts/run_pretrain.sh <tokenizer.json> [text or JSONL files...]; -h for help)" ;;
esac
[ $# -ge 1 ] || die "usage: bash scripts/run_pretrain.sh <tokenizer.json> [text or JSONL files...] (see the header)"
i=0; for a in "$@"; do i=$((i + 1)); [ -n "$a" ] || die "argument $i is empty (usage: bash scripts/run_pretrain.sh <tokenizer.json> [text or JSONL files...])"; done
TOK=$1; shift
[ -f "$TOK" ] || die "no tokenizer file $TOK"
# the trainer reads a tokenizer.json only by that name (another name is read as an llm.c .bin, which encodes no text):
# a text file given first, the tokenizer forgotten, was refused by the probe below as "-e <MODEL>: bad tokenizer magic"
case $TOK in
    *.json) ;;
    *) die "the tokenizer argument $TOK is not named .json: the first argument is the Hugging Face tokenizer.json that" \
           "encodes the text (the trainer reads one only by that name), the text or JSON Lines files after it" ;;
esac
MODEL=${MODEL:-mamba-130m}
# paths given relative to where the script was called from, before moving to the repository (--: a name may begin with -)
TOK=$(realpath -s -- "$TOK") # (-s: a link keeps the name the trainer goes by, a Hugging Face cache's tokenizer.json -> blobs/<sha>)
if [ -n "${DATA:-}" ]; then DATA=$(realpath -m -- "$DATA"); fi
if [ -n "${OUT:-}" ]; then OUT=$(realpath -m -- "$OUT"); fi
[ -e "$MODEL" ] && MODEL=$(realpath -- "$MODEL")
FILES=()
for f in "$@"; do FILES+=("$(realpath -m -- "$f")"); done
for f in "${FILES[@]}"; do [ -e "$f" ] || die "no such file $f (the text or JSON Lines files to encode)"; done
# (-k is left to EXTRA: the schedule, e.g. "-k wsd -kd 0.2", below)
extra_args -i:DATA -j:DATA -tk:"the tokenizer argument" -e:MODEL -b:MICRO_B -t:T -d:BATCH_TOKENS -x:TOKENS -l:LR -u:WARMUP -q -c -gc \
    -v:VAL_EVERY -m:VAL_BATCHES -n:CKPT_EVERY -nk -s:SAMPLE_EVERY -g -o:OUT -y -hf:OUT
cd "$(dirname "$0")/.."
# the defaults in the repository, named whole, as the other run scripts' (they were the caller's data/ and out/)
DATA=${DATA:-$PWD/data/pretrain}
OUT=${OUT:-$PWD/out/$(basename -- "$MODEL")}
BATCH_GIVEN=${BATCH_TOKENS:+1}
BATCH_TOKENS=${BATCH_TOKENS:-524288}
MICRO_B=${MICRO_B:-8}
T=${T:-2048}
VAL_FRACTION=${VAL_FRACTION:-0.005}
VAL_EVERY=${VAL_EVERY:-250}
VAL_BATCHES=${VAL_BATCHES:-20}
CKPT_EVERY=${CKPT_EVERY:-1000}
SAMPLE_EVERY=${SAMPLE_EVERY:-1000}
# script_lib's is_uint / require_uint: below 10^9, the trainer's flags being ints (a longer number here overflowed
# bash's 64-bit arithmetic, e.g. TOKENS=9223372036854775808 became a negative step count, "less than one step")
for v in BATCH_TOKENS MICRO_B T VAL_EVERY VAL_BATCHES CKPT_EVERY SAMPLE_EVERY; do require_uint "$v" 0; done
[ -z "${WARMUP:-}" ] || require_uint WARMUP 0
# a GPUS given is a count of processes wherever it runs: the CPU trainer, which runs as one, took GPUS=x or 0 for its
# note that GPUS is not used
[ -z "${GPUS:-}" ] || require_uint GPUS 1
WARMUP_GIVEN=${WARMUP:+1}
# TOKENS and the parameter count pass 10^9 (mamba-130m's default is 2.58B tokens): at most 18 digits, which bash's
# arithmetic holds; the steps, TOKENS / BATCH_TOKENS, are a trainer flag (below 10^9)
is_count() { [[ "$1" =~ ^(0|[1-9][0-9]{0,17})$ ]]; }
[ -z "${TOKENS:-}" ] || is_count "$TOKENS" || die "TOKENS must be a whole number below 10^18, got '$TOKENS'"
# a given LR: a positive decimal number within a float's range, as the trainer's -l takes it, checked before the build
# and the encoding (awk's x + 0 > 0 let inf, 1,5 and 3e-3x through to the trainer, after both)
if [ -n "${LR:-}" ]; then
    [[ "$LR" =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]] &&
        awk -v x="$LR" 'BEGIN { exit !(x + 0 >= 1.17549436e-38 && x + 0 <= 3.4e38) }' ||
        die "LR must be a positive number, got '$LR'"
fi

# the trainer: the GPU one with one process per GPU, else the CPU one (built once the numbers are checked)
pick_trainer # (BIN)
if [ "$BIN" = ./train_mamba_cu ]; then
    if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then visible=$(echo "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | grep -c .)
    else visible=$(nvidia-smi -L | grep -c '^GPU '); fi
    GPUS=${GPUS:-$visible}
else
    BIN=./train_mamba
    if [ "${GPUS:-1}" != 1 ]; then echo "note: the CPU trainer runs as one process (GPUS=$GPUS is not used)"; fi
    GPUS=1
fi
for v in GPUS MICRO_B T; do require_uint "$v" 1; done
# (BATCH_TOKENS, the trainer's -d, below 10^9, is a whole number of micro-steps)
require_product 999999999 "BATCH_TOKENS is a multiple of it, below 10^9" MICRO_B T GPUS
UNIT=$((MICRO_B * T * GPUS)) # tokens of one micro-step over all processes
if [ -z "$BATCH_GIVEN" ] && [ $((BATCH_TOKENS % UNIT)) -ne 0 ]; then
    # the paper's 0.5M does not divide (e.g. 3, 5, 6 or 7 GPUs): the nearest multiple, at least one micro-step
    rounded=$(( (BATCH_TOKENS + UNIT / 2) / UNIT * UNIT )); [ "$rounded" -ge "$UNIT" ] || rounded=$UNIT
    echo "note: the default BATCH_TOKENS $BATCH_TOKENS is not a multiple of MICRO_B * T * GPUS = $MICRO_B * $T * $GPUS;" \
         "using $rounded (set BATCH_TOKENS to choose)"
    BATCH_TOKENS=$rounded
fi
if [ "$BATCH_TOKENS" -lt 1 ] || [ $((BATCH_TOKENS % UNIT)) -ne 0 ]; then
    die "BATCH_TOKENS $BATCH_TOKENS is not a positive multiple of MICRO_B * T * GPUS = $MICRO_B * $T * $GPUS"
fi

can_make_dir "$OUT" # (before the shards are encoded, which can take long)
# VAL_FRACTION=0 encodes no val split, which validation needs: said before the encoding (it was said after it)
if [ "$VAL_EVERY" != 0 ] && [[ "$VAL_FRACTION" =~ ^\+?(0+\.?0*|\.0+)$ ]] && ! compgen -G "${DATA}_train_*.bin" >/dev/null; then
    die "VAL_FRACTION=$VAL_FRACTION encodes no val split, which VAL_EVERY=$VAL_EVERY validates on: VAL_EVERY=0 to train without validation, or a VAL_FRACTION above 0"
fi
make -s "${BIN#./}"

# size-dependent settings from the model's parameter count (the trainer prints it; one process
# whatever the environment says, e.g. inside a Slurm job), before the encoding: a MODEL the trainer refuses (a mistyped
# descriptor) was refused after it, which can take long
# the tokenizer alone first, on a model of more than 256 tokens (one of 256 or fewer reads bytes, no tokenizer), so that a
# file the trainer refuses as a tokenizer (a config.json, say) is named as the tokenizer argument, not as -e MODEL. Only
# such an error is: the trainer's error line (fatalf's, exit status 1) naming the file (its tokenizer errors name it);
# any other failure (a trainer that cannot start, out of memory, killed by a signal) is the trainer's own, said as such
# (it was said to be the tokenizer argument's too)
# trainer_failed <exit status> <output>: a probe's failure said as the trainer's own, with its exit status (and signal) and
# its error line (or its last line)
trainer_failed() {
    local why="exit $1" err
    [ "$1" -le 128 ] || why+=", signal $(kill -l $(($1 - 128)) 2>/dev/null || echo $(($1 - 128)))"
    err=$(grep '^error: ' <<< "$2" | tail -n 1 || true)
    [ -n "$err" ] || err=$(tail -n 1 <<< "$2")
    err=${err#error: }
    die "the trainer $BIN failed ($why): ${err:-no output}"
}
rc=0; tok_probe=$("$BIN" -e d8:l1:v257 -x 0 -p " " -g 0 -tk "$TOK" -pn 1 -pr 0 -pl 0 2>&1) || rc=$?
if [ "$rc" -ne 0 ]; then
    err=$(grep '^error: ' <<< "$tok_probe" | tail -n 1 || true)
    [ "$rc" -ne 1 ] || [[ "$err" != *"$TOK"* ]] || die "the tokenizer argument: ${err#error: }"
    trainer_failed "$rc" "$tok_probe"
fi
# then the model: its error line (fatalf's, exit status 1) is -e MODEL's; any other failure (killed by a signal) the
# trainer's own (it was said to be MODEL's too)
rc=0; probe=$("$BIN" -e "$MODEL" -x 0 -p " " -g 0 -tk "$TOK" -pn 1 -pr 0 -pl 0 2>&1) || rc=$?
if [ "$rc" -ne 0 ]; then
    err=$(grep '^error: ' <<< "$probe" | tail -n 1 || true)
    [ "$rc" -ne 1 ] || [ -z "$err" ] || die "-e $MODEL: ${err#error: }"
    trainer_failed "$rc" "$probe"
fi
params=$(echo "$probe" | awk -F'|' '/\| parameters/ {gsub(/ /, "", $3); print $3}')
is_count "$params" || die "could not read the parameter count of -e $MODEL from $BIN"
# the model's vocabulary holds every id of the tokenizer, added tokens included (the trainer refused the shards' ids
# past it only once the corpus was encoded): the probe notes the tokenizer's token count where the model has fewer
# rows; a model of 256 or fewer reads bytes and no tokenizer, so the tokens are counted there with one of 257
vocab=$(echo "$probe" | sed -n 's/^| model *| V=\([0-9]*\) .*/\1/p')
is_count "$vocab" || die "could not read the vocabulary of -e $MODEL from $BIN"
count_probe=$probe
if [ "$vocab" -le 256 ]; then
    count_probe=$tok_probe
fi
tokens=$(echo "$count_probe" | sed -n "s/^note: '.*' has \([0-9]*\) tokens, more than the model's vocabulary of [0-9]*: .*/\1/p" | tail -n 1)
if [ "$vocab" -le 256 ]; then
    die "MODEL=$MODEL has vocab_size $vocab, which the trainer reads as bytes, not as the ids of $TOK" \
        "(${tokens:-257 or fewer} tokens, added tokens included): a MODEL of vocab_size ${tokens:-257} or more (a descriptor's v${tokens:-257})"
fi
if [ -n "$tokens" ]; then
    die "MODEL=$MODEL has vocab_size $vocab, too few for the ids of $TOK ($tokens tokens, added tokens included):" \
        "a MODEL of vocab_size $tokens or more (a descriptor's v$tokens)"
fi
TOKENS=${TOKENS:-$((20 * params))}
STEPS=$((TOKENS / BATCH_TOKENS))
[ "$STEPS" -ge 1 ] || die "TOKENS $TOKENS is less than one step of BATCH_TOKENS $BATCH_TOKENS"
is_uint "$STEPS" || die "TOKENS $TOKENS is $STEPS steps of BATCH_TOKENS $BATCH_TOKENS: the trainer takes at most 999999999"
if [ -z "${LR:-}" ]; then
    if [ "$params" -le 200000000 ]; then LR=3e-3
    elif [ "$params" -le 550000000 ]; then LR=1.5e-3
    elif [ "$params" -le 1000000000 ]; then LR=1.25e-3
    elif [ "$params" -le 2000000000 ]; then LR=1e-3
    else LR=8e-4; fi
fi
if [ -z "${WARMUP:-}" ]; then
    WARMUP=$(( (375000000 + BATCH_TOKENS - 1) / BATCH_TOKENS ))
    [ "$WARMUP" -le $((STEPS / 10)) ] || WARMUP=$((STEPS / 10))
fi
FINAL_FRAC=$(awk -v lr="$LR" 'BEGIN { if (lr + 0 <= 0) exit 1; f = 1e-5 / lr; printf "%.6g", (f > 1 ? 1 : f) }') ||
    die "LR must be a positive number, got '$LR'"
# a run in OUT of other settings is neither resumed nor reported as this one, said before the encoding (TOKENS aside:
# more go on from a finished run, as does the WARMUP derived from them where none is given; VAL_EVERY, CKPT_EVERY and
# SAMPLE_EVERY change neither the model nor its last val loss)
same_run_settings "$OUT" -e:MODEL -b:MICRO_B -t:T -d:BATCH_TOKENS -l:LR ${WARMUP_GIVEN:+-u:WARMUP} -m:VAL_BATCHES
# ... nor one of another tokenizer, compared by content with the copy each run started in OUT keeps there (OUT/tokenizer.json,
# which the copy below would replace): another tokenizer of the same vocabulary size passed every check, and the run
# resumed on text encoded to other ids
if compgen -G "$(glob_escape "$OUT")/DONE_*" > /dev/null && [ -f "$OUT/tokenizer.json" ] && ! cmp -s -- "$TOK" "$OUT/tokenizer.json"; then
    die "$OUT holds a run of the tokenizer $OUT/tokenizer.json, not of $TOK (their contents differ): another OUT for this one," \
        "or $(start_afresh "$OUT") to start afresh"
fi

# the shards, made once (tokenize writes all of them or none; VAL_FRACTION=0 writes no val shard), with a copy of the
# tokenizer that encoded them beside them (DATA_tokenizer.json): shards of another tokenizer are refused, not read as this
# one's ids (a new OUT on the DATA of another tokenizer of the same vocabulary size trained on them unsaid). Shards
# encoded by hand (dev/data/tokenize) have no copy, and are taken as they are
SHARD_TOK="${DATA}_tokenizer.json"
# ... and a record of what they were encoded from beside them (DATA_sources.txt: JSONL, VAL_FRACTION and each file given,
# its size and path), so that other files given for existing shards are refused: "using the existing shards" trained on
# the text encoded before (the default DATA, data/pretrain, kept the quick run's shards for the corpus given after it)
SHARD_SOURCES="${DATA}_sources.txt"
sources_record() {
    local f
    echo "jsonl ${JSONL:-}"; echo "val_fraction $VAL_FRACTION"
    for f in "${FILES[@]}"; do echo "$(stat -L -c %s -- "$f" 2>/dev/null || echo missing) $f"; done
}
# a record with its val_fraction as the number tokenize's -v reads (a float: strtof), so that one value written otherwise
# (0.10, .1, 1e-1, +0.1 against 0.1) is the same setting; it was compared as text, and the same shards were refused as
# "encoded from other settings". Text that is no decimal number is left as it is (and compared as text)
sources_key() {
    awk 'function as_float(x,   e, q, r) { # x (0 < x < 1, a float normal there) rounded to a float: 24 bits, ties to even
             e = 0; while (x < 1) { x *= 2; e++ }
             q = x * 2 ^ 23; r = int(q)
             if (q - r > 0.5 || (q - r == 0.5 && r % 2 == 1)) r++
             return r / 2 ^ (23 + e)
         }
         /^val_fraction \+?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ {
             x = substr($0, 14) + 0
             # (past the range of a float, which -v refuses, as text: 1e-50 is no 0)
             if (x == 0 ? ($2 ~ /^[^eE]*[1-9]/) : (x < 1.17549435e-38 || x > 3.4e38)) { print; next }
             if (x > 0 && x < 1) x = as_float(x)
             printf "val_fraction %.17g\n", x; next
         }
         { print }'
}
# other_shard_tokenizer: the prefix of the first shards found whose copy is of another tokenizer than TOK, else nothing.
# Each shard <prefix>_train_<n>.bin / <prefix>_val_<n>.bin (tokenize's names) has its copy in <prefix>_tokenizer.json, so
# a glob DATA (DATA='data/*': the shards of several prefixes) has each prefix's shards checked against their own copy
# (DATA_tokenizer.json alone was looked for, data/*_tokenizer.json there, which is no file: any shards were taken)
other_shard_tokenizer() {
    local f name prefix
    local -A seen=()
    while IFS= read -r f; do
        name=${f##*/}
        [[ $name =~ ^(.+)_(train|val)_[0-9]+\.bin$ ]] || continue
        prefix=${f%"$name"}${BASH_REMATCH[1]}
        [ -z "${seen[$prefix]:-}" ] || continue
        seen[$prefix]=1
        if [ -f "${prefix}_tokenizer.json" ] && ! cmp -s -- "$TOK" "${prefix}_tokenizer.json"; then echo "$prefix"; return; fi
    done < <(compgen -G "${DATA}_train_*.bin"; compgen -G "${DATA}_val_*.bin")
}
if ! compgen -G "${DATA}_train_*.bin" >/dev/null; then
    [ ${#FILES[@]} -ge 1 ] || die "no shards ${DATA}_train_*.bin / ${DATA}_val_*.bin: give the text files to encode"
    # a glob DATA names shards to read, not a prefix to write: encoding there wrote files named with the glob's '*'
    [[ "$DATA" != *[*?[]* ]] || die "DATA $DATA is a glob and no shards match it: a glob reads shards made before; give a prefix (no * ? [) to encode the files"
    make -s dev/data/tokenize
    # its error names its own flags: -v is VAL_FRACTION here
    rc=0; { err=$(dev/data/tokenize -t "$TOK" -o "$DATA" -v "$VAL_FRACTION" ${JSONL:+-j "$JSONL"} "${FILES[@]}" 2>&1 1>&3 3>&-) || rc=$?; } 3>&1
    if [ "$rc" -ne 0 ]; then
        case "$err" in
            *" -v"*) die "${err#error: }; -v here is VAL_FRACTION (now $VAL_FRACTION), and no val split is VAL_FRACTION=0 with VAL_EVERY=0" ;;
            "error: -o "*) die "${err#error: }; -o here is DATA (now $DATA), the shards' prefix" ;;
            *) echo "$err" >&2; exit "$rc" ;;
        esac
    fi
    copy_whole "$TOK" "$SHARD_TOK"
    { sources_record > "$SHARD_SOURCES.tmp" && mv -f -- "$SHARD_SOURCES.tmp" "$SHARD_SOURCES"; } 2>/dev/null ||
        { rm -f -- "$SHARD_SOURCES.tmp"; die "cannot write $SHARD_SOURCES"; }
elif other=$(other_shard_tokenizer) && [ -n "$other" ]; then
    die "the shards ${other}_*.bin were encoded with the tokenizer ${other}_tokenizer.json, not $TOK (their contents differ):" \
        "another DATA for this one, or delete $(printf %q "$other")_*.bin and $(printf %q "$other")_tokenizer.json to encode the files again"
elif [ ${#FILES[@]} -ge 1 ]; then
    # (a glob has no record of its own: the files given went unread)
    [[ "$DATA" != *[*?[]* ]] || die "DATA $DATA is a glob: it reads the shards it matches and encodes no files; give the files" \
        "with a prefix DATA (no * ? [), or none to train on those shards"
    if [ -f "$SHARD_SOURCES" ] && [ "$(sources_record | sources_key)" != "$(sources_key < "$SHARD_SOURCES")" ]; then
        die "the shards ${DATA}_*.bin were encoded from other files or settings (JSONL, VAL_FRACTION; $SHARD_SOURCES lists them)," \
            "not from these: another DATA for these files, or delete $(shell_glob "$DATA")_*.bin to encode them there"
    fi
    echo "using the existing shards ${DATA}_{train,val}_*.bin (delete them to encode the files again)"
fi
if [ "$VAL_EVERY" != 0 ] && ! compgen -G "${DATA}_val_*.bin" >/dev/null; then
    die "no val shards ${DATA}_val_*.bin (encoded with VAL_FRACTION=0): VAL_EVERY=0 to train without validation, or delete $(shell_glob "$DATA")_train_*.bin and encode again"
fi

make_dir "$OUT"
# Not written again where it holds TOK's bytes, as it does for every resumed run (checked above): a copy that failed
# part-way (a full disk) left a resumable run's copy cut short, and the run refused from then on as one of another
# tokenizer. (So neither is TOK when it is this copy itself, or OUT/hf's: a resumed run given the tokenizer the first run
# left in OUT, which cp refused as "the same file"). Written whole or not at all (copy_whole)
cmp -s -- "$TOK" "$OUT/tokenizer.json" || copy_whole "$TOK" "$OUT/tokenizer.json"
echo "pretraining $MODEL ($params parameters) on ${DATA}_train_*.bin: $(count_of "$STEPS" step) of $(count_of "$BATCH_TOKENS" token)" \
     "($(count_of $((STEPS * BATCH_TOKENS)) token)), $(count_of "$GPUS" process processes) x B=$MICRO_B x T=$T, peak LR $LR," \
     "warmup $(count_of "$WARMUP" step)," \
     "cosine to 1e-5 -> $OUT" | tee -a "$OUT/run.out"
ARGS=(-i "${DATA}_train_*.bin" -j "${DATA}_val_*.bin" -tk "$TOK" -e "$MODEL" -b "$MICRO_B" -t "$T" -d "$BATCH_TOKENS"
      -x "$STEPS" -l "$LR" -u "$WARMUP" -q "$FINAL_FRAC" -k cosine -c 0.1 -gc 1.0 -v "$VAL_EVERY" -m "$VAL_BATCHES"
      -n "$CKPT_EVERY" -nk 2 -s "$SAMPLE_EVERY" -g 128 -o "$OUT" -y 1 -hf "$OUT/hf")
start=$(date +%s)
log_start=$(stat -c %s "$OUT/run.out") # this run's part of the log starts here
# a stop that reaches this script reaches the trainer (run_passing_stops), which finishes its step and checkpoints
# while its output still has a reader
if [ "$GPUS" -gt 1 ]; then
    run_passing_stops "$OUT/run.out" 1 TERM env BIN="$BIN" bash scripts/multi_gpu.sh -n "$GPUS" "${ARGS[@]}" ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}
else
    run_passing_stops "$OUT/run.out" 1 USR1 "$BIN" "${ARGS[@]}" ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}
fi
rc=$RUN_RC
if [ "$rc" -ne 0 ]; then
    this_run=$(tail -c +$((log_start + 1)) "$OUT/run.out")
    todo=""
    if grep -q "_val_[0-9]*\.bin'*: shard too small" <<< "$this_run"; then # (not echo | grep -q: script_lib.sh, trainer_error_shown)
        todo="the val split is smaller than one batch of every process: delete $(shell_glob "$DATA")_*.bin and encode again with a larger VAL_FRACTION (now $VAL_FRACTION)"
    fi
    # the trainer's error line says what to fix; without one (a crash, a kill) the checkpoints let a rerun resume
    trainer_error_shown "$rc" "$OUT/run.out" "$this_run" "$todo"
    die "the trainer exited with $rc without an error line (see $OUT/run.out); run the same command again to resume"
fi
# (OUT/hf/tokenizer.json is the trainer's: -hf ships the -tk tokenizer.json, TOK, which the probe above has read as one
# (a TOK not named .json is refused there), staged and switched in with the weights (llmc/train_common.h,
# hf_export_tokenizer). The copy this script made after it was the same bytes, and a kill part-way left it cut short)
stopped=$(tail -c +$((log_start + 1)) "$OUT/run.out" | grep -o 'stopped by signal [0-9]* after step [0-9]*' | tail -n 1 || true)
if [ -n "$stopped" ]; then
    echo "$stopped of $STEPS (checkpoint in $OUT): run the same command again to resume"
    exit 0
fi
val=$(grep ' tel:' "$OUT/main.log" | tail -n 1 | sed 's/.*tel://' || true)
# a finished run asked for fewer steps than it has (fewer TOKENS) trains nothing: its own step count is the one reported
# (it was this command's: "after 5 steps" of a model trained for 10)
ended=$(tail -c +$((log_start + 1)) "$OUT/run.out" | sed -n 's/^nothing to train: the checkpoint is at step \([0-9]*\).*/\1/p' | tail -n 1)
done_steps=$(count_of "${ended:-$STEPS}" step); [ -n "$ended" ] && [ "$ended" != "$STEPS" ] && done_steps+=" (a finished run; TOKENS asked for $STEPS)"
echo "done: val loss ${val:-?} after $done_steps, $(( $(date +%s) - start )) s; model in $OUT (transformers directory: $OUT/hf)"
