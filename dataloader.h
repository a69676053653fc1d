/*
Token-shard data loader (llm.c's shard format, so shards written by llm.c's data scripts load unchanged).

Shard file (little-endian):
    int32 header[256]   header[0] = 20240520 (magic), header[1] = 1 (version), header[2] = number of tokens,
                        the rest zero
    uint16 tokens[header[2]]

How batches are cut from a shard of n tokens, for batch size B, sequence length T:
    the shard holds S = (n - 1) / (B*T) samples; sample i is the window of B*T + 1 tokens starting at
    token i*B*T (inputs = the first B*T, targets = the same window shifted by one).
    Samples are dealt round-robin to the ranks: for its j-th batch within the shard, rank r reads sample
    order[j*P + r] (P = num_processes), where order is the identity, or with shuffling a permutation.
    A shard's samples are used in whole optimizer steps: the trainer sets W, the windows one step
    reads over all ranks and micro-steps (dataloader_set_step_windows: W = total batch / (B*T), a
    multiple of P; P by default). The samples at the first S - S % W slots of the order are read (the
    first S - S % W samples, or with shuffling a random subset of that many), every rank taking
    (S - S % W) / P of them, so all ranks move to the next shard together, no step straddles two
    shards, and the samples of optimizer step k are the same set whatever P is (only how they are split
    over ranks and micro-steps changes): a checkpoint's position converts exactly to another process
    count. A shard with fewer than W samples is not read (said once, by dataloader_set_step_windows).
    After the last shard, the loader wraps to the first: a new epoch.

How an evaluation's loader deals them (dataloader_deal_every_window: the trainer's val loader):
    every window of every shard is read once per pass, over all ranks together. The set's windows are
    numbered in order, shard after shard (S of each, no step remainder left out, a shard of a single window
    read too), and rank r's j-th batch is window j*P + r: the ranks' batch counts differ by at most one, and
    the windows of a pass, and the first N*P (every rank's first N batches: -m N), are the same whatever P
    is. (The train dealing would leave out each shard's last S % P windows: a "whole val set" of other
    windows on another number of processes.)

Shuffling (should_shuffle = 1): each epoch visits the shards in a permuted order, and each shard's
samples in a permuted order. The permutations are not drawn from a running RNG but re-derived from
(seed, epoch) and (seed, epoch, shard file): the whole loader position is the three numbers
(epoch, current_shard_idx, current_sample_idx), which a checkpoint saves and dataloader_resume restores.

Token ids are checked against vocab_size at init, every token of every shard, where the shards hold
at most 2^30 tokens in all (DATALOADER_CHECK_AT_INIT_TOKENS: a bad id in the tenth shard then fails
before the first step), and as each batch is read (for larger sets, a scan at init would read every
shard before each run's first step); the error names the file and the token's position. The trainer's
train loader of such a set sets defer_bad_tokens: a bad id then ends no process by itself. The batch
holds 0 in its place, bad_token_error keeps the first error's text, and the trainer, which learns of it
from every rank at once, keeps nothing of that step, saves the checkpoint before it and stops. A val
set of that size is checked at start-up where its evaluations read, every rank's windows of the first
-m batches (dataloader_check_first_batches): each evaluation reads those same batches again.
*/
#ifndef DATALOADER_H
#define DATALOADER_H

#include <glob.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llmc/utils.h"

#define SHARD_MAGIC 20240520
#define SHARD_VERSION 1
#define SHARD_HEADER_INTS 256
#define SHARD_HEADER_BYTES (SHARD_HEADER_INTS * sizeof(int32_t))

// ----------------------------------------------------------------------------
// shard header validation and writing

// (a newcomer's -i my.txt got "bad shard magic" and no way on)
#define SHARD_TEXT_HINT ": it looks like text, which dev/data/prepare_bytes (bytes) or dev/data/tokenize (a tokenizer.json) makes into shards"

// Reads the header of an open shard and checks it against the file size; returns the token count.
static size_t shard_read_header(FILE *fp, const char *path) {
    long size = file_size(fp);
    if (size < (long)SHARD_HEADER_BYTES) {
        fatalf("'%s': file is %ld byte%s, smaller than the %zu-byte shard header (truncated or not a shard%s)",
               path, size, plural_s(size), SHARD_HEADER_BYTES, starts_as_text(fp) ? SHARD_TEXT_HINT : "");
    }
    int32_t header[SHARD_HEADER_INTS];
    fseekCheck(fp, 0, SEEK_SET);
    freadCheck(header, sizeof(int32_t), SHARD_HEADER_INTS, fp);
    if (header[0] == 20240801) { // llm.c's llama-3 shards: uint32 tokens, for vocabularies past 65,536
        fatalf("'%s': an llm.c shard of uint32 tokens (magic 20240801): this loader reads uint16 shards (magic %d), so "
               "vocabularies of at most 65,536 tokens", path, SHARD_MAGIC);
    }
    if (header[0] != SHARD_MAGIC) {
        fatalf("'%s': bad shard magic: expected %d, found %d (not an llm.c uint16 token shard%s)",
               path, SHARD_MAGIC, header[0], starts_as_text(fp) ? SHARD_TEXT_HINT : "");
    }
    if (header[1] != SHARD_VERSION) {
        fatalf("'%s': unsupported shard version: expected %d, found %d", path, SHARD_VERSION, header[1]);
    }
    if (header[2] < 0) {
        fatalf("'%s': bad token count in shard header: expected >= 0, found %d", path, header[2]);
    }
    size_t num_tokens = (size_t)header[2];
    long expected = (long)(SHARD_HEADER_BYTES + num_tokens * sizeof(uint16_t));
    if (size != expected) {
        fatalf("'%s': header says %zu tokens (%ld bytes with header) but the file has %ld bytes (%s)",
               path, num_tokens, expected, size, size < expected ? "truncated" : "extra bytes at the end");
    }
    return num_tokens;
}

