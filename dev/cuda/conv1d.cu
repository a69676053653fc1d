/*
Causal depthwise conv1d fused with SiLU (Mamba's x branch), forward and backward.

Per (b, t, d), x = 0 before the sequence start:
    xc  = bias[d] + sum_k w[d,k] x[b, t-(K-1)+k, d],      u = silu(xc) = xc * sigmoid(xc)
    dxc = du * silu'(xc),  silu'(v) = s (1 + v (1 - s)),  s = sigmoid(v)
    dx[t] = sum_k w[d,k] dxc[t+(K-1)-k]     (overwrites the x half of dxz)
    dw[d,k] += sum_{b,t} dxc[t] x[t-(K-1)+k],   dbias[d] += sum_{b,t} dxc[t]
Layouts as in the trainer: x = xz[:, :, 0:Di] of in_proj's output xz (B,T,2Di), rows ldx = 2Di apart;
dx goes to the same slot of dxz; u, du (B,T,Di) bf16; w (Di,K), bias (Di) fp32 master weights;
dw, dbias fp32, accumulated (+=) in a fixed order (bitwise reproducible, no atomics).

Build and run:
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o conv1d dev/cuda/conv1d.cu
    ./conv1d            # checks every version (exits 1 on any failure), then benchmarks, then a table
    ./conv1d --check    # checks only (e.g. under compute-sanitizer)
    ./conv1d 2 3        # only versions 2 and 3

version 1: the first trainer kernels (git dc87a96): forward one thread per element, recomputing the
           K-tap sum; backward one thread per element writes dxc (fp32 scratch, B*T*Di), a second
           pass computes dx from it, and dw/dbias are (K+1)*Di column sums over B*T rows
           (llmc/cuda/reduce.cuh), each column re-reading dxc and x
version 2: llmc/cuda/conv1d.cuh, the trainer's kernels (the header itself is included): version 12's,
           i.e. version 9's forward and version 3's backward with the MUFU sigmoid (one channel per
           thread when Di is odd)
version 3: version 6 with 2 channels per thread (bf16x2 loads and stores); the backward block is
           32 channel pairs x 8 tiles and sums its 8 tiles' dw/dbias partials in shared memory
           before writing them: 8x less scratch traffic, same finish kernel. Versions 3-5 and 7-9
           launch the header's templates with their own VEC, TT and PRE (PRE = false: the forward
           thread slides along its tile, one row load per step)
version 4: v3 with 32 steps per tile: half the halo re-reads (K-1 rows of x, and in the backward
           K-1 more rows of x and du per tile) and half the partials again
version 5: v3 with 4 channels per thread (8-byte loads and stores)
version 6: the previous trainer kernels (git e12577f llmc/cuda/conv1d.cuh, copied here): thread per (b, tile of CONV_TT=16 steps, channel) sliding a K-wide window in
           registers; the backward recomputes xc, writes dx, and leaves per-tile dw/dbias partials
           (B*T/16*(K+1)*Di floats, about 40% of the kernel's own traffic at the 130m shape) for the
           fixed-order finish kernel
version 7: v3's forward with every load of the tile issued before the first use (PRE = true, the
           tile's rows in registers): TT+K-1 loads in flight per thread instead of one
version 8: v7 with 32 steps per tile
version 9: v7 with 8 steps per tile (fewer registers, more halo re-reads). Now the trainer's forward.
           Versions 7-11 change only the forward (their backward is v3's; v11's v5's); the same preload in the
           backward (x and du rows of the tile and its halo first: git ab238dd) was slower at every
           TT tried (16: 0.131 vs 0.114 ms, 32: 0.185, 8: 0.136; 128 registers at TT 16)
version 10: v7 with 4 steps per tile
version 11: v9 with 4 channels per thread
version 12: v9's forward and v3's backward with the sigmoid from MUFU approximations (__expf,
           __fdividef) instead of expf and an IEEE division (ncu: the kernels were issue-bound,
           75% / 68% of issue slots busy at 24% / 23% of DRAM bandwidth)
Since 2026-12-01 (twenty-first session) the header's backward takes __restrict__ pointers, so its x and
du loads are ld.global.nc and the compiler may issue them ahead of earlier steps' dx stores (before,
each step's loads waited behind the previous step's store): v2 0.0822 -> 0.0777 ms at B=8 T=2048
Di=1536, 0.0856 -> 0.0809 at B=32 T=1024 Di=768, bitwise the same. Tried then (git 268066a has them as
versions 13-15): every x and du row of a backward tile loaded, packed, before its first step (PRE): 123
registers at TT 16, 0.0739 ms at B=8 but 0.0820 at B=32; TT 8 0.0855 / 0.0911, TT 32 (233 registers)
0.106 / 0.133. The kernel is not short of loads in flight (46-48% of the copy rate either way);
end to end no version differed beyond the runs' spread (doc/perf.md).
Since version 12, versions 3-12 run the header's current kernels: a division-free grid in the forward
(was: 64-bit divisions by runtime sizes per thread) and interior tiles without bound tests, the
backward's fully unrolled. v2 = v12 now; doc/perf.md has the numbers before and after. (The accurate
sigmoid is now xc * (1 / (1 + e)) instead of xc / (1 + e): within an ulp of the older versions.)
*/
#include <string>
#include "../../llmc/cuda/conv1d.cuh"
#include "../../llmc/cuda/reduce.cuh"
#include "common.h" // after the llmc header: its cuda_check / ceil_div are used

