#!/usr/bin/python3
"""compare.py -- the parity table of docs/PARITY.md: rmn's runs (from its SQLite store) beside
the PyTorch side's (directories written by tools/parity/train_torch.py), per group of runs:
best val accuracy, test accuracy plain and with TTA, per seed; mean +- sd per side; and the
difference of the means (and of the TTA gains) with a 95 % Welch interval and an exact rank
(Mann-Whitney) test; whether the means are shown within the issue's 0.5 points (two one-sided
tests), within what margin they are shown, and how many seeds would show 0.5; whether the
sides spread alike (a permutation test on deviations from the medians). Only the standard
library: it runs with any python3.

usage: python3 tools/parity/compare.py --db rmn.db --experiment parity-tv48
           [--rmn MODEL_NAME ...] [--torch LABEL=DIR[,DIR...] ...] [--save DIR]
       python3 tools/parity/compare.py --results tools/parity/results/*.json

--rmn names model_name prefixes of rmn's runs (NAME-sSEED; default: every group in the
experiment); --torch gives a label and the output directories of train_torch.py runs (one per
seed; each holds final.json). Both sides are printed as groups; the differences are taken
between every rmn group and every torch group that share the rotation interpolation, and
between PyTorch on rmn's draws (INTERP-rmn-streams) and PyTorch on its own (INTERP): the
draws' share of a difference, one implementation on both sides; and between each rmn group and
every PyTorch run of its interpolation, both groups pooled (INTERP-all).
--save DIR writes each of rmn's runs as DIR/rmn-GROUP-sSEED.json (the numbers the table needs),
with --db also its per-epoch metrics (-metrics.csv) and test predictions (-test_pred.csv.gz),
and copies each --torch run's outputs there as torch-LABEL-sSEED.json, -metrics.csv and
-test_probs.npz;
--results reads such files and train_torch.py's final.json files (the PyTorch side, committed as
torch-INTERP-sSEED.json; runs on rmn's initial weights and streams as torch-swap-sSEED.json, the
group INTERP-rmn-streams) instead of a store, so the committed tools/parity/results/ give the
table again without the store or a retraining.
"""
import argparse
import gzip
import itertools
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import struct

# two-sided 95 % (one-sided 97.5 %) and two-sided 90 % (one-sided 95 %) quantiles of Student's t,
# df 1..30; beyond, interpolated towards the normal's 1.960 and 1.645
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042]
T95 = [6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812, 1.796, 1.782, 1.771,
       1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706,
       1.703, 1.701, 1.699, 1.697]
Z95 = 1.645  # the normal's 95 % quantile: each one-sided test's level, and 90 % power at equal
# means in an equivalence test, whose two one-sided tests must both pass (z at 1 - 0.10 / 2)
MARGIN = 0.005  # the issue's goal: the two sides' means within 0.5 points


def t_quantile(df, table=T975, z=1.960):
    if df < 1:
        return float("inf")
    if df <= 30:
        lo = int(math.floor(df))
        hi = min(lo + 1, 30)
        return table[lo - 1] + (table[hi - 1] - table[lo - 1]) * (df - lo)
    return z + (table[29] - z) * 30 / df


MAX_SPLITS = 1000000  # the spread test enumerates up to this many splits, else samples
SAMPLED_SPLITS = 200000  # ... this many, from a fixed seed (the p printed is then an estimate)


def permutation_p(scores, k):
    """Two-sided permutation p of a statistic linear in the first group's sum of scores (a mean
    difference; a rank sum): the share of the C(n, k) ways to split the values into groups of k
    and n - k whose sum lies at least as far from its mean k * mean(scores) as the observed
    split's (the first k values). Exact up to MAX_SPLITS splits, else from SAMPLED_SPLITS
    random ones (seeded). Returns (p, exact)."""
    n = len(scores)
    centre = k * sum(scores) / n
    observed = abs(sum(scores[:k]) - centre) - 1e-9 * (1 + abs(centre))
    if math.comb(n, k) <= MAX_SPLITS:
        splits = itertools.combinations(scores, k)
        hits = sum(abs(sum(c) - centre) >= observed for c in splits)
        return hits / math.comb(n, k), True
    rng = random.Random(20)
    hits = sum(abs(sum(rng.sample(scores, k)) - centre) >= observed for _ in range(SAMPLED_SPLITS))
    return (hits + 1) / (SAMPLED_SPLITS + 1), False


