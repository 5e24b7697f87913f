"""PyTorch twin of Ocular's `train` benchmark suite (bench/Ocular.Bench/Suites/TrainSuite.cs).

ResNet-18 training epochs at 224x224 from JPEG files: torchvision's ImageFolder (PIL decoding) and
DataLoader(batch_size=32, shuffle=True, num_workers=2) with RandomResizedCrop(224) + RandomHorizontalFlip +
ToTensor + Normalize, torchvision's resnet18 (4 classes), cross-entropy, torch.optim.SGD (lr 0.01, momentum 0.9,
weight decay 1e-4). One sample is one epoch over the folder (the C# side's TrainImages: same path, same pixels).
Run: /usr/bin/python3 bench/python/train.py [--threads N] [--quick] ...
"""
import os
import sys
import tempfile

import torch
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T
from PIL import Image

from benchlib import IMAGES_PER_S, Plan, Workload, main, sample, throughput

TARGET = 0.95
BATCH = 32
WORKERS = 2
CLASSES = 4
FULL = Plan(1, 3, 256)   # per_sample = images in the folder = one epoch
QUICK = Plan(1, 1, 64)


def ensure_images(count, classes):
    """TMP/ocular-bench-train-v1-N: the same pixels as TrainImages.Ensure (libtorch generator, same ops); JPEG q90 via PIL."""
    root = os.path.join(tempfile.gettempdir(), f"ocular-bench-train-v1-{count}")
    if os.path.isdir(root):
        return root
    temp = f"{root}.tmp-{os.getpid()}"
    for i in range(count):
        g = torch.Generator().manual_seed(1234 + i)
        coarse = torch.rand(1, 3, 6, 8, generator=g) * 255
        smooth = F.interpolate(coarse, size=(375, 500), mode="bilinear", align_corners=False)[0]
        image = (smooth + torch.randn(3, 375, 500, generator=g) * 12).clamp(0, 255).round().to(torch.uint8)
        d = os.path.join(temp, f"class{i % classes}")
        os.makedirs(d, exist_ok=True)
        Image.fromarray(image.permute(1, 2, 0).contiguous().numpy()).save(os.path.join(d, f"img{i:04d}.jpg"), quality=90)
    try:
        os.rename(temp, root)
    except OSError:
        if not os.path.isdir(root):
            raise
    return root


def epochs(plan):
    root = ensure_images(plan.per_sample, CLASSES)
    transform = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
                           T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    dataset = torchvision.datasets.ImageFolder(root, transform=transform)
    g = torch.Generator().manual_seed(0)
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
                      {"images": len(dataset), "batch": BATCH, "workers": WORKERS, "loss": last[0]})


def workloads():
    return [Workload(f"train_epoch_resnet18_224_jpeg_b{BATCH}_w{WORKERS}", IMAGES_PER_S, FULL, QUICK, epochs, TARGET)]


if __name__ == "__main__":
    sys.exit(main("train", workloads))
