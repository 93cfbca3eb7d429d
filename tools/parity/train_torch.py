#!/usr/bin/python3
"""train_torch.py -- the PyTorch side of the parity study (docs/PARITY.md): trains one run of an
rmn experiment file with the thesis recipe as the thesis's code does it, on PyTorch 1.13 (Debian's
python3-torch; run with /usr/bin/python3), and writes what tools/parity/compare.py compares with
rmn's store:

  OUT/metrics.csv     epoch,train_loss,train_acc,val_loss,val_acc,lr,epoch_s,images_per_s
  OUT/final.json      best epoch and val accuracy, val/test accuracy plain and with TTA, the
                      options, the versions
  OUT/test_probs.npz  labels (int8), plain and tta (float16 softmax, TTA's summed / tta_n)
  OUT/state.pt        the state after the last finished epoch: a killed run resumes from it

The recipe (reference/thesis.md §3-4, the same as rmn's src/train): FER2013's Training rows,
shuffled each epoch; x = pixel / 255, no normalisation; a horizontal flip with p = flip_p, then a
rotation uniform in [-max_rotation_deg, max_rotation_deg] about the image centre ((W-1)/2, (H-1)/2)
with a black fill, bilinear as imgaug's Affine(order=1) -- or nearest with --interp nearest (what
torchvision's RandomRotation does by default), optionally rounded to 8 bits as imgaug does on
uint8 images (--round8); cross-entropy; RAdam as the thesis's radam.py (decoupled weight decay,
un-rectified momentum steps while rho_t < 5: the formulas of rmn's src/optim/adam.h);
ReduceLROnPlateau(min, factor 0.1, patience, threshold 1e-4, min_lr) on 100 - val accuracy;
stop after max_epoch_num + 1 epochs or max_plateau_count + 1 epochs without a better val
accuracy; the best-val weights evaluated on val and test, plain and with TTA (tta_n draws of the
training augmentation per image, softmax summed).

Models: resnet18-tv48 (torchvision's resnet18 with a 1-channel 7x7/2 stem and 7 classes: the
tensor names are torchvision's, as rmn's, so `rmn-export --torch` output loads with --init); any
other rmn architecture, or a run with a "width", from tools/pth/zoo_torch.py (the 48 profile).

usage: /usr/bin/python3 tools/parity/train_torch.py EXPERIMENT.json --run MODEL_NAME --seed N
           --data fer2013.csv[.xz] --out DIR [--threads N] [--epochs N] [--interp bilinear|nearest]
           [--round8] [--init FILE.pth] [--rmn-streams]
"""
import argparse
import csv
import io
import json
import lzma
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SPLITS = {"Training": 0, "PublicTest": 1, "PrivateTest": 2}


def load_fer(path, cache_dir):
    """FER2013 as three (uint8 images (n,48,48), int64 labels) splits, cached as .npz by the
    file's size and mtime so that a rerun does not parse the CSV again."""
    st = os.stat(path)
    cache = os.path.join(cache_dir, "fer-%d-%d.npz" % (st.st_size, int(st.st_mtime)))
    if os.path.exists(cache):
        z = np.load(cache)
        return [(z["x%d" % i], z["y%d" % i]) for i in range(3)]
    opener = lzma.open if path.endswith(".xz") else open
    xs, ys = ([], [], []), ([], [], [])
    with opener(path, "rt", newline="") as f:
        for row in csv.DictReader(f):
            s = SPLITS[row["Usage"]]
            px = np.array(row["pixels"].split(), dtype=np.uint8)
            if px.size != 48 * 48:
                raise SystemExit("%s: a row with %d pixels" % (path, px.size))
            xs[s].append(px.reshape(48, 48))
            ys[s].append(int(row["emotion"]))
    out = [(np.stack(xs[i]), np.array(ys[i], dtype=np.int64)) for i in range(3)]
    os.makedirs(cache_dir, exist_ok=True)
    tmp = "%s.%d.tmp.npz" % (cache, os.getpid())  # per process: runs started together each write their own
    np.savez(tmp, **{"x%d" % i: out[i][0] for i in range(3)}, **{"y%d" % i: out[i][1] for i in range(3)})
    os.replace(tmp, cache)
    return out


