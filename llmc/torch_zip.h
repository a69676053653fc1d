/*
Reading PyTorch checkpoints: torch.save's zip format, the pytorch_model.bin in which the mamba_ssm
releases (state-spaces/mamba-130m ... 2.8b) ship their weights. Header-only C that also compiles as
C++. The tensors land in the same list the safetensors reader fills (llmc/safetensors.h), so the
import that follows (llmc/hf_io.h) is one code path for both formats. A large model that transformers
saved without safetensors comes in shards (pytorch_model-0000i-of-0000n.bin, each a torch.save file)
named by pytorch_model.bin.index.json: torch_zip_open_index reads them as the safetensors reader reads
a sharded model.safetensors.

The format, as torch/serialization.py writes it (all little-endian):

    a zip archive of stored (uncompressed) entries, all in one folder <archive>/:
      <archive>/data.pkl     the object saved, pickled (protocol 2). A state dict is an OrderedDict of
                             name -> torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
                             stride, requires_grad, backward_hooks[, metadata])
      <archive>/data/<key>   the bytes of each storage, which the pickle names by a persistent id
                             ('storage', torch.FloatStorage | BFloat16Storage | HalfStorage, key,
                             location, number of elements)
      <archive>/byteorder    "little" (files from torch before 1.13 lack it: little too)
      <archive>/version ...  not read
    A file past 4 GiB (mamba-2.8b in fp32: 11 GB) carries its sizes and offsets in ZIP64 fields.
    The local header before each entry's data must agree with the central directory: the same name (its
    length places the data), stored, and the same CRC-32 and sizes unless a data descriptor after the
    data holds those (torch's writer uses one). Its extra field may differ: torch pads the data there.

Nothing in the pickle is executed. A small stack machine knows the opcodes a state dict uses and
three callables (collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, or
torch 2.x's _rebuild_parameter_with_state); any other callable is a one-line error, as is a storage of
another dtype or a tensor with torch 2.x's metadata flags (a negated or conjugated view). The pickle's CRC-32
is checked before it is read; a storage's when the first tensor in it is read (safetensors_read_f32 reads the
whole storage then), so the file is read once and an unused storage not at all, and hf_load_model refuses a
corrupt storage in one line before it hands out any parameter. (A file that torch 2.x saved without CRC-32s,
torch.serialization.set_crc32_options(False), has 0 in every entry's CRC field: it is read unchecked, with a note.)
Each tensor must be row-major contiguous and inside its storage; tensors may share a storage (a tied head and
embedding do).
The format before torch 1.6 (a bare pickle, `_use_new_zipfile_serialization=False`) is recognised
and refused.
*/
#ifndef TORCH_ZIP_H
#define TORCH_ZIP_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "utils.h"
#include "safetensors.h"

#define TORCH_ZIP_MAX_PICKLE_BYTES (256ull << 20)
#define TORCH_ZIP_MAX_DIRECTORY_BYTES (256ull << 20)
#define TORCH_ZIP_MAX_STACK (1 << 20)
// the values the pickle may make (a state dict makes about 17 a tensor: 2^20 is over 60,000 tensors, mamba-2.8b
// has 645), so a small hostile pickle cannot ask for much memory: each value is ~150 bytes, made by one byte or two
#define TORCH_ZIP_MAX_VALUES (1u << 20)
#define TORCH_ZIP_MAX_ITEMS (2 * TORCH_ZIP_MAX_VALUES) // in one container (a dict holds 2 a tensor)
#define TORCH_ZIP_MAX_GLOBAL_BYTES 256                 // of a global's module, and of its name
#define TORCH_ZIP_MAX_KEY_BYTES 64 // of a storage key (torch's are 0, 1, 2, ...) and other text an error quotes

static inline uint32_t torch_zip_u16_(const unsigned char *b) { return (uint32_t)b[0] | (uint32_t)b[1] << 8; }
static inline uint32_t torch_zip_u32_(const unsigned char *b) { return torch_zip_u16_(b) | torch_zip_u16_(b + 2) << 16; }
static inline uint64_t torch_zip_u64_(const unsigned char *b) { return torch_zip_u32_(b) | (uint64_t)torch_zip_u32_(b + 4) << 32; }

static inline void torch_zip_read_at_(FILE *fp, const char *path, uint64_t offset, void *buf, size_t n, const char *what) {
    if (offset > (uint64_t)0x7fffffffffffffffull || fseeko(fp, (off_t)offset, SEEK_SET) != 0 || fread(buf, 1, n, fp) != n) {
        fatalf("%s: cannot read the %s (%zu bytes at byte %llu): truncated file?", path, what, n, (unsigned long long)offset);
    }
}

// text an error may quote: short, no control characters (a newline would make the error two lines)
static inline int torch_zip_printable_(const char *s) {
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f || n >= TORCH_ZIP_MAX_KEY_BYTES) { return 0; }
    }
    return 1;
}

// ----------------------------------------------------------------------------
// the zip container

typedef struct {
    char *name;
    uint64_t data; // file offset of its first byte
    uint64_t size;
    uint32_t crc;
    int crc_checked; // 0 in an archive saved without CRC-32s (torch_zip_add_file_)
} TorchZipEntry;

static inline int torch_zip_cmp_entry_(const void *a, const void *b) {
    return strcmp(((const TorchZipEntry *)a)->name, ((const TorchZipEntry *)b)->name);
}

static inline const TorchZipEntry *torch_zip_find_(const TorchZipEntry *entries, int n, const char *name) {
    TorchZipEntry key;
    key.name = (char *)name;
    return (const TorchZipEntry *)bsearch(&key, entries, (size_t)n, sizeof(TorchZipEntry), torch_zip_cmp_entry_);
}

/*
An extra field's ZIP64 record (id 1) gives the 64-bit values of those of *wide[0..n) that read 0xFFFFFFFF, in
that order: the sizes (uncompressed, compressed), then in the central directory the local header's offset.
*/
static inline void torch_zip_zip64_(const char *path, const char *name, const unsigned char *x, size_t extra_len,
                                    uint64_t *const *wide, int n) {
    for (const unsigned char *x_end = x + extra_len; x_end - x >= 4;) {
        size_t id = torch_zip_u16_(x), len = torch_zip_u16_(x + 2);
        if ((size_t)(x_end - x - 4) < len) { fatalf("%s: zip entry '%s': damaged extra field", path, name); }
        if (id == 1) {
            const unsigned char *v = x + 4;
            for (int w = 0; w < n; w++) {
                if (*wide[w] != 0xFFFFFFFFu) { continue; }
                if (v + 8 > x + 4 + len) { fatalf("%s: zip entry '%s': ZIP64 field too short", path, name); }
                *wide[w] = torch_zip_u64_(v);
                v += 8;
            }
        }
        x += 4 + len;
    }
}

