/*
Hugging Face interop: load a Mamba-1 checkpoint directory into our flat fp32 parameter array
(llmc/model_config.h layout), and save ours as a directory that transformers loads with
`MambaForCausalLM.from_pretrained(dir)`.

A model directory holds config.json and either model.safetensors, a sharded
model.safetensors.index.json + its shards, or (the mamba_ssm releases) a PyTorch pytorch_model.bin
(llmc/torch_zip.h), or a sharded pytorch_model.bin.index.json + its shards (transformers without safetensors). Two spellings are understood:
  - transformers (`MambaForCausalLM`): hidden_size, num_hidden_layers, vocab_size, state_size,
    expand (or intermediate_size), conv_kernel, time_step_rank ("auto" = ceil(C/16)),
    layer_norm_epsilon, use_bias, use_conv_bias, tie_word_embeddings; embedding
    `backbone.embeddings.weight`.
  - mamba_ssm (`MambaLMHeadModel`): d_model, n_layer, vocab_size, ssm_cfg {d_state, d_conv, expand,
    dt_rank, bias, conv_bias}, pad_vocab_size_multiple, tie_embeddings; embedding
    `backbone.embedding.weight`.
Either embedding name is accepted with either config (transformers itself renames on load).
Per-layer names: backbone.layers.{i}.norm.weight, backbone.layers.{i}.mixer.{in_proj.weight,
conv1d.weight (Di,1,K), conv1d.bias, x_proj.weight, dt_proj.weight, dt_proj.bias, A_log, D,
out_proj.weight}, then backbone.norm_f.weight; lm_head.weight is optional when tied.

Vocabulary: V is config's vocab_size (transformers' released configs already say the padded 50280).
The embedding may have V rows, or (mamba_ssm) V rounded up to pad_vocab_size_multiple rows, or
(transformers) V rounded up to 8; our Vp is those rows rounded up to 8, the extra rows zero.
Export writes all Vp rows and vocab_size = Vp, as transformers requires embedding rows == vocab_size,
and V as "llmc_vocab_size" with "llmc_vocab_rows" = Vp (transformers keeps unknown keys), which import
reads back while vocab_size is still that Vp.

What this implementation cannot represent is rejected with a one-line error rather than
silently changed: biases on in_proj/out_proj (use_bias=true), no conv bias, an epsilon other
than 1e-5, an activation other than silu, an untied lm_head that differs from the embedding (a tied
one that differs is not used, as in transformers, with a note).
*/
#ifndef HF_IO_H
#define HF_IO_H

#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "utils.h"
#include "model_config.h"
#include "safetensors.h"
#include "torch_zip.h"

#define HF_VOCAB_KEY "llmc_vocab_size" // V, and the rows (vocab_size) it goes with, in our exports' config.json
#define HF_ROWS_KEY "llmc_vocab_rows"

#define HF_PATH_MAX 4096
#define HF_CONFIG_MAX_BYTES (16u << 20)

// transformers name of each per-layer tensor of the layout, after "backbone.layers.{i}."
static const char *const HF_LAYER_TENSOR_NAMES[NUM_PARAMETER_TENSORS] = {
    NULL, "norm.weight", "mixer.in_proj.weight", "mixer.conv1d.weight", "mixer.conv1d.bias",
    "mixer.x_proj.weight", "mixer.dt_proj.weight", "mixer.dt_proj.bias", "mixer.A_log", "mixer.D",
    "mixer.out_proj.weight", NULL,
};

static inline const char *hf_join_(char *out, const char *dir, const char *name) {
    if ((size_t)snprintf(out, HF_PATH_MAX, "%s/%s", dir, name) >= HF_PATH_MAX) { fatalf("path too long: %s/%s", dir, name); }
    return out;
}

static inline int hf_is_regular_file_(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

// 1 if `path` is a directory holding a config.json
static inline int hf_is_model_dir(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) { return 0; }
    char config_path[HF_PATH_MAX];
    if ((size_t)snprintf(config_path, sizeof(config_path), "%s/config.json", path) >= sizeof(config_path)) { return 0; }
    return hf_is_regular_file_(config_path);
}

// ----------------------------------------------------------------------------
// config.json

#define HF_REQUIRED INT_MIN

// an integer field in [lo, hi]; `dflt` when absent (or an error if dflt is HF_REQUIRED)
static inline int hf_json_int_(const cJSON *obj, const char *key, const char *path, int dflt, int lo, int hi) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (item == NULL || cJSON_IsNull(item)) {
        if (dflt == HF_REQUIRED) { fatalf("%s: missing \"%s\"", path, key); }
        return dflt;
    }
    double d = item->valuedouble;
    if (!cJSON_IsNumber(item) || d != floor(d) || d < (double)lo || d > (double)hi) {
        fatalf("%s: \"%s\" must be an integer in [%d, %d]", path, key, lo, hi);
    }
    return (int)d;
}

static inline double hf_json_number_(const cJSON *obj, const char *key, const char *path, double dflt) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (item == NULL || cJSON_IsNull(item)) { return dflt; }
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble)) { fatalf("%s: \"%s\" must be a number", path, key); }
    return item->valuedouble;
}

static inline int hf_json_bool_(const cJSON *obj, const char *key, const char *path, int dflt) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (item == NULL || cJSON_IsNull(item)) { return dflt; }
    if (!cJSON_IsBool(item)) { fatalf("%s: \"%s\" must be true or false", path, key); }
    return cJSON_IsTrue(item) ? 1 : 0;
}

