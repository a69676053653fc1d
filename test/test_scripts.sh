#!/usr/bin/env bash
# The run scripts (scripts/run_*.sh) and scripts/plot_log.py, on the CPU in seconds: help, tiny
# end-to-end runs with stop and resume, bad arguments, and which result a run reports. One line per
# check, then "N passed, M failed".
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -u
cd "$(dirname "$0")/.." || exit 1
REPO=$(pwd)
TMP=$(mktemp -d)
trap 'in_main_shell && rm -rf "$TMP"' EXIT
. test/check.sh
GPU=0
nvidia-smi -L >/dev/null 2>&1 && GPU=1

# --- no build output is in the repository: test/test_bpe and test/test_dataloader (executables that make's implicit rule
# builds from test/*.c, `make test/test_bpe`) were committed once. Checked in a git checkout only
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    elf=$(git ls-files -z | xargs -0 -r sh -c 'for f; do [ -f "$f" ] && [ "$(head -c 4 "$f" | od -A n -c | tr -d " ")" = "177ELF" ] && echo "$f"; done' sh)
    if [ -z "$elf" ]; then ok "no_executables_tracked"; else bad "no_executables_tracked" "$(echo $elf)"; fi
    made=$(git check-ignore test/test_bpe test/test_dataloader test/test_io | wc -l)
    if [ "$made" -eq 3 ]; then ok "test_executables_ignored"; else bad "test_executables_ignored" "$made of 3 ignored"; fi
else
    echo "SKIP no_executables_tracked: not a git checkout (not counted as passed)"
