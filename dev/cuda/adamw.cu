/*
AdamW on fp32 master weights (with the bf16 copy the matmuls read), and the global gradient norm.
Per element, step t (1-based), bc1 = 1 - beta1^t, bc2 = 1 - beta2^t:
    g = grad * grad_scale
    m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
    p = p - lr ((m / bc1) / (sqrt(v / bc2) + eps) + wd p),   p_bf16 = bf16(p)
The norm is sqrt(sum of grad^2) over all parameters, in fixed-shape passes without atomics, so it
is bitwise repeatable. The trainer computes it first, reads it on the host, and passes
grad_scale = clip / norm (when norm > clip) to the update; a non-finite norm skips the update.
Traffic per element: update 30 bytes (params, m, v read and written, grad read, bf16 written),
norm 4 bytes (grad read).

Build and run:
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o adamw dev/cuda/adamw.cu
    ./adamw            # checks every version (exits 1 on any failure), then benchmarks, then a table
    ./adamw --check    # checks only (e.g. under compute-sanitizer)
    ./adamw 1 2        # only versions 1 and 2

version 1: the previous trainer kernels (git dc87a96 llmc/cuda/adamw.cuh), renamed: a thread per
           element with scalar loads and three divisions; the norm as NORM_BLOCKS x 256 threads of
           grid-stride scalar loads, then one block sums the partials (the header's second pass).
version 2: llmc/cuda/adamw.cuh, the trainer's kernels (the header itself is included): float4 loads
           and stores (the bf16 copy as one 8-byte store), a thread per 4 elements, the scalar head
           that reaches 16-byte alignment and the tail done by the first threads (any other
           misalignment between the arrays: all scalar); 1/bc1 and 1/bc2 folded on the host (one
           division left). The norm: same two-pass shape and partials buffer (NORM_BLOCKS) as
           version 1, 4 float4 loads in flight per thread per iteration, the squares summed in
           double (since 2026-12-07: a float sum overflowed past a norm of 1.8e19, and the step was
           skipped where the CPU trainer clips it; version 1 keeps its float sum).
version 3: norm and update in one cooperative launch: sum of squares -> per-block partials -> grid
           barrier -> every block sums the partials in the same order (the same bits everywhere) ->
           grad_scale = clip / norm on the device, the update skipped when the norm is not finite ->
           the update (version 2's body, the header's helpers, grid-stride). Saves a launch and the
           host round trip between the norm and the update; the gradient is still read twice (516 MB
           does not stay in L2). In the trainer it would only fit runs without the host-side outlier
           skip (-sl / -sg), which needs the norm before deciding.
*/
#include <string>
#include <cooperative_groups.h>
#include "../../llmc/cuda/adamw.cuh"
#include "common.h" // after the llmc header: its cuda_check / ceil_div are used

#ifdef ENABLE_FP32
#error "this playground measures the bf16 build (floatX = bf16)"
#endif
typedef __nv_bfloat16 bf16;
namespace cg = cooperative_groups;

struct AdamArgs {
    float *params;      // (n) fp32 master weights
    bf16 *lowp;         // (n) bf16 copy
    const float *grads; // (n)
    float *m, *v;       // (n) moments
    size_t n;
    float lr, beta1, beta2, eps, wd;
    int t;
    double *norm_out;   // (1) sum of squares of grads (v3 also: the value its own scale used)
    double *partials;   // (NORM_BLOCKS)
};

// ----------------------------------------------------------------------------
// CPU reference, double precision

static void adamw_cpu(double *p, double *m, double *v, const float *g, size_t n, double lr, double beta1, double beta2,
                      int t, double eps, double wd, double grad_scale) {
    double bc1 = 1.0 - pow(beta1, t), bc2 = 1.0 - pow(beta2, t);
    for (size_t i = 0; i < n; i++) {
        double grad = g[i] * grad_scale;
        m[i] = beta1 * m[i] + (1.0 - beta1) * grad;
        v[i] = beta2 * v[i] + (1.0 - beta2) * grad * grad;
        p[i] -= lr * ((m[i] / bc1) / (sqrt(v[i] / bc2) + eps) + wd * p[i]);
    }
}

