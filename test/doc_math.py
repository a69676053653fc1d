#!/usr/bin/env python3
"""Checks the $...$ and $$...$$ math of Markdown pages for what GitHub's rendering changes. GitHub renders
the page as Markdown first, so inside math, too, a backslash before ASCII punctuation is an escape and
disappears: \\, shows as a comma, \\; as a semicolon, \\| as |, \\{ as {. Write \\Vert, \\lbrace, or
no space macro at all. An inline span must also start and end with a non-space ($x = $ is no math).
Also checks the sums written out in the text (outside code): in a chain of whole numbers with · and +,
"8·2048·1536·16 = 402,653,184", every side must have the same value (doc/backward.md's memory figures).
For test_cli.sh (standard library only).

usage: doc_math.py <page.md> ...
Prints "ok: N math spans, S sums in M pages" or one line per problem (exit 1).
"""
import re
import string
import sys

PUNCT = re.escape(string.punctuation)
# a whole number (1,234 thousands separated; not part of a word or a decimal), · + ( ) = or spaces:
# anything else ends a chain
WHOLE = r"(?<!\w)(?<!\d\.)(?:\d{1,3}(?:,\d{3})+|\d+)(?!\w|\.\d)"
ARITH = re.compile(WHOLE + r"|[·+()=]| +")
problems, spans, sums = [], 0, 0


def value(side):
    """The side's value, or None where it is not a sum of products of whole numbers."""
    side = side.strip()
    while side.startswith("(") and side.count("(") > side.count(")"):
        side = side[1:].strip()
    while side.endswith(")") and side.count(")") > side.count("("):
        side = side[:-1].strip()
    expr = side.replace(",", "").replace("·", "*")
    if not re.fullmatch(r"[\d*+() ]+", expr) or not re.search(r"\d", expr):
        return None
    # a number or ")" before "(", or ")" before a number, is no sum: "942 (1)" (a note's number after a sum) reads in
    # Python as a call, 942(1), which raised TypeError (and warned on stderr) and ended the checker
    if re.search(r"[\d)] *\(|\) *\d", expr):
        return None
    try:
        return eval(expr, {"__builtins__": {}})  # digits, * + and parentheses only (the fullmatch above)
    except SyntaxError:
        return None


def check_sums(path, text):
    global sums
    for line in text.splitlines():
        pos = 0
        while pos < len(line):
            m = ARITH.match(line, pos)
            if m is None:
                pos += 1
                continue
            end = m.end()
            while (n := ARITH.match(line, end)) is not None and n.end() > end:
                end = n.end()
            chain, pos = line[m.start():end], end
            sides = chain.split("=")
            if len(sides) < 2 or not any(c in chain for c in "·+"):
                continue
            vals = [value(s) for s in sides]
            if None in vals:
                continue
            sums += 1
            if len(set(vals)) > 1:
                shown = " = ".join(s.strip() for s in sides)
                problems.append(f"{path}: {shown} does not hold (the sides are {', '.join(str(v) for v in vals)})")


for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)  # fenced code
    for para in re.split(r"\n\s*\n", text):
        para = re.sub(r"(`+).+?\1", "", para, flags=re.S)  # code spans
        check_sums(path, para)
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
    print(f"ok: {spans} math spans, {sums} sums in {len(sys.argv) - 1} pages")
sys.exit(1 if problems else 0)
