#!/usr/bin/env bash
# The order of the calls that make outputs survive a crash, traced by test/write_trace.c (LD_PRELOAD):
# checkpoints, pruning, the best model, the log, -hf exports, dev/data/prepare_bytes, dev/data/tokenize and the
# Python data scripts (dev/data/tinyshakespeare.py, dev/data/enwik8.py, dev/data/random_shard.py).
# A file that is renamed into place was synced first, with nothing written to it after that sync (its size
# at the sync and at the rename agree: an fsync before the stdio buffer's fflush leaves bytes that only
# reach the file at fclose); every rename and removal is followed by a sync of
# its directory; a commit (a checkpoint's DONE_<step> marker, an export's config.json, enwik8.py's record) is renamed in only
# once everything before it in that directory is on the disk, and its removal (pruning, a new export) is
# on the disk before anything it vouched for changes. BIN names the trainer (the GPU one: BIN=./train_mamba_cu).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-./train_mamba}
TMP=$(mktemp -d)
trap 'in_main_shell && rm -rf "$TMP"' EXIT
. test/check.sh

SHIM=$TMP/write_trace.so
if ! ${CC:-gcc} -O2 -shared -fPIC -o "$SHIM" test/write_trace.c -ldl 2> "$TMP/cc.err"; then
    bad "build_write_trace" "$(head -n 3 "$TMP/cc.err")"; finish_checks; exit 1
fi

