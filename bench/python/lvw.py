"""PyTorch twin of Ocular's `lvw` benchmark suite (bench/Ocular.Bench/Suites/LvwSuite.cs), issue 15.

Learnable Visual Words (reference/learnable-visual-words.md) with the Pets settings of the original settings.py: the
prototype network on ResNet-34 at 224 x 224, 37 classes, 185 words of dimension 128 (5 per class), the `regular' add-on
and the log similarity. Seeded random weights on every side (seed 0; the ImageNet weights of the original's
pretrained=True are not available here), synthetic data made once from a generator seeded 0 (no data loading).

Workloads (unit images/s):
  lvw_resnet34_train_step_224_b80   one training step of the joint phase: zero grad, forward, the LVW loss
                                    CE + 0.8 cluster + 1e-4 L1 + 10 align against alignment targets [B, 224, 224] in
                                    [0, 1], backward, Adam step with the joint optimizer's three parameter groups
                                    (trunk lr 1e-4 wd 1e-3, add-on 3e-3 wd 1e-3, words 3e-3). Target >= 1.0.
  lvw_resnet34_push_224_n150        one push (projection of all 185 words, with the receptive-field and high-activation
                                    boxes of the winning patches) over 150 images in [0, 1], batch 75 (the original's
                                    train_push_batch_size), evaluation mode. The words are reset to their initial
                                    values at the start of every sample, so that every sample does the same push.
                                    Target >= 2.0.

Reference-style twin (--style reference): the original code as written, loaded by path from $LVW (a checkout of
LearnableVW/Learnable-Visual-Words at revision 4c1fa7e, or a bare clone: the files are then read at its HEAD with git
show): model.py's construct_PPNet (with resnet_features.py's trunk and receptive_field.py's rf info) under
torch.nn.DataParallel (on a machine without CUDA it calls the module directly), train_and_test.py's joint() and
train(..., class_specific=False, coefs=settings.coefs, train_attn=True) on a one-batch "dataloader" of the 4-channel
input (image + target map, as main_lvw.py's combined_data) with a torch.optim.Adam built as main_lvw.py builds the
joint optimizer; push.py's push_prototypes(class_specific=False, preprocess_input_function of preprocess.py,
root_dir_for_saving_prototypes=None: nothing saved) over a DataLoader of the 4-channel images, batch 75, shuffle off.
train_and_test.py turns torch.autograd.set_detect_anomaly(True) on at import (defect 8.9): the reference keeps it,
as written, for both workloads of its process. Shims that only let the code run here (the same as
tests/fixtures/lvw/make_reference.py): Tensor.cuda and Module.cuda are the identity; matplotlib.pyplot (push.py imports
it, and uses it only to save pictures, which is not asked for) is an empty module where matplotlib is not installed.
Everything the original prints to stdout goes to stderr (stdout carries the JSON lines).

Expert twin (--style expert): the same original modules (same layers and initialisation), anomaly detection off, the
step written as an expert would: the distances with ||z||^2 as a channel sum (not a convolution with 185 kernels of
ones), the loss in a few fused expressions, zero_grad(set_to_none=True), Adam(foreach=True), the last layer frozen (the
joint optimizer does not hold it; Ocular's trainer freezes it too), only the loss read back. The push vectorised:
per batch one min over [P, B*h*w] under inference_mode, the improved words' patches and distance maps gathered at once,
and the boxes computed once per word after the pass (the original recomputes them at every improvement); the same
words and boxes as push.py (bench/investigations/check_lvw_expert.py). Memory layout by measurement: see
EXPERT_CHANNELS_LAST.

Run: LVW=/path/to/Learnable-Visual-Words /usr/bin/python3 bench/python/lvw.py [--style reference|expert] [--quick] ...
"""
import contextlib
import importlib
import math
import os
import sys

import cv2
import numpy as np
import torch
import torch.nn.functional as F

import benchlib
from benchlib import IMAGES_PER_S, Plan, Workload, main, resident_mb, sample, throughput

