/*
Writes the seed corpora in test/fuzz/corpus/<harness>/: small valid files, with the control bytes
each harness expects in front (see the harness's comment). Regenerate with `make fuzz-seeds`.

    gcc -O1 -o test/fuzz/bin/make_seeds test/fuzz/make_seeds.c -lm && test/fuzz/bin/make_seeds test/fuzz/corpus
(with -DFUZZ_HF ... -lcjson it also writes the safetensors and hf seeds, from llmc/hf_io.h's writer)
*/
#include "../../dataloader.h"
#include "../../tokenizer.h"
#include "../../llmc/train_common.h"
#ifdef FUZZ_HF
#include "../../llmc/hf_io.h"
#include "../zip_file.h"
#endif

static char out_dir[512];

// writes control bytes then the contents of `tmp_path` to <out_dir>/<harness>/<name>
static void write_seed(const char *harness, const char *name, const uint8_t *control, size_t nc,
                       const char *tmp_path) {
    char dir[1024], path[1280];
    snprintf(dir, sizeof(dir), "%s/%s", out_dir, harness);
    make_dir_if_missing(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *in = fopenCheck(tmp_path, "rb");
    long size = file_size(in);
    uint8_t *buf = (uint8_t *)mallocCheck((size_t)size + 1);
    freadCheck(buf, 1, (size_t)size, in);
    fcloseCheck(in);
    FILE *out = fopenCheck(path, "wb");
    if (nc > 0) { fwriteCheck(control, 1, nc, out); }
    fwriteCheck(buf, 1, (size_t)size, out);
    fcloseCheck(out);
    free(buf);
    remove(tmp_path);
    printf("%s: %zu bytes\n", path, nc + (size_t)size);
}

// an eval file seed for fuzz_mc: its header (version, examples, longest example in bytes) and n uint16 of examples
static void mc_seed(const char *tmp, const char *name, const uint8_t control[4], int version, int examples, int longest,
                    const uint16_t *stream, size_t n) {
    int h[256] = {20240522, version, examples, longest};
    FILE *fp = fopenCheck(tmp, "wb");
    fwriteCheck(h, sizeof(int), 256, fp);
    fwriteCheck(stream, sizeof(uint16_t), n, fp);
    fcloseCheck(fp);
    write_seed("mc", name, control, 4, tmp);
}

static void tokenizer_file(const char *path, int version, int eot, int vocab) {
    uint32_t header[256] = {0};
    header[0] = TOKENIZER_MAGIC;
    header[1] = (uint32_t)version;
    header[2] = (uint32_t)vocab;
    if (version == 2) { header[3] = (uint32_t)eot; }
    FILE *fp = fopenCheck(path, "wb");
    fwriteCheck(header, sizeof(uint32_t), 256, fp);
    for (int i = 0; i < vocab; i++) {
        // lengths 0..5, a 0 byte inside token 3, the last token "<|eot|>"
        char tok[16];
        int len = i % 6;
        if (i == vocab - 1) { len = 7; memcpy(tok, "<|eot|>", 7); }
        else { for (int k = 0; k < len; k++) { tok[k] = (char)('a' + (i + k) % 26); } }
        if (i == 3) { tok[1] = '\0'; }
        uint8_t l = (uint8_t)len;
        fwriteCheck(&l, 1, 1, fp);
        if (len > 0) { fwriteCheck(tok, 1, (size_t)len, fp); }
    }
    fcloseCheck(fp);
}

// reads a whole file; *n receives its size
static uint8_t *read_all(const char *path, size_t *n) {
    FILE *fp = fopenCheck(path, "rb");
    long size = file_size(fp);
    uint8_t *buf = (uint8_t *)mallocCheck((size_t)size + 1);
    freadCheck(buf, 1, (size_t)size, fp);
    fcloseCheck(fp);
    *n = (size_t)size;
    return buf;
}

// writes the pieces one after the other to tmp_path
static void write_pieces(const char *tmp_path, int count, const void *const *piece, const size_t *len) {
    FILE *fp = fopenCheck(tmp_path, "wb");
    for (int i = 0; i < count; i++) {
        if (len[i] > 0) { fwriteCheck(piece[i], 1, len[i], fp); }
    }
    fcloseCheck(fp);
}

#ifdef FUZZ_HF
static uint64_t u64le(const uint8_t *b) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) { v = (v << 8) | b[i]; }
    return v;
}

