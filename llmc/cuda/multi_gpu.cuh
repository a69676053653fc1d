/*
Data parallelism over NCCL: one process per GPU, each with its own part of the data.
  - who am I: -pn / -pr / -pl, else the variables of one launcher, the first whose rank variable is
    set of: Open MPI's mpirun (OMPI_COMM_WORLD_*), MPICH / Intel MPI's mpiexec (PMI_*), torchrun-style
    WORLD_SIZE / RANK / LOCAL_RANK, Slurm's srun (SLURM_NTASKS / SLURM_PROCID / SLURM_LOCALID); else a
    single process. Slurm comes last because a launcher started inside a Slurm job inherits the job's
    SLURM_* variables, while srun sets none of the others. No MPI library is linked: mpirun only
    starts the processes, the NCCL id goes through -pi fs or tcp;
  - the NCCL id reaches the other ranks through a shared file (-pi fs -pf path: rank 0 writes it
    atomically, the others wait for it, and rank 0 removes it once every rank has joined, so a
    later launch with the same path does not read it; a launch that failed before that leaves it,
    and the next one's rank 0 says so, since its other ranks may have read the dead id) or a TCP
    rendezvous (-pi tcp -ps host:port: rank 0 serves it, waiting at most -pt seconds for all the
    ranks to connect);
  - gradients: averaged with all-reduce (-z 0), in groups of REDUCE_LAYERS layers on a side stream while the backward
    pass goes on, or reduce-scattered so each rank updates its shard of the AdamW moments and
    master weights, then all-gathered (-z 1, ZeRO-1);
  - failure: collectives are waited on with a deadline (-pt seconds) while polling NCCL's async
    error; a dead or stuck peer makes the others abort the communicator and exit non-zero.
With one process every function here is a no-op. A build without NCCL (the Makefile's NCCL=0, the
default where nccl.h is not found: NO_NCCL) trains on one GPU and refuses more processes at start-up.
*/
#ifndef MULTI_GPU_CUH
#define MULTI_GPU_CUH

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <nccl.h>
#include "cuda_common.h"
#include "../utils.h"
#include "../train_common.h"

typedef struct {
    int process_rank;      // 0 .. num_processes-1
    int num_processes;
    int local_device_idx;  // the GPU this process drives
    int zero_stage;        // 0 or 1
    int timeout_s;
    ncclComm_t comm;       // only when num_processes > 1
    double *scalar;        // device scratch for reducing one value (a float, an int or a double)
    cudaStream_t nccl_stream; // gradient all-reduces that overlap the backward pass (-z 0)
    cudaEvent_t ready, reduced;
} MultiGpuConfig;

static inline void nccl_check(ncclResult_t r, const char *file, int line) {
    if (r != ncclSuccess) {
        fprintf(stderr, "error: NCCL: %s [%s:%d]\n", ncclGetErrorString(r), file, line);
        exit(EXIT_FAILURE);
    }
}
#define ncclCheck(r) (nccl_check(r, __FILE__, __LINE__))

