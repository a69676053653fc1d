#!/usr/bin/env python3
"""
PyTorch-checkpoint fixtures (pytorch_model.bin, torch.save's zip format), written by torch itself
from the weights of the transformers fixtures (needs torch only; run make_hf_fixture.py first).

    python3 dev/ref/make_torch_fixture.py [--fixtures test/fixtures]

writes, under test/fixtures/torch/:
  tiny_fp32/      config.json in mamba_ssm's spelling + pytorch_model.bin: hf_tiny_fp32's weights under
                  mamba_ssm's names (backbone.embedding.weight), lm_head.weight sharing the embedding's
                  storage (as a tied MambaLMHeadModel saves it), and layer 0's A_log and D as views into
                  one storage (D at a nonzero storage offset)
  tiny_bf16/      hf_tiny_bf16's bf16 weights, saved as bf16 tensors
  tiny_zip64/     tiny_fp32's archive repacked with every size and offset in ZIP64 fields (what torch
                  writes for a file past 4 GiB, such as mamba-2.8b's 11 GB); torch.load reads it back
  tiny_sharded/   hf_tiny_fp32 as transformers' save_pretrained(safe_serialization=False) shards a large
                  model: its config.json, pytorch_model-00001-of-00002.bin (the embedding and layer 0),
                  pytorch_model-00002-of-00002.bin (layer 1 and norm_f), pytorch_model.bin.index.json
                  ({"metadata": {"total_size"}, "weight_map": name -> shard}); transformers' names, no lm_head
  small.bin           a = arange(6) as float32 [2, 3]; b = a's elements 2..4 (a view: offset 2 of a's
                      storage); h = float16 [1.5, -2.25, 65504, 2^-24]; g = bfloat16 [1, -3.5, 2^100];
                      s = a float32 scalar 7 (test_hf reads them back; the fuzz seeds start from it)
  bad_legacy.bin      a state dict in the format before torch 1.6 (_use_new_zipfile_serialization=False)
  bad_nested.bin      {"model": state dict}: a training checkpoint, not a state dict
  bad_transposed.bin  a tensor saved as a transposed view (not contiguous)
  bad_float64.bin     a float64 tensor
  bad_deflated.bin    a small state dict's archive repacked with compressed entries
  bad_neg.bin         w's pickle as torch 2.x writes a tensor whose neg bit is set (a negated view):
                      _rebuild_tensor_v2 with a 7th argument, its metadata {'neg': True}
  param_state.bin     {w: nn.Parameter} as torch 2.x pickles a Parameter with Python attributes (mamba_ssm
                      sets _no_weight_decay on A_log and D): _rebuild_parameter_with_state(data,
                      requires_grad, hooks, {'_no_weight_decay': True}); w = arange(6) [2, 3]
  many_p2.bin, many_p5.bin   nn.Sequential(Linear(3, 2), LayerNorm(2)).state_dict() (an OrderedDict with
                      _metadata) plus v.0 ... v.39, each v.i = [i] a view into one storage: past 255 memo
                      entries (LONG_BINPUT / LONG_BINGET), saved with pickle protocol 2 (torch's default) and 5
                      (MEMOIZE, FRAME, STACK_GLOBAL, SHORT_BINUNICODE); 0.weight = arange(6) / 8 as [2, 3],
                      0.bias = [0.5599443, -0.0642613] (fixed: see main)
(torch 1.13 has neither form: the script patches its reducers to write torch 2.x's pickles.)
The same torch build writes the same bytes again, but for bad_legacy.bin (storage keys from object ids) and
bad_deflated.bin (zip timestamps); test_hf's messages do not depend on those bytes.
An importer of tiny_fp32 or tiny_zip64 must get exactly hf_tiny_fp32's parameters, of tiny_bf16
exactly hf_tiny_bf16's (test_hf compares them bit for bit).
"""
import argparse
import collections
import json
import os
import struct
import zipfile
import zlib

import torch

MAMBA_SSM_CONFIG = {"d_model": 64, "n_layer": 2, "vocab_size": 256,
                    "ssm_cfg": {"d_state": 16, "d_conv": 4, "expand": 2, "dt_rank": 4},
                    "rms_norm": True, "residual_in_fp32": True, "fused_add_norm": True,
                    "pad_vocab_size_multiple": 8, "tie_embeddings": True}


