#!/usr/bin/env bash
# What a run costs on a Slurm compute, against plain Slurm, on the two-node test cluster
# (scripts/slurm-test-cluster.sh, started here when it is not running; root only):
#  1. submit-to-done of samples/hello: `ferry run submit --wait --compute cluster` against
#     `sbatch --wait` of the same command in the same directory;
#  2. submit-to-done of a 2-node job of `true` (one task per node): a pytorch distribution
#     against `sbatch --wait -N2 --ntasks-per-node=1 --wrap 'srun true'`.
# Usage: bench/slurm.sh [path/to/ferry] [runs]   (use a release build: make build)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ferry=$(realpath "${1:-build/ferry}")
runs=${2:-10}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
eval "export $(bash "$source_dir/scripts/slurm-test-cluster.sh" start)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_HOME=$work/home PATH=/usr/bin:$PATH
printf 'name: cluster\ntype: slurm\npartition: debug\nferry_path: %s\n' "$ferry" >"$work/cluster.yml"
"$ferry" compute create -f "$work/cluster.yml" >/dev/null
cp -r "$source_dir/samples/hello" "$work/hello"
cd "$work/hello"
"$ferry" run submit -f job.yml --compute cluster --wait >/dev/null 2>&1  # the snapshot exists now

printf '%-64s %10s\n' "1. samples/hello on the test cluster, submit to done" "ms/run"
printf '%-64s %10s\n' "ferry run submit -f job.yml --compute cluster --wait" \
    "$(mean_ms "$ferry" run submit -f job.yml --compute cluster --wait)"
printf '%-64s %10s\n' "sbatch --wait --wrap 'python3 hello.py ...'" \
    "$(mean_ms sbatch --wait --chdir="$work/hello/src" --output="$work/sbatch-%j.txt" \
        --wrap 'python3 hello.py --greeting hello --times 3')"

echo
cat >"$work/hello/two.yml" <<'EOF'
type: command
code: src
command: "true"
distribution:
  type: pytorch
  process_count_per_instance: 1
resources:
  instance_count: 2
EOF
printf '%-64s %10s\n' "2. 'true' on both nodes (one task each), submit to done" "ms/run"
printf '%-64s %10s\n' "ferry run submit (pytorch, instance_count 2) --wait" \
    "$(mean_ms "$ferry" run submit -f two.yml --compute cluster --wait)"
printf '%-64s %10s\n' "sbatch --wait -N2 --ntasks-per-node=1 --wrap 'srun true'" \
    "$(mean_ms sbatch --wait -N2 --ntasks-per-node=1 --output="$work/sbatch-%j.txt" --wrap 'srun true')"
