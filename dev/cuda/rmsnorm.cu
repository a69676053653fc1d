/*
Residual add + RMSNorm forward and RMSNorm backward over the fp32 residual stream.

Forward, per token row (C channels):
    resout = resin + branch                         (fp32 = fp32 + bf16: the residual stream stays fp32)
    rstd   = 1 / sqrt(mean(resout^2) + 1e-5)        (fp32, kept for the backward)
    out    = resout * rstd * weight                 (bf16: the next matmul's input)
Backward, with inp = the residual the norm read and g = dout * weight:
    dinp     += rstd * g - inp * rstd^3 * mean(g * inp)     (fp32, accumulated: the residual gradient)
    dinp_lowp = bf16(dinp)                                   (the next layer down's out_proj gradient)
    dweight  += sum over rows of dout * inp * rstd          (fixed-order sums: bitwise reproducible)
Shapes: resin, resout, inp, dinp (BT,C) fp32; branch, out, dout, dinp_lowp (BT,C) bf16; rstd (BT);
weight, dweight (C) fp32.

Build and run:
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o rmsnorm dev/cuda/rmsnorm.cu
    ./rmsnorm            # checks every version (exits 1 on any failure), then benchmarks, then a table
    ./rmsnorm --check    # checks only
    ./rmsnorm 2 3        # only versions 2 and 3

version 1: the first trainer version (git dc87a96): forward = residual_forward then rmsnorm_forward
           (resout written, then read back); backward = warp-per-row kernel on dinp, then
           column_sum (llmc/cuda/reduce.cuh) re-reading dout and inp for dweight, then a cast kernel
           re-reading dinp for dinp_lowp
version 2: llmc/cuda/rmsnorm.cuh, the trainer's kernels (the header itself is included): version 3
           where it applies (C % 4 == 0, C <= 1024, aligned pointers; its backward as version 6
           except at C = 641..768), above C = 1024 the kernels of versions 7 and 9 with the
           fewest warps per row that keep NV <= 6 (C = 1536: 2, 2048 and 2560: 4, up to 8192: 8),
           version 5 for other shapes
version 3: the header's vector kernels, launched directly (= version 2 at C = 641..768): warp per
           row, vectorised: float4 loads/stores of the fp32 tensors, 4 bf16 (8 bytes) at
           a time, the row kept in registers between the two passes (v5 reads resout back, and
           re-reads inp/dout/weight in its second pass). The backward also folds dweight in: each
           block takes RPB = 64 rows, every lane sums dout*inp*rstd for its columns in registers,
           the block's 8 warps combine in shared memory into one partial row, and a small kernel
           sums the BT/64 partial rows in order: no second read of dout and inp (6 of 16 bytes
           per element). Needs C % 4 == 0 and C <= 1024.
version 4: v3's forward; v3's backward without the dweight fusion (dweight by column_sum as in v5),
           to separate the vectorisation's gain from the fusion's
version 5: the previous trainer kernels (git 5510e00), which the header keeps as its scalar path and
           which are launched here directly: residual_rmsnorm_forward_kernel (the add fused into the
           norm, one warp per row, resout read back for the second pass), and the backward writing
           dinp_lowp in the same pass; dweight by column_sum
version 6: v3 as it was before 2026-11-30 (third session): the backward reads a row's dinp after
           the warp's sum, so each row waits for two round trips to memory (v3 loads it with dout
           and inp: one). Forward as v3. v3 wins at C = 768, v6 at C = 384: the header (v2) runs
           v3's backward for C = 641..768 only (above, the prefetch needs 140+ registers), v6's
           elsewhere.
version 7: the header's vector kernels with RW warps per row (rmsnorm_*_rows_kernel), for the
           larger released models' C = 1536..2560, which ran version 5 before: RW = 2 up to C = 2048,
           4 above (here also RW = 2 below 1024, to check the kernel on small rows). Each warp
           holds every RW-th stretch of 32 float4 columns of its row; the row's sum of squares (or
           of g*inp) is its warps' sums added in order through shared memory, one barrier per
           round of rows; the backward loads a row's dinp with its inputs (PF).
version 8: version 7 with the backward loading dinp after the barrier (fewer registers)
version 9: version 7 with twice the warps per row (RW = 4 up to C = 2048, 8 above)
Measured (doc/perf.md, 2026-11-30 seventh session): v7 wins at C = 1536 and 2560 (NV = 6, 5), v9 at
C = 2048, where v7's NV = 8 backward takes 150 registers (one block per SM); hence the header's rule.
*/
#include <string>
#include "../../llmc/cuda/rmsnorm.cuh"
#include "common.h" // after the llmc header: its cuda_check / ceil_div are used

