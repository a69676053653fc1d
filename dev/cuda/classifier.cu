/*
Fused classifier: softmax over the Vp logits of each token row, cross-entropy against the target,
the argmax (token accuracy), and the logits' gradient written in place over the logits.
    loss     = logsumexp(x) - x[target]
    dlogits  = (softmax(x) - onehot(target)) * dloss          (dloss = 1 / number of counted targets)
    pred     = the lowest index of the row maximum
A target of -1 is ignored: loss 0 and an all-zero gradient row (its argmax is still written).
Layouts as in the trainer: logits (BT, Vp) bf16, Vp a multiple of 8 (every row 16-byte aligned);
targets (BT) int; losses (BT) fp32; predictions (BT) int.

Build and run:
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o classifier dev/cuda/classifier.cu
    ./classifier            # checks every version (exits 1 on any failure), then benchmarks, then a table
    ./classifier --check    # checks only (e.g. under compute-sanitizer)
    ./classifier 2 3        # only versions 2 and 3

version 1: the first trainer kernel (git dc87a96), block of 512 per row, scalar bf16 loads, expf.
           The trainer ran it twice: in the forward for the loss (no gradient), and again in the
           backward, which recomputes the max and sum before writing the gradient: the row is read
           3 times. The argmax, which that version did not have, is added to the loss pass (scalar).
version 2: llmc/cuda/classifier.cuh, the trainer's kernels (the header itself is included): the row
           is read from DRAM once (it was version 3 until it moved into the trainer; doc/perf.md's
           tables of 2026-11-23 call it v3).
           Vp <= 2048: one warp per row, the row held in registers (Vp/256 16-byte packs per lane),
           8 rows per block; warp shuffles only, no shared memory or block barriers. At Vp = 256,
           version 3 keeps 224 of its 256 threads idle and pays two block barriers per 512-byte row.
           Vp > 2048: one block of 512 per row, the row copied into shared memory with cp.async
           (100 KB at Vp = 50280: 2 rows per SM, so one row's loads overlap the other's math);
           max + argmax pass, exp-sum pass, gradient pass over shared memory. Exact max first, so no
           online rescaling. Rows too long for shared memory fall back to version 3's kernel.
version 3: the previous trainer kernel (git c162c2f; doc/perf.md's v2), which the header keeps for rows
           too long for shared memory and which is launched here directly: one launch, block of 256
           per row, 16-byte loads, online max/sum with __expf, then a second read of the row for the
           gradient. The row is read twice (the second read hits L2 only if the ~1000 resident rows
           of 100 KB each leave it there; at Vp = 50280 they do not fit in 50 MB).
*/
#include <string>
#include "../../llmc/cuda/classifier.cuh"
#include "common.h" // after the llmc header: its cuda_check / ceil_div are used

#ifdef ENABLE_FP32
#error "this playground measures the bf16 build (floatX = bf16)"
#endif
typedef __nv_bfloat16 bf16;

struct ClsArgs {
    bf16 *logits;        // (BT, Vp), overwritten by dlogits
    float *losses;       // (BT)
    int *predictions;    // (BT)
    const int *targets;  // (BT), -1 = ignored
    float dloss;
    int BT, Vp;
};

// ----------------------------------------------------------------------------
// CPU reference, double precision

static void classifier_cpu(double *dlogits, double *losses, int *preds, const float *logits, const int *targets,
                           double dloss, int BT, int Vp) {
    for (int r = 0; r < BT; r++) {
        const float *x = logits + (size_t)r * Vp;
        int arg = 0;
        for (int i = 1; i < Vp; i++) { if (x[i] > x[arg]) { arg = i; } }
        double M = x[arg], S = 0.0;
        for (int i = 0; i < Vp; i++) { S += exp((double)x[i] - M); }
        double lse = M + log(S);
        int t = targets[r];
        losses[r] = t < 0 ? 0.0 : lse - x[t];
        preds[r] = arg;
        for (int i = 0; i < Vp; i++) {
            dlogits[(size_t)r * Vp + i] = t < 0 ? 0.0 : (exp((double)x[i] - lse) - (i == t ? 1.0 : 0.0)) * dloss;
        }
    }
}

