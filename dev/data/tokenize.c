/*
Text files -> llm.c token shards with a Hugging Face tokenizer.json (byte-level BPE, such as the
GPT-NeoX tokenizer shipped with state-spaces/mamba-130m-hf), in C with OpenMP: what a model with a
real vocabulary trains on (`-i 'out/corpus_train_*.bin' -j 'out/corpus_val_*.bin' -tk tokenizer.json`).

    dev/data/tokenize -t tokenizer.json -o out/corpus [-v 0.1] [-s 100000000] [-e 1] [-n threads] file...
    dev/data/tokenize -t tokenizer.json -o out/corpus -j text corpus.jsonl ...  # JSON Lines
    dev/data/tokenize -t tokenizer.json -d 'out/corpus_val_*.bin' > text       # decode shards back
    dev/data/tokenize -t bytes -d dev/data/tinyshakespeare/tiny_shakespeare_val.bin > text  # ... byte-level ones
    dev/data/tokenize -t tokenizer.json|bytes -c out/hellaswag_val.bin hellaswag_val.jsonl  # an -mc eval file
    dev/data/tokenize -t tokenizer.json -c out/hellaswag_lmeval.bin -m hellaswag hellaswag_val.jsonl  # as lm-eval renders it

Each input file is one document; with -j <field> each file is JSON Lines instead (one object per
line, e.g. {"text": "..."}, nothing else on the line) and each line's string field is one document
(if a key repeats, cJSON keeps the first). Documents are taken in
the order given. With -e 1 (the default, as llm.c's fineweb.py does with GPT-2's) every document
starts with the tokenizer's end-of-text token, when it has one (without one, a note says that the
documents are joined with nothing between them). The last -v of the input bytes is
the val split (0.1: the last 10%, as nanoGPT and dev/data/tinyshakespeare.py split; with -j it
falls between documents: those whose line starts in the last -v of the file bytes). Tokens go to
<prefix>_train_000000.bin, _000001, ... and <prefix>_val_000000.bin, ..., at most -s tokens per
shard; an existing shard of that prefix is an error, so that no stale shard joins a glob.

The text is cut into pieces of about 1 MiB (-p) that are encoded in parallel. A cut only falls
after the "\n" of "x\ny" or before the "\r" of "x\r\ny", x and y printable ASCII: GPT-2's
pre-tokenizer regex splits the text there in any case (x ends a word, the line break makes words
of its own: "\n", or "\r" then "\n", and y starts the next word), and NFC never composes across
it, so the pieces encode exactly as the whole document would (test/test_tokenize.sh checks: any -p
and -n give the same shards as one piece per document). The pieces are encoded and their tokens
appended to the shards every 64 MiB of text (BATCH_BYTES), within a file too, so memory does not grow
with the input. (Not after the "\n" of "x\r\ny": at the
end of a piece "\r\n" would be one word.) The val split is moved to the first such cut at or after
its byte. A document without one is one piece (at most 512 MiB). Documents are not cut at all, and
the val split starts at a document boundary, where a cut could change tokens: a tokenizer with
add_prefix_space (a space in front of every piece), without the regex (a piece is one word), or
with an added token (matched in the text first) that holds a line break.

An input may be a pipe (cat *.txt | dev/data/tokenize ... /dev/stdin, or <(command)): it is read whole into memory
first (its size places the val split; "-" is no name for it). Missing directories of the output (-o's prefix, -c's file) are created (mkdir -p, as the trainer's -o
does). Shards (and -c's file) are written under temporary names and renamed only when everything has
been encoded, so a run that fails, or that Ctrl-C, SIGTERM or SIGHUP stops, leaves none behind, nor
any directory it made. Refused with a one-line error: a missing or malformed tokenizer,
a vocabulary past uint16 (65,536 ids), a missing input, a byte 0 in the text (not text; Hugging
Face would treat it as a character, which this encoder does not; with -j, nor a \u0000 or a lone
surrogate escape such as \ud800 in a string), inputs with no text at all (empty
files; with -j, no document or only empty strings: a lone end-of-text token is no data; an empty
document among others is kept, as its end-of-text token), a val split that gets no tokens,
an output prefix with glob characters (* ? [ \) or that names a directory, more than 999,999 shards of a split, and bad flags.
*/
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef OMP
#include <omp.h>
#endif
#include "../../dataloader.h"
#include "../../llmc/bpe.h"
#include "../../llmc/mc_eval.h"

// ----------------------------------------------------------------------------
// shard sinks: tokens of one split, written as shards of at most `cap` tokens

typedef struct {
    const char *prefix, *split;
    uint16_t *buf;
    size_t n, cap, total;
    int shards;
} Sink;

#define MAX_SHARDS 999999 // %06d: more digits would sort out of order in a glob

static void sink_path(char *path, size_t size, const char *prefix, const char *split, int index, const char *suffix) {
    if (snprintf(path, size, "%s_%s_%06d.bin%s", prefix, split, index, suffix) >= (int)size) { fatalf("output prefix too long: %s", prefix); }
}

// finished shards wait under "<name>.partial" until the run has succeeded; on any exit before
// that (every error goes through exit) they are removed
static char (*staged)[1040] = NULL;
static size_t num_staged = 0, cap_staged = 0;
static int committed = 0;
// the prefix's directory (-c: the eval file's): created with the first shard (-c: just before the file is written), and
// taken away again if this run made it and fails (an early error leaves no empty directory behind)
static char out_dir[1024] = "", out_dir_made[1024] = "";
static int out_dir_ready = 0;
static void remove_staged(void) {
    if (committed) { return; }
    for (size_t i = 0; i < num_staged; i++) { remove(staged[i]); }
    remove_made_dirs(out_dir, out_dir_made); // (also after a make_dirs that failed midway)
}

// A stop signal (Ctrl-C, SIGTERM, SIGHUP) before the renames removes what an error would: the staged shards, the one
// being written (<name>.partial.tmp) and the directory this run made (they were left behind: as many shards as were
// written, hundreds of MB each). The handler may run on any thread, while `staged` is being grown: it rebuilds the names
// from the prefix and the shard counts instead, with async-signal-safe calls alone, then dies of the signal as before.
// During the renames it returns (they are quick): the run completes.
static const char *signal_prefix = NULL;
static volatile sig_atomic_t signal_shards[2] = {0, 0}; // per split (train, val): the shards staged or being written
static volatile sig_atomic_t committing = 0;
// -c: its <out>.tmp, named before the handler is installed; mc_staging set before the file is begun (its directory made)
static char signal_mc_tmp[1100] = "";
static volatile sig_atomic_t mc_staging = 0;
static void signal_path_put(char *path, size_t *n, size_t cap, const char *s) {
    while (*s != '\0' && *n + 1 < cap) { path[(*n)++] = *s++; }
    path[*n] = '\0';
}
static void remove_staged_on_signal(int sig) {
    if (committing) { return; }
    if (signal_prefix != NULL) {
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < signal_shards[k]; i++) {
                char path[1100], digits[7];
                size_t n = 0;
                for (int j = 5, v = i; j >= 0; j--, v /= 10) { digits[j] = (char)('0' + v % 10); }
                digits[6] = '\0';
                signal_path_put(path, &n, sizeof(path), signal_prefix);
                signal_path_put(path, &n, sizeof(path), k ? "_val_" : "_train_");
                signal_path_put(path, &n, sizeof(path), digits);
                signal_path_put(path, &n, sizeof(path), ".bin.partial");
                const size_t partial_len = n;
                signal_path_put(path, &n, sizeof(path), ".tmp"); // (the .tmp first: a rename of it under way then fails)
                unlink(path);
                path[partial_len] = '\0';
                unlink(path);
            }
        }
    }
    if (mc_staging) { unlink(signal_mc_tmp); }
    remove_made_dirs(out_dir, out_dir_made);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void sink_flush(Sink *s) {
    if (s->n == 0) { return; }
    if (s->shards >= MAX_SHARDS) { fatalf("more than %d %s shards: give a larger -s", MAX_SHARDS, s->split); }
    if (num_staged == cap_staged) {
        cap_staged = cap_staged ? 2 * cap_staged : 64;
        staged = realloc(staged, cap_staged * sizeof(*staged));
        if (staged == NULL) { fatalf("out of host memory"); }
    }
    signal_shards[s->split[0] == 'v'] = s->shards + 1; // (before anything of this shard exists)
    if (!out_dir_ready && out_dir[0] != '\0') { make_dirs(out_dir, out_dir_made, sizeof(out_dir_made)); }
    out_dir_ready = 1;
    sink_path(staged[num_staged], sizeof(staged[0]), s->prefix, s->split, s->shards, ".partial");
    num_staged++;
    write_token_shard(staged[num_staged - 1], s->buf, s->n);
    s->shards++;
    s->n = 0;
}

// every staged shard to its final name
static void commit_staged(void) {
    committing = 1;
    for (size_t i = 0; i < num_staged; i++) {
        char final_path[1040];
        snprintf(final_path, sizeof(final_path), "%s", staged[i]);
        final_path[strlen(final_path) - strlen(".partial")] = '\0';
        if (rename(staged[i], final_path) != 0) { fatalf("cannot rename '%s' to '%s': %s", staged[i], final_path, strerror(errno)); }
    }
    if (num_staged > 0) { fsync_parent_dir(staged[0]); } // (every shard is in the one output directory)
    committed = 1;
}

static void sink_push(Sink *s, const int *ids, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (s->n == s->cap) { sink_flush(s); }
        s->buf[s->n++] = (uint16_t)ids[i];
    }
    s->total += count;
}

