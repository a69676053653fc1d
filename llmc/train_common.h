/*
What train_mamba.c and train_mamba.cu share outside the model: the command-line options (one
parser, one help text, so both programs take the same flags), the training state file, finding
the newest complete checkpoint, sampling from logits, and a wall clock.
*/
#ifndef TRAIN_COMMON_H
#define TRAIN_COMMON_H

#include <ctype.h>
#include <dirent.h>
#include <glob.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include "utils.h"
#include "rand.h"
#include "model_config.h"
#include "schedulers.h"
#include "logger.h"
#include "hf_io.h"
#include "../tokenizer.h"
#include "../dataloader.h"
#include "mc_eval.h"

typedef struct {
    const char *train_data_pattern; // -i
    const char *val_data_pattern;   // -j
    const char *model;              // -e descriptor, preset or model file
    const char *output_dir;         // -o
    const char *tokenizer_path;     // -tk (models with more than 256 tokens)
    const char *hf_export_dir;      // -hf write the final model as a transformers directory
    const char *prompt;             // -p text that samples continue (NULL: start from end-of-text / newline)
    const char *stream_eval_pattern; // -es shards evaluated as one stream, state carried across chunks (NULL: none)
    const char *mc_eval_path;       // -mc multiple-choice eval file (llm.c's format, e.g. HellaSwag; NULL: none)
    int B;                          // -b
    int T;                          // -t
    int total_batch_size;           // -d tokens per step (-1: B*T*processes, resolve_total_batch_size)
    int max_steps;                  // -x (-1: one epoch of the training data; 0: evaluate only)
    float learning_rate;            // -l
    int warmup_iterations;          // -u
    float final_lr_frac;            // -q
    const char *lr_schedule;        // -k
    float lr_decay_frac;            // -kd (wsd: the fraction of the steps in the final decay)
    float weight_decay;             // -c
    float grad_clip;                // -gc
    int val_loss_every;             // -v
    int val_max_steps;              // -m (-1: all val data, every window once over all processes)
    int sample_every;               // -s
    int gen_tokens;                 // -g
    float temperature;              // -tp
    int top_k;                      // -gk sample from the k most likely tokens (0: all)
    float top_p;                    // -gp ... and from the fewest likeliest whose probabilities sum to >= top_p (1: all)
    int gen_batch;                  // -gb sequences generated together
    int checkpoint_every;           // -n
    int resume;                     // -y
    int shuffle;                    // -sh
    int seed;                       // -sd
    int overfit_single_batch;       // -a
    int checkpoints_keep;           // -nk (0: keep all)
    int keep_best;                  // -kb keep the model of the lowest val loss as <-o>/model_best.bin
    float skip_loss_z;              // -sl skip the update when the loss z-score exceeds this (0: off)
    float skip_norm_z;              // -sg same for the gradient norm
    int max_skips;                  // -ms consecutive skipped updates before the run stops
    int num_threads;                // -nt (0: OpenMP's default; CPU trainer)
    int recompute;                  // -r (GPU trainer: 0 none, 1 conv+SiLU output and scan states between checkpoints every 32 steps, 2 also delta, the RMSNorm and the scan outputs)
    int zero_stage;                 // -z (GPU trainer, several GPUs: 0 plain data parallel, 1 shard the optimizer)
    int cuda_graphs;                // -cg (GPU trainer: replay each forward / backward as a CUDA graph)
    int num_processes;              // -pn (0: from the environment, else 1)
    int process_rank;               // -pr (-1: from the environment)
    int local_rank;                 // -pl GPU index on this node (-1: from the environment or rank % GPUs)
    const char *init_method;        // -pi fs | tcp: how the NCCL id reaches the other ranks
    const char *init_path;          // -pf fs: shared file for the NCCL id
    const char *init_server;        // -ps tcp: host:port of rank 0
    int nccl_timeout;               // -pt seconds without progress before a rank gives up
    int val_named;                  // -j was given (so -x 0 evaluates it even with -es, -mc or -hf: eval_only_reads_val)
    int gpu_flags_given;            // which of the GPU trainer's -r, -cg, -pt, -pl, -pi, -pf, -ps were given (GIVEN_* bits): the CPU trainer notes them
    int sample_flags_given;         // which of -g (past 0), -tp, -gk, -gp, -gb, -s (past 0) were given (bits of SAMPLE_FLAGS): noted
                                    // where nothing is sampled (-x 0 without a prompt, training with -g 0)
    int train_flags_given;          // which of TRAIN_FLAGS were given: -x 0, which trains nothing, notes them
    int val_max_given;              // -m was given: -x 0 notes it where it runs no -j evaluation
    int num_threads_given;          // -nt was given: the GPU trainer, which runs no OpenMP, notes it
    // the values parse_options allocated, which the Options own (options_free; NULL: none): -o's and -hf's without
    // their trailing slashes, -gf's prompt
    char *output_dir_owned, *hf_export_dir_owned, *prompt_owned;
} Options;
static const char *const SAMPLE_FLAGS[] = {"-g", "-tp", "-gk", "-gp", "-gb", "-s"};
// flags only training reads (-i first: -x 0 evaluates -j's val shards, not -i's, and says so; -s, samples every n
// training steps, is one too, and not one of the sampling flags -x 0's own note names)
static const char *const TRAIN_FLAGS[] = {"-i", "-d", "-l", "-u", "-q", "-k", "-kd", "-c", "-gc", "-n", "-sh", "-nk", "-sl", "-sg",
                                          "-ms", "-a", "-s"};
enum { SAMPLE_FLAG_S = 5 }; // -s in SAMPLE_FLAGS
enum { SAMPLE_CHOICE_FLAGS = 1 << 1 | 1 << 2 | 1 << 3 }; // -tp, -gk, -gp in SAMPLE_FLAGS: they choose the sampled tokens
enum { GIVEN_RECOMPUTE = 1, GIVEN_CUDA_GRAPHS = 2, GIVEN_NCCL_TIMEOUT = 4, GIVEN_LOCAL_RANK = 8, GIVEN_INIT_METHOD = 16,
       GIVEN_INIT_PATH = 32, GIVEN_INIT_SERVER = 64 };

static const Options DEFAULT_OPTIONS = {
    .train_data_pattern = "dev/data/tinyshakespeare/tiny_shakespeare_train.bin",
    .val_data_pattern = "dev/data/tinyshakespeare/tiny_shakespeare_val.bin",
    .model = "d128:l4:v256",
    .output_dir = NULL,
    .tokenizer_path = "gpt2_tokenizer.bin",
    .hf_export_dir = NULL,
    .prompt = NULL,
    .stream_eval_pattern = NULL,
    .mc_eval_path = NULL,
    .B = 16, .T = 128, .total_batch_size = -1, .max_steps = -1,
    .learning_rate = 2e-3f, .warmup_iterations = 20, .final_lr_frac = 0.1f, .lr_schedule = "cosine", .lr_decay_frac = 0.2f,
    .weight_decay = 0.1f, .grad_clip = 1.0f,
    .val_loss_every = 100, .val_max_steps = 20, .sample_every = 0, .gen_tokens = 256, .temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .gen_batch = 1,
    .checkpoint_every = 0, .resume = 0, .shuffle = 1, .seed = 1337, .overfit_single_batch = 0,
    .checkpoints_keep = 0, .keep_best = 0, .skip_loss_z = 0.0f, .skip_norm_z = 0.0f, .max_skips = 10, .num_threads = 0, .recompute = 1,
    .zero_stage = 0, .cuda_graphs = 1, .num_processes = 0, .process_rank = -1, .local_rank = -1, .init_method = "fs",
    .init_path = "/tmp/mamba_nccl_id", .init_server = "127.0.0.1:29517", .nccl_timeout = 300,
};

static inline void print_usage(const char *program) {
    const Options *d = &DEFAULT_OPTIONS;
    printf("Usage:   %s [options]\n", program);
    printf("Options:\n");
    printf("  -i <string> train data: token shards, a filename pattern (quoted: 'data/*_train_*.bin'), or a synthetic\n"
           "              task, synth:copy or synth:induction (default %s)\n", d->train_data_pattern);
    printf("  -j <string> val data: token shards, a filename pattern, or synth:copy or synth:induction, the task's val set\n"
           "              (default %s)\n", d->val_data_pattern);
    printf("  -e <string> model: descriptor d<C>:l<L>:v<V>[:n<N>:e<expand>:k<K>:r<R>:s<0|1>], preset\n");
    printf("              mamba-130m|370m|790m|1.4b|2.8b, a model file, or a transformers / mamba_ssm\n");
    printf("              directory with config.json + model.safetensors or pytorch_model.bin (default %s)\n", d->model);
    printf("  -hf <string> at the end, write the model as a transformers dir (config.json + model.safetensors)\n"
           "              (default none)\n");
    printf("  -o <string> output dir for main.log and checkpoints (default none)\n");
    printf("  -tk <string> tokenizer for models with V > 256: llm.c .bin or tokenizer.json; an -e directory's\n");
    printf("              own tokenizer.json (or the one beside an -e model file: -o keeps the run's, which -y reads,\n");
    printf("              refusing a -tk of another tokenizer: a tokenizer.json of other contents, a .bin of other\n");
    printf("              tokens) is used when present; a file -tk names must open, only the default may be missing\n");
    printf("              (samples then print as token ids) (default %s)\n", d->tokenizer_path);
    printf("  -es <string> after training (with -x 0: after the -j evaluation, if -j is given, or -p generation): loss, bits per\n");
    printf("              token / byte over these shards read as one stream, chunks of B*T, state carried (default none)\n");
    printf("  -mc <string> multiple-choice eval file (llm.c's format, e.g. HellaSwag, or our version 2 for WinoGrande:\n");
    printf("              dev/data/tokenize -c): accuracy by mean, summed and per-character loss; examples of one\n");
    printf("              completion (LAMBADA) as clozes: greedy accuracy and perplexity; with every val evaluation,\n");
    printf("              at the end (also with -v 0) and with -x 0 (default none)\n");
    printf("              (-x 0 with -es, -mc or -hf and no -j skips the -j evaluation: -x 0 -hf <dir> converts)\n");
    printf("  -b <int>    micro-batch size B (default %d)\n", d->B);
    printf("  -t <int>    sequence length T (default %d)\n", d->T);
    printf("  -d <int>    total batch size in tokens, a multiple of B*T*processes; -1 = B*T*processes, no accumulation (default %d)\n", d->total_batch_size);
    printf("  -x <int>    max steps; -1 = one epoch of the train data; 0 = evaluate only (-j's val shards, -es, -mc) (default %d)\n", d->max_steps);
    printf("  -l <float>  peak learning rate (default %g)\n", d->learning_rate);
    printf("  -u <int>    warmup steps (default %d)\n", d->warmup_iterations);
    printf("  -q <float>  final learning rate as a fraction of the peak (default %g)\n", d->final_lr_frac);
    printf("  -k <string> schedule: cosine|linear|constant|wsd (warmup, constant, then a linear decay) (default %s)\n", d->lr_schedule);
    printf("  -kd <float> wsd: the fraction of the steps in the final decay (default %g)\n", d->lr_decay_frac);
    printf("  -c <float>  weight decay on weight matrices (default %g)\n", d->weight_decay);
    printf("  -gc <float> gradient clipping by global norm; 0 = off (default %g)\n", d->grad_clip);
    printf("  -v <int>    val loss every n steps; 0 = never (default %d)\n", d->val_loss_every);
    printf("  -m <int>    max val batches per evaluation and process (the val shards' first -m x processes windows); -1 =\n"
           "              every val window, once on any number of processes; a synthetic task's val set is -m batches per\n"
           "              process (default %d)\n", d->val_max_steps);
    printf("  -s <int>    sample every n steps; 0 = only at the end (default %d)\n", d->sample_every);
    printf("  -g <int>    tokens to generate per sample (default %d)\n", d->gen_tokens);
    printf("  -p <string> prompt the samples continue; with -x 0: generate -g tokens only (default none)\n");
    printf("  -gf <file>  the prompt read from a file, byte for byte, instead of -p; a pipe too: -gf /dev/stdin (default none)\n");
    printf("  -tp <float> sampling temperature (default %g)\n", d->temperature);
    printf("  -gk <int>   top-k sampling; 0 = the whole vocabulary (default %d)\n", d->top_k);
    printf("  -gp <float> top-p (nucleus) sampling: the fewest likeliest tokens whose probabilities sum to at least p;\n"
           "              1 = all (default %g)\n", d->top_p);
    printf("  -gb <int>   sequences generated together (batched recurrent steps) (default %d)\n", d->gen_batch);
    printf("  -n <int>    checkpoint every n steps (needs -o); 0 = only at the end (default %d)\n", d->checkpoint_every);
    printf("  -y <int>    resume from the newest checkpoint in -o: 1 where its run left the data, 2 with the\n"
           "              train data (-i) from its start (other data, same optimizer state); 0 = no (default %d)\n", d->resume);
    printf("  -sh <int>   shuffle the training data: 0 or 1 (default %d)\n", d->shuffle);
    printf("  -nk <int>   keep only the newest n checkpoints (needs -o); 0 = keep all (default %d)\n", d->checkpoints_keep);
    printf("  -kb <int>   keep the model of the lowest val loss so far as <-o>/model_best.bin: 0 or 1 (needs -o,\n"
           "              -v > 0 and training: -x not 0) (default %d)\n", d->keep_best);
    printf("  -sl <float> skip the update if the loss z-score exceeds this; 0 = off (default %g)\n", d->skip_loss_z);
    printf("  -sg <float> skip the update if the grad-norm z-score exceeds this; 0 = off (default %g)\n", d->skip_norm_z);
    printf("  -ms <int>   stop after this many consecutive skipped updates (default %d)\n", d->max_skips);
    printf("  -sd <int>   random seed for init, shuffling and sampling (default %d)\n", d->seed);
    printf("  -a <int>    overfit a single batch, for debugging: 0 or 1 (default %d)\n", d->overfit_single_batch);
    printf("  -nt <int>   OpenMP threads, CPU trainer; 0 = default (default %d)\n", d->num_threads);
    printf("  -r <int>    recompute in backward, GPU: 0 none, 1 conv+SiLU and scan states from sparser checkpoints,\n"
           "              2 also delta, norm and scan outputs (default %d)\n", d->recompute);
    printf("  -z <int>    GPU, several processes: 0 data parallel, 1 ZeRO-1 optimizer sharding (default %d)\n", d->zero_stage);
    printf("  -cg <int>   GPU: replay each forward and backward as a CUDA graph (several processes: not the backward\n");
    printf("              that starts the all-reduces) (default %d)\n", d->cuda_graphs);
    printf("  -pn <int>   number of processes; 0 = from OMPI_COMM_WORLD_SIZE / PMI_SIZE / WORLD_SIZE / SLURM_NTASKS (the first\n"
           "              launcher whose rank variable is set), else 1 (default %d)\n", d->num_processes);
    printf("  -pr <int>   this process's rank; -1 = from OMPI_COMM_WORLD_RANK / PMI_RANK / RANK / SLURM_PROCID (default %d)\n", d->process_rank);
    printf("  -pl <int>   GPU index on this node; -1 = OMPI_COMM_WORLD_LOCAL_RANK / MPI_LOCALRANKID / LOCAL_RANK / SLURM_LOCALID,\n"
           "              else rank %% GPUs (default %d)\n", d->local_rank);
    printf("  -pi <string> NCCL id exchange: fs (shared file) or tcp (default %s)\n", d->init_method);
    printf("  -pf <string> fs: shared file path for the NCCL id (default %s)\n", d->init_path);
    printf("  -ps <string> tcp: host:port where rank 0 listens (default %s)\n", d->init_server);
    printf("  -pt <int>   GPU, several processes: seconds a collective may stall before the rank exits with an error (default %d)\n", d->nccl_timeout);
    printf("  -h          this help\n");
}

// -d -1 (the default) means one micro-batch per process and step: B*T*processes tokens; another -d of a run that trains
// (-x 0 reads none) must be a multiple of that. Called by each trainer once it knows its process count (the CPU trainer:
// 1, whose -d parse_options checked), before anything reads -d: the GPU trainer's before the NCCL rendezvous, so that
// a -d of another process count fails on every rank at once, nothing written and no rank waiting for the others
static inline void resolve_total_batch_size(Options *o, int processes) {
    long tokens = (long)o->B * o->T * processes;
    if (o->total_batch_size == -1) {
        if (tokens > 0x7fffffffL) { fatalf("-b %d x -t %d x %d processes is too large a batch", o->B, o->T, processes); }
        o->total_batch_size = (int)tokens;
    }
    if (o->max_steps != 0 && o->total_batch_size % tokens != 0) {
        fatalf("-d %d must be a multiple of B*T*processes = %d*%d*%d", o->total_batch_size, o->B, o->T, processes);
    }
}

// before a loader opens the default shards (no -i / -j): they are made by `make data` (or `make train`), not in a
// fresh checkout, at a path relative to the directory the trainer runs in; say so, not only that no file matches.
// They are tinyshakespeare's bytes: a model of a larger vocabulary reads them without error, but its ids 0-255
// are other tokens, so its loss there means nothing (an `-e run/model.bin -x 0 -hf dir` export without -j): say that too
static inline void check_default_data(const char *pattern, int vocab_size) {
    const int is_val = pattern == DEFAULT_OPTIONS.val_data_pattern;
    if (!is_val && pattern != DEFAULT_OPTIONS.train_data_pattern) { return; }
    const char *flag = is_val ? "-j" : "-i";
    if (access(pattern, F_OK) != 0) {
        fatalf("no file '%s', the default %s: `make data` writes it (run from the repository's root), or give %s",
               pattern, flag, flag);
    }
    if (vocab_size > 256) {
        printf("note: no %s given: the default '%s' is tinyshakespeare as bytes, not text encoded for this model's "
               "vocabulary of %d: give %s shards made with its tokenizer\n", flag, pattern, vocab_size, flag);
    }
}

// how many of the shards g lists are also -i train shards (the same file, by device and inode: another spelling, a
// link, a glob that takes in the val split), and the first of them
static inline size_t shards_in_train(const DataLoader *train, const glob_t *g, const char **first) {
    size_t shared = 0;
    *first = NULL;
    for (size_t i = 0; i < g->gl_pathc; i++) {
        struct stat sv, st;
        if (stat(g->gl_pathv[i], &sv) != 0) { continue; }
        for (size_t j = 0; j < train->glob_result.gl_pathc; j++) {
            if (stat(train->glob_result.gl_pathv[j], &st) == 0 && st.st_dev == sv.st_dev && st.st_ino == sv.st_ino) {
                if (shared++ == 0) { *first = g->gl_pathv[i]; }
                break;
            }
        }
    }
    return shared;
}

// a -j shard that is also an -i shard makes the val loss a measure of data the model trains on; a note, since it may
// be meant
static inline void note_val_in_train(const DataLoader *train, const DataLoader *val) {
    if (train->synthetic || val->synthetic) { return; }
    const char *first;
    size_t shared = shards_in_train(train, &val->glob_result, &first);
    if (shared > 0) {
        printf("note: %zu of the %zu -j val shards %s ('%s'): the val loss measures data the model trains on, not "
               "held-out data\n", shared, val->glob_result.gl_pathc,
               shared == 1 ? "is also an -i train shard" : "are also -i train shards", first);
    }
}

// -es runs after the last step only: a run that a signal stopped says so, as it says that -hf is not written (it went
// unsaid, and the run's output simply lacked the stream loss). Without -o no checkpoint goes on to finish the training
// (it said that one would); the -hf export such a run still writes is what -x 0 -es can score
static inline void note_stream_eval_skipped(const Options *o) {
    if (o->stream_eval_pattern == NULL) { return; }
    printf("note: stopped by a signal: -es %s is not evaluated", o->stream_eval_pattern);
    if (o->output_dir != NULL) { printf("; the run that finishes the training evaluates it\n"); }
    else if (o->hf_export_dir != NULL) {
        printf(" (no -o: no checkpoint to finish the training from); -e %s -x 0 -es %s evaluates the exported model\n",
               o->hf_export_dir, o->stream_eval_pattern);
    } else { printf(" (no -o: no checkpoint to finish the training from)\n"); }
}

// ... and so does an -es shard for the stream loss after training (the test split's bits per byte of
// scripts/run_enwik8.sh): said as for -j, since it went unsaid
static inline void note_stream_in_train(const DataLoader *train, const char *pattern) {
    if (train->synthetic || pattern == NULL) { return; }
    glob_t g;
    shard_glob(pattern, &g); // (parse_options has checked that it matches)
    const char *first;
    size_t shared = shards_in_train(train, &g, &first);
    if (shared > 0) {
        printf("note: %zu of the %zu -es shards %s ('%s'): the stream loss measures data the model trains on, not "
               "held-out data\n", shared, g.gl_pathc, shared == 1 ? "is also an -i train shard" : "are also -i train shards",
               first);
    }
    globfree(&g);
}

