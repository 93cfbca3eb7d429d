# faults-lib.sh -- helpers of the fault tests (cli-kill.sh, cli-faults.sh), sourced after tap.sh:
# what a store of tests/data/exp-kill.json must hold after any fault, and what must equal an
# uninterrupted run's. The checks print one problem per line; nothing printed: all is well.
q() { sqlite3 -batch "$1" "$2"; }
now() { date +%s.%N; }
# counted LOG: the writes and fsyncs faultfs.so counted, summed over the processes that logged
# (under ASan, helper processes log their zero counts too)
counted() {
    sed -n 's/^faultfs: counts writes=\([0-9]*\) syncs=\([0-9]*\)$/\1 \2/p' "$1" | awk '{ n += $1 + $2 } END { print n + 0 }'
}
# --- what a store and its checkpoints hold -------------------------------------------------------
ckpt_epoch() { # the "epoch" in a checkpoint's header, 0 when there is no file
    [ -s "$1" ] || { echo 0; return; }
    n=$(head -c 8 "$1" | od -An -tu8 | tr -d ' ')
    head -c $((8 + n)) "$1" | tail -c "$n" | grep -o '"epoch":"[0-9]*"' | tr -dc 0-9
    echo
}
tensors_sha() { # the tensor bytes of a checkpoint (its header names the run uuid; the data does not)
    n=$(head -c 8 "$1" | od -An -tu8 | tr -d ' ')
    tail -c +$((9 + n)) "$1" | sha256sum | cut -c1-64
}
# Problems of a store, one per line (none: consistent). Holds after every kill, not only at the end.
problems() {
    db=$1
    [ -f "$db" ] || return 0
    r=$(q "$db" "PRAGMA integrity_check" 2>&1); [ "$r" = ok ] || echo "integrity_check: $r"
    # a kill inside the schema's creation leaves an empty file: the migration is one transaction
    [ "$(q "$db" "SELECT COUNT(*) FROM sqlite_master" 2>&1)" = 0 ] && return 0
    r=$(q "$db" "PRAGMA foreign_key_check" 2>&1); [ -z "$r" ] || echo "foreign_key_check: $r"
    q "$db" "
SELECT 'duplicate run ' || name FROM runs GROUP BY experiment_id, kind, name HAVING COUNT(*) > 1;
SELECT 'duplicate eval ' || run_id || ' ' || split || tta_n FROM evals GROUP BY run_id, split, tta_n HAVING COUNT(*) > 1;
SELECT 'eval ' || e.eval_id || ': ' || COUNT(p.sample_idx) || ' predictions of ' || e.n_samples
  FROM evals e LEFT JOIN predictions p USING (eval_id) GROUP BY e.eval_id HAVING COUNT(p.sample_idx) != e.n_samples;
SELECT 'eval ' || eval_id || ': n_correct disagrees with its predictions' FROM evals e
  WHERE n_correct != (SELECT COUNT(*) FROM predictions p WHERE p.eval_id = e.eval_id AND p.label = p.pred);
SELECT 'run ' || run_id || ' epoch ' || step || ': ' || COUNT(*) || ' of 7 metrics' FROM metrics GROUP BY run_id, step HAVING COUNT(*) != 7;
SELECT 'run ' || run_id || ': epochs not 1..n' FROM metrics WHERE key = 'val_acc' GROUP BY run_id HAVING MAX(step) != COUNT(*);
SELECT 'run ' || run_id || ' ' || name || ': no params' FROM runs r WHERE kind = 'train'
  AND NOT EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.run_id) AND status = 'FINISHED';
SELECT 'run ' || run_id || ' ' || name || ': not tagged with its process (looks live when it is not)' FROM runs r
  WHERE (SELECT COUNT(*) FROM tags t WHERE t.run_id = r.run_id AND t.key IN ('host', 'pid')) != 2;
