/*
File-format refusals and edge cases of the data, tokenizer, checkpoint and Hugging Face code that the
other suites left unchecked: each check here catches a bug that mutation testing planted in the code
and no other test noticed (2026-12-02): shard and stream token ranges, resume bounds, a shard changed
after start-up, a too-small shard (used to hang), per-epoch shuffles, tokenizer header fields, model and
state file versions, trailing bytes and flags, the state CRC over v, a non-canonical DONE marker,
safetensors header length and tiling messages, the Hugging Face export's eos id and stale staged files,
mamba_ssm's pad_vocab_size_multiple, tokenizer.json merge ranks and added tokens; and (a second round, the same day) the
trainers' option ranges, -d's process count, every state-file field, the -kb tie, -x 0 into a checkpoint directory,
bits per byte of multi-byte tokens, a fresh run's log, the stop-signal handler and a constant window of doubles; and (a
third round) model descriptors and presets: every field, default and preset, and each config limit at and one past it;
and (a fourth round) tokenizer.h: a tokenizer.json's decode table and its 255-byte token limit, which names are JSON,
version 0, one out-of-range warning, DEL and a token holding a 0 byte printed, encode caps and NFC-lengthened lengths;
and (2026-12-05, from a gcov run of the CPU suites: refusals no test reached) the options, the -mc file's example
checks, a tokenizer and a state file cut short or of another model, a .bin tokenizer asked to encode, and the note
that names a resumed run's changed optimizer flags; and (2026-12-05, the helpers both trainers share) the held stop
answer's signal number and its release, and the last lines of a sample; and (2026-12-07, round cfg2) model files of Vp
below V or of V 0, a parameter count's high word, the tensor a NaN at a tensor's first element is named in, the header
CRC as doc/formats.md defines it, read_to_end past 4 KiB and at its limit, make_dirs' report of what it made, UTF-8
surrogates and lead bytes past U+10FFFF escaped, an integer flag past an int, a descriptor's r1, SplitMix64's outputs.
Each refusal runs in a forked child: it passes when the child exits non-zero with an "error:" line
containing the expected text (an alarm turns a hang into a failure).
*/
#include "../dataloader.h"
#include "../tokenizer.h"
#include "../llmc/train_common.h"
#include "../llmc/hf_io.h"
#include "test_util.h"
#include <sys/socket.h>

static char DIR_[64];
static const char *P(char *buf, const char *name) { snprintf(buf, 1024, "%s/%s", DIR_, name); return buf; }

// fn(arg) run in a child must fail with an "error:" line containing `want`; a hang is a failure (alarm)
typedef void (*ChildFn)(const void *);
static ChildFn expected_failure_;
static void run_with_alarm_(const void *arg) {
    alarm(30);
    expected_failure_(arg);
    fprintf(stderr, "did not fail");
}
static void expect_fail(const char *name, ChildFn fn, const void *arg, const char *want) {
    char err[4096];
    expected_failure_ = fn;
    int status = run_child(run_with_alarm_, arg, err, sizeof(err));
    int ok = WIFEXITED(status) && WEXITSTATUS(status) != 0 && strncmp(err, "error: ", 7) == 0 && strstr(err, want) != NULL;
    check(ok, name, "status %d, stderr \"%s\" (expected an error saying \"%s\")", status, err, want);
}

// ---------------------------------------------------------------------------- token shards
static void write_shard_raw(const char *path, int h2, const uint16_t *tok, size_t n) {
    int32_t h[256] = {0};
    h[0] = SHARD_MAGIC; h[1] = 1; h[2] = h2;
    FILE *f = fopenCheck(path, "wb");
    fwriteCheck(h, 4, 256, f);
    fwriteCheck(tok, 2, n, f);
    fcloseCheck(f);
}
static void c_negative_count(const void *a) { (void)a; char p[1024]; uint16_t t[40] = {0};
    write_shard_raw(P(p, "neg.bin"), -1, t, 40); DataLoader l; dataloader_init(&l, p, 2, 8, 0, 1, 0, 0, 256); }
// a window's token equal to vocab_size (256 is out of [0, 256))
static void c_token_eq_vocab(const void *a) { (void)a; char p[1024]; uint16_t t[40];
    for (int i = 0; i < 40; i++) { t[i] = 1; } t[3] = 256;
    write_token_shard(P(p, "eqv.bin"), t, 40); DataLoader l; dataloader_init(&l, p, 2, 8, 0, 1, 0, 0, 256); dataloader_next_batch(&l); }
// the bad token is the last target of the only window (position B*T), read as a target only
static void c_token_last_target(const void *a) { (void)a; char p[1024]; uint16_t t[17];
    for (int i = 0; i < 17; i++) { t[i] = 1; } t[16] = 300;
    write_token_shard(P(p, "lastt.bin"), t, 17); DataLoader l; dataloader_init(&l, p, 2, 8, 0, 1, 0, 0, 256); dataloader_next_batch(&l); }
static void c_resume_at_end(const void *a) { (void)a; char p[1024]; uint16_t t[49] = {0};
    write_token_shard(P(p, "res.bin"), t, 49); DataLoader l; dataloader_init(&l, p, 2, 8, 0, 1, 0, 0, 256);
    dataloader_resume(&l, 0, 0, 3); } // 3 windows: index 3 is one past the last
static void c_stream_eq_vocab(const void *a) { (void)a; char p[1024]; uint16_t t[10] = {1, 2, 256, 3};
    write_token_shard(P(p, "stream.bin"), t, 10); size_t n; load_token_stream(p, 256, 2, &n); }
static void c_shard_changed(const void *a) { (void)a; char p[1024], q[1024]; uint16_t t[100] = {0};
    write_token_shard(P(p, "chg_000.bin"), t, 33); write_token_shard(P(q, "chg_001.bin"), t, 33);
    DataLoader l; dataloader_init(&l, P(p, "chg_*.bin"), 2, 8, 0, 1, 0, 0, 256);
    write_token_shard(q, t, 49); // rewritten between init and its first read
    for (int i = 0; i < 6; i++) { dataloader_next_batch(&l); } }
static void c_too_small_hang(const void *a) { (void)a; char p[1024]; uint16_t t[16] = {0};
    write_token_shard(P(p, "small.bin"), t, 16); DataLoader l; dataloader_init(&l, p, 2, 8, 0, 1, 0, 0, 256); }

// epoch e's first batch of a loader over one shard (sample order) or over many 1-window shards (shard order)
static void first_tokens_per_epoch(const char *pat, int epochs, int per_epoch, int *out) {
    DataLoader l;
    dataloader_init(&l, pat, 2, 8, 0, 1, 1, 42, 65536);
    for (int e = 0; e < epochs; e++) {
        for (int k = 0; k < per_epoch; k++) { dataloader_next_batch(&l); out[e * per_epoch + k] = l.inputs[0]; }
    }
    dataloader_free(&l);
}
// fatalf's line in one write: the processes of a multi-GPU run share one stderr, and the line written in four pieces
// (stderr is unbuffered) was cut by another process's output, so that neither line read whole (the two-rank check
// val_bad_token_in_one_ranks_window_ends_both_at_start failed on an H100 that way). The child's stderr is a
// SOCK_SEQPACKET socket, which keeps each write a message of its own: a short line must arrive as one, with its note;
// one past fatalf's buffer still arrives whole (in pieces)
typedef struct { int fd; size_t len; } FatalArg;
static void c_fatal_to_socket(const void *a) {
    const FatalArg *f = (const FatalArg *)a;
    dup2(f->fd, STDERR_FILENO);
    char *long_text = (char *)mallocCheck(f->len + 1);
    memset(long_text, 'x', f->len);
    long_text[f->len] = '\0';
    fatal_note = "the note";
    fatalf("'%s': token %d has id %d", long_text, 3100, 300);
}
// fatal_hook runs after fatalf's line, before the exit, once: where the GPU trainer's rank 0 tells the other ranks that
// a check of its own failed (train_mamba.cu, rank0_alone); a fatalf inside the hook ends the process with its own line
static void fatal_hook_says(void) { fprintf(stderr, "the hook ran\n"); }
static void fatal_hook_fails(void) { fatalf("inside the hook"); }
static void c_fatal_hook(const void *a) {
    fatal_hook = a != NULL ? fatal_hook_fails : fatal_hook_says;
    fatalf("the error");
}
static void test_fatal_hook(void) {
    char err[1024], err2[1024];
    int status = run_child(c_fatal_hook, NULL, err, sizeof(err)), status2 = run_child(c_fatal_hook, "fails", err2, sizeof(err2));
    check(WIFEXITED(status) && WEXITSTATUS(status) == 1 && strcmp(err, "error: the error\nthe hook ran") == 0 &&
          WIFEXITED(status2) && WEXITSTATUS(status2) == 1 && strcmp(err2, "error: the error\nerror: inside the hook") == 0,
          "fatal_hook_after_the_line_once", "status %d, stderr \"%s\"; a failing hook: status %d, stderr \"%s\"", status, err,
          status2, err2);
}
static void test_fatalf_one_write(void) {
    const size_t lens[2] = {40, 10000};
    for (int k = 0; k < 2; k++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) { test_fatal("socketpair", strerror(errno)); }
        FatalArg arg = {sv[1], lens[k]};
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) { test_fatal("fork", strerror(errno)); }
        if (pid == 0) { close(sv[0]); c_fatal_to_socket(&arg); _exit(0); }
        close(sv[1]);
        size_t cap = lens[k] + 256, len = 0;
        char *got = (char *)mallocCheck(cap), buf[65536];
        int messages = 0;
        ssize_t r;
        while ((r = recv(sv[0], buf, sizeof(buf), 0)) > 0) {
            messages++;
            if (len + (size_t)r < cap) { memcpy(got + len, buf, (size_t)r); len += (size_t)r; }
        }
        close(sv[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        got[len] = '\0';
        char *want = (char *)mallocCheck(cap);
        int n = snprintf(want, cap, "error: '");
        memset(want + n, 'x', lens[k]);
        snprintf(want + n + lens[k], cap - n - lens[k], "': token 3100 has id 300; the note\n");
        const int whole = strcmp(got, want) == 0, exited = WIFEXITED(status) && WEXITSTATUS(status) == 1;
        if (k == 0) {
            check(whole && exited && messages == 1, "fatalf_line_in_one_write", "%d write(s), exit status %d, got '%s'",
                  messages, status, got);
        } else {
            check(whole && exited, "fatalf_line_past_its_buffer_whole", "%d write(s), exit status %d, %zu bytes, want %zu",
                  messages, status, len, strlen(want));
        }
        free(got);
        free(want);
    }
}

// crc32_update (eight bytes per step) against the byte-at-a-time definition: every length 0..200 at
// every start offset 0..7 (the tail loop and unaligned reads), the same bytes fed in pieces, the
// standard check value (CRC-32 of "123456789" is cbf43926), and 1 MiB of random bytes
static void test_crc32(void) {
    enum { N = 1 << 20 };
    unsigned char *buf = (unsigned char *)mallocCheck(N);
    uint64_t r = 88172645463325252ull;
    for (int i = 0; i < N; i++) { r ^= r << 13; r ^= r >> 7; r ^= r << 17; buf[i] = (unsigned char)(r >> 24); }
    int bad = 0;
    for (int off = 0; off < 8; off++) {
        for (int n = 0; n <= 200; n++) {
            if (crc32_update(0, buf + off, (size_t)n) != crc32_bytewise(0, buf + off, (size_t)n)) { bad++; }
        }
    }
    uint32_t pieces = 0;
    int at_end = 0; // pieces of 1, 2, ..., 13, 1, 2, ... bytes while they fit in 5000
    for (int k = 1; at_end + k <= 5000; at_end += k, k = k % 13 + 1) { pieces = crc32_update(pieces, buf + at_end, (size_t)k); }
    check(bad == 0 && pieces == crc32_bytewise(0, buf, (size_t)at_end), "crc32_matches_bytewise",
          "%d of 1608 lengths / offsets differ; pieces %08x", bad, pieces);
    check(crc32_update(0, "123456789", 9) == 0xCBF43926u && crc32_bytewise(0, "123456789", 9) == 0xCBF43926u,
          "crc32_check_value", "%08x / %08x", crc32_update(0, "123456789", 9), crc32_bytewise(0, "123456789", 9));
    check(crc32_update(0, buf, N) == crc32_bytewise(0, buf, N), "crc32_one_mib", "%08x vs %08x", crc32_update(0, buf, N),
          crc32_bytewise(0, buf, N));
    free(buf);
}

static void test_shuffle_per_epoch(void) {
    char p[1024];
    uint16_t t[16 * 16 + 1];
    for (int i = 0; i < 16 * 16 + 1; i++) { t[i] = (uint16_t)i; }
    write_token_shard(P(p, "one.bin"), t, 16 * 16 + 1); // one shard, 16 windows
    int a[3 * 16];
    first_tokens_per_epoch(p, 3, 16, a);
    check(memcmp(a, a + 16, 16 * sizeof(int)) != 0 && memcmp(a + 16, a + 32, 16 * sizeof(int)) != 0,
          "shuffle_sample_order_per_epoch_single_shard", "one shard's window order repeats across epochs");
    for (int s = 0; s < 12; s++) { // 12 shards of one window each: only the shard order can change
        char name[64];
        uint16_t w[17];
        for (int i = 0; i < 17; i++) { w[i] = (uint16_t)(1000 * s + i); }
        snprintf(name, sizeof(name), "ord_%03d.bin", s);
        write_token_shard(P(p, name), w, 17);
    }
    int b[3 * 12];
    first_tokens_per_epoch(P(p, "ord_*.bin"), 3, 12, b);
    check(memcmp(b, b + 12, 12 * sizeof(int)) != 0 && memcmp(b + 12, b + 24, 12 * sizeof(int)) != 0,
          "shuffle_shard_order_per_epoch", "the shard order repeats across epochs");
}


// dataloader_windows_at(e, i) is the windows of the shard at position i of epoch e's (shuffled) order, asked of a
// loader resumed there and of one that stays at epoch 0's first shard (check_resume_data asks it of a loader before
// dataloader_resume: a windows_at that read the loader's own epoch or shard order answered right only when resumed)
static void test_windows_at_epochs(void) {
    char p[1024];
    uint16_t t[20 * 16 + 1] = {0};
    for (int s = 0; s < 6; s++) { char name[64]; snprintf(name, sizeof(name), "wa_%03d.bin", s); write_token_shard(P(p, name), t, (size_t)(s + 1) * 16 + 1); }
    DataLoader l, at_start;
    dataloader_init(&l, P(p, "wa_*.bin"), 2, 8, 0, 1, 1, 5, 256);
    dataloader_init(&at_start, P(p, "wa_*.bin"), 2, 8, 0, 1, 1, 5, 256);
    int ok = 1, ok_at_start = 1, other_than_epoch_0 = 0;
    for (size_t e = 0; e < 6 && ok && ok_at_start; e++) {
        for (size_t i = 0; i < l.num_shards && ok && ok_at_start; i++) {
            dataloader_resume(&l, e, i, 0);
            size_t want = dataloader_shard_samples(&l, l.shard_num_tokens[l.shard_order[i]]);
            ok = dataloader_windows_at(&l, e, i) == want;
            ok_at_start = dataloader_windows_at(&at_start, e, i) == want;
            // (the shards hold 1 to 6 windows: where epoch e's order puts another shard at i than epoch 0's, an answer
            // from epoch 0's order is wrong; other_than_epoch_0 counts those places, so that some are asked)
            other_than_epoch_0 += want != dataloader_shard_samples(&at_start, at_start.shard_num_tokens[at_start.shard_order[i]]);
        }
    }
    check(ok, "windows_at_follows_epoch_shard_order", "dataloader_windows_at disagrees with the loader's shard order");
    check(ok_at_start && other_than_epoch_0 > 0 && at_start.epoch == 0 && at_start.current_shard_idx == 0,
          "windows_at_of_another_epoch_than_the_loaders",
          "asked of a loader at epoch 0, dataloader_windows_at disagrees with the epoch asked for (%d answers differ from epoch 0's)",
          other_than_epoch_0);
    dataloader_free(&l);
    dataloader_free(&at_start);
}

