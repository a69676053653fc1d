/*
Causal depthwise conv1d fused with SiLU:  u[b,t,d] = silu(bias[d] + sum_k w[d,k] x[b,t-(K-1)+k,d]),
x = 0 before the sequence start. x is the first half of in_proj's output (rows ldx = 2*Di apart).
The backward recomputes the conv output instead of storing it:
    dxc = du * silu'(xc);  dx[ts] = sum_k w[k] dxc[ts+(K-1)-k];  dw[d,k] = sum dxc[t] x[t-(K-1)+k];  dbias = sum dxc
Weights and bias are read from the fp32 master copy.
*/
#ifndef CONV1D_CUH
#define CONV1D_CUH

#include "cuda_common.h"
#include "reduce.cuh"

__device__ __forceinline__ float conv_at(const floatX *x, int ldx, const float *w, const float *bias,
                                         int b, int t, int d, int T, int K) {
    float acc = bias[d];
    for (int k = 0; k < K; k++) {
        int ts = t - (K - 1) + k;
        if (ts >= 0) { acc += w[d * K + k] * toF(x[((size_t)b * T + ts) * ldx + d]); }
    }
    return acc;
}

__global__ void conv1d_silu_forward_kernel(floatX *u, const floatX *x, int ldx, const float *w, const float *bias,
                                           int B, int T, int Di, int K) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)B * T * Di) { return; }
    int d = (int)(i % Di);
    size_t bt = i / Di;
    int b = (int)(bt / T), t = (int)(bt % T);
    float xc = conv_at(x, ldx, w, bias, b, t, d, T, K);
    u[i] = fromF<floatX>(xc / (1.0f + expf(-xc)));
}

void conv1d_silu_forward(floatX *u, const floatX *x, int ldx, const float *w, const float *bias,
                         int B, int T, int Di, int K, cudaStream_t stream) {
    conv1d_silu_forward_kernel<<<ceil_div((long)B * T * Di, 256), 256, 0, stream>>>(u, x, ldx, w, bias, B, T, Di, K);
    cudaCheck(cudaGetLastError());
}

__global__ void conv1d_silu_dxc_kernel(float *dxc, const floatX *du, const floatX *x, int ldx, const float *w,
                                       const float *bias, int B, int T, int Di, int K) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)B * T * Di) { return; }
    int d = (int)(i % Di);
    size_t bt = i / Di;
    int b = (int)(bt / T), t = (int)(bt % T);
    float xc = conv_at(x, ldx, w, bias, b, t, d, T, K);
    float s = 1.0f / (1.0f + expf(-xc));
    dxc[i] = toF(du[i]) * s * (1.0f + xc * (1.0f - s));
}

__global__ void conv1d_dx_kernel(floatX *dx, int ldx, const float *dxc, const float *w, int B, int T, int Di, int K) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)B * T * Di) { return; }
    int d = (int)(i % Di);
    size_t bt = i / Di;
    int b = (int)(bt / T), ts = (int)(bt % T);
    float acc = 0.0f;
    for (int k = 0; k < K; k++) {
        int t = ts + (K - 1) - k;
        if (t < T) { acc += w[d * K + k] * dxc[((size_t)b * T + t) * Di + d]; }
    }
    dx[bt * ldx + d] = fromF<floatX>(acc);
}

// column k*Di + d: k < K gives dw[d,k], k == K gives dbias[d]
struct ConvWeightGrad {
    const float *dxc; const floatX *x; int ldx, T, Di, K;
    __device__ float operator()(int r, int col) const {
        int k = col / Di, d = col % Di;
        float g = dxc[(size_t)r * Di + d];
        if (k == K) { return g; }
        int t = r % T, ts = t - (K - 1) + k;
        return ts >= 0 ? g * toF(x[(size_t)(r - (K - 1) + k) * ldx + d]) : 0.0f;
    }
};
struct ConvWeightStore {
    float *dw; float *dbias; int Di, K;
    __device__ void operator()(int col, float s) const {
        int k = col / Di, d = col % Di;
        if (k == K) { dbias[d] += s; } else { dw[d * K + k] += s; }
    }
};

// dx overwrites the x half of dxz; dxc_scratch: B*T*Di floats; partials: COLSUM_SLICES*(K+1)*Di floats
void conv1d_silu_backward(floatX *dx, float *dw, float *dbias, float *dxc_scratch, float *partials, const floatX *du,
                          const floatX *x, int ldx, const float *w, const float *bias, int B, int T, int Di, int K,
                          cudaStream_t stream) {
    long n = (long)B * T * Di;
    conv1d_silu_dxc_kernel<<<ceil_div(n, 256), 256, 0, stream>>>(dxc_scratch, du, x, ldx, w, bias, B, T, Di, K);
    cudaCheck(cudaGetLastError());
    conv1d_dx_kernel<<<ceil_div(n, 256), 256, 0, stream>>>(dx, ldx, dxc_scratch, w, B, T, Di, K);
    cudaCheck(cudaGetLastError());
    column_sum(partials, ConvWeightGrad{dxc_scratch, x, ldx, T, Di, K}, ConvWeightStore{dw, dbias, Di, K},
               B * T, (K + 1) * Di, stream);
}

#endif // CONV1D_CUH