#ifdef NO_NCCL
// built without NCCL (nccl_subset/nccl.h declares these): multi_gpu_config_init refuses a second process, and
// every call below comes after a one-process return, so none is reached; each fails if it ever is
const char *ncclGetErrorString(ncclResult_t) { return "this program was built without NCCL"; }
ncclResult_t ncclGetUniqueId(ncclUniqueId *) { return ncclInvalidUsage; }
ncclResult_t ncclCommInitRankConfig(ncclComm_t *, int, ncclUniqueId, int, ncclConfig_t *) { return ncclInvalidUsage; }
ncclResult_t ncclCommGetAsyncError(ncclComm_t, ncclResult_t *) { return ncclInvalidUsage; }
ncclResult_t ncclCommAbort(ncclComm_t) { return ncclInvalidUsage; }
ncclResult_t ncclCommFinalize(ncclComm_t) { return ncclInvalidUsage; }
ncclResult_t ncclCommDestroy(ncclComm_t) { return ncclInvalidUsage; }
ncclResult_t ncclGroupStart(void) { return ncclInvalidUsage; }
ncclResult_t ncclGroupEnd(void) { return ncclInvalidUsage; }
ncclResult_t ncclAllReduce(const void *, void *, size_t, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t) { return ncclInvalidUsage; }
ncclResult_t ncclReduceScatter(const void *, void *, size_t, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t) { return ncclInvalidUsage; }
ncclResult_t ncclAllGather(const void *, void *, size_t, ncclDataType_t, ncclComm_t, cudaStream_t) { return ncclInvalidUsage; }
ncclResult_t ncclBroadcast(const void *, void *, size_t, ncclDataType_t, int, ncclComm_t, cudaStream_t) { return ncclInvalidUsage; }
#endif

// LAUNCHERS, env_int, launcher_from_env and process_count_and_rank: llmc/train_common.h (the CPU trainer reads them too)

static double wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// rank 0 writes the id to path (atomically); the others poll for it until the deadline
static void nccl_id_via_file(ncclUniqueId *id, const char *path, int rank, int timeout_s) {
    if (rank == 0) {
        // a file already there is an earlier launch's (rank 0 removes its own once all ranks joined): a rank
        // that read it before this write holds a dead id and will time out, so say where that comes from
        if (access(path, F_OK) == 0) {
            printf("note: '%s' was left by an earlier launch; replaced (give each launch its own -pf)\n", path);
        }
        AtomicFile af;
        atomic_open(&af, path);
        atomic_fwrite(id, sizeof(*id), 1, &af);
        atomic_commit(&af);
        return;
    }
    double deadline = wall_seconds() + timeout_s;
    for (;;) {
        FILE *fp = fopen(path, "rb");
        if (fp != NULL) {
            size_t got = fread(id, sizeof(*id), 1, fp);
            fclose(fp);
            if (got == 1) { return; }
        }
        if (wall_seconds() > deadline) {
            fatalf("rank %d: no NCCL id appeared in '%s' within %d s (is rank 0 running, and is the path shared?)", rank, path, timeout_s);
        }
        usleep(100000);
    }
}

// rank 0 listens on host:port and sends the id to every rank that connects
static void nccl_id_via_tcp(ncclUniqueId *id, const char *server, int rank, int num_processes, int timeout_s) {
    char host[256];
    const char *colon = strrchr(server, ':');
    if (colon == NULL || colon == server || (size_t)(colon - server) >= sizeof(host)) { fatalf("-ps must be host:port, got '%s'", server); }
    memcpy(host, server, colon - server);
    host[colon - server] = '\0';
    int port = atoi(colon + 1);
    if (port <= 0 || port > 65535) { fatalf("-ps: bad port in '%s'", server); }
    if (rank == 0) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_in addr;
        memset(&addr, 0, sizeof(addr));
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_ANY);
        addr.sin_port = htons(port);
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 64) != 0) {
            fatalf("rank 0: cannot listen on port %d: %s", port, strerror(errno));
        }
        double deadline = wall_seconds() + timeout_s;
        for (int served = 1; served < num_processes; served++) {
            // a rank that never starts (or failed before connecting) must not keep rank 0 waiting forever
            struct pollfd pfd = {fd, POLLIN, 0};
            int left_ms = (int)((deadline - wall_seconds()) * 1000.0);
            if (left_ms <= 0 || poll(&pfd, 1, left_ms) <= 0) {
                fatalf("rank 0: only %d of %d ranks connected to port %d within %d s (-pt)", served, num_processes, port, timeout_s);
            }
            int c = accept(fd, NULL, NULL);
            if (c < 0 || write(c, id, sizeof(*id)) != (ssize_t)sizeof(*id)) { fatalf("rank 0: sending the NCCL id failed: %s", strerror(errno)); }
            close(c);
        }
        close(fd);
        return;
    }
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0) { fatalf("rank %d: cannot resolve '%s'", rank, host); }
    double deadline = wall_seconds() + timeout_s;
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
            size_t got = 0;
            while (got < sizeof(*id)) {
                ssize_t r = read(fd, (char *)id + got, sizeof(*id) - got);
                if (r <= 0) { break; }
                got += (size_t)r;
            }
            close(fd);
            if (got == sizeof(*id)) { freeaddrinfo(res); return; }
        } else {
            close(fd);
        }
        if (wall_seconds() > deadline) { fatalf("rank %d: rank 0 at %s did not answer within %d s", rank, server, timeout_s); }
        usleep(200000);
    }
}

