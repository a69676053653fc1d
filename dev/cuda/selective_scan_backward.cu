/*
Selective-scan backward for training (Mamba-1), fused with softplus(delta) and z-gating.

Forward per (b,t,d) (see selective_scan_forward.cu): delta = softplus(v), v = delta_raw + dt_bias;
a[t,n] = exp(delta*A[n]); s[t] = a*s[t-1] + delta*B[t]*u; y = sum_n C*s + D*u; out = y*silu(z).

Backward, with h[t,n] = dL/ds[t,n] (a reverse scan) and dy = dout*silu(z):
    h[t]       = C[t]*dy[t] + a[t+1]*h[t+1]
    q[t]       = a[t]*s[t-1]                        (the decayed previous state)
    dz         = dout * y * silu'(z),   silu'(z) = sig(z)*(1 + z*(1 - sig(z)))
    du         = delta * sum_n h*B + D*dy
    d_delta    = u * sum_n h*B + sum_n A*h*q;       d_delta_raw = d_delta * sigmoid(v)
    dA[n]     += delta*h*q  (over b,t);            dA_log = dA * A
    dB[t,n]   += h*delta*u  (over d);              dC[t,n] += dy*s[t]  (over d)
    dD        += dy*u;                              d_dt_bias += d_delta_raw
States are recomputed chunk by chunk from the forward's fp32 checkpoints (states entering each chunk
of CHUNK steps); the adjoint h is carried from the last chunk backwards. Reductions over (b,t) and
over d go through per-block partials in scratch and a fixed-order reduction kernel: the result is
bitwise reproducible (no float atomics anywhere).

Outputs: du, d_delta_raw (B,T,Di) bf16; dz into dxz's z slot (stride 2Di); dB/dC into dxdbl's slots
(stride R+2N) bf16; dA_log, dD, d_dt_bias fp32, accumulated (+=).

Build and run, in dev/cuda (see run_scan_bench.sh; -DCHUNK=16 or 64 for another chunk length):
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o selective_scan_backward selective_scan_backward.cu
    ./selective_scan_backward       # checks all versions, then benchmarks backward and forward+backward
    ./selective_scan_backward 0 17  # only versions 0 and 17
    ./selective_scan_backward --check  # checks only (e.g. under compute-sanitizer; or SCAN_CHECK_ONLY=1)
    SCAN_BWD_OUT=1 ./selective_scan_backward     # benchmarks the backward that also writes the gated output (-r 2)
    SCAN_PROFILE=1 ./selective_scan_backward 0   # for ncu: the forwards once, one backward per version (B=8 T=2048 Di=1536)

version 0: the trainer's kernels, llmc/cuda/scan.cuh, as at its -r 0: a checkpoint every 8 steps, and
           y (the output before the gate) written by the forward and read by the backward, which then
           skips C, y and y's lane partials in its sub-chunk passes and writes dz in its prep;
           version 18 the same with a checkpoint every 32 steps (its -r 1), version 17 that with y
           recomputed too (its -r 2);
           version 15 is version 0 with y recomputed. Since then (doc/perf.md, twelfth session) the
           template computes dC in the reverse pass and sums it over channels together with dB, so
           versions 6-18 run that too; the numbers recorded before for them predate it
version 1: warp per (b,d) channel, time split over lanes, warp-wide scans per state forward
           (from the checkpoint) and backward (adjoint carry), dB/dC summed over the block's 8 channels
version 2: thread per channel, all N states in registers; per chunk a pre-pass rebuilds the states at
           sub-chunk starts, then per sub-chunk (SUB steps, held in registers) a forward pass and a reverse pass
version 3: like 2 with the N states of a channel split over 4 lanes (4 states each)
version 4: like 2 with 2 lanes per channel (8 states each)
version 5: like 3 with SUB = 8: half the registers for states (4 blocks of 128 threads per SM), but
           the pre-pass recomputes more of each chunk
versions 6-10: the kernel template of llmc/cuda/scan.cuh with different parameters (what is measured
           is what the trainer runs). Run 1 showed 2-5 limited by shared memory returns (32 registers
           per cycle per SM) and by exponentials. So: neighbouring lanes read the same B/C address
           (served in pairs); the forward pass of a sub-chunk keeps the decays a (ACACHE: no second
           exponential in the reverse pass) and delta, delta*u, dy (PCACHE: no reload) in registers;
           2 channels per lane (CPL) share B/C loads and the in-lane part of the dB/dC sums; prep and
           epilogue on consecutive channels per thread (no bank conflicts).
           6: 1 ch/lane, SUB 8, a+p cache; 7: 2 ch/lane, a cache; 8: 1 ch/lane, SUB 16, no cache;
           9: 2 ch/lane, a+p cache; 10: 1 ch/lane, a cache, registers capped for 4 blocks/SM
versions 11-14: 6, 7, 10, 9 with each pass's per-step results (y, dC, dB, per-channel sums) kept in
           registers and reduced/stored after the pass. Run 2's SASS showed shared stores between
           steps pinning the next step's loads behind them.
Tried and removed (git d847f66 has them as versions 15-17, doc/perf.md the numbers): 11 and 14 with
           the dB/dC sums over channels through shared memory instead of halving butterflies (each
           lane stores a pass's values as float4s; after a barrier 4 threads per (step, 4 states)
           sum the channel slots). Fewer instructions, but slower: 0.705 -> 0.791 ms at B=8 with
           both sums (two more barriers per sub-chunk), 0.737 with dB alone (no extra barrier).
           Git 86ee241 has 11 and 14 with each lane's states in butterfly order (no selects in those
           sums, B|C staged in 4 orders) as versions 15, 16: 4% slower (more shared-memory wavefronts).
           Git 857742b has 11 with the blocks of an SM started 3000-9000 cycles apart (18-20), git
           aa7ed3c 11 and 14 with B|C kept bf16 in shared memory (21, 22): no faster. Git 0b51b2a has
           11 with SUB 4 (half the register caches: 140 registers, or 127 at 4 blocks per SM, but the
           sub-chunk starts then need more shared memory than 4 blocks leave) and 11 capped at 128
           registers for 4 blocks per SM (68 bytes spilled) as versions 15-17: 7%, 7% and 13% slower.
           Three more were measured on branches this repository does not hold (their code is not here;
           doc/perf.md, section "Three more backward restructurings that did not pay", describes each
           with its numbers): 15 and 16 with dB/dC summed per chunk by the last block of a batch row to
           finish it (atomic counter, partials read from L2) as versions 18-20: 1.7x slower (the
           summing block falls behind and sums every chunk); the same sums done by an extra row of
           reducer blocks: 3% slower (the per-chunk fence before each count costs more than the
           reduction kernel); 15 and 16 with the per-sub-chunk sums in two buffers and one barrier per
           sub-chunk fewer as versions 18, 19: no faster. Git 8c95b36 has
           version 0 (y read: 12 fewer live registers) capped for 4 blocks per SM as version 18 (128
           registers, 24 bytes spilled): 0.692 against 0.604 ms at B=8 Di=1536. Git 828a6af has versions 0
           and 17 with lanes of 2 channels x 2 states (same threads; dB/dC butterflies of 4 values over 4
           lanes instead of 8 over 8) as versions 18, 19: 4% slower at B=8 Di=1536, and with y
           recomputed not bitwise the forward's (y summed from 8 lane partials, not 4). Git 8fe5b1e has
           the header's (dB, dC) channel sums with their last two levels (lane bits 1, 0) as one tf32
           mma.m16n8k8 against a 0/1 matrix (-DSCAN_BC_MMA=1 rounded, 2 truncated): 12% / 9% slower.
           Git 18e8bbe has the reduction kernel launched programmatically after the backward (-DSCAN_PDL):
           within the runs' spread (~1 us).
           Git c5ce8e8 has versions 0 and 17 with 48 channels per block (2 blocks of 6 warps per SM instead
           of 3 of 4; a third fewer (dB, dC) partials for the reduction to read) as versions 18, 19: on the
           H100 4.6% / 6.5% slower at B=8 Di=1536, 60% / 40% at B=16 Di=1024 (1.3 waves).
           Since the thirty-sixth session versions 0 and 17 run as blocks of 3 groups of 32 channels
           (SCAN_BWD_GROUPS, one block of 12 warps per SM, each group on its own named barrier; the same
           bits; build with -DSCAN_BWD_GROUPS=1 for separate blocks), since the thirty-seventh version 18
           too. The check "with y recomputed" caught that kernel's du and d_delta_raw in other bits than
           version 17's: the compiler had fused other multiply-adds there (doc/perf.md). The groups' (dB, dC)
           sums added in a shared ring before they leave the block (a third of the partials for the
           reduction), measured on a branch this repository does not hold: 9-13% slower backward than
           separate blocks (doc/perf.md, section "Blocks of 3 groups, and their (dB, dC) sums in a shared ring").
versions 15, 16: 11 and 14 reading a checkpoint every 8 steps (the forward writes 4 per chunk) instead
           of recomputing the sub-chunk starts in a pre-pass; each thread refills its own shared slot
           with cp.async once the slot's state is in use, so the copy has the rest of the chunk to land.
           An earlier attempt that loaded the starts when needed gained nothing (doc/perf.md).
*/
#include "common.h"

