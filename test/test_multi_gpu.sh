#!/usr/bin/env bash
# Multi-GPU tests: on 2+ GPUs (the device machine's nvidia-h200-x2 kind) with NCCL, or on one GPU with
# MULTI_GPU_BIN=./train_mamba_cu_shm, whose collectives go through shared memory (test/shm_nccl.c) so that
# both ranks can share the GPU (what that covers and what it cannot: the header of test/shm_nccl.c):
#   1 GPU vs 2 GPUs at the same global batch (one micro-step per rank, and two), -z 1 vs -z 0, bitwise resume on 2 GPUs, a 2-GPU
#   checkpoint resumed on 1 GPU at the same data position, a -z 1 checkpoint resumed at -z 0 and on 1 rank,
#   prompt and training runs with the tokenizer on rank 0 only, start-up errors of rank 0 alone ending both at once (a prompt it
#   cannot encode, a resume's -tk other than the run's tokenizer, an -hf it cannot create), a checkpoint, its DONE marker or
#   model_best.bin that rank 0 cannot write ending both at once too (at -z 1 the model file and rank 1's shard too), as do
#   an -o lock file it cannot create and a state shard that rank 1 alone finds corrupt on resume (-z 1), GPU memory, train
#   or val shards or an -mc file that rank 1 alone lacks, and replicas whose weights or (-z 0) moments differ ending
#   both at start-up, before a checkpoint and at a resume, and a killed rank making the other exit non-zero within the
#   -pt bound; an id file left by an earlier launch; ranks that find different
#   checkpoints, -kb, a stop sent to the launcher, an -o held by another run; -mc's shares of examples; with 3+ GPUs
#   (or on one through test/shm_nccl.c) three ranks against one, at -z 0 and -z 1, and their -mc shares; a NaN
#   gradient at -z 1, -nk's pruning of state shards, -hf and -es on 2 ranks; a stop signal to one rank alone;
#   a stop during the sampling that rank 0 does alone, and one answer to a stop however many ranks get it; a bad
#   token id in one rank's batch (a checkpoint before its step, both ranks ending), and in one rank's val batch (both
#   ranks ending at start-up); -m -1's val loss over every window on 1, 2 and 3 ranks of a set whose windows they do not divide,
#   and of shards of one window each; -m past the set noted with its windows.
# One line per check, then "N passed, M failed".
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -u
cd "$(dirname "$0")/.."
BIN=${MULTI_GPU_BIN:-./train_mamba_cu}
TMP=$(mktemp -d)
trap 'in_main_shell && rm -rf "$TMP"' EXIT
. test/check.sh
gpus=$(nvidia-smi -L 2>/dev/null | wc -l)
if [ "$BIN" = ./train_mamba_cu_shm ]; then
    # every rank on GPU 0 (scripts/multi_gpu.sh's ONE_GPU; the ranks started here by hand get LOCAL_RANK 1,
    # which the trainer maps to the one visible GPU), and slots of 64 KiB, so that every collective of the
    # small model runs as many rounds (test/shm_nccl.c's pieces)
    export ONE_GPU=1 SHM_NCCL_SLOT_BYTES=${SHM_NCCL_SLOT_BYTES:-65536}
    need=1
else
    need=2
fi
if [ "$gpus" -lt "$need" ]; then echo "SKIP multi-GPU tests: $gpus GPU(s)"; echo "0 passed, 0 failed"; exit 0; fi
make -s "${BIN#./}" data || { echo "FAIL build"; echo "0 passed, 1 failed"; exit 1; }
export BIN # (scripts/multi_gpu.sh starts it)

# a small model, 24 steps, global batch 4 x 2 x 256 tokens; 6 layers, so the backward's all-reduce
# groups of 4 layers (train_mamba.cu) come as layers 4-5, then 0-3
ARGS=(-e d128:l6:v256 -b 4 -t 256 -d 2048 -x 24 -v 0 -g 0 -sh 0 -l 2e-3 -u 5)
losses() { grep -E '^s:[0-9]+ trl' "$1/main.log" | awk -F'trl:' '{print $2}'; }
# max |a - b| over two loss columns
maxdiff() { paste <(losses "$1") <(losses "$2") | awk 'BEGIN { m = 0 } { d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.6f", m }'; }

"$BIN" "${ARGS[@]}" -o "$TMP/one" > "$TMP/one.out" 2>&1 || bad "one_gpu_run" "$(tail -n 3 "$TMP/one.out")"
bash scripts/multi_gpu.sh -n 2 "${ARGS[@]}" -o "$TMP/two" > "$TMP/two.out" 2>&1 || bad "two_gpu_run" "$(tail -n 3 "$TMP/two.out")"
bash scripts/multi_gpu.sh -n 2 "${ARGS[@]}" -z 1 -o "$TMP/zero" > "$TMP/zero.out" 2>&1 || bad "zero1_run" "$(tail -n 3 "$TMP/zero.out")"
n1=$(losses "$TMP/one" | wc -l); n2=$(losses "$TMP/two" | wc -l)
# bf16 tolerance: the two runs sum the same gradients in a different order (accumulation over
# 2 micro-steps vs an NCCL average of 2 ranks), rounding differs at ~1e-3 relative in bf16
# activations; over 24 steps of training the losses (~2-5) stay within 2e-2. Measured (H200 x2,
# 2026-11-30, doc/perf.md): 1.9e-4 for 2 GPUs vs 1, 1.5e-4 for ZeRO-1 vs ZeRO-0 (the same 2 ranks,
# but a reduce-scatter and an all-gather where ZeRO-0 all-reduces: NCCL sums in another order). The
# bound is ~100x those: small-model training amplifies a rounding difference step by step (the
# single-GPU fixtures' AdamW losses, 10 steps, differ by up to 3e-4), and the suite runs on whatever
# 2-GPU machine is lent. (How far a rank's gradient left out would move them is not measured; the
# resume and data-position checks below are bitwise or exact.)
d=$(maxdiff "$TMP/one" "$TMP/two")
if [ "$n1" -eq 24 ] && [ "$n2" -eq 24 ] && awk -v d="$d" 'BEGIN { exit !(d <= 2e-2) }'; then ok "two_gpus_match_one_gpu (max loss diff $d over 24 steps)"
else bad "two_gpus_match_one_gpu" "max diff $d, steps $n1 / $n2"; fi
d=$(maxdiff "$TMP/two" "$TMP/zero")
if [ "$(losses "$TMP/zero" | wc -l)" -eq 24 ] && awk -v d="$d" 'BEGIN { exit !(d <= 2e-2) }' &&
   grep -q "^| device .* x 2 process(es), .* ZeRO-1" "$TMP/zero.out" && grep -q "^| device .* x 2 process(es), .* ZeRO-0" "$TMP/two.out"
then ok "zero1_matches_zero0 (max loss diff $d)"
else bad "zero1_matches_zero0" "max diff $d"; fi

# ... and with micro-steps on every rank (-d 4096: 2 per rank on 2 ranks, 4 on one GPU), which the runs above (one
# micro-step per rank) leave out: at -z 0 the earlier micro-steps' backward replays the CUDA graph and the last one
# launches plainly, its layer groups all-reduced as it goes; at -z 1 the reduce-scatter follows the last. Same bound.
"$BIN" "${ARGS[@]}" -d 4096 -o "$TMP/acc1" > "$TMP/acc1.out" 2>&1
for z in 0 1; do
    bash scripts/multi_gpu.sh -n 2 "${ARGS[@]}" -d 4096 -z $z -o "$TMP/acc2_$z" > "$TMP/acc2_$z.out" 2>&1; rc=$?
    d=$(maxdiff "$TMP/acc1" "$TMP/acc2_$z")
    if [ "$rc" -eq 0 ] && [ "$(losses "$TMP/acc1" | wc -l)" -eq 24 ] && [ "$(losses "$TMP/acc2_$z" | wc -l)" -eq 24 ] &&
       grep -q "^total batch size 4096 tokens = 4 x 256 x 2 micro-steps x 2 processes" "$TMP/acc2_$z.out" &&
       awk -v d="$d" 'BEGIN { exit !(d <= 2e-2) }'
    then ok "two_gpus_with_micro_steps_match_one_z$z (max loss diff $d over 24 steps)"
    else bad "two_gpus_with_micro_steps_match_one_z$z" "rc $rc, max diff $d: $(grep -m1 '^error' "$TMP/acc2_$z.out" "$TMP/acc1.out")"; fi
