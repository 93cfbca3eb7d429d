#!/bin/sh
# cli-resume.sh -- runs that survive: kill -9 at an arbitrary moment, then `rmn-exp resume` (or
# running the experiment again) continues from the last completed epoch and ends with the same
# weights and the same (TTA) predictions as an uninterrupted run of the same seed; finished runs
# are skipped; two experiments writing one store at once lose nothing.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
exp="$RMN_BIN/rmn-exp"
tiny="$RMN_SRCDIR/tests/data/exp-tiny.json"
export RMN_PROGRESS=plain RMN_CHECKPOINTS="$tap_tmp/ckpt"
a="$tap_tmp/a.db"
b="$tap_tmp/b.db"
q() { sqlite3 "$1" "$2"; }

# --- the uninterrupted reference -------------------------------------------------------------
"$exp" run "$tiny" --db "$a" --epochs 3 >"$tap_tmp/a.out" 2>"$tap_tmp/a.err"
ok $? "reference run of 3 epochs"
ref_w=$(q "$a" "SELECT value FROM tags WHERE key='weights_sha256'")
[ ${#ref_w} -eq 64 ]; ok $? "final weights digest recorded ($ref_w)"
uuid=$(q "$a" "SELECT run_uuid FROM runs")
[ -s "$RMN_CHECKPOINTS/$uuid/best.safetensors" ] && [ -s "$RMN_CHECKPOINTS/$uuid/last.safetensors" ]
ok $? "best and last checkpoints written"
[ "$(q "$a" "SELECT COUNT(*) FROM artifacts WHERE kind LIKE 'checkpoint-%'")" = 2 ]; ok $? "checkpoints recorded as artifacts"
[ "$(q "$a" "SELECT group_concat(split || tta_n, ',') FROM (SELECT split, tta_n FROM evals ORDER BY eval_id)")" = "val0,test0,val4,test4" ]
ok $? "evals: val and test, without and with TTA (4 draws)"
[ "$(q "$a" "SELECT COUNT(*) FROM predictions p JOIN evals e USING (eval_id) WHERE e.tta_n = 4 AND e.split = 'test'")" = "$(q "$a" "SELECT n_samples FROM evals WHERE split = 'test' AND tta_n = 0")" ]
ok $? "one TTA prediction per test image"
awk -v s="$(q "$a" "SELECT SUM(n_correct) FROM evals WHERE tta_n = 4 AND split = 'test'")" 'BEGIN { exit !(s > 0) }'
ok $? "TTA accuracy recorded"
ref_p=$(q "$a" "SELECT hex(group_concat(hex(probs), '')) FROM (SELECT probs FROM predictions p JOIN evals e USING (eval_id) WHERE e.split='test' AND e.tta_n=4 ORDER BY sample_idx)" | sha256sum)

# --- rmn-eval on the best checkpoint reproduces the stored evaluations ------------------------------
best="$RMN_CHECKPOINTS/$uuid/best.safetensors"
"$RMN_BIN/rmn-eval" "$best" --split test --json >"$tap_tmp/eval.json" 2>/dev/null
ok $? "rmn-eval CHECKPOINT --split test exits 0"
grep -q "\"correct\":$(q "$a" "SELECT n_correct FROM evals WHERE split='test' AND tta_n=0")," "$tap_tmp/eval.json"
ok $? "its accuracy equals the stored test eval"
"$RMN_BIN/rmn-eval" "$best" --split test --tta 4 --json >"$tap_tmp/eval-tta.json" 2>/dev/null
grep -q "\"correct\":$(q "$a" "SELECT n_correct FROM evals WHERE split='test' AND tta_n=4")," "$tap_tmp/eval-tta.json"
ok $? "with --tta 4 (seed 1234) it equals the stored TTA eval: the draws are reproducible"
"$RMN_BIN/rmn-eval" "$best" --split val >"$tap_tmp/eval.txt" 2>/dev/null && grep -q "^Disgust" "$tap_tmp/eval.txt"
ok $? "text output lists per-class recall"
printf 'not a checkpoint' >"$tap_tmp/bad.safetensors"
"$RMN_BIN/rmn-eval" "$tap_tmp/bad.safetensors" >/dev/null 2>"$tap_tmp/eval.err"; [ $? -eq 1 ]
ok $? "a corrupt checkpoint: exit 1"
grep -q "bad.safetensors" "$tap_tmp/eval.err"; ok $? "and the message names it"

# --- running it again skips the finished run --------------------------------------------------
"$exp" run "$tiny" --db "$a" --epochs 3 >/dev/null 2>"$tap_tmp/again.err"
ok $? "running the experiment again exits 0"
grep -q "finished: skipped" "$tap_tmp/again.err" && [ "$(q "$a" "SELECT COUNT(*) FROM runs")" = 1 ]
ok $? "and skips the finished run"

# --- kill -9 during epoch 2, then resume -------------------------------------------------------
"$exp" run "$tiny" --db "$b" --epochs 3 --checkpoints "$tap_tmp/ckpt-b" >/dev/null 2>"$tap_tmp/b.err" &
pid=$!
i=0
until [ "$(q "$b" "SELECT COUNT(*) FROM metrics WHERE key='val_acc'" 2>/dev/null)" = 1 ] &&
      ls "$tap_tmp"/ckpt-b/*/last.safetensors >/dev/null 2>&1; do
    [ $i -lt 2400 ] || break
    sleep 0.05; i=$((i + 1))
done
kill -9 $pid
wait $pid 2>/dev/null
[ "$(q "$b" "SELECT status FROM runs")" = RUNNING ]; ok $? "after kill -9 the run is left RUNNING"
epochs=$(q "$b" "SELECT COUNT(*) FROM metrics WHERE key='val_acc'")
[ "$epochs" -ge 1 ] && [ "$epochs" -lt 3 ]; ok $? "killed part-way ($epochs of 3 epochs recorded)"
# a copy of the killed run, ended early with `rmn-exp finish` further below
sqlite3 "$b" ".backup '$tap_tmp/e.db'" && cp -R "$tap_tmp/ckpt-b" "$tap_tmp/ckpt-e"
"$exp" status --db "$b" --checkpoints "$tap_tmp/ckpt-b" >"$tap_tmp/status.out" 2>&1
grep -q "STALE" "$tap_tmp/status.out"; ok $? "rmn-exp status reports the dead run as stale"
"$exp" resume tinycnn-s3 --db "$b" --checkpoints "$tap_tmp/ckpt-b" >"$tap_tmp/resume.out" 2>"$tap_tmp/resume.err"
ok $? "rmn-exp resume exits 0"
grep -q "resuming after epoch" "$tap_tmp/resume.err"; ok $? "it resumes from the last completed epoch"
[ "$(q "$b" "SELECT status FROM runs")" = FINISHED ] && [ "$(q "$b" "SELECT COUNT(*) FROM runs")" = 1 ]
ok $? "the same run is FINISHED"
[ "$(q "$b" "SELECT value FROM tags WHERE key='weights_sha256'")" = "$ref_w" ]
ok $? "final weights equal the uninterrupted run's, bit for bit"
p2=$(q "$b" "SELECT hex(group_concat(hex(probs), '')) FROM (SELECT probs FROM predictions p JOIN evals e USING (eval_id) WHERE e.split='test' AND e.tta_n=4 ORDER BY sample_idx)" | sha256sum)
[ "$p2" = "$ref_p" ]; ok $? "TTA predictions equal the uninterrupted run's (same seed, same draws)"
[ "$(q "$b" "SELECT COUNT(*) FROM metrics WHERE key='val_acc'")" = 3 ] && [ "$(q "$b" "SELECT COUNT(*) FROM evals")" = 4 ]
ok $? "no epoch or eval recorded twice"
"$exp" resume tinycnn-s3 --db "$b" >/dev/null 2>&1; [ $? -eq 1 ]; ok $? "resuming a finished run is refused"

# --- the killed copy, ended early: best checkpoint evaluated, run finished, nothing trained ---------
e="$tap_tmp/e.db"
"$exp" finish tinycnn-s3 --db "$e" --checkpoints "$tap_tmp/ckpt-e" >"$tap_tmp/finish.out" 2>"$tap_tmp/finish.err"
ok $? "rmn-exp finish exits 0"
[ "$(q "$e" "SELECT status FROM runs")" = FINISHED ] && [ "$(q "$e" "SELECT COUNT(*) FROM metrics WHERE key='val_acc'")" = "$epochs" ]
ok $? "the run is FINISHED with its $epochs recorded epochs and no more"
[ "$(q "$e" "SELECT group_concat(split || tta_n, ',') FROM (SELECT split, tta_n FROM evals ORDER BY eval_id)")" = "val0,test0,val4,test4" ]
ok $? "its best checkpoint is evaluated on val and test, without and with TTA"
q "$e" "SELECT value FROM tags WHERE key='ended_early'" | grep -q "^after epoch $epochs of at most 3 "
ok $? "the early end is tagged with the epoch it stopped at"
"$RMN_BIN/rmn-eval" "$tap_tmp"/ckpt-e/*/best.safetensors --split test --json 2>/dev/null |
    grep -q "\"correct\":$(q "$e" "SELECT n_correct FROM evals WHERE split='test' AND tta_n=0"),"
ok $? "the stored test eval is the best checkpoint's"
"$RMN_BIN/rmn-report" --db "$e" --markdown --table zoo >"$tap_tmp/finish.md" 2>&1 &&
    grep -q "Ended early on the best checkpoint so far (rmn-exp finish): tinycnn-s3 after epoch $epochs of at most 3" "$tap_tmp/finish.md"
ok $? "the zoo table's caption says which run ended early, and when"
"$RMN_BIN/rmn-report" --db "$e" --latex --table zoo 2>&1 | grep -q "rmn-exp finish): tinycnn-s3 after epoch"
ok $? "so does the LaTeX caption"
"$exp" finish tinycnn-s3 --db "$e" --checkpoints "$tap_tmp/ckpt-e" >/dev/null 2>&1; [ $? -eq 1 ]
ok $? "finishing a finished run is refused"

# --- kill -9, then simply run the experiment again -------------------------------------------
c="$tap_tmp/c.db"
"$exp" run "$tiny" --db "$c" --epochs 3 --checkpoints "$tap_tmp/ckpt-c" >/dev/null 2>&1 &
pid=$!
i=0
until ls "$tap_tmp"/ckpt-c/*/last.safetensors >/dev/null 2>&1 || [ $i -ge 2400 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $pid
wait $pid 2>/dev/null
"$exp" run "$tiny" --db "$c" --epochs 3 --checkpoints "$tap_tmp/ckpt-c" >/dev/null 2>&1
ok $? "running the experiment again after kill -9 exits 0"
[ "$(q "$c" "SELECT COUNT(*) || status FROM runs")" = 1FINISHED ] && [ "$(q "$c" "SELECT value FROM tags WHERE key='weights_sha256'")" = "$ref_w" ]
ok $? "it resumed the killed run to the same final weights"

# --- two experiments at once against one store -------------------------------------------------
d="$tap_tmp/d.db"
"$exp" run "$tiny" --db "$d" --epochs 2 --seed 11 >/dev/null 2>"$tap_tmp/d1.err" &
p1=$!
"$exp" run "$tiny" --db "$d" --epochs 2 --seed 12 >/dev/null 2>"$tap_tmp/d2.err" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
[ $r1 -eq 0 ] && [ $r2 -eq 0 ]; ok $? "two concurrent runs on one store both succeed"
[ "$(q "$d" "SELECT COUNT(*) FROM runs WHERE status='FINISHED'")" = 2 ] &&
    [ "$(q "$d" "SELECT COUNT(*) FROM metrics WHERE key='val_acc'")" = 4 ] &&
    [ "$(q "$d" "SELECT COUNT(*) FROM evals")" = 8 ] && [ "$(q "$d" "PRAGMA integrity_check")" = ok ]
ok $? "nothing lost: 2 runs, 4 epochs, 8 evals, integrity ok"

# --- the ensemble of the two runs, from the store alone ------------------------------------------
"$RMN_BIN/rmn-ensemble" --db "$d" >"$tap_tmp/ens.out" 2>&1
ok $? "rmn-ensemble exits 0"
[ "$(q "$d" "SELECT COUNT(*) FROM runs WHERE kind='ensemble'")" = 3 ] &&
    [ "$(q "$d" "SELECT group_concat(value, ',') FROM (SELECT t.value FROM tags t JOIN runs r USING (run_id) WHERE r.kind='ensemble' AND t.key='selection' ORDER BY r.run_id)")" = "fixed,val,test" ]
ok $? "three ensembles recorded: fixed, val-selected, test-selected"
grep -q "upper bound" "$tap_tmp/ens.out"; ok $? "the test-selected one is labelled an upper bound"
[ "$(q "$d" "SELECT COUNT(*) FROM ensemble_members m JOIN runs r ON r.run_id = m.ensemble_run_id JOIN tags t ON t.run_id = r.run_id AND t.key = 'selection' AND t.value = 'fixed'")" = 2 ]
ok $? "the fixed ensemble lists both members"
"$RMN_BIN/rmn-ensemble" --db "$d" >/dev/null 2>&1 && [ "$(q "$d" "SELECT COUNT(*) FROM runs WHERE kind='ensemble'")" = 3 ]
ok $? "fusing the same members again records nothing new"
"$RMN_BIN/rmn-ensemble" --db "$d" --runs no-such-run >/dev/null 2>&1; [ $? -eq 1 ]; ok $? "an unknown member is an error"

done_testing
