#!/bin/sh
# cli-claim.sh -- many `rmn-exp run` processes on one store (issue #12, "claiming a run is not
# atomic"): N = 2, 4, 8 processes running the same experiment, and different experiments, train
# every run exactly once, fuse each ensemble once, never fail with "database is locked", and lose
# nothing (row counts, every FINISHED run complete, integrity and foreign keys). A run whose
# process was killed is taken over by exactly one of the processes started after it; `rmn-exp
# status` says who holds what and who waits for what.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
exp="$RMN_BIN/rmn-exp"
claim="$RMN_SRCDIR/tests/data/exp-claim.json"
tiny="$RMN_SRCDIR/tests/data/exp-tiny.json"
export RMN_PROGRESS=plain RMN_CHECKPOINTS="$tap_tmp/ckpt" RMN_CACHE_DIR="$tap_tmp/cache"
q() { sqlite3 "$1" "$2"; }
# a small slice of the bundled sample: 240 train, 60 val, 60 test images
small="$tap_tmp/small.csv"
xz -dc "$RMN_SAMPLE" | awk -F, 'NR == 1 { print; next } { n[$3]++ }
    ($3 == "Training" && n[$3] <= 240) || ($3 != "Training" && n[$3] <= 60)' >"$small"

now() { date +%s.%N; }

race_args=
# start N processes (arguments: N DB EXPERIMENT...; experiments cycle over the processes) at
# once, wait for all; sets n_fail (non-zero exits) and wall (seconds)
race() {
    n=$1 db=$2
    shift 2
    pids=
    t0=$(now)
    i=1
    while [ $i -le $n ]; do
        e=$(eval "echo \${$(( (i - 1) % $# + 1 ))}")
        "$exp" run "$e" --db "$db" --data "$small" --threads 1 $race_args >"$db.$i.out" 2>"$db.$i.err" &
        pids="$pids $!"
        i=$((i + 1))
    done
    n_fail=0
    for p in $pids; do wait "$p" || n_fail=$((n_fail + 1)); done
    wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
}

# waits (at most a minute) until run 1 of DB has an epoch's metrics and its last checkpoint
wait_epoch() {
    i=0
    until [ "$(q "$1" "SELECT COUNT(*) FROM metrics WHERE key = 'val_acc'" 2>/dev/null)" -ge 1 ] 2>/dev/null &&
        [ -s "$RMN_CHECKPOINTS/$(q "$1" "SELECT run_uuid FROM runs WHERE run_id = 1" 2>/dev/null)/last.safetensors" ]; do
        [ $i -lt 600 ] || break
        sleep 0.1; i=$((i + 1))
    done
}

# every FINISHED run is complete: train runs have all their epochs' 7 metrics and 4 evals (val,
# test, without and with TTA), ensembles 2 evals; every eval has one prediction per sample
complete() {
    db=$1
    [ "$(q "$db" "SELECT COUNT(*) FROM runs r WHERE r.status = 'FINISHED' AND r.kind = 'train' AND (
          (SELECT COUNT(*) FROM metrics m WHERE m.run_id = r.run_id) != 7 * (SELECT COUNT(DISTINCT step) FROM metrics m WHERE m.run_id = r.run_id)
          OR (SELECT COUNT(DISTINCT step) FROM metrics m WHERE m.run_id = r.run_id) < 1
          OR (SELECT group_concat(split || (tta_n > 0), ',') FROM (SELECT split, tta_n FROM evals e WHERE e.run_id = r.run_id ORDER BY eval_id)) != 'val0,test0,val1,test1')")" = 0 ] &&
    [ "$(q "$db" "SELECT COUNT(*) FROM runs r WHERE r.status = 'FINISHED' AND r.kind = 'ensemble' AND
          (SELECT COUNT(*) FROM evals e WHERE e.run_id = r.run_id) != 2")" = 0 ] &&
    [ "$(q "$db" "SELECT COUNT(*) FROM evals e WHERE e.n_samples != (SELECT COUNT(*) FROM predictions p WHERE p.eval_id = e.eval_id)")" = 0 ] &&
    [ "$(q "$db" "SELECT COUNT(*) FROM evals")" -gt 0 ] &&
    [ "$(q "$db" "PRAGMA integrity_check")" = ok ] && [ -z "$(q "$db" "PRAGMA foreign_key_check")" ]
}

