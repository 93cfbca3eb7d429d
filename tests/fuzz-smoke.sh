#!/bin/sh
# fuzz-smoke.sh -- every libFuzzer target (tests/fuzz/, docs/FUZZING.md) replays its regression
# inputs (tests/fuzz/regressions/TARGET/) and then fuzzes for a few seconds from its seed corpus
# (RMN_FUZZ_SMOKE_SECONDS, 7 by default: about a minute in all), so a parser regression crashes
# make check. Skipped, with the reason, when configure found no clang that links libFuzzer.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
. "$RMN_SRCDIR/tests/fuzz/targets.sh"
bindir=${RMN_BUILDDIR:-.}/fuzz-build
seconds=${RMN_FUZZ_SMOKE_SECONDS:-7}
TMPDIR=$tap_tmp   # the targets' scratch files, removed with it even after a crash
export TMPDIR

for entry in $FUZZ_TARGETS; do
    t=${entry%%:*} max_len=${entry#*:}
    bin=$bindir/fuzz-$t
    if [ ! -x "$bin" ]; then
        skip "fuzz-$t: not built (configure found no clang linking -fsanitize=fuzzer; install clang, libclang-rt-14-dev and libomp-14-dev and reconfigure)"
        continue
    fi
    log=$tap_tmp/$t.log
    rc=0
    regressions=$RMN_SRCDIR/tests/fuzz/regressions/$t
    if [ -d "$regressions" ] && [ -n "$(ls "$regressions")" ]; then
        "$bin" -timeout=10 "$regressions"/* > "$log" 2>&1 || rc=1
        n_reg=$(ls "$regressions" | wc -l)
    else
        n_reg=0
    fi
    if [ $rc -eq 0 ]; then
        mkdir -p "$tap_tmp/$t"
        dict=$RMN_SRCDIR/tests/fuzz/$(fuzz_dict "$t")
        set --
        [ -f "$dict" ] && set -- -dict="$dict"
        "$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 "$@" -print_final_stats=1 \
            -artifact_prefix="$tap_tmp/$t-" "$tap_tmp/$t" "$RMN_SRCDIR/tests/fuzz/corpus/$t" \
            >> "$log" 2>&1 || rc=1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    [ $rc -eq 0 ] || tail -n 40 "$log" | sed 's/^/# /'
    ok $rc "fuzz-$t: $n_reg regression inputs, ${execs:-0} executions in ${seconds}s"
done
done_testing