#ifdef ENABLE_FP32
#error "this playground measures the bf16 build (floatX = bf16)"
#endif
typedef __nv_bfloat16 bf16;

// ----------------------------------------------------------------------------
// CPU reference, double precision (inputs converted to double by the caller)

static double sigmoid_d(double v) { return 1.0 / (1.0 + exp(-v)); }

static double conv_xc(const double *xz, const double *w, const double *bias, int b, int t, int d, int T, int Di, int K) {
    double acc = bias[d];
    for (int k = 0; k < K; k++) {
        int ts = t - (K - 1) + k;
        if (ts >= 0) { acc += w[d * K + k] * xz[((size_t)b * T + ts) * 2 * Di + d]; }
    }
    return acc;
}

// u (B,T,Di)
static void conv_forward_cpu(double *u, const double *xz, const double *w, const double *bias, int B, int T, int Di, int K) {
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++) {
            for (int d = 0; d < Di; d++) {
                double xc = conv_xc(xz, w, bias, b, t, d, T, Di, K);
                u[((size_t)b * T + t) * Di + d] = xc * sigmoid_d(xc);
            }
        }
    }
}

// dx (B,T,Di) overwritten; dw (Di,K), dbias (Di) accumulated
static void conv_backward_cpu(double *dx, double *dw, double *dbias, const double *du, const double *xz, const double *w,
                              const double *bias, int B, int T, int Di, int K) {
    std::vector<double> g(T);
    for (int b = 0; b < B; b++) {
        for (int d = 0; d < Di; d++) {
            for (int t = 0; t < T; t++) {
                double xc = conv_xc(xz, w, bias, b, t, d, T, Di, K), s = sigmoid_d(xc);
                g[t] = du[((size_t)b * T + t) * Di + d] * s * (1.0 + xc * (1.0 - s));
                dbias[d] += g[t];
                for (int k = 0; k < K; k++) {
                    int ts = t - (K - 1) + k;
                    if (ts >= 0) { dw[d * K + k] += g[t] * xz[((size_t)b * T + ts) * 2 * Di + d]; }
                }
            }
            for (int ts = 0; ts < T; ts++) {
                double acc = 0.0;
                for (int k = 0; k < K; k++) {
                    int t = ts + (K - 1) - k;
                    if (t < T) { acc += w[d * K + k] * g[t]; }
                }
                dx[((size_t)b * T + ts) * Di + d] = acc;
            }
        }
    }
}

static std::vector<double> to_double(const std::vector<float> &v) { return std::vector<double>(v.begin(), v.end()); }

// the reference backward against central differences of the reference forward, L = sum du * u:
// all of dx, dw, dbias at a tiny shape. Host only; returns the number of failures.
static int check_reference(int B, int T, int Di, int K, uint64_t seed) {
    uint64_t s = seed;
    std::vector<float> f((size_t)B * T * 2 * Di);
    fill_normal(f.data(), f.size(), 0.f, 1.f, &s);
    std::vector<double> xz = to_double(f);
    f.resize((size_t)Di * K); fill_normal(f.data(), f.size(), 0.f, 0.5f, &s);
    std::vector<double> w = to_double(f);
    f.resize(Di); fill_normal(f.data(), f.size(), 0.f, 0.5f, &s);
    std::vector<double> bias = to_double(f);
    f.resize((size_t)B * T * Di); fill_normal(f.data(), f.size(), 0.f, 1.f, &s);
    std::vector<double> du = to_double(f);
    size_t BTD = (size_t)B * T * Di;
    std::vector<double> dx(BTD), dw((size_t)Di * K, 0.0), dbias(Di, 0.0), u(BTD);
    conv_backward_cpu(dx.data(), dw.data(), dbias.data(), du.data(), xz.data(), w.data(), bias.data(), B, T, Di, K);
    auto loss = [&]() {
        conv_forward_cpu(u.data(), xz.data(), w.data(), bias.data(), B, T, Di, K);
        double L = 0.0;
        for (size_t i = 0; i < BTD; i++) { L += du[i] * u[i]; }
        return L;
    };
    const double h = 1e-5;
    double worst = 0.0;
    auto fd = [&](double *p, double analytic) {
        double keep = *p;
        *p = keep + h; double Lp = loss();
        *p = keep - h; double Lm = loss();
        *p = keep;
        worst = fmax(worst, fabs((Lp - Lm) / (2 * h) - analytic) / (1.0 + fabs(analytic)));
    };
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++) {
            for (int d = 0; d < Di; d++) { fd(&xz[((size_t)b * T + t) * 2 * Di + d], dx[((size_t)b * T + t) * Di + d]); }
        }
    }
    for (int i = 0; i < Di * K; i++) { fd(&w[i], dw[i]); }
    for (int d = 0; d < Di; d++) { fd(&bias[d], dbias[d]); }
    int bad = !(worst < 1e-7);
    printf("  reference backward vs central differences B=%d T=%d Di=%d K=%d: worst %.2e (tol 1e-7) %s\n",
           B, T, Di, K, worst, bad ? "FAIL" : "ok");
    return bad;
}

