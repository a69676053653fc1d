/*
RMSNorm over the fp32 residual stream (fused with the residual add), and a cast. One warp per token row.
    out = inp * rstd * weight,  rstd = 1 / sqrt(mean(inp^2) + eps)
    dinp += rstd * g - inp * rstd^3 * mean(g * inp),  g = dout * weight
    dweight += sum over rows of dout * inp * rstd
Two paths, chosen per call by the host wrapper:
  - vector (C % 4 == 0, C <= 8192, every pointer aligned to 4 elements, as the trainer's stacked
    buffers are when C % 4 == 0): each lane owns the float4 columns lane, lane+32, ... in registers
    between the two passes over the row (one read of every input). The backward folds dweight in:
    a block of 8 warps takes RMS_RPB = 64 rows, each lane sums dout*inp*rstd over its rows in
    registers, the warps combine in shared memory into one partial row, and a small kernel adds
    the BT/64 partial rows in order (no second read of dout and inp). Up to C = 1024 a warp owns
    a row; above, RW = 2, 4 or 8 warps share one (the larger released models' C = 1536..2560 take
    2, 4, 4), each holding every RW-th group of 32 float4 columns, with the row's sum combined in
    shared memory.
  - scalar (any other C): the loops stride the row by 32, the backward reads the row twice, and
    dweight is a column_sum (reduce.cuh).
Every sum runs in a fixed order: bitwise repeatable.
*/
#ifndef RMSNORM_CUH
#define RMSNORM_CUH

#include "cuda_common.h"

#define RMSNORM_EPS 1e-5f // the spec's eps (MAMBA_SPEC.md)
#include "reduce.cuh"

#define RMS_MAX_NV 8  // float4 columns per lane on the vector path: C <= 128 * RMS_MAX_NV * RW
#define RMS_MAX_RW 8  // warps per row on the vector path
#define RMS_ROWS_NV 6 // above C = 1024: the fewest warps per row that keep NV <= 6
#define RMS_RPB 64    // rows per block of the vector backward: one partial dweight row each

// the vector path's shape condition; the wrappers also check the pointers' alignment
static inline int rmsnorm_vec_shape(int C) { return C > 0 && C % 4 == 0 && C <= 128 * RMS_MAX_NV * RMS_MAX_RW; }
// Warps per row: one up to C = 1024 (as before), else the fewest of 2, 4, 8 that keep NV <= 6 (up to
// C = 6144; above, 8 warps with NV 7-8, whose backward skips the dinp prefetch). The
// backward holds 3 NV float4s per lane: at NV = 8 it takes 150 registers (one block per SM) and
// measured slower (doc/perf.md: C = 2048 with 2 warps per row 0.238 ms, with 4 0.172 ms; C = 1536
// and 2560 run 2 and 4 warps per row at NV = 6 and 5, each as fast as twice the warps).
static inline int rmsnorm_rows_rw(int C) {
    if (C <= 128 * RMS_MAX_NV) { return 1; }
    for (int rw = 2; rw < RMS_MAX_RW; rw *= 2) {
        if (C <= 128 * RMS_ROWS_NV * rw) { return rw; }
    }
    return RMS_MAX_RW;
}
static inline int aligned_f4(const float *p) { return is_aligned(p, 16); }
static inline int aligned_x4(const floatX *p) { return is_aligned(p, 4 * sizeof(floatX)); }

#define RMS_NV_DISPATCH(C, call) \
    switch ((C + 127) / 128) { \
        case 1: call(1); break; case 2: call(2); break; case 3: call(3); break; case 4: call(4); break; \
        case 5: call(5); break; case 6: call(6); break; case 7: call(7); break; case 8: call(8); break; \
        default: fprintf(stderr, "error: rmsnorm vector path with C=%d\n", C); exit(EXIT_FAILURE); \
    }
