"""The lficam expert twin's LFI-CAM forward (bench/python/lficam.py lfi_forward, channels-last) computes the original
forward's logits, map and loss gradients: small ImageNet-file ResNet (BasicBlock x [1, 1, 1, 1]) at 224 px and the CIFAR
ResNet-20 at 32 px, batch 2, training mode, in float64 (in float32 these tiny random networks' gradients differ from
float64 by up to ~5 % in either layout, so float32 cannot tell rounding from a change of maths). The original
accumulates its map in a float32 buffer (torch.zeros), so the differences are float32 rounding, ~1e-7 (measured: logits
1.8e-7 / 2.8e-8, map 2.5e-6 / 3.2e-7, gradients 6.0e-7 / 1.8e-7 relative). Needs LFI_CAM (see
bench/README.md, suite lficam). Run: LFI_CAM=... /usr/bin/python3 bench/investigations/check_lficam_expert.py"""
import contextlib, copy, os, sys; sys.argv = ["x"]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import torch, torch.nn.functional as F, lficam as L
torch.set_num_threads(1)
for name, size in [("lfi_imagenet", 224), ("lfi_cifar", 32)]:
    mod = L.original(name)
    torch.manual_seed(0)
    with contextlib.redirect_stdout(sys.stderr):
        ref = mod.ResNet(mod.BasicBlock, [1, 1, 1, 1], num_classes=5) if name == "lfi_imagenet" else mod.resnet(depth=20, num_classes=5)
    ref = ref.double()
    exp = copy.deepcopy(ref).to(memory_format=torch.channels_last)
    x, y = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1), dtype=torch.float64), torch.tensor([1, 3])
    ref.train(); exp.train()
    logits_r, att_r = ref(x)
    logits_e, att_e = L.lfi_forward(exp, x.contiguous(memory_format=torch.channels_last), name == "lfi_imagenet")
    F.cross_entropy(logits_r, y).backward(); F.cross_entropy(logits_e, y).backward()
    grads = max(((p.grad - q.grad).abs().max() / q.grad.abs().max().clamp_min(1e-300)).item()
                for p, q in zip(exp.parameters(), ref.parameters()))
    print(f"{name:<13} max |logits| diff {(logits_r - logits_e).abs().max().item():.1e}, max |map| diff "
          f"{(att_r - att_e).abs().max().item():.1e}, max relative gradient diff {grads:.1e}")
