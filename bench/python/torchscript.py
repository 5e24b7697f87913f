"""PyTorch twin of Ocular's `torchscript` benchmark suite (bench/Ocular.Bench/Suites/TorchScriptSuite.cs).

The model: torchvision's resnet50 (torch.manual_seed(0)), eval mode, exported with torch.jit.script and saved with
torch.jit.save by `--prepare` (compare.sh runs it before both sides) at $OCULAR_BENCH_TORCHSCRIPT or
~/.cache/ocular/bench/resnet50_scripted.pt ($XDG_CACHE_HOME honoured); Ocular's side loads the same file.

- torchscript_infer_resnet50_b8_224 (images/s): the archive loaded with torch.jit.load, logits of 8 images.
  Reference: under torch.no_grad(), as PyTorch's TorchScript tutorials write it. Expert: torch.inference_mode(),
  model and input channels-last.
- torchscript_grad_cam_resnet50_224_layer4_b2 (ms/image): Grad-CAM at layer4 of 2 images for their predicted classes.
  PyTorch cannot register hooks on a TorchScript module's layers, so the twins run the eager model with the archive's
  weights: pytorch-grad-cam's GradCAM as written (reference; explain.py's copy) and the expert's split at the layer
  (explain.py's expert_cam_workload).
Run: /usr/bin/python3 bench/python/torchscript.py [--prepare] [--style reference|expert] [--threads N] [--quick] ...
"""
import os
import sys

import torch
import torchvision

import explain
from benchlib import IMAGES_PER_S, Plan, Workload, main, sample, throughput

TARGET = 0.95
BATCH, SIZE, CAM_IMAGES = 8, 224, 2


def archive_path():
    path = os.environ.get("OCULAR_BENCH_TORCHSCRIPT")
    if path:
        return path
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "ocular", "bench", "resnet50_scripted.pt")


def prepare():
    path = archive_path()
    if os.path.exists(path):
        return
    torch.manual_seed(0)
    model = torchvision.models.resnet50().eval()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.jit.script(model).save(tmp)
    os.replace(tmp, path)
    print(f"# wrote {path}", file=sys.stderr)


def load():
    if not os.path.exists(archive_path()):
        sys.exit(f"torchscript.py: no {archive_path()}; run with --prepare first")
    return torch.jit.load(archive_path()).eval()


def images(n, size, seed):
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def inference_reference(plan):
    model = load()
    x = images(BATCH, SIZE, 0)

    def body():
        with torch.no_grad():
            logits = model(x)  # noqa: F841
    return throughput(sample(plan, body), BATCH, IMAGES_PER_S, {"batch": BATCH})


def inference_expert(plan):
    model = load().to(memory_format=torch.channels_last)
    x = images(BATCH, SIZE, 0).contiguous(memory_format=torch.channels_last)

    def body():
        with torch.inference_mode():
            logits = model(x)  # noqa: F841
    return throughput(sample(plan, body), BATCH, IMAGES_PER_S, {"batch": BATCH, "layout": "channels_last"})


def eager_with_archive_weights():
    """torchvision's resnet50 holding the archive's weights (the same seed-0 initialisation)."""
    model = torchvision.models.resnet50().eval()
    model.load_state_dict(load().state_dict())
    return model


def grad_cam_reference(plan):
    original = explain.resnet50
    explain.resnet50 = eager_with_archive_weights
    try:
        return explain.cam_workload(explain.GradCAM, SIZE, CAM_IMAGES, "layer4")(plan)
    finally:
        explain.resnet50 = original


def grad_cam_expert(plan):
    original = explain.expert_resnet50
    explain.expert_resnet50 = lambda: eager_with_archive_weights().requires_grad_(False).to(memory_format=torch.channels_last)
    try:
        return explain.expert_cam_workload("grad_cam", SIZE, CAM_IMAGES, "layer4")(plan)
    finally:
        explain.expert_resnet50 = original


def workloads():
    return [
        Workload(f"torchscript_infer_resnet50_b{BATCH}_{SIZE}", IMAGES_PER_S, Plan(2, 10), Plan(1, 2), inference_reference, TARGET, inference_expert),
        Workload(f"torchscript_grad_cam_resnet50_{SIZE}_layer4_b{CAM_IMAGES}", explain.MS_PER_IMAGE, Plan(1, 5, CAM_IMAGES), Plan(1, 2, CAM_IMAGES),
                 grad_cam_reference, TARGET, grad_cam_expert),
    ]


if __name__ == "__main__":
    if "--prepare" in sys.argv[1:]:
        prepare()
        sys.exit(0)
    sys.exit(main("torchscript", workloads))
