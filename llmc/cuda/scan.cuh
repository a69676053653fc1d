/*
Selective scan (Mamba-1 SSM) forward and backward for training, fused with softplus(delta) and the
z gate. The winners of dev/cuda/selective_scan_forward.cu and selective_scan_backward.cu, which
benchmark these templates with other layout parameters; doc/perf.md has the measurements.

Per (b, t, d), all scan arithmetic and states in fp32:
    delta   = softplus(delta_raw + dt_bias[d])                 (= v itself for v > 20)
    s[t, n] = exp(delta * A[d, n]) * s[t-1, n] + delta * B[t, n] * u      s[-1] = 0 (or a carried state), A = -exp(A_log)
    y       = sum_n C[t, n] * s[t, n] + D[d] * u
    out     = y * silu(z)
Token-major layouts, as the trainer keeps them:
    u, delta_raw, out, dout, du, d_delta_raw   (B, T, Di) floatX (bf16; fp32 with ENABLE_FP32)
    z  = xz[:, :, Di:2Di]        of xz   (B, T, 2Di)     (dz goes to the same slot of dxz)
    B  = xdbl[:, :, R:R+N], C = xdbl[:, :, R+N:R+2N] of xdbl (B, T, R+2N)   (dB, dC likewise)
    dt_bias, D (Di), A_log (Di, N) fp32;  states (B, ncheckpoints, Di, N) fp32
The forward writes checkpoints: states[b, c] = the state entering chunk c (SCAN_CHUNK steps each),
or with `fine` the state entering every sub-chunk of SCAN_SUB steps (4x the memory). The backward
recomputes the states from them chunk by chunk, last chunk first, carrying the adjoint h = dL/ds
backwards (with coarse checkpoints a pre-pass first recomputes the sub-chunk starts: 9% of the
backward's time, which `fine` saves):
    h[t]    = C[t]*dy[t] + a[t+1]*h[t+1],   a = exp(delta*A),  dy = dout*silu(z),  q[t] = a[t]*s[t-1]
    du      = delta * sum_n h*B + D*dy
    d_delta = u * sum_n h*B + sum_n A*h*q   ->  d_delta_raw = d_delta * sigmoid(delta_raw + dt_bias)
    dz      = dout * y~ * sigmoid(z) * (1 + z*(1 - sigmoid(z))),   y~ = y rounded to floatX (as the reference
                                                                  implementation, which keeps y in bf16)
    dB[t]  += h*delta*u, dC[t] += dy*s[t]   (sums over d)
    dA     += delta*h*q (sum over b,t), dA_log = dA * A;  dD += dy*u;  d_dt_bias += d_delta_raw
dA_log, dD, d_dt_bias are accumulated (+=). Every sum runs in a fixed order (per-block partials in
scratch, then one reduction kernel), so results are bitwise reproducible: no float atomics.
The backward can also write out (the gated output) again, from the states it recomputes: the same
operations in the same order as the forward's (products and sums rounded one by one, __fmul_rn /
__fadd_rn, so the compiler cannot fuse them differently in the two kernels), hence the same bits.
The trainer uses that at -r 2 instead of keeping every layer's out for out_proj's weight gradient.
Or (p.y, the trainer's -r 0 and -r 1) the forward also writes y (floatX) and the backward reads it: its sub-chunk
passes then need neither C nor y, and dz is elementwise, written by its prep. Since dz is computed from
y~ either way, the gradients are bitwise the same whether y is read or recomputed.

Work layout (both kernels): a block owns 32 channels of one batch row; each channel's N states are
split over N/4 lanes, 4 states per lane held in registers while the lane loops over T (B*Di*N/4
threads, enough to fill an H100 at training shapes; half as many in the backward's 2-channel layout,
chosen where it fills the last wave much better, below). Inputs arrive in tiles of SCAN_CHUNK steps
through shared memory (16-byte cp.async, the next tile in flight); softplus/silu are computed once
per element into fp32 tiles. What the loops are shaped around (measured, doc/perf.md):
  - shared memory returns 32 registers per cycle per SM, and every lane re-reads delta and its B/C
    values each step: lanes are ordered so neighbours read the same B/C address (served in pairs);
  - a shared store between steps keeps the next step's shared loads from being issued early: per-step
    results stay in registers and are stored after each unrolled loop (SCAN_BATCH);
  - the backward keeps a sub-chunk's states, decays and (delta, delta*u, dy) in registers between its
    forward and reverse passes: one exponential per state and step in each direction, not two;
  - outside the scan loops (prep, epilogue, tile loads: once 70% of the forward's time) there are no
    branches (softplus and sigmoid select between computed candidates) and the block-wide loops are
    unrolled with unsigned indices (ss_for); the backward's prep loads all its rows before storing.
*/
#ifndef LLMC_CUDA_SCAN_CUH
#define LLMC_CUDA_SCAN_CUH

#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <cuda_runtime.h>
#include <cuda_bf16.h>

#ifndef FLOATX_DEFINED
#define FLOATX_DEFINED
typedef __nv_bfloat16 floatX;
#endif

// Steps per tile and per (coarse) checkpoint. The backward recomputes each chunk's states from its
// checkpoint: a pre-pass to the sub-chunk starts (SCAN_CHUNK - SCAN_SUB steps; none with fine
// checkpoints, one every SCAN_SUB steps), then every sub-chunk once more, in registers.
#ifndef SCAN_CHUNK
#define SCAN_CHUNK 32
#endif
#define SCAN_SUB (SCAN_CHUNK < 8 ? SCAN_CHUNK : 8)
#define SCAN_DC 32          // channels per block (also the granularity of the dB/dC partials in scratch)
#define SCAN_NPT 4          // states per lane
#define SCAN_BATCH true     // per-step results of the unrolled loops leave registers after the loop
#define SCAN_FWD_CPL 1      // channels per lane, forward
#define SCAN_BWD_CPL 1      // channels per lane, backward (2 where that layout fills the waves much better, below)
#define SCAN_BWD_ACACHE true  // backward keeps the decays of a sub-chunk in registers (half the exponentials)
#define SCAN_BWD_PCACHE true  // ... and delta, delta*u, dy (fewer shared-memory loads)
#define SCAN_BWD_MINB 3     // blocks per SM the backward's register budget is set for
#ifndef SCAN_BWD_GROUPS
#define SCAN_BWD_GROUPS 3   // ... as groups of one block, where they divide Di into blocks (1: separate blocks)
#endif

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
// Every candidate is computed and one selected: no branches, so the per-element prep loops keep their
// loads and MUFU operations in flight (branches there cost a quarter of the forward's time, doc/perf.md).
__device__ __forceinline__ float ss_softplus_of_exp(float e) {
    const float series = __fmul_rn(e, fmaf(-e, fmaf(-e, 1.f / 3.f, 0.5f), 1.f)), lg = ss_lg2(1.f + e) * SS_LN2; // rounded op by op
    return e < 0.01f ? series : lg;
}
__device__ __forceinline__ float ss_softplus(float v) {
    const float sp = ss_softplus_of_exp(ss_ex2(v * SS_LOG2E));
    return v > 20.f ? v : sp;
}
__device__ __forceinline__ float ss_softplus_sig(float v, float *sig) {
    const float e = ss_ex2(v * SS_LOG2E), sg = e * ss_rcp(1.f + e), sp = ss_softplus_of_exp(e);
    *sig = v > 20.f ? 1.f : sg;
    return v > 20.f ? v : sp;
}
__device__ __forceinline__ float ss_sigmoid(float z) { return ss_rcp(1.f + ss_ex2(-z * SS_LOG2E)); }
// y * silu(z), rounded step by step: the forward and the backward's recompute give the same bits
__device__ __forceinline__ float ss_gate(float y, float z) { return __fmul_rn(__fmul_rn(y, z), ss_sigmoid(z)); }
// dout * silu'(z) = dout * sig(z) * (1 + z*(1 - sig(z))), rounded op by op: the same bits in every kernel
__device__ __forceinline__ float ss_dsilu(float o, float z, float sz) { return __fmul_rn(__fmul_rn(o, sz), fmaf(z, 1.f - sz, 1.f)); }

// a 16-byte store of 4 floats as one instruction: the compiler splits the forward's float4 checkpoint stores
// at -r 0 into 4 scalar stores (its 4 states are not in 4 consecutive registers; doc/perf.md, thirty-seventh
// and thirty-eighth sessions)
__device__ __forceinline__ void ss_st16(float *dst, float a, float b, float c, float d) {
    asm volatile("st.global.v4.f32 [%0], {%1, %2, %3, %4};" ::"l"(dst), "f"(a), "f"(b), "f"(c), "f"(d));
}
__device__ __forceinline__ void ss_cp_async16(void *smem_dst, const void *gmem_src, int src_bytes) {
    unsigned dst = (unsigned)__cvta_generic_to_shared(smem_dst);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(dst), "l"(gmem_src), "r"(src_bytes));
}
__device__ __forceinline__ void ss_cp_async_commit() { asm volatile("cp.async.commit_group;"); }
__device__ __forceinline__ void ss_cp_async_wait_all() { asm volatile("cp.async.wait_group 0;" ::: "memory"); }

// floatX <-> fp32 for the bf16 build and the fp32 build (ENABLE_FP32), two consecutive elements at a time
__device__ __forceinline__ float2 ss_load2(const __nv_bfloat16 *p) { return __bfloat1622float2(*(const __nv_bfloat162 *)p); }
__device__ __forceinline__ float2 ss_load2(const float *p) { return *(const float2 *)p; }
__device__ __forceinline__ void ss_store2(__nv_bfloat16 *p, float a, float b) { *(__nv_bfloat162 *)p = __floats2bfloat162_rn(a, b); }
__device__ __forceinline__ void ss_store2(float *p, float a, float b) { *(float2 *)p = make_float2(a, b); }
__device__ __forceinline__ void ss_set(__nv_bfloat16 &o, float v) { o = __float2bfloat16_rn(v); }
__device__ __forceinline__ void ss_set(float &o, float v) { o = v; }
// v rounded to floatX and back: dz is computed from y as floatX holds it, whether y is read or recomputed
__device__ __forceinline__ float ss_round(float v) { floatX r; ss_set(r, v); return (float)r; }
constexpr int SS_VEC = 16 / sizeof(floatX); // elements per 16-byte copy

