#!/bin/sh
# cli-kill.sh -- faults injected, not hoped for: SIGKILL at many moments across every phase of an
# experiment with the demo's phases (tests/data/exp-kill.json: two runs trained with checkpoints,
# val/test evaluations without and with TTA, the ensemble fused three ways), then the report.
# Each round starts a fresh store, kills the pipeline once or twice, runs it again until it
# finishes, and compares with an uninterrupted reference: the same weights (bits of both
# checkpoints and the recorded digest), the same metrics and predictions (SQL dumps), the same
# report files; integrity_check ok, foreign_key_check empty, no duplicate or half-written row,
# every FINISHED run complete -- checked right after each kill too.
#
# Kinds of round (cycled; the moment inside each is drawn from a seeded stream):
#   time      SIGKILL at a random time within the reference run's duration
#   late      the same within its last quarter (evaluations, TTA, ensembles, report)
#   eval      at a random time after the first run's last epoch is in the store (polled): its
#             last checkpoints, final evaluations, TTA
#   ckpt      SIGKILL at a random write or fsync of a checkpoint file (tests/faultfs.so)
#   store     SIGKILL at a random write or fsync of the store file or its WAL (mid-commit)
#   ensemble  from a store whose two runs are finished: SIGKILL at a random store write while the
#             ensembles are fused
#   report    SIGKILL at a random write of rmn-report's files
# The phase a kill hit is read from the store, the checkpoint files and the stage at kill time.
# RMN_KILL_ROUNDS (default 8) and RMN_KILL_SEED (default 12) size a longer campaign by hand:
#   make check TESTS=tests/cli-kill.sh RMN_KILL_ROUNDS=60 RMN_KILL_SEED=7   (docs/FAULTS.md)
. "${RMN_SRCDIR:-.}/tests/tap.sh"
. "${RMN_SRCDIR:-.}/tests/faults-lib.sh"
exp="$RMN_BIN/rmn-exp"
rep="$RMN_BIN/rmn-report"
spec="$RMN_SRCDIR/tests/data/exp-kill.json"
shim="$RMN_BUILDDIR/tests/faultfs.so"
rounds=${RMN_KILL_ROUNDS:-8}
seed=${RMN_KILL_SEED:-12}
export RMN_PROGRESS=plain
unset RMN_CHECKPOINTS RMN_DB FAULTFS_PATH FAULTFS_AT LD_PRELOAD
[ -r "$shim" ] || { echo "1..0 # SKIP $shim not built"; exit 0; }
# Under AddressSanitizer its runtime must come first in the preload list.
preload=$shim
asan=$(ldd "$exp" 2>/dev/null | awk '/libasan/ { print $3; exit }')
[ -n "$asan" ] && preload="$asan:$shim"

# --- a seeded stream: rnd gives the next number in [0, 1) -------------------------------------
# (functions set RND / RINT: a command substitution would lose the stream's position)
rnd_i=0
rnd() {
    rnd_i=$((rnd_i + 1))
    RND=$(awk -v s="$seed" -v i="$rnd_i" 'BEGIN { srand(s); for (k = 0; k < i; ++k) r = rand(); printf "%.6f\n", r }')
}
# rint N: RINT = an integer in 1..N
rint() { rnd; RINT=$(awk -v r="$RND" -v n="$1" 'BEGIN { k = int(r * n) + 1; if (k > n) k = n; print k }'); }

