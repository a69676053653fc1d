/*
Tests of test/shm_coll.h, the shared-memory collectives under test/shm_nccl.c (the NCCL stand-in
that runs the several-process GPU tests on one GPU). Plain C, no GPU: each case forks its ranks,
each rank runs collectives on host buffers and sends what it saw back through a pipe, and the
parent prints one line per check.
*/
#define TEST_PASS_STYLE TEST_PASS_PARENS
#include <pthread.h>
#include "test_util.h"
#include "shm_coll.h"

#define MAX_CHECKS 32

// what one rank reports: per check, pass or fail and a detail
typedef struct {
    int n;
    int ok[MAX_CHECKS];
    char name[MAX_CHECKS][48];
    char detail[MAX_CHECKS][200];
} Report;

static void note(Report *rep, const char *name, int ok, const char *fmt, ...) {
    if (rep->n == MAX_CHECKS) { return; }
    rep->ok[rep->n] = ok;
    snprintf(rep->name[rep->n], sizeof(rep->name[0]), "%s", name);
    va_list args;
    va_start(args, fmt);
    vsnprintf(rep->detail[rep->n], sizeof(rep->detail[0]), fmt, args);
    va_end(args);
    rep->n++;
}

static char seg_name[64];
static int seg_count = 0;
static void new_segment(void) { snprintf(seg_name, sizeof(seg_name), "/shm_coll_test.%d.%d", (int)getpid(), seg_count++); }

// fork nranks ranks running fn(rank, nranks, report); then one check per name, passed when every rank passed it
// (quiet: no lines; returns the number of checks that failed, and the first one's detail in *detail)
typedef void (*RankFn)(int rank, int nranks, Report *rep);
static int run_ranks_as(const char *what, int nranks, RankFn fn, int quiet, char *detail, size_t detail_size) {
    new_segment();
    int fds[SHM_COLL_MAX_RANKS][2];
    pid_t pids[SHM_COLL_MAX_RANKS];
    for (int r = 0; r < nranks; r++) {
        if (pipe(fds[r]) != 0) { test_fatal("pipe", strerror(errno)); }
        pids[r] = fork();
        if (pids[r] == 0) {
            close(fds[r][0]);
            Report *rep = (Report *)calloc(1, sizeof(Report));
            fn(r, nranks, rep);
            ssize_t w = write(fds[r][1], rep, sizeof(*rep));
            _exit(w == (ssize_t)sizeof(*rep) ? 0 : 3);
        }
        close(fds[r][1]);
    }
    Report *reps = (Report *)calloc((size_t)(nranks > 0 ? nranks : 1), sizeof(Report));
    int got_all = 1;
    for (int r = 0; r < nranks; r++) { // (read before waiting: a report larger than the pipe's buffer)
        size_t got = 0;
        while (got < sizeof(Report)) {
            ssize_t k = read(fds[r][0], (char *)&reps[r] + got, sizeof(Report) - got);
            if (k <= 0) { break; }
            got += (size_t)k;
        }
        close(fds[r][0]);
        if (got != sizeof(Report)) { got_all = 0; reps[r].n = -1; }
    }
    for (int r = 0; r < nranks; r++) { waitpid(pids[r], NULL, 0); }
    shm_unlink(seg_name);
    int failures = 0;
    if (!got_all) {
        char name[96];
        snprintf(name, sizeof(name), "%s_ranks_reported", what);
        if (!quiet) { check(0, name, "a rank ended without its report"); }
        if (detail != NULL) { snprintf(detail, detail_size, "a rank ended without its report"); }
        free(reps);
        return 1;
    }
    for (int i = 0; i < reps[0].n; i++) {
        int ok = 1, bad = 0;
        for (int r = 0; r < nranks; r++) { // (a rank that reports nothing, n == 0, is one the case ends early)
            if (reps[r].n == 0 && r > 0) { continue; }
            if (reps[r].n != reps[0].n || !reps[r].ok[i] || strcmp(reps[r].name[i], reps[0].name[i]) != 0) { ok = 0; bad = r; break; }
        }
        char name[96];
        snprintf(name, sizeof(name), "%s_%s", what, reps[0].name[i]);
        if (!quiet) { check(ok, name, "rank %d: %s", bad, reps[bad].n > i ? reps[bad].detail[i] : "no such check"); }
        if (!ok && failures++ == 0 && detail != NULL) { snprintf(detail, detail_size, "rank %d: %s", bad, reps[bad].n > i ? reps[bad].detail[i] : "no such check"); }
    }
    free(reps);
    return failures;
}
static void run_ranks(const char *what, int nranks, RankFn fn) { run_ranks_as(what, nranks, fn, 0, NULL, 0); }

