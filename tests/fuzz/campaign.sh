#!/bin/sh
# campaign.sh -- `make fuzz`: runs each libFuzzer target SECONDS seconds on its committed seed
# corpus, and prints one summary line per target (executions, exec/s, coverage, features,
# corpus, crashes). New inputs go to OUT/TARGET/corpus (the committed corpus is only read);
# crash inputs, the full log and the targets' scratch files to OUT/TARGET/.
#   campaign.sh BINDIR SRCDIR OUT SECONDS [TARGET...]
set -u
bindir=$1 srcdir=$2 out=$3 seconds=$4
shift 4
. "$srcdir/tests/fuzz/targets.sh"
only="$*"
status=0
printf '%-16s %12s %8s %6s %7s %12s %8s\n' target executions exec/s cov ft corpus crashes
for entry in $FUZZ_TARGETS; do
    t=${entry%%:*} max_len=${entry#*:}
    if [ -n "$only" ]; then case " $only " in *" $t "*) ;; *) continue ;; esac; fi
    dir=$out/$t
    rm -rf "$dir"
    mkdir -p "$dir/corpus"
    dict=$srcdir/tests/fuzz/$(fuzz_dict "$t")
    set --
    [ -f "$dict" ] && set -- -dict="$dict"
    TMPDIR=$dir "$bindir/fuzz-$t" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 "$@" \
        -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" \
        "$srcdir/tests/fuzz/corpus/$t" > "$dir/log" 2>&1 || status=1
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
    last=$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
    crashes=$(ls "$dir" | grep -c -E '^(crash|leak|timeout|oom|slow-unit)-')
    printf '%-16s %12s %8s %6s %7s %12s %8s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
        "${ft:-?}" "${corp:-?}" "$crashes"
done
exit $status
