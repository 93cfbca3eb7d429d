#!/bin/sh
# tools/refactor/same-weights.sh -- proof that a refactoring changed no arithmetic: trains the
# same short runs with two builds (same seeds, same threads) and compares every checkpoint's
# tensor bytes and every stored prediction. Not a test (it trains for minutes); run it by hand
# before merging a change that claims "no behaviour change".
#   tools/refactor/same-weights.sh OLD_BUILD_DIR NEW_BUILD_DIR [THREADS]
# Each BUILD_DIR is a built tree (its src/rmn-exp is used). Exit 0 when all agree.
set -eu
old=$(cd "$1" && pwd); new=$(cd "$2" && pwd); threads=${3:-2}
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

train() {  # BUILD OUTDIR
    mkdir -p "$2"
    (cd "$2" &&
     "$1/src/rmn-exp" run "$here/experiments/demo.json" --epochs 3 --threads "$threads" \
         --db rmn.db >log 2>&1 &&
     "$1/src/rmn-exp" run "$here/experiments/parity-tv48.json" --data sample --index 0 \
         --epochs 1 --threads "$threads" --db rmn.db >>log 2>&1) ||
        { echo "training with $1 failed:"; tail -n 20 "$2/log"; exit 1; }
}
train "$old" "$work/old"
train "$new" "$work/new"

# tensor bytes of a safetensors file: everything after the 8-byte length and the JSON header
payload() { python3 -c 'import sys,struct,hashlib
b=open(sys.argv[1],"rb").read(); n=struct.unpack("<Q",b[:8])[0]
print(hashlib.sha256(b[8+n:]).hexdigest())' "$1"; }

status=0; n=0
# checkpoints live under the run's UUID (random): pair them by run name
for pair in $(sqlite3 -separator ' ' "$work/old/rmn.db" "SELECT name, run_uuid FROM runs WHERE kind='train' ORDER BY name" | tr ' ' ':'); do
    name=${pair%%:*}; uo=${pair#*:}
    un=$(sqlite3 "$work/new/rmn.db" "SELECT run_uuid FROM runs WHERE name='$name' AND kind='train'")
    for f in $(cd "$work/old/checkpoints/$uo" && ls *.safetensors); do
        n=$((n + 1))
        if [ -z "$un" ] || [ ! -f "$work/new/checkpoints/$un/$f" ]; then
            echo "missing in new: $name/$f"; status=1; continue
        fi
        a=$(payload "$work/old/checkpoints/$uo/$f"); b=$(payload "$work/new/checkpoints/$un/$f")
        [ "$a" = "$b" ] || { echo "DIFFERENT weights: $name/$f"; status=1; }
    done
done
q="SELECT r.name, e.split, e.tta_n, p.sample_idx, p.pred, p.probs FROM predictions p
   JOIN evals e ON e.eval_id = p.eval_id JOIN runs r ON r.run_id = e.run_id
   ORDER BY r.name, e.split, e.tta_n, p.sample_idx"
sqlite3 "$work/old/rmn.db" "$q" | sha256sum >"$work/p.old"
sqlite3 "$work/new/rmn.db" "$q" | sha256sum >"$work/p.new"
cmp -s "$work/p.old" "$work/p.new" || { echo "DIFFERENT predictions"; status=1; }
[ "$n" -gt 0 ] || { echo "no checkpoints were written"; status=1; }
[ $status -eq 0 ] && echo "same: $n checkpoints bit-identical, predictions identical"
exit $status
