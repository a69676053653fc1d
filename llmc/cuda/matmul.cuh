/*
Matrix products through cuBLAS, in the row-major terms of train_mamba.c:
    forward:  out (BT, OC) = inp (BT, IC; rows ldi apart) @ weight^T, weight (OC, IC)
    backward: dinp (BT, IC; rows ldi apart) (+)= dout @ weight
              dweight (OC, IC, fp32) += dout^T @ inp
Operands are floatX, accumulation fp32; weight gradients accumulate straight into the fp32
gradient buffer (cuBLAS takes bf16 A and B with an fp32 C). A row-major (R, K) matrix is a
column-major (K, R) one, which is how each call below reads.
*/
#ifndef MATMUL_CUH
#define MATMUL_CUH

#include <cublas_v2.h>
#include "cuda_common.h"

static cublasHandle_t cublas_handle;
#ifdef ENABLE_FP32
#define CUBLAS_FLOATX CUDA_R_32F
#else
#define CUBLAS_FLOATX CUDA_R_16BF
#endif

static inline void cublas_check(cublasStatus_t status, const char *file, int line) {
    if (status != CUBLAS_STATUS_SUCCESS) {
        fprintf(stderr, "error: cuBLAS status %d [%s:%d]\n", (int)status, file, line);
        exit(EXIT_FAILURE);
    }
}
#define cublasCheck(status) (cublas_check(status, __FILE__, __LINE__))

// cuBLAS's workspace: one fixed buffer (32 MiB, the size cuBLAS's documentation recommends for
// Hopper), so that products captured into a CUDA graph use it rather than memory cuBLAS would
// allocate during the capture. Set after cublasSetStream, which resets it to the default pool.
#define CUBLAS_WORKSPACE_BYTES (32u << 20)
static void *cublas_workspace;

void matmul_init(cudaStream_t stream) {
    cublasCheck(cublasCreate(&cublas_handle));
    cublasCheck(cublasSetStream(cublas_handle, stream));
    cudaCheck(cudaMalloc(&cublas_workspace, CUBLAS_WORKSPACE_BYTES));
    cublasCheck(cublasSetWorkspace(cublas_handle, cublas_workspace, CUBLAS_WORKSPACE_BYTES));
    // pure fp32 in the fp32 build (no TF32), tensor cores for bf16
    cublasCheck(cublasSetMathMode(cublas_handle, CUBLAS_DEFAULT_MATH));
}

void matmul_forward(floatX *out, const floatX *inp, int ldi, const floatX *weight, int BT, int IC, int OC) {
    const float one = 1.0f, zero = 0.0f;
    cublasCheck(cublasGemmEx(cublas_handle, CUBLAS_OP_T, CUBLAS_OP_N, OC, BT, IC, &one, weight, CUBLAS_FLOATX, IC,
                             inp, CUBLAS_FLOATX, ldi, &zero, out, CUBLAS_FLOATX, OC, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

// accumulate_dinp: add into dinp (it already holds another path's gradient) instead of overwriting;
// scale multiplies both products (the LM head's gradient-accumulation factor)
// the two halves of the backward, for callers that need them apart (out_proj's weight gradient
// waits for the scan backward to write its input again at -r 2)
void matmul_backward_dinp(floatX *dinp, const floatX *dout, const floatX *weight, int ldi, int BT, int IC, int OC,
                          int accumulate_dinp, float scale) {
    const float one = 1.0f, zero = 0.0f;
    if (dinp == NULL) { return; } // the input needs no gradient
    cublasCheck(cublasGemmEx(cublas_handle, CUBLAS_OP_N, CUBLAS_OP_N, IC, BT, OC, &scale, weight, CUBLAS_FLOATX, IC,
                             dout, CUBLAS_FLOATX, OC, accumulate_dinp ? &one : &zero, dinp, CUBLAS_FLOATX, ldi,
                             CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}
void matmul_backward_dweight(float *dweight, const floatX *dout, const floatX *inp, int ldi, int BT, int IC, int OC,
                             float scale) {
    const float one = 1.0f;
    cublasCheck(cublasGemmEx(cublas_handle, CUBLAS_OP_N, CUBLAS_OP_T, IC, OC, BT, &scale, inp, CUBLAS_FLOATX, ldi,
                             dout, CUBLAS_FLOATX, OC, &one, dweight, CUDA_R_32F, IC, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}
void matmul_backward_scaled(floatX *dinp, float *dweight, const floatX *dout, const floatX *inp, int ldi,
                            const floatX *weight, int BT, int IC, int OC, int accumulate_dinp, float scale) {
    matmul_backward_dinp(dinp, dout, weight, ldi, BT, IC, OC, accumulate_dinp, scale);
    matmul_backward_dweight(dweight, dout, inp, ldi, BT, IC, OC, scale);
}

void matmul_backward(floatX *dinp, float *dweight, const floatX *dout, const floatX *inp, int ldi,
                     const floatX *weight, int BT, int IC, int OC, int accumulate_dinp) {
    matmul_backward_scaled(dinp, dweight, dout, inp, ldi, weight, BT, IC, OC, accumulate_dinp, 1.0f);
}

#endif // MATMUL_CUH
