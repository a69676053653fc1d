/*
Tests for llmc/bpe.h, the byte-level BPE tokenizer read from a Hugging Face tokenizer.json.
Prints "PASS name" / "FAIL name: detail" per check and ends with "N passed, M failed"; exit code
0 iff nothing failed. Run from the repository root (or pass the fixture's path):

    gcc -O2 -Wall -Wextra -o test_bpe test/test_bpe.c -lcjson -lm && ./test_bpe

The fixture test/fixtures/bpe/tokenizer.json (written by make_tokenizer.py next to it) has the
byte b at id 1 + b, "<|endoftext|>" at id 0 and ten merges at ids 257..266, so the expected
encodings below are derived by hand. Variants of it (merges as pairs, ignore_merges,
add_prefix_space, broken files) are written to a temporary directory with cJSON. Next to it,
unicode_tokenizer.json and pretokenize_cases.json come from Hugging Face tokenizers itself
(dev/ref/make_unicode_classes.py): word splits and encodings of 636 multilingual texts.

Bad files end the process (fatalf), so each runs in a child: the test re-executes itself as
    test_bpe --expect-fail <case> <dir> <fixture>
which writes the bad file into <dir> and loads it; the parent checks for a non-zero exit and a
one-line "error:" on stderr that names the file and the problem.
*/
#include <time.h>
#include "../llmc/bpe.h"
#include "test_util.h"

// ids in the fixture
#define TOK(c) (1 + (unsigned char)(c))  // the one-byte token of byte c
#define EOT 0
#define G_T 257    // "Ġt"   merge rank 0: "Ġ t"
#define HE 258     // "he"   1: "h e"
#define G_THE 259  // "Ġthe" 2: "Ġt he"
#define IN 260     // "in"   3: "i n"
#define G_C 261    // "Ġc"   4: "Ġ c"
#define AT 262     // "at"   5: "a t"
#define G_CAT 263  // "Ġcat" 6: "Ġc at"
#define TH 264     // "th"   7: "t h"
#define AA 265     // "aa"   8: "a a"
#define G_G 266    // "ĠĠ"   9: "Ġ Ġ"
#define CAT 267    // "cat": no merge makes it
#define PAD 268    // "<|pad|>": added token only, the next id past model.vocab's 268 entries
#define FIXTURE_VOCAB 269

// "[a, b, c]" into buf
static const char *show_ids(char *buf, size_t cap, const int *ids, int n) {
    size_t len = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < n && len + 16 < cap; i++) { len += (size_t)snprintf(buf + len, cap - len, i ? ", %d" : "%d", ids[i]); }
    snprintf(buf + len, cap - len, "]");
    return buf;
}

// encodes text and compares with the expected ids
static void check_encode(const BpeTokenizer *t, const char *name, const char *text, const int *expected, int n) {
    int ids[256];
    int got = bpe_encode(t, text, ids, 256);
    int ok = got == n;
    for (int i = 0; ok && i < n; i++) { ok = ids[i] == expected[i]; }
    char a[1024], b[1024];
    check(ok, name, "encode gave %s, expected %s", show_ids(a, sizeof(a), ids, got < 256 ? got : 256),
          show_ids(b, sizeof(b), expected, n));
}

// decoding every token of encode(text) gives back text's bytes exactly
static int round_trips(const BpeTokenizer *t, const char *text, char *detail, size_t detail_cap) {
    size_t n = strlen(text);
    int count = bpe_encode(t, text, NULL, 0);
    int *ids = (int *)mallocCheck((size_t)(count + 1) * sizeof(int));
    int again = bpe_encode(t, text, ids, count);
    unsigned char *out = (unsigned char *)mallocCheck(n + 64);
    size_t len = 0;
    int ok = again == count;
    for (int i = 0; ok && i < count; i++) {
        int piece = bpe_decode(t, ids[i], out + len, (int)(n + 64 - len));
        ok = piece > 0 && len + (size_t)piece <= n;
        if (ok) { len += (size_t)piece; }
    }
    ok = ok && len == n && memcmp(out, text, n) == 0;
    if (!ok) { snprintf(detail, detail_cap, "%zu bytes in, %d tokens, %zu bytes back", n, count, len); }
    free(ids);
    free(out);
    return ok;
}

static cJSON *load_json(const char *path) { return safetensors_read_json_object(path, 1 << 20); }

static void write_json(const char *path, const cJSON *root) {
    char *text = cJSON_Print(root);
    FILE *fp = fopenCheck(path, "wb");
    fwriteCheck(text, 1, strlen(text), fp);
    fcloseCheck(fp);
    cJSON_free(text);
}

static cJSON *model_of(cJSON *root) { return cJSON_GetObjectItemCaseSensitive(root, "model"); }
static cJSON *vocab_of(cJSON *root) { return cJSON_GetObjectItemCaseSensitive(model_of(root), "vocab"); }
static cJSON *merges_of(cJSON *root) { return cJSON_GetObjectItemCaseSensitive(model_of(root), "merges"); }

// ----------------------------------------------------------------------------
// checks

static void test_load(const BpeTokenizer *t) {
    check(bpe_vocab_size(t) == FIXTURE_VOCAB, "vocab_size_is_max_id_plus_1", "expected %d, found %d", FIXTURE_VOCAB,
          bpe_vocab_size(t));
    check(t->eot_token == EOT, "eot_token", "expected %d, found %d", EOT, t->eot_token);
}

static void test_decode(const BpeTokenizer *t) {
    unsigned char buf[64];
    int bad = -1;
    for (int b = 0; b < 256 && bad < 0; b++) {
        if (bpe_decode(t, TOK(b), buf, sizeof(buf)) != 1 || buf[0] != b) { bad = b; }
    }
    check(bad < 0, "decode_every_byte_token", "token %d does not decode to the byte 0x%02x", TOK(bad), bad);

    struct { int id; const char *bytes; } cases[] = {
        {G_THE, " the"}, {G_G, "  "}, {HE, "he"}, {CAT, "cat"}, {EOT, "<|endoftext|>"}, {PAD, "<|pad|>"},
        {TOK('\n'), "\n"},
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int len = bpe_decode(t, cases[i].id, buf, sizeof(buf));
        ok = ok && len == (int)strlen(cases[i].bytes) && memcmp(buf, cases[i].bytes, (size_t)len) == 0;
    }
    check(ok, "decode_merged_and_added_tokens", "a merged or added token decodes to the wrong bytes");
    check(bpe_decode(t, -1, buf, sizeof(buf)) == -1 && bpe_decode(t, FIXTURE_VOCAB, buf, sizeof(buf)) == -1,
          "decode_unknown_ids", "a negative or too-large id did not give -1");
    memset(buf, 'x', sizeof(buf));
    int len = bpe_decode(t, G_THE, buf, 2);
    check(len == 4 && memcmp(buf, " txx", 4) == 0, "decode_respects_cap", "returned %d, buffer \"%.4s\"", len, buf);
}

// the byte lengths of the words bpe_word_length_ splits text into; -1 if a word is empty or runs
// past the text, or there are more than cap
static int word_lengths(const char *text, int *lens, int cap) {
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    int k = 0;
    while (n > 0) {
        size_t len = bpe_word_length_(s, n);
        if (len < 1 || len > n || k == cap) { return -1; }
        lens[k++] = (int)len;
        s += len;
        n -= len;
    }
    return k;
}

// how many of the expected words text splits into, in order, before the first that differs (num when all do); *k: the
// number of words it splits into (word_lengths)
static int words_as_expected(const char *text, const char *const *words, int num, int *k) {
    int lens[64], w = 0;
    *k = word_lengths(text, lens, 64);
    for (size_t at = 0; w < *k && w < num && lens[w] == (int)strlen(words[w]) && memcmp(text + at, words[w], lens[w]) == 0; w++) {
        at += (size_t)lens[w];
    }
    return w;
}

