/*
Embedding lookup and its backward (the tied embedding: wte is also the LM head's weight).

    forward:   out[bt, :] = wte[inp[bt], :]                      out (BT, C) fp32, wte (V, C) fp32
    backward:  dwte[v, :] += sum over bt with inp[bt] == v of dout[bt, :]     dout (BT, C) fp32

No float atomics (their order would change the bits from run to run): the host sorts the
positions by token and each sum runs in a fixed order. What matters for speed is how the work
is cut: the most frequent token decides how long one block per token runs. So the benchmark
runs three token distributions per shape: uniform (the anchors' random-token workloads),
Zipf (p(k) ~ 1/(k+1): the top token gets 1/H_V of the positions, ~16% at V = 256, like the space
in tinyshakespeare's bytes) and a small vocabulary (the paper's synthetic tasks, V = 16).

Build and run:
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o encoder dev/cuda/encoder.cu
    ./encoder            # checks every version (exits 1 on any failure), then benchmarks, then a table
    ./encoder --check    # checks only
    ./encoder 1 2        # only versions 1 and 2

version 1: the previous trainer kernels (git 5ef02ff llmc/cuda/encoder.cuh), renamed: forward a
           thread per element; backward one block per distinct token, each thread summing one
           column over all of the token's positions.
version 2: llmc/cuda/encoder.cuh, the trainer's (the header itself is included): forward a float4
           per thread; backward with each token's positions cut into segments of at most 32, one
           block per segment (float4 columns from C = 128 on, one float per thread below), a
           token with several segments summed by a second kernel from one partial row per
           segment, in segment order.
version 3: version 2 with segments of 8 positions (more blocks, more partial rows).
version 4: version 2 with segments of 128 positions.
version 5: version 2's plan with the scalar kernels (one float per thread), to separate the
           float4 gain from the segmenting.
The backward is timed on a plan already on the device; the host's plan building (a counting
sort, on the CPU while the GPU runs the layers above) is timed on its own.
*/
#include <string>
#include <chrono>
#include "../../llmc/cuda/encoder.cuh"
#include "common.h" // after the llmc header: its cuda_check / ceil_div are used

#define NUM_VERSIONS 5
static const char *version_name[NUM_VERSIONS + 1] = {
    "", "v1 block per token (previous)", "v2 segments of 32 (trainer)", "v3 segments of 8", "v4 segments of 128",
    "v5 v2 with scalar kernels"};
static int version_seg(int v) { return v == 3 ? 8 : v == 4 ? 128 : ENCODER_SEG; }

// ----------------------------------------------------------------------------
// version 1: the previous trainer kernels, as they were

__global__ void v1_encoder_forward_kernel(float *out, const int *inp, const float *wte, int BT, int C) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)BT * C) { return; }
    int bt = (int)(i / C), c = (int)(i % C);
    out[i] = wte[(size_t)inp[bt] * C + c];
}

// bucket i: token buckets[3i], positions[buckets[3i+1] .. +buckets[3i+2]) in increasing order
__global__ void v1_encoder_backward_kernel(float *dwte, const float *dout, const int *buckets, const int *positions, int C) {
    int token = buckets[3 * blockIdx.x], start = buckets[3 * blockIdx.x + 1], count = buckets[3 * blockIdx.x + 2];
    for (int c = blockIdx.y * blockDim.x + threadIdx.x; c < C; c += gridDim.y * blockDim.x) {
        float acc = 0.0f;
        for (int i = 0; i < count; i++) { acc += dout[(size_t)positions[start + i] * C + c]; }
        dwte[(size_t)token * C + c] += acc;
    }
}

// host: counting sort by token; returns the number of buckets
static int v1_build_buckets(int *buckets, int *positions, int *bucket_of, const int *inp, int BT, int V) {
    for (int v = 0; v < V; v++) { bucket_of[v] = -1; }
    int nb = 0;
    for (int i = 0; i < BT; i++) {
        int v = inp[i];
        if (bucket_of[v] < 0) {
            bucket_of[v] = nb;
            buckets[3 * nb] = v;
            buckets[3 * nb + 2] = 0;
            nb++;
        }
        buckets[3 * bucket_of[v] + 2]++;
    }
    int offset = 0;
    for (int b = 0; b < nb; b++) {
        buckets[3 * b + 1] = offset;
        offset += buckets[3 * b + 2];
        buckets[3 * b + 2] = 0;
    }
    for (int i = 0; i < BT; i++) {
        int b = bucket_of[inp[i]];
        positions[buckets[3 * b + 1] + buckets[3 * b + 2]++] = i;
    }
    return nb;
}

