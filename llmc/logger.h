/*
Appends llm.c-style lines to <output dir>/main.log:
  s:<step> trl:<train loss>     s:<step> tel:<val loss>     s:<step> lr:<lr> norm:<grad norm>
Each line is flushed, so a run killed mid-way still has its log up to the last step. A write
that fails (a full disk, a file-size limit) is an error that stops the run, not a log cut short.
*/
#ifndef LOGGER_H
#define LOGGER_H

#include <stdio.h>
#include "utils.h"

typedef struct {
    FILE *fp; // NULL when no output directory was given
    char path[1024];
} Logger;

static inline void logger_flush(Logger *logger) {
    if (fflush(logger->fp) != 0 || ferror(logger->fp)) {
        fatalf("%s: write failed: %s", logger->path, strerror(errno));
    }
}

/*
A resumed run repeats the steps after its checkpoint, so their lines (s:<n> with n > step, written
before the run stopped) are dropped first: each step then appears once. Lines of the step itself that
the resumed run writes again go too (redo, LOG_REDO_* flags): after a checkpoint a signal stopped
(LOG_REDO_EVALS) the resumed run evaluates that step again, so its val lines (tel, tea and -mc's eval and
cla; a run killed between that evaluation and its save left them); a finished run started again with -es
(LOG_REDO_STREAM, nothing left to train) evaluates the stream at that step again, so its stream_loss line.
A last line without its newline (a write cut short) is dropped too, so the next line does not continue it.
Rewritten atomically.
*/
#define LOG_REDO_EVALS 1
#define LOG_REDO_STREAM 2
static inline int logger_redone(const char *line, int redo) {
    return ((redo & LOG_REDO_EVALS) && (strstr(line, " tel:") || strstr(line, " tea:") || strstr(line, " eval:") || strstr(line, " cla:"))) ||
           ((redo & LOG_REDO_STREAM) && strstr(line, " stream_loss:"));
}
static inline void logger_drop_after(const char *path, int step, int redo) {
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        // none yet is fine; one that cannot be read would keep the lines of the steps this run trains again
        if (errno == ENOENT) { return; }
        fatalf("cannot read '%s' to drop the lines after step %d: %s", path, step, strerror(errno));
    }
    AtomicFile af;
    atomic_open(&af, path);
    char line[4096];
    while (fgets(line, sizeof(line), in) != NULL) {
        int s;
        if (strchr(line, '\n') == NULL && feof(in)) { break; }
        if (sscanf(line, "s:%d", &s) == 1 && (s > step || (s == step && logger_redone(line, redo)))) {
            continue;
        }
        atomic_fwrite(line, 1, strlen(line), &af);
    }
    if (ferror(in)) { // (else the log would be cut short where the read failed)
        int err = errno;
        fclose(af.fp);
        remove(af.tmp_path);
        fatalf("cannot read '%s' to drop the lines after step %d: %s", path, step, strerror(err));
    }
    fclose(in);
    atomic_commit(&af);
}

// a fresh run starts a fresh log; a resumed run (resuming: 1, from step resume_step) continues it
static inline void logger_init(Logger *logger, const char *output_dir, int resuming, int resume_step, int redo) {
    logger->fp = NULL;
    if (output_dir == NULL) { return; }
    snprintf(logger->path, sizeof(logger->path), "%s/main.log", output_dir);
    if (resuming) { logger_drop_after(logger->path, resume_step, redo); }
    logger->fp = fopenCheck(logger->path, resuming ? "a" : "w");
}

static inline void logger_log_train(Logger *logger, int step, float loss, float lr, float grad_norm) {
    if (logger->fp == NULL) { return; }
    fprintf(logger->fp, "s:%d trl:%.6f\n", step, loss);
    fprintf(logger->fp, "s:%d lr:%.6e norm:%.6f\n", step, lr, grad_norm);
    logger_flush(logger);
}

static inline void logger_log_val(Logger *logger, int step, float val_loss) {
    if (logger->fp == NULL) { return; }
    fprintf(logger->fp, "s:%d tel:%.6f\n", step, val_loss);
    logger_flush(logger);
}

static inline void logger_log_line(Logger *logger, const char *line) {
    if (logger->fp == NULL) { return; }
    fprintf(logger->fp, "%s\n", line);
    logger_flush(logger);
}

static inline void logger_free(Logger *logger) {
    if (logger->fp == NULL) { return; }
    logger_flush(logger);
    if (fclose(logger->fp) != 0) { fatalf("%s: write failed: %s", logger->path, strerror(errno)); }
    logger->fp = NULL;
}

#endif // LOGGER_H
