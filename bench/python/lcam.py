"""PyTorch twin of Ocular's `lcam` benchmark suite (bench/Ocular.Bench/Suites/LCamSuite.cs).

L-CAM training epochs on a frozen ResNet-50 at 224x224, batch 16, written the way the original L-CAM scripts
train (models/ResNet50_L_CAM_Fm.py, ResNet50_L_CAM_Img.py, Train_*.py; ../shared/reference/l-cam.md §2-4):
torchvision's resnet50 (1000 classes, random initialisation), every parameter requires_grad=False and batch norm in
eval mode; the attention mechanism a 1x1 Conv2d(2048 -> 1000) + sigmoid on layer4's output; each image's own map
picked with the flat index n*1000 + y_n; every step runs the WHOLE trunk forward on the normalised image:
  Fm:  F = trunk(norm(x)); s = a[n, y_n]; logits = fc(flatten(avgpool(s * F)))
  Img: F = trunk(norm(x)); s = a[n, y_n]; m = bilinear(s, 224); logits = resnet50(norm(m * x))
loss 1.5*CE + 2*mean((s + 0.0005)^0.3) + 0.01*TV(s) (TV of §3; each image's own map, the reference's fix of the
cross-label defect, as Ocular trains by default: same arithmetic on both sides), SGD Nesterov momentum 0.9, weight
decay 5e-4, weights lr 1e-4 and biases 2e-4 (the ResNet-50 script's effective values), loss.item() per step.
Data: the JPEG folder of the train suite (same path, same pixels), ImageFolder + DataLoader(batch 16, shuffle,
num_workers=2, persistent_workers=True: the one departure from the scripts, because on CPU workers forked anew each
epoch make every parent write to its reused heap a copy-on-write fault, 0.9 s -> 4.4 s per forward within three epochs)
with the original training transform Resize(256) -> RandomCrop(224) -> RandomHorizontalFlip -> ToTensor
(no normalisation in the loader); the folder's labels 0-3 are the targets. One sample is one epoch over the folder.

`lcam_fm_resnet50_224_cache_b16` is measured here WITHOUT any cache, i.e. exactly as
`lcam_fm_resnet50_224_nocache_b16`: the original scripts have no feature cache, and the point of that workload's
target (>= 10x) is the speed-up Ocular's cached epochs give over the original training.
The expert twin (--style expert) trains as Ocular's side does (its data, views, no_grad + channels-last trunk), and
for `..._cache_...` from a feature cache (its build timed apart as cache_build_s, as Ocular's).
`lcam_fm_resnet50_224_cache_build_26ep_b16` counts the cache: one sample = the cache's build + 26 cached epochs (the
original ResNet-50 schedule) on Ocular's side and the expert twin; the reference twin has no cache, so its figure is
its uncached per-epoch throughput.
Run: /usr/bin/python3 bench/python/lcam.py [--threads N] [--quick] ...
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T

from benchlib import IMAGES_PER_S, Plan, Workload, main, sample, throughput
from jpegfolder import ensure_images

CACHE_TARGET = 10.0
IMG_TARGET = 1.0
BATCH = 16
WORKERS = 2
FOLDER_CLASSES = 4
FULL = Plan(1, 3, 32)          # per_sample = images in the folder = one epoch
QUICK = Plan(1, 1, 16)
CACHE_FULL = Plan(1, 10, 32)   # the same plans as the C# side's cached workload
CACHE_QUICK = Plan(1, 3, 16)
AMORTISED_FULL = Plan(0, 2, 32)   # one sample = cache build + 26 epochs (the reference twin: one uncached epoch)
AMORTISED_QUICK = Plan(0, 1, 16)

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def normalise(x):
    return (x - MEAN) / STD


def total_variation(a):
    """TV(A) of reference §3: squared neighbour differences + 0.3 * squared borders (corners twice), over 2*B."""
    b, _, h, w = a.shape
    rows = (a[:, :, 1:, :] - a[:, :, :-1, :]).pow(2).sum()
    cols = (a[:, :, :, 1:] - a[:, :, :, :-1]).pow(2).sum()
    border = a[:, :, 0, :].pow(2).sum() + a[:, :, h - 1, :].pow(2).sum() + a[:, :, :, 0].pow(2).sum() + a[:, :, :, w - 1].pow(2).sum()
    return (rows + cols + 0.3 * border) / (2 * b)


class LCamResNet50(nn.Module):
    """The original ResNet50_L_CAM_{Fm,Img} training forward: frozen resnet50 + a 1x1-conv attention mechanism."""

    def __init__(self, variant):
        super().__init__()
        self.variant = variant
        self.backbone = torchvision.models.resnet50(num_classes=1000)
        for p in self.backbone.parameters():
            p.requires_grad = False
        self.attention = nn.Conv2d(2048, 1000, kernel_size=1)

    def trunk(self, x):
        m = self.backbone
        x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        return m.layer4(m.layer3(m.layer2(m.layer1(x))))

    def forward(self, x, labels):
        n = x.size(0)
        f = self.trunk(normalise(x))                                   # the whole frozen trunk, every step
        a = torch.sigmoid(self.attention(f))                           # N x 1000 x 7 x 7
        h, w = a.shape[2:]
        s = a.view(n * 1000, h, w)[torch.arange(n) * 1000 + labels].view(n, 1, h, w)
        if self.variant == "fm":
            logits = self.backbone.fc(torch.flatten(self.backbone.avgpool(s * f), 1))
        else:
            m = F.interpolate(s, size=x.shape[2:], mode="bilinear", align_corners=False)
            logits = self.backbone(normalise(m * x))                   # a second pass through the whole network
        return logits, s


def epochs(plan, variant):
    root = ensure_images(plan.per_sample, FOLDER_CLASSES)
    transform = T.Compose([T.Resize(256), T.RandomCrop(224), T.RandomHorizontalFlip(), T.ToTensor()])
    dataset = torchvision.datasets.ImageFolder(root, transform=transform)
    g = torch.Generator().manual_seed(0)
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=WORKERS, generator=g,
                                         persistent_workers=True)
    torch.manual_seed(0)
    model = LCamResNet50(variant)
    model.train()
    model.backbone.eval()   # the scripts' _freeze_norm_stats: batch norm in eval mode at every iteration
    weights = [p for name, p in model.attention.named_parameters() if not name.endswith("bias")]
    biases = [p for name, p in model.attention.named_parameters() if name.endswith("bias")]
    optimizer = torch.optim.SGD([{"params": weights, "lr": 1e-4}, {"params": biases, "lr": 2e-4}],
                                lr=1e-4, momentum=0.9, weight_decay=5e-4, nesterov=True)
    last = [float("nan")]

    def body():
        for images, labels in loader:
            logits, s = model(images, labels)
            loss = 1.5 * F.cross_entropy(logits, labels) + 2 * (s + 0.0005).pow(0.3).mean() + 0.01 * total_variation(s)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            last[0] = loss.item()

    return throughput(sample(plan, body), len(dataset), IMAGES_PER_S,
                      {"images": len(dataset), "batch": BATCH, "workers": WORKERS, "variant": variant,
                       "cache": "none (original training)", "loss": last[0]})


# ---------------------------------------------------------------- the expert twin
# The same training as Ocular's side (LCamSuite.cs): the raw transform Resize(256) -> CenterCrop(224) -> ToTensor and
# two fixed views per image (the image or its horizontal flip, drawn per epoch and image), the frozen trunk run
# without autograd and channels-last (weights and input), attention + head + loss + backward + step as above;
# loader workers kept across epochs. L-CAM-Fm with a feature cache: the trunk's float16 features of both views of
# every image, built once through the same loader (Ocular's FeatureCache.Build), then epochs that read them.
VIEWS = 2
EPOCHS_AMORTISED = 26   # the original ResNet-50 L-CAM schedule (reference/l-cam.md 4.3)


class Indexed(torch.utils.data.Dataset):
    """(image, label, index): a view is chosen per image and epoch, so the batch must say which images it holds."""

    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        x, y = self.base[i]
        return x, y, i


def view_choice(epoch, n):
    """View 0 (the image) or 1 (its flip) of each of n images in an epoch: a fixed draw per (epoch, image)."""
    return torch.randint(0, VIEWS, (n,), generator=torch.Generator().manual_seed(1000 + epoch))


def apply_views(x, views):
    return torch.where(views.view(-1, 1, 1, 1).bool(), x.flip(-1), x)


class ExpertLCam:
    def __init__(self, variant):
        torch.manual_seed(0)
        self.model = LCamResNet50(variant)
        self.model.backbone.eval().requires_grad_(False).to(memory_format=torch.channels_last)
        self.model.attention.train()
        weights = [p for name, p in self.model.attention.named_parameters() if not name.endswith("bias")]
        biases = [p for name, p in self.model.attention.named_parameters() if name.endswith("bias")]
        self.optimizer = torch.optim.SGD([{"params": weights, "lr": 1e-4}, {"params": biases, "lr": 2e-4}],
                                         lr=1e-4, momentum=0.9, weight_decay=5e-4, nesterov=True)
        self.variant = variant
        self.last = float("nan")

    @torch.no_grad()
    def features(self, raw):
        return self.model.trunk(normalise(raw).contiguous(memory_format=torch.channels_last))

    def step(self, f, labels, raw=None):
        m = self.model
        n = f.size(0)
        a = torch.sigmoid(m.attention(f))
        s = a[torch.arange(n), labels].unsqueeze(1)                     # each image's own map
        if self.variant == "fm":
            logits = m.backbone.fc(torch.flatten(m.backbone.avgpool(s * f), 1))
        else:
            masked = F.interpolate(s, size=raw.shape[2:], mode="bilinear", align_corners=False) * raw
            logits = m.backbone(normalise(masked).contiguous(memory_format=torch.channels_last))
        loss = 1.5 * F.cross_entropy(logits, labels) + 2 * (s + 0.0005).pow(0.3).mean() + 0.01 * total_variation(s)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.last = loss.item()


def expert_loader(n_images, shuffle=True):
    root = ensure_images(n_images, FOLDER_CLASSES)
    transform = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()])
    dataset = Indexed(torchvision.datasets.ImageFolder(root, transform=transform))
    return dataset, torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=shuffle, num_workers=WORKERS,
                                                generator=torch.Generator().manual_seed(0), persistent_workers=True)


def build_cache(trainer, dataset):
    """The frozen trunk's float16 features of both views of every image, and the labels; returns (features, labels, s)."""
    start = time.perf_counter()
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, num_workers=WORKERS)
    n = len(dataset)
    store, labels = None, torch.empty(VIEWS * n, dtype=torch.long)
    for x, y, idx in loader:
        for v in range(VIEWS):
            f = trainer.features(x.flip(-1) if v else x)
            if store is None:
                store = torch.empty(VIEWS * n, *f.shape[1:], dtype=torch.float16)
            store[v * n + idx] = f.to(torch.float16)
            labels[v * n + idx] = y
    return store, labels, time.perf_counter() - start