// UTF-8 of the byte-level symbol of byte b (GPT-2's bytes_to_unicode)
static void byte_symbol(int b, char out[3]) {
    int u = b, next = 256;
    if (!bpe_byte_prints_(b)) {
        for (int c = 0; c < b; c++) { if (!bpe_byte_prints_(c)) { next++; } }
        u = next;
    }
    if (u < 0x80) { out[0] = (char)u; out[1] = '\0'; }
    else { out[0] = (char)(0xC0 | (u >> 6)); out[1] = (char)(0x80 | (u & 0x3F)); out[2] = '\0'; }
}

// a tokenizer.json: 256 byte tokens, a few merges, <|endoftext|> as an added token; then NUL and a text
static void bpe_seed(const char *tmp, const char *name, int pair_merges, int prefix_space, const char *text) {
    cJSON *root = cJSON_CreateObject();
    cJSON *model = cJSON_AddObjectToObject(root, "model");
    cJSON_AddStringToObject(model, "type", "BPE");
    cJSON *vocab = cJSON_AddObjectToObject(model, "vocab");
    char sym[3], sym2[3], buf[64];
    for (int b = 0; b < 256; b++) { byte_symbol(b, sym); cJSON_AddNumberToObject(vocab, sym, b); }
    // merges: "Ġ t" -> "Ġt", "h e" -> "he", "Ġt he" -> "Ġthe", "e r" -> "er"
    const char *merges[4][2] = {{" ", "t"}, {"h", "e"}, {" t", "he"}, {"e", "r"}};
    cJSON *merge_list = cJSON_AddArrayToObject(model, "merges");
    int id = 256;
    for (int m = 0; m < 4; m++) {
        char a[16] = "", b[16] = "";
        for (const char *p = merges[m][0]; *p; p++) { byte_symbol((unsigned char)*p, sym); strcat(a, sym); }
        for (const char *p = merges[m][1]; *p; p++) { byte_symbol((unsigned char)*p, sym2); strcat(b, sym2); }
        snprintf(buf, sizeof(buf), "%s%s", a, b);
        cJSON_AddNumberToObject(vocab, buf, id++);
        if (pair_merges) {
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(pair, cJSON_CreateString(a));
            cJSON_AddItemToArray(pair, cJSON_CreateString(b));
            cJSON_AddItemToArray(merge_list, pair);
        } else {
            snprintf(buf, sizeof(buf), "%s %s", a, b);
            cJSON_AddItemToArray(merge_list, cJSON_CreateString(buf));
        }
    }
    cJSON *added = cJSON_AddArrayToObject(root, "added_tokens");
    cJSON *eot = cJSON_CreateObject();
    cJSON_AddNumberToObject(eot, "id", id);
    cJSON_AddStringToObject(eot, "content", "<|endoftext|>");
    cJSON_AddBoolToObject(eot, "special", 1);
    cJSON_AddItemToArray(added, eot);
    cJSON *pre = cJSON_AddObjectToObject(root, "pre_tokenizer");
    cJSON_AddStringToObject(pre, "type", "ByteLevel");
    cJSON_AddBoolToObject(pre, "add_prefix_space", prefix_space);
    cJSON_AddBoolToObject(pre, "use_regex", 1);
    cJSON *decoder = cJSON_AddObjectToObject(root, "decoder");
    cJSON_AddStringToObject(decoder, "type", "ByteLevel");
    char *json = cJSON_PrintUnformatted(root);
    const uint8_t nul = 0;
    write_pieces(tmp, 3, (const void *[]){json, &nul, text}, (size_t[]){strlen(json), 1, strlen(text)});
    write_seed("bpe", name, NULL, 0, tmp);
    cJSON_free(json);
    cJSON_Delete(root);
}