done

# -mc on 2 GPUs: each rank scores its share of the examples (4 and 5 of 9) and the counts are summed, the same
# choices as one GPU makes over all 9 (a row's losses do not depend on the rows beside it: test_mamba_cu)
for i in 1 2 3 4 5 6 7 8 9; do
    printf '{"ctx": "First Citizen: example %d, before we proceed any", "endings": ["further", "thing %d", "more", "x"], "label": %d}\n' $i $i $((i % 4))
done > "$TMP/mc.jsonl"
make -s dev/data/tokenize > /dev/null && ./dev/data/tokenize -t bytes -c "$TMP/mc.bin" "$TMP/mc.jsonl" > /dev/null
MCA=(-e "$TMP/one/model_00000024.bin" -b 4 -t 256 -x 0 -m 1 -mc "$TMP/mc.bin")
mc1=$("$BIN" "${MCA[@]}" 2>&1 | grep '^mc accuracy' | cut -d'|' -f1-2)
mc2=$(bash scripts/multi_gpu.sh -n 2 "${MCA[@]}" 2>&1 | grep '^mc accuracy' | cut -d'|' -f1-2)
if [ -n "$mc1" ] && [ "$mc1" = "$mc2" ] && echo "$mc1" | grep -q "| 9 examples"; then ok "mc_eval_two_gpus_match_one_gpu ($mc1)"
else bad "mc_eval_two_gpus_match_one_gpu" "1 GPU: '$mc1', 2 GPUs: '$mc2'"; fi

# -m is per process (README, -h): 2 ranks' -m 2 evaluate the windows of one GPU's -m 4 (rank r's batch j is window
# 2j + r), so the val losses agree to the rounding of the ranks' average; one GPU's -m 2 reads half of them
VA=(-e "$TMP/one/model_00000024.bin" -b 4 -t 256 -x 0)
v14=$("$BIN" "${VA[@]}" -m 4 2>&1 | sed -n 's/^val loss //p')
v12=$("$BIN" "${VA[@]}" -m 2 2>&1 | sed -n 's/^val loss //p')
v22=$(bash scripts/multi_gpu.sh -n 2 "${VA[@]}" -m 2 2>&1 | sed -n 's/^val loss //p')
if [ -n "$v14" ] && [ -n "$v12" ] && [ -n "$v22" ] && awk -v a="$v14" -v b="$v22" -v c="$v12" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 2e-6 && b != c) }'
then ok "val_m_per_process (2 ranks -m 2: $v22, 1 GPU -m 4: $v14, -m 2: $v12)"
else bad "val_m_per_process" "2 ranks -m 2: '$v22', 1 GPU -m 4: '$v14', -m 2: '$v12'"; fi

# -m -1 evaluates every val window once whatever the number of ranks (dataloader.h, every_window: the set's windows
# numbered shard after shard, rank r's batch j the window j*P + r): val shards of 7 and 4 windows of B*T = 1024 tokens
# (11 in all, a multiple of neither 2 nor 3), the 7th window of the first random bytes, the rest tinyshakespeare's val
# text. On 1, 2 and 3 ranks: the same windows ("val batches 11", over all ranks) and the same loss, the mean over the
# windows (all ranks' sums by their count). Tolerance 2e-6 on the printed loss: each window's loss is the same forward
# of the same rows on any rank, but the ranks' sums (doubles) are added in another order, which may move the float
# mean by an ulp (4.8e-7 at a loss in [2, 4)) before %f rounds it; the accuracy, integer counts summed, is exact.
# Fails before by construction: the loader read each shard in whole steps of P windows, so 2 ranks left out the
# random window (7 % 2) and 3 ranks it and the second shard's last (4 % 3); the random window's loss is far from the
# text's, so the mean moves by ~0.1, and "val batches" was per process (5 and 3). Then -m per process across the
# shards' boundary: 2 ranks' -m 4 read the set's first 8 windows, one GPU's -m 8 (they read 0-5 and the second
# shard's 0-1, leaving out the random window)
perl -e 'open(F, "<:raw", $ARGV[0]) or die "$ARGV[0]: $!"; read(F, $h, 1024); read(F, $d, 2 * 10241) == 2 * 10241 or die "short";
         @t = unpack("S<*", $d); @a = (@t[0 .. 6143], map { ($_ * 7919 + 13) % 256 } 0 .. 1024); @b = @t[6144 .. 10240];
         open(A, ">", $ARGV[1]) or die; print A pack("l<256", 20240520, 1, scalar(@a), (0) x 253), pack("S<*", @a); close(A);
         open(B, ">", $ARGV[2]) or die; print B pack("l<256", 20240520, 1, scalar(@b), (0) x 253), pack("S<*", @b); close(B)' \
    dev/data/tinyshakespeare/tiny_shakespeare_val.bin "$TMP/val11_000.bin" "$TMP/val11_001.bin"
VW=(-e "$TMP/one/model_00000024.bin" -b 4 -t 256 -x 0 -j "$TMP/val11_*.bin")
val_of() { sed -n "s/^val $1 //p" "$2"; }
"$BIN" "${VW[@]}" -m -1 > "$TMP/vw1.out" 2>&1
bash scripts/multi_gpu.sh -n 2 "${VW[@]}" -m -1 > "$TMP/vw2.out" 2>&1
ranks="1 2"
if [ "$gpus" -ge 3 ] || [ "$need" = 1 ]; then bash scripts/multi_gpu.sh -n 3 "${VW[@]}" -m -1 > "$TMP/vw3.out" 2>&1; ranks="1 2 3"; fi
l1=$(val_of loss "$TMP/vw1.out"); a1=$(val_of accuracy "$TMP/vw1.out")
for n in $ranks; do
    ln=$(val_of loss "$TMP/vw$n.out"); an=$(val_of accuracy "$TMP/vw$n.out"); bn=$(val_of batches "$TMP/vw$n.out")
    if [ -n "$l1" ] && [ -n "$ln" ] && [ "$bn" = 11 ] && [ -n "$a1" ] && [ "$an" = "$a1" ] &&
       awk -v a="$l1" -v b="$ln" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 2e-6) }'
    then ok "val_all_windows_on_${n}_ranks_match_one (val loss $ln, 1 GPU $l1; accuracy $an; $bn windows)"
    else bad "val_all_windows_on_${n}_ranks_match_one" "val loss '$ln' (1 GPU '$l1'), accuracy '$an' ('$a1'), val batches '$bn' (want 11): $(grep -m1 '^error' "$TMP/vw$n.out")"; fi
done
# -m above what the set holds, noted against its windows: 2 ranks' -m 6 ask for 12 of the 11 (the note quoted rank 0's
# 6 batches, and said nothing: they were all it asked for)
bash scripts/multi_gpu.sh -n 2 "${VW[@]}" -m 6 > "$TMP/vw6.out" 2>&1; rc=$?
if [ "$rc" -eq 0 ] && grep -q "^note: -m 6 on 2 processes is 12 batches, but the val data holds 11: every evaluation uses those 11$" "$TMP/vw6.out" &&
   [ "$(val_of batches "$TMP/vw6.out")" = 11 ]; then ok "val_m_past_the_set_noted_over_ranks"
else bad "val_m_past_the_set_noted_over_ranks" "rc $rc: $(grep -E '^(note: -m|val batches|error)' "$TMP/vw6.out" | tr '\n' ' ')"; fi
# a val set of shards of one window each (3, tinyshakespeare's val text), on 2 and 3 ranks: every window once, the
# loss of one GPU's over them (it was refused, "shard too small", no shard holding a window for each rank)
perl -e 'open(F, "<:raw", $ARGV[0]) or die "$ARGV[0]: $!"; read(F, $h, 1024); read(F, $d, 2 * 3075) == 2 * 3075 or die "short";
         @t = unpack("S<*", $d); for $k (0 .. 2) { open(A, ">", "$ARGV[1]_00$k.bin") or die;
         print A pack("l<256", 20240520, 1, 1025, (0) x 253), pack("S<*", @t[1025 * $k .. 1025 * $k + 1024]); close(A) }' \
    dev/data/tinyshakespeare/tiny_shakespeare_val.bin "$TMP/val1w"
