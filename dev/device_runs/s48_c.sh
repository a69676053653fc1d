#!/bin/bash
# Written 2026-12-05 (fifty-sixth stop), nvidia-h200, after s48_b.sh on the same machine (its build kept): the
# durability suite on train_mamba_cu, the multi-process suite over shared memory (the stop line's -y reaches it),
# and test_hf_transformers with the GPU machine's torch 2.x and transformers (torch_save_of_this_torch_reads: our
# reader on a pytorch_model.bin that torch 2.x wrote).
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_durability_cu|multi_gpu_shm|test_hf_transformers)$' timeout 560 make -j16 "$NV" test > $OUT/test_c.log 2>&1
echo "make test (test_durability_cu, multi_gpu_shm, test_hf_transformers) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test_c.log | cut -c1-300 | head -20
grep -E "^=== |^--- |passed, |torch_save_of|hf_export_loads" $OUT/test_c.log | grep -v "SKIP\|^--- cpu_" | tail -12
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
