#!/bin/sh
# cli-report.sh -- rmn-report from the command line: the LaTeX runs table and the paper's tables
# of two fixture stores against their golden files, the other formats, --out-dir, --split,
# --runs, --standalone, -o, RMN_DB, CSV one table per file, --figures (the zoo plot's key,
# --compare), and the exit codes (1 runtime error, 2 usage).
. "${RMN_SRCDIR:-.}/tests/tap.sh"

golden=$RMN_SRCDIR/tests/data/report-runs.tex
db=$tap_tmp/zoo.db
"$RMN_BUILDDIR/tests/test-report-mkdb" "$db"
ok $? "fixture store written"

"$RMN_BIN/rmn-report" --db "$db" --experiment zoo --latex --table runs >"$tap_tmp/out.tex" 2>"$tap_tmp/err"
ok $? "rmn-report --latex exits 0"
cmp -s "$tap_tmp/out.tex" "$golden"
ok $? "its output is the golden table"
[ ! -s "$tap_tmp/err" ]
ok $? "nothing on stderr"

RMN_DB=$db "$RMN_BIN/rmn-report" --experiment zoo --latex --table runs | cmp -s - "$golden"
ok $? "RMN_DB names the store when --db is absent"

"$RMN_BIN/rmn-report" --db "$db" --experiment zoo --latex --table runs -o "$tap_tmp/t.tex" &&
    cmp -s "$tap_tmp/t.tex" "$golden" && [ ! -e "$tap_tmp/t.tex.tmp" ]
ok $? "-o writes the same table (and no temporary file is left)"

"$RMN_BIN/rmn-report" --db "$db" --experiment zoo --latex --table runs --standalone >"$tap_tmp/doc.tex"
st=$?
head -n 1 "$tap_tmp/doc.tex" | grep -q '^\\documentclass' &&
    tail -n 1 "$tap_tmp/doc.tex" | grep -q '^\\end{document}' &&
    grep -q '\\usepackage{siunitx}' "$tap_tmp/doc.tex" && [ "$st" -eq 0 ]
ok $? "--standalone wraps the table in an article with booktabs and siunitx"

"$RMN_BIN/rmn-report" --db "$db" --latex --table runs | grep -q 'Rows: finished runs, ordered'
ok $? "without --experiment all runs are tabulated"

"$RMN_BIN/rmn-report" --db "$tap_tmp/missing.db" --latex --table runs >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q '^rmn-report: error: .*missing.db' "$tap_tmp/err" && [ ! -e "$tap_tmp/missing.db" ]
ok $? "a missing store: exit 1, error names it, nothing created"

"$RMN_BIN/rmn-report" --db "$db" --experiment nope --latex --table runs >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q "^rmn-report: error: .*nope" "$tap_tmp/err"
ok $? "an unknown experiment: exit 1 naming it"

"$RMN_BIN/rmn-report" --db "$db" --experiment empty --latex >/dev/null 2>&1
[ $? -eq 1 ]
ok $? "an experiment without finished runs: exit 1"

"$RMN_BIN/rmn-report" --db "$db" --experiment zoo --latex --table runs -o "$tap_tmp/no/such/dir/t.tex" 2>/dev/null
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
"$RMN_BIN/rmn-report" --help | grep -q '^Usage: rmn-report'
ok $? "--help prints the usage"

printf 'not a database at all, just text that is long enough to look like a file. %.0s' 1 2 3 4 5 6 7 8 9 10 >"$tap_tmp/junk.db"
"$RMN_BIN/rmn-report" --db "$tap_tmp/junk.db" --latex --table runs >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q 'junk.db' "$tap_tmp/err"
ok $? "a file that is not a database: exit 1 naming it"

# --- the paper's tables ------------------------------------------------------------------------
pdb=$tap_tmp/paper.db
pgolden=$RMN_SRCDIR/tests/data/report-paper.tex
"$RMN_BUILDDIR/tests/test-report-mkdb" "$pdb" paper
ok $? "paper fixture store written"
R="$RMN_BIN/rmn-report --db $pdb --resamples 2000 --seed 1234"

$R --latex >"$tap_tmp/paper.tex" 2>"$tap_tmp/err"
ok $? "rmn-report --latex exits 0"
cmp -s "$tap_tmp/paper.tex" "$pgolden" && [ ! -s "$tap_tmp/err" ]
ok $? "its tables are the golden ones (zoo, ensemble, perclass, stats)"

