/*
Fuzzes the PyTorch checkpoint reader (llmc/torch_zip.h): torch_zip_open on a pytorch_model.bin, then
every tensor looked up by name and read as fp32.

Input: 1 control byte, then by mode (control & 1):
  0: the whole zip file
  1: its entries, each as [1 byte name length][name][4 bytes little-endian data length][data], which
     the harness writes as a zip of stored entries with sound CRC-32s (test/zip_file.h): the fuzzer
     mutates the pickle and the storages without the CRC checks turning every mutation away; with
     control & 2, every CRC-32 field 0 instead, as torch writes without them (read unchecked)
*/
#include "fuzz_common.h"
#include "../zip_file.h"
#include "fuzz_tensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) { return -1; }
    fuzz_setup("torch");
    char path[512];
    fuzz_path(path, "pytorch_model.bin");
    if ((data[0] & 1) == 0) {
        fuzz_write_file(path, data + 1, size - 1);
    } else {
        static ZipEntries z;
        z.n = 0;
        static char names[ZIP_MAX_ENTRIES][256];
        for (size_t at = 1; at < size && z.n < ZIP_MAX_ENTRIES;) {
            size_t name_len = data[at++];
            if (size - at < name_len + 4) { break; }
            memcpy(names[z.n], data + at, name_len);
            names[z.n][name_len] = '\0';
            at += name_len;
            size_t len = torch_zip_u32_(data + at);
            at += 4;
            if (len > size - at) { len = size - at; }
            z.name[z.n] = names[z.n];
            z.data[z.n] = (unsigned char *)data + at;
            z.size[z.n++] = len;
            at += len;
        }
        zip_write_crc(&z, path, data[0] & 2 ? -2 : -1); // (the entries point into the input: nothing to free)
    }

    Safetensors safetensors;
    Safetensors *st = &safetensors;
    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        torch_zip_open(st, path);
        fuzz_read_tensors(st);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    return 0;
}
