/*
Checked wrappers for the C standard library: on failure they print one line naming the
source file and line, what was asked and what happened, then exit(EXIT_FAILURE).
Shared by train_mamba.c, train_mamba.cu, dataloader.h, tokenizer.h and the tests.
*/
#ifndef UTILS_H
#define UTILS_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// Every file format here is little-endian (doc/formats.md), and the readers and writers copy host memory: a
// big-endian build would read and write other bytes than the formats say, so there is none.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "mamba.c's file formats are little-endian and its readers and writers copy host memory: build on a little-endian host"
#endif

#ifdef FATAL_LONGJMP
// fuzz harnesses (test/fuzz/): fatalf jumps back to the harness's setjmp instead of exiting,
// since libFuzzer counts exit() as a crash; what the loader had open or allocated is left behind
#include <setjmp.h>
static jmp_buf fatal_jmp_buf;
#endif

// while not NULL, added to the end of a fatalf line: what to do about any error of a step whose caller knows more
// than the reader that fails (a corrupt checkpoint while resuming: which one to resume from instead)
static const char *fatal_note = NULL;

// 1 once fatalf has printed its line: check_stdout_at_exit then adds none of its own
static int fatal_reported = 0;

// while not NULL, called by fatalf after its line, before the exit (once: cleared first, so that an error inside it
// ends the process as any other): the GPU trainer's rank 0 tells the other ranks that a check of its own failed
// (train_mamba.cu, rank0_alone)
static void (*fatal_hook)(void) = NULL;

// the "s" of a count's noun: "1 byte", "0 bytes", "2 bytes"
static inline const char *plural_s(long long n) { return n == 1 ? "" : "s"; }

// one-line fatal error: "error: <message>" then exit 1
static inline void fatalf(const char *fmt, ...) {
    fatal_reported = 1;
    // the line goes out in one write: the processes of a run share one stderr, and a line written in pieces (stderr is
    // unbuffered: a write per fprintf) was cut by another process's output, so that neither line read whole. Only a
    // line past the buffer goes in pieces.
    char line[8192];
    va_list args;
    va_start(args, fmt);
    int n = snprintf(line, sizeof(line), "error: ");
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, args);
    va_end(args);
    if (m >= 0) { n += m; }
    if (fatal_note != NULL && m >= 0 && (size_t)n < sizeof(line)) { n += snprintf(line + n, sizeof(line) - (size_t)n, "; %s", fatal_note); }
    if (m >= 0 && (size_t)n + 1 < sizeof(line)) {
        line[n++] = '\n';
        fwrite(line, 1, (size_t)n, stderr);
    } else { // (too long for the buffer, or unprintable: the old way, in pieces)
        va_start(args, fmt);
        fprintf(stderr, "error: ");
        vfprintf(stderr, fmt, args);
        va_end(args);
        if (fatal_note != NULL) { fprintf(stderr, "; %s", fatal_note); }
        fprintf(stderr, "\n");
    }
#ifdef FATAL_LONGJMP
    longjmp(fatal_jmp_buf, 1);
#endif
    if (fatal_hook != NULL) {
        void (*hook)(void) = fatal_hook;
        fatal_hook = NULL;
        hook();
    }
    exit(EXIT_FAILURE);
}

// the data tools' stop signals (Ctrl-C, SIGTERM, SIGHUP) to handler, which removes their staged files and dies of the
// signal; one ignored when the tool started (as nohup does with SIGHUP) stays ignored
static inline void catch_stop_signals(void (*handler)(int)) {
    const int stop_signals[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int k = 0; k < 3; k++) {
        struct sigaction sa, was;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = handler;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(stop_signals[k], NULL, &was) == 0 && was.sa_handler != SIG_IGN) { sigaction(stop_signals[k], &sa, NULL); }
    }
}

