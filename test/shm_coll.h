/*
Collectives between processes on one machine through POSIX shared memory: the engine of
test/shm_nccl.c, which puts NCCL's API on top of it so that the GPU trainer's several-process code
(data sharding, gradient averaging, ZeRO-1, the evaluations' sums, checkpoints, failures) can be
tested with every rank on one GPU. It is a test double: it checks what our code asks of the
collectives, not NCCL itself (its transports, its non-blocking setup, its kernels).

Layout of the segment: a header, one ShmRank record per rank, then one slot of slot_bytes per rank.
Every collective is one round: each rank copies its part into its slot and writes a record of what
it runs; a barrier; each rank checks that every rank runs the same operation (a disagreement is an
error here, where NCCL would hang or mix up data), computes its result from all the slots, always
summing in rank order (so every rank gets the same bits); a second barrier, after which the slots
may be written again.

The barriers count per rank (rank r's `epoch` is the number of barriers it has reached), so they
need no reset. A rank waits for the others' epochs, and while it waits it looks for what would
keep them from coming: a peer process that has exited (gone, or a zombie), an abort, a deadline.
Header-only, plain C (the CPU test test/test_shm_coll.c runs it without CUDA).
*/
#ifndef SHM_COLL_H
#define SHM_COLL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SHM_COLL_MAGIC 0x53484d43u // "SHMC"
#define SHM_COLL_MAX_RANKS 64

typedef enum { SHM_ALL_REDUCE = 1, SHM_REDUCE_SCATTER, SHM_ALL_GATHER, SHM_BROADCAST } ShmKind;
typedef enum { SHM_F32 = 1, SHM_I32, SHM_F64 } ShmType;
typedef enum { SHM_SUM = 1, SHM_AVG, SHM_MIN, SHM_MAX } ShmRedOp;

// one round: `count` elements of each rank's part (all-reduce, broadcast: the whole buffer;
// reduce-scatter: each rank's result, its input is nranks * count; all-gather: each rank's input,
// its result is nranks * count). A collective larger than a slot runs as several rounds: `total` is
// the collective's count, `offset` where this round's piece starts in it (both only checked to agree,
// so that two different collectives cannot pass as one when their pieces happen to line up)
typedef struct {
    int32_t kind, type, redop, root;
    uint64_t count, total, offset;
} ShmOp;

typedef struct {
    int32_t pid, nranks;
    uint64_t epoch; // barriers reached (written with release, read with acquire)
    uint64_t seq;   // rounds started
    ShmOp op;       // the round's operation, for the agreement check
} ShmRank;

typedef struct {
    uint32_t magic;
    uint32_t pad;
    uint64_t slot_bytes;
} ShmHeader;

typedef struct {
    unsigned char *base; // the mapping
    size_t map_bytes, slot_bytes;
    int nranks, rank;
    uint64_t epoch, seq;
    int aborted;          // set by shm_coll_abort (another thread may be waiting: atomic loads and stores)
    int failed;           // an earlier round failed: every later one fails at once
    double timeout_s;
    double next_pid_check; // when a waiting rank looks at its missing peer's process again (every 10 ms, not every poll)
    char name[128];
    char error[256];
} ShmColl;

static inline double shm_coll_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static inline size_t shm_coll_type_size(int type) { return type == SHM_F64 ? 8 : 4; }
static inline ShmHeader *shm_coll_header(const ShmColl *c) { return (ShmHeader *)c->base; }
static inline ShmRank *shm_coll_rank(const ShmColl *c, int r) { return (ShmRank *)(c->base + 64) + r; }
// where rank r's slot starts in the segment (r = nranks: the segment's size)
static inline size_t shm_coll_slot_offset(size_t slot_bytes, int r) {
    return 64 + (sizeof(ShmRank) * SHM_COLL_MAX_RANKS + 63) / 64 * 64 + (size_t)r * slot_bytes;
}
static inline unsigned char *shm_coll_slot(const ShmColl *c, int r) { return c->base + shm_coll_slot_offset(c->slot_bytes, r); }

