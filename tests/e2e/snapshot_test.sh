# Black-box tests of `ferry run snapshot`: the listing, storing, the ignore files and
# the built-in credential rules, links, ferry's own data, `--explain`, job files and the
# size limit.
# shellcheck shell=bash

# The number of blobs of the current workspace.
object_count() {
    "$FERRY" workspace show -o json 2>/dev/null | jq -r '.objects.count'
}

# The files of the current workspace's directory, but its database (which opening it
# may touch), one per line.
workspace_files() {
    local dir
    dir=$("$FERRY" workspace show -o json 2>/dev/null | jq -r '.path')
    (cd "$dir" && find . -path './workspace.db*' -prune -o -print | LC_ALL=C sort)
}

# ferry lists exactly the paths given after the directory, in that order.
expect_paths() {
    local dir=$1 got
    shift
    ferry run snapshot "$dir" -o json
    expect_status 0
    got=$(printf '%s' "$OUT" | jq -r '.entries[].path')
    [[ $got == "$(printf '%s\n' "$@")" ]] || fail "expected the paths:
$(printf '%s\n' "$@")
got:
$got"
}

# `ferry run snapshot DIR --explain PATH` prints exactly the line $3.
expect_explain() {
    ferry run snapshot "$1" --explain "$2"
    expect_status 0
    expect_no_err
    expect_out "$3"
}

# --- listing

test_listing_is_a_table_with_totals_on_stderr() {
    write_files code <<'FILES'
a.txt	hello\n
sub/b.py	hi\n
FILES
    ferry run snapshot code
    expect_status 0
    expect_out "PATH      SIZE  MODE
a.txt     6 B   100644
sub/b.py  3 B   100644"
    expect_err "2 files, 9 B"
}

test_listing_defaults_to_the_current_directory() {
    write_files code <<'FILES'
a.txt	hello\n
FILES
    cd code || fail "cannot enter code"
    ferry run snapshot -o json
    expect_status 0
    expect_jq ".root == \"$(pwd -P)\" and [.entries[].path] == [\"a.txt\"]"
}

test_listing_json_shape() {
    write_files code <<'FILES'
a.txt	hello\n
sub/b.py	hi\n
.env	SECRET=1\n
FILES
    ln -s a.txt code/link
    ferry run snapshot code -o json
    expect_status 0
    expect_json
    expect_jq 'keys_unsorted == ["root", "files", "bytes", "limit", "entries", "left_out", "warnings"]'
    expect_jq ".root == \"$(pwd -P)/code\""
    expect_jq '.files == 3 and .bytes == 14 and .limit == 2147483648'
    expect_jq '.entries[0] == {"path": "a.txt", "type": "file", "mode": "100644", "size": 6}'
    expect_jq '.entries[1] == {"path": "link", "type": "symlink", "mode": "120000", "size": 5, "target": "a.txt"}'
    expect_jq '.entries[2] == {"path": "sub/b.py", "type": "file", "mode": "100644", "size": 3}'
    expect_jq '.left_out == [{"path": ".env", "reason": "credential", "detail": ".env"}]'
    expect_jq '.warnings == ["left out what looks like credentials: .env (a '"'!'"' line for one in an ignore file brings it back)"]'
}

test_listing_stores_nothing() {
    write_files code <<'FILES'
a.txt	hello\n
b.txt	other\n
FILES
    local before
    [[ $(object_count) == 0 ]] || fail "the new workspace holds objects"
    before=$(workspace_files)
    ferry run snapshot code
    expect_status 0
    ferry run snapshot code -o json
    expect_status 0
    [[ $(object_count) == 0 ]] || fail "a listing stored objects"
    [[ $(workspace_files) == "$before" ]] || fail "a listing wrote into the workspace:
$(diff <(printf '%s\n' "$before") <(workspace_files))"
}

test_executable_bit_gives_mode_100755() {
    write_files code <<'FILES'
run.sh	#!/bin/sh\n
data.txt	d\n
FILES
    chmod 755 code/run.sh
    chmod 644 code/data.txt
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[] | [.path, .mode]] == [["data.txt", "100644"], ["run.sh", "100755"]]'
}

test_special_file_left_out_with_warning() {
    command -v mkfifo >/dev/null || skip "mkfifo is missing"
    write_files code <<'FILES'
a.txt	a\n
FILES
    mkfifo code/pipe
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[].path] == ["a.txt"]'
    expect_jq '.left_out == [{"path": "pipe", "reason": "special_file", "detail": "a named pipe"}]'
    expect_err_contains "ferry: warning: left out what is not a file, link or directory: pipe"
    expect_explain code code/pipe "pipe: left out: a named pipe"
}