V1=(-e "$TMP/one/model_00000024.bin" -b 4 -t 256 -x 0 -m -1 -j "$TMP/val1w_*.bin")
l1=$("$BIN" "${V1[@]}" 2>&1 | sed -n 's/^val loss //p')
for n in $ranks; do
    [ "$n" = 1 ] && continue
    bash scripts/multi_gpu.sh -n "$n" "${V1[@]}" > "$TMP/v1w$n.out" 2>&1; rc=$?
    ln=$(val_of loss "$TMP/v1w$n.out")
    if [ "$rc" -eq 0 ] && [ "$(val_of batches "$TMP/v1w$n.out")" = 3 ] && [ -n "$l1" ] && [ -n "$ln" ] &&
       awk -v a="$l1" -v b="$ln" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 2e-6) }'
    then ok "val_shards_of_one_window_on_${n}_ranks (val loss $ln, 1 GPU $l1)"
    else bad "val_shards_of_one_window_on_${n}_ranks" "rc $rc, val loss '$ln' (1 GPU '$l1'): $(grep -m1 '^error' "$TMP/v1w$n.out")"; fi
done
v18=$("$BIN" "${VW[@]}" -m 8 2>&1 | sed -n 's/^val loss //p')
v24=$(bash scripts/multi_gpu.sh -n 2 "${VW[@]}" -m 4 2>&1 | sed -n 's/^val loss //p')
if [ -n "$v18" ] && [ -n "$v24" ] && awk -v a="$v18" -v b="$v24" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 2e-6) }'
then ok "val_m_per_process_across_shards (2 ranks -m 4: $v24, 1 GPU -m 8: $v18)"
else bad "val_m_per_process_across_shards" "2 ranks -m 4: '$v24', 1 GPU -m 8: '$v18'"; fi

# three ranks (where 3 GPUs are, or on one GPU through test/shm_nccl.c): ZeRO-1's shards of unequal fill (the
# parameter count is not a multiple of 3: the last shard is padded) and -mc's shares of 3, 3 and 3 of 9 examples
if [ "$gpus" -ge 3 ] || [ "$need" = 1 ]; then
    A3=(-e d128:l6:v256 -b 4 -t 256 -d 3072 -x 24 -v 0 -g 0 -sh 0 -l 2e-3 -u 5)
    "$BIN" "${A3[@]}" -o "$TMP/one3" > "$TMP/one3.out" 2>&1
    for z in 0 1; do
        bash scripts/multi_gpu.sh -n 3 "${A3[@]}" -z $z -o "$TMP/three$z" > "$TMP/three$z.out" 2>&1; rc=$?
        d=$(maxdiff "$TMP/one3" "$TMP/three$z")
        if [ "$rc" -eq 0 ] && [ "$(losses "$TMP/three$z" | wc -l)" -eq 24 ] && [ "$(losses "$TMP/one3" | wc -l)" -eq 24 ] &&
           awk -v d="$d" 'BEGIN { exit !(d <= 2e-2) }' && grep -q "^| device .* x 3 process(es), .* ZeRO-$z" "$TMP/three$z.out"
        then ok "three_ranks_match_one_z$z (max loss diff $d over 24 steps)"
        else bad "three_ranks_match_one_z$z" "rc $rc, max diff $d: $(grep -m1 '^error' "$TMP/three$z.out")"; fi
    done
    mc3=$(bash scripts/multi_gpu.sh -n 3 "${MCA[@]}" 2>&1 | grep '^mc accuracy' | cut -d'|' -f1-2)
    if [ -n "$mc1" ] && [ "$mc1" = "$mc3" ]; then ok "mc_eval_three_ranks_match_one"
    else bad "mc_eval_three_ranks_match_one" "1 rank: '$mc1', 3 ranks: '$mc3'"; fi
fi