// ----------------------------------------------------------------------------
// one version's state at one shape: inputs, outputs, and the backward's plan (on the device)

struct EncArgs {
    int BT, V, C, v;
    int *inp;       // device (BT)
    float *wte, *out, *dout, *dwte;
    // version 1
    int *buckets, *positions, nb;
    // versions 2-5
    EncoderPlan plan;
};

static EncArgs alloc_args(int v, int BT, int V, int C) {
    EncArgs a;
    a.BT = BT; a.V = V; a.C = C; a.v = v;
    a.inp = dmalloc<int>(BT);
    a.wte = dmalloc<float>((size_t)V * C); a.out = dmalloc<float>((size_t)BT * C);
    a.dout = dmalloc<float>((size_t)BT * C); a.dwte = dmalloc<float>((size_t)V * C);
    a.buckets = NULL; a.positions = NULL; a.nb = 0;
    if (v == 1) {
        a.buckets = dmalloc<int>(3 * (size_t)BT);
        a.positions = dmalloc<int>(BT);
    } else {
        encoder_plan_init(&a.plan, BT, V, C, version_seg(v));
    }
    return a;
}
static void free_args(EncArgs &a) {
    dfree(a.inp); dfree(a.wte); dfree(a.out); dfree(a.dout); dfree(a.dwte);
    if (a.v == 1) { dfree(a.buckets); dfree(a.positions); } else { encoder_plan_free(&a.plan); }
}

// build the backward's plan for the host tokens inp and copy it to the device
static void build_plan(EncArgs &a, const int *inp) {
    if (a.v == 1) {
        std::vector<int> buckets(3 * (size_t)a.BT), positions(a.BT), bucket_of(a.V);
        a.nb = v1_build_buckets(buckets.data(), positions.data(), bucket_of.data(), inp, a.BT, a.V);
        cudaCheck(cudaMemcpy(a.buckets, buckets.data(), 3 * (size_t)a.nb * sizeof(int), cudaMemcpyHostToDevice));
        cudaCheck(cudaMemcpy(a.positions, positions.data(), (size_t)a.BT * sizeof(int), cudaMemcpyHostToDevice));
    } else {
        encoder_plan_build(&a.plan, inp, a.BT);
        cudaCheck(cudaMemcpy(a.plan.plan, a.plan.cpu_plan, (size_t)a.plan.plan_ints * sizeof(int), cudaMemcpyHostToDevice));
    }
}

static void enc_forward(EncArgs &a) {
    if (a.v == 1) {
        v1_encoder_forward_kernel<<<ceil_div((long)a.BT * a.C, 256), 256>>>(a.out, a.inp, a.wte, a.BT, a.C);
    } else if (a.v == 5) {
        encoder_forward_kernel<false><<<ceil_div((long)a.BT * a.C, 256), 256>>>(a.out, a.inp, a.wte, a.BT, a.C);
    } else {
        encoder_forward(a.out, a.inp, a.wte, a.BT, a.C, 0);
    }
    cudaCheckLaunch();
}

