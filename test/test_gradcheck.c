/*
Finite-difference gradient checks of every backward pass of train_mamba.c, in double precision.

    gcc -O2 -Wall -Wextra -DREAL_IS_DOUBLE -DTESTING -o test_gradcheck test/test_gradcheck.c -lm -lcjson
    (optionally with -fopenmp -DOMP)
    ./test_gradcheck

Method, per layer: seeded random inputs and a random upstream gradient w shaped like the output;
the scalar f = sum(out * w); the analytic gradients from the backward pass into zeroed buffers
(backward passes accumulate); the numerical ones by central differences (f(x+h) - f(x-h)) / 2h,
for every input element. The whole model is checked the same way on the mean loss, recomputed
in double from acts.losses (model.mean_loss is a float).

Prints one line per check and ends with "N passed, M failed"; exit code 1 if anything failed.
*/
#ifndef REAL_IS_DOUBLE
#define REAL_IS_DOUBLE
#endif
#ifndef TESTING
#define TESTING
#endif
#ifndef _OPENMP
// without -fopenmp, -Wall warns about every "#pragma omp" of the trainer: expected, and harmless
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#endif
#include "../train_mamba.c"
#define TEST_PASS_STYLE TEST_PASS_PARENS // "PASS name (detail)"
#include "test_util.h"

/*
Step and tolerance. f is a sum of O(1) terms computed in double, so its rounding error is about
eps * |terms| ~ 1e-16 * O(10); the central difference divides that by 2h: ~1e-16 * 10 / 2e-6 ~ 5e-10.
Its truncation error is h^2 / 6 * f''' ~ 1e-13 for O(1) third derivatives. Both are far below
1e-7 * max(1, max|grad|), while a wrong term in a backward pass gives errors of the order of the
gradient itself (>= 5e-4 here). The tolerance is relative to the largest gradient of the tensor
because the rounding error of f scales with the size of its terms.
*/
#define FD_H 1e-6
#define FD_TOL 1e-7

static uint64_t rng = 0x5EEDF00DULL;

static double urand(double lo, double hi) { return lo + (hi - lo) * random_f64(&rng); }

static void fill(real *x, size_t n, double lo, double hi) {
    for (size_t i = 0; i < n; i++) { x[i] = urand(lo, hi); }
}

static real *alloc_fill(size_t n, double lo, double hi) {
    real *x = (real *)mallocCheck((n > 0 ? n : 1) * sizeof(real));
    fill(x, n, lo, hi);
    return x;
}

static real *alloc_zero(size_t n) { return (real *)callocCheck(n > 0 ? n : 1, sizeof(real)); }

static real *alloc_nan(size_t n) {
    real *x = (real *)mallocCheck((n > 0 ? n : 1) * sizeof(real));
    for (size_t i = 0; i < n; i++) { x[i] = NAN; }
    return x;
}

static double dot(const real *a, const real *b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) { s += (double)a[i] * b[i]; }
    return s;
}

// ----------------------------------------------------------------------------
// the comparison

typedef double (*Objective)(void *ctx);

typedef struct {
    double max_abs, max_rel, max_grad; // errors, and max |analytic|, |numeric|
    size_t count;
} Stats;

static void stats_init(Stats *s) { memset(s, 0, sizeof(*s)); }

static void stats_add(Stats *s, double a, double num) {
    double err = fabs(a - num);
    double den = fmax(fmax(fabs(a), fabs(num)), 1e-8);
    if (isnan(err) || err > s->max_abs) { if (!isnan(s->max_abs)) { s->max_abs = err; } }
    if (isnan(err) || err / den > s->max_rel) { if (!isnan(s->max_rel)) { s->max_rel = err / den; } }
    s->max_grad = fmax(s->max_grad, fmax(fabs(a), fabs(num)));
    s->count++;
}

// the central difference of f in x[i]; x[i] is restored exactly
static double central_difference(Objective f, void *ctx, real *x, size_t i) {
    real x0 = x[i];
    x[i] = x0 + FD_H;
    real xp = x[i];
    double fp = f(ctx);
    x[i] = x0 - FD_H;
    real xm = x[i];
    double fm = f(ctx);
    x[i] = x0;
    return (fp - fm) / (double)(xp - xm); // the steps actually taken
}

