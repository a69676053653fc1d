#!/bin/bash
# Written 2026-12-07 (seventy-fifth stop), nvidia-h100-x1 or nvidia-h200: the stop's trainer changes on a GPU machine.
# The CLI suite on train_mamba_cu (-nt noted as unused, -pn N without a rank refused, a -tk .bin compared on resume, JSON
# files with a NUL refused) and multi_gpu_shm (2 ranks of 2 micro-steps against one GPU's 4 at -z 0 / -z 1, -m per
# process, -m -1 over every val window whatever the process count). About 80 s build + 300 + 120 s.
set -u
. dev/device_runs/setup.sh
make -s data > /dev/null 2>&1
TEST_ONLY='^(test_cli_cu|multi_gpu_shm)$' timeout 570 make -j16 "$NV" test > "$OUT/s75_b.log" 2>&1
echo "make test (test_cli_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s75_b.log" | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " "$OUT/s75_b.log" | grep -v "SKIP\|^--- cpu_" | tail -8
grep -E "gpu_threads_flag_noted|gpu_refuses_processes_without_rank|resume_other_bin|resume_same_tokenizer_as_bin|micro_steps_match|val_m_per_process|val_all" "$OUT/s75_b.log" | cut -c1-200 | head -20
