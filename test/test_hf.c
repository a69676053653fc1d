/*
Tests for llmc/safetensors.h and llmc/hf_io.h. Prints "PASS name" / "FAIL name: detail" per check
and ends with "N passed, M failed"; exit code 0 iff nothing failed.

    gcc -O2 -Wall -Wextra -o test_hf test/test_hf.c -lcjson -lm && ./test_hf

Bad inputs end the process (fatalf), so each runs in a child: the test re-executes itself as
    test_hf --expect-fail <case> <dir>
which writes the bad checkpoint into <dir>/<case> and loads it; the parent checks for a non-zero
exit and one "error:" line on stderr naming the file and the problem. A fuzz pass does the same
with random corruptions of a valid file (test_hf --fuzz <seed> <dir>) and only asks that the
child never dies of a signal.
*/
#include "../llmc/hf_io.h"
#include "test_util.h"
#include "zip_file.h"

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *fp = fopenCheck(path, "wb");
    if (n > 0) { fwriteCheck(data, 1, n, fp); }
    fcloseCheck(fp);
}

static void write_text(const char *path, const char *text) { write_bytes(path, text, strlen(text)); }

static unsigned char *read_bytes(const char *path, size_t *n) {
    FILE *fp = fopenCheck(path, "rb");
    long size = file_size(fp);
    unsigned char *buf = (unsigned char *)mallocCheck((size_t)size + 1);
    freadCheck(buf, 1, (size_t)size, fp);
    fcloseCheck(fp);
    buf[size] = '\0'; // (a text file's bytes are a C string: the index edits strstr in them)
    *n = (size_t)size;
    return buf;
}

// a safetensors file from a header string and data_len bytes of data (0, 1, 2, ...);
// header_len overrides the length field when non-zero
static void write_raw_safetensors(const char *path, const char *header, size_t data_len, uint64_t header_len) {
    size_t hl = strlen(header);
    uint64_t field = header_len ? header_len : hl;
    unsigned char *buf = (unsigned char *)mallocCheck(8 + hl + data_len);
    for (int i = 0; i < 8; i++) { buf[i] = (unsigned char)(field >> (8 * i)); }
    memcpy(buf + 8, header, hl);
    for (size_t i = 0; i < data_len; i++) { buf[8 + hl + i] = (unsigned char)i; }
    write_bytes(path, buf, 8 + hl + data_len);
    free(buf);
}

// a model with every parameter distinct (random normals), so any mix-up in the mapping shows
static float *make_model(const char *desc, MambaConfig *c, size_t *n, uint64_t seed) {
    if (!config_from_descriptor(desc, c)) { fatalf("bad descriptor %s", desc); }
    size_t sizes[NUM_PARAMETER_TENSORS];
    *n = fill_in_parameter_sizes(sizes, c);
    float *params = (float *)mallocCheck(*n * sizeof(float));
    uint64_t rng = seed;
    normal_fill(params, *n, 0.0f, 0.5f, &rng);
    return params;
}

static int config_equal(const MambaConfig *a, const MambaConfig *b) {
    return a->vocab_size == b->vocab_size && a->padded_vocab_size == b->padded_vocab_size && a->n_layer == b->n_layer &&
           a->d_model == b->d_model && a->d_inner == b->d_inner && a->d_state == b->d_state && a->d_conv == b->d_conv &&
           a->dt_rank == b->dt_rank;
}

static size_t first_difference(const float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&a[i], &b[i], sizeof(float)) != 0) { return i; }
    }
    return n;
}

// ----------------------------------------------------------------------------
// a checkpoint's tensors in memory, to rewrite them renamed, reshaped, split, ...

#define MAX_TENSORS 64
typedef struct {
    char name[128];
    int ndim;
    size_t shape[SAFETENSORS_MAX_DIMS];
    size_t numel;
    float *data;
} Tensor;
typedef struct {
    Tensor t[MAX_TENSORS];
    int n;
} TensorList;

static void tl_load(TensorList *tl, const char *path) {
    Safetensors st;
    safetensors_open(&st, path);
    if (st.num_tensors > MAX_TENSORS) { fatalf("too many tensors in %s", path); }
    tl->n = 0;
    for (int i = 0; i < st.num_tensors; i++) { // file order, as written
        const SafetensorsTensor *s = &st.tensors[i];
        Tensor *t = &tl->t[tl->n++];
        snprintf(t->name, sizeof(t->name), "%s", s->name);
        t->ndim = s->ndim;
        memcpy(t->shape, s->shape, sizeof(t->shape));
        t->numel = s->numel;
        t->data = (float *)mallocCheck((s->numel > 0 ? s->numel : 1) * sizeof(float));
        safetensors_read_f32(&st, s, t->data);
    }
    safetensors_close(&st);
}

static Tensor *tl_find(TensorList *tl, const char *name) {
    for (int i = 0; i < tl->n; i++) {
        if (strcmp(tl->t[i].name, name) == 0) { return &tl->t[i]; }
    }
    fatalf("test: no tensor %s", name);
    return NULL;
}

static void tl_remove(TensorList *tl, const char *name) {
    Tensor *t = tl_find(tl, name);
    free(t->data);
    *t = tl->t[--tl->n];
}

static Tensor *tl_add_copy(TensorList *tl, const char *name, const Tensor *src) {
    Tensor *t = &tl->t[tl->n++];
    *t = *src;
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->data = (float *)mallocCheck(src->numel * sizeof(float));
    memcpy(t->data, src->data, src->numel * sizeof(float));
    return t;
}

// writes tensors [lo, hi) of the list
static void tl_write_range(const TensorList *tl, const char *path, int lo, int hi, SafetensorsDtype dtype) {
    SafetensorsEntry e[MAX_TENSORS];
    for (int i = lo; i < hi; i++) {
        e[i - lo].name = tl->t[i].name;
        e[i - lo].data = tl->t[i].data;
        e[i - lo].ndim = tl->t[i].ndim;
        memcpy(e[i - lo].shape, tl->t[i].shape, sizeof(e[i - lo].shape));
    }
    safetensors_write(path, e, hi - lo, dtype);
}

static void tl_write(const TensorList *tl, const char *path) { tl_write_range(tl, path, 0, tl->n, SAFETENSORS_F32); }

static void tl_free(TensorList *tl) {
    for (int i = 0; i < tl->n; i++) { free(tl->t[i].data); }
    tl->n = 0;
}

// sets (or with value NULL removes) one key of dir/config.json
static void edit_config(const char *dir, const char *key, cJSON *value) {
    char path[1024];
    join(path, dir, "config.json");
    cJSON *root = safetensors_read_json_object(path, 1 << 20);
    cJSON_DeleteItemFromObjectCaseSensitive(root, key);
    if (value != NULL) { cJSON_AddItemToObject(root, key, value); }
    char *text = cJSON_Print(root);
    write_text(path, text);
    cJSON_free(text);
    cJSON_Delete(root);
}

static const char *subdir(char *buf, const char *dir, const char *name) {
    join(buf, dir, name);
    make_dir_if_missing(buf);
    return buf;
}

// ----------------------------------------------------------------------------
// checks

static void test_number_formats(void) {
    static const struct { uint16_t h; float f; } f16[] = {
        {0x0000, 0.0f}, {0x3c00, 1.0f}, {0xc000, -2.0f}, {0x3555, 0.333251953125f}, {0x7bff, 65504.0f},
        {0x0400, 6.103515625e-05f},                                  // smallest normal 2^-14
        {0x0001, 5.9604644775390625e-08f},                           // smallest subnormal 2^-24
        {0x03ff, 6.097555160522461e-05f},                            // largest subnormal
        {0x8001, -5.9604644775390625e-08f}, {0x0200, 3.0517578125e-05f},
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof(f16) / sizeof(f16[0]); i++) {
        float got = safetensors_f16_to_f32(f16[i].h);
        if (got != f16[i].f) {
            ok = 0;
            printf("  f16 0x%04x -> %.10g, expected %.10g\n", f16[i].h, got, f16[i].f);
        }
    }
    float nz = safetensors_f16_to_f32(0x8000);
    ok = ok && nz == 0.0f && signbit(nz);
    ok = ok && isinf(safetensors_f16_to_f32(0x7c00)) && safetensors_f16_to_f32(0x7c00) > 0;
    ok = ok && isinf(safetensors_f16_to_f32(0xfc00)) && safetensors_f16_to_f32(0xfc00) < 0;
    ok = ok && isnan(safetensors_f16_to_f32(0x7e00)) && isnan(safetensors_f16_to_f32(0x7c01)) &&
         isnan(safetensors_f16_to_f32(0xfe00));
    check(ok, "f16_to_f32", "conversion table mismatch (normals, subnormals, zeros, inf, nan)");

    // every half converts exactly: the reference is ldexp of the integer mantissa
    int all = 1;
    for (uint32_t h = 0; h < 0x10000 && all; h++) {
        uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
        if (exp == 0x1f) { continue; }
        double want = exp == 0 ? ldexp((double)mant, -24) : ldexp((double)(mant | 0x400), (int)exp - 25);
        if (h & 0x8000) { want = -want; }
        all = (double)safetensors_f16_to_f32((uint16_t)h) == want;
        if (!all) { printf("  f16 0x%04x wrong\n", h); }
    }
    check(all, "f16_to_f32_exhaustive", "some finite half converts inexactly");

    static const struct { float f; uint16_t h; } bf[] = {
        {1.0f, 0x3f80}, {-2.0f, 0xc000},
        {1.00390625f, 0x3f80},  // 1 + 2^-8: halfway, ties to even (down)
        {1.01171875f, 0x3f82},  // 1 + 3*2^-8: halfway, ties to even (up)
        {3.4028235e38f, 0x7f80}, // FLT_MAX rounds to infinity
        {1e-40f, 0x0001},       // a subnormal keeps its top bits (1e-40 = 0x000116c2)
        {0.0f, 0x0000}, {-0.0f, 0x8000},
    };
    ok = 1;
    for (size_t i = 0; i < sizeof(bf) / sizeof(bf[0]); i++) {
        uint16_t got = safetensors_f32_to_bf16(bf[i].f);
        if (got != bf[i].h) {
            ok = 0;
            printf("  bf16(%.10g) = 0x%04x, expected 0x%04x\n", bf[i].f, got, bf[i].h);
        }
    }
    ok = ok && safetensors_f32_to_bf16(safetensors_bits_to_f32(0x3f808001u)) == 0x3f81; // just above halfway: up
    ok = ok && safetensors_f32_to_bf16(safetensors_bits_to_f32(0x3f807fffu)) == 0x3f80; // just below: down
    ok = ok && safetensors_f32_to_bf16(INFINITY) == 0x7f80 && safetensors_f32_to_bf16(-INFINITY) == 0xff80;
    uint16_t qn = safetensors_f32_to_bf16(safetensors_bits_to_f32(0x7f800001u)); // signalling NaN, payload in low bits
    ok = ok && (qn & 0x7f80) == 0x7f80 && (qn & 0x7f) != 0;
    ok = ok && safetensors_bf16_to_f32(0x3f80) == 1.0f && safetensors_bf16_to_f32(0xc000) == -2.0f;
    check(ok, "f32_to_bf16_round_nearest_even", "rounding table mismatch");
}

// dir/generation_config.json says "_from_model_config": true and the bos / eos / pad ids of dir/config.json, each
// `want` (-1: null), and no "transformers_version" (no transformers wrote it); 0 with the difference printed if not
static int generation_config_matches(const char *dir, int want) {
    char path[1024];
    if (access(join(path, dir, "generation_config.json"), F_OK) != 0) {
        printf("  %s: no generation_config.json\n", dir);
        return 0;
    }
    cJSON *gen = safetensors_read_json_object(path, 1 << 20);
    cJSON *cfg = safetensors_read_json_object(join(path, dir, "config.json"), 1 << 20);
    int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(gen, "_from_model_config")) &&
             cJSON_GetObjectItemCaseSensitive(gen, "transformers_version") == NULL;
    const char *ids[] = {"bos_token_id", "eos_token_id", "pad_token_id"};
    for (int i = 0; i < 3; i++) {
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(gen, ids[i]), *c = cJSON_GetObjectItemCaseSensitive(cfg, ids[i]);
        int same = want < 0 ? cJSON_IsNull(g) && cJSON_IsNull(c)
                            : cJSON_IsNumber(g) && cJSON_IsNumber(c) && g->valueint == want && c->valueint == want;
        if (!same) { printf("  %s: %s is not %d in both generation_config.json and config.json\n", dir, ids[i], want); }
        ok = ok && same;
    }
    cJSON_Delete(gen);
    cJSON_Delete(cfg);
    return ok;
}

// fp32 export then import: same config, bit-identical parameters; file layout as transformers writes it
static void test_round_trip_fp32(const char *base, const char *desc, const char *name, int expect_v) {
    char dir[1024], path[1024];
    MambaConfig c, c2;
    size_t n, n2;
    float *params = make_model(desc, &c, &n, 42);
    join(dir, base, name);
    hf_save_model(dir, &c, params, 0, -1);
    check(hf_is_model_dir(dir), name, "hf_is_model_dir is false after export");
    float *loaded;
    StdoutCapture cap = stdout_capture_begin();
    hf_load_model(dir, &c2, &loaded, &n2);
    char note[512];
    stdout_capture_end(cap, note, sizeof(note));
    MambaConfig want = c;
    want.vocab_size = expect_v;
    char tname[128];
    snprintf(tname, sizeof(tname), "%s_config", name);
    check(config_equal(&c2, &want) && n2 == n, tname, "config V=%d Vp=%d L=%d C=%d Di=%d N=%d K=%d R=%d n=%zu", c2.vocab_size,
          c2.padded_vocab_size, c2.n_layer, c2.d_model, c2.d_inner, c2.d_state, c2.d_conv, c2.dt_rank, n2);
    size_t at = n2 == n ? first_difference(params, loaded, n) : 0;
    snprintf(tname, sizeof(tname), "%s_bit_exact", name);
    check(at == n, tname, "parameter %zu differs", at);
    // (an export's import prints nothing: llmc_vocab_size equal to the rows, V = 256 of 256, is no cause for a note)
    snprintf(tname, sizeof(tname), "%s_imports_without_note", name);
    check(note[0] == '\0', tname, "the import printed \"%s\"", note);

    // the file: transformers names and shapes, F32, 8-aligned header, no lm_head, no temp files left
    Safetensors st;
    safetensors_open(&st, join(path, dir, "model.safetensors"));
    const SafetensorsTensor *conv = safetensors_find(&st, "backbone.layers.0.mixer.conv1d.weight");
    const SafetensorsTensor *emb = safetensors_find(&st, "backbone.embeddings.weight");
    int ok = conv != NULL && conv->ndim == 3 && conv->shape[0] == (size_t)c.d_inner && conv->shape[1] == 1 &&
             conv->shape[2] == (size_t)c.d_conv && conv->dtype == SAFETENSORS_F32 && emb != NULL &&
             emb->shape[0] == (size_t)c.padded_vocab_size && safetensors_find(&st, "lm_head.weight") == NULL &&
             safetensors_find(&st, "backbone.norm_f.weight") != NULL && st.num_tensors == 2 + 10 * c.n_layer &&
             st.files[0].data_start % 8 == 0;
    safetensors_close(&st);
    join(path, dir, "model.safetensors.tmp");
    ok = ok && access(path, F_OK) != 0;
    snprintf(tname, sizeof(tname), "%s_file_layout", name);
    check(ok, tname, "names, shapes, dtype or alignment of the exported file are not as transformers writes them");

    cJSON *cfg = safetensors_read_json_object(join(path, dir, "config.json"), 1 << 20);
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(cfg, "model_type");
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(cfg, "vocab_size");
    const cJSON *ub = cJSON_GetObjectItemCaseSensitive(cfg, "use_bias");
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(cfg, "llmc_vocab_size");
    const cJSON *eos = cJSON_GetObjectItemCaseSensitive(cfg, "eos_token_id");
    ok = cJSON_IsString(mt) && strcmp(mt->valuestring, "mamba") == 0 && cJSON_IsNumber(vs) &&
         vs->valueint == c.padded_vocab_size && cJSON_IsFalse(ub) && cJSON_IsNumber(lv) && lv->valueint == c.vocab_size &&
         cJSON_IsNull(eos) && cJSON_GetObjectItemCaseSensitive(cfg, "architectures") != NULL;
    cJSON_Delete(cfg);
    snprintf(tname, sizeof(tname), "%s_config_json", name);
    check(ok, tname, "config.json lacks model_type mamba, vocab_size = Vp, llmc_vocab_size = V, use_bias false or eos null");
    snprintf(tname, sizeof(tname), "%s_generation_config_json", name);
    check(generation_config_matches(dir, -1) && access(join(path, dir, "generation_config.json.staged"), F_OK) != 0, tname,
          "generation_config.json missing, staged one left, or its ids not config.json's nulls");
    free(params);
    free(loaded);
}

