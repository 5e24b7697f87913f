"""Joins the JSON lines of Ocular's benchmark harness and its PyTorch twin (bench/compare.sh calls this).

    compare.py --suite S --ocular o1.jsonl [...] --pytorch p1.jsonl [...] [--stat median|best|cpu] [--out FILE] [--meta JSON] [--check]

Each file holds one run (or several) of one side. A side's value for a workload is the median over its
runs of each run's "value" (its median sample), or with --stat best of each run's best sample (min time,
max throughput), which resists the interference of other processes on a shared machine, or with
--stat cpu the median process CPU time per sample (same work on both sides; with --threads 1 the
steadiest comparison on a loaded machine).
The ratio always reads "higher = Ocular faster": ocular/pytorch for a throughput (unit ending in /s),
pytorch/ocular for a time (unit starting with ns, us, ms or s). Prints an aligned table; --out writes the
joined results as JSON; --check exits 1 when a ratio misses its target.
"""
import argparse
import json
import sys

from benchlib import is_throughput, median, seconds_per


def read_lines(paths):
    """{bench: [record per round]} in first-seen order; non-JSON lines are ignored."""
    runs = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if "bench" in rec and "value" in rec and "unit" in rec:
                    runs.setdefault(rec["bench"], []).append(rec)
    return runs


def orientation(unit):
    """'throughput' or 'time', or raise for a unit compare.sh cannot orient."""
    if is_throughput(unit):
        return "throughput"
    seconds_per(unit)  # raises for an unknown unit
    return "time"


def ratio(unit, ocular, pytorch):
    if ocular is None or pytorch is None or ocular <= 0 or pytorch <= 0:
        return None
    return ocular / pytorch if orientation(unit) == "throughput" else pytorch / ocular


CPU_UNIT = "ms/sample (cpu)"


def run_value(rec, stat):
    """A run's value: its median ("value"), its best sample ("min" for a time, "max" for a throughput), or
    its median process CPU time per sample ("cpu_ms", same work per sample on both sides)."""
    if stat == "median":
        return rec.get("value")
    if stat == "cpu":
        return rec.get("cpu_ms")
    return rec.get("max" if is_throughput(rec["unit"]) else "min", rec.get("value"))


def fmt(v, digits=4):
    return "-" if v is None else f"{v:.{digits}g}"


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--suite", required=True)
    p.add_argument("--ocular", nargs="+", required=True)
    p.add_argument("--pytorch", nargs="+", required=True)
    p.add_argument("--out")
    p.add_argument("--meta", default="{}")
    p.add_argument("--check", action="store_true")
    p.add_argument("--stat", choices=["median", "best", "cpu"], default="median")
    a = p.parse_args(argv)

    oc, py = read_lines(a.ocular), read_lines(a.pytorch)
    names = list(oc) + [n for n in py if n not in oc]
    rows, problems = [], []
    for name in names:
        o_recs, p_recs = oc.get(name, []), py.get(name, [])
        units = {r["unit"] for r in o_recs + p_recs}
        if len(units) != 1:
            problems.append(f"{name}: the two sides report different units {sorted(units)}")
            continue
        unit = units.pop()
        if a.stat == "cpu":
            unit = CPU_UNIT  # a time, whatever the workload's own unit
        try:
            orientation(unit)
            known_unit = True
        except ValueError as e:
            problems.append(f"{name}: {e}")
            known_unit = False
        o_vals = [v for v in (run_value(r, a.stat) for r in o_recs) if v is not None]
        p_vals = [v for v in (run_value(r, a.stat) for r in p_recs) if v is not None]
        o_val = median(o_vals) if o_vals else None
        p_val = median(p_vals) if p_vals else None
        targets = [r["target"] for r in o_recs + p_recs if r.get("target") is not None]
        target = targets[0] if targets else None
        r = ratio(unit, o_val, p_val) if known_unit else None
        if o_val is None or p_val is None:
            problems.append(f"{name}: no result from {'Ocular' if o_val is None else 'PyTorch'}")
        rows.append({
            "bench": name, "unit": unit, "stat": a.stat, "ocular": o_val, "pytorch": p_val, "ratio": r, "target": target,
            "meets_target": None if r is None or target is None else r >= target,
            "threads": sorted({rec.get("threads") for rec in o_recs + p_recs if rec.get("threads") is not None}),
            "ocular_runs": o_recs, "pytorch_runs": p_recs,
        })

    header = ["workload", "ocular", "pytorch", "unit", "ratio", "target", "check"]
    table = [header]
    for row in rows:
        mark = "" if row["meets_target"] is None else ("ok" if row["meets_target"] else "MISS")
        table.append([row["bench"], fmt(row["ocular"]), fmt(row["pytorch"]), row["unit"],
                      "-" if row["ratio"] is None else f"{row['ratio']:.2f}",
                      "" if row["target"] is None else f">= {row['target']:g}", mark])
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    right = {1, 2, 4}
    for i, r in enumerate(table):
        cells = [c.rjust(widths[j]) if j in right else c.ljust(widths[j]) for j, c in enumerate(r)]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths).rstrip())
    described = {"median": "median over samples", "best": "best sample",
                 "cpu": "median process CPU time per sample (all threads)"}[a.stat]
    print(f"values: {described}"
          f"{', median over runs' if any(len(r['ocular_runs']) > 1 or len(r['pytorch_runs']) > 1 for r in rows) else ''}; "
          "ratio = Ocular/PyTorch speed (higher = Ocular faster): ocular/pytorch for .../s units, pytorch/ocular for times")
    for msg in problems:
        print(f"warning: {msg}", file=sys.stderr)

    if a.out:
        doc = {"suite": a.suite, "meta": json.loads(a.meta), "results": rows}
        with open(a.out, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print(f"results written to {a.out}")

    if not rows or any(r["ocular"] is None or r["pytorch"] is None for r in rows) or problems:
        return 1
    if a.check and any(r["meets_target"] is False for r in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