// Writes tokens as a shard into af's path.tmp, flushed and closed but not renamed (atomic_rename
// does that; a tool writing several shards renames them once all are written): the same bytes llm.c's
// dev/data/data_common.py write_datafile produces.
void stage_token_shard(AtomicFile *af, const char *path, const uint16_t *tokens, size_t n) {
    if (n > INT32_MAX) { fatalf("'%s': %zu tokens do not fit the int32 shard header (max %d)", path, n, INT32_MAX); }
    int32_t header[SHARD_HEADER_INTS];
    memset(header, 0, sizeof(header));
    header[0] = SHARD_MAGIC;
    header[1] = SHARD_VERSION;
    header[2] = (int32_t)n;
    atomic_open(af, path);
    atomic_fwrite(header, sizeof(int32_t), SHARD_HEADER_INTS, af);
    atomic_fwrite(tokens, sizeof(uint16_t), n, af);
    atomic_close(af);
}

// Writes tokens as a shard, atomically (path.tmp, then rename)
void write_token_shard(const char *path, const uint16_t *tokens, size_t n) {
    AtomicFile af;
    stage_token_shard(&af, path, tokens, n);
    atomic_rename(&af);
}

// the shard files matching a pattern, in glob (sorted) order; none is an error
static void shard_glob(const char *pattern, glob_t *g) {
    int glob_status = glob(pattern, 0, NULL, g);
    check_glob_literal(pattern, glob_status == 0 ? g->gl_pathc : 0, glob_status == 0 ? g->gl_pathv[0] : NULL);
    if (glob_status == GLOB_NOMATCH) { fatalf("no shard files match '%s'%s", pattern, glob_tilde_hint(pattern)); }
    if (glob_status != 0) { fatalf("glob of '%s' failed (glob error %d)", pattern, glob_status); }
    for (size_t i = 0; i < g->gl_pathc; i++) { // (a FIFO would block the open below until a writer came)
        const char *path = g->gl_pathv[i];
        struct stat st;
        if (stat(path, &st) != 0) { // a link to nothing said "cannot open ...: No such file or directory" of a name ls lists
            char target[1024];
            ssize_t n = readlink(path, target, sizeof(target) - 1);
            if (n >= 0) { target[n] = '\0'; fatalf("'%s' is a symbolic link to '%s', which does not exist (or loops)", path, target); }
            continue;
        }
        if (S_ISDIR(st.st_mode)) { // (-i data said "not a regular file", with no word of what to give)
            if (strpbrk(pattern, "*?[") != NULL) { // (a name without them is the directory given: glob writes "d//" as "d/")
                fatalf("'%s' is a directory, matched by '%s': the pattern must match shard files alone", path, pattern);
            }
            int n = (int)strlen(path);
            while (n > 0 && path[n - 1] == '/') { n--; } // ("/": '/*.bin')
            fatalf("'%s' is a directory, not a shard file: give the shards in it as a pattern, e.g. '%.*s/*.bin' (quoted)", path, n, path);
        }
        if (!S_ISREG(st.st_mode)) { fatalf("'%s': not a regular file (a shard must be a file the loader can seek in)", path); }
    }
}

// ----------------------------------------------------------------------------
// seeded permutations: splitmix64, keyed by (seed, epoch, stream)

static uint64_t dataloader_mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// uniform in [0, n) without modulo bias: reject the top partial block of 2^64
static uint64_t dataloader_random_below(uint64_t *state, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        *state += 0x9E3779B97F4A7C15ull;
        x = dataloader_mix(*state);
    } while (x >= limit);
    return x % n;
}

// stream 0 orders the shards of an epoch; stream 1 + f orders the samples of shard file f
static void dataloader_permutation(size_t *perm, size_t n, int shuffle,
                                   unsigned long long seed, size_t epoch, size_t stream) {
    for (size_t i = 0; i < n; i++) { perm[i] = i; }
    if (!shuffle) { return; }
    uint64_t state = dataloader_mix(dataloader_mix(dataloader_mix(seed) ^ epoch) ^ stream);
    for (size_t i = n; i > 1; i--) {  // Fisher-Yates
        size_t j = (size_t)dataloader_random_below(&state, i);
        size_t tmp = perm[i - 1]; perm[i - 1] = perm[j]; perm[j] = tmp;
    }
}

// ----------------------------------------------------------------------------
// DataLoader