// a string field compared with `want` (absent is fine); anything else is an error
static inline void hf_json_expect_string_(const cJSON *obj, const char *key, const char *path, const char *want,
                                          const char *why) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (item == NULL || cJSON_IsNull(item)) { return; }
    if (!cJSON_IsString(item) || strcmp(item->valuestring, want) != 0) {
        fatalf("%s: \"%s\" must be \"%s\" (%s)", path, key, want, why);
    }
}

// "auto" (ceil(C / 16)) or an integer
static inline int hf_json_dt_rank_(const cJSON *obj, const char *key, const char *path, int C) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (item == NULL || cJSON_IsNull(item) || (cJSON_IsString(item) && strcmp(item->valuestring, "auto") == 0)) {
        return (C + 15) / 16;
    }
    return hf_json_int_(obj, key, path, HF_REQUIRED, 1, 1 << 20);
}

static inline int hf_round_up_(int v, int multiple) {
    long long r = ((long long)v + multiple - 1) / multiple * multiple;
    if (r > INT_MAX) { fatalf("vocabulary size %d rounded to a multiple of %d overflows", v, multiple); }
    return (int)r;
}

typedef struct {
    MambaConfig config;  // padded_vocab_size is set once the embedding's row count is known
    int vocab_rows_padded; // the embedding may have this many rows instead of V
    int tied;              // lm_head is the embedding
    int mamba_ssm;         // config.json is spelled the mamba_ssm way
} HfModelSpec;

// the config.json key that says whether the head is tied, as that config spells it (for errors)
static inline const char *hf_tie_key_(const HfModelSpec *spec) { return spec->mamba_ssm ? "tie_embeddings" : "tie_word_embeddings"; }

