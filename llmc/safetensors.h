/*
Reading and writing safetensors files (the Hugging Face checkpoint format), header-only C that
also compiles as C++. The format, all little-endian:

    uint64 N                 length of the JSON header in bytes
    N bytes of JSON          {"name": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]},
                              ..., "__metadata__": {"key": "value", ...}}   (may be padded with spaces)
    data section             every tensor's bytes, row-major, at [begin, end) relative to the section start

The reader trusts nothing in the file: before any tensor byte is read, the header length is checked
against the file size, the header must be one JSON object, every entry must have a supported dtype
(F32, BF16, F16), a shape of non-negative integers whose byte size matches its offsets, offsets
inside the data section, and the tensors must tile the data section without gaps or overlaps (as the
reference `safetensors` library requires). Any violation is a one-line fatalf naming the file.
Tensors come back as fp32 whatever their stored dtype.

A sharded checkpoint is a `model.safetensors.index.json`, {"weight_map": {tensor name: shard file}},
next to its shard files; safetensors_open_index opens all shards as one tensor collection.

The writer produces one file of F32 or BF16 (round to nearest even) tensors from fp32 arrays,
header padded with spaces to a multiple of 8, written atomically (temp file + rename).
*/
#ifndef SAFETENSORS_H
#define SAFETENSORS_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "utils.h"

#define SAFETENSORS_MAX_DIMS 8
#define SAFETENSORS_MAX_HEADER_BYTES (100ull << 20)
#define SAFETENSORS_MAX_SHARDS 4096

typedef enum { SAFETENSORS_F32 = 0, SAFETENSORS_BF16 = 1, SAFETENSORS_F16 = 2 } SafetensorsDtype;

typedef struct {
    char *name;
    SafetensorsDtype dtype;
    int ndim;
    size_t shape[SAFETENSORS_MAX_DIMS];
    size_t numel;
    uint64_t begin, end; // byte range inside its file's data section
    int file;            // index into Safetensors.files
    int checksum;        // index into Safetensors.checksums, or -1 (a safetensors file has no checksums)
} SafetensorsTensor;

/*
A stretch of a file whose CRC-32 is known: a PyTorch checkpoint's storage (llmc/torch_zip.h), which holds one
tensor or several. The first read of a tensor inside it reads the whole stretch and checks the CRC on the way,
so that each byte is read once, and a stretch that no tensor is read from is not read at all.
*/
typedef struct {
    char *name;          // what an error calls it ("zip entry 'archive/data/0'")
    uint64_t begin, end; // byte range inside its file's data section
    uint32_t crc;
    int checked;         // read whole, and it matched
} SafetensorsChecksum;

typedef struct {
    char *path;
    FILE *fp;
    uint64_t data_start; // 8 + header length
    uint64_t data_size;
} SafetensorsFile;

typedef struct {
    SafetensorsFile *files;
    int num_files;
    SafetensorsTensor *tensors;
    int num_tensors;
    int *sorted; // tensor indices sorted by name, for lookup
    SafetensorsChecksum *checksums;
    int num_checksums;
} Safetensors;

// ----------------------------------------------------------------------------
// number formats

static inline const char *safetensors_dtype_name(SafetensorsDtype dtype) {
    switch (dtype) {
        case SAFETENSORS_F32: return "F32";
        case SAFETENSORS_BF16: return "BF16";
        case SAFETENSORS_F16: return "F16";
    }
    return "?";
}

static inline size_t safetensors_dtype_size(SafetensorsDtype dtype) { return dtype == SAFETENSORS_F32 ? 4 : 2; }

static inline float safetensors_bits_to_f32(uint32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

static inline uint32_t safetensors_f32_to_bits(float f) {
    uint32_t bits;
    memcpy(&bits, &f, sizeof(bits));
    return bits;
}

// bf16 is the top half of an fp32, so widening is exact (NaN payloads and infinities included)
static inline float safetensors_bf16_to_f32(uint16_t h) { return safetensors_bits_to_f32((uint32_t)h << 16); }

// round to nearest, ties to even; NaN stays a (quiet) NaN of the same sign
static inline uint16_t safetensors_f32_to_bf16(float f) {
    uint32_t bits = safetensors_f32_to_bits(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) { return (uint16_t)((bits >> 16) | 0x0040u); }
    // adding 0x7fff rounds up past the halfway point; the extra lsb of the kept part breaks ties to even.
    // A carry out of the mantissa correctly bumps the exponent (up to infinity for the largest values).
    uint32_t lsb = (bits >> 16) & 1u;
    return (uint16_t)((bits + 0x7fffu + lsb) >> 16);
}

// IEEE half: 1 sign, 5 exponent (bias 15), 10 mantissa bits; every half is exactly an fp32
static inline float safetensors_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0x1f) {             // infinity or NaN: keep the payload
        bits = sign | 0x7f800000u | (mant << 13);
    } else if (exp != 0) {         // normal: rebias the exponent 15 -> 127
        bits = sign | ((exp + 112u) << 23) | (mant << 13);
    } else if (mant == 0) {        // signed zero
        bits = sign;
    } else {                       // subnormal mant * 2^-24: shift until the implicit 1 appears
        uint32_t e = 113;          // exponent of 2^-14, the smallest normal half, in fp32 bias
        while ((mant & 0x400u) == 0) { mant <<= 1; e--; }
        bits = sign | (e << 23) | ((mant & 0x3ffu) << 13);
    }
    return safetensors_bits_to_f32(bits);
}