def midranks(values):
    """1-based ranks of values, ties given their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for t in range(i, j + 1):
            ranks[order[t]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def u_statistic(a, b):
    """Mann-Whitney U: the pairs (x in a, y in b) with x > y, ties a half."""
    return sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in a for y in b)


def rank_test(a, b):
    """Exact two-sided Mann-Whitney test of a against b (no normality assumed): U and the share
    of the ways to split the pooled values into groups of those sizes whose U lies at least as
    far from its mean, |a| |b| / 2. U is a's rank sum less k(k+1)/2, so the count runs over
    the sums of k of the pooled (doubled, hence whole) midranks: exact at any size."""
    k, n = len(a), len(a) + len(b)
    r2 = [int(round(2 * r)) for r in midranks(list(a) + list(b))]
    ways = [dict() for _ in range(k + 1)]  # ways[j][s]: subsets of j ranks summing to s
    ways[0][0] = 1
    for r in r2:
        for j in range(k, 0, -1):
            for t, c in ways[j - 1].items():
                ways[j][t + r] = ways[j].get(t + r, 0) + c
    centre2 = k * (n + 1)  # twice the rank sum's mean
    observed = abs(sum(r2[:k]) - centre2)
    hits = sum(c for t, c in ways[k].items() if abs(t - centre2) >= observed)
    return u_statistic(a, b), hits / math.comb(n, k)


def spread_test(a, b):
    """Do the two sides spread alike? Each value's absolute deviation from its own side's median
    (Brown and Forsythe's robust form of Levene's test), the difference of the sides' mean
    deviations, its permutation p over the splits of the deviations (None below 2 values a
    side): (p, exact)."""
    if len(a) < 2 or len(b) < 2:
        return None
    da = [abs(x - statistics.median(a)) for x in a]
    db = [abs(y - statistics.median(b)) for y in b]
    return permutation_p(da + db, len(da))


def welch(a, b, table=T975, z=1.960):
    """Difference of means a - b with a Welch interval, 95 % by default (None where a side has
    < 2 values); table=T95, z=1.645 gives the 90 % interval of an equivalence test."""
    if len(a) < 2 or len(b) < 2:
        return statistics.mean(a) - statistics.mean(b), None
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    se = math.sqrt(va + vb)
    d = statistics.mean(a) - statistics.mean(b)
    if se == 0:
        return d, (d, d)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    h = t_quantile(df, table, z) * se
    return d, (d - h, d + h)


def equivalence(a, b, margin=MARGIN):
    """Are the means shown within +-margin? Two one-sided tests at 5 % each: the 90 % Welch
    interval lies inside (-margin, +margin). Also the seeds a side that would show it with 90 %
    power if the true difference were 0 and each side spread as its runs do (the normal
    approximation, n = (z95 + z95)^2 (sa^2 + sb^2) / margin^2). None below 2 values a side."""
    d, ci = welch(a, b, T95, Z95)
    if ci is None:
        return None
    n = math.ceil((Z95 + Z95) ** 2 * (statistics.variance(a) + statistics.variance(b)) / margin ** 2)
    return ci, -margin < ci[0] and ci[1] < margin, n


def paired(a, b):
    """Mean of the per-seed differences a - b with a 95 % t interval (n - 1 degrees of freedom;
    None below 2 pairs): for runs that share their seed's random draws, where the pairing
    removes the draws' share of the spread."""
    d = [x - y for x, y in zip(a, b)]
    if len(d) < 2:
        return (d[0] if d else None), None
    m, h = statistics.mean(d), t_quantile(len(d) - 1) * statistics.stdev(d) / math.sqrt(len(d))
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
        rec = {"run_id": run_id, "seed": seed, "best_val": best, "test_plain": acc("test", 0), "test_tta": acc("test", 1),
               "epochs": db_epochs(con, run_id)}
        groups.setdefault(("rmn", group, interp), []).append(rec)
    return groups


