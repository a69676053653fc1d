/*
Selective scan (Mamba-1 SSM) forward and backward for training, fused with softplus(delta) and the
z gate. The winners of dev/cuda/selective_scan_forward.cu and selective_scan_backward.cu (version 3);
doc/perf.md has the measurements.

Per (b, t, d), all scan arithmetic and states in fp32:
    delta   = softplus(delta_raw + dt_bias[d])                 (= v itself for v > 20)
    s[t, n] = exp(delta * A[d, n]) * s[t-1, n] + delta * B[t, n] * u      s[-1] = 0, A = -exp(A_log)
    y       = sum_n C[t, n] * s[t, n] + D[d] * u
    out     = y * silu(z)
Token-major layouts, as the trainer keeps them:
    u, delta_raw, out, dout, du, d_delta_raw   (B, T, Di) bf16
    z  = xz[:, :, Di:2Di]        of xz   (B, T, 2Di)     (dz goes to the same slot of dxz)
    B  = xdbl[:, :, R:R+N], C = xdbl[:, :, R+N:R+2N] of xdbl (B, T, R+2N)   (dB, dC likewise)
    dt_bias, D (Di), A_log (Di, N) fp32;  states (B, nchunks, Di, N) fp32
The forward writes checkpoints: states[b, c] = the state entering chunk c (SCAN_CHUNK steps each).
The backward recomputes the states from them chunk by chunk, last chunk first, carrying the adjoint
h = dL/ds backwards:
    h[t]    = C[t]*dy[t] + a[t+1]*h[t+1],   a = exp(delta*A),  dy = dout*silu(z),  q[t] = a[t]*s[t-1]
    du      = delta * sum_n h*B + D*dy
    d_delta = u * sum_n h*B + sum_n A*h*q   ->  d_delta_raw = d_delta * sigmoid(delta_raw + dt_bias)
    dz      = dout * y * sigmoid(z) * (1 + z*(1 - sigmoid(z)))
    dB[t]  += h*delta*u, dC[t] += dy*s[t]   (sums over d)
    dA     += delta*h*q (sum over b,t), dA_log = dA * A;  dD += dy*u;  d_dt_bias += d_delta_raw
dA_log, dD, d_dt_bias are accumulated (+=). Every sum runs in a fixed order (per-block partials in
scratch, then one reduction kernel), so results are bitwise reproducible: no float atomics.

Work layout (both kernels): one block = DC=32 channels of one batch row; each channel's N states
are split over N/4 lanes (4 states per lane), which gives B*Di*N/4 threads: enough to fill an H100
at training shapes while each lane keeps its states in registers and loops over T. Inputs arrive
in tiles of SCAN_CHUNK steps through shared memory (16-byte cp.async, the next tile in flight),
softplus/silu are computed once per element, outputs leave as bf16 vectors.
*/
#ifndef LLMC_CUDA_SCAN_CUH
#define LLMC_CUDA_SCAN_CUH

#include <stdio.h>
#include <stdlib.h>
#include <cuda_runtime.h>
#include <cuda_bf16.h>

#ifndef FLOATX_DEFINED
#define FLOATX_DEFINED
typedef __nv_bfloat16 floatX;
#endif

// steps per checkpoint; the backward's pre-pass recomputes at most SCAN_CHUNK - SCAN_SUB of them
#ifndef SCAN_CHUNK
#define SCAN_CHUNK 32
#endif
#define SCAN_SUB (SCAN_CHUNK < 16 ? SCAN_CHUNK : 16) // backward sub-chunk, held in registers
#define SCAN_DC 32                                    // channels per block
#define SCAN_NPT 4                                    // states per lane

#define SS_LOG2E 1.4426950408889634f
#define SS_LN2 0.6931471805599453f

// ----------------------------------------------------------------------------
// device helpers

// MUFU approximations (ftz), as PTX so build flags cannot change them
__device__ __forceinline__ float ss_ex2(float x) { float y; asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x)); return y; }
__device__ __forceinline__ float ss_lg2(float x) { float y; asm("lg2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x)); return y; }
__device__ __forceinline__ float ss_rcp(float x) { float y; asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x)); return y; }

// softplus(v) = log(1 + e), e = exp(v). For small e the series, since 1 + e would round most of e
// away; above 20, v itself (the reference's threshold). The backward also takes sigmoid(v) = softplus'(v).
__device__ __forceinline__ float ss_softplus_of_exp(float e) {
    return e < 0.01f ? e * (1.f - e * (0.5f - e * (1.f / 3.f))) : ss_lg2(1.f + e) * SS_LN2;
}
__device__ __forceinline__ float ss_softplus(float v) {
    return v > 20.f ? v : ss_softplus_of_exp(ss_ex2(v * SS_LOG2E));
}
__device__ __forceinline__ float ss_softplus_sig(float v, float *sig) {
    if (v > 20.f) { *sig = 1.f; return v; }
    float e = ss_ex2(v * SS_LOG2E);
    *sig = e * ss_rcp(1.f + e);
    return ss_softplus_of_exp(e);
}
__device__ __forceinline__ float ss_sigmoid(float z) { return ss_rcp(1.f + ss_ex2(-z * SS_LOG2E)); }

