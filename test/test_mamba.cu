/*
Tests of the GPU trainer. Includes the trainer (TESTING leaves out main).

    ./test_mamba_cu [fixture.bin ...]   (default: the two PyTorch fixtures below)

Each fixture is one of the PyTorch ones (test/fixtures/mamba_tiny.bin; test/fixtures/mamba_small2.bin:
V=250 padded to 256, C=48, Di=96, N=8, K=3, R=3, T=77) or one written by the CPU reference for
another shape (test/make_cpu_fixture.c: T not a multiple of the scan chunk, T = 8192). For each:
logits, loss, every parameter gradient, the 10 AdamW losses; then the recurrent step against the
full forward (fused and per-operation paths), bitwise determinism, recompute levels, and gradient
accumulation over micro-steps (against the average of each row's gradients). Every
check's name starts with the fixture's file name (e.g. mamba_small2_logits). After the fixtures:
the fused recurrent step against the per-operation one on random models (fused_step_*), the accuracy
count (also with tied row maxima), the device sampler, and transformers' checkpoints. dev/mutation
plants bugs in the GPU code to check that these checks notice them. Ends with "N passed, M failed".
*/
#define TESTING
#include "../train_mamba.cu"
#include "fixture.h"
#include "mc_file.h"
#define TEST_PASS_STYLE TEST_PASS_COLON // "PASS name: detail"
#include "test_util.h"

/*
Tolerances. ENABLE_FP32 (all fp32, no TF32): only summation order differs from the CPU and
PyTorch, ~1e-6 relative, so 1e-4 of each tensor's largest entry.
bf16: activations and matmul operands carry 8 significant bits (relative rounding 2^-9 = 2e-3
per value) while sums, states and the residual stream stay fp32. Measured on an H100
(2026-11-23, 4 fixtures up to T=8192): logits <= 5.5e-3 of the largest |logit|, gradients
<= 1.6e-2 of each tensor's largest entry, AdamW losses <= 5.5e-4 absolute, step vs forward 1.7e-3.
The bounds below are 3-10x those (logits 2e-2: 3.6x, gradients 5e-2: 3.1x, AdamW 5e-3: 9.1x, step
1e-2: 5.9x), far below what a real bug gives (a missing term or a wrong index moves values by O(1)
of their size). The loss is a mean of logit differences, so its bf16 error scales with the logits,
not with the loss: the bound is 1e-3 absolute per unit of the largest |logit| (at least 1e-3).
Measured on an H200 (2026-12-01, 10 fixtures): 1.3e-5 to 1.96e-4 absolute at largest |logits| of
0.63-1.64, 6.5e-3 and 4.6e-3 at the wide fixtures' 20.5 and 31.7 (3.2e-4 and 1.4e-4 per unit): the
worst is 3.1x under its bound. The same run's logits reached 6.9e-3 of the largest |logit| (cpu_v2000_t64),
2.9x under their bound.
In the bf16 build the AdamW-loss bound holds as written for logits up to 2 in size (the fixtures
it was measured on: largest |logit| 0.63-1.64) and grows in proportion to the largest |logit|
above: bf16 rounding is relative, so the loss curve's error scales with the logits. The wide
fixtures (C = 1536 and 2560, then at T = 40 and 24, 2026-11-30 seventh session; tied embeddings give
a token's own logit ~0.02 C) have largest |logits| of 20.5 and 31.7 and measured 6.5e-3 and 8.9e-3
(3.2e-4 and 2.8e-4 per unit of logit, against 0.3e-4 to 4.6e-4 at the small fixtures), 8-9x under
their bounds; their fp32 build matched to 8e-6. At T = 41 and 23 (since 2026-12-03, H200): 6.0e-3
and 1.1e-2, 8.6x and 7.1x under their bounds. The fp32 build's AdamW bound is 1e-4 whatever the logits: only summation order differs there.
*/
#ifdef ENABLE_FP32
static const double TOL_LOGITS = 1e-4, TOL_LOSS = 1e-5, TOL_GRAD = 1e-4, TOL_ADAM = 1e-4, TOL_STEP = 1e-4;
#else
static const double TOL_LOGITS = 2e-2, TOL_LOSS = 1e-3, TOL_GRAD = 5e-2, TOL_ADAM = 5e-3, TOL_STEP = 1e-2;
#endif

static void model_from_fixture(Mamba *model, const Fixture *f, int recompute) {
    mamba_allocate(model, &f->config);
    mamba_upload_parameters(model, f->params);
    model->recompute = recompute;
}

// logits and gradients of one forward+backward, to host
static void run_fixture_batch(Mamba *model, const Fixture *f, float *logits, float *grads) {
    size_t BT = (size_t)f->B * f->T, Vp = f->config.padded_vocab_size;
    if (logits != NULL) {
        // with targets the logits buffer ends up holding dlogits: read the logits of a forward without
        mamba_forward(model, f->inputs, NULL, f->B, f->T);
        floatX *tmp = (floatX *)mallocCheck(BT * Vp * sizeof(floatX));
        cudaCheck(cudaMemcpy(tmp, model->acts.logits, BT * Vp * sizeof(floatX), cudaMemcpyDeviceToHost));
        for (size_t i = 0; i < BT * Vp; i++) { logits[i] = (float)tmp[i]; }
        free(tmp);
    }
    mamba_forward(model, f->inputs, f->targets, f->B, f->T);
    mamba_zero_grad(model);
    mamba_backward(model, 1.0f);
    cudaCheck(cudaMemcpy(grads, model->grads_memory, model->num_parameters * sizeof(float), cudaMemcpyDeviceToHost));
}

