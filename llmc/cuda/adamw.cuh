/*
AdamW on the fp32 master weights, and the global gradient norm.
The update also refreshes the floatX copy of the weights that the matmuls read.
Both stream their arrays in 16-byte accesses (the bf16 copy in 8-byte ones), a thread per 4
elements: [0, n) splits into a scalar head that brings params to a 16-byte boundary, the float4
body, and a scalar tail; the first threads also take one head or tail element each. Arrays not
aligned alike (a ZeRO-1 shard can start the moments elsewhere) are done all scalar.
The norm is a sum of squares in two fixed-shape passes (no atomics): bitwise repeatable.
*/
#ifndef ADAMW_CUH
#define ADAMW_CUH

#include "cuda_common.h"

// [0, head) scalar, [head, head + 4 n4) as float4s, the rest scalar; rem = head + tail
struct VecSplit { size_t head, n4, rem; };

// the k-th scalar element (k < rem)
__device__ __forceinline__ size_t scalar_index(size_t k, size_t head, size_t n4) { return k < head ? k : 4 * n4 + k; }

static inline VecSplit split_one(const float *x, size_t n) {
    VecSplit s;
    s.head = (16 - (uintptr_t)x % 16) % 16 / 4;
    if (s.head > n) { s.head = n; }
    s.n4 = (n - s.head) / 4;
    s.rem = n - 4 * s.n4;
    return s;
}

// the split that aligns params, if it aligns the other four arrays too; else all scalar
static inline VecSplit vector_split(const float *params, const float *grads, const float *m, const float *v,
                                    const floatX *lowp, size_t n) {
    VecSplit s = split_one(params, n);
    size_t h = s.head;
    int ok = is_aligned(grads + h, 16) && is_aligned(m + h, 16) && is_aligned(v + h, 16) && is_aligned(lowp + h, 4 * sizeof(floatX));
    if (!ok) {
        s.head = n;
        s.n4 = 0;
        s.rem = n;
    }
    return s;
}

// 1/bc1 and 1/bc2 folded on the host: one division per element left
struct AdamCoef { float lr, beta1, beta2, omb1, omb2, inv_bc1, inv_bc2, eps, wd, grad_scale; };

__device__ __forceinline__ float adamw_one(float p, float g, float &m, float &v, const AdamCoef &c) {
    float grad = g * c.grad_scale;
    m = c.beta1 * m + c.omb1 * grad;
    v = c.beta2 * v + c.omb2 * grad * grad;
    return p - c.lr * ((m * c.inv_bc1) / (sqrtf(v * c.inv_bc2) + c.eps) + c.wd * p);
}

__device__ __forceinline__ void adamw_vec4(float *params, floatX *lowp, const float *grads, float *m, float *v, size_t e,
                                           const AdamCoef &c) {
    float4 p = *(float4 *)(params + e), g = *(const float4 *)(grads + e);
    float4 mm = *(float4 *)(m + e), vv = *(float4 *)(v + e);
    p.x = adamw_one(p.x, g.x, mm.x, vv.x, c);
    p.y = adamw_one(p.y, g.y, mm.y, vv.y, c);
    p.z = adamw_one(p.z, g.z, mm.z, vv.z, c);
    p.w = adamw_one(p.w, g.w, mm.w, vv.w, c);
    *(float4 *)(params + e) = p;
    *(float4 *)(m + e) = mm;
    *(float4 *)(v + e) = vv;
    storeX4(lowp + e, p);
}

__device__ __forceinline__ void adamw_scalar(float *params, floatX *lowp, const float *grads, float *m, float *v, size_t e,
                                             const AdamCoef &c) {
    float mm = m[e], vv = v[e];
    float p = adamw_one(params[e], grads[e], mm, vv, c);
    m[e] = mm;
    v[e] = vv;
    params[e] = p;
    lowp[e] = fromF<floatX>(p);
}

