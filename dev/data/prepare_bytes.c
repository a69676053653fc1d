/*
Byte-level token shards from a text file, with no Python: the same split and bytes as
dev/data/tinyshakespeare.py (first 90% train, last 10% val). Used by `make` when python3 is
missing, so a fresh machine with gcc and make needs nothing else.

    ./prepare_bytes <input.txt> <train.bin> <val.bin>

Missing directories of the outputs are created (mkdir -p, as tokenize -o and the trainer's -o do). Both
shards are written as <path>.tmp and renamed only once both were written, so an error (a full disk, a
file-size limit, an input too short) or a stop signal (Ctrl-C, SIGTERM, SIGHUP) leaves the previous
outputs as they were, no .tmp file behind and none of the directories it made. The input is read to its end, not to the size it reports (files of /proc
and /sys report 0 bytes and have text), up to the 2,386,092,941 bytes whose train split (90%) fits a
shard's int32 token count; so a pipe is read too (`cat *.txt | ./prepare_bytes /dev/stdin train.bin val.bin`).
An input too short for a byte in each split is refused; a split shorter than one batch of the trainer's defaults is
written, with a warning on stderr: the trainer refuses such a shard at start-up ("shard too small") unless its -b x -t
fits it (or, for the val split, -v 0 turns validation off).
*/
#include <signal.h>
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

// whether <path>.tmp, where the output path is staged, names the file b (a directory there is no file)
static int tmp_is(const char *path, FileKey b) {
    char tmp[1040];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    struct stat st;
    if (stat(tmp, &st) == 0 && S_ISDIR(st.st_mode)) { return 0; }
    return same_file(file_key(tmp, 0), b);
}

// the shards written so far under their .tmp names: removed on any exit before both are renamed (every
// error exits; a write that fails removes its own .tmp)
static AtomicFile staged[2];
static int num_staged = 0, renamed[2] = {0, 0}, done = 0;
// the outputs' directories (train, val; "" for the current one or /), made where missing, and for each the shallowest
// directory its make_dirs made ("" if none): taken away again (when empty) by a run that fails or is stopped, val's
// first (made after train's, it may lie within them)
static char out_dir[2][1024], out_dir_made[2][1024];
static void remove_staged(void) {
    if (done) { return; }
    for (int i = 0; i < num_staged; i++) { if (!renamed[i]) { remove(staged[i].tmp_path); } }
    for (int k = 1; k >= 0; k--) { remove_made_dirs(out_dir[k], out_dir_made[k]); } // (also after a make_dirs that failed midway)
}

// A stop signal (Ctrl-C, SIGTERM, SIGHUP) before the renames removes what an error would: the staged .tmp files (they
// were left behind: the train one hundreds of MB for a large text). With async-signal-safe calls alone: the .tmp names
// are made before the handler is installed (before the outputs' directories are made: they are removed too, as
// remove_made_dirs does with rmdir and stat alone), and signal_staged counts the files begun (set before each one's open, so a
// signal while it is being opened or written removes it too); then it dies of the signal as before. During the renames
// it returns (they are quick): the run completes.
static char signal_tmp[2][1040];

// one batch of the trainer's defaults (-b 16 -t 128: llmc/train_common.h's DEFAULT_OPTIONS) with the target of its last
// token, the fewest tokens a val shard needs there (dataloader.h: "shard too small"); test_cli's prepare_bytes_small_val
// checks the trainer against it
enum { TRAINER_DEFAULT_B = 16, TRAINER_DEFAULT_T = 128, DEFAULT_BATCH_TOKENS = TRAINER_DEFAULT_B * TRAINER_DEFAULT_T + 1 };
static volatile sig_atomic_t signal_staged = 0, committing = 0;
static void remove_staged_on_signal(int sig) {
    if (committing) { return; }
    for (int i = 0; i < signal_staged; i++) { unlink(signal_tmp[i]); }
    for (int k = 1; k >= 0; k--) { remove_made_dirs(out_dir[k], out_dir_made[k]); }
    signal(sig, SIG_DFL);
    raise(sig);
}

// A split shorter than one batch at the trainer's defaults (a window is B*T tokens and the last one's target): written, with
// a warning, since the trainer refuses it at start-up ("shard too small") unless -b x -t fits it; a val split also
// passes with -v 0 (no validation), a train split only with a smaller batch
static void warn_small_split(const char *which, const char *path, long count) {
    if (count >= DEFAULT_BATCH_TOKENS) { return; }
    int is_val = strcmp(which, "val") == 0;
    char unless[96];
    if (count >= 2) {
        snprintf(unless, sizeof(unless), "unless -b x -t is at most %ld%s", count - 1, is_val ? " or -v 0 turns validation off" : "");
    } else {
        snprintf(unless, sizeof(unless), "whatever -b and -t%s", is_val ? ": train with -v 0, no validation" : "");
    }
    fprintf(stderr, "warning: the %s split %s holds %ld token%s, fewer than one batch at the trainer's defaults (-b %d -t %d: "
            "%d tokens with the last one's target): the trainer refuses it at start-up (\"shard too small\") %s; a longer "
            "input makes a larger split\n", which, path, count, plural_s(count), TRAINER_DEFAULT_B, TRAINER_DEFAULT_T,
            DEFAULT_BATCH_TOKENS, unless);
}

