"""PyTorch twin of Ocular's `precision` benchmark suite (bench/Ocular.Bench/Suites/PrecisionSuite.cs, issue 20).

Ocular's side runs in bfloat16 autocast (and the training steps also in float32). Its two twins:
- the reference twin (--style reference) is the workload as the reference code writes it, in float32: the explain
  suite's pytorch-grad-cam Score-CAM and Ablation-CAM and eclique/RISE (bench/python/explain.py), the evaluate suite's
  L-CAM AD/IC loop and RISE's CausalMetric at batch 1 (bench/python/evaluate.py), and a plain float32 NCHW training
  step (torchvision's resnet18/resnet50, torch.optim.SGD) for both the `_fp32` and the `_bf16` training lines;
- the expert twin (--style expert) is the explain and evaluate suites' expert code (the same work as Ocular's side:
  batch 16 / 8, inference_mode, channels-last model and inputs) run under torch.autocast("cpu", dtype=torch.bfloat16),
  with float32 logits out of the scoring network (as Ocular's ModelScorer) and the model's parameters left trainable so
  that autocast caches their bfloat16 copies across the passes (autocast caches only leaf tensors that require grad;
  inference_mode records nothing either way); the training step channels-last with autocast around forward + loss,
  backward and SGD (foreach) outside — for both the `_fp32` and the `_bf16` training lines.

Every line carries "precision" (what this twin ran: reference fp32, expert bf16) and "native_bf16": whether
/proc/cpuinfo lists avx512_bf16 or amx_bf16. Without them oneDNN emulates bfloat16, several times slower than float32,
and the figures say nothing about bfloat16 hardware (compare.py warns).

--quick runs 32 x 32 images (Score-CAM and Ablation-CAM at maxpool, 64 channels; RISE with 32 masks; deletion/insertion
in 16 steps of 64 pixels; training at batch 8), as Ocular's side; the sizes are part of the names.

Run: /usr/bin/python3 bench/python/precision.py [--threads N] [--quick] [--style reference|expert] ...
"""
import sys

import torch
import torch.nn.functional as F
import torchvision

import evaluate
import explain
from benchlib import IMAGES_PER_S, Plan, Workload, main, sample, throughput

QUICK = "--quick" in sys.argv[1:]
MS_PER_IMAGE = explain.MS_PER_IMAGE
SCORE_CAM_TARGET = 2.0   # issue 20: against the float32 reference twin
METRIC_TARGET = 3.0

SIZE = 32 if QUICK else 224
PERTURBED_LAYER = "maxpool" if QUICK else "layer1"   # 64 or 256 channels: passes per image
RISE_MASKS = 32 if QUICK else 256
CURVE_STEP = 64 if QUICK else 224
TRAIN_BATCH = 8 if QUICK else 32                      # the train suite's batch
TRAIN_CLASSES = 4

# evaluate.py's workloads read the image size and the deletion/insertion step from its module constants: set them to
# this suite's (the same values as the evaluate suite's outside --quick).
evaluate.SIZE, evaluate.HW, evaluate.STEP = SIZE, SIZE * SIZE, CURVE_STEP

PERTURBATION = Plan(0, 1, 1)
AD_IC_FULL, AD_IC_QUICK = evaluate.AD_IC_FULL, evaluate.AD_IC_QUICK
CURVES_FULL, CURVES_QUICK = evaluate.CURVES_FULL, evaluate.CURVES_QUICK
TRAIN_FULL, TRAIN_QUICK = Plan(1, 3, TRAIN_BATCH), Plan(1, 1, TRAIN_BATCH)


def native_bf16():
    """Whether the first processor in /proc/cpuinfo computes bfloat16 natively (avx512_bf16 or amx_bf16), as Ocular's
    CpuFeatures.HasNativeBf16 reads it."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return "avx512_bf16" in flags or "amx_bf16" in flags
    except OSError:
        pass
    return False


NATIVE_BF16 = native_bf16()


def recorded(run, precision):
    """run, with "precision" and "native_bf16" added to its JSON line."""
    def wrapped(plan):
        m = run(plan)
        return m._replace(extra={**(m.extra or {}), "precision": precision, "native_bf16": NATIVE_BF16})
    return wrapped


def reference(run):
    return recorded(run, "fp32")


def bf16_autocast(run):
    """run (set-up and every timed sample) under torch.autocast("cpu", dtype=torch.bfloat16)."""
    def wrapped(plan):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return run(plan)
    return recorded(wrapped, "bf16")


# ---------------------------------------------------------------- the expert's models
def expert_resnet50():
    """torchvision's resnet50 (seed 0), eval mode, channels-last; parameters left requiring grad so that autocast caches
    their bfloat16 casts for the whole region (a frozen model is re-cast at every forward)."""
    return explain.resnet50().to(memory_format=torch.channels_last)


class Float32Logits(torch.nn.Module):
    """The network with its (bfloat16) logits returned in float32, as Ocular's ModelScorer returns them."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x).float()


