#!/bin/bash
# 2026-12-02 (twenty-ninth session in doc/perf.md), nvidia-h200: the CLI and durability tests against
# train_mamba_cu with the third mutation round's new CLI checks (stream evaluation against the val loss, greedy
# generation against the forward's argmax, sampled ids below V), plus test_mamba_cu.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
make -j16 train_mamba_cu test_mamba_cu make_cpu_fixture train_mamba dev/data/prepare_bytes dev/data/tokenize dev/data/tinyshakespeare/tiny_shakespeare_train.bin \
    dev/data/tinyshakespeare/tiny_shakespeare_val.bin > $OUT/build.log 2>&1 || { tail -20 $OUT/build.log; exit 1; }
echo "built in $(( $(date +%s) - start )) s"
BIN=./train_mamba_cu bash test/test_cli.sh > $OUT/cli_cu.log 2>&1; echo "test_cli_cu rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|stream_eval_is_val|greedy_generation_is|sampled_ids_below" $OUT/cli_cu.log; tail -n 1 $OUT/cli_cu.log
BIN=./train_mamba_cu bash test/test_durability.sh > $OUT/dur_cu.log 2>&1; grep -E "^FAIL" $OUT/dur_cu.log; tail -n 1 $OUT/dur_cu.log
FX=$(mktemp -d); mapfile -t FIXTURES < <(bash test/gpu_fixtures.sh "$FX"); ./test_mamba_cu "${FIXTURES[@]}" > $OUT/mamba_cu.log 2>&1; echo "test_mamba_cu rc $?"; grep -E "^FAIL" $OUT/mamba_cu.log; tail -n 1 $OUT/mamba_cu.log
echo "total $(( $(date +%s) - start )) s"
