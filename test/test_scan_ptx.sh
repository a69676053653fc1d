#!/usr/bin/env bash
# The scan kernels leave no multiply-add to the compiler. -r 0, 1 and 2 run different instantiations of
# llmc/cuda/scan.cuh's kernels and must give the same bits (test_mamba_cu compares them on a GPU), but a
# plain `a*b + c` may be fused into one rounding in one instantiation and not in another: the
# thirty-seventh session's grouped -r 1 kernel did that to du and d_delta_raw (doc/perf.md, doc/gpu.md
# section 5). In PTX such a product is a `mul.f32` (an explicit __fmul_rn is `mul.rn.f32`, an fmaf
# `fma.rn.f32`) whose result feeds an `add.f32` / `sub.f32` (ptxas may fuse the two) or the addend of an
# `fma.rn.f32` (where the front end already chose which product to fuse). This suite compiles the header to
# PTX, bf16 and fp32 builds, and counts such pairs in every forward and backward kernel: there must be
# none. A small file with both patterns checks that the counter finds them.
# Needs nvcc (not a GPU; CI has it); without it every check is reported as SKIP, not counted as passed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -u
cd "$(dirname "$0")/.." || exit 1
. test/check.sh
TMP=$(mktemp -d); trap 'in_main_shell && rm -rf "$TMP"' EXIT

# contractible <ptx> <entry regex>: "<entry> <pairs>" for each matching entry
contractible() {
    awk -v pat="$2" '
        function flush() { if (name != "" && name ~ pat) print name, n }
        /\.entry / { flush(); name = $0; sub(/.*\.entry[ \t]+/, "", name); sub(/\(.*/, "", name); n = 0; split("", mul); next }
        name != "" {
            line = $0; sub(/^[ \t]+/, "", line); sub(/^@!?%p[0-9]+[ \t]+/, "", line)
            op = line; sub(/[ \t].*/, "", op)
            args = line; sub(/^[^ \t]+[ \t]*/, "", args); sub(/;.*/, "", args); gsub(/[ \t]/, "", args)
            split(args, a, ",")
            if (op ~ /^mul(\.ftz)?\.f32$/) { mul[a[1]] = 1 }
            else if (op ~ /^(add|sub)(\.ftz)?(\.sat)?\.f32$/ && ((a[2] in mul) || (a[3] in mul))) { n++ }
            else if (op ~ /^fma\.rn(\.ftz)?(\.sat)?\.f32$/ && (a[4] in mul)) { n++ }
        }
        END { flush() }' "$1"
}

if ! command -v nvcc > /dev/null 2>&1; then
    for c in counter_finds_unfused_products scan_kernels_bf16 scan_kernels_fp32; do
        echo "SKIP scan_ptx_$c: no nvcc (not counted as passed)"
    done
else
    cat > "$TMP/probe.cu" << 'EOF'
__global__ void two_uses(float *o, const float *a, const float *b, const float *c) { // mul.f32 -> add.f32
    const int i = threadIdx.x; const float t = a[i] * b[i]; o[i] = t + c[i]; o[i + 64] = t;
}
__global__ void two_products(float *o, const float *a, const float *b, const float *c) { // mul.f32 -> fma addend
    const int i = threadIdx.x; o[i] = a[i] * b[i] + c[i] * a[i + 1];
}
__global__ void explicit_roundings(float *o, const float *a, const float *b, const float *c) {
    const int i = threadIdx.x; o[i] = fmaf(a[i], b[i], __fmul_rn(c[i], a[i + 1])); o[i + 64] = __fadd_rn(__fmul_rn(a[i], b[i]), c[i]);
}
EOF
    printf '#include "llmc/cuda/scan.cuh"\n' > "$TMP/scan.cu"
    nvcc -ptx -arch=compute_90 -o "$TMP/probe.ptx" "$TMP/probe.cu" > "$TMP/probe.log" 2>&1 &
    nvcc -ptx -arch=compute_90 -I. -o "$TMP/bf16.ptx" "$TMP/scan.cu" > "$TMP/bf16.log" 2>&1 &
    nvcc -ptx -arch=compute_90 -I. -DENABLE_FP32 -o "$TMP/fp32.ptx" "$TMP/scan.cu" > "$TMP/fp32.log" 2>&1 &
    wait
    if [ ! -s "$TMP/probe.ptx" ]; then
        bad scan_ptx_counter_finds_unfused_products "nvcc failed: $(head -n 2 "$TMP/probe.log" | tr '\n' ' ')"
    else
        contractible "$TMP/probe.ptx" . > "$TMP/probe.pairs"
        pairs() { awk -v k="$1" 'index($1, k) { print $2 }' "$TMP/probe.pairs"; }
        got="two_uses $(pairs two_uses), two_products $(pairs two_products), explicit_roundings $(pairs explicit_roundings)"
        if [ "$(pairs two_uses)" -ge 1 ] 2> /dev/null && [ "$(pairs two_products)" -ge 1 ] 2> /dev/null && [ "$(pairs explicit_roundings)" = 0 ]; then
            ok "scan_ptx_counter_finds_unfused_products ($got)"
        else
            bad scan_ptx_counter_finds_unfused_products "expected pairs in two_uses and two_products, none in explicit_roundings: $got"
        fi
    fi
    for build in bf16 fp32; do
        name=scan_ptx_scan_kernels_$build
        if [ ! -s "$TMP/$build.ptx" ]; then bad "$name" "nvcc failed: $(head -n 2 "$TMP/$build.log" | tr '\n' ' ')"; continue; fi
        contractible "$TMP/$build.ptx" 'selective_scan_(forward|backward)_kernel' > "$TMP/$build.pairs"
        kernels=$(wc -l < "$TMP/$build.pairs")
        left=$(awk '$2 > 0' "$TMP/$build.pairs")
        if [ "$kernels" -lt 20 ]; then bad "$name" "only $kernels forward/backward kernels in the PTX"
        elif [ -n "$left" ]; then bad "$name" "products left to the compiler (kernel, pairs): $(echo "$left" | head -n 3 | tr '\n' ' ')"
        else ok "$name ($kernels kernels, no product left to the compiler)"; fi
    done
fi
finish_checks
