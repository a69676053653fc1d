/*
Mamba-1 language model training on one NVIDIA GPU: the fast trainer.

The same program as train_mamba.c (same flags, files, log lines, checkpoints and recurrent
sampling), with the same struct and function names in the same order where no fusion changes
them (doc/gpu.md section 1 lists where it does), so the two read side by side. What differs is
where the numbers live and how the layers are fused:
  - bf16 activations and matmul operands (floatX), fp32 master weights, AdamW moments and
    gradients, fp32 residual stream, fp32 scan arithmetic and states (ENABLE_FP32: all fp32);
  - matmuls through cuBLAS; conv1d + SiLU in one kernel; softplus(dt + bias), the scan, the
    D skip and the z gate in one kernel (llmc/cuda/scan.cuh); softmax + cross-entropy + dlogits
    in one kernel;
  - every reduction in a fixed order: two runs with the same seed give the same bits;
  - recomputation (-r): 0 keeps everything, the scan states every 8 steps and its output before the
    gate included (so its backward recomputes neither the states' starts nor y); 1 recomputes the
    conv+SiLU output u in backward and keeps a scan checkpoint every 32 steps (the scan backward then
    recomputes the states between them: a quarter of the checkpoint memory, ~12% more scan backward
    time) and y; 2 also recomputes delta, the RMSNorm outputs, and the scan output before and after
    the gate (which the scan backward writes again from its recomputed states).
The kernels are in llmc/cuda/*.cuh; dev/cuda/ has their playground versions and benchmarks.
*/
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include "llmc/utils.h"
#include "llmc/rand.h"
#include "llmc/model_config.h"
#include "llmc/schedulers.h"
#include "llmc/logger.h"
#include "llmc/train_common.h"
#include "llmc/hf_io.h"
#include "dataloader.h"
#include "tokenizer.h"
#include "llmc/cuda/cuda_common.h"
#include "llmc/cuda/reduce.cuh"
#include "llmc/cuda/encoder.cuh"
#include "llmc/cuda/rmsnorm.cuh"
#include "llmc/cuda/matmul.cuh"
#include "llmc/cuda/conv1d.cuh"
#include "llmc/cuda/scan.cuh"
#include "llmc/cuda/classifier.cuh"
#include "llmc/cuda/adamw.cuh"
#include "llmc/cuda/sampler.cuh"
#include "llmc/cuda/decode.cuh"
#include "llmc/cuda/multi_gpu.cuh"

static cudaStream_t main_stream;
// this process's place among the data-parallel processes (one process, no NCCL, by default)
static MultiGpuConfig multi_gpu_config = {0, 1, 0, 0, 300, NULL, NULL};

// ----------------------------------------------------------------------------
// the model: one device allocation each for parameters, gradients and activations

typedef struct {
    float *wte;        // (Vp, C)
    float *norm_w;     // (L, C)
    float *in_proj_w;  // (L, 2*Di, C)
    float *conv_w;     // (L, Di, K)
    float *conv_b;     // (L, Di)
    float *x_proj_w;   // (L, R+2N, Di)
    float *dt_proj_w;  // (L, Di, R)
    float *dt_proj_b;  // (L, Di)
    float *A_log;      // (L, Di, N)
    float *D;          // (L, Di)
    float *out_proj_w; // (L, C, Di)
    float *norm_f_w;   // (C)
} ParameterTensors;

void point_parameters(ParameterTensors *p, float *memory, const size_t sizes[NUM_PARAMETER_TENSORS]) {
    float **ptrs[NUM_PARAMETER_TENSORS] = {
        &p->wte, &p->norm_w, &p->in_proj_w, &p->conv_w, &p->conv_b, &p->x_proj_w,
        &p->dt_proj_w, &p->dt_proj_b, &p->A_log, &p->D, &p->out_proj_w, &p->norm_f_w,
    };
    for (int i = 0; i < NUM_PARAMETER_TENSORS; i++) {
        *ptrs[i] = memory;
        memory += sizes[i];
    }
}

#define NUM_ACTIVATION_TENSORS 15
typedef struct {
    float *residual;   // (L+1, B, T, C)     residual stream; [0] is the embedding output
    floatX *ln;        // (L or 1, B, T, C)  RMSNorm output h; shared when recomputed (-r 2)
    float *ln_rstd;    // (L, B, T)
    floatX *xz;        // (L, B, T, 2*Di)    in_proj output [x ; z]
    floatX *u;         // (L or 1, B, T, Di) silu(conv(x)); one shared buffer when recomputed (-r >= 1)
    floatX *xdbl;      // (L, B, T, R+2N)    x_proj output [dt_r ; B ; C]
    floatX *delta_raw; // (L or 1, B, T, Di) dt_proj output without bias; shared when recomputed (-r 2)
    float *ssm_states; // (L, B, NC, Di, N)  scan state entering every 8 steps at -r 0, every 32 above
    floatX *y;         // (L, B, T, Di)      scan output y before the gate, kept at -r 0 and -r 1 (the scan backward
                       //                    reads it instead of recomputing it); empty at -r 2
    floatX *yg;        // (L or 1, B, T, Di) gated scan output y * silu(z); shared when recomputed (-r 2)
    floatX *out;       // (B, T, C)          out_proj output of the current layer, added by the next norm
    floatX *lnf;       // (B, T, C)
    float *lnf_rstd;   // (B, T)
    floatX *logits;    // (B, T, Vp)         overwritten by dlogits when there are targets
    float *losses;     // (B, T)
} ActivationTensors;

// At -r 0 and -r 1 the forward keeps y (the scan's output before the gate) for the backward, which reads it
// instead of recomputing it; at -r 2 the backward recomputes y, since it writes the gated output again anyway.
#define KEEP_Y_MAX_R 1

void fill_in_activation_sizes(size_t *act_sizes, const MambaConfig *c, int B, int T, int recompute) {
    size_t L = c->n_layer, C = c->d_model, Di = c->d_inner, N = c->d_state, R = c->dt_rank;
    size_t Vp = c->padded_vocab_size, BT = (size_t)B * T, NC = selective_scan_num_checkpoints(T, recompute == 0);
    size_t Lu = recompute >= 1 ? 1 : L, Ld = recompute >= 2 ? 1 : L, Ly = recompute <= KEEP_Y_MAX_R ? L : 0;
    size_t sizes[NUM_ACTIVATION_TENSORS] = {
        (L + 1) * BT * C, Ld * BT * C, L * BT, L * BT * 2 * Di, Lu * BT * Di, L * BT * (R + 2 * N),
        Ld * BT * Di, L * B * NC * Di * N, Ly * BT * Di, Ld * BT * Di, BT * C, BT * C, BT, BT * Vp, BT,
    };
    memcpy(act_sizes, sizes, sizeof(sizes));
}

// element sizes in the order of ActivationTensors
static const size_t ACT_ELEM_SIZES[NUM_ACTIVATION_TENSORS] = {
    sizeof(float), sizeof(floatX), sizeof(float), sizeof(floatX), sizeof(floatX), sizeof(floatX),
    sizeof(floatX), sizeof(float), sizeof(floatX), sizeof(floatX), sizeof(floatX), sizeof(floatX), sizeof(float),
    sizeof(floatX), sizeof(float),
};

void *malloc_and_point_activations(ActivationTensors *acts, const size_t *act_sizes, size_t *bytes) {
    void **ptrs[NUM_ACTIVATION_TENSORS] = {
        (void **)&acts->residual, (void **)&acts->ln, (void **)&acts->ln_rstd, (void **)&acts->xz,
        (void **)&acts->u, (void **)&acts->xdbl, (void **)&acts->delta_raw, (void **)&acts->ssm_states,
        (void **)&acts->y, (void **)&acts->yg, (void **)&acts->out, (void **)&acts->lnf, (void **)&acts->lnf_rstd,
        (void **)&acts->logits, (void **)&acts->losses,
    };
    size_t total = 0;
    for (int i = 0; i < NUM_ACTIVATION_TENSORS; i++) { total += (act_sizes[i] * ACT_ELEM_SIZES[i] + 255) / 256 * 256; }
    char *memory;
    deviceMalloc(&memory, total, "the activations", OOM_HINT_ACTIVATIONS);
    char *p = memory;
    for (int i = 0; i < NUM_ACTIVATION_TENSORS; i++) {
        *ptrs[i] = p;
        p += (act_sizes[i] * ACT_ELEM_SIZES[i] + 255) / 256 * 256;
    }
    *bytes = total;
    return memory;
}

// backward buffers, shared by all layers (the layers are walked one at a time)
typedef struct {
    float *dresidual; // (B, T, C)   dL/d(residual stream), accumulated down the layers
    floatX *dresidual_lowp; // (B, T, C) its floatX copy: dL/d(out_proj output) of the layer below
    floatX *dbuf_C;   // (B, T, C)   dL/d(ln) of a layer, dL/d(lnf) at the top
    floatX *dyg;      // (B, T, Di)
    floatX *dxz;      // (B, T, 2*Di)
    floatX *du;       // (B, T, Di)
    floatX *ddelta;   // (B, T, Di)  dL/d(delta_raw)
    floatX *dxdbl;    // (B, T, R+2N)
    float *partials;  // scratch: RMSNorm and conv weight-gradient partials, gradient-norm partials
    float *scan_scratch;
    double *norm_out; // 1 double: the gradients' sum of squares
} GradActivations;

/*
A forward's or a backward's launches, replayed as one CUDA graph. A small model's step is bound by
the host's kernel launches (~100 per step, several microseconds each, cuBLAS's more); one graph
launch replaces them. What the launches depend on besides buffers that stay put is the key; a call
whose key repeats the previous call's (which ran plainly, so every buffer exists and cuBLAS has
chosen its kernels) is captured once and replayed while the key holds. The graph runs the same
kernels with the same arguments in the same order: bitwise the same results as plain launches.
*/
typedef struct {
    int B, T, targets, recompute; // the forward's shape, whether it had targets, the recompute level
    float scale;                  // the classifier's dloss (1 / valid targets), the backward's loss_scale
    const void *acts, *grads;     // the activation and backward buffers (allocated once; here for safety)
} GraphKey;                       // compared with memcmp: always memset to 0 before filling
typedef struct {
    cudaGraphExec_t exec;
    GraphKey key;  // what exec replays (when ready)
    int ready;
    GraphKey last; // the previous call's key (when has_last)
    int has_last;
    long launches; // graph launches so far (the tests check them)
} StepGraph;

typedef struct {
    MambaConfig config;
    ParameterTensors params; // fp32 master weights (device)
    size_t param_sizes[NUM_PARAMETER_TENSORS];
    float *params_memory;
    floatX *params_lowp;     // floatX copy of all parameters: the matmul operands
    size_t num_parameters;
    ParameterTensors grads;
    float *grads_memory;
    float *m_memory;         // AdamW first moments (device)
    float *v_memory;         // AdamW second moments (device)
    ActivationTensors acts;
    size_t act_sizes[NUM_ACTIVATION_TENSORS];
    void *acts_memory;
    GradActivations grads_acts;
    void *grads_acts_memory;
    int recompute;
    int acts_recompute;      // the level the activations were sized for (mamba_ensure_activations)
    int reduce_in_backward;  // set for the last micro-step: average each layer's gradients as soon as they are final
    int batch_size;          // (B, T) of the allocated activations
    int seq_len;
    int fwd_B, fwd_T;        // (B, T) of the last forward (at most the allocated B*T tokens)
    // a stream's state (evaluation only): when set, the forward starts from these instead of zeros
    // and leaves the state after its last token in them
    float *carry_conv_state; // (L, B, Di, K) device, as RecurrentState's conv_state
    float *carry_ssm_state;  // (L, B, Di, N) device
    int carried;             // the last forward used them (no backward then: no gradient flows into a state)
    int *inputs;             // (B, T) device
    int *targets;            // (B, T) device
    int *cpu_inputs;         // host copies, for the embedding backward's plan and the loss
    int *cpu_targets;
    float *cpu_losses;
    EncoderPlan encoder_plan; // the embedding backward's positions sorted by token, per batch
    float mean_loss;
    int num_valid;
    int num_correct;         // valid targets the argmax of the logits got right
    int *predictions;        // (B, T) device argmax of the logits
    floatX *ones;            // (B, T, Di) the constant x_proj input of the no-selection ablation (else NULL)
    int *cpu_predictions;
    size_t device_bytes;     // what this model allocated on the device
    StepGraph fwd_graph, bwd_graph;
} Mamba;

// -cg 0 turns the graphs off (every launch plain)
static int use_cuda_graphs = 1;

static void step_graph_run(StepGraph *g, const GraphKey *key, void (*launches)(Mamba *, const GraphKey *), Mamba *model) {
    int replay = use_cuda_graphs && g->ready && memcmp(&g->key, key, sizeof(*key)) == 0;
    if (!replay) {
        int repeated = g->has_last && memcmp(&g->last, key, sizeof(*key)) == 0;
        g->last = *key;
        g->has_last = 1;
        if (!use_cuda_graphs || !repeated) {
            launches(model, key);
            return;
        }
        cudaGraph_t graph;
        cudaCheck(cudaStreamBeginCapture(main_stream, cudaStreamCaptureModeThreadLocal));
        launches(model, key);
        cudaCheck(cudaStreamEndCapture(main_stream, &graph));
        if (g->ready) { cudaCheck(cudaGraphExecDestroy(g->exec)); }
        cudaCheck(cudaGraphInstantiate(&g->exec, graph, 0));
        cudaCheck(cudaGraphDestroy(graph));
        g->key = *key;
        g->ready = 1;
    }
    cudaCheck(cudaGraphLaunch(g->exec, main_stream));
    g->launches++;
}

static void step_graph_free(StepGraph *g) {
    if (g->ready) { cudaCheck(cudaGraphExecDestroy(g->exec)); }
    memset(g, 0, sizeof(*g));
}

static size_t mamba_padded_parameters(const Mamba *model) {
    size_t world = multi_gpu_config.num_processes;
    return (model->num_parameters + world - 1) / world * world;
}

// the floatX copy of a master parameter tensor
static inline floatX *lowp(const Mamba *model, const float *p) { return model->params_lowp + (p - model->params_memory); }