#ifndef CHUNK
#define CHUNK 32
#endif
#define SCAN_CHUNK CHUNK
#include "../../llmc/cuda/scan.cuh"
#include "selective_scan_ref.h"

typedef __nv_bfloat16 bf16;

struct BwdArgs {
    bf16 *du;             // (B,T,Di)
    bf16 *d_delta_raw;    // (B,T,Di)
    bf16 *dxz;            // (B,T,2Di), z slot written
    bf16 *dxdbl;          // (B,T,R+2N), B and C slots written
    float *dA_log;        // (Di,N) +=
    float *dD;            // (Di) +=
    float *d_dt_bias;     // (Di) +=
    float *scratch;
    const bf16 *dout;     // (B,T,Di)
    const float *states;  // (B,nchunks,Di,N)
    const float *states_fine; // (B,nchunks*CHUNK/SUB8,Di,N): a checkpoint every SUB8 steps (versions 15, 16)
    const bf16 *u;
    const bf16 *delta_raw;
    const float *dt_bias;
    const float *A_log;
    const bf16 *xdbl;
    int R;
    const float *D;
    const bf16 *xz;
    int B, T, Di, N;
    bf16 *yg;             // (B,T,Di) or NULL: the forward's gated output, recomputed (the trainer's -r 2)
    const bf16 *y;        // (B,T,Di) the forward's output before the gate, which versions 0 and 18 read (the trainer's -r 0, -r 1)
};

// ----------------------------------------------------------------------------
// scratch layout shared by all versions (floats):
//   bc  [B][G][T][2N]  per channel-group partials of (dB, dC), G groups of channels
//   pA  [B][Di][N]     per batch-row partials of dL/dA
//   pD  [B][Di], pT [B][Di]   per batch-row partials of dD and d_dt_bias

static size_t scratch_floats(int B, int T, int Di, int N, int G) {
    return (size_t)B * G * T * 2 * N + (size_t)B * Di * N + 2 * (size_t)B * Di;
}