// " N=16 K=4": the sizes of a (and its selection flag s, 1 selective) where it differs from b, of C, L, V, Di, N, K, R
// and s from the first-th on; for an error about the two
static inline const char *config_differences(char *out, size_t n, const MambaConfig *a, const MambaConfig *b, int first) {
    const char *names[] = {"C", "L", "V", "Di", "N", "K", "R", "s"};
    const int va[] = {a->d_model, a->n_layer, a->vocab_size, a->d_inner, a->d_state, a->d_conv, a->dt_rank, !a->no_selection};
    const int vb[] = {b->d_model, b->n_layer, b->vocab_size, b->d_inner, b->d_state, b->d_conv, b->dt_rank, !b->no_selection};
    out[0] = '\0';
    for (int i = first; i < 8; i++) {
        size_t len = strlen(out);
        if (va[i] != vb[i]) { snprintf(out + len, n - len, " %s=%d", names[i], va[i]); }
    }
    return out;
}

// on resume, whatever -e names must be the checkpoint's architecture (path: its model file); with no -e, the default
// descriptor is what did not match, and the checkpoint's own model file names the architecture as well as any -e
// (the error gives the checkpoint's C, L and V and every other size where the two differ, and -e's values of those:
// an n8 -e against an n16 checkpoint said only "C=32 L=2 V=256", which it matches)
static inline void check_resume_model(const Options *o, const MambaConfig *saved, const char *path) {
    MambaConfig given;
    config_of_model_arg(o->model, &given);
    if (config_same_model(&given, saved)) { return; }
    char saved_other[128], given_differs[128];
    config_differences(saved_other, sizeof(saved_other), saved, &given, 3);
    config_differences(given_differs, sizeof(given_differs), &given, saved, 0);
    if (o->model == DEFAULT_OPTIONS.model) {
        fatalf("%s: checkpoint config (C=%d L=%d V=%d%s) does not match the default -e %s (%s; no -e given): give the "
               "run's -e, or -e %s", path, saved->d_model, saved->n_layer, saved->vocab_size, saved_other, o->model,
               given_differs + 1, path);
    }
    fatalf("%s: checkpoint config (C=%d L=%d V=%d%s) does not match -e %s (%s)", path, saved->d_model, saved->n_layer,
           saved->vocab_size, saved_other, o->model, given_differs + 1);
}

// -x 0 evaluates the -j val shards, unless -p makes it a generation or it is asked for an -es or -mc
// evaluation or an -hf export and no -j (e.g. a released model scored on HellaSwag alone, with no val shards
// at hand, or converted: -e <mamba_ssm dir> -x 0 -hf <dir>, which scored the default byte-level data before)
static inline int eval_only_reads_val(const Options *o) {
    return o->prompt == NULL &&
           (o->val_named || (o->stream_eval_pattern == NULL && o->mc_eval_path == NULL && o->hf_export_dir == NULL));
}

// a path's absolute spelling as far as the file system can tell: the longest leading part that exists resolved by
// realpath (links, "." and ".."), the rest (directories not made yet) appended without its empty and "." components,
// a ".." taking the last one off. Returns 0 when it does not fit
static inline int canonical_path(const char *p, char *out, size_t n) {
    char head[PATH_MAX], real[PATH_MAX], tail[PATH_MAX] = "", t[PATH_MAX];
    if (p[0] == '/') {
        if ((size_t)snprintf(head, sizeof(head), "%s", p) >= sizeof(head)) { return 0; }
    } else {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof(cwd)) == NULL || (size_t)snprintf(head, sizeof(head), "%s/%s", cwd, p) >= sizeof(head)) { return 0; }
    }
    while (realpath(head, real) == NULL) { // (the last component does not resolve: it goes to the front of tail)
        char *slash = strrchr(head, '/');
        if (slash == NULL || (size_t)snprintf(t, sizeof(t), "%s/%s", slash + 1, tail) >= sizeof(t)) { return 0; }
        strcpy(tail, t);
        if (slash == head) { strcpy(head, "/"); } else { *slash = '\0'; }
    }
    size_t len = strlen(real);
    char *save = NULL;
    for (char *c = strtok_r(tail, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0) { continue; }
        if (strcmp(c, "..") == 0) {
            char *slash = strrchr(real, '/');
            if (slash == real) { real[1] = '\0'; } else if (slash != NULL) { *slash = '\0'; }
            len = strlen(real);
            continue;
        }
        if (len + 1 + strlen(c) >= sizeof(real)) { return 0; }
        if (len > 1) { real[len++] = '/'; }
        strcpy(real + len, c);
        len += strlen(c);
    }
    if (len >= n) { return 0; }
    memcpy(out, real, len + 1);
    return 1;
}

// whether two paths name one directory: the same file where both exist, else the same canonical_path (so -o out/run
// and -hf ./out//run/. or -hf $PWD/out/run are one directory before either is made), else the same spelling (a
// trailing '/' and a leading "./" aside)
static inline int same_directory(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0) { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino; }
    char ca[PATH_MAX], cb[PATH_MAX];
    if (canonical_path(a, ca, sizeof(ca)) && canonical_path(b, cb, sizeof(cb))) { return strcmp(ca, cb) == 0; }
    while (strncmp(a, "./", 2) == 0) { a += 2; }
    while (strncmp(b, "./", 2) == 0) { b += 2; }
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/') { la--; }
    while (lb > 1 && b[lb - 1] == '/') { lb--; }
    return la == lb && strncmp(a, b, la) == 0;
}

// -gf: a prompt read from a file, byte for byte (a final newline included), for one longer than a command line takes
// (one argument holds at most 128 KiB on Linux); at most 64 MiB, and no NUL byte (the prompt is a C string). Read to
// its end, so a pipe does too: -gf <(command), -gf /dev/stdin (not fopenCheck, which takes regular files only)
static inline const char *read_prompt_file(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) { fatalf("-gf '%s' is a directory, expected a file", path); }
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) { fatalf("-gf: cannot open '%s': %s", path, strerror(errno)); }
    if (isatty(fileno(fp))) { // (-gf /dev/stdin typed at a terminal: the run waits for it; on stderr, which a user typing sees)
        fprintf(stderr, "note: -gf %s is a terminal: type the prompt, then Ctrl-D at the start of a line\n", path);
    }
    char what[1040];
    snprintf(what, sizeof(what), "-gf %s", path);
    size_t size;
    char *text = read_to_end(fp, what, (size_t)64 << 20, &size); // (to its end: /proc's files report 0 bytes)
    if (text == NULL) { fatalf("-gf %s: more than a prompt's 64 MiB", path); }
    fcloseCheck(fp);
    if (strlen(text) != size) { fatalf("-gf %s: a NUL byte at offset %zu (a prompt is text)", path, strlen(text)); }
    return text;
}

// a sampling flag given (set 1) or asking for none after all (set 0: -g 0 after a -g 5, the last value counting)
static inline void note_sample_flag(Options *o, const char *flag, int set) {
    for (int i = 0; i < (int)(sizeof(SAMPLE_FLAGS) / sizeof(SAMPLE_FLAGS[0])); i++) {
        if (strcmp(flag, SAMPLE_FLAGS[i]) != 0) { continue; }
        o->sample_flags_given = set ? o->sample_flags_given | 1 << i : o->sample_flags_given & ~(1 << i);
    }
}

// a directory flag's value (-o, -hf) without its trailing slashes: -o out/ names its files out/model_..., not
// out//model_... (and so do its messages); "/" stays itself
static inline const char *dir_without_trailing_slashes(const char *dir) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') { n--; }
    if (dir[n] == '\0') { return dir; }
    char *trimmed = (char *)mallocCheck(n + 1);
    memcpy(trimmed, dir, n);
    trimmed[n] = '\0';
    return trimmed;
}

// a flag's value in the Options: *owned keeps it where parse_options allocated it (value other than arg), freeing what an
// earlier use of the same flag allocated (so -o out/ -o run/ leaves nothing behind either)
static inline const char *options_value(char **owned, const char *value, const char *arg) {
    free(*owned);
    *owned = value != arg ? (char *)value : NULL;
    return value;
}

static inline void options_free(Options *o) {
    free(o->output_dir_owned);
    free(o->hf_export_dir_owned);
    free(o->prompt_owned);
}

static inline int parse_checkpoint_file(const char *name, int *step, int *tmp); // (below, with the checkpoints)

// a name the run writes in -o (doc/formats.md, "Checkpoint directory"), or the .tmp of one
static inline int is_run_file_name(const char *name) {
    static const char *const names[] = {"main.log", "commands.txt", ".lock", "tokenizer.json", "model_best.bin"};
    int step, tmp;
    if (parse_checkpoint_file(name, &step, &tmp)) { return 1; }
    size_t len = strlen(name);
    if (len > 4 && strcmp(name + len - 4, ".tmp") == 0) { len -= 4; }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i]) == len && strncmp(name, names[i], len) == 0) { return 1; }
    }
    return 0;
}

// -hf inside -o (as run_pretrain.sh's -o <dir> -hf <dir>/hf) is a directory of -o's: one of a name the run writes there
// as a file (-hf <dir>/main.log, or <dir>/model_best.bin/hf) cannot be both; it failed after the whole training ("exists
// and is not a directory"), or, made first, stood where a later run writes that file. Refused before the run
static inline void check_hf_not_run_file(const Options *o) {
    char hf[PATH_MAX], out[PATH_MAX];
    if (o->output_dir == NULL || !canonical_path(o->hf_export_dir, hf, sizeof(hf)) ||
        !canonical_path(o->output_dir, out, sizeof(out))) { return; }
    size_t n = strlen(out);
    if (strncmp(hf, out, n) != 0 || (hf[n] != '/' && n > 1)) { return; } // (out "/": every path is under it)
    const char *name = hf + n + (hf[n] == '/');
    size_t len = strcspn(name, "/");
    char first[NAME_MAX + 1];
    if (len == 0 || len > NAME_MAX) { return; }
    memcpy(first, name, len);
    first[len] = '\0';
    if (is_run_file_name(first)) {
        const char *out_dir = o->output_dir; // (its trailing slashes dropped by the parser, but for -o /: /hf, not //hf)
        fatalf("-hf %s: '%s' in the -o directory is a file the run writes there: give the export a directory of another "
               "name (e.g. -hf %s%shf)", o->hf_export_dir, first, out_dir, out_dir[strlen(out_dir) - 1] == '/' ? "" : "/");
    }
}

static inline void parse_options(Options *o, int argc, char **argv) {
    *o = DEFAULT_OPTIONS;
    int prompt_flags = 0; // -p and -gf given (one prompt: not both)
    for (int i = 1; i < argc; i += 2) {
        const char *f = argv[i];
        if (strcmp(f, "-h") == 0 || strcmp(f, "--help") == 0) {
            print_usage(argv[0]);
            check_stdout_at_exit();
            exit(EXIT_SUCCESS);
        }
        if (f[0] != '-' || strlen(f) < 2) {
            // (after -i / -j / -es: most likely an unquoted pattern, which the shell expanded into several files)
            const char *flag = i >= 3 ? argv[i - 2] : "";
            if (strcmp(flag, "-i") == 0 || strcmp(flag, "-j") == 0 || strcmp(flag, "-es") == 0) {
                fatalf("unexpected argument '%s' after %s %s: a pattern the shell expanded into several files? quote it, "
                       "as in %s 'data/*_%s_*.bin'", f, flag, argv[i - 1], flag, strcmp(flag, "-i") == 0 ? "train" : "val");
            }
            fatalf("unexpected argument '%s' (see -h)", f);
        }
        if (i + 1 >= argc) { fatalf("flag %s needs a value, or is not a flag (see -h)", f); }
        const char *v = argv[i + 1];
        // a flag where its value should be (a value left out: "-o -n 5" made a directory named "-n"); every flag is
        // '-' and one or two lowercase letters, which no number, path or prompt one would mean is
        if (v[0] == '-' && islower((unsigned char)v[1]) && (v[2] == '\0' || (islower((unsigned char)v[2]) && v[3] == '\0'))) {
            if (f[1] == 'p' && f[2] == '\0') { // -p: a prompt of these characters comes from a file, which -gf reads as it is
                fatalf("flag -p needs a value, but the flag %s follows it (for a prompt of just '%s', write it to a file and give -gf "
                       "<file>)", v, v);
            }
            fatalf("flag %s needs a value, but the flag %s follows it (see -h)", f, v);
        }
        for (int t = 0; t < (int)(sizeof(TRAIN_FLAGS) / sizeof(TRAIN_FLAGS[0])); t++) {
            if (strcmp(f, TRAIN_FLAGS[t]) == 0) { o->train_flags_given |= 1 << t; }
        }
        if (strcmp(f, "-i") == 0) { o->train_data_pattern = v; }
        else if (strcmp(f, "-j") == 0) { o->val_data_pattern = v; o->val_named = 1; }
        else if (strcmp(f, "-e") == 0) { o->model = v; }
        else if (strcmp(f, "-o") == 0) { o->output_dir = options_value(&o->output_dir_owned, dir_without_trailing_slashes(v), v); }
        else if (strcmp(f, "-tk") == 0) { o->tokenizer_path = v; }
        else if (strcmp(f, "-hf") == 0) { o->hf_export_dir = options_value(&o->hf_export_dir_owned, dir_without_trailing_slashes(v), v); }
        else if (strcmp(f, "-p") == 0) { o->prompt = options_value(&o->prompt_owned, v, v); prompt_flags |= 1; }
        else if (strcmp(f, "-gf") == 0) { o->prompt = options_value(&o->prompt_owned, read_prompt_file(v), v); prompt_flags |= 2; }
        else if (strcmp(f, "-es") == 0) { o->stream_eval_pattern = v; }
        else if (strcmp(f, "-mc") == 0) { o->mc_eval_path = v; }
        else if (strcmp(f, "-b") == 0) { o->B = parse_int(f, v); }
        else if (strcmp(f, "-t") == 0) { o->T = parse_int(f, v); }
        else if (strcmp(f, "-d") == 0) { o->total_batch_size = parse_int(f, v); }
        else if (strcmp(f, "-x") == 0) { o->max_steps = parse_int(f, v); }
        else if (strcmp(f, "-l") == 0) { o->learning_rate = parse_float(f, v); }
        else if (strcmp(f, "-u") == 0) { o->warmup_iterations = parse_int(f, v); }
        else if (strcmp(f, "-q") == 0) { o->final_lr_frac = parse_float(f, v); }
        else if (strcmp(f, "-k") == 0) { o->lr_schedule = v; }
        else if (strcmp(f, "-kd") == 0) { o->lr_decay_frac = parse_float(f, v); }
        else if (strcmp(f, "-c") == 0) { o->weight_decay = parse_float(f, v); }
        else if (strcmp(f, "-gc") == 0) { o->grad_clip = parse_float(f, v); }
        else if (strcmp(f, "-v") == 0) { o->val_loss_every = parse_int(f, v); }
        else if (strcmp(f, "-m") == 0) { o->val_max_steps = parse_int(f, v); o->val_max_given = 1; }
        else if (strcmp(f, "-s") == 0) { o->sample_every = parse_int(f, v); note_sample_flag(o, f, o->sample_every != 0); }
        else if (strcmp(f, "-g") == 0) {
            o->gen_tokens = parse_int(f, v);
            note_sample_flag(o, f, o->gen_tokens != 0); // (-g 0 asks for what -x 0 without a prompt does)
        }
        else if (strcmp(f, "-tp") == 0) { o->temperature = parse_float(f, v); note_sample_flag(o, f, 1); }
        else if (strcmp(f, "-gk") == 0) { o->top_k = parse_int(f, v); note_sample_flag(o, f, 1); }
        else if (strcmp(f, "-gp") == 0) { o->top_p = parse_float(f, v); note_sample_flag(o, f, 1); }
        else if (strcmp(f, "-gb") == 0) { o->gen_batch = parse_int(f, v); note_sample_flag(o, f, 1); }
        else if (strcmp(f, "-n") == 0) { o->checkpoint_every = parse_int(f, v); }
        else if (strcmp(f, "-y") == 0) { o->resume = parse_int(f, v); }
        else if (strcmp(f, "-sh") == 0) { o->shuffle = parse_int(f, v); }
        else if (strcmp(f, "-sd") == 0) { o->seed = parse_int(f, v); }
        else if (strcmp(f, "-nk") == 0) { o->checkpoints_keep = parse_int(f, v); }
        else if (strcmp(f, "-kb") == 0) { o->keep_best = parse_int(f, v); }
        else if (strcmp(f, "-sl") == 0) { o->skip_loss_z = parse_float(f, v); }
        else if (strcmp(f, "-sg") == 0) { o->skip_norm_z = parse_float(f, v); }
        else if (strcmp(f, "-ms") == 0) { o->max_skips = parse_int(f, v); }
        else if (strcmp(f, "-a") == 0) { o->overfit_single_batch = parse_int(f, v); }
        else if (strcmp(f, "-nt") == 0) { o->num_threads = parse_int(f, v); o->num_threads_given = 1; }
        else if (strcmp(f, "-r") == 0) { o->recompute = parse_int(f, v); o->gpu_flags_given |= GIVEN_RECOMPUTE; }
        else if (strcmp(f, "-z") == 0) { o->zero_stage = parse_int(f, v); }
        else if (strcmp(f, "-cg") == 0) { o->cuda_graphs = parse_int(f, v); o->gpu_flags_given |= GIVEN_CUDA_GRAPHS; }
        else if (strcmp(f, "-pn") == 0) { o->num_processes = parse_int(f, v); }
        else if (strcmp(f, "-pr") == 0) { o->process_rank = parse_int(f, v); }
        else if (strcmp(f, "-pl") == 0) { o->local_rank = parse_int(f, v); o->gpu_flags_given |= GIVEN_LOCAL_RANK; }
        else if (strcmp(f, "-pi") == 0) { o->init_method = v; o->gpu_flags_given |= GIVEN_INIT_METHOD; }
        else if (strcmp(f, "-pf") == 0) { o->init_path = v; o->gpu_flags_given |= GIVEN_INIT_PATH; }
        else if (strcmp(f, "-ps") == 0) { o->init_server = v; o->gpu_flags_given |= GIVEN_INIT_SERVER; }
        else if (strcmp(f, "-pt") == 0) { o->nccl_timeout = parse_int(f, v); o->gpu_flags_given |= GIVEN_NCCL_TIMEOUT; }
        else { fatalf("unknown flag '%s' (see -h)", f); }
    }
    if (prompt_flags == 3) { fatalf("-p and -gf both give the prompt: give one"); }
    char got[32]; // (a float flag's value in the range errors: float_repr)
    if (o->B <= 0) { fatalf("-b must be positive, got %d", o->B); }
    if (o->T <= 0) { fatalf("-t must be positive, got %d", o->T); }
    if ((long)o->B * o->T > (1L << 30)) { fatalf("-b %d x -t %d is too large", o->B, o->T); }
    if (o->total_batch_size != -1 && (o->total_batch_size <= 0 || o->total_batch_size % (o->B * o->T) != 0)) {
        fatalf("-d %d must be a positive multiple of B*T = %d", o->total_batch_size, o->B * o->T);
    }
    if (o->max_steps < -1) { fatalf("-x must be >= -1, got %d", o->max_steps); }
    if (!(o->learning_rate >= 0.0f)) { fatalf("-l must be >= 0, got %g", o->learning_rate); }
    if (o->warmup_iterations < 0) { fatalf("-u must be >= 0, got %d", o->warmup_iterations); }
    if (!(o->final_lr_frac >= 0.0f && o->final_lr_frac <= 1.0f)) { fatalf("-q must be in [0, 1], got %s", float_repr(o->final_lr_frac, got, sizeof(got))); }
    if (!lr_scheduler_type_valid(o->lr_schedule)) { fatalf("-k must be cosine, linear, constant or wsd, got '%s'", o->lr_schedule); }
    if (!(o->lr_decay_frac > 0.0f && o->lr_decay_frac <= 1.0f)) { fatalf("-kd must be in (0, 1], got %s", float_repr(o->lr_decay_frac, got, sizeof(got))); }
    if (!(o->weight_decay >= 0.0f)) { fatalf("-c must be >= 0, got %g", o->weight_decay); }
    if (!(o->grad_clip >= 0.0f)) { fatalf("-gc must be >= 0, got %g", o->grad_clip); }
    if (o->val_loss_every < 0) { fatalf("-v must be >= 0, got %d", o->val_loss_every); }
    if (o->sample_every < 0) { fatalf("-s must be >= 0, got %d", o->sample_every); }
    if (o->checkpoint_every < 0) { fatalf("-n must be >= 0, got %d", o->checkpoint_every); }
    if (o->val_max_steps < -1 || o->val_max_steps == 0) { fatalf("-m must be -1 or positive, got %d", o->val_max_steps); }
    // a synthetic task's val set is each process's batches 0..-m-1 of seed 0 (dataloader.h: a pure function of seed,
    // rank, index); read by an evaluation (-x 0 without -p) or by training's every -v steps
    const int val_read = o->max_steps == 0 ? eval_only_reads_val(o) : o->val_loss_every > 0;
    if (val_read && synthetic_task_from_pattern(o->val_data_pattern) && o->val_max_steps == -1) {
        fatalf("-m -1 (all val data): a synthetic task's val set has no end; give -m <batches> (its first -m batches, default 20)");
    }
    // training on a synthetic task validates on the default -j only by mistake: tinyshakespeare's bytes, which a model of
    // the task's vocabulary cannot read (that error came at the first evaluation, after -o was made, naming a file never given)
    if (o->max_steps != 0 && o->val_loss_every > 0 && !o->val_named && synthetic_task_from_pattern(o->train_data_pattern)) {
        fatalf("-i %s with no -j: validation would read the default -j, tinyshakespeare's bytes; give -j %s (the task's "
               "val set) or -v 0", o->train_data_pattern, o->train_data_pattern);
    }
    // so does training on shards of one's own: the val loss (main.log, -kb's best model) would be measured on
    // tinyshakespeare's val bytes, silently for a byte-level model, not on held-out data of the -i's kind
    if (o->max_steps != 0 && o->val_loss_every > 0 && !o->val_named && // (same_directory: the same file, or spelling)
        !same_directory(o->train_data_pattern, DEFAULT_OPTIONS.train_data_pattern)) {
        fatalf("-i %s with no -j: validation would read the default -j, tinyshakespeare's val bytes; give -j <val "
               "shards> (held-out data made as the -i shards were) or -v 0", o->train_data_pattern);
    }
    // and the other way round: a -j of one's own with no -i trained on tinyshakespeare's train bytes (silently for a
    // byte-level model) while the val loss measured the -j's data (-x 0 trains nothing: a -j alone is its evaluation)
    if (o->max_steps != 0 && o->val_named && !(o->train_flags_given & 1) && // (TRAIN_FLAGS[0] is -i)
        !same_directory(o->val_data_pattern, DEFAULT_OPTIONS.val_data_pattern)) {
        const int task = synthetic_task_from_pattern(o->val_data_pattern) != SYNTH_NONE;
        // (a run that did train on them, as one started before this check could, resumes with them named)
        const int resume_hint = o->resume != 0 && !task;
        fatalf("-j %s with no -i: training would read the default -i, tinyshakespeare's train bytes; give -i %s%s%s", o->val_data_pattern,
               task ? o->val_data_pattern : "<train shards> (made as the -j shards were)",
               resume_hint ? ", or, to resume a run that trained on those bytes, -i " : "",
               resume_hint ? DEFAULT_OPTIONS.train_data_pattern : "");
    }
    if (o->max_steps != 0 && synthetic_task_from_pattern(o->train_data_pattern) && o->seed == 0) {
        fatalf("-sd 0 with a synthetic task: its val set is the batches of seed 0, so training would see them; use another seed");
    }
    if (o->gen_tokens < 0 || o->gen_tokens > 100000000) { fatalf("-g must be in [0, 100000000], got %d", o->gen_tokens); }
    if (o->output_dir != NULL && o->output_dir[0] == '\0') { fatalf("-o: empty directory name"); }
    // (it was "-tk : cannot open the tokenizer" for V > 256, and a note that "-tk  is not used" for a byte-level model)
    if (o->tokenizer_path[0] == '\0') { fatalf("-tk: empty file name (leave -tk out for the default, %s)", DEFAULT_OPTIONS.tokenizer_path); }
    if (o->hf_export_dir != NULL) { // written after training: checked now, not after a whole run
        if (o->hf_export_dir[0] == '\0') { fatalf("-hf: empty directory name"); }
        // its files are named in 1024-byte buffers: keep room for "/generation_config.json.staged.tmp", the longest
        if (strlen(o->hf_export_dir) > 900) { fatalf("-hf: directory path longer than 900 bytes"); }
        // (whether it can be created is checked by the process that writes it: the trainers' main)
        if (o->output_dir != NULL && same_directory(o->hf_export_dir, o->output_dir)) {
            fatalf("-hf %s is the -o directory: give the transformers export a directory of its own (e.g. -hf %s/hf)",
                   o->hf_export_dir, o->output_dir);
        }
        check_hf_not_run_file(o);
    }
    if (o->stream_eval_pattern != NULL) { // checked now, not after a whole training run
        glob_t g;
        int st = glob(o->stream_eval_pattern, 0, NULL, &g);
        size_t n = st == 0 ? g.gl_pathc : 0;
        check_glob_literal(o->stream_eval_pattern, n, n > 0 ? g.gl_pathv[0] : NULL);
        if (st == 0) { globfree(&g); }
        if (n == 0 && strncmp(o->stream_eval_pattern, "synth:", 6) == 0) { // (it said that no shard files match)
            fatalf("-es %s: -es reads token shards as one stream; a synthetic task's score is its -j val evaluation (val "
                   "accuracy)", o->stream_eval_pattern);
        }
        if (n == 0) { fatalf("no shard files match '%s' (-es)%s", o->stream_eval_pattern, glob_tilde_hint(o->stream_eval_pattern)); }
    }
    if (o->top_k < 0) { fatalf("-gk must be >= 0, got %d", o->top_k); }
    if (!(o->top_p > 0.0f && o->top_p <= 1.0f)) { fatalf("-gp must be in (0, 1], got %s", float_repr(o->top_p, got, sizeof(got))); }
    if (o->gen_batch < 1 || o->gen_batch > 4096) { fatalf("-gb must be in [1, 4096], got %d", o->gen_batch); }
    if (!(o->temperature > 0.0f) || !isfinite(1.0f / o->temperature)) { fatalf("-tp must be > 0 (and not denormal), got %g", o->temperature); }
    if (o->resume < 0 || o->resume > 2) { fatalf("-y must be 0, 1 or 2, got %d", o->resume); }
    if (o->resume && o->output_dir == NULL) { fatalf("-y %d needs -o <dir> to find the checkpoint in", o->resume); }
    // (-x 0 writes no checkpoint: its -n and -nk get the note of the training flags it leaves unused, with -o or without)
    if (o->output_dir == NULL && o->max_steps != 0 && (o->checkpoint_every != 0 || o->checkpoints_keep != 0)) {
        fatalf("-n and -nk need -o <dir> to write the checkpoints to");
    }
    if (o->shuffle != 0 && o->shuffle != 1) { fatalf("-sh must be 0 or 1, got %d", o->shuffle); }
    if (o->overfit_single_batch != 0 && o->overfit_single_batch != 1) { fatalf("-a must be 0 or 1, got %d", o->overfit_single_batch); }
    if (o->zero_stage < 0 || o->zero_stage > 1) { fatalf("-z must be 0 or 1, got %d", o->zero_stage); }
    if (o->cuda_graphs != 0 && o->cuda_graphs != 1) { fatalf("-cg must be 0 or 1, got %d", o->cuda_graphs); }
    if (o->num_processes < 0) { fatalf("-pn must be >= 0, got %d", o->num_processes); }
    if (o->process_rank < -1) { fatalf("-pr must be >= 0, or -1 (from the environment), got %d", o->process_rank); }
    if (o->local_rank < -1) { fatalf("-pl must be >= 0, or -1 (from the environment), got %d", o->local_rank); }
    if (o->num_processes > 0 && o->process_rank >= o->num_processes) {
        fatalf("-pr %d must be below -pn %d", o->process_rank, o->num_processes);
    }
    if (strcmp(o->init_method, "fs") != 0 && strcmp(o->init_method, "tcp") != 0) { fatalf("-pi must be fs or tcp, got '%s'", o->init_method); }
    if (o->nccl_timeout <= 0) { fatalf("-pt must be positive, got %d", o->nccl_timeout); }
    if (o->recompute < 0 || o->recompute > 2) { fatalf("-r must be 0, 1 or 2, got %d", o->recompute); }
    if (o->checkpoints_keep < 0) { fatalf("-nk must be >= 0, got %d", o->checkpoints_keep); }
    if (o->keep_best != 0 && o->keep_best != 1) { fatalf("-kb must be 0 or 1, got %d", o->keep_best); }
    if (o->keep_best && o->output_dir == NULL) { fatalf("-kb 1 needs -o <dir> to write model_best.bin to"); }
    if (o->keep_best && o->val_loss_every <= 0) { fatalf("-kb 1 needs -v > 0: the best model is chosen at the val evaluations"); }
    if (o->keep_best && o->max_steps == 0) { fatalf("-kb 1 keeps the best model of a training run; -x 0 trains none"); }
    if (!(o->skip_loss_z >= 0.0f) || !(o->skip_norm_z >= 0.0f)) { fatalf("-sl and -sg must be >= 0"); }
    if (o->max_skips < 1) { fatalf("-ms must be >= 1, got %d", o->max_skips); }
    if (o->num_threads < 0 || o->num_threads > 4096) { fatalf("-nt must be in [0, 4096], got %d", o->num_threads); }
    // checkpoint file names are built in 1024-byte buffers: keep room for "/model_%08d.bin.tmp"
    if (o->output_dir != NULL && strlen(o->output_dir) > 900) { fatalf("-o: directory path longer than 900 bytes"); }
}

