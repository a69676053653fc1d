#!/bin/bash
# Written 2026-12-05 (fifty-seventh stop, no GPU lent that stop), for nvidia-h200 after s49_a.sh on the same machine
# (its build kept): test_hf_transformers with the GPU machine's torch 2.x, whose new torch_save_without_crc_reads_*
# checks what the reader's rule for files saved without CRC-32s rests on (torch.serialization.set_crc32_options(False)
# writes 0 in every entry's CRC field) and that both trainers read such a file to the same val loss, and the new
# transformers_sharded_bin_reads_* (transformers' save_pretrained(safe_serialization=False) in shards, read through
# pytorch_model.bin.index.json). About 110 s.
set -u
. dev/device_runs/setup.sh
TEST_ONLY='^(test_hf_transformers)$' timeout 400 make -j16 "$NV" test > $OUT/test_b.log 2>&1
echo "make test (test_hf_transformers) rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" $OUT/test_b.log | cut -c1-300 | head -20
grep -E "without_crc|torch_save_of|sharded|passed, " $OUT/test_b.log | tail -10
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