// num_processes and process_rank: the run's (process_count_and_rank, llmc/train_common.h, which checked them)
MultiGpuConfig multi_gpu_config_init(int num_processes, int process_rank, int local_rank, const char *init_method,
                                     const char *init_path, const char *init_server, int zero_stage, int timeout_s) {
    MultiGpuConfig c;
    memset(&c, 0, sizeof(c));
    const LauncherVars *env = launcher_from_env();
    c.num_processes = num_processes;
    c.process_rank = process_rank;
    c.zero_stage = zero_stage;
    c.timeout_s = timeout_s;
#ifdef NO_NCCL
    if (c.num_processes > 1) {
        fatalf("%d processes asked for, but this build has no NCCL (nccl.h was not found when it was compiled): "
               "install NCCL (libnccl-dev) and run make again, or train with one process", c.num_processes);
    }
#endif
    int gpus = 0;
    cudaError_t found = cudaGetDeviceCount(&gpus); // (its reason said: no device visible, no driver, a driver too old)
    if (found != cudaSuccess || gpus == 0) {
        fatalf("no CUDA device found (%s): use ./train_mamba on the CPU", found != cudaSuccess ? cudaGetErrorString(found) : "none visible");
    }
    // the local rank: the launcher's variable; else (srun --mpi=pmi2 sets PMI_RANK but no PMI local rank)
    // SLURM_LOCALID when Slurm's rank is this one; else rank % GPUs
    int local = env != NULL ? env_int(env->local, env_int(env->local2, -1)) : -1;
    if (local < 0 && getenv("SLURM_LOCALID") != NULL && env_int("SLURM_PROCID", -1) == c.process_rank) { local = env_int("SLURM_LOCALID", -1); }
    // one visible GPU and a local rank past it: the launcher bound one GPU to each task (srun --gpus-per-task=1)
    if (local_rank < 0 && local >= gpus && gpus == 1) { local = 0; }
    c.local_device_idx = local_rank >= 0 ? local_rank : local >= 0 ? local : c.process_rank % gpus;
    if (c.local_device_idx < 0 || c.local_device_idx >= gpus) {
        fatalf("rank %d: GPU index %d (%s), but this node has %d GPU%s", c.process_rank, c.local_device_idx,
               local_rank >= 0 ? "-pl" : "the launcher's local rank", gpus, plural_s(gpus));
    }
    cudaCheck(cudaSetDevice(c.local_device_idx));
    if (c.num_processes == 1) {
        if (zero_stage != 0) { printf("note: -z %d has no effect with one process\n", zero_stage); }
        c.zero_stage = 0;
        return c;
    }
    ncclUniqueId id;
    if (c.process_rank == 0) { ncclCheck(ncclGetUniqueId(&id)); }
    if (strcmp(init_method, "tcp") == 0) {
        nccl_id_via_tcp(&id, init_server, c.process_rank, c.num_processes, timeout_s);
    } else {
        nccl_id_via_file(&id, init_path, c.process_rank, timeout_s);
    }
    // non-blocking communicator: every wait below has a deadline instead of hanging forever
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    ncclResult_t r = ncclCommInitRankConfig(&c.comm, c.num_processes, id, c.process_rank, &config);
    double deadline = wall_seconds() + timeout_s;
    ncclResult_t state = r;
    while (r == ncclSuccess || r == ncclInProgress) {
        ncclCheck(ncclCommGetAsyncError(c.comm, &state));
        if (state != ncclInProgress) { break; }
        if (wall_seconds() > deadline) {
            ncclCommAbort(c.comm);
            fatalf("rank %d: NCCL initialisation did not finish within %d s (a rank missing?%s)", c.process_rank, timeout_s,
                   strcmp(init_method, "tcp") != 0 ? " or an id file left by an earlier launch: give each launch its own -pf" : "");
        }
        usleep(1000);
    }
    if (r != ncclSuccess && r != ncclInProgress) { ncclCheck(r); }
    ncclCheck(state);
    // every rank has joined, so every rank has read the id file: a later launch with the same -pf must not find it
    if (c.process_rank == 0 && strcmp(init_method, "tcp") != 0) { unlink(init_path); }
    cudaCheck(cudaMalloc((void **)&c.scalar, sizeof(double)));
    cudaCheck(cudaStreamCreateWithFlags(&c.nccl_stream, cudaStreamNonBlocking));
    cudaCheck(cudaEventCreateWithFlags(&c.ready, cudaEventDisableTiming));
    cudaCheck(cudaEventCreateWithFlags(&c.reduced, cudaEventDisableTiming));
    return c;
}

