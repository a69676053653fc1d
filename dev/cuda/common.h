/*
Shared helpers for the dev/cuda kernel playground (llm.c style): error checks, bf16 helpers,
random inputs, poisoned outputs, error norms, and timing with CUDA events.
Each playground file includes this and stays otherwise self-contained.
*/
#ifndef DEV_CUDA_COMMON_H
#define DEV_CUDA_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <vector>
#include <algorithm>
#include <cuda_runtime.h>
#include <cuda_bf16.h>

// ----------------------------------------------------------------------------
// checks

// a playground that includes a trainer header (llmc/cuda/*.cuh) first gets llmc's cuda_check,
// cudaCheck and ceil_div (same behaviour); the scan playgrounds, which do not, get these
#ifndef CUDA_COMMON_H
static void cuda_check(cudaError_t err, const char *file, int line) {
    if (err != cudaSuccess) {
        fprintf(stderr, "[CUDA ERROR] at %s:%d: %s\n", file, line, cudaGetErrorString(err));
        exit(EXIT_FAILURE);
    }
}
#define cudaCheck(err) (cuda_check(err, __FILE__, __LINE__))
__host__ __device__ static inline int ceil_div(int a, int b) { return (a + b - 1) / b; }
#endif
// after every launch: a bad launch configuration shows up here, a fault at the next sync
#define cudaCheckLaunch() (cuda_check(cudaGetLastError(), __FILE__, __LINE__))

/*
Command line of a playground: "[--check] [version ...]". Fills versions (all of first..last when none
is named: 1..num_versions, or 0..num_versions-1 for the scan files, whose version 0 is the trainer's);
returns 1 for --check (checks only), 0 otherwise; exits 2 on anything else (a version out of range
or not a whole number), before the GPU is touched.
*/
static inline int parse_version_args(int argc, char **argv, int num_versions, std::vector<int> &versions, int first = 1) {
    const int last = first + num_versions - 1;
    int check_only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) { check_only = 1; continue; }
        char *end;
        long v = strtol(argv[i], &end, 10);
        if (end == argv[i] || *end != '\0' || v < first || v > last) {
            fprintf(stderr, "usage: %s [--check] [version %d..%d ...]\n", argv[0], first, last);
            exit(2);
        }
        versions.push_back((int)v);
    }
    if (versions.empty()) { for (int v = first; v <= last; v++) { versions.push_back(v); } }
    return check_only;
}

// ----------------------------------------------------------------------------
// bf16 on the host (round to nearest even, like __float2bfloat16_rn)

static inline uint16_t f32_to_bf16_bits(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x007fffffu)) { return (uint16_t)((x >> 16) | 0x40); } // NaN
    uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)((x + rounding) >> 16);
}
static inline float bf16_bits_to_f32(uint16_t h) {
    uint32_t x = (uint32_t)h << 16;
    float f;
    memcpy(&f, &x, 4);
    return f;
}
// round a float array through bf16 so the CPU reference sees exactly what the GPU sees
static inline void round_to_bf16(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) { x[i] = bf16_bits_to_f32(f32_to_bf16_bits(x[i])); }
}

// ----------------------------------------------------------------------------
// random numbers (SplitMix64 + Box-Muller), seeded so a failing check can be replayed

static inline uint64_t rng_u64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static inline double rng_f64(uint64_t *s) { return (double)(rng_u64(s) >> 11) / 9007199254740992.0; }
static inline float rng_normal(uint64_t *s) {
    double u1 = 1.0 - rng_f64(s), u2 = rng_f64(s);
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
}
static inline void fill_normal(float *x, size_t n, float mean, float std, uint64_t *s) {
    for (size_t i = 0; i < n; i++) { x[i] = mean + std * rng_normal(s); }
}

// ----------------------------------------------------------------------------
// device buffers

template <class T> static T *dmalloc(size_t n) {
    T *p = nullptr;
    cudaCheck(cudaMalloc(&p, n * sizeof(T) + 16)); // +16: vector loads may touch the tail
    return p;
}
template <class T> static void dfree(T *&p) { if (p) { cudaCheck(cudaFree(p)); p = nullptr; } }

