#!/bin/sh
# cli-report.sh -- rmn-report from the command line: the LaTeX table of a fixture store against
# the golden file, --standalone, -o, RMN_DB, and the exit codes (1 runtime error, 2 usage).
. "${RMN_SRCDIR:-.}/tests/tap.sh"

golden=$RMN_SRCDIR/tests/data/report-runs.tex
db=$tap_tmp/zoo.db
"$RMN_BUILDDIR/tests/test-report-mkdb" "$db"
ok $? "fixture store written"

"$RMN_BIN/rmn-report" --db "$db" --experiment zoo --latex >"$tap_tmp/out.tex" 2>"$tap_tmp/err"
ok $? "rmn-report --latex exits 0"
cmp -s "$tap_tmp/out.tex" "$golden"
ok $? "its output is the golden table"
[ ! -s "$tap_tmp/err" ]
ok $? "nothing on stderr"

RMN_DB=$db "$RMN_BIN/rmn-report" --experiment zoo --latex | cmp -s - "$golden"
ok $? "RMN_DB names the store when --db is absent"

"$RMN_BIN/rmn-report" --db "$db" --experiment zoo --latex -o "$tap_tmp/t.tex" &&
    cmp -s "$tap_tmp/t.tex" "$golden" && [ ! -e "$tap_tmp/t.tex.tmp" ]
ok $? "-o writes the same table (and no temporary file is left)"

"$RMN_BIN/rmn-report" --db "$db" --experiment zoo --latex --standalone >"$tap_tmp/doc.tex"
st=$?
head -n 1 "$tap_tmp/doc.tex" | grep -q '^\\documentclass' &&
    tail -n 1 "$tap_tmp/doc.tex" | grep -q '^\\end{document}' &&
    grep -q '\\usepackage{siunitx}' "$tap_tmp/doc.tex" && [ "$st" -eq 0 ]
ok $? "--standalone wraps the table in an article with booktabs and siunitx"

"$RMN_BIN/rmn-report" --db "$db" --latex | grep -q 'Rows: finished runs, ordered'
ok $? "without --experiment all runs are tabulated"

"$RMN_BIN/rmn-report" --db "$tap_tmp/missing.db" --latex >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q '^rmn-report: error: .*missing.db' "$tap_tmp/err" && [ ! -e "$tap_tmp/missing.db" ]
ok $? "a missing store: exit 1, error names it, nothing created"

"$RMN_BIN/rmn-report" --db "$db" --experiment nope --latex >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q "^rmn-report: error: .*nope" "$tap_tmp/err"
ok $? "an unknown experiment: exit 1 naming it"

"$RMN_BIN/rmn-report" --db "$db" --experiment empty --latex >/dev/null 2>&1
[ $? -eq 1 ]
ok $? "an experiment without finished runs: exit 1"

"$RMN_BIN/rmn-report" --db "$db" --experiment zoo --latex -o "$tap_tmp/no/such/dir/t.tex" 2>/dev/null
[ $? -eq 1 ]
ok $? "an unwritable output: exit 1"

"$RMN_BIN/rmn-report" --db "$db" >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "no action: exit 2"
"$RMN_BIN/rmn-report" --db "$db" --latex --bogus >/dev/null 2>"$tap_tmp/err"
[ $? -eq 2 ] && grep -q 'bogus' "$tap_tmp/err"
ok $? "an unknown option: exit 2 naming it"
"$RMN_BIN/rmn-report" --db "$db" --latex extra >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "a stray argument: exit 2"
"$RMN_BIN/rmn-report" --db >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "--db without a value: exit 2"
"$RMN_BIN/rmn-report" --help | grep -q '^usage: rmn-report'
ok $? "--help prints the usage"

printf 'not a database at all, just text that is long enough to look like a file. %.0s' 1 2 3 4 5 6 7 8 9 10 >"$tap_tmp/junk.db"
"$RMN_BIN/rmn-report" --db "$tap_tmp/junk.db" --latex >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q 'junk.db' "$tap_tmp/err"
ok $? "a file that is not a database: exit 1 naming it"

done_testing
