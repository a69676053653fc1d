#!/bin/bash
# Written 2026-12-05 (fifty-seventh stop, no GPU lent that stop), for nvidia-h200: that stop's host-side changes,
# which the GPU trainer shares. Stop signals: a sample cut short (sample() returns 0; every rank learns of rank 0's cut
# through multi_gpu_sum_int; the RNG from before the sample kept), the run stopping at a step whose checkpoint a signal
# came during (a collective at every checkpointed step and at step 0), nothing saved at step 0, no second write of a
# stopped step's checkpoint with nothing due, the first signal's answer on stderr (rank 0 alone, held while a sample
# prints), SA_RESTART. Also sharded pytorch_model.bin (eval_sharded_pytorch_model_bin), files without CRC-32s, -hf
# into -o refused, the new error hints. The CLI suite on train_mamba_cu (stop_during_sampling_at_step_10/20,
# stop_answer_after_the_sample, stop_during_checkpoint_stops_there, stop_at_step_0_saves_nothing,
# stop_after_step_0_evaluation_saves_nothing, stop_signal_answer_without_o, signals_15_15_exit_at_once,
# resume_after_stop_names_what_is_due), test_mamba_cu, the durability suite, and the multi-process suite over shared
# memory (stop_during_sampling_two_ranks, stop_answered_once). About 450 s with the build (build ~110 s, test_cli_cu
# ~170, test_mamba_cu ~25, durability ~60, multi_gpu_shm ~80).
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_mamba_cu|test_durability_cu|multi_gpu_shm)$' timeout 580 make -j16 "$NV" test > $OUT/test_a.log 2>&1
echo "make test (test_cli_cu, test_mamba_cu, test_durability_cu, multi_gpu_shm) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test_a.log | cut -c1-300 | head -20
grep -E "stop_during|stop_answer|step_0|exit_at_once|what_is_due|sharded" $OUT/test_a.log | head -12
grep -E "^=== |^--- |passed, " $OUT/test_a.log | grep -v "SKIP\|^--- cpu_" | tail -8
