/*
Sampling the next token on the device, one block per sequence, the same draw as the host's
sample_softmax (llmc/train_common.h) with fp32 sums in a fixed order instead of double ones:
  1. sample_threshold_kernel (only with top-k or top-p): the smallest logit kept, as the host's
     sample_threshold computes it;
  2. sample_softmax_kernel: the first token whose running sum of exp((logit - max) / temperature)
     over the kept tokens passes coin * total.
Every sum and count is over a fixed order and no float atomics are used, so the same logits and
coin give the same token on every run.
*/
#ifndef SAMPLER_CUH
#define SAMPLER_CUH

#include "cuda_common.h"

#define SAMPLE_THREADS 512

/*
Thread j owns the contiguous range [j*per, (j+1)*per): its partial sums, scanned in order, split
[0, total) into one interval per thread, and only the thread whose interval holds the coin walks
its range. Its walk re-adds the weights onto the interval's start, which rounds differently from
start + sum: if the coin falls in that gap, the range's last token of non-zero weight is taken.
When no interval holds the coin (coin == total by rounding, or NaN logits), the last token kept
(V - 1 without thresholds), as on the host.
thresholds: (gridDim.x) the smallest logit kept per sequence, or NULL: every token is kept.
*/
__global__ void __launch_bounds__(SAMPLE_THREADS) sample_softmax_kernel(int *tokens, const float *logits, const float *coins,
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

// a float's place in the order of floats as an unsigned key (larger float, larger key); -0 counts as
// +0 (the host compares with >=, for which they are equal) and NaN as below everything (never kept)
__device__ __forceinline__ unsigned sample_key(float x) {
    if (x != x) { return 0u; }
    const unsigned u = __float_as_uint(x + 0.0f);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
__device__ __forceinline__ float sample_unkey(unsigned k) { return __uint_as_float((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k); }

/*
The smallest logit kept (thresholds[sequence]), as the host's sample_threshold defines it:
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
__global__ void __launch_bounds__(SAMPLE_THREADS) sample_threshold_kernel(float *thresholds, const float *logits, int V, int Vp,
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

#endif // SAMPLER_CUH
