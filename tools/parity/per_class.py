#!/usr/bin/python3
"""per_class.py -- where the parity study's test accuracies differ, class by class
(docs/PARITY.md): per run, the plain test accuracy, each class's recall and how many test
images it predicts as each class; then each side's means. rmn's runs come from its store
(their per-sample predictions) or, without --db, from the predictions compare.py --save
committed; PyTorch's from the committed test probabilities.

usage: /usr/bin/python3 tools/parity/per_class.py [--db rmn.db] [--rmn resnet18-tv48]
           [--results tools/parity/results] [--interp bilinear]
(numpy: Debian's python3-numpy, which python3-torch brings.)
"""
import argparse
import glob
import os
import re
import sqlite3

import numpy as np

CLASSES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]


def stats(label, pred):
    recall = np.array([(pred[label == c] == c).mean() for c in range(7)])
    return (pred == label).mean(), recall, np.bincount(pred, minlength=7)


def rmn_runs(db, prefix):
    con = sqlite3.connect(db)
    rows = con.execute(
        "select r.name, e.eval_id from evals e join runs r using(run_id) "
        "where e.split = 'test' and e.tta_n = 0 and r.name like ? order by r.name", (prefix + "-s%",)).fetchall()
    for name, eid in rows:
        if not re.fullmatch(re.escape(prefix) + r"-s\d+", name):
            continue
        d = np.array(con.execute("select label, pred from predictions where eval_id = ? order by sample_idx",
                                 (eid,)).fetchall())
        yield name, d[:, 0], d[:, 1]


def saved_rmn_runs(results, prefix):
    """rmn's runs as compare.py --save committed them (rmn-PREFIX-sSEED-test_pred.csv.gz)."""
    for path in sorted(glob.glob(os.path.join(results, "rmn-%s-s*-test_pred.csv.gz" % prefix))):
        name = os.path.basename(path)[len("rmn-"):-len("-test_pred.csv.gz")]
        if not re.fullmatch(re.escape(prefix) + r"-s\d+", name):
            continue
        d = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 2), dtype=np.int64)
        yield name, d[:, 0], d[:, 1]


def torch_runs(results, interp, label):
    for path in sorted(glob.glob(os.path.join(results, "torch-%s-s*-test_probs.npz" % interp))):
        z = np.load(path)
        yield os.path.basename(path)[:-len("-test_probs.npz")], label, z["plain"].argmax(1)


def show(side, runs):
    acc, rec, cnt = [], [], []
    for name, label, pred in runs:
        a, r, c = stats(label, pred)
        acc.append(a), rec.append(r), cnt.append(c)
        print("| %s | %s | %.2f | %s | %s |" % (side, name, 100 * a, " ".join("%.3f" % v for v in r),
                                                 " ".join("%d" % v for v in c)))
    if acc:
        print("| %s | **mean of %d** | %.2f | %s | %s |" % (side, len(acc), 100 * np.mean(acc),
              " ".join("%.3f" % v for v in np.mean(rec, 0)), " ".join("%.0f" % v for v in np.mean(cnt, 0))))
    return label if acc else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="rmn's store (default: rmn's runs saved in --results by compare.py --save)")
    ap.add_argument("--rmn", default="resnet18-tv48", help="model_name prefix of rmn's runs (NAME-sSEED)")
    ap.add_argument("--results", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    ap.add_argument("--interp", default="bilinear")
    a = ap.parse_args()
    print("| side | run | test plain % | recall: " + " ".join(CLASSES) + " | predicted: " + " ".join(CLASSES) + " |")
    print("|---|---|---|---|---|")
    label = show("rmn", list(rmn_runs(a.db, a.rmn) if a.db else saved_rmn_runs(a.results, a.rmn)))
    if label is None:
        raise SystemExit("per_class.py: no rmn run %s-sN with test predictions in %s" % (a.rmn, a.db or a.results))
    show("torch", list(torch_runs(a.results, a.interp, label)))
    print("\ntest labels: " + " ".join("%s %d" % (c, n) for c, n in zip(CLASSES, np.bincount(label, minlength=7))))


if __name__ == "__main__":
    main()
