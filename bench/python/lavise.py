"""PyTorch twin of Ocular's `lavise` benchmark suite (bench/Ocular.Bench/Suites/LaviseSuite*.cs), issue 16.

LaViSE (reference/lavise.md) on torchvision's ResNet-18 at 224 x 224, explained at layer4 (d = 512, 7 x 7) into a 300-d
word space. Seeded random weights on every side (seed 0; the ImageNet weights of the original's pretrained=True are not
available here); synthetic data drawn from libtorch generators as the C# side draws them (concept_images: normalised
images, one box mask per image as a COCO annotation's mask, one of COCO's 91 categories; random word vectors), so the
JSON lines' inputs_sum, mask_pixels, concepts_sum and words_sum are equal on all sides. No file is read and no image
decoded in a timed region (the original's dataset classes read JPEGs and torch.load the label file per sample: left out
on every side).

Workloads:
  lavise_resnet18_train_step_224_b16           one training step on 16 images with one concept mask each: the frozen
                                               network to layer4, mask * F, global average pool, the explainer MLP,
                                               the CSMR loss against COCO's 102 label columns, backward, Adam (lr 1e-4).
                                               images/s, target >= 1.0.
  lavise_resnet18_train_epochs_cached_n256_e3  3 epochs (the original's default) over 256 images x 1 mask, batch 16.
                                               pairs/s over the whole run, target >= 5 (Ocular builds a pair cache once;
                                               the original recomputes the frozen network every epoch). Extra fields:
                                               build_s, epoch_s, epoch_pairs_per_s (the steady-state epoch).
  lavise_resnet18_explain_all_filters_n200     every one of the 512 layer4 filters explained with p = 25 top images over
                                               200 reference images, method projection, s = 5, x = 10, each image's words
                                               repeated int(max activation) times (the original's weighting), against
                                               V = 20,000 random 300-d words. filters/s, target >= 5. --quick: the first
                                               32 filters (the plan's n).
  lavise_topk_400k_300_b25                     25 queries, top 20 of 400,000 x 300 normalised random vectors. ms/batch.

Reference-style twin (--style reference): the original files of YuYang0901/LaViSE (revision c16a9d1), loaded by path
from $LAVISE (a checkout, an exported tree, or a bare clone: files then read at HEAD with git show):
  - model_loader.setup_explainer(random_feature=True) builds the network (torchvision resnet18, modules between layer4
    and fc replaced by Identity except avgpool, fc replaced by the explainer MLP; the settings fields it reads but the
    original's argparse never defines, target_layer / classifier_name / model_checkpoint, are given, defect 8.9);
  - train_explainer.train_one_epoch(...) runs the training: model.train() then set_bn_eval (every BatchNorm in eval
    mode, the explainer's too, defect 8.7), the model._modules walk with `predict * mask` after layer4,
    train_helpers.CSMRLoss, the per-step top-1/top-5 argsort bookkeeping, Adam on fc; its loader is a DataLoader
    (shuffle=True, no workers: the original's defaults) over an in-memory data set whose __getitem__ is
    image_datasets.MyCocoSegmentation.__getitem__ after its file reads: the multi-hot target built from
    coco_label_embedding.pth's stoi/itos (read once from $LAVISE) and the mask through image_datasets.mask_process(7)
    (ToPILImage, Resize 256 nearest, CenterCrop 224, Resize 7 nearest, ToTensor: values 1/255, defect 8.4).
    The label index passed is that of all 102 columns, as the VG setting passes its seen columns: the COCO setting's
    train_label_index = None makes the loop slice target[:, None], a [B, 1, L] target that CSMRLoss broadcasts against
    the [B, L] cosines, so its positive mean is 0/0 in most entries: the NaN entries of the loss are zeroed, but every
    gradient is NaN and one Adam step turns the explainer's weights to NaN (the original's COCO training cannot train).
    BATCH 16, not the original's default 1: at batch 1, batch[1].squeeze(0) leaves a 1-d target on which the loop's
    target[:, idx] and its accuracy bookkeeping target[i, pred[0]] raise IndexError (COCO's samples are single
    annotations; VG's batch of 1 is one image's objects, K rows); 16 is the batch of Ocular's side.
    No validation pass and no scheduler (Ocular's side has none either).
  - infer_filter.py's loop for every filter: the max activations of all filters from one pass (the original keeps one
    filter's, and argsorts a 1-d array along axis 1, defect 8.9), then per filter a Subset + DataLoader(batch_size=1)
    of its 25 top images, per image: the module walk to layer4, cv2.resize of F_u, infer_filter.explain('projection',
    ...) (called with its arguments in the declared order; the original passes them in the wrong order, defect 8.9),
    the full torch.mm against the [300, V] vocabulary with its norms, torch.sort of every score, np.repeat by
    int(weight); then np.unique / argsort ranking of the top x. The entities.txt filter after the cut is left out (no
    random word is an entity; Ocular's default has no vocabulary filter). T_u is read from a .npy file as the original's
    --thresh-path (computed before the timed region: the original never computes it, defect 8.2).
  - top-k: the original's score expression (torch.mm by the query and vocabulary norms, recomputed each call) and a full
    torch.sort of every score, for the batch of 25 at once.
Shims that only let the code run here (as tests/fixtures/lavise/make_reference.py): Tensor.cuda and Module.cuda are
the identity; torchtext.vocab.GloVe (not installed; replaced by the random vocabulary) and matplotlib.pyplot (imported
by train_explainer.py, used only to plot losses) are empty modules where missing. What the original prints to stdout
goes to stderr.

Expert twin (--style expert): torchvision's resnet18 (the same initialisation) cut at layer4, frozen, channels-last,
features under torch.no_grad, masks brought to 7 x 7 batched (nearest-exact), the explainer MLP in training mode (train-
mode batch norm, as Ocular's default), the CSMR loss in a few tensor expressions, Adam(foreach=True),
zero_grad(set_to_none=True); epochs recompute the network (no cache: an expert without one); the filters: features of
the 200 images once (batches of 32, inference_mode, channels-last), T_u by torch.quantile, top-25 images per filter by
topk, the projection inputs of all (filter, image) pairs from each image's Gram matrix F F^T, the explainer and the
scores batched, topk(5), the weighted counts by one scatter_add per filter block, the ranking by a stable sort (ties by
ascending row, as Ocular), and the recall's ground truth as Ocular computes it (R_u upsampled to 224² per filter, its
IoU with each top image's concept mask; `truth_pairs` on both sides); top-k: F.normalize(q) @ V.T and topk.

Run: LAVISE=/path/to/LaViSE /usr/bin/python3 bench/python/lavise.py [--style reference|expert] [--quick] ...
"""
import argparse
import contextlib
import importlib
import io
import math
import os
import subprocess
import sys
import tempfile
import time
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import benchlib
from benchlib import IMAGES_PER_S, Plan, Workload, main, resident_mb, sample, throughput, time_per