// elements x[r * ld + c], r < rows, c < cols, against the analytic gradient g (same layout)
static Stats fd_compare(Objective f, void *ctx, real *x, const real *g, int rows, int cols, int ld) {
    Stats s;
    stats_init(&s);
#ifdef OMP
    // the thousands of tiny forward passes of the differences run on one thread: fork/join of
    // many threads per pass costs far more than the work, and spin-waiting threads on a busy
    // machine slow it by 100x. The backward passes under test still run on all threads (and the
    // forward results do not depend on the number of threads).
    int threads = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            size_t i = (size_t)r * ld + c;
            stats_add(&s, g[i], central_difference(f, ctx, x, i));
        }
    }
#ifdef OMP
    omp_set_num_threads(threads);
#endif
    return s;
}

// expect_nonzero: the gradient must not vanish (else the check would pass vacuously)
static void report(const char *name, Stats s, int expect_nonzero) {
    double tol = FD_TOL * fmax(1.0, s.max_grad);
    if (isnan(s.max_abs) || isnan(s.max_rel)) {
        check(0, name, "NaN in the gradients (%zu elements)", s.count);
    } else if (expect_nonzero && s.max_grad == 0.0) {
        check(0, name, "gradient identically zero over %zu elements: vacuous check", s.count);
    } else if (!expect_nonzero && s.max_grad != 0.0) {
        check(0, name, "expected a zero gradient, found max |grad| %.3e", s.max_grad);
    } else {
        check(s.max_abs <= tol, name, "max abs err %.2e, max rel err %.2e, max |grad| %.2e, tol %.1e, n=%zu",
              s.max_abs, s.max_rel, s.max_grad, tol, s.count);
    }
}

static void check_full(const char *name, Objective f, void *ctx, real *x, const real *g, size_t n) {
    report(name, fd_compare(f, ctx, x, g, 1, (int)n, (int)n), 1);
}

/*
The accumulate contract: after a first backward pass into zeroed buffers (saved in `first`),
a second one must leave exactly twice the first gradient (to rounding: the second pass may add
its terms one by one onto the first result). Restores the buffers to the first gradient.
*/
typedef struct { real *g; size_t n; real *first; } GradBuf;

static void save_first(GradBuf *bufs, int k) {
    for (int j = 0; j < k; j++) {
        bufs[j].first = (real *)mallocCheck(bufs[j].n * sizeof(real));
        memcpy(bufs[j].first, bufs[j].g, bufs[j].n * sizeof(real));
    }
}

static void check_doubled(const char *name, GradBuf *bufs, int k) {
    double max_err = 0.0, max_g = 0.0;
    for (int j = 0; j < k; j++) {
        for (size_t i = 0; i < bufs[j].n; i++) {
            double e = fabs(bufs[j].g[i] - 2.0 * bufs[j].first[i]);
            if (isnan(e) || e > max_err) { if (!isnan(max_err)) { max_err = e; } }
            max_g = fmax(max_g, fabs(bufs[j].first[i]));
        }
        memcpy(bufs[j].g, bufs[j].first, bufs[j].n * sizeof(real));
        free(bufs[j].first);
    }
    char full[128];
    snprintf(full, sizeof(full), "accumulate %s", name);
    check(max_err <= 1e-12 * fmax(1.0, max_g), full, "max abs err of 2 x first pass %.2e", max_err);
}

// ----------------------------------------------------------------------------
// encoder

typedef struct { int B, T, C; const int *inp; real *wte, *out, *w; } EncoderCtx;

static double encoder_f(void *p) {
    EncoderCtx *c = (EncoderCtx *)p;
    encoder_forward(c->out, c->inp, c->wte, c->B, c->T, c->C);
    return dot(c->out, c->w, (size_t)c->B * c->T * c->C);
}

static void test_encoder(void) {
    int V = 6, B = 2, T = 5, C = 3;
    int inp[10] = {1, 4, 1, 0, 5, 4, 4, 2, 1, 0}; // repeats: rows shared by several tokens; row 3 unused
    EncoderCtx c = {B, T, C, inp, alloc_fill((size_t)V * C, -1, 1), alloc_zero((size_t)B * T * C),
                    alloc_fill((size_t)B * T * C, -1, 1)};
    real *dwte = alloc_zero((size_t)V * C);
    encoder_backward(dwte, c.w, inp, B, T, C);
    GradBuf bufs[] = {{dwte, (size_t)V * C, NULL}};
    save_first(bufs, 1);
    encoder_backward(dwte, c.w, inp, B, T, C);
    check_doubled("encoder", bufs, 1);
    check_full("encoder dwte", encoder_f, &c, c.wte, dwte, (size_t)V * C);
    free(c.wte); free(c.out); free(c.w); free(dwte);
}

