"""PyTorch twin of Ocular's `explain` benchmark suite (bench/Ocular.Bench/Suites/ExplainSuite.cs).

Milliseconds per image of each post-hoc method on ResNet-50 (torchvision's, seed 0: the same weights as
Ocular's zoo model drawn from the same seed) for random normalised 224 x 224 images, written the straightforward
way the reference implementations are:
- the CAM family as pytorch-grad-cam's BaseCAM (jacobgil/pytorch-grad-cam, reference 084273b): forward hooks
  keep the activations, `output.register_hook` the gradients, `loss.backward(retain_graph=True)` back-propagates
  the sum of the target logits through the whole network, the activations and gradients go to NumPy, the
  weights and the map are computed in NumPy, ReLU, per-image min-max (+1e-7) and cv2.resize;
- Score-CAM and Ablation-CAM as pytorch-grad-cam's, with its default batch sizes (16 masked copies,
  32 ablated copies; AblationLayer replaces layer4 and the layers before it run for every batch);
- RISE as eclique/RISE's `RISE` module (masks generated once, outside the timed region, as eclique saves and
  reuses them; all masked copies built at once, batches of 100 through Sequential(model, Softmax), the
  saliency of every class by one matrix product), then the min-max of the L-CAM baselines.

Run time. Score-CAM, Ablation-CAM and RISE cost one ResNet-50 forward pass per channel or mask, about 0.3-1 s
each on a shared 2-core machine: Score-CAM at layer4 (2048 channels) or RISE with 4000 masks would take 10-60
minutes per image per side. So these workloads do 256 passes per image, on both sides: Score-CAM and
Ablation-CAM at layer1 (256 channels, 56 x 56), RISE with 256 masks; a method's time grows linearly with the
count. Ablation-CAM at the default layer4 (2048 channels), where running only the layers after the explained
one saves nearly all the work, is measured on 64 x 64 images.
With --quick every workload runs on 64 x 64 images (32 x 32 for Ablation-CAM at layer4; RISE on 64 masks): a
smoke run, not a measurement.

The expert twin (--style expert, section "the expert twin" below) does the same work as Ocular's side the way a
competent PyTorch user writes it: frozen parameters, autograd.grad to the layer's activation only, inference_mode,
channels-last, torch post-processing, reduced SVD, Ocular's batch size 16 for Score-CAM, Ablation-CAM and RISE.

Run: /usr/bin/python3 bench/python/explain.py [--threads N] [--quick] [--filter REGEX] ...
"""
import sys

import cv2
import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from scipy import ndimage

from benchlib import Plan, Workload, main, sample, time_per

MS_PER_IMAGE = "ms/image"
QUICK = "--quick" in sys.argv[1:]
SINGLE_PASS_TARGET = 1.0   # the targets: >= 1.0 for the gradient (and other single-pass) methods,
PERTURBATION_TARGET = 2.0  # >= 2.0 for Score-CAM, Ablation-CAM and RISE
SINGLE_PASS_IMAGES = 2     # images per call of the single-pass methods; the perturbation methods explain one

SINGLE_PASS_FULL, SINGLE_PASS_QUICK = Plan(1, 3, SINGLE_PASS_IMAGES), Plan(1, 2, SINGLE_PASS_IMAGES)
PERTURBATION_FULL, PERTURBATION_QUICK = Plan(0, 1, 1), Plan(0, 1, 1)


def resnet50():
    torch.manual_seed(0)
    return torchvision.models.resnet50().eval()


def images(n, size):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 3, size, size, generator=g)


# ---------------------------------------------------------------- pytorch-grad-cam's BaseCAM, condensed
class ActivationsAndGradients:
    def __init__(self, model, target_layers):
        self.model, self.gradients, self.activations, self.handles = model, [], [], []
        for layer in target_layers:
            self.handles.append(layer.register_forward_hook(self.save_activation))
            self.handles.append(layer.register_forward_hook(self.save_gradient))

    def save_activation(self, module, input, output):
        self.activations.append(output.cpu().detach())

    def save_gradient(self, module, input, output):
        if not hasattr(output, "requires_grad") or not output.requires_grad:
            return

        def _store_grad(grad):
            self.gradients = [grad.cpu().detach()] + self.gradients
        output.register_hook(_store_grad)

    def __call__(self, x):
        self.gradients, self.activations = [], []
        return self.model(x)

    def release(self):
        for h in self.handles:
            h.remove()