__device__ __forceinline__ void ss_cp_async16(void *smem_dst, const void *gmem_src, int src_bytes) {
    unsigned dst = (unsigned)__cvta_generic_to_shared(smem_dst);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(dst), "l"(gmem_src), "r"(src_bytes));
}
__device__ __forceinline__ void ss_cp_async_commit() { asm volatile("cp.async.commit_group;"); }
__device__ __forceinline__ void ss_cp_async_wait_all() { asm volatile("cp.async.wait_group 0;" ::: "memory"); }

__device__ __forceinline__ void ss_unpack8(uint4 v, float *f) {
    const __nv_bfloat162 *h = reinterpret_cast<const __nv_bfloat162 *>(&v);
#pragma unroll
    for (int k = 0; k < 4; k++) { float2 t = __bfloat1622float2(h[k]); f[2 * k] = t.x; f[2 * k + 1] = t.y; }
}
__device__ __forceinline__ uint4 ss_pack8(const float *f) {
    uint4 v;
    __nv_bfloat162 *h = reinterpret_cast<__nv_bfloat162 *>(&v);
#pragma unroll
    for (int k = 0; k < 4; k++) { h[k] = __floats2bfloat162_rn(f[2 * k], f[2 * k + 1]); }
    return v;
}

struct ScanParams {
    floatX *out, *du, *d_delta_raw, *dxz, *dxdbl;
    float *states, *dA_log, *dD, *d_dt_bias, *scratch;
    const floatX *dout, *u, *delta_raw, *xdbl, *xz;
    const float *dt_bias, *A_log, *D;
    int R, B, T, Di;
};

// Copy one tile (CH rows from t0) of NX per-channel bf16 tensors plus the B|C columns into shared
// memory with cp.async. Rows past T and channels past Di are zero-filled. X[k]/xstride[k]/xoff[k]
// name the tensors. B|C sit 16-byte aligned in xdbl when R % 8 == 0 (every released config); other
// R take plain loads.
template <int N, int DC, int CH, int NT, int NX>
__device__ __forceinline__ void ss_load_tile(const ScanParams &p, const floatX *const (&X)[NX], const int (&xstride)[NX],
                                             const int (&xoff)[NX], floatX *raw, int b, int d0, int t0, int tid) {
    const int T = p.T, Di = p.Di, W = p.R + 2 * N;
#pragma unroll
    for (int k = 0; k < NX; k++) { // unrolled: X[k] stays in registers, not on the stack
        for (int i = tid; i < CH * DC / 8; i += NT) {
            int t = i / (DC / 8), cg = i % (DC / 8), tt = t0 + t, dd = d0 + cg * 8;
            bool ok = tt < T && dd < Di;
            size_t row = (size_t)b * T + (ok ? tt : 0);
            ss_cp_async16(raw + (size_t)k * CH * DC + t * DC + cg * 8, X[k] + row * xstride[k] + xoff[k] + (ok ? dd : 0), ok ? 16 : 0);
        }
    }
    floatX *rawbc = raw + NX * CH * DC;
    if (p.R % 8 == 0) {
        for (int i = tid; i < CH * 2 * N / 8; i += NT) {
            int t = i / (2 * N / 8), c8 = i % (2 * N / 8), tt = t0 + t;
            bool ok = tt < T;
            ss_cp_async16(rawbc + t * 2 * N + c8 * 8, p.xdbl + ((size_t)b * T + (ok ? tt : 0)) * W + p.R + c8 * 8, ok ? 16 : 0);
        }
    } else {
        for (int i = tid; i < CH * 2 * N; i += NT) {
            int t = i / (2 * N), j = i % (2 * N), tt = t0 + t;
            rawbc[i] = tt < T ? p.xdbl[((size_t)b * T + tt) * W + p.R + j] : __float2bfloat16_rn(0.f);
        }
    }
}

// ----------------------------------------------------------------------------
// forward kernel

template <int N, int NPT, int DC, int CH> struct ScanFwdLayout {
    static constexpr int LPC = N / NPT, NT = DC * LPC;
    static constexpr int YROW = LPC * DC + 4;  // padded: the epilogue's row reads don't collide in banks
    static constexpr int RAW = 3 * CH * DC + CH * 2 * N; // bf16 per stage: delta_raw, u, z, B|C
    static constexpr size_t off_P = 2 * (size_t)RAW * 2;
    static constexpr size_t off_BC = off_P + (size_t)CH * DC * 8;
    static constexpr size_t off_y = off_BC + (size_t)CH * 2 * N * 4;
    static constexpr size_t off_par = off_y + (size_t)CH * YROW * 4;
    static constexpr size_t smem = off_par + 2 * DC * 4;
    static_assert(N % NPT == 0 && NPT % 4 == 0 && DC % 8 == 0 && N % 4 == 0, "scan layout");
    static_assert(RAW % 8 == 0 && off_P % 16 == 0 && off_BC % 16 == 0 && off_y % 16 == 0, "16-byte alignment");
};

