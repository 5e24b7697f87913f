"""PyTorch twin of Ocular's `engine` benchmark suite (bench/Ocular.Bench/Suites/EngineSuite.cs).

Same workload names, shapes, plans and arithmetic as the C# suite: per-op overhead of tiny ops,
conv2d forward + backward at ResNet-50 layer shapes, one SGD step of ResNet-18 (torchvision / the model zoo).
Run: /usr/bin/python3 bench/python/engine.py [--threads N] [--quick] [--filter REGEX] ...
"""
import sys

import torch
import torchvision
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

TRAIN_BATCH = 16
LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 1e-4


def train_step(plan):
    # One step of torchvision's resnet18 with torch.optim.SGD: zero grads (to None), forward, cross-entropy,
    # backward, SGD with momentum and weight decay, read the loss (EngineSuite.TrainStep does the same with
    # the model zoo's ResNet-18 and Ocular.Torch.Optim.Sgd).
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=1000)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    images = torch.randn(TRAIN_BATCH, 3, 224, 224, generator=g)
    labels = torch.randint(0, 1000, (TRAIN_BATCH,), generator=g)
    last = [float("nan")]

    def body():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        last[0] = loss.item()

    return throughput(sample(plan, body), TRAIN_BATCH, IMAGES_PER_S,
                      {"batch": TRAIN_BATCH, "parameters": len(list(model.parameters())), "loss": last[0]})


# No expert twin (Workload.expert is None): these workloads are single libtorch calls (op overhead, conv forward +
# backward) and a plain SGD step, written as any PyTorch user writes them; --style expert runs the same code.
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
