#!/bin/sh
# cli-train.sh -- rmn-train with a thesis-style configuration file (RAdam, plateau schedule,
# weighted loss), and its refusals; --precision and the "precision" key (docs/PRECISION.md).
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

# precision: a bad value is refused at once (option: usage; key: when the file is read)
"$train" --config "$RMN_SRCDIR/tests/data/tiny-config.json" --db "$tap_tmp/p.db" --precision fp16 >/dev/null 2>"$tap_tmp/perr"
[ $? -eq 2 ] && grep -q 'precision must be "fp32" or "bf16", not "fp16"' "$tap_tmp/perr"; ok $? "--precision fp16: exit 2, named"
sed 's/"arch": "democnn"/"precision": "half", "arch": "democnn"/' "$RMN_SRCDIR/tests/data/tiny-config.json" >"$tap_tmp/half.json"
"$train" --config "$tap_tmp/half.json" --db "$tap_tmp/p.db" >/dev/null 2>"$tap_tmp/perr2"
[ $? -eq 1 ] && grep -q 'half.json: precision must be' "$tap_tmp/perr2" && [ ! -e "$tap_tmp/p.db" ]
ok $? "\"precision\": \"half\" in the file: exit 1 before any store is made: $(head -c 120 "$tap_tmp/perr2")"
# bf16 where the CPU has it (rmn-bench says nothing when it computes in bf16)
if "$RMN_BIN/rmn-bench" --model democnn --width 8 --batch 2 --steps 1 --warmup 0 --precision bf16 2>&1 >/dev/null | grep -q warning; then
    skip "no AVX512_BF16 here: bf16 training not run"
else
    "$train" --config "$RMN_SRCDIR/tests/data/tiny-config.json" --db "$tap_tmp/b.db" --epochs 1 --precision bf16 >/dev/null 2>"$tap_tmp/berr"
    [ $? -eq 0 ] && [ "$(sqlite3 "$tap_tmp/b.db" "SELECT value FROM params WHERE key = 'precision'")" = bf16 ] &&
        [ "$(sqlite3 "$tap_tmp/b.db" "SELECT value FROM tags WHERE key = 'precision'")" = bf16 ]
    ok $? "--precision bf16 trains, recorded as param and tag precision=bf16"
    # resume in another precision: allowed, the configuration kept, the tag follows
    sqlite3 "$tap_tmp/b.db" "UPDATE runs SET status = 'KILLED'"
    "$RMN_BIN/rmn-exp" resume tiny-config-s1 --db "$tap_tmp/b.db" --precision fp32 >/dev/null 2>"$tap_tmp/rerr"
    [ $? -eq 0 ] && [ "$(sqlite3 "$tap_tmp/b.db" "SELECT status FROM runs")" = FINISHED ] &&
        [ "$(sqlite3 "$tap_tmp/b.db" "SELECT value FROM params WHERE key = 'precision'")" = bf16 ] &&
        [ "$(sqlite3 "$tap_tmp/b.db" "SELECT value FROM tags WHERE key = 'precision'")" = fp32 ]
    ok $? "rmn-exp resume --precision fp32 of a bf16 run: finished, param bf16 kept, tag fp32"
fi
# a CPU without it (oneDNN capped): the option warns and trains an fp32 run; the key warns
# and trains the bf16 configuration in fp32, tagged so
DNNL_MAX_CPU_ISA=AVX512_CORE "$train" --config "$RMN_SRCDIR/tests/data/tiny-config.json" --db "$tap_tmp/c.db" --epochs 1 \
    --precision bf16 >/dev/null 2>"$tap_tmp/cerr"
[ $? -eq 0 ] && grep -q "rmn-train: warning: .*AVX512_BF16.*computing in fp32" "$tap_tmp/cerr" &&
    [ "$(sqlite3 "$tap_tmp/c.db" "SELECT COUNT(*) FROM params WHERE key = 'precision'")" = 0 ] &&
    [ "$(sqlite3 "$tap_tmp/c.db" "SELECT value FROM tags WHERE key = 'precision'")" = fp32 ]
ok $? "--precision bf16 without AVX512_BF16: a warning, an fp32 run: $(grep warning "$tap_tmp/cerr" | head -c 160)"
sed 's/"arch": "democnn"/"precision": "bf16", "arch": "democnn"/' "$RMN_SRCDIR/tests/data/tiny-config.json" >"$tap_tmp/bf16.json"
DNNL_MAX_CPU_ISA=AVX512_CORE "$train" --config "$tap_tmp/bf16.json" --db "$tap_tmp/d.db" --epochs 1 >/dev/null 2>"$tap_tmp/derr"
[ $? -eq 0 ] && grep -q "warning: .*AVX512_BF16.*training tiny-config in fp32" "$tap_tmp/derr" &&
    [ "$(sqlite3 "$tap_tmp/d.db" "SELECT value FROM params WHERE key = 'precision'")" = bf16 ] &&
    [ "$(sqlite3 "$tap_tmp/d.db" "SELECT value FROM tags WHERE key = 'precision'")" = fp32 ]
ok $? "\"precision\": \"bf16\" without AVX512_BF16: a warning, param bf16, tag fp32"
done_testing
