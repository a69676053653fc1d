/*
Mamba-1 language model training, fp32, on the CPU: the readable reference implementation.

Every layer is a pair of plain functions, <op>_forward and <op>_backward, on flat arrays with
explicit sizes. Backward functions accumulate (+=) into gradient buffers. The model is the one
of the reference implementation (mamba_ssm's MambaLMHeadModel, transformers' MambaForCausalLM):

    r = wte[token]
    per layer:  h = RMSNorm(r) * w_norm
                [x ; z] = W_in h
                u = silu(causal_depthwise_conv1d(x) + b_conv)
                [dt_r ; B ; C] = W_x u
                delta = softplus(W_dt dt_r + b_dt)
                y = selective_scan(u, delta, A = -exp(A_log), B, C) + D * u
                r = r + W_out (y * silu(z))
    logits = wte . RMSNorm_f(r)          (tied LM head)

doc/backward.md derives every backward pass below; doc/formats.md documents the files.
The selective scan keeps only the state at chunk boundaries in the forward pass and
recomputes the states chunk by chunk in the backward pass (see selective_scan_backward).

The layers are written on `real`, which is float. test/test_gradcheck.c compiles this file with
REAL_IS_DOUBLE so that central finite differences can check each backward pass tightly.
*/
#include <assert.h>
#include <ctype.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tgmath.h> // exp, log, sqrt pick the float or double version from their argument
#include <time.h>
#ifdef OMP
#include <omp.h>
#endif
#include "llmc/utils.h"
#include "llmc/rand.h"
#include "llmc/model_config.h"
#include "llmc/schedulers.h"
#include "llmc/logger.h"
#include "llmc/train_common.h"
#include "llmc/hf_io.h"
#include "dataloader.h"
#include "tokenizer.h"

#if defined(REAL_IS_DOUBLE) && !defined(TESTING)
#error "REAL_IS_DOUBLE is for the gradient checks (test/test_gradcheck.c, which defines TESTING): the program's sampling is float only"
#endif
#ifdef REAL_IS_DOUBLE
typedef double real;
#else
typedef float real;
#endif

// Default chunk length of the selective scan's checkpoints: the forward pass stores the state
// once every SCAN_CHUNK steps, the backward pass recomputes the states inside each chunk.
#define SCAN_CHUNK 64

// ----------------------------------------------------------------------------
// the layers

// out (B,T,C) = wte[inp]
void encoder_forward(real *out, const int *inp, const real *wte, int B, int T, int C) {
    for (int bt = 0; bt < B * T; bt++) {
        const real *row = wte + (size_t)inp[bt] * C;
        for (int i = 0; i < C; i++) { out[(size_t)bt * C + i] = row[i]; }
    }
}

// sequential over tokens: two tokens may share a row, and the order of the sums is fixed
void encoder_backward(real *dwte, const real *dout, const int *inp, int B, int T, int C) {
    for (int bt = 0; bt < B * T; bt++) {
        real *row = dwte + (size_t)inp[bt] * C;
        for (int i = 0; i < C; i++) { row[i] += dout[(size_t)bt * C + i]; }
    }
}

// out (B,T,C) = inp * rstd * weight, rstd (B,T) = 1 / sqrt(mean(inp^2) + eps)
void rmsnorm_forward(real *out, real *rstd, const real *inp, const real *weight, int B, int T, int C) {
    const real eps = 1e-5;
    #pragma omp parallel for
    for (int bt = 0; bt < B * T; bt++) {
        const real *x = inp + (size_t)bt * C;
        real ss = 0;
        for (int i = 0; i < C; i++) { ss += x[i] * x[i]; }
        real s = 1 / sqrt(ss / C + eps);
        for (int i = 0; i < C; i++) { out[(size_t)bt * C + i] = x[i] * s * weight[i]; }
        rstd[bt] = s;
    }
}

// with g = dout * weight:  dinp += rstd * g - inp * rstd^3 * mean(g * inp);  dweight += dout * inp * rstd
// (the second term is rstd's own dependence on inp: d rstd / d inp[j] = -rstd^3 * inp[j] / C)
void rmsnorm_backward(real *dinp, real *dweight, const real *dout, const real *inp, const real *weight,
                      const real *rstd, int B, int T, int C) {
    #pragma omp parallel for
    for (int bt = 0; bt < B * T; bt++) {
        const real *x = inp + (size_t)bt * C;
        const real *dy = dout + (size_t)bt * C;
        real s = rstd[bt];
        real dot = 0;
        for (int i = 0; i < C; i++) { dot += dy[i] * weight[i] * x[i]; }
        real coef = s * s * s * dot / C;
        for (int i = 0; i < C; i++) { dinp[(size_t)bt * C + i] += s * dy[i] * weight[i] - coef * x[i]; }
    }
    // the weight gradient sums over tokens: one thread per channel keeps the order fixed
    #pragma omp parallel for
    for (int i = 0; i < C; i++) {
        real acc = 0;
        for (int bt = 0; bt < B * T; bt++) { acc += dout[(size_t)bt * C + i] * inp[(size_t)bt * C + i] * rstd[bt]; }
        dweight[i] += acc;
    }
}

void residual_forward(real *out, const real *inp1, const real *inp2, size_t n) {
    for (size_t i = 0; i < n; i++) { out[i] = inp1[i] + inp2[i]; }
}

void residual_backward(real *dinp1, real *dinp2, const real *dout, size_t n) {
    for (size_t i = 0; i < n; i++) {
        dinp1[i] += dout[i];
        dinp2[i] += dout[i];
    }
}

// The matrix products work on tiles of MM_ROWS x MM_ROWS: four rows of one operand against four
// rows of the other, so that each row loaded is used four times (the forward's products 1.4-1.6x faster on
// the CPU machine than four rows against one, whole steps 1.09-1.48x; doc/perf.md). Every output element is
// still its own sum.
#define MM_ROWS 4

/*
out (BT, OC) = inp (BT, IC) @ weight^T (weight is (OC, IC)) + bias (OC, may be NULL).
Rows of inp are `ldi` apart, so a column slice of a wider buffer (dt_r inside x_proj's
output) is read in place. Tiles of 4 tokens x 4 outputs: 16 dot products, each a simd reduction
of its own; the edges (fewer than 4 tokens or outputs left) one dot product at a time. How a simd
reduction splits its sum is the compiler's choice: with gcc the tiles give the bits of one dot
product at a time, with clang not always (compared over 15,400 shapes, 2026-12-01).
*/
void matmul_forward(real *out, const real *inp, int ldi, const real *weight, const real *bias,
                    int BT, int IC, int OC) {
    #pragma omp parallel for
    for (int bt0 = 0; bt0 < BT; bt0 += MM_ROWS) {
        int rows = BT - bt0 < MM_ROWS ? BT - bt0 : MM_ROWS;
        int o = 0;
        if (rows == MM_ROWS) {
            for (; o + MM_ROWS <= OC; o += MM_ROWS) {
                const real *x0 = inp + (size_t)bt0 * ldi, *x1 = x0 + ldi, *x2 = x1 + ldi, *x3 = x2 + ldi;
                const real *w0 = weight + (size_t)o * IC, *w1 = w0 + IC, *w2 = w1 + IC, *w3 = w2 + IC;
                real b0 = 0, b1 = 0, b2 = 0, b3 = 0;
                if (bias != NULL) { b0 = bias[o]; b1 = bias[o + 1]; b2 = bias[o + 2]; b3 = bias[o + 3]; }
                // v<token><output>
                real v00 = b0, v01 = b1, v02 = b2, v03 = b3, v10 = b0, v11 = b1, v12 = b2, v13 = b3;
                real v20 = b0, v21 = b1, v22 = b2, v23 = b3, v30 = b0, v31 = b1, v32 = b2, v33 = b3;
                #pragma omp simd reduction(+:v00, v01, v02, v03, v10, v11, v12, v13, v20, v21, v22, v23, v30, v31, v32, v33)
                for (int i = 0; i < IC; i++) {
                    real p0 = x0[i], p1 = x1[i], p2 = x2[i], p3 = x3[i];
                    real q0 = w0[i], q1 = w1[i], q2 = w2[i], q3 = w3[i];
                    v00 += p0 * q0; v01 += p0 * q1; v02 += p0 * q2; v03 += p0 * q3;
                    v10 += p1 * q0; v11 += p1 * q1; v12 += p1 * q2; v13 += p1 * q3;
                    v20 += p2 * q0; v21 += p2 * q1; v22 += p2 * q2; v23 += p2 * q3;
                    v30 += p3 * q0; v31 += p3 * q1; v32 += p3 * q2; v33 += p3 * q3;
                }
                real *y = out + (size_t)bt0 * OC + o;
                y[0] = v00; y[1] = v01; y[2] = v02; y[3] = v03;
                y += OC;
                y[0] = v10; y[1] = v11; y[2] = v12; y[3] = v13;
                y += OC;
                y[0] = v20; y[1] = v21; y[2] = v22; y[3] = v23;
                y += OC;
                y[0] = v30; y[1] = v31; y[2] = v32; y[3] = v33;
            }
        }
        for (; o < OC; o++) {
            const real *w = weight + (size_t)o * IC;
            real b = bias != NULL ? bias[o] : 0;
            for (int k = 0; k < rows; k++) {
                const real *x = inp + (size_t)(bt0 + k) * ldi;
                real val = b;
                #pragma omp simd reduction(+:val)
                for (int i = 0; i < IC; i++) { val += x[i] * w[i]; }
                out[(size_t)(bt0 + k) * OC + o] = val;
            }
        }
    }
}

// rows a0..a3 [0, n) += c[r][0] * s0 + c[r][1] * s1 + c[r][2] * s2 + c[r][3] * s3, the four terms
// added to each element one after another in a register: the tile of both gradient loops below
static inline void tile4_accumulate(real *a0, real *a1, real *a2, real *a3, const real c[4][4], const real *s0,
                                    const real *s1, const real *s2, const real *s3, int n) {
    #pragma omp simd
    for (int i = 0; i < n; i++) {
        real q0 = s0[i], q1 = s1[i], q2 = s2[i], q3 = s3[i];
        real p0 = a0[i], p1 = a1[i], p2 = a2[i], p3 = a3[i];
        p0 += c[0][0] * q0; p0 += c[0][1] * q1; p0 += c[0][2] * q2; p0 += c[0][3] * q3;
        p1 += c[1][0] * q0; p1 += c[1][1] * q1; p1 += c[1][2] * q2; p1 += c[1][3] * q3;
        p2 += c[2][0] * q0; p2 += c[2][1] * q1; p2 += c[2][2] * q2; p2 += c[2][3] * q3;
        p3 += c[3][0] * q0; p3 += c[3][1] * q1; p3 += c[3][2] * q2; p3 += c[3][3] * q3;
        a0[i] = p0; a1[i] = p1; a2[i] = p2; a3[i] = p3;
    }
}

/*
dinp (BT, IC; rows ldi apart) += dout @ weight (skipped when dinp is NULL);
dweight (OC, IC) += dout^T @ inp;  dbias += sum dout
The input gradient: tiles of 4 rows of dinp taking the terms of 4 outputs; the weight gradient:
tiles of 4 rows of dweight taking the terms of 4 tokens (tile4_accumulate). What is left past the
last tile (fewer than four rows, outputs or tokens) goes one row and one term at a time, after the
tiles. So every element gets the same additions in the same order as one row and one term at a time
would (the same bits, unless the compiler fuses a*b+c into one multiply-add in one loop and not in
the other: doc/backward.md section 13). The four rows of a tile are read and written back together,
so rows of dinp must not overlap (ldi >= IC); a constant input (ldi = 0) has no input gradient.
*/
void matmul_backward(real *dinp, real *dweight, real *dbias, const real *dout, const real *inp, int ldi,
                     const real *weight, int BT, int IC, int OC) {
    assert(dinp == NULL || ldi >= IC);
    if (dinp != NULL) {
        #pragma omp parallel for
        for (int bt0 = 0; bt0 < BT; bt0 += MM_ROWS) {
            int rows = BT - bt0 < MM_ROWS ? BT - bt0 : MM_ROWS;
            int o = 0;
            if (rows == MM_ROWS) {
                real *dx = dinp + (size_t)bt0 * ldi;
                for (; o + MM_ROWS <= OC; o += MM_ROWS) {
                    const real *w = weight + (size_t)o * IC;
                    real c[4][4]; // c[row][output]
                    for (int r = 0; r < 4; r++) {
                        for (int k = 0; k < 4; k++) { c[r][k] = dout[(size_t)(bt0 + r) * OC + o + k]; }
                    }
                    tile4_accumulate(dx, dx + ldi, dx + 2 * (size_t)ldi, dx + 3 * (size_t)ldi, c, w, w + IC, w + 2 * (size_t)IC,
                                     w + 3 * (size_t)IC, IC);
                }
            }
            // the outputs past the last tile (all of them in a group of fewer than 4 rows)
            for (int k = 0; k < rows; k++) {
                real *dx = dinp + (size_t)(bt0 + k) * ldi;
                for (int oo = o; oo < OC; oo++) {
                    const real *w = weight + (size_t)oo * IC;
                    real go = dout[(size_t)(bt0 + k) * OC + oo];
                    #pragma omp simd
                    for (int i = 0; i < IC; i++) { dx[i] += go * w[i]; }
                }
            }
        }
    }
    // one thread per group of output rows: each sum over tokens runs in a fixed order (deterministic)
    #pragma omp parallel for
    for (int o0 = 0; o0 < OC; o0 += MM_ROWS) {
        int rows = OC - o0 < MM_ROWS ? OC - o0 : MM_ROWS;
        int bt = 0;
        if (rows == MM_ROWS) {
            real *dw = dweight + (size_t)o0 * IC;
            for (; bt + MM_ROWS <= BT; bt += MM_ROWS) {
                const real *x = inp + (size_t)bt * ldi;
                real c[4][4]; // c[output row][token]
                for (int r = 0; r < 4; r++) {
                    for (int k = 0; k < 4; k++) { c[r][k] = dout[(size_t)(bt + k) * OC + o0 + r]; }
                }
                tile4_accumulate(dw, dw + IC, dw + 2 * (size_t)IC, dw + 3 * (size_t)IC, c, x, x + ldi, x + 2 * (size_t)ldi,
                                 x + 3 * (size_t)ldi, IC);
            }
        }
        // the tokens past the last tile (all of them for a group of fewer than 4 rows), then the bias
        for (int k = 0; k < rows; k++) {
            real *dw = dweight + (size_t)(o0 + k) * IC;
            for (int t = bt; t < BT; t++) {
                const real *x = inp + (size_t)t * ldi;
                real go = dout[(size_t)t * OC + o0 + k];
                #pragma omp simd
                for (int i = 0; i < IC; i++) { dw[i] += go * x[i]; }
            }
            if (dbias != NULL) {
                real db = 0;
                for (int t = 0; t < BT; t++) { db += dout[(size_t)t * OC + o0 + k]; }
                dbias[o0 + k] += db;
            }
        }
    }
}

