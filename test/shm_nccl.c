/*
The part of NCCL's API that llmc/cuda/multi_gpu.cuh calls, over shared memory (test/shm_coll.h), for
testing the GPU trainer's several-process code on a machine with one GPU: `make train_mamba_cu_shm`
links this file instead of libnccl, and every rank may then drive the same GPU (NCCL refuses two
ranks on one device). test/test_multi_gpu.sh runs its whole suite on that binary where fewer than
two GPUs are present. What it checks: the ranks' data shares, what their collectives compute, that
every rank issues the same collectives in the same order (a disagreement is an error naming both
ranks' calls, where NCCL would hang), checkpoints and resumes across ranks, and the failures (a rank
that exits, an abort, start-up errors). What it cannot check: NCCL itself, its speed, its
non-blocking set-up beyond "in progress until every rank has joined".

A collective on a stream becomes, per piece of at most a slot: device-to-host copies of this rank's
input into a pinned staging buffer (one per stream), a host function that runs the round with the
other ranks (shm_coll_run: sums in rank order, so every rank gets the same bits), and host-to-device
copies of the result. So it is ordered on the stream like NCCL's kernels, and a failed round (a
peer gone, an abort) leaves an asynchronous error for ncclCommGetAsyncError, as NCCL does.
Collectives inside a CUDA graph capture are refused (the trainer launches them outside graphs).

Environment: SHM_NCCL_SLOT_BYTES (default 64 MiB, at least 64; small values split the collectives
into many rounds; each rank reserves a slot in /dev/shm), SHM_NCCL_TIMEOUT (seconds a round, or the
set-up, waits for a live peer, default 3600: the trainer's own deadlines, -pt, come first).
*/
#include <pthread.h>
#include <cuda_runtime.h>
#include <nccl.h>
#include "shm_coll.h"

#define SHM_NCCL_ID_MAGIC "shmnccl1"
#define SHM_NCCL_STREAMS 8

struct ncclComm {
    ShmColl coll;
    pthread_mutex_t lock;      // host functions of several streams may run at once
    volatile int async_error;  // an ncclResult_t; ncclInProgress until every rank has joined
    int reported;
    int blocking;
    double join_deadline;      // SHM_NCCL_TIMEOUT after ncclCommInitRankConfig: a rank that never joins is an error then
    struct { cudaStream_t stream; void *stage; } stages[SHM_NCCL_STREAMS];
    int num_stages;
    uint64_t issued, ran;      // rounds enqueued, rounds run: NCCL runs a communicator's collectives in issue order
};

typedef struct {
    struct ncclComm *comm;
    ShmOp op;
    void *stage;
    uint64_t issue; // its place in the order the host enqueued the rounds
} ShmRound;

static void shm_nccl_report(struct ncclComm *comm) {
    if (!comm->reported) {
        fprintf(stderr, "shm_nccl: rank %d: %s\n", comm->coll.rank, comm->coll.error);
        comm->reported = 1;
    }
}

const char *ncclGetErrorString(ncclResult_t r) {
    switch (r) {
    case ncclSuccess: return "no error";
    case ncclUnhandledCudaError: return "unhandled cuda error";
    case ncclSystemError: return "unhandled system error";
    case ncclInternalError: return "internal error";
    case ncclInvalidArgument: return "invalid argument";
    case ncclInvalidUsage: return "invalid usage";
    case ncclRemoteError: return "remote process exited or there was a network error";
    case ncclInProgress: return "NCCL operation in progress";
    default: return "unknown result code";
    }
}

static double shm_nccl_env(const char *name, double fallback) {
    const char *v = getenv(name);
    return v != NULL && atof(v) > 0 ? atof(v) : fallback;
}

ncclResult_t ncclGetUniqueId(ncclUniqueId *id) {
    memset(id, 0, sizeof(*id));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(id->internal, sizeof(id->internal), "%s/shmnccl.%d.%ld%09ld", SHM_NCCL_ID_MAGIC, (int)getpid(), (long)ts.tv_sec, ts.tv_nsec);
    return ncclSuccess;
}