static int open_rank(ShmColl *c, int rank, int nranks, size_t slot, double timeout, Report *rep) {
    if (shm_coll_open(c, seg_name, nranks, rank, slot, timeout) != 0) {
        note(rep, "open", 0, "%s", c->error);
        return -1;
    }
    return 0;
}

// (one-element rounds pass 8-byte buffers: gcc cannot see that a round of int32 never takes shm_coll_run's
// double branch, and warns about the branch it cannot rule out)
static int run(ShmColl *c, int kind, int type, int redop, int root, size_t count, void *buf) {
    ShmOp op = {kind, type, redop, root, count, count, 0};
    return shm_coll_run(c, &op, buf);
}

// rank r's input element i: distinct per rank and element, with fractions that make the sum's order matter
// (a quotient plus a constant: no product for the compiler to fuse into a multiply-add differently at
// different call sites)
static float input_f(int r, size_t i) {
    static const float frac[4] = {0.1f, 0.7f, 0.3f, 0.9f};
    return (float)((r * 7919 + (int)i * 104729) % 100003) / 1024.0f + frac[r % 4];
}

// every collective against a sum computed here in rank order; three ranks, a 4 KiB slot
static void case_collectives(int rank, int nranks, Report *rep) {
    ShmColl c;
    if (open_rank(&c, rank, nranks, 4096, 30, rep) != 0) { return; }
    const size_t n = 1000; // floats: one round fits 1024
    float *buf = (float *)malloc(4096 * 2);
    for (size_t i = 0; i < n; i++) { buf[i] = input_f(rank, i); }
    int rc = run(&c, SHM_ALL_REDUCE, SHM_F32, SHM_SUM, 0, n, buf);
    int bits = rc == 0;
    for (size_t i = 0; i < n && bits; i++) {
        float want = 0.0f;
        for (int r = 0; r < nranks; r++) { want = r == 0 ? input_f(r, i) : want + input_f(r, i); }
        bits = memcmp(&want, &buf[i], sizeof(float)) == 0;
    }
    note(rep, "all_reduce_sum_in_rank_order", bits, "rc %d %s", rc, c.error);
    for (size_t i = 0; i < n; i++) { buf[i] = input_f(rank, i); }
    rc = run(&c, SHM_ALL_REDUCE, SHM_F32, SHM_AVG, 0, n, buf);
    // every element, bit for bit: the rank-order sum divided by the rank count (one element was checked, which a
    // division that skipped the first or last elements passed)
    int okavg = rc == 0;
    size_t at_avg = 0;
    float want = 0.0f;
    for (size_t i = 0; i < n && okavg; i++) {
        want = input_f(0, i);
        for (int r = 1; r < nranks; r++) { want += input_f(r, i); }
        want /= (float)nranks;
        at_avg = i;
        okavg = memcmp(&want, &buf[i], sizeof(float)) == 0;
    }
    note(rep, "all_reduce_avg", okavg, "rc %d: element %zu: %g, want %g", rc, at_avg, buf[at_avg], want);
    // each minimum and maximum from a rank other than rank 0 (the minima were rank 0's values, which a minimum that
    // never took another rank's value passed)
    int32_t iv[2] = {5 - 10 * rank, rank == 1 ? -100 : 3};
    rc = run(&c, SHM_ALL_REDUCE, SHM_I32, SHM_MIN, 0, 2, iv);
    note(rep, "all_reduce_min_int", rc == 0 && iv[0] == -15 && iv[1] == -100, "rc %d: %d %d", rc, iv[0], iv[1]);
    iv[0] = 10 * rank - 5; iv[1] = rank == 1 ? 100 : -3;
    rc = run(&c, SHM_ALL_REDUCE, SHM_I32, SHM_MAX, 0, 2, iv);
    note(rep, "all_reduce_max_int", rc == 0 && iv[0] == 15 && iv[1] == 100, "rc %d: %d %d", rc, iv[0], iv[1]);
    double dv = 1e15 + rank; // a double keeps what a float would round away
    rc = run(&c, SHM_ALL_REDUCE, SHM_F64, SHM_SUM, 0, 1, &dv);
    note(rep, "all_reduce_sum_double", rc == 0 && dv == 3e15 + 3, "rc %d: %.1f", rc, dv);
    // reduce-scatter: 3 x 300 inputs, each rank gets the sum of its 300
    const size_t per = 300;
    for (size_t i = 0; i < nranks * per; i++) { buf[i] = input_f(rank, i); }
    rc = run(&c, SHM_REDUCE_SCATTER, SHM_F32, SHM_SUM, 0, per, buf);
    int okrs = rc == 0;
    for (size_t i = 0; i < per && okrs; i++) {
        float w = input_f(0, rank * per + i) + input_f(1, rank * per + i);
        w += input_f(2, rank * per + i);
        okrs = memcmp(&w, &buf[i], sizeof(float)) == 0;
    }
    note(rep, "reduce_scatter_own_part", okrs, "rc %d %s", rc, c.error);
    // ... and averaged, as the ZeRO-1 gradients are (ncclReduceScatter with ncclAvg): no other check divided a reduce-scatter
    for (size_t i = 0; i < nranks * per; i++) { buf[i] = input_f(rank, i); }
    rc = run(&c, SHM_REDUCE_SCATTER, SHM_F32, SHM_AVG, 0, per, buf);
    int okrsa = rc == 0;
    for (size_t i = 0; i < per && okrsa; i++) {
        float w = input_f(0, rank * per + i);
        for (int r = 1; r < nranks; r++) { w += input_f(r, rank * per + i); }
        w /= (float)nranks;
        okrsa = memcmp(&w, &buf[i], sizeof(float)) == 0;
    }
    note(rep, "reduce_scatter_avg_own_part", okrsa, "rc %d %s", rc, c.error);
    // all-gather: 300 each, concatenated in rank order
    for (size_t i = 0; i < per; i++) { buf[i] = (float)(rank * 1000 + i); }
    rc = run(&c, SHM_ALL_GATHER, SHM_F32, 0, 0, per, buf);
    int okag = rc == 0;
    for (int r = 0; r < nranks && okag; r++) {
        for (size_t i = 0; i < per && okag; i++) { okag = buf[r * per + i] == (float)(r * 1000 + i); }
    }
    note(rep, "all_gather_in_rank_order", okag, "rc %d %s", rc, c.error);
    // broadcast from rank 2 (every element differs between the ranks: a last element equal on all of them passed a
    // broadcast that left it out)
    int32_t bv[3] = {rank, rank * 2, rank + 5};
    rc = run(&c, SHM_BROADCAST, SHM_I32, 0, 2, 3, bv);
    note(rep, "broadcast_from_rank_2", rc == 0 && bv[0] == 2 && bv[1] == 4 && bv[2] == 7, "rc %d: %d %d %d", rc, bv[0], bv[1], bv[2]);
    // the next round still works after all of them, and a zero-element round is a round
    rc = run(&c, SHM_ALL_REDUCE, SHM_I32, SHM_SUM, 0, 0, bv);
    int32_t one[2] = {1, 0};
    int rc2 = run(&c, SHM_ALL_REDUCE, SHM_I32, SHM_SUM, 0, 1, one);
    note(rep, "rounds_after_rounds", rc == 0 && rc2 == 0 && one[0] == nranks, "rc %d %d: %d", rc, rc2, one[0]);
    // more than a slot holds: refused with the sizes, and every later round fails at once
    rc = run(&c, SHM_ALL_GATHER, SHM_F32, 0, 0, 400, buf);
    note(rep, "round_larger_than_a_slot_refused", rc != 0 && strstr(c.error, "more than a slot holds (341)") != NULL, "rc %d: %s", rc, c.error);
    rc = run(&c, SHM_ALL_REDUCE, SHM_I32, SHM_SUM, 0, 1, one);
    note(rep, "failed_stays_failed", rc != 0, "rc %d", rc);
    free(buf);
    shm_coll_close(&c);
}

