"""PyTorch twin of Ocular's `evaluate` benchmark suite (bench/Ocular.Bench/Suites/EvaluateSuite.cs).

Images per second of the faithfulness metrics on ResNet-50 (torchvision's, seed 0, 1000 classes, eval mode)
for random raw [0, 1] 224 x 224 images and fixed random maps in [0, 1], written the way the seeds' scripts
do it, at batch size 1:
- AD and IC at keep 100, 50 and 15 % as L-CAM's evaluation loop (bmezaris/L-CAM `Evaluation_L_CAM_*.py`
  and `utils/Metrics.py`; reference/l-cam.md section 5): per image, forward the clean image, softmax, top-1
  class k and Y = p_k; then per keep level `drop_Npercent` on (a copy of) the map, multiply it into the raw
  image, normalise (inside the model, as L-CAM's), forward, softmax, O = p_k; AD and IC from Y and O.
  The clean forward is done once per image and shared by the three keep levels (as Ocular does);
- deletion and insertion (224 steps of 224 pixels) as eclique/RISE's `CausalMetric.single_run`
  (evaluation.py, with its notebook's setup): model = Sequential(model, Softmax); one forward of the image
  for its top-1 class, then one forward of batch 1 per step (225 per curve), pixels moved from `finish` into
  `start` through NumPy views in the order of `np.argsort` of the map; deletion's substrate
  `torch.zeros_like`, insertion's the blur `conv2d(x, gkern(11, 5), padding=5)`; RISE's trapezoid `auc`.
  Both run on the normalised image (RISE's input space) under torch.no_grad();
- ROAD, MoRF and LeRF at 10, 20, 30, 40, 50, 70, 90 % removed (Ocular's default) with pytorch-grad-cam's
  `ROADMostRelevantFirst` / `ROADLeastRelevantFirst` (metrics/road.py: `NoisyLinearImputer`, the sparse system
  built in a scipy `lil_matrix` and solved by `spsolve` per image; percentile = 100 - % removed), called once per
  percentage and order on the batch of 8 with `ClassifierOutputSoftmaxTarget` of the clean top-1 (each call
  re-scores the clean batch: return_diff). The raw [0, 1] images are given with the normalisation inside the
  model, so that the imputation (and its noise) is in Ocular's space. pytorch-grad-cam is not vendored: set
  PYTORCH_GRAD_CAM to a source checkout (the directory holding pytorch_grad_cam/); only metrics/road.py,
  metrics/perturbation_confidence.py and utils/model_targets.py are loaded, by path.
  `road_expert` (--style expert) is the same ROAD result as a competent PyTorch user would write it.

Ocular's side scores the same work in batches of 8 (the evaluation's default batch size). The expert twin
(--style expert) does too: batch 8, inference_mode, channels-last, the keep levels by topk and the deletion/insertion
steps by one torch.where on the pixels' saliency ranks (see its section below).
Deletion/insertion cost ~450 forward passes per image: one image per sample. --quick runs fewer samples, not
smaller work.

Run: /usr/bin/python3 bench/python/evaluate.py [--threads N] [--quick] [--filter REGEX] ...
"""
import importlib.util
import math
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
import scipy.sparse
import scipy.sparse.linalg
from scipy.ndimage import gaussian_filter

from benchlib import IMAGES_PER_S, Plan, Workload, main, sample, throughput

TARGET = 3.0          # the target: Ocular >= 3x PyTorch's images/s
SIZE = 224
HW = SIZE * SIZE
STEP = 224            # 224 steps at 224 x 224, as RISE's notebook
AD_IC_IMAGES = 8
CURVE_IMAGES = 1
PERCENTS = [0, 0.5, 0.85]   # drop_Npercent's argument: keep 100, 50, 15 %

ROAD_IMAGES = 8
ROAD_PERCENTS = [10, 20, 30, 40, 50, 70, 90]   # % removed (Ocular's Road.DefaultRemovedPercent)

AD_IC_FULL, AD_IC_QUICK = Plan(1, 3, AD_IC_IMAGES), Plan(0, 1, AD_IC_IMAGES)
CURVES_FULL, CURVES_QUICK = Plan(1, 2, CURVE_IMAGES), Plan(0, 1, CURVE_IMAGES)
ROAD_FULL, ROAD_QUICK = Plan(1, 1, ROAD_IMAGES), Plan(0, 1, ROAD_IMAGES)