ARCH = "lvw_resnet34"
SIZE = 224
CLASSES = 37
WORDS_PER_CLASS = 5
DIMENSION = 128
TRAIN_BATCH = 80          # settings.train_batch_size
PUSH_IMAGES = 150         # two of the original's push batches
PUSH_BATCH = 75           # settings.train_push_batch_size
JOINT_LRS = {"features": 1e-4, "add_on_layers": 3e-3, "prototype_vectors": 3e-3}  # settings.joint_optimizer_lrs
WEIGHT_DECAY = 1e-3       # main_lvw.py's joint_optimizer_specs
COEFS = {"crs_ent": 1, "clst": 0.8, "l1": 1e-4}  # settings.coefs without the unused 'sep'
ALIGN_WEIGHT = 10         # hard-coded in train_and_test.py
ALIGN_WORDS = 10          # _train_or_test's k
EPSILON = 1e-4            # PPNet.epsilon
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

# (name, full plan, quick plan, target): the same list as LvwSuite's.
TRAIN = (f"{ARCH}_train_step_{SIZE}_b{TRAIN_BATCH}", Plan(1, 3), Plan(0, 1), 1.0)
PUSH = (f"{ARCH}_push_{SIZE}_n{PUSH_IMAGES}", Plan(1, 3), Plan(0, 1), 2.0)

# The expert's memory layout, chosen by measurement (bench/investigations/lvw_layout.py BATCH ROUNDS: the expert's step in
# both layouts, alternating in one process, CPU seconds per step): at 224 px, batch 16, 2 threads, 2 rounds (load average
# 14-16), NCHW 8.1 and 8.6 s against channels-last 9.7 and 9.9 s (AMD EPYC with AVX2; oneDNN's convolutions, as for the
# lficam suite's 224 px rows). So: NCHW.
EXPERT_CHANNELS_LAST = False

REPOSITORY = "LearnableVW/Learnable-Visual-Words (revision 4c1fa7e)"
# The original's top-level modules that the twin may import (model.py imports the three feature files).
ORIGINAL_MODULES = ("settings", "helpers", "receptive_field", "resnet_features", "densenet_features", "vgg_features",
                    "model", "preprocess", "train_and_test", "push")


# ---------------------------------------------------------------- the original files, loaded by path

def read_original(rel):
    """(source text, where it came from) of `rel` in the repository that $LVW names (benchlib.read_original)."""
    return benchlib.read_original("LVW", rel, REPOSITORY, "lvw")


_shimmed = False


def original(name):
    """The original module `name` (model, train_and_test, push, ...), imported once with the shims."""
    global _shimmed
    if not _shimmed:
        read_original("model.py")  # fail early, with the message about $LVW
        torch.Tensor.cuda = lambda self, *args, **kwargs: self
        torch.nn.Module.cuda = lambda self, *args, **kwargs: self
        try:
            import matplotlib.pyplot  # noqa: F401  (push.py imports it; used only to save pictures)
        except ImportError:
            sys.modules["matplotlib"] = type(sys)("matplotlib")
            sys.modules["matplotlib.pyplot"] = type(sys)("matplotlib.pyplot")
        sys.meta_path.insert(0, benchlib.OriginalFinder(ORIGINAL_MODULES, read_original))
        _shimmed = True
    with contextlib.redirect_stdout(sys.stderr):
        return importlib.import_module(name)


def check_settings():
    """The suite's constants are the original's Pets settings (settings.py, main_lvw.py)."""
    s = original("settings")
    assert s.base_architecture == "resnet34" and s.img_size == SIZE and s.num_classes == CLASSES, "settings.py: not the Pets settings"
    assert tuple(s.prototype_shape) == (CLASSES * WORDS_PER_CLASS, DIMENSION, 1, 1), f"settings.py: prototype_shape {s.prototype_shape}"
    assert s.train_batch_size == TRAIN_BATCH and s.train_push_batch_size == PUSH_BATCH, "settings.py: other batch sizes"
    assert s.joint_optimizer_lrs == JOINT_LRS, f"settings.py: joint_optimizer_lrs {s.joint_optimizer_lrs}"
    assert all(s.coefs[k] == v for k, v in COEFS.items()), f"settings.py: coefs {s.coefs}"
    assert s.prototype_activation_function == "log" and s.add_on_layers_type == "regular"
    return s


def build():
    """The original network with the Pets settings (model.construct_PPNet), seed 0, random weights."""
    s = check_settings()
    model_py = original("model")
    torch.manual_seed(0)
    net = model_py.construct_PPNet(base_architecture=s.base_architecture, pretrained=False, img_size=s.img_size,
                                   prototype_shape=s.prototype_shape, num_classes=s.num_classes,
                                   prototype_activation_function=s.prototype_activation_function,
                                   add_on_layers_type=s.add_on_layers_type)
    return net, model_py.__file__