/*
Causal depthwise conv1d: out[b,t,d] = bias[d] + sum_k w[d,k] * x[b, t-(K-1)+k, d]. x rows are `ldx`
apart (x is the first half of in_proj's output). Before the start of the sequence x is 0, or, when
a stream goes on from an earlier chunk, x_prev (B, Di, K): the last K inputs seen, oldest first
(the recurrent conv state), so x[b, -j, d] = x_prev[b, d, K-j].
*/
void conv1d_forward(real *out, const real *x, int ldx, const real *x_prev, const real *w, const real *bias,
                    int B, int T, int Di, int K) {
    #pragma omp parallel for collapse(2)
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++) {
            real *o = out + ((size_t)b * T + t) * Di;
            for (int d = 0; d < Di; d++) { o[d] = bias[d]; }
            for (int k = 0; k < K; k++) {
                int ts = t - (K - 1) + k;
                if (ts >= 0) {
                    const real *xs = x + ((size_t)b * T + ts) * ldx;
                    for (int d = 0; d < Di; d++) { o[d] += w[(size_t)d * K + k] * xs[d]; }
                } else if (x_prev != NULL) {
                    const real *xp = x_prev + (size_t)b * Di * K + K + ts;
                    for (int d = 0; d < Di; d++) { o[d] += w[(size_t)d * K + k] * xp[(size_t)d * K]; }
                }
            }
        }
    }
}

// after a chunk of T inputs: the conv state (B, Di, K) becomes the last K inputs of the stream
void conv1d_state_update(real *x_prev, const real *x, int ldx, int B, int T, int Di, int K) {
    for (int b = 0; b < B; b++) {
        for (int d = 0; d < Di; d++) {
            real *st = x_prev + ((size_t)b * Di + d) * K;
            for (int k = 0; k < K; k++) { // input T-K+k; from the old state when that is before this chunk
                int ts = T - K + k;        // (st[k + T] with k + T > k: not yet overwritten)
                st[k] = ts >= 0 ? x[((size_t)b * T + ts) * ldx + d] : st[k + T];
            }
        }
    }
}

// each input x[ts] fed the outputs t = ts + (K-1) - k that exist (t < T):  dx[ts] += w[k] * dout[t];
// dw[d,k] += sum_{b,t} dout[t] * x[t-(K-1)+k] (the zeros before the start add nothing), dbias += sum_{b,t} dout[t]
void conv1d_backward(real *dx, real *dw, real *dbias, const real *dout, const real *x, int ldx,
                     const real *w, int B, int T, int Di, int K) {
    #pragma omp parallel for collapse(2)
    for (int b = 0; b < B; b++) {
        for (int ts = 0; ts < T; ts++) {
            real *dxs = dx + ((size_t)b * T + ts) * ldx;
            for (int k = 0; k < K; k++) {
                int t = ts + (K - 1) - k;
                if (t >= T) { continue; }
                const real *g = dout + ((size_t)b * T + t) * Di;
                for (int d = 0; d < Di; d++) { dxs[d] += w[(size_t)d * K + k] * g[d]; }
            }
        }
    }
    #pragma omp parallel for
    for (int d = 0; d < Di; d++) {
        real db = 0;
        real dwk[64] = {0}; // K <= 64 (config_validate)
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                real g = dout[((size_t)b * T + t) * Di + d];
                db += g;
                for (int k = 0; k < K; k++) {
                    int ts = t - (K - 1) + k;
                    if (ts >= 0) { dwk[k] += g * x[((size_t)b * T + ts) * ldx + d]; }
                }
            }
        }
        dbias[d] += db;
        for (int k = 0; k < K; k++) { dw[(size_t)d * K + k] += dwk[k]; }
    }
}

// the sigmoid on `real` (tgmath's exp follows it: double in the gradient checks)
static inline real sigmoidr(real v) { return 1 / (1 + exp(-v)); }

/*
exp(x) for the scan's decays exp(delta * A), B*T*Di*N of them per pass. libm's expf is a call per
value (a quarter of a CPU training step); this form has no calls or branches, so the compiler can
vectorise a loop of them. x = k ln2 + r, k = round(x / ln2), |r| <= ln2/2 (ln2 split in two so
that k ln2 is exact); exp(r) by its Taylor series to r^7/7! (the rest is below 1e-8 of it); 2^k
as two powers of two, so that subnormal results and overflow come out as IEEE arithmetic rounds
them. Within 2 ulp of the exact value; NaN stays NaN. The double build keeps libm's exp.
*/
#ifdef REAL_IS_DOUBLE
static inline real exp_vec(real x) { return exp(x); }
#else
static inline real exp_vec(real x) {
    x = x > 89.0f ? 89.0f : x; // exp overflows above 88.7228 (ln FLT_MAX); below -104 every result rounds to 0
    x = x < -104.0f ? -104.0f : x;
    float k = rintf(x * 1.44269504f);      // round(x / ln2); a vector instruction, not a call
    float r = x - k * 0.693145751953125f;  // ln2's first 16 bits: exact product
    r = r - k * 1.42860677e-6f;            // the rest of ln2
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720; p = p * r + 1.0f / 120; p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6; p = p * r + 0.5f; p = p * r + 1.0f; p = p * r + 1.0f;
    int ki = (int)(k == k ? k : 0.0f), k1 = ki / 2, k2 = ki - k1; // k in [-150, 128]: k1, k2 in [-75, 64], normal powers of two
    int32_t b1 = (k1 + 127) << 23, b2 = (k2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, 4);
    memcpy(&s2, &b2, 4);
    return p * s1 * s2;
}
#endif

// silu(v) = v * sigmoid(v)
void silu_forward(real *out, const real *inp, size_t n) {
    #pragma omp parallel for
    for (size_t i = 0; i < n; i++) { out[i] = inp[i] * sigmoidr(inp[i]); }
}

// silu'(v) = sigmoid(v) * (1 + v * (1 - sigmoid(v)))
void silu_backward(real *dinp, const real *dout, const real *inp, size_t n) {
    #pragma omp parallel for
    for (size_t i = 0; i < n; i++) {
        real s = sigmoidr(inp[i]);
        dinp[i] += dout[i] * s * (1 + inp[i] * (1 - s));
    }
}

// softplus(v) = log(1 + exp(v)), and v itself above 20 (as the reference implementation)
void softplus_forward(real *out, const real *inp, size_t n) {
    #pragma omp parallel for
    for (size_t i = 0; i < n; i++) { out[i] = inp[i] > 20 ? inp[i] : log1p(exp(inp[i])); }
}

// softplus'(v) = sigmoid(v); exactly 1 above 20, the derivative of the identity branch the forward takes
void softplus_backward(real *dinp, const real *dout, const real *inp, size_t n) {
    #pragma omp parallel for
    for (size_t i = 0; i < n; i++) { dinp[i] += dout[i] * (inp[i] > 20 ? 1 : sigmoidr(inp[i])); }
}

/*
Selective scan with D skip, for each batch row b and channel d, over t = 0..T-1:
    s[t,n] = exp(delta[t] * A[n]) * s[t-1,n] + delta[t] * Bm[t,n] * u[t],   s[-1] = 0,  A = -exp(A_log)
    y[t]   = sum_n Cm[t,n] * s[t,n] + D * u[t]
u, delta, y are (B,T,Di); Bm, Cm are (B,T,N) slices of x_proj's output with rows `ldbc` apart.
Only the state entering each chunk of `chunk` steps is kept: states (B, NC, Di, N),
NC = ceil(T / chunk). That is all the backward pass needs to rebuild the rest.
carry (B, Di, N), when not NULL, is a stream's state: s[-1] is read from it and s[T-1] written back.
*/
void selective_scan_forward(real *y, real *states, real *carry, const real *u, const real *delta, const real *A_log,
                            const real *Bm, const real *Cm, int ldbc, const real *D,
                            int B, int T, int Di, int N, int chunk) {
    int NC = (T + chunk - 1) / chunk;
    #pragma omp parallel for collapse(2)
    for (int b = 0; b < B; b++) {
        for (int d = 0; d < Di; d++) {
            real A[256], s[256]; // N <= 256 (config_validate)
            real *sc = carry != NULL ? carry + ((size_t)b * Di + d) * N : NULL;
            for (int n = 0; n < N; n++) {
                A[n] = -exp(A_log[(size_t)d * N + n]);
                s[n] = sc != NULL ? sc[n] : 0;
            }
            for (int t = 0; t < T; t++) {
                if (t % chunk == 0) {
                    real *cp = states + (((size_t)b * NC + t / chunk) * Di + d) * N;
                    for (int n = 0; n < N; n++) { cp[n] = s[n]; }
                }
                size_t bt = (size_t)b * T + t;
                real dl = delta[bt * Di + d], ut = u[bt * Di + d];
                const real *Bt = Bm + bt * ldbc, *Ct = Cm + bt * ldbc;
                real acc = 0;
                #pragma omp simd reduction(+:acc)
                for (int n = 0; n < N; n++) {
                    s[n] = exp_vec(dl * A[n]) * s[n] + dl * Bt[n] * ut;
                    acc += Ct[n] * s[n];
                }
                y[bt * Di + d] = acc + D[d] * ut;
            }
            if (sc != NULL) {
                for (int n = 0; n < N; n++) { sc[n] = s[n]; }
            }
        }
    }
}

/*
Reverse scan. Let g[t,n] = dL/ds[t,n] (the total gradient reaching state s[t,n]). Since s[t]
feeds y[t] through Cm[t] and s[t+1] through the decay exp(delta[t+1] A):
    g[t,n] = dy[t] * Cm[t,n] + g[t+1,n] * exp(delta[t+1] * A[n]),   g[T,n] = 0
and with dA[t,n] = exp(delta[t] A[n]) (the decay, named as in mamba_ssm: not a gradient) and
s[t,n] = dA[t,n] s[t-1,n] + delta[t] Bm[t,n] u[t], whose partials are ds[t,n]/ddelta[t] =
A[n] dA[t,n] s[t-1,n] + Bm[t,n] u[t] and ds[t,n]/dA[n] = delta[t] dA[t,n] s[t-1,n]:
    dCm[t,n]    += dy[t] * s[t,n]
    dBm[t,n]    += g[t,n] * delta[t] * u[t]
    du[t]       += sum_n g[t,n] * delta[t] * Bm[t,n]  + dy[t] * D[d]
    ddelta[t]   += sum_n g[t,n] * (s[t-1,n] * dA[t,n] * A[n] + Bm[t,n] * u[t])
    dA_log[d,n] += sum_{b,t} g[t,n] * s[t-1,n] * dA[t,n] * delta[t] * A[n]   (A = -exp(A_log) is its own derivative in A_log)
    dD[d]       += sum_{b,t} dy[t] * u[t]
Cm[t] reaches the loss only through y[t], so dCm takes dy[t], not g. Bm and Cm are shared by the
Di channels of a token, so dBm and dCm also sum over d.
The states s[t] are needed again: chunk by chunk from the last, they are recomputed from the
checkpoint that entered the chunk into a buffer of chunk+1 states (and the decays dA[t] into
another, so the walk back does not compute them again), then walked backwards (doc/backward.md
8.1-8.4: the derivation, the loop line by line, and a worked example of the chunks).

Parallel over b: dBm and dCm sum over channels d and dA_log, dD over b, so each b sums its
channels in order and keeps its own dA_log / dD partials (scratch), added up in b order at the
end. The result does not depend on the number of threads.
scratch: B * (2 * Di * N + Di) + B * (2 * chunk + 1) * N reals (selective_scan_scratch_size).
*/
size_t selective_scan_scratch_size(int B, int Di, int N, int chunk) {
    return (size_t)B * (2 * (size_t)Di * N + Di) + (size_t)B * (2 * chunk + 1) * N;
}

