/*
Shared by the libFuzzer harnesses in test/fuzz/. Each harness includes this first, then the loader
it fuzzes, so fatalf() longjmps back here instead of exiting (FATAL_LONGJMP, see llmc/utils.h).

A loader that rejects its input by fatalf() leaves behind whatever it had open or allocated, as
it may when the process is about to exit. So after a rejection the harness closes the file
descriptors the loader left open and counts the bytes it leaked (printed at exit, not an error).
An input the loader accepts must leave nothing behind: a new open descriptor or a growth in
allocated bytes after the harness freed everything is a leak, and the harness aborts on it.
That check stands in for LeakSanitizer, which must be off (-detect_leaks=0) because of the rejections.

The loaders take paths, so each input is written to a file in a per-process temp directory.
*/
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#define FATAL_LONGJMP
#include "../../llmc/utils.h"

#include <dirent.h>
#include <fcntl.h>
#include <sanitizer/allocator_interface.h>
#include <stddef.h>
#include <stdint.h>

#define FUZZ_MAX_FDS 1024

static char fuzz_dir[256];
static FILE *fuzz_devnull;
static unsigned long long fuzz_runs, fuzz_rejected, fuzz_leaky_rejects, fuzz_leaked_bytes, fuzz_leaked_fds;
static unsigned char fuzz_fds_before[FUZZ_MAX_FDS];
static size_t fuzz_bytes_before;

// marks the open descriptors in open_fds (excluding the one used to list them)
static void fuzz_list_fds(unsigned char open_fds[FUZZ_MAX_FDS]) {
    memset(open_fds, 0, FUZZ_MAX_FDS);
    DIR *dp = opendir("/proc/self/fd");
    if (dp == NULL) { fprintf(stderr, "fuzz: cannot list /proc/self/fd\n"); abort(); }
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] != '.' && fd != dirfd(dp) && fd >= 0 && fd < FUZZ_MAX_FDS) { open_fds[fd] = 1; }
    }
    closedir(dp);
}

static void fuzz_atexit(void) {
    char path[512];
    DIR *dp = opendir(fuzz_dir);
    if (dp != NULL) {
        struct dirent *e;
        while ((e = readdir(dp)) != NULL) {
            if (e->d_name[0] == '.') { continue; }
            snprintf(path, sizeof(path), "%s/%s", fuzz_dir, e->d_name);
            unlink(path);
        }
        closedir(dp);
    }
    rmdir(fuzz_dir);
    // -close_fd_mask=2 sends stderr to /dev/null, so `make fuzz` asks for the stats in a file
    const char *stats_path = getenv("FUZZ_STATS_FILE");
    FILE *out = stats_path != NULL ? fopen(stats_path, "a") : NULL;
    fprintf(out != NULL ? out : stderr,
            "fuzz stats: %llu runs, %llu rejected by fatalf (%llu of them left %llu bytes and %llu fds behind)\n",
            fuzz_runs, fuzz_rejected, fuzz_leaky_rejects, fuzz_leaked_bytes, fuzz_leaked_fds);
    if (out != NULL) { fclose(out); }
}

static void fuzz_setup(const char *name) {
    if (fuzz_dir[0] != '\0') { return; }
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/mamba-fuzz-%s-XXXXXX", tmp != NULL ? tmp : "/tmp", name);
    if (mkdtemp(fuzz_dir) == NULL) { fprintf(stderr, "fuzz: mkdtemp %s: %s\n", fuzz_dir, strerror(errno)); abort(); }
    fuzz_devnull = fopen("/dev/null", "w");
    if (fuzz_devnull == NULL) { abort(); }
    // static stdio buffers: a buffer malloc'd on first use would read as a leak of the first input
    static char devnull_buf[4096], stdout_buf[4096];
    setvbuf(fuzz_devnull, devnull_buf, _IOFBF, sizeof(devnull_buf));
    setvbuf(stdout, stdout_buf, _IOLBF, sizeof(stdout_buf));
    atexit(fuzz_atexit);
}

// path of `name` inside this process's temp directory (a static buffer per call site is enough)
static const char *fuzz_path(char buf[512], const char *name) {
    snprintf(buf, 512, "%s/%s", fuzz_dir, name);
    return buf;
}

static void fuzz_write_file(const char *path, const void *data, size_t n) {
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) { fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno)); abort(); }
    if (n > 0 && fwrite(data, 1, n, fp) != n) { abort(); }
    if (fclose(fp) != 0) { abort(); }
}

// splits data at its first n-1 NUL bytes into n parts (missing parts are empty); the last part
// keeps any further NULs, so it can hold binary data
static inline void fuzz_split(const uint8_t *data, size_t size, int n, const uint8_t **part, size_t *len) {
    for (int i = 0; i < n; i++) {
        const uint8_t *nul = i < n - 1 ? (const uint8_t *)memchr(data, 0, size) : NULL;
        part[i] = data;
        len[i] = nul != NULL ? (size_t)(nul - data) : size;
        size_t used = nul != NULL ? len[i] + 1 : size;
        data += used;
        size -= used;
    }
}

// call before the loader (after writing the input files)
static void fuzz_begin(void) {
    fuzz_runs++;
    fuzz_list_fds(fuzz_fds_before);
    fuzz_bytes_before = __sanitizer_get_current_allocated_bytes();
}

// call after the harness freed what it could; rejected = the loader called fatalf
static void fuzz_end(int rejected) {
    unsigned char after[FUZZ_MAX_FDS];
    fuzz_list_fds(after);
    int new_fds = 0;
    for (int fd = 0; fd < FUZZ_MAX_FDS; fd++) {
        if (after[fd] && !fuzz_fds_before[fd]) {
            new_fds++;
            if (rejected) { close(fd); }  // the FILE* around it is leaked and never used again
        }
    }
    size_t bytes_after = __sanitizer_get_current_allocated_bytes();
    size_t leaked = bytes_after > fuzz_bytes_before ? bytes_after - fuzz_bytes_before : 0;
    if (rejected) {
        fuzz_rejected++;
        if (leaked > 0 || new_fds > 0) {
            fuzz_leaky_rejects++;
            fuzz_leaked_bytes += leaked;
            fuzz_leaked_fds += (unsigned long long)new_fds;
        }
        return;
    }
    if (new_fds > 0 || leaked > 0) {
        fprintf(stderr, "fuzz: accepted input leaked %d file descriptor(s) and %zu bytes\n", new_fds, leaked);
        abort();
    }
}

// a property the loader promises on accepted input; a violation is a finding
#define FUZZ_ASSERT(cond) do { \
    if (!(cond)) { fprintf(stderr, "fuzz: assertion failed: %s [%s:%d]\n", #cond, __FILE__, __LINE__); abort(); } \
} while (0)

#endif // FUZZ_COMMON_H