/*
Waits for the work on `stream` (collectives included) with a deadline. A peer that died shows
up as an NCCL async error, or as no progress at all; either way we abort the communicator (so
no kernel is left spinning) and exit non-zero with a message.
*/
static void multi_gpu_wait_within(const MultiGpuConfig *c, cudaStream_t stream, const char *what, int timeout_s) {
    if (c->num_processes == 1) {
        cudaCheck(cudaStreamSynchronize(stream));
        return;
    }
    const double start = wall_seconds(), deadline = start + timeout_s;
    for (;;) {
        cudaError_t q = cudaStreamQuery(stream);
        if (q == cudaSuccess) { return; }
        if (q != cudaErrorNotReady) { cudaCheck(q); }
        ncclResult_t state;
        ncclCheck(ncclCommGetAsyncError(c->comm, &state));
        if (state != ncclSuccess && state != ncclInProgress) {
            ncclCommAbort(c->comm);
            fatalf("rank %d: NCCL error during %s: %s (another rank failed?)", c->process_rank, what, ncclGetErrorString(state));
        }
        if (wall_seconds() > deadline) {
            ncclCommAbort(c->comm);
            fatalf("rank %d: %s made no progress for %d s: another rank died or hung; exiting", c->process_rank, what, timeout_s);
        }
        // poll without sleeping for the first second (a 200 us sleep per poll cost 0.3-0.5 ms per
        // training step in its several waits, doc/perf.md; with one rank per GPU a core per rank is
        // there to spare), then gently: a stuck peer is not worth a core
        if (wall_seconds() - start > 1.0) { usleep(200); }
    }
}
void multi_gpu_wait(const MultiGpuConfig *c, cudaStream_t stream, const char *what) { multi_gpu_wait_within(c, stream, what, c->timeout_s); }

/*
A call on a non-blocking communicator may return ncclInProgress (the first collectives set up
their connections, for instance). NCCL refuses the next call on that communicator until the last
one has finished enqueueing, so every call is followed by this wait, with the deadline.
*/
static void nccl_enqueued(const MultiGpuConfig *c, ncclResult_t r, const char *what) {
    double deadline = wall_seconds() + c->timeout_s;
    while (r == ncclInProgress) {
        if (wall_seconds() > deadline) {
            ncclCommAbort(c->comm);
            fatalf("rank %d: enqueueing %s did not finish within %d s", c->process_rank, what, c->timeout_s);
        }
        usleep(100);
        ncclCheck(ncclCommGetAsyncError(c->comm, &r));
    }
    if (r != ncclSuccess) {
        ncclCommAbort(c->comm);
        fatalf("rank %d: NCCL error enqueueing %s: %s", c->process_rank, what, ncclGetErrorString(r));
    }
}

