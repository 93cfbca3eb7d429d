#!/bin/sh
# cli-default-model.sh -- the model rmn ships (models/default.safetensors): its record
# (models/default.json) matches the file, it scores on the bundled sample's 250 PrivateTest
# images as its recorded PrivateTest accuracy says it should, and rmn-detect uses it when no
# model is given.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
M=$RMN_SRCDIR/models
P=$RMN_SRCDIR/tests/data/photos
RMN_PROGRESS=off
export RMN_PROGRESS
unset RMN_MODEL RMN_CASCADE
if ! command -v jq > /dev/null 2>&1; then
    skip "no jq (installed by .ci/install-deps)"
    done_testing
fi

[ "$(sha256sum "$M/default.safetensors" | cut -d' ' -f1)" = "$(jq -r .sha256 "$M/default.json")" ]
ok $? "default.safetensors is the file default.json describes (sha256)"
recorded=$(jq -r .accuracy.privatetest "$M/default.json")
awk -v a="$recorded" 'BEGIN { exit !(a >= 0.65) }'
ok $? "its recorded PrivateTest accuracy is at least 65% ($recorded)"

"$RMN_BIN/rmn-eval" "$M/default.safetensors" --split test --json > "$tap_tmp/eval.json" 2> "$tap_tmp/eval.err"
ok $? "rmn-eval on the bundled sample's test split (250 PrivateTest images) exits 0"
acc=$(jq -r .accuracy_frac "$tap_tmp/eval.json")
# 250 images: a binomial standard deviation of about 3 points around the full-split figure
awk -v a="$acc" -v r="$recorded" 'BEGIN { exit !(a >= r - 0.10 && a <= r + 0.10) }'
ok $? "its accuracy there ($acc) is within 10 points of the recorded PrivateTest figure"

# --tta-augment: TTA drawn from another augmentation (docs/PARITY.md). No augmentation at all is
# the plain evaluation, probability for probability; a certain flip is not.
"$RMN_BIN/rmn-eval" "$M/default.safetensors" --split test --probs "$tap_tmp/plain.csv" > /dev/null 2>&1 &&
    "$RMN_BIN/rmn-eval" "$M/default.safetensors" --split test --tta 1 --tta-augment "" \
        --probs "$tap_tmp/none.csv" > /dev/null 2>&1
ok $? "rmn-eval --tta 1 --tta-augment '' runs"
cmp -s "$tap_tmp/plain.csv" "$tap_tmp/none.csv"
ok $? "... and its probabilities are the plain evaluation's"
"$RMN_BIN/rmn-eval" "$M/default.safetensors" --split test --tta 1 --tta-augment flip=1,interp=nearest \
    --probs "$tap_tmp/flip.csv" > /dev/null 2>&1 && ! cmp -s "$tap_tmp/plain.csv" "$tap_tmp/flip.csv"
ok $? "a certain flip (flip=1) changes them"
"$RMN_BIN/rmn-eval" "$M/default.safetensors" --tta 2 --tta-augment flip=1,rotate=3 > /dev/null 2> "$tap_tmp/bad.err"
[ $? -eq 2 ] && grep -q 'rotate=3' "$tap_tmp/bad.err"
ok $? "an unknown item is a usage error naming it: $(head -n 1 "$tap_tmp/bad.err")"
"$RMN_BIN/rmn-eval" "$M/default.safetensors" --tta-augment flip=1 > /dev/null 2>&1
[ $? -eq 2 ]
ok $? "--tta-augment without --tta is a usage error"

"$RMN_BIN/rmn-detect" --json "$P/astronaut.png" > "$tap_tmp/default.json" 2> "$tap_tmp/default.err"
ok $? "rmn-detect without --model exits 0 (uses the shipped model)"
"$RMN_BIN/rmn-detect" --json --model "$M/default.safetensors" "$P/astronaut.png" > "$tap_tmp/explicit.json" 2> /dev/null
cmp -s "$tap_tmp/default.json" "$tap_tmp/explicit.json"
ok $? "its output equals that of --model models/default.safetensors"
jq -e '.[0].faces | length == 1' "$tap_tmp/default.json" > /dev/null &&
    jq -e '.[0].faces[0].emo_label == "happy"' "$tap_tmp/default.json" > /dev/null
ok $? "the smiling astronaut is happy ($(jq -c '.[0].faces[0] | {emo_label, emo_proba}' "$tap_tmp/default.json"))"
done_testing
