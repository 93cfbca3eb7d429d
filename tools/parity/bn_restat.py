#!/usr/bin/python3
"""bn_restat.py -- is the plain-vs-TTA gap in batch norm's running statistics? (docs/PARITY.md)

Loads a resnet18-tv48 state_dict (`rmn-export CKPT --torch M.pth`), evaluates it on PrivateTest
plain, then re-estimates every batch norm's running mean and variance over the training images
(a cumulative average over the whole split, PyTorch's momentum=None) from (a) the clean images,
(b) the training augmentation's images, and evaluates plain again after each. If the running
statistics that training left (momentum 0.1 over augmented batches) mismatch clean images, (a)
raises the plain accuracy towards the TTA one; if (a) and the original agree, they do not.

usage: /usr/bin/python3 tools/parity/bn_restat.py M.pth --data fer2013.csv.xz
           [--interp bilinear|nearest] [--threads 2] [--seed 1]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_torch as tt  # noqa: E402


@torch.no_grad()
def restat(net, x, batch, aug=None):
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average over every batch seen
    net.train()
    for i in range(0, len(x), batch):
        xs = tt.to_input(x[i:i + batch])
        if aug:
            xs = aug(xs)
        net(xs.contiguous(memory_format=torch.channels_last))
    net.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pth")
    ap.add_argument("--data", required=True)
    ap.add_argument("--interp", default="bilinear", choices=("bilinear", "nearest"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/rmn-parity"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    (xtr, _), _, (xte, yte) = tt.load_fer(a.data, a.cache)
    net = tt.resnet18_tv48(7).to(memory_format=torch.channels_last)
    net.load_state_dict(torch.load(a.pth, map_location="cpu"), strict=True)
    state = {k: v.clone() for k, v in net.state_dict().items()}
    _, acc, loss = tt.evaluate(net, xte, yte, 256)
    print("as trained (running statistics from training)   test plain %.2f %%  loss %.4f" % (100 * acc, loss))
    restat(net, xtr, 256)
    _, acc, loss = tt.evaluate(net, xte, yte, 256)
    print("statistics re-estimated on clean training images test plain %.2f %%  loss %.4f" % (100 * acc, loss))
    net.load_state_dict(state)
    gen = torch.Generator().manual_seed(a.seed)
    restat(net, xtr, 256, lambda xs: tt.augment(xs, gen, 0.5, 30, a.interp, False))
    _, acc, loss = tt.evaluate(net, xte, yte, 256)
    print("statistics re-estimated on augmented images     test plain %.2f %%  loss %.4f" % (100 * acc, loss))


if __name__ == "__main__":
    main()
