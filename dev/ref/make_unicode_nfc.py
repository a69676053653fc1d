#!/usr/bin/env python3
"""
Unicode NFC normalization data for llmc/bpe.h (the GPT-NeoX tokenizer's normalizer is NFC), as
Hugging Face tokenizers applies it; and a fixture of normalizations made by tokenizers itself,
for test/test_bpe.c. Needs the `tokenizers` package (pip install tokenizers; no network, no torch).

    python3 dev/ref/make_unicode_nfc.py
        writes llmc/unicode_nfc.h and test/fixtures/bpe/nfc_cases.json

NFC (Unicode UAX #15): decompose each code point canonically (recursively; Hangul syllables by
arithmetic), put each run of combining marks in order of their canonical combining class (a
stable sort), then compose: a mark joins the last starter when no character between them has a
class of 0 or at least its own, and the pair has a primary composite. The tables:
  - full canonical decompositions: read off tokenizers' own NFD of every code point (Hangul
    syllables excepted, the C code does them by arithmetic);
  - canonical combining classes: Python's unicodedata, kept only where tokenizers reorders the
    mark against a mark of another class (its Unicode version is older than this Python's, and a
    mark it does not know is a starter to it);
  - compositions: each code point whose one-level canonical decomposition is a pair (a, b), kept
    where tokenizers composes a + b into it (this leaves out composition exclusions, singletons,
    non-starter decompositions, and what tokenizers' Unicode version lacks).
The script then checks those tables by an NFC written here in Python from them against
tokenizers' NFC on every single code point and on the fixture's texts, and stops on a difference.

The fixture: every code point that NFC changes, with its NFC; and seeded random texts built to
exercise the algorithm (marks of many classes in random order after composable starters, Hangul
jamo and syllables, excluded and singleton characters, ASCII and other scripts around them; and
starters followed by marks that compose with them mixed with marks that block them), each
with tokenizers' NFC, and its ids from test/fixtures/bpe/unicode_tokenizer.json with an NFC
normalizer added (tokenizers encodes the normalized text).
"""
import json
import os
import random
import sys
import unicodedata

from tokenizers import Tokenizer, normalizers
from tokenizers import __version__ as tokenizers_version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SBASE, LBASE, VBASE, TBASE, LCOUNT, VCOUNT, TCOUNT = 0xAC00, 0x1100, 0x1161, 0x11A7, 19, 21, 28
NCOUNT, SCOUNT = VCOUNT * TCOUNT, LCOUNT * VCOUNT * TCOUNT

NFC, NFD = normalizers.NFC(), normalizers.NFD()


def code_points():
    return [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]


def build_tables():
    decomp = {}  # cp -> full canonical decomposition (tuple), non-Hangul
    for cp in code_points():
        if SBASE <= cp < SBASE + SCOUNT:
            continue
        d = NFD.normalize_str(chr(cp))
        if d != chr(cp):
            decomp[cp] = tuple(ord(c) for c in d)
    ccc = {}
    for cp in code_points():
        c = unicodedata.combining(chr(cp))
        if c == 0 or cp in decomp:
            continue
        m = chr(cp)
        # a mark of another class placed before it (class 230) or after it (class 1) is moved past
        # it only if tokenizers gives it a class
        if c > 1:
            known = NFD.normalize_str("a" + m + "\u0334") == "a\u0334" + m
        else:
            known = NFD.normalize_str("a\u0301" + m) == "a" + m + "\u0301"
        if known:
            ccc[cp] = c
    comp = {}
    for cp in code_points():
        d = unicodedata.decomposition(chr(cp))
        if not d or d.startswith("<"):
            continue
        parts = [int(x, 16) for x in d.split()]
        if len(parts) != 2:
            continue
        if NFC.normalize_str(chr(parts[0]) + chr(parts[1])) == chr(cp):
            comp[(parts[0], parts[1])] = cp
    return decomp, ccc, comp


