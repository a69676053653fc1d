#!/bin/bash
# 2026-12-02 (twenty-seventh session in doc/perf.md), nvidia-h200: test_mamba_cu (bf16 and fp32) with the new
# checks: the recurrent step vs the forward on parameters moved off the fixture's initial values, and the
# accuracy counts over the classifier's three kernels (V = 8, 1000, 50280, 65536).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
make -j16 test_mamba_cu test_mamba_cu_fp32 make_cpu_fixture train_mamba > $OUT/build.log 2>&1 || { tail -20 $OUT/build.log; exit 1; }
echo "built in $(( $(date +%s) - start )) s"
FX=$(mktemp -d)
mapfile -t FIXTURES <<< "$(bash test/gpu_fixtures.sh "$FX")"
for b in test_mamba_cu test_mamba_cu_fp32; do
    ./$b "${FIXTURES[@]}" > $OUT/$b.log 2>&1; echo "$b rc $?"
    grep -E "^FAIL|step_matches|step_per_op|accuracy_counts" $OUT/$b.log; tail -n 1 $OUT/$b.log
done
echo "total $(( $(date +%s) - start )) s"