// ----------------------------------------------------------------------------
// pieces

#define MAX_PIECE ((size_t)1 << 29) // bpe_encode counts in int, and NFC can triple a text's bytes

static int printable_ascii(unsigned char c) { return c >= 0x21 && c <= 0x7E; }

// the first cut at or after `at` (0 < at <= n), n when there is none: i after the "\n" of "x\ny"
// or before the "\r" of "x\r\ny" (x, y printable ASCII; the header says why these are exact)
static size_t safe_cut(const unsigned char *text, size_t n, size_t at) {
    for (size_t i = at < 2 ? 2 : at; i < n; i++) {
        if (text[i - 1] == '\n' && printable_ascii(text[i]) && printable_ascii(text[i - 2])) { return i; }
        if (text[i] == '\r' && i + 2 < n && text[i + 1] == '\n' && printable_ascii(text[i - 1]) && printable_ascii(text[i + 2])) { return i; }
    }
    return n;
}

typedef struct {
    const unsigned char *text;
    size_t len;
    int split;     // 0 train, 1 val
    int eot;       // the end-of-text token goes first (a document's first piece)
    int *ids;      // encoded
    int count;
    int failed;    // 1: byte 0 in the text, 2: out of host memory
    const char *file;
    size_t offset; // in the file, for error messages
} Piece;

typedef struct {
    Piece *items;
    size_t n, cap;
    size_t bytes; // of text in the pending pieces
} PieceList;

// text encoded per batch: the pending pieces' tokens take up to 4 bytes per byte until they go to the shards
#define BATCH_BYTES ((size_t)64 << 20)

static void piece_add(PieceList *l, const unsigned char *text, size_t len, int split, int eot, const char *file, size_t offset) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->items = (Piece *)realloc(l->items, l->cap * sizeof(Piece));
        if (l->items == NULL) { fatalf("out of host memory for the piece list"); }
    }
    Piece p = {text, len, split, eot, NULL, 0, 0, file, offset};
    l->items[l->n++] = p;
    l->bytes += len;
}

static void flush_pieces(const BpeTokenizer *t, PieceList *l, Sink sinks[2]);

// the range [a, b) of a document, cut into pieces of about piece_bytes at safe cuts (or whole); every
// BATCH_BYTES of pending text is encoded and appended to the sinks before more is cut, so a large
// document takes memory for one batch at a time, not for all of its tokens' buffers
static void cut_range(const BpeTokenizer *t, Sink sinks[2], PieceList *l, const unsigned char *text, size_t a, size_t b,
                      size_t piece_bytes, int cut, int split, int eot, const char *file) {
    while (a < b || eot) { // an empty document still gets its end-of-text token
        size_t end = b;
        if (cut && b - a > piece_bytes) { end = safe_cut(text, b, a + piece_bytes); }
        if (end - a > MAX_PIECE) {
            fatalf("'%s': %zu bytes from offset %zu without a place to cut (a line break between printable "
                   "characters%s): over the encoder's %zu-byte piece limit", file, end - a, a,
                   cut ? "" : "; this tokenizer cuts only between documents", MAX_PIECE);
        }
        piece_add(l, text + a, end - a, split, eot, file, a);
        eot = 0;
        a = end;
        if (l->bytes >= BATCH_BYTES) { flush_pieces(t, l, sinks); }
    }
}

// Encodes the pieces in parallel. Nothing in the parallel region exits: failures are marked and
// reported after it, the first piece's first.
static void encode_pieces(const BpeTokenizer *t, Piece *p, size_t count) {
#pragma omp parallel for schedule(dynamic, 1)
    for (long i = 0; i < (long)count; i++) {
        Piece *q = &p[i];
        if (q->len > 0 && memchr(q->text, 0, q->len) != NULL) { // (an empty piece may have no text pointer)
            q->failed = 1;
            continue;
        }
        // usually a token covers a byte or more, but NFC can lengthen the text: retry at the size asked for. (The text
        // itself, not a copy of it with a NUL after it: a byte per byte less)
        int cap = (int)q->len + 1;
        q->ids = (int *)malloc((size_t)cap * sizeof(int));
        if (q->ids != NULL) {
            q->count = bpe_encode_bytes(t, q->text, q->len, q->ids, cap);
            if (q->count > cap) {
                free(q->ids);
                cap = q->count;
                q->ids = (int *)malloc((size_t)cap * sizeof(int));
                if (q->ids != NULL) { q->count = bpe_encode_bytes(t, q->text, q->len, q->ids, cap); }
            }
        }
        if (q->ids == NULL) { q->failed = 2; }
    }
    for (size_t i = 0; i < count; i++) {
        const Piece *q = &p[i];
        if (q->failed == 1) {
            size_t at = (size_t)((const unsigned char *)memchr(q->text, 0, q->len) - q->text);
            fatalf("'%s': byte 0 at offset %zu: not text", q->file, q->offset + at);
        }
        if (q->failed == 2) { fatalf("out of host memory encoding %zu bytes of '%s'", q->len, q->file); }
    }
}

// ----------------------------------------------------------------------------

static void usage(const char *argv0, int status) { // -h: to stdout, exit 0; no arguments: to stderr, exit 1
    fprintf(status == 0 ? stdout : stderr,
            "usage: %s -t tokenizer.json -o <out prefix> [-v val fraction (0.1)] [-s tokens per shard (100000000)]\n"
            "          [-e 0|1 end-of-text token before each document (1)] [-n threads (0: all CPUs)] [-p piece bytes (1048576)]\n"
            "          [-j field: the files are JSON Lines, one document per line in this string field] file...\n"
            "       %s -t tokenizer.json|bytes -d '<shard pattern>'   (writes the shards' text to stdout)\n"
            "       %s -t tokenizer.json|bytes -c <out.bin> [-m llmc|hellaswag|piqa|arc|lambada|winogrande] file.jsonl...\n"
            "          (a multiple-choice eval file for -mc; -m: {ctx, endings, label} as llm.c's hellaswag.py renders\n"
            "          HellaSwag (llmc, the default), or a task as lm-evaluation-harness renders it)\n",
            argv0, argv0, argv0);
    exit(status);
}

// -d: the shards' tokens as text on stdout, a block at a time (all of them are checked first, each an id some token
// has, so that a refused shard leaves no partial text); a shard of one token, or none, is legal. Without a tokenizer
// (-t bytes: byte-level shards, prepare_bytes'), each id below 256 is its byte
typedef struct { const BpeTokenizer *t; size_t at; } Decoding;
static int decode_has(const void *ctx, int id) {
    const Decoding *d = (const Decoding *)ctx;
    if (d->t == NULL) { return id < 256; }
    unsigned char none[1]; // (room for no byte: only whether the id has a token)
    return bpe_decode(d->t, id, none, 0) >= 0;
}
static void decode_block(void *ctx, const int *ids, size_t n) {
    Decoding *d = (Decoding *)ctx;
    unsigned char buf[4096];
    if (d->t == NULL) {
        for (size_t i = 0; i < n; i += sizeof(buf)) {
            const size_t m = n - i < sizeof(buf) ? n - i : sizeof(buf);
            for (size_t j = 0; j < m; j++) { buf[j] = (unsigned char)ids[i + j]; }
            if (fwrite(buf, 1, m, stdout) != m) { fatalf("write to stdout failed"); }
        }
        d->at += n;
        return;
    }
    for (size_t i = 0; i < n; i++, d->at++) {
        int len = bpe_decode(d->t, ids[i], buf, (int)sizeof(buf));
        if (len < 0) { fatalf("token %d at position %zu does not decode", ids[i], d->at); } // (decode_has passed it)
        unsigned char *bytes = buf, *long_token = NULL; // (a token past 4 KiB: an added token may be that long)
        if (len > (int)sizeof(buf)) {
            bytes = long_token = (unsigned char *)mallocCheck((size_t)len);
            bpe_decode(d->t, ids[i], long_token, len);
        }
        if (fwrite(bytes, 1, (size_t)len, stdout) != (size_t)len) { fatalf("write to stdout failed"); }
        free(long_token);
    }
}

static void decode_shards(const BpeTokenizer *t, const char *pattern) { // (t NULL: -t bytes)
    Decoding d = {t, 0};
    for_each_token_checked(pattern, t != NULL ? bpe_vocab_size(t) : 256, decode_has, decode_block, &d);
    if (fflush(stdout) != 0) { fatalf("write to stdout failed"); }
}

enum { MC_LLMC, MC_HELLASWAG, MC_PIQA, MC_ARC, MC_LAMBADA, MC_WINOGRANDE, MC_NUM_RENDERINGS }; // -m
static const char *const MC_RENDERINGS[] = {"llmc", "hellaswag", "piqa", "arc", "lambada", "winogrande"};

typedef struct {
    const char *tokenizer, *prefix, *decode; // -t, -o, -d
    const char *mc_out;                      // -c: write the JSON Lines examples as a multiple-choice eval file
    int rendering;                           // -m: how -c reads and renders the examples (MC_LLMC, ...)
    int shard_flags;                         // -v, -s, -p, -e or -n was given (they shape shards: not with -c)
    const char *json_field;                  // -j: the inputs are JSON Lines, documents in this field
    double val_fraction;                     // -v
    size_t shard_tokens, piece_bytes;        // -s, -p
    int eot, threads;                        // -e, -n
    char **files;
    int num_files;
} Options;

