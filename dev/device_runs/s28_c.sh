#!/bin/bash
# 2026-12-02 (twenty-seventh session in doc/perf.md), nvidia-h200: the CLI and durability tests against
# train_mamba_cu after the second mutation-testing round's checks (stdout into a file at its size limit, no
# length note on a version-1 state), and test_io.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
make -j16 train_mamba_cu train_mamba test_io dev/data/prepare_bytes dev/data/tokenize dev/data/tinyshakespeare/tiny_shakespeare_train.bin \
    dev/data/tinyshakespeare/tiny_shakespeare_val.bin > $OUT/build.log 2>&1 || { tail -20 $OUT/build.log; exit 1; }
echo "built in $(( $(date +%s) - start )) s"
BIN=./train_mamba_cu bash test/test_cli.sh > $OUT/cli_cu.log 2>&1; echo "test_cli_cu rc $?"; grep -E "^FAIL|stdout_file_size|version1_no_length" $OUT/cli_cu.log; tail -n 1 $OUT/cli_cu.log
BIN=./train_mamba_cu bash test/test_durability.sh 2>&1 | tail -n 1
./test_io | tail -n 1
echo "total $(( $(date +%s) - start )) s"
