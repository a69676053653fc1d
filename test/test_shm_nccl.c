/*
Tests of test/shm_nccl.c, the NCCL stand-in of the several-process suite on one GPU, on the CPU: built
with the stub CUDA runtime of test/stub_cuda/ (device memory is host memory, a stream runs its work at
once), so that its pieces, offsets and in-place cases are checked without a GPU. Three forked ranks
with 64-byte slots (16 floats: every collective but the smallest runs as several rounds) run every
(collective, type, operation) the trainer issues (COMBOS) and compare each result, bit for bit, with
the rank-order sums computed here; a communicator of one rank runs the same table.
*/
#define TEST_PASS_STYLE TEST_PASS_PARENS
#include "test_util.h"
#include "shm_nccl.c"

#define NRANKS 3

// rank r's element i of a collective's input: fractions that make the order of the sum matter
static float in_f(int r, size_t i) { return (float)((r * 7919 + (int)i * 104729) % 100003) / 1024.0f + (r == 1 ? 0.7f : 0.1f); }
// ints whose minimum and maximum come from every rank in turn
static int32_t in_i(int r, size_t i) { return (int32_t)((r * 7919 + (int)i * 104729) % 100003) - 50001 + r; }
// doubles where rank 0's part is large: the order of the sum matters at double precision too
static double in_d(int r, size_t i) { return (double)in_f(r, i) * (r == 0 ? 3e15 : 1.0) + 1.0 / 3.0; }

// the element types the trainer's collectives use
enum { T_F32, T_I32, T_F64 };
static const ncclDataType_t NCCL_TYPE[] = {ncclFloat, ncclInt32, ncclFloat64};
static const size_t TYPE_SIZE[] = {4, 4, 8};
static const char *TYPE_NAME[] = {"float", "int32", "double"};

// rank r's element i of type t, written at p
static void input_at(int t, int r, size_t i, void *p) {
    if (t == T_F32) { float v = in_f(r, i); memcpy(p, &v, sizeof(v)); }
    else if (t == T_I32) { int32_t v = in_i(r, i); memcpy(p, &v, sizeof(v)); }
    else { double v = in_d(r, i); memcpy(p, &v, sizeof(v)); }
}

// element i reduced with op over ranks 0..nranks-1 in rank order (an average: that sum divided by nranks), written at p
static void reduced_at(int t, ncclRedOp_t op, int nranks, size_t i, void *p) {
#define REDUCED(T, IN)                                                                                                 \
    {                                                                                                                  \
        T s = IN(0, i);                                                                                                \
        for (int r = 1; r < nranks; r++) {                                                                             \
            T v = IN(r, i);                                                                                            \
            s = op == ncclMin ? (v < s ? v : s) : op == ncclMax ? (v > s ? v : s) : s + v;                             \
        }                                                                                                              \
        if (op == ncclAvg) { s = s / (T)nranks; }                                                                      \
        memcpy(p, &s, sizeof(s));                                                                                      \
    }
    if (t == T_F32) REDUCED(float, in_f)
    else if (t == T_I32) REDUCED(int32_t, in_i)
    else REDUCED(double, in_d)
#undef REDUCED
}

typedef struct {
    int failed;
    char what[200];
} Outcome;

static void fail_if(Outcome *o, int bad, const char *fmt, ...) {
    if (bad && !o->failed) {
        o->failed = 1;
        va_list args;
        va_start(args, fmt);
        vsnprintf(o->what, sizeof(o->what), fmt, args);
        va_end(args);
    }
}

static const size_t COUNTS[] = {0, 1, 5, 15, 16, 17, 33, 100};
#define NUM_COUNTS (sizeof(COUNTS) / sizeof(COUNTS[0]))
#define MAX_COUNT 100

// a collective, its element type and its operation (root: a broadcast's, taken modulo the ranks)
typedef struct {
    int kind, type;
    ncclRedOp_t op;
    int root;
} Combo;

