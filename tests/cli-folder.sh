#!/bin/sh
# cli-folder.sh -- image folders end to end (issue #16, point 4): rmn-data info DIR counts the
# classes and images, names every unreadable file and an empty class folder (exit 1); a run with
# the ImageNet transform trains on a generated tree of 12 classes, records the folder's classes
# and its top-5 accuracy, which rmn-exp show and rmn-report print; with 22 classes the per-class
# table and the confusion matrices are left out; experiments/imagenet.json is valid.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
exp="$RMN_BIN/rmn-exp"
data="$RMN_BIN/rmn-data"
mk="${RMN_BUILDDIR:-.}/tests/folder-make"
export RMN_PROGRESS=plain RMN_CACHE_DIR="$tap_tmp/cache" RMN_CHECKPOINTS="$tap_tmp/ckpt"
q() { sqlite3 "$1" "$2"; }

tree="$tap_tmp/tree"
"$mk" "$tree" 12 6 3; ok $? "folder-make writes a tree of 12 classes (6 train, 3 val images each)"

# --- rmn-data info DIR -----------------------------------------------------------------------
"$data" info "$tree" >"$tap_tmp/info.out" 2>"$tap_tmp/info.err"; ok $? "rmn-data info DIR exits 0"
grep -q "^kind    image folder tree, 12 classes" "$tap_tmp/info.out"; ok $? "12 classes"
[ "$(awk '$1 == "train" || $1 == "val" || $1 == "total" { printf "%s ", $NF }' "$tap_tmp/info.out")" = "72 36 108 " ]
ok $? "images per split and in all ($(awk '$1 == "train" || $1 == "val" || $1 == "total" { printf "%s ", $NF }' "$tap_tmp/info.out"))"
grep -q "no test split: the val images stand in" "$tap_tmp/info.out"; ok $? "no test/: said so"
grep -q "^sha256  [0-9a-f]\{64\}$" "$tap_tmp/info.out"; ok $? "the digest of its files"
"$data" info --json "$tree" | jq -e '.classes | length == 12' >/dev/null; ok $? "--json lists the classes"
ls "$RMN_CACHE_DIR"/folder-*-256.imgcache >/dev/null 2>&1; ok $? "the decoded images are cached (side 256)"

bad="$tap_tmp/bad"
"$mk" "$bad" 3 2 1
printf 'not an image' >"$bad/train/c01/i00.png"
head -c 40 "$bad/val/c02/i00.png" >"$tap_tmp/cut" && mv "$tap_tmp/cut" "$bad/val/c02/i00.png"
"$data" info "$bad" >"$tap_tmp/bad.out" 2>"$tap_tmp/bad.err"; [ $? -eq 1 ]; ok $? "two unreadable files: exit 1"
grep -q "^unreadable 2 files:" "$tap_tmp/bad.out" && grep -q "train/c01/i00.png: not a PNG or JPEG" "$tap_tmp/bad.out" &&
    grep -q "val/c02/i00.png" "$tap_tmp/bad.out"; ok $? "info names both"
grep -q "^train .* 6$" "$tap_tmp/bad.out"; ok $? "and still counts the images"
grep -q "rmn-data: error: .*2 unreadable image files" "$tap_tmp/bad.err"; ok $? "the error says how many"
"$mk" "$tap_tmp/empty" 3 2 1 && mkdir "$tap_tmp/empty/train/c03"
"$data" info "$tap_tmp/empty" >/dev/null 2>"$tap_tmp/empty.err"; [ $? -eq 1 ]
grep -q "empty/train/c03: empty class folder" "$tap_tmp/empty.err"; ok $? "an empty class folder: exit 1, named"

