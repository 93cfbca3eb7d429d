#!/usr/bin/python3
"""make_explain_golden.py -- PyTorch references for rmn's explanations (src/explain/cam.h):
Grad-CAM, Grad-CAM++ and the Residual Masking Network's mask maps of three small models at the
48 profile (democnn width 8, resnet18 width 8, resmasking_dropout1 width 4), for
tests/test-explain.c.

The models are make_zoo_golden.py's definitions (democnn written here the same way), filled by
the same formula of each parameter's name (fill()); BN running means 0, running variances 1
(metadata running_var; 3 for the Residual Masking Network: with 1 its eval-mode 34-layer trunk
and masks grow the activations until PyTorch's own float32 run lands 3.5e-3 from float64 on the
layer2 Grad-CAM; with 3 it is within 1e-6), eval mode, dropout off. The input is the first 48x48 image of make_zoo_golden's formula
input. Activations and gradients are caught with forward hooks (register_forward_hook, and
retain_grad on the caught outputs) on the modules whose outputs rmn names: layerK (a ResNet
stage), maskK (the mask's softmax); the two outputs no module returns (democnn's last ReLU,
the masked layer4 of the Residual Masking Network) are caught in forward. Computed in float64:
    Grad-CAM   w_k = mean_ij g_kij, L = relu(sum_k w_k A_k)
    Grad-CAM++ a = g^2 / (2 g^2 + sum_ab(A_k) g^3) (0 where g <= 0 or the denominator is 0),
               w_k = sum_ij a relu(g), L = relu(sum_k w_k A_k)
    mask map   G = sum_c T M / sum_c T
each also upsampled to 48x48 with F.interpolate(bilinear, align_corners=False) (stored as
float32, the rest float64).

Run: /usr/bin/python3 tools/golden/make_explain_golden.py tests/data/explain
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_zoo_golden as zg  # noqa: E402
import st  # noqa: E402


class DemoCNN(nn.Module):
    """src/models/democnn.c"""

    def __init__(self, w):
        super().__init__()
        ch = [1, w, 2 * w, 4 * w, 4 * w]
        for i in range(4):
            setattr(self, f"conv{i + 1}", nn.Conv2d(ch[i], ch[i + 1], 3, 1, 1, bias=False))
            setattr(self, f"bn{i + 1}", nn.BatchNorm2d(ch[i + 1]))
        self.fc = nn.Linear(4 * w, 7)
        self.saved = {}

    def forward(self, x):
        for i in range(4):
            x = F.relu(getattr(self, f"bn{i + 1}")(getattr(self, f"conv{i + 1}")(x)))
            if i < 3:
                x = F.max_pool2d(x, 2)
        x.retain_grad()
        self.saved["bn4.relu"] = x
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class Masked(zg.ResNet48):
    """ResNet48 that keeps its masked stage outputs (layerK.masked)."""

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        for s in range(4):
            x = getattr(self, f"layer{s + 1}")(x)
            if self.masks:
                x = x * (1 + getattr(self, f"mask{s + 1}")(x))
                x.retain_grad()
                self.saved[f"layer{s + 1}.masked"] = x
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


def hook(model, name):
    def f(_mod, _inp, out):
        out.retain_grad()
        model.saved[name] = out
    getattr(model, name).register_forward_hook(f)


def cam(a, g, plus):
    a, g = a[0], g[0]
    if plus:
        g2, g3 = g * g, g * g * g
        den = 2 * g2 + a.sum((1, 2), keepdim=True) * g3
        alpha = torch.where((g > 0) & (den != 0), g2 / torch.where(den != 0, den, torch.ones_like(den)),
                            torch.zeros_like(g))
        w = (alpha * F.relu(g)).sum((1, 2))
    else:
        w = g.mean((1, 2))
    return F.relu((w[:, None, None] * a).sum(0))


def up(m):
    return F.interpolate(m[None, None], size=(48, 48), mode="bilinear", align_corners=False)[0, 0]


def case(name, arch, width, model, layer, cls, plus, masks, outdir, var=1.0):
    model = model.double()
    model.saved = {}
    with torch.no_grad():
        for pname, p in model.named_parameters():
            p.copy_(zg.fill(pname, p))
        for bname, b in model.named_buffers():
            if bname.endswith("running_var"):
                b.fill_(var)
    for n in ["layer1", "layer2", "layer3", "layer4", "mask1", "mask2", "mask3", "mask4"]:
        if hasattr(model, n):
            hook(model, n)
    model.eval()
    x = zg.hashu(48 * 48, 12345).reshape(1, 1, 48, 48).double()
    logits = model(x)
    c = int(logits.argmax()) if cls < 0 else cls
    model.zero_grad()
    logits[0, c].backward()
    a = model.saved[layer]
    m = cam(a.detach(), a.grad, plus)
    t = {"logits": logits.detach()[0], "cam": m, "cam_up": up(m).float(),
         "class": torch.tensor([c], dtype=torch.int32)}
    for k in range(1, 5 if masks else 1):
        T, M = model.saved[f"layer{k}"].detach()[0], model.saved[f"mask{k}"].detach()[0]
        den = T.sum(0)
        g = torch.where(den != 0, (T * M).sum(0) / torch.where(den != 0, den, torch.ones_like(den)),
                        torch.full_like(den, 1.0 / T.shape[0]))
        t[f"mask{k}"] = g
        t[f"mask{k}_up"] = up(g).float()
    meta = {"case": name, "arch": arch, "width": str(width), "layer": layer, "class": str(cls),
            "method": "gradcam++" if plus else "gradcam", "masks": str(int(masks)),
            "torch": torch.__version__, "dtype": "float64", "mode": "eval", "running_var": str(var),
            "tensors": ",".join(sorted(t))}
    path = os.path.join(outdir, f"{name}.safetensors")
    st.save(path, t, meta)
    print(f"{path}: class {c}, cam max {float(m.max()):.4g} at {tuple(m.shape)}")


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "tests/data/explain"
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    case("explain-democnn", "democnn", 8, DemoCNN(8), "bn4.relu", -1, False, False, outdir)
    case("explain-democnn-pp", "democnn", 8, DemoCNN(8), "bn4.relu", 2, True, False, outdir)
    case("explain-resnet18", "resnet18", 8, Masked([2, 2, 2, 2], 8, False, False), "layer4",
         -1, False, False, outdir)
    case("explain-resnet18-layer3", "resnet18", 8, Masked([2, 2, 2, 2], 8, False, False),
         "layer3", 3, True, False, outdir)
    case("explain-resmasking", "resmasking_dropout1", 4, Masked([3, 4, 6, 3], 4, True, True),
         "layer4.masked", -1, False, True, outdir, 3.0)
    case("explain-resmasking-layer2", "resmasking_dropout1", 4,
         Masked([3, 4, 6, 3], 4, True, True), "layer2", 5, False, False, outdir, 3.0)


if __name__ == "__main__":
    main()