// every (collective, type, operation) that llmc/cuda/multi_gpu.cuh issues, and two more
static const Combo COMBOS[] = {
    {SHM_ALL_REDUCE, T_F32, ncclSum, 0},     // (not the trainer's)
    {SHM_ALL_REDUCE, T_F32, ncclAvg, 0},     // multi_gpu_reduce_gradients (-z 0), multi_gpu_reduce_async, multi_gpu_mean
    {SHM_ALL_REDUCE, T_I32, ncclSum, 0},     // multi_gpu_sum_int, multi_gpu_from_rank0
    {SHM_ALL_REDUCE, T_I32, ncclMin, 0},     // multi_gpu_all_equal
    {SHM_ALL_REDUCE, T_I32, ncclMax, 0},     // multi_gpu_all_equal
    {SHM_ALL_REDUCE, T_F64, ncclSum, 0},     // multi_gpu_sum_double, multi_gpu_sum_device
    {SHM_ALL_REDUCE, T_F64, ncclAvg, 0},     // (not the trainer's)
    {SHM_REDUCE_SCATTER, T_F32, ncclSum, 0}, // (not the trainer's)
    {SHM_REDUCE_SCATTER, T_F32, ncclAvg, 0}, // multi_gpu_reduce_gradients (-z 1)
    {SHM_ALL_GATHER, T_F32, ncclSum, 0},     // multi_gpu_gather_parameters (-z 1; no operation)
    {SHM_BROADCAST, T_I32, ncclSum, 0},      // multi_gpu_ints_from_rank0
    {SHM_BROADCAST, T_F32, ncclSum, 1},      // (not the trainer's: from another rank than 0, no send buffer elsewhere)
};
#define NUM_COMBOS (sizeof(COMBOS) / sizeof(COMBOS[0]))
#define SENTINEL 0x7f // every byte of what a collective must not touch or must write: 3.4e38, 2139062143, 1.4e306, never a result

static const char *combo_name(const Combo *c, char *buf, size_t size) {
    const char *kind = c->kind == SHM_ALL_REDUCE ? "all-reduce" : c->kind == SHM_REDUCE_SCATTER ? "reduce-scatter"
                       : c->kind == SHM_ALL_GATHER ? "all-gather" : "broadcast";
    const char *op = c->kind == SHM_ALL_GATHER || c->kind == SHM_BROADCAST ? "" : c->op == ncclSum ? " sum" : c->op == ncclAvg ? " avg"
                     : c->op == ncclMin ? " min" : " max";
    snprintf(buf, size, "%s %s%s", TYPE_NAME[c->type], kind, op);
    return buf;
}

