#!/usr/bin/python3
"""make_data_golden.py -- PyTorch references of the ImageNet transform's resampling and of the
soft-target cross-entropy (FERPlus), for tests/test-imagenet and tests/test-ferplus.

usage: make_data_golden.py [TESTDATA]   (default tests/data)

imagenet/resample.safetensors: a random 23 x 37 float plane `src` and, by
torch.nn.functional.interpolate(mode="bilinear", antialias=True, align_corners=False):
  down    the whole plane to 9 x 14 (shrinking: the filter widened, antialiased)
  up      the whole plane to 41 x 60 (enlarging)
  crop    rows 3..17, columns 5..24 (a crop, resized as an image of its own) to 8 x 8
  center  the whole plane resized to 26 x 41, then its centre 16 x 16 from row 5, column 12
ferplus/xent_soft.safetensors: logits (5, 8), targets (5, 8) (distributions with zeros, a one-hot row),
class weights (8); torch.nn.functional.cross_entropy with probabilities as targets (reduction
mean), without and with the weights: the losses and d loss / d logits (float64).

Run with /usr/bin/python3 (Debian's python3-torch 1.13)."""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "tests/data"
torch.set_num_threads(1)
g = torch.Generator().manual_seed(1608)


def aa(x, h, w):
    return F.interpolate(x[None, None], size=(h, w), mode="bilinear", antialias=True, align_corners=False)[0, 0]


src = torch.rand(23, 37, generator=g) * 255
st.save(os.path.join(out, "imagenet", "resample.safetensors"), {
    "src": src,
    "down": aa(src, 9, 14),
    "up": aa(src, 41, 60),
    "crop": aa(src[3:18, 5:25].contiguous(), 8, 8),
    "center": aa(src, 26, 41)[5:21, 12:28].contiguous(),
}, {"torch": torch.__version__, "op": "interpolate bilinear antialias"})

logits = (torch.randn(5, 8, generator=g, dtype=torch.float64) * 2).float().double().requires_grad_()
t = torch.tensor([[0.1, 0, 0.6, 0.3, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0], [0.25, 0.25, 0, 0, 0, 0, 0.5, 0],
                  [0, 0, 0, 0.7, 0.1, 0.2, 0, 0], [0.05, 0.15, 0.2, 0.1, 0.3, 0.1, 0.05, 0.05]],
                 dtype=torch.float32).double()
w = torch.tensor([0.4, 1.3, 0.9, 2.1, 0.7, 1.0, 1.6, 0.5], dtype=torch.float32).double()
tensors = {"logits": logits.detach().float(), "targets": t.float(), "weights": w.float()}
for name, weight in (("", None), ("_weighted", w)):
    logits.grad = None
    loss = F.cross_entropy(logits, t, weight=weight, reduction="mean")
    loss.backward()
    tensors["loss" + name] = loss.detach().reshape(1)
    tensors["dlogits" + name] = logits.grad.detach().clone()
st.save(os.path.join(out, "ferplus", "xent_soft.safetensors"), tensors,
        {"torch": torch.__version__, "op": "cross_entropy with probability targets"})
print("wrote imagenet/resample.safetensors and ferplus/xent_soft.safetensors in", out)