static inline uint64_t safetensors_load_u64le_(const unsigned char *b) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) { v = (v << 8) | b[i]; }
    return v;
}

// ----------------------------------------------------------------------------
// reader

// a JSON number that is a non-negative integer exactly representable as a double
static inline int safetensors_json_uint_(const cJSON *item, uint64_t *out) {
    if (!cJSON_IsNumber(item)) { return 0; }
    double d = item->valuedouble;
    if (!(d >= 0.0 && d <= 9007199254740992.0) || d != floor(d)) { return 0; }
    *out = (uint64_t)d;
    return 1;
}

static inline char *safetensors_strdup_(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = (char *)mallocCheck(n);
    memcpy(p, s, n);
    return p;
}

// one more file of the set (a shard, or a PyTorch checkpoint's zip): its tensors' data lie at data_start..+data_size;
// returns its index in st->files
static inline int safetensors_append_file_(Safetensors *st, const char *path, FILE *fp, uint64_t data_start, uint64_t data_size) {
    int file = st->num_files;
    SafetensorsFile *grown = (SafetensorsFile *)realloc(st->files, (size_t)(file + 1) * sizeof(SafetensorsFile));
    if (grown == NULL) { fatalf("%s: out of memory", path); }
    st->files = grown;
    st->files[file].path = safetensors_strdup_(path);
    st->files[file].fp = fp;
    st->files[file].data_start = data_start;
    st->files[file].data_size = data_size;
    st->num_files++;
    return file;
}

// "[2, 3, 4]" into buf
static inline const char *safetensors_shape_str(char *buf, size_t cap, int ndim, const size_t *shape) {
    size_t len = 0;
    buf[0] = '\0';
    len += (size_t)snprintf(buf + len, cap - len, "[");
    for (int i = 0; i < ndim && len < cap; i++) {
        len += (size_t)snprintf(buf + len, cap - len, i ? ", %zu" : "%zu", shape[i]);
    }
    if (len < cap) { snprintf(buf + len, cap - len, "]"); }
    return buf;
}

// names end up in error messages: keep them to one printable line of sane length
static inline void safetensors_check_name_(const char *path, const char *what, const char *s) {
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f || n >= 1024) {
            fatalf("%s: a %s is longer than 1024 bytes or has control characters (byte %zu)", path, what, n);
        }
    }
    if (n == 0) { fatalf("%s: empty %s", path, what); }
}

static const Safetensors *safetensors_sort_ctx_; // qsort has no context argument

// by name, then by place in the list: of a name twice, the one added first sorts first (errors name the later file)
static inline int safetensors_cmp_name_(const void *a, const void *b) {
    const SafetensorsTensor *t = safetensors_sort_ctx_->tensors;
    int i = *(const int *)a, j = *(const int *)b, c = strcmp(t[i].name, t[j].name);
    return c != 0 ? c : (i > j) - (i < j);
}

static inline int safetensors_cmp_offset_(const void *a, const void *b) {
    const SafetensorsTensor *t = safetensors_sort_ctx_->tensors;
    const SafetensorsTensor *x = &t[*(const int *)a], *y = &t[*(const int *)b];
    if (x->begin != y->begin) { return x->begin < y->begin ? -1 : 1; }
    if (x->end != y->end) { return x->end < y->end ? -1 : 1; }
    return 0;
}

