#!/bin/sh
# cli-slurm.sh -- the Slurm templates on a real single-node Slurm (issue #16, point 3): the test
# starts slurmctld and slurmd (Debian's slurm-wlm) in a scratch directory with a generated
# slurm.conf (auth/none, this user, ports of its own), submits an experiment with
# runners/slurm.sh (a job array of one run per task, each into a store of its own, then the merge
# job), waits for both, checks the merged store and stops the daemons. Skips, saying why, where
# Slurm is not installed or its daemons do not start.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
for p in slurmctld slurmd sbatch squeue scontrol sinfo; do
    command -v "$p" >/dev/null 2>&1 || { echo "1..0 # SKIP $p not found (Debian: slurm-wlm)"; exit 0; }
done
claim="$RMN_SRCDIR/tests/data/exp-claim.json"
# the jobs inherit this environment (sbatch --export=ALL): TMPDIR is the node's scratch
export RMN_CACHE_DIR="$tap_tmp/cache" TMPDIR="$tap_tmp/node-tmp"
mkdir -p "$TMPDIR"
q() { sqlite3 "$1" "$2"; }

# --- a cluster of one node ----------------------------------------------------------------------
sl="$tap_tmp/slurm"
mkdir -p "$sl/state" "$sl/spool" "$sl/log"
user=$(id -un)
ctld_pid='' d_pid=''
stop_slurm() {
    for p in $d_pid $ctld_pid; do kill "$p" 2>/dev/null; done
    for p in $d_pid $ctld_pid; do wait "$p" 2>/dev/null; done
    ctld_pid='' d_pid=''
}
trap 'stop_slurm; rm -rf "$tap_tmp"' EXIT
trap 'exit 1' INT TERM
# ports from this process's id, so that two test runs on one machine do not meet
port=$((20000 + ($$ % 4000) * 2))
cat >"$sl/slurm.conf" <<CONF
ClusterName=rmntest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/none
CredType=cred/none
SlurmUser=$user
SlurmdUser=$user
StateSaveLocation=$sl/state
SlurmdSpoolDir=$sl/spool
SlurmctldPidFile=$sl/slurmctld.pid
SlurmdPidFile=$sl/slurmd.pid
SlurmctldLogFile=$sl/log/slurmctld.log
SlurmdLogFile=$sl/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=600
NodeName=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$sl/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$sl/log/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -N localhost -f "$SLURM_CONF" >"$sl/log/slurmd.out" 2>&1 &
d_pid=$!
up=0
for _ in $(seq 1 60); do
    if sinfo -h -o %t 2>/dev/null | grep -q idle; then up=1; break; fi
    if ! kill -0 "$ctld_pid" 2>/dev/null || ! kill -0 "$d_pid" 2>/dev/null; then break; fi
    sleep 0.5
done
if [ "$up" != 1 ]; then
    why=$(cat "$sl/log/slurmctld.out" "$sl/log/slurmd.out" 2>/dev/null | grep -i -m 1 "error\|fatal")
    echo "1..0 # SKIP the Slurm daemons did not start: ${why:-no idle node after 30 s}"
    exit 0
fi
ok 0 "slurmctld and slurmd run as $user on ports $port/$((port + 1)); the node is idle"

# --- an experiment as a job array, then the merge --------------------------------------------
small="$tap_tmp/small.csv"
xz -dc "$RMN_SAMPLE" | awk -F, 'NR == 1 { print; next } { n[$3]++ }
    ($3 == "Training" && n[$3] <= 240) || ($3 != "Training" && n[$3] <= 60)' >"$small"