/*
Running mean and standard deviation over the last OUTLIER_WINDOW values, for skipping updates
whose loss or gradient norm is a z-score outlier (llm.c's -sl / -sg). Both windows take a step's values
together (the updates not skipped), so they share count and next; the state file keeps them (version 6),
so a resumed run scores the next steps against the same window as the uninterrupted run.
*/
#define OUTLIER_WINDOW 128
typedef struct {
    double values[OUTLIER_WINDOW];
    int count, next;
} OutlierDetector;

// z-score of x against the window (0 until the window is full), without adding x. Two passes (the mean,
// then the squared deviations from it): sum(x^2)/n - mean^2 cancels to noise for a near-constant window.
// A window whose spread is below 1e-9 of its mean (constant, up to the rounding of that mean) scores 0.
static inline double outlier_zscore(const OutlierDetector *d, double x) {
    if (d->count < OUTLIER_WINDOW) { return 0.0; }
    double sum = 0.0, sq = 0.0;
    for (int i = 0; i < OUTLIER_WINDOW; i++) { sum += d->values[i]; }
    double mean = sum / OUTLIER_WINDOW;
    for (int i = 0; i < OUTLIER_WINDOW; i++) { sq += (d->values[i] - mean) * (d->values[i] - mean); }
    double sd = sqrt(sq / OUTLIER_WINDOW);
    return sd > 1e-9 * fabs(mean) && sd > 0.0 ? (x - mean) / sd : 0.0;
}

static inline void outlier_add(OutlierDetector *d, double x) {
    d->values[d->next] = x;
    d->next = (d->next + 1) % OUTLIER_WINDOW;
    if (d->count < OUTLIER_WINDOW) { d->count++; }
}

/*
Training state file: int32 header[256] then the fp32 AdamW moments m and v.
  [0] STATE_MAGIC, [1] STATE_VERSION, [2] step (completed), [3] B, [4] T, [5] total batch size,
  [6..7] number of parameters (low, high), [8..9] data epoch, [10..11] shard index,
  [12..13] sample index, [14..15] sampling RNG state, [16] CRC-32 of m and v, [17] seed,
  [18] CRC-32 of the header itself with [18] = 0, [19] the step the run was to end at (-x, resolved)
  (both from version 2 on; version 1 files, without them, still load),
  [20] the train data (-i) the position [8..13] refers to: 0 unknown (versions 1 and 2), 1 token
  shards, 2 a synthetic task; [21] -sh for shards, the task (SYNTH_*) for a synthetic one;
  [22] number of shards; [23..24] tokens in them; [25] the number of processes P of the run that
  saved it: the sample index [12..13] counts each process's batches, so the shard's next window is
  sample x P, a whole step (dataloader.h), which check_resume_data converts to another P (version 3);
  [26] the step of -kb's model_best.bin, -1 none; [27] its val loss, fp32 bits; [28] the CRC-32 of its
  parameters (its model file's [12]); [29] 1 when a signal stopped the run at this step, before the
  step's evaluation and sampling, which the resumed run then does (version 4);
  [30..37] the optimizer flags of the run that saved it: -l, -u, -q, -k (1 cosine, 2 linear, 3 constant,
  4 wsd), -kd, -c, -gc (floats as their fp32 bits), -a; a resume that changes any says so (version 5);
  [38] the CRC-32 of the outlier windows that follow v, [39] consecutive updates skipped so far (version 6);
  [40] all updates skipped so far: AdamW's step count t is the updates made, step - [40] (version 7; older
  files count 0, as their runs did, t = step).
Version 6 appends the -sl / -sg windows after v: int32 count, int32 next, fp64 loss[OUTLIER_WINDOW],
fp64 norm[OUTLIER_WINDOW] (STATE_WINDOWS_BYTES); older files resume with empty windows and no skips.
*/
// AdamW's constants, the training loops' (both trainers) and the PyTorch fixture's: test_mamba checks they agree
#define ADAMW_BETA1 0.9f
#define ADAMW_BETA2 0.95f
#define ADAMW_EPS 1e-8f

#define STATE_MAGIC 20261125
#define STATE_VERSION 7
#define STATE_HEADER_CRC 18
#define STATE_WINDOWS_BYTES (2 * sizeof(int32_t) + 2 * OUTLIER_WINDOW * sizeof(double))

typedef struct {
    int step, B, T, total_batch_size, seed;
    int max_steps; // the run's last step when saved (0: a version-1 file, unknown)
    size_t epoch, shard, sample;
    uint64_t rng;
    int data_kind, data_order, data_shards, data_processes; // the train data the position refers to ([20..25])
    uint64_t data_tokens;
    int best_step;       // -kb: the step model_best.bin holds (-1: none yet) ([26])
    float best_val_loss; // its val loss ([27])
    uint32_t best_crc;   // and the CRC-32 of its parameters ([28]): on resume the file must be that model
    int stopped;         // saved by a run that a signal (1) or -ms (2) stopped, before this step's evaluation and sampling ([29])
    int flags_known;     // [30..37] were read (versions 5 to 7) or set from this run's options
    float lr, final_lr_frac, lr_decay_frac, weight_decay, grad_clip; // -l -q -kd -c -gc
    int warmup, schedule, overfit;                                   // -u, -k (1..4), -a
    OutlierDetector loss_window, norm_window; // -sl / -sg: the losses and norms of the last updates (version 6)
    int consecutive_skips;                    // updates skipped in a row up to this step (-ms; [39])
    int skipped_updates;                      // all updates skipped up to this step ([40]): AdamW's t is step - this
} TrainState;

// the sampling RNG's start for -sd: away from the seed itself, where init_parameters' draws start (with state = seed the
// samples would reuse the initialisation's random numbers; an odd multiplier: a distinct state for each seed)
static inline uint64_t sampling_rng_from_seed(int seed) { return (uint64_t)seed * 0x2545F4914F6CDD1DULL + 1; }

// on resume, the run's batch (-b, -t, -d) and -sd must be the checkpoint's: its data position and random numbers mean
// something only with them. -x 0 trains nothing, so it evaluates (generates with, exports) the checkpoint at any (it
// was refused, and -e <its model file> was the way round). path: the state file, named in the error
static inline void check_resume_batch(const TrainState *s, const Options *o, const char *path) {
    if (o->max_steps == 0) { return; }
    if (s->B != o->B || s->T != o->T || s->total_batch_size != o->total_batch_size) {
        fatalf("%s: saved with -b %d -t %d -d %d, but this run has -b %d -t %d -d %d (-d left out is B*T*processes): resume "
               "with the saved -b, -t and -d, or start a fresh run from its weights with -e %s/model_%08d.bin and another -o", path, s->B,
               s->T, s->total_batch_size, o->B, o->T, o->total_batch_size, o->output_dir, s->step);
    }
    if (s->seed != o->seed) {
        fatalf("%s: saved with -sd %d, this run has -sd %d: resume with -sd %d, or start a fresh run from its weights with "
               "-e %s/model_%08d.bin and another -o", path, s->seed, o->seed, s->seed, o->output_dir, s->step);
    }
}

// the optimizer flags a checkpoint records ([30..37]), from this run's options
static inline void state_set_optimizer_flags(TrainState *s, const Options *o) {
    s->flags_known = 1;
    s->lr = o->learning_rate;
    s->warmup = o->warmup_iterations;
    s->final_lr_frac = o->final_lr_frac;
    s->schedule = lr_scheduler_index(o->lr_schedule) + 1;
    s->lr_decay_frac = o->lr_decay_frac;
    s->weight_decay = o->weight_decay;
    s->grad_clip = o->grad_clip;
    s->overfit = o->overfit_single_batch;
}

// a float as few digits as give back the same float (0.002, not 0.00200000009): two different
// floats never print alike
static inline const char *float_digits(char buf[32], float x) {
    for (int p = 6; p <= 9; p++) {
        snprintf(buf, 32, "%.*g", p, (double)x);
        if (strtof(buf, NULL) == x) { break; }
    }
    return buf;
}

// a resumed run whose optimizer flags differ from the checkpoint's: legitimate (a lower rate for the rest
// of a run, say), but never silent, as a changed -x is not; one line naming each change. -x 0 trains no step for
// them to apply from (the note said they applied from the next one, for flags left at their defaults too)
static inline void note_changed_optimizer_flags(const TrainState *saved, const Options *o) {
    if (!saved->flags_known || o->max_steps == 0) { return; }
    TrainState now;
    state_set_optimizer_flags(&now, o);
    char was[512] = "", is[512] = "", x[32], y[32];
    size_t nw = 0, ni = 0;
    int changed = 0;
#define NOTE_FLAG(cond, fmt, a, b) \
    if (cond) { changed++; nw += snprintf(was + nw, sizeof(was) - nw, fmt, a); ni += snprintf(is + ni, sizeof(is) - ni, fmt, b); }
#define NOTE_FLOAT(field, flag) NOTE_FLAG(saved->field != now.field, " " flag " %s", float_digits(x, saved->field), float_digits(y, now.field))
    NOTE_FLOAT(lr, "-l")
    NOTE_FLAG(saved->warmup != now.warmup, " -u %d", saved->warmup, now.warmup)
    NOTE_FLOAT(final_lr_frac, "-q")
    NOTE_FLAG(saved->schedule != now.schedule, " -k %s", LR_SCHEDULES[saved->schedule - 1], LR_SCHEDULES[now.schedule - 1])
    if (saved->schedule == 4 && now.schedule == 4) { NOTE_FLOAT(lr_decay_frac, "-kd") } // (only wsd reads -kd)
    NOTE_FLOAT(weight_decay, "-c")
    NOTE_FLOAT(grad_clip, "-gc")
    NOTE_FLAG(saved->overfit != now.overfit, " -a %d", saved->overfit, now.overfit)
#undef NOTE_FLOAT
#undef NOTE_FLAG
    if (nw > 0) {
        printf("note: the checkpoint's run had%s; this one has%s, which appl%s from step %d\n", was, is, changed == 1 ? "ies" : "y",
               saved->step + 1);
    }
}

static inline void put64(int *h, uint64_t v) { h[0] = (int)(uint32_t)(v & 0xFFFFFFFFu); h[1] = (int)(uint32_t)(v >> 32); }
static inline uint64_t get64(const int *h) { return (uint64_t)(uint32_t)h[0] | ((uint64_t)(uint32_t)h[1] << 32); }

// the outlier windows as the state file holds them (count, next, the losses, the norms: native byte order, as the rest)
static inline void state_windows_pack(unsigned char *out, const TrainState *s) {
    int32_t count = s->loss_window.count, next = s->loss_window.next;
    memcpy(out, &count, 4);
    memcpy(out + 4, &next, 4);
    memcpy(out + 8, s->loss_window.values, OUTLIER_WINDOW * sizeof(double));
    memcpy(out + 8 + OUTLIER_WINDOW * sizeof(double), s->norm_window.values, OUTLIER_WINDOW * sizeof(double));
}