// fixed-order reduction: over G for dB/dC (written bf16 into dxdbl), over B for the parameter grads (+=)
template <int N>
__global__ void scan_bwd_reduce(BwdArgs p, int G) {
    const int B = p.B, T = p.T, Di = p.Di, W = p.R + 2 * N;
    const float *bc = p.scratch, *pA = bc + (size_t)B * G * T * 2 * N, *pD = pA + (size_t)B * Di * N, *pT = pD + (size_t)B * Di;
    size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    size_t nbc = (size_t)B * T * 2 * N;
    if (idx < nbc) {
        size_t b = idx / ((size_t)T * 2 * N), r = idx % ((size_t)T * 2 * N);
        const float *src = bc + b * G * (size_t)T * 2 * N + r;
        float sum = 0.f;
        for (int g = 0; g < G; g++) { sum += src[(size_t)g * T * 2 * N]; }
        size_t t = r / (2 * N), j = r % (2 * N);
        p.dxdbl[(b * T + t) * W + p.R + j] = __float2bfloat16_rn(sum);
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

template <int N> static void launch_reduce(const BwdArgs &p, int G) {
    size_t total = (size_t)p.B * p.T * 2 * N + (size_t)p.Di * N + p.Di;
    scan_bwd_reduce<N><<<(unsigned)((total + 255) / 256), 256>>>(p, G);
    cudaCheckLaunch();
}

// ----------------------------------------------------------------------------
// version 1: warp per channel, WIN = max(32, CHUNK) steps per window (ITEMS per lane), windows in
// reverse. For each n: forward warp scan of the affine maps from the checkpoint at the window start,
// then the adjoint as a reverse warp scan (hc[t] = a[t]*hc[t+1] + a[t]*C[t]*dy[t], hc = a*h),
// with the carry from the later window. dB/dC summed over the block's 8 warps in shared memory.

template <int N>
__global__ void __launch_bounds__(256) scan_bwd_v1(BwdArgs p) {
    constexpr int WIN = CHUNK > 32 ? CHUNK : 32, ITEMS = WIN / 32;
    static_assert(WIN % 32 == 0 && WIN % CHUNK == 0, "version 1 needs CHUNK to divide 32 or be a multiple of 32");
    extern __shared__ float red1[]; // [8][WIN][2N]
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int d = blockIdx.x * 8 + warp, b = blockIdx.y, g = blockIdx.x, G = gridDim.x;
    const int T = p.T, Di = p.Di, W = p.R + 2 * N, nch = ceil_div(T, CHUNK);
    float *bcpart = p.scratch;
    float *pA = bcpart + (size_t)p.B * G * T * 2 * N, *pD = pA + (size_t)p.B * Di * N, *pT = pD + (size_t)p.B * Di;
    float A2[N], hcarry[N], dAl[N];
    for (int n = 0; n < N; n++) { A2[n] = -expf(p.A_log[d * N + n]) * LOG2E_F; hcarry[n] = 0.f; dAl[n] = 0.f; }
    const float bias = p.dt_bias[d], Dd = p.D[d];
    float accD = 0.f, accT = 0.f;
    const int nwin = ceil_div(T, WIN);
    for (int w = nwin - 1; w >= 0; w--) {
        const int w0 = w * WIN;
        float dl[ITEMS], du_[ITEMS], dy[ITEMS], uu[ITEMS], gz[ITEMS], sig[ITEMS], y[ITEMS], hb[ITEMS], ahq[ITEMS];
        for (int i = 0; i < ITEMS; i++) {
            int t = w0 + lane * ITEMS + i;
            dl[i] = du_[i] = dy[i] = uu[i] = gz[i] = sig[i] = y[i] = hb[i] = ahq[i] = 0.f;
            if (t < T) {
                size_t bt = (size_t)b * T + t;
                float v = __bfloat162float(p.delta_raw[bt * Di + d]) + bias;
                dl[i] = softplus_sig_dev(v, &sig[i]);
                uu[i] = __bfloat162float(p.u[bt * Di + d]);
                du_[i] = dl[i] * uu[i];
                float z = __bfloat162float(p.xz[bt * 2 * Di + Di + d]), go = __bfloat162float(p.dout[bt * Di + d]);
                float sz = sigmoid_dev(z);
                dy[i] = go * z * sz;
                gz[i] = go * sz * (1.f + z * (1.f - sz));
            }
        }
        const float *S = p.states + (((size_t)b * nch + w0 / CHUNK) * Di + d) * N;
#pragma unroll
        for (int n = 0; n < N; n++) {
            float a[ITEMS], bb[ITEMS], Bn[ITEMS], Cn[ITEMS], sprev[ITEMS];
            float Ag = 1.f, Bg = 0.f;
            for (int i = 0; i < ITEMS; i++) {
                int t = w0 + lane * ITEMS + i;
                size_t row = ((size_t)b * T + (t < T ? t : 0)) * W + p.R;
                Bn[i] = t < T ? __bfloat162float(p.xdbl[row + n]) : 0.f;
                Cn[i] = t < T ? __bfloat162float(p.xdbl[row + N + n]) : 0.f;
                a[i] = ex2_approx(dl[i] * A2[n]);
                bb[i] = du_[i] * Bn[i];
                Bg = a[i] * Bg + bb[i];
                Ag *= a[i];
            }
            for (int off = 1; off < 32; off *= 2) {
                float Ao = __shfl_up_sync(0xffffffff, Ag, off), Bo = __shfl_up_sync(0xffffffff, Bg, off);
                if (lane >= off) { Bg = Ag * Bo + Bg; Ag *= Ao; }
            }
            float Ae = __shfl_up_sync(0xffffffff, Ag, 1), Be = __shfl_up_sync(0xffffffff, Bg, 1);
            if (lane == 0) { Ae = 1.f; Be = 0.f; }
            float s = Ae * S[n] + Be;
            for (int i = 0; i < ITEMS; i++) {
                sprev[i] = s;
                s = a[i] * s + bb[i];
                y[i] += Cn[i] * s;
                red1[(warp * WIN + lane * ITEMS + i) * 2 * N + N + n] = dy[i] * s;
            }
            // adjoint: maps x -> a*x + a*C*dy applied from the right end
            float Am = 1.f, Bm = 0.f;
            for (int i = ITEMS - 1; i >= 0; i--) { Bm = a[i] * Bm + a[i] * Cn[i] * dy[i]; Am *= a[i]; }
            for (int off = 1; off < 32; off *= 2) {
                float Ao = __shfl_down_sync(0xffffffff, Am, off), Bo = __shfl_down_sync(0xffffffff, Bm, off);
                if (lane + off < 32) { Bm = Am * Bo + Bm; Am *= Ao; }
            }
            float Ax = __shfl_down_sync(0xffffffff, Am, 1), Bx = __shfl_down_sync(0xffffffff, Bm, 1);
            if (lane == 31) { Ax = 1.f; Bx = 0.f; }
            float x = Ax * hcarry[n] + Bx; // hc entering my last item from the right
            for (int i = ITEMS - 1; i >= 0; i--) {
                float h = Cn[i] * dy[i] + x;
                float hcn = a[i] * h, hq = hcn * sprev[i];
                hb[i] += h * Bn[i];
                ahq[i] += A2[n] * hq;
                dAl[n] += dl[i] * hq;
                red1[(warp * WIN + lane * ITEMS + i) * 2 * N + n] = h * du_[i];
                x = hcn;
            }
            hcarry[n] = __shfl_sync(0xffffffff, x, 0);
        }
        for (int i = 0; i < ITEMS; i++) {
            int t = w0 + lane * ITEMS + i;
            if (t >= T) { continue; }
            size_t bt = (size_t)b * T + t;
            float yy = y[i] + Dd * uu[i];
            float ddr = (uu[i] * hb[i] + LN2_F * ahq[i]) * sig[i];
            p.du[bt * Di + d] = __float2bfloat16_rn(dl[i] * hb[i] + Dd * dy[i]);
            p.d_delta_raw[bt * Di + d] = __float2bfloat16_rn(ddr);
            p.dxz[bt * 2 * Di + Di + d] = __float2bfloat16_rn(yy * gz[i]);
            accD += dy[i] * uu[i];
            accT += ddr;
        }
        __syncthreads();
        for (int i = threadIdx.x; i < WIN * 2 * N; i += 256) {
            int t = w0 + i / (2 * N);
            float sum = 0.f;
            for (int k = 0; k < 8; k++) { sum += red1[k * WIN * 2 * N + i]; }
            if (t < T) { bcpart[(((size_t)b * G + g) * T + t) * 2 * N + i % (2 * N)] = sum; }
        }
        __syncthreads();
    }
    for (int off = 16; off > 0; off /= 2) {
        accD += __shfl_xor_sync(0xffffffff, accD, off);
        accT += __shfl_xor_sync(0xffffffff, accT, off);
    }
#pragma unroll
    for (int n = 0; n < N; n++) {
        float v = dAl[n];
        for (int off = 16; off > 0; off /= 2) { v += __shfl_xor_sync(0xffffffff, v, off); }
        if (lane == 0) { pA[((size_t)b * Di + d) * N + n] = v; }
    }
    if (lane == 0) { pD[(size_t)b * Di + d] = accD; pT[(size_t)b * Di + d] = accT; }
}

// ----------------------------------------------------------------------------
// versions 2-4: block = DC channels of one batch row, LPC = N/NPT lanes per channel.
// Chunks of CH = CHUNK steps in reverse order. Per chunk: stage bf16 tiles (cp.async, the next chunk's
// tile in flight while this one computes) -> prep (softplus, silu once per element, fp32 in smem) ->
// pre-pass from the checkpoint to the sub-chunk starts -> for each sub-chunk of SUB steps, last first:
//   forward pass: states kept in registers (s[t-1] for each step), lane partials of y, dC reduced
//   reverse pass: adjoint h, per-channel sums (sum h*B, sum A*h*q), dA, dB reduced
//   epilogue: du, d_delta_raw, dz as bf16 vectors; dB/dC partials summed over the block's warps.

template <int N, int NPT, int DC, int CH, int SUB> struct BwdTiled {
    static constexpr int LPC = N / NPT, NT = DC * LPC, NWARP = NT / 32, K = CH / SUB;
    static constexpr int YROW = LPC * DC + 4;
    static constexpr int RAW = 4 * CH * DC + CH * 2 * N; // bf16: delta_raw, u, z, dout, then B|C
    static constexpr size_t off_P = (size_t)RAW * 2;
    static constexpr size_t off_Q = off_P + (size_t)CH * DC * 16;
    static constexpr size_t off_BC = off_Q + (size_t)CH * DC * 8;
    static constexpr size_t off_sub = off_BC + (size_t)CH * 2 * N * 4;
    static constexpr size_t off_y = off_sub + (size_t)(K > 1 ? K - 1 : 1) * NT * NPT * 4;
    static constexpr size_t off_rs = off_y + (size_t)SUB * YROW * 4;
    static constexpr size_t off_red = off_rs + (size_t)SUB * DC * 8;
    static constexpr size_t off_par = off_red + (size_t)SUB * NWARP * 2 * N * 4;
    static constexpr size_t smem = off_par + 2 * DC * 4;
    static_assert(N % NPT == 0 && NPT % 4 == 0 && N <= 32 && CH % SUB == 0 && DC % 8 == 0 && NT % 32 == 0, "shape");
    static_assert(NT % (DC / 4) == 0 && (size_t)NT / (DC / 4) * DC * 2 <= (size_t)CH * DC * 4, "epilogue");
    static_assert(off_P % 16 == 0 && off_Q % 16 == 0 && off_BC % 16 == 0 && off_sub % 16 == 0 && off_y % 16 == 0 &&
                  off_rs % 16 == 0 && off_red % 16 == 0, "align");
};

template <int N, int DC, int CH, int NT>
__device__ __forceinline__ void bwd_load_tile(const BwdArgs &p, bf16 *raw, int b, int d0, int t0, int tid) {
    const int T = p.T, Di = p.Di, W = p.R + 2 * N;
    for (int i = tid; i < 4 * CH * DC / 8; i += NT) {
        int k = i / (CH * DC / 8), r = i % (CH * DC / 8), t = r / (DC / 8), cg = r % (DC / 8);
        int tt = t0 + t, dd = d0 + cg * 8;
        bool ok = tt < T && dd < Di;
        size_t row = (size_t)b * T + (ok ? tt : 0);
        int col = ok ? dd : 0;
        const bf16 *src = k == 0 ? p.delta_raw + row * Di + col
                        : k == 1 ? p.u + row * Di + col
                        : k == 2 ? p.xz + row * 2 * Di + Di + col
                                 : p.dout + row * Di + col;
        cp_async16(raw + (size_t)k * CH * DC + t * DC + cg * 8, src, ok ? 16 : 0);
    }
    bf16 *rawbc = raw + 4 * CH * DC;
    if (p.R % 8 == 0) {
        for (int i = tid; i < CH * 2 * N / 8; i += NT) {
            int t = i / (2 * N / 8), c8 = i % (2 * N / 8), tt = t0 + t;
            bool ok = tt < T;
            cp_async16(rawbc + t * 2 * N + c8 * 8, p.xdbl + ((size_t)b * T + (ok ? tt : 0)) * W + p.R + c8 * 8, ok ? 16 : 0);
        }
    } else {
        for (int i = tid; i < CH * 2 * N; i += NT) {
            int t = i / (2 * N), j = i % (2 * N), tt = t0 + t;
            rawbc[i] = tt < T ? p.xdbl[((size_t)b * T + tt) * W + p.R + j] : __float2bfloat16_rn(0.f);
        }
    }
}

// Sum NPT values per lane over the channels of the warp (lane bits OFF = 16 .. LPC) by recursive
// halving: at each level a lane keeps one half and sends the other to its partner, so each level
// costs half the shuffles of the one before. Ends with one value per lane, index idx in 0..NPT-1.
template <int OFF, int M, int LPC, int NPT>
__device__ __forceinline__ void chan_bfly(float (&v)[NPT], int lane, int &idx) {
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
            chan_bfly<OFF / 2, M / 2, LPC, NPT>(v, lane, idx);
        } else {
            v[0] += __shfl_xor_sync(0xffffffff, v[0], OFF);
            chan_bfly<OFF / 2, 1, LPC, NPT>(v, lane, idx);
        }
    }
}
// reduce over the warp's channels and store the N sums of this warp into dst[0..N)
template <int NPT, int LPC>
__device__ __forceinline__ void chan_reduce_store(float (&v)[NPT], float *dst, int lane, int nq) {
    int idx = 0;
    chan_bfly<16, NPT, LPC, NPT>(v, lane, idx);
    constexpr int DUP = (16 / NPT >= LPC) ? 32 / NPT - LPC : 0; // lane bits where partners hold equal sums
    if ((lane & DUP) == 0) { dst[nq * NPT + idx] = v[0]; }
}

