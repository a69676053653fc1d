/*
Sampling the next token on the device, the same draw as the host's sample_softmax
(llmc/train_common.h) with fp32 sums in a fixed order instead of double ones: the threshold of top-k /
top-p as the host's sample_threshold computes it, then the first kept token whose running sum of
exp((logit - max) / temperature) passes coin * total. One kernel, sample_kernel, launched by
sample_launch.

A sequence's row of logits is split over a thread-block cluster of up to 8 blocks (sm_90; one block
below it, or when many sequences fill the GPU anyway): each block reads its contiguous segment once
per pass, and the blocks combine their partial results through distributed shared memory, always in
block order. Every sum is over a fixed order and no float atomics are used, so the same logits, coin
and cluster size give the same token on every run. The previous design (one block per row, two
kernels, every threshold found by passes over the whole row) is version 1 of dev/cuda/sampler.cu;
the measurements are in doc/perf.md ("Generation").
*/
#ifndef SAMPLER_CUH
#define SAMPLER_CUH

#include <cooperative_groups.h>
#include "cuda_common.h"

#define SAMPLE_THREADS 512
#define SAMPLE_WARPS (SAMPLE_THREADS / 32)
#define SAMPLE_UNROLL 4    // 16-byte loads in flight per thread in a pass over a segment
#define SAMPLE_CAP 4096    // candidates the threshold sorts in shared memory (a power of two)
#define SAMPLE_PIVOTS 8    // logits max - 0.125 * 4^j, j < 8, where the threshold counts its candidates

// ----------------------------------------------------------------------------
// the row's cluster (one block below sm_90)

__device__ __forceinline__ int sample_cluster_blocks() {
#if __CUDA_ARCH__ >= 900
    return (int)cooperative_groups::this_cluster().num_blocks();
#else
    return 1;
#endif
}
__device__ __forceinline__ int sample_cluster_rank() {
#if __CUDA_ARCH__ >= 900
    return (int)cooperative_groups::this_cluster().block_rank();
#else
    return 0;
#endif
}
// every thread of every block of the cluster; shared-memory writes before it are visible to all after it
__device__ __forceinline__ void sample_cluster_sync() {
#if __CUDA_ARCH__ >= 900
    cooperative_groups::this_cluster().sync();
#else
    __syncthreads();
#endif
}
// p (a __shared__ variable) as block `rank` of the cluster holds it
template <class T> __device__ __forceinline__ T *sample_remote(T *p, int rank) {
#if __CUDA_ARCH__ >= 900
    return cooperative_groups::this_cluster().map_shared_rank(p, rank);
#else
    return p;
#endif
}

// ----------------------------------------------------------------------------
// a block's segment of the row: 4-token items [i0, i1), seg of them per block (the last blocks fewer)

struct SampleSegment { int i0, i1, seg; };

// items per block of a cluster of cb blocks: the blocks' shares as even as multiples of 32 allow (the tests
// replay the kernel's sums with this and sample_warp_run)
__host__ __device__ __forceinline__ int sample_segment_items(int V, int cb) {
    const int n4 = (V + 3) / 4;
    return (n4 + cb * 32 - 1) / (cb * 32) * 32;
}
__device__ __forceinline__ SampleSegment sample_segment(int V) {
    const int n4 = (V + 3) / 4, seg = sample_segment_items(V, sample_cluster_blocks());
    const int i0 = min(sample_cluster_rank() * seg, n4);
    return {i0, min(i0 + seg, n4), seg};
}
// items per warp run in the draw: a multiple of 32 with SAMPLE_WARPS runs covering the segment
__host__ __device__ __forceinline__ int sample_warp_run(int seg) { return (seg + 32 * SAMPLE_WARPS - 1) / (32 * SAMPLE_WARPS) * 32; }

// tokens 4i .. 4i+3 of a row (16-byte aligned: Vp a multiple of 4); past V, -inf (callers also test the index)
__device__ __forceinline__ float4 sample_item(const float *l, int i, int V) {
    if (4 * i + 3 < V) { return ((const float4 *)l)[i]; }
    float4 v;
    v.x = 4 * i < V ? l[4 * i] : -INFINITY;
    v.y = 4 * i + 1 < V ? l[4 * i + 1] : -INFINITY;
    v.z = 4 * i + 2 < V ? l[4 * i + 2] : -INFINITY;
    v.w = -INFINITY;
    return v;
}