// the rows kernels at the (NV, RW) pairs rmsnorm_rows_rw can pick: RW 2 for C = 1025..1536 (NV 5-6),
// 4 for 1537..3072 (NV 4-6), 8 for 3073..8192 (NV 4-8)
#define RMS_ROWS_DISPATCH(C, rw, call) \
    switch ((rw) * 16 + ((C) + 128 * (rw) - 1) / (128 * (rw))) { \
        case 2 * 16 + 5: call(5, 2); break; case 2 * 16 + 6: call(6, 2); break; \
        case 4 * 16 + 4: call(4, 4); break; case 4 * 16 + 5: call(5, 4); break; case 4 * 16 + 6: call(6, 4); break; \
        case 8 * 16 + 4: call(4, 8); break; case 8 * 16 + 5: call(5, 8); break; case 8 * 16 + 6: call(6, 8); break; \
        case 8 * 16 + 7: call(7, 8); break; case 8 * 16 + 8: call(8, 8); break; \
        default: fprintf(stderr, "error: rmsnorm rows path with C=%d, %d warps per row\n", C, rw); exit(EXIT_FAILURE); \
    }

// ----------------------------------------------------------------------------
// vector path

// RESIDUAL: inp + branch is the row, also stored to resout; otherwise inp alone. rstd may be NULL.
template <int NV, bool RESIDUAL>
__global__ void __launch_bounds__(256) rmsnorm_forward_vec_kernel(float *__restrict__ resout, floatX *__restrict__ out,
                                                                  float *__restrict__ rstd, const float *__restrict__ inp,
                                                                  const floatX *__restrict__ branch,
                                                                  const float *__restrict__ weight, int BT, int C) {
    const int row = blockIdx.x * 8 + threadIdx.x / 32, lane = threadIdx.x % 32, C4 = C / 4;
    if (row >= BT) { return; } // the whole warp: warp_sum below sees all 32 lanes
    const size_t off = (size_t)row * C;
    float4 v[NV];
    float ss = 0.0f;
#pragma unroll
    for (int j = 0; j < NV; j++) {
        const int c4 = lane + 32 * j;
        v[j] = make_float4(0.f, 0.f, 0.f, 0.f);
        if (c4 < C4) {
            float4 a = *(const float4 *)(inp + off + 4 * c4);
            if constexpr (RESIDUAL) {
                float4 b = loadX4(branch + off + 4 * c4);
                a.x += b.x; a.y += b.y; a.z += b.z; a.w += b.w;
                *(float4 *)(resout + off + 4 * c4) = a;
            }
            ss += a.x * a.x + a.y * a.y + a.z * a.z + a.w * a.w;
            v[j] = a;
        }
    }
    ss = warp_sum(ss);
    const float s = rsqrtf(ss / C + RMSNORM_EPS);
#pragma unroll
    for (int j = 0; j < NV; j++) {
        const int c4 = lane + 32 * j;
        if (c4 < C4) {
            float4 w = *(const float4 *)(weight + 4 * c4);
            storeX4(out + off + 4 * c4, make_float4(v[j].x * s * w.x, v[j].y * s * w.y, v[j].z * s * w.z, v[j].w * s * w.w));
        }
    }
    if (lane == 0 && rstd != NULL) { rstd[row] = s; }
}

// also leaves dinp in floatX (dinp_lowp): the next layer down reads it as its out_proj gradient.
// partials[blockIdx.x][c]: this block's rows' sum of dout * inp * rstd (FUSE_DW; without it, as
// dev/cuda/rmsnorm.cu's version 4 runs it, dweight is left to the caller and partials unused).
// PF: the row's dinp is loaded with dout and inp, before the warp's sum, so a row waits for one
// round trip to memory instead of two. Measured on an H200 (doc/perf.md): C = 768 0.0796 -> 0.0667
// ms, but C = 384 0.0639 -> 0.0688; above 768 it takes 140+ registers (one block per SM). So the
// wrapper uses it at NV = 6 (C = 641..768) only, where it was measured to win (dev/cuda/rmsnorm.cu:
// version 3 with it, version 6 without). Results are bitwise the same either way.
#define RMS_BWD_PF_NV 6
template <int NV, bool FUSE_DW = true, bool PF = false>
__global__ void __launch_bounds__(256) rmsnorm_backward_vec_kernel(float *__restrict__ dinp, floatX *__restrict__ dinp_lowp,
                                                                   float *__restrict__ partials, const floatX *__restrict__ dout,
                                                                   const float *__restrict__ inp, const float *__restrict__ weight,
                                                                   const float *__restrict__ rstd, int BT, int C) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, C4 = C / 4;
    const int r_end = min(BT, (blockIdx.x + 1) * RMS_RPB);
    float4 acc[NV]; // this lane's dweight sums
