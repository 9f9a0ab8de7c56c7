#!/usr/bin/env bash
# A stand-in for training: "epochs" of a score that grows with the layers and the width,
# each logged with its step, as a training loop logs its validation metric.
set -euo pipefail
layers=$1 width=$2
for epoch in 1 2 3; do
    score=$((layers * width * epoch))
    echo "epoch $epoch: score $score"
    ferry run log-metric score "$score" --step "$epoch"
done
