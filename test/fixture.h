/*
The test fixture format (doc/formats.md), shared by the tests of both trainers and by
test/make_cpu_fixture.c. The PASS/FAIL bookkeeping is in test_util.h.
Include after the trainer (it uses llmc/model_config.h and llmc/utils.h).
*/
#ifndef FIXTURE_H
#define FIXTURE_H

#define FIXTURE_MAGIC 20261124
#define FIXTURE_VERSION 1

// max |a - b| and max |b| over n elements
static inline void compare_floats(const float *a, const float *b, size_t n, double *max_err, double *max_ref) {
    *max_err = 0.0;
    *max_ref = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - (double)b[i]);
        if (e > *max_err || e != e) { *max_err = e; } // NaN sticks (a later finite e never replaces it)
        if (fabs((double)b[i]) > *max_ref) { *max_ref = fabs((double)b[i]); }
    }
}

// the worst, over the parameter tensors laid out by sizes, of max |a - b| relative to the tensor's
// largest |b| (an error on an all-zero tensor, or a NaN, counts as infinite); *worst_k: that tensor
static inline double worst_tensor_rel_err(const float *a, const float *b, const size_t sizes[NUM_PARAMETER_TENSORS], int *worst_k) {
    double worst = 0.0, err, ref;
    size_t offset = 0;
    *worst_k = 0;
    for (int k = 0; k < NUM_PARAMETER_TENSORS; k++) {
        compare_floats(a + offset, b + offset, sizes[k], &err, &ref);
        const double rel = ref > 0 ? err / ref : (err == 0 ? 0.0 : INFINITY);
        if (rel > worst || rel != rel) { worst = rel; *worst_k = k; }
        offset += sizes[k];
    }
    return worst;
}

typedef struct {
    MambaConfig config;
    int B, T, steps;
    float hyper[8]; // lr, beta1, beta2, eps, weight_decay, grad_clip, rmsnorm_eps, 0
    float *params, *logits, *grads, *adam_losses;
    float loss;
    int *inputs, *targets;
    size_t num_parameters;
} Fixture;

static inline void load_fixture(Fixture *f, const char *path) {
    FILE *fp = fopenCheck(path, "rb");
    int h[256];
    freadCheck(h, sizeof(int), 256, fp);
    if (h[0] != FIXTURE_MAGIC || h[1] != FIXTURE_VERSION) { fatalf("%s: not a version-1 fixture (magic %d, version %d)", path, h[0], h[1]); }
    MambaConfig *c = &f->config;
    memset(c, 0, sizeof(*c));
    c->vocab_size = h[2]; c->padded_vocab_size = h[3]; c->n_layer = h[4]; c->d_model = h[5];
    c->d_inner = h[6]; c->d_state = h[7]; c->d_conv = h[8]; c->dt_rank = h[9];
    config_validate(c, path);
    f->B = h[10]; f->T = h[11]; f->steps = h[12];
    if (f->B <= 0 || f->T <= 0 || f->steps <= 0 || f->steps > 1000) { fatalf("%s: bad B/T/steps in the fixture header", path); }
    size_t sizes[NUM_PARAMETER_TENSORS];
    size_t n = f->num_parameters = fill_in_parameter_sizes(sizes, c);
    size_t BT = (size_t)f->B * f->T, Vp = c->padded_vocab_size;
    freadCheck(f->hyper, sizeof(float), 8, fp);
    f->params = (float *)mallocCheck(n * sizeof(float));
    f->grads = (float *)mallocCheck(n * sizeof(float));
    f->logits = (float *)mallocCheck(BT * Vp * sizeof(float));
    f->inputs = (int *)mallocCheck(BT * sizeof(int));
    f->targets = (int *)mallocCheck(BT * sizeof(int));
    f->adam_losses = (float *)mallocCheck(f->steps * sizeof(float));
    freadCheck(f->params, sizeof(float), n, fp);
    freadCheck(f->inputs, sizeof(int), BT, fp);
    freadCheck(f->targets, sizeof(int), BT, fp);
    freadCheck(f->logits, sizeof(float), BT * Vp, fp);
    freadCheck(&f->loss, sizeof(float), 1, fp);
    freadCheck(f->grads, sizeof(float), n, fp);
    freadCheck(f->adam_losses, sizeof(float), f->steps, fp);
    char extra;
    if (fread(&extra, 1, 1, fp) != 0) { fatalf("%s: trailing bytes after the fixture", path); }
    fclose(fp);
}