// ----------------------------------------------------------------------------
// rmsnorm

typedef struct { int B, T, C; real *inp, *weight, *out, *rstd, *w; } RmsnormCtx;

static double rmsnorm_f(void *p) {
    RmsnormCtx *c = (RmsnormCtx *)p;
    rmsnorm_forward(c->out, c->rstd, c->inp, c->weight, c->B, c->T, c->C);
    return dot(c->out, c->w, (size_t)c->B * c->T * c->C);
}

static void test_rmsnorm(void) {
    int B = 2, T = 3, C = 5;
    size_t n = (size_t)B * T * C;
    RmsnormCtx c = {B, T, C, alloc_fill(n, -2, 2), alloc_fill(C, 0.5, 1.5), alloc_zero(n), alloc_zero((size_t)B * T),
                    alloc_fill(n, -1, 1)};
    c.inp[C] *= 1e-3; // and one element of it 1e-5 in all
    for (int i = 0; i < C; i++) { c.inp[C + i] *= 1e-2; } // one small row: rstd large, eps matters
    real *dinp = alloc_zero(n), *dweight = alloc_zero(C);
    rmsnorm_f(&c); // the cache (rstd) at the unperturbed point
    rmsnorm_backward(dinp, dweight, c.w, c.inp, c.weight, c.rstd, B, T, C);
    GradBuf bufs[] = {{dinp, n, NULL}, {dweight, (size_t)C, NULL}};
    save_first(bufs, 2);
    rmsnorm_backward(dinp, dweight, c.w, c.inp, c.weight, c.rstd, B, T, C);
    check_doubled("rmsnorm", bufs, 2);
    check_full("rmsnorm dinp", rmsnorm_f, &c, c.inp, dinp, n);
    check_full("rmsnorm dweight", rmsnorm_f, &c, c.weight, dweight, C);
    free(c.inp); free(c.weight); free(c.out); free(c.rstd); free(c.w); free(dinp); free(dweight);
}

// ----------------------------------------------------------------------------
// residual

typedef struct { size_t n; real *a, *b, *out, *w; } ResidualCtx;

static double residual_f(void *p) {
    ResidualCtx *c = (ResidualCtx *)p;
    residual_forward(c->out, c->a, c->b, c->n);
    return dot(c->out, c->w, c->n);
}

static void test_residual(void) {
    size_t n = 11;
    ResidualCtx c = {n, alloc_fill(n, -1, 1), alloc_fill(n, -1, 1), alloc_zero(n), alloc_fill(n, -1, 1)};
    real *da = alloc_zero(n), *db = alloc_zero(n);
    residual_backward(da, db, c.w, n);
    GradBuf bufs[] = {{da, n, NULL}, {db, n, NULL}};
    save_first(bufs, 2);
    residual_backward(da, db, c.w, n);
    check_doubled("residual", bufs, 2);
    check_full("residual dinp1", residual_f, &c, c.a, da, n);
    check_full("residual dinp2", residual_f, &c, c.b, db, n);
    free(c.a); free(c.b); free(c.out); free(c.w); free(da); free(db);
}

// ----------------------------------------------------------------------------
// matmul

typedef struct { int BT, IC, OC, ldi; real *inp, *weight, *bias, *out, *w; } MatmulCtx;

static double matmul_f(void *p) {
    MatmulCtx *c = (MatmulCtx *)p;
    matmul_forward(c->out, c->inp, c->ldi, c->weight, c->bias, c->BT, c->IC, c->OC);
    return dot(c->out, c->w, (size_t)c->BT * c->OC);
}

