#!/usr/bin/python3
"""lockstep.py -- the controlled comparison of docs/PARITY.md: an rmn run and a train_torch.py run
that started from the same weights (rmn-export --arch A --seed S --torch, then --init) and saw the
same batches and augmentation draws (--rmn-streams), epoch by epoch: train loss and accuracy, val
loss and accuracy on both sides, then the weights after the last epoch both finished (rmn's
last checkpoint exported with rmn-export --torch) tensor by tensor: relative L2 difference
||a - b|| / ||b||, the worst tensors first, and the BN running statistics apart from the weights.

usage: /usr/bin/python3 tools/parity/lockstep.py --db rmn.db --run NAME --rmn-pth LAST.pth
           --torch DIR [--top 8]
"""
import argparse
import csv
import os
import sqlite3

import torch


def rmn_epochs(db, run):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rid = con.execute("SELECT run_id FROM runs WHERE name = ? ORDER BY run_id DESC LIMIT 1", (run,)).fetchone()
    if not rid:
        raise SystemExit("%s: no run named %s" % (db, run))
    rows = {}
    for epoch, key, value in con.execute("SELECT step, key, value FROM metrics WHERE run_id = ?", rid):
        rows.setdefault(epoch, {})[key] = value
    return rows


def torch_epochs(out):
    with open(os.path.join(out, "metrics.csv")) as f:
        return {int(r["epoch"]): {k: float(v) for k, v in r.items()} for r in csv.DictReader(f)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--rmn-pth", required=True, help="rmn's weights after the last epoch (rmn-export --torch)")
    ap.add_argument("--torch", required=True, help="train_torch.py's output directory")
    ap.add_argument("--top", type=int, default=8)
    a = ap.parse_args()

    r, t = rmn_epochs(a.db, a.run), torch_epochs(a.torch)
    print("| epoch | train loss rmn | torch | train acc rmn | torch | val loss rmn | torch | val acc rmn | torch |")
    print("|---|---|---|---|---|---|---|---|---|")
    for e in sorted(set(r) & set(t)):
        x, y = r[e], t[e]
        print("| %d | %.5f | %.5f | %.2f %% | %.2f %% | %.5f | %.5f | %.2f %% | %.2f %% |" % (
            e, x["train_loss"], y["train_loss"], 100 * x["train_acc"], 100 * y["train_acc"],
            x["val_loss"], y["val_loss"], 100 * x["val_acc"], 100 * y["val_acc"]))

    a_sd = torch.load(a.rmn_pth, map_location="cpu")
    b_sd = torch.load(os.path.join(a.torch, "state.pt"), map_location="cpu")["net"]
    if set(a_sd) != set(b_sd):
        raise SystemExit("the two state_dicts name different tensors: %s" % sorted(set(a_sd) ^ set(b_sd)))
    diffs = []
    for k in a_sd:
        if a_sd[k].dtype.is_floating_point:
            x, y = a_sd[k].double(), b_sd[k].double()
            diffs.append(((x - y).norm().item() / max(y.norm().item(), 1e-30), k))
    stats = [d for d in diffs if d[1].endswith(("running_mean", "running_var"))]
    weights = [d for d in diffs if d not in stats]
    for label, group in (("weights", weights), ("BN running statistics", stats)):
        group.sort(reverse=True)
        mid = sorted(d for d, _ in group)[len(group) // 2]
        print("\n%s: %d tensors, relative L2 difference median %.2e, worst %.2e" % (label, len(group), mid, group[0][0]))
        for d, k in group[:a.top]:
            print("  %.2e  %s" % (d, k))


if __name__ == "__main__":
    main()
