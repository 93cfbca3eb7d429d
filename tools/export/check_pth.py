#!/usr/bin/python3
"""check_pth.py -- an rmn-export --torch file against PyTorch: torch.load, then
load_state_dict(strict=True) on the PyTorch definition, and (with --dump) the eval-mode logits
on the dump's images against rmn's, within --tol (default 1e-4).

  /usr/bin/python3 tools/export/check_pth.py FILE.pth ARCH [--dump DUMP] [--definition F:FN]
  /usr/bin/python3 tools/export/check_pth.py FILE.pth ARCH --zoo [--profile 48 --width W] [--dump DUMP]

ARCH: a torchvision model at the 224 profile (resnet18/34/50/101/152, vgg19, densenet121,
googlenet, inception_v3; num_classes 7, no aux heads; googlenet and inception_v3 with
transform_input, as torchvision builds them for its ImageNet weights and the thesis ran them),
or, with --zoo, any rmn architecture at either profile as tools/pth/zoo_torch.py defines it
(the references' names: torchvision, the original repository, pytorchcv), or any model given
by --definition PATH.py:FACTORY, e.g. the original repository's models/resnet50_scratch_dims_2048.py:
resnet50_pretrained_vgg or models/resmasking.py:resmasking_dropout1 (fetch it yourself; rmn
ships none of its code). Exit 0 ok, 1 mismatch."""
import argparse
import importlib
import importlib.util
import os
import struct
import sys

import numpy as np
import torch


def definition(arch, spec, zoo=None):
    if zoo:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pth"))
        import zoo_torch
        return zoo_torch.build(arch, *zoo)
    if spec:
        path, fn = spec.rsplit(":", 1)
        path = os.path.abspath(path)
        d, base = os.path.split(path)
        if os.path.exists(os.path.join(d, "__init__.py")):  # a module of a package
            parent, pkg = os.path.split(d)
            sys.path.insert(0, parent)
            mod = importlib.import_module(pkg + "." + base[:-3])
        else:
            s = importlib.util.spec_from_file_location("rmn_check_def", path)
            mod = importlib.util.module_from_spec(s)
            sys.path.insert(0, d)
            s.loader.exec_module(mod)
        f = getattr(mod, fn)
        for kw in (dict(pretrained=False, in_channels=3, num_classes=7),
                   dict(in_channels=3, num_classes=7), {}):
            try:
                return f(**kw)
            except TypeError:
                continue
        raise SystemExit(f"{spec}: cannot call {fn}")
    import torchvision.models as tv
    extra = {"googlenet": dict(aux_logits=False, init_weights=False, transform_input=True),
             "inception_v3": dict(aux_logits=False, init_weights=False, transform_input=True)}.get(arch, {})
    return getattr(tv, arch)(num_classes=7, **extra)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pth")
    ap.add_argument("arch")
    ap.add_argument("--dump")
    ap.add_argument("--definition")
    ap.add_argument("--zoo", action="store_true")
    ap.add_argument("--profile", type=int, default=224)
    ap.add_argument("--width", type=int, default=0)
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    sd = torch.load(a.pth, map_location="cpu")
    model = definition(a.arch, a.definition, (a.profile, a.width) if a.zoo else None)
    res = model.load_state_dict(sd, strict=True)
    print(f"{a.pth}: {len(sd)} tensors, load_state_dict(strict=True): {res}")
    if not a.dump:
        return 0
    raw = open(a.dump, "rb").read()
    assert raw[:4] == b"RMNX", "not an rmn dump"
    n, c, h, w, k = struct.unpack("<5i", raw[4:24])
    x = np.frombuffer(raw, "<f4", n * c * h * w, 24).reshape(n, c, h, w)
    ref = np.frombuffer(raw, "<f4", n * k, 24 + 4 * n * c * h * w).reshape(n, k)
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(x.copy()))
        out = out[0] if isinstance(out, tuple) else out
    d = float(np.abs(out.numpy().reshape(n, k) - ref).max())
    print(f"logits: max |diff| {d:.2e} over {n * k} (largest |logit| {np.abs(ref).max():.3g})")
    return 0 if d <= a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
