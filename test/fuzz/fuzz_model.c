/*
Fuzzes the model file loader: open_model_file, then read_model_parameters into a buffer of the
size the header asked for.

Input: 1 control byte, then the model file.
  bit 0: rewrite header[10..11] to the parameter count the header's config needs, and cut or
         zero-pad the file to the size that count implies (when that is at most 1 MB)
  bit 1: rewrite header[12] to the CRC-32 of the parameter bytes
With either bit, a version-2 header's own CRC ([14]) is rewritten last, over the rewritten header.
The rewrites let the fuzzer reach the later checks and the accepted path with any config instead
of stopping at the first consistency check.
*/
#include "fuzz_common.h"
#include "../../llmc/model_config.h"

#define MAX_FIXED_BYTES (1u << 20)

// the parameter count a header's config implies, or 0 when the config is out of range
static size_t header_num_parameters(const int *header) {
    MambaConfig c = {.vocab_size = header[2], .padded_vocab_size = header[3], .n_layer = header[4],
                     .d_model = header[5], .d_inner = header[6], .d_state = header[7], .d_conv = header[8],
                     .dt_rank = header[9], .no_selection = header[13]};
    if (c.vocab_size <= 0 || c.vocab_size > 65536 || c.n_layer <= 0 || c.n_layer > 1024 ||
        c.d_model <= 0 || c.d_model > 65536 || c.d_inner <= 0 || c.d_inner > 262144 ||
        c.d_state <= 0 || c.d_state > 256 || c.d_conv <= 0 || c.d_conv > 64 ||
        c.dt_rank <= 0 || c.dt_rank > c.d_model || c.padded_vocab_size <= 0 || c.padded_vocab_size > 65536) {
        return 0;
    }
    size_t sizes[NUM_PARAMETER_TENSORS];
    return fill_in_parameter_sizes(sizes, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) { return -1; }
    fuzz_setup("model");
    int fix_count = data[0] & 1, fix_crc = (data[0] >> 1) & 1;
    size_t n = size - 1;
    size_t header_bytes = HEADER_INTS * sizeof(int);
    uint8_t *file = (uint8_t *)malloc(n > 0 ? n : 1);
    memcpy(file, data + 1, n);
    if (n >= header_bytes && (fix_count || fix_crc)) {
        int header[HEADER_INTS];
        memcpy(header, file, header_bytes);
        size_t count = header_num_parameters(header);
        if (fix_count && count > 0 && header_bytes + count * sizeof(float) <= MAX_FIXED_BYTES) {
            header[10] = (int)(uint32_t)(count & 0xFFFFFFFFu);
            header[11] = (int)(uint32_t)(count >> 32);
            size_t want = header_bytes + count * sizeof(float);
            file = (uint8_t *)realloc(file, want);
            if (want > n) { memset(file + n, 0, want - n); }
            n = want;
        }
        if (fix_crc) {
            header[12] = (int)crc32_update(0, file + header_bytes, n - header_bytes);
        }
        if (header[1] >= 2) { header[MODEL_HEADER_CRC] = (int)header_crc(header, HEADER_INTS, MODEL_HEADER_CRC); }
        memcpy(file, header, header_bytes);
    }
    char path[512];
    fuzz_write_file(fuzz_path(path, "model.bin"), file, n);
    free(file);

    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        MambaConfig c;
        size_t num_parameters;
        uint32_t crc;
        FILE *fp = open_model_file(path, &c, &num_parameters, &crc);
        size_t sizes[NUM_PARAMETER_TENSORS];
        FUZZ_ASSERT(fill_in_parameter_sizes(sizes, &c) == num_parameters);
        FUZZ_ASSERT(header_bytes + num_parameters * sizeof(float) == size - 1 || fix_count);
        float *params = (float *)mallocCheck(num_parameters * sizeof(float));
        read_model_parameters(fp, path, &c, params, num_parameters, crc);
        free(params);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    return 0;
}