#ifdef ENABLE_FP32
#error "this playground measures the bf16 build (floatX = bf16)"
#endif
typedef __nv_bfloat16 bf16;

#define RMS_EPS 1e-5

// ----------------------------------------------------------------------------
// CPU reference, double precision

static void residual_rmsnorm_forward_cpu(double *resout, double *out, double *rstd, const double *resin,
                                         const double *branch, const double *weight, int BT, int C) {
    for (int r = 0; r < BT; r++) {
        double ss = 0.0;
        for (int c = 0; c < C; c++) {
            size_t i = (size_t)r * C + c;
            resout[i] = resin[i] + branch[i];
            ss += resout[i] * resout[i];
        }
        rstd[r] = 1.0 / sqrt(ss / C + RMS_EPS);
        for (int c = 0; c < C; c++) {
            size_t i = (size_t)r * C + c;
            out[i] = resout[i] * rstd[r] * weight[c];
        }
    }
}

// dinp, dweight accumulated; dinp_lowp is bf16(dinp) on the GPU, so its reference is dinp itself
static void rmsnorm_backward_cpu(double *dinp, double *dweight, const double *dout, const double *inp,
                                 const double *weight, const double *rstd, int BT, int C) {
    for (int r = 0; r < BT; r++) {
        double s = rstd[r], dot = 0.0;
        for (int c = 0; c < C; c++) { dot += dout[(size_t)r * C + c] * weight[c] * inp[(size_t)r * C + c]; }
        for (int c = 0; c < C; c++) {
            size_t i = (size_t)r * C + c;
            dinp[i] += s * dout[i] * weight[c] - inp[i] * s * s * s * dot / C;
            dweight[c] += dout[i] * inp[i] * s;
        }
    }
}

static std::vector<double> to_double(const std::vector<float> &v) { return std::vector<double>(v.begin(), v.end()); }

// the reference backward against central differences of the reference forward, L = sum dout * out
// with rstd recomputed from inp (so dinp includes the path through rstd). Host only.
static int check_reference(int BT, int C, uint64_t seed) {
    uint64_t s = seed;
    std::vector<float> f((size_t)BT * C);
    fill_normal(f.data(), f.size(), 0.f, 1.f, &s);
    std::vector<double> inp = to_double(f), zero((size_t)BT * C, 0.0);
    fill_normal(f.data(), f.size(), 0.f, 1.f, &s);
    std::vector<double> dout = to_double(f);
    f.resize(C); fill_normal(f.data(), C, 1.f, 0.2f, &s);
    std::vector<double> weight = to_double(f);
    std::vector<double> res((size_t)BT * C), out((size_t)BT * C), rstd(BT), dinp((size_t)BT * C, 0.0), dweight(C, 0.0);
    residual_rmsnorm_forward_cpu(res.data(), out.data(), rstd.data(), inp.data(), zero.data(), weight.data(), BT, C);
    rmsnorm_backward_cpu(dinp.data(), dweight.data(), dout.data(), inp.data(), weight.data(), rstd.data(), BT, C);
    auto loss = [&]() {
        residual_rmsnorm_forward_cpu(res.data(), out.data(), rstd.data(), inp.data(), zero.data(), weight.data(), BT, C);
        double L = 0.0;
        for (size_t i = 0; i < out.size(); i++) { L += dout[i] * out[i]; }
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
    for (size_t i = 0; i < inp.size(); i++) { fd(&inp[i], dinp[i]); }
    for (int c = 0; c < C; c++) { fd(&weight[c], dweight[c]); }
    int bad = !(worst < 1e-7);
    printf("  reference backward vs central differences BT=%d C=%d: worst %.2e (tol 1e-7) %s\n", BT, C, worst,
           bad ? "FAIL" : "ok");
    return bad;
}

// ----------------------------------------------------------------------------
// version 1: the first trainer backward (git dc87a96 llmc/cuda/rmsnorm.cuh), renamed; its forward
// kernels (residual_forward, rmsnorm_forward_kernel) are still in the header unchanged

__global__ void rmsnorm_backward_v1_kernel(float *dinp, const floatX *dout, const float *inp, const float *weight,
                                           const float *rstd, int BT, int C) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= BT) { return; }
    const float *x = inp + (size_t)row * C;
    const floatX *dy = dout + (size_t)row * C;
    float s = rstd[row], dot = 0.0f;
    for (int i = lane; i < C; i += 32) { dot += toF(dy[i]) * weight[i] * x[i]; }
    dot = warp_sum(dot);
    float coef = s * s * s * dot / C;
    for (int i = lane; i < C; i += 32) { dinp[(size_t)row * C + i] += s * toF(dy[i]) * weight[i] - coef * x[i]; }
}