$R --experiment paper --latex --standalone -o "$tap_tmp/doc.tex" &&
    grep -q '\\label{tab:stats}' "$tap_tmp/doc.tex" && tail -n 1 "$tap_tmp/doc.tex" | grep -q 'end{document}'
ok $? "--standalone -o writes a whole document"
if [ -n "$PDFLATEX" ] && [ -x "$PDFLATEX" ]; then
    (cd "$tap_tmp" && "$PDFLATEX" -interaction=nonstopmode -halt-on-error doc.tex >pdflatex.out 2>&1) &&
        [ -s "$tap_tmp/doc.pdf" ]
    ok $? "the document compiles with pdflatex"
else
    skip "pdflatex not installed"
fi

$R --markdown >"$tap_tmp/t.md" && grep -q '^| Model | Params (x10^6) | Seeds |' "$tap_tmp/t.md" &&
    grep -q '^## stats$' "$tap_tmp/t.md"
ok $? "--markdown: pipe tables"
$R --csv --table zoo >"$tap_tmp/t.csv" && head -n 1 "$tap_tmp/t.csv" |
    grep -q '^model,params_m,seeds,acc_frac,acc_sd_frac,acc_tta_frac,acc_tta_sd_frac$' && [ "$(wc -l <"$tap_tmp/t.csv")" -eq 5 ]
ok $? "--csv --table zoo: a header and four models, nothing else"
$R --csv >/dev/null 2>"$tap_tmp/err"
[ $? -eq 2 ] && grep -q 'one table per file.*--table NAME.*--out-dir DIR' "$tap_tmp/err"
ok $? "--csv of several tables to one stream: exit 2, pointing to --table and --out-dir"
$R --csv --table zoo,stats -o "$tap_tmp/two.csv" >/dev/null 2>&1
[ $? -eq 2 ] && [ ! -e "$tap_tmp/two.csv" ]
ok $? "--csv --table zoo,stats into one file: exit 2, nothing written"
mkdir "$tap_tmp/csv" "$tap_tmp/csv2"
$R --csv --out-dir "$tap_tmp/csv" 2>/dev/null && [ "$(ls "$tap_tmp/csv" | wc -l)" -eq 4 ] &&
    for t in zoo ensemble perclass stats; do
        [ -s "$tap_tmp/csv/tab-$t.csv" ] && ! grep -q '^#' "$tap_tmp/csv/tab-$t.csv" || exit 1
    done
ok $? "--csv --out-dir: tab-NAME.csv for each of the four tables, each a plain CSV table"
$R --csv -o "$tap_tmp/csv2" 2>/dev/null && cmp -s "$tap_tmp/csv/tab-stats.csv" "$tap_tmp/csv2/tab-stats.csv" &&
    [ "$(ls "$tap_tmp/csv2" | wc -l)" -eq 4 ]
ok $? "-o DIR (a directory): one file per table, as --out-dir"
$R --json --table zoo,stats >"$tap_tmp/t.json" && grep -q '"zoo": {' "$tap_tmp/t.json" &&
    grep -q '"stats": {' "$tap_tmp/t.json" && ! grep -q '"perclass"' "$tap_tmp/t.json"
ok $? "--json --table zoo,stats: those two tables"

mkdir "$tap_tmp/tabs"
$R --latex --out-dir "$tap_tmp/tabs" 2>/dev/null && [ -s "$tap_tmp/tabs/tab-zoo.tex" ] &&
    [ -s "$tap_tmp/tabs/tab-ensemble.tex" ] && [ -s "$tap_tmp/tabs/tab-perclass.tex" ] &&
    [ -s "$tap_tmp/tabs/tab-stats.tex" ] && [ "$(ls "$tap_tmp/tabs" | wc -l)" -eq 4 ]
ok $? "--out-dir: one file per table, nothing else"

$R --split val --markdown --table zoo | grep -q 'validation split (PublicTest)'
ok $? "--split val reads the validation evals"
$R --runs resmasking-s1 --runs vgg19-s1 --csv --table zoo >"$tap_tmp/r.csv" &&
    [ "$(wc -l <"$tap_tmp/r.csv")" -eq 3 ] && grep -q '^resmasking,' "$tap_tmp/r.csv" &&
    ! grep -q '^resnet18' "$tap_tmp/r.csv"
