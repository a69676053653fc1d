/*
Writes a fixture (the format of test/fixtures/mamba_tiny.bin) computed by the CPU reference,
for a random model of any shape: the GPU trainer's tests compare against it. The CPU
reference itself is checked against PyTorch and finite differences (test_mamba, test_gradcheck).

    ./make_cpu_fixture <out.bin> <model descriptor> <B> <T> <seed> [learning rate, default 1e-3]

Parameters are the spec's initialisation, then perturbed (A_log, D, dt bias, norms) so every
gradient is far from zero; about 10% of the targets are -1 (ignored).
*/
#define TESTING
#include "../train_mamba.c"
#include "fixture.h"

int main(int argc, char **argv) {
    if (argc != 6 && argc != 7) { fatalf("usage: %s <out.bin> <descriptor> <B> <T> <seed> [learning rate]", argv[0]); }
    Fixture f;
    memset(&f, 0, sizeof(f));
    if (!config_from_descriptor(argv[2], &f.config)) { fatalf("not a model descriptor: %s", argv[2]); }
    f.B = atoi(argv[3]);
    f.T = atoi(argv[4]);
    uint64_t seed = (uint64_t)atoll(argv[5]), rng = seed * 7919 + 3;
    if (f.B <= 0 || f.T <= 0) { fatalf("B and T must be positive"); }
    f.steps = 10;
    float hyper[8] = {1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 1.0f, 1e-5f, 0.0f};
    if (argc == 7) {
        char *end;
        hyper[0] = strtof(argv[6], &end);
        if (*end != '\0' || !(hyper[0] > 0.0f)) { fatalf("not a positive learning rate: %s", argv[6]); }
    }
    memcpy(f.hyper, hyper, sizeof(hyper));

    Mamba model;
    mamba_init_random(&model, &f.config, seed);
    ParameterTensors p = model.params;
    size_t L = f.config.n_layer, C = f.config.d_model, Di = f.config.d_inner, N = f.config.d_state;
    for (size_t i = 0; i < L * C; i++) { p.norm_w[i] = 0.5f + random_f32(&rng); }
    for (size_t i = 0; i < C; i++) { p.norm_f_w[i] = 0.5f + random_f32(&rng); }
    for (size_t i = 0; i < L * Di; i++) {
        p.D[i] = 2.0f * random_f32(&rng) - 0.5f;
        p.dt_proj_b[i] += 2.0f * random_f32(&rng);
    }
    for (size_t i = 0; i < L * Di * N; i++) { p.A_log[i] += 0.5f * (random_f32(&rng) - 0.5f); }
    f.num_parameters = model.num_parameters;
    f.params = (float *)mallocCheck(f.num_parameters * sizeof(float));
    memcpy(f.params, model.params_memory, f.num_parameters * sizeof(float));

    size_t BT = (size_t)f.B * f.T, Vp = f.config.padded_vocab_size;
    f.inputs = (int *)mallocCheck(BT * sizeof(int));
    f.targets = (int *)mallocCheck(BT * sizeof(int));
    for (size_t i = 0; i < BT; i++) {
        f.inputs[i] = (int)(random_u64(&rng) % f.config.vocab_size);
        f.targets[i] = random_f32(&rng) < 0.1f ? -1 : (int)(random_u64(&rng) % f.config.vocab_size);
    }
    mamba_forward(&model, f.inputs, f.targets, f.B, f.T);
    f.loss = model.mean_loss;
    f.logits = (float *)mallocCheck(BT * Vp * sizeof(float));
    memcpy(f.logits, model.acts.logits, BT * Vp * sizeof(float));
    mamba_zero_grad(&model);
    mamba_backward(&model, 1.0f);
    f.grads = (float *)mallocCheck(f.num_parameters * sizeof(float));
    memcpy(f.grads, model.grads_memory, f.num_parameters * sizeof(float));

    f.adam_losses = (float *)mallocCheck(f.steps * sizeof(float));
    for (int step = 0; step < f.steps; step++) {
        if (step > 0) {
            mamba_forward(&model, f.inputs, f.targets, f.B, f.T);
            mamba_zero_grad(&model);
            mamba_backward(&model, 1.0f);
        }
        f.adam_losses[step] = model.mean_loss;
        float norm = mamba_grad_norm(&model);
        mamba_update(&model, f.hyper[0], f.hyper[1], f.hyper[2], f.hyper[3], f.hyper[4],
                     norm > f.hyper[5] ? f.hyper[5] / norm : 1.0f, step + 1);
    }
    save_fixture(&f, argv[1]);
    printf("wrote %s: %s B=%d T=%d loss %.6f\n", argv[1], argv[2], f.B, f.T, f.loss);
    mamba_free(&model);
    return 0;
}
