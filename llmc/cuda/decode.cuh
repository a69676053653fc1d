/*
The recurrent step (generation): one token per sequence through every layer, with O(1) state.

Two ways to run a step, the same arithmetic and the same bf16 rounding points:
- per operation (any batch): RMSNorm, the matmuls through cuBLAS, conv1d_silu_step_kernel,
  selective_scan_step_kernel, the residual add: 8 launches per layer (plus cuBLAS's own);
- fused (batch <= DECODE_MAX_BATCH): 4 launches per layer, each a matrix-vector product with the
  work around it folded in:
    1. decode_in_proj_kernel: RMSNorm of the residual stream, in_proj, then per channel the conv
       state's shift, the depthwise conv and SiLU (x half) or the stored z (z half);
    2. decode_x_proj_kernel: x_proj (dt, B, C), the rows split across a block's warps;
    3. decode_scan_kernel: dt_proj (a dot product of dt_rank terms per channel), softplus, the
       state update, the contraction with C, the D skip and the z gate, 16 lanes per channel;
    4. decode_out_proj_kernel: out_proj, added into the residual stream.
  The head (final RMSNorm and the tied classifier) is a fifth, writing fp32 logits.
At batch 1 the step is ~100 small launches instead of ~240, and each costs more in latency (launch,
ramp, a chain of dependent memory reads) than in work, so the fused kernels also shorten the chain:
each is a programmatic dependent launch (sm_90), whose blocks start while the kernel before is
still running. Before they wait for that kernel's outputs they read what no kernel still running
can write: each warp's first weight row into registers (the rest of that row into L2) and, in
in_proj, that row's conv state (written by in_proj in the step before, which has finished: see
decode_layer) and taps.
At batch 8 a fused layer is already only as fast as the per-operation one (dev/cuda/decode_step.cu):
cuBLAS's products run on tensor cores, where these kernels hold one fp32 sum per sequence in each
lane's registers and multiply on the FMA pipe. So above DECODE_MAX_BATCH the per-operation step runs.

Every matrix-vector product: one warp per output row (or DECODE_SPLIT warps per row for x_proj,
whose few rows would otherwise leave most of the GPU idle); the sequences' input vectors sit in
shared memory in floatX (they are floatX-rounded values in the per-operation path too), fp32
products summed lane-wise, then across the warp, then across the row's warps in a fixed order.
The result is rounded to floatX where the per-operation path stores a floatX tensor. No atomics:
the same inputs give the same bits on every run.
*/
#ifndef DECODE_CUH
#define DECODE_CUH

#include "cuda_common.h"
#include "rmsnorm.cuh" // RMSNORM_EPS

#define DECODE_MAX_BATCH 8
#define DECODE_THREADS 256 // 8 warps
#define DECODE_SPLIT 8     // warps per row in x_proj
#define DECODE_BLOCKS_PER_SM 4
static_assert(DECODE_MAX_BATCH <= DECODE_THREADS / 32, "stage_rmsnorm gives each sequence a warp");
static_assert((DECODE_THREADS / 32) % DECODE_SPLIT == 0, "x_proj's blocks hold whole rows");

// 0: launch the fused kernels plainly, each waiting for the one before to finish (the tests compare
// the two, bit for bit, to look for a missing wait)
static int decode_programmatic = 1;

// ----------------------------------------------------------------------------
// the per-operation step's kernels

// shift x into the conv state, then u = silu(bias + sum_k w[k] state[k]); one thread per (sequence, channel)
__global__ void conv1d_silu_step_kernel(floatX *u, float *conv_state, const floatX *x, int ldx, const float *w,
                                        const float *bias, int G, int Di, int K) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= G * Di) { return; }
    int g = i / Di, d = i % Di;
    float *cs = conv_state + (size_t)i * K;
    for (int k = 0; k < K - 1; k++) { cs[k] = cs[k + 1]; }
    cs[K - 1] = toF(x[(size_t)g * ldx + d]);
    float acc = bias[d];
    for (int k = 0; k < K; k++) { acc += w[d * K + k] * cs[k]; }
    u[i] = fromF<floatX>(acc / (1.0f + expf(-acc)));
}

