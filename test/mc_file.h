/*
Multiple-choice eval files of random tokens for the -mc tests of both trainers (test_mamba.c, test_mamba.cu),
written here byte by byte from the format (doc/formats.md), not by dev/data/tokenize: num_examples examples
of 2 to 5 completions, and every fourth of one (a cloze), contexts of 1 to max_ctx tokens, completions of 1 to
max_comp; in every third example of several completions 0 and 1 are the same (a tie); in every other example
each completion begins with a space under MCTestTokens (below); in version 2 (format version 2), every third
example's completions (from the second) begin with tokens that are context, not scored, and examples 4 and 10
have no shared context at all. *cut: some context is
longer than a row of T inputs leaves room for.
*/
#ifndef MC_FILE_H
#define MC_FILE_H
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "../llmc/rand.h"
#include <unistd.h>
#include "../llmc/utils.h"
#include "../llmc/mc_eval.h"

static inline void write_mc_test_file(const char *path, int num_examples, int V, int max_ctx, int max_comp, uint64_t *rng,
                               int *cut, int T, int version) {
    uint16_t *stream = (uint16_t *)mallocCheck((size_t)num_examples * (6 + max_ctx + 6 * (2 + max_comp)) * sizeof(uint16_t));
    int fields = version == 2 ? 2 : 1; // a completion's length (and, in version 2, its tokens that are context)
    size_t n = 0;
    int longest = 0;
    *cut = 0;
    for (int e = 0; e < num_examples; e++) {
        size_t first = n;
        int nc = 2 + (int)(random_u64(rng) % 4), ctx_len = 1 + (int)(random_u64(rng) % max_ctx);
        if (e % 4 == 3) { nc = 1; } // a cloze
        int no_ctx = version == 2 && e % 6 == 4; // version 2: no shared context, every completion begins with its own
        if (no_ctx) { ctx_len = 0; }
        stream[n++] = 65535;
        stream[n++] = 0;
        stream[n++] = (uint16_t)e;
        stream[n++] = (uint16_t)(random_u64(rng) % nc);
        stream[n++] = (uint16_t)nc;
        stream[n++] = (uint16_t)ctx_len;
        for (int i = 0; i < ctx_len; i++) { stream[n++] = (uint16_t)(random_u64(rng) % V); }
        size_t comp0 = n; // completion 0's length field
        for (int c = 0; c < nc; c++) {
            if (c == 1 && e % 3 == 2) { // completions 0 and 1 the same: a tie, which the first wins (never a cloze: c == 1)
                for (size_t i = comp0; i < comp0 + fields + stream[comp0]; i++) { stream[n++] = stream[i]; }
                continue;
            }
            int m = no_ctx ? 2 + (int)(random_u64(rng) % (max_comp - 1)) : 1 + (int)(random_u64(rng) % max_comp);
            // version 2: in every third example (from the second) a completion's first tokens are context
            int skip = version == 2 && e % 3 == 1 && m > 1 ? 1 + (int)(random_u64(rng) % (m - 1)) : 0;
            *cut |= ctx_len + m > T + 1;
            stream[n++] = (uint16_t)m;
            if (version == 2) { stream[n++] = (uint16_t)skip; }
            for (int i = 0; i < m; i++) { stream[n++] = (uint16_t)(random_u64(rng) % V); }
            // in every other example each completion's scored tokens begin with a token that begins with a space
            // (under MCTestTokens), as a delimiter does; some of those are a space alone, so one more can follow
            if (e % 2 == 0) { stream[n - m + skip] = (uint16_t)(3 * (random_u64(rng) % ((V + 2) / 3))); }
        }
        stream[first + 1] = (uint16_t)((n - first) * 2);
        longest = (int)(n - first) * 2 > longest ? (int)(n - first) * 2 : longest;
    }
    int header[256] = {20240522, version, num_examples, longest};
    FILE *fp = fopenCheck(path, "wb");
    fwrite(header, sizeof(int), 256, fp);
    fwrite(stream, sizeof(uint16_t), n, fp);
    fcloseCheck(fp);
    free(stream);
}

