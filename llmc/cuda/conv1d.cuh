/*
Causal depthwise conv1d fused with SiLU:  u[b,t,d] = silu(bias[d] + sum_k w[d,k] x[b,t-(K-1)+k,d]),
x = 0 before the sequence start, or, when a stream goes on from an earlier chunk, x_prev (B, Di, K)
fp32: the last K inputs seen, oldest first (the recurrent conv state), x[b,-j,d] = x_prev[b,d,K-j].
x is the first half of in_proj's output (rows ldx = 2*Di apart).
The backward never stores the conv output: it recomputes it where it is needed.
    dxc = du * silu'(xc);  dx[ts] = sum_k w[k] dxc[ts+(K-1)-k];  dw[d,k] = sum dxc[t] x[t-(K-1)+k];  dbias = sum dxc
Work layout: one thread per (batch row, tile of steps, pair of channels), pairs fastest so a warp
reads 64 neighbouring channels of one token (coalesced, 4-byte bf16 pairs). In the forward a thread
loads all K-1+CONV_FWD_TT rows of its tile before computing (that many loads in flight per thread);
in the backward it slides along its tile of CONV_TT steps with the last K inputs in registers (its
window is larger, and the registers a full preload takes cost more than the loads in flight gain).
Either way every input is read from memory about once (plus a K-1 row halo per tile). The backward
also sums the weight gradients of 8 tiles in its block first (below). Both kernels were bound by
instruction issue, not memory (doc/perf.md): so no index divisions, no bound tests on tiles inside
the sequence, and the sigmoid from MUFU approximations.
(dev/cuda/conv1d.cu has the versions and their measurements.)
Weights and bias are read from the fp32 master copy. K is a template parameter (2..8).
*/
#ifndef CONV1D_CUH
#define CONV1D_CUH

#include "cuda_common.h"

#define CONV_TT 16    // time steps per thread, backward
#define CONV_FWD_TT 8 // time steps per thread, forward

/*
Backward. Block = 32 channel groups (x) by CONV_BWD_TILES = 8 tiles (y) of one batch row (z); a thread
takes VEC = 2 neighbouring channels (one 4-byte bf16 pair per access; VEC = 1 when Di is odd) of one
tile. dx[ts] needs dxc at ts .. ts+K-1, so the thread walks steps t0 .. t0+TT+K-2 (the last K-1 only
complete dx) with the last K values of dxc and of x in registers. Its share of dw, dbias (the sums
over its own steps) is summed over the block's 8 tiles in shared memory in a fixed order, into one
partial row partials[b * nrb + rb0 + blockIdx.y][k][d] (k == K for dbias; nrb row blocks per batch row,
launched 65535 at a time from rb0) that the finish kernel
sums in order: 8x less scratch traffic than a row per tile (~40% of the kernel's traffic at the 130m shape).
*/
#define CONV_BWD_TILES 8

// sigmoid(x): FAST = MUFU approximations (ex2, rcp: ~2 ulp), else expf and an IEEE division
#ifndef CONV_FAST_SIGMOID
#define CONV_FAST_SIGMOID true // the trainer's
#endif
template <bool FAST> __device__ __forceinline__ float conv_sigmoid(float x) {
    if constexpr (FAST) { return __fdividef(1.0f, 1.0f + __expf(-x)); } else { return 1.0f / (1.0f + expf(-x)); }
}

// VEC neighbouring channels in one access (the trainer uses 1 and 2; dev/cuda/conv1d.cu also 4)
template <int VEC> __device__ __forceinline__ void conv_load(float *f, const floatX *p) {
    if constexpr (VEC == 4) {
        float4 v = loadX4(p);
        f[0] = v.x; f[1] = v.y; f[2] = v.z; f[3] = v.w;
    } else if constexpr (VEC == 2) {
        float2 v = loadX2(p);
        f[0] = v.x; f[1] = v.y;
    } else {
        f[0] = toF(*p);
    }
}
template <int VEC> __device__ __forceinline__ void conv_store(floatX *p, const float *f) {
    if constexpr (VEC == 4) { storeX4(p, make_float4(f[0], f[1], f[2], f[3])); }
    else if constexpr (VEC == 2) { storeX2(p, make_float2(f[0], f[1])); }
    else { *p = fromF<floatX>(f[0]); }
}

