#!/bin/sh
# cli-train.sh -- rmn-train with a thesis-style configuration file (RAdam, plateau schedule,
# weighted loss), and its refusals.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
train="$RMN_BIN/rmn-train"
db="$tap_tmp/t.db"
export RMN_PROGRESS=plain RMN_CHECKPOINTS="$tap_tmp/ckpt"
q() { sqlite3 "$db" "$1"; }

"$train" --config "$RMN_SRCDIR/tests/data/tiny-config.json" --db "$db" --epochs 1 >"$tap_tmp/out" 2>"$tap_tmp/err"
ok $? "rmn-train --config (thesis keys) exits 0"
[ "$(q "SELECT e.name || '/' || r.name || '/' || r.status FROM runs r JOIN experiments e USING (experiment_id)")" = "train/tiny-config-s1/FINISHED" ]
ok $? "recorded as experiment 'train', run tiny-config-s1, FINISHED"
[ "$(q "SELECT group_concat(key || '=' || value, ',') FROM params WHERE key IN ('optimizer', 'lr_schedule', 'weighted_loss')")" = "lr_schedule=plateau,optimizer=radam,weighted_loss=1" ]
ok $? "the thesis recipe is the default: radam, plateau, and the file's weighted loss"
"$train" --config "$RMN_SRCDIR/tests/data/tiny-config.json" --db "$db" --epochs 1 >/dev/null 2>"$tap_tmp/err2"
ok $? "training the same configuration again exits 0"
grep -q "skipped" "$tap_tmp/err2" && [ "$(q "SELECT COUNT(*) FROM runs")" = 1 ]; ok $? "and skips the finished run"

printf '{"arch": "no_such_net", "lr": 0.01}\n' >"$tap_tmp/unknown.json"
"$train" --config "$tap_tmp/unknown.json" --db "$tap_tmp/u.db" >/dev/null 2>"$tap_tmp/err3"
[ $? -eq 1 ]; ok $? "an unknown architecture: exit 1"
grep -q "rmn-train: error: .*no_such_net" "$tap_tmp/err3"; ok $? "the error names it: $(grep error "$tap_tmp/err3" | head -c 160)"
[ "$(sqlite3 "$tap_tmp/u.db" "SELECT COUNT(*) FROM runs" 2>/dev/null || echo 0)" = 0 ]; ok $? "and no run is recorded"
"$train" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "no --config: exit 2"
"$train" --config /nonexistent.json --db "$db" >/dev/null 2>"$tap_tmp/err4"; [ $? -eq 1 ]; ok $? "missing config file: exit 1"
grep -q "/nonexistent.json" "$tap_tmp/err4"; ok $? "and the message names it"
done_testing