def scale_cam_image(cam, target_size=None):
    result = []
    for img in cam:
        img = img - np.min(img)
        img = img / (1e-7 + np.max(img))
        if target_size is not None:
            img = cv2.resize(img, target_size)
        result.append(img)
    return np.float32(result)


class BaseCAM:
    uses_gradients = True

    def __init__(self, model, target_layers):
        self.model, self.target_layers = model.eval(), target_layers
        self.activations_and_grads = ActivationsAndGradients(self.model, target_layers)

    def get_cam_image(self, input_tensor, target_layer, targets, activations, grads):
        weights = self.get_cam_weights(input_tensor, target_layer, targets, activations, grads)
        return (weights[:, :, None, None] * activations).sum(axis=1)

    def __call__(self, input_tensor, targets):
        outputs = self.activations_and_grads(input_tensor)
        if self.uses_gradients:
            self.model.zero_grad()
            loss = sum([output[t] for t, output in zip(targets, outputs)])   # ClassifierOutputTarget
            loss.backward(retain_graph=True)
        activations_list = [a.cpu().data.numpy() for a in self.activations_and_grads.activations]
        grads_list = [g.cpu().data.numpy() for g in self.activations_and_grads.gradients]
        target_size = input_tensor.size(-1), input_tensor.size(-2)
        cams = []
        for i, layer in enumerate(self.target_layers):
            cam = self.get_cam_image(input_tensor, layer, targets, activations_list[i],
                                     grads_list[i] if i < len(grads_list) else None)
            cams.append(scale_cam_image(np.maximum(cam, 0), target_size)[:, None, :])
        cam = np.maximum(np.concatenate(cams, axis=1), 0)
        return scale_cam_image(np.mean(cam, axis=1))


class CAM(BaseCAM):
    uses_gradients = False

    def get_cam_weights(self, input_tensor, layer, targets, activations, grads):
        return self.model.fc.weight.detach().numpy()[targets]


class GradCAM(BaseCAM):
    def get_cam_weights(self, input_tensor, layer, targets, activations, grads):
        return np.mean(grads, axis=(2, 3))


class GradCAMPlusPlus(BaseCAM):
    def get_cam_weights(self, input_tensor, layer, targets, activations, grads):
        grads_power_2 = grads ** 2
        grads_power_3 = grads_power_2 * grads
        sum_activations = np.sum(activations, axis=(2, 3))
        aij = grads_power_2 / (2 * grads_power_2 + sum_activations[:, :, None, None] * grads_power_3 + 0.000001)
        aij = np.where(grads != 0, aij, 0)
        weights = np.maximum(grads, 0) * aij
        return np.sum(weights, axis=(2, 3))


class XGradCAM(BaseCAM):
    def get_cam_weights(self, input_tensor, layer, targets, activations, grads):
        sum_activations = np.sum(activations, axis=(2, 3))
        weights = grads * activations / (sum_activations[:, :, None, None] + 1e-7)
        return weights.sum(axis=(2, 3))


class HiResCAM(BaseCAM):
    def get_cam_image(self, input_tensor, layer, targets, activations, grads):
        return (grads * activations).sum(axis=1)


class LayerCAM(BaseCAM):
    def get_cam_image(self, input_tensor, layer, targets, activations, grads):
        return (np.maximum(grads, 0) * activations).sum(axis=1)


def get_2d_projection(activation_batch):
    activation_batch[np.isnan(activation_batch)] = 0
    projections = []
    for activations in activation_batch:
        reshaped = activations.reshape(activations.shape[0], -1).transpose()
        reshaped = reshaped - reshaped.mean(axis=0)
        U, S, VT = np.linalg.svd(reshaped, full_matrices=True)
        projections.append((reshaped @ VT[0, :]).reshape(activations.shape[1:]))
    return np.float32(projections)


class EigenCAM(BaseCAM):
    uses_gradients = False

    def get_cam_image(self, input_tensor, layer, targets, activations, grads):
        return get_2d_projection(activations)


