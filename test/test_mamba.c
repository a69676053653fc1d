/*
Tests of the CPU reference trainer against the independent PyTorch reference (dev/ref/mamba_ref.py),
plus the properties the training loop relies on. Includes the trainer (TESTING leaves out main).

  ./test_mamba [fixture ...]  (default: test/fixtures/mamba_tiny.bin, mamba_small2.bin and mamba_small3.bin)

The PyTorch fixtures (test/fixtures/README.md): mamba_tiny (V = Vp = 256, C=64, N=16, K=4,
R=4, T=64), mamba_small2 (V=250 padded to Vp=256, C=48, Di=96, N=8, K=3, R=3, T=77: the
padded logits, other N/K/R and a T that is no multiple of the scan chunk) and mamba_small3
(V=61 padded to 64, C=18: no multiple of the matmuls' 4 x 4 tiles, expand 3 (Di=54), N=8, K=2,
an odd R=5, B=3, T=65: one step past a chunk). Every check that
reads a fixture runs once per fixture, its name suffixed "/<fixture>" (e.g. fixture_logits/mamba_small2).

Prints one line per check and ends with "N passed, M failed"; exit code 1 if anything failed.
*/
#define TESTING
#include "../train_mamba.c"

#include "fixture.h"
#include "mc_file.h"
#ifndef LEARN_CONTEXT_STEPS
#define LEARN_CONTEXT_STEPS 200
#endif
#define TEST_PASS_STYLE TEST_PASS_COLON // "PASS name: detail"
#include "test_util.h"

// the name of a fixture-based check: base + "/" + the current fixture's file name without .bin
static const char *fx_tag = "";
static const char *fx_name(const char *base) {
    static char buf[160];
    snprintf(buf, sizeof(buf), "%s/%s", base, fx_tag);
    return buf;
}

static void model_from_fixture(Mamba *model, const Fixture *f) {
    mamba_allocate(model, &f->config);
    for (size_t i = 0; i < f->num_parameters; i++) { model->params_memory[i] = f->params[i]; }
}

/*
Tolerances against PyTorch (both fp32), the same for every fixture. The two compute the same
sums in different orders (dot products of length <= 256, a 64-, 77- or 65-step scan, softmax over
at most 256), so each value carries a few fp32 roundings, ~1e-7 relative to the magnitudes involved;
measured differences are ~1e-7 to 1e-6 of each tensor's largest entry (2026-12-01: logits 4.3e-7
and 3.8e-7 of the largest |logit|, gradients <= 9.9e-7 and <= 1.2e-6 of the tensor's largest entry,
for mamba_tiny and mamba_small2; 2026-12-04, mamba_small3: logits 6.4e-7, gradients <= 1.4e-6,
AdamW losses 4.8e-7; 2026-12-07 on an AMD EPYC Zen 3 host, gcc 12.2, -march=native and x86-64-v3: gradients
<= 1.9e-6, mamba_small3's dt_proj_w). We allow 2e-5 of the largest entry: 10x the
worst seen, and far below any real bug (a wrong term changes gradients by O(1) of their size).
Gradients are compared per tensor relative to that tensor's largest entry because some are
tiny (dt_proj, A_log grads are ~1e-5 at init).
*/
static void test_fixture(const Fixture *f) {
    Mamba model;
    model_from_fixture(&model, f);
    int B = f->B, T = f->T;
    size_t BT = (size_t)B * T, Vp = f->config.padded_vocab_size;
    mamba_forward(&model, f->inputs, f->targets, B, T);
    double err, ref;
    compare_floats(model.acts.logits, f->logits, BT * Vp, &err, &ref);
    check(err <= 2e-5 * ref, fx_name("fixture_logits"), "max abs err %.3g (max |logit| %.3g)", err, ref);
    { // the accuracy counts, against an argmax of our own logits written out here (on PyTorch's, a near-tie could flip one)
        int valid = 0, correct = 0;
        for (size_t i = 0; i < BT; i++) {
            if (f->targets[i] < 0) { continue; }
            valid++;
            const float *l = model.acts.logits + i * Vp;
            size_t best = 0;
            for (size_t v = 1; v < Vp; v++) { if (l[v] > l[best]) best = v; }
            correct += (int)best == f->targets[i];
        }
        check(model.num_valid == valid && model.num_correct == correct, fx_name("accuracy_counts"), "valid %d/%d correct %d/%d",
              model.num_valid, valid, model.num_correct, correct);
    }
    double lerr = fabs(model.mean_loss - f->loss);
    check(lerr <= 2e-5 * f->loss, fx_name("fixture_loss"), "ours %.7f torch %.7f", model.mean_loss, f->loss);

    mamba_zero_grad(&model);
    mamba_backward(&model, 1.0f);
    size_t offset = 0;
    for (int k = 0; k < NUM_PARAMETER_TENSORS; k++) {
        compare_floats(model.grads_memory + offset, f->grads + offset, model.param_sizes[k], &err, &ref);
        char name[64];
        snprintf(name, sizeof(name), "fixture_grad_%s", PARAMETER_INFO[k].name);
        check(ref > 0 && err <= 2e-5 * ref, fx_name(name), "max abs err %.3g, max |grad| %.3g, rel %.2e", err, ref, err / ref);
        offset += model.param_sizes[k];
    }

    /*
    AdamW on the same batch, as the fixture: the loss before each update. Adam divides by
    sqrt(v), so a gradient entry near zero can move its parameter by ~lr whatever its rounding;
    the losses still agree to ~1e-6. Allowed: 1e-4 absolute (losses ~5).
    */
    float lr = f->hyper[0], b1 = f->hyper[1], b2 = f->hyper[2], eps = f->hyper[3], wd = f->hyper[4];
    float clip = f->hyper[5];
    check(ADAMW_BETA1 == b1 && ADAMW_BETA2 == b2 && ADAMW_EPS == eps, fx_name("adamw_constants_match_fixture"),
          "the training loop's betas %g %g, eps %g; the fixture's %g %g, %g", ADAMW_BETA1, ADAMW_BETA2, ADAMW_EPS, b1, b2, eps);
    double worst = 0.0;
    for (int step = 0; step < f->steps; step++) {
        mamba_forward(&model, f->inputs, f->targets, B, T);
        double e = fabs(model.mean_loss - f->adam_losses[step]);
        if (e > worst || e != e) { worst = e; } // NaN sticks
        mamba_zero_grad(&model);
        mamba_backward(&model, 1.0f);
        float norm = mamba_grad_norm(&model);
        float scale = norm > clip ? clip / norm : 1.0f;
        mamba_update(&model, lr, b1, b2, eps, wd, scale, step + 1);
    }
    check(worst <= 1e-4, fx_name("fixture_adamw_10_losses"), "max abs err %.3g (first %.6f last %.6f)", worst,
          f->adam_losses[0], f->adam_losses[f->steps - 1]);
    mamba_free(&model);
}

// feeding the tokens one at a time through the recurrent step (all B sequences as one batch)
// gives the full forward's logits. Every parameter is moved off the fixture's initial values first
// (D = 1, unit norm weights: a step that dropped D or a norm weight would agree with the forward there)
static void test_step_matches_forward(const Fixture *f) {
    Mamba model;
    model_from_fixture(&model, f);
    uint64_t rng = 0x5eed5eedULL;
    for (size_t i = 0; i < f->num_parameters; i++) { model.params_memory[i] += (real)(0.2f * random_f32(&rng) - 0.1f); }
    int B = f->B, T = f->T, Vp = f->config.padded_vocab_size;
    // checkpoints change nothing here, also at a chunk that does not divide T (mamba_tiny's 64,
    // mamba_small3's 65; 7 divides mamba_small2's 77)
    model.scan_chunk = 7;
    mamba_forward(&model, f->inputs, NULL, B, T);
    RecurrentState st;
    recurrent_init(&st, &model.config, B);
    int *tokens = (int *)mallocCheck((size_t)B * sizeof(int));
    double worst = 0.0;
    for (int t = 0; t < T; t++) {
        for (int b = 0; b < B; b++) { tokens[b] = f->inputs[b * T + t]; }
        mamba_step(&model, &st, tokens);
        for (int b = 0; b < B; b++) {
            const real *full = model.acts.logits + ((size_t)b * T + t) * Vp;
            for (int i = 0; i < Vp; i++) {
                double e = fabs((double)st.logits[(size_t)b * Vp + i] - (double)full[i]);
                if (e > worst || e != e) { worst = e; } // NaN sticks
            }
        }
    }
    check(worst <= 1e-5, fx_name("step_matches_full_forward"), "max abs logit diff %.3g over %d tokens in a batch of %d", worst, B * T, B);
    free(tokens);
    recurrent_free(&st);
    mamba_free(&model);
}