// such a file of 11 examples (format version 1 or 2), written to a temporary file and loaded (checked for -b B, -t T)
static inline void mc_test_set(MCEvalSet *s, int V, int max_ctx, int max_comp, uint64_t seed, int B, int T, int *cut, int version) {
    char path[] = "/tmp/test_mc_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { fatalf("mkstemp failed"); }
    close(fd);
    uint64_t rng = seed;
    write_mc_test_file(path, 11, V, max_ctx, max_comp, &rng, cut, T, version);
    mc_load(s, path, V, T);
    int rows, t; // (the start-up check of -b B, -t T the trainers make)
    mc_batch_shape(s, B, T, 64, 1L << 30, &rows, &t);
    remove(path);
}

// completion c of x alone, as the row the format defines for rows of T inputs (written here, not by mc_pack):
// the context's last tokens that leave room for the completion, then the completion; inputs in[0 .. n) and
// targets tg (the next token where that is a scored completion token, else -1); returns n
static inline int mc_test_alone_row(const MCExample *x, int c, int T, int *in, int *tg) {
    int m = x->completion_len[c], keep = x->ctx_len + m > T + 1 ? T + 1 - m : x->ctx_len, n = keep + m - 1;
    for (int t = 0; t < n; t++) {
        in[t] = t < keep ? x->ctx[x->ctx_len - keep + t] : x->completion[c][t - keep];
        tg[t] = t + 1 >= keep + x->completion_skip[c] ? x->completion[c][t + 1 - keep] : -1;
    }
    return n;
}

/*
A token table for -mc's per-character choice (mc_set_chars): token i decodes to a space when i % 3 == 0, then
i % 4 ASCII letters, then (i / 4) % 3 two-byte UTF-8 characters (e acute); tokens i % 12 == 0 are a space
alone, so a completion can begin with several. Its characters are counted by construction in
mc_test_completion_chars, not by reading the bytes.
*/
typedef struct {
    char *bytes;        // [V][12]
    const char **table; // [V]
    uint32_t *len;      // [V]
} MCTestTokens;

static inline void mc_test_tokens(MCTestTokens *k, int V) {
    k->bytes = (char *)mallocCheck((size_t)V * 12);
    k->table = (const char **)mallocCheck((size_t)V * sizeof(char *));
    k->len = (uint32_t *)mallocCheck((size_t)V * sizeof(uint32_t));
    for (int i = 0; i < V; i++) {
        char *b = k->bytes + (size_t)i * 12;
        int n = 0;
        if (i % 3 == 0) { b[n++] = ' '; }
        for (int j = 0; j < i % 4; j++) { b[n++] = (char)('a' + j); }
        for (int j = 0; j < (i / 4) % 3; j++) { b[n++] = (char)0xC3; b[n++] = (char)0xA9; }
        b[n] = '\0';
        k->table[i] = b;
        k->len[i] = (uint32_t)n;
    }
}

static inline void mc_test_tokens_free(MCTestTokens *k) {
    free(k->bytes);
    free(k->table);
    free(k->len);
}

// a completion's characters under the table above, and in *lead how many of them are spaces in front (the
// table's only white space: each token's optional first byte)
static inline int mc_test_completion_chars(const uint16_t *ids, int len, int *lead) {
    int n = 0, leading = 1;
    *lead = 0;
    for (int k = 0; k < len; k++) {
        int id = ids[k], rest = id % 4 + (id / 4) % 3; // letters and two-byte characters after the space
        n += (id % 3 == 0) + rest;
        *lead += leading && id % 3 == 0;
        leading = leading && rest == 0;
    }
    return n;
}

// the per-character choice for x from each completion's summed loss: each completion's characters less the spaces
// in front that all of them have (the delimiter; lm-evaluation-harness's len(choice) counts neither); the first of
// equal ones; no characters: never chosen, as lm-evaluation-harness's log-likelihood / 0 = -inf
static inline int mc_test_char_choice(const MCExample *x, const double *loss) {
    int best = 0, n[MC_MAX_COMPLETIONS], shared = 1 << 30;
    for (int c = 0; c < x->num_completions; c++) {
        int lead;
        n[c] = mc_test_completion_chars(x->completion[c] + x->completion_skip[c], x->completion_len[c] - x->completion_skip[c], &lead);
        shared = lead < shared ? lead : shared;
    }
    double per[MC_MAX_COMPLETIONS];
    for (int c = 0; c < x->num_completions; c++) {
        per[c] = n[c] - shared > 0 ? loss[c] / (n[c] - shared) : INFINITY;
        if (per[c] < per[best]) { best = c; }
    }
    return best;
}

#endif // MC_FILE_H