static void test_words(void) {
    // GPT-2's regex: contractions, " ?letters", " ?digits", " ?other", whitespace runs that leave
    // their last space to the next word
    const char *text = "Hello, world! It's 2024...  \n\n  ok\tx 'S they're abc123def a\t \n  héllo 😀!";
    const char *words[] = {"Hello", ",", " world", "!", " It", "'s", " 2024", "...", "  \n\n ", " ok", "\t", "x", " '",
                           "S", " they", "'re", " abc", "123", "def", " a", "\t \n ", " héllo", " 😀!"};
    const int num_words = (int)(sizeof(words) / sizeof(words[0]));
    int lens[64], k = word_lengths(text, lens, 64), w = 0;
    for (size_t at = 0; w < k && w < num_words && lens[w] == (int)strlen(words[w]) && memcmp(text + at, words[w], lens[w]) == 0; w++) {
        at += (size_t)lens[w];
    }
    check(k == num_words && w == num_words, "pretokenize_words", "%d words, expected %d; first difference at word %d (\"%s\")", k,
          num_words, w, w < num_words ? words[w] : "(none)");
    check(bpe_word_length_((const unsigned char *)"a  ", 3) == 1 && bpe_word_length_((const unsigned char *)"  ", 2) == 2,
          "pretokenize_trailing_spaces", "spaces at the end of the text are not one word");
    // a contraction that ends the text is still one: "it's" is "it" + "'s", "'d" alone one word
    k = word_lengths("it's", lens, 64);
    check(k == 2 && lens[0] == 2 && lens[1] == 2 && bpe_word_length_((const unsigned char *)"'d", 2) == 2,
          "pretokenize_contraction_at_end", "\"it's\" split into %d words, \"'d\" is not one word", k);
    // each of the regex's seven contractions after a letter is its own word ("I'm" is "I" + "'m")
    const char *both = "he's don't we're I've I'm you'll she'd";
    const char *parts[] = {"he", "'s", " don", "'t", " we", "'re", " I", "'ve", " I", "'m", " you", "'ll", " she", "'d"};
    const int num_parts = (int)(sizeof(parts) / sizeof(parts[0]));
    w = words_as_expected(both, parts, num_parts, &k);
    check(k == num_parts && w == num_parts, "pretokenize_every_contraction", "%d words, expected %d; first difference at word %d (\"%s\")",
          k, num_parts, w, w < num_parts ? parts[w] : "(none)");
    // ... and only they: "'la" and "'ra" are the apostrophe then a word (no text of pretokenize_cases.json has one)
    const char *neither = "it'la we'ra";
    const char *words2[] = {"it", "'", "la", " we", "'", "ra"};
    const int num_words2 = (int)(sizeof(words2) / sizeof(words2[0]));
    w = words_as_expected(neither, words2, num_words2, &k);
    check(k == num_words2 && w == num_words2, "pretokenize_not_contractions", "%d words, expected %d; first difference at word %d (\"%s\")",
          k, num_words2, w, w < num_words2 ? words2[w] : "(none)");
}

// the words of every text in pretokenize_cases.json (next to the fixture) against the byte lengths
// of the words Hugging Face tokenizers split it into, and its encoding with unicode_tokenizer.json
// (a BPE that tokenizers trained) against tokenizers' (both files: dev/ref/make_unicode_classes.py);
// plus bytes that are not UTF-8, which must still split into words that cover them exactly
static void test_words_against_tokenizers(const char *fixture) {
    char path[4096];
    const int dir_len = strrchr(fixture, '/') ? (int)(strrchr(fixture, '/') - fixture + 1) : 0;
    snprintf(path, sizeof(path), "%.*sunicode_tokenizer.json", dir_len, fixture);
    BpeTokenizer tok;
    bpe_init(&tok, path);
    const BpeTokenizer *t = &tok;
    snprintf(path, sizeof(path), "%.*spretokenize_cases.json", dir_len, fixture);
    cJSON *root = load_json(path);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    int num = cJSON_GetArraySize(cases), bad = 0, bad_ids = 0;
    char detail[512] = "", detail_ids[512] = "";
    for (int c = 0; c < num; c++) {
        const cJSON *item = cJSON_GetArrayItem(cases, c), *words = cJSON_GetObjectItemCaseSensitive(item, "words");
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(item, "ids");
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "text"));
        int got[512], n_got = bpe_encode(t, text, got, 512), n_ids = cJSON_GetArraySize(ids), same = n_got == n_ids;
        for (int i = 0; same && i < n_ids; i++) { same = got[i] == cJSON_GetArrayItem(ids, i)->valueint; }
        if (!same && bad_ids++ == 0) { snprintf(detail_ids, sizeof(detail_ids), "case %d (%d ids, tokenizers %d)", c, n_got, n_ids); }
        int lens[512], k = word_lengths(text, lens, 512), nw = cJSON_GetArraySize(words), w = 0;
        while (w < k && w < nw && lens[w] == cJSON_GetArrayItem(words, w)->valueint) { w++; }
        if ((k != nw || w < nw) && bad++ == 0) {
            snprintf(detail, sizeof(detail), "case %d: %d words, tokenizers %d; first difference at word %d", c, k, nw, w);
        }
    }
    cJSON_Delete(root);
    bpe_free(&tok);
    check(num >= 600 && bad == 0, "pretokenize_matches_tokenizers", "%d of %d texts split differently; %s", bad, num, detail);
    check(num >= 600 && bad_ids == 0, "encode_matches_tokenizers", "%d of %d texts encode differently; first: %s", bad_ids, num, detail_ids);
    // not UTF-8: stray continuation bytes, truncated and overlong sequences, surrogates, past U+10FFFF
    const char *odd[] = {"a\x80" "b", "ab\xC3", "\xE2\x82", "x\xC0\xAFy", "\xED\xA0\x80", "\xF4\x90\x80\x80z", "\xFF\xFE  \xC3",
                         " \x80\x80", "\xF0\x9F\x98"};
    int covered = 1, lens[64];
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) { covered &= word_lengths(odd[i], lens, 64) > 0; }
    // an invalid byte is one character of class other: it joins other characters, not letters
    check(covered && bpe_word_length_((const unsigned char *)"!\x80?a", 4) == 3 && bpe_word_length_((const unsigned char *)"a\x80", 2) == 1,
          "pretokenize_invalid_utf8", "bytes that are not UTF-8 split into words that do not cover them, or join letters");
    // the shortest form of each length (RFC 3629): one below U+0080, U+0800 and U+10000 written in 2, 3 and 4 bytes is
    // overlong, a byte alone; the least code point of each length decodes whole
    static const struct { const char *bytes; size_t len; uint32_t cp; } forms[] = {
        {"\xC1\xBF", 1, BPE_RAW_BYTE | 0xC1},         {"\xC2\x80", 2, 0x80},
        {"\xE0\x9F\xBF", 1, BPE_RAW_BYTE | 0xE0},     {"\xE0\xA0\x80", 3, 0x800},
        {"\xF0\x8F\xBF\xBF", 1, BPE_RAW_BYTE | 0xF0}, {"\xF0\x90\x80\x80", 4, 0x10000},
    };
    int bad_form = -1;
    for (int i = 0; i < (int)(sizeof(forms) / sizeof(forms[0])) && bad_form < 0; i++) {
        uint32_t cp = 0;
        size_t n = bpe_utf8_((const unsigned char *)forms[i].bytes, strlen(forms[i].bytes), &cp);
        if (n != forms[i].len || cp != forms[i].cp) { bad_form = i; }
    }
    check(bad_form < 0, "utf8_shortest_form_boundaries", "form %d (%zu bytes) decoded wrongly", bad_form,
          bad_form < 0 ? (size_t)0 : strlen(forms[bad_form].bytes));
    // a byte past F4 starts no sequence, whatever follows it: F8 90 80 80 and FC 80 80 80 are no code points (taken as
    // 4-byte leads, the range check alone would let them through as U+10000 and U+100000, which NFC writes as other bytes)
    static const char *const past_f4[] = {"\xF5\x80\x80\x80", "\xF8\x90\x80\x80", "\xFB\xBF\xBF\xBF", "\xFC\x80\x80\x80"};
    int bad_lead = -1;
    for (int i = 0; i < (int)(sizeof(past_f4) / sizeof(past_f4[0])) && bad_lead < 0; i++) {
        uint32_t cp = 0;
        size_t n = bpe_utf8_((const unsigned char *)past_f4[i], 4, &cp);
        if (n != 1 || cp != (BPE_RAW_BYTE | (unsigned char)past_f4[i][0])) { bad_lead = i; }
    }
    check(bad_lead < 0, "utf8_lead_bytes_past_f4", "the 4 bytes from 0x%02x decoded as a character",
          bad_lead < 0 ? 0 : (unsigned char)past_f4[bad_lead][0]);
}

