#!/bin/sh
# runners/local.sh -- runs an experiment on this machine with every core, logging to a file.
# usage: runners/local.sh EXPERIMENT [rmn-exp run options...]
# The store (rmn.db or $RMN_DB) records every run; the log keeps the progress lines.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 EXPERIMENT [options]" >&2; exit 2; }
exp=$1; shift
bin=${RMN_BIN:-$(dirname "$0")/../src}
threads=$(nproc 2>/dev/null || echo 1)
log=${RMN_LOG:-rmn-$exp-$(date +%Y%m%d-%H%M%S).log}
echo "running $exp with $threads threads; log: $log" >&2
OMP_NUM_THREADS=$threads RMN_PROGRESS=plain "$bin/rmn-exp" run "$exp" --threads "$threads" "$@" 2>&1 | tee "$log"
