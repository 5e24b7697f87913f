"""Shared helpers of the PyTorch twins of Ocular's benchmark suites (bench/python/SUITE.py).

Mirrors bench/Ocular.Bench/Harness: the same command line (--threads, --repeat, --warmup, --quick,
--filter, --list), the same sampling (warm-up calls, then timed calls, median) and the same JSON
lines {"bench", "value", "unit", ...} on stdout, progress on stderr. Run with Debian's
/usr/bin/python3 (python3-torch 1.13); bench/compare.sh runs both sides and joins them.
"""
import argparse
import gc
import json
import math
import os
import re
import resource
import sys
import time
from typing import Callable, Dict, List, NamedTuple, Optional

US_PER_OP = "us/op"
MS_PER_ITER = "ms/iter"
MS_PER_STEP = "ms/step"
IMAGES_PER_S = "images/s"

_SECONDS_PER = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def is_throughput(unit: str) -> bool:
    """A unit ending in /s is a throughput (higher is better); the same rule as compare.sh."""
    return unit.endswith("/s")


def seconds_per(unit: str) -> float:
    head = unit.split("/")[0]
    if head not in _SECONDS_PER:
        raise ValueError(f"'{unit}' is neither a time (ns, us, ms, s per something) nor a throughput (something/s)")
    return _SECONDS_PER[head]


class Plan(NamedTuple):
    """warmup untimed samples, repeat timed samples, each of per_sample units of work."""
    warmup: int
    repeat: int
    per_sample: int = 1


class Samples(NamedTuple):
    """Per timed call: wall-clock seconds, and the process's CPU seconds (all threads, user + system)."""
    wall: List[float]
    cpu: List[float]


class Measurement(NamedTuple):
    value: float
    best: float
    worst: float
    cpu_ms_per_sample: float
    extra: Optional[Dict[str, object]] = None


class Workload(NamedTuple):
    """One measured thing; `run(plan)` sets up, samples, and returns a Measurement. Names match the C# suite's.

    `run` is the *reference-style* twin: the workload written as the seeds' scripts and the reference libraries
    write it (what a user would otherwise run). `expert` is the *expert twin*: what a competent PyTorch user writes
    for the same result and the same work as Ocular's side (same batch sizes, sizes and settings; no autograd where
    nothing is differentiated, channels-last where convolutions dominate, persistent loader workers, ...). A
    workload whose `expert` is None runs `run` for --style expert too: only where the reference twin already is
    what an expert writes (the suite says so in a comment); its lines then carry "expert_is_reference": true.
    """
    name: str
    unit: str
    full: Plan
    quick: Plan
    run: Callable[[Plan], Measurement]
    target: Optional[float] = None
    expert: Optional[Callable[[Plan], Measurement]] = None


# The warm-up lasts at least plan.warmup calls and, unless that is 0, at least this long: the rule of
# the C# harness (whose tiered JIT needs it); the same here so that both sides follow one protocol.
MIN_WARMUP_SECONDS = 0.5


def sample(plan: Plan, body: Callable[[], None]) -> Samples:
    """Untimed warm-up calls of body() (see MIN_WARMUP_SECONDS), then plan.repeat timed calls (wall and CPU seconds)."""
    warm = time.perf_counter()
    i = 0
    while i < plan.warmup or (plan.warmup > 0 and time.perf_counter() - warm < MIN_WARMUP_SECONDS):
        body()
        i += 1
    wall, cpu = [], []
    for _ in range(plan.repeat):
        cpu_start = time.process_time()
        start = time.perf_counter()
        body()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    return Samples(wall, cpu)


def median(values: List[float]) -> float:
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 == 1 else (s[mid - 1] + s[mid]) / 2


def time_per(samples: Samples, plan: Plan, unit: str, extra=None) -> Measurement:
    """A time per unit of work (e.g. us/op): each sample's seconds over plan.per_sample, median over samples."""
    scale = 1.0 / (plan.per_sample * seconds_per(unit))
    wall = samples.wall
    return Measurement(median(wall) * scale, min(wall) * scale, max(wall) * scale, median(samples.cpu) * 1e3, extra)


def throughput(samples: Samples, items_per_sample: float, unit: str, extra=None) -> Measurement:
    """A throughput (e.g. images/s): items over each sample's seconds; the median is items over the median time."""
    if not is_throughput(unit):
        raise ValueError(f"'{unit}' is not a throughput unit (.../s)")
    wall = samples.wall
    return Measurement(items_per_sample / median(wall), items_per_sample / min(wall),
                       items_per_sample / max(wall), median(samples.cpu) * 1e3, extra)


def _round(v):
    # Six significant digits, as the C# harness; NaN and infinities become null.
    if isinstance(v, float):
        return float(f"{v:.6g}") if math.isfinite(v) else None
    return v


def emit(bench: str, value: float, unit: str, **extra) -> None:
    line = {"bench": bench, "value": _round(value), "unit": unit}
    line.update({k: _round(v) for k, v in extra.items()})
    print(json.dumps(line, separators=(",", ":")), flush=True)