# --- a run with the ImageNet transform -------------------------------------------------------------
db="$tap_tmp/rmn.db"
"$exp" run "$RMN_SRCDIR/tests/data/exp-folder.json" --db "$db" --data "$tree" >"$tap_tmp/run.out" 2>"$tap_tmp/run.err"
ok $? "a run on the folder exits 0"
grep -q "test acc [0-9.]*%, top-5 [0-9.]*%" "$tap_tmp/run.out"; ok $? "it prints top-1 and top-5: $(cat "$tap_tmp/run.out")"
[ "$(q "$db" "SELECT status FROM runs")" = FINISHED ]; ok $? "the run finished"
q "$db" "SELECT config_text FROM runs" | grep -q "^transform=imagenet$"; ok $? "its configuration says transform=imagenet"
[ "$(q "$db" "SELECT value FROM params WHERE key = 'dataset'") $(q "$db" "SELECT value FROM params WHERE key = 'test_split'")" = "tree val" ]
ok $? "it records the data set and that its test images are the val images"
q "$db" "SELECT value FROM params WHERE key = 'classes'" | grep -q '^\["c00","c01",.*"c11"\]$'; ok $? "and the 12 classes"
[ "$(q "$db" "SELECT COUNT(DISTINCT step) FROM metrics WHERE key = 'val_acc5'")" = 2 ]; ok $? "val top-5 per epoch"
ls "$RMN_CACHE_DIR"/folder-*-37.imgcache >/dev/null 2>&1; ok $? "the run's cache: shorter side 37 (32 * 256 / 224, rounded)"
"$exp" show tinyfolder-s2 --db "$db" >"$tap_tmp/show.out"; ok $? "rmn-exp show exits 0"
grep -q "split test  tta_n 0 .*top-5 [0-9.]*%" "$tap_tmp/show.out"; ok $? "show prints top-5"
grep -q "c00 *c01 *c02" "$tap_tmp/show.out"; ok $? "and the classes' names"
"$RMN_BIN/rmn-report" --db "$db" --table zoo --csv >"$tap_tmp/zoo.csv" 2>&1; ok $? "rmn-report zoo"
grep -q "^model,.*acc5" "$tap_tmp/zoo.csv" && grep "^tinyfolder\|^democnn" "$tap_tmp/zoo.csv" | grep -q "[0-9]"
ok $? "the zoo table has a top-5 column: $(grep "^model," "$tap_tmp/zoo.csv")"
"$RMN_BIN/rmn-report" --db "$db" --table zoo --markdown | grep -q "on the test split of tree (top-1 and top-5)"
ok $? "its caption names the data set"

# --- many classes: no per-class table, no confusion matrix --------------------------------------
"$mk" "$tap_tmp/many" 22 2 1
sed 's/"num_classes": 12/"num_classes": 22/; s/tinyfolder/many/' "$RMN_SRCDIR/tests/data/exp-folder.json" >"$tap_tmp/many.json"
db2="$tap_tmp/many.db"
"$exp" run "$tap_tmp/many.json" --db "$db2" --data "$tap_tmp/many" --epochs 1 >/dev/null 2>&1; ok $? "a run of 22 classes"
"$RMN_BIN/rmn-report" --db "$db2" --csv >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "CSV of every table to one stream: a usage error (one table per file)"
mkdir -p "$tap_tmp/all"
"$RMN_BIN/rmn-report" --db "$db2" --csv --out-dir "$tap_tmp/all" >"$tap_tmp/all.out" 2>&1; ok $? "rmn-report of all tables (--out-dir) exits 0"
[ ! -e "$tap_tmp/all/tab-perclass.csv" ] && [ -s "$tap_tmp/all/tab-zoo.csv" ]; ok $? "the per-class table is left out"
"$RMN_BIN/rmn-report" --db "$db2" --table perclass --csv >/dev/null 2>"$tap_tmp/pc.err"; [ $? -eq 1 ]
grep -q "22 classes are more than its 20" "$tap_tmp/pc.err"; ok $? "asked for by name: refused, saying why"
"$exp" show many-s2 --db "$db2" | grep -q "(22 classes: no confusion matrix)"; ok $? "show prints no 22 x 22 matrix"

"$exp" check "$RMN_SRCDIR/experiments/imagenet.json" >"$tap_tmp/check.out"; ok $? "experiments/imagenet.json is valid"
grep -q "3 runs" "$tap_tmp/check.out"; ok $? "with its three models"
done_testing