// the tokenizer's end-of-text id becomes bos / eos / pad_token_id, in config.json and in generation_config.json (which
// replaces one from before: transformers' generate() prefers its ids to config.json's); an export into a directory
// of an earlier sharded export removes its index (loaders prefer an index to model.safetensors)
static void test_export_metadata(const char *base) {
    char dir[1024], path[1024];
    MambaConfig c;
    size_t n;
    float *params = make_model("d32:l1:v300", &c, &n, 3);
    join(dir, base, "meta");
    mkdir(dir, 0755);
    write_text(join(path, dir, "model.safetensors.index.json"), "{\"weight_map\": {}}");
    write_text(join(path, dir, "generation_config.json"), // (as transformers writes it, for another tokenizer)
               "{\"_from_model_config\": true, \"bos_token_id\": 5, \"eos_token_id\": 5, \"pad_token_id\": 5, "
               "\"transformers_version\": \"4.39.0\"}\n");
    hf_save_model(dir, &c, params, 0, 299);
    cJSON *cfg = safetensors_read_json_object(join(path, dir, "config.json"), 1 << 20);
    int ok = 1;
    const char *ids[] = {"bos_token_id", "eos_token_id", "pad_token_id"};
    for (int i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, ids[i]);
        ok = ok && cJSON_IsNumber(v) && v->valueint == 299;
    }
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(cfg, "torch_dtype");
    ok = ok && cJSON_IsString(td) && strcmp(td->valuestring, "float32") == 0;
    cJSON_Delete(cfg);
    check(ok, "export_token_ids_and_dtype", "bos / eos / pad_token_id are not the end-of-text id 299, or torch_dtype is missing");
    check(access(join(path, dir, "model.safetensors.index.json"), F_OK) != 0, "export_removes_stale_index",
          "the old model.safetensors.index.json is still there");
    check(generation_config_matches(dir, 299), "export_replaces_stale_generation_config",
          "generation_config.json is not the export's, with config.json's ids 299");
    free(params);

    // V = 50 on 64 rows (a mamba_ssm import with pad_vocab_size_multiple 16): exported with vocab_size 64 and
    // llmc_vocab_size 50, it comes back as the same V and Vp; with the key null it is V = 64
    MambaConfig c2, back;
    config_from_descriptor("d32:l1:v50", &c2);
    c2.padded_vocab_size = 64;
    size_t sizes[NUM_PARAMETER_TENSORS], n2 = fill_in_parameter_sizes(sizes, &c2), nb;
    float *p2 = (float *)callocCheck(n2, sizeof(float));
    hf_save_model(join(dir, base, "meta_v50"), &c2, p2, 0, -1);
    float *loaded;
    hf_load_model(dir, &back, &loaded, &nb);
    check(back.vocab_size == 50 && back.padded_vocab_size == 64 && nb == n2, "export_vocab_on_more_rows_round_trip",
          "V=%d Vp=%d (want 50, 64)", back.vocab_size, back.padded_vocab_size);
    free(loaded);
    edit_config(dir, "llmc_vocab_rows", cJSON_CreateNumber(56)); // as after a resize of the embedding elsewhere
    hf_load_model(dir, &back, &loaded, &nb);
    check(back.vocab_size == 64 && back.padded_vocab_size == 64, "export_vocab_ignored_for_other_rows", "V=%d Vp=%d (want 64, 64)",
          back.vocab_size, back.padded_vocab_size);
    free(loaded);
    free(p2);

    // an export of before the rows key (vocab_size was V rounded up to 8): V = 61 of 64 comes back
    config_from_descriptor("d32:l1:v61", &c2);
    n2 = fill_in_parameter_sizes(sizes, &c2);
    p2 = (float *)callocCheck(n2, sizeof(float));
    hf_save_model(join(dir, base, "meta_v61"), &c2, p2, 0, -1);
    edit_config(dir, "llmc_vocab_rows", NULL);
    hf_load_model(dir, &back, &loaded, &nb);
    check(back.vocab_size == 61 && back.padded_vocab_size == 64, "export_vocab_without_rows_key", "V=%d Vp=%d (want 61, 64)",
          back.vocab_size, back.padded_vocab_size);
    free(loaded);
    edit_config(dir, "llmc_vocab_size", cJSON_CreateNull());
    hf_load_model(dir, &back, &loaded, &nb);
    check(back.vocab_size == 64 && back.padded_vocab_size == 64, "export_vocab_key_null_is_absent", "V=%d Vp=%d (want 64, 64)",
          back.vocab_size, back.padded_vocab_size);
    free(loaded);
    free(p2);
}

// bf16 export then import: the parameters rounded to bf16, exactly
static void test_round_trip_bf16(const char *base) {
    char dir[1024], path[1024];
    MambaConfig c, c2;
    size_t n, n2;
    float *params = make_model("d64:l2:v256", &c, &n, 7);
    join(dir, base, "rt_bf16");
    hf_save_model(dir, &c, params, 1, -1);
    float *loaded;
    hf_load_model(dir, &c2, &loaded, &n2);
    for (size_t i = 0; i < n; i++) { params[i] = safetensors_bf16_to_f32(safetensors_f32_to_bf16(params[i])); }
    size_t at = n2 == n ? first_difference(params, loaded, n) : 0;
    check(config_equal(&c, &c2) && at == n, "round_trip_bf16", "parameter %zu differs from its bf16 rounding", at);
    Safetensors st;
    safetensors_open(&st, join(path, dir, "model.safetensors"));
    int all_bf16 = 1;
    for (int i = 0; i < st.num_tensors; i++) { all_bf16 = all_bf16 && st.tensors[i].dtype == SAFETENSORS_BF16; }
    check(all_bf16, "round_trip_bf16_dtype", "exported tensors are not all BF16");
    safetensors_close(&st);
    free(params);
    free(loaded);
}

// the mamba_ssm spelling: d_model/n_layer/ssm_cfg config, backbone.embedding.weight, a tied lm_head copy
static void test_mamba_ssm(const char *base) {
    char src[1024], dir[1024], path[1024];
    MambaConfig c, c2;
    size_t n, n2;
    float *params = make_model("d64:l2:v250", &c, &n, 9); // Vp 256
    hf_save_model(join(src, base, "ssm_src"), &c, params, 0, -1);
    TensorList tl;
    tl_load(&tl, join(path, src, "model.safetensors"));
    Tensor *emb = tl_find(&tl, "backbone.embeddings.weight");
    tl_add_copy(&tl, "lm_head.weight", emb);
    snprintf(emb->name, sizeof(emb->name), "backbone.embedding.weight");
    subdir(dir, base, "ssm");
    tl_write(&tl, join(path, dir, "model.safetensors"));
    write_text(join(path, dir, "config.json"),
               "{\"d_model\": 64, \"d_intermediate\": 0, \"n_layer\": 2, \"vocab_size\": 250,\n"
               " \"ssm_cfg\": {\"d_state\": 16, \"d_conv\": 4, \"expand\": 2, \"dt_rank\": \"auto\"},\n"
               " \"attn_layer_idx\": [], \"attn_cfg\": {}, \"rms_norm\": true, \"residual_in_fp32\": true,\n"
               " \"fused_add_norm\": true, \"pad_vocab_size_multiple\": 8, \"tie_embeddings\": true}\n");
    float *loaded;
    hf_load_model(dir, &c2, &loaded, &n2);
    size_t at = n2 == n ? first_difference(params, loaded, n) : 0;
    check(config_equal(&c, &c2) && at == n, "mamba_ssm_spelling", "V=%d Vp=%d, parameter %zu differs", c2.vocab_size,
          c2.padded_vocab_size, at);
    tl_free(&tl);
    free(loaded);

    // pad_vocab_size_multiple 16: V 250 -> 256 rows
    edit_config(dir, "pad_vocab_size_multiple", cJSON_CreateNumber(16));
    hf_load_model(dir, &c2, &loaded, &n2);
    at = n2 == n ? first_difference(params, loaded, n) : 0;
    check(c2.vocab_size == 250 && c2.padded_vocab_size == 256 && at == n, "mamba_ssm_pad_multiple_16",
          "V=%d Vp=%d, parameter %zu differs", c2.vocab_size, c2.padded_vocab_size, at);
    free(loaded);

    // a multiple that is not a power of 2 (7: V 250 -> 252 rows, 250 and 256 not multiples of it): the embedding and the
    // tied head cut to 252 rows load, padded with zero rows to Vp 256. (Multiples 8 and 16 alone passed a round-up
    // that masks with -multiple, right for powers of 2 only: it gave 256 rows for 7, and refused these 252)
    tl_load(&tl, join(path, dir, "model.safetensors"));
    const char *rows_of_vocab[2] = {"backbone.embedding.weight", "lm_head.weight"};
    for (int i = 0; i < 2; i++) {
        Tensor *t = tl_find(&tl, rows_of_vocab[i]);
        t->shape[0] = 252;
        t->numel = 252 * 64;
    }
    tl_write(&tl, path);
    tl_free(&tl);
    edit_config(dir, "pad_vocab_size_multiple", cJSON_CreateNumber(7));
    hf_load_model(dir, &c2, &loaded, &n2);
    for (size_t i = 252 * 64; i < 256 * 64; i++) { params[i] = 0.0f; }
    at = n2 == n ? first_difference(params, loaded, n) : 0;
    check(c2.vocab_size == 250 && c2.padded_vocab_size == 256 && at == n, "mamba_ssm_pad_multiple_7",
          "V=%d Vp=%d, parameter %zu differs (want 252 rows and 4 zero rows)", c2.vocab_size, c2.padded_vocab_size, at);
    free(loaded);
    free(params);
}

// an embedding with exactly V rows gets zero rows up to Vp
static void test_vocab_rows(const char *base) {
    char src[1024], dir[1024], path[1024];
    MambaConfig c, c2;
    size_t n, n2;
    float *params = make_model("d32:l1:v61", &c, &n, 11); // Vp 64
    hf_save_model(join(src, base, "vrows_src"), &c, params, 0, -1);
    TensorList tl;
    tl_load(&tl, join(path, src, "model.safetensors"));
    Tensor *emb = tl_find(&tl, "backbone.embeddings.weight");
    emb->shape[0] = 61;
    emb->numel = 61 * 32;
    subdir(dir, base, "vrows");
    tl_write(&tl, join(path, dir, "model.safetensors"));
    size_t len;
    char *cfg = (char *)read_bytes(join(path, src, "config.json"), &len);
    cfg[len] = '\0';
    write_text(join(path, dir, "config.json"), cfg);
    edit_config(dir, "vocab_size", cJSON_CreateNumber(61));
    float *loaded;
    hf_load_model(dir, &c2, &loaded, &n2);
    for (size_t i = 61 * 32; i < 64 * 32; i++) { params[i] = 0.0f; }
    size_t at = n2 == n ? first_difference(params, loaded, n) : 0;
    check(c2.vocab_size == 61 && c2.padded_vocab_size == 64 && at == n, "vocab_rows_padded_with_zeros",
          "V=%d Vp=%d, parameter %zu differs", c2.vocab_size, c2.padded_vocab_size, at);
    free(cfg);
    free(loaded);
    free(params);
    tl_free(&tl);
}

// a sharded checkpoint: index + two shards
static void test_sharded(const char *base) {
    char src[1024], dir[1024], path[1024];
    MambaConfig c, c2;
    size_t n, n2;
    float *params = make_model("d64:l2:v256", &c, &n, 13);
    hf_save_model(join(src, base, "shard_src"), &c, params, 0, -1);
    TensorList tl;
    tl_load(&tl, join(path, src, "model.safetensors"));
    subdir(dir, base, "sharded");
    int split = 9;
    tl_write_range(&tl, join(path, dir, "model-00001-of-00002.safetensors"), 0, split, SAFETENSORS_F32);
    tl_write_range(&tl, join(path, dir, "model-00002-of-00002.safetensors"), split, tl.n, SAFETENSORS_BF16);
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "metadata");
    cJSON_AddNumberToObject(meta, "total_size", 12345);
    cJSON *map = cJSON_AddObjectToObject(root, "weight_map");
    for (int i = 0; i < tl.n; i++) {
        cJSON_AddStringToObject(map, tl.t[i].name, i < split ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
    }
    char *text = cJSON_Print(root);
    write_text(join(path, dir, "model.safetensors.index.json"), text);
    cJSON_free(text);
    cJSON_Delete(root);
    char *cfg;
    size_t len;
    cfg = (char *)read_bytes(join(path, src, "config.json"), &len);
    cfg[len] = '\0';
    write_text(join(path, dir, "config.json"), cfg);
    free(cfg);
    float *loaded;
    hf_load_model(dir, &c2, &loaded, &n2);
    // the second shard was written in bf16: expect those tensors rounded
    size_t sizes[NUM_PARAMETER_TENSORS];
    fill_in_parameter_sizes(sizes, &c);
    int ok = config_equal(&c, &c2) && n2 == n;
    for (int i = 0; ok && i < tl.n; i++) {
        Tensor *t = &tl.t[i];
        if (i >= split) {
            for (size_t k = 0; k < t->numel; k++) { t->data[k] = safetensors_bf16_to_f32(safetensors_f32_to_bf16(t->data[k])); }
        }
    }
    // compare through a second export of the loaded params: same tensors by name
    char back_dir[1024];
    hf_save_model(join(back_dir, base, "shard_back"), &c2, loaded, 0, -1);
    TensorList back;
    tl_load(&back, join(path, back_dir, "model.safetensors"));
    for (int i = 0; ok && i < tl.n; i++) {
        Tensor *b = tl_find(&back, tl.t[i].name);
        ok = b->numel == tl.t[i].numel && first_difference(b->data, tl.t[i].data, b->numel) == b->numel;
        if (!ok) { printf("  tensor %s differs\n", tl.t[i].name); }
    }
    check(ok, "sharded_index", "sharded checkpoint (F32 + BF16 shards) does not load to the same parameters");
    tl_free(&back);
    tl_free(&tl);
    free(loaded);
    free(params);
}

// F16 and BF16 tensors, metadata, a zero-size tensor, lookup by name
static void test_reader_dtypes(const char *base) {
    char path[1024];
    const uint16_t halves[6] = {0x3c00, 0x0001, 0x7c00, 0xfc00, 0x8000, 0x7bff};
    const uint16_t bhalves[2] = {0x3f80, 0xc0a0};
    unsigned char data[16];
    for (int i = 0; i < 6; i++) { data[2 * i] = (unsigned char)halves[i]; data[2 * i + 1] = (unsigned char)(halves[i] >> 8); }
    for (int i = 0; i < 2; i++) { data[12 + 2 * i] = (unsigned char)bhalves[i]; data[13 + 2 * i] = (unsigned char)(bhalves[i] >> 8); }
    const char *header = "{\"__metadata__\":{\"format\":\"pt\"},\"h\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                         "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[12,12]},"
                         "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]}}  ";
    size_t hl = strlen(header);
    unsigned char buf[512];
    for (int i = 0; i < 8; i++) { buf[i] = (unsigned char)((uint64_t)hl >> (8 * i)); }
    memcpy(buf + 8, header, hl);
    memcpy(buf + 8 + hl, data, 16);
    write_bytes(join(path, base, "dtypes.safetensors"), buf, 8 + hl + 16);
    Safetensors st;
    safetensors_open(&st, path);
    const SafetensorsTensor *h = safetensors_find(&st, "h"), *b = safetensors_find(&st, "b"), *e = safetensors_find(&st, "empty");
    float hv[6] = {0}, bv[2] = {0};
    int ok = h && b && e && safetensors_find(&st, "__metadata__") == NULL && safetensors_find(&st, "nope") == NULL &&
             h->dtype == SAFETENSORS_F16 && h->ndim == 2 && h->numel == 6 && e->numel == 0;
    if (ok) {
        safetensors_read_f32(&st, h, hv);
        safetensors_read_f32(&st, b, bv);
        safetensors_read_f32(&st, e, NULL);
        ok = hv[0] == 1.0f && hv[1] == 5.9604644775390625e-08f && isinf(hv[2]) && hv[2] > 0 && isinf(hv[3]) && hv[3] < 0 &&
             hv[4] == 0.0f && signbit(hv[4]) && hv[5] == 65504.0f && bv[0] == 1.0f && bv[1] == -5.0f;
    }
    check(ok, "reader_f16_bf16_metadata_empty", "F16/BF16 values, metadata or a zero-size tensor read wrong");
    safetensors_close(&st);
}

// tied with an lm_head copy loads; untied with an identical lm_head loads
static void test_heads(const char *base) {
    char src[1024], dir[1024], path[1024];
    MambaConfig c, c2;
    size_t n, n2;
    float *params = make_model("d32:l1:v64", &c, &n, 17);
    hf_save_model(join(src, base, "head_src"), &c, params, 0, -1);
    TensorList tl;
    tl_load(&tl, join(path, src, "model.safetensors"));
    tl_add_copy(&tl, "lm_head.weight", tl_find(&tl, "backbone.embeddings.weight"));
    subdir(dir, base, "head");
    tl_write(&tl, join(path, dir, "model.safetensors"));
    size_t len;
    char *cfg = (char *)read_bytes(join(path, src, "config.json"), &len);
    cfg[len] = '\0';
    write_text(join(path, dir, "config.json"), cfg);
    free(cfg);
    float *loaded;
    hf_load_model(dir, &c2, &loaded, &n2);
    check(n2 == n && first_difference(params, loaded, n) == n, "tied_with_lm_head_copy", "parameters differ");
    free(loaded);
    // a tied head that differs from the embedding: the embedding is the head, as transformers ties it, and a note says
    // the file's lm_head.weight is not used (it was ignored without a word)
    float kept = tl_find(&tl, "lm_head.weight")->data[100];
    tl_find(&tl, "lm_head.weight")->data[100] += 1.0f;
    tl_write(&tl, join(path, dir, "model.safetensors"));
    StdoutCapture cap = stdout_capture_begin();
    hf_load_model(dir, &c2, &loaded, &n2);
    char note[512];
    stdout_capture_end(cap, note, sizeof(note));
    check(n2 == n && first_difference(params, loaded, n) == n &&
          strstr(note, "lm_head.weight differs from the embedding, but tie_word_embeddings ties them") != NULL,
          "tied_differing_lm_head_noted", "parameters differ, or the note is \"%s\"", note);
    free(loaded);
    tl_find(&tl, "lm_head.weight")->data[100] = kept;
    tl_write(&tl, join(path, dir, "model.safetensors"));
    edit_config(dir, "tie_word_embeddings", cJSON_CreateFalse());
    hf_load_model(dir, &c2, &loaded, &n2);
    check(n2 == n && first_difference(params, loaded, n) == n, "untied_identical_lm_head", "parameters differ");
    free(loaded);
    tl_free(&tl);
    free(params);
}