SELECT 'finished run ' || name || ' incomplete' FROM runs r WHERE kind = 'train' AND status = 'FINISHED' AND (
  (SELECT COUNT(*) FROM metrics m WHERE m.run_id = r.run_id AND key = 'val_acc') != 3 OR
  (SELECT group_concat(split || tta_n) FROM (SELECT split, tta_n FROM evals e WHERE e.run_id = r.run_id ORDER BY split, tta_n)) != 'test0,test3,val0,val3' OR
  NOT EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.run_id AND t.key = 'weights_sha256') OR
  (SELECT COUNT(*) FROM artifacts a WHERE a.run_id = r.run_id AND kind IN ('checkpoint-best', 'checkpoint-last')) != 2);
SELECT 'finished ensemble ' || name || ' incomplete' FROM runs r WHERE kind = 'ensemble' AND status = 'FINISHED' AND (
  (SELECT group_concat(split) FROM (SELECT split FROM evals e WHERE e.run_id = r.run_id ORDER BY split)) != 'test,val' OR
  (SELECT COUNT(*) FROM ensemble_members m WHERE m.ensemble_run_id = r.run_id) != 0 + substr(name, -1) OR
  (SELECT COUNT(*) FROM tags t WHERE t.run_id = r.run_id AND t.key IN ('selection', 'members')) != 2);
SELECT 'ensemble ' || r.name || ' fuses an eval of unfinished run ' || m.name FROM ensemble_members em
  JOIN runs r ON r.run_id = em.ensemble_run_id JOIN evals e ON e.eval_id = em.member_eval_id
  JOIN runs m ON m.run_id = e.run_id WHERE m.status != 'FINISHED';" 2>&1
}
# Everything that must equal the reference, one line each (the runs' wall-clock times excluded).
fingerprint() {
    d=$1; db=$d/k.db
    echo "runs $(q "$db" "SELECT group_concat(kind || ':' || name || ':' || status, ' ') FROM (SELECT * FROM runs ORDER BY kind, name)")"
    echo "weights $(q "$db" "SELECT group_concat(name || '=' || value, ' ') FROM (SELECT name, value FROM runs JOIN tags USING (run_id) WHERE key = 'weights_sha256' ORDER BY name)")"
    for u in $(q "$db" "SELECT run_uuid FROM runs WHERE kind = 'train' ORDER BY name"); do
        echo "checkpoints $(tensors_sha "$d/ckpt/$u/best.safetensors") $(tensors_sha "$d/ckpt/$u/last.safetensors")"
    done
    echo "metrics $(q "$db" "SELECT r.name, m.key, m.step, printf('%.17g', m.value) FROM metrics m JOIN runs r USING (run_id)
        WHERE m.key NOT IN ('epoch_s', 'images_per_s') ORDER BY r.name, m.key, m.step" | sha256sum | cut -c1-16)"
    echo "predictions $(q "$db" "SELECT r.name, e.split, e.tta_n, e.n_samples, e.n_correct, printf('%.17g', e.loss), p.sample_idx,
        p.label, p.pred, hex(p.probs) FROM predictions p JOIN evals e USING (eval_id) JOIN runs r USING (run_id)
        ORDER BY r.name, e.split, e.tta_n, p.sample_idx" | sha256sum | cut -c1-16)"
    echo "members $(q "$db" "SELECT group_concat(x, ' ') FROM (SELECT r.name || '<' || m.name || ':' || e.split || e.tta_n AS x
        FROM ensemble_members em JOIN runs r ON r.run_id = em.ensemble_run_id JOIN evals e ON e.eval_id = em.member_eval_id
        JOIN runs m ON m.run_id = e.run_id ORDER BY x)")"
    echo "artifacts $(q "$db" "SELECT COUNT(*) FROM artifacts")"
    # (the temporaries a killed rmn-report leaves, NAME.tmp-PID-N and .rmn-fig-XXXXXX/, are no
    # part of the report)
    (cd "$d/report" && find . -type f ! -name '*.tmp-*' ! -path '*/.rmn-fig-*' | sort | xargs sha256sum | sha256sum |
        cut -c1-16 | sed 's/^/report /')
}
# Recorded checkpoint digests match the files (after a completed run).
artifacts_match() {
    q "$1" "SELECT path || ' ' || sha256 FROM artifacts" | while read -r path sha; do
        [ "$(sha256sum <"$path" | cut -c1-64)" = "$sha" ] || echo "artifact $path: recorded $sha"
    done
}