// for (i = tid; i < TOTAL; i += NT) f(i), unrolled, with unsigned indices (no signed-division fix-ups)
// and the bound test only where NT does not divide TOTAL: the block-wide per-element loops of both
// kernels, whose index arithmetic otherwise costs as much as their work
template <int TOTAL, int NT, class F> __device__ __forceinline__ void ss_for(int tid, F &&f) {
#pragma unroll
    for (int r = 0; r < (TOTAL + NT - 1) / NT; r++) {
        const unsigned i = (unsigned)tid + (unsigned)(r * NT);
        if (TOTAL % NT == 0 || i < (unsigned)TOTAL) { f(i); }
    }
}

struct ScanParams {
    floatX *out, *du, *d_delta_raw, *dxz, *dxdbl;
    float *states, *dA_log, *dD, *d_dt_bias, *scratch;
    float *carry; // (B, Di, N) forward only, may be NULL: a stream's state, read as s[-1], overwritten by s[T-1]
    floatX *y;    // (B, T, Di) or NULL: the pre-gate output sum_n C*s + D*u, written by the forward, read by the backward
    const floatX *dout, *u, *delta_raw, *xdbl, *xz;
    const float *dt_bias, *A_log, *D;
    int R, B, T, Di;
};

// Copy one tile (CH rows from t0) of NX per-channel floatX tensors plus the B|C columns into shared
// memory with 16-byte cp.async. Rows past T and channels past Di are zero-filled. X[k]/xstride[k]/
// xoff[k] name the tensors. B|C sit 16-byte aligned in xdbl when R is a multiple of 8 bf16 (every
// released config); other R take plain loads.
template <int N, int DC, int CH, int NT, int NX>
__device__ __forceinline__ void ss_load_tile(const ScanParams &p, const floatX *const (&X)[NX], const int (&xstride)[NX],
                                             const int (&xoff)[NX], floatX *raw, int b, int d0, int t0, int tid) {
    const unsigned T = p.T, Di = p.Di, W = p.R + 2 * N;
    constexpr unsigned PV = DC / SS_VEC, PB = 2 * N / SS_VEC; // 16-byte pieces per tile row
#pragma unroll
    for (int k = 0; k < NX; k++) { // unrolled: X[k] stays in registers, not on the stack
        ss_for<CH * DC / SS_VEC, NT>(tid, [&](unsigned i) {
            const unsigned t = i / PV, cv = i % PV, tt = t0 + t, dd = d0 + cv * SS_VEC;
            const bool ok = tt < T && dd < Di;
            const size_t row = (size_t)b * T + (ok ? tt : 0u);
            ss_cp_async16(raw + k * CH * DC + t * DC + cv * SS_VEC, X[k] + row * xstride[k] + xoff[k] + (ok ? dd : 0u), ok ? 16 : 0);
        });
    }
    floatX *rawbc = raw + NX * CH * DC;
    if (p.R % SS_VEC == 0) {
        ss_for<CH * 2 * N / SS_VEC, NT>(tid, [&](unsigned i) {
            const unsigned t = i / PB, cv = i % PB, tt = t0 + t;
            const bool ok = tt < T;
            ss_cp_async16(rawbc + t * 2 * N + cv * SS_VEC, p.xdbl + ((size_t)b * T + (ok ? tt : 0u)) * W + p.R + cv * SS_VEC, ok ? 16 : 0);
        });
    } else {
        ss_for<CH * 2 * N, NT>(tid, [&](unsigned i) {
            const unsigned t = i / (2 * N), j = i % (2 * N), tt = t0 + t;
            floatX v = p.xdbl[((size_t)b * T + (tt < T ? tt : 0u)) * W + p.R + j];
            if (tt >= T) { ss_set(v, 0.f); }
            rawbc[i] = v;
        });
    }
}

// ----------------------------------------------------------------------------
// work layout shared by both kernels
//
// A block owns DC channels of one batch row. Each group of LPC = N/NPT lanes owns CPL channels and
// splits their states, NPT per lane (lane = nq*CW + cw: nq picks the states, cw the channel group).
// Neighbouring lanes hold the same states of different channels, so their loads of a B/C row from
// shared memory hit the same address. That matters because shared memory returns 32 registers per
// cycle per SM: a loop in which every lane re-reads B, C and delta each step is limited by those
// returns, not by bank conflicts, and pairs of lanes reading one address cost half.

template <int N, int NPT, int CPL, int DC> struct ScanLanes {
    static constexpr int LPC = N / NPT;          // lanes per channel group
    static constexpr int CW = 32 / LPC;          // channel groups per warp
    static constexpr int NT = DC / CPL * LPC;    // threads per block
    static constexpr int NWARP = NT / 32;
    static constexpr int QROW = DC + CW * CPL;   // lane partials, one row per nq; the pad spreads a warp's stores over all banks
    static_assert(N % NPT == 0 && NPT % 4 == 0 && 32 % LPC == 0 && NPT <= CW && DC % 32 == 0 &&
                  DC % (CW * CPL) == 0 && NT % 32 == 0 && (CPL == 1 || CPL == 2), "scan lane layout");
};

// Sum NV values per lane over the lanes whose index differs in bits OFF, OFF/2, ..., STOP. Halving:
// each level a lane keeps half of its values and trades the other half with its partner, so the
// shuffles halve level by level; once one value is left, further levels add the partner's sum.
// On return v[0..left) hold the sums of values idx..idx+left.
template <int OFF, int STOP, int M, int NV>
__device__ __forceinline__ void ss_bfly(float (&v)[NV], int lane, int &idx) {
    if constexpr (OFF >= STOP && OFF > 0) {
        if constexpr (M > 1) {
            const bool up = lane & OFF;
#pragma unroll
            for (int i = 0; i < M / 2; i++) {
                float send = up ? v[i] : v[i + M / 2];
                float keep = up ? v[i + M / 2] : v[i];
                v[i] = keep + __shfl_xor_sync(0xffffffff, send, OFF);
            }
            idx += up ? M / 2 : 0;
            ss_bfly<OFF / 2, STOP, M / 2, NV>(v, lane, idx);
        } else {
            v[0] += __shfl_xor_sync(0xffffffff, v[0], OFF);
            ss_bfly<OFF / 2, STOP, 1, NV>(v, lane, idx);
        }
    }
}
// values each lane holds after ss_bfly, and the lane bits whose partners hold the same sums
__host__ __device__ constexpr int ss_bfly_left(int off, int stop, int m) { return (off < stop || off == 0 || m == 1) ? m : ss_bfly_left(off / 2, stop, m / 2); }
__host__ __device__ constexpr int ss_bfly_dup(int off, int stop, int m) {
    return (off < stop || off == 0) ? 0 : (m > 1 ? ss_bfly_dup(off / 2, stop, m / 2) : (off | ss_bfly_dup(off / 2, stop, 1)));
}

// A block of GS groups of NT threads: each group syncs on its own named barrier (1..GS; 0 is
// __syncthreads'), so the groups run as freely as separate blocks would.
template <int GS, int NT> __device__ __forceinline__ void ss_group_sync(int grp) {
    if constexpr (GS == 1) {
        __syncthreads();
    } else {
        asm volatile("bar.sync %0, %1;" ::"r"(grp + 1), "n"(NT) : "memory");
    }
}

template <int CPL> __device__ __forceinline__ void ss_store_y(float *dst, const float (&y)[CPL]) {
    if constexpr (CPL == 2) { *(float2 *)dst = make_float2(y[0], y[1]); } else { dst[0] = y[0]; }
}
// sum a lane's dB and dC values over the warp's channel groups (lane bits CW/2..1) in one butterfly of
// 2*NPT values (one shuffle and one store fewer than a butterfly each; the same lanes are paired at each
// level, so the same sums), store the sums this lane ends with into dst, this warp's row of (dB, dC)
template <int N, int NPT, int CW>
__device__ __forceinline__ void ss_chan_sum_store_bc(const float (&db)[NPT], const float (&dc)[NPT], float *dst, int lane, int nq) {
    float v[2 * NPT];
#pragma unroll
    for (int j = 0; j < NPT; j++) { v[j] = db[j]; v[NPT + j] = dc[j]; }
    int idx = 0;
    ss_bfly<CW / 2, 1, 2 * NPT, 2 * NPT>(v, lane, idx);
    constexpr int LEFT = ss_bfly_left(CW / 2, 1, 2 * NPT), DUP = ss_bfly_dup(CW / 2, 1, 2 * NPT);
    static_assert(NPT % LEFT == 0, "a lane's sums are all dB or all dC");
    if ((lane & DUP) == 0) {
        const int base = idx < NPT ? nq * NPT + idx : N + nq * NPT + idx - NPT;
#pragma unroll
        for (int m = 0; m < LEFT; m++) { dst[base + m] = v[m]; }
    }
}
// sum (hb, ahq) of each of the lane's CPL channels over the channel group's lanes (bits 16..CW),
// store into rs_row[ch0 ..]
template <int CPL, int CW>
__device__ __forceinline__ void ss_lane_sum_store(float (&rv)[2 * CPL], float2 *rs_row, int lane, int ch0) {
    int idx = 0;
    ss_bfly<16, CW, 2 * CPL, 2 * CPL>(rv, lane, idx);
    constexpr int LEFT = ss_bfly_left(16, CW, 2 * CPL), DUP = ss_bfly_dup(16, CW, 2 * CPL);
    if ((lane & DUP) == 0) {
#pragma unroll
        for (int m = 0; m < LEFT; m++) { ((float *)(rs_row + ch0))[idx + m] = rv[m]; }
    }
}