# resume on 2 GPUs: 24 straight vs 12 + resume 12, bitwise (both -z 0 and -z 1)
for z in 0 1; do
    bash scripts/multi_gpu.sh -n 2 "${ARGS[@]}" -z $z -n 12 -o "$TMP/full$z" > /dev/null 2>&1
    mkdir -p "$TMP/res$z"; cp "$TMP/full$z"/*00000012* "$TMP/res$z/"
    bash scripts/multi_gpu.sh -n 2 "${ARGS[@]}" -z $z -n 12 -o "$TMP/res$z" -y 1 > "$TMP/res$z.out" 2>&1
    if grep -q "^resuming from step 12" "$TMP/res$z.out" && [ "$(grep -cE '^s:[0-9]+ trl' "$TMP/res$z/main.log")" -eq 12 ] &&
       cmp -s "$TMP/full$z/model_00000024.bin" "$TMP/res$z/model_00000024.bin"; then ok "resume_two_gpus_bitwise_z$z"
    else bad "resume_two_gpus_bitwise_z$z" "$(tail -n 2 "$TMP/res$z.out")"; fi
done

# a -z 1 checkpoint of 2 ranks (2 shards of the optimizer state) resumes in another layout, its moments split anew:
# on 2 ranks at -z 0, on 1 at -z 0 and on 1 at -z 1 (1 shard), each bit for bit as the same run resumed from the whole
# state that test/state_shards.py merges from the shards (its own code, from doc/formats.md's layout); each run says
# it split the state anew (the same -d: 1 rank takes 2 micro-steps)
for to in "2 0" "1 0" "1 1"; do
    read -r np zs <<< "$to"
    re="$TMP/re$np$zs"; rw="$TMP/rw$np$zs"
    mkdir -p "$re" "$rw"; cp "$TMP/full1"/*00000012* "$re/"; cp "$TMP/full1"/*00000012* "$rw/"
    python3 test/state_shards.py merge "$rw" 12
    bash scripts/multi_gpu.sh -n "$np" "${ARGS[@]}" -z "$zs" -n 12 -o "$re" -y 1 > "$re.out" 2>&1; rc1=$?
    bash scripts/multi_gpu.sh -n "$np" "${ARGS[@]}" -z "$zs" -n 12 -o "$rw" -y 1 > "$rw.out" 2>&1; rc2=$?
    if [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] && [ -f "$rw/state_00000012.bin" ] &&
       grep -q "^note: the checkpoint of step 12 holds its optimizer state in 2 shards (-z 1 over 2 processes); this run holds it " "$re.out" &&
       cmp -s "$re/model_00000024.bin" "$rw/model_00000024.bin"; then ok "resume_z1_shards_on_${np}_ranks_at_z${zs}"
    else bad "resume_z1_shards_on_${np}_ranks_at_z${zs}" "rc $rc1 / $rc2: $(grep -hE '^(note: the checkpoint|error)' "$re.out" "$rw.out" | head -n 2)"; fi
done

# a -z 0 checkpoint of 2 GPUs resumes on 1 (same -d): shards are read in whole steps, so it continues the
# same data, and steps 13-24 follow the uninterrupted 2-GPU run's within the 1-vs-2 GPU tolerance above
mkdir -p "$TMP/to1"; cp "$TMP/full0"/*00000012* "$TMP/to1/"
"$BIN" "${ARGS[@]}" -n 12 -o "$TMP/to1" -y 1 > "$TMP/to1.out" 2>&1
late() { grep -E '^s:(1[3-9]|2[0-4]) trl' "$1/main.log" | awk -F'trl:' '{print $2}'; }
d=$(paste <(late "$TMP/full0") <(late "$TMP/to1") | awk 'BEGIN { m = 0 } { d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.6f", m }')
if grep -q "^resuming from step 12" "$TMP/to1.out" && [ "$(late "$TMP/to1" | wc -l)" -eq 12 ] && awk -v d="$d" 'BEGIN { exit !(d <= 2e-2) }'
then ok "resume_two_gpu_checkpoint_on_one (max loss diff $d over steps 13-24)"
else bad "resume_two_gpu_checkpoint_on_one" "max diff $d: $(tail -n 2 "$TMP/to1.out")"; fi
# and it stands exactly where the 2-GPU run stood after step 24: the same epoch and shard, and each of the
# 2 ranks' sample index [12..13] x 2 = the one rank's (state header ints [8..13], doc/formats.md)
pos() { od -A n -t d4 -w24 -j 32 -N 24 "$1/state_00000024.bin" | tr -s ' ' | sed 's/^ //'; }
read -r e2 _ s2 _ i2 _ <<< "$(pos "$TMP/full0")"; read -r e1 _ s1 _ i1 _ <<< "$(pos "$TMP/to1")"
if [ -n "$i2" ] && [ "$e1" = "$e2" ] && [ "$s1" = "$s2" ] && [ "$i1" -eq $((2 * i2)) ] && [ "$i2" -gt 0 ]
then ok "resume_two_gpu_checkpoint_on_one_same_position (epoch $e1, shard $s1, sample $i2 x 2 = $i1)"
else bad "resume_two_gpu_checkpoint_on_one_same_position" "2 GPUs: $e2 $s2 $i2, 1 GPU: $e1 $s1 $i1"; fi

# only rank 0 reads the tokenizer: a prompt run, and a training run that samples, whose other rank has no
# tokenizer file (as on a node without it) still generate, from rank 0
ID="$TMP/nccl_id_tk"
for mode in generate train; do
    TKARGS=(-e d64:l2:v270 -b 2 -t 64 -x 0 -v 0 -p "the" -g 4 -pf "$ID.$mode" -pt 60)
    [ "$mode" = train ] && TKARGS+=(-i synth:copy -j synth:copy -x 2)
    RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 "$BIN" "${TKARGS[@]}" -tk test/fixtures/bpe/tokenizer.json > "$TMP/tk0.out" 2>&1 &
    p0=$!
    RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$BIN" "${TKARGS[@]}" -tk "$TMP/none.json" > "$TMP/tk1.out" 2>&1
    rc1=$?
    wait "$p0"; rc0=$?
    if [ "$rc0" -eq 0 ] && [ "$rc1" -eq 0 ] && grep -q "^the" "$TMP/tk0.out" && { [ "$mode" = generate ] || grep -q "^step    2/2" "$TMP/tk0.out"; } &&
       [ ! -e "$ID.$mode" ]
    then ok "tokenizer_on_rank_0_only_$mode (and rank 0 removed the id file)"
    else bad "tokenizer_on_rank_0_only_$mode" "rc $rc0 / $rc1: $(grep -m1 error "$TMP/tk0.out" "$TMP/tk1.out")"; fi
done

# start-up errors that only rank 0 checks end every rank at once, with rank 0's error line alone (train_mamba.cu,
# rank0_alone): its prompt cannot be encoded (no tokenizer on its node), a resume whose -tk is not the run's
# tokenizer.json (kept in -o), an -hf it cannot create (a file where its directory would be; checked before the model),
# also where every rank's -e names no model file (hf_bad_model: the other rank, failing on -e before it met rank 0's
# collective, left rank 0 waiting there until -pt).
# The other rank went on to its next collective and waited there until -pt (through test/shm_nccl.c, until it saw rank
# 0 gone: "error: rank 1: NCCL error ..."), so an error line of its own, or -pt 120 of waiting, fails here
bash scripts/multi_gpu.sh -n 2 -e d64:l2:v270 -b 2 -t 64 -i synth:copy -j synth:copy -x 2 -v 0 -g 0 -tk test/fixtures/bpe/tokenizer.json \
    -o "$TMP/tk_run" > "$TMP/tk_run.out" 2>&1 || bad "rank_0_start_up_errors_run" "$(tail -n 2 "$TMP/tk_run.out")"
{ cat test/fixtures/bpe/tokenizer.json; echo; } > "$TMP/tk_other.json"
: > "$TMP/hf_file"
for case in prompt resume_tokenizer hf hf_bad_model; do
    TKARGS=(-e d64:l2:v270 -b 2 -t 64 -i synth:copy -j synth:copy -x 2 -v 0 -pf "$ID.$case" -pt 120)
    tk0=test/fixtures/bpe/tokenizer.json
    case $case in
        prompt) TKARGS+=(-p "the" -g 4); tk0="$TMP/none.json"; want="-p needs a tokenizer" ;;
        resume_tokenizer) TKARGS+=(-g 0 -x 4 -y 1 -o "$TMP/tk_run"); tk0="$TMP/tk_other.json"
                          want="-tk $TMP/tk_other.json: $TMP/tk_run holds a run of the tokenizer $TMP/tk_run/tokenizer.json, not of this one" ;;
        hf) TKARGS+=(-g 0 -hf "$TMP/hf_file/hf"); want="-hf $TMP/hf_file/hf: '$TMP/hf_file' exists and is not a directory" ;;
        hf_bad_model) TKARGS=(-e "$TMP/no_model.bin" "${TKARGS[@]:2}" -g 0 -hf "$TMP/hf_file/hf")
                      want="-hf $TMP/hf_file/hf: '$TMP/hf_file' exists and is not a directory" ;;
    esac
    t0=$(date +%s)
    RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 "$BIN" "${TKARGS[@]}" -tk "$tk0" > "$TMP/tf0.out" 2>&1 &
    p0=$!
    RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$BIN" "${TKARGS[@]}" -tk test/fixtures/bpe/tokenizer.json > "$TMP/tf1.out" 2>&1
    rc1=$?
    wait "$p0"; rc0=$?
    t1=$(date +%s)
    if [ "$rc0" -ne 0 ] && [ "$rc1" -ne 0 ] && [ "$(grep -c '^error:' "$TMP/tf0.out")" -eq 1 ] && grep -qF "error: $want" "$TMP/tf0.out" &&
       ! grep -qE '^(error|shm_nccl)' "$TMP/tf1.out" && [ $((t1 - t0)) -le 60 ]
    then ok "rank_0_start_up_error_ends_both_$case ($((t1 - t0)) s)"
    else bad "rank_0_start_up_error_ends_both_$case" "rc $rc0 / $rc1 after $((t1 - t0)) s: $(grep -hE '^(error|shm_nccl)' "$TMP/tf0.out" "$TMP/tf1.out" | head -n 3 | tr '\n' ' ')"; fi
done
[ -e "$TMP/tk_run/DONE_00000004" ] && bad "rank_0_start_up_errors_run" "the refused resume trained"
# ... and so do the files that rank 0 writes alone while the other rank waits for it in a collective (train_mamba.cu,
# rank0_writes_passed): the checkpoint at -z 0 (checkpoint: the last step's model_00000002.bin, a directory holding a
# file, cannot be renamed over) and model_best.bin (best_model: likewise, at step 0's evaluation). The other rank waited
# in the checkpoint's barrier, or for model_best.bin's CRC, until -pt and the write's allowance (through test/shm_nccl.c,
# until it saw rank 0 gone, with a line of its own). And the DONE marker that rank 0 writes after the checkpoint's
# barrier (done_marker: step 1's of -n 1, likewise blocked), while the other rank went on to step 2's collectives.
# At -z 1, where every rank writes its shard (train_mamba.cu, save_checkpoint's each_rank_alone), the model file that
# rank 0 writes (checkpoint_z1) and rank 1's shard (shard_z1: the failed rank 1's line the only one): outside a
# region of fatal_hook the failed rank ended alone, and the other waited in the checkpoint's barrier until -pt
for case in checkpoint best_model done_marker checkpoint_z1 shard_z1; do
    WARGS=(-e d64:l2:v270 -b 2 -t 64 -i synth:copy -j synth:copy -x 2 -v 0 -g 0 -tk test/fixtures/bpe/tokenizer.json -pf "$ID.$case" -pt 120)
    who=0; name="rank_0_write_error_ends_both_$case"
    case $case in
        checkpoint) blocked="$TMP/wr_$case/model_00000002.bin"; WARGS+=(-o "$TMP/wr_$case") ;;
        best_model) blocked="$TMP/wr_$case/model_best.bin"; WARGS+=(-o "$TMP/wr_$case" -kb 1 -v 1 -m 1) ;;
        done_marker) blocked="$TMP/wr_$case/DONE_00000001"; WARGS+=(-o "$TMP/wr_$case" -n 1) ;;
        checkpoint_z1) blocked="$TMP/wr_$case/model_00000002.bin"; WARGS+=(-o "$TMP/wr_$case" -z 1) ;;
        shard_z1) blocked="$TMP/wr_$case/state_00000002_00001.bin"; WARGS+=(-o "$TMP/wr_$case" -z 1); who=1
                  name="rank_1_write_error_ends_both_$case" ;;
    esac
    mkdir -p "$blocked/x"
    t0=$(date +%s)
    RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 "$BIN" "${WARGS[@]}" > "$TMP/wr0.out" 2>&1 &
    p0=$!
    RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$BIN" "${WARGS[@]}" > "$TMP/wr1.out" 2>&1
    rc1=$?
    wait "$p0"; rc0=$?
    t1=$(date +%s)
    other=$((1 - who))
    if [ "$rc0" -ne 0 ] && [ "$rc1" -ne 0 ] && [ "$(grep -c '^error:' "$TMP/wr$who.out")" -eq 1 ] &&
       grep -qF "error: cannot rename '$blocked.tmp' to '$blocked': " "$TMP/wr$who.out" &&
       ! grep -qE '^(error|shm_nccl)' "$TMP/wr$other.out" && [ $((t1 - t0)) -le 60 ] && [ ! -e "$TMP/wr_$case/DONE_00000002" ]
    then ok "$name ($((t1 - t0)) s)"
    else bad "$name" "rc $rc0 / $rc1 after $((t1 - t0)) s: $(grep -hE '^(error|shm_nccl)' "$TMP/wr0.out" "$TMP/wr1.out" | head -n 3 | tr '\n' ' ')"; fi
done

# -o held by another run (this shell, through flock(1) on its descriptor 9): rank 0 cannot take it and says
# so, and the other rank stops with it at the same collective (rank0_alone: rank 0's line the only one), before either
# writes into the directory
if command -v flock > /dev/null; then
    mkdir -p "$TMP/held"; exec 9> "$TMP/held/.lock"; flock -n 9
    HARGS=(-e d64:l2:v256 -b 2 -t 64 -i synth:copy -j synth:copy -x 2 -v 0 -g 0 -pf "$TMP/nccl_id_held" -pt 20 -o "$TMP/held")
    RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 "$BIN" "${HARGS[@]}" > "$TMP/h0.out" 2>&1 &
    p0=$!
    RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$BIN" "${HARGS[@]}" > "$TMP/h1.out" 2>&1
    rc1=$?
    wait "$p0"; rc0=$?
    exec 9>&-
    if [ "$rc0" -ne 0 ] && [ "$rc1" -ne 0 ] && grep -q "^error: -o $TMP/held: another run is using this directory" "$TMP/h0.out" &&
       [ "$(grep -c '^error:' "$TMP/h0.out")" -eq 1 ] && ! grep -qE '^(error|shm_nccl)' "$TMP/h1.out" && [ "$(ls -A "$TMP/held")" = ".lock" ]
    then ok "output_dir_held_stops_both_ranks"
    else bad "output_dir_held_stops_both_ranks" "rc $rc0 / $rc1: $(grep -hE '^(error|shm_nccl)' "$TMP/h0.out" "$TMP/h1.out" | head -n 3 | tr '\n' ' '); in -o: $(ls -A "$TMP/held" | tr '\n' ' ')"; fi
fi

# what one rank alone cannot do, ending every rank at once with that rank's error line the only one: rank 0 cannot
# create -o's lock file (lock_file: a directory in the place of .lock, as another user's .lock would be; outside
# rank0_alone, the other rank waited for it in the -o agreement until -pt), and rank 1 finds its state shard corrupt on
# resume (state_shard: at -z 1 rank 1 reads shards 0 and 1, rank 0 shard 0 alone; train_mamba.cu, each_rank_alone:
# rank 0 waited in its next collective until -pt). Through test/shm_nccl.c the rank left waiting saw its peer gone
# and ended with a line of its own, which fails here, as does -pt 120 of waiting. device_oom: rank 1 alone runs out of GPU
# memory for the parameters (MAMBA_TEST_DEVICE_OOM, as on a GPU another job shares; llmc/cuda/cuda_common.h's exit ran
# no fatal_hook, and rank 0 waited after setup_model until -pt). train_data, val_data, mc_file: rank 1 alone lacks the
# train shards, the val shards or the -mc file (a node without its copy: rank 1 is given another path; each rank reads
# its own, before training, and rank 0 waited in its next collective until -pt)
mkdir -p "$TMP/lock_dir/.lock" "$TMP/shard_bad"
cp "$TMP/full1"/*00000012* "$TMP/shard_bad/"
truncate -s -4 "$TMP/shard_bad/state_00000012_00001.bin"
for case in lock_file state_shard device_oom train_data val_data mc_file; do
    e1=(); a1=()
    case $case in
        lock_file) FARGS=(-e d64:l2:v256 -b 2 -t 64 -i synth:copy -j synth:copy -x 2 -v 0 -g 0 -o "$TMP/lock_dir"); who=0
                   want="-o $TMP/lock_dir: cannot create '$TMP/lock_dir/.lock': " ;;
        state_shard) FARGS=("${ARGS[@]}" -z 1 -n 12 -o "$TMP/shard_bad" -y 1); who=1
                     want="$TMP/shard_bad/state_00000012_00001.bin: state file is " ;;
        device_oom) FARGS=(-e d64:l2:v256 -b 2 -t 64 -i synth:copy -j synth:copy -x 2 -v 0 -g 0); who=1
                    e1=("MAMBA_TEST_DEVICE_OOM=the parameters"); want="out of GPU memory allocating the parameters: " ;;
        train_data|val_data|mc_file) FARGS=(-e d64:l2:v256 -b 2 -t 64 -i synth:copy -j synth:copy -x 2 -v 1 -m 1 -g 0); who=1
                    case $case in
                        train_data) a1=(-i "$TMP/no_node_train.bin"); want="no shard files match '$TMP/no_node_train.bin'" ;;
                        val_data) a1=(-j "$TMP/no_node_val.bin"); want="no shard files match '$TMP/no_node_val.bin'" ;;
                        mc_file) a1=(-mc "$TMP/no_node_mc.bin"); want="cannot open '$TMP/no_node_mc.bin': " ;;
                    esac ;;
    esac
    t0=$(date +%s)
    RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 "$BIN" "${FARGS[@]}" -pf "$ID.$case" -pt 120 > "$TMP/f0.out" 2>&1 &
    p0=$!
    env ${e1[@]+"${e1[@]}"} RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$BIN" "${FARGS[@]}" ${a1[@]+"${a1[@]}"} -pf "$ID.$case" -pt 120 > "$TMP/f1.out" 2>&1
    rc1=$?
    wait "$p0"; rc0=$?
    t1=$(date +%s)
    if [ "$rc0" -ne 0 ] && [ "$rc1" -ne 0 ] && [ "$(cat "$TMP/f0.out" "$TMP/f1.out" | grep -cE '^(error|shm_nccl)')" -eq 1 ] &&
       grep -qF "error: $want" "$TMP/f$who.out" && ! grep -q '^step ' "$TMP/f0.out" && [ $((t1 - t0)) -le 60 ]
    then ok "one_rank_error_ends_both_$case ($((t1 - t0)) s)"
    else bad "one_rank_error_ends_both_$case" "rc $rc0 / $rc1 after $((t1 - t0)) s: $(grep -hE '^(error|shm_nccl)' "$TMP/f0.out" "$TMP/f1.out" | head -n 3 | cut -c1-300 | tr '\n' ' ')"; fi
done

# the replicas' check (train_mamba.cu, check_replicas_agree): one bit of rank 1's first weight flipped
# (MAMBA_TEST_PERTURB_RANK/STEP, as a faulty GPU or another copy of a checkpoint would leave it) ends both ranks, each
# with the same one line: at start-up (step 0) of a new run, and before step 2's checkpoint at -z 0 (the optimizer state
# compared too) and at -z 1 (the weights: each rank's moments are its own shard), of which nothing is written (step 1's
# checkpoint, before the flip, is there whole); then a run resumed from that step 1 with the flip at start-up. Without
# the check the ranks trained on as two models, and rank 0 saved its own as the run's. z0_moment: at -z 0 the flip in
# rank 1's first AdamW moment instead (MAMBA_TEST_PERTURB_MOMENT), the weights still alike: without the moments in the
# hash, step 2's checkpoint was written
REP=(-e d64:l2:v256 -b 2 -t 64 -i synth:copy -j synth:copy -v 0 -g 0 -sh 0)
for case in start z0 z0_moment z1 resume; do
    pstep=2; extra=(-x 3 -n 1 -o "$TMP/rep_$case"); what="weights or optimizer state"; e1=()
    case $case in
        start) pstep=0; extra=(-x 2)
               want="differ at start-up (step 0): every rank must start from the same bits (the same flags on every rank?)" ;;
        z0) want="differ after step 2, where every rank should hold the same bits (a faulty GPU?): nothing of this step is written" ;;
        z0_moment) e1=(MAMBA_TEST_PERTURB_MOMENT=1)
                   want="differ after step 2, where every rank should hold the same bits (a faulty GPU?): nothing of this step is written" ;;
        z1) extra+=(-z 1); what="weights"
            want="differ after step 2, where every rank should hold the same bits (a faulty GPU?): nothing of this step is written" ;;
        resume) pstep=0; extra=(-x 3 -n 1 -o "$TMP/rep_z0" -y 1)
                want="differ at start-up (step 1): every rank must start from the same bits (did each read the same checkpoint? one -o that every rank sees)" ;;
    esac
    t0=$(date +%s)
    RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 "$BIN" "${REP[@]}" "${extra[@]}" -pf "$ID.rep_$case" -pt 120 > "$TMP/rep0.out" 2>&1 &
    p0=$!
    env ${e1[@]+"${e1[@]}"} MAMBA_TEST_PERTURB_RANK=1 MAMBA_TEST_PERTURB_STEP=$pstep RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$BIN" "${REP[@]}" "${extra[@]}" \
        -pf "$ID.rep_$case" -pt 120 > "$TMP/rep1.out" 2>&1
    rc1=$?
    wait "$p0"; rc0=$?
    t1=$(date +%s)
    files_ok=1
    case $case in
        z0|z0_moment|z1) { [ -e "$TMP/rep_$case/DONE_00000001" ] && [ -z "$(ls "$TMP/rep_$case" | grep 00000002)" ] &&
                 grep -qE '^step +2/3 ' "$TMP/rep0.out"; } || files_ok=0 ;;
        resume) [ -z "$(ls "$TMP/rep_z0" | grep 00000002)" ] && ! grep -q '^step ' "$TMP/rep0.out" || files_ok=0 ;;
        start) ! grep -q '^step ' "$TMP/rep0.out" || files_ok=0 ;;
    esac
    if [ "$rc0" -ne 0 ] && [ "$rc1" -ne 0 ] && [ "$files_ok" = 1 ] && [ "$(cat "$TMP/rep0.out" "$TMP/rep1.out" | grep -cE '^(error|shm_nccl)')" -eq 2 ] &&
       grep -qxF "error: rank 0: the ranks' $what $want" "$TMP/rep0.out" && grep -qxF "error: rank 1: the ranks' $what $want" "$TMP/rep1.out" &&
       [ $((t1 - t0)) -le 60 ]
    then ok "replicas_that_differ_end_both_$case ($((t1 - t0)) s)"
    else bad "replicas_that_differ_end_both_$case" "rc $rc0 / $rc1 after $((t1 - t0)) s, files ok $files_ok ($(ls "$TMP/rep_$case" 2>/dev/null | tr '\n' ' ')): $(grep -hE '^(error|shm_nccl)' "$TMP/rep0.out" "$TMP/rep1.out" | head -n 3 | cut -c1-300 | tr '\n' ' ')"; fi
done

# a rank that dies: the other exits non-zero within the -pt bound (plus start-up)
ID="$TMP/nccl_id"
RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 "$BIN" "${ARGS[@]}" -x 100000 -pf "$ID" -pt 20 > "$TMP/r0.out" 2>&1 &
p0=$!
RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$BIN" "${ARGS[@]}" -x 100000 -pf "$ID" -pt 20 > "$TMP/r1.out" 2>&1 &
p1=$!
sleep 15
alive=0; kill -0 "$p0" 2>/dev/null && grep -q '^step ' "$TMP/r0.out" && alive=1
kill -KILL "$p1"
t0=$(date +%s)
wait "$p0"; rc=$?
t1=$(date +%s)
if [ "$alive" = 1 ] && [ "$rc" -ne 0 ] && [ $((t1 - t0)) -le 40 ] && grep -qE "^error: (rank 0: .*(made no progress|NCCL error)|NCCL: )" "$TMP/r0.out"
then ok "killed_rank_others_exit (rc $rc after $((t1 - t0)) s: $(grep -m1 '^error' "$TMP/r0.out"))"
else bad "killed_rank_others_exit" "training before the kill: $alive, rc $rc after $((t1 - t0)) s: $(tail -n 2 "$TMP/r0.out")"; fi

# a stop signal to one rank alone (rank 1, whose stdout is silenced): every rank stops after the same step (the stop is
# summed over the ranks), the checkpoint of that step is written, and rank 0, which had no signal, says whose it was
ID="$TMP/nccl_id_sig1"
RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 "$BIN" "${ARGS[@]}" -x 100000 -pf "$ID" -pt 60 -o "$TMP/sig1" > "$TMP/sg0.out" 2>&1 &
p0=$!
RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$BIN" "${ARGS[@]}" -x 100000 -pf "$ID" -pt 60 -o "$TMP/sig1" > "$TMP/sg1.out" 2>&1 &
p1=$!
wait_until 1200 grep -q '^step ' "$TMP/sg0.out"
kill -TERM "$p1"
wait "$p0"; rc0=$?
wait "$p1"; rc1=$?
sstep=$(sed -n 's/^stopped by a signal to another process after step \([0-9]*\); resume with the same command plus -y 1$/\1/p' "$TMP/sg0.out")
if [ "$rc0" -eq 0 ] && [ "$rc1" -eq 0 ] && [ -n "$sstep" ] && [ -f "$TMP/sig1/DONE_$(printf '%08d' "$sstep")" ]; then
    ok "signal_to_one_rank_stops_both (after step $sstep)"
else bad "signal_to_one_rank_stops_both" "${NOT_READY}rc $rc0 / $rc1: $(grep -E '^(stopped|error)' "$TMP/sg0.out" "$TMP/sg1.out" | head -n 3)"; fi

# an id file left by an earlier launch (rank 0 removes its own only once every rank has joined): rank 1,
# started first, reads that dead id; rank 0 says it replaced the file and, when nobody joins, names the
# stale file as a possible cause, within the -pt bound (rank 1's own ending depends on what NCCL makes of
# the dead id, so it is stopped here, not checked)
ID="$TMP/nccl_id_stale"
head -c 128 /dev/urandom > "$ID"
RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$BIN" "${ARGS[@]}" -pf "$ID" -pt 20 > "$TMP/st1.out" 2>&1 &
p1=$!
sleep 5
t0=$(date +%s)
RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 timeout 120 "$BIN" "${ARGS[@]}" -pf "$ID" -pt 20 > "$TMP/st0.out" 2>&1; rc0=$?
t1=$(date +%s)
kill -KILL "$p1" 2>/dev/null; wait "$p1" 2>/dev/null
if [ "$rc0" -ne 0 ] && [ "$rc0" -ne 124 ] && [ $((t1 - t0)) -le 60 ] && grep -q "was left by an earlier launch; replaced" "$TMP/st0.out" &&
   grep -q "^error: rank 0: NCCL initialisation did not finish within 20 s .*an id file left by an earlier launch" "$TMP/st0.out"
then ok "stale_id_file_named (rc $rc0 after $((t1 - t0)) s)"
else bad "stale_id_file_named" "rc $rc0 after $((t1 - t0)) s: $(grep -E '^(note|error)' "$TMP/st0.out" | head -n 3)"; fi

# ranks that find different checkpoints in -o (as with a node-local -o) stop at start-up, both of them
ID="$TMP/nccl_id_ckpt"; mkdir -p "$TMP/empty"
RANK=0 WORLD_SIZE=2 LOCAL_RANK=0 "$BIN" "${ARGS[@]}" -o "$TMP/full0" -y 1 -x 30 -pf "$ID" -pt 30 > "$TMP/ck0.out" 2>&1 &
p0=$!
RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 "$BIN" "${ARGS[@]}" -o "$TMP/empty" -y 1 -x 30 -pf "$ID" -pt 30 > "$TMP/ck1.out" 2>&1
rc1=$?
wait "$p0"; rc0=$?
if [ "$rc0" -ne 0 ] && [ "$rc1" -ne 0 ] && grep -q "not every rank found the same checkpoint" "$TMP/ck0.out" &&
   grep -q "not every rank found the same checkpoint" "$TMP/ck1.out"; then ok "ranks_must_find_the_same_checkpoint"
else bad "ranks_must_find_the_same_checkpoint" "rc $rc0 / $rc1: $(grep -h -m1 error "$TMP/ck0.out" "$TMP/ck1.out")"; fi

# -kb on 2 GPUs: every rank decides alike (the val loss is all-reduced), rank 0 writes model_best.bin, and it
# equals the checkpoint of the step with the lowest logged val loss. Overfitting one batch per rank (-a 1)
# at a constant rate turns the val loss up mid-run (on the CPU trainer at this shape: lowest at step 12 of
# 24), so the best is not the last. Then at -z 1 (each rank writes the record into its own state shard)
# a run stopped at step 14 and resumed: its first evaluation (16) is worse than the best, and every rank
# must agree not to write (a rank that saw no record once entered the write's collective alone and hung)
KB=("${ARGS[@]}" -a 1 -l 3e-3 -k constant -u 0 -v 4 -m 2 -n 4 -kb 1)
kb_best() { grep -E '^s:[0-9]+ tel:' "$1/main.log" | sed 's/^s:\([0-9]*\) tel:/\1 /' | sort -s -k2,2g | head -n 1; }
for z in 0 1; do
    bash scripts/multi_gpu.sh -n 2 "${KB[@]}" -z $z -o "$TMP/kb$z" > "$TMP/kb$z.out" 2>&1; rc=$?
    read -r bs bl <<< "$(kb_best "$TMP/kb$z")"
    if [ "$rc" -eq 0 ] && [ -n "$bs" ] && [ "$bs" != 0 ] && [ "$bs" != 24 ] && grep -q "^best val loss $bl at step $bs:" "$TMP/kb$z.out" &&
       cmp -s "$TMP/kb$z/model_best.bin" "$TMP/kb$z/model_$(printf %08d "$bs").bin"; then ok "keep_best_two_gpus_z$z (step $bs of 24)"
    else bad "keep_best_two_gpus_z$z" "rc $rc, best '$bs $bl': $(grep '^best val loss [0-9]' "$TMP/kb$z.out")"; fi
done
MAMBA_TEST_SIGTERM_STEP=14 bash scripts/multi_gpu.sh -n 2 "${KB[@]}" -z 1 -o "$TMP/kbr" > /dev/null 2>&1
timeout 300 bash scripts/multi_gpu.sh -n 2 "${KB[@]}" -z 1 -o "$TMP/kbr" -y 1 -pt 60 > "$TMP/kbr.out" 2>&1; rc=$?
if [ "$rc" -eq 0 ] && grep -q "^resuming from step 14" "$TMP/kbr.out" && grep -q "^best val loss [0-9.]* at step $bs:" "$TMP/kbr.out" &&
   cmp -s "$TMP/kb1/model_best.bin" "$TMP/kbr/model_best.bin"; then ok "keep_best_two_gpus_z1_resume"
else bad "keep_best_two_gpus_z1_resume" "rc $rc: $(grep -E '^resuming|^best val|^error' "$TMP/kbr.out" | tr '\n' ' ')"; fi

# what else runs on every rank or on rank 0 alone, against one rank: a NaN gradient at -z 1 (each rank holds a shard;
# the summed norm is NaN on both, so both skip and the weights stay those of the step before), -nk at -z 1 (each
# rank's state shard of a pruned step goes with it), -hf (rank 0 exports the final model: it evaluates as that
# model's file does) and -es (every rank computes the stream, rank 0 reports it: the line one rank prints)
NAN=("${ARGS[@]}" -x 12 -n 1 -nk 3 -z 1)
MAMBA_TEST_INJECT_NAN_STEP=11 bash scripts/multi_gpu.sh -n 2 "${NAN[@]}" -o "$TMP/nan" -hf "$TMP/nan_hf" > "$TMP/nan.out" 2>&1; rc=$?
if [ "$rc" -eq 0 ] && grep -q '^s:11 skipped' "$TMP/nan/main.log" && [ "$(grep -c 'update skipped' "$TMP/nan.out")" -eq 1 ] &&
   cmp -s <(tail -c +1025 "$TMP/nan/model_00000010.bin") <(tail -c +1025 "$TMP/nan/model_00000011.bin") &&
   ! cmp -s <(tail -c +1025 "$TMP/nan/model_00000011.bin") <(tail -c +1025 "$TMP/nan/model_00000012.bin")
then ok "nan_gradient_skips_on_every_rank_z1"
else bad "nan_gradient_skips_on_every_rank_z1" "rc $rc: $(grep -E 'skipped|^error' "$TMP/nan.out" | head -n 3)"; fi
kept=$(cd "$TMP/nan" && ls DONE_* model_0* state_* 2>/dev/null | tr '\n' ' ')
want="DONE_00000010 DONE_00000011 DONE_00000012 model_00000010.bin model_00000011.bin model_00000012.bin state_00000010_00000.bin state_00000010_00001.bin state_00000011_00000.bin state_00000011_00001.bin state_00000012_00000.bin state_00000012_00001.bin "
if [ "$kept" = "$want" ]; then ok "keep_newest_checkpoints_two_ranks_z1"
else bad "keep_newest_checkpoints_two_ranks_z1" "left: $kept"; fi
v_hf=$("$BIN" -e "$TMP/nan_hf" -b 4 -t 256 -x 0 -m 2 2>&1 | grep '^val loss')
v_bin=$("$BIN" -e "$TMP/nan/model_00000012.bin" -b 4 -t 256 -x 0 -m 2 2>&1 | grep '^val loss')
if [ -f "$TMP/nan_hf/model.safetensors" ] && [ -n "$v_bin" ] && [ "$v_hf" = "$v_bin" ]; then ok "hf_export_two_ranks ($v_hf)"
else bad "hf_export_two_ranks" "export '$v_hf', model file '$v_bin'"; fi
ES=(-e "$TMP/nan/model_00000012.bin" -b 4 -t 256 -x 0 -es dev/data/tinyshakespeare/tiny_shakespeare_val.bin)
es1=$("$BIN" "${ES[@]}" 2>&1 | grep '^stream eval' | sed 's/ | [0-9.]* s$//')
es2=$(bash scripts/multi_gpu.sh -n 2 "${ES[@]}" 2>&1 | grep '^stream eval' | sed 's/ | [0-9.]* s$//')
if [ -n "$es1" ] && [ "$es1" = "$es2" ]; then ok "stream_eval_two_ranks_match_one"
else bad "stream_eval_two_ranks_match_one" "1 rank: '$es1', 2 ranks: '$es2'"; fi

# a stop sent to the launcher's process group (Slurm's SIGTERM; Ctrl-C likewise): each rank gets it and the
# launcher's SIGUSR1, both checkpoint at the same step and exit 0, the launcher waits for them and exits 0,
# and the same command with -y 1 ends bitwise where the uninterrupted run did (a constant rate: the runs'
# lengths differ, and a cosine schedule would follow them)
setsid bash scripts/multi_gpu.sh -n 2 "${ARGS[@]}" -k constant -x 100000 -n 0 -o "$TMP/stop" > "$TMP/stop.out" 2>&1 &
lpid=$!
for _ in $(seq 1 600); do grep -q '^s:30 trl' "$TMP/stop/main.log" 2>/dev/null && break; sleep 0.1; done
kill -TERM -- "-$(ps -o pgid= "$lpid" | tr -d ' ')"
wait "$lpid"; rc=$?
st=$(sed -n 's/^stopped by signal [0-9]* after step \([0-9]*\);.*/\1/p' "$TMP/stop.out")
if [ "$rc" -eq 0 ] && [ -n "$st" ] && [ -f "$TMP/stop/DONE_$(printf %08d "$st")" ] && ! pgrep -f "$TMP/stop" > /dev/null; then
    ok "launcher_stop_checkpoints_both (step $st)"
    bash scripts/multi_gpu.sh -n 2 "${ARGS[@]}" -k constant -x $((st + 6)) -n 0 -o "$TMP/stop" -y 1 > "$TMP/stop2.out" 2>&1
    bash scripts/multi_gpu.sh -n 2 "${ARGS[@]}" -k constant -x $((st + 6)) -n 0 -o "$TMP/nostop" > /dev/null 2>&1
    if grep -q "^resuming from step $st" "$TMP/stop2.out" &&
       cmp -s "$TMP/stop/model_$(printf %08d $((st + 6))).bin" "$TMP/nostop/model_$(printf %08d $((st + 6))).bin"; then ok "launcher_stop_resumes_bitwise"
    else bad "launcher_stop_resumes_bitwise" "$(tail -n 2 "$TMP/stop2.out")"; fi
