/*
The measured bf16 matrix rate of this GPU through cuBLAS: the denominator of MFU.
An 8192^3 product on random data, median of 20 timed runs after 5 warm-ups.
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o matmul_peak dev/cuda/matmul_peak.cu -lcublas && ./matmul_peak
It takes no arguments: any (a --check, a size) is a usage line and exit 2, as a bad version is in the other
playgrounds, before the GPU is touched (they were ignored, and the 8192^3 product measured as if none were given).
*/
#include <stdio.h>
#include <stdlib.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include "../../llmc/cuda/matmul.cuh" // cudaCheck and cublasCheck (file and line of a failed call), as the other playgrounds

__global__ void fill(__nv_bfloat16 *p, size_t n, unsigned seed) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        unsigned h = (unsigned)i * 2654435761u ^ seed;
        h ^= h >> 13; h *= 0x5bd1e995u; h ^= h >> 15;
        p[i] = __float2bfloat16((h & 0xFFFF) / 65536.0f - 0.5f);
    }
}

static int cmp(const void *a, const void *b) { float x = *(const float *)a, y = *(const float *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
    const int n = 8192;
    if (argc > 1) {
        fprintf(stderr, "usage: %s   (no arguments: the bf16 rate of one %dx%dx%d cuBLAS product)\n", argv[0], n, n, n);
        return 2;
    }
    size_t elems = (size_t)n * n;
    __nv_bfloat16 *A, *B, *C;
    cudaCheck(cudaMalloc(&A, elems * 2)); cudaCheck(cudaMalloc(&B, elems * 2)); cudaCheck(cudaMalloc(&C, elems * 2));
    fill<<<(unsigned)((elems + 255) / 256), 256>>>(A, elems, 1);
    cudaCheck(cudaGetLastError());
    fill<<<(unsigned)((elems + 255) / 256), 256>>>(B, elems, 2);
    cudaCheck(cudaGetLastError());
    cudaCheck(cudaDeviceSynchronize()); // a fault in the fills shows here, not as a failed product
    cublasHandle_t h;
    cublasCheck(cublasCreate(&h));
    float one = 1.0f, zero = 0.0f, times[20];
    cudaEvent_t e0, e1;
    cudaCheck(cudaEventCreate(&e0)); cudaCheck(cudaEventCreate(&e1));
    for (int i = 0; i < 25; i++) {
        cudaCheck(cudaEventRecord(e0));
        cublasCheck(cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, n, n, n, &one, A, CUDA_R_16BF, n, B, CUDA_R_16BF, n, &zero, C,
                                 CUDA_R_16BF, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        cudaCheck(cudaEventRecord(e1));
        cudaCheck(cudaEventSynchronize(e1));
        if (i >= 5) { cudaCheck(cudaEventElapsedTime(&times[i - 5], e0, e1)); }
    }
    cudaCheck(cudaEventDestroy(e0)); cudaCheck(cudaEventDestroy(e1));
    cublasCheck(cublasDestroy(h));
    cudaCheck(cudaFree(A)); cudaCheck(cudaFree(B)); cudaCheck(cudaFree(C));
    qsort(times, 20, sizeof(float), cmp);
    double ms = times[10];
    printf("bf16 matmul %dx%dx%d: %.3f ms median, %.1f TFLOP/s\n", n, n, n, ms, 2.0 * n * n * (double)n / (ms * 1e-3) / 1e12);
    return 0;
}
