/*
Embedding lookup and its backward.

Forward: out[bt] = wte[inp[bt]], a float4 per thread when C % 4 == 0 (a row copy, memory-bound).

Backward: dwte[v] += sum of dout[bt] over the positions bt with inp[bt] == v. Deterministic without
atomics: the host, which has the batch anyway, sorts the positions by token (counting sort, so each
token's positions stay in increasing order) and cuts each token's list into segments of at most
`seg` positions. One block per segment adds its rows in position order. A token with one segment
adds its sum straight into dwte; a token with several writes one partial row per segment, and a
second kernel adds those partials in segment order. So the work per block is bounded whatever the
token frequencies: one block per distinct token (the previous design) made the step wait for the
most frequent token, and text is skewed (the space is ~15% of tinyshakespeare's bytes; a synthetic
task with a 16-token vocabulary puts thousands of positions on each token). dev/cuda/encoder.cu
measures both designs.
For a token with at most `seg` positions the sum is the same, in the same order, as one running
sum over its positions; with more, sum(segment sums) in segment order. Either way the bits depend
only on the batch and `seg`.
*/
#ifndef ENCODER_CUH
#define ENCODER_CUH

#include "cuda_common.h"
#include "../utils.h"

#define ENCODER_SEG 32 // positions per segment (dev/cuda/encoder.cu compares 8, 32, 128)

// out (BT, C) fp32 = wte[inp]; VEC: C % 4 == 0 and out, wte 16-byte aligned, i counts float4s
template <bool VEC>
__global__ void encoder_forward_kernel(float *out, const int *inp, const float *wte, int BT, int C) {
    const int W = VEC ? C / 4 : C; // elements (float4s or floats) per row
    const size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)BT * W) { return; }
    const int bt = (int)(i / W), c = (int)(i % W);
    if constexpr (VEC) {
        ((float4 *)out)[i] = ((const float4 *)wte)[(size_t)inp[bt] * W + c];
    } else {
        out[i] = wte[(size_t)inp[bt] * C + c];
    }
}

static inline bool encoder_vec_ok(const void *a, const void *b, int C) {
    return C % 4 == 0 && ((uintptr_t)a | (uintptr_t)b) % 16 == 0;
}

void encoder_forward(float *out, const int *inp, const float *wte, int BT, int C, cudaStream_t stream) {
    if (encoder_vec_ok(out, wte, C)) {
        encoder_forward_kernel<true><<<ceil_div((long)BT * (C / 4), 256), 256, 0, stream>>>(out, inp, wte, BT, C);
    } else {
        encoder_forward_kernel<false><<<ceil_div((long)BT * C, 256), 256, 0, stream>>>(out, inp, wte, BT, C);
    }
    cudaCheck(cudaGetLastError());
}

/*
The backward's plan, rebuilt on the host for every batch and copied to the device in one transfer.
plan (ints): positions [BT, padded to a multiple of 4] sorted by token, then nseg segments as int4
(token, start in positions, count, partial slot or -1 = add into dwte), then nfin finishes as
(token, first slot, number of slots) for the tokens cut into several segments.
*/
typedef struct {
    int max_BT, V, C, seg;     // sizes the buffers were made for
    int BT, nseg, nfin, plan_ints; // this batch's counts; plan_ints = ints to copy
    int *cpu_plan;             // host, cap ints
    int *cpu_count;            // (V) host scratch: positions per token, then the insertion cursors
    int *plan;                 // device copy of cpu_plan
    float *partials;           // device (max slots, C): one row per segment of a multi-segment token
} EncoderPlan;

static inline int encoder_plan_pos_ints(int BT) { return (BT + 3) / 4 * 4; }
static inline int encoder_plan_max_slots(int BT, int seg) { return 2 * (BT / seg) + 2; }
static inline size_t encoder_plan_cap(int BT, int seg) {
    return (size_t)encoder_plan_pos_ints(BT) + 4 * (size_t)BT + 3 * (size_t)(BT / (seg + 1) + 1);
}