static inline void save_state_file(const char *path, const TrainState *s, const float *m, const float *v, size_t n) {
    int header[HEADER_INTS] = {0};
    header[0] = STATE_MAGIC;
    header[1] = STATE_VERSION;
    header[2] = s->step;
    header[3] = s->B;
    header[4] = s->T;
    header[5] = s->total_batch_size;
    put64(header + 6, n);
    put64(header + 8, s->epoch);
    put64(header + 10, s->shard);
    put64(header + 12, s->sample);
    put64(header + 14, s->rng);
    uint32_t crc = crc32_update(0, m, n * sizeof(float));
    header[16] = (int)crc32_update(crc, v, n * sizeof(float));
    header[17] = s->seed;
    header[19] = s->max_steps;
    header[20] = s->data_kind;
    header[21] = s->data_order;
    header[22] = s->data_shards;
    put64(header + 23, s->data_tokens);
    header[25] = s->data_processes;
    header[26] = s->best_step;
    memcpy(header + 27, &s->best_val_loss, sizeof(float));
    header[28] = (int)s->best_crc;
    header[29] = s->stopped;
    memcpy(header + 30, &s->lr, sizeof(float));
    header[31] = s->warmup;
    memcpy(header + 32, &s->final_lr_frac, sizeof(float));
    header[33] = s->schedule;
    memcpy(header + 34, &s->lr_decay_frac, sizeof(float));
    memcpy(header + 35, &s->weight_decay, sizeof(float));
    memcpy(header + 36, &s->grad_clip, sizeof(float));
    header[37] = s->overfit;
    unsigned char windows[STATE_WINDOWS_BYTES];
    state_windows_pack(windows, s);
    header[38] = (int)crc32_update(0, windows, sizeof(windows));
    header[39] = s->consecutive_skips;
    header[40] = s->skipped_updates;
    header[STATE_HEADER_CRC] = (int)header_crc(header, HEADER_INTS, STATE_HEADER_CRC);
    AtomicFile af;
    atomic_open(&af, path);
    atomic_fwrite(header, sizeof(int), HEADER_INTS, &af);
    atomic_fwrite(m, sizeof(float), n, &af);
    atomic_fwrite(v, sizeof(float), n, &af);
    atomic_fwrite(windows, 1, sizeof(windows), &af);
    atomic_commit(&af);
}

// reads a state file for a model of n parameters into s, m and v (n floats each)
static inline void load_state_file(const char *path, TrainState *s, float *m, float *v, size_t n) {
    FILE *fp = fopenCheck(path, "rb");
    int header[HEADER_INTS];
    long size = file_size(fp);
    if (size < (long)sizeof(header)) { fatalf("%s: not a state file (%ld byte%s)", path, size, plural_s(size)); }
    freadCheck(header, sizeof(int), HEADER_INTS, fp);
    if (header[0] != STATE_MAGIC) { fatalf("%s: bad magic number in state file: expected %d, found %d", path, STATE_MAGIC, header[0]); }
    if (header[1] < 1 || header[1] > STATE_VERSION) { fatalf("%s: unsupported state file version: expected 1 to %d, found %d", path, STATE_VERSION, header[1]); }
    long want = (long)(sizeof(header) + 2 * n * sizeof(float) + (header[1] >= 6 ? STATE_WINDOWS_BYTES : 0));
    if (header[1] >= 2 && (uint32_t)header[STATE_HEADER_CRC] != header_crc(header, HEADER_INTS, STATE_HEADER_CRC)) {
        fatalf("%s: header checksum mismatch: the state file's header is corrupt", path);
    }
    if (get64(header + 6) != n) {
        fatalf("%s: state is for %llu parameters, expected %zu (the model's, or at -z 1 this shard's part of them)", path,
               (unsigned long long)get64(header + 6), n);
    }
    if (size != want) { fatalf("%s: state file is %ld bytes, expected %ld (truncated or corrupt)", path, size, want); }
    s->step = header[2];
    s->B = header[3];
    s->T = header[4];
    s->total_batch_size = header[5];
    s->epoch = get64(header + 8);
    s->shard = get64(header + 10);
    s->sample = get64(header + 12);
    s->rng = get64(header + 14);
    s->seed = header[17];
    s->max_steps = header[1] >= 2 ? header[19] : 0;
    s->data_kind = header[1] >= 3 ? header[20] : 0;
    s->data_order = header[1] >= 3 ? header[21] : 0;
    s->data_shards = header[1] >= 3 ? header[22] : 0;
    s->data_tokens = header[1] >= 3 ? get64(header + 23) : 0;
    s->data_processes = header[1] >= 3 ? header[25] : 0;
    if (header[1] >= 3 && ((s->data_kind != 1 && s->data_kind != 2) || s->data_processes < 1)) {
        fatalf("%s: bad train-data record (kind %d, %d processes): the state file is corrupt", path, s->data_kind, s->data_processes);
    }
    s->best_step = header[1] >= 4 ? header[26] : -1;
    s->best_val_loss = 0.0f;
    if (header[1] >= 4) { memcpy(&s->best_val_loss, header + 27, sizeof(float)); }
    s->best_crc = header[1] >= 4 ? (uint32_t)header[28] : 0;
    s->stopped = header[1] >= 4 ? header[29] : 0;
    if (s->stopped < 0 || s->stopped > 2) { fatalf("%s: bad stop flag %d: the state file is corrupt", path, s->stopped); }
    s->flags_known = header[1] >= 5;
    if (s->flags_known) {
        memcpy(&s->lr, header + 30, sizeof(float));
        s->warmup = header[31];
        memcpy(&s->final_lr_frac, header + 32, sizeof(float));
        s->schedule = header[33];
        memcpy(&s->lr_decay_frac, header + 34, sizeof(float));
        memcpy(&s->weight_decay, header + 35, sizeof(float));
        memcpy(&s->grad_clip, header + 36, sizeof(float));
        s->overfit = header[37];
        if (s->schedule < 1 || s->schedule > NUM_LR_SCHEDULES || (s->overfit != 0 && s->overfit != 1)) {
            fatalf("%s: bad optimizer-flag record (schedule %d, -a %d): the state file is corrupt", path, s->schedule, s->overfit);
        }
    }
    // the values a run writes, checked too where the CRCs hold (a file made or edited by hand with them recomputed):
    // a step of at least 0, a run's last step (-x, resolved) of at least 0 (0: unknown, a version-1 file or an early
    // version-2 one), a batch as -b -t -d take it, a data position no further than one epoch per step (every epoch holds
    // a step), the optimizer flags in their flags' ranges (parse_options). The step may be past the run's last: a run
    // that a signal stopped, resumed with a smaller -x, saves the stopped step again once it has evaluated it
    if (s->step < 0 || s->max_steps < 0 || s->epoch > (size_t)s->step) {
        fatalf("%s: bad step record (step %d, the run to end at %d, epoch %zu): the state file is corrupt", path, s->step,
               s->max_steps, s->epoch);
    }
    if (s->B < 1 || s->T < 1 || s->total_batch_size < 1 || s->total_batch_size % ((long long)s->B * s->T) != 0) {
        fatalf("%s: bad batch record (-b %d -t %d -d %d): the state file is corrupt", path, s->B, s->T, s->total_batch_size);
    }
    if (s->flags_known && (!(s->lr >= 0.0f) || s->warmup < 0 || !(s->final_lr_frac >= 0.0f && s->final_lr_frac <= 1.0f) ||
                           !(s->lr_decay_frac > 0.0f && s->lr_decay_frac <= 1.0f) || !(s->weight_decay >= 0.0f) || !(s->grad_clip >= 0.0f))) {
        fatalf("%s: bad optimizer-flag record (-l %g -u %d -q %g -kd %g -c %g -gc %g): the state file is corrupt", path,
               (double)s->lr, s->warmup, (double)s->final_lr_frac, (double)s->lr_decay_frac, (double)s->weight_decay, (double)s->grad_clip);
    }
    if (s->best_step < -1 || (s->best_step >= 0 && (s->best_step > s->step || !isfinite(s->best_val_loss)))) {
        fatalf("%s: bad best-model record (step %d of %d, val loss %g): the state file is corrupt", path, s->best_step, s->step,
               (double)s->best_val_loss);
    }
    freadCheck(m, sizeof(float), n, fp);
    freadCheck(v, sizeof(float), n, fp);
    memset(&s->loss_window, 0, sizeof(s->loss_window));
    memset(&s->norm_window, 0, sizeof(s->norm_window));
    s->consecutive_skips = 0;
    if (header[1] >= 6) {
        unsigned char windows[STATE_WINDOWS_BYTES];
        freadCheck(windows, 1, sizeof(windows), fp);
        if (crc32_update(0, windows, sizeof(windows)) != (uint32_t)header[38]) { fatalf("%s: checksum mismatch in the outlier windows: the state file is corrupt", path); }
        int32_t count, next;
        memcpy(&count, windows, 4);
        memcpy(&next, windows + 4, 4);
        memcpy(s->loss_window.values, windows + 8, OUTLIER_WINDOW * sizeof(double));
        memcpy(s->norm_window.values, windows + 8 + OUTLIER_WINDOW * sizeof(double), OUTLIER_WINDOW * sizeof(double));
        // a window fills from 0, then wraps: next = count until it is full
        int ok = count >= 0 && count <= OUTLIER_WINDOW && next >= 0 && next < OUTLIER_WINDOW && (count == OUTLIER_WINDOW || next == count);
        for (int i = 0; i < OUTLIER_WINDOW && ok; i++) { ok = isfinite(s->loss_window.values[i]) && isfinite(s->norm_window.values[i]); }
        if (!ok || header[39] < 0) {
            fatalf("%s: bad outlier-window record (count %d, next %d, %d skips): the state file is corrupt", path, count, next, header[39]);
        }
        s->loss_window.count = s->norm_window.count = count;
        s->loss_window.next = s->norm_window.next = next;
        s->consecutive_skips = header[39];
    }
    s->skipped_updates = header[1] >= 7 ? header[40] : 0;
    // ([39] is not bounded by [40]: a run resumed from a version-6 file counts its skips from 0 there, while its skips in
    // a row go on from [39])
    if (header[1] >= 7 && (s->skipped_updates < 0 || s->skipped_updates > s->step)) {
        fatalf("%s: bad skipped-update record (%d of %d steps, %d in a row): the state file is corrupt", path, s->skipped_updates,
               s->step, s->consecutive_skips);
    }
    fcloseCheck(fp);
    uint32_t crc = crc32_update(0, m, n * sizeof(float));
    crc = crc32_update(crc, v, n * sizeof(float));
    if (crc != (uint32_t)header[16]) { fatalf("%s: checksum mismatch: the state file is corrupt", path); }
}

// a training run's val evaluation: printed, and main.log's `tel:` and `tea:` lines
static inline void report_val(Logger *logger, int step, float val_loss, float val_acc) {
    printf("val loss %f\nval accuracy %f\n", val_loss, val_acc);
    logger_log_val(logger, step, val_loss);
    char line[64];
    snprintf(line, sizeof(line), "s:%d tea:%.6f", step, val_acc);
    logger_log_line(logger, line);
}

/*
-kb 1: at each val evaluation of a training run, a finite val loss below the best so far (the first
one counts) makes the current model the best, written as <dir>/model_best.bin (a model file,
atomically, as a checkpoint's). The best step, loss and parameter CRC travel in the state file
([26..28]), so a resumed run compares against the same best. The file is written when the best
changes, the record only with the next checkpoint: after a crash between the two the file holds a
newer model than the checkpoint's record (or the file is gone), and the resumed run starts the
choice afresh. Without -kb the record is left as it is (but -y 2 drops it, below).
*/
static inline void best_model_path(char *path, size_t size, const char *dir) { snprintf(path, size, "%s/model_best.bin", dir); }

static inline int val_loss_is_new_best(TrainState *s, float val_loss, int step) {
    if (!isfinite(val_loss) || (s->best_step >= 0 && !(val_loss < s->best_val_loss))) { return 0; }
    s->best_step = step;
    s->best_val_loss = val_loss;
    return 1;
}

// the CRC-32 of a model file's parameters, from its (checked) header
static inline uint32_t model_file_crc(const char *path) {
    MambaConfig c;
    size_t n;
    uint32_t crc;
    fcloseCheck(open_model_file(path, &c, &n, &crc));
    return crc;
}

// on resume: -y 2 (other train data, often other val data too) drops the record; with -kb 1 so does a
// model_best.bin that is missing or is not the recorded model
static inline void resume_best_model_record(TrainState *s, const Options *o, int print) {
    if (s->best_step < 0) { return; }
    char path[1024];
    best_model_path(path, sizeof(path), o->output_dir);
    if (o->resume == 2) {
        if (print && o->keep_best) {
            printf("note: -y 2 trains on other data: the best-model record (step %d) is dropped, the best is chosen afresh from the next evaluation\n", s->best_step);
        }
        s->best_step = -1;
        return;
    }
    if (!o->keep_best) { return; }
    // (a model_best.bin that cannot be read, as one cut short or corrupt, is refused with what to do: it is -kb's copy
    // of the best model, no part of the checkpoint, which resumes once it is moved away)
    const char *outer_note = fatal_note;
    fatal_note = "model_best.bin is -kb's copy of the best model, not part of the checkpoint: move it away to resume (the "
                 "best is then chosen afresh)";
    const char *why = access(path, F_OK) != 0 ? "is missing"
                      : model_file_crc(path) != s->best_crc ? "holds another model (written after the checkpoint)" : NULL;
    fatal_note = outer_note;
    if (why != NULL) {
        if (print) { printf("note: %s %s, not the best model this checkpoint recorded (step %d): the best is chosen afresh from the next evaluation\n", path, why, s->best_step); }
        s->best_step = -1;
    }
}

// on resume with -y 2 (other train data): the -sl / -sg windows hold the old data's losses and norms, against
// which the new data's could all score as outliers (and -ms consecutive skips end the run), so they restart empty
static inline void resume_outlier_windows(TrainState *s, const Options *o, int print) {
    if (o->resume != 2) { return; }
    if (print && (o->skip_loss_z > 0.0f || o->skip_norm_z > 0.0f) && s->loss_window.count > 0) {
        printf("note: -y 2 trains on other data: the -sl / -sg windows restart empty (scored again after %d updates)\n", OUTLIER_WINDOW);
    }
    memset(&s->loss_window, 0, sizeof(s->loss_window));
    memset(&s->norm_window, 0, sizeof(s->norm_window));
    s->consecutive_skips = 0;
}

// a checkpoint's marker is named exactly as written, DONE_%08d (8 digits, more from step 10^8 on);
// other names (DONE_1, DONE_+7, DONE_00000099x) are not markers, so pruning neither counts nor loops on them
static inline int parse_done_marker(const char *name, int *step) {
    if (strncmp(name, "DONE_", 5) != 0) { return 0; }
    const char *d = name + 5;
    size_t len = strlen(d);
    if (len < 8 || len > 10) { return 0; }
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)d[i])) { return 0; }
        v = v * 10 + (d[i] - '0');
    }
    char canon[16];
    if (v > INT_MAX) { return 0; }
    snprintf(canon, sizeof(canon), "%08d", (int)v);
    if (strcmp(canon, d) != 0) { return 0; }
    *step = (int)v;
    return 1;
}

// the process count, rank and local rank variables of each launcher, in the order they are looked for
// (llmc/cuda/multi_gpu.cuh's header);
// PMI's local rank is MPI_LOCALRANKID under MPICH's hydra, PMI_LOCAL_RANK under Cray's
typedef struct { const char *world, *rank, *local, *local2; } LauncherVars;
static const LauncherVars LAUNCHERS[] = {
    {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", NULL},
    {"PMI_SIZE", "PMI_RANK", "MPI_LOCALRANKID", "PMI_LOCAL_RANK"},
    {"WORLD_SIZE", "RANK", "LOCAL_RANK", NULL},
    {"SLURM_NTASKS", "SLURM_PROCID", "SLURM_LOCALID", NULL},
};
// a launcher's variable as an int: fallback where it is unset or empty; one that is not a whole number (WORLD_SIZE=abc,
// 2x) is refused, naming it (atoi read it as 0 or its leading digits: a count or rank the launcher never gave)
static inline int env_int(const char *name, int fallback) {
    const char *v = name != NULL ? getenv(name) : NULL;
    if (v == NULL || v[0] == '\0') { return fallback; }
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10); // (which skips leading white space: refused as the trailing is)
    if (isspace((unsigned char)v[0]) || *end != '\0' || errno != 0 || x < INT_MIN || x > INT_MAX) {
        fatalf("%s=%s: a launcher's variable that is not a whole number", name, v);
    }
    return (int)x;
}
// the first launcher whose rank variable is set, or NULL
static inline const LauncherVars *launcher_from_env(void) {
    for (size_t i = 0; i < sizeof(LAUNCHERS) / sizeof(LAUNCHERS[0]); i++) {
        if (getenv(LAUNCHERS[i].rank) != NULL) { return &LAUNCHERS[i]; }
    }
    return NULL;
}

// the run's number of processes and this one's rank: -pn and -pr, else the variables of the first launcher whose rank
// variable is set, else one process, rank 0. Refused at start-up, each source named: several processes and no rank for
// this one (every process started so took rank 0 and waited -pt seconds for ranks that never came), and a rank past the
// count (-pn 1 under a launcher that started several: its rank 1 would train alone, into the same -o)
static inline void process_count_and_rank(const Options *o, int *num_processes, int *process_rank) {
    const LauncherVars *env = launcher_from_env();
    int n = o->num_processes > 0 ? o->num_processes : env != NULL ? env_int(env->world, 1) : 1;
    int r = o->process_rank >= 0 ? o->process_rank : env != NULL ? env_int(env->rank, 0) : 0;
    if (n < 1) { fatalf("%s=%d: a launcher's number of processes must be at least 1", env->world, n); } // (-pn < 0 is refused)
    if (n > 1 && o->process_rank < 0 && env == NULL) {
        fatalf("-pn %d, but no rank for this process: give each one -pr <rank> (0 to %d), or start them with a launcher "
               "that sets it (scripts/multi_gpu.sh, mpirun, torchrun, srun)", n, n - 1);
    }
    if (r < 0 || r >= n) {
        char count_from[160] = "no -pn, and no launcher's variables";
        // (the launcher's count, set and not empty: an empty one is as unset, env_int)
        const char *world = env != NULL && getenv(env->world) != NULL && getenv(env->world)[0] != '\0' ? getenv(env->world) : NULL;
        if (o->num_processes > 0 && world != NULL) {
            // (-pn 1 beside WORLD_SIZE=1: "not" misread) compared without env_int, whose refusal of a count that is not a
            // whole number would hide this error behind a variable that -pn leaves unread
            char pn[16];
            snprintf(pn, sizeof(pn), "%d", o->num_processes);
            snprintf(count_from, sizeof(count_from), "-pn, %s the launcher's %s=%s", strcmp(world, pn) == 0 ? "as" : "not",
                     env->world, world);
        } else if (o->num_processes > 0 || world != NULL) {
            snprintf(count_from, sizeof(count_from), "%s", o->num_processes > 0 ? "-pn" : env->world);
        } else if (env != NULL) { // (one process: the launcher's count is not set, which naming it said it was)
            snprintf(count_from, sizeof(count_from), "no -pn, and no %s beside %s", env->world, env->rank);
        }
        fatalf("%s %d: the rank must be below the number of processes, %d (%s)", o->process_rank >= 0 ? "-pr" : env->rank, r, n,
               count_from);
    }
    *num_processes = n;
    *process_rank = r;
}

// Hold -o for this run: an exclusive flock on <dir>/.lock, kept until the process exits (the kernel
// drops it at any exit, a crash included, so a stale file blocks nothing). A second run on the same
// directory (a job started twice, an overlapping requeue) would otherwise train into the same
// checkpoints and log. Returns 0 when another process holds it; a file system without locks gets a
// note and 1.
// made: the directories make_dirs made for dir, taken away again where the lock file cannot be created (no inodes
// left, too many open files), as for any start-up error.
static inline int lock_output_dir(const char *dir, const char *made) {
    char path[1100];
    snprintf(path, sizeof(path), "%s/.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int err = errno;
        remove_made_dirs(dir, made);
        fatalf("-o %s: cannot create '%s': %s", dir, path, strerror(err));
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) { return 1; } // (fd stays open: closing it would release the lock)
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) { return 0; }
    printf("note: -o %s: no lock taken (%s): nothing stops a second run on this directory\n", dir, strerror(err));
    return 1;
}
// -o made where missing, then held (lock_output_dir)
static inline int make_and_lock_output_dir(const char *dir) {
    char made[1024];
    make_dirs(dir, made, sizeof(made));
    return lock_output_dir(dir, made);
}