# --- storing

test_store_prints_the_id_and_a_summary() {
    write_files code <<'FILES'
a.txt	hello\n
sub/b.py	hi\n
FILES
    ferry run snapshot code --store
    expect_status 0
    [[ $OUT =~ ^[0-9a-f]{64}$ ]] || fail "stdout is not one snapshot id"
    expect_err "snapshot ${OUT:0:7}: 2 files, 9 B, 2 (9 B) new"
    # The two blobs and the manifest.
    [[ $(object_count) == 3 ]] || fail "expected 3 objects, have $(object_count)"
}

test_store_twice_gives_the_same_id_and_nothing_new() {
    write_files code <<'FILES'
a.txt	hello\n
sub/b.py	hi\n
FILES
    ferry run snapshot code --store
    expect_status 0
    local first=$OUT objects
    objects=$(object_count)
    ferry run snapshot code --store
    expect_status 0
    expect_out "$first"
    expect_err "snapshot ${first:0:7}: 2 files, 9 B, 0 new"
    [[ $(object_count) == "$objects" ]] || fail "the second store added objects"
}

test_changing_one_file_stores_one_new_and_a_new_id() {
    write_files code <<'FILES'
a.txt	hello\n
sub/b.py	hi\n
c.txt	see\n
FILES
    ferry run snapshot code --store
    expect_status 0
    local first=$OUT
    printf 'hello, world\n' >code/a.txt
    ferry run snapshot code --store
    expect_status 0
    [[ $OUT =~ ^[0-9a-f]{64}$ ]] || fail "stdout is not one snapshot id"
    [[ $OUT != "$first" ]] || fail "the changed tree has the same id"
    expect_err "snapshot ${OUT:0:7}: 3 files, 20 B, 1 (13 B) new"
}

test_mode_change_gives_a_new_id_and_nothing_new() {
    write_files code <<'FILES'
run.sh	#!/bin/sh\n
FILES
    chmod 644 code/run.sh
    ferry run snapshot code --store
    local first=$OUT
    chmod 755 code/run.sh
    ferry run snapshot code --store
    expect_status 0
    [[ $OUT != "$first" ]] || fail "the mode is not part of the id"
    expect_err "snapshot ${OUT:0:7}: 1 file, 10 B, 0 new"
}

test_identical_content_is_stored_once() {
    local i
    mkdir code
    for i in $(seq 1 20); do
        printf 'same\n' >"code/copy$i.txt"
    done
    # Large files take another path into the store.
    head -c $((9 * 1024 * 1024)) /dev/urandom >code/big1.bin
    cp code/big1.bin code/big2.bin
    ferry run snapshot code --store -o json
    expect_status 0
    expect_jq '.files == 22 and .new_files == 2 and .new_bytes == 9437189'
    # The two contents and the manifest.
    [[ $(object_count) == 3 ]] || fail "expected 3 objects, have $(object_count)"
}

test_store_json_record() {
    write_files code <<'FILES'
a.txt	hello\n
b.txt	hello\n
sub/c.py	hi\n
FILES
    ferry run snapshot code --store -o json
    expect_status 0
    expect_json
    expect_jq 'keys_unsorted == ["id", "root", "files", "bytes", "new_files", "new_bytes", "workspace"]'
    expect_jq '.id | test("^[0-9a-f]{64}$")'
    expect_jq ".root == \"$(pwd -P)/code\" and .workspace == \"default\""
    expect_jq '.files == 3 and .bytes == 15 and .new_files == 2 and .new_bytes == 9'
    local id
    id=$(printf '%s' "$OUT" | jq -r .id)
    expect_err "snapshot ${id:0:7}: 3 files, 15 B, 2 (9 B) new"
    ferry run snapshot code --store
    expect_out "$id"
}

test_store_goes_into_the_chosen_workspace() {
    write_files code <<'FILES'
a.txt	hello\n
FILES
    "$FERRY" workspace create team >/dev/null 2>&1
    ferry -w team run snapshot code --store -o json
    expect_status 0
    expect_jq '.workspace == "team"'
    [[ $("$FERRY" workspace show team -o json | jq .objects.count) == 2 ]] || fail "team has no objects"
    [[ $(object_count) == 0 ]] || fail "the default workspace got objects"
}

# --- credentials