// joined: every rank attached (InProgress until then), or the error that stopped it
static ncclResult_t shm_nccl_join_state(struct ncclComm *comm) {
    if (comm->async_error != ncclInProgress) { return (ncclResult_t)comm->async_error; }
    int r = shm_coll_poll(&comm->coll, 1, comm->join_deadline);
    if (r == 0) { return ncclInProgress; }
    if (r < 0) {
        comm->async_error = ncclRemoteError;
        shm_nccl_report(comm);
        return ncclRemoteError;
    }
    if (comm->coll.rank == 0) { shm_unlink(comm->coll.name); } // every rank has it mapped
    comm->async_error = ncclSuccess;
    return ncclSuccess;
}

ncclResult_t ncclCommInitRankConfig(ncclComm_t *out, int nranks, ncclUniqueId id, int rank, ncclConfig_t *config) {
    *out = NULL;
    if (memcmp(id.internal, SHM_NCCL_ID_MAGIC, strlen(SHM_NCCL_ID_MAGIC)) != 0 || memchr(id.internal, '\0', sizeof(id.internal)) == NULL) {
        fprintf(stderr, "shm_nccl: rank %d: the unique id is not one of ncclGetUniqueId's here\n", rank);
        return ncclInvalidArgument;
    }
    struct ncclComm *comm = (struct ncclComm *)calloc(1, sizeof(*comm));
    if (comm == NULL) { return ncclSystemError; }
    pthread_mutex_init(&comm->lock, NULL);
    comm->blocking = config == NULL || config->blocking != 0;
    const double slot = shm_nccl_env("SHM_NCCL_SLOT_BYTES", 64.0 * 1024 * 1024);
    if (shm_coll_open(&comm->coll, id.internal + strlen(SHM_NCCL_ID_MAGIC), nranks, rank, (size_t)slot,
                      shm_nccl_env("SHM_NCCL_TIMEOUT", 3600.0)) != 0) {
        fprintf(stderr, "shm_nccl: rank %d: %s\n", rank, comm->coll.error);
        free(comm);
        return ncclSystemError;
    }
    comm->async_error = ncclInProgress;
    comm->join_deadline = shm_coll_now() + comm->coll.timeout_s;
    *out = comm;
    ncclResult_t state = shm_nccl_join_state(comm);
    while (comm->blocking && state == ncclInProgress) {
        usleep(1000);
        state = shm_nccl_join_state(comm);
    }
    return state;
}

ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t *state) {
    *state = shm_nccl_join_state(comm);
    return ncclSuccess;
}

ncclResult_t ncclCommAbort(ncclComm_t comm) {
    if (comm == NULL) { return ncclSuccess; }
    shm_coll_abort(&comm->coll); // a host function waiting in a round gives up; the mapping stays for it
    shm_unlink(comm->coll.name);  // (any rank: rank 0 may never have joined; the name is this launch's alone)
    return ncclSuccess;
}

ncclResult_t ncclCommFinalize(ncclComm_t comm) { return comm->async_error == ncclSuccess ? ncclSuccess : (ncclResult_t)comm->async_error; }

ncclResult_t ncclCommDestroy(ncclComm_t comm) {
    for (int i = 0; i < comm->num_stages; i++) {
        cudaStreamSynchronize(comm->stages[i].stream);
        cudaFreeHost(comm->stages[i].stage);
    }
    shm_coll_close(&comm->coll);
    pthread_mutex_destroy(&comm->lock);
    free(comm);
    return ncclSuccess;
}

ncclResult_t ncclGroupStart(void) { return ncclSuccess; } // every collective runs as it is enqueued
ncclResult_t ncclGroupEnd(void) { return ncclSuccess; }

