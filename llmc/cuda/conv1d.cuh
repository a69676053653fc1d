/*
Causal depthwise conv1d fused with SiLU:  u[b,t,d] = silu(bias[d] + sum_k w[d,k] x[b,t-(K-1)+k,d]),
x = 0 before the sequence start. x is the first half of in_proj's output (rows ldx = 2*Di apart).
The backward never stores the conv output: it recomputes it where it is needed.
    dxc = du * silu'(xc);  dx[ts] = sum_k w[k] dxc[ts+(K-1)-k];  dw[d,k] = sum dxc[t] x[t-(K-1)+k];  dbias = sum dxc
Work layout: one thread per (batch row, tile of CONV_TT steps, channel), channels fastest so a
warp reads 32 neighbouring channels of one token (coalesced). Each thread slides along its tile
with the x window in registers, so every input is read from memory about once.
Weights and bias are read from the fp32 master copy. K is a template parameter (2..8).
*/
#ifndef CONV1D_CUH
#define CONV1D_CUH

#include "cuda_common.h"

#define CONV_TT 16 // time steps per thread

template <int K>
__global__ void conv1d_silu_forward_kernel(floatX *u, const floatX *x, int ldx, const float *w, const float *bias,
                                           int B, int T, int Di) {
    int tiles = (T + CONV_TT - 1) / CONV_TT;
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)B * tiles * Di) { return; }
    int d = (int)(i % Di);
    int tile = (int)((i / Di) % tiles), b = (int)(i / Di / tiles);
    int t0 = tile * CONV_TT;
    float wk[K];
    for (int k = 0; k < K; k++) { wk[k] = w[d * K + k]; }
    float bd = bias[d];
    float win[K]; // win[K-1] is x[t], win[0] is x[t-(K-1)]
    for (int k = 0; k < K - 1; k++) {
        int ts = t0 - (K - 1) + k;
        win[k] = ts >= 0 ? toF(x[((size_t)b * T + ts) * ldx + d]) : 0.0f;
    }
    for (int j = 0; j < CONV_TT; j++) {
        int t = t0 + j;
        if (t >= T) { break; }
        win[K - 1] = toF(x[((size_t)b * T + t) * ldx + d]);
        float xc = bd;
        for (int k = 0; k < K; k++) { xc += wk[k] * win[k]; }
        u[((size_t)b * T + t) * Di + d] = fromF<floatX>(xc / (1.0f + expf(-xc)));
        for (int k = 0; k < K - 1; k++) { win[k] = win[k + 1]; }
    }
}