class ScoreCAM(BaseCAM):
    uses_gradients = False
    batch_size = 16

    def get_cam_weights(self, input_tensor, layer, targets, activations, grads):
        with torch.no_grad():
            upsample = torch.nn.UpsamplingBilinear2d(size=input_tensor.shape[-2:])
            upsampled = upsample(torch.from_numpy(activations))
            maxs = upsampled.view(upsampled.size(0), upsampled.size(1), -1).max(dim=-1)[0]
            mins = upsampled.view(upsampled.size(0), upsampled.size(1), -1).min(dim=-1)[0]
            maxs, mins = maxs[:, :, None, None], mins[:, :, None, None]
            upsampled = (upsampled - mins) / (maxs - mins + 1e-8)
            input_tensors = input_tensor[:, None, :, :] * upsampled[:, :, None, :, :]
            scores = []
            for target, tensor in zip(targets, input_tensors):
                for i in range(0, tensor.size(0), self.batch_size):
                    batch = tensor[i: i + self.batch_size, :]
                    scores.extend([o[target].cpu().item() for o in self.model(batch)])
            scores = torch.Tensor(scores).view(activations.shape[0], activations.shape[1])
            return torch.nn.Softmax(dim=-1)(scores).numpy()


class AblationLayer(torch.nn.Module):
    def set_next_batch(self, input_batch_index, activations, num_channels_to_ablate):
        self.activations = activations[input_batch_index, :, :, :].clone().unsqueeze(0).repeat(num_channels_to_ablate, 1, 1, 1)

    def __call__(self, x):
        output = self.activations
        for i in range(output.size(0)):
            if torch.min(output) == 0:
                output[i, self.indices[i], :] = 0
            else:
                output[i, self.indices[i], :] = torch.min(output) - 1e7
        return output


class AblationCAM(BaseCAM):
    uses_gradients = False
    batch_size = 32

    def get_cam_weights(self, input_tensor, layer, targets, activations, grads):
        captured = {}
        handle = layer.register_forward_hook(lambda m, i, o: captured.__setitem__("a", o))
        with torch.no_grad():
            outputs = self.model(input_tensor)
            handle.remove()
            original_scores = np.float32([output[t].cpu().item() for t, output in zip(targets, outputs)])
        ablation_layer = AblationLayer()
        name = next(n for n, m in self.model.named_children() if m is layer)
        setattr(self.model, name, ablation_layer)   # replace_layer_recursive
        number_of_channels = activations.shape[1]
        weights = []
        try:
            with torch.no_grad():
                for batch_index, (target, tensor) in enumerate(zip(targets, input_tensor)):
                    new_scores = []
                    batch_tensor = tensor.repeat(self.batch_size, 1, 1, 1)
                    ablation_layer.indices = np.int32(range(number_of_channels))
                    for i in range(0, number_of_channels, self.batch_size):
                        if i + self.batch_size > number_of_channels:
                            batch_tensor = batch_tensor[:(number_of_channels - i)]
                        ablation_layer.set_next_batch(batch_index, captured["a"], batch_tensor.size(0))
                        new_scores.extend([o[target].cpu().item() for o in self.model(batch_tensor)])
                        ablation_layer.indices = ablation_layer.indices[batch_tensor.size(0):]
                    weights.extend(new_scores)
        finally:
            setattr(self.model, name, layer)
        weights = np.float32(weights).reshape(activations.shape[:2])
        original_scores = original_scores[:, None]
        return (original_scores - weights) / original_scores


# ---------------------------------------------------------------- eclique/RISE
class RISE(torch.nn.Module):
    def __init__(self, model, input_size, gpu_batch=100):
        super().__init__()
        self.model, self.input_size, self.gpu_batch = model, input_size, gpu_batch

    def generate_masks(self, N, s, p1):
        cell_size = np.ceil(np.array(self.input_size) / s)
        up_size = (s + 1) * cell_size
        grid = (np.random.rand(N, s, s) < p1).astype("float32")
        self.masks = np.empty((N, *self.input_size))
        for i in range(N):
            x = np.random.randint(0, cell_size[0])
            y = np.random.randint(0, cell_size[1])
            # skimage.transform.resize(grid[i], up_size, order=1, mode='reflect', anti_aliasing=False) is this zoom
            big = ndimage.zoom(grid[i], up_size / s, order=1, mode="mirror", grid_mode=True)
            self.masks[i, :, :] = big[x:x + self.input_size[0], y:y + self.input_size[1]]
        self.masks = torch.from_numpy(self.masks.reshape(-1, 1, *self.input_size)).float()
        self.N, self.p1 = N, p1

    def forward(self, x):
        N = self.N
        _, _, H, W = x.size()
        stack = torch.mul(self.masks, x.data)
        p = []
        for i in range(0, N, self.gpu_batch):
            p.append(self.model(stack[i:min(i + self.gpu_batch, N)]))
        p = torch.cat(p)
        CL = p.size(1)
        sal = torch.matmul(p.data.transpose(0, 1), self.masks.view(N, H * W))
        return sal.view((CL, H, W)) / N / self.p1