// cp as UTF-8 (RFC 3629), written here rather than with bpe_put_utf8_ so that the NFC check below does not
// feed the encoder's own output back to it (a wrong U+0800 went unnoticed that way); returns the length
static int utf8_of(uint32_t cp, char *out) {
    int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[5] = {0, 0x00, 0xC0, 0xE0, 0xF0};
    for (int k = n - 1; k > 0; k--) {
        out[k] = (char)(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    out[0] = (char)(lead[n] | cp);
    return n;
}

// the regex's classes at a few code points, each from its Unicode general category (UnicodeData.txt) or the
// White_Space property: one per kind of run, including the supplementary planes the texts above do not reach
static void test_class_spot_checks(void) {
    static const struct { uint32_t cp; int cls; } points[] = {
        {0x0085, UNI_SPACE},   // NEXT LINE: White_Space
        {0x00B2, UNI_NUMBER},  // SUPERSCRIPT TWO: No
        {0x0660, UNI_NUMBER},  // ARABIC-INDIC DIGIT ZERO: Nd
        {0x3000, UNI_SPACE},   // IDEOGRAPHIC SPACE: Zs
        {0x3007, UNI_NUMBER},  // IDEOGRAPHIC NUMBER ZERO: Nl
        {0x1F600, UNI_OTHER},  // GRINNING FACE: So
        {0x10400, UNI_LETTER}, // DESERET CAPITAL LETTER LONG I: Lu
        {0x1D7CE, UNI_NUMBER}, // MATHEMATICAL BOLD DIGIT ZERO: Nd
        {0x20000, UNI_LETTER}, // CJK Extension B, first: Lo
        {0x30000, UNI_LETTER}, // CJK Extension G, first: Lo
        {0x3134A, UNI_LETTER}, // CJK Extension G, last: Lo
        {0xE0001, UNI_OTHER},  // LANGUAGE TAG: Cf
    };
    int bad = -1;
    for (int i = 0; i < (int)(sizeof(points) / sizeof(points[0])) && bad < 0; i++) {
        if (uni_class(points[i].cp) != points[i].cls) { bad = i; }
    }
    check(bad < 0, "unicode_class_spot_checks", "U+%04X has class %d, expected %d", bad < 0 ? 0 : points[bad].cp,
          bad < 0 ? 0 : uni_class(points[bad].cp), bad < 0 ? 0 : points[bad].cls);
}

// NFC of a UTF-8 string through bpe_nfc_, as a malloc'd NUL-terminated string
static char *nfc_of(BpeNfcWork *w, const char *s, size_t n) {
    size_t m = bpe_nfc_(w, (const unsigned char *)s, n);
    char *out = (char *)mallocCheck(m + 1);
    memcpy(out, w->out + 1, m);
    out[m] = '\0';
    return out;
}

// NFC against Hugging Face tokenizers' (nfc_cases.json next to the fixture, from
// dev/ref/make_unicode_nfc.py): every code point, the texts built to exercise the algorithm, and
// those texts' ids from unicode_tokenizer.json with an NFC normalizer added
static void test_nfc_against_tokenizers(const char *fixture, const char *dir) {
    char path[4096];
    const int dir_len = strrchr(fixture, '/') ? (int)(strrchr(fixture, '/') - fixture + 1) : 0;
    snprintf(path, sizeof(path), "%.*snfc_cases.json", dir_len, fixture);
    cJSON *root = load_json(path);
    BpeNfcWork w;
    memset(&w, 0, sizeof(w));
    // every code point: those in "changed" to their NFC, all others unchanged
    const cJSON *changed = cJSON_GetObjectItemCaseSensitive(root, "changed");
    int num_changed = cJSON_GetArraySize(changed), bad = 0, k = 0;
    uint32_t first_bad = 0;
    const cJSON *next = cJSON_GetArrayItem(changed, 0);
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) { continue; }
        char in[4];
        int n = utf8_of(cp, in);
        const char *expect = NULL;
        char same[5];
        if (next != NULL && (uint32_t)cJSON_GetArrayItem(next, 0)->valuedouble == cp) {
            expect = cJSON_GetStringValue(cJSON_GetArrayItem(next, 1));
            next = cJSON_GetArrayItem(changed, ++k);
        } else {
            memcpy(same, in, n);
            same[n] = '\0';
            expect = same;
        }
        char *got = nfc_of(&w, in, (size_t)n);
        if (strcmp(got, expect) != 0 && bad++ == 0) { first_bad = cp; }
        free(got);
    }
    check(num_changed > 1000 && k == num_changed && bad == 0, "nfc_every_code_point",
          "%d code points normalize differently from tokenizers (first U+%04X); %d of %d listed changes seen", bad,
          first_bad, k, num_changed);
    // the texts
    snprintf(path, sizeof(path), "%.*sunicode_tokenizer.json", dir_len, fixture);
    cJSON *tj = load_json(path);
    cJSON_ReplaceItemInObjectCaseSensitive(tj, "normalizer", cJSON_Parse("{\"type\": \"NFC\"}"));
    char nfc_path[1024];
    write_json(join(nfc_path, dir, "unicode_tokenizer_nfc.json"), tj);
    cJSON_Delete(tj);
    BpeTokenizer plain, nfc;
    bpe_init(&plain, path);
    bpe_init(&nfc, nfc_path);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    int num = cJSON_GetArraySize(cases), bad_text = 0, bad_ids = 0, differ = 0, plain_same = 0;
    char detail[256] = "", detail_ids[256] = "";
    for (int c = 0; c < num; c++) {
        const cJSON *item = cJSON_GetArrayItem(cases, c), *ids = cJSON_GetObjectItemCaseSensitive(item, "ids");
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "text"));
        const char *expect = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "nfc"));
        char *got = nfc_of(&w, text, strlen(text));
        if (strcmp(got, expect) != 0 && bad_text++ == 0) { snprintf(detail, sizeof(detail), "case %d", c); }
        differ += strcmp(text, expect) != 0;
        free(got);
        int out[512], n_got = bpe_encode(&nfc, text, out, 512), n_ids = cJSON_GetArraySize(ids), same = n_got == n_ids;
        for (int i = 0; same && i < n_ids; i++) { same = out[i] == cJSON_GetArrayItem(ids, i)->valueint; }
        if (!same && bad_ids++ == 0) { snprintf(detail_ids, sizeof(detail_ids), "case %d (%d ids, tokenizers %d)", c, n_got, n_ids); }
        // without the normalizer the ids of a text that NFC changes must differ (the fixture can fail)
        int n_plain = bpe_encode(&plain, text, out, 512), same_plain = n_plain == n_ids;
        for (int i = 0; same_plain && i < n_ids; i++) { same_plain = out[i] == cJSON_GetArrayItem(ids, i)->valueint; }
        plain_same += same_plain;
    }
    check(num >= 700 && differ > num / 3 && bad_text == 0, "nfc_matches_tokenizers",
          "%d of %d texts normalize differently (first: %s); %d texts change under NFC", bad_text, num, detail, differ);
    check(num >= 700 && bad_ids == 0 && num - plain_same >= differ / 2, "encode_nfc_matches_tokenizers",
          "%d of %d texts encode differently (first: %s); without NFC %d of %d encode the same", bad_ids, num, detail_ids,
          plain_same, num);
    // a long run of marks (the counting-sort path) in linear time: 300,000 alternating marks of
    // classes 230 and 220 after an "a" (insertion sort would take minutes); every 220 comes first
    {
        const size_t pairs = 150000;
        char *text = (char *)mallocCheck(1 + 4 * pairs + 1), *p = text;
        *p++ = 'a';
        for (size_t i = 0; i < pairs; i++) { memcpy(p, "\xcc\x81\xcc\x96", 4); p += 4; } // U+0301 (230), U+0316 (220)
        *p = '\0';
        clock_t t0 = clock();
        char *got = nfc_of(&w, text, (size_t)(p - text));
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        // ordered: every U+0316 before every U+0301; then the first U+0301 (not blocked: 220 < 230)
        // joins the "a" into U+00E1
        int ok = memcmp(got, "\xc3\xa1", 2) == 0 && strlen(got) == (size_t)(p - text) - 1;
        for (size_t i = 0; ok && i < pairs; i++) { ok = memcmp(got + 2 + 2 * i, "\xcc\x96", 2) == 0; }
        for (size_t i = 0; ok && i + 1 < pairs; i++) { ok = memcmp(got + 2 + 2 * (pairs + i), "\xcc\x81", 2) == 0; }
        check(ok && secs < 2.0, "nfc_long_mark_run", "%s, %.2f s", ok ? "ordered" : "wrong order", secs);
        free(got);
        free(text);
    }
    // bytes that are not UTF-8 pass through, as starters that block composition
    const char *odd = "e\x80\xcc\x81 \xcc e\xcc\x81\xff";
    char *got = nfc_of(&w, odd, strlen(odd));
    check(strcmp(got, "e\x80\xcc\x81 \xcc \xc3\xa9\xff") == 0, "nfc_invalid_utf8", "got \"%s\"", got);
    free(got);
    // canonical order by combining class (UnicodeData.txt): U+0301 (230) before U+0315 (232), after which the
    // U+0301 joins the "a" into U+00E1; Hebrew U+05B0 (10) before U+05B1 (11), which compose with nothing
    char *acute = nfc_of(&w, "a\xcc\x95\xcc\x81", 5), *hebrew = nfc_of(&w, "\xd7\x90\xd6\xb1\xd6\xb0", 6);
    check(strcmp(acute, "\xc3\xa1\xcc\x95") == 0 && strcmp(hebrew, "\xd7\x90\xd6\xb0\xd6\xb1") == 0, "nfc_orders_marks_by_class",
          "a U+0315 U+0301 gave \"%s\", alef U+05B1 U+05B0 gave \"%s\"", acute, hebrew);
    free(acute);
    free(hebrew);
    // U+031B (horn, 216) before U+0323 (dot below, 220) whatever order they come in, after which both join the "o" into
    // U+1EE3 (Vietnamese): no text of nfc_cases.json has the horn after a mark of class 220
    char *horn = nfc_of(&w, "o\xcc\xa3\xcc\x9b", 5), *horn2 = nfc_of(&w, "o\xcc\x9b\xcc\xa3", 5);
    check(strcmp(horn, "\xe1\xbb\xa3") == 0 && strcmp(horn2, "\xe1\xbb\xa3") == 0, "nfc_orders_horn_before_dot_below",
          "o U+0323 U+031B gave \"%s\", o U+031B U+0323 \"%s\"", horn, horn2);
    free(horn);
    free(horn2);
    // Hangul (Unicode 3.12): an LV syllable, or L V, takes a trailing jamo U+11A8 .. U+11C2, not U+11A7 (TBase itself,
    // T index 0: no trailing consonant), which stays; Python's unicodedata gives the same
    char *lv_tbase = nfc_of(&w, "\xea\xb0\x80\xe1\x86\xa7", 6), *l_v_tbase = nfc_of(&w, "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa7", 9);
    char *lv_t = nfc_of(&w, "\xea\xb0\x80\xe1\x86\xa8", 6); // U+AC00 U+11A8: U+AC01
    check(strcmp(lv_tbase, "\xea\xb0\x80\xe1\x86\xa7") == 0 && strcmp(l_v_tbase, "\xea\xb0\x80\xe1\x86\xa7") == 0 &&
          strcmp(lv_t, "\xea\xb0\x81") == 0, "nfc_hangul_tbase_not_trailing",
          "U+AC00 U+11A7 gave \"%s\", U+1100 U+1161 U+11A7 \"%s\", U+AC00 U+11A8 \"%s\"", lv_tbase, l_v_tbase, lv_t);
    free(lv_tbase);
    free(l_v_tbase);
    free(lv_t);
    // ... and only the modern jamo compose: 19 leading consonants (U+1100 .. U+1112), 21 vowels (U+1161 .. U+1175), 27
    // trailing consonants (U+11A8 .. U+11C2). The old jamo just past them (U+1113, U+1176, U+11C3) stay as they are
    static const char *const old_jamo[] = {"\xe1\x84\x80\xe1\x85\xb6", "\xe1\x84\x93\xe1\x85\xa1", "\xea\xb0\x80\xe1\x87\x83"};
    int bad_jamo = -1;
    for (int i = 0; i < 3 && bad_jamo < 0; i++) {
        char *got = nfc_of(&w, old_jamo[i], strlen(old_jamo[i]));
        if (strcmp(got, old_jamo[i]) != 0) { bad_jamo = i; }
        free(got);
    }
    check(bad_jamo < 0, "nfc_hangul_old_jamo_not_composed", "%s changed", bad_jamo == 0 ? "U+1100 U+1176" : bad_jamo == 1 ? "U+1113 U+1161"
          : "U+AC00 U+11C3");
    // normalizer forms accepted: null, NFC, a Sequence of NFCs (an empty Sequence: none)
    cJSON *seq = load_json(nfc_path);
    cJSON_ReplaceItemInObjectCaseSensitive(seq, "normalizer", cJSON_Parse("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}]}"));
    write_json(join(path, dir, "nfc_sequence.json"), seq);
    BpeTokenizer s1;
    bpe_init(&s1, path);
    cJSON_ReplaceItemInObjectCaseSensitive(seq, "normalizer", cJSON_Parse("{\"type\": \"Sequence\", \"normalizers\": []}"));
    write_json(join(path, dir, "nfc_empty_sequence.json"), seq);
    cJSON_Delete(seq);
    BpeTokenizer s0;
    bpe_init(&s0, path);
    check(nfc.nfc && s1.nfc && !s0.nfc && !plain.nfc, "normalizer_forms", "nfc flags %d %d %d %d", nfc.nfc, s1.nfc, s0.nfc, plain.nfc);
    bpe_free(&s0);
    bpe_free(&s1);
    bpe_free(&plain);
    bpe_free(&nfc);
    bpe_nfc_free_(&w);
    cJSON_Delete(root);
}

