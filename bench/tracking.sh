#!/usr/bin/env bash
# What a run's tracking endpoint (the supervisor's MLflow REST server) and the searches over
# tracked data cost, against what a user would otherwise do, Python's sqlite3 and the sqlite3
# CLI on a file of their own:
#  1. ingest: a job whose standard-library client sends 100,000 metric points to runs/log-batch,
#     1,000 a request, over one keep-alive connection (http.client), then 1,000 sequential
#     runs/log-metric calls of one point each; both timed as the client sees them (the JSON is
#     encoded beforehand), then both again with a new connection for each request; and the
#     supervisor's peak RSS (VmHWM), read while the job waits (targets: 100k points < 1 s,
#     1,000 log-metric < 0.5 s, peak RSS < 50 MB); against writing
#     the same points into a local SQLite file with python3's sqlite3, one transaction per
#     request (with its defaults, and in WAL with synchronous=NORMAL as ferry's store is);
#  2. query: 1,000 runs x 10 metrics x 100 steps, a param and a tag each, made by cloning one
#     real run's rows in the workspace's database (submitting 1,000 runs would take minutes);
#     the median of N timings of `run list --filter`, `run list --order-by ... --max-results`
#     and, where this build has it, `run compare --experiment` (targets: list --filter < 100 ms,
#     compare < 200 ms), each against the sqlite3 CLI answering the same question with one
#     hand-written query.
# Usage: bench/tracking.sh [path/to/ferry] [runs]   (use a release build: make build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ferry=$(realpath "${1:-build/ferry}")
runs=${2:-5}
for tool in python3 sqlite3 bc; do
    command -v "$tool" >/dev/null || { echo "bench/tracking.sh needs $tool" >&2; exit 1; }
done
work=$(mktemp -d)
name=
cleanup() {
    # A job still waiting for its go file (the script failed half-way) ends before the rm.
    if [[ -n $name ]]; then
        touch "$work/go"
        timeout 30 "$ferry" run wait "$name" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
export FERRY_HOME=$work/home HOME=$work/user
mkdir -p "$HOME" "$work/code"

row() { printf '%-64s %12s\n' "$1" "$2"; }
field() { python3 -c 'import json, sys; d = json.load(sys.stdin)
for k in sys.argv[1].split("."): d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$1"; }
# figure KEY LOG: the value of the job's line "KEY=VALUE".
figure() { sed -n "s/^$1=//p" "$2" | tail -n 1; }

# The points both writers send: 100 requests of 1,000 (10 keys x 100 steps each), then 1,000
# single points, each as a JSON body ready to send.
cat >"$work/code/points.py" <<'EOF'
import json
T0 = 1_700_000_000_000
def batches(run_id, prefix="k"):
    for r in range(100):
        yield json.dumps({"run_id": run_id, "metrics": [
            {"key": f"{prefix}{k}", "value": (r * 100 + s) * 1e-4, "timestamp": T0 + r * 100 + s,
             "step": r * 100 + s} for k in range(10) for s in range(100)]})
def singles(run_id, key="single"):
    for s in range(1000):
        yield json.dumps({"run_id": run_id, "key": key, "value": s * 0.5,
                          "timestamp": T0 + s, "step": s})
EOF
cat >"$work/code/job.py" <<'EOF'
import http.client, json, os, sys, time, urllib.parse
from points import batches, singles
go = sys.argv[1]
run = os.environ["MLFLOW_RUN_ID"]
uri = urllib.parse.urlsplit(os.environ["MLFLOW_TRACKING_URI"])
headers = {"Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"],
           "Content-Type": "application/json"}
connects = 0
class Connection(http.client.HTTPConnection):
    def connect(self):  # counted: the server may close a keep-alive connection
        global connects
        connects += 1
        super().connect()
def send(path, bodies, fresh=False):
    connection = Connection(uri.hostname, uri.port)
    start, refused = time.perf_counter(), 0
    for body in bodies:
        if fresh:  # a new connection for each request
            connection.close()
            connection = Connection(uri.hostname, uri.port)
        connection.request("POST", "/api/2.0/mlflow/runs/" + path, body, headers)
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200:
            refused += 1
            print("refused:", response.status, answer[:200], flush=True)
    seconds = time.perf_counter() - start
    connection.close()
    return seconds, refused
refused = 0
for label, fresh, prefix in (("", False, "k"), ("fresh_", True, "f")):
    bodies, connects = list(batches(run, prefix)), 0
    seconds, no = send("log-batch", bodies, fresh)
    print(f"{label}batch_s={seconds:.4f}\n{label}batch_connects={connects}", flush=True)
    bodies = list(singles(run, prefix + "single"))
    seconds, no_too = send("log-metric", bodies, fresh)
    print(f"{label}single_s={seconds:.4f}", flush=True)
    refused += no + no_too
print(f"refused={refused}", flush=True)
print("READY", flush=True)
deadline = time.time() + 120
while not os.path.exists(go) and time.time() < deadline:
    time.sleep(0.02)
EOF
cat >"$work/code/local_sqlite.py" <<'EOF'
import json, sqlite3, sys, time
from points import batches, singles
path, wal = sys.argv[1], sys.argv[2] == "wal"
db = sqlite3.connect(path, isolation_level=None)
if wal:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
db.execute("CREATE TABLE metrics (key TEXT NOT NULL, step INTEGER NOT NULL, "
           "timestamp INTEGER NOT NULL, value REAL NOT NULL)")
db.execute("CREATE INDEX metrics_by_key ON metrics(key, step)")
def write(bodies):
    # Each body decoded and written in one transaction, as the server does with a request.
    start = time.perf_counter()
    for body in bodies:
        points = json.loads(body)
        points = points.get("metrics", [points])
        db.execute("BEGIN")
        db.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?)",
                       [(p["key"], p["step"], p["timestamp"], p["value"]) for p in points])
        db.execute("COMMIT")
    return time.perf_counter() - start