def resnet18_tv48(classes):
    import torchvision
    net = torchvision.models.resnet18(num_classes=classes)
    net.conv1 = nn.Conv2d(1, 64, 7, 2, 3, bias=False)
    nn.init.kaiming_normal_(net.conv1.weight, mode="fan_out", nonlinearity="relu")
    return net


MODELS = {"resnet18-tv48": resnet18_tv48}


def build_model(cfg):
    """resnet18-tv48 at its own width: torchvision's; any other rmn architecture (or a width):
    tools/pth/zoo_torch.py's definition at the 48 profile, the one the golden tests check."""
    arch, width, classes = cfg["arch"], cfg.get("width", 0), cfg.get("num_classes", 7)
    if arch in MODELS and not width:
        return MODELS[arch](classes)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pth"))
    import zoo_torch
    return zoo_torch.build(arch, 48, width, classes)


class RmnRng:
    """rmn's random streams (src/core/rng.c): xoshiro256** seeded through splitmix64, one stream
    per purpose; --rmn-streams draws the data order and the augmentation from them, so that this
    trainer sees rmn's batches and rmn's augmentation draws, sample for sample."""
    M = (1 << 64) - 1
    SHUFFLE, AUGMENT = 2, 3

    def __init__(self, seed, stream):
        x = (seed ^ (stream * 0xd1342543de82ef95)) & self.M
        self.s = []
        for i in range(5):
            x = (x + 0x9e3779b97f4a7c15) & self.M
            z = x
            z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & self.M
            z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & self.M
            if i:  # the first splitmix64 output is discarded
                self.s.append(z ^ (z >> 31))

    def u64(self):
        s, M = self.s, self.M
        rotl = lambda v, k: ((v << k) | (v >> (64 - k))) & M
        r = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return r

    def uniform(self):
        return (self.u64() >> 11) * 2.0 ** -53

    def below(self, n):
        limit = self.M - self.M % n
        while True:
            x = self.u64()
            if x < limit:
                return x % n

    def permutation(self, n):  # rmn_rng_shuffle of 0..n-1 (Fisher-Yates from the top)
        a = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.below(i + 1)
            a[i], a[j] = a[j], a[i]
        return np.array(a, dtype=np.int64)

    def get_state(self):
        return list(self.s)

    def set_state(self, s):
        self.s = list(s)


def draw(gen, n, flip_p, max_deg):
    """n augmentation draws (flip, angle in degrees): two uniforms per image, flip then angle, as
    rmn's rmn_augment_sample; gen is a torch.Generator or an RmnRng (rmn's own stream)."""
    if isinstance(gen, RmnRng):
        u = torch.tensor([[gen.uniform(), gen.uniform()] for _ in range(n)], dtype=torch.float64)
    else:
        u = torch.rand(n, 2, generator=gen, dtype=torch.float64)
    return u[:, 0] < flip_p, (2 * u[:, 1] - 1) * max_deg


def augment(x, gen, flip_p, max_deg, interp, round8):
    """x:(n,1,H,W) float in [0,1] -> the same, each image flipped with p flip_p, then rotated by
    an angle uniform in [-max_deg, max_deg] about its centre, black outside: the warp of rmn's
    src/data/augment.c (the source of output pixel p is R^-1 (p - c) + c, mirrored after)."""
    n = x.shape[0]
    flip, deg = draw(gen, n, flip_p, max_deg)
    th = deg * math.pi / 180
    cs, sn = torch.cos(th), torch.sin(th)
    theta = torch.zeros(n, 2, 3, dtype=torch.float64)
    sgn = torch.where(flip, -1.0, 1.0).double()
    theta[:, 0, 0], theta[:, 0, 1] = sgn * cs, sgn * sn
    theta[:, 1, 0], theta[:, 1, 1] = -sn, cs
    grid = F.affine_grid(theta.float(), list(x.shape), align_corners=True)
    y = F.grid_sample(x, grid, mode=interp, padding_mode="zeros", align_corners=True)
    if round8:
        y = torch.round(y * 255) / 255
    return y


