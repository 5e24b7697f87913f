"""PyTorch twin of Ocular's `train` benchmark suite (bench/Ocular.Bench/Suites/TrainSuite.cs).

ResNet-18 training epochs at 224x224 from JPEG files: torchvision's ImageFolder (PIL decoding) and
DataLoader(batch_size=32, shuffle=True, num_workers=2) with RandomResizedCrop(224) + RandomHorizontalFlip +
ToTensor + Normalize, torchvision's resnet18 (4 classes), cross-entropy, torch.optim.SGD (lr 0.01, momentum 0.9,
weight decay 1e-4). One sample is one epoch over the folder (the C# side's JpegFolder: same path, same pixels).
The reference twin's workers are forked anew every epoch (DataLoader's default); the expert twin (--style expert)
keeps them (persistent_workers=True). Both train in the default (NCHW) layout, as
Ocular's trainer does.
Run: /usr/bin/python3 bench/python/train.py [--threads N] [--quick] ...
"""
import sys

import torch
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T

from benchlib import IMAGES_PER_S, Plan, Workload, main, sample, throughput
from jpegfolder import ensure_images

TARGET = 0.95
BATCH = 32
WORKERS = 2
CLASSES = 4
FULL = Plan(1, 3, 256)   # per_sample = images in the folder = one epoch
QUICK = Plan(1, 1, 64)


def epochs(plan, expert=False):
    root = ensure_images(plan.per_sample, CLASSES)
    transform = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
                           T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    dataset = torchvision.datasets.ImageFolder(root, transform=transform)
    g = torch.Generator().manual_seed(0)
    if expert:   # workers started once and kept across epochs
        loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=WORKERS, generator=g,
                                             persistent_workers=True)
    else:        # forked anew every epoch, as DataLoader's default
        loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=WORKERS, generator=g)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=CLASSES)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    last = [float("nan")]

    def body():
        for images, labels in loader:
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            last[0] = loss.item()

    return throughput(sample(plan, body), len(dataset), IMAGES_PER_S,
                      {"images": len(dataset), "batch": BATCH, "workers": WORKERS, "persistent_workers": expert,
                       "loss": last[0]})


def workloads():
    return [Workload(f"train_epoch_resnet18_224_jpeg_b{BATCH}_w{WORKERS}", IMAGES_PER_S, FULL, QUICK, epochs, TARGET,
                     lambda plan: epochs(plan, expert=True))]


if __name__ == "__main__":
    sys.exit(main("train", workloads))
