#!/bin/sh
# cli-store.sh -- stores that are read, not written: a mistyped --db is an error that creates
# nothing (only rmn-exp run and rmn-train create stores); a store its reader cannot write (a
# shared results folder, a read-only mount: tried as an unprivileged user) is listed, shown,
# reported and backed up without a byte changed or a -wal/-shm file made; rmn-exp backup makes
# a whole copy of a store while a run writes it.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
export RMN_PROGRESS=plain RMN_CACHE_DIR="$tap_tmp/cache"
exp="$RMN_BIN/rmn-exp"
cd "$tap_tmp" || exit 1
unset RMN_DB

# --- a mistyped store: an error naming it and the stores beside it, nothing created -----------
"$RMN_BUILDDIR/tests/test-report-mkdb" rmn.db
before=$(sha256sum rmn.db)
for cmd in "$exp list" "$exp status" "$exp show resnet18-s1" "$exp backup b.db" \
    "$exp resume resnet18-s1" "$RMN_BIN/rmn-ensemble" "$RMN_BIN/rmn-report --csv --table zoo"; do
    $cmd --db rmn.dv >o.txt 2>e.txt
    rc=$?
    [ $rc -eq 1 ] && grep -q "rmn.dv: no such store" e.txt && grep -q "did you mean 'rmn.db'?" e.txt &&
        [ ! -e rmn.dv ] && [ ! -e b.db ]
    ok $? "${cmd##*/} --db rmn.dv: exit 1, did you mean rmn.db, nothing created"
done
mkdir empty && (cd empty && "$RMN_BIN/rmn-ensemble" >/dev/null 2>../e.txt)
[ $? -eq 1 ] && [ -z "$(ls empty)" ]
ok $? "rmn-ensemble with no arguments in an empty folder creates no rmn.db"
[ "$(sha256sum rmn.db)" = "$before" ]
ok $? "the real store is untouched"

# --- a store its reader cannot write ------------------------------------------------------------
# As root, permissions are not enforced: the reader is then the unprivileged user nobody.
mkdir -p shared/results && cp rmn.db shared/results/rmn.db && chmod 755 "$tap_tmp" shared
chmod 555 shared/results && chmod 444 shared/results/rmn.db
as_reader() { "$@"; }
reader=yes
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv >/dev/null 2>&1 &&
        setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$exp" 2>/dev/null; then
        as_reader() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
        mkdir out && chmod 777 out
    else
        reader=no
    fi
else
    mkdir out
fi
if [ $reader = no ]; then
    skip "running as root without setpriv, or the build tree is not readable by nobody"
else
    ro=shared/results/rmn.db
    sum=$(sha256sum $ro)
    as_reader "$exp" list --db $ro >out/list 2>out/err; rc1=$?
    as_reader "$exp" status --db $ro >out/status 2>>out/err; rc2=$?
    as_reader "$exp" show resnet18-s1 --db $ro >out/show 2>>out/err; rc3=$?
    as_reader "$RMN_BIN/rmn-report" --db $ro --markdown >out/report.md 2>>out/err; rc4=$?
    as_reader "$exp" names runs --db $ro >out/names 2>>out/err; rc5=$?
    [ $rc1$rc2$rc3$rc4$rc5 = 00000 ] && grep -q resnet18-s1 out/list && grep -q "^run .* resnet18-s1" out/show &&
        grep -q "| resnet18 |" out/report.md && grep -qx resnet18-s1 out/names
    ok $? "list, status, show, rmn-report and names read it ($(id -un 2>/dev/null) -> $(as_reader id -un 2>/dev/null)): $(head -c 200 out/err)"
    as_reader "$exp" backup out/copy.db --db $ro 2>out/err
    [ $? -eq 0 ] && "$exp" list --db out/copy.db | grep -q resnet18-s1
    ok $? "backup copies it into a folder the reader may write"
    [ "$(sha256sum $ro)" = "$sum" ] && [ ! -e $ro-wal ] && [ ! -e $ro-shm ] &&
        [ "$(ls shared/results)" = rmn.db ]
    ok $? "not a byte changed, no -wal or -shm file made"
    as_reader "$exp" run "$RMN_SRCDIR/tests/data/exp-tiny.json" --db $ro >/dev/null 2>out/err
    [ $? -eq 1 ] && grep -q "rmn-exp: error: .*rmn.db: cannot write this store" out/err &&
        ! grep -q loading out/err && [ "$(sha256sum $ro)" = "$sum" ]
    ok $? "a run on it is refused before any data loads, naming the store: $(head -c 160 out/err)"
