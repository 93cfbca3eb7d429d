"""make_golden.py -- writes the PyTorch golden files that rmn's C tests compare against.

Run with Debian's interpreter (python3-torch imports only there):
    /usr/bin/python3 tools/golden/make_golden.py tests/data/golden

One safetensors file per case, OUTDIR/<case>.safetensors, written by st.py (no `safetensors`
package). float32 on the CPU, one thread, seeds fixed per case (crc32 of the case name), so a
rerun with the same torch gives the same bytes. Gradient convention: dy is a fixed random
tensor shaped like y, and dx/dw/db/dx2 are the gradients of sum(y * dy). Every file's metadata
holds "op", the op's parameters as strings, "tensors" (comma-separated names the file must
hold), "seed" and "torch" (version). See README.md for the list of cases.
"""
import math
import os
import sys
import zlib

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
torch.set_default_dtype(torch.float32)

OUT = None
WRITTEN = []


def seed_of(name):
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def pair(v):
    """"2" for (2, 2) and for 2; "0,3" for (0, 3) -- the metadata form of an int pair."""
    if isinstance(v, (tuple, list)):
        return str(v[0]) if v[0] == v[1] else "%d,%d" % (v[0], v[1])
    return str(v)


def save(name, tensors, meta):
    meta = {k: str(v) for k, v in meta.items()}
    meta.setdefault("tensors", ",".join(tensors))
    meta["seed"] = str(seed_of(name))
    meta["torch"] = torch.__version__
    meta["case"] = name
    tensors = {k: (v.detach().contiguous() if isinstance(v, torch.Tensor) else v) for k, v in tensors.items()}
    path = os.path.join(OUT, name + ".safetensors")
    st.save(path, tensors, meta)
    header, meta_back, _ = st.load(path)  # self-check of the layout
    assert set(header) == set(tensors) and meta_back == dict(sorted(meta.items())), name
    WRITTEN.append(name)


def grad_case(name, meta, fn, inputs, consts=None, dy_scale=1.0):
    """y = fn(**inputs, **consts); d<k> = d sum(y*dy) / d input k, for every float input."""
    g = torch.Generator().manual_seed(seed_of(name) + 1)
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    y = fn(**leaves, **(consts or {}))
    dy = torch.randn(y.shape, generator=g) * dy_scale
    (y * dy).sum().backward()
    tensors = dict(inputs)
    for k, v in (consts or {}).items():
        if isinstance(v, torch.Tensor):
            tensors[k] = v
    tensors["y"] = y
    tensors["dy"] = dy
    for k, v in leaves.items():
        tensors["d" + k] = v.grad
    save(name, tensors, meta)


def randn(name, *shape, scale=1.0, salt=0):
    g = torch.Generator().manual_seed(seed_of(name) + 1000 + salt)
    return torch.randn(*shape, generator=g) * scale


# --- convolutions -------------------------------------------------------------------------

