/*
The Mamba-1 model's configuration, parameter layout, initialisation and model file format.
Shared by train_mamba.c and train_mamba.cu: both trainers initialise and save parameters
through this file, so a model file written by one loads in the other.

Parameter layout (the one source of truth; doc/formats.md describes the same table):
all tensors live in one flat fp32 array, in this order, each row-major, and "per layer"
tensors are stacked over the L layers (layer 0 first), as in llm.c.

  #  name         shape (per layer)   decay  transformers name (per layer i)
  0  wte          (Vp, C)            yes    backbone.embeddings.weight (lm_head.weight is tied)
  1  norm_w       (C)                no     backbone.layers.i.norm.weight
  2  in_proj_w    (2*Di, C)          yes    backbone.layers.i.mixer.in_proj.weight (rows 0..Di-1: x, Di..2Di-1: z)
  3  conv_w       (Di, K)            yes    backbone.layers.i.mixer.conv1d.weight, stored (Di, 1, K)
  4  conv_b       (Di)               no     backbone.layers.i.mixer.conv1d.bias
  5  x_proj_w     (R + 2N, Di)       yes    backbone.layers.i.mixer.x_proj.weight (rows: dt_r, B, C)
  6  dt_proj_w    (Di, R)            yes    backbone.layers.i.mixer.dt_proj.weight
  7  dt_proj_b    (Di)               no     backbone.layers.i.mixer.dt_proj.bias
  8  A_log        (Di, N)            no     backbone.layers.i.mixer.A_log
  9  D            (Di)               no     backbone.layers.i.mixer.D
 10  out_proj_w   (C, Di)            yes    backbone.layers.i.mixer.out_proj.weight
 11  norm_f_w     (C)                no     backbone.norm_f.weight

"decay" marks the weight matrices that AdamW's weight decay applies to (the paper's recipe:
none on A_log, D, biases and norm weights); the optimizer reads it from this table.
*/
#ifndef MODEL_CONFIG_H
#define MODEL_CONFIG_H

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "utils.h"
#include "rand.h"

#define MODEL_MAGIC 20261123
#define MODEL_VERSION 2     // 2 adds the header's own CRC ([14]); version 1 files still load
#define MODEL_HEADER_CRC 14
#define HEADER_INTS 256

typedef struct {
    int vocab_size;        // V: tokens that can appear in the data
    int padded_vocab_size; // Vp: V rounded up to a multiple of 8 (rows of the embedding)
    int n_layer;           // L
    int d_model;           // C
    int d_inner;           // Di = expand * C
    int d_state;           // N
    int d_conv;            // K
    int dt_rank;           // R = ceil(C / 16)
    int no_selection;      // ablation: delta, B, C do not depend on the token (a time-invariant SSM)
} MambaConfig;

#define NUM_PARAMETER_TENSORS 12

typedef struct {
    const char *name;
    int per_layer; // stacked over the L layers
    int decay;     // AdamW weight decay applies
} ParameterInfo;

static const ParameterInfo PARAMETER_INFO[NUM_PARAMETER_TENSORS] = {
    {"wte", 0, 1},       {"norm_w", 1, 0},    {"in_proj_w", 1, 1}, {"conv_w", 1, 1},
    {"conv_b", 1, 0},    {"x_proj_w", 1, 1},  {"dt_proj_w", 1, 1}, {"dt_proj_b", 1, 0},
    {"A_log", 1, 0},     {"D", 1, 0},         {"out_proj_w", 1, 1}, {"norm_f_w", 0, 0},
};

// the per-layer shape of tensor i; returns the number of dimensions (1 or 2)
static inline int parameter_shape(const MambaConfig *c, int i, size_t dims[2]) {
    size_t C = c->d_model, Di = c->d_inner, N = c->d_state, K = c->d_conv, R = c->dt_rank;
    size_t Vp = c->padded_vocab_size;
    switch (i) {
        case 0: dims[0] = Vp; dims[1] = C; return 2;
        case 1: dims[0] = C; return 1;
        case 2: dims[0] = 2 * Di; dims[1] = C; return 2;
        case 3: dims[0] = Di; dims[1] = K; return 2;
        case 4: dims[0] = Di; return 1;
        case 5: dims[0] = R + 2 * N; dims[1] = Di; return 2;
        case 6: dims[0] = Di; dims[1] = R; return 2;
        case 7: dims[0] = Di; return 1;
        case 8: dims[0] = Di; dims[1] = N; return 2;
        case 9: dims[0] = Di; return 1;
        case 10: dims[0] = C; dims[1] = Di; return 2;
        case 11: dims[0] = C; return 1;
    }
    fatalf("parameter_shape: bad tensor index %d", i);
    return 0;
}

