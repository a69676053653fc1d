r"""
Loss and accuracy curves from main.log files (llm.c's line format, see doc/formats.md), drawn into one image.

Reads each LOG, a trainer's main.log (the one in its -o directory, e.g. out/tinyshakespeare_gpu/main.log): the
train loss (s:<step> trl:<x>), val loss (tel), val accuracy (tea, when present), the -mc multiple-choice
accuracies (eval / evs / evc, when present) and a cloze file's greedy accuracy (cla). A run is named by its
directory, or by the LABEL of LABEL=LOG (a path may hold '=' too: the longest end of the argument that exists
is the path).
Writes OUT, one image with a panel per kind of curve (loss; val accuracy; -mc accuracy) and a line per run, in
the format of OUT's extension (png, pdf, svg, ...; without one a PNG under the name given), whole or not at all
(written next to it and renamed).

The trainer's accuracy counts the positions that have a target: every position of a language
model's val data (tinyshakespeare, enwik8), only the answer positions of a synthetic task's.
main.log does not say which data a run used, so --accuracy auto (the default) takes a run for a
synthetic one when its directory has a name scripts/run_synthetic.sh gives (induction_s1, copy_s0,
...); --accuracy all / answers says it for every run.
Needs matplotlib (checked after the arguments, so bad files are reported without it).

Examples:
  python3 scripts/plot_log.py ts.png out/tinyshakespeare_gpu/main.log
  python3 scripts/plot_log.py induction.png s1=out/synthetic/induction_s1/main.log \
      s0=out/synthetic/induction_s0/main.log --title "induction heads"
"""
import argparse
import os
import re
import sys

LINE = re.compile(r"^s:(\d+) (trl|tel|tea):([-+0-9.eE]+|-?nan|-?inf)$")  # (glibc prints NaN as nan or -nan)
MC_LINE = re.compile(r"^s:(\d+) eval:([-+0-9.eE]+|-?nan) evs:([-+0-9.eE]+|-?nan)(?: evc:([-+0-9.eE]+|-?nan))?$")  # -mc's accuracies
CLOZE_LINE = re.compile(r"^s:(\d+) cla:([-+0-9.eE]+|-?nan) clp:([-+0-9.eE]+|-?nan|inf)$")  # -mc's clozes (LAMBADA)
SYNTHETIC_RUN = re.compile(r"^(induction|copy|copy_L\d+)_s[01]$")  # the run directories of scripts/run_synthetic.sh
POSITIONS = {"all": "all positions", "answers": "answer positions"}  # what --accuracy's values count


def fail(msg):
    sys.exit(f"error: {msg}")


def read_log(path):
    series = {"trl": [], "tel": [], "tea": [], "eval": [], "evs": [], "evc": [], "cla": []}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = LINE.match(line.strip())
                if m:
                    series[m.group(2)].append((int(m.group(1)), float(m.group(3))))
                m = MC_LINE.match(line.strip())
                if m:
                    series["eval"].append((int(m.group(1)), float(m.group(2))))
                    series["evs"].append((int(m.group(1)), float(m.group(3))))
                    if m.group(4) is not None:
                        series["evc"].append((int(m.group(1)), float(m.group(4))))
                m = CLOZE_LINE.match(line.strip())
                if m:  # the greedy accuracy; the perplexity (clp:) is not plotted
                    series["cla"].append((int(m.group(1)), float(m.group(2))))
    except IsADirectoryError:  # (a run's directory, as a newcomer gives it: "is a directory" said nothing more)
        fail(f"'{path}' is a directory: give the run's log file, {os.path.join(path, 'main.log')}")
    except OSError as e:
        fail(f"'{path}': {e.strerror.lower() if e.strerror else e}")
    if not any(series.values()):
        fail(f"'{path}': no log lines (s:<step> trl:/tel:/tea:<value>, eval:, cla:): is it a main.log?")
    return series


class OneLineErrors(argparse.ArgumentParser):
    """argparse's errors as one "error:" line like the rest (it printed its usage, then "plot_log.py: error: ...")"""

    def error(self, message):
        fail(f"{message} (usage: {self.prog} OUT LOG [LOG ...] [--title T] [--accuracy auto|all|answers]; -h for more)")