// ----------------------------------------------------------------------------
// versions 3, 4: the header's vector kernels (llmc/cuda/rmsnorm.cuh): warp per row, lane owns the
// float4 columns lane, lane+32, ... (NV of them: C <= 128*NV); version 4 without the fused dweight

// ----------------------------------------------------------------------------
// launchers

struct NormArgs {
    int BT, C;
    const float *resin;   // (BT,C) forward inputs
    const bf16 *branch;   // (BT,C)
    const float *weight;  // (C)
    float *resout;        // (BT,C) forward outputs
    bf16 *out;            // (BT,C)
    float *rstd;          // (BT)
    const bf16 *dout;     // (BT,C) backward inputs
    const float *inp;     // (BT,C) the residual the norm read
    const float *rstd_in; // (BT)
    float *dinp;          // (BT,C) backward outputs: dinp, dweight accumulate
    bf16 *dinp_lowp;      // (BT,C)
    float *dweight;       // (C)
    float *scratch;       // norm_scratch_size floats
};

static const int NUM_VERSIONS = 9;
static const char *version_name[NUM_VERSIONS + 1] = {
    "", "v1 separate kernels", "v2 llmc rmsnorm.cuh", "v3 float4 rows, fused dweight", "v4 v3 rows, dweight colsum",
    "v5 previous trainer (5510e00)", "v6 v3, dinp read after the sum", "v7 RW warps per row, PF",
    "v8 v7, dinp read after the sum", "v9 v7 with 2x the warps per row"};
// warps per row of versions 7-9
static int rows_rw(int v, int C) { return (C <= 2048 ? 2 : 4) * (v == 9 ? 2 : 1); }
static int version_supported(int v, int C) {
    if (v == 3 || v == 4 || v == 6) { return C % 4 == 0 && C <= 1024; }
    if (v >= 7) { return C % 4 == 0 && C <= 128 * RMS_MAX_NV * rows_rw(v, C); }
    return 1;
}
// the rows kernels at every NV of a given RW (versions 7-9 run them at small C too)
#define RMS_RW_DISPATCH(C, RW, call) \
    switch ((C + 128 * (RW) - 1) / (128 * (RW))) { \
        case 1: call(1, RW); break; case 2: call(2, RW); break; case 3: call(3, RW); break; case 4: call(4, RW); break; \
        case 5: call(5, RW); break; case 6: call(6, RW); break; case 7: call(7, RW); break; case 8: call(8, RW); break; \
        default: fprintf(stderr, "error: rmsnorm vector path with C=%d\n", C); exit(EXIT_FAILURE); \
    }
#define RW_DISPATCH(C, call) \
    switch (rows_rw(version, C)) { \
        case 2: RMS_RW_DISPATCH(C, 2, call) break; case 4: RMS_RW_DISPATCH(C, 4, call) break; \
        default: RMS_RW_DISPATCH(C, 8, call) break; \
    }

static size_t norm_scratch_size(int BT, int C) {
    return std::max((size_t)COLSUM_SLICES * C, (size_t)ceil_div(BT, RMS_RPB) * C);
}

#define NV_DISPATCH(C, call) \
    switch ((C + 127) / 128) { \
        case 1: call(1); break; case 2: call(2); break; case 3: call(3); break; case 4: call(4); break; \
        case 5: call(5); break; case 6: call(6); break; case 7: call(7); break; case 8: call(8); break; \
        default: fprintf(stderr, "C=%d: versions 3, 4 need C <= 1024\n", C); exit(EXIT_FAILURE); \
    }