// ---------------------------------------------------------------------------- llm.c tokenizer .bin
static void write_tok(const char *path, uint32_t version, uint32_t vocab, uint32_t eot, size_t extra) {
    uint32_t h[256] = {0};
    h[0] = TOKENIZER_MAGIC; h[1] = version; h[2] = vocab; h[3] = eot;
    FILE *f = fopenCheck(path, "wb");
    fwriteCheck(h, 4, 256, f);
    for (uint32_t i = 0; i < vocab; i++) { unsigned char b[2] = {1, (unsigned char)(i & 0x7f)}; fwriteCheck(b, 1, 2, f); }
    for (size_t i = 0; i < extra; i++) { fputc(0, f); }
    fcloseCheck(f);
}
static void c_tok_eot_eq_vocab(const void *a) { (void)a; char p[1024]; write_tok(P(p, "t1.bin"), 2, 5, 5, 0); Tokenizer t; tokenizer_init(&t, p); }
static void c_tok_trailing(const void *a) { (void)a; char p[1024]; write_tok(P(p, "t2.bin"), 2, 5, 4, 1); Tokenizer t; tokenizer_init(&t, p); }
static void c_tok_short(const void *a) { (void)a; char p[1024]; write_tok(P(p, "t4.bin"), 2, 5, 4, 0); if (truncate(p, 100) != 0) { test_fatal("truncate", strerror(errno)); }
    Tokenizer t; tokenizer_init(&t, p); }
static void c_tok_vocab_past_file(const void *a) { (void)a; char p[1024]; write_tok(P(p, "t5.bin"), 2, 5, 4, 0); uint32_t v = 1000;
    FILE *f = fopenCheck(p, "r+b"); fseekCheck(f, 8, SEEK_SET); fwriteCheck(&v, 4, 1, f); fcloseCheck(f); Tokenizer t; tokenizer_init(&t, p); }
// llm.c's .bin files hold no merges: -p with one is refused (train_mamba -tk tok.bin -p ...), not encoded as bytes
static void c_tok_bin_encode(const void *a) { (void)a; char p[1024]; write_tok(P(p, "t6.bin"), 2, 300, 299, 0);
    Tokenizer t; tokenizer_init(&t, p); int ids[4]; tokenizer_encode(&t, "ab", ids, 4); }
static void c_tok_vocab0(const void *a) { (void)a; char p[1024]; write_tok(P(p, "t3.bin"), 2, 0, 0, 3); Tokenizer t; tokenizer_init(&t, p); }
static void test_tok_gpt2_v1(void) {
    char p[1024];
    write_tok(P(p, "gpt2.bin"), 1, 50257, 0, 0);
    Tokenizer t;
    tokenizer_init(&t, p);
    check(t.init_ok && t.eot_token == 50256, "tokenizer_v1_gpt2_eot_50256", "eot %d", t.eot_token);
    tokenizer_free(&t);
}

// ---------------------------------------------------------------------------- model file
static MambaConfig small_config(void) { MambaConfig c; config_from_descriptor("d32:l1:v64", &c); return c; }
static float *small_params(const MambaConfig *c, size_t *n) {
    size_t sizes[NUM_PARAMETER_TENSORS]; *n = fill_in_parameter_sizes(sizes, c);
    float *p = (float *)mallocCheck(*n * sizeof(float)); uint64_t r = 3; normal_fill(p, *n, 0.f, 0.1f, &r); return p;
}
static void load_model(const char *path) {
    MambaConfig c; size_t n; uint32_t crc;
    FILE *f = open_model_file(path, &c, &n, &crc);
    float *p = (float *)mallocCheck(n * sizeof(float));
    read_model_parameters(f, path, &c, p, n, crc);
    free(p);
}
// header entries i=v (pairs, -1 ends); crc_slot >= 0 rewrites that header CRC
static void edit_header(const char *path, int crc_slot, const int *iv) {
    FILE *f = fopenCheck(path, "r+b"); int h[256]; freadCheck(h, 4, 256, f);
    for (; iv[0] >= 0; iv += 2) { h[iv[0]] = iv[1]; }
    if (crc_slot >= 0) { h[crc_slot] = (int)header_crc(h, 256, crc_slot); }
    fseekCheck(f, 0, SEEK_SET); fwriteCheck(h, 4, 256, f); fcloseCheck(f);
}
static const char *saved_model(char *p, const char *name) {
    MambaConfig c = small_config(); size_t n; float *w = small_params(&c, &n);
    save_model_file(P(p, name), &c, w, n); free(w); return p;
}
static void c_model_v3(const void *a) { (void)a; char p[1024]; int e[] = {1, 3, -1}; edit_header(saved_model(p, "mv3.bin"), 14, e); load_model(p); }
static void c_model_trailing(const void *a) { (void)a; char p[1024]; saved_model(p, "mtr.bin"); FILE *f = fopenCheck(p, "ab"); fputc(0, f); fputc(0, f); fputc(0, f); fputc(0, f); fcloseCheck(f); load_model(p); }
static void c_model_v1_bad_count(const void *a) { (void)a; char p[1024]; int e[] = {1, 1, 14, 0, 10, 12345, -1}; edit_header(saved_model(p, "mp.bin"), -1, e); load_model(p); }
static void c_model_v1_bad_flag(const void *a) { (void)a; char p[1024]; int e[] = {1, 1, 14, 0, 13, 2, -1}; edit_header(saved_model(p, "mf.bin"), -1, e); load_model(p); }
static void c_model_vp_not_8(const void *a) { (void)a; char p[1024];
    MambaConfig c = small_config(); c.padded_vocab_size = 68; size_t n; float *w = small_params(&c, &n);
    save_model_file(P(p, "mvp.bin"), &c, w, n); free(w); load_model(p); }

// ---------------------------------------------------------------------------- state file
static const char *saved_state(char *p, const char *name, size_t n) {
    TrainState s; memset(&s, 0, sizeof(s)); s.step = 5; s.max_steps = 10; s.B = 4; s.T = 32; s.total_batch_size = 128; s.seed = 1337;
    s.data_kind = 1; s.data_processes = 1; s.best_step = -1; s.schedule = 1; s.lr_decay_frac = 0.2f; s.flags_known = 1;
    float *m = (float *)callocCheck(n, 4), *v = (float *)callocCheck(n, 4);
    for (size_t i = 0; i < n; i++) { m[i] = (float)i; v[i] = (float)(2 * i); }
    save_state_file(P(p, name), &s, m, v, n); free(m); free(v); return p;
}
static void load_state(const char *p, size_t n) { TrainState s; float *m = (float *)mallocCheck(n * 4), *v = (float *)mallocCheck(n * 4); load_state_file(p, &s, m, v, n); }
static void c_state_flip_in_v(const void *a) { (void)a; char p[1024]; saved_state(p, "sv.bin", 1000);
    FILE *f = fopenCheck(p, "r+b"); fseekCheck(f, 1024 + 4 * 1000 + 4 * 500, SEEK_SET); fputc(0x55, f); fcloseCheck(f); load_state(p, 1000); }
static void c_state_v8(const void *a) { (void)a; char p[1024]; int e[] = {1, 8, -1}; edit_header(saved_state(p, "s8.bin", 100), 18, e); load_state(p, 100); }
// the -sl / -sg windows after v (version 6): a flipped byte there, and a record out of range under a valid CRC
static void c_state_flip_in_windows(const void *a) { (void)a; char p[1024]; saved_state(p, "sw.bin", 100);
    FILE *f = fopenCheck(p, "r+b"); fseekCheck(f, 1024 + 8 * 100 + 20, SEEK_SET); fputc(0x55, f); fcloseCheck(f); load_state(p, 100); }
// a = {count, next, NaN at norm[7] or not}: one fault at a time, under a valid CRC
static void c_state_bad_window(const void *a) { char p[1024]; const int *w = (const int *)a;
    TrainState s; memset(&s, 0, sizeof(s)); s.B = 4; s.T = 32; s.total_batch_size = 128; s.data_kind = 1; s.data_processes = 1;
    s.best_step = -1; s.schedule = 1; s.lr_decay_frac = 0.2f;
    s.loss_window.count = w[0]; s.loss_window.next = w[1]; s.norm_window.values[7] = w[2] ? NAN : 0.0;
    float m[4] = {0}, v[4] = {0}; save_state_file(P(p, "sbw.bin"), &s, m, v, 4); load_state(p, 4); }
// shorter than its header; a header of another magic (a model file given as the state, say); another model's state
static void c_state_short(const void *a) { (void)a; char p[1024]; saved_state(p, "sshort.bin", 100); if (truncate(p, 1000) != 0) { test_fatal("truncate", strerror(errno)); } load_state(p, 100); }
static void c_state_magic(const void *a) { (void)a; char p[1024]; int e[] = {0, 12345, -1}; edit_header(saved_state(p, "smagic.bin", 100), 18, e); load_state(p, 100); }
static void c_state_other_model(const void *a) { (void)a; char p[1024]; saved_state(p, "sother.bin", 100); load_state(p, 99); }
static void c_state_trailing(const void *a) { (void)a; char p[1024]; saved_state(p, "st.bin", 100); FILE *f = fopenCheck(p, "ab"); fputc(0, f); fputc(0, f); fputc(0, f); fputc(0, f); fcloseCheck(f); load_state(p, 100); }
static void c_state_stop_flag(const void *a) { (void)a; char p[1024]; int e[] = {29, 7, -1}; edit_header(saved_state(p, "sf.bin", 100), 18, e); load_state(p, 100); }
static void test_done_marker_noncanonical(void) {
    char p[1100], d[1024];
    mkdir(P(d, "ck"), 0755);
    snprintf(p, sizeof(p), "%s/DONE_000000012", d); fclose(fopen(p, "w")); // 9 digits, a leading 0: not DONE_%08d
    snprintf(p, sizeof(p), "%s/DONE_00000007", d); fclose(fopen(p, "w"));
    int latest = find_latest_checkpoint(d);
    check(latest == 7, "done_marker_leading_zero_not_a_marker", "found %d, expected 7", latest);
}

// -nk pruning removes the files of the pruned step alone: step 10^7's names (model_10000000...) begin the names of
// steps 10^8..10^8+9 (model_100000000.bin), whose checkpoint, the newest here, kept its marker but lost its files
static void test_prune_step_digits(void) {
    char p[1100], d[600]; // (a short buffer: prune_checkpoints builds its paths in 1100 bytes)
    // (and every state file of the pruned step, one per rank under ZeRO-1: state_<step>_<rank>.bin)
    const char *names[9] = {"DONE_10000000", "model_10000000.bin", "state_10000000.bin", "state_10000000_00000.bin",
                            "state_10000000_00001.bin", "DONE_100000000", "model_100000000.bin", "state_100000000.bin",
                            "state_100000000_00001.bin"};
    snprintf(d, sizeof(d), "%s/prune", DIR_);
    mkdir(d, 0755);
    for (int i = 0; i < 9; i++) { snprintf(p, sizeof(p), "%s/%s", d, names[i]); fclose(fopen(p, "w")); }
    prune_checkpoints(d, 1);
    char got[256] = "";
    for (int i = 0; i < 9; i++) {
        snprintf(p, sizeof(p), "%s/%s", d, names[i]);
        if (access(p, F_OK) == 0) { strcat(got, names[i]); strcat(got, " "); }
    }
    check(strcmp(got, "DONE_100000000 model_100000000.bin state_100000000.bin state_100000000_00001.bin ") == 0,
          "prune_removes_only_its_step", "left: %s", got);
}

// ---------------------------------------------------------------------------- safetensors / hf
static void write_bytes_(const char *path, const void *b, size_t n) { FILE *f = fopenCheck(path, "wb"); fwriteCheck(b, 1, n, f); fcloseCheck(f); }
static void raw_st(const char *path, const char *hdr, size_t data_len, uint64_t field) {
    size_t hl = strlen(hdr); unsigned char *b = (unsigned char *)callocCheck(8 + hl + data_len, 1);
    uint64_t v = field ? field : hl; for (int i = 0; i < 8; i++) { b[i] = (unsigned char)(v >> (8 * i)); }
    memcpy(b + 8, hdr, hl); write_bytes_(path, b, 8 + hl + data_len); free(b);
}
static const char *TA = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
static void c_st_len_high_bits(const void *a) { (void)a; char p[1024]; raw_st(P(p, "hi.safetensors"), TA, 16, ((uint64_t)1 << 32) + strlen(TA));
    Safetensors st; safetensors_open(&st, p); }
static void c_st_overlap(const void *a) { (void)a; char p[1024];
    raw_st(P(p, "case_a.safetensors"), "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, 0);
    Safetensors st; safetensors_open(&st, p); }
static void c_st_gap(const void *a) { (void)a; char p[1024];
    raw_st(P(p, "case_b.safetensors"), "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, 0);
    Safetensors st; safetensors_open(&st, p); }
static void test_hf_eot_out_of_vocab(void) {
    char d[1024], p[1024];
    MambaConfig c = small_config(); size_t n; float *w = small_params(&c, &n);
    hf_save_model(P(d, "hf_eot"), &c, w, 0, 64); // V = 64: id 64 is no token
    cJSON *cfg = safetensors_read_json_object(join(p, d, "config.json"), 1 << 20);
    check(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cfg, "eos_token_id")), "hf_export_eot_outside_vocab_is_null", "eos_token_id is not null");
    cJSON_Delete(cfg); free(w);
}
static void test_hf_stale_staged_tokenizer(void) {
    char d[1024], p[1024];
    MambaConfig c = small_config(); size_t n; float *w = small_params(&c, &n);
    make_dir_if_missing(P(d, "hf_stale"));
    write_bytes_(join(p, d, "tokenizer.json.staged"), "{}", 2); // left by an export that was killed
    hf_export_begin(d);                                           // what the trainer's export_hf does
    hf_save_model(d, &c, w, 0, -1);                               // no tokenizer staged by this export
    check(access(join(p, d, "tokenizer.json"), F_OK) != 0 && access(join(p, d, "tokenizer.json.staged"), F_OK) != 0,
          "hf_export_ignores_stale_staged_tokenizer", "a killed export's staged tokenizer.json was put in place");
    free(w);
}
static void test_hf_pad_multiple(void) {
    char d[1024], p[1024];
    MambaConfig c; config_from_descriptor("d32:l1:v241", &c); c.padded_vocab_size = 256; // 241 padded to 16
    size_t sizes[NUM_PARAMETER_TENSORS], n = fill_in_parameter_sizes(sizes, &c);
    float *w = (float *)callocCheck(n, 4);
    hf_save_model(P(d, "hf_pad16"), &c, w, 0, -1);
    const char *cfg = "{\"d_model\": 32, \"n_layer\": 1, \"vocab_size\": 241, \"pad_vocab_size_multiple\": 16}";
    write_bytes_(join(p, d, "config.json"), cfg, strlen(cfg));
    MambaConfig got; float *lw; size_t ln;
    hf_load_model(d, &got, &lw, &ln); // (rounding 241 by 8 gives 248 rows: the 256-row embedding would be refused)
    check(got.vocab_size == 241 && got.padded_vocab_size == 256, "hf_mamba_ssm_pad_multiple_16_vs_8", "V=%d Vp=%d", got.vocab_size, got.padded_vocab_size);
    free(lw); free(w);
}

