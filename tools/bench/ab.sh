#!/bin/sh
# ab.sh -- two builds of rmn compared on rmn-bench, interleaved (A, B, A, B, ... in each round) so
# that the machine's clock swings fall on both alike: per model and mode, each build's median
# images/s over the rounds and the ratio B/A with its spread (the per-round ratios' min-max).
#   sh tools/bench/ab.sh BUILD_A BUILD_B [ROUNDS]
# MODELS (default "resnet18-tv48"; "all": every name `rmn-exp names archs` prints), MODES
# (default "train infer"), BATCH (64), THREADS (2), STEPS (10), WARMUP (2) change what is
# measured. A_ARGS and B_ARGS add rmn-bench options to one side only, so that one build can be
# set against itself: `B_ARGS="--precision bf16" sh tools/bench/ab.sh . .` is bf16 against fp32.
# Needs jq. Run it on a quiet machine.
set -eu
a=$1; b=$2; rounds=${3:-3}
models=${MODELS:-resnet18-tv48}; modes=${MODES:-train infer}
batch=${BATCH:-64}; threads=${THREADS:-2}; steps=${STEPS:-10}; warmup=${WARMUP:-2}
[ "$models" = all ] && models=$("$a/src/rmn-exp" names archs)
ips() {  # BUILD MODEL MODE EXTRA-ARGS -> images/s
    # shellcheck disable=SC2086
    "$1/src/rmn-bench" --model "$2" --mode "$3" --batch "$batch" --threads "$threads" \
        --steps "$steps" --warmup "$warmup" $4 --json | jq -r 'select(.kind == "model") | .images_per_s'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-22s %-6s %12s %12s %8s %15s\n' model mode "A img/s" "B img/s" "B/A" "B/A min-max"
for m in $models; do
    for mode in $modes; do
        ra=; rb=; rr=
        i=0
        while [ $i -lt "$rounds" ]; do
            x=$(ips "$a" "$m" "$mode" "${A_ARGS:-}"); y=$(ips "$b" "$m" "$mode" "${B_ARGS:-}")
            ra="$ra $x"; rb="$rb $y"; rr="$rr $(echo "$y $x" | awk '{ printf "%.4f", $1 / $2 }')"
            i=$((i + 1))
        done
        ma=$(echo $ra | tr ' ' '\n' | median); mb=$(echo $rb | tr ' ' '\n' | median)
        mr=$(echo $rr | tr ' ' '\n' | median)
        lo=$(echo $rr | tr ' ' '\n' | sort -g | head -n 1); hi=$(echo $rr | tr ' ' '\n' | sort -g | tail -n 1)
        printf '%-22s %-6s %12.1f %12.1f %8.3f %7.3f-%-7.3f\n' "$m" "$mode" "$ma" "$mb" "$mr" "$lo" "$hi"
    done
done