ok $? "--runs: only the runs named"
$R --runs resmasking-s1 --latex --table ensemble >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q 'no finished ensemble' "$tap_tmp/err"
ok $? "the ensemble table without ensembles: exit 1"
$R --latex --table nonsense >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q "unknown table 'nonsense'" "$tap_tmp/err"
ok $? "an unknown table: exit 1 naming it"
$R --markdown --standalone >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "--standalone without --latex: exit 2"
$R --latex --split train >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "--split train: exit 2"

# --- figures ----------------------------------------------------------------------------------
RMN_GNUPLOT=/nonexistent/gnuplot $R --figures "$tap_tmp/nofig" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q 'gnuplot not found' "$tap_tmp/err" && [ ! -e "$tap_tmp/nofig" ]
ok $? "gnuplot missing: exit 1 with a clear message, nothing created"
if command -v gnuplot >/dev/null 2>&1; then
    $R --runs resmasking-s1,ensemble-val --figures "$tap_tmp/figs" 2>"$tap_tmp/err"
    ok $? "--figures exits 0"
    [ -s "$tap_tmp/figs/cm-resmasking-s1-test-tta8.pdf" ] && [ -s "$tap_tmp/figs/cm-resmasking-s1-test.png" ] &&
        [ -s "$tap_tmp/figs/cm-ensemble-val-test-tta8-tex.tex" ] && [ -s "$tap_tmp/figs/curves-resmasking-s1.png" ] &&
        [ -s "$tap_tmp/figs/zoo-test.pdf" ] && grep -q "wrote .*zoo-test.png" "$tap_tmp/err"
    ok $? "confusion matrices, curves and the zoo plot written (and listed on stderr)"
    $R --runs vgg19-s1 --figures "$tap_tmp/figs2" --terminals png 2>/dev/null &&
        [ -s "$tap_tmp/figs2/cm-vgg19-s1-test.png" ] && [ ! -e "$tap_tmp/figs2/cm-vgg19-s1-test.pdf" ]
    ok $? "--terminals png: PNG only"
    zgp=$tap_tmp/figs/zoo-test.gp
    ! grep -q 'with labels' "$zgp" && grep -q "^set ylabel 'Accuracy (%), TTA-8'" "$zgp" &&
        grep -q "title 'resmasking'" "$zgp" && grep -q "title 'Ensemble (val)'" "$zgp"
    ok $? "the zoo plot: a key entry per model instead of labels beside points; TTA-8 stated"
    $R --figures "$tap_tmp/cmp" --compare resmasking-s1,vgg19-s2,resnet18-s1 --terminals png,pdf \
        2>"$tap_tmp/err" && [ "$(ls "$tap_tmp/cmp" | wc -l)" -eq 3 ]
    ok $? "--compare: one figure (script, PNG, PDF) and nothing else"
    cgp=$tap_tmp/cmp/compare-resmasking-s1--vgg19-s2--resnet18-s1.gp
    [ -s "${cgp%.gp}.png" ] && [ "$(grep -c '^\$r[0-9] << EOD' "$cgp")" -eq 3 ] &&
        grep -q "title 'vgg19-s2 (run" "$cgp" && grep -q "wrote .*compare-.*png" "$tap_tmp/err"
    ok $? "--compare: the three runs' curves in one figure, each in the key"
    $R --figures "$tap_tmp/cmp2" --compare resmasking-s1,no-such-run >/dev/null 2>"$tap_tmp/err"
    [ $? -eq 1 ] && grep -q 'no-such-run' "$tap_tmp/err" && [ ! -e "$tap_tmp/cmp2" ]
    ok $? "--compare with an unknown run: exit 1 naming it, nothing created"
else
    for i in 1 2 3 4 5 6 7; do skip "gnuplot not installed"; done
fi
$R --compare resmasking-s1,vgg19-s2 --latex >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "--compare without --figures: exit 2"
$R --figures "$tap_tmp/f1" --compare resmasking-s1 >/dev/null 2>&1
[ $? -eq 2 ] && [ ! -e "$tap_tmp/f1" ]
ok $? "--compare with one run: exit 2"
$R --figures "$tap_tmp/f" --terminals svg >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "an unknown terminal: exit 2"

done_testing