static void test_fixture(const Fixture *f, const char *tag) {
    char name[128];
    size_t BT = (size_t)f->B * f->T, Vp = f->config.padded_vocab_size, n = f->num_parameters;
    float *logits = (float *)mallocCheck(BT * Vp * sizeof(float)), *grads = (float *)mallocCheck(n * sizeof(float));
    Mamba model;
    model_from_fixture(&model, f, 1);
    run_fixture_batch(&model, f, logits, grads);
    double err, ref;
    compare_floats(logits, f->logits, BT * Vp, &err, &ref);
    const double logit_scale = ref; // the largest |logit|: sets the loss and AdamW-loss bounds below
    snprintf(name, sizeof(name), "%s_logits", tag);
    check(err <= TOL_LOGITS * ref, name, "max abs err %.3g (max |logit| %.3g, rel %.2e)", err, ref, err / ref);
    snprintf(name, sizeof(name), "%s_loss", tag);
#ifdef ENABLE_FP32
    const double loss_bound = TOL_LOSS * f->loss; // relative: only summation order differs
#else
    const double loss_bound = TOL_LOSS * fmax(1.0, logit_scale); // see the tolerances above
#endif
    check(fabs(model.mean_loss - f->loss) <= loss_bound, name, "gpu %.6f ref %.6f (err %.3g, bound %.3g)", model.mean_loss, f->loss,
          fabs(model.mean_loss - f->loss), loss_bound);
    size_t offset = 0;
    for (int k = 0; k < NUM_PARAMETER_TENSORS; k++) {
        compare_floats(grads + offset, f->grads + offset, model.param_sizes[k], &err, &ref);
        snprintf(name, sizeof(name), "%s_grad_%s", tag, PARAMETER_INFO[k].name);
        check(ref > 0 && err <= TOL_GRAD * ref, name, "max abs err %.3g, max |grad| %.3g, rel %.2e", err, ref, err / ref);
        offset += model.param_sizes[k];
    }
    // AdamW on the same batch, the loss before each update
    double worst = 0.0;
    for (int step = 0; step < f->steps; step++) {
        if (step > 0) { run_fixture_batch(&model, f, NULL, grads); }
        double e = fabs(model.mean_loss - f->adam_losses[step]);
        if (e > worst || e != e) { worst = e; } // NaN sticks
        float norm = mamba_grad_norm(&model);
        mamba_update(&model, f->hyper[0], f->hyper[1], f->hyper[2], f->hyper[3], f->hyper[4],
                     norm > f->hyper[5] ? f->hyper[5] / norm : 1.0f, step + 1);
    }
    snprintf(name, sizeof(name), "%s_adamw_losses", tag);
#ifdef ENABLE_FP32
    (void)logit_scale;
    const double adam_bound = TOL_ADAM; // no bf16 rounding to scale with the logits (see the tolerances above)
#else
    const double adam_bound = TOL_ADAM * fmax(1.0, logit_scale / 2.0); // see the tolerances above
#endif
    check(worst <= adam_bound, name, "max abs err %.3g over %d steps (bound %.3g; ref first %.3f, last %.5f)", worst, f->steps,
          adam_bound, f->adam_losses[0], f->adam_losses[f->steps - 1]);
    mamba_free(&model);

    // two runs at -r 1 bitwise equal (to each other, so that a difference between the levels is not counted
    // here too); recompute levels 0, 1, 2 bitwise equal to each other
    float *grads2 = (float *)mallocCheck(n * sizeof(float)), *grads_r1 = (float *)mallocCheck(n * sizeof(float));
    int same_runs = 1, same_recompute = 1;
    for (int r = 0; r <= 2; r++) {
        Mamba m2;
        model_from_fixture(&m2, f, r);
        run_fixture_batch(&m2, f, NULL, r == 0 ? grads : r == 1 ? grads_r1 : grads2);
        if (r == 1) {
            same_recompute &= memcmp(grads, grads_r1, n * sizeof(float)) == 0;
            run_fixture_batch(&m2, f, NULL, grads2);
            same_runs &= memcmp(grads_r1, grads2, n * sizeof(float)) == 0;
        }
        if (r == 2) { same_recompute &= memcmp(grads, grads2, n * sizeof(float)) == 0; }
        mamba_free(&m2);
    }
    snprintf(name, sizeof(name), "%s_deterministic", tag);
    check(same_runs, name, "two forward+backward passes give bitwise-equal gradients");
    snprintf(name, sizeof(name), "%s_recompute_levels", tag);
    check(same_recompute, name, "-r 0, 1, 2 give bitwise-equal gradients");
    // the conv's grids launched in parts of 3 (as past 65535 tiles / row blocks): the same gradients
    conv1d_max_grid_y = 3;
    Mamba m3;
    model_from_fixture(&m3, f, 1);
    run_fixture_batch(&m3, f, NULL, grads2);
    mamba_free(&m3);
    conv1d_max_grid_y = 65535;
    const int tiles = (f->T + CONV_FWD_TT - 1) / CONV_FWD_TT, row_blocks = ceil_div((f->T + CONV_TT - 1) / CONV_TT, CONV_BWD_TILES);
    snprintf(name, sizeof(name), "%s_conv_grid_in_parts", tag);
    check(memcmp(grads_r1, grads2, n * sizeof(float)) == 0, name, "%d forward tiles, %d backward row blocks in launches of 3: bitwise-equal gradients",
          tiles, row_blocks);
    free(grads_r1);
    free(grads2);
    free(logits);
    free(grads);
}

// AdamW steps with the forward and backward replayed as CUDA graphs against the same steps launched
// plainly: bitwise-equal losses and weights, at recompute level `recompute` with `micro` micro-steps
// per step (loss_scale 1/micro). Steps 3 and 4 change the first target's validity, which changes the
// classifier's dloss (a new key: a plain call, then a new capture); step 5 returns to the first key.
// With one micro-step the graphs' launches are counted exactly: the forward replays at steps 1, 2
// (the first key), 4 (the second) and 6 (the first again, captured anew); the backward at 1..6.
static void test_graphs(const Fixture *f, const char *tag, int recompute, int micro) {
    const int steps = 7;
    size_t BT = (size_t)f->B * f->T, n = f->num_parameters;
    int *targets = (int *)mallocCheck(BT * sizeof(int));
    float losses[2][7], *params[2];
    long fwd_launches = 0, bwd_launches = 0;
    for (int g = 0; g < 2; g++) {
        use_cuda_graphs = g;
        Mamba model;
        model_from_fixture(&model, f, recompute);
        for (int step = 0; step < steps; step++) {
            memcpy(targets, f->targets, BT * sizeof(int));
            if (step == 3 || step == 4) { targets[0] = f->targets[0] >= 0 ? -1 : 0; } // one more or one fewer valid target
            mamba_zero_grad(&model);
            double loss = 0.0;
            for (int m = 0; m < micro; m++) {
                mamba_forward(&model, f->inputs, targets, f->B, f->T);
                mamba_backward(&model, 1.0f / micro);
                loss += model.mean_loss;
            }
            losses[g][step] = (float)(loss / micro);
            float norm = mamba_grad_norm(&model);
            mamba_update(&model, f->hyper[0], f->hyper[1], f->hyper[2], f->hyper[3], f->hyper[4],
                         norm > f->hyper[5] ? f->hyper[5] / norm : 1.0f, step + 1);
        }
        if (g == 1) {
            fwd_launches = model.fwd_graph.launches;
            bwd_launches = model.bwd_graph.launches;
        }
        params[g] = (float *)mallocCheck(n * sizeof(float));
        cudaCheck(cudaMemcpy(params[g], model.params_memory, n * sizeof(float), cudaMemcpyDeviceToHost));
        mamba_free(&model);
    }
    use_cuda_graphs = 1;
    char name[128];
    if (micro == 1) {
        snprintf(name, sizeof(name), "%s_cuda_graphs_replayed", tag);
        check(fwd_launches == 4 && bwd_launches == 6, name, "graph launches: forward %ld (want 4), backward %ld (want 6)",
              fwd_launches, bwd_launches);
    }
    snprintf(name, sizeof(name), "%s_cuda_graphs_bitwise_r%d_x%d", tag, recompute, micro);
    check(fwd_launches > 0 && bwd_launches > 0 && memcmp(losses[0], losses[1], sizeof(losses[0])) == 0 &&
          memcmp(params[0], params[1], n * sizeof(float)) == 0, name,
          "%d AdamW steps, -r %d, %d micro-steps: losses and weights with graphs equal those without (last loss %.6f / %.6f;"
          " %ld + %ld graph launches)", steps, recompute, micro, losses[0][steps - 1], losses[1][steps - 1], fwd_launches,
          bwd_launches);
    free(params[0]);
    free(params[1]);
    free(targets);
}