// the sum over each aligned group of 16 lanes (a fixed butterfly order), in all of its lanes; only the
// group's own lanes take part, so a whole group may have returned
__device__ __forceinline__ float group16_sum(float v) {
    const unsigned mask = 0xffffu << (threadIdx.x & 16);
    for (int o = 8; o > 0; o >>= 1) { v += __shfl_xor_sync(mask, v, o); }
    return v;
}

/*
One channel's scan step by a group of SCAN_STEP_LANES lanes, lane j holding states j, j + 16, ...
(a thread per channel would walk all N states and the dt_rank products one after another, and at
batch 1 the step has only Di channels): softplus(dt + bias), the state update, the contraction
with C summed over the group, the D skip and the z gate, as the fused forward. Returns the gated
y (before its floatX rounding) in every lane of the group.
*/
#define SCAN_STEP_LANES 16
__device__ __forceinline__ float scan_step_lanes(float *s, float delta_raw, float dt_bias, const float *A_log,
                                                 const floatX *Bt, const floatX *Ct, float D, float ut, float zv, int N, int j) {
    float v = delta_raw + dt_bias;
    float delta = v > 20.0f ? v : log1pf(expf(v));
    float acc = 0.0f;
    for (int n = j; n < N; n += SCAN_STEP_LANES) {
        float A = -expf(A_log[n]);
        float sn = expf(delta * A) * s[n] + delta * toF(Bt[n]) * ut;
        s[n] = sn;
        acc += toF(Ct[n]) * sn;
    }
    float y = group16_sum(acc) + D * ut;
    return y * zv / (1.0f + expf(-zv));
}

// SCAN_STEP_LANES threads per (sequence, channel), blocks a multiple of 32 threads
__global__ void selective_scan_step_kernel(floatX *yg, float *ssm_state, const floatX *u, const floatX *delta_raw,
                                           const float *dt_bias, const float *A_log, const floatX *xdbl, int R,
                                           const float *D, const floatX *xz, int G, int Di, int N) {
    const int t = blockIdx.x * blockDim.x + threadIdx.x, i = t / SCAN_STEP_LANES, j = t % SCAN_STEP_LANES;
    if (i >= G * Di) { return; }
    const int g = i / Di, d = i % Di, X = R + 2 * N;
    const floatX *row = xdbl + (size_t)g * X;
    float y = scan_step_lanes(ssm_state + (size_t)i * N, toF(delta_raw[i]), dt_bias[d], A_log + (size_t)d * N, row + R,
                              row + R + N, D[d], toF(u[i]), toF(xz[(size_t)g * 2 * Di + Di + d]), N, j);
    if (j == 0) { yg[i] = fromF<floatX>(y); }
}

__global__ void floatX_to_float_kernel(float *out, const floatX *inp, size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) { out[i] = toF(inp[i]); }
}

// ----------------------------------------------------------------------------
// the fused step's pieces

// a row of K values fetched into L2 ahead of its use, one 128-byte line per lane at a time
__device__ __forceinline__ void prefetch_row(const floatX *w, int K) {
    const char *p = (const char *)w;
    const size_t bytes = (size_t)K * sizeof(floatX);
    for (size_t off = (threadIdx.x % 32) * 128; off < bytes; off += 32 * 128) { asm volatile("prefetch.global.L2 [%0];" ::"l"(p + off)); }
}