// the .tmp a run killed while rewriting one of -o's whole files (atomic_open) left there: model_best.bin's, which only
// the next new best wrote over (a run without -kb, or with no better val loss, kept it for good), main.log's (a resume's
// rewrite; a fresh run writes main.log directly), tokenizer.json's and commands.txt's. No run reads them: removed at the
// start of a run that holds -o (make_and_lock_output_dir), as no other run writes there. A checkpoint's .tmp goes with
// -nk's pruning (prune_incomplete_checkpoints), which knows the steps a run may still write
static inline void remove_stale_tmp_files(const char *dir) {
    static const char *const names[] = {"model_best.bin.tmp", "main.log.tmp", "tokenizer.json.tmp", "commands.txt.tmp"};
    int removed = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[1100];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (unlink(path) == 0) { removed = 1; } // (unlink: never a directory of that name)
    }
    if (removed) { fsync_dir(dir); }
}
#define OUTPUT_DIR_BUSY "-o %s: another run is using this directory (it holds %s/.lock): wait for it to end, or give another -o"

// newest step before `below` with a DONE_<step> marker in dir, or -1
static inline int find_checkpoint_before(const char *dir, int below) {
    DIR *dp = opendir(dir);
    if (dp == NULL) { return -1; }
    int best = -1;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        int step;
        if (parse_done_marker(e->d_name, &step) && step < below && step > best) { best = step; }
    }
    closedir(dp);
    return best;
}

// newest step with a DONE_<step> marker in dir, or -1
static inline int find_latest_checkpoint(const char *dir) { return find_checkpoint_before(dir, INT_MAX); }

// -x 0 with -y evaluates (generates with, exports) the newest checkpoint of -o: none there is an error, not the -e model
// (a fresh random one for a descriptor) scored in its place with exit status 0. latest: find_latest_checkpoint's
static inline void check_eval_checkpoint_found(const Options *o, int latest) {
    if (o->max_steps == 0 && o->resume && latest < 0) {
        fatalf("-x 0 -y %d: no complete checkpoint (DONE_<step> marker) in %s to evaluate; leave out -y to evaluate -e %s",
               o->resume, o->output_dir, o->model);
    }
}

// the start-up check of -o for a run that writes there (check_dir_creatable): one that would resume from a checkpoint in
// a directory it cannot write (another user's run, a read-only share) is also told that -x 0 -y 1 reads it, writing nothing
static inline void check_output_dir_writable(const Options *o) {
    int latest = o->resume ? find_latest_checkpoint(o->output_dir) : -1;
    const char *outer_note = fatal_note;
    char note[200];
    if (latest >= 0) {
        snprintf(note, sizeof(note), "-x 0 -y 1 reads its newest checkpoint (step %d) without writing there, to evaluate it, "
                 "sample from it (-p) or export it (-hf)", latest);
        fatal_note = note;
    }
    check_dir_creatable(o->output_dir, "-o");
    fatal_note = outer_note;
}

// while the newest checkpoint's files are read on resume, an error in them (a corrupt or truncated file) also says how
// to resume from the complete checkpoint before it instead (its DONE_ marker taken away), or that there is none;
// resume_note_clear() after. -x 0, which writes nothing in -o (a directory it may not be able to write), is told to read
// that checkpoint's model with -e instead
static inline void resume_note_set(const Options *o, int latest) {
    static char note[1200];
    const char *dir = o->output_dir;
    int before = find_checkpoint_before(dir, latest);
    if (before >= 0 && o->max_steps == 0) {
        snprintf(note, sizeof(note), "to use the checkpoint before it (step %d), give -e %s/model_%08d.bin without -y", before,
                 dir, before);
    } else if (before >= 0) {
        snprintf(note, sizeof(note), "to resume from the checkpoint before it (step %d), remove %s/DONE_%08d", before, dir,
                 latest);
    } else {
        snprintf(note, sizeof(note), "no earlier complete checkpoint in %s%s", dir,
                 o->max_steps == 0 ? "" : " to resume from: start afresh with another -o");
    }
    fatal_note = note;
}
static inline void resume_note_clear(void) { fatal_note = NULL; }

// the step line's estimate of the training time left: the steps to go at the mean step time so far (this step's
// while the first steps, which include warm-up, are all there is), as "eta 42s", "eta 7m05s" or "eta 3h02m";
// evaluations, samples and checkpoints to come are not in it
static inline const char *eta_text(char *buf, size_t n, double timed_ms, int timed_steps, double this_ms, int steps_left) {
    double ms = timed_steps > 0 ? timed_ms / timed_steps : this_ms;
    long s = (long)(ms * steps_left / 1000.0 + 0.5);
    if (s < 60) { snprintf(buf, n, "eta %lds", s); }
    else if (s < 3600) { snprintf(buf, n, "eta %ldm%02lds", s / 60, s % 60); }
    else { snprintf(buf, n, "eta %ldh%02ldm", s / 3600, s % 3600 / 60); }
    return buf;
}

// one argument as bash reads it back: as it is when it holds only characters no shell treats specially, else in '...'
// (a ' in it as '\''), or in $'...' when it holds a control character (a newline in a -p prompt), so each run is one line
static inline void fput_shell_word(FILE *fp, const char *w) {
    int plain = w[0] != '\0', control = 0;
    for (const unsigned char *c = (const unsigned char *)w; *c; c++) {
        if (!(isalnum(*c) || strchr("_@%+=:,./-", *c) != NULL)) { plain = 0; }
        if (*c < 0x20 || *c == 0x7f) { control = 1; }
    }
    if (plain) { fputs(w, fp); return; }
    fputs(control ? "$'" : "'", fp);
    for (const unsigned char *c = (const unsigned char *)w; *c; c++) {
        if (control && (*c < 0x20 || *c == 0x7f)) { fprintf(fp, "\\x%02x", *c); }
        else if (control && (*c == '\'' || *c == '\\')) { fprintf(fp, "\\%c", *c); }
        else if (!control && *c == '\'') { fputs("'\\''", fp); }
        else { fputc(*c, fp); }
    }
    fputc('\'', fp);
}

// <dir>/commands.txt keeps the command line of every run started in dir (a fresh one, each resume), one line each: the
// UTC time, the step it started from, and the arguments as bash reads them back; so a run's settings stay with its
// checkpoints. Rewritten whole through a .tmp, as every file the trainers write
static inline void record_command(const char *dir, int argc, char **argv, int step) {
    char path[1100];
    snprintf(path, sizeof(path), "%s/commands.txt", dir);
    // the earlier runs' lines first: a file that is there but cannot be read (no permission, too many open files, an
    // I/O error) is an error, not an empty history that the rewrite below would then replace
    FILE *old = fopen(path, "rb");
    if (old == NULL && errno != ENOENT) { fatalf("cannot read '%s' to add this run's line: %s", path, strerror(errno)); }
    AtomicFile af;
    atomic_open(&af, path);
    if (old != NULL) {
        char buf[4096];
        for (size_t n; (n = fread(buf, 1, sizeof(buf), old)) > 0;) { atomic_fwrite(buf, 1, n, &af); }
        if (ferror(old)) {
            int err = errno; // (read's: "Is a directory" for a commands.txt that is one)
            fclose(af.fp);
            remove(af.tmp_path);
            fatalf("cannot read '%s' to add this run's line: %s", path, strerror(err));
        }
        fclose(old);
    }
    time_t now = time(NULL);
    struct tm tm;
    char when[32];
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    fprintf(af.fp, "%s step %d:", when, step);
    for (int i = 0; i < argc; i++) {
        fputc(' ', af.fp);
        fput_shell_word(af.fp, argv[i]);
    }
    fputc('\n', af.fp);
    atomic_commit(&af);
}

// a warmup longer than the run never reaches the peak rate (step i runs at lr * (i+1) / warmup): said
// once at start-up, since it is legal (short test runs) but rarely meant in a real one
static inline void note_short_run(const Options *o, int steps) {
    if (steps > 0 && o->warmup_iterations > steps) {
        printf("note: the warmup (-u %d) is longer than the run (%d step%s): the learning rate stays below -l %g\n",
               o->warmup_iterations, steps, plural_s(steps), o->learning_rate);
    }
}

// a finished run started again (-y with nothing left to train): said once. It evaluates no step (that step's evaluations
// were those of the run that saved it, unless a signal stopped it before them), so an -mc file given now is not scored:
// said too, since it went unsaid (-es is evaluated again: finish_run), with the command that scores the checkpoint on it
static inline void print_nothing_to_train(const Options *o, const TrainState *s, int steps, int has_mc) {
    printf("nothing to train: the checkpoint is at step %d, the run ends at step %d (-x)\n", s->step, steps);
    if (has_mc && !s->stopped) {
        printf("note: -mc %s is not evaluated: a run with nothing to train evaluates no step (-es alone runs again); "
               "-x 0 -y 1 evaluates the checkpoint on it\n", o->mc_eval_path);
    }
}

// -sl / -sg score an update against the OUTLIER_WINDOW updates before it (outlier_zscore), so a run whose updates to
// come cannot fill the window, with what the checkpoint's run left in it, scores none: said once at start-up, as the
// warmup above, since it is legal (short test runs) but a run that meant to be protected is not (it went unsaid).
// s: the state setup_model left (the checkpoint's step and window, emptied by -y 2); steps: the run's last step
static inline void note_outlier_window(const Options *o, const TrainState *s, int steps) {
    if (!(o->skip_loss_z > 0.0f || o->skip_norm_z > 0.0f) || s->loss_window.count + (steps - s->step) > OUTLIER_WINDOW) { return; }
    printf("note: -sl / -sg score an update against the %d updates before it; this run's %d update%s cannot fill that "
           "window (%d in it now), so none is scored\n", OUTLIER_WINDOW, steps - s->step, steps - s->step == 1 ? "" : "s",
           s->loss_window.count);
}

// " -tp -gk are not used": the flags of a table given (bits of mask), for a note that they do nothing in this run
static inline void print_unused_flags(const char *const *flags, int count, int mask) {
    for (int i = 0; i < count; i++) {
        if (mask & 1 << i) { printf(" %s", flags[i]); }
    }
    printf(" %s not used\n", (mask & (mask - 1)) != 0 ? "are" : "is");
}

// whether this run samples (sample(): during or after training, or generation only with -x 0 -p)
static inline int sample_will_run(const Options *o) {
    return (o->max_steps != 0 && o->gen_tokens > 0) || (o->max_steps == 0 && o->prompt != NULL);
}

// whether this run runs the batched forward (mamba_forward): training, or -x 0's val evaluation, -es or -mc; -x 0's
// generation and -hf export alone do not (the GPU trainer's kernels, which limit the shapes, run only then)
static inline int forward_will_run(const Options *o) {
    return o->max_steps != 0 || eval_only_reads_val(o) || o->stream_eval_pattern != NULL || o->mc_eval_path != NULL;
}

/*
What can fail after the last training step is checked before the first one, so that a bad value
cannot end a run without its final checkpoint or its -hf export:
  - where this process samples (every process of train_mamba.c, rank 0 of train_mamba.cu), the prompt's tokens
    against the model's vocabulary, and the sample buffer (-g x -gb tokens) against the RAM: check_sampling_before_training,
    apart, since on the GPU it is rank 0's alone (train_mamba.cu, rank0_alone);
  - a fresh run (no -y 1, or -y 1 finding nothing) into an -o directory that holds a checkpoint:
    -y 1 would later resume that other run, and prune_checkpoints would mix the two;
  - every header and token of the -es stream (read once here, again after training).
Flags that do nothing in this run (-x 0's, a prompt with -g 0) are noted here too, where this process samples
(samples_here), which speaks for the run.
*/
static inline void check_sampling_before_training(const Options *o, Tokenizer *tokenizer, int vocab_size) {
    if (!sample_will_run(o)) { return; }
    const char *prompt = o->prompt;
    int plen = prompt != NULL && prompt[0] != '\0' ? tokenizer_encoded_length(tokenizer, prompt) : 0;
    int *ids = (int *)mallocCheck((size_t)(plen + 1) * sizeof(int));
    int n = plen > 0 ? tokenizer_encode(tokenizer, prompt, ids, plen) : 0;
    for (int i = 0; i < n; i++) {
        if (ids[i] >= vocab_size) { fatalf("prompt (-p) token %d outside the model's vocabulary [0, %d)", ids[i], vocab_size); }
    }
    free(ids);
    double bytes = (double)o->gen_batch * ((double)o->gen_tokens + 1) * sizeof(int);
    double ram = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    if (ram > 0 && bytes > ram / 2) {
        fatalf("-g %d x -gb %d: the sampled tokens need %.1f GiB, more than half of this machine's %.1f GiB", o->gen_tokens,
               o->gen_batch, bytes / (1 << 30), ram / (1 << 30));
    }
}
static inline void check_run_before_training(const Options *o, int vocab_size, int resumed, int samples_here) {
    if (o->output_dir != NULL && !resumed && o->max_steps != 0) {
        int latest = find_latest_checkpoint(o->output_dir);
        if (latest >= 0) {
            fatalf("'%s' holds the checkpoint of an earlier run (step %d): continue it with -y 1 (-y 2 for other train data), "
                   "or give another -o", o->output_dir, latest);
        }
    }
    if (o->stream_eval_pattern != NULL) {
        size_t n;
        free(load_token_stream(o->stream_eval_pattern, vocab_size, 2, &n));
    }
    // -x 0 runs no training: flags given for what it skips are said to do nothing, once (where it samples: rank 0)
    if (samples_here && o->max_steps == 0) {
        if (o->prompt != NULL && o->val_named) {
            printf("note: -x 0 with -p generates instead of the val evaluation: -j %s is not read (leave out -p to evaluate it)\n",
                   o->val_data_pattern);
        }
        const int x0_sample_flags = o->sample_flags_given & ~(1 << SAMPLE_FLAG_S); // (-s: with the training flags below)
        // (with -g 0 there are no tokens to choose; -gb still prints the prompt that many times)
        const int choice_flags = x0_sample_flags & SAMPLE_CHOICE_FLAGS;
        if (o->prompt != NULL && o->gen_tokens == 0) {
            printf("note: -x 0 -p with -g 0 generates no tokens: the prompt alone is printed%s", choice_flags != 0 ? ";" : "\n");
            if (choice_flags != 0) { print_unused_flags(SAMPLE_FLAGS, (int)(sizeof(SAMPLE_FLAGS) / sizeof(SAMPLE_FLAGS[0])), choice_flags); }
        }
        if (o->prompt == NULL && x0_sample_flags != 0) {
            printf("note: -x 0 generates only with -p or -gf (-p \"\": from no prompt):");
            print_unused_flags(SAMPLE_FLAGS, (int)(sizeof(SAMPLE_FLAGS) / sizeof(SAMPLE_FLAGS[0])), x0_sample_flags);
        }
        if (o->train_flags_given != 0) {
            printf("note: -x 0 trains nothing:");
            print_unused_flags(TRAIN_FLAGS, (int)(sizeof(TRAIN_FLAGS) / sizeof(TRAIN_FLAGS[0])), o->train_flags_given);
        }
        // (-x 0 -i <shards> read as "evaluate these": it evaluated the default -j's, tinyshakespeare's, without a word)
        if ((o->train_flags_given & 1) && !o->val_named && eval_only_reads_val(o)) {
            printf("note: -x 0 evaluates -j's val shards, not -i's: this is the default -j %s (give -j <shards> for others)\n",
                   o->val_data_pattern);
        }
        // (-x 0 -p hi -m 3 read no -m and said nothing, where the other flags it leaves unused are noted)
        if (o->val_max_given && !eval_only_reads_val(o)) {
            printf("note: -x 0 runs no val evaluation here (%s): -m is not used\n",
                   o->prompt != NULL ? "-p generates instead" : "-es, -mc or -hf with no -j skips it");
        }
        if (o->output_dir != NULL && !resumed) {
            printf("note: -x 0 trains nothing: -o %s is not written (with -y 1, its newest checkpoint is what -x 0 evaluates)\n",
                   o->output_dir);
        }
    }
    // a training run samples only with -g > 0: its prompt (-p, -gf) with -g 0 is not used, said once (as for -x 0 above)
    if (samples_here && o->max_steps != 0 && o->prompt != NULL && o->gen_tokens == 0) {
        printf("note: -p/-gf with -g 0 samples nothing: the prompt is not used (give -g <tokens> to sample from it)\n");
    }
    // ... and so are the other sampling flags (-g 0 leaves none of its own bit set)
    if (samples_here && o->max_steps != 0 && o->gen_tokens == 0 && o->sample_flags_given != 0) {
        printf("note: -g 0 samples nothing:");
        print_unused_flags(SAMPLE_FLAGS, (int)(sizeof(SAMPLE_FLAGS) / sizeof(SAMPLE_FLAGS[0])), o->sample_flags_given);
    }
}


static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
What the stream evaluation prints (and logs when there is a log): the mean loss in nats per
predicted token, bits per token, and bits per byte of the predicted tokens' text where the
tokenizer knows each token's bytes (for a byte-level model the two are the same number). The
end-of-text token is no text (dev/data/tokenize puts it before each document): it counts no bytes,
not those of its name ("<|endoftext|>", 13).
targets: the n predicted tokens.
*/
static inline void report_stream_eval(const char *pattern, double loss_sum, const int *targets, size_t n,
                                      const Tokenizer *tokenizer, double seconds, Logger *logger, int step) {
    double loss = loss_sum / (double)n, bits = loss_sum / log(2.0), bytes = 0.0;
    if (tokenizer->init_ok && tokenizer->token_len != NULL) { // a tokenizer smaller than the model: n/a
        for (size_t i = 0; i < n && bytes >= 0.0; i++) {
            bytes = (uint32_t)targets[i] >= tokenizer->vocab_size ? -1.0
                    : targets[i] == tokenizer->eot_token ? bytes : bytes + tokenizer->token_len[targets[i]];
        }
    }
    char bpb[64] = "";
    if (bytes > 0) { snprintf(bpb, sizeof(bpb), "%.6f", bits / bytes); }
    printf("stream eval %s: %zu token%s predicted as one sequence | loss %.6f | bits/token %.6f | bits/byte %s | %.1f s\n",
           pattern, n, plural_s((long long)n), loss, bits / (double)n, bytes > 0 ? bpb : "n/a", seconds);
    char line[256];
    snprintf(line, sizeof(line), "s:%d stream_loss:%.6f bpt:%.6f bpb:%s tokens:%zu", step, loss, bits / (double)n,
             bytes > 0 ? bpb : "n/a", n);
    logger_log_line(logger, line);
}

// the -mc accuracies (r summed over every process), printed and logged as llm.c logs HellaSwag's (eval:, the
// per-token choice) plus the summed-loss choice (evs:) and, where the completions could be decoded, the
// per-character choice (evc:, lm-evaluation-harness's acc_norm); for examples of one completion (a cloze, such
// as LAMBADA) the share whose every token was the likeliest and the perplexity exp(mean summed loss) (cla:, clp:)
static inline void report_mc(const char *path, const MCResult *r, int per_char, double seconds, Logger *logger, int step) {
    if (r->nonfinite > 0) { printf("note: -mc: %d of the rows had a non-finite loss: their examples' figures mean little\n", r->nonfinite); }
    char line[160];
    if (r->examples > 0) {
        double per_token = (double)r->correct_mean / r->examples, summed = (double)r->correct_sum / r->examples;
        double by_char = (double)r->correct_char / r->examples;
        char chars[64] = "";
        if (per_char) { snprintf(chars, sizeof(chars), ", %.6f (loss per character)", by_char); }
        printf("mc accuracy %.6f (mean token loss), %.6f (summed loss)%s | %d example%s of %s | %.1f s\n", per_token, summed,
               chars, r->examples, r->examples == 1 ? "" : "s", path, seconds);
        if (per_char) { snprintf(line, sizeof(line), "s:%d eval:%.6f evs:%.6f evc:%.6f", step, per_token, summed, by_char); }
        else { snprintf(line, sizeof(line), "s:%d eval:%.6f evs:%.6f", step, per_token, summed); }
        logger_log_line(logger, line);
    }
    if (r->cloze_examples > 0) {
        double greedy = (double)r->cloze_greedy / r->cloze_examples, ppl = exp(r->cloze_loss / r->cloze_examples);
        printf("cloze accuracy %.6f (every token the likeliest), perplexity %.6f | %d example%s of %s | %.1f s\n", greedy, ppl,
               r->cloze_examples, r->cloze_examples == 1 ? "" : "s", path, seconds);
        snprintf(line, sizeof(line), "s:%d cla:%.6f clp:%.6f", step, greedy, ppl);
        logger_log_line(logger, line);
    }
}