/*
Gradient accumulation as the trainer's -d runs it: one micro-step per batch row, each backward scaled
by 1/B and added into the gradient buffers, against the average of the rows' gradients computed one
at a time from zeroed buffers. Every other fixture check runs one backward from zeroed gradients, so
mutation testing (dev/mutation) found these unguarded: a weight-gradient product that scaled what
was accumulated (beta = scale instead of 1), a reduction that assigned dA_log, the scale dropped at
the LM head or applied to its weight gradient only. Each of those is off by a third or more here.
*/
static void test_accumulation(const Fixture *f, const char *tag) {
    const int B = f->B, T = f->T;
    if (B < 2) { return; }
    const size_t n = f->num_parameters;
    double *avg = (double *)callocCheck(n, sizeof(double));
    float *grads = (float *)mallocCheck(n * sizeof(float)), *ref = (float *)mallocCheck(n * sizeof(float));
    Mamba model;
    model_from_fixture(&model, f, 1);
    for (int b = 0; b < B; b++) {
        mamba_forward(&model, f->inputs + (size_t)b * T, f->targets + (size_t)b * T, 1, T);
        mamba_zero_grad(&model);
        mamba_backward(&model, 1.0f);
        cudaCheck(cudaMemcpy(grads, model.grads_memory, n * sizeof(float), cudaMemcpyDeviceToHost));
        for (size_t i = 0; i < n; i++) { avg[i] += (double)grads[i] / B; }
    }
    mamba_zero_grad(&model);
    for (int b = 0; b < B; b++) {
        mamba_forward(&model, f->inputs + (size_t)b * T, f->targets + (size_t)b * T, 1, T);
        mamba_backward(&model, 1.0f / B);
    }
    cudaCheck(cudaMemcpy(grads, model.grads_memory, n * sizeof(float), cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < n; i++) { ref[i] = (float)avg[i]; }
    int worst_k; // each tensor against its own largest entry, as the fixture's gradients
    const double worst = worst_tensor_rel_err(grads, ref, model.param_sizes, &worst_k);
    mamba_free(&model);
    char name[128];
    snprintf(name, sizeof(name), "%s_grad_accumulation", tag);
    check(worst <= TOL_GRAD, name, "%d micro-steps of one row: worst tensor %s, rel %.2e of its largest entry (bound %.0e)", B,
          PARAMETER_INFO[worst_k].name, worst, TOL_GRAD);
    free(avg);
    free(grads);
    free(ref);
}

// the recurrent step on the GPU, all B sequences as one batch, reproduces the full forward's logits:
// by the path recurrent_init picks (the fused one for B <= DECODE_MAX_BATCH), then one launch per operation.
// Every parameter is moved off the fixture's initial values first (D = 1 and unit norm weights would hide a
// step that dropped them, in both paths alike)
static void test_step(const Fixture *f, const char *tag) {
    Mamba model;
    mamba_allocate(&model, &f->config);
    float *moved = (float *)mallocCheck(f->num_parameters * sizeof(float));
    uint64_t rng = 0x5eed5eedULL;
    for (size_t i = 0; i < f->num_parameters; i++) { moved[i] = f->params[i] + 0.2f * random_f32(&rng) - 0.1f; }
    mamba_upload_parameters(&model, moved);
    free(moved);
    model.recompute = 1;
    int B = f->B, T = f->T < 512 ? f->T : 512, Vp = f->config.padded_vocab_size;
    size_t BT = (size_t)B * f->T;
    mamba_forward(&model, f->inputs, NULL, B, f->T);
    floatX *full = (floatX *)mallocCheck(BT * Vp * sizeof(floatX));
    cudaCheck(cudaMemcpy(full, model.acts.logits, BT * Vp * sizeof(floatX), cudaMemcpyDeviceToHost));
    int *tokens = (int *)mallocCheck(B * sizeof(int));
    for (int path = 0; path < 2; path++) {
        RecurrentState st;
        recurrent_init(&st, &model.config, B);
        if (path == 1) {
            if (!st.fused) { recurrent_free(&st); break; } // the default already ran per operation
            st.fused = 0;
        }
        double worst = 0.0, maxref = 0.0;
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) { tokens[b] = f->inputs[(size_t)b * f->T + t]; }
            mamba_step(&model, &st, tokens);
            for (int b = 0; b < B; b++) {
                for (int i = 0; i < Vp; i++) {
                    double r = (float)full[((size_t)b * f->T + t) * Vp + i], e = fabs(st.cpu_logits[(size_t)b * Vp + i] - r);
                    if (e > worst || e != e) { worst = e; } // NaN sticks
                    if (fabs(r) > maxref) { maxref = fabs(r); }
                }
            }
        }
        char name[128];
        snprintf(name, sizeof(name), path == 0 ? "%s_step_matches_forward" : "%s_step_per_op_matches_forward", tag);
        check(worst <= TOL_STEP * maxref, name, "max abs diff %.3g over %d steps x %d sequences (max |logit| %.3g, %s step)",
              worst, T, B, maxref, st.fused ? "fused" : "per-operation");
        recurrent_free(&st);
    }
    free(tokens);
    free(full);
    mamba_free(&model);
}

// a random model whose every tensor differs between layers and channels: the spec's initialisation
// makes the norm weights and D all 1 and A_log the same in every layer and channel, which would let a
// wrong layer or channel offset into them go unseen
static void model_random_varied(Mamba *model, const MambaConfig *c, uint64_t seed) {
    mamba_allocate(model, c);
    float *tmp = (float *)mallocCheck(model->num_parameters * sizeof(float));
    init_parameters(tmp, model->param_sizes, c, seed);
    ParameterTensors p;
    point_parameters(&p, tmp, model->param_sizes);
    uint64_t rng = seed * 7 + 1;
    size_t L = c->n_layer, C = c->d_model, Di = c->d_inner, N = c->d_state;
    for (size_t i = 0; i < L * C; i++) { p.norm_w[i] *= 0.5f + random_f32(&rng); }
    for (size_t i = 0; i < C; i++) { p.norm_f_w[i] *= 0.5f + random_f32(&rng); }
    for (size_t i = 0; i < L * Di; i++) { p.D[i] *= 0.5f + random_f32(&rng); }
    for (size_t i = 0; i < L * Di * N; i++) { p.A_log[i] += random_f32(&rng) - 0.5f; }
    mamba_upload_parameters(model, tmp);
    free(tmp);
}

/*
The trainer's accuracy count (the classifier kernel's argmax, counted on the host) on a random model: with
each target set to the argmax of the logits the forward wrote (lowest index of the row maximum, as the
kernel's), every valid position is right. The vocabularies take the classifier's three kernels: a warp per
row (V = 8, 1000), a row in shared memory (50280; 65536 in bf16) and a row streamed (65536 in the fp32
build, whose row does not fit: the trainer's largest vocabulary is 65536). At V=8 some positions have their
argmax at the last index. With period P > 0 every embedding row v >= P is a copy of row v % P (the LM head
is tied), so every row maximum is tied with a later index and only the lowest may count as correct: a
kernel keeping the last of equal values within a lane went unnoticed without it (mutation testing).
*/
static void test_accuracy_counts(const char *desc, uint64_t seed, int period) {
    MambaConfig c;
    if (!config_from_descriptor(desc, &c)) { fatalf("test: bad descriptor %s", desc); }
    Mamba model;
    model_random_varied(&model, &c, seed);
    model.recompute = 1;
    if (period > 0) {
        const size_t n = model.num_parameters, C = c.d_model;
        float *tmp = (float *)mallocCheck(n * sizeof(float));
        cudaCheck(cudaMemcpy(tmp, model.params_memory, n * sizeof(float), cudaMemcpyDeviceToHost));
        for (size_t v = period; v < (size_t)c.vocab_size; v++) { memcpy(tmp + v * C, tmp + (v % period) * C, C * sizeof(float)); } // wte first
        mamba_upload_parameters(&model, tmp);
        free(tmp);
    }
    const int B = 4, T = 32, BT = B * T, Vp = c.padded_vocab_size;
    int *inputs = (int *)mallocCheck(BT * sizeof(int)), *targets = (int *)mallocCheck(BT * sizeof(int));
    uint64_t rng = seed * 13 + 5;
    for (int i = 0; i < BT; i++) { inputs[i] = (int)(random_u64(&rng) % (uint64_t)c.vocab_size); }
    mamba_forward(&model, inputs, NULL, B, T);
    floatX *logits = (floatX *)mallocCheck((size_t)BT * Vp * sizeof(floatX));
    cudaCheck(cudaMemcpy(logits, model.acts.logits, (size_t)BT * Vp * sizeof(floatX), cudaMemcpyDeviceToHost));
    int at_last = 0, tied = 0;
    for (int i = 0; i < BT; i++) {
        const floatX *l = logits + (size_t)i * Vp;
        int best = 0;
        for (int v = 1; v < Vp; v++) { if ((float)l[v] > (float)l[best]) { best = v; } }
        targets[i] = best;
        at_last += best == Vp - 1;
        for (int v = best + 1; v < Vp; v++) {
            if ((float)l[v] == (float)l[best]) { tied++; break; }
        }
    }
    targets[3] = -1; // ignored: counted neither way
    mamba_forward(&model, inputs, targets, B, T);
    char name[96];
    if (period > 0) {
        snprintf(name, sizeof(name), "accuracy_ties_%s_p%d", desc, period);
    } else {
        snprintf(name, sizeof(name), "accuracy_counts_%s", desc);
    }
    check(model.num_valid == BT - 1 && model.num_correct == BT - 1 && (period > 0 || Vp != 8 || at_last > 0) &&
          (period == 0 || tied == BT), name,
          "correct %d of %d valid (want %d); %d positions with the argmax at the last index, %d of %d with a tied maximum",
          model.num_correct, BT - 1, BT - 1, at_last, tied, BT);
    free(logits);
    free(inputs);
    free(targets);
    mamba_free(&model);
}

