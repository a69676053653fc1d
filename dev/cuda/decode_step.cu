/*
The recurrent (generation) step of one Mamba layer for a batch of G sequences, one token each:

    h = RMSNorm(r) * norm_w;  (x, z) = h in_proj^T
    conv_state <- shift in x;  u = silu(conv_b + sum_k conv_w[k] conv_state[k])
    (dt_r, B, C) = u x_proj^T;  delta = softplus(dt_r dt_proj^T + dt_bias)
    s = exp(delta A) s + delta B u  (per state);  y = C . s + D u;  yg = y silu(z)
    r += yg out_proj^T

bf16 weights and activations, fp32 residual stream, states and scan arithmetic (the trainer's
RecurrentState). The CPU reference rounds to bf16 at the points where the GPU stores bf16 tensors,
so the GPU differs from it only in the order of its sums (and the bf16 roundings that flips).

The benchmark steps L_BENCH layers with different weights (more bytes than L2 holds, as a real
model's step) inside one CUDA graph, so each layer's weights come from DRAM and the launches
are back to back, as in the trainer's generation. It prints us per layer and the weights'
read rate against the measured copy rate.

Build and run:
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o decode_step dev/cuda/decode_step.cu -lcublas -lcublasLt
    ./decode_step            # checks every version (exits 1 on any failure), then benchmarks
    ./decode_step --check    # checks only
    ./decode_step 2 3        # only versions 2 and 3

version 1: the per-operation step (train_mamba.cu's path above DECODE_MAX_BATCH): RMSNorm,
           cuBLAS products (matmul_forward), conv1d_silu_step_kernel, selective_scan_step_kernel, residual add.
version 2: llmc/cuda/decode.cuh, the trainer's fused step (4 kernels, programmatic dependent
           launches on sm_90).
version 3: version 2 launched plainly (decode_programmatic = 0): what the early launches and the
           weight prefetch before the wait buy.
*/
#include "../../llmc/cuda/decode.cuh"
#include "../../llmc/cuda/matmul.cuh"
#include "common.h" // after the llmc headers: their cuda_check / ceil_div are used

#define NUM_VERSIONS 3
static const char *version_name[NUM_VERSIONS + 1] = {"", "v1 per operation (cuBLAS)", "v2 fused, programmatic (trainer)",
                                                     "v3 fused, plain launches"};
#define L_BENCH 24

struct Shape { int G, C, Di, N, R, K; };

// one layer's weights and the step's buffers on the device
struct Layer {
    float *norm_w, *conv_w, *conv_b, *dt_b, *A_log, *D;
    floatX *in_w, *x_w, *dt_w, *out_w;
};
struct Buffers {
    float *r, *conv_state, *ssm_state;
    floatX *h, *xz, *u, *xdbl, *delta_raw, *yg, *out;
};

// ----------------------------------------------------------------------------
// CPU reference (bf16 weights as floats; rounds where the GPU stores bf16)

static float bf(float x) { return bf16_bits_to_f32(f32_to_bf16_bits(x)); }

struct HostLayer { std::vector<float> norm_w, in_w, conv_w, conv_b, x_w, dt_w, dt_b, A_log, D, out_w; };

