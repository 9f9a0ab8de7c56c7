#!/usr/bin/env bash
# Start-up cost of the commands people run most often, against what they would otherwise
# run to answer the same question: "which workspace am I in" (ferry workspace show) against
# "which repository am I in" (git rev-parse --show-toplevel), and validating a job spec
# against parsing the same YAML with python3's yaml module.
# Usage: bench/startup.sh [path/to/ferry] [runs]   (use a release build: make build)
set -euo pipefail
ferry=$(realpath "${1:-build/ferry}")
runs=${2:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_HOME=$work/home
git init -q "$work/repo"
"$ferry" workspace show >/dev/null

# Mean wall time of one run of a command, in milliseconds.
time_ms() {
    local start end
    start=$(date +%s%N)
    for ((i = 0; i < runs; i++)); do
        "$@" >/dev/null 2>&1
    done
    end=$(date +%s%N)
    echo "scale=2; ($end - $start) / $runs / 1000000" | bc
}

cd "$work/repo"
printf '%-52s %8s\n' "command" "ms/run"
printf '%-52s %8s\n' "ferry workspace show" "$(time_ms "$ferry" workspace show)"
printf '%-52s %8s\n' "git rev-parse --show-toplevel" "$(time_ms git rev-parse --show-toplevel)"
printf '%-52s %8s\n' "ferry workspace list -o json" "$(time_ms "$ferry" workspace list -o json)"
printf '%-52s %8s\n' "ferry run validate -f samples/hello/job.yml" \
    "$(time_ms "$ferry" run validate -f "$root/samples/hello/job.yml")"
if /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    printf '%-52s %8s\n' "python3 -c 'yaml.safe_load(job.yml)'" \
        "$(time_ms /usr/bin/python3 -c "import yaml; yaml.safe_load(open('$root/samples/hello/job.yml'))")"
fi