#pragma unroll
    for (int j = 0; j < NV; j++) { acc[j] = make_float4(0.f, 0.f, 0.f, 0.f); }
    for (int row = blockIdx.x * RMS_RPB + warp; row < r_end; row += 8) {
        const size_t off = (size_t)row * C;
        const float s = rstd[row];
        float4 x[NV], g[NV], dd[PF ? NV : 1];
        float dot = 0.0f;
#pragma unroll
        for (int j = 0; j < NV; j++) {
            const int c4 = lane + 32 * j;
            x[j] = make_float4(0.f, 0.f, 0.f, 0.f); g[j] = x[j];
            if (c4 < C4) {
                x[j] = *(const float4 *)(inp + off + 4 * c4);
                if constexpr (PF) { dd[j] = *(const float4 *)(dinp + off + 4 * c4); }
                g[j] = loadX4(dout + off + 4 * c4); // dout here; times weight below
                if constexpr (FUSE_DW) {
                    acc[j].x += g[j].x * x[j].x * s; acc[j].y += g[j].y * x[j].y * s;
                    acc[j].z += g[j].z * x[j].z * s; acc[j].w += g[j].w * x[j].w * s;
                }
                float4 w = *(const float4 *)(weight + 4 * c4);
                g[j].x *= w.x; g[j].y *= w.y; g[j].z *= w.z; g[j].w *= w.w;
                dot += g[j].x * x[j].x + g[j].y * x[j].y + g[j].z * x[j].z + g[j].w * x[j].w;
            }
        }
        dot = warp_sum(dot);
        const float coef = s * s * s * dot / C;
#pragma unroll
        for (int j = 0; j < NV; j++) {
            const int c4 = lane + 32 * j;
            if (c4 < C4) {
                float4 d;
                if constexpr (PF) { d = dd[j]; } else { d = *(const float4 *)(dinp + off + 4 * c4); }
                d.x += s * g[j].x - coef * x[j].x; d.y += s * g[j].y - coef * x[j].y;
                d.z += s * g[j].z - coef * x[j].z; d.w += s * g[j].w - coef * x[j].w;
                *(float4 *)(dinp + off + 4 * c4) = d;
                storeX4(dinp_lowp + off + 4 * c4, d);
            }
        }
    }
    if constexpr (FUSE_DW) {
        __shared__ float4 red[8][32 * NV]; // per warp: its lanes' dweight sums, columns in order
#pragma unroll
        for (int j = 0; j < NV; j++) { red[warp][lane + 32 * j] = acc[j]; }
        __syncthreads();
        const float *redf = (const float *)&red[0][0];
        for (int c = threadIdx.x; c < C; c += 256) {
            float sum = 0.0f;
#pragma unroll
            for (int w = 0; w < 8; w++) { sum += redf[w * 128 * NV + c]; }
            partials[(size_t)blockIdx.x * C + c] = sum;
        }
    }
}

// dweight[c] += the partial rows summed in order: 16 row lanes per column, then the lanes in order
__global__ void rmsnorm_dweight_finish_kernel(float *dweight, const float *partials, int rows, int C) {
    __shared__ float lanes[16][33];
    const int c = blockIdx.x * 32 + threadIdx.x;
    float s = 0.0f;
    if (c < C) {
        for (int r = threadIdx.y; r < rows; r += 16) { s += partials[(size_t)r * C + c]; }
    }
    lanes[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y != 0 || c >= C) { return; }
    s = 0.0f;
    for (int y = 0; y < 16; y++) { s += lanes[y][threadIdx.x]; }
    dweight[c] += s;
}

// ----------------------------------------------------------------------------
// vector path with RW warps per row (C > 1024). Warp w of a block works on row group w / RW and
// holds the float4 columns lane + 32 * (w % RW + RW * j), j < NV: for each j the RW warps of a row
// read one contiguous stretch. A row's sum is its warps' sums added in warp order (shared memory),
// so every sum still runs in a fixed order. No early exit: rows past the end skip their loads and
// stores but take part in the barriers.