test_env_file_left_out_with_a_warning() {
    write_files code <<'FILES'
app.py	print(1)\n
.env	SECRET=1\n
sub/.env.local	SECRET=2\n
FILES
    ferry run snapshot code
    expect_status 0
    expect_out "PATH    SIZE  MODE
app.py  9 B   100644"
    expect_err "ferry: warning: left out what looks like credentials: .env, sub/.env.local (a '!' line for one in an ignore file brings it back)
1 file, 9 B"
    expect_explain code code/.env \
        ".env: excluded by built-in credential rules:1: .env (looks like a credential; a '!' line for it in an ignore file brings it back)"
    expect_explain code code/sub/.env.local \
        "sub/.env.local: excluded by built-in credential rules:2: .env.* (looks like a credential; a '!' line for it in an ignore file brings it back)"
}

test_other_credentials_left_out() {
    write_files code <<'FILES'
app.py	print(1)\n
server.pem	p\n
tls/server.key	k\n
id_rsa.pub	r\n
id_ed25519	e\n
.netrc	n\n
.pgpass	p\n
credentials-prod.json	c\n
.aws/config	a\n
FILES
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[].path] == ["app.py"]'
    expect_jq '[.left_out[].path] == [".aws/", ".netrc", ".pgpass", "credentials-prod.json", "id_ed25519", "id_rsa.pub", "server.pem", "tls/server.key"]'
    expect_jq '[.left_out[].reason] | unique == ["credential"]'
}

test_ferryignore_bang_brings_env_back_without_warning() {
    write_files code <<'FILES'
app.py	print(1)\n
.env	SECRET=1\n
.ferryignore	!.env\n
FILES
    ferry run snapshot code
    expect_status 0
    expect_out "PATH          SIZE  MODE
.env          9 B   100644
.ferryignore  6 B   100644
app.py        9 B   100644"
    expect_err "3 files, 24 B"
    expect_explain code code/.env ".env: included by .ferryignore:1: !.env"
}

test_gitignore_bang_also_brings_env_back() {
    write_files code <<'FILES'
app.py	print(1)\n
.env	SECRET=1\n
.gitignore	!.env\n
FILES
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[].path] == [".env", ".gitignore", "app.py"] and .warnings == []'
    expect_explain code code/.env ".env: included by .gitignore:1: !.env"
}

test_ssh_directory_left_out() {
    write_files code <<'FILES'
app.py	print(1)\n
.ssh/config	Host x\n
.ssh/known_hosts	h\n
FILES
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[].path] == ["app.py"]'
    expect_jq '.left_out == [{"path": ".ssh/", "reason": "credential", "detail": ".ssh/"}]'
    expect_err_contains "ferry: warning: left out what looks like credentials: .ssh/ (a '!' line for one in an ignore file brings it back)"
    expect_explain code code/.ssh \
        ".ssh: excluded by built-in credential rules:10: .ssh/ (looks like a credential; a '!' line for it in an ignore file brings it back)"
    expect_explain code code/.ssh/config \
        ".ssh/config: excluded: its directory .ssh/ is excluded by built-in credential rules:10: .ssh/"
}

test_keys_tokens_and_cloud_configs_left_out_at_any_depth() {
    write_files code <<'FILES'
app.py	print(1)\n
id_ecdsa	e\n
keys/id_dsa.pub	d\n
.git-credentials	g\n
home/.docker/config.json	{}\n
.kube/config	k\n
.azure/accessTokens.json	a\n
home/.config/gcloud/credentials.db	c\n
.gnupg/pubring.kbx	p\n
tls/client.p12	p\n
client.pfx	p\n
keys.jks	j\n
release.keystore	k\n
web/.npmrc	n\n
.pypirc	p\n
gcp-service-account-key.json	s\n
docker/config.json	kept\n
.docker/daemon.json	kept\n
.kube/cache/x	kept\n
.config/other.conf	kept\n
FILES
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[].path] == [".config/other.conf", ".docker/daemon.json", ".kube/cache/x", "app.py", "docker/config.json"]'
    expect_jq '[.left_out[].path] == [".azure/", ".git-credentials", ".gnupg/", ".kube/config", ".pypirc", "client.pfx", "gcp-service-account-key.json", "home/.config/gcloud/", "home/.docker/config.json", "id_ecdsa", "keys.jks", "keys/id_dsa.pub", "release.keystore", "tls/client.p12", "web/.npmrc"]'
    expect_jq '[.left_out[].reason] | unique == ["credential"]'
    expect_explain code code/home/.docker/config.json \
        "home/.docker/config.json: excluded by built-in credential rules:15: .docker/config.json (looks like a credential; a '!' line for it in an ignore file brings it back)"
    expect_explain code code/home/.config/gcloud/credentials.db \
        "home/.config/gcloud/credentials.db: excluded: its directory home/.config/gcloud/ is excluded by built-in credential rules:18: .config/gcloud/"
    # A '!' brings one back, as for the others.
    printf '!.docker/config.json\n' >code/home/.ferryignore
    expect_explain code code/home/.docker/config.json \
        "home/.docker/config.json: included by home/.ferryignore:1: !.docker/config.json"
}

