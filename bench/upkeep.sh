#!/usr/bin/env bash
# What keeping a workspace's store in order costs, against the tools a user would otherwise run
# on the same bytes:
#  1. `workspace verify` (every blob a record names, re-hashed) of a workspace holding a dataset
#     of N files and a few runs, against sha256sum of the store's blob files themselves (one
#     process, and two with xargs -P 2), `sha256sum -c` of a list of the dataset's files, and
#     `git fsck --full` of a repository with the same files committed (loose objects, then
#     packed by git gc);
#  2. `workspace gc` removing what `run delete` of two runs left (their outputs: M files that
#     no other record names), and a gc with nothing to collect, against `git gc --prune=now`
#     and `git prune --expire=now` of that repository holding the same M files as unreachable
#     loose objects, and `find -print0 | xargs -0 rm` of M files (the floor: unlinking that
#     many files); `run delete` itself is timed too, with nothing set against it;
#  3. `dataset download` of the dataset (each blob hashed as it is copied out) into an empty
#     directory, against `cp -r` of the same files, and against `cp -r` then `sha256sum -c` of
#     the copy (verifying by hand).
# Usage: bench/upkeep.sh [path/to/ferry] [files] [kib-per-file] [runs] [orphan-files]
#   (or FERRY=..., FILES=..., KIB=..., RUNS=..., ORPHANS=...; defaults: build-bench/ferry,
#   20000 files of 16 KiB (about 330 MB), 5 runs, files/10 orphans; use a release build:
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DFERRY_TESTS=OFF)
# Every number is the median of `runs` runs, ferry's and the other tools' runs alternating.
# File contents are pseudo-random (seed 2024), so nothing compresses. The page cache is warm for
# every tool (everything was just written and is read once before timing); it is not dropped.
# Each timed command that writes is followed by an untimed sync, so that one's writeback does
# not land on the next. git runs with no system or user configuration, its repository outside
# the data, and automatic gc off; its first gc, which packs the repository (untimed in the
# table, printed below it), is slow on random data (about 2 minutes for the defaults on 2 CPUs).
# Needs about 5 x files x KiB free under $TMPDIR (the data, the workspace, the repository loose
# and packed, a copy out at a time) plus runs x orphan-files x KiB. With the defaults the whole
# program took about 20 minutes on a loaded 2-CPU machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ferry=$(realpath "${1:-${FERRY:-$root/build-bench/ferry}}")
files=${2:-${FILES:-20000}}
kib=${3:-${KIB:-16}}
runs=${4:-${RUNS:-5}}
orphans=${5:-${ORPHANS:-$((files / 10))}}
[[ -x $ferry ]] || { echo "no ferry binary at $ferry (build it, or pass its path)" >&2; exit 1; }
for n in files kib runs orphans; do
    [[ ${!n} =~ ^[1-9][0-9]*$ ]] || { echo "$n must be a positive number, not '${!n}'" >&2; exit 2; }
done
((orphans >= 2)) || { echo "orphan-files must be at least 2" >&2; exit 2; }
for tool in git sha256sum python3 jq bc; do
    command -v "$tool" >/dev/null || { echo "this needs $tool" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-upkeep.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
data=$work/data
export FERRY_HOME=$work/home
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=bench \
    GIT_AUTHOR_EMAIL=bench@localhost GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost
git_dir=$work/git
g() { git --git-dir="$git_dir" --work-tree="$data" -c gc.auto=0 -c maintenance.auto=false "$@"; }

# --- the data -----------------------------------------------------------------------------------
# gen DIR COUNT KIB SEED: COUNT files of KIB KiB in DIR, 50 subdirectories.
gen() {
    python3 - "$@" <<'PY'
import os, random, sys

root, count, kib, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
for i in range(count):
    d = os.path.join(root, f"d{i % 50:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:06d}.bin"), "wb") as f:
        f.write(rng.randbytes(kib * 1024))
PY
}
echo "generating $files files of $kib KiB in $data ..." >&2
gen "$data" "$files" "$kib" 2024
# The orphans of each repetition of the gc, two runs' worth: distinct bytes (seeds 1, 2, ...).
per_run=$((orphans / 2))
for ((r = 0; r < runs; r++)); do
    gen "$work/orphans/r$r/a" "$per_run" "$kib" $((2 * r + 1))
    gen "$work/orphans/r$r/b" "$per_run" "$kib" $((2 * r + 2))
done
orphans=$((2 * per_run))