template <int NV, int RW, bool RESIDUAL>
__global__ void __launch_bounds__(256) rmsnorm_forward_rows_kernel(float *__restrict__ resout, floatX *__restrict__ out,
                                                                   float *__restrict__ rstd, const float *__restrict__ inp,
                                                                   const floatX *__restrict__ branch,
                                                                   const float *__restrict__ weight, int BT, int C) {
    static_assert(RW > 1 && 8 % RW == 0, "warps per row");
    __shared__ float part[8];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, sub = warp % RW, C4 = C / 4;
    const int row = blockIdx.x * (8 / RW) + warp / RW;
    const bool ok = row < BT;
    const size_t off = (size_t)(ok ? row : 0) * C;
    float4 v[NV];
    float ss = 0.0f;
#pragma unroll
    for (int j = 0; j < NV; j++) {
        const int c4 = lane + 32 * (sub + RW * j);
        v[j] = make_float4(0.f, 0.f, 0.f, 0.f);
        if (ok && c4 < C4) {
            float4 a = *(const float4 *)(inp + off + 4 * c4);
            if constexpr (RESIDUAL) {
                float4 b = loadX4(branch + off + 4 * c4);
                a.x += b.x; a.y += b.y; a.z += b.z; a.w += b.w;
                *(float4 *)(resout + off + 4 * c4) = a;
            }
            ss += a.x * a.x + a.y * a.y + a.z * a.z + a.w * a.w;
            v[j] = a;
        }
    }
    ss = warp_sum(ss);
    if (lane == 0) { part[warp] = ss; }
    __syncthreads();
    float tot = 0.0f;
#pragma unroll
    for (int i = 0; i < RW; i++) { tot += part[warp / RW * RW + i]; }
    const float s = rsqrtf(tot / C + RMSNORM_EPS);
#pragma unroll
    for (int j = 0; j < NV; j++) {
        const int c4 = lane + 32 * (sub + RW * j);
        if (ok && c4 < C4) {
            float4 w = *(const float4 *)(weight + 4 * c4);
            storeX4(out + off + 4 * c4, make_float4(v[j].x * s * w.x, v[j].y * s * w.y, v[j].z * s * w.z, v[j].w * s * w.w));
        }
    }
    if (ok && sub == 0 && lane == 0 && rstd != NULL) { rstd[row] = s; }
}

// the vector backward with RW warps per row: RMS_RPB rows per block in 8 / RW row groups, one
// barrier per round of rows (the row sums alternate between two shared slots), then the block's
// partial dweight row summed over its row groups in order. PF: a row's dinp is loaded with its inputs,
// before the barrier (one round trip to memory per row instead of two, for more registers)
template <int NV, int RW, bool PF = true>
__global__ void __launch_bounds__(256) rmsnorm_backward_rows_kernel(float *__restrict__ dinp, floatX *__restrict__ dinp_lowp,
                                                                    float *__restrict__ partials, const floatX *__restrict__ dout,
                                                                    const float *__restrict__ inp, const float *__restrict__ weight,
                                                                    const float *__restrict__ rstd, int BT, int C) {
    static_assert(RW > 1 && 8 % RW == 0, "warps per row");
    constexpr int GROUPS = 8 / RW;
    __shared__ float part[2][8];
    __shared__ float4 red[8][32 * NV];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, sub = warp % RW, grp = warp / RW, C4 = C / 4;
    const int base = blockIdx.x * RMS_RPB, r_end = min(BT, base + RMS_RPB), rounds = (r_end - base + GROUPS - 1) / GROUPS;
    float4 acc[NV];
#pragma unroll
    for (int j = 0; j < NV; j++) { acc[j] = make_float4(0.f, 0.f, 0.f, 0.f); }
    for (int it = 0; it < rounds; it++) {
        const int row = base + grp + it * GROUPS;
        const bool ok = row < r_end;
        const size_t off = (size_t)(ok ? row : 0) * C;
        const float s = ok ? rstd[row] : 0.0f;
        float4 x[NV], g[NV], dd[PF ? NV : 1];
        float dot = 0.0f;
#pragma unroll
        for (int j = 0; j < NV; j++) {
            const int c4 = lane + 32 * (sub + RW * j);
            x[j] = make_float4(0.f, 0.f, 0.f, 0.f); g[j] = x[j];
            if (ok && c4 < C4) {
                x[j] = *(const float4 *)(inp + off + 4 * c4);
                if constexpr (PF) { dd[j] = *(const float4 *)(dinp + off + 4 * c4); }
                g[j] = loadX4(dout + off + 4 * c4);
                acc[j].x += g[j].x * x[j].x * s; acc[j].y += g[j].y * x[j].y * s;
                acc[j].z += g[j].z * x[j].z * s; acc[j].w += g[j].w * x[j].w * s;
                float4 w = *(const float4 *)(weight + 4 * c4);
                g[j].x *= w.x; g[j].y *= w.y; g[j].z *= w.z; g[j].w *= w.w;
                dot += g[j].x * x[j].x + g[j].y * x[j].y + g[j].z * x[j].z + g[j].w * x[j].w;
            }
        }
        dot = warp_sum(dot);
        if (lane == 0) { part[it & 1][warp] = dot; }
        __syncthreads(); // also: every warp has read the other slot (round it - 1) before it is written again
        float tot = 0.0f;
#pragma unroll
        for (int i = 0; i < RW; i++) { tot += part[it & 1][grp * RW + i]; }
        const float coef = s * s * s * tot / C;
#pragma unroll
        for (int j = 0; j < NV; j++) {
            const int c4 = lane + 32 * (sub + RW * j);
            if (ok && c4 < C4) {
                float4 d;
                if constexpr (PF) { d = dd[j]; } else { d = *(const float4 *)(dinp + off + 4 * c4); }
                d.x += s * g[j].x - coef * x[j].x; d.y += s * g[j].y - coef * x[j].y;
                d.z += s * g[j].z - coef * x[j].z; d.w += s * g[j].w - coef * x[j].w;
                *(float4 *)(dinp + off + 4 * c4) = d;
                storeX4(dinp_lowp + off + 4 * c4, d);
            }
        }
    }
#pragma unroll
    for (int j = 0; j < NV; j++) { red[warp][lane + 32 * j] = acc[j]; }
    __syncthreads();
    for (int c4 = threadIdx.x; c4 < C4; c4 += 256) { // column c4 lives in warp sub + RW * grp, lane c4 % 32, slot j
        const int q = c4 / 32, sb = q % RW, j = q / RW, l = c4 % 32;
        float4 sum = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll
        for (int gi = 0; gi < GROUPS; gi++) {
            const float4 v = red[gi * RW + sb][l + 32 * j];
            sum.x += v.x; sum.y += v.y; sum.z += v.z; sum.w += v.w;
        }
        *(float4 *)(partials + (size_t)blockIdx.x * C + 4 * c4) = sum;
    }
}

