#!/usr/bin/python3
"""make_ddp_golden.py -- the golden case of per-rank batch norm under PyTorch 1.13's
DistributedDataParallel (gloo, 2 processes on this machine), for tests/test-dist.c.

The net is test-dist's "dist-bn": conv(2->4, 3x3, pad 1, no bias), BatchNorm2d, ReLU,
MaxPool2d(2), conv2(4->6, 3x3, pad 1), ReLU, flatten, fc(54->3). Three SGD steps (lr 0.2,
momentum 0.9, weight decay 1e-3) on global batches of 8, rank r taking samples [4r, 4r+4) of
each. Written: the data, the labels, the initial state, and rank 0's state after the steps
(weights, and its running statistics: DDP broadcasts rank 0's buffers).

    /usr/bin/python3 tools/dist/make_ddp_golden.py tests/data/ddp-golden.txt
"""
import os
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

STEPS, PER_RANK, WORLD = 3, 4, 2


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
        self.fc = nn.Linear(54, 3)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.bn(self.conv(x))), 2)
        return self.fc(torch.flatten(torch.relu(self.conv2(x)), 1))


def data():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(STEPS * WORLD * PER_RANK, 2, 6, 6, generator=g)
    y = torch.randint(0, 3, (STEPS * WORLD * PER_RANK,), generator=g)
    torch.manual_seed(11)
    net = Net()
    with torch.no_grad():  # a batch norm that is not the identity at the start
        net.bn.weight.uniform_(0.5, 1.5)
        net.bn.bias.uniform_(-0.5, 0.5)
    return x, y, net


def state(net):
    return [(k, v.detach().clone()) for k, v in net.state_dict().items() if "num_batches" not in k]


def worker(rank, out):
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", "29517"
    dist.init_process_group("gloo", rank=rank, world_size=WORLD)
    x, y, net = data()
    initial = state(net)
    ddp = nn.parallel.DistributedDataParallel(net)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.2, momentum=0.9, weight_decay=1e-3)
    for s in range(STEPS):
        lo = (s * WORLD + rank) * PER_RANK
        opt.zero_grad()
        nn.functional.cross_entropy(ddp(x[lo:lo + PER_RANK]), y[lo:lo + PER_RANK]).backward()
        opt.step()
    if rank == 0:
        with open(out, "w") as f:
            f.write("# tools/dist/make_ddp_golden.py: PyTorch %s DDP (gloo, 2 ranks), per-rank batch norm\n"
                    % torch.__version__)
            for name, t in [("x", x), ("y", y.float())] + [("init." + k, v) for k, v in initial] + \
                           [("final." + k, v) for k, v in state(net)]:
                v = t.flatten().tolist()
                f.write("%s %d\n%s\n" % (name, len(v), " ".join("%.9g" % a for a in v)))
    dist.destroy_process_group()


if __name__ == "__main__":
    mp.spawn(worker, args=(sys.argv[1],), nprocs=WORLD)