template <int N, int NPT, int DC, int CH>
__global__ void __launch_bounds__(ScanFwdLayout<N, NPT, DC, CH>::NT)
selective_scan_forward_kernel(ScanParams p) {
    using L = ScanFwdLayout<N, NPT, DC, CH>;
    constexpr int LPC = L::LPC, NT = L::NT, YROW = L::YROW;
    extern __shared__ __align__(16) unsigned char ss_smem[];
    floatX *raw = (floatX *)ss_smem;              // [2 stages][delta_raw, u, z][CH][DC] + [CH][2N]
    float2 *P = (float2 *)(ss_smem + L::off_P);   // [CH][DC] (delta, delta*u)
    float *BC = (float *)(ss_smem + L::off_BC);   // [CH][2N]
    float *yp = (float *)(ss_smem + L::off_y);    // [CH][YROW] per-lane partial sums of C*s
    float *bias_s = (float *)(ss_smem + L::off_par), *D_s = bias_s + DC;

    const int tid = threadIdx.x, ch = tid / LPC, nq = tid % LPC;
    const int b = blockIdx.y, d0 = blockIdx.x * DC, d = d0 + ch;
    const int T = p.T, Di = p.Di, nch = (T + CH - 1) / CH;
    const bool dok = d < Di;
    const floatX *const X[3] = {p.delta_raw, p.u, p.xz};
    const int xstride[3] = {Di, Di, 2 * Di}, xoff[3] = {0, 0, Di};
    for (int i = tid; i < DC; i += NT) {
        bias_s[i] = d0 + i < Di ? p.dt_bias[d0 + i] : 0.f;
        D_s[i] = d0 + i < Di ? p.D[d0 + i] : 0.f;
    }
    float A2[NPT], s[NPT];
#pragma unroll
    for (int j = 0; j < NPT; j++) {
        A2[j] = dok ? -expf(p.A_log[d * N + nq * NPT + j]) * SS_LOG2E : 0.f; // exp(x*A) = 2^(x*A*log2(e))
        s[j] = 0.f;
    }
    ss_load_tile<N, DC, CH, NT, 3>(p, X, xstride, xoff, raw, b, d0, 0, tid);
    ss_cp_async_commit();

    for (int c = 0; c < nch; c++) {
        const int t0 = c * CH;
        const floatX *rw = raw + (c & 1) * L::RAW;
        ss_cp_async_wait_all();
        __syncthreads(); // tile c visible to all; the other stage (tile c-1) is no longer read
        if (c + 1 < nch) { ss_load_tile<N, DC, CH, NT, 3>(p, X, xstride, xoff, raw + ((c + 1) & 1) * L::RAW, b, d0, t0 + CH, tid); }
        ss_cp_async_commit();
        for (int i = tid; i < CH * DC / 8; i += NT) { // softplus once per element
            int t = i / (DC / 8), cg = i % (DC / 8);
            float dr[8], uu[8];
            ss_unpack8(*(const uint4 *)(rw + t * DC + cg * 8), dr);
            ss_unpack8(*(const uint4 *)(rw + CH * DC + t * DC + cg * 8), uu);
            bool tok = t0 + t < T;
            float4 *dst = (float4 *)(P + t * DC + cg * 8);
#pragma unroll
            for (int k = 0; k < 8; k += 2) {
                float d1 = tok ? ss_softplus(dr[k] + bias_s[cg * 8 + k]) : 0.f;
                float d2 = tok ? ss_softplus(dr[k + 1] + bias_s[cg * 8 + k + 1]) : 0.f;
                dst[k / 2] = make_float4(d1, d1 * uu[k], d2, d2 * uu[k + 1]);
            }
        }
        for (int i = tid; i < CH * 2 * N / 8; i += NT) {
            float f[8];
            ss_unpack8(*(const uint4 *)(rw + 3 * CH * DC + i * 8), f);
            *(float4 *)(BC + i * 8) = make_float4(f[0], f[1], f[2], f[3]);
            *(float4 *)(BC + i * 8 + 4) = make_float4(f[4], f[5], f[6], f[7]);
        }
        __syncthreads();
        if (dok) { // checkpoint: the state entering chunk c
            float *dst = p.states + (((size_t)b * nch + c) * Di + d) * N + nq * NPT;
#pragma unroll
            for (int j = 0; j < NPT; j += 4) { *(float4 *)(dst + j) = make_float4(s[j], s[j + 1], s[j + 2], s[j + 3]); }
        }
#pragma unroll 8
        for (int t = 0; t < CH; t++) {
            float2 pd = P[t * DC + ch];
            float Bv[NPT], Cv[NPT];
#pragma unroll
            for (int j = 0; j < NPT; j += 4) {
                *(float4 *)(Bv + j) = *(const float4 *)(BC + t * 2 * N + nq * NPT + j);
                *(float4 *)(Cv + j) = *(const float4 *)(BC + t * 2 * N + N + nq * NPT + j);
            }
            float y = 0.f;
#pragma unroll
            for (int j = 0; j < NPT; j++) {
                s[j] = fmaf(ss_ex2(pd.x * A2[j]), s[j], pd.y * Bv[j]);
                y = fmaf(Cv[j], s[j], y);
            }
            yp[t * YROW + nq * DC + ch] = y; // summed over the channel's lanes in the epilogue
        }
        __syncthreads();
        for (int i = tid; i < CH * DC / 8; i += NT) { // out = (y + D*u) * silu(z), 8 channels per store
            int t = i / (DC / 8), cg = i % (DC / 8);
            if (t0 + t >= T || d0 + cg * 8 >= Di) { continue; }
            float uu[8], zz[8], y[8];
            ss_unpack8(*(const uint4 *)(rw + CH * DC + t * DC + cg * 8), uu);
            ss_unpack8(*(const uint4 *)(rw + 2 * CH * DC + t * DC + cg * 8), zz);
#pragma unroll
            for (int k = 0; k < 8; k += 4) { *(float4 *)(y + k) = *(const float4 *)(yp + t * YROW + cg * 8 + k); }
#pragma unroll
            for (int q = 1; q < LPC; q++) {
#pragma unroll
                for (int k = 0; k < 8; k += 4) {
                    float4 v = *(const float4 *)(yp + t * YROW + q * DC + cg * 8 + k);
                    y[k] += v.x; y[k + 1] += v.y; y[k + 2] += v.z; y[k + 3] += v.w;
                }
            }
#pragma unroll
            for (int k = 0; k < 8; k++) { y[k] = (y[k] + D_s[cg * 8 + k] * uu[k]) * zz[k] * ss_sigmoid(zz[k]); }
            *(uint4 *)(p.out + ((size_t)b * T + t0 + t) * Di + d0 + cg * 8) = ss_pack8(y);
        }
    }
}