# ---------------------------------------------------------------- the expert twin
# What a competent PyTorch user writes for the same maps, and the same work as Ocular's side (ExplainSuite.cs through
# Ocular.Explain's methods): frozen parameters (requires_grad_(False)); the network cut at the explained layer, the part
# before it run without autograd and the gradient taken with torch.autograd.grad to the captured activation only (never
# to a parameter, nothing retained); inference_mode where nothing is differentiated; channels-last weights and inputs;
# maps, weights, ReLU, bilinear resizing and min-max in torch (no NumPy round trip); reduced SVD for Eigen-CAM; and
# Ocular's batch size (16) for Score-CAM, Ablation-CAM and RISE. Ablation-CAM runs only the layers after the explained
# one for the ablated copies, and RISE accumulates only the target class's scores, as Ocular does.
EXPERT_BATCH = 16   # ExplainerOptions.BatchSize's default
# The Score-CAM, Ablation-CAM and RISE experts take make_model (default expert_resnet50): the precision suite
# (precision.py) passes a model whose parameters require grad and runs them under bfloat16 autocast.


def expert_resnet50():
    """torchvision's resnet50 (seed 0), eval mode, frozen, weights channels-last."""
    return resnet50().requires_grad_(False).to(memory_format=torch.channels_last)


def split_at(model, layer):
    """(trunk, head) of a torchvision ResNet cut after its child `layer`: head(trunk(x)) == model(x)."""
    names = [n for n, _ in model.named_children()]
    cut = names.index(layer) + 1
    children = list(model.children())
    trunk = torch.nn.Sequential(*children[:cut])
    rest = [c for n, c in zip(names[cut:], children[cut:]) if n != "fc"]
    head = torch.nn.Sequential(*rest, torch.nn.Flatten(1), model.fc)
    return trunk, head


def post_process(cam, size):
    """ReLU, bilinear upsampling to the input size (half-pixel centres), per-image min-max: [N, h, w] -> [N, H, W]."""
    cam = F.interpolate(cam.clamp_min(0).unsqueeze(1), size=size, mode="bilinear", align_corners=False).squeeze(1)
    return min_max(cam)


def min_max(maps):
    flat = maps.flatten(1)
    lo = flat.amin(1, keepdim=True)
    rng = flat.amax(1, keepdim=True) - lo
    return ((flat - lo) / torch.where(rng > 0, rng, torch.ones_like(rng))).view_as(maps)


def weighted_sum(weights, a):
    """sum_k w_k A^k: [N, K] x [N, K, h, w] -> [N, h, w]."""
    return torch.einsum("nk,nkhw->nhw", weights, a)


def expert_class_map(method, model, a, g, targets):
    if method == "cam":
        return weighted_sum(model.fc.weight[targets], a)
    if method == "grad_cam":
        return weighted_sum(g.mean((2, 3)), a)
    if method == "grad_cam_pp":
        g2 = g.pow(2)
        g3 = g2 * g
        alpha = g2 / (2 * g2 + a.sum((2, 3), keepdim=True) * g3 + 1e-6)
        alpha = torch.where(g != 0, alpha, torch.zeros_like(alpha))
        return weighted_sum((g.clamp_min(0) * alpha).sum((2, 3)), a)
    if method == "xgrad_cam":
        return weighted_sum((g * a).sum((2, 3)) / (a.sum((2, 3)) + 1e-7), a)
    if method == "hires_cam":
        return (g * a).sum(1)
    if method == "layer_cam":
        return (g.clamp_min(0) * a).sum(1)
    if method == "eigen_cam":
        n, k, h, w = a.shape
        m = a.reshape(n, k, h * w).transpose(1, 2)                  # [N, hw, K]
        centred = m - m.mean(1, keepdim=True)
        _, _, vh = torch.linalg.svd(centred, full_matrices=False)   # reduced SVD: Vh [N, hw, K], not [N, K, K]
        return (centred @ vh[:, 0, :, None]).view(n, h, w)
    raise ValueError(method)