static void enc_backward(EncArgs &a) {
    if (a.v == 1) {
        dim3 grid(a.nb, ceil_div(a.C, 256));
        v1_encoder_backward_kernel<<<grid, 256>>>(a.dwte, a.dout, a.buckets, a.positions, a.C);
    } else if (a.v == 5) { // the header's launch with the scalar kernel forced
        const EncoderPlan *ep = &a.plan;
        const int *positions = ep->plan;
        const int4 *segs = (const int4 *)(ep->plan + encoder_plan_pos_ints(ep->BT));
        const int *fin = ep->plan + encoder_plan_pos_ints(ep->BT) + 4 * ep->nseg;
        const int threads = a.C >= 256 ? 256 : (a.C + 31) / 32 * 32;
        encoder_backward_kernel<false><<<dim3(ep->nseg, ceil_div(a.C, threads)), threads>>>(a.dwte, ep->partials, a.dout,
                                                                                             positions, segs, a.C);
        if (ep->nfin > 0) {
            encoder_backward_finish_kernel<<<dim3(ep->nfin, ceil_div(a.C, threads)), threads>>>(a.dwte, ep->partials, fin, a.C);
        }
    } else {
        encoder_backward_launch(a.dwte, a.dout, &a.plan, 0);
    }
    cudaCheckLaunch();
}

// ----------------------------------------------------------------------------
// token distributions

enum Dist { UNIFORM, ZIPF, ONE_TOKEN };
static const char *dist_name[] = {"uniform", "zipf", "one token"};

