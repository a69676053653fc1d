#!/bin/bash
# session 16 run D (nvidia-h200): the CLI suite on train_mamba_cu at ad5d99a (the warmup note and the
# review fixes after run C's full make test); the device's git metadata may be stale (run C printed
# b973cba), the files are the working tree's
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
make -s train_mamba_cu train_mamba data dev/data/prepare_bytes dev/data/tokenize > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
BIN=./train_mamba_cu timeout 300 bash test/test_cli.sh > $OUT/cli_gpu.log 2>&1; echo "cli rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, " $OUT/cli_gpu.log