// ----------------------------------------------------------------------------
// version 1: the first trainer version (git dc87a96 llmc/cuda/conv1d.cuh), renamed

__device__ __forceinline__ float conv_at_v1(const floatX *x, int ldx, const float *w, const float *bias,
                                            int b, int t, int d, int T, int K) {
    float acc = bias[d];
    for (int k = 0; k < K; k++) {
        int ts = t - (K - 1) + k;
        if (ts >= 0) { acc += w[d * K + k] * toF(x[((size_t)b * T + ts) * ldx + d]); }
    }
    return acc;
}

__global__ void conv1d_silu_forward_v1_kernel(floatX *u, const floatX *x, int ldx, const float *w, const float *bias,
                                              int B, int T, int Di, int K) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)B * T * Di) { return; }
    int d = (int)(i % Di);
    size_t bt = i / Di;
    int b = (int)(bt / T), t = (int)(bt % T);
    float xc = conv_at_v1(x, ldx, w, bias, b, t, d, T, K);
    u[i] = fromF<floatX>(xc / (1.0f + expf(-xc)));
}

__global__ void conv1d_silu_dxc_v1_kernel(float *dxc, const floatX *du, const floatX *x, int ldx, const float *w,
                                          const float *bias, int B, int T, int Di, int K) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)B * T * Di) { return; }
    int d = (int)(i % Di);
    size_t bt = i / Di;
    int b = (int)(bt / T), t = (int)(bt % T);
    float xc = conv_at_v1(x, ldx, w, bias, b, t, d, T, K);
    float s = 1.0f / (1.0f + expf(-xc));
    dxc[i] = toF(du[i]) * s * (1.0f + xc * (1.0f - s));
}

__global__ void conv1d_dx_v1_kernel(floatX *dx, int ldx, const float *dxc, const float *w, int B, int T, int Di, int K) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)B * T * Di) { return; }
    int d = (int)(i % Di);
    size_t bt = i / Di;
    int b = (int)(bt / T), ts = (int)(bt % T);
    float acc = 0.0f;
    for (int k = 0; k < K; k++) {
        int t = ts + (K - 1) - k;
        if (t < T) { acc += w[d * K + k] * dxc[((size_t)b * T + t) * Di + d]; }
    }
    dx[bt * ldx + d] = fromF<floatX>(acc);
}

// column k*Di + d: k < K gives dw[d,k], k == K gives dbias[d]
struct ConvWeightGradV1 {
    const float *dxc; const floatX *x; int ldx, T, Di, K;
    __device__ float operator()(int r, int col) const {
        int k = col / Di, d = col % Di;
        float g = dxc[(size_t)r * Di + d];
        if (k == K) { return g; }
        int t = r % T, ts = t - (K - 1) + k;
        return ts >= 0 ? g * toF(x[(size_t)(r - (K - 1) + k) * ldx + d]) : 0.0f;
    }
};
struct ConvWeightStoreV1 {
    float *dw; float *dbias; int Di, K;
    __device__ void operator()(int col, float s) const {
        int k = col / Di, d = col % Di;
        if (k == K) { dbias[d] += s; } else { dw[d * K + k] += s; }
    }
};

// ----------------------------------------------------------------------------
// version 6: the previous trainer backward (git e12577f llmc/cuda/conv1d.cuh), renamed. One thread per
// (b, tile, d): dx for the tile's steps, and this thread's share of dw, dbias (the sums over its own
// steps) into partials[(b * tiles + tile)][k][d], summed in order by conv1d_weight_grad_finish_kernel.

// version 6 forward: the previous trainer kernel (git e12577f llmc/cuda/conv1d.cuh), renamed
template <int K>
__global__ void conv1d_silu_forward_v6_kernel(floatX *u, const floatX *x, int ldx, const float *w, const float *bias,
                                           int B, int T, int Di) {
    int tiles = (T + CONV_TT - 1) / CONV_TT;
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)B * tiles * Di) { return; }
    int d = (int)(i % Di);
    int tile = (int)((i / Di) % tiles), b = (int)(i / Di / tiles);
    int t0 = tile * CONV_TT;
    float wk[K];
    for (int k = 0; k < K; k++) { wk[k] = w[d * K + k]; }
    float bd = bias[d];
    float win[K]; // win[K-1] is x[t], win[0] is x[t-(K-1)]
    for (int k = 0; k < K - 1; k++) {
        int ts = t0 - (K - 1) + k;
        win[k] = ts >= 0 ? toF(x[((size_t)b * T + ts) * ldx + d]) : 0.0f;
    }
    for (int j = 0; j < CONV_TT; j++) {
        int t = t0 + j;
        if (t >= T) { break; }
        win[K - 1] = toF(x[((size_t)b * T + t) * ldx + d]);
        float xc = bd;
        for (int k = 0; k < K; k++) { xc += wk[k] * win[k]; }
        u[((size_t)b * T + t) * Di + d] = fromF<floatX>(xc / (1.0f + expf(-xc)));
        for (int k = 0; k < K - 1; k++) { win[k] = win[k + 1]; }
    }
}