typedef struct {
    int process_rank, num_processes;  // data-parallel partitioning
    size_t B, T;
    size_t num_tokens;                // total tokens over all shards
    glob_t glob_result;               // the shard files, in glob (sorted) order
    size_t current_shard_idx;         // position in this epoch's shard order
    size_t current_sample_idx;        // this rank's next batch (B*T window) within the current shard (every_window:
                                      // the slot of this rank's next window in the shard's sample order)
    FILE *tokens_file;                // the current shard
    long file_size_bytes;             // of the current shard
    uint16_t *buffer;                 // (B*T+1) tokens as read from the file
    int *inputs;                      // (B, T)
    int *targets;                     // (B, T)
    int should_shuffle;
    unsigned long long seed;
    size_t epoch;                     // passes completed over all shards
    size_t num_shards;
    size_t *shard_num_tokens;         // (num_shards) tokens in each shard file, glob order
    size_t *shard_order;              // (num_shards) file index at each position of this epoch
    size_t *sample_order;             // (max samples of a shard) sample index at each global slot
    size_t shard_num_samples;         // batches this rank reads from the current shard (every_window: its windows)
    size_t step_windows;              // W: samples one optimizer step reads over all ranks (a multiple of P; every_window: 1)
    int every_window;                 // 1: an evaluation's dealing, every window once over all ranks (file comment)
    int vocab_size;
    int synthetic;                    // 0: token shards; else a SyntheticTask generated on the fly
    size_t synthetic_batches;         // batches in one pass (the val set of a synthetic task: 20, or the trainer's -m)
    int tokens_checked_at_init;       // 1: every token of every shard was checked by dataloader_init
    int defer_bad_tokens;             // 1: a bad id read with a batch is kept in bad_token_error, not an exit (file comment)
    char bad_token_error[4608];       // "" or the first deferred error's text (a path of up to PATH_MAX and the rest)
} DataLoader;

/*
Synthetic tasks of the Mamba paper, generated on the fly: "synth:copy" or "synth:induction" in
place of a file pattern. Batch i of rank r is a pure function of (seed, r, i), so resuming needs
only the batch index. Targets are -1 except at the answer positions.
  selective copying (paper 4.1.1): noise token 0, marker V-1, data tokens in [1, V-2].
    SYNTH_COPY_TOKENS data tokens at random sorted positions among T - SYNTH_COPY_TOKENS noise
    positions, then SYNTH_COPY_TOKENS markers; at the k-th marker the target is the k-th data token.
  induction heads (paper 4.1.2): tokens in [0, V-2], the special token V-1 once at a random
    position p followed by a token X, and again at the end; the target at the end is X.
*/
enum { SYNTH_NONE = 0, SYNTH_COPY = 1, SYNTH_INDUCTION = 2 };
#define SYNTH_COPY_TOKENS 16


static size_t synth_below(uint64_t *state, size_t n) {
    *state = dataloader_mix(*state + 0x9E3779B97F4A7C15ULL);
    return (size_t)(*state % n);
}

static void synthetic_fill_row(int task, int *in, int *tg, size_t T, int V, uint64_t *rng) {
    if (task == SYNTH_COPY) {
        size_t K = SYNTH_COPY_TOKENS, L = T - K;
        for (size_t t = 0; t < T; t++) { in[t] = t < L ? 0 : V - 1; tg[t] = -1; }
        // K distinct positions in [0, L): choose by selection sampling, which keeps them sorted
        size_t chosen = 0;
        for (size_t t = 0; t < L && chosen < K; t++) {
            if (synth_below(rng, L - t) < K - chosen) {
                int token = 1 + (int)synth_below(rng, (size_t)(V - 2));
                in[t] = token;
                tg[L + chosen] = token;
                chosen++;
            }
        }
    } else {
        for (size_t t = 0; t < T; t++) { in[t] = (int)synth_below(rng, (size_t)(V - 1)); tg[t] = -1; }
        size_t p = synth_below(rng, T - 2);
        int x = (int)synth_below(rng, (size_t)(V - 1));
        in[p] = V - 1;
        in[p + 1] = x;
        in[T - 1] = V - 1;
        tg[T - 1] = x;
    }
}

static void synthetic_next_batch(DataLoader *loader) {
    size_t B = loader->B, T = loader->T;
    uint64_t rng = dataloader_mix(dataloader_mix(loader->seed ^ 0x5EEDULL) ^ (uint64_t)loader->process_rank) ^
                   dataloader_mix((uint64_t)loader->current_sample_idx + 1);
    for (size_t b = 0; b < B; b++) {
        synthetic_fill_row(loader->synthetic, loader->inputs + b * T, loader->targets + b * T, T, loader->vocab_size, &rng);
    }
    loader->current_sample_idx++;
}

// "synth:copy" / "synth:induction" -> the task, 0 for a file pattern
static int synthetic_task_from_pattern(const char *pattern) {
    if (strncmp(pattern, "synth:", 6) != 0) { return SYNTH_NONE; }
    if (strcmp(pattern + 6, "copy") == 0) { return SYNTH_COPY; }
    if (strcmp(pattern + 6, "induction") == 0) { return SYNTH_INDUCTION; }
    fatalf("unknown synthetic task '%s' (expected synth:copy or synth:induction)", pattern);
    return SYNTH_NONE;
}

// samples (B*T+1 windows at stride B*T) in a shard of n tokens, over all ranks
static size_t dataloader_shard_samples(const DataLoader *loader, size_t n) {
    return n > loader->B * loader->T ? (n - 1) / (loader->B * loader->T) : 0; // (an empty shard has none)
}

// of a shard's samples, those it is read for: whole steps of W (the rest is left out, file comment)
static size_t dataloader_whole_steps(const DataLoader *loader, size_t samples) {
    return samples / loader->step_windows * loader->step_windows;
}

static const char *dataloader_current_path(const DataLoader *loader) {
    return loader->glob_result.gl_pathv[loader->shard_order[loader->current_shard_idx]];
}

// shuffles (or not) this epoch's shard order
static void dataloader_prepare_epoch(DataLoader *loader) {
    dataloader_permutation(loader->shard_order, loader->num_shards, loader->should_shuffle,
                           loader->seed, loader->epoch, 0);
}