// ----------------------------------------------------------------------------
// forward kernel: per tile of CH steps, prefetch the next tile (cp.async), softplus once per element,
// scan with the states in registers (lane partials of y to shared memory), then the epilogue sums the
// partials and applies D and the z gate. The checkpoint of a chunk is the state at its tile's start.

template <int N, int NPT, int CPL, int DC, int CH> struct ScanFwdLayout : ScanLanes<N, NPT, CPL, DC> {
    static constexpr int LPC = N / NPT, QROW = ScanLanes<N, NPT, CPL, DC>::QROW;
    static constexpr int RAW = 3 * CH * DC + CH * 2 * N; // floatX per stage: delta_raw, u, z, B|C
    static constexpr size_t off_P = 2 * (size_t)RAW * sizeof(floatX);
    static constexpr size_t off_BC = off_P + (size_t)CH * DC * 8;
    static constexpr size_t off_y = off_BC + (size_t)CH * 2 * N * 4;
    static constexpr size_t off_par = off_y + (size_t)CH * LPC * QROW * 4;
    static constexpr size_t smem = off_par + 2 * DC * 4;
    static_assert(DC % SS_VEC == 0 && (2 * N) % SS_VEC == 0 && RAW % 8 == 0 && off_P % 16 == 0 && off_BC % 16 == 0 &&
                  off_y % 16 == 0, "16-byte alignment");
};

// BATCH keeps the y of all CH steps in registers and stores them after the loop: a shared store
// between steps would pin the next step's shared loads behind it (the compiler cannot tell the
// buffers apart), so every step would wait out the load latency.
// YOUT: also write y before the gate (p.y, floatX), for a backward that reads it instead of recomputing it.
// ST16: each checkpoint as 16-byte stores (ss_st16); this can take more registers (selective_scan_forward_n).
template <int N, int NPT, int CPL, int DC, int CH, bool BATCH, int CKS, bool YOUT, bool ST16>
__global__ void __launch_bounds__(ScanLanes<N, NPT, CPL, DC>::NT)
selective_scan_forward_kernel(ScanParams p) {
    using L = ScanFwdLayout<N, NPT, CPL, DC, CH>;
    constexpr int LPC = L::LPC, CW = L::CW, NT = L::NT, QROW = L::QROW;
    extern __shared__ __align__(16) unsigned char ss_smem[];
    floatX *raw = (floatX *)ss_smem;              // [2 stages][delta_raw, u, z][CH][DC] + [CH][2N]
    float2 *P = (float2 *)(ss_smem + L::off_P);   // [CH][DC] (delta, delta*u)
    float *BC = (float *)(ss_smem + L::off_BC);   // [CH][2N]
    float *yp = (float *)(ss_smem + L::off_y);    // [CH][LPC][QROW] per-lane partial sums of C*s
    float *bias_s = (float *)(ss_smem + L::off_par), *D_s = bias_s + DC;

    const int tid = threadIdx.x, lane = tid % 32, nq = lane / CW, ch0 = (tid / 32 * CW + lane % CW) * CPL;
    const int b = blockIdx.y, d0 = blockIdx.x * DC;
    const int T = p.T, Di = p.Di, nch = (T + CH - 1) / CH;
    constexpr int KCK = CH / CKS; // checkpoints per tile
    static_assert(CH % CKS == 0, "checkpoint spacing");
    const floatX *const X[3] = {p.delta_raw, p.u, p.xz};
    const int xstride[3] = {Di, Di, 2 * Di}, xoff[3] = {0, 0, Di};
    for (int i = tid; i < DC; i += NT) {
        bias_s[i] = d0 + i < Di ? p.dt_bias[d0 + i] : 0.f;
        D_s[i] = d0 + i < Di ? p.D[d0 + i] : 0.f;
    }
    float A2[CPL][NPT], s[CPL][NPT];
#pragma unroll
    for (int c = 0; c < CPL; c++) {
        const int d = d0 + ch0 + c;
#pragma unroll
        for (int j = 0; j < NPT; j++) {
            A2[c][j] = d < Di ? -expf(p.A_log[d * N + nq * NPT + j]) * SS_LOG2E : 0.f; // exp(x*A) = 2^(x*A*log2(e))
            s[c][j] = p.carry != NULL && d < Di ? p.carry[((size_t)b * Di + d) * N + nq * NPT + j] : 0.f;
        }
    }
    ss_load_tile<N, DC, CH, NT, 3>(p, X, xstride, xoff, raw, b, d0, 0, tid);
    ss_cp_async_commit();
    // this lane's checkpoint slots, [b][chunk*KCK + k][d][n]: one base address, steps of ck_stride from it (lanes
    // whose channels are past Di store nothing; their base stays inside the buffer)
    const size_t ck_stride = (size_t)Di * N;
    float *const ck_b = p.states + ((size_t)b * nch * KCK * Di + (d0 + ch0 < Di ? d0 + ch0 : 0)) * N + nq * NPT;

    for (int ci = 0; ci < nch; ci++) {
        const int t0 = ci * CH;
        const floatX *rw = raw + (ci & 1) * L::RAW;
        float *const ck = ck_b + (size_t)ci * KCK * ck_stride;
        ss_cp_async_wait_all();
        __syncthreads(); // tile ci visible to all; the other stage (tile ci-1) is no longer read
        if (ci + 1 < nch) { ss_load_tile<N, DC, CH, NT, 3>(p, X, xstride, xoff, raw + ((ci + 1) & 1) * L::RAW, b, d0, t0 + CH, tid); }
        ss_cp_async_commit();
        ss_for<CH * DC / 2, NT>(tid, [&](unsigned i) { // softplus once per element; consecutive threads, consecutive channels
            const unsigned t = i / (DC / 2), c2 = i % (DC / 2) * 2;
            const float2 dr = ss_load2(rw + t * DC + c2), uu = ss_load2(rw + CH * DC + t * DC + c2);
            const bool tok = t0 + t < (unsigned)T;
            const float s0 = ss_softplus(dr.x + bias_s[c2]), s1 = ss_softplus(dr.y + bias_s[c2 + 1]);
            const float e0 = tok ? s0 : 0.f, e1 = tok ? s1 : 0.f;
            *(float4 *)(P + t * DC + c2) = make_float4(e0, e0 * uu.x, e1, e1 * uu.y);
        });
        ss_for<CH * N, NT>(tid, [&](unsigned i) { *(float2 *)(BC + 2 * i) = ss_load2(rw + 3 * CH * DC + 2 * i); });
        __syncthreads();
        float yv[BATCH ? CH : 1][CPL];
#pragma unroll
        for (int t = 0; t < CH; t++) {
            if (t % CKS == 0) { // checkpoint: the state entering step t0 + t
#pragma unroll
                for (int c = 0; c < CPL; c++) {
                    if (d0 + ch0 + c < Di) {
                        float *dst = ck + (t / CKS) * ck_stride + c * N;
#pragma unroll
                        for (int j = 0; j < NPT; j += 4) {
                            if constexpr (ST16) {
                                ss_st16(dst + j, s[c][j], s[c][j + 1], s[c][j + 2], s[c][j + 3]);
                            } else {
                                *(float4 *)(dst + j) = make_float4(s[c][j], s[c][j + 1], s[c][j + 2], s[c][j + 3]);
                            }
                        }
                    }
                }
            }
            float2 pd[CPL];
            if constexpr (CPL == 2) {
                float4 v = *(const float4 *)(P + t * DC + ch0);
                pd[0] = make_float2(v.x, v.y); pd[1] = make_float2(v.z, v.w);
            } else {
                pd[0] = P[t * DC + ch0];
            }
            float Bv[NPT], Cv[NPT];
#pragma unroll
            for (int j = 0; j < NPT; j += 4) {
                *(float4 *)(Bv + j) = *(const float4 *)(BC + t * 2 * N + nq * NPT + j);
                *(float4 *)(Cv + j) = *(const float4 *)(BC + t * 2 * N + N + nq * NPT + j);
            }
            float y[CPL];
#pragma unroll
            for (int c = 0; c < CPL; c++) {
                y[c] = 0.f;
#pragma unroll
                for (int j = 0; j < NPT; j++) {
                    s[c][j] = fmaf(ss_ex2(pd[c].x * A2[c][j]), s[c][j], __fmul_rn(pd[c].y, Bv[j]));
                    y[c] = fmaf(Cv[j], s[c][j], y[c]);
                }
            }
            if constexpr (BATCH) {
#pragma unroll
                for (int c = 0; c < CPL; c++) { yv[t][c] = y[c]; }
            } else {
                ss_store_y<CPL>(yp + (t * LPC + nq) * QROW + ch0, y);
            }
        }
        if constexpr (BATCH) {
#pragma unroll
            for (int t = 0; t < CH; t++) { ss_store_y<CPL>(yp + (t * LPC + nq) * QROW + ch0, yv[t]); }
        }
        __syncthreads();
        ss_for<CH * DC / 2, NT>(tid, [&](unsigned i) { // out = (y + D*u) * silu(z)
            const unsigned t = i / (DC / 2), c2 = i % (DC / 2) * 2;
            const float2 uu = ss_load2(rw + CH * DC + t * DC + c2), zz = ss_load2(rw + 2 * CH * DC + t * DC + c2);
            float y0 = __fmul_rn(D_s[c2], uu.x), y1 = __fmul_rn(D_s[c2 + 1], uu.y); // as the backward's recompute (header)
#pragma unroll
            for (int q = 0; q < LPC; q++) {
                float2 v = *(const float2 *)(yp + (t * LPC + q) * QROW + c2);
                y0 = __fadd_rn(y0, v.x); y1 = __fadd_rn(y1, v.y);
            }
            if (t0 + t < (unsigned)T && d0 + c2 < (unsigned)Di) {
                const size_t o = ((size_t)b * T + t0 + t) * Di + d0 + c2;
                ss_store2(p.out + o, ss_gate(y0, zz.x), ss_gate(y1, zz.y));
                if constexpr (YOUT) { ss_store2(p.y + o, y0, y1); }
            }
        });
    }
    if (p.carry != NULL) { // steps past T decay by exp(0) and add 0: s is the state after step T-1
#pragma unroll
        for (int c = 0; c < CPL; c++) {
            const int d = d0 + ch0 + c;
#pragma unroll
            for (int j = 0; j < NPT; j++) {
                if (d < Di) { p.carry[((size_t)b * Di + d) * N + nq * NPT + j] = s[c][j]; }
            }
        }
    }
}