// a host value reduced over all ranks with op (a float, with ncclInt32 an int, with ncclFloat64 a double), waited on
// for at most timeout_s
static void multi_gpu_reduce_host(const MultiGpuConfig *c, void *v, ncclDataType_t type, ncclRedOp_t op, cudaStream_t stream,
                                  const char *what, int timeout_s) {
    if (c->num_processes == 1) { return; }
    size_t bytes = type == ncclFloat64 ? 8 : 4;
    cudaCheck(cudaMemcpyAsync(c->scalar, v, bytes, cudaMemcpyHostToDevice, stream));
    nccl_enqueued(c, ncclAllReduce(c->scalar, c->scalar, 1, type, op, c->comm, stream), "a scalar all-reduce");
    multi_gpu_wait_within(c, stream, what, timeout_s);
    cudaCheck(cudaMemcpy(v, c->scalar, bytes, cudaMemcpyDeviceToHost));
}

// mean of a host float over all ranks
float multi_gpu_mean(const MultiGpuConfig *c, float v, cudaStream_t stream) {
    multi_gpu_reduce_host(c, &v, ncclFloat, ncclAvg, stream, "loss all-reduce", c->timeout_s);
    return v;
}

// sum of a host int over all ranks (waited on for at most timeout_s: multi_gpu_sum_int_within)
int multi_gpu_sum_int_within(const MultiGpuConfig *c, int v, cudaStream_t stream, int timeout_s) {
    multi_gpu_reduce_host(c, &v, ncclInt32, ncclSum, stream, "a count all-reduce", timeout_s);
    return v;
}
int multi_gpu_sum_int(const MultiGpuConfig *c, int v, cudaStream_t stream) { return multi_gpu_sum_int_within(c, v, stream, c->timeout_s); }

// sum of a host double over all ranks (a summed loss that a float would round)
double multi_gpu_sum_double(const MultiGpuConfig *c, double v, cudaStream_t stream) {
    multi_gpu_reduce_host(c, &v, ncclFloat64, ncclSum, stream, "a sum all-reduce", c->timeout_s);
    return v;
}

// 1 when v is the same on every rank
int multi_gpu_all_equal(const MultiGpuConfig *c, int v, cudaStream_t stream) {
    int lo = v, hi = v;
    multi_gpu_reduce_host(c, &lo, ncclInt32, ncclMin, stream, "an agreement check", c->timeout_s);
    multi_gpu_reduce_host(c, &hi, ncclInt32, ncclMax, stream, "an agreement check", c->timeout_s);
    return lo == hi;
}

// Two 32-bit sums over n words (the bits of floats): each word, mixed with its index (i + base), through a bijection
// (xor or add a constant, times an odd constant), so that any one changed word changes both sums, and two that cancel in
// one are unlikely to in the other. Integer sums: the order of the atomic adds does not change them
__global__ void bits_hash_kernel(const unsigned *x, size_t n, size_t base, unsigned *hash) {
    unsigned h1 = 0, h2 = 0;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        const unsigned w = x[i], k = (unsigned)(i + base);
        h1 += (w ^ (k * 0x9E3779B9u)) * 0x85EBCA6Bu;
        h2 += ((w ^ 0x5BD1E995u) + k * 0x27D4EB2Fu) * 0x165667B1u;
    }
    for (int offset = 16; offset > 0; offset /= 2) {
        h1 += __shfl_xor_sync(0xffffffffu, h1, offset);
        h2 += __shfl_xor_sync(0xffffffffu, h2, offset);
    }
    if (threadIdx.x % 32 == 0) {
        atomicAdd(&hash[0], h1);
        atomicAdd(&hash[1], h2);
    }
}

