/*
Fused classifier: softmax over all Vp logits, cross-entropy against the target, the logits'
gradient written in place (probabilities are never stored), and the argmax of each row (token
accuracy: the lowest index of the row maximum).
    loss = logsumexp(logits) - logits[target];   dlogits = (softmax - onehot(target)) * dloss
A target of -1 is ignored: loss 0 and a zero gradient row. Vp is a multiple of 8, so a row is
whole 16-byte packs and starts 16-byte aligned. The row is read from memory once:
  - rows of up to 4 KB (Vp <= 2048 in bf16, 1024 in fp32): a warp per row, the row in registers
    (up to 8 packs per lane), 8 rows per block; warp shuffles only, no block barriers;
  - longer rows: a block of 512 per row, the row copied into shared memory with cp.async (100 KB
    at Vp = 50280 in bf16: 2 rows per SM, so one row's loads overlap the other's math), then exact
    max + argmax, sum of exponentials and gradient passes over shared memory;
  - rows too long for the device's shared memory (fp32 rows over ~58K logits on an H100, fewer on
    smaller GPUs): fused_classifier_kernel, which reads the row twice (online max/sum, then the
    gradient).
Every sum runs in a fixed order: bitwise repeatable.
*/
#ifndef CLASSIFIER_CUH
#define CLASSIFIER_CUH

#include "cuda_common.h"

#define PACK (16 / (int)sizeof(floatX))
struct __align__(16) PackX { floatX v[16 / sizeof(floatX)]; };

__device__ __forceinline__ void cls_unpack(const PackX &p, float *f) {
#pragma unroll
    for (int j = 0; j < PACK; j += 2) {
        float2 t = loadX2(&p.v[j]);
        f[j] = t.x; f[j + 1] = t.y;
    }
}
__device__ __forceinline__ PackX cls_pack(const float *f) {
    PackX p;
#pragma unroll
    for (int j = 0; j < PACK; j += 2) { storeX2(&p.v[j], make_float2(f[j], f[j + 1])); }
    return p;
}

// 16-byte global -> shared copy that bypasses registers (sm_80+)
__device__ __forceinline__ void cls_cp_async16(void *smem_dst, const void *gmem_src) {
    unsigned dst = (unsigned)__cvta_generic_to_shared(smem_dst);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(dst), "l"(gmem_src));
}
__device__ __forceinline__ void cls_cp_async_commit() { asm volatile("cp.async.commit_group;"); }
__device__ __forceinline__ void cls_cp_async_wait_all() { asm volatile("cp.async.wait_group 0;" ::: "memory"); }

// (max, lowest index of the max) over a warp: a total order, so every lane ends with the same pair
__device__ __forceinline__ void warp_max_arg(float &m, int &arg) {
    for (int o = 16; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(0xffffffff, m, o);
        int a2 = __shfl_xor_sync(0xffffffff, arg, o);
        if (m2 > m || (m2 == m && a2 < arg)) { m = m2; arg = a2; }
    }
}

// ----------------------------------------------------------------------------
// rows of up to 4 KB: one warp per row, PPL packs per lane (pack p = lane + 32 k)

#define CLS_WARP_ROWS 8
#define CLS_MAX_PPL 8

template <int PPL>
__global__ void __launch_bounds__(32 * CLS_WARP_ROWS) classifier_warp_kernel(floatX *logits, float *losses, int *predictions,
                                                                             const int *targets, float dloss, int BT, int Vp,
                                                                             int write_dlogits) {
    const int lane = threadIdx.x % 32, r = blockIdx.x * CLS_WARP_ROWS + threadIdx.x / 32;
    if (r >= BT) { return; } // a whole warp: no barrier below involves other warps
    PackX *prow = (PackX *)(logits + (size_t)r * Vp);
    const int packs = Vp / PACK, target = targets[r];
    PackX x[PPL];
#pragma unroll
    for (int k = 0; k < PPL; k++) {
        int p = lane + 32 * k;
        if (p < packs) { x[k] = prow[p]; }
    }
    // max, its lowest index, and x[target] (only its owner lane holds it; the others add zero)
    float m = -INFINITY, xt = 0.0f;
    int arg = Vp;
#pragma unroll
    for (int k = 0; k < PPL; k++) {
        int p = lane + 32 * k;
        if (p >= packs) { continue; }
        float f[PACK];
        cls_unpack(x[k], f);
#pragma unroll
        for (int j = 0; j < PACK; j++) {
            if (f[j] > m) { m = f[j]; arg = p * PACK + j; } // increasing index order: strict > keeps the first
            if (p * PACK + j == target) { xt = f[j]; }
        }
    }
    warp_max_arg(m, arg);
    xt = warp_sum(xt);
    float s = 0.0f;
#pragma unroll
    for (int k = 0; k < PPL; k++) {
        if (lane + 32 * k >= packs) { continue; }
        float f[PACK];
        cls_unpack(x[k], f);
#pragma unroll
        for (int j = 0; j < PACK; j++) { s += __expf(f[j] - m); }
    }
    s = warp_sum(s);
    const float lse = m + logf(s);
    if (lane == 0) {
        losses[r] = target < 0 ? 0.0f : lse - xt;
        predictions[r] = arg;
    }
    if (!write_dlogits) { return; }
#pragma unroll
    for (int k = 0; k < PPL; k++) {
        int p = lane + 32 * k;
        if (p >= packs) { continue; }
        float f[PACK];
        cls_unpack(x[k], f);
#pragma unroll
        for (int j = 0; j < PACK; j++) {
            f[j] = target < 0 ? 0.0f : (__expf(f[j] - lse) - (p * PACK + j == target ? 1.0f : 0.0f)) * dloss;
        }
        prow[p] = cls_pack(f);
    }
}