void selective_scan_backward(real *du, real *ddelta, real *dA_log, real *dBm, real *dCm, real *dD,
                             real *scratch, const real *dy, const real *states, const real *u,
                             const real *delta, const real *A_log, const real *Bm, const real *Cm, int ldbc,
                             const real *D, int B, int T, int Di, int N, int chunk) {
    int NC = (T + chunk - 1) / chunk;
    size_t per_b = 2 * (size_t)Di * N + Di;
    #pragma omp parallel for
    for (int b = 0; b < B; b++) {
        real *g = scratch + b * per_b;            // (Di, N) per channel: exp(delta[t+1]A) g[t+1], dL/ds[t] through s[t+1]
        real *dA_log_b = g + (size_t)Di * N;      // (Di, N) this row's dA_log
        real *dD_b = dA_log_b + (size_t)Di * N;   // (Di) this row's dD
        real *sbuf = scratch + B * per_b + (size_t)b * (2 * chunk + 1) * N; // (chunk+1, N) states of one chunk
        real *abuf = sbuf + (size_t)(chunk + 1) * N;                        // (chunk, N) its decays dA
        for (size_t i = 0; i < per_b; i++) { g[i] = 0; } // g, dA_log_b and dD_b: contiguous, all three zeroed
        for (int c = NC - 1; c >= 0; c--) {
            int t0 = c * chunk, t1 = t0 + chunk < T ? t0 + chunk : T;
            for (int d = 0; d < Di; d++) {
                real A[256];
                for (int n = 0; n < N; n++) { A[n] = -exp(A_log[(size_t)d * N + n]); }
                // recompute: sbuf[0] = state entering the chunk, sbuf[i+1] = s[t0+i], abuf[i] = dA[t0+i];
                // the forward's expression from its checkpoint, so the forward's states (bitwise when the compiler
                // contracts both loops alike: test_mamba's scan_chunk_invariance checks it)
                const real *cp = states + (((size_t)b * NC + c) * Di + d) * N;
                for (int n = 0; n < N; n++) { sbuf[n] = cp[n]; }
                for (int t = t0; t < t1; t++) {
                    size_t bt = (size_t)b * T + t;
                    real dl = delta[bt * Di + d], ut = u[bt * Di + d];
                    real *sp = sbuf + (size_t)(t - t0) * N, *sn = sp + N, *a = abuf + (size_t)(t - t0) * N;
                    for (int n = 0; n < N; n++) {
                        a[n] = exp_vec(dl * A[n]);
                        sn[n] = a[n] * sp[n] + dl * Bm[bt * ldbc + n] * ut;
                    }
                }
                // reverse through the chunk. gd is kept between chunks: leaving chunk c it holds
                // dA[t0] g[t0], what the last step of chunk c-1 needs; after t = 0 it is dL/ds[-1], unused (s[-1] = 0)
                real *gd = g + (size_t)d * N;
                for (int t = t1 - 1; t >= t0; t--) {
                    size_t bt = (size_t)b * T + t;
                    real dl = delta[bt * Di + d], ut = u[bt * Di + d], dyt = dy[bt * Di + d];
                    const real *s_prev = sbuf + (size_t)(t - t0) * N, *s_t = s_prev + N, *a = abuf + (size_t)(t - t0) * N;
                    const real *Bt = Bm + bt * ldbc, *Ct = Cm + bt * ldbc;
                    real *dBt = dBm + bt * ldbc, *dCt = dCm + bt * ldbc;
                    real du_t = dyt * D[d], ddelta_t = 0;
                    #pragma omp simd reduction(+:du_t, ddelta_t)
                    for (int n = 0; n < N; n++) {
                        real gn = gd[n] + dyt * Ct[n];  // g[t,n] (doc/backward.md 8.1)
                        real dA = a[n];
                        dCt[n] += dyt * s_t[n];
                        dBt[n] += gn * dl * ut;
                        du_t += gn * dl * Bt[n];
                        ddelta_t += gn * (s_prev[n] * dA * A[n] + Bt[n] * ut);
                        dA_log_b[(size_t)d * N + n] += gn * s_prev[n] * dA * dl * A[n];
                        gd[n] = gn * dA; // dA[t] g[t]: the gradient s[t-1] gets through s[t]
                    }
                    du[bt * Di + d] += du_t;
                    ddelta[bt * Di + d] += ddelta_t;
                    dD_b[d] += dyt * ut;
                }
            }
        }
    }
    for (int b = 0; b < B; b++) {
        const real *dA_log_b = scratch + b * per_b + (size_t)Di * N;
        const real *dD_b = dA_log_b + (size_t)Di * N;
        for (size_t i = 0; i < (size_t)Di * N; i++) { dA_log[i] += dA_log_b[i]; }
        for (int d = 0; d < Di; d++) { dD[d] += dD_b[d]; }
    }
}

// z gate: out = y * silu(z); z rows are `ldz` apart (second half of in_proj's output)
void gate_forward(real *out, const real *y, const real *z, int ldz, int BT, int Di) {
    #pragma omp parallel for
    for (int bt = 0; bt < BT; bt++) {
        for (int d = 0; d < Di; d++) {
            real zv = z[(size_t)bt * ldz + d];
            out[(size_t)bt * Di + d] = y[(size_t)bt * Di + d] * zv * sigmoidr(zv);
        }
    }
}

// dy += dout * silu(z);  dz += dout * y * silu'(z), with silu' as in silu_backward
void gate_backward(real *dy, real *dz, const real *dout, const real *y, const real *z, int ldz, int BT, int Di) {
    #pragma omp parallel for
    for (int bt = 0; bt < BT; bt++) {
        for (int d = 0; d < Di; d++) {
            real zv = z[(size_t)bt * ldz + d], s = sigmoidr(zv), g = dout[(size_t)bt * Di + d];
            dy[(size_t)bt * Di + d] += g * zv * s;
            dz[(size_t)bt * ldz + d] += g * y[(size_t)bt * Di + d] * s * (1 + zv * (1 - s));
        }
    }
}

// probs (B,T,Vp) = softmax(logits) over all Vp entries, as the reference implementation
void softmax_forward(real *probs, const real *logits, int B, int T, int Vp) {
    #pragma omp parallel for
    for (int bt = 0; bt < B * T; bt++) {
        const real *l = logits + (size_t)bt * Vp;
        real *p = probs + (size_t)bt * Vp;
        real maxv = l[0];
        for (int i = 1; i < Vp; i++) { maxv = l[i] > maxv ? l[i] : maxv; }
        real sum = 0;
        for (int i = 0; i < Vp; i++) { p[i] = exp(l[i] - maxv); sum += p[i]; }
        for (int i = 0; i < Vp; i++) { p[i] /= sum; }
    }
}

/*
losses (B,T) = -log probs[target]; a target of -1 is ignored (loss 0). A probability below the smallest
normal number (the target's logit ~87 or more below the row's largest in fp32; past ~104 it is 0 and
-log gives inf) takes the same loss from the logits instead: max + log(sum exp(l - max)) - l[target],
finite as the reference's log_softmax (and the GPU's classifier) gives it.
*/
void crossentropy_forward(real *losses, const real *probs, const real *logits, const int *targets, int B, int T, int Vp) {
    for (int bt = 0; bt < B * T; bt++) {
        if (targets[bt] < 0) { losses[bt] = 0; continue; }
        real p = probs[(size_t)bt * Vp + targets[bt]];
        if (isnormal(p)) { losses[bt] = -log(p); continue; }
        const real *l = logits + (size_t)bt * Vp;
        real maxv = l[0], sum = 0;
        for (int i = 1; i < Vp; i++) { maxv = l[i] > maxv ? l[i] : maxv; }
        for (int i = 0; i < Vp; i++) { sum += exp(l[i] - maxv); }
        losses[bt] = maxv + log(sum) - l[targets[bt]];
    }
}

// d(-log softmax[target]) / dlogits = probs - onehot(target), scaled by dlosses
void crossentropy_softmax_backward(real *dlogits, const real *dlosses, const real *probs, const int *targets,
                                   int B, int T, int Vp) {
    #pragma omp parallel for
    for (int bt = 0; bt < B * T; bt++) {
        if (targets[bt] < 0) { continue; }
        real *dl = dlogits + (size_t)bt * Vp;
        const real *p = probs + (size_t)bt * Vp;
        for (int i = 0; i < Vp; i++) { dl[i] += (p[i] - (i == targets[bt])) * dlosses[bt]; }
    }
}

// ----------------------------------------------------------------------------
// the model: one allocation each for parameters, gradients and activations

typedef struct {
    real *wte;        // (Vp, C)
    real *norm_w;     // (L, C)
    real *in_proj_w;  // (L, 2*Di, C)
    real *conv_w;     // (L, Di, K)
    real *conv_b;     // (L, Di)
    real *x_proj_w;   // (L, R+2N, Di)
    real *dt_proj_w;  // (L, Di, R)
    real *dt_proj_b;  // (L, Di)
    real *A_log;      // (L, Di, N)
    real *D;          // (L, Di)
    real *out_proj_w; // (L, C, Di)
    real *norm_f_w;   // (C)
} ParameterTensors;

// points the named tensors into one flat buffer, in the layout of llmc/model_config.h
void point_parameters(ParameterTensors *p, real *memory, const size_t sizes[NUM_PARAMETER_TENSORS]) {
    real **ptrs[NUM_PARAMETER_TENSORS] = {
        &p->wte, &p->norm_w, &p->in_proj_w, &p->conv_w, &p->conv_b, &p->x_proj_w,
        &p->dt_proj_w, &p->dt_proj_b, &p->A_log, &p->D, &p->out_proj_w, &p->norm_f_w,
    };
    for (int i = 0; i < NUM_PARAMETER_TENSORS; i++) {
        *ptrs[i] = memory;
        memory += sizes[i];
    }
}

#define NUM_ACTIVATION_TENSORS 18
typedef struct {
    real *residual;   // (L+1, B, T, C)     residual stream; [0] the embedding rows, [l+1] after layer l
    real *ln;         // (L, B, T, C)       RMSNorm output h
    real *ln_rstd;    // (L, B, T)
    real *xz;         // (L, B, T, 2*Di)    in_proj output [x ; z]
    real *xc;         // (L, B, T, Di)      conv output, before SiLU
    real *u;          // (L, B, T, Di)      silu(xc): the scan's input
    real *xdbl;       // (L, B, T, R+2N)    x_proj output [dt_r ; B ; C]
    real *dt;         // (L, B, T, Di)      dt_proj output with bias, before softplus
    real *delta;      // (L, B, T, Di)      softplus(dt)
    real *ssm_states; // (L, B, NC, Di, N)  scan state entering each chunk
    real *y;          // (L, B, T, Di)      scan output with the D skip
    real *yg;         // (L, B, T, Di)      y * silu(z)
    real *out;        // (L, B, T, C)       out_proj output
    real *lnf;        // (B, T, C)
    real *lnf_rstd;   // (B, T)
    real *logits;     // (B, T, Vp)
    real *probs;      // (B, T, Vp)
    real *losses;     // (B, T)
} ActivationTensors;

void fill_in_activation_sizes(size_t *act_sizes, const MambaConfig *c, int B, int T, int chunk) {
    size_t L = c->n_layer, C = c->d_model, Di = c->d_inner, N = c->d_state, R = c->dt_rank;
    size_t Vp = c->padded_vocab_size, BT = (size_t)B * T, NC = (T + chunk - 1) / chunk;
    size_t sizes[NUM_ACTIVATION_TENSORS] = {
        (L + 1) * BT * C, L * BT * C, L * BT, L * BT * 2 * Di, L * BT * Di, L * BT * Di, L * BT * (R + 2 * N),
        L * BT * Di, L * BT * Di, L * B * NC * Di * N, L * BT * Di, L * BT * Di, L * BT * C,
        BT * C, BT, BT * Vp, BT * Vp, BT,
    };
    memcpy(act_sizes, sizes, sizeof(sizes));
}

/*
Which activations the backward needs a gradient buffer for, in the struct's order: not the RMSNorm
rstds, the scan checkpoints or the probabilities (the gradient mirror sizes them 0: B*T*Vp reals
fewer, 3.3 GB at the 130m shape with B=8, T=2048).
*/
static const int ACT_HAS_GRAD[NUM_ACTIVATION_TENSORS] = {
    1 /* residual */, 1 /* ln */, 0 /* ln_rstd */, 1 /* xz */, 1 /* xc */, 1 /* u */, 1 /* xdbl */,
    1 /* dt */, 1 /* delta */, 0 /* ssm_states */, 1 /* y */, 1 /* yg */, 1 /* out */,
    1 /* lnf */, 0 /* lnf_rstd */, 1 /* logits */, 0 /* probs */, 1 /* losses */,
};