# --- the pipeline: rmn-exp run, then rmn-report (tables, then figures) ------------------------
# pipeline D [T [WHO ENV...]]: with T, SIGKILL T seconds after the start (whichever program runs
# then); with WHO (exp or report) and ENV, that stage runs under env ENV (the preloaded shim).
# Leaves the stage reached in D.stage; returns 0 when all finished, 137 when killed.
pipeline() {
    d=$1; deadline=; who=${3:-}
    [ -n "${2:-}" ] && deadline=$(awk -v a="$(now)" -v t="$2" 'BEGIN { printf "%.3f\n", a + t }')
    [ $# -ge 3 ] && shift 3 || set --
    fenv="$*"
    mkdir -p "$d/report"
    stage exp "$exp" run "$spec" --db "$d/k.db" --checkpoints "$d/ckpt" || return $?
    stage report "$rep" --db "$d/k.db" --experiment kill --markdown --out-dir "$d/report" || return $?
    stage figures "$rep" --db "$d/k.db" --experiment kill --figures "$d/report" --terminals png || return $?
    echo done >"$d.stage"
}
# stage NAME CMD...: one program of the pipeline, killed at the deadline if there is one
stage() {
    name=$1
    echo "$1" >"$d.stage"
    if [ "$1" = "$who" ]; then
        shift
        # shellcheck disable=SC2086 # fenv: NAME=VALUE words without blanks
        env $fenv "$@" >>"$d.out" 2>>"$d.err" &
    else
        shift
        "$@" >>"$d.out" 2>>"$d.err" &
    fi
    pid=$!
    killer=
    if [ -n "$trigger" ] && [ "$name" = exp ]; then
        # SIGKILL $after seconds after the store first satisfies the SQL condition $trigger
        (until [ "$(q "$d/k.db" "$trigger" 2>/dev/null)" = 1 ]; do sleep 0.02; done
         sleep "$after"; kill -9 $pid 2>/dev/null) &
        killer=$!
    elif [ -n "$deadline" ]; then
        left=$(awk -v e="$deadline" -v b="$(now)" 'BEGIN { r = e - b; printf "%.3f\n", (r > 0.001 ? r : 0.001) }')
        (sleep "$left"; kill -9 $pid 2>/dev/null) &
        killer=$!
    fi
    wait $pid
    rc=$?
    [ -n "$killer" ] && kill $killer 2>/dev/null
    return $rc
}

# --- which phase a kill hit ----------------------------------------------------------------------
# Which phase a kill hit: from the stage and the store as the killed process left it.
phase_of() {
    d=$1
    case $(cat "$d.stage") in report|figures) echo report; return ;; esac
    db=$d/k.db
    ntrain=$(q "$db" "SELECT COUNT(*) FROM runs WHERE kind = 'train'" 2>/dev/null)
    [ -n "$ntrain" ] && [ "$ntrain" -gt 0 ] || { echo start; return; }
    cur=$(q "$db" "SELECT run_id || ' ' || run_uuid FROM runs WHERE kind = 'train' AND status != 'FINISHED' ORDER BY run_id LIMIT 1")
    if [ -z "$cur" ]; then
        if [ "$ntrain" -lt 2 ]; then echo start
        elif [ "$(q "$db" "SELECT COUNT(*) FROM runs WHERE kind = 'ensemble' AND status = 'FINISHED'")" -lt 3 ]; then echo ensemble
        else echo exit; fi
        return
    fi
    id=${cur% *}; uuid=${cur#* }
    ep=$(q "$db" "SELECT COUNT(*) FROM metrics WHERE run_id = $id AND key = 'val_acc'")
    ev=$(q "$db" "SELECT COUNT(*) FROM evals WHERE run_id = $id")
    if ls "$d/ckpt/$uuid"/*.tmp.* >/dev/null 2>&1 || [ "$ep" -gt "$(ckpt_epoch "$d/ckpt/$uuid/last.safetensors")" ]; then
        echo checkpoint
    elif [ "$ev" -eq 0 ]; then
        [ "$ep" -lt 3 ] && echo train || echo eval
    elif [ "$ev" -eq 1 ]; then echo eval
    elif [ "$ev" -lt 4 ]; then echo tta
    else echo finish; fi
}
trigger=
# --- the uninterrupted reference, counting its writes --------------------------------------------
ref=$tap_tmp/ref
rm -f "$tap_tmp/count.log"
mkdir -p "$ref"
t0=$(now)
pipeline "$ref" "" exp LD_PRELOAD="$preload" FAULTFS_PATH="$ref/ckpt/" FAULTFS_LOG="$tap_tmp/count.log"
ok $? "reference: the experiment and its report run uninterrupted"
t_ref=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }')
n_ckpt=$(counted "$tap_tmp/count.log")
[ "$(q "$ref/k.db" "SELECT COUNT(*) || status FROM runs GROUP BY status")" = 5FINISHED ] && [ -z "$(problems "$ref/k.db")" ]
ok $? "reference: 2 runs and 3 ensembles FINISHED, store consistent"
fingerprint "$ref" >"$tap_tmp/ref.fp"
grep -q "^weights .*killcnn-narrow-s5=[0-9a-f]\{64\} killcnn-s5=[0-9a-f]\{64\}$" "$tap_tmp/ref.fp" && [ "$(grep -c '^checkpoints [0-9a-f]\{64\} [0-9a-f]\{64\}$' "$tap_tmp/ref.fp")" = 2 ]
ok $? "reference: weight digests and both checkpoints of both runs"
[ -z "$(artifacts_match "$ref/k.db")" ]; ok $? "reference: recorded checkpoint digests match the files"
[ "$(find "$ref/report" -name 'tab-*.md' | wc -l)" = 4 ] && [ "$(find "$ref/report" -name '*.png' | wc -l)" -ge 3 ]
ok $? "reference: report tables and figures written"
# A second uninterrupted run gives the same fingerprint: what is compared is deterministic.
rm -f "$tap_tmp/count.log"
pipeline "$tap_tmp/ref2" "" exp LD_PRELOAD="$preload" FAULTFS_PATH="$tap_tmp/ref2/k.db" FAULTFS_LOG="$tap_tmp/count.log"
fingerprint "$tap_tmp/ref2" | diff "$tap_tmp/ref.fp" - >"$tap_tmp/ref2.diff"
ok $? "a second uninterrupted run has the same fingerprint$(head -c 300 "$tap_tmp/ref2.diff")"
n_store=$(counted "$tap_tmp/count.log")
# The state just before the ensembles: both runs finished (run one at a time with --only).
pre=$tap_tmp/pre
mkdir -p "$pre"
"$exp" run "$spec" --db "$pre/k.db" --checkpoints "$pre/ckpt" --only killcnn >/dev/null 2>&1 &&
    "$exp" run "$spec" --db "$pre/k.db" --checkpoints "$pre/ckpt" --only killcnn-narrow >/dev/null 2>&1
ok $? "a store with both runs finished and no ensemble yet"
rm -f "$tap_tmp/count.log"
cp -R "$pre" "$tap_tmp/pre-count"
LD_PRELOAD="$preload" FAULTFS_PATH="$tap_tmp/pre-count/k.db" FAULTFS_LOG="$tap_tmp/count.log" \
    "$exp" run "$spec" --db "$tap_tmp/pre-count/k.db" --checkpoints "$tap_tmp/pre-count/ckpt" >/dev/null 2>&1
n_ens=$(counted "$tap_tmp/count.log")
rm -f "$tap_tmp/count.log"
mkdir -p "$tap_tmp/rep-count/report"
LD_PRELOAD="$preload" FAULTFS_PATH="$tap_tmp/rep-count/report/" FAULTFS_LOG="$tap_tmp/count.log" \
    "$rep" --db "$ref/k.db" --experiment kill --markdown --out-dir "$tap_tmp/rep-count/report" >/dev/null 2>&1
n_rep=$(counted "$tap_tmp/count.log")
[ "${n_ckpt:-0}" -gt 0 ] && [ "${n_store:-0}" -gt 0 ] && [ "${n_ens:-0}" -gt 0 ] && [ "${n_rep:-0}" -gt 0 ]
ok $? "write and fsync counts: checkpoints $n_ckpt, store $n_store, store while fusing $n_ens, report $n_rep"
# how long the first run's final checkpoints, evaluations and TTA took
t_eval=$(q "$ref/k.db" "SELECT ((SELECT MAX(created_ms) FROM evals WHERE run_id = 1) - (SELECT MAX(ts_ms) FROM metrics WHERE run_id = 1)) / 1000.0")
diag "reference pipeline: $t_ref s (the first run's evaluations $t_eval s); seed $seed, $rounds rounds"

# --- a kill at each of the first store writes: its creation, the run row, params, tags ------------
# (every 3rd of the first 48, the schema's creation; then each one up to RMN_KILL_SWEEP, default
# 84: the experiment row, the first run's row, its params and tags)
sweep=${RMN_KILL_SWEEP:-84}
k=-2; bad_sweep=; no_params=; sweep_kills=0
while [ $k -lt "$sweep" ]; do
    if [ $k -lt 48 ]; then k=$((k + 3)); else k=$((k + 1)); fi
    d=$tap_tmp/s$k
    mkdir -p "$d"
    LD_PRELOAD="$preload" FAULTFS_PATH="$d/k.db" FAULTFS_AT=$k FAULTFS_ACTION=kill \
        "$exp" run "$spec" --db "$d/k.db" --checkpoints "$d/ckpt" >/dev/null 2>&1
    [ $? -eq 137 ] && sweep_kills=$((sweep_kills + 1))
    b=$(problems "$d/k.db")
    [ -z "$b" ] || bad_sweep="$bad_sweep k=$k: $(echo "$b" | head -2 | tr '\n' ';')"
    if [ -z "$no_params" ] && [ "$(q "$d/k.db" "SELECT COUNT(*) FROM runs r WHERE NOT EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.run_id)" 2>/dev/null)" = 1 ]; then
        no_params=$k
    else
        rm -rf "$d"
    fi
done
[ -z "$bad_sweep" ]; ok $? "SIGKILL at each of the first $sweep store writes ($sweep_kills kills) leaves a consistent store$bad_sweep"
kills=$sweep_kills
if [ -n "$no_params" ]; then
    d=$tap_tmp/s$no_params
    diag "store write $no_params: killed between the run row and its params (two transactions)"
    echo exp >"$d.stage"
    pipeline "$d"
    ok $? "killed between a run's row and its params: running it again finishes"
    [ -z "$(problems "$d/k.db")" ] && [ "$(q "$d/k.db" "SELECT COUNT(*) FROM params p JOIN runs r USING (run_id) WHERE r.name = 'killcnn-s5'")" -gt 20 ]
    ok $? "and the resumed run has its params"
    fingerprint "$d" | diff "$tap_tmp/ref.fp" - >"$d.diff"
    ok $? "and the same weights, predictions and report as the reference$(head -c 300 "$d.diff" | tr '\n' ' ')"
else
    skip "no store write in the first $sweep fell between a run's row and its params"
fi

# --- the rounds ------------------------------------------------------------------------------------
phases=
r=0
while [ $r -lt "$rounds" ]; do
    r=$((r + 1))
    d=$tap_tmp/r$r
    case $(((r - 1) % 8)) in
    0|5) kind=time ;; 2) kind=late ;; 1) kind=ckpt ;; 3) kind=store ;; 4) kind=ensemble ;; 6) kind=report ;;
    7) kind=eval ;;
    esac
    trigger=
    mkdir -p "$d"
    how=
    case $kind in
    time)
        rnd; t=$(awk -v u="$RND" -v T="$t_ref" 'BEGIN { printf "%.3f\n", 0.02 + u * T }')
        how="at $t s"
        pipeline "$d" "$t" ;;
    late) # the last quarter: the second run's evaluations and TTA, the ensembles, the report
        rnd; t=$(awk -v u="$RND" -v T="$t_ref" 'BEGIN { printf "%.3f\n", T * (0.75 + 0.25 * u) }')
        how="at $t s"
        pipeline "$d" "$t" ;;
    eval) # after the first run's last epoch is in the store: its checkpoints, evaluations, TTA
        rnd; after=$(awk -v u="$RND" -v T="$t_eval" 'BEGIN { printf "%.3f\n", u * T }')
        trigger="SELECT COUNT(*) = 3 FROM metrics WHERE run_id = 1 AND key = 'val_acc'"
        how="$after s after the first run's last epoch was stored"
        pipeline "$d" ;;
    ckpt)
        rint "$n_ckpt"; k=$RINT; how="at checkpoint write/fsync $k of $n_ckpt"
        pipeline "$d" "" exp LD_PRELOAD="$preload" FAULTFS_PATH="$d/ckpt/" FAULTFS_AT="$k" FAULTFS_ACTION=kill ;;
    store)
        rint "$n_store"; k=$RINT; how="at store write/fsync $k of $n_store"
        pipeline "$d" "" exp LD_PRELOAD="$preload" FAULTFS_PATH="$d/k.db" FAULTFS_AT="$k" FAULTFS_ACTION=kill ;;
    ensemble)
        rm -rf "$d"; cp -R "$pre" "$d"
        rint "$n_ens"; k=$RINT; how="at store write/fsync $k of $n_ens while fusing"
        pipeline "$d" "" exp LD_PRELOAD="$preload" FAULTFS_PATH="$d/k.db" FAULTFS_AT="$k" FAULTFS_ACTION=kill ;;
    report)
        rm -rf "$d"; cp -R "$ref" "$d"; rm -rf "$d/report"
        # the checkpoints' paths are recorded in the store: point them at this copy
        q "$d/k.db" "UPDATE artifacts SET path = replace(path, '$ref/', '$d/')"
        rint "$n_rep"; k=$RINT; how="at report write $k of $n_rep"
        pipeline "$d" "" report LD_PRELOAD="$preload" FAULTFS_PATH="$d/report/" FAULTFS_AT="$k" FAULTFS_ACTION=kill ;;
    esac
    rc=$?
    trigger=
    if [ $rc -eq 0 ]; then
        # the kill came too late (time) or the fault was never reached: nothing was killed
        diag "round $r ($kind $how): finished before the kill"
        ok 0 "round $r: nothing killed"
        continue
    fi
    [ $rc -eq 137 ]; ok $? "round $r: killed $how (exit $rc)"
    kills=$((kills + 1))
    ph=$(phase_of "$d")
    phases="$phases $ph"
    bad=$(problems "$d/k.db")
    [ -z "$bad" ]; ok $? "round $r: after the kill in $ph the store is consistent${bad:+: $(echo "$bad" | head -3 | tr '\n' ';')}"
    if [ "$ph" = report ]; then
        # what exists of the report is whole: rmn-report writes atomically
        torn=$(cd "$d/report" && find . -type f ! -name '*.tmp-*' ! -path '*/.rmn-fig-*' | while read -r f; do cmp -s "$f" "$ref/report/$f" || echo "$f"; done)
        [ -z "$torn" ]; ok $? "round $r: every report file left by the kill is whole${torn:+: $torn}"
    fi
    # a second kill in some rounds: the rerun itself is killed once at a random moment
    if [ "$kind" = time ] && rint 2 && [ "$RINT" = 1 ]; then
        rnd; t=$(awk -v u="$RND" -v T="$t_ref" 'BEGIN { printf "%.3f\n", 0.02 + u * T / 2 }')
        pipeline "$d" "$t"
        rc=$?
        if [ $rc -eq 137 ]; then
            kills=$((kills + 1))
            ph2=$(phase_of "$d")
            phases="$phases $ph2"
            ph="$ph, then $ph2 at $t s"
            bad=$(problems "$d/k.db")
            [ -z "$bad" ]; ok $? "round $r: after a second kill in $ph2 the store is consistent${bad:+: $(echo "$bad" | head -3 | tr '\n' ';')}"
        fi
    fi
    # run it again until it finishes
    tries=0
    rc=1
    while [ $rc -ne 0 ] && [ $tries -lt 3 ]; do
        pipeline "$d"
        rc=$?
        tries=$((tries + 1))
    done
    [ $rc -eq 0 ]; ok $? "round $r: running it again finishes ($tries run)$( [ $rc -eq 0 ] || tail -2 "$d.err" | tr '\n' ' ')"
    bad=$(problems "$d/k.db"; artifacts_match "$d/k.db")
    [ -z "$bad" ]; ok $? "round $r: store consistent, every run finished and complete${bad:+: $(echo "$bad" | head -3 | tr '\n' ';')}"
    fingerprint "$d" | diff "$tap_tmp/ref.fp" - >"$d.diff"
    ok $? "round $r: same weights, checkpoints, metrics, predictions, ensembles and report as the reference$(head -c 400 "$d.diff" | tr '\n' ' ')"
    left=$(find "$d/ckpt" -name '*.tmp.*' | wc -l)
    [ "$left" -eq 0 ]; ok $? "round $r: no temporary checkpoint file left behind ($left)"
    diag "round $r: $kind, killed $how in phase: $ph"
done
summary=$(echo "$phases" | tr ' ' '\n' | sed '/^$/d' | sort | uniq -c | awk '{ printf "%s%s %d", n++ ? ", " : "", $2, $1 }')
diag "$kills kills ($sweep_kills in the sweep of the first store writes, the rest in $rounds rounds); phases hit in the rounds: $summary"
[ "$rounds" -lt 8 ] || [ $((kills - sweep_kills)) -ge $((rounds / 2)) ]; ok $? "at least half the rounds killed something ($((kills - sweep_kills)) kills)"
done_testing