template <int N, int NPT, int DC, int CH, int SUB, int MINB>
__global__ void __launch_bounds__(BwdTiled<N, NPT, DC, CH, SUB>::NT, MINB) scan_bwd_tiled(BwdArgs p) {
    using L = BwdTiled<N, NPT, DC, CH, SUB>;
    constexpr int LPC = L::LPC, NT = L::NT, NWARP = L::NWARP, K = L::K, YROW = L::YROW;
    constexpr int EG = DC / 4, EROWS = NT / EG; // epilogue: 4 channels per item, fixed channel group per thread
    extern __shared__ __align__(16) unsigned char smem[];
    bf16 *raw = (bf16 *)smem;                   // [4][CH][DC] + [CH][2N]
    float4 *P = (float4 *)(smem + L::off_P);    // [CH][DC] (delta, delta*u, dy, u)
    float2 *Q = (float2 *)(smem + L::off_Q);    // [CH][DC] (dout*silu'(z), sigmoid(v))
    float *BC = (float *)(smem + L::off_BC);    // [CH][2N]
    float4 *subck = (float4 *)(smem + L::off_sub); // [K-1][NPT/4][NT] states at sub-chunk starts
    float *yp = (float *)(smem + L::off_y);     // [SUB][YROW] lane partials of sum_n C*s
    float2 *rs = (float2 *)(smem + L::off_rs);  // [SUB][DC] (sum_n h*B, sum_n A*h*q*log2(e))
    float *red = (float *)(smem + L::off_red);  // [SUB][NWARP][2N] warp sums of (dB, dC)
    float *bias_s = (float *)(smem + L::off_par), *D_s = bias_s + DC;

    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32, ch = tid / LPC, nq = tid % LPC;
    const int b = blockIdx.y, g = blockIdx.x, G = gridDim.x, d0 = g * DC, d = d0 + ch;
    const int T = p.T, Di = p.Di, nch = ceil_div(T, CH);
    const bool dok = d < Di;
    float *bcpart = p.scratch;
    float *pA = bcpart + (size_t)p.B * G * T * 2 * N, *pD = pA + (size_t)p.B * Di * N, *pT = pD + (size_t)p.B * Di;

    for (int i = tid; i < DC; i += NT) {
        bias_s[i] = d0 + i < Di ? p.dt_bias[d0 + i] : 0.f;
        D_s[i] = d0 + i < Di ? p.D[d0 + i] : 0.f;
    }
    float A2[NPT], hc[NPT], dA[NPT];
#pragma unroll
    for (int j = 0; j < NPT; j++) {
        A2[j] = dok ? -expf(p.A_log[d * N + nq * NPT + j]) * LOG2E_F : 0.f;
        hc[j] = 0.f; // a[t+1]*h[t+1], carried backwards
        dA[j] = 0.f;
    }
    float accD[4] = {0.f, 0.f, 0.f, 0.f}, accT[4] = {0.f, 0.f, 0.f, 0.f};
    const int eg = tid % EG, erow = tid / EG;

    bwd_load_tile<N, DC, CH, NT>(p, raw, b, d0, (nch - 1) * CH, tid);
    cp_async_commit();
    for (int c = nch - 1; c >= 0; c--) {
        const int t0 = c * CH;
        float s0[NPT];
        {
            const float *src = p.states + (((size_t)b * nch + c) * Di + (dok ? d : 0)) * N + nq * NPT;
#pragma unroll
            for (int j = 0; j < NPT; j += 4) {
                float4 v = dok ? *(const float4 *)(src + j) : make_float4(0.f, 0.f, 0.f, 0.f);
                s0[j] = v.x; s0[j + 1] = v.y; s0[j + 2] = v.z; s0[j + 3] = v.w;
            }
        }
        cp_async_wait_all();
        __syncthreads();
        // prep: steps past T act as identity (delta = 0) and contribute nothing (dy = u = sig = 0)
        for (int i = tid; i < CH * DC / 8; i += NT) {
            int t = i / (DC / 8), cg = i % (DC / 8);
            float dr[8], uu[8], zz[8], go[8];
            unpack8(*(const uint4 *)(raw + 0 * CH * DC + t * DC + cg * 8), dr);
            unpack8(*(const uint4 *)(raw + 1 * CH * DC + t * DC + cg * 8), uu);
            unpack8(*(const uint4 *)(raw + 2 * CH * DC + t * DC + cg * 8), zz);
            unpack8(*(const uint4 *)(raw + 3 * CH * DC + t * DC + cg * 8), go);
            bool tok = t0 + t < T;
#pragma unroll
            for (int k = 0; k < 8; k++) {
                float sig, dl = softplus_sig_dev(dr[k] + bias_s[cg * 8 + k], &sig);
                if (!tok) { dl = 0.f; sig = 0.f; }
                float sz = sigmoid_dev(zz[k]);
                P[t * DC + cg * 8 + k] = make_float4(dl, dl * uu[k], go[k] * zz[k] * sz, uu[k]);
                Q[t * DC + cg * 8 + k] = make_float2(go[k] * sz * (1.f + zz[k] * (1.f - sz)), sig);
            }
        }
        for (int i = tid; i < CH * 2 * N / 8; i += NT) {
            float f[8];
            unpack8(*(const uint4 *)(raw + 4 * CH * DC + i * 8), f);
            *(float4 *)(BC + i * 8) = make_float4(f[0], f[1], f[2], f[3]);
            *(float4 *)(BC + i * 8 + 4) = make_float4(f[4], f[5], f[6], f[7]);
        }
        __syncthreads();
        if (c > 0) { bwd_load_tile<N, DC, CH, NT>(p, raw, b, d0, t0 - CH, tid); } // raw is free until the next prep
        cp_async_commit();

        // pre-pass: states at the starts of sub-chunks 1..K-1
        if constexpr (K > 1) {
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
                    for (int j = 0; j < NPT; j++) { s[j] = fmaf(ex2_approx(pd.x * A2[j]), s[j], pd.y * Bv[j]); }
                }
#pragma unroll
                for (int j = 0; j < NPT; j += 4) { subck[((k - 1) * (NPT / 4) + j / 4) * NT + tid] = make_float4(s[j], s[j + 1], s[j + 2], s[j + 3]); }
            }
        }

        for (int k = K - 1; k >= 0; k--) {
            const int ts = k * SUB;
            float sreg[SUB][NPT]; // sreg[i] = state before step ts+i
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
            // forward pass
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
                    s[j] = fmaf(ex2_approx(pd.x * A2[j]), s[j], pd.y * Bv[j]);
                    y = fmaf(Cv[j], s[j], y);
                    dc[j] = pd.z * s[j];
                }
                yp[i * YROW + nq * DC + ch] = y;
                chan_reduce_store<NPT, LPC>(dc, red + (i * NWARP + warp) * 2 * N + N, lane, nq);
            }
            // reverse pass
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
                    float a = ex2_approx(pd.x * A2[j]);
                    float h = fmaf(Cv[j], pd.z, hc[j]);
                    hc[j] = a * h;
                    float hq = hc[j] * sreg[i][j]; // h * a * s[t-1]
                    ahq = fmaf(A2[j], hq, ahq);
                    dA[j] = fmaf(pd.x, hq, dA[j]);
                    hb = fmaf(h, Bv[j], hb);
                    db[j] = h * pd.y;
                }
                if constexpr (LPC == 1) {
                    rs[i * DC + ch] = make_float2(hb, ahq);
                } else { // lanes of a channel: the even lane ends with sum hb, the odd one with sum ahq
                    const bool odd = lane & 1;
                    float keep = (odd ? ahq : hb) + __shfl_xor_sync(0xffffffff, odd ? hb : ahq, 1);
#pragma unroll
                    for (int off = 2; off < LPC; off *= 2) { keep += __shfl_xor_sync(0xffffffff, keep, off); }
                    if (nq < 2) { ((float *)(rs + i * DC + ch))[nq] = keep; }
                }
                chan_reduce_store<NPT, LPC>(db, red + (i * NWARP + warp) * 2 * N, lane, nq);
            }
            __syncthreads();
            // epilogue over the SUB steps: per-element outputs
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
                    float ddr = (pd.w * rr.x + LN2_F * rr.y) * qq.y;
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
            // dB/dC: this block's partial sums (over its DC channels), fixed warp order
            for (int i = tid; i < SUB * 2 * N; i += NT) {
                const int r = i / (2 * N), j = i % (2 * N), tt = t0 + ts + r;
                float sum = 0.f;
#pragma unroll
                for (int w = 0; w < NWARP; w++) { sum += red[(r * NWARP + w) * 2 * N + j]; }
                if (tt < T) { bcpart[(((size_t)b * G + g) * T + tt) * 2 * N + j] = sum; }
            }
            __syncthreads();
        }
    }
    // parameter partials for this batch row
    if (dok) {
#pragma unroll
        for (int j = 0; j < NPT; j += 4) {
            *(float4 *)(pA + ((size_t)b * Di + d) * N + nq * NPT + j) = make_float4(dA[j], dA[j + 1], dA[j + 2], dA[j + 3]);
        }
    }
    float2 *acc = (float2 *)P; // [EROWS][DC], P is free now
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

