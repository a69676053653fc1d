"""
Stop signals for the data scripts (enwik8.py, tinyshakespeare.py, random_shard.py). Standard library only.

run_stoppable(main, message) runs main with SIGINT (Ctrl-C), SIGTERM (a job's time limit, timeout) and SIGHUP (a
closed terminal) raised in it as an exception, so that its finally clauses remove the .tmp files and directories it
made (the signals' default action left them: a partial download, shards of hundreds of MB). A second stop during that
cleanup (a closed terminal's SIGHUP comes from the kernel and from the shell) is ignored, so it is not cut short. A
signal ignored at the start (nohup) stays ignored. Then it prints message (a string, or a function that returns one,
for what the run had kept by then), one line, and dies of the signal, as without
the handler: a shell script that runs it stops at Ctrl-C too (bash goes on after a command that exited 130, taking the
SIGINT as handled).

sync_dir(d) and held_stops (a with block that no stop cuts short) are for the scripts' renames of their outputs.
"""
import os
import signal
import sys

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(BaseException):
    """A stop signal as an exception (a BaseException, as KeyboardInterrupt: `except Exception` does not take it)."""


def _stop(sig, frame):
    for s in STOP_SIGNALS:
        if signal.getsignal(s) not in (signal.SIG_IGN, None):
            signal.signal(s, signal.SIG_IGN)
    raise Stopped(sig)


def sync_dir(d):
    """Renames and removals in d reach the disk with the directory (best effort: some file systems
    refuse to sync a directory)."""
    try:
        dfd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


class held_stops:
    """A with block that no stop signal cuts short (the renames of a set of outputs, which a stop between two of them
    left mixed: the new train shard beside the old val shard): one that comes meanwhile is held and takes effect as the
    block ends, so the block must record what it finished (for the message) before its end."""

    def __enter__(self):
        self.mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)

    def __exit__(self, *exc):
        signal.pthread_sigmask(signal.SIG_SETMASK, self.mask)
        return False


def run_stoppable(main, message):
    for s in STOP_SIGNALS:
        if signal.getsignal(s) not in (signal.SIG_IGN, None):
            signal.signal(s, _stop)
    try:
        main()
    except (KeyboardInterrupt, Stopped) as e:  # (main's finally clauses have run) one line, not a traceback
        sig = e.args[0] if isinstance(e, Stopped) else signal.SIGINT
        try:
            print(message() if callable(message) else message, file=sys.stderr, flush=True)
        except OSError:  # (a closed terminal's stderr)
            pass
        signal.signal(sig, signal.SIG_DFL)
        # (held_stops' block is still on where the stop came in its call, before the block took effect: Python then runs
        # the handler as the call returns; the signal was held back and the script exited 128 + sig instead)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
        sys.exit(128 + sig)