def conv_case(name, C, K, H, W, kernel, stride=1, padding=0, dilation=1, groups=1, bias=True,
              padding_br=None):
    """padding_br (bottom, right): asymmetric pads, F.pad then conv2d unpadded (pytorchcv's
    TF-"same"); padding is then (top, left)."""
    kh, kw = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    fan_in = C // groups * kh * kw
    inputs = {"x": randn(name, 3, C, H, W),
              "w": randn(name, K, C // groups, kh, kw, scale=1 / math.sqrt(fan_in), salt=1)}
    if bias:
        inputs["b"] = randn(name, K, scale=0.5, salt=2)

    def fn(x, w, b=None):
        if padding_br is not None:
            (t, l), (bt, r) = padding, padding_br
            return F.conv2d(F.pad(x, (l, r, t, bt)), w, b, stride=stride, dilation=dilation, groups=groups)
        return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)

    meta = {"op": "conv2d", "stride": pair(stride), "padding": pair(padding),
            "dilation": pair(dilation), "groups": groups, "bias": int(bias)}
    if padding_br is not None:
        meta["padding_br"] = pair(padding_br)
    grad_case(name, meta, fn, inputs)


def convolutions():
    conv_case("conv2d_3x3_s1_p1", 5, 7, 9, 9, 3, padding=1)
    conv_case("conv2d_3x3_s1_p1_nobias", 5, 7, 9, 7, 3, padding=1, bias=False)
    conv_case("conv2d_3x3_s2_p1", 5, 7, 9, 7, 3, stride=2, padding=1)
    conv_case("conv2d_1x1", 5, 7, 7, 7, 1, bias=False)
    conv_case("conv2d_1x1_s2", 7, 5, 9, 9, 1, stride=2)
    conv_case("conv2d_5x5_p2", 5, 7, 9, 9, 5, padding=2)
    conv_case("conv2d_7x7_s2_p3", 5, 7, 9, 9, 7, stride=2, padding=3, bias=False)
    conv_case("conv2d_1x7_p0_3", 5, 7, 7, 9, (1, 7), padding=(0, 3))
    conv_case("conv2d_7x1_p3_0", 5, 7, 7, 9, (7, 1), padding=(3, 0))
    conv_case("conv2d_3x3_d2_p2", 5, 7, 9, 9, 3, padding=2, dilation=2)
    conv_case("conv2d_dw3x3_g5", 5, 5, 9, 7, 3, padding=1, groups=5)
    conv_case("conv2d_dw3x3_g5_s2_nobias", 5, 5, 9, 9, 3, stride=2, padding=1, groups=5, bias=False)
    # asymmetric pads: TF "same" at stride 2 on even sizes (efficientnet_b2b), and top > bottom
    conv_case("conv2d_dw3x3_g5_s2_tfsame", 5, 5, 10, 8, 3, stride=2, padding=(0, 0), padding_br=(1, 1), groups=5)
    conv_case("conv2d_dw5x5_g5_s2_tfsame_nobias", 5, 10, 10, 8, 5, stride=2, padding=(1, 1), padding_br=(2, 2),
              groups=5, bias=False)
    conv_case("conv2d_3x3_p2_0_br0_2", 5, 7, 9, 7, 3, padding=(2, 0), padding_br=(0, 2))

    name = "conv_transpose2d_k2_s2"
    inputs = {"x": randn(name, 3, 7, 4, 5), "w": randn(name, 7, 5, 2, 2, scale=0.5, salt=1),
              "b": randn(name, 5, scale=0.5, salt=2)}
    grad_case(name, {"op": "conv_transpose2d", "stride": 2, "padding": 0, "output_padding": 0,
                     "dilation": 1, "groups": 1, "bias": 1, "w_layout": "(C_in,C_out,kh,kw)"},
              lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2), inputs)


# --- normalisation, activations, softmax --------------------------------------------------

def batch_norm():
    for training in (True, False):
        name = "batchnorm2d_train" if training else "batchnorm2d_eval"
        x = randn(name, 3, 5, 7, 9, scale=2.0) + 0.7
        rm = randn(name, 5, scale=0.3, salt=3)
        rv = randn(name, 5, salt=4).abs() + 0.5
        inputs = {"x": x, "w": randn(name, 5, scale=0.5, salt=1) + 1.0, "b": randn(name, 5, scale=0.5, salt=2)}
        new_rm, new_rv = rm.clone(), rv.clone()

        def fn(x, w, b):
            return F.batch_norm(x, new_rm, new_rv, w, b, training=training, momentum=0.1, eps=1e-5)

        names = "x,w,b,running_mean,running_var,y,dy,dx,dw,db" + (",new_running_mean,new_running_var" if training else "")
        meta = {"op": "batch_norm2d", "training": int(training), "momentum": "0.1", "eps": "1e-05",
                "tensors": names,
                "note": "train: batch statistics (biased var) normalise; running_var gets the unbiased var"}
        consts = {"running_mean": rm, "running_var": rv}
        g = torch.Generator().manual_seed(seed_of(name) + 1)
        leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
        y = fn(**leaves)
        dy = torch.randn(y.shape, generator=g)
        (y * dy).sum().backward()
        t = dict(inputs, **consts, y=y, dy=dy, dx=leaves["x"].grad, dw=leaves["w"].grad, db=leaves["b"].grad)
        if training:
            t["new_running_mean"] = new_rm
            t["new_running_var"] = new_rv
        save(name, t, meta)


