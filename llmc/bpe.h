/*
Byte-level BPE tokenizer (GPT-2 / GPT-NeoX) from a Hugging Face tokenizer.json, such as the one
shipped with state-spaces/mamba-130m-hf. Header-only C that also compiles as C++.

    BpeTokenizer t;
    bpe_init(&t, "tokenizer.json");
    int n = bpe_encode(&t, "Hello world", ids, cap);   // like snprintf: the full count, at most cap written
    int len = bpe_decode(&t, ids[0], buf, sizeof(buf)); // raw bytes of one token, -1 for an unknown id
    bpe_free(&t);

The parts of tokenizer.json that are used:
    model          {"type": "BPE", "vocab": {token: id, ...},
                    "merges": ["a b", ...] (older files) or [["a", "b"], ...] (newer files),
                    "ignore_merges": bool (optional: a word that is itself a token is not merged)}
    added_tokens   [{"id": id, "content": text, "special": bool}, ...] (optional; the ids as tokenizers gives them, below)
    pre_tokenizer  {"type": "ByteLevel", "add_prefix_space": bool, "use_regex": bool}
    normalizer     null, {"type": "NFC"} (GPT-NeoX's), or a Sequence of NFCs; others are refused
    decoder        {"type": "ByteLevel"} when present
The post_processor, truncation and padding are ignored.

Byte-level symbols: GPT-2 gives each of the 256 byte values a printable character so that vocab
strings are printable. Bytes that print already (! .. ~, U+00A1 .. U+00AC, U+00AE .. U+00FF)
stand for themselves; the other 68 (controls, space, 0x7F .. 0xA0, 0xAD) become U+0100, U+0101,
... in byte order, so space is 'Ġ' (U+0120) and newline 'Ċ' (U+010A). Vocab strings and merges are
turned back into raw bytes once, at load time: encode and decode work on bytes only.

Encoding, as Hugging Face tokenizers does it:
 1. Added tokens (special or not) that occur literally in the text are cut out first, leftmost,
    longest first at one position, and become their ids.
 2. With an NFC normalizer, each remaining piece is put in Unicode normalization form C (UAX #15,
    bpe_nfc_; tables in llmc/unicode_nfc.h, which dev/ref/make_unicode_nfc.py reads off tokenizers'
    own normalizer and checks on every code point). Bytes that are not UTF-8 pass unchanged.
 3. Each remaining piece (with a space in front when add_prefix_space is set and it does not
    start with one) is split into words by GPT-2's regex
        's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    written out by hand in bpe_word_length_.
 4. Each word starts as one token per byte; the adjacent pair with the lowest merge rank (its
    position in model.merges; leftmost among equals) is replaced by the merged token, until no
    adjacent pair has a merge. A heap of candidate pairs makes this O(n log n) in the word length.
The classes are Unicode's: \p{L} general category L*, \p{N} N*, \s the White_Space property, from
llmc/unicode_classes.h, which dev/ref/make_unicode_classes.py reads off HF tokenizers' own splits
(test/test_bpe.c checks 636 texts against tokenizers' words). Bytes that are not well-formed UTF-8
(HF never sees them: it takes strings) are one character each, of class other.
Ignored: added tokens' lstrip / rstrip / single_word / normalized flags (every added token is
matched in the text before normalization, as tokenizers does for normalized: false ones), and BPE
dropout.

Decoding is per token: a vocab token's bytes, or an added token's content as UTF-8.

Added tokens' ids are those Hugging Face tokenizers gives them on loading, whatever id the file names
(a file it wrote names the same; a note on stderr says where one differs): in the file's order, a
content added before keeps its id, a content that is a key of model.vocab takes that key's id, any
other the next id past model.vocab's entries and the added ids so far.

Validation: the file must be one JSON object with a BPE model, a vocab whose ids are distinct
integers in [0, entries in model.vocab + entries in added_tokens), added tokens with a non-empty
content and a non-negative integer id, a token for each of the 256 byte symbols, merges whose two
parts and concatenation are all in the vocab, and a ByteLevel pre-tokenizer. Anything else is a
one-line fatalf naming the file.
*/
#ifndef BPE_H
#define BPE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "utils.h"
#include "safetensors.h"
#include "unicode_classes.h"
#include "unicode_nfc.h"

#define BPE_MAX_JSON_BYTES (1ull << 30)
#define BPE_NUM_SYMBOLS 324  // byte-level symbols are U+0000 .. U+0143 (256 + the 68 remapped bytes)
#define BPE_NO_PAIR UINT64_MAX

// one vocab token by its bytes, for looking tokens up by content
typedef struct {
    int id;     // -1 for a free slot
    int start;  // where its bytes are in token_bytes
    int len;
} BpeSlot;

typedef struct {
    int vocab_size;              // max id + 1 over model.vocab and added_tokens
    int eot_token;               // id of "<|endoftext|>", -1 where there is none
    int *token_start;            // (vocab_size) where each id's bytes start in token_bytes
    int *token_len;              // (vocab_size) bytes of each id, -1 for an id no token has
    unsigned char *token_bytes;  // every token's raw bytes, back to back
    int byte_token[256];         // id of the one-byte token of each byte value
    // merges: open-addressing hash table from (left id, right id) to (rank, merged id)
    size_t merge_cap;            // power of two, at least twice the number of merges
    uint64_t *merge_key;         // (merge_cap) left << 32 | right, BPE_NO_PAIR in a free slot
    int *merge_rank;             // (merge_cap) position in model.merges: lower ranks merge first
    int *merge_id;               // (merge_cap) id of the merged token
    // model.vocab by content (a vocab token's bytes, even where an added token shares its id)
    size_t lookup_cap;           // power of two, at least twice the vocab entries
    BpeSlot *lookup;             // (lookup_cap)
    int num_added;
    int *added;                  // (num_added) added token ids, longest content first
    unsigned char added_first[256];  // 1 for a byte some added token starts with
    int add_prefix_space;        // pre_tokenizer.add_prefix_space (false for GPT-2 and NeoX)
    int use_regex;               // pre_tokenizer.use_regex (false: a whole piece is one word)
    int ignore_merges;           // model.ignore_merges
    int nfc;                     // the normalizer is NFC
} BpeTokenizer;

// ----------------------------------------------------------------------------
// helpers for loading

