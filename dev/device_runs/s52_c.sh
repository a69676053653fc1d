#!/bin/bash
# Written 2026-12-05 (fifty-ninth stop), for what little device time was left after many refused starts:
# the GPU trainer's out-of-memory lines with this stop's hints (the activations' and the generation state's,
# as test_cli.sh checks them), test_mamba_cu on its fixtures, then the CLI suite on train_mamba_cu for as
# long as the call lasts (its log comes back whole or cut). About 100 s build + 25 + 200 s.
set -u
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba_cu test_mamba_cu make_cpu_fixture > $OUT/build.log 2>&1
echo "build rc $? at $(( $(date +%s) - start )) s"
make -s data > /dev/null 2>&1
TS_TRAIN=dev/data/tinyshakespeare/tiny_shakespeare_train.bin
./train_mamba_cu -e d128:l256:v256 -b 4 -t 65536 -r 0 -x 1 -v 0 -g 0 -nt 2 -i "$TS_TRAIN" -j "$TS_TRAIN" 2>&1 >/dev/null | grep "^error" | cut -c1-300
./train_mamba_cu -e d256:l1024:v256 -x 0 -v 0 -g 1 -gb 4096 -nt 2 2>&1 >/dev/null | grep "^error" | cut -c1-300
echo "oom lines at $(( $(date +%s) - start )) s"
FX=$(mktemp -d); mapfile -t FIXTURES < <(bash test/gpu_fixtures.sh "$FX")
./test_mamba_cu "${FIXTURES[@]}" > $OUT/test_mamba_cu.log 2>&1
echo "test_mamba_cu rc $? at $(( $(date +%s) - start )) s: $(tail -n 1 $OUT/test_mamba_cu.log)"
BIN=./train_mamba_cu bash test/test_cli.sh > $OUT/test_cli_cu.log 2>&1
echo "test_cli_cu rc $? at $(( $(date +%s) - start )) s: $(tail -n 1 $OUT/test_cli_cu.log)"