# --- timing -------------------------------------------------------------------------------------
# measure NAME COMMAND...: one run of the command, its stdout to $work/stdout and its stderr to
# $work/stderr; appends its wall time to NAME_wall and the CPU time (user + system) of it and
# every process it waited for to NAME_cpu, in milliseconds. A failing command stops the
# benchmark with its output.
cpu_us() { awk 'NR == 2 { n = split($1 " " $2, t, /[ ms]+/); for (i = 1; i < n; i += 2) s += t[i] * 60 + t[i + 1]; printf "%d\n", s * 1e6 }' "$1"; }
measure() {
    local -n wall=${1}_wall cpu=${1}_cpu
    shift
    local start end rc=0
    times >"$work/times0"
    start=${EPOCHREALTIME/[.,]/}
    "$@" >"$work/stdout" 2>"$work/stderr" || rc=$?
    end=${EPOCHREALTIME/[.,]/}
    times >"$work/times1"
    if [[ $rc -ne 0 ]]; then
        echo "failed (exit $rc): $*" >&2
        cat "$work/stdout" "$work/stderr" >&2
        exit 1
    fi
    wall+=("$(echo "scale=3; ($end - $start) / 1000" | bc)")
    cpu+=("$(echo "scale=3; ($(cpu_us "$work/times1") - $(cpu_us "$work/times0")) / 1000" | bc)")
}
median() { sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); printf "%.1f\n", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }
# Every list measure appends to.
for name in create add commit verify_ferry verify_blobs verify_blobs2 verify_list fsck_loose \
    git_gc_first fsck_packed gc_ferry gc_empty delete_ferry gc_git prune_git gc_git_empty \
    floor_rm dl_ferry dl_cp dl_hand; do
    declare -a "${name}_wall=()" "${name}_cpu=()"
done

# --- the workspace and the repository ----------------------------------------------------------
echo "storing the dataset, two runs and the repository ..." >&2
"$ferry" workspace create bench >/dev/null
export FERRY_WORKSPACE=bench
objects=$("$ferry" workspace show -o json | jq -r .path)/objects
[[ -d $objects ]] || { echo "no objects/ at $objects" >&2; exit 1; }
measure create "$ferry" dataset create -n bench --path "$data"
mkdir -p "$work/code" && echo 'print("hi")' >"$work/code/job.py"
cd "$work/code"
# submit_outputs DIR: a run that copies DIR into its outputs; prints the run's name.
submit_outputs() {
    "$ferry" run submit --code "$work/code" --wait -- bash -c "mkdir -p outputs && cp -r '$1/.' outputs/" 2>/dev/null
}
# Two runs kept all along, with 100 output files each (seeds beyond the orphans').
for k in 1 2; do
    gen "$work/kept$k" 100 "$kib" $((1000000 + k))
    [[ $(submit_outputs "$work/kept$k") ]] || { echo "a run that keeps outputs failed" >&2; exit 1; }