static void test_matmul(const char *label, int BT, int IC, int OC, int ldi, int has_bias) {
    size_t ni = (size_t)BT * ldi, nw = (size_t)OC * IC;
    MatmulCtx c = {BT, IC, OC, ldi, alloc_fill(ni, -1, 1), alloc_fill(nw, -1, 1),
                   has_bias ? alloc_fill(OC, -1, 1) : NULL, alloc_zero((size_t)BT * OC), alloc_fill((size_t)BT * OC, -1, 1)};
    real *dinp = alloc_zero(ni), *dweight = alloc_zero(nw), *dbias = has_bias ? alloc_zero(OC) : NULL;
    matmul_backward(dinp, dweight, dbias, c.w, c.inp, ldi, c.weight, BT, IC, OC);
    GradBuf bufs[] = {{dinp, ni, NULL}, {dweight, nw, NULL}, {dbias, (size_t)OC, NULL}};
    int nb = has_bias ? 3 : 2;
    save_first(bufs, nb);
    matmul_backward(dinp, dweight, dbias, c.w, c.inp, ldi, c.weight, BT, IC, OC);
    char name[128];
    snprintf(name, sizeof(name), "matmul (%s)", label);
    check_doubled(name, bufs, nb);
    snprintf(name, sizeof(name), "matmul (%s) dinp", label);
    report(name, fd_compare(matmul_f, &c, c.inp, dinp, BT, IC, ldi), 1);
    if (ldi > IC) {
        // the columns of the wider buffer outside the slice: not read, so no gradient, and untouched
        snprintf(name, sizeof(name), "matmul (%s) dinp outside the slice", label);
        report(name, fd_compare(matmul_f, &c, c.inp + IC, dinp + IC, BT, ldi - IC, ldi), 0);
    }
    snprintf(name, sizeof(name), "matmul (%s) dweight", label);
    check_full(name, matmul_f, &c, c.weight, dweight, nw);
    if (has_bias) {
        snprintf(name, sizeof(name), "matmul (%s) dbias", label);
        check_full(name, matmul_f, &c, c.bias, dbias, OC);
    }
    free(c.inp); free(c.weight); free(c.bias); free(c.out); free(c.w); free(dinp); free(dweight); free(dbias);
}

// ----------------------------------------------------------------------------
// conv1d

typedef struct { int B, T, Di, K, ldx; real *x, *wt, *bias, *out, *w; } ConvCtx;

static double conv_f(void *p) {
    ConvCtx *c = (ConvCtx *)p;
    conv1d_forward(c->out, c->x, c->ldx, NULL, c->wt, c->bias, c->B, c->T, c->Di, c->K);
    return dot(c->out, c->w, (size_t)c->B * c->T * c->Di);
}

static void test_conv1d(int B, int T, int Di, int K, int ldx) {
    size_t nx = (size_t)B * T * ldx, nw = (size_t)Di * K, no = (size_t)B * T * Di;
    ConvCtx c = {B, T, Di, K, ldx, alloc_fill(nx, -1, 1), alloc_fill(nw, -1, 1), alloc_fill(Di, -1, 1),
                 alloc_zero(no), alloc_fill(no, -1, 1)};
    real *dx = alloc_zero(nx), *dw = alloc_zero(nw), *db = alloc_zero(Di);
    conv1d_backward(dx, dw, db, c.w, c.x, ldx, c.wt, B, T, Di, K);
    GradBuf bufs[] = {{dx, nx, NULL}, {dw, nw, NULL}, {db, (size_t)Di, NULL}};
    save_first(bufs, 3);
    conv1d_backward(dx, dw, db, c.w, c.x, ldx, c.wt, B, T, Di, K);
    char name[128];
    snprintf(name, sizeof(name), "conv1d (T=%d K=%d ldx=%d)", T, K, ldx);
    check_doubled(name, bufs, 3);
    snprintf(name, sizeof(name), "conv1d (T=%d K=%d ldx=%d) dx", T, K, ldx);
    report(name, fd_compare(conv_f, &c, c.x, dx, B * T, Di, ldx), 1);
    if (ldx > Di) {
        snprintf(name, sizeof(name), "conv1d (T=%d K=%d ldx=%d) dx outside the slice", T, K, ldx);
        report(name, fd_compare(conv_f, &c, c.x + Di, dx + Di, B * T, ldx - Di, ldx), 0);
    }
    snprintf(name, sizeof(name), "conv1d (T=%d K=%d ldx=%d) dw", T, K, ldx);
    check_full(name, conv_f, &c, c.wt, dw, nw);
    snprintf(name, sizeof(name), "conv1d (T=%d K=%d ldx=%d) dbias", T, K, ldx);
    check_full(name, conv_f, &c, c.bias, db, Di);
    free(c.x); free(c.wt); free(c.bias); free(c.out); free(c.w); free(dx); free(dw); free(db);
}