// file descriptors 0, 1 and 2 open (on /dev/null) where the caller closed them (`>&-`, `2>&-`, a daemon's launcher):
// else the first file opened takes a closed one's number, and printf or an error line goes into it: a run with its
// stdout closed wrote its step lines into <-o>/.lock and then failed with "the standard output could not be written",
// and with stderr closed its error line went there too. Called first thing in each program's main
static inline void keep_std_fds_open(void) {
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (nfd >= 0 && nfd != fd) { (void)dup2(nfd, fd); close(nfd); } // (nfd is fd: the lowest free number)
        }
    }
}

// At exit (atexit, registered first so it runs last): stdout that could not be written (a full disk, /dev/full) is an
// error, so that a run's val loss or samples, or a tool's summary, are not lost with exit status 0. A pipe or socket
// whose reader left (`| head`) is not: the trainer ignores SIGPIPE for that case on purpose. After a fatalf its one
// line is the error, and nothing is added to it (tokenize -d's failed write to stdout is one). Nor is a terminal that
// closed (the trainers' SIGHUP stop writes on into it): its hung-up tty fails every write and isatty alike with EIO,
// where a device that is no terminal fails isatty with ENOTTY (it was this error, and exit 1 after the checkpoint).
static inline void check_stdout_at_exit(void) {
    struct stat st; // only files and devices such as /dev/full: not pipes, sockets or terminals whose reader left
    if (!fatal_reported && (fflush(stdout) != 0 || ferror(stdout)) && fstat(STDOUT_FILENO, &st) == 0 &&
        (S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && !isatty(STDOUT_FILENO) && errno != EIO))) {
        fprintf(stderr, "error: the standard output could not be written (disk full?): what it printed is incomplete\n");
        _exit(1);
    }
}

// a file to be read must be a regular file: a directory opens on Linux and every read then fails
// oddly, and opening a FIFO blocks until some writer comes (checked before the open, by name)
static inline void require_regular_file(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) { return; } // (a missing file: the open that follows says so)
    if (S_ISDIR(st.st_mode)) { fatalf("'%s' is a directory, expected a file", path); }
    if (!S_ISREG(st.st_mode)) { fatalf("'%s' is not a regular file (a FIFO, device or socket), expected a file", path); }
}

static inline FILE *fopen_check(const char *path, const char *mode, const char *file, int line) {
    if (mode[0] == 'r') { require_regular_file(path); }
    FILE *fp = fopen(path, mode);
    if (fp == NULL) {
        // a missing or unreadable file is the user's to fix: the path and the reason, not where in our code it was opened
        (void)file;
        (void)line;
        fatalf("cannot %s '%s': %s", mode[0] == 'r' ? "open" : mode[0] == 'w' ? "create" : "write to", path, strerror(errno));
    }
    struct stat st; // (again on the open file: the name may have changed since)
    if (mode[0] == 'r' && fstat(fileno(fp), &st) == 0 && !S_ISREG(st.st_mode)) {
        fatalf("'%s' is not a regular file [%s:%d]", path, file, line);
    }
    return fp;
}
#define fopenCheck(path, mode) fopen_check(path, mode, __FILE__, __LINE__)

// fread that treats a short read as a truncated file
static inline void fread_check(void *ptr, size_t size, size_t nmemb, FILE *stream, const char *what,
                               const char *file, int line) {
    size_t got = fread(ptr, size, nmemb, stream);
    if (got != nmemb) {
        fatalf("%s: truncated file, expected %zu item%s of %zu byte%s, read %zu [%s:%d]",
               what, nmemb, plural_s((long long)nmemb), size, plural_s((long long)size), got, file, line);
    }
}
#define freadCheck(ptr, size, nmemb, stream) fread_check(ptr, size, nmemb, stream, "read", __FILE__, __LINE__)

static inline void fwrite_check(const void *ptr, size_t size, size_t nmemb, FILE *stream,
                                const char *file, int line) {
    size_t put = fwrite(ptr, size, nmemb, stream);
    if (put != nmemb) {
        fatalf("write failed (%zu of %zu items written): %s [%s:%d]", put, nmemb, strerror(errno), file, line);
    }
}
#define fwriteCheck(ptr, size, nmemb, stream) fwrite_check(ptr, size, nmemb, stream, __FILE__, __LINE__)