// ----------------------------------------------------------------------------
// backward kernel

template <int N, int NPT, int DC, int CH, int SUB> struct ScanBwdLayout {
    static constexpr int LPC = N / NPT, NT = DC * LPC, NWARP = NT / 32, K = CH / SUB;
    static constexpr int MINB = NT >= 384 ? 1 : 384 / NT; // 12 warps per SM: registers for sreg without spills
    static constexpr int YROW = LPC * DC + 4;
    static constexpr int RAW = 4 * CH * DC + CH * 2 * N; // bf16: delta_raw, u, z, dout, B|C (one stage)
    static constexpr size_t off_P = (size_t)RAW * 2;
    static constexpr size_t off_Q = off_P + (size_t)CH * DC * 16;
    static constexpr size_t off_BC = off_Q + (size_t)CH * DC * 8;
    static constexpr size_t off_sub = off_BC + (size_t)CH * 2 * N * 4;
    static constexpr size_t off_y = off_sub + (size_t)(K > 1 ? K - 1 : 1) * NT * NPT * 4;
    static constexpr size_t off_rs = off_y + (size_t)SUB * YROW * 4;
    static constexpr size_t off_red = off_rs + (size_t)SUB * DC * 8;
    static constexpr size_t off_par = off_red + (size_t)SUB * NWARP * 2 * N * 4;
    static constexpr size_t smem = off_par + 2 * DC * 4;
    static_assert(N % NPT == 0 && NPT % 4 == 0 && N <= 32 && CH % SUB == 0 && DC % 8 == 0 && NT % 32 == 0, "scan layout");
    static_assert(NT % (DC / 4) == 0 && (size_t)NT / (DC / 4) * DC * 2 <= (size_t)CH * DC * 4, "epilogue layout");
    static_assert(off_P % 16 == 0 && off_Q % 16 == 0 && off_BC % 16 == 0 && off_sub % 16 == 0 && off_y % 16 == 0 &&
                  off_rs % 16 == 0 && off_red % 16 == 0, "16-byte alignment");
};

// Sum NPT values per lane over the warp's channels (lane bits OFF = 16 down to LPC) by recursive
// halving: each level a lane keeps one half of its values and trades the other with its partner,
// so the shuffles halve level by level. Leaves one sum per lane, for value index idx.
template <int OFF, int M, int LPC, int NPT>
__device__ __forceinline__ void ss_chan_bfly(float (&v)[NPT], int lane, int &idx) {
    if constexpr (OFF >= LPC && OFF > 0) {
        if constexpr (M > 1) {
            const bool up = lane & OFF;
#pragma unroll
            for (int i = 0; i < M / 2; i++) {
                float send = up ? v[i] : v[i + M / 2];
                float keep = up ? v[i + M / 2] : v[i];
                v[i] = keep + __shfl_xor_sync(0xffffffff, send, OFF);
            }
            idx += up ? M / 2 : 0;
            ss_chan_bfly<OFF / 2, M / 2, LPC, NPT>(v, lane, idx);
        } else {
            v[0] += __shfl_xor_sync(0xffffffff, v[0], OFF);
            ss_chan_bfly<OFF / 2, 1, LPC, NPT>(v, lane, idx);
        }
    }
}
template <int NPT, int LPC>
__device__ __forceinline__ void ss_chan_reduce_store(float (&v)[NPT], float *dst, int lane, int nq) {
    int idx = 0;
    ss_chan_bfly<16, NPT, LPC, NPT>(v, lane, idx);
    constexpr int DUP = (16 / NPT >= LPC) ? 32 / NPT - LPC : 0; // lane bits whose partners hold the same sum
    if ((lane & DUP) == 0) { dst[nq * NPT + idx] = v[0]; }
}