static void test_encode(const BpeTokenizer *t) {
    // "the": pairs th (rank 7) and he (rank 1): he merges first, and "t he" is no merge.
    // " cat": Ġc (4) before at (5), then Ġc+at (6).
    int the_cat[] = {TOK('t'), HE, G_CAT};
    check_encode(t, "encode_the_cat", "the cat", the_cat, 3);
    int the[] = {G_THE};  // Ġt (0), he (1), Ġt+he (2)
    check_encode(t, "encode_space_the", " the", the, 1);
    int thin[] = {TH, IN};  // in (3) before th (7)
    check_encode(t, "encode_rank_order", "thin", thin, 2);
    int cat[] = {TOK('c'), AT};  // "cat" is in the vocab but no merge makes it
    check_encode(t, "encode_unmerged_vocab_token", "cat", cat, 2);
    int aaa[] = {AA, TOK('a')};  // equal ranks: leftmost first
    check_encode(t, "encode_leftmost_first", "aaa", aaa, 2);
    int aaaa[] = {AA, AA};
    check_encode(t, "encode_repeated_pair", "aaaa", aaaa, 2);
    int spaces[] = {TOK('x'), G_G, TOK(' '), TOK('y')};  // "x", "  ", " y"
    check_encode(t, "encode_space_run", "x   y", spaces, 4);
    int dont[] = {TOK('d'), TOK('o'), TOK('n'), TOK('\''), TOK('t')};
    check_encode(t, "encode_contraction", "don't", dont, 5);
    check_encode(t, "encode_empty", "", NULL, 0);

    int eot[] = {EOT};
    check_encode(t, "special_alone", "<|endoftext|>", eot, 1);
    int inside[] = {TOK('h'), TOK('i'), EOT, TOK('t'), HE};
    check_encode(t, "special_inside_word", "hi<|endoftext|>the", inside, 5);
    int around[] = {G_THE, EOT, G_CAT, PAD, PAD};
    check_encode(t, "special_between_words", " the<|endoftext|> cat<|pad|><|pad|>", around, 5);
    int partial[12];
    const char *almost = "<|endoftext|";
    for (int i = 0; i < 12; i++) { partial[i] = TOK(almost[i]); }
    check_encode(t, "special_partial_is_text", almost, partial, 12);

    int ids[4] = {-7, -7, -7, -7};
    int n = bpe_encode(t, "the cat", ids, 1);
    check(n == 3 && ids[0] == TOK('t') && ids[1] == -7 && bpe_encode(t, "the cat", NULL, 0) == 3,
          "encode_respects_cap", "returned %d, ids %d %d", n, ids[0], ids[1]);
}

