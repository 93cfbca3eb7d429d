#!/bin/sh
# cli-validate.sh -- inputs validated whole before any work: an experiment whose ensemble names
# a member no run defines, an unknown arch, a width the arch refuses, duplicate JSON keys -- each
# refused at once, before data loads, with no store created; and every shipped experiment file
# checked (rmn-exp check).
. "${RMN_SRCDIR:-.}/tests/tap.sh"
exp="$RMN_BIN/rmn-exp"
train="$RMN_BIN/rmn-train"
export RMN_PROGRESS=plain RMN_CHECKPOINTS="$tap_tmp/ckpt"

# An ensemble member that no run defines: refused before the first run trains.
cat >"$tap_tmp/badens.json" <<'JSON'
{"name": "badens", "defaults": {"max_epoch_num": 0, "batch_size": 16},
 "runs": [{"arch": "democnn", "model_name": "a", "seeds": [1]}],
 "ensemble": {"members": ["a", "b"]}}
JSON
"$exp" run "$tap_tmp/badens.json" --db "$tap_tmp/e.db" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ]; ok $? "ensemble member defined by no run: exit 1"
grep -q 'ensemble member "b"' "$tap_tmp/err"; ok $? "the error names the member: $(head -c 160 "$tap_tmp/err")"
! grep -q "loading" "$tap_tmp/err"; ok $? "no data was loaded"
[ ! -e "$tap_tmp/e.db" ] && [ ! -e "$tap_tmp/ckpt" ]; ok $? "no store and no checkpoint directory were created"
"$exp" check "$tap_tmp/badens.json" >/dev/null 2>&1; [ $? -eq 1 ]; ok $? "rmn-exp check refuses it too"

# An unknown arch in rmn-train: refused before the data loads, no store, said once.
printf '{"arch": "no_such_net"}\n' >"$tap_tmp/unknown.json"
"$train" --config "$tap_tmp/unknown.json" --db "$tap_tmp/u.db" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ]; ok $? "rmn-train, unknown arch: exit 1"
[ ! -e "$tap_tmp/u.db" ]; ok $? "and no store file is created"
[ "$(grep -c no_such_net "$tap_tmp/err")" = 1 ] && ! grep -q loading "$tap_tmp/err"
ok $? "the error is printed once, before any data loads"

# A width the arch refuses at its profile (a width only applies at 48).
printf '{"arch": "resnet18", "image_size": 224, "in_channels": 3, "width": 16}\n' >"$tap_tmp/width.json"
"$train" --config "$tap_tmp/width.json" --db "$tap_tmp/w.db" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q "width 16" "$tap_tmp/err" && [ ! -e "$tap_tmp/w.db" ]
ok $? "a width at the 224 profile: refused up front ($(head -c 120 "$tap_tmp/err"))"

# Duplicate keys: refused, not last-wins (configuration and experiment files).
printf '{"lr": 0.1, "batch_size": 8, "lr": 0.001}\n' >"$tap_tmp/dup.json"
"$train" --config "$tap_tmp/dup.json" --db "$tap_tmp/d.db" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q "duplicate" "$tap_tmp/err" && grep -q "dup.json" "$tap_tmp/err"
ok $? "a configuration with a duplicate key: refused, naming file and key ($(head -c 120 "$tap_tmp/err"))"
[ ! -e "$tap_tmp/d.db" ]; ok $? "and no store is created"
cat >"$tap_tmp/dupexp.json" <<'JSON'
{"name": "dupexp", "runs": [{"arch": "democnn", "seeds": [1], "arch": "vgg19"}]}
JSON
"$exp" check "$tap_tmp/dupexp.json" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q "duplicate" "$tap_tmp/err"; ok $? "an experiment with a duplicate key inside a run: refused"

# Every shipped experiment file is checked whole. fer2013-thesis names ImageNet trunk weights
# that are not shipped: refused in the first second, naming the file (unless someone placed
# it); every other one is valid.
for f in "$RMN_SRCDIR"/experiments/*.json; do
    name=$(basename "$f" .json)
    if [ "$name" = fer2013-thesis ] && [ ! -e models/pretrained/resnet34-imagenet.safetensors ]; then
        t0=$(date +%s)
        "$exp" check "$f" >/dev/null 2>"$tap_tmp/err"
        [ $? -eq 1 ] && grep -q "pretrained: models/pretrained/resnet34-imagenet.safetensors" "$tap_tmp/err" &&
            [ $(($(date +%s) - t0)) -le 2 ]
        ok $? "experiments/$name.json: refused up front naming its missing weights: $(head -c 200 "$tap_tmp/err")"
    else
        "$exp" check "$f" >"$tap_tmp/out" 2>"$tap_tmp/err"
        ok $? "experiments/$name.json is valid: $(cat "$tap_tmp/out" "$tap_tmp/err" | head -c 160)"
    fi
done

# rmn-train with a pretrained file that is missing: refused before data loads, no store.
printf '{"arch": "democnn", "width": 8, "pretrained": "%s/none.safetensors"}\n' "$tap_tmp" >"$tap_tmp/pre.json"
"$train" --config "$tap_tmp/pre.json" --db "$tap_tmp/pre.db" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q "none.safetensors" "$tap_tmp/err" && [ ! -e "$tap_tmp/pre.db" ]
ok $? "rmn-train: a missing pretrained file refused, no store: $(head -c 200 "$tap_tmp/err")"
done_testing