// ----------------------------------------------------------------------------
// backward kernel: chunks last to first. Per chunk: prep (softplus, sigmoid, silu' once per element),
// prefetch of the previous chunk's tile, a pre-pass from the checkpoint to the sub-chunk starts (coarse
// checkpoints only; with FINE they are read, below), then
// per sub-chunk of SUB steps (last first) a forward pass that keeps the states (and with ACACHE the
// decays a, with PCACHE delta, delta*u and dy) in registers, and a reverse pass for the adjoint.

template <int N, int NPT, int CPL, int DC, int CH, int SUB, bool YIN> struct ScanBwdLayout : ScanLanes<N, NPT, CPL, DC> {
    using Lanes = ScanLanes<N, NPT, CPL, DC>;
    static constexpr int LPC = N / NPT, NT = Lanes::NT, NWARP = Lanes::NWARP, QROW = Lanes::QROW, K = CH / SUB;
    static constexpr int NX = YIN ? 5 : 4;                // per-channel tensors in a tile
    static constexpr int RAW = NX * CH * DC + CH * 2 * N; // floatX: delta_raw, u, z, dout (, y), B|C (one stage)
    static constexpr size_t off_PD = (size_t)RAW * sizeof(floatX);
    static constexpr size_t off_EP = off_PD + (size_t)CH * DC * 8;
    static constexpr size_t off_BC = off_EP + (size_t)CH * DC * 16;
    static constexpr size_t off_sub = off_BC + (size_t)CH * 2 * N * 4;
    static constexpr size_t off_y = off_sub + (size_t)(K > 1 ? K - 1 : 1) * NT * CPL * NPT * 4;
    static constexpr size_t off_rs = off_y + (YIN ? 0 : (size_t)SUB * LPC * QROW * 4); // no y partials when y is read
    static constexpr size_t off_red = off_rs + (size_t)SUB * DC * 8;
    static constexpr size_t off_zb = off_red + (size_t)SUB * NWARP * 2 * N * 4;
    static constexpr size_t smem = off_zb + (size_t)CH * DC * sizeof(floatX); // with zb (OUT)
    __host__ __device__ static constexpr size_t smem_of(bool out) { return out ? smem : off_zb; }
    static_assert(CH % SUB == 0 && N <= 32 && NT % (DC / 2) == 0 && (2 * N) % SS_VEC == 0, "scan layout");
    static_assert(off_PD % 16 == 0 && off_EP % 16 == 0 && off_BC % 16 == 0 && off_sub % 16 == 0 && off_y % 16 == 0 &&
                  off_rs % 16 == 0 && off_red % 16 == 0 && off_zb % 16 == 0, "16-byte alignment");
};

