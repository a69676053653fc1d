/*
Fuzzes the tokenizer .bin loader (tokenizer_init); the input is the whole file.
On accepted input every token decodes, with its stored length and a NUL after it.
*/
#include "fuzz_common.h"
#include "../../tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_setup("tokenizer");
    char path[512];
    fuzz_write_file(fuzz_path(path, "tokenizer.bin"), data, size);

    Tokenizer tok;
    Tokenizer *t = &tok;
    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        tokenizer_init(t, path);
        FUZZ_ASSERT(t->init_ok && t->vocab_size > 0);
        FUZZ_ASSERT(t->eot_token >= -1 && t->eot_token < (int)t->vocab_size);
        for (uint32_t i = 0; i < t->vocab_size + 2; i++) {
            const char *piece = tokenizer_decode(t, i);
            if (i >= t->vocab_size) { FUZZ_ASSERT(piece == NULL); continue; }
            FUZZ_ASSERT(piece != NULL && piece[t->token_len[i]] == '\0');
            safe_print_bytes(fuzz_devnull, piece, t->token_len[i]);
        }
        tokenizer_free(t);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    return 0;
}
