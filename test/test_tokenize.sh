#!/usr/bin/env bash
# dev/data/tokenize: text -> llm.c shards with a tokenizer.json. The encoder itself is checked
# against Hugging Face tokenizers in test_bpe; here: cutting the text into pieces (any piece size,
# any thread count, any shard size) gives exactly the tokens of one piece per document, the shards
# decode back to the text, the val split is the text's tail, the trainer reads the shards, and bad
# input fails with one error line. One line per check, then "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
# TOK / TRAIN name other builds (make test-asan runs this suite with the sanitized ones)
TOK=${TOK:-./dev/data/tokenize}
TRAIN=${TRAIN:-./train_mamba}
TJ=test/fixtures/bpe/tokenizer.json
TXT=dev/data/tinyshakespeare.txt
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. test/check.sh

# -h / --help print the usage to stdout and exit 0; no arguments print it to stderr and exit 1
for flag in -h --help; do
    out=$("$TOK" "$flag" 2>/dev/null); rc=$?
    if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^usage: .* -t tokenizer.json -o <out prefix>"; then ok "tokenize_help $flag"; else bad "tokenize_help $flag" "rc $rc: $out"; fi
done
"$TOK" > /dev/null 2>&1; rc=$?
if [ "$rc" -ne 0 ]; then ok "tokenize_no_arguments_fails"; else bad "tokenize_no_arguments_fails" "exit 0"; fi

# the tokens of every shard matching a glob, headers (1024 bytes) stripped, in glob order; when no
# shard matches, a line naming the glob instead, so that two missing outputs never compare equal
payload() {
    local f n=0
    for f in $1; do
        [ -f "$f" ] || continue
        tail -c +1025 "$f"; n=$((n + 1))
    done
    [ "$n" -gt 0 ] || echo "no shard matches $1"
}
# run <name> <prefix> <flags / files...>: must succeed
run() {
    local name="$1"; shift
    local out
    if ! out=$("$TOK" -t "$TJ" "$@" 2>&1); then bad "$name" "$out"; return 1; fi
}

# --- reference: one piece per document, one thread
run reference -o "$TMP/ref" -n 1 -p 268435456 "$TXT" || exit 1

# --- an output prefix in directories that do not exist yet: they are created
run new_directory -o "$TMP/new/dir/ts" -v 0 "$TXT" && {
    if [ -f "$TMP/new/dir/ts_train_000000.bin" ]; then ok "new_directory"; else bad "new_directory" "no shard in $TMP/new/dir"; fi
}
payload "$TMP/ref_train_*.bin" > "$TMP/ref.train"
payload "$TMP/ref_val_*.bin" > "$TMP/ref.val"
# the reference holds tokens (the comparisons below would otherwise prove nothing)
if [ -f "$TMP/ref_train_000000.bin" ] && [ "$(stat -c %s "$TMP/ref.train")" -gt 100000 ] && [ "$(stat -c %s "$TMP/ref.val")" -gt 10000 ]; then
    ok "reference_has_tokens ($(( $(stat -c %s "$TMP/ref.train") / 2 )) train, $(( $(stat -c %s "$TMP/ref.val") / 2 )) val)"
else
    bad "reference_has_tokens" "train $(stat -c %s "$TMP/ref.train") bytes, val $(stat -c %s "$TMP/ref.val") bytes"
fi

