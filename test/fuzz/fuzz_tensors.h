/*
The check fuzz_safetensors and fuzz_torch make of what their loaders accept (include after fuzz_common.h and
llmc/safetensors.h).
*/
#ifndef FUZZ_TENSORS_H
#define FUZZ_TENSORS_H

// every tensor the loader accepted: found by its name, inside its file, of its size, read as fp32; then closed
static inline void fuzz_read_tensors(Safetensors *st) {
    for (int i = 0; i < st->num_tensors; i++) {
        const SafetensorsTensor *t = &st->tensors[i];
        FUZZ_ASSERT(safetensors_find(st, t->name) == t);
        FUZZ_ASSERT(t->file >= 0 && t->file < st->num_files);
        FUZZ_ASSERT(t->end <= st->files[t->file].data_size);
        FUZZ_ASSERT(t->end - t->begin == t->numel * safetensors_dtype_size(t->dtype));
        if (t->checksum >= 0) { // (a PyTorch storage's CRC-32, in its own file's part of st->checksums: it holds t whole)
            FUZZ_ASSERT(t->checksum < st->num_checksums);
            const SafetensorsChecksum *sum = &st->checksums[t->checksum];
            FUZZ_ASSERT(sum->name != NULL && sum->begin <= t->begin && t->end <= sum->end);
            FUZZ_ASSERT(sum->end <= st->files[t->file].data_size);
            FUZZ_ASSERT((t->begin - sum->begin) % safetensors_dtype_size(t->dtype) == 0);
        }
        float *out = (float *)malloc(t->numel * sizeof(float) + 1);
        safetensors_read_f32(st, t, out);
        free(out);
    }
    safetensors_close(st);
}

#endif // FUZZ_TENSORS_H