def read_safetensors(path):
    """name -> tensor, from a safetensors file of F32 or BF16 tensors (parsed here, no library)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        if e["dtype"] == "F32":
            t = torch.frombuffer(raw, dtype=torch.float32)
        elif e["dtype"] == "BF16":
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16)
        else:
            raise SystemExit(f"{path}: {name}: dtype {e['dtype']} not expected")
        out[name] = t.clone().view(e["shape"])
    return out


def state_dict_of(hf_dir):
    """hf weights as mamba_ssm names, tied head, layer 0's A_log and D sharing one storage."""
    w = read_safetensors(os.path.join(hf_dir, "model.safetensors"))
    sd = collections.OrderedDict()
    for name, t in w.items():
        sd[name.replace("backbone.embeddings.", "backbone.embedding.")] = t
    sd["lm_head.weight"] = sd["backbone.embedding.weight"]
    a, d = sd["backbone.layers.0.mixer.A_log"], sd["backbone.layers.0.mixer.D"]
    both = torch.cat([a.flatten(), d])
    sd["backbone.layers.0.mixer.A_log"] = both[:a.numel()].view(a.shape)
    sd["backbone.layers.0.mixer.D"] = both[a.numel():]
    return sd


def write_dir(out_dir, sd):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(MAMBA_SSM_CONFIG, f, indent=1)
    path = os.path.join(out_dir, "pytorch_model.bin")
    torch.save(sd, path)
    return path


def write_sharded(out_dir, hf_dir):
    """hf_dir's weights in two torch.save shards with the index transformers writes."""
    os.makedirs(out_dir, exist_ok=True)
    w = read_safetensors(os.path.join(hf_dir, "model.safetensors"))
    names = ["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"]
    shards = [collections.OrderedDict(), collections.OrderedDict()]
    for name, t in w.items():
        first = name.startswith("backbone.embeddings.") or name.startswith("backbone.layers.0.")
        shards[0 if first else 1][name] = t
    weight_map = {}
    for shard, file in zip(shards, names):
        torch.save(shard, os.path.join(out_dir, file))
        weight_map.update({name: file for name in shard})
    total = sum(t.numel() * t.element_size() for t in w.values())
    with open(os.path.join(out_dir, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)
    with open(os.path.join(hf_dir, "config.json")) as f:
        config = f.read()
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        f.write(config)
    for shard, file in zip(shards, names):
        assert same(torch.load(os.path.join(out_dir, file)), shard)


def repack_zip64(src, dst):
    """src's entries, stored, every size and offset in ZIP64 extra fields and a ZIP64 end record."""
    with zipfile.ZipFile(src) as z:
        entries = [(i.filename, z.read(i)) for i in z.infolist()]
    out, central = bytearray(), bytearray()
    for name, data in entries:
        n, crc, offset = name.encode(), zlib.crc32(data), len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(n), 20)
        out += n + struct.pack("<HHQQ", 1, 16, len(data), len(data)) + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 45, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                               len(n), 28, 0, 0, 0, 0, 0xFFFFFFFF)
        central += n + struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
    cd_offset = len(out)
    out += central
    end64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, len(entries), len(entries), len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064b50, 0, end64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(dst, "wb") as f:
        f.write(out)


def repack_deflated(src, dst):
    with zipfile.ZipFile(src) as z:
        entries = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as o:
        for name, data in entries:
            o.writestr(name, data)


