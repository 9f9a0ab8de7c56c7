#!/usr/bin/env bash
# Start-up cost of the commands people run most often, against what they would otherwise
# run to answer the same question: "which workspace am I in" (ferry workspace show) against
# "which repository am I in" (git rev-parse --show-toplevel), and validating a job spec
# against parsing the same YAML with python3's yaml module.
# Usage: bench/startup.sh [path/to/ferry] [runs]   (use a release build: make build)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ferry=$(realpath "${1:-build/ferry}")
runs=${2:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_HOME=$work/home
git init -q "$work/repo"
"$ferry" workspace show >/dev/null

mean_scale=2

cd "$work/repo"
printf '%-52s %8s\n' "command" "ms/run"
printf '%-52s %8s\n' "ferry workspace show" "$(mean_ms "$ferry" workspace show)"
printf '%-52s %8s\n' "git rev-parse --show-toplevel" "$(mean_ms git rev-parse --show-toplevel)"
printf '%-52s %8s\n' "ferry workspace list -o json" "$(mean_ms "$ferry" workspace list -o json)"
printf '%-52s %8s\n' "ferry run validate -f samples/hello/job.yml" \
    "$(mean_ms "$ferry" run validate -f "$root/samples/hello/job.yml")"
if /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    printf '%-52s %8s\n' "python3 -c 'yaml.safe_load(job.yml)'" \
        "$(mean_ms /usr/bin/python3 -c "import yaml; yaml.safe_load(open('$root/samples/hello/job.yml'))")"
fi
