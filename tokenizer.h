/*
Token id -> bytes, for printing samples. Two kinds:
  byte-level: vocab 256, token i is the single byte i (tinyshakespeare, enwik8).
  llm.c's tokenizer file (e.g. gpt2_tokenizer.bin), little-endian:
      uint32 header[256]   header[0] = 20240328 (magic), header[1] = version (1 or 2),
                           header[2] = vocab_size, header[3] = end-of-text token (version 2 only)
      then for each token: uint8 length, then that many bytes (so at most 255 of them)
  a Hugging Face tokenizer.json (GPT-NeoX byte-level BPE, llmc/bpe.h): decoded into the same
      table, and the only kind besides byte-level that can also encode a text prompt.
A missing tokenizer file is not an error (as in llm.c: the trainer prints token ids instead);
a corrupt one is.
Tokens may contain the byte 0, so each token's length is stored next to its NUL-terminated bytes.
*/
#ifndef TOKENIZER_H
#define TOKENIZER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llmc/utils.h"
#include "llmc/bpe.h"

#define TOKENIZER_MAGIC 20240328
#define TOKENIZER_HEADER_BYTES (256 * sizeof(uint32_t))

// a text printed in pieces (safe_print_part) ends in these first bytes of a UTF-8 character, which the next piece may complete
typedef struct {
    unsigned char bytes[4];
    int len;
} HeldBytes;

typedef struct {
    uint32_t vocab_size;
    char **token_table;   // (vocab_size) NUL-terminated token bytes, pointers into token_bytes
    int init_ok;
    int eot_token;        // end-of-text token, -1 where the tokenizer has none
    int byte_level;
    uint32_t *token_len;  // (vocab_size) length of each token in bytes (a tokenizer.json's added token may be long)
    char *token_bytes;    // one allocation holding every token, each followed by a NUL
    int is_bpe;           // loaded from a tokenizer.json: bpe holds the merges for encoding
    BpeTokenizer bpe;
    int range_warned;     // an id past the vocabulary was reported (once: a model's padded vocabulary
                          // can sample such ids often, e.g. 50280 rows against GPT-2's 50257 tokens)
    HeldBytes held;       // tokenizer_print's text so far ends in these first bytes of a character
} Tokenizer;

static int tokenizer_is_json(const char *filename) {
    size_t n = strlen(filename);
    return n >= 5 && strcmp(filename + n - 5, ".json") == 0;
}

// a tokenizer.json: the decode table is filled from the BPE vocabulary
static void tokenizer_init_json(Tokenizer *t, const char *filename) {
    bpe_init(&t->bpe, filename);
    t->is_bpe = 1;
    t->eot_token = t->bpe.eot_token;
    uint32_t V = (uint32_t)bpe_vocab_size(&t->bpe);
    size_t total = 0;
    unsigned char none[1]; // (room for no byte: the length alone)
    for (uint32_t i = 0; i < V; i++) {
        int n = bpe_decode(&t->bpe, (int)i, none, 0);
        total += (n > 0 ? (size_t)n : 0) + 1;
    }
    t->token_table = (char **)mallocCheck(V * sizeof(char *));
    t->token_len = (uint32_t *)mallocCheck(V * sizeof(uint32_t));
    t->token_bytes = (char *)mallocCheck(total);
    size_t pos = 0;
    for (uint32_t i = 0; i < V; i++) { // (an added token of any length: dev/data/tokenize takes them; its -d decodes them)
        int n = bpe_decode(&t->bpe, (int)i, (unsigned char *)t->token_bytes + pos, (int)(total - pos));
        if (n < 0) { n = 0; } // an id with no token (a gap in the vocabulary) prints as nothing
        t->token_table[i] = t->token_bytes + pos;
        t->token_table[i][n] = '\0';
        t->token_len[i] = (uint32_t)n;
        pos += (size_t)n + 1;
    }
    t->vocab_size = V;
    t->init_ok = 1;
}

