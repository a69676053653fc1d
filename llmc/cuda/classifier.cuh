/*
Fused classifier: softmax over all Vp logits, cross-entropy against the target, and the
logits' gradient written in place (probabilities are never stored). One block per token row.
    loss = logsumexp(logits) - logits[target];   dlogits = (softmax - onehot(target)) * dloss
A target of -1 is ignored: loss 0 and a zero gradient row.
*/
#ifndef CLASSIFIER_CUH
#define CLASSIFIER_CUH

#include "cuda_common.h"

__global__ void fused_classifier_kernel(floatX *logits, float *losses, const int *targets, float dloss, int Vp,
                                        int write_dlogits) {
    floatX *row = logits + (size_t)blockIdx.x * Vp;
    int target = targets[blockIdx.x];
    // online max and sum of exponentials per thread, then combined across the block
    float m = -INFINITY, s = 0.0f;
    for (int i = threadIdx.x; i < Vp; i += blockDim.x) {
        float v = toF(row[i]);
        if (v > m) { s = s * expf(m - v) + 1.0f; m = v; } else { s += expf(v - m); }
    }
    __shared__ float shared_m[32], shared_s[32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    for (int o = 16; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(0xffffffff, m, o), s2 = __shfl_xor_sync(0xffffffff, s, o);
        float mm = fmaxf(m, m2);
        s = (m == -INFINITY ? 0.0f : s * expf(m - mm)) + (m2 == -INFINITY ? 0.0f : s2 * expf(m2 - mm));
        m = mm;
    }
    if (lane == 0) { shared_m[warp] = m; shared_s[warp] = s; }
    __syncthreads();
    float M = -INFINITY;
    for (int w = 0; w < warps; w++) { M = fmaxf(M, shared_m[w]); }
    float S = 0.0f;
    for (int w = 0; w < warps; w++) { S += shared_s[w] * expf(shared_m[w] - M); }
    float lse = M + logf(S);
    if (threadIdx.x == 0) { losses[blockIdx.x] = target < 0 ? 0.0f : lse - toF(row[target]); }
    if (!write_dlogits) { return; }
    __syncthreads(); // everyone has read row[target] before it is overwritten
    for (int i = threadIdx.x; i < Vp; i += blockDim.x) {
        float p = expf(toF(row[i]) - lse);
        float g = target < 0 ? 0.0f : (p - (i == target ? 1.0f : 0.0f)) * dloss;
        row[i] = fromF<floatX>(g);
    }
}

void fused_classifier(floatX *logits, float *losses, const int *targets, float dloss, int BT, int Vp,
                      int write_dlogits, cudaStream_t stream) {
    fused_classifier_kernel<<<BT, 512, 0, stream>>>(logits, losses, targets, dloss, Vp, write_dlogits);
    cudaCheck(cudaGetLastError());
}

#endif // CLASSIFIER_CUH