// scratch (floats): bc [B][G][T][2N] partial (dB, dC) per group of DC channels; pA [B][Di][N];
// pD [B][Di]; pT [B][Di] (per batch row)
// BATCH: per-step results of a pass (y, dC, dB, the per-channel sums) stay in registers and are
// reduced and stored after the pass, so no shared store sits between one step's loads and the next.
// OUT: also write the gated output again (p.out, the trainer's -r 2). A separate instantiation: with
// the code present but switched off at run time the kernel was 1.3% slower (doc/perf.md).
// FINE: the forward wrote a checkpoint every SUB steps, so the sub-chunk starts are read instead of
// recomputed by the pre-pass. Each thread copies its own slots with cp.async: chunk ci-1's start of
// sub-chunk k as soon as chunk ci's forward pass of sub-chunk k has used the slot (slots are per
// thread, so no barrier guards them; the copy lands during the remaining sub-chunks).
// YIN: read y (p.y, the forward's YOUT) instead of recomputing it: dz is then elementwise and written by
// the prep, and the sub-chunks' forward passes skip C, y and its lane partials (the trainer's -r 0 and -r 1,
// with fine and coarse checkpoints).
// GS > 1: a block holds GS groups of DC channels (neighbours, one batch row), each the block above with its
// own shared memory and named barrier, so the groups run as separate blocks would and compute the same bits.
// One block of 3 groups per SM was 0.6% faster than 3 blocks per SM at -r 0, 3% at -r 2 and 1.1% at -r 1
// (doc/perf.md, thirty-sixth and thirty-seventh sessions).
template <int N, int NPT, int CPL, int DC, int CH, int SUB, bool ACACHE, bool PCACHE, bool BATCH, int MINB, bool OUT, bool FINE, bool YIN, int GS>
__global__ void __launch_bounds__(ScanLanes<N, NPT, CPL, DC>::NT * GS, MINB)
selective_scan_backward_kernel(ScanParams p) {
    static_assert(!(OUT && YIN), "the gated output is rewritten only where y is recomputed");
    using L = ScanBwdLayout<N, NPT, CPL, DC, CH, SUB, YIN>;
    constexpr int LPC = L::LPC, CW = L::CW, NT = L::NT, NWARP = L::NWARP, K = L::K, QROW = L::QROW, NX = L::NX;
    constexpr int EG = DC / 2, EROWS = NT / EG, PIT = CH / EROWS; // per-element loops: a fixed channel pair per thread
    static_assert(CH % EROWS == 0, "per-element rows");
    extern __shared__ __align__(16) unsigned char ss_smem[];
    const int grp = GS > 1 ? (int)threadIdx.x / NT : 0;
    unsigned char *gsm = ss_smem + (size_t)grp * L::smem_of(OUT); // this group's shared memory
    floatX *raw = (floatX *)gsm;                       // [delta_raw, u, z, dout (, y)][CH][DC] + [CH][2N]
    float2 *PD = (float2 *)(gsm + L::off_PD);          // [CH][DC] (delta, delta*u)
    float4 *EP = (float4 *)(gsm + L::off_EP);          // [CH][DC] (u, dy, dout*silu'(z), sigmoid(v)), dy = dout*silu(z)
    float *BC = (float *)(gsm + L::off_BC);            // [CH][2N]
    float4 *subck = (float4 *)(gsm + L::off_sub);      // [K-1][CPL*NPT/4][NT] states at sub-chunk starts
    float *yp = (float *)(gsm + L::off_y);             // [SUB][LPC][QROW] per-lane partials of sum_n C*s (not YIN)
    float2 *rs = (float2 *)(gsm + L::off_rs);          // [SUB][DC] (sum_n h*B, sum_n A*h*q*log2(e))
    float *red = (float *)(gsm + L::off_red);          // [SUB][NWARP][2N] per-warp sums of (dB, dC)
    floatX *zb = (floatX *)(gsm + L::off_zb);          // [CH][DC] z, kept past the prefetch for the recomputed out (OUT)

    const int tid = (int)threadIdx.x % NT, lane = tid % 32, warp = tid / 32, nq = lane / CW, ch0 = (warp * CW + lane % CW) * CPL;
    const int b = blockIdx.y, g = blockIdx.x * GS + grp, G = gridDim.x * GS, d0 = g * DC; // g: this group's DC channels
    const int T = p.T, Di = p.Di, nch = (T + CH - 1) / CH, KCK = FINE ? K : 1; // checkpoints per chunk
    float *bcpart = p.scratch;
    float *pA = bcpart + (size_t)p.B * G * T * 2 * N, *pD = pA + (size_t)p.B * Di * N, *pT = pD + (size_t)p.B * Di;
    const floatX *X[NX] = {p.delta_raw, p.u, p.xz, p.dout};
    int xstride[NX] = {Di, Di, 2 * Di, Di}, xoff[NX] = {0, 0, Di, 0};
    if constexpr (YIN) { X[NX - 1] = p.y; xstride[NX - 1] = Di; }
    const int pc2 = tid % EG * 2, prow = tid / EG; // this thread's channel pair, first row
    // this thread's channel pair's dt bias and D, kept in registers; the grouped kernel that reads y with coarse
    // checkpoints spilled 16 bytes with them kept and none with them loaded again where used (PAIR_REGS)
    constexpr bool PAIR_REGS = !(GS > 1 && YIN && !FINE);
    float2 pbias, pDv;
    if constexpr (PAIR_REGS) {
        pbias = make_float2(d0 + pc2 < Di ? p.dt_bias[d0 + pc2] : 0.f, d0 + pc2 + 1 < Di ? p.dt_bias[d0 + pc2 + 1] : 0.f);
        pDv = make_float2(d0 + pc2 < Di ? p.D[d0 + pc2] : 0.f, d0 + pc2 + 1 < Di ? p.D[d0 + pc2 + 1] : 0.f);
    }
    float A2[CPL][NPT], hc[CPL][NPT], dA[CPL][NPT];
#pragma unroll
    for (int c = 0; c < CPL; c++) {
        const int d = d0 + ch0 + c;
#pragma unroll
        for (int j = 0; j < NPT; j++) {
            A2[c][j] = d < Di ? -expf(p.A_log[d * N + nq * NPT + j]) * SS_LOG2E : 0.f;
            hc[c][j] = 0.f; // a[t+1]*h[t+1], carried backwards over steps, sub-chunks and chunks
            dA[c][j] = 0.f;
        }
    }
    float accD[2] = {0.f, 0.f}, accT[2] = {0.f, 0.f};
    const int eg = tid % EG, erow = tid / EG;
    // FINE: this lane's start of sub-chunk k (1..K-1) of chunk c (the checkpoints' layout is
    // [b][chunk*K + k][d][n]; channels past Di are zero-filled)
    auto prefetch_subck = [&](int c, int k) {
#pragma unroll
        for (int cc = 0; cc < CPL; cc++) {
            const int d = d0 + ch0 + cc;
            const float *src = p.states + (((size_t)b * nch * K + (size_t)c * K + k) * Di + (d < Di ? d : 0)) * N + nq * NPT;
#pragma unroll
            for (int j = 0; j < NPT; j += 4) {
                ss_cp_async16(subck + ((k - 1) * (CPL * NPT / 4) + cc * (NPT / 4) + j / 4) * NT + tid, src + j, d < Di ? 16 : 0);
            }
        }
    };

    ss_load_tile<N, DC, CH, NT, NX>(p, X, xstride, xoff, raw, b, d0, (nch - 1) * CH, tid);
    if constexpr (FINE) {
        for (int k = 1; k < K; k++) { prefetch_subck(nch - 1, k); }
    }
    ss_cp_async_commit();
    for (int ci = nch - 1; ci >= 0; ci--) {
        const int t0 = ci * CH;
        float s0[CPL][NPT]; // checkpoint: the state entering chunk ci
#pragma unroll
        for (int c = 0; c < CPL; c++) {
            const int d = d0 + ch0 + c;
            const float *src = p.states + (((size_t)b * nch * KCK + (size_t)ci * KCK) * Di + (d < Di ? d : 0)) * N + nq * NPT;
#pragma unroll
            for (int j = 0; j < NPT; j += 4) {
                float4 v = d < Di ? *(const float4 *)(src + j) : make_float4(0.f, 0.f, 0.f, 0.f);
                s0[c][j] = v.x; s0[c][j + 1] = v.y; s0[c][j + 2] = v.z; s0[c][j + 3] = v.w;
            }
        }
        ss_cp_async_wait_all();
        ss_group_sync<GS, NT>(grp);
        // prep; steps past T become identity steps (delta = 0) that contribute nothing (dy = u = sig = 0)
        { // all loads first (see the forward's prep)
            if constexpr (!PAIR_REGS) { pbias = make_float2(d0 + pc2 < Di ? p.dt_bias[d0 + pc2] : 0.f, d0 + pc2 + 1 < Di ? p.dt_bias[d0 + pc2 + 1] : 0.f); }
            float2 dr[PIT], uu[PIT], zz[PIT], go[PIT], yy[YIN ? PIT : 1];
#pragma unroll
            for (int r = 0; r < PIT; r++) {
                const int t = prow + r * EROWS;
                dr[r] = ss_load2(raw + 0 * CH * DC + t * DC + pc2);
                uu[r] = ss_load2(raw + 1 * CH * DC + t * DC + pc2);
                zz[r] = ss_load2(raw + 2 * CH * DC + t * DC + pc2);
                go[r] = ss_load2(raw + 3 * CH * DC + t * DC + pc2);
                if constexpr (YIN) { yy[r] = ss_load2(raw + 4 * CH * DC + t * DC + pc2); }
            }
#pragma unroll
            for (int r = 0; r < PIT; r++) {
                const int t = prow + r * EROWS;
                const bool tok = t0 + t < T;
                float dl[2], sg[2], dz[2];
#pragma unroll
                for (int m = 0; m < 2; m++) {
                    const float u_ = m ? uu[r].y : uu[r].x, z = m ? zz[r].y : zz[r].x, o = m ? go[r].y : go[r].x;
                    float sgm;
                    const float dlm = ss_softplus_sig((m ? dr[r].y : dr[r].x) + (m ? pbias.y : pbias.x), &sgm);
                    dl[m] = tok ? dlm : 0.f;
                    sg[m] = tok ? sgm : 0.f;
                    const float sz = ss_sigmoid(z), ds = ss_dsilu(o, z, sz);
                    EP[t * DC + pc2 + m] = make_float4(u_, o * z * sz, ds, sg[m]);
                    if constexpr (YIN) { dz[m] = __fmul_rn(m ? yy[r].y : yy[r].x, ds); } // as the epilogue's (y read as floatX)
                }
                *(float4 *)(PD + t * DC + pc2) = make_float4(dl[0], dl[0] * uu[r].x, dl[1], dl[1] * uu[r].y);
                if constexpr (YIN) {
                    if (tok && d0 + pc2 < Di) { ss_store2(p.dxz + ((size_t)b * T + t0 + t) * 2 * Di + Di + d0 + pc2, dz[0], dz[1]); }
                }
                if constexpr (OUT) { ss_store2(zb + t * DC + pc2, zz[r].x, zz[r].y); } // z came from floatX: exact
            }
        }
        ss_for<CH * N, NT>(tid, [&](unsigned i) { *(float2 *)(BC + 2 * i) = ss_load2(raw + NX * CH * DC + 2 * i); });
        ss_group_sync<GS, NT>(grp);
        if (ci > 0) { ss_load_tile<N, DC, CH, NT, NX>(p, X, xstride, xoff, raw, b, d0, t0 - CH, tid); } // raw is free until the next prep
        ss_cp_async_commit();

        if constexpr (K > 1 && !FINE) { // pre-pass: states at the starts of sub-chunks 1..K-1
            float s[CPL][NPT];
#pragma unroll
            for (int c = 0; c < CPL; c++) {
#pragma unroll
                for (int j = 0; j < NPT; j++) { s[c][j] = s0[c][j]; }
            }
            for (int k = 1; k < K; k++) {
#pragma unroll 4
                for (int i = 0; i < SUB; i++) {
                    const int t = (k - 1) * SUB + i;
                    float2 pd[CPL];
                    if constexpr (CPL == 2) {
                        float4 v = *(const float4 *)(PD + t * DC + ch0);
                        pd[0] = make_float2(v.x, v.y); pd[1] = make_float2(v.z, v.w);
                    } else {
                        pd[0] = PD[t * DC + ch0];
                    }
                    float Bv[NPT];
#pragma unroll
                    for (int j = 0; j < NPT; j += 4) { *(float4 *)(Bv + j) = *(const float4 *)(BC + t * 2 * N + nq * NPT + j); }
#pragma unroll
                    for (int c = 0; c < CPL; c++) {
#pragma unroll
                        for (int j = 0; j < NPT; j++) { s[c][j] = fmaf(ss_ex2(pd[c].x * A2[c][j]), s[c][j], __fmul_rn(pd[c].y, Bv[j])); }
                    }
                }
#pragma unroll
                for (int c = 0; c < CPL; c++) {
#pragma unroll
                    for (int j = 0; j < NPT; j += 4) {
                        subck[((k - 1) * (CPL * NPT / 4) + c * (NPT / 4) + j / 4) * NT + tid] = make_float4(s[c][j], s[c][j + 1], s[c][j + 2], s[c][j + 3]);
                    }
                }
            }
        }

        for (int k = K - 1; k >= 0; k--) {
            const int ts = k * SUB;
            float sreg[SUB][CPL][NPT];                  // state before step ts+i
            float areg[ACACHE ? SUB : 1][CPL][NPT];     // decay a of step ts+i
            float2 pdr[PCACHE ? SUB : 1][CPL];          // (delta, delta*u) of step ts+i
            float dyr[PCACHE ? SUB : 1][CPL];
            float s[CPL][NPT];
#pragma unroll
            for (int c = 0; c < CPL; c++) {
#pragma unroll
                for (int j = 0; j < NPT; j += 4) {
                    float4 v = k == 0 ? make_float4(s0[c][j], s0[c][j + 1], s0[c][j + 2], s0[c][j + 3])
                                      : subck[((k - 1) * (CPL * NPT / 4) + c * (NPT / 4) + j / 4) * NT + tid];
                    s[c][j] = v.x; s[c][j + 1] = v.y; s[c][j + 2] = v.z; s[c][j + 3] = v.w;
                }
            }
            // forward pass: states (and, unless y is read, the lane partials of y)
            float yv[BATCH ? SUB : 1][CPL];
#pragma unroll
            for (int i = 0; i < SUB; i++) {
                const int t = ts + i;
                float2 pd[CPL];
                float dy[CPL];
                if constexpr (CPL == 2) {
                    float4 v = *(const float4 *)(PD + t * DC + ch0);
                    pd[0] = make_float2(v.x, v.y); pd[1] = make_float2(v.z, v.w);
                } else {
                    pd[0] = PD[t * DC + ch0];
                }
#pragma unroll
                for (int c = 0; c < CPL; c++) { dy[c] = ((const float *)(EP + t * DC + ch0 + c))[1]; }
                float Bv[NPT], Cv[NPT];
#pragma unroll
                for (int j = 0; j < NPT; j += 4) {
                    *(float4 *)(Bv + j) = *(const float4 *)(BC + t * 2 * N + nq * NPT + j);
                    if constexpr (!YIN) { *(float4 *)(Cv + j) = *(const float4 *)(BC + t * 2 * N + N + nq * NPT + j); }
                }
                float y[CPL];
#pragma unroll
                for (int c = 0; c < CPL; c++) {
                    y[c] = 0.f;
#pragma unroll
                    for (int j = 0; j < NPT; j++) {
                        sreg[i][c][j] = s[c][j];
                        const float a = ss_ex2(pd[c].x * A2[c][j]);
                        if constexpr (ACACHE) { areg[i][c][j] = a; }
                        s[c][j] = fmaf(a, s[c][j], __fmul_rn(pd[c].y, Bv[j]));
                        if constexpr (!YIN) { y[c] = fmaf(Cv[j], s[c][j], y[c]); }
                    }
                }
                if constexpr (PCACHE) {
#pragma unroll
                    for (int c = 0; c < CPL; c++) { pdr[i][c] = pd[c]; dyr[i][c] = dy[c]; }
                }
                if constexpr (BATCH) {
#pragma unroll
                    for (int c = 0; c < CPL; c++) { yv[i][c] = y[c]; }
                } else if constexpr (!YIN) {
                    ss_store_y<CPL>(yp + (i * LPC + nq) * QROW + ch0, y);
                }
            }
            if constexpr (BATCH && !YIN) {
#pragma unroll
                for (int i = 0; i < SUB; i++) { ss_store_y<CPL>(yp + (i * LPC + nq) * QROW + ch0, yv[i]); }
            }
            // FINE: the slot's value was loaded into s and the forward pass has used it, so refill it for
            // chunk ci-1. ss_cp_async16 has no memory clobber (one would also pin the tile loads): the
            // load-before-copy order rests on that use, which depends on the load and precedes the copy.
            if constexpr (FINE) {
                if (k > 0 && ci > 0) { prefetch_subck(ci - 1, k); }
                ss_cp_async_commit();
            }
            // reverse pass: adjoint, per-channel sums, dA, dB, dC (dB and dC summed over the warp's channels in
            // one butterfly: one shuffle and one store fewer per step than two, and the forward pass no longer
            // holds a sub-chunk of dC values, SUB*NPT registers)
            float dbv[BATCH ? SUB : 1][NPT], rvv[BATCH ? SUB : 1][2 * CPL], dcv[BATCH ? SUB : 1][NPT];
#pragma unroll
            for (int i = SUB - 1; i >= 0; i--) {
                const int t = ts + i;
                float2 pd[CPL];
                float dy[CPL];
                if constexpr (PCACHE) {
#pragma unroll
                    for (int c = 0; c < CPL; c++) { pd[c] = pdr[i][c]; dy[c] = dyr[i][c]; }
                } else {
                    if constexpr (CPL == 2) {
                        float4 v = *(const float4 *)(PD + t * DC + ch0);
                        pd[0] = make_float2(v.x, v.y); pd[1] = make_float2(v.z, v.w);
                    } else {
                        pd[0] = PD[t * DC + ch0];
                    }
#pragma unroll
                    for (int c = 0; c < CPL; c++) { dy[c] = ((const float *)(EP + t * DC + ch0 + c))[1]; }
                }
                float Bv[NPT], Cv[NPT], db[NPT], rv[2 * CPL], dc[NPT];
#pragma unroll
                for (int j = 0; j < NPT; j += 4) {
                    *(float4 *)(Bv + j) = *(const float4 *)(BC + t * 2 * N + nq * NPT + j);
                    *(float4 *)(Cv + j) = *(const float4 *)(BC + t * 2 * N + N + nq * NPT + j);
                }
#pragma unroll
                for (int c = 0; c < CPL; c++) {
                    float hb = 0.f, ahq = 0.f;
#pragma unroll
                    for (int j = 0; j < NPT; j++) {
                        float a;
                        if constexpr (ACACHE) { a = areg[i][c][j]; } else { a = ss_ex2(pd[c].x * A2[c][j]); }
                        const float h = fmaf(Cv[j], dy[c], hc[c][j]);
                        hc[c][j] = __fmul_rn(a, h);
                        const float hq = hc[c][j] * sreg[i][c][j]; // h * a * s[t-1]: no cancellation, unlike s[t] - delta*B*u
                        ahq = fmaf(A2[c][j], hq, ahq);
                        dA[c][j] = fmaf(pd[c].x, hq, dA[c][j]);
                        hb = fmaf(h, Bv[j], hb);
                        db[j] = c == 0 ? __fmul_rn(h, pd[c].y) : fmaf(h, pd[c].y, db[j]);
                        // s[t] is the state before step t+1 (for the last step, the forward pass's final s)
                        const float st = i == SUB - 1 ? s[c][j] : sreg[i < SUB - 1 ? i + 1 : i][c][j];
                        dc[j] = c == 0 ? __fmul_rn(dy[c], st) : fmaf(dy[c], st, dc[j]);
                    }
                    rv[2 * c] = hb;
                    rv[2 * c + 1] = ahq;
                }
                if constexpr (BATCH) {
#pragma unroll
                    for (int j = 0; j < NPT; j++) { dbv[i][j] = db[j]; }
#pragma unroll
                    for (int m = 0; m < 2 * CPL; m++) { rvv[i][m] = rv[m]; }
#pragma unroll
                    for (int j = 0; j < NPT; j++) { dcv[i][j] = dc[j]; }
                } else {
                    ss_lane_sum_store<CPL, CW>(rv, rs + i * DC, lane, ch0);
                    ss_chan_sum_store_bc<N, NPT, CW>(db, dc, red + (i * NWARP + warp) * 2 * N, lane, nq);
                }
            }
            if constexpr (BATCH) {
#pragma unroll
                for (int i = 0; i < SUB; i++) {
                    ss_lane_sum_store<CPL, CW>(rvv[i], rs + i * DC, lane, ch0);
                    ss_chan_sum_store_bc<N, NPT, CW>(dbv[i], dcv[i], red + (i * NWARP + warp) * 2 * N, lane, nq);
                }
            }
            ss_group_sync<GS, NT>(grp);
            // epilogue: per-element outputs of the sub-chunk, a channel pair per item
#pragma unroll
            for (int rr = 0; rr < (SUB + EROWS - 1) / EROWS; rr++) {
                const int r = erow + rr * EROWS, t = ts + r, c2 = eg * 2;
                if (SUB % EROWS != 0 && r >= SUB) { break; }
                float o_du[2], o_dr[2], o_dz[2], o_y[2];
#pragma unroll
                for (int m = 0; m < 2; m++) {
                    const int cc = c2 + m;
                    const float dl = PD[t * DC + cc].x;
                    const float4 e = EP[t * DC + cc];
                    const float2 rr = rs[r * DC + cc];
                    if constexpr (!PAIR_REGS) { pDv = make_float2(d0 + pc2 < Di ? p.D[d0 + pc2] : 0.f, d0 + pc2 + 1 < Di ? p.D[d0 + pc2 + 1] : 0.f); }
                    const float Dd = m ? pDv.y : pDv.x;
                    if constexpr (!YIN) {
                        float y = __fmul_rn(Dd, e.x); // as the forward's epilogue (header)
#pragma unroll
                        for (int q = 0; q < LPC; q++) { y = __fadd_rn(y, yp[(r * LPC + q) * QROW + cc]); }
                        o_y[m] = y;
                        o_dz[m] = __fmul_rn(ss_round(y), e.z); // as with y read (YIN): the same bits at every -r
                    }
                    // rounded op by op: left to the compiler, the multiply-adds were contracted differently in
                    // different kernels, and -r 0, 1, 2 must give the same bits (doc/perf.md, thirty-seventh session)
                    const float ddr = __fmul_rn(fmaf(e.x, rr.x, __fmul_rn(SS_LN2, rr.y)), e.w);
                    o_du[m] = fmaf(dl, rr.x, __fmul_rn(Dd, e.y));
                    o_dr[m] = ddr;
                    accD[m] = fmaf(e.y, e.x, accD[m]);
                    accT[m] += ddr;
                }
                if (t0 + t < T && d0 + c2 < Di) {
                    const size_t bt = (size_t)b * T + t0 + t;
                    const int dd = d0 + c2;
                    ss_store2(p.du + bt * Di + dd, o_du[0], o_du[1]);
                    ss_store2(p.d_delta_raw + bt * Di + dd, o_dr[0], o_dr[1]);
                    if constexpr (!YIN) { ss_store2(p.dxz + bt * 2 * Di + Di + dd, o_dz[0], o_dz[1]); }
                    if constexpr (OUT) {
                        const float2 z = ss_load2(zb + t * DC + c2);
                        ss_store2(p.out + bt * Di + dd, ss_gate(o_y[0], z.x), ss_gate(o_y[1], z.y));
                    }
                }
            }
            ss_for<SUB * 2 * N, NT>(tid, [&](unsigned i) { // this block's (dB, dC) partials, fixed warp order
                const unsigned r = i / (2 * N), j = i % (2 * N), tt = t0 + ts + r;
                float sum = 0.f;
#pragma unroll
                for (int w = 0; w < NWARP; w++) { sum += red[(r * NWARP + w) * 2 * N + j]; }
                if (tt < (unsigned)T) { bcpart[(((size_t)b * G + g) * T + tt) * 2 * N + j] = sum; }
            });
            ss_group_sync<GS, NT>(grp);
        }
    }
#pragma unroll
    for (int c = 0; c < CPL; c++) {
        const int d = d0 + ch0 + c;
        if (d < Di) {
#pragma unroll
            for (int j = 0; j < NPT; j += 4) {
                *(float4 *)(pA + ((size_t)b * Di + d) * N + nq * NPT + j) = make_float4(dA[c][j], dA[c][j + 1], dA[c][j + 2], dA[c][j + 3]);
            }
        }
    }
    float2 *acc = (float2 *)EP; // [EROWS][DC]; EP is free now
#pragma unroll
    for (int m = 0; m < 2; m++) { acc[erow * DC + eg * 2 + m] = make_float2(accD[m], accT[m]); }
    ss_group_sync<GS, NT>(grp);
    for (int cc = tid; cc < DC; cc += NT) {
        if (d0 + cc >= Di) { continue; }
        float sD = 0.f, sT = 0.f;
        for (int r = 0; r < EROWS; r++) { sD += acc[r * DC + cc].x; sT += acc[r * DC + cc].y; }
        pD[(size_t)b * Di + d0 + cc] = sD;
        pT[(size_t)b * Di + d0 + cc] = sT;
    }
}

