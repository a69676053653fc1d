#!/usr/bin/env bash
# Starts one train_mamba_cu process per local GPU and waits for them.
#   scripts/multi_gpu.sh -n 8 [train_mamba_cu flags...]
# Each process gets RANK / WORLD_SIZE / LOCAL_RANK (and -pn / -pr / -pl); the NCCL id goes through a file in /tmp
# (single node). If one process fails, the others are stopped. A stop (Ctrl-C, Slurm's SIGTERM, a kill of
# this script) is passed on to every process as SIGUSR1, which the trainer takes as the same stop but
# never as the second signal that exits at once: processes that also got the original signal (the
# terminal's Ctrl-C reaches the whole process group) still checkpoint, and the script waits for all of
# them; a second stop sent to the script kills them at once. For several nodes see README.md (Slurm:
# srun sets SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID; or mpirun with -pi tcp).
# The trainer's relative paths (-o, -i, -j, -e, ...) are relative to where this script is called from, as when the
# trainer runs by hand (so the default -i / -j, the repository's tinyshakespeare named relative to its root, are found
# only when it is called from the repository's root; from elsewhere give -i and -j).
# BIN: the trainer to start (default: the repository's train_mamba_cu, built if missing). ONE_GPU=1 puts every
# process on GPU 0: only for train_mamba_cu_shm, whose collectives go through shared memory (test/shm_nccl.c;
# NCCL itself refuses two ranks on one GPU), as test/test_multi_gpu.sh does on a machine with one GPU.
set -u
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then . "$(dirname "$0")/script_lib.sh"; print_header "$0"; exit 0; fi
# (no cd, so that relative paths are the caller's: the script once moved to the repository, where a relative -o went)
ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
if [ "${1:-}" != "-n" ] || [ -z "${2:-}" ]; then
    echo "error: usage: $0 -n <processes> [train_mamba_cu flags...] (-h for help)" >&2
    exit 2
fi
N=$2; shift 2
if ! [[ "$N" =~ ^[1-9][0-9]{0,3}$ ]]; then echo "error: $0: -n needs a number of processes from 1 to 9999, got '$N'" >&2; exit 2; fi
if [ -z "${BIN:-}" ] && ! nvidia-smi -L > /dev/null 2>&1; then echo "error: scripts/multi_gpu.sh needs an NVIDIA GPU (none found)" >&2; exit 1; fi
BIN=${BIN:-$ROOT/train_mamba_cu}
# a name without a slash is a command of PATH's, as "$BIN" below runs it, else a file in the caller's directory
case "$BIN" in */*) ;; *) found=$(type -P -- "$BIN") && BIN=$found || BIN=./$BIN ;; esac
# (-f: a directory is "executable" too, and every process then failed with bash's "Is a directory", exit 126)
if [ -d "$BIN" ]; then echo "error: BIN=$BIN is a directory, not the trainer" >&2; exit 1; fi
if [ ! -x "$BIN" ]; then # a trainer of the repository's is built (the one BIN names, not always train_mamba_cu)
    if [ "$(realpath -m -- "$(dirname -- "$BIN")")" = "$ROOT" ]; then
        # (a GPU trainer without nvcc: one error line; it ended in the build, "nvcc: not found" and make's "Error 127")
        case "$(basename -- "$BIN")" in *_cu*) . "$ROOT/scripts/script_lib.sh"; need_nvcc scripts/multi_gpu.sh ;; esac
        make -s -C "$ROOT" "$(basename -- "$BIN")" || exit 1
    else echo "error: BIN=$BIN: no such executable" >&2; exit 1; fi
fi
ID_FILE=$(mktemp -u /tmp/mamba_nccl_id.XXXXXX)
pids=()
# the processes still running, from bash's own job table (a pid reused after a process ended is not in it)
signal_all() { for p in $(jobs -pr); do kill "-$1" "$p" 2>/dev/null; done; }
stops=0
on_stop() {
    stops=$((stops + 1))
    if [ "$stops" -eq 1 ]; then signal_all USR1; else signal_all KILL; fi
}
trap on_stop INT TERM
for ((r = 0; r < N; r++)); do
    # the flags as well as the variables: flags win over Slurm's variables inside a job (SLURM_NTASKS=1)
    gpu=$r; [ "${ONE_GPU:-0}" = 1 ] && gpu=0
    RANK=$r WORLD_SIZE=$N LOCAL_RANK=$gpu "$BIN" -pi fs -pf "$ID_FILE" -pn "$N" -pr "$r" -pl "$gpu" "$@" &
    pids+=($!)
done
# wait for every process (polling, not `wait -n -p`, which needs bash 5.1): the first non-zero exit
# status stops the others and is the script's
status=0
left=("${pids[@]}")
while [ ${#left[@]} -gt 0 ]; do
    still=()
    live=" $(jobs -pr | tr '\n' ' ') "
    for p in "${left[@]}"; do
        if [[ "$live" == *" $p "* ]]; then still+=("$p"); continue; fi
        wait "$p"; rc=$?
        # a trapped signal can interrupt that wait (status > 128, the process's own status not consumed)
        if [ "$rc" -gt 128 ]; then wait "$p" 2>/dev/null; rc2=$?; [ "$rc2" -ne 127 ] && rc=$rc2; fi
        if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then
            status=$rc
            echo "multi_gpu.sh: a process exited with $rc; stopping the others" >&2
            signal_all TERM
        fi
    done
    left=(${still[@]+"${still[@]}"})
    [ ${#left[@]} -gt 0 ] && sleep 0.2
done
rm -f "$ID_FILE"
exit $status
