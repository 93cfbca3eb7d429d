#!/bin/sh
# cli-ferplus.sh -- FERPlus end to end (issue #16, point 5): rmn-data info counts the relabelled
# set; a run with soft targets trains on FER2013 rows relabelled by the votes (the committed
# excerpt of fer2013new.csv, tests/data/ferplus/) and records 8 classes, their names and the
# votes file; rmn-exp show and rmn-report name the classes from the run; resume finds the votes
# again; data and configuration that do not fit are refused before the store is touched.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
exp="$RMN_BIN/rmn-exp"
votes="$RMN_SRCDIR/tests/data/ferplus/votes.csv"
tiny="$RMN_SRCDIR/tests/data/exp-ferplus.json"
export RMN_PROGRESS=plain RMN_CACHE_DIR="$tap_tmp/cache" RMN_CHECKPOINTS="$tap_tmp/ckpt"
db="$tap_tmp/rmn.db"
q() { sqlite3 "$db" "$1"; }

# FER2013 rows matching the excerpt line by line: its Usage, generated pixels
fer="$tap_tmp/fer.csv"
awk -F, 'NR == 1 { print "emotion,pixels,Usage"; next }
    { s = ""; for (j = 0; j < 2304; j++) s = s (j ? " " : "") (NR * 37 + j * 11) % 256
      print (NR % 7) "," s "," $1 }' "$votes" >"$fer"

# --- the relabelled data set ---------------------------------------------------------------
"$RMN_BIN/rmn-data" info --ferplus "$votes" "$fer" >"$tap_tmp/info.out" 2>&1; ok $? "rmn-data info --ferplus exits 0"
grep -q "^kind    FERPlus, 8 classes" "$tap_tmp/info.out"; ok $? "FERPlus, 8 classes"
grep -q "Contempt" "$tap_tmp/info.out"; ok $? "contempt is a class"
# test-ferplus counts the same rows: train by crossentropy, val and test by majority
[ "$(awk '$1 == "train" || $1 == "val" || $1 == "test" { printf "%s ", $NF }' "$tap_tmp/info.out")" = "73 16 15 " ]
ok $? "images kept per split: $(awk '$1 == "train" || $1 == "val" || $1 == "test" { printf "%s ", $NF }' "$tap_tmp/info.out")"
"$RMN_BIN/rmn-data" info "$fer" | grep -q "^kind    FER2013, 7 classes"; ok $? "without the votes: FER2013"

# --- an experiment with soft targets ------------------------------------------------------------
"$exp" check "$RMN_SRCDIR/experiments/ferplus48.json" >/dev/null; ok $? "experiments/ferplus48.json is valid"
"$exp" run "$tiny" --db "$db" --data "$fer" --ferplus "$votes" >"$tap_tmp/run.out" 2>"$tap_tmp/run.err"
ok $? "a soft-target run on the relabelled data exits 0"
[ "$(q "SELECT status FROM runs")" = FINISHED ]; ok $? "the run finished"
q "SELECT config_text FROM runs" | grep -q "^target=soft$"; ok $? "its configuration says target=soft"
[ "$(q "SELECT value FROM params WHERE key = 'classes'")" = '["Neutral","Happiness","Surprise","Sadness","Anger","Disgust","Fear","Contempt"]' ]
ok $? "it records the 8 classes"
[ "$(q "SELECT value FROM params WHERE key = 'dataset'")" = FERPlus ] && [ "$(q "SELECT value FROM params WHERE key = 'ferplus'")" = "$votes" ]
ok $? "and the data set and the votes file"
[ "$(q "SELECT COUNT(*) FROM evals WHERE n_classes = 8") $(q "SELECT COUNT(*) FROM predictions WHERE length(probs) != 64")" = "4 0" ]
ok $? "evals of 8 classes, 8 probabilities per prediction"
[ "$(q "SELECT n_samples FROM evals WHERE split = 'test' AND tta_n = 0")" = 15 ]; ok $? "the test eval covers the 15 majority-labelled images"
"$exp" show tinyplus-s4 --db "$db" >"$tap_tmp/show.out"; ok $? "rmn-exp show exits 0"
grep -q "^    *Neutra *Happin *Surpri *Sadnes *Anger *Disgus *Fear *Contem *recall%" "$tap_tmp/show.out"
ok $? "show's confusion matrices name the classes"
"$RMN_BIN/rmn-report" --db "$db" --table perclass --csv >"$tap_tmp/perclass.csv" 2>&1; ok $? "rmn-report perclass exits 0"
grep -q "^model,neutral_frac,happiness_frac,surprise_frac,sadness_frac,anger_frac,disgust_frac,fear_frac,contempt_frac,mean_frac$" "$tap_tmp/perclass.csv"
ok $? "the per-class table's columns are the run's classes: $(grep "^model," "$tap_tmp/perclass.csv")"
"$RMN_BIN/rmn-report" --db "$db" --table zoo --csv | grep -q "^tinyplus\|^democnn"; ok $? "the zoo table has the run"

# --- resume finds the votes file through the run ----------------------------------------------
q "UPDATE runs SET status = 'KILLED', end_ms = NULL"
"$exp" resume tinyplus-s4 --db "$db" >"$tap_tmp/resume.out" 2>"$tap_tmp/resume.err"
ok $? "resume of the stopped run exits 0 (the data and the votes from its params)"
[ "$(q "SELECT status FROM runs")" = FINISHED ]; ok $? "and finishes it"

# --- what does not fit is refused before anything is written --------------------------------
"$exp" run "$tiny" --db "$tap_tmp/no.db" --data "$fer" --ferplus "$tap_tmp/none.csv" >/dev/null 2>"$tap_tmp/e1"
[ $? -eq 1 ] && [ ! -e "$tap_tmp/no.db" ]; ok $? "a missing votes file: exit 1, no store"
cat > "$tap_tmp/hard8.json" <<'EOF'
{ "name": "hard8", "data": "sample",
  "defaults": { "arch": "democnn", "model_name": "h8", "num_classes": 8, "width": 4, "batch_size": 16 },
  "runs": [ { "seeds": [1] } ] }
EOF
"$exp" run "$tap_tmp/hard8.json" --db "$tap_tmp/no.db" --epochs 1 >/dev/null 2>"$tap_tmp/e2"
[ $? -eq 1 ] && [ ! -e "$tap_tmp/no.db" ]; ok $? "8 classes on FER2013's 7: exit 1, no store"
grep -q "num_classes is 8, the data (.*) has 7 classes" "$tap_tmp/e2"; ok $? "the message says so: $(cat "$tap_tmp/e2")"
cat > "$tap_tmp/soft7.json" <<'EOF'
{ "name": "soft7", "data": "sample",
  "defaults": { "arch": "democnn", "model_name": "s7", "target": "soft", "width": 4, "batch_size": 16 },
  "runs": [ { "seeds": [1] } ] }
EOF
"$exp" run "$tap_tmp/soft7.json" --db "$tap_tmp/no.db" --data "$fer" >/dev/null 2>"$tap_tmp/e3"
[ $? -eq 1 ] && [ ! -e "$tap_tmp/no.db" ] && grep -q 'target "soft" needs target distributions' "$tap_tmp/e3"
ok $? "soft targets without votes: exit 1, no store ($(cat "$tap_tmp/e3"))"
done_testing
