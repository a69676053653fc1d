/*
The part of NCCL's API that llmc/cuda/multi_gpu.cuh calls, with nccl.h's names and meanings, for the
builds that do not link NCCL (the Makefile puts this directory first on the include path):
  - train_mamba_cu where nccl.h is not found, or with NCCL=0, and train_mamba_cu_nonccl: one process
    only; multi_gpu.cuh defines these functions as failing, and refuses more processes at start-up;
  - train_mamba_cu_shm: test/shm_nccl.c defines them over shared memory (several ranks on one GPU),
    also on the CPU in test/test_shm_nccl.c over the stub CUDA runtime of test/stub_cuda/.
Every other build includes NCCL's own header.
*/
#ifndef NCCL_SUBSET_H
#define NCCL_SUBSET_H
#include <stddef.h>
#include <cuda_runtime.h>
#ifdef __cplusplus
extern "C" { // as NCCL's own header: test/shm_nccl.c is compiled as C
#endif

typedef enum { ncclSuccess = 0, ncclUnhandledCudaError = 1, ncclSystemError = 2, ncclInternalError = 3, ncclInvalidArgument = 4,
               ncclInvalidUsage = 5, ncclRemoteError = 6, ncclInProgress = 7 } ncclResult_t;
typedef struct { char internal[128]; } ncclUniqueId;
typedef struct { int blocking; } ncclConfig_t;
#define NCCL_CONFIG_INITIALIZER {1}
typedef enum { ncclInt32 = 2, ncclFloat32 = 7, ncclFloat = 7, ncclFloat64 = 8 } ncclDataType_t;
typedef enum { ncclSum = 0, ncclProd = 1, ncclMax = 2, ncclMin = 3, ncclAvg = 4 } ncclRedOp_t;
typedef struct ncclComm *ncclComm_t;

const char *ncclGetErrorString(ncclResult_t result);
ncclResult_t ncclGetUniqueId(ncclUniqueId *id);
ncclResult_t ncclCommInitRankConfig(ncclComm_t *comm, int nranks, ncclUniqueId id, int rank, ncclConfig_t *config);
ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t *state);
ncclResult_t ncclCommAbort(ncclComm_t comm);
ncclResult_t ncclCommFinalize(ncclComm_t comm);
ncclResult_t ncclCommDestroy(ncclComm_t comm);
ncclResult_t ncclGroupStart(void);
ncclResult_t ncclGroupEnd(void);
ncclResult_t ncclAllReduce(const void *send, void *recv, size_t count, ncclDataType_t dt, ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream);
ncclResult_t ncclReduceScatter(const void *send, void *recv, size_t recvcount, ncclDataType_t dt, ncclRedOp_t op, ncclComm_t comm,
                               cudaStream_t stream);
ncclResult_t ncclAllGather(const void *send, void *recv, size_t sendcount, ncclDataType_t dt, ncclComm_t comm, cudaStream_t stream);
ncclResult_t ncclBroadcast(const void *send, void *recv, size_t count, ncclDataType_t dt, int root, ncclComm_t comm, cudaStream_t stream);
#ifdef __cplusplus
}
#endif
#endif