// logits written by dev/ref/make_hf_fixture.py with transformers: header, tokens (B*T), logits (B*T*Vp)
typedef struct { int B, T, Vp; int *tokens; float *logits; } HfLogits;

static inline void load_hf_logits(HfLogits *h, const char *path) {
    FILE *fp = fopenCheck(path, "rb");
    int hdr[256];
    freadCheck(hdr, sizeof(int), 256, fp);
    if (hdr[0] != 20261126 || hdr[1] != 1) { fatalf("%s: not an HF logits file", path); }
    h->B = hdr[2]; h->T = hdr[3]; h->Vp = hdr[4];
    size_t BT = (size_t)h->B * h->T;
    h->tokens = (int *)mallocCheck(BT * sizeof(int));
    h->logits = (float *)mallocCheck(BT * h->Vp * sizeof(float));
    freadCheck(h->tokens, sizeof(int), BT, fp);
    freadCheck(h->logits, sizeof(float), BT * h->Vp, fp);
    fclose(fp);
}

static inline void free_fixture(Fixture *f) {
    free(f->params); free(f->grads); free(f->logits); free(f->inputs); free(f->targets); free(f->adam_losses);
}

// writes a fixture (the same layout load_fixture reads)
static inline void save_fixture(const Fixture *f, const char *path) {
    int h[256] = {0};
    const MambaConfig *c = &f->config;
    h[0] = FIXTURE_MAGIC; h[1] = FIXTURE_VERSION; h[2] = c->vocab_size; h[3] = c->padded_vocab_size;
    h[4] = c->n_layer; h[5] = c->d_model; h[6] = c->d_inner; h[7] = c->d_state; h[8] = c->d_conv; h[9] = c->dt_rank;
    h[10] = f->B; h[11] = f->T; h[12] = f->steps;
    size_t BT = (size_t)f->B * f->T, Vp = c->padded_vocab_size, n = f->num_parameters;
    AtomicFile af;
    atomic_open(&af, path);
    atomic_fwrite(h, sizeof(int), 256, &af);
    atomic_fwrite(f->hyper, sizeof(float), 8, &af);
    atomic_fwrite(f->params, sizeof(float), n, &af);
    atomic_fwrite(f->inputs, sizeof(int), BT, &af);
    atomic_fwrite(f->targets, sizeof(int), BT, &af);
    atomic_fwrite(f->logits, sizeof(float), BT * Vp, &af);
    atomic_fwrite(&f->loss, sizeof(float), 1, &af);
    atomic_fwrite(f->grads, sizeof(float), n, &af);
    atomic_fwrite(f->adam_losses, sizeof(float), f->steps, &af);
    atomic_commit(&af);
}

// the fixtures a test program runs: those named on the command line, else the two PyTorch fixtures
// (test_mamba.c adds mamba_small3, which the GPU tests do not read)
static const char *const DEFAULT_FIXTURES[] = {"test/fixtures/mamba_tiny.bin", "test/fixtures/mamba_small2.bin"};

// a fixture's name in test names and headers: its file name without directory or extension; printed
// with its shape
static inline const char *fixture_tag(const Fixture *f, const char *path, char tag[64]) {
    const char *base = strrchr(path, '/');
    snprintf(tag, 64, "%s", base ? base + 1 : path);
    char *dot = strrchr(tag, '.');
    if (dot) { *dot = '\0'; }
    const MambaConfig *c = &f->config;
    printf("--- %s: V=%d Vp=%d C=%d L=%d Di=%d N=%d K=%d R=%d B=%d T=%d\n", tag, c->vocab_size, c->padded_vocab_size,
           c->d_model, c->n_layer, c->d_inner, c->d_state, c->d_conv, c->dt_rank, f->B, f->T);
    return tag;
}

#endif // FIXTURE_H
