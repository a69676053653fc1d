#!/usr/bin/env python3
"""Reads a run's checkpoint directory (-o) and its transformers export (-hf) as doc/formats.md describes them,
with its own code (standard library only): every header field, size and CRC-32, the parameters' order and
shapes, the outlier windows against main.log, commands.txt's quoting against the command that was run. For
test_cli.sh: the trainers' files must be what the page says, byte for byte.

usage: read_formats.py <run dir> <hf dir> -- <argv of the run's last command>
Prints "ok: ..." or one line naming what disagrees (exit 1).
"""
import glob
import json
import math
import os
import re
import struct
import sys
import zlib
from array import array

HEADER = struct.Struct("<256i")


class Bad(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Bad(what)


def u32(x):
    return x & 0xFFFFFFFF


def lohi(h, i):
    return u32(h[i]) | u32(h[i + 1]) << 32


def crc_without(data, slot):  # the header's CRC-32, its own slot counted as 0
    return zlib.crc32(data[:4 * slot] + bytes(4) + data[4 * slot + 4:1024])


def f32(bits):
    return struct.unpack("<f", struct.pack("<i", bits))[0]


def tensors(cfg):  # (name, shape per layer, per layer) in the model file's order
    V, Vp, L, C, Di, N, K, R = cfg
    return [("wte", (Vp, C), 0), ("norm_w", (C,), 1), ("in_proj_w", (2 * Di, C), 1), ("conv_w", (Di, K), 1),
            ("conv_b", (Di,), 1), ("x_proj_w", (R + 2 * N, Di), 1), ("dt_proj_w", (Di, R), 1), ("dt_proj_b", (Di,), 1),
            ("A_log", (Di, N), 1), ("D", (Di,), 1), ("out_proj_w", (C, Di), 1), ("norm_f_w", (C,), 0)]


HF_NAMES = {"norm_w": "norm.weight", "in_proj_w": "mixer.in_proj.weight", "conv_w": "mixer.conv1d.weight",
            "conv_b": "mixer.conv1d.bias", "x_proj_w": "mixer.x_proj.weight", "dt_proj_w": "mixer.dt_proj.weight",
            "dt_proj_b": "mixer.dt_proj.bias", "A_log": "mixer.A_log", "D": "mixer.D", "out_proj_w": "mixer.out_proj.weight"}


def read_model(path):
    data = open(path, "rb").read()
    h = HEADER.unpack(data[:1024])
    need(h[0] == 20261123 and h[1] == 2, "%s: magic/version %d %d" % (path, h[0], h[1]))
    need(u32(h[14]) == crc_without(data, 14), path + ": header CRC [14]")
    need(h[13] in (0, 1) and not any(h[15:]), path + ": [13] or an unused entry")
    cfg = h[2:10]
    V, Vp, L, C, Di, N, K, R = cfg
    need(Vp % 8 == 0 and Vp >= V, path + ": Vp")
    P = Vp * C + C + L * (C + 2 * Di * C + Di * K + Di + (R + 2 * N) * Di + Di * R + Di + Di * N + Di + C * Di)
    need(lohi(h, 10) == P and len(data) == 1024 + 4 * P, "%s: P %d, size %d, expected P %d" % (path, lohi(h, 10), len(data), P))
    need(u32(h[12]) == zlib.crc32(data[1024:]), path + ": parameter CRC [12]")
    need(all(math.isfinite(x) for x in array("f", data[1024:])), path + ": a parameter not finite")
    return dict(h=h, cfg=cfg, P=P, data=data)


def read_state(path, P):
    data = open(path, "rb").read()
    h = HEADER.unpack(data[:1024])
    need(h[0] == 20261125 and h[1] == 7, "%s: magic/version %d %d" % (path, h[0], h[1]))
    need(u32(h[18]) == crc_without(data, 18), path + ": header CRC [18]")
    need(lohi(h, 6) == P and len(data) == 1024 + 8 * P + 2056, "%s: P %d, size %d" % (path, lohi(h, 6), len(data)))
    need(u32(h[16]) == zlib.crc32(data[1024:1024 + 8 * P]), path + ": CRC of m and v [16]")
    windows = data[1024 + 8 * P:]
    need(u32(h[38]) == zlib.crc32(windows), path + ": CRC of the windows [38]")
    need(h[5] % (h[3] * h[4]) == 0 and h[20] in (1, 2) and h[25] >= 1 and h[29] in (0, 1, 2), path + ": a field's range")
    need(h[33] in (1, 2, 3, 4) and h[37] in (0, 1) and 0 <= h[40] <= h[2] and not any(h[41:]), path + ": [33], [37], [40] or an unused entry")
    count, nxt = struct.unpack("<2i", windows[:8])
    need(0 <= count <= 128 and (nxt == count if count < 128 else 0 <= nxt < 128), path + ": window count/next")
    return dict(h=h, count=count, next=nxt, loss=struct.unpack("<128d", windows[8:1032]),
                norm=struct.unpack("<128d", windows[1032:]))


def bash_words(line):  # commands.txt's quoting, read back
    words, i = [], 0
    while i < len(line):
        need(line[i] == " ", "commands.txt: no space before a word at %d" % i)
        i += 1
        if line.startswith("$'", i):
            w, i = b"", i + 2
            while line[i] != "'":
                if line[i] == "\\":
                    esc = line[i + 1]
                    if esc == "x":
                        w, i = w + bytes([int(line[i + 2:i + 4], 16)]), i + 4
                        continue
                    need(esc in "'\\", "commands.txt: escape \\" + esc)
                    w, i = w + esc.encode(), i + 2
                else:
                    w, i = w + line[i].encode("utf-8", "surrogateescape"), i + 1
            words.append(w.decode("utf-8", "surrogateescape"))
            i += 1
        elif line[i] == "'":
            w, i = "", i + 1
            while True:
                j = line.index("'", i)
                w += line[i:j]
                if not line.startswith("'\\''", j):
                    break
                w, i = w + "'", j + 4
            words.append(w)
            i = j + 1
        else:
            m = re.compile(r"[A-Za-z0-9_@%+=:,./-]+").match(line, i)
            need(m, "commands.txt: an unquoted word with other characters at %d" % i)
            words.append(m.group(0))
            i = m.end()
    return words


def main():
    need(len(sys.argv) > 4 and sys.argv[3] == "--", "usage: read_formats.py <run dir> <hf dir> -- <argv>")
    run, hf, argv = sys.argv[1], sys.argv[2], sys.argv[4:]
    steps = sorted(int(m.group(1)) for f in os.listdir(run) for m in [re.fullmatch(r"DONE_(\d{8})", f)] if m)
    need(steps, run + ": no DONE_%08d marker")
    # main.log: one record a line, every step's trl and lr once
    log, trl, norm, skipped = {}, {}, {}, set()
    num = r"(-?[0-9.]+|-?nan|-?inf)"
    for line in open(run + "/main.log"):
        m = re.fullmatch(r"s:(\d+) (tel|trl|tea):" + num + r"\n|s:(\d+) lr:[0-9.]+e[-+]\d+ norm:" + num + r"\n|"
                         r"s:(\d+) (skipped|eval|cla|stream_loss)[: ].*\n", line)
        need(m, "main.log: an unknown line %r" % line)
        if m.group(2):
            need((int(m.group(1)), m.group(2)) not in log, "main.log: step %s's %s twice" % (m.group(1), m.group(2)))
            log[int(m.group(1)), m.group(2)] = float(m.group(3))
            if m.group(2) == "trl":
                trl[int(m.group(1))] = float(m.group(3))
        elif m.group(4):
            norm[int(m.group(4))] = float(m.group(5))
        elif m.group(7) == "skipped":
            skipped.add(int(m.group(6)))
    need(sorted(trl) == list(range(1, steps[-1] + 1)) == sorted(norm), "main.log: the steps' trl / lr lines")
    models = {}
    for s in steps:
        need(os.path.getsize("%s/DONE_%08d" % (run, s)) == 0, "DONE_%08d is not empty" % s)
        model = read_model("%s/model_%08d.bin" % (run, s))
        st = read_state("%s/state_%08d.bin" % (run, s), model["P"])
        h = st["h"]
        need(h[2] == s and h[26] <= s, "state_%08d: step [2] %d, best step [26] %d" % (s, h[2], h[26]))
        # the windows: the loss and norm of the updates not skipped, update u of them in slot u % 128
        kept = [t for t in range(1, s + 1) if t not in skipped]
        need(h[40] == s - len(kept) and st["count"] == min(len(kept), 128) and st["next"] == len(kept) % 128,
             "state_%08d: skips [40] %d, window count %d, next %d" % (s, h[40], st["count"], st["next"]))
        for u in range(max(0, len(kept) - 128), len(kept)):
            t = kept[u]
            need(abs(st["loss"][u % 128] - trl[t]) < 1e-6 and abs(st["norm"][u % 128] - norm[t]) < 1e-6,
                 "state_%08d: window slot %d is not step %d's loss and norm" % (s, u % 128, t))
        models[s] = model
    last, h = models[steps[-1]], st["h"]
    if h[26] >= 0:  # model_best.bin is the model the newest state names
        best = read_model(run + "/model_best.bin")
        need(u32(h[28]) == u32(best["h"][12]) and "%.6f" % f32(h[27]) == "%.6f" % log[h[26], "tel"], "model_best.bin / [26..28]")
    # commands.txt: the last line is the command run, read back as bash would
    line = open(run + "/commands.txt", encoding="utf-8", errors="surrogateescape").read().split("\n")[-2]
    m = re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ step (\d+):", line)
    need(m and bash_words(line[m.end():]) == argv, "commands.txt: %r" % line)
    # the export: config.json, model.safetensors with transformers' names and the model file's values
    cfg = json.load(open(hf + "/config.json"))
    V, Vp, L, C, Di, N, K, R = last["cfg"]
    need((cfg["vocab_size"], cfg["llmc_vocab_size"], cfg["llmc_vocab_rows"], cfg["hidden_size"], cfg["num_hidden_layers"],
          cfg["state_size"], cfg["conv_kernel"], cfg["time_step_rank"], cfg["tie_word_embeddings"]) == (Vp, V, Vp, C, L, N, K, R, True),
         "config.json: %s" % cfg)
    gen = json.load(open(hf + "/generation_config.json"))
    need(gen == {"_from_model_config": True, **{k: cfg[k] for k in ("bos_token_id", "eos_token_id", "pad_token_id")}}, "generation_config.json")
    data = open(hf + "/model.safetensors", "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    st_header = json.loads(data[8:8 + n])
    st_header.pop("__metadata__", None)
    expect, off = {}, 1024
    for name, shape, per_layer in tensors(last["cfg"]):
        size = 4 * math.prod(shape)
        for i in range(L if per_layer else 1):
            hf_name = ("backbone.layers.%d." % i + HF_NAMES[name]) if per_layer else \
                {"wte": "backbone.embeddings.weight", "norm_f_w": "backbone.norm_f.weight"}[name]
            expect[hf_name] = ((Di, 1, K) if name == "conv_w" else shape, last["data"][off:off + size])
            off += size
    need(off == len(last["data"]) and sorted(st_header) == sorted(expect), "model.safetensors: the tensor names")
    for name, (shape, values) in expect.items():
        t = st_header[name]
        a, b = t["data_offsets"]
        need(t["dtype"] == "F32" and tuple(t["shape"]) == shape and data[8 + n + a:8 + n + b] == values, "model.safetensors: " + name)
    print("ok: %d checkpoints (steps %s), P %d, %d log records, %d exported tensors" % (len(steps), steps, last["P"], len(log), len(expect)))


if __name__ == "__main__":
    try:
        main()
    except (Bad, OSError, KeyError, ValueError, IndexError) as e:
        print("read_formats.py: %s" % e)
        sys.exit(1)