// 1 when the count arrays xs[i] of ns[i] floats (device; NULL: none) hold the same bits on every rank: their hash,
// compared over the ranks (the replicas' check, train_mamba.cu's check_replicas_agree)
int multi_gpu_all_same_bits(const MultiGpuConfig *c, const float *const *xs, const size_t *ns, int count, cudaStream_t stream) {
    if (c->num_processes == 1) { return 1; }
    unsigned *hash = (unsigned *)c->scalar, h[2]; // (the scalar's 8 bytes hold the two sums)
    cudaCheck(cudaMemsetAsync(hash, 0, 2 * sizeof(unsigned), stream));
    size_t base = 0;
    for (int i = 0; i < count; i++) {
        if (xs[i] != NULL && ns[i] > 0) {
            bits_hash_kernel<<<264, 256, 0, stream>>>((const unsigned *)xs[i], ns[i], base, hash);
            cudaCheck(cudaGetLastError());
        }
        base += ns[i];
    }
    cudaCheck(cudaMemcpyAsync(h, hash, sizeof(h), cudaMemcpyDeviceToHost, stream));
    cudaCheck(cudaStreamSynchronize(stream));
    int same = multi_gpu_all_equal(c, (int)h[0], stream); // (both checks on every rank: the same collectives)
    return multi_gpu_all_equal(c, (int)h[1], stream) && same;
}

// sum of a device double over all ranks, in place
void multi_gpu_sum_device(const MultiGpuConfig *c, double *x, cudaStream_t stream) {
    if (c->num_processes == 1) { return; }
    nccl_enqueued(c, ncclAllReduce(x, x, 1, ncclFloat64, ncclSum, c->comm, stream), "a scalar all-reduce");
}

// the part of the flat parameter array [0, n) that this rank updates under ZeRO-1 (all of it at -z 0)
void multi_gpu_shard(const MultiGpuConfig *c, size_t n, size_t *offset, size_t *count) {
    if (c->zero_stage == 0 || c->num_processes == 1) {
        *offset = 0;
        *count = n;
        return;
    }
    split_range(n, c->num_processes, c->process_rank, offset, count);
}

/*
Gradients averaged over ranks. -z 0: all-reduce of the whole fp32 buffer. -z 1: reduce-scatter,
each rank gets the averaged shard it updates (in place, at its offset in the buffer); the rest
of its buffer is stale and unused. grads must hold padded_n = per * num_processes floats.
*/
void multi_gpu_reduce_gradients(const MultiGpuConfig *c, float *grads, size_t n, cudaStream_t stream) {
    if (c->num_processes == 1) { return; }
    if (c->zero_stage == 0) {
        nccl_enqueued(c, ncclAllReduce(grads, grads, n, ncclFloat, ncclAvg, c->comm, stream), "the gradient all-reduce");
    } else {
        size_t per = (n + c->num_processes - 1) / c->num_processes;
        nccl_enqueued(c, ncclReduceScatter(grads, grads + per * c->process_rank, per, ncclFloat, ncclAvg, c->comm, stream),
                      "the gradient reduce-scatter");
    }
}

/*
Overlap (-z 0, several processes): once a group of layers' gradients are final (their backward in
the last micro-step), they are averaged on a side stream while the backward goes on with the layers
below. Each tensor is stacked over the layers, so a group of consecutive layers is one slice per
tensor, and the group one ncclGroup of all-reduces. multi_gpu_join makes the compute stream wait
for all of them. (Measured on 2 H200s, doc/perf.md: the overlap hides little, since the collectives'
kernels take SMs from the backward's one-wave kernels; groups of 4 layers cost least.)
*/
int multi_gpu_overlaps(const MultiGpuConfig *c) { return c->num_processes > 1 && c->zero_stage == 0; }

