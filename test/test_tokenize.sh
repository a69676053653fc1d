#!/usr/bin/env bash
# dev/data/tokenize: text -> llm.c shards with a tokenizer.json. The encoder itself is checked
# against Hugging Face tokenizers in test_bpe; here: cutting the text into pieces (any piece size,
# any thread count, any shard size) gives exactly the tokens of one piece per document, the shards
# decode back to the text, the val split is the text's tail, the trainer reads the shards, and bad
# input fails with one error line. One line per check, then "N passed, M failed".
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # (sh <script>: Debian's sh, dash, reads no bash)
set -u
cd "$(dirname "$0")/.."
# TOK / TRAIN name other builds (make test-asan runs this suite with the sanitized ones)
TOK=${TOK:-./dev/data/tokenize}
TRAIN=${TRAIN:-./train_mamba}
TJ=test/fixtures/bpe/tokenizer.json
TXT=dev/data/tinyshakespeare.txt
TMP=$(mktemp -d)
MOUNTS="" # small tmpfs mounts of the output-safety checks below (a full disk): unmounted at exit too
trap 'if in_main_shell; then for m in $MOUNTS; do umount "$m" 2>/dev/null; done; rm -rf "$TMP"; fi' EXIT
. test/check.sh

# -h / --help print the usage to stdout and exit 0; no arguments print it to stderr and exit 1
for flag in -h --help; do
    out=$("$TOK" "$flag" 2>/dev/null); rc=$?
    if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^usage: .* -t tokenizer.json -o <out prefix>"; then ok "tokenize_help $flag"; else bad "tokenize_help $flag" "rc $rc: $out"; fi
done
# (the usage itself: every error line sends the user here for it; a run that failed on -t instead passed)
"$TOK" > "$TMP/noargs.out" 2> "$TMP/noargs.err"; rc=$?
if [ "$rc" -eq 1 ] && [ ! -s "$TMP/noargs.out" ] && grep -q "^usage: .* -t tokenizer.json -o <out prefix>" "$TMP/noargs.err"; then
    ok "tokenize_no_arguments_fails"
else bad "tokenize_no_arguments_fails" "rc $rc: $(head -n 1 "$TMP/noargs.err")"; fi

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

# --- the summary names the vocabulary a model must cover (the fixture tokenizer's ids: 0..268) and how to ask for it
out=$("$TOK" -t "$TJ" -o "$TMP/vocab_note" -v 0 "$TXT" 2>&1)
if echo "$out" | grep -qx "vocabulary: 269 ids; train a model of at least that many (a descriptor's v269, e.g. -e d256:l6:v269) with -tk $TJ"; then
    ok "summary_names_vocabulary"
else bad "summary_names_vocabulary" "$(echo "$out" | tail -n 1)"; fi

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

# --- no cut inside the "\n\r\n" of "x\n\r\ny": the regex makes "\n\r" one word of the whole text (a cut before the "\r"
# would split it in two), which a tokenizer with a merge of the two, as this copy of the fixture, encodes as one token
# (268; with the fixture itself the two words' ids are the same)
# one_piece_per_document <check> <tokenizer.json> <text> <id> <prefix>: the text encoded whole (-p 268435456) and in
# pieces as small as they go (-p 1, 2 workers) gives the same tokens, among them <id>
one_piece_per_document() {
    local name=$1 tj=$2 txt=$3 id=$4 pre=$5
    if "$TOK" -t "$tj" -o "${pre}1" -v 0 -p 268435456 "$txt" > /dev/null 2> "$TMP/err" &&
       "$TOK" -t "$tj" -o "${pre}2" -v 0 -p 1 -n 2 "$txt" > /dev/null 2>> "$TMP/err"; then
        if payload "${pre}1_train_*.bin" | od -An -v -tu2 --endian=little | tr -s ' ' '\n' | grep -qx "$id" &&
           payload "${pre}1_train_*.bin" | cmp -s - <(payload "${pre}2_train_*.bin"); then ok "$name"
        else bad "$name" "tokens differ from one piece per document, or no token $id in them"; fi
    else
        bad "$name" "$(cat "$TMP/err")"
    fi
}
perl -pe 's/("Ċ": 11,)/$1 "Ċč": 268,/; s/("merges": \[)/$1 "Ċ č",/; s/"id": 268,/"id": 269,/' "$TJ" > "$TMP/lfcr.json"
for i in $(seq 1 50); do printf 'line %d\n\r\nnext %d\n' "$i" "$i"; done > "$TMP/lfcr.txt"
one_piece_per_document pieces_lf_cr_lf "$TMP/lfcr.json" "$TMP/lfcr.txt" 268 "$TMP/lfcr"

# --- an added token holding a line break (matched in the text before the regex) can span a cut: such a tokenizer's
# documents are not cut, and encode as one piece each (an added token "\nn" across the cut after the "\n" of "x\nn",
# one "1\r" across the cut before the "\r" of "1\r\n"; each id 269 in the tokens)
for spec in 'lf|\\nn|line %d\nnext %d\n' 'cr|1\\r|line %d\r\nnext %d\r\n'; do
    IFS='|' read -r tag content fmt <<< "$spec"
    perl -0777 -pe 's/("content": "<\|pad\|>"[^}]*\})/$1, {"id": 269, "content": "'"$content"'", "special": false}/' "$TJ" > "$TMP/addbr_$tag.json"
    for i in $(seq 1 50); do printf "$fmt" "$i" "$i"; done > "$TMP/addbr_$tag.txt"
    one_piece_per_document "pieces_added_token_line_break_$tag" "$TMP/addbr_$tag.json" "$TMP/addbr_$tag.txt" 269 "$TMP/addbr_${tag}_"
done

# --- a tokenizer without the regex (a piece is one word, so merges may cross line breaks): no cuts
sed 's/"use_regex": *true/"use_regex": false/' "$TJ" > "$TMP/noregex.json"
if grep -q '"use_regex": *false' "$TMP/noregex.json" &&
   "$TOK" -t "$TMP/noregex.json" -o "$TMP/r1" -v 0 -p 268435456 "$TMP/mixed.txt" > /dev/null 2> "$TMP/err" &&
   "$TOK" -t "$TMP/noregex.json" -o "$TMP/r2" -v 0 -p 1 -n 2 "$TMP/mixed.txt" > /dev/null 2>> "$TMP/err"; then
    if payload "$TMP/r1_train_*.bin" | cmp -s - <(payload "$TMP/r2_train_*.bin"); then ok "no_regex_no_cuts"; else bad "no_regex_no_cuts" "tokens differ"; fi
else
    bad "no_regex_no_cuts" "$(cat "$TMP/err")"
fi
# ... so its val split starts at a document: one document leaves it empty, and the error says why (it once said "no line
# break to cut at" of a text full of them)
expect_error_cmd val_without_document_cut "the val split got no tokens: no document starts (this tokenizer's documents are not cut" \
    "$TOK" -t "$TMP/noregex.json" -o "$TMP/x" "$TMP/mixed.txt"

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

# ... and with the val byte 9,000 bytes into the second document (-v 0.05: byte 209,000 of 220,000), the val split starts
# at that document's first cut at or after it (the other checks' val bytes are in the first document, or at a document's
# start: the byte's offset in the whole input taken for its offset in the document passed them)
run val_in_a_later_document -o "$TMP/vdoc" -v 0.05 -p 4096 "$TMP/d1.txt" "$TMP/d2.txt" && {
    "$TOK" -t "$TJ" -d "$TMP/vdoc_train_*.bin" > "$TMP/vdoc.train" 2>/dev/null
    "$TOK" -t "$TJ" -d "$TMP/vdoc_val_*.bin" > "$TMP/vdoc.val" 2>/dev/null
    { printf '<|endoftext|>'; cat "$TMP/d1.txt"; printf '<|endoftext|>'; cat "$TMP/d2.txt"; } > "$TMP/vdoc.want"
    start=$((20000 - $(wc -c < "$TMP/vdoc.val")))
    if cat "$TMP/vdoc.train" "$TMP/vdoc.val" | cmp -s - "$TMP/vdoc.want" && [ "$start" -ge 9000 ] && [ "$start" -lt 9200 ] &&
       [ "$(head -c "$start" "$TMP/d2.txt" | tail -c 1 | od -An -c | tr -d ' ')" = '\n' ]; then
        ok "val_in_a_later_document (from byte $start of the second)"
    else
        bad "val_in_a_later_document" "decoded documents differ, or the val split starts at byte $start of the second document"
    fi
}