/*
Every collective of COMBOS at every count, in place and not, on a communicator of nranks; each result
compared bit for bit with the rank-order reduction computed here. Both buffers start as SENTINEL bytes
around the input, so a result must be written (not left from an earlier call: an in-place all-gather
must fill in the other ranks' parts), and every byte outside the result must keep what it held (the
send buffer, the rest of an in-place reduce-scatter's input). A failure names the first wrong element.
*/
static void rank_collectives(int rank, int nranks, ncclComm_t comm, Outcome *o) {
    const size_t cap = (size_t)nranks * MAX_COUNT * 8;
    unsigned char *a = (unsigned char *)malloc(cap), *b = (unsigned char *)malloc(cap), *a0 = (unsigned char *)malloc(cap),
                  *b0 = (unsigned char *)malloc(cap), *want = (unsigned char *)malloc(cap);
    if (a == NULL || b == NULL || a0 == NULL || b0 == NULL || want == NULL) { test_fatal("malloc", "buffers"); }
    char name[64];
    for (size_t c = 0; c < NUM_COMBOS && !o->failed; c++) {
        const Combo *cb = &COMBOS[c];
        const int t = cb->type, kind = cb->kind, root = cb->root % nranks;
        const size_t esz = TYPE_SIZE[t];
        combo_name(cb, name, sizeof(name));
        for (size_t k = 0; k < NUM_COUNTS && !o->failed; k++) {
            const size_t n = COUNTS[k], in_n = kind == SHM_REDUCE_SCATTER ? nranks * n : n, out_n = kind == SHM_ALL_GATHER ? nranks * n : n;
            for (int inplace = 0; inplace < 2 && !o->failed; inplace++) {
                memset(a, SENTINEL, cap);
                memset(b, SENTINEL, cap);
                // in place: reduce-scatter's result is the rank's own part of the input, all-gather's input the rank's part of the output
                unsigned char *send = inplace && kind == SHM_ALL_GATHER ? b + rank * n * esz : a;
                unsigned char *recv = !inplace ? b : kind == SHM_REDUCE_SCATTER ? a + rank * n * esz : kind == SHM_ALL_GATHER ? b : a;
                for (size_t i = 0; i < in_n; i++) { input_at(t, rank, i, send + i * esz); }
                for (size_t i = 0; i < out_n; i++) {
                    if (kind == SHM_ALL_REDUCE) { reduced_at(t, cb->op, nranks, i, want + i * esz); }
                    else if (kind == SHM_REDUCE_SCATTER) { reduced_at(t, cb->op, nranks, rank * n + i, want + i * esz); }
                    else if (kind == SHM_ALL_GATHER) { input_at(t, (int)(i / n), i % n, want + i * esz); }
                    else { input_at(t, root, i, want + i * esz); }
                }
                memcpy(a0, a, cap);
                memcpy(b0, b, cap);
                const ncclDataType_t dt = NCCL_TYPE[t];
                // (a broadcast's other ranks pass no send buffer: NCCL reads the root's only)
                ncclResult_t r = kind == SHM_ALL_REDUCE ? ncclAllReduce(send, recv, n, dt, cb->op, comm, NULL)
                                 : kind == SHM_REDUCE_SCATTER ? ncclReduceScatter(send, recv, n, dt, cb->op, comm, NULL)
                                 : kind == SHM_ALL_GATHER ? ncclAllGather(send, recv, n, dt, comm, NULL)
                                 : ncclBroadcast(rank == root ? send : NULL, recv, n, dt, root, comm, NULL);
                const char *how = inplace ? " in place" : "";
                fail_if(o, r != ncclSuccess, "%s of %zu%s returned %d", name, n, how, (int)r);
                for (size_t i = 0; i < out_n && !o->failed; i++) {
                    fail_if(o, memcmp(recv + i * esz, want + i * esz, esz) != 0, "%s of %zu%s: element %zu", name, n, how, i);
                }
                for (size_t j = 0; j < 2 * cap && !o->failed; j++) { // the bytes outside the result, in both buffers
                    unsigned char *p = j < cap ? a + j : b + (j - cap);
                    if (p >= recv && p < recv + out_n * esz) { continue; }
                    fail_if(o, *p != (j < cap ? a0[j] : b0[j - cap]), "%s of %zu%s: byte %zu of %s changed outside the result", name, n, how,
                            j % cap, j < cap ? "buffer a" : "buffer b");
                }
            }
        }
    }
    ncclResult_t state;
    ncclCommGetAsyncError(comm, &state);
    fail_if(o, state != ncclSuccess, "async error %d after the collectives", (int)state);
    free(a);
    free(b);
    free(a0);
    free(b0);
    free(want);
}

static void rank_collectives_all(int rank, ncclComm_t comm, Outcome *o) { rank_collectives(rank, NRANKS, comm, o); }

// two different collectives whose pieces line up (48 floats against 32 then 16): an async error on every rank
static void rank_mismatch(int rank, ncclComm_t comm, Outcome *o) {
    float x[48] = {0};
    ncclResult_t r1 = ncclAllReduce(x, x, rank == 1 ? 48 : 32, ncclFloat, ncclSum, comm, NULL), r2 = ncclSuccess;
    if (rank != 1 && r1 == ncclSuccess) { r2 = ncclAllReduce(x, x, 16, ncclFloat, ncclSum, comm, NULL); }
    ncclResult_t state;
    ncclCommGetAsyncError(comm, &state);
    (void)r2;
    fail_if(o, state != ncclRemoteError || strstr(comm->coll.error, "piece at 0 of 48") == NULL, "async error %d (want %d): %s", (int)state,
            (int)ncclRemoteError, comm->coll.error);
}

