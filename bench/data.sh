#!/usr/bin/env bash
# What registering and fetching data costs, against copying it with cp:
#  1. `dataset create` of a folder of N files (first version: every file stored), against
#     `cp -r` of the folder into another directory;
#  2. a second version with one file changed (only that file is stored), against `cp -r`
#     again (what keeping versions by hand costs);
#  3. `dataset download` of a version into an empty directory, against `cp -r` out;
#  4. `model register --run` of a run's 1,000 output files (no bytes copied), against
#     `cp -r` of the run's outputs.
# Usage: bench/data.sh [path/to/ferry] [files] [kib-per-file]   (use a release build)
set -euo pipefail
ferry=$(realpath "${1:-build/ferry}")
files=${2:-5000}
kib=${3:-16}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_HOME=$work/home
mkdir -p "$work/data"
for ((i = 0; i < files; i++)); do
    mkdir -p "$work/data/d$((i % 50))"
    head -c $((kib * 1024)) /dev/urandom >"$work/data/d$((i % 50))/f$i.bin"
done
"$ferry" workspace show >/dev/null
sync

ms() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    echo "scale=1; ($end - $start) / 1000000" | bc
}
row() { printf '%-62s %10s\n' "$1" "$2"; }

row "$files files of $kib KiB ($((files * kib / 1024)) MiB)" "ms"
row "1. ferry dataset create --path data (first version)" "$(ms "$ferry" dataset create -n bench --path "$work/data")"
row "   cp -r data copy1" "$(ms cp -r "$work/data" "$work/copy1")"
head -c 1024 /dev/urandom >"$work/data/d0/f0.bin"
row "2. ferry dataset create, one file changed (second version)" "$(ms "$ferry" dataset create -n bench --path "$work/data")"
row "   cp -r data copy2" "$(ms cp -r "$work/data" "$work/copy2")"
row "3. ferry dataset download bench:1 -p out" "$(ms "$ferry" dataset download bench:1 -p "$work/out")"
row "   cp -r copy1 out2" "$(ms cp -r "$work/copy1" "$work/out2")"
cd "$work"
run=$("$ferry" run submit --code "$work/data/d1" --wait -- bash -c 'mkdir -p outputs/model; for i in $(seq 1000); do echo $i > outputs/model/w$i; done' 2>/dev/null)
row "4. ferry model register --run RUN --path outputs/model (1,000 files)" \
    "$(ms "$ferry" model register -n m --run "$run" --path outputs/model)"
row "   cp -r of the run's outputs" \
    "$(ms cp -r "$("$ferry" run show "$run" -o json | jq -r .directory)/wd/outputs" "$work/model-copy")"