def activations():
    acts = {"relu": F.relu, "relu6": F.relu6, "sigmoid": torch.sigmoid, "silu": F.silu, "tanh": torch.tanh}
    for op, fn in acts.items():
        name = op
        scale = 4.0 if op == "relu6" else 2.0
        grad_case(name, {"op": op}, lambda x, fn=fn: fn(x), {"x": randn(name, 3, 5, 4, 5, scale=scale)})
    name = "softmax_dim1"
    grad_case(name, {"op": "softmax", "dim": 1}, lambda x: F.softmax(x, dim=1), {"x": randn(name, 3, 7, 4, 5, scale=2.0)})


# --- pooling and resizing -----------------------------------------------------------------

def pooling():
    name = "maxpool2d_k3_s2_p1"
    grad_case(name, {"op": "max_pool2d", "kernel": 3, "stride": 2, "padding": 1, "ceil_mode": 0},
              lambda x: F.max_pool2d(x, 3, 2, 1), {"x": randn(name, 3, 5, 9, 7)})
    name = "maxpool2d_k3_s2_ceil"
    grad_case(name, {"op": "max_pool2d", "kernel": 3, "stride": 2, "padding": 0, "ceil_mode": 1},
              lambda x: F.max_pool2d(x, 3, 2, 0, ceil_mode=True), {"x": randn(name, 3, 5, 8, 8)})
    for suffix, H, W, pad, ceil, inc in (("p1_incpad", 9, 7, 1, False, True), ("p1_excpad", 9, 7, 1, False, False),
                                         ("p1_ceil_incpad", 8, 8, 1, True, True),
                                         ("p1_ceil_excpad", 8, 8, 1, True, False),
                                         ("p0_ceil_incpad", 8, 8, 0, True, True)):
        name = "avgpool2d_k3_s2_" + suffix
        grad_case(name, {"op": "avg_pool2d", "kernel": 3, "stride": 2, "padding": pad, "ceil_mode": int(ceil),
                         "count_include_pad": int(inc)},
                  lambda x, pad=pad, ceil=ceil, inc=inc: F.avg_pool2d(x, 3, 2, pad, ceil_mode=ceil, count_include_pad=inc),
                  {"x": randn(name, 3, 5, H, W)})
    name = "adaptive_avgpool2d_1x1"
    grad_case(name, {"op": "adaptive_avg_pool2d", "out_h": 1, "out_w": 1},
              lambda x: F.adaptive_avg_pool2d(x, 1), {"x": randn(name, 3, 7, 5, 6)})


def interpolation():
    for name, shape, size in (("interp_bilinear_48_224", (1, 1, 48, 48), (224, 224)),
                              ("interp_bilinear_5x7_11x13", (2, 3, 5, 7), (11, 13))):
        x = randn(name, *shape)
        if name.endswith("224"):  # a 0..1 image-like input, as the 224 profile sees it
            x = torch.rand(*shape, generator=torch.Generator().manual_seed(seed_of(name))).mul(255).round().div(255)
        grad_case(name, {"op": "interpolate", "mode": "bilinear", "align_corners": 0, "out_h": size[0],
                         "out_w": size[1], "note": "F.interpolate(x, size=(out_h,out_w)): scale = in/out"},
                  lambda x, size=size: F.interpolate(x, size=size, mode="bilinear", align_corners=False), {"x": x})


# --- element-wise binary ops, concatenation, linear ---------------------------------------

def binary_ops():
    for op, fn in (("add", torch.add), ("mul", torch.mul)):
        for where, shape2 in (("channel", (3, 5, 1, 1)), ("space", (3, 1, 4, 6))):
            name = "%s_bc_%s" % (op, where)
            grad_case(name, {"op": op, "broadcast": where, "note": "y = x %s x2, x2 broadcast" % ("+" if op == "add" else "*")},
                      lambda x, x2, fn=fn: fn(x, x2), {"x": randn(name, 3, 5, 4, 6), "x2": randn(name, *shape2, salt=1)})
    name = "cat_dim1"
    grad_case(name, {"op": "cat", "dim": 1}, lambda x, x2: torch.cat([x, x2], dim=1),
              {"x": randn(name, 3, 5, 4, 6), "x2": randn(name, 3, 7, 4, 6, salt=1)})
    name = "linear"
    grad_case(name, {"op": "linear", "note": "y = x w^T + b; w is (out, in)"},
              lambda x, w, b: F.linear(x, w, b),
              {"x": randn(name, 3, 7), "w": randn(name, 5, 7, scale=0.4, salt=1), "b": randn(name, 5, salt=2)})