static std::vector<int> make_tokens(int BT, int V, Dist d, uint64_t seed) {
    uint64_t s = seed;
    std::vector<int> t(BT);
    if (d == UNIFORM) {
        for (int i = 0; i < BT; i++) { t[i] = (int)(rng_u64(&s) % (uint64_t)V); }
    } else if (d == ONE_TOKEN) {
        int v = (int)(rng_u64(&s) % (uint64_t)V);
        for (int i = 0; i < BT; i++) { t[i] = v; }
    } else { // p(k) ~ 1/(k+1), token ids shuffled so the frequent ones are not 0, 1, 2, ...
        std::vector<double> cdf(V);
        double z = 0.0;
        for (int k = 0; k < V; k++) { z += 1.0 / (k + 1); cdf[k] = z; }
        std::vector<int> perm(V);
        for (int k = 0; k < V; k++) { perm[k] = k; }
        for (int k = V - 1; k > 0; k--) { std::swap(perm[k], perm[rng_u64(&s) % (uint64_t)(k + 1)]); }
        for (int i = 0; i < BT; i++) {
            double u = rng_f64(&s) * z;
            int k = (int)(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
            t[i] = perm[k < V ? k : V - 1];
        }
    }
    return t;
}

// ----------------------------------------------------------------------------
// check one version at one shape against a double CPU reference on fresh random inputs

static std::vector<std::string> failures;

static int check_version(int v, int BT, int V, int C, Dist dist, uint64_t seed) {
    char tag[160];
    snprintf(tag, sizeof(tag), "%s BT=%d V=%d C=%d %s", version_name[v], BT, V, C, dist_name[dist]);
    printf("  check %s\n", tag);
    uint64_t s = seed;
    std::vector<int> tok = make_tokens(BT, V, dist, seed * 7 + 1);
    std::vector<float> wte((size_t)V * C), dout((size_t)BT * C), dwte0((size_t)V * C);
    fill_normal(wte.data(), wte.size(), 0.f, 1.f, &s);
    fill_normal(dout.data(), dout.size(), 0.f, 1.f, &s);
    fill_normal(dwte0.data(), dwte0.size(), 0.f, 1.f, &s);
    std::vector<double> out_ref((size_t)BT * C), dwte_ref(dwte0.begin(), dwte0.end());
    std::vector<char> used(V, 0);
    for (int i = 0; i < BT; i++) {
        used[tok[i]] = 1;
        for (int c = 0; c < C; c++) {
            out_ref[(size_t)i * C + c] = wte[(size_t)tok[i] * C + c];
            dwte_ref[(size_t)tok[i] * C + c] += dout[(size_t)i * C + c];
        }
    }
    EncArgs a = alloc_args(v, BT, V, C);
    cudaCheck(cudaMemcpy(a.inp, tok.data(), (size_t)BT * sizeof(int), cudaMemcpyHostToDevice));
    upload_f32(a.wte, wte.data(), wte.size());
    upload_f32(a.dout, dout.data(), dout.size());
    auto run = [&]() {
        poison(a.out, (size_t)BT * C * 4);
        upload_f32(a.dwte, dwte0.data(), dwte0.size());
        if (a.v != 1) { poison(a.plan.partials, (size_t)encoder_plan_max_slots(BT, a.plan.seg) * C * 4); }
        build_plan(a, tok.data());
        enc_forward(a);
        enc_backward(a);
        cudaCheck(cudaDeviceSynchronize());
    };
    run();
    std::vector<float> out = download_f32(a.out, (size_t)BT * C), dwte = download_f32(a.dwte, (size_t)V * C);
    int bad = 0;
    auto fail = [&](const char *what, int b) { if (b) { failures.push_back(std::string(tag) + ": " + what); } bad += b; };
    // the forward copies: exact
    size_t wrong = 0;
    for (size_t i = 0; i < out.size(); i++) { wrong += out[i] != (float)out_ref[i]; }
    printf("    out          %zu elements differ from wte[inp] %s\n", wrong, wrong ? "FAIL" : "ok");
    fail("out is not wte[inp]", wrong != 0);
    // rows of tokens not in the batch: untouched, bit for bit
    size_t touched = 0;
    for (int t = 0; t < V; t++) {
        if (!used[t]) { touched += memcmp(&dwte[(size_t)t * C], &dwte0[(size_t)t * C], (size_t)C * 4) != 0; }
    }
    printf("    dwte         %zu rows of absent tokens changed %s\n", touched, touched ? "FAIL" : "ok");
    fail("dwte rows of absent tokens changed", touched != 0);
    // fp32 sums of up to BT terms of size ~1 in sequence (or in segments): relative error ~1e-7 * sqrt(terms)
    fail("dwte", report_err("dwte", rel_err(dwte.data(), dwte_ref.data(), dwte.size()), 1e-5));
    if (v != 1) { // a token with at most seg positions: one running sum in position order, as version 1
        EncArgs r = alloc_args(1, BT, V, C);
        cudaCheck(cudaMemcpy(r.inp, tok.data(), (size_t)BT * sizeof(int), cudaMemcpyHostToDevice));
        upload_f32(r.dout, dout.data(), dout.size());
        upload_f32(r.dwte, dwte0.data(), dwte0.size());
        build_plan(r, tok.data());
        enc_backward(r);
        std::vector<float> d1 = download_f32(r.dwte, (size_t)V * C);
        std::vector<int> cnt(V, 0);
        for (int t : tok) { cnt[t]++; }
        size_t rows = 0, differ = 0;
        for (int t = 0; t < V; t++) {
            if (cnt[t] > 0 && cnt[t] <= version_seg(v)) {
                rows++;
                differ += memcmp(&dwte[(size_t)t * C], &d1[(size_t)t * C], (size_t)C * 4) != 0;
            }
        }
        printf("    dwte         %zu of %zu rows of tokens with <= %d positions differ from v1's bits %s\n", differ, rows,
               version_seg(v), differ ? "FAIL" : "ok");
        fail("rows of single-segment tokens differ from version 1", differ != 0);
        free_args(r);
    }
    // determinism: the same start gives the same bits
    run();
    std::vector<float> dwte2 = download_f32(a.dwte, (size_t)V * C);
    int same = memcmp(dwte.data(), dwte2.data(), dwte.size() * 4) == 0;
    if (!same) { printf("    NOT bitwise reproducible FAIL\n"); }
    fail("not bitwise reproducible", !same);
    free_args(a);
    return bad;
}

// The plan's invariants on the host alone: every position once, each token's in increasing order,
// segments of at most seg, partial slots distinct, finishes covering exactly the multi-segment tokens.
static int check_plan(int BT, int V, int seg, Dist dist, uint64_t seed) {
    std::vector<int> tok = make_tokens(BT, V, dist, seed);
    EncoderPlan ep;
    ep.max_BT = 0;
    size_t cap = encoder_plan_cap(BT, seg);
    std::vector<int> plan(cap), count(V);
    ep.max_BT = BT; ep.V = V; ep.C = 1; ep.seg = seg;
    ep.cpu_plan = plan.data(); ep.cpu_count = count.data();
    encoder_plan_build(&ep, tok.data(), BT);
    const int *pos = plan.data(), *segs = plan.data() + encoder_plan_pos_ints(BT), *fin = segs + 4 * ep.nseg;
    std::vector<int> seen(BT, 0), slot_used(encoder_plan_max_slots(BT, seg), 0);
    int bad = 0, covered = 0;
    for (int k = 0; k < ep.nseg; k++) {
        const int v = segs[4 * k], st = segs[4 * k + 1], n = segs[4 * k + 2], sl = segs[4 * k + 3];
        bad += n < 1 || n > seg || st < 0 || st + n > BT;
        if (sl >= 0) { bad += sl >= (int)slot_used.size() || slot_used[sl]++ != 0; }
        for (int i = st; i < st + n && i < BT && i >= 0; i++) {
            bad += tok[pos[i]] != v || seen[pos[i]]++ != 0;
            if (i > st) { bad += pos[i] <= pos[i - 1]; }
        }
        covered += n;
    }
    for (int f = 0; f < ep.nfin; f++) {
        const int first = fin[3 * f + 1], n = fin[3 * f + 2];
        bad += n < 2;
        for (int k = 0; k < n; k++) { bad += first + k >= (int)slot_used.size() || slot_used[first + k] != 1; }
    }
    bad += covered != BT || ep.plan_ints > (int)cap;
    printf("  plan BT=%d V=%d seg=%d %-9s: %d segments, %d finishes, %s\n", BT, V, seg, dist_name[dist], ep.nseg, ep.nfin,
           bad ? "FAIL" : "ok");
    if (bad) { failures.push_back("plan invariants"); }
    return bad != 0;
}

// ----------------------------------------------------------------------------
// benchmark

// values in [-1, 1) for the benchmark's large buffers (their values do not matter to the timing)
__global__ void fill_uniform_f32_kernel(float *p, size_t n, uint64_t seed) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z ^= z >> 31;
        p[i] = (float)(z >> 40) * (2.f / 16777216.f) - 1.f;
    }
}
static void fill_uniform_f32(float *p, size_t n, uint64_t seed) {
    fill_uniform_f32_kernel<<<1024, 256>>>(p, n, seed);
    cudaCheckLaunch();
}

