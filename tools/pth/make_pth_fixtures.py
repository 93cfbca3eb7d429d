#!/usr/bin/python3
"""make_pth_fixtures.py -- PyTorch checkpoints (both torch.save formats) for tests/test-pth.c.

Small-width nets at the 48 profile, written with the ORIGINAL code's module names (the
Residual Masking Network's masking blocks as models/masking.py names them: convJ, up_poolJ and
the duplicated downsampleJ; its dropout1 head Sequential(Dropout, Linear) = fc.1), random
weights and BN running statistics, evaluated in eval mode on a fixed input. Files:
  resnet18-zip-bf16.pth   resnet18 width 4, zip format, bare state_dict, bfloat16 storages
  resnet18-legacy.pth     the same weights (float32), legacy format, thesis dict
                          {"net": {"module." + key: ...}, "best_val_acc": ..., "test_acc": ...}
  resmasking-legacy-f16.pth  resmasking_dropout1 width 2, legacy, thesis dict, float16
  vgg19-zip-f64.pth       vgg19 width 2, zip, float64, fc weight a strided view with an offset
  expect.safetensors      input x (2,1,48,48) and each case's float32 logits

Run: /usr/bin/python3 tools/pth/make_pth_fixtures.py tests/data/pth
     /usr/bin/python3 tools/pth/make_pth_fixtures.py --views tests/data/pth  (views-{zip,legacy}.pth)
Also: --thesis OUT.pth [ARCH] writes a full-size (224, 3 channels; inception_v3 299) model,
resmasking_dropout1 by default (about 570 MB; never committed), with random weights in the
thesis's legacy dict format (tools/pth/zoo_torch.py's definition, the original's names), and
its logits on a fixed input to OUT.pth.expect.safetensors. Then: RMN_PTH_224=OUT.pth:ARCH
tests/test-pth.
"""
import collections
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden"))
import st  # noqa: E402
from make_zoo_golden import Basic, ResNet48, VGG19_48, ch  # noqa: E402


class OrigMasking(nn.Module):
    """models/masking.py's MaskingD naming: conv1..convD encoder, up_pool{2D-i}/conv{2D-i}
    decoder, conv{2D} final; downsampleJ shared with convJ.downsample (two state_dict keys)."""

    def __init__(self, c, depth):
        super().__init__()
        self.depth = depth
        d = depth
        units = {}
        for i in range(d):
            units[i + 1] = (c << i, c << (i + 1))
        for i in range(d - 1, 0, -1):
            units[2 * d - i] = (c << (i + 1), c << i)
            setattr(self, f"up_pool{2 * d - i}", nn.Sequential(
                nn.ConvTranspose2d(c << (i + 1), c << i, 2, 2), nn.BatchNorm2d(c << i), nn.ReLU()))
        units[2 * d] = (2 * c, c)
        for j in sorted(units):
            cin, cout = units[j]
            blk = Basic(cin, cout, 1, True)
            setattr(self, f"downsample{j}", blk.downsample)
            setattr(self, f"conv{j}", blk)

    def forward(self, x):
        d = self.depth
        enc = [self.conv1(x)]
        for i in range(1, d):
            enc.append(getattr(self, f"conv{i + 1}")(F.max_pool2d(enc[-1], 2)))
        t = enc[-1]
        for i in range(d - 1, 0, -1):
            t = getattr(self, f"up_pool{2 * d - i}")(t)
            t = getattr(self, f"conv{2 * d - i}")(torch.cat([t, enc[i - 1]], 1))
        return torch.softmax(getattr(self, f"conv{2 * d}")(t), 1)


def resmasking48(w):
    m = ResNet48([3, 4, 6, 3], w, True, True)
    for s in range(4):
        setattr(m, f"mask{s + 1}", OrigMasking(ch(64 << s, w), 4 - s))
    fc = m.fc
    m.fc = nn.Sequential(nn.Dropout(0.0), fc)
    m.drop = None

    def fwd(x, m=m):
        return ResNet48.forward(m, x)
    m.forward = fwd
    return m


def randomize(model, gen):
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                t.fill_(7)
            elif name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=gen, dtype=torch.float64))
            elif name.endswith("running_mean"):
                t.copy_(0.2 * torch.randn(t.shape, generator=gen, dtype=torch.float64))
            elif t.dim() >= 2:
                fan = t.numel() / t.shape[0]
                t.copy_(torch.randn(t.shape, generator=gen, dtype=torch.float64) * (2.0 / fan) ** 0.5)
            elif name.endswith("weight"):
                t.copy_(1.0 + 0.2 * torch.randn(t.shape, generator=gen, dtype=torch.float64))
            else:
                t.copy_(0.1 * torch.randn(t.shape, generator=gen, dtype=torch.float64))


def rounded(model, dtype):
    """Rounds every floating tensor to dtype and back (what the file will hold)."""
    with torch.no_grad():
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.copy_(t.to(dtype).to(t.dtype))


