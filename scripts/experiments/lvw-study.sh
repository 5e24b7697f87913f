#!/usr/bin/env bash
# The Learnable Visual Words / ProtoPNet study of issue 15 on data that runs here (docs/lvw.md, "Measured"):
#   for each seed, a plain compact CNN (the base), and LVW and ProtoPNet networks trained on it (its trunk; for LVW its
#   Grad-CAM maps); then of each: top-1 (best step selected on the validation split), the distinct patches of the last
#   push, the lvw map's AD/IC/deletion/insertion, percentile IoU against the base's Grad-CAM (and, on Shapes, the
#   pointing game and EBPG) beside Grad-CAM on the same network and on the base. scripts/experiments/lvw-table.py prints the tables.
# Every step is skipped when its output exists, so an interrupted study resumes where it stopped.
# Usage: scripts/experiments/lvw-study.sh NAME DATA BASE_EPOCHS LVW_EPOCHS [SEEDS] [OCULAR]
#   e.g. scripts/experiments/lvw-study.sh shapes "shapes:count=3000,test-count=500" 4 21
# LVW_ARGS adds options to both prototype trainings (default: --warm-epochs 5 --push-start 10 --push-every 10
# --last-layer-iterations 5 --batch-size 32); BASE_ARGS adds options to the base classifier's training (e.g.
# --train-images N); METRICS the evaluation's metrics; LIMIT the test images evaluated (500).
set -euo pipefail
name=$1; data=$2; base_epochs=$3; lvw_epochs=$4; seeds=${5:-"0 1 2"}
ocular=${6:-"dotnet src/Ocular.Cli/bin/Release/net10.0/ocular.dll"}
out=${STUDY_OUT:-runs/lvw-study}/$name
lvw_args=${LVW_ARGS:-"--warm-epochs 5 --push-start 10 --push-every 10 --last-layer-iterations 5 --batch-size 32"}
metrics=${METRICS:-"ad,ic,deletion,insertion,iou,top1"}
mkdir -p "$out"
for seed in $seeds; do
  base=$out/base-seed$seed
  if [[ ! -f $base/best.ocular ]]; then
    echo "[$(date +%T)] train base seed $seed"
    $ocular train classifier --data "$data" --arch compact_cnn --epochs "$base_epochs" --batch-size 64 --lr 0.05 --schedule onecycle \
      --wd 5e-4 --seed "$seed" ${BASE_ARGS:-} --out "$base" -q
  fi
  for mode in lvw protopnet; do
    dir=$out/$mode-seed$seed
    if [[ -f $dir/config.json ]]; then $ocular train lvw --resume "$dir" -q
    else
      echo "[$(date +%T)] train $mode seed $seed"
      $ocular train lvw --base "$base/best.ocular" --data "$data" --mode "$mode" --epochs "$lvw_epochs" $lvw_args --seed "$seed" \
        --targets-cache "$out/targets" --out "$dir" -q
    fi
  done
  for model in base lvw protopnet; do
    dir=$out/evaluate-$model-seed$seed
    [[ -f $dir/results.json ]] && continue
    methods=grad-cam; [[ $model != base ]] && methods=lvw,grad-cam
    echo "[$(date +%T)] evaluate $model seed $seed"
    $ocular evaluate --model "$out/$model-seed$seed/best.ocular" --data "$data" --limit "${LIMIT:-500}" --methods "$methods" --metrics "$metrics" \
      --reference grad-cam --reference-model "$base/best.ocular" --batch-size 64 --out "$dir" > /dev/null 2>&1
  done
done
echo "[$(date +%T)] done: $out"
