#!/usr/bin/env bash
# Everything the GPU machine should run in one go: build, the whole test suite (CPU and GPU
# parts), the speed benchmark. Logs go to $OUT (relative to where it is called from; default gpu_logs in the
# repository). Exits non-zero when a step failed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -uo pipefail
case "${1:-}" in
    -h|--help) . "$(dirname "$0")/script_lib.sh"; print_header "$0"; echo "Usage: bash scripts/gpu_check.sh   (OUT=<dir> for the logs)"; exit 0 ;;
    ?*) echo "error: scripts/gpu_check.sh takes no arguments (-h for help)" >&2; exit 1 ;;
esac
if ! nvidia-smi -L > /dev/null 2>&1; then echo "error: scripts/gpu_check.sh needs an NVIDIA GPU (none found)" >&2; exit 1; fi
# (a given OUT is the caller's: it was taken inside the repository, where the script moves)
if [ -n "${OUT:-}" ]; then OUT=$(realpath -m -- "$OUT"); fi
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_logs}
. scripts/script_lib.sh # (make_dir, need_nvcc)
# (without nvcc, one error line: the GPU builds failed, and the whole suite ran with them missing)
need_nvcc scripts/gpu_check.sh
# (one error line: mkdir's own message was followed by tee's, and the build and the whole suite ran without their logs)
make_dir "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
# every step runs whatever the one before did; a failed one is the script's exit status (it exited 0 always:
# the status of each pipeline was its last command's)
status=0
make -j8 train_mamba train_mamba_cu test_mamba_cu make_cpu_fixture test_mamba test_gradcheck test_dataloader 2>&1 | tail -n 5 || status=1
make test 2>&1 | tee "$OUT/test.log" | grep -E "FAIL|SKIP|passed, " || status=1
bash scripts/bench.sh 30 2>&1 | tee "$OUT/bench.log" || status=1
exit $status