/*
A lane's first pieces of a weight row, read before the kernel waits for the one before it (weights
never change during generation): piece i holds the 8 values at k0 + 8 * lane + 256 * i, for the first
P pieces (RowPre<P>; each kernel's P covers its rows at the 130m and 370m shapes: in_proj and the
head 4, rows of C <= 1024 values; out_proj 8, Di <= 2048; x_proj's slices 2). A lane's pieces past
those are read after the wait, from L2, where the prologue fetched them. After the wait only the
inputs are read for a warp's first row, so the chain of dependent memory reads after it is one link
shorter (a warp's later rows, as in the head's ~12 per warp, read their weights after the wait). The
kernels hold these registers across the wait: x_proj and out_proj are built with
__launch_bounds__(DECODE_THREADS, 1), in_proj and the head with (DECODE_THREADS, DECODE_BLOCKS_PER_SM),
as the compiler's own lower register targets spilled them. (The fp32 test build, with twice the
registers per piece, spills some; only its speed suffers.)
*/
struct Pack8 { uint4 q[sizeof(floatX) / 2]; }; // 8 values as they lie in memory
__device__ __forceinline__ Pack8 load_pack8(const floatX *p) {
    Pack8 r;
#pragma unroll
    for (int i = 0; i < (int)(sizeof(floatX) / 2); i++) { r.q[i] = ((const uint4 *)p)[i]; }
    return r;
}
__device__ __forceinline__ void unpack8(float v[8], const Pack8 &p) {
    if constexpr (sizeof(floatX) == 2) {
        const unsigned w[4] = {p.q[0].x, p.q[0].y, p.q[0].z, p.q[0].w};
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const float2 f = __bfloat1622float2(*(const __nv_bfloat162 *)&w[i]);
            v[2 * i] = f.x;
            v[2 * i + 1] = f.y;
        }
    } else {
#pragma unroll
        for (int i = 0; i < 8; i++) { v[i] = __uint_as_float(((const unsigned *)&p.q[i / 4])[i % 4]); }
    }
}
// 8 consecutive values from global or shared memory, 16-byte aligned
__device__ __forceinline__ void load8(float v[8], const floatX *p) { unpack8(v, load_pack8(p)); }
template <int P> struct RowPre { Pack8 q[P]; };

// pre = the lane's first pieces of w[k0, k1) (vec rows only); the rest of the row into L2
template <int P>
__device__ __forceinline__ void preload_row(RowPre<P> &pre, const floatX *w, int k0, int k1, bool vec) {
    const int lane = threadIdx.x % 32, past = k0 + 32 * 8 * P;
    if (!vec) {
        prefetch_row(w + k0, k1 - k0);
        return;
    }
#pragma unroll
    for (int i = 0; i < P; i++) {
        const int k = k0 + lane * 8 + 32 * 8 * i;
        if (k < k1) { pre.q[i] = load_pack8(w + k); }
    }
    if (past < k1) { prefetch_row(w + past, k1 - past); }
}

/*
acc[g] = this lane's share of sum over k in [k0, k1) of w[k] * xs[g * K + k], for g < G (GM >= G, a
compile-time bound so acc stays in registers). vec: 8 values per load (k0, K and w aligned to 8 values),
the first P of them taken from pre if PRE (preload_row of the same row and range). Each lane
sums its values in increasing k, with or without pre.
*/
template <int GM, bool PRE, int P>
__device__ __forceinline__ void dot_partial(float acc[GM], const floatX *w, const floatX *xs, int K, int G, int k0, int k1,
                                            bool vec, const RowPre<P> &pre) {
    const int lane = threadIdx.x % 32;
    for (int g = 0; g < GM; g++) { acc[g] = 0.0f; }
    auto piece = [&](const float wv[8], int k) {
        float xv[8];
        for (int g = 0; g < GM; g++) {
            if (g < G) {
                load8(xv, xs + (size_t)g * K + k);
                for (int i = 0; i < 8; i++) { acc[g] += wv[i] * xv[i]; }
            }
        }
    };
    if (vec) {
        if constexpr (PRE) {
#pragma unroll
            for (int i = 0; i < P; i++) {
                const int k = k0 + lane * 8 + 32 * 8 * i;
                if (k < k1) {
                    float wv[8];
                    unpack8(wv, pre.q[i]);
                    piece(wv, k);
                }
            }
        }
#pragma unroll 4
        for (int k = k0 + lane * 8 + (PRE ? 32 * 8 * P : 0); k < k1; k += 32 * 8) {
            float wv[8];
            load8(wv, w + k);
            piece(wv, k);
        }
    } else {
        for (int k = k0 + lane; k < k1; k += 32) {
            float wv = toF(w[k]);
            for (int g = 0; g < GM; g++) {
                if (g < G) { acc[g] += wv * toF(xs[(size_t)g * K + k]); }
            }
        }
    }
}

// the whole-warp sums of acc; lane g returns sequence g's (g < GM), other lanes 0
template <int GM>
__device__ __forceinline__ float warp_sums_to_lanes(float acc[GM]) {
    const int lane = threadIdx.x % 32;
    float mine = 0.0f;
    for (int g = 0; g < GM; g++) {
        float s = warp_sum(acc[g]);
        if (lane == g) { mine = s; }
    }
    return mine;
}