# wait_jobs ID...: until none is pending or running (at most 300 s)
wait_jobs() {
    for _ in $(seq 1 600); do
        [ -z "$(squeue -h -j "$(echo "$*" | tr ' ' ,)" 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    return 1
}
state_of() { scontrol show job "$1" | grep -o "JobState=[A-Z_]*" | sort -u | tr '\n' ' '; }

out="$tap_tmp/zoo"
RMN_BIN="$RMN_BIN" "$RMN_SRCDIR/runners/slurm.sh" "$claim" --dir "$out" --cpus 1 -- --data "$small" \
    >"$tap_tmp/submit.out" 2>"$tap_tmp/submit.err"
ok $? "runners/slurm.sh submits the experiment"
grep -q "submitted 3 runs of .* as job array [0-9]* (tasks 0,1,2), merge job [0-9]*" "$tap_tmp/submit.out"
ok $? "as a job array of its 3 runs and a merge job: $(head -n 1 "$tap_tmp/submit.out")"
read -r array_id merge_id <"$out/jobs"
wait_jobs "$array_id" "$merge_id"; ok $? "both jobs end within 300 s"
[ "$(state_of "$array_id")" = "JobState=COMPLETED " ]; ok $? "every array task completed ($(state_of "$array_id"))"
[ "$(state_of "$merge_id")" = "JobState=COMPLETED " ]; ok $? "the merge job completed ($(state_of "$merge_id"))"
for i in 0 1 2; do
    [ "$(q "$out/tasks/task-$i.db" "SELECT COUNT(*) || ' ' || status FROM runs")" = "1 FINISHED" ]
    ok $? "task $i trained one run into its own store"
done
[ "$(q "$out/tasks/task-1.db" "SELECT name FROM runs")" = claim-a-s2 ]; ok $? "task 1 trained run 1 (claim-a-s2)"
grep -q "rmn: task 2 of job $array_id on .*: .* run 2, 1 threads" "$out"/logs/rmn-exp-claim-*_2.out
ok $? "each task logs what it runs"
[ "$(q "$out/rmn.db" "SELECT group_concat(name || ':' || status, ' ') FROM (SELECT name, status FROM runs
        WHERE kind = 'train' ORDER BY name)")" = "claim-a-s1:FINISHED claim-a-s2:FINISHED claim-b-s1:FINISHED" ]
ok $? "the merged store holds the three runs"
[ "$(q "$out/rmn.db" "SELECT COUNT(*) FROM runs WHERE kind = 'ensemble' AND status = 'FINISHED'")" = 3 ]
ok $? "and the ensembles fused from them"
"$RMN_BIN/rmn-report" --db "$out/rmn.db" --table zoo --csv 2>/dev/null | grep -q "^claim-b,"
ok $? "rmn-report reads the merged store"

# --- a store on the node's disk, merged back when the task ends ---------------------------------
RMN_BIN="$RMN_BIN" "$RMN_SRCDIR/runners/slurm.sh" "$claim" --dir "$out" --cpus 1 --only claim-b --local-store \
    -- --data "$small" --seed 5 >"$tap_tmp/submit2.out" 2>&1
ok $? "--only claim-b --local-store submits one task"
read -r array_id merge_id <"$out/jobs"
wait_jobs "$array_id" "$merge_id" && [ "$(state_of "$array_id")" = "JobState=COMPLETED " ]
ok $? "it completes"
[ "$(q "$out/tasks/task-2.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM runs ORDER BY seed)")" = "claim-b-s1 claim-b-s5" ]
ok $? "its local store was merged into the task's store (which kept its first run)"
[ "$(q "$out/rmn.db" "SELECT COUNT(*) FROM runs WHERE kind = 'train'")" = 4 ]; ok $? "and into the merged store"
[ -z "$(find "$TMPDIR" -mindepth 1 -maxdepth 1)" ]; ok $? "the task removed its scratch directory"

# --- bad input is refused before anything is submitted -----------------------------------------
njobs=$(scontrol show jobs 2>/dev/null | grep -c "^JobId=")
RMN_BIN="$RMN_BIN" "$RMN_SRCDIR/runners/slurm.sh" "$tap_tmp/missing.json" --dir "$tap_tmp/none" >/dev/null 2>&1
[ $? -eq 1 ] && [ "$(scontrol show jobs | grep -c "^JobId=")" = "$njobs" ]; ok $? "an unknown experiment: exit 1, nothing submitted"
RMN_BIN="$RMN_BIN" "$RMN_SRCDIR/runners/slurm.sh" "$claim" --cpus 0 >/dev/null 2>&1; [ $? -eq 2 ]
ok $? "--cpus 0: exit 2"
pids="$ctld_pid $d_pid"
stop_slurm
alive=0
for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
[ "$alive" = 0 ]; ok $? "the daemons are stopped"
done_testing