static void upload_bf16(__nv_bfloat16 *dst, const float *src, size_t n) {
    std::vector<uint16_t> tmp(n);
    for (size_t i = 0; i < n; i++) { tmp[i] = f32_to_bf16_bits(src[i]); }
    cudaCheck(cudaMemcpy(dst, tmp.data(), n * 2, cudaMemcpyHostToDevice));
}
static void upload_f32(float *dst, const float *src, size_t n) {
    cudaCheck(cudaMemcpy(dst, src, n * 4, cudaMemcpyHostToDevice));
}
static std::vector<float> download_bf16(const __nv_bfloat16 *src, size_t n) {
    std::vector<uint16_t> tmp(n);
    cudaCheck(cudaMemcpy(tmp.data(), src, n * 2, cudaMemcpyDeviceToHost));
    std::vector<float> out(n);
    for (size_t i = 0; i < n; i++) { out[i] = bf16_bits_to_f32(tmp[i]); }
    return out;
}
static std::vector<float> download_f32(const float *src, size_t n) {
    std::vector<float> out(n);
    cudaCheck(cudaMemcpy(out.data(), src, n * 4, cudaMemcpyDeviceToHost));
    return out;
}
// fast device-side normal(mean, std) fill for the large benchmark inputs (hash of seed and index,
// Box-Muller); checks use the host generator so the CPU reference sees the same numbers
__global__ void fill_normal_bf16_kernel(__nv_bfloat16 *p, size_t n, float mean, float std, uint64_t seed) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        float u1 = ((float)(z >> 40) + 1.f) * (1.f / 16777216.f), u2 = (float)(z & 0xFFFFFF) * (1.f / 16777216.f);
        p[i] = __float2bfloat16_rn(mean + std * sqrtf(-2.f * logf(u1)) * cospif(2.f * u2));
    }
}
static void fill_normal_bf16_dev(__nv_bfloat16 *p, size_t n, float mean, float std, uint64_t seed) {
    fill_normal_bf16_kernel<<<1024, 256>>>(p, n, mean, std, seed);
    cudaCheckLaunch();
}

// 0xFF bytes are NaN in both bf16 and fp32: any element a kernel forgets to write fails the check
static void poison(void *p, size_t bytes) { cudaCheck(cudaMemset(p, 0xFF, bytes)); }

// ----------------------------------------------------------------------------
// error norms: relative L2 error ||out - ref|| / ||ref||, NaN-aware (any NaN gives +inf)

struct ErrStat { double rel; double maxabs; size_t nan_count; };

static ErrStat rel_err(const float *out, const double *ref, size_t n) {
    double num = 0.0, den = 0.0, maxabs = 0.0;
    size_t nans = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(out[i])) { nans++; continue; }
        double d = (double)out[i] - ref[i];
        num += d * d;
        den += ref[i] * ref[i];
        maxabs = fmax(maxabs, fabs(d));
    }
    ErrStat e;
    e.rel = nans ? INFINITY : sqrt(num / fmax(den, 1e-300));
    e.maxabs = maxabs;
    e.nan_count = nans;
    return e;
}

// prints one line and returns 1 if the check failed
static int report_err(const char *name, ErrStat e, double tol) {
    int bad = !(e.rel <= tol);
    printf("    %-12s rel %.3e  maxabs %.3e  nan %zu  (tol %.0e) %s\n", name, e.rel, e.maxabs,
           e.nan_count, tol, bad ? "FAIL" : "ok");
    return bad;
}

// ----------------------------------------------------------------------------
// timing: CUDA events around each call, median of many reps after warm-up.
// The callable receives the rep index so it can rotate over several input sets.

template <class F> static float time_median_ms(F fn, int warmup = 5, int reps = 40) {
    for (int i = 0; i < warmup; i++) { fn(i); }
    cudaCheck(cudaDeviceSynchronize());
    std::vector<cudaEvent_t> ev(2 * reps);
    for (auto &e : ev) { cudaCheck(cudaEventCreate(&e)); }
    for (int i = 0; i < reps; i++) {
        cudaCheck(cudaEventRecord(ev[2 * i]));
        fn(i);
        cudaCheck(cudaEventRecord(ev[2 * i + 1]));
    }
    cudaCheck(cudaDeviceSynchronize());
    cudaCheckLaunch();
    std::vector<float> ms(reps);
    for (int i = 0; i < reps; i++) { cudaCheck(cudaEventElapsedTime(&ms[i], ev[2 * i], ev[2 * i + 1])); }
    for (auto &e : ev) { cudaCheck(cudaEventDestroy(e)); }
    std::sort(ms.begin(), ms.end());
    return ms[reps / 2];
}