/*
Stream evaluation: row 0 of the fixture fed in chunks (lengths 1, 2, 3, 7, then the rest: shorter
and longer than the conv window), each starting from the carried state, gives the logits of one
forward over the whole row; the carried state at the end is the recurrent mode's after the same
tokens. Without the carry the chunks' logits must differ (else the check could not fail).
*/
static void test_stream_carry(const Fixture *f) {
    Mamba ref, model;
    model_from_fixture(&ref, f);
    model_from_fixture(&model, f);
    const MambaConfig *c = &ref.config;
    int T = f->T, Vp = c->padded_vocab_size, L = c->n_layer, Di = c->d_inner, N = c->d_state, K = c->d_conv;
    mamba_forward(&ref, f->inputs, NULL, 1, T);
    mamba_ensure_activations(&model, 1, T);
    model.carry_conv_state = (real *)callocCheck((size_t)L * Di * K, sizeof(real));
    model.carry_ssm_state = (real *)callocCheck((size_t)L * Di * N, sizeof(real));
    int lens[] = {1, 2, 3, 7, T - 13};
    double worst = 0.0, reset_diff = 0.0;
    for (int pass = 0; pass < 2; pass++) { // pass 1: the state reset before every chunk
        int pos = 0;
        for (int i = 0; i < 5; i++) {
            if (pass == 1) {
                memset(model.carry_conv_state, 0, (size_t)L * Di * K * sizeof(real));
                memset(model.carry_ssm_state, 0, (size_t)L * Di * N * sizeof(real));
            }
            mamba_forward(&model, f->inputs + pos, NULL, 1, lens[i]);
            for (size_t j = 0; j < (size_t)lens[i] * Vp; j++) {
                double e = fabs((double)model.acts.logits[j] - (double)ref.acts.logits[(size_t)pos * Vp + j]);
                if (pass == 0 && (e > worst || e != e)) { worst = e; } // NaN sticks
                if (pass == 1 && e > reset_diff) { reset_diff = e; }
            }
            pos += lens[i];
        }
        if (pass == 0) { check(model.carried && pos == T, fx_name("stream_chunks_cover_the_row"), "%d tokens in 5 chunks", pos); }
        if (pass == 0) { // the carried state vs the recurrent mode's after the same T tokens
            RecurrentState st;
            recurrent_init(&st, c, 1);
            for (int t = 0; t < T; t++) { mamba_step(&ref, &st, f->inputs + t); }
            double ds = 0.0;
            for (size_t j = 0; j < (size_t)L * Di * N; j++) { ds = fmax(ds, fabs((double)st.ssm_state[j] - model.carry_ssm_state[j])); }
            for (size_t j = 0; j < (size_t)L * Di * K; j++) { ds = fmax(ds, fabs((double)st.conv_state[j] - model.carry_conv_state[j])); }
            check(ds <= 1e-5, fx_name("stream_state_matches_recurrent_state"), "max abs diff %.3g (conv inputs and SSM states)", ds);
            recurrent_free(&st);
        }
    }
    check(worst <= 1e-5, fx_name("stream_chunks_match_one_forward"), "max abs logit diff %.3g over %d tokens", worst, T);
    check(reset_diff > 1e-3, fx_name("stream_reset_would_differ"), "without the carry the logits move by %.3g", reset_diff);
    free(model.carry_conv_state);
    free(model.carry_ssm_state);
    model.carry_conv_state = model.carry_ssm_state = NULL;
    mamba_free(&model);
    mamba_free(&ref);
}

/*
exp_vec (the scan's vectorisable exp) against libm's exp in double, on 2^20 points spread over [-110,
95] and on the edges: within 2 ulp where the result is normal, within one subnormal step (2^-149)
below that, 0 from -104 down, inf from 88.73 up, NaN for NaN, exp(0) = 1 exactly. 2 ulp: Taylor's
remainder is below 1e-8 of the value and Horner's 8 roundings stay near 1 ulp.
*/
static void test_exp_vec(void) {
    double worst_ulp = 0.0, worst_x = 0.0;
    int ok = 1;
    uint64_t rng = 3;
    const float edges[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 88.72f, 88.7228f, 88.73f, 89.0f, 1e10f, -87.33f, -87.34f, -100.0f,
                           -103.27f, -103.28f, -104.0f, -1e10f, 0.34657359f, -0.34657359f, 0.34657360f, 1.0f, -1.0f};
    const int n_edges = (int)(sizeof(edges) / sizeof(edges[0]));
    for (int i = 0; i < (1 << 20) + n_edges; i++) {
        const float x = i < n_edges ? edges[i] : -110.0f + 205.0f * random_f32(&rng);
        const float got = exp_vec(x);
        const double want = exp((double)x);
        if (want >= 3.4028234663852886e38) { ok &= isinf(got) && got > 0; continue; }
        if (want < 1.1754943508222875e-38) { ok &= fabs(got - want) <= 0x1p-149; continue; }
        int e;
        frexp(want, &e); // want = m 2^e, m in [0.5, 1): a float's spacing there is 2^(e-24)
        const double ulp = fabs(got - want) / ldexp(1.0, e - 24);
        if (ulp > worst_ulp) { worst_ulp = ulp; worst_x = x; }
    }
    const float qnan = nanf("");
    ok &= isnan(exp_vec(qnan)) && exp_vec(0.0f) == 1.0f && exp_vec(-1e10f) == 0.0f;
    check(ok && worst_ulp <= 2.0, "exp_vec_accuracy", "worst %.2f ulp (at x = %.7g) over 2^20 points in [-110, 95] and %d edges",
          worst_ulp, worst_x, n_edges);
}

/*
The matrix products' 4 x 4 tiles and their edges against a double-precision sum, on shapes where
BT, OC or both leave a remainder, rows of the input ldi > IC apart (the gap must stay untouched),
with and without a bias; the backward accumulates onto random values, as the trainer's gradients do.
fp32 sums of up to 130 terms of O(1) products: ~1e-6 of the largest entry, so 1e-5.
*/
static void test_matmul_tiles(void) {
    const int shapes[][4] = {{1, 5, 3, 5}, {4, 128, 4, 128}, {7, 33, 19, 40}, {8, 64, 16, 64}, {13, 17, 9, 20}, {16, 130, 11, 131}};
    uint64_t rng = 17;
    double worst = 0.0;
    int gaps_ok = 1;
    for (int s = 0; s < (int)(sizeof(shapes) / sizeof(shapes[0])); s++) {
        const int BT = shapes[s][0], IC = shapes[s][1], OC = shapes[s][2], ldi = shapes[s][3], with_bias = s % 2 == 0;
        float *inp = (float *)mallocCheck((size_t)BT * ldi * sizeof(float)), *w = (float *)mallocCheck((size_t)OC * IC * sizeof(float));
        float *bias = (float *)mallocCheck(OC * sizeof(float)), *out = (float *)mallocCheck((size_t)BT * OC * sizeof(float));
        float *dout = (float *)mallocCheck((size_t)BT * OC * sizeof(float)), *dinp = (float *)mallocCheck((size_t)BT * ldi * sizeof(float));
        float *dinp0 = (float *)mallocCheck((size_t)BT * ldi * sizeof(float)), *dw = (float *)mallocCheck((size_t)OC * IC * sizeof(float));
        float *dw0 = (float *)mallocCheck((size_t)OC * IC * sizeof(float)), *db = (float *)mallocCheck(OC * sizeof(float));
        float *db0 = (float *)mallocCheck(OC * sizeof(float));
        for (int i = 0; i < BT * ldi; i++) { inp[i] = 2.0f * random_f32(&rng) - 1.0f; dinp[i] = dinp0[i] = 2.0f * random_f32(&rng) - 1.0f; }
        for (int i = 0; i < OC * IC; i++) { w[i] = 2.0f * random_f32(&rng) - 1.0f; dw[i] = dw0[i] = 2.0f * random_f32(&rng) - 1.0f; }
        for (int i = 0; i < OC; i++) { bias[i] = 2.0f * random_f32(&rng) - 1.0f; db[i] = db0[i] = 2.0f * random_f32(&rng) - 1.0f; }
        for (int i = 0; i < BT * OC; i++) { dout[i] = 2.0f * random_f32(&rng) - 1.0f; }
        matmul_forward(out, inp, ldi, w, with_bias ? bias : NULL, BT, IC, OC);
        matmul_backward(dinp, dw, with_bias ? db : NULL, dout, inp, ldi, w, BT, IC, OC);
        double err = 0.0, big = 1.0;
        for (int t = 0; t < BT; t++) {
            for (int o = 0; o < OC; o++) {
                double want = with_bias ? bias[o] : 0.0;
                for (int i = 0; i < IC; i++) { want += (double)inp[(size_t)t * ldi + i] * w[(size_t)o * IC + i]; }
                err = fmax(err, fabs(out[(size_t)t * OC + o] - want));
                big = fmax(big, fabs(want));
            }
            for (int i = 0; i < ldi; i++) {
                const size_t at = (size_t)t * ldi + i;
                if (i >= IC) { gaps_ok &= dinp[at] == dinp0[at]; continue; }
                double want = dinp0[at];
                for (int o = 0; o < OC; o++) { want += (double)dout[(size_t)t * OC + o] * w[(size_t)o * IC + i]; }
                err = fmax(err, fabs(dinp[at] - want));
                big = fmax(big, fabs(want));
            }
        }
        for (int o = 0; o < OC; o++) {
            double want_b = db0[o];
            for (int t = 0; t < BT; t++) { want_b += dout[(size_t)t * OC + o]; }
            if (with_bias) { err = fmax(err, fabs(db[o] - want_b)); } else { gaps_ok &= db[o] == db0[o]; }
            for (int i = 0; i < IC; i++) {
                double want = dw0[(size_t)o * IC + i];
                for (int t = 0; t < BT; t++) { want += (double)dout[(size_t)t * OC + o] * inp[(size_t)t * ldi + i]; }
                err = fmax(err, fabs(dw[(size_t)o * IC + i] - want));
                big = fmax(big, fabs(want));
            }
        }
        worst = fmax(worst, err / big);
        free(inp); free(w); free(bias); free(out); free(dout); free(dinp); free(dinp0); free(dw); free(dw0); free(db); free(db0);
    }
    check(worst <= 1e-5 && gaps_ok, "matmul_tiles_and_edges", "worst error %.2g of the largest entry over 6 shapes; gaps between "
          "input rows and an absent bias %s", worst, gaps_ok ? "untouched" : "WRITTEN");
}