# result lines ("run ID NAME: N epochs ...") of every process, one per run trained
trained() { cat "$1".*.out | grep -c "^run [0-9]* [^ ]*: [0-9]* epochs"; }
no_locked() { ! grep -l "locked" "$1".*.err >/dev/null 2>&1; }

# --- N processes, one experiment ------------------------------------------------------------------
for n in 2 4 8; do
    db="$tap_tmp/same$n.db"
    race $n "$db" "$claim"
    [ $n_fail -eq 0 ]; ok $? "$n processes running one experiment all exit 0 ($wall s)"
    no_locked "$db"; ok $? "$n processes: no 'database is locked'"
    [ "$(trained "$db")" = 3 ] && [ "$(q "$db" "SELECT COUNT(*) FROM runs WHERE kind = 'train'")" = 3 ] &&
        [ "$(q "$db" "SELECT COUNT(*) FROM runs WHERE kind = 'train' AND status = 'FINISHED'")" = 3 ]
    ok $? "$n processes: 3 runs, each trained exactly once ($(trained "$db") trainings)"
    [ "$(q "$db" "SELECT COUNT(*) FROM (SELECT name FROM runs GROUP BY experiment_id, kind, name, seed HAVING COUNT(*) > 1)")" = 0 ]
    ok $? "$n processes: no duplicate run"
    [ "$(q "$db" "SELECT COUNT(*) || group_concat(DISTINCT status) FROM runs WHERE kind = 'ensemble'")" = 3FINISHED ]
    ok $? "$n processes: the ensemble fused once (3 ensemble runs, FINISHED)"
    [ "$(grep -l "all members (fixed)" "$db".*.out | wc -l)" -eq $n ]
    ok $? "$n processes: every process prints the ensemble table (waiting for members it did not train)"
    complete "$db"; ok $? "$n processes: nothing lost (metrics, evals, predictions; integrity, foreign keys)"
    [ "$(q "$db" "SELECT COUNT(*) FROM waits")" = 0 ]; ok $? "$n processes: no wait left behind"
    diag "N=$n same experiment: $(trained "$db") runs trained, $(q "$db" "SELECT COUNT(*) - COUNT(DISTINCT name) FROM runs") duplicates, $(cat "$db".*.err | grep -c locked) locked errors, ${wall} s"
done

# --- N processes, two experiments ---------------------------------------------------------------
for n in 4 8; do
    db="$tap_tmp/mixed$n.db"
    race $n "$db" "$claim" "$tiny"
    [ $n_fail -eq 0 ] && no_locked "$db"; ok $? "$n processes running two experiments all exit 0, none locked ($wall s)"
    [ "$(trained "$db")" = 4 ] &&
        [ "$(q "$db" "SELECT group_concat(n, ',') FROM (SELECT e.name || ':' || COUNT(*) AS n FROM runs r JOIN experiments e USING (experiment_id) WHERE r.kind = 'train' AND r.status = 'FINISHED' GROUP BY e.name ORDER BY e.name)")" = "claim:3,tiny:1" ]
    ok $? "$n processes, two experiments: 3 + 1 runs, each trained once"
    [ "$(q "$db" "SELECT COUNT(*) FROM runs WHERE kind = 'ensemble'")" = 3 ] && complete "$db"
    ok $? "$n processes, two experiments: one ensemble, nothing lost"
    diag "N=$n two experiments: $(trained "$db") runs trained, $(q "$db" "SELECT COUNT(*) - COUNT(DISTINCT name) FROM runs") duplicates, $(cat "$db".*.err | grep -c locked) locked errors, ${wall} s"
done

# --- a killed run is taken over by exactly one process ----------------------------------------------
db="$tap_tmp/dead.db"
race_args="--epochs 6"
"$exp" run "$claim" --db "$db" --data "$small" --threads 1 $race_args >/dev/null 2>&1 &
pid=$!
wait_epoch "$db"
kill -9 $pid
wait $pid 2>/dev/null
[ "$(q "$db" "SELECT status || owner_pid FROM runs")" = "RUNNING$pid" ]; ok $? "kill -9: the run is left RUNNING, held by the dead pid"
race 4 "$db" "$claim"
[ $n_fail -eq 0 ] && no_locked "$db"; ok $? "4 processes started after the kill all exit 0 ($wall s)"
[ "$(cat "$db".*.err | grep -c "resuming after epoch")" = 1 ]; ok $? "exactly one of them took the dead run over and resumed it"
[ "$(q "$db" "SELECT COUNT(*) FROM runs WHERE kind = 'train'")" = 3 ] && [ "$(trained "$db")" = 3 ] &&
    [ "$(q "$db" "SELECT status FROM runs WHERE run_id = 1")" = FINISHED ] && complete "$db"