// fixed-order sums: over channel groups for dB/dC (into dxdbl), over batch rows for dA_log, dD, d_dt_bias (+=)
template <int N>
__global__ void selective_scan_reduce_kernel(ScanParams p, int G) {
    const int B = p.B, T = p.T, Di = p.Di, W = p.R + 2 * N;
    const float *bc = p.scratch, *pA = bc + (size_t)B * G * T * 2 * N, *pD = pA + (size_t)B * Di * N, *pT = pD + (size_t)B * Di;
    size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    // (dB, dC): 4 neighbouring values of one (b, t) per thread, 8 groups' 16-byte loads in flight, each value
    // summed over the groups in order (the same bits as one value per thread, one load at a time, which made
    // the backward 0.2-0.8% slower: doc/perf.md, thirty-seventh session)
    const size_t nbc = (size_t)B * T * 2 * N / 4, gstride = (size_t)T * 2 * N / 4;
    if (idx < nbc) {
        const size_t b = idx / gstride, r = idx % gstride * 4;
        const float4 *src = (const float4 *)(bc + b * G * (size_t)T * 2 * N + r);
        float4 sum = make_float4(0.f, 0.f, 0.f, 0.f);
        int g = 0;
        for (; g + 8 <= G; g += 8) {
            float4 v[8];
#pragma unroll
            for (int k = 0; k < 8; k++) { v[k] = __ldcs(src + (size_t)(g + k) * gstride); }
#pragma unroll
            for (int k = 0; k < 8; k++) { sum.x += v[k].x; sum.y += v[k].y; sum.z += v[k].z; sum.w += v[k].w; }
        }
        for (; g < G; g++) {
            const float4 v = __ldcs(src + (size_t)g * gstride);
            sum.x += v.x; sum.y += v.y; sum.z += v.z; sum.w += v.w;
        }
        floatX *dst = p.dxdbl + (b * T + r / (2 * N)) * W + p.R + r % (2 * N);
        ss_set(dst[0], sum.x); ss_set(dst[1], sum.y); ss_set(dst[2], sum.z); ss_set(dst[3], sum.w);
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

// Pointers must be 16-byte aligned (cudaMalloc'd buffers with per-layer offsets of whole tensors are).
static void selective_scan_check_args(int Di, int N) {
    if (Di % 8 != 0 || !(N == 8 || N == 16 || N == 32)) {
        fprintf(stderr, "error: selective_scan: need Di %% 8 == 0 and N in {8, 16, 32}, got Di=%d N=%d [%s:%d]\n", Di, N, __FILE__, __LINE__);
        exit(EXIT_FAILURE);
    }
}
// a failed launch reported here, not blamed on the next kernel that checks
static void selective_scan_check_launch(const char *what) {
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) { fprintf(stderr, "error: %s launch: %s\n", what, cudaGetErrorString(e)); exit(EXIT_FAILURE); }
}

static inline int selective_scan_num_chunks(int T) { return (T + SCAN_CHUNK - 1) / SCAN_CHUNK; }
// checkpoints per batch row: one per chunk, or with `fine` one every SCAN_SUB steps (4x the memory;
// the backward then reads the sub-chunk starts instead of recomputing them, doc/perf.md)
static inline int selective_scan_num_checkpoints(int T, int fine) {
    return selective_scan_num_chunks(T) * (fine ? SCAN_CHUNK / SCAN_SUB : 1);
}

// groups of SCAN_DC channels in Di: the blocks per batch row of the forward and of the backward without groups
static inline int selective_scan_groups(int Di) { return (Di + SCAN_DC - 1) / SCAN_DC; }
// scratch the backward needs: (dB, dC) partials per group of SCAN_DC channels, plus per-batch-row
// partials of dA, dD, d_dt_bias
static inline size_t selective_scan_scratch_bytes(int B, int T, int Di, int N) {
    size_t G = (size_t)selective_scan_groups(Di);
    return sizeof(float) * ((size_t)B * G * T * 2 * N + (size_t)B * Di * N + 2 * (size_t)B * Di);
}

// the kernels with explicit layout parameters (dev/cuda benchmarks other choices through these)
// the forward kernel for these arguments (y written or not), its dynamic shared memory allowed
template <int N, int NPT, int CPL, int DC, bool BATCH, int CKS, bool ST16>
static void (*selective_scan_forward_kernel_for(const ScanParams &p))(ScanParams) {
    using L = ScanFwdLayout<N, NPT, CPL, DC, SCAN_CHUNK>;
    void (*kern)(ScanParams) = p.y != NULL ? selective_scan_forward_kernel<N, NPT, CPL, DC, SCAN_CHUNK, BATCH, CKS, true, ST16>
                                           : selective_scan_forward_kernel<N, NPT, CPL, DC, SCAN_CHUNK, BATCH, CKS, false, ST16>;
    cudaError_t e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)L::smem);
    if (e != cudaSuccess) { fprintf(stderr, "selective_scan_forward: %s\n", cudaGetErrorString(e)); exit(EXIT_FAILURE); }
    return kern;
}
template <int N, int NPT, int CPL, int DC, bool BATCH, int CKS = SCAN_CHUNK, bool ST16 = false>
static void selective_scan_forward_launch(const ScanParams &p, cudaStream_t stream) {
    using L = ScanFwdLayout<N, NPT, CPL, DC, SCAN_CHUNK>;
    void (*kern)(ScanParams) = selective_scan_forward_kernel_for<N, NPT, CPL, DC, BATCH, CKS, ST16>(p);
    dim3 grid((p.Di + DC - 1) / DC, p.B);
    kern<<<grid, L::NT, L::smem, stream>>>(p);
    selective_scan_check_launch("selective_scan_forward");
}
// one group's (a block's, without groups) shared memory for the kernel these arguments select: y read, the gated
// output rewritten, or neither
template <int N, int NPT, int CPL, int DC, int SUB> static size_t selective_scan_bwd_group_smem(const ScanParams &p) {
    using L = ScanBwdLayout<N, NPT, CPL, DC, SCAN_CHUNK, SUB, false>;
    using LY = ScanBwdLayout<N, NPT, CPL, DC, SCAN_CHUNK, SUB, true>;
    return p.y != NULL ? LY::smem_of(false) : L::smem_of(p.out != NULL);
}
// GS: groups of DC channels per block (MINB is then the blocks of GS groups per SM; GS must divide the
// channel groups); a block's shared memory is GS groups'
template <int N, int NPT, int CPL, int DC, int SUB, bool ACACHE, bool PCACHE, bool BATCH, int MINB, bool FINE = false, int GS = 1>
static void selective_scan_backward_launch(const ScanParams &p, cudaStream_t stream) {
    if (p.out != NULL && p.y != NULL) { fprintf(stderr, "selective_scan_backward: out is rewritten only when y is not given\n"); exit(EXIT_FAILURE); }
    using L = ScanBwdLayout<N, NPT, CPL, DC, SCAN_CHUNK, SUB, false>;
    void (*kern)(ScanParams) = p.out != NULL ? selective_scan_backward_kernel<N, NPT, CPL, DC, SCAN_CHUNK, SUB, ACACHE, PCACHE, BATCH, MINB, true, FINE, false, GS>
                                             : selective_scan_backward_kernel<N, NPT, CPL, DC, SCAN_CHUNK, SUB, ACACHE, PCACHE, BATCH, MINB, false, FINE, false, GS>;
    if (p.y != NULL) { kern = selective_scan_backward_kernel<N, NPT, CPL, DC, SCAN_CHUNK, SUB, ACACHE, PCACHE, BATCH, MINB, false, FINE, true, GS>; }
    const size_t smem = selective_scan_bwd_group_smem<N, NPT, CPL, DC, SUB>(p) * GS;
    if (((p.Di + DC - 1) / DC) % GS != 0) { fprintf(stderr, "selective_scan_backward: %d groups per block do not divide Di=%d\n", GS, p.Di); exit(EXIT_FAILURE); }
    cudaError_t e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (e != cudaSuccess) { fprintf(stderr, "selective_scan_backward: %s\n", cudaGetErrorString(e)); exit(EXIT_FAILURE); }
    dim3 grid((p.Di + DC - 1) / DC / GS, p.B);
    kern<<<grid, L::NT * GS, smem, stream>>>(p);
    selective_scan_check_launch("selective_scan_backward");
    size_t total = (size_t)p.B * p.T * 2 * N / 4 + (size_t)p.Di * N + p.Di;
    selective_scan_reduce_kernel<N><<<(unsigned)((total + 255) / 256), 256, 0, stream>>>(p, (int)grid.x * GS);
    selective_scan_check_launch("selective_scan_reduce");
}