real *malloc_and_point_activations(ActivationTensors *acts, const size_t *act_sizes) {
    size_t total = 0;
    for (int i = 0; i < NUM_ACTIVATION_TENSORS; i++) { total += act_sizes[i]; }
    real *memory = (real *)callocFor(total, sizeof(real), "the activations", "lower -b or -t");
    real **ptrs[NUM_ACTIVATION_TENSORS] = {
        &acts->residual, &acts->ln, &acts->ln_rstd, &acts->xz, &acts->xc, &acts->u, &acts->xdbl,
        &acts->dt, &acts->delta, &acts->ssm_states, &acts->y, &acts->yg, &acts->out,
        &acts->lnf, &acts->lnf_rstd, &acts->logits, &acts->probs, &acts->losses,
    };
    real *p = memory;
    for (int i = 0; i < NUM_ACTIVATION_TENSORS; i++) {
        *ptrs[i] = p;
        p += act_sizes[i];
    }
    return memory;
}

typedef struct {
    MambaConfig config;
    ParameterTensors params;
    size_t param_sizes[NUM_PARAMETER_TENSORS];
    real *params_memory;
    size_t num_parameters;
    ParameterTensors grads;
    real *grads_memory;
    float *m_memory; // AdamW first moments
    float *v_memory; // AdamW second moments
    // the activations of the last forward pass, and (same layout) their gradients
    ActivationTensors acts;
    size_t act_sizes[NUM_ACTIVATION_TENSORS];
    real *acts_memory;
    ActivationTensors grads_acts; // the same layout, only the tensors of ACT_HAS_GRAD (the others size 0)
    real *grads_acts_memory;
    real *scan_scratch; // selective_scan_backward's (selective_scan_scratch_size reals), shared by all layers
    int scan_chunk; // SCAN_CHUNK unless a test asks for another (before the first forward: the buffers are sized with it)
    int acts_chunk; // the scan_chunk the activations were sized with
    int batch_size; // B of the allocated activations
    int seq_len;    // T
    int fwd_B, fwd_T; // (B, T) of the last forward (at most the allocated B*T tokens)
    // a stream's state (evaluation only): when set, the forward starts from these instead of zeros
    // and leaves the state after its last token in them
    real *carry_conv_state; // (L, B, Di, K) as RecurrentState's conv_state
    real *carry_ssm_state;  // (L, B, Di, N)
    int carried;    // the last forward used them (no backward then: no gradient flows into a state)
    int *inputs;    // (B, T) of the last forward
    int *targets;   // (B, T)
    float mean_loss; // of the last forward with targets, -1 without
    int num_valid;   // targets != -1 in the last forward
    int num_correct; // of those, how many the argmax of the logits got right
    int *predictions; // (B, T) the argmax of the logits (the lowest index of a tie) where there is a target, else -1
    real *ones;       // (Di) the constant x_proj input of the no-selection ablation
} Mamba;

// sets the config and points the parameters into a fresh (zeroed) allocation
void mamba_allocate(Mamba *model, const MambaConfig *config) {
    memset(model, 0, sizeof(*model));
    model->config = *config;
    model->num_parameters = fill_in_parameter_sizes(model->param_sizes, config);
    model->params_memory = (real *)callocFor(model->num_parameters, sizeof(real), "the parameters", "a smaller model (-e)");
    point_parameters(&model->params, model->params_memory, model->param_sizes);
    model->scan_chunk = SCAN_CHUNK;
    model->mean_loss = -1.0f;
    model->ones = (real *)mallocCheck((size_t)config->d_inner * sizeof(real));
    for (int i = 0; i < config->d_inner; i++) { model->ones[i] = 1; }
}

void mamba_init_random(Mamba *model, const MambaConfig *config, uint64_t seed) {
    mamba_allocate(model, config);
    float *tmp = (float *)mallocCheck(model->num_parameters * sizeof(float));
    init_parameters(tmp, model->param_sizes, config, seed);
    for (size_t i = 0; i < model->num_parameters; i++) { model->params_memory[i] = tmp[i]; }
    free(tmp);
}

void mamba_build_from_checkpoint(Mamba *model, const char *path) {
    MambaConfig config;
    size_t n;
    uint32_t crc;
    FILE *fp = open_model_file(path, &config, &n, &crc);
    mamba_allocate(model, &config);
    float *tmp = (float *)mallocCheck(n * sizeof(float));
    read_model_parameters(fp, path, &config, tmp, n, crc);
    for (size_t i = 0; i < n; i++) { model->params_memory[i] = tmp[i]; }
    free(tmp);
}

// a transformers (or mamba_ssm) directory: config.json + model.safetensors or pytorch_model.bin (llmc/hf_io.h)
void mamba_build_from_hf(Mamba *model, const char *dir) {
    MambaConfig config;
    float *tmp;
    size_t n;
    hf_load_model(dir, &config, &tmp, &n);
    mamba_allocate(model, &config);
    for (size_t i = 0; i < n; i++) { model->params_memory[i] = tmp[i]; }
    free(tmp);
}

// eot_token: the tokenizer's end-of-text id, for config.json (-1: none)
void mamba_export_hf(const Mamba *model, const char *dir, int eot_token) {
    float *tmp = (float *)mallocCheck(model->num_parameters * sizeof(float));
    for (size_t i = 0; i < model->num_parameters; i++) { tmp[i] = (float)model->params_memory[i]; }
    hf_save_model(dir, &model->config, tmp, 0, eot_token);
    free(tmp);
    printf("transformers model written to %s\n", dir);
}

void mamba_save(const Mamba *model, const char *path) {
    float *tmp = (float *)mallocCheck(model->num_parameters * sizeof(float));
    for (size_t i = 0; i < model->num_parameters; i++) { tmp[i] = (float)model->params_memory[i]; }
    save_model_file(path, &model->config, tmp, model->num_parameters);
    free(tmp);
}

/*
The activations are sized for (B, T) at the first forward. Later calls may use any shape that fits:
at most B*T tokens and B*ceil(T/chunk) scan checkpoints (so (1, B*T) fits, which the stream
evaluation uses).
*/
static void mamba_ensure_activations(Mamba *model, int B, int T) {
    if (model->acts_memory != NULL) {
        int chunk = model->scan_chunk, Ba = model->batch_size, Ta = model->seq_len;
        if (chunk != model->acts_chunk) {
            fatalf("scan_chunk changed from %d to %d after the activations were sized", model->acts_chunk, chunk);
        }
        if ((size_t)B * T > (size_t)Ba * Ta || (size_t)B * ((T + chunk - 1) / chunk) > (size_t)Ba * ((Ta + chunk - 1) / chunk)) {
            fatalf("batch (B=%d, T=%d) does not fit the allocated activations (B=%d, T=%d)", B, T, Ba, Ta);
        }
        return;
    }
    model->batch_size = B;
    model->seq_len = T;
    model->acts_chunk = model->scan_chunk;
    fill_in_activation_sizes(model->act_sizes, &model->config, B, T, model->scan_chunk);
    model->acts_memory = malloc_and_point_activations(&model->acts, model->act_sizes);
    model->inputs = (int *)mallocCheck((size_t)B * T * sizeof(int));
    model->targets = (int *)mallocCheck((size_t)B * T * sizeof(int));
    model->predictions = (int *)mallocCheck((size_t)B * T * sizeof(int));
}

// layer l's slice of a per-layer activation tensor of `per` elements per token (B, T: the
// calling function's, i.e. the current forward's or backward's batch shape)
#define LAYER(ptr, l, per) ((ptr) + (size_t)(l) * B * T * (per))

/*
Forward pass over inputs (B, T). With targets (B, T; -1 = ignored), also the mean loss over
the valid targets. Tokens are checked against the vocabulary before use.
*/
void mamba_forward(Mamba *model, const int *inputs, const int *targets, int B, int T) {
    mamba_ensure_activations(model, B, T);
    MambaConfig *cfg = &model->config;
    int L = cfg->n_layer, C = cfg->d_model, Di = cfg->d_inner, N = cfg->d_state, K = cfg->d_conv;
    int R = cfg->dt_rank, V = cfg->vocab_size, Vp = cfg->padded_vocab_size, X = R + 2 * N;
    int BT = B * T, chunk = model->scan_chunk, NC = (T + chunk - 1) / chunk;
    for (int i = 0; i < BT; i++) {
        if (inputs[i] < 0 || inputs[i] >= V) { fatalf("input token %d at position %d outside the vocabulary [0, %d)", inputs[i], i, V); }
        if (targets != NULL && (targets[i] < -1 || targets[i] >= V)) {
            fatalf("target %d at position %d outside the vocabulary [0, %d) (or -1 for ignored)", targets[i], i, V);
        }
    }
    memcpy(model->inputs, inputs, (size_t)BT * sizeof(int));
    if (targets != NULL) { memcpy(model->targets, targets, (size_t)BT * sizeof(int)); }
    model->fwd_B = B;
    model->fwd_T = T;
    model->carried = model->carry_ssm_state != NULL;

    ParameterTensors p = model->params;
    ActivationTensors a = model->acts;
    encoder_forward(a.residual, inputs, p.wte, B, T, C);
    for (int l = 0; l < L; l++) {
        real *resin = LAYER(a.residual, l, C);
        real *ln = LAYER(a.ln, l, C), *ln_rstd = LAYER(a.ln_rstd, l, 1), *xz = LAYER(a.xz, l, 2 * Di);
        real *xc = LAYER(a.xc, l, Di), *u = LAYER(a.u, l, Di), *xdbl = LAYER(a.xdbl, l, X);
        real *dt = LAYER(a.dt, l, Di), *delta = LAYER(a.delta, l, Di), *y = LAYER(a.y, l, Di);
        real *yg = LAYER(a.yg, l, Di), *out = LAYER(a.out, l, C), *resout = LAYER(a.residual, l + 1, C);
        real *states = a.ssm_states + (size_t)l * B * NC * Di * N;
        const real *A_log = p.A_log + (size_t)l * Di * N;
        real *conv_carry = model->carried ? model->carry_conv_state + (size_t)l * B * Di * K : NULL;
        real *ssm_carry = model->carried ? model->carry_ssm_state + (size_t)l * B * Di * N : NULL;

        rmsnorm_forward(ln, ln_rstd, resin, p.norm_w + (size_t)l * C, B, T, C);
        matmul_forward(xz, ln, C, p.in_proj_w + (size_t)l * 2 * Di * C, NULL, BT, C, 2 * Di);
        conv1d_forward(xc, xz, 2 * Di, conv_carry, p.conv_w + (size_t)l * Di * K, p.conv_b + (size_t)l * Di, B, T, Di, K);
        if (conv_carry != NULL) { conv1d_state_update(conv_carry, xz, 2 * Di, B, T, Di, K); }
        silu_forward(u, xc, (size_t)BT * Di);
        // selection: dt_r, B, C come from the token; the ablation reads one constant row (stride 0)
        if (cfg->no_selection) {
            matmul_forward(xdbl, model->ones, 0, p.x_proj_w + (size_t)l * X * Di, NULL, BT, Di, X);
        } else {
            matmul_forward(xdbl, u, Di, p.x_proj_w + (size_t)l * X * Di, NULL, BT, Di, X);
        }
        matmul_forward(dt, xdbl, X, p.dt_proj_w + (size_t)l * Di * R, p.dt_proj_b + (size_t)l * Di, BT, R, Di);
        softplus_forward(delta, dt, (size_t)BT * Di);
        selective_scan_forward(y, states, ssm_carry, u, delta, A_log, xdbl + R, xdbl + R + N, X, p.D + (size_t)l * Di,
                               B, T, Di, N, chunk);
        gate_forward(yg, y, xz + Di, 2 * Di, BT, Di);
        matmul_forward(out, yg, Di, p.out_proj_w + (size_t)l * C * Di, NULL, BT, Di, C);
        residual_forward(resout, resin, out, (size_t)BT * C);
    }
    rmsnorm_forward(a.lnf, a.lnf_rstd, LAYER(a.residual, L, C), p.norm_f_w, B, T, C);
    matmul_forward(a.logits, a.lnf, C, p.wte, NULL, BT, C, Vp);
    softmax_forward(a.probs, a.logits, B, T, Vp);

    if (targets == NULL) {
        model->mean_loss = -1.0f;
        return;
    }
    crossentropy_forward(a.losses, a.probs, a.logits, targets, B, T, Vp);
    double sum = 0.0;
    int valid = 0, correct = 0;
    for (int i = 0; i < BT; i++) {
        model->predictions[i] = -1;
        if (targets[i] < 0) { continue; }
        sum += a.losses[i];
        valid++;
        const real *l = a.logits + (size_t)i * Vp;
        int best = 0;
        for (int v = 1; v < Vp; v++) { best = l[v] > l[best] ? v : best; }
        model->predictions[i] = best;
        correct += best == targets[i];
    }
    model->num_valid = valid;
    model->num_correct = correct;
    model->mean_loss = valid > 0 ? (float)(sum / valid) : 0.0f;
}

void mamba_zero_grad(Mamba *model) {
    if (model->grads_memory != NULL) { memset(model->grads_memory, 0, model->num_parameters * sizeof(real)); }
}