// -mc's per-character choice (lm-evaluation-harness's acc_norm) decodes every completion with the run's tokenizer
// (bytes for a byte-level model); returns whether it can. Said once, at start-up, when it cannot and the file has
// choices to make.
static inline int mc_chars_from_tokenizer(MCEvalSet *mc, const Tokenizer *t, const char *path) {
    if (t->init_ok && mc_set_chars(mc, (const char *const *)t->token_table, t->token_len, t->vocab_size)) { return 1; }
    if (mc->total_rows == mc->num_examples) { return 0; } // clozes alone (one completion each): no choice to make
    printf("note: -mc %s: %s, so no choice by loss per character (lm-evaluation-harness's acc_norm); the per-token and "
           "summed choices are made\n", path, t->init_ok ? "a completion has a token past the tokenizer's vocabulary"
                                                           : "no tokenizer to decode the completions with");
    return 0;
}


/*
Signals. SIGINT / SIGTERM (what Slurm sends before the time limit) ask the training loop to
finish the current step, write a checkpoint and exit 0 (an evaluation or sample under way is cut
short, and the resumed run does it; at step 0 of a fresh run nothing is written); a second one
exits at once. SIGUSR1 asks
for the same stop but never counts as that second signal: launchers pass a stop on with it
(scripts/multi_gpu.sh), so a rank that also got the Ctrl-C or Slurm's SIGTERM itself, in either
order, still writes its checkpoint. SIGHUP (the terminal closed: it comes from the kernel and again from
the shell) stops the same way as SIGUSR1, so the run that lost its terminal checkpoints too; one ignored when
the trainer started (nohup) stays ignored.
SIGXFSZ is ignored so that a file-size limit makes write() fail (an error we report, keeping
the previous checkpoint) instead of killing the process mid-write, and SIGPIPE so that a closed
stdout does not end the run.
*/
static volatile sig_atomic_t stop_signal = 0;
// set while the training loop runs, up to its last step's final check: the loop (with the evaluations and the
// sampling it calls) is the only place that reads stop_signal. Elsewhere (-x 0's evaluation and generation, the
// -hf export and -es after the loop) a signal ends the process at once, as the default action would
static volatile sig_atomic_t stop_signal_deferred = 0;
static volatile sig_atomic_t stop_signal_direct = 0; // a SIGINT / SIGTERM has arrived

// What the process answers on stderr the moment a stop signal arrives in the training loop, since a CPU step, a long
// sample or a large checkpoint can take a while: "signal 2: stopping after this step ...". Written by
// announce_stop_signals before the loop (rank 0's alone: a Ctrl-C reaches every process of a run), with write(),
// the one output a signal handler may use. The signal's number goes at the '#'. While a sample prints (its tokens
// stream without newlines) the answer waits for its end (hold_stop_note / release_stop_note), so that with stderr
// into the same file (2>&1, Slurm's output) it never lands inside the sample's text.
static char stop_signal_note[3][200]; // the first signal; the first, before anything is trained; the second
static volatile sig_atomic_t stop_signal_note_set = 0;
static volatile sig_atomic_t stop_signal_before_training = 0; // (step 0's evaluation: a stop there has nothing to save)
static volatile sig_atomic_t stop_signal_note_held = 0;
// 1 + the held answer's index in stop_signal_note, 0: none held. Taken with an atomic exchange, by release_stop_note or
// by a second signal's handler, whichever comes first: the answer is written once, whenever the second signal lands
static volatile sig_atomic_t stop_signal_note_pending = 0;
static inline int take_held_stop_note_(void) { return __atomic_exchange_n(&stop_signal_note_pending, 0, __ATOMIC_SEQ_CST); }

static void write_stop_note_(const char *note, int sig) {
    char line[sizeof(stop_signal_note[0]) + 4];
    size_t n = 0;
    for (const char *c = note; *c != '\0' && n < sizeof(line) - 4; c++) {
        if (*c != '#') { line[n++] = *c; continue; }
        if (sig >= 10) { line[n++] = (char)('0' + sig / 10 % 10); }
        line[n++] = (char)('0' + sig % 10);
    }
    ssize_t written = write(STDERR_FILENO, line, n); // (nothing to do if it fails)
    (void)written;
}

static void handle_stop_signal(int sig) {
    int saved_errno = errno; // (write() below may set it under the code that the signal interrupted)
    if (hf_switching) { // (an -hf export's switch to its new files: it raises the signal again when done, llmc/hf_io.h)
        hf_switch_signal = sig;
        return;
    }
    int direct = sig != SIGUSR1 && sig != SIGHUP;
    if (!direct && stop_signal != 0) { return; } // a launcher passing on a stop already under way, a second SIGHUP
    if (!stop_signal_deferred) { _exit(128 + sig); }
    if (direct && stop_signal_direct) {
        int held = take_held_stop_note_();
        if (held > 0) { write_stop_note_(stop_signal_note[held - 1], stop_signal); } // (the first's, still held)
        if (stop_signal_note_set) { write_stop_note_(stop_signal_note[2], sig); }
        _exit(128 + sig);
    }
    if (direct) { stop_signal_direct = 1; }
    if (stop_signal == 0) {
        stop_signal = sig;
        int note = stop_signal_before_training ? 1 : 0;
        if (stop_signal_note_set && stop_signal_note_held) { stop_signal_note_pending = 1 + note; }
        else if (stop_signal_note_set) { write_stop_note_(stop_signal_note[note], sig); }
    }
    errno = saved_errno;
}

// a sample's printing: the answer to a stop signal that arrives meanwhile waits for release_stop_note
static inline void hold_stop_note(void) { stop_signal_note_held = 1; }
static inline void release_stop_note(void) {
    stop_signal_note_held = 0; // (a signal after this answers itself; one before left the answer pending)
    int held = take_held_stop_note_();
    if (held > 0) { write_stop_note_(stop_signal_note[held - 1], stop_signal); }
}

// the lines above, for a run whose checkpoints go to output_dir (NULL: none); announce 0 (ranks other than 0): none
static inline void announce_stop_signals(const char *output_dir, int announce) {
    stop_signal_note_set = 0;
    if (!announce) { return; }
    const char *lead = isatty(STDERR_FILENO) ? "\n" : ""; // (after the terminal's "^C")
    snprintf(stop_signal_note[0], sizeof(stop_signal_note[0]), "%ssignal #: stopping after this step%s; a second "
             "SIGINT or SIGTERM exits at once\n", lead, output_dir != NULL ? ", with a checkpoint" : " (no -o: nothing is saved)");
    snprintf(stop_signal_note[1], sizeof(stop_signal_note[1]), "%ssignal #: stopping before the first step (nothing to "
             "save); a second SIGINT or SIGTERM exits at once\n", lead);
    snprintf(stop_signal_note[2], sizeof(stop_signal_note[2]), "%ssignal # again: exiting at once%s\n", lead,
             output_dir != NULL ? ", without a checkpoint of this step" : "");
    stop_signal_note_set = 1;
}

// test hook, at the step MAMBA_TEST_SIGTERM_STEP names: SIGTERM, or the signals MAMBA_TEST_SIGNALS lists
// ("15,10": SIGTERM, then SIGUSR1), raised one after the other (each handled before the next)
static inline void raise_test_signals(void) {
    const char *list = getenv("MAMBA_TEST_SIGNALS");
    if (list == NULL) {
        raise(SIGTERM);
        return;
    }
    for (const char *p = list; p != NULL; p = strchr(p, ',') != NULL ? strchr(p, ',') + 1 : NULL) { raise(atoi(p)); }
}

// test hook: the step MAMBA_TEST_SIGTERM_VAL names gets those signals during its val evaluation, after the first batch
// (set by the training loop, cleared by the evaluation that raises them; unused in the tests that include this header
// without a trainer, whose builds warned of it)
static int test_signals_in_evaluation __attribute__((unused)) = 0;
// test hook: the step MAMBA_TEST_SIGTERM_SAMPLE names gets them during its sampling, after the first token
static int test_signals_in_sampling __attribute__((unused)) = 0;

// the training loop's test hooks, read from the environment (test/test_cli.sh sets them): each names the step it acts
// at (as the step lines count), INT_MIN where unset, so that no step matches, not even a negative one
typedef struct {
    int inject_nan_step;     // MAMBA_TEST_INJECT_NAN_STEP: this step's gradient gets inject_value (after its backward)
    float inject_value;      // MAMBA_TEST_INJECT_VALUE (unset: NaN)
    int sigterm_step;        // MAMBA_TEST_SIGTERM_STEP: SIGTERM (or MAMBA_TEST_SIGNALS) once this step has trained
    int sigterm_val_step;    // MAMBA_TEST_SIGTERM_VAL: the same during this step's val evaluation
    int sigterm_sample_step; // MAMBA_TEST_SIGTERM_SAMPLE: ... during this step's sampling
    int sigterm_save_step;   // MAMBA_TEST_SIGTERM_SAVE: ... as this step's checkpoint is written
} TestHooks;

static inline int test_hook_step_(const char *name) {
    const char *v = getenv(name);
    return v != NULL ? atoi(v) : INT_MIN;
}

static inline TestHooks test_hooks_from_env(void) {
    const char *value = getenv("MAMBA_TEST_INJECT_VALUE");
    TestHooks h = {test_hook_step_("MAMBA_TEST_INJECT_NAN_STEP"), value != NULL ? strtof(value, NULL) : NAN,
                   test_hook_step_("MAMBA_TEST_SIGTERM_STEP"), test_hook_step_("MAMBA_TEST_SIGTERM_VAL"),
                   test_hook_step_("MAMBA_TEST_SIGTERM_SAMPLE"), test_hook_step_("MAMBA_TEST_SIGTERM_SAVE")};
    return h;
}

// A non-finite loss or norm, or (with -sl / -sg) an outlier, skips step+1's update: no weight is touched. Returns 1 for a
// skip (counted, printed and logged), 2 for the -ms-th skip in a row, which ends the run (the caller saves the step, as
// the weights are still those of the last update, and calls stop_on_skips), else 0, and the -sl / -sg windows take the
// step's values.
// (The windows and both skip counts live in the state: a checkpoint saves them.)
static inline int skip_update(const Options *o, TrainState *state, Logger *logger, int step, int train_num_batches, double loss, float norm) {
    double loss_z = outlier_zscore(&state->loss_window, loss), norm_z = outlier_zscore(&state->norm_window, norm);
    int skip = !isfinite(loss) || !isfinite(norm) || (o->skip_loss_z > 0.0f && loss_z > o->skip_loss_z) ||
               (o->skip_norm_z > 0.0f && norm_z > o->skip_norm_z);
    if (!skip) {
        state->consecutive_skips = 0;
        outlier_add(&state->loss_window, loss);
        outlier_add(&state->norm_window, norm);
        return 0;
    }
    state->consecutive_skips++;
    state->skipped_updates++; // (AdamW's step count t counts the updates made, as PyTorch's does)
    char line[256];
    snprintf(line, sizeof(line), "s:%d skipped loss:%f norm:%f loss_z:%.2f norm_z:%.2f", step + 1, loss, norm, loss_z, norm_z);
    printf("step %4d/%d: update skipped (loss %f, norm %f, z-scores %.2f / %.2f)\n", step + 1, train_num_batches, loss, norm,
           loss_z, norm_z);
    logger_log_line(logger, line);
    return state->consecutive_skips >= o->max_skips ? 2 : 1;
}


// what the training loop does at `step` besides training: its val evaluation, -mc evaluation and sampling. The loop
// asks this at every step, and a run resumed after a stop asks it of the stopped step, so the line that says what is
// due there says what the loop then does (last_step: the run's last step, or a stop's; has_val / has_mc: a val set /
// an -mc file is read)
enum { DUE_VAL = 1, DUE_MC = 2, DUE_SAMPLE = 4 };
static inline int due_at_step(const Options *o, int step, int last_step, int has_val, int has_mc) {
    int every = o->val_loss_every > 0 && step % o->val_loss_every == 0;
    int due = 0;
    if (has_val && o->val_loss_every > 0 && (every || last_step)) { due |= DUE_VAL; }
    if (has_mc && (every || last_step)) { due |= DUE_MC; }
    if (o->gen_tokens > 0 && ((o->sample_every > 0 && step > 0 && step % o->sample_every == 0) || last_step)) { due |= DUE_SAMPLE; }
    return due;
}

// a run resumed from a checkpoint that a signal or -ms wrote (stopped: the state's [29]): that step's evaluations and
// sampling, which the stop came before, are done now; this line says which are due there (due: due_at_step's)
static inline void print_resumed_after_stop(int step, int due, int stopped) {
    const char *parts[3];
    int n = 0;
    if (due & DUE_VAL) { parts[n++] = "val evaluation"; }
    if (due & DUE_MC) { parts[n++] = "-mc evaluation"; }
    if (due & DUE_SAMPLE) { parts[n++] = "sampling"; }
    printf("the checkpoint was written when %s stopped the run: ", stopped == 2 ? "-ms (updates skipped in a row)" : "a signal");
    if (n == 0) { printf("no evaluation or sampling is due at step %d\n", step); return; }
    printf("step %d's ", step);
    for (int i = 0; i < n; i++) { printf("%s%s", i == 0 ? "" : i == n - 1 ? " and " : ", ", parts[i]); }
    printf(" follow%s now\n", n == 1 ? "s" : "");
}

// a stop's last line: by what, after which step, and how to resume: the same command plus -y N (given_y: the run's
// own -y, 0 for none: the same command where it is N, N in its place where it is another), or where `make train`
// ran it (MAMBA_RESUME_HINT, which the Makefile sets), the make command that continues the run; without -o, or at
// step 0 (a fresh run stopped in its first evaluation), that nothing was saved
// (and how to resume from a checkpoint on disk, here and in stop_on_bad_token: "resume with ..." into out)
static inline void resume_text(char *out, size_t size, int y, int given_y) {
    const char *hint = getenv("MAMBA_RESUME_HINT");
    if (hint != NULL && hint[0] != '\0' && y == 1) { snprintf(out, size, "resume with %s", hint); }
    else if (given_y == y) { snprintf(out, size, "resume with the same command (it has -y %d)", y); }
    else if (given_y != 0) { snprintf(out, size, "resume with the same command, -y %d in place of -y %d", y, given_y); }
    else { snprintf(out, size, "resume with the same command plus -y %d", y); }
}
static inline void print_stopped(const char *by, int step, const char *output_dir, int y, int given_y) {
    char resume[1100];
    resume_text(resume, sizeof(resume), y, given_y);
    if (output_dir == NULL) { printf("stopped by %s after step %d; no -o given, so no checkpoint was saved\n", by, step); }
    else if (step == 0) { printf("stopped by %s at step 0, before training: nothing to save; run the same command again\n", by); }
    else { printf("stopped by %s after step %d; %s\n", by, step, resume); }
}

// MAMBA_TEST_TOKEN_CHECK_AT_INIT=<n>: shards of more than n tokens in all are checked as each batch is read, not at
// start-up (the default n is 2^30, too many for a test to write), so that the tests reach the path below
static inline void dataloader_hooks_from_env(void) {
    const char *v = getenv("MAMBA_TEST_TOKEN_CHECK_AT_INIT");
    if (v != NULL) { dataloader_check_at_init_tokens = (size_t)strtoull(v, NULL, 10); }
}

// A bad token id in a train batch of shards too many to check at start-up (dataloader.h): the trainer's loop notes
// where each step's batches start (DataPosition), the loader keeps the error, and after the step's micro-batches the
// trainer asks every rank (one process's exit alone would leave the others waiting in a collective). With one: the
// step's update is not made, the checkpoint of the step before it is written where none is on disk yet (the loader
// put back at the step's start, so that the resumed run reads the same batches), and every process ends with exit 1.
typedef struct { size_t epoch, shard, sample; } DataPosition;
static inline DataPosition data_position(const DataLoader *l) {
    DataPosition p = {l->epoch, l->current_shard_idx, l->current_sample_idx};
    return p;
}

// the error line of the above: this rank's loader's error (rank 0 speaks for another rank's too), and where the run
// stands (y: the -y that resumes from the checkpoint of step on disk, 0: none is; given_y: this run's -y)
static inline void stop_on_bad_token(const DataLoader *l, int rank, int step, int y, int given_y) {
    char note[1300], resume[1100];
    resume_text(resume, sizeof(resume), y, given_y);
    if (y != 0) {
        snprintf(note, sizeof(note), "step %d was not trained; the checkpoint of step %d is saved: once the data is mended, %s",
                 step + 1, step, resume);
    } else if (step == 0) {
        snprintf(note, sizeof(note), "it was the first step's batch: nothing was trained");
    } else {
        snprintf(note, sizeof(note), "step %d was not trained, and with no -o no checkpoint was saved", step + 1);
    }
    fatal_note = note;
    if (l->bad_token_error[0] != '\0') { fatalf("%s", l->bad_token_error); }
    if (rank == 0) { fatalf("a train batch of another process holds a token id outside the vocabulary (its error line names it)"); }
    exit(EXIT_FAILURE);
}

// the end of a run that -ms stopped at `step` (its -ms-th skipped update in a row): an error, whose note says whether
// the step was saved (saved: with -o; it used to end the run with nothing saved, all of it lost without -n) and how to go
// on past these batches (given_y: the run's -y; last: `step` is the run's last, so that going on needs a larger -x).
// The skipped updates left the weights as they were, which is all the note says of them (the step of the last update
// is not known to a run resumed from such a stop). Rank 0 speaks for the other processes, which skipped the same
// updates (the loss and norm are all-reduced)
static inline void stop_on_skips(const TrainState *s, int step, int last, int saved, int given_y, int rank) {
    static char note[1300];
    char resume[1100];
    if (rank != 0) { exit(EXIT_FAILURE); }
    resume_text(resume, sizeof(resume), 1, given_y);
    if (saved && last) {
        snprintf(note, sizeof(note), "the checkpoint of step %d, the run's last, is saved, with the weights the skipped updates "
                 "left as they were: to train on from it (with a lower -l, say), give a larger -x and %s", step, resume);
    } else if (saved) {
        snprintf(note, sizeof(note), "the checkpoint of step %d is saved, with the weights the skipped updates left as they "
                 "were: to go on past these batches (with a lower -l, say), %s", step, resume);
    } else {
        snprintf(note, sizeof(note), "with no -o no checkpoint was saved");
    }
    fatal_note = note;
    fatalf("%d consecutive updates skipped (non-finite or outlier loss / gradient norm) at step %d", s->consecutive_skips, step);
}

static inline void install_signal_handlers(void) {
    atexit(check_stdout_at_exit);
    // stdout line-buffered even into a file (Slurm's output, `> log`): an exit at once (_exit above)
    // then loses at most the line being written, not a whole buffer of log lines
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handle_stop_signal;
    sigemptyset(&sa.sa_mask);
    // a write to a full pipe (stdout into a `| tee` that lags) or to a slow file system, interrupted by the signal
    // before it moved a byte, starts again rather than failing with EINTR: stdio would drop those bytes
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    struct sigaction hup;
    if (sigaction(SIGHUP, NULL, &hup) == 0 && hup.sa_handler != SIG_IGN) { sigaction(SIGHUP, &sa, NULL); } // (nohup's stays)
    signal(SIGXFSZ, SIG_IGN);
    // a closed stdout (a `| tee` stopped by the same Ctrl-C) must not kill the run before its checkpoint
    signal(SIGPIPE, SIG_IGN);
}

// a name the trainer gives a checkpoint's files (model_<step>.bin, state_<step>.bin, a rank's state_<step>_<rank>.bin,
// DONE_<step>), or the .tmp a killed write of one left (*tmp set): its step. The step's digits as a marker's
// (parse_done_marker), the rest exactly as written, so that no file of the user's (model_5.bin, model_00000005.bin.bak)
// is taken for one
static inline int parse_checkpoint_file(const char *name, int *step, int *tmp) {
    size_t len = strlen(name);
    *tmp = len > 4 && strcmp(name + len - 4, ".tmp") == 0;
    if (*tmp) { len -= 4; }
    size_t prefix = strncmp(name, "DONE_", 5) == 0 ? 5 : strncmp(name, "model_", 6) == 0 || strncmp(name, "state_", 6) == 0 ? 6 : 0;
    size_t digits = strspn(name + prefix, "0123456789");
    char marker[32];
    if (prefix == 0 || digits > 10) { return 0; }
    snprintf(marker, sizeof(marker), "DONE_%.*s", (int)digits, name + prefix);
    if (!parse_done_marker(marker, step)) { return 0; }
    const char *rest = name + prefix + digits; // what follows the step: nothing (a marker), ".bin", or a rank's "_<rank>.bin"
    size_t rest_len = len - prefix - digits;
    if (prefix == 5) { return rest_len == 0; }
    if (rest_len == 4) { return strncmp(rest, ".bin", 4) == 0; }
    size_t rank_digits = rest[0] == '_' && name[0] == 's' ? strspn(rest + 1, "0123456789") : 0;
    return rank_digits >= 5 && rank_digits <= 9 && rest_len == 1 + rank_digits + 4 && strncmp(rest + 1 + rank_digits, ".bin", 4) == 0 &&
           (rank_digits == 5 || rest[1] != '0'); // (%05d: more digits only without a leading zero)
}