template <int K>
__global__ void conv1d_silu_backward_v6_kernel(floatX *dx, float *partials, const floatX *du, const floatX *x, int ldx,
                                               const float *w, const float *bias, int B, int T, int Di) {
    int tiles = (T + CONV_TT - 1) / CONV_TT;
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)B * tiles * Di) { return; }
    int d = (int)(i % Di);
    int tile = (int)((i / Di) % tiles), b = (int)(i / Di / tiles);
    int t0 = tile * CONV_TT, t_end = min(T, t0 + CONV_TT);
    float wk[K], dwk[K + 1];
    for (int k = 0; k < K; k++) { wk[k] = w[d * K + k]; dwk[k] = 0.0f; }
    dwk[K] = 0.0f;
    float bd = bias[d];
    float win[K];  // x[t-(K-1)] .. x[t]
    float gwin[K]; // dxc[t-(K-1)] .. dxc[t]
    for (int k = 0; k < K - 1; k++) {
        int ts = t0 - (K - 1) + k;
        win[k] = ts >= 0 ? toF(x[((size_t)b * T + ts) * ldx + d]) : 0.0f;
        gwin[k] = 0.0f;
    }
    for (int t = t0; t < t_end + K - 1; t++) {
        float g = 0.0f;
        win[K - 1] = t < T ? toF(x[((size_t)b * T + t) * ldx + d]) : 0.0f;
        if (t < T) {
            float xc = bd;
            for (int k = 0; k < K; k++) { xc += wk[k] * win[k]; }
            float s = 1.0f / (1.0f + expf(-xc));
            g = toF(du[((size_t)b * T + t) * Di + d]) * s * (1.0f + xc * (1.0f - s));
        }
        gwin[K - 1] = g;
        if (t < t_end) { // this tile owns step t: its weight and bias sums
            for (int k = 0; k < K; k++) { dwk[k] += g * win[k]; }
            dwk[K] += g;
        }
        int ts = t - (K - 1); // every dxc that reads x[ts] is now in the window
        if (ts >= t0 && ts < t_end) {
            float acc = 0.0f;
            for (int k = 0; k < K; k++) { acc += wk[k] * gwin[K - 1 - k]; }
            dx[((size_t)b * T + ts) * ldx + d] = fromF<floatX>(acc);
        }
        for (int k = 0; k < K - 1; k++) { win[k] = win[k + 1]; gwin[k] = gwin[k + 1]; }
    }
    float *p = partials + (size_t)(b * tiles + tile) * (K + 1) * Di;
    for (int k = 0; k <= K; k++) { p[(size_t)k * Di + d] = dwk[k]; }
}

// ----------------------------------------------------------------------------
// versions 3-5: the trainer's kernel templates (llmc/cuda/conv1d.cuh) with VEC neighbouring channels
// per thread and TT steps per tile; the trainer runs VEC = 2 (1 for odd Di), forward TT = CONV_FWD_TT = 8 with
// PRE, backward TT = CONV_TT = 16

// ----------------------------------------------------------------------------
// launchers

struct ConvArgs {
    int B, T, Di, K;
    const bf16 *xz;     // (B,T,2Di) in_proj output, x = first half
    const float *w;     // (Di,K)
    const float *bias;  // (Di)
    bf16 *u;            // (B,T,Di) forward output
    const bf16 *du;     // (B,T,Di)
    bf16 *dxz;          // (B,T,2Di): the backward writes the x half only
    float *dw, *dbias;  // (Di,K), (Di), accumulated
    float *scratch;     // conv_scratch_size floats
};

static const int NUM_VERSIONS = 12;
static const char *version_name[NUM_VERSIONS + 1] = {
    "", "v1 thread/elem + colsum", "v2 llmc conv1d.cuh", "v3 2ch/thr, block-reduced dw", "v4 v3 with TT=32",
    "v5 v3 with 4ch/thr", "v6 previous trainer (e12577f)", "v7 v3, all loads first", "v8 v7 with TT=32",
    "v9 v7 with TT=8", "v10 v7 with TT=4", "v11 v9 with 4ch/thr", "v12 v9/v3, MUFU sigmoid"};
// channels per thread: Di must be a multiple (version 2 picks 1 or 2 itself)
static int version_vec(int v) { return v == 5 || v == 11 ? 4 : v == 3 || v == 4 || v >= 7 ? 2 : 1; }