def expert_cam_workload(method, size, n, layer):
    uses_gradients = method not in ("cam", "eigen_cam")

    def run(plan):
        model = expert_resnet50()
        x = images(n, size).contiguous(memory_format=torch.channels_last)
        with torch.no_grad():   # not inference_mode: the targets index the differentiated score
            targets = model(x).argmax(1)
        trunk, head = split_at(model, layer)

        def body():
            if uses_gradients:
                with torch.no_grad():
                    a = trunk(x)
                a.requires_grad_(True)
                score = head(a).gather(1, targets[:, None]).sum()   # each image's own target logit
                g, = torch.autograd.grad(score, a)
                a = a.detach()
            else:
                with torch.inference_mode():
                    a, g = trunk(x), None
            with torch.inference_mode():
                post_process(expert_class_map(method, model, a, g, targets), x.shape[-2:])
        return time_per(sample(plan, body), plan, MS_PER_IMAGE)
    return run


def expert_score_cam_workload(size, layer, make_model=None):
    def run(plan):
        model = (make_model or expert_resnet50)()
        x = images(1, size).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            target = model(x).argmax(1).item()
        trunk, _ = split_at(model, layer)

        @torch.inference_mode()
        def body():
            a = trunk(x)[0]                                             # [K, h, w]
            k = a.size(0)
            flat = a.flatten(1)
            varying = (flat.amax(1) != flat.amin(1)).nonzero().squeeze(1)
            scores = torch.zeros(k)
            if varying.numel() < k:   # a constant channel's mask is 0: the zero image, scored once
                scores.fill_(model(torch.zeros_like(x))[0, target].item())
            out = []
            for chunk in a[varying].split(EXPERT_BATCH):
                up = F.interpolate(chunk[:, None], size=x.shape[-2:], mode="bilinear", align_corners=False)
                lo, hi = up.amin((2, 3), keepdim=True), up.amax((2, 3), keepdim=True)
                masked = (x * ((up - lo) / (hi - lo + 1e-8))).contiguous(memory_format=torch.channels_last)
                out.append(model(masked)[:, target])
            scores[varying] = torch.cat(out).float()   # float32 scores (the logits are bfloat16 under autocast)
            post_process(weighted_sum(scores.softmax(0)[None], a[None]), x.shape[-2:])
        return time_per(sample(plan, body), plan, MS_PER_IMAGE)
    return run


def expert_ablation_cam_workload(size, layer, make_model=None):
    def run(plan):
        model = (make_model or expert_resnet50)()
        x = images(1, size).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            target = model(x).argmax(1).item()
        trunk, head = split_at(model, layer)

        @torch.inference_mode()
        def body():
            a = trunk(x)                                                # [1, K, h, w]
            y = head(a)[0, target]
            k = a.size(1)
            yk = []
            for ks in torch.arange(k).split(EXPERT_BATCH):             # copies of A with channel k zeroed, through the head
                keep = 1 - F.one_hot(ks, k).to(a.dtype)[:, :, None, None]
                yk.append(head(a * keep)[:, target])
            weights = (y - torch.cat(yk)) / y
            post_process(weighted_sum(weights[None], a), x.shape[-2:])
        return time_per(sample(plan, body), plan, MS_PER_IMAGE)
    return run