# --- links

test_link_to_outside_left_out_and_named() {
    write_files code <<'FILES'
app.py	print(1)\n
FILES
    ln -s /etc/passwd code/passwd
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[].path] == ["app.py"]'
    expect_jq '.left_out == [{"path": "passwd", "reason": "outside_link", "detail": "/etc/passwd"}]'
    expect_err_contains "ferry: warning: left out symbolic links that lead outside $(pwd -P)/code: passwd -> /etc/passwd"
    expect_explain code code/passwd "passwd: left out: a symbolic link (to /etc/passwd) that leads outside the tree"
    ferry run snapshot code --store
    expect_status 0
    expect_err_contains "passwd -> /etc/passwd"
    expect_err_contains "snapshot ${OUT:0:7}: 1 file, 9 B, 1 (9 B) new"
}

test_relative_links_that_climb_out_left_out() {
    write_files code <<'FILES'
sub/app.py	print(1)\n
FILES
    write_files outside <<'FILES'
secret.txt	s\n
FILES
    ln -s ../../outside/secret.txt code/sub/escape
    ln -s escape code/sub/chain
    ln -s ../../../../../../../../../../etc/passwd code/deep
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[].path] == ["sub/app.py"]'
    expect_jq '[.left_out[] | [.path, .reason, .detail]] == [["deep", "outside_link", "../../../../../../../../../../etc/passwd"], ["sub/chain", "outside_link", "escape"], ["sub/escape", "outside_link", "../../outside/secret.txt"]]'
}

test_relative_link_inside_kept_with_its_target() {
    write_files code <<'FILES'
a.txt	hello\n
lib/util.py	u\n
FILES
    ln -s a.txt code/link
    ln -s ../a.txt code/lib/up
    ln -s lib code/libdir
    ln -s missing code/dangling
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[] | select(.type == "symlink") | [.path, .target, .mode, .size]] == [["dangling", "missing", "120000", 7], ["lib/up", "../a.txt", "120000", 8], ["libdir", "lib", "120000", 3], ["link", "a.txt", "120000", 5]]'
    expect_jq '.left_out == [] and .warnings == []'
    expect_explain code code/link "link: included: no rule matches"
}

test_absolute_link_inside_kept_as_relative() {
    write_files code <<'FILES'
a.txt	hello\n
lib/util.py	u\n
FILES
    local root
    root=$(pwd -P)/code
    ln -s "$root/lib/util.py" code/abs
    ln -s "$root/a.txt" code/lib/abs_up
    ln -s "$root" code/lib/top
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[] | select(.type == "symlink") | [.path, .target]] == [["abs", "lib/util.py"], ["lib/abs_up", "../a.txt"], ["lib/top", ".."]]'
    expect_jq '.left_out == [] and .warnings == []'
}

# A link written through another name of the tree (a linked home directory, say) leads
# inside it, so it is kept like any absolute link inside.
test_absolute_link_through_another_name_of_the_tree_kept() {
    write_files code <<'FILES'
a.txt	hello\n
FILES
    ln -s code alias
    ln -s "$(pwd -P)/alias/a.txt" code/via_alias
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[] | [.path, .target]] == [["a.txt", null], ["via_alias", "a.txt"]]'
    expect_jq '.left_out == []'
}

test_root_named_through_a_link_is_resolved() {
    write_files code <<'FILES'
a.txt	hello\n
FILES
    ln -s code alias
    ferry run snapshot alias -o json
    expect_status 0
    expect_jq ".root == \"$(pwd -P)/code\" and [.entries[].path] == [\"a.txt\"]"
    expect_explain alias alias/a.txt "a.txt: included: no rule matches"
}

# --- ignore files

test_gitignore_excludes_and_explains() {
    write_files code <<'FILES'
.gitignore	# logs\n*.log\n
app.py	print(1)\n
app.log	l\n
sub/deep/x.log	l\n
FILES
    expect_paths code .gitignore app.py
    expect_explain code code/app.log "app.log: excluded by .gitignore:2: *.log"
    expect_explain code code/sub/deep/x.log "sub/deep/x.log: excluded by .gitignore:2: *.log"
    expect_explain code code/app.py "app.py: included: no rule matches"
}