static double norm_squared_cpu(const float *g, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) { s += (double)g[i] * g[i]; }
    return s;
}

// ----------------------------------------------------------------------------
// version 1: the previous trainer kernels (git dc87a96 llmc/cuda/adamw.cuh), renamed

__global__ void adamw_v1_kernel(float *params, floatX *params_lowp, const float *grads, float *m, float *v, size_t n,
                                float lr, float beta1, float beta2, float bc1, float bc2, float eps, float wd, float grad_scale) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) { return; }
    float grad = grads[i] * grad_scale;
    float mi = beta1 * m[i] + (1.0f - beta1) * grad;
    float vi = beta2 * v[i] + (1.0f - beta2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    float p = params[i];
    p -= lr * ((mi / bc1) / (sqrtf(vi / bc2) + eps) + wd * p);
    params[i] = p;
    params_lowp[i] = fromF<floatX>(p);
}

static void adamw_v1(const AdamArgs &a, float grad_scale) {
    float bc1 = 1.0f - powf(a.beta1, (float)a.t), bc2 = 1.0f - powf(a.beta2, (float)a.t);
    adamw_v1_kernel<<<ceil_div((long)a.n, 256L), 256>>>(a.params, a.lowp, a.grads, a.m, a.v, a.n, a.lr, a.beta1, a.beta2,
                                                        bc1, bc2, a.eps, a.wd, grad_scale);
    cudaCheckLaunch();
}

__global__ void norm_squared_partials_v1_kernel(double *partials, const float *x, size_t n) { // (a float sum, as then)
    float acc = 0.0f;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        acc += x[i] * x[i];
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) { partials[blockIdx.x] = acc; }
}

static void global_norm_squared_v1(double *out, double *partials, const float *x, size_t n) {
    norm_squared_partials_v1_kernel<<<NORM_BLOCKS, 256>>>(partials, x, n);
    cudaCheckLaunch();
    sum_partials_kernel<<<1, 1024>>>(out, partials, NORM_BLOCKS);
    cudaCheckLaunch();
}

// the header's coefficients (version 2's and 3's) from the arguments
static AdamCoef adam_coef(const AdamArgs &a, float grad_scale) {
    AdamCoef c;
    c.lr = a.lr; c.beta1 = a.beta1; c.beta2 = a.beta2; c.omb1 = 1.0f - a.beta1; c.omb2 = 1.0f - a.beta2;
    c.inv_bc1 = 1.0f / (1.0f - powf(a.beta1, (float)a.t));
    c.inv_bc2 = 1.0f / (1.0f - powf(a.beta2, (float)a.t));
    c.eps = a.eps; c.wd = a.wd; c.grad_scale = grad_scale;
    return c;
}

// ----------------------------------------------------------------------------
// version 3: norm + update in one cooperative launch

#define FUSED_THREADS 512

__global__ void __launch_bounds__(FUSED_THREADS) adamw_fused_kernel(float *params, bf16 *lowp, const float *grads, float *m,
                                                                    float *v, VecSplit s, VecSplit sg, AdamCoef c, float grad_clip,
                                                                    double *partials, double *norm_out) {
    double acc = block_sum(sumsq_thread(grads, sg));
    if (threadIdx.x == 0) { partials[blockIdx.x] = acc; }
    cg::this_grid().sync(); // also makes the partials visible to every block
    double ss = 0.0;
    for (int i = threadIdx.x; i < (int)gridDim.x; i += blockDim.x) { ss += __ldcg(partials + i); }
    ss = block_sum(ss); // same data, same order in every block: the same bits everywhere
    if (blockIdx.x == 0 && threadIdx.x == 0) { *norm_out = ss; }
    float norm = (float)sqrt(ss);
    if (!isfinite(norm)) { return; } // the trainer skips such an update (uniform across the grid)
    c.grad_scale = (grad_clip > 0.0f && norm > grad_clip) ? grad_clip / norm : 1.0f;
    size_t gid = (size_t)blockIdx.x * blockDim.x + threadIdx.x, stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = gid; i < s.n4; i += stride) { adamw_vec4(params, lowp, grads, m, v, s.head + 4 * i, c); }
    for (size_t k = gid; k < s.rem; k += stride) { adamw_scalar(params, lowp, grads, m, v, scalar_index(k, s.head, s.n4), c); }
}

