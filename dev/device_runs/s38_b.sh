#!/bin/bash
# 2026-12-03 (thirty-seventh session in doc/perf.md), nvidia-h200: why s38_a.sh's grouped -r 1 backward kernel
# (v18 in blocks of 3 groups, dt bias and D loaded again where used, no spill) failed its bitwise checks.
# Prebuilt playgrounds in .bin38 (carry it), all with the old reduction (-DSCAN_REDUCE_SCALAR):
#   ssb_g3s: that kernel (failed in s38_a.sh); ssb_g1s: separate blocks (passed);
#   ssb_A: the thirty-sixth session's grouped -r 1 kernel (9d6b928's scan.cuh, groups allowed at -r 1: spills 16 bytes);
#   ssb_B: ssb_g3s with the named barrier as barrier.sync (not .aligned) instead of bar.sync.
# Checks only (SCAN_CHECK_ONLY=1), versions 18 0 17, two runs each; then racecheck and synccheck of ssb_g3s on v18.
set -u
nvidia-smi -L
start=$(date +%s)
for r in 1 2; do for b in g3s g1s A B; do
    SCAN_CHECK_ONLY=1 timeout 60 .bin38/ssb_$b 18 0 17 > /tmp/c_$b.log 2>&1
    echo "== $b run $r rc $? at $(( $(date +%s) - start )) s: $(grep -c FAIL /tmp/c_$b.log) FAIL lines; $(grep checks: /tmp/c_$b.log)"
    grep -B1 FAIL /tmp/c_$b.log | grep -E "check v|FAIL" | head -6
    [ $r = 1 ] && cp /tmp/c_$b.log $OUT/checks_$b.log
done; done
for tool in racecheck synccheck; do
    SCAN_CHECK_ONLY=1 timeout 200 compute-sanitizer --tool $tool .bin38/ssb_g3s 18 > $OUT/$tool.txt 2>&1
    echo "$tool rc $? at $(( $(date +%s) - start )) s: $(grep -E 'SUMMARY|checks:' $OUT/$tool.txt | tr '\n' ' ')"
    grep -m5 -E "Error|Hazard|hazard|Race|barrier" $OUT/$tool.txt
done