// rank 1 broadcasts where the others all-reduce: every rank fails, naming both calls
static void case_disagree(int rank, int nranks, Report *rep) {
    ShmColl c;
    if (open_rank(&c, rank, nranks, 4096, 30, rep) != 0) { return; }
    int32_t v[2] = {1, 0};
    int rc = rank == 1 ? run(&c, SHM_BROADCAST, SHM_I32, 0, 0, 1, v) : run(&c, SHM_ALL_REDUCE, SHM_I32, SHM_SUM, 0, 1, v);
    note(rep, "every_rank_fails", rc != 0 && strstr(c.error, "ranks disagree at round 1") != NULL &&
                                      strstr(c.error, rank == 1 ? "runs a broadcast" : "runs an all-reduce") != NULL,
         "rc %d: %s", rc, c.error);
    shm_coll_close(&c);
}

// the first round of two collectives of different sizes (32 and 48 elements), in pieces of 16 that line up: the
// pieces alone would agree, the collectives do not
static void case_disagree_total(int rank, int nranks, Report *rep) {
    ShmColl c;
    if (open_rank(&c, rank, nranks, 4096, 30, rep) != 0) { return; }
    float buf[16] = {0};
    ShmOp op = {SHM_ALL_REDUCE, SHM_F32, SHM_SUM, 0, 16, rank == 1 ? 48 : 32, 0};
    int rc = shm_coll_run(&c, &op, buf);
    note(rep, "collective_sizes", rc != 0 && strstr(c.error, "piece at 0 of 32") != NULL && strstr(c.error, "piece at 0 of 48") != NULL,
         "rc %d: %s", rc, c.error);
    shm_coll_close(&c);
}