// the largest |a - b| over n values, and the largest |b|
static void state_diff(const float *dev_a, const float *dev_b, size_t n, double *err, double *ref) {
    float *a = (float *)mallocCheck(n * sizeof(float)), *b = (float *)mallocCheck(n * sizeof(float));
    cudaCheck(cudaMemcpy(a, dev_a, n * sizeof(float), cudaMemcpyDeviceToHost));
    cudaCheck(cudaMemcpy(b, dev_b, n * sizeof(float), cudaMemcpyDeviceToHost));
    compare_floats(a, b, n, err, ref);
    free(a);
    free(b);
}

/*
The fused recurrent step (llmc/cuda/decode.cuh) against the per-operation one (cuBLAS matmuls), on
a random model (model_random_varied): the same random tokens through both for `steps` steps, every
step's logits and the last conv and SSM states compared. Then two more fused runs that must repeat
the first bit for bit: one alike, one with the kernels launched plainly instead of as programmatic
dependent launches (a read before the wait for the kernel that writes it would show as a difference).
Shapes with C and Di multiples of 8 take 8-value loads, others one value per load. A batch above
DECODE_MAX_BATCH must fall back to the per-operation step.
*/
static void test_fused_step(const char *desc, int G, int steps, uint64_t seed) {
    MambaConfig c;
    if (!config_from_descriptor(desc, &c)) { fatalf("test: bad descriptor %s", desc); }
    char name[160];
    enum { FUSED, PER_OP, AGAIN, PLAIN, RUNS };
    RecurrentState st[RUNS];
    Mamba model;
    model_random_varied(&model, &c, seed);
    for (int i = 0; i < RUNS; i++) { recurrent_init(&st[i], &c, G); }
    if (G > DECODE_MAX_BATCH) {
        snprintf(name, sizeof(name), "fused_step_%s_b%d_falls_back", desc, G);
        check(!st[FUSED].fused, name, "batch %d > %d runs %s", G, DECODE_MAX_BATCH, st[FUSED].fused ? "fused" : "per operation");
        for (int i = 0; i < RUNS; i++) { recurrent_free(&st[i]); }
        mamba_free(&model);
        return;
    }
    const int was_fused = st[FUSED].fused && st[AGAIN].fused && st[PLAIN].fused;
    st[PER_OP].fused = 0;
    const int Vp = c.padded_vocab_size;
    const size_t n = (size_t)G * Vp;
    int *tokens = (int *)mallocCheck(G * sizeof(int));
    uint64_t rng = seed * 31 + 7;
    double worst = 0.0, maxref = 0.0;
    int repeats = 1, plain_same = 1;
    for (int t = 0; t < steps; t++) {
        for (int g = 0; g < G; g++) { tokens[g] = (int)(random_u64(&rng) % (uint64_t)c.vocab_size); }
        for (int i = 0; i < RUNS; i++) {
            decode_programmatic = i != PLAIN; // read at each plain step and when the second step captures the graph
            mamba_step(&model, &st[i], tokens);
        }
        repeats &= memcmp(st[FUSED].cpu_logits, st[AGAIN].cpu_logits, n * sizeof(float)) == 0;
        plain_same &= memcmp(st[FUSED].cpu_logits, st[PLAIN].cpu_logits, n * sizeof(float)) == 0;
        for (size_t j = 0; j < n; j++) {
            double r = st[PER_OP].cpu_logits[j], e = fabs(st[FUSED].cpu_logits[j] - r);
            if (e > worst || e != e) { worst = e; } // NaN sticks
            if (fabs(r) > maxref) { maxref = fabs(r); }
        }
    }
    decode_programmatic = 1;
    size_t ns = (size_t)c.n_layer * G * c.d_inner * c.d_state, nc = (size_t)c.n_layer * G * c.d_inner * c.d_conv;
    double serr, sref, cerr, cref, e2, r2;
    state_diff(st[FUSED].ssm_state, st[PER_OP].ssm_state, ns, &serr, &sref);
    state_diff(st[FUSED].conv_state, st[PER_OP].conv_state, nc, &cerr, &cref);
    state_diff(st[FUSED].ssm_state, st[PLAIN].ssm_state, ns, &e2, &r2);
    plain_same &= e2 == 0.0;
    snprintf(name, sizeof(name), "fused_step_%s_b%d_matches_per_op", desc, G);
    check(was_fused && worst <= TOL_STEP * maxref && serr <= TOL_STEP * sref && cerr <= TOL_STEP * cref, name,
          "%s; logits max abs diff %.3g over %d steps (max |logit| %.3g), SSM states %.3g (max %.3g), conv states %.3g (max %.3g)",
          was_fused ? "fused" : "NOT fused", worst, steps, maxref, serr, sref, cerr, cref);
    snprintf(name, sizeof(name), "fused_step_%s_b%d_bitwise_repeat", desc, G);
    check(was_fused && repeats && plain_same, name, "a second fused run %s; launched plainly, %s",
          repeats ? "gave the same bits" : "DIFFERS", plain_same ? "the same bits" : "DIFFERENT bits");
    free(tokens);
    for (int i = 0; i < RUNS; i++) { recurrent_free(&st[i]); }
    mamba_free(&model);
}

