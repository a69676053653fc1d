/*
Sampling the next token on the device: the threshold of top-k / top-p, then the draw from the
softmax over the tokens kept (llmc/cuda/sampler.cuh has the rules, the same as the host's
sample_threshold and sample_softmax in llmc/train_common.h, with fp32 sums in a fixed order).

Build and run:
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o sampler dev/cuda/sampler.cu
    ./sampler            # checks every version (exits 1 on any failure), then benchmarks
    ./sampler --check    # checks only
    ./sampler 2          # only version 2

version 1: the first device sampler (2026-12-01). The draw: thread j of 512 owns tokens
           [j*per, (j+1)*per), so a warp's loads are 32 addresses per apart; thread 0 scans the 512
           partial sums alone. The threshold: passes over the whole row, the k-th largest key by an
           8-bit radix select (4 passes whose shared-memory histogram atomics pile onto the few digits
           a row's logits share) and top-p by bisection over keys (up to 33 passes of expf).
version 2: llmc/cuda/sampler.cuh, the trainer's: threshold and draw in one kernel, passes with 16-byte
           loads, 4 in flight per thread. The draw: per-warp sums of contiguous runs, then a walk of
           128 tokens a step that only the chosen warp makes. The threshold: one pass counts the
           logits (and their mass) at pivots below the max, the candidates above the highest pivot
           that suffices are gathered and sorted in shared memory, and the threshold is read off the
           sorted keys; version 1's passes only where the candidates do not fit. A sequence's row is
           split over a thread-block cluster: 8 blocks up to 16 sequences, 4 up to 32, 2 up to 64.
version 3: version 2 with one block per sequence (no cluster), what the clusters buy.

The checks compare, per row, the threshold with a CPU reference in double precision (top-k exactly;
top-p within rounding of its target, as test/test_mamba.cu) and the draw with the reference's
inverse CDF (equal, or at a CDF step within rounding of the coin). The benchmark times threshold +
draw for G = 1, 8, 64 rows of V = 50280 logits, two logit spreads (normal with std 1: a flat,
untrained model's; std 4: a peaked one).
*/
#include "../../llmc/cuda/sampler.cuh"
#include "common.h" // after the llmc header: its cuda_check / ceil_div are used

#define NUM_VERSIONS 3

/*
version 1's draw. Thread j owns the contiguous range [j*per, (j+1)*per): its partial sums, scanned in order, split
[0, total) into one interval per thread, and only the thread whose interval holds the coin walks
its range. Its walk re-adds the weights onto the interval's start, which rounds differently from
start + sum: if the coin falls in that gap, the range's last token of non-zero weight is taken.
When no interval holds the coin (coin == total by rounding, or NaN logits), the last token kept
(V - 1 without thresholds), as on the host.
thresholds: (gridDim.x) the smallest logit kept per sequence, or NULL: every token is kept.
*/
__global__ void __launch_bounds__(SAMPLE_THREADS) v1_softmax_kernel(int *tokens, const float *logits, const float *coins,
                                                                         const float *thresholds, int V, int Vp, float inv_temperature) {
    __shared__ float red[SAMPLE_THREADS], start[SAMPLE_THREADS];
    __shared__ int last_kept[SAMPLE_THREADS];
    const float *l = logits + (size_t)blockIdx.x * Vp;
    const int tid = threadIdx.x, per = (V + SAMPLE_THREADS - 1) / SAMPLE_THREADS;
    const int lo = min(tid * per, V), hi = min(lo + per, V);
    const bool filter = thresholds != NULL;
    const float tau = filter ? thresholds[blockIdx.x] : -INFINITY;
    float m = -INFINITY;
    for (int i = lo; i < hi; i++) { m = fmaxf(m, l[i]); }
    red[tid] = m;
    __syncthreads();
    for (int k = SAMPLE_THREADS / 2; k > 0; k >>= 1) {
        if (tid < k) { red[tid] = fmaxf(red[tid], red[tid + k]); }
        __syncthreads();
    }
    const float maxv = red[0];
    float sum = 0.0f;
    int last = -1;
    for (int i = lo; i < hi; i++) {
        if (!filter || l[i] >= tau) { sum += expf((l[i] - maxv) * inv_temperature); last = i; }
    }
    start[tid] = sum;
    last_kept[tid] = last;
    __syncthreads();
    if (tid == 0) { // exclusive scan in thread order (512 adds), and the last token kept
        float acc = 0.0f;
        int lk = V - 1;
        for (int j = 0; j < SAMPLE_THREADS; j++) {
            float v = start[j];
            start[j] = acc;
            acc += v;
            if (filter && last_kept[j] >= 0) { lk = last_kept[j]; }
        }
        red[0] = acc;
        last_kept[0] = lk;
    }
    __syncthreads();
    const float coin = coins[blockIdx.x] * red[0];
    const bool mine = lo < hi && coin >= start[tid] && coin < start[tid] + sum;
    if (mine) {
        float cdf = start[tid];
        int pick = -1, last_positive = hi - 1;
        for (int i = lo; i < hi; i++) {
            const float e = !filter || l[i] >= tau ? expf((l[i] - maxv) * inv_temperature) : 0.0f;
            if (e > 0.0f) { last_positive = i; }
            cdf += e;
            if (coin < cdf) { pick = i; break; }
        }
        tokens[blockIdx.x] = pick >= 0 ? pick : last_positive;
    }
    if (!__syncthreads_or(mine) && tid == 0) { tokens[blockIdx.x] = last_kept[0]; }
}


