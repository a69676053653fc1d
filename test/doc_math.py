#!/usr/bin/env python3
"""Checks the $...$ and $$...$$ math of Markdown pages for what GitHub's rendering changes. GitHub renders
the page as Markdown first, so inside math, too, a backslash before ASCII punctuation is an escape and
disappears: \\, shows as a comma, \\; as a semicolon, \\| as |, \\{ as {. Write \\Vert, \\lbrace, or
no space macro at all. An inline span must also start and end with a non-space ($x = $ is no math).
For test_cli.sh (standard library only).

usage: doc_math.py <page.md> ...
Prints "ok: N math spans in M pages" or one line per problem (exit 1).
"""
import re
import string
import sys

PUNCT = re.escape(string.punctuation)
problems, spans = [], 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)  # fenced code
    for para in re.split(r"\n\s*\n", text):
        para = re.sub(r"(`+).+?\1", "", para, flags=re.S)  # code spans
        found = [(m, True) for m in re.findall(r"\$\$(.+?)\$\$", para, flags=re.S)]
        para = re.sub(r"\$\$(.+?)\$\$", "", para, flags=re.S)
        found += [(m, False) for m in re.findall(r"\$(.+?)\$", para, flags=re.S)]
        for math, display in found:
            spans += 1
            shown = " ".join(math.split())[:80]
            for esc in re.findall(r"\\[" + PUNCT + "]", math):
                problems.append(f"{path}: {esc} in ${shown}$ (Markdown eats the backslash)")
            if not display and math != math.strip():
                problems.append(f"{path}: space inside the delimiters of ${shown}$")
for p in problems:
    print(p)
if not problems:
    print(f"ok: {spans} math spans in {len(sys.argv) - 1} pages")
sys.exit(1 if problems else 0)