# --- a tokenizer without <|endoftext|> (an eos such as "</s>" instead): -e 1 can put nothing between the documents,
# and a note says so (they were joined unsaid); none at -e 0, nor with the fixture's, which has the token
sed 's/<|endoftext|>/<\/s>/g' "$TJ" > "$TMP/no_eot_token.json"
out=$("$TOK" -t "$TMP/no_eot_token.json" -o "$TMP/neot" -v 0 "$TMP/d1.txt" "$TMP/d2.txt" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -qx "note: '$TMP/no_eot_token.json' has no <|endoftext|> token, so no document starts with one (-e 1): the documents are joined with nothing between them" &&
   "$TOK" -t "$TMP/no_eot_token.json" -d "$TMP/neot_train_*.bin" 2>/dev/null | cmp -s - <(cat "$TMP/d1.txt" "$TMP/d2.txt"); then
    ok "no_eot_token_noted"
else bad "no_eot_token_noted" "rc $rc: $(echo "$out" | head -n 1)"; fi
out0=$("$TOK" -t "$TMP/no_eot_token.json" -o "$TMP/neot0" -e 0 -v 0 "$TMP/d1.txt" "$TMP/d2.txt" 2>&1); rc0=$?
out1=$("$TOK" -t "$TJ" -o "$TMP/neot1" -v 0 "$TMP/d1.txt" "$TMP/d2.txt" 2>&1); rc1=$?
if [ "$rc0" -eq 0 ] && [ "$rc1" -eq 0 ] && ! echo "$out0$out1" | grep -q "^note:"; then ok "no_eot_token_note_only_at_e1"
else bad "no_eot_token_note_only_at_e1" "rc $rc0 $rc1: $(echo "$out0$out1" | grep "^note:" | head -n 1)"; fi

# --- an empty document in the val part: its end-of-text token goes to val
printf 'ab\ncd\nef\ngh\n' > "$TMP/e1.txt"; : > "$TMP/e2.txt"
run empty_doc -o "$TMP/ed" -v 0.5 "$TMP/e1.txt" "$TMP/e2.txt" && {
    if [ "$("$TOK" -t "$TJ" -d "$TMP/ed_val_*.bin" 2>&1)" = "$(printf 'ef\ngh\n<|endoftext|>')" ]; then ok "empty_document_in_val"
    else bad "empty_document_in_val" "val decodes to: $("$TOK" -t "$TJ" -d "$TMP/ed_val_*.bin" 2>&1)"; fi
}

# --- -d decodes any shard the tool writes, one of a single token too (-s 1 makes every shard one): shard by shard,
# in glob order, they give the text back (a stream of fewer than 2 tokens was once refused here, as if it were scored)
printf 'ab\ncd\n' > "$TMP/one.txt"
run one_token_shards -o "$TMP/one" -v 0 -e 0 -s 1 "$TMP/one.txt" && {
    for f in "$TMP"/one_train_*.bin; do "$TOK" -t "$TJ" -d "$f" 2>&1; done > "$TMP/one.dec"
    if [ -f "$TMP/one_train_000001.bin" ] && cmp -s "$TMP/one.dec" "$TMP/one.txt"; then ok "decode_one_token_shards"
    else bad "decode_one_token_shards" "decoded: $(head -c 200 "$TMP/one.dec")"; fi
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
# ... and 70,000 documents as the lines of one JSON Lines file, which tokenize encodes 65,536 documents at a time (a
# batch ends inside the file; no other check has more than 65,536 lines): each one's text after its end-of-text token
seq 1 70000 | awk '{ printf "{\"text\": \"doc %d\\n\"}\n", $1 }' > "$TMP/many.jsonl"
seq 1 70000 | awk '{ printf "<|endoftext|>doc %d\n", $1 }' > "$TMP/many_jl.want"
run many_jsonl_documents -o "$TMP/many_jl" -v 0.01 -j text "$TMP/many.jsonl" && {
    if cat <("$TOK" -t "$TJ" -d "$TMP/many_jl_train_*.bin") <("$TOK" -t "$TJ" -d "$TMP/many_jl_val_*.bin") | cmp -s - "$TMP/many_jl.want"; then
        ok "many_jsonl_documents"
    else
        bad "many_jsonl_documents" "decoded documents differ"
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
# ... and with the val byte inside a line (-v 0.2419355: 150 bytes, from byte 470, in line 16 of bytes [465, 496)): that
# line starts before the byte, so its document stays in train (above, the val byte is a line's first: a document sent to
# val by where its line ends passed that check)
run jsonl_val_mid_line -o "$TMP/jl/vm" -v 0.2419355 -j text "$TMP/jl/v.jsonl" && {
    want=$(for i in $(seq 26 29); do printf '<|endoftext|>line %d of twenty!' "$i"; done)
    if [ "$("$TOK" -t "$TJ" -d "$TMP/jl/vm_val_*.bin")" = "$want" ]; then ok "jsonl_val_split_mid_line"
    else bad "jsonl_val_split_mid_line" "val decodes to: $("$TOK" -t "$TJ" -d "$TMP/jl/vm_val_*.bin" 2>&1 | head -c 200)"; fi
}
# a .jsonl file without -j is encoded as plain text, with a note saying so (a forgotten -j, or JSONL= of
# scripts/run_pretrain.sh, would train on the JSON syntax); none with -j, nor for .txt files
out=$("$TOK" -t "$TJ" -o "$TMP/jl/nj" -v 0 "$TMP/jl/d001.txt" "$TMP/jl/in.jsonl" "$TMP/jl/v.jsonl" 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "^note: no -j given, so '.*/in.jsonl' and 1 more .json/.jsonl file(s) are encoded as plain text, .*-j text"; then
    ok "jsonl_without_j_note"; else bad "jsonl_without_j_note" "rc $rc: $out"; fi
# (both runs must succeed and write their shards: two failed runs print no note either)
out=$("$TOK" -t "$TJ" -o "$TMP/jl/wj" -v 0 -j text "$TMP/jl/in.jsonl" 2>&1); rc=$?
out_tx=$("$TOK" -t "$TJ" -o "$TMP/jl/tx" -v 0 "$TMP/jl/d001.txt" 2>&1); rc_tx=$?
if [ "$rc" -eq 0 ] && [ "$rc_tx" -eq 0 ] && [ -f "$TMP/jl/wj_train_000000.bin" ] && [ -f "$TMP/jl/tx_train_000000.bin" ] &&
   ! printf '%s\n%s\n' "$out" "$out_tx" | grep -q "^note:"; then ok "jsonl_with_j_no_note"
else bad "jsonl_with_j_no_note" "rc $rc and $rc_tx: $out $out_tx"; fi
printf '{"text": "ok"}\n{"text": broken\n' > "$TMP/jl/bad1.jsonl"
printf '{"text": "ok"}\n{"body": "no text field"}\n' > "$TMP/jl/bad2.jsonl"
printf '{"text": 42}\n' > "$TMP/jl/bad3.jsonl"
printf '{"text": "a\\\\u0000 is fine"}\n{"text": "a\\u0000b"}\n' > "$TMP/jl/bad4.jsonl"
printf '{"text": "a"}\n{"text": "b"} {"text": "c"}\n' > "$TMP/jl/bad5.jsonl"
printf '{"text": "ab\0cd"}\n' > "$TMP/jl/bad6.jsonl"
# (a pair and an escaped backslash before the lone one, a high surrogate then a letter: the escape named is that one)
printf '%s\n' '{"text": "ok \ud83d\ude00"}' '{"text": "\ud83d\ude00 a\\ud800b \uDBFF\u0041"}' > "$TMP/jl/bad7.jsonl"
printf '%s\n' '{"text": "x\udc00"}' > "$TMP/jl/bad8.jsonl"

# --- the trainer reads the shards (a model with the tokenizer's 269 ids, and one more)
if [ -x "$TRAIN" ]; then
    out=$("$TRAIN" -e d32:l2:v270 -b 4 -t 32 -x 3 -v 3 -m 2 -g 0 -nt 2 -i "$TMP/ref_train_*.bin" -j "$TMP/ref_val_*.bin" 2>&1); rc=$?
    if [ $rc -eq 0 ] && echo "$out" | grep -q '^step    3/3' && [ "$(echo "$out" | grep -c '^val loss')" -ge 2 ]; then ok "trainer_reads_shards"
    else bad "trainer_reads_shards" "rc $rc: $(echo "$out" | tail -n 2)"; fi
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
# ... and a flag in the place of a value (-o -v 0.1 wrote shards named -v_train_*, taking "0.1" as an input file);
# nothing written
expect_error_cmd flag_as_value "flag -o needs a value, got the flag -v" env -C "$TMP" "$PWD/$TOK" -t "$PWD/$TJ" -o -v 0.1 "$PWD/$TXT"
if ! ls "$TMP"/-v* > /dev/null 2>&1; then ok "flag_as_value_writes_nothing"; else bad "flag_as_value_writes_nothing" "$(ls "$TMP"/-v*)"; fi
expect_error no_tokenizer_flag "-t <tokenizer.json> is required" -o "$TMP/x" "$TXT"
expect_error no_inputs "at least one input file" -t "$TMP/none.json" -o "$TMP/x"
expect_error missing_input "cannot open '$TMP/none.txt'" -t "$TJ" -o "$TMP/x" "$TMP/none.txt"
expect_error nul_byte "byte 0 at offset 10: not text" -t "$TJ" -o "$TMP/x" "$TMP/nul.txt"
expect_error val_fraction "the val fraction must be in" -t "$TJ" -o "$TMP/x" -v 1.5 "$TXT"
expect_error shard_size "tokens per shard must be in" -t "$TJ" -o "$TMP/x" -s 0 "$TXT"
# a tokenizer.json of more ids than a shard's uint16 holds is refused before any shard is written; 65,536 ids are taken
# (the fixture's vocabulary, ids 0-267, with tokens "x268" ... up to the id before the last, which <|pad|>, the next past
# model.vocab's entries, takes)
vocab_upto() { perl -0777 -pe 's/("vocab"\s*:\s*\{)/$1 . join("", map { "\"x$_\": $_, " } 268..('"$1"' - 1))/e' "$TJ" > "$TMP/ids_0_to_$1.json"; }
vocab_upto 65536; vocab_upto 65535
expect_error vocab_65537_ids "ids_0_to_65536.json': vocabulary of 65537 ids does not fit uint16 shards" -t "$TMP/ids_0_to_65536.json" -o "$TMP/v65537/x" -v 0 "$TMP/e1.txt"
if [ ! -e "$TMP/v65537" ] && "$TOK" -t "$TMP/ids_0_to_65535.json" -o "$TMP/v65536/x" -v 0 "$TMP/e1.txt" > /dev/null 2>&1 &&
   [ -f "$TMP/v65536/x_train_000000.bin" ]; then ok "vocab_65536_ids_accepted"
else bad "vocab_65536_ids_accepted" "the refused run wrote $(ls "$TMP/v65537" 2>&1), or 65,536 ids were refused"; fi
expect_error not_a_number "expected an integer, got .two." -t "$TJ" -o "$TMP/x" -n two "$TXT"
expect_error unknown_flag "unknown flag -q" -t "$TJ" -q 1 -o "$TMP/x" "$TXT"
expect_error flag_after_files "-v after the input files: the flags come before them" -t "$TJ" -o "$TMP/x" "$TXT" -v 0.5
# ... but a file of that name, where there is one, is an input like any other
mkdir -p "$TMP/flagname" && printf 'ab cd\n' > "$TMP/flagname/-v" && printf 'ef gh\n' > "$TMP/flagname/a.txt"
TOK_ABS="$(cd "$(dirname "$TOK")" && pwd)/$(basename "$TOK")"; TJ_ABS="$(pwd)/$TJ"
if (cd "$TMP/flagname" && "$TOK_ABS" -t "$TJ_ABS" -o fn -v 0 a.txt -v > /dev/null 2>&1) &&
   [ "$("$TOK" -t "$TJ" -d "$TMP/flagname/fn_train_*.bin" 2>&1)" = "$(printf '<|endoftext|>ef gh\n<|endoftext|>ab cd')" ]; then
    ok "file_named_like_a_flag_is_read"
else bad "file_named_like_a_flag_is_read" "$(ls "$TMP/flagname" | tr '\n' ' ')"; fi
expect_error stale_shards "ref_train_000000.bin' exists" -t "$TJ" -o "$TMP/ref" "$TXT"
# an old val shard without train shards (those deleted to encode again) would join the new val glob as well
cp "$TMP/ref_val_000000.bin" "$TMP/stale_val_000003.bin"
expect_error stale_val_shards "stale_val_000003.bin' exists" -t "$TJ" -o "$TMP/stale" "$TXT"
expect_error val_without_cut "the val split got no tokens" -t "$TJ" -o "$TMP/x" "$TMP/oneline.txt"
# (an empty input is "no text", below; here the only document starts in the val split: 20 blank lines first)
{ printf '\n%.0s' $(seq 20); printf '{"text": "a"}\n'; } > "$TMP/late_doc.jsonl"
expect_error no_train_tokens "no train tokens" -t "$TJ" -o "$TMP/x" -v 0.5 -j text "$TMP/late_doc.jsonl"
expect_error decode_missing "no shard files match" -t "$TJ" -d "$TMP/none_*.bin"
expect_error not_a_shard "bad shard magic" -t "$TJ" -d "$TXT"
# -d takes none of the encoding's flags (they were ignored: -e 0 did not drop the end-of-text tokens from the text)
for f in "-v 0.2" "-s 1000" "-p 4096" "-e 0" "-n 2" "-j text"; do
    expect_error "decode_with_encoding_flag_${f%% *}" "-d decodes shards: -v, -s, -p, -e, -n and -j are for encoding" -t "$TJ" $f -d "$TMP/ref_train_*.bin"
done
# a shard of no tokens (its header's count 0) is legal: it decodes to nothing
perl -e 'print pack("l<256", 20240520, 1, 0, (0) x 253)' > "$TMP/empty_shard.bin"
out=$("$TOK" -t "$TJ" -d "$TMP/empty_shard.bin" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then ok "decode_empty_shard"; else bad "decode_empty_shard" "rc $rc: $out"; fi
# a token outside the vocabulary in the last shard: refused before any text is written (-d checks every shard
# first, then decodes a block at a time), the message naming the shard and the position
mkdir -p "$TMP/oor"
cp "$TMP/ref_val_000000.bin" "$TMP/oor/s_000000.bin"
perl -e 'print pack("l<256", 20240520, 1, 3, (0) x 253), pack("S<3", 1, 65535, 2)' > "$TMP/oor/s_000001.bin"
out=$("$TOK" -t "$TJ" -d "$TMP/oor/s_*.bin" 2> "$TMP/oor/err"); rc=$?
if [ $rc -ne 0 ] && [ -z "$out" ] && [ "$(wc -l < "$TMP/oor/err")" = 1 ] &&
   grep -q "s_000001.bin': token 65535 at position 1 outside the vocabulary" "$TMP/oor/err"; then ok "decode_bad_token_writes_nothing"
else bad "decode_bad_token_writes_nothing" "rc $rc, $(printf %s "$out" | wc -c) bytes out: $(head -c 200 "$TMP/oor/err")"; fi
# ... and so is an id inside the vocabulary that no token has (267 of the fixture without <|pad|> and with "cat" moved from
# 267 to 268), which decoded the shards before it and then failed, naming no shard
perl -0777 -pe 's/,\s*\{\s*"id": 268,\s*"content": "<\|pad\|>"[^}]*\}//; s/"cat": 267/"cat": 268/' "$TJ" > "$TMP/oor/gap.json"
perl -e 'print pack("l<256", 20240520, 1, 3, (0) x 253), pack("S<3", 1, 267, 2)' > "$TMP/oor/s_000001.bin"
out=$("$TOK" -t "$TMP/oor/gap.json" -d "$TMP/oor/s_*.bin" 2> "$TMP/oor/err"); rc=$?
if [ $rc -ne 0 ] && [ -z "$out" ] && [ "$(wc -l < "$TMP/oor/err")" = 1 ] &&
   grep -q "s_000001.bin': token 267 at position 1 is an id no token of the vocabulary has" "$TMP/oor/err"; then ok "decode_tokenless_id_writes_nothing"
else bad "decode_tokenless_id_writes_nothing" "rc $rc, $(printf %s "$out" | wc -c) bytes out: $(head -c 200 "$TMP/oor/err")"; fi
# ... while an added token longer than -d's 4 KiB buffer decodes whole (it was refused after the text before it)
perl -0777 -pe 's/("content": "<\|pad\|>"[^}]*\})/$1 . ", {\"id\": 269, \"content\": \"" . ("y" x 5000) . "\", \"special\": true}"/e' "$TJ" > "$TMP/oor/long.json"
perl -e 'print pack("l<256", 20240520, 1, 3, (0) x 253), pack("S<3", 66, 269, 67)' > "$TMP/oor/long.bin"
out=$("$TOK" -t "$TMP/oor/long.json" -d "$TMP/oor/long.bin" 2> "$TMP/oor/err"); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "A$(printf 'y%.0s' $(seq 5000))B" ]; then ok "decode_token_past_4_kib"
else bad "decode_token_past_4_kib" "rc $rc, $(printf %s "$out" | wc -c) bytes out: $(head -c 200 "$TMP/oor/err")"; fi
# a plain text file given with -j: the error says that -j takes every file as JSON Lines, and what to do
expect_error jsonl_text_file_with_j "d001.txt' line 1: not a JSON object (-j reads every input file as JSON Lines: encode plain text in a run without -j" \
    -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/in.jsonl" "$TMP/jl/d001.txt"
expect_error jsonl_malformed "bad1.jsonl' line 2: not a JSON object" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad1.jsonl"
expect_error jsonl_missing_field "bad2.jsonl' line 2: no string field \"text\"" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad2.jsonl"
expect_error jsonl_not_a_string "bad3.jsonl' line 1: no string field" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad3.jsonl"
expect_error jsonl_nul_escape "bad4.jsonl' line 2: .u0000 in a string: not text" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad4.jsonl"
expect_error jsonl_two_objects "bad5.jsonl' line 2: text after the JSON object" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad5.jsonl"
expect_error jsonl_nul_byte "bad6.jsonl' line 1: byte 0: not text" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad6.jsonl"
# a lone surrogate escape (cJSON refuses it): said so, not "not a JSON object"
expect_error jsonl_lone_surrogate "bad7.jsonl' line 2: a lone surrogate .uDBFF in a string: not text" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad7.jsonl"
expect_error jsonl_lone_low_surrogate "bad8.jsonl' line 1: a lone surrogate .udc00 in a string: not text" -t "$TJ" -o "$TMP/x" -v 0 -j text "$TMP/jl/bad8.jsonl"
expect_error glob_prefix "no glob characters" -t "$TJ" -o "$TMP/x[1]" "$TXT"
# (a backslash: the check for an earlier run's shards, a glob, found none of them, so a second run replaced some and left
# the rest to join the new set)
expect_error glob_prefix_backslash "-o '$TMP/bs/a\\\\b': no glob characters" -t "$TJ" -o "$TMP/bs/a\\b" "$TXT"
if [ ! -e "$TMP/bs" ]; then ok "glob_prefix_backslash_no_output"; else bad "glob_prefix_backslash_no_output" "$(ls "$TMP/bs" | head -n 3)"; fi
expect_error empty_prefix "the prefix needs a file-name part" -t "$TJ" -o "" "$TXT"
expect_error directory_prefix "the prefix needs a file-name part" -t "$TJ" -o "$TMP/" "$TXT"
# "." and ".." name directories too (-o . wrote hidden shards, ._train_000000.bin, that data/*_train_*.bin misses)
expect_error dot_prefix "-o '.': the prefix needs a file-name part" -t "$TJ" -o . "$TXT"
expect_error dot_dot_prefix "-o '$TMP/..': the prefix needs a file-name part" -t "$TJ" -o "$TMP/.." "$TXT"
# (an existing directory, as the trainer's -o takes: it wrote <dir>_train_000000.bin beside it, not in it)
mkdir -p "$TMP/dirprefix"
expect_error existing_directory_prefix "-o '$TMP/dirprefix' is a directory: the prefix names the shards in it" -t "$TJ" -o "$TMP/dirprefix" "$TXT"
if ! ls "$TMP"/dirprefix_* > /dev/null 2>&1; then ok "existing_directory_prefix_no_output"; else bad "existing_directory_prefix_no_output" "$(ls "$TMP"/dirprefix_*)"; fi
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


# ============================================================================
# Data preparation: no text is an error, and a failed write leaves the previous outputs as they
# were (no half-written file, no mixed set, no .tmp left): dev/data/tokenize, dev/data/prepare_bytes,
# dev/data/tinyshakespeare.py, dev/data/enwik8.py. A write that fails midway comes from `ulimit -f`
# (a file-size limit, which any user may set: the C tools must not die of SIGXFSZ), from a directory
# in the way of a later output's .tmp name, and from a full disk: a 256 KiB tmpfs where mounting is
# permitted (else SKIP, not counted as passed). PB / ENWIK8_PY / TS_PY name other versions to check.
# A copied tinyshakespeare.py gets dev/data/stop_signals.py beside it: the Python data scripts import it.
PB=${PB:-./dev/data/prepare_bytes}
ENWIK8_PY=${ENWIK8_PY:-dev/data/enwik8.py}
TS_PY=${TS_PY:-dev/data/tinyshakespeare.py}
OS=$TMP/outsafe
mkdir -p "$OS"
# limited <KiB> <command...>: the command under a file-size limit
limited() { local kb="$1"; shift; ( ulimit -f "$kb" && exec "$@" ); }
HAVE_ULIMIT=0; (ulimit -f 8) 2>/dev/null && HAVE_ULIMIT=1

# --- a summary the tools print to a stdout that cannot be written (a full disk, /dev/full) is an error at exit, as the
# trainer's is (utils.h check_stdout_at_exit): it was exit 0. tokenize -d's own failed write is one error line, not two
if [ -c /dev/full ]; then
    for c in "tokenize_summary|$TOK -t $TJ -o $TMP/full -v 0 $TXT" "prepare_bytes_summary|$PB $TXT $TMP/full_t.bin $TMP/full_v.bin" \
             "tokenize_help|$TOK -h" "prepare_bytes_help|$PB -h"; do
        name=${c%%|*}; read -r -a cmd <<< "${c#*|}"
        "${cmd[@]}" > /dev/full 2> "$TMP/full.err"; rc=$?
        if [ "$rc" -eq 1 ] && [ "$(grep -c '^error: the standard output could not be written' "$TMP/full.err")" -eq 1 ] &&
           [ "$(wc -l < "$TMP/full.err")" -eq 1 ]; then ok "${name}_to_full_stdout_is_an_error"
        else bad "${name}_to_full_stdout_is_an_error" "rc $rc: $(head -n 2 "$TMP/full.err")"; fi
    done
    "$TOK" -t "$TJ" -d "$TMP/full_train_*.bin" > /dev/full 2> "$TMP/full.err"; rc=$?
    if [ "$rc" -eq 1 ] && [ "$(wc -l < "$TMP/full.err")" -eq 1 ] && grep -q '^error: write to stdout failed' "$TMP/full.err"; then
        ok "tokenize_decode_to_full_stdout_one_error"
    else bad "tokenize_decode_to_full_stdout_one_error" "rc $rc: $(cat "$TMP/full.err")"; fi
else echo "SKIP *_to_full_stdout_is_an_error: no /dev/full on this machine (not counted as passed)"; fi
# small_disk <dir>: a 256 KiB tmpfs mounted there (status 1 when mounting is not permitted)
small_disk() {
    mkdir -p "$1"
    mount -t tmpfs -o size=256k tmpfs "$1" 2>/dev/null || return 1
    MOUNTS="$MOUNTS $1"
}
# unchanged <name> <sums file> <dir>: the files of <dir> are those the sums list, unchanged, and no .tmp (nor any
# other file the sums do not list: a failed write of a new output left its partial file under the final name unseen)
unchanged() {
    local left extra
    left=$(cd "$3" && find . -name '*.tmp' | head -3)
    extra=$(cd "$3" && ls -A | grep -vxF -f <(sed 's/^[0-9a-f]*  //' "$2") | head -3)
    if (cd "$3" && md5sum -c --quiet "$2" > /dev/null 2>&1) && [ -z "$left" ] && [ -z "$extra" ]; then ok "$1"
    else bad "$1" "outputs in $3 changed or .tmp left: $(cd "$3" && md5sum -c --quiet "$2" 2>&1 | head -2) $left; not in the sums: $extra"; fi
}
sums() { (cd "$1" && md5sum -- *) > "$2"; }
# byte_shard_is <shard> <source> <first byte> <count>: the shard holds exactly those bytes of the source, each
# byte its own token, and its header says <count> tokens (a split one byte off fails here, not in training)
byte_shard_is() {
    [ "$(od -A n -t d4 --endian=little -j 8 -N 4 "$1" | tr -d ' ')" = "$4" ] &&
    cmp -s <(payload "$1" | od -A n -v -t u2 --endian=little | tr -s ' \n' '\n' | grep .) \
           <(tail -c +"$(($3 + 1))" "$2" | head -c "$4" | od -A n -v -t u1 | tr -s ' \n' '\n' | grep .)
}

# --- tokenize: no text at all is an error, also with -v 0 (it wrote a shard holding only the
# end-of-text token); one empty document among others is still a document
expect_error_cmd no_text_empty_file "empty.txt': expected text, found an empty file: nothing to tokenize" \
    "$TOK" -t "$TJ" -o "$OS/nt1/x" -v 0 "$TMP/empty.txt"
expect_error_cmd no_text_empty_files "expected text, found 2 empty files" "$TOK" -t "$TJ" -o "$OS/nt2/x" -v 0 "$TMP/empty.txt" "$TMP/empty.txt"
printf '{"text": ""}\n\n{"id": 2, "text": ""}\n' > "$OS/empty_strings.jsonl"
printf '\n  \n\n' > "$OS/blank_lines.jsonl"
expect_error_cmd no_text_jsonl_empty_strings "empty_strings.jsonl': expected text in field \"text\", found 2 document.s., all empty strings" \
    "$TOK" -t "$TJ" -o "$OS/nt3/x" -v 0 -j text "$OS/empty_strings.jsonl"
expect_error_cmd no_text_jsonl_empty_strings_val "found 2 document.s., all empty strings" "$TOK" -t "$TJ" -o "$OS/nt4/x" -v 0.5 -j text "$OS/empty_strings.jsonl"
expect_error_cmd no_text_jsonl_blank_lines "blank_lines.jsonl': expected text in field \"text\", found no document" \
    "$TOK" -t "$TJ" -o "$OS/nt5/x" -v 0 -j text "$OS/blank_lines.jsonl"
expect_error_cmd no_text_jsonl_two_files "2 files ('.*empty_strings.jsonl', ...): expected text in field \"text\", found 4 document.s., all empty" \
    "$TOK" -t "$TJ" -o "$OS/nt6/x" -v 0 -j text "$OS/empty_strings.jsonl" "$OS/empty_strings.jsonl"
if [ -z "$(ls -A "$OS" | grep -v jsonl)" ]; then ok "no_text_no_output"; else bad "no_text_no_output" "$(ls "$OS")"; fi
if "$TOK" -t "$TJ" -o "$OS/one_empty" -v 0 "$TMP/e1.txt" "$TMP/empty.txt" > /dev/null 2> "$TMP/err" &&
   [ "$("$TOK" -t "$TJ" -d "$OS/one_empty_train_*.bin" 2>&1)" = "$(printf '<|endoftext|>ab\ncd\nef\ngh\n<|endoftext|>')" ]; then
    ok "no_text_one_empty_document_kept"
else
    bad "no_text_one_empty_document_kept" "$(cat "$TMP/err")"
fi

# --- tokenize under a file-size limit: one error line, no shard and no directory left
if [ "$HAVE_ULIMIT" = 1 ]; then
    expect_error_cmd tokenize_file_size_limit "x_train_000000.bin.partial.tmp.*File too large" \
        limited 8 "$TOK" -t "$TJ" -o "$OS/fsl/x" -s 5000 -v 0 "$TXT"
    if [ ! -e "$OS/fsl" ]; then ok "tokenize_file_size_limit_no_output"; else bad "tokenize_file_size_limit_no_output" "$(ls "$OS/fsl" | head -3)"; fi
else
    echo "SKIP tokenize_file_size_limit: ulimit -f cannot be set (not counted as passed)"
fi

# --- tokenize stopped by a signal (Ctrl-C, SIGTERM) part-way: as after an error, no shard and no directory of its own
# left (it left every <prefix>_train_NNNNNN.bin.partial written so far, and the directory it made); tiny shards (-s 10),
# so that the run writes thousands and is still under way when the first one appears
head -c 300000 "$TXT" > "$TMP/sig.txt"
"$TOK" -t "$TJ" -o "$OS/sig/sub/x" -s 10 -n 1 -v 0 "$TMP/sig.txt" > /dev/null 2>&1 &
pid=$!
wait_until 400 compgen -G "$OS/sig/sub/x_train_*.partial" > /dev/null; ready=$?
kill -TERM "$pid" 2>/dev/null; wait "$pid"; rc=$?
if [ "$ready" -eq 0 ] && [ "$rc" -eq 143 ] && [ ! -e "$OS/sig" ]; then ok "tokenize_stopped_by_signal_leaves_nothing"
else bad "tokenize_stopped_by_signal_leaves_nothing" "${NOT_READY}rc $rc, left: $(find "$OS/sig" 2>/dev/null | wc -l) path(s): $(find "$OS/sig" 2>/dev/null | head -n 3 | tr '\n' ' ')"; fi
# ... and prepare_bytes: no .tmp left (it left <train>.tmp, hundreds of MB for a large text) and the previous outputs
# as they were. A text of 20 MB (the train shard is 36 MB), and a FIFO where v.bin.tmp goes, which holds the run at
# the val shard's open (no reader) so that it is still under way when t.bin.tmp appears, on any disk
if [ -x "$PB" ]; then
    mkdir -p "$OS/pbsig"; head -c 5000 "$TXT" > "$TMP/pbsig_small.txt"
    for _ in $(seq 1 18); do cat "$TXT"; done > "$TMP/pbsig.txt"
    "$PB" "$TMP/pbsig_small.txt" "$OS/pbsig/t.bin" "$OS/pbsig/v.bin" > /dev/null && sums "$OS/pbsig" "$TMP/pbsig.sums"
    mkfifo "$OS/pbsig/v.bin.tmp"
    "$PB" "$TMP/pbsig.txt" "$OS/pbsig/t.bin" "$OS/pbsig/v.bin" > /dev/null 2>&1 &
    pid=$!
    wait_until 400 test -e "$OS/pbsig/t.bin.tmp"; ready=$?
    kill -TERM "$pid" 2>/dev/null; wait "$pid"; rc=$?
    left=$(ls "$OS/pbsig"/*.tmp 2>/dev/null | tr '\n' ' ') # (v.bin.tmp may be the FIFO, not opened yet: not the run's)
    rm -f "$OS/pbsig/v.bin.tmp"
    if [ "$ready" -eq 0 ] && [ "$rc" -eq 143 ] && [ ! -e "$OS/pbsig/t.bin.tmp" ]; then ok "prepare_bytes_stopped_by_signal_leaves_nothing"
    else bad "prepare_bytes_stopped_by_signal_leaves_nothing" "${NOT_READY}rc $rc, left: $left"; fi
    unchanged prepare_bytes_stopped_by_signal_keeps_both "$TMP/pbsig.sums" "$OS/pbsig"
    # ... and the directories it made for an output (the train shard into new ones, the val one held by the FIFO again)
    mkfifo "$OS/pbsig/v.bin.tmp"
    "$PB" "$TMP/pbsig.txt" "$OS/pbsig_new/sub/t.bin" "$OS/pbsig/v.bin" > /dev/null 2>&1 &
    pid=$!
    wait_until 400 test -e "$OS/pbsig_new/sub/t.bin.tmp"; ready=$?
    kill -TERM "$pid" 2>/dev/null; wait "$pid"; rc=$?
    rm -f "$OS/pbsig/v.bin.tmp"
    if [ "$ready" -eq 0 ] && [ "$rc" -eq 143 ] && [ ! -e "$OS/pbsig_new" ]; then ok "prepare_bytes_stopped_by_signal_no_directory"
    else bad "prepare_bytes_stopped_by_signal_no_directory" "${NOT_READY}rc $rc, left: $(find "$OS/pbsig_new" 2>/dev/null | tr '\n' ' ')"; fi
fi

# --- prepare_bytes: train and val are both written before either replaces its old file
head -c 5000 "$TXT" > "$OS/small.txt"; head -c 130000 "$TXT" > "$OS/big.txt"
if [ -x "$PB" ]; then
    mkdir -p "$OS/pb"
    if "$PB" "$OS/small.txt" "$OS/pb/t.bin" "$OS/pb/v.bin" > /dev/null 2> "$TMP/err"; then
        sums "$OS/pb" "$OS/pb.sums"
        # the val write fails after the train one succeeded (a directory where v.bin.tmp goes)
        mkdir "$OS/pb/v.bin.tmp"
        expect_error_cmd prepare_bytes_val_write_fails "v.bin.tmp" "$PB" "$OS/big.txt" "$OS/pb/t.bin" "$OS/pb/v.bin"
        rmdir "$OS/pb/v.bin.tmp"
        unchanged prepare_bytes_val_write_fails_keeps_both "$OS/pb.sums" "$OS/pb"
        if [ "$HAVE_ULIMIT" = 1 ]; then
            expect_error_cmd prepare_bytes_file_size_limit "t.bin.tmp' failed: File too large (previous '$OS/pb/t.bin' left intact)" \
                limited 10 "$PB" "$OS/big.txt" "$OS/pb/t.bin" "$OS/pb/v.bin"
            unchanged prepare_bytes_file_size_limit_keeps_both "$OS/pb.sums" "$OS/pb"
            # ... and where there was no previous file the line says none was written (it said "previous ... left intact")
            expect_error_cmd prepare_bytes_file_size_limit_new_output "t.bin.tmp' failed: File too large ('$OS/pb/new_t.bin' not written)" \
                limited 10 "$PB" "$OS/big.txt" "$OS/pb/new_t.bin" "$OS/pb/new_v.bin"
            unchanged prepare_bytes_file_size_limit_new_output_writes_nothing "$OS/pb.sums" "$OS/pb"
        else
            echo "SKIP prepare_bytes_file_size_limit: ulimit -f cannot be set (not counted as passed)"
        fi
        # an output named as the other's temporary file would be overwritten by it
        expect_error_cmd prepare_bytes_output_is_others_tmp "one output is the other's temporary file" \
            "$PB" "$OS/small.txt" "$OS/pb/t.bin.tmp" "$OS/pb/t.bin"
        unchanged prepare_bytes_output_is_others_tmp_keeps_both "$OS/pb.sums" "$OS/pb"
        # an input named as an output's temporary file would be replaced by the write (and removed)
        cp "$OS/small.txt" "$OS/pb/t.bin.tmp"
        expect_error_cmd prepare_bytes_input_is_outputs_tmp "the input is an output's temporary file" \
            "$PB" "$OS/pb/t.bin.tmp" "$OS/pb/t.bin" "$OS/pb/v.bin"
        if cmp -s "$OS/small.txt" "$OS/pb/t.bin.tmp"; then ok "prepare_bytes_input_is_outputs_tmp_kept"
        else bad "prepare_bytes_input_is_outputs_tmp_kept" "the input changed or is gone"; fi
        rm -f "$OS/pb/t.bin.tmp"
        unchanged prepare_bytes_input_is_outputs_tmp_keeps_both "$OS/pb.sums" "$OS/pb"
        # a full disk (256 KiB, 4 KiB pages): shards of 5,000 bytes there (4 pages), then of 130,000
        # bytes (58 + 7 pages): the new train shard fits beside the old ones, the new val shard not
        if small_disk "$OS/pbfull"; then
            "$PB" "$OS/small.txt" "$OS/pbfull/t.bin" "$OS/pbfull/v.bin" > /dev/null
            sums "$OS/pbfull" "$OS/pbfull.sums"
            expect_error_cmd prepare_bytes_full_disk "v.bin.tmp' failed: No space left on device" "$PB" "$OS/big.txt" "$OS/pbfull/t.bin" "$OS/pbfull/v.bin"
            unchanged prepare_bytes_full_disk_keeps_both "$OS/pbfull.sums" "$OS/pbfull"
            umount "$OS/pbfull"
        else
            echo "SKIP prepare_bytes_full_disk: cannot mount a tmpfs here (not counted as passed)"
        fi
    else
        bad "prepare_bytes_setup" "$(cat "$TMP/err")"
    fi
else
    echo "SKIP prepare_bytes output checks: $PB not built (not counted as passed)"
fi
# --- the split of both byte-level tools is nanoGPT's int(n * 0.9), which the sizes above (5,000 and 130,000
# bytes) cannot tell from rounding: at 1,001 bytes 900 train bytes, the other 101 val
head -c 1001 "$TXT" > "$OS/odd.txt"
if [ -x "$PB" ]; then
    if "$PB" "$OS/odd.txt" "$OS/odd_t.bin" "$OS/odd_v.bin" > /dev/null 2> "$TMP/err" &&
       byte_shard_is "$OS/odd_t.bin" "$OS/odd.txt" 0 900 && byte_shard_is "$OS/odd_v.bin" "$OS/odd.txt" 900 101; then ok "prepare_bytes_split_truncates"
    else bad "prepare_bytes_split_truncates" "$(cat "$TMP/err") train/val headers: $(for f in "$OS"/odd_{t,v}.bin; do od -A n -t d4 -j 8 -N 4 "$f"; done 2>&1 | tr -s ' \n' ' ')"; fi
fi
# --- prepare_bytes makes its outputs' missing directories (mkdir -p, as tokenize -o does): the same shards as into an
# existing one (it refused: "directory ... does not exist"); a run that fails takes away the directories it made and
# no other (one that existed stays)
if [ -x "$PB" ]; then
    if "$PB" "$OS/odd.txt" "$OS/pbnew/a/t.bin" "$OS/pbnew/b/c/v.bin" > /dev/null 2> "$TMP/err" &&
       cmp -s "$OS/pbnew/a/t.bin" "$OS/odd_t.bin" && cmp -s "$OS/pbnew/b/c/v.bin" "$OS/odd_v.bin"; then ok "prepare_bytes_makes_missing_dirs"
    else bad "prepare_bytes_makes_missing_dirs" "$(cat "$TMP/err") $(find "$OS/pbnew" 2>&1 | tr '\n' ' ')"; fi
    mkdir -p "$OS/pbkept"; : > "$OS/pb_empty.txt"
    expect_error_cmd prepare_bytes_new_dirs_too_short "too short" "$PB" "$OS/pb_empty.txt" "$OS/pbnd1/a/t.bin" "$OS/pbkept/b/c/v.bin"
    expect_error_cmd prepare_bytes_new_dirs_same_outputs "same file" "$PB" "$OS/odd.txt" "$OS/pbnd2/a/t.bin" "$OS/pbnd2/a/./t.bin"
    if [ ! -e "$OS/pbnd1" ] && [ ! -e "$OS/pbnd2" ] && [ -d "$OS/pbkept" ] && [ -z "$(ls -A "$OS/pbkept")" ]; then ok "prepare_bytes_no_directory_on_error"
    else bad "prepare_bytes_no_directory_on_error" "$(find "$OS/pbnd1" "$OS/pbnd2" "$OS/pbkept" 2>&1 | tr '\n' ' ')"; fi
fi
# --- prepare_bytes reads its input to the end, not to the size it reports: /proc/version reports 0 bytes and has text
# ("0 bytes: too short for a train and a val split")
if [ -x "$PB" ] && [ -r /proc/version ] && [ "$(stat -c %s /proc/version)" = 0 ]; then
    cat /proc/version > "$OS/procv.txt"; n=$(stat -c %s "$OS/procv.txt"); split=$((n * 9 / 10))
    if "$PB" /proc/version "$OS/procv_t.bin" "$OS/procv_v.bin" > /dev/null 2> "$TMP/err" &&
       byte_shard_is "$OS/procv_t.bin" "$OS/procv.txt" 0 "$split" && byte_shard_is "$OS/procv_v.bin" "$OS/procv.txt" "$split" $((n - split))
    then ok "prepare_bytes_reads_to_eof"
    else bad "prepare_bytes_reads_to_eof" "$(cat "$TMP/err") train/val headers: $(for f in "$OS"/procv_{t,v}.bin; do od -A n -t d4 -j 8 -N 4 "$f"; done 2>&1 | tr -s ' \n' ' ')"; fi
fi
# --- a pipe as the input (/dev/stdin, <(command)): the same outputs as the file, read once (both tools refused it: "not a
# regular file"); "-" says to give /dev/stdin instead, and a directory is named as one
if [ -x "$PB" ]; then
    if cat "$OS/odd.txt" | "$PB" /dev/stdin "$OS/pipe_t.bin" "$OS/pipe_v.bin" > /dev/null 2> "$TMP/err" &&
       cmp -s "$OS/pipe_t.bin" "$OS/odd_t.bin" && cmp -s "$OS/pipe_v.bin" "$OS/odd_v.bin"; then ok "prepare_bytes_reads_a_pipe"
    else bad "prepare_bytes_reads_a_pipe" "$(cat "$TMP/err")"; fi
    expect_error_cmd prepare_bytes_dash_input "input '-': give standard input as /dev/stdin" "$PB" - "$OS/dash_t.bin" "$OS/dash_v.bin"
    expect_error_cmd prepare_bytes_directory_input "'$OS' is a directory, expected a file" "$PB" "$OS" "$OS/dir_t.bin" "$OS/dir_v.bin"
fi
if cat "$TXT" | "$TOK" -t "$TJ" -o "$TMP/pipe/a" /dev/stdin > /dev/null 2> "$TMP/err" &&
   "$TOK" -t "$TJ" -o "$TMP/pipe/b" -v 0 "$TMP/e1.txt" <(cat "$TMP/e1.txt") > /dev/null 2>> "$TMP/err" &&
   "$TOK" -t "$TJ" -o "$TMP/pipe/c" -v 0 "$TMP/e1.txt" "$TMP/e1.txt" > /dev/null 2>> "$TMP/err" &&
   payload "$TMP/pipe/a_train_*.bin" | cmp -s - "$TMP/ref.train" && payload "$TMP/pipe/a_val_*.bin" | cmp -s - "$TMP/ref.val" &&
   cmp -s "$TMP/pipe/b_train_000000.bin" "$TMP/pipe/c_train_000000.bin"; then ok "tokenize_reads_a_pipe"
else bad "tokenize_reads_a_pipe" "$(head -c 300 "$TMP/err")"; fi
expect_error_cmd tokenize_dash_input "input '-': give standard input as /dev/stdin" "$TOK" -t "$TJ" -o "$TMP/dash/x" -
expect_error_cmd tokenize_directory_input "'$OS' is a directory, expected a text file" "$TOK" -t "$TJ" -o "$TMP/dir/x" "$OS"
if command -v python3 > /dev/null; then
    mkdir -p "$OS/ts_odd"; cp "$TS_PY" "$OS/ts_odd/tinyshakespeare.py"; cp dev/data/stop_signals.py "$OS/ts_odd/"; cp "$OS/odd.txt" "$OS/ts_odd/tinyshakespeare.txt"
    TSO=$OS/ts_odd/tinyshakespeare
    if python3 "$OS/ts_odd/tinyshakespeare.py" > /dev/null 2> "$TMP/err" && byte_shard_is "$TSO/tiny_shakespeare_train.bin" "$OS/odd.txt" 0 900 &&
       byte_shard_is "$TSO/tiny_shakespeare_val.bin" "$OS/odd.txt" 900 101; then ok "tinyshakespeare_py_split_truncates"
    else bad "tinyshakespeare_py_split_truncates" "$(cat "$TMP/err")"; fi
fi

if command -v python3 > /dev/null; then
    # --- tinyshakespeare.py (a copy beside a stand-in text, small.txt then big.txt: it reads the text next to itself)
    mkdir -p "$OS/ts"; cp "$TS_PY" "$OS/ts/tinyshakespeare.py"; cp dev/data/stop_signals.py "$OS/ts/"; cp "$OS/small.txt" "$OS/ts/tinyshakespeare.txt"
    TSD=$OS/ts/tinyshakespeare
    if python3 "$OS/ts/tinyshakespeare.py" > /dev/null 2> "$TMP/err"; then
        sums "$TSD" "$OS/ts.sums"
        if [ -x "$PB" ]; then
            "$PB" "$OS/small.txt" "$OS/pbt.bin" "$OS/pbv.bin" > /dev/null
            if cmp -s "$OS/pbt.bin" "$TSD/tiny_shakespeare_train.bin" && cmp -s "$OS/pbv.bin" "$TSD/tiny_shakespeare_val.bin"; then ok "tinyshakespeare_py_same_bytes_as_prepare_bytes"
            else bad "tinyshakespeare_py_same_bytes_as_prepare_bytes" "the shards differ"; fi
        fi
        cp "$OS/big.txt" "$OS/ts/tinyshakespeare.txt"
        mkdir "$TSD/tiny_shakespeare_val.bin.tmp"
        expect_error_cmd tinyshakespeare_py_val_write_fails "tiny_shakespeare_val.bin.tmp': Is a directory" python3 "$OS/ts/tinyshakespeare.py"
        rmdir "$TSD/tiny_shakespeare_val.bin.tmp"
        unchanged tinyshakespeare_py_val_write_fails_keeps_both "$OS/ts.sums" "$TSD"
        if [ "$HAVE_ULIMIT" = 1 ]; then
            expect_error_cmd tinyshakespeare_py_file_size_limit "tiny_shakespeare_train.bin.tmp': File too large" limited 10 python3 "$OS/ts/tinyshakespeare.py"
            unchanged tinyshakespeare_py_file_size_limit_keeps_both "$OS/ts.sums" "$TSD"
        else
            echo "SKIP tinyshakespeare_py_file_size_limit: ulimit -f cannot be set (not counted as passed)"
        fi
        # a full disk: as for prepare_bytes above
        mkdir -p "$OS/ts2"; cp "$OS/ts/tinyshakespeare.py" "$OS/ts/stop_signals.py" "$OS/ts2/"; cp "$OS/small.txt" "$OS/ts2/tinyshakespeare.txt"
        if small_disk "$OS/ts2/tinyshakespeare"; then
            python3 "$OS/ts2/tinyshakespeare.py" > /dev/null
            sums "$OS/ts2/tinyshakespeare" "$OS/ts2.sums"
            cp "$OS/big.txt" "$OS/ts2/tinyshakespeare.txt"
            expect_error_cmd tinyshakespeare_py_full_disk "tiny_shakespeare_val.bin.tmp': No space left on device" python3 "$OS/ts2/tinyshakespeare.py"
            unchanged tinyshakespeare_py_full_disk_keeps_both "$OS/ts2.sums" "$OS/ts2/tinyshakespeare"
            umount "$OS/ts2/tinyshakespeare"
        else
            echo "SKIP tinyshakespeare_py_full_disk: cannot mount a tmpfs here (not counted as passed)"
        fi
    else
        bad "tinyshakespeare_py_setup" "$(cat "$TMP/err")"
    fi

    # --- enwik8.py on a 40,000-byte stand-in (--allow-any-size), raw and zipped (stored and deflated),
    # and the zips with one byte of the member's data flipped
    mkdir -p "$OS/e8"
    head -c 40000 "$TXT" > "$OS/e8/enwik8"
    python3 - "$OS/e8" << 'PYEOF'
import os, struct, sys, zipfile
d = sys.argv[1]
for name, method in (("stored", zipfile.ZIP_STORED), ("deflated", zipfile.ZIP_DEFLATED)):
    good = os.path.join(d, name + ".zip")
    with zipfile.ZipFile(good, "w", method) as z:
        z.write(os.path.join(d, "enwik8"), "enwik8")
    with zipfile.ZipFile(good) as z:
        at = z.getinfo("enwik8").header_offset
    b = bytearray(open(good, "rb").read())
    name_len, extra_len = struct.unpack("<HH", b[at + 26:at + 30])
    b[at + 30 + name_len + extra_len + 300] ^= 0x5A  # a byte of the member's data
    open(os.path.join(d, name + "_bad.zip"), "wb").write(bytes(b))
PYEOF
    E8=$OS/e8/out
    if python3 "$ENWIK8_PY" "$OS/e8/stored.zip" --allow-any-size -o "$E8" > /dev/null 2> "$TMP/err" && [ -f "$E8/enwik8_source.txt" ]; then
        sums "$E8" "$OS/e8.sums"
        # the standard split: the first 90% of the bytes, the next 5%, the last 5%, in order; the record's md5
        # is that of the bytes split (the one compared with enwik8's published md5)
        n8=$(wc -c < "$OS/e8/enwik8")
        if byte_shard_is "$E8/enwik8_train.bin" "$OS/e8/enwik8" 0 $((n8 * 90 / 100)) &&
           byte_shard_is "$E8/enwik8_val.bin" "$OS/e8/enwik8" $((n8 * 90 / 100)) $((n8 * 5 / 100)) &&
           byte_shard_is "$E8/enwik8_test.bin" "$OS/e8/enwik8" $((n8 * 95 / 100)) $((n8 - n8 * 95 / 100)); then ok "enwik8_standard_split"
        else bad "enwik8_standard_split" "headers: $(for f in "$E8"/enwik8_{train,val,test}.bin; do od -A n -t d4 -j 8 -N 4 "$f"; done | tr -s ' \n' ' ')of $n8 bytes"; fi
        if grep -qx "content_md5 $(md5sum < "$OS/e8/enwik8" | cut -d ' ' -f 1)" "$E8/enwik8_source.txt"; then ok "enwik8_record_md5_of_the_bytes"
        else bad "enwik8_record_md5_of_the_bytes" "$(grep content_md5 "$E8/enwik8_source.txt") vs $(md5sum < "$OS/e8/enwik8")"; fi
        expect_error_cmd enwik8_corrupt_zip_stored "stored_bad.zip': expected an intact zip member 'enwik8', found a damaged one: Bad CRC-32" \
            python3 "$ENWIK8_PY" "$OS/e8/stored_bad.zip" --allow-any-size -o "$E8"
        unchanged enwik8_corrupt_zip_stored_keeps_all "$OS/e8.sums" "$E8"
        expect_error_cmd enwik8_corrupt_zip_deflated "deflated_bad.zip': expected an intact zip member 'enwik8', found a damaged one" \
            python3 "$ENWIK8_PY" "$OS/e8/deflated_bad.zip" --allow-any-size -o "$E8"
        unchanged enwik8_corrupt_zip_deflated_keeps_all "$OS/e8.sums" "$E8"
        expect_error_cmd enwik8_corrupt_zip_content_md5 "found a damaged one" python3 "$ENWIK8_PY" --content-md5 "$OS/e8/stored_bad.zip"
        # a zip cut short (a download that stopped: its directory, at the end, is missing) is refused, not split as the
        # raw file (its compressed bytes made shards with --allow-any-size, and without it the error said to give that)
        head -c $(($(wc -c < "$OS/e8/deflated.zip") / 2)) "$OS/e8/deflated.zip" > "$OS/e8/cut.zip"
        expect_error_cmd enwik8_cut_zip "cut.zip': expected the enwik8 file or a zip holding it, found a zip that cannot be read" \
            python3 "$ENWIK8_PY" "$OS/e8/cut.zip" --allow-any-size -o "$E8"
        unchanged enwik8_cut_zip_keeps_all "$OS/e8.sums" "$E8"
        expect_error_cmd enwik8_cut_zip_no_size_advice "found a zip that cannot be read" python3 "$ENWIK8_PY" "$OS/e8/cut.zip" -o "$E8"
        # a source that is one of the outputs is refused (it was read, then replaced by a shard: the file lost, exit 0)
        mkdir -p "$OS/e8self"; cp "$OS/e8/enwik8" "$OS/e8self/enwik8_val.bin"
        expect_error_cmd enwik8_source_is_an_output "enwik8_val.bin' is the output '$OS/e8self/enwik8_val.bin' itself" \
            python3 "$ENWIK8_PY" "$OS/e8self/enwik8_val.bin" --allow-any-size -o "$OS/e8self"
        if cmp -s "$OS/e8/enwik8" "$OS/e8self/enwik8_val.bin" && [ "$(ls -A "$OS/e8self")" = enwik8_val.bin ]; then ok "enwik8_source_is_an_output_kept"
        else bad "enwik8_source_is_an_output_kept" "$(ls -A "$OS/e8self" | tr '\n' ' ')"; fi
        # the last shard fails after train and val were written (a directory where its .tmp goes)
        mkdir "$E8/enwik8_test.bin.tmp"
        expect_error_cmd enwik8_test_write_fails "enwik8_test.bin.tmp': Is a directory" python3 "$ENWIK8_PY" "$OS/e8/enwik8" --allow-any-size -o "$E8"
        rmdir "$E8/enwik8_test.bin.tmp"
        unchanged enwik8_test_write_fails_keeps_all "$OS/e8.sums" "$E8"
        if [ "$HAVE_ULIMIT" = 1 ]; then
            expect_error_cmd enwik8_file_size_limit "enwik8_train.bin.tmp': File too large" limited 20 python3 "$ENWIK8_PY" "$OS/e8/enwik8" --allow-any-size -o "$E8"
            unchanged enwik8_file_size_limit_keeps_all "$OS/e8.sums" "$E8"
        else
            echo "SKIP enwik8_file_size_limit: ulimit -f cannot be set (not counted as passed)"
        fi
        # a full disk (256 KiB, 4 KiB pages): shards of 5,000 bytes there (6 pages with the record),
        # then of 128,000 bytes (57 + 4 + 4 pages): the new train shard fits beside the old set, not
        # the new val and test too (replaced one by one, train and val were, and the test shard not)
        head -c 128000 "$TXT" > "$OS/e8/big"
        if small_disk "$OS/e8full"; then
            if python3 "$ENWIK8_PY" "$OS/small.txt" --allow-any-size -o "$OS/e8full" > /dev/null 2> "$TMP/err"; then
                sums "$OS/e8full" "$OS/e8full.sums"
                expect_error_cmd enwik8_full_disk "enwik8_val.bin.tmp': No space left on device" \
                    python3 "$ENWIK8_PY" "$OS/e8/big" --allow-any-size -o "$OS/e8full"
                unchanged enwik8_full_disk_keeps_all "$OS/e8full.sums" "$OS/e8full"
            else
                bad "enwik8_full_disk" "$(cat "$TMP/err")"
            fi
            umount "$OS/e8full"
        else
            echo "SKIP enwik8_full_disk: cannot mount a tmpfs here (not counted as passed)"
        fi
        # the same bytes raw and zipped (deflated): the same shards
        if python3 "$ENWIK8_PY" "$OS/e8/deflated.zip" --allow-any-size -o "$OS/e8/out2" > /dev/null 2> "$TMP/err"; then
            same=1
            for f in train val test; do cmp -s "$E8/enwik8_$f.bin" "$OS/e8/out2/enwik8_$f.bin" || same=0; done
            if [ "$same" = 1 ]; then ok "enwik8_deflated_same_shards"; else bad "enwik8_deflated_same_shards" "the shards differ"; fi
        else
            bad "enwik8_deflated_same_shards" "$(cat "$TMP/err")"
        fi
    else
        bad "enwik8_setup" "$(cat "$TMP/err")"
    fi
    touch "$OS/e8/plain"
    expect_error_cmd enwik8_outdir_is_a_file "-o '$OS/e8/plain': expected a directory, found a file" \
        python3 "$ENWIK8_PY" "$OS/e8/enwik8" --allow-any-size -o "$OS/e8/plain"
    expect_error_cmd enwik8_outdir_under_a_file "-o '$OS/e8/plain/sub': expected a directory, found a file" \
        python3 "$ENWIK8_PY" "$OS/e8/enwik8" --allow-any-size -o "$OS/e8/plain/sub"
    expect_error_cmd enwik8_new_outdir_on_error "found a damaged one" python3 "$ENWIK8_PY" "$OS/e8/stored_bad.zip" --allow-any-size -o "$OS/e8/new/sub"
    if [ ! -e "$OS/e8/new" ]; then ok "enwik8_new_outdir_removed_on_error"; else bad "enwik8_new_outdir_removed_on_error" "$(ls -R "$OS/e8/new")"; fi
    # a source too short for three splits (5% of under 20 bytes is no byte; an empty one has none at all): refused,
    # as prepare_bytes and tinyshakespeare.py refuse theirs, not written as empty shards the loader cannot read
    head -c 19 "$TXT" > "$OS/e8/short"; : > "$OS/e8/empty"
    expect_error_cmd enwik8_source_too_short "short': 19 bytes: too short for a train, a val and a test split" \
        python3 "$ENWIK8_PY" "$OS/e8/short" --allow-any-size -o "$OS/e8/short_out"
    expect_error_cmd enwik8_source_empty "empty': 0 bytes: too short" python3 "$ENWIK8_PY" "$OS/e8/empty" --allow-any-size -o "$OS/e8/short_out"
    if [ ! -e "$OS/e8/short_out" ]; then ok "enwik8_source_too_short_no_output"; else bad "enwik8_source_too_short_no_output" "$(ls "$OS/e8/short_out")"; fi
    if [ "$(id -u)" != 0 ]; then
        mkdir -p "$OS/e8/ro"; chmod 555 "$OS/e8/ro"
        expect_error_cmd enwik8_read_only_outdir "ro': directory .* is not writable" python3 "$ENWIK8_PY" "$OS/e8/enwik8" --allow-any-size -o "$OS/e8/ro"
        chmod 755 "$OS/e8/ro"
    else
        echo "SKIP enwik8_read_only_outdir: running as root, which may write anywhere (not counted as passed)"
    fi
else
    echo "SKIP tinyshakespeare.py and enwik8.py output checks: no python3 (not counted as passed)"
fi

# --- -c: HellaSwag-style JSON Lines -> a multiple-choice eval file for the trainers' -mc. A reader written here
# (stdlib Python, from doc/formats.md) checks every field against the JSON: with -t bytes the context's bytes and
# each ending's after a space, exactly; with the tokenizer, the same tokens as the shard mode gives each of those
# texts as a document of its own (-e 0). Bad lines fail with one error line and leave no file.
MCJ="$TMP/mc.jsonl"
printf '%s\n' '{"ind": 4, "ctx": "A man is sitting on a roof. he", "label": 3, "endings": ["is using wrap to wrap a pair of skis.", "is ripping level tiles off.", "is holding a rubik'"'"'s cube.", "starts pulling up roofing on a roof."]}' \
    '   ' '{"ctx": "Caf\u00e9 au lait, na\u00efve r\u00e9sum\u00e9:", "endings": ["\u00fcber", "x", "\u4e2d\u6587 text\nwith a newline"], "label": 0, "split": "val"}' \
    '{"ctx": "x", "endings": ["y", "y"], "label": 1}' > "$MCJ"
if command -v python3 > /dev/null; then
    cat > "$TMP/mc_check.py" <<'PY'
import json, struct, sys
path, jsonl, mode = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(path, "rb").read()
header = struct.unpack("<256i", data[:1024])
stream = struct.unpack("<%dH" % ((len(data) - 1024) // 2), data[1024:])
examples = [json.loads(l) for l in open(jsonl, encoding="utf-8") if l.strip()]
assert header[:3] == (20240522, 1, len(examples)), header[:4]
pos, longest, pieces = 0, 0, []
for i, ex in enumerate(examples):
    start = pos
    assert stream[pos] == 65535 and stream[pos + 2] == i and stream[pos + 3] == ex["label"] and stream[pos + 4] == len(ex["endings"])
    pos += 5
    for text in [ex["ctx"]] + [" " + e for e in ex["endings"]]:
        n = stream[pos]
        toks = list(stream[pos + 1:pos + 1 + n])
        if mode == "bytes":
            assert toks == list(text.encode("utf-8")), (text, toks)
        pieces.append((text, toks))
        pos += 1 + n
    assert stream[start + 1] == 2 * (pos - start), (stream[start + 1], pos - start)
    longest = max(longest, 2 * (pos - start))
assert pos == len(stream) and header[3] == longest
if mode != "bytes":  # each piece as a document file, for the shard mode to encode in the same order
    out = sys.argv[4]
    for k, (text, toks) in enumerate(pieces):
        open("%s/doc_%03d.txt" % (out, k), "w", encoding="utf-8", newline="").write(text)
    open("%s/tokens.txt" % out, "w").write(" ".join(str(t) for _, toks in pieces for t in toks) + "\n")
print("ok", len(examples), header[3])
PY
    if "$TOK" -t bytes -c "$TMP/mc_bytes.bin" "$MCJ" > /dev/null && out=$(python3 "$TMP/mc_check.py" "$TMP/mc_bytes.bin" "$MCJ" bytes 2>&1) &&
       [ "$out" = "ok 3 $(od -A n -t d4 -j 12 -N 4 "$TMP/mc_bytes.bin" | tr -d ' ')" ]; then ok "mc_file_bytes_fields"
    else bad "mc_file_bytes_fields" "$out"; fi
    mkdir -p "$TMP/mc_docs"
    if "$TOK" -t "$TJ" -c "$TMP/mc_bpe.bin" "$MCJ" > /dev/null && out=$(python3 "$TMP/mc_check.py" "$TMP/mc_bpe.bin" "$MCJ" bpe "$TMP/mc_docs" 2>&1) &&
       "$TOK" -t "$TJ" -o "$TMP/mc_docs/shard" -e 0 -v 0 $(ls "$TMP"/mc_docs/doc_*.txt | sort) > /dev/null &&
       [ "$(payload "$TMP/mc_docs/shard_train_*.bin" | od -A n -v -t u2 --endian=little | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')" = "$(cat "$TMP/mc_docs/tokens.txt")" ]; then
        ok "mc_file_tokenizer_matches_shard_mode"
    else bad "mc_file_tokenizer_matches_shard_mode" "$out"; fi
else
    echo "SKIP mc_file_bytes_fields, mc_file_tokenizer_matches_shard_mode: no python3 (not counted as passed)"
fi
for spec in 'mc_not_json|not a JSON object|{"ctx": "a", ' 'mc_two_objects|text after the JSON object|{"ctx": "a", "endings": ["b", "c"], "label": 0} {"ctx": "d"}' \
            'mc_label_fraction|"label" must be an integer|{"ctx": "a", "endings": ["b", "c"], "label": 0.5}' 'mc_label_huge|"label" must be an integer|{"ctx": "a", "endings": ["b", "c"], "label": 1e300}' \
            'mc_nul_escape|.u0000 in a string: not text|{"ctx": "a\u0000", "endings": ["b", "c"], "label": 0}' 'mc_no_ctx|no string field "ctx"|{"endings": ["a", "b"], "label": 0}' \
            'mc_lone_surrogate|a lone surrogate .ud800 in a string: not text|{"ctx": "a\ud800", "endings": ["b", "c"], "label": 0}' \
            'mc_one_ending|"endings" must be an array of 2 to 64 strings|{"ctx": "a", "endings": ["b"], "label": 0}' \
            'mc_ending_not_string|"endings" item 1 is not a string|{"ctx": "a", "endings": ["b", 3], "label": 0}' \
            'mc_label_range|"label" must be an integer in .0, 2)|{"ctx": "a", "endings": ["b", "c"], "label": 2}' \
            'mc_label_string|"label" must be an integer|{"ctx": "a", "endings": ["b", "c"], "label": "1"}' \
            'mc_empty_ctx|context of 0 tokens|{"ctx": "", "endings": ["b", "c"], "label": 1}'; do
    IFS='|' read -r name want line <<< "$spec"
    { printf '%s\n' '{"ctx": "fine", "endings": ["a", "b"], "label": 0}'; printf '%s\n' "$line"; } > "$TMP/$name.jsonl"
    expect_error_cmd "$name" "line 2: $want" "$TOK" -t bytes -c "$TMP/$name.bin" "$TMP/$name.jsonl"
    if [ -e "$TMP/$name.bin" ] || [ -e "$TMP/$name.bin.tmp" ]; then bad "${name}_no_file" "an output was left"; fi
done
printf '\n \n' > "$TMP/mc_blank.jsonl"
expect_error_cmd mc_no_examples "no example in the input" "$TOK" -t bytes -c "$TMP/mc_blank.bin" "$TMP/mc_blank.jsonl"
expect_error_cmd mc_with_prefix "-c writes an eval file: no -d, -o or -j" "$TOK" -t bytes -c "$TMP/x.bin" -o "$TMP/x" "$MCJ"
expect_error_cmd mc_bytes_without_c "-t bytes is for -c and -d only (byte-level shards are written by dev/data/prepare_bytes)" "$TOK" -t bytes -o "$TMP/x" "$MCJ"
# -t bytes -d decodes byte-level shards (prepare_bytes', the bundled tinyshakespeare ones): train then val give the text
# back (it was refused, pointing to prepare_bytes, which decodes nothing); a shard of another vocabulary is refused
# whole, nothing written
if [ -x dev/data/prepare_bytes ]; then
    printf 'To be, or not to be: that is the question.\n\xff\x00 bytes\n' > "$TMP/bytes_dec.txt"
    dev/data/prepare_bytes "$TMP/bytes_dec.txt" "$TMP/bytes_dec_train.bin" "$TMP/bytes_dec_val.bin" > /dev/null 2>&1
    "$TOK" -t bytes -d "$TMP/bytes_dec_train.bin" > "$TMP/bytes_dec.out" 2>&1; rc=$?
    "$TOK" -t bytes -d "$TMP/bytes_dec_val.bin" >> "$TMP/bytes_dec.out" 2>&1; rc2=$?
    printf 'hello world, hello tokens\n' > "$TMP/bytes_dec_bpe.txt" # (a BPE shard: its text has no NUL, which tokenize refuses)
    "$TOK" -t "$TJ" -o "$TMP/bytes_dec_bpe" -v 0 "$TMP/bytes_dec_bpe.txt" > /dev/null 2>&1
    out=$("$TOK" -t bytes -d "$TMP/bytes_dec_bpe_train_*.bin" 2> "$TMP/bytes_dec.err"); rc3=$?
    if [ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ] && cmp -s "$TMP/bytes_dec.out" "$TMP/bytes_dec.txt" && [ "$rc3" -ne 0 ] && [ -z "$out" ] &&
       grep -q "outside the vocabulary \[0, 256)" "$TMP/bytes_dec.err"; then ok "decode_byte_level_shards"
    else bad "decode_byte_level_shards" "rc $rc/$rc2/$rc3: $(head -c 200 "$TMP/bytes_dec.out") / $(head -c 200 "$TMP/bytes_dec.err")"; fi
else
    echo "SKIP decode_byte_level_shards: dev/data/prepare_bytes not built (not counted as passed)"
fi
# -c naming an input or the tokenizer (or its <out>.tmp naming one): refused, the file left as it was (the input was
# overwritten with the eval file, exit 0); a directory: said at once
cp "$MCJ" "$TMP/mc_self.jsonl"; cp "$TJ" "$TMP/mc_self_tok.json"; cp "$MCJ" "$TMP/mc_self.bin.tmp"; md5sum "$TMP"/mc_self* > "$TMP/mc_self.sums"
expect_error_cmd mc_out_is_input "-c '$TMP/mc_self.jsonl' is the input '$TMP/mc_self.jsonl' itself" "$TOK" -t bytes -c "$TMP/mc_self.jsonl" "$MCJ" "$TMP/mc_self.jsonl"
expect_error_cmd mc_out_is_input_other_name "is the input '$TMP/./mc_self.jsonl' itself" "$TOK" -t "$TJ" -c "$TMP/mc_self.jsonl" "$TMP/./mc_self.jsonl"
expect_error_cmd mc_out_is_tokenizer "is the tokenizer '$TMP/mc_self_tok.json' itself" "$TOK" -t "$TMP/mc_self_tok.json" -c "$TMP/mc_self_tok.json" "$MCJ"
expect_error_cmd mc_out_tmp_is_input "the input '$TMP/mc_self.bin.tmp' is its temporary file" "$TOK" -t bytes -c "$TMP/mc_self.bin" "$TMP/mc_self.bin.tmp"
expect_error_cmd mc_out_is_directory "-c '$TMP' is a directory" "$TOK" -t bytes -c "$TMP" "$MCJ"
# ... and reads its input from a pipe as from the file (it was refused: "not a regular file")
if cat "$MCJ" | "$TOK" -t "$TJ" -c "$TMP/pipe/mc_p.bin" /dev/stdin > /dev/null 2> "$TMP/err" &&
   "$TOK" -t "$TJ" -c "$TMP/pipe/mc_f.bin" "$MCJ" > /dev/null 2>> "$TMP/err" && cmp -s "$TMP/pipe/mc_p.bin" "$TMP/pipe/mc_f.bin"; then
    ok "tokenize_mc_reads_a_pipe"
else bad "tokenize_mc_reads_a_pipe" "$(head -c 300 "$TMP/err")"; fi
if md5sum -c --quiet "$TMP/mc_self.sums" > /dev/null 2>&1 && [ ! -e "$TMP/mc_self.bin" ] && [ ! -e "$TMP.tmp" ]; then ok "mc_out_refused_inputs_unchanged"
else bad "mc_out_refused_inputs_unchanged" "$(md5sum -c --quiet "$TMP/mc_self.sums" 2>&1 | head -n 2) $(ls "$TMP/mc_self.bin" "$TMP.tmp" 2>/dev/null)"; fi
# -c with no file-name part (empty, or a directory to be made, "dir/"): said at once, and a file ./.tmp that is none of
# ours stays (it failed at the end, "cannot rename '.tmp' to ''", its write having replaced and removed ./.tmp)
mkdir -p "$TMP/mc_noname"; echo "the user's" > "$TMP/mc_noname/.tmp"
tok_abs=$(realpath "$TOK")
expect_error_cmd mc_out_empty_name "-c '': the eval file needs a file-name part" bash -c 'cd "$1" && exec "$2" -t bytes -c "" "$3"' _ "$TMP/mc_noname" "$tok_abs" "$MCJ"
expect_error_cmd mc_out_dir_slash "-c '$TMP/mc_noname/new/': the eval file needs a file-name part" "$TOK" -t bytes -c "$TMP/mc_noname/new/" "$MCJ"
# ... "dir/." and "dir/.." too (it failed after encoding everything: "cannot rename 'dir/..tmp' to 'dir/.'")
expect_error_cmd mc_out_dot "-c '$TMP/mc_noname/new/.': the eval file needs a file-name part" "$TOK" -t bytes -c "$TMP/mc_noname/new/." "$MCJ"
expect_error_cmd mc_out_dot_dot "-c '$TMP/mc_noname/new/..': the eval file needs a file-name part" "$TOK" -t bytes -c "$TMP/mc_noname/new/.." "$MCJ"
if [ "$(cat "$TMP/mc_noname/.tmp" 2>&1)" = "the user's" ] && [ ! -e "$TMP/mc_noname/new" ]; then ok "mc_out_no_name_keeps_dot_tmp"
else bad "mc_out_no_name_keeps_dot_tmp" "$(ls -A "$TMP/mc_noname" | tr '\n' ' ')"; fi
# -c makes its file's missing directories (mkdir -p, as -o does; it failed with "cannot create '<out>.tmp'" after
# encoding everything): the same file as into an existing one; a run that fails, before the file is begun or while it is
# written, takes away the directories it made and no other
"$TOK" -t bytes -c "$TMP/mc_ref.bin" "$MCJ" > /dev/null
if "$TOK" -t bytes -c "$TMP/mc_new/sub/h.bin" "$MCJ" > /dev/null 2> "$TMP/err" && cmp -s "$TMP/mc_new/sub/h.bin" "$TMP/mc_ref.bin"; then ok "mc_out_makes_missing_dirs"
else bad "mc_out_makes_missing_dirs" "$(cat "$TMP/err") $(find "$TMP/mc_new" 2>&1 | tr '\n' ' ')"; fi
mkdir -p "$TMP/mc_kept"
expect_error_cmd mc_out_new_dirs_bad_example "line 2: \"endings\" must be an array" "$TOK" -t bytes -c "$TMP/mc_kept/nd1/sub/h.bin" "$TMP/mc_one_ending.jsonl"
if [ "$HAVE_ULIMIT" = 1 ]; then
    expect_error_cmd mc_out_new_dirs_write_fails "h.bin.tmp'.*File too large" limited 1 "$TOK" -t bytes -c "$TMP/mc_kept/nd2/sub/h.bin" "$MCJ"
fi
if [ -d "$TMP/mc_kept" ] && [ -z "$(ls -A "$TMP/mc_kept")" ]; then ok "mc_out_no_directory_on_error"
else bad "mc_out_no_directory_on_error" "$(find "$TMP/mc_kept" 2>&1 | tr '\n' ' ')"; fi

# --- -c -m hellaswag|piqa|arc|lambada: tasks rendered as lm-evaluation-harness renders them, against dev/ref/lmeval_render.py
# (plain Python from the tasks' published definitions): the context's and each continuation's bytes exactly
# (-t bytes), and with the tokenizer the context's tokens and each continuation's as the whole text's tokens past
# the context's (each text encoded by the shard mode as a document of its own). The hellaswag inputs take each of
# preprocess's steps ([title], brackets within a line and across one, double spaces, white space that Python
# strips, U+00A0 and U+3000 included) and capitalize()'s case mappings for every character up to U+017F; labels as
# numbers and as strings of digits (Hugging Face's exports); arc's answer keys as letters and as digits; lambada's
# last word after double spaces, and an empty one; contexts that end in white space (hellaswag's " [title]" and
# "[step]" at the end, lambada's two spaces before the last word), which moves to the front of every continuation
# as lm-evaluation-harness's _encode_pair moves it (the note counts them), and an ending that begins with a space.
if command -v python3 > /dev/null; then
    python3 - "$TMP/lm" <<'PY'
import json, sys
allcp = "".join(chr(c) for c in range(0x20, 0x180))
tasks = {"hellaswag": [
    {"activity_label": "Removing ice from car", "ctx_a": "Then, the man writes over the snow covering the window of a car.",
     "ctx_b": "then", "endings": [", the man adds wax.", ", a person boards a ski lift.", ", the man continues removing the snow."], "label": 2},
    {"activity_label": "Home and Garden", "ctx_a": "[header] How to grow a garden [title] Choose a spot. [step] Look for sun.",
     "ctx_b": "YOU should WATER it  [substeps] daily.", "endings": ["  [title] Water it.   Then [step] wait.  ", "[open\n] stays", "a]b[c]d[e\nf]g", "   "], "label": "0"},
    {"activity_label": "Caf\u00e9", "ctx_a": "\u00a0 leading nbsp\u3000", "ctx_b": allcp, "endings": ["\u2003x\u3000", "y"], "label": 1},
] + [{"activity_label": "L", "ctx_a": "a", "ctx_b": b, "endings": ["End  of  it.", "Other [x] one"], "label": 1}
     for b in ["\u00dftra\u00dfe", "\u0149x", "\u0131i", "\u017fs", "\u00b5m", "\u00ffY", "\u0130STANBUL", "\u00e9COLE \u00c0\u00c9\u00ce", "1abc", "",
               "\u00feorn", "\u00e0 la", "\u00f7x"]] + [
    {"activity_label": "Tags", "ctx_a": "Do it", "ctx_b": "now [title]", "endings": ["[step] first", "second"], "label": 0},
    {"activity_label": "Steps", "ctx_a": "Wash [step]", "ctx_b": "", "endings": ["rinse", "dry"], "label": "1"}],
  "piqa": [
    {"goal": "How do I ready a guinea pig cage for it's new occupants?", "sol1": "Provide the guinea pig with a cage full of a few inches of bedding made of ripped paper strips.",
     "sol2": "Provide the guinea pig with a cage full of a few inches of bedding made of ripped jeans material.", "label": 0},
    {"goal": "  two  spaces, a\nnewline and caf\u00e9 ", "sol1": " lead space", "sol2": "trail space ", "label": "1"},
  ],
  "arc": [
    {"id": "Mercury_7175875", "question": "An astronomer observes that a planet rotates faster after a meteorite impact. Which is the most likely effect?",
     "choices": {"text": ["Planetary density will decrease.", "Planetary years will become longer.", "Planetary days will become shorter.", "Planetary gravity will become stronger."],
                 "label": ["A", "B", "C", "D"]}, "answerKey": "C"},
    {"question": "Which of these is a na\u00efve [bracket] question?", "choices": {"text": ["one", "two", "three"], "label": ["1", "2", "3"]}, "answerKey": "3"},
  ],
  "lambada": [
    {"text": "In my palm is a clear stone, and inside it is a small ivory statuette. A guardian angel.\n\n\"Figured if you're going to be out at night getting hit by cars, you might as well have some backup.\"\n\nI look at him, feeling stunned. Like this is some sort of sign. But as I stare at Harlin, his mouth curved in a confident grin, I don't care about signs"},
    {"text": "two  spaces  before the caf\u00e9"}, {"text": "ends with a space "}, {"text": "two spaces before  last"},
  ],
  "winogrande": [
    {"sentence": "Sarah was a much better surgeon than Maria so _ always got the harder cases.", "option1": "Sarah", "option2": "Maria", "answer": "1"},
    {"sentence": "_ went home  after the caf\u00e9 closed. ", "option1": "He", "option2": "She", "answer": 2},
    {"sentence": "The trophy didn't fit in the suitcase because the _ was too big.", "option1": "trophy", "option2": "trophy case", "answer": "1"},
    {"sentence": "It was _ \u00a0.", "option1": "cold ", "option2": "warm", "answer": "2"},
  ]}
for task, docs in tasks.items():
    with open("%s_%s.jsonl" % (sys.argv[1], task), "w") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
PY
    cat > "$TMP/lm_check.py" <<'PY'
import json, struct, sys
path, ref, mode = sys.argv[1], sys.argv[2], sys.argv[3]
refs = [json.loads(l) for l in open(ref, encoding="utf-8")]
def texts(r):  # each (context, continuation) pair the example is scored on
    if "contexts" in r:  # winogrande: a context per choice, each before its continuation
        return list(zip(r["contexts"], r["continuations"]))
    return [(r["context"], c) for c in r["continuations"]]
if mode == "docs":  # the texts to encode: per pair, the context, then the context and the continuation
    k = 0
    for i, r in enumerate(refs):
        for ctx, cont in texts(r):
            for text in (ctx, ctx + cont):
                open("%s/doc_%03d_%02d.txt" % (path, i, k), "w", encoding="utf-8", newline="").write(text)
                k += 1
    sys.exit(0)
data = open(path, "rb").read()
header = struct.unpack("<256i", data[:1024])
s = struct.unpack("<%dH" % ((len(data) - 1024) // 2), data[1024:])
version = 2 if any("contexts" in r for r in refs) else 1
assert header[:3] == (20240522, version, len(refs)), header[:4]
if mode == "bpe":  # the shard mode's stream: an end-of-text token (0) before each document, in the order written above
    stream = [int(t) for t in open(sys.argv[4]).read().split()]
    docs, cur = [], None
    for t in stream:
        if t == 0:
            cur = []
            docs.append(cur)
        else:
            cur.append(t)
pos = 0
for i, r in enumerate(refs):
    pairs = texts(r)
    assert s[pos] == 65535 and s[pos + 2] == i and s[pos + 3] == r["label"] and s[pos + 4] == len(pairs), i
    q = pos + 6 + s[pos + 5]
    got = [list(s[pos + 6:q])]
    for _ in pairs:  # each completion: its length (and in version 2 its skip), then its tokens
        m, skip = s[q], s[q + 1] if version == 2 else 0
        q += version
        got.append((skip, list(s[q:q + m])))
        q += m
    if mode == "bytes":
        enc = [(list(c.encode("utf-8")), list(t.encode("utf-8"))) for c, t in pairs]
    else:
        enc = []
        for _ in pairs:
            ctx = docs.pop(0)
            enc.append((ctx, docs.pop(0)[len(ctx):]))
    if version == 1:  # one context for all
        want = [enc[0][0]] + [(0, cont) for _, cont in enc]
    else:  # the tokens the contexts share, then each context's others (skipped) and its continuation
        shared = 0
        while all(shared < len(c) for c, _ in enc) and len({c[shared] for c, _ in enc}) == 1:
            shared += 1
        want = [enc[0][0][:shared]] + [(len(c) - shared, c[shared:] + cont) for c, cont in enc]
    assert got == want, (i, got, want)
    assert s[pos + 1] == 2 * (q - pos)
    pos = q
assert pos == len(s)
print("ok", len(refs))
PY
    for task in hellaswag piqa arc lambada winogrande; do
        in="$TMP/lm_$task.jsonl"; want="ok $(grep -c . "$in")"
        if python3 dev/ref/lmeval_render.py $task "$in" > "$TMP/lm_ref_$task.jsonl" &&
           moved=$(python3 -c 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
print(sum(r["continuations"] != [" " + c for c in r.get("choices", [r.get("target")] * len(r["continuations"]))] for r in rs))' "$TMP/lm_ref_$task.jsonl") &&
           "$TOK" -t bytes -c "$TMP/lm_bytes_$task.bin" -m $task "$in" > "$TMP/lm_bytes.out" &&
           out=$(python3 "$TMP/lm_check.py" "$TMP/lm_bytes_$task.bin" "$TMP/lm_ref_$task.jsonl" bytes 2>&1) && [ "$out" = "$want" ] &&
           ! grep '^note' "$TMP/lm_bytes.out" | grep -vq "^note: in $moved examples\{0,1\} the context ended in white space, moved to the front" &&
           { [ "$moved" = 0 ] || grep -q "^note: in $moved example$([ "$moved" = 1 ] || echo s) the context ended in white space" "$TMP/lm_bytes.out"; }; then
            ok "mc_${task}_rendering_bytes ($want examples; $moved with white space moved from the context)"
        else bad "mc_${task}_rendering_bytes" "$out $(cat "$TMP/lm_bytes.out" 2>/dev/null)"; fi
        rm -rf "$TMP/lm_docs"; mkdir -p "$TMP/lm_docs"
        if "$TOK" -t "$TJ" -c "$TMP/lm_bpe_$task.bin" -m $task "$in" > /dev/null && python3 "$TMP/lm_check.py" "$TMP/lm_docs" "$TMP/lm_ref_$task.jsonl" docs &&
           "$TOK" -t "$TJ" -o "$TMP/lm_docs/shard" -e 1 -v 0 $(ls "$TMP"/lm_docs/doc_*.txt | sort) > /dev/null &&
           payload "$TMP/lm_docs/shard_train_*.bin" | od -A n -v -t u2 --endian=little | tr -s ' \n' ' ' > "$TMP/lm_docs/tokens.txt" &&
           out=$(python3 "$TMP/lm_check.py" "$TMP/lm_bpe_$task.bin" "$TMP/lm_ref_$task.jsonl" bpe "$TMP/lm_docs/tokens.txt" 2>&1) && [ "$out" = "$want" ]; then
            ok "mc_${task}_rendering_tokenizer"
        else bad "mc_${task}_rendering_tokenizer" "$out"; fi
    done
else
    echo "SKIP mc_{hellaswag,piqa,arc,lambada,winogrande}_rendering_{bytes,tokenizer}: no python3 (not counted as passed)"
fi
# a ctx_b with characters past U+017F (whose case is not mapped here) is written, and said
printf '%s\n' '{"activity_label": "a", "ctx_a": "b", "ctx_b": "\u01c6x \u0391\u0392", "endings": ["c", "d"], "label": 0}' \
    '{"activity_label": "a", "ctx_a": "b", "ctx_b": "\ufb01ne", "endings": ["c", "d"], "label": 0}' '{"activity_label": "a", "ctx_a": "b", "ctx_b": "x", "endings": ["c", "d"], "label": 0}' > "$TMP/lm_wide.jsonl"
out=$("$TOK" -t bytes -c "$TMP/lm_wide.bin" -m hellaswag "$TMP/lm_wide.jsonl" 2>&1)
if [ -s "$TMP/lm_wide.bin" ] && echo "$out" | grep -q '^note: in 2 examples ctx_b has characters past U+017F'; then ok "mc_hellaswag_wide_characters_noted"
else bad "mc_hellaswag_wide_characters_noted" "$out"; fi
printf '%s\n' '{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["d", "e"], "label": 0}' '{"activity_label": "a", "ctx_b": "c", "endings": ["d", "e"], "label": 0}' > "$TMP/lm_no_ctx_a.jsonl"
expect_error_cmd mc_hellaswag_no_ctx_a 'line 2: no string field "ctx_a"' "$TOK" -t bytes -c "$TMP/lm_bad.bin" -m hellaswag "$TMP/lm_no_ctx_a.jsonl"
if [ -e "$TMP/lm_bad.bin" ]; then bad "mc_hellaswag_no_ctx_a_no_file" "an output was left"; fi
for spec in 'piqa|no string field "sol2"|{"goal": "g", "sol1": "a", "label": 0}' 'piqa|"label" must be an integer in .0, 2)|{"goal": "g", "sol1": "a", "sol2": "b", "label": "2"}' \
            'hellaswag|"label" must be an integer|{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["d", "e"], "label": "x1"}' \
            'arc|answerKey "E" is none of the choices. labels|{"question": "q", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "E"}' \
            'arc|"choices": {"label"} must be an array of 2 strings|{"question": "q", "choices": {"text": ["a", "b"], "label": ["A"]}, "answerKey": "A"}' \
            'arc|"choices": {"text"} must be an array of 2 to 64 strings|{"question": "q", "choices": {"label": ["A"]}, "answerKey": "A"}' \
            'arc|"choices": {"text"} item 1 is not a string|{"question": "q", "choices": {"text": ["a", 2], "label": ["A", "B"]}, "answerKey": "A"}' \
            'lambada|"text" has no space, so no last word|{"text": "oneword"}' 'lambada|context of 0 tokens|{"text": " word"}' \
            'winogrande|"sentence" has no "_"|{"sentence": "no blank", "option1": "a", "option2": "b", "answer": "1"}' \
            'winogrande|"answer" must be 1 or 2|{"sentence": "a _ b", "option1": "a", "option2": "b", "answer": "3"}' \
            'winogrande|no string field "option2"|{"sentence": "a _ b", "option1": "a", "answer": "1"}' \
            'winogrande|option 1 leaves no context before the continuation|{"sentence": "_ b", "option1": "", "option2": "b", "answer": "1"}'; do
    IFS='|' read -r task want line <<< "$spec"
    name="mc_${task}_$(echo "$want" | tr -c 'a-zA-Z0-9' '_' | cut -c1-24)"
    case $task in # a good first line
        piqa) good='{"goal": "g", "sol1": "a", "sol2": "b", "label": 1}' ;;
        arc) good='{"question": "q", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "B"}' ;;
        lambada) good='{"text": "a b"}' ;;
        winogrande) good='{"sentence": "a _ b", "option1": "x", "option2": "y", "answer": "2"}' ;;
        *) good='{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["d", "e"], "label": "1"}' ;;
    esac
    printf '%s\n%s\n' "$good" "$line" > "$TMP/$name.jsonl"
    expect_error_cmd "$name" "line 2: $want" "$TOK" -t bytes -c "$TMP/$name.bin" -m $task "$TMP/$name.jsonl"
done
# the same as the file's first line: nothing encoded before it, so no ids to copy (a memcpy from a null pointer,
# which UBSan stopped without the error line under make test-asan)
printf '%s\n' '{"sentence": "_ b", "option1": "", "option2": " ", "answer": "1"}' > "$TMP/mc_wg_first.jsonl"
for tj in bytes "$TJ"; do
    expect_error_cmd "mc_winogrande_first_line_no_context_$([ "$tj" = bytes ] && echo bytes || echo tokenizer)" \
        "line 1: option 1 leaves no context before the continuation" "$TOK" -t "$tj" -c "$TMP/mc_wg_first.bin" -m winogrande "$TMP/mc_wg_first.jsonl"
done
expect_error_cmd mc_bad_rendering "-m lmeval: the rendering is llmc, hellaswag, piqa, arc, lambada or winogrande" "$TOK" -t bytes -c "$TMP/x.bin" -m lmeval "$MCJ"
expect_error_cmd mc_rendering_without_c "-m piqa renders multiple-choice examples: it goes with -c" "$TOK" -t "$TJ" -o "$TMP/x" -m piqa "$MCJ"
for f in "-v 0.2" "-s 1000" "-p 4096" "-e 0" "-n 2"; do
    expect_error_cmd "mc_with_shard_flag_${f%% *}" "-c writes an eval file: -v, -s, -p, -e and -n are for shards" "$TOK" -t bytes $f -c "$TMP/x.bin" "$MCJ"
done

# --- a large plain text file is encoded a batch (64 MiB) at a time, not whole: its memory stays bounded.
# 120 copies of tinyshakespeare (134 MB) as one document, under a data-size limit (ulimit -d) of 450 MiB:
# the tokens' buffers alone took 4 bytes per byte (536 MB) when a file was encoded whole. The same copies
# as 120 files of their own give the same tokens (-e 0: no end-of-text tokens between them; each copy ends
# with ".\n" and starts with "First": a cut). Not with the sanitizers' builds (their shadow memory does
# not fit the limit).
if [ "$TOK" = ./dev/data/tokenize ] && (ulimit -d 460800) 2>/dev/null; then
    big_args=()
    for i in $(seq 1 120); do cat "$TXT"; ln -s "$PWD/$TXT" "$TMP/ts_copy_$i.txt"; big_args+=("$TMP/ts_copy_$i.txt"); done > "$TMP/big.txt"
    out=$( (ulimit -d 460800 && exec "$TOK" -t "$TJ" -e 0 -n 2 -s 5000000 -o "$TMP/big" "$TMP/big.txt") 2>&1); rc=$?
    if [ "$rc" -eq 0 ]; then ok "large_file_bounded_memory"; else bad "large_file_bounded_memory" "rc $rc: $out"; fi
    run large_file_as_files -e 0 -n 2 -s 5000000 -o "$TMP/bigf" "${big_args[@]}" && {
        if [ "$rc" -eq 0 ] && cmp -s <(payload "$TMP/big_train_*.bin") <(payload "$TMP/bigf_train_*.bin") \
            && cmp -s <(payload "$TMP/big_val_*.bin") <(payload "$TMP/bigf_val_*.bin") \
            && [ "$(payload "$TMP/big_train_*.bin" | wc -c)" -gt 150000000 ]; then
            ok "large_file_as_files"
        else
            bad "large_file_as_files" "the one large file's shards differ from the 120 files' ($(ls "$TMP" | grep -c '^big'))"
        fi
    }
    rm -f "$TMP"/big* "$TMP"/ts_copy_*
else
    echo "SKIP large_file_bounded_memory, large_file_as_files: ulimit -d cannot be set, or $TOK is a sanitizer build (not counted as passed)"
fi
# --- one word of 10 MB (no place to cut, all of it one BPE word): peak memory under 26 bytes per byte of text (GNU
# time's maximum resident set). It took 29.5: NFC's buffers for a text it leaves as it is (ASCII, 6 bytes per byte) and a
# NUL-ended copy of the piece; now 22.7, of it 20 for the BPE's symbol lists and candidate heap
if [ "$TOK" = ./dev/data/tokenize ] && [ -x /usr/bin/time ] && /usr/bin/time -f %M true > /dev/null 2>&1; then
    head -c 10000000 /dev/zero | tr '\0' a > "$TMP/word.txt"
    kb=$(/usr/bin/time -f %M "$TOK" -t "$TJ" -e 0 -v 0 -o "$TMP/word" "$TMP/word.txt" 2>&1 > /dev/null | tail -n 1)
    if [ "$(payload "$TMP/word_train_*.bin" | wc -c)" = 10000000 ] && [ "$kb" -gt 0 ] 2>/dev/null && [ "$kb" -lt $((10000000 * 26 / 1024)) ]; then
        ok "single_word_memory ($kb KB)"
    else bad "single_word_memory" "peak $kb KB for 10 MB of text (want under 26 bytes per byte), $(payload "$TMP/word_train_*.bin" | wc -c) token bytes"; fi
    rm -f "$TMP"/word*
else
    echo "SKIP single_word_memory: no GNU time in /usr/bin, or $TOK is a sanitizer build (not counted as passed)"
fi

finish_checks
