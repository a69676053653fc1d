/*
Fuzzes the Hugging Face checkpoint loader (llmc/hf_io.h): hf_load_model on a directory holding
config.json and model.safetensors, which covers the config.json parser (both spellings) and the
checks of every tensor against it.

Input: 1 control byte, then config.json, NUL, then
  control & 1 == 0: safetensors JSON header, NUL, data section (the harness writes the length prefix)
  control & 1 == 1: the whole model.safetensors file
*/
#include "fuzz_common.h"
#include "../../llmc/hf_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) { return -1; }
    fuzz_setup("hf");
    const uint8_t *part[3];
    size_t len[3];
    char config_path[512], weights_path[512];
    fuzz_path(config_path, "config.json");
    fuzz_path(weights_path, "model.safetensors");
    if (data[0] & 1) {
        fuzz_split(data + 1, size - 1, 2, part, len);
        fuzz_write_file(weights_path, part[1], len[1]);
    } else {
        fuzz_split(data + 1, size - 1, 3, part, len);
        uint8_t *file = (uint8_t *)malloc(8 + len[1] + len[2]);
        for (int i = 0; i < 8; i++) { file[i] = (uint8_t)((uint64_t)len[1] >> (8 * i)); }
        memcpy(file + 8, part[1], len[1]);
        memcpy(file + 8 + len[1], part[2], len[2]);
        fuzz_write_file(weights_path, file, 8 + len[1] + len[2]);
        free(file);
    }
    fuzz_write_file(config_path, part[0], len[0]);

    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        FUZZ_ASSERT(hf_is_model_dir(fuzz_dir));
        MambaConfig c;
        float *p;
        size_t n;
        hf_load_model(fuzz_dir, &c, &p, &n);
        size_t sizes[NUM_PARAMETER_TENSORS];
        FUZZ_ASSERT(fill_in_parameter_sizes(sizes, &c) == n);
        FUZZ_ASSERT(c.padded_vocab_size >= c.vocab_size && c.padded_vocab_size % 8 == 0);
        free(p);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    return 0;
}