else bad "launcher_stop_checkpoints_both" "rc $rc, stopped at '$st': $(tail -n 3 "$TMP/stop.out")"; fi
# ... and only rank 0 answers the signal at once (on stderr): one "stopping after this step" line, not one per rank
if [ "$(grep -c '^signal [0-9]*: stopping after this step, with a checkpoint' "$TMP/stop.out")" -eq 1 ]; then ok "stop_answered_once"
else bad "stop_answered_once" "$(grep -c '^signal [0-9]*: stopping' "$TMP/stop.out") answers"; fi

# a stop signal during the sampling, which rank 0 does alone (MAMBA_TEST_SIGTERM_SAMPLE: raised after the first token,
# on the rank that samples): the sample is cut short, every rank stops at that step (rank 1 learns of the cut from
# rank 0), and the resumed run samples that step again with the same RNG: the same samples and the same final model
SS=("${ARGS[@]}" -x 12 -s 6 -g 16)
bash scripts/multi_gpu.sh -n 2 "${SS[@]}" -o "$TMP/ss_full" > "$TMP/ss_full.out" 2>&1
MAMBA_TEST_SIGTERM_SAMPLE=6 timeout 300 bash scripts/multi_gpu.sh -n 2 "${SS[@]}" -o "$TMP/ss" -pt 60 > "$TMP/ss.1" 2>&1; rc=$?
timeout 300 bash scripts/multi_gpu.sh -n 2 "${SS[@]}" -o "$TMP/ss" -y 1 -pt 60 > "$TMP/ss.2" 2>&1; rc2=$?
if [ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ] && grep -q "^sampling stopped by a signal after 1 of 16 tokens$" "$TMP/ss.1" &&
   grep -q "^stopped by signal 15 after step 6;" "$TMP/ss.1" && [ -f "$TMP/ss/DONE_00000006" ] && ! grep -q "^step *7/" "$TMP/ss.1" &&
   [ "$(all_samples "$TMP/ss_full.out" | grep -c '^#$')" -eq 2 ] &&
   [ "$(all_samples "$TMP/ss_full.out")" = "$(all_samples "$TMP/ss.1" "$TMP/ss.2")" ] &&
   cmp -s "$TMP/ss_full/model_00000012.bin" "$TMP/ss/model_00000012.bin"; then ok "stop_during_sampling_two_ranks"
