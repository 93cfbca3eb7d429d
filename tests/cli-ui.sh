#!/bin/sh
# cli-ui.sh -- rmn-ui's command line and its HTTP side, with curl (no browser: ui-browser.sh):
# usage and exit codes, a missing store left uncreated, the pages and scripts served, JSON
# endpoints equal to the store (through sqlite3 when installed, and rmn-exp list), 404s, paths
# trying to escape, write methods refused, a foreign Host refused, only 127.0.0.1 listening, a
# new epoch seen without a restart, the store file unchanged, a port in use, SIGTERM.
# Skips the server checks when rmn-ui was built without libmicrohttpd, or curl is missing.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
. "$RMN_SRCDIR/tests/ui-lib.sh"
UI=$RMN_BIN/rmn-ui
MKDB=${RMN_BUILDDIR:-.}/tests/test-ui-mkdb

"$UI" --help > "$tap_tmp/help" 2> "$tap_tmp/err"
[ $? -eq 0 ] && grep -q '^Usage: rmn-ui \[--db FILE\] \[--port N\]' "$tap_tmp/help" && [ ! -s "$tap_tmp/err" ]
ok $? "--help: the usage on stdout, exit 0"
"$UI" -h | cmp -s - "$tap_tmp/help"
ok $? "-h is --help"
"$UI" --version > "$tap_tmp/version" && head -n 1 "$tap_tmp/version" | grep -q '^rmn-ui (rmn) [0-9]' &&
    grep -q '^commit: ' "$tap_tmp/version"
ok $? "--version: rmn-ui (rmn) VERSION and the commit"
"$UI" --bogus > /dev/null 2> "$tap_tmp/err"
[ $? -eq 2 ] && grep -q "^rmn-ui: unknown option '--bogus'" "$tap_tmp/err" &&
    grep -q "^Try 'rmn-ui --help' for more information.$" "$tap_tmp/err"
ok $? "an unknown option: exit 2 naming it, pointing to --help"
"$UI" --port 70000 > /dev/null 2> "$tap_tmp/err"
[ $? -eq 2 ] && grep -q "^rmn-ui: --port takes 0 to 65535, not '70000'" "$tap_tmp/err"
ok $? "--port 70000: exit 2, naming it"
"$UI" --port > /dev/null 2>&1
[ $? -eq 2 ]
ok $? "--port without a value: exit 2"
"$UI" stray > /dev/null 2>&1
[ $? -eq 2 ]
ok $? "a stray argument: exit 2"
"$UI" --db "$tap_tmp/missing.db" --port 0 > /dev/null 2> "$tap_tmp/err"
[ $? -eq 1 ] && grep -q "^rmn-ui: error: .*missing.db" "$tap_tmp/err" && ! grep -q '(src/' "$tap_tmp/err" &&
    [ ! -e "$tap_tmp/missing.db" ]
ok $? "a missing store: exit 1 naming it, no source place, nothing created"

db=$tap_tmp/ui.db
live=$("$MKDB" "$db")
ok $? "fixture store written (running run $live)"
if ! grep -q "define RMN_HAVE_MICROHTTPD 1" "${RMN_BUILDDIR:-.}/config.h" 2> /dev/null; then
    "$UI" --db "$db" --port 0 > /dev/null 2> "$tap_tmp/err"
    [ $? -eq 1 ] && grep -q "without libmicrohttpd.*libmicrohttpd-dev" "$tap_tmp/err"
    ok $? "without libmicrohttpd rmn-ui says what to install: $(cat "$tap_tmp/err")"
    skip "rmn-ui was built without libmicrohttpd (install libmicrohttpd-dev, reconfigure): no server checks"
    done_testing
fi
if ! command -v curl > /dev/null 2>&1; then
    skip "curl is not installed: no server checks"
    done_testing
fi
sum_before=$(sha256sum < "$db")
export RMN_DEBUG=1 # error places on, for the server's own messages only: not in its answers
ui_start "$db"
ok $? "rmn-ui starts and prints its address ($UI_URL)"
unset RMN_DEBUG
U=$UI_URL

# HTTP status of a request: code METHOD PATH [curl options]
code() {
    m=$1 p=$2
    shift 2
    curl -s -o "$tap_tmp/body" -D "$tap_tmp/head" -w '%{http_code}' -X "$m" --path-as-is "$@" "$U$p"
}
[ "$(code GET /)" = 200 ] && grep -qi '^content-type: text/html' "$tap_tmp/head" &&
    grep -q '<script src="/static/app.js">' "$tap_tmp/body" &&
    grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" "$tap_tmp/head" &&
    grep -qi '^x-content-type-options: nosniff' "$tap_tmp/head"
