"""Sums ncu's gpu__time_duration per kernel over one generation step: the kernels between the last two
encoder_forward launches of an `ncu --metrics gpu__time_duration.sum --csv` log (a -cg 0 run)."""
import collections, csv, re, sys

rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith('==')))
starts = [i for i, r in enumerate(rows) if 'encoder_forward' in r['Kernel Name']]
step = rows[starts[-2]:starts[-1]]
scale = {'ns': 1e-3, 'nsecond': 1e-3, 'us': 1.0, 'usecond': 1.0, 'ms': 1e3, 'msecond': 1e3}
agg = collections.defaultdict(lambda: [0, 0.0])
for r in step:
    name = re.sub(r'\(.*', '', r['Kernel Name'])[:60]
    agg[name][0] += 1
    agg[name][1] += float(r['Metric Value'].replace(',', '')) * scale[r['Metric Unit']]
print(f"{len(step)} kernels, {sum(v for _, v in agg.values()):.1f} us in all")
for name, (n, us) in sorted(agg.items(), key=lambda kv: -kv[1][1]):
    print(f"  {n:4d} x {us / n:7.2f} us = {us:8.1f} us  {name}")
