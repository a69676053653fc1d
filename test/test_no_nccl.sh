#!/usr/bin/env bash
# The GPU trainer built without NCCL (what `make` builds where nccl.h is missing, or with NCCL=0;
# here train_mamba_cu_nonccl, so that it is tested on a machine that has NCCL too): one process trains
# with the same bits as the NCCL build, and more processes, asked for by -pn or by a launcher's
# variables, are refused at start-up with one error line, before the -o directory is made.
# Needs a GPU; one line per check, then "N passed, M failed".
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -u
cd "$(dirname "$0")/.."
TMP=$(mktemp -d)
trap 'in_main_shell && rm -rf "$TMP"' EXIT
. test/check.sh
if ! nvidia-smi -L >/dev/null 2>&1; then echo "SKIP no-NCCL build tests: no GPU"; echo "0 passed, 0 failed"; exit 0; fi
make -s train_mamba_cu train_mamba_cu_nonccl data || { echo "FAIL build"; echo "0 passed, 1 failed"; exit 1; }

if ldd ./train_mamba_cu_nonccl | grep -q nccl; then bad "nonccl_links_no_nccl" "$(ldd ./train_mamba_cu_nonccl | grep nccl)"
else ok "nonccl_links_no_nccl"; fi

ARGS=(-e d64:l2:v256 -b 4 -t 128 -x 20 -v 10 -m 2 -g 0 -sh 0)
./train_mamba_cu "${ARGS[@]}" -o "$TMP/nccl" > "$TMP/nccl.out" 2>&1 || bad "nccl_build_run" "$(tail -n 3 "$TMP/nccl.out")"
./train_mamba_cu_nonccl "${ARGS[@]}" -o "$TMP/none" > "$TMP/none.out" 2>&1 || bad "nonccl_run" "$(tail -n 3 "$TMP/none.out")"
# the training and val losses of main.log, and the final weights, bit for bit
if [ "$(grep -c ' trl:' "$TMP/none/main.log" 2>/dev/null)" = 20 ] && cmp -s "$TMP/nccl/main.log" "$TMP/none/main.log" &&
   cmp -s "$TMP/nccl/model_00000020.bin" "$TMP/none/model_00000020.bin"; then
    ok "nonccl_trains_as_the_nccl_build (20 steps, main.log and model bitwise)"
else
    bad "nonccl_trains_as_the_nccl_build" "$(diff "$TMP/nccl/main.log" "$TMP/none/main.log" 2>&1 | head -n 4)"
fi

expect_error_cmd nonccl_refuses_two_processes "2 processes asked for, but this build has no NCCL" \
    timeout 60 ./train_mamba_cu_nonccl "${ARGS[@]}" -pn 2 -pr 0 -o "$TMP/pn"
if [ -e "$TMP/pn" ]; then bad "nonccl_refusal_leaves_no_output_dir" "$TMP/pn exists"; else ok "nonccl_refusal_leaves_no_output_dir"; fi
# a launcher's variables (torchrun-style, and Slurm's) ask for the processes without -pn
expect_error_cmd nonccl_refuses_torchrun_world "4 processes asked for, but this build has no NCCL" \
    env WORLD_SIZE=4 RANK=1 LOCAL_RANK=0 timeout 60 ./train_mamba_cu_nonccl "${ARGS[@]}" -o "$TMP/ws"
expect_error_cmd nonccl_refuses_slurm_tasks "2 processes asked for, but this build has no NCCL" \
    env SLURM_NTASKS=2 SLURM_PROCID=0 SLURM_LOCALID=0 timeout 60 ./train_mamba_cu_nonccl "${ARGS[@]}" -o "$TMP/sl"
# one process asked for explicitly is this build's case
if timeout 120 ./train_mamba_cu_nonccl -e d64:l2:v256 -b 4 -t 128 -x 2 -v 0 -g 0 -pn 1 -pr 0 > "$TMP/one.out" 2>&1 &&
   grep -q "^step    2/2" "$TMP/one.out"; then ok "nonccl_one_process_explicit"
else bad "nonccl_one_process_explicit" "$(tail -n 3 "$TMP/one.out")"; fi

finish_checks
