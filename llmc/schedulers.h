/*
Learning-rate schedules. All take the step index (0-based) and return the learning rate.
  cosine:   linear warmup over `warmup` steps to lr, then cosine decay towards lr * final_frac
  linear:   linear warmup, then linear decay towards lr * final_frac
  constant: linear warmup, then lr
  wsd:      warmup-stable-decay: linear warmup, lr until the last `decay_frac` of the steps, then a
            linear decay towards lr * final_frac. The rate before the decay is lr whatever
            the number of steps, so a run can be lengthened while it is still in the stable phase
            (resume with a larger -x: the decay then starts later).
A decay over n steps takes the fractions 0, 1/n, ..., (n-1)/n of its way, as llm.c's schedule does: the
first decay step runs at lr and the last one short of lr * final_frac, which step n (one past the run's
last) would reach.
*/
#ifndef SCHEDULERS_H
#define SCHEDULERS_H

#include <math.h>
#include <string.h>

typedef struct {
    const char *type; // "cosine", "linear", "constant" or "wsd"
    float learning_rate;
    int warmup_iterations;
    int train_num_batches;
    float final_learning_rate_frac;
    float decay_frac; // wsd: the fraction of the steps in the final decay
} LearningRateScheduler;

// the schedules by name; a checkpoint records one as its index + 1 (llmc/train_common.h)
static const char *const LR_SCHEDULES[] = {"cosine", "linear", "constant", "wsd"};
#define NUM_LR_SCHEDULES 4

// the index of a schedule's name in LR_SCHEDULES, -1 for none
static inline int lr_scheduler_index(const char *type) {
    for (int i = 0; i < NUM_LR_SCHEDULES; i++) { if (strcmp(type, LR_SCHEDULES[i]) == 0) { return i; } }
    return -1;
}

static inline int lr_scheduler_type_valid(const char *type) { return lr_scheduler_index(type) >= 0; }

static inline float get_learning_rate(const LearningRateScheduler *s, int step) {
    float lr = s->learning_rate;
    if (step < s->warmup_iterations) {
        return lr * ((float)(step + 1)) / s->warmup_iterations;
    }
    if (strcmp(s->type, "constant") == 0) { return lr; }
    int decay_start = s->warmup_iterations;
    if (strcmp(s->type, "wsd") == 0) { // the stable phase ends where the last decay_frac of the steps begins
        int stable_end = s->train_num_batches - (int)lroundf(s->decay_frac * s->train_num_batches);
        if (stable_end > decay_start) { decay_start = stable_end; }
        if (step < decay_start) { return lr; }
    }
    int decay_steps = s->train_num_batches - decay_start;
    float frac = decay_steps > 0 ? (float)(step - decay_start) / decay_steps : 1.0f;
    if (frac > 1.0f) { frac = 1.0f; }
    float min_lr = lr * s->final_learning_rate_frac;
    float coeff = strcmp(s->type, "cosine") == 0 ? 0.5f * (1.0f + cosf((float)M_PI * frac)) : 1.0f - frac;
    return min_lr + coeff * (lr - min_lr);
}

#endif // SCHEDULERS_H
