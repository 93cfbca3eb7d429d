#!/usr/bin/python3
"""draws_check.py -- are rmn's random draws of a parity run distributed as PyTorch's are? The
draws are what a seed decides: the initial weights, each epoch's data order and each image's
flip and rotation angle (docs/PARITY.md). Both sides are checked alike, rmn's and PyTorch's own
draws for the same seeds.

Initial weights. For resnet18-tv48 (the parity study's model) each side's initial weights are
held to the distribution torchvision draws from, tensor by tensor: convolutions N(0, 2 / fan_out)
(kaiming_normal_, fan_out, relu), the classifier's weight and bias U(-1/sqrt(fan_in),
+1/sqrt(fan_in)) (nn.Linear's default), batch norms weight 1 and bias 0. Per side it prints
  - the Kolmogorov-Smirnov distance of each drawn tensor from its distribution, as
    sqrt(n) * D: its mean over tensors and seeds (about 0.87 for true draws) and the share above
    1.36 (the 5 % critical value: about 5 % for true draws);
  - the sample sd over the distribution's sd (1 for true draws), mean and range;
  - correlations that independent draws would not have, in units of 1/sqrt(n) (the sd of a
    correlation of independent draws): the largest between two seeds' same tensor, and the
    largest between two tensors of one seed of the same shape.
rmn's side reads state_dicts written by `rmn-export --arch resnet18-tv48 --seed S --torch
init-sS.pth`; PyTorch's is built as tools/parity/train_torch.py builds it (torch.manual_seed(S),
then the model).

Data order and augmentation, for --epochs epochs of the training split (28709 images): rmn's
streams (train_torch.py's RmnRng, which reproduces src/core/rng.c to the bit) and PyTorch's
generators as train_torch.py seeds and draws them. Each check is a z score (N(0, 1) for
independent, uniform draws): per epoch, the correlation of the order with the file's order
and with the previous epoch's order, the flip rate, the angles' mean, the correlation of each
image's flip with its angle, of consecutive angles, and of the angle with the image's place in
the file; per seed, the angles' variance against 30^2 / 3. Printed: their count, mean z^2
(about 1) and largest |z|. Run with /usr/bin/python3 (Debian's python3-torch):

    for s in 1 2 3 4 5 6 7 8 9 10; do rmn-export --arch resnet18-tv48 --seed $s --torch init-s$s.pth; done
    /usr/bin/python3 tools/parity/draws_check.py init-s*.pth
"""
import argparse
import math
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_torch import RmnRng, draw, resnet18_tv48  # noqa: E402  (the PyTorch side's own code)

N_TRAIN, BATCH, FLIP_P, MAX_DEG = 28709, 48, 0.5, 30.0  # experiments/parity-tv48.json's recipe

KS_MEAN_H0, KS_CRIT05 = 0.8687, 1.358  # sqrt(n) D of true draws: mean, 5 % critical value
MIN_N = 1000  # tensors held to those asymptotic values (all but the classifier's 7 biases)


def law(name, t, fan_in):
    """(cdf, sd) of the distribution torchvision draws tensor `name` from; None for the constant
    batch-norm tensors (checked apart) and buffers."""
    if name.endswith("weight") and t.dim() == 4:
        sd = math.sqrt(2.0 / (t.shape[0] * t.shape[2] * t.shape[3]))
        return (lambda x: 0.5 * (1 + torch.erf(x / (sd * math.sqrt(2))))), sd
    if name.startswith("fc."):
        b = 1 / math.sqrt(fan_in)
        return (lambda x: ((x + b) / (2 * b)).clamp(0, 1)), b / math.sqrt(3)
    return None


def ks(x, cdf):
    """sqrt(n) times the Kolmogorov-Smirnov distance of sample x from cdf."""
    x = torch.sort(x.flatten().double()).values
    n = x.numel()
    c = cdf(x)
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.max(torch.maximum(i / n - c, c - (i - 1) / n))) * math.sqrt(n)


def corr_z(x, y):
    """The correlation of x and y (flattened) in units of 1/sqrt(n), the sd of a correlation of
    independent draws: a z score."""
    x, y = x.flatten().double(), y.flatten().double()
    return float(torch.corrcoef(torch.stack([x, y]))[0, 1]) * math.sqrt(x.numel())


