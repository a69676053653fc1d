#!/usr/bin/env bash
# Runs every test program and sums their "N passed, M failed" lines into one.
# A program that dies without printing its summary counts as one failure.
# GPU tests run only where a GPU is present; elsewhere they are reported as skipped, never passed.
# TEST_ONLY='<regex>' runs only the suites whose names match (e.g. TEST_ONLY='_cu$' for a device run
# that must fit a time limit); the others are reported as skipped.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -u
cd "$(dirname "$0")/.." || exit 1
. scripts/c_numbers.sh; export LC_MESSAGES=C # (the suites compare numbers and messages: test/check.sh)
total_pass=0
total_fail=0

selected() { [ -z "${TEST_ONLY:-}" ] || [[ "$1" =~ $TEST_ONLY ]]; }
# (a TEST_ONLY that is no regular expression matches nothing: every suite skipped, and the run passed)
if [ -n "${TEST_ONLY:-}" ]; then
    [[ "" =~ $TEST_ONLY ]]
    if [ $? -eq 2 ]; then echo "error: TEST_ONLY='$TEST_ONLY' is not a regular expression (bash's [[ =~ ]], POSIX extended)" >&2; exit 2; fi
fi

# timeout runs each suite in a process group of its own (so that a timeout kills all of it), which a
# terminal's Ctrl-C does not reach: a stop of the runner is passed on to the suite running, and the runner
# ends there (it used to wait for the suite and go on with the next ones)
suite_pid=""
suite_log=$(mktemp)
trap 'rm -f "$suite_log"' EXIT
stop() {
    [ -z "$suite_pid" ] || kill -TERM "$suite_pid" 2>/dev/null
    echo "stopped by a signal: the run ends here (${total_pass} passed, ${total_fail} failed so far)"
    exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM

run_suite() {
    local name="$1"; shift
    if ! selected "$name"; then
        echo "SKIP $name: not selected by TEST_ONLY='$TEST_ONLY' (not counted as passed)"
        return
    fi
    echo "=== $name: $*"
    local out start=$SECONDS
    # a suite that hangs is a failure, not a stuck run: SUITE_TIMEOUT seconds each (the slowest, the CLI
    # tests under ASan, take ~8 min on the 2-core CI machine)
    timeout -k 10 "${SUITE_TIMEOUT:-2400}" "$@" > "$suite_log" 2>&1 &
    suite_pid=$!
    wait "$suite_pid"
    local rc=$?
    suite_pid=""
    out=$(cat "$suite_log")
    [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || out="$out
(timed out after ${SUITE_TIMEOUT:-2400} s)"
    echo "$out"
    # each suite's wall time, so a device run (10 min a command) can be planned from the last log
    echo "--- $name: $((SECONDS - start)) s"
    local summary
    summary=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$summary" ]; then
        echo "FAIL $name: exited $rc without a summary line"
        total_fail=$((total_fail + 1))
        return
    fi
    local p f
    p=$(echo "$summary" | awk '{print $1}')
    f=$(echo "$summary" | awk '{print $3}')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name: exit code $rc"
        f=1
    fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}

run_suite test_mamba ./test_mamba
run_suite test_gradcheck ./test_gradcheck
run_suite test_dataloader ./test_dataloader
run_suite test_io ./test_io
run_suite test_hf ./test_hf
run_suite test_bpe ./test_bpe
run_suite test_shm_coll ./test_shm_coll
run_suite test_shm_nccl ./test_shm_nccl
run_suite test_tokenize bash test/test_tokenize.sh
run_suite test_cli bash test/test_cli.sh
run_suite test_durability bash test/test_durability.sh
run_suite test_scripts bash test/test_scripts.sh
run_suite test_scan_ptx bash test/test_scan_ptx.sh
run_suite test_hf_transformers bash test/test_hf_transformers.sh

has_gpu=0
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && has_gpu=1
if [ "$has_gpu" = 1 ] && [ ! -x ./test_mamba_cu ]; then
    echo "SKIP GPU tests: a GPU is present but test_mamba_cu was not built (no nvcc, or a GPU older than compute capability 8.0?) (not counted as passed)"
elif [ "$has_gpu" = 1 ]; then
    # the PyTorch fixtures and reference fixtures from the CPU trainer for shapes they do not cover
    # (written only for the suites that read them: a TEST_ONLY run of the CLI suites does not write them)
    FX=$(mktemp -d)
    FIXTURES=() # (may stay empty: expanded as ${FIXTURES[@]+...}, which bash < 4.4 needs under set -u)
    fixture_rc=0
    if selected gpu_fixtures || selected test_mamba_cu || selected test_mamba_cu_fp32; then
        fixture_list=$(bash test/gpu_fixtures.sh "$FX")
        fixture_rc=$?
        mapfile -t FIXTURES <<< "$fixture_list"
    fi
    # a fixture that failed to be written (the script stops at it) must not go unnoticed
    run_suite gpu_fixtures bash -c '[ "$1" -eq 0 ] && echo "1 passed, 0 failed" || { echo "FAIL: test/gpu_fixtures.sh exited $1"; echo "0 passed, 1 failed"; }' _ "$fixture_rc"
    run_suite test_mamba_cu ./test_mamba_cu ${FIXTURES[@]+"${FIXTURES[@]}"}
    if [ -x ./test_mamba_cu_fp32 ]; then run_suite test_mamba_cu_fp32 ./test_mamba_cu_fp32 ${FIXTURES[@]+"${FIXTURES[@]}"}
    else echo "SKIP test_mamba_cu_fp32: not built (not counted as passed)"; fi
    run_suite test_cli_cu env BIN=./train_mamba_cu bash test/test_cli.sh
    run_suite test_durability_cu env BIN=./train_mamba_cu bash test/test_durability.sh
    run_suite no_nccl_cu bash test/test_no_nccl.sh
    run_suite dev_cuda_kernels bash dev/cuda/run_checks.sh
    if command -v compute-sanitizer >/dev/null 2>&1; then
        # training, sampling and a stream evaluation (-es, carried state, a short last chunk) of a 300-byte shard
        head -c 3000 dev/data/tinyshakespeare.txt > "$FX/small.txt"
        # (its warnings, for splits smaller than a batch at the defaults, said only where it fails: these runs' -b x -t fit)
        ./dev/data/prepare_bytes "$FX/small.txt" "$FX/small_train.bin" "$FX/small_val.bin" > /dev/null 2> "$FX/small.err" ||
            cat "$FX/small.err"
        # and a multiple-choice evaluation (-mc, batches of other shapes) with each val evaluation
        printf '%s\n' '{"ctx": "First Citizen: Before we proceed any further, hear", "endings": ["me speak.", "the sea"], "label": 0}' \
            '{"ctx": "All:", "endings": ["Speak, speak.", "x"], "label": 0}' '{"ctx": "You are all resolved rather to die than to", "endings": ["famish?", "q"], "label": 0}' > "$FX/mc.jsonl"
        ./dev/data/tokenize -t bytes -c "$FX/mc.bin" "$FX/mc.jsonl" > /dev/null
        # at the default -r 1 and at -r 0 (scan checkpoints every 8 steps, read back by cp.async)
        for r in 1 0; do
            run_suite memcheck_r$r bash -c 'out=$(compute-sanitizer --tool memcheck --error-exitcode 9 ./train_mamba_cu -e d32:l2:v256 -b 2 -t 70 -x 2 -v 2 -m 1 -g 4 -r '$r' -es "'"$FX"'/small_val.bin" -mc "'"$FX"'/mc.bin" 2>&1); rc=$?; echo "$out" | tail -n 3; if [ $rc -eq 0 ] && echo "$out" | grep -q "^stream eval" && [ "$(echo "$out" | grep -c "^mc accuracy .* 3 examples")" = 2 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi'
        done
    else
        echo "SKIP memcheck: compute-sanitizer not found (not counted as passed)"
    fi
    rm -rf "$FX"
    # (MULTI_GPU_TESTS=0 leaves them out where they ran on their own: bash test/test_multi_gpu.sh)
    if [ "${MULTI_GPU_TESTS:-1}" = 0 ]; then echo "SKIP multi-GPU tests: MULTI_GPU_TESTS=0 (not counted as passed)"
    elif [ "$(nvidia-smi -L | wc -l)" -ge 2 ]; then run_suite multi_gpu bash test/test_multi_gpu.sh
    elif [ -x ./train_mamba_cu_shm ]; then
        # one GPU: the same suite, its ranks sharing the GPU through test/shm_nccl.c instead of NCCL
        run_suite multi_gpu_shm env MULTI_GPU_BIN=./train_mamba_cu_shm bash test/test_multi_gpu.sh
    else echo "SKIP multi-GPU tests: one GPU and no train_mamba_cu_shm (not counted as passed)"; fi
else
    echo "SKIP GPU tests: no GPU on this machine (not counted as passed)"
fi

echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
