#!/bin/bash
# session 18 run E (nvidia-h200): the CLI suite against train_mamba_cu after the staged HF export (the rest of
# make test ran in s18_d.sh; these headers are shared with the CPU trainer, whose make test ran locally)
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
s=$(date +%s)
make -j16 train_mamba_cu train_mamba test_hf dev/data/prepare_bytes dev/data/tokenize data > $OUT/build.log 2>&1 || { tail -5 $OUT/build.log; exit 1; }
echo "build $(( $(date +%s) - s )) s"
BIN=./train_mamba_cu timeout 300 bash test/test_cli.sh > $OUT/cli_cu.log 2>&1; echo "test_cli (train_mamba_cu) rc $?"
grep -E "^FAIL" $OUT/cli_cu.log | head; tail -1 $OUT/cli_cu.log
./test_hf | tail -1
rm -rf /tmp/exp; ./train_mamba_cu -e test/fixtures/hf_tiny_fp32 -b 4 -t 32 -x 0 -m 1 -hf /tmp/exp > /dev/null 2>&1; ls /tmp/exp
timeout 120 python3 dev/ref/make_hf_fixture.py --check-export /tmp/exp test/fixtures/hf_tiny_logits.bin 2>&1 | tail -2