static inline void hf_read_config_(const char *path, HfModelSpec *spec) {
    cJSON *root = safetensors_read_json_object(path, HF_CONFIG_MAX_BYTES);
    MambaConfig *c = &spec->config;
    memset(spec, 0, sizeof(*spec));
    const int big = 1 << 20;
    hf_json_expect_string_(root, "model_type", path, "mamba", "only Mamba-1 models are supported");
    if (cJSON_GetObjectItemCaseSensitive(root, "hidden_size") != NULL) {
        // transformers MambaConfig (its defaults where a key is absent)
        c->vocab_size = hf_json_int_(root, "vocab_size", path, HF_REQUIRED, 1, big);
        c->d_model = hf_json_int_(root, "hidden_size", path, HF_REQUIRED, 1, big);
        c->n_layer = hf_json_int_(root, "num_hidden_layers", path, HF_REQUIRED, 1, big);
        c->d_state = hf_json_int_(root, "state_size", path, 16, 1, big);
        c->d_conv = hf_json_int_(root, "conv_kernel", path, 4, 1, big);
        double expand = hf_json_number_(root, "expand", path, 2.0);
        if (!(expand > 0.0 && expand <= 64.0)) { fatalf("%s: \"expand\" must be in (0, 64]", path); }
        // transformers sets intermediate_size = int(expand * hidden_size), and a saved intermediate_size wins
        c->d_inner = hf_json_int_(root, "intermediate_size", path, (int)(expand * c->d_model), 1, big);
        c->dt_rank = hf_json_dt_rank_(root, "time_step_rank", path, c->d_model);
        double eps = hf_json_number_(root, "layer_norm_epsilon", path, 1e-5);
        if (fabs(eps - 1e-5) > 1e-9 * 1e-5) {
            fatalf("%s: layer_norm_epsilon is %g but this implementation's RMSNorm uses 1e-5", path, eps);
        }
        // a config without use_bias is read as false, as the released checkpoints say: transformers writes the key into
        // every config it saves, and its default has not been the same in every version (MAMBA_SPEC.md says true); a
        // bias tensor that the config leaves unannounced is refused below as unexpected
        if (hf_json_bool_(root, "use_bias", path, 0)) {
            fatalf("%s: use_bias=true not supported (in_proj/out_proj biases)", path);
        }
        if (!hf_json_bool_(root, "use_conv_bias", path, 1)) {
            fatalf("%s: use_conv_bias=false not supported (this implementation always has a conv1d bias)", path);
        }
        hf_json_expect_string_(root, "hidden_act", path, "silu", "the only activation implemented");
        spec->tied = hf_json_bool_(root, "tie_word_embeddings", path, 1);
        spec->vocab_rows_padded = hf_round_up_(c->vocab_size, 8);
        // our export's real vocabulary (vocab_size says the rows): V again, so that a model exported and imported
        // back is the same model (its checkpoints resume, sampling stays within V), as long as vocab_size is
        // still the row count that export wrote (a transformers resize_token_embeddings keeps unknown keys)
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, HF_VOCAB_KEY), *er = cJSON_GetObjectItemCaseSensitive(root, HF_ROWS_KEY);
        if (ev != NULL && !cJSON_IsNull(ev)) {
            int v = hf_json_int_(root, HF_VOCAB_KEY, path, HF_REQUIRED, 1, big);
            // (exports of before the rows key: their vocab_size was V rounded up to 8)
            int rows = er != NULL && !cJSON_IsNull(er) ? hf_json_int_(root, HF_ROWS_KEY, path, HF_REQUIRED, 1, big)
                                                       : hf_round_up_(v, 8);
            if (rows == c->vocab_size && v <= c->vocab_size) {
                c->vocab_size = v;
            } else if (rows != c->vocab_size) {
                printf("note: %s: \"%s\" %d ignored: vocab_size %d is not the %d rows it was written with\n", path,
                       HF_VOCAB_KEY, v, c->vocab_size, rows);
            } else {
                printf("note: %s: \"%s\" %d ignored: more than the %d rows of vocab_size\n", path, HF_VOCAB_KEY, v, c->vocab_size);
            }
        }
    } else if (cJSON_GetObjectItemCaseSensitive(root, "d_model") != NULL) {
        // mamba_ssm MambaConfig; its Mamba block defaults live in ssm_cfg
        spec->mamba_ssm = 1;
        c->vocab_size = hf_json_int_(root, "vocab_size", path, HF_REQUIRED, 1, big);
        c->d_model = hf_json_int_(root, "d_model", path, HF_REQUIRED, 1, big);
        c->n_layer = hf_json_int_(root, "n_layer", path, HF_REQUIRED, 1, big);
        const cJSON *ssm = cJSON_GetObjectItemCaseSensitive(root, "ssm_cfg");
        if (ssm != NULL && !cJSON_IsObject(ssm) && !cJSON_IsNull(ssm)) { fatalf("%s: \"ssm_cfg\" must be an object", path); }
        hf_json_expect_string_(ssm, "layer", path, "Mamba1", "only Mamba-1 layers are supported");
        c->d_state = hf_json_int_(ssm, "d_state", path, 16, 1, big);
        c->d_conv = hf_json_int_(ssm, "d_conv", path, 4, 1, big);
        // mamba_ssm's Mamba block takes d_inner = int(expand * d_model), a fractional expand too (it was refused here)
        double expand = hf_json_number_(ssm, "expand", path, 2.0);
        if (!(expand > 0.0 && expand <= 64.0)) { fatalf("%s: ssm_cfg \"expand\" must be in (0, 64]", path); }
        c->d_inner = (int)(expand * c->d_model);
        if (c->d_inner < 1) { fatalf("%s: ssm_cfg expand %g x d_model %d leaves no inner channel", path, expand, c->d_model); }
        c->dt_rank = hf_json_dt_rank_(ssm, "dt_rank", path, c->d_model);
        if (hf_json_bool_(ssm, "bias", path, 0)) { fatalf("%s: ssm_cfg bias=true not supported (in_proj/out_proj biases)", path); }
        if (!hf_json_bool_(ssm, "conv_bias", path, 1)) {
            fatalf("%s: ssm_cfg conv_bias=false not supported (this implementation always has a conv1d bias)", path);
        }
        if (hf_json_int_(root, "d_intermediate", path, 0, 0, big) != 0) {
            fatalf("%s: d_intermediate > 0 (MLP blocks between mixers) not supported", path);
        }
        const cJSON *attn = cJSON_GetObjectItemCaseSensitive(root, "attn_layer_idx");
        if (attn != NULL && !(cJSON_IsArray(attn) && cJSON_GetArraySize(attn) == 0)) {
            fatalf("%s: attn_layer_idx must be empty (attention layers are not supported)", path);
        }
        if (!hf_json_bool_(root, "rms_norm", path, 1)) { fatalf("%s: rms_norm=false (LayerNorm) not supported", path); }
        double eps = hf_json_number_(root, "norm_epsilon", path, 1e-5);
        if (fabs(eps - 1e-5) > 1e-9 * 1e-5) {
            fatalf("%s: norm_epsilon is %g but this implementation's RMSNorm uses 1e-5", path, eps);
        }
        spec->tied = hf_json_bool_(root, "tie_embeddings", path, 1);
        int multiple = hf_json_int_(root, "pad_vocab_size_multiple", path, 8, 1, 65536);
        spec->vocab_rows_padded = hf_round_up_(c->vocab_size, multiple);
    } else {
        fatalf("%s: neither \"hidden_size\" (transformers) nor \"d_model\" (mamba_ssm) found: not a Mamba config", path);
    }
    cJSON_Delete(root);
    // validated here with a provisional Vp; the embedding's row count may raise it
    c->padded_vocab_size = hf_round_up_(spec->vocab_rows_padded, 8);
    config_validate(c, path);
}

// ----------------------------------------------------------------------------
// import

// opens the weights of dir; `path` receives the file that names them (for error messages)
static inline void hf_open_weights_(const char *dir, Safetensors *st, char path[HF_PATH_MAX]) {
    hf_join_(path, dir, "model.safetensors");
    if (hf_is_regular_file_(path)) {
        safetensors_open(st, path);
        return;
    }
    hf_join_(path, dir, "model.safetensors.index.json");
    if (hf_is_regular_file_(path)) {
        safetensors_open_index(st, path);
        return;
    }
    hf_join_(path, dir, "pytorch_model.bin"); // (mamba_ssm's releases: llmc/torch_zip.h)
    if (hf_is_regular_file_(path)) {
        torch_zip_open(st, path);
        return;
    }
    hf_join_(path, dir, "pytorch_model.bin.index.json"); // (a large model saved by transformers without safetensors)
    if (hf_is_regular_file_(path)) {
        torch_zip_open_index(st, path);
        return;
    }
    fatalf("%s: no model.safetensors, model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json", dir);
}

// appends "name" to a comma-separated list of at most 5 names, counting the rest
static inline void hf_list_add_(char *list, size_t cap, int *count, const char *name) {
    if (*count < 5) {
        size_t len = strlen(list);
        snprintf(list + len, cap - len, "%s'%s'", *count ? ", " : "", name);
    }
    (*count)++;
}