__global__ void adamw_kernel(float *params, floatX *lowp, const float *grads, float *m, float *v, VecSplit s, AdamCoef c) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < s.n4) { adamw_vec4(params, lowp, grads, m, v, s.head + 4 * i, c); }
    if (i < s.rem) { adamw_scalar(params, lowp, grads, m, v, scalar_index(i, s.head, s.n4), c); }
}

// step t is 1-based; grad_scale multiplies every gradient (the clip)
void adamw_update(float *params, floatX *params_lowp, const float *grads, float *m, float *v, size_t n, float lr,
                  float beta1, float beta2, int t, float eps, float wd, float grad_scale, cudaStream_t stream) {
    VecSplit s = vector_split(params, grads, m, v, params_lowp, n);
    size_t threads = s.n4 > s.rem ? s.n4 : s.rem;
    if (threads == 0) { return; }
    AdamCoef c;
    c.lr = lr; c.beta1 = beta1; c.beta2 = beta2; c.omb1 = 1.0f - beta1; c.omb2 = 1.0f - beta2;
    c.inv_bc1 = 1.0f / (1.0f - powf(beta1, (float)t));
    c.inv_bc2 = 1.0f / (1.0f - powf(beta2, (float)t));
    c.eps = eps; c.wd = wd; c.grad_scale = grad_scale;
    adamw_kernel<<<ceil_div((long)threads, 256), 256, 0, stream>>>(params, params_lowp, grads, m, v, s, c);
    cudaCheck(cudaGetLastError());
}

#define NORM_BLOCKS 1024
#define NORM_UNROLL 4 // float4 loads in flight per thread

// sum of squares of this thread's share of x (grid-stride): the float4 body, then the scalar rest. In double, as the
// CPU trainer sums: a float sum overflows once the norm passes 1.8e19 (the square root of fp32's largest value), and
// the step would be skipped as non-finite where the CPU trainer clips it
__device__ __forceinline__ double sumsq_thread(const float *x, VecSplit s) {
    const float4 *x4 = (const float4 *)(x + s.head);
    size_t gid = (size_t)blockIdx.x * blockDim.x + threadIdx.x, stride = (size_t)gridDim.x * blockDim.x;
    double acc = 0.0;
    for (size_t base = gid; base < s.n4; base += stride * NORM_UNROLL) {
        float4 q[NORM_UNROLL];
#pragma unroll
        for (int u = 0; u < NORM_UNROLL; u++) {
            size_t k = base + u * stride;
            q[u] = k < s.n4 ? x4[k] : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        }
#pragma unroll
        for (int u = 0; u < NORM_UNROLL; u++) {
            acc = fma((double)q[u].x, (double)q[u].x, acc);
            acc = fma((double)q[u].y, (double)q[u].y, acc);
            acc = fma((double)q[u].z, (double)q[u].z, acc);
            acc = fma((double)q[u].w, (double)q[u].w, acc);
        }
    }
    for (size_t k = gid; k < s.rem; k += stride) {
        double xv = x[scalar_index(k, s.head, s.n4)];
        acc = fma(xv, xv, acc);
    }
    return acc;
}

__global__ void norm_squared_partials_kernel(double *partials, const float *x, VecSplit s) {
    double acc = block_sum(sumsq_thread(x, s));
    if (threadIdx.x == 0) { partials[blockIdx.x] = acc; }
}

__global__ void sum_partials_kernel(double *out, const double *partials, int n) {
    double acc = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) { acc += partials[i]; }
    acc = block_sum(acc);
    if (threadIdx.x == 0) { *out = acc; }
}

// out (device, 1 double) = sum of x^2; partials: NORM_BLOCKS doubles
void global_norm_squared(double *out, double *partials, const float *x, size_t n, cudaStream_t stream) {
    norm_squared_partials_kernel<<<NORM_BLOCKS, 256, 0, stream>>>(partials, x, split_one(x, n));
    cudaCheck(cudaGetLastError());
    sum_partials_kernel<<<1, 1024, 0, stream>>>(out, partials, NORM_BLOCKS);
    cudaCheck(cudaGetLastError());
}

#endif // ADAMW_CUH
