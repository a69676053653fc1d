/*
Tests for dataloader.h and tokenizer.h (and the checkpoint's state-file layout check, which the
data position's per-process files share). Prints "PASS name" / "FAIL name: detail" per check and ends
with "N passed, M failed"; exit code 0 iff nothing failed.

    gcc -O2 -Wall -Wextra -o test_dataloader test/test_dataloader.c && ./test_dataloader

Bad inputs end the process (fatalf), so each runs in a child: the test re-executes itself as
    test_dataloader --expect-fail <case> <dir>
which writes the bad file into <dir> and runs the loader on it; the parent checks for a non-zero
exit and a one-line "error:" on stderr that names the file and the problem.
*/
#include "../dataloader.h"
#include "../tokenizer.h"
#include "../llmc/train_common.h"
#include "test_util.h"

#define TB 2
#define TT 8
#define BT (TB * TT)

// a shard of n tokens base, base+1, ...: every token id in a test is unique, so an input's first
// token says which shard and which sample it came from
static void write_counting_shard(const char *dir, const char *name, size_t n, uint16_t base) {
    char path[1024];
    uint16_t *tokens = (uint16_t *)mallocCheck(n * sizeof(uint16_t));
    for (size_t i = 0; i < n; i++) { tokens[i] = (uint16_t)(base + i); }
    write_token_shard(join(path, dir, name), tokens, n);
    free(tokens);
}

// a shard with any header, as a corrupt file would have it
static void write_raw_shard(const char *path, int magic, int version, int header_tokens,
                            const uint16_t *tokens, size_t n) {
    int32_t header[256] = {0};
    header[0] = magic;
    header[1] = version;
    header[2] = header_tokens;
    FILE *fp = fopenCheck(path, "wb");
    fwriteCheck(header, sizeof(int32_t), 256, fp);
    fwriteCheck(tokens, sizeof(uint16_t), n, fp);
    fcloseCheck(fp);
}

// an llm.c tokenizer file; version 2 carries the eot token
static void write_tokenizer(const char *path, uint32_t magic, uint32_t version, uint32_t eot,
                            const char **tokens, const uint8_t *lens, uint32_t vocab, size_t chop_bytes) {
    uint32_t header[256] = {0};
    header[0] = magic;
    header[1] = version;
    header[2] = vocab;
    if (version == 2) { header[3] = eot; }
    size_t cap = sizeof(header) + vocab * 256;
    char *buf = (char *)mallocCheck(cap);
    memcpy(buf, header, sizeof(header));
    size_t pos = sizeof(header);
    for (uint32_t i = 0; i < vocab; i++) {
        buf[pos++] = (char)lens[i];
        memcpy(buf + pos, tokens[i], lens[i]);
        pos += lens[i];
    }
    FILE *fp = fopenCheck(path, "wb");
    fwriteCheck(buf, 1, pos - chop_bytes, fp);
    fcloseCheck(fp);
    free(buf);
}

typedef struct {
    int inputs[BT];
    int targets[BT];
    size_t epoch, shard, sample;  // loader position before this batch was read
} Batch;

static void take_batch(DataLoader *loader, Batch *b) {
    b->epoch = loader->epoch;
    b->shard = loader->current_shard_idx;
    b->sample = loader->current_sample_idx;
    dataloader_next_batch(loader);
    memcpy(b->inputs, loader->inputs, sizeof(b->inputs));
    memcpy(b->targets, loader->targets, sizeof(b->targets));
}

static int batch_equal(const Batch *a, const Batch *b) {
    return memcmp(a->inputs, b->inputs, sizeof(a->inputs)) == 0 &&
           memcmp(a->targets, b->targets, sizeof(a->targets)) == 0;
}

// inputs and targets are one window shifted by one, starting at token first
static int batch_is_window(const DataLoader *loader, int first) {
    for (int i = 0; i < BT; i++) {
        if (loader->inputs[i] != first + i || loader->targets[i] != first + i + 1) { return 0; }
    }
    return 1;
}

// ----------------------------------------------------------------------------
// checks

static void test_round_trip(const char *dir) {
    char pat[1024];
    size_t n = 3 * BT + 5;  // 3 samples; the last 4 tokens are never a window start
    write_counting_shard(dir, "rt.bin", n, 1000);
    DataLoader loader;
    dataloader_init(&loader, join(pat, dir, "rt.bin"), TB, TT, 0, 1, 0, 0, 65536);
    check(loader.num_tokens == n, "round_trip_num_tokens", "expected %zu, found %zu", n, loader.num_tokens);
    int ok = 1;
    for (int k = 0; k < 3; k++) {
        dataloader_next_batch(&loader);
        ok = ok && batch_is_window(&loader, 1000 + k * BT);
    }
    check(ok, "round_trip_windows", "inputs/targets are not the shard's B*T+1 windows at stride B*T");
    check(loader.epoch == 1 && loader.current_shard_idx == 0 && loader.current_sample_idx == 0,
          "round_trip_wraps_to_epoch_1", "after 3 batches expected (1,0,0), found (%zu,%zu,%zu)",
          loader.epoch, loader.current_shard_idx, loader.current_sample_idx);
    dataloader_next_batch(&loader);
    check(batch_is_window(&loader, 1000), "round_trip_second_epoch", "4th batch is not the first window");
    dataloader_reset(&loader);
    dataloader_next_batch(&loader);
    check(batch_is_window(&loader, 1000) && loader.epoch == 0, "reset", "reset did not return to the start");
    dataloader_free(&loader);
}

static void test_multi_shard(const char *dir) {
    char pat[1024];
    // written in reverse name order: the loader must go by glob (sorted) order, not creation order
    write_counting_shard(dir, "multi_002.bin", 1 * BT + 8, 30000);  // 1 sample
    write_counting_shard(dir, "multi_001.bin", 3 * BT + 1, 20000);  // 3 samples
    write_counting_shard(dir, "multi_000.bin", 2 * BT + 1, 10000);  // 2 samples
    DataLoader loader;
    dataloader_init(&loader, join(pat, dir, "multi_*.bin"), TB, TT, 0, 1, 0, 0, 65536);
    int expected[7] = {10000, 10000 + BT, 20000, 20000 + BT, 20000 + 2 * BT, 30000, 10000};
    int ok = 1;
    for (int k = 0; k < 7; k++) {
        dataloader_next_batch(&loader);
        if (!batch_is_window(&loader, expected[k])) {
            check(0, "multi_shard_glob_order", "batch %d starts at token %d, expected %d", k, loader.inputs[0], expected[k]);
            ok = 0;
            break;
        }
    }
    if (ok) { check(1, "multi_shard_glob_order", ""); }
    size_t total = (2 * BT + 1) + (3 * BT + 1) + (1 * BT + 8);
    check(loader.num_tokens == total, "multi_shard_num_tokens", "expected %zu, found %zu", total, loader.num_tokens);
    check(loader.epoch == 1, "multi_shard_epoch", "after one pass plus one batch expected epoch 1, found %zu", loader.epoch);
    // reset from inside the second shard: back to the first shard's first window
    dataloader_reset(&loader);
    for (int k = 0; k < 3; k++) { dataloader_next_batch(&loader); }
    int in_second = loader.current_shard_idx == 1;
    dataloader_reset(&loader);
    check(in_second && loader.epoch == 0 && loader.current_shard_idx == 0 && loader.current_sample_idx == 0, "multi_shard_reset_from_later_shard",
          "after reset from shard 1 the position is (%zu,%zu,%zu), expected (0,0,0)", loader.epoch, loader.current_shard_idx,
          loader.current_sample_idx);
    dataloader_next_batch(&loader);
    check(batch_is_window(&loader, 10000), "multi_shard_reset_reads_first_window", "first batch after reset starts at %d", loader.inputs[0]);
    dataloader_free(&loader);
}

// rank r's step j must be the single-rank loader's step 2j + r: disjoint, and together the same sequence
static void test_ranks(const char *dir) {
    char pat[1024];
    write_counting_shard(dir, "part_000.bin", 4 * BT + 1, 100);
    write_counting_shard(dir, "part_001.bin", 6 * BT + 3, 5000);
    join(pat, dir, "part_*.bin");
    for (int shuffle = 0; shuffle <= 1; shuffle++) {
        DataLoader one, r0, r1;
        dataloader_init(&one, pat, TB, TT, 0, 1, shuffle, 7, 65536);
        dataloader_init(&r0, pat, TB, TT, 0, 2, shuffle, 7, 65536);
        dataloader_init(&r1, pat, TB, TT, 1, 2, shuffle, 7, 65536);
        int ok = 1;
        size_t steps = 2 * dataloader_num_batches(&r0);  // two epochs
        Batch a, b, s0, s1;
        int seen[65536] = {0};
        for (size_t j = 0; j < steps && ok; j++) {
            take_batch(&one, &a);
            take_batch(&one, &b);
            take_batch(&r0, &s0);
            take_batch(&r1, &s1);
            ok = batch_equal(&a, &s0) && batch_equal(&b, &s1) && s0.inputs[0] != s1.inputs[0];
            if (j < steps / 2) { seen[s0.inputs[0]]++; seen[s1.inputs[0]]++; }
        }
        int covered = 1;  // one epoch of both ranks covers every sample exactly once
        for (int k = 0; k < 4; k++) { covered = covered && seen[100 + k * BT] == 1; }
        for (int k = 0; k < 6; k++) { covered = covered && seen[5000 + k * BT] == 1; }
        char name[64];
        snprintf(name, sizeof(name), "ranks_partition_shuffle%d", shuffle);
        check(ok && covered && dataloader_num_batches(&r0) == 5 && dataloader_num_batches(&r1) == 5, name,
              "ranks do not split the single-rank sequence (ok=%d covered=%d batches=%zu)",
              ok, covered, dataloader_num_batches(&r0));
        dataloader_free(&one);
        dataloader_free(&r0);
        dataloader_free(&r1);
    }
}

