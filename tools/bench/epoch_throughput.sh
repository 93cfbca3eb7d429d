#!/bin/sh
# epoch_throughput.sh -- issue #15's end-to-end figure: the training images/s of a real epoch of
# `rmn-exp run` (resnet18-tv48, the thesis recipe: experiments/parity-tv48.json, batch 48,
# RAdam, flip + rotation) against rmn-bench's step of the same net, batch and optimizer (no
# data path), and against PyTorch training the same recipe (tools/parity/train_torch.py, model
# and input in channels_last). Rounds interleave the three, the order rotating, so that the
# machine's clock swings fall on all alike; each prints its images/s, and the table gives the
# medians and the per-round ratios' median and min-max.
#   sh tools/bench/epoch_throughput.sh DATA [ROUNDS]
# DATA: FER2013 (the full fer2013.csv.xz for the figure; the bundled sample for a smoke run).
# BIN (default src), THREADS (2), EPOCHS (1), PYTHON (/usr/bin/python3), KEEP (a directory to
# keep the runs in; default a temporary one, removed). The epoch's images/s are what each
# trainer records for its training pass (rmn: the store's images_per_s metric; PyTorch: its
# metrics.csv): shuffling, augmentation, batching, forward, backward and the optimizer, without
# the validation pass and the data file's parsing. Needs sqlite3 and awk. Run it on a quiet
# machine: never beside a training.
set -eu
data=$1; rounds=${2:-3}
bin=${BIN:-src}; threads=${THREADS:-2}; epochs=${EPOCHS:-1}; py=${PYTHON:-/usr/bin/python3}
exp=experiments/parity-tv48.json
[ -f "$exp" ] || { echo "epoch_throughput.sh: run it from the source tree ($exp not found)" >&2; exit 2; }
[ -f "$data" ] || { echo "epoch_throughput.sh: $data: no such file" >&2; exit 2; }
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

rmn_epoch() {  # ROUND -> images/s of the last epoch's training pass
    db=$work/rmn-r$1.db
    rm -f "$db"
    OMP_WAIT_POLICY=passive "$bin/rmn-exp" run "$exp" --index 0 --seed 1 --epochs "$epochs" --threads "$threads" \
        --data "$data" --db "$db" > "$work/rmn-r$1.log" 2>&1
    sqlite3 "$db" "select value from metrics where key = 'images_per_s' order by step desc limit 1"
}
torch_epoch() {
    out=$work/torch-r$1
    rm -rf "$out"
    OMP_WAIT_POLICY=passive "$py" tools/parity/train_torch.py "$exp" --run resnet18-tv48 --seed 1 --epochs "$epochs" \
        --threads "$threads" --data "$data" --out "$out" > "$work/torch-r$1.log" 2>&1
    tail -n 1 "$out/metrics.csv" | awk -F, '{ print $NF }'
}
bench_step() {
    OMP_WAIT_POLICY=passive "$bin/rmn-bench" --model resnet18-tv48 --batch 48 --mode train --optimizer radam \
        --threads "$threads" --steps 20 --warmup 3 --json |
        sed -n 's/.*"images_per_s":\([0-9.e+]*\).*/\1/p'
}
median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }

: > "$work/rounds.tsv"
for r in $(seq 1 "$rounds"); do
    e=; t=; b=
    for k in 0 1 2; do  # the order rotates from round to round
        case $(( (k + r) % 3 )) in
        0) e=$(rmn_epoch "$r") ;;
        1) t=$(torch_epoch "$r") ;;
        2) b=$(bench_step) ;;
        esac
    done
    [ -n "$e" ] && [ -n "$t" ] && [ -n "$b" ] ||
        { echo "epoch_throughput.sh: round $r gave no figure (logs in $work)" >&2; KEEP=1; exit 1; }
    printf '%s\t%s\t%s\t%s\n' "$r" "$e" "$t" "$b" | tee -a "$work/rounds.tsv" |
        awk -F'\t' '{ printf "round %s: rmn-exp epoch %.1f img/s, PyTorch epoch %.1f, rmn-bench step %.1f\n", $1, $2, $3, $4 }' >&2
done
col() { cut -f "$1" "$work/rounds.tsv"; }
ratio() { awk -F'\t' -v a="$1" -v b="$2" '{ print $a / $b }' "$work/rounds.tsv"; }
echo "| | images/s (median of $rounds) |"
echo "|---|---|"
echo "| rmn-exp run, one epoch's training pass | $(col 2 | median) |"
echo "| PyTorch 1.13, the same recipe (channels_last) | $(col 3 | median) |"
echo "| rmn-bench, the step alone (batch 48, RAdam) | $(col 4 | median) |"
echo
echo "rmn-exp / PyTorch: $(ratio 2 3 | median) ($(ratio 2 3 | spread)); rmn-exp / rmn-bench: $(ratio 2 4 | median) ($(ratio 2 4 | spread))"
echo "($threads threads, $epochs epoch(s) per run, $rounds interleaved rounds, $data)"