// a string from the file made safe for a one-line error: at most ~60 bytes, whole characters; printable ASCII but '"'
// and '\\', and well-formed UTF-8 characters, as they are; every other byte as \xNN: controls, bytes of no well-formed
// character, C1 controls and bidirectional formatting characters (utf8_char_escaped), which a terminal would obey
static inline const char *bpe_show_(const char *s, char *buf, size_t cap) {
    size_t n = 0, left = strlen(s);
    for (const unsigned char *p = (const unsigned char *)s; left > 0;) {
        int len = utf8_char_length(p, left);
        if (len <= 0) { len = 1; } // (a byte that starts no character, or one cut short by the string's end)
        const int as_is = len > 1 ? !utf8_char_escaped(p, len) : *p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\';
        if (n >= 60 || n + (as_is ? 1 : 4) * (size_t)len + 4 > cap) {
            memcpy(buf + n, "...", 3);
            n += 3;
            break;
        }
        for (int i = 0; i < len; i++) {
            if (as_is) { buf[n++] = (char)p[i]; } else { n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", p[i]); }
        }
        p += len;
        left -= (size_t)len;
    }
    buf[n] = '\0';
    return buf;
}

static inline int bpe_byte_prints_(int b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

// symbol (unicode code point) -> byte, -1 for a code point that is no byte's symbol
static inline void bpe_symbol_table_(int unicode_to_byte[BPE_NUM_SYMBOLS]) {
    for (int u = 0; u < BPE_NUM_SYMBOLS; u++) { unicode_to_byte[u] = -1; }
    int next = 256;
    for (int b = 0; b < 256; b++) { unicode_to_byte[bpe_byte_prints_(b) ? b : next++] = b; }
}

// a string of byte-level symbols (UTF-8) -> its raw bytes (never more than strlen(s) of them);
// 0 where some character is not a byte symbol
static inline int bpe_symbols_to_bytes_(const int *unicode_to_byte, const char *s, unsigned char *out, int *out_len) {
    const unsigned char *p = (const unsigned char *)s;
    int n = 0;
    while (*p != '\0') {
        int u;
        if (p[0] < 0x80) {
            u = p[0];
            p += 1;
        } else if ((p[0] & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
            u = ((p[0] & 0x1F) << 6) | (p[1] & 0x3F);
            if (u < 0x80) { return 0; }  // overlong
            p += 2;
        } else {
            return 0;
        }
        if (u >= BPE_NUM_SYMBOLS || unicode_to_byte[u] < 0) { return 0; }
        out[n++] = (unsigned char)unicode_to_byte[u];
    }
    *out_len = n;
    return 1;
}

static inline uint64_t bpe_hash_bytes_(const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (size_t i = 0; i < n; i++) { h = (h ^ p[i]) * 1099511628211ull; }
    return h;
}

static inline uint64_t bpe_hash_pair_(uint64_t key) {
    key ^= key >> 29;
    key *= 0x9E3779B97F4A7C15ull;
    return key ^ (key >> 32);
}

static inline size_t bpe_pow2_at_least_(size_t n) {
    size_t cap = 16;
    while (cap < n) { cap *= 2; }
    return cap;
}

// id of the vocab token with exactly these bytes, -1 if there is none
static inline int bpe_lookup_(const BpeTokenizer *t, const unsigned char *p, size_t n) {
    size_t mask = t->lookup_cap - 1;
    for (size_t i = bpe_hash_bytes_(p, n) & mask;; i = (i + 1) & mask) {
        const BpeSlot *slot = &t->lookup[i];
        if (slot->id < 0) { return -1; }
        if ((size_t)slot->len == n && memcmp(t->token_bytes + slot->start, p, n) == 0) { return slot->id; }
    }
}

// rank of merging (left, right) and the merged id, or -1 where the pair does not merge
static inline int bpe_merge_rank_(const BpeTokenizer *t, int left, int right, int *merged) {
    uint64_t key = ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
    size_t mask = t->merge_cap - 1;
    for (size_t i = bpe_hash_pair_(key) & mask;; i = (i + 1) & mask) {
        if (t->merge_key[i] == BPE_NO_PAIR) { return -1; }
        if (t->merge_key[i] == key) {
            *merged = t->merge_id[i];
            return t->merge_rank[i];
        }
    }
}

// a later duplicate of a pair replaces the earlier one, as in Hugging Face tokenizers
static inline void bpe_merge_insert_(BpeTokenizer *t, int left, int right, int rank, int merged) {
    uint64_t key = ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
    size_t mask = t->merge_cap - 1;
    size_t i = bpe_hash_pair_(key) & mask;
    while (t->merge_key[i] != BPE_NO_PAIR && t->merge_key[i] != key) { i = (i + 1) & mask; }
    t->merge_key[i] = key;
    t->merge_rank[i] = rank;
    t->merge_id[i] = merged;
}

// a JSON id that must be an integer in [0, limit)
static inline int bpe_json_id_(const char *path, const cJSON *item, int limit, const char *where, const char *name) {
    char shown[96];
    if (!cJSON_IsNumber(item)) {
        fatalf("%s: %s \"%s\": id is not a number, expected an integer in [0, %d)", path, where,
               bpe_show_(name, shown, sizeof(shown)), limit);
    }
    double v = item->valuedouble;
    if (v != floor(v) || v < 0 || v >= (double)limit) {
        fatalf("%s: %s \"%s\": id %.17g out of range, expected an integer in [0, %d) (the number of tokens in the file)",
               path, where, bpe_show_(name, shown, sizeof(shown)), v, limit);
    }
    return (int)v;
}

static inline int bpe_append_bytes_(unsigned char **buf, size_t *len, size_t *cap, const void *src, size_t n) {
    if (*len + n > *cap) {
        while (*len + n > *cap) { *cap = *cap < 1024 ? 1024 : 2 * *cap; }
        unsigned char *grown = (unsigned char *)realloc(*buf, *cap);
        if (grown == NULL) { fatalf("out of memory growing the tokenizer to %zu bytes", *cap); }
        *buf = grown;
    }
    memcpy(*buf + *len, src, n);
    *len += n;
    return (int)(*len - n);
}

static inline const char *bpe_type_of_(const cJSON *obj) {
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
    return cJSON_IsString(type) ? type->valuestring : NULL;
}

// the two parts of merge number i, from "a b" or ["a", "b"]; parts point into owned (to free)
static inline void bpe_merge_parts_(const char *path, const cJSON *merge, int i, char **owned, const char **a,
                                    const char **b) {
    char shown[96];
    *owned = NULL;
    if (cJSON_IsString(merge)) {
        const char *space = strchr(merge->valuestring, ' ');
        if (space == NULL || space == merge->valuestring || space[1] == '\0' || strchr(space + 1, ' ') != NULL) {
            fatalf("%s: model.merges[%d] is \"%s\", expected two tokens separated by one space", path, i,
                   bpe_show_(merge->valuestring, shown, sizeof(shown)));
        }
        *owned = (char *)mallocCheck(strlen(merge->valuestring) + 1);
        strcpy(*owned, merge->valuestring);
        (*owned)[space - merge->valuestring] = '\0';
        *a = *owned;
        *b = *owned + (space - merge->valuestring) + 1;
        return;
    }
    if (cJSON_IsArray(merge) && cJSON_GetArraySize(merge) == 2 && cJSON_IsString(cJSON_GetArrayItem(merge, 0)) &&
        cJSON_IsString(cJSON_GetArrayItem(merge, 1))) {
        *a = cJSON_GetArrayItem(merge, 0)->valuestring;
        *b = cJSON_GetArrayItem(merge, 1)->valuestring;
        return;
    }
    fatalf("%s: model.merges[%d] is neither a \"a b\" string nor a [\"a\", \"b\"] pair", path, i);
}

// ----------------------------------------------------------------------------
// loading

// the first added token whose id is not the file's (bpe_init): said once, on stderr (tokenize -d writes text on stdout)
static inline void bpe_note_added_id_(const char *path, const char *content, double file_id, int id, const char *why) {
    char shown[96];
    fprintf(stderr, "note: %s: added token \"%s\" gets id %d, not the file's %.0f, as Hugging Face tokenizers gives it (%s)\n",
            path, bpe_show_(content, shown, sizeof(shown)), id, file_id, why);
}

static inline void bpe_init(BpeTokenizer *t, const char *path) {
    memset(t, 0, sizeof(*t));
    char shown[96], shown2[96];
    cJSON *root = safetensors_read_json_object(path, BPE_MAX_JSON_BYTES);

    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!cJSON_IsObject(model)) { fatalf("%s: missing \"model\" object", path); }
    const char *model_type = bpe_type_of_(model);
    if (model_type == NULL || strcmp(model_type, "BPE") != 0) {
        fatalf("%s: model.type: expected \"BPE\", found %s%s%s", path, model_type ? "\"" : "",
               model_type ? bpe_show_(model_type, shown, sizeof(shown)) : "none", model_type ? "\"" : "");
    }
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    if (!cJSON_IsObject(vocab) || vocab->child == NULL) { fatalf("%s: missing or empty model.vocab object", path); }
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
    if (!cJSON_IsArray(merges)) { fatalf("%s: missing model.merges array", path); }
    const char *affixes[2] = {"continuing_subword_prefix", "end_of_word_suffix"};
    for (int k = 0; k < 2; k++) {
        const cJSON *affix = cJSON_GetObjectItemCaseSensitive(model, affixes[k]);
        if (cJSON_IsString(affix) && affix->valuestring[0] != '\0') {
            fatalf("%s: model.%s \"%s\" is not supported (byte-level BPE has none)", path, affixes[k],
                   bpe_show_(affix->valuestring, shown, sizeof(shown)));
        }
    }
    t->ignore_merges = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(model, "ignore_merges"));

    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
    const char *pre_type = cJSON_IsObject(pre) ? bpe_type_of_(pre) : NULL;
    if (pre_type == NULL || strcmp(pre_type, "ByteLevel") != 0) {
        fatalf("%s: pre_tokenizer.type: expected \"ByteLevel\", found %s", path,
               pre_type ? bpe_show_(pre_type, shown, sizeof(shown)) : "none");
    }
    t->add_prefix_space = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pre, "add_prefix_space"));
    t->use_regex = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(pre, "use_regex"));  // default true
    // normalizer: none, NFC, or a Sequence whose members are all NFC
    const cJSON *norm = cJSON_GetObjectItemCaseSensitive(root, "normalizer");
    if (norm != NULL && !cJSON_IsNull(norm)) {
        const char *norm_type = cJSON_IsObject(norm) ? bpe_type_of_(norm) : NULL;
        const cJSON *members = norm_type != NULL && strcmp(norm_type, "Sequence") == 0
                                   ? cJSON_GetObjectItemCaseSensitive(norm, "normalizers") : NULL;
        if (members != NULL && cJSON_IsArray(members)) {
            const cJSON *m;
            cJSON_ArrayForEach(m, members) {
                const char *mt = cJSON_IsObject(m) ? bpe_type_of_(m) : NULL;
                if (mt == NULL || strcmp(mt, "NFC") != 0) { norm_type = mt == NULL ? "(not an object)" : mt; break; }
                t->nfc = 1;
            }
            if (m == NULL) { norm_type = "NFC"; }
        } else if (norm_type != NULL && strcmp(norm_type, "NFC") == 0) {
            t->nfc = 1;
        }
        if (norm_type == NULL || strcmp(norm_type, "NFC") != 0) {
            fatalf("%s: normalizer %s is not supported (only NFC, as GPT-NeoX's)", path,
                   norm_type ? bpe_show_(norm_type, shown, sizeof(shown)) : "without a type");
        }
    }
    const cJSON *decoder = cJSON_GetObjectItemCaseSensitive(root, "decoder");
    if (decoder != NULL && !cJSON_IsNull(decoder)) {
        const char *decoder_type = cJSON_IsObject(decoder) ? bpe_type_of_(decoder) : NULL;
        if (decoder_type == NULL || strcmp(decoder_type, "ByteLevel") != 0) {
            fatalf("%s: decoder.type: expected \"ByteLevel\", found %s", path,
                   decoder_type ? bpe_show_(decoder_type, shown, sizeof(shown)) : "none");
        }
    }
    const cJSON *added_tokens = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (added_tokens != NULL && !cJSON_IsNull(added_tokens) && !cJSON_IsArray(added_tokens)) {
        fatalf("%s: added_tokens is not an array", path);
    }
    int num_vocab = cJSON_GetArraySize(vocab);
    int num_added = cJSON_IsArray(added_tokens) ? cJSON_GetArraySize(added_tokens) : 0;
    int num_merges = cJSON_GetArraySize(merges);

    // pass 1: model.vocab's ids in range; no id can exceed the number of tokens, so a corrupt id cannot make us
    // allocate more than the file describes. An added token's id is a vocab one or one past the largest so far (as
    // Hugging Face tokenizers gives them, below), so the tables have room for max_id + 1 + num_added ids until the
    // added tokens have theirs (vocab_size then shrinks to the largest id + 1)
    int limit = num_vocab + num_added;
    int max_id = -1;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, vocab) {
        int id = bpe_json_id_(path, entry, limit, "model.vocab token", entry->string);
        if (id > max_id) { max_id = id; }
    }
    const cJSON *added;
    int index = 0;
    cJSON_ArrayForEach(added, added_tokens) {
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(added, "content");
        if (!cJSON_IsString(content)) { fatalf("%s: added_tokens[%d] has no \"content\" string", path, index); }
        // (tokenizers skips an entry of content "", which no text matches: refused, naming the entry, rather than guessed
        // at; a "\u0000", which cJSON read as "" too, is refused before, with every NUL: safetensors_read_json_object)
        if (content->valuestring[0] == '\0') {
            fatalf("%s: added_tokens[%d] has an empty \"content\"; an empty one matches no text (tokenizers skips it): "
                   "remove the entry", path, index);
        }
        index++;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(added, "id"); // (its value only named in a note: below)
        if (!cJSON_IsNumber(id) || id->valuedouble != floor(id->valuedouble) || id->valuedouble < 0 || id->valuedouble > 4294967295.0) {
            fatalf("%s: added token \"%s\": \"id\" is not a non-negative integer", path, bpe_show_(content->valuestring, shown, sizeof(shown)));
        }
    }
    t->vocab_size = max_id + 1 + num_added;
    t->eot_token = -1;
    t->token_start = (int *)mallocCheck((size_t)t->vocab_size * sizeof(int));
    t->token_len = (int *)mallocCheck((size_t)t->vocab_size * sizeof(int));
    for (int i = 0; i < t->vocab_size; i++) { t->token_len[i] = -1; }
    t->lookup_cap = bpe_pow2_at_least_(2 * (size_t)num_vocab);
    t->lookup = (BpeSlot *)mallocCheck(t->lookup_cap * sizeof(BpeSlot));
    for (size_t i = 0; i < t->lookup_cap; i++) { t->lookup[i].id = -1; }

    // pass 2: vocab strings to bytes. A token that is not written in byte symbols can never come
    // out of merges; like HF's ByteLevel decoder, it decodes to its own UTF-8 bytes.
    int unicode_to_byte[BPE_NUM_SYMBOLS];
    bpe_symbol_table_(unicode_to_byte);
    size_t bytes_len = 0, bytes_cap = 0;
    unsigned char *scratch = NULL;
    size_t scratch_cap = 0;
    const char **name_of = (const char **)callocCheck((size_t)t->vocab_size, sizeof(const char *));
    cJSON_ArrayForEach(entry, vocab) {
        int id = (int)entry->valuedouble;
        const char *name = entry->string;
        if (name_of[id] != NULL) {
            fatalf("%s: model.vocab tokens \"%s\" and \"%s\" have the same id %d", path,
                   bpe_show_(name_of[id], shown, sizeof(shown)), bpe_show_(name, shown2, sizeof(shown2)), id);
        }
        name_of[id] = name;
        size_t name_len = strlen(name);
        if (name_len + 1 > scratch_cap) {
            free(scratch);
            scratch_cap = 2 * name_len + 16;
            scratch = (unsigned char *)mallocCheck(scratch_cap);
        }
        int len;
        int byte_level = bpe_symbols_to_bytes_(unicode_to_byte, name, scratch, &len);
        if (!byte_level) {
            len = (int)name_len;
            memcpy(scratch, name, name_len);
        }
        t->token_start[id] = bpe_append_bytes_(&t->token_bytes, &bytes_len, &bytes_cap, scratch, (size_t)len);
        t->token_len[id] = len;
        if (!byte_level) { continue; }
        size_t mask = t->lookup_cap - 1;
        size_t i = bpe_hash_bytes_(scratch, (size_t)len) & mask;
        for (; t->lookup[i].id >= 0; i = (i + 1) & mask) {
            const BpeSlot *other = &t->lookup[i];
            if (other->len == len && memcmp(t->token_bytes + other->start, scratch, (size_t)len) == 0) {
                fatalf("%s: model.vocab has the token \"%s\" twice (ids %d and %d)", path,
                       bpe_show_(name, shown, sizeof(shown)), other->id, id);
            }
        }
        t->lookup[i].id = id;
        t->lookup[i].start = t->token_start[id];
        t->lookup[i].len = len;
    }
    free(name_of);
    for (int b = 0; b < 256; b++) {
        unsigned char byte = (unsigned char)b;
        t->byte_token[b] = bpe_lookup_(t, &byte, 1);
        if (t->byte_token[b] < 0) {
            fatalf("%s: model.vocab has no token for byte 0x%02x (every byte needs one in byte-level BPE)", path, b);
        }
    }

    // added tokens, in the file's order, get the ids Hugging Face tokenizers gives them, whatever id the file names (it
    // logs a warning where they differ; so does a note here): a content added before keeps its id, a content that is a
    // key of model.vocab takes that key's id, any other the next id past model.vocab's entries and the added ids so
    // far. (The file's ids were taken: a hand-made tokenizer.json whose <|pad|> named 269 after 268 vocab entries
    // encoded it as 269, which tokenizers encodes as 268.) They decode to their content, which may replace a vocab
    // token of the same id.
    t->num_added = 0;
    t->added = (int *)mallocCheck((size_t)(num_added > 0 ? num_added : 1) * sizeof(int));
    int k = 0, max_added = -1, renumbered = 0;
    cJSON_ArrayForEach(added, added_tokens) {
        const char *content = cJSON_GetObjectItemCaseSensitive(added, "content")->valuestring;
        const double file_id = cJSON_GetObjectItemCaseSensitive(added, "id")->valuedouble;
        size_t len = strlen(content);
        int id = -1;
        for (int j = 0; j < k && id < 0; j++) {
            const int a = t->added[j];
            if ((size_t)t->token_len[a] == len && memcmp(t->token_bytes + t->token_start[a], content, len) == 0) { id = a; }
        }
        if (id >= 0) { // (listed again: the same token)
            if (file_id != (double)id && renumbered++ == 0) { bpe_note_added_id_(path, content, file_id, id, "listed before"); }
            continue;
        }
        if (len + 1 > scratch_cap) {
            free(scratch);
            scratch_cap = 2 * len + 16;
            scratch = (unsigned char *)mallocCheck(scratch_cap);
        }
        int byte_len;
        if (bpe_symbols_to_bytes_(unicode_to_byte, content, scratch, &byte_len)) { id = bpe_lookup_(t, scratch, (size_t)byte_len); }
        else if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(vocab, content))) { // (a key not in byte symbols: not in lookup)
            id = (int)cJSON_GetObjectItemCaseSensitive(vocab, content)->valuedouble;
        }
        const int in_vocab = id >= 0;
        if (!in_vocab) { id = max_added >= num_vocab ? max_added + 1 : num_vocab; }
        max_added = id > max_added ? id : max_added;
        if (file_id != (double)id && renumbered++ == 0) {
            bpe_note_added_id_(path, content, file_id, id, in_vocab ? "the model.vocab token's of that content"
                                                                    : "the next past model.vocab's entries and the added tokens before it");
        }
        t->token_start[id] = bpe_append_bytes_(&t->token_bytes, &bytes_len, &bytes_cap, content, len);
        t->token_len[id] = (int)len;
        // insertion sort, longest first, so the first match at a position is the longest
        int j = k++;
        while (j > 0 && t->token_len[t->added[j - 1]] < (int)len) {
            t->added[j] = t->added[j - 1];
            j--;
        }
        t->added[j] = id;
        t->added_first[(unsigned char)content[0]] = 1;
        t->num_added = k;
    }
    if (renumbered > 1) { fprintf(stderr, "note: %s: %d more added tokens get another id than the file's\n", path, renumbered - 1); }
    for (int id = 0; id < t->vocab_size; id++) { max_id = t->token_len[id] >= 0 ? id : max_id; }
    t->vocab_size = max_id + 1;
    for (int id = 0; id < t->vocab_size && t->eot_token < 0; id++) {
        if (t->token_len[id] == 13 && memcmp(t->token_bytes + t->token_start[id], "<|endoftext|>", 13) == 0) {
            t->eot_token = id;
        }
    }

    // merges: both parts and their concatenation must be vocab tokens (HF refuses the file otherwise)
    t->merge_cap = bpe_pow2_at_least_(2 * (size_t)num_merges);
    t->merge_key = (uint64_t *)mallocCheck(t->merge_cap * sizeof(uint64_t));
    t->merge_rank = (int *)mallocCheck(t->merge_cap * sizeof(int));
    t->merge_id = (int *)mallocCheck(t->merge_cap * sizeof(int));
    for (size_t i = 0; i < t->merge_cap; i++) { t->merge_key[i] = BPE_NO_PAIR; }
    int rank = 0;
    const cJSON *merge;
    cJSON_ArrayForEach(merge, merges) {
        char *owned;
        const char *parts[2];
        bpe_merge_parts_(path, merge, rank, &owned, &parts[0], &parts[1]);
        size_t need = strlen(parts[0]) + strlen(parts[1]) + 1;
        if (need > scratch_cap) {
            free(scratch);
            scratch_cap = 2 * need;
            scratch = (unsigned char *)mallocCheck(scratch_cap);
        }
        int ids[2], lens[2];
        for (int p = 0; p < 2; p++) {
            int ok = bpe_symbols_to_bytes_(unicode_to_byte, parts[p], scratch + (p == 0 ? 0 : lens[0]), &lens[p]);
            ids[p] = ok ? bpe_lookup_(t, scratch + (p == 0 ? 0 : lens[0]), (size_t)lens[p]) : -1;
            if (ids[p] < 0) {
                fatalf("%s: model.merges[%d]: \"%s\" is not a token in model.vocab", path, rank,
                       bpe_show_(parts[p], shown, sizeof(shown)));
            }
        }
        int merged = bpe_lookup_(t, scratch, (size_t)(lens[0] + lens[1]));
        if (merged < 0) {
            fatalf("%s: model.merges[%d]: the merged token \"%s%s\" is not in model.vocab", path, rank,
                   bpe_show_(parts[0], shown, sizeof(shown)), bpe_show_(parts[1], shown2, sizeof(shown2)));
        }
        bpe_merge_insert_(t, ids[0], ids[1], rank, merged);
        free(owned);
        rank++;
    }
    free(scratch);
    cJSON_Delete(root);
}

