/*
Fuzzes the safetensors reader (llmc/safetensors.h): safetensors_open on a single file, or
safetensors_open_index on an index JSON and its shard, then every tensor looked up by name and
read as fp32.

Input: 1 control byte, then by mode (control & 3):
  0: the whole .safetensors file
  1: JSON header, NUL, data section: the harness writes the 8-byte header length in front
  2, 3: index JSON, NUL, shard JSON header, NUL, shard data: written as
     model.safetensors.index.json and shard s0.safetensors (assembled as in mode 1)
Modes 1-3 let the fuzzer mutate the JSON text without keeping the length prefix in step.
cJSON itself is the system library, not instrumented: coverage guides on our checks only.
*/
#include "fuzz_common.h"
#include "../../llmc/safetensors.h"
#include "fuzz_tensors.h"

static void write_assembled(const char *path, const uint8_t *json, size_t json_len, const uint8_t *data, size_t n) {
    uint8_t *file = (uint8_t *)malloc(8 + json_len + n);
    for (int i = 0; i < 8; i++) { file[i] = (uint8_t)((uint64_t)json_len >> (8 * i)); }
    memcpy(file + 8, json, json_len);
    memcpy(file + 8 + json_len, data, n);
    fuzz_write_file(path, file, 8 + json_len + n);
    free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) { return -1; }
    fuzz_setup("safetensors");
    int mode = data[0] & 3;
    char path[512], index_path[512];
    const uint8_t *part[3];
    size_t len[3];
    if (mode == 0) {
        fuzz_write_file(fuzz_path(path, "model.safetensors"), data + 1, size - 1);
    } else if (mode == 1) {
        fuzz_split(data + 1, size - 1, 2, part, len);
        write_assembled(fuzz_path(path, "model.safetensors"), part[0], len[0], part[1], len[1]);
    } else {
        fuzz_split(data + 1, size - 1, 3, part, len);
        fuzz_write_file(fuzz_path(index_path, "model.safetensors.index.json"), part[0], len[0]);
        write_assembled(fuzz_path(path, "s0.safetensors"), part[1], len[1], part[2], len[2]);
    }

    Safetensors safetensors;
    Safetensors *st = &safetensors;
    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        if (mode < 2) { safetensors_open(st, path); } else { safetensors_open_index(st, index_path); }
        fuzz_read_tensors(st);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    return 0;
}