// ----------------------------------------------------------------------------
// longer rows: one block per row, the row staged in shared memory (Vp * sizeof(floatX) bytes)

#define CLS_SMEM_THREADS 512

__global__ void __launch_bounds__(CLS_SMEM_THREADS, 2) classifier_smem_kernel(floatX *logits, float *losses, int *predictions,
                                                                              const int *targets, float dloss, int Vp,
                                                                              int write_dlogits) {
    constexpr int NT = CLS_SMEM_THREADS, NW = NT / 32;
    extern __shared__ uint4 smem_row[];
    PackX *srow = (PackX *)smem_row; // the row, Vp / PACK packs
    __shared__ float red_m[NW], red_s[NW];
    __shared__ int red_a[NW];
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32, packs = Vp / PACK;
    PackX *prow = (PackX *)(logits + (size_t)blockIdx.x * Vp);
    for (int i = tid; i < packs; i += NT) { cls_cp_async16(srow + i, prow + i); }
    cls_cp_async_commit();
    const int target = targets[blockIdx.x];
    cls_cp_async_wait_all();
    __syncthreads();
    // pass 1: max and its lowest index
    float m = -INFINITY;
    int arg = Vp;
    for (int i = tid; i < packs; i += NT) {
        float f[PACK];
        cls_unpack(srow[i], f);
#pragma unroll
        for (int j = 0; j < PACK; j++) { if (f[j] > m) { m = f[j]; arg = i * PACK + j; } }
    }
    warp_max_arg(m, arg);
    if (lane == 0) { red_m[warp] = m; red_a[warp] = arg; }
    __syncthreads();
    float M = red_m[0]; // warp 0 always holds data (packs >= 1)
    int best = red_a[0];
    for (int w = 1; w < NW; w++) {
        if (red_m[w] > M || (red_m[w] == M && red_a[w] < best)) { M = red_m[w]; best = red_a[w]; }
    }
    // pass 2: sum of exponentials
    float s = 0.0f;
    for (int i = tid; i < packs; i += NT) {
        float f[PACK];
        cls_unpack(srow[i], f);
#pragma unroll
        for (int j = 0; j < PACK; j++) { s += __expf(f[j] - M); }
    }
    s = warp_sum(s);
    if (lane == 0) { red_s[warp] = s; }
    __syncthreads();
    float S = 0.0f;
    for (int w = 0; w < NW; w++) { S += red_s[w]; }
    const float lse = M + logf(S);
    if (tid == 0) {
        float xt = target >= 0 ? toF(((const floatX *)srow)[target]) : 0.0f;
        losses[blockIdx.x] = target < 0 ? 0.0f : lse - xt;
        predictions[blockIdx.x] = best;
    }
    if (!write_dlogits) { return; }
    // pass 3: the gradient, from shared memory to the logits' place in global memory
    for (int i = tid; i < packs; i += NT) {
        float f[PACK];
        cls_unpack(srow[i], f);
#pragma unroll
        for (int j = 0; j < PACK; j++) {
            f[j] = target < 0 ? 0.0f : (__expf(f[j] - lse) - (i * PACK + j == target ? 1.0f : 0.0f)) * dloss;
        }
        prow[i] = cls_pack(f);
    }
}

// ----------------------------------------------------------------------------
// rows too long for shared memory: a block of 256 per row, 16-byte loads, online max/sum with
// __expf, then a second read of the row for the gradient