// whether rows of K values at w take 8-value loads
__device__ __forceinline__ bool vec8_ok(const floatX *w, int K) { return K % 8 == 0 && (uintptr_t)w % 16 == 0; }

/*
The block's share of rows (rows, K) of w against the G inputs staged in xs (G, K): one warp per row,
the blocks' warps striding over the rows; then epilogue(row, g, sum) in lane g for each g < G.
*/
template <int GM, bool PRE, int P, typename Epilogue>
__device__ __forceinline__ void row_dot_inputs(const floatX *w, const floatX *xs, int row, int K, int G, bool vec,
                                               const RowPre<P> &pre, Epilogue &epilogue) {
    float acc[GM];
    dot_partial<GM, PRE, P>(acc, w + (size_t)row * K, xs, K, G, 0, K, vec, pre);
    const float v = warp_sums_to_lanes<GM>(acc);
    if (threadIdx.x % 32 < G) { epilogue(row, threadIdx.x % 32, v); }
}
template <int GM, int P, typename Epilogue>
__device__ __forceinline__ void rows_dot_inputs(const floatX *w, const floatX *xs, int rows, int K, int G, const RowPre<P> &pre,
                                                Epilogue epilogue) {
    const int warps = blockDim.x / 32, first = blockIdx.x * warps + threadIdx.x / 32;
    const bool vec = vec8_ok(w, K);
    if (first < rows) { row_dot_inputs<GM, true, P>(w, xs, first, K, G, vec, pre, epilogue); }
    for (int row = first + gridDim.x * warps; row < rows; row += gridDim.x * warps) {
        row_dot_inputs<GM, false, P>(w, xs, row, K, G, vec, pre, epilogue);
    }
}

// pre for this warp's first row of rows_dot_inputs (the rest of that row, if any, into L2)
template <int P>
__device__ __forceinline__ void preload_first_row(RowPre<P> &pre, const floatX *w, int rows, int K) {
    const int first = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
    if (first < rows) { preload_row(pre, w + (size_t)first * K, 0, K, vec8_ok(w, K)); }
}

/*
Programmatic dependent launch (sm_90; decode_launch asks for it): the kernel lets the next one be
scheduled at once, so that its blocks can start their prologue (reading their weights) while
this one runs, and waits for the previous kernel to finish before it reads anything that kernel
wrote. Launched plainly (or before sm_90) both are no-ops.
*/
__device__ __forceinline__ void decode_wait_previous() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    cudaTriggerProgrammaticLaunchCompletion();
    cudaGridDependencySynchronize();
#endif
}

// xs[0, n) in shared memory = in[0, n), block-wide, 16-byte copies when aligned, 4 loads in flight per thread
__device__ __forceinline__ void stage_rows(floatX *__restrict__ xs, const floatX *__restrict__ in, int n) {
    if ((n * sizeof(floatX)) % 16 == 0 && (uintptr_t)in % 16 == 0) {
        const uint4 *src = (const uint4 *)in;
        uint4 *dst = (uint4 *)xs;
        const int n16 = (int)(n * sizeof(floatX) / 16);
        for (int base = threadIdx.x; base < n16; base += 4 * blockDim.x) {
            uint4 v[4];
            for (int k = 0; k < 4; k++) { if (base + k * blockDim.x < n16) { v[k] = src[base + k * blockDim.x]; } }
            for (int k = 0; k < 4; k++) { if (base + k * blockDim.x < n16) { dst[base + k * blockDim.x] = v[k]; } }
        }
    } else {
        for (int i = threadIdx.x; i < n; i += blockDim.x) { xs[i] = in[i]; }
    }
}

