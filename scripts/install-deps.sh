#!/usr/bin/env bash
# Installs the Debian 12 packages ferry needs that are missing: "build" for building,
# "test" for building and running the tests, "bench" for the programs in bench/. Does nothing
# when all are present. "build" and "test" also install the front end's JavaScript
# dependencies (ui/package-lock.json) from the npm registry, once per lockfile.
set -euo pipefail

build_packages=(cmake make g++ pkg-config libcli11-dev nlohmann-json3-dev libyaml-cpp-dev
    libfmt-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev libcpp-httplib-dev libeigen3-dev
    python3)
test_packages=("${build_packages[@]}" libgtest-dev libgmock-dev jq sqlite3 bash-completion zsh
    fish man-db groff-base bsdextrautils bsdutils python3-jsonschema python3-yaml clang-19
    libclang-rt-19-dev git python3 python3-sklearn python3-numpy python3-torch
    python3-mpi4py openmpi-bin docker.io python3-venv python3-pip python3-wheel
    python3-setuptools python3-pandas busybox-static slurmctld slurmd slurm-client munge tmux
    curl chromium-driver chromium-headless-shell)
bench_packages=(git ripgrep python3 python3-yaml)

case "${1:-build}" in
    build) wanted=("${build_packages[@]}") ;;
    test) wanted=("${test_packages[@]}") ;;
    bench) wanted=("${bench_packages[@]}") ;;
    *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
# npm: Debian's, unless a node that brings its own (NodeSource's, which conflicts with it) is
# there.
if [[ ${1:-build} != bench ]] && ! command -v npm >/dev/null; then
    missing+=(nodejs npm)
fi

# `npm ci` of ui/ when its lockfile is not the one installed: uPlot, embedded at build time.
install_ui() {
    local ui
    ui=$(cd "$(dirname "${BASH_SOURCE[0]}")/../ui" && pwd)
    cmp -s "$ui/package-lock.json" "$ui/node_modules/.ferry-lock" && return 0
    echo "installing ui/'s JavaScript dependencies (npm ci)" >&2
    (cd "$ui" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    cp "$ui/package-lock.json" "$ui/node_modules/.ferry-lock"
}

if [[ ${#missing[@]} -eq 0 ]]; then
    [[ ${1:-build} == bench ]] || install_ui
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "ferry needs these Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[[ ${1:-build} == bench ]] || install_ui
