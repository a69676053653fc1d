/*
Fuzzes the PyTorch checkpoint reader (llmc/torch_zip.h): torch_zip_open on a pytorch_model.bin, or
torch_zip_open_index on a sharded one, then every tensor looked up by name and read as fp32.

Input: 1 control byte, then by mode:
  control & 5 == 0: the whole zip file
  control & 5 == 1: its entries, each as [1 byte name length][name][4 bytes little-endian data length][data],
     which the harness writes as a zip of stored entries with sound CRC-32s (test/zip_file.h): the fuzzer
     mutates the pickle and the storages without the CRC checks turning every mutation away; with
     control & 2, every CRC-32 field 0 instead, as torch writes without them (read unchecked)
  control & 4: a sharded checkpoint (transformers without safetensors): pytorch_model.bin.index.json's text,
     NUL, the first shard's entries (as above), a 0 byte, the second shard's entries; written as the index,
     pytorch_model-00001-of-00002.bin and pytorch_model-00002-of-00002.bin; control & 2: the first shard
     without CRC-32s, control & 8: the second
*/
#include "fuzz_common.h"
#include "../zip_file.h"
#include "fuzz_tensors.h"

// entries from data[*at..size) into z (pointing into data, names into names[]); with `shard_end`, a 0 byte where
// a name length would be ends them (the sharded form's separator: an empty name is refused anyway), *at past it
static void read_entries(const uint8_t *data, size_t size, size_t *at_io, int shard_end, ZipEntries *z,
                         char (*names)[256]) {
    size_t at = *at_io;
    z->n = 0;
    while (at < size && z->n < ZIP_MAX_ENTRIES) {
        size_t name_len = data[at++];
        if (name_len == 0 && shard_end) { break; }
        if (size - at < name_len + 4) { at = size; break; }
        memcpy(names[z->n], data + at, name_len);
        names[z->n][name_len] = '\0';
        at += name_len;
        size_t len = torch_zip_u32_(data + at);
        at += 4;
        if (len > size - at) { len = size - at; }
        z->name[z->n] = names[z->n];
        z->data[z->n] = (unsigned char *)data + at;
        z->size[z->n++] = len;
        at += len;
    }
    *at_io = at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) { return -1; }
    fuzz_setup("torch");
    char path[512];
    static ZipEntries z;
    static char names[ZIP_MAX_ENTRIES][256];
    int sharded = data[0] & 4;
    if (sharded) {
        const uint8_t *part[2];
        size_t len[2];
        fuzz_split(data + 1, size - 1, 2, part, len);
        fuzz_write_file(fuzz_path(path, "pytorch_model.bin.index.json"), part[0], len[0]);
        const uint8_t *shards = part[1];
        size_t at = 0;
        for (int s = 0; s < 2; s++) {
            read_entries(shards, len[1], &at, s == 0, &z, names);
            int zero_crc = data[0] & (s == 0 ? 2 : 8);
            fuzz_path(path, s == 0 ? "pytorch_model-00001-of-00002.bin" : "pytorch_model-00002-of-00002.bin");
            zip_write_crc(&z, path, zero_crc ? -2 : -1); // (the entries point into the input: nothing to free)
        }
        fuzz_path(path, "pytorch_model.bin.index.json");
    } else if ((data[0] & 1) == 0) {
        fuzz_write_file(fuzz_path(path, "pytorch_model.bin"), data + 1, size - 1);
    } else {
        size_t at = 1;
        read_entries(data, size, &at, 0, &z, names);
        zip_write_crc(&z, fuzz_path(path, "pytorch_model.bin"), data[0] & 2 ? -2 : -1);
    }

    Safetensors safetensors;
    Safetensors *st = &safetensors;
    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        if (sharded) {
            torch_zip_open_index(st, path);
            // (the two shards, or a pytorch_model.bin an earlier input left: the only zip files the index can name)
            FUZZ_ASSERT(st->num_files >= 1 && st->num_files <= 3);
        } else {
            torch_zip_open(st, path);
            FUZZ_ASSERT(st->num_files == 1);
        }
        fuzz_read_tensors(st);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    return 0;
}