def logits(model, x):
    model.eval()
    with torch.no_grad():
        return model.double()(x.double()).float()


def sd_as(model, dtype, prefix=""):
    out = {}
    for k, v in model.state_dict().items():
        out[prefix + k] = v.to(dtype) if v.is_floating_point() else v.clone()
    return out


def main_fixtures(outdir):
    os.makedirs(outdir, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(20201)
    x = torch.rand(2, 1, 48, 48, generator=gen, dtype=torch.float64).float()
    expect = {"x": x}

    r18 = ResNet48([2, 2, 2, 2], 4, False, False).double()
    randomize(r18, gen)
    expect["resnet18-legacy"] = logits(r18, x)
    torch.save({"net": sd_as(r18, torch.float32, "module."), "best_val_acc": 0.7125, "best_train_acc": 0.91,
                "test_acc": 0.7189, "stop_train": False},
               os.path.join(outdir, "resnet18-legacy.pth"), _use_new_zipfile_serialization=False)
    rounded(r18, torch.bfloat16)
    expect["resnet18-zip-bf16"] = logits(r18, x)
    torch.save(sd_as(r18, torch.bfloat16), os.path.join(outdir, "resnet18-zip-bf16.pth"))

    rm = resmasking48(2).double()
    randomize(rm, gen)
    with torch.no_grad():  # the shared modules make the duplicated keys equal; keep it so
        pass
    rounded(rm, torch.float16)
    expect["resmasking-legacy-f16"] = logits(rm, x)
    torch.save({"net": sd_as(rm, torch.float16), "best_val_acc": 0.7302, "test_acc": 0.7459},
               os.path.join(outdir, "resmasking-legacy-f16.pth"), _use_new_zipfile_serialization=False)

    vgg = VGG19_48(2).double()
    randomize(vgg, gen)
    expect["vgg19-zip-f64"] = logits(vgg, x)
    sd = sd_as(vgg, torch.float64)
    w = sd["classifier.6.weight"]  # a view inside a larger storage: offset and strides
    big = torch.zeros(w.shape[1] + 3, w.shape[0] + 5, dtype=torch.float64)
    big[2:2 + w.shape[1], 1:1 + w.shape[0]] = w.t()
    sd["classifier.6.weight"] = big[2:2 + w.shape[1], 1:1 + w.shape[0]].t()
    assert not sd["classifier.6.weight"].is_contiguous()
    torch.save(sd, os.path.join(outdir, "vgg19-zip-f64.pth"))

    st.save(os.path.join(outdir, "expect.safetensors"), expect, {"torch": torch.__version__})
    for f in sorted(os.listdir(outdir)):
        print(f, os.path.getsize(os.path.join(outdir, f)))


def thesis(out, arch="resmasking_dropout1"):
    """A full-size model at the 224 profile (299 for inception_v3), 3 channels, random weights,
    as the thesis saved it (the legacy format, {"net": state_dict, ...}), zoo_torch.py's
    definition (the original's names; googlenet and inception_v3 with transform_input)."""
    import zoo_torch
    gen = torch.Generator().manual_seed(7)
    m = zoo_torch.build(arch, 224)
    randomize(m, gen)
    m.eval()
    s = 299 if arch == "inception_v3" else 224
    x = torch.rand(2, 3, s, s, generator=gen)
    with torch.no_grad():
        y = m(x)
    torch.save({"net": m.state_dict(), "best_val_acc": 0.7302, "best_train_acc": 0.95, "test_acc": 0.7459,
                "val_acc_list": [0.5, 0.6], "stop_train": False}, out, _use_new_zipfile_serialization=False)
    st.save(out + ".expect.safetensors", {"x": x, "logits": y}, {"torch": torch.__version__})
    print(out, os.path.getsize(out))


def views(outdir):
    """Tensors that share one storage, as PyTorch 1.13 writes them in both formats: the
    storage once (one key, one record), each tensor a view with its own offset, sizes and
    strides (overlapping, transposed, expanded with stride 0). The legacy format's storage
    views of older PyTorch (view_metadata, < 0.4) are never written by 1.13 (its _legacy_save
    sets view_metadata None). Values: base = arange(24) as float32."""
    base = torch.arange(24, dtype=torch.float32)
    sd = collections.OrderedDict()
    sd["a"] = base[2:8].view(2, 3)           # offset 2
    sd["b"] = base[5:17].view(3, 4).t()      # offset 5, overlaps a, strides (1, 4)
    sd["c"] = base[20:21].expand(2, 3)       # offset 20, strides (0, 0)
    sd["d"] = base                           # the whole storage
    for fmt, kw in (("zip", {}), ("legacy", {"_use_new_zipfile_serialization": False})):
        path = os.path.join(outdir, f"views-{fmt}.pth")
        torch.save(sd, path, **kw)
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--views":
        views(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "--thesis":
        thesis(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "resmasking_dropout1")
    else:
        main_fixtures(sys.argv[1] if len(sys.argv) > 1 else "tests/data/pth")