// number of elements of each tensor (all layers); returns the total
static inline size_t fill_in_parameter_sizes(size_t sizes[NUM_PARAMETER_TENSORS], const MambaConfig *c) {
    size_t total = 0;
    for (int i = 0; i < NUM_PARAMETER_TENSORS; i++) {
        size_t dims[2];
        int nd = parameter_shape(c, i, dims);
        size_t n = nd == 2 ? dims[0] * dims[1] : dims[0];
        sizes[i] = PARAMETER_INFO[i].per_layer ? n * c->n_layer : n;
        total += sizes[i];
    }
    return total;
}

// fills the derived sizes from (V, L, C) with the released models' defaults (expand 2, N 16, K 4)
static inline void config_fill_defaults(MambaConfig *c, int V, int L, int C) {
    c->vocab_size = V;
    c->padded_vocab_size = ((V + 7) / 8) * 8;
    c->n_layer = L;
    c->d_model = C;
    c->d_inner = 2 * C;
    c->d_state = 16;
    c->d_conv = 4;
    c->dt_rank = (C + 15) / 16;
    c->no_selection = 0;
}

static inline void config_validate(const MambaConfig *c, const char *source) {
    if (c->vocab_size > 65536 || c->padded_vocab_size > 65536) { // (any larger id would not fit a shard's uint16 tokens)
        fatalf("%s: vocabulary of %d (padded %d) tokens: at most 65536 are supported (token ids are stored as uint16)",
               source, c->vocab_size, c->padded_vocab_size);
    }
    if (c->d_state > 256) { fatalf("%s: state size N = %d: at most 256 is supported", source, c->d_state); }
    // each limit named in its own line (one line for all of them left the reader to find which one it was)
    const struct { long value, lo, hi; const char *what; } limits[] = {
        {c->vocab_size, 1, 65536, "vocabulary size V"},
        {c->n_layer, 1, 1024, "layer count L"},
        {c->d_model, 1, 65536, "model width C"},
        {c->d_inner, 1, 262144, "inner width Di (expand x C)"},
        {c->d_state, 1, 256, "state size N"},
        {c->d_conv, 1, 64, "conv width K"},
        {c->dt_rank, 1, c->d_model, "dt rank R (at most C)"},
        {c->padded_vocab_size, c->vocab_size, 65536, "padded vocabulary Vp (at least V)"},
    };
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        if (limits[i].value < limits[i].lo || limits[i].value > limits[i].hi) {
            fatalf("%s: invalid model config: %s = %ld is outside [%ld, %ld]", source, limits[i].what, limits[i].value,
                   limits[i].lo, limits[i].hi);
        }
    }
    if (c->padded_vocab_size % 8 != 0) {
        fatalf("%s: invalid model config: padded vocabulary Vp = %d is not a multiple of 8", source, c->padded_vocab_size);
    }
}

