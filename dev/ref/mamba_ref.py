#!/usr/bin/env python3
"""
Independent PyTorch reference for the Mamba-1 LM (mamba_ssm's MambaLMHeadModel, transformers'
MambaForCausalLM: the same math, initialisation and parameter names).

Plain functions over a dict of parameter tensors, autograd for gradients, a
sequential Python loop over time for the selective scan (clarity over speed).
It builds a tiny model, runs forward + backward + 10 hand-written AdamW steps on
one fixed batch, runs self-checks, and writes the fixture that the C tests read:

    python3 dev/ref/mamba_ref.py                 # writes test/fixtures/mamba_tiny.bin
    python3 dev/ref/mamba_ref.py --check-only    # self-checks only, writes nothing
    python3 dev/ref/mamba_ref.py --double        # compute in float64 (fixture still float32)

Another shape (any flag left out keeps mamba_tiny's value; --out is then required):

    python3 dev/ref/mamba_ref.py --V 250 --C 48 --L 2 --N 8 --K 3 --Di 96 --B 2 --T 77 --seed 7 --out test/fixtures/mamba_small2.bin

Vp = V rounded up to a multiple of 8 (llmc/model_config.h's padded_vocab_size); the padded
rows of wte are parameters like the others, their logits are in the softmax, never targets.

Self-checks (exit status 1 if any fails):
  (a) central finite differences (float64, h=1e-5) vs autograd, a few entries per tensor
  (b) recurrent one-token step (conv_state, ssm_state) == full forward logits
  (c) Hugging Face transformers MambaForCausalLM logits == ours (only if importable and it runs on this torch)
"""
import argparse
import hashlib
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

MAGIC = 20261124
VERSION = 1

# canonical parameter order of the project (name, decayed?)
PARAM_ORDER = [
    ("wte", True),
    ("norm_w", False),
    ("in_proj_w", True),
    ("conv_w", True),
    ("conv_b", False),
    ("x_proj_w", True),
    ("dt_proj_w", True),
    ("dt_proj_b", False),
    ("A_log", False),
    ("D", False),
    ("out_proj_w", True),
    ("norm_f_w", False),
]