def nfc_from_tables(text, decomp, ccc, comp):
    """NFC by the same algorithm as llmc/bpe.h, from the generated tables"""
    seq = []
    for ch in text:
        cp = ord(ch)
        if SBASE <= cp < SBASE + SCOUNT:
            s = cp - SBASE
            seq += [LBASE + s // NCOUNT, VBASE + s % NCOUNT // TCOUNT] + ([TBASE + s % TCOUNT] if s % TCOUNT else [])
        else:
            seq += list(decomp.get(cp, (cp,)))
    i = 0
    while i < len(seq):  # stable sort of each run of marks by class
        if ccc.get(seq[i], 0) == 0:
            i += 1
            continue
        j = i
        while j < len(seq) and ccc.get(seq[j], 0) != 0:
            j += 1
        seq[i:j] = sorted(seq[i:j], key=lambda c: ccc[c])
        i = j
    out, starter, last_cc = [], -1, 0
    for c in seq:
        cc = ccc.get(c, 0)
        if starter >= 0 and (len(out) - 1 == starter or 0 < last_cc < cc):
            a = out[starter]
            composite = None
            if LBASE <= a < LBASE + LCOUNT and VBASE <= c < VBASE + VCOUNT:
                composite = SBASE + ((a - LBASE) * VCOUNT + (c - VBASE)) * TCOUNT
            elif SBASE <= a < SBASE + SCOUNT and (a - SBASE) % TCOUNT == 0 and TBASE < c < TBASE + TCOUNT:
                composite = a + (c - TBASE)
            else:
                composite = comp.get((a, c))
            if composite is not None:
                out[starter] = composite
                continue
        if cc == 0:
            starter = len(out)
        out.append(c)
        last_cc = cc
    return "".join(chr(c) for c in out)


def random_texts(decomp, ccc, comp, rng, count):
    marks = sorted(ccc)
    starters = sorted({a for a, _ in comp})
    seconds = sorted({b for _, b in comp})
    decomposable = sorted(decomp)
    jamo = list(range(LBASE, LBASE + LCOUNT)) + list(range(VBASE, VBASE + VCOUNT)) + list(range(TBASE + 1, TBASE + TCOUNT))
    syllables = [SBASE + rng.randrange(SCOUNT) for _ in range(200)]
    plain = [ord(c) for c in "abc XYZ 019 ,.;!? \t\n"] + [0x3042, 0x4E2D, 0x05D0, 0x0627, 0x0915, 0x1F600, 0x00E9, 0x212B]
    pools = [marks, starters, seconds, decomposable, jamo, syllables, plain]
    texts = []
    for _ in range(count):
        n = rng.randrange(1, 14)
        cps = []
        for _ in range(n):
            pool = pools[rng.randrange(len(pools))]
            cps.append(pool[rng.randrange(len(pool))])
        texts.append("".join(chr(c) for c in cps))
    return texts


def mark_runs(ccc, comp, rng, count):
    """a composable starter followed by 1-4 marks (one in ten: 33-64), some of which compose with it:
    blocking by an equal or zero class, reordering before composing, compositions that compose again"""
    by_first = {}
    for (a, b), c in comp.items():
        by_first.setdefault(a, []).append(b)
    firsts = sorted(by_first)
    marks = sorted(ccc)
    texts = []
    for _ in range(count):
        a = firsts[rng.randrange(len(firsts))]
        seq = [a]
        for _ in range(rng.randrange(1, 5) if rng.random() < 0.9 else rng.randrange(33, 65)):  # past 32: bpe.h's counting sort
            if rng.random() < 0.5:
                seq.append(by_first[a][rng.randrange(len(by_first[a]))])
            else:
                seq.append(marks[rng.randrange(len(marks))])
        texts.append("".join(chr(c) for c in seq))
    return texts


def main():
    decomp, ccc, comp = build_tables()
    # every single code point against tokenizers
    changed = {}
    for cp in code_points():
        ours, theirs = nfc_from_tables(chr(cp), decomp, ccc, comp), NFC.normalize_str(chr(cp))
        if ours != theirs:
            sys.exit(f"U+{cp:04X}: ours {[hex(ord(c)) for c in ours]} tokenizers {[hex(ord(c)) for c in theirs]}")
        if theirs != chr(cp):
            changed[cp] = theirs
    rng = random.Random(20261130)
    texts = [
        "e\u0301", "A\u030a", "\u212b", "\u1100\u1161\u11a8", "\u1100\u1161", "\uac00\u11a8", "\u0958",
        "a\u0316\u0301\u0334", "a\u0301\u0316", "\u1e9b\u0323", "q\u0307\u0323", "\u00e9\u0301",
        "Vie\u0302\u0323t Nam", "ni\u0303o\u0301", "\u05e9\u05bc\u05c1", "\U0001d15f\U0001d165",
        "e\u0301 e\u0301", "\u0344", "\u0f73", "\u0cc6\u0cc2\u0cd5", "\u1100\u1100\u1161",
        "abc", "", "\u00c5\u0301", "a\u0310\u0301", "a\u0301\u0310\u0301", "\u0915\u093c\u094d",
    ] + random_texts(decomp, ccc, comp, rng, 500) + mark_runs(ccc, comp, rng, 300)
    cases = []
    tok = Tokenizer.from_file(os.path.join(ROOT, "test/fixtures/bpe/unicode_tokenizer.json"))
    tok.normalizer = normalizers.NFC()
    for text in texts:
        theirs = NFC.normalize_str(text)
        ours = nfc_from_tables(text, decomp, ccc, comp)
        if ours != theirs:
            sys.exit(f"{[hex(ord(c)) for c in text]}: ours {[hex(ord(c)) for c in ours]} tokenizers {[hex(ord(c)) for c in theirs]}")
        cases.append({"text": text, "nfc": theirs, "ids": tok.encode(text, add_special_tokens=False).ids})

    out = []
    out.append("/*")
    out.append("Unicode NFC normalization data for llmc/bpe.h. Generated by dev/ref/make_unicode_nfc.py from")
    out.append(f"Hugging Face tokenizers {tokenizers_version} (its NFD of every code point, the marks it reorders and the")
    out.append(f"pairs it composes) and Python's unicodedata (Unicode {unicodedata.unidata_version}: combining classes and")
    out.append("one-level decompositions); checked against tokenizers' NFC on every code point. Do not edit by hand.")
    out.append(f"    {len(decomp)} decompositions, {len(ccc)} marks with a combining class, {len(comp)} compositions")
    out.append("*/")
    out.append("#ifndef UNICODE_NFC_H")
    out.append("#define UNICODE_NFC_H")
    out.append("")
    out.append("#include <stdint.h>")
    out.append("")
    def array(decl, items, per_line):
        out.append(f"{decl} = {{")
        for i in range(0, len(items), per_line):
            out.append("    " + " ".join(items[i:i + per_line]))
        out.append("};")

    runs = []  # combining classes as runs of equal class
    for cp in sorted(ccc):
        if runs and runs[-1][1] == cp - 1 and runs[-1][2] == ccc[cp]:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp, ccc[cp]])
    out.append("// canonical combining classes: runs [lo, hi] of one class, sorted by lo; a code point not listed has class 0")
    out.append("typedef struct {\n    uint32_t lo, hi;\n    uint8_t ccc;\n} NfcClassRun;")
    array(f"static const NfcClassRun nfc_class_runs[{len(runs)}]", [f"{{0x{lo:X}, 0x{hi:X}, {c}}}," for lo, hi, c in runs], 4)
    out.append("")
    pool, entries = [], []
    for cp in sorted(decomp):
        entries.append((cp, len(pool), len(decomp[cp])))
        pool += decomp[cp]
    assert len(pool) < 65536 and max(len(d) for d in decomp.values()) <= 4  # uint16_t starts; bpe_nfc_'s 4 per code point
    out.append("// full canonical decompositions (Hangul syllables excepted): code point, start in nfc_decomp_pool, length")
    out.append("typedef struct {\n    uint32_t cp;\n    uint16_t start;\n    uint8_t len;\n} NfcDecomp;")
    array(f"static const NfcDecomp nfc_decomps[{len(entries)}]", [f"{{0x{cp:X}, {s}, {n}}}," for cp, s, n in entries], 4)
    array(f"static const uint32_t nfc_decomp_pool[{len(pool)}]", [f"0x{c:X}," for c in pool], 8)
    out.append("")
    keys = sorted(comp)
    out.append("// primary composites: (first << 21 | second) sorted, and the composite of each")
    array(f"static const uint64_t nfc_comp_keys[{len(keys)}]", [f"0x{(a << 21 | b):X}ull," for a, b in keys], 4)
    array(f"static const uint32_t nfc_comp_values[{len(keys)}]", [f"0x{comp[k]:X}," for k in keys], 8)
    out.append("")
    out.append("#endif // UNICODE_NFC_H")
    with open(os.path.join(ROOT, "llmc/unicode_nfc.h"), "w") as f:
        f.write("\n".join(out) + "\n")
    fixture = {
        "generator": "dev/ref/make_unicode_nfc.py",
        "tokenizers_version": tokenizers_version,
        "tokenizer": "test/fixtures/bpe/unicode_tokenizer.json with normalizer NFC",
        "changed": [[cp, changed[cp]] for cp in sorted(changed)],
        "cases": cases,
    }
    with open(os.path.join(ROOT, "test/fixtures/bpe/nfc_cases.json"), "w") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(decomp)} decompositions, {len(ccc)} marks ({len(runs)} runs), {len(comp)} compositions; "
          f"{len(changed)} code points changed by NFC; {len(cases)} texts")


if __name__ == "__main__":
    main()