// three shards of 8, 5 and 7 samples, shared by the shuffle, resume and num_batches checks
static const char *write_shuffle_shards(const char *dir, char *pat) {
    write_counting_shard(dir, "shuf_000.bin", 8 * BT + 1, 100);
    write_counting_shard(dir, "shuf_001.bin", 5 * BT + 9, 1000);
    write_counting_shard(dir, "shuf_002.bin", 7 * BT + 1, 2000);
    return join(pat, dir, "shuf_*.bin");
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static void test_shuffle(const char *dir) {
    char pat[1024];
    write_shuffle_shards(dir, pat);
    enum { N = 20 };  // samples per epoch
    DataLoader a, b, c, plain;
    dataloader_init(&a, pat, TB, TT, 0, 1, 1, 42, 65536);
    dataloader_init(&b, pat, TB, TT, 0, 1, 1, 42, 65536);
    dataloader_init(&c, pat, TB, TT, 0, 1, 1, 43, 65536);
    dataloader_init(&plain, pat, TB, TT, 0, 1, 0, 42, 65536);
    int first_a[2 * N], first_c[2 * N], first_plain[N];
    int same_seed = 1, windows = 1;
    for (int k = 0; k < 2 * N; k++) {
        Batch ba, bb, bc;
        take_batch(&a, &ba);
        take_batch(&b, &bb);
        take_batch(&c, &bc);
        same_seed = same_seed && batch_equal(&ba, &bb);
        windows = windows && batch_is_window(&a, ba.inputs[0]);
        first_a[k] = ba.inputs[0];
        first_c[k] = bc.inputs[0];
        if (k < N) { dataloader_next_batch(&plain); first_plain[k] = plain.inputs[0]; }
    }
    check(same_seed, "shuffle_deterministic", "two loaders with seed 42 gave different batches");
    check(windows, "shuffle_whole_windows", "a shuffled batch is not a contiguous B*T+1 window");
    check(memcmp(first_a, first_c, sizeof(first_a)) != 0, "shuffle_seed_matters", "seeds 42 and 43 gave the same order");
    check(memcmp(first_a, first_plain, sizeof(first_plain)) != 0, "shuffle_differs_from_plain", "shuffled order is the plain order");
    check(memcmp(first_a, first_a + N, N * sizeof(int)) != 0, "shuffle_per_epoch", "epochs 0 and 1 have the same order");
    int ok = 1;
    for (int e = 0; e < 2; e++) {
        int sorted[N];
        memcpy(sorted, first_a + e * N, sizeof(sorted));
        qsort(sorted, N, sizeof(int), cmp_int);
        ok = ok && memcmp(sorted, first_plain, sizeof(sorted)) == 0;  // plain order is ascending
    }
    check(ok, "shuffle_is_permutation", "an epoch's shuffled samples are not exactly the plain epoch's samples");
    dataloader_free(&a);
    dataloader_free(&b);
    dataloader_free(&c);
    dataloader_free(&plain);
}

// shards not checked at init (dataloader_check_at_init_tokens below their size) with defer_bad_tokens: a bad id in a batch
// is kept as the first error's text and read as 0, the loader goes on, and the position noted before the batch reads it
// again (as the trainer's checkpoint after the error does); a set checked at init says so, a synthetic task needs neither
static void test_deferred_bad_tokens(const char *dir) {
    char pat[1024];
    uint16_t tokens[4 * BT + 1];
    for (int i = 0; i < 4 * BT + 1; i++) { tokens[i] = (uint16_t)(10 + i); }
    tokens[2 * BT + 3] = 300; // window 2's input 3
    tokens[3 * BT + 5] = 400; // window 3's: not the first error
    write_token_shard(join(pat, dir, "deferred.bin"), tokens, 4 * BT + 1);
    DataLoader loader;
    size_t saved_limit = dataloader_check_at_init_tokens;
    dataloader_check_at_init_tokens = 4 * BT; // one token fewer than the shard's
    dataloader_init(&loader, pat, TB, TT, 0, 1, 0, 0, 256);
    check(!loader.tokens_checked_at_init && dataloader_checks_per_batch(&loader), "deferred_not_checked_at_init",
          "checked at init %d, per batch %d", loader.tokens_checked_at_init, dataloader_checks_per_batch(&loader));
    loader.defer_bad_tokens = 1;
    dataloader_next_batch(&loader);
    dataloader_next_batch(&loader);
    check(loader.bad_token_error[0] == '\0', "deferred_clean_batches_no_error", "error after good batches: %s", loader.bad_token_error);
    DataPosition at = data_position(&loader);
    dataloader_next_batch(&loader);
    char want[1400];
    snprintf(want, sizeof(want), "'%s': token %d has id 300, expected < vocab_size 256 (a model whose vocabulary covers the "
             "shards' tokenizer is needed: a descriptor's v<N>)", pat, 2 * BT + 3);
    check(strcmp(loader.bad_token_error, want) == 0, "deferred_error_text", "found \"%s\"", loader.bad_token_error);
    check(loader.inputs[3] == 0 && loader.targets[2] == 0 && loader.inputs[4] == 10 + 2 * BT + 4, "deferred_bad_id_read_as_0",
          "inputs[3] %d targets[2] %d inputs[4] %d", loader.inputs[3], loader.targets[2], loader.inputs[4]);
    dataloader_next_batch(&loader);
    check(strcmp(loader.bad_token_error, want) == 0 && loader.inputs[5] == 0, "deferred_first_error_kept",
          "found \"%s\", inputs[5] %d", loader.bad_token_error, loader.inputs[5]);
    dataloader_resume(&loader, at.epoch, at.shard, at.sample);
    dataloader_next_batch(&loader);
    check(loader.inputs[0] == 10 + 2 * BT && loader.inputs[4] == 10 + 2 * BT + 4, "deferred_position_reads_the_batch_again",
          "inputs[0] %d inputs[4] %d", loader.inputs[0], loader.inputs[4]);
    dataloader_free(&loader);
    dataloader_check_at_init_tokens = 4 * BT + 1; // the shard's size: checked whole (and refused: tokens[] is made good first)
    tokens[2 * BT + 3] = 11;
    tokens[3 * BT + 5] = 12;
    write_token_shard(pat, tokens, 4 * BT + 1);
    dataloader_init(&loader, pat, TB, TT, 0, 1, 0, 0, 256);
    check(loader.tokens_checked_at_init && !dataloader_checks_per_batch(&loader), "deferred_checked_at_init_at_the_limit",
          "checked at init %d", loader.tokens_checked_at_init);
    dataloader_free(&loader);
    dataloader_init(&loader, "synth:copy", TB, 64, 0, 1, 0, 0, 32);
    check(!dataloader_checks_per_batch(&loader), "deferred_synthetic_needs_no_check", "a synthetic task checked per batch");
    dataloader_free(&loader);
    dataloader_check_at_init_tokens = saved_limit;
}

// dataloader_check_first_batches where nothing it reads is bad: the loader is left at the first batch (this rank's
// window 0 next), defer_bad_tokens as it was, and a bad id past the checked batches is not looked for (its error is
// the later batch's own; the error cases are in the fatal list: another rank's window, the next shard's)
static void test_check_first_batches(const char *dir) {
    char pat[1024];
    uint16_t tokens[6 * BT + 1];
    for (int i = 0; i < 6 * BT + 1; i++) { tokens[i] = (uint16_t)(10 + i); }
    tokens[4 * BT + 2] = 300; // window 4: the third batch's, rank 0's
    write_token_shard(join(pat, dir, "first_ok.bin"), tokens, 6 * BT + 1);
    DataLoader loader;
    size_t saved_limit = dataloader_check_at_init_tokens;
    dataloader_check_at_init_tokens = 0;
    dataloader_init(&loader, pat, TB, TT, 1, 2, 0, 0, 256);
    dataloader_deal_every_window(&loader);
    loader.defer_bad_tokens = 1;
    dataloader_next_batch(&loader); // moved on, to show the check puts it back
    dataloader_check_first_batches(&loader, 2);
    check(loader.defer_bad_tokens == 1 && loader.bad_token_error[0] == '\0', "first_batches_clean_leave_no_error",
          "defer %d, error \"%s\"", loader.defer_bad_tokens, loader.bad_token_error);
    dataloader_next_batch(&loader);
    check(loader.inputs[0] == 10 + BT, "first_batches_back_at_first_batch", "rank 1 read %d first, expected %d", loader.inputs[0], 10 + BT);
    dataloader_free(&loader);
    dataloader_check_at_init_tokens = saved_limit;
    tokens[4 * BT + 2] = 11;
    write_token_shard(pat, tokens, 6 * BT + 1);
    dataloader_init(&loader, pat, TB, TT, 1, 2, 0, 0, 256);
    dataloader_deal_every_window(&loader);
    tokens[4 * BT + 2] = 300; // written after init's check: the whole-set check at init stands for this one
    write_token_shard(pat, tokens, 6 * BT + 1);
    dataloader_check_first_batches(&loader, 3); // (a read of the third batch would exit with the id's error)
    check(loader.tokens_checked_at_init, "first_batches_none_after_init_check", "the set was not checked at init");
    dataloader_free(&loader);
}

// a loader resumed from any recorded position reads what the uninterrupted loader read next
static void test_resume(const char *dir) {
    char pat[1024];
    write_shuffle_shards(dir, pat);
    enum { STEPS = 70, AHEAD = 12 };
    size_t starts[] = {0, 1, 7, 8, 12, 19, 20, 33, 41, 55};
    for (int shuffle = 0; shuffle <= 1; shuffle++) {
        for (int rank = 0; rank < 2; rank++) {
            int world = rank + 1;  // (rank 0 of 1) and (rank 1 of 2)
            DataLoader ref;
            dataloader_init(&ref, pat, TB, TT, rank, world, shuffle, 1234, 65536);
            static Batch recorded[STEPS];
            for (int k = 0; k < STEPS; k++) { take_batch(&ref, &recorded[k]); }
            dataloader_free(&ref);
            int ok = 1;
            size_t bad = 0;
            for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]) && ok; s++) {
                const Batch *at = &recorded[starts[s]];
                DataLoader resumed;
                dataloader_init(&resumed, pat, TB, TT, rank, world, shuffle, 1234, 65536);
                dataloader_resume(&resumed, at->epoch, at->shard, at->sample);
                for (size_t k = starts[s]; k < starts[s] + AHEAD && k < STEPS && ok; k++) {
                    Batch got;
                    take_batch(&resumed, &got);
                    ok = batch_equal(&got, &recorded[k]) && got.epoch == recorded[k].epoch &&
                         got.shard == recorded[k].shard && got.sample == recorded[k].sample;
                    bad = k;
                }
                dataloader_free(&resumed);
            }
            char name[64];
            snprintf(name, sizeof(name), "resume_shuffle%d_rank%d_of_%d", shuffle, rank, world);
            check(ok, name, "resumed loader diverged at step %zu", bad);
        }
    }
}

static void test_num_batches(const char *dir) {
    char pat[1024];
    write_shuffle_shards(dir, pat);  // 8, 5, 7 samples
    size_t expected[4] = {0, 20, 4 + 2 + 3, 2 + 1 + 2};
    for (int world = 1; world <= 3; world++) {
        DataLoader loader;
        dataloader_init(&loader, pat, TB, TT, world - 1, world, 1, 5, 65536);
        size_t n = dataloader_num_batches(&loader);
        size_t before_wrap = 0;
        while (loader.epoch == 0) { dataloader_next_batch(&loader); before_wrap++; }
        char name[64];
        snprintf(name, sizeof(name), "num_batches_world%d", world);
        check(n == expected[world] && before_wrap == n, name,
              "expected %zu, found %zu (batches in one epoch: %zu)", expected[world], n, before_wrap);
        dataloader_free(&loader);
    }
}

// shards of 8, 5, 2 and 7 samples for the whole-step checks: at W = 4 windows per step the first
// gives 2 steps, the second 1 (one sample left), the third none (skipped), the fourth 1 (3 left)
static const char *write_step_shards(const char *dir, char *pat) {
    write_counting_shard(dir, "win_000.bin", 8 * BT + 1, 100);
    write_counting_shard(dir, "win_001.bin", 5 * BT + 9, 1000);
    write_counting_shard(dir, "win_002.bin", 2 * BT + 1, 2000);
    write_counting_shard(dir, "win_003.bin", 7 * BT + 1, 3000);
    return join(pat, dir, "win_*.bin");
}

enum { STEP_W = 4, STEP_EPOCH = 4, STEP_N = 3 * STEP_EPOCH }; // windows per step, steps per epoch, steps run

// P loaders, one per rank, reading W windows per step; step k's first tokens, sorted, into set[k][0..W)
static void run_steps(const char *pat, int P, int shuffle, int steps, int (*set)[STEP_W], Batch *first_pos,
                      const TrainState *from) {
    DataLoader l[4];
    for (int r = 0; r < P; r++) {
        dataloader_init(&l[r], pat, TB, TT, r, P, shuffle, 99, 65536);
        dataloader_set_step_windows(&l[r], STEP_W);
        if (from != NULL) {
            check_resume_data(from, &l[r], "(test)");
            dataloader_resume(&l[r], from->epoch, from->shard, resume_sample_index(from, &l[r]));
        }
    }
    for (int k = 0; k < steps; k++) {
        int n = 0;
        for (int r = 0; r < P; r++) {
            for (int m = 0; m < STEP_W / P; m++) {
                Batch b;
                take_batch(&l[r], &b);
                if (r == 0 && m == 0 && first_pos != NULL) { first_pos[k] = b; }
                set[k][n++] = b.inputs[0];
            }
        }
        qsort(set[k], STEP_W, sizeof(int), cmp_int);
    }
    for (int r = 0; r < P; r++) { dataloader_free(&l[r]); }
}

