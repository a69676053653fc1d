#!/bin/bash
# Written 2026-12-06 (sixty-eighth stop), nvidia-h100-x1 or nvidia-h200: the GPU suites after the stop's changes to the
# trainers' shared host code (SIGHUP, -x 0's notes, -p's error, the -hf export's switch under a signal, the -e
# directory's FIFO tokenizer.json, the eval and outlier notes): test_cli_cu, test_mamba_cu, test_durability_cu, multi_gpu_shm
set -u
bash dev/device_runs/gpu_suites.sh s68_a