static inline int bpe_vocab_size(const BpeTokenizer *t) { return t->vocab_size; }

// the raw bytes of one token into out (at most cap of them); returns the token's length, or -1
// for an id no token has
static inline int bpe_decode(const BpeTokenizer *t, int id, unsigned char *out, int cap) {
    if (id < 0 || id >= t->vocab_size || t->token_len[id] < 0) { return -1; }
    int len = t->token_len[id];
    int n = len < cap ? len : cap;
    if (n > 0) { memcpy(out, t->token_bytes + t->token_start[id], (size_t)n); }
    return len;
}

// ----------------------------------------------------------------------------
// encoding

// The code point at s (n > 0 bytes left) and its length in bytes. UTF-8 is decoded strictly: a
// byte that does not start a well-formed sequence (a stray continuation byte, a truncated or
// overlong sequence, a surrogate, past U+10FFFF) is returned alone as BPE_RAW_BYTE | byte.
#define BPE_RAW_BYTE 0x80000000u
static inline size_t bpe_utf8_(const unsigned char *s, size_t n, uint32_t *out) {
    const unsigned char c = s[0];
    if (c < 0x80) {
        *out = c;
        return 1;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    uint32_t cp = len == 4 ? c & 0x07u : len == 3 ? c & 0x0Fu : c & 0x1Fu;
    int ok = len > 0 && len <= n && c <= 0xF4;
    for (size_t k = 1; ok && k < len; k++) {
        ok = (s[k] & 0xC0) == 0x80;
        cp = cp << 6 | (s[k] & 0x3Fu);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};  // shortest form of each length
    if (!ok || cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *out = BPE_RAW_BYTE | c;
        return 1;
    }
    *out = cp;
    return len;
}

// The character at s (n > 0 bytes left): its length in bytes and its class (UNI_*). A byte that
// is not UTF-8 (bpe_utf8_) is one character of class other, so any bytes split into words and
// decode back exactly.
static inline size_t bpe_char_(const unsigned char *s, size_t n, int *cls) {
    const unsigned char c = s[0];
    if (c < 0x80) {
        *cls = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? UNI_LETTER
               : (c >= '0' && c <= '9')                           ? UNI_NUMBER
               : (c == ' ' || (c >= '\t' && c <= '\r'))           ? UNI_SPACE
                                                                  : UNI_OTHER;
        return 1;
    }
    uint32_t cp;
    size_t len = bpe_utf8_(s, n, &cp);
    *cls = (cp & BPE_RAW_BYTE) ? UNI_OTHER : uni_class(cp);
    return len;
}

// ----------------------------------------------------------------------------
// NFC (UAX #15): canonical decomposition, canonical ordering of combining marks, canonical composition

#define BPE_HANGUL_S 0xAC00u
#define BPE_HANGUL_L 0x1100u
#define BPE_HANGUL_V 0x1161u
#define BPE_HANGUL_T 0x11A7u
#define BPE_HANGUL_COUNT 11172u  // 19 L x 21 V x 28 T (T index 0: none)

// canonical combining class (0: a starter)
static inline int bpe_nfc_class_(uint32_t cp) {
    int lo = 0, hi = (int)(sizeof(nfc_class_runs) / sizeof(nfc_class_runs[0])) - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < nfc_class_runs[mid].lo) { hi = mid - 1; }
        else if (cp > nfc_class_runs[mid].hi) { lo = mid + 1; }
        else { return nfc_class_runs[mid].ccc; }
    }
    return 0;
}