/*
version 1's threshold. The smallest logit kept (thresholds[sequence]), as the host's sample_threshold defines it:
  top-k (0 < top_k < V): the k-th largest logit (ties at it stay in), found digit by digit of its key,
  8 bits at a time, from counts per digit of the keys that match the digits found so far (4 passes
  over the row);
  top-p (< 1): of the tokens top-k kept, the largest logit v such that the tokens at or above v hold
  at least top_p of their probability: the largest key K with S(K) = sum of exp((x - max) / T) over
  key(x) >= K reaching top_p * S(threshold), by bisection over keys (a pass for the max, one for
  the total, up to 32 for the bisection; fp32 sums in a fixed order). S only steps at keys of the
  row, so the key found is a logit's. NaN logits (key 0) are never kept: the search starts at key 1.
The host sums in double: where top_p * total lies within fp32 rounding of a step of S, the two may
keep one token more or fewer.
*/
__global__ void __launch_bounds__(SAMPLE_THREADS) v1_threshold_kernel(float *thresholds, const float *logits, int V, int Vp,
                                                                           int top_k, float top_p, float inv_temperature) {
    __shared__ int hist[256], above_s;
    __shared__ unsigned digit_s;
    __shared__ float max_s[SAMPLE_THREADS / 32];
    const float *l = logits + (size_t)blockIdx.x * Vp;
    const int tid = threadIdx.x;
    unsigned key = 0; // every token is at or above key 0
    if (top_k > 0 && top_k < V) {
        unsigned prefix = 0, mask = 0;
        int want = top_k; // the rank still wanted among the keys that match prefix
        for (int shift = 24; shift >= 0; shift -= 8) {
            for (int d = tid; d < 256; d += SAMPLE_THREADS) { hist[d] = 0; }
            __syncthreads();
            for (int i = tid; i < V; i += SAMPLE_THREADS) {
                const unsigned k = sample_key(l[i]);
                if ((k & mask) == prefix) { atomicAdd(&hist[(k >> shift) & 255], 1); }
            }
            __syncthreads();
            if (tid == 0) { // the digit holding the wanted rank, counting down from the largest
                int above = 0, d = 255;
                for (; d > 0 && above + hist[d] < want; d--) { above += hist[d]; }
                digit_s = (unsigned)d;
                above_s = above;
            }
            __syncthreads();
            want -= above_s;
            prefix |= digit_s << shift;
            mask |= 255u << shift;
            __syncthreads(); // digit_s and above_s read before the next pass writes them
        }
        key = prefix;
    }
    if (top_p < 1.0f) {
        float maxv = -INFINITY;
        for (int i = tid; i < V; i += SAMPLE_THREADS) { maxv = fmaxf(maxv, l[i]); }
        maxv = warp_max(maxv);
        if (tid % 32 == 0) { max_s[tid / 32] = maxv; }
        __syncthreads();
        maxv = warp_max(tid % 32 < SAMPLE_THREADS / 32 ? max_s[tid % 32] : -INFINITY);
        auto mass = [&](unsigned kmin) { // S(kmin), in a fixed order
            float s = 0.0f;
            for (int i = tid; i < V; i += SAMPLE_THREADS) {
                if (sample_key(l[i]) >= kmin) { s += expf((l[i] - maxv) * inv_temperature); }
            }
            return block_sum(s);
        };
        // the answer lies in [key, key(max)]: above the largest logit S is 0; key 0 holds only NaN
        key = key > 1u ? key : 1u;
        const float target = top_p * mass(key);
        unsigned lo = key, hi = sample_key(maxv) > key ? sample_key(maxv) : key;
        while (lo < hi) {
            const unsigned mid = lo + (hi - lo) / 2 + 1;
            if (mass(mid) >= target) { lo = mid; } else { hi = mid - 1; }
        }
        key = lo;
    }
    if (tid == 0) { thresholds[blockIdx.x] = key == 0u ? -INFINITY : sample_unkey(key); }
}