// opens the shard at current_shard_idx and orders its samples
static void dataloader_load_shard(DataLoader *loader) {
    size_t file_idx = loader->shard_order[loader->current_shard_idx];
    const char *path = dataloader_current_path(loader);
    if (loader->tokens_file != NULL) { fcloseCheck(loader->tokens_file); }
    loader->tokens_file = fopenCheck(path, "rb");
    size_t n = shard_read_header(loader->tokens_file, path);
    if (n != loader->shard_num_tokens[file_idx]) {
        fatalf("'%s': shard changed since init: expected %zu tokens, found %zu",
               path, loader->shard_num_tokens[file_idx], n);
    }
    loader->file_size_bytes = file_size(loader->tokens_file);
    size_t samples = dataloader_shard_samples(loader, n);
    loader->shard_num_samples = loader->every_window ? samples : dataloader_whole_steps(loader, samples) / (size_t)loader->num_processes;
    dataloader_permutation(loader->sample_order, samples, loader->should_shuffle,
                           loader->seed, loader->epoch, 1 + file_idx);
}

// moves to the next shard that holds a whole step, wrapping into a new epoch after the last one (some
// shard holds one: dataloader_set_step_windows)
static void dataloader_advance(DataLoader *loader) {
    do {
        loader->current_shard_idx++;
        if (loader->current_shard_idx == loader->num_shards) {
            loader->current_shard_idx = 0;
            loader->epoch++;
            dataloader_prepare_epoch(loader);
        }
        loader->current_sample_idx = 0;
        dataloader_load_shard(loader);
    } while (loader->shard_num_samples == 0);
}

// the position after a batch of every rank: the next sample, or the next shard's first (and epoch) past the last
// (every_window: the set's next window)
static void dataloader_step_(DataLoader *loader) {
    loader->current_sample_idx++;
    if (loader->current_sample_idx >= loader->shard_num_samples) { dataloader_advance(loader); }
}

// to the first sample of epoch 0 (of every rank; every_window: the set's first window)
static void dataloader_rewind_(DataLoader *loader) {
    loader->epoch = 0;
    loader->current_shard_idx = 0;
    loader->current_sample_idx = 0;
    if (loader->synthetic) { return; }
    dataloader_prepare_epoch(loader);
    dataloader_load_shard(loader);
    if (loader->shard_num_samples == 0) { dataloader_advance(loader); }
}

// back to the first batch of epoch 0 (every_window: this rank's first window, the set's window r)
void dataloader_reset(DataLoader *loader) {
    dataloader_rewind_(loader);
    if (loader->synthetic || !loader->every_window) { return; }
    for (int r = 0; r < loader->process_rank; r++) { dataloader_step_(loader); }
}

// shards with fewer samples than one step (W) are never read: said by dataloader_set_step_windows, since
// a run over data like that is legal but usually not meant
static void dataloader_note_skipped(const DataLoader *loader) {
    size_t skipped = 0, first = 0;
    for (size_t i = loader->num_shards; i-- > 0;) {
        if (dataloader_shard_samples(loader, loader->shard_num_tokens[i]) < loader->step_windows) { skipped++; first = i; }
    }
    if (skipped == 0) { return; }
    size_t W = loader->step_windows;
    const int per_process = W == (size_t)loader->num_processes || loader->every_window;
    printf("note: %zu of %zu shards hold fewer than %s%zu window%s of %zu token%s%s and are not read (the first: %s)\n",
           skipped, loader->num_shards, per_process ? "" : "one step's ", W, W == 1 ? "" : "s", loader->B * loader->T,
           plural_s((long long)(loader->B * loader->T)), per_process && W > 1 ? " (one for each process)" : "",
           loader->glob_result.gl_pathv[first]);
}

// windows (over all ranks) the loader reads from the shard at position shard_idx of epoch's shard order:
// the shard's samples less the remainder of a whole step (0 for a shard it skips)
size_t dataloader_windows_at(const DataLoader *loader, size_t epoch, size_t shard_idx) {
    if (loader->synthetic || shard_idx >= loader->num_shards) { return 0; }
    size_t *order = (size_t *)mallocCheck(loader->num_shards * sizeof(size_t));
    dataloader_permutation(order, loader->num_shards, loader->should_shuffle, loader->seed, epoch, 0);
    size_t samples = dataloader_shard_samples(loader, loader->shard_num_tokens[order[shard_idx]]);
    free(order);
    return dataloader_whole_steps(loader, samples);
}

// the out-of-vocabulary error of a shard's token (at start-up and as a batch is read: one wording)
static void dataloader_bad_token_text_(char *out, size_t size, const char *path, size_t position, unsigned id, int vocab_size) {
    snprintf(out, size, "'%s': token %zu has id %u, expected < vocab_size %d (a model whose vocabulary covers the shards' "
             "tokenizer is needed: a descriptor's v<N>)", path, position, id, vocab_size);
}
static void dataloader_bad_token_(const char *path, size_t position, unsigned id, int vocab_size) {
    char text[sizeof(((DataLoader *)0)->bad_token_error)];
    dataloader_bad_token_text_(text, sizeof(text), path, position, id, vocab_size);
    fatalf("%s", text);
}

