#!/bin/sh
# cli-faults.sh -- a full disk and I/O errors met by the programs themselves: tests/faultfs.so,
# preloaded, fails the k-th write or fsync of the store, of a checkpoint or of a report file.
# rmn-exp (rmn-report) stops with exit 1 and a message naming the file and the error, nothing
# crashes, the store stays consistent (integrity, foreign keys, no half-written row, every
# FINISHED run complete), and once the disk is freed, running the experiment again ends exactly
# as an uninterrupted run (weights, predictions, ensembles). See docs/FAULTS.md.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
. "${RMN_SRCDIR:-.}/tests/faults-lib.sh"
exp="$RMN_BIN/rmn-exp"
rep="$RMN_BIN/rmn-report"
spec="$RMN_SRCDIR/tests/data/exp-kill.json"
shim="$RMN_BUILDDIR/tests/faultfs.so"
export RMN_PROGRESS=plain
unset RMN_CHECKPOINTS RMN_DB FAULTFS_PATH FAULTFS_AT LD_PRELOAD
[ -r "$shim" ] || { echo "1..0 # SKIP $shim not built"; exit 0; }
preload=$shim
asan=$(ldd "$exp" 2>/dev/null | awk '/libasan/ { print $3; exit }')
[ -n "$asan" ] && preload="$asan:$shim"

# --- the uninterrupted reference, counting the store's and the checkpoints' writes -------------------
ref=$tap_tmp/ref
mkdir -p "$ref/report"
LD_PRELOAD="$preload" FAULTFS_PATH="$ref/k.db" FAULTFS_LOG="$tap_tmp/store.count" \
    "$exp" run "$spec" --db "$ref/k.db" --checkpoints "$ref/ckpt" >/dev/null 2>&1
ok $? "reference run"
"$rep" --db "$ref/k.db" --experiment kill --markdown --out-dir "$ref/report" >/dev/null 2>&1
fingerprint "$ref" >"$tap_tmp/ref.fp"
n_store=$(counted "$tap_tmp/store.count")
[ "$n_store" -gt 100 ] && [ -z "$(problems "$ref/k.db")" ]; ok $? "reference: consistent, $n_store writes to the store"

# fault NAME FILE-PART OP ACTION STICKY K MESSAGE-REGEX: rmn-exp run under the fault, then again
fault() {
    name=$1; d=$tap_tmp/$1
    mkdir -p "$d/report"
    # RMN_DEBUG=1: the message ends with its source place, which tells the layer that failed
    RMN_DEBUG=1 LD_PRELOAD="$preload" FAULTFS_PATH="$d/$2" FAULTFS_OP=$3 FAULTFS_ACTION=$4 FAULTFS_STICKY=$5 FAULTFS_AT=$6 \
        FAULTFS_LOG="$d.log" "$exp" run "$spec" --db "$d/k.db" --checkpoints "$d/ckpt" >"$d.out" 2>"$d.err"
    rc=$?
    grep -q "^faultfs: inject" "$d.log"; ok $? "$name: $(grep -h '^faultfs: inject' "$d.log" | sed "s|$tap_tmp/||")"
    [ $rc -eq 1 ]; ok $? "$name: rmn-exp stops with exit 1 (got $rc)"
    msg=$(grep '^rmn-exp: error:' "$d.err" | sed "s|$tap_tmp/||g")
    grep -q "^rmn-exp: error: .*$7" "$d.err"; ok $? "$name: a clear message: $msg"
    ! grep -q "AddressSanitizer\|runtime error\|Segmentation\|Aborted" "$d.err"; ok $? "$name: nothing crashed"
    bad=$(problems "$d/k.db")
    [ -z "$bad" ]; ok $? "$name: the store is consistent$( [ -z "$bad" ] || echo ": $bad" | head -3 | tr '\n' ' ')"
    "$exp" run "$spec" --db "$d/k.db" --checkpoints "$d/ckpt" >>"$d.out" 2>>"$d.err"
    ok $? "$name: with the disk freed, running it again finishes"
    "$rep" --db "$d/k.db" --experiment kill --markdown --out-dir "$d/report" >/dev/null 2>&1
    bad=$(problems "$d/k.db"; artifacts_match "$d/k.db")
    fingerprint "$d" | diff "$tap_tmp/ref.fp" - >"$d.diff" && [ -z "$bad" ]
    ok $? "$name: and ends as the uninterrupted run (weights, predictions, ensembles)$(head -c 300 "$d.diff" | tr '\n' ' ')${bad:+ $bad}"
}

fault store-full-schema k.db write enospc 1 12 "k.db: .*database or disk is full (src/store/"
fault store-full k.db write enospc 1 $((n_store / 2)) "run killcnn.*k.db: .*database or disk is full (src/store/"
fault store-eio k.db write eio 0 $((n_store / 3)) "k.db: .*disk I/O error (src/store/"
# (the last writes are the WAL's checkpoint into the main file at close: a failure there is absorbed,
# everything being committed in the WAL; 150 before the end is inside the ensembles' fusion)
fault store-full-ensemble k.db write enospc 1 $((n_store - 150)) "recording the .* ensemble of experiment kill: .*k.db: .*database or disk is full (src/store/"
fault checkpoint-full ckpt/ write enospc 1 100 "safetensors: write failed: No space left on device"
fault checkpoint-fsync ckpt/ sync eio 0 3 "safetensors: fsync failed: Input/output error"

# --- rmn-report on a full disk: exit 1, a clear message, no half-written file ----------------------
d=$tap_tmp/report-full
mkdir -p "$d"
LD_PRELOAD="$preload" FAULTFS_PATH="$d/" FAULTFS_OP=write FAULTFS_ACTION=enospc FAULTFS_STICKY=1 FAULTFS_AT=3 \
    "$rep" --db "$ref/k.db" --experiment kill --markdown --out-dir "$d" >/dev/null 2>"$d.err"
[ $? -eq 1 ]; ok $? "rmn-report on a full disk: exit 1"
grep -q "^rmn-report: error: .*report-full/tab-.*md: write failed: No space left on device" "$d.err"
ok $? "rmn-report: a clear message: $(grep error "$d.err" | sed "s|$tap_tmp/||g" | head -1)"
torn=$(cd "$d" && for f in *; do [ -e "$f" ] || continue; cmp -s "$f" "$ref/report/$f" || echo "$f"; done)
[ -z "$torn" ] && [ "$(ls "$d" | wc -l)" -ge 1 ]; ok $? "rmn-report: the files written before are whole, no temporary left${torn:+: $torn}"

done_testing
