"""PyTorch twin of Ocular's `distributed` benchmark suite (bench/Ocular.Bench/Suites/DistributedSuite.cs).

- ddp_train_resnet18_112_b16_1rank (images/s): torchvision's resnet18 (10 classes) trained on 16 images of 112² per
  step (tensors in memory), SGD, one process with the harness's threads.
- ddp_train_resnet18_112_b16_2ranks_t1 (images/s): the same 16 images per step as two processes (ranks) of one thread
  and 8 images each, the model wrapped in torch.nn.parallel.DistributedDataParallel over a Gloo group.
  Reference: DDP as PyTorch's DDP tutorial writes it (defaults: 25 MB buckets, broadcast_buffers). Expert: the model and
  inputs channels-last, gradient_as_bucket_view=True (no copy between buckets and .grad), zero_grad(set_to_none=True).
- allreduce_{1,16,64,256}mb_2ranks (GB/s): torch.distributed.all_reduce of a float32 tensor between two ranks over
  loopback, bus bandwidth bytes × 2(n−1)/n per call over its time. The expert writes the same call.

As on Ocular's side, this process is rank 0 and starts rank 1 as a second process of this script (OCULAR_BENCH_RANK=1,
--filter the workload, one thread); both take the same fixed number of warm-up samples and meet at a barrier before
each timed sample.
Run: /usr/bin/python3 bench/python/distributed.py [--style reference|expert] [--threads N] [--quick] ...
"""
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.nn.functional as F
import torchvision

from benchlib import IMAGES_PER_S, Measurement, Plan, Samples, Workload, main, median

TARGET = 0.95
SIZE, BATCH, CLASSES = 112, 16, 10
RANK_VARIABLE, PORT_VARIABLE = "OCULAR_BENCH_RANK", "OCULAR_BENCH_MASTER_PORT"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def style():
    return sys.argv[sys.argv.index("--style") + 1] if "--style" in sys.argv else "reference"


def join(workload, ranks, plan):
    """Rank 0 starts the other ranks as processes of this script running `workload`, then all join one Gloo group."""
    given = os.environ.get(RANK_VARIABLE)
    if given:
        rank, port = int(given), int(os.environ[PORT_VARIABLE])
    else:
        rank, port = 0, free_port()
        for r in range(1, ranks):
            env = dict(os.environ, **{RANK_VARIABLE: str(r), PORT_VARIABLE: str(port)})
            args = [sys.executable, os.path.abspath(__file__), "--style", style(), "--filter", f"^{workload}$", "--threads", "1",
                    "--warmup", str(plan.warmup), "--repeat", str(plan.repeat)] + (["--quick"] if "--quick" in sys.argv else [])
            subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ["GLOO_SOCKET_IFNAME"] = "lo"
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=ranks, timeout=timedelta(minutes=5))
    return rank


def lockstep(plan, body, group):
    for _ in range(plan.warmup):
        body()
    wall, cpu = [], []
    for _ in range(plan.repeat):
        if group:
            dist.barrier()
        cpu_start = time.process_time()
        start = time.perf_counter()
        body()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    return Samples(wall, cpu)


def throughput(samples, items, unit, extra):
    return Measurement(items / median(samples.wall), items / min(samples.wall), items / max(samples.wall),
                       median(samples.cpu) * 1e3, extra)


def train(name, ranks, expert):
    def run(plan):
        group = ranks > 1
        rank = join(name, ranks, plan) if group else 0
        threads = torch.get_num_threads()
        if group:
            torch.set_num_threads(1)
        try:
            torch.manual_seed(0)
            model = torchvision.models.resnet18(num_classes=CLASSES).train()
            per_rank = BATCH // ranks
            g = torch.Generator().manual_seed(1000 + rank)
            x = torch.randn(per_rank, 3, SIZE, SIZE, generator=g)
            y = torch.randint(CLASSES, (per_rank,), generator=g)
            if expert:
                model = model.to(memory_format=torch.channels_last)
                x = x.contiguous(memory_format=torch.channels_last)
            if group:
                model = torch.nn.parallel.DistributedDataParallel(model, gradient_as_bucket_view=expert)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

            def body():
                for _ in range(plan.per_sample):
                    optimizer.zero_grad(set_to_none=expert)
                    loss = F.cross_entropy(model(x), y)
                    loss.backward()
                    optimizer.step()
            samples = lockstep(plan, body, group)
            return throughput(samples, BATCH * plan.per_sample, IMAGES_PER_S,
                              {"ranks": ranks, "images_per_rank": per_rank, "threads_per_rank": torch.get_num_threads()})
        finally:
            torch.set_num_threads(threads)
            if group:
                dist.destroy_process_group()
    return run


def all_reduce(name, megabytes):
    def run(plan):
        join(name, 2, plan)
        try:
            t = torch.ones(megabytes * (1 << 20) // 4)

            def body():
                for _ in range(plan.per_sample):
                    dist.all_reduce(t)
            samples = lockstep(plan, body, True)
            size = dist.get_world_size()
            gb = megabytes * (1 << 20) * 2 * (size - 1) / size * plan.per_sample / 1e9
            return throughput(samples, gb, "GB/s", {"megabytes": megabytes, "ranks": 2})
        finally:
            dist.destroy_process_group()
    return run


def workloads():
    steps, quick = Plan(2, 5, 4), Plan(1, 1, 1)
    single = f"ddp_train_resnet18_{SIZE}_b{BATCH}_1rank"
    two = f"ddp_train_resnet18_{SIZE}_b{BATCH}_2ranks_t1"
    result = [
        Workload(single, IMAGES_PER_S, steps, quick, train(single, 1, False), expert=train(single, 1, True)),
        Workload(two, IMAGES_PER_S, steps, quick, train(two, 2, False), TARGET, expert=train(two, 2, True)),
    ]
    for mb in (1, 16, 64, 256):
        name = f"allreduce_{mb}mb_2ranks"
        # The expert writes the same all_reduce call: expert = reference.
        result.append(Workload(name, "GB/s", Plan(3, 7, max(1, 64 // mb)), Plan(1, 1, 1), all_reduce(name, mb)))
    return result


if __name__ == "__main__":
    sys.exit(main("distributed", workloads))