bodies = list(batches("x"))
print(f"batch_s={write(bodies):.4f}")
bodies = list(singles("x"))
print(f"single_s={write(bodies):.4f}")
EOF

# 1. Ingest.
name=$("$ferry" run submit --experiment ingest --code "$work/code" -- \
    /usr/bin/python3 job.py "$work/go" 2>/dev/null)
log=$("$ferry" run show "$name" -o json | field directory)/user_logs/std_log.txt
for ((i = 0; i < 1200; i++)); do  # at most 2 minutes
    grep -qx READY "$log" 2>/dev/null && break
    sleep 0.1
done
grep -qx READY "$log" || { echo "the ingest job did not finish its requests:" >&2; cat "$log" >&2; exit 1; }
pid=$("$ferry" run show "$name" -o json | field supervisor.pid)
hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
touch "$work/go"
"$ferry" run wait "$name" >/dev/null 2>&1
"$ferry" run stream "$name" 2>/dev/null >"$work/job.log"
stored=$("$ferry" run metrics "$name" -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
def points(v):  # the histories, in whatever nesting -o json gives them
    if isinstance(v, dict):
        return 1 if "step" in v and "value" in v else sum(points(x) for x in v.values())
    return sum(points(x) for x in v) if isinstance(v, list) else 0
print(points(d))')
name=
batch_s=$(figure batch_s "$work/job.log")
single_s=$(figure single_s "$work/job.log")
(cd "$work/code" && /usr/bin/python3 local_sqlite.py "$work/plain.db" default) >"$work/plain.log"
(cd "$work/code" && /usr/bin/python3 local_sqlite.py "$work/wal.db" wal) >"$work/wal.log"
per_s() { echo "scale=0; 100000 / $1" | bc; }
ms() { echo "scale=1; $1 * 1000 / 1" | bc; }

echo "1. ingest, as the job's client sees it"
row "100,000 points: 100 log-batch requests of 1,000, keep-alive" "s    points/s"
row "ferry run's endpoint (target < 1 s; TCP connections: $(figure batch_connects "$work/job.log"))" \
    "$batch_s $(per_s "$batch_s")"
row "python3 sqlite3, own file, defaults (journal DELETE, sync FULL)" \
    "$(figure batch_s "$work/plain.log") $(per_s "$(figure batch_s "$work/plain.log")")"
row "python3 sqlite3, own file, WAL + synchronous=NORMAL" \
    "$(figure batch_s "$work/wal.log") $(per_s "$(figure batch_s "$work/wal.log")")"
row "1,000 sequential log-metric calls of one point" "ms in all"
row "ferry run's endpoint (target < 500 ms)" "$(ms "$single_s")"
row "python3 sqlite3, own file, defaults, a transaction each" "$(ms "$(figure single_s "$work/plain.log")")"
row "python3 sqlite3, own file, WAL + NORMAL, a transaction each" "$(ms "$(figure single_s "$work/wal.log")")"
row "the same through ferry, a new connection for each request" "s or ms"
row "100 log-batch requests of 1,000 points (s)" "$(figure fresh_batch_s "$work/job.log")"
row "1,000 log-metric calls (ms)" "$(ms "$(figure fresh_single_s "$work/job.log")")"
row "supervisor's memory after both (target: peak < 50 MB)" "MB"
row "VmHWM (peak RSS)" "$(echo "scale=1; $hwm_kb / 1024" | bc)"
row "VmRSS (now)" "$(echo "scale=1; $rss_kb / 1024" | bc)"
row "points stored (ferry run metrics -o json; 202,000 sent)" "$stored"
row "requests refused" "$(figure refused "$work/job.log")"

# 2. Query: the ingest run's rows, cloned 1,000 times into experiment "bench", each with
# 10 metrics x 100 steps (random values, fixed seed), a param lr and a tag team.
db=$("$ferry" workspace show -o json | field database)
seed=$("$ferry" run list -o json | field 0.name)
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) python3 - "$db" "$seed" <<'EOF'
import os, random, sqlite3, sys
sys.path.insert(0, os.environ["BENCH_DIR"])
from clone_runs import Cloner
db = sqlite3.connect(sys.argv[1], isolation_level=None)
cloner = Cloner(db, sys.argv[1], sys.argv[2])
random.seed(1)
db.execute("BEGIN")
for i in range(1000):
    run, ms = cloner.clone(i + 1, f"bench_clone_{i:04d}", "bench")
    db.execute("INSERT INTO run_params VALUES (?, 'lr', ?)", (run, str(random.choice([1e-4, 1e-3, 1e-2]))))
    db.execute("INSERT INTO run_tags VALUES (?, 'team', ?)", (run, random.choice(["a", "b"])))
    db.executemany("INSERT INTO run_metrics VALUES (?, ?, ?, ?, ?)",
                   [(run, f"m{k}", s, ms + s, random.random()) for k in range(10) for s in range(100)])
