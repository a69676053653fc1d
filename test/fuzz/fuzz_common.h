/*
Shared by the libFuzzer harnesses in test/fuzz/. Each harness includes this first, then the loader
it fuzzes, so fatalf() longjmps back to the harness instead of exiting (FATAL_LONGJMP, see
llmc/utils.h; libFuzzer counts exit() as a crash).

A loader that rejects its input leaves behind what it had open or allocated, as it may when the
process is about to exit. Over millions of inputs that would exhaust file descriptors and memory,
so between fuzz_begin() and fuzz_end() the harness tracks every heap block (sanitizer malloc/free
hooks) and every FILE* (fopen/fclose are redirected here by macro, in this translation unit only):
  - after a rejection, fuzz_end closes the FILE*s and frees the blocks still live (counted, not an error);
  - after an accepted input the harness has freed everything it got, so any block, FILE* or file
    descriptor still open is a leak in the loader, and the harness aborts on it.
That check stands in for LeakSanitizer, which must be off (-detect_leaks=0) because of the rejections.

The loaders take paths, so each input is written to a file in a per-process temp directory
(under $TMPDIR).
*/
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>

static FILE *fuzz_fopen(const char *path, const char *mode);
static int fuzz_fclose(FILE *fp);
#define fopen(path, mode) fuzz_fopen(path, mode)
#define fclose(fp) fuzz_fclose(fp)

#define FATAL_LONGJMP
#include "../../llmc/utils.h"

#include <dirent.h>
#include <fcntl.h>
#include <sanitizer/allocator_interface.h>
#include <stddef.h>
#include <stdint.h>

// a property the loader promises on accepted input; a violation is a finding
#define FUZZ_ASSERT(cond) do { \
    if (!(cond)) { fprintf(stderr, "fuzz: assertion failed: %s [%s:%d]\n", #cond, __FILE__, __LINE__); abort(); } \
} while (0)

// ----------------------------------------------------------------------------
// live heap blocks allocated while tracking: open addressing on the pointer, linear probing;
// a slot belongs to this input only if its generation is current, so starting over is gen++

#define FUZZ_SLOTS (1u << 17)
#define FUZZ_TOMBSTONE ((uintptr_t)1)

typedef struct { uintptr_t ptr; size_t size; uint32_t gen; } FuzzSlot;
static FuzzSlot fuzz_slots[FUZZ_SLOTS];
static uint32_t fuzz_used_index[FUZZ_SLOTS]; // the slots filled this generation, in order
static uint32_t fuzz_gen = 1;
// thread-local: only the harness thread's blocks are the loader's (libFuzzer's RSS thread allocates too)
static __thread int fuzz_tracking;
static size_t fuzz_used_slots;  // live + tombstones this generation
static size_t fuzz_live_blocks;
// too many allocations in one input: blocks allocated since are not recorded (after a rejection they leak), but
// frees still are, so that a block freed after this (a realloc's old block, an fclose'd FILE) is not freed again
static int fuzz_overflow;

static inline size_t fuzz_slot_of(uintptr_t p) {
    return (size_t)(((uint64_t)(p >> 4) * 0x9E3779B97F4A7C15ull) >> (64 - 17));
}

static void fuzz_malloc_hook(const volatile void *ptr, size_t size) {
    if (!fuzz_tracking || ptr == NULL) { return; }
    if (fuzz_used_slots >= FUZZ_SLOTS / 4 * 3) { fuzz_overflow = 1; return; }
    for (size_t i = fuzz_slot_of((uintptr_t)ptr);; i = (i + 1) & (FUZZ_SLOTS - 1)) {
        if (fuzz_slots[i].gen != fuzz_gen) {
            fuzz_slots[i] = (FuzzSlot){(uintptr_t)ptr, size, fuzz_gen};
            fuzz_used_index[fuzz_used_slots++] = (uint32_t)i;
            fuzz_live_blocks++;
            return;
        }
    }
}

static void fuzz_free_hook(const volatile void *ptr) {
    if (!fuzz_tracking || ptr == NULL) { return; }
    for (size_t i = fuzz_slot_of((uintptr_t)ptr); fuzz_slots[i].gen == fuzz_gen; i = (i + 1) & (FUZZ_SLOTS - 1)) {
        if (fuzz_slots[i].ptr == (uintptr_t)ptr) {
            fuzz_slots[i].ptr = FUZZ_TOMBSTONE;
            fuzz_live_blocks--;
            return;
        }
    }
}

// ----------------------------------------------------------------------------
// FILE*s opened while tracking

#define FUZZ_MAX_FILES 64
static FILE *fuzz_files[FUZZ_MAX_FILES];
static int fuzz_num_files;

static FILE *fuzz_fopen(const char *path, const char *mode) {
    FILE *fp = (fopen)(path, mode);
    if (fp != NULL && fuzz_tracking) {
        if (fuzz_num_files == FUZZ_MAX_FILES) { fprintf(stderr, "fuzz: more than %d open files\n", FUZZ_MAX_FILES); abort(); }
        fuzz_files[fuzz_num_files++] = fp;
    }
    return fp;
}

static int fuzz_fclose(FILE *fp) {
    for (int i = 0; i < fuzz_num_files; i++) {
        if (fuzz_files[i] == fp) { fuzz_files[i] = fuzz_files[--fuzz_num_files]; break; }
    }
    return (fclose)(fp);
}

// ----------------------------------------------------------------------------
// file descriptors: a descriptor opened without stdio (open, opendir) and left open is a leak too

#define FUZZ_MAX_FDS 1024
static unsigned char fuzz_fds_before[FUZZ_MAX_FDS];

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

// ----------------------------------------------------------------------------
// setup, input files, statistics

static char fuzz_dir[256];
static FILE *fuzz_devnull;
static unsigned long long fuzz_runs, fuzz_rejected, fuzz_swept_blocks, fuzz_swept_bytes, fuzz_swept_files,
    fuzz_untracked;

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
            "%llu runs, %llu rejected (after which %llu blocks / %llu bytes freed and %llu files closed; "
            "%llu inputs too allocation-heavy to track)\n",
            fuzz_runs, fuzz_rejected, fuzz_swept_blocks, fuzz_swept_bytes, fuzz_swept_files, fuzz_untracked);
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
    __sanitizer_install_malloc_and_free_hooks(fuzz_malloc_hook, fuzz_free_hook);
    atexit(fuzz_atexit);
}