fi
# --- the commits and branches the dev/cuda and llmc/cuda files cite are in this repository (the scan backward's header
# cited four commits on next/scan-bwd-* branches it does not hold). Hex words of 7-12 characters with a letter and a digit,
# not after a '.' (0.99999994f). Checked in a full git checkout only
if git rev-parse --is-inside-work-tree > /dev/null 2>&1 && [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = false ]; then
    cited=(dev/cuda/*.cu dev/cuda/*.h dev/cuda/*.sh llmc/cuda/*.cuh llmc/cuda/*.h)
    missing=""
    for h in $(grep -ohE '(^|[^.0-9A-Za-z_])[0-9a-f]{7,12}\b' "${cited[@]}" | grep -oE '[0-9a-f]+$' | grep '[a-f]' | grep '[0-9]' | sort -u); do
        git merge-base --is-ancestor "$h" HEAD 2>/dev/null || missing+=" $h"
    done
    for b in $(grep -ohE '\bnext/[A-Za-z0-9_./-]*[A-Za-z0-9_]' "${cited[@]}" | sort -u); do
        git show-ref | grep -q " refs/\(heads\|remotes/[^/]*\)/$b\$" || missing+=" branch:$b"
    done
    if [ -z "$missing" ]; then ok "dev_cuda_cited_commits_exist"; else bad "dev_cuda_cited_commits_exist" "not in this repository:$missing"; fi
else
    echo "SKIP dev_cuda_cited_commits_exist: not a full git checkout (not counted as passed)"
fi
# dev/cuda/run_scan_bench.sh runs each backward version's racecheck alone, with a limit at least that of v18's (which
# took 90 s on an H100): versions 0 12 14 17 ran in one racecheck of 80 s in all. Stand-ins for nvidia-smi, nvcc and
# cuobjdump, and for timeout, which records each limit and command: nothing is built or run
mkdir -p "$TMP/sb/bin"
for tool in nvidia-smi nvcc cuobjdump; do printf '#!/bin/sh\nexit 0\n' > "$TMP/sb/bin/$tool"; done
printf '#!/bin/sh\necho "$*" >> "%s/sb/runs"\n' "$TMP" > "$TMP/sb/bin/timeout"
chmod +x "$TMP/sb/bin/"*
OUT="$TMP/sb/out" BUILD="$TMP/sb/build" timeout -s KILL 60 env PATH="$TMP/sb/bin:$PATH" bash dev/cuda/run_scan_bench.sh > /dev/null 2>&1
races=$(sed -n 's|^\([0-9]*\) compute-sanitizer --tool racecheck .*/ssb_c32 \(.*\)$|\1 \2|p' "$TMP/sb/runs" 2>/dev/null) # "<limit> <versions>"
v18=$(awk '$2 == 18 && NF == 2 { print $1 }' <<< "$races")
short=$(awk -v most="${v18:-0}" 'NF != 2 || $1 < most' <<< "$races" | tr '\n' ';')
versions=$(awk '{ for (i = 2; i <= NF; i++) print $i }' <<< "$races" | sort -n | tr '\n' ' ')
if [ -n "$v18" ] && [ -z "$short" ] && [ "$versions" = "0 12 14 17 18 " ]; then ok "scan_bench_racecheck_limit_per_version"
else bad "scan_bench_racecheck_limit_per_version" "v18's limit '${v18}'; runs of several versions or a shorter limit: '$short'; versions '$versions'"; fi

# --- -h / --help: a usage with the settings and the time it takes, exit 0, nothing else done (no
# run started, no directory made: the output and data directories the scripts would use are set to
# paths under $TMP, and the call runs from an empty directory; a help that started a run instead is
# killed, trainer and all, by the process-group SIGKILL of timeout)
mkdir -p "$TMP/cwd"
for script in run_tinyshakespeare run_synthetic run_enwik8; do
    for flag in -h --help; do
        out=$(cd "$TMP/cwd" && OUT="$TMP/h_out" DATA_DIR="$TMP/h_data" timeout -s KILL 30 bash "$REPO/scripts/$script.sh" "$flag" 2>&1); rc=$?
        made=$(ls -A "$TMP/cwd"; ls -d -- ./-h ./--help "$TMP/h_out" "$TMP/h_data" 2>/dev/null)
        if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^Usage: bash scripts/$script.sh" && echo "$out" | grep -q "^Environment" &&
           echo "$out" | grep -q "^Time:" && [ -z "$made" ]; then ok "${script}_help $flag"
        else bad "${script}_help $flag" "rc $rc, made '$made': $(echo "$out" | tail -n 2)"; fi
    done
done
# run_synthetic.sh's -h points to doc/results.md's runs of four seeds: its command runs one seed, so it names the
# seed and an out dir per seed (it was one command with neither, which reran seed 1337 into one dir)
out=$(bash scripts/run_synthetic.sh -h 2>&1)
if echo "$out" | tr '\n' ' ' | grep -q "SEED=<n> SEL=1 EVAL_B=8 bash scripts/run_synthetic.sh out/syn_<n> 100000 20000"; then
    ok "synthetic_help_seed_command"
else bad "synthetic_help_seed_command" "$(echo "$out" | grep -A 2 'four seeds')"; fi
# the -h of run_enwik8.sh and run_pretrain.sh names the files they write (run_enwik8.sh's said "OUT/main.log, OUT/run.out
# and checkpoints", not commands.txt or data_source.txt; run_pretrain.sh's named OUT/hf alone)
missing=""
e8_help=$(bash scripts/run_enwik8.sh -h 2>&1); pt_help=$(bash scripts/run_pretrain.sh -h 2>&1)
for f in OUT/main.log OUT/commands.txt OUT/run.out OUT/data_source.txt DATA_DIR/enwik8_source.txt "-nk 2"; do
    grep -qF -- "$f" <<< "$e8_help" || missing+=" run_enwik8.sh:$f"
done
for f in main.log commands.txt run.out tokenizer.json OUT/hf "-nk 2"; do grep -qF -- "$f" <<< "$pt_help" || missing+=" run_pretrain.sh:$f"; done
if [ -z "$missing" ]; then ok "run_scripts_help_name_their_files"; else bad "run_scripts_help_name_their_files" "not named:$missing"; fi
# ... and run_pretrain.sh's says which runs in OUT it refuses, the tokenizer's among them (it listed the settings alone)
if tr '\n' ' ' <<< "$pt_help" | grep -q "A run in OUT of another MODEL, .* or VAL_BATCHES, or of another tokenizer (OUT/tokenizer.json, .*), is an error"
then ok "run_pretrain_help_names_tokenizer_refusal"
else bad "run_pretrain_help_names_tokenizer_refusal" "$(tr '\n' ' ' <<< "$pt_help" | grep -o 'A run in OUT[^:]*')"; fi
# run_pretrain.sh prints its header (recipe, usage, environment) for -h, and does nothing else
for flag in -h --help; do
    out=$(cd "$TMP/cwd" && OUT="$TMP/h_out" DATA="$TMP/h_data" timeout -s KILL 30 bash "$REPO/scripts/run_pretrain.sh" "$flag" 2>&1); rc=$?
    made=$(ls -A "$TMP/cwd"; ls -d -- "$TMP/h_out" "$TMP/h_data" 2>/dev/null)
    if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^Pretraining from scratch" && echo "$out" | grep -q "^  bash scripts/run_pretrain.sh <tokenizer.json>" &&
       [ -z "$made" ]; then ok "run_pretrain_help $flag"; else bad "run_pretrain_help $flag" "rc $rc, made '$made': $(echo "$out" | tail -n 2)"; fi
done
# the GPU-only scripts answer -h without a GPU (and without building anything)
for script in gpu_check profile_step bench; do
    out=$(cd "$TMP/cwd" && timeout -s KILL 30 bash "$REPO/scripts/$script.sh" -h 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && [ "$(echo "$out" | wc -l)" -ge 2 ] && ! echo "$out" | grep -q "^error" && [ -z "$(ls -A "$TMP/cwd")" ]; then ok "${script}_help"
    else bad "${script}_help" "rc $rc: $(echo "$out" | tail -n 2)"; fi
done
# a script whose -h prints its header prints all of it, to its first line that is no comment: its last line, and in a
# copy with one more line there (in a scratch tree), that line too (bench.sh, clear_run_dir.sh, gpu_check.sh and
# profile_step.sh printed fixed line ranges, '2,15' and the like, which a line added to the header cut off unsaid)
mkdir -p "$TMP/hdr/scripts"; cp scripts/*.sh "$TMP/hdr/scripts/"
headers="" cut="" unlike=""
for f in scripts/*.sh; do
    name=${f##*/} copy=$TMP/hdr/scripts/${f##*/}
    first=$(sed -n '2s/^# \{0,1\}//p' "$f")
    out=$(cd "$TMP/cwd" && timeout -s KILL 30 bash "$REPO/$f" -h 2>&1)
    [ -n "$first" ] && grep -qxF -- "$first" <<< "$out" || continue # (a help of its own, such as run_tinyshakespeare.sh's)
    headers+=" $name"
    last=$(awk 'NR > 1 && !/^#/ { exit } { line = $0 } END { sub(/^# ?/, "", line); print line }' "$f")
    grep -qxF -- "$last" <<< "$out" || cut+=" $name (its last line, '$last')"
    # (and as written, from its second line: its empty comment lines kept, no line before the header's first)
    want=$(awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$f")
    [ "${out:0:${#want}}" = "$want" ] || unlike+=" $name"
    awk 'NR > 1 && !/^#/ && !added { print "# an added last line"; added = 1 } { print }' "$f" > "$copy"
    out=$(cd "$TMP/cwd" && timeout -s KILL 30 bash "$copy" -h 2>&1)
    grep -qxF "an added last line" <<< "$out" || cut+=" $name (a line added at the end)"
done
if [ "$headers" = " bench.sh clear_run_dir.sh gpu_check.sh multi_gpu.sh profile_step.sh run_pretrain.sh" ] && [ -z "$cut" ]; then
    ok "help_prints_whole_header"
else bad "help_prints_whole_header" "headers printed by:$headers; cut short:${cut:- none}"; fi
if [ -n "$headers" ] && [ -z "$unlike" ]; then ok "help_prints_header_as_written"
else bad "help_prints_header_as_written" "not the header's lines from the second, each without its '# ':$unlike"; fi
# bench.sh's -h says how long a run takes (a GPU's recorded time, doc/perf.md), as the run scripts' "Time:" does
out=$(bash scripts/bench.sh -h 2>&1)
if echo "$out" | grep -q "^Time: about 3 minutes on one H100: .* took 165 s there (doc/perf.md, 2026-12-05" &&
   grep -q "bench.sh 30 -r 0\` on the H100 (165 s;" doc/perf.md; then ok "bench_help_time"
else bad "bench_help_time" "$(echo "$out" | grep -A 1 '^Time' || echo 'no Time: line')"; fi
# plot_log.py's -h says what it reads and writes, with examples (it was argparse's one line, "loss and accuracy curves
# from main.log files"), each example a command of this script
out=$(cd "$TMP/cwd" && python3 "$REPO/scripts/plot_log.py" -h 2>&1); rc=$?
examples=$(echo "$out" | sed -n '/^Examples:$/,/^$/p' | grep -c '^  python3 scripts/plot_log.py ')
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^Reads each LOG, a trainer's main.log" && echo "$out" | grep -q "^Writes OUT, one image" &&
   [ "$examples" -ge 2 ] && [ -z "$(ls -A "$TMP/cwd")" ]; then ok "plot_log_help"
else bad "plot_log_help" "rc $rc, $examples examples: $(echo "$out" | head -n 5 | tr '\n' ' ')"; fi
# every script a user runs (those with a #! line), started as `sh scripts/<name>.sh` where sh is dash (Debian's):
# it runs again in bash, so its -h is bash's, and so is a run's first error (dash stopped at `set -o pipefail`,
# at `[[`, at arrays)
if command -v dash > /dev/null; then
    for f in scripts/*.sh; do
        head -n 1 "$f" | grep -q '^#!' || continue
        want=$(cd "$TMP/cwd" && bash "$REPO/$f" -h 2>&1); got=$(cd "$TMP/cwd" && timeout -s KILL 30 dash "$REPO/$f" -h 2>&1); rc=$?
        if [ "$rc" -eq 0 ] && [ -n "$want" ] && [ "$got" = "$want" ]; then ok "dash_runs_bash $(basename "$f") -h"
        else bad "dash_runs_bash $(basename "$f") -h" "rc $rc: $(echo "$got" | head -n 2)"; fi
    done
    mkdir -p "$TMP/dash_dir"; : > "$TMP/dash_dir/mine.txt"
    expect_error_cmd dash_runs_bash_clear_run_dir "'$TMP/dash_dir' holds 'mine.txt', which the trainer does not write" \
        timeout -s KILL 30 dash scripts/clear_run_dir.sh "$TMP/dash_dir"
    expect_error_cmd dash_runs_bash_multi_gpu "BIN=$TMP is a directory" env BIN="$TMP" timeout -s KILL 30 dash scripts/multi_gpu.sh -n 2 -x 1
    expect_error_cmd dash_runs_bash_tinyshakespeare "STEPS must be a whole number from 1 to 999999999, got '0'" \
        env STEPS=0 timeout -s KILL 30 dash scripts/run_tinyshakespeare.sh "$TMP/dash_ts"
    # ... and so do the test suites and .ci/run, which a user may run as well (`sh test/test_cli.sh` said 'Bad
    # substitution' and went on): the first thing dash runs of them is bash, with the same arguments (here a stand-in
    # bash that says how it was called, alone on the PATH, so that nothing else of theirs can run)
    mkdir -p "$TMP/dash_bash"; printf '#!/bin/sh\nprintf "[%%s]" "$@"\n' > "$TMP/dash_bash/bash"; chmod +x "$TMP/dash_bash/bash"
    dash=$(command -v dash)
    for f in test/*.sh .ci/run; do
        head -n 1 "$f" | grep -q '^#!' || continue
        got=$(cd "$TMP/cwd" && timeout -s KILL 30 env PATH="$TMP/dash_bash" "$dash" "$REPO/$f" a 'b c' 2>&1)
        if [ "$got" = "[$REPO/$f][a][b c]" ]; then ok "dash_runs_bash $f"; else bad "dash_runs_bash $f" "$(echo "$got" | head -n 2)"; fi
    done
else
    echo "SKIP dash_runs_bash: no dash here (not counted as passed)"
fi
# the GPU-only scripts stop at once without a GPU, before building or writing anything
# (OUT is gpu_check.sh's alone: bench.sh and profile_step.sh write under TMPDIR, here a directory of their own, and
# every script builds with make or nvcc, here stand-ins that leave a mark; the check looked at OUT only)
if [ "$GPU" = 0 ]; then
    mkdir -p "$TMP/gpu_tmp" "$TMP/gpu_bin"
    for tool in make nvcc; do printf '#!/bin/sh\ntouch "%s/gpu_built"; exit 1\n' "$TMP" > "$TMP/gpu_bin/$tool"; chmod +x "$TMP/gpu_bin/$tool"; done
    GPU_ENV=(TMPDIR="$TMP/gpu_tmp" PATH="$TMP/gpu_bin:$PATH")
    for script in gpu_check profile_step bench; do
        expect_error_cmd "${script}_needs_gpu" "needs an NVIDIA GPU" env OUT="$TMP/gpu_out" "${GPU_ENV[@]}" timeout -s KILL 30 bash scripts/$script.sh
    done
    # ... and so does the launcher with its default trainer (it used to start building train_mamba_cu)
    expect_error_cmd multi_gpu_needs_gpu "needs an NVIDIA GPU" env -u BIN "${GPU_ENV[@]}" timeout -s KILL 30 bash scripts/multi_gpu.sh -n 2 -x 1
    if [ ! -e "$TMP/gpu_out" ] && [ -d "$TMP/gpu_tmp" ] && [ -z "$(ls -A "$TMP/gpu_tmp")" ] && [ ! -e "$TMP/gpu_built" ]; then ok "gpu_scripts_write_nothing"
    else bad "gpu_scripts_write_nothing" "OUT: $(ls -d "$TMP/gpu_out" 2>&1); TMPDIR: $(ls -A "$TMP/gpu_tmp" | tr '\n' ' '); built: $(ls "$TMP/gpu_built" 2>&1)"; fi
fi
# gpu_check.sh's exit status says whether the tests and the benchmark passed (it was 0 always): a copy in a scratch
# tree, a stand-in GPU (nvidia-smi), make (its `make test` fails when FAKE_TEST_RC says) and bench.sh
mkdir -p "$TMP/gc/scripts" "$TMP/gc/bin"
cp scripts/gpu_check.sh scripts/script_lib.sh scripts/c_numbers.sh scripts/main_shell.sh "$TMP/gc/scripts/"
printf '#!/bin/sh\necho "GPU 0: stand-in"\n' > "$TMP/gc/bin/nvidia-smi"
printf '#!/bin/sh\n[ "$1" = test ] || exit 0\necho "%s passed, %s failed"; exit $FAKE_TEST_RC\n' 1 '$FAKE_TEST_RC' > "$TMP/gc/bin/make"
printf '#!/bin/sh\necho "bench stand-in"\n' > "$TMP/gc/scripts/bench.sh"
printf '#!/bin/sh\nexit 0\n' > "$TMP/gc/bin/nvcc"
chmod +x "$TMP/gc/bin/nvidia-smi" "$TMP/gc/bin/make" "$TMP/gc/bin/nvcc"
PATH="$TMP/gc/bin:$PATH" OUT="$TMP/gc/logs" FAKE_TEST_RC=0 timeout -s KILL 30 bash "$TMP/gc/scripts/gpu_check.sh" > "$TMP/gc.out" 2>&1; rc_pass=$?
PATH="$TMP/gc/bin:$PATH" OUT="$TMP/gc/logs" FAKE_TEST_RC=2 timeout -s KILL 30 bash "$TMP/gc/scripts/gpu_check.sh" > "$TMP/gc.out" 2>&1; rc_fail=$?
if [ "$rc_pass" -eq 0 ] && [ "$rc_fail" -ne 0 ] && grep -q "^1 passed, 2 failed" "$TMP/gc/logs/test.log" &&
   grep -q "bench stand-in" "$TMP/gc/logs/bench.log"; then ok "gpu_check_exit_status"
else bad "gpu_check_exit_status" "exit $rc_pass with the tests passing, $rc_fail failing: $(tail -n 2 "$TMP/gc.out")"; fi
# ... and a relative OUT is the caller's (the logs went into the repository, where the script moves)
mkdir -p "$TMP/gc/caller"
(cd "$TMP/gc/caller" && PATH="$TMP/gc/bin:$PATH" OUT=rel_logs FAKE_TEST_RC=0 timeout -s KILL 30 bash "$TMP/gc/scripts/gpu_check.sh" > "$TMP/gc.out" 2>&1)
if [ -f "$TMP/gc/caller/rel_logs/test.log" ] && [ ! -e "$TMP/gc/rel_logs" ]; then ok "gpu_check_relative_out_is_the_callers"
else bad "gpu_check_relative_out_is_the_callers" "logs in: $(ls -d "$TMP/gc/caller/rel_logs" "$TMP/gc/rel_logs" 2>/dev/null | tr '\n' ' ')"; fi
# ... and an OUT that cannot be made is one error line before anything runs (mkdir's message was followed by tee's, and
# the build and the whole suite ran without their logs)
: > "$TMP/gc/a_file"; rm -f "$TMP/gc/made"
printf '#!/bin/sh\ntouch "%s/gc/made"\n' "$TMP" > "$TMP/gc/bin/make"
expect_error_cmd gpu_check_out_not_a_directory "cannot create the directory '$TMP/gc/a_file/logs' (Not a directory)" \
    env PATH="$TMP/gc/bin:$PATH" OUT="$TMP/gc/a_file/logs" timeout -s KILL 30 bash "$TMP/gc/scripts/gpu_check.sh"
if [ ! -e "$TMP/gc/made" ]; then ok "gpu_check_out_not_a_directory_runs_nothing"; else bad "gpu_check_out_not_a_directory_runs_nothing" "make ran"; fi
# ... and so is a machine without nvcc, on the PATH or in CUDA_HOME (the GPU builds failed, and the whole suite ran
# with them missing)
rm -f "$TMP/gc/bin/nvcc"
gc_path=$TMP/gc/bin; while read -r -d : d; do [ -x "$d/nvcc" ] || gc_path+=":$d"; done <<< "$PATH:"
expect_error_cmd gpu_check_needs_nvcc "scripts/gpu_check.sh needs nvcc (the CUDA Toolkit) to build train_mamba_cu: none on PATH nor in $TMP/gc/no_cuda/bin" \
    env -u NVCC PATH="$gc_path" CUDA_HOME="$TMP/gc/no_cuda" OUT="$TMP/gc/nvcc_logs" timeout -s KILL 30 bash "$TMP/gc/scripts/gpu_check.sh"
if [ ! -e "$TMP/gc/made" ]; then ok "gpu_check_needs_nvcc_runs_nothing"; else bad "gpu_check_needs_nvcc_runs_nothing" "make ran"; fi
# .ci/run stops at a failed fuzz-regress without leaving its libFuzzer probe's temporary directory behind (a copy in a
# scratch tree, stand-ins for clang, make and python3 on the PATH, TMPDIR a directory of its own). The clang stand-in
# reads the probe source piped to it, as clang does: one that exited first made the pipe's echo fail, and under
# pipefail the probe failed, fuzz-regress was skipped and the run passed (1 run in 17)
mkdir -p "$TMP/ci/.ci" "$TMP/ci/bin" "$TMP/ci/tmp"
cp .ci/run "$TMP/ci/.ci/"
printf '#!/bin/sh\n[ "$1" = fuzz-regress ] && exit 2; exit 0\n' > "$TMP/ci/bin/make"
printf '#!/bin/sh\ncat > /dev/null; exit 0\n' > "$TMP/ci/bin/clang"
printf '#!/bin/sh\nexit 0\n' > "$TMP/ci/bin/python3"
chmod +x "$TMP/ci/bin/make" "$TMP/ci/bin/clang" "$TMP/ci/bin/python3"
PATH="$TMP/ci/bin:$PATH" TMPDIR="$TMP/ci/tmp" timeout -s KILL 30 bash "$TMP/ci/.ci/run" > "$TMP/ci.out" 2>&1; rc=$?
if [ "$rc" -ne 0 ] && [ -z "$(ls -A "$TMP/ci/tmp")" ]; then ok "ci_run_failure_leaves_no_temp_dir"
else bad "ci_run_failure_leaves_no_temp_dir" "rc $rc, left: $(ls -A "$TMP/ci/tmp" | tr '\n' ' ')"; fi
# multi_gpu.sh builds the trainer BIN names when it is missing (it built train_mamba_cu whatever BIN said, then
# started a program that did not exist): a copy in a scratch tree, a stand-in make that records what it was asked, and
# a stand-in nvcc (checked for before a GPU trainer is built)
mkdir -p "$TMP/mg/scripts" "$TMP/mg/bin"
cp scripts/multi_gpu.sh scripts/script_lib.sh scripts/c_numbers.sh scripts/main_shell.sh "$TMP/mg/scripts/"
printf '#!/bin/sh\necho "$*" > "%s/mg/make_args"; exit 1\n' "$TMP" > "$TMP/mg/bin/make"
printf '#!/bin/sh\nexit 0\n' > "$TMP/mg/bin/nvcc"
chmod +x "$TMP/mg/bin/make" "$TMP/mg/bin/nvcc"
# (called from its tree: a relative BIN is the caller's, and only one of the tree's is built, in the tree)
(cd "$TMP/mg" && PATH="$TMP/mg/bin:$PATH" BIN=./train_mamba_cu_shm ONE_GPU=1 timeout -s KILL 30 bash scripts/multi_gpu.sh -n 2 -x 1 > /dev/null 2>&1); rc=$?
if [ "$rc" -ne 0 ] && [ "$(cat "$TMP/mg/make_args" 2>/dev/null)" = "-s -C $(cd "$TMP/mg" && pwd -P) train_mamba_cu_shm" ]; then ok "multi_gpu_builds_bin"
else bad "multi_gpu_builds_bin" "rc $rc, make $(cat "$TMP/mg/make_args" 2>&1)"; fi
# ... and without nvcc (none on the PATH nor in CUDA_HOME), a GPU trainer to build is one error line, and make is not
# run (it ended in the build: "nvcc: not found", make's "Error 127")
rm -f "$TMP/mg/make_args" "$TMP/mg/bin/nvcc"
mg_path=$TMP/mg/bin; while read -r -d : d; do [ -x "$d/nvcc" ] || mg_path+=":$d"; done <<< "$PATH:"
expect_error_cmd multi_gpu_needs_nvcc "scripts/multi_gpu.sh needs nvcc (the CUDA Toolkit) to build train_mamba_cu: none on PATH nor in $TMP/mg/no_cuda/bin" \
    env -u NVCC -C "$TMP/mg" PATH="$mg_path" CUDA_HOME="$TMP/mg/no_cuda" BIN=./train_mamba_cu timeout -s KILL 30 bash scripts/multi_gpu.sh -n 2 -x 1
if [ ! -e "$TMP/mg/make_args" ]; then ok "multi_gpu_needs_nvcc_builds_nothing"; else bad "multi_gpu_needs_nvcc_builds_nothing" "make $(cat "$TMP/mg/make_args")"; fi
# multi_gpu.sh's usage errors are one "error:" line each (they had no "error:"), and a BIN that is a directory is one
# too (it passed the -x test and every process failed with bash's "Is a directory", exit 126)
expect_error_cmd multi_gpu_usage_error "usage: .*multi_gpu.sh -n <processes>" timeout -s KILL 30 bash scripts/multi_gpu.sh -x 1
expect_error_cmd multi_gpu_bad_n_error "-n needs a number of processes from 1 to 9999, got '0'" timeout -s KILL 30 bash scripts/multi_gpu.sh -n 0 -x 1
expect_error_cmd multi_gpu_bin_directory "BIN=$TMP is a directory" env BIN="$TMP" timeout -s KILL 30 bash scripts/multi_gpu.sh -n 2 -x 1
# bench.sh keeps its programs and token files in a directory of its own, removed at any exit, and stops the scan's
# background build when a workload fails (it wrote fixed /tmp/bench_* names, which two runs shared, and left the
# build running): a copy in a scratch tree, stand-ins for nvidia-smi, make, nvcc (the scan's build sleeps) and
# python3, and a trainer that fails
mkdir -p "$TMP/bn/scripts" "$TMP/bn/bin" "$TMP/bn/tmp" "$TMP/bn/dev/cuda"
cp scripts/bench.sh scripts/script_lib.sh scripts/c_numbers.sh scripts/main_shell.sh "$TMP/bn/scripts/"
printf '#!/bin/sh\necho "GPU 0: stand-in"\n' > "$TMP/bn/bin/nvidia-smi"
printf '#!/bin/sh\nexit 0\n' > "$TMP/bn/bin/make"
printf '#!/bin/sh\nexit 0\n' > "$TMP/bn/bin/python3"
# nvcc ... -o <out> <source>: the scan playgrounds' builds sleep (the pid goes to a file), matmul_peak prints a rate
printf '#!/bin/sh\nfor a; do case "$a" in *selective_scan*) echo $$ >> "%s/bn/scan_pids"; exec sleep 60;; esac; done\nwhile [ "$1" != -o ]; do shift; done\nprintf "#!/bin/sh\\necho matmul peak 800.0 TFLOP/s\\n" > "$2"; chmod +x "$2"\n' "$TMP" > "$TMP/bn/bin/nvcc"
printf '#!/bin/sh\necho "error: stand-in trainer" >&2; exit 1\n' > "$TMP/bn/train_mamba_cu"
chmod +x "$TMP/bn/bin/"* "$TMP/bn/train_mamba_cu"
PATH="$TMP/bn/bin:$PATH" TMPDIR="$TMP/bn/tmp" timeout -s KILL 30 bash "$TMP/bn/scripts/bench.sh" 3 > "$TMP/bn.out" 2>&1; rc=$?
sleep 0.5
alive=""; for p in $(cat "$TMP/bn/scan_pids" 2>/dev/null); do pid_alive "$p" && alive="$alive $p" && kill "$p"; done
if [ "$rc" -ne 0 ] && [ -z "$(ls -A "$TMP/bn/tmp")" ] && [ -s "$TMP/bn/scan_pids" ] && [ -z "$alive" ] &&
   grep -q "stand-in trainer" "$TMP/bn.out"; then ok "bench_failure_cleans_up"
else bad "bench_failure_cleans_up" "rc $rc, left: $(ls -A "$TMP/bn/tmp" | tr '\n' ' '), scan build alive:${alive:- none} ($(cat "$TMP/bn/scan_pids" 2>/dev/null | tr '\n' ' ')): $(tail -n 2 "$TMP/bn.out")"; fi
# bench.sh and profile_step.sh with a GPU (a stand-in nvidia-smi, and ncu) but no nvcc, on the PATH or in CUDA_HOME: one
# error line that says so, before anything is built or written (they ended in the build: "nvcc: not found", make's
# "Error 127"); make is a stand-in that leaves a mark. A copy in a scratch tree
mkdir -p "$TMP/nn/scripts" "$TMP/nn/bin" "$TMP/nn/tmp"
cp scripts/bench.sh scripts/profile_step.sh scripts/script_lib.sh scripts/c_numbers.sh scripts/main_shell.sh "$TMP/nn/scripts/"
printf '#!/bin/sh\necho "GPU 0: stand-in"\n' > "$TMP/nn/bin/nvidia-smi"
printf '#!/bin/sh\nexit 0\n' > "$TMP/nn/bin/ncu"
printf '#!/bin/sh\ntouch "%s/nn/built"; exit 1\n' "$TMP" > "$TMP/nn/bin/make"
chmod +x "$TMP/nn/bin/"*
no_nvcc_path=$TMP/nn/bin; while read -r -d : d; do [ -x "$d/nvcc" ] || no_nvcc_path+=":$d"; done <<< "$PATH:"
for script in bench profile_step; do
    expect_error_cmd "${script}_needs_nvcc" "scripts/$script.sh needs nvcc (the CUDA Toolkit) to build train_mamba_cu: none on PATH nor in $TMP/nn/no_cuda/bin" \
        env -u NVCC PATH="$no_nvcc_path" CUDA_HOME="$TMP/nn/no_cuda" TMPDIR="$TMP/nn/tmp" timeout -s KILL 30 bash "$TMP/nn/scripts/$script.sh"
done
if [ ! -e "$TMP/nn/built" ] && [ -z "$(ls -A "$TMP/nn/tmp")" ]; then ok "needs_nvcc_builds_nothing"
else bad "needs_nvcc_builds_nothing" "built: $(ls "$TMP/nn/built" 2>&1); TMPDIR: $(ls -A "$TMP/nn/tmp" | tr '\n' ' ')"; fi
# profile_step.sh's model file, given relative, is the caller's (it was looked for in the repository, where the script
# moves): stand-ins for nvcc, make, python3 and ncu, which records the trainer's flags
printf '#!/bin/sh\nexit 0\n' > "$TMP/nn/bin/make"
printf '#!/bin/sh\nexit 0\n' > "$TMP/nn/bin/nvcc"
printf '#!/bin/sh\ncat > /dev/null; exit 0\n' > "$TMP/nn/bin/python3"
printf '#!/bin/sh\necho "$*" > "%s/nn/ncu_args"\n' "$TMP" > "$TMP/nn/bin/ncu"
chmod +x "$TMP/nn/bin/"*
# (model_header <file> <V>: the 1024-byte header of a model file of vocabulary V, doc/formats.md, all the script reads)
model_header() { python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<256i", 20261123, 2, int(sys.argv[1]), *[0] * 253))' "$2" > "$1"; }
mkdir -p "$TMP/nn/caller"; model_header "$TMP/nn/caller/m.bin" 300
(cd "$TMP/nn/caller" && PATH="$TMP/nn/bin:$PATH" TMPDIR="$TMP/nn/tmp" timeout -s KILL 30 bash "$TMP/nn/scripts/profile_step.sh" m.bin 2 64 > /dev/null 2>&1)
if grep -q -- "-e $TMP/nn/caller/m.bin -b 2 -t 64 " "$TMP/nn/ncu_args" 2>/dev/null; then ok "profile_step_relative_model_is_the_callers"
else bad "profile_step_relative_model_is_the_callers" "ncu ran: $(cat "$TMP/nn/ncu_args" 2>&1)"; fi
# ... and its random tokens are below the model's vocabulary size V, read where the trainer reads it (V was 50280 for
# anything but a descriptor, past a model file's or a transformers directory's smaller V, which the trainer refused): a
# preset's (each of the five), a descriptor's v<V> or its default 256, a model file's header, a directory's config.json (llmc_vocab_size,
# our export's V, below vocab_size, its rows); a file that is no model file is one error line before anything is built.
# A stand-in python3 records the V given to random_shard.py (and runs the script's own python3 -c)
printf '#!/bin/sh\ncase "$1" in -c) exec %s "$@" ;; dev/data/random_shard.py) echo "$3" > "%s/nn/shard_v" ;; *) cat > /dev/null ;; esac\n' \
    "$(command -v python3)" "$TMP" > "$TMP/nn/bin/python3"
printf '#!/bin/sh\ntouch "%s/nn/built"\n' "$TMP" > "$TMP/nn/bin/make"
mkdir -p "$TMP/nn/export"; echo '{"model_type": "mamba", "vocab_size": 272, "llmc_vocab_size": 270}' > "$TMP/nn/export/config.json"
got=""
for mv in "mamba-130m 50280" "mamba-370m 50280" "mamba-790m 50280" "mamba-1.4b 50280" "mamba-2.8b 50280" "d32:l2:v1001 1001" "d32:l2:n8 256" "$TMP/nn/caller/m.bin 300" "$TMP/nn/export 270"; do
    rm -f "$TMP/nn/shard_v"
    PATH="$TMP/nn/bin:$PATH" TMPDIR="$TMP/nn/tmp" timeout -s KILL 30 bash "$TMP/nn/scripts/profile_step.sh" "${mv% *}" 2 64 > /dev/null 2>&1
    [ "$(cat "$TMP/nn/shard_v" 2>/dev/null)" = "${mv##* }" ] || got+=" ${mv% *}: V $(cat "$TMP/nn/shard_v" 2>&1), not ${mv##* };"
done
if [ -z "$got" ]; then ok "profile_step_vocab_of_the_model"; else bad "profile_step_vocab_of_the_model" "$got"; fi
: > "$TMP/nn/caller/none.bin"; rm -f "$TMP/nn/built"
expect_error_cmd profile_step_vocab_no_model_file "$TMP/nn/caller/none.bin is no model file (it does not start with the model magic 20261123): cannot tell its vocabulary size" \
    env PATH="$TMP/nn/bin:$PATH" TMPDIR="$TMP/nn/tmp" timeout -s KILL 30 bash "$TMP/nn/scripts/profile_step.sh" "$TMP/nn/caller/none.bin"
if [ ! -e "$TMP/nn/built" ]; then ok "profile_step_vocab_no_model_file_builds_nothing"; else bad "profile_step_vocab_no_model_file_builds_nothing" "make ran"; fi
# ... and so is a file of text, whose first bytes read as numbers but not as the model magic (a check that the header read
# at all took it, its bytes 8-11 as V)
echo "not a model file, though long enough to read" > "$TMP/nn/caller/text.bin"
expect_error_cmd "profile_step_vocab_no_model_file (text)" "$TMP/nn/caller/text.bin is no model file (it does not start with the model magic 20261123)" \
    env PATH="$TMP/nn/bin:$PATH" TMPDIR="$TMP/nn/tmp" timeout -s KILL 30 bash "$TMP/nn/scripts/profile_step.sh" "$TMP/nn/caller/text.bin"
# ... and a model file cut short inside its header's first 12 bytes, the magic whole (V was read as nothing, passed on empty)
python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<2i", 20261123, 2))' > "$TMP/nn/caller/short.bin"; rm -f "$TMP/nn/built"
expect_error_cmd "profile_step_vocab_model_file_cut_short" "$TMP/nn/caller/short.bin: a model file cut short (no vocabulary size in its header): cannot tell its vocabulary size$" \
    env PATH="$TMP/nn/bin:$PATH" TMPDIR="$TMP/nn/tmp" timeout -s KILL 30 bash "$TMP/nn/scripts/profile_step.sh" "$TMP/nn/caller/short.bin"
# ... and cut inside V itself, 9 bytes (od padded the last int with zeros: V was read as 0 and passed on)
python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<3i", 20261123, 2, 300)[:9])' > "$TMP/nn/caller/short9.bin"; rm -f "$TMP/nn/built"
expect_error_cmd "profile_step_vocab_model_file_cut_inside_v" "$TMP/nn/caller/short9.bin: a model file cut short (no vocabulary size in its header): cannot tell its vocabulary size$" \
    env PATH="$TMP/nn/bin:$PATH" TMPDIR="$TMP/nn/tmp" timeout -s KILL 30 bash "$TMP/nn/scripts/profile_step.sh" "$TMP/nn/caller/short9.bin"
# ... and at 11 bytes, one short of V whole (od read V right there, padded with a zero high byte: 300)
python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<3i", 20261123, 2, 300)[:11])' > "$TMP/nn/caller/short11.bin"
expect_error_cmd "profile_step_vocab_model_file_cut_inside_v (11 bytes)" "$TMP/nn/caller/short11.bin: a model file cut short (no vocabulary size in its header): cannot tell its vocabulary size$" \
    env PATH="$TMP/nn/bin:$PATH" TMPDIR="$TMP/nn/tmp" timeout -s KILL 30 bash "$TMP/nn/scripts/profile_step.sh" "$TMP/nn/caller/short11.bin"
# ... and a header whose V is below 1, 0 or negative: refused as such, before anything is built (a negative V was said to be
# cut short; 0 was passed on to random_shard.py, refused there after the build, naming no file)
for v in 0 -5; do
    python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<256i", 20261123, 2, int(sys.argv[1]), *[0] * 253))' "$v" > "$TMP/nn/caller/v$v.bin"
    rm -f "$TMP/nn/built"
    expect_error_cmd "profile_step_vocab_model_file_v_not_positive $v" "$TMP/nn/caller/v$v.bin: its header's vocabulary size is $v, not a positive number: a damaged model file$" \
        env PATH="$TMP/nn/bin:$PATH" TMPDIR="$TMP/nn/tmp" timeout -s KILL 30 bash "$TMP/nn/scripts/profile_step.sh" "$TMP/nn/caller/v$v.bin"
    if [ ! -e "$TMP/nn/built" ]; then ok "profile_step_vocab_model_file_v_not_positive_builds_nothing $v"
    else bad "profile_step_vocab_model_file_v_not_positive_builds_nothing $v" "make ran"; fi
done
rm -f "$TMP/nn/bin/nvcc" "$TMP/nn/bin/python3"
# ... and with nvcc in CUDA_HOME alone, as the Makefile finds it, bench.sh's own builds use that one (they ran `nvcc`
# from the PATH) and make is given it (the stand-ins: nvcc says where it ran, and writes no program, which ends the script)
mkdir -p "$TMP/nn/cuda/bin"
printf '#!/bin/sh\necho "$0" >> "%s/nn/nvcc_runs"\n' "$TMP" > "$TMP/nn/cuda/bin/nvcc"
printf '#!/bin/sh\necho "$NVCC" > "%s/nn/make_nvcc"\n' "$TMP" > "$TMP/nn/bin/make"
chmod +x "$TMP/nn/cuda/bin/nvcc" "$TMP/nn/bin/make"
env -u NVCC PATH="$no_nvcc_path" CUDA_HOME="$TMP/nn/cuda" TMPDIR="$TMP/nn/tmp" timeout -s KILL 30 bash "$TMP/nn/scripts/bench.sh" > /dev/null 2>&1
if [ "$(cat "$TMP/nn/make_nvcc" 2>/dev/null)" = "$TMP/nn/cuda/bin/nvcc" ] && [ "$(sort -u "$TMP/nn/nvcc_runs" 2>/dev/null)" = "$TMP/nn/cuda/bin/nvcc" ]; then
    ok "bench_nvcc_from_cuda_home"
else bad "bench_nvcc_from_cuda_home" "make given NVCC='$(cat "$TMP/nn/make_nvcc" 2>&1)', nvcc runs: $(cat "$TMP/nn/nvcc_runs" 2>&1)"; fi
# bench.sh's step count: at least 3, checked before anything is built (1 or 2 steps, which the trainer's average leaves
# out as warm-up, printed 0 ms/step and 0 tok/s with exit 0; flags without the count, "-r 0", failed after the builds)
for steps in 2 0 -r abc 12x 1e3; do
    expect_error_cmd "bench_steps_checked $steps" "the steps (the first argument) must be a whole number from 3 .*got '$steps'" \
        env OUT="$TMP/gpu_out" TMPDIR="$TMP/bn/tmp" PATH="$TMP/bn/bin:$PATH" timeout -s KILL 30 bash "$TMP/bn/scripts/bench.sh" "$steps" -r 0
done
# ... and so are its trainer flags: none of those each workload is run with (-b 16 ran at B=16 under the name "B=8 T=2048")
expect_error_cmd bench_own_flags "the trainer flags must not hold flags this script sets itself: -x (set by the steps argument), -b; got '-r 0 -b 16 -x 3'" \
    env OUT="$TMP/gpu_out" TMPDIR="$TMP/bn/tmp" PATH="$TMP/bn/bin:$PATH" timeout -s KILL 30 bash "$TMP/bn/scripts/bench.sh" 30 -r 0 -b 16 -x 3
# bench.sh's EXIT trap (W removed, the scan's build stopped) runs in the script's own shell alone: each workload
# starts an nvidia-smi clock sampler in the background and kills it after the run, and after a run that failed at
# once the sampler could still be a just-forked child holding the parent's traps, which ran this one (bash 5.2)
# and removed W under the workloads after it (PRESETS goes on after a failed model: the next sampler's output file
# could not be opened; under load 200 failing models lost W in 30 of 30 tries, on an idle machine far fewer).
# That moment made certain: make, which bench.sh runs after setting the trap, is a function here (BASH_ENV) that
# starts 20 background jobs in bench.sh's shell and kills each at once, then says whether W is still there
printf 'make() { local i; for i in $(seq 20); do sleep 30 & kill $! 2>/dev/null; wait $! 2>/dev/null || :; done\n  [ -d "$W" ] && echo "after the children: W kept" || echo "after the children: W gone"; }\n' > "$TMP/bn/make_fn.sh"
rm -f "$TMP/bn/train_mamba_cu" # (the model then fails at once)
PRESETS="m1" BASH_ENV="$TMP/bn/make_fn.sh" PATH="$TMP/bn/bin:$PATH" TMPDIR="$TMP/bn/tmp" timeout -s KILL 60 bash "$TMP/bn/scripts/bench.sh" 3 > "$TMP/bn_children.out" 2>&1; rc=$?
if [ "$rc" -eq 1 ] && grep -q "^after the children: W kept$" "$TMP/bn_children.out" && grep -q "train_mamba_cu: No such file" "$TMP/bn_children.out" &&
   [ -z "$(ls -A "$TMP/bn/tmp")" ]; then ok "bench_workdir_kept_from_children"
else bad "bench_workdir_kept_from_children" "rc $rc, left: $(ls -A "$TMP/bn/tmp" | tr '\n' ' '): $(grep -m 1 "after the children" "$TMP/bn_children.out"); $(tail -n 1 "$TMP/bn_children.out")"; fi
expect_error_cmd tinyshakespeare_unknown_option "unknown option '--bogus'" timeout -s KILL 30 bash scripts/run_tinyshakespeare.sh --bogus
# an empty argument (a "$DIR" unset) is refused, not taken as none given: run_tinyshakespeare.sh '' started the full
# default run into out/ (each run below is given a bad setting that stops it at once where the argument got through)
expect_error_cmd tinyshakespeare_empty_argument "argument 1 is empty (usage: bash scripts/run_tinyshakespeare.sh" \
    env STEPS=x timeout -s KILL 30 bash scripts/run_tinyshakespeare.sh ''
expect_error_cmd synthetic_empty_argument "argument 2 is empty (usage: bash scripts/run_synthetic.sh" \
    env VAL_SEQS=x timeout -s KILL 30 bash scripts/run_synthetic.sh "$TMP/syn_empty" '' 5
expect_error_cmd enwik8_empty_argument "argument 1 is empty (usage: bash scripts/run_enwik8.sh" \
    env PREPARE=x OUT="$TMP/e8_empty" DATA_DIR="$TMP/e8_empty_data" timeout -s KILL 30 bash scripts/run_enwik8.sh ''
# ... and a mistyped option is one error line (it was taken as the tokenizer's name: "no tokenizer file --bogus")
expect_error_cmd run_pretrain_unknown_option "unknown option '--bogus' (usage: bash scripts/run_pretrain.sh" \
    env OUT="$TMP/pt_bogus" DATA="$TMP/pt_bogus_data" timeout -s KILL 30 bash scripts/run_pretrain.sh --bogus
[ ! -e "$TMP/pt_bogus" ] && [ ! -e "$TMP/pt_bogus_data" ] && ok "run_pretrain_unknown_option_makes_nothing" ||
    bad "run_pretrain_unknown_option_makes_nothing" "$(ls -d "$TMP"/pt_bogus* | tr '\n' ' ')"
expect_error_cmd run_pretrain_empty_argument "argument 2 is empty (usage: bash scripts/run_pretrain.sh" \
    env MICRO_B=x OUT="$TMP/pt_empty" DATA="$TMP/pt_empty_data" timeout -s KILL 30 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json ''

# --- run_tinyshakespeare.sh at a tiny size: to the end; then a run stopped by SIGTERM (the trainer's
# test hook) reports where it stopped, the same command resumes it and, once more, reports it finished
# (every run under a process-group SIGKILL timeout: a script that ignored the tiny settings would
# start hours of training)
TS=(timeout -s KILL 60 env STEPS=6 MODEL=d32:l2:v256 B=4 T=64 VAL_EVERY=3 VAL_BATCHES=4 GEN=0 "EXTRA=-nt 2")
TS_BIN=./train_mamba; [ "$GPU" = 1 ] && TS_BIN=./train_mamba_cu
out=$("${TS[@]}" bash scripts/run_tinyshakespeare.sh "$TMP/ts" 2>&1); rc=$?
# the result line: the final model's val loss (main.log's step-6 line), then the best one seen
final=$(sed -n 's/^s:6 tel://p' "$TMP/ts/main.log")
if [ "$rc" -eq 0 ] && [ -n "$final" ] &&
   echo "$out" | tail -n 1 | grep -qE "^val loss $final at the end of 6 steps, the model saved in $TMP/ts \(target < 1\.4697\); best [0-9.]+ at step [36], kept as $TMP/ts/model_best.bin, .* with $TS_BIN\$"; then
    ok "tinyshakespeare_tiny_run ($(echo "$out" | tail -n 1 | cut -c1-40))"
else bad "tinyshakespeare_tiny_run" "rc $rc, final '$final': $(echo "$out" | tail -n 2)"; fi
# ... and a run of one step gives its count in the singular (it said "at the end of 1 steps")
out=$("${TS[@]}" STEPS=1 bash scripts/run_tinyshakespeare.sh "$TMP/ts_one" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^val loss .* at the end of 1 step, the model saved in $TMP/ts_one "; then
    ok "tinyshakespeare_one_step_singular"
else bad "tinyshakespeare_one_step_singular" "rc $rc: $(echo "$out" | tail -n 1)"; fi
# a MODEL file given relative is the caller's, as the out dir is (it was looked for in the repository: "no such model file")
mkdir -p "$TMP/tscaller"; cp "$TMP/ts/model_00000006.bin" "$TMP/tscaller/start.bin"
out=$(cd "$TMP/tscaller" && "${TS[@]}" STEPS=2 VAL_EVERY=0 MODEL=start.bin bash "$REPO/scripts/run_tinyshakespeare.sh" ts_model 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ -e "$TMP/tscaller/ts_model/DONE_00000002" ]; then ok "tinyshakespeare_relative_model_is_the_callers"
else bad "tinyshakespeare_relative_model_is_the_callers" "rc $rc: $(echo "$out" | grep -m 1 '^error')"; fi
# the same out dir with fewer steps: nothing trains, and the result is the saved (step-6) model's
out=$("${TS[@]}" STEPS=3 bash scripts/run_tinyshakespeare.sh "$TMP/ts" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -qE "^the run in $TMP/ts had already finished: val loss $final at the end of 6 steps,"; then
    ok "tinyshakespeare_finished_longer_run_reported"
else bad "tinyshakespeare_finished_longer_run_reported" "rc $rc: $(echo "$out" | tail -n 1)"; fi
# ... and at another setting (here LR, given as 1e-3 where the run's was 2e-3, the default): one error line naming it, not
# the old run's result reported under this command ("had already finished: val loss ..."); 0.002 is the same LR. Said
# before the data and the build (a stand-in make, which names the trainer and leaves a mark where it builds)
mkdir -p "$TMP/ts_make"; printf '#!/bin/sh\ncase " $* " in *" train_bin "*) echo train_mamba; exit 0 ;; esac\ntouch "%s/ts_make/built"\n' "$TMP" > "$TMP/ts_make/make"
chmod +x "$TMP/ts_make/make"
expect_error_cmd tinyshakespeare_other_settings_refused "$TMP/ts holds a run of LR=2e-3, not LR=1e-3: another out dir for this one, or bash scripts/clear_run_dir.sh $TMP/ts to start afresh$" \
    "${TS[@]}" PATH="$TMP/ts_make:$PATH" LR=1e-3 bash scripts/run_tinyshakespeare.sh "$TMP/ts"
if [ ! -e "$TMP/ts_make/built" ]; then ok "tinyshakespeare_other_settings_builds_nothing"; else bad "tinyshakespeare_other_settings_builds_nothing" "make built"; fi
# ... the clearing command it offers clears the out dir, the script's run.out with the trainer's files (clear_run_dir.sh
# refused it for that run.out, and the error said "delete <dir>"), and the command refused before then starts afresh
# (in a copy whose name has a space: the command names it quoted); where the out dir holds a file of the user's, which the
# clearing script refuses, the error says "delete <dir>" as before
cp -r "$TMP/ts" "$TMP/ts clear"
err=$("${TS[@]}" LR=1e-3 bash scripts/run_tinyshakespeare.sh "$TMP/ts clear" 2>&1 >/dev/null)
clear_cmd=$(echo "$err" | sed -n 's/.*, or \(bash scripts\/clear_run_dir\.sh .*\) to start afresh$/\1/p')
said=$(eval "$clear_cmd" 2>&1); left=$(ls -A "$TMP/ts clear")
out=$("${TS[@]}" LR=1e-3 bash scripts/run_tinyshakespeare.sh "$TMP/ts clear" 2>&1); rc=$?
if [ -n "$clear_cmd" ] && [ -z "$left" ] && [ "$said" = "note: starting afresh: removing the previous run from '$TMP/ts clear' (its checkpoint of step 6)" ] &&
   [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^val loss [0-9.]* at the end of 6 steps"; then ok "tinyshakespeare_other_settings_clear_offered"
else bad "tinyshakespeare_other_settings_clear_offered" "error '$err'; cleared: '$said', left '$left'; rc $rc: $(echo "$out" | tail -n 1)"; fi
# ... and so does the command it offers in another directory than the repository's root, where the script was started
# there (by its whole path, and by a path relative to there) with a relative out dir: clear_run_dir.sh as that start
# reaches it (it said "bash scripts/clear_run_dir.sh <dir>" everywhere, which worked from the repository's root alone)
mkdir -p "$TMP/elsewhere"
for how in whole relative; do
    script=$REPO/scripts/run_tinyshakespeare.sh
    [ "$how" = whole ] || script=$(realpath -s --relative-to="$TMP/elsewhere" "$script")
    rm -rf "$TMP/elsewhere/ts"; cp -r "$TMP/ts" "$TMP/elsewhere/ts"
    err=$(cd "$TMP/elsewhere" && "${TS[@]}" LR=1e-3 bash "$script" ts 2>&1 >/dev/null)
    clear_cmd=$(echo "$err" | sed -n 's/.*, or \(bash .*\) to start afresh$/\1/p')
    said=$(cd "$TMP/elsewhere" && eval "$clear_cmd" 2>&1); left=$(ls -A "$TMP/elsewhere/ts" | tr "\n" " ")
    if [ "$clear_cmd" = "bash ${script%/*}/clear_run_dir.sh $TMP/elsewhere/ts" ] && [ -z "$left" ] &&
       [ "$said" = "note: starting afresh: removing the previous run from '$TMP/elsewhere/ts' (its checkpoint of step 6)" ]; then
        ok "tinyshakespeare_clear_offered_elsewhere ($how path)"
    else bad "tinyshakespeare_clear_offered_elsewhere ($how path)" "error '$err'; cleared: '$said', left '$left'"; fi
done
cp -r "$TMP/ts" "$TMP/ts_mine"; echo mine > "$TMP/ts_mine/notes.txt"
expect_error_cmd tinyshakespeare_other_settings_foreign_file_delete "$TMP/ts_mine holds a run of LR=2e-3, not LR=1e-3: another out dir for this one, or delete $TMP/ts_mine to start afresh$" \
    "${TS[@]}" LR=1e-3 bash scripts/run_tinyshakespeare.sh "$TMP/ts_mine"
# ... quoted for the shell, as the clearing command is: read by a shell, it names that dir alone (a dir "ts it's mine" was
# named bare, which a shell reads as three words and an open quote)
cp -r "$TMP/ts_mine" "$TMP/ts it's mine"
err=$("${TS[@]}" LR=1e-3 bash scripts/run_tinyshakespeare.sh "$TMP/ts it's mine" 2>&1 >/dev/null)
del=$(echo "$err" | sed -n 's/.*, or delete \(.*\) to start afresh$/\1/p')
words=(); [ -z "$del" ] || eval "words=($del)" 2>/dev/null
if [ ${#words[@]} -eq 1 ] && [ "${words[0]}" = "$TMP/ts it's mine" ]; then ok "tinyshakespeare_delete_dir_quoted"
else bad "tinyshakespeare_delete_dir_quoted" "read as ${#words[@]} word(s) (${words[*]}): $err"; fi
# ... and where a trainer is still running there (it holds .lock; here flock(1) stands in for it), the error says to wait
# for it to end first (it said "delete <dir>", the files that trainer was writing; with a file of the user's there too,
# it says so still), and clear_run_dir.sh --check answers 3: it would clear the directory once that trainer has ended
if command -v flock > /dev/null; then
    cp -r "$TMP/ts" "$TMP/ts_busy"
    flock -o "$TMP/ts_busy/.lock" sleep 30 & holder=$! # (-o: the lock is flock's own, not sleep's, so it ends with it)
    wait_until 100 bash -c "! flock -n '$TMP/ts_busy/.lock' true" || true
    expect_error_cmd tinyshakespeare_other_settings_trainer_running "$TMP/ts_busy holds a run of LR=2e-3, not LR=1e-3: another out dir for this one, or wait for the trainer running there to end (it holds $TMP/ts_busy/.lock), then bash scripts/clear_run_dir.sh $TMP/ts_busy to start afresh$" \
        "${TS[@]}" LR=1e-3 bash scripts/run_tinyshakespeare.sh "$TMP/ts_busy"
    bash scripts/clear_run_dir.sh --check "$TMP/ts_busy" > /dev/null 2>&1; rc=$?
    echo mine > "$TMP/ts_busy/notes.txt"
    expect_error_cmd tinyshakespeare_other_settings_trainer_running_foreign_file "$TMP/ts_busy holds a run of LR=2e-3, not LR=1e-3: another out dir for this one, or wait for the trainer running there to end (it holds $TMP/ts_busy/.lock), then delete $TMP/ts_busy to start afresh$" \
        "${TS[@]}" LR=1e-3 bash scripts/run_tinyshakespeare.sh "$TMP/ts_busy"
    pkill -P $holder sleep 2>/dev/null; kill $holder 2>/dev/null; wait $holder 2>/dev/null
    if [ "$rc" -eq 3 ] && [ -f "$TMP/ts_busy/DONE_00000006" ]; then ok "clear_run_dir_check_trainer_running"
    else bad "clear_run_dir_check_trainer_running" "--check rc $rc (3 expected); $(ls -A "$TMP/ts_busy" | tr '\n' ' ')"; fi
else
    echo "SKIP tinyshakespeare_other_settings_trainer_running: no flock(1) (not counted as passed)"
fi
out=$("${TS[@]}" STEPS=3 LR=0.002 bash scripts/run_tinyshakespeare.sh "$TMP/ts" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^the run in $TMP/ts had already finished: val loss $final at the end of 6 steps,"; then
    ok "tinyshakespeare_same_lr_other_form_reported"
else bad "tinyshakespeare_same_lr_other_form_reported" "rc $rc: $(echo "$out" | tail -n 1)"; fi
# a run whose command gave a flag twice trained at its last value, as the trainer reads it (here a step more, resumed by
# hand with "-l 1e-3" before the run's own 2e-3): the settings check reads that one too (it read the first, and refused
# the run's own LR=2e-3 as "a run of LR=1e-3")
cp -r "$TMP/ts" "$TMP/ts_twice"
"$TS_BIN" -e d32:l2:v256 -b 4 -t 64 -x 7 -l 1e-3 -u 100 -q 0.05 -c 0.1 -v 3 -m 4 -s 0 -g 0 -n 0 -nk 1 -kb 1 -o "$TMP/ts_twice" -y 1 -nt 2 -l 2e-3 \
    > "$TMP/ts_twice.out" 2>&1
saved_lr=$(od -A n -t f4 -j 120 -N 4 "$TMP/ts_twice/state_00000007.bin" 2> /dev/null | tr -d ' ')
out=$("${TS[@]}" STEPS=7 bash scripts/run_tinyshakespeare.sh "$TMP/ts_twice" 2>&1); rc=$?
if [ "$saved_lr" = 0.002 ] && [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^the run in $TMP/ts_twice had already finished: val loss [0-9.]* at the end of 7 steps,"; then
    ok "tinyshakespeare_flag_given_twice_last_wins"
else bad "tinyshakespeare_flag_given_twice_last_wins" "the state's LR '$saved_lr'; rc $rc: $(echo "$out" | tail -n 1)"; fi
expect_error_cmd tinyshakespeare_flag_given_twice_other_lr_refused "$TMP/ts_twice holds a run of LR=2e-3, not LR=1e-3:" \
    "${TS[@]}" STEPS=7 LR=1e-3 bash scripts/run_tinyshakespeare.sh "$TMP/ts_twice"
TS_STOP=("${TS[@]}" MAMBA_TEST_SIGTERM_STEP=4)
out=$("${TS_STOP[@]}" bash scripts/run_tinyshakespeare.sh "$TMP/ts_stop" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^stopped at step 4 of 6 (signal 15); checkpoint in $TMP/ts_stop: run the same command again" &&
   ! echo "$out" | grep -q "at the end of"; then ok "tinyshakespeare_stopped_says_resume"
else bad "tinyshakespeare_stopped_says_resume" "rc $rc: $(echo "$out" | tail -n 2)"; fi
# a stopped run is not resumed at other settings either (the trainer took a new -l or -u from the next step on)
expect_error_cmd tinyshakespeare_stopped_other_settings_refused "$TMP/ts_stop holds a run of WARMUP=100, VAL_EVERY=3, not WARMUP=2, VAL_EVERY=2:" \
    "${TS_STOP[@]}" WARMUP=2 VAL_EVERY=2 bash scripts/run_tinyshakespeare.sh "$TMP/ts_stop"
out=$("${TS_STOP[@]}" bash scripts/run_tinyshakespeare.sh "$TMP/ts_stop" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^resuming from step 4 of $TMP/ts_stop" &&
   echo "$out" | tail -n 1 | grep -qE "^val loss [0-9.]+ at the end of 6 steps" && [ "$(grep -c '^s:6 tel:' "$TMP/ts_stop/main.log")" -eq 1 ]; then
    ok "tinyshakespeare_same_command_resumes"
else bad "tinyshakespeare_same_command_resumes" "rc $rc: $(echo "$out" | tail -n 2)"; fi
# ... also where the out dir's name is not UTF-8 (Latin-1, here in a UTF-8 locale): the settings check read its commands.txt
# line with patterns that matched no such byte, and the same command again was "cannot read its last line"
ts_lat="$TMP/ts_lat"$'\xe9'
"${TS[@]}" STEPS=2 LC_ALL=C.UTF-8 bash scripts/run_tinyshakespeare.sh "$ts_lat" > /dev/null 2>&1
out=$("${TS[@]}" STEPS=2 LC_ALL=C.UTF-8 bash scripts/run_tinyshakespeare.sh "$ts_lat" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [[ "$(echo "$out" | tail -n 1)" == "the run in $ts_lat had already finished: val loss "*" at the end of 2 steps,"* ]]; then
    ok "tinyshakespeare_non_utf8_out_dir_rerun"
else bad "tinyshakespeare_non_utf8_out_dir_rerun" "rc $rc: $(echo "$out" | tail -n 1)"; fi
out=$("${TS_STOP[@]}" bash scripts/run_tinyshakespeare.sh "$TMP/ts_stop" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -qE "^the run in $TMP/ts_stop had already finished: val loss [0-9.]+ at the end of 6 steps, .*; best [0-9.]+ at step [36], kept as $TMP/ts_stop/model_best.bin\$"; then
    ok "tinyshakespeare_finished_run_reported"
else bad "tinyshakespeare_finished_run_reported" "rc $rc: $(echo "$out" | tail -n 2)"; fi
# stopped during its last step, the run's evaluation of that step comes with the next call, which reports
# the result as this run's (it said "had already finished", the trainer having printed "nothing to train")
"${TS[@]}" MAMBA_TEST_SIGTERM_STEP=6 bash scripts/run_tinyshakespeare.sh "$TMP/ts_last" > /dev/null 2>&1
out=$("${TS[@]}" bash scripts/run_tinyshakespeare.sh "$TMP/ts_last" 2>&1); rc=$?
final=$(sed -n 's/^s:6 tel://p' "$TMP/ts_last/main.log")
if [ "$rc" -eq 0 ] && [ -n "$final" ] && echo "$out" | tail -n 1 | grep -qE "^val loss $final at the end of 6 steps, .* wall time"; then
    ok "tinyshakespeare_stopped_in_last_step"
else bad "tinyshakespeare_stopped_in_last_step" "rc $rc: $(echo "$out" | tail -n 1)"; fi
# a val loss logged as nan (a diverged evaluation) is not the best one (sort -g put it first: "best nan at step 1")
echo "s:1 tel:nan" >> "$TMP/ts_last/main.log"
out=$("${TS[@]}" bash scripts/run_tinyshakespeare.sh "$TMP/ts_last" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -qE "; best [0-9.]+ at step [36]"; then ok "tinyshakespeare_best_skips_nan"
else bad "tinyshakespeare_best_skips_nan" "rc $rc: $(echo "$out" | tail -n 1)"; fi
# the script's output piped into `head -n 3`: the reader's exit must not stop tee's copy into run.out (tee died of
# SIGPIPE at its next write to the pipe, and the run that went on to its end left an empty run.out)
"${TS[@]}" bash scripts/run_tinyshakespeare.sh "$TMP/ts_head" 2> /dev/null | head -n 3 > /dev/null
if [ -e "$TMP/ts_head/DONE_00000006" ] && grep -q "^step    6/6 " "$TMP/ts_head/run.out" 2>/dev/null; then ok "tinyshakespeare_piped_to_head_keeps_run_out"
else bad "tinyshakespeare_piped_to_head_keeps_run_out" "run.out: $(tail -n 1 "$TMP/ts_head/run.out" 2>/dev/null)"; fi
# a SIGTERM sent to the script alone (kill <its pid>, a container's stop; not the process group, which Ctrl-C, timeout
# and Slurm reach) reaches the trainer too, as SIGUSR1: it checkpoints and the script says how to resume (the script
# died and the trainer trained on to its last step); 2000 steps that the stop cuts short, everything killed after 60 s
env STEPS=2000 MODEL=d32:l2:v256 B=4 T=64 VAL_EVERY=0 GEN=0 "EXTRA=-nt 2" bash scripts/run_tinyshakespeare.sh "$TMP/ts_kill" > "$TMP/ts_kill.out" 2>&1 &
spid=$!
wait_until 600 grep -q "^step    2/2000 " "$TMP/ts_kill/run.out"; ready_note=$NOT_READY
kill -TERM "$spid" 2>/dev/null
wait_until 1200 eval '! pid_alive "$spid"'
kill -KILL "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; rc=$?
left=$(pgrep -f "train_mamba.* -o $TMP/ts_kill" || true); [ -n "$left" ] && kill -KILL $left 2>/dev/null
step=$(sed -n 's/^stopped at step \([0-9]*\) of 2000 (signal 10); checkpoint in .*/\1/p' "$TMP/ts_kill.out")
if [ "$rc" -eq 0 ] && [ -n "$step" ] && [ "$step" -lt 2000 ] && [ -e "$TMP/ts_kill/DONE_$(printf %08d "$step")" ] && [ -z "$left" ]
then ok "tinyshakespeare_stop_sent_to_script_alone"
else bad "tinyshakespeare_stop_sent_to_script_alone" "${ready_note}rc $rc, trainer left: '$left': $(tail -n 2 "$TMP/ts_kill.out" | tr '\n' '|')"; fi
# a failed trainer's error line, shown with its output, is the one error line: the script adds a note under it, with
# the exit status and where the output is kept (it added a second "error:" line that repeated the trainer's)
expect_one_error_cmd tinyshakespeare_trainer_error_once "unknown flag '-zz'" \
    "the trainer exited with 1 after the error above; its output is also in $TMP/ts_err/run.out" \
    "${TS[@]}" "EXTRA=-zz 1" bash scripts/run_tinyshakespeare.sh "$TMP/ts_err"
# ... also where more than a pipe's 64 KiB of output follows that line (under pipefail, `echo | grep -q` lost the match
# to echo's SIGPIPE, and the script said that the trainer had printed no error line)
out=$(bash -c 'set -euo pipefail; . scripts/script_lib.sh; trainer_error_shown 3 run.out "$(echo "error: early"; seq 100000)"; echo returned' 2>&1); rc=$?
if [ "$rc" -eq 3 ] && [ "$out" = "note: the trainer exited with 3 after the error above; its output is also in run.out" ]; then ok "trainer_error_shown_long_output"
else bad "trainer_error_shown_long_output" "rc $rc: $(echo "$out" | tail -n 1)"; fi
# ... and a trainer killed by a signal (137) printed no error line: an "error:" line in its output is a sample's text,
# so the function returns and the caller's line says the trainer ended without one
out=$(bash -c 'set -euo pipefail; . scripts/script_lib.sh; trainer_error_shown 137 run.out "$(printf "generating:\n---\nerror: in a sample\n")"; echo returned' 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "returned" ]; then ok "trainer_error_shown_not_after_a_kill"
else bad "trainer_error_shown_not_after_a_kill" "rc $rc: $(echo "$out" | tail -n 1)"; fi
# the full default size on the CPU: one warning line before the trainer starts (here it stops at once
# on a bad flag, whose error line is the run's one)
if [ "$GPU" = 0 ]; then
    timeout -s KILL 60 env EXTRA="-zz 1" bash scripts/run_tinyshakespeare.sh "$TMP/ts_full" > "$TMP/full.out" 2> "$TMP/full.err"; rc=$?
    if [ "$rc" -ne 0 ] && grep -q "^warning: the full default size on the CPU trainer takes about $(( 420 / $(nproc) / 60 )) h $(( 420 / $(nproc) % 60 )) min" "$TMP/full.out" &&
       grep -q "^error: unknown flag '-zz'" "$TMP/full.out" && grep -q "^note: the trainer exited with 1 " "$TMP/full.err"; then
        ok "tinyshakespeare_cpu_full_size_warning"
    else bad "tinyshakespeare_cpu_full_size_warning" "rc $rc: $(cat "$TMP/full.out" "$TMP/full.err" | tail -n 2)"; fi
    # with no out dir the CPU trainer's run goes to out/tinyshakespeare_cpu, not _gpu (where a user takes it for a
    # GPU result); checked only where neither is there (a user's run), and what it made is removed. Called from another
    # directory, its messages name that directory whole (they said out/tinyshakespeare_cpu, which is the repository's)
    if [ ! -e out/tinyshakespeare_cpu ] && [ ! -e out/tinyshakespeare_gpu ]; then
        err=$(cd "$TMP/cwd" && timeout -s KILL 60 env EXTRA="-zz 1" bash "$REPO/scripts/run_tinyshakespeare.sh" 2>&1 > /dev/null)
        if grep -q "^error: unknown flag" out/tinyshakespeare_cpu/run.out 2> /dev/null && [ ! -e out/tinyshakespeare_gpu ] &&
           echo "$err" | grep -q "; its output is also in $REPO/out/tinyshakespeare_cpu/run.out$"; then
            ok "tinyshakespeare_cpu_default_dir"
        else bad "tinyshakespeare_cpu_default_dir" "$(ls -d out/tinyshakespeare_* 2>&1 | head -n 2): $err"; fi
        rm -rf out/tinyshakespeare_cpu out/tinyshakespeare_gpu
    else
        echo "SKIP tinyshakespeare_cpu_default_dir: out/tinyshakespeare_cpu or _gpu holds a run (not counted as passed)"
    fi
else
    echo "SKIP tinyshakespeare_cpu_full_size_warning: a GPU is present, the script uses it (not counted as passed)"
fi
# run_synthetic.sh's CPU time warning counts the steps still to train: none for a finished run (it is kept), and a
# stopped one's from its last checkpoint (the script then stops at once: the finished run here has no state file)
if [ "$GPU" = 0 ]; then
    mkdir -p "$TMP/synw/induction_s1" "$TMP/synw/copy_s1"
    : > "$TMP/synw/induction_s1/DONE_00008000"; : > "$TMP/synw/copy_s1/state_00005990.bin"
    out=$(timeout -s KILL 120 env SEL=1 LENGTHS=6 bash scripts/run_synthetic.sh "$TMP/synw" 2>&1); rc=$?
    if [ "$rc" -ne 0 ] && ! echo "$out" | grep -q "^warning" && echo "$out" | grep -q "is a finished run of seed (no state file)"; then
        ok "synthetic_cpu_warning_finished_runs_not_counted"
    else bad "synthetic_cpu_warning_finished_runs_not_counted" "rc $rc: $(echo "$out" | head -n 1)"; fi
    mv "$TMP/synw/copy_s1/state_00005990.bin" "$TMP/synw/copy_s1/state_00000010.bin"
    secs=$(( 5990 * 31 * 1040 / 10400 * 2 / $(nproc) ))
    out=$(timeout -s KILL 120 env SEL=1 LENGTHS=6 bash scripts/run_synthetic.sh "$TMP/synw" 2>&1); rc=$?
    if [ "$rc" -ne 0 ] && echo "$out" | head -n 1 | grep -q "^warning: the CPU trainer takes about $((secs / 3600)) h $((secs % 3600 / 60)) min for"; then
        ok "synthetic_cpu_warning_counts_steps_left"
    else bad "synthetic_cpu_warning_counts_steps_left" "rc $rc: $(echo "$out" | head -n 1), expected $secs s"; fi
else
    echo "SKIP synthetic_cpu_warning_counts_steps_left: a GPU is present, the script uses it (not counted as passed)"
fi

# --- run_enwik8.sh on small stand-ins (tinyshakespeare bytes; the real file is 100 MB): which data,
# which result, stopped runs
if command -v python3 >/dev/null; then
    head -c 300000 dev/data/tinyshakespeare.txt > "$TMP/standin_a"
    tail -c 200000 dev/data/tinyshakespeare.txt > "$TMP/standin_b"
    E=(timeout -s KILL 60 env OUT="$TMP/e8" DATA_DIR="$TMP/e8data" MODEL=d32:l2:v256 B=4 T=64 STEPS=6 WARMUP=2 VAL_EVERY=3
       CKPT_EVERY=3 GEN=0 "EXTRA=-nt 2")
    expect_error_cmd enwik8_missing_file "no such file: $TMP/nothing" "${E[@]}" bash scripts/run_enwik8.sh "$TMP/nothing"
    if [ ! -e "$TMP/e8" ] && [ ! -e "$TMP/e8data" ]; then ok "enwik8_missing_file_makes_nothing"; else bad "enwik8_missing_file_makes_nothing" "$(ls "$TMP")"; fi
    expect_error_cmd enwik8_allow_any_size_0 "enwik8 should be 100,000,000 bytes, found 300,000" \
        "${E[@]}" ALLOW_ANY_SIZE=0 bash scripts/run_enwik8.sh "$TMP/standin_a"
    expect_error_cmd enwik8_allow_any_size_not_0_or_1 "ALLOW_ANY_SIZE must be 0 or 1, got 'yes'" \
        "${E[@]}" ALLOW_ANY_SIZE=yes bash scripts/run_enwik8.sh "$TMP/standin_a"
    # OUT and DATA_DIR relative to where the script is called from, as its file argument is (they went into the
    # repository, where the script moves)
    mkdir -p "$TMP/e8caller"
    out=$(cd "$TMP/e8caller" && "${E[@]}" OUT="e8 out" DATA_DIR="e8 data" ALLOW_ANY_SIZE=1 STEPS=3 bash "$OLDPWD/scripts/run_enwik8.sh" "$TMP/standin_a" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && [ -f "$TMP/e8caller/e8 out/DONE_00000003" ] && compgen -G "$TMP/e8caller/e8 data/*.bin" > /dev/null &&
       [ ! -e "e8 out" ] && [ ! -e "e8 data" ]; then ok "enwik8_relative_out_is_the_callers"
    else bad "enwik8_relative_out_is_the_callers" "rc $rc: $(echo "$out" | tail -n 1)"; rm -rf "e8 out" "e8 data"; fi
    # ... and a run of one step gives its count in the singular (the summary said "1 steps")
    out=$(cd "$TMP/e8caller" && "${E[@]}" OUT="e8 one" DATA_DIR="e8 data" ALLOW_ANY_SIZE=1 STEPS=1 bash "$OLDPWD/scripts/run_enwik8.sh" "$TMP/standin_a" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^stand-in test .*, d32:l2:v256, 1 step$"; then ok "enwik8_one_step_singular"
    else bad "enwik8_one_step_singular" "rc $rc: $(echo "$out" | tail -n 1)"; fi
    # ... from a directory whose name holds a glob character: the shard paths go to the trainer escaped (-i / -j / -es
    # are patterns: "e8[1]/data/enwik8_train.bin" matched nothing, and the trainer refused it as a file named like a glob)
    mkdir -p "$TMP/e8caller[1]"
    out=$(cd "$TMP/e8caller[1]" && "${E[@]}" OUT=out DATA_DIR=data ALLOW_ANY_SIZE=1 STEPS=3 bash "$OLDPWD/scripts/run_enwik8.sh" "$TMP/standin_a" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && [ -f "$TMP/e8caller[1]/out/DONE_00000003" ]; then ok "enwik8_caller_dir_with_glob_character"
    else bad "enwik8_caller_dir_with_glob_character" "rc $rc: $(echo "$out" | tail -n 1)"; fi
    # a finished run, then a longer one stopped before its test evaluation: no test score (the old
    # run's is still in main.log), but where it stopped and how to resume
    "${E[@]}" ALLOW_ANY_SIZE=1 bash scripts/run_enwik8.sh "$TMP/standin_a" > "$TMP/e8_first.out" 2>&1
    # ... run again at another LR: one error line naming it (the old run's test score was reported under this command)
    # (the clearing script offered: it clears the run's data_source.txt and run.out with the trainer's files)
    expect_error_cmd enwik8_other_settings_refused "$TMP/e8 holds a run of LR=2e-3, not LR=1e-3: another out dir for this one, or bash scripts/clear_run_dir.sh $TMP/e8 to start afresh$" \
        "${E[@]}" ALLOW_ANY_SIZE=1 LR=1e-3 bash scripts/run_enwik8.sh "$TMP/standin_a"
    # (a missing file is an error also when shards exist: it used to be ignored for them)
    expect_error_cmd enwik8_missing_file_with_shards "no such file: $TMP/nothing" "${E[@]}" ALLOW_ANY_SIZE=1 bash scripts/run_enwik8.sh "$TMP/nothing"
    expect_one_error_cmd enwik8_trainer_error_once "unknown flag '-zz'" "the trainer exited with 1 after the error above" \
        "${E[@]}" ALLOW_ANY_SIZE=1 OUT="$TMP/e8_err" "EXTRA=-zz 1" bash scripts/run_enwik8.sh "$TMP/standin_a"
    # OUT's record of the shards' source is written whole or not at all: a cp killed part-way (a stand-in that writes its
    # first 60 bytes, then kills itself) left data_source.txt cut short, without its content_md5 line, and every later run
    # in that OUT was refused as one trained on other shards. Now one error line, no data_source.txt nor .tmp left, and
    # the same command again trains there, its record whole
    mkdir -p "$TMP/e8_dscp/bin"
    cat > "$TMP/e8_dscp/bin/cp" << 'EOF'
#!/bin/sh
for last; do :; done
case "$last" in */e8_dscp/out/data_source.txt|*/e8_dscp/out/data_source.txt.tmp) eval "src=\${$(($# - 1))}"; head -c 60 "$src" > "$last"; kill -KILL $$ ;; esac
exec "$REAL_CP" "$@"
EOF
    chmod +x "$TMP/e8_dscp/bin/cp"
    expect_error_cmd enwik8_data_source_copy_fails "cannot write $TMP/e8_dscp/out/data_source.txt" \
        "${E[@]}" PATH="$TMP/e8_dscp/bin:$PATH" REAL_CP="$(command -v cp)" ALLOW_ANY_SIZE=1 OUT="$TMP/e8_dscp/out" bash scripts/run_enwik8.sh "$TMP/standin_a"
    left=$(ls -A "$TMP/e8_dscp/out" | grep '^data_source' | tr '\n' ' ')
    out=$("${E[@]}" ALLOW_ANY_SIZE=1 OUT="$TMP/e8_dscp/out" bash scripts/run_enwik8.sh "$TMP/standin_a" 2>&1); rc=$?
    if [ -z "$left" ] && [ "$rc" -eq 0 ] && cmp -s "$TMP/e8data/enwik8_source.txt" "$TMP/e8_dscp/out/data_source.txt" &&
       [ -f "$TMP/e8_dscp/out/DONE_00000006" ]; then ok "enwik8_data_source_copy_whole"
    else bad "enwik8_data_source_copy_whole" "left after the kill: '$left'; then rc $rc: $(echo "$out" | tail -n 1)"; fi
    # ... and not written again where it holds the same bytes: the same command under the cp that is killed part-way
    # (a copy that would fail, a full disk) goes through, its record untouched
    out=$("${E[@]}" PATH="$TMP/e8_dscp/bin:$PATH" REAL_CP="$(command -v cp)" ALLOW_ANY_SIZE=1 OUT="$TMP/e8_dscp/out" bash scripts/run_enwik8.sh "$TMP/standin_a" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && cmp -s "$TMP/e8data/enwik8_source.txt" "$TMP/e8_dscp/out/data_source.txt" && [ -z "$(ls -A "$TMP/e8_dscp/out" | grep '^data_source.*\.tmp')" ]; then
        ok "enwik8_data_source_not_copied_again"
    else bad "enwik8_data_source_not_copied_again" "rc $rc: $(echo "$out" | grep -m1 '^error:' || echo "$out" | tail -n 1)"; fi
    # a MODEL file given relative is the caller's, as OUT is (it was looked for in the repository: "no such model file")
    cp "$TMP/e8/model_00000006.bin" "$TMP/e8caller/start.bin"
    out=$(cd "$TMP/e8caller" && "${E[@]}" OUT="$TMP/e8_model" MODEL=start.bin ALLOW_ANY_SIZE=1 STEPS=2 VAL_EVERY=0 bash "$REPO/scripts/run_enwik8.sh" "$TMP/standin_a" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && [ -e "$TMP/e8_model/DONE_00000002" ]; then ok "enwik8_relative_model_is_the_callers"
    else bad "enwik8_relative_model_is_the_callers" "rc $rc: $(echo "$out" | grep -m 1 '^error')"; fi
    out=$("${E[@]}" ALLOW_ANY_SIZE=1 STEPS=10 MAMBA_TEST_SIGTERM_STEP=8 bash scripts/run_enwik8.sh "$TMP/standin_a" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && grep -q '^s:6 stream_loss:' "$TMP/e8/main.log" &&
       echo "$out" | tail -n 1 | grep -q "^stopped at step 8 of 10 (signal 15), before the test evaluation; checkpoint in $TMP/e8: run the same command again" &&
       ! echo "$out" | grep -q "bits per byte"; then ok "enwik8_stopped_run_no_old_score"
    else bad "enwik8_stopped_run_no_old_score" "rc $rc: $(echo "$out" | tail -n 2) (first run: $(tail -n 1 "$TMP/e8_first.out"))"; fi
    # the same command resumes and reports its own score: main.log's newest stream_loss line, at step 10;
    # a stand-in is not labelled as an enwik8 result
    out=$("${E[@]}" ALLOW_ANY_SIZE=1 STEPS=10 MAMBA_TEST_SIGTERM_STEP=8 bash scripts/run_enwik8.sh "$TMP/standin_a" 2>&1); rc=$?
    bpb=$(grep ' stream_loss:' "$TMP/e8/main.log" | tail -n 1 | sed -n 's/^s:10 stream_loss:.* bpb:\([0-9.]*\) .*/\1/p')
    last=$(echo "$out" | tail -n 1)
    if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^resuming from step 8" && [ -n "$bpb" ] &&
       echo "$last" | grep -q "^stand-in test (not enwik8, not comparable with published enwik8 numbers): $bpb bits per byte .*, 10 steps\$"; then
        ok "enwik8_resumed_score_of_this_run ($bpb)"
    else bad "enwik8_resumed_score_of_this_run" "rc $rc, logged '$bpb': $last"; fi
    # shards recorded as enwik8 itself (its md5; edited in, the real file is not here): the labelled line
    sed -i 's/^enwik8 0$/enwik8 1/' "$TMP/e8data/enwik8_source.txt"
    out=$("${E[@]}" ALLOW_ANY_SIZE=1 STEPS=10 bash scripts/run_enwik8.sh "$TMP/standin_a" 2>&1)
    if echo "$out" | tail -n 1 | grep -qE '^enwik8 test: [0-9]+\.[0-9]+ bits per byte over the test stream \(Transformer 12L 44M: 1\.11'; then
        ok "enwik8_label_for_enwik8_data"
    else bad "enwik8_label_for_enwik8_data" "$(echo "$out" | tail -n 1)"; fi
    # the shards in DATA_DIR came from another file: refused, not trained on
    expect_error_cmd enwik8_other_source "holds shards of $TMP/standin_a (300000 bytes), not of $TMP/standin_b .*PREPARE=1" \
        "${E[@]}" ALLOW_ANY_SIZE=1 STEPS=10 bash scripts/run_enwik8.sh "$TMP/standin_b"
    # the same bytes zipped (a zip's member "enwik8"): the shards' source, not another file
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[2], "w").write(sys.argv[1], "enwik8")' "$TMP/standin_a" "$TMP/standin_a.zip"
    out=$("${E[@]}" ALLOW_ANY_SIZE=1 STEPS=10 bash scripts/run_enwik8.sh "$TMP/standin_a.zip" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && ! echo "$out" | grep -q "not of"; then ok "enwik8_same_bytes_zipped_accepted"
    else bad "enwik8_same_bytes_zipped_accepted" "rc $rc: $(echo "$out" | tail -n 1)"; fi
    expect_error_cmd enwik8_standin_shards_need_allow_any_size "not of enwik8 .*ALLOW_ANY_SIZE=1 to use them" \
        "${E[@]}" STEPS=10 bash scripts/run_enwik8.sh
    # re-written from the other file, the shards no longer match the run in OUT: refused
    expect_error_cmd enwik8_out_trained_on_other_data "$TMP/e8 holds a run trained on shards of $TMP/standin_a" \
        "${E[@]}" ALLOW_ANY_SIZE=1 PREPARE=1 STEPS=10 bash scripts/run_enwik8.sh "$TMP/standin_b"
    # ... before the shards are re-written from the other file (they were, minutes for enwik8, and the run refused after)
    src=$(sed -n 's/^path //p' "$TMP/e8data/enwik8_source.txt" 2>&1)
    if [ "$src" = "$TMP/standin_a" ]; then ok "enwik8_out_other_data_refused_before_prepare"
    else bad "enwik8_out_other_data_refused_before_prepare" "the shards are now of '$src'"; fi
    # a download that is no zip with an 'enwik8' member (an error page) is refused and not kept: kept, it was read
    # again by every later run, whose error then spoke of its size (ENWIK8_URL: the download's address, here a file)
    echo '<html>503 Service Unavailable</html>' > "$TMP/e8_error_page"
    expect_error_cmd enwik8_download_error_page_refused "sent 37 bytes that are no zip with an 'enwik8' member" \
        env ENWIK8_URL="file://$TMP/e8_error_page" python3 dev/data/enwik8.py -o "$TMP/e8dl"
    if [ ! -e "$TMP/e8dl/enwik8.zip" ] && [ ! -e "$TMP/e8dl/enwik8.zip.tmp" ]; then ok "enwik8_download_error_page_not_kept"
    else bad "enwik8_download_error_page_not_kept" "$(ls "$TMP/e8dl")"; fi
    ENWIK8_URL="file://$TMP/standin_a.zip" python3 dev/data/enwik8.py --allow-any-size -o "$TMP/e8dl" > /dev/null 2>&1; rc=$?
    if [ "$rc" -eq 0 ] && cmp -s "$TMP/standin_a.zip" "$TMP/e8dl/enwik8.zip" && [ -f "$TMP/e8dl/enwik8_test.bin" ]; then ok "enwik8_download_zip_kept"
    else bad "enwik8_download_zip_kept" "rc $rc: $(ls "$TMP/e8dl")"; fi
    # a download that fails (no network; here a missing file) leaves no directory it made (it left an empty one),
    # and one that a Ctrl-C stops leaves no partial enwik8.zip.tmp: the "download" here reads a FIFO that this
    # shell holds open without writing (fd 3), so it blocks until the SIGINT (python3 in a session of its own,
    # SIGINT restored: a background job starts with it ignored)
    expect_error_cmd enwik8_download_failure "cannot download file://$TMP/no_such_zip: .*download it elsewhere" \
        env ENWIK8_URL="file://$TMP/no_such_zip" timeout -s KILL 30 python3 dev/data/enwik8.py -o "$TMP/e8nf/sub"
    if [ ! -e "$TMP/e8nf" ]; then ok "enwik8_download_failure_leaves_no_dir"; else bad "enwik8_download_failure_leaves_no_dir" "$(ls -R "$TMP/e8nf")"; fi
    mkfifo "$TMP/e8fifo"
    mkdir -p "$TMP/e8int"
    exec 3<>"$TMP/e8fifo"
    ENWIK8_URL="file://$TMP/e8fifo" setsid python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
        python3 dev/data/enwik8.py -o "$TMP/e8int" > "$TMP/e8int.out" 2>&1 &
    dl=$!
    # (the partial download must have existed: a SIGINT before it began would leave nothing as well)
    wait_until 200 test -e "$TMP/e8int/enwik8.zip.tmp"; partial_seen=$?; ready_note=$NOT_READY
    kill -INT -- "-$dl" 2>/dev/null
    wait_until 200 eval '! pid_alive "$dl"'
    kill -KILL -- "-$dl" 2>/dev/null; wait "$dl" 2>/dev/null; rc=$?
    exec 3>&-
    # (and says so in one line: it printed Python's KeyboardInterrupt traceback)
    if [ "$partial_seen" -eq 0 ] && [ "$rc" -ne 0 ] && [ -d "$TMP/e8int" ] && [ -z "$(ls -A "$TMP/e8int")" ] && ! grep -q Traceback "$TMP/e8int.out" &&
       grep -qx "enwik8.py: interrupted; nothing of this run was kept (run it again)" "$TMP/e8int.out"; then ok "enwik8_download_interrupted_leaves_nothing"
    else bad "enwik8_download_interrupted_leaves_nothing" "${ready_note}rc $rc, left: $(ls -A "$TMP/e8int" | tr '\n' ' ')$(tail -n 1 "$TMP/e8int.out")"; fi
    # ... and so does a SIGTERM (a job's time limit, timeout) or SIGHUP (the terminal closed), which then ends it as the
    # signal does (they killed it at once, leaving the partial enwik8.zip.tmp, as they left the shards' .tmp files,
    # hundreds of MB, and the directories it made)
    mkdir -p "$TMP/e8term"
    exec 3<>"$TMP/e8fifo"
    ENWIK8_URL="file://$TMP/e8fifo" python3 dev/data/enwik8.py -o "$TMP/e8term/new/sub" > "$TMP/e8term.out" 2>&1 &
    dl=$!
    wait_until 200 test -e "$TMP/e8term/new/sub/enwik8.zip.tmp"; partial_seen=$?; ready_note=$NOT_READY
    kill -TERM "$dl" 2>/dev/null
    wait_until 200 eval '! pid_alive "$dl"'
    kill -KILL "$dl" 2>/dev/null; wait "$dl" 2>/dev/null; rc=$?
    exec 3>&-
    if [ "$partial_seen" -eq 0 ] && [ "$rc" -eq 143 ] && [ -z "$(ls -A "$TMP/e8term")" ] &&
       grep -qx "enwik8.py: interrupted; nothing of this run was kept (run it again)" "$TMP/e8term.out"; then ok "enwik8_download_terminated_leaves_nothing"
    else bad "enwik8_download_terminated_leaves_nothing" "${ready_note}rc $rc, left: $(find "$TMP/e8term" -mindepth 1 | tr '\n' ' ')$(tail -n 1 "$TMP/e8term.out")"; fi
    # ... and one stopped after its download completed says that the download is kept (it said that nothing was): the
    # train shard's .tmp is a FIFO here (in the way, not made by the run), so that writing the shards blocks on it
    mkdir -p "$TMP/e8dk"
    mkfifo "$TMP/e8dk/enwik8_train.bin.tmp"
    ENWIK8_URL="file://$TMP/standin_a.zip" python3 dev/data/enwik8.py --allow-any-size -o "$TMP/e8dk" > "$TMP/e8dk.out" 2>&1 &
    dl=$!
    wait_until 200 grep -q "^read .* bytes from" "$TMP/e8dk.out"; ready_note=$NOT_READY
    kill -TERM "$dl" 2>/dev/null
    wait_until 200 eval '! pid_alive "$dl"'
    kill -KILL "$dl" 2>/dev/null; wait "$dl" 2>/dev/null; rc=$?
    if [ "$rc" -eq 143 ] && cmp -s "$TMP/standin_a.zip" "$TMP/e8dk/enwik8.zip" && [ ! -e "$TMP/e8dk/enwik8_val.bin" ] &&
       grep -qx "enwik8.py: interrupted; the download $TMP/e8dk/enwik8.zip is kept, no shards were written (run it again)" "$TMP/e8dk.out"
    then ok "enwik8_stopped_after_download_says_kept"
    else bad "enwik8_stopped_after_download_says_kept" "${ready_note}rc $rc, left: $(ls -A "$TMP/e8dk" | tr '\n' ' ')$(tail -n 1 "$TMP/e8dk.out")"; fi
    # ... and a stop during the shards' renames is held until they and the record are done (it left the new train shard
    # beside the old val and test shards, no record, and a message that no shards were written): SIGTERM at the first
    mkdir -p "$TMP/e8rn"; for s in train val test; do echo old > "$TMP/e8rn/enwik8_$s.bin"; done
    (python3 -c 'import os, runpy, signal, sys; replace = os.replace; done = []
def rep(a, b): replace(a, b); done.append(b); len(done) == 1 and os.kill(os.getpid(), signal.SIGTERM)
os.replace = rep; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")' \
        dev/data/enwik8.py "$TMP/standin_a.zip" --allow-any-size -o "$TMP/e8rn" > "$TMP/e8rn.out" 2>&1; exit $?) 2> /dev/null; rc=$? # (not bash's "Terminated")
    if [ "$rc" -eq 143 ] && [ -f "$TMP/e8rn/enwik8_source.txt" ] && ! grep -qx old "$TMP"/e8rn/enwik8_*.bin && ! ls "$TMP"/e8rn/*.tmp > /dev/null 2>&1 &&
       grep -qx "enwik8.py: interrupted after the shards and enwik8_source.txt were written to $TMP/e8rn" "$TMP/e8rn.out"
    then ok "enwik8_stop_during_renames_waits_for_them"
    else bad "enwik8_stop_during_renames_waits_for_them" "rc $rc, left: $(ls -A "$TMP/e8rn" | tr '\n' ' ')$(tail -n 1 "$TMP/e8rn.out")"; fi
    # ... and a stop as a .tmp's open returns, before the script listed it for removal (it was left behind): SIGTERM sent
    # by the open of the first shard's .tmp, and of the fourth, enwik8_source.txt's
    for n in 1 4; do
        mkdir -p "$TMP/e8op$n"; for s in train val test; do echo old > "$TMP/e8op$n/enwik8_$s.bin"; done
        (python3 -c 'import builtins, os, runpy, signal, sys; real = builtins.open; seen = []; n = int(sys.argv.pop(1))
def op(f, *a, **k):
    h = real(f, *a, **k)
    if str(f).endswith(".tmp"): seen.append(f); len(seen) == n and os.kill(os.getpid(), signal.SIGTERM)
    return h
builtins.open = op; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")' \
            $n dev/data/enwik8.py "$TMP/standin_a.zip" --allow-any-size -o "$TMP/e8op$n" > "$TMP/e8op.out" 2>&1; exit $?) 2> /dev/null; rc=$?
        if [ "$rc" -eq 143 ] && ! ls "$TMP/e8op$n"/*.tmp > /dev/null 2>&1 && [ "$(cat "$TMP/e8op$n"/enwik8_*.bin | tr '\n' ' ')" = "old old old " ]
        then ok "enwik8_stop_as_tmp_opens $n"
        else bad "enwik8_stop_as_tmp_opens $n" "rc $rc, left: $(ls -A "$TMP/e8op$n" | tr '\n' ' ')$(tail -n 1 "$TMP/e8op.out")"; fi
    done
    # a source whose train split (90%) passes a shard's int32 token count: one error line, nothing made (it was an
    # OverflowError traceback; a sparse file of 3 GB, no disk taken)
    truncate -s 3G "$TMP/e8_3g"
    expect_error_cmd enwik8_train_split_past_int32 "3,221,225,472 bytes: its train split (90%) would hold more than 2,147,483,647 tokens" \
        python3 dev/data/enwik8.py "$TMP/e8_3g" --allow-any-size -o "$TMP/e8_3g_out"
    if [ ! -e "$TMP/e8_3g_out" ]; then ok "enwik8_train_split_past_int32_makes_nothing"; else bad "enwik8_train_split_past_int32_makes_nothing" "$(ls -A "$TMP/e8_3g_out")"; fi
    rm -f "$TMP/e8_3g"
    # a bad argument: one error line (argparse's was a usage line and "enwik8.py: error: ...")
    expect_error_cmd enwik8_py_bad_flag "unrecognized arguments: --bogus" python3 dev/data/enwik8.py --bogus
else
    echo "SKIP run_enwik8.sh checks: no python3 (dev/data/enwik8.py; not counted as passed)"
fi

# --- make train: the default run clears the trainer's files out of its directory first (a fresh run into a
# checkpoint directory is refused), a run with the user's TRAIN_ARGS never removes anything
dry=$(make -n train 2>/dev/null); dry_own=$(make -n train TRAIN_ARGS="-x 3 -o out/mine" 2>/dev/null)
if echo "$dry" | grep -q "if \[ \"file\" = file \] && \[ \"0\" = 0 \]; then bash scripts/clear_run_dir.sh 'out/tinyshakespeare'; fi" &&
   echo "$dry" | grep -q -- "-o 'out/tinyshakespeare' " && ! echo "$dry" | grep -q "rm -rf" &&
   echo "$dry_own" | grep -q 'if \[ "command line" = file \]'; then ok "make_train_default_starts_afresh"
else bad "make_train_default_starts_afresh" "$(echo "$dry" | tail -n 2)"; fi
# TRAIN_DIR beside TRAIN_ARGS of the user's without -o: a note says it is not used (the run saved nothing, silently)
if make -n --no-print-directory train TRAIN_DIR="$TMP/td" TRAIN_ARGS="-x 3" 2>&1 | grep -q "note: TRAIN_DIR is used by the default TRAIN_ARGS only" &&
   ! make -n --no-print-directory train TRAIN_DIR="$TMP/td" TRAIN_ARGS="-x 3 -o $TMP/td" 2>&1 | grep -q "note: TRAIN_DIR" &&
   ! make -n --no-print-directory train TRAIN_DIR="$TMP/td" 2>&1 | grep -q "note: TRAIN_DIR"; then ok "make_train_dir_unused_noted"
else bad "make_train_dir_unused_noted" "$(make -n --no-print-directory train TRAIN_DIR="$TMP/td" TRAIN_ARGS="-x 3" 2>&1 | grep note)"; fi
# RESUME=1 keeps the default run's directory and adds -y 1: the recipe's lines as make would run them (-n),
# the clearing line run here on a stand-in run (a checkpoint, a log, a write a kill left half-done), in a TRAIN_DIR
# with a space (one path to the trainer and to the clearing script, not two words)
run_files=(main.log commands.txt .lock model_00000010.bin state_00000010.bin state_00000010_00001.bin DONE_00000010 model_best.bin
           model_00000020.bin.tmp model_00000020.bin state_00000020.bin DONE_00000020)
for resume in 0 1; do
    out=$(make -n --no-print-directory train RESUME=$resume TRAIN_DIR="$TMP/m t" 2>&1)
    mkdir -p "$TMP/m t"; for f in "${run_files[@]}"; do touch "$TMP/m t/$f"; done
    # (MAMBA_RESUME_HINT as the Makefile exports it to the recipe: the note names it)
    said=$(MAMBA_RESUME_HINT="make train RESUME=1 TRAIN_DIR='$TMP/m t'" bash -c "$(echo "$out" | grep -F "clear_run_dir.sh '$TMP/m t'")" 2>&1)
    cmd=$(echo "$out" | grep -E "^\./train_mamba(_cu)? -o '$TMP/m t' ")
    left=$(ls -A "$TMP/m t" | wc -l)
    if [ "$resume" = 1 ]; then
        if [ "$left" -eq ${#run_files[@]} ] && echo "$cmd" | grep -q -- " -y 1$"; then ok "make_train_resume_keeps_run"
        else bad "make_train_resume_keeps_run" "$left of ${#run_files[@]} files kept; command: $cmd"; fi
    else
        # (and says so, naming the newest checkpoint: the run of 20 steps went silently)
        if [ "$left" -eq 0 ] && [ -n "$cmd" ] && ! echo "$cmd" | grep -q -- "-y" &&
           [ "$said" = "note: starting afresh (make train RESUME=1 TRAIN_DIR='$TMP/m t' continues a run instead): removing the previous run from '$TMP/m t' (its checkpoint of step 20)" ]
        then ok "make_train_starts_afresh"
        else bad "make_train_starts_afresh" "files left: $(ls -A "$TMP/m t" | tr '\n' ' '); said '$said'; command: $cmd"; fi
    fi
    rm -rf "$TMP/m t"
done
# TRAIN_DIR naming a directory of the user's (it was `rm -rf`: TRAIN_DIR=. or $HOME would have gone): make
# stops with one error line before the trainer runs, and every file stays
mkdir -p "$TMP/precious/sub"; echo notes > "$TMP/precious/IMPORTANT.txt"; touch "$TMP/precious/model_00000010.bin"
expect_error_cmd make_train_foreign_dir_refused "'$TMP/precious' holds '.*', which the trainer does not write: removing nothing" \
    timeout 60 make -s --no-print-directory train TRAIN_DIR="$TMP/precious" # (timeout: a broken refusal trains)
if [ "$(cat "$TMP/precious/IMPORTANT.txt")" = notes ] && [ -d "$TMP/precious/sub" ] && [ -f "$TMP/precious/model_00000010.bin" ]
then ok "make_train_foreign_dir_kept"; else bad "make_train_foreign_dir_kept" "$(ls -A "$TMP/precious")"; fi
# the clearing script alone: the run's tokenizer.json (a run of V > 256 keeps it in -o) is the trainer's, and goes
rm -rf "$TMP/cr"; mkdir -p "$TMP/cr"; touch "$TMP/cr/model_00000010.bin" "$TMP/cr/DONE_00000010" "$TMP/cr/tokenizer.json" "$TMP/cr/tokenizer.json.tmp"
out=$(bash scripts/clear_run_dir.sh "$TMP/cr" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ -z "$(ls -A "$TMP/cr")" ]; then ok "clear_run_dir_removes_run_tokenizer"
else bad "clear_run_dir_removes_run_tokenizer" "rc $rc: $out (left: $(ls -A "$TMP/cr" | tr '\n' ' '))"; fi
# ... and what the run scripts add to their out dirs (it refused them for their run.out, and their errors said "delete
# <dir>"): run.out, run_enwik8.sh's data_source.txt (and the .tmp of its copy that a kill left), run_pretrain.sh's hf/
# (the trainer's -hf export, its config.json ours, a staged file of a killed export, the .tmp that a kill of an older
# run_pretrain.sh's copy of its tokenizer there left), a write check that a killed script left; --check says so and
# removes nothing
rm -rf "$TMP/cr"; mkdir -p "$TMP/cr/hf"; touch "$TMP/cr/model_00000010.bin" "$TMP/cr/DONE_00000010" "$TMP/cr/run.out" "$TMP/cr/data_source.txt" "$TMP/cr/data_source.txt.tmp" \
    "$TMP/cr/.mamba_write_check.123" "$TMP/cr/hf/model.safetensors" "$TMP/cr/hf/tokenizer.json" "$TMP/cr/hf/generation_config.json.staged" \
    "$TMP/cr/hf/tokenizer.json.tmp"
echo '{"llmc_vocab_size": 270}' > "$TMP/cr/hf/config.json"
bash scripts/clear_run_dir.sh --check "$TMP/cr" > "$TMP/cr_check.out" 2>&1; rc_check=$?; before=$(ls -A "$TMP/cr" | wc -l)
out=$(bash scripts/clear_run_dir.sh "$TMP/cr" 2>&1); rc=$?
if [ $rc_check -eq 0 ] && [ ! -s "$TMP/cr_check.out" ] && [ "$before" -eq 7 ] && [ $rc -eq 0 ] && [ -z "$(ls -A "$TMP/cr")" ] &&
   [ "$out" = "note: starting afresh: removing the previous run from '$TMP/cr' (its checkpoint of step 10)" ]; then ok "clear_run_dir_removes_run_script_files"
else bad "clear_run_dir_removes_run_script_files" "--check rc $rc_check ($before entries after it); rc $rc: $out (left: $(ls -A "$TMP/cr" | tr '\n' ' '))"; fi
# the clearing script alone: each kind of entry the trainer never writes, one at a time next to a checkpoint
clear_refuses() { # <name> <what to make in the directory> <pattern of the error>
    rm -rf "$TMP/cr"; mkdir -p "$TMP/cr"; touch "$TMP/cr/model_00000010.bin" "$TMP/cr/DONE_00000010"
    (cd "$TMP/cr" && eval "$2")
    local before; before=$(ls -A "$TMP/cr" | wc -l)
    expect_error_cmd "$1" "$3" bash scripts/clear_run_dir.sh "$TMP/cr"
    if [ "$(ls -A "$TMP/cr" | wc -l)" -ne "$before" ]; then bad "$1_kept" "$(ls -A "$TMP/cr")"; else ok "$1_kept"; fi
}
clear_refuses clear_run_dir_other_file "touch notes.txt" "holds 'notes.txt', which the trainer does not write"
clear_refuses clear_run_dir_folder "mkdir model_00000030.bin" "holds 'model_00000030.bin', which the trainer does not write"
clear_refuses clear_run_dir_link "echo mine > '$TMP/outside'; ln -s '$TMP/outside' model_00000020.bin" "holds 'model_00000020.bin'"
clear_refuses clear_run_dir_near_name "touch model_0010.bin" "holds 'model_0010.bin'"
# ... a model directory hf/ that is not the trainer's export (its config.json without llmc_vocab_size, such as one downloaded
# there), or that holds a file no export writes
clear_refuses clear_run_dir_hf_not_an_export "mkdir hf; echo '{}' > hf/config.json; touch hf/model.safetensors" \
    "holds 'hf/config.json', which is no export of the trainer's (no llmc_vocab_size)"
clear_refuses clear_run_dir_other_export "mkdir export; echo '{\"llmc_vocab_size\": 270}' > export/config.json" "holds 'export', an -hf export of the trainer's under another name than a run script's hf/, which alone is cleared"
clear_refuses clear_run_dir_hf_other_file "mkdir hf; echo '{\"llmc_vocab_size\": 270}' > hf/config.json; touch hf/README.md" "holds 'hf/README.md', which the trainer does not write"
clear_refuses clear_run_dir_run_out_folder "mkdir run.out" "holds 'run.out', which the trainer does not write"
expect_error_cmd clear_run_dir_check_refuses "holds 'run.out'" bash scripts/clear_run_dir.sh --check "$TMP/cr"
# ... and an hf/ without a config.json that no export cut short left: files of its names alone (a model.safetensors and a
# tokenizer.json of yours, cleared as an export cut short), where commands.txt records no run that exports there
clear_refuses clear_run_dir_hf_without_config "mkdir hf; touch hf/model.safetensors hf/tokenizer.json
    echo \"2026-12-07T00:00:00Z step 0: ./train_mamba -o '\$PWD' -hf '\$PWD/other/hf'\" > commands.txt" \
    "holds 'hf/', without a config.json, nor a staged file (<name>.staged) of an export cut short, nor a run in commands.txt exporting there: no export of the trainer's"
# ... while what the trainer's exports cut short leave is cleared: an export killed as it writes (a 20 KB file-size
# limit stops its write of the ~170 KB of weights), one killed inside its switch of files (the old config.json gone, the
# new one staged: made so from a whole export) and, after that, one killed as it began, which removes the staged files
# (final names alone, in the hf/ of a run whose command line in commands.txt exports there: -o <dir> -hf <dir>/hf)
rm -rf "$TMP/crx"
"$TS_BIN" -e d32:l2:v270 -tk test/fixtures/bpe/tokenizer.json -b 4 -t 32 -v 0 -g 0 -nt 2 -x 1 -o "$TMP/crx" -hf "$TMP/crx/hf" > /dev/null 2>&1
cp -r "$TMP/crx" "$TMP/crx_whole"
# (and so in a run of -o <dir>/ -hf <dir>/hf/, which the trainer takes as <dir> and <dir>/hf: its command line is recorded
# with the slashes; and an empty hf/, an export killed as it began, where commands.txt records no run exporting there:
# -e <dir>/model_... -x 0 -hf <dir>/hf, which writes no commands.txt line)
for state in killed_writing killed_in_switch killed_in_switch_then_begun killed_in_switch_then_begun_slashes killed_as_begun_unrecorded; do
    rm -rf "$TMP/crx"; cp -r "$TMP/crx_whole" "$TMP/crx"
    case $state in
        killed_writing) rm -rf "$TMP/crx/hf"
            ( ulimit -f 20; exec "$TS_BIN" -e "$TMP/crx/model_00000001.bin" -tk test/fixtures/bpe/tokenizer.json -x 0 -hf "$TMP/crx/hf" ) > /dev/null 2>&1 ;;
        killed_in_switch) mv "$TMP/crx/hf/config.json" "$TMP/crx/hf/config.json.staged" ;;
        killed_in_switch_then_begun) rm -f "$TMP/crx/hf/config.json" ;;
        killed_in_switch_then_begun_slashes) rm -f "$TMP/crx/hf/config.json"
            echo "2026-12-07T00:00:00Z step 0: $TS_BIN -e d32:l2:v270 -o '$TMP/crx//' -hf '$TMP/crx/hf/'" > "$TMP/crx/commands.txt" ;;
        killed_as_begun_unrecorded) rm -f "$TMP/crx/hf/"*
            echo "2026-12-07T00:00:00Z step 0: $TS_BIN -e d32:l2:v270 -o '$TMP/crx'" > "$TMP/crx/commands.txt" ;;
    esac
    hf_left=$(ls -A "$TMP/crx/hf" 2>&1 | tr '\n' ' ')
    out=$(bash scripts/clear_run_dir.sh "$TMP/crx" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && [ -z "$(ls -A "$TMP/crx")" ] && { [ -n "$hf_left" ] || [ $state = killed_as_begun_unrecorded ]; } &&
       [[ " $hf_left" != *" config.json "* ]]; then
        ok "clear_run_dir_hf_cut_short $state"
    else bad "clear_run_dir_hf_cut_short $state" "hf/ held '$hf_left'; rc $rc: $out (left: $(ls -A "$TMP/crx" | tr '\n' ' '))"; fi
done
[ "$(cat "$TMP/outside")" = mine ] && ok "clear_run_dir_link_target_kept" || bad "clear_run_dir_link_target_kept" "the link's target changed"
echo mine > "$TMP/afile"
# (called by hand, for a run script's out dir, it named make train's TRAIN_DIR: "choose another TRAIN_DIR")
expect_error_cmd clear_run_dir_not_a_directory "'$TMP/afile' is not a directory: not removing it (choose another directory)$" bash scripts/clear_run_dir.sh "$TMP/afile"
if bash scripts/clear_run_dir.sh "$TMP/no_such_dir" 2>&1 && [ ! -e "$TMP/no_such_dir" ]; then ok "clear_run_dir_missing_is_nothing_to_do"
else bad "clear_run_dir_missing_is_nothing_to_do" "rc $?"; fi
# -h prints the clearing script's usage and a mistyped option is one error line (both were taken as a directory, none
# there: exit 0, nothing said); make train with an empty TRAIN_DIR says so (it ended with the clearing script's usage)
out=$(cd "$TMP/cwd" && bash "$REPO/scripts/clear_run_dir.sh" -h 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^  bash scripts/clear_run_dir.sh <dir>$"; then ok "clear_run_dir_help"
else bad "clear_run_dir_help" "rc $rc: $(echo "$out" | head -n 2)"; fi
expect_error_cmd clear_run_dir_unknown_option "unknown option '--bogus' (usage: bash scripts/clear_run_dir.sh \[--check\] <dir>" bash scripts/clear_run_dir.sh --bogus
for resume in 0 1; do
    expect_error_cmd "make_train_empty_dir RESUME=$resume" "TRAIN_DIR is empty: give the run's directory" \
        timeout 60 make -s --no-print-directory train TRAIN_DIR= RESUME=$resume
done
# a trainer still running there holds an flock on .lock (here flock(1) stands in for it)
if command -v flock > /dev/null; then
    rm -rf "$TMP/cr"; mkdir -p "$TMP/cr"; touch "$TMP/cr/.lock" "$TMP/cr/model_00000010.bin" "$TMP/cr/main.log"
    flock -o "$TMP/cr/.lock" sleep 30 & holder=$! # (-o: the lock is flock's own, not sleep's, so it ends with it)
    wait_until 100 bash -c "! flock -n '$TMP/cr/.lock' true" || true
    expect_error_cmd clear_run_dir_trainer_running "a trainer is running in '$TMP/cr' (it holds '$TMP/cr/.lock'): removing nothing" \
        bash scripts/clear_run_dir.sh "$TMP/cr"
    pkill -P $holder sleep 2>/dev/null; kill $holder 2>/dev/null; wait $holder 2>/dev/null
    [ -f "$TMP/cr/model_00000010.bin" ] && ok "clear_run_dir_trainer_running_kept" || bad "clear_run_dir_trainer_running_kept" "the checkpoint went"
else
    echo "SKIP clear_run_dir_trainer_running: no flock(1) (not counted as passed)"
fi
expect_error_cmd make_train_bad_resume "RESUME=2: 0 (start afresh) or 1" make -s --no-print-directory train RESUME=2 TRAIN_DIR="$TMP/mt"
# a stop under make train (here the trainer's test hook, a SIGTERM during step 2) says to continue with make's command,
# not "the same command plus -y 1" (the trainer's own line, which make echoed): with the user's TRAIN_ARGS, the same again
out=$(MAMBA_TEST_SIGTERM_STEP=2 make -s --no-print-directory train TRAIN_ARGS="-e d32:l2:v256 -b 4 -t 32 -x 5 -v 0 -g 0 -nt 2 -o $TMP/mrh" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^stopped by signal 15 after step 2; resume with make train RESUME=1 with the same TRAIN_ARGS$"; then
    ok "make_train_stop_says_make_resume"
else bad "make_train_stop_says_make_resume" "rc $rc: $(echo "$out" | tail -n 2)"; fi
# make train on a machine whose driver sees a GPU (a stand-in nvidia-smi first on a PATH without nvcc, its compute
# capability FAKE_CC): with nvcc only in the CUDA Toolkit's directory (where its installers leave it) the GPU trainer
# is built with that nvcc; with none anywhere, or a GPU older than 8.0, the CPU trainer, and a note saying why; a
# GPU of a later architecture than the built-in ones gets its own code where nvcc knows it (-B: the build lines
# whether or not the programs are built already)
mkdir -p "$TMP/gpubin" "$TMP/cuda/bin"
printf '#!/bin/sh\ncase "$*" in *compute_cap*) echo "$FAKE_CC" ;; *) echo "GPU 0: stand-in (UUID: GPU-0)" ;; esac\n' > "$TMP/gpubin/nvidia-smi"
printf '#!/bin/sh\ncase "$1" in --list-gpu-code) printf "sm_80\\nsm_90\\nsm_100\\n" ;; *) exit 1 ;; esac\n' > "$TMP/cuda/bin/nvcc"
chmod +x "$TMP/gpubin/nvidia-smi" "$TMP/cuda/bin/nvcc"
dry_gpu() { FAKE_CC=$1 PATH="$TMP/gpubin:/usr/bin:/bin" make -n -B --no-print-directory train CUDA_HOME="$TMP/$2" 2>&1; }
h100=$(dry_gpu 9.0 cuda); b200=$(dry_gpu 10.0 cuda); rtx50=$(dry_gpu 12.0 cuda); t4=$(dry_gpu 7.5 cuda); without=$(dry_gpu 9.0 nocuda)
gpu_build="^$TMP/cuda/bin/nvcc .*code=\[sm_90,compute_90\] .* -o train_mamba_cu train_mamba.cu"
if echo "$h100" | grep -q "$gpu_build" && echo "$h100" | grep -q "^\./train_mamba_cu -o " && ! echo "$h100" | grep -q "compute_100" &&
   echo "$b200" | grep -q "$gpu_build" && echo "$b200" | grep -q -- "-gencode arch=compute_100,code=sm_100 " &&
   echo "$rtx50" | grep -q "$gpu_build" && ! echo "$rtx50" | grep -q "sm_120" &&
   echo "$without" | grep -q "note: a GPU is present but nvcc was not found (not on PATH, nor in $TMP/nocuda/bin): training on the CPU" &&
   echo "$without" | grep -q "^\./train_mamba -o " && ! echo "$without" | grep -q "train_mamba_cu" &&
   echo "$t4" | grep -q "note: the GPU has compute capability 7.5; train_mamba_cu needs 8.0 or newer: training on the CPU" &&
   echo "$t4" | grep -q "^\./train_mamba -o " && ! echo "$t4" | grep -q -- "-o train_mamba_cu \|^\./train_mamba_cu \|nvcc was not found"; then
    ok "make_train_picks_the_gpu_build"
else
    bad "make_train_picks_the_gpu_build" "$(for v in "$h100" "$b200" "$rtx50" "$t4" "$without"; do echo "$v" | grep -E "note|train_mamba" | tr '\n' ' '; echo '//'; done)"
fi
# the run scripts train with the trainer `make train` would (make train_bin): the CPU one, with make's note saying why,
# where the GPU has no nvcc or is older than 8.0 (they chose by nvidia-smi alone: without nvcc the build failed,
# "nvcc: not found" and no error line; an older GPU failed at the trainer's start); a tiny run with each stand-in GPU
for fake in "9.0 nocuda nvcc was not found" "7.5 cuda the GPU has compute capability 7.5"; do
    read -r cc cuda why <<< "$fake"
    out=$(FAKE_CC=$cc CUDA_HOME="$TMP/$cuda" PATH="$TMP/gpubin:/usr/bin:/bin" "${TS[@]}" STEPS=2 VAL_EVERY=2 \
          bash scripts/run_tinyshakespeare.sh "$TMP/ts_gpu_$cc" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^note: .*$why.*: training on the CPU" &&
       echo "$out" | tail -n 1 | grep -q "at the end of 2 steps, .* with \./train_mamba$"; then ok "scripts_pick_the_trainer_make_train_does $cc"
    else bad "scripts_pick_the_trainer_make_train_does $cc" "rc $rc: $(echo "$out" | grep -v '^step' | tail -n 2)"; fi
done
# the NCCL probe (nccl.h through $(NVCC) -E): where nvcc finds it, the GPU programs link NCCL; where it does not, or
# with NCCL=0, they are built for one process over llmc/cuda/nccl_subset/ (-DNO_NCCL), with a note saying so (a
# stand-in nvcc that finds nccl.h where NCCL_FOUND=1; make -n compiles nothing)
mkdir -p "$TMP/ncclbin"
printf '#!/bin/sh\ncase " $* " in *" -E "*) [ "$NCCL_FOUND" = 1 ] && grep -q "include <nccl.h>" && exit 0 ;; esac\nexit 1\n' > "$TMP/ncclbin/nvcc"
chmod +x "$TMP/ncclbin/nvcc"
dry_nccl() { NCCL_FOUND=$1 env -u MAKEFLAGS -u NCCL make -n -B --no-print-directory train_mamba_cu test_mamba_cu test_mamba_cu_fp32 NVCC="$TMP/ncclbin/nvcc" "${@:2}" 2>&1; }
found=$(dry_nccl 1); missing=$(dry_nccl 0); off=$(dry_nccl 1 NCCL=0)
nccl_note="^echo \"note: building train_mamba_cu without NCCL"
no_nccl_ok() { echo "$1" | grep -q -- "-o train_mamba_cu train_mamba.cu .*-DNO_NCCL -Illmc/cuda/nccl_subset" &&
               echo "$1" | grep -q -- "-o test_mamba_cu test/.*-DNO_NCCL" && echo "$1" | grep -q -- "-o test_mamba_cu_fp32 .*-DNO_NCCL" &&
               ! echo "$1" | grep -q -- "-lnccl" && echo "$1" | grep -q "$nccl_note"; }
if echo "$found" | grep -q -- "-o train_mamba_cu train_mamba.cu .*-lnccl$" && echo "$found" | grep -q -- "-o test_mamba_cu test/.*-lnccl$" &&
   echo "$found" | grep -q -- "-o test_mamba_cu_fp32 .*-lnccl$" &&
   ! echo "$found" | grep -q "NO_NCCL\|nccl_subset\|$nccl_note" && no_nccl_ok "$missing" && no_nccl_ok "$off"; then ok "make_nccl_probe_picks_the_build"
else bad "make_nccl_probe_picks_the_build" "$(for v in "$found" "$missing" "$off"; do echo "$v" | grep -E "note|_cu" | tr '\n' ' '; echo '//'; done)"; fi
# CC: gcc unless given, on make's command line or in the environment (make's own default, cc, is not taken)
cc_line() { env -u MAKEFLAGS "$@" make -n -B --no-print-directory dev/data/prepare_bytes 2>&1 | grep -- "-o dev/data/prepare_bytes "; }
cc_default=$(cc_line -u CC); cc_env=$(cc_line CC=stand-in-cc)
cc_arg=$(env -u MAKEFLAGS -u CC make -n -B --no-print-directory dev/data/prepare_bytes CC=stand-in-cc 2>&1 | grep -- "-o dev/data/prepare_bytes ")
if [ "${cc_default%% *}" = gcc ] && [ "${cc_env%% *}" = stand-in-cc ] && [ "${cc_arg%% *}" = stand-in-cc ]; then ok "make_cc_gcc_unless_given"
else bad "make_cc_gcc_unless_given" "default: '${cc_default%% *}', environment: '${cc_env%% *}', command line: '${cc_arg%% *}'"; fi
# CFLAGS given to make, on its command line or in the environment, take the place of -O3 -march=native alone: the
# warnings and OpenMP stay (the command line's overrode the Makefile's += lines too: the trainer was built without
# OpenMP, single-threaded, without a word)
cflags_line() { env -u MAKEFLAGS -u CFLAGS "$@" make -n -B --no-print-directory train_mamba ${MAKE_ARGS[@]+"${MAKE_ARGS[@]}"} 2>&1 | grep -- "-o train_mamba "; }
MAKE_ARGS=(); cflags_default=$(cflags_line); cflags_env=$(cflags_line CFLAGS=-O1)
MAKE_ARGS=(CFLAGS=-O1); cflags_arg=$(cflags_line)
if [ -n "$cflags_default" ] && [ "$cflags_arg" = "${cflags_default/-O3 -march=native/-O1}" ] && [ "$cflags_env" = "$cflags_arg" ]; then
    ok "make_cflags_keep_warnings_and_openmp"
else bad "make_cflags_keep_warnings_and_openmp" "default: '$cflags_default', command line: '$cflags_arg', environment: '$cflags_env'"; fi
# cJSON missing (a stand-in compiler that does not find its header): one error line on stderr saying what to install,
# and as root, where apt-get fails to install it (a stand-in apt-get, id saying 0), one saying so (the first went to
# stdout, and the failed install ended with apt-get's message alone)
mkdir -p "$TMP/cj"
printf '#!/bin/sh\ncase " $* " in *" -E "*) grep -q cjson && exit 1 ;; esac\nexec gcc "$@"\n' > "$TMP/cj/cc"
printf '#!/bin/sh\n[ "$1" = update ] && exit 0\necho "E: Unable to locate package libcjson-dev" >&2; exit 100\n' > "$TMP/cj/apt-get"
printf '#!/bin/sh\necho "$FAKE_UID"\n' > "$TMP/cj/id"
chmod +x "$TMP/cj/cc" "$TMP/cj/apt-get" "$TMP/cj/id"
expect_error_cmd make_deps_missing_cjson "cJSON is missing: install its development package (Debian, Ubuntu: sudo apt-get install libcjson-dev" \
    env -u MAKEFLAGS FAKE_UID=1000 PATH="$TMP/cj:$PATH" make -s --no-print-directory deps CC="$TMP/cj/cc"
expect_error_cmd make_deps_failed_install "cJSON is missing and apt-get could not install libcjson-dev" \
    env -u MAKEFLAGS FAKE_UID=0 PATH="$TMP/cj:$PATH" make -s --no-print-directory deps CC="$TMP/cj/cc"
# make data's python: the one found is quoted (its path may hold a space), a PYTHON given to make is a command as typed,
# with its arguments ("$(PYTHON)" made PYTHON="python3 -X utf8" one word: "command not found")
py_arg=$(make -n -B --no-print-directory dev/data/tinyshakespeare/tiny_shakespeare_val.bin PYTHON="python3 -X utf8" 2>/dev/null | grep 'tinyshakespeare\.py')
py_found=$(make -n -B --no-print-directory dev/data/tinyshakespeare/tiny_shakespeare_val.bin 2>/dev/null | grep 'tinyshakespeare\.py')
if [ "$py_arg" = "python3 -X utf8 dev/data/tinyshakespeare.py" ] && { ! command -v python3 > /dev/null || [ "$py_found" = "'$(command -v python3)' dev/data/tinyshakespeare.py" ]; }
then ok "make_data_python_command"; else bad "make_data_python_command" "given: '$py_arg', found: '$py_found'"; fi

# --- scripts/c_numbers.sh (sourced by every script, the test runner and test/check.sh) in a decimal-comma locale, made
# with localedef where this machine has its sources: under LANG or LC_ALL=de_DE.UTF-8, awk reads and writes 1.5
# (mawk there read it as 1 and wrote 0,5), while LC_ALL's other categories stay the user's (messages, characters)
mkdir -p "$TMP/loc"
if localedef -i de_DE -f UTF-8 "$TMP/loc/de_DE.UTF-8" > /dev/null 2>&1 &&
   [ "$(echo 1.5 | LOCPATH="$TMP/loc" LC_ALL=de_DE.UTF-8 awk '{ printf "%.1f", $1 + 1 }')" = "2,0" ]; then
    c_lang=$(echo 1.5 | env -u LC_ALL -u LC_NUMERIC LOCPATH="$TMP/loc" LANG=de_DE.UTF-8 bash -c '. scripts/c_numbers.sh; awk "{ printf \"%.1f\", \$1 + 1 }"')
    c_all=$(echo 1.5 | env LOCPATH="$TMP/loc" LC_ALL=de_DE.UTF-8 bash -c '. scripts/c_numbers.sh; awk "{ printf \"%.1f\", \$1 + 1 }"; echo " ${LC_ALL:-unset} $LC_MESSAGES $LC_CTYPE"')
    if [ "$c_lang" = "2.5" ] && [ "$c_all" = "2.5 unset de_DE.UTF-8 de_DE.UTF-8" ]; then ok "c_numbers_in_decimal_comma_locale"
    else bad "c_numbers_in_decimal_comma_locale" "LANG: '$c_lang', LC_ALL: '$c_all'"; fi
else echo "SKIP c_numbers_in_decimal_comma_locale: no de_DE.UTF-8 locale can be made here (not counted as passed)"; fi

# --- run_synthetic.sh with a stand-in trainer (BIN): a failing length evaluation names the length and
# passes on the trainer's error line; the lengths files are written fresh; every length measures
# VAL_SEQS sequences (-m at batch 1: a synthetic val set is its first -m batches)
{
    echo '#!/usr/bin/env bash'
    echo "echo \"\$*\" >> '$TMP/fake_args.log'"
    echo 'case " $* " in *" -t ${FAKE_FAIL_T:-none} "*) echo "error: fake failure at -t $FAKE_FAIL_T" >&2; exit 3 ;; esac'
    echo 'echo "val loss 1.0"; echo "val accuracy 0.500000"'
} > "$TMP/fake_trainer.sh"
chmod +x "$TMP/fake_trainer.sh"
SY=(timeout -s KILL 60 env BIN="$TMP/fake_trainer.sh" SEL=1 LENGTHS="6 12 14")
"${SY[@]}" bash scripts/run_synthetic.sh "$TMP/syn" 2 2 > /dev/null 2>&1
out=$("${SY[@]}" bash scripts/run_synthetic.sh "$TMP/syn" 2 2 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ "$(wc -l < "$TMP/syn/induction_s1_lengths.txt")" -eq 3 ]; then ok "synthetic_lengths_file_fresh"
else bad "synthetic_lengths_file_fresh" "rc $rc, $(wc -l < "$TMP/syn/induction_s1_lengths.txt") lines"; fi
if grep -q "^induction_s1 L=2^6 accuracy 0.500000 (256 sequences" "$TMP/syn/induction_s1_lengths.txt" &&
   grep -q "^induction_s1 L=2^14 accuracy 0.500000 (256 sequences" "$TMP/syn/induction_s1_lengths.txt" &&
   grep -q -- "-b 1 -t 64 -x 0 -m 256\$" "$TMP/fake_args.log" && grep -q -- "-b 1 -t 16384 -x 0 -m 256\$" "$TMP/fake_args.log"; then
    ok "synthetic_sequence_counts_measured"
else bad "synthetic_sequence_counts_measured" "$(head -n 1 "$TMP/syn/induction_s1_lengths.txt")"; fi
"${SY[@]}" VAL_SEQS=32 bash scripts/run_synthetic.sh "$TMP/syn32" 2 2 > /dev/null 2>&1
if grep -q "^induction_s1 L=2^12 accuracy 0.500000 (32 sequences" "$TMP/syn32/induction_s1_lengths.txt" &&
   grep -q -- "-b 1 -t 4096 -x 0 -m 32\$" "$TMP/fake_args.log"; then ok "synthetic_val_seqs_passed"
else bad "synthetic_val_seqs_passed" "$(head -n 1 "$TMP/syn32/induction_s1_lengths.txt" 2>&1)"; fi
"${SY[@]}" VAL_SEQS=32 EVAL_B=8 bash scripts/run_synthetic.sh "$TMP/syn32b" 2 2 > /dev/null 2>&1
if grep -q "^induction_s1 L=2^14 accuracy 0.500000 (32 sequences" "$TMP/syn32b/induction_s1_lengths.txt" &&
   grep -q -- "-b 8 -t 16384 -x 0 -m 4\$" "$TMP/fake_args.log"; then ok "synthetic_eval_batch_passed"
else bad "synthetic_eval_batch_passed" "$(head -n 1 "$TMP/syn32b/induction_s1_lengths.txt" 2>&1)"; fi
# a BIN given relative is the caller's, as OUT is (it was looked for in the repository, and every training failed with
# "No such file or directory"); one that is no executable file is one error line before anything runs
out=$(cd "$TMP" && timeout -s KILL 60 env BIN=./fake_trainer.sh SEL=1 LENGTHS=6 bash "$REPO/scripts/run_synthetic.sh" "$TMP/synrel" 2 2 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ -s "$TMP/synrel/induction_s1_lengths.txt" ] && echo "$out" | grep -q "^induction_s1: training to step 2 with $TMP/fake_trainer.sh;"; then
    ok "synthetic_relative_bin_is_the_callers"
else bad "synthetic_relative_bin_is_the_callers" "rc $rc: $(echo "$out" | tail -n 1)"; fi
for b in ./no_such_trainer "$TMP"; do
    expect_error_cmd "synthetic_bin_not_executable $b" "BIN=$(cd "$TMP" && realpath -m -- "$b"): no such executable file (the trainer)" \
        env -C "$TMP" BIN="$b" SEL=1 LENGTHS=6 timeout -s KILL 60 bash "$REPO/scripts/run_synthetic.sh" "$TMP/synbad" 2 2
done
if [ ! -e "$TMP/synbad" ]; then ok "synthetic_bin_not_executable_makes_nothing"; else bad "synthetic_bin_not_executable_makes_nothing" "$TMP/synbad made"; fi
# ... and a BIN that is a program but no trainer, printing nothing, is said to be so (the error line ended in "the
# trainer's output: " or "exited with 1: ", nothing after the colon)
expect_error_cmd synthetic_bin_prints_nothing "induction_s1: true exited with 0 and printed nothing, not the trainer's 'val accuracy' line (is BIN=true the trainer?)" \
    env BIN=true SEL=1 LENGTHS=6 timeout -s KILL 60 bash scripts/run_synthetic.sh "$TMP/syntrue" 2 2
expect_error_cmd synthetic_bin_fails_printing_nothing "training induction_s1: the trainer exited with 1: it printed nothing; is BIN=false the trainer? (see $TMP/synfalse/induction_s1.txt)" \
    env BIN=false SEL=1 LENGTHS=6 timeout -s KILL 60 bash scripts/run_synthetic.sh "$TMP/synfalse" 2 2
expect_error_cmd synthetic_eval_b_divides "EVAL_B must be a positive integer that divides VAL_SEQS (256), got '3'" "${SY[@]}" EVAL_B=3 bash scripts/run_synthetic.sh "$TMP/syn" 2 2
expect_error_cmd synthetic_bad_val_seqs "VAL_SEQS must be a whole number from 1 to 999999999, got '0'" "${SY[@]}" VAL_SEQS=0 bash scripts/run_synthetic.sh "$TMP/syn" 2 2
# an evaluation batch past the trainer's 2^30 tokens (EVAL_B x 2^p) is refused before anything runs (the trainer refused it
# at that length's evaluation, after the trainings); at 2^30 it runs, and a copying run alone evaluates no lengths
expect_error_cmd synthetic_eval_batch_too_long "EVAL_B=8 sequences of L = 2^28 (LENGTHS) are 2147483648 tokens, more than the trainer's 2^30 in one batch: a smaller EVAL_B (at most 4 at this length)" \
    "${SY[@]}" LENGTHS="6 28" EVAL_B=8 bash scripts/run_synthetic.sh "$TMP/syn_evb" 2 2
if [ ! -e "$TMP/syn_evb" ]; then ok "synthetic_eval_batch_too_long_makes_nothing"; else bad "synthetic_eval_batch_too_long_makes_nothing" "$TMP/syn_evb made"; fi
"${SY[@]}" LENGTHS=27 EVAL_B=8 VAL_SEQS=8 bash scripts/run_synthetic.sh "$TMP/syn_evb27" 2 2 > /dev/null 2>&1; rc=$?
"${SY[@]}" TASKS=copy LENGTHS=28 EVAL_B=8 bash scripts/run_synthetic.sh "$TMP/syn_evbc" 2 2 > /dev/null 2>&1; rc2=$?
if [ "$rc" -eq 0 ] && grep -q -- "-b 8 -t 134217728 -x 0 -m 1\$" "$TMP/fake_args.log" && [ "$rc2" -eq 0 ]; then ok "synthetic_eval_batch_at_most_2_30"
else bad "synthetic_eval_batch_at_most_2_30" "rc $rc, copy alone rc $rc2"; fi
# IND_LR and COPY_LR are each task's training -l (the paper copies at 1e-4; both were fixed at 1e-3), and EXTRA's
# flags come last in every trainer call, the length evaluations' included
: > "$TMP/fake_args.log"
"${SY[@]}" IND_LR=2e-3 COPY_LR=1e-4 EXTRA="-nt 2  -r 1" bash scripts/run_synthetic.sh "$TMP/synlr" 2 2 > "$TMP/synlr.out" 2>&1
calls=$(wc -l < "$TMP/fake_args.log")
if [ "$(grep -c -- "-i synth:induction .* -l 2e-3 -x 2 -o $TMP/synlr/induction_s1 -y 1 -nt 2 -r 1\$" "$TMP/fake_args.log")" -eq 1 ] &&
   [ "$(grep -c -- "-i synth:copy .* -l 1e-4 -x 2 -o $TMP/synlr/copy_s1 -y 1 -nt 2 -r 1\$" "$TMP/fake_args.log")" -eq 1 ] &&
   [ "$calls" -eq 5 ] && [ "$(grep -c -- " -nt 2 -r 1\$" "$TMP/fake_args.log")" -eq "$calls" ] &&
   grep -q "^== copy_s1 (L=1024 + 16 markers, 2 steps, LR 1e-4)" "$TMP/synlr.out"; then ok "synthetic_lr_and_extra_passed"
else bad "synthetic_lr_and_extra_passed" "$calls calls: $(tail -n 2 "$TMP/fake_args.log" | tr '\n' ' ')"; fi
expect_error_cmd synthetic_bad_lr "COPY_LR must be a positive number such as 1e-3, got '0.0'" "${SY[@]}" COPY_LR=0.0 bash scripts/run_synthetic.sh "$TMP/syn" 2 2
expect_error_cmd synthetic_bad_lr_text "IND_LR must be a positive number such as 1e-3, got '1e-3x'" "${SY[@]}" IND_LR=1e-3x bash scripts/run_synthetic.sh "$TMP/syn" 2 2
# ... a zero written with an exponent (it passed as positive for its exponent's digit, and a run at -l 0 reads as one
# with no LR record), a float's range, and an -l in EXTRA (last, it would train at another LR than the one checked)
expect_error_cmd synthetic_bad_lr_zero_exponent "COPY_LR must be a positive number such as 1e-3, got '0e5'" "${SY[@]}" COPY_LR=0e5 bash scripts/run_synthetic.sh "$TMP/syn" 2 2
expect_error_cmd synthetic_bad_lr_underflow "IND_LR must be a positive number such as 1e-3, got '1e-50'" "${SY[@]}" IND_LR=1e-50 bash scripts/run_synthetic.sh "$TMP/syn" 2 2
expect_error_cmd synthetic_extra_lr_refused "EXTRA must not hold flags this script sets itself: -l (set by IND_LR / COPY_LR); got '-nt 2 -l 5e-4'" \
    "${SY[@]}" EXTRA="-nt 2 -l 5e-4" bash scripts/run_synthetic.sh "$TMP/syn" 2 2
# ... nor any other flag the script gives the trainer: EXTRA goes last to the trainings and the length evaluations alike,
# where -x 5 trained 5 steps and -b 16 evaluated in batches of 16 where the script counted EVAL_B's (on every line of EXTRA)
expect_error_cmd synthetic_extra_own_flags "EXTRA must not hold flags this script sets itself: -b (set by EVAL_B), -x (set by the step arguments); got '-nt 2 -x 5 -b 16'" \
    "${SY[@]}" EXTRA=$'-nt 2 -x 5\n-b 16' bash scripts/run_synthetic.sh "$TMP/syn_extra" 2 2
if [ ! -e "$TMP/syn_extra" ]; then ok "synthetic_extra_own_flags_makes_nothing"; else bad "synthetic_extra_own_flags_makes_nothing" "$TMP/syn_extra made"; fi
# an empty selection list and a step count past the trainer's int are one error line each, not a silent
# no-op or bash's printf range warnings
expect_error_cmd synthetic_empty_sel "SEL must list 1 and / or 0, got ' '" "${SY[@]}" SEL=" " bash scripts/run_synthetic.sh "$TMP/syn" 2 2
expect_error_cmd synthetic_tab_sel "SEL must list 1 and / or 0, got '[[:space:]]'" "${SY[@]}" SEL=$'\t' bash scripts/run_synthetic.sh "$TMP/syn_blank" 2 2
expect_error_cmd synthetic_empty_lengths "LENGTHS lists exponents p (L = 2^p) in \[2, 30\], got ' '" "${SY[@]}" LENGTHS=" " bash scripts/run_synthetic.sh "$TMP/syn_blank" 2 2
if [ ! -e "$TMP/syn_blank" ]; then ok "synthetic_blank_lists_make_nothing"; else bad "synthetic_blank_lists_make_nothing" "$(ls "$TMP/syn_blank" | tr '\n' ' ')"; fi
expect_error_cmd synthetic_huge_steps "induction steps must be a whole number from 1 to 999999999, got '99999999999'" \
    "${SY[@]}" bash scripts/run_synthetic.sh "$TMP/syn" 99999999999 2
# run_tinyshakespeare.sh checks its numbers itself: STEPS=0 or VAL_EVERY=00 used to fail in the trainer
# with an error about -kb 1, a flag the user never gave
expect_error_cmd tinyshakespeare_zero_steps "STEPS must be a whole number from 1 to 999999999, got '0'" \
    env STEPS=0 bash scripts/run_tinyshakespeare.sh "$TMP/ts_bad"
expect_error_cmd tinyshakespeare_val_every_leading_zero "VAL_EVERY must be a whole number from 0 to 999999999, got '00'" \
    env VAL_EVERY=00 bash scripts/run_tinyshakespeare.sh "$TMP/ts_bad"
if [ ! -e "$TMP/ts_bad" ]; then ok "tinyshakespeare_bad_numbers_leave_nothing"; else bad "tinyshakespeare_bad_numbers_leave_nothing" "$TMP/ts_bad made"; fi
expect_error_cmd enwik8_bad_steps "STEPS must be a whole number from 1 to 999999999, got 'x'" env STEPS=x bash scripts/run_enwik8.sh
# ... and their LR too, before the data is made: run_enwik8.sh's was refused by the trainer (as -l's) after enwik8 had
# been downloaded and split
expect_error_cmd enwik8_bad_lr "LR must be a positive number such as 1e-3, got '2e-3x'" \
    env LR=2e-3x ALLOW_ANY_SIZE=1 OUT="$TMP/e8_lr" DATA_DIR="$TMP/e8_lr_data" timeout -s KILL 60 bash scripts/run_enwik8.sh dev/data/tinyshakespeare.txt
if [ ! -e "$TMP/e8_lr_data" ] && [ ! -e "$TMP/e8_lr" ]; then ok "enwik8_bad_lr_prepares_nothing"; else bad "enwik8_bad_lr_prepares_nothing" "$(ls "$TMP/e8_lr_data" 2>&1 | tr '\n' ' ')"; fi
# ... and their MODEL, as the trainer reads it: a mistyped descriptor was refused after the download (no file given: here
# from an ENWIK8_URL that is not there, an error of its own) or the split of the file given
expect_error_cmd enwik8_bad_model "MODEL=d512:l24:v25x: model descriptor 'd512:l24:v25x': bad field 'v25x'" \
    env MODEL=d512:l24:v25x ENWIK8_URL="file://$TMP/no_enwik8.zip" OUT="$TMP/e8_model_bad" DATA_DIR="$TMP/e8_model_data" timeout -s KILL 60 bash scripts/run_enwik8.sh
env MODEL=d512:l24:v25x ALLOW_ANY_SIZE=1 OUT="$TMP/e8_model_bad" DATA_DIR="$TMP/e8_model_data" timeout -s KILL 60 bash scripts/run_enwik8.sh dev/data/tinyshakespeare.txt > /dev/null 2>&1
if [ ! -e "$TMP/e8_model_data" ] && [ ! -e "$TMP/e8_model_bad" ]; then ok "enwik8_bad_model_prepares_nothing"; else bad "enwik8_bad_model_prepares_nothing" "$(ls "$TMP/e8_model_data" 2>&1 | tr '\n' ' ')"; fi
# (a descriptor of another vocabulary is checked without a tokenizer: the run goes on to the download)
out=$(env MODEL=d32:l2:v300 ENWIK8_URL="file://$TMP/no_enwik8.zip" OUT="$TMP/e8_model_v300" DATA_DIR="$TMP/e8_model_v300_data" timeout -s KILL 60 bash scripts/run_enwik8.sh 2>&1); rc=$?
if [ $rc -ne 0 ] && [ "$(echo "$out" | grep '^error')" = "error: cannot download file://$TMP/no_enwik8.zip: <urlopen error [Errno 2] No such file or directory: '$TMP/no_enwik8.zip'>; download it elsewhere and pass its path" ]; then
    ok "enwik8_model_other_vocabulary_checked_without_tokenizer"
else bad "enwik8_model_other_vocabulary_checked_without_tokenizer" "rc $rc: $(echo "$out" | grep -m 1 '^error')"; fi
expect_error_cmd tinyshakespeare_bad_lr "LR must be a positive number such as 1e-3, got '0e5'" env LR=0e5 timeout -s KILL 60 bash scripts/run_tinyshakespeare.sh "$TMP/ts_bad"
# EXTRA holds none of the flags a run script sets itself (appended last, they overrode the script's own: EXTRA="-x 4"
# trained 4 steps and the result line said "val loss (none at step 6)"; "-o <dir>" trained there, and the script looked
# for main.log in its out dir), checked before the data and the build
expect_error_cmd tinyshakespeare_extra_own_flags "EXTRA must not hold flags this script sets itself: -x (set by STEPS), -o (set by the out dir); got '-nt 2 -o $TMP/ts_other -x 4'" \
    env EXTRA="-nt 2 -o $TMP/ts_other -x 4" timeout -s KILL 60 bash scripts/run_tinyshakespeare.sh "$TMP/ts_bad"
expect_error_cmd enwik8_extra_own_flags "EXTRA must not hold flags this script sets itself: -g (set by GEN); got '-g 0 -nt 2'" \
    env EXTRA="-g 0 -nt 2" ALLOW_ANY_SIZE=1 OUT="$TMP/e8_lr" DATA_DIR="$TMP/e8_lr_data" timeout -s KILL 60 bash scripts/run_enwik8.sh dev/data/tinyshakespeare.txt
expect_error_cmd pretrain_extra_own_flags "EXTRA must not hold flags this script sets itself: -m (set by VAL_BATCHES), -hf (set by OUT); got '-nt 2 -m 1 -hf $TMP/hf'" \
    env EXTRA="-nt 2 -m 1 -hf $TMP/hf" OUT="$TMP/pt_extra" DATA="$TMP/pt_extra_data" timeout -s KILL 60 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json dev/data/tinyshakespeare.txt
if [ ! -e "$TMP/ts_bad" ] && [ ! -e "$TMP/ts_other" ] && [ ! -e "$TMP/e8_lr" ] && [ ! -e "$TMP/e8_lr_data" ] && [ ! -e "$TMP/pt_extra" ] &&
   ! compgen -G "$TMP/pt_extra_data*" > /dev/null; then ok "extra_own_flags_make_nothing"
else bad "extra_own_flags_make_nothing" "$(ls -d "$TMP"/ts_* "$TMP"/e8_lr* "$TMP"/pt_extra* 2>&1 | tr '\n' ' ')"; fi
expect_error_cmd synthetic_length_eval_failure "induction_s1 at L=2\^12: the evaluation exited with 3: fake failure at -t 4096" \
    "${SY[@]}" FAKE_FAIL_T=4096 bash scripts/run_synthetic.sh "$TMP/syn" 2 2
# the lengths file is whole or absent: the failure part-way above left neither it (the run before it wrote one)
# nor its .tmp; a trainer that exits as a stop signal makes it (130: SIGINT, 143: SIGTERM) is a stop: one line, exit 130
if [ ! -e "$TMP/syn/induction_s1_lengths.txt" ] && [ ! -e "$TMP/syn/induction_s1_lengths.txt.tmp" ]; then ok "synthetic_failed_lengths_leave_no_file"
else bad "synthetic_failed_lengths_leave_no_file" "$(ls "$TMP/syn" | grep lengths)"; fi
{
    echo '#!/usr/bin/env bash'
    echo 'case " $* " in *" -t ${FAKE_STOP_T:-none} "*) exit ${FAKE_STOP_RC:-130} ;; esac'
    echo 'case " $* " in *" -t ${FAKE_SLEEP_T:-none} "*) : > "$FAKE_SLEEP_MARK"; exec sleep 30 ;; esac'
    echo 'case " $* " in *" -t ${FAKE_NOACC_T:-none} "*) echo "val loss 1.0"; exit 0 ;; esac'
    echo 'echo "val loss 1.0"; echo "val accuracy 0.500000"'
} > "$TMP/stop_trainer.sh"
chmod +x "$TMP/stop_trainer.sh"
for rc_stop in 130 143; do
    out=$(timeout -s KILL 60 env BIN="$TMP/stop_trainer.sh" SEL=1 LENGTHS="6 12 14" FAKE_STOP_T=4096 FAKE_STOP_RC=$rc_stop \
          bash scripts/run_synthetic.sh "$TMP/syn_stop$rc_stop" 2 2 2>&1); rc=$?
    if [ "$rc" -eq 130 ] && [ "$(echo "$out" | tail -n 1)" = "stopped during the length evaluations of induction_s1; its trained model is kept: run the same command again to evaluate them" ] &&
       [ -z "$(ls "$TMP/syn_stop$rc_stop" | grep lengths)" ] && ! echo "$out" | grep -q "copy_s1"; then ok "synthetic_lengths_stopped_rc$rc_stop"
    else bad "synthetic_lengths_stopped_rc$rc_stop" "rc $rc: $(echo "$out" | tail -n 1); $(ls "$TMP/syn_stop$rc_stop" | grep lengths)"; fi
done
# an evaluation whose output has no accuracy line: its error, and no lengths file or .tmp either
expect_error_cmd synthetic_length_eval_no_accuracy "induction_s1 at L=2\^12: no 'val accuracy' line in the trainer's output: val loss 1.0" \
    env BIN="$TMP/stop_trainer.sh" SEL=1 LENGTHS="6 12 14" FAKE_NOACC_T=4096 bash scripts/run_synthetic.sh "$TMP/syn_noacc" 2 2
if [ -z "$(ls "$TMP/syn_noacc" | grep lengths)" ]; then ok "synthetic_no_accuracy_leaves_no_file"
else bad "synthetic_no_accuracy_leaves_no_file" "$(ls "$TMP/syn_noacc" | grep lengths)"; fi
# a Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while a length is evaluated: the same
# (started as a job, set -m: its own process group; env --default-signal: SIGINT not ignored, as it is in a
# background command without job control, and in this suite when it was itself started as one)
rm -f "$TMP/sleep.started"
set -m
env --default-signal=INT BIN="$TMP/stop_trainer.sh" SEL=1 LENGTHS="6 12 14" FAKE_SLEEP_T=4096 FAKE_SLEEP_MARK="$TMP/sleep.started" \
    bash scripts/run_synthetic.sh "$TMP/syn_int" 2 2 > "$TMP/syn_int.out" 2>&1 & # (the stand-in sleeps 30 s at most)
syn_pid=$!
set +m
for _ in $(seq 100); do [ -e "$TMP/sleep.started" ] && break; sleep 0.1; done
kill -INT -- -"$syn_pid" 2> /dev/null
wait "$syn_pid"; rc=$?
if [ "$rc" -eq 130 ] && [ "$(tail -n 1 "$TMP/syn_int.out")" = "stopped during the length evaluations of induction_s1; its trained model is kept: run the same command again to evaluate them" ] &&
   [ -z "$(ls "$TMP/syn_int" | grep lengths)" ]; then ok "synthetic_lengths_ctrl_c"
else bad "synthetic_lengths_ctrl_c" "rc $rc: $(tail -n 1 "$TMP/syn_int.out"); $(ls "$TMP/syn_int" | grep lengths)"; fi
# an output directory that is an existing file: one error line naming it, not mkdir's own message and exit
: > "$TMP/out_is_a_file"
expect_error_cmd synthetic_out_is_a_file "cannot create the directory '$TMP/out_is_a_file' (File exists)" \
    "${SY[@]}" bash scripts/run_synthetic.sh "$TMP/out_is_a_file" 2 2
# an out dir that exists but takes no files is one error line (bash's "script_lib.sh: line <n>: ...: Permission denied"
# before): a directory without write permission where the suite is not root (root writes there anyway), else
# /proc/1, where no one can make a file
if [ "$(id -u)" -ne 0 ]; then mkdir -p "$TMP/ro_out"; chmod a-w "$TMP/ro_out"; ro_out=$TMP/ro_out; else ro_out=/proc/1; fi
expect_error_cmd synthetic_out_not_writable "cannot write in the directory '$ro_out' (" \
    "${SY[@]}" bash scripts/run_synthetic.sh "$ro_out" 2 2
# run_pretrain.sh says so before it encodes the text (which can take long) and leaves no shard behind
expect_error_cmd pretrain_out_is_a_file "cannot create the directory '$TMP/out_is_a_file/pt' (Not a directory)" \
    env OUT="$TMP/out_is_a_file/pt" DATA="$TMP/pt_oif/d" timeout -s KILL 60 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json dev/data/tinyshakespeare.txt
if [ ! -e "$TMP/pt_oif" ]; then ok "pretrain_out_is_a_file_encodes_nothing"; else bad "pretrain_out_is_a_file_encodes_nothing" "$(ls -R "$TMP/pt_oif" | head -c 200)"; fi
# ... and so is an OUT in a directory that takes no files (ro_out above): refused before the encoding, run_enwik8.sh's
# before the split (both were refused by make_dir after them), run_tinyshakespeare.sh's and run_synthetic.sh's before the
# build (a stand-in make on the PATH leaves a mark)
expect_error_cmd pretrain_out_not_writable "cannot create the directory '$ro_out/pt' (" \
    env OUT="$ro_out/pt" DATA="$TMP/pt_ro/d" timeout -s KILL 60 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json dev/data/tinyshakespeare.txt
expect_error_cmd enwik8_out_not_writable "cannot create the directory '$ro_out/e8' (" \
    env ALLOW_ANY_SIZE=1 OUT="$ro_out/e8" DATA_DIR="$TMP/e8_ro_data" timeout -s KILL 60 bash scripts/run_enwik8.sh dev/data/tinyshakespeare.txt
mkdir -p "$TMP/mark_bin"; printf '#!/bin/sh\ntouch "%s/make_ran"; exit 1\n' "$TMP" > "$TMP/mark_bin/make"; chmod +x "$TMP/mark_bin/make"
expect_error_cmd tinyshakespeare_out_not_writable "cannot create the directory '$ro_out/ts' (" \
    env PATH="$TMP/mark_bin:$PATH" timeout -s KILL 60 bash scripts/run_tinyshakespeare.sh "$ro_out/ts"
expect_error_cmd synthetic_out_not_writable_before_build "cannot write in the directory '$ro_out' (" \
    env -u BIN PATH="$TMP/mark_bin:$PATH" SEL=1 LENGTHS=6 timeout -s KILL 60 bash scripts/run_synthetic.sh "$ro_out" 2 2
if [ ! -e "$TMP/pt_ro" ] && [ ! -e "$TMP/e8_ro_data" ] && [ ! -e "$TMP/make_ran" ]; then ok "out_not_writable_prepares_nothing"
else bad "out_not_writable_prepares_nothing" "$(ls -d "$TMP"/pt_ro* "$TMP"/e8_ro_data "$TMP/make_ran" 2>&1 | tr '\n' ' ')"; fi
# run_pretrain.sh's MODEL, as the trainer reads it, and TOKENS of less than one step are refused before the encoding (which
# can take hours; they were refused after it)
expect_error_cmd pretrain_bad_model_before_encoding "-e d32:l2:v2x: model descriptor 'd32:l2:v2x': bad field 'v2x'" \
    env MODEL=d32:l2:v2x OUT="$TMP/pt_bm" DATA="$TMP/pt_bm_d" timeout -s KILL 60 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json dev/data/tinyshakespeare.txt
expect_error_cmd pretrain_few_tokens_before_encoding "TOKENS 100 is less than one step of BATCH_TOKENS 128" \
    env MODEL=d32:l2:v270 MICRO_B=4 T=32 BATCH_TOKENS=128 TOKENS=100 OUT="$TMP/pt_bm" DATA="$TMP/pt_bm_d" timeout -s KILL 60 \
    bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json dev/data/tinyshakespeare.txt
# ... and so is a model whose vocabulary is smaller than the tokenizer's 269 tokens (the trainer refused the shards' ids
# past it once the corpus was encoded): one of 256 or fewer, which the trainer reads as bytes, and one between 256 and 269
for v in 100 260; do
    expect_error_cmd "pretrain_vocab_below_tokenizer v$v" "MODEL=d32:l2:v$v has vocab_size $v, .* the ids of $REPO/test/fixtures/bpe/tokenizer.json (269 tokens, added tokens included): a MODEL of vocab_size 269 or more (a descriptor's v269)\$" \
        env MODEL=d32:l2:v$v MICRO_B=4 T=32 BATCH_TOKENS=128 TOKENS=256 OUT="$TMP/pt_bm" DATA="$TMP/pt_bm_d" timeout -s KILL 60 \
        bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json dev/data/tinyshakespeare.txt
done
# a tokenizer argument the trainer cannot read as a tokenizer.json is named as the tokenizer, before the encoding: a text
# file given first (the tokenizer forgotten) or an llm.c .bin, not named .json, and a .json that is no tokenizer (they were
# refused as "-e <MODEL>: ... bad tokenizer magic", "-e <MODEL>: cannot encode a text prompt", "-e <MODEL>: ... missing")
printf 'the tokenizer forgotten\n' > "$TMP/pt_text.txt"
for tok in "text $TMP/pt_text.txt" "config test/fixtures/hf_tiny_fp32/config.json"; do
    read -r name path <<< "$tok"
    want="the tokenizer argument $path is not named .json: the first argument is the Hugging Face tokenizer.json"
    [ "$name" = config ] && want="the tokenizer argument: $REPO/$path: missing \"model\""
    expect_error_cmd "pretrain_tokenizer_argument_named $name" "$want" \
        env MODEL=d32:l2:v270 OUT="$TMP/pt_bm" DATA="$TMP/pt_bm_d" timeout -s KILL 60 bash scripts/run_pretrain.sh "$path" dev/data/tinyshakespeare.txt
done
if [ ! -e "$TMP/pt_bm" ] && ! compgen -G "$TMP/pt_bm_d*" > /dev/null; then ok "pretrain_bad_settings_encode_nothing"
else bad "pretrain_bad_settings_encode_nothing" "$(ls -d "$TMP"/pt_bm* | tr '\n' ' ')"; fi
# ... but a failure of the trainer itself on that first run is said as its own, not as the tokenizer argument's (any
# failure was): a copy in a scratch tree, a stand-in make and a stand-in trainer that fails as FAKE says (a tokenizer
# error naming the -tk file, the one the tokenizer argument gets; out of memory; killed, as by the OOM killer; a missing
# library, the loader's exit 127)
mkdir -p "$TMP/ptp/scripts" "$TMP/ptp/bin"
cp scripts/run_pretrain.sh scripts/script_lib.sh scripts/c_numbers.sh scripts/main_shell.sh "$TMP/ptp/scripts/"
printf '#!/bin/sh\nfor a; do [ "$a" = train_bin ] && echo train_mamba; done; exit 0\n' > "$TMP/ptp/bin/make"
cat > "$TMP/ptp/train_mamba" << 'EOS'
#!/bin/sh
e=$2
while [ $# -gt 0 ] && [ "$1" != -tk ]; do shift; done
case $FAKE in
    model_*) [ "$e" = d8:l1:v257 ] && exit 0 ;; # (the tokenizer's probe passes; the model's fails)
esac
case $FAKE in
    model_error) echo "error: no such model file $e" >&2; exit 1 ;;
    model_killed) kill -KILL $$ ;;
    tokenizer) echo "error: $2: missing \"model\" object" >&2; exit 1 ;;
    memory) echo "error: out of memory allocating 64 x 4 bytes [train_mamba.c:1]" >&2; exit 1 ;;
    killed) kill -KILL $$ ;;
    library) echo "./train_mamba: error while loading shared libraries: libgomp.so.1: cannot open shared object file" >&2; exit 127 ;;
esac
EOS
chmod +x "$TMP/ptp/bin/make" "$TMP/ptp/train_mamba"
PTP=(env PATH="$TMP/ptp/bin:$PATH" OUT="$TMP/ptp/out" DATA="$TMP/ptp/d" timeout -s KILL 60 bash "$TMP/ptp/scripts/run_pretrain.sh" "$REPO/test/fixtures/bpe/tokenizer.json" dev/data/tinyshakespeare.txt)
expect_error_cmd "pretrain_tokenizer_probe_blames tokenizer" "the tokenizer argument: $REPO/test/fixtures/bpe/tokenizer.json: missing \"model\" object$" env FAKE=tokenizer "${PTP[@]}"
expect_error_cmd "pretrain_tokenizer_probe_blames trainer (memory)" "the trainer ./train_mamba failed (exit 1): out of memory allocating 64 x 4 bytes" env FAKE=memory "${PTP[@]}"
expect_error_cmd "pretrain_tokenizer_probe_blames trainer (killed)" "the trainer ./train_mamba failed (exit 137, signal KILL): " env FAKE=killed "${PTP[@]}"
expect_error_cmd "pretrain_tokenizer_probe_blames trainer (library)" "the trainer ./train_mamba failed (exit 127): ./train_mamba: error while loading shared libraries" env FAKE=library "${PTP[@]}"
# ... as is one on the model's run after it: its error line is -e MODEL's, a signal the trainer's (it was MODEL's too)
expect_error_cmd "pretrain_model_probe_blames model" "-e \\(.*\\): no such model file \\1$" env FAKE=model_error "${PTP[@]}"
expect_error_cmd "pretrain_model_probe_blames trainer (killed)" "the trainer ./train_mamba failed (exit 137, signal KILL): " env FAKE=model_killed "${PTP[@]}"
# its trainer's error line is the one error line, with the script's note under it (as run_tinyshakespeare.sh's)
head -c 20000 dev/data/tinyshakespeare.txt > "$TMP/pt_err.txt"
PE=(timeout -s KILL 120 env GPUS=1 MODEL=d32:l2:v270 MICRO_B=4 T=32 BATCH_TOKENS=128 TOKENS=256 VAL_EVERY=0 VAL_FRACTION=0 DATA="$TMP/pt_err/d")
expect_one_error_cmd pretrain_trainer_error_once "unknown flag '-zz'" \
    "the trainer exited with 1 after the error above; its output is also in $TMP/pt_err/out/run.out" \
    "${PE[@]}" OUT="$TMP/pt_err/out" EXTRA="-zz 1" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
# ... and -k, the schedule, is EXTRA's to set (its header's "-k wsd -kd 0.2"), not refused as the script's other flags are
"${PE[@]}" OUT="$TMP/pt_wsd/out" EXTRA="-k wsd -kd 0.2 -nt 2" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt" > "$TMP/pt_wsd.out" 2>&1; rc=$?
if [ "$rc" -eq 0 ] && tail -n 1 "$TMP/pt_wsd/out/commands.txt" | grep -q -- " -k wsd -kd 0.2 -nt 2\$"; then ok "pretrain_extra_schedule_passed"
else bad "pretrain_extra_schedule_passed" "rc $rc: $(tail -n 1 "$TMP/pt_wsd.out")"; fi
# ... run again into that OUT at another LR: one error line naming it, before any encoding (its result, "done: val loss
# ...", was reported under this command, after the text given had been encoded into a new DATA)
expect_error_cmd pretrain_other_settings_refused "$TMP/pt_wsd/out holds a run of LR=3e-3, not LR=1e-3: another out dir for this one" \
    "${PE[@]}" OUT="$TMP/pt_wsd/out" DATA="$TMP/pt_os/d" LR=1e-3 EXTRA="-k wsd -kd 0.2 -nt 2" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
if [ ! -e "$TMP/pt_os" ]; then ok "pretrain_other_settings_encode_nothing"; else bad "pretrain_other_settings_encode_nothing" "$(ls -R "$TMP/pt_os" | head -c 200)"; fi
# ... and with fewer TOKENS (1 step of the 2 it has): nothing to train, and the steps reported are the run's own, not
# the 1 asked for ("done: val loss ? after 1 steps")
out=$("${PE[@]}" OUT="$TMP/pt_wsd/out" TOKENS=128 EXTRA="-k wsd -kd 0.2 -nt 2" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 2 steps (a finished run; TOKENS asked for 1), "; then ok "pretrain_fewer_tokens_reports_run_steps"
else bad "pretrain_fewer_tokens_reports_run_steps" "rc $rc: $(echo "$out" | tail -n 2)"; fi
# ... and a run of one step, one process and a warmup of one step says each in the singular, at its start and its end
# (count_of: it said "1 steps of 128 tokens", "1 process(es)", "warmup 1 steps", "after 1 steps")
out=$("${PE[@]}" OUT="$TMP/pt_one/out" TOKENS=128 WARMUP=1 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^pretraining .*: 1 step of 128 tokens (128 tokens), 1 process x B=4 x T=32, peak LR 3e-3, warmup 1 step, cosine" &&
   echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 1 step, "; then ok "pretrain_one_step_singular"
else bad "pretrain_one_step_singular" "rc $rc: $(echo "$out" | grep -E '^(pretraining|error|done)' | tr '\n' ' ')"; fi
# ... and with another tokenizer of the same vocabulary (269 tokens; without the merge "Ġt he", so " the" is two tokens, not
# one): one error line, before any encoding, on the run's own shards (another step asked: it trained on, the model's ids
# read with the new tokenizer, whose copy replaced the run's) and on new ones (encoded first; the trainer then refused
# the shards for their length alone); the clearing script is offered, for it clears the run's hf/ export and run.out too.
# The same tokenizer's bytes at another path are the run's
sed '/^      "Ġt he",$/d' test/fixtures/bpe/tokenizer.json > "$TMP/tok_other.json"
cp test/fixtures/bpe/tokenizer.json "$TMP/tok_same.json"
for data in pt_err pt_ot; do
    expect_error_cmd "pretrain_other_tokenizer_refused $data" "$TMP/pt_wsd/out holds a run of the tokenizer $TMP/pt_wsd/out/tokenizer.json, not of $TMP/tok_other.json (their contents differ): another OUT for this one, or bash scripts/clear_run_dir.sh $TMP/pt_wsd/out to start afresh$" \
        "${PE[@]}" OUT="$TMP/pt_wsd/out" DATA="$TMP/$data/d" TOKENS=384 EXTRA="-k wsd -kd 0.2 -nt 2" bash scripts/run_pretrain.sh "$TMP/tok_other.json" "$TMP/pt_err.txt"
done
if [ ! -e "$TMP/pt_ot" ] && cmp -s test/fixtures/bpe/tokenizer.json "$TMP/pt_wsd/out/tokenizer.json" && ! grep -q '^s:3 ' "$TMP/pt_wsd/out/main.log" &&
   [ "$(grep -c '^      "Ġt he",$' test/fixtures/bpe/tokenizer.json "$TMP/tok_other.json" | tr '\n' ' ')" = "test/fixtures/bpe/tokenizer.json:1 $TMP/tok_other.json:0 " ]; then
    ok "pretrain_other_tokenizer_keeps_run"
else bad "pretrain_other_tokenizer_keeps_run" "$(ls -R "$TMP/pt_ot" 2>&1 | head -c 200); $(grep -c '^s:3 ' "$TMP/pt_wsd/out/main.log") step-3 lines; the run's copy $(cmp test/fixtures/bpe/tokenizer.json "$TMP/pt_wsd/out/tokenizer.json" 2>&1)"; fi
out=$("${PE[@]}" OUT="$TMP/pt_wsd/out" EXTRA="-k wsd -kd 0.2 -nt 2" bash scripts/run_pretrain.sh "$TMP/tok_same.json" "$TMP/pt_err.txt" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 2 steps, "; then ok "pretrain_same_tokenizer_other_path_resumes"
else bad "pretrain_same_tokenizer_other_path_resumes" "rc $rc: $(echo "$out" | tail -n 2)"; fi
# ... and a new OUT on the shards of another tokenizer (pt_err/d, encoded with the fixture's, whose copy is kept beside
# them): one error line before any training (it trained on them, the ids read as the new tokenizer's); the same bytes
# at another path train on them
expect_error_cmd pretrain_shards_of_other_tokenizer_refused "the shards $TMP/pt_err/d_\*.bin were encoded with the tokenizer $TMP/pt_err/d_tokenizer.json, not $TMP/tok_other.json (their contents differ): another DATA for this one, or delete $TMP/pt_err/d_\*.bin and $TMP/pt_err/d_tokenizer.json to encode the files again$" \
    "${PE[@]}" OUT="$TMP/pt_sd/out" bash scripts/run_pretrain.sh "$TMP/tok_other.json"
out=$("${PE[@]}" OUT="$TMP/pt_sd2/out" bash scripts/run_pretrain.sh "$TMP/tok_same.json" 2>&1); rc=$?
if [ ! -e "$TMP/pt_sd" ] && cmp -s test/fixtures/bpe/tokenizer.json "$TMP/pt_err/d_tokenizer.json" && [ "$rc" -eq 0 ] &&
   echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 2 steps, "; then ok "pretrain_shards_same_tokenizer_used"
else bad "pretrain_shards_same_tokenizer_used" "rc $rc, $(ls -d "$TMP"/pt_sd* 2>&1 | tr '\n' ' '): $(echo "$out" | tail -n 2)"; fi
# ... and so are those a DATA glob matches: each prefix's shards against their own copy (here a_ of the fixture's
# tokenizer, b_ of the other one's, both DATA='.../*'; the check looked for '.../*_tokenizer.json', no file, and took any
# shards), the error naming the prefix of the other; without b_'s copy (shards encoded by hand) they train as before
mkdir -p "$TMP/pt_glob"
for f in "$TMP"/pt_err/d_train_*.bin; do cp "$f" "$TMP/pt_glob/a_${f##*/d_}"; cp "$f" "$TMP/pt_glob/b_${f##*/d_}"; done
cp test/fixtures/bpe/tokenizer.json "$TMP/pt_glob/a_tokenizer.json"; cp "$TMP/tok_other.json" "$TMP/pt_glob/b_tokenizer.json"
expect_error_cmd pretrain_glob_shards_of_other_tokenizer_refused "the shards $TMP/pt_glob/b_\*.bin were encoded with the tokenizer $TMP/pt_glob/b_tokenizer.json, not $REPO/test/fixtures/bpe/tokenizer.json (their contents differ): another DATA for this one, or delete $TMP/pt_glob/b_\*.bin and $TMP/pt_glob/b_tokenizer.json to encode the files again$" \
    "${PE[@]}" DATA="$TMP/pt_glob/*" OUT="$TMP/pt_glob/out" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json
rm "$TMP/pt_glob/b_tokenizer.json"
# (files given with a glob DATA are refused: it encodes none, and they went unread, "using the existing shards")
expect_error_cmd pretrain_glob_data_with_files_refused "DATA $TMP/pt_glob/\* is a glob: it reads the shards it matches and encodes no files" \
    "${PE[@]}" DATA="$TMP/pt_glob/*" OUT="$TMP/pt_glob/out_f" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
# ... a glob of ? or [...] too (the characters the error names)
for glob in '?' '[ab]'; do
    expect_error_cmd "pretrain_glob_data_with_files_refused ($glob)" "DATA $TMP/pt_glob/.* is a glob: it reads the shards it matches and encodes no files" \
        "${PE[@]}" DATA="$TMP/pt_glob/$glob" OUT="$TMP/pt_glob/out_f" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
done
out=$("${PE[@]}" DATA="$TMP/pt_glob/*" OUT="$TMP/pt_glob/out2" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json 2>&1); rc=$?
if [ ! -e "$TMP/pt_glob/out" ] && [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 2 steps, "; then
    ok "pretrain_glob_shards_same_tokenizer_used"
else bad "pretrain_glob_shards_same_tokenizer_used" "rc $rc, $(ls -d "$TMP"/pt_glob/out* 2>&1 | tr '\n' ' '): $(echo "$out" | tail -n 2)"; fi
# ... and shards encoded from other files than those given are refused, before any training: the files given were left
# unread, with a line "using the existing shards" (the default DATA kept the quick run's shards for the corpus given
# after it); the same files again reuse them, as does no file at all, and JSONL or VAL_FRACTION other than the encoding's
# is refused too
head -c 30000 dev/data/tinyshakespeare.txt > "$TMP/pt_src_a.txt"; tail -c 30000 dev/data/tinyshakespeare.txt > "$TMP/pt_src_b.txt"
PS=("${PE[@]}" VAL_FRACTION=0.005 DATA="$TMP/pt_src/d")
"${PS[@]}" OUT="$TMP/pt_src/out_a" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_a.txt" > /dev/null 2>&1
expect_error_cmd pretrain_shards_of_other_files_refused "the shards $TMP/pt_src/d_\*.bin were encoded from other files or settings (JSONL, VAL_FRACTION; $TMP/pt_src/d_sources.txt lists them), not from these: another DATA for these files, or delete $TMP/pt_src/d_\*.bin to encode them there$" \
    "${PS[@]}" OUT="$TMP/pt_src/out_b" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_b.txt"
expect_error_cmd pretrain_shards_of_other_val_fraction_refused "the shards $TMP/pt_src/d_\*.bin were encoded from other files or settings" \
    "${PS[@]}" VAL_FRACTION=0.01 OUT="$TMP/pt_src/out_b" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_a.txt"
# ... and so are the same files as JSON Lines (JSONL=text: each line's "text" field, not the text the shards hold), a file
# grown since the encoding (its size recorded), and more files than were encoded (the first of them the encoding's)
expect_error_cmd pretrain_shards_of_other_jsonl_refused "the shards $TMP/pt_src/d_\*.bin were encoded from other files or settings" \
    "${PS[@]}" JSONL=text OUT="$TMP/pt_src/out_b" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_a.txt"
cp "$TMP/pt_src_a.txt" "$TMP/pt_src_a.kept"; echo "a line added since" >> "$TMP/pt_src_a.txt"
expect_error_cmd pretrain_shards_of_changed_file_refused "the shards $TMP/pt_src/d_\*.bin were encoded from other files or settings" \
    "${PS[@]}" OUT="$TMP/pt_src/out_b" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_a.txt"
mv -f "$TMP/pt_src_a.kept" "$TMP/pt_src_a.txt"
expect_error_cmd pretrain_shards_of_more_files_refused "the shards $TMP/pt_src/d_\*.bin were encoded from other files or settings" \
    "${PS[@]}" OUT="$TMP/pt_src/out_b" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_a.txt" "$TMP/pt_src_b.txt"
# ... but the encoding's VAL_FRACTION written otherwise (.0050, 5e-3 and +0.005 for 0.005) is the same setting: compared
# as the number tokenize's -v reads, the shards are used (compared as text, they were refused as "encoded from other
# settings"; +0.005 was, until the sign was read as strtof reads it). 0.00500000012107193470001220703125 lies halfway
# between the float 0.005 and the next one up: strtof rounds it to the even one, 0.005 (rounded up, it is another setting)
for vf in .0050 5e-3 +0.005 0.00500000012107193470001220703125; do
    out=$("${PS[@]}" VAL_FRACTION=$vf OUT="$TMP/pt_src/out_vf$vf" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_a.txt" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^using the existing shards" && echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 2 steps, "
    then ok "pretrain_shards_of_same_val_fraction_used $vf"
    else bad "pretrain_shards_of_same_val_fraction_used $vf" "rc $rc: $(echo "$out" | grep -E '^(error|done|using)' | tr '\n' ' ')"; fi
done
# (a value as close as 0.0050001 is another float, still refused)
expect_error_cmd pretrain_shards_of_close_val_fraction_refused "the shards $TMP/pt_src/d_\*.bin were encoded from other files or settings" \
    "${PS[@]}" VAL_FRACTION=0.0050001 OUT="$TMP/pt_src/out_b" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_a.txt"
# (a file that does not exist is named as such: it was refused as "encoded from other files")
expect_error_cmd pretrain_missing_file_named "no such file $TMP/pt_src_none.txt (the text or JSON Lines files to encode)$" \
    "${PS[@]}" OUT="$TMP/pt_src/out_b" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_none.txt"
# (a tokenizer.json that is a link to a file of another name, as in a Hugging Face cache, is read by its own name: realpath
# gave the trainer the blob's name, read as an llm.c .bin, "bad tokenizer magic")
mkdir -p "$TMP/pt_cache/blobs" "$TMP/pt_cache/snap"; cp test/fixtures/bpe/tokenizer.json "$TMP/pt_cache/blobs/0123abcd"
ln -sf ../blobs/0123abcd "$TMP/pt_cache/snap/tokenizer.json"
out=$("${PS[@]}" OUT="$TMP/pt_src/out_link" bash scripts/run_pretrain.sh "$TMP/pt_cache/snap/tokenizer.json" "$TMP/pt_src_a.txt" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 2 steps, "; then ok "pretrain_tokenizer_link_of_another_name"
else bad "pretrain_tokenizer_link_of_another_name" "rc $rc: $(echo "$out" | tail -n 2 | tr '\n' ' ')"; fi
out=$("${PS[@]}" OUT="$TMP/pt_src/out_a2" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_a.txt" 2>&1); rc=$?
out_none=$("${PS[@]}" OUT="$TMP/pt_src/out_a3" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json 2>&1); rc_none=$?
if [ ! -e "$TMP/pt_src/out_b" ] && [ "$rc" -eq 0 ] && echo "$out" | grep -q "^using the existing shards" && [ "$rc_none" -eq 0 ] &&
   echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 2 steps, " && echo "$out_none" | tail -n 1 | grep -q "^done: val loss .* after 2 steps, "
then ok "pretrain_shards_of_same_files_used"
else bad "pretrain_shards_of_same_files_used" "rc $rc/$rc_none, $(ls -d "$TMP"/pt_src/out_b 2>&1): $(echo "$out" "$out_none" | grep -E '^(error|done|using)' | tr '\n' ' ')"; fi
# ... while shards with no record (encoded by hand, with dev/data/tokenize, or before the record was kept) are taken as
# they are, with the files given (there is nothing to compare them with)
mkdir -p "$TMP/pt_norec"
for f in "$TMP"/pt_src/d_*.bin "$TMP/pt_src/d_tokenizer.json"; do cp "$f" "$TMP/pt_norec/${f##*/}"; done
out=$("${PE[@]}" VAL_FRACTION=0.005 DATA="$TMP/pt_norec/d" OUT="$TMP/pt_norec/out" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_b.txt" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^using the existing shards" && echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 2 steps, " &&
   [ ! -e "$TMP/pt_norec/d_sources.txt" ]; then ok "pretrain_shards_without_record_used"
else bad "pretrain_shards_without_record_used" "rc $rc: $(echo "$out" | grep -E '^(error|done|using)' | tr '\n' ' ')"; fi
# ... and a glob that matches no shards is refused before encoding: it names shards to read (tokenize wrote the text's
# shards to files named with the glob's '*', and their tokenizer copy as '*_tokenizer.json')
mkdir -p "$TMP/pt_glob_new"
expect_error_cmd pretrain_glob_data_not_encoded_into "DATA $TMP/pt_glob_new/\* is a glob and no shards match it: a glob reads shards made before; give a prefix (no \* ? \[) to encode the files$" \
    "${PE[@]}" DATA="$TMP/pt_glob_new/*" OUT="$TMP/pt_glob_new/out" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
if [ -z "$(ls -A "$TMP/pt_glob_new")" ]; then ok "pretrain_glob_data_writes_nothing"
else bad "pretrain_glob_data_writes_nothing" "$(ls -A "$TMP/pt_glob_new" | tr '\n' ' ')"; fi
# ... a glob of ? or [...] too (the characters the error names)
for glob in 'd?' 'd[ab]'; do
    expect_error_cmd "pretrain_glob_data_not_encoded_into ($glob)" "DATA $TMP/pt_glob_new/d.* is a glob and no shards match it: a glob reads shards made before" \
        "${PE[@]}" DATA="$TMP/pt_glob_new/$glob" OUT="$TMP/pt_glob_new/out" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
done
if [ -z "$(ls -A "$TMP/pt_glob_new")" ]; then ok "pretrain_glob_data_writes_nothing (? [...])"
else bad "pretrain_glob_data_writes_nothing (? [...])" "$(ls -A "$TMP/pt_glob_new" | tr '\n' ' ')"; fi
# ... and the delete commands its errors offer name the shards quoted for the shell, their globs kept: read by a shell,
# they match those files (a DATA under "pt it's" was named bare, which a shell reads as words and an open quote). The
# shards of another tokenizer (their prefix), and those without a val split (DATA, here a glob)
mkdir -p "$TMP/pt it's"
for f in "$TMP"/pt_err/d_train_*.bin; do cp "$f" "$TMP/pt it's/o_${f##*/d_}"; cp "$f" "$TMP/pt it's/n_${f##*/d_}"; done
cp "$TMP/tok_other.json" "$TMP/pt it's/o_tokenizer.json"
err=$("${PE[@]}" DATA="$TMP/pt it's/o" OUT="$TMP/pt it's/out" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json 2>&1 >/dev/null)
del=$(echo "$err" | sed -n 's/.*, or delete \(.*\) and \(.*\) to encode the files again$/\1 \2/p')
err2=$("${PE[@]}" DATA="$TMP/pt it's/n*" VAL_EVERY=5 OUT="$TMP/pt it's/out" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json 2>&1 >/dev/null)
del2=$(echo "$err2" | sed -n 's/.*, or delete \(.*\) and encode again$/\1/p')
words=(); [ -z "$del" ] || eval "words=($del)" 2>/dev/null
words2=(); [ -z "$del2" ] || eval "words2=($del2)" 2>/dev/null
want=("$TMP/pt it's"/o_train_*.bin "$TMP/pt it's/o_tokenizer.json") want2=("$TMP/pt it's"/n_train_*.bin)
if [ "${words[*]}" = "${want[*]}" ] && [ "${words2[*]}" = "${want2[*]}" ] && [ ! -e "$TMP/pt it's/out" ]; then ok "pretrain_delete_shards_quoted"
else bad "pretrain_delete_shards_quoted" "read as '${words[*]}': $err; and '${words2[*]}': $err2"; fi
# ... a DATA glob of [...] kept a glob too (shell_glob leaves [ and ] as they are): "[n]" offered as that text, quoted,
# matched no shard
err3=$("${PE[@]}" DATA="$TMP/pt it's/[n]" VAL_EVERY=5 OUT="$TMP/pt it's/out" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json 2>&1 >/dev/null)
del3=$(echo "$err3" | sed -n 's/.*, or delete \(.*\) and encode again$/\1/p')
words3=(); [ -z "$del3" ] || eval "words3=($del3)" 2>/dev/null
if [ "${words3[*]}" = "${want2[*]}" ] && [ ! -e "$TMP/pt it's/out" ]; then ok "pretrain_delete_shards_quoted (bracket glob)"
else bad "pretrain_delete_shards_quoted (bracket glob)" "read as '${words3[*]}': $err3"; fi
# ... and so does that of shards encoded from other files (DATA_sources.txt): here pt_src/d's, of pt_src_a.txt, given b
for f in "$TMP"/pt_src/d_*.bin "$TMP/pt_src/d_tokenizer.json" "$TMP/pt_src/d_sources.txt"; do cp "$f" "$TMP/pt it's/s_${f##*/d_}"; done
err4=$("${PS[@]}" DATA="$TMP/pt it's/s" OUT="$TMP/pt it's/out" bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_src_b.txt" 2>&1 >/dev/null)
del4=$(echo "$err4" | sed -n 's/.*, or delete \(.*\) to encode them there$/\1/p')
words4=(); [ -z "$del4" ] || eval "words4=($del4)" 2>/dev/null
want4=("$TMP/pt it's"/s_*.bin)
if [ "${words4[*]}" = "${want4[*]}" ] && [ "${#want4[@]}" -ge 2 ] && [ ! -e "$TMP/pt it's/out" ]; then ok "pretrain_delete_shards_quoted (other files)"
else bad "pretrain_delete_shards_quoted (other files)" "read as '${words4[*]}': $err4"; fi
# ... and so does the delete command of the note under the trainer's "shard too small" for a val split smaller than one
# batch (shell_glob: DATA quoted, its glob kept): read by a shell, it matches that DATA's shards, train and val, and no
# other prefix's (here under "pt it's", beside the o_ and n_ shards above)
"${PE[@]}" VAL_FRACTION=0.001 VAL_EVERY=1 MICRO_B=16 T=64 BATCH_TOKENS=1024 TOKENS=1024 DATA="$TMP/pt it's/v" OUT="$TMP/pt it's/v_out" \
    bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt" > "$TMP/pt_small.out" 2>&1
note=$(grep "^note: the trainer exited with" "$TMP/pt_small.out")
del=$(echo "$note" | sed -n 's/.*: delete \(.*\) and encode again with a larger VAL_FRACTION (now 0\.001); .*/\1/p')
words=(); [ -z "$del" ] || eval "words=($del)" 2>/dev/null
want=("$TMP/pt it's"/v_*.bin)
if grep -q "^error: .*_val_000000\.bin.*shard too small" "$TMP/pt_small.out" && [ ${#want[@]} -eq 2 ] && [ "${want[1]}" = "$TMP/pt it's/v_val_000000.bin" ] &&
   [ "${words[*]}" = "${want[*]}" ]; then ok "pretrain_val_too_small_delete_quoted"
else bad "pretrain_val_too_small_delete_quoted" "read as '${words[*]}' (${#want[@]} shards): $(grep '^error:\|^note:' "$TMP/pt_small.out" | tr '\n' ' ')"; fi
# ... and where DATA is a glob of those shards, kept a glob (printf %q named the text "v*", which matches no shard)
"${PE[@]}" VAL_FRACTION=0.001 VAL_EVERY=1 MICRO_B=16 T=64 BATCH_TOKENS=1024 TOKENS=1024 DATA="$TMP/pt it's/v*" OUT="$TMP/pt it's/v_out2" \
    bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json > "$TMP/pt_small2.out" 2>&1
note=$(grep "^note: the trainer exited with" "$TMP/pt_small2.out")
del=$(echo "$note" | sed -n 's/.*: delete \(.*\) and encode again with a larger VAL_FRACTION (now 0\.001); .*/\1/p')
words=(); [ -z "$del" ] || eval "words=($del)" 2>/dev/null
if grep -q "^error: .*_val_000000\.bin.*shard too small" "$TMP/pt_small2.out" && [ "${words[*]}" = "${want[*]}" ]; then ok "pretrain_val_too_small_delete_quoted (glob)"
else bad "pretrain_val_too_small_delete_quoted (glob)" "read as '${words[*]}': $(grep '^error:\|^note:' "$TMP/pt_small2.out" | tr '\n' ' ')"; fi
# ... and a resumed run's copy of its tokenizer is not written again where it holds the same bytes: a copy that failed
# part-way (here a stand-in cp that cuts it short and fails, as on a full disk) left it cut short, and every later run
# was refused as one of another tokenizer
mkdir -p "$TMP/pt_cp"
cat > "$TMP/pt_cp/cp" << EOF
#!/bin/sh
for last; do :; done
case "\$last" in */out/tokenizer.json|*/out/tokenizer.json.tmp) : > "\$last"; echo "cp: error writing '\$last': No space left on device" >&2; exit 1 ;; esac
exec $(command -v cp) "\$@"
EOF
chmod +x "$TMP/pt_cp/cp"
"${PE[@]}" PATH="$TMP/pt_cp:$PATH" OUT="$TMP/pt_sd2/out" bash scripts/run_pretrain.sh "$TMP/tok_same.json" > "$TMP/pt_cp.out" 2>&1; rc1=$?
out=$("${PE[@]}" OUT="$TMP/pt_sd2/out" bash scripts/run_pretrain.sh "$TMP/tok_same.json" 2>&1); rc=$?
if [ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ] && cmp -s test/fixtures/bpe/tokenizer.json "$TMP/pt_sd2/out/tokenizer.json" &&
   echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 2 steps, "; then ok "pretrain_resume_keeps_run_tokenizer_copy"
else bad "pretrain_resume_keeps_run_tokenizer_copy" "rc $rc1 then $rc: $(tail -n 1 "$TMP/pt_cp.out"); $(echo "$out" | tail -n 1)"; fi
# ... and a fresh OUT's copy that fails part-way is one error line, no copy left cut short (nor its .tmp): written whole or
# not at all (copy_whole; a cp in place left it cut short)
expect_error_cmd pretrain_out_tokenizer_copy_whole "cannot write $TMP/pt_cpw/out/tokenizer.json" \
    "${PE[@]}" PATH="$TMP/pt_cp:$PATH" OUT="$TMP/pt_cpw/out" bash scripts/run_pretrain.sh "$TMP/tok_same.json"
if [ -z "$(ls -A "$TMP/pt_cpw/out" 2>/dev/null | grep '^tokenizer')" ]; then ok "pretrain_out_tokenizer_copy_whole_nothing_left"
else bad "pretrain_out_tokenizer_copy_whole_nothing_left" "$(ls -l "$TMP/pt_cpw/out" | grep tokenizer)"; fi
# ... and OUT/hf's tokenizer.json is the trainer's -hf export's, the tokenizer given, which the script does not write
# again: its copy there after the run (the same bytes) was cut short by a cp killed part-way, and ended the script with
# an error. A stand-in cp that marks and fails any copy into hf/: the run finishes, no copy made, the export's whole
mkdir -p "$TMP/pt_hfcp/bin"
cat > "$TMP/pt_hfcp/bin/cp" << 'EOF'
#!/bin/sh
for last; do :; done
case "$last" in */out/hf/*) echo "$last" >> "$CP_MARKS"; : > "$last"; exit 1 ;; esac
exec "$REAL_CP" "$@"
EOF
chmod +x "$TMP/pt_hfcp/bin/cp"
out=$("${PE[@]}" PATH="$TMP/pt_hfcp/bin:$PATH" REAL_CP="$(command -v cp)" CP_MARKS="$TMP/pt_hfcp/marks" OUT="$TMP/pt_hfcp/out" \
      bash scripts/run_pretrain.sh "$TMP/tok_same.json" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | tail -n 1 | grep -q "^done: val loss .* after 2 steps, " && [ ! -e "$TMP/pt_hfcp/marks" ] &&
   cmp -s test/fixtures/bpe/tokenizer.json "$TMP/pt_hfcp/out/hf/tokenizer.json" && [ -f "$TMP/pt_hfcp/out/hf/config.json" ] &&
   [ "$(ls -A "$TMP/pt_hfcp/out/hf" | tr '\n' ' ')" = "config.json generation_config.json model.safetensors tokenizer.json " ]; then
    ok "pretrain_hf_tokenizer_is_the_exports"
else bad "pretrain_hf_tokenizer_is_the_exports" "rc $rc, copies into hf/: '$(cat "$TMP/pt_hfcp/marks" 2>/dev/null | tr '\n' ' ')': $(echo "$out" | tail -n 1); $(cmp test/fixtures/bpe/tokenizer.json "$TMP/pt_hfcp/out/hf/tokenizer.json" 2>&1); $(ls -A "$TMP/pt_hfcp/out/hf" | tr '\n' ' ')"; fi
# its default DATA and OUT are the repository's data/pretrain and out/<MODEL>, as the other scripts' defaults, whatever
# directory it is called from (they were the caller's data/ and out/). Called from $TMP/cwd: DATA's default holds no
# shards (its error names it), and OUT's gets the run that fails on a bad flag (checked only where no run is
# there, and removed)
err=$(cd "$TMP/cwd" && env MODEL=d32:l2:v270 VAL_EVERY=0 timeout -s KILL 60 bash "$REPO/scripts/run_pretrain.sh" "$REPO/test/fixtures/bpe/tokenizer.json" 2>&1 > /dev/null)
if ! compgen -G "data/pretrain_train_*.bin" > /dev/null; then
    if echo "$err" | grep -q "^error: no shards $REPO/data/pretrain_train_\*.bin " && [ -z "$(ls -A "$TMP/cwd")" ]; then ok "pretrain_default_data_in_repository"
    else bad "pretrain_default_data_in_repository" "made in the caller's directory: '$(ls -A "$TMP/cwd")': $err"; fi
else echo "SKIP pretrain_default_data_in_repository: data/pretrain_train_*.bin exist (a user's shards; not counted as passed)"; fi
if [ ! -e "out/d32:l2:v270" ]; then
    err=$(cd "$TMP/cwd" && env GPUS=1 MODEL=d32:l2:v270 MICRO_B=4 T=32 BATCH_TOKENS=128 TOKENS=256 VAL_EVERY=0 DATA="$TMP/pt_err/d" EXTRA="-zz 1" \
          timeout -s KILL 120 bash "$REPO/scripts/run_pretrain.sh" "$REPO/test/fixtures/bpe/tokenizer.json" 2>&1 > /dev/null)
    if grep -q "^error: unknown flag '-zz'" "out/d32:l2:v270/run.out" 2> /dev/null && [ -z "$(ls -A "$TMP/cwd")" ] &&
       echo "$err" | grep -q "; its output is also in $REPO/out/d32:l2:v270/run.out$"; then ok "pretrain_default_out_in_repository"
    else bad "pretrain_default_out_in_repository" "made in the caller's directory: '$(ls -A "$TMP/cwd")': $err"; fi
    rm -rf "out/d32:l2:v270"
else echo "SKIP pretrain_default_out_in_repository: out/d32:l2:v270 exists (not counted as passed)"; fi
# VAL_FRACTION=0 (no val split) with validation on is refused before the text is encoded, leaving no shard (it encoded
# the corpus, which can take hours, then refused for want of the val shards)
expect_error_cmd pretrain_no_val_split_before_encoding "VAL_FRACTION=0.0 encodes no val split, which VAL_EVERY=5 validates on" \
    env MODEL=d32:l2:v270 MICRO_B=4 T=32 BATCH_TOKENS=128 TOKENS=256 VAL_EVERY=5 VAL_FRACTION=0.0 DATA="$TMP/pt_nv/d" \
    OUT="$TMP/pt_nv/out" timeout -s KILL 60 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
if [ ! -e "$TMP/pt_nv" ]; then ok "pretrain_no_val_split_encodes_nothing"; else bad "pretrain_no_val_split_encodes_nothing" "$(ls -R "$TMP/pt_nv" | head -c 200)"; fi
# ... also written 0, .0 or +0 (strtof's zero too: tokenize -v encodes no val split for any of them; each was refused only
# after the encoding where the pattern missed it)
# (each its own DATA: shards one of them encoded would be taken by the next as made before)
k=0
for vf in 0 .0 +0; do
    k=$((k + 1))
    expect_error_cmd "pretrain_no_val_split_before_encoding $vf" "VAL_FRACTION=$vf encodes no val split, which VAL_EVERY=5 validates on" \
        env MODEL=d32:l2:v270 MICRO_B=4 T=32 BATCH_TOKENS=128 TOKENS=256 VAL_EVERY=5 VAL_FRACTION=$vf DATA="$TMP/pt_nv0/$k/d" \
        OUT="$TMP/pt_nv0/$k/out" timeout -s KILL 60 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
done
if [ ! -e "$TMP/pt_nv0" ]; then ok "pretrain_no_val_split_spelt_otherwise_encodes_nothing"; else bad "pretrain_no_val_split_spelt_otherwise_encodes_nothing" "$(ls -R "$TMP/pt_nv0" | head -c 200)"; fi
# a given LR that is no positive float is the script's error line, before anything is encoded or built (awk's
# x + 0 > 0 let inf, 1,5 and 3e-3x through to the trainer, which refused them after the encoding)
for lr in inf 1,5 3e-3x; do
    expect_error_cmd "pretrain_bad_lr $lr" "LR must be a positive number, got '$lr'" \
        env MODEL=d32:l2:v270 MICRO_B=4 T=32 BATCH_TOKENS=128 TOKENS=256 LR="$lr" DATA="$TMP/pt_lr/d" \
        OUT="$TMP/pt_lr/out" timeout -s KILL 60 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
done
if [ ! -e "$TMP/pt_lr" ]; then ok "pretrain_bad_lr_writes_nothing"; else bad "pretrain_bad_lr_writes_nothing" "$(ls -R "$TMP/pt_lr" | head -c 200)"; fi
# MICRO_B * T * GPUS past 999999999 (BATCH_TOKENS, a multiple of it, is the trainer's -d) is refused by name before
# anything is built: 2^29 * 2^29 * 64 wrapped to 0 in bash's arithmetic, and the script ended on bash's "division by
# 0" after building. A stand-in GPU (nvidia-smi), so that GPUS counts, and make, which leaves a mark where it builds
# (asked which trainer make train would use, it names the GPU one)
mkdir -p "$TMP/ptw/bin"
printf '#!/bin/sh\necho "GPU 0: stand-in"\n' > "$TMP/ptw/bin/nvidia-smi"
printf '#!/bin/sh\ncase " $* " in *" train_bin "*) echo train_mamba_cu; exit 0 ;; esac\ntouch "%s/ptw/built"\n' "$TMP" > "$TMP/ptw/bin/make"
chmod +x "$TMP/ptw/bin/nvidia-smi" "$TMP/ptw/bin/make"
expect_error_cmd pretrain_batch_product_overflow "MICRO_B \\* T \\* GPUS = 536870912 \\* 536870912 \\* 64 is more than 999999999" \
    env PATH="$TMP/ptw/bin:$PATH" GPUS=64 MICRO_B=536870912 T=536870912 DATA="$TMP/ptw/d" OUT="$TMP/ptw/out" \
    timeout -s KILL 30 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
if [ ! -e "$TMP/ptw/built" ] && [ ! -e "$TMP/ptw/out" ] && [ ! -e "$TMP/ptw/d" ]; then ok "pretrain_batch_product_overflow_builds_nothing"
else bad "pretrain_batch_product_overflow_builds_nothing" "$(ls -A "$TMP/ptw")"; fi
# a GPUS that is no count of processes is refused by name before anything is built, also where the CPU trainer runs (it
# took GPUS=x with a note that GPUS is not used): a make that names the CPU trainer and leaves a mark where it builds
mkdir -p "$TMP/ptg/bin"
printf '#!/bin/sh\ncase " $* " in *" train_bin "*) echo train_mamba; exit 0 ;; esac\ntouch "%s/ptg/built"\n' "$TMP" > "$TMP/ptg/bin/make"
chmod +x "$TMP/ptg/bin/make"
for g in x 0 -1; do
    expect_error_cmd "pretrain_bad_gpus $g" "GPUS must be a whole number from 1 to 999999999, got '$g'" \
        env PATH="$TMP/ptg/bin:$PATH" GPUS="$g" MODEL=d32:l2:v270 MICRO_B=4 T=32 BATCH_TOKENS=128 TOKENS=256 VAL_EVERY=0 DATA="$TMP/ptg/d" OUT="$TMP/ptg/out" \
        timeout -s KILL 30 bash scripts/run_pretrain.sh test/fixtures/bpe/tokenizer.json "$TMP/pt_err.txt"
done
if [ ! -e "$TMP/ptg/built" ] && [ ! -e "$TMP/ptg/out" ] && [ ! -e "$TMP/ptg/d" ]; then ok "pretrain_bad_gpus_builds_nothing"
else bad "pretrain_bad_gpus_builds_nothing" "$(ls -A "$TMP/ptg")"; fi
expect_error_cmd tinyshakespeare_out_is_a_file "cannot create the directory '$TMP/out_is_a_file/ts' (Not a directory)" \
    "${TS[@]}" bash scripts/run_tinyshakespeare.sh "$TMP/out_is_a_file/ts"
expect_error_cmd synthetic_bad_seed "SEED must be a nonzero integer .*, got 'x1'" "${SY[@]}" SEED=x1 bash scripts/run_synthetic.sh "$TMP/syn" 2 2
# seed 0 (the val set's batches, which the trainer refuses to train on) and one past the trainer's int: refused before
# anything runs or is made (the trainer refused them, after the build, into an out dir made for the run)
for s in 0 -0 9999999999; do
    expect_error_cmd "synthetic_bad_seed $s" "SEED must be a nonzero integer from -2147483647 to 2147483647 (seed 0's batches are the val set), got '$s'" \
        "${SY[@]}" SEED="$s" bash scripts/run_synthetic.sh "$TMP/syn_seed" 2 2
done
if [ ! -e "$TMP/syn_seed" ]; then ok "synthetic_bad_seed_makes_nothing"; else bad "synthetic_bad_seed_makes_nothing" "$TMP/syn_seed made"; fi
"${SY[@]}" SEED=-2147483647 bash scripts/run_synthetic.sh "$TMP/syn_seedmin" 2 2 > /dev/null 2>&1
if grep -q -- "-sd -2147483647 -l 1e-3 -x 2 -o $TMP/syn_seedmin/induction_s1" "$TMP/fake_args.log"; then ok "synthetic_seed_int_min_passed"
else bad "synthetic_seed_int_min_passed" "$(grep syn_seedmin "$TMP/fake_args.log" | head -n 1)"; fi
"${SY[@]}" SEED=7 bash scripts/run_synthetic.sh "$TMP/syn7" 2 2 > /dev/null 2>&1
if grep -q -- "-sd 7 -l 1e-3 -x 2 -o $TMP/syn7/induction_s1" "$TMP/fake_args.log"; then ok "synthetic_seed_passed"
else bad "synthetic_seed_passed" "$(grep syn7 "$TMP/fake_args.log" | head -n 1)"; fi
expect_error_cmd synthetic_training_failure "training induction_s1: the trainer exited with 3: fake failure at -t 256" \
    "${SY[@]}" FAKE_FAIL_T=256 bash scripts/run_synthetic.sh "$TMP/syn" 2 2
# (its trainer's output goes to a file: the script's error line, which carries the trainer's, is the one shown)
expect_one_error_cmd synthetic_trainer_error_once "training induction_s1: the trainer exited with 3: fake failure at -t 256" "" \
    "${SY[@]}" FAKE_FAIL_T=256 bash scripts/run_synthetic.sh "$TMP/syn_err" 2 2
# a copying sequence past the trainer's 2^30 tokens of -b 64 x -t (COPY_L + 16) is refused by name before anything runs
# (a larger one went to the trainer after the induction runs, and overflowed the CPU time estimate's arithmetic)
expect_error_cmd synthetic_copy_l_too_long "COPY_L must be a whole number from 16 to 16777200, got '16777201'" \
    "${SY[@]}" COPY_L=16777201 bash scripts/run_synthetic.sh "$TMP/syn" 2 2
# TASKS picks the tasks; COPY_L sets the copying task's length (T = COPY_L + 16), in a run directory of its own
: > "$TMP/fake_args.log"
out=$("${SY[@]}" TASKS=copy COPY_L=4096 bash scripts/run_synthetic.sh "$TMP/synL" 2 3 2>&1); rc=$?
if [ "$rc" -eq 0 ] && ! grep -q "synth:induction" "$TMP/fake_args.log" &&
   grep -q -- "-i synth:copy -j synth:copy -b 64 -t 4112 .* -x 3 -o $TMP/synL/copy_L4096_s1 " "$TMP/fake_args.log" &&
   echo "$out" | grep -q "^== copy_L4096_s1 (L=4096 + 16 markers, 3 steps, LR 1e-3): val accuracy 0.500000"; then ok "synthetic_tasks_and_copy_length"
else bad "synthetic_tasks_and_copy_length" "rc $rc: $(echo "$out" | tail -n 1); $(head -n 1 "$TMP/fake_args.log")"; fi
# (a tab between the names is a separator as a space is: the list used to pass the check and run nothing)
"${SY[@]}" TASKS=$'induction\t' bash scripts/run_synthetic.sh "$TMP/synI" 2 3 > /dev/null 2>&1; rc=$?
if [ "$rc" -eq 0 ] && [ -s "$TMP/synI/induction_s1_lengths.txt" ] && ! grep -q "synth:copy" <(grep synI "$TMP/fake_args.log"); then ok "synthetic_tasks_induction_only"
else bad "synthetic_tasks_induction_only" "rc $rc, $(grep synI "$TMP/fake_args.log" | grep -c synth:copy) copy runs"; fi
expect_error_cmd synthetic_bad_tasks "TASKS must list induction and / or copy, got 'copying'" "${SY[@]}" TASKS=copying bash scripts/run_synthetic.sh "$TMP/syn" 2 2
expect_error_cmd synthetic_bad_copy_l "COPY_L must be a whole number from 16 to 16777200, got '15'" "${SY[@]}" COPY_L=15 bash scripts/run_synthetic.sh "$TMP/syn" 2 2

# --- plot_log.py: bad files are one-line errors (checked before matplotlib is needed); with
# matplotlib, the accuracy axis says which positions it counts (SVG with text kept as text)
LOG="$TMP/ts/main.log"
expect_error_cmd plot_missing_log "'$TMP/no_such.log': no such file" python3 scripts/plot_log.py "$TMP/p.png" "$TMP/no_such.log"
expect_error_cmd plot_missing_output_dir "output directory '$TMP/no_dir' does not exist" python3 scripts/plot_log.py "$TMP/no_dir/p.png" "$LOG"
# a log given as label=path: the path after the last '=' is the file read (the error names it, not the label)
expect_error_cmd plot_label_missing_log "'$TMP/no_such.log': no such file" python3 scripts/plot_log.py "$TMP/p.png" "run=a=$TMP/no_such.log"
# a run's directory where its main.log goes: the error names the file to give (it said "is a directory")
expect_error_cmd plot_run_directory "'$TMP/ts' is a directory: give the run's log file, $TMP/ts/main.log" python3 scripts/plot_log.py "$TMP/p.png" "$TMP/ts"
# bad arguments are one error line too, with the usage in it (argparse printed its usage line, then "plot_log.py: error:")
expect_error_cmd plot_no_log_given "the following arguments are required: LOG (usage: python3 scripts/plot_log.py OUT LOG" python3 scripts/plot_log.py "$TMP/p.png"
expect_error_cmd plot_bad_accuracy_choice "argument --accuracy: invalid choice: 'most'" python3 scripts/plot_log.py "$TMP/p.png" "$LOG" --accuracy most
printf 'not a log\n' > "$TMP/empty.log"
expect_error_cmd plot_no_log_lines "no log lines" python3 scripts/plot_log.py "$TMP/p.png" "$TMP/empty.log"
if [ -e "$TMP/p.png" ]; then bad "plot_errors_write_nothing" "$TMP/p.png written"; else ok "plot_errors_write_nothing"; fi
# an output that names no file, "" or one ending in "/", is one error line saying so (its temporary file went to the
# directory above, and the rename's error named that file: "Not a directory: '.../..tmp123' -> 'plots/'")
printf 's:1 trl:2.5\n' > "$TMP/one.log"
for name in "" "no_dir/"; do
    expect_error_cmd "plot_output_names_no_file '$name'" "'$name' names no file: give the image file to write" python3 scripts/plot_log.py "$name" "$TMP/one.log"
done
if python3 -c "import matplotlib" 2>/dev/null; then
    # an output directory that takes no files: one line naming the image and why, not the temporary file's errno line
    # ("'/proc/1/p.png': [Errno 2] No such file or directory: '/proc/1/.p.png.tmp123'"); ro_out as above
    expect_error_cmd plot_output_not_writable "cannot write '$ro_out/p.png' ([A-Za-z ]*)\$" python3 scripts/plot_log.py "$ro_out/p.png" "$TMP/one.log"
    mkdir -p "$TMP/mplrc" "$TMP/induction_s1"
    echo "svg.fonttype: none" > "$TMP/mplrc/matplotlibrc"
    cp "$LOG" "$TMP/induction_s1/main.log" # a run_synthetic.sh run directory's name
    MATPLOTLIBRC="$TMP/mplrc" python3 scripts/plot_log.py "$TMP/lm.svg" "$LOG" > /dev/null 2>&1
    MATPLOTLIBRC="$TMP/mplrc" python3 scripts/plot_log.py "$TMP/syn.svg" "$TMP/induction_s1/main.log" > /dev/null 2>&1
    if grep -q "val token accuracy (all positions)" "$TMP/lm.svg" 2>/dev/null && ! grep -q "answer positions" "$TMP/lm.svg" &&
       grep -q "val token accuracy (answer positions)" "$TMP/syn.svg" 2>/dev/null; then ok "plot_accuracy_label_by_run"
    else bad "plot_accuracy_label_by_run" "$(grep -o 'val token accuracy[^<]*' "$TMP/lm.svg" "$TMP/syn.svg" 2>&1)"; fi
    # runs of both kinds in one plot: the accuracy axis names no positions, each legend entry names its
    # own; a label given as label=path names the run, else its directory does
    MATPLOTLIBRC="$TMP/mplrc" python3 scripts/plot_log.py "$TMP/mix.svg" "my=run=$LOG" "$TMP/induction_s1/main.log" > /dev/null 2>&1
    legend=$(grep -o '>[^<>]*</text>' "$TMP/mix.svg" 2>/dev/null | sed 's/^>//; s/<\/text>$//' | tr '\n' '|')
    if (for want in "my=run train" "my=run val" "induction_s1 val" "my=run (all positions)" \
                    "induction_s1 (answer positions)" "val token accuracy"; do
           echo "|$legend" | grep -qF "|$want|" || exit 1
        done); then
        ok "plot_legend_names_runs_and_positions"
    else bad "plot_legend_names_runs_and_positions" "$legend"; fi
    # a path with '=' in it (a run directory named after a setting), labelled or not: the file is read (it was cut
    # at the last '=': "no such file")
    mkdir -p "$TMP/lr=1e-3"
    cp "$LOG" "$TMP/lr=1e-3/main.log"
    out=$(MATPLOTLIBRC="$TMP/mplrc" python3 scripts/plot_log.py "$TMP/eq.svg" "$TMP/lr=1e-3/main.log" "a=b=$TMP/lr=1e-3/main.log" 2>&1); rc=$?
    legend=$(grep -o '>[^<>]*</text>' "$TMP/eq.svg" 2>/dev/null | sed 's/^>//; s/<\/text>$//' | tr '\n' '|')
    if [ "$rc" -eq 0 ] && echo "|$legend" | grep -qF "|lr=1e-3 train|" && echo "|$legend" | grep -qF "|a=b train|"; then ok "plot_path_with_equals_sign"
    else bad "plot_path_with_equals_sign" "rc $rc: $out $legend"; fi
    # -mc's lines (eval:, evs:, and evc: where logged) get a panel of their own, each choice in the legend, a cloze
    # file's (cla:) too; a log of nothing else is a log, plotted without an empty loss panel (it had one)
    printf 's:0 eval:0.250000 evs:0.240000 evc:0.260000\ns:50 eval:0.310000 evs:0.290000 evc:0.330000\n' > "$TMP/mc.log"
    printf 's:0 cla:0.010000 clp:2500.000000\ns:50 cla:0.120000 clp:310.500000\n' > "$TMP/cloze.log"
    { cat "$LOG"; cat "$TMP/mc.log"; } > "$TMP/mc_full.log"
    MATPLOTLIBRC="$TMP/mplrc" python3 scripts/plot_log.py "$TMP/mc.svg" "hs=$TMP/mc_full.log" > /dev/null 2>&1
    MATPLOTLIBRC="$TMP/mplrc" python3 scripts/plot_log.py "$TMP/mc_only.svg" "$TMP/mc.log" "lb=$TMP/cloze.log" > /dev/null 2>&1; rc=$?
    legend=$(grep -o '>[^<>]*</text>' "$TMP/mc.svg" 2>/dev/null | sed 's/^>//; s/<\/text>$//' | tr '\n' '|')
    if (for want in "multiple-choice accuracy (-mc)" "hs (mean token loss)" "hs (summed loss)" "hs (loss per character)" "val token accuracy (all positions)"; do
           echo "|$legend" | grep -qF "|$want|" || exit 1
        done) && [ "$rc" -eq 0 ] && grep -q "multiple-choice accuracy" "$TMP/mc_only.svg" && grep -qF "lb (cloze, greedy)" "$TMP/mc_only.svg" &&
       ! grep -q "loss (nats per token)" "$TMP/mc_only.svg"; then ok "plot_mc_panel"
    else bad "plot_mc_panel" "rc $rc: $legend"; fi
    # a PNG by its extension and by default (no extension); nothing but the image left in the directory
    mkdir -p "$TMP/plots"
    python3 scripts/plot_log.py "$TMP/plots/a.png" "$LOG" > /dev/null 2>&1
    python3 scripts/plot_log.py "$TMP/plots/b" "$LOG" > /dev/null 2>&1
    is_png() { [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; } # the PNG signature
    if is_png "$TMP/plots/a.png" && is_png "$TMP/plots/b" &&
       [ "$(ls -A "$TMP/plots" | tr '\n' ' ')" = "a.png b " ]; then ok "plot_writes_png"
    else bad "plot_writes_png" "$(ls -A "$TMP/plots" | tr '\n' ' ')"; fi
    # a format matplotlib cannot write: a one-line error, the earlier file of that name untouched, no temp file
    echo "earlier" > "$TMP/plots/c.xyz"
    expect_error_cmd plot_unknown_format "'$TMP/plots/c.xyz': Format 'xyz' is not supported" python3 scripts/plot_log.py "$TMP/plots/c.xyz" "$LOG"
    if [ "$(cat "$TMP/plots/c.xyz")" = earlier ] && [ "$(ls -A "$TMP/plots" | tr '\n' ' ')" = "a.png b c.xyz " ]; then
        ok "plot_failed_write_keeps_earlier_file"
    else bad "plot_failed_write_keeps_earlier_file" "$(ls -A "$TMP/plots" | tr '\n' ' ')"; fi
else
    for name in plot_accuracy_label_by_run plot_legend_names_runs_and_positions plot_path_with_equals_sign plot_mc_panel plot_writes_png plot_unknown_format \
                plot_failed_write_keeps_earlier_file; do
        echo "SKIP $name: matplotlib is not installed (not counted as passed)"
    done
fi

# --- test/run_tests.sh's TEST_ONLY: only the suites whose names match run; the others are reported as
# skipped and counted nowhere. A copy of the runner in a scratch tree whose test_io and test_bpe are
# stand-ins (one passes 3 checks, one fails 1), so nothing real runs.
mkdir -p "$TMP/rt/test"
cp test/run_tests.sh "$TMP/rt/test/"
printf '#!/bin/sh\necho "3 passed, 0 failed"\n' > "$TMP/rt/test_io"
printf '#!/bin/sh\necho "1 passed, 1 failed"; exit 1\n' > "$TMP/rt/test_bpe"
chmod +x "$TMP/rt/test_io" "$TMP/rt/test_bpe"
out=$(TEST_ONLY='^test_io$' bash "$TMP/rt/test/run_tests.sh" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ "$(echo "$out" | tail -n 1)" = "3 passed, 0 failed" ] && [ "$(echo "$out" | grep -c '^=== ')" -eq 1 ] &&
   echo "$out" | grep -q "^SKIP test_mamba: not selected by TEST_ONLY" && echo "$out" | grep -q "^SKIP test_bpe: not selected"; then ok "run_tests_only_selected"
else bad "run_tests_only_selected" "rc $rc: $(echo "$out" | grep -vE '^SKIP' | tail -n 3)"; fi
out=$(TEST_ONLY='^test_(io|bpe)$' bash "$TMP/rt/test/run_tests.sh" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && [ "$(echo "$out" | tail -n 1)" = "4 passed, 1 failed" ]; then ok "run_tests_only_counts_failures"
else bad "run_tests_only_counts_failures" "rc $rc: $(echo "$out" | tail -n 1)"; fi
# a TEST_ONLY that is no regular expression (a typo) is an error, not a run that skips every suite and passes
expect_error_cmd run_tests_only_bad_regex "TEST_ONLY='.test_.io' is not a regular expression" env TEST_ONLY='^test_(io' bash "$TMP/rt/test/run_tests.sh"
# with a GPU (a stand-in nvidia-smi) the GPU fixtures are written only for the suites that read them: a
# stand-in test/gpu_fixtures.sh leaves a mark; TEST_ONLY on a CLI suite must not, on test_mamba_cu must
mkdir -p "$TMP/rt/bin"
printf '#!/bin/sh
echo "GPU 0: stand-in"
' > "$TMP/rt/bin/nvidia-smi"
printf '#!/bin/sh
echo "2 passed, 0 failed"
' > "$TMP/rt/test_mamba_cu"
printf '#!/bin/sh
touch "%s/rt/fixtures_written"; exit 0
' "$TMP" > "$TMP/rt/test/gpu_fixtures.sh"
chmod +x "$TMP/rt/bin/nvidia-smi" "$TMP/rt/test_mamba_cu"
out=$(PATH="$TMP/rt/bin:$PATH" TEST_ONLY='^test_io$' bash "$TMP/rt/test/run_tests.sh" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ "$(echo "$out" | tail -n 1)" = "3 passed, 0 failed" ] && [ ! -e "$TMP/rt/fixtures_written" ] &&
   echo "$out" | grep -q "^SKIP test_mamba_cu: not selected"; then ok "run_tests_only_no_unused_gpu_fixtures"
else bad "run_tests_only_no_unused_gpu_fixtures" "rc $rc, mark $(ls "$TMP/rt/fixtures_written" 2>&1): $(echo "$out" | tail -n 1)"; fi
out=$(PATH="$TMP/rt/bin:$PATH" TEST_ONLY='^(gpu_fixtures|test_mamba_cu)$' bash "$TMP/rt/test/run_tests.sh" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ "$(echo "$out" | tail -n 1)" = "3 passed, 0 failed" ] && [ -e "$TMP/rt/fixtures_written" ]; then ok "run_tests_only_gpu_fixtures_when_read"
else bad "run_tests_only_gpu_fixtures_when_read" "rc $rc, mark $(ls "$TMP/rt/fixtures_written" 2>&1): $(echo "$out" | tail -n 1)"; fi

# a suite that exits non-zero after "N passed, 0 failed", and one that stops before its summary line, count as
# a failure each, and the runner exits non-zero (stand-ins in a scratch tree of their own)
mkdir -p "$TMP/rt2/test"
cp test/run_tests.sh "$TMP/rt2/test/"
printf '#!/bin/sh\necho "2 passed, 0 failed"; exit 3\n' > "$TMP/rt2/test_io"
printf '#!/bin/sh\necho "PASS first"; exit 2\n' > "$TMP/rt2/test_bpe"
chmod +x "$TMP/rt2/test_io" "$TMP/rt2/test_bpe"
out=$(TEST_ONLY='^test_(io|bpe)$' bash "$TMP/rt2/test/run_tests.sh" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && [ "$(echo "$out" | tail -n 1)" = "2 passed, 2 failed" ] && echo "$out" | grep -q "^FAIL test_io: exit code 3" &&
   echo "$out" | grep -q "^FAIL test_bpe: exited 2 without a summary line"; then ok "run_tests_exit_code_and_missing_summary_count"
else bad "run_tests_exit_code_and_missing_summary_count" "rc $rc: $(echo "$out" | tail -n 1)"; fi
# a Ctrl-C (SIGINT to the runner's process group; timeout runs the suite in a group of its own), or a SIGTERM to
# the group, stops the suite running and the runner, which exits non-zero without running the next suite (it used
# to wait for the suite, run the rest and report them passed, or, on SIGTERM, leave the suite running). The
# runner in a session of its own, SIGINT restored (a background job starts with it ignored)
mkdir -p "$TMP/rt3/test"
cp test/run_tests.sh "$TMP/rt3/test/"
printf '#!/bin/sh\necho $$ > "%s/rt3/io_pid"; exec sleep 30\n' "$TMP" > "$TMP/rt3/test_io"
printf '#!/bin/sh\ntouch "%s/rt3/bpe_ran"; echo "1 passed, 0 failed"\n' "$TMP" > "$TMP/rt3/test_bpe"
chmod +x "$TMP/rt3/test_io" "$TMP/rt3/test_bpe"
for sig in INT TERM; do
    rm -f "$TMP/rt3/io_pid" "$TMP/rt3/bpe_ran"
    TEST_ONLY='^test_(io|bpe)$' setsid python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
        bash "$TMP/rt3/test/run_tests.sh" > "$TMP/rt3.out" 2>&1 &
    runner=$!
    wait_until 100 test -s "$TMP/rt3/io_pid"
    kill "-$sig" -- "-$runner" 2>/dev/null
    wait_until 100 eval '! kill -0 "$runner" 2>/dev/null'
    io_pid=$(cat "$TMP/rt3/io_pid" 2>/dev/null)
    wait_until 100 eval '! pid_alive "$io_pid"'
    still=no; pid_alive "$io_pid" && still=yes
    kill -KILL -- "-$runner" 2>/dev/null; [ -n "$io_pid" ] && kill -KILL "$io_pid" 2>/dev/null
    wait "$runner" 2>/dev/null; rc=$?
    if [ "$rc" -ne 0 ] && [ -n "$io_pid" ] && [ "$still" = no ] && [ ! -e "$TMP/rt3/bpe_ran" ] &&
       ! grep -q "passed, 0 failed$" "$TMP/rt3.out"; then ok "run_tests_sig${sig}_stops_the_run"
    else bad "run_tests_sig${sig}_stops_the_run" "rc $rc, suite still running: $still, next suite ran: $([ -e "$TMP/rt3/bpe_ran" ] && echo yes || echo no): $(tail -n 1 "$TMP/rt3.out")"; fi
done

# --- run_synthetic.sh with the real trainer at a tiny size: run again after it finished, it keeps the runs
# (it used to delete and retrain them) and reports the same accuracies from their final models; stopped by
# SIGTERM (the trainer's test hook), it says so, and the same command resumes the run (-y 1) and finishes
# (the slowest checks before the harness's own, so placed after the quick ones: a mutant's suite stops at its
# first failure, FAIL_FAST, and a mutant that the quick checks kill does not wait for these)
SYR=(timeout -s KILL 300 env BIN="$TS_BIN" SEL=1 LENGTHS=6)
out1=$("${SYR[@]}" bash scripts/run_synthetic.sh "$TMP/syr" 2 1 2>&1)
# before each training it says where the trainer's output and checkpoints go (that output goes to a file alone, and
# it printed nothing until the training ended: minutes to hours on the CPU)
# (BIN, given relative, is named whole: it is the caller's, here the repository's root)
if [ "$(echo "$out1" | head -n 1)" = "induction_s1: training to step 2 with $REPO/${TS_BIN#./}; its output goes to $TMP/syr/induction_s1.txt, checkpoints to $TMP/syr/induction_s1/" ] &&
   echo "$out1" | grep -q "^copy_s1: training to step 1 with $REPO/${TS_BIN#./}; its output goes to $TMP/syr/copy_s1.txt,"; then ok "synthetic_says_where_output_goes"
else bad "synthetic_says_where_output_goes" "$(echo "$out1" | head -n 1)"; fi
cp "$TMP/syr/induction_s1/model_00000002.bin" "$TMP/syr_model.bin"
out=$("${SYR[@]}" bash scripts/run_synthetic.sh "$TMP/syr" 2 1 2>&1); rc=$?
# (the first run's reports must be there to compare: two lists missing the same line compared equal)
# (and how to train it again: the clearing script, which clears a run's directory here)
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^induction_s1: the finished run in $TMP/syr/induction_s1 is kept (to train again: bash scripts/clear_run_dir.sh $TMP/syr/induction_s1);" &&
   echo "$out" | grep -q "^copy_s1: the finished run in $TMP/syr/copy_s1 is kept" &&
   cmp -s "$TMP/syr_model.bin" "$TMP/syr/induction_s1/model_00000002.bin" &&
   echo "$out1" | grep -qE '^== induction_s1 \(2 steps, LR 1e-3\): val accuracy [0-9]+\.[0-9]+ ' &&
   echo "$out1" | grep -qE '^induction_s1 L=2\^6 accuracy [0-9]+\.[0-9]+ ' && echo "$out1" | grep -qE '^== copy_s1 \(.*\): val accuracy [0-9]+\.[0-9]+ ' &&
   [ "$(echo "$out1" | grep -E '^(==|induction_s1 L=)')" = "$(echo "$out" | grep -E '^(==|induction_s1 L=)')" ]; then ok "synthetic_finished_runs_kept"
else bad "synthetic_finished_runs_kept" "rc $rc: $(echo "$out" | tail -n 2); first run's reports: $(echo "$out1" | grep -E '^(==|induction_s1 L=)' | tr '\n' '|')"; fi
# the finished runs' evaluations are given what an evaluation reads alone: their output notes no flag as unused (they were
# given the training flags too: "note: -x 0 trains nothing: -i -l -u -k -c -s are not used")
notes=""
for run in induction_s1 copy_s1; do
    part=$(sed -n "/^== the finished run's final model evaluated again/,\$p" "$TMP/syr/$run.txt")
    [ -n "$part" ] && echo "$part" | grep -q "^val accuracy" || notes+=" $run: no evaluation;"
    notes+=$(echo "$part" | grep "^note:" | sed "s/^/ $run: /")
done
if [ -z "$notes" ]; then ok "synthetic_finished_run_evaluation_flags"; else bad "synthetic_finished_run_evaluation_flags" "$notes"; fi
expect_error_cmd synthetic_finished_run_other_seed "is a finished run of seed 1337, not SEED=5: give each seed its own out dir" \
    "${SYR[@]}" SEED=5 bash scripts/run_synthetic.sh "$TMP/syr" 2 1
# fewer steps than the finished run: one error line that says so (it was "no 'val accuracy' line", after the
# run's training output in OUT/<run>.txt had been replaced by the trainer's "nothing to train")
expect_error_cmd synthetic_fewer_steps_than_run "$TMP/syr/induction_s1 holds a run trained to step 2, past the 1 steps asked: .*, or bash scripts/clear_run_dir.sh $TMP/syr/induction_s1 to train 1$" \
    "${SYR[@]}" bash scripts/run_synthetic.sh "$TMP/syr" 1 1
if grep -q "^checkpoint written: $TMP/syr/induction_s1/model_00000002.bin" "$TMP/syr/induction_s1.txt"; then ok "synthetic_fewer_steps_keeps_output"
else bad "synthetic_fewer_steps_keeps_output" "$(tail -n 1 "$TMP/syr/induction_s1.txt")"; fi
# a run in OUT at another LR than the one asked is an error (its state file's record), not resumed or kept as its result
expect_error_cmd synthetic_finished_run_other_lr "$TMP/syr/copy_s1 is a run at LR 0.001, not COPY_LR=1e-4: give each LR its own out dir" \
    "${SYR[@]}" COPY_LR=1e-4 bash scripts/run_synthetic.sh "$TMP/syr" 2 1
out=$("${SYR[@]}" MAMBA_TEST_SIGTERM_STEP=1 bash scripts/run_synthetic.sh "$TMP/syr2" 2 1 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^stopped during induction_s1; .*run the same command again to resume" && ! echo "$out" | grep -q "^=="; then
    ok "synthetic_stop_reported"; else bad "synthetic_stop_reported" "rc $rc: $(echo "$out" | tail -n 1)"; fi
out=$("${SYR[@]}" bash scripts/run_synthetic.sh "$TMP/syr2" 2 1 2>&1); rc=$?
# (OUT/<run>.txt keeps the output before the stop: the resumed run's is appended, and its own part is read)
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^== copy_s1" && grep -q "resuming from step 1" "$TMP/syr2/induction_s1.txt" &&
   grep -q "^stopped by signal" "$TMP/syr2/induction_s1.txt"; then ok "synthetic_resumes_after_stop"
else bad "synthetic_resumes_after_stop" "rc $rc: $(echo "$out" | tail -n 1); $(grep -m1 -e resum -e '^stopped' "$TMP/syr2/induction_s1.txt")"; fi

# --- dev/mutation/run_mutants.py end to end on the CPU suite: the unmutated tree passes both programs, a
# planted bug the suite must catch (the backward ignoring the micro-step scale) is killed, and a mutant
# whose text the code no longer holds is reported STALE and skipped.
# SCRIPTS_SKIP_HARNESS_SELFTEST=1 skips this run and the next (minutes each): run_mutants.py sets it for
# the mutants of its tools suite, which change the scripts and data tools, never the harness
SKIP_HARNESS="SCRIPTS_SKIP_HARNESS_SELFTEST=1 (set for the mutants of run_mutants.py's tools suite)"
if [ "${SCRIPTS_SKIP_HARNESS_SELFTEST:-0}" = 1 ]; then
    echo "SKIP run_mutants_cpu_suite: $SKIP_HARNESS (not counted as passed)"
elif command -v python3 >/dev/null; then
    python3 - "$TMP/mut.json" <<'PY'
import json, sys
ms = [m for m in json.load(open("dev/mutation/cpu_mutants.json")) if m["id"] == "cpu_loss_scale_ignored"]
ms.append({"id": "gone", "file": "train_mamba.c", "old": "a text train_mamba.c does not hold", "new": "x"})
json.dump(ms, open(sys.argv[1], "w"))
PY
    # (the settings of a harness this suite runs under are not this run's: ONLY names its mutants, FAIL_FAST is
    # 0 for its unmutated tree)
    out=$(env -u ONLY -u FAIL_FAST -u CLEAN_FIRST SUITE=cpu WORK="$TMP/mut_work" DEADLINE=1200 timeout -s KILL 1500 python3 dev/mutation/run_mutants.py "$TMP/mut_out" "$TMP/mut.json" 2>&1); rc=$?
    if [ $rc -eq 0 ] && echo "$out" | grep -q "^clean: test_mamba pass; test_gradcheck pass" &&
       echo "$out" | grep -q "^KILLED   cpu_loss_scale_ignored: test_mamba killed: .*grad_accumulation" &&
       echo "$out" | grep -q "^STALE    gone: " && echo "$out" | grep -q "^1 killed, 0 survived, 0 other" && [ -s "$TMP/mut_out/results.json" ]
    then ok "run_mutants_cpu_suite"
    else bad "run_mutants_cpu_suite" "rc $rc: $(echo "$out" | tail -n 3 | tr '\n' ' ')"; fi
else
    echo "SKIP run_mutants_cpu_suite: no python3 (not counted as passed)"
fi

# --- and on the command-line suite (SUITE=cli, the CPU trainer): the unmutated tree passes test_cli.sh and
# test_durability.sh; a sampler that ignores -sd is killed by sampling_follows_seed, where its suite stops
# (FAIL_FAST), while the unmutated tree's runs whole. One run at a time: two
# suites at once on CI's 2 cores took 397 s instead of 84 (their trainers' OpenMP threads contend)
if [ "${SCRIPTS_SKIP_HARNESS_SELFTEST:-0}" = 1 ]; then
    echo "SKIP run_mutants_cli_suite: $SKIP_HARNESS (not counted as passed)"
elif command -v python3 >/dev/null; then
    python3 - "$TMP/mut_cli.json" <<'PY'
import json, sys
ms = [m for m in json.load(open("dev/mutation/cpu_cli_mutants.json")) if m["id"] == "cpucli_sample_rng_ignores_seed"]
json.dump(ms, open(sys.argv[1], "w"))
PY
    out=$(env -u ONLY -u FAIL_FAST -u CLEAN_FIRST SUITE=cli CLI_BIN=./train_mamba RUN_JOBS=1 WORK="$TMP/mut_cli_work" DEADLINE=1200 RUN_TIMEOUT=900 \
          timeout -s KILL 1500 python3 dev/mutation/run_mutants.py "$TMP/mut_cli_out" "$TMP/mut_cli.json" 2>&1); rc=$?
    if [ $rc -eq 0 ] && echo "$out" | grep -q "^clean: test_cli pass; test_durability pass" &&
       echo "$out" | grep -q "^KILLED   cpucli_sample_rng_ignores_seed: test_cli killed: 1 FAIL: sampling_follows_seed" &&
       echo "$out" | grep -q "^1 killed, 0 survived, 0 other" && [ -s "$TMP/mut_cli_out/results.json" ] &&
       tail -n 1 "$TMP/mut_cli_work/cpucli_sample_rng_ignores_seed/test_cli.log" | grep -q "(FAIL_FAST: stopped at the first failure)$" &&
       tail -n 1 "$TMP/mut_cli_work/clean/test_cli.log" | grep -qE "^[0-9]+ passed, 0 failed$"
    then ok "run_mutants_cli_suite"
    else bad "run_mutants_cli_suite" "rc $rc: $(echo "$out" | grep -E '^FAIL|passed,|error' | head -n 6 | tr '\n' ' ')"; fi
else
    echo "SKIP run_mutants_cli_suite: no python3 (not counted as passed)"
fi

# every mutant of dev/mutation/*.json still finds its text exactly once: the runner skips a stale one with a note,
# so a refactor used to retire mutants unnoticed (eight had gone so, 2026-12-04); a change that moves a mutant's
# text updates the mutant with it. In a mutant's copy (run_mutants.py sets MUTANT_APPLIED) that mutant's own text
# is gone by design
if command -v python3 >/dev/null; then
    out=$(python3 -c 'import os, sys, glob; sys.path.insert(0, "dev/mutation"); import run_mutants as r
ms, stale = r.load_mutants(sorted(glob.glob("dev/mutation/*.json"))); stale.discard(os.environ.get("MUTANT_APPLIED", ""))
print(len(ms), "apply;", len(stale), "stale")' 2>&1); rc=$?
    last=${out##*$'\n'} # (a mutant's copy first prints its own as STALE)
    if [ $rc -eq 0 ] && echo "$out" | grep -qE "^[0-9]+ apply; 0 stale$"; then ok "mutation_lists_apply (${last%%;*})"
    else bad "mutation_lists_apply" "rc $rc: $(echo "$out" | grep -E 'STALE|stale|rror' | tr '\n' ' ')"; fi
else
    echo "SKIP mutation_lists_apply: no python3 (not counted as passed)"
fi

finish_checks
