#!/usr/bin/python3
"""compare.py -- the parity table of docs/PARITY.md: rmn's runs (from its SQLite store) beside
the PyTorch side's (directories written by tools/parity/train_torch.py), per group of runs:
best val accuracy, test accuracy plain and with TTA, per seed; mean +- sd per side; and the
difference of the means with a 95 % Welch interval and an exact rank (Mann-Whitney) test. Only
the standard library: it runs with any python3.

usage: python3 tools/parity/compare.py --db rmn.db --experiment parity-tv48
           [--rmn MODEL_NAME ...] [--torch LABEL=DIR[,DIR...] ...] [--save DIR]
       python3 tools/parity/compare.py --results tools/parity/results/*.json

--rmn names model_name prefixes of rmn's runs (NAME-sSEED; default: every group in the
experiment); --torch gives a label and the output directories of train_torch.py runs (one per
seed; each holds final.json). Both sides are printed as groups; the differences are taken
between every rmn group and every torch group that share the rotation interpolation.
--save DIR writes each of rmn's runs as DIR/rmn-GROUP-sSEED.json (the numbers the table needs);
--results reads such files and train_torch.py's final.json files (the PyTorch side, committed as
torch-INTERP-sSEED.json; runs on rmn's initial weights and streams as torch-swap-sSEED.json, the
group INTERP-rmn-streams) instead of a store, so the committed tools/parity/results/ give the
table again without the store or a retraining.
"""
import argparse
import json
import math
import os
import sqlite3
import statistics

# two-sided 95 % quantiles of Student's t, df 1..30 (beyond: interpolated towards 1.960)
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042]


def t975(df):
    if df < 1:
        return float("inf")
    if df <= 30:
        lo = int(math.floor(df))
        hi = min(lo + 1, 30)
        return T975[lo - 1] + (T975[hi - 1] - T975[lo - 1]) * (df - lo)
    return 1.960 + (2.042 - 1.960) * 30 / df


def rank_test(a, b):
    """Exact two-sided Mann-Whitney test of a against b (no normality assumed): U = the pairs
    (x in a, y in b) with x > y, ties a half; p = the share of the C(n, |a|) ways to split the
    pooled values into groups of those sizes whose U lies at least as far from its mean."""
    from itertools import combinations
    pooled = list(a) + list(b)

    def u_of(idx):
        xs = [pooled[i] for i in idx]
        ys = [pooled[i] for i in range(len(pooled)) if i not in idx]
        return sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in xs for y in ys)

    u = u_of(range(len(a)))
    mean = len(a) * len(b) / 2.0
    splits = list(combinations(range(len(pooled)), len(a)))
    extreme = sum(1 for idx in splits if abs(u_of(idx) - mean) >= abs(u - mean) - 1e-9)
    return u, extreme / len(splits)


def welch(a, b):
    """Difference of means a - b with a 95 % Welch interval (None where a side has < 2 values)."""
    if len(a) < 2 or len(b) < 2:
        return statistics.mean(a) - statistics.mean(b), None
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    se = math.sqrt(va + vb)
    d = statistics.mean(a) - statistics.mean(b)
    if se == 0:
        return d, (d, d)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    h = t975(df) * se
    return d, (d - h, d + h)


def paired(a, b):
    """Mean of the per-seed differences a - b with a 95 % t interval (n - 1 degrees of freedom;
    None below 2 pairs): for runs that share their seed's random draws, where the pairing
    removes the draws' share of the spread."""
    d = [x - y for x, y in zip(a, b)]
    if len(d) < 2:
        return (d[0] if d else None), None
    m, h = statistics.mean(d), t975(len(d) - 1) * statistics.stdev(d) / math.sqrt(len(d))
    return m, (m - h, m + h)


def counted_runs(con, experiment=None):
    """The runs the parity study counts (here and in checkpoints.py): finished training runs, a
    duplicate's original only, of one experiment (None: of any), by name: (run_id, name, seed,
    run_uuid, config_text) rows."""
    return con.execute(
        "SELECT r.run_id, r.name, r.seed, r.run_uuid, r.config_text FROM runs r JOIN experiments e "
        "USING (experiment_id) WHERE (? IS NULL OR e.name = ?) AND r.kind = 'train' AND "
        "r.status = 'FINISHED' AND r.duplicate_of IS NULL ORDER BY r.name",
        (experiment, experiment)).fetchall()


def rmn_groups(db, experiment, names):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    groups = {}
    for run_id, name, seed, _, config in counted_runs(con, experiment):
        group = name.rsplit("-s", 1)[0]
        if names and group not in names:
            continue
        interp = "nearest" if "rotation_interp=nearest" in config else "bilinear"

        def acc(split, tta):
            r = con.execute("SELECT n_correct, n_samples FROM evals WHERE run_id = ? AND split = ? AND "
                            + ("tta_n > 0" if tta else "tta_n = 0") + " ORDER BY eval_id DESC LIMIT 1",
                            (run_id, split)).fetchone()
            return r[0] / r[1] if r else None

        best = con.execute("SELECT MAX(value) FROM metrics WHERE run_id = ? AND key = 'val_acc'", (run_id,)).fetchone()[0]
        rec = {"seed": seed, "best_val": best, "test_plain": acc("test", 0), "test_tta": acc("test", 1)}
        groups.setdefault(("rmn", group, interp), []).append(rec)
    return groups