static void run_version(int v, int G, int V, int Vp, int top_k, float top_p, float temperature, const float *d_logits,
                        const float *d_coins, float *d_th, int *d_tokens) {
    const bool filter = (top_k > 0 && top_k < V) || top_p < 1.0f;
    if (v >= 2) {
        sample_cluster_override = v == 3 ? 1 : 0;
        sample_launch(d_tokens, d_th, d_logits, d_coins, G, V, Vp, top_k, top_p, temperature, 0);
        sample_cluster_override = 0;
        cudaCheckLaunch();
        return;
    }
    if (filter) {
        v1_threshold_kernel<<<G, SAMPLE_THREADS>>>(d_th, d_logits, V, Vp, top_k, top_p, 1.0f / temperature);
        cudaCheckLaunch();
    }
    v1_softmax_kernel<<<G, SAMPLE_THREADS>>>(d_tokens, d_logits, d_coins, filter ? d_th : nullptr, V, Vp, 1.0f / temperature);
    cudaCheckLaunch();
}

// ----------------------------------------------------------------------------
// CPU reference in double precision (the host sampler's rules)

// the smallest logit kept; *total: the kept tokens' mass (weights exp((x - max) / T), NaN never kept)
static float ref_threshold(const float *l, int V, int top_k, float top_p, float temperature, double maxv) {
    std::vector<float> v;
    for (int i = 0; i < V; i++) { if (l[i] == l[i]) { v.push_back(l[i]); } }
    std::sort(v.begin(), v.end(), [](float a, float b) { return a > b; });
    float th = -INFINITY;
    if (top_k > 0 && top_k < V) { th = v[top_k - 1]; }
    if (top_p < 1.0f) {
        double total = 0.0, cum = 0.0;
        for (float x : v) { if (x >= th) { total += exp((x - maxv) / temperature); } }
        for (float x : v) {
            if (!(x >= th)) { break; }
            cum += exp((x - maxv) / temperature);
            if (cum >= (double)top_p * total) { th = x; break; }
        }
    }
    return th;
}

struct Case { const char *name; int V, top_k; float top_p, temperature, spread; };