static size_t conv_scratch_size(int B, int T, int Di, int K) {
    size_t v1 = (size_t)B * T * Di + (size_t)COLSUM_SLICES * (K + 1) * Di; // dxc, then column-sum partials
    size_t v6 = (size_t)B * ((T + CONV_TT - 1) / CONV_TT) * (K + 1) * Di;   // a row per tile: >= v2..v5's
    return std::max(v1, v6);
}

template <int VEC, int TT, bool PRE = false, bool FAST = false> static void fwd_v3(const ConvArgs &a) {
    const dim3 grid = conv1d_forward_grid(a.B, (a.T + TT - 1) / TT, a.Di, VEC); // the shapes here have < 65535 tiles
#define LAUNCH_FWD_V3(KK) conv1d_silu_forward_kernel<KK, VEC, TT, PRE, FAST><<<grid, CONV_FWD_BLOCK>>>(a.u, a.xz, 2 * a.Di, NULL, a.w, a.bias, a.B, a.T, a.Di, 0)
    CONV_DISPATCH(a.K, LAUNCH_FWD_V3)
#undef LAUNCH_FWD_V3
    cudaCheckLaunch();
}
template <int VEC, int TT, bool FAST = false> static void bwd_v3(const ConvArgs &a) {
    int tiles = (a.T + TT - 1) / TT;
    dim3 grid(ceil_div((long)(a.Di / VEC), 32L), ceil_div((long)tiles, 8L), a.B), block(32, 8);
#define LAUNCH_BWD_V3(KK) conv1d_silu_backward_kernel<KK, VEC, TT, FAST><<<grid, block>>>(a.dxz, a.scratch, a.du, a.xz, 2 * a.Di, a.w, a.bias, a.B, a.T, a.Di, 0, (int)grid.y)
    CONV_DISPATCH(a.K, LAUNCH_BWD_V3)
#undef LAUNCH_BWD_V3
    cudaCheckLaunch();
    conv1d_weight_grad_finish_kernel<<<ceil_div((long)(a.K + 1) * a.Di, 32L), dim3(32, 8)>>>(a.dw, a.dbias, a.scratch,
                                                                                         (int)(a.B * grid.y), a.Di, a.K);
    cudaCheckLaunch();
}

static void conv_forward(int version, const ConvArgs &a) {
    long n = (long)a.B * a.T * a.Di;
    switch (version) {
    case 1:
        conv1d_silu_forward_v1_kernel<<<ceil_div(n, 256L), 256>>>(a.u, a.xz, 2 * a.Di, a.w, a.bias, a.B, a.T, a.Di, a.K);
        cudaCheckLaunch();
        break;
    case 2: conv1d_silu_forward(a.u, a.xz, 2 * a.Di, NULL, a.w, a.bias, a.B, a.T, a.Di, a.K, 0); break;
    case 3: fwd_v3<2, 16>(a); break;
    case 4: fwd_v3<2, 32>(a); break;
    case 5: fwd_v3<4, 16>(a); break;
    case 7: fwd_v3<2, 16, true>(a); break;
    case 8: fwd_v3<2, 32, true>(a); break;
    case 9: fwd_v3<2, 8, true>(a); break;
    case 10: fwd_v3<2, 4, true>(a); break;
    case 11: fwd_v3<4, 8, true>(a); break;
    case 12: fwd_v3<2, 8, true, true>(a); break;
    case 6: {
        long threads = (long)a.B * ((a.T + CONV_TT - 1) / CONV_TT) * a.Di;
#define LAUNCH_FWD_V6(KK) conv1d_silu_forward_v6_kernel<KK><<<ceil_div(threads, 256L), 256>>>(a.u, a.xz, 2 * a.Di, a.w, a.bias, a.B, a.T, a.Di)
        CONV_DISPATCH(a.K, LAUNCH_FWD_V6)
#undef LAUNCH_FWD_V6
        cudaCheckLaunch();
        break;
    }
    default: fprintf(stderr, "unknown version %d\n", version); exit(EXIT_FAILURE);
    }
}