/*
Stream evaluation: row 0 fed in chunks (1, 2, 3, 7, 50 tokens, then the rest: shorter and longer
than the conv window, across scan tiles), each from the carried state, matches one forward over
the row (the same kernels run; only the GEMM shapes differ, so bf16 rounding may). With T <= 512
the carried state is also compared with the recurrent mode's after the same tokens. The reset
check shows the carry matters: without it the logits move by more than the tolerance.
*/
static void test_stream(const Fixture *f, const char *tag) {
    Mamba ref, model;
    model_from_fixture(&ref, f, 1);
    model_from_fixture(&model, f, 1);
    const MambaConfig *c = &ref.config;
    int T = f->T, Vp = c->padded_vocab_size;
    size_t conv_n = (size_t)c->n_layer * c->d_inner * c->d_conv, ssm_n = (size_t)c->n_layer * c->d_inner * c->d_state;
    mamba_forward(&ref, f->inputs, NULL, 1, T);
    floatX *full = (floatX *)mallocCheck((size_t)T * Vp * sizeof(floatX));
    floatX *part = (floatX *)mallocCheck((size_t)T * Vp * sizeof(floatX));
    cudaCheck(cudaMemcpy(full, ref.acts.logits, (size_t)T * Vp * sizeof(floatX), cudaMemcpyDeviceToHost));
    mamba_ensure_activations(&model, 1, T);
    cudaCheck(cudaMalloc((void **)&model.carry_conv_state, conv_n * sizeof(float)));
    cudaCheck(cudaMalloc((void **)&model.carry_ssm_state, ssm_n * sizeof(float)));
    int lens[] = {1, 2, 3, 7, 50, T - 63};
    double worst = 0.0, maxref = 0.0, reset_diff = 0.0;
    char name[128];
    for (int pass = 0; pass < 2; pass++) { // pass 1: the state reset before every chunk
        cudaCheck(cudaMemset(model.carry_conv_state, 0, conv_n * sizeof(float)));
        cudaCheck(cudaMemset(model.carry_ssm_state, 0, ssm_n * sizeof(float)));
        int pos = 0;
        for (int i = 0; i < 6; i++) {
            if (pass == 1) {
                cudaCheck(cudaMemset(model.carry_conv_state, 0, conv_n * sizeof(float)));
                cudaCheck(cudaMemset(model.carry_ssm_state, 0, ssm_n * sizeof(float)));
            }
            mamba_forward(&model, f->inputs + pos, NULL, 1, lens[i]);
            cudaCheck(cudaMemcpy(part, model.acts.logits, (size_t)lens[i] * Vp * sizeof(floatX), cudaMemcpyDeviceToHost));
            for (size_t j = 0; j < (size_t)lens[i] * Vp; j++) {
                double r = (float)full[(size_t)pos * Vp + j], e = fabs((float)part[j] - r);
                if (pass == 0 && (e > worst || e != e)) { worst = e; } // NaN sticks
                if (pass == 0 && fabs(r) > maxref) { maxref = fabs(r); }
                if (pass == 1 && e > reset_diff) { reset_diff = e; }
            }
            pos += lens[i];
        }
        if (pass == 0 && T <= 512) {
            RecurrentState st;
            recurrent_init(&st, c, 1);
            for (int t = 0; t < T; t++) { mamba_step(&ref, &st, f->inputs + t); }
            float *a = (float *)mallocCheck((conv_n + ssm_n) * sizeof(float)), *b = (float *)mallocCheck((conv_n + ssm_n) * sizeof(float));
            cudaCheck(cudaMemcpy(a, st.conv_state, conv_n * sizeof(float), cudaMemcpyDeviceToHost));
            cudaCheck(cudaMemcpy(a + conv_n, st.ssm_state, ssm_n * sizeof(float), cudaMemcpyDeviceToHost));
            cudaCheck(cudaMemcpy(b, model.carry_conv_state, conv_n * sizeof(float), cudaMemcpyDeviceToHost));
            cudaCheck(cudaMemcpy(b + conv_n, model.carry_ssm_state, ssm_n * sizeof(float), cudaMemcpyDeviceToHost));
            double err, refmax;
            compare_floats(b, a, conv_n + ssm_n, &err, &refmax);
            snprintf(name, sizeof(name), "%s_stream_state_matches_recurrent", tag);
            check(err <= TOL_STEP * refmax, name, "max abs diff %.3g (max |state| %.3g)", err, refmax);
            free(a); free(b);
            recurrent_free(&st);
        }
    }
    snprintf(name, sizeof(name), "%s_stream_chunks_match_forward", tag);
    check(worst <= TOL_STEP * maxref, name, "max abs diff %.3g over %d tokens in 6 chunks (max |logit| %.3g)", worst, T, maxref);
    snprintf(name, sizeof(name), "%s_stream_reset_would_differ", tag);
    check(reset_diff > TOL_STEP * maxref, name, "without the carry the logits move by %.3g", reset_diff);
    cudaCheck(cudaFree(model.carry_conv_state));
    cudaCheck(cudaFree(model.carry_ssm_state));
    model.carry_conv_state = model.carry_ssm_state = NULL;
    free(full); free(part);
    mamba_free(&model);
    mamba_free(&ref);
}

/*
The device sampler against the host's inverse CDF (double sums) for the same coins: G draws from
one logit row, coins spread over [0, 1) plus both ends. A draw may differ only where the coin lies
within fp32 rounding of a CDF step (1e-5 of the total), so each mismatch must sit at such a
boundary, and a drawn token never has zero fp32 weight. Rows: dense (V=1001, logits in [-2, 2],
temperature 0.7), sparse (V=50280, 20 clusters of 3 live tokens, the rest 100 below: weights
that underflow to 0 in fp32, where a walk past its interval must not land on a dead token) and a
large vocabulary (V=200000, temperature 0.05).
*/
static void sampler_case(const char *name, int V, int Vp, int live, float temperature, int G, int cb) {
    float *logits = (float *)mallocCheck((size_t)G * Vp * sizeof(float)), *coins = (float *)mallocCheck(G * sizeof(float));
    uint64_t rng = 42;
    for (int i = 0; i < Vp; i++) {
        if (i >= V) { logits[i] = -1e30f; }
        else if (live == 0) { logits[i] = 4.0f * (random_f32(&rng) - 0.5f); }
        else { logits[i] = i % (V / live) < 3 ? 4.0f * random_f32(&rng) : -100.0f; } // clusters of 3
    }
    for (int g = 1; g < G; g++) { memcpy(logits + (size_t)g * Vp, logits, Vp * sizeof(float)); }
    for (int g = 0; g < G; g++) { coins[g] = g == 0 ? 0.0f : g == G - 1 ? 0.99999994f : (float)random_f64(&rng); }
    // plus a coin just below the end of every warp's run and every block's segment (the kernel's fp32 sums
    // replayed here: a block of the cluster owns `seg` 4-token items, a warp a run of q of them; each
    // lane sums its items in order, the warp by a butterfly, the block its warps in order, the cluster its
    // blocks in order): where the walk, which sums in token order, can run past the run's last token
    const int n4 = (V + 3) / 4, seg = sample_segment_items(V, cb), q = sample_warp_run(seg);
    float mx = logits[0], acc = 0.0f, ends[8 * (SAMPLE_WARPS + 1)];
    int nends = 0;
    for (int i = 1; i < V; i++) { mx = fmaxf(mx, logits[i]); }
    for (int r = 0; r < cb; r++) {
        const int b0 = r * seg < n4 ? r * seg : n4, b1 = b0 + seg < n4 ? b0 + seg : n4;
        float bsum = 0.0f, s = acc;
        for (int w = 0; w < SAMPLE_WARPS; w++) {
            const int w0 = b0 + w * q < b1 ? b0 + w * q : b1, w1 = w0 + q < b1 ? w0 + q : b1;
            float v[32], t[32];
            for (int lane = 0; lane < 32; lane++) {
                v[lane] = 0.0f;
                for (int i = w0 + lane; i < w1; i += 32) {
                    for (int j = 0; j < 4 && 4 * i + j < V; j++) { v[lane] += expf((logits[4 * i + j] - mx) * (1.0f / temperature)); }
                }
            }
            for (int o = 16; o > 0; o >>= 1) {
                for (int lane = 0; lane < 32; lane++) { t[lane] = v[lane] + v[lane ^ o]; }
                memcpy(v, t, sizeof(v));
            }
            bsum += v[0];
            s += v[0];
            if (v[0] > 0.0f) { ends[nends++] = s; } // the warp's end, from the block's start
        }
        acc += bsum;
        if (bsum > 0.0f) { ends[nends++] = acc; } // the next block's start
    }
    int nb = 0; // boundary coins
    for (int j = 0, g = 1; j < nends && g < G - 1; j++) {
        nb++;
        float c = nextafterf(ends[j], 0.0f), u = fminf(c / acc, 0.99999994f);
        for (int k = 0; k < 16 && u * acc != c; k++) { u = u * acc > c ? nextafterf(u, 0.0f) : nextafterf(u, 1.0f); }
        coins[g++] = u;
    }
    float *d_logits, *d_coins;
    int *d_tokens, *tokens = (int *)mallocCheck(G * sizeof(int));
    cudaCheck(cudaMalloc((void **)&d_logits, (size_t)G * Vp * sizeof(float)));
    cudaCheck(cudaMalloc((void **)&d_coins, G * sizeof(float)));
    cudaCheck(cudaMalloc((void **)&d_tokens, G * sizeof(int)));
    cudaCheck(cudaMemcpy(d_logits, logits, (size_t)G * Vp * sizeof(float), cudaMemcpyHostToDevice));
    cudaCheck(cudaMemcpy(d_coins, coins, G * sizeof(float), cudaMemcpyHostToDevice));
    cudaCheck(cudaMemset(d_tokens, 0xff, G * sizeof(int))); // poison: -1
    sample_cluster_override = cb;
    sample_launch(d_tokens, NULL, d_logits, d_coins, G, V, Vp, 0, 1.0f, temperature, 0);
    sample_cluster_override = 0;
    cudaCheck(cudaDeviceSynchronize());
    cudaCheck(cudaMemcpy(tokens, d_tokens, G * sizeof(int), cudaMemcpyDeviceToHost));
    double maxv = logits[0], total = 0.0;
    for (int i = 1; i < V; i++) { maxv = fmax(maxv, logits[i]); }
    double *cdf = (double *)mallocCheck(V * sizeof(double));
    for (int i = 0; i < V; i++) { total += exp((logits[i] - maxv) / temperature); cdf[i] = total; }
    int exact = 0, bad = 0, distinct = 0;
    char *seen = (char *)calloc(V, 1);
    for (int g = 0; g < G; g++) {
        double coin = coins[g] * total;
        int want = V - 1;
        for (int i = 0; i < V; i++) { if (coin < cdf[i]) { want = i; break; } }
        int got = tokens[g];
        if (got < 0 || got >= V || expf((logits[got] - (float)maxv) / temperature) == 0.0f) { bad++; continue; }
        if (!seen[got]) { seen[got] = 1; distinct++; }
        if (got == want) { exact++; continue; }
        int lo = got < want ? got : want; // the CDF step between the two must be within rounding of the coin
        if (fabs(cdf[lo] - coin) > 1e-5 * total) { bad++; }
    }
    check(bad == 0 && exact >= G - nb - 8, name, "%d of %d draws (%d at interval ends) equal the host's inverse CDF, %d off by rounding at a step, %d wrong; %d distinct tokens",
          exact, G, nb, G - exact - bad, bad, distinct);
    free(seen); free(cdf); free(tokens); free(logits); free(coins);
    cudaCheck(cudaFree(d_logits)); cudaCheck(cudaFree(d_coins)); cudaCheck(cudaFree(d_tokens));
}