static void adamw_v3(const AdamArgs &a, float grad_clip) {
    static int grid = 0;
    if (!grid) {
        int per_sm = 0, sms = 0;
        cudaCheck(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, adamw_fused_kernel, FUSED_THREADS, 0));
        cudaCheck(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
        grid = std::min(NORM_BLOCKS, per_sm * sms); // the partials buffer holds NORM_BLOCKS
        if (grid < 1) { fprintf(stderr, "adamw_fused_kernel cannot be resident\n"); exit(1); }
    }
    VecSplit s = vector_split(a.params, a.grads, a.m, a.v, a.lowp, a.n), sg = split_one(a.grads, a.n);
    AdamCoef c = adam_coef(a, 1.0f);
    float *params = a.params, *m = a.m, *v = a.v;
    double *partials = a.partials, *norm_out = a.norm_out;
    bf16 *lowp = a.lowp;
    const float *grads = a.grads;
    void *args[] = {&params, &lowp, &grads, &m, &v, &s, &sg, &c, &grad_clip, &partials, &norm_out};
    cudaCheck(cudaLaunchCooperativeKernel((void *)adamw_fused_kernel, grid, FUSED_THREADS, args, 0, 0));
    cudaCheckLaunch();
}

// ----------------------------------------------------------------------------
// dispatch. Versions 1 and 2 run the trainer's sequence: norm, read it on the host, scale, update.

static const int NUM_VERSIONS = 3;
static const char *version_name[NUM_VERSIONS + 1] = {"", "v1 previous trainer (dc87a96)", "v2 llmc adamw.cuh float4",
                                                      "v3 fused norm+update"};

static void norm_squared(int version, const AdamArgs &a) {
    if (version == 1) {
        global_norm_squared_v1(a.norm_out, a.partials, a.grads, a.n);
    } else {
        global_norm_squared(a.norm_out, a.partials, a.grads, a.n, 0);
        cudaCheckLaunch();
    }
}

static void update(int version, const AdamArgs &a, float grad_scale) {
    if (version == 1) {
        adamw_v1(a, grad_scale);
    } else {
        adamw_update(a.params, a.lowp, a.grads, a.m, a.v, a.n, a.lr, a.beta1, a.beta2, a.t, a.eps, a.wd, grad_scale, 0);
        cudaCheckLaunch();
    }
}

static float scale_for(float norm, float grad_clip) { return (grad_clip > 0.0f && norm > grad_clip) ? grad_clip / norm : 1.0f; }

// one optimizer step as the trainer takes it; returns the sum of squares
static double step(int version, const AdamArgs &a, float grad_clip) {
    if (version == 3) {
        adamw_v3(a, grad_clip);
        double ss;
        cudaCheck(cudaMemcpy(&ss, a.norm_out, sizeof(double), cudaMemcpyDeviceToHost)); // for logging, after the fact
        return ss;
    }
    norm_squared(version, a);
    double ss;
    cudaCheck(cudaMemcpy(&ss, a.norm_out, sizeof(double), cudaMemcpyDeviceToHost));
    float norm = (float)sqrt(ss);
    if (isfinite(norm)) { update(version, a, scale_for(norm, grad_clip)); }
    return ss;
}

// ----------------------------------------------------------------------------
// checks

struct HostState { std::vector<float> params, grads, m, v; std::vector<uint16_t> lowp; };