// checks that t has exactly the expected shape
static inline void hf_check_shape_(const Safetensors *st, const SafetensorsTensor *t, int ndim, const size_t *shape,
                                   const char *config_path) {
    int ok = t->ndim == ndim;
    for (int d = 0; ok && d < ndim; d++) { ok = t->shape[d] == shape[d]; }
    if (!ok) {
        char found[256], want[256];
        fatalf("%s: tensor '%s' has shape %s, expected %s from %s", safetensors_tensor_path(st, t), t->name,
               safetensors_shape_str(found, sizeof(found), t->ndim, t->shape),
               safetensors_shape_str(want, sizeof(want), ndim, shape), config_path);
    }
}

// name and expected shape of tensor i of layer l in our layout, as stored in the checkpoint
static inline int hf_tensor_name_shape_(const MambaConfig *c, int i, int l, char *name, size_t cap, size_t shape[3]) {
    int ndim = parameter_shape(c, i, shape);
    if (i == 11) { snprintf(name, cap, "backbone.norm_f.weight"); }
    else { snprintf(name, cap, "backbone.layers.%d.%s", l, HF_LAYER_TENSOR_NAMES[i]); }
    if (i == 3) { // conv1d.weight is stored as (Di, 1, K): same bytes as our (Di, K)
        shape[2] = shape[1];
        shape[1] = 1;
        ndim = 3;
    }
    return ndim;
}

// the model an -e argument names (descriptor or preset, transformers / mamba_ssm directory, model file),
// without loading its weights; the padded vocabulary is left as the source gives it
static inline void config_of_model_arg(const char *model, MambaConfig *c) {
    if (config_from_descriptor(model, c)) { return; }
    if (hf_is_model_dir(model)) {
        char config_path[HF_PATH_MAX];
        hf_join_(config_path, model, "config.json");
        HfModelSpec spec;
        hf_read_config_(config_path, &spec);
        *c = spec.config;
        return;
    }
    size_t n;
    uint32_t crc;
    fcloseCheck(open_model_file(model, c, &n, &crc));
}

// the same architecture: every size and the selection flag (not the padded vocabulary)
static inline int config_same_model(const MambaConfig *a, const MambaConfig *b) {
    return a->vocab_size == b->vocab_size && a->n_layer == b->n_layer && a->d_model == b->d_model &&
           a->d_inner == b->d_inner && a->d_state == b->d_state && a->d_conv == b->d_conv && a->dt_rank == b->dt_rank &&
           a->no_selection == b->no_selection;
}