def save_as_torch2(obj, path, metadata=None, param_state=None):
    """torch.save, with the tensor and Parameter reducers of torch 2.x for the cases torch 1.13 lacks: a
    nonempty metadata dict as _rebuild_tensor_v2's 7th argument, _rebuild_parameter_with_state"""
    import torch._utils as tu
    reduce_tensor, reduce_param = torch.Tensor._reduce_ex_internal, torch.nn.Parameter.__reduce_ex__

    def with_state(data, requires_grad, hooks, state):  # (never called: only its name is pickled)
        raise NotImplementedError
    with_state.__module__, with_state.__name__, with_state.__qualname__ = "torch._utils", *["_rebuild_parameter_with_state"] * 2
    tu._rebuild_parameter_with_state = with_state
    if metadata is not None:
        def tensor_reducer(self, proto):
            f, args = reduce_tensor(self, proto)
            return f, args + (metadata,)
        torch.Tensor._reduce_ex_internal = tensor_reducer
    if param_state is not None:
        torch.nn.Parameter.__reduce_ex__ = lambda self, proto: (
            with_state, (self.data, self.requires_grad, collections.OrderedDict(), param_state))
    try:
        torch.save(obj, path)
    finally:
        torch.Tensor._reduce_ex_internal, torch.nn.Parameter.__reduce_ex__ = reduce_tensor, reduce_param
        del tu._rebuild_parameter_with_state


def same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default="test/fixtures")
    args = ap.parse_args()
    out = os.path.join(args.fixtures, "torch")
    os.makedirs(out, exist_ok=True)
    fp32 = state_dict_of(os.path.join(args.fixtures, "hf_tiny_fp32"))
    bf16 = state_dict_of(os.path.join(args.fixtures, "hf_tiny_bf16"))
    assert all(t.dtype == torch.bfloat16 for t in bf16.values())
    src = write_dir(os.path.join(out, "tiny_fp32"), fp32)
    write_dir(os.path.join(out, "tiny_bf16"), bf16)
    z64 = write_dir(os.path.join(out, "tiny_zip64"), fp32)
    repack_zip64(src, z64)
    assert same(torch.load(z64), fp32), "torch.load does not read the ZIP64 repack back"
    assert same(torch.load(src), fp32)
    write_sharded(os.path.join(out, "tiny_sharded"), os.path.join(args.fixtures, "hf_tiny_fp32"))

    a = torch.arange(6, dtype=torch.float32).view(2, 3)
    torch.save(collections.OrderedDict(
        a=a, b=a.view(-1)[2:5], h=torch.tensor([1.5, -2.25, 65504.0, 2.0 ** -24], dtype=torch.float16),
        g=torch.tensor([1.0, -3.5, 2.0 ** 100], dtype=torch.bfloat16), s=torch.tensor(7.0)), os.path.join(out, "small.bin"))
    small = collections.OrderedDict(w=torch.arange(6, dtype=torch.float32).view(2, 3))
    torch.save(small, os.path.join(out, "bad_legacy.bin"), _use_new_zipfile_serialization=False)
    torch.save({"model": small}, os.path.join(out, "bad_nested.bin"))
    torch.save(collections.OrderedDict(w=small["w"].t()), os.path.join(out, "bad_transposed.bin"))
    torch.save(collections.OrderedDict(w=small["w"].double()), os.path.join(out, "bad_float64.bin"))
    torch.save(small, os.path.join(out, "bad_deflated.bin"))
    repack_deflated(os.path.join(out, "bad_deflated.bin"), os.path.join(out, "bad_deflated.bin"))
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))
    with torch.no_grad():
        model[0].weight.copy_(torch.arange(6, dtype=torch.float32).view(2, 3) / 8)
        # Linear's bias was once left at its unseeded random init, so each run wrote other bytes; these are the
        # values the committed many_p2.bin and many_p5.bin hold (as float32), so the script writes them again
        model[0].bias.copy_(torch.tensor([0.5599443316459656, -0.06426128000020981]))
    many = model.state_dict()
    views = torch.arange(40, dtype=torch.float32)
    for i in range(40):
        many[f"v.{i}"] = views[i:i + 1]
    assert hasattr(many, "_metadata")
    for protocol in (2, 5):
        torch.save(many, os.path.join(out, f"many_p{protocol}.bin"), pickle_protocol=protocol)
        assert same(torch.load(os.path.join(out, f"many_p{protocol}.bin")), many)
    save_as_torch2(small, os.path.join(out, "bad_neg.bin"), metadata={"neg": True})
    save_as_torch2(collections.OrderedDict(w=torch.nn.Parameter(small["w"].clone())), os.path.join(out, "param_state.bin"),
                   param_state={"_no_weight_decay": True})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
