"""PyTorch twin of Ocular's `lficam` benchmark suite (bench/Ocular.Bench/Suites/LfiCamSuite.cs).

One training step of LFI-CAM and ABN (reference/lfi-cam.md): ResNet-18 and ResNet-50 backbones at 224 x 224, batch 16,
and the CIFAR ResNet-110 (Bottleneck, 18 blocks per stage) at 32 x 32, batch 128; 10 classes; synthetic normalised
inputs (standard normal) and labels made once (no data loading); SGD lr 0.01, momentum 0.9, weight decay 1e-4. Unit
images/s; each JSON line also carries peak_rss_mb (VmHWM; compare.sh runs this suite one process per workload and
side) and rss_base_mb (the resident set before the model was built).

Reference-style twin (--style reference): the original model files, run as written, and the original training loop
(LFI-CAM's imagenet.py / cifar.py, ABN's imagenet.py / cifar.py): model.train(), forward, CE (ABN: CE(attention
branch) + CE(perception branch)), the scripts' per-step bookkeeping (top-k accuracy of the outputs, loss.item()),
optimizer.zero_grad(), loss.backward(), optimizer.step(); float32, NCHW. The original files are not vendored: set
  LFI_CAM  to a checkout of TrustworthyAI-kr/LFI-CAM (revision 4ba02df), or to a bare clone of it (files read at HEAD);
  ABN      to a checkout of machine-perception-robotics-group/attention_branch_network (revision 5e41878), or a bare clone;
only models/imagenet/resnet_lfiv2.py, models/cifar/resnet_lfiv2.py (LFI-CAM) and models/imagenet/resnet.py,
models/cifar/resnet.py (ABN) are read, and executed with three shims that only let them run here (the same as
tests/fixtures/lficam/make_reference.py): `Tensor.cuda` is the identity; the tab-indented lines of LFI-CAM's ImageNet
file (a TabError under Python 3) are expanded to 8 columns, which keeps the FIN's ReLUs after BN #1 and #3; LFI-CAM's
`F.relu` returns a copy, because the original then normalises its result in place, which PyTorch >= 1.x refuses in
backward (ReLU saves its output). The CIFAR LFI-CAM constructor's print goes to stderr.

Expert twin (--style expert): the same models (the original classes, so the same layers and initialisation), the same
batches and maths, written as a competent PyTorch user would: the faster memory layout on this kind of CPU (oneDNN's
defaults otherwise; see expert_channels_last), zero_grad(set_to_none=True), SGD with foreach=True, loss.item() and the
top-1 count only; for LFI-CAM a forward of its own over the original's layers: the map as one bmm of the channel
weights with the raw features instead of the original's Python loop over the C channels (2048 for ResNet-50), and the
min-max normalisations without clones and in-place NaN repair (masked_fill / where: the original's values, and no NaN
in backward; bench/investigations/check_lficam_expert.py). ABN's forward is the original's (nothing in it for an
expert to change).

Run: LFI_CAM=... ABN=... /usr/bin/python3 bench/python/lficam.py [--style reference|expert] [--threads N] [--quick] ...
"""
import contextlib
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import benchlib
from benchlib import IMAGES_PER_S, Plan, Workload, main, resident_mb, sample, throughput

TARGET = 1.0
CLASSES = 10
LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 1e-4

# (zoo name, input size, batch, full plan, quick plan): the same list as LfiCamSuite.Configs.
CONFIGS = [
    ("lficam_resnet18", 224, 16, Plan(1, 3), Plan(1, 1)),
    ("lficam_resnet50", 224, 16, Plan(1, 2), Plan(0, 1)),
    ("lficam_cifar_resnet110", 32, 128, Plan(2, 5), Plan(1, 1)),
    ("abn_resnet18", 224, 16, Plan(2, 5), Plan(1, 1)),
    ("abn_resnet50", 224, 16, Plan(1, 3), Plan(1, 1)),
    ("abn_cifar_resnet110", 32, 128, Plan(2, 5), Plan(1, 1)),
]

# The original files: (environment variable, path in the repository, shims).
SOURCES = {
    "lfi_imagenet": ("LFI_CAM", "models/imagenet/resnet_lfiv2.py", dict(fix_tabs=True, copy_relu=True)),
    "lfi_cifar": ("LFI_CAM", "models/cifar/resnet_lfiv2.py", dict(copy_relu=True)),
    "abn_imagenet": ("ABN", "models/imagenet/resnet.py", {}),
    "abn_cifar": ("ABN", "models/cifar/resnet.py", {}),
}
REPOSITORIES = {"LFI_CAM": "TrustworthyAI-kr/LFI-CAM (revision 4ba02df)",
                "ABN": "machine-perception-robotics-group/attention_branch_network (revision 5e41878)"}