db.execute("COMMIT")
EOF
sql() { sqlite3 -readonly -json "$db" "$1"; }
last() { echo "(SELECT value FROM run_metrics WHERE run = runs.seq AND key = '$1' ORDER BY step DESC, timestamp DESC LIMIT 1)"; }
filter_sql="SELECT name, status, experiment, compute, created_at FROM runs
    WHERE $(last m0) > 0.5 ORDER BY created_ms DESC"
order_sql="SELECT name, status, experiment, created_at, $(last m1) AS m1 FROM runs
    ORDER BY m1 IS NULL, m1 DESC, created_ms DESC LIMIT 10"
compare_sql="SELECT name,
    (SELECT json_group_object(key, value) FROM run_params WHERE run = runs.seq) AS params,
    (SELECT json_group_object(key, value) FROM (SELECT key, value, MAX(step) FROM run_metrics
        WHERE run = runs.seq GROUP BY key)) AS metrics
    FROM runs WHERE experiment = 'bench' ORDER BY created_ms DESC"
count() { python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
matched=$("$ferry" run list --filter "metrics.m0 > 0.5" --all -o json | count)
matched_sql=$(sql "$filter_sql" | count)

echo
echo "2. query: 1,000 runs x 10 metrics x 100 steps ($(sqlite3 "$db" 'SELECT count(*) FROM run_metrics') points), median of $runs"
row "runs whose last m0 > 0.5 (ferry: $matched, sqlite3: $matched_sql)" "ms"
row "ferry run list --filter \"metrics.m0 > 0.5\" --all -o json (< 100)" \
    "$(median_ms "$ferry" run list --filter "metrics.m0 > 0.5" --all -o json)"
row "sqlite3 -json workspace.db \"SELECT ... WHERE <last m0> > 0.5\"" "$(median_ms sql "$filter_sql")"
row "ten runs with the highest last m1" "ms"
row "ferry run list --order-by \"metrics.m1 DESC\" --max-results 10" \
    "$(median_ms "$ferry" run list --order-by "metrics.m1 DESC" --max-results 10)"
row "sqlite3 -json workspace.db \"SELECT ... ORDER BY <last m1> LIMIT 10\"" "$(median_ms sql "$order_sql")"
row "every run of the experiment, its params and last metrics" "ms"
if "$ferry" run compare --help >/dev/null 2>&1; then
    row "ferry run compare --experiment bench -o json (< 200)" \
        "$(median_ms "$ferry" run compare --experiment bench -o json)"
else
    row "ferry run compare --experiment bench -o json" "not available in this build"
fi
row "sqlite3 -json workspace.db \"SELECT ... json_group_object ...\"" "$(median_ms sql "$compare_sql")"