// ---------------------------------------------------------------------------- tokenizer.json (BPE)
static const char *FIXTURE = "test/fixtures/bpe/tokenizer.json";
static void write_json(const char *path, cJSON *root) { char *t = cJSON_Print(root); write_bytes_(path, t, strlen(t)); cJSON_free(t); }
static void c_bpe_id_eq_limit(const void *a) { (void)a; char p[1024];
    cJSON *root = safetensors_read_json_object(FIXTURE, 1 << 20);
    cJSON *vocab = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "model"), "vocab");
    int limit = cJSON_GetArraySize(vocab) + cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "added_tokens"));
    cJSON_ReplaceItemInObjectCaseSensitive(vocab, "cat", cJSON_CreateNumber(limit));
    write_json(P(p, "lim.json"), root); BpeTokenizer t; bpe_init(&t, p); }
static int token_id(const BpeTokenizer *t, const char *s) { return bpe_lookup_(t, (const unsigned char *)s, strlen(s)); }
static void test_bpe_duplicate_merge_later_wins(void) {
    char p[1024];
    cJSON *root = safetensors_read_json_object(FIXTURE, 1 << 20);
    cJSON *merges = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "model"), "merges");
    cJSON_AddItemToArray(merges, cJSON_CreateString("h e")); // "h e" again, now ranked after "t h"
    write_json(P(p, "dup.json"), root); cJSON_Delete(root);
    BpeTokenizer t; bpe_init(&t, p);
    int ids[8], n = bpe_encode(&t, "the", ids, 8);
    check(n == 2 && ids[0] == token_id(&t, "th") && ids[1] == token_id(&t, "e"), "bpe_duplicate_merge_later_rank_wins",
          "\"the\" gave %d ids (%d %d), expected th + e as tokenizers does", n, ids[0], n > 1 ? ids[1] : -1);
    bpe_free(&t);
}
static void test_bpe_added_longest_first(void) {
    char p[1024];
    cJSON *root = safetensors_read_json_object(FIXTURE, 1 << 20);
    cJSON *vocab = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "model"), "vocab");
    cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    int id = cJSON_GetArraySize(vocab) + 1; // (the next id past model.vocab's entries and <|pad|>'s, which is the first past them)
    cJSON *tok = cJSON_CreateObject();
    cJSON_AddNumberToObject(tok, "id", id); cJSON_AddStringToObject(tok, "content", "<|pad|>x"); cJSON_AddTrueToObject(tok, "special");
    cJSON_AddItemToArray(added, tok);
    write_json(P(p, "added.json"), root); cJSON_Delete(root);
    BpeTokenizer t; bpe_init(&t, p);
    int ids[8], n = bpe_encode(&t, "<|pad|>x", ids, 8);
    check(n == 1 && ids[0] == id, "bpe_added_tokens_longest_first", "gave %d ids, first %d (expected the one id %d)", n, ids[0], id);
    bpe_free(&t);
}

// ---------------------------------------------------------------------------- tokenizer.h: a tokenizer.json, printing, encoding
// (each check below catches a bug that mutation testing planted in tokenizer.h and no other suite noticed, 2026-12-02)
// the fixture's decode table (test/test_bpe.c says how it is built): byte b at id 1 + b, " the" at 259, <|pad|> at 268
static void test_tok_json_table(void) {
    Tokenizer t; tokenizer_init(&t, FIXTURE);
    int ok = t.init_ok && t.is_bpe && !t.byte_level && t.vocab_size == 269 && t.eot_token == 0;
    for (int b = 0; ok && b < 256; b++) { ok = t.token_len[1 + b] == 1 && (unsigned char)t.token_table[1 + b][0] == b; }
    struct { int id; const char *bytes; } want[] = {{0, "<|endoftext|>"}, {259, " the"}, {266, "  "}, {268, "<|pad|>"}};
    for (size_t i = 0; ok && i < sizeof(want) / sizeof(want[0]); i++) {
        const char *piece = tokenizer_decode(&t, (uint32_t)want[i].id);
        ok = piece != NULL && t.token_len[want[i].id] == strlen(want[i].bytes) && strcmp(piece, want[i].bytes) == 0;
    }
    check(ok, "tokenizer_json_decode_table", "vocab %u (want 269), eot %d (want 0), or a token's bytes differ from the fixture's",
          t.vocab_size, t.eot_token);
    tokenizer_free(&t);
}
// a tokenizer.json whose vocabulary has a gap (no <|pad|>, "cat" moved from 267 to 268): id 267 decodes to nothing, of
// length 0, and 268 to "cat" (a length taken from bpe_decode's -1 would be 4 GiB, with the next token's bytes)
static void test_tok_json_gap(void) {
    char p[1024];
    cJSON *root = safetensors_read_json_object(FIXTURE, 1 << 20);
    cJSON_DeleteItemFromArray(cJSON_GetObjectItemCaseSensitive(root, "added_tokens"), 1);
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "model"), "vocab"),
                                           "cat", cJSON_CreateNumber(268));
    write_json(P(p, "gap.json"), root); cJSON_Delete(root);
    Tokenizer t; tokenizer_init(&t, p);
    const char *gap = t.vocab_size == 269 ? tokenizer_decode(&t, 267) : NULL, *cat = t.vocab_size == 269 ? tokenizer_decode(&t, 268) : NULL;
    check(gap != NULL && t.token_len[267] == 0 && gap[0] == '\0' && cat != NULL && t.token_len[268] == 3 && strcmp(cat, "cat") == 0,
          "tokenizer_json_gap_decodes_to_nothing", "vocab %u (want 269), id 267 of length %u \"%s\", 268 \"%s\"", t.vocab_size,
          t.vocab_size == 269 ? t.token_len[267] : 0, gap != NULL ? gap : "(null)", cat != NULL ? cat : "(null)");
    tokenizer_free(&t);
}
// the fixture with an added token of `len` bytes at id 269 (the next after <|pad|>'s)
static const char *json_with_long_token(char *p, const char *name, int len) {
    cJSON *root = safetensors_read_json_object(FIXTURE, 1 << 20);
    char *content = (char *)mallocCheck((size_t)len + 1); memset(content, 'x', (size_t)len); content[len] = '\0';
    cJSON *tok = cJSON_CreateObject(); cJSON_AddNumberToObject(tok, "id", 269); cJSON_AddStringToObject(tok, "content", content);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(root, "added_tokens"), tok);
    write_json(P(p, name), root); cJSON_Delete(root); free(content); return p;
}
// a token past 255 bytes loads whole (the decode table stored lengths in a byte, so -tk refused one that dev/data/tokenize
// encodes and decodes: "more than the 255 supported")
static void test_tok_json_long(void) {
    const int lens[3] = {255, 256, 5000};
    for (int k = 0; k < 3; k++) {
        char p[1024], name[64]; Tokenizer t;
        snprintf(name, sizeof(name), "long%d.json", lens[k]);
        tokenizer_init(&t, json_with_long_token(p, name, lens[k]));
        char label[64]; snprintf(label, sizeof(label), "tokenizer_json_%d_byte_token", lens[k]);
        check(t.vocab_size == 270 && (int)t.token_len[269] == lens[k] && (int)strlen(t.token_table[269]) == lens[k] &&
              t.token_table[269][0] == 'x', label,
              "vocab %u, token 269 is %d bytes (want %d)", t.vocab_size, t.vocab_size > 269 ? (int)t.token_len[269] : -1, lens[k]);
        tokenizer_free(&t);
    }
}
// only a name ending in ".json" is read as JSON: an llm.c file named "..._json" is a .bin
static void test_tok_name_not_json(void) {
    char p[1024]; write_tok(P(p, "tok_json"), 2, 5, 4, 0);
    Tokenizer t; tokenizer_init(&t, p);
    check(t.init_ok && !t.is_bpe && t.vocab_size == 5 && t.eot_token == 4, "tokenizer_bin_named_json_suffix", "init_ok %d, is_bpe %d, vocab %u",
          t.init_ok, t.is_bpe, t.vocab_size);
    tokenizer_free(&t);
}
static void c_tok_v0(const void *a) { (void)a; char p[1024]; write_tok(P(p, "t0.bin"), 0, 5, 4, 0); Tokenizer t; tokenizer_init(&t, p); }
// two out-of-range ids: one warning
static void c_tok_range_twice(const void *a) { (void)a; Tokenizer t; tokenizer_init_bytes(&t); tokenizer_decode(&t, 300); tokenizer_decode(&t, 301); }
static void test_tok_range_warned_once(void) {
    char err[4096];
    int status = run_child(c_tok_range_twice, NULL, err, sizeof(err));
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0 && strstr(err, "token id 300 out of range") != NULL && strchr(err, '\n') == NULL,
          "tokenizer_out_of_range_warned_once", "status %d, stderr \"%s\"", status, err);
}
static void test_tok_print(void) {
    // safe printing: DEL escaped like the other controls, and a byte >= 0x80 that no character holds; tab as it is
    FILE *fp = tmpfile(); if (fp == NULL) { test_fatal("tmpfile", strerror(errno)); }
    safe_print_bytes(fp, "\x7f\x80\t~", 4);
    char out[64] = {0}; rewind(fp); size_t n = fread(out, 1, sizeof(out) - 1, fp); fclose(fp);
    check(n == 10 && memcmp(out, "\\x7f\\x80\t~", 10) == 0, "safe_print_del_and_lone_high_byte_escaped", "got \"%s\"", out);
    // in pieces (a byte-level sample): a character split over pieces prints whole, one never finished escaped at the
    // end, a backslash doubled
    fp = tmpfile(); if (fp == NULL) { test_fatal("tmpfile", strerror(errno)); }
    HeldBytes held = {{0}, 0};
    const char *pieces[] = {"\xe6", "\x97", "\xa5\\", "\xc3", "a\xe6\x97"};
    for (int i = 0; i < 5; i++) { safe_print_part(fp, &held, pieces[i], strlen(pieces[i])); }
    safe_print_end(fp, &held);
    memset(out, 0, sizeof(out)); rewind(fp); n = fread(out, 1, sizeof(out) - 1, fp); fclose(fp);
    const char want[] = "\xe6\x97\xa5\\\\\\xc3a\\xe6\\x97";
    check(n == sizeof(want) - 1 && memcmp(out, want, n) == 0, "safe_print_pieces_hold_split_characters", "got \"%s\"", out);
    // the bidirectional formatting characters escaped (a right-to-left override showed the text after it reversed),
    // their neighbours in the code charts as they are: U+202E U+202A U+2066 U+2069 U+200E U+200F U+061C escaped;
    // U+202F U+2065 U+200D U+061B not
    fp = tmpfile(); if (fp == NULL) { test_fatal("tmpfile", strerror(errno)); }
    const char bidi[] = "a\xe2\x80\xae|\xe2\x80\xaa|\xe2\x81\xa6|\xe2\x81\xa9|\xe2\x80\x8e|\xe2\x80\x8f|\xd8\x9c|"
                        "\xe2\x80\xaf|\xe2\x81\xa5|\xe2\x80\x8d|\xd8\x9b";
    safe_print_bytes(fp, bidi, sizeof(bidi) - 1);
    char out_bidi[256] = {0}; rewind(fp); n = fread(out_bidi, 1, sizeof(out_bidi) - 1, fp); fclose(fp);
    const char want_bidi[] = "a\\xe2\\x80\\xae|\\xe2\\x80\\xaa|\\xe2\\x81\\xa6|\\xe2\\x81\\xa9|\\xe2\\x80\\x8e|\\xe2\\x80\\x8f|\\xd8\\x9c|"
                             "\xe2\x80\xaf|\xe2\x81\xa5|\xe2\x80\x8d|\xd8\x9b";
    check(n == sizeof(want_bidi) - 1 && memcmp(out_bidi, want_bidi, n) == 0, "safe_print_bidi_controls_escaped", "got \"%s\"", out_bidi);
    // a token with a 0 byte inside prints whole: "a", the 0 escaped, "b"
    char p[1024]; uint32_t h[256] = {0}; h[0] = TOKENIZER_MAGIC; h[1] = 2; h[2] = 2; h[3] = 1;
    FILE *f = fopenCheck(P(p, "nul.bin"), "wb"); fwriteCheck(h, 4, 256, f);
    const unsigned char body[] = {3, 'a', 0, 'b', 1, 'z'}; fwriteCheck(body, 1, sizeof(body), f); fcloseCheck(f);
    Tokenizer t; tokenizer_init(&t, p);
    StdoutCapture cap = stdout_capture_begin();
    tokenizer_print(&t, 0);
    n = stdout_capture_end(cap, out, sizeof(out));
    check(n == 6 && memcmp(out, "a\\x00b", 6) == 0, "tokenizer_print_token_with_nul", "printed %zu bytes \"%.*s\"", n, (int)n, out);
    tokenizer_free(&t);
    // a text's end escapes the character its last token left unfinished, and the next text starts afresh (samples print
    // one after another through the same tokenizer: bytes still held would begin the next one again)
    tokenizer_init_bytes(&t);
    cap = stdout_capture_begin();
    tokenizer_print(&t, 0xe6);
    tokenizer_print_end(&t);
    tokenizer_print(&t, 'a');
    tokenizer_print_end(&t);
    n = stdout_capture_end(cap, out, sizeof(out));
    check(n == 5 && memcmp(out, "\\xe6a", 5) == 0, "tokenizer_print_end_starts_the_next_text_afresh", "printed %zu bytes \"%.*s\"", n,
          (int)n, out);
    tokenizer_free(&t);
}
static void test_tok_encode(void) {
    Tokenizer t; tokenizer_init_bytes(&t);
    int ids[8] = {-7, -7, -7, -7, -7, -7, -7, -7};
    int n = tokenizer_encode(&t, "hello", ids, 3);
    check(n == 3 && ids[0] == 'h' && ids[1] == 'e' && ids[2] == 'l' && ids[3] == -7 && t.eot_token == -1 &&
          tokenizer_encoded_length(&t, "h\xc3\xa9llo") == 6,
          "tokenizer_bytes_encode_cap_and_length", "returned %d, ids[3] %d, eot %d", n, ids[3], t.eot_token);
    tokenizer_free(&t);
    // a tokenizer.json: the count is cut to cap; U+1D160 is U+1D158 U+1D165 U+1D16E after NFC (UnicodeData.txt),
    // 12 bytes that no merge of the fixture joins: 12 ids for 4 bytes of text
    tokenizer_init(&t, FIXTURE);
    for (int i = 0; i < 8; i++) { ids[i] = -7; }
    n = tokenizer_encode(&t, "the cat", ids, 1); // (3 ids: test_bpe's encode_the_cat)
    int len = tokenizer_encoded_length(&t, "\xf0\x9d\x85\xa0");
    check(n == 1 && ids[1] == -7 && len == 12, "tokenizer_json_encode_cap_and_nfc_length", "returned %d (want 1), ids[1] %d, length %d (want 12)",
          n, ids[1], len);
    tokenizer_free(&t);
}