// path of `name` inside this process's temp directory
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

// ----------------------------------------------------------------------------
// around each call of the loader:
//     fuzz_begin();
//     if (setjmp(fatal_jmp_buf) == 0) { <load, check, free everything>; fuzz_end(0); }
//     else { fuzz_end(1); }   // do not touch what the loader allocated: fuzz_end frees it

static void fuzz_begin(void) {
    fuzz_runs++;
    fuzz_list_fds(fuzz_fds_before);
    fuzz_gen++;
    fuzz_used_slots = 0;
    fuzz_live_blocks = 0;
    fuzz_overflow = 0;
    fuzz_num_files = 0;
    fuzz_tracking = 1;
}

static void fuzz_end(int rejected) {
    if (rejected) {
        fuzz_rejected++;
        // closing frees each FILE's own blocks (still tracked), then the rest is the loader's
        while (fuzz_num_files > 0) {
            fuzz_fclose(fuzz_files[fuzz_num_files - 1]);
            fuzz_swept_files++;
        }
        fuzz_tracking = 0;
        if (fuzz_live_blocks > 0) {
            for (size_t k = 0; k < fuzz_used_slots; k++) {
                FuzzSlot *s = &fuzz_slots[fuzz_used_index[k]];
                if (s->ptr != FUZZ_TOMBSTONE) {
                    fuzz_swept_blocks++;
                    fuzz_swept_bytes += s->size;
                    free((void *)s->ptr);
                    s->ptr = FUZZ_TOMBSTONE;
                }
            }
        }
        if (fuzz_overflow) { fuzz_untracked++; }
    }
    fuzz_tracking = 0;
    unsigned char after[FUZZ_MAX_FDS];
    fuzz_list_fds(after);
    int new_fds = 0;
    for (int fd = 0; fd < FUZZ_MAX_FDS; fd++) {
        if (after[fd] && !fuzz_fds_before[fd]) {
            new_fds++;
            if (rejected) { close(fd); }
        }
    }
    if (!rejected && (new_fds > 0 || fuzz_num_files > 0 || (fuzz_live_blocks > 0 && !fuzz_overflow))) {
        fprintf(stderr, "fuzz: accepted input leaked %d file descriptor(s), %d FILE*(s), %zu heap block(s):\n",
                new_fds, fuzz_num_files, fuzz_live_blocks);
        for (size_t k = 0, shown = 0; k < fuzz_used_slots && shown < 10; k++) {
            const FuzzSlot *s = &fuzz_slots[fuzz_used_index[k]];
            if (s->ptr != FUZZ_TOMBSTONE) {
                fprintf(stderr, "  %zu bytes at %p\n", s->size, (void *)s->ptr);
                shown++;
            }
        }
        abort();
    }
}

#endif // FUZZ_COMMON_H