// G rows of one case; returns 1 if a check failed
static int check_case(int v, const Case &c, int G, uint64_t seed) {
    const int V = c.V, Vp = (V + 7) / 8 * 8;
    std::vector<float> logits((size_t)G * Vp), coins(G), th(G);
    std::vector<int> tokens(G);
    for (int g = 0; g < G; g++) {
        float *l = &logits[(size_t)g * Vp];
        for (int i = 0; i < Vp; i++) { l[i] = i < V ? c.spread * rng_normal(&seed) : -1e30f; }
        if (g % 3 == 0) { for (int i = 0; i < V; i++) { l[i] = floorf(l[i] * 8.0f) / 8.0f; } } // ties
        coins[g] = g == 0 ? 0.0f : g == G - 1 ? 0.99999994f : (float)rng_f64(&seed);
    }
    float *d_logits = dmalloc<float>((size_t)G * Vp), *d_coins = dmalloc<float>(G), *d_th = dmalloc<float>(G);
    int *d_tokens = dmalloc<int>(G);
    upload_f32(d_logits, logits.data(), (size_t)G * Vp);
    upload_f32(d_coins, coins.data(), G);
    poison(d_th, G * sizeof(float));
    poison(d_tokens, G * sizeof(int));
    run_version(v, G, V, Vp, c.top_k, c.top_p, c.temperature, d_logits, d_coins, d_th, d_tokens);
    cudaCheck(cudaDeviceSynchronize());
    const bool filter = (c.top_k > 0 && c.top_k < V) || c.top_p < 1.0f;
    if (filter) { th = download_f32(d_th, G); }
    cudaCheck(cudaMemcpy(tokens.data(), d_tokens, G * sizeof(int), cudaMemcpyDeviceToHost));
    int same_th = 0, near_th = 0, exact = 0, near = 0, bad = 0;
    for (int g = 0; g < G; g++) {
        const float *l = &logits[(size_t)g * Vp];
        double maxv = -INFINITY;
        for (int i = 0; i < V; i++) { maxv = fmax(maxv, l[i]); }
        const float want_th = filter ? ref_threshold(l, V, c.top_k, c.top_p, c.temperature, maxv) : -INFINITY;
        const float got_th = filter ? th[g] : -INFINITY;
        if (got_th == want_th) { same_th++; }
        else { // only top-p, and only where its target lies within rounding of a step of the kept mass
            const float kth = c.top_k > 0 && c.top_k < V ? ref_threshold(l, V, c.top_k, 1.0f, c.temperature, maxv) : -INFINITY;
            double total = 0.0, above = 0.0;
            const float hi = fmaxf(got_th, want_th);
            for (int i = 0; i < V; i++) {
                const double e = exp((l[i] - maxv) / c.temperature);
                if (l[i] >= kth) { total += e; }
                if (l[i] >= hi) { above += e; }
            }
            if (c.top_p < 1.0f && got_th >= kth && fabs(above - (double)c.top_p * total) <= 1e-5 * total) { near_th++; }
            else { bad++; continue; }
        }
        double total = 0.0;
        std::vector<double> cdf(V);
        for (int i = 0; i < V; i++) {
            if (l[i] >= got_th) { total += exp((l[i] - maxv) / c.temperature); }
            cdf[i] = total;
        }
        const double coin = coins[g] * total;
        int want = V - 1;
        for (int i = 0; i < V; i++) { if (l[i] >= got_th && coin < cdf[i]) { want = i; break; } }
        const int got = tokens[g];
        if (got < 0 || got >= V || !(l[got] >= got_th) || expf((l[got] - (float)maxv) / c.temperature) == 0.0f) { bad++; continue; }
        if (got == want) { exact++; continue; }
        if (fabs(cdf[got < want ? got : want] - coin) <= 1e-5 * total) { near++; } else { bad++; }
    }
    const int fail = bad > 0 || same_th < G - G / 16 || exact < G - G / 16;
    printf("  %-28s G=%-3d thresholds %d equal, %d within rounding; draws %d equal, %d at a step within rounding; %d wrong %s\n",
           c.name, G, same_th, near_th, exact, near, bad, fail ? "FAIL" : "ok");
    dfree(d_logits); dfree(d_coins); dfree(d_th); dfree(d_tokens);
    return fail;
}