// checkpoint markers past 8 digits (step 10^8 and up) are found too, and stray names are not
static void test_find_latest_checkpoint(void) {
    char dir[] = "/tmp/mamba_ckpt_XXXXXX";
    if (mkdtemp(dir) == NULL) { check(0, "find_latest_checkpoint", "mkdtemp failed"); return; }
    const char *names[] = {"DONE_00000012", "DONE_123456789", "DONE_00000099x", "model_999999999.bin"};
    char path[256];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "w");
        if (f != NULL) { fclose(f); }
    }
    int latest = find_latest_checkpoint(dir);
    check(latest == 123456789, "find_latest_checkpoint_nine_digits", "found %d", latest);
    // the stray DONE_00000099x lies below the newest marker, so the check above cannot see it counted (a parser
    // that read it as step 99, sscanf's "DONE_%d", passed): the newest before 123456789 must be 12
    int before = find_checkpoint_before(dir, latest);
    check(before == 12, "find_checkpoint_skips_stray_names", "newest before %d: found %d, expected 12", latest, before);
    for (int i = 0; i < 4; i++) { snprintf(path, sizeof(path), "%s/%s", dir, names[i]); remove(path); }
    rmdir(dir);
}

// top-k keeps only the k largest logits; k = 1 is greedy
static void test_top_k(void) {
    float logits[10] = {0.1f, 2.0f, -1.0f, 1.5f, 0.0f, 1.9f, -3.0f, 0.5f, 1.0f, 0.2f};
    float scratch[10];
    uint64_t rng = 5;
    int ok = 1;
    for (int i = 0; i < 2000; i++) {
        int t = sample_softmax(logits, 10, 1.0f, 3, 1.0f, scratch, &rng);
        ok &= t == 1 || t == 5 || t == 3;
        ok &= sample_softmax(logits, 10, 1.0f, 1, 1.0f, scratch, &rng) == 1;
    }
    check(ok, "top_k_sampling", "k=3 draws only from the 3 largest logits, k=1 is the argmax");
}

// top-p keeps the fewest largest logits whose probabilities sum to >= p: with p between the largest
// probability and the two largest together, exactly those two (both drawn); a tiny p is the argmax; with
// top-k too, p applies to the probabilities renormalised over the k kept; p = 1 keeps every token
static void test_top_p(void) {
    float logits[10] = {0.1f, 2.0f, -1.0f, 1.5f, 0.0f, 1.9f, -3.0f, 0.5f, 1.0f, 0.2f};
    float scratch[10];
    double z = 0.0, zk = exp(2.0) + exp(1.9) + exp(1.5);
    for (int i = 0; i < 10; i++) { z += exp((double)logits[i]); }
    float p_two = (float)((exp(2.0) + 0.5 * exp(1.9)) / z);          // between p[1] and p[1] + p[5]
    float p_two_of_k = (float)((exp(2.0) + 0.5 * exp(1.9)) / zk);    // the same over the top 3
    uint64_t rng = 7;
    int ok = 1, seen1 = 0, seen5 = 0, outside_top3 = 0;
    for (int i = 0; i < 2000; i++) {
        int t = sample_softmax(logits, 10, 1.0f, 0, p_two, scratch, &rng);
        ok &= t == 1 || t == 5;
        seen1 += t == 1;
        seen5 += t == 5;
        ok &= sample_softmax(logits, 10, 1.0f, 0, 1e-6f, scratch, &rng) == 1;
        t = sample_softmax(logits, 10, 1.0f, 3, p_two_of_k, scratch, &rng);
        ok &= t == 1 || t == 5;
        t = sample_softmax(logits, 10, 1.0f, 0, 1.0f, scratch, &rng);
        outside_top3 += t != 1 && t != 5 && t != 3;
    }
    check(ok && seen1 > 0 && seen5 > 0 && outside_top3 > 0, "top_p_sampling",
          "ok %d, drawn: token 1 %d, token 5 %d times; p = 1 outside the top 3 %d times", ok, seen1, seen5, outside_top3);
}

/*
The draws follow softmax(logits / temperature) over the tokens kept: over 20000 draws each token's frequency
is within 0.015 of its probability, worked out here from the kept set each case's settings imply (5 standard
deviations at most; the seed is fixed). The top-p values sit halfway into the last kept token's
probability, so the kept set is clear: the 4 largest at temperature 2 (top-p's probabilities are those at
the temperature: at 1 they would keep 3 or 5), and {1, 5, 3} with top-k 3, where 3 is the k-th largest (ties at top-k's threshold stay in for
top-p too). At temperature 0.01 a logit range of 20 is exp(2000) without the largest logit subtracted first:
the near-tied 10 and 9.995 are drawn about 62 : 38, with top-p 0.9 too.
*/
static void test_sample_distribution(void) {
    const float l10[10] = {0.1f, 2.0f, -1.0f, 1.5f, 0.0f, 1.9f, -3.0f, 0.5f, 1.0f, 0.2f};
    const float lcold[4] = {-10.0f, 10.0f, 9.995f, -5.0f};
    const int all[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int top3[3] = {1, 5, 3}, top4[4] = {1, 5, 3, 8}, cold[2] = {1, 2};
    struct { const char *what; const float *logits; int V; float temperature; int top_k;
             float top_p; const int *keep; int nkeep; } cases[] = { // top_p -1: halfway into the last kept token's share
        {"temperature 2", l10, 10, 2.0f, 0, 1.0f, all, 10},
        {"top-k 3", l10, 10, 1.0f, 3, 1.0f, top3, 3},
        {"top-p {1, 5, 3, 8} at temperature 2", l10, 10, 2.0f, 0, -1.0f, top4, 4},
        {"top-k 3 and top-p {1, 5, 3}", l10, 10, 1.0f, 3, -1.0f, top3, 3},
        {"temperature 0.01", lcold, 4, 0.01f, 0, 1.0f, cold, 2},
        {"temperature 0.01, top-p 0.9", lcold, 4, 0.01f, 0, 0.9f, cold, 2},
    };
    float scratch[10];
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const float *l = cases[c].logits;
        int V = cases[c].V, n = 20000, counts[10] = {0};
        // w: the weights at the temperature (token 1 is the largest logit in each case); top-p's share is of
        // what top-k keeps (here the kept set itself) or of all tokens
        double w[10], q[10] = {0}, kept = 0.0, pool = 0.0, before_last = 0.0;
        for (int i = 0; i < V; i++) { w[i] = exp(((double)l[i] - (double)l[1]) / cases[c].temperature); }
        for (int j = 0; j < cases[c].nkeep; j++) {
            kept += w[cases[c].keep[j]];
            if (j < cases[c].nkeep - 1) { before_last += w[cases[c].keep[j]]; }
        }
        for (int i = 0; i < V; i++) { pool += w[i]; }
        if (cases[c].top_k > 0) { pool = kept; }
        for (int j = 0; j < cases[c].nkeep; j++) { q[cases[c].keep[j]] = w[cases[c].keep[j]] / kept; }
        float top_p = cases[c].top_p;
        if (top_p < 0.0f) { top_p = (float)((before_last + 0.5 * w[cases[c].keep[cases[c].nkeep - 1]]) / pool); }
        uint64_t rng = 11 + c;
        for (int d = 0; d < n; d++) {
            int t = sample_softmax(l, V, cases[c].temperature, cases[c].top_k, top_p, scratch, &rng);
            if (t >= 0 && t < V) { counts[t]++; }
        }
        double worst = 0.0;
        int worst_at = 0;
        for (int i = 0; i < V; i++) {
            double gap = fabs((double)counts[i] / n - q[i]);
            if (gap > worst) { worst = gap; worst_at = i; }
        }
        char name[96];
        snprintf(name, sizeof(name), "sample_frequencies_%zu", c);
        check(worst <= 0.015, name, "%s: token %d drawn %.4f of the time, probability %.4f", cases[c].what, worst_at,
              (double)counts[worst_at] / n, q[worst_at]);
    }
}

