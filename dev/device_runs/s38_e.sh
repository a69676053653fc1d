#!/bin/bash
# 2026-12-03 (thirty-seventh session in doc/perf.md), nvidia-h200: s38_d.sh's 16-byte checkpoint stores made the
# -r 0 forward 1.7% faster at B=8 but 13% slower at B=16 Di=1024: it took 130 registers, so 3 blocks of 128
# threads per SM instead of 4, and the 512 blocks two waves. The forward now caps them (SCAN_FWD_MINB: 4 blocks
# at N = 16, 128 registers; N = 8 and 32 keep the compiler's counts, checked with ptxas -v).
# Prebuilt: .bin38b/ssf_old, ssb_old (main d99e933), .bin38c/ssf_new2, ssb_new2, test_mamba_cu (this commit).
#   1. forward playground 0 9 10 11 and backward playground 0 17 18, old / new, two rounds (checks first);
#   2. test_mamba_cu on the committed fixtures (mamba_tiny, mamba_small2: determinism and -r levels bit for bit).
set -u
nvidia-smi -L
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu
start=$(date +%s)
for r in 1 2; do for b in .bin38b/ssf_old .bin38c/ssf_new2; do
    timeout 60 $b 0 9 10 11 > /tmp/f.log 2>&1; echo "== $b round $r rc $? at $(( $(date +%s) - start )) s"
    grep -E "FAIL|checks:|^forward B=|^  *v?(0|9|10|11) " /tmp/f.log | grep -vE "^    " | head -12
done; done
for r in 1 2; do for b in .bin38b/ssb_old .bin38c/ssb_new2; do
    timeout 60 $b 0 17 18 > /tmp/b.log 2>&1; echo "== $b round $r rc $? at $(( $(date +%s) - start )) s"
    grep -E "FAIL|checks:|^backward B=|^  *v?(0|17|18) " /tmp/b.log | grep -vE "^    " | head -12
done; done
timeout 120 .bin38c/test_mamba_cu test/fixtures/mamba_tiny.bin test/fixtures/mamba_small2.bin > /tmp/t.log 2>&1
echo "test_mamba_cu rc $? at $(( $(date +%s) - start )) s"; grep -E "^FAIL" /tmp/t.log | head; tail -1 /tmp/t.log
