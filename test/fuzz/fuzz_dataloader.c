/*
Fuzzes the shard reader: dataloader_init, dataloader_set_step_windows, dataloader_next_batch over
more than one epoch, and dataloader_resume, on shard files written from the input.

Input: 8 control bytes, then the shard file.
  [0] B = 1 + (c & 3), T = 1 + (c >> 2 & 15)
  [1] processes P = 1 + (c & 3) % 3, rank = (c >> 2 & 3) % P, shuffle = c >> 4 & 1,
      two shards (the file twice) = c >> 5 & 1, fix the token count = c >> 6 & 1,
      resume = c >> 7 & 1
  [2] vocab_size = 1 + 257 * c (1 .. 65536)
  [3] seed; also the step: W = P * (1 + (c >> 6)) windows (dataloader_set_step_windows)
  [4..7] resume position: epoch [4], shard index [5], sample index [6] | [7] << 8
"Fix the token count" rewrites header[2] to the number of whole tokens after the header, so the
fuzzer reaches batching with shards of any length instead of stopping at the size check.
*/
#include "fuzz_common.h"
#include "../../dataloader.h"

#define CONTROL_BYTES 8

// every batch: tokens below vocab_size, targets the inputs shifted by one
static void check_batch(const DataLoader *loader) {
    size_t BT = loader->B * loader->T;
    for (size_t i = 0; i < BT; i++) {
        FUZZ_ASSERT(loader->inputs[i] >= 0 && loader->inputs[i] < loader->vocab_size);
        FUZZ_ASSERT(loader->targets[i] >= 0 && loader->targets[i] < loader->vocab_size);
        if (i + 1 < BT) { FUZZ_ASSERT(loader->targets[i] == loader->inputs[i + 1]); }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < CONTROL_BYTES) { return -1; }  // -1: not added to the corpus
    fuzz_setup("dataloader");
    size_t B = 1 + (data[0] & 3), T = 1 + ((data[0] >> 2) & 15);
    int P = 1 + (data[1] & 3) % 3;
    int rank = ((data[1] >> 2) & 3) % P;
    int shuffle = (data[1] >> 4) & 1, two_shards = (data[1] >> 5) & 1, fix_count = (data[1] >> 6) & 1;
    int resume = (data[1] >> 7) & 1;
    int vocab_size = 1 + 257 * data[2];
    unsigned long long seed = data[3];
    size_t W = (size_t)P * (1 + (data[3] >> 6));
    size_t r_epoch = data[4], r_shard = data[5], r_sample = data[6] | (size_t)data[7] << 8;

    const uint8_t *file = data + CONTROL_BYTES;
    size_t file_size_in = size - CONTROL_BYTES;
    uint8_t *copy = NULL;
    if (fix_count && file_size_in >= SHARD_HEADER_BYTES) {
        copy = (uint8_t *)malloc(file_size_in);
        memcpy(copy, file, file_size_in);
        int32_t n = (int32_t)((file_size_in - SHARD_HEADER_BYTES) / sizeof(uint16_t));
        memcpy(copy + 2 * sizeof(int32_t), &n, sizeof(n));
        file = copy;
    }
    char path0[512], path1[512], pattern[512];
    fuzz_write_file(fuzz_path(path0, "shard_000.bin"), file, file_size_in);
    if (two_shards) {
        fuzz_write_file(fuzz_path(path1, "shard_001.bin"), file, file_size_in);
    } else {
        unlink(fuzz_path(path1, "shard_001.bin"));
    }
    free(copy);
    fuzz_path(pattern, "shard_*.bin");

    DataLoader dl;
    DataLoader *loader = &dl;
    fuzz_begin();
    if (setjmp(fatal_jmp_buf) == 0) {
        dataloader_init(loader, pattern, B, T, rank, P, shuffle, seed, vocab_size);
        dataloader_set_step_windows(loader, W);
        size_t batches = dataloader_num_batches(loader);
        FUZZ_ASSERT(batches >= 1 && batches % (W / (size_t)P) == 0); // whole steps only
        // a little over two epochs, to cross the shard and epoch boundaries
        size_t steps = 2 * batches + 1;
        if (steps > 2000) { steps = 2000; }
        for (size_t s = 0; s < steps; s++) {
            dataloader_next_batch(loader);
            check_batch(loader);
            FUZZ_ASSERT(loader->current_shard_idx < loader->num_shards);
            FUZZ_ASSERT(loader->current_sample_idx < loader->shard_num_samples);
            FUZZ_ASSERT(loader->shard_num_samples % (W / (size_t)P) == 0); // no step straddles two shards
        }
        if (resume) {
            dataloader_resume(loader, r_epoch, r_shard, r_sample);
            dataloader_next_batch(loader);
            check_batch(loader);
        }
        dataloader_free(loader);
        fuzz_end(0);
    } else {
        fuzz_end(1);
    }
    return 0;
}