// ----------------------------------------------------------------------------
// silu, softplus (pointwise)

typedef struct { size_t n; int which; real *inp, *out, *w; } PointwiseCtx; // which: 0 silu, 1 softplus

static double pointwise_f(void *p) {
    PointwiseCtx *c = (PointwiseCtx *)p;
    if (c->which == 0) { silu_forward(c->out, c->inp, c->n); } else { softplus_forward(c->out, c->inp, c->n); }
    return dot(c->out, c->w, c->n);
}

static void pointwise_backward(int which, real *dinp, const real *dout, const real *inp, size_t n) {
    if (which == 0) { silu_backward(dinp, dout, inp, n); } else { softplus_backward(dinp, dout, inp, n); }
}

static void test_pointwise(int which, const real *values, size_t n) {
    PointwiseCtx c = {n, which, alloc_zero(n), alloc_zero(n), alloc_fill(n, -1, 1)};
    memcpy(c.inp, values, n * sizeof(real));
    real *dinp = alloc_zero(n);
    const char *label = which == 0 ? "silu" : "softplus";
    pointwise_backward(which, dinp, c.w, c.inp, n);
    GradBuf bufs[] = {{dinp, n, NULL}};
    save_first(bufs, 1);
    pointwise_backward(which, dinp, c.w, c.inp, n);
    check_doubled(label, bufs, 1);
    char name[64];
    snprintf(name, sizeof(name), "%s dinp", label);
    check_full(name, pointwise_f, &c, c.inp, dinp, n);
    free(c.inp); free(c.out); free(c.w); free(dinp);
}

// Above 20 softplus is the identity, and its derivative exactly 1. The finite differences cannot
// tell that from sigmoid(v) (1 - sigmoid(20.5) ~ 1.25e-9, under the tolerance), so check the bits.
static void test_softplus_identity_branch(void) {
    const real v[] = {20.5, 25, 30, 100}, dout[] = {0.75, -1.3, 2.1, -0.4};
    real out[4], dinp[4] = {0, 0, 0, 0};
    softplus_forward(out, v, 4);
    softplus_backward(dinp, dout, v, 4);
    int ok = 1;
    for (int i = 0; i < 4; i++) { ok &= out[i] == v[i] && dinp[i] == dout[i]; }
    check(ok, "softplus above 20", "out = v and dinp = dout exactly (the identity branch)");
}

// ----------------------------------------------------------------------------
// selective scan

typedef struct {
    int B, T, Di, N, R, X, chunk;
    real *u, *delta, *A_log, *xdbl, *D, *y, *states, *w;
} ScanCtx;

static double scan_f(void *p) {
    ScanCtx *c = (ScanCtx *)p;
    selective_scan_forward(c->y, c->states, NULL, c->u, c->delta, c->A_log, c->xdbl + c->R, c->xdbl + c->R + c->N, c->X,
                           c->D, c->B, c->T, c->Di, c->N, c->chunk);
    return dot(c->y, c->w, (size_t)c->B * c->T * c->Di);
}