// with W windows per step the samples of each optimizer step are the same set on 1, 2 or 4 processes, come
// from one shard, and an epoch reads every usable sample once; a position saved by 2 processes, converted,
// continues the same sets on 1 and on 4
static void test_step_windows(const char *dir) {
    char pat[1024];
    write_step_shards(dir, pat);
    for (int shuffle = 0; shuffle <= 1; shuffle++) {
        int ref[STEP_N][STEP_W], got[STEP_N][STEP_W];
        run_steps(pat, 1, shuffle, STEP_N, ref, NULL, NULL);
        int whole = 1, covered = 1;
        for (int k = 0; k < STEP_N; k++) {
            for (int i = 0; i < STEP_W; i++) {
                whole = whole && ref[k][i] / 1000 == ref[k][0] / 1000 && ref[k][i] / 1000 != 2 && (ref[k][i] % 1000 - 100 * (ref[k][i] < 1000)) % BT == 0;
            }
        }
        for (int e = 0; e < STEP_N / STEP_EPOCH; e++) { // 16 distinct samples per epoch
            int all[STEP_EPOCH * STEP_W];
            memcpy(all, ref[e * STEP_EPOCH], sizeof(all));
            qsort(all, STEP_EPOCH * STEP_W, sizeof(int), cmp_int);
            for (int i = 1; i < STEP_EPOCH * STEP_W; i++) { covered = covered && all[i] != all[i - 1]; }
        }
        char name[64];
        snprintf(name, sizeof(name), "whole_steps_per_shard_shuffle%d", shuffle);
        check(whole && covered, name, "a step mixes shards, reads the 2-sample shard, or an epoch repeats a sample (whole %d, distinct %d)",
              whole, covered);
        for (int P = 2; P <= 4; P *= 2) {
            run_steps(pat, P, shuffle, STEP_N, got, NULL, NULL);
            snprintf(name, sizeof(name), "step_sets_same_on_%d_processes_shuffle%d", P, shuffle);
            check(memcmp(ref, got, sizeof(ref)) == 0, name, "the samples of some step differ from one process's");
        }
        // resume: positions saved by 2 processes at the start of steps 1, 2, 3, 5, 9, continued on 1, 2 and 4
        Batch pos[STEP_N];
        run_steps(pat, 2, shuffle, STEP_N, got, pos, NULL);
        const int starts[] = {1, 2, 3, 5, 9};
        for (int P = 1; P <= 4; P *= 2) {
            int ok = 1, bad = -1;
            for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
                const int k0 = starts[i];
                DataLoader two;
                dataloader_init(&two, pat, TB, TT, 0, 2, shuffle, 99, 65536);
                TrainState st;
                memset(&st, 0, sizeof(st));
                state_set_data(&st, &two);
                dataloader_free(&two);
                st.epoch = pos[k0].epoch;
                st.shard = pos[k0].shard;
                st.sample = pos[k0].sample;
                int cont[STEP_N][STEP_W];
                run_steps(pat, P, shuffle, STEP_N - k0, cont, NULL, &st);
                if (memcmp(cont, ref[k0], (size_t)(STEP_N - k0) * sizeof(cont[0])) != 0 && ok) { ok = 0; bad = k0; }
            }
            snprintf(name, sizeof(name), "resume_2_processes_on_%d_shuffle%d", P, shuffle);
            check(ok, name, "the run resumed from step %d's position diverged", bad);
        }
    }
    // on the saving process count, a position inside the windows read resumes even where it starts no step
    // (a checkpoint of the version that let steps straddle shards): 7 of shard 0's 8
    DataLoader one;
    dataloader_init(&one, pat, TB, TT, 0, 1, 0, 99, 65536);
    dataloader_set_step_windows(&one, STEP_W);
    TrainState st;
    memset(&st, 0, sizeof(st));
    state_set_data(&st, &one);
    st.sample = 7;
    check_resume_data(&st, &one, "(test)"); // (a refusal would end this process)
    dataloader_resume(&one, st.epoch, st.shard, resume_sample_index(&st, &one));
    dataloader_next_batch(&one);
    check(one.inputs[0] == 100 + 7 * BT, "resume_mid_step_same_processes", "first token %d, expected %d", one.inputs[0], 100 + 7 * BT);
    dataloader_free(&one);
    // batches per epoch count whole steps only: 16 usable samples
    for (int P = 1; P <= 4; P *= 2) {
        DataLoader l;
        dataloader_init(&l, pat, TB, TT, 0, P, 0, 1, 65536);
        size_t before = dataloader_num_batches(&l);
        dataloader_set_step_windows(&l, STEP_W);
        size_t n = dataloader_num_batches(&l), expected_before = P == 1 ? 22 : P == 2 ? 4 + 2 + 1 + 3 : 2 + 1 + 0 + 1;
        char name[64];
        snprintf(name, sizeof(name), "num_batches_whole_steps_%d_processes", P);
        check(n == (size_t)16 / P && before == expected_before, name, "%zu (expected %d), before: %zu (expected %zu)", n,
              16 / P, before, expected_before);
        dataloader_free(&l);
    }
}

// a shard exactly as llm.c's dev/data/data_common.py write_datafile writes one
static void test_llmc_format(const char *dir) {
    char path[1024], mine[1024];
    enum { N = 2 * BT + 1 };
    uint16_t tokens[N];
    for (int i = 0; i < N; i++) { tokens[i] = (uint16_t)(50256 - i * 997 % 50000); }
    write_raw_shard(join(path, dir, "llmc_format.bin"), 20240520, 1, N, tokens, N);
    write_token_shard(join(mine, dir, "mine_format.bin"), tokens, N);

    FILE *fa = fopenCheck(path, "rb");
    FILE *fb = fopenCheck(mine, "rb");
    long size = file_size(fa);
    int same = size == file_size(fb) && size == 1024 + 2 * N;
    char *ba = (char *)mallocCheck((size_t)size);
    char *bb = (char *)mallocCheck((size_t)size);
    if (same) {
        freadCheck(ba, 1, (size_t)size, fa);
        freadCheck(bb, 1, (size_t)size, fb);
        same = memcmp(ba, bb, (size_t)size) == 0;
    }
    fcloseCheck(fa);
    fcloseCheck(fb);
    free(ba);
    free(bb);
    check(same, "llmc_format_bytes", "write_token_shard output differs from a hand-built llm.c shard");

    DataLoader loader;
    dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 50257);
    int ok = 1;
    for (int k = 0; k < 2; k++) {
        dataloader_next_batch(&loader);
        for (int i = 0; i < BT; i++) {
            ok = ok && loader.inputs[i] == tokens[k * BT + i] && loader.targets[i] == tokens[k * BT + i + 1];
        }
    }
    check(ok, "llmc_format_load", "tokens read back differ from the ones written");
    dataloader_free(&loader);
}

// an empty shard (the header alone) is legal and gives no window; one of exactly B*T+1 tokens gives one (all
// one rank needs), one of exactly 3*B*T two (a third would need token 3*B*T); glob order, the empty one first
static void test_shard_sizes(const char *dir) {
    char pat[1024];
    write_counting_shard(dir, "size_000.bin", 0, 0);
    write_counting_shard(dir, "size_001.bin", BT + 1, 100);
    write_counting_shard(dir, "size_002.bin", 3 * BT, 1000);
    DataLoader loader;
    dataloader_init(&loader, join(pat, dir, "size_*.bin"), TB, TT, 0, 1, 0, 0, 65536);
    const int expected[4] = {100, 1000, 1000 + BT, 100};
    int ok = 1, bad = -1;
    for (int k = 0; k < 4 && ok; k++) {
        dataloader_next_batch(&loader);
        ok = batch_is_window(&loader, expected[k]);
        bad = k;
    }
    check(ok && dataloader_num_batches(&loader) == 3 && loader.num_tokens == 4 * BT + 1, "shard_sizes_empty_one_window_multiple_of_BT",
          "batch %d starts at token %d, expected %d; %zu batches (expected 3), %zu tokens (expected %d)", bad, loader.inputs[0],
          expected[bad < 0 ? 0 : bad], dataloader_num_batches(&loader), loader.num_tokens, 4 * BT + 1);
    dataloader_free(&loader);
}

// the val loader (dataloader_init_eval and prepare_val_loader, as the trainers make it) over shards of 7, 5, 1 and 0 windows (13 in all, a
// multiple of no process count tried): on P = 1 to 4 processes, -m -1's evaluation (every rank's batches, as many as
// eval_num_batches gives) reads every window exactly once, rank r's batch j being the window one process reads as
// its batch j*P + r, so the ranks' counts differ by at most one; -m 2 reads the set's first 2 x P windows; a second
// evaluation (from dataloader_reset) reads the same. (The train dealing read 6 + 4 + 0 windows on 2 processes.)
static int every_window_index(int first_token) { // (counting shards: bases 0, 200, 400)
    return first_token < 200 ? first_token / BT : first_token < 400 ? 7 + (first_token - 200) / BT : 12;
}
static void test_val_every_window(const char *dir) {
    enum { ALL = 13 };
    char pat[1024];
    write_counting_shard(dir, "every_000.bin", 7 * BT + 1, 0);
    write_counting_shard(dir, "every_001.bin", 5 * BT + 3, 200);
    write_counting_shard(dir, "every_002.bin", BT + 1, 400);
    write_counting_shard(dir, "every_003.bin", BT, 500);
    join(pat, dir, "every_*.bin");
    const int ms[3] = {-1, 2, 3}; // (-m 3 on 4 processes: 12 of the 13, rank 0's batches less one)
    for (int mi = 0; mi < 3; mi++) {
        for (int P = 1; P <= 4; P++) {
            int times[ALL] = {0}, in_order = 1, again = 1, most = 0, least = ALL;
            size_t counted = 0; // (eval_windows_of: the -x 0 line "val batches", over all processes)
            for (int r = 0; r < P; r++) {
                DataLoader l;
                dataloader_init_eval(&l, pat, TB, TT, r, P, 1024); // (an evaluation's loader, unshuffled: the set's first windows in order)
                prepare_val_loader(&l, ms[mi], P);
                counted = eval_windows_of(&l, ms[mi]);
                for (int pass = 0; pass < 2; pass++) {
                    dataloader_reset(&l); // (as evaluate)
                    size_t n = eval_batches_of(dataloader_num_batches(&l), ms[mi]);
                    if (pass == 0) { most = (int)n > most ? (int)n : most; least = (int)n < least ? (int)n : least; }
                    for (size_t j = 0; j < n; j++) {
                        dataloader_next_batch(&l);
                        int w = every_window_index(l.inputs[0]);
                        if (pass == 0) { times[w]++; } else { again = again && w == (int)j * P + r; }
                        in_order = in_order && w == (int)j * P + r && l.inputs[BT - 1] == l.inputs[0] + BT - 1;
                    }
                }
                dataloader_free(&l);
            }
            const int want = ms[mi] < 0 || ms[mi] * P > ALL ? ALL : ms[mi] * P;
            int exact = 1;
            for (int w = 0; w < ALL; w++) { exact = exact && times[w] == (w < want ? 1 : 0); }
            char name[96];
            if (ms[mi] < 0) { snprintf(name, sizeof(name), "val_all_windows_once_on_%d_processes", P); }
            else { snprintf(name, sizeof(name), "val_m%d_first_windows_on_%d_processes", ms[mi], P); }
            check(exact && in_order && again && most - least <= 1, name, "windows read %d%d%d%d%d%d%d%d%d%d%d%d%d times "
                  "(want the first %d once), in order %d, again %d, batches %d to %d per process", times[0], times[1],
                  times[2], times[3], times[4], times[5], times[6], times[7], times[8], times[9], times[10], times[11],
                  times[12], want, in_order, again, least, most);
            if (ms[mi] < 0) { snprintf(name, sizeof(name), "val_all_windows_counted_on_%d_processes", P); }
            else { snprintf(name, sizeof(name), "val_m%d_windows_counted_on_%d_processes", ms[mi], P); }
            check(counted == (size_t)want, name, "eval_windows_of says %zu, expected %d", counted, want);
        }
    }
}