// ----------------------------------------------------------------------------
// launchers

template <int NPT, int DC, int SUB, int MINB> static void launch_bwd_tiled(const BwdArgs &p) {
    using L = BwdTiled<16, NPT, DC, CHUNK, SUB>;
    auto kern = scan_bwd_tiled<16, NPT, DC, CHUNK, SUB, MINB>;
    cudaCheck(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)L::smem));
    dim3 grid(ceil_div(p.Di, DC), p.B);
    kern<<<grid, L::NT, L::smem>>>(p);
    cudaCheckLaunch();
    launch_reduce<16>(p, grid.x);
}

static const int NUM_VERSIONS = 19;
static const char *version_name[NUM_VERSIONS] = {
    "v0 scan.cuh, ckpt every 8", "v1 warp/channel warp-scans", "v2 thread/channel 16 states",
    "v3 4 lanes/channel SUB=16", "v4 2 lanes/channel SUB=8", "v5 4 lanes/channel SUB=8",
    "v6 pair 1ch SUB8 a+p cache", "v7 pair 2ch SUB8 a cache", "v8 pair 1ch SUB16 no cache",
    "v9 pair 2ch SUB8 a+p cache", "v10 pair 1ch SUB8 a, 4 blk", "v11 v6 + batched stores",
    "v12 v7 + batched stores", "v13 v10 + batched stores", "v14 v9 + batched stores",
    "v15 v11 + ckpt every 8 steps", "v16 v14 + ckpt every 8 steps", "v17 scan.cuh, ckpt every 32",
    "v18 scan.cuh, ckpt 32, y read"};
// the versions whose backward reads the forward's y (the trainer's -r 0; v18 with a checkpoint every 32 steps)
static bool uses_y(int version) { return version == 0 || version == 18; }
// versions reading a checkpoint every SUB8 steps (the trainer's at -r 0: v0)
static bool is_fine(int version) { return version == 0 || version == 15 || version == 16; }
static bool is_header(int version) { return version == 0 || version == 17 || version == 18; }

static ScanParams to_params(const BwdArgs &a) {
    ScanParams p = {};
    p.du = a.du; p.d_delta_raw = a.d_delta_raw; p.dxz = a.dxz; p.dxdbl = a.dxdbl; p.dA_log = a.dA_log; p.dD = a.dD;
    p.d_dt_bias = a.d_dt_bias; p.scratch = a.scratch; p.dout = a.dout; p.states = (float *)a.states; p.u = a.u;
    p.delta_raw = a.delta_raw; p.dt_bias = a.dt_bias; p.A_log = a.A_log; p.xdbl = a.xdbl; p.R = a.R; p.D = a.D;
    p.xz = a.xz; p.B = a.B; p.T = a.T; p.Di = a.Di; p.out = a.yg;
    return p;
}
static const int SUB8 = CHUNK < 8 ? CHUNK : 8, SUB16 = CHUNK < 16 ? CHUNK : 16;
static const int SUB_V2 = 4, SUB_V3 = CHUNK < 16 ? CHUNK : 16, SUB_V4 = 8, SUB_V5 = 8;
static int version_groups(int version, int Di) {
    switch (version) {
    case 0: case 17: case 18: return -1;
    case 1: return Di / 8;
    case 2: return ceil_div(Di, 64);
    default: return ceil_div(Di, 32);
    }
}

