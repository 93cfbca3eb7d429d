#!/bin/sh
# cli-merge.sh -- one store per cluster task, folded into one (issue #16, point 3): `rmn-exp run
# --index I` trains one run of an experiment into a store of its own; `rmn-exp merge` copies
# every run whole into the target (idempotent by run uuid: a second merge adds nothing), after
# which `rmn-exp fuse` builds the ensemble and rmn-report sees the whole experiment. Refused,
# with the target left exactly as it was: a run trained twice, a copy whose content differs
# under the same uuid (also when another source of the same merge was fine: one transaction),
# a store of another schema version, a file that is not a store, the target as a source.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
exp="$RMN_BIN/rmn-exp"
claim="$RMN_SRCDIR/tests/data/exp-claim.json"
export RMN_PROGRESS=plain RMN_CHECKPOINTS="$tap_tmp/ckpt" RMN_CACHE_DIR="$tap_tmp/cache"
q() { sqlite3 "$1" "$2"; }
# a small slice of the bundled sample: 240 train, 60 val, 60 test images
small="$tap_tmp/small.csv"
xz -dc "$RMN_SAMPLE" | awk -F, 'NR == 1 { print; next } { n[$3]++ }
    ($3 == "Training" && n[$3] <= 240) || ($3 != "Training" && n[$3] <= 60)' >"$small"
# every row the store holds, table by table
counts() {
    q "$1" "SELECT (SELECT COUNT(*) FROM runs) || ' ' || (SELECT COUNT(*) FROM params) || ' ' ||
        (SELECT COUNT(*) FROM tags) || ' ' || (SELECT COUNT(*) FROM metrics) || ' ' ||
        (SELECT COUNT(*) FROM evals) || ' ' || (SELECT COUNT(*) FROM predictions) || ' ' ||
        (SELECT COUNT(*) FROM artifacts) || ' ' || (SELECT COUNT(*) FROM ensemble_members)"
}
sum_counts() { # the column sums of several count lines
    for f in "$@"; do counts "$f"; done | awk '{ for (i = 1; i <= NF; ++i) s[i] += $i }
        END { for (i = 1; i <= 8; ++i) printf "%s%d", (i > 1 ? " " : ""), s[i]; print "" }'
}

# --- the runs of an experiment, one per task --------------------------------------------------
"$exp" check "$claim" --runs >"$tap_tmp/runs.txt"; ok $? "check --runs exits 0"
[ "$(cat "$tap_tmp/runs.txt" | tr '\n' ' ')" = "0 claim-a-s1 1 claim-a-s2 2 claim-b-s1 " ]
ok $? "it lists the runs by index: $(cat "$tap_tmp/runs.txt" | tr '\n' ' ')"
[ "$("$exp" check "$claim" --runs --only claim-b)" = "2 claim-b-s1" ]; ok $? "--only keeps the indices"
for i in 0 1 2; do
    "$exp" run "$claim" --index $i --data "$small" --db "$tap_tmp/task-$i.db" >/dev/null 2>"$tap_tmp/task-$i.err"
    ok $? "task $i: rmn-exp run --index $i exits 0"
done
[ "$(q "$tap_tmp/task-2.db" "SELECT name FROM runs")" = claim-b-s1 ]; ok $? "--index 2 trains run 2 only"
[ "$(q "$tap_tmp/task-0.db" "SELECT COUNT(*) FROM runs WHERE kind = 'ensemble'")" = 0 ]
ok $? "a task fuses no ensemble"
"$exp" run "$claim" --index 3 --db "$tap_tmp/none.db" >/dev/null 2>"$tap_tmp/idx.err"; [ $? -eq 1 ]
ok $? "--index beyond the runs: exit 1"
grep -q "has 3 runs: no run of index 3" "$tap_tmp/idx.err"; ok $? "and says how many runs there are"

# --- merging ---------------------------------------------------------------------------------
m="$tap_tmp/merged.db"
"$exp" merge "$tap_tmp"/task-0.db "$tap_tmp"/task-1.db "$tap_tmp"/task-2.db --into "$m" >"$tap_tmp/merge.out"
ok $? "merge of three task stores exits 0"
grep -q "merged 3 stores into .*: 3 runs added, 0 brought up to date, 0 already there" "$tap_tmp/merge.out"; ok $? "it counts: $(cat "$tap_tmp/merge.out")"
[ "$(counts "$m")" = "$(sum_counts "$tap_tmp"/task-0.db "$tap_tmp"/task-1.db "$tap_tmp"/task-2.db)" ]
ok $? "every row of every table is there ($(counts "$m"))"
q "$m" "SELECT run_uuid, name, status, config_sha256, dataset_sha256 FROM runs ORDER BY run_uuid" >"$tap_tmp/m.runs"
for i in 0 1 2; do q "$tap_tmp/task-$i.db" "SELECT run_uuid, name, status, config_sha256, dataset_sha256 FROM runs"; done |
    sort >"$tap_tmp/t.runs"