static void parse_options(Options *o, int argc, char **argv) {
    Options d = {NULL, NULL, NULL, NULL, 0, 0, NULL, 0.1, 100000000, 1 << 20, 1, 0, NULL, 0};
    const char *render = NULL;
    *o = d;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) { usage(argv[0], 0); }
        if (strcmp(argv[i], "-") == 0) { // (it said "flag - needs a value")
            fatalf("input '-': give standard input as /dev/stdin (e.g. cat a.txt | %s -t tokenizer.json -o out/x /dev/stdin)", argv[0]);
        }
        if (i + 1 >= argc) { fatalf("flag %s needs a value (run %s without arguments for the usage)", argv[i], argv[0]); }
        const char *f = argv[i], *v = argv[i + 1];
        // a value that is a flag of ours came after a flag without its value (-o -v 0.1 wrote shards named -v_train_*)
        if (v[0] == '-' && v[1] != '\0' && v[2] == '\0' && strchr("htodcjmvspen", v[1]) != NULL && access(v, F_OK) != 0) {
            fatalf("flag %s needs a value, got the flag %s (run %s without arguments for the usage)", f, v, argv[0]);
        }
        if (strcmp(f, "-t") == 0) { o->tokenizer = v; }
        else if (strcmp(f, "-o") == 0) { o->prefix = v; }
        else if (strcmp(f, "-d") == 0) { o->decode = v; }
        else if (strcmp(f, "-c") == 0) { o->mc_out = v; }
        else if (strcmp(f, "-j") == 0) { o->json_field = v; }
        else if (strcmp(f, "-m") == 0) {
            o->rendering = -1;
            for (int k = 0; k < MC_NUM_RENDERINGS; k++) { o->rendering = strcmp(v, MC_RENDERINGS[k]) == 0 ? k : o->rendering; }
            if (o->rendering < 0) { fatalf("-m %s: the rendering is llmc, hellaswag, piqa, arc, lambada or winogrande", v); }
            render = v;
        } else if (strcmp(f, "-v") == 0) {
            o->shard_flags = 1;
            o->val_fraction = parse_float(f, v);
            if (!(o->val_fraction >= 0.0 && o->val_fraction < 1.0)) { fatalf("-v %s: the val fraction must be in [0, 1)", v); }
        } else if (strcmp(f, "-s") == 0) {
            o->shard_flags = 1;
            const int x = parse_int(f, v);
            if (x < 1) { fatalf("-s %s: tokens per shard must be in [1, %d]", v, INT32_MAX); }
            o->shard_tokens = (size_t)x;
        } else if (strcmp(f, "-p") == 0) {
            o->shard_flags = 1;
            const int x = parse_int(f, v);
            if (!(x >= 1 && x <= (1 << 28))) { fatalf("-p %s: piece bytes must be in [1, 2^28]", v); }
            o->piece_bytes = (size_t)x;
        } else if (strcmp(f, "-e") == 0) {
            o->shard_flags = 1;
            const int x = parse_int(f, v);
            if (x != 0 && x != 1) { fatalf("-e %s: must be 0 or 1", v); }
            o->eot = x;
        } else if (strcmp(f, "-n") == 0) {
            o->shard_flags = 1;
            const int x = parse_int(f, v);
            if (!(x >= 0 && x <= 4096)) { fatalf("-n %s: threads must be in [0, 4096] (0: all)", v); }
            o->threads = x;
        } else {
            fatalf("unknown flag %s (run without arguments for the usage)", f);
        }
    }
    o->files = argv + i;
    o->num_files = argc - i;
    if (argc == 1) { usage(argv[0], EXIT_FAILURE); }
    // a flag after the files would be read as a file that cannot be opened: say what went wrong (a file of that name is read)
    for (int k = 0; k < o->num_files; k++) {
        const char *a = o->files[k];
        if (a[0] == '-' && a[1] != '\0' && a[2] == '\0' && strchr("htodcjmvspen", a[1]) != NULL && access(a, F_OK) != 0) {
            fatalf("%s after the input files: the flags come before them (%s [flags] <files>)", a, argv[0]);
        }
    }
    if (o->tokenizer == NULL) { fatalf("-t <tokenizer.json> is required (run %s without arguments for the usage)", argv[0]); }
    if (o->mc_out != NULL) {
        if (o->decode != NULL || o->prefix != NULL || o->json_field != NULL) { fatalf("-c writes an eval file: no -d, -o or -j with it"); }
        if (o->shard_flags) { fatalf("-c writes an eval file: -v, -s, -p, -e and -n are for shards"); }
        if (o->num_files == 0) { fatalf("-c %s: no input file (JSON Lines of {\"ctx\", \"endings\", \"label\"})", o->mc_out); }
        // (said at once: it failed after the whole input was encoded, "cannot rename '.tmp' to ''", its write having
        // replaced and then removed a file ./.tmp, or <dir>/.tmp, that was no file of ours)
        const char *mc_base = strrchr(o->mc_out, '/') != NULL ? strrchr(o->mc_out, '/') + 1 : o->mc_out; // ("." and ".." too)
        if (mc_base[0] == '\0' || strcmp(mc_base, ".") == 0 || strcmp(mc_base, "..") == 0) {
            fatalf("-c '%s': the eval file needs a file-name part (e.g. data/hellaswag_val.bin)", o->mc_out);
        }
        return;
    }
    if (render != NULL) { fatalf("-m %s renders multiple-choice examples: it goes with -c", render); }
    if (strcmp(o->tokenizer, "bytes") == 0 && o->decode == NULL) {
        fatalf("-t bytes is for -c and -d only (byte-level shards are written by dev/data/prepare_bytes)");
    }
    if (o->decode != NULL && (o->prefix != NULL || o->num_files > 0)) { fatalf("-d decodes shards: no -o and no input files with it"); }
    // (they were ignored: -d -e 0 still wrote each end-of-text token, as -c says of its own)
    if (o->decode != NULL && (o->shard_flags || o->json_field != NULL)) { fatalf("-d decodes shards: -v, -s, -p, -e, -n and -j are for encoding"); }
    if (o->decode == NULL && (o->prefix == NULL || o->num_files == 0)) {
        fatalf("encoding needs -o <out prefix> and at least one input file (run %s without arguments for the usage)", argv[0]);
    }
    // (also "." and "..": -o . wrote hidden shards, ._train_000000.bin, which data/*_train_*.bin does not match)
    const char *base = o->prefix == NULL ? NULL : strrchr(o->prefix, '/') != NULL ? strrchr(o->prefix, '/') + 1 : o->prefix;
    if (base != NULL && (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)) {
        fatalf("-o '%s': the prefix needs a file-name part (e.g. data/mydata gives data/mydata_train_000000.bin)", o->prefix);
    }
    // (-o data, a directory as the trainer's -o takes, wrote ./data_train_000000.bin beside it, not in it)
    struct stat prefix_st;
    if (o->prefix != NULL && stat(o->prefix, &prefix_st) == 0 && S_ISDIR(prefix_st.st_mode)) {
        fatalf("-o '%s' is a directory: the prefix names the shards in it (e.g. %s/mydata gives %s/mydata_train_000000.bin)",
               o->prefix, o->prefix, o->prefix);
    }
    // (a backslash too: it escapes in a glob, so that the check for old shards of the prefix found none, a second run
    // replaced the first shards and left the rest, and the trainer's -i of the prefix matched nothing)
    if (o->prefix != NULL && strpbrk(o->prefix, "*?[\\") != NULL) {
        fatalf("-o '%s': no glob characters (* ? [ \\) in the prefix: the shards are read by glob", o->prefix);
    }
}

// Cuts are exact unless a piece start gets a prefix space, a piece is one word (no regex), or an
// added token (matched in the text before anything else) could span a line break.
static int cuts_are_exact(const BpeTokenizer *t) {
    if (t->add_prefix_space || !t->use_regex) { return 0; }
    for (int k = 0; k < t->num_added; k++) {
        const int id = t->added[k];
        const unsigned char *b = (const unsigned char *)t->token_bytes + t->token_start[id];
        if (memchr(b, '\n', (size_t)t->token_len[id]) != NULL || memchr(b, '\r', (size_t)t->token_len[id]) != NULL) { return 0; }
    }
    return 1;
}

// no stale shard of this prefix may join a glob of the new ones
static void check_no_shards(const char *prefix) {
    for (int k = 0; k < 2; k++) {
        char pattern[1100];
        snprintf(pattern, sizeof(pattern), "%s_%s_*.bin", prefix, k ? "val" : "train");
        glob_t g;
        if (glob(pattern, 0, NULL, &g) == 0) {
            char first[1024];
            snprintf(first, sizeof(first), "%s", g.gl_pathv[0]);
            globfree(&g);
            fatalf("'%s' exists: remove the old shards of this prefix or choose another -o", first);
        }
    }
}

static const unsigned char *map_file(const char *path, size_t n) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { fatalf("cannot open '%s': %s", path, strerror(errno)); }
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size != n) { fatalf("'%s': changed while being read", path); }
    void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) { fatalf("cannot map '%s': %s", path, strerror(errno)); }
    close(fd);
    return (const unsigned char *)m;
}

// an input read whole into memory (a pipe, read once), with a NUL after its *n bytes; NULL when it is empty
static unsigned char *read_input(const char *path, size_t *n) {
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) { fatalf("cannot open '%s': %s", path, strerror(errno)); }
    unsigned char *text = (unsigned char *)read_to_end(fp, path, SIZE_MAX / 2, n);
    fclose(fp);
    if (*n == 0) { free(text); text = NULL; }
    return text;
}