// the primary composite of (a, b), 0 for none
static inline uint32_t bpe_nfc_compose_(uint32_t a, uint32_t b) {
    if (a - BPE_HANGUL_L < 19u && b - BPE_HANGUL_V < 21u) { return BPE_HANGUL_S + ((a - BPE_HANGUL_L) * 21u + (b - BPE_HANGUL_V)) * 28u; }
    if (a - BPE_HANGUL_S < BPE_HANGUL_COUNT && (a - BPE_HANGUL_S) % 28u == 0 && b - BPE_HANGUL_T - 1u < 27u) { return a + (b - BPE_HANGUL_T); }
    const uint64_t key = (uint64_t)a << 21 | b;
    int lo = 0, hi = (int)(sizeof(nfc_comp_keys) / sizeof(nfc_comp_keys[0])) - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (key < nfc_comp_keys[mid]) { hi = mid - 1; }
        else if (key > nfc_comp_keys[mid]) { lo = mid + 1; }
        else { return nfc_comp_values[mid]; }
    }
    return 0;
}

// append cp's full canonical decomposition to cps (room for 4 more is the caller's)
static inline size_t bpe_nfc_decompose_(uint32_t cp, uint32_t *cps, size_t n) {
    if (cp - BPE_HANGUL_S < BPE_HANGUL_COUNT) {
        const uint32_t s = cp - BPE_HANGUL_S;
        cps[n++] = BPE_HANGUL_L + s / (21u * 28u);
        cps[n++] = BPE_HANGUL_V + s % (21u * 28u) / 28u;
        if (s % 28u != 0) { cps[n++] = BPE_HANGUL_T + s % 28u; }
        return n;
    }
    int lo = 0, hi = (int)(sizeof(nfc_decomps) / sizeof(nfc_decomps[0])) - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < nfc_decomps[mid].cp) { hi = mid - 1; }
        else if (cp > nfc_decomps[mid].cp) { lo = mid + 1; }
        else {
            for (int k = 0; k < nfc_decomps[mid].len; k++) { cps[n++] = nfc_decomp_pool[nfc_decomps[mid].start + k]; }
            return n;
        }
    }
    cps[n++] = cp;
    return n;
}