/*
The local header before a stored entry's data; returns where the data starts. Its name's and extra field's
lengths place the data, so it must name the entry; its method must be the central directory's (stored), and
so must its CRC and sizes, unless flag bit 3 says that a data descriptor after the data holds them (torch's
writer does so, and leaves zeros here). Its extra field is its own (torch pads the data to 64 bytes there).
*/
static inline uint64_t torch_zip_local_header_(FILE *fp, const char *path, const char *name, uint64_t local, uint64_t cd_offset,
                                               uint32_t crc, uint64_t size) {
    unsigned char lh[30];
    if (local > cd_offset || cd_offset - local < 30) { fatalf("%s: zip entry '%s': local header outside the file", path, name); }
    torch_zip_read_at_(fp, path, local, lh, 30, "zip local header");
    if (torch_zip_u32_(lh) != 0x04034b50u) { fatalf("%s: zip entry '%s': bad local header signature", path, name); }
    size_t name_len = strlen(name), local_name_len = torch_zip_u16_(lh + 26), extra_len = torch_zip_u16_(lh + 28);
    if (local_name_len != name_len) {
        fatalf("%s: zip entry '%s': its local header names another entry (a name of %zu bytes): the archive is damaged", path,
               name, local_name_len);
    }
    if (cd_offset - local - 30 < name_len + extra_len) { fatalf("%s: zip entry '%s': local header outside the file", path, name); }
    unsigned char *v = (unsigned char *)mallocCheck(name_len + extra_len + 1);
    torch_zip_read_at_(fp, path, local + 30, v, name_len + extra_len, "zip local header");
    if (memcmp(v, name, name_len) != 0) {
        char other[TORCH_ZIP_MAX_KEY_BYTES + 1] = "";
        if (name_len < sizeof(other)) { memcpy(other, v, name_len); }
        fatalf("%s: zip entry '%s': its local header names another entry ('%s'): the archive is damaged", path, name,
               strlen(other) == name_len && torch_zip_printable_(other) ? other : "?");
    }
    uint32_t flags = torch_zip_u16_(lh + 6), method = torch_zip_u16_(lh + 8), local_crc = torch_zip_u32_(lh + 14);
    uint64_t csize = torch_zip_u32_(lh + 18), usize = torch_zip_u32_(lh + 22);
    uint64_t *wide[2] = {&usize, &csize};
    torch_zip_zip64_(path, name, v + name_len, extra_len, wide, (flags & 8) ? 0 : 2); // (a descriptor has the sizes)
    free(v);
    if (flags & 1) { fatalf("%s: zip entry '%s' is encrypted", path, name); }
    if (method != 0) {
        fatalf("%s: zip entry '%s': its local header says compression method %u, the central directory 0 (stored)", path, name,
               method);
    }
    if ((flags & 8) == 0 && (local_crc != crc || csize != size || usize != size)) {
        fatalf("%s: zip entry '%s': its local header says %llu bytes (%llu stored), CRC-32 0x%08x; the central directory "
               "%llu bytes, 0x%08x", path, name, (unsigned long long)usize, (unsigned long long)csize, local_crc,
               (unsigned long long)size, crc);
    }
    uint64_t data = local + 30 + name_len + extra_len;
    if (size > cd_offset - data) {
        fatalf("%s: zip entry '%s' (%llu bytes) runs past the archive's data (truncated?)", path, name, (unsigned long long)size);
    }
    return data;
}

