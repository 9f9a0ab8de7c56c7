# Differential tests of the ignore rules of `run snapshot`: on random trees written by
# ignore_trees.py, the paths ferry keeps are exactly the ones git lists. Seeds are split
# into several cases so that ctest runs them side by side.
# shellcheck shell=bash

# git, with no configuration but the test's, and python3 (the system's if there is one:
# it starts faster than a version manager's shim).
need_git_and_python() {
    command -v git >/dev/null || skip "git is missing"
    export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
    PYTHON=/usr/bin/python3
    [[ -x $PYTHON ]] || PYTHON=$(command -v python3) || skip "python3 is missing"
}

# Writes the tree of seed $1 and flavor $2 into $3, or with $4 (a count) the trees of
# seeds $1..$1+$4-1 into $3/SEED.
make_tree() {
    "$PYTHON" "$FERRY_SOURCE_DIR/tests/e2e/ignore_trees.py" --seed "$1" --flavor "$2" --dir "$3" \
        ${4:+--count "$4"} || fail "ignore_trees.py --seed $1 --flavor $2 failed"
}

git_plain() {
    git -c core.excludesFile=/dev/null -c init.defaultBranch=main "$@"
}

# The paths git lists in $1, read with the ignore files of flavor $2: NUL-terminated,
# sorted byte-wise. The repository has no template, so no .git/info/exclude.
git_paths() {
    local dir=$1 flavor=$2 list=$TEST_ROOT/git-unsorted
    git_plain -C "$dir" init -q --template= || fail "git init $dir"
    if [[ $flavor == gitignore ]]; then
        git_plain -C "$dir" ls-files --others --cached --exclude-standard -z >"$list"
    else
        git_plain -C "$dir" ls-files --others --exclude-per-directory=.amlignore -z >"$list"
    fi || fail "git ls-files in $dir"
    LC_ALL=C sort -z "$list"
}

# ferry's snapshot of $1 as JSON on stdout; {"entries": []} when ferry refuses it
# because everything is ignored. Fails (with STATUS, OUT and ERR set) when ferry does
# otherwise.
ferry_snapshot() {
    ferry run snapshot "$1" -o json
    if [[ $STATUS == 1 && -z $OUT && $ERR == "ferry: error: "*" holds no files to snapshot" ]]; then
        echo '{"entries": []}'
        return 0
    fi
    [[ $STATUS == 0 ]] || return 1
    printf '%s\n' "$OUT"
}

# The paths of the entries of ferry's snapshot of $1, NUL-terminated, in ferry's order.
ferry_paths() {
    ferry_snapshot "$1" >"$TEST_ROOT/snapshot.json" || return 1
    jq -j '.entries[].path + "\u0000"' "$TEST_ROOT/snapshot.json"
}

# Everything one needs to see a failing tree again: $4 and $5 hold the NUL-terminated
# paths of git (sorted) and of ferry (in its order).
describe_tree() {
    local dir=$1 seed=$2 flavor=$3 by_git=$4 by_ferry=$5 file
    echo "--- seed $seed, flavor $flavor:" \
        "python3 tests/e2e/ignore_trees.py --seed $seed --flavor $flavor --dir DIR"
    echo "--- git (<) vs ferry (>):"
    diff <(tr '\0' '\n' <"$by_git") <(LC_ALL=C sort -z "$by_ferry" | tr '\0' '\n') || true
    if ! LC_ALL=C sort -z -c "$by_ferry" 2>/dev/null; then
        echo "--- ferry's entries are not sorted byte-wise"
    fi
    echo "--- the tree (type, path, link target):"
    (cd "$dir" && find . -path ./.git -prune -o -printf '%y %p\t%l\n' | LC_ALL=C sort)
    while IFS= read -r -d '' file; do
        echo "--- $file (cat -A):"
        cat -A "$dir/$file"
        echo
    done < <(cd "$dir" && find . -path ./.git -prune -o -name ".${flavor}" -print0 | LC_ALL=C sort -z)
    return 0
}