ARCH = "resnet18"
LAYER = "layer4"
SIZE = 224
EMBEDDING = 300
LR = 1e-4
MARGIN = 1.0
TRAIN_BATCH = 16
EPOCH_IMAGES = 256
EPOCHS = 3
REFERENCE_IMAGES = 200
FILTERS = 512
QUICK_FILTERS = 32
REFERENCE_STRIDE = 8      # the reference explains filters 0, 8, 16, ... and extrapolates (see explain_filters_reference)
VOCABULARY = 20_000
TOP_IMAGES = 25           # infer_filter.py --p
IOU_THRESHOLD = 0.04      # the recall's ground truth (lavise.md §5.2)
WORDS_PER_IMAGE = 5       # --s
WORDS_PER_FILTER = 10     # --num-output
STATISTICS_BATCH = 32
TABLE_ROWS = 400_000
QUERIES = 25
NEAREST = 20
QUANTILE = 0.995
PAIRS_PER_S = "pairs/s"
FILTERS_PER_S = "filters/s"
MS_PER_BATCH = "ms/batch"

# COCO's 91 category names in category-id order: the keys of data/coco/coco_label_embedding.pth (stoi), checked against it.
COCO_NAMES = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light", "fire hydrant",
    "street sign", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear",
    "zebra", "giraffe", "hat", "backpack", "umbrella", "shoe", "eyeglasses", "handbag", "tie", "suitcase", "frisbee", "skis",
    "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "plate", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot",
    "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed", "mirror", "dining table", "window", "desk",
    "toilet", "door", "tv", "laptop", "mouse", "remote", "keyboard", "cellphone", "microwave", "oven", "toaster", "sink",
    "refrigerator", "blender", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush", "hairbrush",
]
# The 102 label words: the names split at spaces, distinct, in order of first appearance (the original's itos order).
LABEL_WORDS = list(dict.fromkeys(w for name in COCO_NAMES for w in name.split(" ")))

# (name, unit, full plan, quick plan, target): the same list as LaviseSuite.Workloads().
TRAIN_STEP = (f"lavise_{ARCH}_train_step_{SIZE}_b{TRAIN_BATCH}", IMAGES_PER_S, Plan(1, 5), Plan(1, 2), 1.0)
TRAIN_EPOCHS = (f"lavise_{ARCH}_train_epochs_cached_n{EPOCH_IMAGES}_e{EPOCHS}", PAIRS_PER_S, Plan(0, 1), Plan(0, 1), 5.0)
FILTER_WORDS = (f"lavise_{ARCH}_explain_all_filters_n{REFERENCE_IMAGES}", FILTERS_PER_S, Plan(0, 1, FILTERS),
                Plan(0, 1, QUICK_FILTERS), 5.0)
TOP_K = (f"lavise_topk_{TABLE_ROWS // 1000}k_{EMBEDDING}_b{QUERIES}", MS_PER_BATCH, Plan(2, 10), Plan(1, 3), None)

REPOSITORY = "YuYang0901/LaViSE (revision c16a9d1)"
ORIGINAL_MODULES = ("train_helpers", "model_loader", "image_datasets", "train_explainer", "infer_filter")
LABEL_FILE = "data/coco/coco_label_embedding.pth"


# ---------------------------------------------------------------- the original files, loaded by path

