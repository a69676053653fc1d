#!/usr/bin/env python3
"""
Multiple-choice accuracy of a transformers MambaForCausalLM on an -mc eval file, computed here from the
format (doc/formats.md) with torch, independently of llmc/mc_eval.h: the reference for the trainers'
`-mc` (test/test_hf_transformers.sh compares the two on the same model).

    python3 dev/ref/mc_ref.py MODEL_DIR EVAL_FILE T

Each completion is scored alone: the context's last min(len, T + 1 - len(completion)) tokens, then the
completion, fed as one sequence of at most T tokens (the last token is no input), the cross-entropy summed
over the positions that predict a completion token (in a version 2 file, past the completion's first tokens
that are context). The choice is the least summed loss, the least
mean loss per completion token and, for a byte-level model (vocabulary 256) or a model directory with a
tokenizer.json, the least summed loss per character of the completion's decoded text without the white space
in front that all the example's completions share (lm-evaluation-harness's acc_norm: log-likelihood /
len(choice)); the first of equal ones each time.
An example of one completion is a cloze (LAMBADA): right when every completion token is the argmax, and
its summed loss goes into the perplexity exp(mean summed loss). Prints, as the trainers do:
    mc accuracy <mean-loss choice> (mean token loss), <summed-loss choice> (summed loss)[, <per-character
    choice> (loss per character)] | <n> examples
    cloze accuracy <greedy> (every token the likeliest), perplexity <ppl> | <n> examples
Runs on the CPU in float32 (transformers' sequential path).
"""
import math
import struct
import sys

import torch
import torch.nn.functional as F


def read_eval_file(path):
    data = open(path, "rb").read()
    header = struct.unpack("<256i", data[:1024])
    if header[0] != 20240522 or header[1] not in (1, 2):
        sys.exit("%s: not an eval file (magic %d, version %d)" % (path, header[0], header[1]))
    version = header[1]  # 2: each completion's length is followed by how many of its first tokens are context
    s = struct.unpack("<%dH" % ((len(data) - 1024) // 2), data[1024:])
    examples, pos = [], 0
    for _ in range(header[2]):
        assert s[pos] == 65535, "no start marker"
        label, nc, ctx_len = s[pos + 3], s[pos + 4], s[pos + 5]
        q = pos + 6
        ctx = list(s[q:q + ctx_len])
        q += ctx_len
        comps = []
        for _ in range(nc):
            m, skip = s[q], s[q + 1] if version == 2 else 0
            q += version
            comps.append((skip, list(s[q:q + m])))
            q += m
        assert q - pos == s[pos + 1] // 2, "size field"
        examples.append((label, ctx, comps))
        pos = q
    return examples


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    from transformers import MambaForCausalLM
    model_dir, eval_path, T = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = MambaForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
    examples = read_eval_file(eval_path)
    decode = None  # token ids -> text, for the per-character choice
    if model.config.vocab_size == 256:
        decode = lambda ids: bytes(ids).decode("utf-8")
    else:
        import os
        if os.path.exists(os.path.join(model_dir, "tokenizer.json")):
            from tokenizers import Tokenizer
            tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
            decode = lambda ids: tok.decode(ids, skip_special_tokens=False)
    right_sum = right_mean = right_char = n = 0
    cloze = greedy = 0
    cloze_loss = 0.0
    with torch.no_grad():
        for label, ctx, comps in examples:
            sums, means, greedys = [], [], []
            for skip, comp in comps:
                keep = min(len(ctx), T + 1 - len(comp))
                row = ctx[len(ctx) - keep:] + comp
                inputs = torch.tensor([row[:-1]])
                logits = model(input_ids=inputs, use_cache=False).logits[0].double()
                losses = F.cross_entropy(logits, torch.tensor(row[1:]), reduction="none")
                first = keep + skip - 1  # position p predicts row[p + 1]: the scored tokens from p = keep + skip - 1
                total = losses[first:].sum().item()
                sums.append(total)
                means.append(total / (len(comp) - skip))
                # every scored token the argmax (torch.argmax: the first of equal maxima)
                greedys.append(bool((logits[first:].argmax(dim=-1) == torch.tensor(comp[skip:])).all()))
            if len(comps) == 1:  # a cloze (LAMBADA): greedy accuracy and perplexity, lm-evaluation-harness's
                cloze += 1
                greedy += greedys[0]
                cloze_loss += sums[0]
                continue
            n += 1
            right_sum += min(range(len(sums)), key=lambda i: (sums[i], i)) == label
            right_mean += min(range(len(means)), key=lambda i: (means[i], i)) == label
            if decode is not None:
                texts = [decode(comp[skip:]) for skip, comp in comps]
                # less the white space in front that every completion has (the delimiter, and what a writer moved
                # there from the context's end, as lm-evaluation-harness does): len(choice) counts neither
                shared = min(len(t) - len(t.lstrip()) for t in texts)
                chars = [len(t) - shared for t in texts]
                per_char = [sums[i] / chars[i] if chars[i] > 0 else float("inf") for i in range(len(sums))]
                right_char += min(range(len(per_char)), key=lambda i: (per_char[i], i)) == label
    if n > 0:
        by_char = ", %.6f (loss per character)" % (right_char / n) if decode is not None else ""
        print("mc accuracy %.6f (mean token loss), %.6f (summed loss)%s | %d examples" % (right_mean / n, right_sum / n, by_char, n))
    if cloze > 0:
        print("cloze accuracy %.6f (every token the likeliest), perplexity %.6f | %d examples" % (greedy / cloze, math.exp(cloze_loss / cloze), cloze))

if __name__ == "__main__":
    main()