// every token of a shard of n tokens checked against vocab_size, in blocks of 2^20
static void dataloader_check_shard_tokens_(const char *path, size_t n, int vocab_size) {
    enum { BLOCK = 1 << 20 };
    uint16_t *buf = (uint16_t *)mallocCheck(BLOCK * sizeof(uint16_t));
    FILE *fp = fopenCheck(path, "rb");
    size_t header_n = shard_read_header(fp, path);
    if (header_n != n) { fatalf("'%s': changed while being read (%zu tokens, then %zu)", path, n, header_n); }
    for (size_t done = 0; done < n;) {
        size_t m = n - done < BLOCK ? n - done : BLOCK;
        fread_check(buf, sizeof(uint16_t), m, fp, path, __FILE__, __LINE__); // (names the shard: one cut short since start-up)
        uint16_t largest = 0; // (a branch-free pass; the position is looked for only in a bad block)
        for (size_t j = 0; j < m; j++) { largest = buf[j] > largest ? buf[j] : largest; }
        if (largest >= vocab_size) {
            for (size_t j = 0; j < m; j++) {
                if (buf[j] >= vocab_size) { dataloader_bad_token_(path, done + j, buf[j], vocab_size); }
            }
        }
        done += m;
    }
    fcloseCheck(fp);
    free(buf);
}

// shards of up to this many tokens in all (2 GiB) have every token checked at start-up, so a bad id in a later
// shard fails before the first step, not after hours of training with no checkpoint yet; larger sets (a read of
// every shard at each start would take minutes) are checked as each batch is read, as they are here too
#define DATALOADER_CHECK_AT_INIT_TOKENS ((size_t)1 << 30)
static size_t dataloader_check_at_init_tokens = DATALOADER_CHECK_AT_INIT_TOKENS; // (test_dataloader sets 0: batches alone)

// dataloader_init and dataloader_init_eval: every_window, the dealing (file comment)
static void dataloader_open_(DataLoader *loader, const char *filename_pattern, size_t B, size_t T, int process_rank,
                             int num_processes, int should_shuffle, unsigned long long seed, int vocab_size, int every_window) {
    if (B == 0 || T == 0) { fatalf("dataloader: B and T must be positive, found B=%zu T=%zu", B, T); }
    if (num_processes < 1 || process_rank < 0 || process_rank >= num_processes) {
        fatalf("dataloader: bad process rank %d of %d", process_rank, num_processes);
    }
    if (vocab_size < 1 || vocab_size > 65536) {
        fatalf("dataloader: vocab_size must be in [1, 65536] for uint16 tokens, found %d", vocab_size);
    }
    memset(loader, 0, sizeof(*loader));
    loader->process_rank = process_rank;
    loader->num_processes = num_processes;
    loader->B = B;
    loader->T = T;
    loader->should_shuffle = should_shuffle;
    loader->seed = seed;
    loader->vocab_size = vocab_size;
    loader->every_window = every_window;
    loader->step_windows = every_window ? 1 : (size_t)num_processes;

    loader->synthetic = synthetic_task_from_pattern(filename_pattern);
    if (loader->synthetic) {
        // copying: 16 data tokens among the noise, then as many markers; induction: X, the token after it, X
        size_t min_T = loader->synthetic == SYNTH_COPY ? 2 * SYNTH_COPY_TOKENS : 3;
        if (T < min_T) { fatalf("%s: sequence length %zu too short (need at least %zu)", filename_pattern, T, min_T); }
        if (vocab_size < 4) { fatalf("%s: vocab_size %d too small (need at least 4)", filename_pattern, vocab_size); }
        loader->synthetic_batches = 20;
        loader->inputs = (int *)mallocCheck(B * T * sizeof(int));
        loader->targets = (int *)mallocCheck(B * T * sizeof(int));
        return;
    }

    shard_glob(filename_pattern, &loader->glob_result);
    loader->num_shards = loader->glob_result.gl_pathc;

    // validate every shard now, so a bad file fails at startup and not hours into a run
    loader->shard_num_tokens = (size_t *)mallocCheck(loader->num_shards * sizeof(size_t));
    // a window for every rank in one shard, for the train dealing (a smaller shard is skipped: dataloader_note_skipped);
    // an evaluation's deals the set's windows whatever shard they are in: one window in a shard, and one for every
    // rank in the whole set
    int ranks = every_window ? 1 : num_processes;
    size_t min_tokens = (size_t)ranks * B * T + 1;
    size_t max_samples = 0, largest = 0, windows = 0;
    for (size_t i = 0; i < loader->num_shards; i++) {
        const char *path = loader->glob_result.gl_pathv[i];
        FILE *fp = fopenCheck(path, "rb");
        size_t n = shard_read_header(fp, path);
        fcloseCheck(fp);
        loader->shard_num_tokens[i] = n;
        loader->num_tokens += n;
        size_t samples = dataloader_shard_samples(loader, n);
        if (samples > max_samples) { max_samples = samples; }
        windows += samples;
        if (n > loader->shard_num_tokens[largest]) { largest = i; } // most tokens, so most samples too (the error names it)
    }
    if (loader->shard_num_tokens[largest] < min_tokens) { // a smaller shard is skipped (dataloader_note_skipped)
        fatalf("'%s': shard too small: %zu token%s, need at least %zu (%d rank(s) x B=%zu x T=%zu + 1)%s; lower -b or -t, "
               "or give more data", loader->glob_result.gl_pathv[largest], loader->shard_num_tokens[largest],
               plural_s((long long)loader->shard_num_tokens[largest]), min_tokens,
               ranks, B, T, loader->num_shards > 1 ? " (the largest of the shards)" : "");
    }
    if (every_window && windows < (size_t)num_processes) {
        fatalf("'%s': %zu window%s of B*T = %zu tokens in all, fewer than the %d processes: an evaluation deals each of them "
               "one at least; lower -b or -t, or give more data", filename_pattern, windows, plural_s((long long)windows), B * T,
               num_processes);
    }

    if (loader->num_tokens <= dataloader_check_at_init_tokens) {
        for (size_t i = 0; i < loader->num_shards; i++) {
            dataloader_check_shard_tokens_(loader->glob_result.gl_pathv[i], loader->shard_num_tokens[i], vocab_size);
        }
        loader->tokens_checked_at_init = 1;
    }

    loader->shard_order = (size_t *)mallocCheck(loader->num_shards * sizeof(size_t));
    loader->sample_order = (size_t *)mallocCheck(max_samples * sizeof(size_t));
    loader->buffer = (uint16_t *)mallocCheck((B * T + 1) * sizeof(uint16_t));
    loader->inputs = (int *)mallocCheck(B * T * sizeof(int));
    loader->targets = (int *)mallocCheck(B * T * sizeof(int));
    dataloader_reset(loader);
}
void dataloader_init(DataLoader *loader, const char *filename_pattern, size_t B, size_t T,
                     int process_rank, int num_processes, int should_shuffle,
                     unsigned long long seed, int vocab_size) {
    dataloader_open_(loader, filename_pattern, B, T, process_rank, num_processes, should_shuffle, seed, vocab_size, 0);
}
// an evaluation's loader (the trainers' val loader): dataloader_init's, dealt as dataloader_deal_every_window deals, which
// needs a window for every rank in the whole set, not in one shard (a val set of small shards was refused on several
// processes)
void dataloader_init_eval(DataLoader *loader, const char *filename_pattern, size_t B, size_t T, int process_rank,
                          int num_processes, int vocab_size) {
    dataloader_open_(loader, filename_pattern, B, T, process_rank, num_processes, 0, 0, vocab_size, 1);
}

