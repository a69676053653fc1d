#!/bin/bash
# Written 2026-12-05 (fifty-fifth stop, no GPU lent), for the next GPU session, nvidia-h200: the host-side changes that
# reach train_mamba.cu since the last GPU run (s46_d.sh): the PyTorch checkpoint reader (pytorch_model.bin), -x 0 -hf
# converting without an evaluation, AdamW's t leaving out skipped updates (state version 7), report_val, the vocabulary
# note, print_stopped. The CLI suite on train_mamba_cu, then the GPU unit suite.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_cli_cu|test_mamba_cu)$' timeout 540 make -j16 "$NV" test > $OUT/test.log 2>&1
echo "make test (CLI on train_mamba_cu, test_mamba_cu) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, " $OUT/test.log | grep -v "SKIP\|^--- cpu_" | tail -6
grep -E "^PASS (eval_pytorch_model_bin|x0_hf_|skipped_update_not_an_adamw_step|resume_version6|resume_skips_past_step)" $OUT/test.log | cut -c1-200
