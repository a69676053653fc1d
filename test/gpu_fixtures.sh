#!/usr/bin/env bash
# Writes the CPU-trainer fixtures the GPU tests compare against into DIR, then prints every fixture
# test_mamba_cu runs (the two PyTorch ones first), one path per line:
#     mapfile -t FIXTURES < <(bash test/gpu_fixtures.sh "$DIR")
# Needs ./make_cpu_fixture. Used by test/run_tests.sh and the device-run scripts (dev/device_runs/).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -eu
FX=${1:?usage: test/gpu_fixtures.sh DIR}
# shapes the PyTorch fixtures do not cover: T not a multiple of the scan chunk, a padded vocabulary,
# and T much longer than the chunk
./make_cpu_fixture "$FX/cpu_t100.bin" d64:l2:v256 2 100 1 >/dev/null
./make_cpu_fixture "$FX/cpu_v1001_t77.bin" d96:l3:v1001 3 77 2 >/dev/null
./make_cpu_fixture "$FX/cpu_t8192.bin" d64:l2:v256 1 8192 3 >/dev/null
# vocabularies past the classifier's one-warp-per-row limit (4 KB rows): its block path, fp32 and bf16
./make_cpu_fixture "$FX/cpu_v2000_t64.bin" d64:l2:v2000 2 64 4 >/dev/null
./make_cpu_fixture "$FX/cpu_v50280_t32.bin" d32:l1:v50280 1 32 5 >/dev/null
# a 16-token vocabulary: ~37 positions per token, so the embedding backward cuts tokens into segments
./make_cpu_fixture "$FX/cpu_v16_t300.bin" d32:l2:v16 2 300 6 >/dev/null
# the larger released models' widths: RMSNorm with 2 and 4 warps per row (C = 1536, 2560), dt_rank
# 96 and 160. AdamW at lr 1e-4: at the default 1e-3 these 19M / 40M-parameter models memorise the
# one sequence in 10 steps (loss 26 -> 2e-4) so chaotically that at C = 2560 even the fp32 build's
# loss curve, whose only difference from the CPU's is the order of sums, ends up 1.5 nats away
# (its gradients match to 1e-4); at 1e-4 the fp32 build matches to 8e-6.
# T = 41 and 23 (40 and 24 until 2026-12-03): rows the 4 and 2 rows of a round (2 and 4 warps per row)
# do not divide, so the backward's partial last round runs (mutation testing: a version that skipped
# it passed with 40 and 24)
./make_cpu_fixture "$FX/cpu_c1536_t41.bin" d1536:l1:v256 1 41 7 1e-4 >/dev/null
./make_cpu_fixture "$FX/cpu_c2560_t23.bin" d2560:l1:v256 1 23 8 1e-4 >/dev/null
# C = 18 with expand 4 (Di = 72, not a multiple of the scan's 32 channels per block): C is not a
# multiple of 4, so RMSNorm takes its scalar kernels and the weight gradient the column sums of
# llmc/cuda/reduce.cuh, which no other shape reaches; B*T = 512 rows fill all 64 slices of the sums
# and all 8 row lanes of each slice (at 128 rows, lanes 2-7 and a dropped last lane went unseen)
./make_cpu_fixture "$FX/cpu_c18_e4_t256.bin" d18:l2:v256:e4 2 256 9 >/dev/null
printf '%s\n' test/fixtures/mamba_tiny.bin test/fixtures/mamba_small2.bin "$FX"/cpu_t100.bin "$FX"/cpu_v1001_t77.bin \
    "$FX"/cpu_t8192.bin "$FX"/cpu_v2000_t64.bin "$FX"/cpu_v50280_t32.bin "$FX"/cpu_v16_t300.bin "$FX"/cpu_c1536_t41.bin \
    "$FX"/cpu_c2560_t23.bin "$FX"/cpu_c18_e4_t256.bin