static void test_round_trip(const BpeTokenizer *t) {
    const char *texts[] = {
        "héllo wörld 😀\n\ttabs",
        "the cat sat on the mat; then the cat sat in the hat.\n",
        "   leading and trailing   ",
        "line1\r\nline2\n\n\n  \t",
        "It's 3.14159 \xe2\x80\x94 ok?! \xe4\xb8\xad\xe6\x96\x87 \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
        "invalid utf-8: \x80\xff\xc3 \xed\xa0\x80 \x7f\x01\x1b[31m",
        "overlong: \xc0\xaf \xe0\x80\xaf \xf0\x80\x80\xaf \xc1\x81", // '/' and 'A' in 2, 3, 4 bytes: not UTF-8, kept as bytes
        "a<|endoftext|>b<|endoftext|<|endoftext|><|pad|>",
    };
    char detail[128];
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "round_trip_%zu", i);
        int ok = round_trips(t, texts[i], detail, sizeof(detail));
        check(ok, name, "%s", detail);
    }
    char all[256];
    for (int b = 1; b < 256; b++) { all[b - 1] = (char)b; }
    all[255] = '\0';
    check(round_trips(t, all, detail, sizeof(detail)), "round_trip_all_bytes", "%s", detail);
}

// the fixture's merges as (left, right, merged) ids, in rank order, for a plain reference BPE
static const int fixture_merges[][3] = {
    {TOK(' '), TOK('t'), G_T}, {TOK('h'), TOK('e'), HE}, {G_T, HE, G_THE}, {TOK('i'), TOK('n'), IN},
    {TOK(' '), TOK('c'), G_C}, {TOK('a'), TOK('t'), AT}, {G_C, AT, G_CAT}, {TOK('t'), TOK('h'), TH},
    {TOK('a'), TOK('a'), AA}, {TOK(' '), TOK(' '), G_G},
};

// textbook BPE, O(n^2) per word: merge the lowest-ranked adjacent pair (leftmost) until none is left
static int reference_encode(const char *text, int *ids) {
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    int count = 0;
    while (n > 0) {
        size_t len = bpe_word_length_(s, n);
        int word[256];
        int m = (int)len;
        for (int i = 0; i < m; i++) { word[i] = TOK(s[i]); }
        for (;;) {
            int best = -1, best_rank = 1 << 30;
            for (int i = 0; i + 1 < m; i++) {
                for (int r = 0; r < (int)(sizeof(fixture_merges) / sizeof(fixture_merges[0])); r++) {
                    if (fixture_merges[r][0] == word[i] && fixture_merges[r][1] == word[i + 1] && r < best_rank) {
                        best = i;
                        best_rank = r;
                    }
                }
            }
            if (best < 0) { break; }
            word[best] = fixture_merges[best_rank][2];
            memmove(word + best + 1, word + best + 2, (size_t)(m - best - 2) * sizeof(int));
            m--;
        }
        for (int i = 0; i < m; i++) { ids[count++] = word[i]; }
        s += len;
        n -= len;
    }
    return count;
}

static void test_against_reference(const BpeTokenizer *t) {
    // random text over the letters the merges use, so that merges chain and compete
    const char alphabet[] = "aaatttheeinc  \n'!";
    uint64_t state = 12345;
    int failures = 0;
    char text[201], detail[512] = "";
    for (int trial = 0; trial < 2000; trial++) {
        int len = 1 + trial % 200;
        for (int i = 0; i < len; i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            text[i] = alphabet[(state >> 33) % (sizeof(alphabet) - 1)];
        }
        text[len] = '\0';
        int expected[256], got[256];
        int n_expected = reference_encode(text, expected);
        int n_got = bpe_encode(t, text, got, 256);
        if (n_got != n_expected || memcmp(got, expected, (size_t)n_got * sizeof(int)) != 0) {
            if (failures++ == 0) { snprintf(detail, sizeof(detail), "first mismatch on \"%s\"", text); }
        }
    }
    check(failures == 0, "encode_matches_reference_bpe", "%d of 2000 random texts differ; %s", failures, detail);

    // a long word: the heap stays right over thousands of symbols
    size_t n = 10001;
    char *long_word = (char *)mallocCheck(n + 1);
    memset(long_word, 'a', n);
    long_word[n] = '\0';
    int *ids = (int *)mallocCheck((n + 1) * sizeof(int));
    int count = bpe_encode(t, long_word, ids, (int)n + 1);
    int ok = count == 5001 && ids[5000] == TOK('a');
    for (int i = 0; ok && i < 5000; i++) { ok = ids[i] == AA; }
    check(ok, "encode_long_word", "10001 'a' gave %d tokens, expected 5000 \"aa\" and one \"a\"", count);
    free(ids);
    free(long_word);
}

// the same tokenizer with merges as [["a", "b"], ...] (the newer tokenizers format)
static void test_merge_pairs(const char *dir, const char *fixture, const BpeTokenizer *strings) {
    char path[1024];
    cJSON *root = load_json(fixture);
    cJSON *pairs = cJSON_CreateArray();
    const cJSON *merge;
    cJSON_ArrayForEach(merge, merges_of(root)) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%s", merge->valuestring);
        char *space = strchr(buf, ' ');
        *space = '\0';
        const char *parts[2] = {buf, space + 1};
        cJSON_AddItemToArray(pairs, cJSON_CreateStringArray(parts, 2));
    }
    cJSON_ReplaceItemInObjectCaseSensitive(model_of(root), "merges", pairs);
    write_json(join(path, dir, "pairs.json"), root);
    cJSON_Delete(root);

    BpeTokenizer t;
    bpe_init(&t, path);
    const char *texts[] = {"the cat", " the thin aaa x   y", "héllo wörld 😀\n\ttabs<|endoftext|>the"};
    int ok = bpe_vocab_size(&t) == FIXTURE_VOCAB;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]) && ok; i++) {
        int a[128], b[128];
        int na = bpe_encode(strings, texts[i], a, 128);
        int nb = bpe_encode(&t, texts[i], b, 128);
        ok = na == nb && memcmp(a, b, (size_t)na * sizeof(int)) == 0;
    }
    check(ok, "merges_as_pairs", "merges as [a, b] pairs encode differently from \"a b\" strings");
    bpe_free(&t);
}

// model.ignore_merges and pre_tokenizer.add_prefix_space, each on a copy of the fixture
static void test_options(const char *dir, const char *fixture) {
    char path[1024];
    cJSON *root = load_json(fixture);
    cJSON_AddTrueToObject(model_of(root), "ignore_merges");
    write_json(join(path, dir, "ignore_merges.json"), root);
    cJSON_Delete(root);
    BpeTokenizer t;
    bpe_init(&t, path);
    int cat[] = {CAT, G_CAT};  // "cat" is a vocab token, so it is taken whole
    check_encode(&t, "ignore_merges_takes_vocab_words", "cat cat", cat, 2);
    int then[] = {TOK('t'), HE, TOK('n')};  // "then" is not
    check_encode(&t, "ignore_merges_merges_other_words", "then", then, 3);
    bpe_free(&t);

    // with the fixture's NFC normalizer and without one (two paths in bpe_encode_piece_)
    for (int with_nfc = 1; with_nfc >= 0; with_nfc--) {
        root = load_json(fixture);
        cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
        cJSON_ReplaceItemInObjectCaseSensitive(pre, "add_prefix_space", cJSON_CreateTrue());
        if (!with_nfc) { cJSON_ReplaceItemInObjectCaseSensitive(root, "normalizer", cJSON_CreateNull()); }
        write_json(join(path, dir, "prefix_space.json"), root);
        cJSON_Delete(root);
        bpe_init(&t, path);
        const char *suffix = with_nfc ? "" : "_no_normalizer";
        char name[96];
        // each piece between added tokens gets its own leading space
        int prefixed[] = {TOK(' '), TOK('h'), TOK('i'), EOT, G_THE};
        snprintf(name, sizeof(name), "add_prefix_space%s", suffix);
        check_encode(&t, name, "hi<|endoftext|>the", prefixed, 5);
        int kept[] = {G_THE};
        snprintf(name, sizeof(name), "add_prefix_space_not_doubled%s", suffix);
        check_encode(&t, name, " the", kept, 1);
        bpe_free(&t);
    }
}

// ranks decide, not positions: with "h e" at rank 0 and "t h" at rank 1, "the" is t + he although "t h" is further
// left (the fixture's ranks 0 and 1 never overlap, so a tie between them would pass the checks above)
static void test_rank_zero(const char *dir, const char *fixture) {
    char path[1024];
    cJSON *root = load_json(fixture);
    cJSON_ReplaceItemInObjectCaseSensitive(model_of(root), "merges", cJSON_Parse("[\"h e\", \"t h\"]"));
    write_json(join(path, dir, "rank_zero.json"), root);
    cJSON_Delete(root);
    BpeTokenizer t;
    bpe_init(&t, path);
    int the[] = {TOK('t'), HE};
    check_encode(&t, "encode_rank_zero_before_rank_one", "the", the, 2);
    bpe_free(&t);
}

