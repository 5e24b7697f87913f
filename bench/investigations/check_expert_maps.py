"""The expert twin's CAM-family maps equal the reference twin's (pytorch-grad-cam's) up to rounding (64x64, 2 images)."""
import os, sys; sys.argv = ["x"]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import torch, numpy as np, explain as E
torch.set_num_threads(1)
size, n = 64, 2
for method, cls in [("grad_cam", E.GradCAM), ("grad_cam_pp", E.GradCAMPlusPlus), ("xgrad_cam", E.XGradCAM), ("hires_cam", E.HiResCAM),
                    ("layer_cam", E.LayerCAM), ("cam", E.CAM), ("eigen_cam", E.EigenCAM)]:
    model = E.resnet50(); x = E.images(n, size)
    with torch.no_grad(): targets = model(x).argmax(1).tolist()
    ref = cls(model, [model.layer4])(x, targets)
    m2 = E.expert_resnet50(); xc = x.contiguous(memory_format=torch.channels_last)
    trunk, head = E.split_at(m2, "layer4"); t = torch.tensor(targets)
    with torch.no_grad(): a = trunk(xc)
    g = None
    if method not in ("cam", "eigen_cam"):
        a.requires_grad_(True); g, = torch.autograd.grad(head(a).gather(1, t[:, None]).sum(), a); a = a.detach()
    exp = E.post_process(E.expert_class_map(method, m2, a, g, t), (size, size)).numpy()
    d = np.abs(ref - exp).max()
    if method == "eigen_cam": d = min(d, np.abs(ref - E.post_process(-E.expert_class_map(method, m2, a, g, t), (size, size)).numpy()).max())
    print(f"{method:<12} max |reference - expert| = {d:.2e}")