// scratch (floats): bc [B][G][T][2N] partial (dB, dC) per group of DC channels; pA [B][Di][N];
// pD [B][Di]; pT [B][Di] (per batch row)
template <int N, int NPT, int DC, int CH, int SUB>
__global__ void __launch_bounds__(ScanBwdLayout<N, NPT, DC, CH, SUB>::NT, ScanBwdLayout<N, NPT, DC, CH, SUB>::MINB)
selective_scan_backward_kernel(ScanParams p) {
    using L = ScanBwdLayout<N, NPT, DC, CH, SUB>;
    constexpr int LPC = L::LPC, NT = L::NT, NWARP = L::NWARP, K = L::K, YROW = L::YROW;
    constexpr int EG = DC / 4, EROWS = NT / EG; // epilogue: 4 channels per item, fixed channel group per thread
    extern __shared__ __align__(16) unsigned char ss_smem[];
    floatX *raw = (floatX *)ss_smem;                   // [delta_raw, u, z, dout][CH][DC] + [CH][2N]
    float4 *P = (float4 *)(ss_smem + L::off_P);        // [CH][DC] (delta, delta*u, dy, u)
    float2 *Q = (float2 *)(ss_smem + L::off_Q);        // [CH][DC] (dout*silu'(z), sigmoid(v))
    float *BC = (float *)(ss_smem + L::off_BC);        // [CH][2N]
    float4 *subck = (float4 *)(ss_smem + L::off_sub);  // [K-1][NPT/4][NT] states at sub-chunk starts
    float *yp = (float *)(ss_smem + L::off_y);         // [SUB][YROW] per-lane partials of sum_n C*s
    float2 *rs = (float2 *)(ss_smem + L::off_rs);      // [SUB][DC] (sum_n h*B, sum_n A*h*q*log2(e))
    float *red = (float *)(ss_smem + L::off_red);      // [SUB][NWARP][2N] per-warp sums of (dB, dC)
    float *bias_s = (float *)(ss_smem + L::off_par), *D_s = bias_s + DC;

    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32, ch = tid / LPC, nq = tid % LPC;
    const int b = blockIdx.y, g = blockIdx.x, G = gridDim.x, d0 = g * DC, d = d0 + ch;
    const int T = p.T, Di = p.Di, nch = (T + CH - 1) / CH;
    const bool dok = d < Di;
    float *bcpart = p.scratch;
    float *pA = bcpart + (size_t)p.B * G * T * 2 * N, *pD = pA + (size_t)p.B * Di * N, *pT = pD + (size_t)p.B * Di;
    const floatX *const X[4] = {p.delta_raw, p.u, p.xz, p.dout};
    const int xstride[4] = {Di, Di, 2 * Di, Di}, xoff[4] = {0, 0, Di, 0};

    for (int i = tid; i < DC; i += NT) {
        bias_s[i] = d0 + i < Di ? p.dt_bias[d0 + i] : 0.f;
        D_s[i] = d0 + i < Di ? p.D[d0 + i] : 0.f;
    }
    float A2[NPT], hc[NPT], dA[NPT];
#pragma unroll
    for (int j = 0; j < NPT; j++) {
        A2[j] = dok ? -expf(p.A_log[d * N + nq * NPT + j]) * SS_LOG2E : 0.f;
        hc[j] = 0.f; // a[t+1]*h[t+1], carried backwards across steps, sub-chunks and chunks
        dA[j] = 0.f;
    }
    float accD[4] = {0.f, 0.f, 0.f, 0.f}, accT[4] = {0.f, 0.f, 0.f, 0.f};
    const int eg = tid % EG, erow = tid / EG;

    ss_load_tile<N, DC, CH, NT, 4>(p, X, xstride, xoff, raw, b, d0, (nch - 1) * CH, tid);
    ss_cp_async_commit();
    for (int c = nch - 1; c >= 0; c--) {
        const int t0 = c * CH;
        float s0[NPT]; // checkpoint: state entering chunk c
        {
            const float *src = p.states + (((size_t)b * nch + c) * Di + (dok ? d : 0)) * N + nq * NPT;
#pragma unroll
            for (int j = 0; j < NPT; j += 4) {
                float4 v = dok ? *(const float4 *)(src + j) : make_float4(0.f, 0.f, 0.f, 0.f);
                s0[j] = v.x; s0[j + 1] = v.y; s0[j + 2] = v.z; s0[j + 3] = v.w;
            }
        }
        ss_cp_async_wait_all();
        __syncthreads();
        // prep; steps past T become identity steps (delta = 0) that contribute nothing (dy = u = sig = 0)
        for (int i = tid; i < CH * DC / 8; i += NT) {
            int t = i / (DC / 8), cg = i % (DC / 8);
            float dr[8], uu[8], zz[8], go[8];
            ss_unpack8(*(const uint4 *)(raw + 0 * CH * DC + t * DC + cg * 8), dr);
            ss_unpack8(*(const uint4 *)(raw + 1 * CH * DC + t * DC + cg * 8), uu);
            ss_unpack8(*(const uint4 *)(raw + 2 * CH * DC + t * DC + cg * 8), zz);
            ss_unpack8(*(const uint4 *)(raw + 3 * CH * DC + t * DC + cg * 8), go);
            bool tok = t0 + t < T;
#pragma unroll
            for (int k = 0; k < 8; k++) {
                float sig, dl = ss_softplus_sig(dr[k] + bias_s[cg * 8 + k], &sig);
                if (!tok) { dl = 0.f; sig = 0.f; }
                float sz = ss_sigmoid(zz[k]);
                P[t * DC + cg * 8 + k] = make_float4(dl, dl * uu[k], go[k] * zz[k] * sz, uu[k]);
                Q[t * DC + cg * 8 + k] = make_float2(go[k] * sz * (1.f + zz[k] * (1.f - sz)), sig);
            }
        }
        for (int i = tid; i < CH * 2 * N / 8; i += NT) {
            float f[8];
            ss_unpack8(*(const uint4 *)(raw + 4 * CH * DC + i * 8), f);
            *(float4 *)(BC + i * 8) = make_float4(f[0], f[1], f[2], f[3]);
            *(float4 *)(BC + i * 8 + 4) = make_float4(f[4], f[5], f[6], f[7]);
        }
        __syncthreads();
        if (c > 0) { ss_load_tile<N, DC, CH, NT, 4>(p, X, xstride, xoff, raw, b, d0, t0 - CH, tid); } // raw is free until the next prep
        ss_cp_async_commit();

        if constexpr (K > 1) { // pre-pass: states at the starts of sub-chunks 1..K-1
            float s[NPT];
#pragma unroll
            for (int j = 0; j < NPT; j++) { s[j] = s0[j]; }
            for (int k = 1; k < K; k++) {
#pragma unroll 4
                for (int i = 0; i < SUB; i++) {
                    int t = (k - 1) * SUB + i;
                    float4 pd = P[t * DC + ch];
                    float Bv[NPT];
#pragma unroll
                    for (int j = 0; j < NPT; j += 4) { *(float4 *)(Bv + j) = *(const float4 *)(BC + t * 2 * N + nq * NPT + j); }
#pragma unroll
                    for (int j = 0; j < NPT; j++) { s[j] = fmaf(ss_ex2(pd.x * A2[j]), s[j], pd.y * Bv[j]); }
                }
#pragma unroll
                for (int j = 0; j < NPT; j += 4) { subck[((k - 1) * (NPT / 4) + j / 4) * NT + tid] = make_float4(s[j], s[j + 1], s[j + 2], s[j + 3]); }
            }
        }

        for (int k = K - 1; k >= 0; k--) {
            const int ts = k * SUB;
            float sreg[SUB][NPT]; // sreg[i] = state before step ts+i, in registers (the loops are unrolled)
            float s[NPT];
            if (k == 0) {
#pragma unroll
                for (int j = 0; j < NPT; j++) { s[j] = s0[j]; }
            } else {
#pragma unroll
                for (int j = 0; j < NPT; j += 4) {
                    float4 v = subck[((k - 1) * (NPT / 4) + j / 4) * NT + tid];
                    s[j] = v.x; s[j + 1] = v.y; s[j + 2] = v.z; s[j + 3] = v.w;
                }
            }
            // forward pass: states, y partials, dC
#pragma unroll
            for (int i = 0; i < SUB; i++) {
                const int t = ts + i;
                float4 pd = P[t * DC + ch];
                float Bv[NPT], Cv[NPT], dc[NPT];
#pragma unroll
                for (int j = 0; j < NPT; j += 4) {
                    *(float4 *)(Bv + j) = *(const float4 *)(BC + t * 2 * N + nq * NPT + j);
                    *(float4 *)(Cv + j) = *(const float4 *)(BC + t * 2 * N + N + nq * NPT + j);
                }
                float y = 0.f;
#pragma unroll
                for (int j = 0; j < NPT; j++) {
                    sreg[i][j] = s[j];
                    s[j] = fmaf(ss_ex2(pd.x * A2[j]), s[j], pd.y * Bv[j]);
                    y = fmaf(Cv[j], s[j], y);
                    dc[j] = pd.z * s[j];
                }
                yp[i * YROW + nq * DC + ch] = y;
                ss_chan_reduce_store<NPT, LPC>(dc, red + (i * NWARP + warp) * 2 * N + N, lane, nq);
            }
            // reverse pass: adjoint, per-channel sums, dA, dB
#pragma unroll
            for (int i = SUB - 1; i >= 0; i--) {
                const int t = ts + i;
                float4 pd = P[t * DC + ch];
                float Bv[NPT], Cv[NPT], db[NPT];
#pragma unroll
                for (int j = 0; j < NPT; j += 4) {
                    *(float4 *)(Bv + j) = *(const float4 *)(BC + t * 2 * N + nq * NPT + j);
                    *(float4 *)(Cv + j) = *(const float4 *)(BC + t * 2 * N + N + nq * NPT + j);
                }
                float hb = 0.f, ahq = 0.f;
#pragma unroll
                for (int j = 0; j < NPT; j++) {
                    float a = ss_ex2(pd.x * A2[j]);
                    float h = fmaf(Cv[j], pd.z, hc[j]);
                    hc[j] = a * h;
                    float hq = hc[j] * sreg[i][j]; // h * a * s[t-1]: no cancellation, unlike s[t] - delta*B*u
                    ahq = fmaf(A2[j], hq, ahq);
                    dA[j] = fmaf(pd.x, hq, dA[j]);
                    hb = fmaf(h, Bv[j], hb);
                    db[j] = h * pd.y;
                }
                if constexpr (LPC == 1) {
                    rs[i * DC + ch] = make_float2(hb, ahq);
                } else { // over the channel's lanes: the even lane ends with sum hb, the odd one with sum ahq
                    const bool odd = lane & 1;
                    float keep = (odd ? ahq : hb) + __shfl_xor_sync(0xffffffff, odd ? hb : ahq, 1);
#pragma unroll
                    for (int off = 2; off < LPC; off *= 2) { keep += __shfl_xor_sync(0xffffffff, keep, off); }
                    if (nq < 2) { ((float *)(rs + i * DC + ch))[nq] = keep; }
                }
                ss_chan_reduce_store<NPT, LPC>(db, red + (i * NWARP + warp) * 2 * N, lane, nq);
            }
            __syncthreads();
            // epilogue: per-element outputs of the sub-chunk
            for (int r = erow; r < SUB; r += EROWS) {
                const int t = ts + r;
                float o_du[4], o_dr[4], o_dz[4];
#pragma unroll
                for (int m = 0; m < 4; m++) {
                    const int cc = eg * 4 + m;
                    float4 pd = P[t * DC + cc];
                    float2 qq = Q[t * DC + cc], rr = rs[r * DC + cc];
                    float y = D_s[cc] * pd.w;
#pragma unroll
                    for (int q = 0; q < LPC; q++) { y += yp[r * YROW + q * DC + cc]; }
                    float ddr = (pd.w * rr.x + SS_LN2 * rr.y) * qq.y;
                    o_dz[m] = y * qq.x;
                    o_du[m] = pd.x * rr.x + D_s[cc] * pd.z;
                    o_dr[m] = ddr;
                    accD[m] += pd.z * pd.w;
                    accT[m] += ddr;
                }
                if (t0 + t < T && d0 + eg * 4 < Di) {
                    size_t bt = (size_t)b * T + t0 + t;
                    int dd = d0 + eg * 4;
                    __nv_bfloat162 v[2];
                    v[0] = __floats2bfloat162_rn(o_du[0], o_du[1]); v[1] = __floats2bfloat162_rn(o_du[2], o_du[3]);
                    *(uint2 *)(p.du + bt * Di + dd) = *(uint2 *)v;
                    v[0] = __floats2bfloat162_rn(o_dr[0], o_dr[1]); v[1] = __floats2bfloat162_rn(o_dr[2], o_dr[3]);
                    *(uint2 *)(p.d_delta_raw + bt * Di + dd) = *(uint2 *)v;
                    v[0] = __floats2bfloat162_rn(o_dz[0], o_dz[1]); v[1] = __floats2bfloat162_rn(o_dz[2], o_dz[3]);
                    *(uint2 *)(p.dxz + bt * 2 * Di + Di + dd) = *(uint2 *)v;
                }
            }
            for (int i = tid; i < SUB * 2 * N; i += NT) { // this block's (dB, dC) partials, fixed warp order
                const int r = i / (2 * N), j = i % (2 * N), tt = t0 + ts + r;
                float sum = 0.f;
#pragma unroll
                for (int w = 0; w < NWARP; w++) { sum += red[(r * NWARP + w) * 2 * N + j]; }
                if (tt < T) { bcpart[(((size_t)b * G + g) * T + tt) * 2 * N + j] = sum; }
            }
            __syncthreads();
        }
    }
    if (dok) {
#pragma unroll
        for (int j = 0; j < NPT; j += 4) {
            *(float4 *)(pA + ((size_t)b * Di + d) * N + nq * NPT + j) = make_float4(dA[j], dA[j + 1], dA[j + 2], dA[j + 3]);
        }
    }
    float2 *acc = (float2 *)P; // [EROWS][DC]; P is free now
#pragma unroll
    for (int m = 0; m < 4; m++) { acc[erow * DC + eg * 4 + m] = make_float2(accD[m], accT[m]); }
    __syncthreads();
    for (int cc = tid; cc < DC; cc += NT) {
        if (d0 + cc >= Di) { continue; }
        float sD = 0.f, sT = 0.f;
        for (int r = 0; r < EROWS; r++) { sD += acc[r * DC + cc].x; sT += acc[r * DC + cc].y; }
        pD[(size_t)b * Di + d0 + cc] = sD;
        pT[(size_t)b * Di + d0 + cc] = sT;
    }
}

