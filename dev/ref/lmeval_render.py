#!/usr/bin/env python3
"""
Multiple-choice tasks as lm-evaluation-harness renders them, written here in plain Python from the tasks'
published definitions (hellaswag's utils.py; the piqa and arc task files), independently of dev/data/tokenize.c:
the reference that test/test_tokenize.sh holds `dev/data/tokenize -c ... -m hellaswag|piqa|arc|lambada|winogrande` to.

    python3 dev/ref/lmeval_render.py hellaswag|piqa|arc|lambada|winogrande input.jsonl > rendered.jsonl

For each input line one output line {"context": ..., "choices": [...], "continuations": [" " + choice, ...],
"label": k}; the model scores each continuation after the context, and lm-evaluation-harness's acc_norm
divides its log-likelihood by len(choice), the choice without the space. As lm-evaluation-harness's
_encode_pair does, white space at the end of the rendered context is moved to the front of every
continuation (hellaswag's preprocess can leave a space there: a context ending in " [title]" or "[step]").
  hellaswag  {"activity_label", "ctx_a", "ctx_b", "endings", "label"}: context preprocess(activity_label + ": " +
             ctx_a + " " + ctx_b.capitalize()), choices preprocess(ending)
  piqa       {"goal", "sol1", "sol2", "label"}: context "Question: " + goal + "\\nAnswer:", choices sol1, sol2
  arc        {"question", "choices": {"text", "label"}, "answerKey"}: context "Question: " + question +
             "\\nAnswer:", choices choices.text, label choices.label.index(answerKey)
  lambada    {"text"} (lambada_openai): context " ".join(text.split(" ")[:-1]), the one choice text.split(" ")[-1]
             (a cloze: the trainers score whether every token of it is the likeliest, and a perplexity)
  winogrande {"sentence", "option1", "option2", "answer"}: the choices are contexts, sentence[:i] + option with
             i = sentence.index("_"), each followed by the one continuation " " + sentence[i + 1:].strip(), which
             alone is scored; the output line has "contexts" (one per choice) instead of "context", and "target"
Standard library only.
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


def render(task, doc):
    if task == "hellaswag":
        context = preprocess(doc["activity_label"] + ": " + doc["ctx_a"] + " " + doc["ctx_b"].capitalize())
        choices = [preprocess(e) for e in doc["endings"]]
        label = int(doc["label"])
    elif task == "piqa":
        context = "Question: " + doc["goal"] + "\nAnswer:"
        choices = [doc["sol1"], doc["sol2"]]
        label = int(doc["label"])
    elif task == "lambada":
        words = doc["text"].split(" ")
        context = " ".join(words[:-1])
        choices = [words[-1]]
        label = 0
    elif task == "winogrande":
        i = doc["sentence"].index("_")
        contexts = [doc["sentence"][:i] + doc[k] for k in ("option1", "option2")]
        target = doc["sentence"][i + 1:].strip()
        out = {"contexts": [], "continuations": [], "target": target, "label": int(doc["answer"]) - 1}
        for c in contexts:  # _encode_pair, for each context
            moved = c[len(c.rstrip()):]
            out["contexts"].append(c[:len(c) - len(moved)])
            out["continuations"].append(moved + " " + target)
        return out
    elif task == "arc":
        context = "Question: " + doc["question"] + "\nAnswer:"
        choices = doc["choices"]["text"]
        label = doc["choices"]["label"].index(doc["answerKey"])
    else:
        sys.exit("unknown task %r (hellaswag, piqa, arc, lambada or winogrande)" % task)
    # lm-evaluation-harness's _encode_pair: white space at the context's end moves to the front of each continuation
    moved = context[len(context.rstrip()):]
    context = context[:len(context) - len(moved)]
    return {"context": context, "choices": choices, "continuations": [moved + " " + c for c in choices], "label": label}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            if line.strip():
                print(json.dumps(render(sys.argv[1], json.loads(line)), ensure_ascii=True))


if __name__ == "__main__":
    main()