static inline void fclose_check(FILE *fp, const char *file, int line) {
    if (fclose(fp) != 0) {
        fatalf("fclose failed: %s [%s:%d]", strerror(errno), file, line);
    }
}
#define fcloseCheck(fp) fclose_check(fp, __FILE__, __LINE__)

static inline void fseek_check(FILE *fp, long off, int whence, const char *file, int line) {
    if (fseek(fp, off, whence) != 0) {
        fatalf("fseek to %ld failed: %s [%s:%d]", off, strerror(errno), file, line);
    }
}
#define fseekCheck(fp, off, whence) fseek_check(fp, off, whence, __FILE__, __LINE__)

static inline void *malloc_check(size_t size, const char *file, int line) {
    void *ptr = malloc(size);
    if (ptr == NULL && size > 0) {
        fatalf("out of memory allocating %zu bytes [%s:%d]", size, file, line);
    }
    return ptr;
}
#define mallocCheck(size) malloc_check(size, __FILE__, __LINE__)

static inline void *calloc_check(size_t n, size_t size, const char *file, int line) {
    void *ptr = calloc(n, size);
    if (ptr == NULL && n > 0 && size > 0) {
        fatalf("out of memory allocating %zu x %zu bytes [%s:%d]", n, size, file, line);
    }
    return ptr;
}
#define callocCheck(n, size) calloc_check(n, size, __FILE__, __LINE__)

// the same for the trainers' large buffers, whose error says what they hold and what makes them smaller
static inline void *calloc_for(size_t n, size_t size, const char *what, const char *remedy, const char *file, int line) {
    void *ptr = calloc(n, size);
    if (ptr == NULL && n > 0 && size > 0) {
        fatalf("out of memory: %s need %.2f GiB (%zu x %zu bytes); %s [%s:%d]", what, (double)n * (double)size / (1 << 30), n,
               size, remedy, file, line);
    }
    return ptr;
}
#define callocFor(n, size, what, remedy) calloc_for(n, size, what, remedy, __FILE__, __LINE__)

// a command-line flag's value, strictly: the whole string, in range, or a one-line error
static inline int parse_int(const char *flag, const char *s) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || isspace((unsigned char)*s) || *end != '\0' || errno != 0 || v < -2147483647L || v > 2147483647L) {
        fatalf("flag %s: expected an integer, got '%s'", flag, s);
    }
    return (int)v;
}

static inline float parse_float(const char *flag, const char *s) {
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    // (strtof also reads hexadecimal, "0x10" = 16, which no integer flag takes: refused as they refuse it)
    if (*s == '\0' || isspace((unsigned char)*s) || *end != '\0' || isnan(v) || strpbrk(s, "xX") != NULL) {
        fatalf("flag %s: expected a number, got '%s'", flag, s);
    }
    if (errno == ERANGE || !isfinite(v)) { // strtof: ERANGE on overflow and on underflow (denormal results)
        fatalf("flag %s: '%s' is outside a float's range (0, or magnitudes from 1.2e-38 to 3.4e38)", flag, s);
    }
    return v;
}

// a float as the shortest decimal (%g, 6 to 9 digits) that reads back as it: an error message's "got" value (plain
// %g printed 1.0000001, which a range up to 1 refuses, as "got 1")
static inline const char *float_repr(float v, char *buf, size_t n) {
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(buf, n, "%.*g", digits, v);
        if (strtof(buf, NULL) == v) { break; }
    }
    return buf;
}