// fixed-order sums: over channel groups for dB/dC (bf16 into dxdbl), over batch rows for dA_log, dD, d_dt_bias (+=)
template <int N>
__global__ void selective_scan_reduce_kernel(ScanParams p, int G) {
    const int B = p.B, T = p.T, Di = p.Di, W = p.R + 2 * N;
    const float *bc = p.scratch, *pA = bc + (size_t)B * G * T * 2 * N, *pD = pA + (size_t)B * Di * N, *pT = pD + (size_t)B * Di;
    size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    const size_t nbc = (size_t)B * T * 2 * N;
    if (idx < nbc) {
        size_t b = idx / ((size_t)T * 2 * N), r = idx % ((size_t)T * 2 * N);
        const float *src = bc + b * G * (size_t)T * 2 * N + r;
        float sum = 0.f;
        for (int g = 0; g < G; g++) { sum += src[(size_t)g * T * 2 * N]; }
        p.dxdbl[(b * T + r / (2 * N)) * W + p.R + r % (2 * N)] = __float2bfloat16_rn(sum);
        return;
    }
    idx -= nbc;
    if (idx < (size_t)Di * N) {
        float sum = 0.f;
        for (int b = 0; b < B; b++) { sum += pA[(size_t)b * Di * N + idx]; }
        p.dA_log[idx] += sum * -expf(p.A_log[idx]); // dA/dA_log = A
        return;
    }
    idx -= (size_t)Di * N;
    if (idx < (size_t)Di) {
        float sD = 0.f, sT = 0.f;
        for (int b = 0; b < B; b++) { sD += pD[(size_t)b * Di + idx]; sT += pT[(size_t)b * Di + idx]; }
        p.dD[idx] += sD;
        p.d_dt_bias[idx] += sT;
    }
}

