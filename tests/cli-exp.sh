#!/bin/sh
# cli-exp.sh -- rmn-exp end to end on the bundled sample: a short experiment runs and leaves its
# run, epochs, evals and predictions in the store; list and show read them back; malformed data,
# bad usage and a locked store fail cleanly without writing anything.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
exp="$RMN_BIN/rmn-exp"
tiny="$RMN_SRCDIR/tests/data/exp-tiny.json"
db="$tap_tmp/rmn.db"
export RMN_PROGRESS=plain RMN_CACHE_DIR="$tap_tmp/cache"

# --- a short run end to end ------------------------------------------------------------------
"$exp" run "$tiny" --db "$db" >"$tap_tmp/run.out" 2>"$tap_tmp/run.err"
ok $? "rmn-exp run (tiny experiment on the sample) exits 0"
grep -q "test acc" "$tap_tmp/run.out"; ok $? "it prints the test accuracy"
grep -q "epoch 2/2" "$tap_tmp/run.err"; ok $? "progress lines name the epochs"
q() { sqlite3 "$db" "$1"; }
[ "$(q "SELECT status FROM runs")" = FINISHED ]; ok $? "the run is FINISHED in the store"
[ "$(q "SELECT COUNT(DISTINCT step) FROM metrics WHERE key='val_acc'")" = 2 ]; ok $? "two epochs of metrics"
[ "$(q "SELECT COUNT(*) FROM evals")" = 4 ]; ok $? "val and test evaluations stored, without and with TTA"
nval=$(q "SELECT n_samples FROM evals WHERE split='val' AND tta_n=0")
ntest=$(q "SELECT n_samples FROM evals WHERE split='test' AND tta_n=0")
[ "$(q "SELECT COUNT(*) FROM predictions")" = $((2 * (nval + ntest))) ]; ok $? "one prediction per val/test sample and evaluation ($nval + $ntest, twice)"
[ "$(q "SELECT COUNT(*) FROM predictions WHERE length(probs) != 56")" = 0 ]; ok $? "7 float64 probabilities per prediction"
[ "$(q "SELECT value FROM params WHERE key='arch'")" = democnn ]; ok $? "parameters recorded"
[ -n "$(q "SELECT dataset_sha256 FROM runs")" ]; ok $? "data set digest recorded"
acc=$(q "SELECT 1.0*n_correct/n_samples FROM evals WHERE split='test' AND tta_n=0")
awk -v a="$acc" 'BEGIN { exit !(a > 0.0 && a <= 1.0) }'; ok $? "test accuracy is a fraction ($acc)"

"$exp" list --db "$db" >"$tap_tmp/list.out" 2>&1; ok $? "rmn-exp list exits 0"
grep -q "tinycnn-s3" "$tap_tmp/list.out" && grep -q FINISHED "$tap_tmp/list.out"; ok $? "list shows the run and its status"
"$exp" show tinycnn-s3 --db "$db" >"$tap_tmp/show.out" 2>&1; ok $? "rmn-exp show RUN exits 0"
grep -q "val_acc" "$tap_tmp/show.out"; ok $? "show prints the epoch metrics"
"$exp" show no-such-run --db "$db" >/dev/null 2>"$tap_tmp/show.err"; [ $? -eq 1 ]; ok $? "show of an unknown run exits 1"
grep -q "rmn-exp: error: .*no-such-run" "$tap_tmp/show.err"; ok $? "and names the run"

# --- the model zoo listing ----------------------------------------------------------------------
"$exp" models --json >"$tap_tmp/models.json"; ok $? "rmn-exp models --json exits 0"
jq -e 'map(select(.name == "resnet18" and .profile == "224"))[0].params == 11180103 and
       map(select(.name == "democnn"))[0].profile == "48" and all(.[]; .macs > 0)' "$tap_tmp/models.json" >/dev/null
ok $? "it lists name, profile, params and MACs (resnet18 at 224: 11,180,103 parameters)"

# --- usage errors exit 2 ---------------------------------------------------------------------
"$exp" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "no command: exit 2"
"$exp" run >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "run without experiment: exit 2"
"$exp" run demo --epochs zero >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "bad --epochs: exit 2"
"$exp" frobnicate >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "unknown command: exit 2"
"$exp" --version | grep -q "^rmn-exp "; ok $? "--version"