// ----------------------------------------------------------------------------
// version 1: the first trainer kernel, launched twice (loss pass, then loss + gradient pass)

__global__ void classifier_v1_kernel(bf16 *logits, float *losses, int *predictions, const int *targets, float dloss,
                                     int Vp, int write_dlogits) {
    bf16 *row = logits + (size_t)blockIdx.x * Vp;
    int target = targets[blockIdx.x];
    float m = -INFINITY, s = 0.0f;
    int arg = 0; // added: first index of this thread's maximum (indices are visited in increasing order)
    for (int i = threadIdx.x; i < Vp; i += blockDim.x) {
        float v = toF(row[i]);
        if (v > m) { s = s * expf(m - v) + 1.0f; m = v; arg = i; } else { s += expf(v - m); }
    }
    __shared__ float shared_m[32], shared_s[32];
    __shared__ int shared_arg[32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    for (int o = 16; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(0xffffffff, m, o), s2 = __shfl_xor_sync(0xffffffff, s, o);
        int a2 = __shfl_xor_sync(0xffffffff, arg, o);
        if (m2 > m || (m2 == m && a2 < arg)) { arg = a2; }
        float mm = fmaxf(m, m2);
        s = (m == -INFINITY ? 0.0f : s * expf(m - mm)) + (m2 == -INFINITY ? 0.0f : s2 * expf(m2 - mm));
        m = mm;
    }
    if (lane == 0) { shared_m[warp] = m; shared_s[warp] = s; shared_arg[warp] = arg; }
    __syncthreads();
    float M = -INFINITY;
    int best = 0;
    for (int w = 0; w < warps; w++) {
        if (shared_m[w] > M || (shared_m[w] == M && shared_arg[w] < best)) { best = shared_arg[w]; }
        M = fmaxf(M, shared_m[w]);
    }
    float S = 0.0f;
    for (int w = 0; w < warps; w++) { S += shared_s[w] * expf(shared_m[w] - M); }
    float lse = M + logf(S);
    if (threadIdx.x == 0) {
        losses[blockIdx.x] = target < 0 ? 0.0f : lse - toF(row[target]);
        if (!write_dlogits) { predictions[blockIdx.x] = best; }
    }
    if (!write_dlogits) { return; }
    __syncthreads(); // everyone has read row[target] before it is overwritten
    for (int i = threadIdx.x; i < Vp; i += blockDim.x) {
        float p = expf(toF(row[i]) - lse);
        float g = target < 0 ? 0.0f : (p - (i == target ? 1.0f : 0.0f)) * dloss;
        row[i] = fromF<floatX>(g);
    }
}

static void classifier_v1(const ClsArgs &a) {
    // forward: the loss (the trainer passed dloss = 0 there)
    classifier_v1_kernel<<<a.BT, 512>>>(a.logits, a.losses, a.predictions, a.targets, 0.0f, a.Vp, 0);
    cudaCheckLaunch();
    // backward: recomputes the max and sum, writes the gradient
    classifier_v1_kernel<<<a.BT, 512>>>(a.logits, a.losses, a.predictions, a.targets, a.dloss, a.Vp, 1);
    cudaCheckLaunch();
}

// ----------------------------------------------------------------------------
// which path version 2 (the header's fused_classifier) takes at this Vp, for the printout

static const char *v2_path_name(int Vp) {
    if (Vp / PACK <= 32 * CLS_MAX_PPL) { return "warp per row, row in registers"; }
    if ((size_t)Vp * sizeof(floatX) + 256 <= (size_t)classifier_smem_optin()) { return "block per row, row in shared memory"; }
    return "too long for shared memory: version 3's kernel";
}

// ----------------------------------------------------------------------------

static const int NUM_VERSIONS = 3;
static const char *version_name[NUM_VERSIONS + 1] = {
    "", "v1 first, scalar, 2 launches", "v2 llmc classifier.cuh, row read once", "v3 previous trainer (c162c2f)"};

static void classifier(int version, const ClsArgs &a) {
    switch (version) {
    case 1: classifier_v1(a); break;
    case 2:
        fused_classifier(a.logits, a.losses, a.predictions, a.targets, a.dloss, a.BT, a.Vp, 1, 0);
        cudaCheckLaunch();
        break;
    case 3:
        fused_classifier_kernel<<<a.BT, 256>>>(a.logits, a.losses, a.predictions, a.targets, a.dloss, a.Vp, 1);
        cudaCheckLaunch();
        break;
    default: fprintf(stderr, "unknown version %d\n", version); exit(1);
    }
}

// ----------------------------------------------------------------------------
// check one version at one shape against the CPU reference on fresh random inputs

static std::vector<std::string> failures;

static int check_version(int version, int BT, int Vp, uint64_t seed) {
    size_t n = (size_t)BT * Vp;
    uint64_t s = seed;
    std::vector<float> logits(n);
    std::vector<int> targets(BT);
    for (int r = 0; r < BT; r++) {
        float sd = r % 3 == 0 ? 4.0f : 1.5f; // some rows peaked, some flat
        fill_normal(logits.data() + (size_t)r * Vp, Vp, 0.0f, sd, &s);
        targets[r] = rng_u64(&s) % 8 == 0 ? -1 : (int)(rng_u64(&s) % Vp);
    }
    // special rows (BT >= 6)
    float *x = logits.data();
    for (int i = 0; i < Vp; i++) { x[i] = 0.75f; }                    // row 0: all equal: argmax 0, loss log(Vp)
    targets[0] = 5 % Vp;
    for (int k = 0; k < 4; k++) { x[Vp + rng_u64(&s) % Vp] = 12.0f; } // row 1: the max at up to 4 random places
    for (int i = 0; i < Vp; i++) {                                     // row 2: 7 levels: the max at ~1/7 of places
        x[2 * Vp + i] = (float)(rng_u64(&s) % 7) - 2.5f;               // (never 0: an unwritten element must not pass)
    }
    targets[3] = -1;                                                   // row 3: ignored
    targets[4] = Vp - 1;                                               // row 4: the last column
    targets[5] = (int)(rng_u64(&s) % Vp);                              // row 5: the target far above the rest
    x[5 * Vp + targets[5]] = 24.0f;
    round_to_bf16(logits.data(), n);
    int valid = 0;
    for (int r = 0; r < BT; r++) { valid += targets[r] >= 0; }
    float dloss = 1.0f / valid;

    std::vector<double> dref(n), lref(BT);
    std::vector<int> pref(BT);
    classifier_cpu(dref.data(), lref.data(), pref.data(), logits.data(), targets.data(), dloss, BT, Vp);

    ClsArgs a;
    a.BT = BT; a.Vp = Vp; a.dloss = dloss;
    a.logits = dmalloc<bf16>(n);
    a.losses = dmalloc<float>(BT);
    a.predictions = dmalloc<int>(BT);
    int *dtargets = dmalloc<int>(BT);
    cudaCheck(cudaMemcpy(dtargets, targets.data(), BT * sizeof(int), cudaMemcpyHostToDevice));
    a.targets = dtargets;

    std::vector<float> dl[2], loss[2];
    std::vector<int> pred[2];
    for (int run = 0; run < 2; run++) { // the second run checks bitwise repeatability
        upload_bf16(a.logits, logits.data(), n);
        poison(a.losses, BT * 4);
        poison(a.predictions, BT * 4); // -1: never a valid prediction
        classifier(version, a);
        cudaCheck(cudaDeviceSynchronize());
        dl[run] = download_bf16(a.logits, n);
        loss[run] = download_f32(a.losses, BT);
        pred[run].resize(BT);
        cudaCheck(cudaMemcpy(pred[run].data(), a.predictions, BT * sizeof(int), cudaMemcpyDeviceToHost));
    }
    printf("  check %-30s BT=%d Vp=%d dloss=%.4g%s%s\n", version_name[version], BT, Vp, dloss,
           version == 2 ? ", " : "", version == 2 ? v2_path_name(Vp) : "");
    int bad = 0;
    // losses are fp32 sums of Vp terms (__expf: ~2 ulp each) then one log: ~1e-6 relative at worst
    bad += report_err("losses", rel_err(loss[0].data(), lref.data(), BT), 1e-5);
    // dlogits are bf16: rounding to nearest is off by at most 2^-8 relative (8 significant bits), so
    // the L2 bound is 2^-8; per element 2^-8 |ref| plus the fp32 error before rounding (3e-5 |ref|,
    // and 1e-5 dloss absolute for p - 1 of a target with p near 1, and for p flushed to zero)
    bad += report_err("dlogits", rel_err(dl[0].data(), dref.data(), n), 1.0 / 256);
    size_t over = 0, nonzero_ignored = 0, worst_i = 0;
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double tol = (1.0 / 256 + 3e-5) * fabs(dref[i]) + 1e-5 * dloss;
        double e = fabs((double)dl[0][i] - dref[i]);
        double ratio = isfinite(e) ? e / tol : INFINITY; // NaN (an unwritten or broken element) counts as infinite
        if (!(e <= tol)) { over++; }
        if (ratio > worst) { worst = ratio; worst_i = i; }
        if (targets[i / Vp] < 0 && dl[0][i] != 0.0f) { nonzero_ignored++; }
    }
    printf("    %-12s %zu of %zu over the per-element bound (worst %.2f of it, at row %zu col %zu: %.6g vs %.6g) %s\n",
           "dlogits", over, n, worst, worst_i / Vp, worst_i % Vp, dl[0][worst_i], dref[worst_i], over ? "FAIL" : "ok");
    bad += over > 0;
    if (nonzero_ignored) { printf("    %zu gradients of ignored rows not zero FAIL\n", nonzero_ignored); bad++; }
    int wrong_pred = 0;
    for (int r = 0; r < BT; r++) {
        if (pred[0][r] != pref[r]) {
            if (wrong_pred < 5) { printf("    row %d: prediction %d, expected %d\n", r, pred[0][r], pref[r]); }
            wrong_pred++;
        }
        if (targets[r] < 0 && loss[0][r] != 0.0f) { printf("    row %d ignored but loss %g FAIL\n", r, loss[0][r]); bad++; }
    }
    printf("    %-12s %d of %d wrong (ties: lowest index) %s\n", "predictions", wrong_pred, BT, wrong_pred ? "FAIL" : "ok");
    bad += wrong_pred > 0;
    if (memcmp(dl[0].data(), dl[1].data(), n * 4) || memcmp(loss[0].data(), loss[1].data(), BT * 4) ||
        memcmp(pred[0].data(), pred[1].data(), BT * 4)) {
        printf("    NOT bitwise reproducible FAIL\n");
        bad++;
    }
    if (bad) {
        char msg[160];
        snprintf(msg, sizeof(msg), "%s at BT=%d Vp=%d (seed %llu)", version_name[version], BT, Vp, (unsigned long long)seed);
        failures.push_back(msg);
    }
    dfree(a.logits); dfree(a.losses); dfree(a.predictions); dfree(dtargets);
    return bad;
}

