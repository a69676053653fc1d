"""
A shard of uniformly random tokens, for benchmarks (the official numbers we compare against
were measured on random tokens). Standard library only.

    python3 dev/data/random_shard.py <out.bin> <vocab size> <number of tokens> [seed]
"""
import os
import random
import sys
from array import array

# stop_signals.py lies beside this script (imported without writing a __pycache__ into the checkout)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from stop_signals import held_stops, run_stoppable, sync_dir  # noqa: E402

WRITTEN = []  # the shard, once renamed into place


def interrupted_message():
    if WRITTEN:
        return f"random_shard.py: interrupted after the shard was written to {WRITTEN[0]}"
    return "random_shard.py: interrupted; no shard was written"


def main():
    if sys.argv[1:] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return
    if len(sys.argv) not in (4, 5):  # (one "error:" line, as every other error here)
        sys.exit("error: usage: random_shard.py <out.bin> <vocab size> <number of tokens> [seed] (-h for help)")
    try:
        path, vocab, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        seed = int(sys.argv[4]) if len(sys.argv) == 5 else 0
    except ValueError:
        sys.exit("error: vocab size, number of tokens and seed must be integers")
    if not (0 < vocab <= 65536) or n <= 0:
        sys.exit("error: vocab must be in (0, 65536] and the token count positive")
    if n > 2**31 - 1:  # the header's count is an int32 (doc/formats.md)
        sys.exit(f"error: a shard holds at most 2147483647 tokens (its header's count is an int32), got {n}")
    # (said before the write: '' or 'dir/' wrote the whole shard to the file '.tmp' there, a user's own replaced, and
    # then removed it when the rename failed; a directory's '<dir>.tmp' the same)
    if os.path.basename(path) in ("", ".", "..") or os.path.isdir(path):
        sys.exit(f"error: '{path}': expected the shard's file name (e.g. data/random.bin), found "
                 f"{'a directory' if os.path.isdir(path) else 'no file-name part'}")
    rng = random.Random(seed)
    header = array("i", [0] * 256)
    header[0], header[1], header[2] = 20240520, 1, n
    tokens = array("H", (rng.randrange(vocab) for _ in range(n)))
    if sys.byteorder != "little":
        header.byteswap()
        tokens.byteswap()
    tmp = path + ".tmp"
    try:  # written and synced under a temporary name, then renamed: never a half-written shard at path
        # (the directory made when missing, as prepare_bytes and tokenize make theirs: it was "No such file or directory")
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(header.tobytes())
            f.write(tokens.tobytes())
            f.flush()
            os.fsync(f.fileno())
        with held_stops():  # (a stop right after the rename said that no shard was written)
            os.replace(tmp, path)
            WRITTEN.append(path)
            sync_dir(os.path.dirname(os.path.abspath(path)))  # (the rename reaches the disk with the directory)
    except OSError as e:
        try:
            os.remove(tmp)
        except OSError:
            pass
        sys.exit(f"error: cannot write '{path}': {e.strerror or e}")
    except BaseException:  # a stop (Ctrl-C, SIGTERM, SIGHUP) during the write: no partial .tmp left (it was, up to 4 GB)
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    print(f"wrote {n:,} random tokens (vocab {vocab}) to {path}")


if __name__ == "__main__":
    run_stoppable(main, interrupted_message)