// cp as UTF-8 at o; returns the bytes written (1-4)
static inline int bpe_put_utf8_(uint32_t cp, unsigned char *o) {
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) { o[0] = (unsigned char)(0xC0 | cp >> 6); o[1] = (unsigned char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12); o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)); o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18); o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)); o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

// scratch for bpe_nfc_, grown as needed
typedef struct {
    uint32_t *cps;       // (cps_cap) the decomposed text
    uint8_t *cls;        // (cps_cap) the combining class of each
    uint32_t *tmp;       // (cps_cap) a long run of marks while it is sorted
    size_t cps_cap;
    unsigned char *out;  // out[0] is left free for a prefix space
    size_t out_cap;
} BpeNfcWork;

static inline void bpe_nfc_free_(BpeNfcWork *w) {
    free(w->cps);
    free(w->cls);
    free(w->tmp);
    free(w->out);
    memset(w, 0, sizeof(*w));
}

// the marks cps[i .. j) (classes > 0) in order of class, equal classes in text order: insertion
// sort for the usual short runs, counting sort for long ones (no quadratic time on odd input)
static inline void bpe_nfc_sort_marks_(BpeNfcWork *w, size_t i, size_t j) {
    uint32_t *cps = w->cps;
    uint8_t *cls = w->cls;
    if (j - i <= 32) {
        for (size_t k = i + 1; k < j; k++) {
            const uint32_t c = cps[k];
            const uint8_t cc = cls[k];
            size_t p = k;
            for (; p > i && cls[p - 1] > cc; p--) {
                cps[p] = cps[p - 1];
                cls[p] = cls[p - 1];
            }
            cps[p] = c;
            cls[p] = cc;
        }
        return;
    }
    size_t start[256] = {0};
    for (size_t k = i; k < j; k++) { start[cls[k]]++; }
    for (size_t c = 0, sum = 0; c < 256; c++) {
        const size_t count = start[c];
        start[c] = sum;
        sum += count;
    }
    for (size_t k = i; k < j; k++) { w->tmp[start[cls[k]]++] = cps[k]; }
    memcpy(cps + i, w->tmp, (j - i) * sizeof(uint32_t));
    for (size_t k = i; k < j; k++) { cls[k] = (uint8_t)bpe_nfc_class_(cps[k]); }
}

