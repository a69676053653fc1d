#!/usr/bin/env bash
# Starts one train_mamba_cu process per local GPU and waits for them.
#   scripts/multi_gpu.sh -n 8 [train_mamba_cu flags...]
# Each process gets RANK / WORLD_SIZE / LOCAL_RANK (and -pn / -pr / -pl); the NCCL id goes through a file in /tmp
# (single node). If one process fails, the others are stopped; SIGINT / SIGTERM are passed on
# to every process (they checkpoint and exit together). For several nodes see README.md
# (Slurm: srun sets SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID; or mpirun with -pi tcp).
set -u
cd "$(dirname "$0")/.."
if [ "${1:-}" != "-n" ] || [ -z "${2:-}" ]; then
    echo "usage: $0 -n <processes> [train_mamba_cu flags...]" >&2
    exit 2
fi
N=$2; shift 2
BIN=${BIN:-./train_mamba_cu}
[ -x "$BIN" ] || make -s train_mamba_cu || exit 1
ID_FILE=$(mktemp -u /tmp/mamba_nccl_id.XXXXXX)
pids=()
stop_all() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done; }
trap 'stop_all' INT TERM
for ((r = 0; r < N; r++)); do
    # the flags as well as the variables: flags win over Slurm's variables inside a job (SLURM_NTASKS=1)
    RANK=$r WORLD_SIZE=$N LOCAL_RANK=$r "$BIN" -pi fs -pf "$ID_FILE" -pn "$N" -pr "$r" -pl "$r" "$@" &
    pids+=($!)
done
status=0
remaining=$N
while [ "$remaining" -gt 0 ]; do
    wait -n -p done_pid "${pids[@]}" 2>/dev/null
    rc=$?
    [ -z "${done_pid:-}" ] && break
    remaining=$((remaining - 1))
    if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then
        status=$rc
        echo "multi_gpu.sh: a process exited with $rc; stopping the others" >&2
        stop_all
    fi
    unset done_pid
done
rm -f "$ID_FILE"
exit $status
