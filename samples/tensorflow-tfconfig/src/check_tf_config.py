"""Checks the TF_CONFIG of a TensorFlow parameter-server cluster, without TensorFlow.

Each task (ferry sets TF_CONFIG per process for `distribution: {type: tensorflow}`) checks
its own: a cluster of --workers workers and --parameter-servers parameter servers, each
address host:port with distinct ports, a task whose type and index name one of them, and
"environment": "cloud". It writes it to outputs/tf_config_TYPE_INDEX.json, waits (up to
30 s) for the files of every other task, checks that all hold the same cluster, and prints
"task TYPE INDEX: cluster consistent across N tasks". Any problem: a message and exit 1.
"""
import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--parameter-servers", type=int, default=1)
parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the others")
args = parser.parse_args()


def die(message):
    print(f"TF_CONFIG: {message}", flush=True)
    sys.exit(1)


raw = os.environ.get("TF_CONFIG")
if not raw:
    die("not set")
try:
    config = json.loads(raw)
except ValueError as error:
    die(f"not JSON: {error}")
if not isinstance(config, dict):
    die("not a JSON object")

cluster = config.get("cluster")
task = config.get("task")
if not isinstance(cluster, dict) or not isinstance(task, dict):
    die(f"needs a 'cluster' and a 'task' object: {raw}")
want = {"worker": args.workers}
if args.parameter_servers:
    want["ps"] = args.parameter_servers
if sorted(cluster) != sorted(want):
    die(f"cluster has the jobs {sorted(cluster)}, expected {sorted(want)}")
ports = []
for job, count in want.items():
    addresses = cluster[job]
    if not isinstance(addresses, list) or len(addresses) != count:
        die(f"cluster.{job} should list {count} addresses: {addresses}")
    for address in addresses:
        host, _, port = str(address).rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            die(f"cluster.{job}: '{address}' is not host:port")
        ports.append(int(port))
if len(set(ports)) != len(ports):
    die(f"ports are not distinct: {ports}")
kind, index = task.get("type"), task.get("index")
if kind not in want or not isinstance(index, int) or not 0 <= index < want[kind]:
    die(f"task {task} is not in the cluster")
if config.get("environment") != "cloud":
    die(f"environment is {config.get('environment')!r}, expected 'cloud'")
me = f"{kind} {index}"
print(f"task {me}: TF_CONFIG ok ({sum(want.values())} tasks, address "
      f"{cluster[kind][index]})", flush=True)

# Share it with the other tasks through the run's outputs (the same directory for all).
outputs = os.environ.get("FERRY_OUTPUTS_DIR", "outputs")
os.makedirs(outputs, exist_ok=True)
path = os.path.join(outputs, f"tf_config_{kind}_{index}.json")
with open(path + ".tmp", "w", encoding="utf-8") as out:
    json.dump(config, out, indent=2, sort_keys=True)
os.replace(path + ".tmp", path)  # the others never read half a file

names = [f"tf_config_{job}_{i}.json" for job, count in want.items() for i in range(count)]
deadline = time.monotonic() + args.wait
while True:
    missing = [name for name in names if not os.path.exists(os.path.join(outputs, name))]
    if not missing:
        break
    if time.monotonic() > deadline:
        die(f"task {me}: gave up after {args.wait:g} s waiting for {', '.join(missing)}")
    time.sleep(0.1)
for name in names:
    with open(os.path.join(outputs, name), encoding="utf-8") as file:
        other = json.load(file)
    if other.get("cluster") != cluster:
        die(f"task {me}: {name} holds another cluster: {other.get('cluster')}")
print(f"task {me}: cluster consistent across {len(names)} tasks", flush=True)
