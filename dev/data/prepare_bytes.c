/*
Byte-level token shards from a text file, with no Python: the same split and bytes as
dev/data/tinyshakespeare.py (first 90% train, last 10% val). Used by `make` when python3 is
missing, so a fresh machine with gcc and make needs nothing else.

    ./prepare_bytes <input.txt> <train.bin> <val.bin>
*/
#include "../../dataloader.h"

int main(int argc, char **argv) {
    if (argc != 4) { fatalf("usage: %s <input.txt> <train.bin> <val.bin>", argv[0]); }
    FILE *fp = fopenCheck(argv[1], "rb");
    long n = file_size(fp);
    unsigned char *bytes = (unsigned char *)mallocCheck((size_t)n);
    freadCheck(bytes, 1, (size_t)n, fp);
    fclose(fp);
    uint16_t *tokens = (uint16_t *)mallocCheck((size_t)n * sizeof(uint16_t));
    for (long i = 0; i < n; i++) { tokens[i] = bytes[i]; }
    long split = (long)(n * 0.9); // int(n * 0.9) in the Python script
    if (split < 1 || n - split < 1) { fatalf("%s: %ld bytes: too short for a train and a val split", argv[1], n); }
    if (strcmp(argv[2], argv[3]) == 0) { fatalf("the train and val outputs are the same file: %s", argv[2]); }
    write_token_shard(argv[2], tokens, (size_t)split);
    write_token_shard(argv[3], tokens + split, (size_t)(n - split));
    printf("wrote %ld train and %ld val tokens\n", split, n - split);
    free(bytes);
    free(tokens);
    return 0;
}