void scan_backward(int version, const BwdArgs &p) {
    if (!is_header(version) && p.N != 16) { fprintf(stderr, "this playground is built for N=16\n"); exit(1); }
    switch (version) {
    case 0: case 17: case 18: // asked to write the gated output again (the trainer's -r 2), versions 0 and 18 recompute y too
        selective_scan_backward(p.yg, uses_y(version) && p.yg == NULL ? p.y : NULL, p.du, p.d_delta_raw, p.dxz, p.dxdbl, p.dA_log, p.dD, p.d_dt_bias, p.scratch, p.dout,
                                version == 0 ? p.states_fine : p.states, p.u, p.delta_raw, p.dt_bias, p.A_log, p.xdbl, p.R,
                                p.D, p.xz, p.B, p.T, p.Di, p.N, version == 0, 0);
        cudaCheckLaunch();
        break;
    case 1: {
        constexpr int WIN = CHUNK > 32 ? CHUNK : 32;
        size_t smem = (size_t)8 * WIN * 2 * 16 * 4;
        cudaCheck(cudaFuncSetAttribute(scan_bwd_v1<16>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
        dim3 grid(p.Di / 8, p.B);
        scan_bwd_v1<16><<<grid, 256, smem>>>(p);
        cudaCheckLaunch();
        launch_reduce<16>(p, grid.x);
        break;
    }
    case 2: launch_bwd_tiled<16, 64, SUB_V2, 1>(p); break;
    case 3: launch_bwd_tiled<4, 32, SUB_V3, 3>(p); break;
    case 4: launch_bwd_tiled<8, 32, SUB_V4, 3>(p); break;
    case 5: launch_bwd_tiled<4, 32, SUB_V5, 4>(p); break;
    case 6: selective_scan_backward_launch<16, 4, 1, 32, SUB8, true, true, false, 3>(to_params(p), 0); cudaCheckLaunch(); break;
    case 7: selective_scan_backward_launch<16, 4, 2, 32, SUB8, true, false, false, 4>(to_params(p), 0); cudaCheckLaunch(); break;
    case 8: selective_scan_backward_launch<16, 4, 1, 32, SUB16, false, false, false, 3>(to_params(p), 0); cudaCheckLaunch(); break;
    case 9: selective_scan_backward_launch<16, 4, 2, 32, SUB8, true, true, false, 4>(to_params(p), 0); cudaCheckLaunch(); break;
    case 10: selective_scan_backward_launch<16, 4, 1, 32, SUB8, true, false, false, 4>(to_params(p), 0); cudaCheckLaunch(); break;
    case 11: selective_scan_backward_launch<16, 4, 1, 32, SUB8, true, true, true, 3>(to_params(p), 0); cudaCheckLaunch(); break;
    case 12: selective_scan_backward_launch<16, 4, 2, 32, SUB8, true, false, true, 4>(to_params(p), 0); cudaCheckLaunch(); break;
    case 13: selective_scan_backward_launch<16, 4, 1, 32, SUB8, true, false, true, 4>(to_params(p), 0); cudaCheckLaunch(); break;
    case 14: selective_scan_backward_launch<16, 4, 2, 32, SUB8, true, true, true, 4>(to_params(p), 0); cudaCheckLaunch(); break;
    case 15: case 16: {
        ScanParams q = to_params(p);
        q.states = (float *)p.states_fine;
        if (version == 15) { selective_scan_backward_launch<16, 4, 1, 32, SUB8, true, true, true, 3, true>(q, 0); }
        else { selective_scan_backward_launch<16, 4, 2, 32, SUB8, true, true, true, 4, true>(q, 0); }
        cudaCheckLaunch();
        break;
    }
    default: fprintf(stderr, "unknown version %d\n", version); exit(1);
    }
}

// ----------------------------------------------------------------------------
// device buffers

struct DevSet {
    BwdArgs a;
    bf16 *out;  // forward output, for forward+backward timing
    float *states_w;
    size_t states_n;
    float *states_fine_w;
    size_t states_fine_n;
    bf16 *y_w;  // the forward's y (version 0's)
};

static DevSet upload_set(const HostIn &h, float *scratch) {
    DevSet s;
    BwdArgs &a = s.a;
    size_t BTD = (size_t)h.B * h.T * h.Di;
    int W = h.R + 2 * h.N;
    a.B = h.B; a.T = h.T; a.Di = h.Di; a.N = h.N; a.R = h.R;
    a.yg = NULL;
    s.states_n = (size_t)h.B * ceil_div(h.T, CHUNK) * h.Di * h.N;
    s.states_fine_n = s.states_n * (CHUNK / SUB8);
    a.du = dmalloc<bf16>(BTD); a.d_delta_raw = dmalloc<bf16>(BTD); a.dxz = dmalloc<bf16>(2 * BTD);
    a.dxdbl = dmalloc<bf16>((size_t)h.B * h.T * W);
    a.dA_log = dmalloc<float>((size_t)h.Di * h.N); a.dD = dmalloc<float>(h.Di); a.d_dt_bias = dmalloc<float>(h.Di);
    a.scratch = scratch;
    bf16 *dout = dmalloc<bf16>(BTD), *u = dmalloc<bf16>(BTD), *dr = dmalloc<bf16>(BTD), *xd = dmalloc<bf16>((size_t)h.B * h.T * W), *xz = dmalloc<bf16>(2 * BTD);
    float *st = dmalloc<float>(s.states_n), *bias = dmalloc<float>(h.Di), *al = dmalloc<float>(h.A_log.size()), *D = dmalloc<float>(h.Di);
    size_t nxd = (size_t)h.B * h.T * W;
    if (!h.u.empty()) {
        upload_bf16(dout, h.dout.data(), BTD); upload_bf16(u, h.u.data(), BTD); upload_bf16(dr, h.delta_raw.data(), BTD);
        upload_bf16(xd, h.xdbl.data(), nxd); upload_bf16(xz, h.xz.data(), 2 * BTD);
    } else {
        uint64_t sd = h.seed * 16;
        fill_normal_bf16_dev(dout, BTD, 0.f, 1.f, sd + 1); fill_normal_bf16_dev(u, BTD, 0.f, 1.f, sd + 2);
        fill_normal_bf16_dev(dr, BTD, -4.f, 0.5f, sd + 3); fill_normal_bf16_dev(xd, nxd, 0.f, 1.f, sd + 4);
        fill_normal_bf16_dev(xz, 2 * BTD, 0.f, 1.f, sd + 5);
    }
    upload_f32(bias, h.dt_bias.data(), h.Di); upload_f32(al, h.A_log.data(), h.A_log.size()); upload_f32(D, h.D.data(), h.Di);
    upload_f32(a.dA_log, h.dA0.data(), h.dA0.size()); upload_f32(a.dD, h.dD0.data(), h.Di); upload_f32(a.d_dt_bias, h.ddt0.data(), h.Di);
    cudaCheck(cudaMemset(st, 0, s.states_n * 4));
    a.dout = dout; a.u = u; a.delta_raw = dr; a.xdbl = xd; a.xz = xz; a.states = st; a.dt_bias = bias; a.A_log = al; a.D = D;
    s.states_w = st;
    s.states_fine_w = dmalloc<float>(s.states_fine_n);
    cudaCheck(cudaMemset(s.states_fine_w, 0, s.states_fine_n * 4));
    a.states_fine = s.states_fine_w;
    s.out = dmalloc<bf16>(BTD);
    s.y_w = dmalloc<bf16>(BTD);
    cudaCheck(cudaMemset(s.y_w, 0, BTD * 2));
    a.y = s.y_w;
    return s;
}
static void free_set(DevSet &s) {
    BwdArgs &a = s.a;
    void *ptrs[] = {a.du, a.d_delta_raw, a.dxz, a.dxdbl, a.dA_log, a.dD, a.d_dt_bias, (void *)a.dout, (void *)a.u,
                    (void *)a.delta_raw, (void *)a.xdbl, (void *)a.xz, (void *)a.states, (void *)a.dt_bias,
                    (void *)a.A_log, (void *)a.D, s.out, s.states_fine_w, s.y_w};
    for (void *q : ptrs) { cudaCheck(cudaFree(q)); }
}

// forward of the trainer (v0 of the forward playground, v11 with_y: y too), used to time forward+backward
static void run_forward(const DevSet &s, bool with_y = false) {
    const BwdArgs &a = s.a;
    selective_scan_forward(s.out, with_y ? s.y_w : NULL, s.states_w, NULL, a.u, a.delta_raw, a.dt_bias, a.A_log, a.xdbl, a.R, a.D, a.xz, a.B, a.T, a.Di, a.N, 0, 0);
    cudaCheckLaunch();
}

// the trainer's forward writing a checkpoint every SUB8 steps (for versions 0, 15, 16), and with_y y too
static void run_forward_fine(const DevSet &s, bool with_y) {
    const BwdArgs &a = s.a;
    ScanParams q = {};
    q.out = s.out; q.y = with_y ? s.y_w : NULL; q.states = s.states_fine_w; q.u = a.u; q.delta_raw = a.delta_raw; q.dt_bias = a.dt_bias; q.A_log = a.A_log;
    q.xdbl = a.xdbl; q.R = a.R; q.D = a.D; q.xz = a.xz; q.B = a.B; q.T = a.T; q.Di = a.Di;
    selective_scan_forward(q.out, q.y, q.states, NULL, q.u, q.delta_raw, q.dt_bias, q.A_log, q.xdbl, q.R, q.D, q.xz, q.B, q.T, q.Di, a.N, 1, 0);
    cudaCheckLaunch();
}
static void run_forward_for(int version, const DevSet &s) {
    if (is_fine(version)) { run_forward_fine(s, uses_y(version)); } else { run_forward(s, uses_y(version)); }
}

static size_t max_scratch_floats(int B, int T, int Di, int N) {
    size_t m = selective_scan_scratch_bytes(B, T, Di, N) / 4 + 1;
    for (int v = 1; v < NUM_VERSIONS; v++) {
        if (!is_header(v)) { m = std::max(m, scratch_floats(B, T, Di, N, version_groups(v, Di))); }
    }
    return m;
}

// ----------------------------------------------------------------------------
// check one version at one shape

static int check_version(int version, int B, int T, int Di, int R, uint64_t seed, int wide, int N) {
    const int W = R + 2 * N;
    HostIn h = make_inputs(B, T, Di, N, R, seed, wide);
    float *scratch = dmalloc<float>(max_scratch_floats(B, T, Di, N));
    DevSet s = upload_set(h, scratch);
    size_t BTD = (size_t)B * T * Di;
    RefGrads ref = scan_reference_cpu(h, CHUNK);
    // checkpoints from the reference (fp32), so the backward is checked on its own
    std::vector<float> stf(s.states_n);
    for (size_t i = 0; i < s.states_n; i++) { stf[i] = (float)ref.states[i]; }
    upload_f32(s.states_w, stf.data(), s.states_n);
    int bad = 0;
    if (is_fine(version)) { // checkpoints every SUB8 steps: the fine forward's, checked against the reference first
        RefGrads ref8 = scan_reference_cpu(h, SUB8);
        poison(s.states_fine_w, s.states_fine_n * 4);
        poison(s.out, BTD * 2);
        poison(s.y_w, BTD * 2);
        run_forward_fine(s, uses_y(version));
        cudaCheck(cudaDeviceSynchronize());
        std::vector<float> stfine = download_f32(s.states_fine_w, s.states_fine_n), out = download_bf16(s.out, BTD);
        if (uses_y(version)) {
            std::vector<float> y = download_bf16(s.y_w, BTD);
            bad += report_err("fine fwd y (before the gate)", rel_err(y.data(), ref.y.data(), BTD), 5e-3);
        }
        const size_t n8 = ceil_div(T, SUB8), nk = s.states_fine_n / ((size_t)B * Di * N), per = (size_t)Di * N;
        std::vector<float> got((size_t)B * n8 * per);
        for (int b = 0; b < B; b++) { memcpy(&got[(size_t)b * n8 * per], &stfine[(size_t)b * nk * per], n8 * per * 4); }
        bad += report_err("fine fwd states", rel_err(got.data(), ref8.states.data(), got.size()), 1e-4);
        bad += report_err("fine fwd out", rel_err(out.data(), ref.out.data(), BTD), 5e-3);
        size_t nonfinite = 0;
        for (float v : stfine) { nonfinite += !std::isfinite(v); }
        if (nonfinite) { printf("    %zu fine checkpoints not written FAIL\n", nonfinite); bad++; }
    }
    if (uses_y(version) && !is_fine(version)) { // y and the checkpoints from the forward (as for the fine versions),
        poison(s.y_w, BTD * 2);                    // so that y recomputed from them has the bits of the y read
        poison(s.states_w, s.states_n * 4);
        run_forward(s, true);
        cudaCheck(cudaDeviceSynchronize());
        std::vector<float> y = download_bf16(s.y_w, BTD), st = download_f32(s.states_w, s.states_n);
        bad += report_err("fwd y (before the gate)", rel_err(y.data(), ref.y.data(), BTD), 5e-3);
        bad += report_err("fwd states", rel_err(st.data(), ref.states.data(), s.states_n), 1e-4);
    }
    poison(s.a.du, BTD * 2); poison(s.a.d_delta_raw, BTD * 2); poison(s.a.dxz, BTD * 4);
    poison(s.a.dxdbl, (size_t)B * T * W * 2);
    poison(scratch, max_scratch_floats(B, T, Di, N) * 4);
    scan_backward(version, s.a);
    cudaCheck(cudaDeviceSynchronize());
    printf("  check %-28s B=%d T=%d Di=%d R=%d N=%d CHUNK=%d%s\n", version_name[version], B, T, Di, R, N, CHUNK, wide ? " wide-delta" : "");
    std::vector<float> du = download_bf16(s.a.du, BTD), ddr = download_bf16(s.a.d_delta_raw, BTD);
    std::vector<float> dxz = download_bf16(s.a.dxz, 2 * BTD), dxd = download_bf16(s.a.dxdbl, (size_t)B * T * W);
    std::vector<float> dA = download_f32(s.a.dA_log, (size_t)Di * N), dD = download_f32(s.a.dD, Di), ddt = download_f32(s.a.d_dt_bias, Di);
    std::vector<float> dz(BTD), dB((size_t)B * T * N), dC((size_t)B * T * N);
    size_t untouched_bad = 0;
    for (size_t bt = 0; bt < (size_t)B * T; bt++) {
        for (int dd = 0; dd < Di; dd++) {
            dz[bt * Di + dd] = dxz[bt * 2 * Di + Di + dd];
            if (!isnan(dxz[bt * 2 * Di + dd])) { untouched_bad++; } // x slot belongs to another kernel
        }
        for (int n = 0; n < N; n++) { dB[bt * N + n] = dxd[bt * W + R + n]; dC[bt * N + n] = dxd[bt * W + R + N + n]; }
        for (int r = 0; r < R; r++) { if (!isnan(dxd[bt * W + r])) { untouched_bad++; } }
    }
    bad += report_err("du", rel_err(du.data(), ref.du.data(), BTD), 5e-3);
    bad += report_err("d_delta_raw", rel_err(ddr.data(), ref.ddr.data(), BTD), 5e-3);
    bad += report_err("dz", rel_err(dz.data(), ref.dz.data(), BTD), 5e-3);
    bad += report_err("dB", rel_err(dB.data(), ref.dB.data(), dB.size()), 5e-3);
    bad += report_err("dC", rel_err(dC.data(), ref.dC.data(), dC.size()), 5e-3);
    bad += report_err("dA_log", rel_err(dA.data(), ref.dA_log.data(), dA.size()), 1e-4);
    bad += report_err("dD", rel_err(dD.data(), ref.dD.data(), Di), 1e-4);
    bad += report_err("d_dt_bias", rel_err(ddt.data(), ref.ddt.data(), Di), 1e-4);
    if (untouched_bad) { printf("    %zu elements outside our slots were written FAIL\n", untouched_bad); bad++; }
    // determinism: reset the accumulated grads, run again, compare bits
    upload_f32(s.a.dA_log, h.dA0.data(), h.dA0.size()); upload_f32(s.a.dD, h.dD0.data(), Di); upload_f32(s.a.d_dt_bias, h.ddt0.data(), Di);
    scan_backward(version, s.a);
    cudaCheck(cudaDeviceSynchronize());
    std::vector<float> du2 = download_bf16(s.a.du, BTD), dxd2 = download_bf16(s.a.dxdbl, (size_t)B * T * W);
    std::vector<float> dA2 = download_f32(s.a.dA_log, (size_t)Di * N), ddt2 = download_f32(s.a.d_dt_bias, Di);
    if (memcmp(du.data(), du2.data(), BTD * 4) || memcmp(dxd.data(), dxd2.data(), dxd.size() * 4) ||
        memcmp(dA.data(), dA2.data(), dA.size() * 4) || memcmp(ddt.data(), ddt2.data(), Di * 4)) {
        printf("    NOT bitwise reproducible FAIL\n");
        bad++;
    }
    if (uses_y(version)) { // y read or recomputed: every output bitwise the same (the trainer's -r 0 / -r 1 against -r 2)
        std::vector<float> dxz2 = download_bf16(s.a.dxz, 2 * BTD), ddr2 = download_bf16(s.a.d_delta_raw, BTD);
        std::vector<float> dD2 = download_f32(s.a.dD, Di);
        upload_f32(s.a.dA_log, h.dA0.data(), h.dA0.size()); upload_f32(s.a.dD, h.dD0.data(), Di); upload_f32(s.a.d_dt_bias, h.ddt0.data(), Di);
        poison(s.a.du, BTD * 2); poison(s.a.d_delta_raw, BTD * 2); poison(s.a.dxz, BTD * 4); poison(s.a.dxdbl, (size_t)B * T * W * 2);
        BwdArgs no_y = s.a;
        no_y.y = NULL;
        scan_backward(version, no_y);
        cudaCheck(cudaDeviceSynchronize());
        auto bits = [](const std::vector<float> &x, const std::vector<float> &y) {
            return x.size() == y.size() && memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
        };
        const bool same = bits(download_bf16(s.a.du, BTD), du2) && bits(download_bf16(s.a.d_delta_raw, BTD), ddr2) &&
                          bits(download_bf16(s.a.dxz, 2 * BTD), dxz2) && bits(download_bf16(s.a.dxdbl, (size_t)B * T * W), dxd2) &&
                          bits(download_f32(s.a.dA_log, (size_t)Di * N), dA2) && bits(download_f32(s.a.dD, Di), dD2) &&
                          bits(download_f32(s.a.d_dt_bias, Di), ddt2);
        printf("    with y recomputed       %s\n", same ? "every output bitwise the same  ok" : "outputs differ  FAIL");
        bad += !same;
    }
    // the trainer's forward (scan.cuh) against the same reference: out and checkpoints
    if (is_header(version) || version == 11 || version == 14 || is_fine(version)) {
        poison(s.out, BTD * 2);
        poison(s.states_w, s.states_n * 4);
        poison(s.states_fine_w, s.states_fine_n * 4);
        run_forward(s);
        if (is_fine(version)) { run_forward_fine(s, uses_y(version)); } // same out, bitwise; the fine checkpoints
        cudaCheck(cudaDeviceSynchronize());
        std::vector<float> out = download_bf16(s.out, BTD), st = download_f32(s.states_w, s.states_n);
        if (is_header(version)) {
            bad += report_err("fwd out", rel_err(out.data(), ref.out.data(), BTD), 5e-3);
            bad += report_err("fwd states", rel_err(st.data(), ref.states.data(), s.states_n), 1e-4);
        }
        // from the forward's own checkpoints, the backward's recomputed gated output (the trainer's
        // -r 2) must be the forward's, bit for bit, in the trainer's layouts
        s.a.yg = dmalloc<bf16>(BTD);
        poison(s.a.yg, BTD * 2);
        scan_backward(version, s.a);
        cudaCheck(cudaDeviceSynchronize());
        std::vector<float> yg = download_bf16(s.a.yg, BTD);
        const bool same = memcmp(yg.data(), out.data(), BTD * sizeof(float)) == 0;
        printf("    recomputed out          %s\n", same ? "bitwise equal to the forward's  ok" : "differs from the forward's  FAIL");
        bad += !same;
        dfree(s.a.yg);
        s.a.yg = NULL;
    }
    free_set(s);
    dfree(scratch);
    return bad;
}

// ----------------------------------------------------------------------------
// benchmark: backward alone and forward+backward, rotating over 3 input sets

static void bench(const std::vector<int> &versions, int B, int T, int Di, int R, double copy_gbps) {
    const int N = 16, NSETS = 3;
    float *scratch = dmalloc<float>(max_scratch_floats(B, T, Di, N));
    std::vector<DevSet> sets;
    for (int k = 0; k < NSETS; k++) {
        HostIn h = make_inputs(B, T, Di, N, R, 2000 + k, 0, 0);
        sets.push_back(upload_set(h, scratch));
        run_forward(sets.back()); // real checkpoints
        run_forward_fine(sets.back(), true);
        // SCAN_BWD_OUT=1: time the backward that also writes the gated output again (the trainer's -r 2),
        // into the forward's output buffer (the same values)
        if (getenv("SCAN_BWD_OUT")) { sets.back().a.yg = sets.back().out; }
    }
    if (getenv("SCAN_BWD_OUT")) { printf("(SCAN_BWD_OUT: the backward also writes the gated output)\n"); }
    cudaCheck(cudaDeviceSynchronize());
    size_t BTD = (size_t)B * T * Di;
    double bc = (double)B * T * 2 * N * 2, st = sets[0].states_n * 4.0;
    // backward: u, delta_raw, z, dout, B/C, checkpoints read; du, d_delta_raw, dz, dB/dC written
    double bytes_b = BTD * 2.0 * 4 + bc + st + BTD * 2.0 * 3 + bc;
    // forward+backward: the forward adds u, delta_raw, z, B/C reads, out and checkpoint writes
    double bytes_fb = bytes_b + BTD * 2.0 * 3 + bc + BTD * 2.0 + st;
    printf("\nbackward B=%d T=%d Di=%d N=%d R=%d CHUNK=%d: %.1f MB (bwd), %.1f MB (fwd+bwd) at minimum\n", B, T, Di, N, R,
           CHUNK, bytes_b / 1e6, bytes_fb / 1e6);
    printf("  %-30s %9s %8s %7s | %9s %8s %7s\n", "version", "bwd ms", "GB/s", "%copy", "fwd+bwd", "GB/s", "%copy");
    for (int v : versions) {
        int reps = v == 1 ? 10 : 40;
        float ms_b = time_median_ms([&](int i) { scan_backward(v, sets[i % NSETS].a); }, 3, reps);
        float ms_fb = time_median_ms([&](int i) { run_forward_for(v, sets[i % NSETS]); scan_backward(v, sets[i % NSETS].a); }, 3, reps);
        // fine versions read 4x the checkpoints, and their forward writes them
        // (and the forward of versions 0 and 18 writes y, which their backward reads)
        const double extra = is_fine(v) ? (double)(sets[0].states_fine_n - sets[0].states_n) * 4.0 : 0.0, ey = uses_y(v) ? BTD * 2.0 : 0.0;
        double g1 = (bytes_b + extra + ey) / (ms_b * 1e-3) / 1e9, g2 = (bytes_fb + 2 * extra + 2 * ey) / (ms_fb * 1e-3) / 1e9;
        printf("  %-30s %9.4f %8.1f %6.1f%% | %9.4f %8.1f %6.1f%%\n", version_name[v], ms_b, g1, 100 * g1 / copy_gbps, ms_fb,
               g2, 100 * g2 / copy_gbps);
    }
    for (auto &s : sets) { free_set(s); }
    dfree(scratch);
}

int main(int argc, char **argv) {
    std::vector<int> versions;
    const bool check_only = parse_version_args(argc, argv, NUM_VERSIONS, versions, 0) || getenv("SCAN_CHECK_ONLY");
    print_device();
    if (getenv("SCAN_PROFILE")) { // one forward and one backward per version at the large shape, for ncu
        float *scratch = dmalloc<float>(max_scratch_floats(8, 2048, 1536, 16));
        DevSet s = upload_set(make_inputs(8, 2048, 1536, 16, 48, 3000, 0, 0), scratch);
        run_forward(s);
        run_forward_fine(s, true);
        for (int v : versions) { scan_backward(v, s.a); }
        cudaCheck(cudaDeviceSynchronize());
        return 0;
    }
    int bad = 0;
    printf("checks (fresh random inputs each, outputs poisoned with NaN first):\n");
    uint64_t seed = 11;
    for (int v : versions) {
        bad += check_version(v, 2, 300, 256, 48, seed++, 0, 16);
        bad += check_version(v, 1, 77, 72, 13, seed++, 1, 16);
        bad += check_version(v, 3, 129, 136, 24, seed++, 1, 16);
        if (is_header(v)) { // the trainer's header also takes N = 8 and 32
            bad += check_version(v, 2, 100, 64, 16, seed++, 1, 8);
            bad += check_version(v, 2, 100, 96, 16, seed++, 1, 32);
            // Di a multiple of 3 groups of 32 channels: the blocks of SCAN_BWD_GROUPS groups (N = 8 and 16), at T
            // of one sub-chunk, with chunks and sub-chunks past T, and long
            bad += check_version(v, 2, 5, 96, 8, seed++, 1, 16);
            bad += check_version(v, 3, 1000, 288, 24, seed++, 1, 16);
            bad += check_version(v, 2, 77, 192, 16, seed++, 1, 8);
            // 4 blocks per SM (Di = 264: 9 groups of 32 channels, the last partial): the header's
            // 2-channel layout
            const int Bw = 4 * selective_scan_num_sms() / 9; // a full wave of the 2-channel layout, 2/3 of the other
            printf("  (next check: %s backward layout)\n", selective_scan_bwd_two_channels(Bw, 264) ? "2-channel" : "1-channel");
            bad += check_version(v, Bw, 40, 264, 24, seed++, 1, 16);
        }
    }
    printf("checks: %s (%d failures)\n", bad ? "FAILED" : "all passed", bad);
    if (check_only) { return bad ? 1 : 0; } // e.g. under compute-sanitizer
    double copy = measure_copy_gbps();
    printf("device-to-device copy: %.1f GB/s (read + write)\n", copy);
    bench(versions, 8, 2048, 1536, 48, copy);
    bench(versions, 16, 1024, 1024, 32, copy);
    bench(versions, 32, 1024, 768, 24, copy); // the byte-level model's layers
    return bad ? 1 : 0;
}
