#!/bin/sh
# cli-bench.sh -- rmn-bench --model in the train mode with and without the trainer's optimizer
# step (--optimizer none|sgd|radam): the JSON names the optimizer, --profile shows its step as a
# row of its own (and none without it), and the usage errors: an unknown optimizer, an optimizer
# outside the train mode or without --model; the per-shape conv rows of --profile add up to the
# conv totals. democnn, batch 4, a few steps: a smoke test of the
# measurement, not of its speed.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
B=$RMN_BIN/rmn-bench
jqcheck() { # DESCRIPTION FILE FILTER: passes when the filter yields true
    desc=$1
    if command -v jq > /dev/null 2>&1; then jq -e "$3" "$2" > /dev/null; ok $? "$desc"; else skip "no jq: $desc"; fi
}
small="--model democnn --batch 4 --steps 2 --warmup 1 --threads 1 --json --profile"

for opt in radam sgd; do
    "$B" $small --mode train --optimizer $opt > "$tap_tmp/$opt.json" 2> "$tap_tmp/$opt.err"
    ok $? "--mode train --optimizer $opt exits 0"
    jqcheck "--optimizer $opt: the JSON names it, 2 steps timed, images/s > 0" "$tap_tmp/$opt.json" "
        .kind == \"model\" and .mode == \"train\" and .optimizer == \"$opt\" and .steps == 2 and .images_per_s > 0"
    jqcheck "--optimizer $opt --profile: an optimizer_step row, one call per step, time > 0" "$tap_tmp/$opt.json" '
        [.profile[] | select(.op == "optimizer_step")] | length == 1 and .[0].calls == 1 and .[0].ms > 0'
done
"$B" $small > "$tap_tmp/none.json" 2> "$tap_tmp/none.err"
ok $? "--model without --optimizer exits 0 (train mode by default)"
jqcheck "without --optimizer: optimizer none, no optimizer_step row, the ops still profiled" "$tap_tmp/none.json" '
    .optimizer == "none" and ([.profile[] | select(.op == "optimizer_step")] | length == 0)
    and ([.profile[] | select(.op == "conv2d_bwd")] | length == 1)'
jqcheck "--profile: the convs per shape add up to the conv rows (calls equal, time within 10 %)" "$tap_tmp/none.json" '
    def total(p): [.profile[] | select(.op == p)][0];
    def shapes(k): [.profile_convs[] | select(.op | startswith(k))];
    (total("conv2d_fwd").ms + total("conv2d_bwd").ms) as $t |
    ((shapes("fwd ") + shapes("bwd ")) | map(.ms) | add) as $s |
    (shapes("fwd ") | length) >= 2 and
    ((shapes("fwd ") | map(.calls) | add) == total("conv2d_fwd").calls) and
    ((shapes("bwd ") | map(.calls) | add) == total("conv2d_bwd").calls) and
    (($s - $t) | fabs) <= 0.1 * $t + 0.05 and
    (.profile_convs | map(.op | test("^(fwd|bwd) [0-9]+x[0-9]+/[0-9]+ g[0-9]+ [0-9]+->[0-9]+ @[0-9]+x[0-9]+$")) | all)'
"$B" --model democnn --batch 4 --steps 1 --warmup 0 --threads 1 --profile > "$tap_tmp/text.out" 2>&1
grep -q "per conv shape" "$tap_tmp/text.out" && grep -q "^  fwd 3x3/1 g1 " "$tap_tmp/text.out"
ok $? "--profile without --json: the per-shape conv rows under their heading"
"$B" $small --optimizer none > "$tap_tmp/none2.json" 2>&1
ok $? "--optimizer none exits 0"
jqcheck "--optimizer none: optimizer none, no optimizer_step row" "$tap_tmp/none2.json" '
    .optimizer == "none" and ([.profile[] | select(.op == "optimizer_step")] | length == 0)'
"$B" $small --mode infer > "$tap_tmp/infer.json" 2>&1
jqcheck "--mode infer: no optimizer field" "$tap_tmp/infer.json" 'has("optimizer") | not'

"$B" $small --optimizer adagrad > "$tap_tmp/bad.out" 2> "$tap_tmp/bad.err"
[ $? -eq 2 ] && grep -q "unknown optimizer 'adagrad'" "$tap_tmp/bad.err" && grep -q "radam" "$tap_tmp/bad.err" &&
    [ ! -s "$tap_tmp/bad.out" ]
ok $? "--optimizer adagrad: exit 2 naming it and the known ones, nothing measured: $(head -1 "$tap_tmp/bad.err")"
"$B" $small --mode infer --optimizer sgd > /dev/null 2> "$tap_tmp/inf.err"
[ $? -eq 2 ] && grep -q "train mode only" "$tap_tmp/inf.err"
ok $? "--mode infer --optimizer sgd: exit 2"
"$B" --peak --optimizer radam > /dev/null 2> "$tap_tmp/peak.err"
[ $? -eq 2 ] && grep -q "with --model" "$tap_tmp/peak.err"
ok $? "--peak --optimizer radam: exit 2"
"$B" --help | grep -q -- "--optimizer NAME"
ok $? "--help documents --optimizer"
done_testing