// encode the pending pieces in parallel and append them to the sinks in order
static void flush_pieces(const BpeTokenizer *t, PieceList *l, Sink sinks[2]) {
    encode_pieces(t, l->items, l->n);
    for (size_t i = 0; i < l->n; i++) {
        Piece *q = &l->items[i];
        if (q->eot) { sink_push(&sinks[q->split], &t->eot_token, 1); }
        sink_push(&sinks[q->split], q->ids, (size_t)q->count);
        free(q->ids);
    }
    l->n = 0;
    l->bytes = 0;
}

/*
The documents into the two sinks. They are mapped and cut into pieces in order; once the pending
pieces reach BATCH_BYTES or BATCH_DOCS documents (few mappings at a time), or the inputs end, the
pieces are encoded in parallel, appended to the shards in order, and their documents unmapped, so
many small files encode in parallel as well as one large one (whose pieces cut_range encodes every
BATCH_BYTES). len: each file's size; held: the text of each input read whole (a pipe), NULL for one to map;
val_start: the global byte offset where the val split begins (past the end when there is none).
*/
static void tokenize_documents(const BpeTokenizer *t, const Options *o, const size_t *len, unsigned char *const *held,
                               size_t val_start, Sink sinks[2]) {
    const int BATCH_DOCS = 1024;
    const int cut = cuts_are_exact(t), eot = o->eot && t->eot_token >= 0;
    PieceList l = {NULL, 0, 0, 0};
    size_t pending = 0, doc_offset = 0;
    int first_mapped = 0; // documents [first_mapped, f] are mapped
    const unsigned char **text = (const unsigned char **)mallocCheck(o->num_files * sizeof(*text));
    for (int f = 0; f < o->num_files; f++) {
        const char *path = o->files[f];
        const size_t n = len[f];
        const unsigned char *s = held[f] != NULL ? held[f] : n > 0 ? map_file(path, n) : NULL;
        text[f] = s;
        if (n == 0) { // only its end-of-text token, in the split where the document starts
            cut_range(t, sinks, &l, s, 0, 0, o->piece_bytes, cut, doc_offset >= val_start, eot, path);
        } else {
            size_t vc; // where this document's val part starts
            if (doc_offset >= val_start) { vc = 0; }
            else if (doc_offset + n <= val_start) { vc = n; }
            else { vc = cut ? safe_cut(s, n, val_start - doc_offset) : n; }
            if (vc > 0) { cut_range(t, sinks, &l, s, 0, vc, o->piece_bytes, cut, 0, eot, path); }
            if (vc < n) { cut_range(t, sinks, &l, s, vc, n, o->piece_bytes, cut, 1, eot && vc == 0, path); }
        }
        pending += n;
        doc_offset += n;
        if (pending < BATCH_BYTES && f + 1 - first_mapped < BATCH_DOCS && f + 1 < o->num_files) { continue; }
        flush_pieces(t, &l, sinks);
        pending = 0;
        for (; first_mapped <= f; first_mapped++) {
            if (held[first_mapped] != NULL) { free(held[first_mapped]); }
            else if (len[first_mapped] > 0) { munmap((void *)text[first_mapped], len[first_mapped]); }
        }
    }
    free(l.items);
    free(text);
}

// whether a JSON text holds the escape \u0000 (a "u0000" after an odd run of backslashes): cJSON's
// strings end at a byte 0, so such a document would be cut short without a word
static int has_json_nul(const unsigned char *p, size_t n) {
    for (size_t i = 1; i + 5 <= n; i++) {
        if (memcmp(p + i, "u0000", 5) != 0) { continue; }
        size_t k = i;
        while (k > 0 && p[k - 1] == '\\') { k--; }
        if ((i - k) % 2 == 1) { return 1; }
    }
    return 0;
}

// a lone surrogate escape in a JSON text (\uD800-\uDFFF not in a high-low pair, after an odd run of backslashes), which
// cJSON refuses, so that the line read as "not a JSON object": its 6 characters as written into esc, or 0 if none
static int hex_digit(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
static int json_lone_surrogate(const unsigned char *p, size_t n, char esc[7]) {
    for (size_t i = 1; i + 5 <= n; i++) {
        if (p[i] != 'u' || p[i - 1] != '\\') { continue; }
        size_t k = i;
        while (k > 0 && p[k - 1] == '\\') { k--; }
        if ((i - k) % 2 == 0) { continue; }
        unsigned v = 0, w = 0;
        int hex = 1;
        for (int j = 1; j <= 4 && hex; j++) {
            const int d = hex_digit(p[i + j]);
            if (d < 0) { hex = 0; } else { v = v * 16 + (unsigned)d; }
        }
        if (!hex || v < 0xD800 || v > 0xDFFF) { continue; }
        if (v <= 0xDBFF && i + 11 <= n && p[i + 5] == '\\' && p[i + 6] == 'u') { // a high one: a low one must follow
            int low = 1;
            for (int j = 7; j <= 10 && low; j++) {
                const int d = hex_digit(p[i + j]);
                if (d < 0) { low = 0; } else { w = w * 16 + (unsigned)d; }
            }
            if (low && w >= 0xDC00 && w <= 0xDFFF) { i += 6; continue; } // a pair: one character
        }
        esc[0] = '\\';
        memcpy(esc + 1, p + i, 5);
        esc[6] = '\0';
        return 1;
    }
    return 0;
}

/*
JSON Lines inputs (-j field): every non-blank line of every file is a JSON object, and the string
in its `field` is one document (cJSON decodes the escapes to UTF-8). A document goes to the val
split when its line starts at or past val_start, counted in file bytes over all the files, so the
split falls between documents. Documents are copied out of their lines, cut and encoded like the
files of the plain mode, in batches of BATCH_BYTES or BATCH_DOCS documents.
*/
static void tokenize_jsonl(const BpeTokenizer *t, const Options *o, const size_t *len, unsigned char *const *held,
                           size_t val_start, Sink sinks[2], size_t *num_docs_total, size_t *text_bytes) {
    const size_t BATCH_DOCS = 65536;
    const int cut = cuts_are_exact(t), eot = o->eot && t->eot_token >= 0;
    PieceList l = {NULL, 0, 0, 0};
    char **docs = (char **)mallocCheck(BATCH_DOCS * sizeof(char *));
    size_t num_docs = 0, pending = 0, file_offset = 0;
    for (int f = 0; f < o->num_files; f++) {
        const char *path = o->files[f];
        const size_t n = len[f];
        const unsigned char *s = held[f] != NULL ? held[f] : n > 0 ? map_file(path, n) : NULL;
        size_t line_no = 0;
        for (size_t a = 0; a < n;) {
            const unsigned char *nl = (const unsigned char *)memchr(s + a, '\n', n - a);
            const size_t b = nl != NULL ? (size_t)(nl - s) : n; // the line is [a, b)
            line_no++;
            size_t k = a;
            while (k < b && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r')) { k++; }
            if (k < b) {
                if (memchr(s + a, 0, b - a) != NULL) { fatalf("'%s' line %zu: byte 0: not text", path, line_no); }
                const char *end = NULL;
                cJSON *obj = cJSON_ParseWithLengthOpts((const char *)s + a, b - a, &end, 0);
                char esc[7];
                if (obj == NULL && json_lone_surrogate(s + a, b - a, esc)) { fatalf("'%s' line %zu: a lone surrogate %s in a string: not text", path, line_no, esc); }
                if (obj == NULL || !cJSON_IsObject(obj)) { fatalf("'%s' line %zu: not a JSON object (-j reads every input file as JSON Lines: "
                                                                   "encode plain text in a run without -j, to another -o)", path, line_no); }
                for (const unsigned char *e = (const unsigned char *)end; e < s + b; e++) { // one object per line
                    if (*e != ' ' && *e != '\t' && *e != '\r') { fatalf("'%s' line %zu: text after the JSON object", path, line_no); }
                }
                if (has_json_nul(s + a, b - a)) { fatalf("'%s' line %zu: \\u0000 in a string: not text", path, line_no); }
                const cJSON *field = cJSON_GetObjectItemCaseSensitive(obj, o->json_field);
                if (!cJSON_IsString(field)) {
                    fatalf("'%s' line %zu: no string field \"%s\"", path, line_no, o->json_field);
                }
                // the string is kept past the object (taken out of it) until its batch is encoded
                char *doc = field->valuestring;
                size_t m = strlen(doc);
                ((cJSON *)field)->valuestring = NULL;
                cJSON_Delete(obj);
                docs[num_docs++] = doc;
                (*num_docs_total)++;
                const int in_val = file_offset + a >= val_start;
                cut_range(t, sinks, &l, (const unsigned char *)doc, 0, m, o->piece_bytes, cut, in_val, eot, path);
                pending += m;
                *text_bytes += m;
            }
            a = b + 1;
            if (pending >= BATCH_BYTES || num_docs == BATCH_DOCS) {
                flush_pieces(t, &l, sinks);
                for (size_t i = 0; i < num_docs; i++) { cJSON_free(docs[i]); }
                num_docs = 0;
                pending = 0;
            }
        }
        if (held[f] != NULL) { free(held[f]); } // the pending pieces point into their own copies
        else if (n > 0) { munmap((void *)s, n); }
        file_offset += n;
    }
    flush_pieces(t, &l, sinks);
    for (size_t i = 0; i < num_docs; i++) { cJSON_free(docs[i]); }
    free(docs);
    free(l.items);
}

/*
-c out.bin: multiple-choice examples (JSON Lines, one example per line, other fields ignored) as an eval file
for the trainers' -mc (llmc/mc_eval.h, doc/formats.md). By default (-m llmc) HellaSwag's {"ctx": ..., "endings":
[...], "label": k}: the context encoded as it is and each ending with a space in front, as llm.c's
dev/data/hellaswag.py renders it; -m hellaswag | piqa | arc | lambada | winogrande render a task as
lm-evaluation-harness does (below).
-t bytes takes each UTF-8 byte as a token (byte-level models). The file is built in memory and written
atomically, so a bad line leaves no file behind.
*/
static int encode_text(const BpeTokenizer *t, const char *text, int **ids, int *cap) {
    if (t == NULL) { // bytes
        int n = (int)strlen(text);
        if (n > *cap) { *cap = n; *ids = (int *)realloc(*ids, (size_t)n * sizeof(int)); if (*ids == NULL) { fatalf("out of memory"); } }
        for (int i = 0; i < n; i++) { (*ids)[i] = (unsigned char)text[i]; }
        return n;
    }
    int n = bpe_encode(t, text, *ids, *cap);
    if (n > *cap) {
        *cap = n;
        *ids = (int *)realloc(*ids, (size_t)n * sizeof(int));
        if (*ids == NULL) { fatalf("out of memory"); }
        bpe_encode(t, text, *ids, *cap);
    }
    return n;
}

/*
-m hellaswag | piqa | arc | lambada | winogrande: the task as lm-evaluation-harness renders it (its published task definitions), for
figures comparable with its acc and acc_norm (the trainers' summed and per-character choices):
  hellaswag  context preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize()), choices
             preprocess(ending) for each of "endings", "label" the right one. preprocess strips white space at
             both ends, turns " [title]" into ". ", removes each [...] (the shortest, within a line) and turns each
             pair of spaces into one (str.replace: one pass, left to right). Python's str.capitalize title-cases
             the first character and lower-cases the rest: done here with Python's mappings for U+0000 to U+017F
             (ASCII, Latin-1, Latin Extended-A); other characters are kept as they are, and the examples whose
             ctx_b has any are counted in a note.
  piqa       context "Question: " + goal + "\nAnswer:", choices sol1 and sol2, "label" the right one.
  arc        context "Question: " + question + "\nAnswer:", choices the strings of choices.text, the right one
             at the index of answerKey in choices.label (ARC-Easy and ARC-Challenge alike; Hugging Face's
             allenai/ai2_arc layout).
  lambada    (lambada_openai) a cloze of one completion: context the words of "text" but the last
             (text.split(' ')[:-1] joined by spaces), the completion the last word after a space; -mc scores
             whether every token of it is the likeliest (lm-evaluation-harness's acc) and its perplexity.
  winogrande {"sentence", "option1", "option2", "answer": "1" or "2"}: two contexts, the sentence up to its first
             "_" with each option in the blank, and one continuation, a space and the rest of the sentence
             (stripped), which alone is scored (lm-evaluation-harness's partial scoring; its acc is the summed
             choice). The file is format version 2: each choice's context tokens past those both share are the
             first, unscored tokens of its completion.
A label may be a number or a string of digits (Hugging Face's exports of hellaswag write strings). A choice is
scored after a space, and its tokens are those of the whole text (context, space, choice) past the context's own
tokens (lm-evaluation-harness's _encode_pair); with a byte-level BPE that is the space and the choice's own
tokens unless a merge crosses the boundary.
*/
typedef struct {
    char *s;
    size_t n, cap;
} Str;

static void str_put(Str *b, const char *p, size_t n) {
    if (n > ((size_t)1 << 40) || b->n > ((size_t)1 << 40)) { fatalf("a text of more than 2^40 bytes"); }
    if (b->n + n + 1 > b->cap) {
        b->cap = 2 * (b->n + n + 1);
        b->s = (char *)realloc(b->s, b->cap);
        if (b->s == NULL) { fatalf("out of memory"); }
    }
    memcpy(b->s + b->n, p, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void str_put_cp(Str *b, unsigned cp) { // one code point as UTF-8 (cp < 0x10000 here)
    char u[3];
    if (cp < 0x80) { u[0] = (char)cp; str_put(b, u, 1); }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); str_put(b, u, 2); }
    else { u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F)); str_put(b, u, 3); }
}

