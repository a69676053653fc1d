#!/usr/bin/env python3
"""
Hugging Face interop fixtures, made by transformers itself (needs torch + transformers; no network).

    python3 dev/ref/make_hf_fixture.py [--out test/fixtures]
        builds a tiny random MambaForCausalLM (vocab 256, hidden 64, 2 layers, state 16, expand 2,
        conv 4, time_step_rank 4, no in/out bias, conv bias, tied head), and writes
          hf_tiny_fp32/          save_pretrained, fp32 safetensors
          hf_tiny_bf16/          the same weights saved in bf16
          hf_tiny_logits.bin     logits of the fp32 model on fixed tokens (and its loss)
          hf_tiny_bf16_logits.bin  logits of the bf16 weights widened to fp32 and run in fp32:
                                 what an fp32 importer of hf_tiny_bf16 must reproduce
    python3 dev/ref/make_hf_fixture.py --check-export DIR LOGITS [--tol 1e-4]
        loads a directory we exported with from_pretrained, fails on any missing / unexpected /
        mismatched key (from output_loading_info and from the log), and compares its logits on
        LOGITS' tokens with LOGITS' logits (max abs diff <= tol). Exit status 1 on failure.

Logits file (little-endian): int32 header[256] ([0] = 20261126 magic, [1] = 1 version, [2] = B,
[3] = T, [4] = Vp, rest 0), int32 tokens[B*T], float32 logits[B*T*Vp], float32 loss (mean
cross-entropy of next-token prediction, labels = tokens shifted inside transformers; optional
when reading). Everything is computed on the CPU in float32 (transformers' sequential slow path).
"""
import argparse
import copy
import logging
import os
import struct
import sys

import torch

MAGIC = 20261126
VERSION = 1
B, T = 2, 32
SEED = 1234


def dtype_kwarg(transformers, dtype):
    # from_pretrained's `torch_dtype` became `dtype` in transformers 4.56
    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return {"dtype": dtype} if (major, minor) >= (4, 56) else {"torch_dtype": dtype}


def write_logits(path, tokens, logits, loss):
    b, t = tokens.shape
    vp = logits.shape[-1]
    header = [0] * 256
    header[:5] = [MAGIC, VERSION, b, t, vp]
    with open(path, "wb") as f:
        f.write(struct.pack("<256i", *header))
        f.write(struct.pack(f"<{b * t}i", *tokens.flatten().tolist()))
        f.write(struct.pack(f"<{b * t * vp}f", *logits.float().flatten().tolist()))
        f.write(struct.pack("<f", float(loss)))