/*
A model descriptor names a fresh model:
  - a preset: mamba-130m, mamba-370m, mamba-790m, mamba-1.4b, mamba-2.8b (GPT-NeoX vocab 50280)
  - fields separated by ':': d<C> l<L> v<V> and optionally n<N> e<expand> k<K> r<R>, and s0 for
    the selection ablation (see no_selection), e.g. d384:l8:v256 or d64:l2:v16:s0.
    Missing fields take the defaults (l8, v256).
The ablation (s0) feeds x_proj a constant input instead of the token's u: dt_r, B and C become
learned constants, so delta, B and C no longer depend on the input (an LTI SSM like S4D, with
B and C shared by the channels as in Mamba's single group).
Returns 1 if `desc` is a descriptor (and fills `c`), 0 if it is not (then it is a file name).
*/
static inline int config_from_descriptor(const char *desc, MambaConfig *c) {
    static const struct { const char *name; int C, L; } presets[] = {
        {"mamba-130m", 768, 24}, {"mamba-370m", 1024, 48}, {"mamba-790m", 1536, 48},
        {"mamba-1.4b", 2048, 48}, {"mamba-2.8b", 2560, 64},
    };
    // a downloaded model in ./mamba-130m, or a directory named d64, is not silently replaced by a fresh
    // random model of that name: the user says which one is meant
    struct stat st;
    const int is_path = stat(desc, &st) == 0;
    const char *ambiguous = "-e %s names both a model %s and an existing %s: write ./%s for the %s, or rename it";
    for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
        if (strcmp(desc, presets[i].name) == 0) {
            if (is_path) { fatalf(ambiguous, desc, "preset", S_ISDIR(st.st_mode) ? "directory" : "file", desc, "path"); }
            config_fill_defaults(c, 50280, presets[i].L, presets[i].C);
            return 1;
        }
    }
    if (desc[0] != 'd' || !isdigit((unsigned char)desc[1])) { return 0; }
    if (is_path) {
        // only what is spelled as a descriptor (fields of a letter and digits, ':' between them) is ambiguous:
        // a run directory d384_run, or d384/model_00001000.bin, is a path that no descriptor could be
        for (const char *p = desc;;) {
            if (*p == '\0' || strchr("dlvnekrs", *p) == NULL || !isdigit((unsigned char)p[1])) { return 0; }
            for (p++; isdigit((unsigned char)*p); p++) {}
            if (*p == '\0') { break; }
            if (*p++ != ':') { return 0; }
        }
        fatalf(ambiguous, desc, "descriptor", S_ISDIR(st.st_mode) ? "directory" : "file", desc, "path");
    }
    int C = 0, L = 8, V = 256, N = 16, E = 2, K = 4, R = 0, S = 1;
    char buf[256];
    if (strlen(desc) >= sizeof(buf)) { fatalf("model descriptor too long: %s", desc); }
    strcpy(buf, desc);
    unsigned char seen[256] = {0}; // each field at most once; no empty field (d64::l2, a trailing ':')
    for (char *tok = buf, *next; tok != NULL; tok = next) {
        next = strchr(tok, ':');
        if (next != NULL) { *next++ = '\0'; }
        if (tok[0] == '\0') { fatalf("model descriptor '%s': empty field (fields are separated by one ':')", desc); }
        if (strchr("dlvnekrs", tok[0]) != NULL && seen[(unsigned char)tok[0]]++) { fatalf("model descriptor '%s': field '%c' given twice", desc, tok[0]); }
        char *end;
        long v = strtol(tok + 1, &end, 10);
        int digits = isdigit((unsigned char)tok[1]); // strtol alone would take "l 2" and "l+2"
        if (tok[0] == 's') {
            if (*end != '\0' || !digits || (v != 0 && v != 1)) {
                fatalf("model descriptor '%s': bad field '%s' (s0 = no selection, s1 = selective, the default)", desc, tok);
            }
            S = (int)v;
            continue;
        }
        if (*end != '\0' || !digits || v <= 0 || v > 1000000) {
            fatalf("model descriptor '%s': bad field '%s' (expected e.g. d384:l8:v256)", desc, tok);
        }
        switch (tok[0]) {
            case 'd': C = (int)v; break;
            case 'l': L = (int)v; break;
            case 'v': V = (int)v; break;
            case 'n': N = (int)v; break;
            case 'e': E = (int)v; break;
            case 'k': K = (int)v; break;
            case 'r': R = (int)v; break;
            default: fatalf("model descriptor '%s': unknown field '%s' (known: d l v n e k r s)", desc, tok);
        }
    }
    if (C == 0) { fatalf("model descriptor '%s': missing d<width>", desc); }
    if (E > 64 || (long)E * C > 1000000) { fatalf("model descriptor '%s': d_inner = e * d = %ld is too large", desc, (long)E * C); }
    config_fill_defaults(c, V, L, C);
    c->d_inner = E * C;
    c->d_state = N;
    c->d_conv = K;
    if (R > 0) { c->dt_rank = R; }
    c->no_selection = !S;
    config_validate(c, desc);
    return 1;
}

static inline void config_print(const MambaConfig *c, size_t num_parameters) {
    printf("+-----------------------+----------------------------------------------------+\n");
    printf("| model                 | V=%d (padded %d) L=%d C=%d Di=%d N=%d K=%d R=%d%s\n",
           c->vocab_size, c->padded_vocab_size, c->n_layer, c->d_model, c->d_inner,
           c->d_state, c->d_conv, c->dt_rank, c->no_selection ? " (no selection: LTI ablation)" : "");
    printf("| parameters            | %zu\n", num_parameters);
    printf("+-----------------------+----------------------------------------------------+\n");
}

