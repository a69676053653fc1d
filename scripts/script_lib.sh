# Sourced by the reproduction scripts (run_tinyshakespeare.sh, run_enwik8.sh, run_synthetic.sh,
# run_pretrain.sh), bench.sh, gpu_check.sh, profile_step.sh, clear_run_dir.sh and, for -h or a build, multi_gpu.sh:
# numbers in the C form, their argument check, their output directory, and one trainer run whose output is shown and
# appended to OUT/run.out.
die() { echo "error: $*" >&2; exit 1; }
# print_header <script>: the -h of the scripts whose help is their header (bench.sh, clear_run_dir.sh, gpu_check.sh,
# multi_gpu.sh, profile_step.sh, run_pretrain.sh): its comment lines from the second to the first line that is none,
# without their "# ". They printed fixed line ranges ('2,15'), which a line added to the header cut off unsaid
print_header() { sed -n '2,${/^#/!q; s/^# \{0,1\}//p}' "$1"; }
. "$(dirname "${BASH_SOURCE[0]}")/main_shell.sh" # in_main_shell, for EXIT traps

. "$(dirname "${BASH_SOURCE[0]}")/c_numbers.sh" # numbers in the C form (0.01) whatever the locale
# glob_escape <path>: the path as a shard pattern (-i / -j / -es are glob patterns) that matches that file alone:
# a backslash before each \\ * ? [ (a caller's directory such as "run[1]" would else match nothing, or "run1")
glob_escape() { local s=${1//\\/\\\\}; s=${s//\*/\\*}; s=${s//\?/\\?}; s=${s//\[/\\[}; printf '%s' "$s"; }
# count_of <n> <noun> [<plural>]: "1 step", "2 steps" (<noun>s, or the plural given: "process" "processes"), as the
# trainers' plural_s (llmc/utils.h) says a count (run_pretrain.sh said "warmup 1 steps")
count_of() { if [ "$1" = 1 ]; then printf '%s %s' "$1" "$2"; else printf '%s %s' "$1" "${3:-$2s}"; fi; }
# shell_glob <pattern>: the pattern as one shell word that matches what it matches (a shard pattern such as DATA_*.bin), for
# a command offered in an error line: each character quoted for the shell (printf %q) but * ? [ ], so that a DATA such as
# "my data/d" or "run it's/d" is one word, and DATA='data/*' still a glob
shell_glob() {
    local i c word=""
    for ((i = 0; i < ${#1}; i++)); do
        c=${1:i:1}
        case $c in [][*?]) word+=$c ;; *) word+=$(printf %q "$c") ;; esac
    done
    printf '%s' "$word"
}
# copy_whole <file> <copy>: the copy written as <copy>.tmp beside it, then renamed over it, so that it is the whole file
# or the one it replaces, never part of one (a cp killed or failing part-way, a full disk, left it cut short); else one
# error line, the .tmp removed. (".tmp", as the trainer names its own, which clear_run_dir.sh clears where a kill left one)
copy_whole() {
    local err
    err=$(cp -- "$1" "$2.tmp" 2>&1 && mv -f -- "$2.tmp" "$2" 2>&1) || { rm -f -- "$2.tmp"; die "cannot write $2${err:+ (${err##*: })}"; }
}
# make_dir <dir>: mkdir -p, or one error line naming the directory and why (a file of that name, no permission); one
# that exists but takes no files (no write permission, a read-only file system) is one error line too, found by writing a
# file there (test -w says yes to root whatever the mode): the first file a script wrote there failed with bash's
# "script_lib.sh: line <n>: <dir>/induction_s1.txt: Permission denied", and no error line
make_dir() {
    local err probe="$1/.mamba_write_check.$$"
    err=$(mkdir -p -- "$1" 2>&1) || die "cannot create the directory '$1' (${err##*: })"
    err=$( { : > "$probe"; } 2>&1 ) || die "cannot write in the directory '$1' (${err##*: })"
    rm -f -- "$probe"
}
# can_make_dir <dir>: the same errors now, without creating anything (for a script that has long work to do before it
# makes the directory): an existing file in the way, or a directory that takes no files, the one given or the nearest
# that exists above it, found by writing a file there (an OUT under a read-only directory was refused by make_dir
# after run_pretrain.sh's encoding, run_enwik8.sh's download and split)
can_make_dir() {
    local d="$1" err probe
    while [ ! -e "$d" ] && [ "$d" != "$(dirname -- "$d")" ]; do d=$(dirname -- "$d"); done
    [ -d "$d" ] || die "cannot create the directory '$1' ($([ "$d" = "$1" ] && echo "File exists" || echo "Not a directory"))"
    probe="$d/.mamba_write_check.$$"
    err=$( { : > "$probe"; } 2>&1 ) || die "cannot $([ "$d" = "$1" ] && echo "write in" || echo "create") the directory '$1' (${err##*: })"
    rm -f -- "$probe"
}

# pick_trainer: BIN, the trainer `make train` runs here (make train_bin), not built: ./train_mamba_cu where a GPU of
# compute capability 8.0 or newer and nvcc are found, else ./train_mamba, with make's note saying why where a GPU is
# present (called from the repository's root). The scripts chose by nvidia-smi alone: a GPU without nvcc ended them in
# the build ("nvcc: not found", no error line), one older than 8.0 at the trainer's start
pick_trainer() {
    local name
    name=$(make -s --no-print-directory train_bin) || die "make train_bin failed: cannot tell which trainer to use"
    case "$name" in train_mamba|train_mamba_cu) ;; *) die "make train_bin named no trainer: '$name'" ;; esac
    BIN=./$name
}

# need_nvcc <script>: NVCC, the nvcc that builds train_mamba_cu (NVCC where given, else nvcc on PATH, else CUDA_HOME's,
# as the Makefile finds it), exported for make; without one, one error line before anything is built. bench.sh and
# profile_step.sh on a machine with a GPU and no CUDA Toolkit ended in the build ("nvcc: not found", a note that NCCL was
# not found, make's "Error 127")
need_nvcc() {
    local cuda=${CUDA_HOME:-/usr/local/cuda}
    if [ -n "${NVCC:-}" ]; then
        command -v -- "$NVCC" > /dev/null || die "$1: NVCC=$NVCC is no program (the nvcc that builds train_mamba_cu)"
    else
        NVCC=$(command -v nvcc || echo "$cuda/bin/nvcc")
        [ -x "$NVCC" ] || die "$1 needs nvcc (the CUDA Toolkit) to build train_mamba_cu: none on PATH nor in $cuda/bin" \
                              "(install the CUDA Toolkit, or give NVCC=/path/to/nvcc)"
    fi
    export NVCC
}

# is_uint <s>: a whole number in decimal, no sign or leading zeros, below 10^9 (the trainer's flags are ints);
# require_uint <NAME> <min> [max]: the variable NAME is one, from min to max (999999999), else one error line naming it
is_uint() { [[ "$1" =~ ^(0|[1-9][0-9]{0,8})$ ]]; }
require_uint() {
    local most=${3:-999999999}
    is_uint "${!1}" && [ "${!1}" -ge "$2" ] && [ "${!1}" -le "$most" ] || die "$1 must be a whole number from $2 to $most, got '${!1}'"
}
# require_lr <NAME>: the variable NAME is a positive decimal number within a float's range, as the trainer's -l takes
# it (0e5 is 0; 1e-50 and 1e50 are outside a float's range), else one error line naming it: checked before the data
# and the build (run_enwik8.sh's LR was refused by the trainer, as -l's, after enwik8 had been downloaded and split)
require_lr() {
    [[ "${!1}" =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]] &&
        awk -v x="${!1}" 'BEGIN { exit !(x + 0 >= 1.17549436e-38 && x + 0 <= 3.4e38) }' ||
        die "$1 must be a positive number such as 1e-3, got '${!1}'"
}
# require_product <most> <why> <NAME>...: the product of the variables (each a require_uint number) is at most <most>,
# else one error line naming them and <why>. Each factor is checked before it is multiplied: three numbers below
# 10^9 can pass 2^63, where bash's arithmetic wraps without a word (536870912 * 536870912 * 64 is 0)
require_product() {
    local most=$1 why=$2 v p=1 names="" values=""; shift 2
    for v in "$@"; do names+="${names:+ * }$v"; values+="${values:+ * }${!v}"; done
    for v in "$@"; do
        [ "${!v}" -ne 0 ] || return 0
        [ "$p" -le $(( most / ${!v} )) ] || die "$names = $values is more than $most ($why)"
        p=$(( p * ${!v} ))
    done
}

# own_flags_refused <array name> <what> <flag[:setting]>...: the trainer flags in the array (EXTRA's, split) are none of
# the flags the script sets itself (the arguments after <what>, each with the setting that sets it where one does), else
# one error line naming them and <what> (EXTRA, ...). Appended last, such a flag overrode the script's own, which the
# steps after the training still read: EXTRA="-x 5" trained 5 steps and the result was looked for at STEPS ("val loss
# (none at step 6)"), "-o <dir>" trained elsewhere than the out dir, which was then read for main.log
own_flags_refused() {
    local -n flags_given=$1
    local what=$2 spec flag a found=""; shift 2
    for spec in "$@"; do
        flag=${spec%%:*}
        for a in ${flags_given[@]+"${flags_given[@]}"}; do
            [ "$a" = "$flag" ] || continue
            found+="${found:+, }$flag"; [ "$spec" = "$flag" ] || found+=" (set by ${spec#*:})"
            break
        done
    done
    [ -z "$found" ] || die "$what must not hold flags this script sets itself: $found; got '${flags_given[*]}'"
}
# extra_args <flag[:setting]>...: EXTRA_ARGS, the trainer flags of EXTRA split on whitespace (every line, no glob
# expansion), none of them a flag the script sets itself (own_flags_refused)
extra_args() {
    read -r -d '' -a EXTRA_ARGS <<< "${EXTRA:-}" || true
    own_flags_refused EXTRA_ARGS EXTRA "$@"
}

# command_words <commands.txt line>: WORDS, the words of its command (the program first), read back from the trainer's
# quoting (record_command, doc/formats.md): each word bare, or in '...' with each ' as '\'', or in $'...' with \', \\ and
# \xNN (a '.' after the decoded $'...' word, which $(...) would strip of its last newlines). Read as bytes (LC_ALL=C): in a
# UTF-8 locale the patterns matched no byte that is not UTF-8, and a path such as OUT=run_$'\xe9' (Latin-1) made a rerun an error
command_words() {
    local LC_ALL=C s=${1#*: } w q="'"
    local bare='^([A-Za-z0-9_@%+=:,./-]+)(.*)$' quoted="^'([^']*)'(.*)\$" escaped="^\\\\'(.*)\$"
    local ansi="^\\\$'((\\\\.|[^\\\\'])*)'(.*)\$"
    WORDS=()
    while [ -n "$s" ]; do
        w=""
        while [ -n "$s" ] && [ "${s:0:1}" != " " ]; do
            if [[ $s =~ $bare ]] || [[ $s =~ $quoted ]]; then w+=${BASH_REMATCH[1]}; s=${BASH_REMATCH[2]}
            elif [[ $s =~ $escaped ]]; then w+=$q; s=${BASH_REMATCH[1]}
            elif [[ $s =~ $ansi ]]; then w+=$(printf '%b.' "${BASH_REMATCH[1]//\\\'/\\x27}"); w=${w%.}; s=${BASH_REMATCH[3]}
            else return 1; fi
        done
        WORDS+=("$w"); s=${s# }
    done
}
# start_afresh <out dir>: how to start afresh in a run's out dir, for an error line that refuses to go on with the run there:
# scripts/clear_run_dir.sh's command where it would clear the directory (the trainer's files and the run scripts' own,
# run.out among them), else "delete <dir>" (a file of the user's there, which it refuses). The error lines said "delete
# <dir>" alone, and clear_run_dir.sh refused the run scripts' out dirs, for their run.out. Where a trainer is still running
# there (it holds <dir>/.lock, as it does from its start), that comes first: wait for it to end (the advice was "delete
# <dir>", the files that trainer was writing). The out dirs are named whole (the scripts take them with realpath), and
# quoted for the shell in both commands ("delete <dir>" named "run it's" bare, which a shell reads as no path)
SCRIPT_LIB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd) # (the scripts move to the repository after sourcing this)
# CLEAR_RUN_DIR: clear_run_dir.sh as the command offered reaches it from where the script was started, where its errors
# are read: beside the script by the path that started it ("scripts/..." from the repository's root, "../scripts/..."
# from out/), else by the whole path. Set here, before the scripts move to the repository: "bash scripts/clear_run_dir.sh"
# was offered from any directory, and worked from the repository's root alone
CLEAR_RUN_DIR=$(dirname -- "$0")/clear_run_dir.sh
[ "$CLEAR_RUN_DIR" -ef "$SCRIPT_LIB_DIR/clear_run_dir.sh" ] || CLEAR_RUN_DIR=$SCRIPT_LIB_DIR/clear_run_dir.sh
start_afresh() {
    local rc=0
    bash "$SCRIPT_LIB_DIR/clear_run_dir.sh" --check "$1" > /dev/null 2>&1 || rc=$?
    if [ "$rc" -eq 3 ] || { [ -f "$1/.lock" ] && command -v flock > /dev/null && ! flock -n "$1/.lock" true 2> /dev/null; }; then
        printf 'wait for the trainer running there to end (it holds %s/.lock), then ' "$1"
    fi
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then printf 'bash %q %q' "$CLEAR_RUN_DIR" "$1"
    else printf 'delete %q' "$1"; fi
}
# same_run_settings <out dir> <flag:SETTING>...: where the out dir holds a checkpoint (a DONE_ marker), the run there was
# started with each flag at the value the variable SETTING holds now (numbers compared as numbers: 2e-3 is 0.002), as
# the last line of its commands.txt says; else one error line naming the settings that differ, before anything is
# built or run. Resumed, such a run went on at the new settings (the trainer notes a new -l and trains on); finished,
# its result was reported again as this command's. The line is read as the trainer reads its arguments (parse_options:
# flag and value in pairs, a flag given twice taking its last value): the first one was read, and a run started with
# "-l 1e-3 ... -l 2e-3", trained at 2e-3, was taken for one of 1e-3
same_run_settings() {
    local out=$1 spec flag name i old now olds="" nows="" last
    compgen -G "$(glob_escape "$out")/DONE_*" > /dev/null && [ -f "$out/commands.txt" ] || return 0
    last=$(tail -n 1 "$out/commands.txt")
    command_words "$last" || die "$out/commands.txt: cannot read its last line: $last"
    shift
    for spec in "$@"; do
        flag=${spec%%:*}; name=${spec#*:}; now=${!name}; old="(none)"
        for ((i = 1; i + 1 < ${#WORDS[@]}; i += 2)); do [ "${WORDS[i]}" = "$flag" ] && old=${WORDS[i + 1]}; done
        [ "$old" = "$now" ] && continue
        if [[ "$old$now" =~ ^[-+.0-9eE]+$ ]] && awk -v a="$old" -v b="$now" 'BEGIN { exit !(a + 0 == b + 0) }'; then continue; fi
        olds+="${olds:+, }$name=$old"; nows+="${nows:+, }$name=$now"
    done
    [ -z "$olds" ] || die "$out holds a run of $olds, not $nows: another out dir for this one, or $(start_afresh "$out") to start afresh"
}

# check_script_args <usage line> <most arguments> "$@": -h / --help print the caller's usage (its
# `usage` function) and exit 0; an unknown option, too many arguments or an empty one is one error line (an
# empty one, such as "$DIR" unset, was taken as none given: run_tinyshakespeare.sh '' started the default run)
check_script_args() {
    local line="$1" most="$2" i=0 a; shift 2
    case "${1:-}" in
        -h|--help) usage; exit 0 ;;
        -*) die "unknown option '$1' (usage: $line; -h for help)" ;;
    esac
    [ $# -le "$most" ] || die "too many arguments (usage: $line; -h for help)"
    for a in "$@"; do i=$((i + 1)); [ -n "$a" ] || die "argument $i is empty (usage: $line; -h for help)"; done
}

# trainer_error_shown <exit status> <log file> <the run's output> [what to do]: for a failed trainer whose output was
# shown. Where that holds the trainer's error line, which the user has just seen and which says what went wrong, the
# script ends with a note under it (the exit status, what to do, where the output is kept: not a second "error:"
# line, which read as a second error) and the trainer's exit status. Else it returns, and the caller's error line
# says that the trainer failed without one (a crash, a kill). A trainer that a signal killed (status 128 and up) printed
# no error line of its own: an "error:" line in its output is then the text of a sample, and not taken for one.
trainer_error_shown() {
    local rc=$1 log=$2 output=$3 todo=${4:-}
    [ "$rc" -lt 128 ] || return 0
    # (a here-string, not `echo | grep -q`: grep -q exits at the first match, echo then dies of SIGPIPE with more than
    # a pipe's 64 KiB left to write, and under pipefail the match read as none)
    grep -q '^error:' <<< "$output" || return 0
    echo "note: the trainer exited with $rc after the error above${todo:+; $todo}; its output is also in $log" >&2
    exit "$rc"
}

# run_passing_stops <log> <show: 1 or 0> <signal> <command...>: runs the command in the background, its stdout and
# stderr appended to <log> and, with show 1, shown too (tee, which ignores the stop signals, so that the command
# checkpoints while its output still has a reader), and waits for it and for tee; RUN_RC gets its exit status. A stop
# (SIGINT, SIGTERM, SIGHUP) that reaches this script is passed on to the command as <signal>: USR1 for the trainer (the
# same stop, never the second one that exits at once, so a trainer that also got the signal itself, from a Ctrl-C,
# timeout or Slurm, which reach the whole process group, still checkpoints), TERM for scripts/multi_gpu.sh (which
# passes it on as USR1). A stop sent to this script alone (kill <its pid>; a container's stop, which signals its
# first process) left the trainer training on, the script gone. A second stop here kills the command.
run_passing_stops() {
    local log="$1" show="$2" sig="$3" fd tee_pid="" job stops=0 rc rc2; shift 3
    if [ "$show" = 1 ]; then
        exec {fd}> >(trap '' INT TERM HUP; exec tee -p -a "$log"); tee_pid=$!
    else
        exec {fd}>> "$log"
    fi
    "$@" >&$fd 2>&1 <&0 &
    job=$!
    exec {fd}>&- # (tee's input then ends with the command)
    # (set after the fork: a child forked with it set runs it when a signal comes before it has reset it, main_shell.sh)
    trap 'stops=$((stops + 1)); if [ "$stops" -eq 1 ]; then kill "-$sig" "$job" 2>/dev/null; else kill -KILL "$job" 2>/dev/null; fi' INT TERM HUP
    while :; do
        rc=0; wait "$job" || rc=$?
        # a trapped signal cuts the wait short (a status past 128, the command's own not consumed): wait again
        if [ "$rc" -gt 128 ]; then rc2=0; wait "$job" 2>/dev/null || rc2=$?; [ "$rc2" -ne 127 ] && rc=$rc2; fi
        kill -0 "$job" 2>/dev/null || break
    done
    trap - INT TERM HUP
    if [ -n "$tee_pid" ]; then while kill -0 "$tee_pid" 2>/dev/null; do sleep 0.05; done; fi # (its last lines in <log>)
    RUN_RC=$rc
}

# run_logged <out dir> <steps> <stop note> <trainer command...>
# Runs the command (run_passing_stops: a stop that reaches this script reaches the trainer, which finishes its step and
# checkpoints while its output still has a reader). Sets THIS_RUN (this run's part of OUT/run.out)
# and RUN_SECONDS. A failed trainer ends the script after its error line (trainer_error_shown), or with
# an error line where it printed none; a stopped one with how to resume (<stop note> is added after the
# step, e.g. ", before the test evaluation"), exit 0.
run_logged() {
    local out="$1" steps="$2" note="$3"; shift 3
    make_dir "$out"
    touch "$out/run.out"
    local log_start start rc stopped
    log_start=$(stat -c %s "$out/run.out") # this run's part of the log starts here
    start=$(date +%s)
    run_passing_stops "$out/run.out" 1 USR1 "$@"
    rc=$RUN_RC
    RUN_SECONDS=$(( $(date +%s) - start ))
    THIS_RUN=$(tail -c +$((log_start + 1)) "$out/run.out")
    if [ "$rc" -ne 0 ]; then
        trainer_error_shown "$rc" "$out/run.out" "$THIS_RUN"
        die "the trainer exited with $rc without an error line; see $out/run.out"
    fi
    stopped=$(echo "$THIS_RUN" | sed -n 's/^stopped by signal \([0-9]*\) after step \([0-9]*\).*/\2 of '"$steps"' (signal \1)/p' | tail -n 1)
    if [ -n "$stopped" ]; then
        echo "stopped at step $stopped$note; checkpoint in $out: run the same command again to resume"
        exit 0
    fi
}
