#!/bin/sh
# cli-dist.sh -- data-parallel training on 2 MPI ranks on loopback (mpirun --oversubscribe):
# tests/test-dist's equivalence checks, then `rmn-exp run` on 2 ranks (one store row written
# by rank 0, the same weights on every rank), ranks that disagree on the configuration or the
# data, a killed rank, and `rmn-exp resume` of its run on one rank. Skips where mpirun is
# missing or rmn was built without MPI.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
MPIRUN=${MPIRUN:-$(command -v mpirun)}
exp="$RMN_BIN/rmn-exp"
tiny="$RMN_SRCDIR/tests/data/exp-tiny.json"
if ! grep -q "define RMN_HAVE_MPI 1" "$RMN_BUILDDIR/config.h"; then
    # a build without MPI, started as one of 2 ranks (the launcher's environment): it says how to get MPI
    OMPI_COMM_WORLD_SIZE=2 "$exp" run "$tiny" --db "$tap_tmp/x.db" >/dev/null 2>"$tap_tmp/x.err"
    [ $? -eq 1 ] && grep -q "built without MPI: install OpenMPI (Debian: apt-get install libopenmpi-dev openmpi-bin)" "$tap_tmp/x.err" &&
        [ ! -e "$tap_tmp/x.db" ]
    ok $? "without MPI, under a launcher with 2 ranks: refused, saying how to get MPI"
    diag "rmn built without MPI: the data-parallel tests skip (Debian: apt-get install libopenmpi-dev openmpi-bin, then ./configure)"
    done_testing
    exit
fi
if [ -z "$MPIRUN" ]; then
    echo "1..0 # SKIP no mpirun (Debian: apt-get install openmpi-bin)"
    exit 0
fi
# as root in containers; loopback only, no other network
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,tcp \
    OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_rmaps_base_oversubscribe=1
mpi() { timeout 300 "$MPIRUN" --oversubscribe "$@"; }
export RMN_PROGRESS=plain RMN_CHECKPOINTS="$tap_tmp/ckpt"
q() { sqlite3 "$1" "$2"; }

# --- the library: equivalence with one rank ---------------------------------------------------
mpi -np 2 "$RMN_BUILDDIR/tests/test-dist" >"$tap_tmp/lib.tap" 2>"$tap_tmp/lib.err"
ok $? "test-dist on 2 ranks passes"
sed -n 's/^# /  /p' "$tap_tmp/lib.tap" | while read -r line; do diag "$line"; done
grep -c "^ok" "$tap_tmp/lib.tap" | { read -r n; [ "$n" -ge 10 ]; }; ok $? "with its checks ($(grep -c '^ok' "$tap_tmp/lib.tap") ok)"
grep "^not ok" "$tap_tmp/lib.tap" >&2