// safetensors_json_bad_byte_at, the check of every JSON text read (the safetensors header, tokenizer.json, config.json,
// the indexes), on NULs: where one is, and whether escaped, on texts whose other escapes come before it: an escaped
// backslash and the text u0000 after an earlier escape (\t: the backslashes are counted run by run), the escape \u000a
// (a newline, not a NUL), an escaped NUL placed at its backslash (the error names that byte), one after an escaped
// backslash, a raw NUL
static void test_json_nul_at(void) {
    struct { const char *text; size_t len, at; JsonBadByte kind; } cases[] = {
        {"{\"a\\\\u0000b\": 1}", 16, 16, JSON_BYTES_OK},       // "a\\u0000b": no NUL
        {"{\"a\\tb\\\\u0000c\": 1}", 19, 19, JSON_BYTES_OK},   // "a\tb\\u0000c": no NUL
        {"{\"a\\u000ab\": 1}", 15, 15, JSON_BYTES_OK},         // "a\u000ab": a newline
        {"{\"ab\\u0000\": 1}", 15, 4, JSON_ESCAPED_NUL},       // the backslash at byte 4
        {"{\"\\\\\\u0000\": 1}", 15, 4, JSON_ESCAPED_NUL},     // "\\\u0000": the third backslash, byte 4
        {"{\"a\0b\": 1}", 10, 3, JSON_NUL_BYTE},                // a NUL byte at byte 3
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        JsonBadByte kind = JSON_BYTES_OK;
        size_t at = safetensors_json_bad_byte_at(cases[i].text, cases[i].len, &kind);
        if (at != cases[i].at || kind != cases[i].kind) {
            printf("  case %zu: at %zu, kind %d (want %zu, %d)\n", i, at, (int)kind, cases[i].at, (int)cases[i].kind);
            ok = 0;
        }
    }
    check(ok, "json_nul_at_escapes_before_and_at", "a NUL found where none is, or placed wrong");
}
// ... and on raw control characters at the edges of what is refused: 0x1f, the last control character, inside a string
// and between tokens (each named as such), a DEL (0x7f: iscntrl's, not JSON's) inside a string, which loads, and a raw
// tab after an escaped quote, still inside its string
static void test_json_bad_byte_control_edges(void) {
    struct { const char *text; size_t len, at; JsonBadByte kind; } cases[] = {
        {"{\"a\x1f\": 1}", 9, 3, JSON_RAW_CONTROL_IN_STRING},
        {"{\"a\": 1,\x1f\"b\": 2}", 16, 8, JSON_CONTROL_BETWEEN_TOKENS},
        {"{\"a\x7f" "b\": 1}", 10, 10, JSON_BYTES_OK},
        {"{\"a\\\"\tb\": 1}", 12, 5, JSON_RAW_CONTROL_IN_STRING},
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        JsonBadByte kind = JSON_BYTES_OK;
        size_t at = safetensors_json_bad_byte_at(cases[i].text, cases[i].len, &kind);
        if (strlen(cases[i].text) != cases[i].len || at != cases[i].at || kind != cases[i].kind) {
            printf("  case %zu: at %zu, kind %d (want %zu, %d)\n", i, at, (int)kind, cases[i].at, (int)cases[i].kind);
            ok = 0;
        }
    }
    check(ok, "json_bad_byte_control_edges", "a control character missed, taken where none is, or of the wrong kind");
}

// what the reader accepts at its limits: 8 dimensions, a 1024-byte name, a literal backslash before "u0000" (an
// escaped backslash, not an escaped NUL), and an empty tensor at the same offset as a non-empty one, in either order
static void test_reader_limits(const char *base) {
    char path[1024];
    const char *headers[] = {
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}}",
        "{\"a\\\\u0000b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        "\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
        "{\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
    };
    const char *first_name[] = {"a", "a\\u0000b", "b", "b"};
    int ok = 1;
    for (size_t i = 0; ok && i < sizeof(headers) / sizeof(headers[0]); i++) {
        write_raw_safetensors(join(path, base, "limits.safetensors"), headers[i], 8, 0);
        Safetensors st;
        safetensors_open(&st, path);
        ok = safetensors_find(&st, first_name[i]) != NULL && (i != 0 || st.tensors[0].ndim == 8);
        safetensors_close(&st);
        if (!ok) { printf("  header %zu did not load as expected\n", i); }
    }
    // a name of exactly 1024 bytes
    char header[1200], name[1025];
    memset(name, 'n', 1024);
    name[1024] = '\0';
    snprintf(header, sizeof(header), "{\"%s\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", name);
    write_raw_safetensors(join(path, base, "limits.safetensors"), header, 8, 0);
    Safetensors st;
    safetensors_open(&st, path);
    ok = ok && safetensors_find(&st, name) != NULL;
    safetensors_close(&st);
    check(ok, "reader_accepts_limits", "8 dimensions, a 1024-byte name, \"\\\\u0000\" in a name or an empty tensor sharing an offset refused");
}

// tensors larger than the reader's and writer's 65536-element chunks, F32 and BF16: every element in its place;
// the header as the format says: a little-endian length, JSON with "__metadata__": {"format": "pt"} (transformers
// refuses a file without it), padded with spaces to a multiple of 8
static void test_large_tensors(const char *base) {
    const size_t n = 3 * 65536 + 7;
    float *data = (float *)mallocCheck(n * sizeof(float)), *back = (float *)mallocCheck(n * sizeof(float));
    for (size_t i = 0; i < n; i++) { data[i] = (float)i; } // integers below 2^24: exact in F32; in BF16 rounded to 8 bits
    char path[1024];
    for (int bf16 = 0; bf16 < 2; bf16++) {
        SafetensorsEntry e = {"big", data, 2, {n, 1}};
        safetensors_write(join(path, base, "big.safetensors"), &e, 1, bf16 ? SAFETENSORS_BF16 : SAFETENSORS_F32);
        Safetensors st;
        safetensors_open(&st, path);
        const SafetensorsTensor *t = safetensors_find(&st, "big");
        int ok = t != NULL && t->numel == n;
        if (ok) { safetensors_read_f32(&st, t, back); }
        for (size_t i = 0; ok && i < n; i++) {
            // bf16 keeps 8 significant bits: i rounded to a multiple of 2^(bits(i) - 8), ties to even
            double want = (double)i;
            if (bf16 && i >= 256) {
                double q = ldexp(1.0, (int)floor(log2((double)i)) - 7);
                want = nearbyint((double)i / q) * q; // (the default rounding mode: ties to even)
            }
            ok = (double)back[i] == want;
            if (!ok) { printf("  element %zu read back as %.1f, expected %.1f\n", i, back[i], want); }
        }
        safetensors_close(&st);
        check(ok, bf16 ? "large_tensor_bf16_chunks" : "large_tensor_f32_chunks", "a tensor of %zu elements does not round trip", n);
    }
    size_t len;
    unsigned char *file = read_bytes(path, &len);
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++) { hl |= (uint64_t)file[i] << (8 * i); }
    int ok = hl % 8 == 0 && 8 + hl <= len;
    cJSON *root = ok ? cJSON_ParseWithLength((const char *)file + 8, (size_t)hl) : NULL;
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(meta, "format");
    ok = ok && cJSON_IsString(format) && strcmp(format->valuestring, "pt") == 0 && len == 8 + hl + 2 * n;
    check(ok, "writer_header_metadata_format_pt", "header length %llu, file %zu bytes, __metadata__.format missing or not \"pt\"",
          (unsigned long long)hl, len);
    cJSON_Delete(root);
    free(file);
    free(data);
    free(back);
}

// config.json with the keys left out that have defaults: transformers' (expand 2, dt_rank "auto" = ceil(C / 16),
// tied, rows rounded up to 8, use_bias false: a missing use_bias was once taken as true and refused) and mamba_ssm's
// (ssm_cfg defaults, tied, pad_vocab_size_multiple 8)
static void read_config_text(const char *base, const char *name, const char *text, HfModelSpec *spec) {
    char dir[1024], path[1024];
    subdir(dir, base, name);
    write_text(join(path, dir, "config.json"), text);
    hf_read_config_(path, spec);
}
static void test_config_defaults(const char *base) {
    HfModelSpec s;
    read_config_text(base, "cfg_tf", "{\"model_type\": \"mamba\", \"hidden_size\": 40, \"num_hidden_layers\": 2, \"vocab_size\": 61, "
                                     "\"expand\": 3}", &s);
    const MambaConfig *c = &s.config;
    check(c->d_model == 40 && c->n_layer == 2 && c->vocab_size == 61 && c->d_inner == 120 && c->dt_rank == 3 && c->d_state == 16 &&
          c->d_conv == 4 && s.tied && s.vocab_rows_padded == 64 && !s.mamba_ssm,
          "config_transformers_defaults", "Di=%d (want 3 * 40), R=%d (want ceil(40/16) = 3), N=%d, K=%d, tied %d, rows %d (want 64)",
          c->d_inner, c->dt_rank, c->d_state, c->d_conv, s.tied, s.vocab_rows_padded);
    read_config_text(base, "cfg_ssm", "{\"d_model\": 40, \"n_layer\": 2, \"vocab_size\": 61, \"ssm_cfg\": {\"expand\": 3}}", &s);
    check(c->d_model == 40 && c->d_inner == 120 && c->dt_rank == 3 && c->d_state == 16 && c->d_conv == 4 && s.tied &&
          s.vocab_rows_padded == 64 && s.mamba_ssm,
          "config_mamba_ssm_defaults", "Di=%d (want 120), R=%d (want 3), N=%d, K=%d, tied %d, rows %d (want 64)", c->d_inner, c->dt_rank,
          c->d_state, c->d_conv, s.tied, s.vocab_rows_padded);
    // our key above the rows it names (not written by an export): ignored, V stays vocab_size, and the note says why
    StdoutCapture cap = stdout_capture_begin();
    read_config_text(base, "cfg_llmc_over", "{\"hidden_size\": 32, \"num_hidden_layers\": 1, \"vocab_size\": 64, \"use_bias\": false, "
                                            "\"llmc_vocab_size\": 70, \"llmc_vocab_rows\": 64}", &s);
    char note[512];
    size_t got = stdout_capture_end(cap, note, sizeof(note));
    check(c->vocab_size == 64 && got > 0 && strstr(note, "\"llmc_vocab_size\" 70 ignored: more than the 64 rows of vocab_size") != NULL,
          "config_llmc_vocab_above_rows_ignored", "V=%d (want 64), note \"%s\"", c->vocab_size, note);
    // a fractional expand without intermediate_size: transformers' intermediate_size is int(expand * hidden_size)
    read_config_text(base, "cfg_expand_frac", "{\"hidden_size\": 40, \"num_hidden_layers\": 1, \"vocab_size\": 64, \"expand\": 1.5}", &s);
    check(c->d_inner == 60, "config_fractional_expand", "Di=%d (want int(1.5 * 40) = 60)", c->d_inner);
    // ... and mamba_ssm's, whose Mamba block takes int(expand * d_model) too (it was refused as "must be an integer")
    read_config_text(base, "cfg_ssm_expand_frac", "{\"d_model\": 40, \"n_layer\": 1, \"vocab_size\": 64, \"ssm_cfg\": {\"expand\": 1.5}}", &s);
    check(c->d_inner == 60 && s.mamba_ssm, "config_mamba_ssm_fractional_expand", "Di=%d (want int(1.5 * 40) = 60)", c->d_inner);
}

// JSON's whitespace between tokens (space, tab, newline, carriage return: a file saved with CRLF line ends) loads, in
// a safetensors header and in config.json, and so do control characters escaped in a string (\t, \u0001), as the
// bytes they stand for; raw ones in a string, and other controls between tokens, are refused (bad cases below)
static void test_json_whitespace_and_escapes(const char *base) {
    char path[1024], dir[1024];
    write_raw_safetensors(join(path, base, "spaced.safetensors"), "{\r\n\t\"a\" :\t{\"dtype\": \"F32\",\n \"shape\": [2], "
                          "\"data_offsets\": [0, 8]},\r\n\t\"__metadata__\": {\"note\": \"x\\ty\\u0001z\"}\r\n}\r\n", 8, 0);
    Safetensors st;
    safetensors_open(&st, path);
    const SafetensorsTensor *a = safetensors_find(&st, "a");
    int ok = st.num_tensors == 1 && a != NULL && a->numel == 2;
    safetensors_close(&st);
    HfModelSpec s;
    read_config_text(base, "cfg_spaced", "{\r\n\t\"hidden_size\": 40,\r\n\t\"num_hidden_layers\":\t2,\n\"vocab_size\": 61,\r\n"
                                         "\t\"_name_or_path\": \"a\\tb\\u0001c\\n\"\r\n}\r\n", &s);
    cJSON *cfg = safetensors_read_json_object(join(path, subdir(dir, base, "cfg_spaced"), "config.json"), 1 << 20);
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cfg, "_name_or_path"));
    ok = ok && s.config.d_model == 40 && s.config.n_layer == 2 && s.config.vocab_size == 61 && name != NULL &&
         strcmp(name, "a\tb\x01" "c\n") == 0;
    check(ok, "json_whitespace_between_tokens_loads", "a header or config.json with tabs, CRLFs between tokens, or a string "
          "with \\t, \\u0001, \\n escaped, did not load as written (name %s)", name != NULL ? "read" : "missing");
    cJSON_Delete(cfg);
}

// an export removes what an earlier one left that it does not replace: a tokenizer.json (this export has none)
// and a killed export's staged files (a half-written one among them); bf16 says so in config.json; only a directory with a
// config.json is a model directory
static void test_export_cleanup(const char *base) {
    char dir[1024], path[1024];
    MambaConfig c;
    size_t n;
    float *params = make_model("d32:l1:v64", &c, &n, 19);
    subdir(dir, base, "cleanup");
    write_text(join(path, dir, "tokenizer.json"), "{}");
    int not_model = !hf_is_model_dir(dir); // (no config.json yet)
    write_text(join(path, dir, "generation_config.json.staged"), "{}");
    write_text(join(path, dir, "model.safetensors.staged.tmp"), "half");
    hf_export_begin(dir);
    int tmp_gone = access(path, F_OK) != 0 && access(join(path, dir, "generation_config.json.staged"), F_OK) != 0;
    hf_save_model(dir, &c, params, 1, -1);
    int tok_gone = access(join(path, dir, "tokenizer.json"), F_OK) != 0;
    cJSON *cfg = safetensors_read_json_object(join(path, dir, "config.json"), 1 << 20);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(cfg, "dtype"), *tdt = cJSON_GetObjectItemCaseSensitive(cfg, "torch_dtype");
    int bf16 = cJSON_IsString(dt) && strcmp(dt->valuestring, "bfloat16") == 0 && cJSON_IsString(tdt) && strcmp(tdt->valuestring, "bfloat16") == 0;
    cJSON_Delete(cfg);
    check(not_model && hf_is_model_dir(dir) && tmp_gone && tok_gone && bf16, "export_cleanup_and_bf16_dtype",
          "a directory without config.json is a model %d, staged .tmp removed %d, old tokenizer.json removed %d, dtype bfloat16 %d",
          !not_model, tmp_gone, tok_gone, bf16);
    free(params);
}

// whether dir loads as the n parameters params, bit for bit
static int loads_as(const char *dir, const float *params, size_t n) {
    MambaConfig back;
    float *loaded;
    size_t n_back;
    hf_load_model(dir, &back, &loaded, &n_back);
    int same = n_back == n && memcmp(loaded, params, n * sizeof(float)) == 0;
    free(loaded);
    return same;
}

// an export over a directory of older weights in another form removes them: a pytorch_model.bin (mamba_ssm's loader
// reads it, so it loaded the old weights), both kinds of index and the shards an index names, but only .bin /
// .safetensors names in the directory (not "../x.bin", not another kind of file), and an index that does not read
// passes over its shards
static void test_export_removes_old_weights(const char *base) {
    char dir[1024], path[1024], outside[1024];
    MambaConfig c;
    size_t n;
    float *params = make_model("d32:l1:v64", &c, &n, 23);
    subdir(dir, base, "old_weights");
    write_text(join(outside, base, "outside.bin"), "keep");
    write_text(join(path, dir, "pytorch_model.bin"), "old");
    write_text(join(path, dir, "model-00001-of-00002.safetensors"), "old");
    write_text(join(path, dir, "pytorch_model-00001-of-00002.bin"), "old");
    write_text(join(path, dir, "notes.txt"), "keep");
    write_text(join(path, dir, "model.safetensors.index.json"),
               "{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"../outside.bin\", \"c\": \"notes.txt\","
               " \"d\": 3}}");
    write_text(join(path, dir, "pytorch_model.bin.index.json"), "{\"weight_map\": [");
    hf_export_begin(dir);
    hf_save_model(dir, &c, params, 0, -1);
    const char *gone[] = {"pytorch_model.bin", "model-00001-of-00002.safetensors", "model.safetensors.index.json",
                          "pytorch_model.bin.index.json"};
    int ok = access(outside, F_OK) == 0 && access(join(path, dir, "notes.txt"), F_OK) == 0 &&
             access(join(path, dir, "pytorch_model-00001-of-00002.bin"), F_OK) == 0; // (its index did not read)
    for (int i = 0; i < 4; i++) {
        if (access(join(path, dir, gone[i]), F_OK) == 0) {
            printf("  %s is still there\n", gone[i]);
            ok = 0;
        }
    }
    ok = ok && loads_as(dir, params, n);
    check(ok, "export_removes_old_weights", "older weights files left, or a file outside them removed, or another model loads");
    // a pytorch_model.bin.index.json that reads (transformers' sharded PyTorch save): it and its shards go
    subdir(dir, base, "old_pytorch_shards");
    const char *shards[] = {"pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin", "pytorch_model.bin.index.json"};
    write_text(join(path, dir, shards[0]), "old");
    write_text(join(path, dir, shards[1]), "old");
    write_text(join(path, dir, shards[2]), "{\"weight_map\": {\"a\": \"pytorch_model-00001-of-00002.bin\", "
                                           "\"b\": \"pytorch_model-00002-of-00002.bin\"}}");
    hf_save_model(dir, &c, params, 0, -1);
    ok = loads_as(dir, params, n);
    for (int i = 0; i < 3; i++) {
        if (access(join(path, dir, shards[i]), F_OK) == 0) {
            printf("  %s is still there\n", shards[i]);
            ok = 0;
        }
    }
    check(ok, "export_removes_pytorch_index_and_shards", "the index or a shard it names is left, or another model loads");
    // an index whose shard name holds an escaped NUL names no file: cJSON cut "keep.safetensors\u0000.bin" short, and the
    // switch removed keep.safetensors, which the index does not name; it is passed over as an index that does not read
    subdir(dir, base, "old_index_nul");
    write_text(join(path, dir, "keep.safetensors"), "keep");
    write_text(join(path, dir, "model.safetensors.index.json"), "{\"weight_map\": {\"a\": \"keep.safetensors\\u0000.bin\"}}");
    hf_save_model(dir, &c, params, 0, -1);
    ok = access(join(path, dir, "keep.safetensors"), F_OK) == 0 && access(join(path, dir, "model.safetensors.index.json"), F_OK) != 0 &&
         loads_as(dir, params, n);
    check(ok, "export_old_index_nul_removes_no_other_file", "keep.safetensors removed, or the index left, or another model loads");
    free(params);
}

// ... but a directory of such a name is no weights file: it stays, and the export goes through (its remove() failed
// inside the switch, the old config.json gone, and an empty one was removed)
static void test_export_keeps_directory_of_weights_name(const char *base) {
    char dir[1024], path[1024], kept[1024];
    MambaConfig c;
    size_t n;
    float *params = make_model("d32:l1:v64", &c, &n, 29);
    subdir(dir, base, "weights_name_dirs");
    subdir(path, dir, "pytorch_model.bin");
    write_text(join(kept, path, "keep"), "keep");
    subdir(path, dir, "model.safetensors.index.json");
    hf_export_begin(dir);
    hf_save_model(dir, &c, params, 0, -1);
    struct stat st;
    int ok = access(kept, F_OK) == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode) && loads_as(dir, params, n);
    check(ok, "export_keeps_directory_of_weights_name", "a directory named as older weights removed, or another model loads");
    free(params);
}

