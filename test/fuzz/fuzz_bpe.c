/*
Fuzzes the tokenizer.json loader (tokenizer_init on a .json path: llmc/bpe.h's bpe_init, then
tokenizer.h's decode table), then encodes a text with it.

Input: tokenizer.json, NUL, text to encode.
On accepted input: every id the encoder returns is in the vocabulary, and decoding them gives back
the text byte for byte (bpe.h's promise), except where an added token reuses a vocab token's id
(its content then replaces that token's bytes, as in Hugging Face tokenizers), add_prefix_space
is set (a space is added in front of each piece) or the normalizer is NFC (the text changes; then
NFC applied to its own output must change nothing).
*/
#include "fuzz_common.h"
#include "../../tokenizer.h"

// 1 if some added token has the id of a byte-level vocab token
static int added_shadows_vocab(const BpeTokenizer *b) {
    for (size_t i = 0; i < b->lookup_cap; i++) {
        if (b->lookup[i].id < 0) { continue; }
        for (int k = 0; k < b->num_added; k++) {
            if (b->added[k] == b->lookup[i].id) { return 1; }
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_setup("bpe");
    const uint8_t *part[2];
    size_t len[2];
    fuzz_split(data, size, 2, part, len);
    char path[512];
    fuzz_write_file(fuzz_path(path, "tokenizer.json"), part[0], len[0]);
    char *text = (char *)malloc(len[1] + 1);
    memcpy(text, part[1], len[1]);
    text[len[1]] = '\0';  // the text ends at its first NUL, if it has one
    size_t text_len = strlen(text);

    Tokenizer tok;
    Tokenizer *t = &tok;
    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        tokenizer_init(t, path);
        FUZZ_ASSERT(t->init_ok && t->is_bpe && t->vocab_size > 0);
        FUZZ_ASSERT(t->eot_token >= -1 && t->eot_token < (int)t->vocab_size);
        int need = bpe_encode(&t->bpe, text, NULL, 0);
        // a byte per token, a prefix space each piece; NFC makes at most 3 bytes of one
        FUZZ_ASSERT(need >= 0 && (size_t)need <= (t->bpe.nfc ? 4 : 2) * text_len);
        int *ids = (int *)mallocCheck((size_t)need * sizeof(int) + 1);
        FUZZ_ASSERT(tokenizer_encode(t, text, ids, need) == need);
        char *back = (char *)mallocCheck(text_len + 1);
        size_t pos = 0;
        // add_prefix_space puts a space in front of each piece between added tokens: not byte-exact
        int exact = !added_shadows_vocab(&t->bpe) && !t->bpe.add_prefix_space && !t->bpe.nfc;
        if (t->bpe.nfc) {
            BpeNfcWork w1, w2;
            memset(&w1, 0, sizeof(w1));
            memset(&w2, 0, sizeof(w2));
            size_t n1 = bpe_nfc_(&w1, (const unsigned char *)text, text_len);
            FUZZ_ASSERT(n1 <= 3 * text_len);
            size_t n2 = bpe_nfc_(&w2, w1.out + 1, n1);
            FUZZ_ASSERT(n2 == n1 && memcmp(w1.out + 1, w2.out + 1, n1) == 0);
            bpe_nfc_free_(&w1);
            bpe_nfc_free_(&w2);
        }
        for (int i = 0; i < need; i++) {
            FUZZ_ASSERT(ids[i] >= 0 && (uint32_t)ids[i] < t->vocab_size);
            const char *piece = tokenizer_decode(t, (uint32_t)ids[i]);
            FUZZ_ASSERT(piece != NULL);
            size_t n = t->token_len[ids[i]];
            safe_print_bytes(fuzz_devnull, piece, n);
            if (exact) {
                FUZZ_ASSERT(pos + n <= text_len);
                memcpy(back + pos, piece, n);
            }
            pos += n;
        }
        if (exact) { FUZZ_ASSERT(pos == text_len && memcmp(back, text, text_len) == 0); }
        free(back);
        free(ids);
        tokenizer_free(t);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    free(text);
    return 0;
}