def expert_rise_workload(size, masks, s=7, p1=0.5, make_model=None):
    def run(plan):
        model = (make_model or expert_resnet50)()
        x = images(1, size).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            target = model(x).argmax(1).item()
        cell = -(-size // s)                                            # ceil(H / s)
        up = (s + 1) * cell

        @torch.inference_mode()
        def body():
            # The masks, drawn per call as Ocular's Rise does: s x s binary grids, bilinear upsampling to (s + 1) * cell,
            # a random crop of H x W; built and used EXPERT_BATCH at a time.
            g = torch.Generator().manual_seed(0)
            grids = (torch.rand(masks, 1, s, s, generator=g) < p1).float()
            shifts = torch.randint(0, cell, (masks, 2), generator=g).tolist()
            saliency = torch.zeros(size * size)
            for start in range(0, masks, EXPERT_BATCH):
                big = F.interpolate(grids[start:start + EXPERT_BATCH], size=(up, up), mode="bilinear", align_corners=False)
                m = torch.stack([big[j, 0, dy:dy + size, dx:dx + size]
                                 for j, (dy, dx) in enumerate(shifts[start:start + EXPERT_BATCH])])   # [B, H, W]
                masked = (x * m[:, None]).contiguous(memory_format=torch.channels_last)
                p = model(masked).softmax(1)[:, target]                 # f_c(x * M_i), the target class only
                saliency += p @ m.flatten(1)
            min_max((saliency / (masks * p1)).view(1, size, size))
        return time_per(sample(plan, body), plan, MS_PER_IMAGE)
    return run


# ---------------------------------------------------------------- workloads
def cam_workload(cls, size, n, layer):
    def run(plan):
        model = resnet50()
        x = images(n, size)
        with torch.no_grad():
            targets = model(x).argmax(1).tolist()
        cam = cls(model, [getattr(model, layer)])

        def body():
            cam(x, targets)
        seconds = sample(plan, body)
        cam.activations_and_grads.release()
        return time_per(seconds, plan, MS_PER_IMAGE)
    return run


def rise_workload(size, masks):
    def run(plan):
        model = resnet50()
        x = images(1, size)
        with torch.no_grad():
            target = model(x).argmax(1).item()
        explainer = RISE(torch.nn.Sequential(model, torch.nn.Softmax(dim=1)), (size, size))
        np.random.seed(0)
        explainer.generate_masks(masks, 7, 0.5)

        def body():
            with torch.no_grad():
                sal = explainer(x)[target]
                sal = (sal - sal.min()) / (sal.max() - sal.min())   # the L-CAM baselines' min-max
        return time_per(sample(plan, body), plan, MS_PER_IMAGE)
    return run


def workloads():
    """The same list as ExplainSuite.Workloads(): (name, run, target)."""
    ws = []
    size = 64 if QUICK else 224
    for method, cls in [("cam", CAM), ("grad_cam", GradCAM), ("grad_cam_pp", GradCAMPlusPlus), ("xgrad_cam", XGradCAM),
                        ("hires_cam", HiResCAM), ("layer_cam", LayerCAM), ("eigen_cam", EigenCAM)]:
        ws.append(Workload(f"{method}_resnet50_{size}_layer4_b{SINGLE_PASS_IMAGES}", MS_PER_IMAGE, SINGLE_PASS_FULL, SINGLE_PASS_QUICK,
                           cam_workload(cls, size, SINGLE_PASS_IMAGES, "layer4"), SINGLE_PASS_TARGET,
                           expert_cam_workload(method, size, SINGLE_PASS_IMAGES, "layer4")))
    # 256 masked or ablated passes per image (layer1 has 256 channels; 256 RISE masks): see the module docstring.
    ws.append(Workload(f"score_cam_resnet50_{size}_layer1_b1", MS_PER_IMAGE, PERTURBATION_FULL, PERTURBATION_QUICK,
                       cam_workload(ScoreCAM, size, 1, "layer1"), PERTURBATION_TARGET, expert_score_cam_workload(size, "layer1")))
    ws.append(Workload(f"ablation_cam_resnet50_{size}_layer1_b1", MS_PER_IMAGE, PERTURBATION_FULL, PERTURBATION_QUICK,
                       cam_workload(AblationCAM, size, 1, "layer1"), PERTURBATION_TARGET, expert_ablation_cam_workload(size, "layer1")))
    small = 32 if QUICK else 64
    ws.append(Workload(f"ablation_cam_resnet50_{small}_layer4_b1", MS_PER_IMAGE, PERTURBATION_FULL, PERTURBATION_QUICK,
                       cam_workload(AblationCAM, small, 1, "layer4"), PERTURBATION_TARGET, expert_ablation_cam_workload(small, "layer4")))
    masks = 64 if QUICK else 256
    ws.append(Workload(f"rise{masks}_resnet50_{size}_b1", MS_PER_IMAGE, PERTURBATION_FULL, PERTURBATION_QUICK,
                       rise_workload(size, masks), PERTURBATION_TARGET, expert_rise_workload(size, masks)))
    return ws


if __name__ == "__main__":
    sys.exit(main("explain", workloads))