typedef void (*RankFn)(int rank, ncclComm_t comm, Outcome *o);

// NRANKS forked ranks join one communicator and run fn; one check, passed when every rank passed
static void run_case(const char *name, RankFn fn) {
    ncclUniqueId id;
    ncclGetUniqueId(&id);
    int fds[NRANKS][2];
    pid_t pids[NRANKS];
    for (int r = 0; r < NRANKS; r++) {
        if (pipe(fds[r]) != 0) { test_fatal("pipe", strerror(errno)); }
        pids[r] = fork();
        if (pids[r] == 0) {
            close(fds[r][0]);
            if (freopen("/dev/null", "w", stderr) == NULL) { _exit(4); } // (the mismatch case's own report lines)
            Outcome o = {0, ""};
            ncclComm_t comm;
            ncclResult_t init = ncclCommInitRankConfig(&comm, NRANKS, id, r, NULL);
            if (init != ncclSuccess) { fail_if(&o, 1, "init returned %d", (int)init); }
            else { fn(r, comm, &o); }
            ssize_t w = write(fds[r][1], &o, sizeof(o));
            _exit(w == (ssize_t)sizeof(o) ? 0 : 3);
        }
        close(fds[r][1]);
    }
    struct { int failed; char what[256]; } all = {0, ""};
    for (int r = 0; r < NRANKS; r++) {
        Outcome o;
        ssize_t got = read(fds[r][0], &o, sizeof(o));
        close(fds[r][0]);
        if (got != (ssize_t)sizeof(o)) { o.failed = 1; snprintf(o.what, sizeof(o.what), "no report"); }
        if (o.failed && !all.failed) { all.failed = 1; snprintf(all.what, sizeof(all.what), "rank %d: %s", r, o.what); }
    }
    for (int r = 0; r < NRANKS; r++) { waitpid(pids[r], NULL, 0); }
    check(!all.failed, name, "%s", all.failed ? all.what : "3 ranks, 64-byte slots");
}

int main(void) {
    setenv("SHM_NCCL_SLOT_BYTES", "64", 1);
    setenv("SHM_NCCL_TIMEOUT", "30", 1);
    run_case("collectives_in_pieces_bitwise", rank_collectives_all);
    run_case("collectives_of_other_sizes_refused", rank_mismatch);
    // an id that is not ncclGetUniqueId's is refused; a communicator of one rank runs its collectives alone
    ncclUniqueId bad;
    memset(&bad, 0x41, sizeof(bad));
    bad.internal[127] = '\0';
    ncclComm_t comm;
    int saved = dup(2);
    if (freopen("/dev/null", "w", stderr) == NULL) { test_fatal("freopen", "/dev/null"); }
    ncclResult_t r = ncclCommInitRankConfig(&comm, 2, bad, 0, NULL);
    check(r == ncclInvalidArgument, "foreign_id_refused", "result %d", (int)r);
    ncclUniqueId id;
    ncclGetUniqueId(&id);
    r = ncclCommInitRankConfig(&comm, 1, id, 0, NULL);
    Outcome one = {0, ""};
    if (r == ncclSuccess) { rank_collectives(0, 1, comm, &one); }
    check(r == ncclSuccess && !one.failed, "one_rank_communicator", "init %d; %s", (int)r,
          one.failed ? one.what : "every collective of the table: each result its input, an average divided by 1");
    if (r == ncclSuccess) { ncclCommDestroy(comm); }
    fflush(stderr);
    dup2(saved, 2);
    return test_summary();
}