/*
The device sampler with top-k / top-p (sample_launch, which also writes its thresholds) against the
host's sample_threshold and inverse CDF (double sums), 256 rows of logits in [-spread/2, spread/2)
(8 unless said) quantised to `levels` steps (so tokens tie at the thresholds: ties stay in on both sides).
Top-k thresholds count tokens, so they must be equal. A top-p threshold may differ only where top_p *
total lies within fp32 rounding (1e-5 of the total) of a step of the kept mass; in every other row
the threshold must be the host's, and the draw the host's as in sampler_case; a drawn token is always
one the device kept. With top-p, in at least half of the rows it must cut below what top-k alone
keeps and below the largest logit's ties (else the bisection's answer was its first probe).
specials: also -inf, -0 beside +0, and in every fourth row a logit of 3e38 (the rest weigh 0); with
top_k = 0 also NaNs (never kept; the host's k-th largest is undefined with NaNs, so not with top-k).
*/
static void sampler_filter_case(const char *name, int V, int Vp, int top_k, float top_p, float temperature, int levels, int specials, int cb,
                                float spread = 8.0f) {
    const int G = 256;
    float *logits = (float *)mallocCheck((size_t)G * Vp * sizeof(float)), *coins = (float *)mallocCheck(G * sizeof(float));
    float *th = (float *)mallocCheck(G * sizeof(float)), *scratch = (float *)mallocCheck((size_t)V * sizeof(float));
    uint64_t rng = 7 + V + top_k + levels;
    for (int g = 0; g < G; g++) {
        float *l = logits + (size_t)g * Vp;
        for (int i = 0; i < Vp; i++) { l[i] = i < V ? floorf(levels * (random_f32(&rng) - 0.5f)) * (spread / levels) : -1e30f; }
        if (specials) {
            l[2] = -INFINITY; l[3] = -0.0f; l[4] = 0.0f; l[5] = -INFINITY;
            if (g % 4 == 0) { l[6] = 3e38f; }
            if (top_k == 0) { l[1] = nanf(""); l[V - 1] = nanf(""); }
        }
        coins[g] = g == 0 ? 0.0f : g == G - 1 ? 0.99999994f : (float)random_f64(&rng);
    }
    float *d_logits, *d_coins, *d_th;
    int *d_tokens, *tokens = (int *)mallocCheck(G * sizeof(int));
    cudaCheck(cudaMalloc((void **)&d_logits, (size_t)G * Vp * sizeof(float)));
    cudaCheck(cudaMalloc((void **)&d_coins, G * sizeof(float)));
    cudaCheck(cudaMalloc((void **)&d_th, G * sizeof(float)));
    cudaCheck(cudaMalloc((void **)&d_tokens, G * sizeof(int)));
    cudaCheck(cudaMemcpy(d_logits, logits, (size_t)G * Vp * sizeof(float), cudaMemcpyHostToDevice));
    cudaCheck(cudaMemcpy(d_coins, coins, G * sizeof(float), cudaMemcpyHostToDevice));
    cudaCheck(cudaMemset(d_th, 0xff, G * sizeof(float))); // poison: NaN
    cudaCheck(cudaMemset(d_tokens, 0xff, G * sizeof(int)));
    sample_cluster_override = cb;
    sample_launch(d_tokens, d_th, d_logits, d_coins, G, V, Vp, top_k, top_p, temperature, 0);
    sample_cluster_override = 0;
    cudaCheck(cudaDeviceSynchronize());
    cudaCheck(cudaMemcpy(th, d_th, G * sizeof(float), cudaMemcpyDeviceToHost));
    cudaCheck(cudaMemcpy(tokens, d_tokens, G * sizeof(int), cudaMemcpyDeviceToHost));
    int same_th = 0, rounding_th = 0, bad = 0, exact = 0, kept_min = V, kept_max = 0, cut = 0;
    double *cdf = (double *)mallocCheck(V * sizeof(double));
    for (int g = 0; g < G; g++) {
        const float *l = logits + (size_t)g * Vp;
        const float want_th = sample_threshold(l, V, temperature, top_k, top_p, scratch);
        const float kth = top_k > 0 && top_k < V ? sample_threshold(l, V, temperature, top_k, 1.0f, scratch) : -INFINITY;
        double maxv = -INFINITY;
        for (int i = 0; i < V; i++) { maxv = fmax(maxv, l[i]); } // fmax skips NaN, as both samplers do
        const int got = tokens[g];
        if (got < 0 || got >= V || !(l[got] >= th[g])) { bad++; continue; } // a drawn token is one kept
        if (th[g] != want_th) { // only a top-p threshold, and only at a step within rounding of the target
            const float hi_th = fmaxf(th[g], want_th);
            double total = 0.0, above = 0.0;
            for (int i = 0; i < V; i++) {
                const double e = exp((l[i] - maxv) / temperature);
                if (l[i] >= kth) { total += e; }
                if (l[i] >= hi_th) { above += e; }
            }
            if (top_p < 1.0f && th[g] >= kth && fabs(above - (double)top_p * total) <= 1e-5 * total) { rounding_th++; }
            else { bad++; }
            continue;
        }
        same_th++;
        double total = 0.0;
        int kept = 0, kept_k = 0;
        for (int i = 0; i < V; i++) {
            if (l[i] >= kth) { kept_k++; }
            if (l[i] >= want_th) { total += exp((l[i] - maxv) / temperature); kept++; }
            cdf[i] = total;
        }
        kept_min = kept < kept_min ? kept : kept_min;
        kept_max = kept > kept_max ? kept : kept_max;
        cut += kept < kept_k && want_th < maxv;
        const double coin = coins[g] * total;
        int want = V - 1;
        for (int i = 0; i < V; i++) { if (l[i] >= want_th && coin < cdf[i]) { want = i; break; } }
        if (got == want) { exact++; continue; }
        const int lo = got < want ? got : want;
        if (fabs(cdf[lo] - coin) > 1e-5 * total) { bad++; }
    }
    const int need_cut = top_p < 1.0f ? G / 2 - (specials ? G / 4 : 0) : 0; // (a 3e38 logit keeps only itself)
    check(bad == 0 && exact >= same_th - 8 && same_th >= G - 8 && cut >= need_cut, name,
          "%d of %d thresholds equal the host's (%d differ within rounding of top-p's target), %d of those draws equal the host's, "
          "%d wrong; %d-%d tokens kept; top-p cut below top-k and the largest logit in %d rows (need %d)",
          same_th, G, rounding_th, exact, bad, kept_min, kept_max, cut, need_cut);
    free(cdf); free(tokens); free(logits); free(coins); free(th); free(scratch);
    cudaCheck(cudaFree(d_logits)); cudaCheck(cudaFree(d_coins)); cudaCheck(cudaFree(d_th)); cudaCheck(cudaFree(d_tokens));
}