// the fp32 taps and bias of channels d0 .. d0+VEC-1 into registers
template <int K, int VEC>
__device__ __forceinline__ void conv_load_weights(float (&wk)[VEC][K], float (&bd)[VEC], const float *w, const float *bias, int d0) {
#pragma unroll
    for (int v = 0; v < VEC; v++) {
#pragma unroll
        for (int k = 0; k < K; k++) { wk[v][k] = w[(d0 + v) * K + k]; }
        bd[v] = bias[d0 + v];
    }
}

// row ts of x (channels d0 ..) into f: x_prev (or 0) before the start, 0 from T on
template <int VEC>
__device__ __forceinline__ void conv_load_row(float *f, const floatX *xb, int ldx, int ts, int T, const float *x_prev, int b,
                                              int Di, int d0, int K) {
    if (ts >= 0 && ts < T) {
        conv_load<VEC>(f, xb + (size_t)ts * ldx);
    } else {
#pragma unroll
        for (int v = 0; v < VEC; v++) { f[v] = ts < 0 && x_prev != NULL ? x_prev[((size_t)b * Di + d0 + v) * K + K + ts] : 0.0f; }
    }
}

/*
Forward: a thread per (batch row, tile of TT steps, VEC neighbouring channels); grid (channel
groups / CONV_FWD_BLOCK, tiles from tile0, B), so no thread divides to find its indices (64-bit
divisions were a third of the kernel's instructions). Past 65535 tiles the wrapper launches again. PRE (the trainer's): the thread loads its TT+K-1 rows
into registers, then computes; otherwise it slides along its tile with the x window in registers,
one row load per step (dev/cuda/conv1d.cu compares them). VEC = 2 (one 4-byte bf16 pair per access)
unless Di, ldx or a base pointer is odd, then 1. Interior tiles (all rows inside the sequence) run
without bound tests; the first and last tile of a row take them (x_prev: see the top of the file).
*/
#define CONV_FWD_BLOCK 128

template <int K, int VEC, int TT, bool CHECK, bool FAST>
__device__ __forceinline__ void conv_fwd_tile_pre(floatX *ub, const floatX *xb, int ldx, const float *x_prev, const float (&wk)[VEC][K],
                                                  const float (&bd)[VEC], int t0, int T, int b, int Di, int d0) {
    float xr[TT + K - 1][VEC]; // x[t0-(K-1)] .. x[t0+TT-1], all loaded before any is used
#pragma unroll
    for (int j = 0; j < TT + K - 1; j++) {
        const int ts = t0 - (K - 1) + j;
        if constexpr (CHECK) { conv_load_row<VEC>(xr[j], xb, ldx, ts, T, x_prev, b, Di, d0, K); }
        else { conv_load<VEC>(xr[j], xb + (size_t)ts * ldx); }
    }
#pragma unroll
    for (int j = 0; j < TT; j++) {
        float o[VEC];
#pragma unroll
        for (int v = 0; v < VEC; v++) {
            float xc = bd[v];
#pragma unroll
            for (int k = 0; k < K; k++) { xc += wk[v][k] * xr[j + k][v]; }
            o[v] = xc * conv_sigmoid<FAST>(xc);
        }
        if (!CHECK || t0 + j < T) { conv_store<VEC>(ub + (size_t)(t0 + j) * Di, o); }
    }
}