/*
Loads a checkpoint directory. Fills *config, mallocs *params_out (free() it) in our layout and
sets *num_params_out. Every tensor is checked against config.json before any data is read; missing
and unexpected tensors are errors.
*/
static inline void hf_load_model(const char *dir, MambaConfig *config, float **params_out, size_t *num_params_out) {
    char config_path[HF_PATH_MAX];
    hf_join_(config_path, dir, "config.json");
    if (!hf_is_regular_file_(config_path)) { fatalf("%s: no config.json in this directory (not a model directory)", config_path); }
    HfModelSpec spec;
    hf_read_config_(config_path, &spec);
    MambaConfig *c = &spec.config;
    Safetensors st;
    char weights_path[HF_PATH_MAX];
    hf_open_weights_(dir, &st, weights_path);
    char *used = (char *)callocCheck((size_t)(st.num_tensors > 0 ? st.num_tensors : 1), 1);
    char missing[1024] = "";
    int num_missing = 0;

    // the embedding decides Vp
    const SafetensorsTensor *emb = safetensors_find(&st, "backbone.embeddings.weight");
    const SafetensorsTensor *emb_alt = safetensors_find(&st, "backbone.embedding.weight");
    if (emb != NULL && emb_alt != NULL) {
        fatalf("%s: both backbone.embeddings.weight and backbone.embedding.weight are present", safetensors_tensor_path(&st, emb_alt));
    }
    if (emb == NULL) { emb = emb_alt; }
    size_t emb_rows = 0;
    if (emb == NULL) {
        hf_list_add_(missing, sizeof(missing), &num_missing,
                     spec.mamba_ssm ? "backbone.embedding.weight" : "backbone.embeddings.weight");
    } else {
        emb_rows = emb->ndim == 2 ? emb->shape[0] : 0;
        if (emb->ndim != 2 || emb->shape[1] != (size_t)c->d_model ||
            (emb_rows != (size_t)c->vocab_size && emb_rows != (size_t)spec.vocab_rows_padded)) {
            char found[256], padded[64] = "";
            if (spec.vocab_rows_padded != c->vocab_size) {
                snprintf(padded, sizeof(padded), " or [%d, %d]", spec.vocab_rows_padded, c->d_model);
            }
            fatalf("%s: tensor '%s' has shape %s, expected [%d, %d]%s (vocab rows, hidden size) from %s",
                   safetensors_tensor_path(&st, emb), emb->name,
                   safetensors_shape_str(found, sizeof(found), emb->ndim, emb->shape), c->vocab_size, c->d_model, padded,
                   config_path);
        }
        used[emb - st.tensors] = 1;
        c->padded_vocab_size = hf_round_up_((int)emb_rows, 8);
        if (emb_rows % 8 != 0) { // mamba_ssm's layout (spec): every padded row's logit is in the softmax
            printf("note: %s: the embedding's %zu rows are padded to %d with zero rows; every padded row's logit (0 here) "
                   "is part of the softmax in this layout (mamba_ssm's), not in transformers': losses differ slightly\n",
                   weights_path, emb_rows, c->padded_vocab_size);
        }
        config_validate(c, config_path);
    }

    // every other tensor of the layout: present, with the right shape
    const SafetensorsTensor **found = (const SafetensorsTensor **)callocCheck((size_t)c->n_layer * NUM_PARAMETER_TENSORS,
                                                                             sizeof(*found));
    for (int i = 1; i < NUM_PARAMETER_TENSORS; i++) {
        int layers = PARAMETER_INFO[i].per_layer ? c->n_layer : 1;
        for (int l = 0; l < layers; l++) {
            char name[256];
            size_t shape[3];
            int ndim = hf_tensor_name_shape_(c, i, l, name, sizeof(name), shape);
            const SafetensorsTensor *t = safetensors_find(&st, name);
            if (t == NULL) {
                hf_list_add_(missing, sizeof(missing), &num_missing, name);
                continue;
            }
            hf_check_shape_(&st, t, ndim, shape, config_path);
            used[t - st.tensors] = 1;
            found[(size_t)l * NUM_PARAMETER_TENSORS + i] = t;
        }
    }
    if (num_missing > 0) {
        fatalf("%s: %d missing tensor%s: %s%s", weights_path, num_missing, num_missing > 1 ? "s" : "", missing,
               num_missing > 5 ? ", ..." : "");
    }

    // the head: tied heads may carry a copy of the embedding; untied ones must equal it
    const SafetensorsTensor *head = safetensors_find(&st, "lm_head.weight");
    if (head != NULL) {
        size_t shape[2] = {emb_rows, (size_t)c->d_model};
        hf_check_shape_(&st, head, 2, shape, config_path);
        used[head - st.tensors] = 1;
    } else if (!spec.tied) {
        fatalf("%s: %s is false but lm_head.weight is missing (untied heads are not supported)", config_path, hf_tie_key_(&spec));
    }

    char extra[1024] = "";
    int num_extra = 0;
    for (int k = 0; k < st.num_tensors; k++) {
        if (!used[k]) { hf_list_add_(extra, sizeof(extra), &num_extra, st.tensors[k].name); }
    }
    if (num_extra > 0) {
        fatalf("%s: %d unexpected tensor%s: %s%s", weights_path, num_extra, num_extra > 1 ? "s" : "", extra,
               num_extra > 5 ? ", ..." : "");
    }

    // all checked: read (into params, handed out only after the last read: a PyTorch storage's CRC-32 is checked
    // as it is read, and a mismatch ends the load there)
    size_t sizes[NUM_PARAMETER_TENSORS];
    size_t num_params = fill_in_parameter_sizes(sizes, c);
    float *params = (float *)callocCheck(num_params, sizeof(float)); // padded vocab rows stay zero
    float *ptr[NUM_PARAMETER_TENSORS];
    ptr[0] = params;
    for (int i = 1; i < NUM_PARAMETER_TENSORS; i++) { ptr[i] = ptr[i - 1] + sizes[i - 1]; }
    safetensors_read_f32(&st, emb, ptr[0]);
    for (int i = 1; i < NUM_PARAMETER_TENSORS; i++) {
        int layers = PARAMETER_INFO[i].per_layer ? c->n_layer : 1;
        size_t per_layer = sizes[i] / (size_t)layers;
        for (int l = 0; l < layers; l++) {
            safetensors_read_f32(&st, found[(size_t)l * NUM_PARAMETER_TENSORS + i], ptr[i] + (size_t)l * per_layer);
        }
    }
    // a tied head is the embedding, and a copy of it in the file need not be read (mamba_ssm's pytorch_model.bin keeps
    // it in the embedding's own bytes); one that differs is not used, as transformers ties it, and a note says so: the
    // file holds two heads (mamba_ssm's load_state_dict would copy lm_head.weight into both)
    int head_shared = head != NULL && head->file == emb->file && head->begin == emb->begin && head->dtype == emb->dtype;
    if (head != NULL && !head_shared) {
        float *head_data = (float *)mallocCheck(head->numel * sizeof(float));
        safetensors_read_f32(&st, head, head_data);
        if (memcmp(head_data, ptr[0], head->numel * sizeof(float)) != 0) {
            if (!spec.tied) {
                fatalf("%s: %s is false and lm_head.weight differs from the embedding: untied heads are not supported",
                       safetensors_tensor_path(&st, head), hf_tie_key_(&spec));
            }
            printf("note: %s: lm_head.weight differs from the embedding, but %s ties them: the embedding is the head "
                   "(as transformers loads it) and lm_head.weight is not used\n", safetensors_tensor_path(&st, head),
                   hf_tie_key_(&spec));
        }
        free(head_data);
    }
    free(found);
    free(used);
    safetensors_close(&st);
    *config = *c;
    check_finite_parameters(dir, c, params, num_params);
    *params_out = params;
    *num_params_out = num_params;
}

// ----------------------------------------------------------------------------
// export

static inline void hf_write_text_(const char *path, const char *text) {
    AtomicFile af;
    atomic_open(&af, path);
    atomic_fwrite(text, 1, strlen(text), &af);
    atomic_commit(&af);
}