/*
Initialisation exactly as the reference implementation (mamba_ssm), from our seeded RNG.
`params` is the flat array in the layout above; `sizes` from fill_in_parameter_sizes.
*/
static inline void init_parameters(float *params, const size_t sizes[NUM_PARAMETER_TENSORS],
                                   const MambaConfig *c, uint64_t seed) {
    uint64_t rng = seed;
    size_t L = c->n_layer, C = c->d_model, Di = c->d_inner, N = c->d_state, K = c->d_conv, R = c->dt_rank;
    float *p[NUM_PARAMETER_TENSORS];
    float *ptr = params;
    for (int i = 0; i < NUM_PARAMETER_TENSORS; i++) { p[i] = ptr; ptr += sizes[i]; }

    normal_fill(p[0], sizes[0], 0.0f, 0.02f, &rng);
    for (size_t i = 0; i < sizes[11]; i++) { p[11][i] = 1.0f; }
    for (size_t l = 0; l < L; l++) {
        for (size_t i = 0; i < C; i++) { p[1][l * C + i] = 1.0f; }
        float b_in = 1.0f / sqrtf((float)C);
        uniform_fill(p[2] + l * 2 * Di * C, 2 * Di * C, -b_in, b_in, &rng);
        float b_conv = 1.0f / sqrtf((float)K); // fan_in of a depthwise conv is K
        uniform_fill(p[3] + l * Di * K, Di * K, -b_conv, b_conv, &rng);
        uniform_fill(p[4] + l * Di, Di, -b_conv, b_conv, &rng);
        float b_x = 1.0f / sqrtf((float)Di);
        uniform_fill(p[5] + l * (R + 2 * N) * Di, (R + 2 * N) * Di, -b_x, b_x, &rng);
        float b_dt = 1.0f / sqrtf((float)R);
        uniform_fill(p[6] + l * Di * R, Di * R, -b_dt, b_dt, &rng);
        for (size_t d = 0; d < Di; d++) {
            // the initial delta (softplus's output, not the dt activation) log-uniform in
            // [1e-3, 1e-1]; the bias is its inverse softplus
            double delta0 = exp(log(1e-3) + random_f64(&rng) * (log(1e-1) - log(1e-3)));
            if (delta0 < 1e-4) { delta0 = 1e-4; }
            p[7][l * Di + d] = (float)(delta0 + log(-expm1(-delta0)));
        }
        for (size_t d = 0; d < Di; d++) {
            for (size_t n = 0; n < N; n++) { p[8][(l * Di + d) * N + n] = logf((float)(n + 1)); }
            p[9][l * Di + d] = 1.0f;
        }
        // out_proj: default linear init, then divided by sqrt(n_layer) (one residual per layer)
        float b_out = 1.0f / sqrtf((float)Di);
        float *w_out = p[10] + l * C * Di;
        uniform_fill(w_out, C * Di, -b_out, b_out, &rng);
        float rescale = 1.0f / sqrtf((float)L);
        for (size_t i = 0; i < C * Di; i++) { w_out[i] *= rescale; }
    }
}

/*
Model file: int32 header[256] then the fp32 parameters in the layout order.
  header[0] = MODEL_MAGIC, [1] = MODEL_VERSION, [2] = V, [3] = Vp, [4] = L, [5] = C, [6] = Di,
  [7] = N, [8] = K, [9] = R, [10] = number of parameters (low 32 bits), [11] = (high 32 bits),
  [12] = CRC-32 of the parameter bytes, [13] = 1 for the no-selection ablation, [14] = CRC-32 of the
  header itself with [14] = 0 (version 2); the rest is zero.
*/
static inline void model_header_fill(int header[HEADER_INTS], const MambaConfig *c, size_t num_parameters,
                                     uint32_t crc) {
    memset(header, 0, HEADER_INTS * sizeof(int));
    header[0] = MODEL_MAGIC;
    header[1] = MODEL_VERSION;
    header[2] = c->vocab_size;
    header[3] = c->padded_vocab_size;
    header[4] = c->n_layer;
    header[5] = c->d_model;
    header[6] = c->d_inner;
    header[7] = c->d_state;
    header[8] = c->d_conv;
    header[9] = c->dt_rank;
    header[10] = (int)(uint32_t)(num_parameters & 0xFFFFFFFFu);
    header[11] = (int)(uint32_t)(num_parameters >> 32);
    header[12] = (int)crc;
    header[13] = c->no_selection;
    header[MODEL_HEADER_CRC] = (int)header_crc(header, HEADER_INTS, MODEL_HEADER_CRC);
}