def record(fj, metrics_csv):
    """A run's numbers from its final.json (or --save's .json), with its per-epoch metrics where
    the CSV beside it exists."""
    return {"seed": fj["seed"], "best_val": fj["best_val_acc"], "test_plain": fj["test_plain"],
            "test_tta": fj["test_tta"], "epochs": csv_epochs(metrics_csv)}


def group_of(fj):
    """A PyTorch run's group: its rotation interpolation, and a group of its own for runs on
    rmn's initial weights and random streams (train_torch.py --init --rmn-streams)."""
    return fj.get("group") or fj["interp"] + ("-rmn-streams" if fj.get("rmn_streams") else "")


def csv_epochs(path):
    """{epoch: {key: value}} from a metrics CSV (train_torch.py's columns); {} without one."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        head = f.readline().strip().split(",")
        return {int(v[0]): {k: float(x) for k, x in zip(head[1:], v[1:]) if x}
                for v in (line.strip().split(",") for line in f if line.strip())}


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
            # LABEL names the committed files (--save); the group follows the run's own flags
            groups.setdefault(("torch", group_of(fj), fj["interp"]), []).append(
                dict(record(fj, os.path.join(d, "metrics.csv")), dir=d, label=label))
    return groups


def result_groups(paths):
    """--results: files written by --save, or train_torch.py's final.json (side torch)."""
    groups = {}
    for path in paths:
        with open(path) as f:
            fj = json.load(f)
        key = (fj.get("side", "torch"), group_of(fj), fj["interp"])
        groups.setdefault(key, []).append(record(fj, path[:-len(".json")] + "-metrics.csv"))
    return groups


METRIC_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "epoch_s", "images_per_s")


def db_epochs(con, run_id):
    """{epoch: {key: value}}: a run's per-epoch metrics from rmn's store."""
    rows = {}
    for key, step, value in con.execute("SELECT key, step, value FROM metrics WHERE run_id = ?", (run_id,)):
        if key in METRIC_KEYS:
            rows.setdefault(step, {})[key] = value
    return rows


def save_epochs(con, run_id, path):
    """A run's per-epoch metrics as CSV, the columns of train_torch.py's metrics.csv."""
    rows = db_epochs(con, run_id)
    with open(path, "w") as f:
        f.write("epoch," + ",".join(METRIC_KEYS) + "\n")
        for step in sorted(rows):
            f.write("%d,%s\n" % (step, ",".join("%.8g" % rows[step][k] if rows[step].get(k) is not None else ""
                                                for k in METRIC_KEYS)))


