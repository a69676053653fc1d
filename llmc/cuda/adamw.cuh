/*
AdamW on the fp32 master weights, and the global gradient norm.
The update also refreshes the floatX copy of the weights that the matmuls read.
The norm is a sum of squares in two fixed-shape passes (no atomics): bitwise repeatable.
*/
#ifndef ADAMW_CUH
#define ADAMW_CUH

#include "cuda_common.h"

__global__ void adamw_kernel(float *params, floatX *params_lowp, const float *grads, float *m, float *v, size_t n,
                             float lr, float beta1, float beta2, float bc1, float bc2, float eps, float wd, float grad_scale) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) { return; }
    float grad = grads[i] * grad_scale;
    float mi = beta1 * m[i] + (1.0f - beta1) * grad;
    float vi = beta2 * v[i] + (1.0f - beta2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    float p = params[i];
    p -= lr * ((mi / bc1) / (sqrtf(vi / bc2) + eps) + wd * p);
    params[i] = p;
    params_lowp[i] = fromF<floatX>(p);
}

void adamw_update(float *params, floatX *params_lowp, const float *grads, float *m, float *v, size_t n, float lr,
                  float beta1, float beta2, int t, float eps, float wd, float grad_scale, cudaStream_t stream) {
    float bc1 = 1.0f - powf(beta1, (float)t), bc2 = 1.0f - powf(beta2, (float)t);
    adamw_kernel<<<ceil_div((long)n, 256), 256, 0, stream>>>(params, params_lowp, grads, m, v, n, lr, beta1, beta2,
                                                             bc1, bc2, eps, wd, grad_scale);
    cudaCheck(cudaGetLastError());
}

#define NORM_BLOCKS 1024

__global__ void norm_squared_partials_kernel(float *partials, const float *x, size_t n) {
    float acc = 0.0f;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        acc += x[i] * x[i];
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) { partials[blockIdx.x] = acc; }
}

__global__ void sum_partials_kernel(float *out, const float *partials, int n) {
    float acc = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) { acc += partials[i]; }
    acc = block_sum(acc);
    if (threadIdx.x == 0) { *out = acc; }
}

// out (device, 1 float) = sum of x^2; partials: NORM_BLOCKS floats
void global_norm_squared(float *out, float *partials, const float *x, size_t n, cudaStream_t stream) {
    norm_squared_partials_kernel<<<NORM_BLOCKS, 256, 0, stream>>>(partials, x, n);
    cudaCheck(cudaGetLastError());
    sum_partials_kernel<<<1, 1024, 0, stream>>>(out, partials, NORM_BLOCKS);
    cudaCheck(cudaGetLastError());
}

#endif // ADAMW_CUH