static inline void save_model_file(const char *path, const MambaConfig *c, const float *params, size_t num_parameters) {
    int header[HEADER_INTS];
    model_header_fill(header, c, num_parameters, crc32_update(0, params, num_parameters * sizeof(float)));
    AtomicFile af;
    atomic_open(&af, path);
    atomic_fwrite(header, sizeof(int), HEADER_INTS, &af);
    atomic_fwrite(params, sizeof(float), num_parameters, &af);
    atomic_commit(&af);
}

// 1 when dir holds model_*.bin files: a run's -o directory, given where a model is expected (-e out/run)
static inline int dir_holds_model_files(const char *dir) {
    DIR *dp = opendir(dir);
    if (dp == NULL) { return 0; }
    int found = 0;
    for (struct dirent *e; !found && (e = readdir(dp)) != NULL;) {
        size_t n = strlen(e->d_name);
        found = n > 10 && strncmp(e->d_name, "model_", 6) == 0 && strcmp(e->d_name + n - 4, ".bin") == 0;
    }
    closedir(dp);
    return found;
}

// for the errors of a file that is no model file, where it is text: a transformers directory's config.json or weight
// index given in place of the directory, or other text (read only on those errors, not at every model's loading)
static inline const char *model_file_text_hint(FILE *fp, const char *path) {
    const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
    size_t base_len = strlen(base);
    if (!starts_as_text(fp)) { return ""; }
    return strcmp(base, "config.json") == 0 || (base_len > 11 && strcmp(base + base_len - 11, ".index.json") == 0)
               ? ": a transformers model's JSON: give -e the directory that holds it"
               : ": it looks like text, not a model file the trainers write";
}