/*
Backward pass of the last forward. Accumulates into the parameter gradients, scaled so that
`loss_scale` = 1 gives the gradient of the mean loss of this batch (gradient accumulation
passes 1 / number of micro-steps).
*/
void mamba_backward(Mamba *model, float loss_scale) {
    if (model->mean_loss < 0) { fatalf("mamba_backward: forward was run without targets"); }
    if (model->carried) { fatalf("mamba_backward: the forward carried a stream's state (evaluation only)"); }
    if (model->fwd_B != model->batch_size || model->fwd_T != model->seq_len) { // the backward's scratch has that shape
        fatalf("mamba_backward: the forward ran at (B=%d, T=%d), not the allocated (B=%d, T=%d)", model->fwd_B,
               model->fwd_T, model->batch_size, model->seq_len);
    }
    size_t grad_sizes[NUM_ACTIVATION_TENSORS], total_acts = 0;
    for (int i = 0; i < NUM_ACTIVATION_TENSORS; i++) {
        grad_sizes[i] = ACT_HAS_GRAD[i] ? model->act_sizes[i] : 0;
        total_acts += grad_sizes[i];
    }
    if (model->grads_memory == NULL) {
        model->grads_memory = (real *)callocFor(model->num_parameters, sizeof(real), "the gradients", "a smaller model (-e)");
        point_parameters(&model->grads, model->grads_memory, model->param_sizes);
        model->grads_acts_memory = malloc_and_point_activations(&model->grads_acts, grad_sizes);
    }
    MambaConfig *cfg = &model->config;
    int B = model->fwd_B, T = model->fwd_T;
    int L = cfg->n_layer, C = cfg->d_model, Di = cfg->d_inner, N = cfg->d_state, K = cfg->d_conv;
    int R = cfg->dt_rank, Vp = cfg->padded_vocab_size, X = R + 2 * N;
    int BT = B * T, chunk = model->scan_chunk, NC = (T + chunk - 1) / chunk;
    if (chunk != model->acts_chunk) { fatalf("scan_chunk changed from %d to %d after the forward", model->acts_chunk, chunk); }
    if (model->scan_scratch == NULL) {
        model->scan_scratch = (real *)mallocCheck(selective_scan_scratch_size(B, Di, N, chunk) * sizeof(real));
    }
    memset(model->grads_acts_memory, 0, total_acts * sizeof(real));

    ParameterTensors p = model->params, g = model->grads;
    ActivationTensors a = model->acts, ga = model->grads_acts;
    // the mean over valid targets: every position's dloss is loss_scale / num_valid;
    // crossentropy_softmax_backward skips the positions whose target is -1
    real dloss = model->num_valid > 0 ? (real)loss_scale / model->num_valid : 0;
    for (int i = 0; i < BT; i++) { ga.losses[i] = dloss; }
    crossentropy_softmax_backward(ga.logits, ga.losses, a.probs, model->targets, B, T, Vp);
    // tied LM head: wte is used twice, so its gradient is the sum of this (dlogits^T lnf) and the
    // embedding's rows, which encoder_backward adds at the end
    matmul_backward(ga.lnf, g.wte, NULL, ga.logits, a.lnf, C, p.wte, BT, C, Vp);
    real *res_last = LAYER(a.residual, L, C), *dres_last = LAYER(ga.residual, L, C);
    rmsnorm_backward(dres_last, g.norm_f_w, ga.lnf, res_last, p.norm_f_w, a.lnf_rstd, B, T, C);

    for (int l = L - 1; l >= 0; l--) {
        real *resin = LAYER(a.residual, l, C), *dresin = LAYER(ga.residual, l, C);
        real *ln = LAYER(a.ln, l, C), *ln_rstd = LAYER(a.ln_rstd, l, 1), *xz = LAYER(a.xz, l, 2 * Di);
        real *xc = LAYER(a.xc, l, Di), *u = LAYER(a.u, l, Di), *xdbl = LAYER(a.xdbl, l, X);
        real *dt = LAYER(a.dt, l, Di), *delta = LAYER(a.delta, l, Di), *y = LAYER(a.y, l, Di);
        real *yg = LAYER(a.yg, l, Di);
        real *states = a.ssm_states + (size_t)l * B * NC * Di * N;
        real *dln = LAYER(ga.ln, l, C), *dxz = LAYER(ga.xz, l, 2 * Di), *dxc = LAYER(ga.xc, l, Di);
        real *du = LAYER(ga.u, l, Di), *dxdbl = LAYER(ga.xdbl, l, X), *ddt = LAYER(ga.dt, l, Di);
        real *ddelta = LAYER(ga.delta, l, Di), *dy = LAYER(ga.y, l, Di), *dyg = LAYER(ga.yg, l, Di);
        real *dmix = LAYER(ga.out, l, C), *dresout = LAYER(ga.residual, l + 1, C); // dmix: d(out_proj's output)

        // r + out: both get dresout; rmsnorm_backward at the end of the layer adds the mixer's path to dresin
        residual_backward(dresin, dmix, dresout, (size_t)BT * C);
        matmul_backward(dyg, g.out_proj_w + (size_t)l * C * Di, NULL, dmix, yg, Di,
                        p.out_proj_w + (size_t)l * C * Di, BT, Di, C);
        gate_backward(dy, dxz + Di, dyg, y, xz + Di, 2 * Di, BT, Di);
        selective_scan_backward(du, ddelta, g.A_log + (size_t)l * Di * N, dxdbl + R, dxdbl + R + N,
                                g.D + (size_t)l * Di, model->scan_scratch, dy, states, u, delta,
                                p.A_log + (size_t)l * Di * N, xdbl + R, xdbl + R + N, X, p.D + (size_t)l * Di,
                                B, T, Di, N, chunk);
        softplus_backward(ddt, ddelta, dt, (size_t)BT * Di);
        matmul_backward(dxdbl, g.dt_proj_w + (size_t)l * Di * R, g.dt_proj_b + (size_t)l * Di, ddt, xdbl, X,
                        p.dt_proj_w + (size_t)l * Di * R, BT, R, Di);
        if (cfg->no_selection) { // the constant input gets no gradient; the weights still learn
            matmul_backward(NULL, g.x_proj_w + (size_t)l * X * Di, NULL, dxdbl, model->ones, 0,
                            p.x_proj_w + (size_t)l * X * Di, BT, Di, X);
        } else { // u feeds the scan and x_proj: du holds the scan's part, this adds x_proj's
            matmul_backward(du, g.x_proj_w + (size_t)l * X * Di, NULL, dxdbl, u, Di,
                            p.x_proj_w + (size_t)l * X * Di, BT, Di, X);
        }
        silu_backward(dxc, du, xc, (size_t)BT * Di);
        conv1d_backward(dxz, g.conv_w + (size_t)l * Di * K, g.conv_b + (size_t)l * Di, dxc, xz, 2 * Di,
                        p.conv_w + (size_t)l * Di * K, B, T, Di, K);
        matmul_backward(dln, g.in_proj_w + (size_t)l * 2 * Di * C, NULL, dxz, ln, C,
                        p.in_proj_w + (size_t)l * 2 * Di * C, BT, C, 2 * Di);
        rmsnorm_backward(dresin, g.norm_w + (size_t)l * C, dln, resin, p.norm_w + (size_t)l * C, ln_rstd, B, T, C);
    }
    encoder_backward(g.wte, ga.residual, model->inputs, B, T, C);
}

// ----------------------------------------------------------------------------
// the optimizer

// global L2 norm of the gradients (accumulated in double, in a fixed order)
float mamba_grad_norm(const Mamba *model) {
    double ss = 0.0;
    for (size_t i = 0; i < model->num_parameters; i++) { ss += (double)model->grads_memory[i] * model->grads_memory[i]; }
    return (float)sqrt(ss);
}

// zeroed AdamW moments m, v: at the first update, or before a checkpoint's are loaded into them
void mamba_allocate_optimizer(Mamba *model) {
    model->m_memory = (float *)callocFor(model->num_parameters, sizeof(float), "AdamW's first moments", "a smaller model (-e)");
    model->v_memory = (float *)callocFor(model->num_parameters, sizeof(float), "AdamW's second moments", "a smaller model (-e)");
}

/*
AdamW step `t` (1-based) with gradients first scaled by grad_scale (clipping). Weight decay
applies to the tensors marked `decay` in the layout table of llmc/model_config.h.
*/
void mamba_update(Mamba *model, float learning_rate, float beta1, float beta2, float eps,
                  float weight_decay, float grad_scale, int t) {
    if (model->m_memory == NULL) { mamba_allocate_optimizer(model); }
    float bc1 = 1.0f - powf(beta1, (float)t), bc2 = 1.0f - powf(beta2, (float)t);
    size_t offset = 0;
    for (int k = 0; k < NUM_PARAMETER_TENSORS; k++) {
        float wd = PARAMETER_INFO[k].decay ? weight_decay : 0.0f;
        size_t end = offset + model->param_sizes[k];
        #pragma omp parallel for
        for (size_t i = offset; i < end; i++) {
            float grad = (float)model->grads_memory[i] * grad_scale;
            float m = beta1 * model->m_memory[i] + (1.0f - beta1) * grad;
            float v = beta2 * model->v_memory[i] + (1.0f - beta2) * grad * grad;
            model->m_memory[i] = m;
            model->v_memory[i] = v;
            float mhat = m / bc1, vhat = v / bc2;
            // decoupled weight decay on the parameter before this step: PyTorch's p *= 1 - lr * wd, then the Adam step
            model->params_memory[i] -= learning_rate * (mhat / (sqrtf(vhat) + eps) + wd * (float)model->params_memory[i]);
        }
        offset = end;
    }
}

// test hook (MAMBA_TEST_INJECT_NAN_STEP): what a corrupted batch or an overflow would leave behind
// (NaN), or with MAMBA_TEST_INJECT_VALUE a finite spike in the gradient norm (for -sg)
void mamba_inject_gradient(Mamba *model, float value) { model->grads_memory[0] = value; }

void mamba_free(Mamba *model) {
    free(model->params_memory);
    free(model->grads_memory);
    free(model->m_memory);
    free(model->v_memory);
    free(model->acts_memory);
    free(model->grads_acts_memory);
    free(model->scan_scratch);
    free(model->ones);
    free(model->inputs);
    free(model->targets);
    free(model->predictions);
}

// ----------------------------------------------------------------------------
// recurrent mode: one token per sequence at a time with O(1) state per layer, for generation.
// A batch of `batch` independent sequences steps together.

typedef struct {
    int batch;        // sequences stepping together
    int pos;          // tokens consumed so far
    real *conv_state; // (L, batch, Di, K)  the last K pre-conv x values, oldest first
    real *ssm_state;  // (L, batch, Di, N)
    // one token's activations per sequence, reused by every layer; sizes as in the forward with B*T = batch
    real *r, *h, *xz, *xc, *u, *xdbl, *dt, *delta, *y, *yg, *out, *rstd;
    real *logits;     // (batch, Vp)
    real *memory;
} RecurrentState;

void recurrent_init(RecurrentState *st, const MambaConfig *c, int batch) {
    size_t L = c->n_layer, C = c->d_model, Di = c->d_inner, N = c->d_state, K = c->d_conv;
    size_t X = c->dt_rank + 2 * N, Vp = c->padded_vocab_size, G = batch;
    size_t sizes[] = {L * G * Di * K, L * G * Di * N, G * C, G * C, G * 2 * Di, G * Di, G * Di, G * X, G * Di, G * Di,
                      G * Di, G * Di, G * C, G, G * Vp};
    real **ptrs[] = {&st->conv_state, &st->ssm_state, &st->r, &st->h, &st->xz, &st->xc, &st->u, &st->xdbl,
                     &st->dt, &st->delta, &st->y, &st->yg, &st->out, &st->rstd, &st->logits};
    size_t total = 0;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) { total += sizes[i]; }
    st->memory = (real *)callocFor(total, sizeof(real), "the recurrent states of -gb sequences", "a smaller -gb");
    real *p = st->memory;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) { *ptrs[i] = p; p += sizes[i]; }
    st->batch = batch;
    st->pos = 0;
}

void recurrent_free(RecurrentState *st) { free(st->memory); }

// the conv for one token per sequence: shift x into the state, then the same sum as conv1d_forward
void conv1d_step(real *out, real *conv_state, const real *x, int ldx, const real *w, const real *bias,
                 int G, int Di, int K) {
    for (int g = 0; g < G; g++) {
        for (int d = 0; d < Di; d++) {
            real *cs = conv_state + ((size_t)g * Di + d) * K;
            for (int k = 0; k < K - 1; k++) { cs[k] = cs[k + 1]; }
            cs[K - 1] = x[(size_t)g * ldx + d];
            real acc = bias[d];
            for (int k = 0; k < K; k++) { acc += w[(size_t)d * K + k] * cs[k]; }
            out[(size_t)g * Di + d] = acc;
        }
    }
}

// the scan for one token per sequence: the recurrence of selective_scan_forward, state carried outside
void selective_scan_step(real *y, real *ssm_state, const real *u, const real *delta, const real *A_log,
                         const real *Bm, const real *Cm, int ldbc, const real *D, int G, int Di, int N) {
    for (int g = 0; g < G; g++) {
        const real *Bt = Bm + (size_t)g * ldbc, *Ct = Cm + (size_t)g * ldbc;
        for (int d = 0; d < Di; d++) {
            size_t gd = (size_t)g * Di + d;
            real *s = ssm_state + gd * N, acc = 0;
            for (int n = 0; n < N; n++) {
                real A = -exp(A_log[(size_t)d * N + n]);
                s[n] = exp_vec(delta[gd] * A) * s[n] + delta[gd] * Bt[n] * u[gd];
                acc += Ct[n] * s[n];
            }
            y[gd] = acc + D[d] * u[gd];
        }
    }
}

