#!/usr/bin/python3
"""checkpoints.py -- the parity runs' checkpoints evaluated again by one evaluator (rmn-eval),
at the best-val epoch and at the last epoch, test accuracy and test loss: the comparison without
the best-val selection (docs/PARITY.md, "Without the selection").

rmn's runs come from a store (their checkpoints under --checkpoints DIR/RUN_UUID/{best,last}
.safetensors), PyTorch's from train_torch.py's output directories (best.pt, and state.pt's
weights after the last epoch). rmn-eval reads both (a .pth with --arch), so the same code
evaluates every network. Writes one row per run and checkpoint to --tsv and prints, per
checkpoint and metric, mean +- sd per side and rmn - PyTorch with a 95 % Welch interval and the
exact rank test of compare.py.

usage: /usr/bin/python3 tools/parity/checkpoints.py --rmn-eval src/rmn-eval --data fer2013.csv.xz
           --db rmn.db --checkpoints checkpoints [--group resnet18-tv48] --torch DIR[,DIR...]
           --tsv OUT.tsv [--work DIR]
       python3 tools/parity/checkpoints.py --tsv tools/parity/results/checkpoints.tsv  (print only)
       python3 tools/parity/checkpoints.py --tsv tools/parity/results/checkpoints-swap.tsv --paired
(torch is needed only to take state.pt's weights apart; printing needs the standard library.)
"""
import argparse
import csv
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import counted_runs, paired, rank_test, welch  # noqa: E402

PTH_ARGS = ["--arch", "resnet18-tv48", "--in-channels", "1", "--image-size", "48"]
FIELDS = ["side", "seed", "checkpoint", "test_acc", "test_loss"]


def evaluate(a, path, extra):
    out = subprocess.run([a.rmn_eval, path, "--data", a.data, "--split", "test", "--threads", str(a.threads),
                          "--json"] + extra, check=True, capture_output=True, text=True).stdout
    d = json.loads(out)
    return d["accuracy_frac"], d["loss"]


def rmn_runs(a):
    con = sqlite3.connect("file:%s?mode=ro" % a.db, uri=True)
    rows = sorted((seed, uuid) for _, name, seed, uuid, _ in counted_runs(con)
                  if name.rsplit("-s", 1)[0] == a.group)
    for seed, uuid in rows:
        yield seed, os.path.join(a.checkpoints, uuid)


def measure(a):
    rows = []
    for seed, d in rmn_runs(a):
        for ck in ("best", "last"):
            acc, loss = evaluate(a, os.path.join(d, ck + ".safetensors"), [])
            rows.append({"side": "rmn", "seed": seed, "checkpoint": ck, "test_acc": acc, "test_loss": loss})
            print("rmn seed %d %s: %.2f %%" % (seed, ck, 100 * acc), file=sys.stderr)
    import torch
    work = a.work or tempfile.mkdtemp()
    for d in a.torch.split(","):
        with open(os.path.join(d, "final.json")) as f:
            seed = json.load(f)["seed"]
        last = os.path.join(work, "torch-last-s%d.pth" % seed)
        torch.save(torch.load(os.path.join(d, "state.pt"), map_location="cpu")["net"], last)
        for ck, path in (("best", os.path.join(d, "best.pt")), ("last", last)):
            acc, loss = evaluate(a, path, PTH_ARGS)
            rows.append({"side": "torch", "seed": seed, "checkpoint": ck, "test_acc": acc, "test_loss": loss})
            print("torch seed %d %s: %.2f %%" % (seed, ck, 100 * acc), file=sys.stderr)
    with open(a.tsv, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({**r, "test_acc": "%.6f" % r["test_acc"], "test_loss": "%.6f" % r["test_loss"]})


def report(tsv, by_seed):
    with open(tsv) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    print("| checkpoint | metric | rmn mean ± sd | PyTorch mean ± sd | rmn − PyTorch (95 % Welch) | rank test |")
    print("|---|---|---|---|---|---|")
    for ck in ("best", "last"):
        for metric, scale, fmt in (("test_acc", 100, "%.2f"), ("test_loss", 1, "%.4f")):
            side = {s: [float(r[metric]) * scale for r in rows if r["side"] == s and r["checkpoint"] == ck]
                    for s in ("rmn", "torch")}
            a, b = side["rmn"], side["torch"]
            d, ci = welch(a, b)
            u, p = rank_test(a, b)
            ms = lambda v: (fmt + " ± " + fmt) % (statistics.mean(v), statistics.stdev(v))
            sd = lambda v: ("%+" + fmt[1:]) % v
            print("| %s | %s | %s (n=%d) | %s (n=%d) | %s (%s .. %s) | %g of %d pairs rmn higher, p = %.3f |" % (
                ck, metric, ms(a), len(a), ms(b), len(b), sd(d), sd(ci[0]), sd(ci[1]), u, len(a) * len(b), p))
    if by_seed:  # runs that share their seed's draws (the randomness test): rmn - PyTorch per seed
        for ck in ("best", "last"):
            for metric, scale, fmt in (("test_acc", 100, "%+.2f"), ("test_loss", 1, "%+.4f")):
                side = {s: {int(r["seed"]): float(r[metric]) * scale for r in rows
                            if r["side"] == s and r["checkpoint"] == ck} for s in ("rmn", "torch")}
                seeds = sorted(set(side["rmn"]) & set(side["torch"]))
                m, ci = paired([side["rmn"][k] for k in seeds], [side["torch"][k] for k in seeds])
                print("paired by seed, %s %s: %s; mean %s%s" % (
                    ck, metric, ", ".join(fmt % (side["rmn"][k] - side["torch"][k]) for k in seeds),
                    fmt % m, " (95 %% t interval %s .. %s)" % (fmt % ci[0], fmt % ci[1]) if ci else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tsv", required=True)
    ap.add_argument("--rmn-eval")
    ap.add_argument("--data")
    ap.add_argument("--db")
    ap.add_argument("--checkpoints")
    ap.add_argument("--group", default="resnet18-tv48")
    ap.add_argument("--torch")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--work")
    ap.add_argument("--paired", action="store_true",
                    help="also rmn - PyTorch per seed, for runs on the same draws (the randomness test)")
    a = ap.parse_args()
    given = [a.rmn_eval, a.data, a.db, a.checkpoints, a.torch]
    if any(given):
        if not all(given):
            ap.error("measuring needs --rmn-eval, --data, --db, --checkpoints and --torch")
        for p in (a.rmn_eval, a.data, a.db, a.checkpoints):
            if not os.path.exists(p):
                ap.error("%s: no such file" % p)
        # every input checked before the first evaluation
        need = [os.path.join(d, f) for d in a.torch.split(",") for f in ("final.json", "best.pt", "state.pt")]
        need += [os.path.join(d, ck + ".safetensors") for _, d in rmn_runs(a) for ck in ("best", "last")]
        missing = [p for p in need if not os.path.exists(p)]
        if missing:
            ap.error("missing: " + ", ".join(missing))
        if a.work:  # made now, not found missing after the rmn side's evaluations
            os.makedirs(a.work, exist_ok=True)
        measure(a)
    report(a.tsv, a.paired)


if __name__ == "__main__":
    main()
