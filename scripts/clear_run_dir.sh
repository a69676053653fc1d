#!/bin/bash
# Clears a previous run out of a checkpoint directory, for `make train`, which starts the default run
# afresh each time (a fresh run into a directory holding a checkpoint is refused), and for a run script's out dir:
#   bash scripts/clear_run_dir.sh <dir>
#   bash scripts/clear_run_dir.sh --check <dir>    (only says, by its exit status, whether it would clear <dir>: 0 yes,
#                                                   1 no, 3 once the trainer running there has ended)
# It removes only what the trainer writes there (doc/formats.md, "Checkpoint directory": main.log, commands.txt, .lock,
# tokenizer.json, model_<step>.bin, state_<step>[_<rank>].bin, DONE_<step>, model_best.bin, and the .tmp of any of them
# a killed write left) and what the run scripts add (run.out; run_enwik8.sh's data_source.txt[.tmp]; run_pretrain.sh's
# hf/, the trainer's -hf export: its config.json, one of ours, model.safetensors, tokenizer.json, generation_config.json,
# and the tokenizer.json.tmp that a kill of an older run_pretrain.sh's copy there left;
# an hf/ without its config.json only as an export cut short leaves it: empty, with a staged file <name>.staged[.tmp], or
# one that a run in commands.txt exports to), with one note naming the newest checkpoint. Anything else in <dir> (a file
# of yours, a folder, a link), or a trainer still running there, and it removes nothing: one error line, exit 1.
# TRAIN_DIR=. or TRAIN_DIR=$HOME once went to `rm -rf`.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -u
. "$(dirname -- "${BASH_SOURCE[0]}")/script_lib.sh" # die, print_header, command_words
check=0
# (-h and a mistyped option were taken as a directory, none there: nothing to clear, exit 0; ./-x names one)
case "${1:-}" in
    -h|--help) print_header "$0"; exit 0 ;;
    --check) check=1; shift ;;
    -*) die "unknown option '$1' (usage: bash scripts/clear_run_dir.sh [--check] <dir>; -h for help)" ;;