// a batch of sequences draws each token from its own row of logits, among the V real tokens: greedy (top-k 1)
// gives each row's argmax over the first V (3 rows of V = 20, Vp = 24, their largest logit in a padding column)
static void test_sample_on_host_rows(void) {
    MambaConfig c;
    config_from_descriptor("d32:l1:v20", &c);
    RecurrentState st;
    recurrent_init(&st, &c, 3);
    int V = c.vocab_size, Vp = c.padded_vocab_size, tokens[3], want[3];
    uint64_t rng = 3;
    for (int g = 0; g < 3; g++) {
        real *row = st.logits + (size_t)g * Vp;
        for (int i = 0; i < Vp; i++) { row[i] = (real)(0.5f * random_f32(&rng)); }
        row[V + g] = 10; // a padding row's logit, never drawn
        want[g] = 0;
        for (int i = 1; i < V; i++) { want[g] = row[i] > row[want[g]] ? i : want[g]; }
    }
    float scratch[20];
    sample_on_host(&st, V, Vp, 1.0f, 1, 1.0f, scratch, &rng, tokens);
    check(Vp == 24 && want[0] != want[1] && want[1] != want[2] && tokens[0] == want[0] && tokens[1] == want[1] && tokens[2] == want[2],
          "sample_on_host_each_row_greedy", "drew %d %d %d, the rows' argmax over V: %d %d %d", tokens[0], tokens[1], tokens[2],
          want[0], want[1], want[2]);
    recurrent_free(&st);
}

// the chunk length of the scan checkpoints changes memory, never the numbers
static void test_chunk_invariance(const Fixture *f) {
    int chunks[] = {1, 5, 64, 1000};
    real *ref_grads = NULL;
    float ref_loss = 0.0f;
    size_t n = f->num_parameters;
    int all_same = 1;
    for (int i = 0; i < 4; i++) {
        Mamba model;
        model_from_fixture(&model, f);
        model.scan_chunk = chunks[i];
        mamba_forward(&model, f->inputs, f->targets, f->B, f->T);
        mamba_zero_grad(&model);
        mamba_backward(&model, 1.0f);
        if (i == 0) {
            ref_loss = model.mean_loss;
            ref_grads = (real *)mallocCheck(n * sizeof(real));
            memcpy(ref_grads, model.grads_memory, n * sizeof(real));
        } else if (model.mean_loss != ref_loss || memcmp(ref_grads, model.grads_memory, n * sizeof(real)) != 0) {
            all_same = 0;
        }
        mamba_free(&model);
    }
    check(all_same, fx_name("scan_chunk_invariance"), "chunk 1, 5, 64, 1000: bitwise-equal loss and gradients");
    free(ref_grads);
}

// gradient accumulation as -d runs it: one micro-step per batch row, each backward scaled by 1/B and
// added into the gradients, equals the average of the rows' gradients computed one at a time (fp32: the
// same sums in another order, 1e-5 of each tensor's largest entry). The other checks run one backward
// with scale 1, so a backward that ignored the scale passed them all (mutation testing, dev/mutation)
static void test_accumulation(const Fixture *f) {
    const int B = f->B, T = f->T;
    const size_t n = f->num_parameters;
    double *avg = (double *)callocCheck(n, sizeof(double));
    float *ref = (float *)mallocCheck(n * sizeof(float));
    Mamba model;
    model_from_fixture(&model, f);
    for (int b = 0; b < B; b++) {
        mamba_forward(&model, f->inputs + (size_t)b * T, f->targets + (size_t)b * T, 1, T);
        mamba_zero_grad(&model);
        mamba_backward(&model, 1.0f);
        for (size_t i = 0; i < n; i++) { avg[i] += (double)model.grads_memory[i] / B; }
    }
    mamba_zero_grad(&model);
    for (int b = 0; b < B; b++) {
        mamba_forward(&model, f->inputs + (size_t)b * T, f->targets + (size_t)b * T, 1, T);
        mamba_backward(&model, 1.0f / B);
    }
    for (size_t i = 0; i < n; i++) { ref[i] = (float)avg[i]; }
    int worst_k;
    const double worst = worst_tensor_rel_err(model.grads_memory, ref, model.param_sizes, &worst_k);
    const char *worst_name = PARAMETER_INFO[worst_k].name;
    check(B >= 2 && worst <= 1e-5, fx_name("grad_accumulation"), "%d micro-steps of one row: worst tensor %s, rel %.2e of its largest entry",
          B, worst_name, worst);
    mamba_free(&model);
    free(avg);
    free(ref);
}

// the same inputs give bitwise the same gradients (no order-dependent reductions)
static void test_determinism(const Fixture *f) {
    size_t n = f->num_parameters;
    real *first = (real *)mallocCheck(n * sizeof(real));
    int same = 1;
    for (int run = 0; run < 2; run++) {
        Mamba model;
        model_from_fixture(&model, f);
        mamba_forward(&model, f->inputs, f->targets, f->B, f->T);
        mamba_zero_grad(&model);
        mamba_backward(&model, 1.0f);
        if (run == 0) { memcpy(first, model.grads_memory, n * sizeof(real)); }
        else { same = memcmp(first, model.grads_memory, n * sizeof(real)) == 0; }
        mamba_free(&model);
    }
    check(same, fx_name("backward_deterministic"), "two backward passes are bitwise equal");
    free(first);
}

// weight decay touches exactly the tensors the layout table marks, and nothing else
static void test_weight_decay_flags(const Fixture *f) {
    Mamba model;
    model_from_fixture(&model, f);
    model.grads_memory = (real *)callocCheck(model.num_parameters, sizeof(real)); // zero gradients
    point_parameters(&model.grads, model.grads_memory, model.param_sizes);
    mamba_update(&model, 0.1f, 0.9f, 0.95f, 1e-8f, 0.5f, 1.0f, 1);
    size_t offset = 0;
    int ok = 1;
    for (int k = 0; k < NUM_PARAMETER_TENSORS; k++) {
        for (size_t i = offset; i < offset + model.param_sizes[k]; i++) {
            float expect = PARAMETER_INFO[k].decay ? f->params[i] * (1.0f - 0.1f * 0.5f) : f->params[i];
            if (fabsf((float)model.params_memory[i] - expect) > 1e-6f * fabsf(expect) + 1e-12f) { ok = 0; }
        }
        offset += model.param_sizes[k];
    }
    check(ok, fx_name("weight_decay_only_on_matrices"), "with zero gradients only decay tensors shrink");
    // the check above reads the layout table it tests; this one names the decayed tensors independently
    static const char *const decayed[] = {"wte", "in_proj_w", "conv_w", "x_proj_w", "dt_proj_w", "out_proj_w"};
    int table_ok = 1;
    for (int k = 0; k < NUM_PARAMETER_TENSORS; k++) {
        int want = 0;
        for (size_t j = 0; j < sizeof(decayed) / sizeof(decayed[0]); j++) { want |= strcmp(PARAMETER_INFO[k].name, decayed[j]) == 0; }
        table_ok &= PARAMETER_INFO[k].decay == want;
    }
    check(table_ok, fx_name("weight_decay_tensors_by_name"), "the layout table should decay wte, in_proj_w, conv_w, x_proj_w, dt_proj_w and out_proj_w only");
    mamba_free(&model);
}

