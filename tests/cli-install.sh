#!/bin/sh
# cli-install.sh -- a complete install (install.mk), checked in a DESTDIR: the programs, the
# data, librmn with headers that compile alone and rmn.pc, against which examples/eval.c is
# built and evaluates the installed model on the installed sample as rmn-eval does; a man page
# per program that holds every option of its --help; bash and zsh completion scripts that parse
# and complete names from the registry and the store; installed programs find the installed
# data first; make uninstall removes it all.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
export RMN_PROGRESS=off RMN_CACHE_DIR="$tap_tmp/cache"
D="$tap_tmp/inst"
unset MAKEFLAGS MFLAGS MAKELEVEL
prefix=$(sed -n 's/^prefix = //p' "$RMN_BUILDDIR/Makefile")
help2man=$(sed -n 's/^HELP2MAN = //p' "$RMN_BUILDDIR/Makefile")
${MAKE:-make} -C "$RMN_BUILDDIR" install DESTDIR="$D" >"$tap_tmp/install.log" 2>&1
ok $? "make install DESTDIR=... (prefix $prefix)"
P="$D$prefix"
programs=$(cd "$RMN_BUILDDIR/src" && ls rmn-* | grep -v '\.')
missing=
for p in $programs; do [ -x "$P/bin/$p" ] || missing="$missing $p"; done
[ -n "$programs" ] && [ -z "$missing" ]
ok $? "every program is installed:$(echo $programs | wc -w) ($missing)"
[ -f "$P/share/rmn/models/default.safetensors" ] && [ -f "$P/share/rmn/fer2013-sample.csv.xz" ] &&
    [ -f "$P/share/rmn/experiments/demo.json" ]
ok $? "the data: the default model, the sample, the experiments"

# --- librmn, its headers and rmn.pc -------------------------------------------------------------
[ -f "$P/lib/librmn.a" ] && [ -f "$P/include/rmn/rmn.h" ] && [ -f "$P/lib/pkgconfig/rmn.pc" ]
ok $? "librmn.a, include/rmn/rmn.h and lib/pkgconfig/rmn.pc"
if ! command -v pkg-config >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
    skip "no pkg-config or cc"
else
    pc() { PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --define-variable=prefix="$P" "$@" rmn; }
    [ "$(pc --modversion)" = "$(sed -n 's/^VERSION = //p' "$RMN_BUILDDIR/Makefile")" ] &&
        pc --cflags | grep -q -- "-I$P/include/rmn"
    ok $? "rmn.pc: the version, and its folders follow --define-variable=prefix"
    bad=
    for h in $(cd "$P/include/rmn" && find . -name '*.h' | sed 's|^\./||'); do
        printf '#include "%s"\n' "$h" >"$tap_tmp/h.c"
        cc -std=c11 -Wall -Wextra -Werror $(pc --cflags) -c "$tap_tmp/h.c" -o "$tap_tmp/h.o" \
            2>>"$tap_tmp/h.err" || bad="$bad $h"
    done
    [ -z "$bad" ]
    ok $? "every installed header compiles alone with rmn.pc's flags ($(cd "$P/include/rmn" && find . -name '*.h' | wc -l) headers;$bad)"
    cc -std=c11 -Wall -Wextra -Werror "$RMN_SRCDIR/examples/eval.c" $(pc --cflags --libs) \
        -o "$tap_tmp/eval-example" 2>"$tap_tmp/cc.err"
    ok $? "examples/eval.c builds against the installed rmn.pc: $(head -c 200 "$tap_tmp/cc.err")"
    "$tap_tmp/eval-example" "$P/share/rmn/models/default.safetensors" \
        "$P/share/rmn/fer2013-sample.csv.xz" >"$tap_tmp/ex.out" 2>"$tap_tmp/ex.err"
    rc=$?
    "$RMN_BIN/rmn-eval" "$P/share/rmn/models/default.safetensors" --split test \
        --data "$P/share/rmn/fer2013-sample.csv.xz" --json >"$tap_tmp/eval.json" 2>/dev/null
    want="$(sed 's/.*"n": *\([0-9]*\).*"correct": *\([0-9]*\).*/\1 \2/' "$tap_tmp/eval.json")"
    [ $rc -eq 0 ] && [ "$(cut -d' ' -f1,2 "$tap_tmp/ex.out")" = "$want" ]
    ok $? "it loads the installed model and evaluates the sample's test split as rmn-eval does ($(cat "$tap_tmp/ex.out"); rmn-eval: $want)"
fi

# --- man pages ---------------------------------------------------------------------------------
if [ -z "$help2man" ]; then
    skip "configured without help2man: no man pages"