static void norm_forward(int version, const NormArgs &a) {
    switch (version) {
    case 1:
        residual_forward(a.resout, a.resin, a.branch, (size_t)a.BT * a.C, 0);
        rmsnorm_forward_kernel<<<ceil_div(a.BT, 8), 256>>>(a.out, a.rstd, a.resout, a.weight, a.BT, a.C);
        cudaCheckLaunch();
        break;
    case 2: residual_rmsnorm_forward(a.resout, a.out, a.rstd, a.resin, a.branch, a.weight, a.BT, a.C, 0); break;
    case 3:
    case 4:
    case 6: {
#define LAUNCH_FWD_V3(NV) rmsnorm_forward_vec_kernel<NV, true><<<ceil_div(a.BT, 8), 256>>>(a.resout, a.out, a.rstd, a.resin, a.branch, a.weight, a.BT, a.C)
        NV_DISPATCH(a.C, LAUNCH_FWD_V3)
#undef LAUNCH_FWD_V3
        cudaCheckLaunch();
        break;
    }
    case 5:
        residual_rmsnorm_forward_kernel<<<ceil_div(a.BT, 8), 256>>>(a.resout, a.out, a.rstd, a.resin, a.branch, a.weight, a.BT, a.C);
        cudaCheckLaunch();
        break;
    case 7:
    case 8:
    case 9: {
#define LAUNCH_FWD_V7(NV, RW) rmsnorm_forward_rows_kernel<NV, RW, true><<<ceil_div(a.BT, 8 / RW), 256>>>(a.resout, a.out, a.rstd, a.resin, a.branch, a.weight, a.BT, a.C)
        RW_DISPATCH(a.C, LAUNCH_FWD_V7)
#undef LAUNCH_FWD_V7
        cudaCheckLaunch();
        break;
    }
    default: fprintf(stderr, "unknown version %d\n", version); exit(EXIT_FAILURE);
    }
}

static void norm_backward(int version, const NormArgs &a) {
    switch (version) {
    case 1:
        rmsnorm_backward_v1_kernel<<<ceil_div(a.BT, 8), 256>>>(a.dinp, a.dout, a.inp, a.weight, a.rstd_in, a.BT, a.C);
        cudaCheckLaunch();
        column_sum(a.scratch, RmsnormWeightGrad{a.dout, a.inp, a.rstd_in, a.C}, AddTo{a.dweight}, a.BT, a.C, 0);
        cast_to_floatX(a.dinp_lowp, a.dinp, (size_t)a.BT * a.C, 0);
        break;
    case 2:
        rmsnorm_backward(a.dinp, a.dinp_lowp, a.dweight, a.scratch, a.dout, a.inp, a.weight, a.rstd_in, a.BT, a.C, 0);
        break;
    case 3:
    case 6: {
        int blocks = ceil_div(a.BT, RMS_RPB);
#define LAUNCH_BWD_V3(NV) \
    if (version == 3) { rmsnorm_backward_vec_kernel<NV, true, true><<<blocks, 256>>>(a.dinp, a.dinp_lowp, a.scratch, a.dout, a.inp, a.weight, a.rstd_in, a.BT, a.C); } \
    else { rmsnorm_backward_vec_kernel<NV, true, false><<<blocks, 256>>>(a.dinp, a.dinp_lowp, a.scratch, a.dout, a.inp, a.weight, a.rstd_in, a.BT, a.C); }
        NV_DISPATCH(a.C, LAUNCH_BWD_V3)
#undef LAUNCH_BWD_V3
        cudaCheckLaunch();
        rmsnorm_dweight_finish_kernel<<<ceil_div(a.C, 32), dim3(32, 16)>>>(a.dweight, a.scratch, blocks, a.C);
        cudaCheckLaunch();
        break;
    }
    case 4: {
#define LAUNCH_BWD_V4(NV) rmsnorm_backward_vec_kernel<NV, false><<<ceil_div(a.BT, RMS_RPB), 256>>>(a.dinp, a.dinp_lowp, NULL, a.dout, a.inp, a.weight, a.rstd_in, a.BT, a.C)
        NV_DISPATCH(a.C, LAUNCH_BWD_V4)
#undef LAUNCH_BWD_V4
        cudaCheckLaunch();
        column_sum(a.scratch, RmsnormWeightGrad{a.dout, a.inp, a.rstd_in, a.C}, AddTo{a.dweight}, a.BT, a.C, 0);
        break;
    }
    case 5:
        rmsnorm_backward_kernel<<<ceil_div(a.BT, 8), 256>>>(a.dinp, a.dinp_lowp, a.dout, a.inp, a.weight, a.rstd_in, a.BT, a.C);
        cudaCheckLaunch();
        column_sum(a.scratch, RmsnormWeightGrad{a.dout, a.inp, a.rstd_in, a.C}, AddTo{a.dweight}, a.BT, a.C, 0);
        break;
    case 7:
    case 8:
    case 9: {
        int blocks = ceil_div(a.BT, RMS_RPB);
#define LAUNCH_BWD_V7(NV, RW) \
    if (version == 8) { rmsnorm_backward_rows_kernel<NV, RW, false><<<blocks, 256>>>(a.dinp, a.dinp_lowp, a.scratch, a.dout, a.inp, a.weight, a.rstd_in, a.BT, a.C); } \
    else { rmsnorm_backward_rows_kernel<NV, RW, true><<<blocks, 256>>>(a.dinp, a.dinp_lowp, a.scratch, a.dout, a.inp, a.weight, a.rstd_in, a.BT, a.C); }
        RW_DISPATCH(a.C, LAUNCH_BWD_V7)
#undef LAUNCH_BWD_V7
        cudaCheckLaunch();
        rmsnorm_dweight_finish_kernel<<<ceil_div(a.C, 32), dim3(32, 16)>>>(a.dweight, a.scratch, blocks, a.C);
        cudaCheckLaunch();
        break;
    }
    default: fprintf(stderr, "unknown version %d\n", version); exit(EXIT_FAILURE);
    }
}