fi
chmod 755 shared/results

# --- backup while a run writes ------------------------------------------------------------------
live=live.db
"$exp" run "$RMN_SRCDIR/tests/data/exp-tiny.json" --db $live --epochs 4 >run.out 2>run.err &
runner=$!
n=0
until [ "$(sqlite3 $live "SELECT COUNT(*) FROM metrics WHERE key='val_acc'" 2>/dev/null)" -ge 1 ] 2>/dev/null ||
    [ $n -ge 600 ]; do
    sleep 0.1
    n=$((n + 1))
done
"$exp" backup during.db --db $live 2>backup.err
brc=$?
running=$(sqlite3 during.db "SELECT status FROM runs" 2>/dev/null)
epochs=$(sqlite3 during.db "SELECT COUNT(*) FROM metrics WHERE key='val_acc'" 2>/dev/null)
wait $runner
rrc=$?
[ $brc -eq 0 ] && [ "$(sqlite3 during.db 'PRAGMA integrity_check')" = ok ]
ok $? "rmn-exp backup during a run: exit 0, the copy passes SQLite's integrity check"
[ "$running" = RUNNING ] && [ "${epochs:-0}" -ge 1 ] && [ "$epochs" -lt 4 ]
ok $? "the copy holds the run as it was, RUNNING after $epochs of 4 epochs"
"$exp" show tinycnn-s3 --db during.db >show.out 2>&1 && grep -q "val_acc%" show.out
ok $? "rmn-exp reads the copy (its metrics included)"
[ $rrc -eq 0 ] && [ "$(sqlite3 $live "SELECT status FROM runs")" = FINISHED ] &&
    [ "$(sqlite3 $live "SELECT COUNT(*) FROM metrics WHERE key='val_acc'")" = 4 ]
ok $? "the run itself went on to finish, undisturbed"
sqlite3 $live "SELECT key, step, value FROM metrics WHERE step <= $epochs ORDER BY key, step" >a
sqlite3 during.db "SELECT key, step, value FROM metrics ORDER BY key, step" >b
cmp -s a b
ok $? "the copy's metrics are the live store's first $epochs epochs, value for value"
# docs/STORE.md's ten lines of Python read the finished store (Python is optional here)
if [ -x /usr/bin/python3 ] && [ -f "$RMN_SRCDIR/docs/STORE.md" ]; then
    sed -n '/^```python$/,/^```$/p' "$RMN_SRCDIR/docs/STORE.md" | sed '1d;$d' >store.py
    cp $live rmn.db.py && mv rmn.db rmn.db.fixture && mv rmn.db.py rmn.db
    /usr/bin/python3 store.py >py.out 2>py.err
    [ $? -eq 0 ] && [ "$(wc -l <store.py)" -le 10 ] && grep -q "^tinycnn-s3 val acc %: \[" py.out &&
        [ "$(grep -c '^[0-9]* [0-6] [0-6] (' py.out)" = 3 ]
    ok $? "docs/STORE.md's Python example reads curves and predictions: $(head -c 120 py.out) $(head -c 200 py.err)"
    mv rmn.db.fixture rmn.db
else
    skip "no /usr/bin/python3 for docs/STORE.md's example"
fi
sum=$(sha256sum during.db)
"$exp" backup during.db --db $live 2>e.txt
[ $? -eq 1 ] && grep -q "during.db exists" e.txt && [ "$(sha256sum during.db)" = "$sum" ] &&
    [ -z "$(ls | grep 'during.db.tmp')" ]
ok $? "a backup never replaces a file, and leaves no temporary behind"
done_testing
