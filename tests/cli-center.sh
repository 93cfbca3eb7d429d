#!/bin/sh
# cli-center.sh -- center loss end to end: a resnet18_centerloss run on the bundled sample
# records its center loss per epoch and its centers in both checkpoints; killed with -9 and
# resumed it ends with the weights and TTA predictions of an uninterrupted run, bit for bit;
# `rmn-report --figures` draws its galleries (their picks are the stored predictions) and its
# 2-D features, and skips what it cannot draw (no data file, no checkpoint) with a message.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
exp="$RMN_BIN/rmn-exp"
conf="$RMN_SRCDIR/tests/data/exp-center.json"
export RMN_PROGRESS=plain RMN_CHECKPOINTS="$tap_tmp/ckpt"
a="$tap_tmp/a.db"
b="$tap_tmp/b.db"
q() { sqlite3 "$1" "$2"; }
probs() { q "$1" "SELECT hex(group_concat(hex(probs), '')) FROM (SELECT probs FROM predictions p JOIN evals e USING (eval_id) WHERE e.split='test' AND e.tta_n=2 ORDER BY sample_idx)" | sha256sum; }

# --- the uninterrupted reference -------------------------------------------------------------
"$exp" run "$conf" --db "$a" >"$tap_tmp/a.out" 2>"$tap_tmp/a.err"
ok $? "a center-loss run of 3 epochs"
ref_w=$(q "$a" "SELECT value FROM tags WHERE key='weights_sha256'")
[ ${#ref_w} -eq 64 ]; ok $? "final weights digest recorded"
q "$a" "SELECT config_text FROM runs" | grep -q "^center_loss_weight=0.1$" &&
    q "$a" "SELECT config_text FROM runs" | grep -q "^center_lr=0.5$"
ok $? "the canonical config holds center_loss_weight and center_lr"
[ "$(q "$a" "SELECT COUNT(*) FROM metrics WHERE key='center_loss'")" = 3 ]
ok $? "the center loss is recorded per epoch"
[ "$(q "$a" "SELECT model FROM runs")" = "resnet18_centerloss+center" ]
ok $? "the run's model is recorded with +center (a table row apart from the model without it)"
uuid=$(q "$a" "SELECT run_uuid FROM runs")
head -c 4096 "$RMN_CHECKPOINTS/$uuid/best.safetensors" | grep -aq '"center.centers":{"dtype":"F32","shape":\[7,2\]' &&
    head -c 4096 "$RMN_CHECKPOINTS/$uuid/last.safetensors" | grep -aq '"center.centers"'
ok $? "the centers (7, 2) are in the best and the last checkpoint"
ref_p=$(probs "$a")

# --- kill -9 during epoch 2, then resume -------------------------------------------------------
"$exp" run "$conf" --db "$b" --checkpoints "$tap_tmp/ckpt-b" >/dev/null 2>"$tap_tmp/b.err" &
pid=$!
i=0
until [ "$(q "$b" "SELECT COUNT(*) FROM metrics WHERE key='val_acc'" 2>/dev/null)" = 1 ] &&
      ls "$tap_tmp"/ckpt-b/*/last.safetensors >/dev/null 2>&1; do
    [ $i -lt 2400 ] || break
    sleep 0.05; i=$((i + 1))
done
kill -9 $pid
wait $pid 2>/dev/null
epochs=$(q "$b" "SELECT COUNT(*) FROM metrics WHERE key='val_acc'")
[ "$epochs" -ge 1 ] && [ "$epochs" -lt 3 ]; ok $? "killed part-way ($epochs of 3 epochs recorded)"
"$exp" resume tinycenter-s2 --db "$b" --checkpoints "$tap_tmp/ckpt-b" >/dev/null 2>"$tap_tmp/resume.err"
ok $? "rmn-exp resume exits 0"
grep -q "resuming after epoch" "$tap_tmp/resume.err"; ok $? "it resumes from the last completed epoch"
[ "$(q "$b" "SELECT value FROM tags WHERE key='weights_sha256'")" = "$ref_w" ]
ok $? "final weights equal the uninterrupted run's, bit for bit (the centers were restored)"
[ "$(probs "$b")" = "$ref_p" ]; ok $? "TTA predictions equal the uninterrupted run's"
[ "$(q "$b" "SELECT group_concat(value, ',') FROM (SELECT value FROM metrics WHERE key='center_loss' ORDER BY step)")" = \
  "$(q "$a" "SELECT group_concat(value, ',') FROM (SELECT value FROM metrics WHERE key='center_loss' ORDER BY step)")" ]
ok $? "and so are the per-epoch center losses"

# --- figures -----------------------------------------------------------------------------------
if command -v gnuplot >/dev/null 2>&1; then
    f="$tap_tmp/figs"
    "$RMN_BIN/rmn-report" --db "$a" --figures "$f" --terminals dumb 2>"$tap_tmp/fig.err"
    ok $? "rmn-report --figures exits 0"
    [ "$(ls "$f"/gallery-tinycenter-s2-*.gp | wc -l)" = 7 ] && [ -s "$f/gallery-tinycenter-s2-Happy.txt" ] &&
        [ -s "$f/features-tinycenter-s2.txt" ]
    ok $? "a gallery per class and the feature figure"
    grep -q "Grad-CAM of the predicted class" "$f/gallery-tinycenter-s2-Happy.gp"; ok $? "with Grad-CAM"
    # every pick is a stored test prediction with that label and prediction, in the right row;
    # each row holds min(4, the number of such predictions) images
    ev=$(q "$a" "SELECT eval_id FROM evals WHERE split='test' AND tta_n=0")
    bad=0
    for k in 0 1 2 3 4 5 6; do
        name=$(echo "Angry Disgust Fear Happy Sad Surprise Neutral" | cut -d' ' -f$((k + 1)))
        g="$f/gallery-tinycenter-s2-$name.gp"
        sed -n '/^\$picks << EOD/,/^EOD/p' "$g" | grep -E '^(right|wrong) ' >"$tap_tmp/picks"
        while read -r row rank idx label pred prob; do
            [ "$label" = $k ] || bad=1
            if [ "$row" = right ]; then [ "$pred" = $k ] || bad=1; else [ "$pred" != $k ] || bad=1; fi
            [ "$(q "$a" "SELECT COUNT(*) FROM predictions WHERE eval_id=$ev AND sample_idx=$idx AND label=$label AND pred=$pred")" = 1 ] || bad=1
        done <"$tap_tmp/picks"
        nr=$(q "$a" "SELECT MIN(4, COUNT(*)) FROM predictions WHERE eval_id=$ev AND label=$k AND pred=$k")
        nw=$(q "$a" "SELECT MIN(4, COUNT(*)) FROM predictions WHERE eval_id=$ev AND label=$k AND pred<>$k")
        [ "$(grep -c '^right ' "$tap_tmp/picks")" = "$nr" ] && [ "$(grep -c '^wrong ' "$tap_tmp/picks")" = "$nw" ] || bad=1
    done
    [ $bad = 0 ]; ok $? "the galleries' picks are stored test predictions of their class and row, as many as there are (up to 4)"
    nv=$(q "$a" "SELECT COUNT(*) FROM predictions p JOIN evals e USING (eval_id) WHERE e.split='val' AND e.tta_n=0")
    [ "$(sed -n '/^\$val << EOD/,/^EOD/p' "$f/features-tinycenter-s2.gp" | grep -c '^-\{0,1\}[0-9]')" = "$nv" ] &&
        [ "$(sed -n '/^\$centers << EOD/,/^EOD/p' "$f/features-tinycenter-s2.gp" | grep -c '^-\{0,1\}[0-9]')" = 7 ]
    ok $? "the feature figure has a point per val image ($nv) and the 7 centers"

    # without the best checkpoint: galleries without Grad-CAM, no feature figure, said so
    mv "$RMN_CHECKPOINTS/$uuid/best.safetensors" "$tap_tmp/best.keep"
    "$RMN_BIN/rmn-report" --db "$a" --figures "$tap_tmp/f2" --terminals dumb 2>"$tap_tmp/f2.err"
    ok $? "without the checkpoint: exit 0"
    grep -q "best checkpoint .* unavailable" "$tap_tmp/f2.err" && grep -q "no checkpoint: no Grad-CAM" "$tap_tmp/f2/gallery-tinycenter-s2-Sad.gp" &&
        [ ! -e "$tap_tmp/f2/features-tinycenter-s2.txt" ]
    ok $? "the galleries come out and say so; no feature figure"
    mv "$tap_tmp/best.keep" "$RMN_CHECKPOINTS/$uuid/best.safetensors"

    # without the data file: no gallery, said so
    q "$a" "UPDATE params SET value='$tap_tmp/nonexistent.csv' WHERE key='data'"
    "$RMN_BIN/rmn-report" --db "$a" --figures "$tap_tmp/f3" --terminals dumb 2>"$tap_tmp/f3.err"
    ok $? "without the data file: exit 0"
    grep -q "nonexistent.csv is not here: no gallery" "$tap_tmp/f3.err" && [ ! -e "$tap_tmp/f3/gallery-tinycenter-s2-Sad.gp" ] &&
        [ -s "$tap_tmp/f3/curves-tinycenter-s2.txt" ]
    ok $? "the galleries are skipped with a message, the other figures drawn"

    # another data file than the recorded one (the sample uncompressed: other bytes): no gallery
    xz -dc "$RMN_SRCDIR/data/fer2013-sample.csv.xz" >"$tap_tmp/other.csv"
    q "$a" "UPDATE params SET value='$tap_tmp/other.csv' WHERE key='data'"
    "$RMN_BIN/rmn-report" --db "$a" --figures "$tap_tmp/f4" --terminals dumb 2>"$tap_tmp/f4.err" &&
        grep -q "other.csv is not the data it was trained on" "$tap_tmp/f4.err" &&
        [ ! -e "$tap_tmp/f4/gallery-tinycenter-s2-Sad.gp" ]
    ok $? "a data file with another sha256 than the recorded one: no gallery, said so"
else
    for i in 1 2 3 4 5 6 7 8 9 10; do skip "gnuplot not installed"; done
fi

done_testing
