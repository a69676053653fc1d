/*
Fuzzes the multiple-choice eval file reader (mc_load) and what the trainers do with an accepted file:
mc_batch_shape, mc_pack over every example, mc_set_chars (a byte-level table of 256 tokens), mc_score.

Input: 4 control bytes, then the eval file.
  [0] B = 2 + c % 16 (rows of a training batch)
  [1] T = 1 + c (positions of a training row)
  [2] vocab_size = 1 + 257 * c (1 .. 65536)
  [3] chunk = 1 + c % 64 (the scan's, for mc_batch_shape)
On accepted input every example's rows are packed: each row's inputs and targets exactly as the format
defines them (rebuilt here), whole examples per batch, all of them packed once; mc_score counts every
example once.
*/
#include "fuzz_common.h"
#include "../../llmc/mc_eval.h"

#define CONTROL_BYTES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < CONTROL_BYTES) { return -1; } // -1: not added to the corpus
    fuzz_setup("mc");
    int B = 2 + data[0] % 16, T = 1 + data[1], V = 1 + 257 * data[2], chunk = 1 + data[3] % 64;
    char path[512];
    fuzz_write_file(fuzz_path(path, "mc.bin"), data + CONTROL_BYTES, size - CONTROL_BYTES);

    MCEvalSet s;
    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        mc_load(&s, path, V, T);
        int Bm, Tm;
        mc_batch_shape(&s, B, T, chunk, 1L << 30, &Bm, &Tm);
        FUZZ_ASSERT(Bm >= 1 && Bm <= s.total_rows && Tm >= 1 && Tm <= T && (long)Bm * Tm <= (long)B * T);
        FUZZ_ASSERT((long)Bm * ((Tm + chunk - 1) / chunk) <= (long)B * ((T + chunk - 1) / chunk));
        int *in = (int *)malloc((size_t)Bm * Tm * sizeof(int)), *tg = (int *)malloc((size_t)Bm * Tm * sizeof(int));
        double *loss = (double *)malloc((size_t)Bm * sizeof(double));
        int *count = (int *)malloc((size_t)Bm * sizeof(int)), *greedy = (int *)malloc((size_t)Bm * sizeof(int));
        // the per-character lengths with 256 one-byte tokens: made exactly when every completion token is below 256,
        // each the completion's code points less the white space in front that all the example's completions share
        static char bytes[256][2];
        static const char *table[256];
        static uint32_t lens[256];
        for (int i = 0; i < 256; i++) { bytes[i][0] = (char)i; table[i] = bytes[i]; lens[i] = 1; }
        int small = 1;
        for (int e = 0; e < s.num_examples; e++) {
            MCExample x;
            mc_example(&s, e, &x);
            for (int c = 0; c < x.num_completions; c++) {
                for (int k = x.completion_skip[c]; k < x.completion_len[c]; k++) { small &= x.completion[c][k] < 256; }
            }
        }
        FUZZ_ASSERT(mc_set_chars(&s, table, lens, 256) == small && (s.row_chars != NULL) == small);
        for (int e = 0; small && e < s.num_examples; e++) {
            MCExample x;
            mc_example(&s, e, &x);
            // each completion's code points (a byte that is not 10xxxxxx starts one, its value those bits and the
            // continuation bytes' low six), less the white space in front that every completion has
            int n[MC_MAX_COMPLETIONS], shared = 1 << 30;
            for (int c = 0; c < x.num_completions; c++) {
                const uint16_t *b = x.completion[c] + x.completion_skip[c]; // the scored tokens
                int len = x.completion_len[c] - x.completion_skip[c], lead = 0, k = 0;
                n[c] = 0;
                for (k = 0; k < len; k++) { n[c] += (b[k] & 0xC0) != 0x80; }
                for (k = 0; k < len && (b[k] & 0xC0) == 0x80;) { k++; } // stray continuation bytes: no code point
                while (k < len) {
                    int end = k + 1;
                    while (end < len && (b[end] & 0xC0) == 0x80) { end++; }
                    uint32_t cp = b[k] < 0x80 ? b[k] : b[k] & (b[k] < 0xE0 ? 0x1F : b[k] < 0xF0 ? 0x0F : 0x07);
                    for (int q = k + 1; q < end; q++) { cp = cp << 6 | (b[q] & 0x3F); }
                    if (!mc_isspace(cp)) { break; }
                    lead++;
                    k = end;
                }
                shared = lead < shared ? lead : shared;
            }
            for (int c = 0; c < x.num_completions; c++) { FUZZ_ASSERT(s.row_chars[s.first_row[e] + c] == n[c] - shared); }
        }
        MCResult r = {0};
        for (int e = 0; e < s.num_examples;) {
            int n = mc_pack(&s, e, s.num_examples, Bm, Tm, in, tg);
            FUZZ_ASSERT(n >= 1 && e + n <= s.num_examples);
            int row = 0;
            for (int k = e; k < e + n; k++) {
                MCExample x;
                mc_example(&s, k, &x);
                FUZZ_ASSERT(x.label < x.num_completions && x.num_completions >= 1);
                for (int c = 0; c < x.num_completions; c++, row++) {
                    // the row as the format defines it: the context's last tokens that leave room for the
                    // completion in Tm + 1, then the completion; inputs its tokens but the last, targets the next
                    // token where that is a scored completion token (past the completion's first `skip`)
                    int m = x.completion_len[c], keep = x.ctx_len + m > Tm + 1 ? Tm + 1 - m : x.ctx_len, got = 0;
                    int skip = x.completion_skip[c];
                    FUZZ_ASSERT((keep >= 1 || skip >= 1) && skip >= 0 && skip < m && (s.version == 2 || skip == 0));
                    for (int t = 0; t < Tm; t++) {
                        int v = in[(size_t)row * Tm + t], w = tg[(size_t)row * Tm + t];
                        FUZZ_ASSERT(v >= 0 && v < V && w >= -1 && w < V);
                        int want_in = t >= keep + m - 1 ? 0 : t < keep ? x.ctx[x.ctx_len - keep + t] : x.completion[c][t - keep];
                        int want_tg = t >= keep + m - 1 || t + 1 < keep + skip ? -1 : x.completion[c][t + 1 - keep];
                        FUZZ_ASSERT(v == want_in && w == want_tg);
                        got += w >= 0;
                    }
                    FUZZ_ASSERT(got == m - skip);
                    loss[row] = (double)(row % 7);
                    count[row] = got;
                    greedy[row] = row % 3 == 0;
                }
            }
            FUZZ_ASSERT(row <= Bm);
            FUZZ_ASSERT(mc_score(&s, e, n, loss, count, greedy, &r) == row);
            e += n;
        }
        FUZZ_ASSERT(r.examples + r.cloze_examples == s.num_examples && r.correct_sum <= r.examples && r.correct_mean <= r.examples);
        FUZZ_ASSERT(r.cloze_greedy <= r.cloze_examples && r.cloze_loss >= 0.0);
        FUZZ_ASSERT(r.correct_char <= (small ? r.examples : 0));
        free(in);
        free(tg);
        free(loss);
        free(count);
        free(greedy);
        mc_free(&s);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    return 0;
}