static void cpu_step(const Shape &s, const HostLayer &w, float *r, float *conv_state, float *ssm_state) {
    const int G = s.G, C = s.C, Di = s.Di, N = s.N, R = s.R, K = s.K, X = R + 2 * N;
    std::vector<float> h(C), xz(2 * Di), u(Di), xdbl(X);
    for (int g = 0; g < G; g++) {
        float *rg = r + (size_t)g * C;
        double ss = 0.0;
        for (int c = 0; c < C; c++) { ss += (double)rg[c] * rg[c]; }
        float rstd = 1.0f / sqrtf((float)(ss / C) + RMSNORM_EPS);
        for (int c = 0; c < C; c++) { h[c] = bf(rg[c] * rstd * w.norm_w[c]); }
        for (int o = 0; o < 2 * Di; o++) {
            double acc = 0.0;
            for (int c = 0; c < C; c++) { acc += (double)w.in_w[(size_t)o * C + c] * h[c]; }
            xz[o] = bf((float)acc);
        }
        for (int d = 0; d < Di; d++) {
            float *cs = conv_state + ((size_t)g * Di + d) * K;
            for (int k = 0; k < K - 1; k++) { cs[k] = cs[k + 1]; }
            cs[K - 1] = xz[d];
            float a = w.conv_b[d];
            for (int k = 0; k < K; k++) { a += w.conv_w[(size_t)d * K + k] * cs[k]; }
            u[d] = bf(a / (1.0f + expf(-a)));
        }
        for (int o = 0; o < X; o++) {
            double acc = 0.0;
            for (int d = 0; d < Di; d++) { acc += (double)w.x_w[(size_t)o * Di + d] * u[d]; }
            xdbl[o] = bf((float)acc);
        }
        std::vector<float> yg(Di);
        for (int d = 0; d < Di; d++) {
            double dr = 0.0;
            for (int k = 0; k < R; k++) { dr += (double)w.dt_w[(size_t)d * R + k] * xdbl[k]; }
            float v = bf((float)dr) + w.dt_b[d];
            float delta = v > 20.0f ? v : log1pf(expf(v));
            float *st = ssm_state + ((size_t)g * Di + d) * N, acc = 0.0f;
            for (int n = 0; n < N; n++) {
                float A = -expf(w.A_log[(size_t)d * N + n]);
                st[n] = expf(delta * A) * st[n] + delta * xdbl[R + n] * u[d];
                acc += xdbl[R + N + n] * st[n];
            }
            float y = acc + w.D[d] * u[d], z = xz[Di + d];
            yg[d] = bf(y * z / (1.0f + expf(-z)));
        }
        for (int c = 0; c < C; c++) {
            double acc = 0.0;
            for (int d = 0; d < Di; d++) { acc += (double)w.out_w[(size_t)c * Di + d] * yg[d]; }
            rg[c] += bf((float)acc);
        }
    }
}

// ----------------------------------------------------------------------------
// the versions

static void run_version(int v, const Shape &s, const Layer &w, const Buffers &b, cudaStream_t stream) {
    const int G = s.G, C = s.C, Di = s.Di, N = s.N, R = s.R, K = s.K, X = R + 2 * N;
    if (v == 1) {
        rmsnorm_forward(b.h, NULL, b.r, w.norm_w, G, C, stream);
        matmul_forward(b.xz, b.h, C, w.in_w, G, C, 2 * Di);
        conv1d_silu_step_kernel<<<ceil_div(G * Di, 256), 256, 0, stream>>>(b.u, b.conv_state, b.xz, 2 * Di, w.conv_w, w.conv_b,
                                                                           G, Di, K);
        matmul_forward(b.xdbl, b.u, Di, w.x_w, G, Di, X);
        matmul_forward(b.delta_raw, b.xdbl, X, w.dt_w, G, R, Di);
        selective_scan_step_kernel<<<ceil_div(G * Di * SCAN_STEP_LANES, 256), 256, 0, stream>>>(
            b.yg, b.ssm_state, b.u, b.delta_raw, w.dt_b, w.A_log, b.xdbl, R, w.D, b.xz, G, Di, N);
        matmul_forward(b.out, b.yg, Di, w.out_w, G, Di, C);
        residual_forward(b.r, b.r, b.out, (size_t)G * C, stream);
    } else {
        decode_programmatic = v == 2;
        decode_layer(b.r, b.xz, b.u, b.xdbl, b.yg, b.conv_state, b.ssm_state, w.norm_w, w.in_w, w.conv_w, w.conv_b, b.u,
                     w.x_w, w.dt_w, w.dt_b, w.A_log, w.D, w.out_w, G, C, Di, K, R, N, stream);
        decode_programmatic = 1;
    }
    cudaCheckLaunch();
}

// ----------------------------------------------------------------------------
// setup

