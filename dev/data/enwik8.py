"""
enwik8 (the first 10^8 bytes of an English Wikipedia XML dump) as byte-level token shards.

Standard split: first 90M bytes train, next 5M val, last 5M test; each byte is a token id (vocab 256).
Writes, in llm.c's shard format (see dataloader.h), to dev/data/enwik8/ unless -o says otherwise:
    enwik8_train.bin  enwik8_val.bin  enwik8_test.bin

    python dev/data/enwik8.py                      # downloads http://mattmahoney.net/dc/enwik8.zip
    python dev/data/enwik8.py path/to/enwik8.zip   # or a local zip (member "enwik8") or raw file
    python dev/data/enwik8.py small.txt --allow-any-size -o /tmp/out   # stand-in file: split 90/5/5
    python dev/data/enwik8.py --content-md5 path/to/enwik8.zip   # print the md5 of its bytes, write nothing
Standard library only; files are streamed in chunks and written atomically (.tmp, then rename).
Beside the shards, enwik8_source.txt records what they were made from (written last, so it exists
only for a complete set): the source's path, size and sha256, the md5 of the bytes split, and
whether that is enwik8's published md5 (scripts/run_enwik8.sh compares and reports by it).
"""
import argparse
import hashlib
import os
import sys
import urllib.error
import urllib.request
import zipfile
from array import array

URL = "http://mattmahoney.net/dc/enwik8.zip"
ENWIK8_BYTES = 100_000_000
ENWIK8_MD5 = "a1fa5ffddb56f4953e226637dabbb36a"  # the md5 Matt Mahoney lists for the file (mattmahoney.net/dc)
SOURCE_STAMP = "enwik8_source.txt"
SHARD_MAGIC = 20240520
SHARD_VERSION = 1
CHUNK = 1 << 22
HERE = os.path.dirname(os.path.abspath(__file__))


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def download(dest):
    print(f"downloading {URL} to {dest}")
    tmp = dest + ".tmp"
    try:
        with urllib.request.urlopen(URL, timeout=60) as r, open(tmp, "wb") as f:
            while True:
                chunk = r.read(CHUNK)
                if not chunk:
                    break
                f.write(chunk)
    except (urllib.error.URLError, OSError) as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        fail(f"cannot download {URL}: {e}; download it elsewhere and pass its path")
    os.replace(tmp, dest)


def open_source(path):
    """Returns (binary file object, size in bytes) for a raw enwik8 file or a zip holding 'enwik8'."""
    if not os.path.exists(path):
        fail(f"'{path}' not found")
    if zipfile.is_zipfile(path):
        z = zipfile.ZipFile(path)
        try:
            info = z.getinfo("enwik8")
        except KeyError:
            fail(f"'{path}': zip has no member named 'enwik8', found {z.namelist()[:5]}")
        return z.open(info), info.file_size
    return open(path, "rb"), os.path.getsize(path)


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def write_shard(path, src, n, content_md5):
    """Copies the next n bytes of src into a shard of n uint16 tokens, via path.tmp + rename."""
    header = array("i", [0] * 256)
    header[0], header[1], header[2] = SHARD_MAGIC, SHARD_VERSION, n
    if sys.byteorder != "little":  # the format is little-endian
        header.byteswap()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header.tobytes())
        left = n
        while left > 0:
            chunk = src.read(min(CHUNK, left))
            if not chunk:
                os.remove(tmp)
                fail(f"source ended early: {left:,} of {n:,} bytes missing for {path}")
            content_md5.update(chunk)
            tokens = array("H")
            tokens.extend(chunk)
            if sys.byteorder != "little":
                tokens.byteswap()
            f.write(tokens.tobytes())
            left -= len(chunk)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    print(f"wrote {n:,} tokens to {path}")


def main():
    parser = argparse.ArgumentParser(description="enwik8 -> byte-level llm.c token shards (90M/5M/5M)")
    parser.add_argument("path", nargs="?", help="local enwik8 or enwik8.zip (default: download)")
    parser.add_argument("-o", "--outdir", default=os.path.join(HERE, "enwik8"),
                        help="output directory (default: dev/data/enwik8)")
    parser.add_argument("--allow-any-size", action="store_true",
                        help="accept a file that is not 100,000,000 bytes and split it 90/5/5 (for tests)")
    parser.add_argument("--content-md5", action="store_true",
                        help="print the md5 of the source's bytes (a zip's 'enwik8' member) and exit: the same file"
                             " zipped or not has the same content_md5 in enwik8_source.txt")
    args = parser.parse_args()
    if args.content_md5:
        if args.path is None:
            fail("--content-md5 needs a path")
        src, _ = open_source(args.path)
        h = hashlib.md5()
        with src:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                h.update(chunk)
        print(h.hexdigest())
        return

    path = args.path
    if path is None:
        path = os.path.join(args.outdir, "enwik8.zip")
        if not os.path.exists(path):
            os.makedirs(args.outdir, exist_ok=True)
            download(path)
    src, n = open_source(path)
    if n != ENWIK8_BYTES and not args.allow_any_size:
        fail(f"'{path}': enwik8 should be {ENWIK8_BYTES:,} bytes, found {n:,}"
             " (--allow-any-size, or ALLOW_ANY_SIZE=1 for scripts/run_enwik8.sh, to accept it)")
    n_train = n * 90 // 100
    n_val = n * 5 // 100
    n_test = n - n_train - n_val
    print(f"read {n:,} bytes from {path}")
    os.makedirs(args.outdir, exist_ok=True)
    stamp = os.path.join(args.outdir, SOURCE_STAMP)
    if os.path.exists(stamp):  # the shards are about to change: no record until all three are written
        os.remove(stamp)
    content_md5 = hashlib.md5()
    with src:
        for name, count in (("train", n_train), ("val", n_val), ("test", n_test)):
            write_shard(os.path.join(args.outdir, f"enwik8_{name}.bin"), src, count, content_md5)
    md5 = content_md5.hexdigest()
    is_enwik8 = n == ENWIK8_BYTES and md5 == ENWIK8_MD5
    if not is_enwik8:
        print(f"note: the {n:,} bytes of {path} are not enwik8 (md5 {md5}, enwik8's is {ENWIK8_MD5}):"
              " results on these shards are not enwik8 results")
    with open(stamp + ".tmp", "w") as f:
        f.write(f"path {os.path.abspath(path)}\nbytes {os.path.getsize(path)}\nsha256 {file_sha256(path)}\n"
                f"content_bytes {n}\ncontent_md5 {md5}\nenwik8 {int(is_enwik8)}\n")
    os.replace(stamp + ".tmp", stamp)


if __name__ == "__main__":
    main()
