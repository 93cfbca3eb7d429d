#!/usr/bin/python3
"""compare_torch.py -- rmn-bench against PyTorch, interleaved, PyTorch given its best (issue #15).

Cases: every rmn architecture at the 48 profile (1 channel, 48x48, 7 classes; by default the
names `rmn-exp names archs` prints, else the list below), at each --batch, in the train and the
infer mode; with --only convs (or all) also the distinct convs of a ResNet at 48x48.
PyTorch's networks are tools/pth/zoo_torch.py's (`zoo_torch.build(arch, 48, width)`, the
definitions the .pth and golden tests check equal to rmn's); democnn is this file's copy of
src/models/democnn.c. Each case runs three sides, each in its own subprocess so that no OpenMP
pool lingers in another's process: rmn-bench, PyTorch with model and input in channels_last
(`.to(memory_format=torch.channels_last)`, the layout its oneDNN convolutions prefer) and
PyTorch in NCHW. A round runs the three once, the order rotating from round to round; --rounds
rounds interleave them. Each run reports the median of --steps timed steps after --warmup.

The training step is the same on both sides: forward in training mode, cross-entropy loss,
backward, and the optimizer's step (--optimizer):
  sgd (default)  rmn: its SGD (momentum 0.9, L2 weight decay 1e-3, lr 1e-4; rmn-bench
                 --optimizer sgd); PyTorch: torch.optim.SGD with the same values -- the same
                 algorithm on both sides;
  radam          rmn: the thesis's RAdam (decoupled weight decay 1e-3, un-adapted momentum in
                 steps 1-5); PyTorch: torch.optim.RAdam (1.13: L2 weight decay 1e-3, the same
                 rectification), lr 1e-4 -- the same work per step, not the same algorithm;
  none           no optimizer on either side (rmn-bench's default, the earlier figures).
PyTorch clears its gradients with zero_grad(set_to_none=True) (rmn writes them fresh) and runs
its optimizers with foreach=True (one call over all tensors; --no-foreach: per tensor). The
infer mode is rmn_net_infer (rmn-bench --mode infer) against the eval-mode forward under
torch.inference_mode(); --torch-freeze runs PyTorch's inference as a traced, frozen TorchScript
module after torch.jit.optimize_for_inference (batch norm folded into the convolutions).

Output (stdout): a Markdown table, one row per (model, batch, mode): the median images/s over
the rounds of each side, and the ratio rmn/torch of each round against channels_last, against
NCHW, and against the faster of the two in that round -- median (min-max) over the rounds
(> 1: rmn faster). Progress goes to stderr. --json FILE writes the rows, per-round figures
included. --busy measures everything twice, idle and then with a busy-loop process holding one
core, and prints busy/idle throughput per side. Both sides run under the same OMP_WAIT_POLICY
(--wait-policy; default $OMP_WAIT_POLICY, else passive, what rmn's programs choose for
themselves): libgomp's default spinning would hand whichever side spins a loss on a loaded
machine that says nothing about its kernels.

Run with /usr/bin/python3 (Debian's python3-torch 1.13):
  /usr/bin/python3 tools/bench/compare_torch.py --rmn-bench BUILD/src/rmn-bench
      [--models all|NAME,...] [--batch 64,16] [--modes train,infer] [--optimizer sgd|radam|none]
      [--threads 2] [--rounds 3] [--steps 5] [--warmup 2] [--width W] [--json FILE] [--busy]
      [--only models|convs|all] [--torch-freeze] [--wait-policy passive|active]
Earlier options kept: --backend, --winograd, --conv-layout16, --json-out (= --json).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# rmn's registry at the 48 profile when `rmn-exp names archs` is not beside rmn-bench
ARCHS = ["democnn", "resnet18-tv48", "resnet18", "resnet34", "resnet50", "resnet101",
         "resnet152", "resnet18_centerloss", "resnet50_pretrained_vgg", "resmasking",
         "resmasking_dropout1", "resmasking_dropout2", "resmasking_dropout3",
         "resmasking_dropout4", "resmasking50_dropout1", "resmasking_naive_dropout1", "vgg19",
         "densenet121", "googlenet", "inception_v3", "efficientnet_b2b", "cbam_resnet50",
         "cbam_resnet34", "bam_resnet50"]

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

SIDES = ("rmn", "torch_cl", "torch_nchw")  # torch_cl: channels_last
LR, WEIGHT_DECAY, MOMENTUM = 1e-4, 1e-3, 0.9  # rmn-train's defaults (rmn-bench --optimizer)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- the PyTorch side (run as a worker subprocess) ----------------------------------------

def torch_model(name, width):
    import torch.nn as nn
    if name == "democnn":  # src/models/democnn.c
        w, layers, ch = 32, [], [1, 32, 64, 128, 128]
        for i in range(4):
            layers += [nn.Conv2d(ch[i], ch[i + 1], 3, padding=1, bias=False),
                       nn.BatchNorm2d(ch[i + 1]), nn.ReLU()]
            if i < 3:
                layers.append(nn.MaxPool2d(2))
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25), nn.Linear(4 * w, 7)]
        return nn.Sequential(*layers)
    sys.path.insert(0, os.path.join(HERE, "..", "pth"))
    import zoo_torch
    return zoo_torch.build(name, 48, width)


def make_optimizer(torch, name, params, foreach):
    if name == "none":
        return None
    kw = {"foreach": True} if foreach else {}
    if name == "sgd":
        return torch.optim.SGD(params, lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY, **kw)
    return torch.optim.RAdam(params, lr=LR, weight_decay=WEIGHT_DECAY, **kw)


def timed(steps, warmup, step):
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        step()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def torch_worker(spec):
    import torch
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(1)
    fmt = torch.channels_last if spec["format"] == "cl" else torch.contiguous_format
    n, gflop, note = spec["batch"], 0.0, ""
    if spec["kind"] == "conv":
        c, h, k, kern, stride, pad = spec["conv"]
        x = torch.randn(n, c, h, h).contiguous(memory_format=fmt).requires_grad_()
        w = torch.randn(k, c, kern, kern).contiguous(memory_format=fmt).requires_grad_()
        b = torch.randn(k, requires_grad=True)
        p = (h + 2 * pad - kern) // stride + 1
        dy = torch.randn(n, k, p, p).contiguous(memory_format=fmt)

        def step():
            x.grad = w.grad = b.grad = None
            torch.nn.functional.conv2d(x, w, b, stride, pad).backward(dy)
        med = timed(spec["steps"], spec["warmup"], step)
        gflop = 3 * 2e-9 * n * k * p * p * c * kern * kern
    else:
        net = torch_model(spec["model"], spec["width"]).to(memory_format=fmt)
        x = torch.randn(n, 1, 48, 48).contiguous(memory_format=fmt)
        if spec["mode"] == "train":
            labels = torch.arange(n) % 7
            loss_fn = torch.nn.CrossEntropyLoss()
            net.train()
            opt = make_optimizer(torch, spec["optimizer"], net.parameters(), spec["foreach"])

            def step():
                if opt is not None:
                    opt.zero_grad(set_to_none=True)
                else:
                    net.zero_grad(set_to_none=True)
                out = net(x)
                loss_fn(out[0] if isinstance(out, tuple) else out, labels).backward()
                if opt is not None:
                    opt.step()
        else:
            net.eval()
            if spec.get("freeze"):
                try:
                    with torch.no_grad():
                        net = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(net, x)))
                    note = "frozen"
                except Exception as e:  # an untraceable model runs eager, said in the row
                    note = f"eager ({type(e).__name__})"

            def step():
                with torch.inference_mode():
                    net(x)
        med = timed(spec["steps"], spec["warmup"], step)
    print(json.dumps({"median_s": med, "images_per_s": n / med,
                      "gflops": gflop / med if gflop else 0.0, "note": note}))


def torch_probe(names, width):
    """Prints the names whose PyTorch definition builds, as JSON."""
    ok = []
    for name in names:
        try:
            torch_model(name, width)
            ok.append(name)
        except Exception:  # not in zoo_torch, or not at the 48 profile
            pass
    print(json.dumps(ok))


# --- the driver ---------------------------------------------------------------------------

def run_json(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return None, (out.stderr.strip() or out.stdout.strip() or f"exit {out.returncode}")
    lines = [l for l in out.stdout.splitlines() if l.startswith("{") or l.startswith("[")]
    if not lines:
        return None, "no JSON in the output"
    return json.loads(lines[-1]), None


def rmn_cmd(a, case):
    base = [a.rmn_bench, "--json", "--threads", str(a.threads), "--steps", str(a.steps),
            "--warmup", str(a.warmup), "--backend", a.backend]
    if a.winograd is not None:
        base += ["--winograd", str(a.winograd)]
    if case["kind"] == "conv":
        c, h, k, kern, stride, pad = case["conv"]
        shape = f"{case['batch']},{c},{h},{h},{k},{kern},{kern},{stride},{pad}"
        return base + ["--op", "conv", "--shape", shape, "--mode", "train"] + (
            ["--layout16"] if a.conv_layout16 else [])
    cmd = base + ["--model", case["model"], "--batch", str(case["batch"]), "--mode", case["mode"]]
    if case["mode"] == "train":
        cmd += ["--optimizer", a.optimizer]
    if a.width and case["model"] != "democnn":
        cmd += ["--width", str(a.width)]
    return cmd


def torch_cmd(a, case, fmt):
    spec = dict(case, threads=a.threads, steps=a.steps, warmup=a.warmup, format=fmt,
                optimizer=a.optimizer, foreach=not a.no_foreach, freeze=a.torch_freeze,
                width=a.width if case.get("model") != "democnn" else 0)
    return [sys.executable, os.path.abspath(__file__), "--torch-worker", json.dumps(spec)]


def side_cmd(a, case, side):
    return rmn_cmd(a, case) if side == "rmn" else torch_cmd(a, case, side[len("torch_"):])


def spread(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v)}


def measure(a, cases, tag):
    rows = []
    for case in cases:
        per = {s: [] for s in SIDES}
        notes, err = set(), None
        for r in range(a.rounds):
            order = SIDES[r % 3:] + SIDES[:r % 3]
            got = {}
            for side in order:
                res, err = run_json(side_cmd(a, case, side), a.env)
                if res is None:
                    err = f"{side}: {err.splitlines()[-1]}"
                    break
                got[side] = res
                if res.get("note"):
                    notes.add(res["note"])
            if err:
                break
            for side in SIDES:
                per[side].append(got[side]["images_per_s"])
        if err:
            log(f"{tag:5} {case['label']:36} skipped: {err}")
            continue
        rmn, cl, nchw = per["rmn"], per["torch_cl"], per["torch_nchw"]
        row = {"cond": tag, "case": case["label"], "kind": case["kind"],
               "model": case.get("model") or case["name"], "batch": case["batch"],
               "mode": case.get("mode", "conv fwd+bwd"), "rounds": len(rmn),
               "optimizer": a.optimizer if case.get("mode") == "train" else None,
               "rmn_images_per_s": statistics.median(rmn),
               "torch_cl_images_per_s": statistics.median(cl),
               "torch_nchw_images_per_s": statistics.median(nchw),
               "ratio_cl": spread([x / y for x, y in zip(rmn, cl)]),
               "ratio_nchw": spread([x / y for x, y in zip(rmn, nchw)]),
               "ratio_best": spread([x / max(y, z) for x, y, z in zip(rmn, cl, nchw)]),
               "per_round": per, "torch_note": ", ".join(sorted(notes))}
        rows.append(row)
        log(f"{tag:5} {case['label']:36} rmn {row['rmn_images_per_s']:8.1f}  torch CL "
            f"{row['torch_cl_images_per_s']:8.1f}  NCHW {row['torch_nchw_images_per_s']:8.1f} img/s"
            f"  rmn/CL {fmt_ratio(row['ratio_cl'])}  rmn/NCHW {fmt_ratio(row['ratio_nchw'])}")
    return rows


def fmt_ratio(s):
    return f"{s['median']:.2f} ({s['min']:.2f}-{s['max']:.2f})"


def markdown(rows, tag):
    out = [f"| model | batch | mode | rmn img/s | torch CL img/s | torch NCHW img/s | "
           f"rmn/CL median (min-max) | rmn/NCHW median (min-max) | rmn/best torch |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["cond"] != tag:
            continue
        mode = r["mode"] + (f" +{r['optimizer']}" if r["optimizer"] not in (None, "none") else "")
        if r["torch_note"]:
            mode += f" (torch {r['torch_note']})"
        out.append(f"| {r['model']} | {r['batch']} | {mode} | {r['rmn_images_per_s']:.1f} | "
                   f"{r['torch_cl_images_per_s']:.1f} | {r['torch_nchw_images_per_s']:.1f} | "
                   f"{fmt_ratio(r['ratio_cl'])} | {fmt_ratio(r['ratio_nchw'])} | "
                   f"{fmt_ratio(r['ratio_best'])} |")
    return "\n".join(out)


def arch_names(a):
    exp = os.path.join(os.path.dirname(os.path.abspath(a.rmn_bench)), "rmn-exp")
    if os.access(exp, os.X_OK):
        out = subprocess.run([exp, "names", "archs"], capture_output=True, text=True)
        names = out.stdout.split()
        if out.returncode == 0 and names:
            return names
    return list(ARCHS)


def model_cases(a):
    names = arch_names(a) if a.models == "all" else [m for m in a.models.split(",") if m]
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-probe",
                          json.dumps({"names": names, "width": a.width})],
                         capture_output=True, text=True)
    have_torch = set(json.loads(out.stdout)) if out.returncode == 0 else set()
    cases = []
    for model in names:
        if model not in have_torch:
            log(f"skipping {model}: no PyTorch definition at the 48 profile (tools/pth/zoo_torch.py)")
            continue
        probe, err = run_json(rmn_cmd(argparse.Namespace(**dict(vars(a), steps=1, warmup=0, threads=1)),
                                      {"kind": "model", "model": model, "mode": "infer", "batch": 2}))
        if probe is None:
            log(f"skipping {model}: rmn-bench says: {err.splitlines()[-1] if err else '?'}")
            continue
        for batch in a.batches:
            for mode in a.mode_list:
                label = f"{model} b{batch} {mode}" + (f" w{a.width}" if a.width and model != "democnn" else "")
                cases.append({"kind": "model", "label": label, "model": model, "mode": mode,
                              "batch": batch})
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rmn-bench", default="src/rmn-bench")
    ap.add_argument("--backend", default="dnnl")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", default="64,16", help="comma-separated batch sizes (default 64,16)")
    ap.add_argument("--modes", default="train,infer", help="train, infer or both (default)")
    ap.add_argument("--optimizer", default="sgd", choices=("sgd", "radam", "none"),
                    help="the optimizer step in the train mode (default sgd)")
    ap.add_argument("--no-foreach", action="store_true",
                    help="PyTorch's optimizers per tensor (default: foreach=True)")
    ap.add_argument("--torch-freeze", action="store_true",
                    help="PyTorch's inference traced, frozen and optimize_for_inference'd")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--winograd", type=int, choices=(0, 1))
    ap.add_argument("--only", choices=("models", "convs", "all"), default="models",
                    help="the networks (default), the single convs, or both")
    ap.add_argument("--models", default="all",
                    help="comma-separated architectures, or all (default: rmn-exp names archs)")
    ap.add_argument("--width", type=int, default=0,
                    help="channel width at the 48 profile (0 = each model's default)")
    ap.add_argument("--conv-layout16", action="store_true",
                    help="rmn's single convs on nChw16c activations, the layout its networks keep "
                         "between layers")
    ap.add_argument("--wait-policy", choices=("passive", "active"),
                    default=os.environ.get("OMP_WAIT_POLICY", "passive").lower()
                    if os.environ.get("OMP_WAIT_POLICY", "passive").lower() in ("passive", "active")
                    else "passive",
                    help="OMP_WAIT_POLICY of both sides (default: $OMP_WAIT_POLICY, else passive,\n"
                         "rmn's own choice; libgomp spins by default, which costs a loaded machine)")
    ap.add_argument("--busy", action="store_true",
                    help="also measure with a busy-loop process competing for one core")
    ap.add_argument("--json", "--json-out", dest="json", help="write the rows as JSON to this file")
    ap.add_argument("--torch-worker", help=argparse.SUPPRESS)
    ap.add_argument("--torch-probe", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.torch_worker:
        return torch_worker(json.loads(a.torch_worker))
    if a.torch_probe:
        p = json.loads(a.torch_probe)
        return torch_probe(p["names"], p["width"])
    try:
        a.batches = [int(b) for b in a.batch.split(",") if b]
    except ValueError:
        ap.error(f"--batch: comma-separated integers, not '{a.batch}'")
    a.mode_list = [m for m in a.modes.split(",") if m]
    if not a.batches or any(b < 1 for b in a.batches):
        ap.error("--batch: at least one batch size >= 1")
    if not a.mode_list or any(m not in ("train", "infer") for m in a.mode_list):
        ap.error("--modes: train, infer or train,infer")
    if a.rounds < 1 or a.steps < 1 or a.warmup < 0:
        ap.error("--rounds and --steps >= 1, --warmup >= 0")
    a.env = dict(os.environ, OMP_WAIT_POLICY=a.wait_policy)  # the same on both sides

    cases = []
    if a.only in ("convs", "all"):
        cases += [{"kind": "conv", "label": f"{c[0]} b{b}", "name": c[0], "conv": list(c[1:]),
                   "batch": b} for b in a.batches for c in CONVS]
    if a.only in ("models", "all"):
        cases += model_cases(a)
    head = (f"threads {a.threads}, batch {','.join(map(str, a.batches))}, {a.steps} timed steps "
            f"after {a.warmup} warm-up, median of {a.rounds} interleaved rounds; rmn backend "
            f"{a.backend}; train = forward + loss + backward + "
            f"{'no optimizer' if a.optimizer == 'none' else a.optimizer + ' step'}"
            f"{'' if a.no_foreach or a.optimizer == 'none' else ' (torch foreach)'}; "
            f"torch infer {'frozen TorchScript' if a.torch_freeze else 'eager, inference_mode'}; "
            f"OMP_WAIT_POLICY={a.wait_policy} on both sides")
    log("# " + head)
    rows = measure(a, cases, "idle")
    conds = ["idle"]
    if a.busy:
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            time.sleep(0.5)
            rows += measure(a, cases, "busy")
        finally:
            hog.kill()
            hog.wait()
        conds.append("busy")
    for cond in conds:
        print(f"\n{'Idle' if cond == 'idle' else 'With a busy-loop process on one core'}: {head}.\n")
        print(markdown(rows, cond))
    if a.busy:
        idle = {r["case"]: r for r in rows if r["cond"] == "idle"}
        print("\nbusy/idle throughput (1.0 = unaffected by the hog):\n")
        print("| case | rmn | torch CL | torch NCHW |\n|---|---|---|---|")
        for r in rows:
            if r["cond"] == "busy" and r["case"] in idle:
                i = idle[r["case"]]
                print(f"| {r['case']} | " + " | ".join(
                    f"{r[s + '_images_per_s'] / i[s + '_images_per_s']:.2f}" for s in SIDES) + " |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"settings": head, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