// a model file written and read back gives the same parameters; the checksum catches a flipped bit
static void test_model_file_round_trip(const Fixture *f) {
    Mamba model, loaded;
    model_from_fixture(&model, f);
    const char *path = "test_mamba_roundtrip.bin";
    mamba_save(&model, path);
    mamba_build_from_checkpoint(&loaded, path);
    int same = memcmp(&loaded.config, &model.config, sizeof(MambaConfig)) == 0 &&
               memcmp(loaded.params_memory, model.params_memory, model.num_parameters * sizeof(real)) == 0;
    check(same, fx_name("model_file_round_trip"), "config and parameters bitwise equal");
    mamba_free(&loaded);
    mamba_free(&model);
    remove(path);
}

// fresh models follow the spec's initialisation, in every layer (dt, A_log and D were checked in layer 0
// only: an init that set D in layer 0 alone, leaving the other layers' D at 0, passed). Two shapes: the
// default one, d64:l4:v250, has K = R = L = 4 (and its N = 16 A_log values), so a bound taken from the wrong
// one of them (the conv's from R, dt_proj's from K, out_proj divided by sqrt(K)) passed there; the second's
// C 48, Di 144, K 2, R 5, L 3 and N 20 give every bound its own value. `tag` suffixes the second's check names
static void test_init(const char *desc, int want_Vp, int want_Di, int want_R, const char *tag) {
    MambaConfig c;
    config_from_descriptor(desc, &c);
    Mamba model;
    mamba_init_random(&model, &c, 42);
    ParameterTensors p = model.params;
    int L = c.n_layer, C = c.d_model, Di = c.d_inner, N = c.d_state, K = c.d_conv, R = c.dt_rank;
    int ok = c.padded_vocab_size == want_Vp && Di == want_Di && R == want_R;
    char name[96];
    double sum = 0.0, sq = 0.0;
    size_t nw = model.param_sizes[0];
    for (size_t i = 0; i < nw; i++) { sum += p.wte[i]; sq += p.wte[i] * p.wte[i]; }
    double std = sqrt(sq / nw - (sum / nw) * (sum / nw));
    ok = ok && fabs(std - 0.02) < 0.001 && fabs(sum / nw) < 0.001;
    double log_dt = 0.0;
    for (int d = 0; d < L * Di; d++) {
        double dt = log1p(exp((double)p.dt_proj_b[d])); // softplus(b_dt) is the sampled dt
        if (!(dt >= 0.99e-3 && dt <= 1.01e-1)) { ok = 0; }
        log_dt += log(dt) / (L * Di);
        for (int n = 0; n < N; n++) { if (fabs(p.A_log[(size_t)d * N + n] - log(n + 1.0)) > 1e-6) { ok = 0; } }
        if (p.D[d] != 1.0f) { ok = 0; }
    }
    float bound = 1.0f / sqrtf((float)Di) / sqrtf((float)c.n_layer), maxw = 0.0f;
    for (size_t i = 0; i < model.param_sizes[10]; i++) { maxw = fmaxf(maxw, fabsf((float)p.out_proj_w[i])); }
    ok = ok && maxw <= bound && maxw > 0.9f * bound;
    snprintf(name, sizeof(name), "init_matches_spec%s", tag);
    check(ok, name, "wte std %.4f, dt in [1e-3,1e-1], A_log, D (all %d layers), out_proj bound %.4f (max %.4f)", std, L,
          bound, maxw);
    /*
    The other tensors: the norm weights are 1, and each layer's slice of a uniform(-b, b) tensor has its
    largest |w| in (0.9 b, b], with b = 1/sqrt(fan-in): C for in_proj, K for the depthwise conv and its bias,
    Di for x_proj, R for dt_proj (the smallest slice, conv_b, has 128 or 144 draws: all below 0.9 b has
    probability 0.9^128 ~ 1e-6). dt is log-uniform in [1e-3, 1e-1]: the mean of log dt over the 512 (432)
    channels is log 1e-2 to within 0.3 (5 standard errors; dt uniform in the same range would put it at -3.26,
    log 0.038). Measured (seed 42): each slice's largest |w| 0.975 b or more (0.984 b, the second shape);
    mean log dt -4.665 (-4.670).
    */
    const struct { const char *name; const real *w; size_t per_layer; float b; } uni[] = {
        {"in_proj_w", p.in_proj_w, (size_t)2 * Di * C, 1.0f / sqrtf((float)C)},
        {"conv_w", p.conv_w, (size_t)Di * K, 1.0f / sqrtf((float)K)},
        {"conv_b", p.conv_b, (size_t)Di, 1.0f / sqrtf((float)K)},
        {"x_proj_w", p.x_proj_w, (size_t)(R + 2 * N) * Di, 1.0f / sqrtf((float)Di)},
        {"dt_proj_w", p.dt_proj_w, (size_t)Di * R, 1.0f / sqrtf((float)R)},
    };
    char detail[160] = "all in (0.9 b, b]";
    int uni_ok = 1;
    for (size_t k = 0; k < sizeof(uni) / sizeof(uni[0]); k++) {
        for (int l = 0; l < L; l++) {
            float m = 0.0f;
            for (size_t i = 0; i < uni[k].per_layer; i++) { m = fmaxf(m, fabsf((float)uni[k].w[l * uni[k].per_layer + i])); }
            if (uni_ok && !(m <= uni[k].b && m > 0.9f * uni[k].b)) {
                uni_ok = 0;
                snprintf(detail, sizeof(detail), "%s layer %d: max |w| %.4f, bound %.4f", uni[k].name, l, m, uni[k].b);
            }
        }
    }
    int norms = 1;
    for (int i = 0; i < L * C; i++) { norms &= p.norm_w[i] == 1.0f; }
    for (int i = 0; i < C; i++) { norms &= p.norm_f_w[i] == 1.0f; }
    snprintf(name, sizeof(name), "init_other_tensors_match_spec%s", tag);
    check(uni_ok && norms && fabs(log_dt - log(1e-2)) < 0.3, name,
          "%s; norm weights 1: %d; mean log dt %.3f (log 1e-2 = %.3f)", detail, norms, log_dt, log(1e-2));
    mamba_free(&model);
}

// the accuracy count takes the argmax over every index, the last one too: with each target set to our
// own argmax of the logits, a V=8 model gets every position right, and some of them at index 7.
// With `ties`, every embedding row v >= 4 is a copy of row v - 4 (the LM head is tied): each row maximum
// occurs twice and only the lower index may count as correct (an argmax keeping the last of equal values
// passed every check before; the GPU's test has the same case)
static void test_accuracy_every_index(int ties) {
    MambaConfig c;
    config_from_descriptor("d16:l1:v8", &c);
    Mamba model;
    mamba_init_random(&model, &c, ties ? 12 : 11);
    if (ties) {
        const size_t C = c.d_model;
        for (size_t v = 4; v < 8; v++) { memcpy(model.params.wte + v * C, model.params.wte + (v - 4) * C, C * sizeof(real)); }
    }
    enum { B = 4, T = 64 };
    int inputs[B * T], targets[B * T], at_last = 0, tied = 0, Vp = c.padded_vocab_size;
    uint64_t rng = ties ? 98 : 99;
    for (int i = 0; i < B * T; i++) { inputs[i] = (int)(random_u64(&rng) % 8); }
    mamba_forward(&model, inputs, NULL, B, T);
    for (int i = 0; i < B * T; i++) {
        const real *l = model.acts.logits + (size_t)i * Vp;
        int best = 0;
        for (int v = 1; v < Vp; v++) { if (l[v] > l[best]) { best = v; } }
        targets[i] = best;
        at_last += best == Vp - 1;
        tied += best < 4 && l[best + 4] == l[best];
    }
    if (!ties) { targets[5] = -1; } // an ignored position counts neither way
    mamba_forward(&model, inputs, targets, B, T);
    const int valid = B * T - (ties ? 0 : 1);
    if (ties) {
        check(Vp == 8 && tied == B * T && model.num_correct == B * T, "accuracy_ties_lowest_index",
              "correct %d of %d (want all), %d of them with the maximum tied", model.num_correct, B * T, tied);
    } else {
        check(Vp == 8 && at_last > 0 && model.num_valid == valid && model.num_correct == valid, "accuracy_every_index",
              "correct %d of %d valid (want %d), %d positions with the argmax at the last index %d", model.num_correct,
              model.num_valid, valid, at_last, Vp - 1);
    }
    mamba_free(&model);
}

