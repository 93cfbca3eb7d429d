#!/bin/sh
# run_queue.sh -- the parity study's runs (docs/PARITY.md) as a queue that N workers serve, one
# thread each: lines "rmn S" (rmn-exp, experiments/parity-tv48.json, seed S), "torch S"
# (tools/parity/train_torch.py, native PyTorch, seed S) or "swap S" (PyTorch on rmn's streams
# and initial weights of seed S: rmn-export --torch, then train_torch.py --rmn-streams --init)
# in DIR/queue, taken in order. Every job
# resumes (rmn-exp resume; train_torch.py's state.pt) and skips what is finished, so running
# this again after a stop picks up where the runs were; DIR/queue.done logs each finished job.
#   sh tools/parity/run_queue.sh DIR [WORKERS]    (DIR holds fer2013.csv.xz; rmn.db and torch/
#                                                  are written there; RMN_EXP: the rmn-exp to use,
#                                                  its rmn-export beside it)
# Then: python3 tools/parity/compare.py --db DIR/rmn.db --torch bilinear=DIR/torch/bilinear-sS,...
#       (swap=DIR/torch/swap-sS,... for the swap runs)
#       --save tools/parity/results
set -eu
dir=$1; workers=${2:-2}
src=$(cd "$(dirname "$0")/../.." && pwd)
exp=${RMN_EXP:-$src/src/rmn-exp}
export_=$(dirname "$exp")/rmn-export
cd "$dir"
[ -f queue ] || { echo "run_queue.sh: no $dir/queue (lines \"rmn S\", \"torch S\" or \"swap S\")" >&2; exit 2; }
# every input checked before the first hour-long job starts
[ -f fer2013.csv.xz ] || { echo "run_queue.sh: no $dir/fer2013.csv.xz" >&2; exit 2; }
bad=$(grep -nvE '^(rmn|torch|swap) [0-9]+$' queue || true)
[ -z "$bad" ] || { echo "run_queue.sh: $dir/queue: bad lines (want \"rmn S\", \"torch S\" or \"swap S\"):" >&2; echo "$bad" >&2; exit 2; }
if grep -q '^rmn ' queue; then [ -x "$exp" ] || { echo "run_queue.sh: no rmn-exp at $exp" >&2; exit 2; }; fi
if grep -q '^swap ' queue; then [ -x "$export_" ] || { echo "run_queue.sh: no rmn-export at $export_" >&2; exit 2; }; fi
if grep -qE '^(torch|swap) ' queue; then
  /usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "run_queue.sh: /usr/bin/python3 cannot import torch" >&2; exit 2; }
fi
# train_torch.py on the study's run, seed $1, into torch/$2, logging to $3; more options after
train_torch() {
  seed=$1 out=$2 log=$3; shift 3
  /usr/bin/python3 "$src/tools/parity/train_torch.py" "$src/experiments/parity-tv48.json" --run resnet18-tv48 \
    --seed "$seed" --data fer2013.csv.xz --threads 1 --out "torch/$out" "$@" >> "$log" 2>&1
}
job() {
  case $1 in
  rmn)
    case $(sqlite3 rmn.db "select status from runs where name = 'resnet18-tv48-s$2'" 2>/dev/null) in
    FINISHED) return 0 ;;
    "") "$exp" run "$src/experiments/parity-tv48.json" --index 0 --seed "$2" --data fer2013.csv.xz \
          --threads 1 --db rmn.db > "rmn-s$2.log" 2>&1 ;;
    *) "$exp" resume "resnet18-tv48-s$2" --data fer2013.csv.xz --threads 1 --db rmn.db >> "rmn-s$2.log" 2>&1 ;;
    esac ;;
  torch)
    [ -f "torch/bilinear-s$2/final.json" ] && return 0
    train_torch "$2" "bilinear-s$2" "torch-s$2.log" ;;
  swap)
    [ -f "torch/swap-s$2/final.json" ] && return 0
    [ -f "init-s$2.pth" ] || "$export_" --arch resnet18-tv48 --seed "$2" --torch "init-s$2.pth" > "swap-s$2.log" 2>&1
    train_torch "$2" "swap-s$2" "swap-s$2.log" --init "init-s$2.pth" --rmn-streams ;;
  *) echo "run_queue.sh: bad job '$*'" >&2; return 1 ;;
  esac
  echo "$(date -u +%FT%H:%MZ) done: $*" >> queue.done
}
worker() {
  while :; do
    j=$(flock queue.lock sh -c 'head -n 1 queue; sed -i 1d queue')
    [ -z "$j" ] && break
    # shellcheck disable=SC2086
    job $j || echo "$(date -u +%FT%H:%MZ) failed: $j" >> queue.done
  done
}
i=0
while [ "$i" -lt "$workers" ]; do worker & i=$((i + 1)); done
wait
