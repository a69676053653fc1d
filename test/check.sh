# Shared by the shell test suites (source it): one PASS/FAIL line per check, counted, and a summary
# line "N passed, M failed" from finish_checks (its exit status is the suites' result).
# C numbers and messages whatever the user's locale (the checks compare the tools' numbers and messages: mawk under
# LANG=de_DE read 1.5 as 1, and mkdir's "Not a directory" comes translated); characters stay the user's (UTF-8); the
# checks of other locales set their own
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/c_numbers.sh"
export LC_MESSAGES=C
pass=0
fail=0
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/main_shell.sh" # in_main_shell: the suites' EXIT traps remove $TMP in their own shell alone
ok() { echo "PASS $1"; pass=$((pass + 1)); }
# FAIL_FAST=1 (mutation testing, dev/mutation/run_mutants.py): the first failure ends the suite, so a
# killed mutant costs its checks up to there (a failure inside a subshell ends only that subshell)
bad() {
    echo "FAIL $1: $2"
    fail=$((fail + 1))
    if [ "${FAIL_FAST:-0}" = 1 ]; then echo "$pass passed, $fail failed (FAIL_FAST: stopped at the first failure)"; exit 1; fi
}

# pid_alive <pid>: the process exists and is no zombie (a killed orphan waits as one for PID 1 to reap it, which in
# some containers takes a while, and kill -0 still finds it)
pid_alive() { kill -0 "$1" 2>/dev/null && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }

# all_samples <output...>: the text of every sample the trainer printed (one sequence each), in order, each ended by a
# line "#"; a sample that a stop signal cut short ("sampling stopped by a signal ...") is left out
all_samples() { awk '/^generating:$/ { if (p != "") printf "%s#\n", p; p = ""; n = 0; g = 1; next }
                     g && /^---$/ { if (++n == 2) g = 0; next } g && n == 1 { p = p $0 "\n"; next }
                     /^sampling stopped by a signal/ { p = "" } END { if (p != "") printf "%s#\n", p }' "$@"; }

# expect_error_cmd <name> <substring of the error> <command...>: the command exits non-zero and
# writes exactly one "error:" line to stderr, which contains the substring (a regular expression)
expect_error_cmd() {
    local name="$1" want="$2"; shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -eq 0 ]; then bad "$name" "exit code 0"; return; fi
    if ! echo "$err" | grep -q "^error: .*$want"; then bad "$name" "stderr was: $err"; return; fi
    if [ "$(echo "$err" | grep -c '^error:')" -ne 1 ]; then bad "$name" "more than one error line"; return; fi
    ok "$name"
}

# expect_one_error_cmd <name> <error> <note> <command...>: the command exits non-zero, and its output, stdout and
# stderr together (a run script shows its trainer's output), holds exactly one "error:" line, which contains <error>
# (a regular expression), and, unless <note> is empty, a "note:" line after it that contains <note>
expect_one_error_cmd() {
    local name="$1" want="$2" note="$3"; shift 3
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ]; then bad "$name" "exit code 0"; return; fi
    if [ "$(echo "$out" | grep -c '^error:')" -ne 1 ]; then bad "$name" "$(echo "$out" | grep -c '^error:') error lines: $(echo "$out" | grep '^error:' | tr '\n' ' ')"; return; fi
    if ! echo "$out" | grep -q "^error: .*$want"; then bad "$name" "the error line: $(echo "$out" | grep '^error:')"; return; fi
    if [ -n "$note" ] && ! echo "$out" | sed -n '/^error:/,$p' | grep -q "^note: .*$note"; then bad "$name" "no note after it: $(echo "$out" | tail -n 2)"; return; fi
    ok "$name"
}

# wait_until <n> <command...>: runs the command every 0.05 s until it succeeds, at most n times; on a
# timeout returns 1 and sets NOT_READY to a phrase for the failure message that follows (a slow start
# then reads as such, not as the signal test's own failure)
wait_until() {
    local n="$1"; shift
    NOT_READY=""
    for _ in $(seq 1 "$n"); do "$@" 2>/dev/null && return 0; sleep 0.05; done
    NOT_READY="(not ready after $((n / 20)) s, signalled anyway) "
    return 1
}

finish_checks() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