else bad "stop_during_sampling_two_ranks" "rc $rc / $rc2: $(grep -E '^(sampling stopped|stopped by|error)' "$TMP/ss.1" "$TMP/ss.2" | head -n 3 | tr '\n' ' ')"; fi

# a bad token id that only rank 1's batch holds, in shards not checked whole at start-up (MAMBA_TEST_TOKEN_CHECK_AT_INIT=0
# stands for a set past 2^30 tokens): neither rank dies alone mid-step (the other would wait in a collective); both
# learn of it after the step's micro-batches, step 3 is not trained, the checkpoint of step 2 is saved (-n 4 had saved
# none), rank 1 names the token and rank 0 says another rank's batch held it; once mended, -y 1 ends where a run on
# the good data ends, bitwise. (Step 3 reads slot 2 x 2 + 1 = 5 on rank 1: tokens 5120-6144 of windows of B*T = 1024.)
perl -e '@t = map { ($_ * 7 + 3) % 256 } 0 .. 16384; print pack("l<256", 20240520, 1, 16385, (0) x 253), pack("S<*", @t)' > "$TMP/mgood.bin"
perl -e '@t = map { ($_ * 7 + 3) % 256 } 0 .. 16384; $t[5220] = 300; print pack("l<256", 20240520, 1, 16385, (0) x 253), pack("S<*", @t)' > "$TMP/mbad.bin"
MB=("${ARGS[@]}" -x 6 -n 4 -pt 60)
timeout 300 bash scripts/multi_gpu.sh -n 2 "${MB[@]}" -i "$TMP/mgood.bin" -o "$TMP/mb_full" > "$TMP/mb_full.out" 2>&1
MAMBA_TEST_TOKEN_CHECK_AT_INIT=0 timeout 300 bash scripts/multi_gpu.sh -n 2 "${MB[@]}" -i "$TMP/mbad.bin" -o "$TMP/mb" > "$TMP/mb.out" 2>&1; rc=$?
cp "$TMP/mgood.bin" "$TMP/mbad.bin"
timeout 300 bash scripts/multi_gpu.sh -n 2 "${MB[@]}" -i "$TMP/mbad.bin" -o "$TMP/mb" -y 1 > "$TMP/mb2.out" 2>&1; rc2=$?
if [ "$rc" -ne 0 ] && [ "$rc2" -eq 0 ] && [ "$(grep -c '^error:' "$TMP/mb.out")" -eq 2 ] &&
   grep -q "^error: '$TMP/mbad.bin': token 5220 has id 300, expected < vocab_size 256 .*; step 3 was not trained; the checkpoint of step 2 is saved" "$TMP/mb.out" &&
   grep -q "^error: a train batch of another process holds a token id outside the vocabulary (its error line names it); step 3 was not trained; the checkpoint of step 2 is saved" "$TMP/mb.out" &&
   [ -f "$TMP/mb/DONE_00000002" ] && ! grep -q "^step *3/6" "$TMP/mb.out" &&
   cmp -s "$TMP/mb_full/model_00000006.bin" "$TMP/mb/model_00000006.bin"; then ok "bad_token_on_one_rank_checkpoints_and_resumes"