// f(i, x) for every token i < V of the segment's items: thread t takes items i0 + t, i0 + t +
// SAMPLE_THREADS, ... in that order, SAMPLE_UNROLL items' loads in flight
template <class F> __device__ __forceinline__ void sample_pass(const float *l, int V, SampleSegment sg, F &&f) {
    for (int base = sg.i0 + threadIdx.x; base < sg.i1; base += SAMPLE_UNROLL * SAMPLE_THREADS) {
        float4 v[SAMPLE_UNROLL];
#pragma unroll
        for (int u = 0; u < SAMPLE_UNROLL; u++) {
            const int i = base + u * SAMPLE_THREADS;
            v[u] = i < sg.i1 ? sample_item(l, i, V) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        }
#pragma unroll
        for (int u = 0; u < SAMPLE_UNROLL; u++) {
            const int i = 4 * (base + u * SAMPLE_THREADS);
            if (i < 4 * sg.i1) {
                if (i < V) { f(i, v[u].x); }
                if (i + 1 < V) { f(i + 1, v[u].y); }
                if (i + 2 < V) { f(i + 2, v[u].z); }
                if (i + 3 < V) { f(i + 3, v[u].w); }
            }
        }
    }
}

// the row's largest logit (NaN skipped), in every thread of the cluster
__device__ float sample_row_max(const float *l, int V, SampleSegment sg) {
    __shared__ float red[SAMPLE_WARPS], block_max;
    float m = -INFINITY;
    sample_pass(l, V, sg, [&](int, float x) { m = fmaxf(m, x); });
    m = warp_max(m);
    if (threadIdx.x % 32 == 0) { red[threadIdx.x / 32] = m; }
    __syncthreads();
    if (threadIdx.x < 32) {
        m = warp_max(threadIdx.x < SAMPLE_WARPS ? red[threadIdx.x] : -INFINITY);
        if (threadIdx.x == 0) { block_max = m; }
    }
    sample_cluster_sync();
    m = -INFINITY;
    for (int r = 0; r < sample_cluster_blocks(); r++) { m = fmaxf(m, *sample_remote(&block_max, r)); }
    return m;
}

// inclusive prefix sum over the warp's lanes, in a fixed order
__device__ __forceinline__ float sample_warp_scan(float v) {
    const int lane = threadIdx.x % 32;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        const float t = __shfl_up_sync(0xffffffff, v, o);
        if (lane >= o) { v = t + v; }
    }
    return v;
}

