#!/usr/bin/env python3
"""Prints the tables of docs/lvw.md ("Measured") from the output of scripts/experiments/lvw-study.sh.

Usage: python3 scripts/experiments/lvw-table.py runs/lvw-study/shapes [more study folders]
Top-1 is the test top-1 of each run's best epoch or step (selected on the validation split); mean ± sample sd over seeds.
"""
import glob
import json
import os
import statistics
import sys

MODELS = [("base", "compact CNN"), ("lvw", "LVW"), ("protopnet", "ProtoPNet")]
KEYS = ["ad@100", "ad@50", "ad@15", "ic@100", "ic@50", "ic@15", "deletion", "insertion", "iou", "pointing", "ebpg"]


def mean_sd(values, digits=2):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def rows(run):
    return [json.loads(line) for line in open(os.path.join(run, "metrics.jsonl")) if line.strip()]


def best_test_top1(run):
    best = [r for r in rows(run) if r.get("best") == 1.0]
    return best[-1]["test_top1"] if best else None


def distinct(run):
    pushes = sorted(glob.glob(os.path.join(run, "push-*.json")), key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0]))
    return json.load(open(pushes[-1]))["distinct_patches"] if pushes else None


def study(folder):
    name = os.path.basename(folder.rstrip("/"))
    print(f"\n### {name}\n")
    print("| Model | runs | test top-1 (%) | words | distinct patches after the last push | best step |")
    print("|---|---|---|---|---|---|")
    for model, label in MODELS:
        runs = sorted(glob.glob(os.path.join(folder, f"{model}-seed*")))
        if not runs:
            continue
        top1 = [best_test_top1(r) for r in runs]
        if model == "base":
            print(f"| {label} | {len(runs)} | {mean_sd(top1)} | — | — | — |")
            continue
        words = {json.load(open(os.path.join(r, "config.json")))["options"]["words_per_class"] for r in runs}
        best = [next((x["name"] for x in reversed(rows(r)) if x.get("best") == 1.0), "—") for r in runs]
        print(f"| {label} | {len(runs)} | {mean_sd(top1)} | {'/'.join(map(str, words))} per class | {mean_sd([distinct(r) for r in runs], 1)} | {', '.join(best)} |")

    print("\n| Model | map | AD 100 % ↓ | AD 50 % ↓ | AD 15 % ↓ | IC 100 % ↑ | IC 50 % ↑ | IC 15 % ↑ | deletion ↓ | insertion ↑ | IoU vs base Grad-CAM ↑ | pointing ↑ | EBPG ↑ |")
    print("|---|---|" + "---|" * len(KEYS))
    for model, label in MODELS:
        files = sorted(glob.glob(os.path.join(folder, f"evaluate-{model}-seed*", "results.json")))
        per_method = {}
        for path in files:
            for m in json.load(open(path))["methods"]:
                if "@" in m["name"]:
                    continue  # the reference rows (grad-cam@base)
                per_method.setdefault(m["name"], []).append(m["results"])
        for method, results in per_method.items():
            cells = []
            for k in KEYS:
                values = [r[k] for r in results if r.get(k) is not None]
                digits = 4 if k in ("deletion", "insertion") else 3 if k in ("iou", "pointing", "ebpg") else 2
                cells.append(f"{statistics.mean(values):.{digits}f}" if values else "—")
            print(f"| {label} ({len(results)} seeds) | {method} | " + " | ".join(cells) + " |")


for f in sys.argv[1:]:
    study(f)
