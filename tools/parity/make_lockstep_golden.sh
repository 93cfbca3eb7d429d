#!/bin/sh
# make_lockstep_golden.sh -- tests/data/parity-golden.csv for tests/cli-parity.sh: PyTorch 1.13
# (tools/parity/train_torch.py) trains tests/data/exp-parity.json's run from rmn's initial
# weights (rmn-export --arch resnet18 --width 8 --seed 1 --torch) on rmn's batches and
# augmentation draws (--rmn-streams), on the test's tiny data (tests/parity-data.sh), and writes
# its per-epoch metrics. Run once from the source tree after building; needs /usr/bin/python3
# with Debian's python3-torch.
#   sh tools/parity/make_lockstep_golden.sh [BUILD_DIR]
set -eu
build=${1:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh tests/parity-data.sh data/fer2013-sample.csv.xz > "$tmp/tiny.csv"
"$build/src/rmn-export" --arch resnet18 --width 8 --seed 1 --torch "$tmp/init.pth"
/usr/bin/python3 tools/parity/train_torch.py tests/data/exp-parity.json --run lockstep --seed 1 \
    --data "$tmp/tiny.csv" --threads 1 --epochs 3 --init "$tmp/init.pth" --rmn-streams \
    --cache "$tmp" --out "$tmp/out"
{
    echo "# tools/parity/make_lockstep_golden.sh: PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), train_torch.py --rmn-streams --init (rmn's seed-1 weights)"
    cut -d, -f1-5 "$tmp/out/metrics.csv"
} > tests/data/parity-golden.csv
cat tests/data/parity-golden.csv