static void conv_backward(int version, const ConvArgs &a) {
    long n = (long)a.B * a.T * a.Di;
    switch (version) {
    case 1: {
        float *dxc = a.scratch, *partials = a.scratch + n;
        conv1d_silu_dxc_v1_kernel<<<ceil_div(n, 256L), 256>>>(dxc, a.du, a.xz, 2 * a.Di, a.w, a.bias, a.B, a.T, a.Di, a.K);
        cudaCheckLaunch();
        conv1d_dx_v1_kernel<<<ceil_div(n, 256L), 256>>>(a.dxz, 2 * a.Di, dxc, a.w, a.B, a.T, a.Di, a.K);
        cudaCheckLaunch();
        column_sum(partials, ConvWeightGradV1{dxc, a.xz, 2 * a.Di, a.T, a.Di, a.K}, ConvWeightStoreV1{a.dw, a.dbias, a.Di, a.K},
                   a.B * a.T, (a.K + 1) * a.Di, 0);
        break;
    }
    case 2:
        conv1d_silu_backward(a.dxz, a.dw, a.dbias, a.scratch, a.du, a.xz, 2 * a.Di, a.w, a.bias, a.B, a.T, a.Di, a.K, 0);
        break;
    case 3: bwd_v3<2, 16>(a); break;
    case 4: bwd_v3<2, 32>(a); break;
    case 5: bwd_v3<4, 16>(a); break;
    case 7: case 8: case 9: case 10: bwd_v3<2, 16>(a); break; // forward-only variants
    case 11: bwd_v3<4, 16>(a); break;
    case 12: bwd_v3<2, 16, true>(a); break;
    case 6: {
        int tiles = (a.T + CONV_TT - 1) / CONV_TT;
#define LAUNCH_BWD_V6(KK) conv1d_silu_backward_v6_kernel<KK><<<ceil_div((long)a.B * tiles * a.Di, 256L), 256>>>(a.dxz, a.scratch, a.du, a.xz, 2 * a.Di, a.w, a.bias, a.B, a.T, a.Di)
        CONV_DISPATCH(a.K, LAUNCH_BWD_V6)
#undef LAUNCH_BWD_V6
        cudaCheckLaunch();
        conv1d_weight_grad_finish_kernel<<<ceil_div((long)(a.K + 1) * a.Di, 32L), dim3(32, 8)>>>(a.dw, a.dbias, a.scratch,
                                                                                             a.B * tiles, a.Di, a.K);
        cudaCheckLaunch();
        break;
    }
    default: fprintf(stderr, "unknown version %d\n", version); exit(EXIT_FAILURE);
    }
}

// ----------------------------------------------------------------------------
// inputs

struct ConvHost {
    int B, T, Di, K;
    std::vector<float> xz, w, bias, du, dw0, dbias0; // xz, du already rounded to bf16
};

// w, bias at the scale of the trainer's init (uniform +-1/sqrt(K)); dw0/dbias0: what the gradients
// hold before the call (the backward accumulates)
static ConvHost make_host_inputs(int B, int T, int Di, int K, uint64_t seed) {
    ConvHost h;
    h.B = B; h.T = T; h.Di = Di; h.K = K;
    uint64_t s = seed;
    size_t BTD = (size_t)B * T * Di;
    h.xz.resize(BTD * 2); fill_normal(h.xz.data(), h.xz.size(), 0.f, 1.f, &s);
    h.w.resize((size_t)Di * K); fill_normal(h.w.data(), h.w.size(), 0.f, 0.5f, &s);
    h.bias.resize(Di); fill_normal(h.bias.data(), Di, 0.f, 0.3f, &s);
    h.du.resize(BTD); fill_normal(h.du.data(), BTD, 0.f, 1.f, &s);
    h.dw0.resize((size_t)Di * K); fill_normal(h.dw0.data(), h.dw0.size(), 0.f, 0.1f, &s);
    h.dbias0.resize(Di); fill_normal(h.dbias0.data(), Di, 0.f, 0.1f, &s);
    round_to_bf16(h.xz.data(), h.xz.size());
    round_to_bf16(h.du.data(), h.du.size());
    return h;
}

static ConvArgs alloc_args(int B, int T, int Di, int K) {
    ConvArgs a;
    size_t BTD = (size_t)B * T * Di;
    a.B = B; a.T = T; a.Di = Di; a.K = K;
    a.xz = dmalloc<bf16>(BTD * 2);
    a.w = dmalloc<float>((size_t)Di * K);
    a.bias = dmalloc<float>(Di);
    a.u = dmalloc<bf16>(BTD);
    a.du = dmalloc<bf16>(BTD);
    a.dxz = dmalloc<bf16>(BTD * 2);
    a.dw = dmalloc<float>((size_t)Di * K);
    a.dbias = dmalloc<float>(Di);
    a.scratch = dmalloc<float>(conv_scratch_size(B, T, Di, K));
    return a;
}
static void free_args(ConvArgs &a) {
    cudaCheck(cudaFree((void *)a.xz)); cudaCheck(cudaFree((void *)a.w)); cudaCheck(cudaFree((void *)a.bias));
    cudaCheck(cudaFree(a.u)); cudaCheck(cudaFree((void *)a.du)); cudaCheck(cudaFree(a.dxz));
    cudaCheck(cudaFree(a.dw)); cudaCheck(cudaFree(a.dbias)); cudaCheck(cudaFree(a.scratch));
}

// ----------------------------------------------------------------------------
// check one version at one shape against the CPU reference on fresh random inputs

static std::vector<std::string> failures;