# check_trace <trace>: the rules above; prints one line per violation, nothing when the order is right
check_trace() {
    awk '
    function dir(p) { sub(/\/[^\/]*$/, "", p); return p == "" ? "/" : p }
    function base(p) { sub(/.*\//, "", p); return p }
    function commit(p) { return base(p) ~ /^DONE_[0-9]+$/ || base(p) == "config.json" || base(p) == "enwik8_source.txt" }
    # an operation on the names in directory d: refused while a commit'"'"'s removal there is not yet synced
    function touch(d, what) {
        if (uncommitted[d] != "") { print "line " NR ": " what " before the removal of " uncommitted[d] " was synced" }
        dirty[d] = dirty[d] " " what
    }
    # (the sizes, $3 of a sync and $4 of a rename, are compared where both are traced and not -1)
    $1 == "fsync" { synced[$2] = 1; size[$2] = NF >= 3 ? $3 : -1; dirty[$2] = ""; uncommitted[$2] = ""; next }
    $1 == "rename" {
        d = dir($3)
        if (!synced[$2]) { print "line " NR ": " $2 " renamed without its data synced" }
        else if (NF >= 4 && $4 != -1 && size[$2] != -1 && $4 != size[$2]) {
            print "line " NR ": " $2 " renamed with " $4 " bytes, " size[$2] " at its sync: written after its sync"
        }
        if (commit($3) && dirty[d] != "") { print "line " NR ": commit " base($3) " renamed in before a directory sync of:" dirty[d] }
        touch(d, "rename to " base($3))
        synced[$3] = synced[$2]; size[$3] = size[$2]; delete synced[$2]; delete size[$2]
        next
    }
    $1 == "unlink" {
        d = dir($2)
        touch(d, "unlink " base($2))
        if (commit($2)) { uncommitted[d] = base($2) }
        delete synced[$2]
        next
    }
    { print "line " NR ": unknown record: " $0 }
    END { for (d in dirty) if (dirty[d] != "") print "end: " d " never synced after:" dirty[d] }
    ' "$1"
}

# traced <name> <command...>: the command run with the shim, its trace in $TMP/<name>.trace
traced() {
    local name="$1"; shift
    rm -f "$TMP/$name.trace"
    WRITE_TRACE="$TMP/$name.trace" LD_PRELOAD="$SHIM" "$@" > "$TMP/$name.out" 2>&1
}

# expect_order <name> <min renames> <exit status> <names that must be renamed in...>: the command traced
# as <name> succeeded,
# its trace has the renames asked for, and check_trace finds nothing
expect_order() {
    local name="$1" min="$2" rc="$3"; shift 3
    local trace="$TMP/$name.trace"
    if [ "$rc" -ne 0 ]; then bad "$name" "exit $rc: $(tail -n 2 "$TMP/$name.out" | tr '\n' ' ')"; return; fi
    local n; n=$(grep -c '^rename ' "$trace" 2>/dev/null); n=${n:-0}
    if [ "$n" -lt "$min" ]; then bad "$name" "$n renames traced, expected at least $min (is the shim loaded?)"; return; fi
    local want
    for want in "$@"; do
        if ! grep -qE "^rename .* .*/$want -?[0-9]+\$" "$trace"; then bad "$name" "no rename to $want traced"; return; fi
    done
    local v; v=$(check_trace "$trace")
    if [ -n "$v" ]; then bad "$name" "$(echo "$v" | head -n 3 | tr '\n' ';')"; else ok "$name ($n renames)"; fi
}

# --- the checker itself: each rule catches a trace that breaks it
D=/r
printf 'rename %s/a.tmp %s/a\nfsync %s\n' $D $D $D > "$TMP/t1"
printf 'fsync %s/a.tmp\nrename %s/a.tmp %s/a\n' $D $D $D > "$TMP/t2"
printf 'fsync %s/m.tmp\nrename %s/m.tmp %s/m\nfsync %s/DONE_1.tmp\nrename %s/DONE_1.tmp %s/DONE_1\nfsync %s\n' $D $D $D $D $D $D $D > "$TMP/t3"
printf 'unlink %s/DONE_1\nunlink %s/m\nfsync %s\n' $D $D $D > "$TMP/t4"
printf 'fsync %s/m.tmp\nrename %s/m.tmp %s/m\nfsync %s\nfsync %s/DONE_1.tmp\nrename %s/DONE_1.tmp %s/DONE_1\nfsync %s\nunlink %s/DONE_1\nfsync %s\nunlink %s/m\nfsync %s\n' \
    $D $D $D $D $D $D $D $D $D $D $D $D > "$TMP/t5"
# (an fsync before the fflush: 4096 bytes on the disk, 5000 renamed in)
printf 'fsync %s/a.tmp 4096\nrename %s/a.tmp %s/a 5000\nfsync %s -1\n' $D $D $D $D > "$TMP/t6"
for t in "t1 renamed without its data synced" "t2 never synced after" "t3 commit DONE_1 renamed in before a directory sync" \
         "t4 unlink m before the removal of DONE_1 was synced" "t6 written after its sync"; do
    read -r f want <<< "$t"
    if check_trace "$TMP/$f" | grep -q "$want"; then ok "checker_catches_$f"; else bad "checker_catches_$f" "no '$want' in: $(check_trace "$TMP/$f")"; fi
done
v=$(check_trace "$TMP/t5")
if [ -z "$v" ]; then ok "checker_passes_good_order"; else bad "checker_passes_good_order" "$v"; fi

# --- the trainer: a checkpoint every step, two kept (so older ones are pruned), the best model (-kb 1,
# val loss every step), the log, and an export with a tokenizer
TINY=(-e d32:l2:v270 -b 4 -t 32 -g 0 -nt 2 -tk test/fixtures/bpe/tokenizer.json)
traced trainer_checkpoints_prune_export "$BIN" "${TINY[@]}" -x 4 -v 1 -m 1 -o "$TMP/run" -n 1 -nk 2 -kb 1 -hf "$TMP/hf"
expect_order trainer_checkpoints_prune_export 12 $? "DONE_00000004" "model_00000004.bin" "state_00000004.bin" \
    "model_best.bin" "config.json" "model.safetensors" "tokenizer.json" "generation_config.json"
if grep -q "^unlink .*/DONE_00000001$" "$TMP/trainer_checkpoints_prune_export.trace" && grep -q "^unlink .*/model_00000001.bin$" "$TMP/trainer_checkpoints_prune_export.trace"
then ok "trainer_pruned_traced"; else bad "trainer_pruned_traced" "no pruning of step 1 in the trace"; fi

# export_switch_order <name> <trace> <dir> (as the trace names it: resolved): each file of the export in <dir> is renamed in from its <name>.staged, after
# the old config.json's removal (where there was one) and before the new config.json: generation_config.json too, whose
# ids transformers' generate() prefers to config.json's (one left from before named another tokenizer's)
export_switch_order() {
    local v; v=$(awk -v d="$3" '
        $1 == "unlink" && $2 == d "/config.json" && !gone { gone = NR }
        $1 == "rename" && index($3, d "/") == 1 { f = substr($3, length(d) + 2); at[f] = NR; from[f] = $2 }
        END {
            if (!("config.json" in at)) { print "no rename to config.json"; exit }
            n = split("model.safetensors generation_config.json", names, " ")
            for (i = 1; i <= n; i++) {
                f = names[i]
                if (!(f in at)) { print "no rename to " f; continue }
                if (from[f] != d "/" f ".staged") print f " renamed in from " from[f] ", not its .staged"
                if (at[f] > at["config.json"]) print f " renamed in after config.json"
                if (gone && at[f] < gone) print f " renamed in before the old config.json was removed"
            }
        }' "$2" 2>&1)
    if [ -z "$v" ]; then ok "$1"; else bad "$1" "$(echo "$v" | tr '\n' ';')"; fi
}
export_switch_order export_switch_order_first "$TMP/trainer_checkpoints_prune_export.trace" "$(cd "$TMP" && pwd -P)/hf"

# resumed (the log is rewritten up to the checkpoint's step) and exported again over the first export:
# the old config.json is removed, and synced, before anything else in the directory changes
traced trainer_resume_export_over_export "$BIN" "${TINY[@]}" -x 6 -v 1 -m 1 -o "$TMP/run" -n 1 -nk 2 -y 1 -hf "$TMP/hf"
expect_order trainer_resume_export_over_export 8 $? "DONE_00000006" "config.json" "generation_config.json"
export_switch_order export_switch_order_over_export "$TMP/trainer_resume_export_over_export.trace" "$(cd "$TMP" && pwd -P)/hf"
if grep -q "^unlink .*/hf/config.json$" "$TMP/trainer_resume_export_over_export.trace"; then ok "export_over_export_removes_config"
else bad "export_over_export_removes_config" "no removal of the old config.json traced"; fi
# an in-place export over a sharded mamba_ssm / transformers PyTorch directory: its index and shards go inside the
# switch, after the old config.json's removal is on the disk (check_trace), so no config.json sees them half gone
cp -r test/fixtures/torch/tiny_sharded "$TMP/pt_sharded"
traced export_over_pytorch_shards "$BIN" -e "$TMP/pt_sharded" -b 4 -t 32 -nt 2 -x 0 -hf "$TMP/pt_sharded"
expect_order export_over_pytorch_shards 2 $? "config.json" "model.safetensors"
if grep -q "^unlink .*/pt_sharded/pytorch_model.bin.index.json$" "$TMP/export_over_pytorch_shards.trace" &&
   [ "$(grep -c "^unlink .*/pt_sharded/pytorch_model-0000[12]-of-00002.bin$" "$TMP/export_over_pytorch_shards.trace")" -eq 2 ]
then ok "export_over_pytorch_shards_removes_them"
else bad "export_over_pytorch_shards_removes_them" "$(grep '^unlink' "$TMP/export_over_pytorch_shards.trace" | tr '\n' ';')"; fi
# a SIGTERM inside an in-place export's switch (-e dir -hf dir), just after the old config.json's removal: the process
# ends with the signal's status once the new config.json is in place, and the directory loads (it was left without a
# config.json, its new one staged, and -e refused it)
"$BIN" -e d32:l2:v256 -nt 2 -x 0 -hf "$TMP/sigswitch" > /dev/null 2>&1
WRITE_TRACE_RAISE="15 config.json" LD_PRELOAD="$SHIM" "$BIN" -e "$TMP/sigswitch" -b 4 -t 32 -nt 2 -x 0 -hf "$TMP/sigswitch" \
    > "$TMP/sigswitch.out" 2>&1; rc=$?
out=$("$BIN" -e "$TMP/sigswitch" -b 4 -t 32 -nt 2 -x 0 -p "a" -g 2 2>&1); rc2=$?
if [ $rc -eq 143 ] && [ $rc2 -eq 0 ] && [ -z "$(ls "$TMP/sigswitch" | grep staged)" ]; then ok "export_switch_survives_signal"
else bad "export_switch_survives_signal" "export rc $rc ($(ls "$TMP/sigswitch" | tr '\n' ' ')), then load rc $rc2: $(echo "$out" | grep -m1 error)"; fi

# --- the data tools
head -c 20000 dev/data/tinyshakespeare.txt > "$TMP/small.txt"
if [ -x ./dev/data/prepare_bytes ]; then
    mkdir -p "$TMP/pb"
    traced prepare_bytes ./dev/data/prepare_bytes "$TMP/small.txt" "$TMP/pb/train.bin" "$TMP/pb/val.bin"
    expect_order prepare_bytes 2 $? "train.bin" "val.bin"
else bad "prepare_bytes" "./dev/data/prepare_bytes not built (make dev/data/prepare_bytes)"; fi
if [ -x ./dev/data/tokenize ]; then
    # shards staged as .partial, then renamed to their names once the run has succeeded
    traced tokenize ./dev/data/tokenize -t test/fixtures/bpe/tokenizer.json -o "$TMP/tok/ts" -s 2000 "$TMP/small.txt"
    expect_order tokenize 4 $? "ts_train_000000.bin" "ts_val_000000.bin"
else bad "tokenize" "./dev/data/tokenize not built (make dev/data/tokenize)"; fi

# the Python data scripts (os.replace and os.fsync go through the same C library calls)
if command -v python3 > /dev/null; then
    # tinyshakespeare.py reads the text next to itself: a copy beside the stand-in
    mkdir -p "$TMP/ts"; cp dev/data/tinyshakespeare.py dev/data/stop_signals.py "$TMP/ts/"; cp "$TMP/small.txt" "$TMP/ts/tinyshakespeare.txt"
    traced tinyshakespeare_py python3 "$TMP/ts/tinyshakespeare.py"
    expect_order tinyshakespeare_py 2 $? "tiny_shakespeare_train.bin" "tiny_shakespeare_val.bin"
    # enwik8.py twice into one directory: the second run removes the first's record before its renames
    head -c 200000 dev/data/tinyshakespeare.txt > "$TMP/e8_in"
    traced enwik8_py python3 dev/data/enwik8.py "$TMP/e8_in" --allow-any-size -o "$TMP/e8"
    expect_order enwik8_py 4 $? "enwik8_train.bin" "enwik8_val.bin" "enwik8_test.bin" "enwik8_source.txt"
    traced enwik8_py_again python3 dev/data/enwik8.py "$TMP/e8_in" --allow-any-size -o "$TMP/e8"
    expect_order enwik8_py_again 4 $? "enwik8_source.txt"
    if grep -q "^unlink .*/enwik8_source.txt$" "$TMP/enwik8_py_again.trace"; then ok "enwik8_py_again_removes_record"
    else bad "enwik8_py_again_removes_record" "no removal of the first run's record traced"; fi
    mkdir -p "$TMP/rs"
    traced random_shard_py python3 dev/data/random_shard.py "$TMP/rs/random.bin" 256 5000 1
    expect_order random_shard_py 1 $? "random.bin"
else
    echo "SKIP the Python data scripts: no python3 (not counted as passed)"
fi

finish_checks
