#!/bin/bash
# Written 2026-12-06 (seventy-first stop), nvidia-h100-x1 or nvidia-h200: s71_a.sh cut to what fits ~450 s of device
# time: the CLI and durability suites on train_mamba_cu (the stop's host changes it shares with the CPU trainer), built
# as s70_a.sh builds; test_mamba_cu (no kernel changed) left out. CLI_T=<s> cuts the CLI suite shorter (default 400)
set -u
. dev/device_runs/setup.sh
make -j16 "$NV" train_mamba train_mamba_cu data dev/data/prepare_bytes dev/data/tokenize > "$OUT/s71_c_build.log" 2>&1
echo "build rc $? at $(( $(date +%s) - start )) s"
BIN=./train_mamba_cu timeout "${CLI_T:-400}" bash test/test_cli.sh > "$OUT/s71_c_cli.log" 2>&1 # (as make test's test_cli_cu runs it)
echo "test_cli on train_mamba_cu rc $? at $(( $(date +%s) - start )) s"
grep -E "^FAIL" "$OUT/s71_c_cli.log" | cut -c1-300 | head -20
grep -E "passed, " "$OUT/s71_c_cli.log" | tail -2
BIN=./train_mamba_cu timeout 60 bash test/test_durability.sh > "$OUT/s71_c_dur.log" 2>&1
echo "test_durability on train_mamba_cu rc $? at $(( $(date +%s) - start )) s"; grep -E "^FAIL|passed, " "$OUT/s71_c_dur.log" | tail -4