// size of an open file in bytes
static inline long file_size(FILE *fp) {
    long here = ftell(fp);
    fseekCheck(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseekCheck(fp, here, SEEK_SET);
    return size;
}

// whether a file's first KiB holds no control byte but white space (\t \n \v \f \r), as text, where a binary header (a
// shard's, an eval file's) has mostly zeros and each of the project's magics starts with one (03 29 35 01 for a model
// file): the errors for a text file given in place of one say how to make one from it. (Zero alone was looked for: a
// model file cut to its first 5 bytes, or a PNG, was said to look like text.)
static inline int starts_as_text(FILE *fp) {
    unsigned char head[1024];
    fseekCheck(fp, 0, SEEK_SET);
    size_t n = fread(head, 1, sizeof(head), fp);
    for (size_t i = 0; i < n; i++) {
        if ((head[i] < 0x20 && (head[i] < '\t' || head[i] > '\r')) || head[i] == 0x7f) { return 0; }
    }
    return n > 0;
}

// the rest of fp read to its end, not to the size the file reports (files of /proc and /sys report 0 bytes and have
// text): a malloc'd buffer with a NUL after its *len bytes, or NULL when it holds more than limit bytes (the caller
// says why that is too many). what names the file in the errors
static inline char *read_to_end(FILE *fp, const char *what, size_t limit, size_t *len) {
    size_t n = 0, cap = 4096;
    char *buf = (char *)mallocCheck(cap + 1);
    for (size_t got; (got = fread(buf + n, 1, cap - n, fp)) > 0;) {
        n += got;
        if (n > limit) { free(buf); return NULL; }
        if (n == cap) {
            cap *= 2;
            char *grown = (char *)realloc(buf, cap + 1);
            if (grown == NULL) { fatalf("%s: out of memory reading %zu bytes", what, n); }
            buf = grown;
        }
    }
    if (ferror(fp)) { fatalf("%s: read failed: %s", what, strerror(errno)); }
    buf[n] = '\0';
    *len = n;
    return buf;
}

// a path that stat cannot follow but lstat finds is a symbolic link to nothing (or a loop of links): mkdir says
// "File exists" of it, and a file made under it "No such file or directory". One line saying so instead, after
// "<flag> <dir>: " where flag is not empty
static inline void fatal_if_dangling_link(const char *flag, const char *dir, const char *path) {
    struct stat lst;
    if (lstat(path, &lst) != 0 || !S_ISLNK(lst.st_mode)) { return; }
    char target[1024];
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    target[n < 0 ? 0 : n] = '\0';
    char prefix[1100] = "";
    if (flag[0] != '\0') { snprintf(prefix, sizeof(prefix), "%s %s: ", flag, dir); }
    fatalf("%s'%s' is a symbolic link to '%s', which does not exist (or loops): create that directory, or give another "
           "path", prefix, path, target);
}

// start-up check for a directory written at the end of a run: the deepest part of the path that
// exists must be a directory one can create a directory in (nothing of the run's is created yet)
static inline void check_dir_creatable(const char *dir, const char *flag) {
    char path[1024];
    if (strlen(dir) >= sizeof(path)) { fatalf("%s: path too long: %s", flag, dir); }
    strcpy(path, dir);
    struct stat st;
    while (stat(path, &st) != 0) {
        fatal_if_dangling_link(flag, dir, path);
        char *slash = strrchr(path, '/');
        if (slash == NULL) { strcpy(path, "."); }
        else if (slash == path) { path[1] = '\0'; }
        else { *slash = '\0'; }
    }
    if (!S_ISDIR(st.st_mode)) { fatalf("%s %s: '%s' exists and is not a directory", flag, dir, path); }
    if (access(path, W_OK) != 0) { fatalf("%s %s: '%s' is not writable", flag, dir, path); }
    // access() answers from the permission bits, which root passes everywhere (/proc, a read-only bind mount): make a
    // directory there and take it away again, as the run will make its own
    char probe[1100];
    snprintf(probe, sizeof(probe), "%s/.mamba_probe_%ld", path, (long)getpid());
    if (mkdir(probe, 0700) != 0) { fatalf("%s %s: cannot create a directory in '%s': %s", flag, dir, path, strerror(errno)); }
    rmdir(probe);
}

// -i / -j / -es take glob patterns, in which * ? [ are special: a path holding one that names an existing file as it is
// spelled would, as a pattern, match nothing (a '[' of its directory) or other files too ("run[1]/" reads "run1/"),
// both silently but for a bare "no shard files match". An error instead, saying how to name the file itself.
// matches: what the glob matched (first: the first of them, or NULL)
static inline void check_glob_literal(const char *pattern, size_t matches, const char *first) {
    struct stat st;
    if (strpbrk(pattern, "*?[") == NULL || stat(pattern, &st) != 0) { return; }
    if (matches == 1 && strcmp(first, pattern) == 0) { return; } // it matches itself alone
    fatalf("'%s' names a file, but the shards are given as a glob pattern, in which * ? [ are special: as one it matches "
           "%zu file(s)%s%s%s; to read that file, put a backslash before each of them (e.g. \\[)", pattern, matches,
           matches > 0 ? ", the first '" : "", matches > 0 ? first : "", matches > 0 ? "'" : "");
}

// the end of a "no shard files match" error: a pattern that starts with ~ came quoted (the shell expands an unquoted
// one), and glob(3), as the shell inside quotes, takes ~ as a name ('~/data/*.bin' said only that nothing matched)
static inline const char *glob_tilde_hint(const char *pattern) {
    return pattern[0] == '~' ? " (a ~ inside quotes is not your home directory: write $HOME, or leave the ~ outside the quotes)" : "";
}

// create a directory and any missing parents (mkdir -p); report in created (if not NULL) the
// shallowest directory made ("" if the whole path existed), so that a run which fails later can
// take away what it made
static inline void make_dirs(const char *dir, char *created, size_t created_size) {
    char path[1024];
    if (dir[0] == '\0') { fatalf("cannot create a directory with an empty name"); }
    if (strlen(dir) >= sizeof(path)) { fatalf("path too long: %s", dir); }
    if (created != NULL && created_size > 0) { created[0] = '\0'; }
    strcpy(path, dir);
    for (char *p = path + 1; ; p++) {
        char c = *p;
        if (c != '/' && c != '\0') { continue; }
        *p = '\0';
        struct stat st;
        if (stat(path, &st) == 0) {
            if (!S_ISDIR(st.st_mode)) { fatalf("'%s' exists and is not a directory", path); }
        } else if (mkdir(path, 0755) == 0) {
            if (created != NULL && created[0] == '\0' && strlen(path) < created_size) { strcpy(created, path); }
        } else if (errno != EEXIST) {
            fatalf("cannot create directory '%s': %s", path, strerror(errno));
        } else {
            fatal_if_dangling_link("", "", path); // (stat failed, yet something is there: a link to nothing)
        }
        *p = c;
        if (c == '\0') { break; }
    }
}
static inline void make_dir_if_missing(const char *dir) { make_dirs(dir, NULL, 0); }

// undo make_dirs(dir, created), also one that failed midway: remove dir and its parents up to created,
// as long as they are empty (rmdir refuses the others, and so does this; the missing are passed over).
// For exit paths: it never fails.
static inline void remove_made_dirs(const char *dir, const char *created) {
    char path[1024];
    size_t stop = strlen(created);
    if (stop == 0 || strlen(dir) >= sizeof(path) || strncmp(dir, created, stop) != 0) { return; }
    strcpy(path, dir);
    struct stat st;
    while (strlen(path) >= stop && (rmdir(path) == 0 || stat(path, &st) != 0)) {
        char *slash = strrchr(path, '/');
        if (slash == NULL || slash == path) { break; }
        *slash = '\0';
    }
}

/*
Atomic file writes: write everything to "<path>.tmp", fflush + fsync, then rename over <path>.
A crash or a full disk mid-write leaves the previous <path> untouched and at worst a stale .tmp.
*/
typedef struct {
    FILE *fp;
    char final_path[1024];
    char tmp_path[1040];
} AtomicFile;

// a rename reaches the disk with its directory's entry: sync that too (best effort: some file systems
// refuse fsync on a directory, and the files' own data is synced either way)
static inline void fsync_dir(const char *dir) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) { (void)fsync(dfd); close(dfd); }
}