def read_original(rel):
    """(source text, where it came from) of `rel` in the repository that $LAVISE names (benchlib.read_original)."""
    return benchlib.read_original("LAVISE", rel, REPOSITORY, "lavise")


def read_original_bytes(rel):
    """The bytes of `rel` in $LAVISE (a checkout or exported tree, or a bare clone read at HEAD)."""
    read_original("train_helpers.py")  # fail early, with the message about $LAVISE
    root = os.environ["LAVISE"]
    path = os.path.join(root, rel)
    if os.path.isfile(path):
        with open(path, "rb") as f:
            return f.read()
    return subprocess.run(["git", "-C", root, "show", f"HEAD:{rel}"], capture_output=True, check=True).stdout


_shimmed = False


def original(name):
    """The original module `name`, imported once with the shims."""
    global _shimmed
    if not _shimmed:
        read_original("train_helpers.py")  # fail early, with the message about $LAVISE
        torch.Tensor.cuda = lambda self, *args, **kwargs: self
        torch.nn.Module.cuda = lambda self, *args, **kwargs: self
        for missing in ("torchtext", "matplotlib"):
            try:
                importlib.import_module(missing)
            except ImportError:
                sys.modules[missing] = types.ModuleType(missing)
        if not hasattr(sys.modules["torchtext"], "vocab"):
            sys.modules["torchtext"].vocab = sys.modules["torchtext.vocab"] = types.ModuleType("torchtext.vocab")
            sys.modules["torchtext.vocab"].GloVe = None  # never called: the twin brings its own vocabulary
        if "matplotlib.pyplot" not in sys.modules and not hasattr(sys.modules["matplotlib"], "pyplot"):
            sys.modules["matplotlib"].pyplot = sys.modules["matplotlib.pyplot"] = types.ModuleType("matplotlib.pyplot")
        sys.meta_path.insert(0, benchlib.OriginalFinder(ORIGINAL_MODULES, read_original))
        _shimmed = True
    with contextlib.redirect_stdout(sys.stderr):
        return importlib.import_module(name)


def label_embedding():
    """The original's data/coco/coco_label_embedding.pth ({'stoi': name -> GloVe rows, 'itos': row -> name}), checked."""
    table = torch.load(io.BytesIO(read_original_bytes(LABEL_FILE)))
    assert list(table["stoi"]) == COCO_NAMES, "coco_label_embedding.pth: not COCO's 91 names in the suite's order"
    assert len(table["itos"]) == len(LABEL_WORDS) == 102
    return table


def settings():
    """What setup_explainer reads (the fields the original's argparse lacks included, defect 8.9)."""
    return argparse.Namespace(model=ARCH, target_layer=LAYER, classifier_name="fc", word_embedding_dim=EMBEDDING,
                              model_checkpoint=None, layer=LAYER, save_every=1000)


def original_model():
    """model_loader.setup_explainer(random_feature=True) with seed 0: resnet18 cut after layer4, fc = the explainer."""
    loader = original("model_loader")
    torch.manual_seed(0)
    with warnings_quiet():
        model = loader.setup_explainer(settings(), random_feature=True)
    # infer_filter.py and train_explainer.py compare module names with `is`: make sure the walk will meet the layer.
    assert any(name is LAYER for name in model._modules), "the module walk would never stop at layer4"
    return model


@contextlib.contextmanager
def warnings_quiet():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# ---------------------------------------------------------------- the data (the C# side's draws)