// W, the samples (B*T windows) one optimizer step reads over all ranks and micro-steps: the trainer's
// total batch / (B*T). Shards are then used in whole steps (file comment); a shard with fewer than W
// samples is skipped (said once), and data where no shard holds W is an error. Back to the first batch.
void dataloader_set_step_windows(DataLoader *loader, size_t W) {
    if (W < (size_t)loader->num_processes || W % (size_t)loader->num_processes != 0) {
        fatalf("dataloader: %zu windows per step is not a positive multiple of the %d process(es)", W, loader->num_processes);
    }
    loader->step_windows = W;
    if (loader->synthetic) { return; }
    size_t largest = 0, largest_idx = 0;
    for (size_t i = 0; i < loader->num_shards; i++) {
        size_t samples = dataloader_shard_samples(loader, loader->shard_num_tokens[i]);
        if (samples > largest) { largest = samples; largest_idx = i; }
    }
    if (largest < W) {
        fatalf("'%s': no shard holds one step of data: a step reads %zu windows of B*T = %zu tokens, the largest shard "
               "has %zu (this one); give a smaller total batch (-d) or larger shards",
               loader->glob_result.gl_pathv[largest_idx], W, loader->B * loader->T, largest);
    }
    dataloader_note_skipped(loader);
    dataloader_reset(loader);
}

// An evaluation's dealing (file comment): every window of every shard once per pass over all ranks, rank r's j-th
// batch the set's window j*P + r, so what a pass (or every rank's first N batches) evaluates does not depend on P. A
// shard of fewer than B*T + 1 tokens holds no window and is not read (said once). Back to this rank's first batch.
void dataloader_deal_every_window(DataLoader *loader) {
    loader->every_window = 1;
    loader->step_windows = 1; // (whole steps of one window: no shard's remainder is left out)
    if (loader->synthetic) { return; }
    dataloader_note_skipped(loader);
    dataloader_reset(loader);
}

// Reads into buffer the window at slot of the current shard's sample order, checking its ids (a bad one is an
// error, or with defer_bad_tokens kept in bad_token_error and read as 0)
static void dataloader_read_window_(DataLoader *loader, size_t slot) {
    size_t BT = loader->B * loader->T;
    size_t first_token = loader->sample_order[slot] * BT;
    fseekCheck(loader->tokens_file, (long)(SHARD_HEADER_BYTES + first_token * sizeof(uint16_t)), SEEK_SET);
    // (the shard's size was checked when it was opened: a short read now is a file cut short since, or an I/O error)
    size_t got = fread(loader->buffer, sizeof(uint16_t), BT + 1, loader->tokens_file);
    if (got != BT + 1) {
        fatalf("'%s': shard changed while being read: tokens %zu to %zu of its %zu are no longer there (%s)",
               dataloader_current_path(loader), first_token, first_token + BT, loader->shard_num_tokens[loader->shard_order[loader->current_shard_idx]],
               ferror(loader->tokens_file) ? strerror(errno) : "the file was truncated since it was opened");
    }
    for (size_t i = 0; i < BT + 1; i++) {
        if (loader->buffer[i] >= loader->vocab_size) {
            if (!loader->defer_bad_tokens) {
                dataloader_bad_token_(dataloader_current_path(loader), first_token + i, loader->buffer[i], loader->vocab_size);
            }
            if (loader->bad_token_error[0] == '\0') {
                dataloader_bad_token_text_(loader->bad_token_error, sizeof(loader->bad_token_error), dataloader_current_path(loader),
                                           first_token + i, loader->buffer[i], loader->vocab_size);
            }
            loader->buffer[i] = 0;
        }
    }
}
// Fills inputs/targets with this rank's next window, then steps to the next position
// (moving on to the next shard and epoch as needed, so the saved position is always valid).
void dataloader_next_batch(DataLoader *loader) {
    if (loader->synthetic) {
        synthetic_next_batch(loader);
        return;
    }
    size_t BT = loader->B * loader->T, P = (size_t)loader->num_processes;
    // this rank's window of the batch: slot j*P + r of the shard's order (every_window: the loader's own position,
    // then P windows on, past the other ranks' next ones)
    dataloader_read_window_(loader, loader->every_window ? loader->current_sample_idx :
                                    loader->current_sample_idx * P + (size_t)loader->process_rank);
    for (size_t i = 0; i < BT; i++) {
        loader->inputs[i] = (int)loader->buffer[i];
        loader->targets[i] = (int)loader->buffer[i + 1];
    }
    for (size_t moves = loader->every_window ? P : 1; moves > 0; moves--) { dataloader_step_(loader); }
}