else bad "bad_token_on_one_rank_checkpoints_and_resumes" "rc $rc / $rc2: $(grep -E '^(error|step)' "$TMP/mb.out" "$TMP/mb2.out" | cut -c1-200 | head -n 6 | tr '\n' ' ')"; fi
# ... and in -a 1's one batch, read before the loop (rank 1's: window 1 of the first step, tokens 1024-2048): both ranks
# end at the first step, rank 1 naming the token (the read once ended rank 1 alone, leaving rank 0 in a collective)
perl -e '@t = map { ($_ * 7 + 3) % 256 } 0 .. 16384; $t[1100] = 300; print pack("l<256", 20240520, 1, 16385, (0) x 253), pack("S<*", @t)' > "$TMP/mbad_a.bin"
MAMBA_TEST_TOKEN_CHECK_AT_INIT=0 timeout 300 bash scripts/multi_gpu.sh -n 2 "${MB[@]}" -a 1 -i "$TMP/mbad_a.bin" -o "$TMP/mb_a" > "$TMP/mb_a.out" 2>&1; rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$(grep -c '^error:' "$TMP/mb_a.out")" -eq 2 ] &&
   grep -q "^error: '$TMP/mbad_a.bin': token 1100 has id 300, .*; it was the first step's batch: nothing was trained$" "$TMP/mb_a.out" &&
   grep -q "^error: a train batch of another process holds a token id outside the vocabulary (its error line names it); it was the first step's batch" "$TMP/mb_a.out"