// an evaluation's loader (dataloader_init_eval) needs a window for every process in the whole val set, not in one shard:
// shards of one window each (and one of none, not read) on 2 and 3 processes, every window read once (the val loader was
// dataloader_init's, which refused them: "shard too small", its largest shard holding fewer windows than processes).
// In a child, where a refusal is this check's failure, not the suite's end
static void small_val_shards_child(const void *pat) {
    for (int P = 2; P <= 3; P++) {
        int times[3] = {0};
        for (int r = 0; r < P; r++) {
            DataLoader l;
            dataloader_init_eval(&l, (const char *)pat, TB, TT, r, P, 1024);
            prepare_val_loader(&l, -1, P);
            size_t n = eval_batches_of(dataloader_num_batches(&l), -1);
            for (size_t j = 0; j < n; j++) {
                dataloader_next_batch(&l);
                times[l.inputs[0] / 100 % 3]++; // (shard bases 0, 100, 200)
            }
            dataloader_free(&l);
        }
        if (times[0] != 1 || times[1] != 1 || times[2] != 1) {
            fprintf(stderr, "on %d processes the windows were read %d, %d, %d times", P, times[0], times[1], times[2]);
            exit(1);
        }
    }
}
// ... and -m above what the val data holds, noted against all its windows: -m N of each of P processes is N x P of them
// (the note quoted rank 0's batches, and said nothing where the others' ran short: -m 2 on 2 processes over 3 windows)
typedef struct { const char *pat; int P, m; } EvalNoteArg;
static void eval_note_child(const void *arg) {
    const EvalNoteArg *a = (const EvalNoteArg *)arg;
    DataLoader l;
    dataloader_init_eval(&l, a->pat, TB, TT, 0, a->P, 1024);
    prepare_val_loader(&l, a->m, a->P);
    char out[512];
    StdoutCapture c = stdout_capture_begin();
    eval_num_batches(&l, a->m);
    stdout_capture_end(c, out, sizeof(out));
    fputs(out, stderr);
    dataloader_free(&l);
}
static void test_small_val_shards(const char *dir) {
    char pat[1024], err[1024];
    write_counting_shard(dir, "smallval_000.bin", BT + 1, 0);
    write_counting_shard(dir, "smallval_001.bin", BT + 1, 100);
    write_counting_shard(dir, "smallval_002.bin", BT + 1, 200);
    write_counting_shard(dir, "smallval_003.bin", BT, 300);
    join(pat, dir, "smallval_*.bin");
    int status = run_child(small_val_shards_child, pat, err, sizeof(err));
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0 && err[0] == '\0', "val_small_shards_on_more_processes",
          "status %d, stderr \"%s\"", status, err);
    // (and a val set of one batch, in the singular: it said "holds 1 batches: every evaluation uses those 1")
    char one_pat[1024];
    write_counting_shard(dir, "oneval_000.bin", BT + 1, 0);
    join(one_pat, dir, "oneval_*.bin");
    const EvalNoteArg cases[4] = {{pat, 2, 2}, {pat, 1, 4}, {pat, 3, 1}, {one_pat, 1, 2}};
    const char *want[4] = {"note: -m 2 on 2 processes is 4 batches, but the val data holds 3: every evaluation uses those 3",
                           "note: -m 4, but the val data holds 3 batches: every evaluation uses those 3", "",
                           "note: -m 2, but the val data holds 1 batch: every evaluation uses it"};
    for (int k = 0; k < 4; k++) {
        status = run_child(eval_note_child, &cases[k], err, sizeof(err));
        char name[64];
        snprintf(name, sizeof(name), "val_m_note_on_%d_processes_m%d%s", cases[k].P, cases[k].m, k == 3 ? "_one_batch" : "");
        check(WIFEXITED(status) && WEXITSTATUS(status) == 0 && strcmp(err, want[k]) == 0, name, "status %d, said \"%s\", "
              "expected \"%s\"", status, err, want[k]);
    }
    // ... and what eval_num_batches gives (each process's count, evaluate's loop) is this process's batches, not the set's
    // windows: on 2 processes over the 3 windows, 2 and 1 with -m -1 and -m 2 (a count of all 3 read past rank 1's one)
    size_t got[2][2] = {{0}};
    char said[512];
    for (int mi = 0; mi < 2; mi++) {
        for (int r = 0; r < 2; r++) {
            DataLoader l;
            dataloader_init_eval(&l, pat, TB, TT, r, 2, 1024);
            prepare_val_loader(&l, mi == 0 ? -1 : 2, 2);
            StdoutCapture c = stdout_capture_begin(); // (-m 2's note, said once)
            got[mi][r] = eval_num_batches(&l, mi == 0 ? -1 : 2);
            stdout_capture_end(c, said, sizeof(said));
            dataloader_free(&l);
        }
    }
    check(got[0][0] == 2 && got[0][1] == 1 && got[1][0] == 2 && got[1][1] == 1, "val_eval_num_batches_per_process",
          "-m -1: %zu and %zu batches, -m 2: %zu and %zu (expected 2 and 1 for both)", got[0][0], got[0][1], got[1][0], got[1][1]);
}
// the val loader on 2 processes (test_val_every_window's shards): the shard of no window is noted as holding fewer than
// 1 window, not "one step's" (an evaluation's loader deals single windows); and a synthetic val set (-m 3), whose
// batches each rank makes for itself: 3 per process, 6 over both (-x 0's "val batches"), rank 1's the same from each
// reset (evaluate's), a reset not stepping it through windows a synthetic task has no shards for
static void test_val_every_window_notes_synthetic(const char *dir) {
    char pat[1024];
    DataLoader l;
    dataloader_init(&l, join(pat, dir, "every_*.bin"), TB, TT, 1, 2, 0, 0, 1024);
    StdoutCapture cap = stdout_capture_begin();
    prepare_val_loader(&l, -1, 2);
    char note[1024];
    stdout_capture_end(cap, note, sizeof(note));
    dataloader_free(&l);
    char want[1200];
    snprintf(want, sizeof(want), "note: 1 of 4 shards hold fewer than 1 window of %d tokens and are not read (the first: %s/every_003.bin)\n",
             BT, dir);
    check(strcmp(note, want) == 0, "val_two_processes_note_of_no_window", "printed \"%s\"", note);
    // ... and windows of B*T = 1 token in the singular (it said "1 window of 1 tokens")
    write_counting_shard(dir, "onetok_000.bin", 3, 0);
    write_counting_shard(dir, "onetok_001.bin", 1, 0);
    dataloader_init(&l, join(pat, dir, "onetok_*.bin"), 1, 1, 0, 1, 0, 0, 1024);
    cap = stdout_capture_begin();
    prepare_val_loader(&l, -1, 1);
    stdout_capture_end(cap, note, sizeof(note));
    dataloader_free(&l);
    snprintf(want, sizeof(want), "note: 1 of 2 shards hold fewer than 1 window of 1 token and are not read (the first: %s/onetok_001.bin)\n", dir);
    check(strcmp(note, want) == 0, "note_of_no_window_one_token", "printed \"%s\"", note);
    DataLoader s, fresh;
    int want_batches[3][TB * 64];
    dataloader_init(&fresh, "synth:copy", TB, 64, 1, 2, 0, 7, 32); // (rank 1's batches, no evaluation's dealing)
    for (int j = 0; j < 3; j++) { dataloader_next_batch(&fresh); memcpy(want_batches[j], fresh.inputs, sizeof(want_batches[j])); }
    dataloader_init(&s, "synth:copy", TB, 64, 1, 2, 0, 7, 32);
    prepare_val_loader(&s, 3, 2);
    int same = 1;
    for (int pass = 0; pass < 2; pass++) {
        dataloader_reset(&s); // (as evaluate)
        for (int j = 0; j < 3; j++) {
            dataloader_next_batch(&s);
            same = same && memcmp(s.inputs, want_batches[j], sizeof(want_batches[j])) == 0;
        }
    }
    check(same && dataloader_num_batches(&s) == 3 && eval_windows_of(&s, 3) == 6, "val_synthetic_on_two_processes",
          "batches as a fresh loader's %d, %zu batches (want 3), %zu windows (want 6)", same, dataloader_num_batches(&s),
          eval_windows_of(&s, 3));
    dataloader_free(&s);
    dataloader_free(&fresh);
}

// W = 4 over shards of 2 and of exactly 4 windows: the one of 4 holds a step and is read, the one of 2 (first in
// glob order, so the loader starts past it) is not, and the note counts it alone
static void test_step_windows_edges(const char *dir) {
    char pat[1024];
    write_counting_shard(dir, "edge_000.bin", 2 * BT + 1, 100);
    write_counting_shard(dir, "edge_001.bin", 4 * BT + 1, 1000);
    DataLoader loader;
    dataloader_init(&loader, join(pat, dir, "edge_*.bin"), TB, TT, 0, 1, 0, 0, 65536);
    StdoutCapture cap = stdout_capture_begin(); // the note goes to stdout
    dataloader_set_step_windows(&loader, 4);
    char note[1024];
    stdout_capture_end(cap, note, sizeof(note));
    int ok = 1;
    for (int k = 0; k < 5; k++) {  // one epoch of 4, then the first window again
        dataloader_next_batch(&loader);
        ok = ok && batch_is_window(&loader, 1000 + (k % 4) * BT);
    }
    check(ok && dataloader_num_batches(&loader) == 4 && loader.epoch == 1, "step_windows_shard_of_exactly_one_step",
          "the shard of 4 windows is not read alone, in order (first token %d, %zu batches, epoch %zu)", loader.inputs[0],
          dataloader_num_batches(&loader), loader.epoch);
    check(strstr(note, "note: 1 of 2 shards hold fewer than one step's 4 windows of 16 tokens") != NULL &&
          strstr(note, "edge_000.bin") != NULL, "step_windows_note_counts_only_shards_below_a_step", "stdout \"%s\"", note);
    dataloader_free(&loader);
}

// the lowest file descriptor free now
static int lowest_free_fd(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0) { fatalf("open /dev/null failed: %s", strerror(errno)); }
    close(fd);
    return fd;
}

// two shards of one window each, shuffled: the loader holds one file open at a time (a shard it leaves is
// closed: else a long run over many shards runs out of descriptors), and the shard order of an epoch is
// either order, each in a fair share of 32 epochs (a shuffle that never swaps the last pair, or always
// does, gives the same order every epoch)
static void test_two_shards_shuffled(const char *dir) {
    char pat[1024];
    write_counting_shard(dir, "pair_000.bin", BT + 1, 100);
    write_counting_shard(dir, "pair_001.bin", BT + 1, 200);
    int before = lowest_free_fd();
    DataLoader loader;
    dataloader_init(&loader, join(pat, dir, "pair_*.bin"), TB, TT, 0, 1, 1, 3, 65536);
    dataloader_next_batch(&loader);
    int open_one = lowest_free_fd();
    int both = 1, second_first = 0, prev = loader.inputs[0];
    for (int k = 1; k < 64; k++) {
        dataloader_next_batch(&loader);
        if (k % 2 == 1) {  // the second batch of an epoch is the other shard
            both = both && prev + loader.inputs[0] == 300;
            second_first += prev == 200;
        }
        prev = loader.inputs[0];
    }
    int still_one = lowest_free_fd();
    dataloader_free(&loader);
    int after = lowest_free_fd();
    check(still_one == open_one && after == before, "one_shard_file_open_at_a_time",
          "lowest free descriptor %d before init, %d after the first batch, %d after 63 more, %d after free", before, open_one,
          still_one, after);
    check(both && second_first >= 8 && second_first <= 24, "shuffle_two_shards_both_orders",
          "each epoch reads both shards: %d; pair_001 first in %d of 32 epochs (expected 8..24)", both, second_first);
}

// each shard's samples get their own permutation: two shards of 8 windows are not read in the same order
static void test_sample_orders_per_shard(const char *dir) {
    char pat[1024];
    write_counting_shard(dir, "own_000.bin", 8 * BT + 1, 100);
    write_counting_shard(dir, "own_001.bin", 8 * BT + 1, 1000);
    int differ = 1;
    for (unsigned long long seed = 1; seed <= 4; seed++) {
        DataLoader loader;
        dataloader_init(&loader, join(pat, dir, "own_*.bin"), TB, TT, 0, 1, 1, seed, 65536);
        int order[2][8], n[2] = {0, 0};
        for (int k = 0; k < 16; k++) {
            dataloader_next_batch(&loader);
            int s = loader.inputs[0] >= 1000;
            if (n[s] < 8) { order[s][n[s]++] = (loader.inputs[0] - (s ? 1000 : 100)) / BT; }
        }
        differ = differ && n[0] == 8 && n[1] == 8 && memcmp(order[0], order[1], sizeof(order[0])) != 0;
        dataloader_free(&loader);
    }
    check(differ, "shuffle_sample_order_per_shard", "two shards of 8 windows were read in the same window order");
}

// one shard's samples are read in another order each epoch (the permutation is keyed by the epoch): with one train shard,
// a sample order drawn once would repeat epoch 0 every epoch (shuffle_per_epoch passed on it: its three shards change order)
static void test_sample_order_per_epoch(const char *dir) {
    char pat[1024];
    write_counting_shard(dir, "alone.bin", 8 * BT + 1, 100);
    int differ = 1, whole = 1;
    for (unsigned long long seed = 1; seed <= 4; seed++) {
        DataLoader loader;
        dataloader_init(&loader, join(pat, dir, "alone.bin"), TB, TT, 0, 1, 1, seed, 65536);
        int order[2][8];
        for (int k = 0; k < 16; k++) {
            whole = whole && loader.epoch == (size_t)(k / 8);
            dataloader_next_batch(&loader);
            order[k / 8][k % 8] = loader.inputs[0];
        }
        differ = differ && memcmp(order[0], order[1], sizeof(order[0])) != 0;
        dataloader_free(&loader);
    }
    check(differ && whole, "shuffle_sample_order_per_epoch", "one shard of 8 windows read in the same order in epochs 0 and 1 (%d), "
          "or an epoch not of 8 batches (%d)", !differ, !whole);
}

// load_token_stream: the shards in glob order as one stream, an empty one among them, over more than one
// 1M-token read chunk
static void test_token_stream(const char *dir) {
    char pat[1024];
    const size_t big = (1 << 20) + 3;
    write_counting_shard(dir, "joined_000.bin", 5, 60000);
    write_counting_shard(dir, "joined_001.bin", 0, 0);
    write_counting_shard(dir, "joined_002.bin", big, 0);  // tokens 0, 1, ..., wrapping at 65536
    size_t n = 0;
    int *tokens = load_token_stream(join(pat, dir, "joined_*.bin"), 65536, 2, &n);
    int ok = n == 5 + big;
    size_t bad = 0;
    for (size_t i = 0; i < n && ok; i++) {
        ok = tokens[i] == (i < 5 ? 60000 + (int)i : (int)((i - 5) % 65536));
        bad = i;
    }
    check(ok, "token_stream_joins_shards", "%zu tokens (expected %zu), or token %zu is %d", n, 5 + big, bad, n > bad ? tokens[bad] : -1);
    free(tokens);
}

static void test_tokenizer_bytes(void) {
    Tokenizer t;
    tokenizer_init_bytes(&t);
    int ok = t.init_ok && t.vocab_size == 256 && t.byte_level;
    for (uint32_t i = 0; i < 256; i++) {
        const char *piece = tokenizer_decode(&t, i);
        ok = ok && piece != NULL && t.token_len[i] == 1 && (unsigned char)piece[0] == i;
    }
    check(ok, "tokenizer_bytes_decode_all_256", "a byte token did not decode to its byte");
    fprintf(stderr, "(an out-of-range warning is expected next)\n");
    check(tokenizer_decode(&t, 256) == NULL, "tokenizer_bytes_out_of_range", "decode(256) did not return NULL");
    tokenizer_free(&t);

    // safe printing: control bytes (the 0 byte of token 0 among them) are escaped, text is not
    FILE *fp = tmpfile();
    if (fp == NULL) { fatalf("tmpfile failed"); }
    const char in[] = "a\0\x1b\n\t\xc3\xa9z";
    safe_print_bytes(fp, in, sizeof(in) - 1);
    const char expect[] = "a\\x00\\x1b\n\t\xc3\xa9z";
    char out[64] = {0};
    rewind(fp);
    size_t got = fread(out, 1, sizeof(out) - 1, fp);
    fclose(fp);
    check(got == sizeof(expect) - 1 && memcmp(out, expect, got) == 0, "safe_print_escapes", "got \"%s\"", out);
}

