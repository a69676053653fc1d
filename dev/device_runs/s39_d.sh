#!/bin/bash
# 2026-12-03 (thirty-eighth session in doc/perf.md), nvidia-h200: the forward playground after the review: v12 and
# v13 (16-byte / float4 checkpoint stores) now also checked against each other bit for bit (out, y, every
# checkpoint). Prebuilt in .bin39d (carry it): ssf_new. Versions 9 10 12 13: checks, then the three bench shapes.
set -u
nvidia-smi -L
timeout 60 .bin39d/ssf_new 9 10 12 13 > $OUT/ssf_new.log 2>&1; echo "forward rc $?"
grep -E "FAIL|not the same|checks:|^forward B=|^  *v?(9|10|12|13) " $OUT/ssf_new.log | grep -vE "^    " | head -20
grep -c "^  check" $OUT/ssf_new.log