else
    bad=
    for p in $programs; do
        m="$P/share/man/man1/$p.1"
        [ -f "$m" ] || { bad="$bad $p(none)"; continue; }
        sed -n '/^\.SH NAME/{n;p;}' "$m" | grep -q "^$p \\\\- [a-z]" || bad="$bad $p(NAME)"
        text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g; s/\\,//g; s/\\\///g' "$m")
        for o in $("$RMN_BIN/$p" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
            echo "$text" | grep -q -- "$o" || bad="$bad $p($o)"
        done
    done
    [ -z "$bad" ]
    ok $? "a man page per program, its NAME the --help summary, every --help option in it ($bad)"
    if command -v man >/dev/null 2>&1; then
        MANWIDTH=80 man -l "$P/share/man/man1/rmn-exp.1" 2>/dev/null | grep -q "^ *rmn-exp run NAME \[OPTION\]\.\.\.$"
        ok $? "man renders rmn-exp(1) with its synopsis"
    else
        skip "no man"
    fi
fi

# --- completion --------------------------------------------------------------------------------
B="$P/share/bash-completion/completions"
[ -f "$B/rmn-exp" ] && [ -L "$B/rmn-train" ] && [ -f "$P/share/zsh/site-functions/_rmn" ]
ok $? "bash completion under each program's name, zsh's _rmn"
bash -n "$B/rmn-exp"
ok $? "the bash script parses (bash -n)"
if command -v zsh >/dev/null 2>&1; then
    zsh -n "$P/share/zsh/site-functions/_rmn"
    ok $? "the zsh function parses (zsh -n)"
else
    skip "no zsh (installed by .ci/install-deps)"
fi
"$RMN_BUILDDIR/tests/test-report-mkdb" "$tap_tmp/c.db"
if [ -f /usr/share/bash-completion/bash_completion ]; then
    cat >"$tap_tmp/complete.bash" <<EOF
. /usr/share/bash-completion/bash_completion
. "$B/rmn-exp"
PATH="$P/bin:\$PATH"
c() { COMP_LINE="\$*"; COMP_WORDS=("\$@"); COMP_CWORD=\$((\$# - 1)); COMP_POINT=\${#COMP_LINE}
      COMPREPLY=(); _rmn; echo "\${COMPREPLY[*]}"; }
c rmn-exp ba
c rmn-exp run de
c rmn-eval --arch resmask
c rmn-exp --db "$tap_tmp/c.db" show resnet18-
c rmn-report --tab
EOF
    bash "$tap_tmp/complete.bash" >"$tap_tmp/complete.out" 2>&1
    [ "$(sed -n 1p "$tap_tmp/complete.out")" = backup ] && [ "$(sed -n 2p "$tap_tmp/complete.out")" = demo ] &&
        sed -n 3p "$tap_tmp/complete.out" | grep -q "^resmasking resmasking_dropout1" &&
        [ "$(sed -n 4p "$tap_tmp/complete.out")" = resnet18-s1 ] &&
        [ "$(sed -n 5p "$tap_tmp/complete.out")" = --table ]
    ok $? "bash completes commands, experiments, architectures, runs from the store, options: $(tr '\n' '|' <"$tap_tmp/complete.out" | head -c 200)"
else
    skip "no bash-completion"
fi

# --- installed programs find the installed data first ----------------------------------------
echo '{"name": "demo", "description": "the installed copy", "runs": [{"arch": "democnn"}]}' \
    >"$P/share/rmn/experiments/demo.json"
(unset RMN_EXPERIMENTS; "$P/bin/rmn-exp" check demo) >"$tap_tmp/check.out" 2>&1
grep -q "experiment demo: 1 run, .*valid ($P/share/rmn/experiments/demo.json)" "$tap_tmp/check.out"
ok $? "an installed rmn-exp finds the installed demo first: $(cat "$tap_tmp/check.out")"
(unset RMN_EXPERIMENTS; "$RMN_BIN/rmn-exp" check demo) >"$tap_tmp/check.out" 2>&1
grep -q "valid ($RMN_SRCDIR/experiments/demo.json)" "$tap_tmp/check.out"
ok $? "the build tree's finds the source tree's: $(cat "$tap_tmp/check.out")"

${MAKE:-make} -C "$RMN_BUILDDIR" uninstall DESTDIR="$D" >>"$tap_tmp/install.log" 2>&1
left=$(find "$D" \( -type f -o -type l \) | head -5)
[ -z "$left" ]
ok $? "make uninstall removes what was installed ($left)"
done_testing
