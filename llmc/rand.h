/*
A small seeded random number generator (SplitMix64), written out so that initialisation,
shuffling and sampling are reproducible on every platform and in both trainers.
The state is one uint64: saving it in the state file is enough to resume sampling exactly.
*/
#ifndef RAND_H
#define RAND_H

#include <math.h>
#include <stdint.h>

static inline uint64_t random_u64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// uniform in [0, 1) with 24 random bits, like a float's mantissa
static inline float random_f32(uint64_t *state) {
    return (float)(random_u64(state) >> 40) / 16777216.0f;
}

// uniform in [0, 1) with 53 random bits, used where a double is needed (init, Box-Muller)
static inline double random_f64(uint64_t *state) {
    return (double)(random_u64(state) >> 11) / 9007199254740992.0;
}

static inline void uniform_fill(float *out, size_t n, float lo, float hi, uint64_t *state) {
    for (size_t i = 0; i < n; i++) { out[i] = lo + (hi - lo) * (float)random_f64(state); }
}

// normal(mean, std) by Box-Muller; one pair of uniforms per output keeps the stream simple
static inline void normal_fill(float *out, size_t n, float mean, float std, uint64_t *state) {
    for (size_t i = 0; i < n; i++) {
        double u1 = 1.0 - random_f64(state); // (0, 1]: log(u1) is finite
        double u2 = random_f64(state);
        out[i] = mean + std * (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
    }
}

#endif // RAND_H