// The backward's layout by shape. The 1-channel layout (SCAN_BWD_CPL) runs SCAN_BWD_MINB = 3 blocks per
// SM, the 2-channel layout (dev/cuda/selective_scan_backward.cu v14: half the threads per block, a+p
// caches) 4. At equal fill the 1-channel layout is ~1.3x faster, so it runs unless its last wave is
// much emptier: fill = blocks / (waves * blocks per wave). On 132 SMs (doc/perf.md): B=8 Di=1536
// (384 blocks, fills .97 / .73) 1-channel 0.706 vs 0.815 ms; B=16 Di=1024 (512 blocks, .65 / .97)
// 2-channel 0.437 vs 0.513; B=32 Di=768 (768 blocks, .97 / .73) 1-channel 0.708 vs 0.716.
// The choice depends only on B, Di and the SM count, so runs on one kind of GPU stay bitwise
// reproducible (the two layouts add the dB/dC terms in different orders).
static int selective_scan_num_sms() {
    static int sms = 0;
    if (sms == 0) {
        int dev = 0;
        if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess || sms <= 0) { sms = 1; }
    }
    return sms;
}
// the most dynamic shared memory a block may opt in to (232,448 bytes on sm_90, 166,912 on sm_80, 101,376 on sm_86)
static size_t selective_scan_max_smem() {
    static int bytes = -1;
    if (bytes < 0) {
        int dev = 0;
        if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) != cudaSuccess) { bytes = 0; }
    }
    return (size_t)bytes;
}
// waves of per_wave blocks (all SMs' resident blocks at once) that a grid of `blocks` takes; none fit: LONG_MAX
static inline long selective_scan_waves(long blocks, long per_wave) {
    return per_wave > 0 ? (blocks + per_wave - 1) / per_wave : LONG_MAX;
}
static inline double selective_scan_wave_fill(long blocks, long per_wave) {
    return (double)blocks / (double)(selective_scan_waves(blocks, per_wave) * per_wave);
}
static inline bool selective_scan_bwd_two_channels(int B, int Di) {
    const long blocks = (long)B * selective_scan_groups(Di), sms = selective_scan_num_sms();
    return selective_scan_wave_fill(blocks, 4 * sms) > 1.25 * selective_scan_wave_fill(blocks, (long)SCAN_BWD_MINB * sms);
}
// The trainer's forward. With fine checkpoints (-r 0: 4 per tile) the float4 stores are split into scalar
// ones; as 16-byte stores (ST16) the kernel is faster but the N = 16 kernel writing y takes 130 registers
// instead of 128 (nvcc 13.0, sm_90), so an SM holds 3 of its blocks instead of 4. H200, float4 -> 16-byte
// stores, ms (doc/perf.md, thirty-eighth session, playground v13 -> v12): B=8 Di=1536 L=2048 (384 blocks, one
// wave either way) 0.2092-0.2102 -> 0.2062-0.2068; B=16 Di=1024 L=1024 (512 blocks, one wave or two)
// 0.1377-0.1385 -> 0.1553-0.1562; B=32 Di=768 L=1024 (768 blocks, two waves either way) 0.2065 -> 0.2061-0.2065.
// So ST16 runs unless it needs more waves. The choice depends only on the shape and the GPU, and the stores
// do not change any value (the playground checks v12 against v13 bit for bit).
template <int N> static void selective_scan_forward_n(const ScanParams &p, int fine, cudaStream_t stream) {
    if (!fine) {
        selective_scan_forward_launch<N, SCAN_NPT, SCAN_FWD_CPL, SCAN_DC, SCAN_BATCH, SCAN_CHUNK>(p, stream);
        return;
    }
    using L = ScanFwdLayout<N, SCAN_NPT, SCAN_FWD_CPL, SCAN_DC, SCAN_CHUNK>;
    static int occ[2][2] = {{-1, -1}, {-1, -1}}; // blocks per SM of [y written][ST16], asked once per kernel (as the SM count)
    int *o = occ[p.y != NULL];
    if (o[0] < 0) {
        void (*k16)(ScanParams) = selective_scan_forward_kernel_for<N, SCAN_NPT, SCAN_FWD_CPL, SCAN_DC, SCAN_BATCH, SCAN_SUB, true>(p);
        void (*k4)(ScanParams) = selective_scan_forward_kernel_for<N, SCAN_NPT, SCAN_FWD_CPL, SCAN_DC, SCAN_BATCH, SCAN_SUB, false>(p);
        cudaError_t e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&o[1], k16, L::NT, L::smem);
        if (e == cudaSuccess) { e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&o[0], k4, L::NT, L::smem); }
        if (e != cudaSuccess) { fprintf(stderr, "error: selective_scan_forward: occupancy query: %s\n", cudaGetErrorString(e)); exit(EXIT_FAILURE); }
    }
    const long blocks = (long)p.B * selective_scan_groups(p.Di), sms = selective_scan_num_sms();
    if (selective_scan_waves(blocks, o[1] * sms) <= selective_scan_waves(blocks, o[0] * sms)) {
        selective_scan_forward_launch<N, SCAN_NPT, SCAN_FWD_CPL, SCAN_DC, SCAN_BATCH, SCAN_SUB, true>(p, stream);
    } else {
        selective_scan_forward_launch<N, SCAN_NPT, SCAN_FWD_CPL, SCAN_DC, SCAN_BATCH, SCAN_SUB, false>(p, stream);
    }
}
template <int N, bool FINE> static void selective_scan_backward_n(const ScanParams &p, cudaStream_t stream) {
    // SCAN_BWD_MINB is for N = 16; other N change the block size (N/NPT lanes per channel), so scale
    // it to keep the same threads per SM (the 2-channel layout: 4 blocks per SM at N = 16)
    constexpr int NT = ScanLanes<N, SCAN_NPT, SCAN_BWD_CPL, SCAN_DC>::NT, NT16 = ScanLanes<16, SCAN_NPT, SCAN_BWD_CPL, SCAN_DC>::NT;
    constexpr int MINB = SCAN_BWD_MINB * NT16 / NT > 0 ? SCAN_BWD_MINB * NT16 / NT : 1;
    constexpr int NT2 = ScanLanes<N, SCAN_NPT, 2, SCAN_DC>::NT, NT216 = ScanLanes<16, SCAN_NPT, 2, SCAN_DC>::NT;
    constexpr int MINB2 = 4 * NT216 / NT2 > 0 ? 4 * NT216 / NT2 : 1;
    // The 1-channel layout's MINB blocks per SM as groups of one block, where GS divides MINB and the channel
    // groups, and GS groups' shared memory fits a block (selective_scan_max_smem). Groups or not, the
    // outputs are the same bits.
    constexpr int GS = SCAN_BWD_GROUPS > 1 && MINB % SCAN_BWD_GROUPS == 0 ? SCAN_BWD_GROUPS : 1;
    const bool grouped = GS > 1 && selective_scan_groups(p.Di) % GS == 0 &&
                         selective_scan_bwd_group_smem<N, SCAN_NPT, SCAN_BWD_CPL, SCAN_DC, SCAN_SUB>(p) * GS <= selective_scan_max_smem();
    if (SCAN_BWD_CPL == 1 && selective_scan_bwd_two_channels(p.B, p.Di)) {
        selective_scan_backward_launch<N, SCAN_NPT, 2, SCAN_DC, SCAN_SUB, true, true, SCAN_BATCH, MINB2, FINE>(p, stream);
    } else if (grouped) {
        selective_scan_backward_launch<N, SCAN_NPT, SCAN_BWD_CPL, SCAN_DC, SCAN_SUB, SCAN_BWD_ACACHE, SCAN_BWD_PCACHE, SCAN_BATCH, MINB / GS, FINE, GS>(p, stream);
    } else {
        selective_scan_backward_launch<N, SCAN_NPT, SCAN_BWD_CPL, SCAN_DC, SCAN_SUB, SCAN_BWD_ACACHE, SCAN_BWD_PCACHE, SCAN_BATCH, MINB, FINE>(p, stream);
    }
}

