/*
The trainer's matrix products at the benchmark shapes, one by one: which of them cuBLAS runs well
and which not; and a skinny weight-gradient kernel (version 2, below) against cuBLAS.

Products of one layer (row-major, as in train_mamba.c), BT = B*T rows:
    in_proj  (BT, C)  -> (BT, 2Di)      x_proj (BT, Di) -> (BT, R+2N)
    dt_proj  (BT, R)  -> (BT, Di)       out_proj (BT, Di) -> (BT, C)      LM head (BT, C) -> (BT, Vp)
each as forward, input gradient (dinp = dout @ W) and weight gradient (dW += dout^T @ inp).

Versions of the weight gradient:
    1  cuBLAS GemmEx, fp32 output accumulated in place (the trainer's, llmc/cuda/matmul.cuh)
    2  skinny_wgrad when a side is at most 128 wide (x_proj, dt_proj), else cuBLAS: tensor-core (WMMA)
       tiles over row slices, partials summed in order by a second kernel. 2-3x SLOWER than cuBLAS
       at the benchmark shapes (doc/perf.md, 2026-11-30): cuBLAS already streams these products at
       ~60% of the copy rate, so the trainer keeps cuBLAS. Kept as the measured alternative.

    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o matmul dev/cuda/matmul.cu -lcublas -lcublasLt
    ./matmul            checks every version, then the per-product table for the 130m and the byte-level shape
    ./matmul --check    checks only
    ./matmul 2          only version 2 (its checks, and its dW rows in the table; forward and dinp are always timed)
    MATMUL_LT=1 ./matmul  also times every cuBLASLt heuristic candidate (split-K or not) for the 130m
                        shape's in_proj, out_proj and LM-head weight gradients (doc/perf.md, 2026-11-30:
                        the best beats cuBLAS's pick by 4% on in_proj only, ~0.1 ms per step)
*/
#include <mma.h>
#include "../../llmc/cuda/matmul.cuh"
#include "common.h"

// version 2's slice partials
static float *skinny_scratch = NULL;
static size_t skinny_scratch_bytes = 0;
static int matmul_num_sms = 132;

// ----------------------------------------------------------------------------
// CPU reference: dW[o][i] = init + scale * sum_t dout[t][o] * inp[t][i] in double

static void wgrad_cpu(double *dw, const float *init, const float *dout, const float *inp, int ldi, int BT, int IC, int OC, float scale) {
    for (int o = 0; o < OC; o++) {
        for (int i = 0; i < IC; i++) {
            double s = 0.0;
            for (int t = 0; t < BT; t++) { s += (double)dout[(size_t)t * OC + o] * inp[(size_t)t * ldi + i]; }
            dw[(size_t)o * IC + i] = init[(size_t)o * IC + i] + scale * s;
        }
    }
}