// the seeds of fuzz_safetensors and fuzz_hf, from a d8:l1:v8 model written by hf_save_model
static void hf_seeds(const char *tmp) {
    char dir[700], st_path[800], config_path[800];
    snprintf(dir, sizeof(dir), "%s.hf", tmp);
    MambaConfig c;
    config_fill_defaults(&c, 8, 1, 8);
    size_t sizes[NUM_PARAMETER_TENSORS];
    size_t n = fill_in_parameter_sizes(sizes, &c);
    float *params = (float *)mallocCheck(n * sizeof(float));
    init_parameters(params, sizes, &c, 1337);
    const uint8_t nul = 0;
    for (int bf16 = 0; bf16 < 2; bf16++) {
        hf_save_model(dir, &c, params, bf16, -1);
        snprintf(st_path, sizeof(st_path), "%s/model.safetensors", dir);
        snprintf(config_path, sizeof(config_path), "%s/config.json", dir);
        size_t st_n, config_n;
        uint8_t *st = read_all(st_path, &st_n);
        uint8_t *config = read_all(config_path, &config_n);
        size_t json_n = (size_t)u64le(st);
        const uint8_t *json = st + 8, *body = st + 8 + json_n;
        size_t body_n = st_n - 8 - json_n;
        const char *suffix = bf16 ? "_bf16" : "";
        char name[64];
        uint8_t control = 0;
        // safetensors, mode 0 (raw) and 1 (JSON NUL data)
        snprintf(name, sizeof(name), "raw%s", suffix);
        write_pieces(tmp, 1, (const void *[]){st}, (size_t[]){st_n});
        write_seed("safetensors", name, &control, 1, tmp);
        control = 1;
        snprintf(name, sizeof(name), "split%s", suffix);
        write_pieces(tmp, 3, (const void *[]){json, &nul, body}, (size_t[]){json_n, 1, body_n});
        write_seed("safetensors", name, &control, 1, tmp);
        // hf: config NUL JSON NUL data, and config NUL raw file
        control = 0;
        snprintf(name, sizeof(name), "transformers%s", suffix);
        write_pieces(tmp, 5, (const void *[]){config, &nul, json, &nul, body},
                     (size_t[]){config_n, 1, json_n, 1, body_n});
        write_seed("hf", name, &control, 1, tmp);
        if (!bf16) {
            control = 1;
            write_pieces(tmp, 3, (const void *[]){config, &nul, st}, (size_t[]){config_n, 1, st_n});
            write_seed("hf", "transformers_raw", &control, 1, tmp);
            // the mamba_ssm spelling of the same model
            const char *ssm_config = "{\"d_model\": 8, \"n_layer\": 1, \"vocab_size\": 8, \"d_intermediate\": 0,"
                " \"ssm_cfg\": {\"layer\": \"Mamba1\", \"d_state\": 16, \"d_conv\": 4, \"expand\": 2},"
                " \"rms_norm\": true, \"attn_layer_idx\": [], \"pad_vocab_size_multiple\": 8, \"tie_embeddings\": true}";
            control = 0;
            write_pieces(tmp, 5, (const void *[]){ssm_config, &nul, json, &nul, body},
                         (size_t[]){strlen(ssm_config), 1, json_n, 1, body_n});
            write_seed("hf", "mamba_ssm", &control, 1, tmp);
            // an index naming every tensor of shard s0.safetensors (mode 2)
            cJSON *header = cJSON_ParseWithLength((const char *)json, json_n);
            cJSON *index = cJSON_CreateObject();
            cJSON *map = cJSON_AddObjectToObject(index, "weight_map");
            const cJSON *item;
            cJSON_ArrayForEach(item, header) {
                if (strcmp(item->string, "__metadata__") != 0) { cJSON_AddStringToObject(map, item->string, "s0.safetensors"); }
            }
            char *index_text = cJSON_PrintUnformatted(index);
            control = 2;
            write_pieces(tmp, 5, (const void *[]){index_text, &nul, json, &nul, body},
                         (size_t[]){strlen(index_text), 1, json_n, 1, body_n});
            write_seed("safetensors", "index", &control, 1, tmp);
            cJSON_free(index_text);
            cJSON_Delete(index);
            cJSON_Delete(header);
        }
        free(st);
        free(config);
        remove(st_path);
        remove(config_path);
        snprintf(config_path, sizeof(config_path), "%s/generation_config.json", dir); // (the export writes it too)
        remove(config_path);
    }
    rmdir(dir);
    free(params);
    // every dtype, a scalar and an empty tensor, by hand (the writer makes F32 and BF16 only)
    const char *json = "{\"a\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
        "\"c\":{\"dtype\":\"BF16\",\"shape\":[0,3],\"data_offsets\":[12,12]},"
        "\"d\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]},\"__metadata__\":{\"format\":\"pt\"}}";
    const uint8_t body[16] = {0x00, 0x3c, 0x01, 0x00, 0x00, 0x7c, 0x01, 0xfe, 0x00, 0x00, 0x80, 0x3f, 0x80, 0x3f, 0xc0, 0x7f};
    uint8_t control = 1;
    write_pieces(tmp, 3, (const void *[]){json, &nul, body}, (size_t[]){strlen(json), 1, sizeof(body)});
    write_seed("safetensors", "dtypes", &control, 1, tmp);
}

