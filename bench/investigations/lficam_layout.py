"""The lficam expert twin's training step in channels-last against NCHW (bench/python/lficam.py `expert`), same process,
alternating, wall and CPU seconds per step. Usage: LFI_CAM=... ABN=... /usr/bin/python3 bench/investigations/lficam_layout.py
ARCH SIZE BATCH [ROUNDS] [THREADS]"""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import torch, lficam as L
from benchlib import Plan
arch, size, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 1
torch.set_num_threads(int(sys.argv[5]) if len(sys.argv) > 5 else 2)
for r in range(rounds):
    for cl in (False, True) if r % 2 == 0 else (True, False):
        m = L.expert(arch, size, batch, Plan(1, 1), channels_last=cl)
        print(f"{arch} {'channels-last' if cl else 'NCHW         '} {batch / m.value:7.2f} s/step wall, {m.cpu_ms_per_sample / 1e3:7.2f} s CPU", flush=True)