# ---------------------------------------------------------------- the original files, loaded by path

def read_original(var, rel):
    """(source text, where it came from) of `rel` in the repository that $var names (benchlib.read_original)."""
    return benchlib.read_original(var, rel, REPOSITORIES[var], "lficam")


_modules = {}


def original(name):
    """The original model module `name` (see SOURCES), executed once with the shims."""
    if name in _modules:
        return _modules[name]
    var, rel, shims = SOURCES[name]
    source, where = read_original(var, rel)
    if shims.get("fix_tabs"):
        source = source.expandtabs(8)
    torch.Tensor.cuda = lambda self, *args, **kwargs: self
    module = type(sys)(f"original_{name}")
    module.__file__ = where
    exec(compile(source, where, "exec"), module.__dict__)
    if shims.get("copy_relu"):
        functional = type(sys)("functional_with_copied_relu")
        functional.__dict__.update(F.__dict__)
        functional.relu = lambda t, inplace=False: torch.relu(t).clone()
        module.F = functional
    module.ORIGIN = where
    _modules[name] = module
    return module


def build(arch):
    """The original model for a zoo name, as the training scripts build it (num_classes=CLASSES), seed 0."""
    method, backbone = arch.split("_", 1)
    family = "cifar" if backbone.startswith("cifar_resnet") else "imagenet"
    module = original(("lfi_" if method == "lficam" else "abn_") + family)
    torch.manual_seed(0)
    with contextlib.redirect_stdout(sys.stderr):  # the CIFAR LFI-CAM constructor prints
        if family == "cifar":
            model = module.resnet(depth=int(backbone[len("cifar_resnet"):]), num_classes=CLASSES)
        else:
            model = getattr(module, backbone)(num_classes=CLASSES)
    return model, module.ORIGIN


def is_branch(name):
    return name.startswith(("att_", "bn_att", "attention."))


def batch_of(size, batch):
    g = torch.Generator().manual_seed(0)
    return torch.randn(batch, 3, size, size, generator=g), torch.randint(0, CLASSES, (batch,), generator=g)


def extras(model, arch, size, batch, rss_base, origin, state):
    named = list(model.named_parameters())
    return {"batch": batch, "size": size, "classes": CLASSES,
            "parameters": sum(p.numel() for _, p in named),
            "branch_parameters": sum(p.numel() for n, p in named if is_branch(n)),
            "map": state["map"], "loss": state["loss"], "correct": state["correct"],
            "rss_base_mb": rss_base, "original": origin}


# ---------------------------------------------------------------- reference-style twin: the original scripts' step

def accuracy(output, target, topk):
    """Top-k accuracies in percent, as the scripts' utils.accuracy (the per-step bookkeeping of train())."""
    _, pred = output.topk(max(topk), 1, True, True)
    hits = pred.t().eq(target.view(1, -1).expand_as(pred.t()))
    return [hits[:k].reshape(-1).float().sum(0) * (100.0 / target.size(0)) for k in topk]


def reference(arch, size, batch, plan):
    rss_base = resident_mb()
    model, origin = build(arch)
    abn = arch.startswith("abn_")
    inputs, targets = batch_of(size, batch)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    model.train()
    state = {"loss": float("nan"), "correct": 0, "map": ""}
    topk = (1, 5) if abn else (1, 2)  # ABN's scripts report top-1/top-5, LFI-CAM's top-1/top-2

    def body():
        if abn:
            att_outputs, outputs, extra = model(inputs)
            att = extra[0] if isinstance(extra, list) else extra  # the ImageNet file returns [att, fe, per]
            loss = criterion(att_outputs, targets) + criterion(outputs, targets)
        else:
            outputs, att = model(inputs)
            loss = criterion(outputs, targets)
        prec1, _ = accuracy(outputs.data, targets.data, topk)
        state["loss"] = loss.data.item()
        state["correct"] = round(prec1.item() * batch / 100)
        state["map"] = f"{att.size(2)}x{att.size(3)}"
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    samples = sample(plan, body)
    return throughput(samples, batch, IMAGES_PER_S, extras(model, arch, size, batch, rss_base, origin, state))


# ---------------------------------------------------------------- expert twin

def layout_of(x):
    return torch.channels_last if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous() else torch.contiguous_format