static HostState make_state(size_t n, int t, uint64_t seed) {
    HostState h;
    uint64_t s = seed;
    h.params.resize(n); fill_normal(h.params.data(), n, 0.0f, 0.02f, &s);
    h.grads.resize(n); fill_normal(h.grads.data(), n, 0.0f, 1e-3f, &s);
    h.m.resize(n);
    h.v.resize(n);
    if (t == 1) { // first step: zero moments
        std::fill(h.m.begin(), h.m.end(), 0.0f);
        std::fill(h.v.begin(), h.v.end(), 0.0f);
    } else {
        fill_normal(h.m.data(), n, 0.0f, 1e-3f, &s);
        // second moments of past gradients of this size, bounded away from 0 so that the steps
        // m / sqrt(v) stay O(1) (a tiny v would let a few huge steps dominate the error norms)
        for (size_t i = 0; i < n; i++) { float z = 1e-3f * (0.3f + fabsf(rng_normal(&s))); h.v[i] = z * z; }
    }
    h.lowp.resize(n);
    for (size_t i = 0; i < n; i++) { h.lowp[i] = f32_to_bf16_bits(h.params[i]); }
    return h;
}

// device buffers with each array starting `off[k]` elements past a 256-byte boundary
struct DevState { float *pbase, *gbase, *mbase, *vbase; bf16 *lbase; AdamArgs a; };

static DevState upload_state(const HostState &h, size_t n, const int off[5]) {
    DevState d;
    d.pbase = dmalloc<float>(n + 8); d.gbase = dmalloc<float>(n + 8); d.mbase = dmalloc<float>(n + 8);
    d.vbase = dmalloc<float>(n + 8); d.lbase = dmalloc<bf16>(n + 8);
    AdamArgs &a = d.a;
    a.params = d.pbase + off[0]; a.grads = d.gbase + off[1]; a.m = d.mbase + off[2]; a.v = d.vbase + off[3];
    a.lowp = d.lbase + off[4];
    a.n = n;
    a.norm_out = dmalloc<double>(1);
    a.partials = dmalloc<double>(NORM_BLOCKS);
    cudaCheck(cudaMemcpy(a.params, h.params.data(), n * 4, cudaMemcpyHostToDevice));
    cudaCheck(cudaMemcpy((void *)a.grads, h.grads.data(), n * 4, cudaMemcpyHostToDevice));
    cudaCheck(cudaMemcpy(a.m, h.m.data(), n * 4, cudaMemcpyHostToDevice));
    cudaCheck(cudaMemcpy(a.v, h.v.data(), n * 4, cudaMemcpyHostToDevice));
    cudaCheck(cudaMemcpy(a.lowp, h.lowp.data(), n * 2, cudaMemcpyHostToDevice));
    return d;
}
static void free_state(DevState &d) {
    dfree(d.pbase); dfree(d.gbase); dfree(d.mbase); dfree(d.vbase); dfree(d.lbase);
    dfree(d.a.norm_out); dfree(d.a.partials);
}

static std::vector<std::string> failures;

// A step's m, v and params (from the state h) against the CPU's in double; returns the number of failures. m, v: two
// or three fp32 roundings each. The step itself (p_new - p_old, exact in fp32 by Sterbenz): the final rounding of p
// (~0.02 * 6e-8) against a step of ~1e-3 gives ~1e-6 relative; the scale (fp32 norm) and sqrt/division add less
static int check_updated_state(const HostState &h, const std::vector<float> &p, const std::vector<float> &m,
                               const std::vector<float> &v, const std::vector<double> &p_ref,
                               const std::vector<double> &m_ref, const std::vector<double> &v_ref) {
    const size_t n = p.size();
    int bad = report_err("m", rel_err(m.data(), m_ref.data(), n), 1e-6);
    bad += report_err("v", rel_err(v.data(), v_ref.data(), n), 1e-6);
    bad += report_err("params", rel_err(p.data(), p_ref.data(), n), 1e-6);
    std::vector<float> dp(n);
    std::vector<double> dp_ref(n);
    for (size_t i = 0; i < n; i++) { dp[i] = p[i] - h.params[i]; dp_ref[i] = p_ref[i] - h.params[i]; }
    return bad + report_err("step", rel_err(dp.data(), dp_ref.data(), n), 2e-5);
}

