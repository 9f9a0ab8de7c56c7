#!/usr/bin/env bash
# What `ferry ui` costs, against its targets and what a user would otherwise run:
#  1. the API: GET /api/runs?max_results=10000 over 10,000 runs (target < 100 ms), against
#     `ferry run list --max-results 10000 -o json` (the same records from the CLI) and the
#     sqlite3 CLI's `SELECT ... FROM runs` as JSON (the rows alone, nothing computed);
#     and as a browser asks for it (Accept-Encoding: gzip, deflate, br);
#  2. the runs page with those 10,000 runs in Debian's headless Chromium: from navigation to
#     its first rows drawn (window.ferry.readyAt; target < 500 ms), and to all 10,000 listed
#     (window.ferry.completeAt; the rows in view drawn), the median of N loads;
#  3. live: a job writes a log line and logs a metric point every 200 ms, 20 of each, while its
#     page is open; how long each line took from the job's clock to the page (target < 250
#     ms), and each point from its timestamp to the page (target < 1 s): median, 95th
#     percentile and worst.
# The 10,000 runs are one real run's rows cloned in the workspace's database (submitting them
# would take minutes), as bench/tracking.sh does.
# Usage: bench/ui.sh [path/to/ferry] [runs]   (use a release build: make build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ferry=$(realpath "${1:-build/ferry}")
runs=${2:-5}
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for tool in python3 sqlite3 curl /usr/bin/chromedriver; do
    command -v "$tool" >/dev/null || { echo "bench/ui.sh needs $tool" >&2; exit 1; }
done
work=$(mktemp -d)
ui_pid=
cleanup() {
    [[ -z $ui_pid ]] || kill -INT "$ui_pid" 2>/dev/null || true
    touch "$work/go"
    rm -rf "$work"
}
trap cleanup EXIT
export FERRY_HOME=$work/home HOME=$work/user
# The jobs log with `ferry run log-metric`.
PATH=$(dirname "$ferry"):$PATH
mkdir -p "$HOME" "$work/code"
cd "$work"
row() { printf '%-64s %12s\n' "$1" "$2"; }

printf 'code\n' >code/README.txt
printf 'type: command\ncode: code\ncommand: echo seed && ferry run log-metric loss 0.5\n' >seed.yml
"$ferry" run submit -f seed.yml -n seed --wait >/dev/null
db=$("$ferry" workspace show -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["database"])')
BENCH_DIR=$source_dir/bench python3 - "$db" <<'EOF'
import os, sqlite3, sys
sys.path.insert(0, os.environ["BENCH_DIR"])
from clone_runs import Cloner
db = sqlite3.connect(sys.argv[1], isolation_level=None)
cloner = Cloner(db, sys.argv[1], "seed")
db.execute("BEGIN")
for i in range(9999):
    cloner.clone(i + 1, f"bench_{i:05d}", f"exp{i % 7}")
db.execute("COMMIT")
EOF
"$ferry" ui --port 0 >ui.out 2>ui.err &
ui_pid=$!
for _ in $(seq 200); do grep -q '^http' ui.out 2>/dev/null && break; sleep 0.05; done
url=$(head -n 1 ui.out)
base=${url%%/runs*}
count=$(curl -s "$base/api/runs?max_results=10000" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
[[ $count == 10000 ]] || { echo "the API listed $count runs" >&2; exit 1; }

echo "ferry ui over 10,000 runs (median of $runs; $(nproc) cores)"
# request_ms URL [CURL OPTION...]: the median of curl's own time for the request (what
# median_ms times includes curl's start, about 25 ms here).
request_ms() {
    local url=$1
    shift
    for ((i = 0; i < runs; i++)); do
        curl -sf -o /dev/null -w '%{time_total}\n' "$@" "$url"
    done | median_of 1000
}
row "GET /api/runs?max_results=10000 (ms)" "$(median_ms curl -sf "$base/api/runs?max_results=10000")"
row "  the request alone, as curl times it (ms)" "$(request_ms "$base/api/runs?max_results=10000")"
row "the same, Accept-Encoding: gzip, deflate, br (ms)" \
    "$(median_ms curl -sf -H 'Accept-Encoding: gzip, deflate, br' "$base/api/runs?max_results=10000")"
row "ferry run list --max-results 10000 -o json (ms)" "$(median_ms "$ferry" run list --max-results 10000 -o json)"
row "sqlite3 -json 'SELECT * FROM runs' (ms)" "$(median_ms sqlite3 -readonly -json "$db" 'SELECT * FROM runs ORDER BY seq DESC')"
row "GET /api/runs (the newest 50) (ms)" "$(median_ms curl -sf "$base/api/runs")"

SOURCE_DIR=$source_dir FERRY_BIN=$ferry /usr/bin/python3 - "$url" "$runs" "$work" <<'EOF'
import os, statistics, subprocess, sys, time
sys.path.insert(0, os.path.join(os.environ["SOURCE_DIR"], "tests/e2e/ui"))
from webdriver import Browser
url, runs, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def row(label, value):
    print(f"{label:<64} {value:>12}")
with Browser() as browser:
    first, every = [], []
    for _ in range(runs):
        browser.open(url)
        browser.wait("window.ferry.ready", seconds=60)
        first.append(browser.run("return window.ferry.readyAt;"))
        browser.wait("window.ferry.complete", seconds=120)
        assert browser.run("return document.querySelector('#count').textContent;") == \
            "10000 of 10000 runs"
        every.append(browser.run("return window.ferry.completeAt;"))
    row("runs page: navigation to the first rows drawn (ms)", f"{statistics.median(first):.0f}")
    row("  the first load, in a browser just started (ms)", f"{first[0]:.0f}")
    row("runs page: navigation to all 10,000 runs listed (ms)", f"{statistics.median(every):.0f}")
    # A job that writes a line with its clock and logs a point every 200 ms, once its page is open.
    job = os.path.join(work, "live.yml")
    with open(job, "w") as out:
        out.write("type: command\ncode: code\ncommand: >-\n"
                  f"  while [ ! -e {work}/go ]; do sleep 0.02; done;\n"
                  "  for i in $(seq 20); do echo \"line $i $(date +%s%3N)\";\n"
                  "  ferry run log-metric m $i --step $i; sleep 0.2; done\n")
    name = subprocess.run([os.environ["FERRY_BIN"], "run", "submit", "-f", job, "-n", "live"],
                          check=True, capture_output=True, text=True, cwd=work).stdout.strip()
    base = url.split("/runs")[0]
    browser.open(f"{base}/runs/{name}")
    browser.wait("window.ferry.ready")
    browser.run("window.ferry.record = [];")
    open(os.path.join(work, "go"), "w").close()
    browser.wait("window.ferry.record.filter((r) => r[0] === 'metric').length >= 20 && "
                 "window.ferry.record.filter((r) => r[0] === 'log').length >= 20", seconds=60)
    record = browser.run("return window.ferry.record;")
lines = [at - int(text.split()[2]) for kind, text, at in record if kind == "log"]
points = [at - stamp for kind, stamp, at in record if kind == "metric"]
for label, values in (("log line: written to shown", lines), ("metric point: logged to shown", points)):
    values.sort()
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    row(f"{label}, median / p95 / worst (ms)",
        f"{statistics.median(values):.0f} / {p95} / {values[-1]}")
EOF
