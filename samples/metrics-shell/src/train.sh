#!/usr/bin/env bash
# A stand-in for training: the loss decays by RATE each epoch. Every figure is logged into the
# run that runs this script (ferry finds it through the job's MLFLOW_* variables).
set -euo pipefail
epochs=${1:-20}
rate=${2:-0.3}

ferry run log-param optimizer sgd
loss=1
for ((epoch = 0; epoch < epochs; epoch++)); do
    loss=$(awk -v l="$loss" -v r="$rate" -v e="$epoch" 'BEGIN { printf "%.6f", l * (1 - r / (1 + e / 10)) + 0.01 * sin(e) }')
    ferry run log-metric loss "$loss" --step "$epoch"
    echo "epoch $epoch: loss $loss"
done
accuracy=$(awk -v l="$loss" 'BEGIN { printf "%.4f", 1 - l / 2 }')
ferry run log-metric accuracy "$accuracy"
outcome=$(awk -v a="$accuracy" 'BEGIN { print (a > 0.9 ? "good" : "poor") }')
ferry run tag "outcome=$outcome"
echo "accuracy $accuracy"
