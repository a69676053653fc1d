/*
An LD_PRELOAD library for test/test_durability.sh: it records, in the order a program makes them, the
calls that decide whether a file survives a crash (fsync / fdatasync, rename, remove / unlink), one line
each, to the file named by WRITE_TRACE. Paths are absolute and resolved (symlinks followed in the
directory part), so the test can match a synced descriptor against a later rename and a directory
sync against the renames in that directory.

    fsync <path of the descriptor> <size>   (also fdatasync; a directory's path for a directory sync)
    rename <old path> <new path> <size>
    unlink <path>                           (remove and unlink)

<size> is a regular file's size in bytes at the sync and just before the rename (-1 for anything else):
bytes written after the file's last sync, such as a stdio buffer flushed only at fclose after an
fsync that came before fflush, make the two differ, which the rename rule reports. (A write that
does not change the size is not seen.)

The calls themselves are passed on unchanged; only successful ones are recorded. WRITE_TRACE_RAISE="<signal> <name>"
raises that signal just after a file of that name is removed (test_durability.sh: a stop inside an export's switch).
*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// one line appended to the trace (O_APPEND, one write: lines of several threads never interleave)
static void trace_line(const char *kind, const char *a, const char *b) {
    const char *log = getenv("WRITE_TRACE");
    if (log == NULL) { return; }
    char line[3 * PATH_MAX];
    int n = b ? snprintf(line, sizeof(line), "%s %s %s\n", kind, a, b) : snprintf(line, sizeof(line), "%s %s\n", kind, a);
    if (n <= 0 || n >= (int)sizeof(line)) { return; }
    int saved = errno;
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) { (void)!write(fd, line, (size_t)n); close(fd); }
    errno = saved;
}

// path's directory resolved, its last component kept (the file itself may not exist yet, or any more)
static void resolve(const char *path, char out[PATH_MAX]) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    const char *base = path;
    if (slash == NULL) { strcpy(dir, "."); }
    else { base = path + (slash - dir) + 1; if (slash == dir) { dir[1] = '\0'; } else { *slash = '\0'; } }
    char real[PATH_MAX];
    if (realpath(dir, real) == NULL) { snprintf(out, PATH_MAX, "%s", path); return; }
    if (snprintf(out, PATH_MAX, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base) >= PATH_MAX) { snprintf(out, PATH_MAX, "%s", path); }
}

// a regular file's size as text, "-1" for anything else (a directory, a file that cannot be stat'ed)
static void size_text(const struct stat *st, int ok, char out[32]) {
    snprintf(out, 32, "%lld", ok && S_ISREG(st->st_mode) ? (long long)st->st_size : -1LL);
}

static void trace_fd(const char *kind, int fd) {
    char link[64], path[PATH_MAX], size[32];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof(path) - 1);
    if (n <= 0) { return; }
    path[n] = '\0';
    struct stat st;
    int saved = errno;
    size_text(&st, fstat(fd, &st) == 0, size);
    errno = saved;
    trace_line(kind, path, size);
}

#define REAL(ret, name, ...) \
    static ret (*real_fn)(__VA_ARGS__) = NULL; \
    if (real_fn == NULL) { real_fn = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name); }

int fsync(int fd) {
    REAL(int, "fsync", int)
    int rc = real_fn(fd);
    if (rc == 0) { trace_fd("fsync", fd); }
    return rc;
}

int fdatasync(int fd) {
    REAL(int, "fdatasync", int)
    int rc = real_fn(fd);
    if (rc == 0) { trace_fd("fsync", fd); }
    return rc;
}

int rename(const char *from, const char *to) {
    REAL(int, "rename", const char *, const char *)
    char a[PATH_MAX], b[PATH_MAX], size[32], ab[2 * PATH_MAX + 34];
    resolve(from, a);
    resolve(to, b);
    struct stat st;
    int saved = errno;
    size_text(&st, lstat(from, &st) == 0, size);
    errno = saved;
    int rc = real_fn(from, to);
    if (rc == 0) {
        snprintf(ab, sizeof(ab), "%s %s", b, size);
        trace_line("rename", a, ab);
    }
    return rc;
}

// a removal by real_fn, recorded as "unlink" (path resolved before the file goes); WRITE_TRACE_RAISE="<signal> <name>"
// raises that signal just after the removal of a file of that name (a stop that lands inside an export's switch)
static int traced_removal(int (*real_fn)(const char *), const char *path) {
    char a[PATH_MAX];
    resolve(path, a);
    int rc = real_fn(path);
    if (rc == 0) { trace_line("unlink", a, NULL); }
    const char *r = getenv("WRITE_TRACE_RAISE"), *name = r != NULL ? strchr(r, ' ') : NULL, *slash = strrchr(path, '/');
    if (rc == 0 && name != NULL && strcmp(slash != NULL ? slash + 1 : path, name + 1) == 0) { raise(atoi(r)); }
    return rc;
}

int remove(const char *path) {
    REAL(int, "remove", const char *)
    return traced_removal(real_fn, path);
}

int unlink(const char *path) {
    REAL(int, "unlink", const char *)
    return traced_removal(real_fn, path);
}