// parses one tensor entry of the header of `path` and appends it
static inline void safetensors_add_entry_(Safetensors *st, int file, const char *path, const cJSON *item,
                                          int *capacity) {
    const char *name = item->string;
    if (name == NULL) { fatalf("%s: header has a tensor without a name", path); }
    safetensors_check_name_(path, "tensor name", name);
    if (!cJSON_IsObject(item)) { fatalf("%s: tensor '%s': header entry is not a JSON object", path, name); }
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!cJSON_IsString(dtype) || dtype->valuestring == NULL) {
        fatalf("%s: tensor '%s': missing or non-string \"dtype\"", path, name);
    }
    SafetensorsTensor t;
    memset(&t, 0, sizeof(t));
    t.checksum = -1;
    if (strcmp(dtype->valuestring, "F32") == 0) { t.dtype = SAFETENSORS_F32; }
    else if (strcmp(dtype->valuestring, "BF16") == 0) { t.dtype = SAFETENSORS_BF16; }
    else if (strcmp(dtype->valuestring, "F16") == 0) { t.dtype = SAFETENSORS_F16; }
    else {
        fatalf("%s: tensor '%s' has unknown dtype '%.32s' (supported: F32, BF16, F16)", path, name, dtype->valuestring);
    }
    if (!cJSON_IsArray(shape)) { fatalf("%s: tensor '%s': missing or non-array \"shape\"", path, name); }
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > SAFETENSORS_MAX_DIMS) {
        fatalf("%s: tensor '%s' has %d dimensions (at most %d supported)", path, name, ndim, SAFETENSORS_MAX_DIMS);
    }
    t.ndim = ndim;
    t.numel = 1;
    int d = 0;
    const cJSON *dim;
    cJSON_ArrayForEach(dim, shape) {
        uint64_t v;
        if (!safetensors_json_uint_(dim, &v) || v > (uint64_t)SIZE_MAX) {
            fatalf("%s: tensor '%s': shape entry %d is not a non-negative integer", path, name, d);
        }
        t.shape[d++] = (size_t)v;
        if (v != 0 && t.numel > SIZE_MAX / (size_t)v) {
            fatalf("%s: tensor '%s': shape overflows the element count", path, name);
        }
        t.numel *= (size_t)v;
    }
    size_t esize = safetensors_dtype_size(t.dtype);
    if (t.numel > SIZE_MAX / esize) { fatalf("%s: tensor '%s': shape overflows the byte count", path, name); }
    size_t nbytes = t.numel * esize;
    if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2 ||
        !safetensors_json_uint_(cJSON_GetArrayItem(offsets, 0), &t.begin) ||
        !safetensors_json_uint_(cJSON_GetArrayItem(offsets, 1), &t.end)) {
        fatalf("%s: tensor '%s': \"data_offsets\" must be [begin, end] with non-negative integers", path, name);
    }
    if (t.begin > t.end) {
        fatalf("%s: tensor '%s': data_offsets [%llu, %llu] has begin after end", path, name,
               (unsigned long long)t.begin, (unsigned long long)t.end);
    }
    const SafetensorsFile *f = &st->files[file];
    if (t.end > f->data_size) {
        fatalf("%s: tensor '%s': data_offsets [%llu, %llu] run past the %llu-byte data section (truncated file?)",
               path, name, (unsigned long long)t.begin, (unsigned long long)t.end, (unsigned long long)f->data_size);
    }
    if (t.end - t.begin != (uint64_t)nbytes) {
        char sbuf[256];
        fatalf("%s: tensor '%s': size mismatch: %s %s needs %zu bytes but data_offsets span %llu", path, name,
               safetensors_dtype_name(t.dtype), safetensors_shape_str(sbuf, sizeof(sbuf), t.ndim, t.shape), nbytes,
               (unsigned long long)(t.end - t.begin));
    }
    t.name = safetensors_strdup_(name);
    t.file = file;
    if (st->num_tensors == *capacity) {
        *capacity = *capacity ? 2 * *capacity : 64;
        SafetensorsTensor *grown = (SafetensorsTensor *)realloc(st->tensors, (size_t)*capacity * sizeof(SafetensorsTensor));
        if (grown == NULL) { fatalf("%s: out of memory for %d tensor entries", path, *capacity); }
        st->tensors = grown;
    }
    st->tensors[st->num_tensors++] = t;
}

// What a JSON text may not hold, though cJSON reads it (safetensors_json_bad_byte_at finds the first):
// - a NUL, as a byte or as the escape \u0000: a NUL ends a string in cJSON's C strings, so a name or value that holds
//   one would load cut short ("D\u0000x" as D, a token "a\u0000b" as a) where Python's readers see the whole;
// - a raw control character (a byte below 0x20) inside a string, or one other than tab, newline and carriage return
//   between tokens: RFC 8259 allows neither (a string holds one only escaped: \t, \n, \u0001), and the readers of the
//   files we take in refuse them (Python's json, the Rust serde_json of safetensors and tokenizers), so a file with one
//   came from no conforming writer and would load here alone. (Escaped, such characters are valid and kept.)
typedef enum { JSON_BYTES_OK, JSON_NUL_BYTE, JSON_ESCAPED_NUL, JSON_RAW_CONTROL_IN_STRING, JSON_CONTROL_BETWEEN_TOKENS } JsonBadByte;