// a target ~95 and ~200 below the row's largest logit: its fp32 probability is subnormal, then 0, and
// -log of it loses digits, then is inf (a non-finite loss skips the update); the loss must still be the
// log-sum-exp one, as PyTorch's and the GPU's. An ordinary row keeps exactly -log p. The largest logit is
// the last of its row and another one's middle, never the first: a fallback whose max were l[0], or stopped a
// position short, would take exp of ~95 or more, inf in fp32
static void test_crossentropy_far_target(void) {
    enum { R = 3, Vp = 8 };
    const float gaps[R] = {95.0f, 200.0f, 0.0f};
    const int largest[R] = {Vp - 1, 4, 0};
    real logits[R * Vp], probs[R * Vp], losses[R];
    int targets[R] = {2, 5, 3};
    for (int r = 0; r < R; r++) {
        for (int i = 0; i < Vp; i++) { logits[r * Vp + i] = (real)(0.25 * i - 1.0); }
        logits[r * Vp + largest[r]] = logits[r * Vp + targets[r]] + gaps[r];
    }
    softmax_forward(probs, logits, 1, R, Vp);
    crossentropy_forward(losses, probs, logits, targets, 1, R, Vp);
    double worst = 0.0;
    for (int r = 0; r < 2; r++) {
        double m = logits[r * Vp + largest[r]], sum = 0.0;
        for (int i = 0; i < Vp; i++) { sum += exp((double)logits[r * Vp + i] - m); }
        double want = m + log(sum) - logits[r * Vp + targets[r]], e = fabs(losses[r] - want) / want;
        if (e > worst || e != e) { worst = e; }
    }
    int plain = losses[2] == -log(probs[2 * Vp + targets[2]]);
    check(worst <= 1e-6 && plain, "crossentropy_far_target", "losses %.7g and %.7g (rel err %.2g), the ordinary row -log p: %d",
          (double)losses[0], (double)losses[1], worst, plain);
}

// a run learns: loss on a fixed batch drops well below log(V) in a few dozen steps
static void test_learns(void) {
    MambaConfig c;
    config_from_descriptor("d32:l2:v16", &c);
    Mamba model;
    mamba_init_random(&model, &c, 7);
    int B = 4, T = 32;
    int inputs[128], targets[128];
    for (int i = 0; i < B * T; i++) { inputs[i] = (i * 5) % 16; targets[i] = ((i + 1) * 5) % 16; }
    float first = 0.0f;
    for (int step = 0; step < 60; step++) {
        mamba_forward(&model, inputs, targets, B, T);
        if (step == 0) { first = model.mean_loss; }
        mamba_zero_grad(&model);
        mamba_backward(&model, 1.0f);
        float norm = mamba_grad_norm(&model);
        mamba_update(&model, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.0f, norm > 1.0f ? 1.0f / norm : 1.0f, step + 1);
    }
    mamba_forward(&model, inputs, targets, B, T);
    check(model.mean_loss < 0.2f * first, "learns_a_pattern", "loss %.4f -> %.4f", first, model.mean_loss);
    mamba_free(&model);
}

/*
A task only the selective scan can solve: the target at t is the input six steps back, inputs uniform at
random and fresh every step. Each token alone says nothing of it (a model without the mixer stays at
ln 16 = 2.77 nats), and the conv (K = 4: steps t-3..t) cannot reach back six steps, so the scan's state
must carry the token. Measured: held-out loss 0.35 after 100 steps, 0.0013 after 200.
*/
static void test_learns_from_context(void) {
    MambaConfig c;
    config_from_descriptor("d32:l2:v16", &c);
    Mamba model;
    mamba_init_random(&model, &c, 11);
    enum { B = 8, T = 32, LAG = 6, STEPS = LEARN_CONTEXT_STEPS };
    int inputs[B * T], targets[B * T];
    uint64_t rng = 42;
    float last = 0.0f;
    for (int step = 0; step <= STEPS; step++) {
        for (int i = 0; i < B * T; i++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            inputs[i] = (int)(rng >> 60);
        }
        for (int i = 0; i < B * T; i++) { targets[i] = i % T >= LAG ? inputs[i - LAG] : -1; }
        mamba_forward(&model, inputs, targets, B, T);
        last = model.mean_loss; // the last batch is never trained on: a held-out loss
        if (step == STEPS) { break; }
        mamba_zero_grad(&model);
        mamba_backward(&model, 1.0f);
        float norm = mamba_grad_norm(&model);
        mamba_update(&model, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.0f, norm > 1.0f ? 1.0f / norm : 1.0f, step + 1);
    }
    check(last < 0.5f, "learns_from_context", "held-out loss %.4f after %d steps (ln 16 = 2.77 without context)", last, STEPS);
    mamba_free(&model);
}

/*
A model saved by transformers itself (save_pretrained of a random MambaForCausalLM, fp32 and
bf16 weights) imports and reproduces transformers' own logits. fp32: 2e-5 of the largest |logit|,
the bound of the PyTorch fixture above (same fp32 math, different summation order; seen 2.4e-6 at a
largest |logit| of 6.39, 3.8e-7 of it). The bf16 file's weights are exactly bf16 values, and its
reference logits were computed from them widened to fp32, so the same bound.
*/
static void test_hf_import(const char *dir, const char *logits_path, const char *name) {
    Mamba model;
    mamba_build_from_hf(&model, dir);
    HfLogits h;
    load_hf_logits(&h, logits_path);
    int ok = h.Vp == model.config.padded_vocab_size;
    double err = 0.0, ref = 0.0;
    if (ok) {
        mamba_forward(&model, h.tokens, NULL, h.B, h.T);
        compare_floats(model.acts.logits, h.logits, (size_t)h.B * h.T * h.Vp, &err, &ref);
        ok = err <= 2e-5 * ref;
    }
    check(ok, name, "max abs err %.3g vs transformers (max |logit| %.3g)", err, ref);
    free(h.tokens);
    free(h.logits);
    mamba_free(&model);
}

// export then import gives back the same parameters bit for bit
static void test_hf_round_trip(const Fixture *f) {
    Mamba model, back;
    model_from_fixture(&model, f);
    const char *dir = "test_mamba_hf_export";
    mamba_export_hf(&model, dir, -1);
    mamba_build_from_hf(&back, dir);
    int same = back.num_parameters == model.num_parameters && back.config.vocab_size == model.config.vocab_size &&
               memcmp(back.params_memory, model.params_memory, model.num_parameters * sizeof(real)) == 0;
    check(same, fx_name("hf_export_import_bit_exact"), "%zu parameters", model.num_parameters);
    mamba_free(&back);
    mamba_free(&model);
    // (every file an export writes: a directory left behind holds a file that hf_save_model wrote and this list lacks)
    const char *names[] = {"config.json", "model.safetensors", "generation_config.json", "tokenizer.json"};
    char path[256];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        remove(path);
    }
    check(rmdir(dir) == 0, fx_name("hf_export_leaves_only_known_files"), "%s removed after its known files", dir);
}