test_nested_gitignore_applies_only_below_its_directory() {
    write_files code <<'FILES'
tmp1	t\n
sub/.gitignore	tmp*\n
sub/tmp2	t\n
sub/deep/tmp3	t\n
sub/keep.py	k\n
other/tmp4	t\n
FILES
    expect_paths code other/tmp4 sub/.gitignore sub/keep.py tmp1
    expect_explain code code/sub/tmp2 "sub/tmp2: excluded by sub/.gitignore:1: tmp*"
    expect_explain code code/sub/deep/tmp3 "sub/deep/tmp3: excluded by sub/.gitignore:1: tmp*"
    expect_explain code code/tmp1 "tmp1: included: no rule matches"
    expect_explain code code/other/tmp4 "other/tmp4: included: no rule matches"
}

test_deeper_gitignore_negation_wins() {
    write_files code <<'FILES'
.gitignore	*.log\n
sub/.gitignore	!keep.log\n
sub/keep.log	k\n
sub/drop.log	d\n
FILES
    expect_paths code .gitignore sub/.gitignore sub/keep.log
    expect_explain code code/sub/keep.log "sub/keep.log: included by sub/.gitignore:1: !keep.log"
    expect_explain code code/sub/drop.log "sub/drop.log: excluded by .gitignore:1: *.log"
}

test_negation_cannot_reinclude_inside_excluded_directory() {
    write_files code <<'FILES'
.gitignore	build/\n!build/keep.txt\n
app.py	print(1)\n
build/keep.txt	k\n
build/out.o	o\n
build/.gitignore	!*\n
FILES
    expect_paths code .gitignore app.py
    expect_explain code code/build "build: excluded by .gitignore:1: build/"
    expect_explain code code/build/keep.txt \
        "build/keep.txt: excluded: its directory build/ is excluded by .gitignore:1: build/"
}

test_ferryignore_replaces_gitignore_in_its_directory_only() {
    write_files code <<'FILES'
.gitignore	*.log\n
a.log	a\n
a.md	a\n
a.tmp	a\n
sub/.gitignore	*.md\n
sub/.ferryignore	*.tmp\n
sub/b.log	b\n
sub/b.md	b\n
sub/b.tmp	b\n
other/.gitignore	*.md\n
other/c.md	c\n
other/c.tmp	c\n
FILES
    expect_paths code .gitignore a.md a.tmp other/.gitignore other/c.tmp \
        sub/.ferryignore sub/.gitignore sub/b.md
    expect_explain code code/sub/b.tmp "sub/b.tmp: excluded by sub/.ferryignore:1: *.tmp"
    expect_explain code code/sub/b.md "sub/b.md: included: no rule matches"
    expect_explain code code/sub/b.log "sub/b.log: excluded by .gitignore:1: *.log"
    expect_explain code code/other/c.md "other/c.md: excluded by other/.gitignore:1: *.md"
}

test_amlignore_replaces_gitignore_in_its_directory() {
    write_files code <<'FILES'
.gitignore	*.md\n
.amlignore	*.tmp\n
a.md	a\n
a.tmp	a\n
sub/.gitignore	*.txt\n
sub/b.txt	b\n
FILES
    expect_paths code .amlignore .gitignore a.md sub/.gitignore
    expect_explain code code/a.tmp "a.tmp: excluded by .amlignore:1: *.tmp"
    expect_explain code code/a.md "a.md: included: no rule matches"
    expect_explain code code/sub/b.txt "sub/b.txt: excluded by sub/.gitignore:1: *.txt"
}

test_ferryignore_wins_over_amlignore() {
    write_files code <<'FILES'
.amlignore	*.md\n
.ferryignore	*.tmp\n
a.md	a\n
a.tmp	a\n
FILES
    expect_paths code .amlignore .ferryignore a.md
    expect_explain code code/a.tmp "a.tmp: excluded by .ferryignore:1: *.tmp"
}

