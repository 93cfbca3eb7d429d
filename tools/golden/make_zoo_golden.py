#!/usr/bin/python3
"""make_zoo_golden.py -- PyTorch references for three zoo models at the 48 profile
(resmasking_dropout1, resnet18, vgg19, small widths): tests/test-zoo-golden.c compares rmn's
training forward, loss and parameter gradients with them.

The architectures are written here from the thesis's description (reference/thesis.md §2) and
torchvision's layouts, with rmn's tensor names. Weights are not stored: both sides fill every
parameter by the same formula of its name and shape (see fill()), the input by a formula of
its index (an integer hash, exact on both sides); dropout is off (p = 0) on both sides. Computed in float64. Per parameter tensor the
file keeps sum(g^2) and sum(g * r) with r the tensor's formula values (a digest that any wrong
element changes), plus the logits and the loss.

Run: /usr/bin/python3 tools/golden/make_zoo_golden.py tests/data/golden
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402


def fnv1a(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def hashu(n, h):
    """u_i = ((i * 2654435761 + h) mod 2^32) / 2^32 in [0, 1), exact in any language."""
    i = torch.arange(n, dtype=torch.int64)
    return ((i * 2654435761 + h) & 0xFFFFFFFF).to(torch.float64) / 4294967296.0


def formula(name, n):
    """The tensor's values r in [-1, 1), from its name."""
    return 2.0 * hashu(n, fnv1a(name)) - 1.0


def fill(name, t):
    v = formula(name, t.numel()).reshape(t.shape)
    if t.dim() >= 2:  # kaiming-uniform-like: U(-sqrt(6/fan), sqrt(6/fan)), fan = numel/shape[0]
        return v * math.sqrt(6.0 / (t.numel() / t.shape[0]))
    if name.endswith("weight"):
        return 1.0 + 0.2 * v
    return 0.1 * v


def ch(c, w):
    return max(1, c * w // 64)


class Basic(nn.Module):
    """BasicBlock; proj: 1x1+BN shortcut."""

    def __init__(self, cin, cout, stride, proj):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                         nn.BatchNorm2d(cout)) if proj else None)

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class Masking(nn.Module):
    def __init__(self, c, depth):
        super().__init__()
        self.depth = depth
        for i in range(depth):
            setattr(self, f"enc{i}", Basic(c << i, c << (i + 1), 1, True))
        for i in range(depth - 1, 0, -1):
            setattr(self, f"up{i}", nn.Sequential(nn.ConvTranspose2d(c << (i + 1), c << i, 2, 2),
                                                  nn.BatchNorm2d(c << i)))
            setattr(self, f"dec{i}", Basic(c << (i + 1), c << i, 1, True))
        self.final = Basic(2 * c, c, 1, True)

    def forward(self, x):
        enc = [self.enc0(x)]
        for i in range(1, self.depth):
            enc.append(getattr(self, f"enc{i}")(F.max_pool2d(enc[-1], 2)))
        t = enc[-1]
        for i in range(self.depth - 1, 0, -1):
            t = F.relu(getattr(self, f"up{i}")(t))
            t = getattr(self, f"dec{i}")(torch.cat([t, enc[i - 1]], 1))
        return torch.softmax(self.final(t), 1)


class ResNet48(nn.Module):
    """ResNet (BasicBlock) at the 48 profile: conv3x3/1, BN, ReLU, maxpool 2; masks optional."""

    def __init__(self, layers, w, masks, head_dropout):
        super().__init__()
        c0 = ch(64, w)
        self.conv1 = nn.Conv2d(1, c0, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c0)
        inp = c0
        for s, n in enumerate(layers):
            planes = ch(64 << s, w)
            blocks = []
            for b in range(n):
                stride = 2 if (b == 0 and s > 0) else 1
                blocks.append(Basic(inp, planes, stride, stride != 1 or inp != planes))
                inp = planes
            setattr(self, f"layer{s + 1}", nn.Sequential(*blocks))
            if masks:
                setattr(self, f"mask{s + 1}", Masking(planes, 4 - s))
        self.masks = masks
        self.drop = nn.Dropout(0.0) if head_dropout else None
        self.fc = nn.Linear(inp, 7)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        for s in range(4):
            x = getattr(self, f"layer{s + 1}")(x)
            if self.masks:
                x = x * (1 + getattr(self, f"mask{s + 1}")(x))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


