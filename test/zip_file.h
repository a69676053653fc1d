/*
Zip archives for the PyTorch-checkpoint tests (test_hf.c) and fuzz harness (test/fuzz/fuzz_torch.c):
the entries of an archive read into memory (with the reader under test, llmc/torch_zip.h, whose own
tests come from torch-written files), and an archive written back from entries: stored, with
correct CRC-32s (or zeros, as torch writes without them), no ZIP64 but for the entries' offsets where asked
(test/fixtures/torch/tiny_zip64 has its sizes and offsets all in ZIP64). So a test can change one entry, say the
pickle, and the archive around it is still sound.
*/
#ifndef ZIP_FILE_H
#define ZIP_FILE_H

#include "../llmc/torch_zip.h"

#define ZIP_MAX_ENTRIES 256

typedef struct {
    int n;
    char *name[ZIP_MAX_ENTRIES];
    unsigned char *data[ZIP_MAX_ENTRIES];
    size_t size[ZIP_MAX_ENTRIES];
} ZipEntries;

static inline void zip_read(ZipEntries *z, const char *path) {
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) { fatalf("cannot open %s", path); }
    fseeko(fp, 0, SEEK_END);
    int n;
    TorchZipEntry *e = torch_zip_entries_(fp, path, (uint64_t)ftello(fp), &n);
    if (n > ZIP_MAX_ENTRIES) { fatalf("%s: %d entries, more than %d", path, n, ZIP_MAX_ENTRIES); }
    z->n = n;
    for (int k = 0; k < n; k++) {
        z->name[k] = e[k].name;
        z->size[k] = (size_t)e[k].size;
        z->data[k] = (unsigned char *)mallocCheck(z->size[k] + 1);
        torch_zip_read_at_(fp, path, e[k].data, z->data[k], z->size[k], e[k].name);
    }
    free(e);
    fclose(fp);
}

// the index of the entry whose name ends in `suffix`, or -1
static inline int zip_find(const ZipEntries *z, const char *suffix) {
    size_t s = strlen(suffix);
    for (int k = 0; k < z->n; k++) {
        size_t len = strlen(z->name[k]);
        if (len >= s && strcmp(z->name[k] + len - s, suffix) == 0) { return k; }
    }
    return -1;
}

static inline void zip_drop(ZipEntries *z, int k) {
    free(z->name[k]);
    free(z->data[k]);
    for (int j = k; j + 1 < z->n; j++) {
        z->name[j] = z->name[j + 1];
        z->data[j] = z->data[j + 1];
        z->size[j] = z->size[j + 1];
    }
    z->n--;
}

// replaces entry k's bytes with a copy of data
static inline void zip_set(ZipEntries *z, int k, const void *data, size_t size) {
    free(z->data[k]);
    z->data[k] = (unsigned char *)mallocCheck(size + 1);
    memcpy(z->data[k], data, size);
    z->size[k] = size;
}

// appends an entry of a copy of data
static inline void zip_add(ZipEntries *z, const char *name, const void *data, size_t size) {
    if (z->n == ZIP_MAX_ENTRIES) { fatalf("more than %d zip entries", ZIP_MAX_ENTRIES); }
    z->name[z->n] = safetensors_strdup_(name);
    z->data[z->n] = NULL;
    zip_set(z, z->n++, data, size);
}

static inline void zip_put_(unsigned char **p, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) { *(*p)++ = (unsigned char)(v >> (8 * i)); }
}

// where zip_write puts entry k's local header (a test changes bytes there, the central directory kept)
static inline size_t zip_local_header_at(const ZipEntries *z, int k) {
    size_t at = 0;
    for (int j = 0; j < k; j++) { at += 30 + strlen(z->name[j]) + z->size[j]; }
    return at;
}