def resident_mb(field: str = "VmRSS") -> Optional[float]:
    """The process's resident memory in MiB from /proc/self/status (Linux): VmRSS (now) or VmHWM (the peak so far, as
    ru_maxrss); None where it is not readable. The C# harness's Memory class reads the same fields. The peak is per
    process: a workload's own peak needs a process of its own (compare.sh --interleave)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _default_threads() -> int:
    # Like .NET's Environment.ProcessorCount: the processors this process may run on.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def parse_args(argv, suite: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=f"{suite}.py", description=f"PyTorch twin of Ocular's '{suite}' benchmark suite")
    p.add_argument("--threads", type=int, default=_default_threads(), help="intra-op threads (default: processor count)")
    p.add_argument("--repeat", type=int, default=None, help="timed samples per workload (default: the workload's own)")
    p.add_argument("--warmup", type=int, default=None, help="untimed warm-up samples (default: the workload's own)")
    p.add_argument("--quick", action="store_true", help="small smoke-run plans")
    p.add_argument("--filter", default=None, help="only workloads whose name matches this regular expression")
    p.add_argument("--list", action="store_true", help="print the workloads and exit")
    p.add_argument("--style", choices=["reference", "expert"], default="reference",
                   help="reference: the workload as the seeds/reference libraries write it (default); "
                        "expert: as a competent PyTorch user writes it (see bench/README.md)")
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error("--threads must be at least 1")
    if args.repeat is not None and args.repeat < 1:
        p.error("--repeat must be at least 1")
    if args.warmup is not None and args.warmup < 0:
        p.error("--warmup must be non-negative")
    return args


def main(suite: str, workloads: Callable[[], List[Workload]], argv=None) -> int:
    """Runs a suite: parses the options, applies them (threads, seed), runs the chosen workloads, prints JSON lines."""
    import torch  # here, so that compare.py can use this module's unit rules without importing torch

    args = parse_args(sys.argv[1:] if argv is None else argv, suite)
    pattern = re.compile(args.filter) if args.filter else None
    chosen = [w for w in workloads() if pattern is None or pattern.search(w.name)]
    if not chosen:
        print(f"{suite}.py: no workload matches --filter '{args.filter}'", file=sys.stderr)
        return 2
    if args.list:
        for w in chosen:
            expert = "expert: own" if w.expert is not None else "expert: = reference"
            print(f"{w.name:<48} {w.unit:<9} {expert:<20} {'' if w.target is None else f'target >= {w.target:g}'}".rstrip())
        return 0

    # Debian's python3-torch starts with 1 thread: set the count explicitly, as the C# side does.
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    print(f"# pytorch {suite} ({args.style} twin): torch {torch.__version__}, threads {threads} (processors {_default_threads()})"
          + (", quick" if args.quick else ""), file=sys.stderr)

    failures = 0
    for w in chosen:
        plan = w.quick if args.quick else w.full
        plan = plan._replace(warmup=plan.warmup if args.warmup is None else args.warmup,
                             repeat=plan.repeat if args.repeat is None else args.repeat)
        gc.collect()  # start each workload from a clean heap, as the C# harness does
        run = w.run if args.style == "reference" or w.expert is None else w.expert
        try:
            m = run(plan)
        except Exception as e:  # report and go on with the other workloads
            failures += 1
            print(f"# {w.name}: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        lo, hi = min(m.best, m.worst), max(m.best, m.worst)
        extra = dict(side="pytorch", style=args.style, suite=suite, threads=threads, n=plan.per_sample, repeat=plan.repeat,
                     warmup=plan.warmup, min=lo, max=hi,
                     cpu_ms=m.cpu_ms_per_sample,  # median process CPU time (all threads) per sample: compare.sh --stat cpu
                     # the process's peak resident memory so far (VmHWM, as the C# side's PeakWorkingSet64)
                     peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
        if w.target is not None:
            extra["target"] = w.target
        if args.style == "expert" and w.expert is None:
            extra["expert_is_reference"] = True
        extra.update(m.extra or {})
        emit(w.name, m.value, w.unit, **extra)
        print(f"# {w.name:<48} [{args.style}] {m.value:12.5g} {w.unit:<9} (min {lo:.4g}, max {hi:.4g}, {plan.repeat} samples)",
              file=sys.stderr)
    return 0 if failures == 0 else 1

# ---------------------------------------------------------------- original code, read by path (lficam, lvw)

def _git(root, *args):
    import subprocess
    return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, check=True).stdout


def read_original(var, rel, repository, suite):
    """(source text, where it came from) of `rel` in the repository that the environment variable `var` names: a
    checkout, or a bare clone (read at HEAD). `repository` and `suite` word the error when `var` is unset."""
    import subprocess
    root = os.environ.get(var)
    if not root:
        raise RuntimeError(f"set {var} to a checkout (or bare clone) of {repository}: see bench/README.md, suite {suite}")
    path = os.path.join(root, rel)
    try:
        revision = _git(root, "rev-parse", "--short", "HEAD").strip()
    except (OSError, subprocess.CalledProcessError):
        revision = "unknown"
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return f.read(), f"{path}@{revision}"
    try:
        return _git(root, "show", f"HEAD:{rel}"), f"{root}:HEAD:{rel}@{revision}"
    except (OSError, subprocess.CalledProcessError) as e:
        raise RuntimeError(f"{var}={root}: no {rel} there (neither a checkout nor a git repository holding it)") from e


class OriginalFinder:
    """An import hook that serves `import NAME` for NAME in `names` from the original repository's files, read by
    `read(rel) -> (source, where)` (a suite's read_original): the seeds' scripts import each other by module name."""

    def __init__(self, names, read):
        self.names, self.read = set(names), read

    def find_spec(self, name, path, target=None):
        import importlib.util
        if path is None and name in self.names:
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        source, where = self.read(module.__name__ + ".py")
        module.__file__ = where
        exec(compile(source, where, "exec"), module.__dict__)