cmp -s "$tap_tmp/m.runs" "$tap_tmp/t.runs"; ok $? "runs keep their uuid, status, config and data digests"
q "$m" "SELECT group_concat(hex(probs), '') FROM (SELECT p.probs FROM predictions p JOIN evals e USING (eval_id)
        JOIN runs r USING (run_id) WHERE r.name = 'claim-b-s1' ORDER BY e.eval_id, p.sample_idx)" >"$tap_tmp/pm"
q "$tap_tmp/task-2.db" "SELECT group_concat(hex(probs), '') FROM (SELECT p.probs FROM predictions p
        JOIN evals e USING (eval_id) ORDER BY e.eval_id, p.sample_idx)" >"$tap_tmp/pt"
cmp -s "$tap_tmp/pm" "$tap_tmp/pt"; ok $? "the predictions are copied bit for bit"
before=$(counts "$m")
"$exp" merge "$tap_tmp"/task-0.db "$tap_tmp"/task-1.db "$tap_tmp"/task-2.db --into "$m" >"$tap_tmp/merge2.out"
ok $? "merging the same stores again exits 0"
grep -q "0 runs added, 0 brought up to date, 3 already there" "$tap_tmp/merge2.out" && [ "$(counts "$m")" = "$before" ]
ok $? "and adds nothing (idempotent by run uuid)"
[ "$(q "$m" "PRAGMA integrity_check; PRAGMA foreign_key_check")" = ok ]; ok $? "integrity and foreign keys hold"

# --- the ensemble and the report over the merged store -----------------------------------------
"$exp" fuse "$claim" --db "$m" >"$tap_tmp/fuse.out" 2>&1; ok $? "rmn-exp fuse on the merged store exits 0"
[ "$(q "$m" "SELECT COUNT(*) FROM runs WHERE kind = 'ensemble' AND status = 'FINISHED'")" = 3 ]
ok $? "the three ensembles are fused from the merged runs"
[ "$(q "$m" "SELECT COUNT(*) FROM runs WHERE kind = 'train'")" = 3 ]; ok $? "fuse trained nothing"
"$RMN_BIN/rmn-report" --db "$m" --experiment claim --table zoo --csv >"$tap_tmp/zoo.csv" 2>"$tap_tmp/report.err"
ok $? "rmn-report reads the merged store"
grep -q "^claim-a,.*,2," "$tap_tmp/zoo.csv" && grep -q "^claim-b," "$tap_tmp/zoo.csv"; ok $? "the zoo table has both models (claim-a over 2 seeds)"

m2="$tap_tmp/merged2.db"
"$exp" merge "$m" --into "$m2" >/dev/null && [ "$(counts "$m2")" = "$(counts "$m")" ]
ok $? "a merged store with ensembles merges whole into another ($(counts "$m2"))"
[ "$(q "$m2" "SELECT COUNT(*) FROM ensemble_members m JOIN evals e ON e.eval_id = m.member_eval_id
       JOIN runs r ON r.run_id = e.run_id WHERE r.kind = 'train'")" = "$(q "$m" "SELECT COUNT(*) FROM ensemble_members")" ]
ok $? "ensemble members point to the copied runs' evals"
"$exp" merge "$tap_tmp/task-1.db" "$m" --into "$m2" | grep -q "0 runs added, 0 brought up to date, 7 already there"
ok $? "merging a part of what is there adds nothing"

# --- a run merged while stopped, then resumed elsewhere and merged again ----------------------
# an earlier state of task 1's run: stopped (KILLED) after its first epoch's metrics, before
# its evaluations, updated a second earlier
cp "$tap_tmp/task-1.db" "$tap_tmp/early.db"
q "$tap_tmp/early.db" "UPDATE runs SET status = 'KILLED', end_ms = NULL, updated_ms = updated_ms - 1000;
    DELETE FROM evals; DELETE FROM tags WHERE key = 'weights_sha256'"