# .ignore (ripgrep's convention) beats .gitignore and yields to .amlignore and .ferryignore;
# unlike those two it replaces nothing.
test_ignore_file_sits_between_gitignore_and_amlignore() {
    write_files code <<'FILES'
.gitignore	*.log\n
.ignore	!keep.log\n*.csv\n
a.log	a\n
keep.log	k\n
data.csv	d\n
app.py	a\n
sub/.gitignore	*.py\n
sub/.ignore	*.txt\n
sub/.amlignore	!keep.txt\n
sub/b.txt	b\n
sub/keep.txt	k\n
sub/b.py	b\n
sub/b.log	b\n
FILES
    expect_paths code .gitignore .ignore app.py keep.log \
        sub/.amlignore sub/.gitignore sub/.ignore sub/b.py sub/keep.txt
    expect_explain code code/keep.log "keep.log: included by .ignore:1: !keep.log"
    expect_explain code code/data.csv "data.csv: excluded by .ignore:2: *.csv"
    expect_explain code code/a.log "a.log: excluded by .gitignore:1: *.log"
    expect_explain code code/sub/b.txt "sub/b.txt: excluded by sub/.ignore:1: *.txt"
    expect_explain code code/sub/keep.txt "sub/keep.txt: included by sub/.amlignore:1: !keep.txt"
    expect_explain code code/sub/b.py "sub/b.py: included: no rule matches"
    expect_explain code code/sub/b.log "sub/b.log: excluded by .gitignore:1: *.log"
}

test_git_directory_never_listed() {
    write_files code <<'FILES'
.ferryignore	!.git\n!.git/\n
app.py	print(1)\n
.git/HEAD	ref: refs/heads/main\n
.git/config	c\n
vendor/lib/.git	gitdir: ../../.git/modules/lib\n
vendor/lib/x.py	x\n
FILES
    expect_paths code .ferryignore app.py vendor/lib/x.py
}

test_explain_git_directory_verdicts() {
    write_files code <<'FILES'
app.py	print(1)\n
.git/HEAD	ref: refs/heads/main\n
FILES
    expect_explain code code/.git ".git: never included (.git/ is git's own data)"
    expect_explain code code/.git/HEAD ".git/HEAD: never included (.git/ is git's own data)"
}

# --- ferry's own data

# The snapshot's manifest of run $1, from the blob store of the current workspace.
run_manifest() {
    local id dir
    id=$("$FERRY" run show "$1" -o json 2>/dev/null | jq -r '.snapshot.id')
    dir=$("$FERRY" workspace show -o json 2>/dev/null | jq -r '.path')
    cat "$dir/objects/${id:0:2}/${id:2}" 2>/dev/null || echo "no snapshot $id"
}

# The quick form run from $HOME with the default FERRY_HOME: the workspace is inside the
# code directory. No snapshot may hold it, else each run stores the runs before it again.
test_ferry_home_inside_the_code_directory_is_left_out() {
    export HOME=$TEST_ROOT/work/me
    unset FERRY_HOME
    write_files "$HOME" <<'FILES'
train.py	print(1)\n
FILES
    cd "$HOME" || fail "cannot enter $HOME"
    local run said=()
    for run in first second; do
        ferry run submit -n "$run" --wait -- true
        expect_status 0
        said+=("$ERR")
    done
    [[ $(run_manifest second) == *" train.py"* && $(run_manifest second) != *.local* ]] ||
        fail "the second snapshot holds: $(run_manifest second)"
    for ERR in "${said[@]}"; do
        expect_err_contains "ferry: warning: left out .local/share/ferry/ (FERRY_HOME): ferry's own data, which no snapshot takes"
    done
    expect_explain . .local/share/ferry/workspaces/default/workspace.db \
        ".local/share/ferry/workspaces/default/workspace.db: left out: .local/share/ferry/ holds ferry's own data (FERRY_HOME), which no snapshot takes"
}

test_registered_workspace_inside_the_code_directory_is_left_out() {
    write_files code <<'FILES'
app.py	print(1)\n
FILES
    ferry workspace create side --path "$PWD/code/runs"
    expect_status 0
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '[.entries[].path] == ["app.py"]'
    expect_jq '.left_out == [{"path": "runs/", "reason": "ferry_data", "detail": "workspace '"'side'"'"}]'
    expect_err_contains "ferry: warning: left out runs/ (workspace 'side'): ferry's own data, which no snapshot takes"
    expect_explain code code/runs "runs: left out: runs/ holds ferry's own data (workspace 'side'), which no snapshot takes"
    # Already ignored: nothing to say.
    printf 'runs/\n' >code/.gitignore
    ferry run snapshot code -o json
    expect_status 0
    expect_jq '.left_out == [] and .warnings == []'
}

# --- explain

test_explain_path_is_relative_to_the_current_directory() {
    write_files code <<'FILES'
.gitignore	*.log\n
sub/a.log	a\n
top.log	t\n
FILES
    cd code/sub || fail "cannot enter code/sub"
    expect_explain .. a.log "sub/a.log: excluded by .gitignore:1: *.log"
    expect_explain .. ../top.log "top.log: excluded by .gitignore:1: *.log"
}

