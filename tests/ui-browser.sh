#!/bin/sh
# ui-browser.sh -- rmn-ui's pages in a real browser: headless chromium driven over WebDriver by
# chromedriver (this script is the client: curl and jq), each page's content checked against
# the store (rmn-exp list, rmn-report --markdown, and sqlite3 on the store's tables when it is
# installed): the runs list and its numbers, sorting by a click, filtering by typing, selecting
# runs and comparing their curves, a run's curves, evaluations, confusion matrices and params,
# an ensemble's members, the report's tables equal to rmn-report's, and a running run's curve
# growing when an epoch is written, without a reload. RMN_UI_SHOTS=DIR keeps a screenshot of
# each page there. Skips with a message where chromium, chromedriver, curl, jq or libmicrohttpd
# is missing.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
. "$RMN_SRCDIR/tests/ui-lib.sh"
MKDB=${RMN_BUILDDIR:-.}/tests/test-ui-mkdb

CHROME=
for c in chromium chromium-browser google-chrome; do
    if command -v "$c" > /dev/null 2>&1; then CHROME=$(command -v "$c"); break; fi
done
if ! grep -q "define RMN_HAVE_MICROHTTPD 1" "${RMN_BUILDDIR:-.}/config.h" 2> /dev/null; then
    skip "rmn-ui was built without libmicrohttpd: no browser test"
    done_testing
fi
for need in curl jq chromedriver; do
    if ! command -v $need > /dev/null 2>&1; then
        skip "$need is not installed (apt-get install chromium chromium-driver curl jq): no browser test"
        done_testing
    fi
done
if [ -z "$CHROME" ]; then
    skip "chromium is not installed (apt-get install chromium chromium-driver): no browser test"
    done_testing
fi

db=$tap_tmp/ui.db
live=$("$MKDB" "$db")
ui_start "$db"
ok $? "fixture store served at $UI_URL"
U=$UI_URL

# chromedriver on a free port (tried from one derived from our pid)
DPID=
trap 'ui_stop; [ -n "$DPID" ] && kill $DPID 2> /dev/null; rm -rf "$tap_tmp"' EXIT
for try in 1 2 3 4 5; do
    WDP=$((20000 + ($$ * 7 + try * 131) % 40000))
    chromedriver --port=$WDP > "$tap_tmp/driver.log" 2>&1 &
    DPID=$!
    i=0
    while [ $i -lt 50 ] && ! curl -s "http://127.0.0.1:$WDP/status" 2> /dev/null | grep -q '"ready":true'; do
        sleep 0.1
        i=$((i + 1))
    done
    curl -s "http://127.0.0.1:$WDP/status" 2> /dev/null | grep -q '"ready":true' && break
    kill $DPID 2> /dev/null
    DPID=
done
if [ -z "$DPID" ]; then
    skip "chromedriver did not start: $(tail -n 2 "$tap_tmp/driver.log")"
    done_testing
fi
WD=http://127.0.0.1:$WDP
caps=$(jq -nc --arg b "$CHROME" --arg p "$tap_tmp/profile" '{capabilities: {alwaysMatch: {browserName: "chrome",
    "goog:chromeOptions": {binary: $b, args: ["--headless=new", "--no-sandbox", "--disable-gpu",
    "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=\($p)"]}}}}')
S=$(curl -s -X POST -H 'Content-Type: application/json' -d "$caps" "$WD/session" | jq -r '.value.sessionId // empty')
if [ -z "$S" ]; then
    skip "chromium did not start under chromedriver: $(tail -n 2 "$tap_tmp/driver.log")"
    done_testing
fi