// reads and checks the header of a model file: config and parameter count; leaves fp at the parameters
static inline FILE *open_model_file(const char *path, MambaConfig *c, size_t *num_parameters, uint32_t *crc) {
    struct stat st; // (-e lands here when it is no preset, descriptor or transformers directory)
    if (stat(path, &st) != 0) {
        fatalf("'%s': no such model file (-e takes a preset such as mamba-130m, a descriptor such as d384:l8:v256, "
               "a transformers directory or a model file)", path);
    }
    if (S_ISDIR(st.st_mode) && dir_holds_model_files(path)) { // (which of its files: the user knows the step wanted)
        fatalf("'%s' is a run's directory (-o), not a model: give -e one of its model_<step>.bin files, or resume the run "
               "with -o %s -y 1", path, path);
    }
    char staged[1200]; // (an -hf export stopped in its switch of files, by a crash or a rename refused: llmc/hf_io.h)
    snprintf(staged, sizeof(staged), "%s/config.json.staged", path);
    if (S_ISDIR(st.st_mode) && access(staged, F_OK) == 0) {
        fatalf("'%s' has a config.json.staged but no config.json: an -hf export into it stopped before its end; finish it "
               "by renaming each <name>.staged in it to <name>", path);
    }
    if (S_ISDIR(st.st_mode)) { fatalf("'%s' is a directory without a config.json: neither a transformers model nor a model file", path); }
    FILE *fp = fopenCheck(path, "rb");
    long size = file_size(fp);
    int header[HEADER_INTS];
    // a safetensors file (transformers' weights) starts with its JSON header's length (u64) and then '{'
    unsigned char b[9];
    int32_t magic = 0;
    if (size >= 9 && fread(b, 1, 9, fp) == 9 && (memcpy(&magic, b, 4), magic != MODEL_MAGIC)) {
        uint64_t json_len = 0;
        for (int i = 7; i >= 0; i--) { json_len = json_len << 8 | b[i]; }
        if (b[8] == '{' && json_len <= (uint64_t)size - 8) {
            fatalf("%s: a safetensors file, not a model file: give -e the directory that holds it and its config.json", path);
        }
        if (memcmp(b, "PK\3\4", 4) == 0) { // (a zip's first local header)
            fatalf("%s: a zip archive (a PyTorch pytorch_model.bin?), not a model file: give -e the directory that holds it "
                   "and its config.json", path);
        }
    }
    fseekCheck(fp, 0, SEEK_SET);
    if (size < (long)sizeof(header)) {
        fatalf("%s: not a model file (%ld byte%s, shorter than the %zu-byte header)%s", path, size, plural_s(size),
               sizeof(header), model_file_text_hint(fp, path));
    }
    freadCheck(header, sizeof(int), HEADER_INTS, fp);
    if (header[0] != MODEL_MAGIC) {
        // the project's other binary files, named (doc/formats.md): a state file (train_common.h's STATE_MAGIC) or a
        // shard (dataloader.h's SHARD_MAGIC) given to -e by mistake; test_cli's state_file_as_model checks the first
        const char *kind = header[0] == 20261125 ? " (a training state file: -e takes the model_<step>.bin beside it)"
                         : header[0] == 20240520 ? " (a token shard: data goes to -i / -j)" : model_file_text_hint(fp, path);
        fatalf("%s: bad magic number in model file: expected %d, found %d%s", path, MODEL_MAGIC, header[0], kind);
    }
    if (header[1] != 1 && header[1] != MODEL_VERSION) {
        fatalf("%s: unsupported model file version: expected 1 to %d, found %d", path, MODEL_VERSION, header[1]);
    }
    if (header[1] >= 2 && (uint32_t)header[MODEL_HEADER_CRC] != header_crc(header, HEADER_INTS, MODEL_HEADER_CRC)) {
        fatalf("%s: header checksum mismatch: the model file's header is corrupt", path);
    }
    c->vocab_size = header[2];
    c->padded_vocab_size = header[3];
    c->n_layer = header[4];
    c->d_model = header[5];
    c->d_inner = header[6];
    c->d_state = header[7];
    c->d_conv = header[8];
    c->dt_rank = header[9];
    c->no_selection = header[13];
    if (c->no_selection != 0 && c->no_selection != 1) { fatalf("%s: bad selection flag %d in the header", path, header[13]); }
    config_validate(c, path);
    size_t sizes[NUM_PARAMETER_TENSORS];
    size_t expected = fill_in_parameter_sizes(sizes, c);
    size_t stored = (size_t)(uint32_t)header[10] | ((size_t)(uint32_t)header[11] << 32);
    if (stored != expected) {
        fatalf("%s: header says %zu parameters but its config needs %zu", path, stored, expected);
    }
    long want = (long)(sizeof(header) + expected * sizeof(float));
    if (size != want) {
        fatalf("%s: model file is %ld bytes, expected %ld (truncated or corrupt)", path, size, want);
    }
    *num_parameters = expected;
    *crc = (uint32_t)header[12];
    return fp;
}

// a model with a NaN or infinite weight can only produce NaN: refuse it when it is loaded, naming the
// tensor (layout table), layer and element where the first one is
static inline void check_finite_parameters(const char *path, const MambaConfig *c, const float *params, size_t num_parameters) {
    for (size_t i = 0; i < num_parameters; i++) {
        if (isfinite(params[i])) { continue; }
        size_t sizes[NUM_PARAMETER_TENSORS], at = i;
        fill_in_parameter_sizes(sizes, c);
        int t = 0;
        while (t < NUM_PARAMETER_TENSORS - 1 && at >= sizes[t]) { at -= sizes[t++]; }
        char where[96] = "";
        if (PARAMETER_INFO[t].per_layer) {
            size_t per = sizes[t] / (size_t)c->n_layer;
            snprintf(where, sizeof(where), " (%s of layer %zu, element %zu)", PARAMETER_INFO[t].name, at / per, at % per);
        } else {
            snprintf(where, sizeof(where), " (%s, element %zu)", PARAMETER_INFO[t].name, at);
        }
        fatalf("%s: parameter %zu of %zu%s is %f: not a usable model", path, i, num_parameters, where, params[i]);
    }
}

// reads the parameters after open_model_file and verifies the checksum
static inline void read_model_parameters(FILE *fp, const char *path, const MambaConfig *c, float *params, size_t num_parameters,
                                         uint32_t crc) {
    freadCheck(params, sizeof(float), num_parameters, fp);
    fcloseCheck(fp);
    uint32_t got = crc32_update(0, params, num_parameters * sizeof(float));
    if (got != crc) {
        fatalf("%s: checksum mismatch (header %08x, data %08x): the file is corrupt", path, crc, got);
    }
    check_finite_parameters(path, c, params, num_parameters);
}

#endif // MODEL_CONFIG_H