// ----------------------------------------------------------------------------
// scalar path

__global__ void rmsnorm_forward_kernel(floatX *out, float *rstd, const float *inp, const float *weight, int BT, int C) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= BT) { return; }
    const float *x = inp + (size_t)row * C;
    float ss = 0.0f;
    for (int i = lane; i < C; i += 32) { ss += x[i] * x[i]; }
    ss = warp_sum(ss);
    float s = rsqrtf(ss / C + RMSNORM_EPS);
    for (int i = lane; i < C; i += 32) { out[(size_t)row * C + i] = fromF<floatX>(x[i] * s * weight[i]); }
    if (lane == 0 && rstd != NULL) { rstd[row] = s; }
}

// resout = resin + branch (fp32), out = RMSNorm(resout): one read of each input instead of two passes
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
    float s = rsqrtf(ss / C + RMSNORM_EPS);
    for (int i = lane; i < C; i += 32) { out[(size_t)row * C + i] = fromF<floatX>(r[i] * s * weight[i]); }
    if (lane == 0) { rstd[row] = s; }
}

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

// ----------------------------------------------------------------------------
// host wrappers

void residual_rmsnorm_forward(float *resout, floatX *out, float *rstd, const float *resin, const floatX *branch,
                              const float *weight, int BT, int C, cudaStream_t stream) {
    if (rmsnorm_vec_shape(C) && aligned_f4(resout) && aligned_f4(resin) && aligned_f4(weight) && aligned_x4(out) &&
        aligned_x4(branch)) {
        const int rw = rmsnorm_rows_rw(C);
#define LAUNCH_FWD(NV) rmsnorm_forward_vec_kernel<NV, true><<<ceil_div(BT, 8), 256, 0, stream>>>(resout, out, rstd, resin, branch, weight, BT, C)
#define LAUNCH_FWD_RW(NV, RW) rmsnorm_forward_rows_kernel<NV, RW, true><<<ceil_div(BT, 8 / RW), 256, 0, stream>>>(resout, out, rstd, resin, branch, weight, BT, C)
        if (rw == 1) { RMS_NV_DISPATCH(C, LAUNCH_FWD) }
        else { RMS_ROWS_DISPATCH(C, rw, LAUNCH_FWD_RW) }
#undef LAUNCH_FWD
#undef LAUNCH_FWD_RW
    } else {
        residual_rmsnorm_forward_kernel<<<ceil_div(BT, 8), 256, 0, stream>>>(resout, out, rstd, resin, branch, weight, BT, C);
    }
    cudaCheck(cudaGetLastError());
}

