#!/bin/bash
# 2026-12-03 (thirty-third session in doc/perf.md), nvidia-h200: mutation testing of the GPU trainer's
# command-line program (dev/mutation/cli_mutants.json: bugs in train_mamba.cu's main, loop, checkpoints,
# evaluation and generation wiring, which test_mamba_cu does not reach). Per mutant: `make train_mamba_cu` (sm_90)
# and what the suites run, then `BIN=./train_mamba_cu bash test/test_cli.sh`, then, where that passed,
# test_durability.sh. The unmutated tree runs alongside the mutants (CLEAN_FIRST=0) and must pass.
# First call (all 18, RUN_JOBS=9, RUN_TIMEOUT=300): every run, the unmutated one too, timed out at 300 s. One CLI
# suite takes ~100 s alone; nine processes of tiny kernels time-slicing one GPU took over 3x that each. So: few
# runs at a time (RUN_JOBS=2), a chosen subset (ONLY). Second call, after the CPU CLI round's checks:
#   ONLY=cli_grad_clip_ratio_inverted,cli_checkpoint_epoch_not_saved,cli_recompute_flag_ignored,cli_stopped_checkpoint_not_resaved,cli_zero_grad_dropped \
#   OMP_NUM_THREADS=4 RUN_JOBS=3 DEADLINE=330 RUN_TIMEOUT=220 timeout 540 bash dev/device_runs/s34_b.sh
# unmutated 250 + 16 passed, all 5 killed, 396 s (dev/mutation/README.md).
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
SUITE=cli CLEAN_FIRST=0 JOBS=16 RUN_JOBS=${RUN_JOBS:-2} DEADLINE=${DEADLINE:-470} RUN_TIMEOUT=${RUN_TIMEOUT:-240} \
    timeout 585 python3 dev/mutation/run_mutants.py $OUT dev/mutation/cli_mutants.json
echo "rc $? at $(( $(date +%s) - start )) s"
for f in /tmp/mutants_cli/clean/test_cli.log /tmp/mutants_cli/clean/test_durability.log; do echo "$f: $(tail -n 1 $f 2>/dev/null)"; done
grep -h "^FAIL" /tmp/mutants_cli/clean/*.log | head -20
for d in /tmp/mutants_cli/*/; do n=$(basename $d); [ -f $d/test_cli.log ] && echo "$n: $(grep -c '^FAIL' $d/test_cli.log) FAIL, $(tail -n 1 $d/test_cli.log)"; done