ok $? "GET /: the page, with a strict Content-Security-Policy and nosniff"
for p in "/run/$live" "/compare?runs=1,2" "/report?experiment=paper"; do
    [ "$(code GET "$p")" = 200 ] && grep -q 'app.js' "$tap_tmp/body" || exit 1
done
ok $? "the run, compare and report pages: the same page shell"
[ "$(code GET /static/app.js)" = 200 ] && grep -qi '^content-type: text/javascript' "$tap_tmp/head" &&
    grep -q 'function lineChart' "$tap_tmp/body" && [ "$(code GET /static/style.css)" = 200 ] &&
    grep -qi '^content-type: text/css' "$tap_tmp/head"
ok $? "the script and the style sheet, with their types"

# --- JSON equal to the store ------------------------------------------------------------------
curl -s "$U/api/runs" > "$tap_tmp/runs.json"
"$RMN_BIN/rmn-exp" list --json --db "$db" > "$tap_tmp/list.json"
key='[.[] | [.run_id, .name, .status, .epochs] + ([.best_val_acc_frac, .test_acc_frac, .test_acc_tta_frac] | map(if . == null then null else (. * 1e8 | round) end))]'
[ -s "$tap_tmp/runs.json" ] && [ "$(jq -c "$key" "$tap_tmp/runs.json")" = "$(jq -c "$key" "$tap_tmp/list.json")" ]
ok $? "/api/runs: the runs of rmn-exp list --json (ids, names, status, epochs, accuracies)"
if command -v sqlite3 > /dev/null 2>&1; then
    q() { sqlite3 -readonly "$db" "$1"; }
    [ "$(jq length "$tap_tmp/runs.json")" = "$(q 'SELECT COUNT(*) FROM runs')" ]
    ok $? "as many runs as the store's runs table"
    curl -s "$U/api/run/$live" > "$tap_tmp/run.json"
    [ "$(jq -r '.params | to_entries[] | "\(.key)|\(.value)"' "$tap_tmp/run.json")" = \
        "$(q "SELECT key, value FROM params WHERE run_id = $live ORDER BY key")" ] &&
        [ "$(jq -r '.metrics.values.val_loss | map(tostring) | join(",")' "$tap_tmp/run.json")" = \
            "$(q "SELECT group_concat(value, ',') FROM (SELECT value FROM metrics WHERE run_id = $live AND key = 'val_loss' ORDER BY step)")" ]
    ok $? "/api/run/ID: params and a metric's values as in the store's tables"
    eval_id=$(q "SELECT MAX(eval_id) FROM evals e JOIN runs r USING (run_id) WHERE r.name = 'vgg19-s2'")
    curl -s "$U/api/run/vgg19-s2" | jq -r --argjson e "$eval_id" \
        '.evals[] | select(.eval_id == $e) | .confusion | to_entries[] | .key as $t | .value | to_entries[] | select(.value > 0) | "\($t)|\(.key)|\(.value)"' \
        > "$tap_tmp/cm.api"
    q "SELECT label, pred, COUNT(*) FROM predictions WHERE eval_id = $eval_id GROUP BY label, pred ORDER BY label, pred" > "$tap_tmp/cm.db"
    [ -s "$tap_tmp/cm.db" ] && cmp -s "$tap_tmp/cm.api" "$tap_tmp/cm.db"
    ok $? "/api/run/NAME: a confusion matrix equal to the stored predictions' counts"
else
    skip "sqlite3 is not installed: the store's tables not read directly"
    skip "sqlite3 is not installed"
    skip "sqlite3 is not installed"
fi
[ "$(code GET '/api/metrics?runs=resmasking-s1,vgg19-s2')" = 200 ] &&
    [ "$(jq -c '[.runs[] | [.name, (.metrics.epochs | length)]]' "$tap_tmp/body")" = '[["resmasking-s1",6],["vgg19-s2",6]]' ]
ok $? "/api/metrics?runs=A,B: both runs' curves"
[ "$(code GET '/api/report?experiment=paper&split=val')" = 200 ] &&
    [ "$(jq -c '[.tables[].name]' "$tap_tmp/body")" = '["zoo","ensemble","perclass","stats"]' ]
