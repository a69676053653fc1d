/*
Fuzzes the multiple-choice eval file reader (mc_load) and what the trainers do with an accepted file:
mc_batch_shape, mc_pack over every example, mc_score.

Input: 3 control bytes, then the eval file.
  [0] B = 2 + c % 16 (rows of a training batch)
  [1] T = 1 + c (positions of a training row)
  [2] vocab_size = 1 + 257 * c (1 .. 65536); chunk = 1 + c % 64 (the scan's, for mc_batch_shape)
On accepted input every example's rows are packed: tokens below vocab_size, targets -1 or below it,
each row's targets exactly its completion's tokens in order, whole examples per batch, all of them
packed once; mc_score counts every example once.
*/
#include "fuzz_common.h"
#include "../../llmc/mc_eval.h"

#define CONTROL_BYTES 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < CONTROL_BYTES) { return -1; } // -1: not added to the corpus
    fuzz_setup("mc");
    int B = 2 + data[0] % 16, T = 1 + data[1], V = 1 + 257 * data[2], chunk = 1 + data[2] % 64;
    char path[512];
    fuzz_write_file(fuzz_path(path, "mc.bin"), data + CONTROL_BYTES, size - CONTROL_BYTES);

    MCEvalSet s;
    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        mc_load(&s, path, V, B, T);
        int Bm, Tm;
        mc_batch_shape(&s, B, T, chunk, 1L << 30, &Bm, &Tm);
        FUZZ_ASSERT(Bm >= B && Tm >= 1 && Tm <= T && (long)Bm * Tm <= (long)B * T);
        FUZZ_ASSERT((long)Bm * ((Tm + chunk - 1) / chunk) <= (long)B * ((T + chunk - 1) / chunk));
        int *in = (int *)malloc((size_t)Bm * Tm * sizeof(int)), *tg = (int *)malloc((size_t)Bm * Tm * sizeof(int));
        double *loss = (double *)malloc((size_t)Bm * sizeof(double));
        int *count = (int *)malloc((size_t)Bm * sizeof(int));
        MCResult r = {0, 0, 0};
        for (int e = 0; e < s.num_examples;) {
            int n = mc_pack(&s, e, s.num_examples, Bm, Tm, in, tg);
            FUZZ_ASSERT(n >= 1 && e + n <= s.num_examples);
            int row = 0;
            for (int k = e; k < e + n; k++) {
                MCExample x;
                mc_example(&s, k, &x);
                FUZZ_ASSERT(x.label < x.num_completions && x.num_completions >= 2);
                for (int c = 0; c < x.num_completions; c++, row++) {
                    int got = 0;
                    for (int t = 0; t < Tm; t++) {
                        int v = in[(size_t)row * Tm + t], w = tg[(size_t)row * Tm + t];
                        FUZZ_ASSERT(v >= 0 && v < V && w >= -1 && w < V);
                        if (w >= 0) { FUZZ_ASSERT(got < x.completion_len[c] && w == x.completion[c][got]); got++; }
                    }
                    FUZZ_ASSERT(got == x.completion_len[c]);
                    loss[row] = (double)(row % 7);
                    count[row] = got;
                }
            }
            FUZZ_ASSERT(row <= Bm);
            FUZZ_ASSERT(mc_score(&s, e, n, loss, count, &r) == row);
            e += n;
        }
        FUZZ_ASSERT(r.examples == s.num_examples && r.correct_sum <= r.examples && r.correct_mean <= r.examples);
        free(in);
        free(tg);
        free(loss);
        free(count);
        mc_free(&s);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    return 0;
}
