"""A PyTorch rank for `ocular distributed check` (issue 19): joins the same group through torch.distributed with Gloo
(env://: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and runs the same collectives in the same order — all_reduce of
(rank + 1), broadcast from the last rank, all_gather of the rank, a barrier, then for each size one warm-up all_reduce
and REPEAT timed ones each after a barrier — checking the results. An Ocular rank and this one in one group prove that
Ocular speaks the real c10d protocol.

    MASTER_ADDR=127.0.0.1 MASTER_PORT=29612 WORLD_SIZE=2 RANK=0 ocular distributed check &
    MASTER_ADDR=127.0.0.1 MASTER_PORT=29612 WORLD_SIZE=2 RANK=1 /usr/bin/python3 scripts/experiments/c10d-interop.py
"""
import os
import statistics
import time

import torch
import torch.distributed as dist

SIZES = [float(s) for s in os.environ.get("SIZES", "1,16,64").split(",") if s]
REPEAT = int(os.environ.get("REPEAT", "5"))


def main():
    torch.set_num_threads(1)
    start = time.perf_counter()
    dist.init_process_group("gloo")
    joined = time.perf_counter() - start
    r, n = dist.get_rank(), dist.get_world_size()
    x = torch.full((4,), float(r + 1))
    dist.all_reduce(x)
    b = torch.full((3,), float(r))
    dist.broadcast(b, src=n - 1)
    gathered = [torch.zeros(1, dtype=torch.int64) for _ in range(n)]
    dist.all_gather(gathered, torch.tensor([r], dtype=torch.int64))
    dist.barrier()
    checks = {"all_reduce (sum)": bool((x == n * (n + 1) / 2).all()), "broadcast": bool((b == n - 1).all()),
              "all_gather": [int(t) for t in gathered] == list(range(n))}
    print(f"pytorch rank {r} of {n}, joined in {joined:.2f} s, torch {torch.__version__}")
    for name, ok in checks.items():
        print(f"  {name}: {'ok' if ok else 'WRONG'}")
    for mb in SIZES:
        buffer = torch.ones(int(mb * 1024 * 1024 / 4))
        dist.all_reduce(buffer)
        times = []
        for _ in range(REPEAT):
            dist.barrier()
            t0 = time.perf_counter()
            dist.all_reduce(buffer)
            times.append(time.perf_counter() - t0)
        median = sorted(times)[len(times) // 2]
        print(f"  all_reduce {mb:g} MB: {median * 1e3:.1f} ms, bus bandwidth {mb * 2 * (n - 1) / n / median:.0f} MB/s")
    dist.destroy_process_group()
    if not all(checks.values()):
        raise SystemExit("a collective returned a wrong result")


if __name__ == "__main__":
    main()