// where a JSON text holds the first byte of one of the above (*kind says which; an escaped NUL: where its backslash
// is, after an odd run of backslashes, as "\\u0000" is an escaped backslash and the text u0000), or len if nowhere.
// Strings are followed as cJSON reads them (a quote ends one unless escaped); text[len] must be '\0'
static inline size_t safetensors_json_bad_byte_at(const char *text, size_t len, JsonBadByte *kind) {
    int in_string = 0, escaped = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        *kind = JSON_BYTES_OK;
        if (c == 0) { *kind = JSON_NUL_BYTE; }
        else if (c < 0x20 && in_string) { *kind = JSON_RAW_CONTROL_IN_STRING; }
        else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') { *kind = JSON_CONTROL_BETWEEN_TOKENS; }
        if (*kind != JSON_BYTES_OK) { return i; }
        if (escaped) { escaped = 0; } // (the character after a backslash: a quote or backslash there ends nothing)
        else if (in_string && c == '\\') {
            if (strncmp(text + i + 1, "u0000", 5) == 0) {
                *kind = JSON_ESCAPED_NUL;
                return i;
            }
            escaped = 1;
        } else if (c == '"') { in_string = !in_string; }
    }
    *kind = JSON_BYTES_OK;
    return len;
}

// refuses a JSON text that holds one of the above in one line, naming path, where (what: "the header", "the file") and
// the byte, before it is parsed
static inline void safetensors_check_json_bytes_(const char *path, const char *what, const char *text, size_t len) {
    JsonBadByte kind;
    size_t at = safetensors_json_bad_byte_at(text, len, &kind);
    unsigned char c = at < len ? (unsigned char)text[at] : 0;
    if (kind == JSON_ESCAPED_NUL) { fatalf("%s: %s holds an escaped NUL character (\\u0000, byte %zu), which would cut its string short", path, what, at); }
    if (kind == JSON_NUL_BYTE) { fatalf("%s: %s holds a NUL byte (byte %zu)", path, what, at); }
    if (kind == JSON_RAW_CONTROL_IN_STRING) {
        fatalf("%s: %s holds a raw control character 0x%02x inside a string (byte %zu): not valid JSON, which allows it only "
               "escaped (\\u%04x)", path, what, c, at, c);
    }
    if (kind == JSON_CONTROL_BETWEEN_TOKENS) {
        fatalf("%s: %s holds a control character 0x%02x between tokens (byte %zu): not valid JSON, whose whitespace is space, "
               "tab, newline and carriage return", path, what, c, at);
    }
}

// opens one safetensors file, validates its header and appends its tensors to st
static inline void safetensors_add_file_(Safetensors *st, const char *path) {
    if (st->num_files >= SAFETENSORS_MAX_SHARDS) { fatalf("%s: more than %d safetensors files", path, SAFETENSORS_MAX_SHARDS); }
    require_regular_file(path);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) { fatalf("cannot open safetensors file '%s': %s", path, strerror(errno)); }
    if (fseek(fp, 0, SEEK_END) != 0) { fatalf("%s: cannot seek: %s", path, strerror(errno)); }
    long size = ftell(fp);
    if (size < 0) { fatalf("%s: cannot determine the file size: %s", path, strerror(errno)); }
    if (size < 8) { fatalf("%s: not a safetensors file: %ld byte%s, shorter than the 8-byte header length", path, size, plural_s(size)); }
    rewind(fp);
    unsigned char len_bytes[8];
    if (fread(len_bytes, 1, 8, fp) != 8) { fatalf("%s: cannot read the header length", path); }
    uint64_t header_len = safetensors_load_u64le_(len_bytes);
    if (header_len > (uint64_t)size - 8) {
        fatalf("%s: header length %llu runs past the end of the file (%ld bytes): truncated or not a safetensors file",
               path, (unsigned long long)header_len, size);
    }
    if (header_len > SAFETENSORS_MAX_HEADER_BYTES) {
        fatalf("%s: header length %llu exceeds the %llu-byte limit", path, (unsigned long long)header_len,
               (unsigned long long)SAFETENSORS_MAX_HEADER_BYTES);
    }
    if (header_len < 2) { fatalf("%s: header length %llu is too short for a JSON object", path, (unsigned long long)header_len); }
    char *header = (char *)mallocCheck((size_t)header_len + 1);
    if (fread(header, 1, (size_t)header_len, fp) != (size_t)header_len) { fatalf("%s: cannot read the header", path); }
    header[header_len] = '\0';
    safetensors_check_json_bytes_(path, "the header", header, (size_t)header_len);
    const char *parse_end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(header, (size_t)header_len, &parse_end, 0);
    if (root == NULL) {
        size_t at = parse_end != NULL && parse_end >= header ? (size_t)(parse_end - header) : 0;
        fatalf("%s: header is not valid JSON (error near byte %zu of %llu)", path, at, (unsigned long long)header_len);
    }
    for (const char *p = parse_end; p != NULL && p < header + header_len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            fatalf("%s: header has trailing bytes after the JSON object (byte %zu)", path, (size_t)(p - header));
        }
    }
    if (!cJSON_IsObject(root)) { fatalf("%s: header is JSON but not an object", path); }

    int file = safetensors_append_file_(st, path, fp, 8 + header_len, (uint64_t)size - 8 - header_len);

    int capacity = st->num_tensors; // grows geometrically from here on
    int first = st->num_tensors;
    const cJSON *item;
    cJSON_ArrayForEach(item, root) {
        if (item->string != NULL && strcmp(item->string, "__metadata__") == 0) {
            if (!cJSON_IsObject(item)) { fatalf("%s: \"__metadata__\" is not a JSON object", path); }
            continue;
        }
        if (st->num_tensors == 0x7fffffff) { fatalf("%s: too many tensors", path); }
        safetensors_add_entry_(st, file, path, item, &capacity);
    }
    cJSON_Delete(root);
    free(header);

    // the tensors must tile the data section exactly: sorted by offset, each begins where the last ended
    int n = st->num_tensors - first;
    int *order = (int *)mallocCheck((size_t)(n > 0 ? n : 1) * sizeof(int));
    for (int i = 0; i < n; i++) { order[i] = first + i; }
    safetensors_sort_ctx_ = st;
    qsort(order, (size_t)n, sizeof(int), safetensors_cmp_offset_);
    uint64_t expect = 0;
    for (int i = 0; i < n; i++) {
        const SafetensorsTensor *t = &st->tensors[order[i]];
        if (i > 0 && strcmp(st->tensors[order[i - 1]].name, t->name) == 0) { // (a repeated JSON key, before it reads as an overlap)
            fatalf("%s: tensor '%s' appears twice in the header", path, t->name);
        }
        if (t->begin != expect) {
            fatalf("%s: tensor '%s' starts at data offset %llu, expected %llu (%s between tensors)", path, t->name,
                   (unsigned long long)t->begin, (unsigned long long)expect, t->begin < expect ? "overlap" : "gap");
        }
        expect = t->end;
    }
    if (expect != st->files[file].data_size) {
        fatalf("%s: tensors cover %llu bytes but the data section has %llu (trailing bytes or truncated file)", path,
               (unsigned long long)expect, (unsigned long long)st->files[file].data_size);
    }
    free(order);
}

