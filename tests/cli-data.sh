#!/bin/sh
# cli-data.sh -- rmn-data: info on the bundled sample (checked against data/README.md), JSON,
# bad input (exit 1 with a message naming file and line), usage errors (exit 2), sampling.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
RMN_CACHE_DIR=$tap_tmp/cache
export RMN_CACHE_DIR
D=$RMN_BIN/rmn-data
readme=$RMN_SRCDIR/data/README.md

# A 3-row CSV; row 2 (line 3) has 2303 pixels.
awk 'BEGIN { print "emotion,pixels,Usage";
  for (r = 0; r < 3; r++) { n = (r == 1) ? 2303 : 2304; s = "";
    for (j = 0; j < n; j++) s = s (j ? " " : "") (r * 13 + j) % 256;
    print r "," s ",Training" } }' > "$tap_tmp/bad.csv"
sed '3d' "$tap_tmp/bad.csv" > "$tap_tmp/good.csv"

"$D" info "$tap_tmp/good.csv" > "$tap_tmp/good.out" 2>&1
ok $? "info on a good 2-row file exits 0"
grep -q '^train  *1  *0  *1  *0  *0  *0  *0  *2$' "$tap_tmp/good.out"
ok $? "info counts the rows per class"

"$D" info "$tap_tmp/bad.csv" > "$tap_tmp/bad.out" 2> "$tap_tmp/bad.err"
[ $? -eq 1 ]
ok $? "info on a bad file exits 1"
grep -q '^rmn-data: error: .*bad\.csv:3: row has 2303 pixels, expected 2304' "$tap_tmp/bad.err"
ok $? "the message names file, line and problem: $(cat "$tap_tmp/bad.err")"

"$D" info "$tap_tmp/nonexistent.csv" 2> "$tap_tmp/miss.err"
[ $? -eq 1 ] && grep -q 'nonexistent\.csv: No such file' "$tap_tmp/miss.err"
ok $? "missing file: exit 1 naming it"

"$D" > /dev/null 2>&1; [ $? -eq 2 ]; ok $? "no command: exit 2"
"$D" info a b > /dev/null 2>&1; [ $? -eq 2 ]; ok $? "info with two files: exit 2"
"$D" frob > /dev/null 2>&1; [ $? -eq 2 ]; ok $? "unknown command: exit 2"
"$D" sample --train -3 x > /dev/null 2>&1; [ $? -eq 2 ]; ok $? "negative count: exit 2"

if [ -n "${RMN_SAMPLE:-}" ] && [ -f "$RMN_SAMPLE" ]; then
    "$D" info > "$tap_tmp/info.out" 2> "$tap_tmp/info.err"
    ok $? "info without FILE reads the bundled sample"
    grep -q "^file  *$RMN_SAMPLE\$" "$tap_tmp/info.out"
    ok $? "it names the sample's path"
    for split in train val test total; do
        want=$(grep "^| $split |" "$readme" | tr -d '|' | sed 's/^ *//; s/  */ /g; s/ *$//')
        got=$(grep "^$split " "$tap_tmp/info.out" | sed 's/  */ /g; s/ *$//')
        [ -n "$want" ] && [ "$got" = "$want" ]
        ok $? "sample $split row matches data/README.md ($got)"
    done
    sha=$(grep '^sha256 ' "$tap_tmp/info.out" | awk '{print $2}')
    grep -q "sha256 \`$sha\`" "$readme"
    ok $? "the sample's sha256 is the one data/README.md gives"
    ls "$RMN_CACHE_DIR"/"$sha".fercache > /dev/null 2>&1
    ok $? "the decode cache was written under RMN_CACHE_DIR"
    "$D" info > "$tap_tmp/info2.out" 2>&1 && cmp -s "$tap_tmp/info.out" "$tap_tmp/info2.out"
    ok $? "a second (cached) info prints the same"

    "$D" info --json "$RMN_SAMPLE" > "$tap_tmp/info.json"
    ok $? "info --json exits 0"
    total=$(grep "^| total |" "$readme" | awk -F'|' '{print $10}' | tr -d ' ')
    tr -d ' \n' < "$tap_tmp/info.json" | grep -q "\"total\":{\"total\":$total,"
    ok $? "JSON total is $total"

    # a truncated compressed stream
    head -c 1000000 "$RMN_SAMPLE" > "$tap_tmp/cut.csv.xz"
    "$D" info "$tap_tmp/cut.csv.xz" 2> "$tap_tmp/cut.err"
    [ $? -eq 1 ] && grep -q 'cut\.csv\.xz: truncated or corrupt data' "$tap_tmp/cut.err"
    ok $? "truncated .xz: exit 1, $(cat "$tap_tmp/cut.err")"

    # stratified sampling is deterministic and has the asked sizes
    "$D" sample --train 120 --val 30 --test 30 --seed 3 "$RMN_SAMPLE" > "$tap_tmp/s1.csv"
    ok $? "sample exits 0"
    "$D" sample --train 120 --val 30 --test 30 --seed 3 -o "$tap_tmp/s2.csv" "$RMN_SAMPLE"
    cmp -s "$tap_tmp/s1.csv" "$tap_tmp/s2.csv"
    ok $? "same seed, same bytes (stdout and -o)"
    "$D" sample --train 120 --val 30 --test 30 --seed 4 "$RMN_SAMPLE" | cmp -s - "$tap_tmp/s1.csv"
    [ $? -ne 0 ]
    ok $? "another seed, another sample"
    "$D" info "$tap_tmp/s1.csv" > "$tap_tmp/s1.out"
    grep -q '^train .* 120$' "$tap_tmp/s1.out" && grep -q '^val .* 30$' "$tap_tmp/s1.out" &&
        grep -q '^test .* 30$' "$tap_tmp/s1.out"
    ok $? "sample sizes 120/30/30"
    ! grep '^train ' "$tap_tmp/s1.out" | grep -q ' 0 '
    ok $? "every class is in the sampled train split"
else
    skip "bundled sample not found (RMN_SAMPLE=${RMN_SAMPLE:-unset})"
fi
done_testing
