#!/bin/sh
# tools/structure/check.sh -- the source tree's shape, checked from the built objects:
#   1. no source file under src/ over 600 lines;
#   2. no loop between files: file A calling into B while B (or something B calls) calls into A,
#      found as strongly connected components of the "uses a symbol defined in" graph of the
#      objects (nm), so it sees what the linker sees, not what the #includes say;
#   3. no upward dependency between folders: each folder may use only the folders below it in
#      LAYERS (the order of docs/ARCHITECTURE.md's "Library layers").
#   tools/structure/check.sh [SRCDIR [BUILDDIR]]   (defaults: the tree this script is in, .)
# Prints each problem; exits 1 when there is one. tests/structure.sh runs it in make check.
set -eu
srcdir=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${2:-.}
LAYERS="cli ui bench report video explain detect export train store models data image optim dist nn tensor core"
MAX_LINES=600
status=0

# 1. file lengths (generated files excluded: ui/assets.c is made from www/ by embed.awk)
long=$(cd "$srcdir" && find src -name '*.[ch]' -o -name '*.inc' | grep -v '^src/ui/assets\.c$' |
       xargs wc -l | awk -v max=$MAX_LINES '$2 != "total" && $1 > max { print "  " $2 ": " $1 " lines" }')
if [ -n "$long" ]; then
    echo "files over $MAX_LINES lines:"; echo "$long"; status=1
fi

# 2. and 3. from the objects: "OBJECT SYMBOL" lines for definitions (D) and uses (U)
objs=$(cd "$builddir" && ls src/*/*.o 2>/dev/null || true)
if [ -z "$objs" ]; then
    echo "no objects under $builddir/src: build first"; exit 1
fi
(cd "$builddir" && for o in $objs; do
    # an object whose source is gone (a renamed file's leftover in a used build tree) is skipped
    base=$(basename "$o" .o); dir=$(dirname "$o")
    [ -f "$srcdir/$dir/$base.c" ] || [ -f "$srcdir/$dir/${base#*-}.c" ] || [ -f "$dir/$base.c" ] || continue
    nm "$o" | awk -v o="$o" '$1 == "U" { print "U", o, $2; next }
                             NF == 3 && $2 ~ /^[TDBRCGSVW]$/ { print "D", o, $3 }'
done) | awk -v layers="$LAYERS" '
function file_of(o,   f, d, b) {  # src/ui/rmn_ui-server.o -> ui/server.c (per-program objects)
    d = o; sub(/^src\//, "", d); sub(/\/[^\/]*$/, "", d)
    b = o; sub(/^.*\//, "", b); sub(/\.o$/, "", b); sub(/^[a-z_]+-/, "", b)
    return d "/" b
}
function folder_of(f) { sub(/\/.*$/, "", f); return f }
function visit(v,   i, n, w, ws, c) {  # Tarjan: strongly connected components
    idx[v] = low[v] = ++counter; stack[++sp] = v; onst[v] = 1
    n = split(adj[v], ws, " ")
    for (i = 1; i <= n; i++) {
        w = ws[i]
        if (!(w in idx)) { visit(w); if (low[w] < low[v]) low[v] = low[w] }
        else if (onst[w] && idx[w] < low[v]) low[v] = idx[w]
    }
    if (low[v] == idx[v]) {
        c = ""; n = 0
        do { w = stack[sp--]; onst[w] = 0; c = c " " w; n++ } while (w != v)
        if (n > 1) { print "a loop between files:" c; bad = 1 }
    }
}
BEGIN { n = split(layers, L, " "); for (i = 1; i <= n; i++) rank[L[i]] = i }
$1 == "D" { def[$3] = file_of($2); next }
$1 == "U" { use[++nu] = file_of($2) " " $3 }
END {
    for (i = 1; i <= nu; i++) {
        split(use[i], p, " ")
        if (!(p[2] in def)) continue            # a library outside rmn
        a = p[1]; b = def[p[2]]
        if (a == b) continue
        nodes[a] = nodes[b] = 1
        if (!((a, b) in edge)) { edge[a, b] = p[2]; adj[a] = adj[a] " " b }
        fa = folder_of(a); fb = folder_of(b)
        if (fa != fb && !(fa in rank)) { missing[fa] = 1; continue }
        if (fa != fb && !(fb in rank)) { missing[fb] = 1; continue }
        if (fa != fb && rank[fb] < rank[fa] && !((fa, fb) in up)) {
            up[fa, fb] = 1
            print "an upward dependency: " a " uses " b " (" p[2] "), but " fb "/ is above " fa "/"
            bad = 1
        }
    }
    for (f in missing) { print "folder " f "/ is not in the layer order"; bad = 1 }
    for (v in nodes) if (!(v in idx)) visit(v)
    exit bad
}' || status=1
[ $status -eq 0 ] && echo "structure: files within $MAX_LINES lines, no loops between files, folders in layer order"
exit $status