static int check_version(int version, size_t n, const int off[5], int t, float wd, uint64_t seed) {
    HostState h = make_state(n, t, seed);
    double ss_ref = norm_squared_cpu(h.grads.data(), n);
    // a clip below the norm, so the scale is exercised (scale ~ 0.7)
    float grad_clip = n > 0 ? (float)(0.7 * sqrt(ss_ref)) : 1.0f;
    AdamArgs cfg;
    cfg.lr = 1e-3f; cfg.beta1 = 0.9f; cfg.beta2 = 0.95f; cfg.eps = 1e-8f; cfg.wd = wd; cfg.t = t;

    double ss_run[2];
    std::vector<float> p, m, v, lowp;
    for (int run = 0; run < 2; run++) { // the second run checks bitwise repeatability of the norm
        DevState d = upload_state(h, n, off);
        AdamArgs a = d.a;
        a.lr = cfg.lr; a.beta1 = cfg.beta1; a.beta2 = cfg.beta2; a.eps = cfg.eps; a.wd = cfg.wd; a.t = cfg.t;
        poison(a.norm_out, 8);
        poison(a.partials, NORM_BLOCKS * 8);
        poison(a.lowp, n * 2); // every bf16 element must be written
        ss_run[run] = step(version, a, grad_clip);
        cudaCheck(cudaDeviceSynchronize());
        if (run == 0) {
            p = download_f32(a.params, n); m = download_f32(a.m, n); v = download_f32(a.v, n);
            lowp = download_bf16(a.lowp, n);
        }
        free_state(d);
    }
    // the update is checked at the scale the GPU derived from its own norm (checked separately below),
    // so a last-bit difference in the norm does not show up as an update error
    double scale = scale_for((float)sqrt(ss_run[0]), grad_clip);
    std::vector<double> p_ref(h.params.begin(), h.params.end()), m_ref(h.m.begin(), h.m.end()), v_ref(h.v.begin(), h.v.end());
    adamw_cpu(p_ref.data(), m_ref.data(), v_ref.data(), h.grads.data(), n, cfg.lr, cfg.beta1, cfg.beta2, t, cfg.eps, wd, scale);
    printf("  check %-24s n=%zu offsets %d,%d,%d,%d,%d t=%d wd=%.1f grad_scale=%.4f\n", version_name[version], n, off[0], off[1],
           off[2], off[3], off[4], t, wd, scale);
    int bad = 0;
    // version 1 sums each thread's and block's squares in fp32: at most ~60 sequential roundings along any path of
    // the reduction tree (per thread, block, partials), < 4e-6 relative. Versions 2 and 3 sum in double, compared as the
    // double they return: at most ~60 double roundings there, and ~sqrt(n) typical ones in the reference's sequential
    // sum, ~3e-13 at n = 9e6 (rounded to a float first, the check measured mostly that rounding, up to 6e-8: a sum in
    // float within 4e-8 of the reference passed it)
    if (version == 1) {
        const float ss_f = (float)ss_run[0];
        bad += report_err("norm^2", rel_err(&ss_f, &ss_ref, 1), 1e-5);
    } else {
        ErrStat e;
        e.maxabs = fabs(ss_run[0] - ss_ref);
        e.rel = e.maxabs / ss_ref; // (NaN for a NaN sum: report_err fails it)
        e.nan_count = !isfinite(ss_run[0]);
        bad += report_err("norm^2", e, 1e-10);
    }
    if (memcmp(&ss_run[0], &ss_run[1], 8) != 0) {
        printf("    norm^2 NOT bitwise reproducible (%.9g vs %.9g) FAIL\n", ss_run[0], ss_run[1]);
        bad++;
    }
    bad += check_updated_state(h, p, m, v, p_ref, m_ref, v_ref);
    size_t lowp_bad = 0;
    for (size_t i = 0; i < n; i++) { lowp_bad += bf16_bits_to_f32(f32_to_bf16_bits(p[i])) != lowp[i] || !isfinite(lowp[i]); }
    printf("    %-12s %zu of %zu not the round-to-nearest of the fp32 params %s\n", "bf16 copy", lowp_bad, n, lowp_bad ? "FAIL" : "ok");
    bad += lowp_bad > 0;
    if (bad) {
        char msg[160];
        snprintf(msg, sizeof(msg), "%s at n=%zu offsets %d,%d,%d,%d,%d (seed %llu)", version_name[version], n, off[0], off[1],
                 off[2], off[3], off[4], (unsigned long long)seed);
        failures.push_back(msg);
    }
    return bad;
}

