"""
A shard of uniformly random tokens, for benchmarks (the official numbers we compare against
were measured on random tokens). Standard library only.

    python3 dev/data/random_shard.py <out.bin> <vocab size> <number of tokens> [seed]
"""
import os
import random
import signal
import sys
from array import array


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
    rng = random.Random(seed)
    header = array("i", [0] * 256)
    header[0], header[1], header[2] = 20240520, 1, n
    tokens = array("H", (rng.randrange(vocab) for _ in range(n)))
    if sys.byteorder != "little":
        header.byteswap()
        tokens.byteswap()
    tmp = path + ".tmp"
    try:  # written and synced under a temporary name, then renamed: never a half-written shard at path
        with open(tmp, "wb") as f:
            f.write(header.tobytes())
            f.write(tokens.tobytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
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
    try:  # the rename reaches the disk with the directory (best effort: some file systems refuse)
        dfd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    print(f"wrote {n:,} random tokens (vocab {vocab}) to {path}")


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(BaseException):
    """A stop signal as an exception, so that main removes its .tmp (the signal's default left it, up to 4 GB)."""


def stop(sig, frame):
    for s in STOP_SIGNALS:  # a second stop (a closed terminal's SIGHUP, sent by the kernel and by the shell) waits: the
        if signal.getsignal(s) not in (signal.SIG_IGN, None):  # cleanup is not cut short
            signal.signal(s, signal.SIG_IGN)
    raise Stopped(sig)


if __name__ == "__main__":
    for stop_signal in STOP_SIGNALS:
        if signal.getsignal(stop_signal) not in (signal.SIG_IGN, None):  # (one ignored, as under nohup, stays so)
            signal.signal(stop_signal, stop)
    try:
        main()
    except (KeyboardInterrupt, Stopped) as e:  # (main removed its .tmp) one line, not a traceback
        sig = e.args[0] if isinstance(e, Stopped) else signal.SIGINT
        try:
            print("random_shard.py: interrupted; no shard was written", file=sys.stderr, flush=True)
        except OSError:  # (a closed terminal's stderr)
            pass
        # then it dies of the signal, as without the handler: a shell script running it stops at Ctrl-C (bash goes on
        # after a command that exited 130 instead, taking the SIGINT as handled)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        sys.exit(128 + sig)