// xs (G, C) in shared memory = RMSNorm(r) * weight rounded to floatX, as rmsnorm_forward stores it;
// warp g normalises sequence g (G <= the block's warps)
__device__ __forceinline__ void stage_rmsnorm(floatX *xs, const float *r, const float *weight, int G, int C) {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (warp >= G) { return; }
    const float *x = r + (size_t)warp * C;
    floatX *out = xs + (size_t)warp * C;
    float ss = 0.0f;
    if (C % 4 == 0 && (uintptr_t)x % 16 == 0 && (uintptr_t)weight % 16 == 0) {
#pragma unroll 8
        for (int i = lane * 4; i < C; i += 32 * 4) {
            float4 v = *(const float4 *)(x + i);
            ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
        }
        const float s = rsqrtf(warp_sum(ss) / C + RMSNORM_EPS);
#pragma unroll 8
        for (int i = lane * 4; i < C; i += 32 * 4) {
            float4 v = *(const float4 *)(x + i), w = *(const float4 *)(weight + i);
            out[i] = fromF<floatX>(v.x * s * w.x);
            out[i + 1] = fromF<floatX>(v.y * s * w.y);
            out[i + 2] = fromF<floatX>(v.z * s * w.z);
            out[i + 3] = fromF<floatX>(v.w * s * w.w);
        }
    } else {
        for (int i = lane; i < C; i += 32) { ss += x[i] * x[i]; }
        const float s = rsqrtf(warp_sum(ss) / C + RMSNORM_EPS);
        for (int i = lane; i < C; i += 32) { out[i] = fromF<floatX>(x[i] * s * weight[i]); }
    }
}

/*
1. h = RMSNorm(r); xz = h in_proj^T, one warp per row of in_proj (2 Di rows). Row d < Di: x of
channel d, shifted into the conv state, u = silu(conv); row Di + d: z of channel d, kept in
xz (G, 2 Di) for the gate. r (G, C), conv_state (G, Di, Kc).
*/
#define DECODE_KC 4 // conv taps held in registers from before the wait (d_conv = 4 in every released model)
template <int GM>
__global__ void __launch_bounds__(DECODE_THREADS, DECODE_BLOCKS_PER_SM) decode_in_proj_kernel(floatX *xz, floatX *u, float *conv_state,
                                                                        const float *r, const float *norm_w,
                                                                        const floatX *w, const float *conv_w,
                                                                        const float *conv_b, int G, int C, int Di, int Kc) {
    extern __shared__ __align__(16) unsigned char decode_smem[];
    floatX *xs = (floatX *)decode_smem;
    const int lane = threadIdx.x % 32, first = blockIdx.x * (DECODE_THREADS / 32) + threadIdx.x / 32; // this warp's first row
    RowPre<4> pre;
    preload_first_row(pre, w, 2 * Di, C);
    // the first row's conv state and taps, in lane g for sequence g, as the epilogue runs there. Only this
    // kernel writes the conv state, in the step before, and that step has finished: decode_layer's callers
    // launch a plain kernel between steps
    const bool kpre = first < Di && lane < G && Kc <= DECODE_KC;
    float cst[DECODE_KC], cwt[DECODE_KC], cbt = 0.0f;
    if (kpre) {
#pragma unroll
        for (int k = 0; k < DECODE_KC; k++) {
            if (k < Kc) {
                cst[k] = conv_state[((size_t)lane * Di + first) * Kc + k];
                cwt[k] = conv_w[first * Kc + k];
            }
        }
        cbt = conv_b[first];
    }
    decode_wait_previous();
    stage_rmsnorm(xs, r, norm_w, G, C);
    __syncthreads();
    rows_dot_inputs<GM>(w, xs, 2 * Di, C, G, pre, [&](int row, int g, float sum) {
        const float v = toF(fromF<floatX>(sum)); // xz is floatX in the per-operation step
        if (row >= Di) {
            xz[(size_t)g * 2 * Di + row] = fromF<floatX>(v);
            return;
        }
        const int d = row;
        float *cs = conv_state + ((size_t)g * Di + d) * Kc;
        float a;
        if (kpre && row == first) { // the same sums in the same order as below
            a = cbt;
#pragma unroll
            for (int k = 0; k < DECODE_KC; k++) {
                if (k < Kc) {
                    const float x = k < Kc - 1 ? cst[k + 1 < DECODE_KC ? k + 1 : k] : v;
                    cs[k] = x;
                    a += cwt[k] * x;
                }
            }
        } else {
            for (int k = 0; k < Kc - 1; k++) { cs[k] = cs[k + 1]; }
            cs[Kc - 1] = v;
            a = conv_b[d];
            for (int k = 0; k < Kc; k++) { a += conv_w[d * Kc + k] * cs[k]; }
        }
        u[(size_t)g * Di + d] = fromF<floatX>(a / (1.0f + expf(-a)));
    });
}

