#!/bin/sh
# cli-import.sh -- published weights from the command line: rmn-import of a thesis-format .pth
# (provenance in the metadata), rmn-eval of the .pth and of the import (same numbers), --probs,
# --store (a run of kind 'imported') and rmn-report's "published weights" row; errors and usage.
. "${RMN_SRCDIR:-.}/tests/tap.sh"

pth=$RMN_SRCDIR/tests/data/pth/resnet18-legacy.pth
data=$RMN_SRCDIR/data/fer2013-sample.csv.xz
small="--arch resnet18 --in-channels 1 --image-size 48 --width 4"

"$RMN_BIN/rmn-import" "$pth" $small -o "$tap_tmp/r18.safetensors" >"$tap_tmp/out" 2>&1
ok $? "rmn-import exits 0"
grep -q 'import.sha256' "$tap_tmp/r18.safetensors" && grep -q 'import.best_val_acc' "$tap_tmp/r18.safetensors" &&
    grep -q 'import.test_acc' "$tap_tmp/r18.safetensors"
ok $? "its metadata keeps the source's SHA-256 and the accuracies it records"

"$RMN_BIN/rmn-eval" "$pth" $small --data "$data" --probs "$tap_tmp/p.csv" 2>/dev/null | head -n 1 | sed 's/^[^ ]*//' >"$tap_tmp/a"
"$RMN_BIN/rmn-eval" "$tap_tmp/r18.safetensors" --data "$data" 2>/dev/null | head -n 1 | sed 's/^[^ ]*//' >"$tap_tmp/b"
[ -s "$tap_tmp/a" ] && cmp -s "$tap_tmp/a" "$tap_tmp/b"
ok $? "rmn-eval of the .pth and of its import agree ($(cat "$tap_tmp/a"))"
[ "$(wc -l <"$tap_tmp/p.csv")" -eq 251 ] && head -n 1 "$tap_tmp/p.csv" | grep -q '^index,label,p0,p1,p2,p3,p4,p5,p6$'
ok $? "--probs writes a header and one row per image"

"$RMN_BIN/rmn-eval" "$pth" $small --data "$data" --store "$tap_tmp/s.db" >/dev/null 2>&1 &&
    "$RMN_BIN/rmn-eval" "$pth" $small --data "$data" --store "$tap_tmp/s.db" --tta 2 >/dev/null 2>&1
ok $? "rmn-eval --store, plain and TTA"
"$RMN_BIN/rmn-report" --db "$tap_tmp/s.db" --markdown --table zoo >"$tap_tmp/rep" 2>&1 &&
    grep -q '^| resnet18 (published weights) | 0.04 | 1 | [0-9.]* | [0-9.]* |$' "$tap_tmp/rep"
ok $? "rmn-report shows one published-weights row with its TTA"

"$RMN_BIN/rmn-eval" "$pth" --data "$data" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 2 ] && grep -q -- '--arch' "$tap_tmp/err"
ok $? "a .pth without --arch is a usage error"
"$RMN_BIN/rmn-import" "$pth" --arch resnet18 --in-channels 1 --image-size 48 --width 8 -o "$tap_tmp/x.safetensors" 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q 'mis-shaped' "$tap_tmp/err" && [ ! -e "$tap_tmp/x.safetensors" ]
ok $? "a checkpoint that does not fit is an error listing the tensors, nothing written"
head -c 5000 "$pth" >"$tap_tmp/cut.pth"
"$RMN_BIN/rmn-import" "$tap_tmp/cut.pth" $small -o "$tap_tmp/x.safetensors" 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q 'cut.pth' "$tap_tmp/err"
ok $? "a truncated file is an error naming it"

done_testing