/*
Bm and Cm are the column slices [R, R+N) and [R+N, R+2N) of an x_proj output (B*T, X = R+2N),
as in the model; dBm and dCm go to the same slices of one gradient buffer.
*/
static void test_scan(int B, int T, int Di, int N, int R, int chunk) {
    int X = R + 2 * N, NC = (T + chunk - 1) / chunk;
    size_t nu = (size_t)B * T * Di, nx = (size_t)B * T * X, nA = (size_t)Di * N;
    size_t nscratch = selective_scan_scratch_size(B, Di, N, chunk);
    ScanCtx c = {B, T, Di, N, R, X, chunk,
                 alloc_fill(nu, -1.5, 1.5),  // u
                 alloc_fill(nu, 0.05, 1.5),  // delta = softplus(...) > 0
                 alloc_fill(nA, -1.0, 1.5),  // A_log: A in [-4.5, -0.37]
                 alloc_fill(nx, -1, 1),      // x_proj output [dt_r ; B ; C]
                 alloc_fill(Di, -1, 1),      // D
                 alloc_zero(nu), alloc_nan((size_t)B * NC * Di * N), alloc_fill(nu, -1, 1)};
    real *du = alloc_zero(nu), *ddelta = alloc_zero(nu), *dA_log = alloc_zero(nA), *dxdbl = alloc_zero(nx);
    real *dD = alloc_zero(Di);
    real *scratch = (real *)mallocCheck(nscratch * sizeof(real));
    scan_f(&c); // the checkpoints at the unperturbed point
    GradBuf bufs[] = {{du, nu, NULL}, {ddelta, nu, NULL}, {dA_log, nA, NULL}, {dxdbl, nx, NULL}, {dD, (size_t)Di, NULL}};
    for (int pass = 0; pass < 2; pass++) {
        // scratch starts as NaN: the backward pass must not read anything it did not write
        for (size_t i = 0; i < nscratch; i++) { scratch[i] = NAN; }
        selective_scan_backward(du, ddelta, dA_log, dxdbl + R, dxdbl + R + N, dD, scratch, c.w, c.states, c.u,
                                c.delta, c.A_log, c.xdbl + R, c.xdbl + R + N, X, c.D, B, T, Di, N, chunk);
        if (pass == 0) { save_first(bufs, 5); }
    }
    char label[64], name[128];
    snprintf(label, sizeof(label), "scan (B=%d T=%d Di=%d N=%d chunk=%d)", B, T, Di, N, chunk);
    check_doubled(label, bufs, 5);
    snprintf(name, sizeof(name), "%s du", label);
    check_full(name, scan_f, &c, c.u, du, nu);
    snprintf(name, sizeof(name), "%s ddelta", label);
    check_full(name, scan_f, &c, c.delta, ddelta, nu);
    snprintf(name, sizeof(name), "%s dA_log", label);
    check_full(name, scan_f, &c, c.A_log, dA_log, nA);
    snprintf(name, sizeof(name), "%s dBm", label);
    report(name, fd_compare(scan_f, &c, c.xdbl + R, dxdbl + R, B * T, N, X), 1);
    snprintf(name, sizeof(name), "%s dCm", label);
    report(name, fd_compare(scan_f, &c, c.xdbl + R + N, dxdbl + R + N, B * T, N, X), 1);
    snprintf(name, sizeof(name), "%s dxdbl[:, :R] untouched", label);
    report(name, fd_compare(scan_f, &c, c.xdbl, dxdbl, B * T, R, X), 0);
    snprintf(name, sizeof(name), "%s dD", label);
    check_full(name, scan_f, &c, c.D, dD, Di);
    free(scratch);
    free(c.u); free(c.delta); free(c.A_log); free(c.xdbl); free(c.D); free(c.y); free(c.states); free(c.w);
    free(du); free(ddelta); free(dA_log); free(dxdbl); free(dD);
}

// ----------------------------------------------------------------------------
// gate

typedef struct { int BT, Di, ldz; real *y, *z, *out, *w; } GateCtx;

static double gate_f(void *p) {
    GateCtx *c = (GateCtx *)p;
    gate_forward(c->out, c->y, c->z, c->ldz, c->BT, c->Di);
    return dot(c->out, c->w, (size_t)c->BT * c->Di);
}

static void test_gate(int BT, int Di, int ldz) {
    size_t ny = (size_t)BT * Di, nz = (size_t)BT * ldz;
    GateCtx c = {BT, Di, ldz, alloc_fill(ny, -2, 2), alloc_fill(nz, -6, 6), alloc_zero(ny), alloc_fill(ny, -1, 1)};
    real *dy = alloc_zero(ny), *dz = alloc_zero(nz);
    gate_backward(dy, dz, c.w, c.y, c.z, ldz, BT, Di);
    GradBuf bufs[] = {{dy, ny, NULL}, {dz, nz, NULL}};
    save_first(bufs, 2);
    gate_backward(dy, dz, c.w, c.y, c.z, ldz, BT, Di);
    check_doubled("gate", bufs, 2);
    check_full("gate dy", gate_f, &c, c.y, dy, ny);
    report("gate dz (ldz > Di)", fd_compare(gate_f, &c, c.z, dz, BT, Di, ldz), 1);
    report("gate dz outside the slice", fd_compare(gate_f, &c, c.z + Di, dz + Di, BT, ldz - Di, ldz), 0);
    free(c.y); free(c.z); free(c.out); free(c.w); free(dy); free(dz);
}