// an added token that is a prefix of another ("<|end" of "<|endoftext|>", id 268, listed first in the file): at a
// position where both occur the longer is cut out, elsewhere the shorter (the fixture's own added tokens share no
// prefix, so an order that tried the shorter first passed every check above)
static void test_added_longest_first(const char *dir, const char *fixture) {
    char path[1024];
    cJSON *root = load_json(fixture);
    cJSON_InsertItemInArray(cJSON_GetObjectItemCaseSensitive(root, "added_tokens"), 0,
                            cJSON_Parse("{\"id\": 268, \"content\": \"<|end\", \"special\": true}"));
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "added_tokens"), 2), "id",
                                           cJSON_CreateNumber(269)); // (<|pad|>, after it: the next id)
    write_json(join(path, dir, "added_prefix.json"), root);
    cJSON_Delete(root);
    BpeTokenizer t;
    bpe_init(&t, path);
    int longest[] = {TOK('a'), EOT, 268, G_THE};
    check_encode(&t, "special_longest_at_a_position", "a<|endoftext|><|end the", longest, 4);
    bpe_free(&t);
}

/*
Added tokens get the ids Hugging Face tokenizers gives them, whatever ids the file names (tokenizers 0.23.3 on these
files): the fixture as it was before its <|pad|> was renumbered (id 269 after 268 vocab entries, then 5000 and a
duplicate 268 for two more tokens) gives <|pad|> 268, <|other|> 269, <|x|> 270; "cat" listed as an added token with
id 5 takes model.vocab's 267; <|pad|> listed twice keeps its first id. Without the pad, a vocab with a gap (cat at 268)
has an id no token has, 267. (The file's ids were taken: the encoded ids differed from tokenizers'.)
*/
static void test_added_ids_as_tokenizers(const char *dir, const char *fixture) {
    char path[1024];
    cJSON *root = load_json(fixture);
    cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(added, 1), "id", cJSON_CreateNumber(269));
    cJSON_AddItemToArray(added, cJSON_Parse("{\"id\": 268, \"content\": \"<|other|>\", \"special\": true}"));
    cJSON_AddItemToArray(added, cJSON_Parse("{\"id\": 5, \"content\": \"cat\", \"special\": true}"));
    cJSON_AddItemToArray(added, cJSON_Parse("{\"id\": 7, \"content\": \"<|pad|>\", \"special\": true}"));
    cJSON_AddItemToArray(added, cJSON_Parse("{\"id\": 5000, \"content\": \"<|x|>\", \"special\": true}"));
    write_json(join(path, dir, "added_ids.json"), root);
    cJSON_Delete(root);
    BpeTokenizer t;
    bpe_init(&t, path);
    int want[] = {TOK('a'), TOK(' '), CAT, 268, 269, 270}; // (tokenizers: [98, 33, 267, 268, 269, 270])
    check_encode(&t, "added_ids_as_tokenizers_gives", "a cat<|pad|><|other|><|x|>", want, 6);
    check(bpe_vocab_size(&t) == 271, "added_ids_vocab_size", "expected 271, found %d", bpe_vocab_size(&t));
    bpe_free(&t);

    root = load_json(fixture);
    cJSON_DeleteItemFromArray(cJSON_GetObjectItemCaseSensitive(root, "added_tokens"), 1);
    cJSON_ReplaceItemInObjectCaseSensitive(vocab_of(root), "cat", cJSON_CreateNumber(268));
    write_json(join(path, dir, "vocab_gap.json"), root);
    cJSON_Delete(root);
    bpe_init(&t, path);
    unsigned char buf[16];
    check(bpe_vocab_size(&t) == 269 && bpe_decode(&t, 267, buf, sizeof(buf)) == -1 && bpe_decode(&t, 268, buf, sizeof(buf)) == 3,
          "decode_vocab_gap", "vocab %d, id 267 decodes to %d bytes (want -1), 268 to %d (want 3)", bpe_vocab_size(&t),
          bpe_decode(&t, 267, buf, sizeof(buf)), bpe_decode(&t, 268, buf, sizeof(buf)));
    bpe_free(&t);
}

// two more of tokenizers' rules for added ids (AddedVocabulary::add_tokens): a content listed again keeps its first id
// also where the added tokens before it are all as long or longer (<|pad|> twice in a row), and a content that is a
// model.vocab key not written in byte symbols ("日本", U+65E5 U+672C, at 268 here) takes that key's id, as a byte-level
// one does (the model's token_to_id of the content); <|pad|> gets 269, the next past the 269 model.vocab entries
static void test_added_ids_more(const char *dir, const char *fixture) {
    char path[1024];
    cJSON *root = load_json(fixture);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(root, "added_tokens"),
                         cJSON_Parse("{\"id\": 268, \"content\": \"<|pad|>\", \"special\": true}"));
    write_json(join(path, dir, "added_twice.json"), root);
    cJSON_Delete(root);
    BpeTokenizer t;
    bpe_init(&t, path);
    int pads[] = {PAD, TOK('a'), PAD};
    check_encode(&t, "added_listed_twice_in_a_row_encodes", "<|pad|>a<|pad|>", pads, 3);
    check(bpe_vocab_size(&t) == FIXTURE_VOCAB, "added_listed_twice_in_a_row_one_id", "vocab %d, expected %d", bpe_vocab_size(&t),
          FIXTURE_VOCAB);
    bpe_free(&t);

    root = load_json(fixture);
    cJSON_AddNumberToObject(vocab_of(root), "\xe6\x97\xa5\xe6\x9c\xac", 268);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(root, "added_tokens"),
                         cJSON_Parse("{\"id\": 268, \"content\": \"\xe6\x97\xa5\xe6\x9c\xac\", \"special\": false}"));
    write_json(join(path, dir, "added_vocab_key.json"), root);
    cJSON_Delete(root);
    bpe_init(&t, path);
    int want[] = {TOK('a'), 268, 269};
    check_encode(&t, "added_non_byte_level_vocab_key_takes_its_id", "a\xe6\x97\xa5\xe6\x9c\xac<|pad|>", want, 3);
    check(bpe_vocab_size(&t) == 270, "added_non_byte_level_vocab_key_vocab_size", "expected 270, found %d", bpe_vocab_size(&t));
    bpe_free(&t);
}

// the order of model.vocab's entries carries no meaning (a JSON object's): the tokenizer tokens trained by Hugging
// Face tokenizers with its vocab written backwards (longer tokens before their prefixes) encodes the same
static void test_vocab_order(const char *dir, const char *fixture) {
    char path[4096], reversed[1024];
    const int dir_len = strrchr(fixture, '/') ? (int)(strrchr(fixture, '/') - fixture + 1) : 0;
    snprintf(path, sizeof(path), "%.*sunicode_tokenizer.json", dir_len, fixture);
    cJSON *root = load_json(path);
    cJSON *vocab = vocab_of(root), *backwards = cJSON_CreateObject();
    while (vocab->child != NULL) {
        cJSON *last = vocab->child->prev; // (cJSON: the first child's prev is the last one)
        cJSON_AddItemToObject(backwards, last->string, cJSON_DetachItemViaPointer(vocab, last));
    }
    cJSON_ReplaceItemInObjectCaseSensitive(model_of(root), "vocab", backwards);
    write_json(join(reversed, dir, "vocab_backwards.json"), root);
    cJSON_Delete(root);
    BpeTokenizer a, b;
    bpe_init(&a, path);
    bpe_init(&b, reversed);
    snprintf(path, sizeof(path), "%.*spretokenize_cases.json", dir_len, fixture);
    root = load_json(path);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    int num = cJSON_GetArraySize(cases), differ = 0;
    for (int c = 0; c < num; c++) {
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cases, c), "text"));
        int x[512], y[512], nx = bpe_encode(&a, text, x, 512), ny = bpe_encode(&b, text, y, 512);
        differ += nx != ny || memcmp(x, y, (size_t)(nx < 512 ? nx : 512) * sizeof(int)) != 0;
    }
    check(num >= 600 && differ == 0 && bpe_vocab_size(&a) == bpe_vocab_size(&b), "vocab_order_does_not_matter",
          "%d of %d texts encode differently with the vocab written backwards", differ, num);
    cJSON_Delete(root);
    bpe_free(&a);
    bpe_free(&b);
}