/*
zero_crc: -1 every CRC-32 true; -2 every one 0 (torch 2.x with set_crc32_options(False)); k: entry k's alone 0.
zip64_from >= 0: the central directory gives the local header's offset of entries zip64_from, zip64_from + 1, ...
in a ZIP64 field of their own, the offset field reading 0xFFFFFFFF, and their sizes in the 32-bit fields: what
miniz (torch's writer) writes for each entry that starts past 4 GiB, its sizes being below 4 GiB.
*/
static inline void zip_write_as(const ZipEntries *z, const char *path, int zero_crc, int zip64_from) {
    size_t total = 22;
    for (int k = 0; k < z->n; k++) { total += 30 + 46 + 2 * strlen(z->name[k]) + z->size[k] + 12; } // (12: a ZIP64 field)
    unsigned char *buf = (unsigned char *)mallocCheck(total), *p = buf;
    uint64_t offsets[ZIP_MAX_ENTRIES];
    for (int k = 0; k < z->n; k++) {
        size_t len = strlen(z->name[k]);
        offsets[k] = (uint64_t)(p - buf);
        zip_put_(&p, 0x04034b50u, 4);
        zip_put_(&p, 20, 2); zip_put_(&p, 0, 2); zip_put_(&p, 0, 2); zip_put_(&p, 0, 2); zip_put_(&p, 0x21, 2);
        zip_put_(&p, zero_crc == -2 || zero_crc == k ? 0 : crc32_update(0, z->data[k], z->size[k]), 4);
        zip_put_(&p, z->size[k], 4); zip_put_(&p, z->size[k], 4);
        zip_put_(&p, len, 2); zip_put_(&p, 0, 2);
        memcpy(p, z->name[k], len);
        p += len;
        memcpy(p, z->data[k], z->size[k]);
        p += z->size[k];
    }
    unsigned char *cd = p;
    for (int k = 0; k < z->n; k++) {
        size_t len = strlen(z->name[k]);
        zip_put_(&p, 0x02014b50u, 4);
        zip_put_(&p, 20, 2); zip_put_(&p, 20, 2); zip_put_(&p, 0, 2); zip_put_(&p, 0, 2); zip_put_(&p, 0, 2); zip_put_(&p, 0x21, 2);
        zip_put_(&p, zero_crc == -2 || zero_crc == k ? 0 : crc32_update(0, z->data[k], z->size[k]), 4);
        zip_put_(&p, z->size[k], 4); zip_put_(&p, z->size[k], 4);
        int wide = zip64_from >= 0 && k >= zip64_from;
        zip_put_(&p, len, 2); zip_put_(&p, wide ? 12 : 0, 2); zip_put_(&p, 0, 2); zip_put_(&p, 0, 2); zip_put_(&p, 0, 2); zip_put_(&p, 0, 4);
        zip_put_(&p, wide ? 0xFFFFFFFFu : offsets[k], 4);
        memcpy(p, z->name[k], len);
        p += len;
        if (wide) { zip_put_(&p, 1, 2); zip_put_(&p, 8, 2); zip_put_(&p, offsets[k], 8); } // (id 1, 8 bytes: the offset)
    }
    size_t cd_size = (size_t)(p - cd), cd_offset = (size_t)(cd - buf);
    zip_put_(&p, 0x06054b50u, 4);
    zip_put_(&p, 0, 2); zip_put_(&p, 0, 2); zip_put_(&p, z->n, 2); zip_put_(&p, z->n, 2);
    zip_put_(&p, cd_size, 4); zip_put_(&p, cd_offset, 4); zip_put_(&p, 0, 2);
    FILE *fp = fopen(path, "wb");
    if (fp == NULL || fwrite(buf, 1, (size_t)(p - buf), fp) != (size_t)(p - buf) || fclose(fp) != 0) { fatalf("cannot write %s", path); }
    free(buf);
}

static inline void zip_write_crc(const ZipEntries *z, const char *path, int zero_crc) { zip_write_as(z, path, zero_crc, -1); }

static inline void zip_write(const ZipEntries *z, const char *path) { zip_write_crc(z, path, -1); }

static inline void zip_free(ZipEntries *z) {
    for (int k = 0; k < z->n; k++) {
        free(z->name[k]);
        free(z->data[k]);
    }
    z->n = 0;
}

#endif // ZIP_FILE_H