class Config:
    # defaults: mamba_tiny.bin. Di defaults to expand*C, R to ceil(C/16) (the released models' rule)
    def __init__(self, V=256, C=64, L=2, expand=2, N=16, K=4, B=2, T=64, eps=1e-5, Di=None, R=None):
        self.V = V
        self.Vp = ((V + 7) // 8) * 8   # llmc/model_config.h: padded_vocab_size = ((V + 7) / 8) * 8
        self.C = C
        self.L = L
        self.Di = expand * C if Di is None else Di
        self.N = N
        self.K = K
        self.R = math.ceil(C / 16) if R is None else R
        self.B = B
        self.T = T
        self.eps = eps

    def shapes(self):
        V, C, L, Di, N, K, R = self.Vp, self.C, self.L, self.Di, self.N, self.K, self.R
        return {
            "wte": (V, C),
            "norm_w": (L, C),
            "in_proj_w": (L, 2 * Di, C),
            "conv_w": (L, Di, K),
            "conv_b": (L, Di),
            "x_proj_w": (L, R + 2 * N, Di),
            "dt_proj_w": (L, Di, R),
            "dt_proj_b": (L, Di),
            "A_log": (L, Di, N),
            "D": (L, Di),
            "out_proj_w": (L, C, Di),
            "norm_f_w": (C,),
        }


# ----------------------------------------------------------------------------
# initialisation (spec "Initialisation"), torch RNG, float32

def init_params(cfg):
    C, L, Di, N, K, R = cfg.C, cfg.L, cfg.Di, cfg.N, cfg.K, cfg.R
    f32 = torch.float32

    def uni(shape, bound):
        return (torch.rand(shape, dtype=f32) * 2.0 - 1.0) * bound

    p = {}
    p["wte"] = torch.randn(cfg.Vp, C, dtype=f32) * 0.02
    p["norm_w"] = torch.ones(L, C, dtype=f32)
    p["in_proj_w"] = uni((L, 2 * Di, C), 1.0 / math.sqrt(C))
    p["conv_w"] = uni((L, Di, K), 1.0 / math.sqrt(K))
    p["conv_b"] = uni((L, Di), 1.0 / math.sqrt(K))
    p["x_proj_w"] = uni((L, R + 2 * N, Di), 1.0 / math.sqrt(Di))
    p["dt_proj_w"] = uni((L, Di, R), R ** -0.5)
    # dt = exp(U(ln 1e-3, ln 1e-1)), clamp >= 1e-4, b_dt = inverse softplus(dt)
    lo, hi = math.log(1e-3), math.log(1e-1)
    dt = torch.exp(torch.rand(L, Di, dtype=torch.float64) * (hi - lo) + lo).clamp(min=1e-4)
    p["dt_proj_b"] = (dt + torch.log(-torch.expm1(-dt))).to(f32)
    p["A_log"] = torch.log(torch.arange(1, N + 1, dtype=f32)).repeat(L, Di, 1).contiguous()
    p["D"] = torch.ones(L, Di, dtype=f32)
    p["out_proj_w"] = uni((L, C, Di), 1.0 / math.sqrt(Di)) / math.sqrt(L)
    p["norm_f_w"] = torch.ones(C, dtype=f32)
    shapes = cfg.shapes()
    for name, _ in PARAM_ORDER:
        assert tuple(p[name].shape) == shapes[name], name
    return p


def make_batch(cfg):
    B, T = cfg.B, cfg.T
    inputs = torch.randint(0, cfg.V, (B, T), dtype=torch.int64)
    targets = torch.randint(0, cfg.V, (B, T), dtype=torch.int64)
    ignore = torch.rand(B, T) < 0.10
    for b in range(B):
        if not bool(ignore[b].any()):
            ignore[b, int(torch.randint(0, T, (1,)))] = True
    targets[ignore] = -1
    return inputs, targets


# ----------------------------------------------------------------------------
# model

def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def silu(v):
    return v * torch.sigmoid(v)


def softplus(v):
    # log(1 + exp(v)), and v itself where v > 20 (same as F.softplus default threshold)
    return F.softplus(v, beta=1.0, threshold=20.0)


def mixer_full(p, l, h, cfg):
    """h: (B, T, C) normed input of layer l -> (B, T, C) mixer output."""
    Bsz, T, _ = h.shape
    Di, N, K, R = cfg.Di, cfg.N, cfg.K, cfg.R
    xz = h @ p["in_proj_w"][l].t()                      # (B, T, 2Di)
    x, z = xz[..., :Di], xz[..., Di:]
    # causal depthwise conv, zero padded on the left
    xpad = torch.cat([x.new_zeros(Bsz, K - 1, Di), x], dim=1)  # (B, T+K-1, Di)
    w = p["conv_w"][l]                                   # (Di, K)
    xc = p["conv_b"][l].expand(Bsz, T, Di)
    for k in range(K):
        xc = xc + w[:, k] * xpad[:, k:k + T, :]          # w[k] * x[t-(K-1)+k]
    u = silu(xc)                                         # (B, T, Di)
    dbc = u @ p["x_proj_w"][l].t()                       # (B, T, R+2N)
    dtr, Bm, Cm = dbc[..., :R], dbc[..., R:R + N], dbc[..., R + N:R + 2 * N]
    delta = softplus(dtr @ p["dt_proj_w"][l].t() + p["dt_proj_b"][l])  # (B, T, Di)
    A = -torch.exp(p["A_log"][l])                        # (Di, N)
    s = u.new_zeros(Bsz, Di, N)
    ys = []
    for t in range(T):
        dA = torch.exp(delta[:, t, :, None] * A)         # (B, Di, N)
        dBu = delta[:, t, :, None] * Bm[:, t, None, :] * u[:, t, :, None]
        s = dA * s + dBu
        ys.append((s * Cm[:, t, None, :]).sum(-1) + p["D"][l] * u[:, t])  # (B, Di)
    y = torch.stack(ys, dim=1)                           # (B, T, Di)
    return (y * silu(z)) @ p["out_proj_w"][l].t()


def forward(p, inputs, cfg, targets=None):
    r = p["wte"][inputs]                                 # (B, T, C)
    for l in range(cfg.L):
        h = rmsnorm(r, p["norm_w"][l], cfg.eps)
        r = r + mixer_full(p, l, h, cfg)
    logits = rmsnorm(r, p["norm_f_w"], cfg.eps) @ p["wte"].t()  # (B, T, Vp)
    loss = None
    if targets is not None:
        loss = F.cross_entropy(logits.reshape(-1, cfg.Vp), targets.reshape(-1), ignore_index=-1)
    return logits, loss


def forward_recurrent(p, inputs, cfg):
    """Token-by-token generation path with per-layer conv_state (Di,K) and ssm_state (Di,N)."""
    Bsz, T = inputs.shape
    Di, N, K, R = cfg.Di, cfg.N, cfg.K, cfg.R
    dtype = p["wte"].dtype
    conv_state = [torch.zeros(Bsz, Di, K, dtype=dtype) for _ in range(cfg.L)]
    ssm_state = [torch.zeros(Bsz, Di, N, dtype=dtype) for _ in range(cfg.L)]
    out = []
    for t in range(T):
        r = p["wte"][inputs[:, t]]                       # (B, C)
        for l in range(cfg.L):
            h = rmsnorm(r, p["norm_w"][l], cfg.eps)
            xz = h @ p["in_proj_w"][l].t()
            x, z = xz[:, :Di], xz[:, Di:]
            cs = torch.cat([conv_state[l][:, :, 1:], x[:, :, None]], dim=2)  # last K x's
            conv_state[l] = cs
            xc = (cs * p["conv_w"][l]).sum(-1) + p["conv_b"][l]
            u = silu(xc)
            dbc = u @ p["x_proj_w"][l].t()
            dtr, Bm, Cm = dbc[:, :R], dbc[:, R:R + N], dbc[:, R + N:]
            delta = softplus(dtr @ p["dt_proj_w"][l].t() + p["dt_proj_b"][l])
            A = -torch.exp(p["A_log"][l])
            s = torch.exp(delta[:, :, None] * A) * ssm_state[l] + \
                delta[:, :, None] * Bm[:, None, :] * u[:, :, None]
            ssm_state[l] = s
            y = (s * Cm[:, None, :]).sum(-1) + p["D"][l] * u
            r = r + (y * silu(z)) @ p["out_proj_w"][l].t()
        out.append(rmsnorm(r, p["norm_f_w"], cfg.eps) @ p["wte"].t())
    return torch.stack(out, dim=1)


def loss_and_grads(p, inputs, targets, cfg):
    q = {k: v.detach().clone().requires_grad_(True) for k, v in p.items()}
    logits, loss = forward(q, inputs, cfg, targets)
    loss.backward()
    return logits.detach(), loss.detach(), {k: q[k].grad.detach().clone() for k in q}


# ----------------------------------------------------------------------------
# AdamW by hand

def adamw_run(p0, inputs, targets, cfg, steps, lr, b1, b2, eps, wd, clip):
    p = {k: v.detach().clone() for k, v in p0.items()}
    m = {k: torch.zeros_like(v) for k, v in p.items()}
    v_ = {k: torch.zeros_like(v) for k, v in p.items()}
    losses, norms = [], []
    for t in range(1, steps + 1):
        _, loss, g = loss_and_grads(p, inputs, targets, cfg)
        losses.append(float(loss))
        sq = 0.0
        for name, _ in PARAM_ORDER:
            sq += float(g[name].double().pow(2).sum())
        norm = math.sqrt(sq)
        norms.append(norm)
        scale = clip / norm if clip > 0 and norm > clip else 1.0  # (as -gc: 0 is off; it was 1 / norm, the same for the fixtures, all written with clip 1)
        for name, decay in PARAM_ORDER:
            gi = g[name] * scale
            m[name] = b1 * m[name] + (1.0 - b1) * gi
            v_[name] = b2 * v_[name] + (1.0 - b2) * gi * gi
            mhat = m[name] / (1.0 - b1 ** t)
            vhat = v_[name] / (1.0 - b2 ** t)
            w = wd if decay else 0.0
            p[name] = p[name] - lr * (mhat / (torch.sqrt(vhat) + eps) + w * p[name])
    return losses, norms


# ----------------------------------------------------------------------------
# self-checks

def check_finite_differences(p32, inputs, targets, cfg, n_rand=3, h=1e-5, rtol=1e-6, atol=1e-9):
    # pass if |fd - ad| <= rtol*max(|fd|,|ad|) + atol; atol covers the round-off floor of a
    # central difference of a float64 loss (~eps*|loss|/h ~ 1e-10), which matters only for
    # the tiny gradients of dt_proj_w / A_log / x_proj_w entries
    p = {k: v.double() for k, v in p32.items()}
    _, _, g = loss_and_grads(p, inputs, targets, cfg)
    gen = torch.Generator().manual_seed(4242)
    ok = True
    worst_rel_max = 0.0   # relative error at each tensor's largest-|g| entry
    worst_abs = 0.0
    with torch.no_grad():
        for name, _ in PARAM_ORDER:
            flat_g = g[name].reshape(-1)
            idxs = [int(flat_g.abs().argmax())]
            idxs += [int(i) for i in torch.randint(0, flat_g.numel(), (n_rand,), generator=gen)]
            for j, i in enumerate(idxs):
                base = p[name].reshape(-1)[i].item()
                q = dict(p)
                t = p[name].clone()
                t.reshape(-1)[i] = base + h
                q[name] = t
                lp = forward(q, inputs, cfg, targets)[1].item()
                t.reshape(-1)[i] = base - h
                lm = forward(q, inputs, cfg, targets)[1].item()
                fd = (lp - lm) / (2 * h)
                ad = flat_g[i].item()
                err = abs(fd - ad)
                rel = err / max(abs(fd), abs(ad), 1e-30)
                good = err <= rtol * max(abs(fd), abs(ad)) + atol
                worst_abs = max(worst_abs, err)
                if j == 0:
                    worst_rel_max = max(worst_rel_max, rel)
                if not good:
                    ok = False
                    print(f"  FD MISMATCH {name}[{i}]: autograd {ad:.10e} fd {fd:.10e} rel {rel:.2e}")
    print(f"(a) finite differences (float64, h={h}, {len(PARAM_ORDER)} tensors x {n_rand + 1} entries): "
          f"{'PASS' if ok else 'FAIL'}; worst abs err {worst_abs:.2e}, "
          f"worst rel err at each tensor's max-|g| entry {worst_rel_max:.2e}")
    return ok


def check_recurrent(p, inputs, cfg, logits_full, tol):
    with torch.no_grad():
        lr_ = forward_recurrent(p, inputs, cfg)
    diff = (lr_ - logits_full).abs().max().item()
    ok = diff < tol
    print(f"(b) recurrent step vs full forward: max abs diff {diff:.3e} (tol {tol:g}): {'PASS' if ok else 'FAIL'}")
    return ok


def our_hf_state_dict(p, cfg):
    sd = {"backbone.embeddings.weight": p["wte"], "backbone.norm_f.weight": p["norm_f_w"],
          "lm_head.weight": p["wte"]}
    for l in range(cfg.L):
        pre = f"backbone.layers.{l}."
        sd[pre + "norm.weight"] = p["norm_w"][l]
        sd[pre + "mixer.in_proj.weight"] = p["in_proj_w"][l]
        sd[pre + "mixer.conv1d.weight"] = p["conv_w"][l].reshape(cfg.Di, 1, cfg.K)
        sd[pre + "mixer.conv1d.bias"] = p["conv_b"][l]
        sd[pre + "mixer.x_proj.weight"] = p["x_proj_w"][l]
        sd[pre + "mixer.dt_proj.weight"] = p["dt_proj_w"][l]
        sd[pre + "mixer.dt_proj.bias"] = p["dt_proj_b"][l]
        sd[pre + "mixer.A_log"] = p["A_log"][l]
        sd[pre + "mixer.D"] = p["D"][l]
        sd[pre + "mixer.out_proj.weight"] = p["out_proj_w"][l]
    return {k: v.detach().float().contiguous().clone() for k, v in sd.items()}


def check_hf(p32, inputs, cfg, logits32, tol=1e-4):
    try:
        import transformers
        from transformers import MambaConfig, MambaForCausalLM
    except Exception:
        print("(c) transformers not available: skipped HF comparison")
        return True
    if cfg.Di % cfg.C != 0:
        print(f"(c) Di={cfg.Di} is not a multiple of C={cfg.C} (transformers' expand is an integer): skipped HF comparison")
        return True
    hcfg = MambaConfig(vocab_size=cfg.Vp, hidden_size=cfg.C, num_hidden_layers=cfg.L,
                       state_size=cfg.N, expand=cfg.Di // cfg.C, conv_kernel=cfg.K, time_step_rank=cfg.R,
                       layer_norm_epsilon=cfg.eps, use_bias=False, use_conv_bias=True,
                       tie_word_embeddings=True, residual_in_fp32=True)
    try:
        model = MambaForCausalLM(hcfg).float().to("cpu").eval()
    except ImportError as e:
        # a transformers that imports but will not run on this torch (5.x needs torch >= 2.6: it
        # then refuses to build a model rather than to be imported)
        print(f"(c) transformers {transformers.__version__} cannot build a model here "
              f"({str(e).strip().splitlines()[0]}): skipped HF comparison")
        return True
    ours = our_hf_state_dict(p32, cfg)
    theirs = model.state_dict()
    if "lm_head.weight" not in theirs:
        ours.pop("lm_head.weight")
    if set(ours) != set(theirs):
        print("(c) HF key sets differ: FAIL")
        print("    only ours:  ", sorted(set(ours) - set(theirs)))
        print("    only theirs:", sorted(set(theirs) - set(ours)))
        return False
    for k in ours:
        if tuple(ours[k].shape) != tuple(theirs[k].shape):
            print(f"(c) HF shape mismatch {k}: ours {tuple(ours[k].shape)} theirs {tuple(theirs[k].shape)}: FAIL")
            return False
    model.load_state_dict(ours, strict=True)
    with torch.no_grad():
        hl = model(input_ids=inputs.to("cpu")).logits.float()
    diff = (hl - logits32).abs().max().item()
    ok = diff <= tol
    print(f"(c) HF transformers {transformers.__version__} MambaForCausalLM (CPU fp32) logits vs ours: "
          f"max abs diff {diff:.3e} (tol {tol:g}): {'PASS' if ok else 'FAIL'}")
    return ok


# ----------------------------------------------------------------------------
# fixture

def write_fixture(path, cfg, hyper, p, inputs, targets, logits, loss, grads, adam_losses):
    header = [0] * 256
    header[:13] = [MAGIC, VERSION, cfg.V, cfg.Vp, cfg.L, cfg.C, cfg.Di, cfg.N, cfg.K, cfg.R,
                   cfg.B, cfg.T, len(adam_losses)]
    chunks = [struct.pack("<256i", *header), struct.pack("<8f", *hyper)]

    def f32(t):
        return t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()

    def i32(t):
        return t.detach().to(torch.int32).contiguous().numpy().astype("<i4").tobytes()

    shapes = cfg.shapes()
    for name, _ in PARAM_ORDER:
        assert tuple(p[name].shape) == shapes[name]
        chunks.append(f32(p[name]))
    chunks.append(i32(inputs.reshape(-1)))
    chunks.append(i32(targets.reshape(-1)))
    chunks.append(f32(logits.reshape(-1)))
    chunks.append(struct.pack("<f", float(loss)))
    for name, _ in PARAM_ORDER:
        chunks.append(f32(grads[name]))
    chunks.append(struct.pack(f"<{len(adam_losses)}f", *adam_losses))
    data = b"".join(chunks)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return len(data), hashlib.sha256(data).hexdigest()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.abspath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=None,
                    help="fixture path (default test/fixtures/mamba_tiny.bin, only for the default config)")
    ap.add_argument("--check-only", action="store_true", help="run the self-checks, write nothing")
    ap.add_argument("--double", action="store_true", help="compute in float64 (fixture stays float32)")
    # the config; the defaults are mamba_tiny.bin's
    ap.add_argument("--V", type=int, default=256, help="vocabulary size (Vp = V rounded up to a multiple of 8)")
    ap.add_argument("--C", type=int, default=64, help="d_model")
    ap.add_argument("--L", type=int, default=2, help="layers")
    ap.add_argument("--N", type=int, default=16, help="SSM state size")
    ap.add_argument("--K", type=int, default=4, help="conv width")
    ap.add_argument("--expand", type=int, default=2, help="Di = expand*C (unless --Di)")
    ap.add_argument("--Di", type=int, default=None, help="d_inner (default expand*C)")
    ap.add_argument("--R", type=int, default=None, help="dt_rank (default ceil(C/16))")
    ap.add_argument("--B", type=int, default=2, help="batch size")
    ap.add_argument("--T", type=int, default=64, help="sequence length")
    ap.add_argument("--seed", type=int, default=1337, help="torch seed (parameters, then the batch)")
    args = ap.parse_args()

    cfg = Config(V=args.V, C=args.C, L=args.L, expand=args.expand, N=args.N, K=args.K, B=args.B, T=args.T,
                 Di=args.Di, R=args.R)
    for name, val in [("V", cfg.V), ("C", cfg.C), ("L", cfg.L), ("Di", cfg.Di), ("N", cfg.N), ("K", cfg.K),
                      ("R", cfg.R), ("B", cfg.B), ("T", cfg.T)]:
        if val <= 0:
            ap.error(f"--{name} must be positive (got {val})")
    if cfg.R > cfg.C:
        ap.error(f"dt_rank R={cfg.R} must be at most C={cfg.C} (llmc/model_config.h)")
    if cfg.Vp > 65536:
        ap.error(f"Vp={cfg.Vp}: at most 65536 (llmc/model_config.h)")
    default_cfg = Config()
    is_default = vars(cfg) == vars(default_cfg) and args.seed == 1337
    if args.out is None:
        if not is_default and not args.check_only:
            ap.error("a config or seed other than mamba_tiny.bin's needs --out (so it cannot overwrite mamba_tiny.bin)")
        args.out = os.path.join(repo, "test", "fixtures", "mamba_tiny.bin")

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    steps = 10
    lr, b1, b2, eps, wd, clip = 1e-3, 0.9, 0.95, 1e-8, 0.1, 1.0
    hyper = [lr, b1, b2, eps, wd, clip, cfg.eps, 0.0]

    p32 = init_params(cfg)
    inputs, targets = make_batch(cfg)
    dtype = torch.float64 if args.double else torch.float32
    p = {k: v.to(dtype) for k, v in p32.items()}

    print(f"config: V={cfg.V} Vp={cfg.Vp} C={cfg.C} L={cfg.L} Di={cfg.Di} N={cfg.N} K={cfg.K} R={cfg.R} "
          f"B={cfg.B} T={cfg.T} seed={args.seed} dtype={dtype} torch={torch.__version__}")
    print(f"ignored targets: {int((targets == -1).sum())} of {targets.numel()} "
          f"(per row {[int((targets[b] == -1).sum()) for b in range(cfg.B)]})")

    logits, loss, grads = loss_and_grads(p, inputs, targets, cfg)
    print(f"loss {loss.item():.8f} (ln Vp = {math.log(cfg.Vp):.6f})")
    adam_losses, norms = adamw_run(p, inputs, targets, cfg, steps, lr, b1, b2, eps, wd, clip)
    assert adam_losses[0] == float(loss)
    print(f"grad norm at step 1: {norms[0]:.8f}")
    print("adam losses: " + " ".join(f"{x:.6f}" for x in adam_losses))

    ok = True
    ok &= check_finite_differences(p32, inputs, targets, cfg)
    ok &= check_recurrent(p, inputs, cfg, logits, 1e-5 if dtype == torch.float32 else 1e-10)
    if dtype == torch.float32:
        logits32 = logits
    else:
        with torch.no_grad():
            logits32 = forward(p32, inputs, cfg)[0]
    ok &= check_hf(p32, inputs, cfg, logits32)
    finite = all(bool(torch.isfinite(g).all()) for g in grads.values()) and \
        all(math.isfinite(x) for x in adam_losses)
    ok &= finite
    if not finite:
        print("non-finite gradients or losses: FAIL")
    if not ok:
        print("SELF-CHECKS FAILED")
        sys.exit(1)
    print("all self-checks passed")
    if args.check_only:
        return
    n, sha = write_fixture(args.out, cfg, hyper, p32, inputs, targets, logits, loss, grads, adam_losses)
    assert n < 2 * 1024 * 1024
    print(f"wrote {args.out}: {n} bytes, sha256 {sha}")


if __name__ == "__main__":
    main()