// Byte-level tokenizer: 256 one-byte tokens, no end-of-text token.
void tokenizer_init_bytes(Tokenizer *t) {
    memset(t, 0, sizeof(*t));
    t->vocab_size = 256;
    t->byte_level = 1;
    t->eot_token = -1;
    t->token_table = (char **)mallocCheck(256 * sizeof(char *));
    t->token_len = (uint32_t *)mallocCheck(256 * sizeof(uint32_t));
    t->token_bytes = (char *)mallocCheck(256 * 2);
    for (int i = 0; i < 256; i++) {
        t->token_bytes[2 * i] = (char)i;
        t->token_bytes[2 * i + 1] = '\0';
        t->token_table[i] = t->token_bytes + 2 * i;
        t->token_len[i] = 1;
    }
    t->init_ok = 1;
}

// no tokenizer (init_ok 0): token ids print as numbers, bits per byte are not reported
void tokenizer_init_none(Tokenizer *t) {
    memset(t, 0, sizeof(*t));
    t->eot_token = -1;
}

// what a tokenizer file that is text was meant to be: a tokenizer.json under another name (read as a .bin: the trainer
// tells the two apart by the name), or other text (a vocab.txt, the corpus itself) given to -tk
static const char *tokenizer_text_hint(FILE *fp) {
    if (!starts_as_text(fp)) { return ""; }
    // JSON's '{' after the white space JSON allows before it, and a UTF-8 byte order mark before that (an editor's): one
    // that started so got the hint of other text, as the '{' was looked for in the first byte alone
    unsigned char bom[3];
    fseekCheck(fp, 0, SEEK_SET);
    if (fread(bom, 1, 3, fp) != 3 || memcmp(bom, "\xef\xbb\xbf", 3) != 0) { fseekCheck(fp, 0, SEEK_SET); }
    int c;
    while ((c = fgetc(fp)) == ' ' || c == '\t' || c == '\n' || c == '\r') {}
    return c == '{' ? " (JSON? a tokenizer.json is read as one only when its name ends in .json)"
                    : " (it looks like text: -tk takes an llm.c .bin tokenizer, or a Hugging Face tokenizer.json named .json)";
}

void tokenizer_init(Tokenizer *t, const char *filename) {
    tokenizer_init_none(t);
    require_regular_file(filename);
    FILE *fp = fopen(filename, "rb");
    if (fp != NULL && tokenizer_is_json(filename)) {
        fclose(fp);
        tokenizer_init_json(t, filename);
        return;
    }
    if (fp == NULL) {
        fprintf(stderr, "warning: cannot open tokenizer '%s' (%s); samples will print as token ids\n",
                filename, strerror(errno));
        return;
    }
    long size = file_size(fp);
    if (size < (long)TOKENIZER_HEADER_BYTES) {
        fatalf("'%s': tokenizer truncated: file is %ld byte%s, the header alone is %zu%s",
               filename, size, plural_s(size), TOKENIZER_HEADER_BYTES, tokenizer_text_hint(fp));
    }
    uint32_t header[256];
    freadCheck(header, sizeof(uint32_t), 256, fp);
    if (header[0] != TOKENIZER_MAGIC) {
        fatalf("'%s': bad tokenizer magic: expected %d, found %u%s", filename, TOKENIZER_MAGIC, header[0],
               tokenizer_text_hint(fp));
    }
    if (header[1] != 1 && header[1] != 2) {
        fatalf("'%s': unsupported tokenizer version: expected 1 or 2, found %u", filename, header[1]);
    }
    uint32_t vocab_size = header[2];
    if (vocab_size == 0) { fatalf("'%s': tokenizer vocab_size: expected > 0, found 0", filename); }
    if (header[1] == 2) {
        if (header[3] >= vocab_size) {
            fatalf("'%s': tokenizer eot token: expected < vocab_size %u, found %u", filename, vocab_size, header[3]);
        }
        t->eot_token = (int)header[3];
    } else if (vocab_size == 50257) {
        t->eot_token = 50256;  // version 1 files are GPT-2's, whose <|endoftext|> is the last token
    }

    // the body is (length byte, bytes) per token: exactly the room the tokens need with a NUL each
    size_t body_size = (size_t)size - TOKENIZER_HEADER_BYTES;
    if (vocab_size > body_size) { fatalf("'%s': tokenizer vocab_size %u, but the file has room for at most %zu tokens (one length byte each)", filename, vocab_size, body_size); }
    uint8_t *body = (uint8_t *)mallocCheck(body_size);
    freadCheck(body, 1, body_size, fp);
    fcloseCheck(fp);
    t->token_table = (char **)mallocCheck(vocab_size * sizeof(char *));
    t->token_len = (uint32_t *)mallocCheck(vocab_size * sizeof(uint32_t));
    t->token_bytes = (char *)mallocCheck(body_size);
    size_t pos = 0;
    for (uint32_t i = 0; i < vocab_size; i++) {
        if (pos >= body_size || pos + 1 + body[pos] > body_size) {
            fatalf("'%s': tokenizer truncated: token %u of %u runs past the end of the file (%ld bytes)",
                   filename, i, vocab_size, size);
        }
        uint8_t len = body[pos];
        t->token_len[i] = len;
        t->token_table[i] = t->token_bytes + pos;
        memcpy(t->token_table[i], body + pos + 1, len);
        t->token_table[i][len] = '\0';
        pos += 1 + (size_t)len;
    }
    free(body);
    if (pos != body_size) {
        fatalf("'%s': tokenizer has %zu extra byte%s after its %u tokens", filename, body_size - pos,
               plural_s((long long)(body_size - pos)), vocab_size);
    }
    t->vocab_size = vocab_size;
    t->init_ok = 1;
}

