/*
Fuzzes the training state loader (load_state_file) for a model of fixed size: the small config
d8:l1:v8 (NUM_STATE_PARAMS parameters, so m and v are that many floats each).

Input: 1 control byte, then the state file.
  bit 0: rewrite header[6..7] to the model's parameter count
  bit 1: cut or zero-pad the file to the size the loader expects
  bit 2: rewrite header[16] to the CRC-32 of m and v, and for version 6 header[38] to that of the -sl / -sg
         windows after them
With any of them, a version-2 header's own CRC ([18]) is rewritten last, over the rewritten header.
*/
#include "fuzz_common.h"
#include "../../llmc/train_common.h"

static size_t state_num_parameters(void) {
    MambaConfig c;
    config_fill_defaults(&c, 8, 1, 8);
    size_t sizes[NUM_PARAMETER_TENSORS];
    return fill_in_parameter_sizes(sizes, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) { return -1; }
    fuzz_setup("state");
    static size_t num_params = 0;
    if (num_params == 0) { num_params = state_num_parameters(); }
    size_t header_bytes = HEADER_INTS * sizeof(int), mv_bytes = 2 * num_params * sizeof(float);
    size_t want = header_bytes + mv_bytes;
    size_t n = size - 1;
    uint8_t *file = (uint8_t *)malloc(n > want + STATE_WINDOWS_BYTES ? n : want + STATE_WINDOWS_BYTES);
    memcpy(file, data + 1, n);
    if (n >= header_bytes) {
        int *header = (int *)file;
        if (header[1] >= 6) { want += STATE_WINDOWS_BYTES; }
        if (data[0] & 1) { put64(header + 6, num_params); }
        if (data[0] & 2) {
            if (want > n) { memset(file + n, 0, want - n); }
            n = want;
        }
        if (data[0] & 4) {
            size_t body = n - header_bytes;
            header[16] = (int)crc32_update(0, file + header_bytes, body < mv_bytes ? body : mv_bytes);
            if (header[1] >= 6 && body > mv_bytes) { header[38] = (int)crc32_update(0, file + header_bytes + mv_bytes, body - mv_bytes); }
        }
        if ((data[0] & 7) && header[1] >= 2) { header[STATE_HEADER_CRC] = (int)header_crc(header, HEADER_INTS, STATE_HEADER_CRC); }
    }
    char path[512];
    fuzz_write_file(fuzz_path(path, "state.bin"), file, n);
    free(file);

    float *m = (float *)malloc(num_params * sizeof(float));
    float *v = (float *)malloc(num_params * sizeof(float));
    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        TrainState s;
        load_state_file(path, &s, m, v, num_params);
        FUZZ_ASSERT(n == want);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    free(m);
    free(v);
    return 0;
}