// consumes one token of each sequence (tokens: batch ids), leaves the next logits in st->logits (batch, Vp)
void mamba_step(const Mamba *model, RecurrentState *st, const int *tokens) {
    const MambaConfig *cfg = &model->config;
    int L = cfg->n_layer, C = cfg->d_model, Di = cfg->d_inner, N = cfg->d_state, K = cfg->d_conv;
    int R = cfg->dt_rank, Vp = cfg->padded_vocab_size, X = R + 2 * N, G = st->batch;
    for (int g = 0; g < G; g++) {
        if (tokens[g] < 0 || tokens[g] >= cfg->vocab_size) { fatalf("token %d outside the vocabulary [0, %d)", tokens[g], cfg->vocab_size); }
    }
    ParameterTensors p = model->params;
    encoder_forward(st->r, tokens, p.wte, G, 1, C);
    for (int l = 0; l < L; l++) {
        rmsnorm_forward(st->h, st->rstd, st->r, p.norm_w + (size_t)l * C, G, 1, C);
        matmul_forward(st->xz, st->h, C, p.in_proj_w + (size_t)l * 2 * Di * C, NULL, G, C, 2 * Di);
        conv1d_step(st->xc, st->conv_state + (size_t)l * G * Di * K, st->xz, 2 * Di, p.conv_w + (size_t)l * Di * K,
                    p.conv_b + (size_t)l * Di, G, Di, K);
        silu_forward(st->u, st->xc, (size_t)G * Di);
        if (cfg->no_selection) {
            matmul_forward(st->xdbl, model->ones, 0, p.x_proj_w + (size_t)l * X * Di, NULL, G, Di, X);
        } else {
            matmul_forward(st->xdbl, st->u, Di, p.x_proj_w + (size_t)l * X * Di, NULL, G, Di, X);
        }
        matmul_forward(st->dt, st->xdbl, X, p.dt_proj_w + (size_t)l * Di * R, p.dt_proj_b + (size_t)l * Di, G, R, Di);
        softplus_forward(st->delta, st->dt, (size_t)G * Di);
        selective_scan_step(st->y, st->ssm_state + (size_t)l * G * Di * N, st->u, st->delta, p.A_log + (size_t)l * Di * N,
                            st->xdbl + R, st->xdbl + R + N, X, p.D + (size_t)l * Di, G, Di, N);
        gate_forward(st->yg, st->y, st->xz + Di, 2 * Di, G, Di);
        matmul_forward(st->out, st->yg, Di, p.out_proj_w + (size_t)l * C * Di, NULL, G, Di, C);
        residual_forward(st->r, st->r, st->out, (size_t)G * C);
    }
    rmsnorm_forward(st->h, st->rstd, st->r, p.norm_f_w, G, 1, C);
    matmul_forward(st->logits, st->h, C, p.wte, NULL, G, C, Vp);
    st->pos++;
}

// draws the next token of every sequence from its own row of st->logits (V real tokens of the Vp), in
// sequence order, into tokens (batch ids); scratch: V floats (train_mamba.cu: sample_on_device).
// Not in the double build (test/test_gradcheck.c), which checks gradients and samples nothing.
#ifndef REAL_IS_DOUBLE
void sample_on_host(const RecurrentState *st, int V, int Vp, float temperature, int top_k, float top_p, float *scratch,
                    uint64_t *rng, int *tokens) {
    for (int g = 0; g < st->batch; g++) {
        tokens[g] = sample_softmax(st->logits + (size_t)g * Vp, V, temperature, top_k, top_p, scratch, rng);
    }
}
#endif

/*
-mc: the multiple-choice choices over examples [first, end) in batches of B rows of T (mc_pack), added to
*r; with row_losses and row_greedys, each completion's summed loss and whether its every scored token was the
argmax too, in the file's order (what the tests compare).
Returns 0 when a stop signal (training's SIGTERM, Slurm's before its time limit) cut it short: the run then
stops after one batch more, not after the whole file.
*/
int evaluate_mc_range(Mamba *model, const MCEvalSet *mc, int first, int end, int B, int T, MCResult *r,
                       double *row_losses, int *row_greedys) {
    int *inputs = (int *)mallocCheck((size_t)B * T * sizeof(int)), *targets = (int *)mallocCheck((size_t)B * T * sizeof(int));
    double *row_loss = (double *)mallocCheck((size_t)B * sizeof(double));
    int *row_count = (int *)mallocCheck((size_t)B * sizeof(int)), *row_greedy = (int *)mallocCheck((size_t)B * sizeof(int));
    int e = first;
    while (e < end && stop_signal == 0) {
        int n = mc_pack(mc, e, end, B, T, inputs, targets);
        mamba_forward(model, inputs, targets, B, T);
        MC_ROW_SUMS(row_loss, row_count, row_greedy, model->acts.losses, model->predictions, targets, B, T);
        int rows = mc_score(mc, e, n, row_loss, row_count, row_greedy, r);
        if (row_losses != NULL) { memcpy(row_losses, row_loss, (size_t)rows * sizeof(double)); row_losses += rows; }
        if (row_greedys != NULL) { memcpy(row_greedys, row_greedy, (size_t)rows * sizeof(int)); row_greedys += rows; }
        e += n;
    }
    free(inputs);
    free(targets);
    free(row_loss);
    free(row_count);
    free(row_greedy);
    return e >= end;
}

// ----------------------------------------------------------------------------
// the program: options, checkpoints, evaluation, sampling, the training loop
#ifndef TESTING

// -hf: the model and the tokenizer.json the run used
// (staged, then switched in by hf_save_model: a directory with a config.json always holds a whole export)
static void export_hf(const Mamba *model, const Options *o, const Tokenizer *tokenizer) {
    hf_export_begin(o->hf_export_dir);
    int eot = hf_export_tokenizer(o->hf_export_dir, model->config.vocab_size, o->model, o->tokenizer_path, tokenizer->eot_token);
    mamba_export_hf(model, o->hf_export_dir, eot);
}

/*
A checkpoint is model_<step>.bin + state_<step>.bin, then an empty DONE_<step> marker written
last: a checkpoint without its marker (a crash mid-write) is never picked up by -y 1.
*/
static void save_checkpoint(const char *dir, const Mamba *model, const TrainState *s) {
    char path[1024];
    snprintf(path, sizeof(path), "%s/model_%08d.bin", dir, s->step);
    mamba_save(model, path);
    snprintf(path, sizeof(path), "%s/state_%08d.bin", dir, s->step);
    // no update has run yet (every step so far skipped: its moments are allocated at the first), so the moments
    // are the zeros that update would start from
    float *zeros = model->m_memory == NULL ? (float *)callocCheck(model->num_parameters, sizeof(float)) : NULL;
    save_state_file(path, s, zeros != NULL ? zeros : model->m_memory, zeros != NULL ? zeros : model->v_memory, model->num_parameters);
    free(zeros);
    remove_other_state_layouts(dir, s->step, 0);
    snprintf(path, sizeof(path), "%s/DONE_%08d", dir, s->step);
    AtomicFile af;
    atomic_open(&af, path);
    atomic_commit(&af);
    printf("checkpoint written: %s/model_%08d.bin\n", dir, s->step);
}

// -kb: the model of the lowest val loss so far (train_common.h, val_loss_is_new_best)
static void save_best_model(const char *dir, const Mamba *model, TrainState *s) {
    char path[1024];
    best_model_path(path, sizeof(path), dir);
    mamba_save(model, path);
    s->best_crc = model_file_crc(path);
    printf("best val loss so far (step %d): %s written\n", s->best_step, path);
}

// mean loss over the val data (all of it, or the first max_batches batches), and token accuracy. Returns 0 when a
// stop signal cut it short (as evaluate_mc: the run stops after the batch in hand, not after the whole val set)
static int evaluate(Mamba *model, DataLoader *loader, int max_batches, float *loss, float *accuracy) {
    dataloader_reset(loader);
    size_t num_batches = eval_num_batches(loader, max_batches);
    double sum = 0.0;
    long correct = 0, valid = 0;
    size_t i = 0;
    for (; i < num_batches && stop_signal == 0; i++) {
        dataloader_next_batch(loader);
        mamba_forward(model, loader->inputs, loader->targets, (int)loader->B, (int)loader->T);
        sum += model->mean_loss;
        correct += model->num_correct;
        valid += model->num_valid;
        if (test_signals_in_evaluation) { test_signals_in_evaluation = 0; raise_test_signals(); }
    }
    *accuracy = valid > 0 ? (float)correct / valid : 0.0f;
    *loss = num_batches > 0 ? (float)(sum / num_batches) : 0.0f;
    return i == num_batches;
}

// returns 0 when a stop signal cut it short (nothing logged), else 1
static int evaluate_mc(Mamba *model, const MCEvalSet *mc, const Options *o, Logger *logger, int step) {
    mamba_ensure_activations(model, o->B, o->T); // allocated for training's shape first, if not yet
    int B, T;
    mc_batch_shape(mc, o->B, o->T, model->scan_chunk, 1L << 30, &B, &T);
    MCResult r = {0};
    double t0 = now_seconds();
    if (!evaluate_mc_range(model, mc, 0, mc->num_examples, B, T, &r, NULL, NULL)) {
        printf("-mc evaluation stopped by a signal after %d of %d examples (not logged)\n", r.examples + r.cloze_examples, mc->num_examples);
        return 0;
    }
    report_mc(o->mc_eval_path, &r, mc->row_chars != NULL, now_seconds() - t0, logger, step);
    return 1;
}

/*
Loss over the shards of -es read as one sequence (its first token is context only). Chunks of up
to B*T tokens go through the forward as one row each (shape (1, B*T) fits the training
activations), every chunk starting from the state the one before left: each layer's last conv
inputs and SSM state. The result is that of one forward over the whole stream: no context resets.
*/
static void evaluate_stream(Mamba *model, const Options *o, const Tokenizer *tokenizer, Logger *logger, int step) {
    const MambaConfig *c = &model->config;
    size_t n;
    int *tokens = load_token_stream(o->stream_eval_pattern, c->vocab_size, 2, &n);
    mamba_ensure_activations(model, o->B, o->T); // allocated for training's shape first, if not yet
    model->carry_conv_state = (real *)callocCheck((size_t)c->n_layer * c->d_inner * c->d_conv, sizeof(real));
    model->carry_ssm_state = (real *)callocCheck((size_t)c->n_layer * c->d_inner * c->d_state, sizeof(real));
    size_t chunk = (size_t)o->B * o->T;
    double loss_sum = 0.0, t0 = now_seconds();
    for (size_t pos = 0; pos + 1 < n; pos += chunk) {
        int len = (int)(n - 1 - pos < chunk ? n - 1 - pos : chunk);
        mamba_forward(model, tokens + pos, tokens + pos + 1, 1, len);
        loss_sum += (double)model->mean_loss * model->num_valid;
    }
    free(model->carry_conv_state);
    free(model->carry_ssm_state);
    model->carry_conv_state = model->carry_ssm_state = NULL;
    report_stream_eval(o->stream_eval_pattern, loss_sum, tokens + 1, n - 1, tokenizer, now_seconds() - t0, logger, step);
    free(tokens);
}

/*
Generates gen_tokens tokens for each of the -gb (gen_batch) sequences in recurrent mode, after the
prompt (or a start token). One sequence streams as it goes; several print one after another at the end,
followed by the decode speed (tokens of all sequences per second, prompt excluded). Returns 0
when a stop signal cut it short (only in the training loop: elsewhere a signal ends the process), or,
with -x 0, stdout's reader left (stdout_reader_gone).
*/
static int sample(const Mamba *model, Tokenizer *tokenizer, const Options *o, uint64_t *rng) {
    int G = o->gen_batch, V = model->config.vocab_size, Vp = model->config.padded_vocab_size;
    RecurrentState st;
    recurrent_init(&st, &model->config, G);
    int n, echo; // the prompt's tokens (or a start token), the first echo of them printed before each sequence
    int *ids = sample_prompt_ids(tokenizer, o->prompt, V, &n, &echo);
    int *tokens = (int *)mallocCheck((size_t)G * sizeof(int));
    int *out = (int *)mallocCheck((size_t)G * (o->gen_tokens + 1) * sizeof(int));
    float *scratch = (float *)mallocCheck((size_t)V * sizeof(float));
    printf("generating:\n---\n");
    hold_stop_note(); // (a stop signal's answer on stderr waits for the sample's end, not to land inside its text)
    for (int i = 0; i < n; i++) {
        if (i < echo && G == 1) { tokenizer_print(tokenizer, ids[i]); }
        for (int g = 0; g < G; g++) { tokens[g] = ids[i]; }
        if (i < n - 1) { mamba_step(model, &st, tokens); }
    }
    double t0 = now_seconds();
    int done = 0; // tokens generated per sequence: gen_tokens unless a stop signal came first
    for (; done < o->gen_tokens && stop_signal == 0; done++) {
        if (o->max_steps == 0 && done % 16 == 0 && stdout_reader_gone()) { break; } // (-x 0: nobody reads the rest; a poll per 16)
        int i = done;
        mamba_step(model, &st, tokens);
        sample_on_host(&st, V, Vp, o->temperature, o->top_k, o->top_p, scratch, rng, tokens);
        for (int g = 0; g < G; g++) { out[(size_t)g * o->gen_tokens + i] = tokens[g]; }
        if (G == 1) { print_sampled_token(tokenizer, tokens[0]); fflush(stdout); }
        if (test_signals_in_sampling) { test_signals_in_sampling = 0; raise_test_signals(); }
    }
    print_sample_end(tokenizer, ids, echo, out, G, o->gen_tokens, done, now_seconds() - t0);
    release_stop_note();
    free(scratch);
    free(out);
    free(tokens);
    free(ids);
    recurrent_free(&st);
    return done == o->gen_tokens;
}