// the code point at p (*len bytes); a byte that starts no well-formed sequence is taken alone (as 0xFFFD)
static unsigned utf8_at(const unsigned char *p, const unsigned char *end, int *len) {
    unsigned c = p[0];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || p + n > end) { *len = 1; return c < 0x80 ? c : 0xFFFD; }
    unsigned cp = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80) { *len = 1; return 0xFFFD; }
        cp = cp << 6 | (p[k] & 0x3F);
    }
    *len = n;
    return cp;
}

// Python's str.strip() of text: its bytes [*from, *to) (no white space at either end)
static void py_strip(const char *text, size_t *from, size_t *to) {
    const unsigned char *p = (const unsigned char *)text, *end = p + strlen(text);
    *from = *to = 0;
    int started = 0;
    for (const unsigned char *q = p; q < end;) {
        int len;
        unsigned c = utf8_at(q, end, &len);
        if (!mc_isspace(c)) {
            if (!started) { *from = (size_t)(q - p); started = 1; }
            *to = (size_t)(q - p) + (size_t)len;
        }
        q += len;
    }
    if (!started) { *from = *to = (size_t)(end - p); }
}

// Python's lower() (first = 0) or title() (first = 1) of one code point up to U+017F, appended; returns 0 for a
// code point past U+017F (appended unchanged)
static int py_case(Str *b, unsigned c, int first) {
    if (c > 0x17F) { return 0; }
    int even = c % 2 == 0;
    if (!first) {
        if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)) { c += 32; }
        else if (c == 0x130) { str_put_cp(b, 'i'); c = 0x307; } // İ: i and a combining dot above
        else if (c == 0x178) { c = 0xFF; }
        else if ((c >= 0x100 && c <= 0x137 && even) || (c >= 0x139 && c <= 0x148 && !even) || (c >= 0x14A && c <= 0x177 && even) ||
                 (c >= 0x179 && c <= 0x17E && !even)) { c += 1; }
    } else {
        if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7)) { c -= 32; }
        else if (c == 0xB5) { c = 0x39C; }
        else if (c == 0xDF) { str_put_cp(b, 'S'); c = 's'; }
        else if (c == 0xFF) { c = 0x178; }
        else if (c == 0x131) { c = 'I'; }
        else if (c == 0x149) { str_put_cp(b, 0x2BC); c = 'N'; }
        else if (c == 0x17F) { c = 'S'; }
        else if ((c >= 0x101 && c <= 0x137 && !even) || (c >= 0x13A && c <= 0x148 && even) || (c >= 0x14B && c <= 0x177 && !even) ||
                 (c >= 0x17A && c <= 0x17E && even)) { c -= 1; }
    }
    str_put_cp(b, c);
    return 1;
}

// str.capitalize() onto b; returns how many characters past U+017F were kept as they are
static int py_capitalize(Str *b, const char *text) {
    const unsigned char *p = (const unsigned char *)text, *end = p + strlen(text);
    int kept = 0;
    for (int first = 1; p < end; first = 0) {
        int len;
        unsigned c = utf8_at(p, end, &len);
        if (!py_case(b, c, first)) {
            str_put(b, (const char *)p, (size_t)len);
            kept++;
        }
        p += len;
    }
    return kept;
}

// lm-evaluation-harness's hellaswag preprocess(text), onto an empty b
static void hellaswag_preprocess(Str *b, const char *text) {
    const unsigned char *p = (const unsigned char *)text, *end = p + strlen(text);
    for (int len; p < end; p += len) { // strip: white space at both ends
        if (!mc_isspace(utf8_at(p, end, &len))) { break; }
    }
    const unsigned char *last = p; // just past the last character that is not white space
    for (const unsigned char *q = p; q < end;) {
        int len;
        unsigned c = utf8_at(q, end, &len);
        q += len;
        if (!mc_isspace(c)) { last = q; }
    }
    Str a = {NULL, 0, 0}, c = {NULL, 0, 0};
    str_put(&a, "", 0);
    str_put(&c, "", 0);
    for (const unsigned char *q = p; q < last;) { // " [title]" -> ". "
        if (last - q >= 8 && memcmp(q, " [title]", 8) == 0) { str_put(&a, ". ", 2); q += 8; }
        else { str_put(&a, (const char *)q, 1); q++; }
    }
    for (size_t i = 0; i < a.n;) { // re.sub("\\[.*?\\]", ""): '.' matches anything but a line break
        if (a.s[i] == '[') {
            size_t j = i + 1;
            while (j < a.n && a.s[j] != ']' && a.s[j] != '\n') { j++; }
            if (j < a.n && a.s[j] == ']') { i = j + 1; continue; }
        }
        str_put(&c, a.s + i, 1);
        i++;
    }
    str_put(b, "", 0);
    for (size_t i = 0; i < c.n;) { // "  " -> " "
        if (i + 1 < c.n && c.s[i] == ' ' && c.s[i + 1] == ' ') { str_put(b, " ", 1); i += 2; }
        else { str_put(b, c.s + i, 1); i++; }
    }
    free(a.s);
    free(c.s);
}

static const char *json_string(const cJSON *obj, const char *key, const char *path, size_t line_no) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v)) { fatalf("'%s' line %zu: no string field \"%s\"", path, line_no, key); }
    return v->valuestring;
}


// one example's texts: the context, each choice (without the space in front), the right one's index
typedef struct {
    Str context;
    char *choice[MC_MAX_COMPLETIONS];
    int num_choices, label;
    char *target; // winogrande: the one continuation (after a space), and each choice is a context; else NULL
} McTexts;