ok $? "the killed run FINISHED in its own row; 3 runs, each trained once, nothing lost"
[ "$(q "$db" "SELECT COUNT(DISTINCT step) FROM metrics WHERE run_id = 1")" = 6 ]; ok $? "with all its 6 epochs"
race_args=

# --- 8 processes, 4 of them killed -9 at random moments, then 2 more: every run finished once ------
db="$tap_tmp/chaos.db"
race_args="--epochs 8"
pids=
i=1
while [ $i -le 8 ]; do
    "$exp" run "$claim" --db "$db" --data "$small" --threads 1 $race_args >"$db.$i.out" 2>"$db.$i.err" &
    pids="$pids $!"
    i=$((i + 1))
done
victims=$(echo $pids | tr ' ' '\n' | awk 'NR % 2 == 1')
for v in $victims; do
    sleep "$(awk -v s="$v" 'BEGIN { srand(s); printf "%.2f", 0.3 + rand() * 0.6 }')"
    kill -9 "$v" 2>/dev/null
done
for p in $pids; do wait "$p" 2>/dev/null; done
race 2 "$db" "$claim"
[ $n_fail -eq 0 ] && no_locked "$db"; ok $? "after 4 of 8 processes were killed -9, 2 more finish the experiment ($wall s)"
[ "$(q "$db" "SELECT COUNT(*) || group_concat(DISTINCT status) FROM runs WHERE kind = 'train'")" = 3FINISHED ] &&
    [ "$(q "$db" "SELECT COUNT(*) FROM runs WHERE kind = 'train' AND (SELECT COUNT(DISTINCT step) FROM metrics m WHERE m.run_id = runs.run_id) != 8")" = 0 ]
ok $? "3 runs, each FINISHED once in its own row, with its 8 epochs"
[ "$(q "$db" "SELECT COUNT(*) || group_concat(DISTINCT status) FROM runs WHERE kind = 'ensemble'")" = 3FINISHED ] && complete "$db"
ok $? "the ensemble fused once; nothing lost, integrity and foreign keys ok"
diag "chaos: $(q "$db" "SELECT COUNT(*) FROM runs") runs, $(cat "$db".*.err | grep -c "resuming after epoch") resumed after a kill, $(cat "$db".*.err | grep -c locked) locked errors"
race_args=

# --- two `rmn-exp resume` of one dead run at once: one resumes it, the other is refused ------------
db="$tap_tmp/resume.db"
"$exp" run "$claim" --db "$db" --data "$small" --threads 1 --epochs 6 --only claim-b >/dev/null 2>&1 &
pid=$!
wait_epoch "$db"
kill -9 $pid
wait $pid 2>/dev/null
"$exp" resume claim-b-s1 --db "$db" --threads 1 >/dev/null 2>"$tap_tmp/r1.err" &
r1=$!
"$exp" resume claim-b-s1 --db "$db" --threads 1 >/dev/null 2>"$tap_tmp/r2.err" &
r2=$!
wait $r1; s1=$?
wait $r2; s2=$?
[ $((s1 + s2)) -eq 1 ] && [ "$(cat "$tap_tmp"/r1.err "$tap_tmp"/r2.err | grep -c "resuming after epoch")" = 1 ]
ok $? "two resumes of one dead run: one resumes it (exits $s1 and $s2)"
cat "$tap_tmp"/r1.err "$tap_tmp"/r2.err | grep -q "rmn-exp: error: run 1 claim-b-s1 is \(running in another process (pid [0-9]* on $(hostname))\|finished\): nothing to resume"
ok $? "the other is refused, naming the holder: $(cat "$tap_tmp"/r1.err "$tap_tmp"/r2.err | grep error | head -c 200)"
[ "$(q "$db" "SELECT COUNT(*) || status FROM runs")" = 1FINISHED ] && [ "$(q "$db" "SELECT COUNT(DISTINCT step) FROM metrics")" = 6 ] &&
    complete "$db"
ok $? "one run, FINISHED with its 6 epochs, nothing lost"

