#!/bin/sh
# cli-convention.sh -- every program follows one command-line convention (cli/convention.h): --help
# and -h print the same usage on stdout and exit 0; --version prints "PROGRAM (rmn) VERSION",
# the commit and the build; an unknown option is named, with the pointer to --help, exit 2;
# runtime errors carry no source place unless RMN_DEBUG=1; mistyped names get "did you mean"
# and the valid names; specs are validated before any data loads.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
export RMN_PROGRESS=off RMN_CACHE_DIR="$tap_tmp/cache"
cd "$tap_tmp" || exit 1
PROGRAMS="rmn-exp rmn-train rmn-eval rmn-ensemble rmn-report rmn-data rmn-detect rmn-explain
rmn-import rmn-export rmn-bench rmn-ui"

for p in $PROGRAMS; do
    P="$RMN_BIN/$p"
    "$P" --help >h.out 2>h.err
    [ $? -eq 0 ] && head -n 1 h.out | grep -q "^Usage: $p " && [ ! -s h.err ] &&
        grep -q -- '--version' h.out && grep -q -- '--help' h.out
    ok $? "$p --help: the usage on stdout (naming --help and --version), exit 0"
    "$P" -h >h2.out 2>&1
    [ $? -eq 0 ] && cmp -s h.out h2.out
    ok $? "$p -h: the same"
    "$P" --version >v.out 2>v.err
    [ $? -eq 0 ] && head -n 1 v.out | grep -q "^$p (rmn) [0-9]" && grep -q '^commit: ' v.out &&
        grep -q '^build: configure' v.out && [ ! -s v.err ]
    ok $? "$p --version: $(head -n 1 v.out), commit and build options"
    "$P" --no-such-option >u.out 2>u.err
    [ $? -eq 2 ] && [ ! -s u.out ] && grep -q "^$p: unknown option '--no-such-option'" u.err &&
        grep -q "^Try '$p --help' for more information.$" u.err
    ok $? "$p --no-such-option: named, pointer to --help, exit 2"
done

# --- errors for users carry no source place; RMN_DEBUG=1 shows it ---------------------------
"$RMN_BIN/rmn-eval" missing.safetensors >/dev/null 2>e.err
[ $? -eq 1 ] && grep -q '^rmn-eval: error: .*missing.safetensors' e.err && ! grep -q '(src/' e.err
ok $? "a runtime error names the file, without a source place: $(head -c 150 e.err)"
RMN_DEBUG=1 "$RMN_BIN/rmn-eval" missing.safetensors >/dev/null 2>d.err
[ $? -eq 1 ] && grep -q '(src/[a-z]*/[a-z_0-9]*\.c:[0-9]*)$' d.err
ok $? "RMN_DEBUG=1 ends it with the source place: $(head -c 150 d.err)"

# --- did you mean, and the valid names -------------------------------------------------------
"$RMN_BIN/rmn-exp" run demoo --db ex.db >/dev/null 2>e.err
[ $? -eq 1 ] && grep -q "did you mean 'demo'? experiments: .*demo.*fer2013-zoo" e.err && [ ! -e ex.db ]
ok $? "an unknown experiment: did you mean, the experiments there are, no store: $(head -c 200 e.err)"
"$RMN_BIN/rmn-exp" lst >/dev/null 2>e.err
[ $? -eq 2 ] && grep -q "unknown command 'lst'; did you mean 'list'?" e.err
ok $? "an unknown command: did you mean"
"$RMN_BIN/rmn-exp" list --experimnet x >/dev/null 2>e.err
[ $? -eq 2 ] && grep -q "did you mean '--experiment'?" e.err
ok $? "a mistyped option: did you mean"
"$RMN_BIN/rmn-exp" run "$RMN_SRCDIR/tests/data/exp-tiny.json" --only tinycn --db ex.db >/dev/null 2>e.err
[ $? -eq 1 ] && grep -q "did you mean 'tinycnn'? its models and architectures: tinycnn, democnn" e.err &&
    ! grep -q loading e.err && [ ! -e ex.db ]