// ----------------------------------------------------------------------------
// inputs

struct NormHost {
    int BT, C;
    std::vector<float> resin, branch, weight, dout, inp, rstd_in, dinp0, dweight0; // branch, dout rounded to bf16
};

// inp/rstd_in for the backward are what the forward leaves: resin + branch in fp32, and its rstd
static NormHost make_host_inputs(int BT, int C, uint64_t seed) {
    NormHost h;
    h.BT = BT; h.C = C;
    uint64_t s = seed;
    size_t n = (size_t)BT * C;
    h.resin.resize(n); fill_normal(h.resin.data(), n, 0.f, 1.f, &s);
    h.branch.resize(n); fill_normal(h.branch.data(), n, 0.f, 1.f, &s);
    h.weight.resize(C); fill_normal(h.weight.data(), C, 1.f, 0.2f, &s);
    h.dout.resize(n); fill_normal(h.dout.data(), n, 0.f, 1.f, &s);
    h.dinp0.resize(n); fill_normal(h.dinp0.data(), n, 0.f, 1.f, &s);
    h.dweight0.resize(C); fill_normal(h.dweight0.data(), C, 0.f, 0.1f, &s);
    round_to_bf16(h.branch.data(), n);
    round_to_bf16(h.dout.data(), n);
    h.inp.resize(n);
    h.rstd_in.resize(BT);
    for (int r = 0; r < BT; r++) {
        double ss = 0.0;
        for (int c = 0; c < C; c++) {
            size_t i = (size_t)r * C + c;
            h.inp[i] = h.resin[i] + h.branch[i]; // fp32 add, as on the GPU
            ss += (double)h.inp[i] * h.inp[i];
        }
        h.rstd_in[r] = (float)(1.0 / sqrt(ss / C + RMS_EPS));
    }
    return h;
}

static NormArgs alloc_args(int BT, int C) {
    NormArgs a;
    size_t n = (size_t)BT * C;
    a.BT = BT; a.C = C;
    a.resin = dmalloc<float>(n); a.branch = dmalloc<bf16>(n); a.weight = dmalloc<float>(C);
    a.resout = dmalloc<float>(n); a.out = dmalloc<bf16>(n); a.rstd = dmalloc<float>(BT);
    a.dout = dmalloc<bf16>(n); a.inp = dmalloc<float>(n); a.rstd_in = dmalloc<float>(BT);
    a.dinp = dmalloc<float>(n); a.dinp_lowp = dmalloc<bf16>(n); a.dweight = dmalloc<float>(C);
    a.scratch = dmalloc<float>(norm_scratch_size(BT, C));
    return a;
}
static void free_args(NormArgs &a) {
    cudaCheck(cudaFree((void *)a.resin)); cudaCheck(cudaFree((void *)a.branch)); cudaCheck(cudaFree((void *)a.weight));
    cudaCheck(cudaFree(a.resout)); cudaCheck(cudaFree(a.out)); cudaCheck(cudaFree(a.rstd));
    cudaCheck(cudaFree((void *)a.dout)); cudaCheck(cudaFree((void *)a.inp)); cudaCheck(cudaFree((void *)a.rstd_in));
    cudaCheck(cudaFree(a.dinp)); cudaCheck(cudaFree(a.dinp_lowp)); cudaCheck(cudaFree(a.dweight));
    cudaCheck(cudaFree(a.scratch));
}