def save_predictions(con, run_id, path):
    """A run's test predictions, plain and TTA, as gzipped CSV (sample, label, each one's
    predicted class and its 7 probabilities to 4 decimals): what per_class.py and a later
    comparison need without the store. Written with mtime 0, so the bytes depend on the run only."""
    evals = {}
    for tta in (0, 1):
        r = con.execute("SELECT eval_id, tta_n FROM evals WHERE run_id = ? AND split = 'test' AND " +
                        ("tta_n > 0" if tta else "tta_n = 0") + " ORDER BY eval_id DESC LIMIT 1", (run_id,)).fetchone()
        if r is None:
            return
        views = max(r[1], 1)  # a TTA row holds the views' summed softmax (docs/STORE.md)
        evals[tta] = {i: (lab, pred, [v / views for v in struct.unpack("<%dd" % (len(b) // 8), b)])
                      for i, lab, pred, b in con.execute(
                          "SELECT sample_idx, label, pred, probs FROM predictions WHERE eval_id = ?", (r[0],))}
    plain, tta = evals[0], evals[1]
    k = len(next(iter(plain.values()))[2])
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(("sample,label,plain_pred,tta_pred," + ",".join("plain_p%d" % c for c in range(k)) + "," +
                 ",".join("tta_p%d" % c for c in range(k)) + "\n").encode())
        for i in sorted(plain):
            lab, p0, pp = plain[i]
            _, p1, pt = tta[i]
            f.write(("%d,%d,%d,%d,%s,%s\n" % (i, lab, p0, p1, ",".join("%.4f" % v for v in pp),
                                               ",".join("%.4f" % v for v in pt))).encode())


def save(groups, out, db=None):
    """--save: per rmn run, OUT/rmn-GROUP-sSEED.json (the table's numbers) and, from the store,
    -metrics.csv (per epoch) and -test_pred.csv.gz (per test image); per PyTorch run given by
    --torch LABEL=DIR, its final.json, metrics.csv and test_probs.npz as
    OUT/torch-LABEL-sSEED{.json,-metrics.csv,-test_probs.npz}: what is committed."""
    os.makedirs(out, exist_ok=True)
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True) if db else None
    for (side, group, _), recs in groups.items():
        for r in recs if side == "torch" else []:
            stem = os.path.join(out, "torch-%s-s%d" % (r.get("label", group), r["seed"]))
            for src, suffix in (("final.json", ".json"), ("metrics.csv", "-metrics.csv"),
                                ("test_probs.npz", "-test_probs.npz")):
                if "dir" in r and os.path.exists(os.path.join(r["dir"], src)):
                    shutil.copyfile(os.path.join(r["dir"], src), stem + suffix)
    for (side, group, interp), recs in groups.items():
        for r in recs if side == "rmn" else []:
            stem = os.path.join(out, "%s-%s-s%d" % (side, group, r["seed"]))
            with open(stem + ".json", "w") as f:
                json.dump({"side": side, "group": group, "interp": interp, "seed": r["seed"],
                           "best_val_acc": r["best_val"], "test_plain": r["test_plain"],
                           "test_tta": r["test_tta"]}, f, indent=1)
            if con is not None and "run_id" in r:
                save_epochs(con, r["run_id"], stem + "-metrics.csv")
                save_predictions(con, r["run_id"], stem + "-test_pred.csv.gz")


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
    ap.add_argument("--curves", action="store_true",
                    help="also the groups' mean training curves: train loss, val loss, val accuracy per epoch")
    a = ap.parse_args()
    if not a.db and not a.results:
        ap.error("give --db (rmn's store) or --results (saved files)")
    groups = rmn_groups(a.db, a.experiment, a.rmn) if a.db else {}
    groups.update(torch_groups(a.torch))
    for k, v in result_groups(a.results).items():
        groups.setdefault(k, []).extend(v)
    if a.save:
        save(groups, a.save, a.db)
    keys = ("best_val", "test_plain", "test_tta")
    print("| side | group | rotation | seeds | best val | test plain | test TTA | TTA gain |")
    print("|---|---|---|---|---|---|---|---|")
    for (side, group, interp), recs in sorted(groups.items()):
        recs.sort(key=lambda r: r["seed"])
        for r in recs:
            gain = metric(r, "tta_gain")
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
            if s2 != "torch" or i1 != i2:
                continue
            if s1 == "rmn":  # rmn against each PyTorch group; paired by seed where on rmn's draws
                differences(s1, g1, a1, g2, a2, paired_by_seed=g2.endswith("-rmn-streams"))
            elif g1 == g2 + "-rmn-streams":  # one implementation, rmn's draws against its own
                differences(s1, g1, a1, g2, a2)
    # every PyTorch run of an interpolation against rmn's: PyTorch on rmn's draws is PyTorch on
    # draws of the same distribution; that those runs share draws with rmn's of their seed
    # only makes the Welch interval wider than it needs be (the pairs correlate positively or
    # not at all)
    for (s1, g1, i1), a1 in sorted(groups.items()):
        pool = [(g, recs) for (s, g, i), recs in sorted(groups.items()) if s == "torch" and i == i1]
        if s1 == "rmn" and len(pool) > 1:
            differences(s1, g1, a1, i1 + "-all", [r for _, recs in pool for r in recs])
    if a.curves:
        curves(groups)


def curves(groups):
    """Per metric, one row per group: its runs' mean at each epoch (the runs that reached it;
    the count where fewer than all)."""
    last = max((e for recs in groups.values() for r in recs for e in r["epochs"]), default=0)
    if not last:
        print("\n(no per-epoch metrics: the store's runs, or the -metrics.csv files beside the results)")
        return
    for key, fmt, scale in (("train_loss", "%.3f", 1), ("val_loss", "%.3f", 1), ("val_acc", "%.1f", 100)):
        print("\n| %s: side, group (runs) | %s |" % (key, " | ".join(str(e) for e in range(1, last + 1))))
        print("|---|" + "---|" * last)
        for (side, group, _), recs in sorted(groups.items()):
            with_curve = [r for r in recs if r["epochs"]]
            if not with_curve:
                continue
            cells = []
            for e in range(1, last + 1):
                v = [r["epochs"][e][key] for r in with_curve if key in r["epochs"].get(e, {})]
                cells.append("" if not v else fmt % (scale * statistics.mean(v)) +
                             ("" if len(v) == len(with_curve) else " (%d)" % len(v)))
            print("| %s %s (%d) | %s |" % (side, group, len(with_curve), " | ".join(cells)))


def metric(r, k):
    """A run's value of metric k: a stored accuracy, or tta_gain (test TTA - test plain)."""
    if k != "tta_gain":
        return r[k]
    return r["test_tta"] - r["test_plain"] if r["test_tta"] is not None and r["test_plain"] is not None else None


def differences(s1, g1, a1, g2, a2, paired_by_seed=False):
    """Print, per metric (the three accuracies and the TTA gain), the difference of group a1
    (side s1) from the PyTorch group a2: Welch interval, rank test, equivalence at the margin
    and the margin the interval shows, spread test, and with paired_by_seed the per-seed
    differences of runs that share their seed's random draws."""
    name1 = g1 if s1 == "torch" else s1  # who is "higher", whose sd
    for k in ("best_val", "test_plain", "test_tta", "tta_gain"):
        x = [v for v in (metric(r, k) for r in a1) if v is not None]
        y = [v for v in (metric(r, k) for r in a2) if v is not None]
        if not x or not y:
            continue
        d, ci = welch(x, y)
        u, p = rank_test(x, y)
        print("%s %s - torch %s, %s: %+.2f points%s; rank test: %s of %d pairs %s higher, p = %.3f" %
              (s1, g1, g2, k, 100 * d,
               " (95%% Welch interval %+.2f .. %+.2f)" % (100 * ci[0], 100 * ci[1]) if ci else "",
               ("%g" % u), len(x) * len(y), name1, p))
        eq, sp = equivalence(x, y), spread_test(x, y)
        if eq:
            (lo, hi), shown, n = eq
            print("  within +-%.1f points: %s (90%% Welch interval %+.2f .. %+.2f, so within +-%.2f shown); "
                  "about %d seeds a side would show +-%.1f at 90%% power if the means were equal" %
                  (100 * MARGIN, "shown" if shown else "not shown", 100 * lo, 100 * hi,
                   100 * max(-lo, hi), n, 100 * MARGIN))
        if sp is not None:
            print("  spread: sd %.2f (%s) against %.2f (%s); deviations from the medians differ "
                  "with %s p = %.3f" % (100 * statistics.stdev(x), name1,
                                        100 * statistics.stdev(y), g2,
                                        "exact" if sp[1] else "permutation (%d random splits)" % SAMPLED_SPLITS,
                                        sp[0]))
        if not paired_by_seed:
            continue
        by_seed = {r["seed"]: v for r in a1 if (v := metric(r, k)) is not None}
        pairs = [(by_seed[r["seed"]], v) for r in sorted(a2, key=lambda r: r["seed"])
                 if (v := metric(r, k)) is not None and r["seed"] in by_seed]
        if pairs:
            m, pci = paired([x for x, _ in pairs], [y for _, y in pairs])
            print("  paired by seed (the same draws), %s: %s; mean %+.2f points%s" %
                  (k, ", ".join("%+.2f" % (100 * (x - y)) for x, y in pairs), 100 * m,
                   " (95%% t interval %+.2f .. %+.2f)" % (100 * pci[0], 100 * pci[1]) if pci else ""))


if __name__ == "__main__":
    main()