void tokenizer_range_warning(const Tokenizer *t, uint32_t token_id) {
    fprintf(stderr, "warning: token id %u out of range, vocab_size is %u (such ids print nothing; not reported again)\n",
            token_id, t->vocab_size);
}

// NUL-terminated bytes of a token; NULL for an id outside the vocabulary (a warning the first time)
const char *tokenizer_decode(Tokenizer *t, uint32_t token_id) {
    if (!t->init_ok) { return NULL; }
    if (token_id >= t->vocab_size) {
        if (!t->range_warned) {
            tokenizer_range_warning(t, token_id);
            t->range_warned = 1;
        }
        return NULL;
    }
    return t->token_table[token_id];
}

/*
Printing token bytes so that they cannot drive the terminal and read back unambiguously (README.md, "Samples"):
printable ASCII, \n and \t as they are, a backslash as \\, a well-formed UTF-8 character of two to four bytes as it
is (so text prints as text), and every other byte as \xNN: the other control bytes, DEL, a byte >= 0x80 that is not
part of a well-formed character (a lone 0x9b is CSI to some terminals), the two bytes of a C1 control character
(U+0080 - U+009F, which some terminals obey in UTF-8 too) and the bytes of a bidirectional formatting character
(U+061C, U+200E, U+200F, U+202A - U+202E, U+2066 - U+2069), which would reorder the text around it on screen
(a sample could show text that is not the order of its bytes). A sample prints token by token, and a byte-level model's
character comes in several tokens: its first bytes are held until the next piece completes it or shows it broken,
and those left at the text's end print escaped (safe_print_end).
*/
// one character of len bytes (utf8_char_length's), or with len = 1 one byte that starts none
static inline void safe_print_char(FILE *fp, const unsigned char *s, int len) {
    if (len > 1 && !utf8_char_escaped(s, len)) { fwrite(s, 1, (size_t)len, fp); return; }
    for (int i = 0; i < len; i++) {
        if (s[i] == '\\') { fputs("\\\\", fp); }
        else if ((s[i] >= 0x20 && s[i] < 0x7f) || s[i] == '\n' || s[i] == '\t') { fputc(s[i], fp); }
        else { fprintf(fp, "\\x%02x", s[i]); }
    }
}

// the next piece of a text printed in pieces; held carries a character's start from one piece to the next
void safe_print_part(FILE *fp, HeldBytes *held, const char *bytes, size_t len) {
    for (size_t i = 0; i < len; i++) {
        held->bytes[held->len++] = (unsigned char)bytes[i];
        // (a byte that starts no character goes out escaped, and the bytes after it may start one)
        for (int n; held->len > 0 && (n = utf8_char_length(held->bytes, (size_t)held->len)) != 0;) {
            if (n < 0) { n = 1; }
            safe_print_char(fp, held->bytes, n);
            held->len -= n;
            memmove(held->bytes, held->bytes + n, (size_t)held->len);
        }
    }
}

