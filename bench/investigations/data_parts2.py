"""Per-image transform CPU and per-batch collation CPU, measured inside the process that does them (main or worker)."""
import os, resource, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import torch, torchvision, torchvision.transforms as T
from torch.utils.data import default_collate
from jpegfolder import ensure_images
torch.set_num_threads(2)
N = int(os.environ.get("N", "256"))
root = ensure_images(N, 4)
tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
base = torchvision.datasets.ImageFolder(root, transform=tf)
class Timed(torch.utils.data.Dataset):
    def __len__(self): return len(base)
    def __getitem__(self, i):
        t = time.process_time(); x, y = base[i]; return x, y, time.process_time() - t
def collate(items):
    t = time.process_time(); f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    x, y, ts = default_collate(items)
    return x, y, ts.sum().item(), time.process_time() - t, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
for label, kw in [("w0", dict(num_workers=0)), ("w2 persistent", dict(num_workers=2, persistent_workers=True)),
                  ("w2 forked per epoch", dict(num_workers=2))]:
    dl = torch.utils.data.DataLoader(Timed(), batch_size=32, shuffle=True, collate_fn=collate, **kw)
    for epoch in range(2):
        item = col = flt = 0.0; t0 = time.perf_counter(); m0 = time.process_time()
        for x, y, it, ct, fl in dl:
            item += it; col += ct; flt += fl
        print(f"{label:<20} epoch {epoch}: transform {1e3*item/N:5.2f} ms CPU/image, collate {1e3*col/(N/32):6.1f} ms CPU/batch "
              f"({flt/(N/32):6.0f} minor faults/batch), main process CPU {time.process_time()-m0:5.2f} s, wall {time.perf_counter()-t0:5.2f} s", flush=True)
    del dl