int main(int argc, char **argv) {
    keep_std_fds_open();
    atexit(check_stdout_at_exit); // (a summary line lost to a full disk is an error: utils.h)
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: %s <input.txt> <train.bin> <val.bin>\n"
               "the text's bytes as tokens (0-255): the first 90%% to train.bin, the last 10%% to val.bin (llm.c's shard format)\n",
               argv[0]);
        return 0;
    }
    if (argc != 4) { fatalf("usage: %s <input.txt> <train.bin> <val.bin> (-h: what it writes)", argv[0]); }
    // past a file-size limit (ulimit -f) a write fails with EFBIG, reported, instead of a SIGXFSZ that
    // would kill the process before it removes its .tmp files
    signal(SIGXFSZ, SIG_IGN);
    // every output is checked before anything is written, and both are written under temporary names
    // before either is renamed, so an error leaves neither new file behind
    // (read once, to its end: a pipe works too, /dev/stdin or <(command); fopenCheck takes regular files only. "-" is no
    // name for standard input here: it said "cannot open '-'")
    if (strcmp(argv[1], "-") == 0) { fatalf("input '-': give standard input as /dev/stdin (cat a.txt b.txt | %s /dev/stdin <train.bin> <val.bin>)", argv[0]); }
    struct stat in_st;
    if (stat(argv[1], &in_st) == 0 && S_ISDIR(in_st.st_mode)) { fatalf("'%s' is a directory, expected a file", argv[1]); }
    FILE *fp = fopen(argv[1], "rb");
    if (fp == NULL) { fatalf("cannot open '%s': %s", argv[1], strerror(errno)); }
    // the outputs' missing directories made first (their files' identities need them), and taken away again on any
    // exit before the renames or on a stop signal
    for (int i = 0; i < 2; i++) { snprintf(signal_tmp[i], sizeof(signal_tmp[i]), "%s.tmp", argv[2 + i]); }
    atexit(remove_staged);
    catch_stop_signals(remove_staged_on_signal);
    for (int k = 0; k < 2; k++) { // (before any directory is made: "out/" made out, said it "is a directory" and removed it;
        // "out/." and "out/.." name a directory as well)
        const char *slash = strrchr(argv[2 + k], '/'), *base = slash != NULL ? slash + 1 : argv[2 + k];
        if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) { fatalf("'%s': no file name", argv[2 + k]); }
    }
    for (int k = 0; k < 2; k++) {
        const char *path = argv[2 + k], *slash = strrchr(path, '/');
        if (slash == NULL || slash == path) { continue; }
        if (slash - path >= (long)sizeof(out_dir[k])) { fatalf("path too long: %s", path); }
        snprintf(out_dir[k], sizeof(out_dir[k]), "%.*s", (int)(slash - path), path);
        make_dirs(out_dir[k], out_dir_made[k], sizeof(out_dir_made[k]));
    }
    FileKey in = file_key(argv[1], 0), train = file_key(argv[2], 1), val = file_key(argv[3], 1);
    if (same_file(in, train) || same_file(in, val)) { fatalf("an output is the input file itself: %s", argv[1]); }
    if (same_file(train, val)) { fatalf("the train and val outputs are the same file: %s and %s", argv[2], argv[3]); }
    if (tmp_is(argv[2], val) || tmp_is(argv[3], train)) {
        fatalf("'%s' and '%s': one output is the other's temporary file (<output>.tmp): choose other names", argv[2], argv[3]);
    }
    if (tmp_is(argv[2], in) || tmp_is(argv[3], in)) {
        fatalf("%s: the input is an output's temporary file (<output>.tmp), which the write would replace: rename it", argv[1]);
    }
    // read to its end, not to the size the file reports (files of /proc and /sys report 0 bytes and have text: "0 bytes:
    // too short"); at most the bytes whose train split, int(n * 0.9), fits a shard's int32 token count
    const size_t limit = (size_t)((double)INT32_MAX / 0.9);
    size_t got_total;
    unsigned char *bytes = (unsigned char *)read_to_end(fp, argv[1], limit, &got_total);
    if (bytes == NULL) { fatalf("%s: more than %zu bytes: its train split would not fit a shard's int32 token count", argv[1], limit); }
    fclose(fp);
    long n = (long)got_total;
    uint16_t *tokens = (uint16_t *)mallocCheck((size_t)n * sizeof(uint16_t));
    for (long i = 0; i < n; i++) { tokens[i] = bytes[i]; }
    long split = (long)(n * 0.9); // int(n * 0.9) in the Python script
    if (split < 1 || n - split < 1) { fatalf("%s: %ld bytes: too short for a train and a val split", argv[1], n); }
    signal_staged = 1; // (before anything of it exists)
    stage_token_shard(&staged[0], argv[2], tokens, (size_t)split);
    num_staged = 1; // (counted once written: a failed open leaves nothing of ours at its .tmp name)
    signal_staged = 2;
    stage_token_shard(&staged[1], argv[3], tokens + split, (size_t)(n - split));
    num_staged = 2;
    committing = 1;
    for (int i = 0; i < 2; i++) { // (a failed rename removes its own .tmp; remove_staged the other's)
        atomic_rename(&staged[i]);
        renamed[i] = 1;
    }
    done = 1;
    printf("wrote %ld train and %ld val tokens\n", split, n - split);
    // (a small text's splits: the trainer's start-up error for one came only at the next run, with nothing said here)
    fflush(stdout);
    warn_small_split("val", argv[3], n - split);
    warn_small_split("train", argv[2], split);
    free(bytes);
    free(tokens);
    return 0;
}
