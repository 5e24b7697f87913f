"""PyTorch twin of Ocular's `data` benchmark suite (bench/Ocular.Bench/Suites/DataSuite.cs).

The input pipeline alone: torchvision's ImageFolder (PIL decoding) and DataLoader(batch_size=32, shuffle=True,
num_workers=W) with RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize and the default collation,
over the folder of 500x375 JPEGs the C# side uses (jpegfolder.py: same path, same pixels). One sample is one epoch.
The reference twin forks its workers anew every epoch (DataLoader's default); the expert twin (--style expert) keeps
them (persistent_workers=True), see bench/README.md.
Run: /usr/bin/python3 bench/python/data.py [--threads N] [--quick] ...
"""
import sys

import torch
import torchvision
import torchvision.transforms as T

from benchlib import IMAGES_PER_S, Plan, Workload, main, sample, throughput
from jpegfolder import ensure_images

TARGET = 1.0
BATCH = 32
CLASSES = 4
FULL = Plan(1, 3, 2000)   # per_sample = images in the folder = one epoch
QUICK = Plan(1, 1, 128)


def epochs(plan, workers, expert=False):
    root = ensure_images(plan.per_sample, CLASSES)
    transform = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
                           T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    dataset = torchvision.datasets.ImageFolder(root, transform=transform)
    g = torch.Generator().manual_seed(0)
    if expert and workers > 0:
        # The expert twin: workers started once and kept across epochs (each runs torch on one thread: the
        # DataLoader's worker loop sets that itself, so no worker_init_fn is needed).
        loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=workers, generator=g,
                                             persistent_workers=True)
    else:
        loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=workers, generator=g)
    seen = [0]

    def body():
        for images, _ in loader:
            seen[0] += images.shape[0]

    return throughput(sample(plan, body), len(dataset), IMAGES_PER_S,
                      {"images": len(dataset), "batch": BATCH, "workers": workers,
                       "persistent_workers": bool(expert and workers > 0)})


def workloads():
    # With 0 workers the loader runs in the main process and there is nothing for an expert to change: the w0
    # workload has no expert twin of its own (--style expert runs the reference code).
    return [Workload(f"data_epoch_jpeg500x375_rrc224_flip_norm_b{BATCH}_w{w}", IMAGES_PER_S, FULL, QUICK,
                     (lambda plan, w=w: epochs(plan, w)), TARGET,
                     None if w == 0 else (lambda plan, w=w: epochs(plan, w, expert=True))) for w in (0, 2)]


if __name__ == "__main__":
    sys.exit(main("data", workloads))