// the learning-rate schedules at their defining steps, against values worked out by hand
// (lr 1e-3, final fraction 0.1 -> min 1e-4, 10 warmup steps of 100)
static void test_schedules(void) {
    LearningRateScheduler s = {"cosine", 1e-3f, 10, 100, 0.1f, 0.2f};
    const double lr = 1e-3, lo = 1e-4;
    struct { const char *type; int step; double want; } cases[] = {
        {"cosine", 0, lr / 10}, {"cosine", 9, lr}, {"cosine", 10, lr}, {"cosine", 55, lo + 0.5 * (lr - lo)}, {"cosine", 100, lo},
        {"linear", 4, lr / 2}, {"linear", 10, lr}, {"linear", 55, lo + 0.5 * (lr - lo)}, {"linear", 100, lo},
        // a fifth of the way down, where the two differ (at the middle, step 55, they agree: a cosine that decayed linearly passed)
        {"cosine", 28, lo + 0.5 * (1.0 + cos(M_PI * 0.2)) * (lr - lo)}, {"linear", 28, lo + 0.8 * (lr - lo)},
        {"constant", 4, lr / 2}, {"constant", 10, lr}, {"constant", 99, lr},
        // wsd, decay over the last 20% (steps 80..100): warmup, flat until step 80, linear down
        {"wsd", 4, lr / 2}, {"wsd", 10, lr}, {"wsd", 79, lr}, {"wsd", 80, lr}, {"wsd", 90, lo + 0.5 * (lr - lo)},
        {"wsd", 95, lo + 0.25 * (lr - lo)}, {"wsd", 100, lo},
        // past the end the rate stays at its floor (the fraction is clamped; cosine would turn back up)
        {"cosine", 130, lo}, {"linear", 130, lo}, {"wsd", 130, lo},
    };
    int ok = 1;
    char detail[160] = "all match";
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s.type = cases[i].type;
        double got = get_learning_rate(&s, cases[i].step);
        if (!(fabs(got - cases[i].want) <= 1e-6 * lr)) {
            ok = 0;
            snprintf(detail, sizeof(detail), "%s step %d: %.9g, want %.9g", cases[i].type, cases[i].step, got, cases[i].want);
            break;
        }
    }
    check(ok, "lr_schedules", "%s", detail);
    // wsd's stable phase does not depend on the run's length as long as the decay has not begun:
    // 100 steps and 150 steps (decay from 80 and 120) agree on every step before 80
    LearningRateScheduler a = {"wsd", 1e-3f, 10, 100, 0.1f, 0.2f}, b = {"wsd", 1e-3f, 10, 150, 0.1f, 0.2f};
    int same = 1;
    for (int t = 0; t < 80; t++) { same &= get_learning_rate(&a, t) == get_learning_rate(&b, t); }
    check(same && get_learning_rate(&b, 100) == 1e-3f, "lr_wsd_extendable", "steps 0..79 equal for 100 and 150 steps");
    // 10 steps, decay 25%: 2.5 steps of decay round to 3 (stable until step 7)
    LearningRateScheduler w = {"wsd", 1e-3f, 2, 10, 0.1f, 0.25f};
    check(get_learning_rate(&w, 6) == 1e-3f && get_learning_rate(&w, 7) == 1e-3f && fabs(get_learning_rate(&w, 8) - (1e-4 + 2.0 / 3.0 * 9e-4)) < 1e-9,
          "lr_wsd_decay_rounds", "%.9g %.9g %.9g", get_learning_rate(&w, 6), get_learning_rate(&w, 7), get_learning_rate(&w, 8));
    // a decay longer than the steps after the warmup (95% of 100, 10 of warmup) starts where the warmup ends: lr at step 10,
    // then linear over the 90 steps left (a decay begun at step 5, inside the warmup, ran step 10 at 5/95 of the way down)
    LearningRateScheduler d = {"wsd", 1e-3f, 10, 100, 0.1f, 0.95f};
    check(get_learning_rate(&d, 9) == 1e-3f && get_learning_rate(&d, 10) == 1e-3f && fabs(get_learning_rate(&d, 55) - (1e-4 + 0.5 * 9e-4)) < 1e-9,
          "lr_wsd_decay_past_the_warmup_starts_after_it", "steps 9, 10, 55: %.9g %.9g %.9g (want 0.001 0.001 0.00055)",
          get_learning_rate(&d, 9), get_learning_rate(&d, 10), get_learning_rate(&d, 55));
}

// the selection ablation (descriptor field s0): dt_r, B, C are the same for every token, and the
// model still trains (x_proj's weights get gradients through the constant input); its recurrent step
// (what sampling runs) feeds x_proj the same constant, so it gives the forward's logits
static void test_no_selection(void) {
    MambaConfig c;
    config_from_descriptor("d32:l2:v16:s0", &c);
    Mamba model;
    mamba_init_random(&model, &c, 3);
    int B = 2, T = 16, inputs[32], targets[32];
    for (int i = 0; i < B * T; i++) { inputs[i] = (i * 7) % 16; targets[i] = (i * 3) % 16; }
    mamba_forward(&model, inputs, targets, B, T);
    int X = c.dt_rank + 2 * c.d_state, same = 1;
    for (int l = 0; l < c.n_layer; l++) {
        const real *x = model.acts.xdbl + (size_t)l * B * T * X;
        for (int i = 1; i < B * T; i++) { same &= memcmp(x, x + (size_t)i * X, X * sizeof(real)) == 0; }
    }
    mamba_zero_grad(&model);
    mamba_backward(&model, 1.0f);
    double gx = 0.0;
    for (size_t i = 0; i < model.param_sizes[5]; i++) { gx += fabs(model.grads.x_proj_w[i]); }
    check(same && gx > 0.0, "no_selection_is_input_independent", "x_proj rows equal for all tokens, |grad x_proj| %.3g", gx);
    mamba_forward(&model, inputs, NULL, B, T);
    RecurrentState st;
    recurrent_init(&st, &c, B);
    int Vp = c.padded_vocab_size, tokens[2];
    double worst = 0.0;
    for (int t = 0; t < T; t++) {
        for (int b = 0; b < B; b++) { tokens[b] = inputs[b * T + t]; }
        mamba_step(&model, &st, tokens);
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < Vp; i++) {
                double e = fabs((double)st.logits[(size_t)b * Vp + i] - (double)model.acts.logits[((size_t)b * T + t) * Vp + i]);
                if (e > worst || e != e) { worst = e; } // NaN sticks
            }
        }
    }
    check(worst <= 1e-5, "no_selection_step_matches_forward", "max abs logit diff %.3g over %d tokens in a batch of %d", worst, B * T, B);
    recurrent_free(&st);
    mamba_free(&model);
}