static void CUDART_CB shm_nccl_round(void *arg) {
    ShmRound *round = (ShmRound *)arg;
    struct ncclComm *comm = round->comm;
    pthread_mutex_lock(&comm->lock);
    // collectives enqueued on two streams at once could run in another order here than NCCL's issue order, and
    // (through the other ranks' order) pair up differently: an error, not a silent difference
    if (++comm->ran != round->issue && !comm->coll.failed) {
        shm_coll_fail(&comm->coll, "round %llu of this rank ran as its round %llu: collectives on two streams at once",
                      (unsigned long long)round->issue, (unsigned long long)comm->ran);
    }
    if (shm_coll_run(&comm->coll, &round->op, round->stage) != 0) {
        comm->async_error = ncclRemoteError;
        shm_nccl_report(comm);
    }
    pthread_mutex_unlock(&comm->lock);
    free(round);
}

static ncclResult_t shm_nccl_type(ncclDataType_t t, int *type) {
    *type = t == ncclFloat32 ? SHM_F32 : t == ncclInt32 ? SHM_I32 : t == ncclFloat64 ? SHM_F64 : 0;
    return *type != 0 ? ncclSuccess : ncclInvalidArgument;
}

// the stream's staging buffer (pinned, one slot), made at its first collective
static void *shm_nccl_stage(struct ncclComm *comm, cudaStream_t stream) {
    for (int i = 0; i < comm->num_stages; i++) {
        if (comm->stages[i].stream == stream) { return comm->stages[i].stage; }
    }
    if (comm->num_stages == SHM_NCCL_STREAMS) { return NULL; }
    void *stage = NULL;
    if (cudaMallocHost(&stage, comm->coll.slot_bytes) != cudaSuccess) { return NULL; }
    comm->stages[comm->num_stages].stream = stream;
    comm->stages[comm->num_stages++].stage = stage;
    return stage;
}

/*
Enqueue a collective on stream in rounds of at most a slot. Per round of `c` elements at element
offset `at`: this rank's input pieces to the stage, the round, the result pieces back.
send/recv offsets by kind: all-reduce and broadcast one piece each way at `at`; reduce-scatter
nranks input pieces (rank j's at j*count + at) and one result piece at `at`; all-gather one input
piece at `at` and nranks result pieces (rank j's at j*count + at).
*/
static ncclResult_t shm_nccl_collective(int kind, const void *send, void *recv, size_t count, ncclDataType_t dt, int redop, int root,
                                        ncclComm_t comm, cudaStream_t stream) {
    if (comm == NULL) { return ncclInvalidArgument; }
    if (comm->async_error != ncclSuccess) { return comm->async_error == ncclInProgress ? ncclInvalidUsage : (ncclResult_t)comm->async_error; }
    int type;
    if (shm_nccl_type(dt, &type) != ncclSuccess) {
        fprintf(stderr, "shm_nccl: data type %d is not supported (float, int32, double)\n", (int)dt);
        return ncclInvalidArgument;
    }
    enum cudaStreamCaptureStatus capturing;
    if (cudaStreamIsCapturing(stream, &capturing) != cudaSuccess || capturing != cudaStreamCaptureStatusNone) {
        fprintf(stderr, "shm_nccl: a collective inside a CUDA graph capture is not supported\n");
        return ncclInvalidUsage;
    }
    void *stage = shm_nccl_stage(comm, stream);
    if (stage == NULL) { return ncclSystemError; }
    const int n = comm->coll.nranks;
    const size_t esz = shm_coll_type_size(type), most = shm_coll_max_count(&comm->coll, kind, type);
    if (most == 0) {
        fprintf(stderr, "shm_nccl: a slot of %zu bytes holds no piece of this collective for %d ranks: raise SHM_NCCL_SLOT_BYTES\n",
                comm->coll.slot_bytes, n);
        return ncclInvalidUsage;
    }
    for (size_t at = 0; at < count || (count == 0 && at == 0); at += most) {
        const size_t c = count - at < most ? count - at : most;
        ShmRound *round = (ShmRound *)malloc(sizeof(*round));
        if (round == NULL) { return ncclSystemError; }
        round->comm = comm;
        round->stage = stage;
        memset(&round->op, 0, sizeof(round->op));
        round->op.kind = kind;
        round->op.type = type;
        round->op.redop = redop;
        round->op.root = root;
        round->op.count = c;
        round->op.total = count;
        round->op.offset = at;
        round->issue = ++comm->issued;
        const enum cudaMemcpyKind d2h = cudaMemcpyDeviceToHost, h2d = cudaMemcpyHostToDevice;
        cudaError_t e = cudaSuccess;
        unsigned char *st = (unsigned char *)stage;
        const unsigned char *s = (const unsigned char *)send;
        unsigned char *r = (unsigned char *)recv;
        if (kind == SHM_REDUCE_SCATTER) {
            for (int j = 0; j < n && e == cudaSuccess; j++) { e = cudaMemcpyAsync(st + j * c * esz, s + (j * count + at) * esz, c * esz, d2h, stream); }
        } else if (c > 0 && (kind != SHM_BROADCAST || comm->coll.rank == root)) { // (a broadcast reads the root's send buffer only)
            e = cudaMemcpyAsync(st, s + at * esz, c * esz, d2h, stream);
        }
        if (e == cudaSuccess) { e = cudaLaunchHostFunc(stream, shm_nccl_round, round); }
        if (e != cudaSuccess) {
            free(round);
            fprintf(stderr, "shm_nccl: enqueueing a round: %s\n", cudaGetErrorString(e));
            return ncclUnhandledCudaError;
        }
        if (kind == SHM_ALL_GATHER) {
            for (int j = 0; j < n && e == cudaSuccess; j++) { e = cudaMemcpyAsync(r + (j * count + at) * esz, st + j * c * esz, c * esz, h2d, stream); }
        } else if (c > 0) {
            e = cudaMemcpyAsync(r + at * esz, st, c * esz, h2d, stream);
        }
        if (e != cudaSuccess) {
            fprintf(stderr, "shm_nccl: enqueueing a round's result: %s\n", cudaGetErrorString(e));
            return ncclUnhandledCudaError;
        }
        if (count == 0) { break; }
    }
    return ncclSuccess;
}

