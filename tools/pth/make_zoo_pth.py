#!/usr/bin/python3
"""make_zoo_pth.py -- every zoo family as PyTorch 1.13 saves it, for tests/test-pth-zoo.c.

For each architecture below: the PyTorch definition of zoo_torch.py (the reference's state_dict
names: torchvision, the original repository, pytorchcv) at the 48 profile and a small width,
random weights and batch-norm statistics rounded to float16, saved twice:
  ARCH-zip.pth     torch.save's zip format, a bare state_dict (float16 storages)
  ARCH-legacy.pth  _use_new_zipfile_serialization=False, the thesis's dict
                   {"net": state_dict, "best_val_acc": ..., "test_acc": ...} (float16)
(each family in both formats, its variants in one each: see ZOO) and expect.safetensors: the
input x (2,1,48,48) and each architecture's eval-mode logits (computed in float64 on the
rounded weights); its metadata "ARCH": "WIDTH FORMAT...".

Run: /usr/bin/python3 tools/pth/make_zoo_pth.py tests/data/pth/zoo
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "golden"))
import st  # noqa: E402
import zoo_torch  # noqa: E402

# (arch, width at the 48 profile, formats): small widths keep the files small (cbam_resnet50
# needs 4: its MLP has C/16 channels; cbam_resnet34 16, its basic units being 4x narrower). Each family in both formats; the variants of a family
# (another depth or head on the same blocks) in one format each, alternating.
BOTH = ("zip", "legacy")
ZOO = [("resnet18", 4, BOTH), ("resnet34", 2, ("zip",)), ("resnet50", 2, BOTH), ("resnet101", 1, ("legacy",)),
       ("resnet152", 1, ("zip",)), ("resnet18-tv48", 2, ("legacy",)), ("resmasking_dropout1", 1, BOTH),
       ("resmasking", 1, ("zip",)), ("resmasking_dropout2", 1, ("legacy",)), ("resmasking_dropout3", 1, ("zip",)),
       ("resmasking_dropout4", 1, ("legacy",)), ("resmasking_naive_dropout1", 1, ("zip",)),
       ("resmasking50_dropout1", 1, ("legacy",)), ("vgg19", 2, BOTH), ("densenet121", 1, BOTH),
       ("googlenet", 2, BOTH), ("inception_v3", 2, BOTH), ("efficientnet_b2b", 4, BOTH),
       ("cbam_resnet50", 4, BOTH), ("bam_resnet50", 2, BOTH), ("resnet50_pretrained_vgg", 1, BOTH),
       ("cbam_resnet34", 16, ("zip",))]


def randomize(model, gen):
    """Random weights and statistics, scaled so that deep residual stacks stay near unit size
    (batch-norm weights about 0.5)."""
    with torch.no_grad():
        for name, t in model.state_dict().items():
            r = lambda: torch.randn(t.shape, generator=gen, dtype=torch.float64)  # noqa: E731
            if name.endswith("num_batches_tracked"):
                t.fill_(7)
            elif name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=gen, dtype=torch.float64))
            elif name.endswith("running_mean"):
                t.copy_(0.2 * r())
            elif t.dim() >= 2:
                t.copy_(r() * (2.0 / (t.numel() / t.shape[0])) ** 0.5)
            elif name.endswith("weight"):
                t.copy_(0.5 + 0.1 * r())
            else:
                t.copy_(0.1 * r())


def f16(model):
    with torch.no_grad():
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.copy_(t.half().double())


def logits(model, x):
    model.eval()
    with torch.no_grad():
        return model(x.double()).float()


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1313)
    x = torch.rand(2, 1, 48, 48, generator=gen, dtype=torch.float64).float()
    expect, meta = {"x": x}, {"torch": torch.__version__}
    for arch, width, formats in ZOO:
        m = zoo_torch.build(arch, 48, width).double()
        randomize(m, gen)
        f16(m)
        expect[arch] = logits(m, x)
        sd = {k: (v.half() if v.is_floating_point() else v) for k, v in m.state_dict().items()}
        meta[arch] = f"{width} {' '.join(formats)}"
        if "zip" in formats:
            torch.save(sd, os.path.join(outdir, f"{arch}-zip.pth"))
        if "legacy" in formats:
            torch.save({"net": sd, "best_val_acc": 0.5, "test_acc": 0.25},
                       os.path.join(outdir, f"{arch}-legacy.pth"), _use_new_zipfile_serialization=False)
        print(f"{arch} width {width}: {len(sd)} tensors, {sum(v.numel() for v in sd.values())} values, "
              f"largest |logit| {float(expect[arch].abs().max()):.3g}")
    st.save(os.path.join(outdir, "expect.safetensors"), expect, meta)
    total = sum(os.path.getsize(os.path.join(outdir, f)) for f in os.listdir(outdir))
    print(f"{outdir}: {len(os.listdir(outdir))} files, {total} bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/pth/zoo")
