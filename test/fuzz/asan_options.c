/*
Linked into the *_asan test programs (`make test-asan`). test_dataloader, test_hf and test_bpe
re-execute themselves (--expect-fail / --fuzz) to check that a bad file ends the process through
fatalf with a one-line error; such a child leaves its allocations behind on purpose, and a
LeakSanitizer report would make its stderr more than that one line. So leak checking stays on
(the default) for every program and is turned off only in those children, picked by their argv.
This runs inside the sanitizer's start-up, before it can serve instrumented code or intercepted
libc calls: not instrumented, raw syscalls, no string functions.
*/
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NO_SANITIZE __attribute__((no_sanitize("address", "undefined")))

NO_SANITIZE static int same(const char *a, const char *b) {
    while (*a != '\0' && *a == *b) { a++; b++; }
    return *a == *b;
}

const char *__asan_default_options(void);

NO_SANITIZE const char *__asan_default_options(void) {
    static char cmdline[4096];
    long fd = syscall(SYS_open, "/proc/self/cmdline", O_RDONLY);
    if (fd < 0) { return ""; }
    long n = syscall(SYS_read, fd, cmdline, sizeof(cmdline) - 1);
    syscall(SYS_close, fd);
    if (n <= 0) { return ""; }
    cmdline[n] = '\0';
    for (long i = 0; i < n;) {  // NUL-separated arguments
        if (same(cmdline + i, "--expect-fail") || same(cmdline + i, "--fuzz")) { return "detect_leaks=0"; }
        while (i < n && cmdline[i] != '\0') { i++; }
        i++;
    }
    return "";
}