// rstd may be NULL (the recurrent step has no backward)
void rmsnorm_forward(floatX *out, float *rstd, const float *inp, const float *weight, int BT, int C, cudaStream_t stream) {
    if (rmsnorm_vec_shape(C) && aligned_f4(inp) && aligned_f4(weight) && aligned_x4(out)) {
        const int rw = rmsnorm_rows_rw(C);
#define LAUNCH_FWD(NV) rmsnorm_forward_vec_kernel<NV, false><<<ceil_div(BT, 8), 256, 0, stream>>>(NULL, out, rstd, inp, NULL, weight, BT, C)
#define LAUNCH_FWD_RW(NV, RW) rmsnorm_forward_rows_kernel<NV, RW, false><<<ceil_div(BT, 8 / RW), 256, 0, stream>>>(NULL, out, rstd, inp, NULL, weight, BT, C)
        if (rw == 1) { RMS_NV_DISPATCH(C, LAUNCH_FWD) }
        else { RMS_ROWS_DISPATCH(C, rw, LAUNCH_FWD_RW) }
#undef LAUNCH_FWD
#undef LAUNCH_FWD_RW
    } else {
        rmsnorm_forward_kernel<<<ceil_div(BT, 8), 256, 0, stream>>>(out, rstd, inp, weight, BT, C);
    }
    cudaCheck(cudaGetLastError());
}

// floats of scratch rmsnorm_backward needs (either path)
static inline size_t rmsnorm_partials_size(int BT, int C) {
    size_t vec = (size_t)ceil_div(BT, RMS_RPB) * C, colsum = (size_t)COLSUM_SLICES * C;
    return vec > colsum ? vec : colsum;
}

// partials: rmsnorm_partials_size floats of scratch
void rmsnorm_backward(float *dinp, floatX *dinp_lowp, float *dweight, float *partials, const floatX *dout, const float *inp,
                      const float *weight, const float *rstd, int BT, int C, cudaStream_t stream) {
    if (rmsnorm_vec_shape(C) && aligned_f4(dinp) && aligned_f4(inp) && aligned_f4(weight) && aligned_x4(dinp_lowp) &&
        aligned_x4(dout)) {
        int blocks = ceil_div(BT, RMS_RPB);
        const int rw = rmsnorm_rows_rw(C);
#define LAUNCH_BWD(NV) rmsnorm_backward_vec_kernel<NV, true, (NV == RMS_BWD_PF_NV)><<<blocks, 256, 0, stream>>>(dinp, dinp_lowp, partials, dout, inp, weight, rstd, BT, C)
// the dinp prefetch (PF) up to NV = 6: at 7-8 it takes 150+ registers, one block per SM
#define LAUNCH_BWD_RW(NV, RW) rmsnorm_backward_rows_kernel<NV, RW, (NV <= RMS_ROWS_NV)><<<blocks, 256, 0, stream>>>(dinp, dinp_lowp, partials, dout, inp, weight, rstd, BT, C)
        if (rw == 1) { RMS_NV_DISPATCH(C, LAUNCH_BWD) }
        else { RMS_ROWS_DISPATCH(C, rw, LAUNCH_BWD_RW) }
#undef LAUNCH_BWD
#undef LAUNCH_BWD_RW
        cudaCheck(cudaGetLastError());
        rmsnorm_dweight_finish_kernel<<<ceil_div(C, 32), dim3(32, 16), 0, stream>>>(dweight, partials, blocks, C);
        cudaCheck(cudaGetLastError());
    } else {
        rmsnorm_backward_kernel<<<ceil_div(BT, 8), 256, 0, stream>>>(dinp, dinp_lowp, dout, inp, weight, rstd, BT, C);
        cudaCheck(cudaGetLastError());
        column_sum(partials, RmsnormWeightGrad{dout, inp, rstd, C}, AddTo{dweight}, BT, C, stream);
    }
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
