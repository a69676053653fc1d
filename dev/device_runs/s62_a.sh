#!/bin/bash
# Written 2026-12-05 (sixty-second stop; no device was lent in it, so for a later one), nvidia-h100-x1 or nvidia-h200:
# this stop's changes on the GPU trainer and the launcher: a val set too large to check whole at start-up has the
# batches its evaluations read checked at start-up, every rank's (test_multi_gpu.sh's
# val_bad_token_in_one_ranks_window_ends_both_at_start on ranks over shared memory, test_cli.sh's val_bad_token_* on
# train_mamba_cu); scripts/multi_gpu.sh no longer moves to the repository (the trainer's relative paths are the
# caller's), which every multi_gpu_shm check launches through; the glob-literal check of -i / -j / -es and the long
# -e directory's tokenizer; closed stdout / stderr and an unreadable commands.txt (test_cli.sh
# on train_mamba_cu); with the rest of the GPU suites.
bash dev/device_runs/gpu_suites.sh test_s62_a
