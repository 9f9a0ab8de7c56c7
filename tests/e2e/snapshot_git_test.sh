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

# Writes the tree of seed $1 and flavor $2 into $3.
make_tree() {
    "$PYTHON" "$FERRY_SOURCE_DIR/tests/e2e/ignore_trees.py" --seed "$1" --flavor "$2" --dir "$3" ||
        fail "ignore_trees.py --seed $1 --flavor $2 failed"
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

# The paths of the entries of ferry's snapshot of $1, NUL-terminated, in ferry's order.
# Fails (with STATUS, OUT and ERR set) when ferry does.
ferry_paths() {
    ferry run snapshot "$1" -o json
    [[ $STATUS == 0 ]] || return 1
    printf '%s' "$OUT" | jq -j '.entries[].path + "\u0000"'
}

# Everything one needs to see a failing tree again.
describe_tree() {
    local dir=$1 seed=$2 flavor=$3 file
    echo "--- seed $seed, flavor $flavor:" \
        "python3 tests/e2e/ignore_trees.py --seed $seed --flavor $flavor --dir DIR"
    echo "--- git (<) vs ferry (>):"
    diff <(tr '\0' '\n' <"$TEST_ROOT/git") <(tr '\0' '\n' <"$TEST_ROOT/ferry_sorted") || true
    if ! cmp -s "$TEST_ROOT/ferry" "$TEST_ROOT/ferry_sorted"; then
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
# seed on which they differ, with the details of the first three.
compare_seeds() {
    local first=$1 last=$2 flavor=$3 seed dir failed=() shown=0
    need_git_and_python
    for ((seed = first; seed <= last; seed++)); do
        dir=$TEST_ROOT/trees/$seed
        make_tree "$seed" "$flavor" "$dir"
        git_paths "$dir" "$flavor" >"$TEST_ROOT/git"
        ferry_paths "$dir" >"$TEST_ROOT/ferry" ||
            fail "run snapshot failed on $flavor seed $seed: $(describe_tree "$dir" "$seed" "$flavor" 2>&1)"
        LC_ALL=C sort -z "$TEST_ROOT/ferry" >"$TEST_ROOT/ferry_sorted"
        if ! cmp -s "$TEST_ROOT/git" "$TEST_ROOT/ferry"; then
            failed+=("$seed")
            if ((shown < 3)); then
                describe_tree "$dir" "$seed" "$flavor" >&2
                shown=$((shown + 1))
            fi
        fi
        rm -rf "$dir"
    done
    ((${#failed[@]} == 0)) || fail "ferry and git differ on $flavor seeds: ${failed[*]}"
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
    local seed all=0 kept=0
    for seed in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        make_tree "$seed" gitignore "$TEST_ROOT/a"
        make_tree "$seed" gitignore "$TEST_ROOT/b"
        diff -r --no-dereference "$TEST_ROOT/a" "$TEST_ROOT/b" >/dev/null || fail "seed $seed: two different trees"
        all=$((all + $(find "$TEST_ROOT/a" \( -type f -o -type l \) | wc -l)))
        kept=$((kept + $(git_paths "$TEST_ROOT/a" gitignore | tr -cd '\0' | wc -c)))
        rm -rf "$TEST_ROOT/a" "$TEST_ROOT/b"
    done
    ((kept * 10 >= all * 3 && kept * 10 <= all * 7)) || fail "git keeps $kept of $all files"
}

# Writes each "path<TAB>content" line of stdin as a file under $1 ("\n" in content is a
# newline, "\r" a carriage return).
write_files() {
    local root=$1 path content
    while IFS=$'\t' read -r path content; do
        mkdir -p "$root/$(dirname "$path")"
        printf '%b' "$content" >"$root/$path"
    done
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