// what no checkpoint will use again: the files of a step older than the newest complete checkpoint whose DONE marker is
// gone (a write killed before its marker, or a checkpoint whose marker the user removed, as the error about a corrupt one
// says to), and the .tmp files killed writes left of such older steps. Files of the newest step and later ones stay: a
// resumed run may be writing or yet write them (and then writes over them). Only names parse_checkpoint_file takes.
static inline void prune_incomplete_checkpoints(const char *dir) {
    int newest = find_latest_checkpoint(dir), removed = 0;
    DIR *dp = newest > 0 ? opendir(dir) : NULL;
    if (dp == NULL) { return; }
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        int step, tmp;
        if (!parse_checkpoint_file(e->d_name, &step, &tmp) || step >= newest) { continue; }
        char path[1100];
        snprintf(path, sizeof(path), "%s/DONE_%08d", dir, step);
        if (!tmp && access(path, F_OK) == 0) { continue; } // (a complete checkpoint -nk keeps)
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) == 0) { removed = 1; } // (unlink: never a directory of that name)
    }
    closedir(dp);
    if (removed) { fsync_dir(dir); }
}

// removes the complete checkpoints older than the newest `keep` (DONE marker first), then what is left of incomplete
// ones before the newest (prune_incomplete_checkpoints)
static inline void prune_checkpoints(const char *dir, int keep) {
    if (keep <= 0) { return; }
    for (;;) {
        DIR *dp = opendir(dir);
        if (dp == NULL) { return; }
        int count = 0, oldest = -1;
        struct dirent *e;
        while ((e = readdir(dp)) != NULL) {
            int step;
            if (parse_done_marker(e->d_name, &step)) {
                count++;
                if (oldest < 0 || step < oldest) { oldest = step; }
            }
        }
        closedir(dp);
        if (count <= keep) { break; }
        // the marker first, then the model and every state file of that step (one per rank under ZeRO-1)
        char path[1100], prefix[2][32];
        snprintf(path, sizeof(path), "%s/DONE_%08d", dir, oldest);
        if (remove(path) != 0) { // a marker we cannot delete would be counted again forever
            fprintf(stderr, "warning: cannot remove %s (%s); not pruning older checkpoints\n", path, strerror(errno));
            return;
        }
        fsync_dir(dir); // the marker's removal on the disk before its files' (a crash never leaves a marker without them)
        snprintf(prefix[0], sizeof(prefix[0]), "model_%08d", oldest);
        snprintf(prefix[1], sizeof(prefix[1]), "state_%08d", oldest);
        dp = opendir(dir);
        if (dp == NULL) { return; }
        while ((e = readdir(dp)) != NULL) {
            for (int i = 0; i < 2; i++) { // (the prefix, then '.' or a shard's '_': model_10000000 begins model_100000000.bin)
                size_t len = strlen(prefix[i]);
                if (strncmp(e->d_name, prefix[i], len) == 0 && (e->d_name[len] == '.' || e->d_name[len] == '_')) {
                    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                    remove(path);
                }
            }
        }
        closedir(dp);
        fsync_dir(dir); // (else a crash could bring them back: files no marker names)
    }
    prune_incomplete_checkpoints(dir);
}

// whether -tk named the tokenizer: a path other than the default's pointer (so -tk naming the default's
// file name counts as named; Options start as a copy of DEFAULT_OPTIONS)
static inline int tokenizer_named(const char *tokenizer_path) { return tokenizer_path != DEFAULT_OPTIONS.tokenizer_path; }

// the tokenizer file of a model with V > 256: the tokenizer.json of an -e directory, or of the directory of an -e model
// file (a run's -o keeps the run's own: save_run_tokenizer), unless -tk names another
static inline const char *tokenizer_path_for_model(const char *model_arg, const char *tokenizer_path, char *buf, size_t n) {
    struct stat st;
    if (stat(model_arg, &st) == 0 && S_ISREG(st.st_mode)) {
        const char *slash = strrchr(model_arg, '/'); // (its directory: "." for a bare name, "/" for a file there)
        const char *dir = slash == NULL ? "." : model_arg;
        int dir_len = slash == NULL || slash == model_arg ? 1 : (int)(slash - model_arg);
        if ((size_t)snprintf(buf, n, "%.*s/tokenizer.json", dir_len, dir) >= n) { return tokenizer_path; }
    } else if ((size_t)snprintf(buf, n, "%s/tokenizer.json", model_arg) >= n) {
        // (cut short, the name would look for another file, silently: an -e directory's own tokenizer then went unused;
        // a descriptor has none)
        if (stat(model_arg, &st) == 0 && S_ISDIR(st.st_mode)) { fatalf("-e: path too long: %s", model_arg); }
        return tokenizer_path;
    }
    // only a regular file is opened to see that it reads: a FIFO's open blocked until some writer came (tokenizer_init
    // then refuses it by name, as it does a directory)
    if (stat(buf, &st) != 0) { return tokenizer_path; }
    if (S_ISREG(st.st_mode)) {
        FILE *fp = fopen(buf, "rb");
        if (fp == NULL) { return tokenizer_path; }
        fclose(fp);
    }
    return tokenizer_named(tokenizer_path) ? tokenizer_path : buf;
}

// the tokenizer for a model: bytes for V <= 256, else tokenizer_path_for_model's file. prompt: the text
// it will have to encode (NULL: none); a tokenizer file that cannot be opened is then an error, not
// the warning that samples will print as token ids
static inline void tokenizer_for_model(Tokenizer *t, int vocab_size, const char *model_arg, const char *tokenizer_path,
                                       const char *prompt) {
    if (vocab_size <= 256) {
        if (tokenizer_named(tokenizer_path)) {
            printf("note: a byte-level model (vocabulary %d <= 256) reads bytes, not a tokenizer: -tk %s is not used\n", vocab_size, tokenizer_path);
        }
        tokenizer_init_bytes(t);
        return;
    }
    char buf[HF_PATH_MAX];
    const char *path = tokenizer_path_for_model(model_arg, tokenizer_path, buf, sizeof(buf));
    if (prompt != NULL && prompt[0] != '\0' && access(path, R_OK) != 0) {
        fatalf("-p needs a tokenizer to encode the prompt for vocabulary %d: cannot open '%s' (%s); give a tokenizer.json with -tk",
               vocab_size, path, strerror(errno));
    }
    // only the default file may be missing (llm.c's behaviour: samples then print as ids); a -tk the
    // user named is a typo to report now, not after the run (-hf copies it at the end)
    if (tokenizer_named(tokenizer_path) && path == tokenizer_path && access(path, R_OK) != 0) {
        fatalf("-tk %s: cannot open the tokenizer: %s", path, strerror(errno));
    }
    tokenizer_init(t, path);
    // more tokens than the model has rows: sampled ids stay below V, and a prompt's ids are checked
    // (check_sampling_before_training), so it works, but it is said (the wrong tokenizer, often)
    if (t->init_ok && t->vocab_size > (uint32_t)vocab_size) {
        printf("note: '%s' has %u tokens, more than the model's vocabulary of %d: its ids from %d on cannot be "
               "sampled, and a prompt that has them is refused\n", path, t->vocab_size, vocab_size, vocab_size);
    }
}