// pre_tokenizer.use_regex (absent: true) and empty model.continuing_subword_prefix / end_of_word_suffix
// (GPT-2's tokenizer.json has "" for both), each on a copy of the fixture
static void test_regex_and_affixes(const char *dir, const char *fixture) {
    char path[1024];
    // "'th": the regex cuts the contraction "'t" from "h"; without it "th" (rank 7) merges across that cut
    int split[] = {TOK('\''), TOK('t'), TOK('h')}, merged[] = {TOK('\''), TH};
    for (int variant = 0; variant < 2; variant++) {
        cJSON *root = load_json(fixture);
        cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
        if (variant == 0) { cJSON_DeleteItemFromObjectCaseSensitive(pre, "use_regex"); }
        else { cJSON_ReplaceItemInObjectCaseSensitive(pre, "use_regex", cJSON_CreateFalse()); }
        write_json(join(path, dir, "regex.json"), root);
        cJSON_Delete(root);
        BpeTokenizer t;
        bpe_init(&t, path);
        if (variant == 0) { check_encode(&t, "use_regex_absent_means_true", "'th", split, 3); }
        else { check_encode(&t, "use_regex_false_one_word", "'th", merged, 2); }
        bpe_free(&t);
    }
    cJSON *root = load_json(fixture);
    cJSON_ReplaceItemInObjectCaseSensitive(model_of(root), "continuing_subword_prefix", cJSON_CreateString(""));
    cJSON_ReplaceItemInObjectCaseSensitive(model_of(root), "end_of_word_suffix", cJSON_CreateString(""));
    write_json(join(path, dir, "empty_affixes.json"), root);
    cJSON_Delete(root);
    BpeTokenizer t;
    bpe_init(&t, path);
    int the_cat[] = {TOK('t'), HE, G_CAT};
    check_encode(&t, "empty_affixes_accepted", "the cat", the_cat, 3);
    bpe_free(&t);
}

// the fixture's text with its first `from` replaced by to_len bytes of `to`, into path; every newline becomes
// newline_to (NULL: kept)
static void write_edited(const char *fixture, const char *path, const char *from, const char *to, size_t to_len,
                         const char *newline_to) {
    FILE *in = fopenCheck(fixture, "rb");
    long size = file_size(in);
    char *text = (char *)mallocCheck((size_t)size + 1);
    freadCheck(text, 1, (size_t)size, in);
    fcloseCheck(in);
    text[size] = '\0';
    char *at = strstr(text, from);
    if (at == NULL) { fatalf("%s: no %s to change", fixture, from); }
    FILE *fp = fopenCheck(path, "wb");
    for (const char *p = text; p < text + size; p++) {
        if (p == at) {
            fwriteCheck(to, 1, to_len, fp);
            p += strlen(from) - 1;
        } else if (*p == '\n' && newline_to != NULL) {
            fwriteCheck(newline_to, 1, strlen(newline_to), fp);
        } else {
            fwriteCheck(p, 1, 1, fp);
        }
    }
    fcloseCheck(fp);
    free(text);
}

// a tokenizer.json of CRLF line ends and tab indents (JSON whitespace between tokens) loads as the fixture does, and
// control characters escaped in a string (\u0001, \t) load as the bytes they stand for: "<|pad|>" as "<|p\x01a\td|>"
static void test_json_escapes_and_whitespace(const char *dir, const char *fixture) {
    char path[1024];
    const char *pad = "\"<|p\\u0001a\\td|>\"";
    write_edited(fixture, join(path, dir, "escapes.json"), "\"<|pad|>\"", pad, strlen(pad), "\r\n\t");
    BpeTokenizer t;
    bpe_init(&t, path);
    unsigned char buf[64];
    int len = bpe_decode(&t, PAD, buf, sizeof(buf));
    int the_cat[] = {TOK('t'), HE, G_CAT}, ids[8];
    int n = bpe_encode(&t, "x<|p\x01" "a\td|>", ids, 8);
    int ok = bpe_vocab_size(&t) == FIXTURE_VOCAB && len == 9 && memcmp(buf, "<|p\x01" "a\td|>", 9) == 0 && n == 2 &&
             ids[0] == TOK('x') && ids[1] == PAD;
    check(ok, "json_escapes_and_whitespace_load", "the added token decodes to %d bytes (want the 9 of \"<|p\\x01a\\td|>\"), "
          "\"x\" and it encode to %d ids (want [%d, %d])", len, n, TOK('x'), PAD);
    check_encode(&t, "json_escapes_and_whitespace_encode", "the cat", the_cat, 3);
    bpe_free(&t);
}

// ----------------------------------------------------------------------------
// bad files, each loaded in a child process

typedef struct {
    const char *name;
    const char *message;  // what the error must say; it must also name <case>.json
} BadCase;

static const BadCase bad_cases[] = {
    {"not_json", "not valid JSON"},
    {"not_object", "expected a JSON object"},
    {"wordpiece", "model.type: expected \"BPE\", found \"WordPiece\""},
    // a string quoted in an error: controls, a C1 control (U+009B), a right-to-left override (U+202E) and a byte of no
    // character escaped, whole characters as they are (the last three went out raw), cut at ~60 bytes between characters
    {"type_with_controls", "model.type: expected \"BPE\", found \"\\x1b[1m\\xc2\\x9b\\xe2\\x80\\xae\\xff\xc3\xa9\\x22\\x5c"
                           "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5...\""},
    {"missing_vocab", "missing or empty model.vocab"},
    {"missing_merges", "missing model.merges array"},
    {"id_out_of_range", "\"cat\": id 100000 out of range, expected an integer in [0, 270)"},
    {"negative_id", "\"cat\": id -1 out of range"},
    {"fractional_id", "\"cat\": id 3.5 out of range"},
    {"string_id", "\"cat\": id is not a number"},
    {"duplicate_id", "have the same id 263"},
    {"added_id_negative", "added token \"<|pad|>\": \"id\" is not a non-negative integer"},
    {"missing_byte", "no token for byte 0x20"},
    {"merge_unknown_part", "model.merges[10]: \"yz\" is not a token in model.vocab"},
    {"merge_result_missing", "model.merges[10]: the merged token \"ca\" is not in model.vocab"},
    {"merge_no_space", "model.merges[10] is \"abc\", expected two tokens separated by one space"},
    {"merge_bad_pair", "model.merges[10] is neither"},
    {"wrong_pre_tokenizer", "pre_tokenizer.type: expected \"ByteLevel\", found Whitespace"},
    {"wrong_decoder", "decoder.type: expected \"ByteLevel\", found WordPiece"},
    {"nfkc_normalizer", "normalizer NFKC is not supported (only NFC"},
    {"sequence_with_lowercase", "normalizer Lowercase is not supported (only NFC"},
    {"subword_prefix", "model.continuing_subword_prefix \"##\" is not supported"},
    {"word_suffix", "model.end_of_word_suffix \"</w>\" is not supported"},
    {"added_tokens_object", "added_tokens is not an array"},
    {"added_token_empty", "added_tokens[2] has an empty \"content\"; an empty one matches no text (tokenizers skips it): "
                          "remove the entry"},
    // a NUL in a string, escaped or as a byte: cJSON ended the string there, so "<|pad\u0000x|>" loaded as the token
    // "<|pad", "cat<NUL>x" as "cat" and a "\u0000" content as the empty one above, without a word
    {"added_token_escaped_nul", "the file holds an escaped NUL character (\\u0000, byte "},
    {"added_token_escaped_nul_alone", "the file holds an escaped NUL character (\\u0000, byte "},
    {"vocab_token_raw_nul", "the file holds a NUL byte (byte "},
    // raw control characters, which cJSON takes but JSON does not (tokenizers' serde_json refuses them): a tab or a
    // newline inside a string (escaped, they load: json_escapes_and_whitespace_load), a form feed between tokens
    {"vocab_token_raw_tab", "the file holds a raw control character 0x09 inside a string (byte "},
    {"added_token_raw_newline", "the file holds a raw control character 0x0a inside a string (byte "},
    {"form_feed_between_tokens", "the file holds a control character 0x0c between tokens (byte "},
    {"added_token_no_content", "added_tokens[1] has no \"content\" string"},
    {"merge_two_spaces", "model.merges[10] is \"a b c\", expected two tokens separated by one space"},
    {"merge_leading_space", "model.merges[10] is \" a\", expected two tokens separated by one space"},
};