// ----------------------------------------------------------------------------
// benchmark at one shape. The gradient overwrites the logits, so after the first call a version
// runs on gradients (finite, tiny, the same cost); enough input sets are rotated to exceed L2.

struct Row { char shape[64]; int version; float ms; double gbps; };

static void bench(const std::vector<int> &versions, int BT, int Vp, double copy_gbps, std::vector<Row> &rows) {
    size_t n = (size_t)BT * Vp;
    size_t set_bytes = n * 2;
    int nsets = (int)std::min<size_t>(32, std::max<size_t>(1, (size_t)(256e6 / set_bytes) + 1));
    std::vector<ClsArgs> sets(nsets);
    uint64_t s = 99;
    std::vector<int> targets(BT);
    int valid = 0;
    for (int r = 0; r < BT; r++) {
        targets[r] = rng_u64(&s) % 20 == 0 ? -1 : (int)(rng_u64(&s) % Vp);
        valid += targets[r] >= 0;
    }
    int *dtargets = dmalloc<int>(BT);
    cudaCheck(cudaMemcpy(dtargets, targets.data(), BT * sizeof(int), cudaMemcpyHostToDevice));
    for (int k = 0; k < nsets; k++) {
        ClsArgs &a = sets[k];
        a.BT = BT; a.Vp = Vp; a.dloss = 1.0f / valid; a.targets = dtargets;
        a.logits = dmalloc<bf16>(n);
        a.losses = dmalloc<float>(BT);
        a.predictions = dmalloc<int>(BT);
        fill_normal_bf16_dev(a.logits, n, 0.0f, 2.0f, 1000 + k);
    }
    // minimum traffic: logits read once, dlogits written once, targets/losses/predictions
    double bytes = 2.0 * n * 2 + BT * 12.0;
    printf("\nclassifier BT=%d Vp=%d: %.1f MB moved at minimum, %d input set(s)\n", BT, Vp, bytes / 1e6, nsets);
    printf("  %-32s %9s %9s %8s\n", "version", "ms", "GB/s", "%copy");
    for (int v : versions) {
        float ms = time_median_ms([&](int i) { classifier(v, sets[i % nsets]); }, 3, 40);
        double gbps = bytes / (ms * 1e-3) / 1e9;
        printf("  %-32s %9.4f %9.1f %7.1f%%%s%s\n", version_name[v], ms, gbps, 100.0 * gbps / copy_gbps,
               v == 2 ? "  " : "", v == 2 ? v2_path_name(Vp) : "");
        Row r;
        snprintf(r.shape, sizeof(r.shape), "BT=%d Vp=%d", BT, Vp);
        r.version = v; r.ms = ms; r.gbps = gbps;
        rows.push_back(r);
    }
    for (auto &a : sets) { dfree(a.logits); dfree(a.losses); dfree(a.predictions); }
    dfree(dtargets);
}