static void wgrad_cublas(float *dw, const floatX *dout, const floatX *inp, int ldi, int BT, int IC, int OC, float scale) {
    const float one = 1.0f;
    cublasCheck(cublasGemmEx(cublas_handle, CUBLAS_OP_N, CUBLAS_OP_T, IC, OC, BT, &scale, inp, CUBLAS_FLOATX, ldi, dout,
                             CUBLAS_FLOATX, OC, &one, dw, CUDA_R_32F, IC, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

// ----------------------------------------------------------------------------
// skinny weight gradient: out += scale * sum_t wide[t][m] * narrow[t][n], m < M (wide), n < NN (narrow),
// stored as out[n*M + m] (transposed: the narrow side is the weight's rows) or out[m*NN + n].
//
// A block owns 16*SK_WARPS wide columns x 16*NF narrow columns (all of them when NN <= 128) and one
// slice of the rows; each warp keeps a 16 x 16*NF fp32 accumulator in tensor-core fragments. Row tiles
// of SK_TK arrive in shared memory by 16-byte cp.async, the next tile in flight. Each block writes its
// slice's partial sum to scratch; a second kernel adds the slices in order (deterministic, no atomics).
// The wide operand (~50 MB at the 130m shape) is read once; the narrow one (~2.6 MB) once per column
// tile, from L2.

#define SK_WARPS 4
#define SK_TK 32
#define SK_MW (16 * SK_WARPS)

static inline int skinny_nf(int NN) { int nf = (NN + 15) / 16; return nf > 8 ? 8 : nf; }
// row slices: enough blocks for ~4 per SM, at least 8 row tiles each
static inline int skinny_slices(int BT, int M, int NN) {
    int blocks = ceil_div(M, SK_MW) * ceil_div(NN, 16 * skinny_nf(NN));
    int s = ceil_div(4 * matmul_num_sms, blocks), max_s = ceil_div(BT, 8 * SK_TK);
    return s < 1 ? 1 : (s > max_s ? max_s : s);
}
static inline size_t skinny_partial_bytes(int BT, int M, int NN) {
    int nf = skinny_nf(NN);
    return (size_t)skinny_slices(BT, M, NN) * ceil_div(M, SK_MW) * SK_MW * ceil_div(NN, 16 * nf) * 16 * nf * sizeof(float);
}

#ifndef ENABLE_FP32
__device__ __forceinline__ void sk_cp_async16(void *smem_dst, const void *gmem_src, int src_bytes) {
    unsigned dst = (unsigned)__cvta_generic_to_shared(smem_dst);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(dst), "l"(gmem_src), "r"(src_bytes));
}

// part: [slice][narrow tile][Mpad][16*NF]
template <int NF>
__global__ void __launch_bounds__(SK_WARPS * 32)
skinny_wgrad_partial_kernel(float *part, const floatX *wide, int ldw, const floatX *narrow, int ldn, int BT, int M, int NN,
                            int rows_per_slice) {
    namespace wmma = nvcuda::wmma;
    constexpr int NW = 16 * NF, LDA = SK_MW + 8, LDB = NW + 8, NT = SK_WARPS * 32; // +8: rows start on other banks
    __shared__ __align__(32) floatX sA[2][SK_TK * LDA];
    __shared__ __align__(32) floatX sB[2][SK_TK * LDB];
    const int tid = threadIdx.x, warp = tid / 32;
    const int m0 = blockIdx.x * SK_MW, n0 = blockIdx.z * NW, slice = blockIdx.y;
    const int t_begin = slice * rows_per_slice, t_end = min(BT, t_begin + rows_per_slice);
    const int ntiles = t_end > t_begin ? (t_end - t_begin + SK_TK - 1) / SK_TK : 0;
    // rows past the slice and columns past M / NN are zero-filled (M, NN are multiples of 8)
    auto load = [&](int stage, int t0) {
        for (int i = tid; i < SK_TK * SK_MW / 8; i += NT) {
            const int r = i / (SK_MW / 8), c = i % (SK_MW / 8) * 8, t = t0 + r, m = m0 + c;
            const bool ok = t < t_end && m < M;
            sk_cp_async16(&sA[stage][r * LDA + c], wide + (ok ? (size_t)t * ldw + m : 0), ok ? 16 : 0);
        }
        for (int i = tid; i < SK_TK * NW / 8; i += NT) {
            const int r = i / (NW / 8), c = i % (NW / 8) * 8, t = t0 + r, n = n0 + c;
            const bool ok = t < t_end && n < NN;
            sk_cp_async16(&sB[stage][r * LDB + c], narrow + (ok ? (size_t)t * ldn + n : 0), ok ? 16 : 0);
        }
        asm volatile("cp.async.commit_group;");
    };
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[NF];
#pragma unroll
    for (int f = 0; f < NF; f++) { wmma::fill_fragment(acc[f], 0.f); }
    if (ntiles > 0) { load(0, t_begin); }
    for (int it = 0; it < ntiles; it++) {
        asm volatile("cp.async.wait_group 0;" ::: "memory");
        __syncthreads(); // tile it visible to all; nobody reads the other stage (tile it-1) any more
        if (it + 1 < ntiles) { load((it + 1) & 1, t_begin + (it + 1) * SK_TK); }
        const floatX *a = sA[it & 1], *b = sB[it & 1];
#pragma unroll
        for (int k = 0; k < SK_TK; k += 16) {
            // A (16 wide x 16 rows) = wide^T: element (m, t) sits at a[t*LDA + m], i.e. column-major
            wmma::fragment<wmma::matrix_a, 16, 16, 16, floatX, wmma::col_major> fa;
            wmma::load_matrix_sync(fa, a + k * LDA + warp * 16, LDA);
#pragma unroll
            for (int f = 0; f < NF; f++) {
                wmma::fragment<wmma::matrix_b, 16, 16, 16, floatX, wmma::row_major> fb;
                wmma::load_matrix_sync(fb, b + k * LDB + f * 16, LDB);
                wmma::mma_sync(acc[f], fa, fb, acc[f]);
            }
        }
    }
    const size_t Mpad = (size_t)gridDim.x * SK_MW;
    float *dst = part + (((size_t)slice * gridDim.z + blockIdx.z) * Mpad + m0 + warp * 16) * NW;
#pragma unroll
    for (int f = 0; f < NF; f++) { wmma::store_matrix_sync(dst + f * 16, acc[f], NW, wmma::mem_row_major); }
}

__global__ void skinny_wgrad_reduce_kernel(float *out, const float *part, int M, int NN, int NW, int S, int transposed, float scale) {
    const int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= M * NN) { return; }
    const int m = transposed ? idx % M : idx / NN, n = transposed ? idx / M : idx % NN;
    const int ntile = (NN + NW - 1) / NW, Mpad = (M + SK_MW - 1) / SK_MW * SK_MW;
    const float *src = part + ((size_t)(n / NW) * Mpad + m) * NW + n % NW;
    float sum = 0.f;
    for (int s = 0; s < S; s++) { sum += src[(size_t)s * ntile * Mpad * NW]; }
    out[idx] += scale * sum;
}

template <int NF>
static void skinny_wgrad_launch(float *out, const floatX *wide, int ldw, const floatX *narrow, int ldn, int BT, int M, int NN,
                                int transposed, float scale, cudaStream_t stream) {
    const int S = skinny_slices(BT, M, NN), rows = ceil_div(ceil_div(BT, S), SK_TK) * SK_TK;
    dim3 grid(ceil_div(M, SK_MW), S, ceil_div(NN, 16 * NF));
    skinny_wgrad_partial_kernel<NF><<<grid, SK_WARPS * 32, 0, stream>>>(skinny_scratch, wide, ldw, narrow, ldn, BT, M, NN, rows);
    cudaCheck(cudaGetLastError());
    skinny_wgrad_reduce_kernel<<<ceil_div((long)M * NN, 256), 256, 0, stream>>>(out, skinny_scratch, M, NN, 16 * NF, S, transposed, scale);
    cudaCheck(cudaGetLastError());
}
#endif

// whether skinny_wgrad takes this product: bf16 build, a narrow side of at most 128, 16-byte aligned rows
static inline int skinny_wgrad_applies(const void *wide, int ldw, const void *narrow, int ldn, int BT, int M, int NN) {
#ifdef ENABLE_FP32
    (void)wide; (void)ldw; (void)narrow; (void)ldn; (void)BT; (void)M; (void)NN;
    return 0;
#else
    return NN <= 128 && NN % 8 == 0 && M % 8 == 0 && ldw % 8 == 0 && ldn % 8 == 0 && (uintptr_t)wide % 16 == 0 &&
           (uintptr_t)narrow % 16 == 0 && skinny_partial_bytes(BT, M, NN) <= skinny_scratch_bytes;
#endif
}

static void skinny_wgrad(float *out, const floatX *wide, int ldw, const floatX *narrow, int ldn, int BT, int M, int NN,
                         int transposed, float scale) {
#ifndef ENABLE_FP32
    switch (skinny_nf(NN)) {
    case 1: skinny_wgrad_launch<1>(out, wide, ldw, narrow, ldn, BT, M, NN, transposed, scale, 0); break;
    case 2: skinny_wgrad_launch<2>(out, wide, ldw, narrow, ldn, BT, M, NN, transposed, scale, 0); break;
    case 3: skinny_wgrad_launch<3>(out, wide, ldw, narrow, ldn, BT, M, NN, transposed, scale, 0); break;
    case 4: skinny_wgrad_launch<4>(out, wide, ldw, narrow, ldn, BT, M, NN, transposed, scale, 0); break;
    case 5: skinny_wgrad_launch<5>(out, wide, ldw, narrow, ldn, BT, M, NN, transposed, scale, 0); break;
    case 6: skinny_wgrad_launch<6>(out, wide, ldw, narrow, ldn, BT, M, NN, transposed, scale, 0); break;
    case 7: skinny_wgrad_launch<7>(out, wide, ldw, narrow, ldn, BT, M, NN, transposed, scale, 0); break;
    default: skinny_wgrad_launch<8>(out, wide, ldw, narrow, ldn, BT, M, NN, transposed, scale, 0); break;
    }
#else
    (void)out; (void)wide; (void)ldw; (void)narrow; (void)ldn; (void)BT; (void)M; (void)NN; (void)transposed; (void)scale;
#endif
}

static void matmul_set_scratch(float *scratch, size_t bytes) {
    skinny_scratch = scratch;
    skinny_scratch_bytes = bytes;
}

// version 2: dweight (OC, IC) (+)= scale * dout^T @ inp, skinny_wgrad when a side is narrow, else cuBLAS
static void matmul_weight_grad(float *dweight, const floatX *dout, const floatX *inp, int ldi, int BT, int IC, int OC, float scale) {
    if (OC <= IC && skinny_wgrad_applies(inp, ldi, dout, OC, BT, IC, OC)) {
        skinny_wgrad(dweight, inp, ldi, dout, OC, BT, IC, OC, 1, scale); // narrow = dout: dweight[o*IC + i] = out[n*M + m]
        return;
    }
    if (IC < OC && skinny_wgrad_applies(dout, OC, inp, ldi, BT, OC, IC)) {
        skinny_wgrad(dweight, dout, OC, inp, ldi, BT, OC, IC, 0, scale); // narrow = inp: dweight[o*IC + i] = out[m*NN + n]
        return;
    }
    wgrad_cublas(dweight, dout, inp, ldi, BT, IC, OC, scale);
}

static const int NUM_VERSIONS = 2;
static const char *version_name[NUM_VERSIONS + 1] = {"", "v1 cuBLAS (the trainer's)", "v2 skinny_wgrad, else cuBLAS"};

static void weight_grad(int version, float *dweight, const floatX *dout, const floatX *inp, int ldi, int BT, int IC, int OC, float scale) {
    if (version == 1) {
        wgrad_cublas(dweight, dout, inp, ldi, BT, IC, OC, scale);
    } else {
        matmul_weight_grad(dweight, dout, inp, ldi, BT, IC, OC, scale);
    }
}

// one check of a version: random bf16 inputs, a random fp32 dW to accumulate into, scale 0.5; the result
// against the double reference, a second run bitwise equal, and (version 2) whether the skinny kernel took it
static int check_one(int version, int BT, int IC, int OC, int ldi, uint64_t seed, int expect_skinny) {
    uint64_t rng = seed;
    std::vector<float> dout((size_t)BT * OC), inp((size_t)BT * ldi), init((size_t)OC * IC);
    fill_normal(dout.data(), dout.size(), 0.f, 1.f, &rng);
    fill_normal(inp.data(), inp.size(), 0.f, 1.f, &rng);
    fill_normal(init.data(), init.size(), 0.f, 1.f, &rng);
    round_to_bf16(dout.data(), dout.size());
    round_to_bf16(inp.data(), inp.size());
    std::vector<double> ref((size_t)OC * IC);
    wgrad_cpu(ref.data(), init.data(), dout.data(), inp.data(), ldi, BT, IC, OC, 0.5f);
    floatX *d_dout = dmalloc<floatX>(dout.size()), *d_inp = dmalloc<floatX>(inp.size());
    float *d_dw = dmalloc<float>(init.size());
    upload_bf16(d_dout, dout.data(), dout.size());
    upload_bf16(d_inp, inp.data(), inp.size());
    const int narrow = OC <= IC ? OC : IC, wide = OC <= IC ? IC : OC;
    const int took = version == 2 && skinny_wgrad_applies(OC <= IC ? (void *)d_inp : (void *)d_dout, OC <= IC ? ldi : OC,
                                                          OC <= IC ? (void *)d_dout : (void *)d_inp, OC <= IC ? OC : ldi, BT, wide, narrow);
    std::vector<float> out[2];
    for (int rep = 0; rep < 2; rep++) {
        poison(skinny_scratch, skinny_scratch_bytes); // stale partials would show
        upload_f32(d_dw, init.data(), init.size());
        weight_grad(version, d_dw, d_dout, d_inp, ldi, BT, IC, OC, 0.5f);
        cudaCheck(cudaDeviceSynchronize());
        out[rep] = download_f32(d_dw, init.size());
    }
    char name[96];
    snprintf(name, sizeof(name), "BT=%d IC=%d OC=%d ldi=%d", BT, IC, OC, ldi);
    printf("  %-32s %s\n", name, took ? "skinny" : "cuBLAS");
    // fp32 accumulation of bf16 products: the tensor cores add in a different order than the double
    // reference; ~sqrt(BT) * 2^-24 relative, far below 1e-5 at these BT
    int bad = report_err("dweight", rel_err(out[0].data(), ref.data(), ref.size()), 1e-5);
    if (memcmp(out[0].data(), out[1].data(), out[0].size() * sizeof(float)) != 0) { printf("    second run differs: FAIL\n"); bad = 1; }
    if (version == 2 && took != expect_skinny) { printf("    expected the %s path: FAIL\n", expect_skinny ? "skinny" : "cuBLAS"); bad = 1; }
    dfree(d_dout); dfree(d_inp); dfree(d_dw);
    return bad;
}

static int run_checks(const std::vector<int> &versions) {
    int bad = 0;
    for (int v : versions) { // (the skinny flags say which path version 2 must take; version 1 is cuBLAS throughout)
        printf("checks: %s against a double reference (bf16 inputs, accumulate, scale 0.5)\n", version_name[v]);
        bad += check_one(v, 777, 72, 80, 80, 1, 1);     // x_proj-like: narrow OC, M not a multiple of 64, rows not of 32
        bad += check_one(v, 777, 48, 136, 80, 2, 1);    // dt_proj-like: narrow IC read from a wider row (ldi 80)
        bad += check_one(v, 300, 24, 200, 56, 3, 1);    // one narrow fragment pair
        bad += check_one(v, 1000, 200, 8, 200, 4, 1);   // one narrow fragment
        bad += check_one(v, 513, 144, 136, 144, 5, 0);  // neither side narrow: cuBLAS
        bad += check_one(v, 300, 72, 20, 72, 6, 0);     // narrow side not a multiple of 8: cuBLAS
        bad += check_one(v, 64, 1536, 128, 1536, 7, 1); // 8 narrow fragments, fewer rows than slices would take
    }
    return bad;
}

// ----------------------------------------------------------------------------
// benchmark: every product of one layer and the LM head

struct Product { const char *name; int IC, OC; };

static void bench_shape(const std::vector<int> &versions, const char *title, int B, int T, int C, int Di, int R, int N, int Vp, int L,
                        double copy_gbps) {
    const int BT = B * T, X = R + 2 * N;
    Product prods[] = {{"in_proj", C, 2 * Di}, {"x_proj", Di, X}, {"dt_proj", R, Di}, {"out_proj", Di, C}, {"lm_head", C, Vp}};
    size_t max_act = 0, max_w = 0;
    for (auto &p : prods) {
        max_act = std::max(max_act, (size_t)BT * std::max(p.IC, p.OC));
        max_w = std::max(max_w, (size_t)p.IC * p.OC);
    }
    floatX *x = dmalloc<floatX>(max_act), *y = dmalloc<floatX>(max_act), *w = dmalloc<floatX>(max_w);
    float *dw = dmalloc<float>(max_w);
    fill_normal_bf16_dev(x, max_act, 0.f, 1.f, 11);
    fill_normal_bf16_dev(y, max_act, 0.f, 1.f, 12);
    fill_normal_bf16_dev(w, max_w, 0.f, 0.02f, 13);
    cudaCheck(cudaMemset(dw, 0, max_w * sizeof(float)));
    printf("\n%s: B=%d T=%d C=%d Di=%d R=%d N=%d Vp=%d, %d layers (ms per call; GB/s = operands read once + result written)\n",
           title, B, T, C, Di, R, N, Vp, L);
    printf("%-9s %-10s %9s %9s %8s %9s\n", "product", "pass", "ms", "TFLOP/s", "GB/s", "%copy");
    double step_ms[NUM_VERSIONS + 1] = {0};
    for (auto &p : prods) {
        const double flops = 2.0 * BT * p.IC * p.OC, bytes_io = 2.0 * BT * (p.IC + p.OC);
        const int calls = strcmp(p.name, "lm_head") == 0 ? 1 : L;
        const float one = 1.f, zero = 0.f;
        float f = time_median_ms([&](int) { matmul_forward(y, x, p.IC, w, BT, p.IC, p.OC); });
        float di = time_median_ms([&](int) {
            cublasCheck(cublasGemmEx(cublas_handle, CUBLAS_OP_N, CUBLAS_OP_N, p.IC, BT, p.OC, &one, w, CUBLAS_FLOATX, p.IC, y,
                                     CUBLAS_FLOATX, p.OC, &zero, x, CUBLAS_FLOATX, p.IC, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        });
        const double wbytes = bytes_io + 8.0 * p.IC * p.OC;
        struct Row { char pass[16]; float ms; double bytes; };
        std::vector<Row> rows = {{"forward", f, bytes_io + 2.0 * p.IC * p.OC}, {"dinp", di, bytes_io + 2.0 * p.IC * p.OC}};
        for (int v : versions) {
            Row r;
            snprintf(r.pass, sizeof(r.pass), "dW v%d", v);
            r.ms = time_median_ms([&](int) { weight_grad(v, dw, y, x, p.IC, BT, p.IC, p.OC, 1.f); });
            r.bytes = wbytes;
            rows.push_back(r);
            step_ms[v] += calls * (f + di + r.ms);
        }
        cudaCheckLaunch();
        for (auto &r : rows) {
            double gbs = r.bytes / (r.ms * 1e-3) / 1e9;
            printf("%-9s %-10s %9.4f %9.1f %8.0f %8.1f%%\n", p.name, r.pass, r.ms, flops / (r.ms * 1e-3) / 1e12, gbs, 100 * gbs / copy_gbps);
        }
    }
    printf("all products of one step (forward + dinp + dW, x%d layers + LM head):", L);
    for (int v : versions) { printf(" %.2f ms with dW v%d%s", step_ms[v], v, v == 1 ? " (the trainer)" : ""); }
    printf("\n");
    dfree(x); dfree(y); dfree(w); dfree(dw);
}

// ----------------------------------------------------------------------------
// exploration: the weight gradients through cuBLASLt, every candidate its heuristic offers, timed one
// by one with its split-K configuration (cuBLAS's own pick splits the wide ones over K and then runs a
// separate reduction kernel). Prints a table; nothing in the trainer depends on it.

#include <cublasLt.h>

static void wgrad_lt_candidates(const char *name, int BT, int IC, int OC) {
    cublasLtHandle_t lt;
    cublasCheck(cublasLtCreate(&lt));
    const size_t ws_bytes = 64u << 20;
    void *ws = dmalloc<char>(ws_bytes);
    floatX *dout = dmalloc<floatX>((size_t)BT * OC), *inp = dmalloc<floatX>((size_t)BT * IC);
    float *dw = dmalloc<float>((size_t)IC * OC);
    fill_normal_bf16_dev(dout, (size_t)BT * OC, 0.f, 1.f, 21);
    fill_normal_bf16_dev(inp, (size_t)BT * IC, 0.f, 1.f, 22);
    cudaCheck(cudaMemset(dw, 0, (size_t)IC * OC * sizeof(float)));
    // column-major: D (IC, OC) = inp (IC, BT) @ dout^T (BT, OC) + D
    cublasLtMatmulDesc_t desc;
    cublasCheck(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    cublasOperation_t opn = CUBLAS_OP_N, opt = CUBLAS_OP_T;
    cublasCheck(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &opn, sizeof(opn)));
    cublasCheck(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &opt, sizeof(opt)));
    cublasLtMatrixLayout_t la, lb, lc;
    cublasCheck(cublasLtMatrixLayoutCreate(&la, CUBLAS_FLOATX, IC, BT, IC));
    cublasCheck(cublasLtMatrixLayoutCreate(&lb, CUBLAS_FLOATX, OC, BT, OC));
    cublasCheck(cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, IC, OC, IC));
    cublasLtMatmulPreference_t pref;
    cublasCheck(cublasLtMatmulPreferenceCreate(&pref));
    cublasCheck(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws_bytes, sizeof(ws_bytes)));
    cublasLtMatmulHeuristicResult_t res[32];
    int n = 0;
    cublasCheck(cublasLtMatmulAlgoGetHeuristic(lt, desc, la, lb, lc, lc, pref, 32, res, &n));
    const float one = 1.f;
    float ref = time_median_ms([&](int) { wgrad_cublas(dw, dout, inp, IC, BT, IC, OC, 1.f); });
    printf("\ndW %s (IC=%d OC=%d BT=%d): cublasGemmEx %.4f ms; cuBLASLt candidates:\n", name, IC, OC, BT, ref);
    for (int i = 0; i < n; i++) {
        uint32_t splitk = 0, red = 0, tile = 0, algo_id = 0;
        size_t wr = 0;
        cublasLtMatmulAlgoConfigGetAttribute(&res[i].algo, CUBLASLT_ALGO_CONFIG_ID, &algo_id, sizeof(algo_id), &wr);
        cublasLtMatmulAlgoConfigGetAttribute(&res[i].algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &splitk, sizeof(splitk), &wr);
        cublasLtMatmulAlgoConfigGetAttribute(&res[i].algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, &red, sizeof(red), &wr);
        cublasLtMatmulAlgoConfigGetAttribute(&res[i].algo, CUBLASLT_ALGO_CONFIG_TILE_ID, &tile, sizeof(tile), &wr);
        float ms = time_median_ms([&](int) {
            cublasCheck(cublasLtMatmul(lt, desc, &one, inp, la, dout, lb, &one, dw, lc, dw, lc, &res[i].algo, ws, ws_bytes, 0));
        });
        printf("  #%-2d algo %3u tile %3u splitK %3u reduction %u workspace %8zu B: %.4f ms (%.1f TFLOP/s)\n", i, algo_id, tile, splitk,
               red, res[i].workspaceSize, ms, 2.0 * BT * IC * OC / (ms * 1e-3) / 1e12);
    }
    cublasLtMatmulPreferenceDestroy(pref);
    cublasLtMatrixLayoutDestroy(la); cublasLtMatrixLayoutDestroy(lb); cublasLtMatrixLayoutDestroy(lc);
    cublasLtMatmulDescDestroy(desc);
    dfree(ws); dfree(dout); dfree(inp); dfree(dw);
    cublasLtDestroy(lt);
}