// ----------------------------------------------------------------------------
// check one version at one shape against the CPU reference on fresh random inputs

static std::vector<std::string> failures;

static int check_version(int v, int BT, int C, uint64_t seed) {
    char tag[128];
    snprintf(tag, sizeof(tag), "%s BT=%d C=%d", version_name[v], BT, C);
    printf("  check %s\n", tag);
    if (!version_supported(v, C)) { printf("    not run: this version needs C %% 4 == 0 and a bound on C\n"); return 0; }
    NormHost h = make_host_inputs(BT, C, seed);
    NormArgs a = alloc_args(BT, C);
    size_t n = (size_t)BT * C;
    upload_f32((float *)a.resin, h.resin.data(), n);
    upload_bf16((bf16 *)a.branch, h.branch.data(), n);
    upload_f32((float *)a.weight, h.weight.data(), C);
    upload_bf16((bf16 *)a.dout, h.dout.data(), n);
    upload_f32((float *)a.inp, h.inp.data(), n);
    upload_f32((float *)a.rstd_in, h.rstd_in.data(), BT);

    std::vector<double> resout_ref(n), out_ref(n), rstd_ref(BT), dinp_ref = to_double(h.dinp0), dweight_ref = to_double(h.dweight0);
    std::vector<double> resin = to_double(h.resin), branch = to_double(h.branch), weight = to_double(h.weight);
    std::vector<double> dout = to_double(h.dout), inp = to_double(h.inp), rstd_in = to_double(h.rstd_in);
    residual_rmsnorm_forward_cpu(resout_ref.data(), out_ref.data(), rstd_ref.data(), resin.data(), branch.data(),
                                 weight.data(), BT, C);
    rmsnorm_backward_cpu(dinp_ref.data(), dweight_ref.data(), dout.data(), inp.data(), weight.data(), rstd_in.data(), BT, C);

    // both runs start from the same state: outputs poisoned (NaN), gradients at dinp0/dweight0
    auto run = [&]() {
        poison(a.resout, n * 4); poison(a.out, n * 2); poison(a.rstd, BT * 4);
        poison(a.dinp_lowp, n * 2); poison(a.scratch, norm_scratch_size(BT, C) * 4);
        upload_f32(a.dinp, h.dinp0.data(), n);
        upload_f32(a.dweight, h.dweight0.data(), C);
        norm_forward(v, a);
        norm_backward(v, a);
        cudaCheck(cudaDeviceSynchronize());
    };
    run();
    std::vector<std::vector<float>> got = {download_f32(a.resout, n), download_bf16(a.out, n), download_f32(a.rstd, BT),
                                           download_f32(a.dinp, n), download_bf16(a.dinp_lowp, n), download_f32(a.dweight, C)};
    int bad = 0;
    auto fail = [&](const char *what, int b) { if (b) { failures.push_back(std::string(tag) + ": " + what); } bad += b; };
    // fp32 results: one rounding (resout), or sums over C or BT terms ~1e-7 relative off each
    fail("resout", report_err("resout", rel_err(got[0].data(), resout_ref.data(), n), 1e-6));
    fail("rstd", report_err("rstd", rel_err(got[2].data(), rstd_ref.data(), BT), 1e-5));
    fail("dinp", report_err("dinp", rel_err(got[3].data(), dinp_ref.data(), n), 1e-5));
    fail("dweight", report_err("dweight", rel_err(got[5].data(), dweight_ref.data(), C), 1e-5));
    // bf16 results: the GPU's fp32 value y (error ~1e-6 relative) rounded to nearest once,
    // |bf16(y) - y| <= 2^-9 |y|, so the relative L2 error is at most ~1.96e-3
    fail("out", report_err("out", rel_err(got[1].data(), out_ref.data(), n), 3e-3));
    fail("dinp_lowp", report_err("dinp_lowp", rel_err(got[4].data(), dinp_ref.data(), n), 3e-3));
    // dinp_lowp must be exactly the rounding of the dinp that was stored
    size_t mismatched = 0;
    for (size_t i = 0; i < n; i++) { mismatched += bf16_bits_to_f32(f32_to_bf16_bits(got[3][i])) != got[4][i]; }
    if (mismatched) { printf("    dinp_lowp != bf16(dinp) at %zu elements FAIL\n", mismatched); }
    fail("dinp_lowp is not bf16(dinp)", mismatched != 0);
    // determinism: the same start must give the same bits
    run();
    std::vector<std::vector<float>> again = {download_f32(a.resout, n), download_bf16(a.out, n), download_f32(a.rstd, BT),
                                             download_f32(a.dinp, n), download_bf16(a.dinp_lowp, n), download_f32(a.dweight, C)};
    int same = 1;
    for (size_t k = 0; k < got.size(); k++) { same &= memcmp(got[k].data(), again[k].data(), got[k].size() * 4) == 0; }
    if (!same) { printf("    NOT bitwise reproducible FAIL\n"); }
    fail("not bitwise reproducible", !same);
    free_args(a);
    return bad;
}