# --- a WebDriver client ----------------------------------------------------------------------
wd() { # METHOD PATH [JSON]: a command of the session
    curl -s -X "$1" -H 'Content-Type: application/json' ${3:+-d "$3"} "$WD/session/$S$2"
}
go() { wd POST /url "$(jq -nc --arg u "$U$1" '{url: $u}')" > /dev/null; }
js() { wd POST /execute/sync "$(jq -nc --arg s "$1" '{script: $s, args: []}')" | jq -c .value; }
wait_js() { # SCRIPT: waits up to 15 s for it to return true
    i=0
    while [ $i -lt 150 ]; do
        [ "$(js "$1")" = true ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
element() { wd POST /element "$(jq -nc --arg c "$1" '{using: "css selector", value: $c}')" | jq -r '.value | to_entries[0].value'; }
click() { wd POST "/element/$(element "$1")/click" '{}' > /dev/null; }
type_in() { e=$(element "$1"); wd POST "/element/$e/clear" '{}' > /dev/null; wd POST "/element/$e/value" "$(jq -nc --arg t "$2" '{text: $t}')" > /dev/null; }
shot() { # NAME HEIGHT: a screenshot of the window resized to HEIGHT px
    [ -n "$RMN_UI_SHOTS" ] || return 0
    wd POST /window/rect "{\"width\": 1400, \"height\": $2}" > /dev/null
    sleep 0.3
    mkdir -p "$RMN_UI_SHOTS" && wd GET /screenshot | jq -r .value | base64 -d > "$RMN_UI_SHOTS/$1.png"
    wd POST /window/rect '{"width": 1400, "height": 1000}' > /dev/null
}
no_error() { [ "$(js "return document.querySelector('.error') === null")" = true ]; }
HAVE_SQLITE=0
command -v sqlite3 > /dev/null 2>&1 && HAVE_SQLITE=1
q() { sqlite3 -readonly "$db" "$1"; }

# --- the runs ---------------------------------------------------------------------------------
"$RMN_BIN/rmn-exp" list --json --db "$db" > "$tap_tmp/list.json"
"$RMN_BIN/rmn-exp" list --db "$db" > "$tap_tmp/list.txt"
n_runs=$(jq length "$tap_tmp/list.json")
go /
wait_js "return document.querySelectorAll('#runs-table tbody tr[data-run-id]').length === $n_runs"
ok $? "the runs page lists the store's $n_runs runs"
rows='return [...document.querySelectorAll("#runs-table tbody tr[data-run-id]")]'
js "$rows.map(tr => [\"id\", \"val\", \"test\", \"tta\"].map(k => tr.querySelector(\"td[data-key=\" + k + \"]\").textContent.replace(/ \\(\\d+\\)$/, \"\").replace(\"–\", \"-\")).join(\" \")).join(\"\\n\")" |
    jq -r . | sort -n > "$tap_tmp/page.txt"
awk 'NR > 1 { print $1, $8, $9, $10 }' "$tap_tmp/list.txt" | sort -n > "$tap_tmp/list4.txt"
[ -s "$tap_tmp/page.txt" ] && cmp -s "$tap_tmp/page.txt" "$tap_tmp/list4.txt"
ok $? "every run's best val, test and TTA accuracies (%) as rmn-exp list prints them"
[ "$(js "return document.querySelector('tr[data-run-id=\"$live\"] .status').textContent")" = '"RUNNING"' ] &&
    [ "$(js "return document.querySelector('aside a.active').textContent")" = '"All experiments12 runs, 1 running"' ] &&
    [ "$(js "return document.getElementById('live').hidden")" = false ] && no_error
ok $? "the running run, the experiments with their counts, the live marker"
shot runs 820

click 'th[data-key=val]'
wait_js "return document.querySelector('th[data-key=val]').getAttribute('aria-sort') === 'descending'"
want=$(jq -c '[(map(select(.best_val_acc_frac != null)) | sort_by(-.best_val_acc_frac, -.run_id)), (map(select(.best_val_acc_frac == null)) | sort_by(-.run_id))] | add | map(.run_id)' "$tap_tmp/list.json")
[ "$(js "$rows.map(tr => +tr.dataset.runId)")" = "$want" ]
ok $? "a click on 'Best val %' sorts by it, best first (runs without one last)"
click 'th[data-key=val]'
wait_js "return document.querySelector('th[data-key=val]').getAttribute('aria-sort') === 'ascending'" &&
    [ "$(js "$rows.slice(0, 2).map(tr => tr.querySelector('td[data-key=name]').textContent)")" = \
        "$(jq -c '[map(select(.best_val_acc_frac != null)) | sort_by(.best_val_acc_frac, -.run_id) | .[0:2][] | .name]' "$tap_tmp/list.json")" ]
ok $? "a second click sorts the other way"

type_in '#filter' 'model=vgg19'
wait_js "return document.getElementById('run-count').textContent === '3 of $n_runs runs'" &&
    [ "$(js "$rows.every(tr => tr.querySelector('td[data-key=model]').textContent === 'vgg19')")" = true ]
ok $? "typing model=vgg19 in the filter leaves the three vgg19 runs"
type_in '#filter' 'params.lr=0.01'
wait_js "return document.getElementById('run-count').textContent === '4 of $n_runs runs'" &&
    [ "$(js "return [...document.querySelectorAll('#runs-table thead th.param')].map(th => th.textContent)")" = '["batch_size","optimizer"]' ]
ok $? "params.lr=0.01: four runs, with the parameters that differ among them as columns (not lr)"
type_in '#filter' 'params.lr=0.01 status!=RUNNING'
wait_js "return document.getElementById('run-count').textContent === '3 of $n_runs runs'"
ok $? "and status!=RUNNING: three"
type_in '#filter' 'resmasking'
wait_js "return document.getElementById('run-count').textContent === '2 of $n_runs runs'"
ok $? "a plain word matches any column"

# select two runs and compare them
type_in '#filter' 'model=resmasking'
wait_js "return document.getElementById('run-count').textContent === '2 of $n_runs runs'"
click "#runs-table tbody tr:nth-child(1) input[type=checkbox]"
click "#runs-table tbody tr:nth-child(2) input[type=checkbox]"
wait_js "return document.querySelectorAll('#runs-table tbody input:checked').length === 2 && !document.getElementById('compare').disabled"
ok $? "two runs selected: Compare is enabled"
click '#compare'
wait_js "return location.pathname === '/compare' && !!document.querySelector('[data-chart=accuracy] g[data-series]')"
ok $? "Compare opens the compare page"
series=$(js "return [...document.querySelectorAll('[data-chart=accuracy] g[data-series]')].map(g => g.dataset.series + ':' + g.dataset.points).sort()")
[ "$series" = '["resmasking-s1 train:6","resmasking-s1 val:6","resmasking-s2 train:6","resmasking-s2 val:6"]' ]
ok $? "the accuracy chart overlays both runs' val and train curves, 6 epochs each ($series)"
[ "$(js "return document.querySelectorAll('[data-chart=loss] g[data-series]').length")" = 4 ] &&
    [ "$(js "return document.querySelectorAll('#compare-table thead th a').length")" = 2 ] && no_error
ok $? "the loss chart too, and the runs side by side"
shot compare 1000

# --- one run ----------------------------------------------------------------------------------
go /run/resmasking-s1
wait_js "return document.querySelectorAll('#confusion table.cm').length > 0"
id=$(jq '.[] | select(.name == "resmasking-s1") | .run_id' "$tap_tmp/list.json")
[ "$(js "return document.getElementById('run-name').textContent")" = '"resmasking-s1"' ] &&
    [ "$(js "return document.querySelector('#card-val .v').textContent")" = "\"$(awk -v id="$id" '$1 == id { print $8 }' "$tap_tmp/list.txt")\"" ] &&
    [ "$(js "return document.querySelector('[data-chart=accuracy] g[data-series=val]').dataset.points")" = '"6"' ]
ok $? "a run's page: its name, best val accuracy as rmn-exp list prints it, a 6-epoch curve"
if [ $HAVE_SQLITE -eq 1 ]; then
    js "return [...document.querySelectorAll('#confusion table.cm')].map(t => t.dataset.eval + ':' + [...t.querySelectorAll('td[data-count]')].map(td => td.dataset.count).join(',')).join('\\n')" |
        jq -r . > "$tap_tmp/cm.page"
    q "SELECT eval_id FROM evals WHERE run_id = $id ORDER BY eval_id" | while read -r e; do
        printf '%s:' "$e"
        q "WITH l(v) AS (VALUES (0),(1),(2),(3),(4),(5),(6)) SELECT group_concat(n, ',') FROM (SELECT (SELECT COUNT(*) FROM predictions p WHERE p.eval_id = $e AND p.label = a.v AND p.pred = b.v) AS n FROM l a, l b ORDER BY a.v, b.v)"
    done > "$tap_tmp/cm.db"
    [ "$(wc -l < "$tap_tmp/cm.db")" -eq 4 ] && cmp -s "$tap_tmp/cm.page" "$tap_tmp/cm.db"
    ok $? "its four confusion matrices: every cell's count equal to the stored predictions'"
    js "return [...document.querySelectorAll('#params-table tr')].map(tr => tr.cells[0].textContent + '|' + tr.cells[1].textContent).join('\\n')" |
        jq -r . > "$tap_tmp/params.page"
    q "SELECT key, value FROM params WHERE run_id = $id ORDER BY key" > "$tap_tmp/params.db"
    [ -s "$tap_tmp/params.db" ] && cmp -s "$tap_tmp/params.page" "$tap_tmp/params.db"
    ok $? "its parameters as stored"
else
    skip "sqlite3 is not installed: confusion counts not read from the store"
    skip "sqlite3 is not installed: parameters not read from the store"
fi
no_error
ok $? "no error shown"
shot run 2300

go /run/ensemble-fixed
wait_js "return document.querySelectorAll('#members-table tbody tr').length === 6"
ok $? "an ensemble's page lists its six members"
shot ensemble 1500

# --- the report -------------------------------------------------------------------------------
go '/report?experiment=paper'
wait_js "return document.querySelectorAll('#report section[data-table]').length === 4"
ok $? "the report page shows the four tables"
same_tables=0
for t in zoo ensemble perclass stats; do
    js "return [...document.querySelectorAll('section[data-table=$t] tbody tr')].map(tr => [...tr.cells].map(c => c.textContent).join('|')).join('\\n')" |
        jq -r . > "$tap_tmp/$t.page"
    "$RMN_BIN/rmn-report" --db "$db" --experiment paper --markdown --table $t |
        grep '^|' | sed '1,2d; s/^| //; s/ |$//; s/ | /|/g; s/\*\*//g; s/\\//g' > "$tap_tmp/$t.md"
    if [ ! -s "$tap_tmp/$t.md" ] || ! cmp -s "$tap_tmp/$t.page" "$tap_tmp/$t.md"; then
        diag "table $t differs from rmn-report --markdown:"
        diff "$tap_tmp/$t.page" "$tap_tmp/$t.md" | head -5 | sed 's/^/# /'
        same_tables=1
    fi
done
ok $same_tables "every cell of the zoo, ensemble, perclass and stats tables is rmn-report's"
shot report 1900

# --- a run being trained ----------------------------------------------------------------------
go "/run/$live"
n0=$(jq ".[] | select(.run_id == $live) | .epochs" "$tap_tmp/list.json")
wait_js "return document.querySelector('[data-chart=accuracy] g[data-series=val]')?.dataset.points === '$n0'"
ok $? "the running run's page: its $n0 epochs so far"
js "window.rmnMark = 42; return true" > /dev/null
"$MKDB" "$db" epoch "$live" $((n0 + 1))
ok $? "the trainer writes epoch $((n0 + 1))"
wait_js "return document.querySelector('[data-chart=accuracy] g[data-series=val]').dataset.points === '$((n0 + 1))'" &&
    [ "$(js "return document.querySelector('#card-epochs .v').textContent")" = "\"$((n0 + 1))\"" ]
ok $? "the curve and the epoch count grow on their own"
[ "$(js "return window.rmnMark")" = 42 ] && [ "$(js "return document.getElementById('live').hidden")" = false ]
ok $? "without a reload (the page's state survives), marked live"
shot live 1000

wd DELETE "" > /dev/null
done_testing