// tensor `name` of st holds exactly the numel values at want
static int named_tensor_is(Safetensors *st, const char *name, const float *want, size_t numel) {
    const SafetensorsTensor *t = safetensors_find(st, name);
    if (t == NULL || t->numel != numel) {
        printf("  %s: %s\n", name, t == NULL ? "missing" : "another size");
        return 0;
    }
    float *got = (float *)mallocCheck(numel * sizeof(float));
    safetensors_read_f32(st, t, got);
    int same = memcmp(got, want, numel * sizeof(float)) == 0;
    if (!same) { printf("  %s does not hold its slice of the parameters\n", name); }
    free(got);
    return same;
}

// the export's names follow doc/formats.md's table, stated here again on its own: our tensors in order, each stacked
// over layers, and the transformers name of each. A name table wrong in both directions (conv1d.bias and dt_proj.bias,
// both of Di elements, swapped) passes every round trip, and loads every checkpoint made elsewhere wrong
static void test_export_names(const char *base) {
    char dir[1024], path[1024], name[128];
    MambaConfig c;
    size_t n;
    float *params = make_model("d48:l3:v1001:n8:k3:r5", &c, &n, 23); // (every per-layer size distinct but the (Di) ones)
    hf_save_model(join(dir, base, "names"), &c, params, 0, -1);
    const size_t C = (size_t)c.d_model, Di = (size_t)c.d_inner, N = (size_t)c.d_state, K = (size_t)c.d_conv, R = (size_t)c.dt_rank;
    const struct { const char *name; size_t numel; } layer[] = {
        {"norm.weight", C}, {"mixer.in_proj.weight", 2 * Di * C}, {"mixer.conv1d.weight", Di * K}, {"mixer.conv1d.bias", Di},
        {"mixer.x_proj.weight", (R + 2 * N) * Di}, {"mixer.dt_proj.weight", Di * R}, {"mixer.dt_proj.bias", Di},
        {"mixer.A_log", Di * N}, {"mixer.D", Di}, {"mixer.out_proj.weight", C * Di}};
    Safetensors st;
    safetensors_open(&st, join(path, dir, "model.safetensors"));
    const float *at = params;
    int ok = named_tensor_is(&st, "backbone.embeddings.weight", at, (size_t)c.padded_vocab_size * C);
    at += (size_t)c.padded_vocab_size * C;
    for (size_t i = 0; i < sizeof(layer) / sizeof(layer[0]); i++) {
        for (int l = 0; l < c.n_layer; l++) {
            snprintf(name, sizeof(name), "backbone.layers.%d.%s", l, layer[i].name);
            ok = named_tensor_is(&st, name, at + (size_t)l * layer[i].numel, layer[i].numel) && ok;
        }
        at += (size_t)c.n_layer * layer[i].numel;
    }
    ok = named_tensor_is(&st, "backbone.norm_f.weight", at, C) && ok && at + C == params + n;
    check(ok, "export_names_follow_formats_table", "a tensor's transformers name does not hold that tensor (doc/formats.md)");
    safetensors_close(&st);
    free(params);
}

// config_same_model: every size and the selection flag
static void test_same_model(void) {
    MambaConfig a, b;
    config_from_descriptor("d32:l2:v64", &a);
    int ok = config_same_model(&a, &a);
    const char *other[] = {"d32:l2:v72", "d32:l2:v64:s0", "d48:l2:v64", "d32:l3:v64", "d32:l2:v64:n8", "d32:l2:v64:k3", "d32:l2:v64:r3"};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        config_from_descriptor(other[i], &b);
        if (config_same_model(&a, &b)) { ok = 0; printf("  %s is the same model as d32:l2:v64\n", other[i]); }
    }
    config_from_descriptor("d32:l2:v64", &b);
    b.padded_vocab_size = 128;
    check(ok && config_same_model(&a, &b), "config_same_model_fields", "a size or the selection flag is not compared, or Vp is");
}

// the checkpoints transformers itself wrote (dev/ref/make_hf_fixture.py), when present: the fp32 one
// imports with the right config and re-exports bit-exactly; the bf16 one is the fp32 one rounded to
// nearest even. (Their logits are compared with the forward pass by the trainer's tests.)
static void test_transformers_fixture(void) {
    const char *base = getenv("HF_FIXTURES") ? getenv("HF_FIXTURES") : "test/fixtures";
    char fp32_dir[1024], bf16_dir[1024], back[1024];
    join(fp32_dir, base, "hf_tiny_fp32");
    join(bf16_dir, base, "hf_tiny_bf16");
    if (!hf_is_model_dir(fp32_dir) || !hf_is_model_dir(bf16_dir)) {
        printf("SKIP transformers_fixture: %s not found (make it with dev/ref/make_hf_fixture.py; not counted)\n", fp32_dir);
        return;
    }
    MambaConfig c, c16, c2;
    float *p32, *p16, *p2;
    size_t n, n16, n2;
    hf_load_model(fp32_dir, &c, &p32, &n);
    MambaConfig want;
    config_fill_defaults(&want, 256, 2, 64);
    want.dt_rank = 4;
    check(config_equal(&c, &want), "transformers_fixture_config", "V=%d Vp=%d L=%d C=%d Di=%d N=%d K=%d R=%d", c.vocab_size,
          c.padded_vocab_size, c.n_layer, c.d_model, c.d_inner, c.d_state, c.d_conv, c.dt_rank);
    hf_load_model(bf16_dir, &c16, &p16, &n16);
    size_t at = n16;
    if (n16 == n) {
        for (at = 0; at < n; at++) {
            float r = safetensors_bf16_to_f32(safetensors_f32_to_bf16(p32[at]));
            if (memcmp(&r, &p16[at], sizeof(float)) != 0) { break; }
        }
    }
    check(config_equal(&c, &c16) && at == n, "transformers_fixture_bf16_is_rounded_fp32",
          "parameter %zu of the bf16 checkpoint is not the fp32 one rounded to nearest even", at);
    char tmp[] = "/tmp/test_hf_fixture.XXXXXX";
    if (mkdtemp(tmp) == NULL) { fatalf("mkdtemp failed: %s", strerror(errno)); }
    hf_save_model(join(back, tmp, "export"), &c, p32, 0, -1);
    hf_load_model(back, &c2, &p2, &n2);
    check(config_equal(&c, &c2) && n2 == n && first_difference(p32, p2, n) == n, "transformers_fixture_reexport_bit_exact",
          "re-exported fixture does not import to the same parameters");
    char path[1024];
    remove(join(path, back, "config.json"));
    remove(join(path, back, "model.safetensors"));
    rmdir(back);
    rmdir(tmp);
    free(p32);
    free(p16);
    free(p2);
}

// test/fixtures/torch/<name> (HF_FIXTURES overrides test/fixtures)
static const char *torch_fixture(char *buf, const char *name) {
    char dir[1024];
    return join(buf, join(dir, getenv("HF_FIXTURES") ? getenv("HF_FIXTURES") : "test/fixtures", "torch"), name);
}

// PyTorch checkpoints (pytorch_model.bin, llmc/torch_zip.h) that torch wrote from the transformers fixtures'
// weights (dev/ref/make_torch_fixture.py): the same parameters, bit for bit. tiny_fp32 also has a tied head
// sharing the embedding's storage and a tensor at a nonzero storage offset; tiny_zip64 is tiny_fp32's
// archive with its sizes and offsets in ZIP64 fields (what torch writes past 4 GiB)
// hf_load_model on dir gives exactly want_dir's config and parameters (a check named `name`)
static void check_same_model(const char *dir, const char *want_dir, const char *name) {
    MambaConfig c, want;
    float *p, *q;
    size_t n, m;
    hf_load_model(dir, &c, &p, &n);
    hf_load_model(want_dir, &want, &q, &m);
    size_t at = n == m ? first_difference(p, q, n) : 0;
    check(config_equal(&c, &want) && n == m && at == n, name, "V=%d Vp=%d L=%d C=%d, %zu of %zu parameters, first difference at %zu",
          c.vocab_size, c.padded_vocab_size, c.n_layer, c.d_model, n, m, at);
    free(p);
    free(q);
}

