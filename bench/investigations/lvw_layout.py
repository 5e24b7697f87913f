"""The lvw expert twin's training step (bench/python/lvw.py `train_expert`) in channels-last against NCHW, same process,
alternating, wall and CPU seconds per step. Usage: LVW=... /usr/bin/python3 bench/investigations/lvw_layout.py BATCH [ROUNDS] [THREADS]"""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import torch, lvw as L
from benchlib import Plan
batch = int(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
for r in range(rounds):
    for cl in (False, True) if r % 2 == 0 else (True, False):
        m = L.train_expert(Plan(1, 1), batch=batch, channels_last=cl)
        print(f"lvw_resnet34 b{batch} {'channels-last' if cl else 'NCHW         '} {batch / m.value:7.2f} s/step wall, {m.cpu_ms_per_sample / 1e3:7.2f} s CPU "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
