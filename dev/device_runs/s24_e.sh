#!/bin/bash
# session 24 run E (nvidia-h200): the closing check of the fused recurrent step at the committed tree: the GPU
# suites of `make test` (test_mamba_cu bf16 and fp32 on the fixtures of test/run_tests.sh; the CLI tests on
# train_mamba_cu, after preparing the tinyshakespeare shards), memcheck on a fused top-k / top-p generation.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
python3 dev/data/tinyshakespeare.py > $OUT/data.log 2>&1 || echo "data preparation failed"
make -s -j16 train_mamba train_mamba_cu test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture NVCC_FLAGS="-O3 --threads 0 -gencode arch=compute_90,code=sm_90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
FX=$(mktemp -d)
./make_cpu_fixture "$FX/cpu_t100.bin" d64:l2:v256 2 100 1 >/dev/null
./make_cpu_fixture "$FX/cpu_v1001_t77.bin" d96:l3:v1001 3 77 2 >/dev/null
./make_cpu_fixture "$FX/cpu_t8192.bin" d64:l2:v256 1 8192 3 >/dev/null
./make_cpu_fixture "$FX/cpu_v2000_t64.bin" d64:l2:v2000 2 64 4 >/dev/null
./make_cpu_fixture "$FX/cpu_v50280_t32.bin" d32:l1:v50280 1 32 5 >/dev/null
./make_cpu_fixture "$FX/cpu_v16_t300.bin" d32:l2:v16 2 300 6 >/dev/null
./make_cpu_fixture "$FX/cpu_c1536_t40.bin" d1536:l1:v256 1 40 7 1e-4 >/dev/null
./make_cpu_fixture "$FX/cpu_c2560_t24.bin" d2560:l1:v256 1 24 8 1e-4 >/dev/null
FIXTURES=(test/fixtures/mamba_tiny.bin test/fixtures/mamba_small2.bin "$FX"/cpu_t100.bin "$FX"/cpu_v1001_t77.bin "$FX"/cpu_t8192.bin "$FX"/cpu_v2000_t64.bin "$FX"/cpu_v50280_t32.bin "$FX"/cpu_v16_t300.bin "$FX"/cpu_c1536_t40.bin "$FX"/cpu_c2560_t24.bin)
timeout 120 ./test_mamba_cu "${FIXTURES[@]}" > $OUT/test_mamba_cu.log 2>&1; echo "test_mamba_cu rc $? at $(( $(date +%s) - start )) s"
timeout 120 ./test_mamba_cu_fp32 "${FIXTURES[@]}" > $OUT/test_mamba_cu_fp32.log 2>&1; echo "test_mamba_cu_fp32 rc $? at $(( $(date +%s) - start )) s"
grep -hE "^FAIL|passed, .* failed" $OUT/test_mamba_cu.log $OUT/test_mamba_cu_fp32.log
timeout 60 compute-sanitizer --tool memcheck --error-exitcode 9 ./train_mamba_cu -e d32:l2:v1001 -x 0 -p "" -g 8 -gb 3 -gk 5 -gp 0.9 > $OUT/memcheck_gen.log 2>&1; echo "memcheck generation rc $?"; tail -n 1 $OUT/memcheck_gen.log
BIN=./train_mamba_cu timeout $(( 520 - ($(date +%s) - start) )) bash test/test_cli.sh > $OUT/test_cli_cu.log 2>&1; echo "test_cli_cu rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, .* failed" $OUT/test_cli_cu.log | tail -8