// device-to-device copy bandwidth (bytes read + bytes written per second), the practical ceiling
static double measure_copy_gbps() {
    size_t bytes = (size_t)1 << 30;
    char *a = dmalloc<char>(bytes), *b = dmalloc<char>(bytes);
    cudaCheck(cudaMemset(a, 1, bytes));
    float ms = time_median_ms([&](int) { cudaCheck(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice)); }, 3, 20);
    dfree(a);
    dfree(b);
    return 2.0 * bytes / (ms * 1e-3) / 1e9;
}

static void print_device() {
    cudaDeviceProp p;
    cudaCheck(cudaGetDeviceProperties(&p, 0));
    printf("device: %s, %d SMs, L2 %.0f MB, smem/SM %zu KB\n", p.name, p.multiProcessorCount,
           p.l2CacheSize / 1e6, p.sharedMemPerMultiprocessor / 1024);
}

// ----------------------------------------------------------------------------
// device helpers shared by the scan playground files

#define LOG2E_F 1.4426950408889634f
#define LN2_F 0.6931471805599453f

// MUFU approximations, written as PTX so no build flag changes them (ftz: denormals -> 0)
__device__ __forceinline__ float ex2_approx(float x) { float y; asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x)); return y; }
__device__ __forceinline__ float lg2_approx(float x) { float y; asm("lg2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x)); return y; }
__device__ __forceinline__ float rcp_approx(float x) { float y; asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x)); return y; }

// softplus(v) = log1p(exp(v)), = v for v > 20 (the reference's threshold);
// small exp(v) takes the series, where 1 + e would round away the answer
__device__ __forceinline__ float softplus_dev(float v) {
    if (v > 20.f) { return v; }
    float e = ex2_approx(v * LOG2E_F);
    return e < 0.01f ? e * (1.f - e * (0.5f - e * (1.f / 3.f))) : lg2_approx(1.f + e) * LN2_F;
}
// softplus and its derivative sigmoid(v) together (backward)
__device__ __forceinline__ float softplus_sig_dev(float v, float *sig) {
    if (v > 20.f) { *sig = 1.f; return v; }
    float e = ex2_approx(v * LOG2E_F);
    *sig = e * rcp_approx(1.f + e);
    return e < 0.01f ? e * (1.f - e * (0.5f - e * (1.f / 3.f))) : lg2_approx(1.f + e) * LN2_F;
}
__device__ __forceinline__ float sigmoid_dev(float z) { return rcp_approx(1.f + ex2_approx(-z * LOG2E_F)); }

// 16-byte global->shared copy that bypasses registers; src_bytes = 0 fills zeros
__device__ __forceinline__ void cp_async16(void *smem_dst, const void *gmem_src, int src_bytes) {
    unsigned dst = (unsigned)__cvta_generic_to_shared(smem_dst);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(dst), "l"(gmem_src), "r"(src_bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;"); }
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_group 0;" ::: "memory"); }

// 8 bf16 <-> 8 floats through one 16-byte word
__device__ __forceinline__ void unpack8(uint4 v, float *f) {
    const __nv_bfloat162 *h = reinterpret_cast<const __nv_bfloat162 *>(&v);
    for (int k = 0; k < 4; k++) { float2 t = __bfloat1622float2(h[k]); f[2 * k] = t.x; f[2 * k + 1] = t.y; }
}
__device__ __forceinline__ uint4 pack8(const float *f) {
    uint4 v;
    __nv_bfloat162 *h = reinterpret_cast<__nv_bfloat162 *>(&v);
    for (int k = 0; k < 4; k++) { h[k] = __floats2bfloat162_rn(f[2 * k], f[2 * k + 1]); }
    return v;
}

#endif