void mamba_allocate(Mamba *model, const MambaConfig *config) {
    memset(model, 0, sizeof(*model));
    model->config = *config;
    model->num_parameters = fill_in_parameter_sizes(model->param_sizes, config);
    size_t n = model->num_parameters;
    // padded to a multiple of the process count: ZeRO-1 gives every rank an equal shard
    deviceMalloc(&model->params_memory, mamba_padded_parameters(model) * sizeof(float), "the parameters", OOM_HINT_WEIGHTS);
    deviceMalloc(&model->params_lowp, n * sizeof(floatX), "the parameters' bf16 copy", OOM_HINT_WEIGHTS);
    point_parameters(&model->params, model->params_memory, model->param_sizes);
    model->device_bytes = n * (sizeof(float) + sizeof(floatX));
    model->recompute = 1;
    model->mean_loss = -1.0f;
}

// host fp32 parameters -> device master weights and their floatX copy
static void mamba_upload_parameters(Mamba *model, const float *cpu_params) {
    size_t n = model->num_parameters;
    cudaCheck(cudaMemcpy(model->params_memory, cpu_params, n * sizeof(float), cudaMemcpyHostToDevice));
    cast_to_floatX(model->params_lowp, model->params_memory, n, main_stream);
    cudaCheck(cudaStreamSynchronize(main_stream));
}

void mamba_init_random(Mamba *model, const MambaConfig *config, uint64_t seed) {
    mamba_allocate(model, config);
    float *tmp = (float *)mallocCheck(model->num_parameters * sizeof(float));
    init_parameters(tmp, model->param_sizes, config, seed);
    mamba_upload_parameters(model, tmp);
    free(tmp);
}

void mamba_build_from_checkpoint(Mamba *model, const char *path) {
    MambaConfig config;
    size_t n;
    uint32_t crc;
    FILE *fp = open_model_file(path, &config, &n, &crc);
    mamba_allocate(model, &config);
    float *tmp = (float *)mallocCheck(n * sizeof(float));
    read_model_parameters(fp, path, &config, tmp, n, crc);
    mamba_upload_parameters(model, tmp);
    free(tmp);
}

// a transformers (or mamba_ssm) directory: config.json + model.safetensors or pytorch_model.bin (llmc/hf_io.h)
void mamba_build_from_hf(Mamba *model, const char *dir) {
    MambaConfig config;
    float *tmp;
    size_t n;
    hf_load_model(dir, &config, &tmp, &n);
    mamba_allocate(model, &config);
    mamba_upload_parameters(model, tmp);
    free(tmp);
}

// eot_token: the tokenizer's end-of-text id, for config.json (-1: none)
void mamba_export_hf(const Mamba *model, const char *dir, int eot_token) {
    float *tmp = (float *)mallocCheck(model->num_parameters * sizeof(float));
    cudaCheck(cudaMemcpy(tmp, model->params_memory, model->num_parameters * sizeof(float), cudaMemcpyDeviceToHost));
    hf_save_model(dir, &model->config, tmp, 0, eot_token);
    free(tmp);
    printf("transformers model written to %s\n", dir);
}

void mamba_save(const Mamba *model, const char *path) {
    float *tmp = (float *)mallocCheck(model->num_parameters * sizeof(float));
    cudaCheck(cudaMemcpy(tmp, model->params_memory, model->num_parameters * sizeof(float), cudaMemcpyDeviceToHost));
    save_model_file(path, &model->config, tmp, model->num_parameters);
    free(tmp);
}

// out[i] = v: the constant input of the no-selection ablation
__global__ void fill_kernel(floatX *out, float v, size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) { out[i] = fromF<floatX>(v); }
}

/*
The activations are sized for (B, T) at the first forward. Later calls may use any shape that fits:
at most B*T tokens and B*ceil(T/SCAN_CHUNK) scan chunks (so (1, B*T) fits, which the stream
evaluation uses). The recompute level must stay the one they were sized for (it sets which buffers
are per layer and how many checkpoints a chunk has).
*/
static void mamba_ensure_activations(Mamba *model, int B, int T) {
    if (model->acts_memory != NULL) {
        int Ba = model->batch_size, Ta = model->seq_len;
        if ((size_t)B * T > (size_t)Ba * Ta ||
            (size_t)B * selective_scan_num_chunks(T) > (size_t)Ba * selective_scan_num_chunks(Ta)) {
            fatalf("batch (B=%d, T=%d) does not fit the allocated activations (B=%d, T=%d)", B, T, Ba, Ta);
        }
        if (model->recompute != model->acts_recompute) {
            fatalf("recompute level %d differs from the %d the activations were allocated for", model->recompute, model->acts_recompute);
        }
        return;
    }
    MambaConfig *c = &model->config;
    model->batch_size = B;
    model->acts_recompute = model->recompute;
    model->seq_len = T;
    size_t BT = (size_t)B * T, V = c->vocab_size;
    size_t bytes;
    fill_in_activation_sizes(model->act_sizes, c, B, T, model->recompute);
    model->acts_memory = malloc_and_point_activations(&model->acts, model->act_sizes, &bytes);
    model->device_bytes += bytes;
    cudaCheck(cudaMalloc((void **)&model->inputs, BT * sizeof(int)));
    cudaCheck(cudaMalloc((void **)&model->targets, BT * sizeof(int)));
    encoder_plan_init(&model->encoder_plan, (int)BT, (int)V, c->d_model, ENCODER_SEG);
    model->device_bytes += encoder_plan_device_bytes((int)BT, c->d_model, ENCODER_SEG);
    cudaCheck(cudaMalloc((void **)&model->predictions, BT * sizeof(int)));
    model->cpu_predictions = (int *)mallocCheck(BT * sizeof(int));
    if (c->no_selection) {
        size_t n = BT * c->d_inner;
        cudaCheck(cudaMalloc((void **)&model->ones, n * sizeof(floatX)));
        fill_kernel<<<ceil_div((long)n, 256), 256, 0, main_stream>>>(model->ones, 1.0f, n);
        cudaCheck(cudaGetLastError());
    }
    model->cpu_inputs = (int *)mallocCheck(BT * sizeof(int));
    model->cpu_targets = (int *)mallocCheck(BT * sizeof(int));
    model->cpu_losses = (float *)mallocCheck(BT * sizeof(float));
}

// layer l's slice of a per-layer activation tensor of `per` elements per token
#define LAYER(ptr, l, per) ((ptr) + (size_t)(l) * B * T * (per))

// the forward's launches, from the inputs on the device to the logits (and with targets the losses
// and dlogits); key->scale is the classifier's dloss
static void mamba_forward_launches(Mamba *model, const GraphKey *key) {
    MambaConfig *cfg = &model->config;
    int B = key->B, T = key->T;
    int L = cfg->n_layer, C = cfg->d_model, Di = cfg->d_inner, N = cfg->d_state, K = cfg->d_conv;
    int R = cfg->dt_rank, Vp = cfg->padded_vocab_size, X = R + 2 * N;
    int BT = B * T, NC = selective_scan_num_checkpoints(T, model->recompute == 0), fine = model->recompute == 0;
    ParameterTensors p = model->params;
    ActivationTensors a = model->acts;
    cudaStream_t s = main_stream;
    encoder_forward(a.residual, model->inputs, p.wte, BT, C, s);
    for (int l = 0; l < L; l++) {
        float *resin = LAYER(a.residual, l, C);
        floatX *ln = model->recompute >= 2 ? a.ln : LAYER(a.ln, l, C);
        floatX *xz = LAYER(a.xz, l, 2 * Di), *xdbl = LAYER(a.xdbl, l, X);
        floatX *u = model->recompute >= 1 ? a.u : LAYER(a.u, l, Di);
        floatX *delta_raw = model->recompute >= 2 ? a.delta_raw : LAYER(a.delta_raw, l, Di);
        floatX *yg = model->recompute >= 2 ? a.yg : LAYER(a.yg, l, Di);
        floatX *y = model->recompute <= KEEP_Y_MAX_R ? LAYER(a.y, l, Di) : NULL;
        float *ln_rstd = LAYER(a.ln_rstd, l, 1);
        float *states = a.ssm_states + (size_t)l * B * NC * Di * N;
        float *conv_carry = model->carried ? model->carry_conv_state + (size_t)l * B * Di * K : NULL;
        float *ssm_carry = model->carried ? model->carry_ssm_state + (size_t)l * B * Di * N : NULL;

        if (l == 0) {
            rmsnorm_forward(ln, ln_rstd, resin, p.norm_w, BT, C, s);
        } else { // the previous layer's residual add, fused with this layer's norm
            residual_rmsnorm_forward(resin, ln, ln_rstd, LAYER(a.residual, l - 1, C), a.out, p.norm_w + (size_t)l * C, BT, C, s);
        }
        matmul_forward(xz, ln, C, lowp(model, p.in_proj_w) + (size_t)l * 2 * Di * C, BT, C, 2 * Di);
        conv1d_silu_forward(u, xz, 2 * Di, conv_carry, p.conv_w + (size_t)l * Di * K, p.conv_b + (size_t)l * Di, B, T, Di, K, s);
        if (conv_carry != NULL) { conv1d_state_update(conv_carry, xz, 2 * Di, B, T, Di, K, s); }
        // selection: dt_r, B, C come from the token; the ablation reads a constant input instead
        matmul_forward(xdbl, cfg->no_selection ? model->ones : u, Di, lowp(model, p.x_proj_w) + (size_t)l * X * Di, BT, Di, X);
        matmul_forward(delta_raw, xdbl, X, lowp(model, p.dt_proj_w) + (size_t)l * Di * R, BT, R, Di);
        selective_scan_forward(yg, y, states, ssm_carry, u, delta_raw, p.dt_proj_b + (size_t)l * Di, p.A_log + (size_t)l * Di * N,
                               xdbl, R, p.D + (size_t)l * Di, xz, B, T, Di, N, fine, s);
        matmul_forward(a.out, yg, Di, lowp(model, p.out_proj_w) + (size_t)l * C * Di, BT, Di, C);
    }
    residual_rmsnorm_forward(LAYER(a.residual, L, C), a.lnf, a.lnf_rstd, LAYER(a.residual, L - 1, C), a.out,
                             p.norm_f_w, BT, C, s);
    matmul_forward(a.logits, a.lnf, C, lowp(model, p.wte), BT, C, Vp);
    if (key->targets) {
        // the loss and, in the same pass, dlogits for the batch mean (backward scales by loss_scale):
        // the logits buffer holds dlogits from here on
        fused_classifier(a.logits, a.losses, model->predictions, model->targets, key->scale, BT, Vp, 1, s);
    }
}

void mamba_forward(Mamba *model, const int *inputs, const int *targets, int B, int T) {
    mamba_ensure_activations(model, B, T);
    int V = model->config.vocab_size, BT = B * T;
    for (int i = 0; i < BT; i++) {
        if (inputs[i] < 0 || inputs[i] >= V) { fatalf("input token %d at position %d outside the vocabulary [0, %d)", inputs[i], i, V); }
        if (targets != NULL && (targets[i] < -1 || targets[i] >= V)) {
            fatalf("target %d at position %d outside the vocabulary [0, %d) (or -1 for ignored)", targets[i], i, V);
        }
    }
    memcpy(model->cpu_inputs, inputs, (size_t)BT * sizeof(int));
    cudaCheck(cudaMemcpy(model->inputs, inputs, (size_t)BT * sizeof(int), cudaMemcpyHostToDevice));
    int valid = 0;
    if (targets != NULL) {
        memcpy(model->cpu_targets, targets, (size_t)BT * sizeof(int));
        cudaCheck(cudaMemcpy(model->targets, targets, (size_t)BT * sizeof(int), cudaMemcpyHostToDevice));
        for (int i = 0; i < BT; i++) { valid += targets[i] >= 0; }
    }
    model->fwd_B = B;
    model->fwd_T = T;
    model->carried = model->carry_ssm_state != NULL;
    model->num_valid = valid;
    GraphKey key;
    memset(&key, 0, sizeof(key));
    key.B = B; key.T = T; key.targets = targets != NULL; key.recompute = model->recompute;
    key.scale = valid > 0 ? 1.0f / valid : 0.0f;
    key.acts = model->acts_memory; // (the forward reads no backward buffer: key.grads stays NULL)
    if (model->carried) { // a stream's state, evaluation only: its buffers are the caller's, launched plainly
        mamba_forward_launches(model, &key);
    } else {
        step_graph_run(&model->fwd_graph, &key, mamba_forward_launches, model);
    }
    if (targets == NULL) {
        model->mean_loss = -1.0f;
        return;
    }
    cudaStream_t s = main_stream;
    cudaCheck(cudaMemcpyAsync(model->cpu_losses, model->acts.losses, (size_t)BT * sizeof(float), cudaMemcpyDeviceToHost, s));
    cudaCheck(cudaMemcpyAsync(model->cpu_predictions, model->predictions, (size_t)BT * sizeof(int), cudaMemcpyDeviceToHost, s));
    cudaCheck(cudaStreamSynchronize(s));
    double sum = 0.0;
    int correct = 0;
    for (int i = 0; i < BT; i++) {
        if (targets[i] >= 0) {
            sum += model->cpu_losses[i];
            correct += model->cpu_predictions[i] == targets[i];
        }
    }
    model->num_correct = correct;
    model->mean_loss = valid > 0 ? (float)(sum / valid) : 0.0f;
}

void mamba_zero_grad(Mamba *model) {
    if (model->grads_memory != NULL) {
        cudaCheck(cudaMemsetAsync(model->grads_memory, 0, model->num_parameters * sizeof(float), main_stream));
    }
}

static void mamba_allocate_backward(Mamba *model) {
    MambaConfig *c = &model->config;
    size_t B = model->batch_size, T = model->seq_len, BT = B * T;
    size_t C = c->d_model, Di = c->d_inner, N = c->d_state, K = c->d_conv, X = c->dt_rank + 2 * N;
    deviceMalloc(&model->grads_memory, mamba_padded_parameters(model) * sizeof(float), "the gradients", OOM_HINT_WEIGHTS);
    cudaCheck(cudaMemset(model->grads_memory, 0, mamba_padded_parameters(model) * sizeof(float)));
    point_parameters(&model->grads, model->grads_memory, model->param_sizes);
    // one scratch for the RMSNorm weight partials, the conv weight partials and the gradient norm's
    size_t partials = rmsnorm_partials_size((int)BT, (int)C);
    size_t conv_partials = conv1d_partials_size((int)B, (int)T, (int)Di, (int)K);
    if (conv_partials > partials) { partials = conv_partials; }
    if (partials < 2 * NORM_BLOCKS) { partials = 2 * NORM_BLOCKS; } // (the norm's NORM_BLOCKS doubles)
    size_t scan_bytes = selective_scan_scratch_bytes((int)B, (int)T, (int)Di, (int)N);
    size_t sizes[] = {BT * C * sizeof(float), BT * C * sizeof(floatX), BT * C * sizeof(floatX), BT * Di * sizeof(floatX), BT * 2 * Di * sizeof(floatX),
                      BT * Di * sizeof(floatX), BT * Di * sizeof(floatX), BT * X * sizeof(floatX),
                      partials * sizeof(float), scan_bytes, sizeof(double)};
    GradActivations *g = &model->grads_acts;
    void **ptrs[] = {(void **)&g->dresidual, (void **)&g->dresidual_lowp, (void **)&g->dbuf_C, (void **)&g->dyg, (void **)&g->dxz, (void **)&g->du,
                     (void **)&g->ddelta, (void **)&g->dxdbl, (void **)&g->partials,
                     (void **)&g->scan_scratch, (void **)&g->norm_out};
    size_t total = 0;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) { total += (sizes[i] + 255) / 256 * 256; }
    char *memory;
    deviceMalloc(&memory, total, "the backward's buffers", OOM_HINT_ACTIVATIONS);
    model->grads_acts_memory = memory;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        *ptrs[i] = memory;
        memory += (sizes[i] + 255) / 256 * 256;
    }
    model->device_bytes += total + model->num_parameters * sizeof(float);
}

