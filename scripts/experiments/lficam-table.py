#!/usr/bin/env python3
"""Prints the tables of docs/lficam.md ("Measured") from the output of scripts/experiments/lficam-study.sh.

Usage: python3 scripts/experiments/lficam-table.py runs/lficam-study/shapes32 [more study folders]
Top-1 is the test top-1 of each run's best epoch (selected on the validation split); mean ± sample sd over seeds.
"""
import glob
import json
import os
import statistics
import sys

METHODS = [("baseline", "compact CNN"), ("abn", "ABN"), ("lfi-cam", "LFI-CAM")]


def mean_sd(values):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def best_test_top1(run):
    rows = [json.loads(line) for line in open(os.path.join(run, "metrics.jsonl")) if line.strip()]
    best = [r for r in rows if r.get("best") == 1.0]
    return best[-1]["test_top1"] if best else None


def study(folder):
    name = os.path.basename(folder.rstrip("/"))
    print(f"\n### {name}\n")
    print("| Model | runs | test top-1 (%) | map | stability IoU (mean of pairs) | pairs min–max | FGSM clean → adversarial top-1 | map IoU clean vs FGSM |")
    print("|---|---|---|---|---|---|---|---|")
    for model, label in METHODS:
        runs = sorted(glob.glob(os.path.join(folder, f"{model}-seed*")))
        top1 = [best_test_top1(r) for r in runs]
        stab = os.path.join(folder, f"stability-{model}", "results.json")
        cells = ["—"] * 5
        if os.path.exists(stab):
            s = json.load(open(stab))
            ious = [p["iou"] for p in s["pairs"]]
            cells[0] = s["settings"]["method"]
            cells[1] = f"{s['mean']['iou']:.3f}"
            cells[2] = f"{min(ious):.3f}–{max(ious):.3f}"
            if s.get("fgsm"):
                f = s["fgsm"]["models"]
                cells[3] = f"{statistics.mean(m['clean_top1'] for m in f):.1f} → {statistics.mean(m['adversarial_top1'] for m in f):.1f}"
                cells[4] = f"{statistics.mean(m['map_iou'] for m in f):.3f}"
        print(f"| {label} | {len(runs)} | {mean_sd(top1)} | " + " | ".join(cells) + " |")

    print("\n| Model | map | AD 100 % ↓ | AD 50 % ↓ | AD 15 % ↓ | IC 100 % ↑ | IC 50 % ↑ | IC 15 % ↑ | deletion ↓ | insertion ↑ |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    keys = ["ad@100", "ad@50", "ad@15", "ic@100", "ic@50", "ic@15", "deletion", "insertion"]
    for model, label in METHODS:
        files = sorted(glob.glob(os.path.join(folder, f"evaluate-{model}-seed*", "results.json")))
        if not files:
            continue
        per_method = {}
        for path in files:
            for m in json.load(open(path))["methods"]:
                per_method.setdefault(m["name"], []).append(m["results"])
        for method, results in per_method.items():
            row = []
            for k in keys:
                values = [r[k] for r in results if r.get(k) is not None]
                digits = 4 if k in ("deletion", "insertion") else 2
                row.append(f"{statistics.mean(values):.{digits}f}" if values else "—")
            print(f"| {label} ({len(results)} seeds) | {method} | " + " | ".join(row) + " |")


for f in sys.argv[1:]:
    study(f)