// out (B,T,Di), states (B, selective_scan_num_checkpoints(T, fine), Di, N); carry (B, Di, N) or NULL (see ScanParams);
// y (B,T,Di) or NULL: also write the output before the gate, for a backward given it
void selective_scan_forward(floatX *out, floatX *y, float *states, float *carry, const floatX *u, const floatX *delta_raw, const float *dt_bias,
                            const float *A_log, const floatX *xdbl, int R, const float *D, const floatX *xz,
                            int B, int T, int Di, int N, int fine, cudaStream_t stream) {
    selective_scan_check_args(Di, N);
    ScanParams p = {};
    p.out = out; p.y = y; p.states = states; p.carry = carry; p.u = u; p.delta_raw = delta_raw; p.dt_bias = dt_bias; p.A_log = A_log;
    p.xdbl = xdbl; p.R = R; p.D = D; p.xz = xz; p.B = B; p.T = T; p.Di = Di;
    switch (N) {
    case 8: selective_scan_forward_n<8>(p, fine, stream); break;
    case 16: selective_scan_forward_n<16>(p, fine, stream); break;
    default: selective_scan_forward_n<32>(p, fine, stream); break;
    }
}

// du, d_delta_raw (B,T,Di) and the z slot of dxz, the B/C slots of dxdbl are written;
// dA_log, dD, d_dt_bias are accumulated; scratch holds selective_scan_scratch_bytes()
// out (may be NULL): also write the forward's gated output again (bitwise the same), from the recomputed states
// y (may be NULL; not with out): the forward's y, read instead of recomputed (dz, bitwise the same either way)
// fine: the forward wrote its checkpoints with fine = 1
void selective_scan_backward(floatX *out, const floatX *y, floatX *du, floatX *d_delta_raw, floatX *dxz, floatX *dxdbl, float *dA_log, float *dD,
                             float *d_dt_bias, float *scratch, const floatX *dout, const float *states, const floatX *u,
                             const floatX *delta_raw, const float *dt_bias, const float *A_log, const floatX *xdbl, int R,
                             const float *D, const floatX *xz, int B, int T, int Di, int N, int fine, cudaStream_t stream) {
    selective_scan_check_args(Di, N);
    ScanParams p = {};
    p.out = out; p.y = (floatX *)y; p.du = du; p.d_delta_raw = d_delta_raw; p.dxz = dxz; p.dxdbl = dxdbl; p.dA_log = dA_log; p.dD = dD;
    p.d_dt_bias = d_dt_bias; p.scratch = scratch; p.dout = dout; p.states = (float *)states; p.u = u;
    p.delta_raw = delta_raw; p.dt_bias = dt_bias; p.A_log = A_log; p.xdbl = xdbl; p.R = R; p.D = D; p.xz = xz;
    p.B = B; p.T = T; p.Di = Di;
    switch (N) {
    case 8: fine ? selective_scan_backward_n<8, true>(p, stream) : selective_scan_backward_n<8, false>(p, stream); break;
    case 16: fine ? selective_scan_backward_n<16, true>(p, stream) : selective_scan_backward_n<16, false>(p, stream); break;
    default: fine ? selective_scan_backward_n<32, true>(p, stream) : selective_scan_backward_n<32, false>(p, stream); break;
    }
}

#endif // LLMC_CUDA_SCAN_CUH
