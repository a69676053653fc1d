#!/usr/bin/env python3
"""
HellaSwag as lm-evaluation-harness's hellaswag task renders it, written here in plain Python from the task's
published definition (its utils.py and the harness's multiple-choice scoring), independently of
dev/data/tokenize.c: the reference that test/test_tokenize.sh holds `dev/data/tokenize -c ... -m lmeval` to.

    python3 dev/ref/hellaswag_lmeval.py hellaswag_val.jsonl > rendered.jsonl

For each input line ({"activity_label", "ctx_a", "ctx_b", "endings", "label", ...}) one output line:
    {"context": <query>, "choices": [<choice>, ...], "continuations": [" " + <choice>, ...], "label": k}
where query = preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize()) and choice =
preprocess(ending). The model scores each continuation after the context; lm-evaluation-harness's acc_norm
divides its log-likelihood by len(choice), the choice without the space. Standard library only.
"""
import json
import re
import sys


def preprocess(text):
    text = text.strip()
    text = text.replace(" [title]", ". ")  # WikiHow's section markers
    text = re.sub("\\[.*?\\]", "", text)  # other bracketed artefacts
    text = text.replace("  ", " ")
    return text


def render(doc):
    query = preprocess(doc["activity_label"] + ": " + doc["ctx_a"] + " " + doc["ctx_b"].capitalize())
    choices = [preprocess(e) for e in doc["endings"]]
    return {"context": query, "choices": choices, "continuations": [" " + c for c in choices], "label": int(doc["label"])}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            if line.strip():
                print(json.dumps(render(json.loads(line)), ensure_ascii=True))


if __name__ == "__main__":
    main()