template <int K, int VEC, int TT = CONV_FWD_TT, bool PRE = true, bool FAST = CONV_FAST_SIGMOID>
__global__ void __launch_bounds__(CONV_FWD_BLOCK) conv1d_silu_forward_kernel(floatX *u, const floatX *x, int ldx, const float *x_prev,
                                                                             const float *w, const float *bias, int B, int T, int Di,
                                                                             int tile0) {
    const int d0 = (blockIdx.x * CONV_FWD_BLOCK + threadIdx.x) * VEC, t0 = (tile0 + blockIdx.y) * TT, b = blockIdx.z;
    if (d0 >= Di) { return; } // Di % VEC == 0, so all VEC channels exist
    float wk[VEC][K], bd[VEC];
    conv_load_weights<K, VEC>(wk, bd, w, bias, d0);
    const floatX *xb = x + (size_t)b * T * ldx + d0;
    floatX *ub = u + (size_t)b * T * Di + d0;
    if constexpr (PRE) {
        if (t0 >= K - 1 && t0 + TT <= T) { conv_fwd_tile_pre<K, VEC, TT, false, FAST>(ub, xb, ldx, x_prev, wk, bd, t0, T, b, Di, d0); }
        else { conv_fwd_tile_pre<K, VEC, TT, true, FAST>(ub, xb, ldx, x_prev, wk, bd, t0, T, b, Di, d0); }
    } else {
        float win[K][VEC]; // win[K-1] is x[t], win[0] is x[t-(K-1)]
#pragma unroll
        for (int k = 0; k < K - 1; k++) { conv_load_row<VEC>(win[k], xb, ldx, t0 - (K - 1) + k, T, x_prev, b, Di, d0, K); }
        const int t_end = min(T, t0 + TT);
        for (int t = t0; t < t_end; t++) {
            conv_load<VEC>(win[K - 1], xb + (size_t)t * ldx);
            float o[VEC];
#pragma unroll
            for (int v = 0; v < VEC; v++) {
                float xc = bd[v];
#pragma unroll
                for (int k = 0; k < K; k++) { xc += wk[v][k] * win[k][v]; }
                o[v] = xc * conv_sigmoid<FAST>(xc);
            }
            conv_store<VEC>(ub + (size_t)t * Di, o);
#pragma unroll
            for (int k = 0; k < K - 1; k++) {
#pragma unroll
                for (int v = 0; v < VEC; v++) { win[k][v] = win[k + 1][v]; }
            }
        }
    }
}
// the forward's grid for `tiles` tiles (at most 65535: grid.y) of B rows (at most 65535: grid.z)
static inline dim3 conv1d_forward_grid(int B, int tiles, int Di, int vec) {
    return dim3((unsigned)ceil_div((long)(Di / vec), (long)CONV_FWD_BLOCK), (unsigned)tiles, (unsigned)B);
}