ok $? "--only naming no run: did you mean, its names, before any data loads, no store"
printf '{"arch": "resnet81"}\n' >typo.json
"$RMN_BIN/rmn-train" --config typo.json --db ex.db >/dev/null 2>e.err
[ $? -eq 1 ] && [ "$(grep -c "unknown architecture 'resnet81'; did you mean 'resnet18'? architectures: democnn, resnet18," e.err)" = 1 ] &&
    ! grep -q loading e.err && [ ! -e ex.db ]
ok $? "an unknown arch: did you mean and the architectures, said once, before the data: $(head -c 120 e.err)"
"$RMN_BIN/rmn-export" --arch resmaskng --onnx x.onnx >/dev/null 2>e.err
[ $? -eq 1 ] && grep -q "did you mean 'resmasking'?" e.err
ok $? "rmn-export --arch: did you mean"
"$RMN_BUILDDIR/tests/test-report-mkdb" r.db
"$RMN_BIN/rmn-exp" show resnet18-s9 --db r.db >/dev/null 2>e.err
[ $? -eq 1 ] && grep -q "no run 'resnet18-s9'.*did you mean 'resnet18-s1'? run names: " e.err
ok $? "an unknown run: did you mean, the run names: $(head -c 200 e.err)"
"$RMN_BIN/rmn-report" --db r.db --experiment zo --csv --table zoo >/dev/null 2>e.err
[ $? -eq 1 ] && grep -q "no experiment named 'zo'; did you mean 'zoo'? experiments: empty, zoo" e.err
ok $? "an unknown experiment in the store: did you mean, the experiments: $(head -c 200 e.err)"

# --- names for scripts and completion --------------------------------------------------------
"$RMN_BIN/rmn-exp" names experiments >n.out && grep -qx demo n.out && grep -qx fer2013-zoo n.out
ok $? "rmn-exp names experiments: one a line"
"$RMN_BIN/rmn-exp" names archs >n.out && grep -qx resmasking n.out && grep -qx democnn n.out
ok $? "rmn-exp names archs: the registry"
"$RMN_BIN/rmn-exp" names runs --db r.db >n.out && grep -qx resnet18-s1 n.out &&
    [ "$(sort -u n.out | wc -l)" = "$(wc -l <n.out)" ]
ok $? "rmn-exp names runs: the store's run names, each once"
"$RMN_BIN/rmn-exp" names runs --db none.db >n.out 2>/dev/null
[ $? -eq 1 ] && [ ! -s n.out ] && [ ! -e none.db ]
ok $? "rmn-exp names runs of a missing store: nothing, exit 1, no store made"
# --- the commands from the cluster work, on the same convention ------------------------------------
"$RMN_BIN/rmn-exp" fuse demo --db none.db >f.out 2>f.err
[ $? -eq 1 ] && [ ! -e none.db ] && grep -q "^rmn-exp: error: .*none.db" f.err && ! grep -q '\.c:[0-9]' f.err
ok $? "rmn-exp fuse of a missing store: exit 1, no store made, no source place: $(head -c 160 f.err)"
unset RMN_DB
"$RMN_BIN/rmn-exp" merge r.db >m.out 2>m.err
[ $? -eq 2 ] && grep -q "^rmn-exp: merge needs --into FILE" m.err && grep -q "^Try 'rmn-exp --help'" m.err
ok $? "rmn-exp merge without --into: a usage error, exit 2"
"$RMN_BIN/rmn-exp" run demo --index x >i.out 2>i.err
[ $? -eq 2 ] && grep -q "^rmn-exp: --index needs an integer 0..1000000, not 'x'" i.err
ok $? "rmn-exp run --index x: named, exit 2"
"$RMN_BIN/rmn-exp" run demo --epochs 1000000 >e.out 2>e.err
[ $? -eq 2 ] && grep -q "^rmn-exp: --epochs needs an integer 1..100000, not '1000000'" e.err
ok $? "rmn-exp run --epochs past its limit: the limit named, exit 2"
"$RMN_BIN/rmn-exp" --help | grep -q -- "--into FILE" && "$RMN_BIN/rmn-exp" --help | grep -q -- "--index I" &&
    "$RMN_BIN/rmn-eval" --help | grep -q -- "--ferplus VOTES" && "$RMN_BIN/rmn-data" --help | grep -q -- "--side S"
ok $? "the new options are in the usage texts"
done_testing
