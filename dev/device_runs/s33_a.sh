#!/bin/bash
# 2026-12-03 (thirty-second session in doc/perf.md), nvidia-h200: mutation testing of the GPU code.
# Every planted bug of dev/mutation/gpu_mutants_*.json in its own copy of the tree, test_mamba_cu built
# bf16 and fp32 (sm_90), run on `make test`'s fixtures (dev/mutation/run_mutants.py, then named run_gpu_mutants.py). Two calls: the first
# (`GPU_JOBS=6 bash dev/device_runs/s33_a.sh`, all 45) reached 25 before its deadline; the second ran the other 20
# (MUTANTS= a list of those 20, the same entries; the harness's ONLY= does that now) after its fp32 builds became
# lazy (built only where the bf16 run passes).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L; nproc
make make_cpu_fixture > /dev/null || exit 1
DEADLINE=${DEADLINE:-430} RUN_TIMEOUT=${RUN_TIMEOUT:-150} GPU_JOBS=${GPU_JOBS:-4} timeout 590 \
    python3 dev/mutation/run_mutants.py $OUT ${MUTANTS:-dev/mutation/gpu_mutants_*.json}
echo "rc $?"
