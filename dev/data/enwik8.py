"""
enwik8 (the first 10^8 bytes of an English Wikipedia XML dump) as byte-level token shards.

Standard split: first 90M bytes train, next 5M val, last 5M test; each byte is a token id (vocab 256).
Writes, in llm.c's shard format (see dataloader.h), to dev/data/enwik8/ unless -o says otherwise:
    enwik8_train.bin  enwik8_val.bin  enwik8_test.bin

    python dev/data/enwik8.py                      # downloads http://mattmahoney.net/dc/enwik8.zip
    python dev/data/enwik8.py path/to/enwik8.zip   # or a local zip (member "enwik8") or raw file
    python dev/data/enwik8.py small.txt --allow-any-size -o /tmp/out   # stand-in file: split 90/5/5
    python dev/data/enwik8.py --content-md5 path/to/enwik8.zip   # print the md5 of its bytes, write nothing
Standard library only; files are streamed in chunks. All three shards and the record below are
written under .tmp names first and renamed only once all of them were written and the source
was read to its end (a zip member's CRC checked), so a failed run (a corrupt zip, a full disk), or
one that Ctrl-C, SIGTERM or SIGHUP stops, leaves the previous outputs as they were and no .tmp file
(nor a directory it made); errors are one "error:" line.
Beside the shards, enwik8_source.txt records what they were made from (renamed last, so it exists
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
import zlib
from array import array

# stop_signals.py lies beside this script (imported without writing a __pycache__ into the checkout)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from stop_signals import held_stops, run_stoppable, sync_dir  # noqa: E402

URL = os.environ.get("ENWIK8_URL", "http://mattmahoney.net/dc/enwik8.zip")  # (the tests set a file:// URL)
ENWIK8_BYTES = 100_000_000
ENWIK8_MD5 = "a1fa5ffddb56f4953e226637dabbb36a"  # the md5 Matt Mahoney lists for the file (mattmahoney.net/dc)
SOURCE_STAMP = "enwik8_source.txt"
SHARD_MAGIC = 20240520
SHARD_VERSION = 1
CHUNK = 1 << 22
HERE = os.path.dirname(os.path.abspath(__file__))
# what reading a damaged or unsupported zip member raises (OSError: bz2's bad data, and read errors)
READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError)
try:
    import lzma
    READ_ERRORS += (lzma.LZMAError,)
except ImportError:
    pass


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def why(e):
    """An exception as a short reason, without the file name an OSError repeats."""
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e) or type(e).__name__


DOWNLOADED = []  # the download this run completed (kept when a later step fails or is stopped)


WRITTEN = []  # the directory whose shards this run replaced (a stop held during the renames comes after them)


def interrupted_message():
    if WRITTEN:
        return f"enwik8.py: interrupted after the shards and {SOURCE_STAMP} were written to {WRITTEN[0]}"
    if DOWNLOADED:  # (it said "nothing of this run was kept" with the completed download kept)
        return f"enwik8.py: interrupted; the download {DOWNLOADED[0]} is kept, no shards were written (run it again)"
    return "enwik8.py: interrupted; nothing of this run was kept (run it again)"


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
        # what came may be no zip (a proxy's or a server's error page): kept, every later run would read it again
        ok = zipfile.is_zipfile(tmp)
        if ok:
            with zipfile.ZipFile(tmp) as z:
                ok = "enwik8" in z.namelist()
        if not ok:
            size = os.path.getsize(tmp)
            os.remove(tmp)
            fail(f"{URL} sent {size:,} bytes that are no zip with an 'enwik8' member (an error page?): nothing kept;"
                 " download it elsewhere and pass its path")
        os.replace(tmp, dest)
        DOWNLOADED.append(dest)
    except (urllib.error.URLError, OSError, zipfile.BadZipFile) as e:
        fail(f"cannot download {URL}: {e}; download it elsewhere and pass its path")
    finally:  # a failed or interrupted (Ctrl-C) download leaves no partial file
        if os.path.isfile(tmp):
            os.remove(tmp)


def open_source(path):
    """Returns (binary file object, size in bytes) for a raw enwik8 file or a zip holding 'enwik8'."""
    if not os.path.exists(path):
        fail(f"'{path}' not found")
    if os.path.isdir(path):
        fail(f"'{path}' is a directory, expected the enwik8 file or enwik8.zip")
    try:
        if zipfile.is_zipfile(path):
            z = zipfile.ZipFile(path)
            try:
                info = z.getinfo("enwik8")
            except KeyError:
                fail(f"'{path}': zip has no member named 'enwik8', found {z.namelist()[:5]}")
            return z.open(info), info.file_size
        f = open(path, "rb")
        if f.read(4) == b"PK\x03\x04":  # a zip's first header, but no zip (cut short: its directory is at the end)
            f.close()  # (it was split as the raw file: its compressed bytes made shards, or the size error said --allow-any-size)
            fail(f"'{path}': expected the enwik8 file or a zip holding it, found a zip that cannot be read"
                 " (cut short or damaged: download it again?)")
        f.seek(0)
        return f, os.path.getsize(path)
    except READ_ERRORS as e:
        fail(f"cannot read '{path}': expected the enwik8 file or a zip holding it: {why(e)}")


KEPT = " (the previous shards are left as they were)"


def read_source(src, k, path, note=""):
    """Up to k bytes of src; a read error (a corrupt zip member: bad data or CRC) is one error line."""
    try:
        return src.read(k)
    except READ_ERRORS as e:
        if isinstance(src, zipfile.ZipExtFile):
            fail(f"'{path}': expected an intact zip member 'enwik8', found a damaged one: {why(e)}"
                 f" (download it again?){note}")
        fail(f"cannot read '{path}': {why(e)}{note}")


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def write_shard(f, src, n, content_md5, path, name):
    """Copies the next n bytes of src (read from path) into the open file f as a shard of n uint16 tokens."""
    header = array("i", [0] * 256)
    header[0], header[1], header[2] = SHARD_MAGIC, SHARD_VERSION, n
    if sys.byteorder != "little":  # the format is little-endian
        header.byteswap()
    f.write(header.tobytes())
    left = n
    while left > 0:
        chunk = read_source(src, min(CHUNK, left), path, KEPT)
        if not chunk:
            fail(f"'{path}': source ended early: expected {n:,} bytes for the {name} shard, {left:,} of them missing{KEPT}")
        content_md5.update(chunk)
        tokens = array("H")
        tokens.extend(chunk)
        if sys.byteorder != "little":
            tokens.byteswap()
        f.write(tokens.tobytes())
        left -= len(chunk)
    f.flush()
    os.fsync(f.fileno())


def check_outdir(outdir):
    """Fails unless outdir is a directory or can be one; returns the topmost directory that is missing."""
    d = os.path.abspath(outdir)
    missing = None
    while not os.path.exists(d):
        missing = d
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    if not os.path.isdir(d):
        fail(f"-o '{outdir}': expected a directory, found a file ('{d}')")
    if not os.access(d, os.W_OK | os.X_OK):
        fail(f"-o '{outdir}': directory '{d}' is not writable")
    return missing


def make_outdir(outdir):
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as e:
        fail(f"-o '{outdir}': cannot create the directory: {why(e)}")


def remove_made_dirs(outdir, top):
    """Undoes make_outdir: outdir and its parents up to top (the first that did not exist), if empty."""
    if top is None:
        return
    d = os.path.abspath(outdir)
    while True:
        try:
            os.rmdir(d)
        except OSError:
            return
        if d == top:
            return
        d = os.path.dirname(d)


def write_outputs(src, path, n, outdir):
    """The three shards and the record, each to <name>.tmp; then renamed, the record last. On any
    failure (or interrupt) before the renames, the .tmp files this run made are removed and the
    previous outputs are left as they were."""
    n_train = n * 90 // 100
    n_val = n * 5 // 100
    n_test = n - n_train - n_val
    shards = [(os.path.join(outdir, f"enwik8_{name}.bin"), name, count)
              for name, count in (("train", n_train), ("val", n_val), ("test", n_test))]
    stamp = os.path.join(outdir, SOURCE_STAMP)
    made = []  # the .tmp files this run created (a .tmp directory in the way is not removed)
    done = False
    try:
        content_md5 = hashlib.md5()
        for final, name, count in shards:
            tmp = final + ".tmp"
            try:
                made.append(tmp)  # (before the open: a stop between the two left the .tmp behind, unlisted)
                f = open(tmp, "wb")
                with f:
                    write_shard(f, src, count, content_md5, path, name)
            except OSError as e:
                fail(f"cannot write '{tmp}': {why(e)}{KEPT}")
        if read_source(src, 1, path, KEPT):  # the end of the source (a zip member's CRC is checked there)
            fail(f"'{path}': expected {n:,} bytes (its size), found more: changed while being read?{KEPT}")
        md5 = content_md5.hexdigest()
        is_enwik8 = n == ENWIK8_BYTES and md5 == ENWIK8_MD5
        try:
            record = (f"path {os.path.abspath(path)}\nbytes {os.path.getsize(path)}\nsha256 {file_sha256(path)}\n"
                      f"content_bytes {n}\ncontent_md5 {md5}\nenwik8 {int(is_enwik8)}\n")
        except OSError as e:
            fail(f"cannot read '{path}': {why(e)}{KEPT}")
        try:
            made.append(stamp + ".tmp")
            f = open(stamp + ".tmp", "w")
            with f:
                f.write(record)
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            fail(f"cannot write '{stamp}.tmp': {why(e)}{KEPT}")
        # everything is written: the record goes first and comes back last, so that a crash between
        # the renames leaves no record of a set that is partly new
        # (the directory synced after the record's removal and before its return: neither reaches the
        # disk out of order with the shards' renames; test/test_durability.sh checks the order)
        # (a stop during the renames is held until they are done: it left a mixed set without a record, and a
        # message that no shards were written)
        with held_stops():
            try:
                if os.path.lexists(stamp):
                    os.remove(stamp)
                    sync_dir(outdir)
                for final, _, _ in shards:
                    os.replace(final + ".tmp", final)
                sync_dir(outdir)
                os.replace(stamp + ".tmp", stamp)
            except OSError as e:
                fail(f"cannot rename the new shards into '{outdir}': {why(e)} (no {SOURCE_STAMP}: the set may be mixed)")
            done = True
            WRITTEN.append(outdir)
            sync_dir(outdir)
    finally:
        if not done:
            for tmp in made:
                try:
                    os.remove(tmp)
                except OSError:
                    pass
    for final, _, count in shards:
        print(f"wrote {count:,} tokens to {final}")
    if not is_enwik8:
        print(f"note: the {n:,} bytes of {path} are not enwik8 (md5 {md5}, enwik8's is {ENWIK8_MD5}):"
              " results on these shards are not enwik8 results")


class Parser(argparse.ArgumentParser):
    def error(self, message):  # a bad argument is one "error:" line (argparse's own is a usage and "enwik8.py: error: ...")
        fail(f"{message} (-h for help)")


def main():
    parser = Parser(description="enwik8 -> byte-level llm.c token shards (90M/5M/5M)")
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
            for chunk in iter(lambda: read_source(src, CHUNK, args.path), b""):
                h.update(chunk)
        print(h.hexdigest())
        return

    path = args.path
    made_top = check_outdir(args.outdir)
    if path is None:
        path = os.path.join(args.outdir, "enwik8.zip")
        if not os.path.exists(path):
            make_outdir(args.outdir)  # (kept once the download is in: it holds it)
            downloaded = False
            try:
                download(path)
                downloaded = True
            finally:
                if not downloaded:  # a failed download (no network) leaves no directory it made behind
                    remove_made_dirs(args.outdir, made_top)
            made_top = None
    src, n = open_source(path)
    if n != ENWIK8_BYTES and not args.allow_any_size:
        fail(f"'{path}': enwik8 should be {ENWIK8_BYTES:,} bytes, found {n:,}"
             " (--allow-any-size, or ALLOW_ANY_SIZE=1 for scripts/run_enwik8.sh, to accept it)")
    if n * 90 // 100 > 2**31 - 1:  # the header's count is an int32 (doc/formats.md): it was an OverflowError traceback
        fail(f"'{path}': {n:,} bytes: its train split (90%) would hold more than 2,147,483,647 tokens,"
             " a shard's most (its header's count is an int32)")
    if n * 5 // 100 < 1:  # 5% of under 20 bytes is no byte: an empty val shard the loader could never read
        fail(f"'{path}': {n:,} bytes: too short for a train, a val and a test split (at least 20 bytes)")
    # (the source was read whole before the renames, then replaced by a shard: the user's file lost, exit 0)
    outputs = [os.path.join(args.outdir, f"enwik8_{name}.bin") for name in ("train", "val", "test")]
    outputs.append(os.path.join(args.outdir, SOURCE_STAMP))
    for out in outputs + [o + ".tmp" for o in outputs]:
        if os.path.exists(out) and os.path.samefile(path, out):
            fail(f"'{path}' is the output '{out}' itself, which the run would replace: move it out of the way or give another -o")
    print(f"read {n:,} bytes from {path}")
    make_outdir(args.outdir)
    ok = False
    try:
        with src:
            write_outputs(src, path, n, args.outdir)
        ok = True
    finally:
        if not ok:  # a failed run leaves no directory it made behind
            remove_made_dirs(args.outdir, made_top)


if __name__ == "__main__":
    run_stoppable(main, interrupted_message)