then ok "bad_token_in_overfit_batch_on_one_rank"
else bad "bad_token_in_overfit_batch_on_one_rank" "rc $rc: $(grep -E '^(error|step)' "$TMP/mb_a.out" | cut -c1-200 | head -n 4 | tr '\n' ' ')"; fi
# ... and a val set that large, with the bad id in rank 1's window of the second of -m 2 batches (slot 1 x 2 + 1 = 3:
# tokens 3072-4096): every rank checks every rank's windows of the batches evaluations read at start-up, so both
# ranks end before step 1 naming the token (rank 1 alone once ended at its first evaluation, leaving rank 0 in the
# val loss's all-reduce)
perl -e '@t = map { ($_ * 7 + 3) % 256 } 0 .. 16384; $t[3100] = 300; print pack("l<256", 20240520, 1, 16385, (0) x 253), pack("S<*", @t)' > "$TMP/vbad_m.bin"
MAMBA_TEST_TOKEN_CHECK_AT_INIT=0 timeout 300 bash scripts/multi_gpu.sh -n 2 "${MB[@]}" -v 2 -m 2 -i "$TMP/mgood.bin" -j "$TMP/vbad_m.bin" -o "$TMP/mv" > "$TMP/mv.out" 2>&1; rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ! grep -q "^step" "$TMP/mv.out" && ! ls "$TMP/mv"/DONE_* > /dev/null 2>&1 &&
   [ "$(grep -c "^error: '$TMP/vbad_m.bin': token 3100 has id 300, expected < vocab_size 256" "$TMP/mv.out")" -eq 2 ]
then ok "val_bad_token_in_one_ranks_window_ends_both_at_start"
else bad "val_bad_token_in_one_ranks_window_ends_both_at_start" "rc $rc: $(grep -E '^(error|step)' "$TMP/mv.out" | cut -c1-200 | head -n 4 | tr '\n' ' ')"; fi

grep -E "tok/s" "$TMP/two.out" | tail -n 1

finish_checks