def cached_epoch(trainer, store, labels, n, epoch, order_gen):
    order = torch.randperm(n, generator=order_gen)
    views = view_choice(epoch, n)
    for batch in order.split(BATCH):
        slots = views[batch] * n + batch
        trainer.step(store[slots].float(), labels[slots])


def expert_epochs(plan, variant):
    dataset, loader = expert_loader(plan.per_sample)
    trainer = ExpertLCam(variant)
    epoch = [0]

    def body():
        views = view_choice(epoch[0], len(dataset))
        for x, labels, idx in loader:
            raw = apply_views(x, views[idx])
            trainer.step(trainer.features(raw), labels, raw)
        epoch[0] += 1

    return throughput(sample(plan, body), len(dataset), IMAGES_PER_S,
                      {"images": len(dataset), "batch": BATCH, "workers": WORKERS, "variant": variant,
                       "cache": "none", "loss": trainer.last})


def expert_cached_epochs(plan):
    """The steady-state cached epoch (the build timed apart, cache_build_s), as Ocular's cached workload."""
    dataset, _ = expert_loader(plan.per_sample)
    trainer = ExpertLCam("fm")
    store, labels, build_s = build_cache(trainer, dataset)
    order_gen = torch.Generator().manual_seed(0)
    epoch = [0]

    def body():
        cached_epoch(trainer, store, labels, len(dataset), epoch[0], order_gen)
        epoch[0] += 1

    return throughput(sample(plan, body), len(dataset), IMAGES_PER_S,
                      {"images": len(dataset), "batch": BATCH, "workers": WORKERS, "views": VIEWS, "variant": "fm",
                       "cache": "memory float16", "cache_build_s": build_s, "cache_mb": store.numel() * 2 / 1e6,
                       "loss": trainer.last})