// One tile of the backward: the thread walks steps t0 .. t0+TT+K-2 (the last K-1 only complete dx)
// with the last K values of x and of dxc in registers, fully unrolled (the window shifts are renames).
// CHECK: rows past T (zero) and before 0 (zero: the backward has no x_prev) and a short last tile;
// interior tiles skip those tests. The pointers are __restrict__ (dx is another buffer than x and du):
// the x and du loads then go through the read-only path and the compiler may issue them ahead of the
// dx stores of the steps before, which it otherwise must not (5% faster, doc/perf.md).
template <int K, int VEC, int TT, bool CHECK, bool FAST>
__device__ __forceinline__ void conv_bwd_tile(float (&dwk)[K + 1][VEC], floatX *__restrict__ dxb, const floatX *__restrict__ dub,
                                              const floatX *__restrict__ xb, int ldx,
                                              const float (&wk)[VEC][K], const float (&bd)[VEC], int t0, int T, int Di) {
    const int t_end = min(T, t0 + TT);
    float win[K][VEC];  // x[t-(K-1)] .. x[t]
    float gwin[K][VEC]; // dxc[t-(K-1)] .. dxc[t]
#pragma unroll
    for (int k = 0; k < K - 1; k++) {
        const int ts = t0 - (K - 1) + k;
        if (!CHECK || ts >= 0) {
            conv_load<VEC>(win[k], xb + (size_t)ts * ldx);
        } else {
#pragma unroll
            for (int v = 0; v < VEC; v++) { win[k][v] = 0.0f; }
        }
#pragma unroll
        for (int v = 0; v < VEC; v++) { gwin[k][v] = 0.0f; }
    }
#pragma unroll
    for (int j = 0; j < TT + K - 1; j++) {
        const int t = t0 + j;
        float g[VEC];
        if (!CHECK || t < T) {
            float dd[VEC];
            conv_load<VEC>(win[K - 1], xb + (size_t)t * ldx);
            conv_load<VEC>(dd, dub + (size_t)t * Di);
#pragma unroll
            for (int v = 0; v < VEC; v++) {
                float xc = bd[v];
#pragma unroll
                for (int k = 0; k < K; k++) { xc += wk[v][k] * win[k][v]; }
                float s = conv_sigmoid<FAST>(xc);
                g[v] = dd[v] * s * (1.0f + xc * (1.0f - s));
            }
        } else { // past the sequence end dxc is zero
#pragma unroll
            for (int v = 0; v < VEC; v++) { win[K - 1][v] = 0.0f; g[v] = 0.0f; }
        }
#pragma unroll
        for (int v = 0; v < VEC; v++) { gwin[K - 1][v] = g[v]; }
        if (j < TT && (!CHECK || t < t_end)) { // this tile owns step t: its weight and bias sums
#pragma unroll
            for (int v = 0; v < VEC; v++) {
#pragma unroll
                for (int k = 0; k < K; k++) { dwk[k][v] += g[v] * win[k][v]; }
                dwk[K][v] += g[v];
            }
        }
        const int ts = t - (K - 1); // every dxc that reads x[ts] is now in the window
        if (j >= K - 1 && (!CHECK || ts < t_end)) {
            float acc[VEC];
#pragma unroll
            for (int v = 0; v < VEC; v++) {
                acc[v] = 0.0f;
#pragma unroll
                for (int k = 0; k < K; k++) { acc[v] += wk[v][k] * gwin[K - 1 - k][v]; }
            }
            conv_store<VEC>(dxb + (size_t)ts * ldx, acc);
        }
#pragma unroll
        for (int k = 0; k < K - 1; k++) {
#pragma unroll
            for (int v = 0; v < VEC; v++) { win[k][v] = win[k + 1][v]; gwin[k][v] = gwin[k + 1][v]; }
        }
    }
}

template <int K, int VEC, int TT = CONV_TT, bool FAST = CONV_FAST_SIGMOID>
__global__ void __launch_bounds__(32 * CONV_BWD_TILES)
conv1d_silu_backward_kernel(floatX *__restrict__ dx, float *__restrict__ partials, const floatX *__restrict__ du,
                            const floatX *__restrict__ x, int ldx, const float *__restrict__ w, const float *__restrict__ bias,
                            int B, int T, int Di, int rb0, int nrb) {
    __shared__ float red[CONV_BWD_TILES][K + 1][32 * VEC];
    const int tiles = (T + TT - 1) / TT, tx = threadIdx.x, ty = threadIdx.y;
    const int d0 = (blockIdx.x * 32 + tx) * VEC, tile = (rb0 + blockIdx.y) * CONV_BWD_TILES + ty, b = blockIdx.z;
    float dwk[K + 1][VEC]; // dw[d0+v, k] for k < K, dbias[d0+v] at k == K
#pragma unroll
    for (int k = 0; k <= K; k++) {
#pragma unroll
        for (int v = 0; v < VEC; v++) { dwk[k][v] = 0.0f; }
    }
    if (d0 < Di && tile < tiles) { // Di % VEC == 0, so all VEC channels exist
        const int t0 = tile * TT;
        float wk[VEC][K], bd[VEC];
        conv_load_weights<K, VEC>(wk, bd, w, bias, d0);
        const floatX *xb = x + (size_t)b * T * ldx + d0, *dub = du + (size_t)b * T * Di + d0;
        floatX *dxb = dx + (size_t)b * T * ldx + d0;
        if (t0 >= K - 1 && t0 + TT + K - 2 < T) { conv_bwd_tile<K, VEC, TT, false, FAST>(dwk, dxb, dub, xb, ldx, wk, bd, t0, T, Di); }
        else { conv_bwd_tile<K, VEC, TT, true, FAST>(dwk, dxb, dub, xb, ldx, wk, bd, t0, T, Di); }
    }
#pragma unroll
    for (int k = 0; k <= K; k++) {
#pragma unroll
        for (int v = 0; v < VEC; v++) { red[ty][k][tx * VEC + v] = dwk[k][v]; }
    }
    __syncthreads();
    float *prow = partials + ((size_t)b * nrb + rb0 + blockIdx.y) * (K + 1) * Di;
    for (int i = ty * 32 + tx; i < (K + 1) * 32 * VEC; i += 32 * CONV_BWD_TILES) {
        int k = i / (32 * VEC), c = i % (32 * VEC), d = blockIdx.x * 32 * VEC + c;
        if (d >= Di) { continue; }
        float s = 0.0f;
#pragma unroll
        for (int y = 0; y < CONV_BWD_TILES; y++) { s += red[y][k][c]; }
        prow[(size_t)k * Di + d] = s;
    }
}

