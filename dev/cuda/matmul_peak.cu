/*
The measured bf16 matrix rate of this GPU through cuBLAS: the denominator of MFU.
An 8192^3 product on random data, median of 20 timed runs after 5 warm-ups.
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o matmul_peak dev/cuda/matmul_peak.cu -lcublas && ./matmul_peak
*/
#include <stdio.h>
#include <stdlib.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>

#define CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "error: %s\n", cudaGetErrorString(e)); exit(1); } } while (0)

__global__ void fill(__nv_bfloat16 *p, size_t n, unsigned seed) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        unsigned h = (unsigned)i * 2654435761u ^ seed;
        h ^= h >> 13; h *= 0x5bd1e995u; h ^= h >> 15;
        p[i] = __float2bfloat16((h & 0xFFFF) / 65536.0f - 0.5f);
    }
}

static int cmp(const void *a, const void *b) { float x = *(const float *)a, y = *(const float *)b; return (x > y) - (x < y); }

int main(void) {
    const int n = 8192;
    size_t elems = (size_t)n * n;
    __nv_bfloat16 *A, *B, *C;
    CHECK(cudaMalloc(&A, elems * 2)); CHECK(cudaMalloc(&B, elems * 2)); CHECK(cudaMalloc(&C, elems * 2));
    fill<<<(unsigned)((elems + 255) / 256), 256>>>(A, elems, 1);
    fill<<<(unsigned)((elems + 255) / 256), 256>>>(B, elems, 2);
    cublasHandle_t h;
    cublasCreate(&h);
    float one = 1.0f, zero = 0.0f, times[20];
    cudaEvent_t e0, e1;
    cudaEventCreate(&e0); cudaEventCreate(&e1);
    for (int i = 0; i < 25; i++) {
        cudaEventRecord(e0);
        if (cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, n, n, n, &one, A, CUDA_R_16BF, n, B, CUDA_R_16BF, n, &zero, C,
                         CUDA_R_16BF, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT) != CUBLAS_STATUS_SUCCESS) {
            fprintf(stderr, "error: cublasGemmEx failed\n"); return 1;
        }
        cudaEventRecord(e1);
        CHECK(cudaEventSynchronize(e1));
        if (i >= 5) { cudaEventElapsedTime(&times[i - 5], e0, e1); }
    }
    qsort(times, 20, sizeof(float), cmp);
    double ms = times[10];
    printf("bf16 matmul %dx%dx%d: %.3f ms median, %.1f TFLOP/s\n", n, n, n, ms, 2.0 * n * n * (double)n / (ms * 1e-3) / 1e12);
    return 0;
}
