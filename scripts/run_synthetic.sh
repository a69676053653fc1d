#!/usr/bin/env bash
# The Mamba paper's synthetic tasks, with and without selection (descriptor field s0), on one GPU.
#   bash scripts/run_synthetic.sh [out dir] [induction steps] [copy steps]    (-h: settings, time)
# Induction heads (paper 4.1.2): 2 layers, C=64, vocab 16, trained at L=256, batch 8, Adam lr 1e-3,
#   no weight decay; then token accuracy at L = 2^6 .. 2^20 (paper: 205K steps; here fewer, stated).
# Selective copying (paper 4.1.1): 2 layers, C=64, vocab 16, 16 data tokens among noise then 16
#   markers; paper L=4096, batch 64, lr 1e-4, 400K steps; here L=1024 (COPY_L sets it), lr 1e-3
#   (COPY_LR sets it) and fewer steps, stated.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -euo pipefail
usage() {
    cat <<'EOF'
Usage: bash scripts/run_synthetic.sh [out dir] [induction steps] [copy steps]
       (defaults: out/synthetic, 8000, 6000)

The Mamba paper's synthetic tasks, each with the selective model (s1) and without selection (s0):
  induction heads (paper 4.1.2): 2 layers, C=64, vocab 16, trained at L=256, batch 8, Adam LR 1e-3,
    no weight decay; then the accuracy at the answer position (one per sequence) at L = 2^6 .. 2^20,
    each length on VAL_SEQS sequences of the synthetic val set (its first VAL_SEQS / EVAL_B batches);
  selective copying (paper 4.1.1): 2 layers, C=64, vocab 16, 16 data tokens among noise in COPY_L
    positions then 16 markers, batch 64, Adam LR 1e-3; accuracy over the 16 answers of 20 x 64 val
    sequences.
The paper trains longer (205K / 400K steps), copies at L=4096 (COPY_L=4096 here: 15 ms per step on
an H200 shared by two such runs, doc/results.md) and at LR 1e-4 (COPY_LR=1e-4 here; the higher default
learns the task in the fewer steps run here); the printed lines say what ran.
The defaults are a quick look; doc/results.md has 100K-step runs of four seeds and how far each
generalises, one call per seed, each in its own out dir (SEED=<n> SEL=1 EVAL_B=8 bash
scripts/run_synthetic.sh out/syn_<n> 100000 20000: about 2 minutes on an H200, the 20K copying steps included).
Writes OUT/<run>/ (main.log, checkpoint), OUT/<run>.txt (the trainer's output, appended) and
OUT/induction_s<0|1>_lengths.txt (one line per length; written whole once every length is measured,
none after a stop or failure part-way). Run again, the script resumes a stopped run and keeps a
finished one (bash scripts/clear_run_dir.sh OUT/<run> clears it, to train it again), whose final
model it evaluates again; fewer steps than a run in OUT already has is an error.

Time: about 2.5 minutes at the defaults on one H200: the four trainings ~46 s (induction 0.45
ms/step, copying 2.2 ms/step), the length evaluations ~50 s per variant at VAL_SEQS=256 and EVAL_B=1
(0.15 s per sequence at 2^20, 0.04 at 2^18), ~17 s at EVAL_B=8. It uses the GPU trainer (train_mamba_cu) where `make
train` would (a GPU of compute capability 8.0 or newer, and nvcc), else the CPU one, which needs hours at the default step counts (copying takes ~3 s/step on
2 cores) and for the long evaluations (~1 min per sequence at L=2^20: use VAL_SEQS=16 there; one
sequence of 2^20 tokens also needs ~11 GB of memory on the CPU trainer, 2^16 ~0.7 GB). A quick CPU
run (about 1.5 minutes on 2 idle cores, nearly all of it the copying task: its 5 steps and its two val
evaluations of 20 x 64 sequences, at step 0 and at the end, each taking about as long as the 5 steps):
  SEL=1 LENGTHS="6 8" VAL_SEQS=4 bash scripts/run_synthetic.sh /tmp/syn 20 5

Environment (defaults in brackets):
  TASKS ["induction copy"]          the tasks to run (induction first when both)
  SEL ["1 0"]                       the variants: 1 selective, 0 no selection
  SEED [1337]                       the trainer's seed (-sd: init and data; not 0, whose batches are the
                                    val set). Whether induction heads generalise to long L varies with
                                    it (doc/results.md); compare seeds with one out dir each, e.g.
                                    for s in 1337 1 2; do SEED=$s bash scripts/run_synthetic.sh out/syn_$s; done
  LENGTHS ["6 8 10 12 14 16 18 20"] the induction test lengths L = 2^p, as the exponents p
  VAL_SEQS [256]                    sequences (answers) per test length; the paper's tables are in
                                    steps of 1/256, so about as many
  EVAL_B [1]                        sequences per evaluation batch (divides VAL_SEQS): more is faster
                                    where memory allows, ~5 KB per token on the GPU (8 x 2^20 tokens:
                                    ~40 GB; EVAL_B x 2^p is at most 2^30); another EVAL_B measures other
                                    sequences of the same val set
  COPY_L [1024]                     the copying task's noise region, in which the 16 data tokens lie
                                    (the sequence is COPY_L + 16 tokens); the paper's is 4096. Runs at
                                    another length than 1024 are OUT/copy_L<COPY_L>_s<0|1>; at most
                                    16777200 (a batch of 64 sequences is at most 2^30 tokens)
  IND_LR [1e-3]                     the induction runs' peak LR (-l: after 200 warmup steps, constant)
  COPY_LR [1e-3]                    the copying runs' (the paper's is 1e-4). A run in OUT at another LR
                                    is an error (not resumed or kept): give each LR its own out dir
  EXTRA                             more trainer flags, appended last to every trainer call, training
                                    and evaluation alike (e.g. "-nt 2" for the CPU trainer's threads);
                                    split on whitespace, no quoting; none of the flags the script sets
                                    itself (-e -i -j -b -t -m -v -g -s -c -u -k -sd -l -x -o -y)
  BIN [./train_mamba_cu with a GPU, else ./train_mamba]   the trainer (built by make unless given; as for
                                    make train, a GPU needs compute capability 8.0 or newer and nvcc); a
                                    path given is relative to where the script is called from, a name
                                    without a slash a command of the PATH
EOF
}
. "$(dirname "$0")/script_lib.sh" # die, check_script_args
check_script_args "bash scripts/run_synthetic.sh [out dir] [induction steps] [copy steps]" 3 "$@"
OUT=${1:+$(realpath -m "$1")} # a given directory is relative to where the script was called from
IND_STEPS=${2:-8000}
COPY_STEPS=${3:-6000}
SEL=${SEL:-1 0}
SEED=${SEED:-1337}
LENGTHS=${LENGTHS:-6 8 10 12 14 16 18 20}
VAL_SEQS=${VAL_SEQS:-256}
EVAL_B=${EVAL_B:-1}
TASKS=${TASKS:-induction copy}
COPY_L=${COPY_L:-1024}
IND_LR=${IND_LR:-1e-3}
COPY_LR=${COPY_LR:-1e-3}
# EXTRA goes last to every trainer call, training and evaluation alike: none of the flags the script gives them (an -l
# trained at another LR than the one the state file check reads; -x 5 or -b 16 went to the length evaluations too)
extra_args -e -i -j -b:EVAL_B -t:"LENGTHS / COPY_L" -m:"VAL_SEQS / EVAL_B" -v -g -s -c -u -k -sd:SEED -l:"IND_LR / COPY_LR" \
    -x:"the step arguments" -o:"the out dir" -y
