# tap.sh -- TAP helpers for rmn's shell tests (CLI and fault tests). Source it.
#   ok COND-EXIT-STATUS "description"   after a command: ok $? "..."  (0 = pass)
#   check "description" CMD ...         runs CMD, passes when it exits 0
#   skip "reason"
#   done_testing                        prints the plan; exits 1 if any check failed
tap_n=0
tap_fail=0
ok() {
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_fail=$((tap_fail + 1)); fi
}
check() {
    desc=$1; shift
    if "$@" >/dev/null 2>&1; then ok 0 "$desc"; else ok 1 "$desc"; fi
}
skip() {
    tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"
}
diag() { echo "# $*"; }
done_testing() {
    echo "1..$tap_n"
    [ "$tap_fail" -eq 0 ]
    exit $?
}
# A scratch directory removed at exit; tests never write into the source tree.
tap_tmp=$(mktemp -d "${TMPDIR:-/tmp}/rmn-test.XXXXXX")
trap 'rm -rf "$tap_tmp"' EXIT
# The programs under test, from the build tree.
RMN_BIN=${RMN_BUILDDIR:-.}/src
