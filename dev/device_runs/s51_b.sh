#!/bin/bash
# Written 2026-12-05 (fifty-eighth stop): s51_a.sh cut to what the session's last ~560 s of device time holds: the CLI
# suite on train_mamba_cu alone (the stop changed host code only: the training loop asking due_at_step, skip_update,
# state_at_checkpoint, sample_prompt_ids / print_sample_end, the -hf note of a stopped run, the held stop answer),
# building only what it runs. About 80 s build + 200 s.
set -u
. dev/device_runs/setup.sh
timeout 200 make -j16 "$NV" train_mamba_cu train_mamba dev/data/prepare_bytes dev/data/tokenize data > $OUT/build.log 2>&1
echo "build rc $? at $(( $(date +%s) - start )) s"
BIN=./train_mamba_cu timeout 330 bash test/test_cli.sh > $OUT/test_cli_cu.log 2>&1
echo "test_cli.sh on train_mamba_cu rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test_cli_cu.log | cut -c1-300 | head -20
grep -E "step_0_saves|version6_skips|skipped_update|stop_during_sampling|prompt" $OUT/test_cli_cu.log | head -12
tail -n 1 $OUT/test_cli_cu.log
