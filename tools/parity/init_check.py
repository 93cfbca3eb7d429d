#!/usr/bin/python3
"""init_check.py -- are rmn's initial weights drawn as PyTorch's are? For resnet18-tv48 (the
parity study's model, docs/PARITY.md), each side's initial weights of several seeds are held to
the distribution torchvision draws from, tensor by tensor: convolutions N(0, 2 / fan_out)
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
then the model). Run with /usr/bin/python3 (Debian's python3-torch):

    for s in 1 2 3 4 5 6 7 8 9 10; do rmn-export --arch resnet18-tv48 --seed $s --torch init-s$s.pth; done
    /usr/bin/python3 tools/parity/init_check.py init-s*.pth
"""
import math
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_torch import resnet18_tv48  # noqa: E402  (the PyTorch side's own model)

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


def corr_units(x, y):
    """Correlation of x and y in units of 1/sqrt(n)."""
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
    across = max(abs(corr_units(a[n], b[n])) for n in names
                 for i, a in enumerate(states) for b in states[i + 1:])
    within = 0.0
    for s in states:
        for i, n in enumerate(names):
            for m in names[i + 1:]:
                if s[n].shape == s[m].shape:
                    within = max(within, abs(corr_units(s[n], s[m])))
    print("%s: %d seeds, %d drawn tensors of >= %d values" % (label, len(states), len(kss), MIN_N))
    print("  KS sqrt(n) D: mean %.3f (true draws %.3f), %.1f %% above %.2f (true draws 5 %%)" %
          (sum(kss) / len(kss), KS_MEAN_H0, 100 * sum(k > KS_CRIT05 for k in kss) / len(kss), KS_CRIT05))
    print("  sd / the distribution's sd: mean %.4f, range %.4f .. %.4f" %
          (sum(ratios) / len(ratios), min(ratios), max(ratios)))
    print("  largest |correlation| x sqrt(n): between seeds %.2f, between tensors of one seed %.2f" % (across, within))
    print("  batch-norm weights 1 and biases 0: %s" % ("yes" if not bad_bn else "NO: " + ", ".join(bad_bn)))


def main():
    paths = sys.argv[1:]
    if not paths or any(p.startswith("-") for p in paths):
        raise SystemExit(__doc__)
    rmn = [torch.load(p, map_location="cpu") for p in paths]
    seeds = [int(m.group(1)) for m in (re.search(r"s(\d+)\.pth$", p) for p in paths) if m] or list(range(1, len(paths) + 1))
    ours = []
    for s in seeds:
        torch.manual_seed(s)
        ours.append(resnet18_tv48(rmn[0]["fc.weight"].shape[0]).state_dict())
    check("rmn (rmn-export --torch)", rmn)
    check("PyTorch (torch.manual_seed(S), train_torch.py's model)", ours)


if __name__ == "__main__":
    main()