static void test_tokenizer_file(const char *dir) {
    char path[1024];
    const char *tokens[] = {"a", "bc", "\0z", "\xe2\x82\xac", "<|endoftext|>"};
    const uint8_t lens[] = {1, 2, 2, 3, 13};
    for (uint32_t version = 1; version <= 2; version++) {
        join(path, dir, version == 1 ? "tok_v1.bin" : "tok_v2.bin");
        write_tokenizer(path, 20240328, version, 4, tokens, lens, 5, 0);
        Tokenizer t;
        tokenizer_init(&t, path);
        int ok = t.init_ok && t.vocab_size == 5 && !t.byte_level && t.eot_token == (version == 2 ? 4 : -1);
        for (uint32_t i = 0; i < 5 && ok; i++) {
            const char *piece = tokenizer_decode(&t, i);
            ok = piece != NULL && t.token_len[i] == lens[i] && memcmp(piece, tokens[i], lens[i]) == 0 &&
                 piece[lens[i]] == '\0';
        }
        fprintf(stderr, "(out-of-range warnings are expected next)\n");
        ok = ok && tokenizer_decode(&t, 5) == NULL && tokenizer_decode(&t, UINT32_MAX) == NULL;
        char name[64];
        snprintf(name, sizeof(name), "tokenizer_v%u_round_trip", version);
        check(ok, name, "tokens, lengths or eot differ from the file written");
        // ids past the vocabulary print nothing (decode's warning says so); the last id prints its bytes
        char printed[64];
        StdoutCapture cap = stdout_capture_begin();
        tokenizer_print(&t, 99);
        tokenizer_print(&t, 5);
        tokenizer_print(&t, UINT32_MAX);
        tokenizer_print(&t, 4);
        size_t n_printed = stdout_capture_end(cap, printed, sizeof(printed));
        snprintf(name, sizeof(name), "tokenizer_v%u_print_out_of_range_prints_nothing", version);
        check(n_printed == 13 && strcmp(printed, "<|endoftext|>") == 0, name, "printed %zu bytes \"%s\" (expected \"<|endoftext|>\")",
              n_printed, printed);
        tokenizer_free(&t);
    }
    Tokenizer t;
    fprintf(stderr, "(a missing-tokenizer warning is expected next)\n");
    tokenizer_init(&t, join(path, dir, "no_such_tokenizer.bin"));
    check(!t.init_ok && tokenizer_decode(&t, 0) == NULL, "tokenizer_missing_file_not_fatal", "init_ok=%d", t.init_ok);
    tokenizer_free(&t);
}

// the optional real-data check: dev/data/tinyshakespeare.py's val split
static void test_tinyshakespeare(void) {
    const char *val = "dev/data/tinyshakespeare/tiny_shakespeare_val.bin";
    const char *txt = "dev/data/tinyshakespeare.txt";
    if (access(val, R_OK) != 0) {
        printf("SKIP tinyshakespeare_val: %s not found (run python3 dev/data/tinyshakespeare.py)\n", val);
        return;
    }
    DataLoader loader;
    dataloader_init(&loader, val, 4, 64, 0, 1, 0, 0, 256);
    check(loader.num_tokens == 111540, "tinyshakespeare_val_tokens", "expected 111540, found %zu", loader.num_tokens);
    size_t n = dataloader_num_batches(&loader);
    int ok = n == (111540 - 1) / 256;
    for (size_t k = 0; k < n && ok; k++) {
        dataloader_next_batch(&loader);
        for (int i = 0; i < 256; i++) { ok = ok && loader.inputs[i] < 256 && loader.targets[i] < 256; }
    }
    check(ok, "tinyshakespeare_val_batches", "%zu batches, or a token >= 256", n);
    if (access(txt, R_OK) == 0) {  // the val split starts at byte int(0.9 * 1115394)
        dataloader_reset(&loader);
        dataloader_next_batch(&loader);
        FILE *fp = fopenCheck(txt, "rb");
        unsigned char text[257];
        fseekCheck(fp, 1003854, SEEK_SET);
        freadCheck(text, 1, 257, fp);
        fcloseCheck(fp);
        int same = 1;
        for (int i = 0; i < 256; i++) { same = same && loader.inputs[i] == text[i] && loader.targets[i] == text[i + 1]; }
        check(same, "tinyshakespeare_val_matches_text", "first val batch differs from the text at byte 1003854");
    }
    dataloader_free(&loader);
}

// ----------------------------------------------------------------------------
// synthetic tasks (dataloader.h): the Mamba paper's selective copying (4.1.1) and induction heads
// (4.1.2), at scripts/run_synthetic.sh's sizes; every property holds on every row of 100 batches,
// and the counts of random choices sit within 5 standard deviations of the uniform ones (the
// batches are seeded, so a pass or a fail is the same on every run)

enum { SYN_BATCHES = 100, SYN_V = 16, SYN_K = 16 };  // the script's vocabulary; the doc's 16 data tokens a row

// the first n batches of a task, as the trainer's loader makes them: rows of T inputs and T targets
static void synth_batches(const char *task, size_t B, size_t T, int rank, int world, unsigned long long seed, int n,
                          int *inputs, int *targets) {
    DataLoader l;
    dataloader_init(&l, task, B, T, rank, world, 1, seed, SYN_V);
    for (int k = 0; k < n; k++) {
        dataloader_next_batch(&l);
        memcpy(inputs + (size_t)k * B * T, l.inputs, B * T * sizeof(int));
        memcpy(targets + (size_t)k * B * T, l.targets, B * T * sizeof(int));
    }
    dataloader_free(&l);
}

// |count - expected| within 5 standard deviations of a binomial(n, p) count
static int near_binomial(long count, double n, double p) {
    return fabs((double)count - n * p) <= 5.0 * sqrt(n * p * (1.0 - p));
}

// the mean of `rows` means of k positions drawn without replacement from [0, n) (k = 1: one position)
// within 5 standard deviations of (n-1)/2: a position's variance is (n^2-1)/12, a row's mean has that
// / k x (n-k)/(n-1) (the finite-population correction)
static int near_uniform_mean(double sum, double rows, double k, double n) {
    double var_row = (n * n - 1.0) / 12.0 / k * (n > 1.0 ? (n - k) / (n - 1.0) : 0.0);
    return fabs(sum / (rows * k) - (n - 1.0) / 2.0) <= 5.0 * sqrt(var_row / rows);
}

// doc/results.md: noise 0, marker 15, data 1-14; 16 data tokens among the noise in the first 1,024
// positions, then 16 markers; at the k-th marker the target is the k-th data token (-t 1040)
static void test_synth_copy(void) {
    const size_t B = 4, T = 1040, L = T - SYN_K;
    const size_t rows = SYN_BATCHES * B;
    int *in = (int *)mallocCheck(rows * T * sizeof(int)), *tg = (int *)mallocCheck(rows * T * sizeof(int));
    synth_batches("synth:copy", B, T, 0, 1, 1337, SYN_BATCHES, in, tg);
    int in_range = 1, sixteen = 1, markers = 1, answers = 1, unscored = 1;
    long value_count[SYN_V] = {0};
    double pos_sum = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const int *x = in + r * T, *y = tg + r * T;
        int data[SYN_K];
        size_t nd = 0;
        for (size_t t = 0; t < L; t++) {  // left to right: data[] in the order of their positions
            if (x[t] == 0) { continue; }
            if (x[t] < 1 || x[t] > SYN_V - 2) { in_range = 0; continue; }
            if (nd < SYN_K) { data[nd] = x[t]; }
            nd++;
            value_count[x[t]]++;
            pos_sum += (double)t;
        }
        sixteen = sixteen && nd == SYN_K;
        for (size_t t = L; t < T; t++) { markers = markers && x[t] == SYN_V - 1; }
        for (size_t t = 0; t < L; t++) { unscored = unscored && y[t] == -1; }
        for (size_t k = 0; k < SYN_K && nd == SYN_K; k++) { answers = answers && y[L + k] == data[k]; }
    }
    check(in_range && sixteen, "synth_copy_data_tokens",
          "every one of the first %zu positions must be noise 0 or a data token in [1, %d], 16 data tokens a row (in range %d, 16 each %d)",
          L, SYN_V - 2, in_range, sixteen);
    check(markers, "synth_copy_markers_at_end", "the last 16 positions are not all the marker %d", SYN_V - 1);
    check(answers && unscored, "synth_copy_targets_data_in_order",
          "the target at the k-th marker must be the k-th data token, every other target -1 (answers %d, others -1 %d)",
          answers, unscored);
    // uniform: each data value 1/14 of the data tokens; the positions a uniform 16 of the 1,024 (a sampler
    // biased to early or late positions moves their mean: one that takes the first 16 of 17, by ~7 sd)
    const double n = (double)rows * SYN_K;
    int uniform = near_uniform_mean(pos_sum, (double)rows, SYN_K, (double)L);
    for (int v = 1; v <= SYN_V - 2; v++) { uniform = uniform && near_binomial(value_count[v], n, 1.0 / (SYN_V - 2)); }
    check(uniform, "synth_copy_uniform_values_and_positions",
          "mean data position %.2f (expected ~%.1f), token 1 %ld of %.0f data tokens (expected ~1/14)", pos_sum / n,
          (L - 1) / 2.0, value_count[1], n);
    free(in);
    free(tg);
}

// the special token V-1 at a random position p and at the end, the token X after it at p+1, every
// other token in [0, V-2]; the only scored target is X, at the end (ln 15 at chance: 15 choices)
static void test_synth_induction(void) {
    const size_t B = 8, T = 256;
    const size_t rows = SYN_BATCHES * B;
    int *in = (int *)mallocCheck(rows * T * sizeof(int)), *tg = (int *)mallocCheck(rows * T * sizeof(int));
    synth_batches("synth:induction", B, T, 0, 1, 1337, SYN_BATCHES, in, tg);
    int twice = 1, answer = 1, unscored = 1;
    long x_count[SYN_V] = {0}, token_count[SYN_V] = {0};
    double p_sum = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const int *x = in + r * T, *y = tg + r * T;
        size_t specials = 0, p = 0;
        for (size_t t = 0; t < T; t++) {
            if (x[t] < 0 || x[t] > SYN_V - 1) { specials = 99; }  // out of the vocabulary: fails the row
            if (x[t] == SYN_V - 1) { if (specials++ == 0) { p = t; } } else if (x[t] >= 0 && x[t] < SYN_V) { token_count[x[t]]++; }
        }
        // twice: once at p <= T-3 (X after it is not the final query) and once at T-1
        int ok = specials == 2 && x[T - 1] == SYN_V - 1 && p + 2 < T;
        twice = twice && ok;
        if (!ok) { continue; }
        answer = answer && y[T - 1] == x[p + 1];
        for (size_t t = 0; t + 1 < T; t++) { unscored = unscored && y[t] == -1; }
        x_count[x[p + 1]]++;
        p_sum += (double)p;
    }
    check(twice, "synth_induction_special_token_twice",
          "a row does not hold the special token %d exactly twice, once at p <= T-3 and once at the end", SYN_V - 1);
    check(answer && unscored, "synth_induction_target_is_token_after_first",
          "the target at the end must be the token after the first special token, every other target -1 (answer %d, others %d)",
          answer, unscored);
    // p uniform over the T-2 positions [0, T-3]; X and the filler uniform over the 15 tokens [0, V-2]
    const double fillers = (double)rows * (T - 2);  // all but the two special tokens (X counts as a filler)
    int uniform = near_uniform_mean(p_sum, (double)rows, 1.0, (double)(T - 2));
    for (int v = 0; v <= SYN_V - 2; v++) {
        uniform = uniform && near_binomial(x_count[v], (double)rows, 1.0 / (SYN_V - 1)) &&
                  near_binomial(token_count[v], fillers, 1.0 / (SYN_V - 1));
    }
    check(uniform, "synth_induction_uniform", "mean p %.2f (expected ~%.1f), X = 0 in %ld of %zu rows, token 0 %ld of %.0f",
          p_sum / (double)rows, (T - 3) / 2.0, x_count[0], rows, token_count[0], fillers);
    free(in);
    free(tg);
}

// rows of a and b (na and nb rows of T) that are the same
static long synth_same_rows(const int *a, size_t na, const int *b, size_t nb, size_t T) {
    long same = 0;
    for (size_t i = 0; i < na; i++) {
        for (size_t j = 0; j < nb; j++) { same += memcmp(a + i * T, b + j * T, T * sizeof(int)) == 0; }
    }
    return same;
}