ok $? "/api/report: rmn-report's four tables"

# --- what is refused --------------------------------------------------------------------------
for p in /nope /static/nope.js /static/index.html /static/ /run/ /api/nope /api/run/99999 /index.html; do
    [ "$(code GET "$p")" = 404 ] || { diag "GET $p: not 404"; exit 1; }
done
ok $? "404 for unknown pages, assets, endpoints and runs"
[ "$(code GET /api/run/99999)" = 404 ] && jq -e '.error | test("99999")' "$tap_tmp/body" > /dev/null &&
    ! grep -q '(src/' "$tap_tmp/body"
ok $? "an unknown run: a JSON error naming it, without a source place (RMN_DEBUG=1 too)"
[ "$(code GET '/api/report?split=train')" = 400 ] && jq -e '.error' "$tap_tmp/body" > /dev/null
ok $? "a bad argument: 400 with a JSON error"
esc=0
for p in /static/../../../../../../etc/passwd /static/..%2f..%2f..%2fetc%2fpasswd \
    /%2e%2e/%2e%2e/%2e%2e/etc/passwd /api/../../../etc/passwd /static/%2e%2e/app.js \
    "/run/..%2f..%2f..%2fetc%2fpasswd/../../../../etc/passwd" /static//etc/passwd; do
    c=$(code GET "$p")
    shell=0
    [ "$c" = 200 ] && grep -q '<script src="/static/app.js">' "$tap_tmp/body" && shell=1
    if grep -q 'root:' "$tap_tmp/body" || { [ "$c" != 404 ] && [ $shell -eq 0 ]; }; then
        diag "$p: $c"
        esc=1
    fi
done
ok $esc "paths trying to escape get no file (404, or the page shell for a /run/ path)"
[ "$(code POST /api/runs -d x=1)" = 405 ] && grep -qi '^allow: GET, HEAD' "$tap_tmp/head" &&
    [ "$(code PUT /api/run/1 -d '{}')" = 405 ] && [ "$(code DELETE "/api/run/$live")" = 405 ] &&
    [ "$(code PATCH /)" = 405 ] && [ "$(code POST /)" = 405 ]
ok $? "POST, PUT, DELETE, PATCH: 405, allowing GET and HEAD"
curl -s -I "$U/api/runs" > "$tap_tmp/h" && head -n 1 "$tap_tmp/h" | grep -q ' 200' &&
    grep -qi '^content-type: application/json' "$tap_tmp/h" && ! grep -q 'run_id' "$tap_tmp/h"
ok $? "HEAD: 200 without a body"
[ "$(code GET /api/runs -H 'Host: evil.example')" = 421 ] &&
    [ "$(code GET /api/runs -H "Host: evil.example:$UI_PORT")" = 421 ] &&
    [ "$(code GET /api/runs -H "Host: localhost:$UI_PORT")" = 200 ]
ok $? "a foreign Host header (DNS rebinding): 421; localhost: 200"
port_hex=$(printf '%04X' "$UI_PORT")
grep -q "^ *[0-9]*: 0100007F:$port_hex 00000000:0000 0A" /proc/net/tcp &&
    ! grep -q ":$port_hex 00000000:0000 0A" /proc/net/tcp6
ok $? "listening on 127.0.0.1 only"
[ "$(sha256sum < "$db")" = "$sum_before" ]
ok $? "the store file is unchanged"

"$MKDB" "$db" epoch "$live" 3 &&
    [ "$(curl -s "$U/api/run/$live" | jq '.metrics.epochs | length')" = 3 ]
ok $? "an epoch written while it serves is shown at the next request"

"$UI" --db "$db" --port "$UI_PORT" > /dev/null 2> "$tap_tmp/err"
[ $? -eq 1 ] && grep -q "port $UI_PORT" "$tap_tmp/err"
ok $? "a port in use: exit 1 naming it"
"$UI" --db "$db" --bind not-an-address --port 0 > /dev/null 2> "$tap_tmp/err"
[ $? -eq 1 ] && grep -q "not-an-address" "$tap_tmp/err"
ok $? "a --bind that is not a numeric address: exit 1 naming it"
ui_stop
[ $? -eq 0 ] && grep -q 'stopped' "$tap_tmp/ui.err"
ok $? "SIGTERM: it stops, exit 0"
done_testing