// tokenizer_decode_differs (a resume's -tk .bin against the run's tokenizer.json): two byte tokenizers, one changed at a
// time, each difference found and named (test_cli's resume checks see one token in the middle, 267 of 269); the last
// token, a token that is a prefix of the other's, bytes of the same length, the end-of-text id, the vocabulary size
static void test_tok_decode_differs(void) {
    Tokenizer a, b;
    tokenizer_init_bytes(&a);
    tokenizer_init_bytes(&b);
    char why[200] = "";
    int same = tokenizer_decode_differs(&a, &b, "its", "the run's", why, sizeof(why)) == 0;
    char x[] = "x", ab[] = "ab", abc[] = "abc";
    b.token_table[255] = x; // the last token: same length, other bytes
    int last = tokenizer_decode_differs(&a, &b, "its", "the run's", why, sizeof(why)) == 1 &&
               strcmp(why, "its token 255 differs from the run's") == 0;
    b.token_table[255] = a.token_table[255];
    a.token_table[10] = ab; a.token_len[10] = 2; // "ab" against "abc": equal over the shorter one's bytes
    b.token_table[10] = abc; b.token_len[10] = 3;
    int prefix = tokenizer_decode_differs(&a, &b, "its", "the run's", why, sizeof(why)) == 1 &&
                 strcmp(why, "its token 10 differs from the run's") == 0;
    b.token_table[10] = a.token_table[10]; b.token_len[10] = 2;
    b.token_table[20] = x; // token 20: the byte 0x14, here "x"
    int bytes = tokenizer_decode_differs(&a, &b, "its", "the run's", why, sizeof(why)) == 1 &&
                strcmp(why, "its token 20 differs from the run's") == 0;
    b.token_table[20] = a.token_table[20];
    b.eot_token = 5;
    int eot = tokenizer_decode_differs(&a, &b, "its", "the run's", why, sizeof(why)) == 1 &&
              strcmp(why, "its end-of-text token none against the run's 5") == 0;
    b.eot_token = -1;
    b.vocab_size = 255;
    int vocab = tokenizer_decode_differs(&a, &b, "its", "the run's", why, sizeof(why)) == 1 &&
                strcmp(why, "its 256 tokens against the run's 255") == 0;
    b.vocab_size = 256;
    check(same && last && prefix && bytes && eot && vocab, "tokenizer_decode_differs_each_difference",
          "same %d, last token %d, prefix %d, bytes %d, end-of-text %d, vocabulary %d (the last why: \"%s\")", same, last, prefix,
          bytes, eot, vocab, why);
    tokenizer_free(&a);
    tokenizer_free(&b);
}

// ---------------------------------------------------------------------------- options, training state, log, signals
// (llmc/train_common.h, llmc/logger.h: each check below catches a bug that mutation testing planted there and no
// other suite noticed, 2026-12-02)
typedef struct { const char *argv[8]; } Argv; // argv[0] first, NULL-terminated
static void c_parse(const void *a) {
    const Argv *x = (const Argv *)a; int argc = 0; while (x->argv[argc] != NULL) { argc++; }
    Options o; parse_options(&o, argc, (char **)x->argv);
}
// fn(arg) run in a child must return: exit 0 with nothing on stderr
static void expect_ok(const char *name, ChildFn fn, const void *arg) {
    char err[4096];
    expected_failure_ = fn;
    int status = run_child(run_with_alarm_, arg, err, sizeof(err));
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && strcmp(err, "did not fail") == 0;
    check(ok, name, "status %d, stderr \"%s\" (expected it to run without an error)", status, err);
}
static void test_option_refusals(void) {
    static const struct { const char *name, *want; Argv a; } cases[] = {
        {"option_total_batch_zero", "-d 0 must be a positive multiple", {{"t", "-d", "0", NULL}}},
        {"option_steps_below_minus_1", "-x must be >= -1, got -2", {{"t", "-x", "-2", NULL}}},
        {"option_negative_lr", "-l must be >= 0", {{"t", "-l", "-0.001", NULL}}},
        {"option_negative_warmup", "-u must be >= 0, got -1", {{"t", "-u", "-1", NULL}}},
        {"option_negative_weight_decay", "-c must be >= 0", {{"t", "-c", "-0.1", NULL}}},
        {"option_negative_grad_clip", "-gc must be >= 0", {{"t", "-gc", "-1", NULL}}},
        {"option_negative_val_every", "-v must be >= 0, got -1", {{"t", "-v", "-1", NULL}}},
        {"option_negative_sample_every", "-s must be >= 0, got -1", {{"t", "-s", "-1", NULL}}},
        {"option_negative_checkpoint_every", "-n must be >= 0, got -1", {{"t", "-n", "-1", "-o", "/nonexistent/o", NULL}}},
        {"option_val_batches_zero", "-m must be -1 or positive, got 0", {{"t", "-m", "0", NULL}}},
        {"option_negative_top_k", "-gk must be >= 0, got -1", {{"t", "-gk", "-1", NULL}}},
        {"option_gen_batch_zero", "-gb must be in [1, 4096], got 0", {{"t", "-gb", "0", NULL}}},
        {"option_gen_batch_4097", "-gb must be in [1, 4096], got 4097", {{"t", "-gb", "4097", NULL}}},
        {"option_nccl_timeout_zero", "-pt must be positive, got 0", {{"t", "-pt", "0", NULL}}},
        {"option_negative_keep", "-nk must be >= 0, got -1", {{"t", "-nk", "-1", "-o", "/nonexistent/o", NULL}}},
        {"option_negative_skip_loss_z", "-sl and -sg must be >= 0", {{"t", "-sl", "-1", NULL}}},
        {"option_negative_skip_norm_z", "-sl and -sg must be >= 0", {{"t", "-sg", "-1", NULL}}},
        {"option_max_skips_zero", "-ms must be >= 1, got 0", {{"t", "-ms", "0", NULL}}},
        {"option_recompute_3", "-r must be 0, 1 or 2, got 3", {{"t", "-r", "3", NULL}}},
        {"option_resume_2_without_dir", "-y 2 needs -o", {{"t", "-y", "2", NULL}}},
        {"option_positional_argument", "unexpected argument 'model.bin' (see -h)", {{"t", "-x", "0", "model.bin", NULL}}},
        {"option_hf_into_output_dir", "-hf out/run is the -o directory: give the transformers export a directory of its own "
         "(e.g. -hf ./out/run/hf)", {{"t", "-o", "./out/run", "-hf", "out/run/", NULL}}},
        {"option_unquoted_pattern", "unexpected argument 'd/b_train.bin' after -i d/a_train.bin: a pattern the shell expanded into "
         "several files? quote it, as in -i 'data/*_train_*.bin'", {{"t", "-i", "d/a_train.bin", "d/b_train.bin", NULL}}},
        {"option_batch_tokens_past_2_30", "-b 32768 x -t 32769 is too large", {{"t", "-b", "32768", "-t", "32769", NULL}}},
        {"option_temperature_zero", "-tp must be > 0 (and not denormal), got 0", {{"t", "-tp", "0", NULL}}},
        {"option_temperature_negative", "-tp must be > 0 (and not denormal), got -1", {{"t", "-tp", "-1", NULL}}},
        {"option_zero_stage_2", "-z must be 0 or 1, got 2", {{"t", "-z", "2", NULL}}},
        {"option_negative_processes", "-pn must be >= 0, got -1", {{"t", "-pn", "-1", NULL}}},
        {"option_init_method", "-pi must be fs or tcp, got 'mpi'", {{"t", "-pi", "mpi", NULL}}},
        {"option_int_past_int_range", "flag -b: expected an integer, got '4294967297'", {{"t", "-b", "4294967297", NULL}}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) { expect_fail(cases[i].name, c_parse, &cases[i].a, cases[i].want); }
    // the ends of each range are values, not refusals
    static const struct { const char *name; Argv a; } valid[] = {
        {"option_lr_frac_1_accepted", {{"t", "-q", "1", NULL}}},
        {"option_lr_frac_0_accepted", {{"t", "-q", "0", NULL}}},
        {"option_decay_frac_1_accepted", {{"t", "-k", "wsd", "-kd", "1", NULL}}},
        {"option_zero_lr_warmup_accepted", {{"t", "-l", "0", "-u", "0", NULL}}},
        {"option_max_skips_1_accepted", {{"t", "-ms", "1", NULL}}},
        {"option_gen_batch_4096_accepted", {{"t", "-gb", "4096", "-gk", "0", NULL}}},
        {"option_all_val_one_epoch_accepted", {{"t", "-m", "-1", "-x", "-1", NULL}}},
        {"option_resume_2_with_dir_accepted", {{"t", "-y", "2", "-o", "/nonexistent/o", NULL}}},
        {"option_batch_tokens_2_30_accepted", {{"t", "-b", "32768", "-t", "32768", NULL}}},
        {"option_init_method_tcp_accepted", {{"t", "-pi", "tcp", NULL}}},
    };
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) { expect_ok(valid[i].name, c_parse, &valid[i].a); }
}

// -d left out: one micro-batch per process and step, B*T*processes tokens; a -d given is kept (-x 0 reads none: any
// multiple of B*T, which parse_options checks)
static void test_total_batch_processes(void) {
    Options o = DEFAULT_OPTIONS, d = DEFAULT_OPTIONS, e = DEFAULT_OPTIONS;
    o.B = 4; o.T = 32; d.B = 4; d.T = 32; d.total_batch_size = 1536; e.B = 4; e.T = 32; e.total_batch_size = 1024; e.max_steps = 0;
    resolve_total_batch_size(&o, 3);
    resolve_total_batch_size(&d, 3);
    resolve_total_batch_size(&e, 3);
    check(o.total_batch_size == 4 * 32 * 3 && d.total_batch_size == 1536 && e.total_batch_size == 1024, "total_batch_default_counts_processes",
          "-d -1 at B 4, T 32, 3 processes gave %d (expected 384); -d 1536 gave %d, -d 1024 -x 0 %d", o.total_batch_size,
          d.total_batch_size, e.total_batch_size);
}
// ... of more tokens than an int holds: refused (B*T itself may be up to 2^30, so two processes already reach 2^31)
static void c_total_batch_overflow(const void *a) { (void)a; Options o = DEFAULT_OPTIONS; o.B = 32768; o.T = 32768; resolve_total_batch_size(&o, 2); }
// ... and a -d that the processes' micro-batches do not divide, refused there (train_mamba.cu calls it before the NCCL
// rendezvous: the check came after it, and after the model and the checkpoint were read)
static void c_total_batch_not_multiple(const void *a) {
    (void)a; Options o = DEFAULT_OPTIONS; o.B = 4; o.T = 32; o.total_batch_size = 1024; resolve_total_batch_size(&o, 3);
}

// every field of the state header comes back as saved
static void test_state_round_trip(void) {
    char p[1024];
    TrainState s, r;
    memset(&s, 0, sizeof(s)); memset(&r, 0, sizeof(r));
    s.step = 7; s.B = 3; s.T = 17; s.total_batch_size = 102; s.seed = 99; s.max_steps = 40;
    s.epoch = 2; s.shard = 5; s.sample = 11; s.rng = 0x123456789abcdef0ULL;
    s.data_kind = 1; s.data_order = 1; s.data_shards = 6; s.data_processes = 2; s.data_tokens = 0x1234567890ULL;
    s.best_step = 6; s.best_val_loss = 2.5f; s.best_crc = 0xdeadbeefu; s.stopped = 1;
    s.flags_known = 1; s.lr = 3e-3f; s.warmup = 13; s.final_lr_frac = 0.25f; s.schedule = 4; s.lr_decay_frac = 0.3f;
    s.weight_decay = 0.05f; s.grad_clip = 0.5f; s.overfit = 1;
    s.loss_window.count = s.norm_window.count = OUTLIER_WINDOW; s.loss_window.next = s.norm_window.next = 77; s.consecutive_skips = 2;
    s.skipped_updates = 3;
    for (int i = 0; i < OUTLIER_WINDOW; i++) { s.loss_window.values[i] = 3.0 + i / 7.0; s.norm_window.values[i] = 0.5 - i / 9.0; }
    float m[3] = {1, 2, 3}, v[3] = {4, 5, 6}, m2[3], v2[3];
    save_state_file(P(p, "rt.bin"), &s, m, v, 3);
    load_state_file(p, &r, m2, v2, 3);
    int windows = memcmp(&r.loss_window, &s.loss_window, sizeof(s.loss_window)) == 0 &&
                  memcmp(&r.norm_window, &s.norm_window, sizeof(s.norm_window)) == 0 && r.consecutive_skips == 2 &&
                  r.skipped_updates == 3;
    check(windows, "state_file_round_trip_outlier_windows", "count %d next %d skips %d in a row, %d in all", r.loss_window.count,
          r.loss_window.next, r.consecutive_skips, r.skipped_updates);
    // a version-5 file (no windows after v) still loads, with empty windows and no skips
    int e5[] = {1, 5, -1};
    edit_header(p, 18, e5);
    if (truncate(p, 1024 + 8 * 3) != 0) { test_fatal("truncate", p); }
    memset(&r, 0x5a, sizeof(r));
    load_state_file(p, &r, m2, v2, 3);
    check(r.loss_window.count == 0 && r.norm_window.count == 0 && r.loss_window.next == 0 && r.consecutive_skips == 0 && r.overfit == 1 &&
              r.skipped_updates == 0,
          "state_file_version_5_still_loads", "count %d next %d skips %d in a row, %d in all", r.loss_window.count, r.loss_window.next,
          r.consecutive_skips, r.skipped_updates);
    int ok = r.step == s.step && r.B == s.B && r.T == s.T && r.total_batch_size == s.total_batch_size && r.seed == s.seed &&
             r.max_steps == s.max_steps && r.epoch == s.epoch && r.shard == s.shard && r.sample == s.sample && r.rng == s.rng &&
             r.data_kind == s.data_kind && r.data_order == s.data_order && r.data_shards == s.data_shards &&
             r.data_processes == s.data_processes && r.data_tokens == s.data_tokens && r.best_step == s.best_step &&
             r.best_val_loss == s.best_val_loss && r.best_crc == s.best_crc && r.stopped == s.stopped && r.flags_known == 1 &&
             r.lr == s.lr && r.warmup == s.warmup && r.final_lr_frac == s.final_lr_frac && r.schedule == s.schedule &&
             r.lr_decay_frac == s.lr_decay_frac && r.weight_decay == s.weight_decay && r.grad_clip == s.grad_clip &&
             r.overfit == s.overfit && memcmp(m, m2, sizeof(m)) == 0 && memcmp(v, v2, sizeof(v)) == 0;
    check(ok, "state_file_round_trip_every_field", "a field of the state header did not come back as saved (-a: %d, schedule %d, warmup %d)",
          r.overfit, r.schedule, r.warmup);
}
// a record of 0 processes (under a valid header CRC) is refused on load, not divided by later
static void c_state_zero_processes(const void *a) { (void)a; char p[1024]; int e[] = {25, 0, -1}; edit_header(saved_state(p, "s0p.bin", 100), 18, e); load_state(p, 100); }

