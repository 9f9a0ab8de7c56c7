#!/usr/bin/env bash
# What a run costs on the local compute, against what a user would otherwise do:
#  1. submit + wait of a command that does nothing, against running it straight from bash
#     with its output to a log file (the floor: what `nohup cmd > log &` costs);
#  2. how late `ferry run stream` shows a line, against `tail -F` of the same log file, both
#     following one job that prints a timestamp every 50 ms;
#  3. 50 concurrent `run submit --wait` of a short job (one slot on the local compute);
#  4. starting the ranks of a 2-process job that does nothing: a pytorch distribution against
#     torchrun (python3 -m torch.distributed.run), an mpi one against mpirun itself.
# Usage: bench/run.sh [path/to/ferry] [runs]   (use a release build: make build)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ferry=$(realpath "${1:-build/ferry}")
runs=${2:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_HOME=$work/home
mkdir -p "$work/code" && echo 'print("hi")' >"$work/code/job.py"
cd "$work/code"
"$ferry" run submit --wait -- true >/dev/null 2>&1  # the workspace and the snapshot exist now

printf '%-58s %10s\n' "1. one run of 'true', start to end" "ms/run"
printf '%-58s %10s\n' "ferry run submit --wait -- true" "$(mean_ms "$ferry" run submit --wait -- true)"
printf '%-58s %10s\n' "bash -c true > log 2>&1" "$(mean_ms bash -c "bash -c true > $work/log 2>&1")"

echo
name=$("$ferry" run submit -- bash -c 'sleep 0.5; for i in $(seq 60); do date +%s%N; sleep 0.05; done' 2>/dev/null)
log=$("$ferry" run show "$name" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["directory"])')/user_logs/std_log.txt
latency() {  # reads lines "<ns timestamp>" and prints "median max" of how late each arrived
    python3 -c '
import sys, time
late = []
for line in sys.stdin:
    now = time.time_ns()
    try:
        late.append((now - int(line)) / 1e6)
    except ValueError:
        pass
late.sort()
print("%.1f %.1f %d" % (late[len(late) // 2], late[-1], len(late)))'
}
"$ferry" run stream "$name" 2>/dev/null | latency >"$work/ferry.lat" &
sleep 0.2
timeout 5 tail -n +1 -F "$log" 2>/dev/null | latency >"$work/tail.lat" &
wait
printf '%-58s %10s %8s %6s\n' "2. lateness of a streamed line" "median ms" "max ms" "lines"
printf '%-58s %10s %8s %6s\n' "ferry run stream" $(cat "$work/ferry.lat")
printf '%-58s %10s %8s %6s\n' "tail -F user_logs/std_log.txt" $(cat "$work/tail.lat")

echo
start=$(date +%s%N)
for ((i = 0; i < 50; i++)); do
    "$ferry" run submit --wait -- echo hi >/dev/null 2>&1 &
done
wait
end=$(date +%s%N)
printf '%-58s %10s\n' "3. 50 concurrent run submit --wait (1 slot)" "s"
printf '%-58s %10s\n' "all 50 Completed after" "$(echo "scale=2; ($end - $start) / 1000000000" | bc)"
"$ferry" run list --all -o json | python3 -c '
import json, sys
runs = json.load(sys.stdin)
print("completed runs in the workspace:", sum(r["status"] == "Completed" for r in runs), "of", len(runs))'

echo
printf 'import os\nassert os.environ["WORLD_SIZE"] == "2"\n' >"$work/code/noop.py"
printf '%-58s %10s\n' "4. a 2-rank job doing nothing, start to end" "ms/run"
for kind in pytorch mpi; do
    printf 'command: /usr/bin/python3 -c "pass"\ndistribution:\n  type: %s\n  process_count_per_instance: 2\n' \
        "$kind" >"$work/$kind.yml"
done
printf '%-58s %10s\n' "ferry run submit --wait (distribution: pytorch, 2)" \
    "$(mean_ms "$ferry" run submit --wait -f "$work/pytorch.yml")"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    printf '%-58s %10s\n' "torchrun --nproc_per_node 2 (python3 -m torch.distributed.run)" \
        "$(mean_ms /usr/bin/python3 -m torch.distributed.run --nproc_per_node 2 "$work/code/noop.py")"
fi
if command -v mpirun >/dev/null; then
    root_flag=$([[ $(id -u) == 0 ]] && echo --allow-run-as-root || true)
    printf '%-58s %10s\n' "ferry run submit --wait (distribution: mpi, 2)" \
        "$(mean_ms "$ferry" run submit --wait -f "$work/mpi.yml")"
    printf '%-58s %10s\n' "mpirun -np 2 python3 -c pass" \
        "$(mean_ms mpirun -np 2 $root_flag --oversubscribe /usr/bin/python3 -c pass)"
fi