test_explain_of_a_missing_path_says_how_it_was_judged() {
    write_files code <<'FILES'
.gitignore	*.log\nbuild/\n
app.py	print(1)\n
FILES
    expect_explain code code/later.log "later.log: excluded by .gitignore:1: *.log (no such path; judged as a file)"
    expect_explain code code/later.txt "later.txt: included: no rule matches (no such path; judged as a file)"
    expect_explain code code/build/ "build/: excluded by .gitignore:2: build/ (no such path; judged as a directory)"
}

test_explain_json_record() {
    write_files code <<'FILES'
.gitignore	build/\n
build/out.o	o\n
FILES
    ferry run snapshot code --explain code/build/out.o -o json
    expect_status 0
    expect_json
    expect_jq '. == {"path": "build/out.o", "included": false, "exists": true,
        "verdict": "excluded: its directory build/ is excluded by .gitignore:1: build/",
        "rule": {"file": ".gitignore", "line": 1, "pattern": "build/", "negative": false},
        "excluded_directory": "build/"}'
    ferry run snapshot code --explain code/.gitignore -o json
    expect_status 0
    expect_jq '.path == ".gitignore" and .included and .rule == null and .excluded_directory == null'
}

test_explain_outside_the_tree_is_a_usage_error() {
    write_files code <<'FILES'
app.py	print(1)\n
FILES
    ferry run snapshot code --explain /etc/passwd
    expect_status 2
    expect_out ""
    expect_err "ferry: error: /etc/passwd: not inside $PWD/code"
}

test_explain_of_the_root_asks_for_a_path_inside() {
    write_files code <<'FILES'
app.py	print(1)\n
FILES
    ferry run snapshot code --explain code
    expect_status 2
    expect_one_err_line
    expect_err_contains "code: name a file or directory inside"
}

# --- job files

test_job_file_takes_code_relative_to_the_job_file() {
    mkdir -p proj/src elsewhere
    cp "$FERRY_SOURCE_DIR/samples/hello/job.yml" proj/job.yml
    write_files proj <<'FILES'
src/hello.py	print(1)\n
top.txt	not code\n
FILES
    cd elsewhere || fail "cannot enter elsewhere"
    ferry run snapshot -f ../proj/job.yml -o json
    expect_status 0
    expect_jq ".root == \"$(cd ../proj/src && pwd -P)\" and [.entries[].path] == [\"hello.py\"]"
    ferry run snapshot -f ../proj/job.yml --explain ../proj/src/hello.py
    expect_status 0
    expect_out "hello.py: included: no rule matches"
}

test_job_file_code_can_be_set() {
    mkdir -p proj/src
    cp "$FERRY_SOURCE_DIR/samples/hello/job.yml" proj/job.yml
    write_files proj <<'FILES'
src/hello.py	print(1)\n
other/main.py	print(2)\n
FILES
    ferry run snapshot -f proj/job.yml --set code=./other -o json
    expect_status 0
    expect_jq ".root == \"$(pwd -P)/proj/other\" and [.entries[].path] == [\"main.py\"]"
}

test_job_file_store() {
    mkdir -p proj/src
    cp "$FERRY_SOURCE_DIR/samples/hello/job.yml" proj/job.yml
    write_files proj <<'FILES'
src/hello.py	print(1)\n
FILES
    ferry run snapshot -f proj/job.yml --store
    expect_status 0
    local id=$OUT
    ferry run snapshot proj/src --store
    expect_out "$id"
    expect_err "snapshot ${id:0:7}: 1 file, 9 B, 0 new"
}

test_job_without_code_fails_clearly() {
    mkdir proj
    grep -v '^code:' "$FERRY_SOURCE_DIR/samples/hello/job.yml" >proj/job.yml
    ferry run snapshot -f proj/job.yml
    expect_status 2
    expect_out ""
    expect_err "ferry: error: proj/job.yml: the job has no 'code' directory, so there is nothing to snapshot"
}

test_missing_job_file_is_one_line() {
    ferry run snapshot -f nope.yml
    expect_status 2
    expect_err "ferry: error: cannot read $PWD/nope.yml: No such file or directory"
}

test_directory_and_job_file_is_usage_error() {
    mkdir -p proj/src
    cp "$FERRY_SOURCE_DIR/samples/hello/job.yml" proj/job.yml
    echo 'print(1)' >proj/src/hello.py
    ferry run snapshot proj/src -f proj/job.yml
    expect_status 2
    expect_out ""
    expect_err "ferry: error: give a directory or -f JOB_FILE, not both"
}

# --- errors

