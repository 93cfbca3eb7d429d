#!/bin/sh
# make-sample.sh -- rebuilds data/fer2013-sample.csv.xz, the bundled FER2013 sample, from the full
# Kaggle file with `rmn-data sample` (deterministic, stratified) piped into `xz -9`.
# usage: data/make-sample.sh FULL [RMN_DATA] [OUT]
#   FULL      fer2013.csv, fer2013.csv.xz or the Kaggle fer2013.tar.gz
#   RMN_DATA  the rmn-data program (default: rmn-data on PATH)
#   OUT       default: fer2013-sample.csv.xz next to this script
set -eu
full=${1:?usage: make-sample.sh FULL [RMN_DATA] [OUT]}
rmn_data=${2:-rmn-data}
out=${3:-$(dirname "$0")/fer2013-sample.csv.xz}
TRAIN=${TRAIN:-1800}
VAL=${VAL:-250}
TEST=${TEST:-250}
SEED=${SEED:-1}
"$rmn_data" sample --train "$TRAIN" --val "$VAL" --test "$TEST" --seed "$SEED" "$full" \
    | xz -9 -T1 -c > "$out.tmp"
mv "$out.tmp" "$out"
"$rmn_data" info "$out"
