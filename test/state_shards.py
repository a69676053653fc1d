#!/usr/bin/env python3
"""Splits a whole optimizer state file into the shards S processes write at -z 1, or merges such shards into the
whole file, as doc/formats.md gives the layout, without the trainers' code: for the tests, a sharded checkpoint
without a GPU (test_cli.sh), and a whole one to resume beside the shards (test_multi_gpu.sh).

A state file (state_<step>.bin) is the 1024-byte header (256 int32), then the AdamW moments m and v of n
parameters (float32 each) and the outlier windows. Shard r of S (state_<step>_<r>.bin) holds parameters
[r * ceil(n / S), ...), the last the rest; its header is the whole file's but for its count ([6..7]), the CRC-32
of its m and v ([16]) and the header's own CRC-32 ([18], computed with that slot 0).

usage: state_shards.py split <dir>/state_<step>.bin <S>   (writes the S shards, removes the whole file)
       state_shards.py merge <dir> <step>                 (writes the whole file, removes the shards)
"""
import glob
import os
import struct
import sys
import zlib

HEADER = struct.Struct("<256i")


def read_state(path):
    data = open(path, "rb").read()
    header = list(HEADER.unpack(data[:1024]))
    n = struct.unpack("<Q", data[24:32])[0]
    return header, data[1024:1024 + 4 * n], data[1024 + 4 * n:1024 + 8 * n], data[1024 + 8 * n:]


def write_state(path, header, m, v, rest):
    h = list(header)
    h[6], h[7] = struct.unpack("<2i", struct.pack("<Q", len(m) // 4))
    h[16] = struct.unpack("<i", struct.pack("<I", zlib.crc32(m + v)))[0]
    h[18] = 0
    h[18] = struct.unpack("<i", struct.pack("<I", zlib.crc32(HEADER.pack(*h))))[0]
    with open(path, "wb") as f:
        f.write(HEADER.pack(*h) + m + v + rest)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("split", "merge"):
        sys.exit("usage: state_shards.py split <dir>/state_<step>.bin <S>  |  state_shards.py merge <dir> <step>")
    if sys.argv[1] == "split":
        path, S = sys.argv[2], int(sys.argv[3])
        header, m, v, rest = read_state(path)
        n = len(m) // 4
        per = (n + S - 1) // S
        for r in range(S):
            o = min(per * r, n)
            c = min(per, n - o)
            write_state("%s_%05d.bin" % (path[:-len(".bin")], r), header, m[4 * o:4 * (o + c)], v[4 * o:4 * (o + c)], rest)
        os.remove(path)
    else:
        d, step = sys.argv[2], int(sys.argv[3])
        shards = sorted(glob.glob("%s/state_%08d_[0-9][0-9][0-9][0-9][0-9].bin" % (d, step)))
        parts = [read_state(p) for p in shards]
        write_state("%s/state_%08d.bin" % (d, step), parts[0][0], b"".join(p[1] for p in parts),
                    b"".join(p[2] for p in parts), parts[0][3])
        for p in shards:
            os.remove(p)


if __name__ == "__main__":
    main()
