"""Where the data twin's epoch goes: w0 vs w2, workers forked per epoch vs persistent; time to first batch, CPU."""
import os, resource, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import torch, torchvision, torchvision.transforms as T
from jpegfolder import ensure_images
torch.set_num_threads(2)
N = int(os.environ.get("N", "512"))
root = ensure_images(N, 4)
tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
ds = torchvision.datasets.ImageFolder(root, transform=tf)
def cpu(who):
    r = resource.getrusage(who); return r.ru_utime + r.ru_stime
# per-image transform cost, in this process, one thread
t0 = time.process_time()
for i in range(64): ds[i]
print(f"one image in the main process: {1e3*(time.process_time()-t0)/64:.2f} ms CPU", flush=True)
for label, kw in [("w0", dict(num_workers=0)), ("w2 forked per epoch", dict(num_workers=2)),
                  ("w2 persistent", dict(num_workers=2, persistent_workers=True))]:
    dl = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True, **kw)
    for epoch in range(3):
        c0, k0, t0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
        first = None
        for x, y in dl:
            if first is None: first = time.perf_counter() - t0
        wall = time.perf_counter() - t0
        print(f"{label:<22} epoch {epoch}: {N/wall:6.1f} img/s  first batch after {first:5.2f} s  "
              f"main CPU {cpu(resource.RUSAGE_SELF)-c0:5.2f} s  reaped workers' CPU {cpu(resource.RUSAGE_CHILDREN)-k0:5.2f} s  wall {wall:5.2f} s", flush=True)
    del dl
