#!/usr/bin/env bash
# transformers loads what -hf exports: each built trainer imports the transformers-written fixture
# (test/fixtures/hf_tiny_fp32), exports it with -hf, and dev/ref/make_hf_fixture.py --check-export loads
# the export with MambaForCausalLM and compares its logits with the fixture's (1e-4: the weights go
# through fp32 unchanged). Needs python3 with torch and transformers (the GPU machine has them); elsewhere
# every check is reported as SKIP, not counted as passed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -u
cd "$(dirname "$0")/.." || exit 1
. test/check.sh
TMP=$(mktemp -d); trap 'in_main_shell && rm -rf "$TMP"' EXIT
# (transformers 5.x imports on an older torch, e.g. Debian's 1.13, but leaves its models out: MambaForCausalLM is then
# a placeholder whose every attribute raises, which is asked here)
if ! python3 -c "import torch, transformers; from transformers import MambaForCausalLM; MambaForCausalLM.from_pretrained" > /dev/null 2>&1; then
    echo "SKIP hf_export_loads_in_transformers: no python3 with torch and a transformers that runs MambaForCausalLM on it (not counted as passed)"
else
    bins=(train_mamba)
    if [ -x ./train_mamba_cu ] && nvidia-smi -L > /dev/null 2>&1; then bins+=(train_mamba_cu); fi
    for bin in "${bins[@]}"; do
        if ! "./$bin" -e test/fixtures/hf_tiny_fp32 -b 4 -t 32 -x 0 -m 1 -hf "$TMP/exp_$bin" > "$TMP/exp_$bin.log" 2>&1; then
            bad "hf_export_loads_in_transformers_$bin" "export failed: $(tail -n 1 "$TMP/exp_$bin.log")"; continue
        fi
        out=$(timeout 300 python3 dev/ref/make_hf_fixture.py --check-export "$TMP/exp_$bin" test/fixtures/hf_tiny_logits.bin 2>&1); rc=$?
        if [ $rc -eq 0 ] && echo "$out" | grep -q "max abs diff .*: PASS$"; then
            ok "hf_export_loads_in_transformers_$bin ($(echo "$out" | grep -o 'max abs diff [0-9.e+-]*'))"
        else bad "hf_export_loads_in_transformers_$bin" "rc $rc: $(echo "$out" | tail -n 2 | tr '\n' ' ')"; fi
    done
    # transformers' own sharded save without safetensors (save_pretrained(safe_serialization=False) with a small
    # max_shard_size: pytorch_model.bin.index.json and its pytorch_model-0000i-of-0000n.bin): each trainer reads it to
    # the same val loss, to the digit, as the fixture it was loaded from. transformers 5 ignores safe_serialization=False
    # and writes safetensors only; there the same layout (the index's weight_map and metadata.total_size, one
    # torch.save per shard, the tied lm_head left out as transformers 4 did) is written here with this torch, and the
    # line says so.
    sh=$(timeout 300 python3 - "$TMP/sharded" <<'PY' 2>&1
import glob, json, os, sys
import torch, transformers
from transformers import MambaForCausalLM
out = sys.argv[1]
model = MambaForCausalLM.from_pretrained("test/fixtures/hf_tiny_fp32")
how = "transformers " + transformers.__version__
try:
    model.save_pretrained(out, safe_serialization=False, max_shard_size="100KB")
except (TypeError, ValueError) as e:
    how = "torch.save (transformers refused: %s)" % type(e).__name__
if not glob.glob(os.path.join(out, "pytorch_model-*.bin")):
    if how.startswith("transformers"):
        how = "torch.save (%s wrote %s)" % (how, " ".join(sorted(os.listdir(out)))[:120])
    for f in glob.glob(os.path.join(out, "model*.safetensors*")):
        os.remove(f)
    sd = model.state_dict()
    emb = sd["backbone.embeddings.weight"]
    if "lm_head.weight" in sd and sd["lm_head.weight"].data_ptr() == emb.data_ptr():
        del sd["lm_head.weight"]
    shards, cur, size = [], {}, 0
    for name, t in sd.items():
        nbytes = t.numel() * t.element_size()
        if cur and size + nbytes > 100_000:
            shards.append(cur); cur, size = {}, 0
        cur[name] = t.contiguous().clone(); size += nbytes
    shards.append(cur)
    wmap, total = {}, 0
    for i, shard in enumerate(shards):
        fname = "pytorch_model-%05d-of-%05d.bin" % (i + 1, len(shards))
        torch.save(shard, os.path.join(out, fname))
        for name, t in shard.items():
            wmap[name] = fname; total += t.numel() * t.element_size()
    with open(os.path.join(out, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": wmap}, f, indent=2)
print("shards", len(glob.glob(os.path.join(out, "pytorch_model-*.bin"))),
      "index", os.path.exists(os.path.join(out, "pytorch_model.bin.index.json")),
      "safetensors", len(glob.glob(os.path.join(out, "*.safetensors"))), "written by", how)
PY
)
    for bin in "${bins[@]}"; do
        if [[ "$sh" == SKIP* ]]; then echo "SKIP transformers_sharded_bin_reads_$bin: ${sh#SKIP } (not counted as passed)"; continue; fi
        want=$("./$bin" -e test/fixtures/hf_tiny_fp32 -b 4 -t 32 -x 0 -m 2 2>&1 | grep '^val loss')
        got=$("./$bin" -e "$TMP/sharded" -b 4 -t 32 -x 0 -m 2 2>&1 | grep -E '^(val loss|error)')
        if [[ "$sh" == *"index True"* ]] && [[ "$sh" != *"shards 0 "* ]] && [[ "$sh" != *"shards 1 "* ]] && [[ "$sh" == *"safetensors 0 "* ]] && [ -n "$want" ] && [ "$want" = "$got" ]; then
            ok "transformers_sharded_bin_reads_$bin ($(echo "$sh" | tail -n 1))"
        else bad "transformers_sharded_bin_reads_$bin" "$(echo "$sh" | tail -n 1): '$want' vs '$got'"; fi
    done
    # -mc against dev/ref/mc_ref.py (transformers, fp32) on the transformers-written fixture: 80 examples of random
    # words (contexts of up to 60 bytes, cut to fit -t 32; some words of two-byte characters, so characters are not
    # bytes), 2 to 4 endings each, all three choices (the per-character one decoded here from the bytes, there by
    # mc_set_chars). The CPU trainer (fp32) must make the same choices. The GPU trainer computes in bf16 (~2e-3 relative per value), which can turn a choice
    # between endings whose losses differ by less than that: up to 4 of the 80 (5%) may differ there.
    python3 - "$TMP/mc.jsonl" <<'PY'
import json, random, sys
r = random.Random(7)
words = "the a of to and in is it that he was for on are with as his they be at one have this from or had by caf\u00e9 na\u00efve \u00fcber".split()
with open(sys.argv[1], "w") as f:
    for i in range(80):
        ctx = " ".join(r.choice(words) for _ in range(r.randint(1, 14)))[:60]
        ends = [" ".join(r.choice(words) for _ in range(r.randint(1, 4))) for _ in range(r.randint(2, 4))]
        f.write(json.dumps({"ctx": ctx, "endings": ends, "label": r.randrange(len(ends))}) + "\n")
PY
    # compare_mc <name> <eval file>: each trainer's three figures against mc_ref.py's
    compare_mc() {
        local ref got bin a b c d e f limit
        ref=$(timeout 600 python3 dev/ref/mc_ref.py test/fixtures/hf_tiny_fp32 "$2" 32 2>&1 | grep '^mc accuracy')
        for bin in "${bins[@]}"; do
            got=$("./$bin" -e test/fixtures/hf_tiny_fp32 -b 4 -t 32 -x 0 -m 1 -mc "$2" 2>&1 | grep '^mc accuracy')
            read -r a b e <<< "$(echo "$ref" | awk '{print $3, $7, $10}')"
            read -r c d f <<< "$(echo "$got" | awk '{print $3, $7, $10}')"
            limit=0; [ "$bin" = train_mamba_cu ] && limit=0.05
            # both lines must carry the per-character figure (field 10 would otherwise be the "|" that follows)
            if [[ "$ref" == *"(loss per character)"* ]] && [[ "$got" == *"(loss per character)"* ]] && awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" -v e="$e" -v f="$f" -v l="$limit" \
                   'function near(x, y) { return x - y <= l + 1e-9 && y - x <= l + 1e-9 } BEGIN { exit !(near(a, c) && near(b, d) && near(e, f)) }'; then
                ok "$1_$bin (per token $c vs $a, summed $d vs $b, per character $f vs $e)"
            else bad "$1_$bin" "ours: '$got'; transformers: '$ref'"; fi
        done
    }
    if ! ./dev/data/tokenize -t bytes -c "$TMP/mc.bin" "$TMP/mc.jsonl" > /dev/null; then bad "mc_eval_matches_transformers" "tokenize -c failed"
    else compare_mc mc_eval_matches_transformers "$TMP/mc.bin"; fi
    # WinoGrande's form (tokenize -m winogrande: format version 2, each option in the blank as context, the rest of
    # the sentence alone scored): 60 random sentences of the same words, some with the blank first (no shared context)
    python3 - "$TMP/wg.jsonl" <<'PY'
import json, random, sys
r = random.Random(5)
words = "the a of to and in is it that he was for on are with as his they be at one have this from caf\u00e9".split()
with open(sys.argv[1], "w") as f:
    for i in range(60):
        before = " ".join(r.choice(words) for _ in range(r.randint(0, 5)))
        after = " ".join(r.choice(words) for _ in range(r.randint(1, 4)))
        sentence = (before + " _ " if before else "_ ") + after + "."
        f.write(json.dumps({"sentence": sentence, "option1": r.choice(words), "option2": r.choice(words) + " " + r.choice(words),
                            "answer": str(r.randint(1, 2))}) + "\n")
PY
    if ! ./dev/data/tokenize -t bytes -c "$TMP/wg.bin" -m winogrande "$TMP/wg.jsonl" > /dev/null; then bad "mc_winogrande_matches_transformers" "tokenize -c failed"
    else compare_mc mc_winogrande_matches_transformers "$TMP/wg.bin"; fi
    # -mc on a cloze file (LAMBADA's form: one completion per example) against mc_ref.py: 40 examples, a context
    # of random words (at most 20 bytes: no cut at -t 32) and a completion of 1 to 4 bytes; in every other example
    # the completion is the fixture model's own greedy continuation (transformers, argmax), so about half are
    # right and a greedy test that always says yes or always no fails. The file is written here from the format
    # (doc/formats.md), independently of tokenize. The CPU trainer must count the same examples right and agree on
    # the perplexity exp(mean summed loss) to 1e-4 relative (fp32, other summation orders: 1e-4 on its log). The GPU trainer's bf16
    # logits (~2e-3 relative per value) can break a near-tie for the argmax: up to 2 of the 40 may differ, and its
    # log perplexity may be 1% off (the summed losses of ~4 tokens of ~5.5 nats, each ~2e-3 off).
    python3 - "$TMP/cloze.bin" test/fixtures/hf_tiny_fp32 <<'PY'
import random, struct, sys
import torch
from transformers import MambaForCausalLM
model = MambaForCausalLM.from_pretrained(sys.argv[2], torch_dtype=torch.float32).eval()
r = random.Random(11)
words = "the a of to and in is it that he was for on are with as his they be at one".split()
examples = []
for i in range(40):
    ctx = list((" ".join(r.choice(words) for _ in range(r.randint(1, 6)))[:20]).encode())
    n = r.randint(1, 4)
    if i % 2 == 0:
        comp = [r.randrange(256) for _ in range(n)]
    else:
        comp, row = [], list(ctx)
        with torch.no_grad():
            for _ in range(n):
                nxt = int(model(input_ids=torch.tensor([row]), use_cache=False).logits[0, -1].argmax())
                comp.append(nxt); row.append(nxt)
    body = [0, 1, len(ctx)] + ctx + [len(comp)] + comp  # label 0, one completion
    ex = [65535, 2 * (3 + len(body)), i] + body
    examples.append(ex)
longest = max(2 * len(e) for e in examples)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<256i", 20240522, 1, len(examples), longest, *([0] * 252)))
    for e in examples:
        f.write(struct.pack("<%dH" % len(e), *e))
PY
    ref=$(timeout 600 python3 dev/ref/mc_ref.py test/fixtures/hf_tiny_fp32 "$TMP/cloze.bin" 32 2>&1 | grep '^cloze accuracy')
    for bin in "${bins[@]}"; do
        got=$("./$bin" -e test/fixtures/hf_tiny_fp32 -b 4 -t 32 -x 0 -m 1 -mc "$TMP/cloze.bin" 2>&1 | grep '^cloze accuracy')
        read -r a b <<< "$(echo "$ref" | awk '{print $3, $9}')"
        read -r c d <<< "$(echo "$got" | awk '{print $3, $9}')"
        acc=0; lp=0; [ "$bin" = train_mamba_cu ] && { acc=0.05; lp=0.01; }
        if [[ "$ref" == *"| 40 examples"* ]] && [[ "$got" == *"| 40 examples"* ]] &&
           awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" -v acc="$acc" -v lp="$lp" 'BEGIN {
               x = log(b); y = log(d); l = lp > 0 ? lp * x : 1e-4
               exit !(a >= 0.3 && a <= 0.7 && a - c <= acc + 1e-9 && c - a <= acc + 1e-9 && x - y <= l && y - x <= l) }'; then
            ok "mc_cloze_matches_transformers_$bin (greedy $c vs $a, perplexity $d vs $b)"
        else bad "mc_cloze_matches_transformers_$bin" "ours: '$got'; transformers: '$ref'"; fi
    done
fi
# the installed torch (2.x on the GPU machine; the fixtures under test/fixtures/torch were written by 1.13) saves
# hf_tiny_fp32's weights as mamba_ssm does (dev/ref/make_torch_fixture.py's state_dict_of: mamba_ssm's names, the
# tied head, views into one storage): each trainer reads that pytorch_model.bin (-e <dir>) to the same val loss,
# to the digit, as the safetensors fixture
if ! python3 -c "import torch" > /dev/null 2>&1; then
    echo "SKIP torch_save_of_this_torch_reads: no python3 with torch (not counted as passed)"
else
    tv=$(python3 - "$TMP/torch_now" <<'PY' 2>&1
import sys
sys.path.insert(0, "dev/ref")
import torch
from make_torch_fixture import state_dict_of, write_dir
write_dir(sys.argv[1], state_dict_of("test/fixtures/hf_tiny_fp32"))
print(torch.__version__)
PY
)
    bins=(train_mamba)
    if [ -x ./train_mamba_cu ] && nvidia-smi -L > /dev/null 2>&1; then bins+=(train_mamba_cu); fi
    for bin in "${bins[@]}"; do
        want=$("./$bin" -e test/fixtures/hf_tiny_fp32 -b 4 -t 32 -x 0 -m 2 2>&1 | grep '^val loss')
        got=$("./$bin" -e "$TMP/torch_now" -b 4 -t 32 -x 0 -m 2 2>&1 | grep '^val loss')
        if [ -n "$want" ] && [ "$want" = "$got" ]; then ok "torch_save_of_this_torch_reads_$bin (torch $(echo "$tv" | tail -n 1))"
        else bad "torch_save_of_this_torch_reads_$bin" "torch $(echo "$tv" | tail -n 1): '$want' vs '$got': $("./$bin" -e "$TMP/torch_now" -b 4 -t 32 -x 0 -m 2 2>&1 | tail -n 1)"; fi
    done
    # ... and saved without CRC-32s (torch.serialization.set_crc32_options(False), in torch 2.x): the file's every CRC
    # field is 0 (the script checks that, so the reader's rule rests on what torch writes), and each trainer reads it,
    # with its note, to the same val loss
    nc=$(python3 - "$TMP/torch_nocrc" <<'PY' 2>&1
import sys, zipfile
sys.path.insert(0, "dev/ref")
import torch, torch.serialization as ts
from make_torch_fixture import state_dict_of, write_dir
if not hasattr(ts, "set_crc32_options"):
    print("SKIP", torch.__version__)
    sys.exit(0)
ts.set_crc32_options(False)
path = write_dir(sys.argv[1], state_dict_of("test/fixtures/hf_tiny_fp32"))
with zipfile.ZipFile(path) as z:
    crcs = [i.CRC for i in z.infolist() if i.file_size > 0]
print("crcs", len(crcs), "nonzero", sum(c != 0 for c in crcs), "torch", torch.__version__)
PY
)
    if [[ "$nc" == SKIP* ]]; then echo "SKIP torch_save_without_crc_reads: torch ${nc#SKIP } has no set_crc32_options (not counted as passed)"
    else
        for bin in "${bins[@]}"; do
            want=$("./$bin" -e test/fixtures/hf_tiny_fp32 -b 4 -t 32 -x 0 -m 2 2>&1 | grep '^val loss')
            out=$("./$bin" -e "$TMP/torch_nocrc" -b 4 -t 32 -x 0 -m 2 2>&1)
            if [[ "$nc" == *"nonzero 0 "* ]] && [ -n "$want" ] && [ "$want" = "$(echo "$out" | grep '^val loss')" ] &&
               echo "$out" | grep -q "^note: .*was saved without CRC-32s"; then ok "torch_save_without_crc_reads_$bin ($(echo "$nc" | tail -n 1))"
            else bad "torch_save_without_crc_reads_$bin" "$(echo "$nc" | tail -n 1): '$want' vs '$(echo "$out" | grep -E '^(val loss|error)')'"; fi
        done
    fi
fi
finish_checks