// rank 2 exits after joining without reaping (a zombie until the parent waits): the others' round fails
static void case_peer_exits(int rank, int nranks, Report *rep) {
    ShmColl c;
    if (open_rank(&c, rank, nranks, 4096, 30, rep) != 0) { return; }
    if (rank == 2) { return; } // it reports nothing and exits, unreaped until the others' reports are in
    double t0 = shm_coll_now();
    int32_t v[2] = {1, 0};
    int rc = run(&c, SHM_ALL_REDUCE, SHM_I32, SHM_SUM, 0, 1, v);
    double dt = shm_coll_now() - t0;
    note(rep, "others_fail_fast", rc != 0 && strstr(c.error, "rank 2 (pid ") != NULL && strstr(c.error, "has exited") != NULL && dt < 5.0,
         "rc %d after %.1f s: %s", rc, dt, c.error);
    shm_coll_close(&c);
}

// three rounds, then exit at once: a rank still polling the last barrier must not take a peer that passed it
// and exited for one that never came (the epoch is read again after the peer is found gone)
static void case_exit_after_rounds(int rank, int nranks, Report *rep) {
    ShmColl c;
    if (open_rank(&c, rank, nranks, 4096, 30, rep) != 0) { return; }
    int32_t v[2] = {rank, 0};
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) { rc = run(&c, SHM_ALL_REDUCE, SHM_I32, SHM_SUM, 0, 1, v); }
    note(rep, "rounds_done", rc == 0, "rc %d: %s", rc, c.error);
    shm_coll_close(&c);
}