# Compares git and ferry on the trees of seeds $1..$2 of flavor $3; fails listing every
# seed on which they differ, with the details of the first three. One python3 writes the
# trees and one reads ferry's snapshots (a jq per seed would take longer than ferry).
compare_seeds() {
    local first=$1 last=$2 flavor=$3 seed failed shown=0
    need_git_and_python
    make_tree "$first" "$flavor" "$TEST_ROOT/trees" $((last - first + 1))
    mkdir -p "$TEST_ROOT/git" "$TEST_ROOT/json" "$TEST_ROOT/ferry"
    for ((seed = first; seed <= last; seed++)); do
        git_paths "$TEST_ROOT/trees/$seed" "$flavor" >"$TEST_ROOT/git/$seed"
        ferry_snapshot "$TEST_ROOT/trees/$seed" >"$TEST_ROOT/json/$seed" ||
            fail "run snapshot failed on $flavor seed $seed"
    done
    # The seeds where ferry's paths, in its order, are not git's sorted list.
    failed=$("$PYTHON" - "$TEST_ROOT" "$first" "$last" <<'PY'
import json, os, sys
root, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for seed in range(first, last + 1):
    with open(os.path.join(root, "git", str(seed)), "rb") as f:
        by_git = f.read()
    with open(os.path.join(root, "json", str(seed)), encoding="utf-8") as f:
        entries = json.load(f)["entries"]
    by_ferry = b"".join(e["path"].encode("utf-8", "surrogateescape") + b"\0" for e in entries)
    with open(os.path.join(root, "ferry", str(seed)), "wb") as f:
        f.write(by_ferry)
    if by_ferry != by_git:
        print(seed)
PY
    ) || fail "could not read the snapshots"
    for seed in $failed; do
        if ((shown < 3)); then
            describe_tree "$TEST_ROOT/trees/$seed" "$seed" "$flavor" "$TEST_ROOT/git/$seed" \
                "$TEST_ROOT/ferry/$seed" >&2
            shown=$((shown + 1))
        fi
    done
    STATUS="" OUT="" ERR=""
    [[ -z $failed ]] || fail "ferry and git differ on $flavor seeds: ${failed//$'\n'/ }"
}

test_gitignore_seeds_0_99() {
    compare_seeds 0 99 gitignore
}

test_gitignore_seeds_100_199() {
    compare_seeds 100 199 gitignore
}

test_gitignore_seeds_200_299() {
    compare_seeds 200 299 gitignore
}

test_amlignore_seeds_0_99() {
    compare_seeds 0 99 amlignore
}

test_amlignore_seeds_100_199() {
    compare_seeds 100 199 amlignore
}

# The same seed always writes the same tree, and the trees are worth comparing: on
# average git leaves out between a third and two thirds of the files.
test_generator_is_deterministic_and_excludes_a_fair_share() {
    need_git_and_python
    local seed all kept=0
    make_tree 1 gitignore "$TEST_ROOT/a" 20
    make_tree 1 gitignore "$TEST_ROOT/b" 20
    diff -r --no-dereference "$TEST_ROOT/a" "$TEST_ROOT/b" >/dev/null || fail "a seed wrote two different trees"
    make_tree 7 gitignore "$TEST_ROOT/c"
    diff -r --no-dereference "$TEST_ROOT/a/7" "$TEST_ROOT/c" >/dev/null || fail "--count wrote another tree"
    all=$(find "$TEST_ROOT/a" \( -type f -o -type l \) | wc -l)
    for ((seed = 1; seed <= 20; seed++)); do
        kept=$((kept + $(git_paths "$TEST_ROOT/a/$seed" gitignore | tr -cd '\0' | wc -c)))
    done
    ((kept * 3 >= all && kept * 3 <= all * 2)) || fail "git keeps $kept of $all files"
}

# ferry keeps exactly the paths given after the directory, in that order.
expect_kept() {
    local dir=$1
    shift
    ferry_paths "$dir" >"$TEST_ROOT/ferry" || fail "run snapshot $dir"
    tr '\0' '\n' <"$TEST_ROOT/ferry" >"$TEST_ROOT/ferry.txt"
    printf '%s\n' "$@" >"$TEST_ROOT/expected.txt"
    diff "$TEST_ROOT/expected.txt" "$TEST_ROOT/ferry.txt" >"$TEST_ROOT/diff" ||
        fail "expected (<) vs ferry (>) in $dir:
$(cat "$TEST_ROOT/diff")"
}