esac
[ $# -eq 1 ] && [ -n "$1" ] || die "usage: bash scripts/clear_run_dir.sh [--check] <dir>"
dir=$1
[ -e "$dir" ] || [ -L "$dir" ] || exit 0 # nothing to clear
[ -d "$dir" ] && [ ! -L "$dir" ] || die "'$dir' is not a directory: not removing it (choose another directory)"
shopt -s nullglob dotglob
run_file='^(main\.log|commands\.txt|\.lock|tokenizer\.json|model_best\.bin|model_[0-9]{8,}\.bin|state_[0-9]{8,}(_[0-9]{5})?\.bin|DONE_[0-9]{8,})(\.tmp)?$'
# the run scripts' own: their output log, run_enwik8.sh's record of its shards' source (and the .tmp of its copy,
# script_lib.sh's copy_whole, that a kill left), the probe of make_dir (script_lib.sh) that a killed script left
script_file='^(run\.out|data_source\.txt(\.tmp)?|\.mamba_write_check\.[0-9]+)$'
# the -hf export's files (llmc/hf_io.h), staged or half-written by an export that was killed, and the .tmp of the
# copy of its tokenizer that run_pretrain.sh made there until the export's own was found the same (a kill left it)
hf_file='^((config\.json|model\.safetensors|tokenizer\.json|generation_config\.json)(\.staged(\.tmp)?)?|tokenizer\.json\.tmp)$'
# hf/ without a config.json: an export cut short (llmc/hf_io.h), which writes each file whole as <name>.staged (through
# <name>.staged.tmp), then switches them in, config.json last. It leaves an empty hf/ (killed as it began), staged files
# (killed while staging them or inside the switch), or, where an export killed inside its switch was followed by one
# killed as it began (it removes the staged files left), files of the final names alone, in an hf/ that a run recorded
# in commands.txt exports to (-o <dir> -hf <dir>/hf, as run_pretrain.sh's, either with trailing slashes). Else such files
# are yours, not cleared (they were, taken for an export cut short: a model.safetensors and tokenizer.json of yours in hf/)
hf_cut_short() { # <hf dir>
    local files=("$1"/*) staged=("$1"/*.staged "$1"/*.staged.tmp) line o hf i
    if [ ${#files[@]} -eq 0 ] || [ ${#staged[@]} -gt 0 ]; then return 0; fi
    [ -f "$dir/commands.txt" ] || return 1
    while IFS= read -r line; do
        command_words "$line" || continue
        o="" hf=""
        for ((i = 1; i + 1 < ${#WORDS[@]}; i += 2)); do
            case ${WORDS[i]} in -o) o=${WORDS[i + 1]} ;; -hf) hf=${WORDS[i + 1]} ;; esac
        done
        o=${o%"${o##*[!/]}"} hf=${hf%"${hf##*[!/]}"} # (without their trailing slashes, as the trainer takes them)
        [ -n "$o" ] && [ "$hf" = "$o/hf" ] && return 0
    done < "$dir/commands.txt"
    return 1
}
refuse() { # <entry> [why]
    die "'$dir' holds '$1', ${2:-which the trainer does not write}: removing nothing (choose another directory, or clear it yourself)"
}
entries=("$dir"/*)
files=() hf=() # (hf: the export's files, then its directory)
for f in "${entries[@]}"; do
    name=${f##*/}
    if [ "$name" = hf ] && [ -d "$f" ] && [ ! -L "$f" ]; then
        # (a config.json that is not our export's, which records llmc_vocab_size, is a model directory of yours)
        [ ! -e "$f/config.json" ] || grep -q '"llmc_vocab_size"' "$f/config.json" 2>/dev/null || refuse hf/config.json "which is no export of the trainer's (no llmc_vocab_size)"
        for g in "$f"/*; do
            [[ ${g##*/} =~ $hf_file ]] && [ ! -L "$g" ] && [ -f "$g" ] || refuse "hf/${g##*/}"
            hf+=("$g")
        done
        [ -e "$f/config.json" ] || hf_cut_short "$f" ||
            refuse hf/ "without a config.json, nor a staged file (<name>.staged) of an export cut short, nor a run in commands.txt exporting there: no export of the trainer's"
        hf+=("$f")
        continue
    fi
    # (a directory holding an export of the trainer's under another name than hf/: -hf written there by hand, not by a run
    # script; it was said to be something "the trainer does not write")
    if [ -d "$f" ] && [ ! -L "$f" ] && grep -q '"llmc_vocab_size"' "$f/config.json" 2>/dev/null; then
        refuse "$name" "an -hf export of the trainer's under another name than a run script's hf/, which alone is cleared"
    fi
    [[ $name =~ $run_file || $name =~ $script_file ]] && [ ! -L "$f" ] && [ -f "$f" ] || refuse "$name"
    files+=("$f")
done
# a trainer running there holds an flock on .lock (train_common.h); without flock(1) the trainer's own
# lock still refuses a second run there, but only after this removed the first one's files
# (--check: exit 3, for the run scripts' errors, which then say to wait for it rather than to delete the directory)
if [ -f "$dir/.lock" ] && command -v flock > /dev/null && ! flock -n "$dir/.lock" true; then
    echo "error: a trainer is running in '$dir' (it holds '$dir/.lock'): removing nothing" >&2
    exit $((check ? 3 : 1))
fi
[ "$check" = 0 ] && [ ${#entries[@]} -gt 0 ] || exit 0
# said, not done silently: a run that took hours goes here (the newest complete checkpoint, DONE_<step>, is named)
last=""
for f in "$dir"/DONE_*; do step=${f##*/DONE_}; [ -n "$last" ] && [ "$((10#$step))" -le "$((10#$last))" ] || last=$step; done
# (MAMBA_RESUME_HINT: make train's command that continues the run, which the Makefile exports to its recipe)
echo "note: starting afresh${MAMBA_RESUME_HINT:+ ($MAMBA_RESUME_HINT continues a run instead)}: removing the previous run from '$dir'${last:+ (its checkpoint of step $((10#$last)))}"
rm -f -- ${files[@]+"${files[@]}"} && { [ ${#hf[@]} -eq 0 ] || { rm -f -- "${hf[@]:0:${#hf[@]}-1}" && rmdir -- "${hf[-1]}"; }; } ||
    die "cannot clear '$dir'"
