/*
Appends llm.c-style lines to <output dir>/main.log:
  s:<step> trl:<train loss>     s:<step> tel:<val loss>     s:<step> lr:<lr> norm:<grad norm>
Each line is flushed, so a run killed mid-way still has its log up to the last step.
*/
#ifndef LOGGER_H
#define LOGGER_H

#include <stdio.h>
#include "utils.h"

typedef struct {
    FILE *fp; // NULL when no output directory was given
} Logger;

static inline void logger_init(Logger *logger, const char *output_dir, int resuming) {
    logger->fp = NULL;
    if (output_dir == NULL) { return; }
    char path[1024];
    snprintf(path, sizeof(path), "%s/main.log", output_dir);
    // a fresh run starts a fresh log; a resumed run continues it
    logger->fp = fopenCheck(path, resuming ? "a" : "w");
}

static inline void logger_log_train(Logger *logger, int step, float loss, float lr, float grad_norm) {
    if (logger->fp == NULL) { return; }
    fprintf(logger->fp, "s:%d trl:%.6f\n", step, loss);
    fprintf(logger->fp, "s:%d lr:%.6e norm:%.6f\n", step, lr, grad_norm);
    fflush(logger->fp);
}

static inline void logger_log_val(Logger *logger, int step, float val_loss) {
    if (logger->fp == NULL) { return; }
    fprintf(logger->fp, "s:%d tel:%.6f\n", step, val_loss);
    fflush(logger->fp);
}

static inline void logger_log_line(Logger *logger, const char *line) {
    if (logger->fp == NULL) { return; }
    fprintf(logger->fp, "%s\n", line);
    fflush(logger->fp);
}

static inline void logger_free(Logger *logger) {
    if (logger->fp != NULL) { fclose(logger->fp); }
}

#endif // LOGGER_H
