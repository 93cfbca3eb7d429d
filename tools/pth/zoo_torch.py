"""zoo_torch.py -- PyTorch definitions of every rmn zoo family, at both input profiles, whose
state_dict keys are those of the code the thesis ran (so checkpoints saved from them are what the
published weights look like), for make_zoo_pth.py and by-hand checks.

Names, facts only (our own code):
- torchvision 0.14's ResNet, VGG, DenseNet, GoogLeNet, Inception3 (the original repository's
  models/ are copies of them with their own heads);
- the original repository (github.com/phamquiluan/ResidualMaskingNetwork, models/): masking.py's
  mask units conv1..conv{2D}, up_pool{J}, the duplicated downsample{J}; resmasking.py's heads
  (fc; fc = Sequential(Dropout, Linear) for *_dropout1; the MLP heads of dropout2..4);
  resnet50_scratch_dims_2048.py's Caffe names; models/__init__.py's pytorchcv heads
  (cbam/bam: output = Linear; efficientnet_b2b: output = Sequential(Dropout(0.3), Linear));
- pytorchcv as of imgclsmob commit f8e7fbb (2019-11-16, the weeks of the thesis's checkpoints):
  pytorch/pytorchcv/models/{common,resnet,cbamresnet,bamresnet,efficientnet}.py: ConvBlock
  (.conv, .bn), ResInitBlock (.conv), ResUnit (.body.conv1..3, ResBlock's .body.conv1..2;
  .identity_conv), CbamResUnit (.cbam.ch_gate.mlp.fc1/fc2, .cbam.sp_gate.conv), BamResUnit
  (.bam.ch_att.init_fc.fc/.bn, .final_fc, .sp_att.init_conv, .dil_convs.conv1/2, .final_conv; .res_unit), EfficientNet
  (.init_block.conv, EffiDwsConvUnit .dw_conv/.se/.pw_conv, EffiInvResUnit .conv1/.conv2/.se/
  .conv3, SEBlock .conv1/.conv2, .final_block). The same names in pytorchcv 0.0.73 (2024).

Structure: rmn's (src/models/*.c). At the 224 profile that is the reference's (efficientnet_b2b
pads TF-"same" as pytorchcv's "b" models do, at both profiles); at the 48 profile (1 channel, 48 x 48,
widths scaled by width/64) rmn's stems (docs/MODELS.md) -- there is no reference, the names are
the same. googlenet and inception_v3 at 224 apply torchvision's transform_input, as the thesis's
(pretrained=True) models did.
"""
import collections

import torch
import torch.nn as nn
import torch.nn.functional as F


