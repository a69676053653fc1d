"""
Loss and accuracy curves from main.log files (llm.c's line format, see doc/formats.md).

    python3 scripts/plot_log.py out.png run1/main.log [label=run2/main.log ...] [--title TEXT]

A run is named by its directory, or by the label before '=' when one is given.

Train loss (s:<step> trl:<x>), val loss (tel) and val accuracy (tea, when present) per run.
Needs matplotlib.
"""
import argparse
import os
import re
import sys

LINE = re.compile(r"^s:(\d+) (trl|tel|tea):([-+0-9.eE]+|nan|inf)$")


def read_log(path):
    series = {"trl": [], "tel": [], "tea": []}
    with open(path) as f:
        for line in f:
            m = LINE.match(line.strip())
            if m:
                series[m.group(2)].append((int(m.group(1)), float(m.group(3))))
    return series


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--title", default="")
    args = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("error: matplotlib is not installed (pip install matplotlib)")
    runs = []
    for arg in args.logs:
        label, _, path = arg.rpartition("=")
        label = label or os.path.basename(os.path.dirname(os.path.abspath(path))) or path
        runs.append((label, read_log(path)))
    has_acc = any(r["tea"] for _, r in runs)
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(12 if has_acc else 7, 4.5), squeeze=False)
    ax = axes[0][0]
    for name, r in runs:
        if r["trl"]:
            ax.plot(*zip(*r["trl"]), alpha=0.5, label=f"{name} train")
        if r["tel"]:
            ax.plot(*zip(*r["tel"]), marker="o", markersize=3, label=f"{name} val")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats per token)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    if has_acc:
        ax = axes[0][1]
        for name, r in runs:
            if r["tea"]:
                ax.plot(*zip(*r["tea"]), marker="o", markersize=3, label=name)
        ax.set_xlabel("step")
        ax.set_ylabel("val token accuracy (answer positions)")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