s="$tap_tmp/states.db"
"$exp" merge "$tap_tmp/early.db" --into "$s" | grep -q "1 run added"; ok $? "the stopped state merges"
"$exp" merge "$tap_tmp/task-1.db" --into "$s" >"$tap_tmp/later.out"
grep -q "0 runs added, 1 brought up to date, 0 already there" "$tap_tmp/later.out"
ok $? "the finished state of the same run replaces it: $(cat "$tap_tmp/later.out")"
[ "$(counts "$s")" = "$(counts "$tap_tmp/task-1.db")" ] && [ "$(q "$s" "SELECT status FROM runs")" = FINISHED ]
ok $? "the store now holds the finished run whole ($(counts "$s"))"
"$exp" merge "$tap_tmp/task-1.db" "$tap_tmp/early.db" --into "$s" | grep -q "0 runs added, 0 brought up to date, 2 already there"
ok $? "merging either state again changes nothing (the later is kept)"
[ "$(counts "$s")" = "$(counts "$tap_tmp/task-1.db")" ]; ok $? "nothing was replaced by the earlier state"

# --- conflicts: refused, the target unchanged -------------------------------------------------
before=$(counts "$m")
"$exp" run "$claim" --index 0 --data "$small" --db "$tap_tmp/again.db" >/dev/null 2>&1
"$exp" merge "$tap_tmp/again.db" --into "$m" >/dev/null 2>"$tap_tmp/again.err"; [ $? -eq 1 ]
ok $? "a run trained twice (another uuid, same experiment/name/seed/config): exit 1"
grep -q "claim-a-s1.*was trained again .* as run [0-9a-f]\{32\}: refusing" "$tap_tmp/again.err"
ok $? "the message names the run and the other copy: $(head -c 300 "$tap_tmp/again.err")"
cp "$tap_tmp/task-1.db" "$tap_tmp/changed.db"
q "$tap_tmp/changed.db" "UPDATE metrics SET value = value + 0.125 WHERE key = 'val_acc'"
"$exp" run "$claim" --index 2 --seed 9 --data "$small" --db "$tap_tmp/good.db" >/dev/null 2>&1
"$exp" merge "$tap_tmp/good.db" "$tap_tmp/changed.db" --into "$m" >/dev/null 2>"$tap_tmp/changed.err"; [ $? -eq 1 ]
ok $? "a run whose copy differs under the same uuid: exit 1"
grep -q "changed.db: run [0-9a-f]\{32\} (claim-a-s2, .*differs from the run of the same uuid" "$tap_tmp/changed.err"
ok $? "the message says which run differs"
[ "$(counts "$m")" = "$before" ]; ok $? "nothing was merged, not even the good store before it (one transaction)"
"$exp" merge "$tap_tmp/good.db" --into "$m" | grep -q "1 run added"; ok $? "the good store alone merges"

# --- inputs that are not stores of this schema --------------------------------------------------
before=$(counts "$m")
cp "$tap_tmp/task-2.db" "$tap_tmp/v2.db"; q "$tap_tmp/v2.db" "PRAGMA user_version = 2" >/dev/null
"$exp" merge "$tap_tmp/v2.db" --into "$m" >/dev/null 2>"$tap_tmp/v2.err"; [ $? -eq 1 ]; ok $? "an older schema version: exit 1"
grep -q "cannot merge: .*v2.db: schema version 2 is older than this rmn's (3)" "$tap_tmp/v2.err"; ok $? "the message names the file and the versions"
q "$tap_tmp/v2.db" "PRAGMA user_version = 9" >/dev/null
"$exp" merge "$tap_tmp/v2.db" --into "$m" >/dev/null 2>"$tap_tmp/v9.err"; [ $? -eq 1 ]
grep -q "v2.db: schema version 9 is newer than this rmn knows" "$tap_tmp/v9.err"; ok $? "a newer schema version is refused too"
q "$tap_tmp/other.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1)"
"$exp" merge "$tap_tmp/other.db" --into "$m" >/dev/null 2>"$tap_tmp/other.err"; [ $? -eq 1 ]
grep -q "other.db: not an rmn store" "$tap_tmp/other.err"; ok $? "a database that is not a store is refused"
"$exp" merge "$tap_tmp/missing.db" --into "$m" >/dev/null 2>"$tap_tmp/missing.err"; [ $? -eq 1 ] && [ ! -e "$tap_tmp/missing.db" ]
ok $? "a missing store is refused (and not created)"
"$exp" merge "$m" --into "$m" >/dev/null 2>"$tap_tmp/self.err"; [ $? -eq 1 ]
grep -q "is the store merged into" "$tap_tmp/self.err"; ok $? "the target as a source is refused"
[ "$(counts "$m")" = "$before" ]; ok $? "the target is unchanged by every refusal"
"$exp" merge --into "$m" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "merge without stores: exit 2"
"$exp" merge "$tap_tmp/good.db" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "merge without --into (and no --db): exit 2"
done_testing