static HostLayer random_layer(const Shape &s, uint64_t *rng) {
    const int C = s.C, Di = s.Di, N = s.N, R = s.R, K = s.K, X = R + 2 * N;
    HostLayer w;
    auto normal = [&](std::vector<float> &v, size_t n, float mean, float std, bool round) {
        v.resize(n);
        fill_normal(v.data(), n, mean, std, rng);
        if (round) { round_to_bf16(v.data(), n); }
    };
    normal(w.norm_w, C, 1.0f, 0.2f, false);
    normal(w.in_w, (size_t)2 * Di * C, 0.0f, 1.0f / sqrtf((float)C), true);
    normal(w.conv_w, (size_t)Di * K, 0.0f, 0.5f, false);
    normal(w.conv_b, Di, 0.0f, 0.2f, false);
    normal(w.x_w, (size_t)X * Di, 0.0f, 1.0f / sqrtf((float)Di), true);
    normal(w.dt_w, (size_t)Di * R, 0.0f, 1.0f / sqrtf((float)R), true);
    normal(w.dt_b, Di, -3.0f, 1.0f, false);
    normal(w.D, Di, 1.0f, 0.3f, false);
    w.A_log.resize((size_t)Di * N);
    for (size_t i = 0; i < w.A_log.size(); i++) { w.A_log[i] = logf((float)(i % N + 1)) + 0.3f * rng_normal(rng); }
    normal(w.out_w, (size_t)C * Di, 0.0f, 1.0f / sqrtf((float)Di), true);
    return w;
}

static Layer upload_layer(const HostLayer &h) {
    Layer w;
    auto f32 = [](const std::vector<float> &v) { float *p = dmalloc<float>(v.size()); upload_f32(p, v.data(), v.size()); return p; };
    auto b16 = [](const std::vector<float> &v) {
        floatX *p = dmalloc<floatX>(v.size());
        upload_bf16(p, v.data(), v.size());
        return p;
    };
    w.norm_w = f32(h.norm_w); w.conv_w = f32(h.conv_w); w.conv_b = f32(h.conv_b); w.dt_b = f32(h.dt_b);
    w.A_log = f32(h.A_log); w.D = f32(h.D);
    w.in_w = b16(h.in_w); w.x_w = b16(h.x_w); w.dt_w = b16(h.dt_w); w.out_w = b16(h.out_w);
    return w;
}

static void free_layer(Layer &w) {
    dfree(w.norm_w); dfree(w.conv_w); dfree(w.conv_b); dfree(w.dt_b); dfree(w.A_log); dfree(w.D);
    dfree(w.in_w); dfree(w.x_w); dfree(w.dt_w); dfree(w.out_w);
}

static Buffers alloc_buffers(const Shape &s) {
    const size_t G = s.G, C = s.C, Di = s.Di, X = s.R + 2 * s.N;
    Buffers b;
    b.r = dmalloc<float>(G * C); b.conv_state = dmalloc<float>(G * Di * s.K); b.ssm_state = dmalloc<float>(G * Di * s.N);
    b.h = dmalloc<floatX>(G * C); b.xz = dmalloc<floatX>(G * 2 * Di); b.u = dmalloc<floatX>(G * Di);
    b.xdbl = dmalloc<floatX>(G * X); b.delta_raw = dmalloc<floatX>(G * Di); b.yg = dmalloc<floatX>(G * Di);
    b.out = dmalloc<floatX>(G * C);
    return b;
}

static void free_buffers(Buffers &b) {
    dfree(b.r); dfree(b.conv_state); dfree(b.ssm_state); dfree(b.h); dfree(b.xz); dfree(b.u); dfree(b.xdbl);
    dfree(b.delta_raw); dfree(b.yg); dfree(b.out);
}

// ----------------------------------------------------------------------------
// check: STEPS steps of one layer from random states, against the CPU reference