// a rank that is started with another rank count, or another slot size
static void case_mismatch(int rank, int nranks, Report *rep) {
    (void)nranks;
    ShmColl c;
    int claimed = rank == 1 ? 3 : 2;
    if (open_rank(&c, rank, claimed, 4096, 30, rep) != 0) { return; }
    int32_t v[2] = {1, 0};
    int rc = rank == 0 ? run(&c, SHM_ALL_REDUCE, SHM_I32, SHM_SUM, 0, 1, v) : 0;
    if (rank == 0) { note(rep, "rank_count", rc != 0 && strstr(c.error, "rank 1 was started with 3 ranks, this one with 2") != NULL, "rc %d: %s", rc, c.error); }
    else { note(rep, "rank_count", 1, "rank 1 does not wait"); }
    shm_coll_close(&c);
}

static void case_slot_mismatch(int rank, int nranks, Report *rep) {
    ShmColl c;
    char ready[128];
    snprintf(ready, sizeof(ready), "/tmp%s.ready", seg_name); // rank 0 creates the segment with its size, then says so
    if (rank == 1) {
        for (int i = 0; i < 2000 && access(ready, F_OK) != 0; i++) { usleep(5000); }
    }
    int rc = shm_coll_open(&c, seg_name, nranks, rank, rank == 0 ? 4096 : 8192, 30);
    if (rank == 0) { fclose(fopen(ready, "w")); }
    if (rank == 1) { note(rep, "slot_size", rc != 0 && strstr(c.error, "ranks disagree on the slot size (8192 bytes here)") != NULL, "rc %d: %s", rc, c.error); }
    else { note(rep, "slot_size", rc == 0, "rank 0 opens: %s", c.error); }
    shm_coll_close(&c);
    if (rank == 1) { remove(ready); }
}

static void *abort_after(void *arg) {
    usleep(200000);
    shm_coll_abort((ShmColl *)arg);
    return NULL;
}

int main(void) {
    run_ranks("three_ranks", 3, case_collectives);
    run_ranks("disagreement", 3, case_disagree);
    run_ranks("disagreement", 2, case_disagree_total);
    run_ranks("peer_exits", 3, case_peer_exits);
    // (many launches, since the race is a matter of timing: without the re-read, most launches of 4 ranks failed)
    char detail[256] = "";
    int launches = 0, failed = 0;
    while (launches < 40 && failed == 0) { failed = run_ranks_as("exit", 4, case_exit_after_rounds, 1, detail, sizeof(detail)); launches++; }
    check(failed == 0, "ranks_exit_right_after_their_last_round", failed == 0 ? "%d launches of 4 ranks" : "launch %d: %s", launches, detail);
    run_ranks("mismatch", 2, case_mismatch);
    run_ranks("mismatch", 2, case_slot_mismatch);

    // in one process: rank 0 of 2 waits for a rank that never comes; an abort from another thread
    // ends the wait, and a deadline does too
    ShmColl c;
    int32_t v[2] = {1, 0};
    new_segment();
    int rc = shm_coll_open(&c, seg_name, 2, 0, 4096, 30);
    pthread_t th;
    pthread_create(&th, NULL, abort_after, &c);
    double t0 = shm_coll_now();
    ShmOp op = {SHM_ALL_REDUCE, SHM_I32, SHM_SUM, 0, 1, 1, 0};
    rc = rc == 0 ? shm_coll_run(&c, &op, v) : rc;
    pthread_join(th, NULL);
    check(rc != 0 && strstr(c.error, "aborted while waiting for rank 1") != NULL && shm_coll_now() - t0 < 5.0, "abort_ends_a_wait", "rc %d: %s", rc, c.error);
    shm_coll_close(&c);
    shm_unlink(seg_name);
    new_segment();
    rc = shm_coll_open(&c, seg_name, 2, 0, 4096, 0.3);
    t0 = shm_coll_now();
    rc = rc == 0 ? shm_coll_run(&c, &op, v) : rc;
    check(rc != 0 && strstr(c.error, "rank 1 did not arrive within 0.3 s") != NULL && shm_coll_now() - t0 < 5.0, "deadline_ends_a_wait", "rc %d: %s", rc, c.error);
    shm_coll_close(&c);
    shm_unlink(seg_name);
    rc = shm_coll_open(&c, seg_name, 5, 5, 4096, 1);
    check(rc != 0 && strstr(c.error, "outside [0, 5)") != NULL, "bad_rank_refused", "%s", c.error);
    return test_summary();
}