// the val set is seed 0's first -m batches (train_mamba.c's val loader: seed 0, no shuffle), which a
// training seed must not reproduce; a seed reproduces its batches, and batch i is a function of (seed,
// rank, i) alone: resume and reset land on it, and ranks get batches of their own
static void test_synth_seeds(void) {
    const char *tasks[2] = {"synth:copy", "synth:induction"};
    enum { B = 4, T = 64, BT_ = B * T, N = SYN_BATCHES * BT_, VAL_M = 12 };  // -m 12: not the default 20
    int *train = (int *)mallocCheck(N * sizeof(int)), *again = (int *)mallocCheck(N * sizeof(int));
    int *other = (int *)mallocCheck(N * sizeof(int)), *rank1 = (int *)mallocCheck(N * sizeof(int));
    int *tgt = (int *)mallocCheck(N * sizeof(int));
    int val[VAL_M * BT_];
    for (int k = 0; k < 2; k++) {
        char name[96];
        synth_batches(tasks[k], B, T, 0, 1, 1337, SYN_BATCHES, train, tgt);
        synth_batches(tasks[k], B, T, 0, 1, 1337, SYN_BATCHES, again, tgt);
        synth_batches(tasks[k], B, T, 0, 1, 1, SYN_BATCHES, other, tgt);
        synth_batches(tasks[k], B, T, 1, 2, 1337, SYN_BATCHES, rank1, tgt);
        DataLoader v;
        dataloader_init(&v, tasks[k], B, T, 0, 1, 0, 0, SYN_V);  // as train_mamba.c's val loader
        size_t default_m = dataloader_num_batches(&v);
        set_synthetic_val_size(&v, VAL_M);
        for (int i = 0; i < VAL_M; i++) { dataloader_next_batch(&v); memcpy(val + i * BT_, v.inputs, BT_ * sizeof(int)); }
        snprintf(name, sizeof(name), "synth_%s_val_set_is_seed0_first_m", tasks[k] + 6);
        check(default_m == 20 && dataloader_num_batches(&v) == VAL_M, name, "%zu batches by default (expected 20), %zu at -m %d",
              default_m, dataloader_num_batches(&v), VAL_M);
        long val_in_train = synth_same_rows(val, VAL_M * B, train, SYN_BATCHES * B, T);
        long val_in_other = synth_same_rows(val, VAL_M * B, other, SYN_BATCHES * B, T);
        snprintf(name, sizeof(name), "synth_%s_val_differs_from_train", tasks[k] + 6);
        check(val_in_train == 0 && val_in_other == 0, name, "%ld val rows among seed 1337's training rows, %ld among seed 1's",
              val_in_train, val_in_other);
        snprintf(name, sizeof(name), "synth_%s_seed_reproduces", tasks[k] + 6);
        check(memcmp(train, again, N * sizeof(int)) == 0, name, "two loaders of seed 1337 gave different batches");
        // every row of a stream is new: no batch repeats, and no other seed or rank shares one
        long repeats = synth_same_rows(train, SYN_BATCHES * B, train, SYN_BATCHES * B, T) - SYN_BATCHES * B;
        long seeds_share = synth_same_rows(train, SYN_BATCHES * B, other, SYN_BATCHES * B, T);
        long ranks_share = synth_same_rows(train, SYN_BATCHES * B, rank1, SYN_BATCHES * B, T);
        snprintf(name, sizeof(name), "synth_%s_rows_distinct_over_batches_seeds_ranks", tasks[k] + 6);
        check(repeats == 0 && seeds_share == 0 && ranks_share == 0, name,
              "%ld repeated rows in seed 1337's batches; seeds 1337 and 1 share %ld, ranks 0 and 1 share %ld", repeats,
              seeds_share, ranks_share);
        // the val set is the same at every evaluation (reset), and a resumed run continues at its batch
        dataloader_reset(&v);
        dataloader_next_batch(&v);
        int same = memcmp(v.inputs, val, BT_ * sizeof(int)) == 0;
        dataloader_free(&v);
        DataLoader t;
        dataloader_init(&t, tasks[k], B, T, 0, 1, 1, 1337, SYN_V);
        const size_t at[] = {37, 0, 99, 1};
        for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
            dataloader_resume(&t, 0, 0, at[i]);
            dataloader_next_batch(&t);
            same = same && memcmp(t.inputs, train + at[i] * BT_, BT_ * sizeof(int)) == 0;
        }
        dataloader_free(&t);
        snprintf(name, sizeof(name), "synth_%s_resume_and_reset", tasks[k] + 6);
        check(same, name, "a reset val loader, or a train loader resumed at batch 37, 0, 99 or 1, did not give that batch");
    }
    free(train);
    free(again);
    free(other);
    free(rank1);
    free(tgt);
}

// the exact batches of each task (seed 1337, the first 3 batches of 4 rows of 64): doc/results.md's runs, and
// a synthetic checkpoint resumed by another build, see the same data only while these stay. Pinned: a change
// to a generator must be deliberate (and update these numbers)
static void test_synth_pinned(void) {
    const char *tasks[2] = {"synth:copy", "synth:induction"};
    const uint32_t pinned[2] = {0xa1db96a2u, 0x71024437u}; // the batches of 2026-12-02 (git 9597400)
    enum { B = 4, T = 64, N = 3 };
    int in[N * B * T], tg[N * B * T];
    for (int k = 0; k < 2; k++) {
        synth_batches(tasks[k], B, T, 0, 1, 1337, N, in, tg);
        uint32_t h = crc32_update(crc32_update(0, in, sizeof(in)), tg, sizeof(tg)); // (the model files' checksum)
        char name[64];
        snprintf(name, sizeof(name), "synth_%s_batches_pinned", tasks[k] + 6);
        check(h == pinned[k], name, "hash of the first %d batches 0x%08x, pinned 0x%08x", N, h, pinned[k]);
    }
}

// the child of test_synth_file_patterns: exits 3 if a pattern is taken for a synthetic task
static void synth_pattern_child(const void *arg) {
    for (const char *const *p = (const char *const *)arg; *p != NULL; p++) {
        if (synthetic_task_from_pattern(*p) != SYNTH_NONE) { exit(3); }
    }
}

// only "synth:" starts a synthetic task: a file pattern that merely starts with "synth" is a file pattern
static void test_synth_file_patterns(void) {
    const char *patterns[] = {"synth_data/train_*.bin", "synthetic.bin", "synth", NULL};
    char err[1024];
    int status = run_child(synth_pattern_child, patterns, err, sizeof(err));
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0 && err[0] == '\0' &&
          synthetic_task_from_pattern("synth:copy") == SYNTH_COPY && synthetic_task_from_pattern("synth:induction") == SYNTH_INDUCTION,
          "synth_prefix_only_with_colon", "status %d, stderr \"%s\" for file patterns starting with \"synth\"", status, err);
}

// ----------------------------------------------------------------------------
// the -sl / -sg outlier detector (llmc/train_common.h): llm.c's, a window of the last 128 values and
// their population standard deviation; the value scored is not in the window

// z of x against w[0..n) from the definition, in two passes (no cancellation, unlike E[w^2] - mean^2)
static double reference_z(const double *w, int n, double x) {
    double mean = 0.0, var = 0.0;
    for (int i = 0; i < n; i++) { mean += w[i]; }
    mean /= n;
    for (int i = 0; i < n; i++) { var += (w[i] - mean) * (w[i] - mean); }
    return (x - mean) / sqrt(var / n);
}

static int close_rel(double a, double b, double tol) { return fabs(a - b) <= tol * fabs(b); }

static void test_outlier_detector(void) {
    OutlierDetector d = {{0}, 0, 0};
    // 1000 first (so that dropping it shows), then 1, ..., 127: z is 0 while fewer than 128 are in
    int zero = 1;
    for (int i = 0; i < 128; i++) {
        zero = zero && outlier_zscore(&d, 1e6) == 0.0 && outlier_zscore(&d, -1e6) == 0.0;
        outlier_add(&d, i == 0 ? 1000.0 : (double)i);
    }
    check(zero, "outlier_z_zero_until_128_values", "a z-score other than 0 before the window held 128 values");
    // {1000, 1..127}: mean (1000 + 8128) / 128 = 71.3125, E[x^2] = (10^6 + 127*128*255/6) / 128 = 13210,
    // population variance 13210 - 71.3125^2 = 8124.52734375 (the sample variance would be x 128/127)
    double z = outlier_zscore(&d, 200.0), want = (200.0 - 71.3125) / sqrt(8124.52734375);
    check(close_rel(z, want, 1e-12), "outlier_z_population_std", "z(200) = %.15g, expected %.15g (sample std: %.15g)", z,
          want, (200.0 - 71.3125) / sqrt(8124.52734375 * 128.0 / 127.0));
    double z_again = outlier_zscore(&d, 200.0);
    check(d.count == 128 && z_again == z, "outlier_zscore_does_not_add", "count %d, z %.15g then %.15g", d.count, z, z_again);
    // one more value: the window is {1..128}, the 1000 gone: mean 64.5, variance (128^2 - 1) / 12 = 1365.25
    outlier_add(&d, 128.0);
    z = outlier_zscore(&d, 200.0);
    want = (200.0 - 64.5) / sqrt(1365.25);
    check(close_rel(z, want, 1e-12), "outlier_drops_oldest", "z(200) = %.15g after the 129th value, expected %.15g", z, want);
    // a loss-like stream of floats (what the trainers pass): at every step the z of the last 128
    OutlierDetector s = {{0}, 0, 0};
    static double hist[400];
    uint64_t rng = 7;
    int match = 1, bad = -1;
    for (int i = 0; i < 400; i++) {
        float x = (float)(3.0 - 0.002 * i + 0.2 * (random_f64(&rng) - 0.5) + (i % 97 == 50 ? 1.5 : 0.0));
        double got = outlier_zscore(&s, x), ref = i < 128 ? 0.0 : reference_z(hist + i - 128, 128, x);
        if (!(i < 128 ? got == 0.0 : close_rel(got, ref, 1e-9)) && match) { match = 0; bad = i; }
        outlier_add(&s, x);
        hist[i] = x;
    }
    check(match, "outlier_z_of_last_128", "the z of value %d differs from the one over the 128 before it", bad);
    // a constant window has std 0: z 0 for any value (never an outlier, llm.c's rule), not inf or NaN. The
    // one-pass E[x^2] - mean^2 gets there only where its rounding leaves it <= 0: for the trainers' values,
    // floats, it does (2M random ones tried; their sum and mean are exact, the sum of squares rounds)
    const float constants[] = {2.5f, 2.3f, 0.0f, 1e-4f, 7.0e4f};
    int flat = 1;
    for (size_t k = 0; k < sizeof(constants) / sizeof(constants[0]); k++) {
        OutlierDetector c = {{0}, 0, 0};
        for (int i = 0; i < 128; i++) { outlier_add(&c, constants[k]); }
        flat = flat && outlier_zscore(&c, constants[k]) == 0.0 && outlier_zscore(&c, 100.0 * constants[k] + 1.0) == 0.0;
    }
    // doubles that are not floats can round to a variance just above 0 (128 x 0.1: a z of ~1e7 for 0.2) or
    // below it (z 0); either way z must be a number
    const double doubles[] = {0.1, 1.0 / 3.0, 2.302585092994046, 12345.678};
    for (size_t k = 0; k < sizeof(doubles) / sizeof(doubles[0]); k++) {
        OutlierDetector c = {{0}, 0, 0};
        for (int i = 0; i < 128; i++) { outlier_add(&c, doubles[k]); }
        flat = flat && isfinite(outlier_zscore(&c, doubles[k])) && isfinite(outlier_zscore(&c, 2.0 * doubles[k]));
    }
    check(flat, "outlier_constant_window_z_zero", "a constant window gave a z other than 0 for a float, or inf / NaN");
}

// ----------------------------------------------------------------------------
// bad inputs, each run in a child process

typedef struct {
    const char *name;
    const char *file;      // the bad file the error must name
    const char *message;   // what the error must say
} BadCase;

