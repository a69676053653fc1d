/*
Learning-rate schedules. All take the step index (0-based) and return the learning rate.
  cosine:   linear warmup over `warmup` steps to lr, then cosine decay to lr * final_frac
  linear:   linear warmup, then linear decay to lr * final_frac
  constant: linear warmup, then lr
*/
#ifndef SCHEDULERS_H
#define SCHEDULERS_H

#include <math.h>
#include <string.h>

typedef struct {
    const char *type; // "cosine", "linear" or "constant"
    float learning_rate;
    int warmup_iterations;
    int train_num_batches;
    float final_learning_rate_frac;
} LearningRateScheduler;

static inline int lr_scheduler_type_valid(const char *type) {
    return strcmp(type, "cosine") == 0 || strcmp(type, "linear") == 0 || strcmp(type, "constant") == 0;
}

static inline float get_learning_rate(const LearningRateScheduler *s, int step) {
    float lr = s->learning_rate;
    if (step < s->warmup_iterations) {
        return lr * ((float)(step + 1)) / s->warmup_iterations;
    }
    if (strcmp(s->type, "constant") == 0) { return lr; }
    int decay_steps = s->train_num_batches - s->warmup_iterations;
    float frac = decay_steps > 0 ? (float)(step - s->warmup_iterations) / decay_steps : 1.0f;
    if (frac > 1.0f) { frac = 1.0f; }
    float min_lr = lr * s->final_learning_rate_frac;
    float coeff = strcmp(s->type, "linear") == 0 ? 1.0f - frac : 0.5f * (1.0f + cosf((float)M_PI * frac));
    return min_lr + coeff * (lr - min_lr);
}

#endif // SCHEDULERS_H