// ----------------------------------------------------------------------------
// softmax + cross-entropy: f = sum over positions of losses * w (w = dlosses)

typedef struct { int B, T, Vp; const int *targets; real *logits, *probs, *losses, *w; } CeCtx;

static double ce_f(void *p) {
    CeCtx *c = (CeCtx *)p;
    softmax_forward(c->probs, c->logits, c->B, c->T, c->Vp);
    crossentropy_forward(c->losses, c->probs, c->logits, c->targets, c->B, c->T, c->Vp);
    return dot(c->losses, c->w, (size_t)c->B * c->T);
}

static void test_crossentropy(void) {
    int B = 2, T = 4, Vp = 8;
    int targets[8] = {3, -1, 0, 7, 5, 5, -1, 1};
    size_t nl = (size_t)B * T * Vp;
    CeCtx c = {B, T, Vp, targets, alloc_fill(nl, -3, 3), alloc_zero(nl), alloc_zero((size_t)B * T),
               alloc_fill((size_t)B * T, 0.1, 1)};
    // two large logits in row 0 (target 3), at the target and at index 5: exp(800) overflows even in
    // double, so without the max subtraction the loss and its gradient are NaN
    c.logits[3] = 800;
    c.logits[5] = 799;
    c.logits[3 * Vp + Vp - 1] = 850; // row 3 (target 7): the largest logit at the last index
    real *dlogits = alloc_zero(nl);
    ce_f(&c);
    crossentropy_softmax_backward(dlogits, c.w, c.probs, targets, B, T, Vp);
    GradBuf bufs[] = {{dlogits, nl, NULL}};
    save_first(bufs, 1);
    crossentropy_softmax_backward(dlogits, c.w, c.probs, targets, B, T, Vp);
    check_doubled("softmax+crossentropy", bufs, 1);
    check_full("softmax+crossentropy dlogits (targets -1 ignored)", ce_f, &c, c.logits, dlogits, nl);
    // the rows of ignored targets: no gradient at all
    Stats s;
    stats_init(&s);
    for (int bt = 0; bt < B * T; bt++) {
        if (targets[bt] >= 0) { continue; }
        for (int i = 0; i < Vp; i++) {
            size_t k = (size_t)bt * Vp + i;
            stats_add(&s, dlogits[k], central_difference(ce_f, &c, c.logits, k));
        }
    }
    report("softmax+crossentropy dlogits rows of ignored targets", s, 0);
    free(c.logits); free(c.probs); free(c.losses); free(c.w); free(dlogits);
}

// ----------------------------------------------------------------------------
// the whole model: f = mean loss over the valid targets, in double

typedef struct { Mamba *model; const int *inputs, *targets; int B, T; } ModelCtx;

static double model_f(void *p) {
    ModelCtx *c = (ModelCtx *)p;
    mamba_forward(c->model, c->inputs, c->targets, c->B, c->T);
    double sum = 0.0;
    int valid = 0;
    for (int i = 0; i < c->B * c->T; i++) {
        if (c->targets[i] >= 0) { sum += c->model->acts.losses[i]; valid++; }
    }
    return sum / valid;
}