def ch(c, w):
    """rmn_zoo_ch: channels scaled by width/64 at the 48 profile (w 0: as published)."""
    return c if w <= 0 else max(1, c * w // 64)


def conv(cin, cout, k, s=1, p=0, bias=False, groups=1, dil=1):
    return nn.Conv2d(cin, cout, k, s, p, bias=bias, groups=groups, dilation=dil)


def transform_input(x):
    """torchvision's GoogLeNet / Inception3 transform_input (ImageNet mean/std -> [-1, 1])."""
    return torch.cat([x[:, 0:1] * (0.229 / 0.5) + (0.485 - 0.5) / 0.5,
                      x[:, 1:2] * (0.224 / 0.5) + (0.456 - 0.5) / 0.5,
                      x[:, 2:3] * (0.225 / 0.5) + (0.406 - 0.5) / 0.5], 1)


# --- torchvision ResNets and the Residual Masking Networks ---------------------------------

class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv(cin, planes, 3, stride, 1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv(planes, planes, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(nn.Module):
    def __init__(self, cin, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv(cin, planes, 1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv(planes, planes, 3, stride, 1)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv(planes, 4 * planes, 1)
        self.bn3 = nn.BatchNorm2d(4 * planes)
        self.downsample = downsample

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn3(self.conv3(F.relu(self.bn2(self.conv2(y)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


def proj(cin, cout, stride=1):
    return nn.Sequential(conv(cin, cout, 1, stride), nn.BatchNorm2d(cout))


class Masking(nn.Module):
    """models/masking.py's MaskingD: encoder units conv1..convD, decoder up_pool{2D-i} +
    conv{2D-i} (i = D-1..1), final conv{2D}; each unit's projection also registered as
    downsample{J} (one module, two state_dict keys)."""

    def __init__(self, c, depth):
        super().__init__()
        self.depth = d = depth
        units = {i + 1: (c << i, c << (i + 1)) for i in range(d)}
        for i in range(d - 1, 0, -1):
            units[2 * d - i] = (c << (i + 1), c << i)
            setattr(self, f"up_pool{2 * d - i}", nn.Sequential(
                nn.ConvTranspose2d(c << (i + 1), c << i, 2, 2), nn.BatchNorm2d(c << i), nn.ReLU()))
        units[2 * d] = (2 * c, c)
        for j in sorted(units):
            cin, cout = units[j]
            ds = proj(cin, cout)
            setattr(self, f"downsample{j}", ds)
            setattr(self, f"conv{j}", BasicBlock(cin, cout, 1, ds))

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


class ResNet(nn.Module):
    """torchvision's ResNet (v1.5) with rmn's stems; masks: "apply" (the Residual Masking
    Networks), "naive" (built, not applied) or None; head: a module reading the pooled features."""

    def __init__(self, layers, bottleneck, profile, w, classes, masks=None, head=None, tv48=False):
        super().__init__()
        block = Bottleneck if bottleneck else BasicBlock
        inp = ch(64, w)
        self.big_stem = profile == 224 or tv48
        self.conv1 = conv(3 if profile == 224 else 1, inp, 7 if self.big_stem else 3,
                          2 if self.big_stem else 1, 3 if self.big_stem else 1)
        self.bn1 = nn.BatchNorm2d(inp)
        for s, n in enumerate(layers):
            planes, blocks = ch(64 << s, w), []
            for b in range(n):
                stride = 2 if (b == 0 and s > 0) else 1
                out = planes * (4 if bottleneck else 1)
                ds = proj(inp, out, stride) if (stride != 1 or inp != out) else None
                blocks.append(block(inp, planes, stride, ds))
                inp = out
            setattr(self, f"layer{s + 1}", nn.Sequential(*blocks))
            if masks:
                setattr(self, f"mask{s + 1}", Masking(inp, 4 - s))
        self.masks = masks
        self.fc = head(inp) if head else nn.Linear(inp, classes)

    def pooled(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 3, 2, 1) if self.big_stem else F.max_pool2d(x, 2)
        for s in range(4):
            x = getattr(self, f"layer{s + 1}")(x)
            if self.masks == "apply":
                x = x * (1 + getattr(self, f"mask{s + 1}")(x))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)

    def forward(self, x):
        return self.fc(self.pooled(x))


class CenterLossResNet(ResNet):
    """rmn's resnet18_centerloss: fc reads the 2-D center_loss_fc embedding (the original's fc
    reads the 512 pooled features, so its checkpoints do not fit rmn's)."""

    def __init__(self, profile, w, classes):
        super().__init__([2, 2, 2, 2], False, profile, w, classes, head=lambda c: nn.Linear(c, 2))
        self.center_loss_fc = self.fc
        self.fc = nn.Linear(2, classes)

    def forward(self, x):
        return self.fc(self.center_loss_fc(self.pooled(x)))


def mlp(inp, hidden, classes, p=0.5):
    """resmasking_dropout2..4's fc: Linear, ReLU, Dropout, ..., Linear (keys fc.0, fc.3, fc.6)."""
    mods = []
    for h in hidden:
        mods += [nn.Linear(inp, h), nn.ReLU(), nn.Dropout(p)]
        inp = h
    return nn.Sequential(*mods, nn.Linear(inp, classes))


# --- VGG19, DenseNet-121 -------------------------------------------------------------------

class VGG19(nn.Module):
    def __init__(self, profile, w, classes):
        super().__init__()
        cfg = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0,
               512, 512, 512, 512, 0]
        layers, cin = [], 3 if profile == 224 else 1
        for c in cfg:
            if c == 0:
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [conv(cin, ch(c, w), 3, 1, 1, bias=True), nn.ReLU()]
                cin = ch(c, w)
        self.features = nn.Sequential(*layers)
        self.pool7 = profile == 224
        h = ch(4096, w)
        self.classifier = nn.Sequential(nn.Linear(cin * (49 if self.pool7 else 1), h), nn.ReLU(),
                                        nn.Dropout(), nn.Linear(h, h), nn.ReLU(), nn.Dropout(),
                                        nn.Linear(h, classes))

    def forward(self, x):
        x = self.features(x)
        if self.pool7:
            x = F.adaptive_avg_pool2d(x, 7)
        return self.classifier(torch.flatten(x, 1))


class DenseNet121(nn.Module):
    def __init__(self, profile, w, classes):
        super().__init__()
        growth, c = ch(32, w), ch(64, w)
        big = profile == 224
        f = collections.OrderedDict()
        f["conv0"] = conv(3 if big else 1, c, 7 if big else 3, 2 if big else 1, 3 if big else 1)
        f["norm0"] = nn.BatchNorm2d(c)
        f["relu0"] = nn.ReLU()
        f["pool0"] = nn.MaxPool2d(3, 2, 1) if big else nn.MaxPool2d(2)
        for s, n in enumerate([6, 12, 24, 16]):
            block = nn.Module()
            for i in range(n):
                layer = nn.Module()
                layer.norm1 = nn.BatchNorm2d(c + i * growth)
                layer.conv1 = conv(c + i * growth, 4 * growth, 1)
                layer.norm2 = nn.BatchNorm2d(4 * growth)
                layer.conv2 = conv(4 * growth, growth, 3, 1, 1)
                setattr(block, f"denselayer{i + 1}", layer)
            block.n = n
            f[f"denseblock{s + 1}"] = block
            c += n * growth
            if s < 3:
                t = nn.Module()
                t.norm = nn.BatchNorm2d(c)
                t.conv = conv(c, c // 2, 1)
                f[f"transition{s + 1}"] = t
                c //= 2
        f["norm5"] = nn.BatchNorm2d(c)
        self.features = nn.Module()
        for k, m in f.items():
            setattr(self.features, k, m)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        f = self.features
        x = f.pool0(F.relu(f.norm0(f.conv0(x))))
        for s in range(4):
            b = getattr(f, f"denseblock{s + 1}")
            feats = [x]
            for i in range(b.n):
                L = getattr(b, f"denselayer{i + 1}")
                t = L.conv1(F.relu(L.norm1(torch.cat(feats, 1))))
                feats.append(L.conv2(F.relu(L.norm2(t))))
            x = torch.cat(feats, 1)
            if s < 3:
                t = getattr(f, f"transition{s + 1}")
                x = F.avg_pool2d(t.conv(F.relu(t.norm(x))), 2)
        x = F.relu(f.norm5(x))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# --- GoogLeNet, Inception v3 (torchvision's BasicConv2d: conv, BN eps 1e-3, ReLU) ------------

class BasicConv2d(nn.Module):
    def __init__(self, cin, cout, k, s=1, p=0):
        super().__init__()
        self.conv = conv(cin, cout, k, s, p)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class GLInception(nn.Module):
    def __init__(self, cin, c1, c3r, c3, c5r, c5, pp, w):
        super().__init__()
        self.branch1 = BasicConv2d(cin, ch(c1, w), 1)
        self.branch2 = nn.Sequential(BasicConv2d(cin, ch(c3r, w), 1), BasicConv2d(ch(c3r, w), ch(c3, w), 3, 1, 1))
        self.branch3 = nn.Sequential(BasicConv2d(cin, ch(c5r, w), 1), BasicConv2d(ch(c5r, w), ch(c5, w), 3, 1, 1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), BasicConv2d(cin, ch(pp, w), 1))
        self.out = ch(c1, w) + ch(c3, w) + ch(c5, w) + ch(pp, w)

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class GoogLeNet(nn.Module):
    def __init__(self, profile, w, classes):
        super().__init__()
        self.transform = profile == 224
        self.conv1 = BasicConv2d(3, 64, 7, 2, 3) if profile == 224 else BasicConv2d(1, ch(64, w), 3, 1, 1)
        self.conv2 = BasicConv2d(ch(64, w), ch(64, w), 1)
        self.conv3 = BasicConv2d(ch(64, w), ch(192, w), 3, 1, 1)
        cin = ch(192, w)
        spec = [("inception3a", 64, 96, 128, 16, 32, 32), ("inception3b", 128, 128, 192, 32, 96, 64),
                ("inception4a", 192, 96, 208, 16, 48, 64), ("inception4b", 160, 112, 224, 24, 64, 64),
                ("inception4c", 128, 128, 256, 24, 64, 64), ("inception4d", 112, 144, 288, 32, 64, 64),
                ("inception4e", 256, 160, 320, 32, 128, 128), ("inception5a", 256, 160, 320, 32, 128, 128),
                ("inception5b", 384, 192, 384, 48, 128, 128)]
        for name, *a in spec:
            m = GLInception(cin, *a, w)
            setattr(self, name, m)
            cin = m.out
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        if self.transform:
            x = transform_input(x)
        mp = lambda t, k=3, s=2: F.max_pool2d(t, k, s, ceil_mode=True)  # noqa: E731
        x = mp(self.conv1(x))
        x = mp(self.conv3(self.conv2(x)))
        x = mp(self.inception3b(self.inception3a(x)))
        for n in "abcde":
            x = getattr(self, "inception4" + n)(x)
        x = self.inception5b(self.inception5a(mp(x, 2, 2)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class Branches(nn.Module):
    """An Inception v3 block: named BasicConv2d's; forward given as a function of self."""

    def __init__(self, w, convs, fwd, out):
        super().__init__()
        for name, cin, cout, k, s, p in convs:
            setattr(self, name, BasicConv2d(cin, ch(cout, w), k, s, p))
        self.fwd, self.out = fwd, out

    def forward(self, x):
        return self.fwd(self, x)


def inc_a(cin, pf, w):
    c = lambda v: ch(v, w)  # noqa: E731
    convs = [("branch1x1", cin, 64, 1, 1, 0), ("branch5x5_1", cin, 48, 1, 1, 0), ("branch5x5_2", c(48), 64, 5, 1, 2),
             ("branch3x3dbl_1", cin, 64, 1, 1, 0), ("branch3x3dbl_2", c(64), 96, 3, 1, 1),
             ("branch3x3dbl_3", c(96), 96, 3, 1, 1), ("branch_pool", cin, pf, 1, 1, 0)]
    return Branches(w, convs, lambda m, x: torch.cat([
        m.branch1x1(x), m.branch5x5_2(m.branch5x5_1(x)),
        m.branch3x3dbl_3(m.branch3x3dbl_2(m.branch3x3dbl_1(x))),
        m.branch_pool(F.avg_pool2d(x, 3, 1, 1))], 1), c(64) + c(64) + c(96) + c(pf))


def inc_b(cin, w):
    c = lambda v: ch(v, w)  # noqa: E731
    convs = [("branch3x3", cin, 384, 3, 2, 0), ("branch3x3dbl_1", cin, 64, 1, 1, 0),
             ("branch3x3dbl_2", c(64), 96, 3, 1, 1), ("branch3x3dbl_3", c(96), 96, 3, 2, 0)]
    return Branches(w, convs, lambda m, x: torch.cat([
        m.branch3x3(x), m.branch3x3dbl_3(m.branch3x3dbl_2(m.branch3x3dbl_1(x))),
        F.max_pool2d(x, 3, 2)], 1), c(384) + c(96) + cin)


def inc_c(cin, c7, w):
    c = lambda v: ch(v, w)  # noqa: E731
    convs = [("branch1x1", cin, 192, 1, 1, 0), ("branch7x7_1", cin, c7, 1, 1, 0),
             ("branch7x7_2", c(c7), c7, (1, 7), 1, (0, 3)), ("branch7x7_3", c(c7), 192, (7, 1), 1, (3, 0)),
             ("branch7x7dbl_1", cin, c7, 1, 1, 0), ("branch7x7dbl_2", c(c7), c7, (7, 1), 1, (3, 0)),
             ("branch7x7dbl_3", c(c7), c7, (1, 7), 1, (0, 3)), ("branch7x7dbl_4", c(c7), c7, (7, 1), 1, (3, 0)),
             ("branch7x7dbl_5", c(c7), 192, (1, 7), 1, (0, 3)), ("branch_pool", cin, 192, 1, 1, 0)]

    def fwd(m, x):
        a = m.branch7x7_3(m.branch7x7_2(m.branch7x7_1(x)))
        b = x
        for i in range(1, 6):
            b = getattr(m, f"branch7x7dbl_{i}")(b)
        return torch.cat([m.branch1x1(x), a, b, m.branch_pool(F.avg_pool2d(x, 3, 1, 1))], 1)
    return Branches(w, convs, fwd, 4 * c(192))


def inc_d(cin, w):
    c = lambda v: ch(v, w)  # noqa: E731
    convs = [("branch3x3_1", cin, 192, 1, 1, 0), ("branch3x3_2", c(192), 320, 3, 2, 0),
             ("branch7x7x3_1", cin, 192, 1, 1, 0), ("branch7x7x3_2", c(192), 192, (1, 7), 1, (0, 3)),
             ("branch7x7x3_3", c(192), 192, (7, 1), 1, (3, 0)), ("branch7x7x3_4", c(192), 192, 3, 2, 0)]

    def fwd(m, x):
        b = x
        for i in range(1, 5):
            b = getattr(m, f"branch7x7x3_{i}")(b)
        return torch.cat([m.branch3x3_2(m.branch3x3_1(x)), b, F.max_pool2d(x, 3, 2)], 1)
    return Branches(w, convs, fwd, c(320) + c(192) + cin)


def inc_e(cin, w):
    c = lambda v: ch(v, w)  # noqa: E731
    convs = [("branch1x1", cin, 320, 1, 1, 0), ("branch3x3_1", cin, 384, 1, 1, 0),
             ("branch3x3_2a", c(384), 384, (1, 3), 1, (0, 1)), ("branch3x3_2b", c(384), 384, (3, 1), 1, (1, 0)),
             ("branch3x3dbl_1", cin, 448, 1, 1, 0), ("branch3x3dbl_2", c(448), 384, 3, 1, 1),
             ("branch3x3dbl_3a", c(384), 384, (1, 3), 1, (0, 1)), ("branch3x3dbl_3b", c(384), 384, (3, 1), 1, (1, 0)),
             ("branch_pool", cin, 192, 1, 1, 0)]

    def fwd(m, x):
        a = m.branch3x3_1(x)
        b = m.branch3x3dbl_2(m.branch3x3dbl_1(x))
        return torch.cat([m.branch1x1(x), m.branch3x3_2a(a), m.branch3x3_2b(a), m.branch3x3dbl_3a(b),
                          m.branch3x3dbl_3b(b), m.branch_pool(F.avg_pool2d(x, 3, 1, 1))], 1)
    return Branches(w, convs, fwd, c(320) + 4 * c(384) + c(192))


class Inception3(nn.Module):
    def __init__(self, profile, w, classes):
        super().__init__()
        self.p48 = p = int(profile == 48)
        self.Conv2d_1a_3x3 = BasicConv2d(1 if p else 3, ch(32, w), 3, 1 if p else 2, p)
        self.Conv2d_2a_3x3 = BasicConv2d(ch(32, w), ch(32, w), 3, 1, p)
        self.Conv2d_2b_3x3 = BasicConv2d(ch(32, w), ch(64, w), 3, 1, 1)
        self.Conv2d_3b_1x1 = BasicConv2d(ch(64, w), ch(80, w), 1)
        self.Conv2d_4a_3x3 = BasicConv2d(ch(80, w), ch(192, w), 3, 1, p)
        cin = ch(192, w)
        for name, make in [("Mixed_5b", lambda c: inc_a(c, 32, w)), ("Mixed_5c", lambda c: inc_a(c, 64, w)),
                           ("Mixed_5d", lambda c: inc_a(c, 64, w)), ("Mixed_6a", lambda c: inc_b(c, w)),
                           ("Mixed_6b", lambda c: inc_c(c, 128, w)), ("Mixed_6c", lambda c: inc_c(c, 160, w)),
                           ("Mixed_6d", lambda c: inc_c(c, 160, w)), ("Mixed_6e", lambda c: inc_c(c, 192, w)),
                           ("Mixed_7a", lambda c: inc_d(c, w)), ("Mixed_7b", lambda c: inc_e(c, w)),
                           ("Mixed_7c", lambda c: inc_e(c, w))]:
            m = make(cin)
            setattr(self, name, m)
            cin = m.out
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        if not self.p48:
            x = transform_input(x)
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, 2, self.p48)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        if not self.p48:
            x = F.max_pool2d(x, 3, 2)
        for n in ["5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"]:
            x = getattr(self, "Mixed_" + n)(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# --- pytorchcv: ConvBlock, CBAM-ResNet34/50, BAM-ResNet50, EfficientNet-B2b --------------------------

class ConvBlock(nn.Module):
    def __init__(self, cin, cout, k, s=1, p=0, bias=False, groups=1, dil=1, eps=1e-5, act="relu"):
        super().__init__()
        self.conv = conv(cin, cout, k, s, p, bias, groups, dil)
        self.bn = nn.BatchNorm2d(cout, eps=eps)
        self.act = act

    def forward(self, x):
        x = self.bn(self.conv(x))
        return {"relu": F.relu, "swish": F.silu, None: lambda t: t}[self.act](x)


class ResInitBlock(nn.Module):
    def __init__(self, profile, w):
        super().__init__()
        self.big = profile == 224
        self.conv = ConvBlock(3, 64, 7, 2, 3) if self.big else ConvBlock(1, ch(64, w), 3, 1, 1)

    def forward(self, x):
        return F.max_pool2d(self.conv(x), 3, 2, 1) if self.big else F.max_pool2d(self.conv(x), 2)


class ResUnit(nn.Module):
    """pytorchcv ResUnit (bottleneck, stride on the 3x3; basic: ResBlock, body.conv1 3x3 with the
    stride, body.conv2 3x3 without activation); cbam: a CbamBlock after the body."""

    def __init__(self, cin, cout, stride, cbam=False, basic=False):
        super().__init__()
        mid = max(1, cout // 4)
        self.body = nn.Module()
        self.basic = basic
        if basic:
            self.body.conv1 = ConvBlock(cin, cout, 3, stride, 1)
            self.body.conv2 = ConvBlock(cout, cout, 3, 1, 1, act=None)
        else:
            self.body.conv1 = ConvBlock(cin, mid, 1)
            self.body.conv2 = ConvBlock(mid, mid, 3, stride, 1)
            self.body.conv3 = ConvBlock(mid, cout, 1, act=None)
        self.resize = cin != cout or stride != 1
        if self.resize:
            self.identity_conv = ConvBlock(cin, cout, 1, stride, act=None)
        if cbam:
            self.cbam = nn.Module()
            self.cbam.ch_gate = nn.Module()
            self.cbam.ch_gate.mlp = nn.Module()
            self.cbam.ch_gate.mlp.fc1 = nn.Linear(cout, cout // 16)
            self.cbam.ch_gate.mlp.fc2 = nn.Linear(cout // 16, cout)
            self.cbam.sp_gate = nn.Module()
            self.cbam.sp_gate.conv = ConvBlock(2, 1, 7, 1, 3, act=None)
        self.has_cbam = cbam

    def forward(self, x):
        identity = self.identity_conv(x) if self.resize else x
        b = self.body
        y = b.conv2(b.conv1(x)) if self.basic else b.conv3(b.conv2(b.conv1(x)))
        if self.has_cbam:
            m = self.cbam.ch_gate.mlp
            f = lambda t: m.fc2(F.relu(m.fc1(torch.flatten(t, 1))))  # noqa: E731
            att = torch.sigmoid(f(F.adaptive_avg_pool2d(y, 1)) + f(F.adaptive_max_pool2d(y, 1)))
            y = y * att[:, :, None, None]
            s = torch.cat([y.max(dim=1, keepdim=True)[0], y.mean(dim=1, keepdim=True)], 1)
            y = y * torch.sigmoid(self.cbam.sp_gate.conv(s))
        return F.relu(y + identity)


class BamBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        mid = max(1, c // 16)
        self.ch_att = nn.Module()
        self.ch_att.init_fc = nn.Module()
        self.ch_att.init_fc.fc = nn.Linear(c, mid)
        self.ch_att.init_fc.bn = nn.BatchNorm1d(mid)
        self.ch_att.final_fc = nn.Linear(mid, c)
        self.sp_att = nn.Module()
        self.sp_att.init_conv = ConvBlock(c, mid, 1, bias=True)
        self.sp_att.dil_convs = nn.Module()
        self.sp_att.dil_convs.conv1 = ConvBlock(mid, mid, 3, 1, 4, bias=True, dil=4)
        self.sp_att.dil_convs.conv2 = ConvBlock(mid, mid, 3, 1, 4, bias=True, dil=4)
        self.sp_att.final_conv = conv(mid, 1, 1, bias=True)

    def forward(self, x):
        a = self.ch_att
        c = a.final_fc(F.relu(a.init_fc.bn(a.init_fc.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))))
        s = self.sp_att
        m = s.final_conv(s.dil_convs.conv2(s.dil_convs.conv1(s.init_conv(x))))
        return x * (1 + torch.sigmoid(c[:, :, None, None] * m))


class BamResUnit(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.use_bam = stride != 1
        if self.use_bam:
            self.bam = BamBlock(cin)
        self.res_unit = ResUnit(cin, cout, stride)

    def forward(self, x):
        return self.res_unit(self.bam(x) if self.use_bam else x)


class AttResNet50(nn.Module):
    """pytorchcv's CBAM-ResNet50 (kind "cbam") or BAM-ResNet50 ("bam"); output = Linear.
    basic: CBAM-ResNet34 (ResBlock units to 64/128/256/512 channels)."""

    def __init__(self, kind, profile, w, classes, basic=False):
        super().__init__()
        self.features = nn.Sequential()
        self.features.add_module("init_block", ResInitBlock(profile, w))
        cin = ch(64, w)
        for s, n in enumerate([3, 4, 6, 3]):
            stage = nn.Sequential()
            for u in range(n):
                stride, out = (2 if (u == 0 and s > 0) else 1), ch((64 if basic else 256) << s, w)
                unit = (BamResUnit(cin, out, stride) if kind == "bam"
                        else ResUnit(cin, out, stride, cbam=True, basic=basic))
                stage.add_module(f"unit{u + 1}", unit)
                cin = out
            self.features.add_module(f"stage{s + 1}", stage)
        self.output = nn.Linear(cin, classes)

    def forward(self, x):
        return self.output(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


def tf_pad(x, k, s):
    """pytorchcv's calc_tf_padding: TF "same" (more at the bottom/right). pytorchcv hands F.pad
    the height's pads as the width's and vice versa; the same on the square inputs of rmn."""
    h, w = x.shape[2:]
    ph = max((-(-h // s) - 1) * s + k - h, 0)
    pw = max((-(-w // s) - 1) * s + k - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


class EffiConv(ConvBlock):
    """A pytorchcv ConvBlock (BN eps 1e-3) in tf_mode: F.pad TF-same, then the conv unpadded."""

    def __init__(self, cin, cout, k, s, groups, act):
        super().__init__(cin, cout, k, s, 0, groups=groups, eps=1e-3, act=act)
        self.k, self.s = k, s

    def forward(self, x):
        return super().forward(tf_pad(x, self.k, self.s))


class SEBlock(nn.Module):
    def __init__(self, c, mid):
        super().__init__()
        self.conv1 = conv(c, mid, 1, bias=True)
        self.conv2 = conv(mid, c, 1, bias=True)

    def forward(self, x):
        return x * torch.sigmoid(self.conv2(F.silu(self.conv1(F.adaptive_avg_pool2d(x, 1)))))


class EffiUnit(nn.Module):
    def __init__(self, cin, cout, k, stride, dws):
        super().__init__()
        self.residual = cin == cout and stride == 1
        self.dws = dws
        if dws:
            self.dw_conv = EffiConv(cin, cin, 3, stride, cin, "swish")
            self.se = SEBlock(cin, max(1, cin // 4))
            self.pw_conv = EffiConv(cin, cout, 1, 1, 1, None)
        else:
            mid = 6 * cin
            self.conv1 = EffiConv(cin, mid, 1, 1, 1, "swish")
            self.conv2 = EffiConv(mid, mid, k, stride, mid, "swish")
            self.se = SEBlock(mid, max(1, mid // 24))
            self.conv3 = EffiConv(mid, cout, 1, 1, 1, None)

    def forward(self, x):
        if self.dws:
            y = self.pw_conv(self.se(self.dw_conv(x)))
        else:
            y = self.conv3(self.se(self.conv2(self.conv1(x))))
        return y + x if self.residual else y


class EfficientNetB2b(nn.Module):
    """pytorchcv's efficientnet_b2b with the thesis's head output = Sequential(Dropout(0.3),
    Linear) (keys output.1.*; pytorchcv's own head is output.fc)."""

    def __init__(self, profile, w, classes):
        super().__init__()
        rows = [(16, 2, 3, 1, 1), (24, 3, 3, 2, 2), (48, 3, 5, 2, 3), (88, 4, 3, 2, 4), (120, 4, 5, 1, 4),
                (208, 5, 5, 2, 5), (352, 2, 3, 1, 5)]
        self.features = nn.Sequential()
        self.features.add_module("init_block", nn.Module())
        self.features.init_block.conv = EffiConv(3 if profile == 224 else 1, ch(32, w), 3,
                                                 2 if profile == 224 else 1, 1, "swish")
        cin, stages = ch(32, w), {}
        for c, n, k, s, st in rows:
            stage = stages.setdefault(st, nn.Sequential())
            for u in range(n):
                out = ch(c, w)
                stage.add_module(f"unit{len(stage) + 1}", EffiUnit(cin, out, k, s if u == 0 else 1, st == 1))
                cin = out
        for st in sorted(stages):
            self.features.add_module(f"stage{st}", stages[st])
        self.features.add_module("final_block", EffiConv(cin, ch(1408, w), 1, 1, 1, "swish"))
        self.output = nn.Sequential(nn.Dropout(0.3), nn.Linear(ch(1408, w), classes))

    def forward(self, x):
        x = self.features.init_block.conv(x)
        for name, m in self.features.named_children():
            if name != "init_block":
                x = m(x)
        return self.output(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# --- resnet50_pretrained_vgg (models/resnet50_scratch_dims_2048.py's Caffe names) ---------

class VggFace2ResNet50(nn.Module):
    def __init__(self, profile, w, classes):
        super().__init__()
        self.big = profile == 224
        self.units = []
        self._cb("conv1_7x7_s2", 3 if self.big else 1, ch(64, w), 7 if self.big else 3)
        cin = ch(64, w)
        for s, n in enumerate([3, 4, 6, 3]):
            planes = ch(64 << s, w)
            for b in range(n):
                pre = f"conv{s + 2}_{b + 1}"
                self._cb(pre + "_1x1_reduce", cin, planes, 1)
                self._cb(pre + "_3x3", planes, planes, 3)
                self._cb(pre + "_1x1_increase", planes, 4 * planes, 1)
                if b == 0:
                    self._cb(pre + "_1x1_proj", cin, 4 * planes, 1)
                cin = 4 * planes
        self.classifier = nn.Conv2d(cin, classes, 1, bias=True)

    def _cb(self, name, cin, cout, k):
        setattr(self, name, conv(cin, cout, k, 1, k // 2))
        setattr(self, name + "_bn", nn.BatchNorm2d(cout))

    def _run(self, name, x, stride=1, relu=True):
        c = getattr(self, name)
        y = getattr(self, name + "_bn")(F.conv2d(x, c.weight, None, stride, c.padding))
        return F.relu(y) if relu else y

    def forward(self, x):
        x = self._run("conv1_7x7_s2", x, 2 if self.big else 1)
        x = F.max_pool2d(x, 3, 2, 0, ceil_mode=True) if self.big else F.max_pool2d(x, 2)
        for s, n in enumerate([3, 4, 6, 3]):
            for b in range(n):
                pre, stride = f"conv{s + 2}_{b + 1}", (2 if (b == 0 and s > 0) else 1)
                t = self._run(pre + "_1x1_reduce", x, stride)
                t = self._run(pre + "_1x1_increase", self._run(pre + "_3x3", t), relu=False)
                sc = self._run(pre + "_1x1_proj", x, stride, relu=False) if b == 0 else x
                x = F.relu(sc + t)
        return torch.flatten(self.classifier(F.adaptive_avg_pool2d(x, 1)), 1)


# --- the registry ----------------------------------------------------------------------------

RESNETS = {"resnet18": ([2, 2, 2, 2], False), "resnet34": ([3, 4, 6, 3], False),
           "resnet50": ([3, 4, 6, 3], True), "resnet101": ([3, 4, 23, 3], True),
           "resnet152": ([3, 8, 36, 3], True)}


def build(arch, profile=48, width=0, classes=7):
    """The PyTorch model of rmn architecture `arch` (width applies at the 48 profile)."""
    w = width if profile == 48 else 0
    if arch in RESNETS:
        layers, bott = RESNETS[arch]
        return ResNet(layers, bott, profile, w, classes)
    if arch == "resnet18-tv48":
        return ResNet([2, 2, 2, 2], False, 48, w, classes, tv48=True)
    if arch == "resnet18_centerloss":
        return CenterLossResNet(profile, w, classes)
    if arch.startswith("resmasking"):
        bott = arch == "resmasking50_dropout1"
        heads = {"resmasking": None,
                 "resmasking_dropout2": lambda c: mlp(c, [128], classes),
                 "resmasking_dropout3": lambda c: mlp(c, [512, 128], classes),
                 "resmasking_dropout4": lambda c: mlp(c, [128, 128], classes)}
        head = heads.get(arch, lambda c: nn.Sequential(nn.Dropout(0.4), nn.Linear(c, classes)))
        return ResNet([3, 4, 6, 3], bott, profile, w, classes,
                      masks="naive" if arch == "resmasking_naive_dropout1" else "apply", head=head)
    if arch == "vgg19":
        return VGG19(profile, w, classes)
    if arch == "densenet121":
        return DenseNet121(profile, w, classes)
    if arch == "googlenet":
        return GoogLeNet(profile, w, classes)
    if arch == "inception_v3":
        return Inception3(profile, w, classes)
    if arch in ("cbam_resnet50", "bam_resnet50"):
        return AttResNet50(arch[:arch.index("_")], profile, w, classes)
    if arch == "cbam_resnet34":
        return AttResNet50("cbam", profile, w, classes, basic=True)
    if arch == "efficientnet_b2b":
        return EfficientNetB2b(profile, w, classes)
    if arch == "resnet50_pretrained_vgg":
        return VggFace2ResNet50(profile, w, classes)
    raise KeyError(arch)