void encoder_plan_init(EncoderPlan *ep, int BT, int V, int C, int seg) {
    ep->max_BT = BT; ep->V = V; ep->C = C; ep->seg = seg;
    ep->BT = ep->nseg = ep->nfin = ep->plan_ints = 0;
    size_t cap = encoder_plan_cap(BT, seg);
    ep->cpu_plan = (int *)mallocCheck(cap * sizeof(int));
    ep->cpu_count = (int *)mallocCheck((size_t)V * sizeof(int));
    cudaCheck(cudaMalloc((void **)&ep->plan, cap * sizeof(int)));
    cudaCheck(cudaMalloc((void **)&ep->partials, (size_t)encoder_plan_max_slots(BT, seg) * C * sizeof(float)));
}

void encoder_plan_free(EncoderPlan *ep) {
    free(ep->cpu_plan);
    free(ep->cpu_count);
    cudaCheck(cudaFree(ep->plan));
    cudaCheck(cudaFree(ep->partials));
}

size_t encoder_plan_device_bytes(int BT, int C, int seg) {
    return encoder_plan_cap(BT, seg) * sizeof(int) + (size_t)encoder_plan_max_slots(BT, seg) * C * sizeof(float);
}

// counting sort of the positions by token (tokens in order of first appearance), then the segments;
// BT <= the plan's max_BT, tokens in [0, V) (the data loader checks them)
void encoder_plan_build(EncoderPlan *ep, const int *inp, int BT) {
    const int V = ep->V, seg = ep->seg;
    if (BT > ep->max_BT) { fatalf("embedding backward of %d positions, planned for at most %d", BT, ep->max_BT); }
    ep->BT = BT;
    int *count = ep->cpu_count, *pos = ep->cpu_plan;
    int *segs = ep->cpu_plan + encoder_plan_pos_ints(BT);
    for (int v = 0; v < V; v++) { count[v] = 0; }
    for (int i = 0; i < BT; i++) { count[inp[i]]++; }
    int nseg = 0, nfin = 0, slots = 0, offset = 0;
    int *fin = segs + 4 * (size_t)BT; // written after the segments are known (moved down below)
    for (int i = 0; i < BT; i++) { // visit tokens in order of first appearance
        const int v = inp[i], n = count[v];
        if (n <= 0) { continue; } // already placed (the count became a cursor, stored negated)
        const int pieces = (n + seg - 1) / seg;
        for (int k = 0; k < pieces; k++) {
            int *sg = segs + 4 * nseg++;
            sg[0] = v;
            sg[1] = offset + k * seg;
            sg[2] = n - k * seg < seg ? n - k * seg : seg;
            sg[3] = pieces == 1 ? -1 : slots + k;
        }
        if (pieces > 1) {
            fin[3 * nfin] = v; fin[3 * nfin + 1] = slots; fin[3 * nfin + 2] = pieces;
            nfin++;
            slots += pieces;
        }
        count[v] = -(offset + 1); // the insertion cursor, negated and shifted so it reads as "placed"
        offset += n;
    }
    for (int i = 0; i < BT; i++) { // positions, each token's in increasing order
        const int c = -count[inp[i]] - 1;
        pos[c] = i;
        count[inp[i]]--;
    }
    for (int i = BT; i < encoder_plan_pos_ints(BT); i++) { pos[i] = 0; }
    memmove(segs + 4 * nseg, fin, 3 * (size_t)nfin * sizeof(int)); // the finishes follow the segments
    ep->nseg = nseg;
    ep->nfin = nfin;
    ep->plan_ints = encoder_plan_pos_ints(BT) + 4 * nseg + 3 * nfin;
}

