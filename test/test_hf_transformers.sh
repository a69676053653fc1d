#!/usr/bin/env bash
# transformers loads what -hf exports: each built trainer imports the transformers-written fixture
# (test/fixtures/hf_tiny_fp32), exports it with -hf, and dev/ref/make_hf_fixture.py --check-export loads
# the export with MambaForCausalLM and compares its logits with the fixture's (1e-4: the weights go
# through fp32 unchanged). Needs python3 with torch and transformers (the GPU machine has them); elsewhere
# every check is reported as SKIP, not counted as passed.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/check.sh
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
if ! python3 -c "import torch, transformers" > /dev/null 2>&1; then
    echo "SKIP hf_export_loads_in_transformers: no python3 with torch and transformers (not counted as passed)"
else
    bins=(train_mamba)
    if [ -x ./train_mamba_cu ] && nvidia-smi -L > /dev/null 2>&1; then bins+=(train_mamba_cu); fi
    for bin in "${bins[@]}"; do
        if ! "./$bin" -e test/fixtures/hf_tiny_fp32 -b 4 -t 32 -x 0 -m 1 -hf "$TMP/exp_$bin" > "$TMP/exp_$bin.log" 2>&1; then
            bad "hf_export_loads_in_transformers_$bin" "export failed: $(tail -n 1 "$TMP/exp_$bin.log")"; continue
        fi
        out=$(timeout 300 python3 dev/ref/make_hf_fixture.py --check-export "$TMP/exp_$bin" test/fixtures/hf_tiny_logits.bin 2>&1); rc=$?
        if [ $rc -eq 0 ] && echo "$out" | grep -q "max abs diff .*: PASS$"; then
            ok "hf_export_loads_in_transformers_$bin ($(echo "$out" | grep -o 'max abs diff [0-9.e+-]*'))"
        else bad "hf_export_loads_in_transformers_$bin" "rc $rc: $(echo "$out" | tail -n 2 | tr '\n' ' ')"; fi
    done
fi
finish_checks