def record(fj):
    return {"seed": fj["seed"], "best_val": fj["best_val_acc"], "test_plain": fj["test_plain"],
            "test_tta": fj["test_tta"]}


def torch_groups(specs):
    groups = {}
    for spec in specs:
        label, _, dirs = spec.partition("=")
        for d in dirs.split(","):
            path = os.path.join(d, "final.json")
            if not os.path.exists(path):
                print("(skipped %s: no final.json yet)" % d)
                continue
            with open(path) as f:
                fj = json.load(f)
            groups.setdefault(("torch", label, fj["interp"]), []).append(record(fj))
    return groups


def result_groups(paths):
    """--results: files written by --save, or train_torch.py's final.json (side torch)."""
    groups = {}
    for path in paths:
        with open(path) as f:
            fj = json.load(f)
        # a PyTorch run on rmn's initial weights and random streams (train_torch.py --init
        # --rmn-streams) is a group of its own
        group = fj.get("group") or fj["interp"] + ("-rmn-streams" if fj.get("rmn_streams") else "")
        key = (fj.get("side", "torch"), group, fj["interp"])
        groups.setdefault(key, []).append(record(fj))
    return groups


def save(groups, out):
    os.makedirs(out, exist_ok=True)
    for (side, group, interp), recs in groups.items():
        for r in recs if side == "rmn" else []:
            with open(os.path.join(out, "%s-%s-s%d.json" % (side, group, r["seed"])), "w") as f:
                json.dump({"side": side, "group": group, "interp": interp, "seed": r["seed"],
                           "best_val_acc": r["best_val"], "test_plain": r["test_plain"],
                           "test_tta": r["test_tta"]}, f, indent=1)


def pct(v):
    return "%.2f" % (100 * v) if v is not None else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db")
    ap.add_argument("--experiment", default="parity-tv48")
    ap.add_argument("--rmn", nargs="*", default=[])
    ap.add_argument("--torch", nargs="*", default=[])
    ap.add_argument("--results", nargs="*", default=[], help="files written by --save")
    ap.add_argument("--save", help="write rmn's runs' numbers here, one JSON file each")
    a = ap.parse_args()
    if not a.db and not a.results:
        ap.error("give --db (rmn's store) or --results (saved files)")
    groups = rmn_groups(a.db, a.experiment, a.rmn) if a.db else {}
    groups.update(torch_groups(a.torch))
    for k, v in result_groups(a.results).items():
        groups.setdefault(k, []).extend(v)
    if a.save:
        save(groups, a.save)
    keys = ("best_val", "test_plain", "test_tta")
    print("| side | group | rotation | seeds | best val | test plain | test TTA | TTA gain |")
    print("|---|---|---|---|---|---|---|---|")
    for (side, group, interp), recs in sorted(groups.items()):
        recs.sort(key=lambda r: r["seed"])
        for r in recs:
            gain = r["test_tta"] - r["test_plain"] if r["test_tta"] is not None and r["test_plain"] is not None else None
            print("| %s | %s | %s | %d | %s | %s | %s | %s |" % (side, group, interp, r["seed"], pct(r["best_val"]),
                                                              pct(r["test_plain"]), pct(r["test_tta"]),
                                                              "%+.2f" % (100 * gain) if gain is not None else "-"))
        cols = []
        for k in keys:
            v = [r[k] for r in recs if r[k] is not None]
            cols.append("%.2f ± %.2f" % (100 * statistics.mean(v), 100 * statistics.stdev(v)) if len(v) > 1
                        else (pct(v[0]) if v else "-"))
        print("| %s | **%s** mean ± sd | %s | %d | %s | %s | %s | |" % (side, group, interp, len(recs), *cols))
    print()
    for (s1, g1, i1), a1 in sorted(groups.items()):
        for (s2, g2, i2), a2 in sorted(groups.items()):
            if s1 != "rmn" or s2 != "torch" or i1 != i2:
                continue
            for k in ("best_val", "test_plain", "test_tta"):
                x = [r[k] for r in a1 if r[k] is not None]
                y = [r[k] for r in a2 if r[k] is not None]
                if not x or not y:
                    continue
                d, ci = welch(x, y)
                u, p = rank_test(x, y)
                print("%s %s - torch %s, %s: %+.2f points%s; rank test: %s of %d pairs rmn higher, p = %.3f" %
                      (s1, g1, g2, k, 100 * d,
                       " (95%% Welch interval %+.2f .. %+.2f)" % (100 * ci[0], 100 * ci[1]) if ci else "",
                       ("%g" % u), len(x) * len(y), p))
                if not g2.endswith("-rmn-streams"):
                    continue
                # PyTorch on rmn's draws: paired with rmn's run of the same seed
                by_seed = {r["seed"]: r[k] for r in a1 if r[k] is not None}
                pairs = [(by_seed[r["seed"]], r[k]) for r in sorted(a2, key=lambda r: r["seed"])
                         if r[k] is not None and r["seed"] in by_seed]
                if pairs:
                    m, pci = paired([x for x, _ in pairs], [y for _, y in pairs])
                    print("  paired by seed (the same draws), %s: %s; mean %+.2f points%s" %
                          (k, ", ".join("%+.2f" % (100 * (x - y)) for x, y in pairs), 100 * m,
                           " (95%% t interval %+.2f .. %+.2f)" % (100 * pci[0], 100 * pci[1]) if pci else ""))


if __name__ == "__main__":
    main()
