#!/bin/sh
# parity-data.sh -- the parity test's tiny FER2013 (tests/cli-parity.sh and
# tools/parity/make_lockstep_golden.sh): the header and the first 96 Training, 32 PublicTest and
# 32 PrivateTest rows of the bundled sample, in the file's order.
#   sh tests/parity-data.sh data/fer2013-sample.csv.xz > tiny.csv
xz -dc "$1" | awk -F, 'NR == 1 { print; next }
    { n[$3]++ }
    ($3 == "Training" && n[$3] <= 96) || ($3 != "Training" && n[$3] <= 32)'