// the largest |out - ref| over the largest |ref| (infinite if out holds a NaN)
static double err_of_largest(const std::vector<float> &out, const std::vector<float> &ref) {
    double err = 0.0, big = 0.0;
    for (size_t i = 0; i < ref.size(); i++) {
        if (!isfinite(out[i])) { return INFINITY; }
        err = fmax(err, fabs((double)out[i] - ref[i]));
        big = fmax(big, fabs((double)ref[i]));
    }
    return err / fmax(big, 1e-30);
}

static bool check_version(int v, const Shape &s, uint64_t seed, cudaStream_t stream) {
    const int STEPS = 3;
    uint64_t rng = seed;
    HostLayer hw = random_layer(s, &rng);
    Layer w = upload_layer(hw);
    Buffers b = alloc_buffers(s);
    const size_t nr = (size_t)s.G * s.C, nc = (size_t)s.G * s.Di * s.K, ns = (size_t)s.G * s.Di * s.N;
    std::vector<float> r(nr), cs(nc), ss(ns);
    fill_normal(r.data(), nr, 0.0f, 1.0f, &rng);
    fill_normal(cs.data(), nc, 0.0f, 1.0f, &rng);
    round_to_bf16(cs.data(), nc); // the conv state holds bf16-rounded x values
    fill_normal(ss.data(), ns, 0.0f, 1.0f, &rng);
    upload_f32(b.r, r.data(), nr);
    upload_f32(b.conv_state, cs.data(), nc);
    upload_f32(b.ssm_state, ss.data(), ns);
    poison(b.xz, (size_t)s.G * 2 * s.Di * sizeof(floatX)); // every buffer a step writes before it reads it
    poison(b.u, (size_t)s.G * s.Di * sizeof(floatX));
    poison(b.xdbl, (size_t)s.G * (s.R + 2 * s.N) * sizeof(floatX));
    poison(b.yg, (size_t)s.G * s.Di * sizeof(floatX));
    for (int t = 0; t < STEPS; t++) {
        run_version(v, s, w, b, stream);
        // steps apart, as the trainer's plain encoder launch keeps them: the fused in_proj reads the conv
        // state before it waits for the kernel before (llmc/cuda/decode.cuh, decode_layer)
        cudaCheck(cudaStreamSynchronize(stream));
        cpu_step(s, hw, r.data(), cs.data(), ss.data());
    }
    cudaCheck(cudaStreamSynchronize(stream));
    double er = err_of_largest(download_f32(b.r, nr), r);
    double es = err_of_largest(download_f32(b.ssm_state, ns), ss);
    double ec = err_of_largest(download_f32(b.conv_state, nc), cs);
    // bf16 roundings at 7 points per step: one flipped rounding moves a value by 2^-8 of itself, and
    // the sums spread it; 2e-2 of each tensor's largest entry is several such flips, far below a bug
    bool ok = er < 2e-2 && es < 2e-2 && ec < 2e-2;
    printf("%s %-34s G=%d C=%d Di=%d N=%d: residual %.2e, SSM states %.2e, conv states %.2e (of the largest entry)\n",
           ok ? "PASS" : "FAIL", version_name[v], s.G, s.C, s.Di, s.N, er, es, ec);
    free_layer(w);
    free_buffers(b);
    return ok;
}

// ----------------------------------------------------------------------------
// benchmark: L_BENCH layers in one graph