// 1 when process pid has exited (no such process, or a zombie its parent has not reaped yet)
static inline int shm_coll_pid_gone(int pid) {
    if (pid <= 0) { return 0; }
    if (kill(pid, 0) != 0 && errno == ESRCH) { return 1; }
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *fp = fopen(path, "r");
    if (fp == NULL) { return 0; } // (no /proc: only kill's answer)
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')'); // "pid (comm) S ...": the state follows the last ')'
    return close_paren != NULL && close_paren[1] == ' ' && (close_paren[2] == 'Z' || close_paren[2] == 'X');
}

// the first failure's message is kept; every later round fails at once
static inline int shm_coll_fail(ShmColl *c, const char *fmt, ...) {
    if (!c->failed) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(c->error, sizeof(c->error), fmt, args);
        va_end(args);
    }
    c->failed = 1;
    return -1;
}

// attach to (or create) the segment `name` as rank of nranks; the ranks must agree on slot_bytes
static inline int shm_coll_open(ShmColl *c, const char *name, int nranks, int rank, size_t slot_bytes, double timeout_s) {
    memset(c, 0, sizeof(*c));
    c->nranks = nranks;
    c->rank = rank;
    c->slot_bytes = slot_bytes < 64 ? 64 : (slot_bytes + 63) / 64 * 64;
    c->timeout_s = timeout_s;
    snprintf(c->name, sizeof(c->name), "%s", name);
    if (nranks < 1 || nranks > SHM_COLL_MAX_RANKS || rank < 0 || rank >= nranks) {
        return shm_coll_fail(c, "rank %d of %d ranks: outside [0, %d) or more than %d ranks", rank, nranks, nranks, SHM_COLL_MAX_RANKS);
    }
    int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
    if (fd < 0) { return shm_coll_fail(c, "shm_open(%s): %s", name, strerror(errno)); }
    c->map_bytes = shm_coll_slot_offset(c->slot_bytes, nranks);
    // reserved, not only sized: a /dev/shm too small for it fails here with a message, not later with SIGBUS on a
    // page it cannot back; and never shrunk (a rank started with more ranks may have made it larger)
    int e = posix_fallocate(fd, 0, (off_t)c->map_bytes);
    if (e == EOPNOTSUPP || e == EINVAL) {
        struct stat sb;
        e = fstat(fd, &sb) != 0 ? errno : sb.st_size < (off_t)c->map_bytes && ftruncate(fd, (off_t)c->map_bytes) != 0 ? errno : 0;
    }
    if (e != 0) {
        close(fd);
        return shm_coll_fail(c, "reserving %zu bytes of shared memory for %s: %s", c->map_bytes, name, strerror(e));
    }
    void *p = mmap(NULL, c->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) { return shm_coll_fail(c, "mapping %s: %s", name, strerror(errno)); }
    c->base = (unsigned char *)p;
    ShmHeader *h = shm_coll_header(c);
    uint32_t expected = 0;
    __atomic_compare_exchange_n(&h->magic, &expected, SHM_COLL_MAGIC, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    if (expected == 0) {
        __atomic_store_n(&h->slot_bytes, (uint64_t)c->slot_bytes, __ATOMIC_RELEASE);
    } else if (expected != SHM_COLL_MAGIC) {
        return shm_coll_fail(c, "%s is not a shm_coll segment (magic %08x)", name, expected);
    } else {
        const double deadline = shm_coll_now() + 10.0; // the creator's next store, microseconds after its magic
        while (__atomic_load_n(&h->slot_bytes, __ATOMIC_ACQUIRE) == 0) {
            if (shm_coll_now() > deadline) { return shm_coll_fail(c, "%s: its creator never set its slot size", name); }
            usleep(100);
        }
    }
    if (__atomic_load_n(&h->slot_bytes, __ATOMIC_ACQUIRE) != c->slot_bytes) {
        return shm_coll_fail(c, "ranks disagree on the slot size (%zu bytes here)", c->slot_bytes);
    }
    ShmRank *me = shm_coll_rank(c, rank);
    me->pid = (int32_t)getpid();
    me->nranks = nranks;
    c->epoch = 1; // joining is barrier 1
    __atomic_store_n(&me->epoch, c->epoch, __ATOMIC_RELEASE);
    return 0;
}

// 0: some rank has not reached barrier `epoch` yet; 1: all have; -1: failed (a peer gone or started with
// another rank count, an abort, the deadline)
static inline int shm_coll_poll(ShmColl *c, uint64_t epoch, double deadline) {
    if (c->failed) { return -1; }
    int missing = -1;
    for (int r = 0; r < c->nranks; r++) {
        const ShmRank *o = shm_coll_rank(c, r);
        uint64_t e = __atomic_load_n(&o->epoch, __ATOMIC_ACQUIRE);
        if (e >= 1 && o->nranks != c->nranks) { return shm_coll_fail(c, "rank %d was started with %d ranks, this one with %d", r, o->nranks, c->nranks); }
        if (e < epoch && missing < 0) { missing = r; }
    }
    if (missing < 0) { return 1; }
    if (__atomic_load_n(&c->aborted, __ATOMIC_ACQUIRE)) { return shm_coll_fail(c, "aborted while waiting for rank %d", missing); }
    // (gone after it arrived is no failure: a rank may pass this barrier, finish and exit before we look again)
    const ShmRank *o = shm_coll_rank(c, missing);
    const double now = shm_coll_now();
    if (now >= c->next_pid_check) {
        c->next_pid_check = now + 0.01;
        if (shm_coll_pid_gone(o->pid) && __atomic_load_n(&o->epoch, __ATOMIC_ACQUIRE) < epoch) {
            return shm_coll_fail(c, "rank %d (pid %d) has exited", missing, o->pid);
        }
    }
    if (now > deadline) { return shm_coll_fail(c, "rank %d did not arrive within %g s", missing, c->timeout_s); }
    return 0;
}

// barrier `epoch`, waited for (a spin, then gentle sleeps)
static inline int shm_coll_barrier(ShmColl *c) {
    c->epoch++;
    __atomic_store_n(&shm_coll_rank(c, c->rank)->epoch, c->epoch, __ATOMIC_RELEASE);
    const double start = shm_coll_now(), deadline = start + c->timeout_s;
    for (;;) {
        int r = shm_coll_poll(c, c->epoch, deadline);
        if (r != 0) { return r > 0 ? 0 : -1; }
        if (shm_coll_now() - start > 0.01) { usleep(50); }
    }
}

static inline void shm_coll_reduce_into(void *dst, const void *src, size_t n, int type, int redop, int first) {
#define SHM_REDUCE(T)                                                                                                  \
    {                                                                                                                  \
        T *d = (T *)dst;                                                                                               \
        const T *s = (const T *)src;                                                                                   \
        for (size_t i = 0; i < n; i++) {                                                                               \
            if (first) { d[i] = s[i]; }                                                                                \
            else if (redop == SHM_MIN) { d[i] = s[i] < d[i] ? s[i] : d[i]; }                                           \
            else if (redop == SHM_MAX) { d[i] = s[i] > d[i] ? s[i] : d[i]; }                                           \
            else { d[i] = d[i] + s[i]; }                                                                               \
        }                                                                                                              \
    }
    if (type == SHM_F32) SHM_REDUCE(float)
    else if (type == SHM_I32) SHM_REDUCE(int32_t)
    else SHM_REDUCE(double)
#undef SHM_REDUCE
}

static inline void shm_coll_divide(void *dst, size_t n, int type, int by) {
    for (size_t i = 0; i < n; i++) {
        if (type == SHM_F32) { ((float *)dst)[i] /= (float)by; }
        else if (type == SHM_I32) { ((int32_t *)dst)[i] /= by; }
        else { ((double *)dst)[i] /= (double)by; }
    }
}

// bytes of the input this rank puts in `buf` for op (its result: count elements, nranks * count for an all-gather)
static inline size_t shm_coll_in_bytes(const ShmColl *c, const ShmOp *op) {
    return op->count * shm_coll_type_size(op->type) * (op->kind == SHM_REDUCE_SCATTER ? c->nranks : 1);
}
// the most elements `count` may be for an op of this kind and type (both buffers fit a slot)
static inline size_t shm_coll_max_count(const ShmColl *c, int kind, int type) {
    size_t per = c->slot_bytes / shm_coll_type_size(type);
    return kind == SHM_REDUCE_SCATTER || kind == SHM_ALL_GATHER ? per / c->nranks : per;
}

static inline const char *shm_coll_kind_name(int kind) {
    return kind == SHM_ALL_REDUCE ? "an all-reduce" : kind == SHM_REDUCE_SCATTER ? "a reduce-scatter" : kind == SHM_ALL_GATHER ? "an all-gather" : "a broadcast";
}

/*
One round: this rank's input in buf (shm_coll_in_bytes), its result written back into buf (buf must
hold the larger of the two). 0, or -1 with c->error set.
*/
static inline int shm_coll_run(ShmColl *c, const ShmOp *op, void *buf) {
    if (c->failed) { return -1; }
    if (op->count > shm_coll_max_count(c, op->kind, op->type)) {
        return shm_coll_fail(c, "a round of %llu elements is more than a slot holds (%zu)", (unsigned long long)op->count,
                             shm_coll_max_count(c, op->kind, op->type));
    }
    ShmRank *me = shm_coll_rank(c, c->rank);
    memcpy(shm_coll_slot(c, c->rank), buf, shm_coll_in_bytes(c, op));
    me->op = *op;
    me->seq = ++c->seq;
    if (shm_coll_barrier(c) != 0) { return -1; }
    for (int r = 0; r < c->nranks; r++) {
        const ShmRank *o = shm_coll_rank(c, r);
        if (o->seq != c->seq || memcmp(&o->op, op, sizeof(*op)) != 0) {
            return shm_coll_fail(c, "ranks disagree at round %llu: rank %d runs %s of %llu elements (type %d, op %d, root %d; "
                                 "piece at %llu of %llu), rank %d %s of %llu (type %d, op %d, root %d; piece at %llu of %llu) as its round %llu",
                                 (unsigned long long)c->seq, c->rank, shm_coll_kind_name(op->kind), (unsigned long long)op->total, op->type,
                                 op->redop, op->root, (unsigned long long)op->offset, (unsigned long long)op->total, r,
                                 shm_coll_kind_name(o->op.kind), (unsigned long long)o->op.total, o->op.type, o->op.redop, o->op.root,
                                 (unsigned long long)o->op.offset, (unsigned long long)o->op.total, (unsigned long long)o->seq);
        }
    }
    const size_t esz = shm_coll_type_size(op->type), part = op->count * esz;
    if (op->kind == SHM_ALL_REDUCE || op->kind == SHM_REDUCE_SCATTER) {
        const size_t at = op->kind == SHM_REDUCE_SCATTER ? (size_t)c->rank * part : 0;
        for (int r = 0; r < c->nranks; r++) { shm_coll_reduce_into(buf, shm_coll_slot(c, r) + at, op->count, op->type, op->redop, r == 0); }
        if (op->redop == SHM_AVG) { shm_coll_divide(buf, op->count, op->type, c->nranks); }
    } else if (op->kind == SHM_ALL_GATHER) {
        for (int r = 0; r < c->nranks; r++) { memcpy((unsigned char *)buf + r * part, shm_coll_slot(c, r), part); }
    } else {
        memcpy(buf, shm_coll_slot(c, op->root), part);
    }
    return shm_coll_barrier(c); // nobody writes its slot again before every rank has read all of them
}

static inline void shm_coll_abort(ShmColl *c) { __atomic_store_n(&c->aborted, 1, __ATOMIC_RELEASE); }

static inline void shm_coll_close(ShmColl *c) {
    if (c->base != NULL) { munmap(c->base, c->map_bytes); }
    c->base = NULL;
}

#endif // SHM_COLL_H