class RAdamThesis:
    """RAdam as the thesis trained with it (rmn's src/optim/adam.h gives the formulas)."""

    def __init__(self, params, lr, wd, betas=(0.9, 0.999), eps=1e-8):
        self.params = [p for p in params]
        self.lr, self.wd, self.b1, self.b2, self.eps = lr, wd, betas[0], betas[1], eps
        self.t = 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        self.t += 1
        t, b1, b2 = self.t, self.b1, self.b2
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        rect = rho_t >= 5
        if rect:
            step = self.lr * math.sqrt((1 - b2 ** t) * (rho_t - 4) * (rho_t - 2) * rho_inf /
                                       ((rho_inf - 4) * (rho_inf - 2) * rho_t)) / (1 - b1 ** t)
        else:
            step = self.lr / (1 - b1 ** t)
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            if self.wd:
                p.mul_(1 - self.wd * self.lr)
            if rect:
                p.addcdiv_(m, v.sqrt().add_(self.eps), value=-step)
            else:
                p.add_(m, alpha=-step)

    def state(self):
        return {"t": self.t, "lr": self.lr, "m": self.m, "v": self.v}

    def load(self, s):
        self.t, self.lr = s["t"], s["lr"]
        for a, b in zip(self.m, s["m"]):
            a.copy_(b)
        for a, b in zip(self.v, s["v"]):
            a.copy_(b)


class Plateau:
    """torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', threshold_mode='rel', cooldown=0)."""

    def __init__(self, factor, patience, threshold, min_lr, eps=1e-8):
        self.factor, self.patience, self.threshold, self.min_lr, self.eps = factor, patience, threshold, min_lr, eps
        self.best, self.bad = math.inf, 0

    def observe(self, metric, lr):
        if metric < self.best * (1 - self.threshold):
            self.best, self.bad = metric, 0
        else:
            self.bad += 1
        if self.bad > self.patience:
            self.bad = 0
            new = max(lr * self.factor, self.min_lr)
            if lr - new > self.eps:
                return new
        return lr


def to_input(images):
    return torch.from_numpy(images).float().div_(255).unsqueeze(1)


@torch.no_grad()
def evaluate(net, x, y, batch):
    net.eval()
    probs, loss = [], 0.0
    for i in range(0, len(x), batch):
        out = net(to_input(x[i:i + batch]).contiguous(memory_format=torch.channels_last))
        loss += F.cross_entropy(out, torch.from_numpy(y[i:i + batch]), reduction="sum").item()
        probs.append(F.softmax(out.double(), 1))
    p = torch.cat(probs).numpy()
    return p, float((p.argmax(1) == y).mean()), loss / len(x)


@torch.no_grad()
def evaluate_tta(net, x, y, n_tta, seed, cfg, interp, round8):
    """n_tta draws of the training augmentation per image, softmax summed (thesis §3.3)."""
    net.eval()
    gen = torch.Generator().manual_seed(seed)
    out = np.zeros((len(x), 7))
    for i in range(len(x)):
        xs = to_input(np.repeat(x[i:i + 1], n_tta, axis=0))
        xs = augment(xs, gen, cfg["flip_p"], cfg["max_rotation_deg"], interp, round8)
        out[i] = F.softmax(net(xs.contiguous(memory_format=torch.channels_last)).double(), 1).sum(0).numpy()
    return out, float((out.argmax(1) == y).mean())