def resnet50():
    torch.manual_seed(0)
    return torchvision.models.resnet50().eval()


class Normalize(torch.nn.Module):
    """ImageNet normalisation inside the model (L-CAM's models take raw [0, 1] images)."""
    def __init__(self):
        super().__init__()
        self.mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        self.std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def forward(self, x):
        return (x - self.mean) / self.std


def data(n):
    g = torch.Generator().manual_seed(1)
    return torch.rand(n, 3, SIZE, SIZE, generator=g), torch.rand(n, SIZE, SIZE, generator=g)


# ---------------------------------------------------------------- L-CAM's utils/Metrics.py
def drop_Npercent(cam_map, percent):
    """L-CAM's drop_Npercent (in place on [1, 1, H, W]): the top (1 - percent) of the map kept, soft values."""
    if percent == 0:
        return cam_map
    N, C, H, W = cam_map.size()
    f = torch.flatten(cam_map)
    value = int(H * W * percent)
    m = torch.kthvalue(f, value)
    cam_map[cam_map < m.values] = 0
    num_pixels = torch.sum(cam_map > 0).cpu().data.numpy()
    num_elements_to_remove = num_pixels - math.ceil((1 - percent) * H * W)
    if num_elements_to_remove >= 1:
        x = (cam_map == m.values).nonzero()
        for i in range(num_elements_to_remove):
            cam_map[x[i][0], x[i][1], x[i][2], x[i][3]] = 0
    return cam_map


def ad_ic(model, images, maps):
    """L-CAM's evaluation loop, batch size 1; returns AD and IC (in %) per keep level."""
    n = images.size(0)
    drops = {p: [] for p in PERCENTS}
    increases = {p: [] for p in PERCENTS}
    with torch.no_grad():
        for i in range(n):
            img = images[i:i + 1]
            prob = F.softmax(model(img), dim=1)
            k = prob.argmax(1).item()
            y = prob[0, k].item()
            for percent in PERCENTS:
                cam_map = drop_Npercent(maps[i].clone().view(1, 1, SIZE, SIZE), percent)
                o = F.softmax(model(img * cam_map), dim=1)[0, k].item()
                drops[percent].append(max(0.0, y - o) / y)
                increases[percent].append(1.0 if o > y else 0.0)
    return {p: (100 * np.mean(drops[p]), 100 * np.mean(increases[p])) for p in PERCENTS}