// -kb: a val loss equal to the best is not a new best (the earlier model stays); a lower one is
static void test_best_tie(void) {
    TrainState s; memset(&s, 0, sizeof(s)); s.best_step = -1;
    int first = val_loss_is_new_best(&s, 2.0f, 5), tie = val_loss_is_new_best(&s, 2.0f, 10), lower = val_loss_is_new_best(&s, 1.5f, 15);
    check(first && !tie && lower && s.best_step == 15, "best_val_loss_tie_keeps_earlier", "first %d, tie %d, lower %d, best step %d",
          first, tie, lower, s.best_step);
}

// -x 0 (evaluation) into an -o holding a checkpoint trains nothing: not the fresh-run refusal
static void c_eval_into_checkpoint_dir(const void *a) {
    char d[1024], p[1100];
    mkdir(P(d, a ? "ck_train" : "ck_eval"), 0755);
    snprintf(p, sizeof(p), "%s/DONE_00000004", d); fclose(fopenCheck(p, "w"));
    Options o = DEFAULT_OPTIONS; o.output_dir = d; o.max_steps = a ? 5 : 0;
    check_run_before_training(&o, 256, 0, 0);
}

// bits per byte: the predicted tokens' byte lengths (here 1 + 2 + 3 + 4 + 4 = 14 bytes), not their count;
// a loss sum of 7 ln 2 nats is 7 bits, so 0.5 bits per byte. With a = "eot" the tokenizer's end-of-text
// token is 3, of 13 bytes as "<|endoftext|>" is: a document separator that counts none (1 + 2 + 3 = 6 bytes).
// With a = "oov" the last target is 4, the first id past the tokenizer's 4 (a model larger than its
// tokenizer): no bits per byte (n/a), not the length of whatever follows the tokenizer's table
static void c_stream_report(const void *a) {
    char d[256];
    snprintf(d, sizeof(d), "%s/bpb_%s", DIR_, a != NULL ? (const char *)a : "plain"); mkdir(d, 0755);
    Tokenizer t; memset(&t, 0, sizeof(t));
    uint32_t len[5] = {1, 2, 3, 4, 9}; // (len[4]: past the table, read only by a bound that lets id 4 through)
    t.init_ok = 1; t.vocab_size = 4; t.token_len = len; t.eot_token = -1;
    int targets[5] = {0, 1, 2, 3, 3};
    if (a != NULL && strcmp((const char *)a, "eot") == 0) { len[3] = 13; t.eot_token = 3; }
    if (a != NULL && strcmp((const char *)a, "oov") == 0) { targets[4] = 4; }
    Logger lg; logger_init(&lg, d, 0, 0, 0);
    report_stream_eval("x", 7.0 * log(2.0), targets, 5, &t, 0.0, &lg, 3);
    logger_free(&lg);
}
static void test_stream_bits_per_byte(void) {
    for (int eot = 0; eot < 2; eot++) {
        char err[4096], d[1024], p[1024], line[256] = "";
        run_child(c_stream_report, eot ? "eot" : NULL, err, sizeof(err));
        FILE *f = fopen(join(p, P(d, eot ? "bpb_eot" : "bpb_plain"), "main.log"), "r");
        if (f != NULL) { if (fgets(line, sizeof(line), f) == NULL) { line[0] = '\0'; } fclose(f); }
        int step = -1, n = -1;
        double loss = 0, bpt = 0, bpb = 0, want = eot ? 7.0 / 6.0 : 0.5;
        int got = sscanf(line, "s:%d stream_loss:%lf bpt:%lf bpb:%lf tokens:%d", &step, &loss, &bpt, &bpb, &n);
        check(got == 5 && step == 3 && n == 5 && fabs(bpt - 1.4) < 1e-6 && fabs(bpb - want) < 1e-6,
              eot ? "stream_eval_bits_per_byte_end_of_text_no_bytes" : "stream_eval_bits_per_byte_of_token_lengths",
              "logged \"%s\" (expected bpt 1.4: 7 bits over 5 tokens, bpb %.6f: over %d bytes)", line, want, eot ? 6 : 14);
    }
    char err[4096], d[1024], p[1024], line[256] = "";
    run_child(c_stream_report, "oov", err, sizeof(err));
    FILE *f = fopen(join(p, P(d, "bpb_oov"), "main.log"), "r");
    if (f != NULL) { if (fgets(line, sizeof(line), f) == NULL) { line[0] = '\0'; } fclose(f); }
    check(strcmp(line, "s:3 stream_loss:0.970406 bpt:1.400000 bpb:n/a tokens:5\n") == 0, "stream_eval_bits_per_byte_id_past_tokenizer",
          "logged \"%s\" (expected bpb:n/a: target 4 of a 4-token tokenizer)", line);
}

// the whole of a small text file into buf
static void read_text(const char *path, char *buf, size_t size) {
    FILE *f = fopenCheck(path, "r");
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fcloseCheck(f);
}

// a fresh run's log starts empty; a resumed one keeps the lines up to its step
static void test_logger_fresh_truncates(void) {
    char d[256], p[1024], buf[256] = "";
    snprintf(d, sizeof(d), "%s/log", DIR_); mkdir(d, 0755);
    FILE *f = fopenCheck(join(p, d, "main.log"), "w"); fputs("s:1 trl:9.000000\ns:2 trl:8.000000\n", f); fcloseCheck(f);
    Logger lg; logger_init(&lg, d, 1, 1, 0); logger_log_val(&lg, 1, 1.5f); logger_free(&lg);
    read_text(p, buf, sizeof(buf));
    check(strcmp(buf, "s:1 trl:9.000000\ns:1 tel:1.500000\n") == 0, "logger_resume_keeps_lines_to_step", "main.log is \"%s\"", buf);
    logger_init(&lg, d, 0, 0, 0); logger_log_val(&lg, 0, 5.0f); logger_free(&lg);
    read_text(p, buf, sizeof(buf));
    check(strcmp(buf, "s:0 tel:5.000000\n") == 0, "logger_fresh_run_starts_empty_log", "main.log is \"%s\"", buf);
}

// a resume after a signal-stopped checkpoint (LOG_REDO_EVALS) drops that step's val lines (tel:, tea:, -mc's eval: and cla:)
// but keeps its train line and its -es line; a finished run started again with -es (LOG_REDO_STREAM) drops that step's
// stream_loss: line alone (it was logged twice); without either they stay; the lines of earlier steps stay in every case (a
// redo that dropped every step's val lines passed: the log held step 3's alone); a last line cut short (no newline) always
// goes; the train line keeps a small rate's digits (%e)
static void test_logger_resume_edges(void) {
    char d[256], p[1024], buf[640] = "";
    snprintf(d, sizeof(d), "%s/log2", DIR_); mkdir(d, 0755);
    const char *earlier = "s:2 tel:2.100000\ns:2 eval:0.200000 evs:0.250000\ns:2 cla:0.300000 clp:14.0\n"
                          "s:2 stream_loss:1.6 bpt:2.3 bpb:2.3 tokens:9\n";
    const char *old = "s:3 trl:2.000000\ns:3 tel:1.900000\ns:3 tea:0.500000\ns:3 eval:0.250000 evs:0.250000 evc:0.3\n"
                      "s:3 cla:0.400000 clp:12.5\ns:3 stream_loss:1.5 bpt:2.1 bpb:2.1 tokens:9\ns:4 trl:1.800000\n";
    const char *vals = "s:3 tel:1.900000\ns:3 tea:0.500000\ns:3 eval:0.250000 evs:0.250000 evc:0.3\ns:3 cla:0.400000 clp:12.5\n";
    const int redos[3] = {LOG_REDO_EVALS, 0, LOG_REDO_STREAM};
    const char *names[3] = {"logger_redo_evals_drops_val_lines", "logger_keeps_val_lines_without_redo", "logger_redo_stream_drops_stream_line"};
    for (int i = 0; i < 3; i++) {
        char want[640];
        snprintf(want, sizeof(want), "%ss:3 trl:2.000000\n%s%s", earlier, redos[i] == LOG_REDO_EVALS ? "" : vals,
                 redos[i] == LOG_REDO_STREAM ? "" : "s:3 stream_loss:1.5 bpt:2.1 bpb:2.1 tokens:9\n");
        FILE *f = fopenCheck(join(p, d, "main.log"), "w"); fputs(earlier, f); fputs(old, f); fcloseCheck(f);
        Logger lg; logger_init(&lg, d, 1, 3, redos[i]); logger_free(&lg);
        read_text(p, buf, sizeof(buf));
        check(strcmp(buf, want) == 0, names[i], "main.log is \"%s\"", buf);
    }
    FILE *f = fopenCheck(p, "w"); fputs("s:1 trl:2.000000\ns:2 trl:1.9", f); fcloseCheck(f); // the second line cut short
    Logger lg; logger_init(&lg, d, 1, 9, 0); logger_log_train(&lg, 3, 1.5f, 3e-5f, 0.25f); logger_free(&lg);
    read_text(p, buf, sizeof(buf));
    check(strcmp(buf, "s:1 trl:2.000000\ns:3 trl:1.500000\ns:3 lr:3.000000e-05 norm:0.250000\n") == 0, "logger_cut_line_dropped_lr_digits",
          "main.log is \"%s\"", buf);
}

// each line is in the file when its call returns, not at logger_free (a val line left in stdio's buffer until the next
// train line would be lost to a SIGKILL after a checkpoint's evaluation, and a plain resume does not evaluate that step again)
static void test_logger_lines_on_disk(void) {
    char d[256], p[1024], buf[256] = "";
    snprintf(d, sizeof(d), "%s/log3", DIR_); mkdir(d, 0755);
    join(p, d, "main.log");
    const char *want[3] = {"s:0 trl:2.000000\ns:0 lr:1.000000e-03 norm:0.500000\n", "s:0 tel:1.900000\n", "s:0 eval:0.250000 evs:0.250000\n"};
    char all[256] = "";
    int ok = 1;
    Logger lg; logger_init(&lg, d, 0, 0, 0);
    for (int i = 0; i < 3 && ok; i++) {
        if (i == 0) { logger_log_train(&lg, 0, 2.0f, 1e-3f, 0.5f); }
        if (i == 1) { logger_log_val(&lg, 0, 1.9f); }
        if (i == 2) { logger_log_line(&lg, "s:0 eval:0.250000 evs:0.250000"); }
        strcat(all, want[i]);
        read_text(p, buf, sizeof(buf));
        ok = strcmp(buf, all) == 0;
    }
    logger_free(&lg);
    check(ok, "logger_each_line_in_the_file_at_once", "before logger_free main.log is \"%s\", want \"%s\"", buf, all);
}