def read_logits(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 1024:
        sys.exit(f"error: {path}: {len(data)} bytes, shorter than the 1024-byte header")
    header = struct.unpack_from("<256i", data, 0)
    if header[0] != MAGIC or header[1] != VERSION:
        sys.exit(f"error: {path}: bad magic/version {header[0]}/{header[1]}, expected {MAGIC}/{VERSION}")
    b, t, vp = header[2:5]
    if min(b, t, vp) <= 0:
        sys.exit(f"error: {path}: bad sizes B={b} T={t} Vp={vp}")
    need = 1024 + 4 * b * t + 4 * b * t * vp
    if len(data) not in (need, need + 4):
        sys.exit(f"error: {path}: {len(data)} bytes, expected {need} or {need + 4} for B={b} T={t} Vp={vp}")
    tokens = torch.tensor(struct.unpack_from(f"<{b * t}i", data, 1024), dtype=torch.long).view(b, t)
    logits = torch.tensor(struct.unpack_from(f"<{b * t * vp}f", data, 1024 + 4 * b * t)).view(b, t, vp)
    loss = struct.unpack_from("<f", data, need)[0] if len(data) == need + 4 else None
    return tokens, logits, loss


@torch.no_grad()
def forward(model, tokens):
    out = model(input_ids=tokens, labels=tokens, use_cache=False)
    return out.logits.float(), out.loss.float().item()


class KeyWarnings(logging.Handler):
    """Collects transformers log records that talk about checkpoint keys."""
    WORDS = ("missing", "unexpected", "not initialized", "newly initialized", "not used", "mismatch")

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.hits = []

    def emit(self, record):
        msg = record.getMessage()
        if any(w in msg.lower() for w in self.WORDS):
            self.hits.append(msg)


def load_checked(transformers, path):
    """from_pretrained in fp32; returns (model, problems) with every key complaint found."""
    from transformers import MambaForCausalLM
    transformers.logging.set_verbosity_warning()
    handler = KeyWarnings()
    lib_logger = logging.getLogger("transformers")
    lib_logger.addHandler(handler)
    try:
        model, info = MambaForCausalLM.from_pretrained(path, output_loading_info=True,
                                                       **dtype_kwarg(transformers, torch.float32))
    finally:
        lib_logger.removeHandler(handler)
    problems = []
    for key in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
        if info.get(key):
            problems.append(f"{key}: {sorted(map(str, info[key]))}")
    problems += [f"log: {m.strip()[:300]}" for m in handler.hits]
    return model.float().eval(), problems


def make(out_dir):
    import transformers
    from transformers import MambaConfig, MambaForCausalLM

    torch.manual_seed(SEED)
    cfg = MambaConfig(vocab_size=256, hidden_size=64, num_hidden_layers=2, state_size=16, expand=2,
                      conv_kernel=4, time_step_rank=4, layer_norm_epsilon=1e-5, use_bias=False,
                      use_conv_bias=True, tie_word_embeddings=True, residual_in_fp32=True)
    model = MambaForCausalLM(cfg).float().eval()
    # transformers' init leaves norms at 1, conv bias at 0, D at 1, A_log at log(n): move every
    # tensor off its init so that an importer mixing up any two of them changes the logits
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight") or name.endswith("norm_f.weight"):
                p.add_(0.1 * torch.randn_like(p))
            elif name.endswith("conv1d.bias"):
                p.copy_(0.1 * torch.randn_like(p))
            elif name.endswith(".D"):
                p.add_(0.1 * torch.randn_like(p))
            elif name.endswith("A_log"):
                p.add_(0.05 * torch.randn_like(p))
    assert model.lm_head.weight.data_ptr() == model.backbone.embeddings.weight.data_ptr(), "head is not tied"

    gen = torch.Generator().manual_seed(SEED + 1)
    tokens = torch.randint(0, cfg.vocab_size, (B, T), generator=gen)
    logits, loss = forward(model, tokens)
    assert logits.shape == (B, T, cfg.vocab_size)

    os.makedirs(out_dir, exist_ok=True)
    fp32_dir = os.path.join(out_dir, "hf_tiny_fp32")
    bf16_dir = os.path.join(out_dir, "hf_tiny_bf16")
    model.save_pretrained(fp32_dir)
    copy.deepcopy(model).to(torch.bfloat16).save_pretrained(bf16_dir)
    for d in (fp32_dir, bf16_dir):
        if not os.path.exists(os.path.join(d, "model.safetensors")):
            sys.exit(f"error: {d}: save_pretrained did not write model.safetensors")
    write_logits(os.path.join(out_dir, "hf_tiny_logits.bin"), tokens, logits, loss)

    # self-checks: both directories reload cleanly; fp32 reproduces the logits exactly
    ok = True
    m32, problems = load_checked(transformers, fp32_dir)
    re_logits, _ = forward(m32, tokens)
    diff = (re_logits - logits).abs().max().item()
    print(f"reload {fp32_dir}: key problems {problems or 'none'}, max abs logit diff {diff:.3e}")
    ok = ok and not problems and diff == 0.0
    mb, problems = load_checked(transformers, bf16_dir)
    bf_logits, bf_loss = forward(mb, tokens)
    write_logits(os.path.join(out_dir, "hf_tiny_bf16_logits.bin"), tokens, bf_logits, bf_loss)
    bdiff = (bf_logits - logits).abs().max().item()
    print(f"reload {bf16_dir} (as fp32): key problems {problems or 'none'}, "
          f"max abs diff vs fp32 logits {bdiff:.3e} (bf16 weight rounding)")
    ok = ok and not problems

    total = 0
    for root, _, files in os.walk(out_dir):
        for f in files:
            if f.startswith("hf_tiny") or "hf_tiny" in root:
                total += os.path.getsize(os.path.join(root, f))
    print(f"transformers {transformers.__version__}, torch {torch.__version__}: "
          f"B={B} T={T} Vp={cfg.vocab_size} loss {loss:.6f} (bf16 weights: {bf_loss:.6f}); fixtures {total} bytes")
    if total >= 2 << 20:
        print("FAIL: fixtures are 2 MB or more")
        ok = False
    return ok


def check_export(path, logits_path, tol):
    import transformers
    tokens, want, want_loss = read_logits(logits_path)
    model, problems = load_checked(transformers, path)
    for p in problems:
        print(f"FAIL {path}: {p}")
    ok = not problems
    vp = want.shape[-1]
    if model.config.vocab_size != vp:
        print(f"FAIL {path}: vocab_size {model.config.vocab_size}, but {logits_path} has Vp={vp}")
        return False
    if not torch.equal(model.lm_head.weight, model.backbone.embeddings.weight):
        print(f"FAIL {path}: lm_head.weight is not the embedding after loading (head not tied)")
        ok = False
    got, loss = forward(model, tokens)
    diff = (got - want).abs().max().item()
    peak = want.abs().max().item()
    print(f"{path}: transformers {transformers.__version__} logits vs {logits_path}: max abs diff {diff:.3e} "
          f"(max |logit| {peak:.3f}), tol {tol:g}: {'PASS' if diff <= tol else 'FAIL'}")
    if want_loss is not None:
        print(f"  loss: transformers {loss:.6f}, file {want_loss:.6f} (informational)")
    return ok and diff <= tol


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "test", "fixtures"),
                    help="fixture directory (default: test/fixtures)")
    ap.add_argument("--check-export", nargs=2, metavar=("DIR", "LOGITS"),
                    help="check that transformers loads DIR cleanly and reproduces LOGITS")
    ap.add_argument("--tol", type=float, default=1e-4, help="max abs logit difference for --check-export")
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(8, os.cpu_count() or 1)))
    if args.check_export:
        ok = check_export(args.check_export[0], args.check_export[1], args.tol)
    else:
        ok = make(os.path.normpath(args.out))
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