def check(label, states):
    fan_in = states[0]["fc.weight"].shape[1]
    kss, ratios, bad_bn = [], [], []
    for sd_ in states:
        for name, t in sd_.items():
            if t.dim() == 1 and not name.startswith("fc.") and name.endswith(("weight", "bias")):  # batch norms
                want = 1.0 if name.endswith("weight") else 0.0
                if not torch.all(t == want):
                    bad_bn.append(name)
                continue
            lw = law(name, t, fan_in)
            if lw is None:
                continue
            cdf, sd = lw
            if t.numel() >= MIN_N:
                kss.append(ks(t, cdf))
                ratios.append(float(t.double().std()) / sd)
    names = [n for n, t in states[0].items() if law(n, t, fan_in)]
    across = max(abs(corr_z(a[n], b[n])) for n in names
                 for i, a in enumerate(states) for b in states[i + 1:])
    within = 0.0
    for s in states:
        for i, n in enumerate(names):
            for m in names[i + 1:]:
                if s[n].shape == s[m].shape:
                    within = max(within, abs(corr_z(s[n], s[m])))
    print("%s: %d seeds, %d drawn tensors of >= %d values" % (label, len(states), len(kss), MIN_N))
    print("  KS sqrt(n) D: mean %.3f (true draws %.3f), %.1f %% above %.2f (true draws 5 %%)" %
          (sum(kss) / len(kss), KS_MEAN_H0, 100 * sum(k > KS_CRIT05 for k in kss) / len(kss), KS_CRIT05))
    print("  sd / the distribution's sd: mean %.4f, range %.4f .. %.4f" %
          (sum(ratios) / len(ratios), min(ratios), max(ratios)))
    print("  largest |correlation| x sqrt(n): between seeds %.2f, between tensors of one seed %.2f" % (across, within))
    print("  batch-norm weights 1 and biases 0: %s" % ("yes" if not bad_bn else "NO: " + ", ".join(bad_bn)))


def stream_z(seed, rmn_side, epochs):
    """The z scores of one seed's data order and augmentation draws over `epochs` epochs, drawn
    as train_torch.py draws them with (rmn_side) or without --rmn-streams."""
    if rmn_side:
        g_shuffle, g_aug = RmnRng(seed, RmnRng.SHUFFLE), RmnRng(seed, RmnRng.AUGMENT)
    else:
        g_shuffle = torch.Generator().manual_seed(seed * 2 + 1)
        g_aug = torch.Generator().manual_seed(seed * 2 + 2)
    place = torch.arange(N_TRAIN)
    z, prev, all_deg = [], None, []
    for _ in range(epochs):
        order = (torch.from_numpy(g_shuffle.permutation(N_TRAIN)) if rmn_side
                 else torch.randperm(N_TRAIN, generator=g_shuffle))
        flips, degs = [], []
        for i in range(0, N_TRAIN, BATCH):  # one draw per image, batch by batch, in the order
            f, d = draw(g_aug, min(BATCH, N_TRAIN - i), FLIP_P, MAX_DEG)
            flips.append(f)
            degs.append(d)
        flip, deg = torch.cat(flips).double(), torch.cat(degs)
        all_deg.append(deg)
        sd = MAX_DEG / math.sqrt(3)
        z += [corr_z(order, place),
              (float(flip.mean()) - FLIP_P) / math.sqrt(FLIP_P * (1 - FLIP_P) / N_TRAIN),
              float(deg.mean()) / (sd / math.sqrt(N_TRAIN)),
              corr_z(flip, deg), corr_z(deg[1:], deg[:-1]), corr_z(deg, order)]
        if prev is not None:
            z.append(corr_z(order, prev))
        prev = order
    deg = torch.cat(all_deg)
    # the sample variance of U(-a, a) draws: mean a^2/3, variance (a^4/5 - a^4/9)/n
    var, a = float(deg.var()), MAX_DEG
    z.append((var - a * a / 3) / math.sqrt((a ** 4 / 5 - a ** 4 / 9) / deg.numel()))
    return z


def check_streams(label, seeds, rmn_side, epochs):
    z = [v for s in seeds for v in stream_z(s, rmn_side, epochs)]
    print("%s: %d seeds x %d epochs, %d z scores of data order and augmentation: mean z^2 %.3f (true "
          "draws 1), largest |z| %.2f" % (label, len(seeds), epochs, len(z), sum(v * v for v in z) / len(z),
                                         max(abs(v) for v in z)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("init", nargs="+", help="rmn's initial weights, init-sS.pth (rmn-export --torch)")
    ap.add_argument("--epochs", type=int, default=13, help="epochs of data order and augmentation per seed")
    a = ap.parse_args()
    rmn = [torch.load(p, map_location="cpu") for p in a.init]
    seeds = [int(m.group(1)) for m in (re.search(r"s(\d+)\.pth$", p) for p in a.init) if m]
    if len(seeds) != len(a.init):
        ap.error("name rmn's initial weights init-sSEED.pth, so that the seed is known")
    ours = []
    for s in seeds:
        torch.manual_seed(s)
        ours.append(resnet18_tv48(rmn[0]["fc.weight"].shape[0]).state_dict())
    check("rmn (rmn-export --torch)", rmn)
    check("PyTorch (torch.manual_seed(S), train_torch.py's model)", ours)
    check_streams("rmn's streams (RmnRng)", seeds, True, a.epochs)
    check_streams("PyTorch's generators", seeds, False, a.epochs)

if __name__ == "__main__":
    main()