/*
2. xdbl (G, X) = u x_proj^T: X = dt_rank + 2 N rows (80 at the 130m shape) of Di values each,
too few for one warp per row, so DECODE_SPLIT warps share a row, each a slice of Di, and their
sums are added in warp order.
*/
template <int GM>
__global__ void __launch_bounds__(DECODE_THREADS, 1) decode_x_proj_kernel(floatX *xdbl, const floatX *u, const floatX *w,
                                                                       int G, int Di, int X) {
    extern __shared__ __align__(16) unsigned char decode_smem[];
    __shared__ float partial[DECODE_THREADS / 32][GM];
    floatX *xs = (floatX *)decode_smem;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int rows_per_block = DECODE_THREADS / 32 / DECODE_SPLIT, slice = warp % DECODE_SPLIT;
    const int per = (Di + DECODE_SPLIT * 8 - 1) / (DECODE_SPLIT * 8) * 8; // slices start at multiples of 8
    const int k0 = min(slice * per, Di), k1 = min(k0 + per, Di);
    const int first = blockIdx.x * rows_per_block + warp / DECODE_SPLIT;
    const bool vec = vec8_ok(w, Di);
    RowPre<2> pre;
    if (first < X) { preload_row(pre, w + (size_t)first * Di, k0, k1, vec); }
    decode_wait_previous();
    stage_rows(xs, u, G * Di);
    __syncthreads();
    for (int base = blockIdx.x * rows_per_block; base < X; base += gridDim.x * rows_per_block) {
        const int row = base + warp / DECODE_SPLIT;
        float acc[GM];
        if (row >= X) { for (int g = 0; g < GM; g++) { acc[g] = 0.0f; } }
        else if (row == first) { dot_partial<GM, true, 2>(acc, w + (size_t)row * Di, xs, Di, G, k0, k1, vec, pre); }
        else { dot_partial<GM, false, 2>(acc, w + (size_t)row * Di, xs, Di, G, k0, k1, vec, pre); }
        const float v = warp_sums_to_lanes<GM>(acc);
        if (lane < GM) { partial[warp][lane] = v; }
        __syncthreads();
        if (slice == 0 && lane < G && row < X) {
            float s = 0.0f;
            for (int i = 0; i < DECODE_SPLIT; i++) { s += partial[warp + i][lane]; }
            xdbl[(size_t)lane * X + row] = fromF<floatX>(s);
        }
        __syncthreads();
    }
}

/*
3. SCAN_STEP_LANES threads per (sequence, channel): delta_raw = dt_proj row . xdbl[:R], split over
the group's lanes (rounded to floatX, as the per-operation step's matmul stores it), then the scan
step with everything around it.
*/
__global__ void decode_scan_kernel(floatX *yg, float *ssm_state, const floatX *u, const floatX *xdbl, const floatX *dt_w,
                                   const float *dt_bias, const float *A_log, const float *D, const floatX *xz, int G, int Di,
                                   int R, int N) {
    decode_wait_previous();
    const int t = blockIdx.x * blockDim.x + threadIdx.x, i = t / SCAN_STEP_LANES, j = t % SCAN_STEP_LANES;
    if (i >= G * Di) { return; }
    const int g = i / Di, d = i % Di, X = R + 2 * N;
    const floatX *row = xdbl + (size_t)g * X, *wd = dt_w + (size_t)d * R;
    float dr = 0.0f;
    for (int k = j; k < R; k += SCAN_STEP_LANES) { dr += toF(wd[k]) * toF(row[k]); }
    dr = group16_sum(dr);
    float y = scan_step_lanes(ssm_state + (size_t)i * N, toF(fromF<floatX>(dr)), dt_bias[d], A_log + (size_t)d * N, row + R,
                              row + R + N, D[d], toF(u[i]), toF(xz[(size_t)g * 2 * Di + Di + d]), N, j);
    if (j == 0) { yg[i] = fromF<floatX>(y); }
}