static int check_version(int v, int B, int T, int Di, int K, uint64_t seed) {
    char tag[128];
    snprintf(tag, sizeof(tag), "%s B=%d T=%d Di=%d K=%d", version_name[v], B, T, Di, K);
    printf("  check %s\n", tag);
    if (Di % version_vec(v) != 0) { printf("    skipped: Di %% %d != 0\n", version_vec(v)); return 0; }
    ConvHost h = make_host_inputs(B, T, Di, K, seed);
    ConvArgs a = alloc_args(B, T, Di, K);
    size_t BTD = (size_t)B * T * Di;
    upload_bf16((bf16 *)a.xz, h.xz.data(), BTD * 2);
    upload_f32((float *)a.w, h.w.data(), h.w.size());
    upload_f32((float *)a.bias, h.bias.data(), Di);
    upload_bf16((bf16 *)a.du, h.du.data(), BTD);

    std::vector<double> xz = to_double(h.xz), w = to_double(h.w), bias = to_double(h.bias), du = to_double(h.du);
    std::vector<double> u_ref(BTD), dx_ref(BTD), dw_ref = to_double(h.dw0), dbias_ref = to_double(h.dbias0);
    conv_forward_cpu(u_ref.data(), xz.data(), w.data(), bias.data(), B, T, Di, K);
    conv_backward_cpu(dx_ref.data(), dw_ref.data(), dbias_ref.data(), du.data(), xz.data(), w.data(), bias.data(), B, T, Di, K);

    // both runs start from the same state: outputs poisoned (NaN), gradients at dw0/dbias0
    auto run = [&]() {
        poison(a.u, BTD * 2);
        poison(a.dxz, BTD * 2 * 2);
        poison(a.scratch, conv_scratch_size(B, T, Di, K) * 4);
        upload_f32(a.dw, h.dw0.data(), h.dw0.size());
        upload_f32(a.dbias, h.dbias0.data(), Di);
        conv_forward(v, a);
        conv_backward(v, a);
        cudaCheck(cudaDeviceSynchronize());
    };
    run();
    std::vector<float> u = download_bf16(a.u, BTD), dxz = download_bf16(a.dxz, BTD * 2);
    std::vector<float> dw = download_f32(a.dw, h.w.size()), dbias = download_f32(a.dbias, Di);
    std::vector<float> dx(BTD);
    std::vector<uint16_t> dxz_bits(BTD * 2);
    cudaCheck(cudaMemcpy(dxz_bits.data(), a.dxz, BTD * 2 * 2, cudaMemcpyDeviceToHost));
    size_t z_touched = 0;
    for (size_t r = 0; r < (size_t)B * T; r++) {
        for (int d = 0; d < Di; d++) {
            dx[r * Di + d] = dxz[r * 2 * Di + d];
            z_touched += dxz_bits[r * 2 * Di + Di + d] != 0xFFFF;
        }
    }
    int bad = 0;
    auto fail = [&](const char *what, int b) { if (b) { failures.push_back(std::string(tag) + ": " + what); } bad += b; };
    // bf16 outputs: the GPU's fp32 value y (error ~1e-6 relative) rounded to nearest once,
    // |bf16(y) - y| <= 2^-9 |y|, so the relative L2 error is at most ~1.96e-3
    fail("u", report_err("u", rel_err(u.data(), u_ref.data(), BTD), 3e-3));
    fail("dx", report_err("dx", rel_err(dx.data(), dx_ref.data(), BTD), 3e-3));
    // fp32 sums of B*T terms each ~1e-7 relative off: far inside 1e-5
    fail("dw", report_err("dw", rel_err(dw.data(), dw_ref.data(), dw.size()), 1e-5));
    fail("dbias", report_err("dbias", rel_err(dbias.data(), dbias_ref.data(), Di), 1e-5));
    if (z_touched) { printf("    %zu elements of dxz's z half written FAIL\n", z_touched); }
    fail("z half of dxz written", z_touched != 0);
    // determinism: the same start must give the same bits
    std::vector<float> u1 = u, dxz1 = dxz, dw1 = dw, dbias1 = dbias;
    run();
    u = download_bf16(a.u, BTD); dxz = download_bf16(a.dxz, BTD * 2);
    dw = download_f32(a.dw, h.w.size()); dbias = download_f32(a.dbias, Di);
    int same = memcmp(u.data(), u1.data(), BTD * 4) == 0 && memcmp(dxz.data(), dxz1.data(), BTD * 2 * 4) == 0 &&
               memcmp(dw.data(), dw1.data(), dw.size() * 4) == 0 && memcmp(dbias.data(), dbias1.data(), Di * 4) == 0;
    if (!same) { printf("    NOT bitwise reproducible FAIL\n"); }
    fail("not bitwise reproducible", !same);
    free_args(a);
    return bad;
}

// ----------------------------------------------------------------------------
// benchmark at one shape, rotating over 3 input sets (more than L2 holds)

struct Row { char shape[64]; int version; float fwd_ms, bwd_ms; double fwd_gbps, bwd_gbps; };