static int shm_nccl_redop(ncclRedOp_t op) {
    return op == ncclSum ? SHM_SUM : op == ncclAvg ? SHM_AVG : op == ncclMin ? SHM_MIN : op == ncclMax ? SHM_MAX : 0;
}

ncclResult_t ncclAllReduce(const void *send, void *recv, size_t count, ncclDataType_t dt, ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream) {
    if (shm_nccl_redop(op) == 0) { return ncclInvalidArgument; }
    return shm_nccl_collective(SHM_ALL_REDUCE, send, recv, count, dt, shm_nccl_redop(op), 0, comm, stream);
}

ncclResult_t ncclReduceScatter(const void *send, void *recv, size_t recvcount, ncclDataType_t dt, ncclRedOp_t op, ncclComm_t comm,
                               cudaStream_t stream) {
    if (shm_nccl_redop(op) == 0) { return ncclInvalidArgument; }
    return shm_nccl_collective(SHM_REDUCE_SCATTER, send, recv, recvcount, dt, shm_nccl_redop(op), 0, comm, stream);
}

ncclResult_t ncclAllGather(const void *send, void *recv, size_t sendcount, ncclDataType_t dt, ncclComm_t comm, cudaStream_t stream) {
    return shm_nccl_collective(SHM_ALL_GATHER, send, recv, sendcount, dt, 0, 0, comm, stream);
}

ncclResult_t ncclBroadcast(const void *send, void *recv, size_t count, ncclDataType_t dt, int root, ncclComm_t comm, cudaStream_t stream) {
    if (comm != NULL && (root < 0 || root >= comm->coll.nranks)) { return ncclInvalidArgument; }
    return shm_nccl_collective(SHM_BROADCAST, send, recv, count, dt, 0, root, comm, stream);
}