// layers per group of gradient all-reduces in the backward: 0.6 ms/step faster than one layer per
// group at the 130m shape on 2 H200s (doc/perf.md)
#define REDUCE_LAYERS 4

/*
Starts averaging over the processes the gradients that are final: the tensors of layers
l .. l+nl-1 (contiguous in the stacked layout), or with l = -1 the ones outside the layers
(embedding, final norm). Their slices come from the layout table.
*/
static void mamba_reduce_gradients_async(Mamba *model, int l, int nl) {
    float *tensors[NUM_PARAMETER_TENSORS];
    size_t counts[NUM_PARAMETER_TENSORS];
    int n = 0;
    size_t offset = 0;
    for (int k = 0; k < NUM_PARAMETER_TENSORS; k++) {
        size_t size = model->param_sizes[k];
        if (PARAMETER_INFO[k].per_layer && l >= 0) {
            size_t per = size / model->config.n_layer;
            tensors[n] = model->grads_memory + offset + (size_t)l * per;
            counts[n++] = per * nl;
        } else if (!PARAMETER_INFO[k].per_layer && l < 0) {
            tensors[n] = model->grads_memory + offset;
            counts[n++] = size;
        }
        offset += size;
    }
    multi_gpu_reduce_async(&multi_gpu_config, tensors, counts, n, main_stream);
}

// the backward's launches down to the embedding's input gradient (ga.dresidual); key->scale is loss_scale
static void mamba_backward_launches(Mamba *model, const GraphKey *key) {
    MambaConfig *cfg = &model->config;
    int B = key->B, T = key->T;
    int L = cfg->n_layer, C = cfg->d_model, Di = cfg->d_inner, N = cfg->d_state, K = cfg->d_conv;
    int R = cfg->dt_rank, Vp = cfg->padded_vocab_size, X = R + 2 * N;
    int BT = B * T, NC = selective_scan_num_checkpoints(T, model->recompute == 0), fine = model->recompute == 0;
    float loss_scale = key->scale;
    ParameterTensors p = model->params, g = model->grads;
    ActivationTensors a = model->acts;
    GradActivations ga = model->grads_acts;
    cudaStream_t s = main_stream;

    // the forward left dlogits of the batch mean in a.logits; loss_scale scales the LM head's products
    matmul_backward_scaled(ga.dbuf_C, g.wte, a.logits, a.lnf, C, lowp(model, p.wte), BT, C, Vp, 0, loss_scale);
    cudaCheck(cudaMemsetAsync(ga.dresidual, 0, (size_t)BT * C * sizeof(float), s));
    rmsnorm_backward(ga.dresidual, ga.dresidual_lowp, g.norm_f_w, ga.partials, ga.dbuf_C, LAYER(a.residual, L, C),
                     p.norm_f_w, a.lnf_rstd, BT, C, s);

    for (int l = L - 1; l >= 0; l--) {
        float *resin = LAYER(a.residual, l, C), *ln_rstd = LAYER(a.ln_rstd, l, 1);
        floatX *ln = model->recompute >= 2 ? a.ln : LAYER(a.ln, l, C);
        floatX *xz = LAYER(a.xz, l, 2 * Di), *xdbl = LAYER(a.xdbl, l, X);
        floatX *u = model->recompute >= 1 ? a.u : LAYER(a.u, l, Di);
        floatX *delta_raw = model->recompute >= 2 ? a.delta_raw : LAYER(a.delta_raw, l, Di);
        floatX *yg = model->recompute >= 2 ? a.yg : LAYER(a.yg, l, Di);
        const floatX *y = model->recompute <= KEEP_Y_MAX_R ? LAYER(a.y, l, Di) : NULL;
        float *states = a.ssm_states + (size_t)l * B * NC * Di * N;

        // the residual add passes dresidual through unchanged: out_proj's gradient is its floatX copy.
        // Its weight gradient waits for the scan backward, which at -r 2 writes this layer's yg again.
        matmul_backward_dinp(ga.dyg, ga.dresidual_lowp, lowp(model, p.out_proj_w) + (size_t)l * C * Di, Di, BT, Di, C, 0, 1.0f);
        if (model->recompute >= 1) {
            conv1d_silu_forward(u, xz, 2 * Di, NULL, p.conv_w + (size_t)l * Di * K, p.conv_b + (size_t)l * Di, B, T, Di, K, s);
        }
        if (model->recompute >= 2) { // the same kernels on the same inputs as the forward: bitwise the same values
            matmul_forward(delta_raw, xdbl, X, lowp(model, p.dt_proj_w) + (size_t)l * Di * R, BT, R, Di);
            rmsnorm_forward(ln, NULL, resin, p.norm_w + (size_t)l * C, BT, C, s);
        }
        selective_scan_backward(model->recompute >= 2 ? yg : NULL, y, ga.du, ga.ddelta, ga.dxz, ga.dxdbl, g.A_log + (size_t)l * Di * N, g.D + (size_t)l * Di,
                                g.dt_proj_b + (size_t)l * Di, ga.scan_scratch, ga.dyg, states, u, delta_raw,
                                p.dt_proj_b + (size_t)l * Di, p.A_log + (size_t)l * Di * N, xdbl, R, p.D + (size_t)l * Di,
                                xz, B, T, Di, N, fine, s);
        matmul_backward_dweight(g.out_proj_w + (size_t)l * C * Di, ga.dresidual_lowp, yg, Di, BT, Di, C, 1.0f);
        matmul_backward(ga.dxdbl, g.dt_proj_w + (size_t)l * Di * R, ga.ddelta, xdbl, X,
                        lowp(model, p.dt_proj_w) + (size_t)l * Di * R, BT, R, Di, 0);
        // (the ablation's constant input gets no gradient: dinp NULL)
        matmul_backward(cfg->no_selection ? NULL : ga.du, g.x_proj_w + (size_t)l * X * Di, ga.dxdbl,
                        cfg->no_selection ? model->ones : u, Di, lowp(model, p.x_proj_w) + (size_t)l * X * Di, BT, Di, X, 1);
        conv1d_silu_backward(ga.dxz, g.conv_w + (size_t)l * Di * K, g.conv_b + (size_t)l * Di, ga.partials, ga.du,
                             xz, 2 * Di, p.conv_w + (size_t)l * Di * K, p.conv_b + (size_t)l * Di, B, T, Di, K, s);
        matmul_backward(ga.dbuf_C, g.in_proj_w + (size_t)l * 2 * Di * C, ga.dxz, ln, C,
                        lowp(model, p.in_proj_w) + (size_t)l * 2 * Di * C, BT, C, 2 * Di, 0);
        rmsnorm_backward(ga.dresidual, ga.dresidual_lowp, g.norm_w + (size_t)l * C, ga.partials, ga.dbuf_C, resin,
                         p.norm_w + (size_t)l * C, ln_rstd, BT, C, s);
        if (model->reduce_in_backward && l % REDUCE_LAYERS == 0) { // layers l .. l+REDUCE_LAYERS-1 are final
            mamba_reduce_gradients_async(model, l, l + REDUCE_LAYERS <= L ? REDUCE_LAYERS : L - l);
        }
    }
}

/*
Backward pass of the last forward, accumulating into the fp32 parameter gradients;
loss_scale = 1 gives the gradient of this batch's mean loss.
*/
void mamba_backward(Mamba *model, float loss_scale) {
    if (model->mean_loss < 0) { fatalf("mamba_backward: forward was run without targets"); }
    if (model->carried) { fatalf("mamba_backward: the forward carried a stream's state (evaluation only)"); }
    if (model->fwd_B != model->batch_size || model->fwd_T != model->seq_len) { // the backward's scratch has that shape
        fatalf("mamba_backward: the forward ran at (B=%d, T=%d), not the allocated (B=%d, T=%d)", model->fwd_B,
               model->fwd_T, model->batch_size, model->seq_len);
    }
    if (model->grads_memory == NULL) { mamba_allocate_backward(model); }
    int BT = model->fwd_B * model->fwd_T;
    GraphKey key;
    memset(&key, 0, sizeof(key));
    key.B = model->fwd_B; key.T = model->fwd_T; key.targets = 1; key.recompute = model->recompute; key.scale = loss_scale;
    key.acts = model->acts_memory; key.grads = model->grads_acts_memory;
    if (model->reduce_in_backward) { // its all-reduces wait on the host for their deadline: launched plainly
        mamba_backward_launches(model, &key);
    } else {
        step_graph_run(&model->bwd_graph, &key, mamba_backward_launches, model);
    }
    ParameterTensors g = model->grads;
    GradActivations ga = model->grads_acts;
    cudaStream_t s = main_stream;
    // its launch grid depends on the batch's tokens (a plan the host builds): after the graph
    encoder_backward(g.wte, ga.dresidual, &model->encoder_plan, model->cpu_inputs, BT, s);
    if (model->reduce_in_backward) {
        mamba_reduce_gradients_async(model, -1, 0);
        multi_gpu_join(&multi_gpu_config, s);
    }
    // the host plan buffer is reused by the next backward: wait for its copy (and for the
    // overlapped all-reduces, with a deadline)
    multi_gpu_wait(&multi_gpu_config, s, "the backward pass");
}

// ----------------------------------------------------------------------------
// the optimizer

// global gradient norm; under ZeRO-1 each rank holds its averaged shard, so the squares are summed over ranks
float mamba_grad_norm(Mamba *model) {
    GradActivations *ga = &model->grads_acts;
    size_t offset, count;
    multi_gpu_shard(&multi_gpu_config, model->num_parameters, &offset, &count);
    global_norm_squared(ga->norm_out, (double *)ga->partials, model->grads_memory + offset, count, main_stream);
    if (multi_gpu_config.zero_stage == 1) { multi_gpu_sum_device(&multi_gpu_config, ga->norm_out, main_stream); }
    multi_gpu_wait(&multi_gpu_config, main_stream, "gradient norm");
    double ss;
    cudaCheck(cudaMemcpy(&ss, ga->norm_out, sizeof(double), cudaMemcpyDeviceToHost));
    return (float)sqrt(ss);
}

// AdamW moments for the parameters this rank updates (all of them, or its ZeRO-1 shard)
void mamba_allocate_optimizer(Mamba *model) {
    size_t offset, n;
    multi_gpu_shard(&multi_gpu_config, model->num_parameters, &offset, &n);
    deviceMalloc(&model->m_memory, (n > 0 ? n : 1) * sizeof(float), "the AdamW moments", OOM_HINT_MOMENTS);
    deviceMalloc(&model->v_memory, (n > 0 ? n : 1) * sizeof(float), "the AdamW moments", OOM_HINT_MOMENTS);
    cudaCheck(cudaMemset(model->m_memory, 0, n * sizeof(float)));
    cudaCheck(cudaMemset(model->v_memory, 0, n * sizeof(float)));
    model->device_bytes += 2 * n * sizeof(float);
}

/*
AdamW step t (1-based); weight decay on the tensors marked `decay` in llmc/model_config.h.
Under ZeRO-1 only this rank's shard [offset, offset + count) is updated, tensor by tensor where
the shard overlaps it, then the shards are gathered and the floatX copy refreshed.
*/
void mamba_update(Mamba *model, float learning_rate, float beta1, float beta2, float eps,
                  float weight_decay, float grad_scale, int t) {
    if (model->m_memory == NULL) { mamba_allocate_optimizer(model); }
    size_t shard_begin, shard_count;
    multi_gpu_shard(&multi_gpu_config, model->num_parameters, &shard_begin, &shard_count);
    size_t shard_end = shard_begin + shard_count, offset = 0;
    for (int k = 0; k < NUM_PARAMETER_TENSORS; k++) {
        float wd = PARAMETER_INFO[k].decay ? weight_decay : 0.0f;
        size_t begin = offset > shard_begin ? offset : shard_begin;
        size_t end = offset + model->param_sizes[k] < shard_end ? offset + model->param_sizes[k] : shard_end;
        if (begin < end) {
            adamw_update(model->params_memory + begin, model->params_lowp + begin, model->grads_memory + begin,
                         model->m_memory + (begin - shard_begin), model->v_memory + (begin - shard_begin), end - begin,
                         learning_rate, beta1, beta2, t, eps, wd, grad_scale, main_stream);
        }
        offset += model->param_sizes[k];
    }
    if (multi_gpu_config.zero_stage == 1) {
        multi_gpu_gather_parameters(&multi_gpu_config, model->params_memory, model->num_parameters, main_stream);
        cast_to_floatX(model->params_lowp, model->params_memory, model->num_parameters, main_stream);
    }
}

// test hook (MAMBA_TEST_PERTURB_STEP=<k> on the rank MAMBA_TEST_PERTURB_RANK names): the lowest bit of that rank's first
// weight flipped, at start-up (k = 0) or after step k's update, as a faulty GPU or another copy of a checkpoint would
// leave it (check_replicas_agree; test/test_multi_gpu.sh); with MAMBA_TEST_PERTURB_MOMENT set, that of its first AdamW
// first moment instead (none before the first update), which -z 0 compares too
static void test_perturb_weights(Mamba *model, int step) {
    if (env_int("MAMBA_TEST_PERTURB_RANK", -1) != multi_gpu_config.process_rank || env_int("MAMBA_TEST_PERTURB_STEP", -1) != step) { return; }
    float *x = getenv("MAMBA_TEST_PERTURB_MOMENT") != NULL ? model->m_memory : model->params_memory;
    if (x == NULL) { return; }
    unsigned bits;
    cudaCheck(cudaMemcpy(&bits, x, sizeof(bits), cudaMemcpyDeviceToHost));
    bits ^= 1u;
    cudaCheck(cudaMemcpy(x, &bits, sizeof(bits), cudaMemcpyHostToDevice));
}