void multi_gpu_reduce_async(const MultiGpuConfig *c, float *const *tensors, const size_t *counts, int n,
                            cudaStream_t compute_stream) {
    cudaCheck(cudaEventRecord(c->ready, compute_stream));
    cudaCheck(cudaStreamWaitEvent(c->nccl_stream, c->ready, 0));
    nccl_enqueued(c, ncclGroupStart(), "a group start");
    for (int i = 0; i < n; i++) {
        nccl_enqueued(c, ncclAllReduce(tensors[i], tensors[i], counts[i], ncclFloat, ncclAvg, c->comm, c->nccl_stream),
                      "a layer's gradient all-reduce");
    }
    nccl_enqueued(c, ncclGroupEnd(), "a layer's gradient all-reduces");
}

void multi_gpu_join(const MultiGpuConfig *c, cudaStream_t compute_stream) {
    cudaCheck(cudaEventRecord(c->reduced, c->nccl_stream));
    cudaCheck(cudaStreamWaitEvent(compute_stream, c->reduced, 0));
}

// -z 1: every rank's updated shard of the fp32 weights to everyone (params holds padded_n floats)
void multi_gpu_gather_parameters(const MultiGpuConfig *c, float *params, size_t n, cudaStream_t stream) {
    if (c->num_processes == 1 || c->zero_stage == 0) { return; }
    size_t per = (n + c->num_processes - 1) / c->num_processes;
    nccl_enqueued(c, ncclAllGather(params + per * c->process_rank, params, per, ncclFloat, c->comm, stream), "the weight all-gather");
}

void multi_gpu_barrier(const MultiGpuConfig *c, cudaStream_t stream) {
    if (c->num_processes == 1) { return; }
    multi_gpu_mean(c, 0.0f, stream);
}

// rank 0's v on every rank (the others' v is not used)
int multi_gpu_from_rank0(const MultiGpuConfig *c, int v, cudaStream_t stream, int timeout_s) {
    if (c->process_rank != 0) { v = 0; }
    multi_gpu_reduce_host(c, &v, ncclInt32, ncclSum, stream, "sharing rank 0's value", timeout_s);
    return v;
}

// rank 0's n ints on every rank, in place (the others' values are not used)
void multi_gpu_ints_from_rank0(const MultiGpuConfig *c, int *v, size_t n, cudaStream_t stream) {
    if (c->num_processes == 1 || n == 0) { return; }
    int *d;
    cudaCheck(cudaMalloc((void **)&d, n * sizeof(int)));
    cudaCheck(cudaMemcpyAsync(d, v, n * sizeof(int), cudaMemcpyHostToDevice, stream));
    nccl_enqueued(c, ncclBroadcast(d, d, n, ncclInt32, 0, c->comm, stream), "a broadcast from rank 0");
    multi_gpu_wait_within(c, stream, "sharing rank 0's values", c->timeout_s);
    cudaCheck(cudaMemcpy(v, d, n * sizeof(int), cudaMemcpyDeviceToHost));
    cudaCheck(cudaFree(d));
}

// how long the other ranks may wait for rank 0 to write `bytes` of files (a checkpoint, model_best.bin):
// -pt plus that write at 20 MB/s, so a slow shared filesystem is not taken for a dead rank
int multi_gpu_write_deadline(const MultiGpuConfig *c, double bytes) { return c->timeout_s + (int)(bytes / 20e6); }

void multi_gpu_config_free(MultiGpuConfig *c) {
    if (c->num_processes == 1) { return; }
    nccl_enqueued(c, ncclCommFinalize(c->comm), "the communicator's finalisation");
    ncclCommDestroy(c->comm);
    cudaFree(c->scalar);
    cudaStreamDestroy(c->nccl_stream);
    cudaEventDestroy(c->ready);
    cudaEventDestroy(c->reduced);
}

#endif // MULTI_GPU_CUH
