"""Joins the JSON lines of Ocular's benchmark harness and its PyTorch twin (bench/compare.sh calls this).

    compare.py --suite S --ocular o1.jsonl [...] [--reference r1.jsonl [...]] [--expert e1.jsonl [...]]
               [--stat median|best|cpu] [--out FILE] [--meta JSON] [--check] [--memory]

Each file holds one round of one side (compare.sh writes them so); the i-th files of the sides are the same
round. There are two PyTorch twins: the reference-style one (as the seeds and reference libraries write the
workload; the issue's targets are against it) and the expert one (what a competent PyTorch user writes for the
same work; the goal is a ratio >= 1.0). A side's value for a workload is the median over rounds of each round's
"value" (its median sample), or with --stat best of each run's best sample (min time,
max throughput), which resists the interference of other processes on a shared machine, or with
--stat cpu the median process CPU time per sample (same work on both sides; with --threads 1 the
steadiest comparison on a loaded machine).
The ratio always reads "higher = Ocular faster": ocular/pytorch for a throughput (unit ending in /s),
pytorch/ocular for a time (unit starting with ns, us, ms or s). With several rounds the table adds the spread,
min-max of the per-round ratios (each round's Ocular value over the same round's twin value). Prints an aligned
table; --out writes the joined results and every raw line as JSON; --check exits 1 when a ratio against the
reference twin misses its target, or an Ocular bf16-over-fp32 ratio its own. Workloads named STEM_bf16 and STEM_fp32
(the precision suite's training steps) also get Ocular's own bf16/fp32 ratio under the table; a side whose lines report
"native_bf16": false gets a one-line warning (bfloat16 emulated: its bf16 figures mean nothing about bf16 hardware).
--memory adds a table of each side's peak resident memory (peak_rss_mb, the VmHWM of the process; compare.sh passes it when every workload ran in a process of its own, --interleave, so that the
peak is the workload's own), with rss_base_mb (the resident set before the workload built its model) where reported.
"""
import argparse
import json
import sys

from benchlib import is_throughput, median, seconds_per


def read_file(path):
    """{bench: [record]} of one file (one run of one side); non-JSON lines are ignored."""
    runs = {}
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


def read_rounds(paths):
    """One {bench: [record]} per file, i.e. per round (compare.sh writes one file per side and round)."""
    return [read_file(p) for p in (paths or [])]


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


GOAL = 1.0   # the goal against the expert twin: Ocular at least as fast as a competent PyTorch user's code


def names_of(*sides):
    names = []
    for rounds in sides:
        for rnd in rounds:
            names += [n for n in rnd if n not in names]
    return names


def side_values(rounds, name, stat):
    """Per round: the round's value for the workload (median over its records), or None when it has none."""
    out = []
    for rnd in rounds:
        vals = [v for v in (run_value(r, stat) for r in rnd.get(name, [])) if v is not None]
        out.append(median(vals) if vals else None)
    return out


def spread(values):
    vals = [v for v in values if v is not None]
    return (min(vals), max(vals)) if len(vals) > 1 else None


def fmt_ratio(r, rng):
    if r is None:
        return "-"
    return f"{r:.2f}" if rng is None else f"{r:.2f} ({rng[0]:.2f}-{rng[1]:.2f})"


def field_median(rounds, name, field):
    """The median over rounds (and records) of a numeric field of a workload's records, or None."""
    vals = [r[field] for rnd in rounds for r in rnd.get(name, []) if isinstance(r.get(field), (int, float))]
    return median(vals) if vals else None