// ----------------------------------------------------------------------------
// host launchers

static void selective_scan_check_args(int Di, int N) {
    if (Di % 8 != 0 || !(N == 8 || N == 16 || N == 32)) {
        fprintf(stderr, "selective_scan: need Di %% 8 == 0 and N in {8, 16, 32}, got Di=%d N=%d [%s:%d]\n", Di, N, __FILE__, __LINE__);
        exit(EXIT_FAILURE);
    }
}

static inline int selective_scan_num_chunks(int T) { return (T + SCAN_CHUNK - 1) / SCAN_CHUNK; }

// scratch the backward needs: (dB, dC) partials per group of SCAN_DC channels, plus per-batch-row
// partials of dA, dD, d_dt_bias
static inline size_t selective_scan_scratch_bytes(int B, int T, int Di, int N) {
    size_t G = (size_t)(Di + SCAN_DC - 1) / SCAN_DC;
    return sizeof(float) * ((size_t)B * G * T * 2 * N + (size_t)B * Di * N + 2 * (size_t)B * Di);
}

template <int N> static void selective_scan_forward_n(const ScanParams &p, cudaStream_t stream) {
    using L = ScanFwdLayout<N, SCAN_NPT, SCAN_DC, SCAN_CHUNK>;
    auto kern = selective_scan_forward_kernel<N, SCAN_NPT, SCAN_DC, SCAN_CHUNK>;
    cudaError_t e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)L::smem);
    if (e != cudaSuccess) { fprintf(stderr, "selective_scan_forward: %s\n", cudaGetErrorString(e)); exit(EXIT_FAILURE); }
    dim3 grid((p.Di + SCAN_DC - 1) / SCAN_DC, p.B);
    kern<<<grid, L::NT, L::smem, stream>>>(p);
}