// the cases written as the fixture's text with one string changed (cJSON writes neither a NUL nor a raw control character)
typedef struct {
    const char *name, *from, *to;
    size_t to_len; // (0: strlen(to))
} TextEdit;

static const TextEdit text_edits[] = {
    {"added_token_escaped_nul", "\"<|pad|>\"", "\"<|pad\\u0000x|>\"", 0},
    {"added_token_escaped_nul_alone", "\"<|pad|>\"", "\"\\u0000\"", 0},
    {"vocab_token_raw_nul", "\"cat\"", "\"cat\0x\"", 7},
    {"vocab_token_raw_tab", "\"cat\"", "\"c\tat\"", 0},
    {"added_token_raw_newline", "\"<|pad|>\"", "\"<|pad\n|>\"", 0},
    {"form_feed_between_tokens", "\"cat\"", "\f\"cat\"", 0},
};

static const TextEdit *text_edit_of(const char *name) {
    for (size_t i = 0; i < sizeof(text_edits) / sizeof(text_edits[0]); i++) {
        if (strcmp(text_edits[i].name, name) == 0) { return &text_edits[i]; }
    }
    return NULL;
}

// the child side: write the bad file, then load it; returning means it did not fail
static int run_bad_case(const char *name, const char *dir, const char *fixture) {
    char path[1024], file[128];
    snprintf(file, sizeof(file), "%s.json", name);
    join(path, dir, file);
    cJSON *root = load_json(fixture);
    cJSON *model = model_of(root);
    cJSON *vocab = vocab_of(root);
    cJSON *merges = merges_of(root);
    cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (strcmp(name, "not_json") == 0 || strcmp(name, "not_object") == 0) {
        FILE *fp = fopenCheck(path, "wb");
        fputs(strcmp(name, "not_json") == 0 ? "{\"model\": {\"type\": \"BPE\", " : "[1, 2]", fp);
        fcloseCheck(fp);
    } else if (text_edit_of(name) != NULL) {
        const TextEdit *e = text_edit_of(name);
        write_edited(fixture, path, e->from, e->to, e->to_len > 0 ? e->to_len : strlen(e->to), NULL);
    } else {
        if (strcmp(name, "wordpiece") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(model, "type", cJSON_CreateString("WordPiece"));
        } else if (strcmp(name, "type_with_controls") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(model, "type", cJSON_CreateString("\x1b[1m\xc2\x9b\xe2\x80\xae\xff\xc3\xa9\"\\"
                "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"));
        } else if (strcmp(name, "missing_vocab") == 0) {
            cJSON_DeleteItemFromObjectCaseSensitive(model, "vocab");
        } else if (strcmp(name, "missing_merges") == 0) {
            cJSON_DeleteItemFromObjectCaseSensitive(model, "merges");
        } else if (strcmp(name, "id_out_of_range") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(vocab, "cat", cJSON_CreateNumber(100000));
        } else if (strcmp(name, "negative_id") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(vocab, "cat", cJSON_CreateNumber(-1));
        } else if (strcmp(name, "fractional_id") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(vocab, "cat", cJSON_CreateNumber(3.5));
        } else if (strcmp(name, "string_id") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(vocab, "cat", cJSON_CreateString("267"));
        } else if (strcmp(name, "duplicate_id") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(vocab, "cat", cJSON_CreateNumber(G_CAT));
        } else if (strcmp(name, "added_id_negative") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(added, 1), "id", cJSON_CreateNumber(-1));
        } else if (strcmp(name, "missing_byte") == 0) {
            // "Ġ", the space byte's symbol, gives its id to a token that is not a byte
            cJSON_DeleteItemFromObjectCaseSensitive(vocab, "\xc4\xa0");
            cJSON_AddNumberToObject(vocab, "qq", TOK(' '));
        } else if (strcmp(name, "merge_unknown_part") == 0) {
            cJSON_AddItemToArray(merges, cJSON_CreateString("x yz"));
        } else if (strcmp(name, "merge_result_missing") == 0) {
            cJSON_AddItemToArray(merges, cJSON_CreateString("c a"));
        } else if (strcmp(name, "merge_no_space") == 0) {
            cJSON_AddItemToArray(merges, cJSON_CreateString("abc"));
        } else if (strcmp(name, "merge_bad_pair") == 0) {
            const char *three[3] = {"a", "b", "c"};
            cJSON_AddItemToArray(merges, cJSON_CreateStringArray(three, 3));
        } else if (strcmp(name, "wrong_pre_tokenizer") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"), "type",
                                                   cJSON_CreateString("Whitespace"));
        } else if (strcmp(name, "nfkc_normalizer") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(root, "normalizer", cJSON_Parse("{\"type\": \"NFKC\"}"));
        } else if (strcmp(name, "sequence_with_lowercase") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(
                root, "normalizer", cJSON_Parse("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, {\"type\": \"Lowercase\"}]}"));
        } else if (strcmp(name, "subword_prefix") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(model, "continuing_subword_prefix", cJSON_CreateString("##"));
        } else if (strcmp(name, "word_suffix") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(model, "end_of_word_suffix", cJSON_CreateString("</w>"));
        } else if (strcmp(name, "added_token_empty") == 0) {
            cJSON *copy = cJSON_Duplicate(cJSON_GetArrayItem(added, 1), 1);
            cJSON_ReplaceItemInObjectCaseSensitive(copy, "content", cJSON_CreateString(""));
            cJSON_ReplaceItemInObjectCaseSensitive(copy, "id", cJSON_CreateNumber(268));
            cJSON_AddItemToArray(added, copy);
        } else if (strcmp(name, "added_token_no_content") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(added, 1), "content", cJSON_CreateNumber(7));
        } else if (strcmp(name, "merge_two_spaces") == 0) {
            cJSON_AddItemToArray(merges, cJSON_CreateString("a b c"));
        } else if (strcmp(name, "merge_leading_space") == 0) {
            cJSON_AddItemToArray(merges, cJSON_CreateString(" a"));
        } else if (strcmp(name, "added_tokens_object") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(root, "added_tokens", cJSON_CreateObject());
        } else if (strcmp(name, "wrong_decoder") == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "decoder"), "type",
                                                   cJSON_CreateString("WordPiece"));
        } else {
            fprintf(stderr, "unknown case '%s'\n", name);
            return 2;
        }
        write_json(path, root);
    }
    cJSON_Delete(root);
    BpeTokenizer t;
    bpe_init(&t, path);
    fprintf(stderr, "case '%s' did not fail\n", name);
    return 0;
}

// runs "<self> --expect-fail <case> <dir> <fixture>" and checks its exit status and stderr
static void test_bad_case(const BadCase *c, const char *dir, const char *fixture) {
    const char *argv[] = {"test_bpe", "--expect-fail", c->name, dir, fixture, NULL};
    char err[4096], name[96], file[128];
    int status = run_self(argv, err, sizeof(err));
    snprintf(name, sizeof(name), "rejects_%s", c->name);
    snprintf(file, sizeof(file), "%s.json", c->name);
    check_rejected(name, status, err, file, c->message);
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "--expect-fail") == 0) { return run_bad_case(argv[2], argv[3], argv[4]); }
    if (argc > 2) {
        fprintf(stderr, "usage: %s [tokenizer.json]  |  %s --expect-fail <case> <dir> <fixture>\n", argv[0], argv[0]);
        return 2;
    }
    const char *fixture = argc == 2 ? argv[1] : "test/fixtures/bpe/tokenizer.json";
    char dir[] = "/tmp/test_bpe.XXXXXX";
    if (mkdtemp(dir) == NULL) { fatalf("mkdtemp failed: %s", strerror(errno)); }

    BpeTokenizer t;
    bpe_init(&t, fixture);
    test_load(&t);
    test_decode(&t);
    test_words();
    test_words_against_tokenizers(fixture);
    test_class_spot_checks();
    test_nfc_against_tokenizers(fixture, dir);
    test_encode(&t);
    test_round_trip(&t);
    test_against_reference(&t);
    test_merge_pairs(dir, fixture, &t);
    test_options(dir, fixture);
    test_rank_zero(dir, fixture);
    test_added_longest_first(dir, fixture);
    test_added_ids_as_tokenizers(dir, fixture);
    test_added_ids_more(dir, fixture);
    test_regex_and_affixes(dir, fixture);
    test_vocab_order(dir, fixture);
    test_json_escapes_and_whitespace(dir, fixture);
    bpe_free(&t);
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) { test_bad_case(&bad_cases[i], dir, fixture); }

    remove_dir(dir);
    return test_summary();
}