static void bench_version(int v, const Shape &s, cudaStream_t stream, double copy_gbs) {
    uint64_t rng = 99;
    std::vector<Layer> w;
    for (int l = 0; l < L_BENCH; l++) {
        HostLayer h = random_layer(s, &rng);
        w.push_back(upload_layer(h));
    }
    Buffers b = alloc_buffers(s);
    std::vector<float> r((size_t)s.G * s.C);
    fill_normal(r.data(), r.size(), 0.0f, 1.0f, &rng);
    upload_f32(b.r, r.data(), r.size());
    // each layer its own conv and SSM states, as in the trainer (the fused in_proj reads its layer's conv
    // state before it waits for the kernel before, so layers must not share one)
    const size_t nc = (size_t)s.G * s.Di * s.K, ns = (size_t)s.G * s.Di * s.N;
    float *conv_states = dmalloc<float>(L_BENCH * nc), *ssm_states = dmalloc<float>(L_BENCH * ns);
    cudaCheck(cudaMemset(conv_states, 0, L_BENCH * nc * 4));
    cudaCheck(cudaMemset(ssm_states, 0, L_BENCH * ns * 4));
    std::vector<Buffers> bl(L_BENCH, b);
    for (int l = 0; l < L_BENCH; l++) { bl[l].conv_state = conv_states + l * nc; bl[l].ssm_state = ssm_states + l * ns; }
    for (int l = 0; l < L_BENCH; l++) { run_version(v, s, w[l], bl[l], stream); } // warm-up (cuBLAS picks its kernels)
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    cudaCheck(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    for (int l = 0; l < L_BENCH; l++) { run_version(v, s, w[l], bl[l], stream); }
    cudaCheck(cudaStreamEndCapture(stream, &graph));
    cudaCheck(cudaGraphInstantiate(&exec, graph, 0));
    const int reps = 50;
    cudaEvent_t t0, t1;
    cudaCheck(cudaEventCreate(&t0));
    cudaCheck(cudaEventCreate(&t1));
    cudaCheck(cudaGraphLaunch(exec, stream));
    cudaCheck(cudaEventRecord(t0, stream));
    for (int i = 0; i < reps; i++) { cudaCheck(cudaGraphLaunch(exec, stream)); }
    cudaCheck(cudaEventRecord(t1, stream));
    cudaCheck(cudaEventSynchronize(t1));
    float ms;
    cudaCheck(cudaEventElapsedTime(&ms, t0, t1));
    const double us_layer = 1000.0 * ms / reps / L_BENCH;
    const double bytes = 2.0 * ((double)2 * s.Di * s.C + (double)(s.R + 2 * s.N) * s.Di + (double)s.Di * s.R + (double)s.C * s.Di);
    const double gbs = bytes / (us_layer * 1e3);
    printf("%-34s G=%d C=%d Di=%d: %7.2f us per layer, weights at %6.0f GB/s (%4.1f%% of the copy rate)\n", version_name[v],
           s.G, s.C, s.Di, us_layer, gbs, 100.0 * gbs / copy_gbs);
    cudaCheck(cudaGraphExecDestroy(exec));
    cudaCheck(cudaGraphDestroy(graph));
    for (auto &l : w) { free_layer(l); }
    dfree(conv_states);
    dfree(ssm_states);
    free_buffers(b);
}

int main(int argc, char **argv) {
    std::vector<int> versions;
    const int check_only = parse_version_args(argc, argv, NUM_VERSIONS, versions);
    cudaStream_t stream;
    cudaCheck(cudaStreamCreate(&stream));
    matmul_init(stream);
    // the 130m layer (C 768, Di 1536, N 16, R 48, K 4) at batch 1 and 8; odd sizes (one value per
    // load, N past the 16 lanes, batches between the compiled sizes)
    const Shape checks[] = {{1, 768, 1536, 16, 48, 4}, {8, 768, 1536, 16, 48, 4}, {3, 36, 72, 24, 3, 3}, {5, 18, 36, 5, 2, 4}};
    bool all = true;
    for (int v : versions) {
        for (const Shape &s : checks) {
            if (!decode_fused_supported(s.G, s.C, s.Di) && v != 1) { continue; }
            all &= check_version(v, s, 1234 + s.G, stream);
        }
    }
    if (!all) { printf("FAIL: a version differs from the CPU reference\n"); return 1; }
    if (check_only) { return 0; }
    print_device();
    const double copy_gbs = measure_copy_gbps();
    printf("device copy rate: %.0f GB/s\n", copy_gbs);
    const Shape benches[] = {{1, 768, 1536, 16, 48, 4}, {8, 768, 1536, 16, 48, 4}, {1, 1024, 2048, 16, 64, 4}};
    for (const Shape &s : benches) {
        for (int v : versions) { bench_version(v, s, stream, copy_gbs); }
    }
    return 0;
}
