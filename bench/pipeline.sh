#!/usr/bin/env bash
# shellcheck disable=SC2016 # ${{...}} is for ferry, not the shell
# What a pipeline costs beyond its steps, against what a user would otherwise do: submit the
# same runs by hand in the DAG's order.
#  1. a 50-step fan-out/fan-in pipeline of `true` steps (one step, 48 that read its output, one
#     that reads all 48 outputs) on a local compute that runs 4 at once: from the submit to the
#     pipeline's end (`run submit --wait`);
#  2. the same 50 runs by hand: `run submit --wait -- true` for the first, the 48 four at a
#     time (xargs -P 4), then the last;
#  3. the same pipeline submitted again, unchanged: every step reused, nothing run.
# Targets: (1) minus the steps' own time (their runs' durations, four at a time), the
# pipeline's overhead, under 2 s; (3) under 0.5 s.
# Usage: bench/pipeline.sh [path/to/ferry] [middle steps]   (use a release build: make build)
set -euo pipefail
ferry=$(realpath "${1:-build/ferry}")
middle=${2:-48}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_HOME=$work/home
mkdir -p "$work/code" && cd "$work/code"
"$ferry" run submit --wait -- true >/dev/null 2>&1 # the workspace exists now
"$ferry" compute update local --max-concurrent-runs 4 >/dev/null

{
    printf 'type: pipeline\njobs:\n'
    printf '  first:\n    command: "true"\n    outputs:\n      o:\n'
    for i in $(seq "$middle"); do
        printf '  m%d:\n    command: "true ${{inputs.x}}"\n' "$i"
        printf '    inputs:\n      x: ${{parent.jobs.first.outputs.o}}\n'
        printf '    outputs:\n      o:\n'
    done
    printf '  last:\n    command: "true'
    for i in $(seq "$middle"); do printf ' ${{inputs.x%d}}' "$i"; done
    printf '"\n    inputs:\n'
    for i in $(seq "$middle"); do printf '      x%d: ${{parent.jobs.m%d.outputs.o}}\n' "$i" "$i"; done
} >pipeline.yml

now_ms() { echo $(($(date +%s%N) / 1000000)); }
steps=$((middle + 2))

start=$(now_ms)
"$ferry" run submit -f pipeline.yml -n bench_first --wait >/dev/null
pipeline_ms=$(($(now_ms) - start))

start=$(now_ms)
"$ferry" run submit --wait -n by_hand_first -- true >/dev/null 2>&1
seq "$middle" | xargs -P 4 -I{} "$ferry" run submit --wait -n "by_hand_{}" -- true >/dev/null 2>&1
"$ferry" run submit --wait -n by_hand_last -- true >/dev/null 2>&1
hand_ms=$(($(now_ms) - start))

start=$(now_ms)
"$ferry" run submit -f pipeline.yml -n bench_reused --wait >/dev/null
reused_ms=$(($(now_ms) - start))
reused=$("$ferry" run show bench_reused -o json | jq '[.pipeline.steps[] | select(.reused_from)] | length')
# The steps' own time: each step run's, from its start to its end, four at a time at best.
own_ms=$("$ferry" run show bench_first -o json | jq '[.pipeline.steps[].duration_ms] | add / 4 | floor')

printf '%-58s %10s\n' "$steps runs of 'true', 4 at a time" "total ms"
printf '%-58s %10s\n' "a fan-out/fan-in pipeline" "$pipeline_ms"
printf '%-58s %10s\n' "the same runs by hand (run submit --wait, xargs -P 4)" "$hand_ms"
printf '%-58s %10s\n' "the pipeline again, unchanged ($reused of $steps steps reused)" "$reused_ms"
printf '%-58s %10s\n' "the steps' own time (their runs' durations / 4)" "$own_ms"
echo "pipeline overhead: $((pipeline_ms - own_ms)) ms beyond its steps' own (target: under 2000);" \
    "$((pipeline_ms - hand_ms)) ms against the runs by hand"
echo "fully reused submit: $reused_ms ms (target: under 500)"