// test hook (MAMBA_TEST_INJECT_NAN_STEP): what a corrupted batch or an overflow would leave behind
// (NaN), or with MAMBA_TEST_INJECT_VALUE a finite spike in the gradient norm (for -sg)
void mamba_inject_gradient(Mamba *model, float value) {
    cudaCheck(cudaMemcpy(model->grads_memory, &value, sizeof(float), cudaMemcpyHostToDevice));
}

void mamba_free(Mamba *model) {
    cudaCheck(cudaFree(model->params_memory));
    cudaCheck(cudaFree(model->params_lowp));
    cudaCheck(cudaFree(model->grads_memory));
    cudaCheck(cudaFree(model->m_memory));
    cudaCheck(cudaFree(model->v_memory));
    cudaCheck(cudaFree(model->acts_memory));
    cudaCheck(cudaFree(model->grads_acts_memory));
    cudaCheck(cudaFree(model->inputs));
    cudaCheck(cudaFree(model->targets));
    encoder_plan_free(&model->encoder_plan);
    step_graph_free(&model->fwd_graph);
    step_graph_free(&model->bwd_graph);
    cudaCheck(cudaFree(model->predictions));
    cudaCheck(cudaFree(model->ones));
    free(model->cpu_predictions);
    free(model->cpu_inputs);
    free(model->cpu_targets);
    free(model->cpu_losses);
}

// ----------------------------------------------------------------------------
// recurrent mode: one token per sequence at a time with O(1) state per layer, for generation.
// A batch of `batch` independent sequences steps together (fp32 states, as the spec asks).

typedef struct {
    int batch;
    int pos;
    float *conv_state; // (L, batch, Di, K)  the last K pre-conv x values, oldest first
    float *ssm_state;  // (L, batch, Di, N)
    float *r;          // (batch, C) residual stream
    floatX *h, *xz, *u, *xdbl, *delta_raw, *yg, *out, *logits; // one token's activations per sequence
    floatX *ones;      // (batch, Di) the constant x_proj input of the no-selection ablation
    float *logits_f;   // (batch, Vp) device fp32 logits
    float *cpu_logits; // (batch, Vp) host
    int *tokens;       // (batch) device
    float *coins;      // (batch) device: the uniforms of the device sampler
    void *memory;
    // the step's ~10 launches per layer replay as one CUDA graph from the second step on (the
    // launch overhead, not the GPU, bounds a step at small batch); its pointers are this state's
    // buffers and the model's weights, which stay put while the state lives
    cudaGraphExec_t graph;
    int graph_ready;
    // 1: the fused step (llmc/cuda/decode.cuh, ~4 launches per layer), chosen by recurrent_init for
    // batches up to DECODE_MAX_BATCH; 0: one launch per operation with cuBLAS's matmuls (any batch).
    // Set before the first step only (the graph records the path).
    int fused;
} RecurrentState;

void recurrent_init(RecurrentState *st, const MambaConfig *c, int batch) {
    size_t L = c->n_layer, C = c->d_model, Di = c->d_inner, N = c->d_state, K = c->d_conv;
    size_t X = c->dt_rank + 2 * N, Vp = c->padded_vocab_size, G = batch, F = sizeof(floatX);
    size_t sizes[] = {L * G * Di * K * 4, L * G * Di * N * 4, G * C * 4, G * C * F, G * 2 * Di * F, G * Di * F,
                      G * X * F, G * Di * F, G * Di * F, G * C * F, G * Vp * F, G * Di * F, G * Vp * 4, G * 4, G * 4};
    void **ptrs[] = {(void **)&st->conv_state, (void **)&st->ssm_state, (void **)&st->r, (void **)&st->h, (void **)&st->xz,
                     (void **)&st->u, (void **)&st->xdbl, (void **)&st->delta_raw, (void **)&st->yg, (void **)&st->out,
                     (void **)&st->logits, (void **)&st->ones, (void **)&st->logits_f, (void **)&st->tokens,
                     (void **)&st->coins};
    size_t total = 0;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) { total += (sizes[i] + 255) / 256 * 256; }
    char *p;
    deviceMalloc(&p, total, "the generation state", "try a smaller -gb (sequences generated together)");
    cudaCheck(cudaMemset(p, 0, total));
    st->memory = p;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) { *ptrs[i] = p; p += (sizes[i] + 255) / 256 * 256; }
    fill_kernel<<<ceil_div((long)(G * Di), 256), 256>>>(st->ones, 1.0f, G * Di);
    cudaCheck(cudaGetLastError());
    st->cpu_logits = (float *)mallocCheck(G * Vp * sizeof(float));
    st->batch = batch;
    st->pos = 0;
    st->graph_ready = 0;
    st->fused = decode_fused_supported(batch, (int)C, (int)Di);
}

void recurrent_free(RecurrentState *st) {
    if (st->graph_ready) { cudaCheck(cudaGraphExecDestroy(st->graph)); }
    cudaCheck(cudaFree(st->memory));
    free(st->cpu_logits);
}

// the device work of one step: st->tokens in, st->logits_f out
static void mamba_step_kernels(const Mamba *model, RecurrentState *st) {
    const MambaConfig *cfg = &model->config;
    int L = cfg->n_layer, C = cfg->d_model, Di = cfg->d_inner, N = cfg->d_state, K = cfg->d_conv;
    int R = cfg->dt_rank, Vp = cfg->padded_vocab_size, X = R + 2 * N, G = st->batch;
    ParameterTensors p = model->params;
    cudaStream_t s = main_stream;
    encoder_forward(st->r, st->tokens, p.wte, G, C, s); // a plain launch: the steps stay apart (decode_layer)
    if (st->fused) {
        for (int l = 0; l < L; l++) {
            decode_layer(st->r, st->xz, st->u, st->xdbl, st->yg, st->conv_state + (size_t)l * G * Di * K,
                         st->ssm_state + (size_t)l * G * Di * N, p.norm_w + (size_t)l * C,
                         lowp(model, p.in_proj_w) + (size_t)l * 2 * Di * C, p.conv_w + (size_t)l * Di * K,
                         p.conv_b + (size_t)l * Di, cfg->no_selection ? st->ones : st->u,
                         lowp(model, p.x_proj_w) + (size_t)l * X * Di, lowp(model, p.dt_proj_w) + (size_t)l * Di * R,
                         p.dt_proj_b + (size_t)l * Di, p.A_log + (size_t)l * Di * N, p.D + (size_t)l * Di,
                         lowp(model, p.out_proj_w) + (size_t)l * C * Di, G, C, Di, K, R, N, s);
        }
        decode_head(st->logits_f, st->r, p.norm_f_w, lowp(model, p.wte), G, C, Vp, s);
        return;
    }
    for (int l = 0; l < L; l++) {
        rmsnorm_forward(st->h, NULL, st->r, p.norm_w + (size_t)l * C, G, C, s);
        matmul_forward(st->xz, st->h, C, lowp(model, p.in_proj_w) + (size_t)l * 2 * Di * C, G, C, 2 * Di);
        conv1d_silu_step_kernel<<<ceil_div((long)G * Di, 256), 256, 0, s>>>(st->u, st->conv_state + (size_t)l * G * Di * K,
                                                                            st->xz, 2 * Di, p.conv_w + (size_t)l * Di * K,
                                                                            p.conv_b + (size_t)l * Di, G, Di, K);
        cudaCheck(cudaGetLastError());
        matmul_forward(st->xdbl, cfg->no_selection ? st->ones : st->u, Di, lowp(model, p.x_proj_w) + (size_t)l * X * Di, G, Di, X);
        matmul_forward(st->delta_raw, st->xdbl, X, lowp(model, p.dt_proj_w) + (size_t)l * Di * R, G, R, Di);
        selective_scan_step_kernel<<<ceil_div((long)G * Di * SCAN_STEP_LANES, 256), 256, 0, s>>>(
            st->yg, st->ssm_state + (size_t)l * G * Di * N, st->u, st->delta_raw, p.dt_proj_b + (size_t)l * Di, p.A_log + (size_t)l * Di * N,
            st->xdbl, R, p.D + (size_t)l * Di, st->xz, G, Di, N);
        cudaCheck(cudaGetLastError());
        matmul_forward(st->out, st->yg, Di, lowp(model, p.out_proj_w) + (size_t)l * C * Di, G, Di, C);
        residual_forward(st->r, st->r, st->out, (size_t)G * C, s);
    }
    rmsnorm_forward(st->h, NULL, st->r, p.norm_f_w, G, C, s);
    matmul_forward(st->logits, st->h, C, lowp(model, p.wte), G, C, Vp);
    floatX_to_float_kernel<<<ceil_div((long)G * Vp, 256), 256, 0, s>>>(st->logits_f, st->logits, (size_t)G * Vp);
    cudaCheck(cudaGetLastError());
}

