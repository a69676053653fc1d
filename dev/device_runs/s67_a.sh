#!/bin/bash
# Written 2026-12-06 (sixty-seventh stop), nvidia-h100-x1 or nvidia-h200: the GPU suites after this stop's changes to
# the shared start-up (-gf's messages and terminal note, the samples' bidi escapes, bpe_show_) and the data-tool checks
# that test_cli.sh runs for either trainer; which checks said SKIP (prompt_file_terminal_noted needs script(1))
set -u
bash dev/device_runs/gpu_suites.sh s67_a
grep -E "^SKIP" "$OUT/s67_a.log" | sort | uniq -c | head -20
grep -E "prompt_file_terminal_noted|gpu_flags_noted_on_cpu|tinyshakespeare_py_|random_shard_stopped" "$OUT/s67_a.log" | head -10