test_nested_negation_cannot_reinclude_in_excluded_dir() {
    write_files tree <<'FILES'
.gitignore	build/\n!build/keep.txt\nlogs/*\n!logs/keep.log\n!logs/deep/keep.log\n
keep.txt	k
build/a.txt	a
build/keep.txt	k
build/.gitignore	!*.txt\n!/sub/\n
build/sub/c.txt	c
logs/a.log	a
logs/keep.log	k
logs/deep/keep.log	k
logs/deep/.gitignore	!keep.log\n
FILES
    local expected=(.gitignore keep.txt logs/keep.log) by_git
    expect_kept tree "${expected[@]}"
    if command -v git >/dev/null; then
        export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
        git_paths tree gitignore >"$TEST_ROOT/git"
        by_git=$(tr '\0' ' ' <"$TEST_ROOT/git")
        [[ $by_git == "${expected[*]} " ]] || fail "git keeps: $by_git"
    fi
}

# The first of .ferryignore, .amlignore and .gitignore in a directory holds its rules; the
# others there are not read, also not for the directories below.
test_ferryignore_replaces_gitignore_in_its_directory() {
    write_files tree <<'FILES'
.gitignore	*.txt\n
.ferryignore	*.log\n
a.txt	a
a.log	a
a.py	a
sub/b.txt	b
sub/b.log	b
aml/.amlignore	*.md\n
aml/.ferryignore	*.py\n
aml/c.md	c
aml/c.py	c
aml/c.log	c
both/.gitignore	*.md\n
both/.amlignore	*.py\n
both/d.md	d
both/d.py	d
both/d.txt	d
FILES
    expect_kept tree .ferryignore .gitignore a.py a.txt \
        aml/.amlignore aml/.ferryignore aml/c.md \
        both/.amlignore both/.gitignore both/d.md both/d.txt \
        sub/b.txt
}

# git compares the part of a pattern before its first wildcard as it is and wildmatches
# only the rest, so there a '**' right after letters is a full '**': "a**/b" matches
# "ab", "a/b", "a/x/b" and "ax/y/b" (the '**/' may match nothing, slash included).
test_starstar_after_letters_matches_as_in_git() {
    write_files tree <<'FILES'
.gitignore	a**/b\nq/ab**/z\n
ab	x
a/b	x
a/x/b	x
ax/y/b	x
axb	x
z/ab	x
q/abz	x
q/ab/x/z	x
q/ab/y	x
q/abc/d/z	x
FILES
    local expected=(.gitignore axb q/ab/y z/ab) by_git
    if command -v git >/dev/null; then
        export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
        git_paths tree gitignore >"$TEST_ROOT/git"
        by_git=$(tr '\0' ' ' <"$TEST_ROOT/git")
        [[ $by_git == "${expected[*]} " ]] || fail "git keeps: $by_git"
    fi
    expect_kept tree "${expected[@]}"
}

# The parts of the syntax a random tree may miss, on one tree: git and ferry agree.
test_pattern_syntax_agrees_with_git() {
    need_git_and_python
    write_files tree <<'FILES'
.gitignore	# comment\n\\#hash.txt\n#plain.txt\n\\!bang.txt\ntrail.txt   \nsp\\ \n/top.md\nd1/x?.py\n[a-c].log\n[!a]z.md\n[^b]y.md\nn[[:digit:]].txt\nonly/\n**/deep.txt\nstar/**\nm/**/end.txt\n*.tmp\n!keep.tmp\r\ncr.txt\r\n\r\n  \n
#hash.txt	h
#plain.txt	p
!bang.txt	b
trail.txt	t
sp	s
sp 	s
top.md	t
sub/top.md	t
d1/x1.py	x
d1/xx1.py	x
d1/e/x1.py	x
a.log	a
d.log	d
az.md	a
bz.md	b
by.md	b
cy.md	c
n1.txt	n
na.txt	n
only/f	f
sub/only	f
a/b/c/deep.txt	d
deep.txt	d
star/s	s
star/t/u	u
m/end.txt	e
m/x/y/end.txt	e
x/m/end.txt	e
a.tmp	a
keep.tmp	k
cr.txt	c
FILES
    git_paths tree gitignore >"$TEST_ROOT/git"
    ferry_paths tree >"$TEST_ROOT/ferry" || fail "run snapshot tree"
    LC_ALL=C sort -z "$TEST_ROOT/ferry" >"$TEST_ROOT/ferry_sorted"
    cmp -s "$TEST_ROOT/git" "$TEST_ROOT/ferry" || fail "git (<) vs ferry (>):
$(diff <(tr '\0' '\n' <"$TEST_ROOT/git") <(tr '\0' '\n' <"$TEST_ROOT/ferry_sorted"))"
}