// builds the by-name index; duplicate names (within a file or across shards) are an error, said to be in `where`
// (the header; a PyTorch file's state dict, llmc/torch_zip.h)
static inline void safetensors_index_names_(Safetensors *st, const char *where) {
    free(st->sorted);
    st->sorted = (int *)mallocCheck((size_t)(st->num_tensors > 0 ? st->num_tensors : 1) * sizeof(int));
    for (int i = 0; i < st->num_tensors; i++) { st->sorted[i] = i; }
    safetensors_sort_ctx_ = st;
    qsort(st->sorted, (size_t)st->num_tensors, sizeof(int), safetensors_cmp_name_);
    for (int i = 1; i < st->num_tensors; i++) {
        const SafetensorsTensor *a = &st->tensors[st->sorted[i - 1]], *b = &st->tensors[st->sorted[i]];
        if (strcmp(a->name, b->name) == 0) {
            if (a->file == b->file) { fatalf("%s: tensor '%s' appears twice in the %s", st->files[b->file].path, b->name, where); }
            fatalf("%s: tensor '%s' appears twice (also in %s)", st->files[b->file].path, b->name, st->files[a->file].path);
        }
    }
}

// opens a single .safetensors file
static inline void safetensors_open(Safetensors *st, const char *path) {
    memset(st, 0, sizeof(*st));
    safetensors_add_file_(st, path);
    safetensors_index_names_(st, "header");
}

// the tensor called `name`, or NULL
static inline const SafetensorsTensor *safetensors_find(const Safetensors *st, const char *name) {
    int lo = 0, hi = st->num_tensors - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const SafetensorsTensor *t = &st->tensors[st->sorted[mid]];
        int c = strcmp(name, t->name);
        if (c == 0) { return t; }
        if (c < 0) { hi = mid - 1; } else { lo = mid + 1; }
    }
    return NULL;
}

static inline const char *safetensors_tensor_path(const Safetensors *st, const SafetensorsTensor *t) {
    return st->files[t->file].path;
}

// n stored elements of dtype from b into out as fp32
static inline void safetensors_convert_(SafetensorsDtype dtype, const unsigned char *b, size_t n, float *out) {
    size_t esize = safetensors_dtype_size(dtype);
    for (size_t i = 0; i < n; i++, b += esize) {
        if (dtype == SAFETENSORS_F32) {
            uint32_t bits = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
            out[i] = safetensors_bits_to_f32(bits);
        } else {
            uint16_t h = (uint16_t)(b[0] | b[1] << 8);
            out[i] = dtype == SAFETENSORS_BF16 ? safetensors_bf16_to_f32(h) : safetensors_f16_to_f32(h);
        }
    }
}