static const BadCase bad_cases[] = {
    {"missing_file", "missing_*.bin", "no shard files match"},
    {"bad_magic", "bad_magic.bin", "an llm.c shard of uint32 tokens (magic 20240801): this loader reads uint16 shards"},
    {"bad_version", "bad_version.bin", "unsupported shard version: expected 1, found 2"},
    {"truncated", "truncated.bin", "(truncated)"},
    {"too_long", "too_long.bin", "(extra bytes at the end)"},
    {"token_over_vocab", "over_vocab.bin", "token 21 has id 300, expected < vocab_size 256"},
    {"too_small", "too_small.bin", "shard too small: 16 tokens, need at least 17"},
    {"too_small_one_token", "one_token.bin", "shard too small: 1 token, need at least 17"},
    // a window for every rank: 2 ranks and a shard of one window (a check for one window in all would leave the loader
    // looking forever for a shard that holds one for each rank)
    {"too_small_for_two_ranks", "one_window.bin", "shard too small: 24 tokens, need at least 33 (2 rank(s) x B=2 x T=8 + 1)"},
    // an evaluation's loader: a window for every rank in the whole set (here 2 of one window each, on 3 ranks)
    {"val_fewer_windows_than_processes", "fewval_*.bin", "2 windows of B*T = 16 tokens in all, fewer than the 3 processes"},
    {"resume_out_of_range", "resume.bin", "sample index 9 out of range"},
    {"tokenizer_bad_magic", "tok_bad_magic.bin", "bad tokenizer magic"},
    {"tokenizer_bad_version", "tok_bad_version.bin", "unsupported tokenizer version"},
    {"tokenizer_truncated", "tok_truncated.bin", "tokenizer truncated"},
    {"state_both_layouts", "ck_both", "holds its optimizer state both whole (state_00000005.bin) and in 2 shards"},
    {"state_missing", "ck_none", "DONE_00000005 marks step 5 complete, but its state file (or its shards, state_00000005_00000.bin ...) is missing"},
    {"state_shard_of_another_step", "state_00000005_00001.bin", "a shard of step 6, but shard 0 is of step 5: the checkpoint is corrupt"},
    {"state_shard_of_another_split", "state_00000005_00001.bin", "state is for 3 parameters, expected 4 (the model's, or at -z 1 this shard's part of them)"},
    {"step_windows_not_multiple", "dataloader", "3 windows per step is not a positive multiple of the 2 process(es)"},
    {"no_shard_holds_a_step", "small_step.bin", "no shard holds one step of data: a step reads 4 windows of B*T = 16 tokens, the largest shard has 3"},
    {"resume_inexact_on_other_processes", "ck_inexact", "saved by a run of 2 processes at window 2 of its shard, not at the start of a step of 4 windows"},
    {"resume_outside_read_windows", "ck_outside", "stands at batch 4 of 1 process(es) in shard 0 (epoch 0), outside the 4 windows this run reads there"},
    {"resume_synthetic_on_other_processes", "ck_synth", "a synthetic task's batches are each process's own"},
    {"header_truncated", "short.bin", "file is 100 bytes, smaller than the 1024-byte shard header"},
    {"negative_token_count", "negative.bin", "bad token count in shard header: expected >= 0, found -1"},
    {"shard_changed_since_init", "changed_001.bin", "shard changed since init: expected 33 tokens, found 49"},
    {"zero_batch_size", "dataloader", "B and T must be positive, found B=0 T=8"},
    {"rank_out_of_range", "dataloader", "bad process rank 2 of 2"},
    {"vocab_size_zero", "dataloader", "vocab_size must be in [1, 65536] for uint16 tokens, found 0"},
    {"token_equal_to_vocab", "equal_vocab.bin", "token 3 has id 256, expected < vocab_size 256"},
    {"token_over_vocab_last_target", "last_target.bin", "token 16 has id 300, expected < vocab_size 256"},
    // the same two with the start-up check off (as for shards of more than 2^30 tokens): the batch's own check
    {"token_equal_to_vocab_per_batch", "equal_vocab.bin", "token 3 has id 256, expected < vocab_size 256"},
    {"token_over_vocab_last_target_per_batch", "last_target.bin", "token 16 has id 300, expected < vocab_size 256"},
    // a val set too large to check at init: the first -m batches, every rank's window, checked at start-up; rank 0
    // refuses the id in rank 1's window of the second batch (window 2 x 2 + 1 = 3), the last of the 2 batches checked
    {"first_batches_other_rank_window", "first_batches.bin", "token 57 has id 300, expected < vocab_size 256"},
    // ... and the second shard's (shards of 2 steps of 2 windows: batch 2 is the second shard's first)
    {"first_batches_next_shard", "first_b_001.bin", "token 20 has id 300, expected < vocab_size 256"},
    // ... and the window a remainder gives rank 0 alone (5 windows on 2 ranks: rank 0's third batch, window 4), which
    // rank 1 checks too (the train dealing left it out: no rank read it, nor checked it)
    {"first_batches_remainder_window", "first_rem.bin", "token 69 has id 300, expected < vocab_size 256"},
    // a bad id in the second shard, at its last token: refused by dataloader_init, before any batch is read
    {"token_in_later_shard_at_init", "later_001.bin", "token 32 has id 256, expected < vocab_size 256"},
    {"too_small_names_largest", "tiny_001.bin", "shard too small: 16 tokens, need at least 17"},
    {"step_windows_zero", "dataloader", "0 windows per step is not a positive multiple of the 1 process(es)"},
    {"resume_one_past_last", "resume_end.bin", "sample index 3 out of range, expected < 3"},
    {"resume_shard_out_of_range", "dataloader_resume", "shard index 1 out of range, expected < 1 shards"},
    {"unknown_synthetic_task", "synth:reverse", "unknown synthetic task"},
    {"synthetic_vocab_too_small", "synth:induction", "vocab_size 3 too small (need at least 4)"},
    {"stream_one_token", "stream_one.bin", "1 token, a stream needs at least 2"},
    {"stream_token_equal_to_vocab", "stream_eq.bin", "token 256 at position 2 outside the vocabulary [0, 256)"},
    // the position is the shard's, past the reader's first block of 2^20 tokens (1,048,576 + 5)
    {"stream_token_past_first_block", "stream_big.bin", "token 300 at position 1048581 outside the vocabulary [0, 256)"},
    // every shard is checked before fn sees a token: fn would write a second line to stderr
    {"stream_checked_before_any_block", "stream_b_001.bin", "token 300 at position 3 outside the vocabulary [0, 256)"},
};

// A state to write in the layout tests: a valid record (step 5) and moments m[i] = i + 1, v[i] = 1000 + i
static TrainState state_for_layout_tests(float *m, float *v, size_t n) {
    TrainState st;
    memset(&st, 0, sizeof(st));
    st.step = 5;
    st.max_steps = 10;
    st.B = 4;
    st.T = 8;
    st.total_batch_size = 32;
    st.rng = 987654321ULL;
    st.seed = 7;
    st.data_kind = 1;
    st.data_processes = 1;
    st.best_step = -1;
    st.schedule = 1;
    st.lr_decay_frac = 0.2f;
    for (size_t i = 0; i < n; i++) { m[i] = (float)(i + 1); v[i] = (float)(1000 + i); }
    return st;
}

// the state of step 5 in dir, whole (S = 0) or in S shards as S processes at -z 1 write it
static void write_state_split(const char *dir, const TrainState *st, const float *m, const float *v, size_t n, int S) {
    char file[1100];
    if (S == 0) {
        snprintf(file, sizeof(file), "%s/state_00000005.bin", dir);
        save_state_file(file, st, m, v, n);
        return;
    }
    for (int r = 0; r < S; r++) {
        size_t o, c;
        split_range(n, S, r, &o, &c);
        snprintf(file, sizeof(file), "%s/state_00000005_%05d.bin", dir, r);
        save_state_file(file, st, m + o, v + o, c);
    }
}

// a checkpoint directory dir/name holding empty state files of step 5: the whole one or `shards` shards
static const char *write_state_layout(char *path, const char *dir, const char *name, int whole, int shards) {
    char file[1100];
    join(path, dir, name);
    mkdir(path, 0755);
    if (whole) { snprintf(file, sizeof(file), "%s/state_00000005.bin", path); fclose(fopen(file, "wb")); }
    for (int r = 0; r < shards; r++) {
        snprintf(file, sizeof(file), "%s/state_00000005_%05d.bin", path, r);
        fclose(fopen(file, "wb"));
    }
    return path;
}

// a block of tokens handed on by for_each_token_checked, said on stderr
static void stream_block_said(void *ctx, const int *tokens, size_t n) {
    (void)ctx;
    fprintf(stderr, "a block of %zu tokens, the first %d, was handed on\n", n, tokens[0]);
}