/*
no_selection: the selection ablation (descriptor field s0), whose x_proj reads a constant row of ones
instead of u: a backward of its own (x_proj's weight gradient from the ones, no gradient into u) that
test_mamba's no_selection checks only see as nonzero
*/
static void test_model(int no_selection) {
    MambaConfig cfg = {.vocab_size = 16, .padded_vocab_size = 16, .n_layer = 2, .d_model = 8, .d_inner = 16,
                       .d_state = 4, .d_conv = 3, .dt_rank = 2, .no_selection = no_selection};
    config_validate(&cfg, "test_model");
    enum { B = 2, T = 7 };
    Mamba model;
    mamba_init_random(&model, &cfg, 1234);
    model.scan_chunk = 3; // does not divide T = 7
    // move the parameters away from the init's special values (unit norms, D = 1, A_log = log(n+1),
    // tiny embeddings, tiny dt) so that every term of every gradient matters
    ParameterTensors p = model.params;
    size_t L = cfg.n_layer, C = cfg.d_model, Di = cfg.d_inner, N = cfg.d_state;
    for (size_t i = 0; i < model.param_sizes[0]; i++) { p.wte[i] *= 25.0; } // std 0.5
    for (size_t i = 0; i < L * C; i++) { p.norm_w[i] = urand(0.5, 1.5); }
    for (size_t i = 0; i < C; i++) { p.norm_f_w[i] = urand(0.5, 1.5); }
    for (size_t i = 0; i < L * Di; i++) {
        p.D[i] = urand(-1, 1.5);
        p.dt_proj_b[i] = urand(-2, 1); // delta ~ 0.1 .. 1.3
        p.conv_b[i] = urand(-0.5, 0.5);
    }
    for (size_t i = 0; i < L * Di * N; i++) { p.A_log[i] += urand(-0.5, 0.5); }
    for (size_t i = 0; i < model.param_sizes[5]; i++) { p.x_proj_w[i] *= 2.0; }
    for (size_t i = 0; i < model.param_sizes[10]; i++) { p.out_proj_w[i] *= 3.0; }

    int inputs[B * T], targets[B * T];
    for (int i = 0; i < B * T; i++) {
        inputs[i] = (int)(random_u64(&rng) % cfg.vocab_size);
        targets[i] = (int)(random_u64(&rng) % cfg.vocab_size);
    }
    targets[2] = -1;
    targets[B * T - 1] = -1;
    ModelCtx c = {&model, inputs, targets, B, T};

    model_f(&c);
    mamba_backward(&model, 1.0f);
    GradBuf bufs[] = {{model.grads_memory, model.num_parameters, NULL}};
    save_first(bufs, 1);
    model_f(&c); // backward reads the activations of the last forward
    mamba_backward(&model, 1.0f);
    check_doubled(no_selection ? "mamba_backward (all parameters, no selection)" : "mamba_backward (all parameters)", bufs, 1);

    // every entry of every parameter tensor: ~1600 entries, two tiny forwards each
    size_t offset = 0;
    for (int k = 0; k < NUM_PARAMETER_TENSORS; k++) {
        char name[128];
        snprintf(name, sizeof(name), "model d%s (L=%zu, chunk 3, T 7%s)", PARAMETER_INFO[k].name, L,
                 no_selection ? ", no selection" : "");
        check_full(name, model_f, &c, model.params_memory + offset, model.grads_memory + offset, model.param_sizes[k]);
        offset += model.param_sizes[k];
    }
    mamba_free(&model);
}

int main(void) {
    test_encoder();
    test_rmsnorm();
    test_residual();
    test_matmul("bias", 5, 4, 3, 4, 1);
    test_matmul("no bias", 5, 4, 3, 4, 0);
    test_matmul("bias, ldi 7 > IC 2: dt_proj", 6, 2, 5, 7, 1);
    test_conv1d(2, 6, 3, 4, 6);  // x a slice of rows 6 apart (in_proj output), K=4
    test_conv1d(1, 3, 2, 5, 2);  // K > T: taps entirely before the sequence start
    real silu_in[] = {-8, -4.5, -2, -1, -0.3, -1e-3, 0, 1e-3, 0.3, 1, 2, 4.5, 8, 15, -15, 0.7};
    test_pointwise(0, silu_in, sizeof(silu_in) / sizeof(silu_in[0]));
    // softplus: around 0, moderate, and above 20 (identity branch); none within h of 20
    real softplus_in[] = {-30, -21, -5, -1, -0.1, -1e-4, 0, 1e-4, 0.1, 1, 5, 12, 15, 17.5, 19.5, 20.5, 25, 30, 100};
    test_pointwise(1, softplus_in, sizeof(softplus_in) / sizeof(softplus_in[0]));
    test_softplus_identity_branch();
    test_scan(2, 13, 3, 4, 2, 5);  // chunk does not divide T
    test_scan(2, 13, 3, 4, 2, 1);  // one step per chunk
    test_scan(2, 13, 3, 4, 2, 13); // one chunk exactly
    test_scan(2, 13, 3, 4, 2, 64); // chunk > T
    test_scan(1, 8, 2, 3, 1, 4);   // chunk divides T
    test_gate(6, 4, 8);
    test_crossentropy();
    test_model(0);
    test_model(1);
    return test_summary();
}