class VGG19_48(nn.Module):
    def __init__(self, w):
        super().__init__()
        cfg = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0,
               512, 512, 512, 512, 0]
        layers, cin = [], 1
        for c in cfg:
            if c == 0:
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(cin, ch(c, w), 3, 1, 1), nn.ReLU()]
                cin = ch(c, w)
        self.features = nn.Sequential(*layers)
        h = ch(4096, w)
        self.classifier = nn.Sequential(nn.Linear(cin, h), nn.ReLU(), nn.Dropout(0.0),
                                        nn.Linear(h, h), nn.ReLU(), nn.Dropout(0.0),
                                        nn.Linear(h, 7))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def run(model, dtype, train=True):
    """Forward (training or eval mode) + backward in dtype: logits, loss, per-tensor (sum g^2, sum g r)."""
    model = model.to(dtype)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(fill(name, p))
    model.train(train)
    model.zero_grad()
    x = hashu(2 * 48 * 48, 12345).reshape(2, 1, 48, 48).to(dtype)
    logits = model(x)
    loss = F.cross_entropy(logits, torch.tensor([3, 5]))
    loss.backward()
    names, gsq, gdot = [], [], []
    for name, p in model.named_parameters():
        names.append(name)
        g = p.grad.reshape(-1).double()
        gsq.append(float((g * g).sum()))
        gdot.append(float((g * formula(name, g.numel())).sum()))
    return logits.detach().double(), float(loss), names, gsq, gdot


def err(sq, dot, rsq, rdot, rr):
    """The test's per-tensor error measure (see test-zoo-golden.c)."""
    e1 = abs(sq - rsq) / max(rsq, 1e-30)
    e2 = abs(dot - rdot) / max(math.sqrt(rsq * rr), 1e-30)
    return max(e1 / 2, e2)


def case(arch, width, make, outdir, train=True):
    logits, loss, names, gsq, gdot = run(make(), torch.float64, train)
    # float32 PyTorch on the same weights: how far an honest float32 run lands from float64;
    # each tensor's tolerance is max(1e-4, 4x that distance)
    _, _, _, sq32, dot32 = run(make(), torch.float32, train)
    gtol = []
    for k, name in enumerate(names):
        rr = float((formula(name, PARAMS[arch][name]) ** 2).sum())
        if math.sqrt(gsq[k]) < 1e-9:  # analytically zero (a conv bias before BN): not compared
            gtol.append(1e-4)
        else:
            gtol.append(max(1e-4, 4 * err(sq32[k], dot32[k], gsq[k], gdot[k], rr)))
    tensors = {"logits": logits, "loss": torch.tensor([loss], dtype=torch.float64),
               "gsq": torch.tensor(gsq, dtype=torch.float64),
               "gdot": torch.tensor(gdot, dtype=torch.float64),
               "gtol": torch.tensor(gtol, dtype=torch.float64)}
    suffix = "" if train else "-eval"
    meta = {"arch": arch, "width": str(width), "names": ",".join(names), "case": f"zoo-{arch}{suffix}",
            "torch": torch.__version__, "labels": "3,5", "dtype": "float64",
            "mode": "train" if train else "eval"}
    path = os.path.join(outdir, f"zoo-{arch}{suffix}.safetensors")
    st.save(path, tensors, meta)
    print(f"{path}: {len(names)} tensors, loss {loss:.6f}, tolerances 1e-4 .. {max(gtol):.2e} "
          f"({sum(t > 1e-4 for t in gtol)} above 1e-4, median {sorted(gtol)[len(gtol) // 2]:.1e})")


PARAMS = {}


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "tests/data/golden"
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    cases = [("resmasking_dropout1", 4, lambda: ResNet48([3, 4, 6, 3], 4, True, True)),
             ("resnet18", 8, lambda: ResNet48([2, 2, 2, 2], 8, False, False)),
             ("vgg19", 4, lambda: VGG19_48(4))]
    for arch, width, make in cases:
        PARAMS[arch] = {n: p.numel() for n, p in make().named_parameters()}
        case(arch, width, make, outdir)
    # eval mode (BN on running statistics) is well conditioned: the masking net at 1e-4 there
    arch, width, make = cases[0]
    case(arch, width, make, outdir, train=False)


if __name__ == "__main__":
    main()
