/*
Tests of test/shm_nccl.c, the NCCL stand-in of the several-process suite on one GPU, on the CPU: built
with the stub CUDA runtime of test/stub_cuda/ (device memory is host memory, a stream runs its work at
once), so that its pieces, offsets and in-place cases are checked without a GPU. Three forked ranks
with 64-byte slots (16 floats: every collective but the smallest runs as several rounds) compare each
result, bit for bit, with the rank-order sums computed here.
*/
#define TEST_PASS_STYLE TEST_PASS_PARENS
#include "test_util.h"
#include "shm_nccl.c"

#define NRANKS 3

// rank r's element i of a collective's input: fractions that make the order of the sum matter
static float in_f(int r, size_t i) { return (float)((r * 7919 + (int)i * 104729) % 100003) / 1024.0f + (r == 1 ? 0.7f : 0.1f); }

// the rank-order sum over all ranks of element i
static float sum_f(size_t i) {
    float s = in_f(0, i);
    for (int r = 1; r < NRANKS; r++) { s += in_f(r, i); }
    return s;
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

// every collective at every count, in place and not; a failure names the first wrong element
static void rank_collectives(int rank, ncclComm_t comm, Outcome *o) {
    float *a = (float *)calloc(NRANKS * 128, sizeof(float)), *b = (float *)calloc(NRANKS * 128, sizeof(float));
    for (size_t k = 0; k < NUM_COUNTS && !o->failed; k++) {
        const size_t n = COUNTS[k];
        for (int inplace = 0; inplace < 2; inplace++) {
            for (size_t i = 0; i < n; i++) { a[i] = in_f(rank, i); }
            float *out = inplace ? a : b;
            fail_if(o, ncclAllReduce(a, out, n, ncclFloat, ncclSum, comm, NULL) != ncclSuccess, "all-reduce of %zu returned an error", n);
            for (size_t i = 0; i < n; i++) { fail_if(o, out[i] != sum_f(i), "all-reduce of %zu: element %zu", n, i); }
            // reduce-scatter: n per rank, input NRANKS * n; in place the result is the rank's own part of the input
            for (size_t i = 0; i < NRANKS * n; i++) { a[i] = in_f(rank, i); }
            out = inplace ? a + rank * n : b;
            fail_if(o, ncclReduceScatter(a, out, n, ncclFloat, ncclSum, comm, NULL) != ncclSuccess, "reduce-scatter of %zu returned an error", n);
            for (size_t i = 0; i < n; i++) { fail_if(o, out[i] != sum_f(rank * n + i), "reduce-scatter of %zu: element %zu", n, i); }
            // all-gather: n from each rank, in rank order; in place the input is the rank's part of the output
            float *send = inplace ? b + rank * n : a;
            for (size_t i = 0; i < n; i++) { send[i] = in_f(rank, i); }
            fail_if(o, ncclAllGather(send, b, n, ncclFloat, comm, NULL) != ncclSuccess, "all-gather of %zu returned an error", n);
            for (int r = 0; r < NRANKS; r++) {
                for (size_t i = 0; i < n; i++) { fail_if(o, b[r * n + i] != in_f(r, i), "all-gather of %zu: element %zu", n, r * n + i); }
            }
            // broadcast from rank 1; the others pass no send buffer (NCCL reads the root's only)
            for (size_t i = 0; i < n; i++) { a[i] = in_f(rank, i); }
            out = inplace ? a : b;
            fail_if(o, ncclBroadcast(rank == 1 ? a : NULL, out, n, ncclFloat, 1, comm, NULL) != ncclSuccess, "broadcast of %zu returned an error", n);
            for (size_t i = 0; i < n; i++) { fail_if(o, out[i] != in_f(1, i), "broadcast of %zu: element %zu", n, i); }
        }
    }
    // the other types and operations, as the trainer's scalars use them
    double d[3] = {1e15 + rank, 0.5 * rank, -1.0};
    fail_if(o, ncclAllReduce(d, d, 3, ncclFloat64, ncclAvg, comm, NULL) != ncclSuccess || d[0] != 1e15 + 1 || d[1] != 0.5 || d[2] != -1.0,
            "double average: %.1f %g %g", d[0], d[1], d[2]);
    int32_t lo[2] = {rank == 2 ? -7 : rank, 5}, hi[2] = {rank == 2 ? -7 : rank, 5};
    fail_if(o, ncclAllReduce(lo, lo, 2, ncclInt32, ncclMin, comm, NULL) != ncclSuccess || lo[0] != -7 || lo[1] != 5, "int minimum %d %d", lo[0], lo[1]);
    fail_if(o, ncclAllReduce(hi, hi, 2, ncclInt32, ncclMax, comm, NULL) != ncclSuccess || hi[0] != 1 || hi[1] != 5, "int maximum %d %d", hi[0], hi[1]);
    ncclResult_t state;
    ncclCommGetAsyncError(comm, &state);
    fail_if(o, state != ncclSuccess, "async error %d after the collectives", (int)state);
    free(a);
    free(b);
}

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
    run_case("collectives_in_pieces_bitwise", rank_collectives);
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
    double x[8] = {0};
    ncclResult_t big = r == ncclSuccess ? ncclReduceScatter(x, x, 1, ncclFloat64, ncclSum, comm, NULL) : r;
    check(r == ncclSuccess && big == ncclSuccess, "one_rank_communicator", "init %d, reduce-scatter %d", (int)r, (int)big);
    if (r == ncclSuccess) { ncclCommDestroy(comm); }
    fflush(stderr);
    dup2(saved, 2);
    return test_summary();
}
