#!/usr/bin/env bash
# Runs every test program and sums their "N passed, M failed" lines into one.
# A program that dies without printing its summary counts as one failure.
# GPU tests run only where a GPU is present; elsewhere they are reported as skipped, never passed.
set -u
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0

run_suite() {
    local name="$1"; shift
    echo "=== $name: $*"
    local out
    out=$("$@" 2>&1)
    local rc=$?
    echo "$out"
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
run_suite test_cli bash test/test_cli.sh

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && [ -x ./test_mamba_cu ]; then
    run_suite test_mamba_cu ./test_mamba_cu
else
    echo "SKIP GPU tests: no GPU on this machine (not counted as passed)"
fi

echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