// NFC of s[0 .. n) into w->out + 1; returns its length. Bytes that are not UTF-8 stay as they are,
// as starters that compose with nothing.
static inline size_t bpe_nfc_(BpeNfcWork *w, const unsigned char *s, size_t n) {
    if (w->cps_cap < 4 * n + 4) {  // a code point decomposes into at most 4 (Hangul 3)
        w->cps_cap = 4 * n + 4;
        free(w->cps);
        free(w->cls);
        free(w->tmp);
        w->cps = (uint32_t *)mallocCheck(w->cps_cap * sizeof(uint32_t));
        w->cls = (uint8_t *)mallocCheck(w->cps_cap);
        w->tmp = (uint32_t *)mallocCheck(w->cps_cap * sizeof(uint32_t));
    }
    uint32_t *cps = w->cps;
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += bpe_utf8_(s + i, n - i, &cp);
        m = (cp & BPE_RAW_BYTE) ? (cps[m] = cp, m + 1) : bpe_nfc_decompose_(cp, cps, m);
    }
    // canonical order: each run of marks stably sorted by class (a raw byte has class 0: a barrier)
    uint8_t *cls = w->cls;
    for (size_t i = 0; i < m; i++) { cls[i] = (cps[i] & BPE_RAW_BYTE) ? 0 : (uint8_t)bpe_nfc_class_(cps[i]); }
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && cls[j] != 0) { j++; }
        if (j - i > 1) { bpe_nfc_sort_marks_(w, i, j); }
        i = j > i ? j : i + 1;
    }
    // composition: a character joins the last starter if nothing between them blocks it (class 0,
    // or a class at least its own); the ordered run makes the last kept class the largest
    size_t kept = 0, starter = SIZE_MAX;
    int last_cc = 0;
    for (size_t i = 0; i < m; i++) {
        const uint32_t c = cps[i];
        const int raw = (c & BPE_RAW_BYTE) != 0, cc = cls[i];
        if (starter != SIZE_MAX && !raw && (kept - 1 == starter || (last_cc != 0 && last_cc < cc))) {
            const uint32_t composite = bpe_nfc_compose_(cps[starter], c);
            if (composite != 0) {
                cps[starter] = composite;
                continue;
            }
        }
        if (cc == 0) { starter = raw ? SIZE_MAX : kept; }
        cps[kept++] = c;
        last_cc = cc;
    }
    if (w->out_cap < 4 * kept + 1) {
        w->out_cap = 4 * kept + 1;
        free(w->out);
        w->out = (unsigned char *)mallocCheck(w->out_cap);
    }
    unsigned char *o = w->out + 1;
    for (size_t i = 0; i < kept; i++) {
        if (cps[i] & BPE_RAW_BYTE) { *o++ = (unsigned char)cps[i]; }
        else { o += bpe_put_utf8_(cps[i], o); }
    }
    return (size_t)(o - (w->out + 1));
}

