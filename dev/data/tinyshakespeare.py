"""
Tiny Shakespeare as byte-level token shards (each byte is its own token id, vocab 256).

Reads tinyshakespeare.txt next to this script (1,115,394 bytes), splits it as nanoGPT does
(first 90% train, last 10% val) and writes, in llm.c's shard format (see dataloader.h):
    tinyshakespeare/tiny_shakespeare_train.bin
    tinyshakespeare/tiny_shakespeare_val.bin
Standard library only. Running it again rewrites the same bytes. Both shards are written under
.tmp names first and renamed only once both were written, so a failed run (a full disk, a
directory where a shard goes), or one that Ctrl-C, SIGTERM or SIGHUP stops, leaves the previous
shards as they were and no .tmp file; errors are one "error:" line.

    python dev/data/tinyshakespeare.py
"""
import os
import sys
from array import array

# stop_signals.py lies beside this script (imported without writing a __pycache__ into the checkout)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from stop_signals import held_stops, run_stoppable, sync_dir  # noqa: E402

SHARD_MAGIC = 20240520
SHARD_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
KEPT = " (the previous shards are left as they were)"


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def write_shard(tmp, data, made):
    """Writes bytes to the file tmp as uint16 tokens with the 256-int32 llm.c header; tmp joins made."""
    header = array("i", [0] * 256)
    header[0], header[1], header[2] = SHARD_MAGIC, SHARD_VERSION, len(data)
    tokens = array("H")
    tokens.extend(data)  # iterating bytes gives ints 0..255
    if sys.byteorder != "little":  # the format is little-endian
        header.byteswap()
        tokens.byteswap()
    try:
        made.append(tmp)  # (before the open: a stop between the two left the .tmp behind, unlisted)
        f = open(tmp, "wb")
        with f:
            f.write(header.tobytes())
            f.write(tokens.tobytes())
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        fail(f"cannot write '{tmp}': {e.strerror or e}{KEPT}")


WRITTEN = []  # the directory whose shards this run replaced (a stop held during the renames comes after them)


def interrupted_message():
    if WRITTEN:
        return f"tinyshakespeare.py: interrupted after the new shards were written to {WRITTEN[0]}"
    return "tinyshakespeare.py: interrupted; the previous shards are left as they were"


def main():
    if sys.argv[1:] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return
    if len(sys.argv) > 1:
        fail(f"takes no arguments, got '{sys.argv[1]}' (-h for help)")
    src = os.path.join(HERE, "tinyshakespeare.txt")
    try:
        with open(src, "rb") as f:
            data = f.read()
    except OSError as e:
        fail(f"cannot read '{src}': {e.strerror or e}")
    n = len(data)
    split = int(n * 0.9)
    if split < 1 or n - split < 1:
        fail(f"'{src}': {n} bytes: too short for a train and a val split")
    outdir = os.path.join(HERE, "tinyshakespeare")
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as e:
        fail(f"cannot create the directory '{outdir}': {e.strerror or e}")
    print(f"read {n:,} bytes from {src}")
    shards = [(os.path.join(outdir, "tiny_shakespeare_train.bin"), data[:split]),
              (os.path.join(outdir, "tiny_shakespeare_val.bin"), data[split:])]
    for path, _ in shards:  # (else the train shard was replaced before the val shard's rename failed: a mixed set)
        if os.path.isdir(path):
            fail(f"'{path}' is a directory: a shard goes there{KEPT}")
    made = []  # the .tmp files this run created (a .tmp directory in the way is not removed)
    done = False
    try:
        for path, part in shards:
            write_shard(path + ".tmp", part, made)
        with held_stops():  # both written: now both renamed, and a stop between the renames waits for the second
            try:
                for path, _ in shards:
                    os.replace(path + ".tmp", path)
            except OSError as e:
                fail(f"cannot rename the new shards into '{outdir}': {e.strerror or e}")
            done = True
            WRITTEN.append(outdir)
            sync_dir(outdir)  # (the renames reach the disk with the directory)
    finally:
        if not done:
            for tmp in made:
                try:
                    os.remove(tmp)
                except OSError:
                    pass
    for path, part in shards:
        print(f"wrote {len(part):,} tokens to {path}")


if __name__ == "__main__":
    run_stoppable(main, interrupted_message)