THESIS_CLASS_WEIGHTS = [1.02660468, 9.40661861, 1.00104606, 0.56843877, 0.84912748, 1.29337298, 0.82603942]


def cross_entropy():
    for weighted in (False, True):
        name = "cross_entropy_weighted" if weighted else "cross_entropy"
        x = randn(name, 10, 7, scale=2.0)
        target = torch.tensor([0, 1, 2, 3, 4, 5, 6, 1, 3, 3], dtype=torch.int64)
        w = torch.tensor(THESIS_CLASS_WEIGHTS, dtype=torch.float32) if weighted else None
        xl = x.clone().requires_grad_(True)
        y = F.cross_entropy(xl, target, weight=w, reduction="mean")
        dy = torch.tensor(1.0)
        (y * dy).backward()
        t = {"x": x, "target": target, "y": y, "dy": dy, "dx": xl.grad}
        if weighted:
            t["w"] = w
        save(name, t, {"op": "cross_entropy", "weighted": int(weighted), "reduction": "mean",
                       "note": "x: logits (N,classes), target: I64 class ids, y: 0-dim loss, dy = 1, dx = dloss/dlogits;"
                               " weighted mean divides by the sum of the targets' weights"})


# --- optimizers -----------------------------------------------------------------------------

STEPS, NPARAM = 10, 11