// the stop signals (handle_stop_signal, called as the kernel would): in the training loop SIGTERM asks for a
// stop, SIGUSR1 after it is no second signal, a second SIGTERM exits at once (143); outside the loop a SIGTERM
// exits at once, and a SIGUSR1 passed on after a stop already under way is ignored
static void c_signals(const void *a) {
    int which = *(const int *)a;
    stop_signal = 0; stop_signal_direct = 0; stop_signal_deferred = 1;
    if (which == 0) { handle_stop_signal(SIGTERM); handle_stop_signal(SIGUSR1); if (stop_signal != SIGTERM) { fatalf("stop_signal %d", (int)stop_signal); } }
    if (which == 1) { handle_stop_signal(SIGTERM); handle_stop_signal(SIGTERM); }
    if (which == 2) { handle_stop_signal(SIGUSR1); handle_stop_signal(SIGTERM); if (stop_signal != SIGUSR1) { fatalf("stop_signal %d", (int)stop_signal); } }
    if (which == 3) { handle_stop_signal(SIGTERM); stop_signal_deferred = 0; handle_stop_signal(SIGUSR1); }
    if (which == 4) { stop_signal_deferred = 0; handle_stop_signal(SIGTERM); }
    // with the answers on (announce_stop_signals; stderr is a pipe here, so no leading newline): rank 0 with -o, a
    // Ctrl-C then a SIGUSR1 (no answer: no second stop); without -o, two Ctrl-Cs; a rank other than 0, silent
    if (which == 5) { announce_stop_signals("out", 1); handle_stop_signal(SIGINT); handle_stop_signal(SIGUSR1); }
    if (which == 6) { announce_stop_signals(NULL, 1); handle_stop_signal(SIGINT); handle_stop_signal(SIGINT); }
    if (which == 7) { announce_stop_signals("out", 0); handle_stop_signal(SIGTERM); handle_stop_signal(SIGTERM); }
    // in a fresh run's first evaluation, before anything is trained: nothing to save
    if (which == 8) { announce_stop_signals("out", 1); stop_signal_before_training = 1; handle_stop_signal(SIGTERM); }
    // while a sample prints, the answer waits for its end: the "|" (the sample's last output) comes first
    if (which == 9) {
        announce_stop_signals("out", 1);
        hold_stop_note();
        handle_stop_signal(SIGTERM);
        if (write(STDERR_FILENO, "|", 1) != 1) { _exit(3); }
        release_stop_note();
        release_stop_note(); // (once only)
    }
    // a second Ctrl-C while the first's answer is held (a sample printing): both answers, then the exit
    if (which == 11) { announce_stop_signals("out", 1); hold_stop_note(); handle_stop_signal(SIGINT); handle_stop_signal(SIGINT); }
    // a sample printing before anything is trained (a resumed run's first step, -s dividing it): the held answer is
    // step 0's, not the one promising a checkpoint of this step
    if (which == 12) {
        announce_stop_signals("out", 1);
        stop_signal_before_training = 1;
        hold_stop_note();
        handle_stop_signal(SIGTERM);
        if (write(STDERR_FILENO, "|", 1) != 1) { _exit(3); }
        release_stop_note();
    }
    // a SIGTERM while a sample prints, then a Ctrl-C: the held answer names the first signal, the exit the second
    if (which == 13) { announce_stop_signals("out", 1); hold_stop_note(); handle_stop_signal(SIGTERM); handle_stop_signal(SIGINT); }
    // a signal after a sample has printed (the hold released) is answered at once, not held until the next sample's end
    if (which == 14) {
        announce_stop_signals("out", 1);
        hold_stop_note();
        if (write(STDERR_FILENO, "<", 1) != 1) { _exit(3); }
        release_stop_note();
        handle_stop_signal(SIGTERM);
        if (write(STDERR_FILENO, "|", 1) != 1) { _exit(3); }
    }
    // the handler leaves errno as it found it, though its write fails (stderr closed: EBADF)
    if (which == 10) {
        announce_stop_signals("out", 1);
        close(STDERR_FILENO);
        errno = ERANGE;
        handle_stop_signal(SIGTERM);
        if (errno != ERANGE) { _exit(4); }
    }
}
static void test_stop_signals(void) {
    enum { CASES = 15 };
    static const int which[CASES] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    static const int want[CASES] = {0, 128 + SIGTERM, 0, 0, 128 + SIGTERM, 0, 128 + SIGINT, 128 + SIGTERM, 0, 0, 0, 128 + SIGINT, 0,
                                    128 + SIGINT, 0};
    static const char *names[CASES] = {"signal_term_then_usr1_stops_once", "signal_second_term_exits_at_once", "signal_usr1_then_term_stops_once",
                                       "signal_usr1_after_stop_outside_loop_ignored", "signal_term_outside_loop_exits_at_once",
                                       "signal_answered_with_checkpoint", "signal_answered_without_o_then_exit", "signal_not_answered_off_rank_0",
                                       "signal_answered_before_training", "signal_answer_waits_for_the_sample", "signal_handler_keeps_errno",
                                       "signal_second_writes_the_held_answer", "signal_held_answer_before_training",
                                       "signal_held_answer_names_the_first_signal", "signal_after_the_sample_answered_at_once"};
    static const char *want_err[CASES] = {"", "", "", "", "",
        "signal 2: stopping after this step, with a checkpoint; a second SIGINT or SIGTERM exits at once",
        "signal 2: stopping after this step (no -o: nothing is saved); a second SIGINT or SIGTERM exits at once\n"
        "signal 2 again: exiting at once", "",
        "signal 15: stopping before the first step (nothing to save); a second SIGINT or SIGTERM exits at once",
        "|signal 15: stopping after this step, with a checkpoint; a second SIGINT or SIGTERM exits at once", "",
        "signal 2: stopping after this step, with a checkpoint; a second SIGINT or SIGTERM exits at once\n"
        "signal 2 again: exiting at once, without a checkpoint of this step",
        "|signal 15: stopping before the first step (nothing to save); a second SIGINT or SIGTERM exits at once",
        "signal 15: stopping after this step, with a checkpoint; a second SIGINT or SIGTERM exits at once\n"
        "signal 2 again: exiting at once, without a checkpoint of this step",
        "<signal 15: stopping after this step, with a checkpoint; a second SIGINT or SIGTERM exits at once\n|"}; // (run_child drops the last newline)
    for (int i = 0; i < CASES; i++) {
        char err[4096];
        int status = run_child(c_signals, &which[i], err, sizeof(err));
        check(WIFEXITED(status) && WEXITSTATUS(status) == want[i] && strcmp(err, want_err[i]) == 0, names[i],
              "status %d (expected exit %d), stderr \"%s\" (expected \"%s\")", status, want[i], err, want_err[i]);
    }
}

// a stop signal that arrives while a write waits on a full pipe (stdout into a lagging `| tee`) must not lose the bytes:
// the handler is installed with SA_RESTART, so the write starts again instead of failing with EINTR (stdio would drop
// its buffer). The child fills a pipe, then writes a line; a grandchild waits until the child sleeps in that write,
// sends SIGTERM, then reads the pipe and checks that every byte came
static int proc_state_(pid_t pid) {
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) { return 0; }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    return close_paren != NULL && close_paren[1] == ' ' ? close_paren[2] : 0;
}
static void c_signal_restarts_write(const void *unused) {
    (void)unused;
    install_signal_handlers();
    stop_signal_deferred = 1;
    int fd[2];
    if (pipe(fd) != 0) { _exit(10); }
    fcntl(fd[1], F_SETFL, fcntl(fd[1], F_GETFL) | O_NONBLOCK);
    char block[4096];
    memset(block, 'x', sizeof(block));
    long filled = 0;
    for (;;) { // (then the pipe holds less than 6 bytes of room: the line's write waits)
        ssize_t w = write(fd[1], block, sizeof(block));
        if (w > 0) { filled += w; continue; }
        w = write(fd[1], block, 1);
        if (w == 1) { filled++; continue; }
        break;
    }
    fcntl(fd[1], F_SETFL, fcntl(fd[1], F_GETFL) & ~O_NONBLOCK);
    pid_t writer = getpid(), reader = fork();
    if (reader < 0) { _exit(11); }
    if (reader == 0) {
        close(fd[1]);
        int waited = 0;
        while (proc_state_(writer) != 'S' && waited++ < 5000) { usleep(1000); } // (the write is the writer's only wait)
        usleep(50000);
        kill(writer, SIGTERM);
        usleep(100000);
        long got = 0;
        ssize_t r;
        while ((r = read(fd[0], block, sizeof(block))) > 0) { got += r; }
        _exit(got == filled + 6 ? 0 : 12);
    }
    close(fd[0]);
    FILE *out = fdopen(fd[1], "w");
    if (out == NULL) { _exit(13); }
    int failed = fputs("hello\n", out) < 0 || fflush(out) != 0 || ferror(out);
    fclose(out);
    int status = 0;
    waitpid(reader, &status, 0);
    if (failed) { fprintf(stderr, "the write failed: %s", strerror(errno)); _exit(14); }
    if (stop_signal != SIGTERM) { _exit(15); }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 16);
}
static void test_signal_restarts_write(void) {
    char err[4096];
    int status = run_child(c_signal_restarts_write, NULL, err, sizeof(err));
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0 && err[0] == '\0', "signal_restarts_a_blocked_write",
          "exit %d, stderr \"%s\" (12: bytes lost, 14: the write failed)", WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
}

// a constant window of doubles that are not floats (the loss averaged over micro-steps is one) has a mean that
// rounds, so a spread of ~1e-17 instead of 0: it scores 0 still, not a z of ~1e16 that -sl would skip on
static void test_outlier_constant_double(void) {
    OutlierDetector c = {{0}, 0, 0};
    for (int i = 0; i < OUTLIER_WINDOW; i++) { outlier_add(&c, 0.1); }
    double z_same = outlier_zscore(&c, 0.1), z_double = outlier_zscore(&c, 0.2);
    check(z_same == 0.0 && z_double == 0.0, "outlier_constant_double_window_z_zero", "z(0.1) = %g, z(0.2) = %g over 128 x 0.1", z_same, z_double);
}