def joint_optimizer(net, foreach=None):
    """main_lvw.py's joint optimizer: Adam over three parameter groups (no last layer)."""
    specs = [{"params": net.features.parameters(), "lr": JOINT_LRS["features"], "weight_decay": WEIGHT_DECAY},
             {"params": net.add_on_layers.parameters(), "lr": JOINT_LRS["add_on_layers"], "weight_decay": WEIGHT_DECAY},
             {"params": net.prototype_vectors, "lr": JOINT_LRS["prototype_vectors"]}]
    return torch.optim.Adam(specs) if foreach is None else torch.optim.Adam(specs, foreach=foreach)


def train_batch(batch):
    """Standard normal (normalised) images [B, 3, 224, 224], targets [B, 224, 224] in [0, 1), labels: the C# side's draws."""
    g = torch.Generator().manual_seed(0)
    images = torch.randn(batch, 3, SIZE, SIZE, generator=g)
    targets = torch.rand(batch, SIZE, SIZE, generator=g)
    labels = torch.randint(0, CLASSES, (batch,), generator=g)
    return images, targets, labels


def push_data(n):
    """Images [N, 3, 224, 224] in [0, 1) and labels: the C# side's draws."""
    g = torch.Generator().manual_seed(0)
    images = torch.rand(n, 3, SIZE, SIZE, generator=g)
    labels = torch.randint(0, CLASSES, (n,), generator=g)
    return images, labels


def parameters(net):
    return sum(p.numel() for p in net.parameters() if p is not net.ones)


def distinct_words(words):
    """How many distinct word vectors (after a push: distinct patches, since words on one patch are equal)."""
    return len({tuple(row) for row in words.reshape(words.shape[0], -1).tolist()})


# ---------------------------------------------------------------- training step

def train_reference(plan, batch=TRAIN_BATCH):
    rss_base = resident_mb()
    tnt = original("train_and_test")  # turns anomaly detection on, as written (defect 8.9)
    s = original("settings")
    net, origin = build()
    ppnet_multi = torch.nn.DataParallel(net)
    optimizer = joint_optimizer(net)
    images, targets, labels = train_batch(batch)
    loader = [(torch.cat([images, targets.unsqueeze(1)], dim=1), labels)]  # combined_data's 4-channel input
    state = {}
    tnt.joint(model=ppnet_multi, log=lambda *_: None)
    words0 = net.prototype_vectors.detach().clone()

    def body():
        lines = []
        with contextlib.redirect_stdout(sys.stderr):  # train() prints "True"
            state["accuracy"] = tnt.train(model=ppnet_multi, dataloader=loader, optimizer=optimizer, class_specific=False,
                                          coefs=s.coefs, log=lines.append, train_attn=True)
        state["log"] = lines

    samples = sample(plan, body)
    logged = {}
    for line in state["log"]:
        key, _, value = line.strip().partition(":")
        try:
            logged[key.strip()] = float(value.strip().rstrip("%"))
        except ValueError:
            pass
    ce, cluster = logged.get("cross ent", math.nan), logged.get("cluster", math.nan)
    moved = (net.prototype_vectors.detach() - words0).abs().max().item()
    if not (math.isfinite(ce) and math.isfinite(cluster)) or not moved > 0:
        raise RuntimeError(f"sanity: cross entropy {ce}, cluster {cluster}, words moved by {moved}")
    return throughput(samples, batch, IMAGES_PER_S, {
        "batch": batch, "size": SIZE, "classes": CLASSES, "words": net.num_prototypes, "dimension": DIMENSION,
        "parameters": parameters(net), "cross_entropy": ce, "cluster": cluster, "words_moved": moved,
        "anomaly_detection": torch.is_anomaly_enabled(), "inputs_sum": images.double().sum().item(), "rss_base_mb": rss_base,
        "original": origin})


def distances(net, z):
    """||z||^2 - 2 z.p + ||p||^2, clamped at 0 (model.py's _l2_convolution, ||z||^2 as a channel sum)."""
    p = net.prototype_vectors
    return (z.pow(2).sum(1, keepdim=True) - 2 * F.conv2d(z, p) + p.pow(2).sum((1, 2, 3)).view(-1, 1, 1)).relu()


def similarity(d):
    return torch.log((d + 1) / (d + EPSILON))