/*
The draw, given the threshold tau (filter false: every token kept). Warp w of a block owns a run of
its segment's items; its lanes sum their items' weights in order, then the warp by a butterfly, the
block its warps in order, the cluster its blocks in order. The range that holds the coin is, at each
level, the last with weight whose start (the sum of the sums before it) is at or below coin *
total: a block, then one of its warps, which walks its run 128 tokens a step with a running sum in
token order (each lane's 4 in order, the lanes by a scan, the steps in order) and takes the first
token with weight where it passes the coin. The walk rounds differently from the warp's sum, so the
coin can fall past the run's last token: then its last token with weight is taken. When no block
has weight, or the total is not a positive number, the last token kept (V - 1 without a filter). A
NaN logit weighs NaN without a filter (so the draw gives V - 1) and is never kept with one; the host
leaves NaN logits out of its total but not out of its running sum, so with NaN logits the two can
differ (a broken model's output; not tested). Returns the token in the thread that knows it (thread
0 of the block that drew, or of the first block), -1 elsewhere.
*/
__device__ int sample_draw(const float *l, int V, SampleSegment sg, float maxv, bool filter, float tau, float u, float inv_temperature) {
    __shared__ float wsum[SAMPLE_WARPS], block_sum_s, start_s, coin_s;
    __shared__ int wlast[SAMPLE_WARPS], block_last_s, chosen_s, last_s, warp_s, token_s;
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32, rank = sample_cluster_rank(), q = sample_warp_run(sg.seg);
    const int w0 = min(sg.i0 + warp * q, sg.i1), w1 = min(w0 + q, sg.i1); // this warp's run
    auto weight = [&](int i, float x, int *kept) { // the weight of token i (0 past V or below the threshold)
        if (i >= V || (filter && !(x >= tau))) { return 0.0f; }
        *kept = i;
        return expf((x - maxv) * inv_temperature);
    };
    {
        float acc = 0.0f;
        int last = -1;
        for (int base = w0 + lane; base < w0 + q; base += 32 * SAMPLE_UNROLL) { // (the same steps in every lane)
            float4 v[SAMPLE_UNROLL];
#pragma unroll
            for (int k = 0; k < SAMPLE_UNROLL; k++) {
                const int i = base + 32 * k;
                v[k] = i < w1 ? sample_item(l, i, V) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            }
#pragma unroll
            for (int k = 0; k < SAMPLE_UNROLL; k++) {
                const int i = base + 32 * k;
                if (i < w1) {
                    acc += weight(4 * i, v[k].x, &last);
                    acc += weight(4 * i + 1, v[k].y, &last);
                    acc += weight(4 * i + 2, v[k].z, &last);
                    acc += weight(4 * i + 3, v[k].w, &last);
                }
            }
        }
        acc = warp_sum(acc);
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) { last = max(last, __shfl_xor_sync(0xffffffff, last, o)); }
        if (lane == 0) { wsum[warp] = acc; wlast[warp] = last; }
    }
    __syncthreads();
    if (tid == 0) {
        float b = 0.0f;
        int last = -1;
        for (int w = 0; w < SAMPLE_WARPS; w++) { b += wsum[w]; last = max(last, wlast[w]); }
        block_sum_s = b;
        block_last_s = last;
    }
    sample_cluster_sync();
    if (tid == 0) { // the same in every block: the cluster's total and the block that holds the coin
        const int cb = sample_cluster_blocks();
        float total = 0.0f;
        int lk = V - 1;
        for (int r = 0; r < cb; r++) {
            total += *sample_remote(&block_sum_s, r);
            const int bl = *sample_remote(&block_last_s, r);
            if (filter && bl >= 0) { lk = bl; }
        }
        const float coin = u * total;
        float start = 0.0f;
        int chosen = -1;
        for (int r = 0; r < cb && total > 0.0f; r++) { // (false for a NaN total)
            const float b = *sample_remote(&block_sum_s, r);
            if (b > 0.0f && start <= coin) { chosen = r; start_s = start; }
            start += b;
        }
        chosen_s = chosen;
        coin_s = coin;
        last_s = lk;
        token_s = -1;
        if (chosen == rank) { // its warp: the first with weight starts at the block's start
            float s = start_s;
            for (int w = 0; w < SAMPLE_WARPS; w++) {
                if (wsum[w] > 0.0f && s <= coin) { warp_s = w; start_s = s; }
                s += wsum[w];
            }
        }
    }
    sample_cluster_sync(); // every block has read the others' sums: from here on each works alone
    if (chosen_s < 0) { return tid == 0 && rank == 0 ? last_s : -1; }
    if (chosen_s != rank) { return -1; }
    if (warp == warp_s) {
        const float coin = coin_s;
        float base = start_s;
        int pick = -1, last_positive = -1, unused;
        float4 next = w0 + lane < w1 ? sample_item(l, w0 + lane, V) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        for (int k = w0; k < w1 && pick < 0; k += 32) {
            const int i = k + lane;
            const float4 v = next;
            if (i + 32 < w1) { next = sample_item(l, i + 32, V); } // the next step's load in flight
            float e[4], c[4];
            e[0] = i < w1 ? weight(4 * i, v.x, &unused) : 0.0f;
            e[1] = i < w1 ? weight(4 * i + 1, v.y, &unused) : 0.0f;
            e[2] = i < w1 ? weight(4 * i + 2, v.z, &unused) : 0.0f;
            e[3] = i < w1 ? weight(4 * i + 3, v.w, &unused) : 0.0f;
            c[0] = e[0];
#pragma unroll
            for (int j = 1; j < 4; j++) { c[j] = c[j - 1] + e[j]; }
            const float excl = __shfl_up_sync(0xffffffff, sample_warp_scan(c[3]), 1), start = base + (lane == 0 ? 0.0f : excl);
            int hitj = -1, posj = -1;
#pragma unroll
            for (int j = 3; j >= 0; j--) {
                if (e[j] > 0.0f && coin < start + c[j]) { hitj = j; }
                if (e[j] > 0.0f && posj < 0) { posj = j; }
            }
            const unsigned hit = __ballot_sync(0xffffffff, hitj >= 0), pos = __ballot_sync(0xffffffff, posj >= 0);
            if (hit) {
                const int L = __ffs(hit) - 1;
                pick = 4 * (k + L) + __shfl_sync(0xffffffff, hitj, L);
            }
            if (pos) {
                const int L = 31 - __clz(pos);
                last_positive = 4 * (k + L) + __shfl_sync(0xffffffff, posj, L);
            }
            base = __shfl_sync(0xffffffff, start + c[3], 31);
        }
        if (lane == 0) { token_s = pick >= 0 ? pick : last_positive; }
    }
    __syncthreads();
    return tid == 0 ? token_s : -1;
}