static void bench(const std::vector<int> &versions, int B, int T, int Di, int K, double copy_gbps, std::vector<Row> &rows) {
    const int NSETS = 3;
    size_t BTD = (size_t)B * T * Di;
    std::vector<ConvArgs> sets;
    ConvArgs a0 = alloc_args(B, T, Di, K);
    for (int k = 0; k < NSETS; k++) {
        ConvArgs a = a0;
        if (k > 0) { a.xz = dmalloc<bf16>(BTD * 2); a.du = dmalloc<bf16>(BTD); }
        fill_normal_bf16_dev((bf16 *)a.xz, BTD * 2, 0.f, 1.f, 100 + 2 * k);
        fill_normal_bf16_dev((bf16 *)a.du, BTD, 0.f, 1.f, 101 + 2 * k);
        sets.push_back(a);
    }
    ConvHost h = make_host_inputs(1, 1, Di, K, 5); // w, bias, dw0, dbias0 only
    upload_f32((float *)a0.w, h.w.data(), h.w.size());
    upload_f32((float *)a0.bias, h.bias.data(), Di);
    upload_f32(a0.dw, h.dw0.data(), h.dw0.size());
    upload_f32(a0.dbias, h.dbias0.data(), Di);
    cudaCheck(cudaDeviceSynchronize());
    // minimum traffic: forward reads x, writes u; backward reads x and du, writes dx (weights negligible)
    double fwd_bytes = BTD * 2.0 * 2, bwd_bytes = BTD * 2.0 * 3;
    printf("\nconv1d B=%d T=%d Di=%d K=%d: forward %.1f MB, backward %.1f MB moved at minimum\n", B, T, Di, K,
           fwd_bytes / 1e6, bwd_bytes / 1e6);
    printf("  %-32s %9s %8s %7s   %9s %8s %7s\n", "version", "fwd ms", "GB/s", "%copy", "bwd ms", "GB/s", "%copy");
    for (int v : versions) {
        Row r;
        snprintf(r.shape, sizeof(r.shape), "B=%d T=%d Di=%d K=%d", B, T, Di, K);
        r.version = v;
        if (Di % version_vec(v) != 0) { continue; }
        r.fwd_ms = time_median_ms([&](int i) { conv_forward(v, sets[i % NSETS]); }, 5, 50);
        r.bwd_ms = time_median_ms([&](int i) { conv_backward(v, sets[i % NSETS]); }, 5, 50);
        r.fwd_gbps = fwd_bytes / (r.fwd_ms * 1e-3) / 1e9;
        r.bwd_gbps = bwd_bytes / (r.bwd_ms * 1e-3) / 1e9;
        printf("  %-32s %9.4f %8.1f %6.1f%%   %9.4f %8.1f %6.1f%%\n", version_name[v], r.fwd_ms, r.fwd_gbps,
               100.0 * r.fwd_gbps / copy_gbps, r.bwd_ms, r.bwd_gbps, 100.0 * r.bwd_gbps / copy_gbps);
        rows.push_back(r);
    }
    for (int k = 1; k < NSETS; k++) { cudaCheck(cudaFree((void *)sets[k].xz)); cudaCheck(cudaFree((void *)sets[k].du)); }
    free_args(a0);
}

int main(int argc, char **argv) {
    std::vector<int> versions;
    int check_only = parse_version_args(argc, argv, NUM_VERSIONS, versions);

    printf("CPU reference self-check (host only):\n");
    int bad = 0;
    bad += check_reference(2, 9, 3, 4, 11);
    bad += check_reference(1, 5, 2, 3, 12);
    if (bad) { failures.push_back("CPU reference backward disagrees with finite differences"); }

    print_device();
    printf("checks (fresh random inputs each, outputs poisoned with NaN first, dw/dbias accumulate):\n");
    uint64_t seed = 7;
    for (int v : versions) {
        bad += check_version(v, 2, 77, 96, 4, seed++);  // T not a multiple of 16 or 32
        bad += check_version(v, 2, 77, 96, 3, seed++);
        bad += check_version(v, 1, 40, 72, 2, seed++);  // Di/VEC not a multiple of 32: partial warps
        bad += check_version(v, 3, 300, 264, 4, seed++); // tiles not a multiple of 8
        bad += check_version(v, 2, 5, 40, 8, seed++);   // T < K: the window reaches before the start
        bad += check_version(v, 2, 50, 75, 4, seed++);  // odd Di: one channel per thread
    }
    printf("checks: %s (%d failures)\n", bad ? "FAILED" : "all passed", bad);
    for (auto &f : failures) { printf("  FAILED: %s\n", f.c_str()); }
    if (bad) { return 1; }
    if (check_only) { return 0; }

    double copy = measure_copy_gbps();
    printf("device-to-device copy: %.1f GB/s (read + write)\n", copy);
    std::vector<Row> rows;
    bench(versions, 8, 2048, 1536, 4, copy, rows);  // the 130m shape
    bench(versions, 32, 1024, 768, 4, copy, rows);
    printf("\nsummary (GB/s counts each byte of x, du, u, dx once; copy = %.0f GB/s)\n", copy);
    printf("%-28s %-32s %9s %8s %7s %9s %8s %7s\n", "shape", "version", "fwd ms", "GB/s", "%copy", "bwd ms", "GB/s", "%copy");
    for (auto &r : rows) {
        printf("%-28s %-32s %9.4f %8.1f %6.1f%% %9.4f %8.1f %6.1f%%\n", r.shape, version_name[r.version], r.fwd_ms,
               r.fwd_gbps, 100.0 * r.fwd_gbps / copy, r.bwd_ms, r.bwd_gbps, 100.0 * r.bwd_gbps / copy);
    }
    return 0;
}