template <int N> static void selective_scan_backward_n(const ScanParams &p, cudaStream_t stream) {
    using L = ScanBwdLayout<N, SCAN_NPT, SCAN_DC, SCAN_CHUNK, SCAN_SUB>;
    auto kern = selective_scan_backward_kernel<N, SCAN_NPT, SCAN_DC, SCAN_CHUNK, SCAN_SUB>;
    cudaError_t e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)L::smem);
    if (e != cudaSuccess) { fprintf(stderr, "selective_scan_backward: %s\n", cudaGetErrorString(e)); exit(EXIT_FAILURE); }
    dim3 grid((p.Di + SCAN_DC - 1) / SCAN_DC, p.B);
    kern<<<grid, L::NT, L::smem, stream>>>(p);
    size_t total = (size_t)p.B * p.T * 2 * N + (size_t)p.Di * N + p.Di;
    selective_scan_reduce_kernel<N><<<(unsigned)((total + 255) / 256), 256, 0, stream>>>(p, (int)grid.x);
}

// out (B,T,Di), states (B, selective_scan_num_chunks(T), Di, N)
void selective_scan_forward(floatX *out, float *states, const floatX *u, const floatX *delta_raw, const float *dt_bias,
                            const float *A_log, const floatX *xdbl, int R, const float *D, const floatX *xz,
                            int B, int T, int Di, int N, cudaStream_t stream) {
    selective_scan_check_args(Di, N);
    ScanParams p = {};
    p.out = out; p.states = states; p.u = u; p.delta_raw = delta_raw; p.dt_bias = dt_bias; p.A_log = A_log;
    p.xdbl = xdbl; p.R = R; p.D = D; p.xz = xz; p.B = B; p.T = T; p.Di = Di;
    switch (N) {
    case 8: selective_scan_forward_n<8>(p, stream); break;
    case 16: selective_scan_forward_n<16>(p, stream); break;
    default: selective_scan_forward_n<32>(p, stream); break;
    }
}

// du, d_delta_raw (B,T,Di) and the z slot of dxz, the B/C slots of dxdbl are written;
// dA_log, dD, d_dt_bias are accumulated; scratch holds selective_scan_scratch_bytes()
void selective_scan_backward(floatX *du, floatX *d_delta_raw, floatX *dxz, floatX *dxdbl, float *dA_log, float *dD,
                             float *d_dt_bias, float *scratch, const floatX *dout, const float *states, const floatX *u,
                             const floatX *delta_raw, const float *dt_bias, const float *A_log, const floatX *xdbl, int R,
                             const float *D, const floatX *xz, int B, int T, int Di, int N, cudaStream_t stream) {
    selective_scan_check_args(Di, N);
    ScanParams p = {};
    p.du = du; p.d_delta_raw = d_delta_raw; p.dxz = dxz; p.dxdbl = dxdbl; p.dA_log = dA_log; p.dD = dD;
    p.d_dt_bias = d_dt_bias; p.scratch = scratch; p.dout = dout; p.states = (float *)states; p.u = u;
    p.delta_raw = delta_raw; p.dt_bias = dt_bias; p.A_log = A_log; p.xdbl = xdbl; p.R = R; p.D = D; p.xz = xz;
    p.B = B; p.T = T; p.Di = Di;
    switch (N) {
    case 8: selective_scan_backward_n<8>(p, stream); break;
    case 16: selective_scan_backward_n<16>(p, stream); break;
    default: selective_scan_backward_n<32>(p, stream); break;
    }
}

#endif // LLMC_CUDA_SCAN_CUH
