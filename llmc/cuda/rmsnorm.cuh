/*
RMSNorm over the fp32 residual stream (fused with the residual add), and a cast. One warp per token row.
    out = inp * rstd * weight,  rstd = 1 / sqrt(mean(inp^2) + eps)
    dinp += rstd * g - inp * rstd^3 * mean(g * inp),  g = dout * weight
    dweight += sum over rows of dout * inp * rstd   (column_sum: deterministic)
*/
#ifndef RMSNORM_CUH
#define RMSNORM_CUH

#include "cuda_common.h"
#include "reduce.cuh"

__global__ void rmsnorm_forward_kernel(floatX *out, float *rstd, const float *inp, const float *weight, int BT, int C) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= BT) { return; }
    const float *x = inp + (size_t)row * C;
    float ss = 0.0f;
    for (int i = lane; i < C; i += 32) { ss += x[i] * x[i]; }
    ss = warp_sum(ss);
    float s = rsqrtf(ss / C + 1e-5f);
    for (int i = lane; i < C; i += 32) { out[(size_t)row * C + i] = fromF<floatX>(x[i] * s * weight[i]); }
    if (lane == 0 && rstd != NULL) { rstd[row] = s; }
}

/*
The residual add fused with the next RMSNorm: resout = resin + branch (fp32), out = RMSNorm(resout).
One read of each input instead of two passes.
*/
__global__ void residual_rmsnorm_forward_kernel(float *resout, floatX *out, float *rstd, const float *resin,
                                                const floatX *branch, const float *weight, int BT, int C) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= BT) { return; }
    const float *a = resin + (size_t)row * C;
    const floatX *b = branch + (size_t)row * C;
    float *r = resout + (size_t)row * C;
    float ss = 0.0f;
    for (int i = lane; i < C; i += 32) {
        float v = a[i] + toF(b[i]);
        r[i] = v;
        ss += v * v;
    }
    ss = warp_sum(ss);
    float s = rsqrtf(ss / C + 1e-5f);
    for (int i = lane; i < C; i += 32) { out[(size_t)row * C + i] = fromF<floatX>(r[i] * s * weight[i]); }
    if (lane == 0) { rstd[row] = s; }
}

void residual_rmsnorm_forward(float *resout, floatX *out, float *rstd, const float *resin, const floatX *branch,
                              const float *weight, int BT, int C, cudaStream_t stream) {
    residual_rmsnorm_forward_kernel<<<ceil_div(BT, 8), 256, 0, stream>>>(resout, out, rstd, resin, branch, weight, BT, C);
    cudaCheck(cudaGetLastError());
}

void rmsnorm_forward(floatX *out, float *rstd, const float *inp, const float *weight, int BT, int C, cudaStream_t stream) {
    rmsnorm_forward_kernel<<<ceil_div(BT, 8), 256, 0, stream>>>(out, rstd, inp, weight, BT, C);
    cudaCheck(cudaGetLastError());
}

// also leaves dinp in floatX (dinp_lowp): the next layer down reads it as its out_proj gradient
__global__ void rmsnorm_backward_kernel(float *dinp, floatX *dinp_lowp, const floatX *dout, const float *inp,
                                        const float *weight, const float *rstd, int BT, int C) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= BT) { return; }
    const float *x = inp + (size_t)row * C;
    const floatX *dy = dout + (size_t)row * C;
    float s = rstd[row], dot = 0.0f;
    for (int i = lane; i < C; i += 32) { dot += toF(dy[i]) * weight[i] * x[i]; }
    dot = warp_sum(dot);
    float coef = s * s * s * dot / C;
    for (int i = lane; i < C; i += 32) {
        size_t idx = (size_t)row * C + i;
        float v = dinp[idx] + s * toF(dy[i]) * weight[i] - coef * x[i];
        dinp[idx] = v;
        dinp_lowp[idx] = fromF<floatX>(v);
    }
}

struct RmsnormWeightGrad {
    const floatX *dout; const float *inp; const float *rstd; int C;
    __device__ float operator()(int r, int c) const { return toF(dout[(size_t)r * C + c]) * inp[(size_t)r * C + c] * rstd[r]; }
};
struct AddTo {
    float *dst;
    __device__ void operator()(int c, float s) const { dst[c] += s; }
};

// partials: COLSUM_SLICES * C floats of scratch
void rmsnorm_backward(float *dinp, floatX *dinp_lowp, float *dweight, float *partials, const floatX *dout, const float *inp,
                      const float *weight, const float *rstd, int BT, int C, cudaStream_t stream) {
    rmsnorm_backward_kernel<<<ceil_div(BT, 8), 256, 0, stream>>>(dinp, dinp_lowp, dout, inp, weight, rstd, BT, C);
    cudaCheck(cudaGetLastError());
    column_sum(partials, RmsnormWeightGrad{dout, inp, rstd, C}, AddTo{dweight}, BT, C, stream);
}

// out (fp32) = inp1 (fp32) + inp2 (floatX): the residual stream stays fp32
__global__ void residual_forward_kernel(float *out, const float *inp1, const floatX *inp2, size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) { out[i] = inp1[i] + toF(inp2[i]); }
}

void residual_forward(float *out, const float *inp1, const floatX *inp2, size_t n, cudaStream_t stream) {
    residual_forward_kernel<<<ceil_div((long)n, 256), 256, 0, stream>>>(out, inp1, inp2, n);
    cudaCheck(cudaGetLastError());
}

__global__ void cast_kernel(floatX *out, const float *inp, size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) { out[i] = fromF<floatX>(inp[i]); }
}

void cast_to_floatX(floatX *out, const float *inp, size_t n, cudaStream_t stream) {
    cast_kernel<<<ceil_div((long)n, 256), 256, 0, stream>>>(out, inp, n);
    cudaCheck(cudaGetLastError());
}

#endif // RMSNORM_CUH
