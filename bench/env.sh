#!/usr/bin/env bash
# What an environment costs a run, against what a user would otherwise do:
#  1. a job in a venv with one package: ferry's first run (builds the venv), its next runs
#     (cache hit), against making the venv by hand each time (python3 -m venv + pip install
#     + the script) and against running the script in a venv that already exists;
#  2. a job in an image built from a Dockerfile: ferry's first run (docker build), its next
#     runs (cache hit), against `docker build` (all layers cached) + `docker run --rm`, and
#     against `docker run --rm` alone.
# The venv part needs /usr/bin/python3 with pip and venv (python3-venv, python3-pip); the
# image part needs a running Docker engine and a local base image given as BASE=IMAGE
# (default ferry-test/base:1, which tests/e2e/docker_lib.sh makes); parts that cannot run
# say why. Usage: bench/env.sh [path/to/ferry] [runs]   (use a release build: make build)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ferry=$(realpath "${1:-build/ferry}")
runs=${2:-10}
base=${BASE:-ferry-test/base:1}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_HOME=$work/home PATH=/usr/bin:$PATH

once_ms() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    echo "scale=1; ($end - $start) / 1000000" | bc
}
row() { printf '%-62s %10s\n' "$1" "$2"; }

mkdir -p "$work/venv-job" "$work/wheels"
cp -r "$source_dir/samples/conda-env/greeting-package" "$work/pkg"
if python3 -m pip wheel -q --no-deps --no-build-isolation "$work/pkg" -w "$work/wheels" >/dev/null 2>&1 &&
    python3 -m venv "$work/probe" >/dev/null 2>&1; then
    export PIP_NO_INDEX=1 PIP_FIND_LINKS=$work/wheels
    echo ferry-sample-greeting >"$work/venv-job/requirements.txt"
    echo 'import ferry_sample_greeting as g; print(g.greet())' >"$work/venv-job/job.py"
    cat >"$work/venv-job/job.yml" <<'YML'
command: python3 job.py
code: .
environment:
  pip_requirements: requirements.txt
YML
    cd "$work/venv-job"
    row "1. a job in a venv with one package (offline wheel)" "ms/run"
    row "ferry run submit --wait, first run (builds the venv)" \
        "$(once_ms "$ferry" run submit -f job.yml --wait)"
    row "ferry run submit --wait, next runs (cache hit)" \
        "$(mean_ms "$ferry" run submit -f job.yml --wait)"
    row "by hand: python3 -m venv + pip install + python3 job.py" \
        "$(mean_ms bash -c "rm -rf $work/v && python3 -m venv $work/v && $work/v/bin/pip install -q -r requirements.txt && $work/v/bin/python job.py")"
    row "by hand, venv already made: .../bin/python job.py" \
        "$(mean_ms bash -c "$work/v/bin/python job.py")"
else
    echo "1. skipped: python3 cannot build a wheel or a venv (python3-pip, python3-venv)"
fi

echo
if ! docker info >/dev/null 2>&1; then
    echo "2. skipped: no running Docker engine"
elif ! docker image inspect "$base" >/dev/null 2>&1; then
    echo "2. skipped: no local image $base (BASE=IMAGE names another)"
else
    mkdir -p "$work/image-job/ctx"
    printf 'FROM %s\nRUN echo bench-%s > /marker\n' "$base" "$$" >"$work/image-job/ctx/Dockerfile"
    echo 'cat /marker' >"$work/image-job/job.sh"
    cat >"$work/image-job/job.yml" <<'YML'
command: sh job.sh
code: .
environment:
  build:
    path: ./ctx
YML
    cd "$work/image-job"
    row "2. a job in an image built from a Dockerfile" "ms/run"
    row "ferry run submit --wait, first run (docker build)" \
        "$(once_ms "$ferry" run submit -f job.yml --wait)"
    row "ferry run submit --wait, next runs (cache hit)" \
        "$(mean_ms "$ferry" run submit -f job.yml --wait)"
    docker build -q -t ferry-bench:$$ ctx >/dev/null
    row "by hand: docker build (layers cached) + docker run --rm" \
        "$(mean_ms bash -c "docker build -q -t ferry-bench:$$ ctx && docker run --rm -v $PWD:/w -w /w ferry-bench:$$ sh job.sh")"
    row "by hand, image already built: docker run --rm" \
        "$(mean_ms docker run --rm -v "$PWD:/w" -w /w "ferry-bench:$$" sh job.sh)"
    row "by hand, image already built: docker run --rm --network host" \
        "$(mean_ms docker run --rm --network host -v "$PWD:/w" -w /w "ferry-bench:$$" sh job.sh)"
    # Only the images this script made go.
    built=$("$ferry" run list -o json | jq -r '.[0].name' | xargs "$ferry" run show -o json |
        jq -r '.environment.location')
    docker rmi -f "ferry-bench:$$" "$built" >/dev/null 2>&1 || true
fi