// A training run's -o keeps the run's tokenizer.json (V > 256: the -tk file, or the -e directory's own) as
// <dir>/tokenizer.json, which -e <dir>/model_<step>.bin then reads (tokenizer_path_for_model): a run started from a
// transformers directory left checkpoints whose samples and -hf exports had the default tokenizer instead, or none.
// A run whose tokenizer is not a tokenizer.json leaves the file as it is (an earlier run's, of the same vocabulary).
static inline void save_run_tokenizer(const char *dir, int vocab_size, const char *model_arg, const char *tokenizer_path) {
    char buf[HF_PATH_MAX], dst[1100];
    const char *src = vocab_size > 256 ? tokenizer_path_for_model(model_arg, tokenizer_path, buf, sizeof(buf)) : NULL;
    if (src == NULL || !tokenizer_is_json(src)) { return; }
    snprintf(dst, sizeof(dst), "%s/tokenizer.json", dir);
    struct stat a, b;
    if (stat(src, &a) == 0 && stat(dst, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) { return; } // (-e <dir>/model_...)
    FILE *in = fopenCheck(src, "rb");
    long size = file_size(in);
    char *bytes = (char *)mallocCheck((size_t)size + 1);
    freadCheck(bytes, 1, (size_t)size, in);
    fcloseCheck(in);
    AtomicFile af;
    atomic_open(&af, dst);
    atomic_fwrite(bytes, 1, (size_t)size, &af);
    atomic_commit(&af);
    free(bytes);
}

// whether two regular files hold the same bytes (one that cannot be read: no)
static inline int same_file_contents(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa != NULL && fb != NULL;
    while (same) {
        char x[65536], y[65536];
        size_t n = fread(x, 1, sizeof(x), fa);
        same = fread(y, 1, sizeof(y), fb) == n && memcmp(x, y, n) == 0 && !ferror(fa) && !ferror(fb);
        if (n < sizeof(x)) { break; }
    }
    if (fa != NULL) { fclose(fa); }
    if (fb != NULL) { fclose(fb); }
    return same;
}

// A resumed run (-y 1 or 2, -x 0 too: a checkpoint found in -o) with V > 256 reads the tokenizer.json that -o keeps
// (save_run_tokenizer), the one its checkpoints were trained with, as -e <dir>/model_<step>.bin does: it read the
// default gpt2_tokenizer.bin instead (samples as token ids, -p refused) or the -e directory's. A -tk tokenizer.json
// whose contents differ from that copy is refused, with -y 2 as with -y 1: the copy is the tokenizer of every
// checkpoint in -o, so no run there may change it; it was replaced, and the samples and -hf exports of the old
// checkpoints decoded their ids as the new tokenizer's (run_pretrain.sh refuses the same, comparing with cmp).
// Another tokenizer for a checkpoint is a new run elsewhere, as the error says. Rank 0 alone calls it on the GPU (the
// only rank that reads the tokenizer). A -tk llm.c .bin holds what a tokenizer.json decodes to (the tokens' bytes, the
// end-of-text token), which is compared with the copy's (tokenizer_decode_differs): one of other tokens, another
// vocabulary size or end-of-text token is refused alike (it went unchecked: a .bin of another vocabulary printed the
// old checkpoints' samples as its tokens); one that decodes as the copy does gives way to the copy, with a note, as the
// copy decodes the same and also encodes (a .bin read as named refused -p, and the -hf export shipped no tokenizer.json).
static inline void resume_run_tokenizer(Options *o, int vocab_size, int resumed, int step) {
    static char copy[1100];
    struct stat st;
    if (!resumed || vocab_size <= 256) { return; }
    snprintf(copy, sizeof(copy), "%s/tokenizer.json", o->output_dir); // (-o is at most 900 bytes)
    if (stat(copy, &st) != 0 || !S_ISREG(st.st_mode) || access(copy, R_OK) != 0) { return; }
    if (!tokenizer_named(o->tokenizer_path)) { o->tokenizer_path = copy; return; }
    if (access(o->tokenizer_path, R_OK) != 0) { return; } // (unread: tokenizer_for_model says so)
    char why[200] = "their contents differ";
    int differ;
    if (tokenizer_is_json(o->tokenizer_path)) {
        differ = !same_file_contents(o->tokenizer_path, copy);
    } else {
        Tokenizer bin, run;
        tokenizer_init(&bin, o->tokenizer_path);
        tokenizer_init(&run, copy);
        differ = tokenizer_decode_differs(&bin, &run, "its", "the run's", why, sizeof(why));
        tokenizer_free(&bin);
        tokenizer_free(&run);
        if (!differ) {
            printf("note: -tk %s decodes as the run's tokenizer %s, which is read instead: it encodes too (-p), and -hf "
                   "exports ship it\n", o->tokenizer_path, copy);
            o->tokenizer_path = copy;
            return;
        }
    }
    if (differ) {
        char other[1200];
        snprintf(other, sizeof(other), o->max_steps == 0 ? "to read its checkpoint with the run's, or -e %s/model_%08d.bin -tk %s "
                 "for this one" : "to resume with the run's, or train its checkpoint with this one in another -o (-e "
                 "%s/model_%08d.bin -tk %s -o <new dir>)", o->output_dir, step, o->tokenizer_path);
        fatalf("-tk %s: %s holds a run of the tokenizer %s, not of this one (%s): leave -tk out %s",
               o->tokenizer_path, o->output_dir, copy, why, other);
    }
}

// the model file of the checkpoint a resume found (its DONE marker names the step): a missing one is an
// incomplete checkpoint, not the "no such model file" that -e's argument gets
static inline void checkpoint_model_path(char *path, size_t n, const char *dir, int step) {
    snprintf(path, n, "%s/model_%08d.bin", dir, step);
    if (access(path, F_OK) != 0) {
        fatalf("%s: DONE_%08d marks step %d complete, but its model file is missing (an incomplete checkpoint)", path, step,
               step); // (the caller's resume_note_set says what to do: -x 0 takes the one before by -e, training its marker away)
    }
}

// The optimizer state of a checkpoint is one file (state_<step>.bin, written at -z 0 or by one process) or one shard
// per process (state_<step>_<rank>.bin, -z 1): S shards split the n parameters as multi_gpu_shard does, ceil(n / S)
// to each, the last the rest. state_layout returns 0 for the one file and S for shards; neither, or both, is an error.
static inline int state_layout(const char *dir, int step) {
    char path[1100];
    snprintf(path, sizeof(path), "%s/state_%08d.bin", dir, step);
    int whole = access(path, F_OK) == 0, shards = 0;
    for (;; shards++) {
        snprintf(path, sizeof(path), "%s/state_%08d_%05d.bin", dir, step, shards);
        if (access(path, F_OK) != 0) { break; }
    }
    if (!whole && shards == 0) {
        fatalf("%s/state_%08d.bin: DONE_%08d marks step %d complete, but its state file (or its shards, state_%08d_00000.bin "
               "...) is missing (an incomplete checkpoint)", dir, step, step, step, step); // (what to do: resume_note_set)
    }
    if (whole && shards > 0) {
        fatalf("%s: the checkpoint of step %d holds its optimizer state both whole (state_%08d.bin) and in %d shards "
               "(state_%08d_*.bin): remove the files of the layout that was not written last", dir, step, step, shards, step);
    }
    return shards;
}

// the file whose record load_optimizer_state reads: the whole state, or shard 0 (named by the checks of the record)
static inline void state_record_path(char *path, size_t size, const char *dir, int step, int S) {
    if (S == 0) { snprintf(path, size, "%s/state_%08d.bin", dir, step); }
    else { snprintf(path, size, "%s/state_%08d_00000.bin", dir, step); }
}

// Reads the optimizer state of the checkpoint of step into s (the record of the whole file, or of shard 0: every shard
// holds the same one) and into m, v the AdamW moments of parameters [offset, offset + count) of n, whatever layout the
// checkpoint was written in: -z 1 shards of any process count resume on another count, at -z 0 or on the CPU trainer,
// and a whole state at -z 1. The moments are elementwise, so a state split anew trains on exactly as if the run had
// had this layout from the start. S: the checkpoint's layout (state_layout); shards_now: this run's; say: print the
// note of a new split.
// Only the shards holding [offset, offset + count) are read, and shard 0; each is checked whole (state_file's checks).
static inline void load_optimizer_state(const char *dir, int step, int S, TrainState *s, float *m, float *v, size_t offset,
                                        size_t count, size_t n, int shards_now, int say) {
    char path[1100];
    if (S != shards_now && say) {
        char was[80], now[80];
        if (S == 0) { snprintf(was, sizeof(was), "whole"); }
        else { snprintf(was, sizeof(was), "in %d shard%s (-z 1 over %d process%s)", S, S == 1 ? "" : "s", S, S == 1 ? "" : "es"); }
        if (shards_now == 0) { snprintf(now, sizeof(now), "whole"); }
        else { snprintf(now, sizeof(now), "in %d shard%s", shards_now, shards_now == 1 ? "" : "s"); }
        printf("note: the checkpoint of step %d holds its optimizer state %s; this run holds it %s: split anew\n", step, was, now);
    }
    if (S == 0) {
        snprintf(path, sizeof(path), "%s/state_%08d.bin", dir, step);
        if (offset == 0 && count == n) { load_state_file(path, s, m, v, n); return; }
        float *wm = (float *)mallocCheck((n + 1) * sizeof(float)), *wv = (float *)mallocCheck((n + 1) * sizeof(float));
        load_state_file(path, s, wm, wv, n);
        memcpy(m, wm + offset, count * sizeof(float));
        memcpy(v, wv + offset, count * sizeof(float));
        free(wm);
        free(wv);
        return;
    }
    for (int r = 0; r < S; r++) {
        size_t ro, rc;
        split_range(n, S, r, &ro, &rc);
        size_t lo = ro > offset ? ro : offset, hi = ro + rc < offset + count ? ro + rc : offset + count;
        if (r > 0 && lo >= hi) { continue; }
        snprintf(path, sizeof(path), "%s/state_%08d_%05d.bin", dir, step, r);
        TrainState sr;
        const int direct = ro == offset && rc == count;
        float *rm = direct ? m : (float *)mallocCheck((rc + 1) * sizeof(float)), *rv = direct ? v : (float *)mallocCheck((rc + 1) * sizeof(float));
        load_state_file(path, r == 0 ? s : &sr, rm, rv, rc);
        if (r > 0 && sr.step != s->step) {
            fatalf("%s: a shard of step %d, but shard 0 is of step %d: the checkpoint is corrupt", path, sr.step, s->step);
        }
        if (!direct) {
            if (lo < hi) {
                memcpy(m + (lo - offset), rm + (lo - ro), (hi - lo) * sizeof(float));
                memcpy(v + (lo - offset), rv + (lo - ro), (hi - lo) * sizeof(float));
            }
            free(rm);
            free(rv);
        }
    }
}

// After a checkpoint's state files are written in a layout of shards_now (0: one file): the files of another layout at
// that step, left by the run that saved it before (a resumed run saves its first step again after a stop), go, so
// that no later resume reads a mix of both (state_layout refuses one; a stale shard past the count would be read)
static inline void remove_other_state_layouts(const char *dir, int step, int shards_now) {
    char path[1100];
    if (shards_now > 0) {
        snprintf(path, sizeof(path), "%s/state_%08d.bin", dir, step);
        remove(path);
    }
    for (int r = shards_now;; r++) {
        snprintf(path, sizeof(path), "%s/state_%08d_%05d.bin", dir, step, r);
        if (remove(path) != 0) { break; }
    }
    fsync_dir(dir);
}

// what the saved data position refers to: the train loader's shards and order, or its synthetic task
static inline void state_set_data(TrainState *s, const DataLoader *l) {
    s->data_kind = l->synthetic ? 2 : 1;
    s->data_order = l->synthetic ? l->synthetic : l->should_shuffle;
    s->data_shards = l->synthetic ? 0 : (int)l->num_shards;
    s->data_tokens = l->synthetic ? 0 : (uint64_t)l->num_tokens;
    s->data_processes = l->num_processes;
}

// Sampling, the parts both trainers' sample() share. The prompt's token ids (the caller frees them; *n of them),
// of which the first *echo are the prompt's own, printed before each sequence; an empty prompt starts from the
// end-of-text token, or a newline for byte-level models, and echoes nothing. An id past the model's vocabulary is an
// error before anything is generated.
static inline int *sample_prompt_ids(Tokenizer *tokenizer, const char *prompt, int V, int *n, int *echo) {
    int plen = prompt != NULL && prompt[0] != '\0' ? tokenizer_encoded_length(tokenizer, prompt) : 0;
    int *ids = (int *)mallocCheck((size_t)(plen + 1) * sizeof(int));
    *n = *echo = plen > 0 ? tokenizer_encode(tokenizer, prompt, ids, plen) : 0;
    if (*n == 0) {
        ids[0] = tokenizer->byte_level ? '\n' : tokenizer->eot_token;
        if (ids[0] < 0 || ids[0] >= V) { ids[0] = 0; }
        *n = 1;
    }
    for (int i = 0; i < *n; i++) {
        if (ids[i] >= V) {
            fatalf("prompt token %d outside the model's vocabulary [0, %d)%s", ids[i], V,
                   tokenizer->byte_level ? " (with no tokenizer the prompt's bytes are its tokens: that needs a model of v256)" : "");
        }
    }
    return ids;
}
// stdout is a pipe or socket whose reader has left (`| head`): POLLERR / POLLHUP at once, with no wait. SIGPIPE is
// ignored (a training run outlives its `| tee`), so writes there fail in silence; -x 0's generation, whose text is its
// one product, stops instead of drawing the rest for nobody (-g 100000000 ran on for hours after `| head` had left).
// So it does where a write to stdout failed (a full disk, /dev/full: check_stdout_at_exit's error then ends the run;
// the flush writes what is held, such as a batch's "generating:", which ran on to its end before that error)
static inline int stdout_reader_gone(void) {
    if (fflush(stdout) != 0 || ferror(stdout)) { return 1; }
    struct pollfd p = {STDOUT_FILENO, 0, 0}; // (no events asked: POLLERR and POLLHUP are always reported)
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0;
}
// a generated token: its text, or its id when there is no tokenizer to decode it
// a sampled id past the tokenizer's tokens (a model's vocabulary may be larger: v270 against the fixture tokenizer's 269)
// prints nothing; the warning tokenizer_decode gives at once waits for the sample's end (print_sample_end), so that with
// 2>&1 it does not land inside the text (it did)
static int sampled_id_without_text = -1;
static inline void print_sampled_token(Tokenizer *tokenizer, int token) {
    if (!tokenizer->init_ok) { printf("%d ", token); return; }
    if ((uint32_t)token >= tokenizer->vocab_size && !tokenizer->range_warned) {
        sampled_id_without_text = token;
        tokenizer->range_warned = 1;
    }
    tokenizer_print(tokenizer, token);
}
// the end of a sample of G sequences that generated `done` of T tokens each (out: G rows of T): several sequences print
// now, each whole, prompt first (one sequence printed its tokens as they came); then the decode speed, or the stop
static inline void print_sample_end(Tokenizer *tokenizer, const int *ids, int echo, const int *out, int G, int T, int done, double seconds) {
    for (int g = 0; G > 1 && g < G; g++) {
        if (g > 0) { tokenizer_print_end(tokenizer); printf("\n---\n"); }
        for (int i = 0; i < echo; i++) { tokenizer_print(tokenizer, ids[i]); }
        for (int i = 0; i < done; i++) { print_sampled_token(tokenizer, out[(size_t)g * T + i]); }
    }
    tokenizer_print_end(tokenizer); // (a character the sequence's last tokens left unfinished)
    printf("\n---\n");
    if (sampled_id_without_text >= 0) {
        fflush(stdout);
        tokenizer_range_warning(tokenizer, (uint32_t)sampled_id_without_text);
        sampled_id_without_text = -1;
    }
    if (done < T) { printf("sampling stopped by a signal after %d of %d tokens\n", done, T); }
    else if (seconds > 0.0 && T > 0) { printf("decode: %d x %d tokens in %.3f s: %.0f tokens/s (batch %d)\n", G, T, seconds, (double)G * T / seconds, G); }
}

// what a checkpoint at `step` records besides the weights and moments: where the train data is read next (epoch,
// shard, sample), the run's length (-x) and whether a stop signal ended the run there
static inline void state_at_checkpoint(TrainState *s, int step, const DataLoader *l, int max_steps, int stopped) {
    s->step = step;
    s->epoch = l->epoch;
    s->shard = l->current_shard_idx;
    s->sample = l->current_sample_idx;
    s->max_steps = max_steps;
    s->stopped = stopped;
}

// -y 1 continues the saved data position (epoch, shard, sample), which means something only for the
// same train data read in the same order: other shards, another -sh or another task is refused, with the
// ways to train the checkpoint on other data (-y 2: the same run, the data from its start; or a fresh
// run from its model file); a state file from before version 3 does not say, so it is not checked
static inline void check_resume_data(const TrainState *s, const DataLoader *l, const char *dir) {
    TrainState now;
    state_set_data(&now, l);
    if (s->data_kind == 0) { return; }
    char hint[1200];
    snprintf(hint, sizeof(hint), "to go on with other data, resume with -y 2 (the data from its start), or start a fresh run "
             "with -e %s/model_%08d.bin and another -o", dir, s->step);
    if (s->data_kind != now.data_kind || (now.data_kind == 2 && s->data_order != now.data_order)) {
        fatalf("the checkpoint in %s was trained on %s, this run's -i is %s: %s", dir,
               s->data_kind == 1 ? "token shards" : s->data_order == SYNTH_COPY ? "synth:copy" : "synth:induction",
               now.data_kind == 1 ? "token shards" : now.data_order == SYNTH_COPY ? "synth:copy" : "synth:induction", hint);
    }
    if (s->data_processes != now.data_processes && now.data_kind == 2) { // each process generates its own batches
        const char *es = s->data_processes == 1 ? "" : "es";
        fatalf("the checkpoint in %s was saved by a run of %d process%s, this one has %d: a synthetic task's batches are "
               "each process's own and cannot be dealt anew; resume with %d process%s, or with -y 2 (the data from its start)",
               dir, s->data_processes, es, now.data_processes, s->data_processes, es);
    }
    if (now.data_kind == 2) { return; }
    if (s->data_shards != now.data_shards || s->data_tokens != now.data_tokens) {
        fatalf("the checkpoint in %s was trained on %d shard%s of %llu tokens, this run's -i has %d shard%s of %llu tokens: "
               "its data position would not continue the same data; %s", dir, s->data_shards, s->data_shards == 1 ? "" : "s",
               (unsigned long long)s->data_tokens, now.data_shards, now.data_shards == 1 ? "" : "s",
               (unsigned long long)now.data_tokens, hint);
    }
    if (s->data_order != now.data_order) {
        fatalf("the checkpoint in %s was saved with -sh %d, this run has -sh %d: the data order would change; %s", dir,
               s->data_order, now.data_order, hint);
    }
    // token shards are read in whole steps of W windows (dataloader.h): the saved position, window
    // sample x processes of its shard, must lie inside the windows this run reads from that shard (checked
    // without the product, which a damaged file could overflow: those windows are a multiple of W, so of
    // the saving run's process count at the same -d), and on another process count start a step
    size_t windows = dataloader_windows_at(l, s->epoch, s->shard), W = l->step_windows;
    if (s->shard >= (size_t)now.data_shards || s->sample >= windows / (size_t)s->data_processes) {
        fatalf("the checkpoint in %s stands at batch %zu of %d process(es) in shard %zu (epoch %zu), outside the %zu windows "
               "this run reads there (a checkpoint of an earlier version of this program, or a damaged one): resume with -y 2 "
               "(the data from its start)", dir, s->sample, s->data_processes, s->shard, s->epoch, windows);
    }
    size_t at = s->sample * (size_t)s->data_processes;
    if (s->data_processes != now.data_processes && at % W != 0) {
        const char *es = s->data_processes == 1 ? "" : "es";
        fatalf("the checkpoint in %s was saved by a run of %d process%s at window %zu of its shard, not at the start of a "
               "step of %zu window%s (as a checkpoint of an earlier version of this program, or of a run resumed from one, "
               "can be), so %d process%s cannot continue it exactly; resume with %d process%s, or with -y 2 (the data from "
               "its start)", dir, s->data_processes, es, at, W, plural_s((long long)W), now.data_processes,
               now.data_processes == 1 ? "" : "es", s->data_processes, es);
    }
}

// the saved data position in this run's terms: every process of the saved run stood at index s->sample
// of its share of the shard, so the shard's next sample was s->sample * (its processes); with l's process
// count that is an index of s->sample * saved processes / l's processes (whole: check_resume_data)
static inline size_t resume_sample_index(const TrainState *s, const DataLoader *l) {
    if (s->data_kind != 1 || s->data_processes == l->num_processes) { return s->sample; }
    return s->sample * (size_t)s->data_processes / (size_t)l->num_processes;
}

// the steps this run trains: -x, or with -x -1 one pass over the train data in the loader's whole steps
// (dataloader.h); called before -o is made, so an error here leaves nothing behind
static inline int run_num_steps(const Options *o, const DataLoader *l) {
    if (o->max_steps != -1) { return o->max_steps; }
    if (l->synthetic) { fatalf("a synthetic task has no epochs: give -x <steps>"); }
    const size_t epoch_steps = dataloader_num_batches(l) / (l->step_windows / (size_t)l->num_processes);
    if (epoch_steps > (size_t)INT_MAX - 1) { fatalf("one epoch is %zu steps, more than -x can count: give -x <steps>", epoch_steps); }
    return epoch_steps > 0 ? (int)epoch_steps : 1;
}

// -y 2 with -x -1: -x is the run's length counted from step 0, the checkpoint's steps included, so "one epoch" of
// the new data would be cut short by the steps already trained (or leave nothing to train): refused at start-up,
// with the -x that trains one more epoch
static inline void check_epoch_on_new_data(const Options *o, const TrainState *s, int resumed, int num_steps) {
    if (resumed && o->resume == 2 && o->max_steps == -1 && s->step > 0) {
        fatalf("-y 2 with -x -1: -x is the run's length from step 0 and the checkpoint is at step %d, while one epoch of "
               "this -i is %d step%s: give -x %ld to train one more epoch", s->step, num_steps, plural_s(num_steps), (long)s->step + num_steps);
    }
}

// a resumed run whose -x differs from the checkpoint's: the schedule is computed for the new length from
// here on, so a decaying learning rate jumps; legitimate (extending a run), but never silent
// (s: the checkpoint's state, with this run's optimizer flags. Whether the rate jumps is said from the rate of the next
// step at the two lengths: in warmup, in wsd's stable phase or with -k constant it does not, and the note said it did)
static inline void note_changed_run_length(const TrainState *s, int num_steps) {
    if (s->max_steps > 0 && s->max_steps != num_steps) {
        LearningRateScheduler was = {LR_SCHEDULES[s->schedule - 1], s->lr, s->warmup, s->max_steps, s->final_lr_frac,
                                     s->lr_decay_frac}, is = was;
        is.train_num_batches = num_steps;
        float lr_was = get_learning_rate(&was, s->step), lr_is = get_learning_rate(&is, s->step);
        printf("note: the checkpoint's run was to end at step %d, this one ends at %d: the learning-rate schedule "
               "follows the new length from step %d, ", s->max_steps, num_steps, s->step + 1);
        if (lr_was == lr_is) { printf("whose rate is the same, %.2e: no jump\n", lr_is); }
        else { // (in as many digits as tell the two apart: a long run lengthened a little said "1.98e-03, not the 1.98e-03")
            char is_text[32], was_text[32];
            for (int p = 2; p <= 8; p++) { // (%.8e tells any two floats apart)
                snprintf(is_text, sizeof(is_text), "%.*e", p, lr_is);
                snprintf(was_text, sizeof(was_text), "%.*e", p, lr_was);
                if (strcmp(is_text, was_text) != 0) { break; }
            }
            printf("whose rate is %s, not the %s of the old length: a decaying rate jumps\n", is_text, was_text);
        }
    }
}

// a synthetic task's val set is its first -m batches (of each process)
static inline void set_synthetic_val_size(DataLoader *val, int val_max_steps) {
    if (val->synthetic && val_max_steps > 0) { val->synthetic_batches = (size_t)val_max_steps; }
}
// batches one evaluation runs: all `available`, or the first -m of them
static inline size_t eval_batches_of(size_t available, int max_batches) {
    return max_batches > 0 && (size_t)max_batches < available ? (size_t)max_batches : available;
}
// ... of this process's val batches, where an evaluation runs them; an -m above what the val data holds said once, not
// silently capped: on several processes, -m batches of each against the windows of all (dataloader.h, every_window: rank
// 0's count, the most of any, said too little where the others' ran short)
static inline size_t eval_num_batches(const DataLoader *val, int max_batches) {
    static int noted = 0;
    size_t all = dataloader_num_windows(val), P = (size_t)val->num_processes;
    if (max_batches > 0 && (size_t)max_batches * P > all && !noted) {
        if (P == 1) {
            if (all == 1) { printf("note: -m %d, but the val data holds 1 batch: every evaluation uses it\n", max_batches); }
            else { printf("note: -m %d, but the val data holds %zu batches: every evaluation uses those %zu\n", max_batches, all, all); }
        } else {
            printf("note: -m %d on %zu processes is %zu batches, but the val data holds %zu: every evaluation uses those %zu\n",
                   max_batches, P, (size_t)max_batches * P, all, all);
        }
        noted = 1;
    }
    return eval_batches_of(dataloader_num_batches(val), max_batches);
}
// the val loader made ready for evaluations of -m batches on world processes: a synthetic task's val set sized, the
// windows dealt as an evaluation's (dataloader.h: -m -1 reads every window once whatever the number of processes, -m N
// the set's first N x world), shards too small for a window noted, and where the set is too large to check whole at
// start-up (dataloader.h), the batches every evaluation reads checked now, every process's, so that a bad id stops the
// run before its first step on all processes alike, not one process mid-evaluation
static inline void prepare_val_loader(DataLoader *val, int val_max_steps, int world) {
    set_synthetic_val_size(val, val_max_steps);
    dataloader_deal_every_window(val);
    size_t most = (dataloader_num_windows(val) + (size_t)world - 1) / (size_t)world; // rank 0's batches, the most of any
    dataloader_check_first_batches(val, eval_batches_of(most, val_max_steps));
}
// windows one evaluation reads over all processes: every window of the val set (-m -1), or every process's first -m
// batches, the set's first -m x processes (all it holds where that is more)
static inline size_t eval_windows_of(const DataLoader *val, int max_batches) {
    size_t all = dataloader_num_windows(val), P = (size_t)val->num_processes;
    return max_batches > 0 && (size_t)max_batches < (all + P - 1) / P ? (size_t)max_batches * P : all;
}

// -hf: the exported directory gets the tokenizer.json the run used (the -tk file, or the -e directory's),
// so that it loads with -e and encodes prompts on its own; byte-level models (V <= 256) need none. Where
// the run's tokenizer is not a tokenizer.json (a .bin, or a byte-level model), the -e directory's own
// tokenizer.json, if it has one, still describes the model's vocabulary and goes along.
// It is staged (hf_io.h): hf_save_model puts it in place with the weights, or, where none was staged,
// removes an older export's, which would not be this model's tokenizer.
// Returns the end-of-text id for config.json's bos / eos / pad_token_id: that of the tokenizer.json it ships (the
// -e directory's own is read for it where V > 256: the run's .bin may number its end-of-text otherwise, and config.json
// was then at odds with the tokenizer beside it), else run_eot, the run's tokenizer's (-1: none).
// hf_export_tokenizer_source_: the file it ships (NULL: none); *own_file: 1 where that is the -e directory's own
// tokenizer.json, not the run's tokenizer
static inline const char *hf_export_tokenizer_source_(int vocab_size, const char *model_arg, const char *tokenizer_path,
                                                      char buf[HF_PATH_MAX], int *own_file) {
    *own_file = 0;
    const char *src = vocab_size > 256 ? tokenizer_path_for_model(model_arg, tokenizer_path, buf, HF_PATH_MAX) : NULL;
    if (src != NULL && tokenizer_is_json(src)) { return src; }
    int fits = (size_t)snprintf(buf, HF_PATH_MAX, "%s/tokenizer.json", model_arg) < HF_PATH_MAX;
    if (!fits || access(buf, R_OK) != 0 || !tokenizer_is_json(buf)) { return NULL; }
    *own_file = 1;
    return buf;
}
// at start-up (the trainers, with -hf): the -e directory's own tokenizer.json that the export will ship must read,
// as the run's own tokenizer was read (else the export failed after training, reading it for its end-of-text id)
static inline void hf_check_export_tokenizer(int vocab_size, const char *model_arg, const char *tokenizer_path) {
    char buf[HF_PATH_MAX];
    int own_file;
    const char *src = hf_export_tokenizer_source_(vocab_size, model_arg, tokenizer_path, buf, &own_file);
    if (src == NULL || !own_file || vocab_size <= 256) { return; } // (a byte-level model's goes along unread, as before)
    BpeTokenizer bpe;
    bpe_init(&bpe, src);
    bpe_free(&bpe);
}
static inline int hf_export_tokenizer(const char *dir, int vocab_size, const char *model_arg, const char *tokenizer_path,
                                      int run_eot) {
    char buf[HF_PATH_MAX], dst[HF_PATH_MAX];
    int own_file;
    const char *src = hf_export_tokenizer_source_(vocab_size, model_arg, tokenizer_path, buf, &own_file);
    if (src == NULL) {
        if (vocab_size > 256) {
            printf("note: %s has no tokenizer.json (the run's tokenizer '%s' is not one): copy one in to encode prompts\n", dir,
                   tokenizer_path_for_model(model_arg, tokenizer_path, buf, sizeof(buf)));
        }
        return run_eot;
    }
    if (own_file && vocab_size > 256) { // (not the run's tokenizer: its end-of-text id is this file's; a byte-level
        // model's tokenizer.json goes along unread, since it need not be a BPE that bpe.h reads, and the ids are the run's)
        BpeTokenizer own_bpe;
        bpe_init(&own_bpe, src);
        run_eot = own_bpe.eot_token;
        bpe_free(&own_bpe);
    }
    FILE *in = fopenCheck(src, "rb");
    long size = file_size(in);
    char *bytes = (char *)mallocCheck((size_t)size + 1); // read whole first: src and dst may be one file
    freadCheck(bytes, 1, (size_t)size, in);
    fcloseCheck(in);
    hf_staged_path(dst, dir, "tokenizer.json");
    AtomicFile af;
    atomic_open(&af, dst);
    atomic_fwrite(bytes, 1, (size_t)size, &af);
    atomic_commit(&af);
    free(bytes);
    return run_eot;
}

// the k-th largest of x[0..n) (k >= 1); reorders x (quickselect, Hoare partition)
static inline float kth_largest(float *x, int n, int k) {
    int lo = 0, hi = n - 1, want = k - 1;
    while (lo < hi) {
        float pivot = x[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (x[i] > pivot) { i++; }
            while (x[j] < pivot) { j--; }
            if (i <= j) { float t = x[i]; x[i] = x[j]; x[j] = t; i++; j--; }
        }
        if (want <= j) { hi = j; } else if (want >= i) { lo = i; } else { break; }
    }
    return x[want];
}

static int float_descending(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x < y) - (x > y);
}

/*
The smallest logit sample_softmax keeps (-INFINITY: all): with top_k > 0 the top_k largest logits,
and of those (top_p < 1) the fewest largest whose probabilities (renormalised over what top_k kept)
sum to at least top_p. Ties at either threshold stay in. The GPU trainer's sample_kernel
(llmc/cuda/sampler.cuh) computes the same in fp32. scratch: V floats.
*/
static inline float sample_threshold(const float *logits, int V, float temperature, int top_k, float top_p, float *scratch) {
    float maxv = logits[0];
    for (int i = 1; i < V; i++) { maxv = logits[i] > maxv ? logits[i] : maxv; }
    float threshold = -INFINITY;
    if (top_k > 0 && top_k < V) {
        memcpy(scratch, logits, (size_t)V * sizeof(float));
        threshold = kth_largest(scratch, V, top_k);
    }
    if (top_p < 1.0f) {
        int m = 0;
        for (int i = 0; i < V; i++) {
            if (logits[i] >= threshold) { scratch[m++] = logits[i]; }
        }
        qsort(scratch, (size_t)m, sizeof(float), float_descending);
        double total = 0.0, cum = 0.0;
        for (int j = 0; j < m; j++) { total += exp((double)(scratch[j] - maxv) / temperature); }
        for (int j = 0; j < m; j++) {
            cum += exp((double)(scratch[j] - maxv) / temperature);
            if (cum >= (double)top_p * total) {
                threshold = scratch[j];
                break;
            }
        }
    }
    return threshold;
}

// a token drawn from softmax(logits / temperature) over the first V entries (padded rows excluded),
// among those sample_threshold keeps: the first whose running sum (double) passes coin * total
static inline int sample_softmax(const float *logits, int V, float temperature, int top_k, float top_p, float *scratch,
                                 uint64_t *rng) {
    float maxv = logits[0];
    for (int i = 1; i < V; i++) { maxv = logits[i] > maxv ? logits[i] : maxv; }
    const float threshold = sample_threshold(logits, V, temperature, top_k, top_p, scratch);
    double sum = 0.0;
    for (int i = 0; i < V; i++) {
        if (logits[i] >= threshold) { sum += exp((double)(logits[i] - maxv) / temperature); }
    }
    double coin = random_f64(rng) * sum, cdf = 0.0;
    int last = 0;
    for (int i = 0; i < V; i++) {
        if (logits[i] < threshold) { continue; }
        cdf += exp((double)(logits[i] - maxv) / temperature);
        last = i;
        if (coin < cdf) { return i; }
    }
    return last;
}

#endif // TRAIN_COMMON_H
