#!/usr/bin/env bash
# docs/precision.md's accuracy tables: bfloat16 against float32, end to end, on the demo's compact CNN (trained on
# Shapes) and on a ResNet-50. Usage: scripts/experiments/precision-accuracy.sh DEMO_DIR RESNET50.ocular [OUT_DIR]
#   DEMO_DIR: the output of `ocular demo --quick` (its classifier/best.ocular and its data);
#   RESNET50.ocular: any ResNet-50 checkpoint (`ocular import --arch resnet50 --weights …`).
# Each table comes from scripts/experiments/precision-accuracy (C#), which prints markdown. On a processor without
# native bfloat16 the bf16 passes are libtorch's emulation (same rounding, 12–30× slower than float32), so the runs
# with the perturbation methods and the metrics take long there: IMAGES_* below size them.
set -euo pipefail
# STAGES: which tables to make (default all): maps score-cam rise metrics lcam resnet50
stages=" ${STAGES:-maps score-cam rise metrics lcam resnet50} "
on() { [[ "$stages" == *" $1 "* ]]; }
demo=${1:?DEMO_DIR}; resnet=${2:?RESNET50.ocular}; out=${3:-precision-accuracy}
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
dotnet build "$here/precision-accuracy" -c Release --nologo -v quiet >/dev/null
run() { dotnet "$here/precision-accuracy/bin/Release/net10.0/PrecisionAccuracy.dll" "$@"; }
data="shapes:count=4000,test-count=500,seed=0"   # the quick demo's data
images=${IMAGES:-200}; perturbation_images=${IMAGES_PERTURBATION:-32}; metric_methods=${METRIC_METHODS:-grad-cam}
on maps && run "$demo/classifier/best.ocular" "$data" "$images" cam,grad-cam,grad-cam++,xgrad-cam,hires-cam,layer-cam,eigen-cam,ablation-cam - 16 | tee "$out/compact-maps.md"
on score-cam && run "$demo/classifier/best.ocular" "$data" "$perturbation_images" score-cam - 16 | tee "$out/compact-score-cam.md"
on rise && RISE_MASKS=${RISE_MASKS:-500} run "$demo/classifier/best.ocular" "$data" "${IMAGES_RISE:-8}" rise - 16 | tee "$out/compact-rise.md"
on metrics && run "$demo/classifier/best.ocular" "$data" "$images" "$metric_methods" ad,ic,ag,deletion,insertion,road 16 | tee "$out/compact-metrics.md"
on lcam && run "$demo/classifier/best.ocular" "$data" "$images" l-cam - 16 "$demo/l-cam-fm/best.ocular" | tee "$out/compact-lcam.md"
on resnet50 && run "$resnet" "$data" "$images" grad-cam,eigen-cam - 16 | tee "$out/resnet50.md"