/*
4. r += yg out_proj^T (G, C), one warp per row; the product is rounded to floatX before the add, as
the per-operation step stores out_proj's output.
*/
template <int GM>
__global__ void __launch_bounds__(DECODE_THREADS, 1) decode_out_proj_kernel(float *r, const floatX *yg, const floatX *w,
                                                                         int G, int Di, int C) {
    extern __shared__ __align__(16) unsigned char decode_smem[];
    floatX *xs = (floatX *)decode_smem;
    const int lane = threadIdx.x % 32, first = blockIdx.x * (DECODE_THREADS / 32) + threadIdx.x / 32; // this warp's first row
    RowPre<8> pre;
    preload_first_row(pre, w, C, Di);
    decode_wait_previous();
    // the first row's residual entry in lane g, read beside the inputs (an earlier kernel of this step wrote it)
    const float r_first = first < C && lane < G ? r[(size_t)lane * C + first] : 0.0f;
    stage_rows(xs, yg, G * Di);
    __syncthreads();
    rows_dot_inputs<GM>(w, xs, C, Di, G, pre, [&](int row, int g, float sum) {
        const float add = toF(fromF<floatX>(sum));
        float *rp = r + (size_t)g * C + row;
        *rp = (row == first ? r_first : *rp) + add;
    });
}

// 5. logits (G, Vp) fp32 = RMSNorm(r) wte^T, each rounded to floatX first (the per-operation step's
// logits are a floatX tensor, converted)
template <int GM>
__global__ void __launch_bounds__(DECODE_THREADS, DECODE_BLOCKS_PER_SM) decode_head_kernel(float *logits, const float *r, const float *norm_w,
                                                                     const floatX *wte, int G, int C, int Vp) {
    extern __shared__ __align__(16) unsigned char decode_smem[];
    floatX *xs = (floatX *)decode_smem;
    RowPre<4> pre;
    preload_first_row(pre, wte, Vp, C);
    decode_wait_previous();
    stage_rmsnorm(xs, r, norm_w, G, C);
    __syncthreads();
    rows_dot_inputs<GM>(wte, xs, Vp, C, G, pre, [&](int row, int g, float sum) { logits[(size_t)g * Vp + row] = toF(fromF<floatX>(sum)); });
}

// ----------------------------------------------------------------------------
// host side

// shared memory of the fused kernels: the widest input, G rows of max(C, Di) floatX values
static inline size_t decode_smem_bytes(int G, int C, int Di) { return (size_t)G * (C > Di ? C : Di) * sizeof(floatX); }