// one step (t = 5, clip 1) of h's state uploaded without offsets; *ss: the sum of squares. The caller frees the state
static DevState step_at_clip_1(int version, const HostState &h, size_t n, double *ss) {
    const int off[5] = {0, 0, 0, 0, 0};
    DevState d = upload_state(h, n, off);
    AdamArgs &a = d.a;
    a.lr = 1e-3f; a.beta1 = 0.9f; a.beta2 = 0.95f; a.eps = 1e-8f; a.wd = 0.1f; a.t = 5;
    *ss = step(version, a, 1.0f);
    cudaCheck(cudaDeviceSynchronize());
    return d;
}

// a NaN gradient: the norm is NaN and no weight, moment or bf16 copy may change
static int check_nan_skip(int version, size_t n, uint64_t seed) {
    HostState h = make_state(n, 5, seed);
    h.grads[n / 3] = NAN;
    double ss;
    DevState d = step_at_clip_1(version, h, n, &ss);
    const AdamArgs &a = d.a;
    std::vector<float> p = download_f32(a.params, n), m = download_f32(a.m, n), v = download_f32(a.v, n);
    std::vector<uint16_t> lowp(n);
    cudaCheck(cudaMemcpy(lowp.data(), a.lowp, n * 2, cudaMemcpyDeviceToHost));
    int changed = memcmp(p.data(), h.params.data(), n * 4) || memcmp(m.data(), h.m.data(), n * 4) ||
                  memcmp(v.data(), h.v.data(), n * 4) || memcmp(lowp.data(), h.lowp.data(), n * 2);
    int bad = isfinite(ss) || changed;
    printf("  check %-24s n=%zu NaN gradient: norm^2 %g, state %s %s\n", version_name[version], n, ss,
           changed ? "changed" : "untouched", bad ? "FAIL" : "ok");
    if (bad) { failures.push_back(std::string(version_name[version]) + ": a NaN gradient did not skip the update"); }
    free_state(d);
    return bad;
}

