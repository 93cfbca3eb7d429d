#!/bin/sh
# structure.sh -- the source tree's shape (issue #14), from the built objects: no file under src/
# over 600 lines, no loop between files (A calls into B and B, or what B calls, into A), no
# upward dependency between folders (docs/ARCHITECTURE.md's layer order). tools/structure/check.sh
# does the work; this test splits its findings into one check each, and proves the checker can
# fail on a made-up loop. From the sources: no file outside src/nn/ includes nn/'s private
# headers (graph.h, op.h: the sealed graph).
. "${RMN_SRCDIR:-.}/tests/tap.sh"
src=${RMN_SRCDIR:-.}; build=${RMN_BUILDDIR:-.}
"$src/tools/structure/check.sh" "$src" "$build" >"$tap_tmp/out" 2>&1
sed 's/^/# /' "$tap_tmp/out"
! grep -q '^files over' "$tap_tmp/out"
ok $? "no source file over 600 lines"
! grep -q '^a loop between files' "$tap_tmp/out"
ok $? "no loop between files"
! grep -q '^an upward dependency\|is not in the layer order' "$tap_tmp/out"
ok $? "no upward dependency between folders"
grep -q '^structure: ' "$tap_tmp/out"
ok $? "the checker ran on the objects and passed"
# the sealed graph: nn/'s inner layout (graph.h) and op table (op.h) are included only in src/nn/;
# the rest reads a net through nn/net.h, builder.h and view.h
(cd "$src/src" && grep -rlE --include='*.c' --include='*.h' \
    '^[[:space:]]*#[[:space:]]*include[[:space:]]*"nn/(graph|op)\.h"' .) | grep -v '^\./nn/' \
    >"$tap_tmp/sealed"
sed 's/^/# includes nn\/graph.h or nn\/op.h: /' "$tap_tmp/sealed"
[ ! -s "$tap_tmp/sealed" ]
ok $? "no file outside src/nn/ includes nn/graph.h or nn/op.h"

# the checker itself: two objects calling each other, and a folder calling upward
mkdir -p "$tap_tmp/fake/src/core" "$tap_tmp/fake/src/nn"
printf 'int b(void);\nint a(void) { return b(); }\n' >"$tap_tmp/fake/src/core/a.c"
printf 'int a(void);\nint b(void) { return a() + 1; }\n' >"$tap_tmp/fake/src/core/b.c"
printf 'int c(void) { return 3; }\n' >"$tap_tmp/fake/src/nn/c.c"
printf 'int c(void);\nint d(void) { return c(); }\n' >"$tap_tmp/fake/src/core/d.c"
for f in core/a core/b nn/c core/d; do
    ${CC:-cc} -c -o "$tap_tmp/fake/src/$f.o" "$tap_tmp/fake/src/$f.c" || exit 1
done
"$src/tools/structure/check.sh" "$tap_tmp/fake" "$tap_tmp/fake" >"$tap_tmp/fake.out" 2>&1
st=$?
[ $st -ne 0 ] && grep -q '^a loop between files: .*core/[ab] .*core/[ab]' "$tap_tmp/fake.out" &&
    grep -q '^an upward dependency: core/d uses nn/c' "$tap_tmp/fake.out"
ok $? "the checker finds a made-up loop and an upward call (exit $st)"
done_testing
