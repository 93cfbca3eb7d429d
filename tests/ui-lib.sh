# ui-lib.sh -- starting and stopping rmn-ui for the UI tests (cli-ui.sh, ui-browser.sh); source it
# after tap.sh. ui_start DB [OPTIONS] runs it on a free port and waits for its address line:
# UI_PID, UI_URL (http://127.0.0.1:PORT) and UI_PORT; returns 1 when it did not start.
# The server is stopped at exit (or by ui_stop, which returns its exit status).
UI_PID=
ui_start() {
    db=$1
    shift
    "$RMN_BIN/rmn-ui" --db "$db" --port 0 "$@" > "$tap_tmp/ui.out" 2> "$tap_tmp/ui.err" &
    UI_PID=$!
    i=0
    while [ $i -lt 100 ] && ! grep -q '^rmn-ui: serving' "$tap_tmp/ui.out" 2> /dev/null; do
        kill -0 "$UI_PID" 2> /dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    UI_URL=$(sed -n 's|^rmn-ui: serving .* at \(http://.*\)/$|\1|p' "$tap_tmp/ui.out")
    UI_PORT=${UI_URL##*:}
    [ -n "$UI_URL" ]
}
ui_stop() {
    [ -n "$UI_PID" ] || return 0
    kill "$UI_PID" 2> /dev/null
    wait "$UI_PID"
    st=$?
    UI_PID=
    return $st
}
trap 'ui_stop; rm -rf "$tap_tmp"' EXIT