# --- a process whose run was taken over (it was taken for dead) stops writing to it ----------------
# runs that only a signal or a takeover ends: no epoch limit in reach, no stop on a plateau (the
# claim experiment's runs stop after 5 epochs without progress, which a fast machine reaches before
# the test acts)
endless="$tap_tmp/endless.json"
jq '.defaults.max_plateau_count = 1000000' "$claim" >"$endless"
db="$tap_tmp/lost.db"
"$exp" run "$endless" --db "$db" --data "$small" --threads 1 --epochs 100000 --only claim-b >/dev/null 2>"$tap_tmp/lost.err" &
pid=$!
wait_epoch "$db"
# what a takeover from another host looks like in the row
q "$db" "UPDATE runs SET owner_host = 'other-host', owner_pid = 77, owner_token = 'x', claimed_ms = updated_ms"
n_then=$(q "$db" "SELECT COUNT(*) FROM metrics")
wait $pid; r=$?
[ $r -eq 1 ] && grep -q "rmn-exp: error: .*taken over by pid 77 on other-host" "$tap_tmp/lost.err"
ok $? "the process that lost its run stops with an error naming the new holder: $(grep error "$tap_tmp/lost.err" | head -c 200)"
[ "$(q "$db" "SELECT status || owner_pid FROM runs")" = RUNNING77 ] && [ "$(q "$db" "SELECT COUNT(*) FROM metrics")" -le $((n_then + 7)) ]
ok $? "and writes nothing more to it: no status, at most the epoch it was committing"

# --- rmn-exp status: who holds what, who waits for what ----------------------------------------------
db="$tap_tmp/status.db"
one="$tap_tmp/one.json"
jq '.name = "claim-one" | .runs = [.runs[0] | .seeds = [1]] | .ensemble.members = ["claim-a"]' "$endless" >"$one"
"$exp" run "$one" --db "$db" --data "$small" --threads 1 --epochs 100000 >/dev/null 2>"$tap_tmp/holder.err" &
holder=$!
wait_epoch "$db"
"$exp" run "$one" --db "$db" --data "$small" --threads 1 --epochs 100000 >/dev/null 2>"$tap_tmp/waiter.err" &
waiter=$!
i=0
until [ "$(q "$db" "SELECT COUNT(*) FROM waits" 2>/dev/null)" = 1 ] || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
"$exp" status --db "$db" >"$tap_tmp/status.out" 2>&1
ok $? "rmn-exp status exits 0 while runs are held and waited for"
host=$(hostname)
grep -q "^run 1 claim-a-s1 (experiment claim-one, train, democnn): RUNNING, pid $holder on $host since 20[0-9-]* [0-9:]* UTC" "$tap_tmp/status.out"
ok $? "status names the run, its experiment, host, pid and since when: $(head -1 "$tap_tmp/status.out")"
grep -q "^  epoch [0-9]*: train_loss" "$tap_tmp/status.out"; ok $? "and its last epoch"
grep -q "^pid $waiter on $host waits since .* for run 1 claim-a-s1 (experiment claim-one), RUNNING, held by pid $holder" "$tap_tmp/status.out"
ok $? "status shows the waiting process and the run it waits for"
grep -q "waiting for 1 ensemble member" "$tap_tmp/waiter.err"; ok $? "the waiter reports its wait once"
"$exp" resume claim-a-s1 --db "$db" --threads 1 >/dev/null 2>"$tap_tmp/resume-live.err"; [ $? -eq 1 ]
ok $? "resuming the held run is refused"
grep -q "running in another process (pid $holder on $host)" "$tap_tmp/resume-live.err"; ok $? "naming its holder: $(head -c 200 "$tap_tmp/resume-live.err")"
kill -TERM $waiter
wait $waiter; r=$?
[ $r -eq 1 ] && [ "$(q "$db" "SELECT COUNT(*) FROM waits")" = 0 ]; ok $? "a waiter stopped by SIGTERM exits 1 and removes its wait"
[ "$(q "$db" "SELECT status FROM runs")" = RUNNING ]; ok $? "and leaves the held run alone"
kill -TERM $holder
wait $holder
[ "$(q "$db" "SELECT status FROM runs")" = KILLED ]; ok $? "the holder stopped by SIGTERM ends its run KILLED"
"$exp" status --db "$db" 2>&1 | grep -q "no run is in progress"; ok $? "then status says no run is in progress"

done_testing
