"""PyTorch twin of Ocular's `engine` benchmark suite (bench/Ocular.Bench/Suites/EngineSuite.cs).

Same workload names, shapes, plans and arithmetic as the C# suite: per-op overhead of tiny ops,
conv2d forward + backward at ResNet-50 layer shapes, one SGD step of a ResNet-18-shaped network.
Run: /usr/bin/python3 bench/python/engine.py [--threads N] [--quick] [--filter REGEX] ...
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from benchlib import IMAGES_PER_S, MS_PER_ITER, US_PER_OP, Plan, Workload, main, sample, throughput, time_per

OP_TARGET = 0.5       # per-op overhead at most 2x Python's
ENGINE_TARGET = 0.95  # conv and training: the binding must cost nothing measurable

OP_FULL, OP_QUICK = Plan(1, 7, 100_000), Plan(1, 3, 10_000)
CONV_FULL, CONV_QUICK = Plan(3, 15), Plan(1, 3)
TRAIN_FULL, TRAIN_QUICK = Plan(2, 8), Plan(1, 2)

# ResNet-50 convolution shapes (kernel, in -> out channels, input size, stride), batch 8.
CONV_SHAPES = [
    (1, 256, 64, 56, 1),     # layer1 bottleneck conv1
    (3, 64, 64, 56, 1),      # layer1 conv2
    (3, 128, 128, 28, 1),    # layer2 conv2
    (3, 256, 256, 14, 1),    # layer3 conv2
    (1, 1024, 2048, 14, 2),  # layer4.0 downsample
]
CONV_BATCH = 8


def conv_name(k, cin, cout, size, stride):
    return f"conv_fwd_bwd_{k}x{k}_{cin}to{cout}_{size}x{size}_s{stride}_b{CONV_BATCH}"


# ---------------------------------------------------------------- per-op overhead
# Two float32 4x4 tensors; rebinding `c` frees the previous result, as the C# side's `using`.

def small_pair():
    g = torch.Generator().manual_seed(0)
    return torch.randn(4, 4, generator=g), torch.randn(4, 4, generator=g)


def op_add(plan):
    a, b = small_pair()
    n = plan.per_sample

    def body():
        for _ in range(n):
            c = a + b

    return time_per(sample(plan, body), plan, US_PER_OP)


def op_add_scope(plan):
    # Twin of the C# variant that frees results with a DisposeScope every 1000 ops (same loop shape).
    a, b = small_pair()
    n = plan.per_sample

    def body():
        for i in range(0, n, 1000):
            for _ in range(i, min(n, i + 1000)):
                c = a + b

    return time_per(sample(plan, body), plan, US_PER_OP)


def op_relu(plan):
    a, b = small_pair()
    n = plan.per_sample

    def body():
        for _ in range(n):
            c = a.relu()

    return time_per(sample(plan, body), plan, US_PER_OP)


def op_sum(plan):
    a, b = small_pair()
    n = plan.per_sample

    def body():
        for _ in range(n):
            c = a.sum()

    return time_per(sample(plan, body), plan, US_PER_OP)


# ---------------------------------------------------------------- conv2d forward + backward
# y = conv2d(x, w) (no bias, padding k//2), then y.backward(g) with a fixed random g; gradients reset
# to None before each iteration so that nothing accumulates.

def conv_fwd_bwd(k, cin, cout, size, stride, plan):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(CONV_BATCH, cin, size, size, generator=g).requires_grad_()
    w = torch.randn(cout, cin, k, k, generator=g).mul_(0.05).requires_grad_()
    out = (size + 2 * (k // 2) - k) // stride + 1
    gy = torch.randn(CONV_BATCH, cout, out, out, generator=g)

    def body():
        x.grad = None
        w.grad = None
        y = F.conv2d(x, w, stride=stride, padding=k // 2)
        y.backward(gy)

    return time_per(sample(plan, body), plan, MS_PER_ITER, {"batch": CONV_BATCH})


# ---------------------------------------------------------------- one SGD training step

class BasicBlock(nn.Module):
    """torchvision's BasicBlock: two 3x3 convolutions with batch norm, and a residual connection."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class ResNet18Like(nn.Module):
    """A ResNet-18-shaped network for the engine benchmark, twin of bench/Ocular.Bench/Networks/ResNet18Like.cs:
    torchvision's resnet18 layers, shapes and names from torch.nn with default initialisation (not
    torchvision, so that both sides run the same modules). The model zoo's ResNet replaces both later."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._stage(64, 64, 1)
        self.layer2 = self._stage(64, 128, 2)
        self.layer3 = self._stage(128, 256, 2)
        self.layer4 = self._stage(256, 512, 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)

    @staticmethod
    def _stage(cin, cout, stride):
        return nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1))

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


TRAIN_BATCH = 16
LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 1e-4


def train_step(plan):
    # One step: zero grads (to None), forward, cross-entropy, backward, SGD with momentum and weight
    # decay, read the loss. The update is written with torch ops, NOT torch.optim, because the C# side
    # cannot use Ocular.Torch.Optim.Sgd yet (written in parallel): both sides do exactly this arithmetic
    # (torch.optim.SGD's, with the momentum buffer starting at zero, which equals its clone on step 1):
    #   d = grad + wd*p;  buf = 0.9*buf + d;  p -= lr*buf
    # The lead switches both sides to the real optimizers once they exist.
    g = torch.Generator().manual_seed(0)
    model = ResNet18Like(1000)
    model.train()
    params = list(model.parameters())
    bufs = [torch.zeros_like(p) for p in params]
    images = torch.randn(TRAIN_BATCH, 3, 224, 224, generator=g)
    labels = torch.randint(0, 1000, (TRAIN_BATCH,), generator=g)
    last = [float("nan")]

    def body():
        for p in params:
            p.grad = None
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        with torch.no_grad():
            for p, buf in zip(params, bufs):
                d = p.grad.add(p, alpha=WEIGHT_DECAY)
                buf.mul_(MOMENTUM).add_(d)
                p.add_(buf, alpha=-LR)
        last[0] = loss.item()

    return throughput(sample(plan, body), TRAIN_BATCH, IMAGES_PER_S,
                      {"batch": TRAIN_BATCH, "parameters": len(params), "loss": last[0]})


def workloads():
    ws = [
        Workload("op_overhead_add_4x4", US_PER_OP, OP_FULL, OP_QUICK, op_add, OP_TARGET),
        Workload("op_overhead_add_4x4_scope", US_PER_OP, OP_FULL, OP_QUICK, op_add_scope, OP_TARGET),
        Workload("op_overhead_relu_4x4", US_PER_OP, OP_FULL, OP_QUICK, op_relu, OP_TARGET),
        Workload("op_overhead_sum_4x4", US_PER_OP, OP_FULL, OP_QUICK, op_sum, OP_TARGET),
    ]
    for shape in CONV_SHAPES:
        ws.append(Workload(conv_name(*shape), MS_PER_ITER, CONV_FULL, CONV_QUICK,
                           lambda plan, s=shape: conv_fwd_bwd(*s, plan), ENGINE_TARGET))
    ws.append(Workload("train_step_resnet18_b16_224", IMAGES_PER_S, TRAIN_FULL, TRAIN_QUICK, train_step, ENGINE_TARGET))
    return ws


if __name__ == "__main__":
    sys.exit(main("engine", workloads))