static void test_torch_checkpoints(void) {
    const char *base = getenv("HF_FIXTURES") ? getenv("HF_FIXTURES") : "test/fixtures";
    const char *cases[][3] = {{"torch/tiny_fp32", "hf_tiny_fp32", "torch_fp32_equals_safetensors"},
                              {"torch/tiny_zip64", "hf_tiny_fp32", "torch_zip64_equals_safetensors"},
                              {"torch/tiny_bf16", "hf_tiny_bf16", "torch_bf16_equals_safetensors"},
                              {"torch/tiny_sharded", "hf_tiny_fp32", "torch_sharded_equals_safetensors"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char dir[1024], want_dir[1024];
        check_same_model(join(dir, base, cases[i][0]), join(want_dir, base, cases[i][1]), cases[i][2]);
    }

    // small.bin: each dtype, a view at an offset of another tensor's storage, a scalar; every value exact
    char path[1024];
    Safetensors st;
    torch_zip_open(&st, torch_fixture(path, "small.bin"));
    const struct { const char *name; SafetensorsDtype dtype; int ndim; size_t numel; float v[6]; } want[] = {
        {"a", SAFETENSORS_F32, 2, 6, {0, 1, 2, 3, 4, 5}}, {"b", SAFETENSORS_F32, 1, 3, {2, 3, 4}},
        {"h", SAFETENSORS_F16, 1, 4, {1.5f, -2.25f, 65504.0f, 0x1p-24f}}, {"g", SAFETENSORS_BF16, 1, 3, {1.0f, -3.5f, 0x1p100f}},
        {"s", SAFETENSORS_F32, 0, 1, {7.0f}}};
    int ok = st.num_tensors == 5;
    char detail[256] = "";
    for (size_t i = 0; ok && i < sizeof(want) / sizeof(want[0]); i++) {
        const SafetensorsTensor *t = safetensors_find(&st, want[i].name);
        float got[6];
        ok = t != NULL && t->dtype == want[i].dtype && t->ndim == want[i].ndim && t->numel == want[i].numel;
        if (ok) { safetensors_read_f32(&st, t, got); }
        for (size_t k = 0; ok && k < want[i].numel; k++) { ok = got[k] == want[i].v[k]; }
        if (!ok) { snprintf(detail, sizeof(detail), "tensor '%s'", want[i].name); }
    }
    check(ok, "torch_small_dtypes_views_scalar", "%d tensors; %s differs", st.num_tensors, detail);
    safetensors_close(&st);

    // param_state.bin: an nn.Parameter as torch 2.x pickles one with Python attributes (_rebuild_parameter_with_state)
    torch_zip_open(&st, torch_fixture(path, "param_state.bin"));
    const SafetensorsTensor *w = st.num_tensors == 1 ? safetensors_find(&st, "w") : NULL;
    float got[6] = {0};
    ok = w != NULL && w->dtype == SAFETENSORS_F32 && w->ndim == 2 && w->shape[0] == 2 && w->shape[1] == 3;
    if (ok) { safetensors_read_f32(&st, w, got); }
    for (int k = 0; ok && k < 6; k++) { ok = got[k] == (float)k; }
    check(ok, "torch_parameter_with_state", "%d tensors, w %s", st.num_tensors, w == NULL ? "missing" : "differs");
    safetensors_close(&st);

    // many_p2/p5.bin: a module's state dict (OrderedDict with _metadata) and 40 views, past 255 memo entries, pickled
    // with protocol 2 (LONG_BINPUT) and 5 (MEMOIZE, FRAME, STACK_GLOBAL, SHORT_BINUNICODE)
    for (int protocol = 2; protocol <= 5; protocol += 3) {
        char file[32];
        snprintf(file, sizeof(file), "many_p%d.bin", protocol);
        torch_zip_open(&st, torch_fixture(path, file));
        const SafetensorsTensor *lw = safetensors_find(&st, "0.weight");
        ok = st.num_tensors == 44 && lw != NULL && lw->ndim == 2 && lw->shape[0] == 2 && lw->shape[1] == 3;
        if (ok) { safetensors_read_f32(&st, lw, got); }
        for (int k = 0; ok && k < 6; k++) { ok = got[k] == (float)k / 8; }
        for (int i = 0; ok && i < 40; i++) {
            char name[16];
            snprintf(name, sizeof(name), "v.%d", i);
            const SafetensorsTensor *v = safetensors_find(&st, name);
            ok = v != NULL && v->ndim == 1 && v->numel == 1;
            if (ok) { safetensors_read_f32(&st, v, got); }
            ok = ok && got[0] == (float)i;
        }
        snprintf(detail, sizeof(detail), "torch_state_dict_protocol_%d", protocol);
        check(ok, detail, "%s: %d tensors, or a value differs", file, st.num_tensors);
        safetensors_close(&st);
    }
}

// bytes this process has read so far (/proc/self/io's rchar), or -1 where the system does not say
static long long bytes_read_so_far(void) {
    FILE *fp = fopen("/proc/self/io", "r");
    if (fp == NULL) { return -1; }
    char line[128];
    long long v = -1;
    while (fgets(line, sizeof(line), fp) != NULL && sscanf(line, "rchar: %lld", &v) != 1) {}
    fclose(fp);
    return v;
}

// a storage is read once, whole, when the first tensor in it is read (its CRC-32 checked on the way), and not
// when the file is opened: {w: 2^20 floats} in its own 4 MiB storage (the archive by test/zip_file.h, the pickle
// as torch writes one), the bytes read counted by the system
static void test_torch_reads_once(const char *dir) {
    const uint32_t n = 1u << 20;
    unsigned char pkl[256];
    size_t len = 0;
#define PUT(s) (memcpy(pkl + len, s, sizeof(s) - 1), len += sizeof(s) - 1)
#define PUT_N() (pkl[len++] = 'J', memcpy(pkl + len, &n, 4), len += 4) // (BININT, little-endian)
    PUT("\x80\x02}(X\x01\x00\x00\x00w" "ctorch._utils\n_rebuild_tensor_v2\n" "((X\x07\x00\x00\x00storage" "ctorch\nFloatStorage\n"
        "X\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu");
    PUT_N();
    PUT("tQK\x00");                                 // (the storage; offset 0)
    PUT_N();
    PUT("\x85K\x01\x85\x89" "ccollections\nOrderedDict\n)RtRu.");   // (shape (n,), stride (1,), no grad, no hooks)
#undef PUT
#undef PUT_N
    float *values = (float *)mallocCheck(n * sizeof(float)), *got = (float *)mallocCheck(n * sizeof(float));
    for (uint32_t i = 0; i < n; i++) { values[i] = (float)i * 0.5f; }
    ZipEntries z;
    z.n = 0;
    zip_add(&z, "once/data.pkl", pkl, len);
    zip_add(&z, "once/data/0", values, n * sizeof(float));
    char path[1024];
    zip_write(&z, join(path, dir, "once.bin"));
    zip_free(&z);
    // (the counter must count this process's reads: a read of the file's first 64 KiB through stdio, as the
    // reader's, moves it by about that much, or the check is skipped)
    long long c0 = bytes_read_so_far(), c1 = -1;
    FILE *probe = fopenCheck(path, "rb");
    static unsigned char chunk[65536];
    if (c0 >= 0 && fread(chunk, 1, sizeof(chunk), probe) == sizeof(chunk)) { c1 = bytes_read_so_far(); }
    fcloseCheck(probe);
    long long r0 = bytes_read_so_far();
    if (c0 < 0 || c1 - c0 < (long long)sizeof(chunk) || c1 - c0 > 2 * (long long)sizeof(chunk)) {
        printf("SKIP torch_storage_read_once: /proc/self/io is missing or does not count this process's reads (not counted)\n");
        free(values);
        free(got);
        return;
    }
    Safetensors st;
    torch_zip_open(&st, path);
    long long r1 = bytes_read_so_far();
    const SafetensorsTensor *w = safetensors_find(&st, "w");
    int ok = w != NULL && w->numel == n;
    if (ok) { safetensors_read_f32(&st, w, got); }
    long long r2 = bytes_read_so_far();
    ok = ok && memcmp(got, values, n * sizeof(float)) == 0;
    safetensors_close(&st);
    // (the end record's search reads the file's last 64 KiB; stdio reads 4 KiB at a time, and a seek into what it
    // holds reads nothing: the counts are near, not equal to, the bytes asked for)
    long long opening = r1 - r0, reading = r2 - r1, storage = (long long)n * 4;
    check(ok && opening < 4 * 65536 && llabs(reading - storage) < 65536, "torch_storage_read_once",
          "values %s; opening read %lld bytes, reading w %lld (its storage: %lld)", ok ? "right" : "wrong", opening,
          reading, storage);
    free(values);
    free(got);
}

// torch 2.x with torch.serialization.set_crc32_options(False) writes 0 in every entry's CRC field: tiny_fp32's archive
// rewritten so reads to the safetensors fixture's parameters, unchecked (a single 0 among true CRCs is refused:
// torch_crc_zero_one among the bad cases)
static void test_torch_without_crc(const char *dir) {
    char src[1024], sub[1024], path[1024], want_dir[1024];
    const char *base = getenv("HF_FIXTURES") ? getenv("HF_FIXTURES") : "test/fixtures";
    subdir(sub, dir, "torch_without_crc");
    ZipEntries z;
    zip_read(&z, torch_fixture(src, "tiny_fp32/pytorch_model.bin"));
    zip_write_crc(&z, join(path, sub, "pytorch_model.bin"), -2);
    zip_free(&z);
    size_t len;
    unsigned char *config = read_bytes(torch_fixture(src, "tiny_fp32/config.json"), &len);
    write_bytes(join(path, sub, "config.json"), config, len);
    free(config);
    check_same_model(sub, join(want_dir, base, "hf_tiny_fp32"), "torch_without_crc_equals_safetensors");
}

// tiny_sharded with one shard rewritten without CRC-32s (torch 2.x's set_crc32_options(False) in one save, not the
// other): each shard's checksums sit at its own base in st->checksums, so the checked shard's tensors must each
// name a checksum of its own file that holds them, the unchecked shard's none; every tensor read equals
// hf_tiny_fp32's, and every checksum a tensor names is checked after the reads
static void test_torch_sharded_mixed_crc(const char *dir) {
    const char *base = getenv("HF_FIXTURES") ? getenv("HF_FIXTURES") : "test/fixtures";
    const char *files[] = {"config.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin",
                           "pytorch_model.bin.index.json"};
    for (int unchecked = 1; unchecked <= 2; unchecked++) {
        char sub[1024], name[64], src[1024], path[1024], want_dir[1024];
        snprintf(name, sizeof(name), "torch_sharded_shard%d_without_crc", unchecked);
        subdir(sub, dir, name);
        for (int i = 0; i < 4; i++) {
            char file[128];
            snprintf(file, sizeof(file), "tiny_sharded/%s", files[i]);
            torch_fixture(src, file);
            if (i == unchecked) {
                ZipEntries z;
                zip_read(&z, src);
                zip_write_crc(&z, join(path, sub, files[i]), -2);
                zip_free(&z);
            } else {
                size_t len;
                unsigned char *b = read_bytes(src, &len);
                write_bytes(join(path, sub, files[i]), b, len);
                free(b);
            }
        }
        Safetensors st;
        torch_zip_open_index(&st, join(path, sub, "pytorch_model.bin.index.json"));
        int placed = st.num_files == 2 && st.num_tensors == 22, read_all = 1;
        for (int i = 0; i < st.num_tensors && placed; i++) {
            const SafetensorsTensor *t = &st.tensors[i];
            int in_unchecked = strcmp(st.files[t->file].path + strlen(sub) + 1, files[unchecked]) == 0;
            if (in_unchecked) {
                placed = t->checksum == -1;
            } else {
                const SafetensorsChecksum *sum = t->checksum >= 0 && t->checksum < st.num_checksums ? &st.checksums[t->checksum] : NULL;
                placed = sum != NULL && sum->name != NULL && sum->begin <= t->begin && t->end <= sum->end &&
                         sum->end <= st.files[t->file].data_size;
            }
        }
        join(want_dir, base, "hf_tiny_fp32");
        Safetensors ref;
        safetensors_open(&ref, join(path, want_dir, "model.safetensors"));
        for (int i = 0; i < st.num_tensors && placed; i++) {
            const SafetensorsTensor *t = &st.tensors[i], *r = safetensors_find(&ref, t->name);
            if (r == NULL || r->numel != t->numel) { read_all = 0; break; }
            float *a = (float *)mallocCheck(t->numel * sizeof(float) + 1), *b = (float *)mallocCheck(r->numel * sizeof(float) + 1);
            safetensors_read_f32(&st, t, a);
            safetensors_read_f32(&ref, r, b);
            read_all = read_all && memcmp(a, b, t->numel * sizeof(float)) == 0 && (t->checksum < 0 || st.checksums[t->checksum].checked);
            free(a);
            free(b);
        }
        snprintf(name, sizeof(name), "torch_sharded_shard%d_without_crc_reads", unchecked);
        check(placed && read_all, name, "%d files, %d tensors; %s", st.num_files, st.num_tensors,
              !placed ? "a tensor's checksum is not its own file's storage" : "a tensor differs from hf_tiny_fp32's or its CRC was not checked");
        safetensors_close(&st);
        safetensors_close(&ref);
        // and the loader's whole path: hf_load_model on the directory
        snprintf(name, sizeof(name), "torch_sharded_shard%d_without_crc_equals_safetensors", unchecked);
        check_same_model(sub, want_dir, name);
    }
}

// an archive of one pickle and one storage ("<prefix>/data.pkl", "<prefix>/data/0"), as torch.save writes a state
// dict of one tensor, written to path = dir/<file> (1024 bytes) and opened into st
static void open_one_storage_zip(Safetensors *st, char *path, const char *dir, const char *file, const char *prefix,
                                 const char *pkl, size_t pkl_len, const void *data, size_t bytes) {
    char name[64];
    ZipEntries z = {0};
    snprintf(name, sizeof(name), "%s/data.pkl", prefix);
    zip_add(&z, name, pkl, pkl_len);
    snprintf(name, sizeof(name), "%s/data/0", prefix);
    zip_add(&z, name, data, bytes);
    zip_write(&z, join(path, dir, file));
    zip_free(&z);
    torch_zip_open(st, path);
}

// a storage of 65,536 elements or more, as every real checkpoint has (mamba-130m's embedding: 50280 x 768): torch
// pickles its element count, and any size or stride past 65,535, as BININT ('J', 4 bytes), which no fixture above
// reaches (each tensor under 65,536 elements: BININT1 and BININT2 only). A 2 x 70000 tensor (140,000 elements, stride
// 70,000) pickled as torch 1.13 pickles the fixtures' state dicts (protocol 2), in an archive written here
static void test_torch_large_storage(const char *dir) {
    enum { R = 2, W = 70000 };
    static const char pkl[] = "\x80\x02}(X\x01\x00\x00\x00kq\x00" "ctorch._utils\n_rebuild_tensor_v2\n"
        "((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu"
        "J\xe0\x22\x02\x00" "tQ"                                                  // 140000 elements
        "K\x00" "K\x02" "J\x70\x11\x01\x00" "\x86" "J\x70\x11\x01\x00" "K\x01" "\x86" // offset 0, size (2, 70000), stride (70000, 1)
        "\x89" "ccollections\nOrderedDict\n)RtRu.";
    const size_t n = (size_t)R * W;
    float *w = (float *)mallocCheck(n * sizeof(float)), *got = (float *)mallocCheck(n * sizeof(float));
    for (size_t i = 0; i < n; i++) { w[i] = (float)i - 70000.5f; }
    Safetensors st;
    char path[1024];
    open_one_storage_zip(&st, path, dir, "large_storage.bin", "large", pkl, sizeof(pkl) - 1, w, n * sizeof(float));
    const SafetensorsTensor *t = safetensors_find(&st, "k");
    int ok = st.num_tensors == 1 && t != NULL && t->ndim == 2 && t->shape[0] == R && t->shape[1] == W && t->numel == n;
    if (ok) { safetensors_read_f32(&st, t, got); }
    ok = ok && memcmp(got, w, n * sizeof(float)) == 0;
    check(ok, "torch_storage_past_65535_elements", "%d tensors; 'k' %s", st.num_tensors,
          t == NULL ? "missing" : "has another shape or other values (want [2, 70000], -70000.5 + i)");
    safetensors_close(&st);
    remove(path);
    free(w);
    free(got);
}

// tiny_fp32's entries in two archive forms that the fixtures lack: the local headers' offsets of all entries but the
// first in ZIP64 fields of their own, the sizes in the 32-bit fields (miniz, torch's writer, does so for every entry
// that starts past 4 GiB: each storage after the first 4 GiB of mamba-2.8b in fp32; tiny_zip64 has all three fields
// in ZIP64), and a comment after the end record (zip -z adds one)
static void test_torch_archive_forms(const char *dir) {
    const char *base = getenv("HF_FIXTURES") ? getenv("HF_FIXTURES") : "test/fixtures";
    char src[1024], sub[1024], path[1024], want_dir[1024];
    join(want_dir, base, "hf_tiny_fp32");
    for (int comment = 0; comment < 2; comment++) {
        subdir(sub, dir, comment ? "torch_comment" : "torch_zip64_offsets");
        size_t len;
        unsigned char *config = read_bytes(torch_fixture(src, "tiny_fp32/config.json"), &len);
        write_bytes(join(path, sub, "config.json"), config, len);
        free(config);
        ZipEntries z;
        zip_read(&z, torch_fixture(src, "tiny_fp32/pytorch_model.bin"));
        zip_write_as(&z, join(path, sub, "pytorch_model.bin"), -1, comment ? -1 : 1);
        zip_free(&z);
        if (comment) { // (the end record's last field, at the file's end: the comment's length)
            static const char text[] = "a comment, as zip -z writes one";
            unsigned char *b = read_bytes(path, &len), *with = (unsigned char *)mallocCheck(len + sizeof(text));
            memcpy(with, b, len);
            with[len - 2] = (unsigned char)(sizeof(text) - 1);
            memcpy(with + len, text, sizeof(text) - 1);
            write_bytes(path, with, len + sizeof(text) - 1);
            free(b);
            free(with);
        }
        check_same_model(sub, want_dir, comment ? "torch_archive_comment_equals_safetensors" : "torch_zip64_offsets_only_equals_safetensors");
    }
}

// a dimension of size 1 may have any stride (torch calls such a tensor contiguous, and .contiguous() keeps it): w of
// shape (2, 1, 3), strides (3, 6, 1), as torch.arange(6.).reshape(1, 2, 3).transpose(0, 1) has, reads as 0..5
static void test_torch_size1_stride(const char *dir) {
    static const char pkl[] = "\x80\x02}(X\x01\x00\x00\x00w" "ctorch._utils\n_rebuild_tensor_v2\n"
        "((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu" "K\x06" "tQ"
        "K\x00" "K\x02K\x01K\x03\x87" "K\x03K\x06K\x01\x87"                // offset 0, size (2, 1, 3), stride (3, 6, 1)
        "\x89" "ccollections\nOrderedDict\n)RtRu.";
    const float values[6] = {0, 1, 2, 3, 4, 5};
    Safetensors st;
    char path[1024];
    open_one_storage_zip(&st, path, dir, "size1_stride.bin", "size1", pkl, sizeof(pkl) - 1, values, sizeof(values));
    const SafetensorsTensor *t = safetensors_find(&st, "w");
    float got[6] = {0};
    int ok = st.num_tensors == 1 && t != NULL && t->ndim == 3 && t->shape[0] == 2 && t->shape[1] == 1 && t->shape[2] == 3;
    if (ok) { safetensors_read_f32(&st, t, got); }
    ok = ok && memcmp(got, values, sizeof(values)) == 0;
    check(ok, "torch_size1_dimension_any_stride", "'w' %s", t == NULL ? "missing" : "has another shape or other values (want [2, 1, 3], 0..5)");
    safetensors_close(&st);
    remove(path);
}

// integers pickled as LONG1 (n little-endian bytes, two's complement), as torch pickles those past 2^31 (a storage
// of 2^31 elements or more, an offset into one): none of the fixtures' pickles has one. w: 130 elements at offset
// 130 of a storage of 260, shape (2, 65), strides (65, 1), in one or two bytes each (130 in two, 0x82 0x00: in one,
// its top bit would make it negative); a negative one is torch_long1_negative_offset among the bad cases
static void test_torch_long1(const char *dir) {
    static const char pkl[] = "\x80\x02}(X\x01\x00\x00\x00w" "ctorch._utils\n_rebuild_tensor_v2\n"
        "((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu"
        "\x8a\x02\x04\x01" "tQ"                                                      // 260 elements
        "\x8a\x02\x82\x00" "\x8a\x01\x02\x8a\x01\x41\x86" "\x8a\x01\x41\x8a\x01\x01\x86" // offset 130, size (2, 65), stride (65, 1)
        "\x89" "ccollections\nOrderedDict\n)RtRu.";
    float values[260];
    for (int i = 0; i < 260; i++) { values[i] = (float)i * 0.25f; }
    Safetensors st;
    char path[1024];
    open_one_storage_zip(&st, path, dir, "long1.bin", "long1", pkl, sizeof(pkl) - 1, values, sizeof(values));
    const SafetensorsTensor *t = safetensors_find(&st, "w");
    float got[130] = {0};
    int ok = st.num_tensors == 1 && t != NULL && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 65;
    if (ok) { safetensors_read_f32(&st, t, got); }
    ok = ok && memcmp(got, values + 130, sizeof(got)) == 0;
    check(ok, "torch_long1_integers", "'w' %s", t == NULL ? "missing" : "has another shape or other values (want [2, 65], elements 130..259)");
    safetensors_close(&st);
    remove(path);
}

// ----------------------------------------------------------------------------
// malformed inputs, each in a child process

typedef struct {
    const char *name;
    const char *file;    // the error must name this file
    const char *message; // and contain this
} BadCase;

static const BadCase bad_cases[] = {
    {"truncated_tiny", "model.safetensors", "shorter than the 8-byte header"},
    {"truncated_data", "model.safetensors", "run past the"},
    {"header_length_past_eof", "model.safetensors", "runs past the end of the file"},
    {"header_length_past_eof_by_one", "model.safetensors", "header length 72 runs past the end of the file (79 bytes)"},
    {"header_length_huge", "model.safetensors", "exceeds the"},
    {"header_not_json", "model.safetensors", "not valid JSON"},
    {"header_not_object", "model.safetensors", "not an object"},
    {"header_trailing_garbage", "model.safetensors", "trailing bytes"},
    {"offsets_past_data", "model.safetensors", "run past the"},
    {"size_mismatch_dtype", "model.safetensors", "size mismatch"},
    {"offsets_begin_after_end", "model.safetensors", "begin after end"},
    {"offsets_not_pair", "model.safetensors", "data_offsets"},
    {"offsets_gap", "model.safetensors", "gap"},
    {"offsets_overlap", "model.safetensors", "overlap"},
    {"trailing_data", "model.safetensors", "trailing bytes or truncated"},
    {"shape_negative", "model.safetensors", "not a non-negative integer"},
    {"shape_overflow", "model.safetensors", "overflows"},
    {"shape_fractional", "model.safetensors", "not a non-negative integer"},
    // (2^53 + 2: a double holds it, but a JSON integer past 2^53 may have been rounded on its way in)
    {"shape_past_2p53", "model.safetensors", "tensor 'a': shape entry 0 is not a non-negative integer"},
    {"unknown_dtype_i64", "model.safetensors", "unknown dtype 'I64'"},
    {"unknown_dtype_f8", "model.safetensors", "unknown dtype 'F8_E4M3'"},
    {"duplicate_tensor", "model.safetensors", "appears twice"},
    {"duplicate_tensor_same_offsets", "model.safetensors", "tensor 'a' appears twice"},
    {"name_control_chars", "model.safetensors", "control characters"},
    {"name_escaped_nul", "model.safetensors", "escaped NUL character"},
    {"name_raw_nul", "model.safetensors", "the header holds a NUL byte (byte 3)"},
    // raw control characters, which cJSON takes but JSON does not (Python's json, the Rust serde_json of safetensors and
    // tokenizers refuse them): a tab inside a metadata string (which nothing else reads), a form feed between tokens
    {"metadata_raw_tab", "model.safetensors", "the header holds a raw control character 0x09 inside a string (byte 28): not "
                                              "valid JSON, which allows it only escaped (\\u0009)"},
    {"header_form_feed_between_tokens", "model.safetensors", "the header holds a control character 0x0c between tokens "
                                                             "(byte 5): not valid JSON"},
    {"shape_vs_config", "model.safetensors", "'backbone.layers.0.mixer.x_proj.weight' has shape [34, 64], expected [18, 64]"},
    {"conv_weight_2d", "model.safetensors", "'backbone.layers.0.mixer.conv1d.weight' has shape [64, 4], expected [64, 1, 4]"},
    // (D as [64, 2]: its first dimension right and one too many after it; the count of dimensions unchecked, it was
    // taken as [64])
    {"D_extra_dimension", "model.safetensors", "'backbone.layers.0.mixer.D' has shape [64, 2], expected [64] from"},
    {"embedding_rows", "model.safetensors", "'backbone.embeddings.weight' has shape [72, 32]"},
    // (its rows right, 48 columns for hidden_size 32: unchecked, its rows would run into the layers' parameters)
    {"embedding_width", "model.safetensors", "'backbone.embeddings.weight' has shape [64, 48], expected [64, 32]"},
    {"missing_tensor", "model.safetensors", "missing tensor: 'backbone.layers.0.mixer.D'"},
    {"missing_embedding", "model.safetensors", "missing tensor: 'backbone.embeddings.weight'"},
    {"extra_tensor", "model.safetensors", "unexpected tensor: 'backbone.layers.0.mixer.in_proj.bias'"},
    {"use_bias_true", "config.json", "use_bias=true not supported"},
    {"use_conv_bias_false", "config.json", "use_conv_bias=false not supported"},
    {"epsilon", "config.json", "layer_norm_epsilon"},
    {"nan_weight", "nan_weight", "(D of layer 1, element 5) is nan: not a usable model"},
    {"model_type_mamba2", "config.json", "model_type"},
    {"hidden_size_fraction", "config.json", "\"hidden_size\" must be an integer"},
    {"config_not_json", "config.json", "not valid JSON"},
    // a NUL in a config.json string, escaped or as a byte: cJSON ended the string there, so "mamba\u00002" was read as
    // "mamba", without a word; in an index's shard name too (the shard loaded under a name cut short)
    {"config_escaped_nul", "config.json", "the file holds an escaped NUL character (\\u0000, byte "},
    {"config_raw_nul", "config.json", "the file holds a NUL byte (byte "},
    {"config_raw_newline", "config.json", "the file holds a raw control character 0x0a inside a string (byte "},
    {"shard_escaped_nul", "model.safetensors.index.json", "the file holds an escaped NUL character (\\u0000, byte "},
    {"export_fractional_expand", "expand_bad", "cannot export d_inner=96: transformers needs an integer expand"},
    {"config_duplicate_key", "config.json", "key \"hidden_size\" appears twice in one object"},
    {"missing_config", "config.json", "no config.json"},
    {"no_weights", "missing_weights", "no model.safetensors"},
    {"untied_head_differs", "model.safetensors", "untied heads are not supported"},
    // (the same in two shards, the head alone in the second: at data offset 0 there, as the embedding is in the first)
    {"shard_untied_head_differs", "model-2.safetensors", "untied heads are not supported"},
    {"untied_head_missing", "config.json", "lm_head.weight is missing"},
    {"ssm_bias_true", "config.json", "bias=true not supported"},
    {"shard_dotdot", "model.safetensors.index.json", "'..'"},
    {"shard_slash", "model.safetensors.index.json", "not a plain file name"},
    {"shard_missing_file", "model-2.safetensors", "cannot open"},
    {"shard_unlisted_tensor", "model-1.safetensors", "is not listed in"},
    {"shard_wrong_file", "model.safetensors.index.json", "does not hold it"},
    {"name_too_long", "model.safetensors", "a tensor name is longer than 1024 bytes or has control characters (byte 1024)"},
    {"name_del", "model.safetensors", "a tensor name is longer than 1024 bytes or has control characters (byte 1)"},
    {"name_empty", "model.safetensors", "empty tensor name"},
    {"ndim_9", "model.safetensors", "tensor 'a' has 9 dimensions (at most 8 supported)"},
    {"shape_overflow_bytes", "model.safetensors", "tensor 'a': shape overflows the byte count"},
    {"offsets_three", "model.safetensors", "\"data_offsets\" must be [begin, end]"},
    {"metadata_not_object", "model.safetensors", "\"__metadata__\" is not a JSON object"},
    {"shard_backslash", "model.safetensors.index.json", "not a plain file name"},
    {"shard_empty_map", "model.safetensors.index.json", "weight_map is empty"},
    {"shard_duplicate_tensor", "model-1.safetensors", "tensor 'a' appears twice (also in"},
    {"config_trailing_bytes", "config.json", "trailing bytes after the JSON value"},
    {"config_nested_duplicate_key", "config.json", "key \"d_state\" appears twice in one object"},
    {"config_too_large", "config.json", "larger than the 16777216-byte limit"},
    {"layers_zero", "config.json", "\"num_hidden_layers\" must be an integer in [1, 1048576]"},
    {"hidden_size_too_large", "config.json", "\"hidden_size\" must be an integer in [1, 1048576]"},
    {"use_bias_string", "config.json", "\"use_bias\" must be true or false"},
    {"model_type_number", "config.json", "\"model_type\" must be \"mamba\""},
    {"expand_too_large", "config.json", "\"expand\" must be in (0, 64]"},
    {"hidden_act_gelu", "config.json", "\"hidden_act\" must be \"silu\""},
    {"ssm_cfg_number", "config.json", "\"ssm_cfg\" must be an object"},
    {"ssm_layer_mamba2", "config.json", "only Mamba-1 layers are supported"},
    {"ssm_d_intermediate", "config.json", "d_intermediate > 0 (MLP blocks between mixers) not supported"},
    {"ssm_attention", "config.json", "attn_layer_idx must be empty"},
    {"ssm_layernorm", "config.json", "rms_norm=false (LayerNorm) not supported"},
    {"ssm_epsilon", "config.json", "norm_epsilon is 1e-06"},
    {"ssm_conv_bias_false", "config.json", "conv_bias=false not supported"},
    // (the mamba_ssm key is named, not transformers' tie_word_embeddings, which that config does not have)
    {"ssm_untied_head_missing", "config.json", "tie_embeddings is false but lm_head.weight is missing"},
    {"both_embeddings", "model.safetensors", "both backbone.embeddings.weight and backbone.embedding.weight are present"},
    {"head_shape", "model.safetensors", "'lm_head.weight' has shape [32], expected [64, 32]"},
    {"export_no_selection", "no_selection", "the no-selection ablation is not a transformers model"},
    {"short_read", "model.safetensors", "tensor 'a': short read (file truncated or changed while reading)"},
    {"write_duplicate_name", "dup.safetensors", "tensor name 'a' is reserved or used twice"},
    {"write_reserved_name", "reserved.safetensors", "tensor name '__metadata__' is reserved or used twice"},
    // PyTorch checkpoints (llmc/torch_zip.h): files torch wrote (test/fixtures/torch/bad_*.bin), and
    // tiny_fp32's archive with one thing changed (test/zip_file.h rewrites it with sound CRCs)
    {"torch_legacy", "pytorch_model.bin", "format before torch 1.6"},
    {"torch_nested", "pytorch_model.bin", "'model' is a dict, not a tensor (a training checkpoint?"},
    {"torch_transposed", "pytorch_model.bin", "a tensor that is not contiguous"},
    {"torch_float64", "pytorch_model.bin", "a storage of type torch.DoubleStorage"},
    {"torch_deflated", "pytorch_model.bin", "data.pkl' is compressed"},
    {"torch_neg", "pytorch_model.bin", "a tensor saved with metadata ('neg'; a negated or conjugated view?)"},
    {"torch_crc", "pytorch_model.bin", "fails its CRC-32 check"},
    // (a byte of a tensor name in data.pkl changed: the pickle still reads, as a state dict without backbone.norm_f.weight)
    {"torch_pickle_crc", "pytorch_model.bin", "zip entry 'pytorch_model/data.pkl' fails its CRC-32 check"},
    // (a tensor whose last element is past its storage: at a file without CRC-32s it would read the next entry's bytes)
    {"torch_tensor_past_storage", "pytorch_model.bin", "a tensor of 2 elements at offset 16383 of a storage of 16384"},
    // (a tensor of more elements than its whole storage, at offset 0: the storage's size less the tensor's wraps around)
    {"torch_tensor_larger_than_storage", "pytorch_model.bin", "a tensor of 16385 elements at offset 0 of a storage of 16384"},
    // (the offset pickled as LONG1 -1, one byte 0xff: torch pickles ints past 2^31 so, and the sign is its top bit)
    {"torch_long1_negative_offset", "pytorch_model.bin", "a tensor at a negative storage offset"},
    // (SETITEMS with a key and no value: the state dict's last pair would have no value to read)
    {"torch_setitems_odd", "pytorch_model.bin", "data.pkl, byte 10: SETITEMS of an odd number of items"},
    // (small.bin with a's element 0 changed, then b read alone: b is a view of a's elements 2..4, and its first
    // read checks the CRC of a's whole storage)
    {"torch_crc_view", "pytorch_model.bin", "zip entry 'small/data/0' fails its CRC-32 check"},
    // (tiny_fp32's archive with the first storage's CRC-32 0 and the rest true: not a file saved without CRCs)
    {"torch_crc_zero_one", "pytorch_model.bin", "data/0' fails its CRC-32 check (0x"},
    {"torch_truncated", "pytorch_model.bin", "no zip end record"},
    {"torch_missing_storage", "pytorch_model.bin", "is not in the archive"},
    {"torch_storage_short", "pytorch_model.bin", "not the 16384 F32 elements its tensors say"},
    {"torch_big_endian", "pytorch_model.bin", "byte order 'big'"},
    {"torch_no_pickle", "pytorch_model.bin", "without <archive>/data.pkl"},
    {"torch_pickle_cut", "pytorch_model.bin", "data.pkl, byte 1087: the pickle ends"},
    {"torch_eval", "pytorch_model.bin", "data.pkl, byte 28: a call of builtins.eval, which a state dict"},
    {"torch_sharded", "pytorch_model.bin.index.json", "weight_map is empty"},
    // (tiny_sharded with its second shard gone, with a tensor listed under the shard that does not hold it, or with a
    // byte of a storage in the second shard changed: the CRC of a shard's storage is checked as in one file)
    {"torch_sharded_missing_shard", "pytorch_model-00002-of-00002.bin", "cannot open"},
    {"torch_sharded_wrong_shard", "pytorch_model.bin.index.json", "listed in weight_map under pytorch_model-00002-of-00002.bin but that shard does not hold it"},
    {"torch_sharded_crc", "pytorch_model-00002-of-00002.bin", "fails its CRC-32 check"},
    // (the same with the first shard rewritten without CRC-32s: an unchecked shard before it leaves the second's checked;
    // its checksums sit after the first shard's slots, which no tensor uses)
    {"torch_sharded_crc_after_unchecked", "pytorch_model-00002-of-00002.bin", "fails its CRC-32 check"},
    // (a copy of the second shard as a third, which the index names for norm_f: the second's tensors are in two shards)
    {"torch_sharded_duplicate", "pytorch_model-00002-of-00002.bin", "appears twice (also in"},
    // (a checkpoint's zip entries number its checksum slots, an int: small.bin added after INT_MAX - 2 of them)
    {"torch_checksums_past_int", "small.bin", "more than 2147483646 zip entries"},
    // hostile pickles that asked for far more memory than their size: 2^20 + 1 Nones (2 MB: 150 MB of values
    // before), a 256 KiB string as a global's name over and over, memo index 2^24 - 1 (128 MB from 6 bytes),
    // one key string for many entries (each a copy of the key)
    {"torch_many_values", "pytorch_model.bin", "data.pkl, byte 2097154: more than 1048576 values: too many for a state dict"},
    {"torch_long_global", "pytorch_model.bin", "a global whose module or name is over 256 bytes"},
    {"torch_memo_index", "pytorch_model.bin", "data.pkl, byte 3: memo index 16777215, past the 1 values made so far"},
    {"torch_key_twice", "pytorch_model.bin", "data.pkl: tensor name 'k' appears twice in the state dict"},
    {"torch_name_twice", "pytorch_model.bin", "tensor 'k' appears twice in the state dict"}, // (two key strings)
    // text from the file quoted in an error: a newline in it made the error two lines
    {"torch_storage_key_newline", "pytorch_model.bin", "data.pkl, byte 109: a storage key that is not a short plain name"},
    {"torch_byteorder_newline", "pytorch_model.bin", "byte order '?' (only little-endian"},
    // a local header (the one before an entry's data) that disagrees with the central directory: its name and
    // extra field's lengths place the data; the method, and the CRC and sizes where no data descriptor follows the
    // data (torch's own files have one: the fixtures load), must be the central directory's
    {"torch_local_name", "pytorch_model.bin", "zip entry 'pytorch_model/data/0': its local header names another entry ('pytorch_model/data/x')"},
    {"torch_local_name_length", "pytorch_model.bin", "zip entry 'pytorch_model/data/0': its local header names another entry (a name of 21 bytes)"},
    {"torch_local_method", "pytorch_model.bin", "zip entry 'pytorch_model/data/0': its local header says compression method 8"},
    {"torch_local_crc", "pytorch_model.bin", "zip entry 'pytorch_model/data/0': its local header says 65536 bytes (65536 stored), CRC-32 0x"},
    {"torch_local_size", "pytorch_model.bin", "zip entry 'pytorch_model/data/0': its local header says 65537 bytes (65536 stored)"},
    {"torch_local_zip64_size", "pytorch_model.bin", "zip entry 'pytorch_model/data.pkl': its local header says 2181 bytes (2180 stored)"},
};

// a valid small checkpoint (d32:l1:v64: C 32, Di 64, N 16, K 4, R 2) in dir
static void write_valid(const char *dir) {
    MambaConfig c;
    size_t n;
    float *params = make_model("d32:l1:v64", &c, &n, 5);
    hf_save_model(dir, &c, params, 0, -1);
    free(params);
}

static void rewrite_tensors(const char *dir, void (*edit)(TensorList *)) {
    char path[1024];
    TensorList tl;
    tl_load(&tl, join(path, dir, "model.safetensors"));
    edit(&tl);
    tl_write(&tl, path);
    tl_free(&tl);
}

static void edit_conv_2d(TensorList *tl) {
    Tensor *t = tl_find(tl, "backbone.layers.0.mixer.conv1d.weight");
    t->ndim = 2;
    t->shape[1] = 4;
}
// the 64 x 32 embedding grown to rows x cols, the new elements zero
static void grow_embedding(TensorList *tl, int rows, int cols) {
    Tensor *t = tl_find(tl, "backbone.embeddings.weight");
    t->data = (float *)realloc(t->data, (size_t)rows * cols * sizeof(float));
    memset(t->data + 64 * 32, 0, ((size_t)rows * cols - 64 * 32) * sizeof(float));
    t->shape[0] = rows;
    t->shape[1] = cols;
    t->numel = (size_t)rows * cols;
}
static void edit_D_2d(TensorList *tl) {
    Tensor *t = tl_find(tl, "backbone.layers.0.mixer.D");
    t->data = (float *)realloc(t->data, 128 * sizeof(float));
    memset(t->data + 64, 0, 64 * sizeof(float));
    t->ndim = 2;
    t->shape[1] = 2;
    t->numel = 128;
}
static void edit_emb_rows(TensorList *tl) { grow_embedding(tl, 72, 32); }
static void edit_emb_width(TensorList *tl) { grow_embedding(tl, 64, 48); }
static void edit_nan_D(TensorList *tl) { tl_find(tl, "backbone.layers.1.mixer.D")->data[5] = NAN; }
static void edit_remove_D(TensorList *tl) { tl_remove(tl, "backbone.layers.0.mixer.D"); }
static void edit_remove_emb(TensorList *tl) { tl_remove(tl, "backbone.embeddings.weight"); }
static void edit_add_bias(TensorList *tl) { tl_add_copy(tl, "backbone.layers.0.mixer.in_proj.bias", tl_find(tl, "backbone.norm_f.weight")); }
static void edit_both_embeddings(TensorList *tl) { tl_add_copy(tl, "backbone.embedding.weight", tl_find(tl, "backbone.embeddings.weight")); }
static void edit_head_shape(TensorList *tl) { tl_add_copy(tl, "lm_head.weight", tl_find(tl, "backbone.norm_f.weight")); }
static void edit_head_differs(TensorList *tl) {
    Tensor *h = tl_add_copy(tl, "lm_head.weight", tl_find(tl, "backbone.embeddings.weight"));
    h->data[100] += 1.0f;
}

// writes a shard index with the given weight_map JSON into dir
static void write_index(const char *dir, const char *weight_map) {
    char path[1024], text[4096];
    snprintf(text, sizeof(text), "{\"metadata\": {}, \"weight_map\": %s}", weight_map);
    write_text(join(path, dir, "model.safetensors.index.json"), text);
}

// the weights of a bad case named torch_*: dir's pytorch_model.bin, in place of write_valid's safetensors
static void write_torch_case(const char *name, const char *dir) {
    char path[1024], src[1024], bin[1024];
    remove(join(path, dir, "model.safetensors"));
    join(bin, dir, "pytorch_model.bin");
    const char *copied[] = {"torch_legacy", "torch_nested", "torch_transposed", "torch_float64", "torch_deflated", "torch_neg"};
    for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
        if (strcmp(name, copied[i]) == 0) { // torch_X: test/fixtures/torch/bad_X.bin as it is
            char file[64];
            snprintf(file, sizeof(file), "bad_%s.bin", name + 6);
            size_t n;
            unsigned char *b = read_bytes(torch_fixture(src, file), &n);
            write_bytes(bin, b, n);
            free(b);
            return;
        }
    }
    if (strcmp(name, "torch_sharded") == 0) {
        write_text(join(path, dir, "pytorch_model.bin.index.json"), "{\"weight_map\": {}}");
        return;
    }
    if (strncmp(name, "torch_sharded_", 14) == 0) { // tiny_sharded's files, one thing changed
        const char *files[] = {"config.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin",
                               "pytorch_model.bin.index.json"};
        for (int i = 0; i < 4; i++) {
            char file[128];
            snprintf(file, sizeof(file), "tiny_sharded/%s", files[i]);
            size_t len;
            unsigned char *b = read_bytes(torch_fixture(src, file), &len);
            if (i == 2 && strncmp(name, "torch_sharded_crc", 17) == 0) { b[len / 2] ^= 0x40; }
            if (i == 1 && strcmp(name, "torch_sharded_crc_after_unchecked") == 0) { // every CRC-32 field 0
                ZipEntries z;
                zip_read(&z, src);
                zip_write_crc(&z, join(path, dir, files[i]), -2);
                zip_free(&z);
                free(b);
                continue;
            }
            if (i == 2 && strcmp(name, "torch_sharded_duplicate") == 0) { write_bytes(join(path, dir, "pytorch_model-00003-of-00003.bin"), b, len); }
            if (i == 3 && strcmp(name, "torch_sharded_duplicate") == 0) { // norm_f listed under the copy of shard 2
                char *at = strstr((char *)b, "\"backbone.norm_f.weight\": \"pytorch_model-00002-of-00002");
                if (at == NULL) { fatalf("%s: not the index test_hf expects", src); }
                memcpy(at + strlen("\"backbone.norm_f.weight\": \"pytorch_model-0000"), "3-of-00003", 10);
            }
            if (i == 3 && strcmp(name, "torch_sharded_wrong_shard") == 0) { // layer 0's D (in shard 1) listed under shard 2
                char *at = strstr((char *)b, "\"backbone.layers.0.mixer.D\": \"pytorch_model-00001");
                if (at == NULL) { fatalf("%s: not the index test_hf expects", src); }
                at[strlen("\"backbone.layers.0.mixer.D\": \"pytorch_model-0000")] = '2';
            }
            if (!(i == 2 && strcmp(name, "torch_sharded_missing_shard") == 0)) { write_bytes(join(path, dir, files[i]), b, len); }
            free(b);
        }
        return;
    }
    size_t n;
    if (strcmp(name, "torch_local_zip64_size") == 0) { // tiny_zip64 (no data descriptors): data.pkl's local ZIP64 size + 1
        unsigned char *b = read_bytes(torch_fixture(src, "tiny_zip64/pytorch_model.bin"), &n);
        unsigned char *x = b + 30 + torch_zip_u16_(b + 26); // (data.pkl's local header is the first: at 0)
        if (torch_zip_u16_(x) != 1 || torch_zip_u64_(x + 4) != 2180) { fatalf("%s: not the archive test_hf expects", src); }
        x[4]++;
        write_bytes(bin, b, n);
        free(b);
        return;
    }
    unsigned char *b = read_bytes(torch_fixture(src, "tiny_fp32/pytorch_model.bin"), &n);
    if (strcmp(name, "torch_pickle_crc") == 0) { // "norm_f" (once in the file: data.pkl's key) becomes "norm_g"
        size_t at = 0;
        while (at + 6 <= n && memcmp(b + at, "norm_f", 6) != 0) { at++; }
        if (at + 6 > n) { fatalf("%s: not the archive test_hf expects", src); }
        b[at + 5] = 'g';
        write_bytes(bin, b, n);
        free(b);
        return;
    }
    if (strcmp(name, "torch_crc") == 0 || strcmp(name, "torch_truncated") == 0) {
        if (name[6] == 'c') { // a storage's byte, with tiny_fp32's config: a storage's CRC is checked as it is read
            b[n / 2] ^= 0x40;
            size_t len;
            unsigned char *config = read_bytes(torch_fixture(src, "tiny_fp32/config.json"), &len);
            write_bytes(join(path, dir, "config.json"), config, len);
            free(config);
        }
        write_bytes(bin, b, name[6] == 'c' ? n : n - 30);
        free(b);
        return;
    }
    free(b);
    ZipEntries z;
    zip_read(&z, src);
    int pkl = zip_find(&z, "/data.pkl"), first = zip_find(&z, "/data/0"), order = zip_find(&z, "/byteorder");
    if (pkl < 0 || first < 0) { fatalf("%s: not the archive test_hf expects", src); }
    if (strcmp(name, "torch_missing_storage") == 0) { zip_drop(&z, first); }
    else if (strcmp(name, "torch_storage_short") == 0) { z.size[first] -= 4; } // (the embedding: 256 x 64)
    else if (strcmp(name, "torch_big_endian") == 0) { // (torch 1.13, which wrote the fixture, writes no byteorder entry)
        if (order >= 0) { zip_set(&z, order, "big", 3); }
        else {
            snprintf(path, sizeof(path), "%.*sbyteorder", (int)(strlen(z.name[pkl]) - strlen("data.pkl")), z.name[pkl]);
            zip_add(&z, path, "big", 3);
        }
    }
    else if (strcmp(name, "torch_byteorder_newline") == 0) {
        if (order >= 0) { zip_drop(&z, order); }
        snprintf(path, sizeof(path), "%.*sbyteorder", (int)(strlen(z.name[pkl]) - strlen("data.pkl")), z.name[pkl]);
        zip_add(&z, path, "lit\nerror: x", 13);
    }
    else if (strcmp(name, "torch_no_pickle") == 0) { zip_drop(&z, pkl); }
    else if (strcmp(name, "torch_pickle_cut") == 0) { z.size[pkl] = 1090; }
    else if (strcmp(name, "torch_eval") == 0) {
        // what a malicious pickle does: builtins.eval("1+1") at load (Python's pickle would run it)
        static const char evil[] = "\x80\x02" "cbuiltins\neval\n" "q\x00X\x03\x00\x00\x00" "1+1" "\x85R.";
        zip_set(&z, pkl, evil, sizeof(evil) - 1);
    } else if (strcmp(name, "torch_many_values") == 0 || strcmp(name, "torch_long_global") == 0) {
        size_t big = 1 << 18, len = 0, cap = 2 * (TORCH_ZIP_MAX_VALUES + 1) + 2 * big + 64;
        unsigned char *p = (unsigned char *)mallocCheck(cap);
        memcpy(p, "\x80\x02", 2);
        len = 2;
        if (name[6] == 'm') {
            for (unsigned i = 0; i <= TORCH_ZIP_MAX_VALUES; i++) { p[len++] = 'N'; p[len++] = '0'; }
        } else { // X <big>, BINPUT 0, X "b", BINPUT 1, then STACK_GLOBAL of them, POP, over and over
            p[len++] = 'X';
            for (int i = 0; i < 4; i++) { p[len++] = (unsigned char)(big >> (8 * i)); }
            memset(p + len, 'a', big);
            len += big;
            memcpy(p + len, "q\x00X\x01\x00\x00\x00" "bq\x01", 10);
            len += 10;
            for (int i = 0; i < 1000; i++) { memcpy(p + len, "h\x00h\x01\x93" "0", 6); len += 6; }
        }
        memcpy(p + len, "}.", 2);
        zip_set(&z, pkl, p, len + 2);
        free(p);
    } else if (strcmp(name, "torch_tensor_past_storage") == 0) { // {k: elements 16383 and 16384 of data/0's 16384}
        static const char past[] = "\x80\x02}(X\x01\x00\x00\x00k" "ctorch._utils\n_rebuild_tensor_v2\n"
            "((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu" "M\x00@" "tQ"
            "M\xff?" "K\x02\x85" "K\x01\x85" "\x89" "ccollections\nOrderedDict\n)RtRu.";
        zip_set(&z, pkl, past, sizeof(past) - 1);
    } else if (strcmp(name, "torch_tensor_larger_than_storage") == 0 || strcmp(name, "torch_long1_negative_offset") == 0) {
        // {k: elements 0..16384 of data/0's 16384}, or {k: 2 elements at offset -1 (LONG1)}
        static const char larger[] = "\x80\x02}(X\x01\x00\x00\x00k" "ctorch._utils\n_rebuild_tensor_v2\n"
            "((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu" "M\x00@" "tQ"
            "K\x00" "M\x01@\x85" "K\x01\x85" "\x89" "ccollections\nOrderedDict\n)RtRu.";
        static const char negative[] = "\x80\x02}(X\x01\x00\x00\x00k" "ctorch._utils\n_rebuild_tensor_v2\n"
            "((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu" "M\x00@" "tQ"
            "\x8a\x01\xff" "K\x02\x85" "K\x01\x85" "\x89" "ccollections\nOrderedDict\n)RtRu.";
        if (strcmp(name, "torch_tensor_larger_than_storage") == 0) { zip_set(&z, pkl, larger, sizeof(larger) - 1); }
        else { zip_set(&z, pkl, negative, sizeof(negative) - 1); }
    } else if (strcmp(name, "torch_setitems_odd") == 0) { // {}, MARK, "k", SETITEMS
        static const char odd[] = "\x80\x02}(X\x01\x00\x00\x00ku.";
        zip_set(&z, pkl, odd, sizeof(odd) - 1);
    } else if (strcmp(name, "torch_memo_index") == 0) {
        zip_set(&z, pkl, "\x80\x02}r\xff\xff\xff\x00.", 9);
    } else if (strcmp(name, "torch_key_twice") == 0 || strcmp(name, "torch_storage_key_newline") == 0 ||
               strcmp(name, "torch_name_twice") == 0) {
        // {k: t, k: t}: one key string object, BINGET twice; or storage key "0\nerror: fake" in place of "0"; or
        // (torch_name_twice) two key strings "k"
        int nl = name[6] == 's';
#define TWICE_PICKLE "\x80\x02}(X\x01\x00\x00\x00kq\x00" \
            "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0\nerror: fake" \
            "X\x03\x00\x00\x00" "cpuM\x00@tQK\x00K\x02\x85K\x01\x85\x89" "ccollections\nOrderedDict\n)RtRq\x01" \
            "h\x00h\x01u."
        char twice[sizeof(TWICE_PICKLE) + 8] = TWICE_PICKLE; // (NULs inside: its length is sizeof's)
        size_t len = sizeof(TWICE_PICKLE) - 1;
#undef TWICE_PICKLE
        char *key = twice;
        while (memcmp(key, "0\nerror: fake", 13) != 0) { key++; }
        if (nl) { key[-4] = 13; } // (the X opcode's length)
        else {
            memmove(key + 1, key + 13, len - (size_t)(key + 13 - twice));
            len -= 12;
        }
        if (name[6] == 'n') { // the tail "h\x00h\x01u." becomes "X\x01\x00\x00\x00k" "h\x01u.": the second key a string of its own
            memcpy(twice + len - 6, "X\x01\x00\x00\x00k" "h\x01u.", 10);
            len += 4;
        }
        zip_set(&z, pkl, twice, len);
    } else if (strncmp(name, "torch_local_", 12) != 0 && strcmp(name, "torch_crc_zero_one") != 0) {
        fatalf("unknown case '%s'", name);
    }
    if (strcmp(name, "torch_crc_zero_one") == 0) { // (with tiny_fp32's config: the storage is read, and its CRC checked)
        size_t len;
        unsigned char *config = read_bytes(torch_fixture(path, "tiny_fp32/config.json"), &len);
        write_bytes(join(path, dir, "config.json"), config, len);
        free(config);
    }
    zip_write_crc(&z, bin, strcmp(name, "torch_crc_zero_one") == 0 ? first : -1);
    if (strncmp(name, "torch_local_", 12) == 0) { // data/0's local header changed, its central directory entry kept
        unsigned char *f = read_bytes(bin, &n), *lh = f + zip_local_header_at(&z, first);
        const char *what = name + 12;
        if (strcmp(what, "name") == 0) { lh[30 + strlen(z.name[first]) - 1] = 'x'; }
        else if (strcmp(what, "name_length") == 0) { lh[26]++; } // (the data would start a byte later)
        else if (strcmp(what, "method") == 0) { lh[8] = 8; }
        else if (strcmp(what, "crc") == 0) { lh[14] ^= 1; }
        else { lh[22]++; } // (the uncompressed size)
        write_bytes(bin, f, n);
        free(f);
    }
    zip_free(&z);
}