// blocks for `rows` rows at `rows_per_block` a block: all at once if they fit DECODE_BLOCKS_PER_SM a
// multiprocessor, else that many looping (the RMSNorm of the inputs is redone per block, so the head's
// 50K rows take ~500 blocks, not 6,000)
static inline int decode_blocks(int rows, int rows_per_block) {
    static int sms = 0;
    if (sms == 0) {
        int dev;
        cudaCheck(cudaGetDevice(&dev));
        cudaCheck(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    }
    int want = ceil_div(rows, rows_per_block);
    return want < sms * DECODE_BLOCKS_PER_SM ? want : sms * DECODE_BLOCKS_PER_SM;
}

#define DECODE_DISPATCH(G, LAUNCH) \
    do {                           \
        if ((G) <= 1) { LAUNCH(1); } else if ((G) <= 2) { LAUNCH(2); } else if ((G) <= 4) { LAUNCH(4); } else { LAUNCH(8); } \
    } while (0)

// the dynamic shared memory the fused kernels of size GM may use: raised to `bytes`, never lowered
// (the setting is per kernel and process-wide: another state may already launch with more)
template <int GM>
static void decode_opt_in(size_t bytes) {
    static size_t granted = 48 * 1024;
    if (bytes <= granted) { return; }
    const int b = (int)bytes;
    cudaCheck(cudaFuncSetAttribute(decode_in_proj_kernel<GM>, cudaFuncAttributeMaxDynamicSharedMemorySize, b));
    cudaCheck(cudaFuncSetAttribute(decode_x_proj_kernel<GM>, cudaFuncAttributeMaxDynamicSharedMemorySize, b));
    cudaCheck(cudaFuncSetAttribute(decode_out_proj_kernel<GM>, cudaFuncAttributeMaxDynamicSharedMemorySize, b));
    cudaCheck(cudaFuncSetAttribute(decode_head_kernel<GM>, cudaFuncAttributeMaxDynamicSharedMemorySize, b));
    granted = bytes;
}

/*
Whether the fused step runs batch G at this shape: G <= DECODE_MAX_BATCH and the inputs it stages
fit the device's shared memory (above 48 KB the kernels are opted in here, before any graph capture).
*/
static int decode_fused_supported(int G, int C, int Di) {
    if (G < 1 || G > DECODE_MAX_BATCH) { return 0; }
    const size_t bytes = decode_smem_bytes(G, C, Di);
    int dev, optin;
    cudaCheck(cudaGetDevice(&dev));
    cudaCheck(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
    if (bytes + 1024 > (size_t)optin) { return 0; } // (1024: headroom for the kernels' static shared memory)
#define OPT_IN(GM) decode_opt_in<GM>(bytes)
    DECODE_DISPATCH(G, OPT_IN);
#undef OPT_IN
    return 1;
}

/*
A launch of a fused-step kernel, as a programmatic dependent launch when the code that runs was
compiled for sm_90 or later (compiled_for_sm90: an sm_80 build's PTX, compiled for an H100 at load
time, has no wait in it, so it must launch plainly).
*/
template <typename... Params, typename... Args>
static void decode_launch(void (*kernel)(Params...), int grid, int block, size_t smem, cudaStream_t stream, Args... args) {
    static int pdl = -1;
    if (pdl < 0) { pdl = compiled_for_sm90((const void *)decode_scan_kernel); }
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3(grid);
    config.blockDim = dim3(block);
    config.dynamicSmemBytes = smem;
    config.stream = stream;
    cudaLaunchAttribute attribute;
    attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attribute.val.programmaticStreamSerializationAllowed = 1;
    config.attrs = &attribute;
    config.numAttrs = pdl && decode_programmatic;
    cudaCheck(cudaLaunchKernelEx(&config, kernel, args...));
}

/*
One layer of the fused step (weights of this layer; states of this layer). The caller launches a plain
(not programmatic) kernel between two steps, as the trainer's encoder_forward at the start of each
step: in_proj reads its conv state before it waits for the kernel before, so the step that last
wrote it must have finished. Layers must not share states.
*/
static void decode_layer(float *r, floatX *xz, floatX *u, floatX *xdbl, floatX *yg, float *conv_state, float *ssm_state,
                         const float *norm_w, const floatX *in_w, const float *conv_w, const float *conv_b,
                         const floatX *x_in, const floatX *x_w, const floatX *dt_w, const float *dt_b, const float *A_log,
                         const float *D, const floatX *out_w, int G, int C, int Di, int Kc, int R, int N,
                         cudaStream_t stream) {
    const int warps = DECODE_THREADS / 32, X = R + 2 * N, T = DECODE_THREADS;
    const size_t in_smem = (size_t)G * C * sizeof(floatX), di_smem = (size_t)G * Di * sizeof(floatX);
#define LAUNCH_LAYER(GM)                                                                                                  \
    decode_launch(decode_in_proj_kernel<GM>, decode_blocks(2 * Di, warps), T, in_smem, stream, xz, u, conv_state, r,     \
                  norm_w, in_w, conv_w, conv_b, G, C, Di, Kc);                                                            \
    decode_launch(decode_x_proj_kernel<GM>, decode_blocks(X, warps / DECODE_SPLIT), T, di_smem, stream, xdbl, x_in, x_w, \
                  G, Di, X);                                                                                              \
    decode_launch(decode_scan_kernel, ceil_div((long)G * Di * SCAN_STEP_LANES, T), T, 0, stream, yg, ssm_state, u, xdbl, \
                  dt_w, dt_b, A_log, D, xz, G, Di, R, N);                                                                 \
    decode_launch(decode_out_proj_kernel<GM>, decode_blocks(C, warps), T, di_smem, stream, r, yg, out_w, G, Di, C)
    DECODE_DISPATCH(G, LAUNCH_LAYER);
#undef LAUNCH_LAYER
}

static void decode_head(float *logits, const float *r, const float *norm_w, const floatX *wte, int G, int C, int Vp,
                        cudaStream_t stream) {
    const size_t smem = (size_t)G * C * sizeof(floatX);
#define LAUNCH_HEAD(GM)                                                                                                     \
    decode_launch(decode_head_kernel<GM>, decode_blocks(Vp, DECODE_THREADS / 32), DECODE_THREADS, smem, stream, logits, r, \
                  norm_w, wte, G, C, Vp)
    DECODE_DISPATCH(G, LAUNCH_HEAD);
#undef LAUNCH_HEAD
}

#endif // DECODE_CUH