/*
Backward for one (b, tile, d): dx for the tile's steps, and this thread's share of dw, dbias
(the sums over its own steps) into partials[(b * tiles + tile)][k][d], summed in order below.
dx[ts] needs dxc at ts .. ts+K-1, so the thread walks steps t0 .. t0+TT+K-2 and keeps the last
K values of dxc and of x in registers.
*/
template <int K>
__global__ void conv1d_silu_backward_kernel(floatX *dx, float *partials, const floatX *du, const floatX *x, int ldx,
                                            const float *w, const float *bias, int B, int T, int Di) {
    int tiles = (T + CONV_TT - 1) / CONV_TT;
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)B * tiles * Di) { return; }
    int d = (int)(i % Di);
    int tile = (int)((i / Di) % tiles), b = (int)(i / Di / tiles);
    int t0 = tile * CONV_TT, t_end = min(T, t0 + CONV_TT);
    float wk[K], dwk[K + 1];
    for (int k = 0; k < K; k++) { wk[k] = w[d * K + k]; dwk[k] = 0.0f; }
    dwk[K] = 0.0f;
    float bd = bias[d];
    float win[K];  // x[t-(K-1)] .. x[t]
    float gwin[K]; // dxc[t-(K-1)] .. dxc[t]
    for (int k = 0; k < K - 1; k++) {
        int ts = t0 - (K - 1) + k;
        win[k] = ts >= 0 ? toF(x[((size_t)b * T + ts) * ldx + d]) : 0.0f;
        gwin[k] = 0.0f;
    }
    for (int t = t0; t < t_end + K - 1; t++) {
        float g = 0.0f;
        win[K - 1] = t < T ? toF(x[((size_t)b * T + t) * ldx + d]) : 0.0f;
        if (t < T) {
            float xc = bd;
            for (int k = 0; k < K; k++) { xc += wk[k] * win[k]; }
            float s = 1.0f / (1.0f + expf(-xc));
            g = toF(du[((size_t)b * T + t) * Di + d]) * s * (1.0f + xc * (1.0f - s));
        }
        gwin[K - 1] = g;
        if (t < t_end) { // this tile owns step t: its weight and bias sums
            for (int k = 0; k < K; k++) { dwk[k] += g * win[k]; }
            dwk[K] += g;
        }
        int ts = t - (K - 1); // every dxc that reads x[ts] is now in the window
        if (ts >= t0 && ts < t_end) {
            float acc = 0.0f;
            for (int k = 0; k < K; k++) { acc += wk[k] * gwin[K - 1 - k]; }
            dx[((size_t)b * T + ts) * ldx + d] = fromF<floatX>(acc);
        }
        for (int k = 0; k < K - 1; k++) { win[k] = win[k + 1]; gwin[k] = gwin[k + 1]; }
    }
    float *p = partials + (size_t)(b * tiles + tile) * (K + 1) * Di;
    for (int k = 0; k <= K; k++) { p[(size_t)k * Di + d] = dwk[k]; }
}

// sums the per-tile partials: block (32 columns x 8 row lanes), lanes combined in a fixed order
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

// floats of scratch conv1d_silu_backward needs
static inline size_t conv1d_partials_size(int B, int T, int Di, int K) {
    return (size_t)B * ((T + CONV_TT - 1) / CONV_TT) * (K + 1) * Di;
}

#define CONV_DISPATCH(K, call) \
    switch (K) { \
        case 2: call(2); break; case 3: call(3); break; case 4: call(4); break; case 5: call(5); break; \
        case 6: call(6); break; case 7: call(7); break; case 8: call(8); break; \
        default: fprintf(stderr, "error: conv kernel size %d not supported on the GPU (2..8)\n", K); exit(EXIT_FAILURE); \
    }

void conv1d_silu_forward(floatX *u, const floatX *x, int ldx, const float *w, const float *bias,
                         int B, int T, int Di, int K, cudaStream_t stream) {
    long threads = (long)B * ((T + CONV_TT - 1) / CONV_TT) * Di;
#define LAUNCH_FWD(KK) conv1d_silu_forward_kernel<KK><<<ceil_div(threads, 256), 256, 0, stream>>>(u, x, ldx, w, bias, B, T, Di)
    CONV_DISPATCH(K, LAUNCH_FWD)
#undef LAUNCH_FWD
    cudaCheck(cudaGetLastError());
}

// dx overwrites the x half of dxz; partials: conv1d_partials_size floats
void conv1d_silu_backward(floatX *dx, float *dw, float *dbias, float *partials, const floatX *du,
                          const floatX *x, int ldx, const float *w, const float *bias, int B, int T, int Di, int K,
                          cudaStream_t stream) {
    int tiles = (T + CONV_TT - 1) / CONV_TT;
    long threads = (long)B * tiles * Di;
#define LAUNCH_BWD(KK) conv1d_silu_backward_kernel<KK><<<ceil_div(threads, 256), 256, 0, stream>>>(dx, partials, du, x, ldx, w, bias, B, T, Di)
    CONV_DISPATCH(K, LAUNCH_BWD)
#undef LAUNCH_BWD
    cudaCheck(cudaGetLastError());
    conv1d_weight_grad_finish_kernel<<<ceil_div((long)(K + 1) * Di, 32), dim3(32, 8), 0, stream>>>(dw, dbias, partials, B * tiles, Di, K);
    cudaCheck(cudaGetLastError());
}

#endif // CONV1D_CUH