static int run_bad_case(const char *name, const char *base) {
    char dir[1024], path[1024];
    subdir(dir, base, name);
    char st_path[1024];
    join(st_path, dir, "model.safetensors");
    MambaConfig c;
    float *params;
    size_t n;
    const char *tensor_a = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
    write_valid(dir);
    if (strcmp(name, "torch_crc_view") == 0) {
        char src[1024];
        size_t len;
        unsigned char *b = read_bytes(torch_fixture(src, "small.bin"), &len);
        FILE *fp = fopenCheck(src, "rb");
        int num;
        TorchZipEntry *entries = torch_zip_entries_(fp, src, len, &num);
        const TorchZipEntry *a = torch_zip_find_(entries, num, "small/data/0");
        if (a == NULL || a->size != 24) { fatalf("%s: not the archive test_hf expects", src); }
        b[a->data] ^= 0x40;
        write_bytes(join(path, dir, "pytorch_model.bin"), b, len);
        Safetensors st;
        torch_zip_open(&st, path);
        float out[3];
        safetensors_read_f32(&st, safetensors_find(&st, "b"), out);
        fprintf(stderr, "case '%s' did not fail\n", name);
        return 0;
    } else if (strcmp(name, "torch_checksums_past_int") == 0) {
        Safetensors st;
        memset(&st, 0, sizeof(st));
        st.num_checksums = INT_MAX - 2; // (as if earlier files had added that many: none is touched)
        torch_zip_add_file_(&st, torch_fixture(path, "small.bin"));
        fprintf(stderr, "case '%s' did not fail\n", name);
        return 0;
    } else if (strncmp(name, "torch_", 6) == 0) {
        write_torch_case(name, dir);
    } else if (strcmp(name, "truncated_tiny") == 0) {
        write_bytes(st_path, "\x10\0\0\0\0", 5);
    } else if (strcmp(name, "truncated_data") == 0) {
        size_t len;
        unsigned char *buf = read_bytes(st_path, &len);
        write_bytes(st_path, buf, len - 100);
        free(buf);
    } else if (strcmp(name, "header_length_past_eof") == 0) {
        write_raw_safetensors(st_path, tensor_a, 16, 1000);
    } else if (strcmp(name, "header_length_past_eof_by_one") == 0) { // (the 55-byte header and 16 data bytes, plus one)
        write_raw_safetensors(st_path, tensor_a, 16, strlen(tensor_a) + 16 + 1);
    } else if (strcmp(name, "header_length_huge") == 0) {
        // a sparse file longer than the claimed header, so only the size limit can stop it
        write_raw_safetensors(st_path, tensor_a, 16, 200ull << 20);
        if (truncate(st_path, (off_t)(300ull << 20)) != 0) { fatalf("truncate failed"); }
    } else if (strcmp(name, "header_not_json") == 0) {
        write_raw_safetensors(st_path, "{\"a\": {\"dtype\": F32 oops", 16, 0);
    } else if (strcmp(name, "header_not_object") == 0) {
        write_raw_safetensors(st_path, "[1, 2, 3]       ", 0, 0);
    } else if (strcmp(name, "header_trailing_garbage") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}} xx", 16, 0);
    } else if (strcmp(name, "offsets_past_data") == 0) {
        write_raw_safetensors(st_path, tensor_a, 8, 0);
    } else if (strcmp(name, "size_mismatch_dtype") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, 0);
    } else if (strcmp(name, "offsets_begin_after_end") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,0]}}", 16, 0);
    } else if (strcmp(name, "offsets_not_pair") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0]}}", 16, 0);
    } else if (strcmp(name, "offsets_gap") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                       "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, 0);
    } else if (strcmp(name, "offsets_overlap") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                       "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, 0);
    } else if (strcmp(name, "trailing_data") == 0) {
        write_raw_safetensors(st_path, tensor_a, 20, 0);
    } else if (strcmp(name, "shape_negative") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", 16, 0);
    } else if (strcmp(name, "shape_overflow") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,16]}}", 16, 0);
    } else if (strcmp(name, "shape_past_2p53") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[9007199254740994],\"data_offsets\":[0,16]}}", 16, 0);
    } else if (strcmp(name, "shape_fractional") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,16]}}", 16, 0);
    } else if (strcmp(name, "unknown_dtype_i64") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16, 0);
    } else if (strcmp(name, "unknown_dtype_f8") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[16],\"data_offsets\":[0,16]}}", 16, 0);
    } else if (strcmp(name, "duplicate_tensor") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                       "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, 0);
    } else if (strcmp(name, "duplicate_tensor_same_offsets") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                       "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0);
    } else if (strcmp(name, "name_raw_nul") == 0) { // "a<NUL>b": cJSON would read the name as "a"
        const char hdr[] = "{\"a\0b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        unsigned char buf[8 + sizeof(hdr) - 1 + 4] = {0};
        for (int i = 0; i < 8; i++) { buf[i] = (unsigned char)((sizeof(hdr) - 1) >> (8 * i)); }
        memcpy(buf + 8, hdr, sizeof(hdr) - 1);
        write_bytes(st_path, buf, sizeof(buf));
    } else if (strcmp(name, "metadata_raw_tab") == 0) {
        write_raw_safetensors(st_path, "{\"__metadata__\":{\"format\":\"p\tt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                                       "\"data_offsets\":[0,4]}}", 4, 0);
    } else if (strcmp(name, "header_form_feed_between_tokens") == 0) {
        write_raw_safetensors(st_path, "{\"a\":\f{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0);
    } else if (strcmp(name, "name_escaped_nul") == 0) {
        write_raw_safetensors(st_path, "{\"a\\u0000b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0);
    } else if (strcmp(name, "name_control_chars") == 0) {
        write_raw_safetensors(st_path, "{\"a\\nerror: fake\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0);
    } else if (strcmp(name, "shape_vs_config") == 0) {
        edit_config(dir, "state_size", cJSON_CreateNumber(8)); // x_proj would be (R + 2N, Di) = (18, 64)
    } else if (strcmp(name, "conv_weight_2d") == 0) {
        rewrite_tensors(dir, edit_conv_2d);
    } else if (strcmp(name, "D_extra_dimension") == 0) {
        rewrite_tensors(dir, edit_D_2d);
    } else if (strcmp(name, "embedding_rows") == 0) {
        rewrite_tensors(dir, edit_emb_rows);
    } else if (strcmp(name, "embedding_width") == 0) {
        rewrite_tensors(dir, edit_emb_width);
    } else if (strcmp(name, "missing_tensor") == 0) {
        rewrite_tensors(dir, edit_remove_D);
    } else if (strcmp(name, "missing_embedding") == 0) {
        rewrite_tensors(dir, edit_remove_emb);
    } else if (strcmp(name, "extra_tensor") == 0) {
        rewrite_tensors(dir, edit_add_bias);
    } else if (strcmp(name, "use_bias_true") == 0) {
        edit_config(dir, "use_bias", cJSON_CreateTrue());
    } else if (strcmp(name, "use_conv_bias_false") == 0) {
        edit_config(dir, "use_conv_bias", cJSON_CreateFalse());
    } else if (strcmp(name, "nan_weight") == 0) { // in the second of two layers
        float *two = make_model("d32:l2:v64", &c, &n, 5);
        hf_save_model(dir, &c, two, 0, -1);
        rewrite_tensors(dir, edit_nan_D);
    } else if (strcmp(name, "epsilon") == 0) {
        edit_config(dir, "layer_norm_epsilon", cJSON_CreateNumber(1e-6));
    } else if (strcmp(name, "model_type_mamba2") == 0) {
        edit_config(dir, "model_type", cJSON_CreateString("mamba2"));
    } else if (strcmp(name, "hidden_size_fraction") == 0) {
        edit_config(dir, "hidden_size", cJSON_CreateNumber(32.5));
    } else if (strcmp(name, "export_fractional_expand") == 0) {
        MambaConfig bad;
        config_from_descriptor("d64:l1:v64", &bad);
        bad.d_inner = 96;
        hf_check_exportable(&bad, "expand_bad");
    } else if (strcmp(name, "config_duplicate_key") == 0) {
        write_text(join(path, dir, "config.json"), "{\"model_type\": \"mamba\", \"hidden_size\": 32, \"hidden_size\": 64}");
    } else if (strcmp(name, "config_escaped_nul") == 0 || strcmp(name, "config_raw_nul") == 0 || strcmp(name, "config_raw_newline") == 0) {
        // (model_type's "mamba" with more after a NUL, or followed by a key whose value holds a raw newline, which nothing
        // else reads: cJSON writes neither, so the text is changed)
        size_t len;
        char *text = (char *)read_bytes(join(path, dir, "config.json"), &len);
        char *at = strstr(text, "\"mamba\"");
        if (at == NULL) { fatalf("%s: no \"mamba\" to change", path); }
        const char *more = strcmp(name, "config_raw_nul") == 0 ? "\0" "2"
                           : strcmp(name, "config_raw_newline") == 0 ? "\", \"_name_or_path\": \"a\nb" : "\\u00002";
        FILE *fp = fopenCheck(path, "wb");
        fwriteCheck(text, 1, (size_t)(at - text) + 6, fp); // (up to "mamba)
        fwriteCheck(more, 1, more[0] == '\0' ? 2 : strlen(more), fp);
        fwriteCheck(at + 6, 1, len - (size_t)(at + 6 - text), fp);
        fcloseCheck(fp);
        free(text);
    } else if (strcmp(name, "shard_escaped_nul") == 0) { // every tensor under "model-1.safetensors\u0000x", which holds them
        TensorList tl;
        tl_load(&tl, st_path);
        if (rename(st_path, join(path, dir, "model-1.safetensors")) != 0) { fatalf("rename failed"); }
        char map[4096];
        size_t len = (size_t)snprintf(map, sizeof(map), "{");
        for (int i = 0; i < tl.n; i++) {
            len += (size_t)snprintf(map + len, sizeof(map) - len, "%s\"%s\": \"model-1.safetensors\\u0000x\"", i > 0 ? ", " : "",
                                    tl.t[i].name);
        }
        snprintf(map + len, sizeof(map) - len, "}");
        write_index(dir, map);
        tl_free(&tl);
    } else if (strcmp(name, "config_not_json") == 0) {
        write_text(join(path, dir, "config.json"), "{\"hidden_size\": 32,");
    } else if (strcmp(name, "missing_config") == 0) {
        remove(join(path, dir, "config.json"));
    } else if (strcmp(name, "no_weights") == 0) {
        remove(st_path);
        char renamed[1024];
        if (snprintf(renamed, sizeof(renamed), "%s_missing_weights", dir) >= (int)sizeof(renamed)) { fatalf("path too long"); }
        if (rename(dir, renamed) != 0) { fatalf("rename failed"); }
        strcpy(dir, renamed);
    } else if (strcmp(name, "untied_head_differs") == 0) {
        rewrite_tensors(dir, edit_head_differs);
        edit_config(dir, "tie_word_embeddings", cJSON_CreateFalse());
    } else if (strcmp(name, "shard_untied_head_differs") == 0) { // the embedding first in shard 1, the head alone in shard 2
        TensorList tl;
        tl_load(&tl, st_path);
        edit_head_differs(&tl);
        if (strcmp(tl.t[0].name, "backbone.embeddings.weight") != 0) { fatalf("%s: not the file test_hf expects", st_path); }
        remove(st_path);
        tl_write_range(&tl, join(path, dir, "model-1.safetensors"), 0, tl.n - 1, SAFETENSORS_F32);
        tl_write_range(&tl, join(path, dir, "model-2.safetensors"), tl.n - 1, tl.n, SAFETENSORS_F32);
        char map[4096];
        size_t len = (size_t)snprintf(map, sizeof(map), "{\"lm_head.weight\": \"model-2.safetensors\"");
        for (int i = 0; i < tl.n - 1; i++) {
            len += (size_t)snprintf(map + len, sizeof(map) - len, ", \"%s\": \"model-1.safetensors\"", tl.t[i].name);
        }
        snprintf(map + len, sizeof(map) - len, "}");
        write_index(dir, map);
        tl_free(&tl);
        edit_config(dir, "tie_word_embeddings", cJSON_CreateFalse());
    } else if (strcmp(name, "untied_head_missing") == 0) {
        edit_config(dir, "tie_word_embeddings", cJSON_CreateFalse());
    } else if (strcmp(name, "ssm_bias_true") == 0) {
        write_text(join(path, dir, "config.json"),
                   "{\"d_model\": 32, \"n_layer\": 1, \"vocab_size\": 64, \"ssm_cfg\": {\"bias\": true}}");
    } else if (strcmp(name, "shard_dotdot") == 0) {
        remove(st_path);
        write_index(dir, "{\"backbone.norm_f.weight\": \"..model.safetensors\"}");
    } else if (strcmp(name, "shard_slash") == 0) {
        remove(st_path);
        write_index(dir, "{\"backbone.norm_f.weight\": \"sub/model.safetensors\"}");
    } else if (strcmp(name, "shard_missing_file") == 0) {
        if (rename(st_path, join(path, dir, "model-1.safetensors")) != 0) { fatalf("rename failed"); }
        write_index(dir, "{\"backbone.norm_f.weight\": \"model-1.safetensors\", \"x\": \"model-2.safetensors\"}");
    } else if (strcmp(name, "shard_unlisted_tensor") == 0) {
        if (rename(st_path, join(path, dir, "model-1.safetensors")) != 0) { fatalf("rename failed"); }
        write_index(dir, "{\"backbone.norm_f.weight\": \"model-1.safetensors\"}");
    } else if (strcmp(name, "shard_wrong_file") == 0) {
        remove(st_path);
        write_raw_safetensors(join(path, dir, "model-1.safetensors"), tensor_a, 16, 0);
        write_raw_safetensors(join(path, dir, "model-2.safetensors"), "{\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, 0);
        write_index(dir, "{\"a\": \"model-2.safetensors\", \"b\": \"model-1.safetensors\"}");
    } else if (strcmp(name, "name_too_long") == 0 || strcmp(name, "name_del") == 0 || strcmp(name, "name_empty") == 0) {
        char header[1200], tname[1026];
        if (strcmp(name, "name_too_long") == 0) { memset(tname, 'n', 1025); tname[1025] = '\0'; }
        else { snprintf(tname, sizeof(tname), "%s", strcmp(name, "name_del") == 0 ? "a\x7f" : ""); }
        snprintf(header, sizeof(header), "{\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", tname);
        write_raw_safetensors(st_path, header, 4, 0);
    } else if (strcmp(name, "ndim_9") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4, 0);
    } else if (strcmp(name, "shape_overflow_bytes") == 0) { // 2^62 elements fit a size_t, their 2^64 bytes do not (they wrap to 0)
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483648,2147483648],\"data_offsets\":[0,0]}}", 0, 0);
    } else if (strcmp(name, "offsets_three") == 0) {
        write_raw_safetensors(st_path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16,16]}}", 16, 0);
    } else if (strcmp(name, "metadata_not_object") == 0) {
        write_raw_safetensors(st_path, "{\"__metadata__\":5,\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, 0);
    } else if (strcmp(name, "shard_backslash") == 0) {
        remove(st_path);
        write_index(dir, "{\"backbone.norm_f.weight\": \"sub\\\\model.safetensors\"}");
    } else if (strcmp(name, "shard_empty_map") == 0) {
        remove(st_path);
        write_index(dir, "{}");
    } else if (strcmp(name, "shard_duplicate_tensor") == 0) { // 'a' in both shards, listed once
        remove(st_path);
        write_raw_safetensors(join(path, dir, "model-1.safetensors"), tensor_a, 16, 0);
        write_raw_safetensors(join(path, dir, "model-2.safetensors"), "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                                                                      "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}", 32, 0);
        write_index(dir, "{\"a\": \"model-1.safetensors\", \"b\": \"model-2.safetensors\"}");
    } else if (strcmp(name, "config_trailing_bytes") == 0) {
        write_text(join(path, dir, "config.json"), "{\"d_model\": 32, \"n_layer\": 1, \"vocab_size\": 64} x");
    } else if (strcmp(name, "config_nested_duplicate_key") == 0) {
        write_text(join(path, dir, "config.json"), "{\"d_model\": 32, \"n_layer\": 1, \"vocab_size\": 64, \"ssm_cfg\": {\"d_state\": 16, \"d_state\": 8}}");
    } else if (strcmp(name, "config_too_large") == 0) { // 16 MiB + 1 (sparse): refused before it is read
        if (truncate(join(path, dir, "config.json"), (off_t)(16u << 20) + 1) != 0) { fatalf("truncate failed"); }
    } else if (strcmp(name, "layers_zero") == 0) {
        edit_config(dir, "num_hidden_layers", cJSON_CreateNumber(0));
    } else if (strcmp(name, "hidden_size_too_large") == 0) {
        edit_config(dir, "hidden_size", cJSON_CreateNumber((1 << 20) + 1));
    } else if (strcmp(name, "use_bias_string") == 0) {
        edit_config(dir, "use_bias", cJSON_CreateString("false"));
    } else if (strcmp(name, "model_type_number") == 0) {
        edit_config(dir, "model_type", cJSON_CreateNumber(1));
    } else if (strcmp(name, "expand_too_large") == 0) {
        edit_config(dir, "expand", cJSON_CreateNumber(65));
    } else if (strcmp(name, "hidden_act_gelu") == 0) {
        edit_config(dir, "hidden_act", cJSON_CreateString("gelu"));
    } else if (strncmp(name, "ssm_", 4) == 0) {
        // the mamba_ssm spelling of the valid checkpoint's config, with one key changed
        const char *keys[][2] = {{"ssm_cfg_number", "\"ssm_cfg\": 5"},
                                 {"ssm_layer_mamba2", "\"ssm_cfg\": {\"layer\": \"Mamba2\"}"},
                                 {"ssm_d_intermediate", "\"d_intermediate\": 128"},
                                 {"ssm_attention", "\"attn_layer_idx\": [0]"},
                                 {"ssm_layernorm", "\"rms_norm\": false"},
                                 {"ssm_epsilon", "\"norm_epsilon\": 1e-6"},
                                 {"ssm_conv_bias_false", "\"ssm_cfg\": {\"conv_bias\": false}"},
                                 {"ssm_untied_head_missing", "\"tie_embeddings\": false"}};
        const char *key = NULL;
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) { if (strcmp(keys[i][0], name) == 0) { key = keys[i][1]; } }
        if (key == NULL) { fprintf(stderr, "unknown case '%s'\n", name); return 2; }
        char text[512];
        snprintf(text, sizeof(text), "{\"d_model\": 32, \"n_layer\": 1, \"vocab_size\": 64, %s}", key);
        write_text(join(path, dir, "config.json"), text);
    } else if (strcmp(name, "both_embeddings") == 0) {
        rewrite_tensors(dir, edit_both_embeddings);
    } else if (strcmp(name, "head_shape") == 0) {
        rewrite_tensors(dir, edit_head_shape);
    } else if (strcmp(name, "short_read") == 0) { // cut to half of 'a' after the header was checked (more than stdio buffers)
        const char *big = "{\"a\":{\"dtype\":\"F32\",\"shape\":[16384],\"data_offsets\":[0,65536]}}";
        write_raw_safetensors(st_path, big, 65536, 0);
        Safetensors st;
        safetensors_open(&st, st_path);
        if (truncate(st_path, (off_t)(8 + strlen(big) + 32768)) != 0) { fatalf("truncate failed"); }
        float *out = (float *)mallocCheck(16384 * sizeof(float));
        safetensors_read_f32(&st, safetensors_find(&st, "a"), out);
        fprintf(stderr, "case '%s' did not fail\n", name);
        return 0;
    } else if (strcmp(name, "write_duplicate_name") == 0 || strcmp(name, "write_reserved_name") == 0) {
        const float one = 1.0f;
        int dup = strcmp(name, "write_duplicate_name") == 0;
        SafetensorsEntry e[2] = {{"a", &one, 1, {1}}, {dup ? "a" : "__metadata__", &one, 1, {1}}};
        safetensors_write(join(path, dir, dup ? "dup.safetensors" : "reserved.safetensors"), e, 2, SAFETENSORS_F32);
        fprintf(stderr, "case '%s' did not fail\n", name);
        return 0;
    } else if (strcmp(name, "export_no_selection") == 0) {
        MambaConfig bad;
        config_from_descriptor("d32:l1:v64:s0", &bad);
        hf_check_exportable(&bad, "no_selection");
    } else {
        fprintf(stderr, "unknown case '%s'\n", name);
        return 2;
    }
    hf_load_model(dir, &c, &params, &n);
    fprintf(stderr, "case '%s' did not fail\n", name);
    return 0;
}