// sums the partial rows: block (32 columns x 8 row lanes), lanes combined in a fixed order
__global__ void conv1d_weight_grad_finish_kernel(float *dw, float *dbias, const float *partials, int rows, int Di, int K) {
    __shared__ float lanes[8][33];
    int i = blockIdx.x * 32 + threadIdx.x; // i = k * Di + d
    float s = 0.0f;
    if (i < (K + 1) * Di) {
        for (int r = threadIdx.y; r < rows; r += 8) { s += partials[(size_t)r * (K + 1) * Di + i]; }
    }
    lanes[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y != 0 || i >= (K + 1) * Di) { return; }
    s = 0.0f;
    for (int y = 0; y < 8; y++) { s += lanes[y][threadIdx.x]; }
    int k = i / Di, d = i % Di;
    if (k == K) { dbias[d] += s; } else { dw[d * K + k] += s; }
}

// floats of scratch conv1d_silu_backward needs: a partial row per backward block row
static inline size_t conv1d_partials_size(int B, int T, int Di, int K) {
    return (size_t)B * ceil_div((T + CONV_TT - 1) / CONV_TT, CONV_BWD_TILES) * (K + 1) * Di;
}

// gridDim.y per launch: time tiles (forward) and row blocks (backward) past it are launched in parts;
// the tests lower it so that the parts meet at small T (the same bits either way)
static int conv1d_max_grid_y = 65535;

#define CONV_DISPATCH(K, call) \
    switch (K) { \
        case 2: call(2); break; case 3: call(3); break; case 4: call(4); break; case 5: call(5); break; \
        case 6: call(6); break; case 7: call(7); break; case 8: call(8); break; \
        default: fprintf(stderr, "error: conv kernel size %d not supported on the GPU (2..8)\n", K); exit(EXIT_FAILURE); \
    }

void conv1d_silu_forward(floatX *u, const floatX *x, int ldx, const float *x_prev, const float *w, const float *bias,
                         int B, int T, int Di, int K, cudaStream_t stream) {
    size_t pair = 2 * sizeof(floatX);
    int vec = Di % 2 == 0 && ldx % 2 == 0 && is_aligned(u, pair) && is_aligned(x, pair) ? 2 : 1;
    if (B > 65535) { fprintf(stderr, "error: conv1d forward: batch size %d over the grid's 65535\n", B); exit(EXIT_FAILURE); }
    const int tiles = (T + CONV_FWD_TT - 1) / CONV_FWD_TT;
    const int G = conv1d_max_grid_y;
    for (int tile0 = 0; tile0 < tiles; tile0 += G) { // one launch unless T > 65535 tiles
        const dim3 grid = conv1d_forward_grid(B, tiles - tile0 < G ? tiles - tile0 : G, Di, vec);
#define LAUNCH_FWD(KK) \
        if (vec == 2) { conv1d_silu_forward_kernel<KK, 2><<<grid, CONV_FWD_BLOCK, 0, stream>>>(u, x, ldx, x_prev, w, bias, B, T, Di, tile0); } \
        else { conv1d_silu_forward_kernel<KK, 1><<<grid, CONV_FWD_BLOCK, 0, stream>>>(u, x, ldx, x_prev, w, bias, B, T, Di, tile0); }
        CONV_DISPATCH(K, LAUNCH_FWD)
#undef LAUNCH_FWD
    }
    cudaCheck(cudaGetLastError());
}