// the directory holding path synced (after renames or removals in it: test/test_durability.sh)
static inline void fsync_parent_dir(const char *path) {
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) { strcpy(dir, "."); } else if (slash == dir) { dir[1] = '\0'; } else { *slash = '\0'; }
    fsync_dir(dir);
}

// the end of an error line about a failed write: what became of the file it would have replaced
static inline const char *atomic_kept_note(const AtomicFile *af, char *buf, size_t size) {
    struct stat st;
    if (stat(af->final_path, &st) == 0) { snprintf(buf, size, "previous '%s' left intact", af->final_path); }
    else { snprintf(buf, size, "'%s' not written", af->final_path); }
    return buf;
}

static inline void atomic_open(AtomicFile *af, const char *path) {
    if (strlen(path) >= sizeof(af->final_path)) { fatalf("path too long: %s", path); }
    strcpy(af->final_path, path);
    snprintf(af->tmp_path, sizeof(af->tmp_path), "%s.tmp", af->final_path); // fits: final_path < 1024
    af->fp = fopenCheck(af->tmp_path, "wb");
}

// the written "<path>.tmp" flushed to the disk and closed, not yet renamed (a set of files can then be
// renamed together once every one of them was written); an error removes it and stops
static inline void atomic_close(AtomicFile *af) {
    char note[1100];
    if (fflush(af->fp) != 0 || fsync(fileno(af->fp)) != 0) {
        int err = errno;
        fclose(af->fp);
        remove(af->tmp_path);
        fatalf("cannot write '%s': %s (%s)", af->tmp_path, strerror(err), atomic_kept_note(af, note, sizeof(note)));
    }
    if (fclose(af->fp) != 0) {
        int err = errno;
        remove(af->tmp_path);
        fatalf("cannot close '%s': %s (%s)", af->tmp_path, strerror(err), atomic_kept_note(af, note, sizeof(note)));
    }
    af->fp = NULL;
}

