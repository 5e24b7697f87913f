"""PyTorch twin of Ocular's `models` benchmark suite (bench/Ocular.Bench/Suites/ModelsSuite.cs).

torchvision's ResNet-18, ResNet-50 and VGG-16 (1000 classes, fresh weights): inference images/s at
batch 8, 224x224 (eval mode, torch.inference_mode), and one training step at batch 16 (zero_grad to
None, forward, cross-entropy, backward, torch.optim.SGD with momentum 0.9 and weight decay 1e-4) in
images/s. Same names, plans and arithmetic as the C# suite.
Run: /usr/bin/python3 bench/python/models.py [--threads N] [--quick] [--filter REGEX] ...
"""
import sys

import torch
import torch.nn.functional as F
import torchvision

from benchlib import IMAGES_PER_S, Plan, Workload, main, sample, throughput

TARGET = 0.95
INFERENCE_BATCH, TRAIN_BATCH, SIZE, CLASSES = 8, 16, 224, 1000
LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 1e-4
ARCHITECTURES = ["resnet18", "resnet50", "vgg16"]
QUICK = Plan(1, 2)


# VGG-16 is ~8x ResNet-18's work: fewer samples keep a full run within minutes on 2 cores.
def inference_full(arch):
    return Plan(1, 5) if arch == "vgg16" else Plan(2, 10)


def train_full(arch):
    return Plan(1, 3) if arch == "vgg16" else Plan(1, 5)


def build(arch):
    torch.manual_seed(0)
    return getattr(torchvision.models, arch)(num_classes=CLASSES)


def inference(arch, plan):
    g = torch.Generator().manual_seed(0)
    model = build(arch).eval()
    images = torch.randn(INFERENCE_BATCH, 3, SIZE, SIZE, generator=g)

    def body():
        with torch.inference_mode():
            logits = model(images)  # noqa: F841 (freed when rebound, as the C# side's using)

    return throughput(sample(plan, body), INFERENCE_BATCH, IMAGES_PER_S, {"batch": INFERENCE_BATCH})


def train_step(arch, plan):
    g = torch.Generator().manual_seed(0)
    model = build(arch).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    images = torch.randn(TRAIN_BATCH, 3, SIZE, SIZE, generator=g)
    labels = torch.randint(0, CLASSES, (TRAIN_BATCH,), generator=g)
    last = [float("nan")]

    def body():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        last[0] = loss.item()

    return throughput(sample(plan, body), TRAIN_BATCH, IMAGES_PER_S, {"batch": TRAIN_BATCH, "loss": last[0]})


# No expert twin (Workload.expert is None): inference under torch.inference_mode at batch 8 and an SGD step with
# zero_grad(set_to_none=True) are what a competent user writes; the suite measures what the zoo and the binding cost
# on top of the same kernels, so both sides keep the default (NCHW) layout. --style expert runs the same code.
def workloads():
    ws = [Workload(f"infer_{a}_b{INFERENCE_BATCH}_{SIZE}", IMAGES_PER_S, inference_full(a), QUICK,
                   lambda plan, a=a: inference(a, plan), TARGET) for a in ARCHITECTURES]
    ws += [Workload(f"train_step_{a}_b{TRAIN_BATCH}_{SIZE}", IMAGES_PER_S, train_full(a), QUICK,
                    lambda plan, a=a: train_step(a, plan), TARGET) for a in ARCHITECTURES]
    return ws


if __name__ == "__main__":
    sys.exit(main("models", workloads))