// a float written as Python would (1.0, not 1), so the config reads the same as transformers' own
static inline void hf_add_float_(cJSON *obj, const char *key, const char *text) {
    cJSON_AddItemToObject(obj, key, cJSON_CreateRaw(text));
}

// what transformers' MambaConfig cannot describe; the trainers call this at start-up for -hf, so a run
// that could not be exported fails before training rather than after
static inline void hf_check_exportable(const MambaConfig *c, const char *dir) {
    if (c->no_selection) { fatalf("%s: the no-selection ablation is not a transformers model: cannot export it", dir); }
    // (transformers 5.x validates expand as an int: a fractional one in config.json fails to load, measured
    // with 5.17, dev/device_runs/s18_d.sh; such a model still imports, from the older configs that had one)
    if (c->d_inner % c->d_model != 0) {
        fatalf("%s: cannot export d_inner=%d: transformers needs an integer expand = d_inner / d_model (d_model=%d)", dir,
               c->d_inner, c->d_model);
    }
}

/*
An export replaces a directory's files so that it never holds a config.json without the weights it
describes, even when the export fails or is killed midway (-e dir -hf dir fine-tunes a model in place):
model.safetensors, tokenizer.json (where the export has one), generation_config.json and config.json are first
written whole as "<name>.staged"; the switch is then only removals and renames: config.json, the weights of an older model
in another form (a model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json, and the
shards an index names: mamba_ssm's loader reads pytorch_model.bin, so an in-place export left it loading the
old weights) and a tokenizer.json the export does not replace go, the staged files are renamed into place
(generation_config.json among them: transformers' generate() prefers its token ids to config.json's, so one left
from before, written by transformers or another tool, named ids that the new config.json and tokenizer.json need
not share), config.json last. The directory is synced after the old
config.json's removal, before the new one's rename and after it, so a crash never leaves a config.json
next to files it does not describe (test/test_durability.sh checks the order). Only a
failure inside that switch (a rename refused) can leave the directory without its config.json: a stop signal
that comes meanwhile takes effect once the switch is done (hf_switching below).
hf_export_begin clears leftovers of an export that was killed; hf_staged_path names a staged file.
*/
#define HF_STAGED ".staged"
static inline const char *hf_staged_path(char out[HF_PATH_MAX], const char *dir, const char *name) {
    char file[128];
    snprintf(file, sizeof(file), "%s" HF_STAGED, name);
    return hf_join_(out, dir, file);
}
static inline void hf_remove_if_present_(const char *path) {
    if (remove(path) != 0 && errno != ENOENT) { fatalf("-hf: cannot remove '%s': %s", path, strerror(errno)); }
}
static inline void hf_export_begin(const char *dir) {
    make_dir_if_missing(dir);
    char path[HF_PATH_MAX], tmp[HF_PATH_MAX + 8];
    const char *names[] = {"model.safetensors", "tokenizer.json", "generation_config.json", "config.json"};
    for (int i = 0; i < 4; i++) {
        hf_remove_if_present_(hf_staged_path(path, dir, names[i]));
        snprintf(tmp, sizeof(tmp), "%s.tmp", path); // (a write killed midway: as large as the weights)
        hf_remove_if_present_(tmp);
    }
}
static inline void hf_rename_(const char *from, const char *to) {
    if (rename(from, to) != 0) { fatalf("-hf: cannot rename '%s' to '%s': %s", from, to, strerror(errno)); }
}
// Set during the switch: the trainers' stop-signal handler (llmc/train_common.h), which outside the training loop
// ends the process at once, leaves a signal that comes meanwhile in hf_switch_signal instead, and the switch raises it
// again once the new config.json is in place (a Ctrl-C between the old one's removal and that rename left a model
// directory without a config.json, which -e then refused)
static volatile sig_atomic_t hf_switching = 0;
static volatile sig_atomic_t hf_switch_signal = 0;
// the older weights files in dir that the switch removes: an index (of either kind) and pytorch_model.bin
static const char *const HF_OLD_WEIGHTS[] = {"model.safetensors.index.json", "pytorch_model.bin.index.json", "pytorch_model.bin"};
#define HF_NUM_OLD_WEIGHTS 3
// the shard files an older index in dir names (plain .bin / .safetensors files in the directory, once each), read
// before the switch; an index that does not read (or holds what safetensors_json_bad_byte_at finds: a NUL, a raw
// control character) is passed over with a note (its shards stay, orphaned, as they did)
static inline int hf_old_shards_(const char *dir, char ***out) {
    int n = 0;
    *out = NULL;
    for (int k = 0; k < 2; k++) {
        char path[HF_PATH_MAX];
        hf_join_(path, dir, HF_OLD_WEIGHTS[k]);
        if (!hf_is_regular_file_(path)) { continue; }
        FILE *fp = fopen(path, "rb");
        long size = -1;
        if (fp != NULL && fseek(fp, 0, SEEK_END) == 0) { size = ftell(fp); }
        cJSON *root = NULL;
        if (size >= 0 && (unsigned long)size <= HF_CONFIG_MAX_BYTES && fseek(fp, 0, SEEK_SET) == 0) {
            char *text = (char *)mallocCheck((size_t)size + 1);
            JsonBadByte kind; // (a shard name cut short at a NUL would name another file, which the switch would remove)
            text[size] = '\0';
            if (fread(text, 1, (size_t)size, fp) == (size_t)size && safetensors_json_bad_byte_at(text, (size_t)size, &kind) == (size_t)size) {
                root = cJSON_ParseWithLength(text, (size_t)size);
            }
            free(text);
        }
        if (fp != NULL) { fclose(fp); }
        const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "weight_map"), *entry;
        if (!cJSON_IsObject(map)) {
            printf("note: -hf: '%s' does not read as an index: the shards it may name are left in place\n", path);
            cJSON_Delete(root);
            continue;
        }
        char **grown = (char **)mallocCheck((size_t)(n + cJSON_GetArraySize(map) + 1) * sizeof(char *));
        if (n > 0) { memcpy(grown, *out, (size_t)n * sizeof(char *)); }
        free(*out);
        *out = grown;
        cJSON_ArrayForEach(entry, map) {
            const char *name = cJSON_GetStringValue(entry);
            size_t len = name != NULL ? strlen(name) : 0;
            int plain = len > 0 && len < 256 && strchr(name, '/') == NULL && strchr(name, '\\') == NULL &&
                        ((len > 4 && strcmp(name + len - 4, ".bin") == 0) ||
                         (len > 12 && strcmp(name + len - 12, ".safetensors") == 0)) &&
                        strcmp(name, "model.safetensors") != 0;
            for (int i = 0; plain && i < n; i++) { plain = strcmp((*out)[i], name) != 0; }
            char shard[HF_PATH_MAX];
            if (!plain || !hf_is_regular_file_(hf_join_(shard, dir, name))) { continue; } // (a directory: not removed)
            (*out)[n] = (char *)mallocCheck(len + 1);
            memcpy((*out)[n++], name, len + 1);
        }
        cJSON_Delete(root);
    }
    return n;
}
// the switch to the staged files (above); config_text, generation_text: the new config.json and generation_config.json
static inline void hf_export_commit_(const char *dir, const char *config_text, const char *generation_text) {
    char path[HF_PATH_MAX], staged[HF_PATH_MAX], config_staged[HF_PATH_MAX], generation_staged[HF_PATH_MAX];
    hf_write_text_(hf_staged_path(generation_staged, dir, "generation_config.json"), generation_text);
    hf_write_text_(hf_staged_path(config_staged, dir, "config.json"), config_text);
    if (access(hf_staged_path(staged, dir, "model.safetensors"), F_OK) != 0) { // (removed by someone else meanwhile)
        fatalf("-hf: the staged weights '%s' are gone: the export is not switched in", staged);
    }
    char **shards;
    int num_shards = hf_old_shards_(dir, &shards);
    hf_switching = 1;
    hf_remove_if_present_(hf_join_(path, dir, "config.json"));
    fsync_dir(dir); // the old config.json gone on the disk before anything it describes changes
    for (int k = 0; k < HF_NUM_OLD_WEIGHTS; k++) { // (files only: remove() of a directory of that name failed here, the old
        // config.json gone; an empty one went)
        if (hf_is_regular_file_(hf_join_(path, dir, HF_OLD_WEIGHTS[k]))) { hf_remove_if_present_(path); }
    }
    for (int i = 0; i < num_shards; i++) {
        hf_remove_if_present_(hf_join_(path, dir, shards[i]));
        free(shards[i]);
    }
    free(shards);
    hf_rename_(staged, hf_join_(path, dir, "model.safetensors"));
    hf_join_(path, dir, "tokenizer.json");
    if (access(hf_staged_path(staged, dir, "tokenizer.json"), F_OK) == 0) { hf_rename_(staged, path); }
    else { hf_remove_if_present_(path); } // (none staged: the export has no tokenizer, so an older one must go)
    hf_rename_(generation_staged, hf_join_(path, dir, "generation_config.json")); // (replaces one from before)
    fsync_dir(dir); // the new files in place on the disk before the config.json that declares them whole
    hf_rename_(config_staged, hf_join_(path, dir, "config.json")); // last: a directory with a config.json is whole
    fsync_dir(dir);
    hf_switching = 0;
    if (hf_switch_signal != 0) { raise(hf_switch_signal); }
}