done
g init -q
measure add g add -A
measure commit g commit -q -m data
sha256sum_list() { (cd "$data" && find . -type f -print0 | sort -z | xargs -0 sha256sum) }
sha256sum_list >"$work/data.sha256"
# The store's blob files: objects/XX/..., leaving out tmp/ and damaged/.
blob_files() { find "$objects" -mindepth 2 -type f -path "$objects/[0-9a-f][0-9a-f]/*" -print0; }
hash_blobs() { blob_files | xargs -0 sha256sum; }
hash_blobs_2() { blob_files | xargs -0 -P 2 -n 500 sha256sum; }
check_data() { (cd "$data" && sha256sum -c --quiet "$work/data.sha256"); }
blob_count=$(blob_files | tr -cd '\0' | wc -c)
blob_bytes=$(blob_files | xargs -0 stat -c %s | awk '{ s += $1 } END { print s }')
data_bytes=$(find "$data" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
find "$work" -type f -print0 | xargs -0 cat >/dev/null  # page cache warm for everyone
sync

# --- 1. verify ----------------------------------------------------------------------------------
echo "1. verify ..." >&2
for ((r = 0; r < runs; r++)); do
    measure verify_ferry "$ferry" workspace verify
    cp "$work/stderr" "$work/verify.err"
    measure verify_blobs hash_blobs
    measure verify_blobs2 hash_blobs_2
    measure verify_list check_data
    measure fsck_loose g fsck --full --no-dangling
done
git_loose=$(g count-objects -v | awk '/^count:/ { print $2 }')
measure git_gc_first g gc -q --prune=now
git_pack_bytes=$(g count-objects -v | awk '/^size-pack:/ { print $2 * 1024 }')
for ((r = 0; r < runs; r++)); do
    measure fsck_packed g fsck --full --no-dangling
done

# --- 2. gc --------------------------------------------------------------------------------------
echo "2. gc ..." >&2
rm_files() { find "$1" -type f -print0 | xargs -0 rm -f; }
for ((r = 0; r < runs; r++)); do
    o=$work/orphans/r$r
    names=()
    for part in a b; do
        name=$(submit_outputs "$o/$part")
        [[ $name ]] || { echo "a run with orphan outputs failed" >&2; exit 1; }
        names+=("$name")
    done
    sync
    measure delete_ferry "$ferry" run delete "${names[@]}"
    measure gc_ferry "$ferry" workspace gc
    cp "$work/stdout" "$work/gc.out"
    cp "$work/stderr" "$work/gc.err"
    sync
    measure gc_empty "$ferry" workspace gc
    cp "$work/stdout" "$work/gc-empty.out"
    # git: the same files as unreachable loose objects, then gc; again, then prune alone.
    find "$o" -type f | g hash-object -w --stdin-paths >/dev/null
    sync
    measure gc_git g gc -q --prune=now
    sync
    measure gc_git_empty g gc -q --prune=now
    sync
    find "$o" -type f | g hash-object -w --stdin-paths >/dev/null
    sync
    measure prune_git g prune --expire=now
    sync
    measure floor_rm rm_files "$o"
    sync
    rm -rf "$o"
done

# --- 3. download --------------------------------------------------------------------------------
echo "3. download ..." >&2
by_hand() { cp -r "$data" "$work/out" && (cd "$work/out" && sha256sum -c --quiet "$work/data.sha256"); }
fresh() { sync; chmod -R u+w "$work/out" 2>/dev/null || true; rm -rf "$work/out"; sync; }
for ((r = 0; r < runs; r++)); do
    measure dl_ferry "$ferry" dataset download bench:1 -p "$work/out"
    diff -rq "$data" "$work/out" >/dev/null || { echo "the download differs from the data" >&2; exit 1; }
    fresh
    measure dl_cp cp -r "$data" "$work/out"
    fresh
    measure dl_hand by_hand
    fresh
done

# --- report -------------------------------------------------------------------------------------
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1e6 }'; }
med() { local -n list=$1; printf '%s\n' "${list[@]}" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }
# row LABEL FERRY OTHER-LABEL OTHER: the medians of wall and CPU time of FERRY's and OTHER's
# lists and the ratio of the wall times; FERRY "-" sets OTHER against the previous row's ferry
# figure without printing it again.
last_wall='' last_cpu=''
row() {
    local fw=$last_wall fc=$last_cpu shown_w='' shown_c='' ow oc
    if [[ $2 != - ]]; then
        fw=$(med "$2_wall") fc=$(med "$2_cpu")
        shown_w=$fw shown_c=$fc last_wall=$fw last_cpu=$fc
    fi
    ow=$(med "$4_wall") oc=$(med "$4_cpu")
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$shown_w" "$shown_c" "$3" "$ow" "$oc" \
        "$(ratio "$fw" "$ow")"
}
single() { printf '| %s | %s | %s | | | | |\n' "$1" "$(med "$2_wall")" "$(med "$2_cpu")"; }
echo
echo "ferry: $ferry ($("$ferry" --version 2>/dev/null | head -1 || true)); $(git --version); $(sha256sum --version | head -1)"
echo "median of $runs runs, warm page cache; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data: $files files of $kib KiB, $(mb "$data_bytes"); store: $blob_count blobs, $(mb "$blob_bytes") (the dataset, two runs of 100 output files, manifests, logs)"
echo "git: $git_loose loose objects, one pack of $(mb "$git_pack_bytes") after git gc; orphans per gc: $orphans files of $kib KiB from two runs"
echo "ms: wall time; cpu ms: user + system time of the command and its children"
echo
echo "| measurement | ferry ms | ferry cpu ms | other | other ms | other cpu ms | ferry/other (wall) |"
echo "|---|---:|---:|---|---:|---:|---:|"
row "1. workspace verify ($blob_count blobs)" verify_ferry "sha256sum of the blob files" verify_blobs
row "" - "xargs -P 2 sha256sum of the blob files" verify_blobs2
row "" - "sha256sum -c of the dataset's $files files" verify_list
row "" - "git fsck --full (loose objects)" fsck_loose
row "" - "git fsck --full (packed)" fsck_packed
row "2. workspace gc after run delete ($orphans orphans)" gc_ferry "git gc --prune=now ($orphans unreachable)" gc_git
row "" - "git prune --expire=now ($orphans unreachable)" prune_git
row "" - "find -print0, xargs -0 rm of $orphans files (floor)" floor_rm
row "   workspace gc, nothing to collect" gc_empty "git gc --prune=now, nothing to collect" gc_git_empty
single "   run delete of the two runs (before the gc)" delete_ferry
row "3. dataset download (hashed on copy-out)" dl_ferry "cp -r" dl_cp
row "" - "cp -r, then sha256sum -c of the copy" dl_hand
echo
echo "once, wall ms: ferry dataset create $(med create_wall); git add -A $(med add_wall), commit $(med commit_wall), first gc (packing) $(med git_gc_first_wall)"
echo "ferry workspace verify's stderr (last run):"
sed 's/^/    /' "$work/verify.err"
echo "ferry workspace gc after run delete, its output (last run):"
sed 's/^/    /' "$work/gc.out" "$work/gc.err"
echo "ferry workspace gc with nothing to collect, its output (last run):"
sed 's/^/    /' "$work/gc-empty.out"
