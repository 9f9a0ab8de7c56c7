#!/usr/bin/env bash
# What a sweep costs per trial, against what a user would otherwise do: submit the same runs
# by hand with `ferry run submit`, four at a time.
#  1. a grid sweep of N trials of `true`, max_concurrent_trials 4, on a local compute that runs
#     4 at once: from the submit to the sweep's end (`run submit --wait`);
#  2. the same N runs by hand: a script that keeps 4 `run submit --wait -- true` going until N
#     have run (xargs -P 4), from the first submit to the last end.
# Target: the sweep's time per trial within 20% of the hand-submitted runs'.
# Then bench/ferry_bench_sampling: 10,000 random and Sobol draws (target < 50 ms) and a
# Bayesian proposal over 200 observations in 6 dimensions (target < 100 ms).
# Usage: bench/sweep.sh [path/to/ferry] [trials]   (use a release build: make build; the
# sampling program is built next to it)
set -euo pipefail
ferry=$(realpath "${1:-build/ferry}")
trials=${2:-40}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_HOME=$work/home
mkdir -p "$work/code" && echo 'code' >"$work/code/README.txt"
cd "$work/code"
"$ferry" run submit --wait -- true >/dev/null 2>&1  # the workspace and the snapshot exist now
"$ferry" compute update local --max-concurrent-runs 4 >/dev/null

values=$(seq -s, 1 "$trials")
cat >sweep.yml <<EOF
type: sweep
trial:
  code: .
  command: 'true'
search_space:
  i: {type: choice, values: [$values]}
sampling_algorithm: grid
objective: {goal: maximize, primary_metric: score}
limits: {max_total_trials: $trials, max_concurrent_trials: 4}
EOF

now_ms() { echo $(($(date +%s%N) / 1000000)); }

start=$(now_ms)
"$ferry" run submit -f sweep.yml --wait >/dev/null 2>&1
sweep_ms=$(($(now_ms) - start))

start=$(now_ms)
seq "$trials" | xargs -P 4 -I{} "$ferry" run submit --wait -n "by_hand_{}" -- true >/dev/null 2>&1
hand_ms=$(($(now_ms) - start))

printf '%-52s %10s %12s\n' "$trials runs of 'true', 4 at a time" "total ms" "ms/trial"
printf '%-52s %10s %12s\n' "a sweep (max_concurrent_trials 4)" "$sweep_ms" \
    "$(echo "scale=1; $sweep_ms / $trials" | bc)"
printf '%-52s %10s %12s\n' "run submit --wait by hand (xargs -P 4)" "$hand_ms" \
    "$(echo "scale=1; $hand_ms / $trials" | bc)"
ratio=$(echo "scale=2; $sweep_ms / $hand_ms" | bc)
echo "sweep / by hand: $ratio (target: at most 1.20)"

echo
sampling=$(dirname "$ferry")/ferry_bench_sampling
if [[ -x $sampling ]]; then
    "$sampling"
else
    echo "($sampling is not built: cmake --build build --target ferry_bench_sampling)"
fi