// the model from -e (or from the checkpoint being resumed), and the training state to resume
static void setup_model(Mamba *model, const Options *o, TrainState *state, int *resumed) {
    *resumed = 0;
    memset(state, 0, sizeof(*state));
    state->rng = sampling_rng_from_seed(o->seed);
    state->best_step = -1;
    int latest = o->resume ? find_latest_checkpoint(o->output_dir) : -1;
    check_eval_checkpoint_found(o, latest);
    MambaConfig requested;
    int is_descriptor = config_from_descriptor(o->model, &requested);
    if (latest >= 0) {
        char path[1024];
        resume_note_set(o, latest);
        checkpoint_model_path(path, sizeof(path), o->output_dir, latest);
        mamba_build_from_checkpoint(model, path);
        resume_note_clear();
        check_resume_model(o, &model->config, path);
        mamba_allocate_optimizer(model);
        resume_note_set(o, latest);
        const int layout = state_layout(o->output_dir, latest);
        load_optimizer_state(o->output_dir, latest, layout, state, model->m_memory, model->v_memory, 0, model->num_parameters,
                             model->num_parameters, 0, 1);
        resume_note_clear();
        state_record_path(path, sizeof(path), o->output_dir, latest, layout); // (named by the checks below)
        check_resume_batch(state, o, path);
        if (state->step != latest) { fatalf("%s: state of step %d, but its marker is DONE_%08d (corrupt)", path, state->step, latest); }
        printf("resuming from step %d of %s\n", latest, o->output_dir);
        resume_best_model_record(state, o, 1);
        resume_outlier_windows(state, o, 1);
        note_changed_optimizer_flags(state, o);
        *resumed = 1;
    } else if (is_descriptor) {
        if (o->resume) { printf("no complete checkpoint in %s: starting from scratch\n", o->output_dir); }
        mamba_init_random(model, &requested, (uint64_t)o->seed);
    } else if (hf_is_model_dir(o->model)) {
        mamba_build_from_hf(model, o->model);
    } else {
        mamba_build_from_checkpoint(model, o->model);
    }
    state->B = o->B;
    state->T = o->T;
    state->total_batch_size = o->total_batch_size;
    state->seed = o->seed;
    state_set_optimizer_flags(state, o);
}

// what a step's evaluations, sampling and checkpoint need of the run: its objects, its length and how it began
typedef struct {
    Mamba *model;
    const Options *o;
    TrainState *state;
    DataLoader *train_loader;
    DataLoader *val_loader;  // (NULL without -j)
    const MCEvalSet *mc;     // (NULL without -mc)
    Tokenizer *tokenizer;
    Logger *logger;
    const TestHooks *hooks;
    int train_num_batches;   // the run's last step
    int start_step;          // the step the loop began at: the checkpoint's, or 0
    int resumed_after_stop;  // resumed from a checkpoint that a signal wrote
    int due_at_stop;         // what was due at that step (due_at_step's bits)
} TrainLoop;

// A step's start (or the run's end): its val loss, -mc and sample where due, then its checkpoint. Returns 1 when a
// signal stops the run at this step (print_stopped has said how to go on), else 0; *saved: this step's checkpoint written
static int evaluate_sample_checkpoint(const TrainLoop *run, int step, int fresh_step, int *saved) {
    Mamba *model = run->model;
    const Options *o = run->o;
    TrainState *state = run->state;
    const TestHooks *hooks = run->hooks;
    DataLoader *train_loader = run->train_loader, *val_loader = run->val_loader;
    const MCEvalSet *mc = run->mc;
    Tokenizer *tokenizer = run->tokenizer;
    Logger *logger = run->logger;
    int train_num_batches = run->train_num_batches, start_step = run->start_step;
    // a signal asks for a checkpoint now: this iteration becomes the last one
    int stopping = stop_signal != 0;
    int last_step = step >= train_num_batches || stopping;
    *saved = 0;
    int due = fresh_step && !stopping ? due_at_step(o, step, last_step, val_loader != NULL, mc != NULL) : 0;
    if (due & DUE_VAL) {
        float val_loss, val_acc;
        test_signals_in_evaluation = step == hooks->sigterm_val_step;
        if (evaluate(model, val_loader, o->val_max_steps, &val_loss, &val_acc)) {
            report_val(logger, step, val_loss, val_acc);
            if (o->keep_best && val_loss_is_new_best(state, val_loss, step)) { save_best_model(o->output_dir, model, state); }
        } else { // a signal cut it short: the run stops at this step, whose evaluation the resumed run does (as -mc's)
            printf("val evaluation stopped by a signal (not logged)\n");
            stopping = last_step = 1;
        }
    }
    if ((due & DUE_MC) && !stopping) {
        // a signal that cut it short stops the run here, as at the loop's top: the checkpoint says so, and the
        // resumed run evaluates this step again (else its line would be missing, or a finished run lack it)
        if (!evaluate_mc(model, mc, o, logger, step)) { stopping = last_step = 1; }
    }
    if ((due & DUE_SAMPLE) && !stopping) {
        // a stop signal that cut it short stops the run at this step, as in an evaluation; the checkpoint keeps the
        // RNG from before the sample, so the resumed run draws the same sample again
        uint64_t rng_before = state->rng;
        test_signals_in_sampling = step == hooks->sigterm_sample_step;
        if (!sample(model, tokenizer, o, &state->rng)) {
            state->rng = rng_before;
            stopping = last_step = 1;
        }
    }
    if (fresh_step && o->output_dir != NULL && step > 0 &&
        ((o->checkpoint_every > 0 && step % o->checkpoint_every == 0) || last_step ||
         // (a run resumed after a stop saves that step again once its evaluations and sampling are done, so that a
         // later resume does not do them again; with nothing due there and the same data, the file would not change)
         (run->resumed_after_stop && step == start_step && (run->due_at_stop != 0 || o->resume != 1)))) {
        state_at_checkpoint(state, step, train_loader, train_num_batches, stopping);
        if (step == hooks->sigterm_save_step) { raise_test_signals(); }
        save_checkpoint(o->output_dir, model, state);
        prune_checkpoints(o->output_dir, o->checkpoints_keep);
        *saved = 1;
    }
    // a signal during this step's evaluation, sampling or checkpoint, where the checkpoint just written holds all of
    // them: the run stops here rather than train another step and save again. At the last step it stops as at any
    // other, not going on to -hf and -es (after the loop), which the resumed run does; from there on a signal ends the
    // process at once, as after the loop (one that came before the line below is heeded by it)
    // (and at step 0 of a fresh run, which saves nothing: a signal during its evaluations stops the run there, with
    // nothing to save, as the answer to it said; one from here on comes while a step trains, and a checkpoint follows)
    if (last_step && !stopping) { stop_signal_deferred = 0; }
    stop_signal_before_training = 0;
    if ((last_step || *saved || step == 0) && !stopping && stop_signal != 0) { stopping = 1; }
    if (stopping) {
        char by[40];
        snprintf(by, sizeof(by), "signal %d", (int)stop_signal);
        // (a -y 2 run with no checkpoint of its own yet: -y 2 again)
        print_stopped(by, step, o->output_dir, o->resume == 2 && !fresh_step ? 2 : 1, o->resume);
        return 1;
    }
    return 0;
}

// returns 1 when a signal stopped the run, 0 when it ran to the end. With -o, the step it stopped at is then on disk
// (written now, or the checkpoint it resumed from), except at step 0 of a fresh run: nothing trained, nothing saved
static int train(Mamba *model, const Options *o, TrainState *state, int resumed, int train_num_batches,
                  DataLoader *train_loader, DataLoader *val_loader, const MCEvalSet *mc, Tokenizer *tokenizer, Logger *logger) {
    int B = o->B, T = o->T;
    int grad_accum_steps = o->total_batch_size / (B * T);
    LearningRateScheduler sched = {o->lr_schedule, o->learning_rate, o->warmup_iterations, train_num_batches, o->final_lr_frac,
                                    o->lr_decay_frac};
    printf("total batch size %d tokens = %d x %d x %d micro-step%s | %d step%s\n", o->total_batch_size, B, T,
           grad_accum_steps, plural_s(grad_accum_steps), train_num_batches, plural_s(train_num_batches));
    const int nothing_left = resumed && state->step >= train_num_batches; // (its notes would speak of steps that never run)
    if (!nothing_left) {
        note_short_run(o, train_num_batches);
        note_outlier_window(o, state, train_num_batches);
    }
    if (resumed) {
        if (o->resume == 1) {
            dataloader_resume(train_loader, state->epoch, state->shard, resume_sample_index(state, train_loader));
        } else {
            printf("resuming with -y 2: the train data is read from its start, not from where the checkpoint's run left it\n");
        }
        if (!nothing_left) { note_changed_run_length(state, train_num_batches); }
    }
    // a bad token id in a batch of data too large to check at start-up stops the run after its step (stop_on_bad_token;
    // set before -a 1's read below, whose batch is every step's: a bad id there is the first step's)
    train_loader->defer_bad_tokens = dataloader_checks_per_batch(train_loader);
    // -a 1: every micro-step of every step trains on one batch, this rank's last of the data's first step, read whole
    // (also after a resume, whose loader the checkpoint left past it), so the position checkpoints save is a step's
    // start, as a resume on another process count requires (check_resume_data)
    if (o->overfit_single_batch) {
        dataloader_reset(train_loader);
        for (int micro = 0; micro < grad_accum_steps; micro++) { dataloader_next_batch(train_loader); }
    }
    state_set_data(state, train_loader);

    int start_step = state->step;
    if (nothing_left) { print_nothing_to_train(o, state, train_num_batches, mc != NULL); } // (a finished run started again)
    int resumed_after_stop = resumed && state->stopped;
    int due_at_stop = resumed_after_stop ? due_at_step(o, start_step, start_step >= train_num_batches, val_loader != NULL, mc != NULL) : 0;
    if (resumed_after_stop) { print_resumed_after_stop(start_step, due_at_stop, state->stopped); }
    if (resumed_after_stop && state->stopped == 2) { state->consecutive_skips = 0; } // (-ms stopped it: -ms skips again)
    stop_signal_before_training = start_step == 0;
    double timed_ms = 0.0;
    int timed_steps = 0;
    const TestHooks hooks = test_hooks_from_env();
    const TrainLoop run = {.model = model, .o = o, .state = state, .train_loader = train_loader, .val_loader = val_loader,
                           .mc = mc, .tokenizer = tokenizer, .logger = logger, .hooks = &hooks,
                           .train_num_batches = train_num_batches, .start_step = start_step,
                           .resumed_after_stop = resumed_after_stop, .due_at_stop = due_at_stop};
    if (resumed && getenv("MAMBA_TEST_SIGTERM_AT_RESUME") != NULL) { raise(SIGTERM); } // test hook: before any step trains
    // (a checkpoint at or past the run's end still gets this one pass: after a stop, its step's evaluation and sampling)
    for (int step = start_step; step <= train_num_batches || step == start_step; step++) {
        // a resumed run already evaluated, sampled and saved at the step it resumes from: doing it again would
        // consume the sampling RNG twice and break bitwise resume. Unless a signal stopped it there: then it
        // saved before that step's evaluation and sampling, and the resumed run does them (and saves again)
        int fresh_step = !(resumed && step == start_step && !resumed_after_stop);
        int saved; // (this step's checkpoint written)
        if (evaluate_sample_checkpoint(&run, step, fresh_step, &saved)) {
            return 1;
        }
        if (step >= train_num_batches) { // (a step that a signal made the last one returned above)
            if (timed_steps > 0) {
                printf("average over %d step%s: %.2f ms/step, %.0f tok/s\n", timed_steps, plural_s(timed_steps), timed_ms / timed_steps,
                       o->total_batch_size / (timed_ms / timed_steps / 1000.0));
            }
            break;
        }

        double t0 = now_seconds();
        mamba_zero_grad(model);
        double loss = 0.0;
        const DataPosition step_start = data_position(train_loader);
        for (int micro = 0; micro < grad_accum_steps; micro++) {
            if (!o->overfit_single_batch) { dataloader_next_batch(train_loader); }
            mamba_forward(model, train_loader->inputs, train_loader->targets, B, T);
            mamba_backward(model, 1.0f / grad_accum_steps);
            loss += model->mean_loss;
        }
        loss /= grad_accum_steps;
        if (train_loader->bad_token_error[0] != '\0') { // (one process: no other to ask)
            int on_disk = saved || !fresh_step;
            if (!on_disk && o->output_dir != NULL && step > 0) {
                dataloader_resume(train_loader, step_start.epoch, step_start.shard, step_start.sample);
                state_at_checkpoint(state, step, train_loader, train_num_batches, 0);
                save_checkpoint(o->output_dir, model, state);
                prune_checkpoints(o->output_dir, o->checkpoints_keep);
                on_disk = 1;
            }
            stop_on_bad_token(train_loader, 0, step, on_disk ? (o->resume == 2 && !fresh_step ? 2 : 1) : 0, o->resume);
        }
        if (step + 1 == hooks.inject_nan_step) { mamba_inject_gradient(model, hooks.inject_value); }
        float norm = mamba_grad_norm(model);
        float grad_scale = (o->grad_clip > 0.0f && norm > o->grad_clip) ? o->grad_clip / norm : 1.0f;
        float lr = get_learning_rate(&sched, step);
        const int skipped = skip_update(o, state, logger, step, train_num_batches, loss, norm);
        if (!skipped) {
            mamba_update(model, lr, ADAMW_BETA1, ADAMW_BETA2, ADAMW_EPS, o->weight_decay, grad_scale,
                         step + 1 - state->skipped_updates);
        }
        double ms = (now_seconds() - t0) * 1000.0;
        char eta[32];
        printf("step %4d/%d | loss %.6f | norm %.4f | lr %.2e | %.2f ms | %s | %.0f tok/s\n", step + 1, train_num_batches,
               loss, norm, lr, ms, eta_text(eta, sizeof(eta), timed_ms, timed_steps, ms, train_num_batches - step - 1),
               o->total_batch_size / (ms / 1000.0));
        logger_log_train(logger, step + 1, (float)loss, lr, norm);
        state->step = step + 1;
        if (skipped == 2) { // the -ms-th skip in a row: the step is saved (its weights are the last update's), and the run ends
            if (o->output_dir != NULL) { // (older checkpoints are not pruned: one from before these steps may be wanted)
                state_at_checkpoint(state, step + 1, train_loader, train_num_batches, 2);
                save_checkpoint(o->output_dir, model, state);
            }
            stop_on_skips(state, step + 1, step + 1 == train_num_batches, o->output_dir != NULL, o->resume, 0);
        }
        if (step + 1 == hooks.sigterm_step) { raise_test_signals(); }
        if (step >= start_step + 2) { timed_ms += ms; timed_steps++; } // the first steps include warm-up
    }
    return 0;
}

