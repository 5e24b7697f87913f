#!/usr/bin/env bash
# The LFI-CAM / ABN study of issue 14 on data that runs here (docs/lficam.md, "Measured"):
#   for each seed, a baseline compact CNN, an ABN and an LFI-CAM classifier, trained alike;
#   then top-1 of each (best epoch selected on the validation split), the stability IoU of each attention
#   method over its models (ocular stability, with FGSM 0.007) and of Grad-CAM over the baselines, and
#   AD/IC/deletion/insertion of the built-in maps beside Grad-CAM. scripts/experiments/lficam-table.py prints the tables.
# Every step is skipped when its output exists, so an interrupted study resumes where it stopped.
# Usage: scripts/experiments/lficam-study.sh NAME DATA EPOCHS [SEEDS] [OCULAR]
#   e.g. scripts/experiments/lficam-study.sh shapes32 "shapes:count=3000,test-count=1000,size=32" 6
#        scripts/experiments/lficam-study.sh fmnist fashion-mnist 3
# TRAIN_ARGS adds options to every training (e.g. TRAIN_ARGS="--train-images 20000").
# OCULAR defaults to "dotnet src/Ocular.Cli/bin/Release/net10.0/ocular.dll" (build first: dotnet build -c Release).
set -euo pipefail
name=$1; data=$2; epochs=$3; seeds=${4:-"0 1 2 3 4"}
ocular=${5:-"dotnet src/Ocular.Cli/bin/Release/net10.0/ocular.dll"}
out=${STUDY_OUT:-runs/lficam-study}/$name
mkdir -p "$out"
train() { # method seed
  local dir=$out/$1-seed$2
  [[ -f $dir/best.ocular && $(grep -c . "$dir/metrics.jsonl") -ge $epochs ]] && return 0
  local attention=()
  [[ $1 != baseline ]] && attention=(--attention "$1")
  if [[ -f $dir/config.json ]]; then $ocular train classifier --resume "$dir" -q
  else $ocular train classifier --data "$data" --arch compact_cnn "${attention[@]}" --epochs "$epochs" --batch-size 64 \
         --lr 0.05 --schedule onecycle --wd 5e-4 --seed "$2" ${TRAIN_ARGS:-} --out "$dir" -q
  fi
}
for seed in $seeds; do for method in baseline abn lfi-cam; do
  echo "[$(date +%T)] train $method seed $seed"; train "$method" "$seed"
done; done
# The built-in maps of ABN and LFI-CAM, and Grad-CAM on the baseline for reference.
for model_method in abn:abn lfi-cam:lfi-cam baseline:grad-cam; do
  model=${model_method%%:*}; method=${model_method#*:}
  models=(); for seed in $seeds; do models+=("$out/$model-seed$seed/best.ocular"); done
  if [[ ! -f $out/stability-$model/results.json ]]; then
    echo "[$(date +%T)] stability $model ($method)"
    $ocular stability --models "${models[@]}" --data "$data" --method "$method" --fgsm 0.007 --out "$out/stability-$model" > "$out/stability-$model.txt"
  fi
  methods=$method; [[ $model != baseline ]] && methods="$method,grad-cam"
  for seed in $seeds; do
    [[ -f $out/evaluate-$model-seed$seed/results.json ]] && continue
    echo "[$(date +%T)] evaluate $model seed $seed"
    $ocular evaluate --model "$out/$model-seed$seed/best.ocular" --data "$data" --limit 500 --methods "$methods" \
      --metrics ad,ic,deletion,insertion,top1 --batch-size 64 --out "$out/evaluate-$model-seed$seed" > /dev/null
  done
done
echo "[$(date +%T)] done: $out"