__global__ void fused_classifier_kernel(floatX *logits, float *losses, int *predictions, const int *targets, float dloss,
                                        int Vp, int write_dlogits) {
    floatX *row = logits + (size_t)blockIdx.x * Vp;
    PackX *prow = (PackX *)row;
    int packs = Vp / PACK, target = targets[blockIdx.x];
    // online max and sum of exponentials per thread, then combined across the block
    float m = -INFINITY, s = 0.0f;
    int arg = 0; // the first index of the row maximum (for token accuracy)
    for (int i = threadIdx.x; i < packs; i += blockDim.x) {
        PackX p = prow[i];
        float pm = toF(p.v[0]);
        int pa = i * PACK;
        for (int j = 1; j < PACK; j++) {
            if (toF(p.v[j]) > pm) { pm = toF(p.v[j]); pa = i * PACK + j; }
        }
        if (pm > m) { arg = pa; }
        float nm = fmaxf(m, pm);
        float acc = s * __expf(m - nm);
        for (int j = 0; j < PACK; j++) { acc += __expf(toF(p.v[j]) - nm); }
        s = acc;
        m = nm;
    }
    __shared__ float shared_m[32], shared_s[32];
    __shared__ int shared_arg[32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    for (int o = 16; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(0xffffffff, m, o), s2 = __shfl_xor_sync(0xffffffff, s, o);
        int a2 = __shfl_xor_sync(0xffffffff, arg, o);
        if (m2 > m || (m2 == m && a2 < arg)) { arg = a2; }
        float mm = fmaxf(m, m2);
        s = (m == -INFINITY ? 0.0f : s * __expf(m - mm)) + (m2 == -INFINITY ? 0.0f : s2 * __expf(m2 - mm));
        m = mm;
    }
    if (lane == 0) { shared_m[warp] = m; shared_s[warp] = s; shared_arg[warp] = arg; }
    __syncthreads();
    float M = -INFINITY;
    int best = 0;
    for (int w = 0; w < warps; w++) {
        if (shared_m[w] > M || (shared_m[w] == M && shared_arg[w] < best)) { best = shared_arg[w]; }
        M = fmaxf(M, shared_m[w]);
    }
    float S = 0.0f;
    for (int w = 0; w < warps; w++) { S += shared_m[w] == -INFINITY ? 0.0f : shared_s[w] * __expf(shared_m[w] - M); }
    float lse = M + logf(S);
    if (threadIdx.x == 0) {
        losses[blockIdx.x] = target < 0 ? 0.0f : lse - toF(row[target]);
        predictions[blockIdx.x] = best;
    }
    if (!write_dlogits) { return; }
    __syncthreads(); // row[target] has been read before it is overwritten
    for (int i = threadIdx.x; i < packs; i += blockDim.x) {
        PackX p = prow[i];
        for (int j = 0; j < PACK; j++) {
            int idx = i * PACK + j;
            float g = target < 0 ? 0.0f : (__expf(toF(p.v[j]) - lse) - (idx == target ? 1.0f : 0.0f)) * dloss;
            p.v[j] = fromF<floatX>(g);
        }
        prow[i] = p;
    }
}

// the shared memory one block may use on this process's device
static int classifier_smem_optin() {
    static int optin = -1;
    if (optin < 0) {
        int dev;
        cudaCheck(cudaGetDevice(&dev));
        cudaCheck(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
    }
    return optin;
}

void fused_classifier(floatX *logits, float *losses, int *predictions, const int *targets, float dloss, int BT, int Vp,
                      int write_dlogits, cudaStream_t stream) {
    int packs = Vp / PACK;
    size_t smem = (size_t)Vp * sizeof(floatX);
    if (packs <= 32 * CLS_MAX_PPL) {
        int grid = ceil_div(BT, CLS_WARP_ROWS), nt = 32 * CLS_WARP_ROWS;
#define LAUNCH_WARP(PPL) classifier_warp_kernel<PPL><<<grid, nt, 0, stream>>>(logits, losses, predictions, targets, dloss, BT, Vp, write_dlogits)
        if (packs <= 32) { LAUNCH_WARP(1); } else if (packs <= 64) { LAUNCH_WARP(2); } else if (packs <= 128) { LAUNCH_WARP(4); } else { LAUNCH_WARP(8); }
#undef LAUNCH_WARP
    } else if (smem + 256 <= (size_t)classifier_smem_optin()) { // + the kernel's static reduction arrays
        static size_t configured = 0; // the largest dynamic shared memory size allowed so far
        if (smem > configured) {
            cudaCheck(cudaFuncSetAttribute(classifier_smem_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
            cudaCheck(cudaFuncSetAttribute(classifier_smem_kernel, cudaFuncAttributePreferredSharedMemoryCarveout,
                                           (int)cudaSharedmemCarveoutMaxShared));
            configured = smem;
        }
        classifier_smem_kernel<<<BT, CLS_SMEM_THREADS, smem, stream>>>(logits, losses, predictions, targets, dloss, Vp, write_dlogits);
    } else {
        fused_classifier_kernel<<<BT, 256, 0, stream>>>(logits, losses, predictions, targets, dloss, Vp, write_dlogits);
    }
    cudaCheck(cudaGetLastError());
}

#endif // CLASSIFIER_CUH
