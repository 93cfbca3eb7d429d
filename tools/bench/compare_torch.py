#!/usr/bin/python3
"""compare_torch.py -- rmn-bench against PyTorch on the same convs and networks, interleaved.

For each case (the distinct convs of a ResNet at 48x48, democnn, resnet18-tv48, and the zoo's
48-profile resnet18, resnet34, vgg19 and resmasking_dropout1 -- their PyTorch definitions are
tools/golden/make_zoo_golden.py's, the ones the golden tests check rmn against -- at --width),
the script alternates rounds: rmn-bench (a subprocess), then PyTorch (a subprocess of
this script, so that neither side's OpenMP pool lingers in the other's process), and so on.
Each run reports the median of several timed steps after warm-up; the table gives, per case,
the median over rounds of each side and the ratio rmn/torch of images/s (higher = rmn faster).
--busy measures everything twice: idle, then with a competing busy-loop process holding one
core. Run with /usr/bin/python3 (Debian's python3-torch).

  /usr/bin/python3 tools/bench/compare_torch.py --rmn-bench BUILD/src/rmn-bench [--busy]
      [--models democnn,resnet18-tv48,resnet18,resnet34,vgg19,resmasking_dropout1] [--width W]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CONVS = [  # label, C, H, K, kernel, stride, pad  (batch from --batch)
    ("stem 3x3 1->64 @48", 1, 48, 64, 3, 1, 1),
    ("3x3 64->64 @48", 64, 48, 64, 3, 1, 1),
    ("3x3 s2 64->128 @48", 64, 48, 128, 3, 2, 1),
    ("1x1 s2 64->128 @48", 64, 48, 128, 1, 2, 0),
    ("3x3 128->128 @24", 128, 24, 128, 3, 1, 1),
    ("3x3 s2 128->256 @24", 128, 24, 256, 3, 2, 1),
    ("1x1 s2 128->256 @24", 128, 24, 256, 1, 2, 0),
    ("3x3 256->256 @12", 256, 12, 256, 3, 1, 1),
    ("3x3 s2 256->512 @12", 256, 12, 512, 3, 2, 1),
    ("1x1 s2 256->512 @12", 256, 12, 512, 1, 2, 0),
    ("3x3 512->512 @6", 512, 6, 512, 3, 1, 1),
]


# --- the PyTorch side (run as a worker subprocess) ----------------------------------------

def torch_models():
    import torch.nn as nn

    class DemoCNN(nn.Module):  # src/models/democnn.c
        def __init__(self, cin=1, classes=7, w=32):
            super().__init__()
            ch = [cin, w, 2 * w, 4 * w, 4 * w]
            layers = []
            for i in range(4):
                layers += [nn.Conv2d(ch[i], ch[i + 1], 3, padding=1, bias=False),
                           nn.BatchNorm2d(ch[i + 1]), nn.ReLU(inplace=False)]
                if i < 3:
                    layers.append(nn.MaxPool2d(2))
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25),
                       nn.Linear(4 * w, classes)]
            self.f = nn.Sequential(*layers)

        def forward(self, x):
            return self.f(x)

    class Basic(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

        def forward(self, x):
            y = self.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return self.relu(y + (self.down(x) if self.down is not None else x))

    class ResNet18TV48(nn.Module):  # torchvision resnet18, 1-channel 7x7 s2 stem, 7 classes
        def __init__(self, classes=7):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
                                      nn.ReLU(), nn.MaxPool2d(3, 2, 1))
            blocks, cin = [], 64
            for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                blocks += [Basic(cin, cout, stride), Basic(cout, cout, 1)]
                cin = cout
            self.blocks = nn.Sequential(*blocks)
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes))

        def forward(self, x):
            return self.head(self.blocks(self.stem(x)))

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
    import make_zoo_golden as zoo  # the 48-profile definitions of the golden tests

    def zoo48(arch, w):
        # the golden definitions use dropout p = 0; here the zoo's real rates
        if arch == "vgg19":
            net = zoo.VGG19_48(w)
            for m in net.classifier:
                if isinstance(m, nn.Dropout):
                    m.p = 0.5
            return net
        layers = {"resnet18": [2, 2, 2, 2]}.get(arch, [3, 4, 6, 3])
        net = zoo.ResNet48(layers, w, arch.startswith("resmasking"), arch.startswith("resmasking"))
        if net.drop is not None:
            net.drop.p = 0.4
        return net

    models = {"democnn": lambda w: DemoCNN(), "resnet18-tv48": lambda w: ResNet18TV48()}
    for arch in ZOO48:
        models[arch] = (lambda a: lambda w: zoo48(a, w))(arch)
    return models


ZOO48 = ("resnet18", "resnet34", "vgg19", "resmasking_dropout1")


def torch_worker(spec):
    import torch
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(1)
    steps, warmup, n = spec["steps"], spec["warmup"], spec["batch"]
    times = []
    if spec["kind"] == "conv":
        c, h, k, kern, stride, pad = spec["conv"]
        x = torch.randn(n, c, h, h, requires_grad=True)
        w = torch.randn(k, c, kern, kern, requires_grad=True)
        b = torch.randn(k, requires_grad=True)
        p = (h + 2 * pad - kern) // stride + 1
        dy = torch.randn(n, k, p, p)
        for i in range(warmup + steps):
            t0 = time.perf_counter()
            y = torch.nn.functional.conv2d(x, w, b, stride, pad)
            y.backward(dy)
            t = time.perf_counter() - t0
            if i >= warmup:
                times.append(t)
        gflop = 3 * 2e-9 * n * k * p * p * c * kern * kern
    else:
        net = torch_models()[spec["model"]](spec.get("width") or 64)
        x = torch.randn(n, 1, 48, 48)
        labels = torch.arange(n) % 7
        loss_fn = torch.nn.CrossEntropyLoss()
        train = spec["mode"] == "train"
        net.train(train)
        for i in range(warmup + steps):
            t0 = time.perf_counter()
            if train:
                net.zero_grad(set_to_none=False)
                loss = loss_fn(net(x), labels)
                loss.backward()
            else:
                with torch.no_grad():
                    net(x)
            t = time.perf_counter() - t0
            if i >= warmup:
                times.append(t)
        gflop = 0.0
    med = statistics.median(times)
    print(json.dumps({"median_s": med, "images_per_s": n / med,
                      "gflops": gflop / med if gflop else 0.0}))


# --- the driver ---------------------------------------------------------------------------

def run_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return None, (out.stderr.strip() or out.stdout.strip())
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    return json.loads(lines[-1]), None


def rmn_cmd(a, case):
    base = [a.rmn_bench, "--json", "--threads", str(a.threads), "--steps", str(a.steps),
            "--warmup", str(a.warmup), "--backend", a.backend]
    if a.winograd is not None:
        base += ["--winograd", str(a.winograd)]
    if case["kind"] == "conv":
        c, h, k, kern, stride, pad = case["conv"]
        shape = f"{a.batch},{c},{h},{h},{k},{kern},{kern},{stride},{pad}"
        return base + ["--op", "conv", "--shape", shape, "--mode", "train"] + (
            ["--layout16"] if a.conv_layout16 else [])
    width = ["--width", str(a.width)] if a.width and case["model"] in ZOO48 else []
    return base + ["--model", case["model"], "--batch", str(a.batch), "--mode", case["mode"]] + width


def torch_cmd(a, case):
    spec = dict(case, threads=a.threads, steps=a.steps, warmup=a.warmup, batch=a.batch,
                width=a.width if case.get("model") in ZOO48 else 0)
    return [sys.executable, os.path.abspath(__file__), "--torch-worker", json.dumps(spec)]


def measure(a, cases, tag):
    rows = []
    for case in cases:
        r_ips, t_ips, ratios, r_gf, t_gf = [], [], [], [], []
        err = None
        for _ in range(a.rounds):
            r, err = run_json(rmn_cmd(a, case))
            if r is None:
                break
            t, err = run_json(torch_cmd(a, case))
            if t is None:
                break
            r_ips.append(r["images_per_s"]), t_ips.append(t["images_per_s"])
            r_gf.append(r["gflops"]), t_gf.append(t["gflops"])
            ratios.append(r["images_per_s"] / t["images_per_s"])
        if err:
            print(f"{tag:5} {case['label']:28} skipped: {err.splitlines()[-1]}", flush=True)
            continue
        row = {"cond": tag, "case": case["label"], "rmn_images_per_s": statistics.median(r_ips),
               "torch_images_per_s": statistics.median(t_ips),
               "rmn_gflops": statistics.median(r_gf), "torch_gflops": statistics.median(t_gf),
               "ratio_median": statistics.median(ratios), "ratio_min": min(ratios),
               "ratio_max": max(ratios), "rounds": len(ratios)}
        rows.append(row)
        print(f"{tag:5} {case['label']:28} rmn {row['rmn_images_per_s']:9.1f} img/s "
              f"({row['rmn_gflops']:6.1f} GF/s)  torch {row['torch_images_per_s']:9.1f} img/s "
              f"({row['torch_gflops']:6.1f} GF/s)  rmn/torch {row['ratio_median']:.2f} "
              f"[{row['ratio_min']:.2f}..{row['ratio_max']:.2f}]", flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rmn-bench", default="src/rmn-bench")
    ap.add_argument("--backend", default="dnnl")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--winograd", type=int, choices=(0, 1))
    ap.add_argument("--only", choices=("convs", "models"), help="run only this group")
    ap.add_argument("--models", default="democnn,resnet18-tv48",
                    help="comma-separated networks (also: " + ", ".join(ZOO48) + ")")
    ap.add_argument("--width", type=int, default=0,
                    help="channel width of the zoo's 48-profile networks (0 = 64, the default)")
    ap.add_argument("--conv-layout16", action="store_true",
                    help="rmn's single convs on nChw16c activations, the layout its networks keep "
                         "between layers (PyTorch's stay NCHW, as in its networks)")
    ap.add_argument("--busy", action="store_true",
                    help="also measure with a busy-loop process competing for one core")
    ap.add_argument("--json-out", help="write the rows as JSON to this file")
    ap.add_argument("--torch-worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.torch_worker:
        return torch_worker(json.loads(a.torch_worker))

    cases = []
    if a.only != "models":
        cases += [{"kind": "conv", "label": c[0], "conv": list(c[1:])} for c in CONVS]
    if a.only != "convs":
        for model in a.models.split(","):
            probe, err = run_json(rmn_cmd(argparse.Namespace(**dict(vars(a), batch=2, steps=1, warmup=0, threads=1)),
                                          {"kind": "model", "model": model, "mode": "infer"}))
            if probe is None:
                print(f"skipping {model}: rmn-bench says: {err.splitlines()[-1] if err else '?'}")
                continue
            for mode in ("train", "infer"):
                label = f"{model} w{a.width} {mode}" if a.width and model in ZOO48 else f"{model} {mode}"
                cases.append({"kind": "model", "label": label, "model": model,
                              "mode": mode})
    print(f"# threads {a.threads}, batch {a.batch}, {a.steps} timed steps after {a.warmup} "
          f"warm-up, {a.rounds} interleaved rounds, rmn backend {a.backend}; "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}", flush=True)
    rows = measure(a, cases, "idle")
    if a.busy:
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            time.sleep(0.5)
            rows += measure(a, cases, "busy")
        finally:
            hog.kill()
            hog.wait()
        idle = {r["case"]: r for r in rows if r["cond"] == "idle"}
        print("# busy/idle throughput (1.0 = unaffected by the hog)")
        for r in rows:
            if r["cond"] == "busy" and r["case"] in idle:
                i = idle[r["case"]]
                print(f"  {r['case']:28} rmn {r['rmn_images_per_s'] / i['rmn_images_per_s']:.2f}"
                      f"  torch {r['torch_images_per_s'] / i['torch_images_per_s']:.2f}")
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