// "<path>.tmp" renamed over <path>, and the rename synced with its directory
static inline void atomic_rename(AtomicFile *af) {
    if (rename(af->tmp_path, af->final_path) != 0) {
        int err = errno;
        remove(af->tmp_path);
        fatalf("cannot rename '%s' to '%s': %s", af->tmp_path, af->final_path, strerror(err));
    }
    fsync_parent_dir(af->final_path);
}

static inline void atomic_commit(AtomicFile *af) {
    atomic_close(af);
    atomic_rename(af);
}

// on a write error: remove the temp file, keep the previous file, and stop
static inline void atomic_fwrite(const void *ptr, size_t size, size_t nmemb, AtomicFile *af) {
    if (fwrite(ptr, size, nmemb, af->fp) != nmemb) {
        int err = errno;
        char note[1100];
        fclose(af->fp);
        remove(af->tmp_path);
        fatalf("write to '%s' failed: %s (%s)", af->tmp_path, strerror(err), atomic_kept_note(af, note, sizeof(note)));
    }
}

/*
CRC-32 (IEEE polynomial, reflected; zip's and PNG's), the checksum of the model and state files and
of the zip entries in a pytorch_model.bin. "Slicing by 8": table[0] is the usual one-byte table, and
table[k][b] is the CRC register after byte b followed by k zero bytes, so eight bytes are folded in
with eight independent lookups instead of eight dependent ones (about 5x the byte-at-a-time speed:
a checkpoint of 130m with its AdamW moments is 1.5 GB to check). The bytes are assembled in
little-endian order by hand, so the result does not depend on the host's byte order or alignment.
*/
static uint32_t crc32_table_[8][256];
// (filled before main runs, so that threads never race to fill it)
__attribute__((constructor)) static void crc32_init_(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) { c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1; }
        crc32_table_[0][i] = c;
    }
    for (int k = 1; k < 8; k++) {
        for (int i = 0; i < 256; i++) {
            uint32_t c = crc32_table_[k - 1][i];
            crc32_table_[k][i] = (c >> 8) ^ crc32_table_[0][c & 0xFF];
        }
    }
}