// a label in [0, n): a JSON integer, or (lm-evaluation-harness's renderings, which take int(label)) a string of digits
static int json_label(const cJSON *v, int n, int digits_too, const char *path, size_t line_no) {
    double x = -1.0;
    if (cJSON_IsNumber(v)) { x = v->valuedouble; }
    else if (digits_too && cJSON_IsString(v) && v->valuestring[0] != '\0' && strlen(v->valuestring) <= 6 &&
             strspn(v->valuestring, "0123456789") == strlen(v->valuestring)) { x = atof(v->valuestring); }
    if (!(x >= 0 && x < n) || x != floor(x)) { fatalf("'%s' line %zu: \"label\" must be an integer in [0, %d)", path, line_no, n); }
    return (int)x;
}

// the strings of a JSON array of 2 to MC_MAX_COMPLETIONS of them, copied into t->choice; `what` names it in errors
static void json_choices(McTexts *t, const cJSON *arr, const char *what, const char *path, size_t line_no) {
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
    if (n < 2 || n > MC_MAX_COMPLETIONS) { fatalf("'%s' line %zu: %s must be an array of 2 to %d strings", path, line_no, what, MC_MAX_COMPLETIONS); }
    for (int c = 0; c < n; c++) {
        const cJSON *item = cJSON_GetArrayItem(arr, c);
        if (!cJSON_IsString(item)) { fatalf("'%s' line %zu: %s item %d is not a string", path, line_no, what, c); }
        t->choice[c] = strdup(item->valuestring);
        if (t->choice[c] == NULL) { fatalf("out of memory"); }
    }
    t->num_choices = n;
}

// An input line's example in the -m rendering; returns whether ctx_b (hellaswag) kept characters past U+017F.
static int render_mc(const cJSON *obj, int mode, McTexts *t, const char *path, size_t line_no) {
    memset(t, 0, sizeof(*t));
    int uncased = 0;
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(obj, "label");
    if (mode == MC_LLMC || mode == MC_HELLASWAG) {
        json_choices(t, cJSON_GetObjectItemCaseSensitive(obj, "endings"), "\"endings\"", path, line_no);
        t->label = json_label(label, t->num_choices, mode != MC_LLMC, path, line_no);
    }
    if (mode == MC_LLMC) {
        const char *ctx = json_string(obj, "ctx", path, line_no);
        str_put(&t->context, ctx, strlen(ctx));
    } else if (mode == MC_HELLASWAG) {
        Str raw = {NULL, 0, 0};
        const char *activity = json_string(obj, "activity_label", path, line_no), *a = json_string(obj, "ctx_a", path, line_no);
        const char *b = json_string(obj, "ctx_b", path, line_no);
        str_put(&raw, activity, strlen(activity));
        str_put(&raw, ": ", 2);
        str_put(&raw, a, strlen(a));
        str_put(&raw, " ", 1);
        uncased = py_capitalize(&raw, b) > 0;
        hellaswag_preprocess(&t->context, raw.s);
        free(raw.s);
        for (int c = 0; c < t->num_choices; c++) {
            Str clean = {NULL, 0, 0};
            hellaswag_preprocess(&clean, t->choice[c]);
            free(t->choice[c]);
            t->choice[c] = clean.s;
        }
    } else if (mode == MC_WINOGRANDE) { // each option in the blank: two contexts; the rest of the sentence after them
        const char *sentence = json_string(obj, "sentence", path, line_no), *blank = strchr(sentence, '_');
        if (blank == NULL) { fatalf("'%s' line %zu: \"sentence\" has no \"_\" (the blank)", path, line_no); }
        for (int c = 0; c < 2; c++) {
            const char *option = json_string(obj, c == 0 ? "option1" : "option2", path, line_no);
            Str ctx = {NULL, 0, 0};
            str_put(&ctx, sentence, (size_t)(blank - sentence));
            str_put(&ctx, option, strlen(option));
            t->choice[c] = ctx.s;
            t->num_choices = c + 1;
        }
        size_t from, to;
        py_strip(blank + 1, &from, &to);
        t->target = strndup(blank + 1 + from, to - from);
        if (t->target == NULL) { fatalf("out of memory"); }
        str_put(&t->context, "", 0);
        const cJSON *answer = cJSON_GetObjectItemCaseSensitive(obj, "answer"); // "1" or "2" (or a number)
        const char *a = cJSON_IsString(answer) ? answer->valuestring : "";
        double v = cJSON_IsNumber(answer) ? answer->valuedouble : strcmp(a, "1") == 0 ? 1.0 : strcmp(a, "2") == 0 ? 2.0 : 0.0;
        if (v != 1.0 && v != 2.0) { fatalf("'%s' line %zu: \"answer\" must be 1 or 2", path, line_no); }
        t->label = (int)v - 1;
    } else if (mode == MC_LAMBADA) { // a cloze: the passage's words but the last, then the last (after the space)
        const char *text = json_string(obj, "text", path, line_no), *space = strrchr(text, ' ');
        if (space == NULL) { fatalf("'%s' line %zu: \"text\" has no space, so no last word after a context", path, line_no); }
        str_put(&t->context, text, (size_t)(space - text));
        t->choice[0] = strdup(space + 1);
        if (t->choice[0] == NULL) { fatalf("out of memory"); }
        t->num_choices = 1;
        t->label = 0;
    } else { // piqa, arc: a question and its answer
        const char *q = json_string(obj, mode == MC_PIQA ? "goal" : "question", path, line_no);
        str_put(&t->context, "Question: ", 10);
        str_put(&t->context, q, strlen(q));
        str_put(&t->context, "\nAnswer:", 8);
        if (mode == MC_PIQA) {
            for (int c = 0; c < 2; c++) {
                t->choice[c] = strdup(json_string(obj, c == 0 ? "sol1" : "sol2", path, line_no));
                if (t->choice[c] == NULL) { fatalf("out of memory"); }
                t->num_choices = c + 1;
            }
            t->label = json_label(label, 2, 1, path, line_no);
        } else {
            const cJSON *choices = cJSON_GetObjectItemCaseSensitive(obj, "choices");
            json_choices(t, cJSON_GetObjectItemCaseSensitive(choices, "text"), "\"choices\": {\"text\"}", path, line_no);
            const cJSON *labels = cJSON_GetObjectItemCaseSensitive(choices, "label");
            const char *key = json_string(obj, "answerKey", path, line_no);
            if (!cJSON_IsArray(labels) || cJSON_GetArraySize(labels) != t->num_choices) {
                fatalf("'%s' line %zu: \"choices\": {\"label\"} must be an array of %d strings, one per text", path, line_no, t->num_choices);
            }
            t->label = -1;
            for (int c = 0; c < t->num_choices; c++) {
                const cJSON *l = cJSON_GetArrayItem(labels, c);
                if (!cJSON_IsString(l)) { fatalf("'%s' line %zu: choice label %d is not a string", path, line_no, c); }
                if (t->label < 0 && strcmp(l->valuestring, key) == 0) { t->label = c; } // list.index: the first
            }
            if (t->label < 0) { fatalf("'%s' line %zu: answerKey \"%s\" is none of the choices' labels", path, line_no, key); }
        }
    }
    return uncased;
}

static void mc_texts_free(McTexts *t) {
    free(t->context.s);
    free(t->target);
    for (int c = 0; c < t->num_choices; c++) { free(t->choice[c]); }
}

// room for `need` uint16 in the eval file's stream (doubled as it grows)
static void reserve16(uint16_t **stream, size_t *cap, size_t need) {
    if (need <= *cap) { return; }
    *cap = 2 * need;
    *stream = (uint16_t *)realloc(*stream, *cap * sizeof(uint16_t));
    if (*stream == NULL) { fatalf("out of memory"); }
}

static int *ids_copy(const int *ids, int n) {
    int *c = (int *)mallocCheck((size_t)n * sizeof(int) + 1);
    if (n > 0) { memcpy(c, ids, (size_t)n * sizeof(int)); } // (no ids yet: an empty text first in the file)
    return c;
}