static void test_bad_case(const BadCase *c, const char *dir) {
    const char *argv[] = {"test_hf", "--expect-fail", c->name, dir, NULL};
    char err[4096], name[96];
    int status = run_self(argv, err, sizeof(err));
    snprintf(name, sizeof(name), "rejects_%s", c->name);
    check_rejected(name, status, err, c->file, c->message);
}

// a fuzz child's last step: loads the corrupted directory (a rejection exits in fatalf; a corruption the loader
// cannot see, in bytes it does not read, loads: freed, for test-asan's leak check of a child that exits 0)
static int load_corrupted(const char *dir) {
    MambaConfig c;
    float *params;
    size_t n;
    hf_load_model(dir, &c, &params, &n);
    free(params);
    return 0;
}

// child: corrupts a valid checkpoint at random (header bytes, length field, truncation) and loads it
static int run_fuzz_case(const char *seed_str, const char *base) {
    uint64_t rng = strtoull(seed_str, NULL, 10) * 7919 + 1;
    char dir[1024], path[1024];
    snprintf(path, sizeof(path), "fuzz_%s", seed_str);
    subdir(dir, base, path);
    write_valid(dir);
    join(path, dir, "model.safetensors");
    size_t len;
    unsigned char *buf = read_bytes(path, &len);
    size_t header_end = 8;
    for (int i = 7; i >= 0; i--) { header_end += (size_t)buf[i] << (8 * i); }
    int kind = (int)(random_u64(&rng) % 4);
    int flips = 1 + (int)(random_u64(&rng) % 4);
    for (int k = 0; k < flips; k++) {
        size_t at;
        if (kind == 0) { at = random_u64(&rng) % 8; }                    // the length field
        else { at = 8 + random_u64(&rng) % (header_end - 8); }           // the JSON header
        static const char pool[] = "{}[]\",:0123456789-.eE \\x";
        buf[at] = kind == 3 ? (unsigned char)random_u64(&rng) : (unsigned char)pool[random_u64(&rng) % (sizeof(pool) - 1)];
    }
    if (kind == 2) { len = random_u64(&rng) % len; }                       // and a truncation
    write_bytes(path, buf, len);
    free(buf);
    return load_corrupted(dir);
}