// a cJSON object printed as a file: cJSON_Print's text and a final newline (free() it)
static inline char *hf_json_text_(const cJSON *root, const char *dir, const char *name) {
    char *text = cJSON_Print(root);
    if (text == NULL) { fatalf("%s: out of memory printing %s", dir, name); }
    size_t len = strlen(text);
    char *with_newline = (char *)mallocCheck(len + 2);
    memcpy(with_newline, text, len);
    with_newline[len] = '\n';
    with_newline[len + 1] = '\0';
    cJSON_free(text);
    return with_newline;
}

/*
Writes dir/config.json, dir/generation_config.json, dir/model.safetensors (fp32, or bf16 rounded to nearest even)
and the staged tokenizer.json if there is one, creating dir if missing, through the staged switch above (so it also
removes older weights files and an unstaged tokenizer.json). The head is tied, so lm_head.weight is not
written (transformers' save_pretrained omits it too and from_pretrained ties it to the embedding).
*/
// eot_token: the tokenizer's end-of-text id (bos / eos / pad_token_id of config.json), -1 for none (null)
static inline void hf_save_model(const char *dir, const MambaConfig *config, const float *params, int bf16, int eot_token) {
    const MambaConfig *c = config;
    config_validate(c, dir);
    hf_check_exportable(c, dir);
    make_dir_if_missing(dir);

    size_t sizes[NUM_PARAMETER_TENSORS];
    fill_in_parameter_sizes(sizes, c);
    const float *ptr[NUM_PARAMETER_TENSORS];
    ptr[0] = params;
    for (int i = 1; i < NUM_PARAMETER_TENSORS; i++) { ptr[i] = ptr[i - 1] + sizes[i - 1]; }
    int num_entries = 2 + 10 * c->n_layer;
    SafetensorsEntry *entries = (SafetensorsEntry *)callocCheck((size_t)num_entries, sizeof(SafetensorsEntry));
    char *names = (char *)callocCheck((size_t)num_entries, 128);
    int n = 0;
    entries[n].name = "backbone.embeddings.weight";
    entries[n].data = ptr[0];
    entries[n].ndim = parameter_shape(c, 0, entries[n].shape);
    n++;
    for (int l = 0; l < c->n_layer; l++) {
        for (int i = 1; i <= 10; i++) {
            char *name = names + (size_t)n * 128;
            entries[n].ndim = hf_tensor_name_shape_(c, i, l, name, 128, entries[n].shape);
            entries[n].name = name;
            entries[n].data = ptr[i] + (size_t)l * (sizes[i] / (size_t)c->n_layer);
            n++;
        }
    }
    char *name = names + (size_t)n * 128;
    entries[n].ndim = hf_tensor_name_shape_(c, 11, 0, name, 128, entries[n].shape);
    entries[n].name = name;
    entries[n].data = ptr[11];
    n++;

    char path[HF_PATH_MAX];
    safetensors_write(hf_staged_path(path, dir, "model.safetensors"), entries, n, bf16 ? SAFETENSORS_BF16 : SAFETENSORS_F32);
    free(names);
    free(entries);

    cJSON *root = cJSON_CreateObject();
    cJSON *arch = cJSON_AddArrayToObject(root, "architectures");
    cJSON_AddItemToArray(arch, cJSON_CreateString("MambaForCausalLM"));
    cJSON_AddStringToObject(root, "model_type", "mamba");
    cJSON_AddNumberToObject(root, "vocab_size", c->padded_vocab_size);
    cJSON_AddNumberToObject(root, "hidden_size", c->d_model);
    cJSON_AddNumberToObject(root, "num_hidden_layers", c->n_layer);
    cJSON_AddNumberToObject(root, "state_size", c->d_state);
    cJSON_AddNumberToObject(root, "expand", c->d_inner / c->d_model);
    cJSON_AddNumberToObject(root, "intermediate_size", c->d_inner);
    cJSON_AddNumberToObject(root, "conv_kernel", c->d_conv);
    cJSON_AddNumberToObject(root, "time_step_rank", c->dt_rank);
    hf_add_float_(root, "layer_norm_epsilon", "1e-05");
    cJSON_AddBoolToObject(root, "use_bias", 0);
    cJSON_AddBoolToObject(root, "use_conv_bias", 1);
    cJSON_AddBoolToObject(root, "residual_in_fp32", 1);
    cJSON_AddBoolToObject(root, "tie_word_embeddings", 1);
    cJSON_AddStringToObject(root, "hidden_act", "silu");
    hf_add_float_(root, "initializer_range", "0.1");
    hf_add_float_(root, "time_step_scale", "1.0");
    hf_add_float_(root, "time_step_min", "0.001");
    hf_add_float_(root, "time_step_max", "0.1");
    cJSON_AddStringToObject(root, "time_step_init_scheme", "random");
    hf_add_float_(root, "time_step_floor", "0.0001");
    cJSON_AddBoolToObject(root, "rescale_prenorm_residual", 0);
    cJSON_AddBoolToObject(root, "use_cache", 1);
    cJSON_AddBoolToObject(root, "use_mambapy", 0);
    // generation_config.json: what transformers' save_pretrained derives from config.json (GenerationConfig.
    // from_model_config): "_from_model_config" and the same bos / eos / pad ids, null where config.json's are (a
    // byte-level model: generate() then uses its defaults, as without the file). Not "transformers_version" (no
    // transformers wrote the file; absent, transformers reads its own version in), nor the generation defaults
    // transformers 5 also lists (use_cache, output_attentions, output_hidden_states)
    cJSON *gen = cJSON_CreateObject();
    cJSON_AddBoolToObject(gen, "_from_model_config", 1);
    const char *ids[] = {"bos_token_id", "eos_token_id", "pad_token_id"};
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 2; k++) {
            cJSON *obj = k == 0 ? root : gen;
            if (eot_token >= 0 && eot_token < c->vocab_size) { cJSON_AddNumberToObject(obj, ids[i], eot_token); }
            else { cJSON_AddNullToObject(obj, ids[i]); }
        }
    }
    cJSON_AddStringToObject(root, "dtype", bf16 ? "bfloat16" : "float32");
    cJSON_AddStringToObject(root, "torch_dtype", bf16 ? "bfloat16" : "float32"); // (the key before transformers 4.56)
    // vocab_size must be the embedding's rows (Vp) for transformers; the real V rides along for our import
    cJSON_AddNumberToObject(root, HF_VOCAB_KEY, c->vocab_size);
    cJSON_AddNumberToObject(root, HF_ROWS_KEY, c->padded_vocab_size);
    char *config_text = hf_json_text_(root, dir, "config.json"), *generation_text = hf_json_text_(gen, dir, "generation_config.json");
    hf_export_commit_(dir, config_text, generation_text);
    free(config_text);
    free(generation_text);
    cJSON_Delete(root);
    cJSON_Delete(gen);
}

#endif // HF_IO_H