/*
Reads all t->numel elements of t into out as fp32. The first read from a checksummed stretch reads all of
it and checks its CRC-32: a mismatch is a fatalf after the read, when out may already hold some of the values,
so a caller hands out what it reads only once every read has returned (hf_load_model does). Tensors that
share a stretch each read their own bytes again after the first (in a mamba_ssm checkpoint only a tied head
shares the embedding's, and a tied head is not read).
*/
static inline void safetensors_read_f32(Safetensors *st, const SafetensorsTensor *t, float *out) {
    const SafetensorsFile *f = &st->files[t->file];
    SafetensorsChecksum *sum = t->checksum >= 0 && !st->checksums[t->checksum].checked ? &st->checksums[t->checksum] : NULL;
    size_t esize = safetensors_dtype_size(t->dtype);
    uint64_t from = t->begin, to = t->end; // the bytes read: the tensor's, or its whole stretch
    if (sum != NULL) {
        // (the tensor must start a whole number of elements into it: the pieces below, a multiple of 4 bytes, cut none)
        if (t->begin < sum->begin || t->end > sum->end || (t->begin - sum->begin) % esize != 0) {
            fatalf("%s: tensor '%s' does not lie on the elements of %s", f->path, t->name, sum->name);
        }
        from = sum->begin;
        to = sum->end;
    }
    uint64_t offset = f->data_start + from;
    if (offset > (uint64_t)0x7fffffffffffffffull || fseek(f->fp, (long)offset, SEEK_SET) != 0) {
        fatalf("%s: tensor '%s': cannot seek to byte %llu", f->path, t->name, (unsigned long long)offset);
    }
    enum { PIECE = 1 << 18 };
    unsigned char *buf = (unsigned char *)mallocCheck(PIECE);
    uint32_t crc = 0;
    for (uint64_t at = from; at < to;) {
        size_t n = to - at < (uint64_t)PIECE ? (size_t)(to - at) : (size_t)PIECE;
        if (fread(buf, 1, n, f->fp) != n) {
            fatalf("%s: tensor '%s': short read (file truncated or changed while reading)", f->path, t->name);
        }
        if (sum != NULL) { crc = crc32_update(crc, buf, n); }
        uint64_t lo = at > t->begin ? at : t->begin, hi = at + n < t->end ? at + n : t->end; // the tensor's part of the piece
        if (lo < hi) { safetensors_convert_(t->dtype, buf + (lo - at), (size_t)((hi - lo) / esize), out + (lo - t->begin) / esize); }
        at += n;
    }
    free(buf);
    if (sum != NULL) {
        if (crc != sum->crc) {
            fatalf("%s: %s fails its CRC-32 check (0x%08x, the file says 0x%08x): the file is corrupt (read for tensor '%s')",
                   f->path, sum->name, crc, sum->crc, t->name);
        }
        sum->checked = 1;
    }
}

static inline void safetensors_close(Safetensors *st) {
    for (int i = 0; i < st->num_files; i++) {
        fclose(st->files[i].fp);
        free(st->files[i].path);
    }
    for (int i = 0; i < st->num_tensors; i++) { free(st->tensors[i].name); }
    for (int i = 0; i < st->num_checksums; i++) { free(st->checksums[i].name); }
    free(st->files);
    free(st->tensors);
    free(st->sorted);
    free(st->checksums);
    memset(st, 0, sizeof(*st));
}

// reads a whole (small) text file such as a JSON index or config; NUL-terminated, *len excludes the NUL
static inline char *safetensors_read_text_(const char *path, size_t max_bytes, size_t *len) {
    require_regular_file(path);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) { fatalf("cannot open '%s': %s", path, strerror(errno)); }
    if (fseek(fp, 0, SEEK_END) != 0) { fatalf("%s: cannot seek: %s", path, strerror(errno)); }
    long size = ftell(fp);
    if (size < 0) { fatalf("%s: cannot determine the file size", path); }
    if ((unsigned long)size > max_bytes) { fatalf("%s: %ld bytes, larger than the %zu-byte limit", path, size, max_bytes); }
    rewind(fp);
    char *text = (char *)mallocCheck((size_t)size + 1);
    if (fread(text, 1, (size_t)size, fp) != (size_t)size) { fatalf("%s: short read", path); }
    text[size] = '\0';
    fclose(fp);
    *len = (size_t)size;
    return text;
}