// ---------------------------------------------------------------------------- model descriptors and presets
// (llmc/model_config.h: each check below catches a bug that mutation testing planted there and no other suite
// noticed, 2026-12-02, third round)
typedef struct { const char *desc; int V, Vp, L, C, Di, N, K, R, no_selection; } ConfigCase;
// the descriptor gives exactly this config (run in a child: a wrong refusal ends the process)
static void c_descriptor_is(const void *a) {
    const ConfigCase *w = (const ConfigCase *)a;
    MambaConfig c;
    memset(&c, 0xff, sizeof(c));
    int is = config_from_descriptor(w->desc, &c);
    if (is != 1 || c.vocab_size != w->V || c.padded_vocab_size != w->Vp || c.n_layer != w->L || c.d_model != w->C ||
        c.d_inner != w->Di || c.d_state != w->N || c.d_conv != w->K || c.dt_rank != w->R || c.no_selection != w->no_selection) {
        fatalf("returned %d: V=%d Vp=%d L=%d C=%d Di=%d N=%d K=%d R=%d s0=%d", is, c.vocab_size, c.padded_vocab_size, c.n_layer,
               c.d_model, c.d_inner, c.d_state, c.d_conv, c.dt_rank, c.no_selection);
    }
}
// the presets are the released state-spaces/mamba-* models (their config.json: d_model, n_layer, vocab 50280,
// expand 2, d_state 16, d_conv 4, dt_rank "auto" = ceil(d_model / 16)); a descriptor's missing fields take
// l8 v256 n16 e2 k4 and R = ceil(C / 16); V is padded up to a multiple of 8; every field lands in its own place
static void test_descriptors_and_presets(void) {
    static const ConfigCase cases[] = {
        {"mamba-130m", 50280, 50280, 24, 768, 1536, 16, 4, 48, 0},   {"mamba-370m", 50280, 50280, 48, 1024, 2048, 16, 4, 64, 0},
        {"mamba-790m", 50280, 50280, 48, 1536, 3072, 16, 4, 96, 0},  {"mamba-1.4b", 50280, 50280, 48, 2048, 4096, 16, 4, 128, 0},
        {"mamba-2.8b", 50280, 50280, 64, 2560, 5120, 16, 4, 160, 0},
        {"d64", 256, 256, 8, 64, 128, 16, 4, 4, 0},
        {"d32:l1:v8", 8, 8, 1, 32, 64, 16, 4, 2, 0},                 // 32 / 16 exactly: R 2
        {"d33:l1:v257", 257, 264, 1, 33, 66, 16, 4, 3, 0},           // ceil(33 / 16) = 3; 257 padded to 264
        {"d48:l3:v100:n8:e3:k2:r5:s0", 100, 104, 3, 48, 144, 8, 2, 5, 1},
        {"d48:s1:r5:k2:e3:n8:v100:l3", 100, 104, 3, 48, 144, 8, 2, 5, 0},
        {"d64:r1", 256, 256, 8, 64, 128, 16, 4, 1, 0},                // r1 is taken (not only R > 1)
        // each limit of config_validate, at the limit (accepted; the model is never allocated)
        {"d32:l1024:v65536:n256:k64:r32", 65536, 65536, 1024, 32, 64, 256, 64, 32, 0},
        {"d65536:l1:e4", 256, 256, 1, 65536, 262144, 16, 4, 4096, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[96];
        snprintf(name, sizeof(name), "descriptor_%s", cases[i].desc);
        expect_ok(name, c_descriptor_is, &cases[i]);
    }
}
static void c_descriptor(const void *a) { MambaConfig c; config_from_descriptor((const char *)a, &c); }
// names that are no descriptor (a model file under a directory starting with d, a bare "d") come back as 0
static void c_not_descriptors(const void *a) {
    (void)a;
    const char *names[] = {"dir/model.bin", "d", "data.bin", "d-64", "model_00000010.bin"};
    for (int i = 0; i < 5; i++) {
        MambaConfig c;
        if (config_from_descriptor(names[i], &c) != 0) { fatalf("'%s' taken as a descriptor", names[i]); }
    }
}
// one past each limit is refused, and so is a 0 field; a descriptor of 255 characters fits the parser's
// buffer, one of 256 is refused (a leading-zero width keeps both valid otherwise)
static void test_descriptor_limits(void) {
    static const struct { const char *desc, *want; } refused[] = {
        {"d32:l1025", "invalid model config: layer count L = 1025 is outside [1, 1024]"},
        {"d32:v65537", "vocabulary of 65537"}, {"d32:n257", "state size N = 257"},
        {"d32:k65", "invalid model config: conv width K = 65 is outside [1, 64]"},
        {"d32:r33", "invalid model config: dt rank R (at most C) = 33 is outside [1, 32]"},
        {"d65537:l1", "invalid model config: model width C = 65537 is outside [1, 65536]"},
        {"d52429:l1:e5", "invalid model config: inner width Di (expand x C) = 262145 is outside [1, 262144]"},
        {"d32:r0", "bad field 'r0'"}, {"d32:l0", "bad field 'l0'"},
        // a number is digits only (strtol alone takes a sign or spaces first), and a field comes once
        {"d32:l+2", "bad field 'l+2'"},           {"d32:l 2", "bad field 'l 2'"},      {"d32:l2:l4", "field 'l' given twice"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "descriptor_refused_%s", refused[i].desc);
        expect_fail(name, c_descriptor, refused[i].desc, refused[i].want);
    }
    expect_ok("not_descriptors_return_0", c_not_descriptors, NULL);
    static char fits[256], too_long[257];
    snprintf(fits, sizeof(fits), "d%0*d:l1", 255 - 4, 32); // "d000...032:l1", 255 characters
    snprintf(too_long, sizeof(too_long), "d%0*d:l1", 256 - 4, 32);
    ConfigCase fits_case = {fits, 256, 256, 1, 32, 64, 16, 4, 2, 0};
    expect_ok("descriptor_255_characters_fits", c_descriptor_is, &fits_case);
    expect_fail("descriptor_256_characters_too_long", c_descriptor, too_long, "model descriptor too long");
}

// ---------------------------------------------------------------------------- -mc eval files, a resumed run's flags
// (2026-12-05: each refusal below was reached by no test; the fuzz harness reaches them, but checks no message)
// an eval file of one header and a uint16 stream (65535, size in bytes, index, label, completions, context length and
// tokens, then each completion's length, in version 2 its skip, and tokens), loaded for V 256, B 4, T 32 (c_mc_load_at_t: another T)
typedef struct { const char *name; int version, examples, longest, n; uint16_t stream[20]; const char *want; } McCase;
static void mc_load_case(const McCase *m, int T) {
    int32_t h[256] = {0};
    h[0] = MC_MAGIC; h[1] = m->version; h[2] = m->examples; h[3] = m->longest;
    char p[1024];
    FILE *f = fopenCheck(P(p, "mc.bin"), "wb"); fwriteCheck(h, 4, 256, f); fwriteCheck(m->stream, 2, (size_t)m->n, f); fcloseCheck(f);
    MCEvalSet s;
    mc_load(&s, p, 256, T);
}
static void c_mc_load(const void *a) { mc_load_case((const McCase *)a, 32); }
typedef struct { int T; McCase c; } McCaseAtT;
static void c_mc_load_at_t(const void *a) { mc_load_case(&((const McCaseAtT *)a)->c, ((const McCaseAtT *)a)->T); }
static void test_mc_refusals(void) {
    enum { S = MC_START };
    static const McCase refused[] = {
        {"mc_zero_examples", 1, 0, 1000, 10, {S, 20, 0, 0, 1, 1, 65, 2, 66, 67}, "mc.bin: 0 examples in the header"},
        {"mc_longest_zero", 1, 1, 0, 10, {S, 20, 0, 0, 1, 1, 65, 2, 66, 67}, "mc.bin: longest example of 0 bytes in the header"},
        {"mc_more_examples_than_bytes", 1, 3, 1000, 10, {S, 20, 0, 0, 1, 1, 65, 2, 66, 67},
         "mc.bin: 3 examples in the header, but its 20 bytes hold at most 1"},
        {"mc_example_past_end", 1, 2, 1000, 18, {S, 32, 0, 0, 1, 1, 65, 8, 66, 66, 66, 66, 66, 66, 66, 66, 0, 0},
         "mc.bin: truncated: example 1 of 2 starts past the end of the file"},
        {"mc_zero_completions", 1, 1, 1000, 10, {S, 20, 0, 0, 0, 1, 65, 2, 66, 67}, "example 0: 0 completions (1 to 64)"},
        {"mc_65_completions", 1, 1, 1000, 10, {S, 20, 0, 0, 65, 1, 65, 2, 66, 67}, "example 0: 65 completions (1 to 64)"},
        {"mc_size_ends_before_completion", 1, 1, 1000, 10, {S, 20, 0, 0, 2, 1, 65, 2, 66, 67},
         "example 0: its size field (20 bytes) ends before completion 1"},
        {"mc_empty_completion", 1, 1, 1000, 11, {S, 22, 0, 0, 2, 1, 65, 2, 66, 67, 0}, "example 0: completion 1 is empty"},
        {"mc_v2_size_ends_before_skip", 2, 1, 1000, 9, {S, 18, 0, 0, 1, 2, 65, 65, 2},
         "example 0: its size field (18 bytes) ends before completion 0's skip"},
        {"mc_v2_skips_every_token", 2, 1, 1000, 11, {S, 22, 0, 0, 1, 1, 65, 2, 2, 66, 67},
         "example 0: completion 0 skips 2 of its 2 tokens (one at least must be scored)"},
        {"mc_size_ends_inside_tokens", 1, 1, 1000, 9, {S, 18, 0, 0, 1, 1, 65, 3, 66}, "example 0: its size field (18 bytes) ends inside its tokens"},
        {"mc_size_past_fields", 1, 1, 1000, 11, {S, 22, 0, 0, 1, 1, 65, 2, 66, 67, 0},
         "example 0: size field of 22 bytes, but its fields take 20"},
        {"mc_v1_empty_context", 1, 1, 1000, 10, {S, 20, 0, 0, 1, 0, 3, 66, 67, 68},
         "example 0: empty context (its first completion token would have nothing to follow)"},
        {"mc_label_equal_to_completions", 1, 1, 1000, 11, {S, 22, 0, 2, 2, 1, 65, 1, 66, 1, 67}, "example 0: label 2, but 2 completions"},
        // (2026-12-07: a mutant of each of these two checks let the file through, and no test saw it)
        {"mc_token_equal_to_vocab", 1, 1, 1000, 10, {S, 20, 0, 0, 1, 1, 65, 2, 66, 256},
         "example 0: token 256 outside the model's vocabulary [0, 256)"},
        // version 2 without shared context: every completion must begin with context, the first as much as the last
        {"mc_v2_empty_context_first_unskipped", 2, 1, 1000, 13, {S, 26, 0, 0, 2, 0, 1, 0, 66, 2, 1, 67, 68},
         "example 0: empty context (its first completion token would have nothing to follow)"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) { expect_fail(refused[i].name, c_mc_load, &refused[i], refused[i].want); }
    // the least example (9 uint16: one context token, one completion of one token), and version 2's completions that
    // bring their own context (WinoGrande's sentence that begins with the blank) after an empty one
    static const McCase least = {"", 1, 1, 18, 9, {S, 18, 0, 0, 1, 1, 65, 1, 66}, ""};
    static const McCase v2_own_context = {"", 2, 1, 1000, 11, {S, 22, 0, 0, 1, 0, 3, 1, 66, 67, 68}, ""};
    expect_ok("mc_least_example_accepted", c_mc_load, &least);
    expect_ok("mc_v2_empty_context_with_skip_accepted", c_mc_load, &v2_own_context);
    // a completion of -t tokens fits a row of T inputs (its context cut to one token); one more does not
    static const McCaseAtT fills_t = {2, {"", 1, 1, 1000, 10, {S, 20, 0, 0, 1, 1, 65, 2, 66, 67}, ""}};
    static const McCaseAtT past_t = {1, {"", 1, 1, 1000, 10, {S, 20, 0, 0, 1, 1, 65, 2, 66, 67}, ""}};
    expect_ok("mc_completion_of_t_tokens_accepted", c_mc_load_at_t, &fills_t);
    expect_fail("mc_completion_past_t", c_mc_load_at_t, &past_t, "example 0: completion 0 has 2 tokens, more than -t 1");
}

/*
One eval file worked through by hand (B 4, T 6): example 0 has the context 10 .. 16 (7 tokens) and the completions
[0, 1] and [0, 2], label 1; example 1 the context 20 and two equal completions [30, 31], label 0. A row holds T + 1
tokens, so example 0 keeps the context's last 7 - 2 = 5 (12 .. 16), and its targets are the completion's tokens at
the positions that predict them (4 and 5). Under a token table where 0 is a no-break space (U+00A0, white space to
Python's str.isspace), 1 "ab", 2 "abc" and every other id "x", the shared space in front is not counted: 2 and 3
characters; 2 and 2 in example 1. With summed losses 5, 4 (example 0) and 3, 3 (a tie: the first wins) both choices
are right by the sum, the mean and the per-character loss.
*/
static void test_mc_by_hand(void) {
    enum { S = MC_START, B = 4, T = 6 };
    const uint16_t stream[] = {S, 38, 0, 1, 2, 7, 10, 11, 12, 13, 14, 15, 16, 2, 0, 1, 2, 0, 2,
                               S, 26, 1, 0, 2, 1, 20, 2, 30, 31, 2, 30, 31};
    int32_t h[256] = {0};
    h[0] = MC_MAGIC; h[1] = 1; h[2] = 2; h[3] = 38;
    char p[1024];
    FILE *f = fopenCheck(P(p, "mc_hand.bin"), "wb"); fwriteCheck(h, 4, 256, f); fwriteCheck(stream, 2, sizeof(stream) / 2, f); fcloseCheck(f);
    MCEvalSet s;
    mc_load(&s, p, 256, T);
    int in[B * T], tg[B * T];
    int packed = mc_pack(&s, 0, 2, B, T, in, tg);
    static const int want_in[B * T] = {12, 13, 14, 15, 16, 0, 12, 13, 14, 15, 16, 0, 20, 30, 0, 0, 0, 0, 20, 30, 0, 0, 0, 0};
    static const int want_tg[B * T] = {-1, -1, -1, -1, 0, 1, -1, -1, -1, -1, 0, 2, 30, 31, -1, -1, -1, -1, 30, 31, -1, -1, -1, -1};
    int pack_ok = packed == 2 && memcmp(in, want_in, sizeof(in)) == 0 && memcmp(tg, want_tg, sizeof(tg)) == 0;
    check(pack_ok, "mc_pack_by_hand", "packed %d examples; row 0 inputs %d %d %d %d %d %d, targets %d %d %d %d %d %d", packed,
          in[0], in[1], in[2], in[3], in[4], in[5], tg[0], tg[1], tg[2], tg[3], tg[4], tg[5]);
    const char *table[33];
    uint32_t len[33];
    for (int i = 0; i < 33; i++) { table[i] = "x"; len[i] = 1; }
    table[0] = "\xc2\xa0"; len[0] = 2;
    table[1] = "ab"; len[1] = 2;
    table[2] = "abc"; len[2] = 3;
    int set = mc_set_chars(&s, table, len, 33);
    check(set && s.row_chars[0] == 2 && s.row_chars[1] == 3 && s.row_chars[2] == 2 && s.row_chars[3] == 2, "mc_chars_shared_no_break_space",
          "returned %d; characters %d %d %d %d (want 2 3 2 2)", set, set ? s.row_chars[0] : -1, set ? s.row_chars[1] : -1,
          set ? s.row_chars[2] : -1, set ? s.row_chars[3] : -1);
    const double loss[4] = {5.0, 4.0, 3.0, 3.0};
    const int count[4] = {2, 2, 2, 2}, greedy[4] = {0, 0, 0, 0};
    MCResult r;
    memset(&r, 0, sizeof(r));
    int rows = mc_score(&s, 0, 2, loss, count, greedy, &r);
    check(rows == 4 && r.examples == 2 && r.correct_sum == 2 && r.correct_mean == 2 && r.correct_char == 2 && r.cloze_examples == 0,
          "mc_score_by_hand_tie_first", "%d rows, %d examples; right %d (sum), %d (mean), %d (per character), want 2 each", rows,
          r.examples, r.correct_sum, r.correct_mean, r.correct_char);
    // with every row's count 2 the three rules above choose alike (a mean rule that compared sums, or a per-character
    // one that did, passed). Each example scored alone, with losses and counts that set the rules apart:
    // example 0 (label 1, 2 and 3 characters): sums 3, 4 over 1 and 4 tokens: by the sum 0 (wrong), by the mean 3 vs
    // 1 (right), per character 1.5 vs 1.33 (right); example 1 (label 0, 2 and 2 characters): sums 2, 3 over 1 and 4
    // tokens: by the sum 0 (right), by the mean 2 vs 0.75 (wrong), per character 1 vs 1.5 (right)
    const double apart_loss[4] = {3.0, 4.0, 2.0, 3.0};
    const int apart_count[4] = {1, 4, 1, 4};
    MCResult r0, r1;
    memset(&r0, 0, sizeof(r0));
    memset(&r1, 0, sizeof(r1));
    int rows0 = mc_score(&s, 0, 1, apart_loss, apart_count, greedy, &r0);
    int rows1 = mc_score(&s, 1, 1, apart_loss + 2, apart_count + 2, greedy, &r1);
    check(rows0 == 2 && rows1 == 2 && r0.examples == 1 && r1.examples == 1 && r0.correct_sum == 0 && r0.correct_mean == 1 &&
              r0.correct_char == 1 && r1.correct_sum == 1 && r1.correct_mean == 0 && r1.correct_char == 1,
          "mc_score_sum_mean_char_rules_apart",
          "example 0: right %d (sum), %d (mean), %d (per character), want 0 1 1; example 1: %d, %d, %d, want 1 0 1", r0.correct_sum,
          r0.correct_mean, r0.correct_char, r1.correct_sum, r1.correct_mean, r1.correct_char);
    mc_free(&s);
}

// a resumed run whose optimizer flags changed gets one note naming each old and new value (here -l -u -q -c -a;
// test_cli.sh changes -l -k -kd -gc), each with as many digits as tell two floats apart: 0.002 and the next float
// up must not both print as 0.002
static void test_changed_flags_note(void) {
    Options was = DEFAULT_OPTIONS, now = DEFAULT_OPTIONS;
    was.learning_rate = 0.002f; was.warmup_iterations = 20; was.final_lr_frac = 0.1f; was.weight_decay = 0.1f;
    now.learning_rate = nextafterf(0.002f, 1.0f); now.warmup_iterations = 5; now.final_lr_frac = 0.5f; now.weight_decay = 0.0f;
    now.overfit_single_batch = 1;
    TrainState saved;
    memset(&saved, 0, sizeof(saved));
    state_set_optimizer_flags(&saved, &was);
    saved.step = 10;
    char out[512];
    StdoutCapture cap = stdout_capture_begin();
    note_changed_optimizer_flags(&saved, &now);
    stdout_capture_end(cap, out, sizeof(out));
    const char *want = "note: the checkpoint's run had -l 0.002 -u 20 -q 0.1 -c 0.1 -a 0; this one has -l 0.0020000003 -u 5 -q 0.5 -c 0 "
                       "-a 1, which apply from step 11\n";
    check(strcmp(out, want) == 0, "resume_changed_flags_note", "printed \"%s\"", out);
}

// the end of a sample (print_sample_end, both trainers): a batch prints each sequence whole, the prompt first, between
// "---" lines, then the decode speed of all G x T tokens; a sample cut short by a signal says how far it got instead
static void test_sample_end(void) {
    Tokenizer tok;
    tokenizer_init_bytes(&tok);
    const int ids[2] = {'a', 'b'}, out[6] = {'x', 'y', 'z', 'u', 'v', 'w'};
    char got[2][256];
    for (int i = 0; i < 2; i++) {
        StdoutCapture cap = stdout_capture_begin();
        print_sample_end(&tok, ids, 2, out, 2, 3, i == 0 ? 3 : 1, 0.5);
        stdout_capture_end(cap, got[i], sizeof(got[i]));
    }
    check(strcmp(got[0], "abxyz\n---\nabuvw\n---\ndecode: 2 x 3 tokens in 0.500 s: 12 tokens/s (batch 2)\n") == 0, "sample_end_decode_line",
          "printed \"%s\"", got[0]);
    check(strcmp(got[1], "abx\n---\nabu\n---\nsampling stopped by a signal after 1 of 3 tokens\n") == 0, "sample_end_stopped_line",
          "printed \"%s\"", got[1]);
    tokenizer_free(&tok);
}

// the step line's time left: the mean of the timed steps when there are any, else this step's; seconds under a
// minute, minutes and seconds under an hour, hours and minutes past it (rounded to the second first: 3599.5 s is 1h00m)
static void test_eta_text(void) {
    static const struct { double timed_ms; int timed_steps; double this_ms; int left; const char *want; } cases[] = {
        {0, 0, 250.0, 7, "eta 2s"},          // 1.75 s, from this step's time alone
        {3000.0, 3, 5000.0, 59, "eta 59s"},  // the mean (1 s a step), not this step's 5 s
        {3000.0, 3, 1.0, 60, "eta 1m00s"},
        {500.0, 1, 1.0, 7199, "eta 1h00m"},  // 3599.5 s
        {1000.0, 1, 1.0, 3 * 3600 + 2 * 60 + 59, "eta 3h02m"},
        {1000.0, 1, 1.0, 0, "eta 0s"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[32], name[64];
        eta_text(buf, sizeof(buf), cases[i].timed_ms, cases[i].timed_steps, cases[i].this_ms, cases[i].left);
        snprintf(name, sizeof(name), "eta_text_%s", cases[i].want + 4);
        check(strcmp(buf, cases[i].want) == 0, name, "got \"%s\", want \"%s\"", buf, cases[i].want);
    }
}

// ---------------------------------------------------------------------------- model file, file helpers, RNG
// (llmc/model_config.h, llmc/utils.h, llmc/rand.h: each check below catches a bug that mutation testing planted there
// and no other suite noticed, 2026-12-07, round cfg2: dev/mutation/units_cfg2_mutants.json)
// a model file whose config one field makes invalid: a = {V, Vp}
static void c_model_vocab(const void *a) { const int *v = (const int *)a; char p[1024];
    MambaConfig c = small_config(); c.vocab_size = v[0]; c.padded_vocab_size = v[1]; size_t n; float *w = small_params(&c, &n);
    save_model_file(P(p, "mvocab.bin"), &c, w, n); free(w); load_model(p); }
// a parameter count with a high word (2^32 more parameters than the config needs), under a valid header CRC
static void c_model_count_high_word(const void *a) { (void)a; char p[1024]; int e[] = {11, 1, -1}; edit_header(saved_model(p, "mhi.bin"), 14, e); load_model(p); }
// a NaN at the first element of tensor `*a` (layer 0) is named as that tensor's, not as one past the tensor before
static void c_model_nan_at(const void *a) { int t = *(const int *)a; char p[1024];
    MambaConfig c = small_config(); size_t n, sizes[NUM_PARAMETER_TENSORS], at = 0; float *w = small_params(&c, &n);
    fill_in_parameter_sizes(sizes, &c);
    for (int i = 0; i < t; i++) { at += sizes[i]; }
    w[at] = NAN; save_model_file(P(p, "mnan.bin"), &c, w, n); free(w); load_model(p); }
static void test_model_file_fields(void) {
    static const int vp_below_v[2] = {64, 56}, v_zero[2] = {0, 8};
    expect_fail("model_vp_below_v", c_model_vocab, vp_below_v, "padded vocabulary Vp (at least V) = 56 is outside [64, 65536]");
    expect_fail("model_vocab_zero", c_model_vocab, v_zero, "vocabulary size V = 0 is outside [1, 65536]");
    expect_fail("model_param_count_high_word", c_model_count_high_word, NULL, "parameters but its config needs");
    static const int norm_w = 1, in_proj_w = 2;
    expect_fail("model_nan_first_of_norm_w_named", c_model_nan_at, &norm_w, "(norm_w of layer 0, element 0) is nan");
    expect_fail("model_nan_first_of_in_proj_named", c_model_nan_at, &in_proj_w, "(in_proj_w of layer 0, element 0) is nan");
    // the parameter count's high 32 bits in [11] (a d4096:l64 model has 6.4e9 parameters)
    MambaConfig c = small_config();
    int h[HEADER_INTS];
    const size_t count = ((size_t)1 << 32) * 3 + 12345;
    model_header_fill(h, &c, count, 0);
    check(h[10] == 12345 && h[11] == 3, "model_header_count_high_word", "[10] = %d, [11] = %d for 3 * 2^32 + 12345", h[10], h[11]);
    // the header's own CRC as doc/formats.md defines it: CRC-32 of the 1024 header bytes with [14] = 0 (computed here
    // without header_crc, so that the files of earlier builds and of other writers keep loading)
    char p[1024];
    FILE *f = fopenCheck(saved_model(p, "mcrc.bin"), "rb");
    freadCheck(h, sizeof(int), HEADER_INTS, f);
    fcloseCheck(f);
    const uint32_t stored = (uint32_t)h[MODEL_HEADER_CRC];
    h[MODEL_HEADER_CRC] = 0;
    check(stored == crc32_update(0, h, sizeof(h)), "model_header_crc_as_formats_md", "stored %08x, CRC-32 of the header with [14] = 0: %08x",
          stored, crc32_update(0, h, sizeof(h)));
}
static void test_file_helpers(void) {
    // read_to_end past its first 4 KiB buffer, and a file of exactly the limit (-gf's "at most 64 MiB") read whole
    char p[1024];
    static char text[5000];
    for (int i = 0; i < 5000; i++) { text[i] = (char)('a' + i % 26); }
    write_bytes_(P(p, "rte.txt"), text, sizeof(text));
    size_t len[2] = {0, 0};
    char *got[2];
    for (int i = 0; i < 2; i++) {
        FILE *f = fopenCheck(p, "rb");
        got[i] = read_to_end(f, "rte.txt", sizeof(text) - (size_t)i, &len[i]);
        fcloseCheck(f);
    }
    check(got[0] != NULL && len[0] == sizeof(text) && memcmp(got[0], text, sizeof(text)) == 0 && got[1] == NULL, "read_to_end_5000_bytes_at_limit",
          "limit 5000: %s, %zu bytes; limit 4999: %s", got[0] ? "read" : "refused", len[0], got[1] ? "read" : "refused");
    free(got[0]); free(got[1]);
    // an empty file is no text (the shard and eval file errors' "it looks like text" hint is for a file with text)
    FILE *f = tmpfile(); if (f == NULL) { test_fatal("tmpfile", strerror(errno)); }
    check(!starts_as_text(f), "starts_as_text_empty_file_is_not_text", "an empty file counted as text");
    fclose(f);
    // ... and one with control bytes other than white space is none either, though it has no byte 0: a model file cut to
    // its first 5 bytes (its magic, 03 29 35 01, and the version's 02), a PNG's signature; text with \t \v \f \r \n and
    // UTF-8 is text (it looked for byte 0 alone: both binary files were said to look like text). The edges of the
    // control bytes too: a shard cut to its magic (88 d8 34 01: its one control byte the last read), a unit separator
    // (0x1f, the last below the space) and a DEL (0x7f) among text
    const unsigned char heads[][9] = {{0x03, 0x29, 0x35, 0x01, 0x02}, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                                      {'a', '\t', 'b', '\v', '\f', '\r', '\n', 0xc3, 0xa9}, {0x88, 0xd8, 0x34, 0x01},
                                      {'a', 0x1f, 'b'}, {'a', 0x7f, 'b'}};
    const size_t head_len[] = {5, 8, 9, 4, 3, 3};
    int as_text[6];
    for (int i = 0; i < 6; i++) {
        FILE *h = tmpfile(); if (h == NULL) { test_fatal("tmpfile", strerror(errno)); }
        if (fwrite(heads[i], 1, head_len[i], h) != head_len[i]) { test_fatal("fwrite", strerror(errno)); }
        as_text[i] = starts_as_text(h);
        fclose(h);
    }
    check(!as_text[0] && !as_text[1] && as_text[2] && !as_text[3] && !as_text[4] && !as_text[5], "starts_as_text_control_bytes_are_not_text",
          "cut model file %d, PNG %d, text with white space and UTF-8 %d, cut shard %d, 0x1f %d, DEL %d (1: text)", as_text[0],
          as_text[1], as_text[2], as_text[3], as_text[4], as_text[5]);
    // make_dirs reports the shallowest directory it made, and remove_made_dirs takes away that one and those under it
    char dir[1024], made[1024], top[1024];
    snprintf(dir, sizeof(dir), "%s/mk/a/b", DIR_);
    make_dirs(dir, made, sizeof(made));
    remove_made_dirs(dir, made);
    struct stat st;
    check(strcmp(made, P(top, "mk")) == 0 && stat(top, &st) != 0 && stat(DIR_, &st) == 0, "make_dirs_then_remove_made_dirs",
          "made '%s' (expected '%s'), which %s", made, top, stat(top, &st) == 0 ? "is still there" : "is gone");
    // UTF-16 surrogates in UTF-8 (ED A0 80, ED BF BF) and lead bytes F5-F7 (past U+10FFFF) start no character: escaped;
    // their neighbours U+D7FF (ED 9F BF) and U+10FFFF (F4 8F BF BF) print as they are
    f = tmpfile(); if (f == NULL) { test_fatal("tmpfile", strerror(errno)); }
    const char in[] = "\xed\xa0\x80|\xed\xbf\xbf|\xf5\x80\x80\x80|\xf7\xbf\xbf\xbf|\xed\x9f\xbf|\xf4\x8f\xbf\xbf";
    safe_print_bytes(f, in, sizeof(in) - 1);
    char out[256] = {0}; rewind(f); size_t n = fread(out, 1, sizeof(out) - 1, f); fclose(f);
    const char want[] = "\\xed\\xa0\\x80|\\xed\\xbf\\xbf|\\xf5\\x80\\x80\\x80|\\xf7\\xbf\\xbf\\xbf|\xed\x9f\xbf|\xf4\x8f\xbf\xbf";
    check(n == sizeof(want) - 1 && memcmp(out, want, n) == 0, "safe_print_surrogates_and_past_10ffff_escaped", "got \"%s\"", out);
}
// llmc/rand.h is SplitMix64 (Steele, Lea and Flood; Vigna's splitmix64.c): its first outputs from state 0, so that a
// seed gives the same init, shuffle and samples in every build (a resumed run continues its saved state's stream)
static void test_splitmix64(void) {
    static const uint64_t want[5] = {0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL, 0x06c45d188009454fULL, 0xf88bb8a8724c81ecULL,
                                     0x1b39896a51a8749bULL};
    uint64_t state = 0;
    int bad = -1;
    uint64_t got = 0;
    for (int i = 0; i < 5 && bad < 0; i++) { got = random_u64(&state); if (got != want[i]) { bad = i; } }
    check(bad < 0, "splitmix64_reference_outputs", "output %d is %016llx, expected %016llx", bad, (unsigned long long)got,
          (unsigned long long)want[bad < 0 ? 0 : bad]);
}

int main(void) {
    snprintf(DIR_, sizeof(DIR_), "/tmp/test_io.XXXXXX");
    if (mkdtemp(DIR_) == NULL) { test_fatal("mkdtemp", strerror(errno)); }
    expect_fail("shard_negative_token_count", c_negative_count, NULL, "bad token count");
    expect_fail("shard_token_equal_to_vocab", c_token_eq_vocab, NULL, "token 3 has id 256, expected < vocab_size 256");
    expect_fail("shard_bad_token_as_last_target", c_token_last_target, NULL, "token 16 has id 300");
    expect_fail("resume_one_past_last_window", c_resume_at_end, NULL, "sample index 3 out of range");
    expect_fail("stream_token_equal_to_vocab", c_stream_eq_vocab, NULL, "token 256 at position 2");
    expect_fail("shard_changed_since_init", c_shard_changed, NULL, "shard changed since init");
    expect_fail("shard_too_small_no_hang", c_too_small_hang, NULL, "shard too small");
    test_crc32();
    test_fatalf_one_write();
    test_fatal_hook();
    test_eta_text();
    test_shuffle_per_epoch();
    test_windows_at_epochs();
    expect_fail("tokenizer_eot_equal_to_vocab", c_tok_eot_eq_vocab, NULL, "eot token: expected < vocab_size 5, found 5");
    expect_fail("tokenizer_trailing_bytes", c_tok_trailing, NULL, "1 extra byte after");
    expect_fail("tokenizer_vocab_zero", c_tok_vocab0, NULL, "vocab_size: expected > 0");
    expect_fail("tokenizer_shorter_than_header", c_tok_short, NULL, "t4.bin': tokenizer truncated: file is 100 bytes, the header alone is 1024");
    expect_fail("tokenizer_vocab_past_file", c_tok_vocab_past_file, NULL, "tokenizer vocab_size 1000, but the file has room for at most 10 tokens");
    expect_fail("tokenizer_bin_cannot_encode", c_tok_bin_encode, NULL, "cannot encode a text prompt with this tokenizer");
    test_tok_gpt2_v1();
    expect_fail("model_version_3", c_model_v3, NULL, "unsupported model file version");
    expect_fail("model_trailing_bytes", c_model_trailing, NULL, "truncated or corrupt");
    expect_fail("model_v1_wrong_param_count", c_model_v1_bad_count, NULL, "header says 12345 parameters");
    expect_fail("model_v1_bad_selection_flag", c_model_v1_bad_flag, NULL, "bad selection flag 2");
    expect_fail("model_vp_not_multiple_of_8", c_model_vp_not_8, NULL, "invalid model config: padded vocabulary Vp = ");
    expect_fail("state_flip_in_v", c_state_flip_in_v, NULL, "checksum mismatch");
    expect_fail("state_version_8", c_state_v8, NULL, "unsupported state file version");
    expect_fail("state_flip_in_outlier_windows", c_state_flip_in_windows, NULL, "checksum mismatch in the outlier windows");
    // a count past the window; a window not yet full whose next is not its count; a next past the window; a NaN value
    static const int too_many[3] = {129, 3, 0}, next_off[3] = {5, 3, 0}, next_past[3] = {128, 128, 0}, nan_value[3] = {3, 3, 1};
    expect_fail("state_outlier_window_count", c_state_bad_window, too_many, "bad outlier-window record (count 129, next 3");
    expect_fail("state_outlier_window_next_not_count", c_state_bad_window, next_off, "bad outlier-window record (count 5, next 3");
    expect_fail("state_outlier_window_next_past", c_state_bad_window, next_past, "bad outlier-window record (count 128, next 128");
    expect_fail("state_outlier_window_nan", c_state_bad_window, nan_value, "bad outlier-window record (count 3, next 3");
    expect_fail("state_trailing_bytes", c_state_trailing, NULL, "truncated or corrupt");
    expect_fail("state_shorter_than_header", c_state_short, NULL, "sshort.bin: not a state file (1000 bytes)");
    expect_fail("state_bad_magic", c_state_magic, NULL, "bad magic number in state file: expected 20261125, found 12345");
    expect_fail("state_of_another_model", c_state_other_model, NULL, "state is for 100 parameters, expected 99 (the model's");
    expect_fail("state_bad_stop_flag", c_state_stop_flag, NULL, "bad stop flag 7");
    test_done_marker_noncanonical();
    test_prune_step_digits();
    expect_fail("safetensors_header_length_high_bits", c_st_len_high_bits, NULL, "runs past the end of the file");
    expect_fail("safetensors_overlap_message", c_st_overlap, NULL, "(overlap between tensors)");
    expect_fail("safetensors_gap_message", c_st_gap, NULL, "(gap between tensors)");
    test_hf_eot_out_of_vocab();
    test_hf_stale_staged_tokenizer();
    test_hf_pad_multiple();
    expect_fail("bpe_id_equal_to_limit", c_bpe_id_eq_limit, NULL, "out of range");
    test_bpe_duplicate_merge_later_wins();
    test_bpe_added_longest_first();
    test_tok_json_table();
    test_tok_json_long();
    test_tok_json_gap();
    test_tok_name_not_json();
    expect_fail("tokenizer_version_0", c_tok_v0, NULL, "unsupported tokenizer version: expected 1 or 2, found 0");
    test_tok_range_warned_once();
    test_tok_print();
    test_tok_encode();
    test_tok_decode_differs();
    test_option_refusals();
    test_total_batch_processes();
    expect_fail("total_batch_processes_past_int", c_total_batch_overflow, NULL, "-b 32768 x -t 32768 x 2 processes is too large a batch");
    expect_fail("total_batch_not_multiple_of_processes", c_total_batch_not_multiple, NULL, "-d 1024 must be a multiple of B*T*processes = 4*32*3");
    test_state_round_trip();
    expect_fail("state_zero_processes", c_state_zero_processes, NULL, "bad train-data record (kind 1, 0 processes)");
    test_best_tie();
    expect_ok("eval_only_into_checkpoint_dir_accepted", c_eval_into_checkpoint_dir, NULL);
    expect_fail("training_into_checkpoint_dir_refused", c_eval_into_checkpoint_dir, "train", "holds the checkpoint of an earlier run (step 4)");
    test_stream_bits_per_byte();
    test_logger_fresh_truncates();
    test_logger_resume_edges();
    test_logger_lines_on_disk();
    test_stop_signals();
    test_signal_restarts_write();
    test_outlier_constant_double();
    test_descriptors_and_presets();
    test_descriptor_limits();
    test_mc_refusals();
    test_mc_by_hand();
    test_changed_flags_note();
    test_sample_end();
    test_model_file_fields();
    test_file_helpers();
    test_splitmix64();
    remove_dir(DIR_);
    return test_summary();
}