// the child side: write the bad file, then run what must fail; returning means it did not fail
static int run_bad_case(const char *name, const char *dir) {
    char path[1024];
    uint16_t tokens[6 * BT + 1]; // (most cases write the first 64)
    for (int i = 0; i < 6 * BT + 1; i++) { tokens[i] = (uint16_t)(i % 64); }
    const char *tok_pieces[] = {"a", "b", "c"};
    const uint8_t tok_lens[] = {1, 1, 1};
    DataLoader loader;
    Tokenizer t;
    if (strcmp(name, "missing_file") == 0) {
        dataloader_init(&loader, join(path, dir, "missing_*.bin"), TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "bad_magic") == 0) {  // llm.c's llama-3 (uint32) magic
        write_raw_shard(join(path, dir, "bad_magic.bin"), 20240801, 1, 64, tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "bad_version") == 0) {
        write_raw_shard(join(path, dir, "bad_version.bin"), 20240520, 2, 64, tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "truncated") == 0) {
        write_raw_shard(join(path, dir, "truncated.bin"), 20240520, 1, 100, tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "too_long") == 0) {
        write_raw_shard(join(path, dir, "too_long.bin"), 20240520, 1, 60, tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "token_over_vocab") == 0) {  // in the second window
        tokens[21] = 300;
        write_token_shard(join(path, dir, "over_vocab.bin"), tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
        dataloader_next_batch(&loader);
        dataloader_next_batch(&loader);
    } else if (strcmp(name, "too_small") == 0) {  // B*T tokens: one short of a window
        write_token_shard(join(path, dir, "too_small.bin"), tokens, BT);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "too_small_one_token") == 0) { // (said "1 tokens")
        write_token_shard(join(path, dir, "one_token.bin"), tokens, 1);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "too_small_for_two_ranks") == 0) {  // one window, not one for each of 2 ranks
        write_token_shard(join(path, dir, "one_window.bin"), tokens, BT + 8);
        alarm(10); // (a loader that never stops looking for a shard to read is killed: the check fails, not the suite hangs)
        dataloader_init(&loader, path, TB, TT, 0, 2, 0, 0, 256);
    } else if (strcmp(name, "val_fewer_windows_than_processes") == 0) {
        write_token_shard(join(path, dir, "fewval_000.bin"), tokens, BT + 1);
        write_token_shard(join(path, dir, "fewval_001.bin"), tokens, BT + 1);
        dataloader_init_eval(&loader, join(path, dir, "fewval_*.bin"), TB, TT, 0, 3, 256);
    } else if (strcmp(name, "resume_out_of_range") == 0) {  // 3 samples in the shard
        write_token_shard(join(path, dir, "resume.bin"), tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
        dataloader_resume(&loader, 0, 0, 9);
    } else if (strcmp(name, "step_windows_not_multiple") == 0) {
        write_token_shard(join(path, dir, "steps.bin"), tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 2, 0, 0, 256);
        dataloader_set_step_windows(&loader, 3);
    } else if (strcmp(name, "no_shard_holds_a_step") == 0) { // 3 samples, a step of 4
        write_token_shard(join(path, dir, "small_step.bin"), tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
        dataloader_set_step_windows(&loader, 4);
    } else if (strcmp(name, "resume_inexact_on_other_processes") == 0 || strcmp(name, "resume_synthetic_on_other_processes") == 0) {
        const int synth = strcmp(name, "resume_synthetic_on_other_processes") == 0;
        write_counting_shard(dir, "inexact.bin", 5 * BT + 1, 0);
        dataloader_init(&loader, synth ? "synth:copy" : join(path, dir, "inexact.bin"), TB, synth ? 40 : TT, 0, synth ? 1 : 4, 0, 0, 256);
        TrainState st;
        memset(&st, 0, sizeof(st));
        state_set_data(&st, &loader);
        st.data_processes = 2;
        st.sample = 1; // at 2 processes: the shard's sample 2, which 4 processes do not start a step at
        check_resume_data(&st, &loader, synth ? "ck_synth" : "ck_inexact");
    } else if (strcmp(name, "resume_outside_read_windows") == 0) { // 5 windows, read in steps of 2: windows 0-3
        write_counting_shard(dir, "outside.bin", 5 * BT + 1, 0);
        dataloader_init(&loader, join(path, dir, "outside.bin"), TB, TT, 0, 1, 0, 0, 256);
        dataloader_set_step_windows(&loader, 2);
        TrainState st;
        memset(&st, 0, sizeof(st));
        state_set_data(&st, &loader);
        st.sample = 4;
        check_resume_data(&st, &loader, "ck_outside");
    } else if (strcmp(name, "header_truncated") == 0) {  // 100 bytes: not even a header
        FILE *fp = fopenCheck(join(path, dir, "short.bin"), "wb");
        fwriteCheck(tokens, 1, 100, fp);
        fcloseCheck(fp);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "negative_token_count") == 0) {
        write_raw_shard(join(path, dir, "negative.bin"), 20240520, 1, -1, tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "shard_changed_since_init") == 0) {  // the second shard rewritten before it is read
        write_counting_shard(dir, "changed_000.bin", 2 * BT + 1, 0);
        write_counting_shard(dir, "changed_001.bin", 2 * BT + 1, 0);
        dataloader_init(&loader, join(path, dir, "changed_*.bin"), TB, TT, 0, 1, 0, 0, 256);
        write_counting_shard(dir, "changed_001.bin", 3 * BT + 1, 0);
        for (int k = 0; k < 3; k++) { dataloader_next_batch(&loader); }
    } else if (strcmp(name, "zero_batch_size") == 0 || strcmp(name, "rank_out_of_range") == 0 || strcmp(name, "vocab_size_zero") == 0) {
        write_token_shard(join(path, dir, "args.bin"), tokens, 64);
        const int zero_b = strcmp(name, "zero_batch_size") == 0, bad_rank = strcmp(name, "rank_out_of_range") == 0;
        const int vocab = strcmp(name, "vocab_size_zero") == 0 ? 0 : 256;
        dataloader_init(&loader, path, zero_b ? 0 : TB, TT, bad_rank ? 2 : 0, bad_rank ? 2 : 1, 0, 0, vocab);
    } else if (strncmp(name, "token_equal_to_vocab", 20) == 0) {  // 256 is outside [0, 256)
        tokens[3] = 256;
        write_token_shard(join(path, dir, "equal_vocab.bin"), tokens, 64);
        if (strstr(name, "_per_batch") != NULL) { dataloader_check_at_init_tokens = 0; }
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
        dataloader_next_batch(&loader);
    } else if (strncmp(name, "token_over_vocab_last_target", 28) == 0) {  // token B*T: the only window's last target
        tokens[BT] = 300;
        write_token_shard(join(path, dir, "last_target.bin"), tokens, BT + 1);
        if (strstr(name, "_per_batch") != NULL) { dataloader_check_at_init_tokens = 0; }
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
        dataloader_next_batch(&loader);
    } else if (strcmp(name, "first_batches_other_rank_window") == 0) {
        tokens[3 * BT + 9] = 300;
        write_token_shard(join(path, dir, "first_batches.bin"), tokens, 6 * BT + 1);
        dataloader_check_at_init_tokens = 0;
        dataloader_init(&loader, path, TB, TT, 0, 2, 0, 0, 256);
        dataloader_deal_every_window(&loader);
        dataloader_check_first_batches(&loader, 2);
    } else if (strcmp(name, "first_batches_next_shard") == 0) {
        write_token_shard(join(path, dir, "first_b_000.bin"), tokens, 4 * BT + 1);
        tokens[BT + 4] = 300; // window 1: rank 1's in the first batch of this shard
        write_token_shard(join(path, dir, "first_b_001.bin"), tokens, 4 * BT + 1);
        dataloader_check_at_init_tokens = 0;
        dataloader_init(&loader, join(path, dir, "first_b_*.bin"), TB, TT, 0, 2, 0, 0, 256);
        dataloader_deal_every_window(&loader);
        dataloader_check_first_batches(&loader, 3);
    } else if (strcmp(name, "first_batches_remainder_window") == 0) {
        tokens[4 * BT + 5] = 300;
        write_token_shard(join(path, dir, "first_rem.bin"), tokens, 5 * BT + 1);
        dataloader_check_at_init_tokens = 0;
        dataloader_init(&loader, path, TB, TT, 1, 2, 0, 0, 256);
        prepare_val_loader(&loader, -1, 2); // (as the trainer's val loader, -m -1)
    } else if (strcmp(name, "token_in_later_shard_at_init") == 0) {
        write_token_shard(join(path, dir, "later_000.bin"), tokens, 33);
        tokens[32] = 256;
        write_token_shard(join(path, dir, "later_001.bin"), tokens, 33);
        dataloader_init(&loader, join(path, dir, "later_*.bin"), TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "too_small_names_largest") == 0) {  // neither holds a window: the error names the larger
        write_token_shard(join(path, dir, "tiny_000.bin"), tokens, 5);
        write_token_shard(join(path, dir, "tiny_001.bin"), tokens, BT);
        dataloader_init(&loader, join(path, dir, "tiny_*.bin"), TB, TT, 0, 1, 0, 0, 256);
    } else if (strcmp(name, "step_windows_zero") == 0) {
        write_token_shard(join(path, dir, "steps0.bin"), tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
        dataloader_set_step_windows(&loader, 0);
    } else if (strcmp(name, "resume_one_past_last") == 0) {  // 3 samples: index 3 is one past the last
        write_token_shard(join(path, dir, "resume_end.bin"), tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
        dataloader_resume(&loader, 0, 0, 3);
    } else if (strcmp(name, "resume_shard_out_of_range") == 0) {  // one shard: index 1 is one past the last
        write_token_shard(join(path, dir, "resume_shard.bin"), tokens, 64);
        dataloader_init(&loader, path, TB, TT, 0, 1, 0, 0, 256);
        dataloader_resume(&loader, 0, 1, 0);
    } else if (strcmp(name, "unknown_synthetic_task") == 0) {
        dataloader_init(&loader, "synth:reverse", TB, 64, 0, 1, 0, 0, 16);
    } else if (strcmp(name, "synthetic_vocab_too_small") == 0) {
        dataloader_init(&loader, "synth:induction", TB, 64, 0, 1, 0, 0, 3);
    } else if (strcmp(name, "stream_one_token") == 0) {
        write_token_shard(join(path, dir, "stream_one.bin"), tokens, 1);
        size_t n;
        load_token_stream(path, 256, 2, &n);
    } else if (strcmp(name, "stream_token_equal_to_vocab") == 0) {
        tokens[2] = 256;
        write_token_shard(join(path, dir, "stream_eq.bin"), tokens, 10);
        size_t n;
        load_token_stream(path, 256, 2, &n);
    } else if (strcmp(name, "stream_token_past_first_block") == 0) {
        size_t big = ((size_t)1 << 20) + 10;
        uint16_t *many = (uint16_t *)callocCheck(big, sizeof(uint16_t));
        many[((size_t)1 << 20) + 5] = 300;
        write_token_shard(join(path, dir, "stream_big.bin"), many, big);
        free(many);
        size_t n;
        load_token_stream(path, 256, 2, &n);
    } else if (strcmp(name, "stream_checked_before_any_block") == 0) {
        write_token_shard(join(path, dir, "stream_b_000.bin"), tokens, 10);
        tokens[3] = 300;
        write_token_shard(join(path, dir, "stream_b_001.bin"), tokens, 10);
        for_each_token_checked(join(path, dir, "stream_b_*.bin"), 256, NULL, stream_block_said, NULL);
    } else if (strcmp(name, "tokenizer_bad_magic") == 0) {
        write_tokenizer(join(path, dir, "tok_bad_magic.bin"), 20240520, 1, 0, tok_pieces, tok_lens, 3, 0);
        tokenizer_init(&t, path);
    } else if (strcmp(name, "tokenizer_bad_version") == 0) {
        write_tokenizer(join(path, dir, "tok_bad_version.bin"), 20240328, 3, 0, tok_pieces, tok_lens, 3, 0);
        tokenizer_init(&t, path);
    } else if (strcmp(name, "tokenizer_truncated") == 0) {  // the last token's byte is missing
        write_tokenizer(join(path, dir, "tok_truncated.bin"), 20240328, 2, 0, tok_pieces, tok_lens, 3, 1);
        tokenizer_init(&t, path);
    } else if (strcmp(name, "state_both_layouts") == 0) {
        state_layout(write_state_layout(path, dir, "ck_both", 1, 2), 5);
    } else if (strcmp(name, "state_missing") == 0) {
        state_layout(write_state_layout(path, dir, "ck_none", 0, 0), 5);
    } else if (strncmp(name, "state_shard_of_another_", 23) == 0) { // 10 parameters in 3 shards of 4, 4, 2
        float m[10], v[10];
        TrainState st = state_for_layout_tests(m, v, 10);
        join(path, dir, name);
        mkdir(path, 0755);
        write_state_split(path, &st, m, v, 10, 3);
        char file[1100];
        snprintf(file, sizeof(file), "%s/state_00000005_00001.bin", path);
        if (strcmp(name, "state_shard_of_another_step") == 0) { st.step = 6; save_state_file(file, &st, m + 4, v + 4, 4); }
        else { save_state_file(file, &st, m + 4, v + 4, 3); } // (a shard of 4 split another way: 3 of it)
        load_optimizer_state(path, 5, state_layout(path, 5), &st, m, v, 0, 10, 10, 0, 0);
    } else {
        fprintf(stderr, "unknown case '%s'\n", name);
        return 2;
    }
    fprintf(stderr, "case '%s' did not fail\n", name);
    return 0;
}

// runs "<self> --expect-fail <case> <dir>" and checks its exit status and stderr
static void test_bad_case(const BadCase *c, const char *dir) {
    const char *argv[] = {"test_dataloader", "--expect-fail", c->name, dir, NULL};
    char err[4096], name[96];
    int status = run_self(argv, err, sizeof(err));
    snprintf(name, sizeof(name), "rejects_%s", c->name);
    check_rejected(name, status, err, c->file, c->message);
}

// A checkpoint's optimizer state in any layout (whole, or 1 to 11 shards of 10 parameters: 11 leaves the last shard
// empty) read for any part a run of another layout holds: each part exactly the slice of the moments it stands for,
// and the record (step, RNG) the one written; the layout is told from the file names, and after a save in another
// layout the files of the old one are gone
static void test_state_layouts(const char *dir) {
    enum { NP = 10 };
    float m[NP], v[NP];
    const TrainState st = state_for_layout_tests(m, v, NP);
    const int splits[] = {0, 1, 2, 3, 4, 11};
    const int nsplits = (int)(sizeof(splits) / sizeof(splits[0]));
    int layouts_ok = 1, parts_ok = 1;
    char bad[200] = "";
    for (int a = 0; a < nsplits; a++) {
        char path[1024], name[32];
        snprintf(name, sizeof(name), "ck_split_%d", splits[a]);
        join(path, dir, name);
        mkdir(path, 0755);
        write_state_split(path, &st, m, v, NP, splits[a]);
        const int S = state_layout(path, 5);
        if (S != splits[a]) { layouts_ok = 0; snprintf(bad, sizeof(bad), "written in %d shards, read as %d", splits[a], S); }
        for (int b = 0; b < nsplits && parts_ok; b++) {
            const int P = splits[b] == 0 ? 1 : splits[b];
            for (int r = 0; r < P && parts_ok; r++) {
                size_t o = 0, c = NP;
                if (splits[b] > 0) { split_range(NP, P, r, &o, &c); }
                float gm[NP + 1], gv[NP + 1];
                TrainState got;
                memset(&got, 0, sizeof(got));
                load_optimizer_state(path, 5, S, &got, gm, gv, o, c, NP, splits[b], 0);
                parts_ok = got.step == 5 && got.rng == st.rng && memcmp(gm, m + o, c * sizeof(float)) == 0 &&
                           memcmp(gv, v + o, c * sizeof(float)) == 0;
                if (!parts_ok) { snprintf(bad, sizeof(bad), "from %d shards, part %d of %d: [%zu, +%zu)", splits[a], r, P, o, c); }
            }
        }
    }
    check(layouts_ok, "state_layout_from_file_names", "%s", bad);
    check(parts_ok, "state_split_anew_is_each_parts_slice", "%s", bad);
    char path[1024];
    join(path, dir, "ck_split_3");
    remove_other_state_layouts(path, 5, 2); // (a run of 2 processes saved step 5 again: its shards 0 and 1)
    char file[1100];
    snprintf(file, sizeof(file), "%s/state_00000005_00002.bin", path);
    int gone = access(file, F_OK) != 0;
    snprintf(file, sizeof(file), "%s/state_00000005_00001.bin", path);
    gone = gone && access(file, F_OK) == 0;
    join(path, dir, "ck_split_0");
    write_state_split(path, &st, m, v, NP, 2);
    remove_other_state_layouts(path, 5, 2);
    gone = gone && state_layout(path, 5) == 2;
    join(path, dir, "ck_split_4");
    write_state_split(path, &st, m, v, NP, 0);
    remove_other_state_layouts(path, 5, 0);
    gone = gone && state_layout(path, 5) == 0;
    check(gone, "state_other_layout_removed_after_save", "a file of the old layout is left, or one of the new is gone");
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--expect-fail") == 0) { return run_bad_case(argv[2], argv[3]); }
    if (argc != 1) {
        fprintf(stderr, "usage: %s  |  %s --expect-fail <case> <dir>\n", argv[0], argv[0]);
        return 2;
    }
    char dir[] = "/tmp/test_dataloader.XXXXXX";
    if (mkdtemp(dir) == NULL) { fatalf("mkdtemp failed: %s", strerror(errno)); }

    test_round_trip(dir);
    test_multi_shard(dir);
    test_ranks(dir);
    test_shuffle(dir);
    test_resume(dir);
    test_deferred_bad_tokens(dir);
    test_check_first_batches(dir);
    test_num_batches(dir);
    test_step_windows(dir);
    test_llmc_format(dir);
    test_shard_sizes(dir);
    test_step_windows_edges(dir);
    test_val_every_window(dir);
    test_small_val_shards(dir);
    test_val_every_window_notes_synthetic(dir);
    test_two_shards_shuffled(dir);
    test_sample_orders_per_shard(dir);
    test_sample_order_per_epoch(dir);
    test_token_stream(dir);
    test_tokenizer_bytes();
    test_tokenizer_file(dir);
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) { test_bad_case(&bad_cases[i], dir); }
    test_state_layouts(dir);
    test_synth_copy();
    test_synth_induction();
    test_synth_seeds();
    test_synth_pinned();
    test_synth_file_patterns();
    test_outlier_detector();
    test_tinyshakespeare();

    remove_dir(dir);
    return test_summary();
}