int main(int argc, char **argv) {
    std::vector<int> versions;
    int check_only = parse_version_args(argc, argv, NUM_VERSIONS, versions);

    print_device();
    printf("checks (fresh random inputs each, losses/predictions poisoned first, each run twice):\n");
    int bad = 0;
    uint64_t seed = 7;
    for (int v : versions) {
        bad += check_version(v, 37, 256, seed++);    // byte-level vocabulary: one pack per lane
        bad += check_version(v, 37, 1000, seed++);   // warp path, partial last packs
        bad += check_version(v, 37, 2056, seed++);   // shared-memory path, fewer packs than threads
        bad += check_version(v, 37, 50280, seed++);  // GPT-2 vocabulary (mamba-130m)
        bad += check_version(v, 7, 120000, seed++);  // too long for shared memory: version 2 falls back
    }
    printf("checks: %s (%d failures)\n", bad ? "FAILED" : "all passed", bad);
    for (auto &f : failures) { printf("  FAILED: %s\n", f.c_str()); }
    if (bad) { return 1; }
    if (check_only) { return 0; }

    double copy = measure_copy_gbps();
    printf("device-to-device copy: %.1f GB/s (read + write)\n", copy);
    std::vector<Row> rows;
    bench(versions, 16384, 50280, copy, rows); // mamba-130m, B*T = 8*2048
    bench(versions, 32768, 256, copy, rows);   // byte-level vocabulary
    printf("\nsummary (GB/s counts the logits read once and the gradient written once; copy = %.0f GB/s)\n", copy);
    printf("%-20s %-32s %9s %9s %7s\n", "shape", "version", "ms", "GB/s", "%copy");
    for (auto &r : rows) {
        printf("%-20s %-32s %9.4f %9.1f %6.1f%%\n", r.shape, version_name[r.version], r.ms, r.gbps, 100.0 * r.gbps / copy);
    }
    return 0;
}