/*
An example whose choices are contexts before one continuation (winogrande; format version 2), appended to the
stream after its 6 head fields: each choice's context encoded without its white space at the end (moved to the
front of the continuation, as lm-evaluation-harness's _encode_pair does), the continuation's tokens those of the
whole text past the context's; the tokens both contexts begin with are the example's context, and each choice's
other context tokens the first, unscored tokens of its completion. Returns whether white space was moved.
*/
static int append_context_choices(const BpeTokenizer *t, const McTexts *x, uint16_t *head, uint16_t **stream, size_t *n,
                                  size_t *cap, int **ids, int *ids_cap, const char *path, size_t line_no) {
    int *ctx[2], *cont[2], ctx_n[2], cont_n[2], moved = 0;
    for (int c = 0; c < 2; c++) {
        size_t from, to, len = strlen(x->choice[c]);
        py_strip(x->choice[c], &from, &to);
        if (from == len) { to = 0; } // a context of white space alone: all of it moves
        moved |= to < len;
        Str piece = {NULL, 0, 0};
        str_put(&piece, x->choice[c], to);
        ctx_n[c] = encode_text(t, piece.s, ids, ids_cap);
        ctx[c] = ids_copy(*ids, ctx_n[c]);
        str_put(&piece, x->choice[c] + to, len - to);
        str_put(&piece, " ", 1);
        str_put(&piece, x->target, strlen(x->target));
        cont_n[c] = encode_text(t, piece.s, ids, ids_cap) - ctx_n[c];
        free(piece.s);
        if (cont_n[c] < 1) { fatalf("'%s' line %zu: a continuation of %d tokens after option %d", path, line_no, cont_n[c], c + 1); }
        cont[c] = ids_copy(*ids + ctx_n[c], cont_n[c]);
    }
    int shared = 0;
    while (shared < ctx_n[0] && shared < ctx_n[1] && ctx[0][shared] == ctx[1][shared]) { shared++; }
    head[5] = (uint16_t)shared;
    reserve16(stream, cap, *n + 6 + (size_t)shared);
    memcpy(*stream + *n, head, 6 * sizeof(uint16_t));
    *n += 6;
    for (int i = 0; i < shared; i++) {
        if (ctx[0][i] >= MC_START) { fatalf("'%s' line %zu: token %d: an eval file holds ids below 65,535", path, line_no, ctx[0][i]); }
        (*stream)[(*n)++] = (uint16_t)ctx[0][i];
    }
    for (int c = 0; c < 2; c++) {
        int skip = ctx_n[c] - shared, m = skip + cont_n[c];
        if (shared == 0 && skip == 0) { fatalf("'%s' line %zu: option %d leaves no context before the continuation", path, line_no, c + 1); }
        if (m > 65535) { fatalf("'%s' line %zu: option %d and the continuation take %d tokens (at most 65,535)", path, line_no, c + 1, m); }
        reserve16(stream, cap, *n + 2 + (size_t)m);
        (*stream)[(*n)++] = (uint16_t)m;
        (*stream)[(*n)++] = (uint16_t)skip;
        for (int i = 0; i < m; i++) {
            int id = i < skip ? ctx[c][shared + i] : cont[c][i - skip];
            if (id >= MC_START) { fatalf("'%s' line %zu: token %d: an eval file holds ids below 65,535", path, line_no, id); }
            (*stream)[(*n)++] = (uint16_t)id;
        }
        free(ctx[c]);
        free(cont[c]);
    }
    return moved;
}

// -c's output is written as <out>.tmp, then renamed over <out>: neither may be an input or the tokenizer, which the
// write would replace (the input JSON Lines, read first, were overwritten with the eval file, exit 0); and <out> is
// no directory (said at once, not after the whole input was encoded)
static void check_mc_out(const Options *o) {
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.tmp", o->mc_out);
    struct stat out_st, tmp_st;
    const int out_exists = stat(o->mc_out, &out_st) == 0, tmp_exists = stat(tmp, &tmp_st) == 0;
    if (out_exists && S_ISDIR(out_st.st_mode)) { fatalf("-c '%s' is a directory: give the eval file to write", o->mc_out); }
    for (int f = -1; f < o->num_files; f++) {
        const char *in = f < 0 ? o->tokenizer : o->files[f];
        struct stat in_st;
        if ((f < 0 && strcmp(in, "bytes") == 0) || stat(in, &in_st) != 0) { continue; }
        if (out_exists && out_st.st_dev == in_st.st_dev && out_st.st_ino == in_st.st_ino) {
            fatalf("-c '%s' is the %s '%s' itself, which the eval file would replace: give another output", o->mc_out,
                   f < 0 ? "tokenizer" : "input", in);
        }
        if (tmp_exists && tmp_st.st_dev == in_st.st_dev && tmp_st.st_ino == in_st.st_ino) {
            fatalf("-c '%s': the %s '%s' is its temporary file (<output>.tmp), which the write would replace: rename it",
                   o->mc_out, f < 0 ? "tokenizer" : "input", in);
        }
    }
}

static void write_mc_file(const BpeTokenizer *t, const Options *o) {
    size_t cap = 1 << 20, n = 0;
    uint16_t *stream = (uint16_t *)mallocCheck(cap * sizeof(uint16_t));
    int *ids = NULL, ids_cap = 0, examples = 0, longest = 0, uncased = 0, moved = 0, version = MC_VERSION;
    for (int f = 0; f < o->num_files; f++) {
        const char *path = o->files[f];
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) { fatalf("'%s' is a directory, expected a file", path); }
        size_t size; // (read to its end: a pipe too)
        char *text = (char *)read_input(path, &size);
        if (text == NULL) { text = (char *)mallocCheck(1); text[0] = '\0'; }
        size_t line_no = 0;
        for (char *a = text; a < text + size;) {
            char *nl = memchr(a, '\n', (size_t)(text + size - a)), *b = nl != NULL ? nl : text + size;
            line_no++;
            char *k = a;
            while (k < b && (*k == ' ' || *k == '\t' || *k == '\r')) { k++; }
            if (k < b) {
                if (memchr(a, 0, (size_t)(b - a)) != NULL) { fatalf("'%s' line %zu: byte 0: not text", path, line_no); }
                const char *end = NULL;
                cJSON *obj = cJSON_ParseWithLengthOpts(a, (size_t)(b - a), &end, 0);
                char esc[7];
                if (obj == NULL && json_lone_surrogate((const unsigned char *)a, (size_t)(b - a), esc)) {
                    fatalf("'%s' line %zu: a lone surrogate %s in a string: not text", path, line_no, esc);
                }
                if (obj == NULL || !cJSON_IsObject(obj)) { fatalf("'%s' line %zu: not a JSON object", path, line_no); }
                for (const char *e = end; e < b; e++) { // one object per line
                    if (*e != ' ' && *e != '\t' && *e != '\r') { fatalf("'%s' line %zu: text after the JSON object", path, line_no); }
                }
                if (has_json_nul((const unsigned char *)a, (size_t)(b - a))) { fatalf("'%s' line %zu: \\u0000 in a string: not text", path, line_no); }
                if (examples == 65535) { fatalf("'%s' line %zu: more than 65,535 examples (the format's index is a uint16)", path, line_no); }
                McTexts x;
                uncased += render_mc(obj, o->rendering, &x, path, line_no);
                int whole = o->rendering != MC_LLMC; // a choice's tokens: the whole text's past the context's (lm-evaluation-harness)
                size_t ctx_kept = x.context.n; // lm-evaluation-harness encodes the context without its white space at the end,
                if (whole) {                   // which goes to the front of every continuation (the whole text is unchanged)
                    size_t from;
                    py_strip(x.context.s, &from, &ctx_kept);
                    if (from == x.context.n) { ctx_kept = 0; }
                    moved += ctx_kept < x.context.n;
                }
                size_t first = n;
                uint16_t head[6] = {MC_START, 0, (uint16_t)examples, (uint16_t)x.label, (uint16_t)x.num_choices, 0};
                int ctx_tokens = 0;
                if (x.target != NULL) {
                    version = MC_VERSION_SKIP;
                    moved += append_context_choices(t, &x, head, &stream, &n, &cap, &ids, &ids_cap, path, line_no);
                }
                for (int c = -1; x.target == NULL && c < x.num_choices; c++) { // the context, then each choice after a space
                    Str piece = {NULL, 0, 0}; // the context; the whole text; or (llmc) the choice alone
                    if (c < 0 || whole) { str_put(&piece, x.context.s, c < 0 ? ctx_kept : x.context.n); }
                    if (c >= 0) {
                        str_put(&piece, " ", 1);
                        str_put(&piece, x.choice[c], strlen(x.choice[c]));
                    }
                    int m = encode_text(t, piece.s, &ids, &ids_cap), skip = c >= 0 && whole ? ctx_tokens : 0;
                    free(piece.s);
                    m -= skip;
                    if (m < 1 || m > 65535) { fatalf("'%s' line %zu: %s of %d tokens (1 to 65,535)", path, line_no, c < 0 ? "context" : "ending", m); }
                    reserve16(&stream, &cap, n + (size_t)m + 8);
                    if (c < 0) {
                        head[5] = (uint16_t)m;
                        memcpy(stream + n, head, sizeof(head));
                        n += 6;
                        ctx_tokens = m;
                    } else {
                        stream[n++] = (uint16_t)m;
                    }
                    for (int i = skip; i < skip + m; i++) {
                        if (ids[i] >= MC_START) { fatalf("'%s' line %zu: token %d: an eval file holds ids below 65,535", path, line_no, ids[i]); }
                        stream[n++] = (uint16_t)ids[i];
                    }
                }
                mc_texts_free(&x);
                size_t bytes = (n - first) * 2;
                if (bytes > 65535) { fatalf("'%s' line %zu: the example takes %zu bytes, more than the format's 65,535", path, line_no, bytes); }
                stream[first + 1] = (uint16_t)bytes;
                longest = (int)bytes > longest ? (int)bytes : longest;
                examples++;
                cJSON_Delete(obj);
            }
            a = b + 1;
        }
        free(text);
    }
    if (examples == 0) {
        static const char *const fields[MC_NUM_RENDERINGS] = {
            "{\"ctx\", \"endings\", \"label\"}", "{\"activity_label\", \"ctx_a\", \"ctx_b\", \"endings\", \"label\"}",
            "{\"goal\", \"sol1\", \"sol2\", \"label\"}", "{\"question\", \"choices\", \"answerKey\"}", "{\"text\"}",
            "{\"sentence\", \"option1\", \"option2\", \"answer\"}"};
        fatalf("%s: no example in the input (JSON Lines of %s)", o->files[0], fields[o->rendering]);
    }
    int header[256] = {0};
    header[0] = MC_MAGIC;
    header[1] = version;
    header[2] = examples;
    header[3] = longest;
    AtomicFile af;
    mc_staging = 1; // (before anything of it exists)
    if (out_dir[0] != '\0') { make_dirs(out_dir, out_dir_made, sizeof(out_dir_made)); }
    atomic_open(&af, o->mc_out);
    atomic_fwrite(header, sizeof(int), 256, &af);
    atomic_fwrite(stream, sizeof(uint16_t), n, &af);
    committing = 1;
    atomic_commit(&af); // (an error in it removes the .tmp; remove_staged then the directories this run made)
    committed = 1;
    printf("%d example%s (the longest %d bytes) -> %s\n", examples, examples == 1 ? "" : "s", longest, o->mc_out);
    if (uncased > 0) {
        printf("note: in %d example%s ctx_b has characters past U+017F, kept as they are: Python's capitalize() may change "
               "the case of some\n", uncased, uncased == 1 ? "" : "s");
    }
    if (moved > 0) {
        printf("note: in %d example%s the context ended in white space, moved to the front of each continuation as "
               "lm-evaluation-harness does (winogrande: either choice's context)\n", moved, moved == 1 ? "" : "s");
    }
    free(stream);
    free(ids);
}

