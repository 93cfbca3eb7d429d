#!/bin/sh
# zoo_bench.sh -- rmn-bench over every architecture of the zoo, training and inference images/s,
# one JSON line per measurement (plus params and MACs from `rmn-exp models --json`).
#
#   sh tools/bench/zoo_bench.sh BUILD [PROFILE] [BATCH] [STEPS]
# PROFILE 48 (default): each model at the width the fer48-zoo experiment trains it with
# (experiments/fer48-zoo.json; the model's default for those it does not list); 224: the exact
# layers (3x224x224, inception_v3 at 299). Needs jq. Slow at 224 (resmasking50_dropout1 is
# 296 GMACs per image): pass a small BATCH and STEPS. ONLY="a b c" limits the models;
# THREADS (default 2) sets the threads.
set -eu
build=$1
profile=${2:-48}
batch=${3:-16}
steps=${4:-3}
src=$(cd "$(dirname "$0")/../.." && pwd)
threads=${THREADS:-2}
names=${ONLY:-$("$build/src/rmn-exp" models --json | jq -r --arg p "$profile" '.[] | select(.profile == $p) | .name')}
for name in $names; do
    if [ "$profile" = 48 ]; then
        width=$(jq -r --arg n "$name" '[.runs[] | select(.arch == $n) | .width // 0] | first // 0' "$src/experiments/fer48-zoo.json")
        size="--image-size 48 --in-channels 1 --width $width"
        wopt=
        [ "$width" -gt 0 ] && wopt="--width $width"
        # shellcheck disable=SC2086
        info=$("$build/src/rmn-exp" models --json $wopt | jq -c --arg n "$name" '.[] | select(.name == $n and .profile == "48") | {params, macs}')
    else
        width=0
        img=224
        [ "$name" = inception_v3 ] && img=299
        size="--image-size $img --in-channels 3"
        info=$("$build/src/rmn-exp" models --json | jq -c --arg n "$name" '.[] | select(.name == $n and .profile == "224") | {params, macs}')
    fi
    for mode in train infer; do
        # shellcheck disable=SC2086
        "$build/src/rmn-bench" --model "$name" --mode "$mode" --batch "$batch" --steps "$steps" --warmup 1 \
            --threads "$threads" $size --json |
            jq -c --argjson info "$info" --arg profile "$profile" --argjson width "$width" \
                '{model, profile: $profile, width: $width, mode, batch, images_per_s, gflops} + $info'
    done
done