// one block per segment; VEC: float4 columns (C % 4 == 0, dwte and dout 16-byte aligned)
template <bool VEC>
__global__ void encoder_backward_kernel(float *dwte, float *partials, const float *dout, const int *positions,
                                        const int4 *segs, int C) {
    const int4 sg = segs[blockIdx.x];
    const int W = VEC ? C / 4 : C;
    const int *pos = positions + sg.y;
    for (int c = blockIdx.y * blockDim.x + threadIdx.x; c < W; c += gridDim.y * blockDim.x) {
        if constexpr (VEC) {
            const float4 *src = (const float4 *)dout + c;
            float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll 4
            for (int i = 0; i < sg.z; i++) {
                const float4 d = src[(size_t)pos[i] * W];
                acc.x += d.x; acc.y += d.y; acc.z += d.z; acc.w += d.w;
            }
            float4 *dst = sg.w < 0 ? (float4 *)dwte + (size_t)sg.x * W + c : (float4 *)partials + (size_t)sg.w * W + c;
            if (sg.w < 0) {
                const float4 o = *dst;
                acc = make_float4(o.x + acc.x, o.y + acc.y, o.z + acc.z, o.w + acc.w);
            }
            *dst = acc;
        } else {
            float acc = 0.f;
#pragma unroll 4
            for (int i = 0; i < sg.z; i++) { acc += dout[(size_t)pos[i] * C + c]; }
            if (sg.w < 0) {
                dwte[(size_t)sg.x * C + c] += acc;
            } else {
                partials[(size_t)sg.w * C + c] = acc;
            }
        }
    }
}

// one block per multi-segment token: its partial rows in segment order, then into dwte
__global__ void encoder_backward_finish_kernel(float *dwte, const float *partials, const int *fin, int C) {
    const int token = fin[3 * blockIdx.x], first = fin[3 * blockIdx.x + 1], n = fin[3 * blockIdx.x + 2];
    for (int c = blockIdx.y * blockDim.x + threadIdx.x; c < C; c += gridDim.y * blockDim.x) {
        float acc = partials[(size_t)first * C + c];
        for (int k = 1; k < n; k++) { acc += partials[(size_t)(first + k) * C + c]; }
        dwte[(size_t)token * C + c] += acc;
    }
}

// the kernels on a plan already on the device (dev/cuda/encoder.cu times this part alone)
void encoder_backward_launch(float *dwte, const float *dout, const EncoderPlan *ep, cudaStream_t stream) {
    const int C = ep->C;
    if (ep->nseg == 0) { return; }
    const int *positions = ep->plan;
    const int4 *segs = (const int4 *)(ep->plan + encoder_plan_pos_ints(ep->BT));
    const int *fin = ep->plan + encoder_plan_pos_ints(ep->BT) + 4 * ep->nseg;
    // float4 columns from C = 128 on: below that a float4 per thread leaves most of a warp idle
    // (C = 64: 0.0174 ms against 0.0155 scalar, doc/perf.md); both add in the same order, same bits
    const bool vec = C >= 128 && encoder_vec_ok(dwte, dout, C);
    const int W = vec ? C / 4 : C;
    const int threads = W >= 256 ? 256 : (W + 31) / 32 * 32;
    dim3 grid(ep->nseg, ceil_div(W, threads));
    if (vec) {
        encoder_backward_kernel<true><<<grid, threads, 0, stream>>>(dwte, ep->partials, dout, positions, segs, C);
    } else {
        encoder_backward_kernel<false><<<grid, threads, 0, stream>>>(dwte, ep->partials, dout, positions, segs, C);
    }
    cudaCheck(cudaGetLastError());
    if (ep->nfin > 0) {
        const int ft = C >= 256 ? 256 : (C + 31) / 32 * 32;
        encoder_backward_finish_kernel<<<dim3(ep->nfin, ceil_div(C, ft)), ft, 0, stream>>>(dwte, ep->partials, fin, C);
        cudaCheck(cudaGetLastError());
    }
}

// dwte (V, C) += the embedding gradient of dout (BT, C) for the batch inp (host, BT tokens)
void encoder_backward(float *dwte, const float *dout, EncoderPlan *ep, const int *inp, int BT, cudaStream_t stream) {
    encoder_plan_build(ep, inp, BT);
    cudaCheck(cudaMemcpyAsync(ep->plan, ep->cpu_plan, (size_t)ep->plan_ints * sizeof(int), cudaMemcpyHostToDevice, stream));
    encoder_backward_launch(dwte, dout, ep, stream);
}

#endif // ENCODER_CUH