struct Row { char shape[96]; int version; float fwd_ms, bwd_ms, plan_ms; double fwd_gbps, bwd_gbps; };

static void bench(const std::vector<int> &versions, const char *name, int BT, int V, int C, Dist dist, double copy,
                  std::vector<Row> &rows) {
    std::vector<int> tok = make_tokens(BT, V, dist, 99);
    std::vector<int> cnt(V, 0);
    int top = 0;
    for (int t : tok) { top = std::max(top, ++cnt[t]); }
    // minimum traffic: forward reads BT rows of wte, writes out; backward reads dout, and reads and
    // writes the rows of the tokens present
    int distinct = 0;
    for (int c : cnt) { distinct += c > 0; }
    double fwd_bytes = 2.0 * BT * C * 4, bwd_bytes = (double)BT * C * 4 + 2.0 * distinct * C * 4;
    printf("\n%s: BT=%d V=%d C=%d, %s tokens (%d distinct, the most frequent at %d positions)\n", name, BT, V, C,
           dist_name[dist], distinct, top);
    printf("  %-32s %9s %8s %7s   %9s %8s %7s   %9s\n", "version", "fwd ms", "GB/s", "%copy", "bwd ms", "GB/s", "%copy",
           "plan ms");
    for (int v : versions) {
        EncArgs a = alloc_args(v, BT, V, C);
        cudaCheck(cudaMemcpy(a.inp, tok.data(), (size_t)BT * sizeof(int), cudaMemcpyHostToDevice));
        fill_uniform_f32(a.wte, (size_t)V * C, 1);
        fill_uniform_f32(a.dout, (size_t)BT * C, 2);
        fill_uniform_f32(a.dwte, (size_t)V * C, 3);
        // host plan building, the CPU's part of each step
        auto t0 = std::chrono::steady_clock::now();
        const int reps = 20;
        for (int r = 0; r < reps; r++) {
            if (v == 1) {
                std::vector<int> b(3 * (size_t)BT), p(BT), bo(V);
                v1_build_buckets(b.data(), p.data(), bo.data(), tok.data(), BT, V);
            } else {
                encoder_plan_build(&a.plan, tok.data(), BT);
            }
        }
        float plan_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
        build_plan(a, tok.data());
        Row r;
        snprintf(r.shape, sizeof(r.shape), "%s %s", name, dist_name[dist]);
        r.version = v;
        r.fwd_ms = time_median_ms([&](int) { enc_forward(a); }, 5, 50);
        r.bwd_ms = time_median_ms([&](int) { enc_backward(a); }, 5, 50);
        r.plan_ms = plan_ms;
        r.fwd_gbps = fwd_bytes / (r.fwd_ms * 1e-3) / 1e9;
        r.bwd_gbps = bwd_bytes / (r.bwd_ms * 1e-3) / 1e9;
        printf("  %-32s %9.4f %8.1f %6.1f%%   %9.4f %8.1f %6.1f%%   %9.3f\n", version_name[v], r.fwd_ms, r.fwd_gbps,
               100.0 * r.fwd_gbps / copy, r.bwd_ms, r.bwd_gbps, 100.0 * r.bwd_gbps / copy, r.plan_ms);
        rows.push_back(r);
        free_args(a);
    }
}

