#!/bin/bash
# 2026-12-02 (thirtieth session in doc/perf.md), nvidia-h100-x1: what a user of the H100 sees. `make train`
# from a fresh clone (the README's first command: build, data, the default model, samples), timed; the
# larger released shapes at B=8 T=2048 (`PRESETS=... bash scripts/bench.sh 12`: 370m and 790m at -r 0,
# 1.4b at -r 1, since its -r 0 needs 95 GiB); then, with CLI=1, the CLI and durability suites on
# train_mamba_cu (after the session's tokenizer-test changes).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
rm -rf /tmp/fresh && git clone -q . /tmp/fresh
t0=$(date +%s)
(cd /tmp/fresh && timeout 240 make train) > $OUT/make_train.log 2>&1; echo "make train rc $? in $(( $(date +%s) - t0 )) s"
grep -E "^step +(1|700)/|val loss|^average|^device memory|parameters" $OUT/make_train.log | tail -8
grep -A3 -E "^generating|^sample" $OUT/make_train.log | head -8
export NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90"
PRESETS="mamba-370m mamba-790m" timeout 200 bash scripts/bench.sh 12 -r 0 > $OUT/presets_r0.log 2>&1; echo "presets -r 0 rc $? at $(( $(date +%s) - start )) s"
PRESETS="mamba-1.4b" timeout 120 bash scripts/bench.sh 12 -r 1 > $OUT/presets_r1.log 2>&1; echo "presets -r 1 rc $? at $(( $(date +%s) - start )) s"
grep -hvE "^\s*$" $OUT/presets_r0.log $OUT/presets_r1.log | tail -n 8
if [ "${CLI:-0}" = 1 ]; then
    TEST_ONLY='^(test_cli_cu|test_durability_cu)$' MULTI_GPU_TESTS=0 timeout $(( 585 - ($(date +%s) - start) )) make -j16 test > $OUT/test_cli.log 2>&1
    echo "cli tests rc $? at $(( $(date +%s) - start )) s"; grep -E "^FAIL|^--- |passed, " $OUT/test_cli.log | tail -8
fi
echo "all done at $(( $(date +%s) - start )) s"
