# in_main_shell: this is the script's own shell, not a child of it. An EXIT trap that removes or kills something
# starts with it: trap 'in_main_shell 2>/dev/null && rm -rf "$W"' EXIT (sourced by scripts/script_lib.sh and
# test/check.sh). A child that bash has just forked (a background job, a subshell, a command substitution) holds the
# parent's traps until it resets them, and SIGTERM or SIGHUP (or SIGINT where INT is not trapped) in that moment runs
# the EXIT trap in the child (bash 5.2: `trap 'rm -rf $T' EXIT; sleep 60 & kill $!` does so most times). That took
# test_cli.sh's $TMP away mid-suite, under load, when a background guard was killed as soon as the run it guarded had
# ended, and bench.sh's work directory, in the clock sampler it kills after a workload that failed at once.
# $BASHPID can still read the parent's pid in that moment; /proc/self is the process itself (no /proc: true, as
# before). (bash 5.2.15 also fails the call itself in that child, even of `f() { return 0; }`, with a "wait_for: No
# record of process" line on stderr, hence the 2>/dev/null; the pid test is what holds where that differs)
in_main_shell() { local me _; read -r me _ 2>/dev/null < /proc/self/stat || return 0; [ "$me" = "$$" ]; }