// an archive's entries in fuzz_torch's [name length][name][data length][data] form
static void write_entries(FILE *out, const ZipEntries *z) {
    for (int k = 0; k < z->n; k++) {
        uint8_t len[4] = {(uint8_t)z->size[k], (uint8_t)(z->size[k] >> 8), (uint8_t)(z->size[k] >> 16), (uint8_t)(z->size[k] >> 24)};
        fputc((int)strlen(z->name[k]), out);
        fwriteCheck(z->name[k], 1, strlen(z->name[k]), out);
        fwriteCheck(len, 1, 4, out);
        fwriteCheck(z->data[k], 1, z->size[k], out);
    }
}

// fuzz_torch's sharded form (control bit 4): an index naming each tensor of the two files under its shard
// (pytorch_model-0000i-of-00002.bin, as transformers names them), NUL, the first's entries, 0, the second's
static void torch_sharded_seed(const char *tmp, const char *name, uint8_t control, const char *first, const char *second) {
    const char *src[2] = {first, second}, *shard[2] = {"pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"};
    cJSON *root = cJSON_CreateObject(), *map = cJSON_CreateObject();
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(root, "metadata"), "total_size", 0);
    cJSON_AddItemToObject(root, "weight_map", map);
    for (int s = 0; s < 2; s++) {
        Safetensors st;
        torch_zip_open(&st, src[s]);
        for (int i = 0; i < st.num_tensors; i++) { cJSON_AddStringToObject(map, st.tensors[i].name, shard[s]); }
        safetensors_close(&st);
    }
    char *index = cJSON_PrintUnformatted(root);
    FILE *out = fopenCheck(tmp, "wb");
    fwriteCheck(index, 1, strlen(index) + 1, out); // (with its NUL)
    for (int s = 0; s < 2; s++) {
        ZipEntries z;
        zip_read(&z, src[s]);
        if (s == 1) { fputc(0, out); }
        write_entries(out, &z);
        zip_free(&z);
    }
    fcloseCheck(out);
    cJSON_free(index);
    cJSON_Delete(root);
    write_seed("torch", name, &control, 1, tmp);
}

