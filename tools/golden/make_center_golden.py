#!/usr/bin/python3
"""make_center_golden.py -- PyTorch reference of the center loss for tests/test-center.

Writes OUT (default tests/data/center/center-golden.txt): lines "name count v1 v2 ...", for a
batch of n = 6 features of d = 3 and k = 4 classes (class 3 absent): x, y, c, lambda, the loss
lambda * L_C with L_C = 1/(2n) sum_i ||x_i - c_{y_i}||^2, and by autograd (float64) its
gradients dx and dc; then the centers after Wen et al.'s update (eq. 4, alpha = 0.5), which is
not a gradient step and is written out by hand here.

Run with /usr/bin/python3 (Debian's python3-torch 1.13)."""
import sys

import torch

torch.manual_seed(19)
n, d, k, lam, alpha = 6, 3, 4, 0.37, 0.5
x = (torch.randn(n, d, dtype=torch.float64) * 1.7).float().double().requires_grad_()
y = torch.tensor([0, 2, 1, 0, 2, 2])
c = (torch.randn(k, d, dtype=torch.float64)).float().double().requires_grad_()
loss = lam * ((x - c[y]) ** 2).sum() / (2 * n)
loss.backward()
cn = c.detach().clone()
for j in range(k):
    m = y == j
    if m.sum() > 0:
        cn[j] = cn[j] - alpha * (c.detach()[j] - x.detach()[m]).sum(0) / (1 + m.sum())

out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/center/center-golden.txt"
with open(out, "w") as f:
    def put(name, t):
        v = [float(a) for a in torch.as_tensor(t).flatten().tolist()]
        f.write(name + " " + str(len(v)) + " " + " ".join("%.17g" % a for a in v) + "\n")
    put("x", x.detach())
    put("y", y.double())
    put("c", c.detach())
    put("lambda", torch.tensor([lam], dtype=torch.float64))
    put("alpha", torch.tensor([alpha], dtype=torch.float64))
    put("loss", loss.detach())
    put("dx", x.grad)
    put("dc", c.grad)
    put("c_updated", cn)
