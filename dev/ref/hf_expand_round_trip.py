#!/usr/bin/env python3
"""
transformers -> train_mamba -> transformers with a fractional expand (1.5): a random MambaForCausalLM
(hidden 64, intermediate 96) is saved, imported with `-e` and exported with `-hf` by the trainer given as
the first argument, loaded back by transformers, and its logits compared with the original model's.
Needs torch + transformers (the device machine has them). Exit status 1 on any difference.

    python3 dev/ref/hf_expand_round_trip.py ./train_mamba [workdir]
"""
import os, subprocess, sys, tempfile
import torch
from transformers import MambaConfig, MambaForCausalLM

trainer = sys.argv[1]
work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp()
torch.manual_seed(0)
cfg = MambaConfig(vocab_size=256, hidden_size=64, num_hidden_layers=2, state_size=16, expand=1.5, conv_kernel=4,
                  time_step_rank=4, use_bias=False, use_conv_bias=True, tie_word_embeddings=True)
model = MambaForCausalLM(cfg).eval()
src, dst = os.path.join(work, "src"), os.path.join(work, "dst")
model.save_pretrained(src)
out = subprocess.run([trainer, "-e", src, "-b", "2", "-t", "32", "-x", "0", "-m", "1", "-hf", dst],
                     capture_output=True, text=True)
if out.returncode != 0:
    print("trainer failed:", out.stdout[-500:], out.stderr[-500:]); sys.exit(1)
back, info = MambaForCausalLM.from_pretrained(dst, output_loading_info=True)
back.eval()
problems = {k: v for k, v in info.items() if v}
tokens = torch.randint(0, 256, (2, 40))
with torch.no_grad():
    a, b = model(tokens).logits, back(tokens).logits
diff = (a - b).abs().max().item()
print(f"intermediate_size {back.config.intermediate_size} (want 96), loading problems {problems}, max abs logit diff {diff:.3e}")
ok = back.config.intermediate_size == 96 and not problems and diff <= 1e-5
print("OK" if ok else "FAIL")
sys.exit(0 if ok else 1)