# ---------------------------------------------------------------- eclique/RISE evaluation.py
def gkern(klen, nsig):
    """RISE's Gaussian kernel: convolution with it blurs the image."""
    inp = np.zeros((klen, klen))
    inp[klen // 2, klen // 2] = 1
    k = gaussian_filter(inp, nsig)
    kern = np.zeros((3, 3, klen, klen))
    kern[0, 0] = k
    kern[1, 1] = k
    kern[2, 2] = k
    return torch.from_numpy(kern.astype("float32"))


def auc(arr):
    """RISE's normalised area under the curve."""
    return (arr.sum() - arr[0] / 2 - arr[-1] / 2) / (arr.shape[0] - 1)


class CausalMetric:
    def __init__(self, model, mode, step, substrate_fn):
        assert mode in ["del", "ins"]
        self.model, self.mode, self.step, self.substrate_fn = model, mode, step, substrate_fn

    def single_run(self, img_tensor, explanation):
        pred = self.model(img_tensor)
        top, c = torch.max(pred, 1)
        c = c.cpu().numpy()[0]
        n_steps = (HW + self.step - 1) // self.step
        if self.mode == "del":
            start = img_tensor.clone()
            finish = self.substrate_fn(img_tensor)
        else:
            start = self.substrate_fn(img_tensor)
            finish = img_tensor.clone()
        scores = np.empty(n_steps + 1)
        # Coordinates of pixels in order of decreasing saliency
        salient_order = np.flip(np.argsort(explanation.reshape(-1, HW), axis=1), axis=-1)
        for i in range(n_steps + 1):
            pred = self.model(start)
            pr, cl = torch.topk(pred, 2)
            scores[i] = pred[0, c]
            if i < n_steps:
                coords = salient_order[:, self.step * i:self.step * (i + 1)]
                start.cpu().numpy().reshape(1, 3, HW)[0, :, coords] = finish.cpu().numpy().reshape(1, 3, HW)[0, :, coords]
        return scores


# ---------------------------------------------------------------- the expert twin
# The same metrics as Ocular's side (EvaluateSuite.cs), written as a competent PyTorch user writes them: every
# forward at Ocular's batch size (8), under torch.inference_mode, channels-last weights and inputs; the kept pixels of
# each keep level chosen for all images at once with topk (drop_Npercent's result: the top ceil(keep * HW) values
# kept, soft); the deletion/insertion images of 8 steps at a time built by one torch.where on each pixel's saliency
# rank (pixel p is changed at step k when rank(p) < k * step), in the normalised input space, as RISE's and Ocular's.
EXPERT_BATCH = 8   # EvaluationSettings.BatchSize's default
# The AD/IC and curve experts take make_model (default expert_model): the precision suite (precision.py) passes a
# network that returns float32 logits and runs them under bfloat16 autocast.


def expert_model():
    return resnet50().requires_grad_(False).to(memory_format=torch.channels_last)


def expert_probabilities(model, normalised):
    return torch.cat([model(chunk.contiguous(memory_format=torch.channels_last)).softmax(1)
                      for chunk in normalised.split(EXPERT_BATCH)])


def expert_ad_ic_workload(plan, make_model=None):
    model, norm = (make_model or expert_model)(), Normalize()
    images, maps = data(plan.per_sample)

    @torch.inference_mode()
    def body():
        n = images.size(0)
        clean = expert_probabilities(model, norm(images))
        y, k = clean.max(1)                                             # Y and the clean top-1
        flat = maps.flatten(1)
        for keep in (1.0, 0.5, 0.15):
            if keep == 1.0:
                kept = flat
            else:
                top = flat.topk(math.ceil(keep * HW), dim=1)
                kept = torch.zeros_like(flat).scatter_(1, top.indices, top.values)
            o = expert_probabilities(model, norm(images * kept.view(n, 1, SIZE, SIZE)))[torch.arange(n), k]
            ad = 100 * ((y - o).clamp_min(0) / y).mean().item()     # noqa: F841 (computed as Ocular's side does)
            ic = 100 * (o > y).float().mean().item()                # noqa: F841
    return throughput(sample(plan, body), plan.per_sample, IMAGES_PER_S, {"batch": EXPERT_BATCH})


def expert_curve(model, image, explanation, k, substrate, deletion):
    """p_k of the clean top-1 k for k = 0..n steps, scored EXPERT_BATCH images at a time; image [3, H, W] normalised."""
    n_steps = (HW + STEP - 1) // STEP
    order = explanation.flatten().argsort(descending=True)
    rank = torch.empty(HW, dtype=torch.long)
    rank[order] = torch.arange(HW)
    start, finish = (image, substrate) if deletion else (substrate, image)
    start, finish = start.reshape(3, HW), finish.reshape(3, HW)
    scores = []
    for steps in torch.arange(n_steps + 1).split(EXPERT_BATCH):
        changed = rank[None, :] < steps[:, None] * STEP               # [B, HW]
        batch = torch.where(changed[:, None, :], finish, start).view(-1, 3, SIZE, SIZE)
        scores.append(model(batch.contiguous(memory_format=torch.channels_last)).softmax(1)[:, k])
    return torch.cat(scores)


def expert_auc(curve):
    return ((curve.sum() - curve[0] / 2 - curve[-1] / 2) / (curve.numel() - 1)).item()


def expert_curves_workload(plan, make_model=None):
    model = (make_model or expert_model)()
    raw, maps = data(plan.per_sample)
    images = Normalize()(raw)
    kern = gkern(11, 5)

    @torch.inference_mode()
    def body():
        clean = expert_probabilities(model, images)
        for i in range(plan.per_sample):
            k = clean[i].argmax().item()
            image = images[i]
            expert_auc(expert_curve(model, image, maps[i], k, torch.zeros_like(image), deletion=True))
            blurred = F.conv2d(image[None], kern, padding=11 // 2)[0]
            expert_auc(expert_curve(model, image, maps[i], k, blurred, deletion=False))
    return throughput(sample(plan, body), plan.per_sample, IMAGES_PER_S, {"batch": EXPERT_BATCH})


# ---------------------------------------------------------------- pytorch-grad-cam's ROAD (metrics/road.py)
def load_pytorch_grad_cam():
    """(metrics.road, utils.model_targets) loaded by path from $PYTORCH_GRAD_CAM, without the package's __init__."""
    root = os.environ.get("PYTORCH_GRAD_CAM")
    if not root or not os.path.isfile(os.path.join(root, "pytorch_grad_cam", "metrics", "road.py")):
        raise RuntimeError("set PYTORCH_GRAD_CAM to a pytorch-grad-cam source directory (holding pytorch_grad_cam/metrics/road.py)")
    pkg = os.path.join(root, "pytorch_grad_cam")
    for name, path in (("pytorch_grad_cam", pkg), ("pytorch_grad_cam.metrics", os.path.join(pkg, "metrics")),
                       ("pytorch_grad_cam.utils", os.path.join(pkg, "utils"))):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [path]
            sys.modules[name] = module
    for name in ("metrics.perturbation_confidence", "metrics.road", "utils.model_targets"):
        full = "pytorch_grad_cam." + name
        if full not in sys.modules:
            spec = importlib.util.spec_from_file_location(full, os.path.join(pkg, *name.split(".")) + ".py")
            module = importlib.util.module_from_spec(spec)
            sys.modules[full] = module
            spec.loader.exec_module(module)
    return sys.modules["pytorch_grad_cam.metrics.road"], sys.modules["pytorch_grad_cam.utils.model_targets"]


def road_reference(road, targets_module, model, raw, cams):
    """pytorch-grad-cam's ROAD as its README uses it: one metric object per percentile and order."""
    with torch.no_grad():
        clean = model(raw).argmax(1)
    targets = [targets_module.ClassifierOutputSoftmaxTarget(int(c)) for c in clean]
    scores = {}
    for q in ROAD_PERCENTS:
        scores["morf", q] = road.ROADMostRelevantFirst(percentile=100 - q)(raw, cams, targets, model)
        scores["lerf", q] = road.ROADLeastRelevantFirst(percentile=100 - q)(raw, cams, targets, model)
    return scores


_NEIGHBOURS = [(-1, -1, 1 / 12), (-1, 0, 1 / 6), (-1, 1, 1 / 12), (0, -1, 1 / 6), (0, 1, 1 / 6),
               (1, -1, 1 / 12), (1, 0, 1 / 6), (1, 1, 1 / 12)]


def impute_expert(img, removed, generator, noise=0.01):
    """The same noisy linear imputation, the system assembled vectorised in COO/CSC (no lil_matrix) and
    factorised once for the three channels (scipy's SuperLU through spsolve with a matrix right-hand side)."""
    c, h, w = img.shape
    flat = img.reshape(c, -1).numpy().astype(np.float64)
    rem = removed.reshape(-1).numpy()
    ids = np.flatnonzero(rem)
    index = np.full(h * w, -1)
    index[ids] = np.arange(len(ids))
    ys, xs = np.divmod(ids, w)
    rows, cols, vals = [np.arange(len(ids))], [np.arange(len(ids))], []
    diag = np.zeros(len(ids))
    b = np.zeros((len(ids), c))
    for dy, dx, wt in _NEIGHBOURS:
        yy, xx = ys + dy, xs + dx
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        j = np.where(inside, yy * w + xx, 0)
        diag += wt * inside
        unknown = inside & rem[j]
        known = inside & ~rem[j]
        rows.append(np.flatnonzero(unknown))
        cols.append(index[j[unknown]])
        vals.append(np.full(int(unknown.sum()), -wt))
        b[known] += wt * flat[:, j[known]].T
    a = scipy.sparse.csc_matrix((np.concatenate([diag] + vals), (np.concatenate(rows), np.concatenate(cols))),
                                shape=(len(ids), len(ids)))
    v = scipy.sparse.linalg.spsolve(a, b).reshape(len(ids), c)
    out = flat.copy()
    out[:, ids] = v.T + noise * torch.randn(c, len(ids), generator=generator, dtype=torch.float64).numpy()
    return torch.from_numpy(out.astype(np.float32)).view(c, h, w)


def road_expert_scores(model, raw, maps, generator):
    """ROAD as a competent PyTorch user writes it: clean batch scored once, no_grad, channels-last, the removal
    sets by rank (the top round(q * H * W) pixels), each percentage's 8 imputed images scored as one batch."""
    n = raw.size(0)
    with torch.no_grad():
        probs = torch.softmax(model(raw.contiguous(memory_format=torch.channels_last)), 1)
        clean = probs.argmax(1)
        result = {}
        for name, descending in (("morf", True), ("lerf", False)):
            order = maps.reshape(n, -1).argsort(1, descending=descending)
            for q in ROAD_PERCENTS:
                removed = torch.zeros(n, HW, dtype=torch.bool)
                removed.scatter_(1, order[:, :round(q / 100 * HW)], True)
                imputed = torch.stack([impute_expert(raw[i], removed[i].view(SIZE, SIZE), generator) for i in range(n)])
                p = torch.softmax(model(imputed.contiguous(memory_format=torch.channels_last)), 1)
                result[name, q] = (p.argmax(1) == clean).float().mean().item()
    return result


# ---------------------------------------------------------------- workloads
def ad_ic_workload(plan):
    model = torch.nn.Sequential(Normalize(), resnet50()).eval()
    images, maps = data(plan.per_sample)

    def body():
        ad_ic(model, images, maps)
    return throughput(sample(plan, body), plan.per_sample, IMAGES_PER_S, {"batch": 1})


def curves_workload(plan):
    model = torch.nn.Sequential(resnet50(), torch.nn.Softmax(dim=1)).eval()
    raw, maps = data(plan.per_sample)
    images = Normalize()(raw)     # RISE works in the network's (normalised) input space
    explanations = maps.numpy()
    kern = gkern(11, 5)
    blur = lambda x: F.conv2d(x, kern, padding=11 // 2)
    deletion = CausalMetric(model, "del", STEP, substrate_fn=torch.zeros_like)
    insertion = CausalMetric(model, "ins", STEP, substrate_fn=blur)

    def body():
        with torch.no_grad():
            for i in range(plan.per_sample):
                auc(deletion.single_run(images[i:i + 1], explanations[i]))
                auc(insertion.single_run(images[i:i + 1], explanations[i]))
    return throughput(sample(plan, body), plan.per_sample, IMAGES_PER_S, {"batch": 1})


def road_workload(plan):
    road, targets_module = load_pytorch_grad_cam()
    model = torch.nn.Sequential(Normalize(), resnet50()).eval()
    raw, maps = data(plan.per_sample)
    cams = maps.numpy()

    def body():
        road_reference(road, targets_module, model, raw, cams)
    return throughput(sample(plan, body), plan.per_sample, IMAGES_PER_S, {"batch": plan.per_sample})


def road_expert(plan):
    """The expert twin of the ROAD workload (benchlib's Workload `expert=` field, when it exists)."""
    model = torch.nn.Sequential(Normalize(), resnet50()).eval().to(memory_format=torch.channels_last)
    raw, maps = data(plan.per_sample)
    generator = torch.Generator().manual_seed(0)

    def body():
        road_expert_scores(model, raw, maps, generator)
    return throughput(sample(plan, body), plan.per_sample, IMAGES_PER_S, {"batch": plan.per_sample})


def workloads():
    """The same list as EvaluateSuite.Workloads(): (name, run, target)."""
    return [
        Workload(f"evaluate_ad_ic_3keep_resnet50_{SIZE}", IMAGES_PER_S, AD_IC_FULL, AD_IC_QUICK, ad_ic_workload, TARGET,
                 expert_ad_ic_workload),
        Workload(f"evaluate_deletion_insertion_{HW // STEP}steps_resnet50_{SIZE}", IMAGES_PER_S, CURVES_FULL, CURVES_QUICK,
                 curves_workload, TARGET, expert_curves_workload),
        Workload(f"evaluate_road_morf_lerf_{len(ROAD_PERCENTS)}pct_resnet50_{SIZE}", IMAGES_PER_S, ROAD_FULL, ROAD_QUICK,
                 road_workload, TARGET, road_expert),
    ]


if __name__ == "__main__":
    sys.exit(main("evaluate", workloads))
