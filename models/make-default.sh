#!/bin/sh
# make-default.sh -- packages a finished training run as the model rmn-detect ships:
# copies its best checkpoint to models/default.safetensors and writes models/default.json
# (how it was trained, its accuracies from the store, checksums). Nothing here trains.
#
#   sh models/make-default.sh STORE RUN_NAME   (e.g. /root/rmn-runs/rmn.db resnet18-w32-s1)
# Needs sqlite3, jq and sha256sum.
set -eu
db=$1
run=$2
here=$(cd "$(dirname "$0")" && pwd)
q() { sqlite3 -batch -noheader "$db" "$1"; }
id=$(q "SELECT run_id FROM runs WHERE name = '$run' AND kind = 'train' AND status = 'FINISHED' ORDER BY run_id DESC LIMIT 1")
[ -n "$id" ] || { echo "make-default.sh: no finished training run named $run in $db" >&2; exit 1; }
dir=$(q "SELECT value FROM tags WHERE run_id = $id AND key = 'checkpoint_dir'")
cp "$dir/best.safetensors" "$here/default.safetensors.tmp"
mv "$here/default.safetensors.tmp" "$here/default.safetensors"
acc() { # SPLIT TTA_N -> accuracy (fraction) of the run's final eval
    q "SELECT printf('%.6f', CAST(n_correct AS REAL) / n_samples) FROM evals WHERE run_id = $id AND split = '$1' AND tta_n = $2 ORDER BY eval_id DESC LIMIT 1"
}
count() { q "SELECT n_correct || ' ' || n_samples FROM evals WHERE run_id = $id AND split = '$1' AND tta_n = $2 ORDER BY eval_id DESC LIMIT 1"; }
tta=$(q "SELECT MAX(tta_n) FROM evals WHERE run_id = $id")
set -- $(count test 0)
test_correct=$1 test_n=$2
jq -n \
  --arg file default.safetensors \
  --arg sha "$(sha256sum "$here/default.safetensors" | cut -d' ' -f1)" \
  --arg weights "$(q "SELECT value FROM tags WHERE run_id = $id AND key = 'weights_sha256'")" \
  --arg exp "$(q "SELECT e.name FROM runs r JOIN experiments e USING (experiment_id) WHERE r.run_id = $id")" \
  --arg run "$run" --arg uuid "$(q "SELECT run_uuid FROM runs WHERE run_id = $id")" \
  --arg model "$(q "SELECT model FROM runs WHERE run_id = $id")" \
  --argjson params "$(q "SELECT n_params FROM runs WHERE run_id = $id")" \
  --arg config "$(q "SELECT config_text FROM runs WHERE run_id = $id")" \
  --arg data "$(q "SELECT dataset_sha256 FROM runs WHERE run_id = $id")" \
  --arg commit "$(q "SELECT git_commit FROM runs WHERE run_id = $id")" \
  --arg host "$(q "SELECT cpu_model || ', ' || n_threads || ' threads' FROM runs WHERE run_id = $id")" \
  --argjson epochs "$(q "SELECT COUNT(*) FROM metrics WHERE run_id = $id AND key = 'val_acc'")" \
  --argjson seconds "$(q "SELECT printf('%.0f', SUM(value)) FROM metrics WHERE run_id = $id AND key = 'epoch_s'")" \
  --argjson best "$(q "SELECT step FROM metrics WHERE run_id = $id AND key = 'val_acc' ORDER BY value DESC, step LIMIT 1")" \
  --argjson val "$(acc val 0)" --argjson test "$(acc test 0)" \
  --argjson val_tta "$(acc val "$tta")" --argjson test_tta "$(acc test "$tta")" \
  --argjson tta "$tta" --argjson test_correct "$test_correct" --argjson test_n "$test_n" \
  '{file: $file, sha256: $sha, weights_sha256: $weights, model: $model, parameters: $params,
    trained: {experiment: $exp, run: $run, run_uuid: $uuid, epochs: $epochs, best_epoch: $best,
              seconds: $seconds, machine: $host, git_commit: $commit,
              dataset_sha256: $data, config: ($config | split("\n") | map(select(. != "")))},
    accuracy: {privatetest: $test, privatetest_correct: $test_correct, privatetest_n: $test_n,
               publictest: $val, tta_n: $tta, privatetest_tta: $test_tta, publictest_tta: $val_tta}}' \
  > "$here/default.json.tmp"
mv "$here/default.json.tmp" "$here/default.json"
echo "models/default.safetensors: $run, PrivateTest $(acc test 0) ($test_correct / $test_n), with TTA-$tta $(acc test "$tta")"
