/*
Deterministic column sums: out[c] += sum over rows r of f(r, c), for the weight and bias
gradients that sum over all tokens (RMSNorm weight, conv weight and bias).
Pass 1: a grid of (column tiles x SLICES) blocks; each block sums its slice of rows for 32
columns, the 8 row-lanes combined in shared memory in a fixed order, into partials[slice][c].
Pass 2: one thread per column adds the SLICES partials in order. No atomics: the same inputs
give the same bits on every run.
*/
#ifndef REDUCE_CUH
#define REDUCE_CUH

#include "cuda_common.h"

#define COLSUM_SLICES 64

template <typename F>
__global__ void column_sum_partials_kernel(float *partials, F f, int rows, int cols) {
    __shared__ float tile[8][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    int slice = blockIdx.y;
    int per_slice = (rows + COLSUM_SLICES - 1) / COLSUM_SLICES;
    int r0 = slice * per_slice, r1 = min(rows, r0 + per_slice);
    float acc = 0.0f;
    if (c < cols) {
        for (int r = r0 + threadIdx.y; r < r1; r += 8) { acc += f(r, c); }
    }
    tile[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        float s = 0.0f;
        for (int i = 0; i < 8; i++) { s += tile[i][threadIdx.x]; }
        partials[(size_t)slice * cols + c] = s;
    }
}

// G(c, sum) stores the column's total where it belongs (accumulating into a gradient)
template <typename G>
__global__ void column_sum_finish_kernel(const float *partials, G g, int cols) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) { return; }
    float s = 0.0f;
    for (int i = 0; i < COLSUM_SLICES; i++) { s += partials[(size_t)i * cols + c]; }
    g(c, s);
}

// partials needs COLSUM_SLICES * cols floats
template <typename F, typename G>
void column_sum(float *partials, F f, G g, int rows, int cols, cudaStream_t stream) {
    dim3 grid(ceil_div(cols, 32), COLSUM_SLICES), block(32, 8);
    column_sum_partials_kernel<<<grid, block, 0, stream>>>(partials, f, rows, cols);
    cudaCheck(cudaGetLastError());
    column_sum_finish_kernel<<<ceil_div(cols, 256), 256, 0, stream>>>(partials, g, cols);
    cudaCheck(cudaGetLastError());
}

#endif // REDUCE_CUH