// gradients whose norm passes 1.8e19, whose squares overflow a float sum: versions 2 and 3 (the trainer's) sum in double,
// so the norm is finite and the update is taken at clip / norm, as the CPU trainer takes it (version 1 summed in fp32)
static int check_huge_norm(int version, size_t n, uint64_t seed) {
    HostState h = make_state(n, 5, seed);
    for (size_t i = 0; i < n; i += 97) { h.grads[i] = (i / 97) % 2 ? 3e20f : -2e20f; }
    double ss_ref = norm_squared_cpu(h.grads.data(), n), ss;
    DevState d = step_at_clip_1(version, h, n, &ss);
    const AdamArgs &a = d.a;
    std::vector<float> p = download_f32(a.params, n), m = download_f32(a.m, n), v = download_f32(a.v, n);
    int changed = memcmp(p.data(), h.params.data(), n * 4) != 0;
    double err = fabs(ss - ss_ref) / ss_ref;
    int bad = !(err < 1e-12) || !changed;
    printf("  check %-24s n=%zu gradients of 3e20: norm^2 %g (relative error %.1e), update %s %s\n", version_name[version], n, ss,
           err, changed ? "taken" : "skipped", bad ? "FAIL" : "ok");
    // the update's size: the state after the step against the CPU's in double from the same inputs, the gradient clipped
    // to the max norm 1 (step_at_clip_1's) at the scale 1 / sqrt(ss_ref), the hyperparameters those the step ran with.
    // Tolerances as in check_version, which derives them (m, v, params 1e-6; the step 2e-5). The scale adds less: the
    // GPU's is the float 1 / (float)sqrt(ss), two roundings (<= 1.2e-7 relative) from the double's, which move m by as
    // much, v by twice that, and the step less (m / sqrt(v) barely depends on the scale where the clipped gradient
    // dominates). A scale not clip / norm moves the 3e20 gradients' m and v by as much as it is off. (Emulated on the
    // host in float, one rounding per operation: m 3e-8, v 7e-8, params 3e-8, step 3.5e-7 at this scale; a scale 1e-5
    // off: m 3.7e-6, v 1.9e-5, caught.)
    std::vector<double> p_ref(h.params.begin(), h.params.end()), m_ref(h.m.begin(), h.m.end()), v_ref(h.v.begin(), h.v.end());
    adamw_cpu(p_ref.data(), m_ref.data(), v_ref.data(), h.grads.data(), n, a.lr, a.beta1, a.beta2, a.t, a.eps, a.wd, 1.0 / sqrt(ss_ref));
    bad += check_updated_state(h, p, m, v, p_ref, m_ref, v_ref);
    if (bad) { failures.push_back(std::string(version_name[version]) + ": a norm past 1.8e19 was not summed, or not clipped to the max norm"); }
    free_state(d);
    return bad;
}

// ----------------------------------------------------------------------------
// benchmark

__global__ void fill_normal_f32_kernel(float *p, size_t n, float mean, float std, uint64_t seed, int square) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        float u1 = ((float)(z >> 40) + 1.f) * (1.f / 16777216.f), u2 = (float)(z & 0xFFFFFF) * (1.f / 16777216.f);
        float x = mean + std * sqrtf(-2.f * logf(u1)) * cospif(2.f * u2);
        p[i] = square ? x * x : x;
    }
}

struct Row { int version; float norm_ms, update_ms, step_ms; }; // NaN: not measured (v3 has only the step)

// " ms GB/s [%copy]" columns, or dashes
static void print_cells(float ms, double bytes, double copy_gbps, int with_copy) {
    if (isnan(ms)) { printf(" %10s %8s", "-", "-"); if (with_copy) { printf(" %7s", "-"); } return; }
    double gbps = bytes / (ms * 1e-3) / 1e9;
    printf(" %10.4f %8.1f", ms, gbps);
    if (with_copy) { printf(" %6.1f%%", 100.0 * gbps / copy_gbps); }
}

