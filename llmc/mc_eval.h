/*
Multiple-choice evaluation (HellaSwag and the like) from llm.c's eval files (`-mc file`). Each
example is a context and several completions, one of them right; the model scores a completion by
its loss on the completion's tokens after the context and chooses the completion of least loss.
Three choices are counted: by the sum of the completion's token losses ("summed", the joint
likelihood; llm.c's dev/data/hellaswag.py counts it too), by their mean ("per token", what llm.c's
trainer reports), and, where the tokens can be decoded (a tokenizer, or a byte-level model), by the
sum divided by the completion's length in characters, not counting the white space in front of it that
every completion of the example has ("per character": lm-evaluation-harness's acc_norm, which divides each
choice's log-likelihood by len(choice), the choice's string without its delimiter; the Mamba paper reports it
for HellaSwag).
An example of one completion is a cloze instead (LAMBADA: a passage and its last word): it counts as right
when every completion token is the model's likeliest (the argmax, lm-evaluation-harness's is_greedy), and its
summed loss goes into a perplexity over such examples, exp(mean summed loss) (lm-evaluation-harness's).

The file (doc/formats.md): a header of 256 int32 (magic 20240522, version 1 or 2, number of examples,
the longest example's size in bytes), then each example as a stream of uint16: 65535 (the start
marker), the example's size in bytes (this whole stream), its index, the label (the right
completion), the number of completions, the context's length and tokens, then each completion's
length and tokens. `dev/data/tokenize -t tokenizer.json -c out.bin hellaswag_val.jsonl` writes HellaSwag's
JSON Lines in it (`-t bytes` for byte-level models); so does llm.c's dev/data/hellaswag.py (GPT-2 tokens).
Version 2 (ours; tokenize -m winogrande) adds after each completion's length the number of its first tokens
that are context, not scored: WinoGrande's choices are contexts (the sentence up to the blank, with each
option in it) followed by one continuation, which alone is scored.

Every completion of an example becomes one row of the batch: the context and the completion, with
targets (the next token) only where a scored completion token is predicted, -1 elsewhere, and padding
after the row's end (the model is causal, so it cannot change the row's losses). A context longer
than the row leaves is cut from the left, as lm-evaluation-harness does; every example's rows
share one batch, so the file is refused at start-up when an example has more completions than -b
rows or a completion longer than -t.
*/
#ifndef MC_EVAL_H
#define MC_EVAL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "utils.h"

#define MC_MAGIC 20240522
#define MC_VERSION 1      // llm.c's
#define MC_VERSION_SKIP 2 // each completion also says how many of its first tokens are context (WinoGrande's)
#define MC_START 65535
#define MC_MAX_COMPLETIONS 64

typedef struct {
    int num_examples;
    int version;      // MC_VERSION or MC_VERSION_SKIP
    uint16_t *stream; // every example's uint16 stream, one after another
    size_t *start;    // [num_examples] where each example's stream starts (its start marker)
    int longest_row;  // inputs of the longest row (context cut to fit -t, completion; the last token is no input)
    long total_rows;  // completions over all examples: one row each
    long *first_row;  // [num_examples] each example's first row, counting every example's completions in file order
    int *row_chars;   // [total_rows] each completion's characters (mc_set_chars); NULL: no per-character choice
    int most_completions, most_completions_example; // an example's most completions (its rows share a batch), the first such
} MCEvalSet;

// one example, pointing into the set's stream
typedef struct {
    int label, num_completions, ctx_len;
    const uint16_t *ctx;
    const uint16_t *completion[MC_MAX_COMPLETIONS];
    int completion_len[MC_MAX_COMPLETIONS];
    int completion_skip[MC_MAX_COMPLETIONS]; // its first tokens that are context, not scored (0 but in version 2)
} MCExample;

typedef struct {
    int examples, correct_sum, correct_mean; // choices right by the summed and by the mean token loss
    int nonfinite;                           // rows whose loss is NaN or infinite (comparisons with NaN are false: chosen only if first)
    int correct_char;                        // right by the summed loss per character (with row_chars)
    int cloze_examples, cloze_greedy;        // examples of one completion, and those whose every token is the argmax
    double cloze_loss;                       // their summed losses, added
} MCResult;