def expert_amortised(plan):
    """One sample = build the cache + EPOCHS_AMORTISED cached epochs: the cache's cost counted."""
    dataset, _ = expert_loader(plan.per_sample)
    n = len(dataset)
    builds = []
    trainer = ExpertLCam("fm")

    def body():
        store, labels, build_s = build_cache(trainer, dataset)
        builds.append(build_s)
        order_gen = torch.Generator().manual_seed(0)
        for e in range(EPOCHS_AMORTISED):
            cached_epoch(trainer, store, labels, n, e, order_gen)

    return throughput(sample(plan, body), EPOCHS_AMORTISED * n, IMAGES_PER_S,
                      {"images": n, "epochs": EPOCHS_AMORTISED, "batch": BATCH, "workers": WORKERS, "views": VIEWS,
                       "variant": "fm", "cache": "memory float16", "cache_build_s": builds[-1], "loss": trainer.last})


# The reference twin of the amortised workload: without a cache every epoch costs the same, so its images/s over
# EPOCHS_AMORTISED epochs is its per-epoch figure (one epoch per sample keeps the run short; one warm-up epoch, since
# over 26 epochs the first one's start-up would be amortised too).


def workloads():
    return [
        Workload(f"lcam_fm_resnet50_224_nocache_b{BATCH}", IMAGES_PER_S, FULL, QUICK, lambda p: epochs(p, "fm"),
                 expert=lambda p: expert_epochs(p, "fm")),
        # No cache in the original: the same training as above, so the ratio is Ocular's cached epoch vs the original's.
        # The expert twin has a cache: its steady-state epoch against Ocular's.
        Workload(f"lcam_fm_resnet50_224_cache_b{BATCH}", IMAGES_PER_S, CACHE_FULL, CACHE_QUICK, lambda p: epochs(p, "fm"), CACHE_TARGET,
                 expert=expert_cached_epochs),
        # The cache's build counted: build + 26 cached epochs per sample (Ocular's side and the expert twin).
        Workload(f"lcam_fm_resnet50_224_cache_build_{EPOCHS_AMORTISED}ep_b{BATCH}", IMAGES_PER_S, AMORTISED_FULL, AMORTISED_QUICK,
                 lambda p: epochs(p._replace(warmup=max(p.warmup, 1)), "fm"), expert=expert_amortised),
        Workload(f"lcam_img_resnet50_224_b{BATCH}", IMAGES_PER_S, FULL, QUICK, lambda p: epochs(p, "img"), IMG_TARGET,
                 expert=lambda p: expert_epochs(p, "img")),
    ]


if __name__ == "__main__":
    sys.exit(main("lcam", workloads))