require_uint VAL_SEQS 1
if ! is_uint "$EVAL_B" || [ "$EVAL_B" -lt 1 ] || [ $(( VAL_SEQS % EVAL_B )) -ne 0 ]; then
    die "EVAL_B must be a positive integer that divides VAL_SEQS ($VAL_SEQS), got '$EVAL_B'"
fi
is_uint "$IND_STEPS" && [ "$IND_STEPS" -ge 1 ] || die "induction steps must be a whole number from 1 to 999999999, got '$IND_STEPS'"
is_uint "$COPY_STEPS" && [ "$COPY_STEPS" -ge 1 ] || die "copy steps must be a whole number from 1 to 999999999, got '$COPY_STEPS'"
for sel in $SEL; do case "$sel" in 0|1) ;; *) die "SEL must list 1 and / or 0, got '$SEL'" ;; esac; done
do_induction=0; do_copy=0
for task in $TASKS; do
    case "$task" in induction) do_induction=1 ;; copy) do_copy=1 ;; *) die "TASKS must list induction and / or copy, got '$TASKS'" ;; esac
done
[ $(( do_induction + do_copy )) -gt 0 ] || die "TASKS must list induction and / or copy, got '$TASKS'"
# the 16 data tokens lie at distinct positions of the noise region; a batch, -b 64 x -t (COPY_L + 16), is at most the
# trainer's 2^30 tokens (which also keeps the CPU time estimate below within bash's 64-bit arithmetic)
require_uint COPY_L 16 $(( (1 << 30) / 64 - 16 ))
for v in IND_LR COPY_LR; do require_lr "$v"; done
# (a blank list, refused as SEL's and TASKS' are: LENGTHS=" " skipped every length evaluation and wrote an empty lengths
# file; SEL of tabs alone trained nothing)
[ -n "${SEL//[[:space:]]/}" ] || die "SEL must list 1 and / or 0, got '$SEL'"
[ -n "${LENGTHS//[[:space:]]/}" ] || die "LENGTHS lists exponents p (L = 2^p) in [2, 30], got '$LENGTHS'"
# (the trainer's -sd is an int, and 0 it refuses with a synthetic task, whose val set is seed 0's batches: both were
# refused by the trainer only after the build and with the out dir made)
[[ "$SEED" =~ ^-?[0-9]{1,10}$ ]] && (( 10#${SEED#-} >= 1 && 10#${SEED#-} <= 2147483647 )) ||
    die "SEED must be a nonzero integer from -2147483647 to 2147483647 (seed 0's batches are the val set), got '$SEED'"
for p in $LENGTHS; do
    if ! is_uint "$p" || [ "$p" -lt 2 ] || [ "$p" -gt 30 ]; then die "LENGTHS lists exponents p (L = 2^p) in [2, 30], got '$p'"; fi
    # an evaluation batch, -b EVAL_B x -t 2^p, is at most the trainer's 2^30 tokens (it was refused at that length's
    # evaluation, after the trainings)
    if [ "$do_induction" = 1 ] && [ $(( EVAL_B << p )) -gt $(( 1 << 30 )) ]; then
        die "EVAL_B=$EVAL_B sequences of L = 2^$p (LENGTHS) are $(( EVAL_B << p )) tokens, more than the trainer's 2^30 in one batch:" \
            "a smaller EVAL_B (at most $(( (1 << 30) >> p )) at this length) or a shorter L"
    fi
done
# a BIN given is the caller's, as OUT is (a relative one was looked for in the repository, where the script moves, and
# every training failed with "No such file or directory"), and an executable file, checked before anything runs
if [ -n "${BIN:-}" ]; then
    case "$BIN" in */*) BIN=$(realpath -m -- "$BIN") ;; esac
    found=$(type -P -- "$BIN") && [ ! -d "$found" ] || die "BIN=$BIN: no such executable file (the trainer)"
fi
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/out/synthetic} # (named whole: the messages are read in the caller's directory)
can_make_dir "$OUT" # (before the build)
# copy_run <sel>: the copying run's name (another length than 1024 is another run, with its own checkpoints)
copy_run() { if [ "$COPY_L" -eq 1024 ]; then echo "copy_s$1"; else echo "copy_L${COPY_L}_s$1"; fi; }
# last_state <run name>: the state file of the run's last checkpoint in OUT, or nothing where it has none
last_state() {
    local last=0 f s
    for f in "$OUT/$1"/state_*.bin; do
        [ -e "$f" ] || continue
        s=${f##*/state_}; s=${s%.bin}
        [[ "$s" =~ ^[0-9]{8}$ ]] && [ $((10#$s)) -gt "$last" ] && last=$((10#$s))
    done
    [ "$last" -gt 0 ] && echo "$OUT/$1/state_$(printf %08d "$last").bin"
    return 0
}
# steps_left <run name> <steps>: the steps a run in OUT still has to train (0 once finished; a stopped run resumes
# from its last checkpoint, state_<step>.bin)
steps_left() {
    local last=0 state
    [ -e "$OUT/$1/DONE_$(printf %08d "$2")" ] && { echo 0; return; }
    state=$(last_state "$1")
    [ -n "$state" ] && { last=${state##*/state_}; last=$((10#${last%.bin})); }
    echo $(( $2 > last ? $2 - last : 0 ))
}
if [ -z "${BIN:-}" ]; then
    pick_trainer # (BIN)
    make -s "${BIN#./}"
    if [ "$BIN" = ./train_mamba ]; then
        nvar=$(echo "$SEL" | wc -w) # measured on 2 cores: 72 ms per induction step, 3.1 s per copying step
        # (a copying step's time taken as proportional to its length, T = COPY_L + 16; measured at 1040); only the
        # steps still to train count: a finished run is kept, a stopped one resumes from its checkpoint
        secs=0
        for sel in $SEL; do
            secs=$(( secs + do_induction * $(steps_left "induction_s$sel" "$IND_STEPS") * 72 / 1000
                          + do_copy * $(steps_left "$(copy_run "$sel")" "$COPY_STEPS") * 31 * (COPY_L + 16) / 10400 ))
        done
        secs=$(( secs * 2 / $(nproc) ))
        # measured: one sequence of 2^16 tokens takes ~3.5 s to evaluate on 2 cores, and time grows with L
        evsecs=0
        for p in $LENGTHS; do evsecs=$(( evsecs + do_induction * VAL_SEQS * (1 << p) / 18724 )); done
        evsecs=$(( nvar * evsecs * 2 / $(nproc) ))
        if [ $(( secs + evsecs )) -ge 600 ]; then
            evals=""
            [ "$do_induction" = 1 ] && evals=", plus about $((evsecs / 3600)) h $((evsecs % 3600 / 60)) min for the length evaluations (VAL_SEQS=$VAL_SEQS)"
            echo "warning: the CPU trainer takes about $((secs / 3600)) h $((secs % 3600 / 60)) min for these step counts" \
                 "on $(nproc) cores$evals; a GPU takes minutes"
        fi
    fi
fi
SYNTH_VAL_BATCHES=20 # the val set during training: the task's first 20 batches (-m; seed 0's, disjoint from training's)
make_dir "$OUT"

# train <name> <steps> <LR variable> <model descriptor> <task> <B> <T>: trains on synth:<task> at the LR that variable
# holds (-l) with the flags of COMMON; a run in OUT of
# another LR (its state file's header float [30], doc/formats.md) is an error, not resumed at this one or kept as
# this one's result. The trainer's output is appended to OUT/<name>.txt (a resumed
# run keeps the output before its stop) and THIS_RUN is this call's part of it; a failure ends the script
# with the trainer's error line; a run stopped by Ctrl-C (SIGTERM) resumes from its checkpoint (-y 1) when
# the script runs again; a finished run of that name (hours at the long settings) is kept, and its final
# model is evaluated again; a run already past <steps> is an error (the trainer would train nothing)
train() {
    local name=$1 steps=$2 lr_var=$3 model=$4 task=$5 rc=0 start done_at state saved_lr
    # what an evaluation of the task reads; training adds its own flags (a finished run's evaluation was given them
    # too, and its output said "-x 0 trains nothing: -i -l -u -k -c -s are not used")
    local eval_flags=(-j "synth:$task" -b "$6" -t "$7" -m "$SYNTH_VAL_BATCHES")
    state=$(last_state "$name")
    if [ -n "$state" ]; then
        # (in C numbers, script_lib.sh: in a locale of decimal commas od wrote 0,001, which awk did not read as 0.001)
        saved_lr=$(od -A n -t f4 -j 120 -N 4 "$state" 2> /dev/null | tr -d ' ' || true)
        # (0: a state file of version 4 or older, which has no record of it)
        if [ -n "$saved_lr" ] && ! awk -v a="$saved_lr" 'BEGIN { exit !(a == 0) }' &&
           ! awk -v a="$saved_lr" -v b="${!lr_var}" 'BEGIN { exit !(a > b * 0.999999 && a < b * 1.000001) }'; then
            die "$OUT/$name is a run at LR $saved_lr, not $lr_var=${!lr_var}: give each LR its own out dir"
        fi
    fi
    local final="$OUT/$name/model_$(printf %08d "$steps").bin"
    start=$(stat -c %s "$OUT/$name.txt" 2>/dev/null || echo 0) # this call's output starts here
    if [ -e "$OUT/$name/DONE_$(printf %08d "$steps")" ]; then
        # the state file's header int [17] is the seed (doc/formats.md): another seed's run is not this one's result
        local saved; saved=$(od -A n -t d4 -j 68 -N 4 "$OUT/$name/state_$(printf %08d "$steps").bin" 2> /dev/null | tr -d ' ' || true)
        [ -n "$saved" ] && [ "$saved" -eq "$SEED" ] 2>/dev/null ||
            die "$OUT/$name is a finished run of seed ${saved:-(no state file)}, not SEED=$SEED: give each seed its own out dir"
        echo "$name: the finished run in $OUT/$name is kept (to train again: $(start_afresh "$OUT/$name"));" \
             "its final model is evaluated again"
        { echo "== the finished run's final model evaluated again"; "$BIN" -e "$final" "${eval_flags[@]}" -x 0 ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}; } >> "$OUT/$name.txt" 2>&1 || rc=$?
        THIS_RUN=$(tail -c +$((start + 1)) "$OUT/$name.txt")
        [ "$rc" -eq 0 ] || die "evaluating $name: the trainer exited with $rc: $(echo "$THIS_RUN" | last_error) (see $OUT/$name.txt)"
        return 0
    fi
    # (the trainer's output goes to the file alone: on the CPU a training runs for minutes to hours, so say where)
    echo "$name: training to step $steps with $BIN; its output goes to $OUT/$name.txt, checkpoints to $OUT/$name/"
    # (a stop that reaches this script reaches the trainer, which checkpoints: run_passing_stops)
    run_passing_stops "$OUT/$name.txt" 0 USR1 "$BIN" -e "$model" -i "synth:$task" "${eval_flags[@]}" "${COMMON[@]}" -l "${!lr_var}" \
        -x "$steps" -o "$OUT/$name" -y 1 ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}
    rc=$RUN_RC
    THIS_RUN=$(tail -c +$((start + 1)) "$OUT/$name.txt")
    if [ "$rc" -ne 0 ]; then
        die "training $name: the trainer exited with $rc: $(echo "$THIS_RUN" | last_error) (see $OUT/$name.txt)"
    fi
    done_at=$(echo "$THIS_RUN" | sed -n 's/^nothing to train: the checkpoint is at step \([0-9]*\).*/\1/p' | tail -n 1)
    if [ -n "$done_at" ]; then
        die "$OUT/$name holds a run trained to step $done_at, past the $steps steps asked: ask for $done_at or more" \
            "(a finished run's final model is evaluated again), or $(start_afresh "$OUT/$name") to train $steps"
    fi
    if echo "$THIS_RUN" | grep -q "^stopped by signal"; then
        echo "stopped during $name; checkpoint in $OUT/$name: run the same command again to resume"
        exit 0
    fi
}
# the trainer's error line on stdin without its "error: ", else its last line, else that it printed nothing (a BIN
# that is no trainer, such as /bin/false: the error line ended in "exited with 1: " and nothing after it)
last_error() {
    local out err
    out=$(cat)
    err=$(echo "$out" | sed -n 's/^error: //p' | tail -n 1)
    [ -n "${out//[[:space:]]/}" ] || err="it printed nothing; is BIN=$BIN the trainer?"
    echo "${err:-$(echo "$out" | tail -n 1)}"
}
# val_accuracy <what> <trainer output>: the number on its last "val accuracy" line (a BIN that exits with 0 and prints
# nothing, such as /bin/true, is said to be so: the error line ended in "trainer's output: " and nothing after it)
val_accuracy() {
    local acc; acc=$(echo "$2" | sed -n 's/^val accuracy //p' | tail -n 1)
    [ -n "${2//[[:space:]]/}" ] || die "$1: $BIN exited with 0 and printed nothing, not the trainer's 'val accuracy' line (is BIN=$BIN the trainer?)"
    [ -n "$acc" ] || die "$1: no 'val accuracy' line in the trainer's output: $(echo "$2" | tail -n 1)"
    echo "$acc"
}

# a stop (Ctrl-C, SIGTERM) during the length evaluations of run $name: one line, exit 130 (the EXIT trap set with
# it removes the partial lengths file)
lengths_stopped() {
    echo "stopped during the length evaluations of $name; its trained model is kept: run the same command again" \
         "to evaluate them" >&2
    exit 130
}

COMMON=(-v 1000 -g 0 -s 0 -c 0 -u 200 -k constant -sd "$SEED") # (training's: train() adds -m and the task's flags)
for sel in $SEL; do
    [ "$do_induction" = 1 ] || break
    name=induction_s$sel
    train "$name" "$IND_STEPS" IND_LR "d64:l2:v16:s$sel" induction 8 256
    acc=$(val_accuracy "$name" "$THIS_RUN")
    echo "== $name ($IND_STEPS steps, LR $IND_LR): val accuracy $acc (answer position of $SYNTH_VAL_BATCHES x 8 sequences, L=256)"
    model="$OUT/$name/model_$(printf %08d "$IND_STEPS").bin"
    # the lengths file is whole or absent: written as .tmp and renamed once every length is measured (an old one,
    # perhaps of another model of this name, goes first); any exit part-way (a stop, a failed evaluation, an output
    # without its accuracy) removes the .tmp
    lengths="$OUT/${name}_lengths.txt"
    rm -f "$lengths"
    trap 'rm -f "$lengths.tmp"' EXIT
    trap lengths_stopped INT TERM # (bash runs it once the trainer under way has exited)
    : > "$lengths.tmp"
    for p in $LENGTHS; do
        # one answer per sequence, EVAL_B sequences per val batch
        L=$((1 << p)); m=$(( VAL_SEQS / EVAL_B ))
        rc=0
        out=$("$BIN" -e "$model" -j synth:induction -b "$EVAL_B" -t "$L" -x 0 -m "$m" \
                  ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} 2>&1) || rc=$?
        # (a trainer evaluating with -x 0 exits at once on SIGINT / SIGTERM, with 128 + the signal)
        if [ "$rc" -eq 130 ] || [ "$rc" -eq 143 ]; then lengths_stopped; fi
        if [ "$rc" -ne 0 ]; then
            die "$name at L=2^$p: the evaluation exited with $rc: $(echo "$out" | last_error)" \
                "(the lengths before it are printed above)"
        fi
        acc=$(val_accuracy "$name at L=2^$p" "$out")
        echo "$name L=2^$p accuracy $acc ($VAL_SEQS sequences, one answer each)" | tee -a "$lengths.tmp"
    done
    mv -f "$lengths.tmp" "$lengths"
    trap - INT TERM EXIT
done
for sel in $SEL; do
    [ "$do_copy" = 1 ] || break
    name=$(copy_run "$sel")
    train "$name" "$COPY_STEPS" COPY_LR "d64:l2:v16:s$sel" copy 64 $(( COPY_L + 16 ))
    acc=$(val_accuracy "$name" "$THIS_RUN")
    echo "== $name (L=$COPY_L + 16 markers, $COPY_STEPS steps, LR $COPY_LR): val accuracy $acc (16 answers in each of $SYNTH_VAL_BATCHES x 64 sequences)"
done
