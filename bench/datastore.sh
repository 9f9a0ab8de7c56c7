#!/usr/bin/env bash
# shellcheck disable=SC2016 # ${{...}} is for ferry, not the shell
# What a datastore costs, against what a user would otherwise do (cp):
#  1. publishing: a job copies FILES files of 64 KiB to a named output; submitted once with the
#     output kept with the run only, once with `path: azureml://datastores/bench/paths/out`.
#     The publish (copied beside the destination, then swapped into place), as the run's
#     supervisor log times it, is set against `cp -r` of the same folder;
#  2. reading: a job that lists a folder of FILES files given as a local path, then as the
#     wasbs:// URL a datastore claims (resolved at submit): the submit to end times.
# Usage: bench/datastore.sh [path/to/ferry] [files]   (use a release build: make build)
set -euo pipefail
ferry=$(realpath "${1:-build/ferry}")
files=${2:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_HOME=$work/home
mkdir -p "$work/code" "$work/store/in" && cd "$work/code"
"$ferry" run submit --wait -- true >/dev/null 2>&1 # the workspace exists now
"$ferry" datastore create -n bench --path "$work/store" --account bench --container data >/dev/null
for i in $(seq "$files"); do head -c 65536 /dev/urandom >"$work/store/in/f$i"; done

now_ms() { echo $(($(date +%s%N) / 1000000)); }
write="cp -r $work/store/in/. \${{outputs.o}}/"
printf 'command: %s\noutputs:\n  o:\n    type: uri_folder\n' "'$write'" >kept.yml
cp kept.yml published.yml
printf '    path: azureml://datastores/bench/paths/out\n' >>published.yml
printf 'command: ls ${{inputs.d}} | wc -l\ninputs:\n  d:\n    type: uri_folder\n    path: %s\n    mode: direct\n' \
    "$work/store/in" >local.yml
printf 'command: ls ${{inputs.d}} | wc -l\ninputs:\n  d:\n    type: uri_folder\n    path: %s\n    mode: direct\n' \
    "wasbs://data@bench.blob.core.windows.net/in" >claimed.yml

timed() { # best of 3, ms
    local best=0 start took
    for _ in 1 2 3; do
        start=$(now_ms)
        "$@" >/dev/null 2>&1
        took=$(($(now_ms) - start))
        ((best == 0 || took < best)) && best=$took
    done
    echo "$best"
}
kept=$(timed "$ferry" run submit -f kept.yml --wait)
published=$(timed "$ferry" run submit -f published.yml --wait)
run=$("$ferry" run list -o json | jq -r '.[0].name')
run_dir=$("$ferry" run show "$run" -o json | jq -r .directory)
source_dir=$run_dir/named-outputs/o
# The publish itself, from the supervisor's log: from the end's line to the output's.
stamp_ms() { date -d "$(grep -m1 "$1" "$run_dir/system_logs/supervisor.log" | cut -d' ' -f1)" +%s%3N; }
publish=$(($(stamp_ms "written to azureml://") - $(stamp_ms " Completed$")))
copy=$(timed cp -r "$source_dir" "$work/copy-$RANDOM")
local_read=$(timed "$ferry" run submit -f local.yml --wait)
claimed_read=$(timed "$ferry" run submit -f claimed.yml --wait)
mb=$((files * 64 / 1024))
printf '| %d files, %d MiB | ms |\n|---|---:|\n' "$files" "$mb"
printf '| job, output kept with the run | %d |\n' "$kept"
printf '| job, output also published to a datastore | %d |\n' "$published"
printf '| the difference | %d |\n' $((published - kept))
printf '| **publish** (the supervisor log of the last run) | **%d** |\n' "$publish"
printf '| cp -r of the same folder | %d |\n' "$copy"
printf '| job reading a local folder (direct) | %d |\n' "$local_read"
printf '| job reading it as a wasbs:// URL a datastore claims | %d |\n' "$claimed_read"