def print_memory(rows, sides):
    """Peak resident memory per workload and side, "peak (base)" in MB, and each twin's peak over Ocular's (higher =
    Ocular leaner)."""
    header = ["workload"]
    for side in sides:
        header.append(f"{side} MB")
        if side != "ocular":
            header.append(f"{side[:3]}/ocular")
    table = [header]
    for row in rows:
        cells = [row["bench"]]
        o_peak = row.get("ocular_peak_rss_mb")
        for side in sides:
            peak, base = row.get(f"{side}_peak_rss_mb"), row.get(f"{side}_rss_base_mb")
            cells.append("-" if peak is None else f"{peak:.0f}" + ("" if base is None else f" ({base:.0f})"))
            if side != "ocular":
                cells.append("-" if peak is None or not o_peak else f"{peak / o_peak:.2f}")
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for i, r in enumerate(table):
        print("  ".join(c.ljust(widths[j]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(r)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths).rstrip())
    print("peak resident memory (VmHWM) of each workload's own process in MB, median over rounds; (base): the resident set "
          "before the workload built its model (runtime, libraries); twin/ocular: the twin's peak over Ocular's (higher = Ocular leaner)")


def bf16_over_fp32(rows):
    """Ocular's own bfloat16 speed over its float32 speed for each pair of workloads named STEM_bf16 and STEM_fp32 (the
    precision suite's training steps; higher = bf16 faster), per round and over rounds, with the target the bf16 line
    states (bf16_over_fp32_target). Recorded in the bf16 row; returns the printed lines."""
    by_name = {r["bench"]: r for r in rows}
    lines = []
    for row in rows:
        fp32 = by_name.get(row["bench"][:-len("_bf16")] + "_fp32") if row["bench"].endswith("_bf16") else None
        if fp32 is None or fp32["unit"] != row["unit"]:
            continue
        r = ratio(row["unit"], row["ocular"], fp32["ocular"])
        per_round = [ratio(row["unit"], b, f) for b, f in zip(row["ocular_rounds"], fp32["ocular_rounds"])]
        targets = [rec["bf16_over_fp32_target"] for rec in row["ocular_runs"] if rec.get("bf16_over_fp32_target") is not None]
        target = targets[0] if targets else None
        meets = None if r is None or target is None else r >= target
        row.update({"ocular_bf16_over_fp32": r, "ocular_bf16_over_fp32_rounds": per_round,
                    "ocular_bf16_over_fp32_spread": spread(per_round), "bf16_over_fp32_target": target,
                    "meets_bf16_over_fp32_target": meets})
        mark = "" if target is None else f" (target >= {target:g}: {'ok' if meets else 'MISS'})"
        lines.append(f"  {row['bench'][:-len('_bf16')]}: {fmt_ratio(r, spread(per_round))}{mark}")
    if lines:
        lines.insert(0, "ocular bf16 over its own fp32 (STEM_bf16 against STEM_fp32, higher = bf16 faster):")
    return lines


def native_bf16_warning(sides):
    """One line when any side's JSON lines report "native_bf16": false (bfloat16 emulated on its processor), else None.
    sides: {side: [rounds of {bench: [record]}]}."""
    emulated = [side for side, rounds in sides.items()
                if any(rec.get("native_bf16") is False for rnd in rounds for recs in rnd.values() for rec in recs)]
    if not emulated:
        return None
    return (f"warning: no native bfloat16 (avx512_bf16 or amx_bf16) on the processor of {', '.join(emulated)}: bf16 ran "
            "emulated, slower than fp32 — these bf16 figures say nothing about bfloat16 hardware")


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--suite", required=True)
    p.add_argument("--ocular", nargs="+", required=True, help="the C# side's files, one per round")
    p.add_argument("--reference", "--pytorch", nargs="+", default=[], help="the reference-style twin's files, one per round")
    p.add_argument("--expert", nargs="+", default=[], help="the expert twin's files, one per round")
    p.add_argument("--out")
    p.add_argument("--meta", default="{}")
    p.add_argument("--check", action="store_true", help="exit 1 when a ratio against the reference twin (or an Ocular bf16-over-fp32 ratio) misses its target")
    p.add_argument("--stat", choices=["median", "best", "cpu"], default="median")
    p.add_argument("--memory", action="store_true",
                   help="also print each side's peak resident memory per workload (meaningful when each workload ran in its own process)")
    a = p.parse_args(argv)
    if not a.reference and not a.expert:
        p.error("give --reference and/or --expert files")

    oc = read_rounds(a.ocular)
    twins = {t: read_rounds(files) for t, files in (("reference", a.reference), ("expert", a.expert)) if files}
    names = names_of(oc, *twins.values())
    rows, problems = [], []
    for name in names:
        recs = {side: [r for rnd in rounds for r in rnd.get(name, [])] for side, rounds in [("ocular", oc), *twins.items()]}
        units = {r["unit"] for rs in recs.values() for r in rs}
        if len(units) != 1:
            problems.append(f"{name}: the sides report different units {sorted(units)}")
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
        o_rounds = side_values(oc, name, a.stat)
        o_val = median([v for v in o_rounds if v is not None]) if any(v is not None for v in o_rounds) else None
        if o_val is None:
            problems.append(f"{name}: no result from Ocular")
        targets = [r["target"] for rs in recs.values() for r in rs if r.get("target") is not None]
        row = {"bench": name, "unit": unit, "stat": a.stat, "ocular": o_val, "ocular_rounds": o_rounds,
               "ocular_spread": spread(o_rounds), "target": targets[0] if targets else None,
               "threads": sorted({r.get("threads") for rs in recs.values() for r in rs if r.get("threads") is not None}),
               "ocular_runs": recs["ocular"]}
        for twin, rounds in twins.items():
            t_rounds = side_values(rounds, name, a.stat)
            t_val = median([v for v in t_rounds if v is not None]) if any(v is not None for v in t_rounds) else None
            if t_val is None:
                problems.append(f"{name}: no result from the {twin} twin")
            r = ratio(unit, o_val, t_val) if known_unit else None
            per_round = [ratio(unit, o, t) if known_unit else None for o, t in zip(o_rounds, t_rounds)]
            row.update({twin: t_val, f"{twin}_rounds": t_rounds, f"{twin}_spread": spread(t_rounds),
                        f"ratio_{twin}": r, f"ratio_{twin}_rounds": per_round, f"ratio_{twin}_spread": spread(per_round),
                        f"{twin}_runs": recs[twin]})
            if twin == "expert":
                row["expert_is_reference"] = any(rec.get("expert_is_reference") for rec in recs[twin])
        for side, rounds in [("ocular", oc), *twins.items()]:
            row[f"{side}_peak_rss_mb"] = field_median(rounds, name, "peak_rss_mb")
            row[f"{side}_rss_base_mb"] = field_median(rounds, name, "rss_base_mb")
        r_ref = row.get("ratio_reference")
        row["meets_target"] = None if r_ref is None or row["target"] is None else r_ref >= row["target"]
        r_exp = row.get("ratio_expert")
        row["meets_goal"] = None if r_exp is None else r_exp >= GOAL
        rows.append(row)

    multi = len(a.ocular) > 1
    header = ["workload", "ocular"]
    if "reference" in twins:
        header += ["reference", "vs ref" + (" (spread)" if multi else ""), "target", "check"]
    if "expert" in twins:
        header += ["expert", "vs expert" + (" (spread)" if multi else ""), "goal"]
    header += ["unit"]
    table = [header]
    for row in rows:
        cells = [row["bench"], fmt(row["ocular"])]
        if "reference" in twins:
            mark = "" if row["meets_target"] is None else ("ok" if row["meets_target"] else "MISS")
            cells += [fmt(row["reference"]), fmt_ratio(row["ratio_reference"], row["ratio_reference_spread"]),
                      "" if row["target"] is None else f">= {row['target']:g}", mark]
        if "expert" in twins:
            goal = "" if row["meets_goal"] is None else ("ok" if row["meets_goal"] else "below")
            if row.get("expert_is_reference"):
                goal += " (=ref)"
            cells += [fmt(row["expert"]), fmt_ratio(row["ratio_expert"], row["ratio_expert_spread"]), goal.strip()]
        cells += [row["unit"]]
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    right = {i for i, h in enumerate(header) if h in ("ocular", "reference", "expert") or h.startswith("vs ")}
    for i, r in enumerate(table):
        cells = [c.rjust(widths[j]) if j in right else c.ljust(widths[j]) for j, c in enumerate(r)]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths).rstrip())
    described = {"median": "median over samples", "best": "best sample",
                 "cpu": "median process CPU time per sample (all threads)"}[a.stat]
    print(f"values: {described}{f', median over {len(a.ocular)} rounds; (spread) = min-max of the per-round ratios' if multi else ''}; "
          "ratio = Ocular's speed over the twin's (higher = Ocular faster): ocular/twin for .../s units, twin/ocular for times; "
          f"target: against the reference-style twin; goal: >= {GOAL:g} against the expert twin"
          + ("; (=ref): the reference twin is already what an expert writes" if any(r.get("expert_is_reference") for r in rows) else ""))
    pair_lines = bf16_over_fp32(rows)
    if pair_lines:
        print("\n".join(pair_lines))
    bf16_warning = native_bf16_warning({"ocular": oc, **twins})
    if bf16_warning:
        print(bf16_warning)
    if a.memory:
        print()
        print_memory(rows, ["ocular", *twins])
    for msg in problems:
        print(f"warning: {msg}", file=sys.stderr)

    if a.out:
        doc = {"suite": a.suite, "meta": json.loads(a.meta), "results": rows}
        if bf16_warning:
            doc["native_bf16_warning"] = bf16_warning
        with open(a.out, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print(f"results written to {a.out}")

    if not rows or problems:
        return 1
    if a.check and any(r["meets_target"] is False or r.get("meets_bf16_over_fp32_target") is False for r in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