// after a chunk of T inputs: the conv state x_prev (B, Di, K) becomes the stream's last K inputs;
// one thread per (b, d), ascending k, so st[k + T] (k + T > k) is read before it is overwritten
__global__ void conv1d_state_update_kernel(float *x_prev, const floatX *x, int ldx, int B, int T, int Di, int K) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= B * Di) { return; }
    int b = i / Di, d = i % Di;
    float *st = x_prev + (size_t)i * K;
    for (int k = 0; k < K; k++) {
        int ts = T - K + k;
        st[k] = ts >= 0 ? toF(x[((size_t)b * T + ts) * ldx + d]) : st[k + T];
    }
}

void conv1d_state_update(float *x_prev, const floatX *x, int ldx, int B, int T, int Di, int K, cudaStream_t stream) {
    conv1d_state_update_kernel<<<ceil_div((long)B * Di, 256), 256, 0, stream>>>(x_prev, x, ldx, B, T, Di, K);
    cudaCheck(cudaGetLastError());
}

// dx overwrites the x half of dxz; partials: conv1d_partials_size floats; dx, partials, du and x must not
// overlap (the kernel's pointers are __restrict__)
void conv1d_silu_backward(floatX *dx, float *dw, float *dbias, float *partials, const floatX *du,
                          const floatX *x, int ldx, const float *w, const float *bias, int B, int T, int Di, int K,
                          cudaStream_t stream) {
    if (B > 65535) { fprintf(stderr, "error: conv1d backward: batch size %d over the grid's 65535\n", B); exit(EXIT_FAILURE); }
    // channel pairs: every row offset even (Di, ldx even) and the bases aligned to a pair
    size_t pair = 2 * sizeof(floatX);
    int vec = Di % 2 == 0 && ldx % 2 == 0 && is_aligned(dx, pair) && is_aligned(du, pair) && is_aligned(x, pair) ? 2 : 1;
    int row_blocks = ceil_div((T + CONV_TT - 1) / CONV_TT, CONV_BWD_TILES);
    const int G = conv1d_max_grid_y;
    for (int rb0 = 0; rb0 < row_blocks; rb0 += G) { // one launch unless T > 65535 row blocks (8.4M steps)
        dim3 grid(ceil_div(Di / vec, 32), row_blocks - rb0 < G ? row_blocks - rb0 : G, B), block(32, CONV_BWD_TILES);
#define LAUNCH_BWD(KK) \
        if (vec == 2) { conv1d_silu_backward_kernel<KK, 2><<<grid, block, 0, stream>>>(dx, partials, du, x, ldx, w, bias, B, T, Di, rb0, row_blocks); } \
        else { conv1d_silu_backward_kernel<KK, 1><<<grid, block, 0, stream>>>(dx, partials, du, x, ldx, w, bias, B, T, Di, rb0, row_blocks); }
        CONV_DISPATCH(K, LAUNCH_BWD)
#undef LAUNCH_BWD
    }
    cudaCheck(cudaGetLastError());
    conv1d_weight_grad_finish_kernel<<<ceil_div((long)(K + 1) * Di, 32), dim3(32, 8), 0, stream>>>(dw, dbias, partials, B * row_blocks, Di, K);
    cudaCheck(cudaGetLastError());
}

#endif // CONV1D_CUH
