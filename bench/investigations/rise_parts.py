"""Per-part cost of eclique/RISE's forward on ResNet-50 224^2 (CPU, 1 thread): where the reference twin's time goes."""
import os, resource, sys, time
import torch, torch.nn.functional as F, torchvision
torch.set_num_threads(int(os.environ.get("T", "1")))
N = int(os.environ.get("N", "96"))
torch.manual_seed(0)
model = torchvision.models.resnet50().eval()
sm = torch.nn.Sequential(model, torch.nn.Softmax(dim=1))
x = torch.randn(1, 3, 224, 224)
masks = (torch.rand(N, 1, 224, 224) > 0.5).float()

def measure(label, fn):
    r0 = resource.getrusage(resource.RUSAGE_SELF); t0 = time.perf_counter()
    out = fn()
    t1 = time.perf_counter(); r1 = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{label:<44} wall {t1-t0:7.2f} s  user {r1.ru_utime-r0.ru_utime:7.2f}  sys {r1.ru_stime-r0.ru_stime:6.2f}  "
          f"minflt {r1.ru_minflt-r0.ru_minflt:8d}  per image cpu {(r1.ru_utime-r0.ru_utime+r1.ru_stime-r0.ru_stime)/N*1e3:6.1f} ms", flush=True)
    return out

with torch.no_grad():
    sm(x[:, :, :64, :64])  # warm
    stack = measure("stack = masks * x  (eclique)", lambda: torch.mul(masks, x.data))
    for b in [int(v) for v in os.environ.get("B", "96,16").split(",")]:
        measure(f"forward NCHW batch {b}, Softmax", lambda: torch.cat([sm(stack[i:i + b]) for i in range(0, N, b)]))
    p = measure("(again) forward NCHW batch 16", lambda: torch.cat([sm(stack[i:i + 16]) for i in range(0, N, 16)]))
    measure("sal = p.T @ masks (all 1000 classes)", lambda: torch.matmul(p.transpose(0, 1), masks.view(N, -1)))
    measure("sal = p[:, c] @ masks (target only)", lambda: p[:, 3] @ masks.view(N, -1))
    cl = sm.to(memory_format=torch.channels_last)
    for b in [int(v) for v in os.environ.get("B", "96,16").split(",")]:
        measure(f"forward channels-last batch {b}", lambda: torch.cat([cl(stack[i:i + b].contiguous(memory_format=torch.channels_last)) for i in range(0, N, b)]))