// the seeds of fuzz_torch, from files torch wrote (we have no writer of that format): the whole file
// (mode 0), and its entries in the harness's [name length][name][data length][data] form (mode 1, and with
// control bit 2: zipped without CRC-32s); two files as the shards of a sharded checkpoint (control bit 4)
static void torch_seeds(const char *tmp) {
    const char *src = "test/fixtures/torch/small.bin"; // (dev/ref/make_torch_fixture.py)
    FILE *in = fopenCheck(src, "rb");
    FILE *out = fopenCheck(tmp, "wb");
    int c;
    while ((c = fgetc(in)) != EOF) { fputc(c, out); }
    fcloseCheck(in);
    fcloseCheck(out);
    uint8_t control = 0;
    write_seed("torch", "small_file", &control, 1, tmp);
    ZipEntries z;
    zip_read(&z, src);
    for (int without_crc = 0; without_crc <= 1; without_crc++) { // (control 3: zipped with every CRC-32 field 0)
        out = fopenCheck(tmp, "wb");
        write_entries(out, &z);
        fcloseCheck(out);
        control = without_crc ? 3 : 1;
        write_seed("torch", without_crc ? "small_entries_without_crc" : "small_entries", &control, 1, tmp);
    }
    zip_free(&z);
    // small.bin's tensors in the first shard, param_state.bin's w (torch 2.x's Parameter pickle) in the second;
    // the second without CRC-32s (control bit 8); many_p5.bin's (protocol 5, a storage of 40 views) in the second
    torch_sharded_seed(tmp, "sharded", 4, src, "test/fixtures/torch/param_state.bin");
    torch_sharded_seed(tmp, "sharded_second_without_crc", 4 | 8, src, "test/fixtures/torch/param_state.bin");
    torch_sharded_seed(tmp, "sharded_many_p5", 4, src, "test/fixtures/torch/many_p5.bin");
}
#endif

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]); return 1; }
    snprintf(out_dir, sizeof(out_dir), "%s", argv[1]);
    make_dir_if_missing(out_dir);
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s/make_seeds.tmp", out_dir);

    // shards: 200 tokens (byte-level, < 256), loader settings in the 8 control bytes
    uint16_t tokens[200];
    for (int i = 0; i < 200; i++) { tokens[i] = (uint16_t)((i * 37 + 11) % 256); }
    struct { const char *name; uint8_t c[8]; } shards[] = {
        {"b2_t4", {0x01 | (3 << 2), 0x00, 1, 7, 0, 0, 0, 0}},              // B=2 T=4, vocab 258
        {"b1_t8_p2_shuffle_two", {0x00 | (7 << 2), 0x01 | (1 << 2) | 0x10 | 0x20, 1, 42, 0, 0, 0, 0}},
        {"b4_t16_p3_resume", {0x03 | (15 << 2), 0x02 | 0x80 | 0x20 | 0x10, 255, 3, 1, 1, 0, 0}},
        {"b1_t1_fixcount", {0x00, 0x40, 1, 0, 0, 0, 0, 0}},
    };
    for (size_t i = 0; i < sizeof(shards) / sizeof(shards[0]); i++) {
        write_token_shard(tmp, tokens, 200);
        write_seed("dataloader", shards[i].name, shards[i].c, 8, tmp);
    }

    // tokenizers: version 1, version 2 with an end-of-text token
    tokenizer_file(tmp, 1, 0, 12);
    write_seed("tokenizer", "v1", NULL, 0, tmp);
    tokenizer_file(tmp, 2, 11, 12);
    write_seed("tokenizer", "v2_eot", NULL, 0, tmp);
    tokenizer_file(tmp, 2, 0, 1);
    write_seed("tokenizer", "v2_one_token", NULL, 0, tmp);

    // model: d8:l1:v8, and d8:l2:v13 (padded vocabulary) with non-default N, K and R
    MambaConfig c;
    config_fill_defaults(&c, 8, 1, 8);
    for (int k = 0; k < 2; k++) {
        if (k == 1) { config_from_descriptor("d8:l2:v13:n4:k3:r2:e1", &c); }
        size_t sizes[NUM_PARAMETER_TENSORS];
        size_t n = fill_in_parameter_sizes(sizes, &c);
        float *params = (float *)mallocCheck(n * sizeof(float));
        init_parameters(params, sizes, &c, 1337);
        save_model_file(tmp, &c, params, n);
        free(params);
        uint8_t none = 0, fix = 3;
        write_seed("model", k == 0 ? "d8_l1_v8" : "d8_l2_v13_n4_k3_r2", &none, 1, tmp);
        if (k == 1) {
            // the same file, control byte asking for the count and CRC rewrites
            params = (float *)mallocCheck(n * sizeof(float));
            init_parameters(params, sizes, &c, 7);
            save_model_file(tmp, &c, params, n);
            free(params);
            write_seed("model", "d8_l2_v13_fixups", &fix, 1, tmp);
        }
    }

    // state for d8:l1:v8 (the size the state harness fixes)
    config_fill_defaults(&c, 8, 1, 8);
    size_t sizes[NUM_PARAMETER_TENSORS];
    size_t n = fill_in_parameter_sizes(sizes, &c);
    float *m = (float *)mallocCheck(n * sizeof(float));
    float *v = (float *)mallocCheck(n * sizeof(float));
    for (size_t i = 0; i < n; i++) { m[i] = 0.001f * (float)i; v[i] = 1e-6f * (float)(i % 17); }
    TrainState s = {.step = 12, .max_steps = 20, .B = 2, .T = 32, .total_batch_size = 64, .seed = 1337, .data_kind = 1, .data_processes = 1, .best_step = -1,
                    .epoch = 1, .shard = 0, .sample = 5, .rng = 0x123456789abcdefull,
                    .lr = 2e-3f, .warmup = 20, .final_lr_frac = 0.1f, .schedule = 1, .lr_decay_frac = 0.2f, .weight_decay = 0.1f,
                    .grad_clip = 1.0f, .consecutive_skips = 1}; // (version 5's optimizer flags: a valid record, so the fuzzer gets past it)
    s.loss_window.count = s.norm_window.count = s.loss_window.next = s.norm_window.next = 40; // (version 6's -sl / -sg windows)
    for (int i = 0; i < 40; i++) { s.loss_window.values[i] = 4.0 - 0.01 * i; s.norm_window.values[i] = 1.0 + 0.02 * i; }
    save_state_file(tmp, &s, m, v, n);
    uint8_t none = 0, fix = 7;
    write_seed("state", "d8_l1_v8", &none, 1, tmp);
    save_state_file(tmp, &s, m, v, n);
    write_seed("state", "d8_l1_v8_fixups", &fix, 1, tmp);
    { // the same as version 5 wrote it: no windows after v
        save_state_file(tmp, &s, m, v, n);
        FILE *fp = fopenCheck(tmp, "r+b");
        int header[HEADER_INTS];
        freadCheck(header, sizeof(int), HEADER_INTS, fp);
        header[1] = 5;
        header[STATE_HEADER_CRC] = (int)header_crc(header, HEADER_INTS, STATE_HEADER_CRC);
        fseekCheck(fp, 0, SEEK_SET);
        fwriteCheck(header, sizeof(int), HEADER_INTS, fp);
        fcloseCheck(fp);
        if (truncate(tmp, (off_t)(HEADER_INTS * sizeof(int) + 2 * n * sizeof(float))) != 0) { fatalf("truncating %s", tmp); }
        write_seed("state", "d8_l1_v8_version5", &none, 1, tmp);
    }
    free(m);
    free(v);
    // multiple-choice eval files: 3 examples of byte tokens (one context longer than the row), and a single one
    {
        uint16_t stream[200];
        size_t k = 0;
        int longest = 0;
        const int shape[3][4] = {{2, 5, 3, 2}, {4, 40, 1, 6}, {3, 1, 2, 2}}; // completions, context, two lengths
        for (int e = 0; e < 3; e++) {
            size_t first = k;
            stream[k++] = 65535;
            k++;
            stream[k++] = (uint16_t)e;
            stream[k++] = (uint16_t)(e % shape[e][0]);
            stream[k++] = (uint16_t)shape[e][0];
            stream[k++] = (uint16_t)shape[e][1];
            for (int i = 0; i < shape[e][1]; i++) { stream[k++] = (uint16_t)(97 + (i * 7 + e) % 26); }
            for (int c = 0; c < shape[e][0]; c++) {
                int m = shape[e][2 + c % 2];
                stream[k++] = (uint16_t)m;
                for (int i = 0; i < m; i++) { stream[k++] = (uint16_t)(32 + (c * 5 + i) % 90); }
            }
            stream[first + 1] = (uint16_t)((k - first) * 2);
            longest = (int)(k - first) * 2 > longest ? (int)(k - first) * 2 : longest;
            if (e == 0) { // the first example alone as a file of its own
                const uint8_t control[4] = {2, 31, 1, 31}; // B=4 T=32 V=258, chunk 32
                mc_seed(tmp, "one_example", control, 1, 1, longest, stream, k);
            }
        }
        const uint8_t control[4] = {4, 15, 1, 7}; // B=6 T=16 V=258, chunk 8: the 40-token context is cut
        mc_seed(tmp, "three_examples_cut", control, 1, 3, longest, stream, k);
    }
    const uint8_t control[4] = {2, 31, 1, 31}; // B=4 T=32 V=258, chunk 32
    // clozes of the least size (9 uint16: one context token, one completion token) around an example of two choices,
    // and one cloze alone
    const uint16_t clozes[] = {65535, 18, 0, 0, 1, 1, 'a', 1, 'b', 65535, 22, 1, 1, 2, 1, 'c', 1, 'd', 1, 'e',
                               65535, 18, 2, 0, 1, 1, 'f', 1, 'g', 65535, 18, 3, 0, 1, 1, 'h', 1, ' '};
    mc_seed(tmp, "short_clozes", control, 1, 4, 22, clozes, sizeof(clozes) / sizeof(clozes[0]));
    mc_seed(tmp, "one_cloze", control, 1, 1, 18, clozes, 9);
    // a version 2 eval file: two choices whose first tokens are context (WinoGrande's), then a cloze that skips one
    const uint16_t skips[] = {65535, 42, 0, 1, 2, 3, 'T', 'h', 'e',                  // 21 uint16: context "The",
                              5, 2, ' ', 'c', 'a', 't', ' ', 3, 1, ' ', 'a', 'x', //   " c" + "at ", " " + "ax"
                              65535, 32, 1, 0, 1, 4, 'a', ' ', 'b', 'c', 4, 1, 'd', ' ', 'e', 'f'}; // 16: a cloze
    mc_seed(tmp, "version2_skips", control, 2, 2, 42, skips, sizeof(skips) / sizeof(skips[0]));
    // version 2 without shared context (a WinoGrande sentence that begins with the blank)
    const uint16_t no_ctx[] = {65535, 34, 0, 0, 2, 0, 3, 1, 'H', 'e', ' ', 4, 2, 'S', 'h', 'e', ' '}; // 17 uint16 (34 bytes)
    mc_seed(tmp, "version2_no_context", control, 2, 1, 34, no_ctx, sizeof(no_ctx) / sizeof(no_ctx[0]));
#ifdef FUZZ_HF
    hf_seeds(tmp);
    torch_seeds(tmp);
    bpe_seed(tmp, "string_merges", 0, 0, "the other there<|endoftext|>  they're 42\n\tx\xc3\xa9!");
    bpe_seed(tmp, "pair_merges_prefix_space", 1, 1, "hello there, the end<|endoftext|>the");
#endif
    return 0;
}