int main(int argc, char **argv) {
    std::vector<int> versions;
    int check_only = parse_version_args(argc, argv, NUM_VERSIONS, versions);

    printf("plan invariants (host only):\n");
    int bad = 0;
    for (int seg : {1, 8, 32, 128}) {
        bad += check_plan(1000, 7, seg, UNIFORM, 1);
        bad += check_plan(4099, 300, seg, ZIPF, 2);
        bad += check_plan(257, 50, seg, ONE_TOKEN, 3);
        bad += check_plan(32 * 4, 4, seg, UNIFORM, 4);
    }
    print_device();
    printf("checks (fresh random inputs each, out poisoned with NaN first, dwte accumulates):\n");
    uint64_t seed = 11;
    for (int v : versions) {
        bad += check_version(v, 300, 50, 768, UNIFORM, seed++);
        bad += check_version(v, 1000, 7, 384, UNIFORM, seed++);   // hundreds of positions per token
        bad += check_version(v, 4099, 256, 128, ZIPF, seed++);
        bad += check_version(v, 777, 300, 100, ZIPF, seed++);     // C % 4 == 0, fewer float4s than a warp
        bad += check_version(v, 513, 40, 66, UNIFORM, seed++);    // C % 4 != 0: the scalar path
        bad += check_version(v, 2000, 9, 64, ONE_TOKEN, seed++);  // one token everywhere
        bad += check_version(v, 64, 5, 1536, UNIFORM, seed++);    // C > 4 * 256: several column blocks
    }
    printf("checks: %s (%d failures)\n", bad ? "FAILED" : "all passed", bad);
    for (auto &f : failures) { printf("  FAILED: %s\n", f.c_str()); }
    if (bad) { return 1; }
    if (check_only) { return 0; }

    double copy = measure_copy_gbps();
    printf("device-to-device copy: %.1f GB/s (read + write)\n", copy);
    std::vector<Row> rows;
    for (Dist d : {UNIFORM, ZIPF}) { bench(versions, "130m", 16384, 50280, 768, d, copy, rows); }
    for (Dist d : {UNIFORM, ZIPF}) { bench(versions, "byte-level", 32768, 256, 384, d, copy, rows); }
    bench(versions, "synthetic copy", 64 * 1040, 16, 64, UNIFORM, copy, rows);
    printf("\nsummary (GB/s counts each byte of the inputs and outputs once; copy = %.0f GB/s)\n", copy);
    printf("%-28s %-32s %9s %7s %9s %7s %8s\n", "shape", "version", "fwd ms", "%copy", "bwd ms", "%copy", "plan ms");
    for (auto &r : rows) {
        printf("%-28s %-32s %9.4f %6.1f%% %9.4f %6.1f%% %8.3f\n", r.shape, version_name[r.version], r.fwd_ms,
               100.0 * r.fwd_gbps / copy, r.bwd_ms, 100.0 * r.bwd_gbps / copy, r.plan_ms);
    }
    return 0;
}