// each case with one block per sequence and with clusters of 2 and 8 (sm_90; elsewhere every launch is one block)
static void test_device_sampler(void) {
    char name[128];
    for (int cb : {1, 2, 8}) {
#define SAMPLER_NAME(base) (snprintf(name, sizeof(name), "%s_c%d", base, cb), name)
        sampler_case(SAMPLER_NAME("device_sampler_matches_host_cdf"), 1001, 1008, 0, 0.7f, 4096, cb);
        sampler_case(SAMPLER_NAME("device_sampler_sparse_weights"), 50280, 50280, 20, 0.7f, 4096, cb);
        sampler_case(SAMPLER_NAME("device_sampler_large_vocab"), 200000, 200000, 0, 0.05f, 256, cb);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_k"), 1001, 1008, 40, 1.0f, 0.8f, 128, 0, cb);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_k_1"), 1001, 1008, 1, 1.0f, 1.0f, 128, 0, cb);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_k_v_minus_1"), 1001, 1008, 1000, 1.0f, 1.0f, 128, 1, cb);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_p"), 1001, 1008, 0, 0.9f, 0.8f, 128, 0, cb);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_p_specials"), 1001, 1008, 0, 0.7f, 0.8f, 128, 1, cb);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_k_top_p"), 50280, 50280, 2000, 0.9f, 1.0f, 4096, 0, cb);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_k_top_p_specials"), 50280, 50280, 2000, 0.9f, 1.0f, 4096, 1, cb);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_p_small"), 50280, 50280, 0, 0.05f, 0.5f, 4096, 0, cb);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_k_past_cap"), 50280, 50280, 6000, 0.95f, 1.0f, 4096, 0, cb);
        // nearly flat rows (an untrained model's): every logit within 0.01 of the max, so the threshold needs
        // the finer pivots below 0.125 (top-k), or passes over the row (top-p alone); with top-k and top-p
        // at temperature 2e-6, so that the logits' steps of 2.4e-6 weigh differently and top-p cuts below top-k
        // (in 251 of the 256 rows by the host's thresholds; at 0.01 all 40 tokens weigh alike and it cuts in 1)
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_k_flat"), 50280, 50280, 40, 1.0f, 1.0f, 4096, 0, cb, 0.01f);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_k_top_p_flat"), 50280, 50280, 40, 0.9f, 2e-6f, 4096, 0, cb, 0.01f);
        sampler_filter_case(SAMPLER_NAME("device_sampler_top_p_flat"), 50280, 50280, 0, 0.9f, 1.0f, 4096, 0, cb, 0.01f);
#undef SAMPLER_NAME
    }
}