// the one-byte-at-a-time form: the definition, which test_io checks crc32_update against
static inline uint32_t crc32_bytewise(uint32_t crc, const void *data, size_t n) {
    const unsigned char *p = (const unsigned char *)data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) { crc = crc32_table_[0][(crc ^ p[i]) & 0xFF] ^ (crc >> 8); }
    return ~crc;
}

static inline uint32_t crc32_update(uint32_t crc, const void *data, size_t n) {
    uint32_t (*t)[256] = crc32_table_; // (not const-qualified: ISO C before C23 does not add const to an array's elements)
    const unsigned char *p = (const unsigned char *)data;
    crc = ~crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
              t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    }
    for (; n > 0; n--, p++) { crc = t[0][(crc ^ *p) & 0xFF] ^ (crc >> 8); }
    return ~crc;
}

// part r [*offset, *offset + *count) of n items split over S parts: ceil(n / S) to each, the last the rest (none where
// n runs out first). ZeRO-1's split of the parameters (multi_gpu_shard) and of a checkpoint's optimizer state files.
static inline void split_range(size_t n, int S, int r, size_t *offset, size_t *count) {
    size_t per = (n + (size_t)S - 1) / (size_t)S;
    *offset = per * (size_t)r;
    *count = *offset >= n ? 0 : (n - *offset < per ? n - *offset : per);
}

// CRC-32 of a binary header of n int32 with entry `slot` (where the result is stored) counted as 0:
// version 2 of the model and state files checks the header too, not only the data after it
static inline uint32_t header_crc(const int *header, int n, int slot) {
    const int zero = 0;
    uint32_t crc = crc32_update(0, header, (size_t)slot * sizeof(int));
    crc = crc32_update(crc, &zero, sizeof(int));
    return crc32_update(crc, header + slot + 1, (size_t)(n - slot - 1) * sizeof(int));
}

// UTF-8 as text printed for a person (samples, error messages quoting a file's strings): tokenizer.h's safe printing
// and bpe.h's bpe_show_.
// s[0 .. n) (n >= 1): the length of the well-formed UTF-8 character it starts with (1-4), 0 when all n bytes are
// the start of one that more bytes may complete, -1 when s[0] starts none (Unicode's table 3-7: the second byte's
// range leaves out overlong forms, surrogates and code points past U+10FFFF)
static inline int utf8_char_length(const unsigned char *s, size_t n) {
    const unsigned char c = s[0];
    if (c < 0x80) { return 1; }
    const int len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0) { return -1; }
    const unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80, hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    for (int k = 1; k < len; k++) {
        if ((size_t)k >= n) { return 0; }
        if (s[k] < (k == 1 ? lo : 0x80) || s[k] > (k == 1 ? hi : 0xBF)) { return -1; }
    }
    return len;
}

// a well-formed character of len bytes that prints escaped: a C1 control (some terminals obey them in UTF-8 too) or a
// bidirectional formatting character (it would show the text around it reordered)
static inline int utf8_char_escaped(const unsigned char *s, int len) {
    if (len == 2) { return (s[0] == 0xC2 && s[1] < 0xA0) || (s[0] == 0xD8 && s[1] == 0x9C); } // U+0080 - U+009F, U+061C
    if (len != 3 || s[0] != 0xE2) { return 0; }
    return (s[1] == 0x80 && (s[2] == 0x8E || s[2] == 0x8F || (s[2] >= 0xAA && s[2] <= 0xAE))) || // U+200E, U+200F, U+202A - U+202E
           (s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9);                                          // U+2066 - U+2069
}

#endif // UTILS_H
