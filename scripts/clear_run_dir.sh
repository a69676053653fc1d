#!/bin/bash
# Clears a previous run out of a checkpoint directory, for `make train`, which starts the default run
# afresh each time (a fresh run into a directory holding a checkpoint is refused):
#   bash scripts/clear_run_dir.sh <dir>
# It removes only what the trainer writes there (doc/formats.md, "Checkpoint directory": main.log, commands.txt, .lock,
# tokenizer.json, model_<step>.bin, state_<step>[_<rank>].bin, DONE_<step>, model_best.bin, and the .tmp of any of them
# a killed write left), with one note naming the newest checkpoint. Anything else in <dir> (a file of yours, a
# folder, a link), or a trainer still running there, and it removes nothing: one error line, exit 1.
# TRAIN_DIR=. or TRAIN_DIR=$HOME once went to `rm -rf`.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -u
die() { echo "error: $*" >&2; exit 1; }
# (-h and a mistyped option were taken as a directory, none there: nothing to clear, exit 0; ./-x names one)
case "${1:-}" in
    -h|--help) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) die "unknown option '$1' (usage: bash scripts/clear_run_dir.sh <dir>; -h for help)" ;;
esac
[ $# -eq 1 ] && [ -n "$1" ] || die "usage: bash scripts/clear_run_dir.sh <dir>"
dir=$1
[ -e "$dir" ] || [ -L "$dir" ] || exit 0 # nothing to clear
[ -d "$dir" ] && [ ! -L "$dir" ] || die "'$dir' is not a directory: not removing it (choose another TRAIN_DIR)"
shopt -s nullglob dotglob
run_file='^(main\.log|commands\.txt|\.lock|tokenizer\.json|model_best\.bin|model_[0-9]{8,}\.bin|state_[0-9]{8,}(_[0-9]{5})?\.bin|DONE_[0-9]{8,})(\.tmp)?$'
entries=("$dir"/*)
for f in "${entries[@]}"; do
    name=${f##*/}
    if [[ ! $name =~ $run_file ]] || [ -L "$f" ] || [ ! -f "$f" ]; then
        die "'$dir' holds '$name', which the trainer does not write: removing nothing (choose another TRAIN_DIR, or clear it yourself)"
    fi
done
# a trainer running there holds an flock on .lock (train_common.h); without flock(1) the trainer's own
# lock still refuses a second run there, but only after this removed the first one's files
if [ -f "$dir/.lock" ] && command -v flock > /dev/null && ! flock -n "$dir/.lock" true; then
    die "a trainer is running in '$dir' (it holds '$dir/.lock'): removing nothing"
fi
[ ${#entries[@]} -gt 0 ] || exit 0
# said, not done silently: a run that took hours goes here (the newest complete checkpoint, DONE_<step>, is named)
last=""
for f in "$dir"/DONE_*; do step=${f##*/DONE_}; [ -n "$last" ] && [ "$((10#$step))" -le "$((10#$last))" ] || last=$step; done
echo "note: starting afresh (make train RESUME=1 continues a run instead): removing the previous run from '$dir'${last:+ (its checkpoint of step $((10#$last)))}"
rm -f -- "${entries[@]}" || die "cannot clear '$dir'"
