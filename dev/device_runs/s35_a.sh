#!/bin/bash
# 2026-12-03 (thirty-fourth session in doc/perf.md), nvidia-h200: the 13 GPU CLI mutants (dev/mutation/cli_mutants.json)
# that s34_b.sh left unrun, now with FAIL_FAST (a mutant's suite stops at its first FAIL line; the unmutated tree
# runs whole and must pass). Three runs at a time (nine time-sliced ones all timed out, s34_b.sh).
#   bash dev/device_runs/s35_a.sh          (ONLY=... to run fewer)
# First call (504 s): unmutated 250 + 16 passed; 11 killed; cli_gen_last_prompt_token_fed_twice and
# cli_done_marker_not_atomic passed test_cli.sh and hit the deadline before durability. Second call, after the new
# check greedy_generation_continues_a_memorised_window:
#   ONLY=cli_gen_last_prompt_token_fed_twice,cli_done_marker_not_atomic bash dev/device_runs/s35_a.sh
set -u
for f in .debs/*.deb; do dpkg -x $f /tmp/cj; done
export CPATH=/tmp/cj/usr/include LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=/tmp/cj/usr/lib/x86_64-linux-gnu NCCL_NVLS_ENABLE=0
nvidia-smi -L
start=$(date +%s)
ALL=cli_resume_m_not_restored,cli_save_v_from_m,cli_resume_rng_reseeded,cli_resume_start_step_plus_one,cli_resume_sample_index_unconverted,cli_lr_schedule_step_plus_one,cli_eval_loader_not_reset,cli_val_loader_reads_train_data,cli_stream_eval_drops_last_chunk,cli_sample_temperature_ignored,cli_gen_last_prompt_token_fed_twice,cli_accum_loss_not_averaged,cli_done_marker_not_atomic
ONLY=${ONLY:-$ALL} SUITE=cli CLEAN_FIRST=0 JOBS=16 OMP_NUM_THREADS=4 RUN_JOBS=${RUN_JOBS:-3} DEADLINE=${DEADLINE:-430} RUN_TIMEOUT=${RUN_TIMEOUT:-200} \
    timeout 580 python3 dev/mutation/run_mutants.py $OUT dev/mutation/cli_mutants.json 2>&1 | tee $OUT/mutants.txt
echo "rc ${PIPESTATUS[0]} at $(( $(date +%s) - start )) s"
cp /tmp/mutants_cli/clean/test_cli.log $OUT/clean_test_cli.log 2>/dev/null
cp /tmp/mutants_cli/clean/test_durability.log $OUT/clean_test_durability.log 2>/dev/null
grep -h "^FAIL" /tmp/mutants_cli/clean/*.log | head -20
grep -h "recompute_levels" /tmp/mutants_cli/clean/test_cli.log
for d in /tmp/mutants_cli/*/; do n=$(basename $d); [ -f $d/test_cli.log ] && echo "$n: $(grep '^FAIL' $d/test_cli.log | head -n 2 | cut -c1-150), $(tail -n 1 $d/test_cli.log)"; done