# --- rmn-exp run on 2 ranks ---------------------------------------------------------------------
mpi -np 2 "$exp" run "$tiny" --db "$tap_tmp/a.db" --epochs 2 >"$tap_tmp/a.out" 2>"$tap_tmp/a.err"
ok $? "mpirun -np 2 rmn-exp run tiny exits 0"
[ "$(q "$tap_tmp/a.db" "SELECT COUNT(*) FROM runs")" = 1 ] && [ "$(q "$tap_tmp/a.db" "SELECT status FROM runs")" = FINISHED ]
ok $? "one run row, FINISHED (rank 0 writes the store)"
[ "$(q "$tap_tmp/a.db" "SELECT value FROM tags WHERE key='ranks'")" = 2 ]; ok $? "tagged ranks=2"
[ "$(q "$tap_tmp/a.db" "SELECT COUNT(DISTINCT step) FROM metrics")" = 2 ]; ok $? "two epochs' metrics, once each"
[ "$(grep -c '^run 1 tinycnn-s3' "$tap_tmp/a.out")" = 1 ]; ok $? "the result printed once"
[ "$(ls "$RMN_CHECKPOINTS" | wc -l)" = 1 ] && ! ls "$RMN_CHECKPOINTS"/*/*.tmp.* >/dev/null 2>&1
ok $? "one checkpoint directory, no temporaries"

# --- ranks that disagree --------------------------------------------------------------------------
mpi -np 1 "$exp" run "$tiny" --db "$tap_tmp/b.db" --epochs 2 : -np 1 "$exp" run "$tiny" --db "$tap_tmp/b.db" --epochs 3 \
    >/dev/null 2>"$tap_tmp/b.err"
[ $? -ne 0 ] && grep -q "rank 1 does not agree with rank 0 on the configuration of run tinycnn-s3" "$tap_tmp/b.err"
ok $? "a rank with another configuration: refused, naming rank 1"
[ "$(q "$tap_tmp/b.db" "SELECT COUNT(*) FROM metrics")" = 0 ]; ok $? "and nothing trained"
xz -dc "$RMN_SAMPLE" | head -n 1500 >"$tap_tmp/other.csv"
mpi -np 1 "$exp" run "$tiny" --db "$tap_tmp/c.db" --epochs 2 : -np 1 "$exp" run "$tiny" --db "$tap_tmp/c.db" --epochs 2 \
    --data "$tap_tmp/other.csv" >/dev/null 2>"$tap_tmp/c.err"
[ $? -ne 0 ] && grep -q "rank 1 does not agree with rank 0 on the data's sha256" "$tap_tmp/c.err"
ok $? "a rank with other data: refused, naming rank 1"

# --- sync_bn: a boolean, in the canonical configuration only when on ---------------------------------
sed 's/"tta_n": 4/"tta_n": 4, "sync_bn": 2/' "$tiny" >"$tap_tmp/bad-sync.json"
"$exp" check "$tap_tmp/bad-sync.json" >/dev/null 2>"$tap_tmp/bad-sync.err"
[ $? -ne 0 ] && grep -q "sync_bn must be true or false" "$tap_tmp/bad-sync.err"; ok $? "sync_bn: 2 refused"
sed 's/"tta_n": 4/"tta_n": 4, "sync_bn": true/' "$tiny" >"$tap_tmp/sync.json"
"$exp" check "$tap_tmp/sync.json" >/dev/null 2>&1; ok $? "sync_bn: true accepted"

# --- a batch size the ranks do not divide -------------------------------------------------------
mpi -np 3 "$exp" run "$tiny" --db "$tap_tmp/d.db" >/dev/null 2>"$tap_tmp/d.err"
[ $? -ne 0 ] && grep -q "batch_size 32 does not divide among 3 ranks" "$tap_tmp/d.err" && [ ! -e "$tap_tmp/d.db" ]
ok $? "3 ranks for batch 32: refused before any data or store"

# --- a killed rank ends the job; the run resumes on one rank --------------------------------------
mpi -np 2 "$exp" run "$tiny" --db "$tap_tmp/e.db" --epochs 3 >/dev/null 2>"$tap_tmp/e.err" &
job=$!
i=0
until [ "$(q "$tap_tmp/e.db" "SELECT COUNT(*) FROM metrics WHERE key='val_acc'" 2>/dev/null)" = 1 ]; do
    [ $i -lt 2400 ] || break
    sleep 0.05; i=$((i + 1))
done
victim=""
survivor=""
for p in $(pgrep -f "e.db --epochs 3"); do
    case $(tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep '^OMPI_COMM_WORLD_RANK=') in
    OMPI_COMM_WORLD_RANK=1) victim=$p ;;
    OMPI_COMM_WORLD_RANK=0) survivor=$p ;;
    esac
done
[ -n "$victim" ] && kill -9 "$victim"
ok $? "rank 1 killed during epoch 2 (pid $victim)"
wait $job; rc=$?
[ $rc -ne 0 ] && grep -q "rank 1" "$tap_tmp/e.err"; ok $? "the job ends with a failure naming the rank (exit $rc)"
cp "$tap_tmp/e.err" "${RMN_KILL_LOG:-/dev/null}"
[ "$(q "$tap_tmp/e.db" "SELECT status FROM runs")" != FINISHED ]; ok $? "the run is not finished"
# mpirun may return while the surviving rank is still ending (on a loaded machine); until it
# has, it holds the run and resume rightly refuses ("running in another process"). Once dead it
# may stay a zombie a while (its new parent reaps it), which holds nothing.
state() { sed 's/.*) \([A-Za-z]\).*/\1/' "/proc/$1/stat" 2>/dev/null; }
i=0
while [ -n "$survivor" ] && [ -e "/proc/$survivor" ] && [ "$(state "$survivor")" != Z ] && [ $i -lt 2400 ]; do
    sleep 0.05; i=$((i + 1))
done
"$exp" resume tinycnn-s3 --db "$tap_tmp/e.db" >/dev/null 2>"$tap_tmp/e2.err"
r=$?
ok $r "rmn-exp resume continues it on one rank"
if [ $r -ne 0 ]; then
    sed 's/^/# /' "$tap_tmp/e2.err"
    diag "rank 0 (pid $survivor): state $(state "$survivor"), waited $((i / 20)) s; ps: $(ps -o pid,ppid,stat,etime,wchan:20,cmd -p "$survivor" 2>&1 | tail -n 1)"
fi
[ "$(q "$tap_tmp/e.db" "SELECT status FROM runs")" = FINISHED ] && [ "$(q "$tap_tmp/e.db" "SELECT COUNT(DISTINCT step) FROM metrics")" = 3 ]
ok $? "and finishes it with 3 epochs"
done_testing