// 1 where a batch read may still find a bad id: shards too many to check at init (synthetic tasks make none)
static inline int dataloader_checks_per_batch(const DataLoader *loader) {
    return !loader->synthetic && !loader->tokens_checked_at_init;
}

// Puts the loader where an uninterrupted loader stood when it had these three fields: the next
// dataloader_next_batch returns the same batch (shuffle included, since orders derive from the seed).
void dataloader_resume(DataLoader *loader, size_t epoch, size_t current_shard_idx, size_t current_sample_idx) {
    if (loader->synthetic) {
        loader->current_sample_idx = current_sample_idx;
        return;
    }
    if (current_shard_idx >= loader->num_shards) {
        fatalf("dataloader_resume: shard index %zu out of range, expected < %zu shards",
               current_shard_idx, loader->num_shards);
    }
    loader->epoch = epoch;
    loader->current_shard_idx = current_shard_idx;
    dataloader_prepare_epoch(loader);
    dataloader_load_shard(loader);
    if (current_sample_idx >= loader->shard_num_samples) {
        fatalf("dataloader_resume: '%s': sample index %zu out of range, expected < %zu",
               dataloader_current_path(loader), current_sample_idx, loader->shard_num_samples);
    }
    loader->current_sample_idx = current_sample_idx;
}

// number of B*T windows one pass over all shards (one epoch) reads, over all ranks (a synthetic task: every rank's
// batches, which differ from rank to rank)
size_t dataloader_num_windows(const DataLoader *loader) {
    if (loader->synthetic) { return loader->synthetic_batches * (size_t)loader->num_processes; }
    size_t total = 0;
    for (size_t i = 0; i < loader->num_shards; i++) {
        size_t samples = dataloader_shard_samples(loader, loader->shard_num_tokens[i]);
        total += dataloader_whole_steps(loader, samples);
    }
    return total;
}

// number of B*T windows this rank reads in one pass over all shards (one epoch): the same on every rank, or with
// every_window one more on the first ranks where P does not divide the set's windows
size_t dataloader_num_batches(const DataLoader *loader) {
    if (loader->synthetic) { return loader->synthetic_batches; }
    size_t all = dataloader_num_windows(loader), P = (size_t)loader->num_processes, r = (size_t)loader->process_rank;
    if (loader->every_window) { return all > r ? (all - r + P - 1) / P : 0; } // windows r, r + P, ... of the set
    return all / P; // (a multiple of P: every shard's is, whole steps)
}

// An evaluation's loader (dataloader_deal_every_window): every rank's first num_batches batches from the start (the
// set's first num_batches x P windows, or all it holds), checked against vocab_size (a bad id is the usual one-line
// error), then back to the first batch; nothing to do where init checked every token. num_batches is the same on
// every rank: that of the rank that reads the most (rank 0). For a val set too large to check whole at init: an
// evaluation reads the same first batches each time (in order, from the start), so checking those once at start-up
// stops a bad id before the first step on every rank alike, not mid-evaluation on the one rank whose window holds it
// (the others would be left waiting in a collective). Reads as much as one evaluation on all ranks together.
void dataloader_check_first_batches(DataLoader *loader, size_t num_batches) {
    if (!loader->every_window) { fatalf("dataloader_check_first_batches: not an evaluation's loader (dataloader_deal_every_window)"); }
    if (!dataloader_checks_per_batch(loader)) { return; }
    int saved_defer = loader->defer_bad_tokens;
    loader->defer_bad_tokens = 0;
    dataloader_rewind_(loader);
    size_t all = dataloader_num_windows(loader), P = (size_t)loader->num_processes;
    size_t n = num_batches < (all + P - 1) / P ? num_batches * P : all;
    for (size_t w = 0; w < n; w++) { // (window w: rank w % P's batch w / P)
        dataloader_read_window_(loader, loader->current_sample_idx);
        dataloader_step_(loader);
    }
    loader->defer_bad_tokens = saved_defer;
    dataloader_reset(loader);
}

void dataloader_free(DataLoader *loader) {
    free(loader->buffer);
    free(loader->inputs);
    free(loader->targets);
    free(loader->shard_num_tokens);
    free(loader->shard_order);
    free(loader->sample_order);
    if (loader->tokens_file != NULL) { fcloseCheck(loader->tokens_file); }
    if (!loader->synthetic) { globfree(&loader->glob_result); }
    memset(loader, 0, sizeof(*loader));
}

// ----------------------------------------------------------------------------
// a whole split as one token stream