// child: the same for tiny_fp32's pytorch_model.bin: bytes anywhere, a truncation, bytes of the zip's
// central directory and end records, bytes of the pickle with the archive rewritten around it (sound CRCs:
// the pickle machine itself meets the damage), or bytes of one entry's local header in that rewrite (no data
// descriptors there: its CRC and sizes count)
static int run_torch_fuzz_case(const char *seed_str, const char *base) {
    uint64_t rng = strtoull(seed_str, NULL, 10) * 104729 + 3;
    char dir[1024], path[1024], src[1024], bin[1024];
    snprintf(path, sizeof(path), "torch_fuzz_%s", seed_str);
    subdir(dir, base, path);
    size_t len;
    unsigned char *buf = read_bytes(torch_fixture(src, "tiny_fp32/config.json"), &len);
    write_bytes(join(path, dir, "config.json"), buf, len);
    free(buf);
    join(bin, dir, "pytorch_model.bin");
    torch_fixture(src, "tiny_fp32/pytorch_model.bin");
    int kind = (int)(random_u64(&rng) % 5);
    int flips = 1 + (int)(random_u64(&rng) % 4);
    if (kind == 3) {
        ZipEntries z;
        zip_read(&z, src);
        int pkl = zip_find(&z, "/data.pkl");
        static const char ops[] = "(.0NKMJXqrhjQRbtsue}])\x80\x85\x86\x87\x88\x8a\x8c\x93\x94\x95" "cGUT";
        for (int k = 0; k < flips; k++) {
            size_t at = random_u64(&rng) % z.size[pkl];
            z.data[pkl][at] = random_u64(&rng) % 2 ? (unsigned char)random_u64(&rng) : (unsigned char)ops[random_u64(&rng) % (sizeof(ops) - 1)];
        }
        if (random_u64(&rng) % 4 == 0) { z.size[pkl] = random_u64(&rng) % z.size[pkl]; }
        zip_write(&z, bin);
        zip_free(&z);
    } else if (kind == 4) {
        ZipEntries z;
        zip_read(&z, src);
        int k = (int)(random_u64(&rng) % (uint64_t)z.n);
        size_t at = zip_local_header_at(&z, k), header_len = 30 + strlen(z.name[k]);
        zip_write(&z, bin);
        zip_free(&z);
        buf = read_bytes(bin, &len);
        for (int f = 0; f < flips; f++) { buf[at + random_u64(&rng) % header_len] = (unsigned char)random_u64(&rng); }
        write_bytes(bin, buf, len);
        free(buf);
    } else {
        buf = read_bytes(src, &len);
        size_t tail = len < 4096 ? len : 4096; // kind 2: the central directory and the end record lie in the last bytes
        for (int k = 0; kind != 1 && k < flips; k++) {
            size_t at = kind == 2 ? len - 1 - random_u64(&rng) % tail : random_u64(&rng) % len;
            buf[at] = (unsigned char)random_u64(&rng);
        }
        if (kind == 1) { len = random_u64(&rng) % len; }
        write_bytes(bin, buf, len);
        free(buf);
    }
    return load_corrupted(dir);
}

static void test_fuzz(const char *dir, int count, int torch) {
    int crashed = 0, rejected = 0, bad_message = 0;
    char err[4096], seed[32], first[4200] = "";
    for (int i = 0; i < count; i++) {
        snprintf(seed, sizeof(seed), "%d", i);
        const char *argv[] = {"test_hf", torch ? "--fuzz-torch" : "--fuzz", seed, dir, NULL};
        int status = run_self(argv, err, sizeof(err));
        if (!WIFEXITED(status)) {
            if (!crashed && !bad_message) { snprintf(first, sizeof(first), "seed %d died of signal %d", i, WTERMSIG(status)); }
            crashed++;
        } else if (WEXITSTATUS(status) != 0) {
            rejected++;
            if (strncmp(err, "error: ", 7) != 0 || strchr(err, '\n') != NULL) {
                if (!crashed && !bad_message) { snprintf(first, sizeof(first), "seed %d: stderr \"%s\"", i, err); }
                bad_message++;
            }
        }
    }
    printf("  fuzz: %d corrupted %s checkpoints, %d rejected, %d crashed, %d without a one-line error\n", count,
           torch ? "PyTorch" : "safetensors", rejected, crashed, bad_message);
    check(crashed == 0 && bad_message == 0, torch ? "fuzz_torch_no_crash" : "fuzz_no_crash", "%s", first);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--expect-fail") == 0) { return run_bad_case(argv[2], argv[3]); }
    if (argc == 4 && strcmp(argv[1], "--fuzz") == 0) { return run_fuzz_case(argv[2], argv[3]); }
    if (argc == 4 && strcmp(argv[1], "--fuzz-torch") == 0) { return run_torch_fuzz_case(argv[2], argv[3]); }
    if (argc != 1) {
        fprintf(stderr, "usage: %s  |  %s --expect-fail <case> <dir>  |  %s --fuzz|--fuzz-torch <seed> <dir>\n", argv[0], argv[0],
                argv[0]);
        return 2;
    }
    char dir[] = "/tmp/test_hf.XXXXXX";
    if (mkdtemp(dir) == NULL) { fatalf("mkdtemp failed: %s", strerror(errno)); }

    test_number_formats();
    test_round_trip_fp32(dir, "d64:l2:v256", "round_trip_fp32", 256);
    test_round_trip_fp32(dir, "d48:l3:v1001:n8:k3:r5", "round_trip_fp32_v1001", 1001); // vocab_size = Vp, llmc_vocab_size = V
    test_export_metadata(dir);
    test_round_trip_bf16(dir);
    test_mamba_ssm(dir);
    test_vocab_rows(dir);
    test_sharded(dir);
    test_reader_dtypes(dir);
    test_heads(dir);
    test_json_nul_at();
    test_json_bad_byte_control_edges();
    test_reader_limits(dir);
    test_large_tensors(dir);
    test_config_defaults(dir);
    test_json_whitespace_and_escapes(dir);
    test_export_cleanup(dir);
    test_export_removes_old_weights(dir);
    test_export_keeps_directory_of_weights_name(dir);
    test_export_names(dir);
    test_same_model();
    test_transformers_fixture();
    test_torch_checkpoints();
    test_torch_reads_once(dir);
    test_torch_large_storage(dir);
    test_torch_archive_forms(dir);
    test_torch_size1_stride(dir);
    test_torch_long1(dir);
    test_torch_without_crc(dir);
    test_torch_sharded_mixed_crc(dir);
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) { test_bad_case(&bad_cases[i], dir); }
    test_fuzz(dir, 300, 0);
    test_fuzz(dir, 300, 1);

    remove_dir(dir);
    return test_summary();
}