# --- malformed data: clear errors, nothing written --------------------------------------------
xz -dc "$RMN_SAMPLE" | head -n 6 >"$tap_tmp/good.csv"
before=$(q "SELECT (SELECT COUNT(*) FROM runs) || '/' || (SELECT COUNT(*) FROM metrics) || '/' || (SELECT COUNT(*) FROM predictions)")
bad_case() { # name, awk program applied to data line 3 (file line 4), expected message part
    awk -v FS=, -v OFS=, "NR == 4 { $2 } { print }" "$tap_tmp/good.csv" >"$tap_tmp/$1.csv"
    "$exp" run "$tiny" --db "$tap_tmp/fresh-$1.db" --data "$tap_tmp/$1.csv" >/dev/null 2>"$tap_tmp/$1.err"
    rc=$?
    [ $rc -eq 1 ]; ok $? "$1: exit 1"
    grep -q "$1.csv:4: .*$3" "$tap_tmp/$1.err"; ok $? "$1: message names file, line and problem: $(grep error "$tap_tmp/$1.err" | head -c 200)"
    [ ! -e "$tap_tmp/fresh-$1.db" ]; ok $? "$1: no store created"
    "$exp" run "$tiny" --db "$db" --data "$tap_tmp/$1.csv" >/dev/null 2>&1
    [ "$(q "SELECT (SELECT COUNT(*) FROM runs) || '/' || (SELECT COUNT(*) FROM metrics) || '/' || (SELECT COUNT(*) FROM predictions)")" = "$before" ]
    ok $? "$1: existing store unchanged"
}
bad_case short-row 'sub(/ [0-9]+$/, "", $2)' "2303"
bad_case pixel-256 'sub(/^[0-9]+/, "256", $2)' "256"
bad_case label-7 '$1 = 7' "label"
bad_case usage 'sub(/.*/, "PrivateTset", $3)' "PrivateTset"
head -c 20000 "$RMN_SAMPLE" >"$tap_tmp/truncated.csv.xz"
"$exp" run "$tiny" --db "$tap_tmp/fresh-trunc.db" --data "$tap_tmp/truncated.csv.xz" >/dev/null 2>"$tap_tmp/trunc.err"
[ $? -eq 1 ]; ok $? "truncated archive: exit 1"
grep -q "truncated.csv.xz" "$tap_tmp/trunc.err"; ok $? "truncated archive: message names the file: $(grep error "$tap_tmp/trunc.err" | head -c 200)"
[ ! -e "$tap_tmp/fresh-trunc.db" ]; ok $? "truncated archive: no store created"

# --- a locked store: a clear error after the busy timeout, nothing damaged -------------------------
before=$(q "SELECT COUNT(*) FROM runs")
(echo "BEGIN EXCLUSIVE;"; sleep 6; echo "COMMIT;") | sqlite3 "$db" &
locker=$!
sleep 1
RMN_BUSY_TIMEOUT_MS=300 "$exp" run "$tiny" --db "$db" --seed 99 >/dev/null 2>"$tap_tmp/locked.err"
[ $? -eq 1 ]; ok $? "locked store: exit 1"
grep -q "rmn-exp: error: .*rmn.db.*locked" "$tap_tmp/locked.err"; ok $? "locked store: message names the store: $(grep error "$tap_tmp/locked.err" | head -c 200)"
wait $locker
[ "$(q "SELECT COUNT(*) FROM runs")" = "$before" ] && [ "$(q "PRAGMA integrity_check")" = ok ]
ok $? "locked store: nothing written, integrity ok"

# --- a stop request (SIGTERM) ends the run as KILLED -------------------------------------------
"$exp" run "$tiny" --db "$db" --epochs 50 >/dev/null 2>"$tap_tmp/term.err" &
pid=$!
i=0
while [ "$(q "SELECT COUNT(*) FROM metrics m JOIN runs r USING (run_id) WHERE r.status='RUNNING'")" -lt 1 ] && [ $i -lt 600 ]; do
    sleep 0.2; i=$((i + 1))
done
kill -TERM $pid
wait $pid
[ $? -eq 1 ]; ok $? "SIGTERM: exit 1"
[ "$(q "SELECT status FROM runs ORDER BY run_id DESC LIMIT 1")" = KILLED ]; ok $? "SIGTERM: the run is KILLED"
[ -n "$(q "SELECT error_text FROM runs ORDER BY run_id DESC LIMIT 1")" ]; ok $? "SIGTERM: the reason is recorded"

done_testing