/*
The tokens of the shards matching `pattern`, in glob order, as one stream, read in blocks of at
most 2^20: for each block, fn(ctx, tokens, n) gets its ids (fn may be NULL: the pass only checks).
Every header and every token is checked: a token outside [0, vocab_size), or one that has(ctx, id)
says no token has (has may be NULL: every id in range is one), is an error naming its shard and
position (and, past vocab_size, ending in `hint`: what to do). The shards' token counts come from `counts` (their headers, read by the caller); a shard
whose header has changed since is an error. Returns the number of tokens.
*/
typedef void (*token_block_fn)(void *ctx, const int *tokens, size_t n);
typedef int (*token_has_fn)(const void *ctx, int id);
static size_t token_stream_blocks_(const glob_t *g, const size_t *counts, int vocab_size, const char *hint, token_has_fn has,
                                   token_block_fn fn, void *ctx) {
    enum { BLOCK = 1 << 20 };
    uint16_t *buf = (uint16_t *)mallocCheck(BLOCK * sizeof(uint16_t));
    int *ids = (int *)mallocCheck(BLOCK * sizeof(int));
    size_t total = 0;
    for (size_t i = 0; i < g->gl_pathc; i++) {
        const char *path = g->gl_pathv[i];
        FILE *fp = fopenCheck(path, "rb");
        size_t n = shard_read_header(fp, path);
        if (n != counts[i]) { fatalf("'%s': changed while being read (%zu tokens, then %zu)", path, counts[i], n); }
        for (size_t done = 0; done < n;) {
            size_t m = n - done < BLOCK ? n - done : BLOCK;
            fread_check(buf, sizeof(uint16_t), m, fp, path, __FILE__, __LINE__); // (names the shard: one cut short since start-up)
            for (size_t j = 0; j < m; j++) {
                if (buf[j] >= vocab_size) {
                    fatalf("'%s': token %u at position %zu outside the vocabulary [0, %d)%s", path, buf[j], done + j, vocab_size, hint);
                }
                if (has != NULL && !has(ctx, buf[j])) {
                    fatalf("'%s': token %u at position %zu is an id no token of the vocabulary has", path, buf[j], done + j);
                }
                ids[j] = buf[j];
            }
            if (fn != NULL) { fn(ctx, ids, m); }
            done += m;
        }
        fcloseCheck(fp);
        total += n;
    }
    free(ids);
    free(buf);
    return total;
}

// the token counts of the shards of g (their headers)
static size_t *token_stream_counts_(const glob_t *g, size_t *total) {
    size_t *counts = (size_t *)mallocCheck((g->gl_pathc > 0 ? g->gl_pathc : 1) * sizeof(size_t));
    *total = 0;
    for (size_t i = 0; i < g->gl_pathc; i++) {
        FILE *fp = fopenCheck(g->gl_pathv[i], "rb");
        counts[i] = shard_read_header(fp, g->gl_pathv[i]);
        *total += counts[i];
        fcloseCheck(fp);
    }
    return counts;
}

/*
Every token of the shards matching `pattern` passed to fn in blocks (token_stream_blocks_), but
only after a first pass has checked all of them (in [0, vocab_size), and where has is not NULL, an
id some token has): a bad token in the last shard is an error before fn has seen any token
(dev/data/tokenize -d decodes shards to stdout this way, in constant memory, and writes nothing for
shards it refuses). Returns the number of tokens.
*/
size_t for_each_token_checked(const char *pattern, int vocab_size, token_has_fn has, token_block_fn fn, void *ctx) {
    if (synthetic_task_from_pattern(pattern)) { fatalf("'%s': a synthetic task is not a token stream", pattern); }
    glob_t g;
    shard_glob(pattern, &g);
    size_t total;
    size_t *counts = token_stream_counts_(&g, &total);
    token_stream_blocks_(&g, counts, vocab_size, "", has, NULL, ctx);
    token_stream_blocks_(&g, counts, vocab_size, "", NULL, fn, ctx);
    free(counts);
    globfree(&g);
    return total;
}

/*
All tokens of the shards matching `pattern`, in glob order, joined into one stream: what an
evaluation that carries the model's state across the whole split reads (enwik8's test bits per
byte are over the 5M test bytes as one sequence). Every header and every token is checked.
Fewer than min_tokens in all is an error (a scored stream needs 2, an input and its target).
Returns a malloc'ed array of *num_tokens ids.
*/
typedef struct { int *tokens; size_t at; } TokenArray_;
static void token_array_append_(void *ctx, const int *tokens, size_t n) {
    TokenArray_ *a = (TokenArray_ *)ctx;
    memcpy(a->tokens + a->at, tokens, n * sizeof(int));
    a->at += n;
}
int *load_token_stream(const char *pattern, int vocab_size, size_t min_tokens, size_t *num_tokens) {
    if (synthetic_task_from_pattern(pattern)) { fatalf("'%s': a synthetic task is not a token stream", pattern); }
    glob_t g;
    shard_glob(pattern, &g);
    size_t total;
    size_t *counts = token_stream_counts_(&g, &total);
    if (total < min_tokens) { fatalf("'%s': %zu token%s, a stream needs at least %zu", pattern, total, plural_s((long long)total), min_tokens); }
    TokenArray_ a = {(int *)mallocCheck((total > 0 ? total : 1) * sizeof(int)), 0};
    // (the hint of the -i / -j shards' error, dataloader_bad_token_text_: it named no remedy)
    token_stream_blocks_(&g, counts, vocab_size, " (a model whose vocabulary covers the shards' tokenizer is needed: a descriptor's v<N>)",
                         NULL, token_array_append_, &a);
    free(counts);
    globfree(&g);
    *num_tokens = total;
    return a.tokens;
}

#endif // DATALOADER_H