// example i of a set that mc_load has checked
static inline void mc_example(const MCEvalSet *s, int i, MCExample *x) {
    const uint16_t *p = s->stream + s->start[i];
    x->label = p[3];
    x->num_completions = p[4];
    x->ctx_len = p[5];
    x->ctx = p + 6;
    p += 6 + x->ctx_len;
    int fields = s->version == MC_VERSION_SKIP ? 2 : 1; // len (and skip) before the tokens
    for (int c = 0; c < x->num_completions; c++) {
        x->completion_len[c] = p[0];
        x->completion_skip[c] = fields == 2 ? p[1] : 0;
        x->completion[c] = p + fields;
        p += fields + p[0];
    }
}

// Reads and checks the whole file: a model of vocab_size tokens must be able to score every example
// in rows of T positions (mc_batch_shape then checks that an example's completions fit a batch's rows). Any problem
// is a one-line error naming the file and the example.
static inline void mc_load(MCEvalSet *s, const char *path, int vocab_size, int T) {
    FILE *f = fopenCheck(path, "rb");
    long bytes = file_size(f);
    int header[256];
    // (a text file, such as the task's JSON Lines themselves, is told how it becomes an eval file)
#define MC_TEXT_HINT(f) (starts_as_text(f) ? ": it looks like text; dev/data/tokenize -c makes an eval file from a task's JSON Lines" : "")
    if (bytes < (long)sizeof(header)) {
        fatalf("%s: %ld byte%s, shorter than the eval file header (1024)%s", path, bytes, plural_s(bytes), MC_TEXT_HINT(f));
    }
    freadCheck(header, sizeof(int), 256, f);
    if (header[0] != MC_MAGIC) {
        fatalf("%s: bad magic %d (an eval file has %d; a token shard has 20240520)%s", path, header[0], MC_MAGIC, MC_TEXT_HINT(f));
    }
#undef MC_TEXT_HINT
    if (header[1] != MC_VERSION && header[1] != MC_VERSION_SKIP) {
        fatalf("%s: eval file version %d, expected %d or %d", path, header[1], MC_VERSION, MC_VERSION_SKIP);
    }
    if (header[2] <= 0) { fatalf("%s: %d examples in the header", path, header[2]); }
    if (header[3] <= 0 || header[3] > 65535) { fatalf("%s: longest example of %d bytes in the header", path, header[3]); }
    long payload = bytes - (long)sizeof(header);
    if (payload % 2 != 0) { fatalf("%s: %ld byte%s after the header, not a whole number of uint16", path, payload, plural_s(payload)); }
    size_t n = (size_t)payload / 2;
    if ((size_t)header[2] > n / 9) { // the least example: 6 fields, 1 context token, 1 completion of 1 token
        fatalf("%s: %d examples in the header, but its %ld bytes hold at most %zu", path, header[2], payload, n / 9);
    }
    s->num_examples = header[2];
    s->version = header[1];
    s->stream = (uint16_t *)mallocCheck(n * sizeof(uint16_t) + 1);
    s->start = (size_t *)mallocCheck((size_t)s->num_examples * sizeof(size_t));
    s->first_row = (long *)mallocCheck((size_t)s->num_examples * sizeof(long));
    s->row_chars = NULL;
    freadCheck(s->stream, sizeof(uint16_t), n, f);
    fcloseCheck(f);
    size_t pos = 0;
    s->longest_row = 1;
    s->total_rows = 0;
    s->most_completions = 0;
    s->most_completions_example = 0;
    for (int i = 0; i < s->num_examples; i++) {
        if (pos + 6 > n) { fatalf("%s: truncated: example %d of %d starts past the end of the file", path, i, s->num_examples); }
        const uint16_t *p = s->stream + pos;
        if (p[0] != MC_START) { fatalf("%s: example %d: no start marker (65535) at uint16 %zu (found %d)", path, i, pos, p[0]); }
        size_t len = p[1] / 2; // the example's stream, in uint16
        if (p[1] % 2 != 0 || p[1] > header[3] || len < 6 || pos + len > n) {
            fatalf("%s: example %d: size field of %d bytes (the header's longest is %d, %zu bytes are left)", path, i, p[1],
                   header[3], (n - pos) * 2);
        }
        int label = p[3], nc = p[4], ctx_len = p[5];
        if (nc < 1 || nc > MC_MAX_COMPLETIONS) { fatalf("%s: example %d: %d completions (1 to %d)", path, i, nc, MC_MAX_COMPLETIONS); }
        if (label >= nc) { fatalf("%s: example %d: label %d, but %d completions", path, i, label, nc); }
        if (nc > s->most_completions) { // (checked against a batch's rows by mc_batch_shape: they fit more rows than B)
            s->most_completions = nc;
            s->most_completions_example = i;
        }
        size_t q = 6; // within the example
        int least_skip = 1 << 30;
        for (int c = -1; c < nc; c++) { // the context, then each completion
            size_t count = (size_t)ctx_len;
            if (c >= 0) {
                if (q >= len) { fatalf("%s: example %d: its size field (%d bytes) ends before completion %d", path, i, p[1], c); }
                count = p[q++];
                if (count < 1) { fatalf("%s: example %d: completion %d is empty", path, i, c); }
                if (s->version == MC_VERSION_SKIP) {
                    if (q >= len) { fatalf("%s: example %d: its size field (%d bytes) ends before completion %d's skip", path, i, p[1], c); }
                    if (p[q] >= count) {
                        fatalf("%s: example %d: completion %d skips %d of its %zu tokens (one at least must be scored)", path, i, c, p[q], count);
                    }
                    least_skip = p[q] < least_skip ? p[q] : least_skip;
                    q++;
                } else {
                    least_skip = 0;
                }
                if ((int)count > T) {
                    char skipped[48] = ""; // version 2: how many of them are the completion's own context
                    if (s->version == MC_VERSION_SKIP) { snprintf(skipped, sizeof(skipped), " (%d of them context)", p[q - 1]); }
                    fatalf("%s: example %d: completion %d has %zu tokens%s, more than -t %d", path, i, c, count, skipped, T);
                }
                int row = ctx_len + (int)count < T + 1 ? ctx_len + (int)count - 1 : T;
                s->longest_row = row > s->longest_row ? row : s->longest_row;
            }
            if (q + count > len) { fatalf("%s: example %d: its size field (%d bytes) ends inside its tokens", path, i, p[1]); }
            for (size_t k = q; k < q + count; k++) {
                if (p[k] >= vocab_size) {
                    fatalf("%s: example %d: token %d outside the model's vocabulary [0, %d)", path, i, p[k], vocab_size);
                }
            }
            q += count;
        }
        if (q != len) { fatalf("%s: example %d: size field of %d bytes, but its fields take %zu", path, i, p[1], q * 2); }
        if (ctx_len < 1 && least_skip < 1) { // (version 2: a completion's own context tokens can come first)
            fatalf("%s: example %d: empty context (its first completion token would have nothing to follow)", path, i);
        }
        s->start[i] = pos;
        s->first_row[i] = s->total_rows;
        s->total_rows += nc;
        pos += len;
    }
    if (pos != n) { fatalf("%s: %zu bytes after the last of its %d examples", path, (n - pos) * 2, s->num_examples); }
}