// one step of every sequence on the tokens already in st->tokens, leaving st->logits_f
static void recurrent_advance(const Mamba *model, RecurrentState *st) {
    cudaStream_t s = main_stream;
    if (use_cuda_graphs && !st->graph_ready && st->pos >= 1) { // the first step ran plainly (cuBLAS has picked its kernels)
        cudaGraph_t graph;
        cudaCheck(cudaStreamSynchronize(s)); // (one wait per generation; not required: training captures on a busy stream)
        cudaCheck(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
        mamba_step_kernels(model, st);
        cudaCheck(cudaStreamEndCapture(s, &graph));
        cudaCheck(cudaGraphInstantiate(&st->graph, graph, 0));
        cudaCheck(cudaGraphDestroy(graph));
        st->graph_ready = 1;
    }
    if (st->graph_ready) {
        cudaCheck(cudaGraphLaunch(st->graph, s));
    } else {
        mamba_step_kernels(model, st);
    }
    st->pos++;
}

// queues a step that consumes one token of each sequence (tokens: batch ids), leaving the next logits in
// st->logits_f on the device. The copy of tokens is queued too: they must stay as they are until the stream
// has run it (pinned memory left alone, or a wait for the stream, as mamba_step's)
static void recurrent_feed(const Mamba *model, RecurrentState *st, const int *tokens) {
    const MambaConfig *cfg = &model->config;
    for (int g = 0; g < st->batch; g++) {
        if (tokens[g] < 0 || tokens[g] >= cfg->vocab_size) { fatalf("token %d outside the vocabulary [0, %d)", tokens[g], cfg->vocab_size); }
    }
    cudaCheck(cudaMemcpyAsync(st->tokens, tokens, st->batch * sizeof(int), cudaMemcpyHostToDevice, main_stream));
    recurrent_advance(model, st);
}

// consumes one token of each sequence (tokens: batch ids), leaves the next logits in st->cpu_logits (batch, Vp)
void mamba_step(const Mamba *model, RecurrentState *st, const int *tokens) {
    recurrent_feed(model, st, tokens);
    size_t bytes = (size_t)st->batch * model->config.padded_vocab_size * sizeof(float);
    cudaCheck(cudaMemcpyAsync(st->cpu_logits, st->logits_f, bytes, cudaMemcpyDeviceToHost, main_stream));
    cudaCheck(cudaStreamSynchronize(main_stream));
}

// queues the draw of the next token of every sequence on the device (llmc/cuda/sampler.cuh), from
// st->logits_f into st->tokens (the next step's input) and, once the stream gets there, into tokens (pinned
// host memory); coins (pinned): the step's uniforms
static void sample_on_device(RecurrentState *st, int V, int Vp, float temperature, int top_k, float top_p,
                             const float *coins, int *tokens) {
    int G = st->batch;
    cudaStream_t s = main_stream;
    cudaCheck(cudaMemcpyAsync(st->coins, coins, G * sizeof(float), cudaMemcpyHostToDevice, s));
    sample_launch(st->tokens, NULL, st->logits_f, st->coins, G, V, Vp, top_k, top_p, temperature, s);
    cudaCheck(cudaMemcpyAsync(tokens, st->tokens, G * sizeof(int), cudaMemcpyDeviceToHost, s));
}

// ----------------------------------------------------------------------------
// the program: checkpoints, evaluation, sampling, the training loop

/*
MFU in the step lines: 6 x parameters flops per token (as scripts/bench.sh counts them) against the card's dense
bf16 tensor-core peak from its spec sheet (the sparse figures NVIDIA lists, halved), over all processes. A card
not listed here, or the fp32 build, gets no MFU. (bench.sh's MFU is against the measured matmul rate instead, which
a card at its power cap keeps below this peak: doc/perf.md.) The first name contained in the device's wins.
*/
static double bf16_peak_tflops(const char *device_name) {
    static const struct { const char *name; double tflops; } cards[] = {
        {"H100 PCIe", 756.0}, {"H100 NVL", 835.0}, {"H200 NVL", 835.0}, {"H100", 989.4}, {"H200", 989.4},
        {"A100", 312.0}, {"L40S", 362.0}, {"L40", 181.0}, {"L4", 121.0}, {"B200", 2250.0},
    };
    if (strcmp(PRECISION_MODE, "bf16") != 0) { return 0.0; }
    for (size_t i = 0; i < sizeof(cards) / sizeof(cards[0]); i++) {
        if (strstr(device_name, cards[i].name) != NULL) { return cards[i].tflops; }
    }
    return 0.0;
}
static double mfu_peak_flops = 0.0; // all processes' peak (flop/s); 0: no MFU printed

// " | MFU x%" for a step of tokens_per_s, or "" (no peak known)
static const char *mfu_text(char *buf, size_t size, size_t num_parameters, double tokens_per_s) {
    if (mfu_peak_flops <= 0.0) { return ""; }
    snprintf(buf, size, " | MFU %.1f%%", 100.0 * 6.0 * (double)num_parameters * tokens_per_s / mfu_peak_flops);
    return buf;
}

void device_init(int device_idx) {
    int count = 0;
    cudaError_t found = cudaGetDeviceCount(&count); // (as multi_gpu_config_init's, which main calls first)
    if (found != cudaSuccess || count == 0) {
        fatalf("no CUDA device found (%s): use ./train_mamba on the CPU", found != cudaSuccess ? cudaGetErrorString(found) : "none visible");
    }
    cudaCheck(cudaSetDevice(device_idx));
    // bf16 arithmetic, cp.async and bf16 matrix products need Ampere or newer: say so before a kernel launch
    // fails with "no kernel image is available"
    cudaDeviceProp prop;
    cudaCheck(cudaGetDeviceProperties(&prop, device_idx));
    if (prop.major < 8) {
        fatalf("GPU %d (%s) has compute capability %d.%d; train_mamba_cu needs 8.0 or newer (train on the CPU with ./train_mamba)",
               device_idx, prop.name, prop.major, prop.minor);
    }
    cudaCheck(cudaStreamCreate(&main_stream));
    matmul_init(main_stream);
}

/*
-mc: the multiple-choice choices over examples [first, end) in batches of B rows of T (mc_pack), added to
*r; with row_losses and row_greedys, each completion's summed loss and whether its every scored token was the
argmax too, in the file's order (what the tests compare).
Returns 0 when a stop signal (training's SIGTERM, Slurm's before its time limit) cut it short: the run then
stops after one batch more, not after the whole file.
*/
static int evaluate_mc_range(Mamba *model, const MCEvalSet *mc, int first, int end, int B, int T, MCResult *r,
                              double *row_losses, int *row_greedys) {
    int *inputs = (int *)mallocCheck((size_t)B * T * sizeof(int)), *targets = (int *)mallocCheck((size_t)B * T * sizeof(int));
    double *row_loss = (double *)mallocCheck((size_t)B * sizeof(double));
    int *row_count = (int *)mallocCheck((size_t)B * sizeof(int)), *row_greedy = (int *)mallocCheck((size_t)B * sizeof(int));
    int e = first;
    while (e < end && stop_signal == 0) {
        int n = mc_pack(mc, e, end, B, T, inputs, targets);
        mamba_forward(model, inputs, targets, B, T);
        MC_ROW_SUMS(row_loss, row_count, row_greedy, model->cpu_losses, model->cpu_predictions, targets, B, T);
        int rows = mc_score(mc, e, n, row_loss, row_count, row_greedy, r);
        if (row_losses != NULL) { memcpy(row_losses, row_loss, (size_t)rows * sizeof(double)); row_losses += rows; }
        if (row_greedys != NULL) { memcpy(row_greedys, row_greedy, (size_t)rows * sizeof(int)); row_greedys += rows; }
        e += n;
    }
    free(inputs);
    free(targets);
    free(row_loss);
    free(row_count);
    free(row_greedy);
    return e >= end;
}

#ifndef TESTING

/*
Start-up checks that rank 0 makes alone (its -o and -hf directories, its model_best.bin, the tokenizer on its node and
the prompt it encodes; then its first writes into -o and its log) end every rank at once, with rank 0's error line
alone: the others went on to their next collective and waited there for -pt seconds. Such a check runs between rank0_alone(1) and rank0_alone(0), and every rank
calls rank0_checks_passed before its next collective (none comes between). There rank 0 says 0; where a check failed,
its fatalf said 1 in that same collective first (fatal_hook, llmc/utils.h), and the other ranks exit non-zero without a
line of their own (rank 0's says why). A check that every rank makes alike stays outside: a rank 0 that failed it would
wait for ranks that failed it too.
The files that rank 0 writes alone while the others wait for it in a collective (a checkpoint at -z 0, model_best.bin)
end every rank in the same way: the others wait in rank0_writes_passed, whose deadline allows for the write (at -z 1,
where every rank writes, each_rank_alone below). (The -hf export, rank 0's too, is waited for by no collective: a rank 0
that failed there leaves the others to end alone.)
*/
static void rank0_tell_failed(void) { multi_gpu_from_rank0(&multi_gpu_config, 1, main_stream, multi_gpu_config.timeout_s); }
static void rank0_alone(int on) {
    if (multi_gpu_config.process_rank == 0) { fatal_hook = on ? rank0_tell_failed : NULL; }
}
static void rank0_passed_within(int timeout_s) {
    if (multi_gpu_from_rank0(&multi_gpu_config, 0, main_stream, timeout_s) != 0) { exit(EXIT_FAILURE); }
}
static void rank0_checks_passed(void) { rank0_passed_within(multi_gpu_config.timeout_s); }
// (after rank 0 wrote `bytes` of files: multi_gpu_write_deadline)
static void rank0_writes_passed(double bytes) { rank0_passed_within(multi_gpu_write_deadline(&multi_gpu_config, bytes)); }

/*
The same for what each rank reads or writes on its own (setup_model: at -z 1 its shard of the optimizer state; a model
file that some nodes lack; save_checkpoint at -z 1: its shard, and rank 0's model file): between each_rank_alone(1) and
(0) a failed check's fatalf adds 1 to a sum over the ranks, and every rank calls every_rank_checks_passed (after a
checkpoint's writes, rank0_writes_passed) next, adding 0: a rank that failed alone (rank 1's shard corrupt) ends every
rank at once with its error line the only one; ranks that failed alike meet in that same sum, each with its line. It
is rank0_checks_passed's collective (one int summed), so that a rank 0 that failed meets the same.
*/
static int any_rank_within_s = 0; // how long a rank that failed waits there for the others (-pt, or their writes' deadline)
static void any_rank_tell_failed(void) { multi_gpu_sum_int_within(&multi_gpu_config, 1, main_stream, any_rank_within_s); }
static void each_rank_alone_within(int on, int timeout_s) {
    any_rank_within_s = timeout_s;
    fatal_hook = on ? any_rank_tell_failed : NULL;
}
static void each_rank_alone(int on) { each_rank_alone_within(on, multi_gpu_config.timeout_s); }
static void every_rank_checks_passed(void) {
    if (multi_gpu_sum_int(&multi_gpu_config, 0, main_stream) != 0) { exit(EXIT_FAILURE); }
}

// -hf: the model and the tokenizer.json the run used
// (staged, then switched in by hf_save_model: a directory with a config.json always holds a whole export)
static void export_hf(const Mamba *model, const Options *o, const Tokenizer *tokenizer) {
    hf_export_begin(o->hf_export_dir);
    int eot = hf_export_tokenizer(o->hf_export_dir, model->config.vocab_size, o->model, o->tokenizer_path, tokenizer->eot_token);
    mamba_export_hf(model, o->hf_export_dir, eot);
}

// this run's layout of the optimizer state in its checkpoints: one shard per process at -z 1, else one file (0)
static int state_shards(void) { return multi_gpu_config.zero_stage == 1 ? multi_gpu_config.num_processes : 0; }

// the state file of this rank: the whole optimizer state, or (ZeRO-1) this rank's shard of it
static void state_path(char *path, size_t size, const char *dir, int step) {
    if (multi_gpu_config.zero_stage == 1) {
        snprintf(path, size, "%s/state_%08d_%05d.bin", dir, step, multi_gpu_config.process_rank);
    } else {
        snprintf(path, size, "%s/state_%08d.bin", dir, step);
    }
}

/*
Every rank holds the whole model, and at -z 0 the whole optimizer state, bitwise the same as every other rank's: the
same start, the same averaged gradients, the same update. Checked at start-up and before each checkpoint or best model
is written, by a hash of those bits compared over the ranks (one pass over them): replicas that drifted apart (a rank
that read another copy of the checkpoint, a faulty GPU) end the run, instead of training on as several models or being
saved as one. Every rank finds the same answer and says it.
*/
static void check_replicas_agree(const Mamba *model, int step, int at_start) { // (at_start 0: before a write)
    if (multi_gpu_config.num_processes == 1) { return; }
    const size_t n = model->num_parameters, whole = multi_gpu_config.zero_stage == 0 ? n : 0; // (-z 1: each its own shard)
    const float *xs[3] = {model->params_memory, whole ? model->m_memory : NULL, whole ? model->v_memory : NULL};
    const size_t ns[3] = {n, whole, whole};
    if (multi_gpu_all_same_bits(&multi_gpu_config, xs, ns, 3, main_stream)) { return; }
    const char *what = whole ? "weights or optimizer state" : "weights";
    if (at_start) { // (1: resumed from a checkpoint, 2: initialised)
        fatalf("rank %d: the ranks' %s differ at start-up (step %d): every rank must start from the same bits (%s)",
               multi_gpu_config.process_rank, what, step, at_start == 1 ? "did each read the same checkpoint? one -o that "
               "every rank sees" : "the same flags on every rank?");
    }
    fatalf("rank %d: the ranks' %s differ after step %d, where every rank should hold the same bits (a faulty GPU?): "
           "nothing of this step is written", multi_gpu_config.process_rank, what, step);
}

/*
Rank 0 writes the model (every rank holds all of it); the optimizer state is written by rank 0,
or by every rank for its shard under ZeRO-1. The DONE marker comes last, after a barrier, so it
exists only once every file of the checkpoint is complete.
*/
static void save_checkpoint(const char *dir, const Mamba *model, const TrainState *s) {
    char path[1024];
    int rank = multi_gpu_config.process_rank;
    check_replicas_agree(model, s->step, 0);
    const double bytes = 12.0 * model->num_parameters; // the model and AdamW's m, v
    // at -z 0 rank 0 writes alone (rank0_alone); at -z 1 every rank writes its shard, and rank 0 the model too
    // (each_rank_alone, its failed rank waiting as long as the others may write): a write that fails on one rank (a model
    // file rank 0 cannot rename, a full disk that one shard met) ends every rank at once with that rank's line, one that
    // fails on every rank alike each with its own. (rank0_writes_passed is the int sum any_rank_tell_failed meets)
    if (multi_gpu_config.zero_stage == 0) { rank0_alone(1); }
    else { each_rank_alone_within(1, multi_gpu_write_deadline(&multi_gpu_config, bytes)); }
    if (rank == 0) {
        snprintf(path, sizeof(path), "%s/model_%08d.bin", dir, s->step);
        mamba_save(model, path);
    }
    if (rank == 0 || multi_gpu_config.zero_stage == 1) {
        size_t offset, n;
        multi_gpu_shard(&multi_gpu_config, model->num_parameters, &offset, &n);
        float *m = (float *)callocCheck(n + 1, sizeof(float)), *v = (float *)callocCheck(n + 1, sizeof(float));
        if (model->m_memory != NULL) { // (else no update has run yet, every step so far skipped: the moments are zeros)
            cudaCheck(cudaMemcpy(m, model->m_memory, n * sizeof(float), cudaMemcpyDeviceToHost));
            cudaCheck(cudaMemcpy(v, model->v_memory, n * sizeof(float), cudaMemcpyDeviceToHost));
        }
        state_path(path, sizeof(path), dir, s->step);
        save_state_file(path, s, m, v, n);
        free(m);
        free(v);
    }
    each_rank_alone(0); // (either one off, on every rank)
    rank0_writes_passed(bytes);
    // the marker is rank 0's alone too, while the others would go on to the next step's collectives: a marker it cannot
    // write ends every rank at once
    rank0_alone(1);
    if (rank == 0) {
        remove_other_state_layouts(dir, s->step, state_shards());
        snprintf(path, sizeof(path), "%s/DONE_%08d", dir, s->step);
        AtomicFile af;
        atomic_open(&af, path);
        atomic_commit(&af);
        printf("checkpoint written: %s/model_%08d.bin\n", dir, s->step);
    }
    rank0_alone(0);
    rank0_checks_passed();
}

// -kb: the model of the lowest val loss so far (train_common.h, val_loss_is_new_best). Every rank holds the
// same record (rank 0's, from start-up on; the val loss is all ranks' sums all-reduced), so every rank comes
// here at the same steps; rank 0 writes the file
static void save_best_model(const char *dir, const Mamba *model, TrainState *s) {
    int crc = 0;
    check_replicas_agree(model, s->best_step, 0);
    rank0_alone(1);
    if (multi_gpu_config.process_rank == 0) {
        char path[1024];
        best_model_path(path, sizeof(path), dir);
        mamba_save(model, path);
        crc = (int)model_file_crc(path);
        printf("best val loss so far (step %d): %s written\n", s->best_step, path);
    }
    rank0_alone(0);
    rank0_writes_passed(4.0 * model->num_parameters); // (the others wait here while rank 0 writes)
    // every rank records the file's CRC (at -z 1 each writes it into its own state shard)
    s->best_crc = (uint32_t)multi_gpu_from_rank0(&multi_gpu_config, crc, main_stream, multi_gpu_config.timeout_s);
}

// mean loss over the val data's windows (all of them, or every process's first max_batches batches), and token
// accuracy. Returns 0 when a stop signal cut it short on any process (the same on every process; as evaluate_mc: the
// run stops after the batch in hand, not after the whole val set)
static int evaluate(Mamba *model, DataLoader *loader, int max_batches, float *loss, float *accuracy) {
    dataloader_reset(loader);
    size_t num_batches = eval_num_batches(loader, max_batches);
    double sum = 0.0;
    long correct = 0, valid = 0;
    size_t i = 0;
    for (; i < num_batches && stop_signal == 0; i++) {
        dataloader_next_batch(loader);
        mamba_forward(model, loader->inputs, loader->targets, (int)loader->B, (int)loader->T);
        sum += model->mean_loss;
        correct += model->num_correct;
        valid += model->num_valid;
        if (test_signals_in_evaluation) { test_signals_in_evaluation = 0; raise_test_signals(); }
    }
    // every rank saw its own windows of the val data, one batch more on the first ranks where the processes do not
    // divide the set's windows (dataloader.h, every_window): the loss is the sum over all ranks' batches by their
    // count, not a mean of the ranks' means (one process: its sum by its count, as ever). Every rank makes the same
    // five reductions whether or not a signal cut its part short (counts as doubles: exact, where an int overflows)
    int cut = multi_gpu_sum_int(&multi_gpu_config, i < num_batches, main_stream);
    double batches = multi_gpu_sum_double(&multi_gpu_config, (double)num_batches, main_stream);
    sum = multi_gpu_sum_double(&multi_gpu_config, sum, main_stream);
    correct = (long)multi_gpu_sum_double(&multi_gpu_config, (double)correct, main_stream);
    valid = (long)multi_gpu_sum_double(&multi_gpu_config, (double)valid, main_stream);
    *accuracy = valid > 0 ? (float)correct / valid : 0.0f;
    *loss = batches > 0 ? (float)(sum / batches) : 0.0f;
    return cut == 0;
}

// every process takes an even share of the examples; the counts are summed over the processes. Returns 0 when a
// stop signal cut it short on any process (nothing logged; the same on every process), else 1
static int evaluate_mc(Mamba *model, const MCEvalSet *mc, const Options *o, Logger *logger, int step) {
    mamba_ensure_activations(model, o->B, o->T); // allocated for training's shape first, if not yet
    int B, T, rank = multi_gpu_config.process_rank, world = multi_gpu_config.num_processes;
    mc_batch_shape(mc, o->B, o->T, SCAN_CHUNK, 65535, &B, &T);
    MCResult r = {0};
    double t0 = now_seconds();
    int cut = !evaluate_mc_range(model, mc, (int)((long)mc->num_examples * rank / world),
                                 (int)((long)mc->num_examples * (rank + 1) / world), B, T, &r, NULL, NULL);
    // every rank makes the same 9 reductions, whether or not a signal cut its share short
    cut = multi_gpu_sum_int(&multi_gpu_config, cut, main_stream);
    r.examples = multi_gpu_sum_int(&multi_gpu_config, r.examples, main_stream);
    r.correct_sum = multi_gpu_sum_int(&multi_gpu_config, r.correct_sum, main_stream);
    r.correct_mean = multi_gpu_sum_int(&multi_gpu_config, r.correct_mean, main_stream);
    r.nonfinite = multi_gpu_sum_int(&multi_gpu_config, r.nonfinite, main_stream);
    r.correct_char = multi_gpu_sum_int(&multi_gpu_config, r.correct_char, main_stream);
    r.cloze_examples = multi_gpu_sum_int(&multi_gpu_config, r.cloze_examples, main_stream);
    r.cloze_greedy = multi_gpu_sum_int(&multi_gpu_config, r.cloze_greedy, main_stream);
    r.cloze_loss = multi_gpu_sum_double(&multi_gpu_config, r.cloze_loss, main_stream);
    if (cut > 0) {
        printf("-mc evaluation stopped by a signal after %d of %d examples (not logged)\n", r.examples + r.cloze_examples, mc->num_examples);
        return 0;
    }
    report_mc(o->mc_eval_path, &r, mc->row_chars != NULL, now_seconds() - t0, logger, step);
    return 1;
}

/*
Loss over the shards of -es read as one sequence (its first token is context only). Chunks of up
to B*T tokens go through the forward as one row each (shape (1, B*T) fits the training
activations), every chunk starting from the state the one before left: each layer's last conv
inputs and SSM state (fp32). The result is that of one forward over the whole stream: no context
resets. With several processes every rank computes the whole stream (no communication, the same
wall time); only rank 0's output is seen (the others' stdout is /dev/null, their log NULL).
*/
static void evaluate_stream(Mamba *model, const Options *o, const Tokenizer *tokenizer, Logger *logger, int step) {
    const MambaConfig *c = &model->config;
    size_t n;
    int *tokens = load_token_stream(o->stream_eval_pattern, c->vocab_size, 2, &n);
    mamba_ensure_activations(model, o->B, o->T); // allocated for training's shape first, if not yet
    size_t conv_n = (size_t)c->n_layer * c->d_inner * c->d_conv, ssm_n = (size_t)c->n_layer * c->d_inner * c->d_state;
    cudaCheck(cudaMalloc((void **)&model->carry_conv_state, conv_n * sizeof(float)));
    cudaCheck(cudaMalloc((void **)&model->carry_ssm_state, ssm_n * sizeof(float)));
    cudaCheck(cudaMemset(model->carry_conv_state, 0, conv_n * sizeof(float)));
    cudaCheck(cudaMemset(model->carry_ssm_state, 0, ssm_n * sizeof(float)));
    size_t chunk = (size_t)o->B * o->T;
    double loss_sum = 0.0, t0 = now_seconds();
    for (size_t pos = 0; pos + 1 < n; pos += chunk) {
        int len = (int)(n - 1 - pos < chunk ? n - 1 - pos : chunk);
        mamba_forward(model, tokens + pos, tokens + pos + 1, 1, len);
        loss_sum += (double)model->mean_loss * model->num_valid;
    }
    cudaCheck(cudaFree(model->carry_conv_state));
    cudaCheck(cudaFree(model->carry_ssm_state));
    model->carry_conv_state = model->carry_ssm_state = NULL;
    report_stream_eval(o->stream_eval_pattern, loss_sum, tokens + 1, n - 1, tokenizer, now_seconds() - t0, logger, step);
    free(tokens);
}

/*
Generates gen_tokens tokens for each of the -gb (gen_batch) sequences in recurrent mode, after the
prompt (or a start token). One sequence streams as it goes; several print one after another at the end,
followed by the decode speed (tokens of all sequences per second, prompt excluded). Returns 0
when a stop signal cut it short (only in the training loop: elsewhere a signal ends the process), or,
with -x 0, stdout's reader left (stdout_reader_gone).
*/
static int sample(const Mamba *model, Tokenizer *tokenizer, const Options *o, uint64_t *rng) {
    int G = o->gen_batch, V = model->config.vocab_size, Vp = model->config.padded_vocab_size;
    RecurrentState st;
    recurrent_init(&st, &model->config, G);
    int n, echo; // the prompt's tokens (or a start token), the first echo of them printed before each sequence
    int *ids = sample_prompt_ids(tokenizer, o->prompt, V, &n, &echo);
    int *out = (int *)mallocCheck((size_t)G * (o->gen_tokens + 1) * sizeof(int));
    /*
    The steps are queued ahead of the host, up to GEN_AHEAD of them: step i's uniforms (one per sequence
    from the host RNG, in sequence order, as the host sampler draws them) and tokens go through slot
    i % GEN_AHEAD of two small pinned buffers, and the host waits for step i - GEN_AHEAD only to reuse its
    slot, copying its tokens out (and printing them when there is one sequence). The prompt's tokens go
    through a third ring of GEN_AHEAD slots in the same way, without copying the logits back, so the
    pinned memory is GEN_AHEAD x batch x 12 bytes whatever the prompt's and the generation's lengths.
    */
    const int T = o->gen_tokens, GEN_AHEAD = 8;
    int *feed, *drawn;
    float *coins;
    cudaCheck(cudaMallocHost((void **)&feed, (size_t)GEN_AHEAD * G * sizeof(int)));
    cudaCheck(cudaMallocHost((void **)&coins, (size_t)GEN_AHEAD * G * sizeof(float)));
    cudaCheck(cudaMallocHost((void **)&drawn, (size_t)GEN_AHEAD * G * sizeof(int)));
    cudaEvent_t step_done[GEN_AHEAD];
    for (int k = 0; k < GEN_AHEAD; k++) { cudaCheck(cudaEventCreateWithFlags(&step_done[k], cudaEventDisableTiming)); }
    printf("generating:\n---\n");
    hold_stop_note(); // (a stop signal's answer on stderr waits for the sample's end, not to land inside its text)
    for (int i = 0; i < n; i++) {
        if (i < echo && G == 1) { tokenizer_print(tokenizer, ids[i]); }
        int *slot_feed = feed + (size_t)(i % GEN_AHEAD) * G;
        if (i >= GEN_AHEAD) { cudaCheck(cudaEventSynchronize(step_done[i % GEN_AHEAD])); } // its copy to the device has run
        for (int g = 0; g < G; g++) { slot_feed[g] = ids[i]; }
        if (i < n - 1) {
            recurrent_feed(model, &st, slot_feed);
            cudaCheck(cudaEventRecord(step_done[i % GEN_AHEAD], main_stream));
        }
    }
    cudaCheck(cudaStreamSynchronize(main_stream)); // the prompt is not timed
    auto collect = [&](int i) { // step i has run: its tokens into out, printed as they come with one sequence
        const int *d = drawn + (size_t)(i % GEN_AHEAD) * G;
        for (int g = 0; g < G; g++) { out[(size_t)g * T + i] = d[g]; }
        if (G == 1) { print_sampled_token(tokenizer, d[0]); fflush(stdout); }
    };
    double t0 = now_seconds();
    int done = 0; // steps queued per sequence: T unless a stop signal came first
    for (; done < T && stop_signal == 0; done++) {
        if (o->max_steps == 0 && done % 16 == 0 && stdout_reader_gone()) { break; } // (-x 0: nobody reads the rest; a poll per 16)
        const int i = done, slot = i % GEN_AHEAD;
        if (i >= GEN_AHEAD) { // step i - GEN_AHEAD, the slot's last user, has run
            cudaCheck(cudaEventSynchronize(step_done[slot]));
            collect(i - GEN_AHEAD);
        }
        for (int g = 0; g < G; g++) { coins[(size_t)slot * G + g] = fminf((float)random_f64(rng), 0.99999994f); } // [0, 1) after rounding too
        if (i == 0) { recurrent_feed(model, &st, feed + (size_t)((n - 1) % GEN_AHEAD) * G); } else { recurrent_advance(model, &st); } // (tokens already on the device)
        sample_on_device(&st, V, Vp, o->temperature, o->top_k, o->top_p, coins + (size_t)slot * G, drawn + (size_t)slot * G);
        cudaCheck(cudaEventRecord(step_done[slot], main_stream));
        if (test_signals_in_sampling) { test_signals_in_sampling = 0; raise_test_signals(); }
    }
    cudaCheck(cudaStreamSynchronize(main_stream));
    for (int i = done > GEN_AHEAD ? done - GEN_AHEAD : 0; i < done; i++) { collect(i); }
    double seconds = now_seconds() - t0;
    for (int k = 0; k < GEN_AHEAD; k++) { cudaCheck(cudaEventDestroy(step_done[k])); }
    cudaCheck(cudaFreeHost(feed));
    cudaCheck(cudaFreeHost(coins));
    cudaCheck(cudaFreeHost(drawn));
    print_sample_end(tokenizer, ids, echo, out, G, T, done, seconds);
    release_stop_note();
    free(out);
    free(ids);
    recurrent_free(&st);
    return done == T;
}

// the model from -e (or from the checkpoint being resumed), and the training state to resume
static void setup_model(Mamba *model, const Options *o, TrainState *state, int *resumed) {
    *resumed = 0;
    memset(state, 0, sizeof(*state));
    state->rng = sampling_rng_from_seed(o->seed);
    state->best_step = -1;
    int latest = o->resume ? find_latest_checkpoint(o->output_dir) : -1;
    check_eval_checkpoint_found(o, latest);
    MambaConfig requested;
    int is_descriptor = config_from_descriptor(o->model, &requested);
    if (latest >= 0) {
        char path[1024];
        resume_note_set(o, latest);
        checkpoint_model_path(path, sizeof(path), o->output_dir, latest);
        mamba_build_from_checkpoint(model, path);
        resume_note_clear();
        check_resume_model(o, &model->config, path);
        size_t offset, n;
        multi_gpu_shard(&multi_gpu_config, model->num_parameters, &offset, &n);
        float *m = (float *)mallocCheck((n + 1) * sizeof(float)), *v = (float *)mallocCheck((n + 1) * sizeof(float));
        resume_note_set(o, latest);
        const int layout = state_layout(o->output_dir, latest);
        load_optimizer_state(o->output_dir, latest, layout, state, m, v, offset, n, model->num_parameters, state_shards(),
                             multi_gpu_config.process_rank == 0);
        resume_note_clear();
        state_record_path(path, sizeof(path), o->output_dir, latest, layout); // (named by the checks below)
        check_resume_batch(state, o, path);
        if (state->step != latest) { fatalf("%s: state of step %d, but its marker is DONE_%08d (corrupt)", path, state->step, latest); }
        if (o->max_steps != 0) { // (-x 0 evaluates and never updates or saves: the moments, read and checked, stay off the device)
            mamba_allocate_optimizer(model);
            cudaCheck(cudaMemcpy(model->m_memory, m, n * sizeof(float), cudaMemcpyHostToDevice));
            cudaCheck(cudaMemcpy(model->v_memory, v, n * sizeof(float), cudaMemcpyHostToDevice));
        }
        free(m);
        free(v);
        if (multi_gpu_config.process_rank == 0) { printf("resuming from step %d of %s\n", latest, o->output_dir); }
        // (main shares rank 0's record; a check of it that fails ends every rank: main's each_rank_alone)
        if (multi_gpu_config.process_rank == 0) { resume_best_model_record(state, o, 1); }
        resume_outlier_windows(state, o, multi_gpu_config.process_rank == 0); // (every rank: each holds the windows)
        if (multi_gpu_config.process_rank == 0) { note_changed_optimizer_flags(state, o); }
        *resumed = 1;
    } else if (is_descriptor) {
        if (o->resume) { printf("no complete checkpoint in %s: starting from scratch\n", o->output_dir); }
        mamba_init_random(model, &requested, (uint64_t)o->seed);
    } else if (hf_is_model_dir(o->model)) {
        mamba_build_from_hf(model, o->model);
    } else {
        mamba_build_from_checkpoint(model, o->model);
    }
    model->recompute = o->recompute;
    state->B = o->B;
    state->T = o->T;
    state->total_batch_size = o->total_batch_size;
    state->seed = o->seed;
    state_set_optimizer_flags(state, o);
}

// what a step's evaluations, sampling and checkpoint need of the run: its objects, its length and how it began
typedef struct {
    Mamba *model;
    const Options *o;
    TrainState *state;
    DataLoader *train_loader;
    DataLoader *val_loader;  // (NULL without -j)
    const MCEvalSet *mc;     // (NULL without -mc)
    Tokenizer *tokenizer;
    Logger *logger;
    const TestHooks *hooks;
    int train_num_batches;   // the run's last step
    int start_step;          // the step the loop began at: the checkpoint's, or 0
    int resumed_after_stop;  // resumed from a checkpoint that a signal wrote
    int due_at_stop;         // what was due at that step (due_at_step's bits)
} TrainLoop;

// A step's start (or the run's end): its val loss, -mc and sample where due, then its checkpoint. Returns 1 when a
// signal stops the run at this step (print_stopped has said how to go on), else 0; *saved: this step's checkpoint written
static int evaluate_sample_checkpoint(const TrainLoop *run, int step, int fresh_step, int *saved) {
    Mamba *model = run->model;
    const Options *o = run->o;
    TrainState *state = run->state;
    const TestHooks *hooks = run->hooks;
    DataLoader *train_loader = run->train_loader, *val_loader = run->val_loader;
    const MCEvalSet *mc = run->mc;
    Tokenizer *tokenizer = run->tokenizer;
    Logger *logger = run->logger;
    int train_num_batches = run->train_num_batches, start_step = run->start_step;
    // a signal asks for a checkpoint now: this iteration becomes the last one
    // (every rank stops together: a signal on any rank stops all of them)
    int stopping = multi_gpu_mean(&multi_gpu_config, stop_signal != 0 ? 1.0f : 0.0f, main_stream) > 0.0f;
    int last_step = step >= train_num_batches || stopping;
    *saved = 0;
    int due = fresh_step && !stopping ? due_at_step(o, step, last_step, val_loader != NULL, mc != NULL) : 0;
    if (due & DUE_VAL) {
        float val_loss, val_acc;
        test_signals_in_evaluation = step == hooks->sigterm_val_step;
        if (evaluate(model, val_loader, o->val_max_steps, &val_loss, &val_acc)) {
            report_val(logger, step, val_loss, val_acc);
            if (o->keep_best && val_loss_is_new_best(state, val_loss, step)) { save_best_model(o->output_dir, model, state); }
        } else { // a signal cut it short (on any rank): the run stops at this step, whose evaluation the resumed run does
            printf("val evaluation stopped by a signal (not logged)\n");
            stopping = last_step = 1;
        }
    }
    if ((due & DUE_MC) && !stopping) {
        // a signal that cut it short (on any rank: the ranks' cuts are summed) stops the run here, as at the loop's top:
        // the checkpoint says so, and the resumed run evaluates this step again (else its line would be missing)
        if (!evaluate_mc(model, mc, o, logger, step)) { stopping = last_step = 1; }
    }
    if ((due & DUE_SAMPLE) && !stopping) {
        // rank 0 samples; a stop signal that cut it short stops every rank at this step, as in an evaluation, and the
        // checkpoint keeps the RNG from before the sample, so the resumed run draws the same sample again
        uint64_t rng_before = state->rng;
        test_signals_in_sampling = step == hooks->sigterm_sample_step;
        int cut = multi_gpu_config.process_rank == 0 && !sample(model, tokenizer, o, &state->rng);
        if (multi_gpu_sum_int(&multi_gpu_config, cut, main_stream) > 0) {
            state->rng = rng_before;
            stopping = last_step = 1;
        }
    }
    if (fresh_step && o->output_dir != NULL && step > 0 &&
        ((o->checkpoint_every > 0 && step % o->checkpoint_every == 0) || last_step ||
         // (a run resumed after a stop saves that step again once its evaluations and sampling are done, so that a
         // later resume does not do them again; with nothing due there and the same data, the file would not change)
         (run->resumed_after_stop && step == start_step && (run->due_at_stop != 0 || o->resume != 1)))) {
        state_at_checkpoint(state, step, train_loader, train_num_batches, stopping);
        if (step == hooks->sigterm_save_step) { raise_test_signals(); }
        save_checkpoint(o->output_dir, model, state);
        if (multi_gpu_config.process_rank == 0) { prune_checkpoints(o->output_dir, o->checkpoints_keep); }
        *saved = 1;
    }
    // a signal during this step's evaluation, sampling or checkpoint, where the checkpoint just written holds all of
    // them: the run stops here rather than train another step and save again. At the last step it stops as at any
    // other, not going on to -hf and -es (after the loop), which the resumed run does; from there on a signal ends the
    // process at once, as after the loop (one that came before the collective below is heeded by it; every rank
    // comes here, since saved and last_step are alike on all of them)
    // (and at step 0 of a fresh run, which saves nothing: a signal during its evaluations stops the run there, with
    // nothing to save, as the answer to it said; one from here on comes while a step trains, and a checkpoint follows)
    if (last_step && !stopping) { stop_signal_deferred = 0; }
    stop_signal_before_training = 0;
    if ((last_step || *saved || step == 0) && !stopping && multi_gpu_mean(&multi_gpu_config, stop_signal != 0 ? 1.0f : 0.0f, main_stream) > 0.0f) { stopping = 1; }
    if (stopping) {
        char by[40]; // (rank 0, which prints, may have had no signal itself: another rank's stopped them all)
        if (stop_signal != 0) { snprintf(by, sizeof(by), "signal %d", (int)stop_signal); }
        else { snprintf(by, sizeof(by), "a signal to another process"); }
        // (a -y 2 run with no checkpoint of its own yet: -y 2 again)
        print_stopped(by, step, o->output_dir, o->resume == 2 && !fresh_step ? 2 : 1, o->resume);
        return 1;
    }
    return 0;
}

// returns 1 when a signal stopped the run, 0 when it ran to the end. With -o, the step it stopped at is then on disk
// (written now, or the checkpoint it resumed from), except at step 0 of a fresh run: nothing trained, nothing saved
static int train(Mamba *model, const Options *o, TrainState *state, int resumed, int train_num_batches,
                  DataLoader *train_loader, DataLoader *val_loader, const MCEvalSet *mc, Tokenizer *tokenizer, Logger *logger) {
    int B = o->B, T = o->T, world = multi_gpu_config.num_processes;
    int grad_accum_steps = o->total_batch_size / (B * T * world);
    LearningRateScheduler sched = {o->lr_schedule, o->learning_rate, o->warmup_iterations, train_num_batches, o->final_lr_frac,
                                    o->lr_decay_frac};
    printf("total batch size %d tokens = %d x %d x %d micro-step%s x %d process%s | %d step%s\n", o->total_batch_size, B, T,
           grad_accum_steps, plural_s(grad_accum_steps), world, world == 1 ? "" : "es", train_num_batches, plural_s(train_num_batches));
    const int nothing_left = resumed && state->step >= train_num_batches; // (its notes would speak of steps that never run)
    if (!nothing_left) {
        note_short_run(o, train_num_batches);
        note_outlier_window(o, state, train_num_batches);
    }
    if (resumed) {
        if (o->resume == 1) {
            dataloader_resume(train_loader, state->epoch, state->shard, resume_sample_index(state, train_loader));
        } else if (multi_gpu_config.process_rank == 0) {
            printf("resuming with -y 2: the train data is read from its start, not from where the checkpoint's run left it\n");
        }
        if (multi_gpu_config.process_rank == 0 && !nothing_left) { note_changed_run_length(state, train_num_batches); }
    }
    // a bad token id in a batch of data too large to check at start-up stops the run after its step (stop_on_bad_token;
    // set before -a 1's read below, whose batch is every step's: a bad id there is the first step's)
    train_loader->defer_bad_tokens = dataloader_checks_per_batch(train_loader);
    // -a 1: every micro-step of every step trains on one batch, this rank's last of the data's first step, read whole
    // (also after a resume, whose loader the checkpoint left past it), so the position checkpoints save is a step's
    // start, as a resume on another process count requires (check_resume_data)
    if (o->overfit_single_batch) {
        dataloader_reset(train_loader);
        for (int micro = 0; micro < grad_accum_steps; micro++) { dataloader_next_batch(train_loader); }
    }
    state_set_data(state, train_loader);

    int start_step = state->step;
    if (multi_gpu_config.process_rank == 0 && nothing_left) { print_nothing_to_train(o, state, train_num_batches, mc != NULL); }
    int resumed_after_stop = resumed && state->stopped;
    int due_at_stop = resumed_after_stop ? due_at_step(o, start_step, start_step >= train_num_batches, val_loader != NULL, mc != NULL) : 0;
    if (resumed_after_stop && multi_gpu_config.process_rank == 0) { print_resumed_after_stop(start_step, due_at_stop, state->stopped); }
    if (resumed_after_stop && state->stopped == 2) { state->consecutive_skips = 0; } // (-ms stopped it: -ms skips again)
    stop_signal_before_training = start_step == 0;
    double timed_ms = 0.0;
    int timed_steps = 0;
    const TestHooks hooks = test_hooks_from_env();
    const TrainLoop run = {.model = model, .o = o, .state = state, .train_loader = train_loader, .val_loader = val_loader,
                           .mc = mc, .tokenizer = tokenizer, .logger = logger, .hooks = &hooks,
                           .train_num_batches = train_num_batches, .start_step = start_step,
                           .resumed_after_stop = resumed_after_stop, .due_at_stop = due_at_stop};
    if (resumed && getenv("MAMBA_TEST_SIGTERM_AT_RESUME") != NULL) { raise(SIGTERM); } // test hook: before any step trains
    // (a checkpoint at or past the run's end still gets this one pass: after a stop, its step's evaluation and sampling)
    for (int step = start_step; step <= train_num_batches || step == start_step; step++) {
        // a resumed run already evaluated, sampled and saved at the step it resumes from: doing it again would
        // consume the sampling RNG twice and break bitwise resume. Unless a signal stopped it there: then it
        // saved before that step's evaluation and sampling, and the resumed run does them (and saves again)
        int fresh_step = !(resumed && step == start_step && !resumed_after_stop);
        int saved; // (this step's checkpoint written)
        if (evaluate_sample_checkpoint(&run, step, fresh_step, &saved)) {
            return 1;
        }
        if (step >= train_num_batches) { // (a step that a signal made the last one returned above)
            if (timed_steps > 0) {
                const double tps = o->total_batch_size / (timed_ms / timed_steps / 1000.0);
                char mfu[32];
                printf("average over %d step%s: %.2f ms/step, %.0f tok/s%s\n", timed_steps, plural_s(timed_steps), timed_ms / timed_steps, tps,
                       mfu_text(mfu, sizeof(mfu), model->num_parameters, tps));
            }
            if (use_cuda_graphs) {
                printf("CUDA graphs: %ld forward and %ld backward launches\n", model->fwd_graph.launches, model->bwd_graph.launches);
            }
            break;
        }

        double t0 = now_seconds();
        mamba_zero_grad(model);
        double loss = 0.0;
        const DataPosition step_start = data_position(train_loader);
        for (int micro = 0; micro < grad_accum_steps; micro++) {
            if (!o->overfit_single_batch) { dataloader_next_batch(train_loader); }
            mamba_forward(model, train_loader->inputs, train_loader->targets, B, T);
            // several processes at -z 0: the last micro-step averages each layer's gradients as it finishes
            model->reduce_in_backward = multi_gpu_overlaps(&multi_gpu_config) && micro == grad_accum_steps - 1;
            mamba_backward(model, 1.0f / grad_accum_steps);
            model->reduce_in_backward = 0;
            loss += model->mean_loss;
        }
        loss /= grad_accum_steps;
        if (!multi_gpu_overlaps(&multi_gpu_config)) { // -z 1: reduce-scatter after the backward
            multi_gpu_reduce_gradients(&multi_gpu_config, model->grads_memory, model->num_parameters, main_stream);
        }
        loss = multi_gpu_mean(&multi_gpu_config, (float)loss, main_stream);
        if (train_loader->defer_bad_tokens &&
            multi_gpu_sum_int(&multi_gpu_config, train_loader->bad_token_error[0] != '\0', main_stream) > 0) { // (every rank, together)
            int on_disk = saved || !fresh_step;
            if (!on_disk && o->output_dir != NULL && step > 0) {
                dataloader_resume(train_loader, step_start.epoch, step_start.shard, step_start.sample);
                state_at_checkpoint(state, step, train_loader, train_num_batches, 0);
                save_checkpoint(o->output_dir, model, state);
                if (multi_gpu_config.process_rank == 0) { prune_checkpoints(o->output_dir, o->checkpoints_keep); }
                on_disk = 1;
            }
            stop_on_bad_token(train_loader, multi_gpu_config.process_rank, step, on_disk ? (o->resume == 2 && !fresh_step ? 2 : 1) : 0, o->resume);
        }
        if (step + 1 == hooks.inject_nan_step) { mamba_inject_gradient(model, hooks.inject_value); }
        float norm = mamba_grad_norm(model);
        float grad_scale = (o->grad_clip > 0.0f && norm > o->grad_clip) ? o->grad_clip / norm : 1.0f;
        float lr = get_learning_rate(&sched, step);
        const int skipped = skip_update(o, state, logger, step, train_num_batches, loss, norm);
        if (!skipped) {
            mamba_update(model, lr, ADAMW_BETA1, ADAMW_BETA2, ADAMW_EPS, o->weight_decay, grad_scale,
                         step + 1 - state->skipped_updates);
        }
        multi_gpu_wait(&multi_gpu_config, main_stream, "the optimizer step");
        test_perturb_weights(model, step + 1);
        double ms = (now_seconds() - t0) * 1000.0;
        const double tps = o->total_batch_size / (ms / 1000.0);
        char mfu[32], eta[32];
        printf("step %4d/%d | loss %.6f | norm %.4f | lr %.2e | %.2f ms | %s | %.0f tok/s%s\n", step + 1, train_num_batches, loss,
               norm, lr, ms, eta_text(eta, sizeof(eta), timed_ms, timed_steps, ms, train_num_batches - step - 1), tps,
               mfu_text(mfu, sizeof(mfu), model->num_parameters, tps));
        logger_log_train(logger, step + 1, (float)loss, lr, norm);
        state->step = step + 1;
        if (skipped == 2) { // the -ms-th skip in a row: the step is saved (its weights are the last update's), and the run ends
            if (o->output_dir != NULL) { // (older checkpoints are not pruned: one from before these steps may be wanted)
                state_at_checkpoint(state, step + 1, train_loader, train_num_batches, 2);
                save_checkpoint(o->output_dir, model, state);
            }
            stop_on_skips(state, step + 1, step + 1 == train_num_batches, o->output_dir != NULL, o->resume, multi_gpu_config.process_rank);
        }
        if (step + 1 == hooks.sigterm_step) { raise_test_signals(); }
        if (step >= start_step + 2) { timed_ms += ms; timed_steps++; } // the first steps include warm-up
        if (step == start_step) {
            size_t free_b, total_b;
            cudaCheck(cudaMemGetInfo(&free_b, &total_b));
            printf("device memory: model+optimizer+activations %.2f GiB allocated, %.2f GiB in use on the device\n",
                   model->device_bytes / 1073741824.0, (total_b - free_b) / 1073741824.0);
        }
    }
    return 0;
}

// Shapes the batched GPU kernels (scan, conv) cannot run, refused at start-up rather than at the first
// forward (after -o was made), in the runs that have one (forward_will_run): generation alone runs the recurrent
// kernels, which take any shape, and an -hf export alone runs none.
static void check_gpu_shapes(const MambaConfig *c, int B) {
    const char *why = c->d_inner % 8 != 0                                     ? "d_inner must be a multiple of 8"
                      : !(c->d_state == 8 || c->d_state == 16 || c->d_state == 32) ? "the state size N must be 8, 16 or 32"
                      : c->d_conv < 2 || c->d_conv > 8                          ? "the conv width must be 2..8"
                                                                               : NULL;
    if (why != NULL) {
        fatalf("model (d_inner %d, N %d, conv %d) is not supported by the GPU trainer's kernels: %s (train_mamba on the "
               "CPU takes it; generation or an -hf export alone, -x 0 -p or -x 0 -hf, works here)", c->d_inner, c->d_state, c->d_conv, why);
    }
    if (B > 65535) { fatalf("-b %d: the GPU kernels take at most 65535 sequences per batch", B); }
}

// every run ends with -hf, then -es (a run a signal stopped: no -es, and no -hf where -o holds its checkpoint)
static void finish_run(Mamba *model, const Options *o, const Tokenizer *tokenizer, Logger *logger, int step, int stopped) {
    int rank = multi_gpu_config.process_rank;
    if (o->hf_export_dir != NULL && rank == 0 && stopped && o->output_dir != NULL) { // not the final model (how to go on: print_stopped's line)
        printf("note: stopped by a signal: -hf %s is not written; the run that finishes the training writes it\n", o->hf_export_dir);
    } else if (o->hf_export_dir != NULL && rank == 0) {
        export_hf(model, o, tokenizer);
    }
    if (o->stream_eval_pattern != NULL && !stopped) { evaluate_stream(model, o, tokenizer, logger, step); }
    if (stopped && rank == 0) { note_stream_eval_skipped(o); }
}

// -x 0: generation with a prompt, else evaluation (the val loss where the run reads val data, -mc); then finish_run
static void run_without_training(Mamba *model, const Options *o, const TrainState *state, Tokenizer *tokenizer,
                                 const MCEvalSet *mc, DataLoader *val_loader) {
    Logger no_log = {NULL};
    if (o->prompt != NULL) {
        // generation only: -x 0 with a prompt, from -sd's RNG (as from a model file): not a checkpoint's (-y), which
        // -sd, taken there at any value, then did not change
        uint64_t rng = sampling_rng_from_seed(o->seed);
        if (mc != NULL) { // before rank 0's generation: the other ranks would wait for it in the sums, under -pt
            evaluate_mc(model, mc, o, &no_log, state->step);
        }
        if (multi_gpu_config.process_rank == 0) { sample(model, tokenizer, o, &rng); }
    } else {
        // evaluation only
        if (val_loader != NULL) {
            float val_loss, val_acc;
            evaluate(model, val_loader, o->val_max_steps, &val_loss, &val_acc); // (no signal is deferred here: nothing cuts it)
            printf("val batches %zu\n", eval_windows_of(val_loader, o->val_max_steps)); // (over all processes)
            printf("val loss %f\nval accuracy %f\n", val_loss, val_acc);
        }
        if (mc != NULL) { evaluate_mc(model, mc, o, &no_log, state->step); }
    }
    finish_run(model, o, tokenizer, &no_log, state->step, 0);
}

// -x other than 0: the train data, -o and its log, the training loop (train), then finish_run
static void run_training(Mamba *model, const Options *o, TrainState *state, int resumed, Tokenizer *tokenizer,
                         const MCEvalSet *mc, DataLoader *val_loader, int argc, char **argv) {
    int rank = multi_gpu_config.process_rank, world = multi_gpu_config.num_processes; // (-d: resolve_total_batch_size)
    DataLoader train_loader;
    each_rank_alone(1); // (each rank reads the train shards: main's each_rank_alone for the val shards)
    check_default_data(o->train_data_pattern, model->config.vocab_size);
    dataloader_init(&train_loader, o->train_data_pattern, o->B, o->T, rank, world, o->shuffle, (unsigned long long)o->seed,
                    model->config.vocab_size);
    dataloader_set_step_windows(&train_loader, (size_t)o->total_batch_size / ((size_t)o->B * o->T)); // whole steps per shard
    if (val_loader != NULL && rank == 0) { note_val_in_train(&train_loader, val_loader); }
    if (rank == 0) { note_stream_in_train(&train_loader, o->stream_eval_pattern); }
    if (resumed && o->resume == 1) { check_resume_data(state, &train_loader, o->output_dir); } // before the log is touched
    int num_steps = run_num_steps(o, &train_loader);
    check_epoch_on_new_data(o, state, resumed, num_steps);
    each_rank_alone(0);
    every_rank_checks_passed();
    // rank 0 makes -o and holds it for the run; with ZeRO-1 every rank writes its optimizer shard there, after
    // rank0_checks_passed below (the barrier). From its making to the log's opening rank 0 is alone (rank0_alone): an -o it
    // cannot make or lock (a .lock it cannot open), one another run holds, or an error in its first writes there ends
    // every rank at once
    if (o->output_dir != NULL && rank == 0) {
        rank0_alone(1);
        if (!make_and_lock_output_dir(o->output_dir)) { fatalf(OUTPUT_DIR_BUSY, o->output_dir, o->output_dir); }
        remove_stale_tmp_files(o->output_dir);
        record_command(o->output_dir, argc, argv, state->step);
        save_run_tokenizer(o->output_dir, model->config.vocab_size, o->model, o->tokenizer_path);
    }
    Logger logger;
    // (a finished run started again runs -es at its last step again: its line there goes, as its val lines after a stop)
    logger_init(&logger, rank == 0 ? o->output_dir : NULL, resumed, state->step, (resumed && state->stopped ? LOG_REDO_EVALS : 0) |
                (resumed && state->step >= num_steps && o->stream_eval_pattern != NULL ? LOG_REDO_STREAM : 0));
    rank0_alone(0);
    rank0_checks_passed();
    announce_stop_signals(o->output_dir, rank == 0);
    stop_signal_deferred = 1;
    int stopped = train(model, o, state, resumed, num_steps, &train_loader, val_loader, mc, tokenizer, &logger);
    stop_signal_deferred = 0;
    if (o->keep_best && state->best_step >= 0 && rank == 0) {
        printf("best val loss %f at step %d: %s/model_best.bin\n", state->best_val_loss, state->best_step, o->output_dir);
    }
    finish_run(model, o, tokenizer, &logger, state->step, stopped);
    logger_free(&logger);
    dataloader_free(&train_loader);
}

int main(int argc, char **argv) {
    keep_std_fds_open();
    Options o;
    parse_options(&o, argc, argv);
    install_signal_handlers();
    // the flags' checks that need the process count come before the GPU and the rendezvous: every rank refuses at once
    int num_processes, process_rank;
    process_count_and_rank(&o, &num_processes, &process_rank);
    resolve_total_batch_size(&o, num_processes);
    multi_gpu_config = multi_gpu_config_init(num_processes, process_rank, o.local_rank, o.init_method, o.init_path,
                                             o.init_server, o.zero_stage, o.nccl_timeout);
    device_init(multi_gpu_config.local_device_idx);
    use_cuda_graphs = o.cuda_graphs;
    int rank = multi_gpu_config.process_rank;
    // rank 0 speaks for all; errors still reach stderr
    if (rank != 0 && freopen("/dev/null", "w", stdout) == NULL) { fatalf("cannot silence stdout of rank %d", rank); }
    // -nt is the CPU trainer's OpenMP threads; this program runs no OpenMP (it is built without it: its host work is one
    // thread's), so -nt, taken so that one command line runs on either trainer, is said to do nothing here, as the CPU
    // trainer says of the GPU flags (note_gpu_flags); it went unsaid
    if (o.num_threads_given) { printf("note: no effect on the GPU trainer (a flag of train_mamba, its OpenMP threads): -nt %d\n", o.num_threads); }
    // -o is checked now and created only once every start-up check has passed: an early error leaves no empty directory
    // (-x 0 writes nothing there: it reads the checkpoint -y names, from a directory that may be read-only)
    rank0_alone(1);
    if (o.output_dir != NULL && o.max_steps != 0 && rank == 0) { check_output_dir_writable(&o); }
    if (o.hf_export_dir != NULL && rank == 0) { check_dir_creatable(o.hf_export_dir, "-hf"); } // (rank 0 exports, after training)
    rank0_alone(0);
    rank0_checks_passed(); // (now, before every rank reads the model: a rank 0 whose check failed would wait for that
                           // in its collective, which every_rank_checks_passed, after setup_model, would be)

    Mamba model;
    TrainState state;
    int resumed;
    each_rank_alone(1); // (each rank reads its part of a checkpoint: at -z 1 its shard of the optimizer state)
    setup_model(&model, &o, &state, &resumed);
    each_rank_alone(0);
    every_rank_checks_passed();
    // every rank lists -o itself: one that found another checkpoint (a node-local -o, a stale directory
    // cache) would train other steps, and its collectives would not match the others'
    if (!multi_gpu_all_equal(&multi_gpu_config, resumed ? state.step : -1, main_stream)) {
        fatalf("rank %d: %s, but not every rank found the same checkpoint in %s (is it on a filesystem every rank sees?)", rank,
               resumed ? "resuming" : "no checkpoint to resume", o.output_dir != NULL ? o.output_dir : "-o");
    }
    test_perturb_weights(&model, 0);
    check_replicas_agree(&model, state.step, resumed ? 1 : 2);
    // rank 0's best-model record (-kb) on every rank, checked against model_best.bin by rank 0 alone: a rank with
    // another record would decide differently whether to enter save_best_model's collective
    int best_loss_bits;
    memcpy(&best_loss_bits, &state.best_val_loss, sizeof(int));
    state.best_step = multi_gpu_from_rank0(&multi_gpu_config, state.best_step, main_stream, multi_gpu_config.timeout_s);
    best_loss_bits = multi_gpu_from_rank0(&multi_gpu_config, best_loss_bits, main_stream, multi_gpu_config.timeout_s);
    memcpy(&state.best_val_loss, &best_loss_bits, sizeof(int));
    state.best_crc = (uint32_t)multi_gpu_from_rank0(&multi_gpu_config, (int)state.best_crc, main_stream, multi_gpu_config.timeout_s);
    // and its stop flag: at -z 1 a kill during the re-save of a stopped step can leave the shards disagreeing,
    // and a rank that evaluates while the others train would not meet them in the same collectives
    state.stopped = multi_gpu_from_rank0(&multi_gpu_config, state.stopped, main_stream, multi_gpu_config.timeout_s);
    if (o.hf_export_dir != NULL) { hf_check_exportable(&model.config, o.hf_export_dir); } // (the same on every rank)
    if (forward_will_run(&o)) { check_gpu_shapes(&model.config, o.B); }
    config_print(&model.config, model.num_parameters);
    cudaDeviceProp prop;
    cudaCheck(cudaGetDeviceProperties(&prop, multi_gpu_config.local_device_idx));
    printf("| device                | %s x %d process(es), %s compute, recompute -r %d, ZeRO-%d, CUDA graphs %s\n", prop.name,
           multi_gpu_config.num_processes, PRECISION_MODE, o.recompute, multi_gpu_config.zero_stage, o.cuda_graphs ? "on" : "off");
    mfu_peak_flops = bf16_peak_tflops(prop.name) * 1e12 * multi_gpu_config.num_processes;

    // only rank 0 samples and prints, so only rank 0 reads the tokenizer: a run over several nodes needs
    // the tokenizer file (and a prompt that it can encode) on rank 0's node alone
    Tokenizer tokenizer;
    if (rank == 0) {
        rank0_alone(1);
        resume_run_tokenizer(&o, model.config.vocab_size, resumed, state.step); // (the run's own, kept in -o)
        tokenizer_for_model(&tokenizer, model.config.vocab_size, o.model, o.tokenizer_path, sample_will_run(&o) ? o.prompt : NULL);
        // (rank 0 exports: the tokenizer.json -hf ships)
        if (o.hf_export_dir != NULL) { hf_check_export_tokenizer(model.config.vocab_size, o.model, o.tokenizer_path); }
        check_sampling_before_training(&o, &tokenizer, model.config.vocab_size);
        rank0_alone(0);
    } else {
        tokenizer_init_none(&tokenizer);
    }
    rank0_checks_passed();
    // what every rank reads and checks on its own before training (-mc, the val shards; run_training: the train shards),
    // between each_rank_alone(1) and (0): files that one node lacks or holds otherwise end every rank at once with that
    // rank's line (the others went on to their next collective and waited there -pt seconds)
    each_rank_alone(1);
    check_run_before_training(&o, model.config.vocab_size, resumed, rank == 0);
    MCEvalSet mc; // -mc: read and checked now, before -o is made (every process reads it: each takes a share)
    if (o.mc_eval_path != NULL) {
        mc_load(&mc, o.mc_eval_path, model.config.vocab_size, o.T);
        int mc_rows, mc_t; // (an example with more completions than an evaluation batch has rows is an error now)
        mc_batch_shape(&mc, o.B, o.T, SCAN_CHUNK, 65535, &mc_rows, &mc_t);
    }
    each_rank_alone(0);
    every_rank_checks_passed();
    if (o.mc_eval_path != NULL) {
        // the per-character choice's lengths come from rank 0's tokenizer (the only one read) to every rank
        int per_char = rank == 0 && mc_chars_from_tokenizer(&mc, &tokenizer, o.mc_eval_path);
        per_char = multi_gpu_from_rank0(&multi_gpu_config, per_char, main_stream, multi_gpu_config.timeout_s);
        if (per_char && rank != 0) { mc.row_chars = (int *)mallocCheck((size_t)mc.total_rows * sizeof(int)); }
        if (per_char) { multi_gpu_ints_from_rank0(&multi_gpu_config, mc.row_chars, (size_t)mc.total_rows, main_stream); }
    }

    int world = multi_gpu_config.num_processes;
    dataloader_hooks_from_env();
    DataLoader val_loader; // read by -x 0's evaluation and by training's every -v steps; -v 0 needs no val shards
    int use_val = o.max_steps == 0 ? eval_only_reads_val(&o) : o.val_loss_every > 0;
    if (use_val) {
        each_rank_alone(1);
        check_default_data(o.val_data_pattern, model.config.vocab_size);
        dataloader_init_eval(&val_loader, o.val_data_pattern, o.B, o.T, rank, world, model.config.vocab_size);
        prepare_val_loader(&val_loader, o.val_max_steps, world);
        each_rank_alone(0);
        every_rank_checks_passed();
    }
    const MCEvalSet *eval_set = o.mc_eval_path != NULL ? &mc : NULL;
    if (o.max_steps == 0) {
        run_without_training(&model, &o, &state, &tokenizer, eval_set, use_val ? &val_loader : NULL);
    } else {
        run_training(&model, &o, &state, resumed, &tokenizer, eval_set, use_val ? &val_loader : NULL, argc, argv);
    }
    if (use_val) { dataloader_free(&val_loader); }
    tokenizer_free(&tokenizer);
    if (o.mc_eval_path != NULL) { mc_free(&mc); }
    mamba_free(&model);
    options_free(&o);
    multi_gpu_config_free(&multi_gpu_config);
    return 0;
}
#endif // TESTING