static int safetensors_cmp_key_(const void *a, const void *b) {
    return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

// a key twice in one object of a JSON file is refused: cJSON would read the first, Python's json the
// last, so the two would load different things (sorted keys compared pairwise, so big objects stay cheap)
static inline void safetensors_check_unique_keys_(const char *path, const cJSON *item) {
    for (const cJSON *child = item->child; child != NULL; child = child->next) { safetensors_check_unique_keys_(path, child); }
    if (!cJSON_IsObject(item)) { return; }
    size_t n = 0;
    for (const cJSON *child = item->child; child != NULL; child = child->next) { n++; }
    if (n < 2) { return; }
    const cJSON **keys = (const cJSON **)mallocCheck(n * sizeof(*keys));
    n = 0;
    for (const cJSON *child = item->child; child != NULL; child = child->next) { keys[n++] = child; }
    qsort(keys, n, sizeof(*keys), safetensors_cmp_key_);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(keys[i - 1]->string, keys[i]->string) == 0) { fatalf("%s: key \"%s\" appears twice in one object", path, keys[i]->string); }
    }
    free(keys);
}

// parses a JSON file that must hold one object (and no NUL or raw control character: safetensors_check_json_bytes_)
static inline cJSON *safetensors_read_json_object(const char *path, size_t max_bytes) {
    size_t len;
    char *text = safetensors_read_text_(path, max_bytes, &len);
    safetensors_check_json_bytes_(path, "the file", text, len);
    const char *parse_end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &parse_end, 0);
    if (root == NULL) {
        size_t at = parse_end != NULL && parse_end >= text ? (size_t)(parse_end - text) : 0;
        fatalf("%s: not valid JSON (error near byte %zu)", path, at);
    }
    for (const char *p = parse_end; p != NULL && p < text + len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            fatalf("%s: trailing bytes after the JSON value (byte %zu)", path, (size_t)(p - text));
        }
    }
    if (!cJSON_IsObject(root)) { fatalf("%s: expected a JSON object", path); }
    safetensors_check_unique_keys_(path, root);
    free(text);
    return root;
}

/*
Opens a sharded checkpoint from its index file. Shard names must be plain file names in the
index's directory (no '/', '\\' or ".."). Every weight_map entry must be found in the shard it
names, and every tensor of every shard must be listed in weight_map under that shard. add_file
appends one shard's tensors (safetensors_add_file_, or llmc/torch_zip.h's for pytorch_model-*.bin
shards); `where` names what lists a shard's tensors in the error for a name twice in one shard.
*/
static inline void safetensors_open_index_of_(Safetensors *st, const char *index_path,
                                              void (*add_file)(Safetensors *, const char *), const char *where) {
    memset(st, 0, sizeof(*st));
    cJSON *root = safetensors_read_json_object(index_path, SAFETENSORS_MAX_HEADER_BYTES);
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    if (!cJSON_IsObject(map)) { fatalf("%s: missing or non-object \"weight_map\"", index_path); }
    size_t dir_len = 0;
    const char *slash = strrchr(index_path, '/');
    if (slash != NULL) { dir_len = (size_t)(slash - index_path) + 1; }

    const cJSON *entry;
    int num_entries = 0;
    cJSON_ArrayForEach(entry, map) {
        const char *shard = cJSON_IsString(entry) ? entry->valuestring : NULL;
        safetensors_check_name_(index_path, "tensor name", entry->string);
        if (shard == NULL) { fatalf("%s: weight_map entry '%s' is not a file name string", index_path, entry->string); }
        safetensors_check_name_(index_path, "shard name", shard);
        if (shard[0] == '\0' || strchr(shard, '/') != NULL || strchr(shard, '\\') != NULL || strstr(shard, "..") != NULL) {
            fatalf("%s: shard name '%.200s' for tensor '%.200s' is not a plain file name (no '/', '\\' or '..' allowed)",
                   index_path, shard, entry->string);
        }
        if (dir_len + strlen(shard) + 1 > 4096) { fatalf("%s: shard name '%.200s' too long", index_path, shard); }
        num_entries++;
        int known = 0;
        for (int f = 0; f < st->num_files && !known; f++) {
            known = strcmp(st->files[f].path + dir_len, shard) == 0;
        }
        if (!known) {
            char path[4096];
            snprintf(path, sizeof(path), "%.*s%s", (int)dir_len, index_path, shard);
            add_file(st, path);
        }
    }
    if (num_entries == 0) { fatalf("%s: weight_map is empty", index_path); }
    safetensors_index_names_(st, where);
    if (st->num_tensors != num_entries) {
        // some shard tensor is missing from weight_map, or listed twice (duplicates fail below anyway)
        for (int i = 0; i < st->num_tensors; i++) {
            if (cJSON_GetObjectItemCaseSensitive(map, st->tensors[i].name) == NULL) {
                fatalf("%s: tensor '%s' is not listed in %s", st->files[st->tensors[i].file].path, st->tensors[i].name,
                       index_path);
            }
        }
    }
    cJSON_ArrayForEach(entry, map) {
        const SafetensorsTensor *t = safetensors_find(st, entry->string);
        if (t == NULL || strcmp(st->files[t->file].path + dir_len, entry->valuestring) != 0) {
            fatalf("%s: tensor '%s' is listed in weight_map under %s but that shard does not hold it", index_path,
                   entry->string, entry->valuestring);
        }
    }
    if (st->num_tensors != num_entries) { fatalf("%s: weight_map lists a tensor twice", index_path); }
    cJSON_Delete(root);
}