def concept_images(n):
    """(images [n, 3, S, S] standard normal, masks uint8 [n, S, S] one box each, concept index [n]): LaviseConceptImages."""
    g = torch.Generator().manual_seed(0)
    images = torch.randn(n, 3, SIZE, SIZE, generator=g)
    corners = torch.randint(0, SIZE // 2, (n, 2), generator=g)
    sizes = torch.randint(SIZE // 4, SIZE // 2 + 1, (n, 2), generator=g)
    concepts = torch.randint(0, len(COCO_NAMES), (n,), generator=g)
    masks = np.zeros((n, SIZE, SIZE), dtype=np.uint8)
    for i, ((y, x), (h, w)) in enumerate(zip(corners.tolist(), sizes.tolist())):
        masks[i, y:y + h, x:x + w] = 1
    return images, masks, concepts


def random_vectors(rows, seed):
    return torch.randn(rows, EMBEDDING, generator=torch.Generator().manual_seed(seed))


def normalised_sum(vectors):
    """The sum of the L2-normalised rows (float64): Ocular's tables hold the normalised vectors."""
    return F.normalize(vectors, dim=1).double().sum().item()


def word_names(count):
    return [f"w{i:06d}" for i in range(count)]


def data_extras(images, masks, concepts):
    return {"inputs_sum": images.double().sum().item(), "mask_pixels": int(masks.sum()), "concepts_sum": int(concepts.sum())}


def parameters_sum(module):
    return sum(p.detach().double().sum().item() for p in module.parameters())


def trunk_sum(model):
    """The sum of the frozen network's parameters, conv1 ... layer4 (not fc: the 1000-class head or the explainer)."""
    return sum(p.detach().double().sum().item() for n, p in model.named_parameters() if not n.startswith("fc."))


# ---------------------------------------------------------------- training: reference

class CocoAnnotations(torch.utils.data.Dataset):
    """One sample per annotation, as image_datasets.MyCocoSegmentation.__getitem__ after its file reads: the transformed
    image (here already a normalised tensor), the multi-hot target over the 102 word columns built from the label file's
    stoi / itos as written, and the mask through the original's mask_process(7)."""

    def __init__(self, images, masks, concepts, table, mask_process):
        self.images, self.masks, self.concepts, self.table = images, masks, concepts.tolist(), table
        self.mask_process = mask_process
        self.dim = 7

    def __len__(self):
        return len(self.concepts)

    def __getitem__(self, index):
        mask = self.masks[index]                      # coco.annToMask(ann): uint8 [H, W]
        label_embedding = self.table                  # the original torch.loads the file here, per sample
        target_onehot = torch.zeros((len(label_embedding['itos']),))
        idxs = list(label_embedding['stoi'].values())[self.concepts[index]]   # [ann['category_id'] - 1]
        for idx in idxs:
            i = list(label_embedding['itos'].keys()).index(idx)
            target_onehot[i] = 1
        img = self.images[index]                      # self.transform(Image.open(...)): no file here
        mask_transform = self.mask_process(self.dim)
        mask = mask_transform(mask)
        return img, target_onehot, mask


class ReferenceTraining:
    """The original training loop's pieces: model, CSMRLoss, Adam on fc, the label vectors, a loader of the images."""

    def __init__(self, n):
        self.rss_base = resident_mb()
        self.te = original("train_explainer")
        self.te.args = settings()      # train_one_epoch reads the global `args` of the script (layer, save_every)
        helpers = original("train_helpers")
        datasets = original("image_datasets")
        self.model = original_model()
        self.optimizer = torch.optim.Adam(self.model.fc.parameters(), lr=LR)
        self.loss_fn = helpers.CSMRLoss(margin=MARGIN)
        table = label_embedding()
        # word_embedding.vectors[label_index].T of the original: the 102 label words' vectors as [E, L].
        self.embeddings = random_vectors(len(LABEL_WORDS), 1).T
        self.label_index = np.arange(len(LABEL_WORDS))
        self.images, self.masks, self.concepts = concept_images(n)
        data = CocoAnnotations(self.images, self.masks, self.concepts, table, datasets.mask_process)
        self.loader = torch.utils.data.DataLoader(data, batch_size=TRAIN_BATCH, shuffle=True, num_workers=0)
        self.initial = [p.detach().clone() for p in self.model.fc.parameters()]
        self.out = tempfile.mkdtemp(prefix="lavise-bench-")
        self.loss = math.nan

    def epoch(self, index):
        with contextlib.redirect_stdout(sys.stderr), warnings_quiet():
            # The label index of every column, as the VG setting passes its seen columns: the COCO setting's None makes
            # target[:, None] a [B, 1, L] target, the loss's positive mean 0/0 and every gradient NaN (see the docstring).
            self.loss, self.accuracy = self.te.train_one_epoch(index, self.model, self.loss_fn, self.optimizer, self.loader,
                                                               self.embeddings, self.out, "bench", self.label_index)

    def extras(self):
        moved = max((p.detach() - q).abs().max().item() for p, q in zip(self.model.fc.parameters(), self.initial))
        if not math.isfinite(self.loss) or not moved > 0:
            raise RuntimeError(f"sanity: loss {self.loss}, explainer weights moved by {moved}")
        return {"layer": LAYER, "label_columns": self.embeddings.shape[1], "epoch_loss": self.loss, "top1_accuracy": self.accuracy,
                "weights_moved": moved, "explainer_parameters": sum(p.numel() for p in self.model.fc.parameters()),
                "trunk_weights_sum": trunk_sum(self.model), "words_sum": normalised_sum(self.embeddings.T),
                "batch": TRAIN_BATCH, "rss_base_mb": self.rss_base,
                **data_extras(self.images, self.masks, self.concepts)}


def train_step_reference(plan):
    t = ReferenceTraining(TRAIN_BATCH)
    samples = sample(plan, lambda: t.epoch(0))   # one batch of 16: one step
    return throughput(samples, TRAIN_BATCH, IMAGES_PER_S, t.extras())


def train_epochs_reference(plan):
    t = ReferenceTraining(EPOCH_IMAGES)
    return timed_epochs(plan, t.epoch, t.extras)


def timed_epochs(plan, epoch, extras):
    """EPOCHS epochs per sample, the frozen network recomputed in each (no cache: build_s 0); pairs/s over the run, and
    the median epoch (wall and CPU seconds) for the steady-state comparison with Ocular's cached epochs."""
    wall, cpu = [], []

    def body():
        for e in range(EPOCHS):
            start, start_cpu = time.perf_counter(), time.process_time()
            epoch(e)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)

    samples = sample(plan, body)
    epoch_s = benchlib.median(wall)
    extra = extras()
    extra.update(epochs=EPOCHS, images=EPOCH_IMAGES, build_s=0.0, build_cpu_s=0.0, epoch_s=epoch_s,
                 epoch_cpu_s=benchlib.median(cpu), epoch_pairs_per_s=EPOCH_IMAGES / epoch_s)
    return throughput(samples, EPOCH_IMAGES * EPOCHS, PAIRS_PER_S, extra)


# ---------------------------------------------------------------- training: expert

def explainer_mlp(d):
    """The explainer of model_loader.py (BN, dropout, Linear, ReLU, BN, dropout, Linear), made from the global generator."""
    return nn.Sequential(nn.BatchNorm1d(d), nn.Dropout(0.1), nn.Linear(d, d), nn.ReLU(), nn.BatchNorm1d(d), nn.Dropout(0.1),
                         nn.Linear(d, EMBEDDING))


def expert_model():
    """torchvision's resnet18 (seed 0) cut after layer4, frozen, eval, channels-last; the explainer made next, as
    setup_explainer does (so the same initial weights as the reference)."""
    torch.manual_seed(0)
    resnet = torchvision.models.resnet18()
    explainer = explainer_mlp(resnet.fc.in_features)
    trunk = nn.Sequential(*(getattr(resnet, n) for n in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4")))
    trunk.eval().requires_grad_(False)
    trunk = trunk.to(memory_format=torch.channels_last)
    return resnet, trunk, explainer


def csmr_loss(v, targets, columns):
    """CSMR loss (reference 3.1) as Ocular's: rows without a positive dropped, mean over the rest."""
    cos = F.normalize(v, dim=1) @ F.normalize(columns, dim=1).T
    positives = targets.sum(1)
    pos = (targets * cos).sum(1) / positives.clamp_min(1)
    negative = 1 - targets
    rows = (negative * (MARGIN - pos.unsqueeze(1) + negative * cos)).clamp_min(0).sum(1)
    keep = (positives > 0).to(v.dtype)
    return (rows * keep).sum() / keep.sum().clamp_min(1), cos


class ConceptBoxes(torch.utils.data.Dataset):
    """The images, their concept index and their 224 x 224 mask (uint8), as tensors."""

    def __init__(self, images, masks, concepts):
        self.images, self.masks, self.concepts = images, torch.from_numpy(masks), concepts

    def __len__(self):
        return len(self.concepts)

    def __getitem__(self, i):
        return self.images[i], self.concepts[i], self.masks[i]


class ExpertTraining:
    def __init__(self, n, shuffle):
        self.rss_base = resident_mb()
        self.resnet, self.trunk, self.explainer = expert_model()
        self.optimizer = torch.optim.Adam(self.explainer.parameters(), lr=LR, foreach=True)
        self.columns = random_vectors(len(LABEL_WORDS), 1)
        column = {w: c for c, w in enumerate(LABEL_WORDS)}
        self.multi_hot = torch.zeros(len(COCO_NAMES), len(LABEL_WORDS))
        for k, name in enumerate(COCO_NAMES):
            for w in name.split(" "):
                self.multi_hot[k, column[w]] = 1
        self.images, self.masks, self.concepts = concept_images(n)
        self.loader = torch.utils.data.DataLoader(ConceptBoxes(self.images, self.masks, self.concepts), batch_size=TRAIN_BATCH,
                                                  shuffle=shuffle, num_workers=0)
        self.initial = [p.detach().clone() for p in self.explainer.parameters()]
        self.loss, self.top1, self.top5, self.pairs = math.nan, 0, 0, 0

    def step(self, images, concepts, masks):
        with torch.no_grad():
            f = self.trunk(images.contiguous(memory_format=torch.channels_last))
            m = F.interpolate(masks.unsqueeze(1).float(), size=f.shape[2:], mode="nearest-exact")
            pooled = (f * m).mean((2, 3))
        self.explainer.train()
        self.optimizer.zero_grad(set_to_none=True)
        v = self.explainer(pooled)
        targets = self.multi_hot[concepts]
        loss, cos = csmr_loss(v, targets, self.columns)
        loss.backward()
        self.optimizer.step()
        self.loss = loss.item()
        with torch.no_grad():
            top = cos.topk(5, 1).indices
            hits = targets.gather(1, top)
            self.top1 += int(hits[:, 0].sum())
            self.top5 += int((hits.sum(1) > 0).sum())
            self.pairs += len(concepts)

    def epoch(self):
        for images, concepts, masks in self.loader:
            self.step(images, concepts, masks)

    def extras(self):
        moved = max((p.detach() - q).abs().max().item() for p, q in zip(self.explainer.parameters(), self.initial))
        if not math.isfinite(self.loss) or not moved > 0:
            raise RuntimeError(f"sanity: loss {self.loss}, explainer weights moved by {moved}")
        return {"layer": LAYER, "label_columns": len(LABEL_WORDS), "loss": self.loss, "top1": self.top1, "top5": self.top5,
                "pairs_stepped": self.pairs, "weights_moved": moved,
                "explainer_parameters": sum(p.numel() for p in self.explainer.parameters()),
                "trunk_weights_sum": trunk_sum(self.resnet), "words_sum": normalised_sum(self.columns),
                "layout": "channels_last", "batch": TRAIN_BATCH, "rss_base_mb": self.rss_base,
                **data_extras(self.images, self.masks, self.concepts)}


def train_step_expert(plan):
    t = ExpertTraining(TRAIN_BATCH, shuffle=False)
    samples = sample(plan, t.epoch)
    return throughput(samples, TRAIN_BATCH, IMAGES_PER_S, t.extras())


def train_epochs_expert(plan):
    t = ExpertTraining(EPOCH_IMAGES, shuffle=True)
    return timed_epochs(plan, lambda _: t.epoch(), t.extras)


# ---------------------------------------------------------------- filter explanations

class Vocabulary:
    """The stand-in for torchtext's GloVe: .itos and .vectors [V, 300] (random, seed 2, as Ocular's side)."""

    def __init__(self, count, seed):
        self.itos = word_names(count)
        self.vectors = random_vectors(count, seed)


def filter_extras(explanations, images, vocabulary, filters, rss_base, model_sum, explainer_sum, explained=None):
    """The JSON fields of the filter workload; `explained` filters of the `filters` when the run explained a subset."""
    explained = filters if explained is None else explained
    with_words = sum(1 for words in explanations.values() if words)
    if len(explanations) != explained or with_words == 0:
        raise RuntimeError(f"sanity: {with_words} of {explained} filters got words")
    every = [explanations[f] for f in sorted(explanations) if f % REFERENCE_STRIDE == 0]
    return {"filters": filters, "filters_explained": explained, "images": REFERENCE_IMAGES, "top_images": TOP_IMAGES, "words_per_image": WORDS_PER_IMAGE,
            "words_per_filter": WORDS_PER_FILTER, "vocabulary": VOCABULARY, "method": "projection", "weighting": "floor",
            "filters_with_words": with_words,
            "explanation_words": sum(len(w) for w in explanations.values()),
            "explanation_count_sum": int(sum(c for w in explanations.values() for _, c in w)),
            "distinct_words": len({word for w in explanations.values() for word, _ in w}),
            "filter0_words": " ".join(f"{word}:{int(c)}" for word, c in explanations[0]),
            # over filters 0, 8, 16, ... (all that the reference explains): the same on every side
            "stride8_count_sum": int(sum(c for w in every for _, c in w)),
            "stride8_words": sum(len(w) for w in every),
            "trunk_weights_sum": model_sum, "explainer_weights_sum": explainer_sum,
            "inputs_sum": images.double().sum().item(), "words_sum": normalised_sum(vocabulary.vectors),
            "rss_base_mb": rss_base}


class CocoImages(torch.utils.data.Dataset):
    """The reference images as image_datasets.MyCocoDetection.__getitem__ returns them after its file reads: the
    transformed image and its annotations' list of {'mask', 'object', 'idx'} (one box each)."""

    def __init__(self, images, masks, concepts, table):
        self.images, self.masks, self.concepts = images, masks, concepts.tolist()
        self.names, self.rows = list(table["stoi"].keys()), list(table["stoi"].values())

    def __len__(self):
        return len(self.concepts)

    def __getitem__(self, index):
        k = self.concepts[index]
        target_list = [{"mask": self.masks[index], "object": self.names[k], "idx": self.rows[k]}]
        return self.images[index], target_list


def explain_filters_reference(plan):
    rss_base = resident_mb()
    import cv2
    infer = original("infer_filter")
    model = original_model()
    model.eval()
    vocabulary = Vocabulary(VOCABULARY, 2)
    embeddings = vocabulary.vectors.T                         # embedding_glove.vectors.T.cuda()
    images, masks, concepts = concept_images(REFERENCE_IMAGES)
    dataset = CocoImages(images, masks, concepts, label_embedding())
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=1, shuffle=False, num_workers=0)
    # Every REFERENCE_STRIDE-th filter of the plan's (0, 8, 16, ...): the loop is the same for each filter (25 forwards,
    # mm, sort), so its time per filter is measured on these and the run of all the plan's filters extrapolated.
    filters = list(range(0, plan.per_sample, REFERENCE_STRIDE))
    # --thresh-path: T_u, which the original reads and never computes (defect 8.2), made here before the timed region.
    with torch.no_grad():
        acts = torch.cat([expert_features(model_trunk(model), images[i:i + STATISTICS_BATCH], channels_last=False)
                          for i in range(0, REFERENCE_IMAGES, STATISTICS_BATCH)])
    thresh_path = os.path.join(tempfile.mkdtemp(prefix="lavise-bench-"), "thresholds.npy")
    np.save(thresh_path, torch.quantile(acts.transpose(0, 1).flatten(1), QUANTILE, dim=1).numpy())
    state = {}

    def body():
        wall, cpu = time.perf_counter(), time.process_time()
        max_activations = np.zeros((FILTERS, len(dataset)))
        for k, batch in enumerate(dataloader):
            img = batch[0]
            x = img.clone().detach()
            for name, module in model._modules.items():
                x = module(x)
                if name is LAYER:
                    break
            x = x.cpu().detach().numpy()
            max_activations[:, k] = np.max(x, axis=(-1, -2))[0]   # every filter's (the original: [f], defect 8.9)
        sorted_samples = np.argsort(-max_activations, axis=1)
        thresholds = np.load(thresh_path)
        pass_wall, pass_cpu = time.perf_counter() - wall, time.process_time() - cpu
        explanations = {}
        with torch.no_grad():
            for f in filters:
                threshold = thresholds[f]
                filter_dataset = torch.utils.data.Subset(dataset, sorted_samples[f, :TOP_IMAGES])
                filter_dataloader = torch.utils.data.DataLoader(filter_dataset, batch_size=1, shuffle=False, num_workers=0)
                weights = 0
                filter_rank = np.zeros(0, dtype=np.int64)
                for i, batch in enumerate(filter_dataloader):
                    if not batch[1]:
                        continue
                    data_, annotation = batch[0], batch[1]
                    x = data_.clone()
                    for name, module in model._modules.items():
                        x = module(x)
                        if name is LAYER:
                            activation = x.detach().cpu().numpy()
                            break
                    c = activation[:, f, :, :]
                    c = c.reshape(7, 7)
                    xf = cv2.resize(c, (224, 224))
                    weight = np.amax(c)
                    if weight <= 0.:
                        continue
                    predict = infer.explain("projection", model, data_, activation, c, xf, threshold)
                    predict_score = torch.mm(predict, embeddings) / \
                        torch.mm(torch.sqrt(torch.sum(predict ** 2, dim=1, keepdim=True)),
                                 torch.sqrt(torch.sum(embeddings ** 2, dim=0, keepdim=True)))
                    sorted_predict_score, sorted_predict = torch.sort(predict_score, dim=1, descending=True)
                    sorted_predict = sorted_predict[0, :].detach().cpu().numpy()
                    select_rank = np.repeat(sorted_predict[:WORDS_PER_IMAGE], int(weight))
                    if weights == 0:
                        filter_rank = select_rank
                    else:
                        filter_rank = np.concatenate((filter_rank, select_rank))
                    weights += weight
                (values, counts) = np.unique(filter_rank, return_counts=True)
                ind = np.argsort(-counts)
                explanations[f] = [(vocabulary.itos[int(values[ii])], counts[ii]) for ii in ind[:WORDS_PER_FILTER]]
        state["explanations"] = explanations
        loop_wall, loop_cpu = time.perf_counter() - wall - pass_wall, time.process_time() - cpu - pass_cpu
        parts.append((pass_wall, loop_wall, pass_cpu, loop_cpu))

    parts = []
    sample(plan, body)
    # The whole run of the plan's filters: the max-activation pass once, the per-filter loop scaled to all of them.
    scale = plan.per_sample / len(filters)
    walls = [w0 + w1 * scale for w0, w1, _, _ in parts[-plan.repeat:]]
    cpus = [c0 + c1 * scale for _, _, c0, c1 in parts[-plan.repeat:]]
    extra = filter_extras(state["explanations"], images, vocabulary, plan.per_sample, rss_base,
                          trunk_sum(model), parameters_sum(model.fc), explained=len(filters))
    extra.update(extrapolated_from_filters=len(filters), max_pass_s=parts[-1][0], per_filter_s=parts[-1][1] / len(filters),
                 per_filter_cpu_s=parts[-1][3] / len(filters))
    return benchlib.Measurement(plan.per_sample / benchlib.median(walls), plan.per_sample / min(walls),
                                plan.per_sample / max(walls), benchlib.median(cpus) * 1e3, extra)


def model_trunk(model):
    """The original model's modules up to layer4, as one Sequential (shares the weights)."""
    names = list(model._modules)
    return nn.Sequential(*(model._modules[n] for n in names[:names.index(LAYER) + 1]))


def expert_features(trunk, images, channels_last=True):
    x = images.contiguous(memory_format=torch.channels_last) if channels_last else images
    return trunk(x).contiguous()


def explain_filters_expert(plan):
    rss_base = resident_mb()
    resnet, trunk, explainer = expert_model()
    explainer.eval()
    vocabulary = Vocabulary(VOCABULARY, 2)
    table = F.normalize(vocabulary.vectors, dim=1)
    images, masks, concepts = concept_images(REFERENCE_IMAGES)
    masks_t = torch.from_numpy(masks).bool()
    filters = plan.per_sample
    state = {}

    def body():
        with torch.inference_mode():
            f = torch.cat([expert_features(trunk, images[i:i + STATISTICS_BATCH])
                           for i in range(0, REFERENCE_IMAGES, STATISTICS_BATCH)])          # [N, d, h, w]
            n, d = f.shape[:2]
            flat = f.flatten(2)                                                                # [N, d, hw]
            hw = flat.shape[2]
            maxima = flat.amax(2)                                                              # [N, d]
            thresholds = torch.quantile(flat.transpose(0, 1).reshape(d, -1), QUANTILE, dim=1)  # T_u (as Ocular computes)
            gram = flat @ flat.transpose(1, 2)                                                 # [N, d, d]: F_u . F_k
            norms = flat.norm(dim=2)                                                           # [N, d]: ||F_u||
            top_values, top_images = maxima[:, :filters].T.topk(min(TOP_IMAGES, n), dim=1)     # [filters, p]
            u = torch.arange(filters).unsqueeze(1).expand_as(top_images)
            # pooled_k = mean_xy F_k F_u / ||F_u|| for every (filter u, top image i) pair (the code's projection, 8.1).
            pooled = gram[top_images, u] / (hw * norms[top_images, u]).unsqueeze(2)          # [filters, p, d]
            v = F.normalize(explainer(pooled.reshape(-1, d)), dim=1)                          # [filters * p, E]
            words = (v @ table.T).topk(WORDS_PER_IMAGE, dim=1).indices.view(filters, -1, WORDS_PER_IMAGE)
            weight = top_values.floor().clamp_min(0).to(torch.int64)                          # int(max activation), 8.11
            weight = torch.where(top_values > 0, weight, torch.zeros_like(weight))
            counts = torch.zeros(filters, table.shape[0], dtype=torch.int64)
            counts.scatter_add_(1, words.flatten(1), weight.unsqueeze(2).expand_as(words).flatten(1))
            # Counts descending, ties by ascending row: a stable sort of -counts over the rows in order.
            order = torch.sort(-counts, dim=1, stable=True).indices[:, :WORDS_PER_FILTER]
            best = counts.gather(1, order)
            # The recall's ground truth, as Ocular computes it (lavise.md §5.2): R_u = F_u bilinearly upsampled to the
            # input size > T_u; the image's concept counts when its mask's IoU with R_u exceeds 0.04. Filter by filter
            # (all 12,800 maps at 224² would be 2.5 GB).
            truth_pairs = 0
            h, w = f.shape[2:]
            for j in range(filters):
                maps = f[top_images[j], j].unsqueeze(0)                                         # [1, p, h, w]
                region = F.interpolate(maps, size=(SIZE, SIZE), mode="bilinear", align_corners=False)[0] > thresholds[j]
                m = masks_t[top_images[j]]                                                     # [p, S, S] bool
                inter = (region & m).sum((1, 2))
                union = (region | m).sum((1, 2)).clamp_min(1)
                truth_pairs += int(((inter / union) > IOU_THRESHOLD).sum())
        state["truth_pairs"] = truth_pairs
        explanations = {}
        for j in range(filters):
            explanations[j] = [(vocabulary.itos[r], c) for r, c in zip(order[j].tolist(), best[j].tolist()) if c > 0]
        state["explanations"] = explanations
        state["thresholds"] = thresholds

    samples = sample(plan, body)
    extra = filter_extras(state["explanations"], images, vocabulary, filters, rss_base,
                          trunk_sum(resnet), parameters_sum(explainer))
    extra["layout"] = "channels_last"
    extra["truth_pairs"] = state["truth_pairs"]
    return throughput(samples, filters, FILTERS_PER_S, extra)


# ---------------------------------------------------------------- top-k in a GloVe-sized table

def topk_data():
    table = F.normalize(random_vectors(TABLE_ROWS, 3), dim=1)
    queries = random_vectors(QUERIES, 4)
    return table, queries


def topk_extras(rows, scores, queries, rss_base):
    return {"words": TABLE_ROWS, "dimension": EMBEDDING, "queries": QUERIES, "k": NEAREST,
            "top1_rows_sum": int(rows[:, 0].sum()), "topk_rows_sum": int(rows.sum()), "top1_score_sum": float(scores[:, 0].sum()),
            "inputs_sum": queries.double().sum().item(), "rss_base_mb": rss_base}


def topk_reference(plan):
    rss_base = resident_mb()
    table, queries = topk_data()
    embeddings = table.T                                     # embedding_glove.vectors.T, [E, V]
    state = {}

    def body():
        predict = queries
        with torch.no_grad():
            predict_score = torch.mm(predict, embeddings) / \
                torch.mm(torch.sqrt(torch.sum(predict ** 2, dim=1, keepdim=True)),
                         torch.sqrt(torch.sum(embeddings ** 2, dim=0, keepdim=True)))
            sorted_predict_score, sorted_predict = torch.sort(predict_score, dim=1, descending=True)
        state["rows"], state["scores"] = sorted_predict[:, :NEAREST], sorted_predict_score[:, :NEAREST]

    samples = sample(plan, body)
    return time_per(samples, plan, MS_PER_BATCH, topk_extras(state["rows"], state["scores"], queries, rss_base))


def topk_expert(plan):
    rss_base = resident_mb()
    table, queries = topk_data()
    state = {}

    def body():
        with torch.inference_mode():
            state["scores"], state["rows"] = (F.normalize(queries, dim=1) @ table.T).topk(NEAREST, dim=1)

    samples = sample(plan, body)
    return time_per(samples, plan, MS_PER_BATCH, topk_extras(state["rows"], state["scores"], queries, rss_base))


def workloads():
    def w(spec, run, expert):
        name, unit, full, quick, target = spec
        return Workload(name, unit, full, quick, run, target, expert=expert)
    return [w(TRAIN_STEP, train_step_reference, train_step_expert),
            w(TRAIN_EPOCHS, train_epochs_reference, train_epochs_expert),
            w(FILTER_WORDS, explain_filters_reference, explain_filters_expert),
            w(TOP_K, topk_reference, topk_expert)]


if __name__ == "__main__":
    sys.exit(main("lavise", workloads))