// a float's place in the order of floats as an unsigned key (larger float, larger key); -0 counts as
// +0 (the host compares with >=, for which they are equal) and NaN as below everything (never kept)
__device__ __forceinline__ unsigned sample_key(float x) {
    if (x != x) { return 0u; }
    const unsigned u = __float_as_uint(x + 0.0f);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
__device__ __forceinline__ float sample_unkey(unsigned k) { return __uint_as_float((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k); }

// the cluster's sum of the blocks' values v (in thread 0), blocks in order, in every thread. Each call's
// cluster barrier also ends every block's reads of the call before, so two buffers used in turn suffice.
__device__ float sample_cluster_total(float v, int parity) {
    __shared__ float buf[2];
    if (threadIdx.x == 0) { buf[parity] = v; }
    sample_cluster_sync();
    float t = 0.0f;
    for (int r = 0; r < sample_cluster_blocks(); r++) { t += sample_remote(buf, r)[parity]; }
    return t;
}

/*
The threshold from passes over the whole row, each block over its segment with the cluster's counts and
sums combined in block order (what sample_threshold does when its candidates do not fit in shared
memory; version 1's threshold in dev/cuda/sampler.cu ran the same passes in one block):
  top-k (0 < top_k < V): the k-th largest logit (ties at it stay in), found digit by digit of its key,
  8 bits at a time, from counts per digit of the keys that match the digits found so far (4 passes
  over the row);
  top-p (< 1): of the tokens top-k kept, the largest logit v such that the tokens at or above v hold
  at least top_p of their probability: the largest key K with S(K) = sum of exp((x - max) / T) over
  key(x) >= K reaching top_p * S(threshold), by bisection over keys (a pass for the total, up to 32
  for the bisection; fp32 sums in a fixed order). S only steps at keys of the row, so the key found
  is a logit's. NaN logits (key 0) are never kept: the search starts at key 1.
Returns the key of the threshold (0: every token), the same in every thread of the cluster.
*/
__device__ unsigned sample_threshold_full(const float *l, int V, SampleSegment sg, int top_k, float top_p, float inv_temperature,
                                          float maxv) {
    __shared__ int hist[2][256], total[256], above_s;
    __shared__ unsigned digit_s;
    const int tid = threadIdx.x, t0 = 4 * sg.i0, t1 = min(4 * sg.i1, V); // the segment's tokens
    int parity = 0;
    unsigned key = 0; // every token is at or above key 0
    if (top_k > 0 && top_k < V) {
        unsigned prefix = 0, mask = 0;
        int want = top_k; // the rank still wanted among the keys that match prefix
        for (int shift = 24; shift >= 0; shift -= 8, parity ^= 1) {
            int *h = hist[parity];
            for (int d = tid; d < 256; d += SAMPLE_THREADS) { h[d] = 0; }
            __syncthreads();
            for (int i = t0 + tid; i < t1; i += SAMPLE_THREADS) { // (plain loads: 2x faster here than sample_pass)
                const unsigned k = sample_key(l[i]);
                if ((k & mask) == prefix) { atomicAdd(&h[(k >> shift) & 255], 1); }
            }
            sample_cluster_sync();
            for (int d = tid; d < 256; d += SAMPLE_THREADS) {
                int c = 0;
                for (int r = 0; r < sample_cluster_blocks(); r++) { c += sample_remote(h, r)[d]; }
                total[d] = c;
            }
            __syncthreads();
            if (tid == 0) { // the digit holding the wanted rank, counting down from the largest
                int above = 0, d = 255;
                for (; d > 0 && above + total[d] < want; d--) { above += total[d]; }
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
        auto mass = [&](unsigned kmin) { // S(kmin), in a fixed order
            float s = 0.0f;
            for (int i = t0 + tid; i < t1; i += SAMPLE_THREADS) {
                if (sample_key(l[i]) >= kmin) { s += expf((l[i] - maxv) * inv_temperature); }
            }
            const float t = sample_cluster_total(block_sum(s), parity);
            parity ^= 1;
            return t;
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
    return key;
}

/*
The key of the smallest logit kept (0: every token), as the host's sample_threshold defines it (see
sample_threshold_full for the two filters), in every thread of the cluster. Both keep few tokens in
practice, so:
  1. sample_pivots: a pass counts the logits at or above each of 8 pivots max - c (c = 0.125, 0.5,
     ..., 2048) and, for top-p without top-k, their probability mass and the row's; the highest pivot
     that holds what the filter needs (top_k tokens; or top_p of the whole mass) names the candidates.
     When they are more than SAMPLE_CAP, a second pass counts at 8 pivots between that one and the one
     above it (for the highest, at c = 0.125 / 4^8 ... 0.125 / 4: nearly flat rows);
  2. when there are at most SAMPLE_CAP candidates, each block gathers its candidates' keys into shared
     memory (in any order), the first block copies the others' after its own and sorts them, largest
     first (bitonic): ties have equal keys, so the sorted array is the same every run;
  3. top-k's threshold is the k-th key; top-p's is the key of the first candidate (of those top-k
     kept) at which the running mass, summed in a fixed order, reaches top_p of the kept mass.
Otherwise (more candidates, as for top-p on a flat row, or a logit so large that max - c rounds to
max) the passes of sample_threshold_full. Either way an fp32 answer within rounding of the host's
double one.
*/
struct SamplePivot {
    float pivot; // the candidates: logits >= pivot
    int count;   // how many (-1: they do not fit, or no pivot holds enough)
    float mass;  // the mass of every token but NaN (top-p without top-k only)
};

// one pass: the counts (and masses) at pivots maxv - c[j]; then the highest pivot that holds enough.
// parity: which of two sets of shared buffers (the second call's must not overwrite the first's while
// another block may still read them). *jp: the chosen pivot's index, -1 for none.
__device__ SamplePivot sample_pivot_pass(const float *l, int V, SampleSegment sg, float maxv, const float (&c)[SAMPLE_PIVOTS], int top_k,
                                         float top_p, float inv_temperature, int parity, int *jp) {
    __shared__ float wmass[SAMPLE_WARPS][SAMPLE_PIVOTS + 1], bmass[2][SAMPLE_PIVOTS + 1], tmass[SAMPLE_PIVOTS + 1];
    __shared__ int wcount[SAMPLE_WARPS][SAMPLE_PIVOTS], bcount[2][SAMPLE_PIVOTS], tcount[SAMPLE_PIVOTS];
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const bool use_k = top_k > 0 && top_k < V;
    float piv[SAMPLE_PIVOTS], mass[SAMPLE_PIVOTS], all = 0.0f;
    int count[SAMPLE_PIVOTS];
#pragma unroll
    for (int j = 0; j < SAMPLE_PIVOTS; j++) { piv[j] = maxv - c[j]; count[j] = 0; mass[j] = 0.0f; }
    if (use_k) {
        sample_pass(l, V, sg, [&](int, float x) {
#pragma unroll
            for (int j = 0; j < SAMPLE_PIVOTS; j++) { count[j] += x >= piv[j]; }
        });
    } else { // top-p alone: its target is top_p of the mass of every token but NaN
        sample_pass(l, V, sg, [&](int, float x) {
            const float w = x == x ? expf((x - maxv) * inv_temperature) : 0.0f;
            all += w;
#pragma unroll
            for (int j = 0; j < SAMPLE_PIVOTS; j++) {
                count[j] += x >= piv[j];
                mass[j] += x >= piv[j] ? w : 0.0f;
            }
        });
    }
    __syncthreads(); // the previous call's reads of wcount / wmass are done
#pragma unroll
    for (int j = 0; j < SAMPLE_PIVOTS; j++) {
        const int n = __reduce_add_sync(0xffffffff, count[j]);
        const float m = warp_sum(mass[j]);
        if (lane == 0) { wcount[warp][j] = n; wmass[warp][j] = m; }
    }
    all = warp_sum(all);
    if (lane == 0) { wmass[warp][SAMPLE_PIVOTS] = all; }
    __syncthreads();
    if (tid <= SAMPLE_PIVOTS) { // the block's, warps in order
        float m = 0.0f;
        int n = 0;
        for (int w = 0; w < SAMPLE_WARPS; w++) {
            m += wmass[w][tid];
            if (tid < SAMPLE_PIVOTS) { n += wcount[w][tid]; }
        }
        bmass[parity][tid] = m;
        if (tid < SAMPLE_PIVOTS) { bcount[parity][tid] = n; }
    }
    sample_cluster_sync();
    if (tid <= SAMPLE_PIVOTS) { // the cluster's, blocks in order
        float m = 0.0f;
        int n = 0;
        for (int r = 0; r < sample_cluster_blocks(); r++) {
            m += sample_remote(bmass[parity], r)[tid];
            if (tid < SAMPLE_PIVOTS) { n += sample_remote(bcount[parity], r)[tid]; }
        }
        tmass[tid] = m;
        if (tid < SAMPLE_PIVOTS) { tcount[tid] = n; }
    }
    __syncthreads();
    SamplePivot r = {maxv, -1, tmass[SAMPLE_PIVOTS]};
    *jp = -1;
#pragma unroll
    for (int j = SAMPLE_PIVOTS - 1; j >= 0; j--) { // the highest pivot that holds enough (the same in every thread)
        if (use_k ? tcount[j] >= top_k : tmass[j] >= top_p * tmass[SAMPLE_PIVOTS]) { r.pivot = piv[j]; r.count = tcount[j]; *jp = j; }
    }
    __syncthreads(); // tcount / tmass read before a second call writes them
    return r;
}

__device__ SamplePivot sample_pivots(const float *l, int V, SampleSegment sg, float maxv, int top_k, float top_p, float inv_temperature) {
    float c[SAMPLE_PIVOTS];
#pragma unroll
    for (int j = 0; j < SAMPLE_PIVOTS; j++) { c[j] = ldexpf(0.125f, 2 * j); }
    int jp;
    SamplePivot r = sample_pivot_pass(l, V, sg, maxv, c, top_k, top_p, inv_temperature, 0, &jp);
    if (jp >= 0 && r.count > SAMPLE_CAP) { // finer pivots below the chosen one's neighbour above
        const float lo = jp > 0 ? ldexpf(0.125f, 2 * (jp - 1)) : 0.0f, hi = ldexpf(0.125f, 2 * jp);
#pragma unroll
        for (int j = 0; j < SAMPLE_PIVOTS; j++) {
            c[j] = jp > 0 ? lo + (hi - lo) * (float)(j + 1) / SAMPLE_PIVOTS : ldexpf(hi, -2 * (SAMPLE_PIVOTS - j));
        }
        int jf;
        const SamplePivot f = sample_pivot_pass(l, V, sg, maxv, c, top_k, top_p, inv_temperature, 1, &jf);
        if (jf >= 0) { r = f; } // (else the coarse pivot's candidates, too many: the full passes)
    }
    if (r.count > SAMPLE_CAP || r.count == 0) { r.count = -1; }
    return r;
}

// the keys of the segment's logits >= pivot into cand, in any order: a warp's lanes take consecutive
// slots from one atomic per warp and item component (every lane runs the same number of steps, so the
// ballots see the whole warp). Returns how many, in every thread.
__device__ int sample_gather(unsigned *cand, int *n_s, const float *l, int V, SampleSegment sg, float pivot) {
    const int tid = threadIdx.x, lane = tid % 32;
    if (tid == 0) { *n_s = 0; }
    __syncthreads();
    for (int base = sg.i0 + tid; base - tid < sg.i1; base += SAMPLE_UNROLL * SAMPLE_THREADS) {
        float4 v[SAMPLE_UNROLL];
#pragma unroll
        for (int u = 0; u < SAMPLE_UNROLL; u++) {
            const int i = base + u * SAMPLE_THREADS;
            v[u] = i < sg.i1 ? sample_item(l, i, V) : make_float4(-INFINITY, -INFINITY, -INFINITY, -INFINITY);
        }
#pragma unroll
        for (int u = 0; u < SAMPLE_UNROLL; u++) {
            const float x4[4] = {v[u].x, v[u].y, v[u].z, v[u].w};
            const int i = base + u * SAMPLE_THREADS;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const bool in = i < sg.i1 && 4 * i + j < V && x4[j] >= pivot;
                const unsigned b = __ballot_sync(0xffffffff, in);
                if (b) {
                    int slot = 0;
                    if (lane == 0) { slot = atomicAdd(n_s, __popc(b)); }
                    slot = __shfl_sync(0xffffffff, slot, 0);
                    if (in) { cand[slot + __popc(b & ((1u << lane) - 1u))] = sample_key(x4[j]); }
                }
            }
        }
    }
    __syncthreads();
    return *n_s;
}

// sort cand[0, n) largest first (n <= SAMPLE_CAP): bitonic over the next power of two, padded with key 0
__device__ void sample_sort(unsigned *cand, int n) {
    const int tid = threadIdx.x;
    int n2 = 1;
    while (n2 < n) { n2 <<= 1; }
    for (int i = n + tid; i < n2; i += SAMPLE_THREADS) { cand[i] = 0u; }
    __syncthreads();
    for (int k = 2; k <= n2; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            for (int i = tid; i < n2; i += SAMPLE_THREADS) {
                const int p = i ^ j;
                if (p > i) {
                    const unsigned a = cand[i], b = cand[p];
                    if ((i & k) == 0 ? a < b : a > b) { cand[i] = b; cand[p] = a; }
                }
            }
            __syncthreads();
        }
    }
}

// top-p over the sorted candidates: the key of the first of those at or above key_k at which the running
// mass (thread t sums its PER in order, then the threads' totals in thread order) reaches top_p of the
// kept mass (that of the candidates at or above key_k with top-k; the row's, total, without). No
// crossing (rounding): key_k with top-k, else the last candidate.
__device__ unsigned sample_top_p(const unsigned *cand, int n, bool use_k, unsigned key_k, float top_p, float total, float maxv,
                                 float inv_temperature) {
    constexpr int PER = SAMPLE_CAP / SAMPLE_THREADS;
    __shared__ float red[SAMPLE_WARPS];
    __shared__ int first_s;
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    if (tid == 0) { first_s = SAMPLE_CAP; }
    float run[PER], own = 0.0f;
#pragma unroll
    for (int q = 0; q < PER; q++) {
        const int i = tid * PER + q;
        own += i < n && cand[i] >= key_k ? expf((sample_unkey(cand[i]) - maxv) * inv_temperature) : 0.0f;
        run[q] = own;
    }
    const float incl = sample_warp_scan(own);
    if (lane == 31) { red[warp] = incl; }
    __syncthreads();
    float before = 0.0f, kept = 0.0f; // this warp's start, and the whole kept mass
    for (int w = 0; w < SAMPLE_WARPS; w++) {
        if (w < warp) { before += red[w]; }
        kept += red[w];
    }
    const float excl = __shfl_up_sync(0xffffffff, incl, 1), start = before + (lane == 0 ? 0.0f : excl);
    const float target = top_p * (use_k ? kept : total);
#pragma unroll
    for (int q = 0; q < PER; q++) {
        const int i = tid * PER + q;
        if (i < n && cand[i] >= key_k && start + run[q] >= target) { atomicMin(&first_s, i); break; }
    }
    __syncthreads();
    return first_s < n ? cand[first_s] : use_k ? key_k : cand[n - 1];
}

__device__ unsigned sample_threshold(const float *l, int V, SampleSegment sg, int top_k, float top_p, float inv_temperature, float maxv) {
    __shared__ unsigned cand[SAMPLE_CAP], key_s;
    __shared__ int n_s;
    const bool use_k = top_k > 0 && top_k < V;
    const int tid = threadIdx.x, rank = sample_cluster_rank();
    const SamplePivot pv = sample_pivots(l, V, sg, maxv, top_k, top_p, inv_temperature);
    if (pv.count >= 0) { // (the same in every thread of the cluster)
        sample_gather(cand, &n_s, l, V, sg, pv.pivot);
        sample_cluster_sync();
        if (rank == 0) { // the others' candidates after the first block's, in block order
            int off = n_s;
            for (int r = 1; r < sample_cluster_blocks(); r++) {
                const unsigned *rc = sample_remote(cand, r);
                const int m = *sample_remote(&n_s, r);
                for (int i = tid; i < m; i += SAMPLE_THREADS) { cand[off + i] = rc[i]; }
                off += m;
            }
            __syncthreads();
            sample_sort(cand, off);
            unsigned key = use_k ? cand[top_k - 1] : 1u; // candidates hold no NaN (key 0)
            if (top_p < 1.0f) { key = sample_top_p(cand, off, use_k, key, top_p, pv.mass, maxv, inv_temperature); }
            if (tid == 0) { key_s = key; }
        }
    } else { // (every block: the passes are the cluster's)
        return sample_threshold_full(l, V, sg, top_k, top_p, inv_temperature, maxv);
    }
    sample_cluster_sync();
    return *sample_remote(&key_s, 0);
}

/*
One token per sequence: the threshold of top-k / top-p (0 < top_k < V, top_p < 1; else every token is
kept), then the draw with the sequence's coin in [0, 1). Grid: a cluster of blocks per sequence (see
sample_launch). thresholds: (sequences) the smallest logit kept, written when not NULL (the tests
read it). Rows Vp floats apart, Vp a multiple of 4.
*/
__global__ void __launch_bounds__(SAMPLE_THREADS) sample_kernel(int *tokens, float *thresholds, const float *logits, const float *coins,
                                                                 int V, int Vp, int top_k, float top_p, float inv_temperature) {
    const int row = blockIdx.x / sample_cluster_blocks();
    const float *l = logits + (size_t)row * Vp;
    const SampleSegment sg = sample_segment(V);
    const float maxv = sample_row_max(l, V, sg);
    const bool filter = (top_k > 0 && top_k < V) || top_p < 1.0f;
    float tau = -INFINITY;
    if (filter) {
        const unsigned key = sample_threshold(l, V, sg, top_k, top_p, inv_temperature, maxv);
        tau = key == 0u ? -INFINITY : sample_unkey(key);
    }
    if (thresholds != NULL && threadIdx.x == 0 && sample_cluster_rank() == 0) { thresholds[row] = tau; }
    const int token = sample_draw(l, V, sg, maxv, filter, tau, coins[row], inv_temperature);
    if (token >= 0) { tokens[row] = token; }
}

// blocks per sequence: 0 = by the number of sequences (8 up to 16 of them, 4 up to 32, 2 up to 64, then 1);
// the tests set others
static int sample_cluster_override = 0;

/*
Draws one token per sequence (tokens[g], g < G) from logits (G rows Vp floats apart) with coins[g] in
[0, 1); thresholds (may be NULL) gets the smallest logit kept. Clusters only where the code that runs
was compiled for sm_90 or later (compiled_for_sm90).
*/
static void sample_launch(int *tokens, float *thresholds, const float *logits, const float *coins, int G, int V, int Vp, int top_k,
                          float top_p, float temperature, cudaStream_t stream) {
    static int clusters = -1;
    if (clusters < 0) { clusters = compiled_for_sm90((const void *)sample_kernel); }
    int cb = sample_cluster_override > 0 ? sample_cluster_override : G <= 16 ? 8 : G <= 32 ? 4 : G <= 64 ? 2 : 1;
    cb = clusters ? cb : 1;
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3(G * cb);
    config.blockDim = dim3(SAMPLE_THREADS);
    config.stream = stream;
    cudaLaunchAttribute attribute;
    attribute.id = cudaLaunchAttributeClusterDimension;
    attribute.val.clusterDim.x = cb;
    attribute.val.clusterDim.y = 1;
    attribute.val.clusterDim.z = 1;
    config.attrs = &attribute;
    config.numAttrs = clusters ? 1 : 0;
    cudaCheck(cudaLaunchKernelEx(&config, sample_kernel, tokens, thresholds, logits, coins, V, Vp, top_k, top_p, 1.0f / temperature));
}

#endif // SAMPLER_CUH