// out_dir: the directory of path (-o's prefix, -c's file), none for the current one or /; checked now (made later)
static void set_out_dir(const char *path, const char *flag) {
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path) { return; }
    if (slash - path >= (long)sizeof(out_dir)) { fatalf("%s: path too long: %s", flag, path); }
    snprintf(out_dir, sizeof(out_dir), "%.*s", (int)(slash - path), path);
    check_dir_creatable(out_dir, flag);
}

int main(int argc, char **argv) {
    keep_std_fds_open();
    atexit(check_stdout_at_exit); // (a summary line lost to a full disk is an error: utils.h)
    Options o;
    parse_options(&o, argc, argv);
#ifdef OMP
    if (o.threads > 0) { omp_set_num_threads(o.threads); }
#endif
    if (o.mc_out != NULL) { // its directory: checked now, created just before the file is written
        check_mc_out(&o);
        set_out_dir(o.mc_out, "-c");
        snprintf(signal_mc_tmp, sizeof(signal_mc_tmp), "%s.tmp", o.mc_out);
        atexit(remove_staged);
        signal(SIGXFSZ, SIG_IGN); // (a write past a file-size limit: an error that removes the .tmp, not a SIGXFSZ death)
        catch_stop_signals(remove_staged_on_signal);
    }
    if (o.mc_out != NULL && strcmp(o.tokenizer, "bytes") == 0) {
        write_mc_file(NULL, &o);
        return 0;
    }
    if (o.decode != NULL && strcmp(o.tokenizer, "bytes") == 0) {
        decode_shards(NULL, o.decode);
        return 0;
    }
    BpeTokenizer t;
    bpe_init(&t, o.tokenizer);
    if (bpe_vocab_size(&t) > 65536) {
        fatalf("'%s': vocabulary of %d ids does not fit uint16 shards (65,536 at most)", o.tokenizer, bpe_vocab_size(&t));
    }
    if (o.mc_out != NULL) {
        write_mc_file(&t, &o);
        bpe_free(&t);
        return 0;
    }
    if (o.decode != NULL) {
        decode_shards(&t, o.decode);
        bpe_free(&t);
        return 0;
    }
    set_out_dir(o.prefix, "-o"); // the prefix's directory: checked now, created with the first shard
    check_no_shards(o.prefix);
    // -e 1 with a tokenizer of no "<|endoftext|>" (an eos such as "</s>" instead) wrote the documents back to back with
    // nothing between them, unsaid
    if (o.eot && t.eot_token < 0) {
        printf("note: '%s' has no <|endoftext|> token, so no document starts with one (-e 1): the documents are joined "
               "with nothing between them\n", o.tokenizer);
    }
    atexit(remove_staged);
    // past a file-size limit (ulimit -f) a write fails with EFBIG, reported, instead of a SIGXFSZ that
    // would kill the process before remove_staged takes its shards away
    signal(SIGXFSZ, SIG_IGN);
    signal_prefix = o.prefix;
    catch_stop_signals(remove_staged_on_signal);

    // every input's size first: the total places the val split. An input that is no regular file (a pipe: /dev/stdin,
    // <(command)) tells its size only once read: it is read whole into memory now (it was refused, "not a regular
    // file"); so is a file that reports 0 bytes (those of /proc have text)
    size_t *len = (size_t *)mallocCheck(o.num_files * sizeof(size_t)), total_bytes = 0;
    unsigned char **held = (unsigned char **)callocCheck((size_t)o.num_files, sizeof(*held));
    for (int f = 0; f < o.num_files; f++) {
        struct stat st;
        if (stat(o.files[f], &st) != 0) { fatalf("cannot open '%s': %s", o.files[f], strerror(errno)); }
        if (S_ISDIR(st.st_mode)) { fatalf("'%s' is a directory, expected a text file", o.files[f]); }
        len[f] = (size_t)st.st_size;
        if (!S_ISREG(st.st_mode) || st.st_size == 0) { held[f] = read_input(o.files[f], &len[f]); }
        total_bytes += len[f];
    }
    // JSON Lines given without -j would train on their quotes, keys and escapes: say so (still encoded: a file
    // named so may be plain text)
    if (o.json_field == NULL) {
        int named_json = 0, first = -1;
        for (int f = 0; f < o.num_files; f++) {
            const char *dot = strrchr(o.files[f], '.');
            if (dot != NULL && (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".json") == 0)) {
                named_json++;
                if (first < 0) { first = f; }
            }
        }
        if (named_json > 0) {
            char more[64] = "";
            if (named_json > 1) { snprintf(more, sizeof(more), " and %d more .json/.jsonl file(s)", named_json - 1); }
            printf("note: no -j given, so '%s'%s %s encoded as plain text, %s JSON keys, quotes and escapes included; "
                   "-j <field> reads JSON Lines, one document per line (e.g. -j text)\n", o.files[first], more,
                   named_json > 1 ? "are" : "is", named_json > 1 ? "their" : "its");
        }
    }
    // no text at all: shards of nothing but end-of-text tokens would be no data (checked again for -j)
    if (total_bytes == 0) {
        if (o.num_files == 1) { fatalf("'%s': expected text, found an empty file: nothing to tokenize", o.files[0]); }
        fatalf("expected text, found %d empty files ('%s', ...): nothing to tokenize", o.num_files, o.files[0]);
    }
    size_t val_bytes = (size_t)(o.val_fraction * (double)total_bytes);
    if (o.val_fraction > 0.0 && val_bytes == 0) {
        fatalf("-v %g of %zu bytes is less than a byte: give a larger -v, or -v 0 for no val split", o.val_fraction, total_bytes);
    }
    size_t val_start = o.val_fraction > 0.0 ? total_bytes - val_bytes : SIZE_MAX;

    Sink sinks[2];
    for (int k = 0; k < 2; k++) {
        Sink s = {o.prefix, k ? "val" : "train", NULL, 0, o.shard_tokens, 0, 0};
        sinks[k] = s;
        sinks[k].buf = (uint16_t *)mallocCheck(sinks[k].cap * sizeof(uint16_t));
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t num_docs = (size_t)o.num_files, text_bytes = total_bytes;
    if (o.json_field != NULL) {
        num_docs = 0;
        text_bytes = 0;
        tokenize_jsonl(&t, &o, len, held, val_start, sinks, &num_docs, &text_bytes);
    } else {
        tokenize_documents(&t, &o, len, held, val_start, sinks);
    }
    if (text_bytes == 0) { // (-j: the files hold no document, or only empty strings)
        char found[64];
        if (num_docs == 0) { snprintf(found, sizeof(found), "no document (only blank lines)"); }
        else { snprintf(found, sizeof(found), "%zu document(s), all empty strings", num_docs); }
        if (o.num_files == 1) { fatalf("'%s': expected text in field \"%s\", found %s: nothing to tokenize", o.files[0], o.json_field, found); }
        fatalf("%d files ('%s', ...): expected text in field \"%s\", found %s: nothing to tokenize", o.num_files, o.files[0], o.json_field, found);
    }
    if (sinks[0].total == 0) { fatalf("no train tokens: every document starts in the last %g of the input, the val split (give a smaller -v)", o.val_fraction); }
    if (o.val_fraction > 0.0 && sinks[1].total == 0) { // (a tokenizer whose cuts are not exact splits between documents only)
        fatalf("the val split got no tokens: %s in the last %g of the input (give -v 0 for no val split)",
               o.json_field != NULL ? "no document starts"
               : cuts_are_exact(&t) ? "no line break to cut at"
               : "no document starts (this tokenizer's documents are not cut: add_prefix_space, no regex, or an added token with a line break)",
               o.val_fraction);
    }
    sink_flush(&sinks[0]);
    sink_flush(&sinks[1]);
    commit_staged();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%zu document(s), %zu bytes -> %zu train tokens in %d shard(s), %zu val tokens in %d shard(s) (%s_{train,val}_*.bin); "
           "%.1f MB/s, %.0f tokens/s\n",
           num_docs, total_bytes, sinks[0].total, sinks[0].shards, sinks[1].total, sinks[1].shards, o.prefix,
           total_bytes / secs / 1e6, (sinks[0].total + sinks[1].total) / secs);
    // (a model's vocabulary must hold every id: a descriptor's v<N>, which the trainer rounds up to a multiple of 8)
    printf("vocabulary: %d ids; train a model of at least that many (a descriptor's v%d, e.g. -e d256:l6:v%d) with "
           "-tk %s\n", bpe_vocab_size(&t), bpe_vocab_size(&t), bpe_vocab_size(&t), o.tokenizer);
    for (int k = 0; k < 2; k++) { free(sinks[k].buf); }
    free(len);
    free(held);
    bpe_free(&t);
    return 0;
}