def expert_scoring_model():
    return Float32Logits(expert_resnet50())


# ---------------------------------------------------------------- training step
def train_step(plan, arch, expert):
    """One SGD step (the train suite's settings) on synthetic inputs; expert: channels-last, bf16 autocast around
    forward + loss, backward and step outside, SGD foreach."""
    torch.manual_seed(0)
    model = getattr(torchvision.models, arch)(num_classes=TRAIN_CLASSES).train()
    g = torch.Generator().manual_seed(0)
    images = torch.randn(plan.per_sample, 3, SIZE, SIZE, generator=g)
    labels = torch.randint(0, TRAIN_CLASSES, (plan.per_sample,), generator=g)
    if expert:
        model = model.to(memory_format=torch.channels_last)
        images = images.contiguous(memory_format=torch.channels_last)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4, foreach=True)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    last = [float("nan")]

    def body():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=expert):
            loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        last[0] = loss.item()

    return throughput(sample(plan, body), plan.per_sample, IMAGES_PER_S,
                      {"batch": plan.per_sample, "loss": last[0], "layout": "channels_last" if expert else "nchw"})


def train_workload(arch, expert):
    return lambda plan: train_step(plan, arch, expert)


# ---------------------------------------------------------------- workloads
def workloads():
    """The same list as PrecisionSuite.Workloads()."""
    ws = [
        Workload(f"score_cam_resnet50_{SIZE}_{PERTURBED_LAYER}_b1_bf16", MS_PER_IMAGE, PERTURBATION, PERTURBATION,
                 reference(explain.cam_workload(explain.ScoreCAM, SIZE, 1, PERTURBED_LAYER)), SCORE_CAM_TARGET,
                 bf16_autocast(explain.expert_score_cam_workload(SIZE, PERTURBED_LAYER, make_model=expert_resnet50))),
        Workload(f"ablation_cam_resnet50_{SIZE}_{PERTURBED_LAYER}_b1_bf16", MS_PER_IMAGE, PERTURBATION, PERTURBATION,
                 reference(explain.cam_workload(explain.AblationCAM, SIZE, 1, PERTURBED_LAYER)), None,
                 bf16_autocast(explain.expert_ablation_cam_workload(SIZE, PERTURBED_LAYER, make_model=expert_resnet50))),
        Workload(f"rise{RISE_MASKS}_resnet50_{SIZE}_b1_bf16", MS_PER_IMAGE, PERTURBATION, PERTURBATION,
                 reference(explain.rise_workload(SIZE, RISE_MASKS)), None,
                 bf16_autocast(explain.expert_rise_workload(SIZE, RISE_MASKS, make_model=expert_resnet50))),
        Workload(f"evaluate_ad_ic_3keep_resnet50_{SIZE}_bf16", IMAGES_PER_S, AD_IC_FULL, AD_IC_QUICK,
                 reference(evaluate.ad_ic_workload), METRIC_TARGET,
                 bf16_autocast(lambda plan: evaluate.expert_ad_ic_workload(plan, make_model=expert_scoring_model))),
        Workload(f"evaluate_deletion_insertion_{SIZE * SIZE // CURVE_STEP}steps_resnet50_{SIZE}_bf16", IMAGES_PER_S,
                 CURVES_FULL, CURVES_QUICK, reference(evaluate.curves_workload), METRIC_TARGET,
                 bf16_autocast(lambda plan: evaluate.expert_curves_workload(plan, make_model=expert_scoring_model))),
    ]
    # Ocular's fp32 and bf16 training steps; the reference twin is float32 for both lines, the expert bf16 for both.
    for arch in ("resnet18", "resnet50"):
        for precision in ("fp32", "bf16"):
            ws.append(Workload(f"train_step_{arch}_{SIZE}_b{TRAIN_BATCH}_{precision}", IMAGES_PER_S, TRAIN_FULL, TRAIN_QUICK,
                               reference(train_workload(arch, expert=False)), None,
                               recorded(train_workload(arch, expert=True), "bf16")))
    return ws


if __name__ == "__main__":
    sys.exit(main("precision", workloads))