def lvw_loss(net, images, targets, labels):
    """The LVW loss (reference section 3) over the original's layers; (total, cross entropy, logits)."""
    d = distances(net, net.conv_features(images))                    # [B, P, h, w]
    n, p, h, w = d.shape
    min_d = d.flatten(2).min(2).values                              # the gradient to one position, as -max_pool(-d)
    logits = net.last_layer(similarity(min_d))
    ce = F.cross_entropy(logits, labels)
    cluster = min_d.min(1).values.mean()
    l1 = net.last_layer.weight.abs().sum()
    with torch.no_grad():
        closest = min_d.topk(ALIGN_WORDS, 1, largest=False).indices
    chosen = similarity(d).gather(1, closest.view(n, ALIGN_WORDS, 1, 1).expand(n, ALIGN_WORDS, h, w))
    pooled = F.interpolate(chosen, size=targets.shape[1:], mode="bilinear", align_corners=True).max(1).values.view(n, -1)
    align = F.mse_loss(pooled / (pooled.max(1, keepdim=True).values + 1e-5), targets.view(n, -1))
    total = COEFS["crs_ent"] * ce + COEFS["clst"] * cluster + COEFS["l1"] * l1 + ALIGN_WEIGHT * align
    return total, ce, logits


def train_expert(plan, batch=TRAIN_BATCH, channels_last=None):
    channels_last = EXPERT_CHANNELS_LAST if channels_last is None else channels_last
    torch.autograd.set_detect_anomaly(False)
    rss_base = resident_mb()
    net, origin = build()
    layout = torch.channels_last if channels_last else torch.contiguous_format
    net = net.to(memory_format=layout)
    net.train()
    net.last_layer.weight.requires_grad_(False)  # not in the joint optimizer (as Ocular's trainer, which freezes it)
    optimizer = joint_optimizer(net, foreach=True)
    images, targets, labels = train_batch(batch)
    images = images.contiguous(memory_format=layout)
    state = {}
    words0 = net.prototype_vectors.detach().clone()

    def body():
        optimizer.zero_grad(set_to_none=True)
        total, ce, logits = lvw_loss(net, images, targets, labels)
        total.backward()
        optimizer.step()
        state["loss"] = total.item()
        state["ce"] = ce.item()

    samples = sample(plan, body)
    moved = (net.prototype_vectors.detach() - words0).abs().max().item()
    if not math.isfinite(state["loss"]) or not moved > 0:
        raise RuntimeError(f"sanity: loss {state['loss']}, words moved by {moved}")
    return throughput(samples, batch, IMAGES_PER_S, {
        "batch": batch, "size": SIZE, "classes": CLASSES, "words": net.num_prototypes, "dimension": DIMENSION,
        "parameters": parameters(net), "loss": state["loss"], "cross_entropy": state["ce"], "words_moved": moved,
        "anomaly_detection": torch.is_anomaly_enabled(), "layout": "channels_last" if channels_last else "nchw",
        "inputs_sum": images.double().sum().item(), "rss_base_mb": rss_base, "original": origin})


# ---------------------------------------------------------------- push

def push_reference(plan, n=PUSH_IMAGES, batch=PUSH_BATCH):
    rss_base = resident_mb()
    original("train_and_test")  # main_lvw.py imports it before pushing: anomaly detection is on in the original's process
    push_py = original("push")
    preprocess = original("preprocess")
    net, origin = build()
    ppnet_multi = torch.nn.DataParallel(net)
    images, labels = push_data(n)
    # main_lvw.py's push loader yields combined_data's 4-channel tensors (push.py drops the 4th); in memory, no workers.
    four = torch.cat([images, torch.rand(n, 1, SIZE, SIZE, generator=torch.Generator().manual_seed(1))], dim=1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(four, labels), batch_size=batch, shuffle=False, num_workers=0)
    words0 = net.prototype_vectors.detach().clone()

    def body():
        with torch.no_grad():
            net.prototype_vectors.copy_(words0)
        push_py.push_prototypes(loader, prototype_network_parallel=ppnet_multi, class_specific=False,
                                preprocess_input_function=preprocess.preprocess_input_function, prototype_layer_stride=1,
                                root_dir_for_saving_prototypes=None, epoch_number=None, prototype_img_filename_prefix=None,
                                prototype_self_act_filename_prefix=None, proto_bound_boxes_filename_prefix=None,
                                save_prototype_class_identity=True, log=lambda *_: None)

    samples = sample(plan, body)
    return throughput(samples, n, IMAGES_PER_S, push_extras(net, words0, images, batch, rss_base, origin))