/*
The central directory: found through the end record (the last 22 bytes, or more with a comment), and
through the ZIP64 end record when a field of the first says 0xFFFF... Returns the entries sorted by name,
each with its data's place (from its local header) and its CRC.
*/
static inline TorchZipEntry *torch_zip_entries_(FILE *fp, const char *path, uint64_t size, int *num_entries) {
    if (size < 22) { fatalf("%s: %llu byte%s, too short for a zip archive (a PyTorch checkpoint is one)", path, (unsigned long long)size, plural_s((long long)size)); }
    size_t tail_len = size < 22 + 65535 ? (size_t)size : 22 + 65535;
    unsigned char *tail = (unsigned char *)mallocCheck(tail_len);
    torch_zip_read_at_(fp, path, size - tail_len, tail, tail_len, "end of the zip archive");
    size_t end = SIZE_MAX; // the end record's position in tail: its signature, and its comment reaching the file's end
    for (size_t i = tail_len - 22 + 1; i-- > 0;) {
        if (torch_zip_u32_(tail + i) == 0x06054b50u && i + 22 + torch_zip_u16_(tail + i + 20) == tail_len) {
            end = i;
            break;
        }
    }
    if (end == SIZE_MAX) { fatalf("%s: no zip end record: not a zip archive, or truncated", path); }
    uint64_t end_pos = size - tail_len + end;
    const unsigned char *e = tail + end;
    uint64_t disk = torch_zip_u16_(e + 4), cd_disk = torch_zip_u16_(e + 6), count = torch_zip_u16_(e + 10);
    uint64_t cd_size = torch_zip_u32_(e + 12), cd_offset = torch_zip_u32_(e + 16);
    if (count == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) { // ZIP64: its locator is the 20 bytes before
        unsigned char loc[20], rec[56];
        if (end_pos < 20) { fatalf("%s: a ZIP64 archive without its end locator", path); }
        torch_zip_read_at_(fp, path, end_pos - 20, loc, 20, "ZIP64 end locator");
        if (torch_zip_u32_(loc) != 0x07064b50u) { fatalf("%s: a ZIP64 archive without its end locator", path); }
        uint64_t rec_pos = torch_zip_u64_(loc + 8);
        if (rec_pos > end_pos - 20 || end_pos - 20 - rec_pos < 56) { fatalf("%s: the ZIP64 end record lies outside the file", path); }
        torch_zip_read_at_(fp, path, rec_pos, rec, 56, "ZIP64 end record");
        if (torch_zip_u32_(rec) != 0x06064b50u) { fatalf("%s: bad ZIP64 end record signature", path); }
        disk = torch_zip_u32_(rec + 16);
        cd_disk = torch_zip_u32_(rec + 20);
        count = torch_zip_u64_(rec + 32);
        cd_size = torch_zip_u64_(rec + 40);
        cd_offset = torch_zip_u64_(rec + 48);
        end_pos = rec_pos;
    }
    free(tail);
    if (disk != 0 || cd_disk != 0) { fatalf("%s: a zip archive split over several files is not supported", path); }
    if (cd_offset > end_pos || cd_size > end_pos - cd_offset) {
        fatalf("%s: the zip central directory (%llu bytes at %llu) lies outside the file (truncated?)", path,
               (unsigned long long)cd_size, (unsigned long long)cd_offset);
    }
    if (cd_size > TORCH_ZIP_MAX_DIRECTORY_BYTES || count > cd_size / 46) {
        fatalf("%s: a zip central directory of %llu entries in %llu bytes is implausible", path, (unsigned long long)count,
               (unsigned long long)cd_size);
    }
    unsigned char *cd = (unsigned char *)mallocCheck(cd_size > 0 ? (size_t)cd_size : 1);
    torch_zip_read_at_(fp, path, cd_offset, cd, (size_t)cd_size, "zip central directory");
    TorchZipEntry *entries = (TorchZipEntry *)callocCheck(count > 0 ? (size_t)count : 1, sizeof(TorchZipEntry));
    size_t at = 0;
    for (uint64_t k = 0; k < count; k++) {
        const unsigned char *c = cd + at;
        if (cd_size - at < 46 || torch_zip_u32_(c) != 0x02014b50u) { fatalf("%s: zip central directory entry %llu is damaged", path, (unsigned long long)k); }
        uint32_t flags = torch_zip_u16_(c + 8), method = torch_zip_u16_(c + 10);
        uint64_t csize = torch_zip_u32_(c + 20), usize = torch_zip_u32_(c + 24), local = torch_zip_u32_(c + 42);
        size_t name_len = torch_zip_u16_(c + 28), extra_len = torch_zip_u16_(c + 30), comment_len = torch_zip_u16_(c + 32);
        if (cd_size - at - 46 < name_len + extra_len + comment_len) { fatalf("%s: zip central directory entry %llu is damaged", path, (unsigned long long)k); }
        char *name = (char *)mallocCheck(name_len + 1);
        memcpy(name, c + 46, name_len);
        name[name_len] = '\0';
        if (strlen(name) != name_len) { fatalf("%s: zip entry %llu's name holds a NUL byte", path, (unsigned long long)k); }
        safetensors_check_name_(path, "zip entry name", name);
        uint64_t *wide[3] = {&usize, &csize, &local};
        torch_zip_zip64_(path, name, c + 46 + name_len, extra_len, wide, 3);
        if (flags & 1) { fatalf("%s: zip entry '%s' is encrypted", path, name); }
        entries[k].name = name;
        entries[k].size = usize;
        entries[k].crc = torch_zip_u32_(c + 16);
        entries[k].crc_checked = 1;
        // (a compressed entry is checked no further: refused if the checkpoint reads it; a stored one's local header is, read or not)
        if (method != 0 || csize != usize) {
            entries[k].data = UINT64_MAX; // compressed: refused if the checkpoint uses it
        } else {
            entries[k].data = torch_zip_local_header_(fp, path, name, local, cd_offset, entries[k].crc, usize);
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    free(cd);
    qsort(entries, (size_t)count, sizeof(TorchZipEntry), torch_zip_cmp_entry_);
    for (uint64_t k = 1; k < count; k++) {
        if (strcmp(entries[k - 1].name, entries[k].name) == 0) { fatalf("%s: zip entry '%s' appears twice", path, entries[k].name); }
    }
    *num_entries = (int)count;
    return entries;
}

// an entry the checkpoint reads whole (data.pkl, byteorder): stored, and its bytes match its CRC-32; returns
// them, malloc'd, a NUL after them
static inline unsigned char *torch_zip_read_entry_(FILE *fp, const char *path, const TorchZipEntry *e) {
    if (e->data == UINT64_MAX) { fatalf("%s: zip entry '%s' is compressed: torch.save stores its entries uncompressed", path, e->name); }
    unsigned char *bytes = (unsigned char *)mallocCheck((size_t)e->size + 1);
    torch_zip_read_at_(fp, path, e->data, bytes, (size_t)e->size, e->name);
    bytes[e->size] = '\0';
    uint32_t crc = crc32_update(0, bytes, (size_t)e->size);
    if (e->crc_checked && crc != e->crc) {
        fatalf("%s: zip entry '%s' fails its CRC-32 check (0x%08x, the archive says 0x%08x): the file is corrupt", path, e->name,
               crc, e->crc);
    }
    return bytes;
}

// ----------------------------------------------------------------------------
// the pickle: a stack machine for the opcodes of protocols 2-5 that a saved state dict uses

typedef enum { PK_MARK, PK_NONE, PK_BOOL, PK_INT, PK_FLOAT, PK_STR, PK_TUPLE, PK_LIST, PK_DICT, PK_GLOBAL, PK_STORAGE, PK_TENSOR } PkKind;
static const char *const PK_KIND_NAMES[] = {"mark", "None", "bool", "int", "float", "str", "tuple", "list", "dict", "global", "storage", "tensor"};

typedef struct PkValue {
    PkKind kind;
    int64_t i;               // PK_INT, PK_BOOL; PK_STORAGE: its number of elements
    char *s;                 // PK_STR (NUL-terminated, no NUL inside); PK_GLOBAL "module.name"; PK_STORAGE its key
    struct PkValue **items;  // PK_TUPLE, PK_LIST; PK_DICT: key, value, key, value, ...
    int n, cap;
    int used;                // PK_STR: already a state dict key (the same key object twice: refused)
    SafetensorsDtype dtype;  // PK_STORAGE
    struct PkValue *storage; // PK_TENSOR: its storage, offset (elements), shape
    uint64_t offset;
    int ndim;
    size_t shape[SAFETENSORS_MAX_DIMS];
} PkValue;

typedef struct {
    const char *path;               // the checkpoint, for errors
    const unsigned char *pkl, *p, *end;
    size_t op_at;                   // where the opcode being run starts (errors name it)
    PkValue **stack;
    int sp, stack_cap;
    PkValue **memo;
    size_t memo_cap, memo_count; // (MEMOIZE stores at memo_count, as Python's len(memo))
    PkValue **all; // every value made, freed together
    size_t num_all, all_cap;
} PkMachine;

#define PK_FAIL(m, ...) pk_fail_(m, __VA_ARGS__)
static inline void pk_fail_(const PkMachine *m, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fatalf("%s: data.pkl, byte %zu: %s", m->path, m->op_at, msg);
}

static inline PkValue *pk_new_(PkMachine *m, PkKind kind) {
    if (m->num_all >= TORCH_ZIP_MAX_VALUES) { PK_FAIL(m, "more than %u values: too many for a state dict", TORCH_ZIP_MAX_VALUES); }
    if (m->num_all == m->all_cap) {
        m->all_cap = m->all_cap ? 2 * m->all_cap : 1024;
        m->all = (PkValue **)realloc(m->all, m->all_cap * sizeof(PkValue *));
        if (m->all == NULL) { fatalf("%s: out of memory reading data.pkl", m->path); }
    }
    PkValue *v = (PkValue *)callocCheck(1, sizeof(PkValue));
    v->kind = kind;
    m->all[m->num_all++] = v;
    return v;
}

static inline void pk_add_item_(PkMachine *m, PkValue *container, PkValue *item) {
    if (container->n == container->cap) {
        if ((unsigned)container->cap >= TORCH_ZIP_MAX_ITEMS) { PK_FAIL(m, "a container of more than %u items", TORCH_ZIP_MAX_ITEMS); }
        container->cap = container->cap ? 2 * container->cap : 4;
        container->items = (PkValue **)realloc(container->items, (size_t)container->cap * sizeof(PkValue *));
        if (container->items == NULL) { fatalf("%s: out of memory reading data.pkl", m->path); }
    }
    container->items[container->n++] = item;
}

static inline void pk_push_(PkMachine *m, PkValue *v) {
    if (m->sp == m->stack_cap) {
        if (m->stack_cap >= TORCH_ZIP_MAX_STACK) { PK_FAIL(m, "the stack grows past %d values", TORCH_ZIP_MAX_STACK); }
        m->stack_cap = m->stack_cap ? 2 * m->stack_cap : 256;
        m->stack = (PkValue **)realloc(m->stack, (size_t)m->stack_cap * sizeof(PkValue *));
        if (m->stack == NULL) { fatalf("%s: out of memory reading data.pkl", m->path); }
    }
    m->stack[m->sp++] = v;
}

static inline PkValue *pk_top_(PkMachine *m) {
    if (m->sp == 0 || m->stack[m->sp - 1]->kind == PK_MARK) { PK_FAIL(m, "a value was expected on the stack"); }
    return m->stack[m->sp - 1];
}

static inline PkValue *pk_pop_(PkMachine *m) {
    PkValue *v = pk_top_(m);
    m->sp--;
    return v;
}

static inline PkValue *pk_pop_kind_(PkMachine *m, PkKind kind, const char *what) {
    PkValue *v = pk_pop_(m);
    if (v->kind != kind) { PK_FAIL(m, "%s: a %s was expected, found a %s", what, PK_KIND_NAMES[kind], PK_KIND_NAMES[v->kind]); }
    return v;
}

// the index of the newest mark; the values above it are the mark's items
static inline int pk_mark_(PkMachine *m) {
    for (int k = m->sp - 1; k >= 0; k--) {
        if (m->stack[k]->kind == PK_MARK) { return k; }
    }
    PK_FAIL(m, "no mark on the stack");
    return -1;
}

static inline const unsigned char *pk_take_(PkMachine *m, uint64_t n) {
    if ((uint64_t)(m->end - m->p) < n) { PK_FAIL(m, "the pickle ends inside an opcode's argument"); }
    const unsigned char *at = m->p;
    m->p += n;
    return at;
}

static inline PkValue *pk_str_(PkMachine *m, uint64_t len) {
    const unsigned char *s = pk_take_(m, len);
    if (memchr(s, 0, (size_t)len) != NULL) { PK_FAIL(m, "a string holds a NUL byte"); }
    PkValue *v = pk_new_(m, PK_STR);
    v->s = (char *)mallocCheck((size_t)len + 1);
    memcpy(v->s, s, (size_t)len);
    v->s[len] = '\0';
    return v;
}

static inline PkValue *pk_int_(PkMachine *m, int64_t i) {
    PkValue *v = pk_new_(m, PK_INT);
    v->i = i;
    return v;
}

// GLOBAL's "module\nname\n" lines
static inline const char *pk_line_(PkMachine *m, size_t *len) {
    const unsigned char *nl = (const unsigned char *)memchr(m->p, '\n', (size_t)(m->end - m->p));
    if (nl == NULL || nl - m->p > TORCH_ZIP_MAX_GLOBAL_BYTES) { PK_FAIL(m, "a GLOBAL opcode without its two lines"); }
    const char *line = (const char *)m->p;
    *len = (size_t)(nl - m->p);
    m->p = nl + 1;
    return line;
}

static inline PkValue *pk_global_(PkMachine *m, const char *module, size_t module_len, const char *name, size_t name_len) {
    if (module_len > TORCH_ZIP_MAX_GLOBAL_BYTES || name_len > TORCH_ZIP_MAX_GLOBAL_BYTES) {
        PK_FAIL(m, "a global whose module or name is over %d bytes", TORCH_ZIP_MAX_GLOBAL_BYTES);
    }
    PkValue *v = pk_new_(m, PK_GLOBAL);
    v->s = (char *)mallocCheck(module_len + name_len + 2);
    memcpy(v->s, module, module_len);
    v->s[module_len] = '.';
    memcpy(v->s + module_len + 1, name, name_len);
    v->s[module_len + 1 + name_len] = '\0';
    if (strlen(v->s) != module_len + 1 + name_len) { PK_FAIL(m, "a global's name holds a NUL byte"); }
    for (const char *c = v->s; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) { PK_FAIL(m, "a global's name has control characters"); }
    }
    return v;
}

static inline int64_t pk_tuple_int_(PkMachine *m, const PkValue *v, const char *what) {
    if (v->kind != PK_INT) { PK_FAIL(m, "%s: an int was expected, found a %s", what, PK_KIND_NAMES[v->kind]); }
    return v->i;
}

// ('storage', torch.<Type>Storage, key, location, numel): a storage, whose bytes are the entry data/<key>
static inline PkValue *pk_persistent_load_(PkMachine *m, const PkValue *pid) {
    if (pid->kind != PK_TUPLE || pid->n != 5 || pid->items[0]->kind != PK_STR || strcmp(pid->items[0]->s, "storage") != 0 ||
        pid->items[1]->kind != PK_GLOBAL || pid->items[2]->kind != PK_STR) {
        PK_FAIL(m, "a persistent id other than ('storage', type, key, location, size)");
    }
    PkValue *s = pk_new_(m, PK_STORAGE);
    const char *type = pid->items[1]->s;
    if (strcmp(type, "torch.FloatStorage") == 0) { s->dtype = SAFETENSORS_F32; }
    else if (strcmp(type, "torch.BFloat16Storage") == 0) { s->dtype = SAFETENSORS_BF16; }
    else if (strcmp(type, "torch.HalfStorage") == 0) { s->dtype = SAFETENSORS_F16; }
    else { PK_FAIL(m, "a storage of type %s (float32, bfloat16 and float16 are read)", type); }
    s->s = pid->items[2]->s;
    if (!torch_zip_printable_(s->s)) {
        PK_FAIL(m, "a storage key that is not a short plain name (torch names them 0, 1, 2, ...)");
    }
    s->i = pk_tuple_int_(m, pid->items[4], "a storage's size");
    if (s->i < 0) { PK_FAIL(m, "a storage of negative size"); }
    return s;
}

// torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
static inline PkValue *pk_rebuild_tensor_(PkMachine *m, const PkValue *args) {
    if (args->n < 4 || args->items[0]->kind != PK_STORAGE || args->items[2]->kind != PK_TUPLE || args->items[3]->kind != PK_TUPLE) {
        PK_FAIL(m, "_rebuild_tensor_v2 without (storage, offset, size, stride, ...)");
    }
    const PkValue *size = args->items[2], *stride = args->items[3];
    if (size->n > SAFETENSORS_MAX_DIMS || stride->n != size->n) {
        PK_FAIL(m, "a tensor of %d dimensions with %d strides (at most %d dimensions)", size->n, stride->n, SAFETENSORS_MAX_DIMS);
    }
    // torch 2.x passes a 7th argument, torch._utils.get_tensor_metadata's dict, when it is not empty: flags such as
    // 'neg' (a negated view: the tensor is minus its stored values) or 'conj'. Read as plain, the values would be wrong.
    if (args->n > 6 && args->items[6]->kind == PK_DICT && args->items[6]->n > 0) {
        const PkValue *flag = args->items[6]->items[0];
        PK_FAIL(m, "a tensor saved with metadata ('%s'%s; a negated or conjugated view?): save tensor.resolve_neg().resolve_conj()",
                flag->kind == PK_STR && torch_zip_printable_(flag->s) ? flag->s : "?", args->items[6]->n > 2 ? ", ..." : "");
    }
    PkValue *t = pk_new_(m, PK_TENSOR);
    t->storage = args->items[0];
    int64_t offset = pk_tuple_int_(m, args->items[1], "a tensor's storage offset");
    if (offset < 0) { PK_FAIL(m, "a tensor at a negative storage offset"); }
    t->offset = (uint64_t)offset;
    t->ndim = size->n;
    uint64_t numel = 1;
    for (int d = 0; d < size->n; d++) {
        int64_t v = pk_tuple_int_(m, size->items[d], "a tensor's size");
        if (v < 0 || (v > 0 && numel > ((uint64_t)1 << 62) / (uint64_t)v)) { PK_FAIL(m, "a tensor size out of range"); }
        t->shape[d] = (size_t)v;
        numel *= (uint64_t)v;
    }
    // row-major: each dimension's stride is the product of the sizes after it (a size-1 dimension's stride is free)
    uint64_t expect = 1;
    for (int d = size->n - 1; d >= 0; d--) {
        int64_t v = pk_tuple_int_(m, stride->items[d], "a tensor's stride");
        if (numel > 0 && t->shape[d] != 1 && (v < 0 || (uint64_t)v != expect)) {
            PK_FAIL(m, "a tensor that is not contiguous (a view such as a transpose: save tensor.contiguous())");
        }
        expect *= t->shape[d];
    }
    if (numel > (uint64_t)t->storage->i || t->offset > (uint64_t)t->storage->i - numel) {
        PK_FAIL(m, "a tensor of %llu elements at offset %llu of a storage of %lld", (unsigned long long)numel,
                (unsigned long long)t->offset, (long long)t->storage->i);
    }
    return t;
}

static inline PkValue *pk_call_(PkMachine *m, const PkValue *callable, const PkValue *args) {
    const char *f = callable->s;
    if (strcmp(f, "collections.OrderedDict") == 0 && args->n == 0) { return pk_new_(m, PK_DICT); }
    if (strcmp(f, "torch._utils._rebuild_tensor_v2") == 0) { return pk_rebuild_tensor_(m, args); }
    // (data, requires_grad, hooks), or torch 2.x's _with_state (..., its Python attributes) for a Parameter that has some
    if ((strcmp(f, "torch._utils._rebuild_parameter") == 0 || strcmp(f, "torch._utils._rebuild_parameter_with_state") == 0) &&
        args->n >= 1 && args->items[0]->kind == PK_TENSOR) {
        return args->items[0];
    }
    PK_FAIL(m, "a call of %s, which a state dict of tensors does not make (not read)", f);
    return NULL;
}

// runs the pickle; returns the object it saved
static inline PkValue *pk_run_(PkMachine *m) {
    for (;;) {
        m->op_at = (size_t)(m->p - m->pkl);
        if (m->p >= m->end) { PK_FAIL(m, "the pickle ends without its STOP opcode"); }
        unsigned char op = *m->p++;
        PkValue *v, *w;
        int k;
        switch (op) {
        case 0x80: // PROTO
            if (*pk_take_(m, 1) > 5) { PK_FAIL(m, "pickle protocol %d (at most 5 is read)", m->p[-1]); }
            break;
        case 0x95: pk_take_(m, 8); break; // FRAME: a length hint
        case '.': return pk_pop_(m);      // STOP
        case '(': pk_push_(m, pk_new_(m, PK_MARK)); break;
        case 'N': pk_push_(m, pk_new_(m, PK_NONE)); break;
        case 0x88: case 0x89: // NEWTRUE, NEWFALSE
            v = pk_new_(m, PK_BOOL);
            v->i = op == 0x88;
            pk_push_(m, v);
            break;
        case 'K': pk_push_(m, pk_int_(m, *pk_take_(m, 1))); break;                                    // BININT1
        case 'M': pk_push_(m, pk_int_(m, torch_zip_u16_(pk_take_(m, 2)))); break;                     // BININT2
        case 'J': pk_push_(m, pk_int_(m, (int32_t)torch_zip_u32_(pk_take_(m, 4)))); break;            // BININT
        case 0x8a: { // LONG1: n bytes, two's complement
            unsigned n = *pk_take_(m, 1);
            if (n > 8) { PK_FAIL(m, "an integer of %u bytes (at most 8 are read)", n); }
            const unsigned char *b = pk_take_(m, n);
            uint64_t u = 0;
            for (unsigned j = 0; j < n; j++) { u |= (uint64_t)b[j] << (8 * j); }
            if (n > 0 && n < 8 && (b[n - 1] & 0x80)) { u |= ~(uint64_t)0 << (8 * n); }
            pk_push_(m, pk_int_(m, (int64_t)u));
            break;
        }
        case 'G': // BINFLOAT (big-endian double; kept as a kind only: no tensor reads one)
            pk_take_(m, 8);
            pk_push_(m, pk_new_(m, PK_FLOAT));
            break;
        case 'X': pk_push_(m, pk_str_(m, torch_zip_u32_(pk_take_(m, 4)))); break;   // BINUNICODE
        case 0x8c: pk_push_(m, pk_str_(m, *pk_take_(m, 1))); break;                 // SHORT_BINUNICODE
        case 0x8d: pk_push_(m, pk_str_(m, torch_zip_u64_(pk_take_(m, 8)))); break;  // BINUNICODE8
        case 'U': pk_push_(m, pk_str_(m, *pk_take_(m, 1))); break;                  // SHORT_BINSTRING
        case 'T': pk_push_(m, pk_str_(m, torch_zip_u32_(pk_take_(m, 4)))); break;   // BINSTRING
        case 'c': { // GLOBAL
            size_t ml, nl;
            const char *module = pk_line_(m, &ml), *name = pk_line_(m, &nl);
            pk_push_(m, pk_global_(m, module, ml, name, nl));
            break;
        }
        case 0x93: { // STACK_GLOBAL
            PkValue *name = pk_pop_kind_(m, PK_STR, "STACK_GLOBAL"), *module = pk_pop_kind_(m, PK_STR, "STACK_GLOBAL");
            pk_push_(m, pk_global_(m, module->s, strlen(module->s), name->s, strlen(name->s)));
            break;
        }
        case '}': pk_push_(m, pk_new_(m, PK_DICT)); break;  // EMPTY_DICT
        case ']': pk_push_(m, pk_new_(m, PK_LIST)); break;  // EMPTY_LIST
        case ')': pk_push_(m, pk_new_(m, PK_TUPLE)); break; // EMPTY_TUPLE
        case 0x85: case 0x86: case 0x87: // TUPLE1, TUPLE2, TUPLE3
            if (m->sp < op - 0x84) { PK_FAIL(m, "a value was expected on the stack"); }
            v = pk_new_(m, PK_TUPLE);
            for (int j = m->sp - (op - 0x84); j < m->sp; j++) {
                if (m->stack[j]->kind == PK_MARK) { PK_FAIL(m, "a value was expected on the stack"); }
                pk_add_item_(m, v, m->stack[j]);
            }
            m->sp -= op - 0x84;
            pk_push_(m, v);
            break;
        case 't': case 'l': case 'd': // TUPLE, LIST, DICT: the items above the mark
            k = pk_mark_(m);
            if (op == 'd' && (m->sp - k - 1) % 2 != 0) { PK_FAIL(m, "DICT of an odd number of items"); }
            v = pk_new_(m, op == 't' ? PK_TUPLE : op == 'l' ? PK_LIST : PK_DICT);
            for (int j = k + 1; j < m->sp; j++) { pk_add_item_(m, v, m->stack[j]); }
            m->sp = k;
            pk_push_(m, v);
            break;
        case 'a': // APPEND
            v = pk_pop_(m);
            w = pk_top_(m);
            if (w->kind != PK_LIST) { PK_FAIL(m, "APPEND to a %s", PK_KIND_NAMES[w->kind]); }
            pk_add_item_(m, w, v);
            break;
        case 'e': case 'u': // APPENDS, SETITEMS: the items above the mark, into the container below it
            k = pk_mark_(m);
            if (k == 0) { PK_FAIL(m, "%s without a container", op == 'e' ? "APPENDS" : "SETITEMS"); }
            w = m->stack[k - 1];
            if (w->kind != (op == 'e' ? PK_LIST : PK_DICT)) { PK_FAIL(m, "%s to a %s", op == 'e' ? "APPENDS" : "SETITEMS", PK_KIND_NAMES[w->kind]); }
            if (op == 'u' && (m->sp - k - 1) % 2 != 0) { PK_FAIL(m, "SETITEMS of an odd number of items"); }
            for (int j = k + 1; j < m->sp; j++) { pk_add_item_(m, w, m->stack[j]); }
            m->sp = k;
            break;
        case 's': // SETITEM
            v = pk_pop_(m);
            w = pk_pop_(m);
            if (pk_top_(m)->kind != PK_DICT) { PK_FAIL(m, "SETITEM to a %s", PK_KIND_NAMES[pk_top_(m)->kind]); }
            pk_add_item_(m, pk_top_(m), w);
            pk_add_item_(m, pk_top_(m), v);
            break;
        case 'q': case 'r': case 0x94: { // BINPUT, LONG_BINPUT, MEMOIZE (the next index)
            size_t idx = op == 'q' ? *pk_take_(m, 1) : op == 'r' ? torch_zip_u32_(pk_take_(m, 4)) : m->memo_count;
            // (Python numbers the memo 0, 1, 2, ... and memoizes each value once: no index passes the values made)
            if (idx > m->num_all) { PK_FAIL(m, "memo index %zu, past the %zu values made so far", idx, m->num_all); }
            if (idx >= m->memo_cap) {
                size_t cap = m->memo_cap ? m->memo_cap : 256;
                while (cap <= idx) { cap *= 2; }
                m->memo = (PkValue **)realloc(m->memo, cap * sizeof(PkValue *));
                if (m->memo == NULL) { fatalf("%s: out of memory reading data.pkl", m->path); }
                memset(m->memo + m->memo_cap, 0, (cap - m->memo_cap) * sizeof(PkValue *));
                m->memo_cap = cap;
            }
            if (m->memo[idx] == NULL) { m->memo_count++; }
            m->memo[idx] = pk_top_(m);
            break;
        }
        case 'h': case 'j': { // BINGET, LONG_BINGET
            size_t idx = op == 'h' ? *pk_take_(m, 1) : torch_zip_u32_(pk_take_(m, 4));
            if (idx >= m->memo_cap || m->memo[idx] == NULL) { PK_FAIL(m, "memo index %zu was never stored", idx); }
            pk_push_(m, m->memo[idx]);
            break;
        }
        case 'Q': // BINPERSID
            pk_push_(m, pk_persistent_load_(m, pk_pop_(m)));
            break;
        case 'R': // REDUCE
            v = pk_pop_kind_(m, PK_TUPLE, "REDUCE's arguments");
            w = pk_pop_kind_(m, PK_GLOBAL, "REDUCE's callable");
            pk_push_(m, pk_call_(m, w, v));
            break;
        case 'b': // BUILD: an object's state (OrderedDict's _metadata, the versions of modules): not needed
            pk_pop_(m);
            pk_top_(m);
            break;
        case '0': pk_pop_(m); break; // POP
        default:
            PK_FAIL(m, "pickle opcode 0x%02x is not read (a state dict of tensors does not use it)", op);
        }
    }
}

// ----------------------------------------------------------------------------
// the checkpoint

/*
Adds a torch.save zip file to st: its tensors (a flat dict of name -> tensor), as safetensors_add_file_
would a .safetensors file's, each with its bytes' place in the zip file (the file's data_start is 0)
and its storage's CRC-32 (st->checksums), which the storage's first read checks.
*/
static inline void torch_zip_add_file_(Safetensors *st, const char *path) {
    if (st->num_files >= SAFETENSORS_MAX_SHARDS) { fatalf("%s: more than %d PyTorch checkpoint files", path, SAFETENSORS_MAX_SHARDS); }
    require_regular_file(path);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) { fatalf("cannot open PyTorch checkpoint '%s': %s", path, strerror(errno)); }
    if (fseeko(fp, 0, SEEK_END) != 0) { fatalf("%s: cannot seek: %s", path, strerror(errno)); }
    off_t file_size = ftello(fp);
    if (file_size < 0) { fatalf("%s: cannot determine the file size: %s", path, strerror(errno)); }
    uint64_t size = (uint64_t)file_size;
    unsigned char magic[2] = {0, 0};
    if (size >= 2) { torch_zip_read_at_(fp, path, 0, magic, 2, "first bytes"); }
    if (magic[0] == 0x80 && magic[1] == 0x02) {
        fatalf("%s: a PyTorch file in the format before torch 1.6 (a bare pickle): re-save it with a newer torch, "
               "or convert it to safetensors", path);
    }
    int num_entries;
    TorchZipEntry *entries = torch_zip_entries_(fp, path, size, &num_entries);
    // torch 2.x saves without CRC-32s where torch.serialization.set_crc32_options(False) asked it to: every entry's CRC
    // field is then 0. Such a file is read unchecked, with a note; a 0 among true CRCs is checked (that entry is corrupt)
    int with_crc = 0, nonempty = 0;
    for (int k = 0; k < num_entries; k++) {
        nonempty += entries[k].size > 0;
        with_crc += entries[k].size > 0 && entries[k].crc != 0;
    }
    int without_crc = nonempty > 0 && with_crc == 0;
    for (int k = 0; k < num_entries; k++) { entries[k].crc_checked = !without_crc; }
    if (without_crc) { printf("note: %s was saved without CRC-32s (torch's set_crc32_options(False)): its bytes are not checked\n", path); }

    // the folder all is in: the one entry <archive>/data.pkl
    const TorchZipEntry *pkl = NULL;
    for (int k = 0; k < num_entries; k++) {
        const char *slash = strchr(entries[k].name, '/');
        if (slash != NULL && strcmp(slash, "/data.pkl") == 0) {
            if (pkl != NULL) { fatalf("%s: two data.pkl entries ('%s' and '%s')", path, pkl->name, entries[k].name); }
            pkl = &entries[k];
        }
    }
    if (pkl == NULL) { fatalf("%s: a zip archive without <archive>/data.pkl: not a PyTorch checkpoint", path); }
    size_t prefix_len = strlen(pkl->name) - strlen("data.pkl");
    char *entry_name = (char *)mallocCheck(prefix_len + sizeof("data/") + TORCH_ZIP_MAX_KEY_BYTES); // (<archive>/data/<key>)
    memcpy(entry_name, pkl->name, prefix_len);
    strcpy(entry_name + prefix_len, "byteorder");
    const TorchZipEntry *order = torch_zip_find_(entries, num_entries, entry_name);
    if (order != NULL) {
        if (order->size >= 16) { fatalf("%s: a byteorder entry of %llu bytes", path, (unsigned long long)order->size); }
        char *text = (char *)torch_zip_read_entry_(fp, path, order);
        if (order->size != 6 || memcmp(text, "little", 6) != 0) {
            fatalf("%s: byte order '%s' (only little-endian checkpoints are read)", path,
                   strlen(text) == order->size && torch_zip_printable_(text) ? text : "?");
        }
        free(text);
    }

    if (pkl->size > TORCH_ZIP_MAX_PICKLE_BYTES) { fatalf("%s: data.pkl of %llu bytes is implausible for a state dict", path, (unsigned long long)pkl->size); }
    PkMachine m;
    memset(&m, 0, sizeof(m));
    m.path = path;
    m.pkl = torch_zip_read_entry_(fp, path, pkl);
    m.p = m.pkl;
    m.end = m.pkl + pkl->size;
    PkValue *dict = pk_run_(&m);
    if (dict->kind != PK_DICT) { fatalf("%s: data.pkl holds a %s, not a state dict (a dict of tensors)", path, PK_KIND_NAMES[dict->kind]); }
    // the tensors and checksum slots of all the files so far are counted in ints (with a spare slot each)
    if ((size_t)dict->n / 2 > (size_t)(INT_MAX - 1 - st->num_tensors)) {
        fatalf("%s: the checkpoint's files hold more than %d tensors together", path, INT_MAX - 1);
    }
    if (num_entries > INT_MAX - 1 - st->num_checksums) {
        fatalf("%s: the checkpoint's files hold more than %d zip entries together", path, INT_MAX - 1);
    }

    int file = safetensors_append_file_(st, path, fp, 0, size);
    size_t room = (size_t)st->num_tensors + (size_t)dict->n / 2 + 1;
    SafetensorsTensor *tensors = (SafetensorsTensor *)realloc(st->tensors, room * sizeof(SafetensorsTensor));
    if (tensors == NULL) { fatalf("%s: out of memory", path); }
    st->tensors = tensors;
    // each storage's CRC-32, checked as the first tensor read from it reads it whole (safetensors_read_f32): a
    // storage is read once, when it is used; this file's entry k's is checksums[base + k]
    int base = st->num_checksums;
    SafetensorsChecksum *sums = (SafetensorsChecksum *)realloc(st->checksums, (size_t)(base + num_entries + 1) * sizeof(SafetensorsChecksum));
    if (sums == NULL) { fatalf("%s: out of memory", path); }
    st->checksums = sums;
    memset(st->checksums + base, 0, (size_t)(num_entries + 1) * sizeof(SafetensorsChecksum));
    st->num_checksums = base + num_entries;
    for (int j = 0; j < dict->n; j += 2) {
        PkValue *key = dict->items[j];
        const PkValue *value = dict->items[j + 1];
        if (key->kind != PK_STR) { fatalf("%s: data.pkl: a state dict key that is a %s, not a str", path, PK_KIND_NAMES[key->kind]); }
        safetensors_check_name_(path, "tensor name", key->s);
        // (one key string under many entries would cost its length each: every distinct key was read from the pickle)
        if (key->used) { fatalf("%s: data.pkl: tensor name '%.200s' appears twice in the state dict", path, key->s); }
        key->used = 1;
        if (value->kind != PK_TENSOR) {
            fatalf("%s: data.pkl: '%s' is a %s, not a tensor%s", path, key->s, PK_KIND_NAMES[value->kind],
                   value->kind == PK_DICT ? " (a training checkpoint? save model.state_dict() alone)" : "");
        }
        const PkValue *storage = value->storage;
        memcpy(entry_name + prefix_len, "data/", 5);
        strcpy(entry_name + prefix_len + 5, storage->s);
        const TorchZipEntry *e = torch_zip_find_(entries, num_entries, entry_name);
        if (e == NULL) { fatalf("%s: tensor '%s': its storage '%s' is not in the archive", path, key->s, entry_name); }
        size_t esize = safetensors_dtype_size(storage->dtype);
        if (e->size % esize != 0 || e->size / esize != (uint64_t)storage->i) {
            fatalf("%s: tensor '%s': storage '%s' has %llu bytes, not the %lld %s elements its tensors say", path, key->s,
                   e->name, (unsigned long long)e->size, (long long)storage->i, safetensors_dtype_name(storage->dtype));
        }
        if (e->data == UINT64_MAX) { fatalf("%s: zip entry '%s' is compressed: torch.save stores its entries uncompressed", path, e->name); }
        SafetensorsChecksum *sum = &st->checksums[base + (e - entries)];
        if (sum->name == NULL && e->crc_checked) {
            size_t len = strlen(e->name) + sizeof("zip entry ''");
            sum->name = (char *)mallocCheck(len);
            snprintf(sum->name, len, "zip entry '%s'", e->name);
            sum->begin = e->data;
            sum->end = e->data + e->size;
            sum->crc = e->crc;
        }
        SafetensorsTensor *t = &st->tensors[st->num_tensors++];
        memset(t, 0, sizeof(*t));
        t->name = safetensors_strdup_(key->s);
        t->dtype = storage->dtype;
        t->ndim = value->ndim;
        t->numel = 1;
        for (int d = 0; d < value->ndim; d++) {
            t->shape[d] = value->shape[d];
            t->numel *= value->shape[d];
        }
        t->begin = e->data + value->offset * esize;
        t->end = t->begin + t->numel * esize;
        t->file = file;
        t->checksum = e->crc_checked ? base + (int)(e - entries) : -1;
    }
    for (size_t j = 0; j < m.num_all; j++) {
        free(m.all[j]->items);
        if (m.all[j]->kind != PK_STORAGE) { free(m.all[j]->s); } // (a storage's key is its persistent id's string)
        free(m.all[j]);
    }
    free(m.all);
    free(m.stack);
    free(m.memo);
    free((void *)m.pkl);
    free(entry_name);
    for (int k = 0; k < num_entries; k++) { free(entries[k].name); }
    free(entries);
}

// opens a torch.save zip file (pytorch_model.bin)
static inline void torch_zip_open(Safetensors *st, const char *path) {
    memset(st, 0, sizeof(*st));
    torch_zip_add_file_(st, path);
    safetensors_index_names_(st, "state dict"); // (a name twice: an error)
}

// a sharded pytorch_model.bin, as transformers' save_pretrained(safe_serialization=False) writes a large model:
// pytorch_model.bin.index.json's weight_map names each tensor's pytorch_model-0000i-of-0000n.bin, checked as a
// sharded model.safetensors's index is (llmc/safetensors.h)
static inline void torch_zip_open_index(Safetensors *st, const char *index_path) {
    safetensors_open_index_of_(st, index_path, torch_zip_add_file_, "state dict");
}

#endif // TORCH_ZIP_H