// ----------------------------------------------------------------------------
// benchmark at one shape, rotating over 3 input sets (more than L2 holds)

__global__ void fill_normal_f32_kernel(float *p, size_t n, float mean, float std, uint64_t seed) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        float u1 = ((float)(z >> 40) + 1.f) * (1.f / 16777216.f), u2 = (float)(z & 0xFFFFFF) * (1.f / 16777216.f);
        p[i] = mean + std * sqrtf(-2.f * logf(u1)) * cospif(2.f * u2);
    }
}

struct Row { char shape[64]; int version; float fwd_ms, bwd_ms; double fwd_gbps, bwd_gbps; };

static void bench(const std::vector<int> &versions, int BT, int C, double copy_gbps, std::vector<Row> &rows) {
    const int NSETS = 3;
    size_t n = (size_t)BT * C;
    std::vector<NormArgs> sets;
    for (int k = 0; k < NSETS; k++) {
        NormArgs a = alloc_args(BT, C);
        fill_normal_f32_kernel<<<1024, 256>>>((float *)a.resin, n, 0.f, 1.f, 200 + 4 * k);
        fill_normal_bf16_dev((bf16 *)a.branch, n, 0.f, 1.f, 201 + 4 * k);
        fill_normal_bf16_dev((bf16 *)a.dout, n, 0.f, 1.f, 202 + 4 * k);
        fill_normal_f32_kernel<<<1024, 256>>>(a.dinp, n, 0.f, 1.f, 203 + 4 * k);
        cudaCheckLaunch();
        NormHost h = make_host_inputs(1, C, 9); // weight, dweight0 only
        upload_f32((float *)a.weight, h.weight.data(), C);
        upload_f32(a.dweight, h.dweight0.data(), C);
        // the backward reads what the forward leaves: resout and its rstd
        norm_forward(2, a);
        cudaCheck(cudaFree((void *)a.inp));
        cudaCheck(cudaFree((void *)a.rstd_in));
        a.inp = a.resout;
        a.rstd_in = a.rstd;
        sets.push_back(a);
    }
    cudaCheck(cudaDeviceSynchronize());
    // minimum traffic per element: forward reads resin (4) and branch (2), writes resout (4) and
    // out (2); backward reads dout (2), inp (4), dinp (4), writes dinp (4), dinp_lowp (2); rows' rstd
    double fwd_bytes = n * 12.0 + BT * 4.0, bwd_bytes = n * 16.0 + BT * 4.0;
    printf("\nrmsnorm BT=%d C=%d: forward %.1f MB, backward %.1f MB moved at minimum\n", BT, C, fwd_bytes / 1e6, bwd_bytes / 1e6);
    printf("  %-32s %9s %8s %7s   %9s %8s %7s\n", "version", "fwd ms", "GB/s", "%copy", "bwd ms", "GB/s", "%copy");
    for (int v : versions) {
        if (!version_supported(v, C)) { continue; }
        Row r;
        snprintf(r.shape, sizeof(r.shape), "BT=%d C=%d", BT, C);
        r.version = v;
        r.fwd_ms = time_median_ms([&](int i) { norm_forward(v, sets[i % NSETS]); }, 5, 50);
        r.bwd_ms = time_median_ms([&](int i) { norm_backward(v, sets[i % NSETS]); }, 5, 50);
        r.fwd_gbps = fwd_bytes / (r.fwd_ms * 1e-3) / 1e9;
        r.bwd_gbps = bwd_bytes / (r.bwd_ms * 1e-3) / 1e9;
        printf("  %-32s %9.4f %8.1f %6.1f%%   %9.4f %8.1f %6.1f%%\n", version_name[v], r.fwd_ms, r.fwd_gbps,
               100.0 * r.fwd_gbps / copy_gbps, r.bwd_ms, r.bwd_gbps, 100.0 * r.bwd_gbps / copy_gbps);
        rows.push_back(r);
    }
    for (auto &a : sets) {
        a.inp = NULL; // aliases of resout and rstd, freed above
        a.rstd_in = NULL;
        free_args(a);
    }
}

