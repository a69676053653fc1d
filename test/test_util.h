/*
The harness every test shares: PASS/FAIL bookkeeping and the summary line, temporary-directory
helpers, and a runner for child processes (a test re-executes itself to try inputs that must end
the process). Header-only; compiles as C and as C++ (nvcc).

A PASS line shows the check's name and, depending on TEST_PASS_STYLE (define it before including
this header; default TEST_PASS_NAME), its detail:
    TEST_PASS_NAME    "PASS name"
    TEST_PASS_COLON   "PASS name: detail"
    TEST_PASS_PARENS  "PASS name (detail)"
A FAIL line is always "FAIL name: detail".
*/
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_PASS_NAME 0
#define TEST_PASS_COLON 1
#define TEST_PASS_PARENS 2
#ifndef TEST_PASS_STYLE
#define TEST_PASS_STYLE TEST_PASS_NAME
#endif

static int num_passed = 0;
static int num_failed = 0;

// one PASS or FAIL line for a check; fmt and its arguments are the detail
static inline void check(int ok, const char *name, const char *fmt, ...) {
    if (ok) { num_passed++; } else { num_failed++; }
    if (ok && TEST_PASS_STYLE == TEST_PASS_NAME) {
        printf("PASS %s\n", name);
        return;
    }
    if (ok) { printf(TEST_PASS_STYLE == TEST_PASS_PARENS ? "PASS %s (" : "PASS %s: ", name); }
    else { printf("FAIL %s: ", name); }
    va_list args;
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    printf(ok && TEST_PASS_STYLE == TEST_PASS_PARENS ? ")\n" : "\n");
}

// prints "N passed, M failed"; returns the exit code: 0 iff nothing failed
static inline int test_summary(void) {
    printf("%d passed, %d failed\n", num_passed, num_failed);
    return num_failed == 0 ? 0 : 1;
}

// the harness's own errors: one "error:" line on stderr, exit 1
static inline void test_fatal(const char *what, const char *detail) {
    fprintf(stderr, "error: test: %s: %s\n", what, detail);
    exit(1);
}

// stdout goes to a temporary file from stdout_capture_begin() to stdout_capture_end(), which puts it back
// and returns what was printed: at most cap - 1 bytes into buf, NUL-terminated
typedef struct { int saved; FILE *tmp; } StdoutCapture;
static inline StdoutCapture stdout_capture_begin(void) {
    fflush(stdout);
    StdoutCapture c = {dup(STDOUT_FILENO), tmpfile()};
    if (c.saved < 0 || c.tmp == NULL) { test_fatal("cannot capture stdout", strerror(errno)); }
    dup2(fileno(c.tmp), STDOUT_FILENO);
    return c;
}
static inline size_t stdout_capture_end(StdoutCapture c, char *buf, size_t cap) {
    fflush(stdout);
    dup2(c.saved, STDOUT_FILENO);
    close(c.saved);
    rewind(c.tmp);
    size_t n = fread(buf, 1, cap - 1, c.tmp);
    fclose(c.tmp);
    buf[n] = '\0';
    return n;
}

// the check on a child that had to fail (status and err from run_self): PASS iff it exited
// non-zero and its stderr is one "error: " line that names file and says message
static inline void check_rejected(const char *name, int status, const char *err, const char *file, const char *message) {
    int exited_nonzero = WIFEXITED(status) && WEXITSTATUS(status) != 0;
    int one_line = strchr(err, '\n') == NULL;
    // the message is looked for with the paths that name the file blanked out: a case directory named after
    // the error it provokes (offsets_overlap/...) must not supply the text itself (mutation testing found
    // ones that did). A path is the run of non-blank characters with a '/' that ends in the file's name.
    char rest[4096];
    snprintf(rest, sizeof(rest), "%s", err);
    size_t flen = strlen(file);
    for (char *at = flen > 0 ? strstr(rest, file) : NULL; at != NULL; at = strstr(at + flen, file)) {
        char *start = at;
        while (start > rest && start[-1] != ' ') { start--; }
        if (memchr(start, '/', (size_t)(at - start) + flen) != NULL) { memset(start, ' ', (size_t)(at - start) + flen); }
    }
    check(exited_nonzero && strncmp(err, "error: ", 7) == 0 && one_line && strstr(err, file) != NULL &&
              strstr(rest, message) != NULL,
          name, "status %d, stderr \"%s\" (expected one \"error:\" line naming %s and saying \"%s\")", status, err, file,
          message);
}

// "dir/name" into buf (1024 bytes)
static inline const char *join(char *buf, const char *dir, const char *name) {
    if (snprintf(buf, 1024, "%s/%s", dir, name) >= 1024) { test_fatal("path too long", dir); }
    return buf;
}

// removes dir and everything below it
static inline void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (d == NULL) { return; }
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) { continue; }
        join(path, dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) { remove_dir(path); } else { remove(path); }
    }
    closedir(d);
    rmdir(dir);
}

/*
Runs child(arg) in a forked process (which exits 0 if child returns) and waits for it. Its stdout goes
to /dev/null; its stderr is captured into err (cap bytes, NUL-terminated, less one trailing newline; the
rest is read and dropped, so the child never blocks on a full pipe). Returns the wait status.
run_self: the same for this executable run again (/proc/self/exe) with argv (argv[0] first,
NULL-terminated), which the ASan builds need to tell a refusal's child by its argv.
*/
static inline int run_child(void (*child)(const void *), const void *arg, char *err, size_t cap) {
    int pipefd[2];
    if (pipe(pipefd) != 0) { test_fatal("pipe failed", strerror(errno)); }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) { test_fatal("fork failed", strerror(errno)); }
    if (pid == 0) {
        dup2(pipefd[1], STDERR_FILENO);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) { dup2(devnull, STDOUT_FILENO); }
        close(pipefd[0]);
        close(pipefd[1]);
        child(arg);
        _exit(0);
    }
    close(pipefd[1]);
    size_t len = 0;
    ssize_t got;
    char chunk[4096];
    while ((got = read(pipefd[0], chunk, sizeof(chunk))) > 0) {
        size_t take = (size_t)got < cap - 1 - len ? (size_t)got : cap - 1 - len;
        memcpy(err + len, chunk, take);
        len += take;
    }
    err[len] = '\0';
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (len > 0 && err[len - 1] == '\n') { err[len - 1] = '\0'; }
    return status;
}

static inline void run_self_exec_(const void *argv) {
    execv("/proc/self/exe", (char *const *)argv);
    fprintf(stderr, "exec of /proc/self/exe failed: %s\n", strerror(errno));
    _exit(127);
}
static inline int run_self(const char *const argv[], char *err, size_t cap) { return run_child(run_self_exec_, argv, err, cap); }

#endif // TEST_UTIL_H
