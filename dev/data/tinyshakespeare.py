"""
Tiny Shakespeare as byte-level token shards (each byte is its own token id, vocab 256).

Reads tinyshakespeare.txt next to this script (1,115,394 bytes), splits it as nanoGPT does
(first 90% train, last 10% val) and writes, in llm.c's shard format (see dataloader.h):
    tinyshakespeare/tiny_shakespeare_train.bin
    tinyshakespeare/tiny_shakespeare_val.bin
Standard library only. Running it again rewrites the same bytes.

    python dev/data/tinyshakespeare.py
"""
import os
import sys
from array import array

SHARD_MAGIC = 20240520
SHARD_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))


def write_shard(path, data):
    """Writes bytes as uint16 tokens with the 256-int32 llm.c header, via path.tmp + rename."""
    header = array("i", [0] * 256)
    header[0], header[1], header[2] = SHARD_MAGIC, SHARD_VERSION, len(data)
    tokens = array("H")
    tokens.extend(data)  # iterating bytes gives ints 0..255
    if sys.byteorder != "little":  # the format is little-endian
        header.byteswap()
        tokens.byteswap()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header.tobytes())
        f.write(tokens.tobytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    print(f"wrote {len(data):,} tokens to {path}")


def main():
    src = os.path.join(HERE, "tinyshakespeare.txt")
    with open(src, "rb") as f:
        data = f.read()
    n = len(data)
    split = int(n * 0.9)
    outdir = os.path.join(HERE, "tinyshakespeare")
    os.makedirs(outdir, exist_ok=True)
    print(f"read {n:,} bytes from {src}")
    write_shard(os.path.join(outdir, "tiny_shakespeare_train.bin"), data[:split])
    write_shard(os.path.join(outdir, "tiny_shakespeare_val.bin"), data[split:])


if __name__ == "__main__":
    main()