int main(int argc, char **argv) {
    std::vector<int> versions;
    const int check_only = parse_version_args(argc, argv, NUM_VERSIONS, versions);
    matmul_init(0); // the legacy stream, which the event timing records on
    cudaCheck(cudaDeviceGetAttribute(&matmul_num_sms, cudaDevAttrMultiProcessorCount, 0));
    // version 2's scratch: enough for the largest partials any shape below needs
    size_t scratch = 64u << 20;
    float *scr = dmalloc<float>(scratch / sizeof(float));
    matmul_set_scratch(scr, scratch);
    int bad = run_checks(versions);
    printf("%s\n", bad ? "FAIL: matmul checks" : "all matmul checks passed");
    if (!bad && !check_only) {
        double copy = measure_copy_gbps();
        printf("device-to-device copy: %.0f GB/s\n", copy);
        bench_shape(versions, "mamba-130m shape", 8, 2048, 768, 1536, 48, 16, 50304, 24, copy);
        bench_shape(versions, "byte-level shape", 32, 1024, 384, 768, 24, 16, 256, 8, copy);
        if (getenv("MATMUL_LT")) { // the cuBLASLt candidates of the 130m shape's wide weight gradients
            wgrad_lt_candidates("in_proj", 16384, 768, 3072);
            wgrad_lt_candidates("out_proj", 16384, 1536, 768);
            wgrad_lt_candidates("lm_head", 16384, 768, 50304);
        }
    }
    dfree(scr);
    return bad ? 1 : 0;
}
