/*
Embedding lookup and its backward. The backward is deterministic without atomics: the host
groups the positions of each distinct token (it has the batch anyway), and one block per
distinct token adds that token's rows in position order into its gradient row.
*/
#ifndef ENCODER_CUH
#define ENCODER_CUH

#include "cuda_common.h"

// out (B*T, C) fp32 = wte[inp]
__global__ void encoder_forward_kernel(float *out, const int *inp, const float *wte, int BT, int C) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)BT * C) { return; }
    int bt = (int)(i / C), c = (int)(i % C);
    out[i] = wte[(size_t)inp[bt] * C + c];
}

void encoder_forward(float *out, const int *inp, const float *wte, int BT, int C, cudaStream_t stream) {
    encoder_forward_kernel<<<ceil_div((long)BT * C, 256), 256, 0, stream>>>(out, inp, wte, BT, C);
    cudaCheck(cudaGetLastError());
}

// bucket i: token buckets[3i], positions[buckets[3i+1] .. +buckets[3i+2]) in increasing order
__global__ void encoder_backward_kernel(float *dwte, const float *dout, const int *buckets, const int *positions, int C) {
    int token = buckets[3 * blockIdx.x], start = buckets[3 * blockIdx.x + 1], count = buckets[3 * blockIdx.x + 2];
    for (int c = blockIdx.y * blockDim.x + threadIdx.x; c < C; c += gridDim.y * blockDim.x) {
        float acc = 0.0f;
        for (int i = 0; i < count; i++) { acc += dout[(size_t)positions[start + i] * C + c]; }
        dwte[(size_t)token * C + c] += acc;
    }
}

/*
Host side: a counting sort of the positions by token. buckets (3 * BT ints) and positions (BT)
are host buffers, bucket_of a V-int scratch; returns the number of buckets (distinct tokens).
*/
static int encoder_build_buckets(int *buckets, int *positions, int *bucket_of, const int *inp, int BT, int V) {
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
        buckets[3 * b + 2] = 0; // refilled below as the insertion cursor, ending at the count
    }
    for (int i = 0; i < BT; i++) {
        int b = bucket_of[inp[i]];
        positions[buckets[3 * b + 1] + buckets[3 * b + 2]++] = i;
    }
    return nb;
}

void encoder_backward(float *dwte, const float *dout, const int *buckets, const int *positions, int num_buckets,
                      int C, cudaStream_t stream) {
    dim3 grid(num_buckets, ceil_div(C, 256));
    encoder_backward_kernel<<<grid, 256, 0, stream>>>(dwte, dout, buckets, positions, C);
    cudaCheck(cudaGetLastError());
}

#endif // ENCODER_CUH