static void bench_case(int v, const Case &c, int G) {
    const int V = c.V, Vp = (V + 7) / 8 * 8;
    float *d_logits = dmalloc<float>((size_t)G * Vp), *d_coins = dmalloc<float>(G), *d_th = dmalloc<float>(G);
    int *d_tokens = dmalloc<int>(G);
    std::vector<float> logits((size_t)G * Vp), coins(G);
    uint64_t seed = 99;
    for (size_t i = 0; i < logits.size(); i++) { logits[i] = i % Vp < (size_t)V ? c.spread * rng_normal(&seed) : -1e30f; }
    for (int g = 0; g < G; g++) { coins[g] = (float)rng_f64(&seed); }
    upload_f32(d_logits, logits.data(), logits.size());
    upload_f32(d_coins, coins.data(), G);
    const float ms = time_median_ms([&](int) { run_version(v, G, V, Vp, c.top_k, c.top_p, c.temperature, d_logits, d_coins, d_th, d_tokens); });
    printf("  v%d %-26s G=%-3d %8.1f us", v, c.name, G, ms * 1000.0f);
    if (v == 2) { // how many candidates the threshold sorts for the first row (counted here)
        const bool filter = (c.top_k > 0 && c.top_k < V) || c.top_p < 1.0f;
        float mx = logits[0];
        for (int i = 1; i < V; i++) { mx = fmaxf(mx, logits[i]); }
        int n = -1;
        for (int j = 0; j < SAMPLE_PIVOTS && filter && n < 0; j++) {
            const float piv = mx - ldexpf(0.125f, 2 * j);
            int cnt = 0;
            double mass = 0.0, all = 0.0;
            for (int i = 0; i < V; i++) {
                cnt += logits[i] >= piv;
                all += exp((logits[i] - mx) / c.temperature);
                mass += logits[i] >= piv ? exp((logits[i] - mx) / c.temperature) : 0.0;
            }
            if (c.top_k > 0 && c.top_k < V ? cnt >= c.top_k : mass >= c.top_p * all) { n = cnt; }
        }
        if (filter) { printf("  (%d candidates%s)", n, n > SAMPLE_CAP || n < 0 ? ": passes over the row" : ""); }
    }
    printf("\n");
    dfree(d_logits); dfree(d_coins); dfree(d_th); dfree(d_tokens);
}

int main(int argc, char **argv) {
    std::vector<int> versions;
    const int check_only = parse_version_args(argc, argv, NUM_VERSIONS, versions);
    // what the checks cover: the fast path of version 2 (few candidates), its fallback (top-k 5000 needs
    // more than SAMPLE_CAP; flat logits at top-p 0.95), ties (every third row), V not a multiple of 32,
    // V = 256 (test/test_mamba.cu also has nearly flat rows, which take version 2's finer pivots)
    const Case checks[] = {
        {"whole vocabulary", 50280, 0, 1.0f, 1.0f, 2.0f},      {"top-k 40", 50280, 40, 1.0f, 1.0f, 2.0f},
        {"top-k 1", 50280, 1, 1.0f, 0.8f, 3.0f},               {"top-p 0.9", 50280, 0, 0.9f, 1.0f, 4.0f},
        {"top-k 40 top-p 0.9", 50280, 40, 0.9f, 0.7f, 2.0f},   {"top-k 5000 (fallback)", 50280, 5000, 1.0f, 1.0f, 1.0f},
        {"top-p 0.95 flat (fallback)", 50280, 0, 0.95f, 1.0f, 0.5f}, {"top-k 10 top-p 0.5 V=1001", 1001, 10, 0.5f, 1.0f, 1.0f},
        {"top-p 0.8 V=256", 256, 0, 0.8f, 1.0f, 1.0f}};
    int failed = 0;
    for (int v : versions) {
        printf("version %d\n", v);
        for (const Case &c : checks) { failed += check_case(v, c, 64, 1000 + c.V + c.top_k); }
    }
    if (failed) { printf("FAIL: %d cases differ from the CPU reference\n", failed); return 1; }
    if (check_only) { return 0; }
    print_device();
    const Case benches[] = {{"whole, std 1", 50280, 0, 1.0f, 1.0f, 1.0f},        {"top-k 40, std 1", 50280, 40, 1.0f, 1.0f, 1.0f},
                            {"top-p 0.9, std 1", 50280, 0, 0.9f, 1.0f, 1.0f},    {"top-k 40 top-p 0.9, std 1", 50280, 40, 0.9f, 1.0f, 1.0f},
                            {"top-k 40, std 4", 50280, 40, 1.0f, 1.0f, 4.0f},    {"top-p 0.9, std 4", 50280, 0, 0.9f, 1.0f, 4.0f}};
    for (int G : {1, 8, 64}) {
        for (const Case &c : benches) {
            for (int v : versions) { bench_case(v, c, G); }
        }
    }
    return 0;
}
