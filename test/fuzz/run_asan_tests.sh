#!/usr/bin/env bash
# `make test-asan`: the CPU test programs, a 3-step training run, the CLI and tokenizer-tool suites, built with
# -fsanitize=address,undefined (the *_asan binaries). Any sanitizer report fails the program
# (UBSan halts on the first error; LeakSanitizer checks at exit). Ends with "N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# detect_leaks is on by default; it is not set here so that test/fuzz/asan_options.c can turn it
# off in the re-executed children that end through fatalf on purpose (an environment setting wins)
export ASAN_OPTIONS=strict_string_checks=1:detect_stack_use_after_return=1
export LSAN_OPTIONS=suppressions=$PWD/test/fuzz/lsan.supp:print_suppressions=0
total_pass=0
total_fail=0

# the program's own "N passed, M failed" is added; one without it (a training run) counts as one
# test; a sanitizer report or a non-zero exit is a failure either way
run_suite() {
    local name="$1"; shift
    echo "=== $name: $*"
    local out rc start=$SECONDS
    out=$("$@" 2>&1)
    rc=$?
    echo "$out" | tail -n 5
    # (and every failed check's own line, which the tail may not hold: a CI log must say which check failed)
    echo "$out" | head -n -5 | grep -aE '^FAIL ' | cut -c1-600
    local p=0 f=0
    local summary
    summary=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -n "$summary" ]; then
        p=$(echo "$summary" | awk '{print $1}')
        f=$(echo "$summary" | awk '{print $3}')
    elif [ "$rc" -eq 0 ]; then
        p=1
    fi
    if echo "$out" | grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:'; then
        echo "FAIL $name: sanitizer report:"
        echo "$out" | grep -E -A 12 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' | head -n 30
        f=$((f + 1))
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name: exit code $rc"
        f=1
    fi
    echo "--- $name: $((SECONDS - start)) s"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}

run_suite test_mamba_asan ./test_mamba_asan
run_suite test_gradcheck_asan ./test_gradcheck_asan
run_suite test_dataloader_asan ./test_dataloader_asan
run_suite test_io_asan ./test_io_asan
run_suite test_hf_asan ./test_hf_asan
run_suite test_bpe_asan ./test_bpe_asan
run_suite test_shm_coll_asan ./test_shm_coll_asan
run_suite test_shm_nccl_asan ./test_shm_nccl_asan
run_suite train_mamba_asan ./train_mamba_asan -e d32:l2:v256 -b 2 -t 32 -x 3 -v 3 -m 1 -g 8 \
    -i 'dev/data/tinyshakespeare/tiny_shakespeare_train.bin' -j 'dev/data/tinyshakespeare/tiny_shakespeare_val.bin'
# ... and one with the flag values parse_options allocates, each flag given twice: -o and -hf with trailing slashes
# (their copies without them), -gf's prompt; options_free frees them (LeakSanitizer reported -o out///'s copy)
owned=$(mktemp -d)
printf 'ab' > "$owned/prompt.txt"
run_suite train_mamba_asan_owned_options ./train_mamba_asan -e d32:l2:v256 -b 2 -t 32 -x 2 -v 2 -m 1 -g 4 -n 1 \
    -i 'dev/data/tinyshakespeare/tiny_shakespeare_train.bin' -j 'dev/data/tinyshakespeare/tiny_shakespeare_val.bin' \
    -o "$owned/first/" -o "$owned/out///" -hf "$owned/hf_first//" -hf "$owned/hf//" -gf "$owned/prompt.txt" -gf "$owned/prompt.txt"
rm -rf "$owned"

# the CLI suite (test/test_cli.sh) against the ASan trainer. Its bad-input checks end in fatalf on
# purpose, leaving allocations behind, so leak checking is off here (the 3-step run above checks
# leaks); a memory or UB error anywhere, also in a run whose failure the suite expects, writes a
# report file under $logs, and any such file fails the suite
logs=$(mktemp -d)
run_suite test_cli_asan env ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0:log_path=$logs/asan" \
    UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$logs/ubsan" BIN=./train_mamba_asan bash test/test_cli.sh
# the tokenizer tool's suite (test/test_tokenize.sh) with the sanitized tool and trainer, the same way
run_suite test_tokenize_asan env ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0:log_path=$logs/asan" \
    UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$logs/ubsan" TOK=./dev/data/tokenize_asan TRAIN=./train_mamba_asan bash test/test_tokenize.sh
if compgen -G "$logs/*" > /dev/null; then
    echo "FAIL test_cli_asan / test_tokenize_asan: sanitizer reports:"
    head -n 30 "$logs"/*
    total_fail=$((total_fail + 1))
fi
rm -rf "$logs"

echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