// length of the word that starts s (n > 0 bytes left), by GPT-2's regex, alternatives in order;
// the classes are Unicode's (llmc/unicode_classes.h)
static inline size_t bpe_word_length_(const unsigned char *s, size_t n) {
    if (s[0] == '\'' && n >= 2) {  // 's 't 're 've 'm 'll 'd
        unsigned char c = s[1];
        if (c == 's' || c == 't' || c == 'm' || c == 'd') { return 2; }
        if (n >= 3 && ((c == 'r' && s[2] == 'e') || (c == 'v' && s[2] == 'e') || (c == 'l' && s[2] == 'l'))) { return 3; }
    }
    // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': a space then a run of one class
    int cls;
    size_t i = 0, len = bpe_char_(s, n, &cls);
    if (s[0] == ' ' && n >= 2) {
        int next;
        size_t next_len = bpe_char_(s + 1, n - 1, &next);
        if (next != UNI_SPACE) { i = 1; len = next_len; cls = next; }
    }
    if (cls != UNI_SPACE) {
        int c2 = cls;
        while (c2 == cls) {
            i += len;
            if (i == n) { break; }
            len = bpe_char_(s + i, n - i, &c2);
        }
        return i;
    }
    // s[0] is whitespace. '\s+(?!\S)': a run that ends the text, or all of a run but its last
    // character, which then leads the next word (" word"); a single space before a word is '\s+'
    size_t end = 0, last = 0;
    while (end < n) {
        size_t l = bpe_char_(s + end, n - end, &cls);
        if (cls != UNI_SPACE) { break; }
        last = end;
        end += l;
    }
    if (end == n) { return end; }
    return last > 0 ? last : end; // end is one character here when last == 0
}

typedef struct {
    int rank;
    int pos;  // the pair's left symbol
} BpeCandidate;

// scratch space for one bpe_encode call, grown to the longest word
typedef struct {
    int *id;    // (cap) token of each symbol, -1 once merged into its left neighbor
    int *prev;  // (cap) neighbors in the word, -1 at the ends
    int *next;
    BpeCandidate *heap;  // (3 * cap) min-heap by (rank, pos)
    size_t cap, heap_len;
} BpeWork;

static inline int bpe_candidate_less_(BpeCandidate a, BpeCandidate b) {
    return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos);
}

static inline void bpe_heap_push_(BpeWork *w, int rank, int pos) {
    size_t i = w->heap_len++;
    BpeCandidate c = {rank, pos};
    while (i > 0 && bpe_candidate_less_(c, w->heap[(i - 1) / 2])) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = c;
}

static inline BpeCandidate bpe_heap_pop_(BpeWork *w) {
    BpeCandidate top = w->heap[0];
    BpeCandidate last = w->heap[--w->heap_len];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= w->heap_len) { break; }
        if (child + 1 < w->heap_len && bpe_candidate_less_(w->heap[child + 1], w->heap[child])) { child++; }
        if (!bpe_candidate_less_(w->heap[child], last)) { break; }
        w->heap[i] = w->heap[child];
        i = child;
    }
    if (w->heap_len > 0) { w->heap[i] = last; }
    return top;
}