// every run ends with -hf, then -es (a run a signal stopped: no -es, and no -hf where -o holds its checkpoint)
static void finish_run(Mamba *model, const Options *o, const Tokenizer *tokenizer, Logger *logger, int step, int stopped) {
    if (o->hf_export_dir != NULL && stopped && o->output_dir != NULL) { // not the final model (how to go on: print_stopped's line)
        printf("note: stopped by a signal: -hf %s is not written; the run that finishes the training writes it\n", o->hf_export_dir);
    } else if (o->hf_export_dir != NULL) {
        export_hf(model, o, tokenizer);
    }
    if (o->stream_eval_pattern != NULL && !stopped) { evaluate_stream(model, o, tokenizer, logger, step); }
    if (stopped) { note_stream_eval_skipped(o); }
}

// -x 0: generation with a prompt, else evaluation (the val loss where the run reads val data, -mc); then finish_run
static void run_without_training(Mamba *model, const Options *o, const TrainState *state, Tokenizer *tokenizer,
                                 const MCEvalSet *mc, DataLoader *val_loader) {
    Logger no_log = {NULL};
    if (o->prompt != NULL) {
        // generation only: -x 0 with a prompt, from -sd's RNG (as from a model file): not a checkpoint's (-y), which
        // -sd, taken there at any value, then did not change
        uint64_t rng = sampling_rng_from_seed(o->seed);
        if (mc != NULL) { // (before the generation, as in train_mamba.cu)
            evaluate_mc(model, mc, o, &no_log, state->step);
        }
        sample(model, tokenizer, o, &rng);
    } else {
        // evaluation only
        if (val_loader != NULL) {
            float val_loss, val_acc;
            evaluate(model, val_loader, o->val_max_steps, &val_loss, &val_acc); // (no signal is deferred here: nothing cuts it)
            printf("val batches %zu\n", eval_windows_of(val_loader, o->val_max_steps)); // (one process: all the windows it read)
            printf("val loss %f\nval accuracy %f\n", val_loss, val_acc);
        }
        if (mc != NULL) { evaluate_mc(model, mc, o, &no_log, state->step); }
    }
    finish_run(model, o, tokenizer, &no_log, state->step, 0);
}

// -x other than 0: the train data, -o and its log, the training loop (train), then finish_run
static void run_training(Mamba *model, const Options *o, TrainState *state, int resumed, Tokenizer *tokenizer,
                         const MCEvalSet *mc, DataLoader *val_loader, int argc, char **argv) {
    DataLoader train_loader;
    check_default_data(o->train_data_pattern, model->config.vocab_size);
    dataloader_init(&train_loader, o->train_data_pattern, o->B, o->T, 0, 1, o->shuffle, (unsigned long long)o->seed,
                    model->config.vocab_size);
    dataloader_set_step_windows(&train_loader, (size_t)o->total_batch_size / ((size_t)o->B * o->T)); // whole steps per shard
    if (val_loader != NULL) { note_val_in_train(&train_loader, val_loader); }
    note_stream_in_train(&train_loader, o->stream_eval_pattern);
    if (resumed && o->resume == 1) { check_resume_data(state, &train_loader, o->output_dir); } // before the log is touched
    int num_steps = run_num_steps(o, &train_loader);
    check_epoch_on_new_data(o, state, resumed, num_steps);
    if (o->output_dir != NULL) {
        if (!make_and_lock_output_dir(o->output_dir)) { fatalf(OUTPUT_DIR_BUSY, o->output_dir, o->output_dir); }
        remove_stale_tmp_files(o->output_dir);
        record_command(o->output_dir, argc, argv, state->step);
        save_run_tokenizer(o->output_dir, model->config.vocab_size, o->model, o->tokenizer_path);
    }
    Logger logger;
    // (a finished run started again runs -es at its last step again: its line there goes, as its val lines after a stop)
    logger_init(&logger, o->output_dir, resumed, state->step, (resumed && state->stopped ? LOG_REDO_EVALS : 0) |
                (resumed && state->step >= num_steps && o->stream_eval_pattern != NULL ? LOG_REDO_STREAM : 0));
    announce_stop_signals(o->output_dir, 1);
    stop_signal_deferred = 1;
    int stopped = train(model, o, state, resumed, num_steps, &train_loader, val_loader, mc, tokenizer, &logger);
    stop_signal_deferred = 0;
    if (o->keep_best && state->best_step >= 0) {
        printf("best val loss %f at step %d: %s/model_best.bin\n", state->best_val_loss, state->best_step, o->output_dir);
    }
    finish_run(model, o, tokenizer, &logger, state->step, stopped);
    logger_free(&logger);
    dataloader_free(&train_loader);
}

// -r, -cg, -pt, -pl (the GPU), -pi, -pf and -ps (how several processes meet) are the GPU trainer's; this one takes
// them too (their values checked alike), so that one command line runs on either trainer, and says in one line that
// the ones given do nothing here
static void note_gpu_flags(const Options *o) {
    printf("note: no effect on the CPU trainer (flags of train_mamba_cu):");
    if (o->gpu_flags_given & GIVEN_RECOMPUTE) { printf(" -r %d", o->recompute); }
    if (o->gpu_flags_given & GIVEN_CUDA_GRAPHS) { printf(" -cg %d", o->cuda_graphs); }
    if (o->gpu_flags_given & GIVEN_NCCL_TIMEOUT) { printf(" -pt %d", o->nccl_timeout); }
    if (o->gpu_flags_given & GIVEN_LOCAL_RANK) { printf(" -pl %d", o->local_rank); }
    if (o->gpu_flags_given & GIVEN_INIT_METHOD) { printf(" -pi %s", o->init_method); }
    if (o->gpu_flags_given & GIVEN_INIT_PATH) { printf(" -pf %s", o->init_path); }
    if (o->gpu_flags_given & GIVEN_INIT_SERVER) { printf(" -ps %s", o->init_server); }
    printf("\n");
}

int main(int argc, char **argv) {
    keep_std_fds_open();
    Options o;
    parse_options(&o, argc, argv);
    resolve_total_batch_size(&o, 1);
    install_signal_handlers();
    if (o.num_processes > 1) { fatalf("-pn %d: several processes need the GPU trainer (train_mamba_cu)", o.num_processes); }
    if (o.process_rank > 0) { fatalf("-pr %d: the CPU trainer runs one process, rank 0", o.process_rank); } // (as train_mamba_cu refuses it)
    if (o.zero_stage != 0) { printf("note: -z %d has no effect with one process\n", o.zero_stage); } // (as train_mamba_cu says)
    if (o.gpu_flags_given) { note_gpu_flags(&o); }
    const LauncherVars *launcher = o.num_processes == 0 ? launcher_from_env() : NULL; // -pn 0: as the GPU trainer reads it
    if (launcher != NULL && env_int(launcher->world, 1) > 1) { // (else each process would train alone, into the same -o)
        fatalf("%s=%d: the launcher started several processes; the CPU trainer runs one (several: train_mamba_cu)",
               launcher->world, env_int(launcher->world, 1));
    }
    int num_processes, process_rank; // (one, rank 0, after the refusals above: a launcher's rank past -pn 1 is refused here)
    process_count_and_rank(&o, &num_processes, &process_rank);
#ifdef OMP
    if (o.num_threads > 0) { omp_set_num_threads(o.num_threads); }
    if (o.num_threads > omp_get_num_procs()) { // (legal, but the threads then take turns on the cores: many times slower)
        printf("note: -nt %d is more threads than the %d CPU%s this process may run on: the threads take turns, which "
               "is slower than -nt %d\n", o.num_threads, omp_get_num_procs(), plural_s(omp_get_num_procs()), omp_get_num_procs());
    }
#endif
    // -o is checked now and created only once every start-up check has passed: an early error leaves no empty directory
    // (-x 0 writes nothing there: it reads the checkpoint -y names, from a directory that may be read-only)
    if (o.output_dir != NULL && o.max_steps != 0) { check_output_dir_writable(&o); }
    if (o.hf_export_dir != NULL) { check_dir_creatable(o.hf_export_dir, "-hf"); } // (written after training)

    Mamba model;
    TrainState state;
    int resumed;
    setup_model(&model, &o, &state, &resumed);
    if (o.hf_export_dir != NULL) { hf_check_exportable(&model.config, o.hf_export_dir); }
    config_print(&model.config, model.num_parameters);

    Tokenizer tokenizer;
    resume_run_tokenizer(&o, model.config.vocab_size, resumed, state.step); // (the run's own, kept in -o)
    tokenizer_for_model(&tokenizer, model.config.vocab_size, o.model, o.tokenizer_path,
                        sample_will_run(&o) ? o.prompt : NULL);
    // (the tokenizer.json -hf ships)
    if (o.hf_export_dir != NULL) { hf_check_export_tokenizer(model.config.vocab_size, o.model, o.tokenizer_path); }
    check_sampling_before_training(&o, &tokenizer, model.config.vocab_size);
    check_run_before_training(&o, model.config.vocab_size, resumed, 1);
    MCEvalSet mc; // -mc: read and checked now, before -o is made
    if (o.mc_eval_path != NULL) {
        mc_load(&mc, o.mc_eval_path, model.config.vocab_size, o.T);
        int mc_rows, mc_t; // (an example with more completions than an evaluation batch has rows is an error now)
        mc_batch_shape(&mc, o.B, o.T, model.scan_chunk, 1L << 30, &mc_rows, &mc_t);
        mc_chars_from_tokenizer(&mc, &tokenizer, o.mc_eval_path); // the per-character choice's lengths
    }

    dataloader_hooks_from_env();
    DataLoader val_loader; // read by -x 0's evaluation and by training's every -v steps; -v 0 needs no val shards
    int use_val = o.max_steps == 0 ? eval_only_reads_val(&o) : o.val_loss_every > 0;
    if (use_val) {
        check_default_data(o.val_data_pattern, model.config.vocab_size);
        dataloader_init_eval(&val_loader, o.val_data_pattern, o.B, o.T, 0, 1, model.config.vocab_size);
        prepare_val_loader(&val_loader, o.val_max_steps, 1);
    }
    const MCEvalSet *eval_set = o.mc_eval_path != NULL ? &mc : NULL;
    if (o.max_steps == 0) {
        run_without_training(&model, &o, &state, &tokenizer, eval_set, use_val ? &val_loader : NULL);
    } else {
        run_training(&model, &o, &state, resumed, &tokenizer, eval_set, use_val ? &val_loader : NULL, argc, argv);
    }
    if (use_val) { dataloader_free(&val_loader); }
    tokenizer_free(&tokenizer);
    if (o.mc_eval_path != NULL) { mc_free(&mc); }
    mamba_free(&model);
    options_free(&o);
    return 0;
}
#endif // TESTING