# --- pieces of 1 MiB (the default), 1000 bytes, 1 byte (a cut at every allowed place); 1-3 threads;
# shards of 50,000 tokens: the same token streams
for cfg in "default:" "p1000_n2:-p 1000 -n 2" "p1_n3:-p 1 -n 3" "shards:-s 50000 -p 5000"; do
    name=${cfg%%:*}; flags=${cfg#*:}
    # shellcheck disable=SC2086
    run "pieces_$name" -o "$TMP/$name" $flags "$TXT" || continue
    if payload "$TMP/${name}_train_*.bin" | cmp -s - "$TMP/ref.train" && payload "$TMP/${name}_val_*.bin" | cmp -s - "$TMP/ref.val"; then
        ok "pieces_$name ($(ls "$TMP/${name}"_train_*.bin | wc -l) train shard(s))"
    else
        bad "pieces_$name" "tokens differ from one piece per document"
    fi
done

# --- the same on text that NFC changes and the pre-tokenizer splits in every way (combining marks,
# Hangul jamo, CJK, emoji, contractions, digits, runs of spaces, tabs, CRLF, a byte that is not
# UTF-8), with both fixture tokenizers (NFC normalizer or none): a cut after every allowed line break
for i in $(seq 1 60); do
    printf 'Cafe\xcc\x81 %d na\xc3\xafve \xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80!\n' "$i"
    printf "don't   stop\t%d\r\nx\n\n  indented \xff line\n'tis\n" "$((i * 7))"
    printf '\xcc\x81starts with a mark\n)%d(\n' "$i"
done > "$TMP/mixed.txt"
for tj in "$TJ" test/fixtures/bpe/unicode_tokenizer.json; do
    tag=$(basename "$tj" .json)
    if "$TOK" -t "$tj" -o "$TMP/m1_$tag" -v 0 -p 268435456 "$TMP/mixed.txt" > /dev/null 2> "$TMP/err" &&
       "$TOK" -t "$tj" -o "$TMP/m2_$tag" -v 0 -p 1 -n 2 "$TMP/mixed.txt" > /dev/null 2>> "$TMP/err"; then
        if payload "$TMP/m1_${tag}_train_*.bin" | cmp -s - <(payload "$TMP/m2_${tag}_train_*.bin"); then ok "pieces_mixed_text_$tag"
        else bad "pieces_mixed_text_$tag" "tokens differ from one piece per document"; fi
    else
        bad "pieces_mixed_text_$tag" "$(cat "$TMP/err")"
    fi
done

# --- CRLF line ends: cut before the "\r" (the same tokens), and the val split finds a place
sed 's/$/\r/' "$TXT" > "$TMP/crlf.txt"
if "$TOK" -t "$TJ" -o "$TMP/c1" -n 1 -p 268435456 "$TMP/crlf.txt" > /dev/null 2> "$TMP/err" &&
   "$TOK" -t "$TJ" -o "$TMP/c2" -n 2 -p 1000 "$TMP/crlf.txt" > /dev/null 2>> "$TMP/err"; then
    if payload "$TMP/c1_train_*.bin" | cmp -s - <(payload "$TMP/c2_train_*.bin") && payload "$TMP/c1_val_*.bin" | cmp -s - <(payload "$TMP/c2_val_*.bin"); then ok "pieces_crlf"
    else bad "pieces_crlf" "tokens differ from one piece per document"; fi
else
    bad "pieces_crlf" "$(cat "$TMP/err")"
fi

# --- a tokenizer without the regex (a piece is one word, so merges may cross line breaks): no cuts
sed 's/"use_regex": *true/"use_regex": false/' "$TJ" > "$TMP/noregex.json"
if grep -q '"use_regex": *false' "$TMP/noregex.json" &&
   "$TOK" -t "$TMP/noregex.json" -o "$TMP/r1" -v 0 -p 268435456 "$TMP/mixed.txt" > /dev/null 2> "$TMP/err" &&
   "$TOK" -t "$TMP/noregex.json" -o "$TMP/r2" -v 0 -p 1 -n 2 "$TMP/mixed.txt" > /dev/null 2>> "$TMP/err"; then
    if payload "$TMP/r1_train_*.bin" | cmp -s - <(payload "$TMP/r2_train_*.bin"); then ok "no_regex_no_cuts"; else bad "no_regex_no_cuts" "tokens differ"; fi
else
    bad "no_regex_no_cuts" "$(cat "$TMP/err")"
fi

# --- text that NFC lengthens (U+1D160 -> 3 code points, 4 -> 12 bytes): every token kept, valid ids
printf '\xf0\x9d\x85\xa0%.0s' $(seq 1 40) > "$TMP/nfc.txt"
printf '\xf0\x9d\x85\x98\xf0\x9d\x85\xa5\xf0\x9d\x85\xae%.0s' $(seq 1 40) > "$TMP/nfc.want"
if "$TOK" -t "$TJ" -o "$TMP/nfc" -v 0 -e 0 "$TMP/nfc.txt" > /dev/null 2> "$TMP/err" && "$TOK" -t "$TJ" -d "$TMP/nfc_train_*.bin" > "$TMP/nfc.dec" 2>> "$TMP/err"; then
    if cmp -s "$TMP/nfc.dec" "$TMP/nfc.want"; then ok "nfc_lengthens_text"; else bad "nfc_lengthens_text" "decoded text is not the NFC form"; fi
else
    bad "nfc_lengthens_text" "$(cat "$TMP/err")"
fi

# --- decoding the shards gives the text back: end-of-text token + train text + val text
if "$TOK" -t "$TJ" -d "$TMP/ref_train_*.bin" > "$TMP/dec.train" 2> "$TMP/err" && "$TOK" -t "$TJ" -d "$TMP/ref_val_*.bin" > "$TMP/dec.val" 2>> "$TMP/err"; then
    { printf '<|endoftext|>'; cat "$TXT"; } > "$TMP/want"
    if cat "$TMP/dec.train" "$TMP/dec.val" | cmp -s - "$TMP/want"; then ok "round_trip"; else bad "round_trip" "decoded text differs"; fi
else
    bad "round_trip" "$(cat "$TMP/err")"
fi

# --- the val split: the text after the first "x\ny" line break at or after 90% of the bytes
n=$(wc -c < "$TXT"); vb=$(wc -c < "$TMP/dec.val"); start=$((n - vb))
if [ "$start" -ge $((n * 9 / 10)) ] && [ "$start" -lt $((n * 9 / 10 + 200)) ] && [ "$(tail -c +"$((start))" "$TXT" | head -c 1 | od -An -c | tr -d ' ')" = '\n' ]; then
    ok "val_split (val = the last $vb of $n bytes, from byte $start)"
else
    bad "val_split" "val text starts at byte $start of $n"
fi

# --- -e 0: no end-of-text token; -v 0: no val shard
run no_eot -o "$TMP/ne" -e 0 -v 0 "$TXT" && {
    "$TOK" -t "$TJ" -d "$TMP/ne_train_*.bin" > "$TMP/ne.txt" 2>/dev/null
    if cmp -s "$TMP/ne.txt" "$TXT" && ! ls "$TMP"/ne_val_*.bin > /dev/null 2>&1; then ok "no_eot_no_val"; else bad "no_eot_no_val" "decoded text differs or a val shard exists"; fi
}

# --- several documents: each starts with the end-of-text token; with -v at 20,000 of 220,000 bytes
# the val split starts exactly at the second one
head -c 200000 "$TXT" > "$TMP/d1.txt"; tail -c 20000 "$TXT" > "$TMP/d2.txt"
run documents -o "$TMP/docs" -v 0.09091136 -p 4096 "$TMP/d1.txt" "$TMP/d2.txt" && {
    "$TOK" -t "$TJ" -d "$TMP/docs_train_*.bin" > "$TMP/docs.train" 2>/dev/null
    "$TOK" -t "$TJ" -d "$TMP/docs_val_*.bin" > "$TMP/docs.val" 2>/dev/null
    { printf '<|endoftext|>'; cat "$TMP/d1.txt"; printf '<|endoftext|>'; cat "$TMP/d2.txt"; } > "$TMP/docs.want"
    if cat "$TMP/docs.train" "$TMP/docs.val" | cmp -s - "$TMP/docs.want" && [ "$(head -c 13 "$TMP/docs.val")" = '<|endoftext|>' ]; then
        ok "documents (the val split starts at the second document)"
    else
        bad "documents" "decoded documents differ, or the val split does not start at the second one"
    fi
}

# --- an empty document in the val part: its end-of-text token goes to val
printf 'ab\ncd\nef\ngh\n' > "$TMP/e1.txt"; : > "$TMP/e2.txt"
run empty_doc -o "$TMP/ed" -v 0.5 "$TMP/e1.txt" "$TMP/e2.txt" && {
    if [ "$("$TOK" -t "$TJ" -d "$TMP/ed_val_*.bin" 2>&1)" = "$(printf 'ef\ngh\n<|endoftext|>')" ]; then ok "empty_document_in_val"
    else bad "empty_document_in_val" "val decodes to: $("$TOK" -t "$TJ" -d "$TMP/ed_val_*.bin" 2>&1)"; fi
}

# --- 2,500 documents (several batches of documents): each one's text after its end-of-text token
mkdir -p "$TMP/many"
for i in $(seq 1 2500); do printf 'doc %d\nline two of %d\n' "$i" "$i" > "$TMP/many/$i.txt"; done
files=(); for i in $(seq 1 2500); do files+=("$TMP/many/$i.txt"); done
run many_documents -o "$TMP/many_out" -v 0.01 "${files[@]}" && {
    for f in "${files[@]}"; do printf '<|endoftext|>'; cat "$f"; done > "$TMP/many.want"
    if cat <("$TOK" -t "$TJ" -d "$TMP/many_out_train_*.bin") <("$TOK" -t "$TJ" -d "$TMP/many_out_val_*.bin") | cmp -s - "$TMP/many.want"; then
        ok "many_documents"
    else
        bad "many_documents" "decoded documents differ"
    fi
}

# --- JSON Lines (-j text): each line's field is a document, escapes decoded; the same tokens as the
# documents as plain files; blank and CRLF-ended lines; the val split between documents
mkdir -p "$TMP/jl"
{
    printf '{"id": 1, "text": "First line\\nsecond \\"quoted\\" line\\n"}\n'
    printf '\n'
    printf '{"text": "caf\\u00e9 and \\ud83d\\ude00, a back\\\\slash\\ttab", "meta": {"x": [1, 2]}}\r\n'
    printf '   \n'
    printf '{"text": ""}\n'
    for i in $(seq 1 40); do printf '{"text": "document %d\\nwith two lines %d"}\n' "$i" "$((i * i))"; done
} > "$TMP/jl/in.jsonl"
printf 'First line\nsecond "quoted" line\n' > "$TMP/jl/d001.txt"
printf 'caf\xc3\xa9 and \xf0\x9f\x98\x80, a back\\slash\ttab' > "$TMP/jl/d002.txt"
: > "$TMP/jl/d003.txt"
for i in $(seq 1 40); do printf 'document %d\nwith two lines %d' "$i" "$((i * i))" > "$TMP/jl/d$(printf '%03d' $((i + 3))).txt"; done
if "$TOK" -t "$TJ" -o "$TMP/jl/a" -v 0 -j text "$TMP/jl/in.jsonl" > /dev/null 2> "$TMP/err" &&
   "$TOK" -t "$TJ" -o "$TMP/jl/b" -v 0 "$TMP"/jl/d*.txt > /dev/null 2>> "$TMP/err"; then
    if payload "$TMP/jl/a_train_*.bin" | cmp -s - <(payload "$TMP/jl/b_train_*.bin"); then ok "jsonl_documents"
    else bad "jsonl_documents" "tokens differ from the same documents as files"; fi
else
    bad "jsonl_documents" "$(cat "$TMP/err")"
fi
# 20 lines of 31 bytes, -v 0.25: the lines starting at or past byte 620 - 155 = 465 (lines 16-20)
for i in $(seq 10 29); do printf '{"text": "line %d of twenty!"}\n' "$i"; done > "$TMP/jl/v.jsonl"
run jsonl_val -o "$TMP/jl/v" -v 0.25 -j text "$TMP/jl/v.jsonl" && {
    want=$(for i in $(seq 25 29); do printf '<|endoftext|>line %d of twenty!' "$i"; done)
    if [ "$(wc -c < "$TMP/jl/v.jsonl")" = 620 ] && [ "$("$TOK" -t "$TJ" -d "$TMP/jl/v_val_*.bin")" = "$want" ]; then ok "jsonl_val_split"
    else bad "jsonl_val_split" "val decodes to: $("$TOK" -t "$TJ" -d "$TMP/jl/v_val_*.bin" 2>&1 | head -c 200)"; fi
}
printf '{"text": "ok"}\n{"text": broken\n' > "$TMP/jl/bad1.jsonl"
printf '{"text": "ok"}\n{"body": "no text field"}\n' > "$TMP/jl/bad2.jsonl"
printf '{"text": 42}\n' > "$TMP/jl/bad3.jsonl"
printf '{"text": "a\\\\u0000 is fine"}\n{"text": "a\\u0000b"}\n' > "$TMP/jl/bad4.jsonl"
printf '{"text": "a"}\n{"text": "b"} {"text": "c"}\n' > "$TMP/jl/bad5.jsonl"
printf '{"text": "ab\0cd"}\n' > "$TMP/jl/bad6.jsonl"

# --- the trainer reads the shards (a model with the tokenizer's 270 ids)
if [ -x "$TRAIN" ]; then
    out=$("$TRAIN" -e d32:l2:v270 -b 4 -t 32 -x 3 -v 3 -m 2 -g 0 -nt 2 -i "$TMP/ref_train_*.bin" -j "$TMP/ref_val_*.bin" 2>&1)
    if echo "$out" | grep -q '^val loss'; then ok "trainer_reads_shards"; else bad "trainer_reads_shards" "$(echo "$out" | tail -n 2)"; fi
else
    echo "SKIP trainer_reads_shards: $TRAIN not built (not counted as passed)"
fi

# --- bad input: non-zero exit, one "error:" line with the reason (test/check.sh)
expect_error() { expect_error_cmd "$1" "$2" "$TOK" "${@:3}"; }
printf 'some text\n\0more\n' > "$TMP/nul.txt"
printf 'one line without a break to cut at' > "$TMP/oneline.txt"
: > "$TMP/empty.txt"
expect_error missing_tokenizer "cannot open" -t "$TMP/none.json" -o "$TMP/x" "$TXT"
expect_error flag_without_value "needs a value" -t "$TMP/none.json" -o "$TMP/x" -v
expect_error no_tokenizer_flag "-t <tokenizer.json> is required" -o "$TMP/x" "$TXT"
expect_error no_inputs "at least one input file" -t "$TMP/none.json" -o "$TMP/x"
expect_error missing_input "cannot open '$TMP/none.txt'" -t "$TJ" -o "$TMP/x" "$TMP/none.txt"
expect_error nul_byte "byte 0 at offset 10: not text" -t "$TJ" -o "$TMP/x" "$TMP/nul.txt"
expect_error val_fraction "the val fraction must be in" -t "$TJ" -o "$TMP/x" -v 1.5 "$TXT"
expect_error shard_size "tokens per shard must be in" -t "$TJ" -o "$TMP/x" -s 0 "$TXT"
expect_error not_a_number "expected an integer, got .two." -t "$TJ" -o "$TMP/x" -n two "$TXT"
expect_error unknown_flag "unknown flag -q" -t "$TJ" -q 1 -o "$TMP/x" "$TXT"
expect_error stale_shards "ref_train_000000.bin' exists" -t "$TJ" -o "$TMP/ref" "$TXT"
expect_error val_without_cut "the val split got no tokens" -t "$TJ" -o "$TMP/x" "$TMP/oneline.txt"
expect_error no_train_tokens "no train tokens" -t "$TJ" -o "$TMP/x" -e 0 -v 0 "$TMP/empty.txt"
expect_error decode_missing "no shard files match" -t "$TJ" -d "$TMP/none_*.bin"
expect_error not_a_shard "bad shard magic" -t "$TJ" -d "$TXT"
expect_error jsonl_malformed "bad1.jsonl' line 2: not a JSON object" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad1.jsonl"
expect_error jsonl_missing_field "bad2.jsonl' line 2: no string field \"text\"" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad2.jsonl"
expect_error jsonl_not_a_string "bad3.jsonl' line 1: no string field" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad3.jsonl"
expect_error jsonl_nul_escape "bad4.jsonl' line 2: .u0000 in a string: not text" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad4.jsonl"
expect_error jsonl_two_objects "bad5.jsonl' line 2: text after the JSON object" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad5.jsonl"
expect_error jsonl_nul_byte "bad6.jsonl' line 1: byte 0: not text" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad6.jsonl"
expect_error glob_prefix "no glob characters" -t "$TJ" -o "$TMP/x[1]" "$TXT"
expect_error empty_prefix "the prefix needs a file-name part" -t "$TJ" -o "" "$TXT"
expect_error directory_prefix "the prefix needs a file-name part" -t "$TJ" -o "$TMP/" "$TXT"
expect_error not_an_integer "expected an integer, got .0.7." -t "$TJ" -o "$TMP/x" -e 0.7 "$TXT"
expect_error tiny_val_fraction "less than a byte" -t "$TJ" -o "$TMP/x" -v 1e-9 "$TXT"
# errors after shards were written (-s 1: one shard per token) leave none behind
expect_error error_after_shards "the val split got no tokens" -t "$TJ" -o "$TMP/x" -s 1 "$TMP/oneline.txt"
printf 'ok\n\0x\n' > "$TMP/nul2.txt"
# (and in a later batch of documents than the first shards)
expect_error nul_in_a_later_batch "nul2.txt': byte 0 at offset 3" -t "$TJ" -o "$TMP/x" -s 1 -v 0 "${files[@]:0:1100}" "$TMP/nul2.txt"
if ls "$TMP"/x* > /dev/null 2>&1; then bad "no_output_on_error" "$(ls "$TMP"/x* | head -3)"; else ok "no_output_on_error"; fi
# a prefix in directories that do not exist: an error before the first shard, or after shards were
# written, leaves none of those directories behind (one that existed before stays)
mkdir -p "$TMP/kept"
expect_error new_dir_error_before_shards "cannot open '$TMP/none.txt'" -t "$TJ" -o "$TMP/nd1/sub/x" "$TMP/none.txt"
expect_error new_dir_error_after_shards "nul2.txt': byte 0 at offset 3" -t "$TJ" -o "$TMP/kept/nd2/sub/x" -s 1 -v 0 "${files[@]:0:1100}" "$TMP/nul2.txt"
if [ ! -e "$TMP/nd1" ] && [ ! -e "$TMP/kept/nd2" ] && [ -d "$TMP/kept" ]; then ok "no_directory_on_error"
else bad "no_directory_on_error" "$(ls -d "$TMP"/nd1 "$TMP"/kept/nd2 "$TMP"/kept 2>&1)"; fi
# a directory that cannot be made (a 300-byte name) below two new ones: those two are removed again
long=$(printf 'a%.0s' $(seq 300))
expect_error new_dir_fails_midway "cannot create directory '$TMP/nd3/sub/aaa.*File name too long" -t "$TJ" -o "$TMP/nd3/sub/$long/x" "$TXT"
if [ ! -e "$TMP/nd3" ]; then ok "no_directory_after_failed_mkdir"; else bad "no_directory_after_failed_mkdir" "$(ls -R "$TMP/nd3")"; fi
touch "$TMP/plain"
expect_error prefix_under_a_file "'$TMP/plain' exists and is not a directory" -t "$TJ" -o "$TMP/plain/sub/x" "$TXT"

finish_checks