def thesis_radam(p, grads, lr, betas, eps, wd):
    """RAdam as /work/shared/reference/thesis.md section 4.2 (utils/radam.py, 2019) describes it:
    decoupled weight decay applied before the update, rectified step when rho_t >= 5, otherwise
    un-adapted momentum lr/(1-beta1^t) * m. float32 tensors, Python-float (double) scalars."""
    b1, b2 = betas
    m = torch.zeros_like(p)
    v = torch.zeros_like(p)
    rho_inf = 2 / (1 - b2) - 1
    out = []
    for t in range(1, len(grads) + 1):
        g = grads[t - 1]
        m.mul_(b1).add_(g, alpha=1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        b2t = b2 ** t
        rho_t = rho_inf - 2 * t * b2t / (1 - b2t)
        if wd != 0:
            p.add_(p, alpha=-wd * lr)
        if rho_t >= 5:
            step = lr * math.sqrt((1 - b2t) * (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) / (1 - b1 ** t)
            p.addcdiv_(m, v.sqrt().add_(eps), value=-step)
        else:
            p.add_(m, alpha=-lr / (1 - b1 ** t))
        out.append(p.clone())
    return torch.stack(out)


def run_torch_opt(cls, p0, grads, **kw):
    p = p0.clone().requires_grad_(True)
    opt = cls([p], **kw)
    out = []
    for g in grads:
        opt.zero_grad()
        p.grad = g.clone()
        opt.step()
        out.append(p.detach().clone())
    return torch.stack(out)


def optimizers():
    cases = [
        ("sgd", torch.optim.SGD, dict(lr=0.1)),
        ("sgd_momentum", torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
        ("sgd_momentum_wd", torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
        ("sgd_nesterov", torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)),
        ("adam", torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
        ("adam_wd", torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)),
        ("adamw", torch.optim.AdamW, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)),
    ]
    for name, cls, kw in cases:
        p0 = randn(name, NPARAM)
        grads = randn(name, STEPS, NPARAM, salt=1)
        params = run_torch_opt(cls, p0, grads, **kw)
        meta = {"op": name.split("_")[0], "steps": STEPS, "lr": kw["lr"], "weight_decay": kw.get("weight_decay", 0),
                "tensors": "p0,grads,params",
                "note": "params[t] = parameters after step t+1 with gradient grads[t] (torch.optim.%s)" % cls.__name__}
        if cls is torch.optim.SGD:
            meta.update(momentum=kw.get("momentum", 0), dampening=0, nesterov=int(kw.get("nesterov", False)))
        else:
            meta.update(beta1=kw["betas"][0], beta2=kw["betas"][1], eps=kw["eps"], amsgrad=0,
                        weight_decay_mode="decoupled" if cls is torch.optim.AdamW else "l2")
        save(name, {"p0": p0, "grads": grads, "params": params}, meta)

    # RAdam: written here from the thesis's description. torch.optim.RAdam (1.13) differs: weight
    # decay is L2 added to the gradient (not decoupled) and it rectifies only when rho_t > 5. With
    # weight decay 0 both agree (rho_t never equals 5), which cross-checks the code below.
    name = "radam_thesis"
    p0 = randn(name, NPARAM)
    grads = randn(name, STEPS, NPARAM, salt=1)
    mine = thesis_radam(p0.clone(), grads, 0.01, (0.9, 0.999), 1e-8, 0.0)
    ref = run_torch_opt(torch.optim.RAdam, p0, grads, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    assert torch.allclose(mine, ref, rtol=1e-6, atol=1e-7), (mine - ref).abs().max()
    lr, wd = 0.05, 0.1
    params = thesis_radam(p0.clone(), grads, lr, (0.9, 0.999), 1e-8, wd)
    save(name, {"p0": p0, "grads": grads, "params": params},
         {"op": "radam", "steps": STEPS, "lr": lr, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": wd,
          "weight_decay_mode": "decoupled", "rectify_when": "rho_t >= 5", "tensors": "p0,grads,params",
          "implementation": "thesis.md 4.2 (utils/radam.py 2019) in make_golden.py; matches torch.optim.RAdam at wd=0",
          "note": "params[t] = parameters after step t+1; steps 1-5 un-adapted momentum, 6-10 rectified"})


def plateau():
    """ReduceLROnPlateau over scripted metrics; lrs[i] = the lr after scheduler.step(metrics[i])."""
    seqs = {
        # 100 - val_acc as the thesis steps it; 43.999 is not an improvement over 44 (rel 1e-4)
        "min": [50.0, 45.0, 44.0, 44.5, 44.2, 43.999, 44.1, 43.0, 43.5, 43.2, 43.1, 42.9999, 42.5, 42.6, 42.7,
                42.8, 42.9, 42.95, 42.49, 42.6],
        "max": [50.0, 55.0, 56.0, 55.5, 56.004, 55.9, 57.0, 57.005, 56.0, 56.5, 58.0, 57.0, 57.0, 57.0, 57.0,
                57.0, 57.0, 57.0, 60.0, 59.0],
    }
    for mode, metrics in seqs.items():
        name = "plateau_" + mode
        lr0 = 1e-3
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr0)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=mode, factor=0.1, patience=2, threshold=1e-4,
                                                           threshold_mode="rel", cooldown=0, min_lr=1e-6, eps=1e-8)
        lrs = []
        for m in metrics:
            sched.step(m)
            lrs.append(opt.param_groups[0]["lr"])
        save(name, {"metrics": torch.tensor(metrics, dtype=torch.float64), "lrs": torch.tensor(lrs, dtype=torch.float64)},
             {"op": "reduce_lr_on_plateau", "mode": mode, "factor": 0.1, "patience": 2, "threshold": 1e-4,
              "threshold_mode": "rel", "cooldown": 0, "min_lr": 1e-6, "eps": 1e-8, "lr0": lr0,
              "tensors": "metrics,lrs", "note": "lrs[i] = lr after scheduler.step(metrics[i]); F64"})


def main():
    global OUT
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 tools/golden/make_golden.py OUTDIR")
    OUT = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    convolutions()
    batch_norm()
    activations()
    pooling()
    interpolation()
    binary_ops()
    cross_entropy()
    optimizers()
    plateau()
    st.save(os.path.join(OUT, "st_reference.safetensors"), *st.reference_tensors())
    total = sum(os.path.getsize(os.path.join(OUT, n + ".safetensors")) for n in WRITTEN)
    print("wrote %d cases (%d bytes) to %s with torch %s" % (len(WRITTEN), total, OUT, torch.__version__))


if __name__ == "__main__":
    main()
