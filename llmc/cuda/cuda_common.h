/*
Shared by the GPU trainer and its kernels: the compute type, error checks, and small helpers.
floatX is the activation / matmul operand type: bf16, or fp32 with -DENABLE_FP32 (the tight
correctness build). Master weights, AdamW moments, the residual stream and everything in the
selective scan stay fp32 in both builds.
*/
#ifndef CUDA_COMMON_H
#define CUDA_COMMON_H

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <type_traits>

#ifdef ENABLE_FP32
typedef float floatX;
#define PRECISION_MODE "fp32"
#else
typedef __nv_bfloat16 floatX;
#define PRECISION_MODE "bf16"
#endif
#define FLOATX_DEFINED

// the exit after a GPU error's line. Out of memory leaves the device usable, so there the GPU trainer's fatal_hook runs
// first, as fatalf's does (llmc/utils.h, when included before this file): a rank that ran out of memory in a region
// where the others wait for its checks (train_mamba.cu, each_rank_alone: its model and optimizer state at start-up, on
// a GPU another job shares) ends every rank at once. After other errors the device may take no more work (a collective
// there would fail with a line of its own), so the process just exits.
static inline void cuda_exit_failure(cudaError_t error) {
#ifdef UTILS_H
    fatal_reported = 1;
    if (error == cudaErrorMemoryAllocation && fatal_hook != NULL) {
        void (*hook)(void) = fatal_hook;
        fatal_hook = NULL;
        hook();
    }
#else
    (void)error;
#endif
    exit(EXIT_FAILURE);
}

static inline void cuda_check(cudaError_t error, const char *file, int line) {
    if (error != cudaSuccess) {
        fprintf(stderr, "error: CUDA: %s [%s:%d]\n", cudaGetErrorString(error), file, line);
        cuda_exit_failure(error);
    }
}
#define cudaCheck(err) (cuda_check(err, __FILE__, __LINE__))

// cudaMalloc for the large buffers: running out of device memory is a configuration problem, so
// say what was being allocated, how much, what the device has left, and what to change (hint: the
// flags that shrink this buffer, which differ: -r and -b do nothing for the weights, -gb alone for
// the generation state)
// (test hook: MAMBA_TEST_DEVICE_OOM names an allocation, its `what`, that fails as out of memory: test/test_multi_gpu.sh
// gives it to one rank alone)
static inline void device_malloc(void **p, size_t bytes, const char *what, const char *hint, const char *file, int line) {
    const char *test_oom = getenv("MAMBA_TEST_DEVICE_OOM");
    cudaError_t e = test_oom != NULL && strcmp(test_oom, what) == 0 ? cudaErrorMemoryAllocation : cudaMalloc(p, bytes);
    if (e == cudaErrorMemoryAllocation) {
        size_t free_b = 0, total_b = 0;
        (void)cudaGetLastError();
        (void)cudaMemGetInfo(&free_b, &total_b);
        fprintf(stderr, "error: out of GPU memory allocating %s: %.2f GiB requested, %.2f of %.2f GiB free; %s [%s:%d]\n",
                what, bytes / 1073741824.0, free_b / 1073741824.0, total_b / 1073741824.0, hint, file, line);
        cuda_exit_failure(e);
    }
    cuda_check(e, file, line);
}
#define deviceMalloc(p, bytes, what, hint) (device_malloc((void **)(p), (bytes), (what), (hint), __FILE__, __LINE__))
// the hints: for what grows with the batch, for the weights' copies, for the optimizer's moments
#define OOM_HINT_ACTIVATIONS "try a higher recompute level (-r 2), or a smaller -b or -t"
#define OOM_HINT_WEIGHTS "the model is too large for this GPU's free memory (a smaller -e, or a GPU with more free memory)"
#define OOM_HINT_MOMENTS "try -z 1 over several GPUs (each holds its share of the moments), or a smaller model"

static inline int ceil_div(long a, long b) { return (int)((a + b - 1) / b); }

// whether the code that runs for kernel f was compiled for sm_90 or later (its PTX version: an sm_80
// build's PTX, compiled for a Hopper card at load time, has none of sm_90's instructions), so that
// thread-block clusters and programmatic launches may be asked for
static inline int compiled_for_sm90(const void *f) {
    cudaFuncAttributes attributes;
    cudaCheck(cudaFuncGetAttributes(&attributes, f));
    return attributes.ptxVersion >= 90;
}

// conversions that read the same in both builds
__device__ __forceinline__ float toF(float v) { return v; }
__device__ __forceinline__ float toF(__nv_bfloat16 v) { return __bfloat162float(v); }
template <typename T> __device__ __forceinline__ T fromF(float v);
template <> __device__ __forceinline__ float fromF<float>(float v) { return v; }
template <> __device__ __forceinline__ __nv_bfloat16 fromF<__nv_bfloat16>(float v) { return __float2bfloat16(v); }

// 2 or 4 neighbouring elements in one load or store (4 or 8 bytes in bf16, 8 or 16 in fp32): the
// caller makes sure p is aligned to the whole access
__device__ __forceinline__ float2 loadX2(const float *p) { return *(const float2 *)p; }
__device__ __forceinline__ float2 loadX2(const __nv_bfloat16 *p) { return __bfloat1622float2(*(const __nv_bfloat162 *)p); }
__device__ __forceinline__ void storeX2(float *p, float2 v) { *(float2 *)p = v; }
__device__ __forceinline__ void storeX2(__nv_bfloat16 *p, float2 v) { *(__nv_bfloat162 *)p = __float22bfloat162_rn(v); }
__device__ __forceinline__ float4 loadX4(const float *p) { return *(const float4 *)p; }
__device__ __forceinline__ float4 loadX4(const __nv_bfloat16 *p) {
    uint2 u = *(const uint2 *)p;
    float2 a = __bfloat1622float2(*(const __nv_bfloat162 *)&u.x), b = __bfloat1622float2(*(const __nv_bfloat162 *)&u.y);
    return make_float4(a.x, a.y, b.x, b.y);
}
__device__ __forceinline__ void storeX4(float *p, float4 v) { *(float4 *)p = v; }
__device__ __forceinline__ void storeX4(__nv_bfloat16 *p, float4 v) {
    __nv_bfloat162 a = __floats2bfloat162_rn(v.x, v.y), b = __floats2bfloat162_rn(v.z, v.w);
    uint2 u;
    u.x = *(const unsigned *)&a;
    u.y = *(const unsigned *)&b;
    *(uint2 *)p = u;
}
// whether p can take an access of `bytes` bytes (a power of two)
static inline int is_aligned(const void *p, size_t bytes) { return ((uintptr_t)p & (bytes - 1)) == 0; }

// (float, or double for the gradient norm's sum of squares)
template <typename T> __device__ __forceinline__ T warp_sum(T v) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "warp_sum of float or double");
    for (int o = 16; o > 0; o >>= 1) { v += __shfl_xor_sync(0xffffffff, v, o); }
    return v;
}
__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) { v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, o)); }
    return v;
}

// block-wide sum in a fixed order (deterministic); every thread gets the result
template <typename T> __device__ inline T block_sum(T v) {
    __shared__ T shared[32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = (blockDim.x + 31) / 32;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) { shared[warp] = v; }
    __syncthreads();
    v = lane < warps ? shared[lane] : T(0);
    return warp_sum(v);
}

#endif // CUDA_COMMON_H