def main():
    # (-h prints this file's docstring: argparse's one line said neither what the script reads nor what it writes)
    ap = OneLineErrors(prog="python3 scripts/plot_log.py", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", metavar="OUT", help="image to write (.png, .pdf, .svg, ...)")
    ap.add_argument("logs", metavar="LOG", nargs="+", help="main.log files, each optionally as LABEL=LOG")
    ap.add_argument("--title", default="", help="a title above the panels (default none)")
    ap.add_argument("--accuracy", choices=["auto", "all", "answers"], default="auto",
                    help="which positions the val accuracy counts: all (a language model), answers (a synthetic"
                         " task), or auto: answers for run_synthetic.sh's run directories (default auto)")
    args = ap.parse_args()
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if os.path.isdir(args.out):
        fail(f"'{args.out}' is a directory: give the image file to write")
    if not os.path.basename(args.out):  # "" or "name/": its temporary file went to the directory above, then a rename failed
        fail(f"'{args.out}' names no file: give the image file to write")
    if not os.path.isdir(out_dir):
        fail(f"'{args.out}': output directory '{out_dir}' does not exist")
    runs = []
    for arg in args.logs:
        # label=path, where the path may hold '=' itself (a run directory such as lr=3e-3): the longest tail of the
        # argument that exists is the path, else the part after the last '=' (reported as missing)
        label, _, path = arg.rpartition("=")
        for i in [-1] + [i for i, c in enumerate(arg) if c == "="]:
            if os.path.exists(arg[i + 1:]):
                label, path = arg[:max(i, 0)], arg[i + 1:]
                break
        run_dir = os.path.basename(os.path.dirname(os.path.abspath(path)))
        acc = args.accuracy
        if acc == "auto":
            acc = "answers" if SYNTHETIC_RUN.match(run_dir) else "all"
        runs.append((label or run_dir or path, read_log(path), acc))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("matplotlib is not installed (pip install matplotlib)")
    # a panel for each kind of line some log holds: logs of -mc lines alone (a -x 0 -mc run's) get no empty loss panel
    has_loss = any(r["trl"] or r["tel"] for _, r, _ in runs)
    has_acc = any(r["tea"] for _, r, _ in runs)
    has_mc = any(r["eval"] or r["cla"] for _, r, _ in runs)
    panels = has_loss + has_acc + has_mc
    fig, axes = plt.subplots(1, panels, figsize=(7 + 5 * (panels - 1), 4.5), squeeze=False)
    next_panel = iter(axes[0])
    if has_loss:
        ax = next(next_panel)
        for name, r, _ in runs:
            if r["trl"]:
                ax.plot(*zip(*r["trl"]), alpha=0.5, label=f"{name} train")
            if r["tel"]:
                ax.plot(*zip(*r["tel"]), marker="o", markersize=3, label=f"{name} val")
        ax.set_xlabel("step")
        ax.set_ylabel("loss (nats per token)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if has_acc:
        ax = next(next_panel)
        kinds = {acc for _, r, acc in runs if r["tea"]}
        for name, r, acc in runs:
            if r["tea"]:  # runs of both kinds: the legend says which positions each counts
                ax.plot(*zip(*r["tea"]), marker="o", markersize=3,
                        label=f"{name} ({POSITIONS[acc]})" if len(kinds) > 1 else name)
        ax.set_xlabel("step")
        ax.set_ylabel(f"val token accuracy ({POSITIONS[kinds.pop()]})" if len(kinds) == 1 else "val token accuracy")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if has_mc:  # -mc: the choice by the mean token loss (llm.c's HellaSwag figure), by the summed loss dashed, by the
        # loss per character (lm-evaluation-harness's acc_norm, where logged) dotted; a cloze file's greedy accuracy
        ax = next(next_panel)
        for name, r, _ in runs:
            if r["eval"]:
                line, = ax.plot(*zip(*r["eval"]), marker="o", markersize=3, label=f"{name} (mean token loss)")
                ax.plot(*zip(*r["evs"]), linestyle="--", color=line.get_color(), alpha=0.6, label=f"{name} (summed loss)")
                if r["evc"]:
                    ax.plot(*zip(*r["evc"]), linestyle=":", color=line.get_color(), label=f"{name} (loss per character)")
            if r["cla"]:  # a cloze file's share of examples whose every token was the likeliest
                ax.plot(*zip(*r["cla"]), marker="s", markersize=3, linestyle="-.", label=f"{name} (cloze, greedy)")
        ax.set_xlabel("step")
        ax.set_ylabel("multiple-choice accuracy (-mc)")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    # written next to the target, then renamed over it: a failed or interrupted run of this script leaves
    # no half-written image, and an earlier image of the same name stays whole
    fmt = os.path.splitext(args.out)[1][1:].lower() or "png"  # no extension: a PNG under the name given
    tmp = os.path.join(out_dir, f".{os.path.basename(args.out)}.tmp{os.getpid()}")
    try:
        fig.savefig(tmp, dpi=110, format=fmt)
        os.replace(tmp, args.out)
    except OSError as e:  # unwritable (the error named the temporary file: "[Errno 13] Permission denied: '.../.p.png.tmp123'")
        fail(f"cannot write '{args.out}' ({e.strerror or e})")
    except ValueError as e:  # an extension matplotlib has no writer for
        fail(f"'{args.out}': {e}")
    finally:  # also on Ctrl-C: no temporary file left behind
        if os.path.exists(tmp):
            os.remove(tmp)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
