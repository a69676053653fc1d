/*
Byte-level token shards from a text file, with no Python: the same split and bytes as
dev/data/tinyshakespeare.py (first 90% train, last 10% val). Used by `make` when python3 is
missing, so a fresh machine with gcc and make needs nothing else.

    ./prepare_bytes <input.txt> <train.bin> <val.bin>
*/
#include "../../dataloader.h"

// Where a path's file lives: (device, inode) of the file if it exists, else of its directory plus its
// name. Two paths that name one file (x.bin and ./x.bin, or a link) get the same key.
typedef struct { dev_t dev; ino_t ino; const char *name; } FileKey;

// output: the file is written as <path>.tmp then renamed, so its directory must be writable
static FileKey file_key(const char *path, int output) {
    FileKey k = {0, 0, NULL};
    char dir[1024];
    if (strlen(path) >= sizeof(dir)) { fatalf("path too long: %s", path); }
    strcpy(dir, path);
    char *slash = strrchr(dir, '/');
    const char *name = slash != NULL ? path + (slash - dir) + 1 : path;
    if (slash == NULL) { strcpy(dir, "."); } else if (slash == dir) { dir[1] = '\0'; } else { *slash = '\0'; }
    struct stat st;
    if (output) {
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) { fatalf("'%s': directory '%s' does not exist", path, dir); }
        if (access(dir, W_OK) != 0) { fatalf("'%s': directory '%s' is not writable", path, dir); }
    }
    if (stat(path, &st) == 0) { // an existing file: its own identity
        if (S_ISDIR(st.st_mode)) { fatalf("'%s' is a directory", path); }
        k.dev = st.st_dev; k.ino = st.st_ino;
        return k;
    }
    if (name[0] == '\0') { fatalf("'%s': no file name", path); }
    if (stat(dir, &st) != 0) { fatalf("'%s': directory '%s' does not exist", path, dir); }
    k.dev = st.st_dev; k.ino = st.st_ino; k.name = name;
    return k;
}

static int same_file(FileKey a, FileKey b) {
    if (a.dev != b.dev || a.ino != b.ino) { return 0; }
    if ((a.name == NULL) != (b.name == NULL)) { return 0; }
    return a.name == NULL || strcmp(a.name, b.name) == 0;
}

int main(int argc, char **argv) {
    if (argc != 4) { fatalf("usage: %s <input.txt> <train.bin> <val.bin>", argv[0]); }
    // every output is checked before anything is written, so an error leaves neither file behind
    FILE *fp = fopenCheck(argv[1], "rb");
    FileKey in = file_key(argv[1], 0), train = file_key(argv[2], 1), val = file_key(argv[3], 1);
    if (same_file(in, train) || same_file(in, val)) { fatalf("an output is the input file itself: %s", argv[1]); }
    if (same_file(train, val)) { fatalf("the train and val outputs are the same file: %s and %s", argv[2], argv[3]); }
    long n = file_size(fp);
    unsigned char *bytes = (unsigned char *)mallocCheck((size_t)n);
    freadCheck(bytes, 1, (size_t)n, fp);
    fclose(fp);
    uint16_t *tokens = (uint16_t *)mallocCheck((size_t)n * sizeof(uint16_t));
    for (long i = 0; i < n; i++) { tokens[i] = bytes[i]; }
    long split = (long)(n * 0.9); // int(n * 0.9) in the Python script
    if (split < 1 || n - split < 1) { fatalf("%s: %ld bytes: too short for a train and a val split", argv[1], n); }
    write_token_shard(argv[2], tokens, (size_t)split);
    write_token_shard(argv[3], tokens + split, (size_t)(n - split));
    printf("wrote %ld train and %ld val tokens\n", split, n - split);
    free(bytes);
    free(tokens);
    return 0;
}