static inline void mc_free(MCEvalSet *s) {
    free(s->stream);
    free(s->start);
    free(s->first_row);
    free(s->row_chars);
}

// Python's str.isspace for one code point: the white space that lm-evaluation-harness's rstrip() takes off a context
static inline int mc_isspace(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/*
The per-character choice's lengths: each completion's scored tokens decoded (token_bytes[id], token_len[id] bytes,
for ids below num_tokens) and counted in characters, i.e. UTF-8 code points (every byte that is not a
continuation byte 10xxxxxx), less the white space in front that all the example's completions share: the
delimiter (the space that dev/data/tokenize -c and llm.c's hellaswag.py put before each ending) and any white
space that the writer moved there from the end of the context (lm-evaluation-harness's _encode_pair; tokenize
-m hellaswag|piqa|arc|lambada|winogrande does the same). lm-evaluation-harness's len(choice) counts neither,
but does count a space that begins one choice and not the others. Returns 0, leaving the set's lengths as they
were, when a completion has a token past num_tokens (a tokenizer smaller than the model's vocabulary: nothing
to decode it with).
*/
static inline int mc_set_chars(MCEvalSet *s, const char *const *token_bytes, const uint32_t *token_len, uint32_t num_tokens) {
    int *chars = (int *)mallocCheck((size_t)s->total_rows * sizeof(int) + 1);
    MCExample x;
    for (int e = 0; e < s->num_examples; e++) {
        mc_example(s, e, &x);
        int shared = 1 << 30; // leading white space common to every completion, in code points
        for (int c = 0; c < x.num_completions; c++) {
            long n = 0;      // code points
            int lead = 0;    // of them, white space before the first that is not (while `leading`)
            int leading = 1;
            uint32_t cp = 0; // the code point being decoded
            for (int k = x.completion_skip[c]; k < x.completion_len[c]; k++) { // the scored tokens
                uint32_t id = x.completion[c][k];
                if (id >= num_tokens) {
                    free(chars);
                    return 0;
                }
                const unsigned char *b = (const unsigned char *)token_bytes[id];
                for (uint32_t j = 0; j < token_len[id]; j++) {
                    if ((b[j] & 0xC0) == 0x80) { cp = cp << 6 | (b[j] & 0x3F); continue; }
                    if (n > 0 && leading) { leading = mc_isspace(cp); lead += leading; } // the previous one is whole
                    n++;
                    cp = b[j] < 0x80 ? b[j] : b[j] < 0xE0 ? b[j] & 0x1Fu : b[j] < 0xF0 ? b[j] & 0x0Fu : b[j] & 0x07u;
                }
            }
            if (n > 0 && leading) { lead += mc_isspace(cp); }
            chars[s->first_row[e] + c] = (int)n;
            shared = lead < shared ? lead : shared;
        }
        for (int c = 0; c < x.num_completions; c++) { chars[s->first_row[e] + c] -= shared; }
    }
    free(s->row_chars);
    s->row_chars = chars;
    return 1;
}

// The evaluation's batch shape: rows of Tm positions, just enough for the longest row (a multiple of 64, at
// most T), and as many rows Bm as the training activations hold: at most B*T tokens and the scan chunks of B
// rows of T (`chunk` steps each), at most max_rows, and no more than the file has. So a batch holds many
// examples where -t is long, and a small file is no batch of padding. An example's completions share a batch:
// one with more completions than a batch has rows is an error (the trainers ask at start-up, before -o is made).
static inline void mc_batch_shape(const MCEvalSet *s, int B, int T, int chunk, long max_rows, int *Bm, int *Tm) {
    int tm = (s->longest_row + 63) / 64 * 64;
    tm = tm < T ? tm : T;
    long rows = (long)B * T / tm, by_chunks = (long)B * ((T + chunk - 1) / chunk) / ((tm + chunk - 1) / chunk);
    rows = rows < by_chunks ? rows : by_chunks;
    rows = rows < max_rows ? rows : max_rows;
    rows = rows > B ? rows : B; // (never fewer rows than B: tm <= T)
    if (rows < s->most_completions) {
        fatalf("-mc: example %d has %d completions, more than the %ld rows of an evaluation batch (rows of %d tokens in "
               "the -b %d x -t %d of training): a larger -b or -t", s->most_completions_example, s->most_completions, rows,
               tm, B, T);
    }
    *Bm = (int)(rows < s->total_rows ? rows : s->total_rows); // (total_rows >= an example's completions)
    *Tm = tm;
}

// Fills a batch of B rows of T positions with examples first, first+1, ... (before `end`), each
// example's completions in consecutive rows; returns how many examples it holds (at least one).
// Rows past them take token 0 and no targets.
static inline int mc_pack(const MCEvalSet *s, int first, int end, int B, int T, int *inputs, int *targets) {
    for (size_t i = 0; i < (size_t)B * T; i++) {
        inputs[i] = 0;
        targets[i] = -1;
    }
    int row = 0, count = 0;
    MCExample x;
    x.num_completions = 0;
    for (int e = first; e < end; e++, count++) {
        mc_example(s, e, &x);
        if (row + x.num_completions > B) { break; }
        for (int c = 0; c < x.num_completions; c++, row++) {
            int m = x.completion_len[c];
            // (mc_load checked -t) a completion whose first token is context, not scored, can fill the row's T inputs
            // and the one token past them (version 2 without shared context: mc_batch_shape's rows of T = m - 1)
            if (m > T + (x.completion_skip[c] > 0)) { fatalf("mc_pack: example %d's completion %d has %d tokens, rows of %d", e, c, m, T); }
            int keep = x.ctx_len < T + 1 - m ? x.ctx_len : T + 1 - m; // context tokens that fit (from the right)
            const uint16_t *ctx = x.ctx + (x.ctx_len - keep);
            int n = keep + m; // the row's tokens; positions 0 .. n-2 are inputs
            int *in = inputs + (size_t)row * T, *tg = targets + (size_t)row * T;
            for (int t = 0; t < n - 1; t++) {
                in[t] = t < keep ? ctx[t] : x.completion[c][t - keep];
                int next = t + 1; // the token position t predicts
                if (next >= keep + x.completion_skip[c]) { tg[t] = x.completion[c][next - keep]; }
            }
        }
    }
    if (count == 0 && first < end) { fatalf("mc_pack: example %d's %d completions do not fit %d rows", first, x.num_completions, B); }
    return count;
}

// Adds the choices of the `count` examples packed from `first`, given each row's summed target losses, their
// count and whether every target was the argmax (MC_ROW_SUMS); returns the rows they took.
static inline int mc_score(const MCEvalSet *s, int first, int count, const double *row_loss, const int *row_count,
                           const int *row_greedy, MCResult *r) {
    int row = 0;
    MCExample x;
    for (int e = first; e < first + count; e++) {
        mc_example(s, e, &x);
        if (x.num_completions == 1) { // a cloze
            r->cloze_examples++;
            r->cloze_greedy += row_greedy[row];
            r->cloze_loss += row_loss[row];
            r->nonfinite += !isfinite(row_loss[row]);
            row++;
            continue;
        }
        int best_sum = 0, best_mean = 0, best_char = 0;
        double per_char[MC_MAX_COMPLETIONS];
        const int *chars = s->row_chars != NULL ? s->row_chars + s->first_row[e] : NULL;
        for (int c = 0; chars != NULL && c < x.num_completions; c++) {
            // an empty choice string: numpy's log-likelihood / 0 is -inf in lm-evaluation-harness, never chosen
            per_char[c] = chars[c] > 0 ? row_loss[row + c] / chars[c] : INFINITY;
        }
        for (int c = 1; c < x.num_completions; c++) {
            // equal losses: the lowest index wins (a strict comparison), as in llm.c's hellaswag.py (argmin)
            // and lm-evaluation-harness (numpy's argmax)
            if (row_loss[row + c] < row_loss[row + best_sum]) { best_sum = c; }
            if (row_loss[row + c] / row_count[row + c] < row_loss[row + best_mean] / row_count[row + best_mean]) { best_mean = c; }
            if (chars != NULL && per_char[c] < per_char[best_char]) { best_char = c; }
        }
        for (int c = 0; c < x.num_completions; c++) { r->nonfinite += !isfinite(row_loss[row + c]); }
        r->examples++;
        r->correct_sum += best_sum == x.label;
        r->correct_mean += best_mean == x.label;
        r->correct_char += chars != NULL && best_char == x.label;
        row += x.num_completions;
    }
    return row; // the rows these examples took
}

// per-row sums of the targets' losses (in position order), their counts, and whether every target was the
// prediction (the argmax), from a batch's per-position losses and predictions
#define MC_ROW_SUMS(row_loss, row_count, row_greedy, losses, predictions, targets, B, T)                                    \
    do {                                                                                                                    \
        for (int r_ = 0; r_ < (B); r_++) {                                                                                  \
            double s_ = 0.0;                                                                                                \
            int n_ = 0, g_ = 1;                                                                                             \
            for (int t_ = 0; t_ < (T); t_++) {                                                                              \
                size_t i_ = (size_t)r_ * (T) + t_;                                                                          \
                if ((targets)[i_] >= 0) {                                                                                   \
                    s_ += (double)(losses)[i_];                                                                             \
                    n_++;                                                                                                   \
                    g_ &= (predictions)[i_] == (targets)[i_];                                                               \
                }                                                                                                           \
            }                                                                                                               \
            (row_loss)[r_] = s_;                                                                                            \
            (row_count)[r_] = n_;                                                                                           \
            (row_greedy)[r_] = g_;                                                                                          \
        }                                                                                                                   \
    } while (0)

#endif // MC_EVAL_H