/*
-mc (llmc/mc_eval.h): examples of random tokens written as an eval file (by this test, not by the tokenize
tool), loaded, and scored in batches; against each completion scored alone, as a row of exactly its
length with targets only on its tokens, and the choices made from those losses (the least sum, the least
mean, the least sum per character of a test token table, test/mc_file.h; the first of equal ones: every third example's first two completions are the same). Contexts longer than the row allows are cut from the left in both. Two
batch shapes: the one mc_batch_shape picks for activations of 2B training rows (short rows: 6B rows of
64 positions; long contexts: 2B rows of T) and B rows of T.
*/
static void test_mc_eval(const Fixture *f) {
    const int V = f->config.vocab_size, B = 6;
    struct { const char *name; int T, max_ctx, max_comp, version; } sets[3] = {
        {"short_rows", 192, 40, 12, 1}, // rows of at most 51 inputs: 3x the rows at 64 positions
        {"long_contexts", f->T, f->T + 30, 12, 1}, // contexts past the row: cut from the left
        {"context_in_completions", f->T, f->T + 30, 12, 2}, // format version 2: completions that begin with context
    };
    for (int k = 0; k < 3; k++) {
        Mamba model;
        model_from_fixture(&model, f);
        const int T = sets[k].T;
        int cut;
        MCEvalSet s;
        mc_test_set(&s, V, sets[k].max_ctx, sets[k].max_comp, 1234 + (uint64_t)k, B, T, &cut, sets[k].version);
        mamba_ensure_activations(&model, 2 * B, T); // training rows: 2B of T
        const int Vp = model.config.padded_vocab_size;
        int *in = (int *)mallocCheck((size_t)T * sizeof(int)), *tg = (int *)mallocCheck((size_t)T * sizeof(int));
        // the cloze example 3 (test/mc_file.h) gets the model's own greedy completion, token by token from its row alone
        // (the argmax of the logits taken here, the lowest index of a tie), so that the greedy count is not 0 by chance
        int greedy_made = 0;
        for (int e = 3; e < s.num_examples; e += 8) {
            MCExample x;
            mc_example(&s, e, &x);
            uint16_t *comp = (uint16_t *)x.completion[0];
            int m = x.completion_len[0], ok = x.num_completions == 1;
            for (int j = 0; ok && j < m; j++) {
                int n = mc_test_alone_row(&x, 0, T, in, tg), p = n - m + j; // position p predicts completion token j
                mamba_forward(&model, in, tg, 1, n);
                const real *l = model.acts.logits + (size_t)p * Vp;
                int best = 0;
                for (int v = 1; v < Vp; v++) { best = l[v] > l[best] ? v : best; }
                ok = best < V;
                if (ok) { comp[j] = (uint16_t)best; }
            }
            greedy_made += ok;
        }
        // the per-character lengths: none from a table of 1 token (the completions have others), then all
        MCTestTokens tokens;
        mc_test_tokens(&tokens, V);
        int chars_refused = mc_set_chars(&s, tokens.table, tokens.len, 1) == 0 && s.row_chars == NULL;
        int chars_set = mc_set_chars(&s, tokens.table, tokens.len, (uint32_t)V) == 1 && s.row_chars != NULL;
        for (int e = 0; chars_set && e < s.num_examples; e++) { // each length: the characters less the shared spaces in front
            MCExample x;
            mc_example(&s, e, &x);
            int n[MC_MAX_COMPLETIONS], lead, shared = 1 << 30;
            for (int c = 0; c < x.num_completions; c++) {
                n[c] = mc_test_completion_chars(x.completion[c] + x.completion_skip[c], x.completion_len[c] - x.completion_skip[c], &lead);
                shared = lead < shared ? lead : shared;
            }
            for (int c = 0; c < x.num_completions; c++) { chars_set &= s.row_chars[s.first_row[e] + c] == n[c] - shared; }
        }
        // each completion alone
        double ref[11 * 5], ref_cloze_loss = 0.0;
        int ref_g[11 * 5]; // each row alone: whether its every scored token is the argmax
        int rows = 0, ref_sum = 0, ref_mean = 0, ref_char = 0, ref_cloze = 0, ref_greedy = 0;
        for (int e = 0; e < s.num_examples; e++) {
            MCExample x;
            mc_example(&s, e, &x);
            double mean[5];
            for (int c = 0; c < x.num_completions; c++) {
                int n = mc_test_alone_row(&x, c, T, in, tg), greedy = 1;
                mamba_forward(&model, in, tg, 1, n);
                double sum = 0.0;
                for (int t = 0; t < n; t++) {
                    if (tg[t] < 0) { continue; }
                    sum += (double)model.acts.losses[t];
                    const real *l = model.acts.logits + (size_t)t * Vp;
                    int best = 0;
                    for (int v = 1; v < Vp; v++) { best = l[v] > l[best] ? v : best; }
                    greedy &= best == tg[t];
                }
                ref[rows + c] = sum;
                ref_g[rows + c] = greedy;
                mean[c] = sum / (x.completion_len[c] - x.completion_skip[c]); // over the scored tokens
            }
            if (x.num_completions == 1) { // a cloze: its summed loss, and whether every token is the argmax
                ref_cloze++;
                ref_greedy += ref_g[rows];
                ref_cloze_loss += ref[rows];
                rows++;
                continue;
            }
            int bs = 0, bm = 0;
            for (int c = 1; c < x.num_completions; c++) {
                if (ref[rows + c] < ref[rows + bs]) { bs = c; }
                if (mean[c] < mean[bm]) { bm = c; }
            }
            ref_sum += bs == x.label;
            ref_mean += bm == x.label;
            ref_char += mc_test_char_choice(&x, ref + rows) == x.label;
            rows += x.num_completions;
        }
        free(in);
        free(tg);
        int Bm, Tm;
        mc_batch_shape(&s, 2 * B, T, model.scan_chunk, 1L << 30, &Bm, &Tm);
        int shapes[2][2] = {{Bm, Tm}, {B, T}};
        for (int h = 0; h < 2; h++) {
            MCResult r = {0};
            double got[11 * 5];
            int got_g[11 * 5], greedy_rows_differ = 0;
            evaluate_mc_range(&model, &s, 0, s.num_examples, shapes[h][0], shapes[h][1], &r, got, got_g);
            for (int i = 0; i < rows; i++) { greedy_rows_differ += got_g[i] != ref_g[i]; }
            double worst = 0.0;
            for (int i = 0; i < rows; i++) {
                double e = fabs(got[i] - ref[i]) / fmax(fabs(ref[i]), 1e-30);
                if (e > worst || e != e) { worst = e; }
            }
            char name[96];
            snprintf(name, sizeof(name), "mc_eval_matches_each_completion_alone_%s_%s", sets[k].name, h == 0 ? "eval_shape" : "train_shape");
            check(worst <= 1e-6 && r.examples == s.num_examples - ref_cloze && r.correct_sum == ref_sum && r.correct_mean == ref_mean &&
                      chars_refused && chars_set && r.correct_char == ref_char, fx_name(name),
                  "%d rows (B=%d T=%d): worst rel. loss diff %.3g; right %d / %d (sum), %d / %d (mean), %d / %d (per character), "
                  "alone %d, %d, %d; lengths refused %d, set %d", rows, shapes[h][0], shapes[h][1], worst, r.correct_sum, r.examples,
                  r.correct_mean, r.examples, r.correct_char, r.examples, ref_sum, ref_mean, ref_char, chars_refused, chars_set);
            snprintf(name, sizeof(name), "mc_cloze_matches_each_completion_alone_%s_%s", sets[k].name, h == 0 ? "eval_shape" : "train_shape");
            check(ref_cloze == 2 && greedy_made == 1 && ref_greedy >= 1 && r.cloze_examples == ref_cloze && r.cloze_greedy == ref_greedy &&
                      greedy_rows_differ == 0 && fabs(r.cloze_loss - ref_cloze_loss) <= 1e-6 * ref_cloze_loss, fx_name(name),
                  "%d cloze examples (alone %d), every token the argmax in %d (alone %d; made so %d), summed loss %.9g (alone %.9g); "
                  "rows whose greedy flag differs from alone %d of %d", r.cloze_examples, ref_cloze, r.cloze_greedy, ref_greedy,
                  greedy_made, r.cloze_loss, ref_cloze_loss, greedy_rows_differ, rows);
        }
        // what the three sets are for: more, shorter rows; contexts cut; completions whose first tokens are context
        if (k == 0) { check(Bm == 6 * B && Tm == 64, fx_name("mc_batch_shape_short_rows"), "B=%d T=%d from B=%d T=%d", Bm, Tm, 2 * B, T); }
        if (k == 1) { check(cut && Tm == T && Bm == 2 * B, fx_name("mc_contexts_cut_to_fit"), "cut %d, B=%d T=%d", cut, Bm, Tm); }
        if (k == 2) {
            int skipped = 0, multi = 0, no_ctx = 0;
            for (int e = 0; e < s.num_examples; e++) {
                MCExample x;
                mc_example(&s, e, &x);
                no_ctx += x.ctx_len == 0;
                for (int c = 0; c < x.num_completions; c++) {
                    skipped += x.completion_skip[c] > 0;
                    multi += x.completion_skip[c] > 0 && x.num_completions > 1;
                }
            }
            check(s.version == 2 && skipped >= 2 && multi >= 2 && no_ctx == 2 && cut, fx_name("mc_version2_context_in_completions"),
                  "version %d, %d completions begin with context (%d of examples with choices), %d examples without shared context, "
                  "cut %d", s.version, skipped, multi, no_ctx, cut);
        }
        mc_test_tokens_free(&tokens);
        mc_free(&s);
        mamba_free(&model);
    }
}

// the fixtures run when none are named: test/fixture.h's two (which the GPU tests read too) and mamba_small3,
// only read here so far (test/gpu_fixtures.sh lists the GPU tests' fixtures)
static const char *const CPU_FIXTURES[] = {"test/fixtures/mamba_tiny.bin", "test/fixtures/mamba_small2.bin", "test/fixtures/mamba_small3.bin"};

int main(int argc, char **argv) {
    // the fixtures named on the command line, else the three PyTorch fixtures
    int nfix = argc > 1 ? argc - 1 : (int)(sizeof(CPU_FIXTURES) / sizeof(CPU_FIXTURES[0]));
    const char *const *paths = argc > 1 ? (const char *const *)argv + 1 : CPU_FIXTURES;
    for (int i = 0; i < nfix; i++) {
        Fixture f;
        load_fixture(&f, paths[i]);
        char tag[64];
        fixture_tag(&f, paths[i], tag);
        fx_tag = tag;
        test_fixture(&f);
        test_step_matches_forward(&f);
        if (f.T > 13) { test_stream_carry(&f); } // its chunks are 1, 2, 3, 7 tokens and the rest
        test_chunk_invariance(&f);
        test_determinism(&f);
        test_accumulation(&f);
        test_weight_decay_flags(&f);
        test_model_file_round_trip(&f);
        test_hf_round_trip(&f);
        test_mc_eval(&f);
        free_fixture(&f);
        fx_tag = "";
    }
    printf("---\n");
    test_top_k();
    test_top_p();
    test_sample_distribution();
    test_sample_on_host_rows();
    test_exp_vec();
    test_matmul_tiles();
    test_find_latest_checkpoint();
    test_init("d64:l4:v250", 256, 128, 4, "");
    test_init("d48:l3:v100:n20:e3:k2:r5", 104, 144, 5, "/d48:l3:v100:n20:e3:k2:r5");
    test_accuracy_every_index(0);
    test_accuracy_every_index(1);
    test_crossentropy_far_target();
    test_learns();
    test_learns_from_context();
    test_hf_import("test/fixtures/hf_tiny_fp32", "test/fixtures/hf_tiny_logits.bin", "hf_import_fp32_matches_transformers");
    test_hf_import("test/fixtures/hf_tiny_bf16", "test/fixtures/hf_tiny_bf16_logits.bin", "hf_import_bf16_matches_transformers");
    test_no_selection();
    test_schedules();
    return test_summary();
}
