/*
Shared by the GPU trainer and its kernels: the compute type, error checks, and small helpers.
floatX is the activation / matmul operand type: bf16, or fp32 with -DENABLE_FP32 (the tight
correctness build). Master weights, AdamW moments, the residual stream and everything in the
selective scan stay fp32 in both builds.
*/
#ifndef CUDA_COMMON_H
#define CUDA_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <cuda_runtime.h>
#include <cuda_bf16.h>

#ifdef ENABLE_FP32
typedef float floatX;
#define PRECISION_MODE "fp32"
#else
typedef __nv_bfloat16 floatX;
#define PRECISION_MODE "bf16"
#endif
#define FLOATX_DEFINED

static inline void cuda_check(cudaError_t error, const char *file, int line) {
    if (error != cudaSuccess) {
        fprintf(stderr, "error: CUDA: %s [%s:%d]\n", cudaGetErrorString(error), file, line);
        exit(EXIT_FAILURE);
    }
}
#define cudaCheck(err) (cuda_check(err, __FILE__, __LINE__))

static inline int ceil_div(long a, long b) { return (int)((a + b - 1) / b); }

// conversions that read the same in both builds
__device__ __forceinline__ float toF(float v) { return v; }
__device__ __forceinline__ float toF(__nv_bfloat16 v) { return __bfloat162float(v); }
template <typename T> __device__ __forceinline__ T fromF(float v);
template <> __device__ __forceinline__ float fromF<float>(float v) { return v; }
template <> __device__ __forceinline__ __nv_bfloat16 fromF<__nv_bfloat16>(float v) { return __float2bfloat16(v); }

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) { v += __shfl_xor_sync(0xffffffff, v, o); }
    return v;
}
__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) { v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, o)); }
    return v;
}

// block-wide sum in a fixed order (deterministic); every thread gets the result
__device__ inline float block_sum(float v) {
    __shared__ float shared[32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = (blockDim.x + 31) / 32;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) { shared[warp] = v; }
    __syncthreads();
    v = lane < warps ? shared[lane] : 0.0f;
    return warp_sum(v);
}

#endif // CUDA_COMMON_H