// a sharded model.safetensors: model.safetensors.index.json and the files it names
static inline void safetensors_open_index(Safetensors *st, const char *index_path) {
    safetensors_open_index_of_(st, index_path, safetensors_add_file_, "header");
}

// ----------------------------------------------------------------------------
// writer

typedef struct {
    const char *name;
    const float *data; // numel fp32 values, row-major
    int ndim;
    size_t shape[SAFETENSORS_MAX_DIMS];
} SafetensorsEntry;

// writes the tensors (in the given order) as one file of dtype F32 or BF16, atomically
static inline void safetensors_write(const char *path, const SafetensorsEntry *entries, int num_entries,
                                     SafetensorsDtype dtype) {
    if (dtype != SAFETENSORS_F32 && dtype != SAFETENSORS_BF16) {
        fatalf("%s: safetensors_write supports F32 and BF16, not %s", path, safetensors_dtype_name(dtype));
    }
    size_t esize = safetensors_dtype_size(dtype);
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
    cJSON_AddStringToObject(meta, "format", "pt"); // transformers checks this when it loads the file
    uint64_t offset = 0;
    for (int i = 0; i < num_entries; i++) {
        const SafetensorsEntry *e = &entries[i];
        if (e->ndim < 0 || e->ndim > SAFETENSORS_MAX_DIMS) { fatalf("%s: tensor '%s': bad ndim %d", path, e->name, e->ndim); }
        if (strcmp(e->name, "__metadata__") == 0 || cJSON_GetObjectItemCaseSensitive(root, e->name) != NULL) {
            fatalf("%s: tensor name '%s' is reserved or used twice", path, e->name);
        }
        size_t numel = 1;
        char dims[SAFETENSORS_MAX_DIMS * 24 + 4];
        safetensors_shape_str(dims, sizeof(dims), e->ndim, e->shape);
        for (int d = 0; d < e->ndim; d++) { numel *= e->shape[d]; }
        char range[64];
        snprintf(range, sizeof(range), "[%llu, %llu]", (unsigned long long)offset,
                 (unsigned long long)(offset + numel * esize));
        offset += numel * esize;
        // integers are written as raw text so that large offsets never go through a double
        cJSON *item = cJSON_AddObjectToObject(root, e->name);
        cJSON_AddStringToObject(item, "dtype", safetensors_dtype_name(dtype));
        cJSON_AddItemToObject(item, "shape", cJSON_CreateRaw(dims));
        cJSON_AddItemToObject(item, "data_offsets", cJSON_CreateRaw(range));
    }
    char *json = cJSON_PrintUnformatted(root);
    if (json == NULL) { fatalf("%s: out of memory printing the header", path); }
    size_t json_len = strlen(json);
    size_t header_len = (json_len + 7) / 8 * 8; // keeps the data section 8-byte aligned
    unsigned char len_bytes[8];
    for (int i = 0; i < 8; i++) { len_bytes[i] = (unsigned char)(((uint64_t)header_len >> (8 * i)) & 0xff); }

    AtomicFile af;
    atomic_open(&af, path);
    atomic_fwrite(len_bytes, 1, 8, &af);
    atomic_fwrite(json, 1, json_len, &af);
    const char spaces[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
    atomic_fwrite(spaces, 1, header_len - json_len, &af);
    enum { CHUNK = 1 << 16 };
    unsigned char *buf = (unsigned char *)mallocCheck((size_t)CHUNK * 4);
    for (int i = 0; i < num_entries; i++) {
        const SafetensorsEntry *e = &entries[i];
        size_t numel = 1;
        for (int d = 0; d < e->ndim; d++) { numel *= e->shape[d]; }
        for (size_t done = 0; done < numel;) {
            size_t n = numel - done < (size_t)CHUNK ? numel - done : (size_t)CHUNK;
            for (size_t j = 0; j < n; j++) {
                unsigned char *b = buf + j * esize;
                if (dtype == SAFETENSORS_F32) {
                    uint32_t bits = safetensors_f32_to_bits(e->data[done + j]);
                    b[0] = (unsigned char)bits; b[1] = (unsigned char)(bits >> 8);
                    b[2] = (unsigned char)(bits >> 16); b[3] = (unsigned char)(bits >> 24);
                } else {
                    uint16_t h = safetensors_f32_to_bf16(e->data[done + j]);
                    b[0] = (unsigned char)h; b[1] = (unsigned char)(h >> 8);
                }
            }
            atomic_fwrite(buf, esize, n, &af);
            done += n;
        }
    }
    atomic_commit(&af);
    free(buf);
    cJSON_free(json);
    cJSON_Delete(root);
}

#endif // SAFETENSORS_H
