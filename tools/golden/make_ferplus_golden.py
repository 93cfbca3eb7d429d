#!/usr/bin/python3
"""make_ferplus_golden.py -- FERPlus's own processing of crowd votes as the oracle of
tests/test-ferplus (src/data/ferplus.c).

usage: make_ferplus_golden.py FERPLUS_SRC/ferplus.py fer2013new.csv OUTDIR

Reads the _process_data method from a checkout of microsoft/FERPlus (src/ferplus.py, MIT; it is
run, not copied) and applies it, as FERPlus's reader does, to the rows of fer2013new.csv. Picks an
excerpt covering every kind of row (a label kept or dropped in each mode, ties, single votes,
unknown or not-a-face most voted, more than three emotions, each Usage), in file order, and
writes OUTDIR/votes.csv (the excerpt, header included: rows of fer2013new.csv, MIT, Copyright
(c) Microsoft Corporation) and OUTDIR/expected.csv: per excerpt row, the majority label and the
crossentropy label (-1: dropped) and the 8 crossentropy target probabilities (%.9g).

Run with /usr/bin/python3 (numpy)."""
import csv
import sys

import numpy as np

src_path, votes_path, outdir = sys.argv[1:4]
src = open(src_path).read()
start = src.index("    def _process_data(self, emotion_raw, mode):")
lines = src[start:].split("\n")
body = [lines[0]]
for line in lines[1:]:
    if line.startswith("    def "):
        break
    body.append(line)
code = "\n".join(l[4:] if l.startswith("    ") else l for l in body)
code = code.replace("def _process_data(self, emotion_raw, mode):", "def process(emotion_raw, mode):")
ns = {}
exec("import sys\nimport numpy as np\n" + code, ns)
process = ns["process"]


def label(votes, mode):
    e = process([float(v) for v in votes], mode)
    idx = int(np.argmax(e))
    if idx >= 8:
        return -1, [0.0] * 8
    e = e[:-2]
    return idx, [x / sum(e) for x in e]


with open(votes_path) as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
seen, pick = set(), []
for i, r in enumerate(rows):
    v = [int(x) for x in r[2:]]
    kept = [x if x > 1 else 0 for x in v]
    mx = max(kept)
    sig = (r[0], label(v, "majority")[0] >= 0, label(v, "crossentropy")[0],
           sum(1 for x in kept if x == mx), kept.index(mx) >= 8, sum(1 for x in kept if x > 0) > 3,
           any(x == 1 for x in v), r[1] == "")
    if sig not in seen:
        seen.add(sig)
        pick.append(i)
pick = sorted(pick)
with open(outdir + "/votes.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header)
    for i in pick:
        w.writerow(rows[i])
with open(outdir + "/expected.csv", "w") as f:
    f.write("line,majority,crossentropy,p0,p1,p2,p3,p4,p5,p6,p7\n")
    for i in pick:
        v = rows[i][2:]
        m, _ = label(v, "majority")
        c, p = label(v, "crossentropy")
        f.write("%d,%d,%d,%s\n" % (i + 2, m, c, ",".join("%.9g" % x for x in p)))
print("%d rows picked of %d" % (len(pick), len(rows)))
