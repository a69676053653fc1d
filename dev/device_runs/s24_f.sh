#!/bin/bash
# session 24 run F (nvidia-h200): after the review of the fused step. test_mamba_cu bf16 and fp32 on the
# fixtures of test/run_tests.sh (new: varied norm weights, D and A_log; d36, N = 24, batch 1 on one value per
# load; fused runs launched plainly must give the programmatic runs' bits, also at the 130m layer shape); the
# new playground dev/cuda/decode_step.cu (checks against its CPU reference, then us per layer); generation
# speed at batch 1 and 8; the CLI tests on train_mamba_cu with what time is left.
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
start=$(date +%s)
SM90="-O3 --threads 0 -gencode arch=compute_90,code=sm_90"
(python3 dev/data/tinyshakespeare.py > $OUT/data.log 2>&1) &
nvcc -O3 -gencode arch=compute_90,code=sm_90 -o /tmp/decode_step dev/cuda/decode_step.cu -lcublas -lcublasLt > $OUT/build_playground.log 2>&1 &
make -s -j16 train_mamba train_mamba_cu test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture NVCC_FLAGS="$SM90" > $OUT/build.log 2>&1; echo "build rc $? at $(( $(date +%s) - start )) s"
wait
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
grep -hE "fused_step_d(768|36|64:l2:v300:n24|18)" $OUT/test_mamba_cu.log $OUT/test_mamba_cu_fp32.log | cut -c1-230
timeout 60 /tmp/decode_step > $OUT/decode_step.log 2>&1; echo "decode_step rc $?"; cat $OUT/decode_step.log
for gb in 1 8; do
    timeout 60 ./train_mamba_cu -e mamba-130m -x 0 -p "" -g 400 -gb $gb > /tmp/gen.log 2>&1; echo "130m b$gb: rc $? $(grep -E '^decode:' /tmp/gen.log)"
done
BIN=./train_mamba_cu timeout $(( 300 - ($(date +%s) - start) )) bash test/test_cli.sh > $OUT/test_cli_cu.log 2>&1; echo "test_cli_cu rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL|passed, .* failed" $OUT/test_cli_cu.log | tail -8
