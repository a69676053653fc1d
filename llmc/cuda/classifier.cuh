/*
Fused classifier: softmax over all Vp logits, cross-entropy against the target, and the
logits' gradient written in place (probabilities are never stored). One block per token row,
16-byte loads and stores (Vp is a multiple of 8, so every row starts 16-byte aligned).
    loss = logsumexp(logits) - logits[target];   dlogits = (softmax - onehot(target)) * dloss
A target of -1 is ignored: loss 0 and a zero gradient row. Also the argmax of each row (accuracy).
*/
#ifndef CLASSIFIER_CUH
#define CLASSIFIER_CUH

#include "cuda_common.h"

#define PACK (16 / (int)sizeof(floatX))
struct __align__(16) PackX { floatX v[16 / sizeof(floatX)]; };

__global__ void fused_classifier_kernel(floatX *logits, float *losses, int *predictions, const int *targets, float dloss,
                                        int Vp, int write_dlogits) {
    floatX *row = logits + (size_t)blockIdx.x * Vp;
    PackX *prow = (PackX *)row;
    int packs = Vp / PACK, target = targets[blockIdx.x];
    // online max and sum of exponentials per thread, then combined across the block
    float m = -INFINITY, s = 0.0f;
    int arg = 0; // the first index of the row maximum (for token accuracy)
    for (int i = threadIdx.x; i < packs; i += blockDim.x) {
        PackX p = prow[i];
        float pm = toF(p.v[0]);
        int pa = i * PACK;
        for (int j = 1; j < PACK; j++) {
            if (toF(p.v[j]) > pm) { pm = toF(p.v[j]); pa = i * PACK + j; }
        }
        if (pm > m) { arg = pa; }
        float nm = fmaxf(m, pm);
        float acc = s * __expf(m - nm);
        for (int j = 0; j < PACK; j++) { acc += __expf(toF(p.v[j]) - nm); }
        s = acc;
        m = nm;
    }
    __shared__ float shared_m[32], shared_s[32];
    __shared__ int shared_arg[32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    for (int o = 16; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(0xffffffff, m, o), s2 = __shfl_xor_sync(0xffffffff, s, o);
        int a2 = __shfl_xor_sync(0xffffffff, arg, o);
        if (m2 > m || (m2 == m && a2 < arg)) { arg = a2; }
        float mm = fmaxf(m, m2);
        s = (m == -INFINITY ? 0.0f : s * __expf(m - mm)) + (m2 == -INFINITY ? 0.0f : s2 * __expf(m2 - mm));
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
    for (int w = 0; w < warps; w++) { S += shared_m[w] == -INFINITY ? 0.0f : shared_s[w] * __expf(shared_m[w] - M); }
    float lse = M + logf(S);
    if (threadIdx.x == 0) {
        losses[blockIdx.x] = target < 0 ? 0.0f : lse - toF(row[target]);
        predictions[blockIdx.x] = best;
    }
    if (!write_dlogits) { return; }
    __syncthreads(); // row[target] has been read before it is overwritten
    for (int i = threadIdx.x; i < packs; i += blockDim.x) {
        PackX p = prow[i];
        for (int j = 0; j < PACK; j++) {
            int idx = i * PACK + j;
            float g = target < 0 ? 0.0f : (__expf(toF(p.v[j]) - lse) - (idx == target ? 1.0f : 0.0f)) * dloss;
            p.v[j] = fromF<floatX>(g);
        }
        prow[i] = p;
    }
}

void fused_classifier(floatX *logits, float *losses, int *predictions, const int *targets, float dloss, int BT, int Vp,
                      int write_dlogits, cudaStream_t stream) {
    fused_classifier_kernel<<<BT, 256, 0, stream>>>(logits, losses, predictions, targets, dloss, Vp, write_dlogits);
    cudaCheck(cudaGetLastError());
}

#endif // CLASSIFIER_CUH