// transformers' own checkpoint imports on the GPU and reproduces its logits (bf16 tolerance above)
static void test_hf_import(const char *dir, const char *logits_path, const char *name) {
    Mamba model;
    mamba_build_from_hf(&model, dir);
    HfLogits h;
    load_hf_logits(&h, logits_path);
    size_t n = (size_t)h.B * h.T * h.Vp;
    mamba_forward(&model, h.tokens, NULL, h.B, h.T);
    floatX *tmp = (floatX *)mallocCheck(n * sizeof(floatX));
    float *got = (float *)mallocCheck(n * sizeof(float));
    cudaCheck(cudaMemcpy(tmp, model.acts.logits, n * sizeof(floatX), cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < n; i++) { got[i] = (float)tmp[i]; }
    double err, ref;
    compare_floats(got, h.logits, n, &err, &ref);
    check(err <= TOL_LOGITS * ref, name, "max abs err %.3g vs transformers (max |logit| %.3g)", err, ref);
    free(tmp); free(got); free(h.tokens); free(h.logits);
    mamba_free(&model);
}

/*
-mc on the GPU: test_mamba.c's random eval files (test/mc_file.h) scored in batches (the shape
mc_batch_shape picks for 2B training rows, and B rows of T) against each completion scored alone as a row
of its own length. The rows are the same numbers in other batch shapes, so only the matrix products'
algorithm may change with the number of rows, and with it the fp32 sums' order before a bf16 rounding: a few values
move by one bf16 step (2^-8 relative), a row's summed loss far less. Bound: 1e-2 relative in bf16 (each
row's summed loss; a wrong mask or a cut context moves it by whole token losses, O(1)), 1e-5 in fp32.
The counts must be the choices the batched rows' losses give (the least sum, the least mean, the least sum
per character of test/mc_file.h's token table, the first of equal ones; test_mamba.c checks that rule against the alone losses on the CPU); the cloze examples (one
completion) against the rows alone.
*/
static void test_mc_eval(const Fixture *f, const char *tag) {
#ifdef ENABLE_FP32
    const double tol = 1e-5;
#else
    const double tol = 1e-2;
#endif
    const int V = f->config.vocab_size, B = 6;
    struct { const char *name; int T, max_ctx, max_comp, version; } sets[3] = {
        {"short_rows", 192, 40, 12, 1}, {"long_contexts", f->T, f->T + 30, 12, 1},
        {"context_in_completions", f->T, f->T + 30, 12, 2}, // format version 2: completions that begin with context
    };
    for (int k = 0; k < 3; k++) {
        Mamba model;
        model_from_fixture(&model, f, 1);
        const int T = sets[k].T;
        int cut;
        MCEvalSet s;
        mc_test_set(&s, V, sets[k].max_ctx, sets[k].max_comp, 1234 + (uint64_t)k, B, T, &cut, sets[k].version);
        mamba_ensure_activations(&model, 2 * B, T); // training rows: 2B of T
        int *in = (int *)mallocCheck((size_t)T * sizeof(int)), *tg = (int *)mallocCheck((size_t)T * sizeof(int));
        // the cloze example 3 gets the model's own greedy completion (the row alone's predictions), as in test_mamba.c
        int greedy_made = 0;
        for (int e = 3; e < s.num_examples; e += 8) {
            MCExample x;
            mc_example(&s, e, &x);
            uint16_t *comp = (uint16_t *)x.completion[0];
            int m = x.completion_len[0], ok = x.num_completions == 1;
            for (int j = 0; ok && j < m; j++) {
                int n = mc_test_alone_row(&x, 0, T, in, tg), p = n - m + j; // position p predicts completion token j
                mamba_forward(&model, in, tg, 1, n);
                ok = model.cpu_predictions[p] >= 0 && model.cpu_predictions[p] < V;
                if (ok) { comp[j] = (uint16_t)model.cpu_predictions[p]; }
            }
            greedy_made += ok;
        }
        MCTestTokens tokens; // the per-character choice's lengths (test/mc_file.h)
        mc_test_tokens(&tokens, V);
        if (!mc_set_chars(&s, tokens.table, tokens.len, (uint32_t)V)) { fatalf("mc_set_chars refused the test tokens"); }
        double ref[11 * 5], ref_cloze_loss = 0.0;
        int ref_g[11 * 5]; // each row alone: whether its every scored token is the argmax
        int rows = 0, ref_cloze = 0, ref_greedy = 0;
        for (int e = 0; e < s.num_examples; e++) {
            MCExample x;
            mc_example(&s, e, &x);
            for (int c = 0; c < x.num_completions; c++, rows++) {
                int n = mc_test_alone_row(&x, c, T, in, tg), greedy = 1;
                mamba_forward(&model, in, tg, 1, n);
                double sum = 0.0;
                for (int t = 0; t < n; t++) {
                    if (tg[t] < 0) { continue; }
                    sum += (double)model.cpu_losses[t];
                    greedy &= model.cpu_predictions[t] == tg[t];
                }
                ref[rows] = sum;
                ref_g[rows] = greedy;
                if (x.num_completions == 1) {
                    ref_cloze++;
                    ref_greedy += greedy;
                    ref_cloze_loss += sum;
                }
            }
        }
        free(in);
        free(tg);
        int Bm, Tm;
        mc_batch_shape(&s, 2 * B, T, SCAN_CHUNK, 65535, &Bm, &Tm);
        int shapes[2][2] = {{Bm, Tm}, {B, T}};
        for (int h = 0; h < 2; h++) {
            MCResult r = {0};
            double got[11 * 5];
            int got_g[11 * 5], greedy_rows_differ = 0, cloze_flags = 0;
            evaluate_mc_range(&model, &s, 0, s.num_examples, shapes[h][0], shapes[h][1], &r, got, got_g);
            for (int i = 0; i < rows; i++) { greedy_rows_differ += got_g[i] != ref_g[i]; }
            for (int e = 0; e < s.num_examples; e++) {
                MCExample x;
                mc_example(&s, e, &x);
                cloze_flags += x.num_completions == 1 ? got_g[s.first_row[e]] : 0;
            }
            double worst = 0.0;
            for (int i = 0; i < rows; i++) {
                double e = fabs(got[i] - ref[i]) / fmax(fabs(ref[i]), 1e-30);
                if (e > worst || e != e) { worst = e; }
            }
            int want_sum = 0, want_mean = 0, want_char = 0, row = 0;
            for (int e = 0; e < s.num_examples; e++) { // the choices the batched losses give
                MCExample x;
                mc_example(&s, e, &x);
                if (x.num_completions == 1) {
                    row++;
                    continue;
                }
                int bs = 0, bm = 0;
                for (int c = 1; c < x.num_completions; c++) {
                    if (got[row + c] < got[row + bs]) { bs = c; }
                    int nc = x.completion_len[c] - x.completion_skip[c], nb = x.completion_len[bm] - x.completion_skip[bm]; // scored
                    if (got[row + c] / nc < got[row + bm] / nb) { bm = c; }
                }
                want_sum += bs == x.label;
                want_mean += bm == x.label;
                want_char += mc_test_char_choice(&x, got + row) == x.label;
                row += x.num_completions;
            }
            char name[128];
            snprintf(name, sizeof(name), "%s_mc_eval_matches_each_completion_alone_%s_%s", tag, sets[k].name, h == 0 ? "eval_shape" : "train_shape");
            check(worst <= tol && r.examples == s.num_examples - ref_cloze && r.correct_sum == want_sum && r.correct_mean == want_mean &&
                      r.correct_char == want_char, name,
                  "%d rows (B=%d T=%d): worst rel. loss diff %.3g (bound %.0e); right %d / %d (sum), %d / %d (mean), %d / %d (per "
                  "character), from the losses %d, %d, %d", rows, shapes[h][0], shapes[h][1], worst, tol, r.correct_sum, r.examples,
                  r.correct_mean, r.examples, r.correct_char, r.examples, want_sum, want_mean, want_char);
            // the cloze examples: their summed losses within the bound above; the count the batched rows' greedy flags
            // give; each row's flag (every row's, not only the clozes') the row alone's when the batched losses equal
            // the alone ones bit for bit (the same products), else all but one (bf16 logits whose two largest are within
            // a rounding of each other may swap with another product algorithm); the cloze made greedy greedy
            snprintf(name, sizeof(name), "%s_mc_cloze_matches_each_completion_alone_%s_%s", tag, sets[k].name, h == 0 ? "eval_shape" : "train_shape");
            check(ref_cloze == 2 && greedy_made == 1 && ref_greedy >= 1 && r.cloze_examples == ref_cloze && r.cloze_greedy == cloze_flags &&
                      got_g[s.first_row[3]] == 1 && (worst == 0.0 ? greedy_rows_differ == 0 : greedy_rows_differ <= 1) &&
                      fabs(r.cloze_loss - ref_cloze_loss) <= tol * ref_cloze_loss, name,
                  "%d cloze examples (alone %d), every token the argmax in %d (alone %d; made so %d, now %d), summed loss %.9g "
                  "(alone %.9g); rows whose greedy flag differs from alone %d of %d", r.cloze_examples, ref_cloze, r.cloze_greedy,
                  ref_greedy, greedy_made, got_g[s.first_row[3]], r.cloze_loss, ref_cloze_loss, greedy_rows_differ, rows);
        }
        if (k == 0) {
            char name[128];
            snprintf(name, sizeof(name), "%s_mc_batch_shape_short_rows", tag);
            check(Bm == 6 * B && Tm == 64, name, "B=%d T=%d from B=%d T=%d", Bm, Tm, 2 * B, T);
        }
        mc_test_tokens_free(&tokens);
        mc_free(&s);
        mamba_free(&model);
    }
}

int main(int argc, char **argv) {
    // the fixtures named on the command line, else the two PyTorch fixtures
    const int nfix = argc > 1 ? argc - 1 : 2;
    const char *const *paths = argc > 1 ? (const char *const *)argv + 1 : DEFAULT_FIXTURES;
    device_init(0);
    printf("precision: %s\n", PRECISION_MODE);
    for (int i = 0; i < nfix; i++) {
        Fixture f;
        load_fixture(&f, paths[i]);
        char tag[64];
        fixture_tag(&f, paths[i], tag);
        test_fixture(&f, tag);
        test_step(&f, tag);
        test_graphs(&f, tag, 1, 1);
        test_graphs(&f, tag, 2, 2);
        test_graphs(&f, tag, 0, 3);
        test_accumulation(&f, tag);
        if (f.T >= 64) { test_stream(&f, tag); }
        test_mc_eval(&f, tag);
        free_fixture(&f);
    }
    // the fused recurrent step: 8-value loads (d64: C 64, Di 128), one value per load (d18: C 18,
    // Di 36, N 5; d36: C 36 only), N above the 16 lanes of a channel, no selection, every batch size
    // the kernels are compiled for, the fallback, inputs wider than the default 48 KB of shared
    // memory, and the 130m layer shape (where the kernels overlap most)
    test_fused_step("d64:l2:v300", 1, 40, 11);
    test_fused_step("d64:l2:v300", 3, 40, 12);
    test_fused_step("d64:l2:v300", 8, 40, 13);
    test_fused_step("d18:l2:v101:n5:r3", 1, 40, 19);
    test_fused_step("d18:l2:v101:n5:r3", 2, 40, 14);
    test_fused_step("d18:l2:v101:n5:r3", 5, 40, 15);
    test_fused_step("d36:l2:v200", 6, 40, 20);
    test_fused_step("d64:l2:v300:n24", 2, 40, 21);
    test_fused_step("d40:l2:v256:s0", 4, 40, 16);
    test_fused_step("d64:l2:v300", 9, 4, 17);
    test_fused_step("d2048:l1:v256", 8, 12, 18); // 64 KB (bf16) / 128 KB (fp32) of shared memory: the opt-in
    test_fused_step("d768:l3:v1000", 1, 24, 22);
    test_fused_step("d768:l3:v1000", 8, 24, 23);
    test_accuracy_counts("d16:l1:v8", 31, 0);
    test_accuracy_counts("d16:l1:v1000", 32, 0);
    test_accuracy_counts("d16:l1:v50280", 33, 0);
    test_accuracy_counts("d16:l1:v65536", 34, 0);
    test_accuracy_counts("d16:l1:v8", 35, 4); // ties within a lane's values, across lanes, across warps
    test_accuracy_counts("d16:l1:v1000", 36, 3);
    test_accuracy_counts("d16:l1:v1000", 37, 500);
    test_accuracy_counts("d16:l1:v50280", 38, 25140);
    test_accuracy_counts("d16:l1:v65536", 39, 3);
    test_device_sampler();
    test_hf_import("test/fixtures/hf_tiny_fp32", "test/fixtures/hf_tiny_logits.bin", "hf_import_fp32_matches_transformers");
    test_hf_import("test/fixtures/hf_tiny_bf16", "test/fixtures/hf_tiny_bf16_logits.bin", "hf_import_bf16_matches_transformers");
    return test_summary();
}
