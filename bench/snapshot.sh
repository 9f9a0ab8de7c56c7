#!/usr/bin/env bash
# Cost of snapshotting a code directory, against what a user would otherwise run on the same
# tree: storing it (ferry run snapshot --store, cold and warm) against git add -A and git
# status, and listing what would be included (ferry run snapshot -o tsv) against rg --files.
# The tree is generated: 20,000 files, about 250 MB (19,000-odd source-like files of 1-8 KB in
# about 1,000 directories, a few hundred binary files up to 3 MB), two .gitignore files that
# exclude a few hundred of them, and a few hidden files. Content is deterministic (seed 2024).
# Usage: bench/snapshot.sh [path/to/ferry] [runs]   (or FERRY=..., RUNS=...; use a release
# build: cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DFERRY_TESTS=OFF)
# Every number is the median of `runs` runs (default 5), ferry's and the other tool's runs
# alternating. The page cache is warm for both tools (the tree was just written and is read
# once before timing); it is not dropped. git runs with no system or user configuration and its
# repository outside the tree; rg runs with --hidden (ferry includes hidden files) and
# --no-require-git (without it rg honours .gitignore only inside a git repository). Needs about
# 0.8 GB free under $TMPDIR (the tree, a workspace and a repository).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ferry=$(realpath "${1:-${FERRY:-$root/build-bench/ferry}}")
runs=${2:-${RUNS:-5}}
[[ -x $ferry ]] || { echo "no ferry binary at $ferry (build it, or pass its path)" >&2; exit 1; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "runs must be a positive number, not '$runs'" >&2; exit 2; }

# --- what this needs: git, rg (ripgrep), python3 ---------------------------------------------
"$root/scripts/install-deps.sh" bench
rg --help 2>/dev/null | grep -q -- --no-require-git ||
    { echo "rg is too old: it lacks --no-require-git (ripgrep 11 or later)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-snapshot.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
tree=$work/tree
# git with no system or user configuration, its repository outside the tree (so that neither
# ferry nor rg sees a .git directory in it).
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git_dir=$work/git
g() { git --git-dir="$git_dir" --work-tree="$tree" "$@"; }

# --- the tree ----------------------------------------------------------------------------------
echo "generating the tree in $tree ..." >&2
python3 - "$tree" <<'PY'
import os, random, sys

root = sys.argv[1]
rng = random.Random(2024)
TOTAL = 20_000

# Source-like text: a 1 MiB pool of "code" lines that small files take slices of, each file
# with its own header line, so every file is distinct and compresses like source does.
words = ("def class return import from self if else for while in not and or None True False "
         "int str list dict value result config path name data index count error open read "
         "write items append len range print assert yield lambda with as try except raise "
         "0 1 2 42 = == != ( ) [ ] { } : , . + - * / # ->").split()
lines = []
size = 0
while size < (1 << 20):
    line = "    " * rng.randrange(4) + " ".join(rng.choices(words, k=rng.randrange(3, 14))) + "\n"
    lines.append(line)
    size += len(line)
pool = "".join(lines).encode()

def write(rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)

def source(rel, n):
    header = f"# {rel}\n".encode()
    start = rng.randrange(len(pool) - n)
    return header + pool[start:start + max(0, n - len(header))]

count = 0
# Hidden files and the ignore files (all of them included in a snapshot).
write(".gitignore", b"# build outputs\n*.pyc\n__pycache__/\nbuild/\n*.log\n.venv/\n")
write("pkg03/.gitignore", b"*.tmp\n/generated/\n")
write(".editorconfig", b"root = true\n[*]\nindent_style = space\n")
write(".github/workflows/ci.yml", b"on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n")
write(".pre-commit-config.yaml", b"repos: []\n")
count += 5

# Ignored: __pycache__/*.pyc next to the sources, build/ outputs, pkg03's *.tmp and generated/.
ignored = 0
for i in range(160):
    write(f"pkg{i % 40:02d}/mod{i % 25:02d}/__pycache__/m{i:03d}.cpython-311.pyc",
          rng.randbytes(rng.randrange(1024, 8192)))
    ignored += 1
for i in range(40):
    write(f"pkg{i % 40:02d}/mod{(i * 7) % 25:02d}/stale{i:03d}.pyc", rng.randbytes(2048))
    ignored += 1
for i in range(80):
    write(f"build/obj/unit{i:03d}.o", rng.randbytes(rng.randrange(16 << 10, 256 << 10)))
    ignored += 1
for i in range(20):
    write(f"build/logs/run{i:02d}.log", source(f"build/logs/run{i:02d}.log", 4096))
    ignored += 1
for i in range(30):
    write(f"pkg03/mod{i % 25:02d}/scratch{i:02d}.tmp", source(f"scratch{i}", 2048))
    ignored += 1
for i in range(20):
    write(f"pkg03/generated/gen{i:02d}.py", source(f"pkg03/generated/gen{i:02d}.py", 4096))
    ignored += 1
count += ignored

# Larger binary files: data/ and assets/, 64 KiB to 3 MiB.
large = 0
for i in range(260):
    write(f"data/shard{i // 50:02d}/part{i:04d}.bin", rng.randbytes(rng.randrange(64 << 10, 512 << 10)))
    large += 1
for i in range(40):
    write(f"assets/model{i:02d}.weights", rng.randbytes(rng.randrange(1 << 20, 11 << 18)))
    large += 1
count += large

# Small source-like files, 1-8 KiB, over 40 x 25 = 1,000 directories.
small = TOTAL - count
exts = [".py", ".py", ".py", ".cpp", ".hpp", ".yml", ".md", ".json"]
for i in range(small):
    d = i % 1000
    rel = f"pkg{d // 25:02d}/mod{d % 25:02d}/f{i:05d}{exts[i % len(exts)]}"
    write(rel, source(rel, rng.randrange(1024, 8193)))
count += small

total = 0
for dirpath, _, files in os.walk(root):
    for f in files:
        total += os.path.getsize(os.path.join(dirpath, f))
print(f"tree: {count} files ({ignored} ignored by .gitignore), {total / 1e6:.0f} MB", file=sys.stderr)
PY
find "$tree" -type f -print0 | xargs -0 cat >/dev/null  # page cache warm for everyone

# --- timing ------------------------------------------------------------------------------------
# One run of a command in milliseconds (3 decimals); its stdout goes to /dev/null and its
# stderr to $work/stderr; a failing command stops the benchmark with that stderr.
once_ms() {
    local start end rc=0
    start=${EPOCHREALTIME/[.,]/}
    "$@" >/dev/null 2>"$work/stderr" || rc=$?
    end=${EPOCHREALTIME/[.,]/}
    if [[ $rc -ne 0 ]]; then
        echo "failed (exit $rc): $*" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    echo "scale=3; ($end - $start) / 1000" | bc
}
median() { sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); printf "%.1f\n", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }

# --- ferry: is the snapshot verb there? --------------------------------------------------------
have_ferry=1
if ! "$ferry" run snapshot --help >/dev/null 2>&1; then
    have_ferry=0
    echo "warning: $ferry has no 'run snapshot' verb; timing git and rg only" >&2
fi
ferry_home() { # a fresh FERRY_HOME with a workspace "bench" in it
    chmod -R u+w "$work/home" 2>/dev/null || true
    rm -rf "$work/home"
    FERRY_HOME=$work/home "$ferry" workspace create bench >/dev/null
}

# cold: a new workspace / a new repository each run; creating it is not timed.
cold_ferry=() cold_git=()
for ((r = 0; r < runs; r++)); do
    if ((have_ferry)); then
        ferry_home
        cold_ferry+=("$(FERRY_HOME=$work/home once_ms "$ferry" -w bench run snapshot "$tree" --store)")
        cp "$work/stderr" "$work/cold.err"
    fi
    rm -rf "$git_dir"
    g init -q
    cold_git+=("$(once_ms g add -A)")
done

# warm: the same again on the unchanged tree (ferry's stat cache; git's index); walk: listing
# what would be included. ferry's and the other tool's runs alternate, so that load from
# elsewhere on the machine falls on both.
warm_ferry=() warm_git=() walk_ferry=() walk_rg=()
if ((have_ferry)); then
    export FERRY_HOME=$work/home
    "$ferry" -w bench run snapshot "$tree" --store >"$work/id" 2>"$work/store.err"
    "$ferry" -w bench run snapshot "$tree" -o tsv >"$work/list.tsv" 2>"$work/list.err"
fi
g status --porcelain >/dev/null
for ((r = 0; r < runs; r++)); do
    if ((have_ferry)); then
        warm_ferry+=("$(once_ms "$ferry" -w bench run snapshot "$tree" --store)")
        cp "$work/stderr" "$work/warm.err"
    fi
    warm_git+=("$(once_ms g status --porcelain)")
done
for ((r = 0; r < runs; r++)); do
    if ((have_ferry)); then
        walk_ferry+=("$(once_ms "$ferry" -w bench run snapshot "$tree" -o tsv)")
    fi
    walk_rg+=("$(once_ms rg --files --hidden --no-require-git "$tree")")
done

# --- report ------------------------------------------------------------------------------------
git_files=$(g ls-files | wc -l)
rg_files=$(rg --files --hidden --no-require-git "$tree" | wc -l)
git_bytes=$(g ls-files -z | (cd "$tree" && xargs -0 stat -c %s) | awk '{ s += $1 } END { print s }')
ratio() { [[ $1 == n/a ]] && { echo n/a; return; }; awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }
row() { # label, ferry ms list name, other command, other ms list name
    local -n f=$2 o=$4
    local fm=n/a om
    [[ ${#f[@]} -gt 0 ]] && fm=$(printf '%s\n' "${f[@]}" | median)
    om=$(printf '%s\n' "${o[@]}" | median)
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$fm" "$3" "$om" "$(ratio "$fm" "$om")"
}
echo
echo "ferry: $ferry ($("$ferry" --version 2>/dev/null | head -1 || true)); $(git --version); $(rg --version | sed -n 1p)"
echo "median of $runs runs, warm page cache; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| measurement | ferry ms | other | other ms | ferry/other |"
echo "|---|---:|---|---:|---:|"
row "cold: run snapshot --store (new workspace)" cold_ferry "git add -A (new repository)" cold_git
row "warm: run snapshot --store (unchanged tree)" warm_ferry "git status --porcelain (after add -A)" warm_git
row "walk: run snapshot -o tsv" walk_ferry "rg --files --hidden --no-require-git" walk_rg
echo
echo "git ls-files: $git_files files, $git_bytes bytes; rg --files --hidden: $rg_files files"
if ((have_ferry)); then
    echo "ferry run snapshot -o tsv: $(wc -l <"$work/list.tsv") rows"
    echo "ferry run snapshot --store, id $(cat "$work/id"); its stderr, cold then warm:"
    sed 's/^/    /' "$work/cold.err" "$work/warm.err"
fi