def run_config(exp, name, seed):
    names = []
    for r in exp["runs"]:
        cfg = dict(exp["defaults"])
        cfg.update({k: v for k, v in r.items() if k != "seeds"})
        names.append(cfg.get("model_name", "?"))
        if names[-1] == name:
            cfg["seed"] = seed
            return cfg
    raise SystemExit("no run named %s in the experiment (runs: %s)" % (name, ", ".join(names)))


def save_atomic(obj, path):
    torch.save(obj, path + ".tmp")
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("experiment")
    ap.add_argument("--run", required=True, help="the run's model_name in the experiment file")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, help="epochs to train (default max_epoch_num + 1)")
    ap.add_argument("--interp", choices=("bilinear", "nearest"), help="default: the run's rotation_interp")
    ap.add_argument("--round8", action="store_true", help="round augmented images to 8 bits (imgaug on uint8)")
    ap.add_argument("--init", help="initial weights: a state_dict .pth (e.g. from rmn-export --torch)")
    ap.add_argument("--rmn-streams", action="store_true",
                    help="draw the data order and the augmentation from rmn's own random streams of "
                         "--seed (the controlled comparison: with --init, rmn's run step for step)")
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/rmn-parity"))
    a = ap.parse_args()

    with open(a.experiment) as f:
        exp = json.load(f)
    cfg = run_config(exp, a.run, a.seed)
    if cfg.get("optimizer", "radam") != "radam" or cfg.get("lr_schedule", "plateau") != "plateau":
        raise SystemExit("only the thesis recipe (radam, plateau) is implemented")
    if cfg.get("image_size", 48) != 48 or cfg.get("in_channels", 1) != 1 or cfg.get("max_shift_px", 0):
        raise SystemExit("only the 48 profile (48x48x1, no shift) is implemented")
    interp = a.interp or cfg.get("rotation_interp", "bilinear")
    epochs = a.epochs or cfg["max_epoch_num"] + 1
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    (xtr, ytr), (xva, yva), (xte, yte) = load_fer(a.data, a.cache)

    torch.manual_seed(a.seed)
    net = build_model(cfg).to(memory_format=torch.channels_last)
    if a.init:
        net.load_state_dict(torch.load(a.init, map_location="cpu"), strict=True)
    opt = RAdamThesis(net.parameters(), cfg["lr"], cfg["weight_decay"])
    sched = Plateau(0.1, cfg["plateau_patience"], 1e-4, cfg["min_lr"])
    if a.rmn_streams:
        g_shuffle, g_aug = RmnRng(a.seed, RmnRng.SHUFFLE), RmnRng(a.seed, RmnRng.AUGMENT)
    else:
        g_shuffle = torch.Generator().manual_seed(a.seed * 2 + 1)
        g_aug = torch.Generator().manual_seed(a.seed * 2 + 2)
    epoch, best_acc, best_epoch, plateau, rows = 0, -1.0, 0, 0, []
    state_path, best_path = os.path.join(a.out, "state.pt"), os.path.join(a.out, "best.pt")
    if os.path.exists(state_path):
        s = torch.load(state_path)
        net.load_state_dict(s["net"])
        opt.load(s["opt"])
        sched.best, sched.bad = s["sched"]
        g_shuffle.set_state(s["g_shuffle"])
        g_aug.set_state(s["g_aug"])
        epoch, best_acc, best_epoch, plateau, rows = s["epoch"], s["best_acc"], s["best_epoch"], s["plateau"], s["rows"]
        print("resuming after epoch %d (best val %.2f%% at epoch %d)" % (epoch, 100 * best_acc, best_epoch), flush=True)

    bs = cfg["batch_size"]
    while epoch < epochs and plateau <= cfg["max_plateau_count"]:
        net.train()
        t0 = time.time()
        if a.rmn_streams:
            order = g_shuffle.permutation(len(xtr))
        else:
            order = torch.randperm(len(xtr), generator=g_shuffle).numpy()
        loss_sum, correct = 0.0, 0
        for i in range(0, len(order), bs):
            idx = order[i:i + bs]
            x = augment(to_input(xtr[idx]), g_aug, cfg["flip_p"], cfg["max_rotation_deg"], interp, a.round8)
            y = torch.from_numpy(ytr[idx])
            out = net(x.contiguous(memory_format=torch.channels_last))
            loss = F.cross_entropy(out, y)
            for p in net.parameters():
                p.grad = None
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += int((out.argmax(1) == y).sum())
        dt = time.time() - t0
        _, val_acc, val_loss = evaluate(net, xva, yva, 256)
        lr = opt.lr
        rows.append([epoch + 1, loss_sum / len(xtr), correct / len(xtr), val_loss, val_acc, lr, dt, len(xtr) / dt])
        if val_acc > best_acc:
            best_acc, best_epoch, plateau = val_acc, epoch + 1, 0
            save_atomic(net.state_dict(), best_path)
        else:
            plateau += 1
        opt.lr = sched.observe(100 - 100 * val_acc, opt.lr)
        epoch += 1
        print("epoch %d: train loss %.4f acc %.2f%%, val loss %.4f acc %.2f%%%s, %.0f s" %
              (epoch, rows[-1][1], 100 * rows[-1][2], val_loss, 100 * val_acc, " (best)" if plateau == 0 else "", dt),
              flush=True)
        save_atomic({"net": net.state_dict(), "opt": opt.state(), "sched": (sched.best, sched.bad),
                     "g_shuffle": g_shuffle.get_state(), "g_aug": g_aug.get_state(), "epoch": epoch,
                     "best_acc": best_acc, "best_epoch": best_epoch, "plateau": plateau, "rows": rows}, state_path)
        with open(os.path.join(a.out, "metrics.csv"), "w") as f:
            f.write("epoch,train_loss,train_acc,val_loss,val_acc,lr,epoch_s,images_per_s\n")
            for r in rows:
                f.write("%d,%.8f,%.8f,%.8f,%.8f,%.3g,%.1f,%.1f\n" % tuple(r))

    net.load_state_dict(torch.load(best_path))
    _, val_plain, _ = evaluate(net, xva, yva, 256)
    p_plain, test_plain, test_loss = evaluate(net, xte, yte, 256)
    n_tta, tta_seed = cfg.get("tta_n", 10), cfg.get("tta_seed", 1234)
    _, val_tta = evaluate_tta(net, xva, yva, n_tta, tta_seed, cfg, interp, a.round8)
    p_tta, test_tta = evaluate_tta(net, xte, yte, n_tta, tta_seed + 1, cfg, interp, a.round8)
    np.savez_compressed(os.path.join(a.out, "test_probs.npz"), labels=yte.astype(np.int8),
                        plain=p_plain.astype(np.float16), tta=(p_tta / n_tta).astype(np.float16))
    final = {"experiment": exp["name"], "run": a.run, "seed": a.seed, "arch": cfg["arch"], "epochs": epoch,
             "best_epoch": best_epoch, "best_val_acc": best_acc, "val_plain": val_plain, "val_tta": val_tta,
             "test_plain": test_plain, "test_tta": test_tta, "test_loss": test_loss, "tta_n": n_tta,
             "interp": interp, "round8": a.round8, "init": a.init, "rmn_streams": a.rmn_streams,
             "threads": a.threads,
             "torch": torch.__version__, "numpy": np.__version__}
    with open(os.path.join(a.out, "final.json"), "w") as f:
        json.dump(final, f, indent=1)
    print("best val %.2f%% (epoch %d); test plain %.2f%%, TTA-%d %.2f%%" %
          (100 * best_acc, best_epoch, 100 * test_plain, n_tta, 100 * test_tta), flush=True)


if __name__ == "__main__":
    main()
