#!/bin/bash
# Written 2026-12-05 (fifty-eighth stop), nvidia-h100-x1: test_hf_transformers again after s50_a.sh found that
# transformers 5.17 ignores save_pretrained(safe_serialization=False) and writes safetensors only, so
# transformers_sharded_bin_reads_* now writes the sharded pytorch_model.bin layout with torch.save where transformers
# does not. About 110 s build + 145 s.
set -u
bash dev/device_runs/s49_b.sh
grep -E "sharded_bin" $OUT/test_b.log