int main(int argc, char **argv) {
    std::vector<int> versions;
    int check_only = parse_version_args(argc, argv, NUM_VERSIONS, versions);

    printf("CPU reference self-check (host only):\n");
    int bad = 0;
    bad += check_reference(3, 7, 11);
    bad += check_reference(2, 16, 12);
    if (bad) { failures.push_back("CPU reference backward disagrees with finite differences"); }

    print_device();
    printf("checks (fresh random inputs each, outputs poisoned with NaN first, dinp/dweight accumulate):\n");
    uint64_t seed = 7;
    for (int v : versions) {
        bad += check_version(v, 300, 768, seed++);  // rows not a multiple of 8 or 64
        bad += check_version(v, 129, 384, seed++);
        bad += check_version(v, 77, 388, seed++);   // C not a multiple of 32 or 128: partial lanes
        bad += check_version(v, 37, 100, seed++);   // fewer float4 columns than lanes
        bad += check_version(v, 200, 1024, seed++); // the largest C of versions 3, 4
        bad += check_version(v, 50, 66, seed++);    // C % 4 != 0: the header's scalar path
        bad += check_version(v, 40, 1536, seed++);  // C > 1024: 2 warps per row (the 790m model)
        bad += check_version(v, 70, 2048, seed++);  // the 1.4b model
        bad += check_version(v, 67, 2560, seed++);  // 4 warps per row (the 2.8b model)
        bad += check_version(v, 33, 4096, seed++);
        bad += check_version(v, 5, 8192, seed++);   // the largest C of the header's vector path (8 warps per row)
        bad += check_version(v, 9, 4100, seed++);   // 8 warps per row, partial last stretch
        bad += check_version(v, 3, 8196, seed++);   // C > 8192: the header's scalar path
        bad += check_version(v, 21, 1538, seed++);  // C > 1024, C % 4 != 0: the header's scalar path
    }
    printf("checks: %s (%d failures)\n", bad ? "FAILED" : "all passed", bad);
    for (auto &f : failures) { printf("  FAILED: %s\n", f.c_str()); }
    if (bad) { return 1; }
    if (check_only) { return 0; }

    double copy = measure_copy_gbps();
    printf("device-to-device copy: %.1f GB/s (read + write)\n", copy);
    std::vector<Row> rows;
    bench(versions, 16384, 768, copy, rows);
    bench(versions, 32768, 384, copy, rows);
    bench(versions, 16384, 1536, copy, rows); // the larger released models' widths at B=8 T=2048
    bench(versions, 16384, 2048, copy, rows);
    bench(versions, 16384, 2560, copy, rows);
    printf("\nsummary (GB/s counts each byte of the inputs and outputs once; copy = %.0f GB/s)\n", copy);
    printf("%-20s %-32s %9s %8s %7s %9s %8s %7s\n", "shape", "version", "fwd ms", "GB/s", "%copy", "bwd ms", "GB/s", "%copy");
    for (auto &r : rows) {
        printf("%-20s %-32s %9.4f %8.1f %6.1f%% %9.4f %8.1f %6.1f%%\n", r.shape, version_name[r.version], r.fwd_ms,
               r.fwd_gbps, 100.0 * r.fwd_gbps / copy, r.bwd_ms, r.bwd_gbps, 100.0 * r.bwd_gbps / copy);
    }
    return 0;
}