def lfi_forward(m, x, imagenet):
    """LFI-CAM's forward (reference/lfi-cam.md section 2.2) over the original model's layers, without the Python loop over
    channels, the clones and the in-place NaN repairs: the same values, (logits, map)."""
    f = m.relu(m.bn1(m.conv1(x)))
    if imagenet:
        f = m.maxpool(f)
    f = m.layer3(m.layer2(m.layer1(f)))
    if imagenet:
        f = m.layer4(f)
    n, c, h, w = f.shape
    guide = F.interpolate(x.mean(1, keepdim=True), size=(h, w), mode="bilinear", align_corners=False)
    flat = f.reshape(n, c, h * w)
    lo = flat.amin(2, keepdim=True)
    span = flat.amax(2, keepdim=True) - lo
    flat_channel = span == 0
    normalised = ((flat - lo) / span.masked_fill(flat_channel, 1.0)).masked_fill(flat_channel, 1.0).masked_fill(flat == 0, 0.0)
    guided = (normalised.view(n, c, h, w) * guide).contiguous(memory_format=layout_of(x))
    if imagenet:
        a = guided
        for i in range(1, 5):
            a = m.relu(getattr(m, f"att_bn{i}")(getattr(m, f"att_conv{i}")(a)))
        pooled = a.mean((2, 3))
    else:
        pooled = m.attention(guided).flatten(1)
    weights = F.softmax(pooled, dim=1)
    cam = torch.bmm(weights.unsqueeze(1), flat).relu()                     # [n, 1, h*w]: sum_c w_c F_c, ReLU
    lo = cam.amin(2, keepdim=True)
    span = cam.amax(2, keepdim=True) - lo
    flat_map = span == 0
    att = torch.where(flat_map, cam, (cam - lo) / span.masked_fill(flat_map, 1.0)).view(n, 1, h, w)
    rx = f * att + f
    return m.fc(rx.mean((2, 3))), att


# The expert's memory layout, chosen by measurement (bench/investigations/lficam_layout.py, AMD EPYC with AVX2, 2 threads,
# CPU seconds per step, alternating in one process): channels-last model and input speed the CIFAR ResNet-110 steps at
# 32 px, batch 128, up (ABN: 14.6-16.9 s against 19.3-20.4 s NCHW), but slow the 224 px, batch 16 steps down (ABN
# ResNet-18: 7.3-7.8 s against 5.8-6.3 s; LFI-CAM ResNet-18 in the first smoke run: 30.1 s against 18.5 s), all of it in
# oneDNN's convolutions forward and backward. So: channels-last for the CIFAR models, NCHW for the 224 px ones.
def expert_channels_last(arch):
    return "cifar" in arch


def expert(arch, size, batch, plan, channels_last=None):
    channels_last = expert_channels_last(arch) if channels_last is None else channels_last
    rss_base = resident_mb()
    model, origin = build(arch)
    abn = arch.startswith("abn_")
    imagenet = "cifar" not in arch
    layout = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=layout)
    inputs, targets = batch_of(size, batch)
    inputs = inputs.contiguous(memory_format=layout)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY, foreach=True)
    model.train()
    state = {"loss": float("nan"), "correct": 0, "map": ""}

    def body():
        optimizer.zero_grad(set_to_none=True)
        if abn:
            branch_logits, logits, extra = model(inputs)
            att = extra[0] if isinstance(extra, list) else extra
            loss = F.cross_entropy(branch_logits, targets) + F.cross_entropy(logits, targets)
        else:
            logits, att = lfi_forward(model, inputs, imagenet)
            loss = F.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()
        state["loss"] = loss.item()
        state["correct"] = (logits.detach().argmax(1) == targets).sum().item()
        state["map"] = f"{att.size(2)}x{att.size(3)}"

    samples = sample(plan, body)
    extra = extras(model, arch, size, batch, rss_base, origin, state)
    extra["layout"] = "channels_last" if channels_last else "nchw"
    return throughput(samples, batch, IMAGES_PER_S, extra)


def workloads():
    return [Workload(f"{arch}_train_step_{size}_b{batch}", IMAGES_PER_S, full, quick,
                     lambda plan, a=arch, s=size, b=batch: reference(a, s, b, plan), TARGET,
                     expert=lambda plan, a=arch, s=size, b=batch: expert(a, s, b, plan))
            for arch, size, batch, full, quick in CONFIGS]


if __name__ == "__main__":
    sys.exit(main("lficam", workloads))