// the end of a text printed in pieces: the start of a character that never completed, escaped
void safe_print_end(FILE *fp, HeldBytes *held) {
    for (int i = 0; i < held->len; i++) { fprintf(fp, "\\x%02x", held->bytes[i]); }
    held->len = 0;
}

// a whole text
void safe_print_bytes(FILE *fp, const char *bytes, size_t len) {
    HeldBytes held = {{0}, 0};
    safe_print_part(fp, &held, bytes, len);
    safe_print_end(fp, &held);
}

// prints one token of a text (a sample) safely, byte 0 included; prints nothing for an unknown id
void tokenizer_print(Tokenizer *t, uint32_t token_id) {
    const char *piece = tokenizer_decode(t, token_id);
    if (piece == NULL) { return; }
    safe_print_part(stdout, &t->held, piece, t->token_len[token_id]);
}

// the end of a text printed by tokenizer_print: a character its last tokens left unfinished, escaped
void tokenizer_print_end(Tokenizer *t) { safe_print_end(stdout, &t->held); }

/*
Text -> token ids (at most cap of them; returns the count): byte-level takes the bytes, a
tokenizer.json runs its BPE. llm.c's .bin files hold no merges, so they cannot encode.
*/
int tokenizer_encode(Tokenizer *t, const char *text, int *ids, int cap) {
    if (t->byte_level) {
        int n = 0;
        for (const unsigned char *p = (const unsigned char *)text; *p != '\0' && n < cap; p++) { ids[n++] = *p; }
        return n;
    }
    if (t->is_bpe) {
        int n = bpe_encode(&t->bpe, text, ids, cap);
        return n < cap ? n : cap;
    }
    fatalf("cannot encode a text prompt with this tokenizer: use a byte-level model or a tokenizer.json (-tk)");
    return 0;
}

// how many ids text encodes to (a BPE's normalizer can make more ids than bytes)
int tokenizer_encoded_length(Tokenizer *t, const char *text) {
    if (t->is_bpe) { return bpe_encode(&t->bpe, text, NULL, 0); }
    return t->byte_level ? (int)strlen(text) : tokenizer_encode(t, text, NULL, 0);
}

/*
Whether two tokenizers decode alike: the same vocabulary size, the same bytes for every id and the same end-of-text
token (where samples start, and the token that counts no bytes). 0 if so; else 1, with the first difference written
into why, naming the two by the possessives a_name and b_name ("its 256 tokens against the run's 269"). (A .bin holds no merges: two that decode alike may still not encode so.)
*/
int tokenizer_decode_differs(const Tokenizer *a, const Tokenizer *b, const char *a_name, const char *b_name, char *why, size_t n) {
    if (a->vocab_size != b->vocab_size) {
        snprintf(why, n, "%s %u tokens against %s %u", a_name, a->vocab_size, b_name, b->vocab_size);
        return 1;
    }
    for (uint32_t i = 0; i < a->vocab_size; i++) {
        if (a->token_len[i] != b->token_len[i] || memcmp(a->token_table[i], b->token_table[i], a->token_len[i]) != 0) {
            snprintf(why, n, "%s token %u differs from %s", a_name, i, b_name);
            return 1;
        }
    }
    if (a->eot_token != b->eot_token) {
        char ea[16] = "none", eb[16] = "none";
        if (a->eot_token >= 0) { snprintf(ea, sizeof(ea), "%d", a->eot_token); }
        if (b->eot_token >= 0) { snprintf(eb, sizeof(eb), "%d", b->eot_token); }
        snprintf(why, n, "%s end-of-text token %s against %s %s", a_name, ea, b_name, eb);
        return 1;
    }
    return 0;
}

void tokenizer_free(Tokenizer *t) {
    if (t->is_bpe) { bpe_free(&t->bpe); }
    free(t->token_table);
    free(t->token_len);
    free(t->token_bytes);
    memset(t, 0, sizeof(*t));
}

#endif // TOKENIZER_H