static void bench(const std::vector<int> &versions, size_t n, double copy_gbps, std::vector<Row> &rows) {
    AdamArgs a;
    a.params = dmalloc<float>(n); a.lowp = dmalloc<bf16>(n); a.m = dmalloc<float>(n); a.v = dmalloc<float>(n);
    float *grads = dmalloc<float>(n);
    a.grads = grads;
    a.n = n;
    a.norm_out = dmalloc<double>(1); a.partials = dmalloc<double>(NORM_BLOCKS);
    a.lr = 3e-4f; a.beta1 = 0.9f; a.beta2 = 0.95f; a.eps = 1e-8f; a.wd = 0.1f; a.t = 100;
    fill_normal_f32_kernel<<<1024, 256>>>(a.params, n, 0.0f, 0.02f, 1, 0);
    fill_normal_f32_kernel<<<1024, 256>>>(grads, n, 0.0f, 1e-3f, 2, 0);
    fill_normal_f32_kernel<<<1024, 256>>>(a.m, n, 0.0f, 1e-3f, 3, 0);
    fill_normal_f32_kernel<<<1024, 256>>>(a.v, n, 0.0f, 1e-3f, 4, 1);
    cudaCheckLaunch();
    cudaCheck(cudaDeviceSynchronize());
    const float clip = 1.0f;
    double ub = 30.0 * n, nb = 4.0 * n;
    printf("\nAdamW n=%zu: update %.1f MB, norm %.1f MB moved at minimum\n", n, ub / 1e6, nb / 1e6);
    printf("  %-24s %10s %8s %7s %10s %8s %7s %10s %8s\n", "version", "update ms", "GB/s", "%copy", "norm ms", "GB/s", "%copy",
           "step ms", "GB/s");
    for (int ver : versions) {
        Row r;
        r.version = ver;
        r.norm_ms = r.update_ms = NAN;
        if (ver != 3) {
            r.norm_ms = time_median_ms([&](int) { norm_squared(ver, a); });
            r.update_ms = time_median_ms([&](int) { update(ver, a, 0.5f); });
        }
        // norm -> host -> update as the trainer does it (v3: one launch); includes the host round trip
        r.step_ms = time_median_ms([&](int) { step(ver, a, clip); }, 3, 20);
        rows.push_back(r);
        printf("  %-24s", version_name[ver]);
        print_cells(r.update_ms, ub, copy_gbps, 1);
        print_cells(r.norm_ms, nb, copy_gbps, 1);
        print_cells(r.step_ms, ub + nb, copy_gbps, 0);
        printf("\n");
    }
    dfree(a.params); dfree(a.lowp); dfree(a.m); dfree(a.v); dfree(grads); dfree(a.norm_out); dfree(a.partials);
}

int main(int argc, char **argv) {
    std::vector<int> versions;
    int check_only = parse_version_args(argc, argv, NUM_VERSIONS, versions);

    print_device();
    printf("checks (fresh random inputs each, bf16 copy/norm/partials poisoned first, each run twice):\n");
    int bad = 0;
    uint64_t seed = 7;
    const int aligned[5] = {0, 0, 0, 0, 0}, shifted[5] = {1, 1, 1, 1, 1}, mixed[5] = {1, 2, 0, 3, 1}, tail[5] = {3, 3, 3, 3, 3};
    for (int v : versions) {
        bad += check_version(v, 9000001, aligned, 10, 0.1f, seed++); // several norm iterations per thread, a tail
        bad += check_version(v, 77777, shifted, 1, 0.0f, seed++);    // first step; a 3-element head reaches alignment
        bad += check_version(v, 1001, mixed, 3, 0.1f, seed++);       // arrays misaligned to each other: scalar
        bad += check_version(v, 5, tail, 2, 0.1f, seed++);           // head and tail only
        bad += check_nan_skip(v, 77777, seed++);
        if (v != 1) { bad += check_huge_norm(v, 77777, seed++); }
    }
    printf("checks: %s (%d failures)\n", bad ? "FAILED" : "all passed", bad);
    for (auto &f : failures) { printf("  FAILED: %s\n", f.c_str()); }
    if (bad) { return 1; }
    if (check_only) { return 0; }

    double copy = measure_copy_gbps();
    printf("device-to-device copy: %.1f GB/s (read + write)\n", copy);
    std::vector<Row> rows;
    const size_t n130m = 129135360; // mamba-130m parameters (doc/formats.md)
    bench(versions, n130m, copy, rows);
    printf("\nsummary n=%zu (update: 30 bytes/param, norm: 4, step = norm + host read + update: 34; copy = %.0f GB/s)\n", n130m, copy);
    printf("%-24s %10s %8s %7s %10s %8s %7s %10s %8s\n", "version", "update ms", "GB/s", "%copy", "norm ms", "GB/s", "%copy",
           "step ms", "GB/s");
    for (auto &r : rows) {
        printf("%-24s", version_name[r.version]);
        print_cells(r.update_ms, 30.0 * n130m, copy, 1);
        print_cells(r.norm_ms, 4.0 * n130m, copy, 1);
        print_cells(r.step_ms, 34.0 * n130m, copy, 0);
        printf("\n");
    }
    return 0;
}