static inline void bpe_emit_(int id, int *ids, int cap, int *count) {
    if (*count < cap) { ids[*count] = id; }
    (*count)++;
}

static inline void bpe_push_pair_(const BpeTokenizer *t, BpeWork *w, int pos) {
    int merged;
    int rank = bpe_merge_rank_(t, w->id[pos], w->id[w->next[pos]], &merged);
    if (rank >= 0) { bpe_heap_push_(w, rank, pos); }
}

static inline void bpe_encode_word_(const BpeTokenizer *t, BpeWork *w, const unsigned char *s, size_t n, int *ids,
                                    int cap, int *count) {
    if (t->ignore_merges) {
        int id = bpe_lookup_(t, s, n);
        if (id >= 0) {
            bpe_emit_(id, ids, cap, count);
            return;
        }
    }
    if (n > w->cap) {
        free(w->id);
        free(w->prev);
        free(w->next);
        free(w->heap);
        w->cap = 2 * n;
        w->id = (int *)mallocCheck(w->cap * sizeof(int));
        w->prev = (int *)mallocCheck(w->cap * sizeof(int));
        w->next = (int *)mallocCheck(w->cap * sizeof(int));
        w->heap = (BpeCandidate *)mallocCheck(3 * w->cap * sizeof(BpeCandidate));
    }
    for (size_t i = 0; i < n; i++) {
        w->id[i] = t->byte_token[s[i]];
        w->prev[i] = (int)i - 1;
        w->next[i] = i + 1 < n ? (int)i + 1 : -1;
    }
    w->heap_len = 0;
    for (size_t i = 0; i + 1 < n; i++) { bpe_push_pair_(t, w, (int)i); }
    while (w->heap_len > 0) {
        // a candidate is stale if its left symbol was merged away or its pair changed since; each
        // rank belongs to one pair, so an unchanged rank means an unchanged pair
        BpeCandidate c = bpe_heap_pop_(w);
        int right = w->next[c.pos];
        if (w->id[c.pos] < 0 || right < 0) { continue; }
        int merged = -1;
        if (bpe_merge_rank_(t, w->id[c.pos], w->id[right], &merged) != c.rank) { continue; }
        w->id[c.pos] = merged;
        w->id[right] = -1;
        w->next[c.pos] = w->next[right];
        if (w->next[right] >= 0) { w->prev[w->next[right]] = c.pos; }
        if (w->prev[c.pos] >= 0) { bpe_push_pair_(t, w, w->prev[c.pos]); }
        if (w->next[c.pos] >= 0) { bpe_push_pair_(t, w, c.pos); }
    }
    for (int i = 0; i >= 0; i = w->next[i]) { bpe_emit_(w->id[i], ids, cap, count); }
}

static inline int bpe_ascii_(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 0x80) { return 0; }
    }
    return 1;
}

// text between added tokens: NFC (with that normalizer), words by the regex, then BPE on each
static inline void bpe_encode_piece_(const BpeTokenizer *t, BpeWork *w, BpeNfcWork *nw, unsigned char *prefixed,
                                     const unsigned char *s, size_t n, int *ids, int cap, int *count) {
    if (n == 0) { return; }
    // NFC leaves ASCII as it is: such a piece skips it and its buffers, 6 bytes per byte of text (with add_prefix_space
    // it still puts the space in front)
    if (t->nfc && (t->add_prefix_space || !bpe_ascii_(s, n))) {
        n = bpe_nfc_(nw, s, n);
        s = nw->out + 1;  // nw->out[0] is free for a prefix space
        if (t->add_prefix_space && s[0] != ' ') {
            nw->out[0] = ' ';
            s = nw->out;
            n++;
        }
    } else if (t->add_prefix_space && s[0] != ' ') { // (not NFC here)
        prefixed[0] = ' ';
        memcpy(prefixed + 1, s, n);
        s = prefixed;
        n++;
    }
    while (n > 0) {
        size_t len = t->use_regex ? bpe_word_length_(s, n) : n;
        bpe_encode_word_(t, w, s, len, ids, cap, count);
        s += len;
        n -= len;
    }
}

// token ids of the n bytes at s into ids (at most cap of them); returns how many the whole text needs, so
// a return value > cap means the output was cut short (call with cap 0 to size a buffer). s needs no NUL after it
static inline int bpe_encode_bytes(const BpeTokenizer *t, const unsigned char *s, size_t n, int *ids, int cap) {
    BpeWork w;
    memset(&w, 0, sizeof(w));
    BpeNfcWork nw;
    memset(&nw, 0, sizeof(nw));
    unsigned char *prefixed = t->add_prefix_space && !t->nfc ? (unsigned char *)mallocCheck(n + 1) : NULL;
    int count = 0;
    size_t piece = 0;  // where the text since the last added token starts
    size_t i = 0;
    while (i < n) {
        int match = -1;
        if (t->added_first[s[i]]) {
            for (int k = 0; k < t->num_added && match < 0; k++) {
                int id = t->added[k];
                size_t len = (size_t)t->token_len[id];
                if (len <= n - i && memcmp(s + i, t->token_bytes + t->token_start[id], len) == 0) { match = id; }
            }
        }
        if (match < 0) {
            i++;
            continue;
        }
        bpe_encode_piece_(t, &w, &nw, prefixed, s + piece, i - piece, ids, cap, &count);
        bpe_emit_(match, ids, cap, &count);
        i += (size_t)t->token_len[match];
        piece = i;
    }
    bpe_encode_piece_(t, &w, &nw, prefixed, s + piece, n - piece, ids, cap, &count);
    free(prefixed);
    bpe_nfc_free_(&nw);
    free(w.id);
    free(w.prev);
    free(w.next);
    free(w.heap);
    return count;
}

// bpe_encode_bytes of a C string
static inline int bpe_encode(const BpeTokenizer *t, const char *text, int *ids, int cap) {
    return bpe_encode_bytes(t, (const unsigned char *)text, strlen(text), ids, cap);
}

static inline void bpe_free(BpeTokenizer *t) {
    free(t->token_start);
    free(t->token_len);
    free(t->token_bytes);
    free(t->merge_key);
    free(t->merge_rank);
    free(t->merge_id);
    free(t->lookup);
    free(t->added);
    memset(t, 0, sizeof(*t));
}

#endif // BPE_H