test_empty_directory_fails() {
    mkdir empty
    ferry run snapshot empty
    expect_status 1
    expect_out ""
    expect_err "ferry: error: $PWD/empty holds no files to snapshot"
    ferry run snapshot empty --store
    expect_status 1
    expect_err "ferry: error: $PWD/empty holds no files to snapshot"
    [[ $(object_count) == 0 ]] || fail "objects were stored"
}

test_directory_with_everything_left_out_fails() {
    write_files code <<'FILES'
.env	SECRET=1\n
FILES
    ferry run snapshot code
    expect_status 1
    expect_err "ferry: error: $PWD/code holds no files to snapshot (all were left out)"
}

# Messages name the current directory as the shell does, without a trailing slash.
test_current_directory_named_without_trailing_slash() {
    mkdir empty
    cd empty || fail "cannot enter empty"
    ferry run snapshot
    expect_status 1
    expect_err "ferry: error: $PWD holds no files to snapshot"
    ferry run snapshot . --explain /etc/passwd
    expect_status 2
    expect_err "ferry: error: /etc/passwd: not inside $PWD"
}

test_not_a_directory_is_one_line() {
    echo 'x' >file.txt
    ferry run snapshot file.txt
    expect_status 1
    expect_out ""
    expect_err "ferry: error: $PWD/file.txt is not a directory"
    ferry run snapshot missing
    expect_status 1
    expect_out ""
    expect_err "ferry: error: cannot read $PWD/missing: No such file or directory"
}

# --- the size limit

# A tree of 5,203 bytes: data/ 4,500, c.txt 700, src/ 3.
make_big_tree() {
    mkdir -p big/data big/src
    head -c 3000 /dev/zero >big/data/a.bin
    head -c 1500 /dev/zero | tr '\0' x >big/data/b.bin
    head -c 700 /dev/zero | tr '\0' y >big/c.txt
    printf 'hi\n' >big/src/m.py
}

expected_refusal() {
    printf '%s\n' "ferry: error: $(pwd -P)/big is 5.1 KiB in 4 files, over the snapshot limit of $1 (--snapshot-limit or FERRY_SNAPSHOT_LIMIT); list what the job does not need in a .ferryignore" \
        "largest files:" \
        "     2.9 KiB  data/a.bin" \
        "     1.5 KiB  data/b.bin" \
        "       700 B  c.txt" \
        "         3 B  src/m.py" \
        "largest directories:" \
        "     4.4 KiB  data/" \
        "         3 B  src/"
}

test_limit_flag_refuses_store() {
    make_big_tree
    local before
    before=$(object_count)
    ferry run snapshot big --store --snapshot-limit 1k
    expect_status 1
    expect_out ""
    expect_err "$(expected_refusal "1.0 KiB")"
    [[ $(object_count) == "$before" ]] || fail "a refused snapshot stored objects"
}

test_limit_variable_refuses_store() {
    make_big_tree
    local before
    before=$(object_count)
    FERRY_SNAPSHOT_LIMIT=2k ferry run snapshot big --store -o json
    expect_status 1
    expect_out ""
    expect_err "$(expected_refusal "2.0 KiB")"
    [[ $(object_count) == "$before" ]] || fail "a refused snapshot stored objects"
}

test_limit_flag_wins_over_variable() {
    make_big_tree
    FERRY_SNAPSHOT_LIMIT=1k ferry run snapshot big --store --snapshot-limit 1m
    expect_status 0
    expect_err "snapshot ${OUT:0:7}: 4 files, 5.1 KiB, 4 (5.1 KiB) new"
}

test_listing_over_the_limit_only_warns() {
    make_big_tree
    ferry run snapshot big --snapshot-limit 1k -o json
    expect_status 0
    expect_jq '.limit == 1024 and .bytes == 5203'
    expect_err "4 files, 5.1 KiB
ferry: warning: 5.1 KiB is over the snapshot limit of 1.0 KiB: a submit would be refused"
}

test_bad_snapshot_limit_exits_2() {
    make_big_tree
    local value
    for value in abc 0 -5 1x; do
        ferry run snapshot big --snapshot-limit "$value"
        expect_status 2
        expect_out ""
        expect_err "ferry: error: --snapshot-limit: '$value' is not a size (like 500m or 2g)"
    done
}

test_bad_limit_variable_exits_2() {
    make_big_tree
    FERRY_SNAPSHOT_LIMIT=lots ferry run snapshot big --store
    expect_status 2
    expect_out ""
    expect_err "ferry: error: FERRY_SNAPSHOT_LIMIT: 'lots' is not a size (like 500m or 2g)"
    [[ $(object_count) == 0 ]] || fail "objects were stored"
}