def push_extras(net, words0, images, batch, rss_base, origin):
    words = net.prototype_vectors.detach()
    changed = int(((words - words0).flatten(1).abs().amax(1) > 0).sum())
    if changed == 0 or not torch.isfinite(words).all():
        raise RuntimeError(f"sanity: the push changed {changed} of {words.shape[0]} words")
    return {"images": images.shape[0], "batch": batch, "size": SIZE, "words": net.num_prototypes, "dimension": DIMENSION,
            "words_changed": changed, "distinct_patches": distinct_words(words), "inputs_sum": images.double().sum().item(), "rss_base_mb": rss_base,
            "original": origin}


def high_activation_boxes(maps, size):
    """find_high_activation_crop (helpers.py) of every word at once: the similarity of each distance map [P, h, w]
    upsampled with OpenCV's bicubic (cv2.resize, as push.py), the box [y0, y1, x0, x1) of the pixels >= its 95th
    percentile."""
    act = np.log((maps + 1) / (maps + EPSILON))
    up = np.stack([cv2.resize(a, dsize=(size, size), interpolation=cv2.INTER_CUBIC) for a in act])
    mask = up >= np.percentile(up, 95, axis=(1, 2))[:, None, None]
    rows, cols = mask.any(2), mask.any(1)
    last = size - 1
    return np.stack([rows.argmax(1), last - rows[:, ::-1].argmax(1) + 1, cols.argmax(1), last - cols[:, ::-1].argmax(1) + 1], 1)


def push_vectorised(net, images, labels, batch, rf_info, compute_rf_prototype):
    """The push of every word at once per batch: (rf boxes [P, 6], high-activation boxes [P, 6]) as push.py's, words set."""
    net.eval()
    p = net.num_prototypes
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    best = torch.full((p,), math.inf)
    patches = torch.zeros(p, DIMENSION)
    source = torch.zeros(p, 3, dtype=torch.long)   # image, y, x
    maps = None
    with torch.inference_mode():
        for start in range(0, images.shape[0], batch):
            z = net.conv_features((images[start:start + batch] - mean) / std)
            d = distances(net, z)
            b, _, h, w = d.shape
            if maps is None:
                maps = torch.zeros(p, h, w)
            values, flat = d.transpose(0, 1).reshape(p, -1).min(1)
            improved = (values < best).nonzero().squeeze(1)
            if improved.numel() == 0:
                continue
            flat = flat[improved]
            image, position = flat // (h * w), flat % (h * w)
            best[improved] = values[improved]
            patches[improved] = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])[flat]
            maps[improved] = d[image, improved]
            source[improved] = torch.stack([image + start, position // w, position % w], 1)
        net.prototype_vectors.copy_(patches.view(net.prototype_vectors.shape))
    size = images.shape[2]
    src = source.tolist()
    label = labels[source[:, 0]].tolist()
    rf = np.array([compute_rf_prototype(size, s, rf_info) + [label[j]] for j, s in enumerate(src)])
    high = high_activation_boxes(maps.numpy(), size)
    high = np.concatenate([source[:, :1].numpy(), high, np.array(label)[:, None]], 1)
    return rf, high


def push_expert(plan, n=PUSH_IMAGES, batch=PUSH_BATCH):
    torch.autograd.set_detect_anomaly(False)
    rss_base = resident_mb()
    compute_rf_prototype = original("receptive_field").compute_rf_prototype
    net, origin = build()
    images, labels = push_data(n)
    words0 = net.prototype_vectors.detach().clone()
    state = {}

    def body():
        with torch.no_grad():
            net.prototype_vectors.copy_(words0)
        state["rf"], state["high"] = push_vectorised(net, images, labels, batch, net.proto_layer_rf_info, compute_rf_prototype)

    samples = sample(plan, body)
    return throughput(samples, n, IMAGES_PER_S, push_extras(net, words0, images, batch, rss_base, origin))


def workloads():
    (train_name, train_full, train_quick, train_target), (push_name, push_full, push_quick, push_target) = TRAIN, PUSH
    return [Workload(train_name, IMAGES_PER_S, train_full, train_quick, train_reference, train_target, expert=train_expert),
            Workload(push_name, IMAGES_PER_S, push_full, push_quick, push_reference, push_target, expert=push_expert)]


if __name__ == "__main__":
    sys.exit(main("lvw", workloads))
