# Black-box tests of datasets and models: the registries (`ferry dataset create/list/show/
# files/download/archive/restore`, `ferry model create/register/list/show/download/archive/
# restore`), content-addressed storage of versions, URL datasets (fetched once, checked
# after), registered data and models as job inputs, named outputs registered as datasets
# (contract: shared-notes/data-contract.md).
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# --- helpers

# "COUNT BYTES" of the workspace's object store, as `ferry workspace show` reports it.
store_objects() {
    "$FERRY" workspace show -o json </dev/null | jq -r '"\(.objects.count) \(.objects.bytes)"'
}

# The blobs of the object store, one "SIZE PATH" a line, sorted as comm wants them (LC_ALL=C;
# its tmp/ left out).
blob_files() {
    local objects
    objects=$(workspace_dir)/objects
    [[ -d $objects ]] || return 0
    find "$objects" -path "$objects/tmp" -prune -o -type f -printf '%s %p\n' | LC_ALL=C sort
}

# The stored blob of the bytes of file $1 (the store keeps blobs by sha256, objects/xx/...).
blob_of() {
    local hash
    hash=$(sha256sum "$1" | cut -d' ' -f1)
    printf '%s/objects/%s/%s\n' "$(workspace_dir)" "${hash:0:2}" "${hash:2}"
}

# Fails unless every file under the folder $1 still has an intact blob in the store (one that
# holds exactly its bytes): a job that wrote into an input must not have reached the store.
expect_blobs_intact() {
    local file blob bad=()
    while IFS= read -r -d '' file; do
        blob=$(blob_of "$file")
        if [[ ! -f $blob ]]; then
            bad+=("$file: no blob $blob")
        elif ! cmp -s "$file" "$blob"; then
            bad+=("$file: blob $blob changed")
        fi
    done < <(find "$1" -type f -print0)
    ((${#bad[@]} == 0)) || fail "the store was touched:
$(printf '  %s\n' "${bad[@]}")"
}

# A folder $1 with a.txt, sub/b.txt and c.csv.
make_folder() {
    printf '%s\t%s\n' a.txt 'alpha\n' sub/b.txt 'bravo bravo\n' c.csv 'x,y\n1,2\n' | write_files "$1"
}

# Whether the folder $1 holds more than $2 files.
more_files_than() {
    (($(find "$1" -type f 2>/dev/null | wc -l) > $2))
}

# jq filter $2 over `ferry dataset show $1 -o json`; empty when the command fails.
dataset_field() {
    local json
    json=$("$FERRY" dataset show "$1" -o json 2>/dev/null </dev/null) || return 0
    printf '%s' "$json" | jq -r "$2" 2>/dev/null || true
}

# The files of a dataset or model download, as "PATH SIZE" lines sorted, for messages.
listing() {
    (cd "$1" 2>/dev/null && find . ! -type d -printf '%P %s\n' | LC_ALL=C sort) || true
}

# Fails unless the trees $1 and $2 have the same files with the same bytes.
expect_same_tree() {
    local diff
    diff=$(diff -r "$1" "$2" 2>&1) || fail "$1 and $2 differ:
$diff
--- $1:
$(listing "$1")
--- $2:
$(listing "$2")"
}

# --- a local web server for URL datasets

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Serves the folder $1 on 127.0.0.1:HTTP_PORT with python3's http.server, its access log in
# $TEST_ROOT/http.log. It inherits FERRY_E2E_CASE, so that run_lib.sh's cleanup kills it.
start_http() {
    local dir=$1 try i
    for try in 1 2 3; do
        HTTP_PORT=$(free_port)
        /usr/bin/python3 -u -m http.server --bind 127.0.0.1 --directory "$dir" "$HTTP_PORT" \
            >"$TEST_ROOT/http.log" 2>&1 &
        HTTP_PID=$!
        for i in $(seq 100); do
            kill -0 "$HTTP_PID" 2>/dev/null || break
            # A connection that sends nothing leaves no line in the access log.
            if (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null; then
                # No "Killed" notice from this shell when the cleanup ends it.
                disown "$HTTP_PID" 2>/dev/null || true
                return 0
            fi
            sleep 0.1
        done
        kill "$HTTP_PID" 2>/dev/null || true
        wait "$HTTP_PID" 2>/dev/null || true
    done
    OUT=$(cat "$TEST_ROOT/http.log" 2>/dev/null || true)
    fail "could not start python3 -m http.server (tried $try times)"
}

# How many GETs of /$1 the server answered.
http_gets() {
    grep -c "\"GET /$1 HTTP" "$TEST_ROOT/http.log" 2>/dev/null || true
}

http_log() {
    cat "$TEST_ROOT/http.log" 2>/dev/null || true
}

# =====================================================================================
# --- ferry dataset create

test_dataset_create_from_a_folder_prints_the_record() {
    make_folder data
    ferry dataset create --name digits --path data --description 'the digits' --tag team=ml -o json
    expect_status 0
    expect_json
    expect_jq_all '.name == "digits"' '.version == "1"' '.type == "uri_folder"' \
        '.description == "the digits"' '.tags == {"team": "ml"}' \
        ".paths == [\"$PWD/data\"]" '.content | type == "string" and length > 0' \
        '.files == 3' ".bytes == $(cat data/a.txt data/sub/b.txt data/c.csv | wc -c)" \
        '.created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")' '.archived == false' '.lineage == null' \
        'has("name") and has("version") and has("description") and has("tags") and has("type") and has("paths") and has("content") and has("files") and has("bytes") and has("created_at") and has("archived") and has("lineage")'
    local created=$OUT
    ferry dataset show digits:1 -o json
    expect_status 0
    [[ $(jq -S . <<<"$OUT") == "$(jq -S . <<<"$created")" ]] || fail "show differs from what create printed:
$created"
}

test_dataset_create_from_one_file_is_a_uri_file() {
    mkdir -p deep/dir
    printf 'a,b\n1,2\n' >deep/dir/table.csv
    ferry dataset create -n table --path deep/dir/table.csv --type uri_file -o json
    expect_status 0
    expect_jq_all '.type == "uri_file"' '.files == 1' '.bytes == 8' ".paths == [\"$PWD/deep/dir/table.csv\"]"
    ferry dataset files table -o json
    expect_status 0
    expect_json
    expect_jq '. == [{"path": "table.csv", "size": 8}]'
}

test_dataset_create_from_several_paths_keeps_each_base_name() {
    make_folder first
    printf 'lone\n' >lone.txt
    ferry dataset create -n several --path first --path lone.txt -o json
    expect_status 0
    expect_jq_all '.files == 4' ".paths == [\"$PWD/first\", \"$PWD/lone.txt\"]"
    ferry dataset files several -o json
    expect_status 0
    expect_jq '[.[] | .path] | sort == ["first/a.txt", "first/c.csv", "first/sub/b.txt", "lone.txt"]'
}

test_dataset_create_from_a_file_resolves_paths_next_to_it() {
    mkdir specs
    make_folder specs/folder
    printf 'name: fromfile\ndescription: made from a file\npath: ./folder\ntags:\n  stage: dev\n' >specs/data.yml
    mkdir elsewhere
    cd elsewhere || fail "cannot cd elsewhere"
    ferry dataset create -f ../specs/data.yml -o json
    expect_status 0
    expect_jq_all '.name == "fromfile"' '.version == "1"' '.description == "made from a file"' \
        '.tags == {"stage": "dev"}' ".paths == [\"$TEST_ROOT/work/specs/folder\"]" '.files == 3'
    cd "$TEST_ROOT/work" || fail "cannot cd back"
    # paths: in the file, each one's base name a top-level entry; --set overrides the name.
    printf 'one\n' >specs/one.txt
    printf 'name: x\npaths:\n  - ./folder\n  - ./one.txt\n' >specs/multi.yml
    ferry dataset create -f specs/multi.yml --set name=multi -o json
    expect_status 0
    expect_jq '.name == "multi" and .files == 4'
    ferry dataset files multi -o json
    expect_jq '[.[] | .path] | sort == ["folder/a.txt", "folder/c.csv", "folder/sub/b.txt", "one.txt"]'
}

test_dataset_versions_increment_from_one() {
    make_folder data
    ferry dataset create -n counted --path data -o json
    expect_status 0
    expect_jq '.version == "1"'
    printf 'more\n' >data/d.txt
    ferry dataset create -n counted --path data -o json
    expect_status 0
    expect_jq '.version == "2" and .files == 4'
    ferry dataset list --all-versions -o json
    expect_status 0
    expect_jq '[.[] | select(.name == "counted") | .version] | sort == ["1", "2"]'
}

test_dataset_existing_version_is_refused_and_nothing_changes() {
    make_folder data
    ferry dataset create -n fixed --path data
    expect_status 0
    ferry dataset show fixed:1 -o json
    local before=$OUT objects_before
    objects_before=$(store_objects)
    printf 'changed\n' >data/a.txt
    ferry dataset create -n fixed --version 1 --path data
    expect_status 2
    expect_out ""
    expect_err "ferry: error: dataset 'fixed:1' already exists; a version is never overwritten (leave out the version to register fixed:2)"
    ferry dataset show fixed:1 -o json
    expect_status 0
    [[ $OUT == "$before" ]] || fail "fixed:1 changed; before:
$before"
    ferry dataset list --all-versions --include-archived -o json
    expect_jq 'length == 1'
    [[ $(store_objects) == "$objects_before" ]] || fail "the object store changed: $objects_before -> $(store_objects)"
}

test_dataset_explicit_version_is_kept() {
    make_folder data
    ferry dataset create -n pinned --version 2024.1 --path data -o json
    expect_status 0
    expect_jq '.version == "2024.1"'
    ferry dataset show pinned:2024.1 -o json
    expect_status 0
    expect_jq '.version == "2024.1"'
}

test_dataset_second_version_stores_only_the_changed_file() {
    mkdir data
    head -c 65536 /dev/urandom >data/a.bin
    head -c 65536 /dev/urandom >data/b.bin
    printf 'small\n' >data/c.txt
    ferry dataset create -n grow --path data
    expect_status 0
    local count1 bytes1 count2 bytes2 blobs1 new_blobs
    read -r count1 bytes1 <<<"$(store_objects)"
    blobs1=$(blob_files)
    head -c 70000 /dev/urandom >data/b.bin
    ferry dataset create -n grow --path data -o json
    expect_status 0
    expect_jq '.version == "2" and .files == 3'
    read -r count2 bytes2 <<<"$(store_objects)"
    new_blobs=$(LC_ALL=C comm -13 <(printf '%s\n' "$blobs1") <(blob_files))
    [[ $((count2 - count1)) == 2 ]] ||
        fail "version 2 added $((count2 - count1)) objects, not 2 (the changed file and the manifest); new blobs:
$new_blobs"
    [[ $(grep -c . <<<"$new_blobs") == 2 ]] || fail "new blobs in objects/:
$new_blobs"
    local size path sum=0 has_changed=""
    while read -r size path; do
        sum=$((sum + size))
        cmp -s "$path" data/b.bin && has_changed=1
    done <<<"$new_blobs"
    [[ -n $has_changed ]] || fail "none of the new blobs holds the changed file's bytes:
$new_blobs"
    [[ $((bytes2 - bytes1)) == "$sum" ]] ||
        fail "objects.bytes grew by $((bytes2 - bytes1)), the new blobs hold $sum:
$new_blobs"
    ((sum - 70000 < 4096)) || fail "the manifest blob is $((sum - 70000)) bytes"
    # The same folder again: a third version, and nothing new in the store.
    ferry dataset create -n grow --path data -o json
    expect_status 0
    expect_jq '.version == "3"'
    [[ $(store_objects) == "$count2 $bytes2" ]] ||
        fail "an unchanged folder added objects: $count2 $bytes2 -> $(store_objects)"
    [[ $(dataset_field grow:3 .content) == "$(dataset_field grow:2 .content)" ]] ||
        fail "versions 2 and 3 of the same files have different content ids"
    [[ $(dataset_field grow:1 .content) != "$(dataset_field grow:2 .content)" ]] ||
        fail "versions 1 and 2 have the same content id"
}

test_dataset_missing_path_exits_2_and_records_nothing() {
    make_folder data
    ferry dataset create -n broken --path data --path nowhere
    expect_status 2
    expect_out ""
    expect_one_err_line
    expect_err_contains "nowhere"
    [[ $ERR == "ferry: error: "* ]] || fail "expected stderr to start with: ferry: error: "
    ferry dataset list --all-versions --include-archived -o json
    expect_status 0
    expect_jq 'length == 0'
    ferry dataset show broken
    expect_status 2
}

test_dataset_unreadable_file_exits_2_and_records_nothing() {
    [[ $(id -u) != 0 ]] || skip "root reads files without read permission"
    make_folder data
    chmod 000 data/a.txt
    ferry dataset create -n locked --path data
    expect_status 2
    expect_one_err_line
    expect_err_contains "a.txt"
    ferry dataset list --all-versions --include-archived -o json
    expect_jq 'length == 0'
}

test_dataset_mixing_local_paths_and_urls_is_refused() {
    make_folder data
    ferry dataset create -n mixed --path data --path http://127.0.0.1:9/f.csv
    [[ $STATUS != 0 ]] || fail "a dataset of a folder and a URL was created"
    expect_one_err_line
    ferry dataset list --all-versions --include-archived -o json
    expect_jq 'length == 0'
}

# =====================================================================================
# --- list, show, files, download, archive, restore

test_dataset_list_shows_the_latest_version_of_each_name() {
    make_folder data
    ferry dataset create -n alpha --path data --description first
    printf 'more\n' >data/d.txt
    ferry dataset create -n alpha --path data --description second
    ferry dataset create -n beta --path data/a.txt --type uri_file
    expect_status 0
    ferry dataset list -o json
    expect_status 0
    expect_json
    expect_jq_all 'length == 2' '[.[] | "\(.name):\(.version)"] | sort == ["alpha:2", "beta:1"]' \
        '.[] | select(.name == "alpha") | .description == "second"'
    ferry dataset list --all-versions -o json
    expect_status 0
    expect_jq '[.[] | "\(.name):\(.version)"] | sort == ["alpha:1", "alpha:2", "beta:1"]'
    ferry dataset list
    expect_status 0
    local header
    header=$(head -n 1 <<<"$OUT" | tr -s ' ')
    [[ $header == "NAME VERSION TYPE FILES SIZE CREATED DESCRIPTION" ]] || fail "header: $header"
    grep -qE '^alpha +2 +uri_folder +4 ' <<<"$OUT" || fail "no row 'alpha 2 uri_folder 4'"
    grep -qE '^beta +1 +uri_file +1 ' <<<"$OUT" || fail "no row 'beta 1 uri_file 1'"
    grep -qE '^alpha .* second$' <<<"$OUT" || fail "alpha's row does not end with its description"
    [[ $(wc -l <<<"$OUT") == 3 ]] || fail "expected a header and two rows"
}

test_dataset_show_accepts_latest_version_and_azureml_prefix() {
    make_folder data
    ferry dataset create -n named --path data
    printf 'more\n' >data/d.txt
    ferry dataset create -n named --path data
    local spec want failed=() cases=("named@latest => 2" "named:1 => 1" "named:2 => 2"
        "azureml:named:1 => 1" "azureml:named@latest => 2" "named => 2")
    for spec in "${cases[@]}"; do
        want=${spec#* => }
        spec=${spec% => *}
        ferry dataset show "$spec" -o json
        [[ $STATUS == 0 && $(jq -r '.name + ":" + .version' <<<"$OUT" 2>/dev/null) == "named:$want" ]] ||
            failed+=("$spec (exit $STATUS: $(jq -c '{name, version}' <<<"$OUT" 2>/dev/null || echo "$ERR"))")
    done
    ((${#failed[@]} == 0)) || fail "these did not show named:<version>:
$(printf '  %s\n' "${failed[@]}")"
}

test_unknown_dataset_exits_2() {
    ferry dataset show nope@latest
    expect_status 2
    expect_out ""
    expect_err "ferry: error: no dataset 'nope@latest' in workspace 'default' (see 'ferry dataset list')"
    ferry dataset show nope:3
    expect_status 2
    expect_one_err_line
    [[ $ERR == "ferry: error: no dataset 'nope:3' in workspace 'default'"* ]] ||
        fail "expected stderr to start with: ferry: error: no dataset 'nope:3' in workspace 'default'"
    make_folder data
    ferry dataset create -n known --path data
    ferry dataset show known:2
    expect_status 2
    expect_err_contains "no dataset 'known:2' in workspace 'default'"
    for verb in files archive restore; do
        ferry dataset "$verb" nope:1
        expect_status 2
        expect_err_contains "no dataset 'nope:1'"
    done
    ferry dataset download nope:1 -p dl
    expect_status 2
    expect_err_contains "no dataset 'nope:1'"
    [[ ! -e dl ]] || fail "download of an unknown dataset made dl"
}

test_dataset_files_lists_relative_paths_and_sizes() {
    make_folder data
    ferry dataset create -n listed --path data
    ferry dataset files listed -o json
    expect_status 0
    expect_json
    expect_jq 'sort_by(.path) == [{"path": "a.txt", "size": 6}, {"path": "c.csv", "size": 8}, {"path": "sub/b.txt", "size": 12}]'
    ferry dataset files listed@latest
    expect_status 0
    local header
    header=$(head -n 1 <<<"$OUT" | tr -s ' ')
    [[ $header == "PATH SIZE" ]] || fail "header: $header"
    grep -qE '^sub/b\.txt +12( B)?$' <<<"$OUT" || fail "no row 'sub/b.txt 12'"
    [[ $(wc -l <<<"$OUT") == 4 ]] || fail "expected a header and three rows"
}

test_dataset_download_gives_the_same_bytes() {
    mkdir data
    make_folder data
    head -c 300000 /dev/urandom >data/sub/big.bin
    printf '' >data/empty.txt
    ferry dataset create -n fetched --path data
    expect_status 0
    # The files as they were at create, whatever happens to the folder afterwards.
    cp -a data kept
    printf 'edited after create\n' >data/a.txt
    ferry dataset download fetched -p out/nested
    expect_status 0
    expect_out ""
    expect_same_tree kept out/nested
    # Again into the same folder: the same files are no conflict.
    ferry dataset download fetched:1 -p out/nested
    expect_status 0
    expect_same_tree kept out/nested
}

# A download killed halfway leaves whole files only: a file has no name in the folder until
# its content matches its hash, so no temporary files stay behind; the next download
# completes the folder.
test_a_killed_dataset_download_leaves_no_temporary_files() {
    python3 -c '
import os
for i in range(3000):
    d = "data/d%02d" % (i % 30)
    os.makedirs(d, exist_ok=True)
    open("%s/f%05d.bin" % (d, i), "wb").write(os.urandom(20000))'
    ferry dataset create -n many --path data
    expect_status 0
    "$FERRY" dataset download many -p out >/dev/null 2>&1 &
    local download=$! code=0
    wait_until 60 more_files_than out 300
    kill -KILL "$download" 2>/dev/null || true # it may have finished: then it fails below
    wait "$download" || code=$?
    ((code == 137)) || fail "the download was not killed midway (exit $code)"
    local partial
    partial=$(find out -name '.tmp-*' | head -3)
    [[ -z $partial ]] || fail "temporary files were left: $partial"
    # What is there is whole.
    (cd out && find . -type f -print0 | xargs -0 -I{} cmp -s {} ../data/{}) ||
        fail "a downloaded file differs from its source"
    ferry dataset download many -p out
    expect_status 0
    expect_same_tree data out
}

test_dataset_download_refuses_a_different_file_without_overwrite() {
    make_folder data
    ferry dataset create -n guarded --path data
    ferry dataset download guarded -p out
    expect_status 0
    printf 'mine\n' >out/sub/b.txt
    ferry dataset download guarded -p out
    expect_status 1
    expect_err_contains "sub/b.txt"
    [[ $(content_of out/sub/b.txt) == mine ]] || fail "out/sub/b.txt was replaced: $(content_of out/sub/b.txt)"
    ferry dataset download guarded -p out --overwrite
    expect_status 0
    expect_same_tree data out
}

test_dataset_archive_hides_from_list_and_latest_but_not_by_version() {
    make_folder data
    ferry dataset create -n shelved --path data
    printf 'more\n' >data/d.txt
    ferry dataset create -n shelved --path data
    ferry dataset archive shelved:2
    expect_status 0
    ferry dataset list -o json
    expect_jq '[.[] | "\(.name):\(.version)"] == ["shelved:1"]'
    ferry dataset show shelved@latest -o json
    expect_status 0
    expect_jq '.version == "1"'
    ferry dataset show shelved:2 -o json
    expect_status 0
    expect_jq '.version == "2" and .archived == true'
    ferry dataset files shelved:2 -o json
    expect_status 0
    expect_jq 'length == 4'
    ferry dataset download shelved:2 -p dl
    expect_status 0
    expect_same_tree data dl
    ferry dataset list --all-versions --include-archived -o json
    expect_jq '[.[] | .version] | sort == ["1", "2"]'
    # Without a version: every version.
    ferry dataset archive shelved
    expect_status 0
    ferry dataset list --all-versions -o json
    expect_jq 'length == 0'
    ferry dataset show shelved@latest
    expect_status 2
    ferry dataset show shelved:1 -o json
    expect_status 0
    expect_jq '.archived == true'
}

test_dataset_restore_brings_archived_versions_back() {
    make_folder data
    ferry dataset create -n back --path data
    printf 'more\n' >data/d.txt
    ferry dataset create -n back --path data
    ferry dataset archive back
    expect_status 0
    ferry dataset restore back:1
    expect_status 0
    ferry dataset show back@latest -o json
    expect_jq '.version == "1"'
    ferry dataset restore back
    expect_status 0
    ferry dataset list --all-versions -o json
    expect_jq '[.[] | "\(.version):\(.archived)"] | sort == ["1:false", "2:false"]'
    ferry dataset show back@latest -o json
    expect_jq '.version == "2"'
}

# ctest: serial
test_twenty_parallel_creates_give_versions_1_to_20() {
    make_folder d
    # The workspace exists first: this case is about the versions, not about twenty first
    # commands making the default workspace at once.
    ferry workspace show
    expect_status 0
    local i pids=() failed=()
    for i in $(seq 20); do
        "$FERRY" dataset create --name same --path d -o json >"$TEST_ROOT/create.$i.out" \
            2>"$TEST_ROOT/create.$i.err" </dev/null &
        pids+=($!)
    done
    for i in $(seq 20); do
        wait "${pids[i - 1]}" || failed+=("create $i exited $?: $(cat "$TEST_ROOT/create.$i.err")")
        [[ -s $TEST_ROOT/create.$i.err ]] && failed+=("create $i wrote to stderr: $(cat "$TEST_ROOT/create.$i.err")")
    done
    ((${#failed[@]} == 0)) || fail "$(printf '%s\n' "${failed[@]}")"
    local printed
    printed=$(for i in $(seq 20); do jq -r .version "$TEST_ROOT/create.$i.out"; done | sort -n | tr '\n' ' ')
    [[ $printed == "$(seq 20 | tr '\n' ' ')" ]] || fail "the creates printed versions: $printed"
    ferry dataset list --all-versions -o json
    expect_status 0
    expect_jq '[.[] | .version | tonumber] | sort == [range(1; 21)]'
    expect_jq '[.[] | .content] | unique | length == 1'
}

# =====================================================================================
# --- symbolic links

test_dataset_keeps_links_inside_and_leaves_out_links_outside() {
    make_folder data
    printf 'secret\n' >secret.txt
    ln -s a.txt data/inside
    ln -s ../a.txt data/sub/up
    ln -s ../secret.txt data/outside
    ferry dataset create -n linked --path data -o json
    expect_status 0
    expect_err_contains "outside"
    [[ $ERR != *"inside"* && $ERR != *"sub/up"* ]] || fail "a link that stays inside was warned about"
    ferry dataset files linked -o json
    expect_status 0
    expect_jq_all '[.[] | .path] | index("inside") != null' '[.[] | .path] | index("sub/up") != null' \
        '[.[] | .path] | index("outside") == null'
    ferry dataset download linked -p dl
    expect_status 0
    [[ ! -e dl/outside && ! -L dl/outside ]] || fail "the outside link was downloaded"
    [[ $(content_of dl/inside) == alpha && $(content_of dl/sub/up) == alpha ]] ||
        fail "the inside links do not read a.txt: $(content_of dl/inside) / $(content_of dl/sub/up)"
    local link target root
    root=$(realpath dl)
    while IFS= read -r -d '' link; do
        target=$(realpath -m "$link")
        [[ $target == "$root"/* ]] || fail "$link leads outside the download: $target"
    done < <(find dl -type l -print0)
    grep -rq secret dl && fail "the secret reached the download"
    return 0
}

test_download_never_leaves_a_link_that_leads_outside_the_folder() {
    make_folder data
    # An absolute link to a file of the folder: inside when created, outside of any download.
    ln -s "$PWD/data/a.txt" data/absolute
    ferry dataset create -n absolute --path data
    expect_status 0
    mkdir dl
    ferry dataset download absolute -p dl
    if [[ $STATUS == 0 ]]; then
        if [[ -e dl/absolute || -L dl/absolute ]]; then
            [[ $(content_of dl/absolute) == alpha ]] || fail "dl/absolute reads: $(content_of dl/absolute)"
        fi
    else
        # Refused: for the link's sake, and saying so (not for another reason).
        expect_status 1
        expect_err_contains "absolute"
        expect_err_contains "outside"
    fi
    local link target root
    root=$(realpath dl)
    while IFS= read -r -d '' link; do
        target=$(realpath -m "$link")
        [[ $target == "$root"/* ]] || fail "$link -> $(readlink "$link") leads outside the download"
    done < <(find dl -type l -print0)
    return 0
}

# =====================================================================================
# --- URL datasets

test_url_dataset_is_kept_by_reference_and_fetched_once() {
    mkdir www
    printf 'a,b\n1,2\n' >www/f.csv
    start_http www
    local url=http://127.0.0.1:$HTTP_PORT/f.csv
    ferry dataset create --name web --path "$url" --type uri_file -o json
    expect_status 0
    expect_jq_all '.type == "uri_file"' ".paths == [\"$url\"]" '.content == null'
    [[ $(http_gets f.csv) == 0 ]] || fail "create fetched the URL:
$(http_log)"
    ferry dataset list
    expect_status 0
    grep -qE '^web +1 +uri_file +- +- ' <<<"$OUT" || fail "no row 'web 1 uri_file - -'"
    ferry dataset files web -o json
    expect_status 0
    expect_jq '. == [{"path": "f.csv", "size": 8}]'
    ferry dataset files web:1 -o json
    expect_status 0
    expect_jq '. == [{"path": "f.csv", "size": 8}]'
    ferry dataset download web -p dl
    expect_status 0
    cmp -s dl/f.csv www/f.csv || fail "dl/f.csv: $(content_of dl/f.csv)"
    [[ $(http_gets f.csv) == 1 ]] || fail "expected one GET of f.csv:
$(http_log)"
    ferry dataset show web -o json
    expect_status 0
    expect_jq_all '.content | type == "string"' '.fetched | length == 1' ".fetched[0].url == \"$url\"" \
        '.fetched[0].size == 8' ".fetched[0].sha256 == \"$(sha256sum www/f.csv | cut -d' ' -f1)\"" \
        '.fetched[0].fetched_at | test("^[0-9]{4}-")'
    ferry dataset list
    grep -qE '^web +1 +uri_file +1 ' <<<"$OUT" || fail "no row 'web 1 uri_file 1' once fetched"
}

test_url_dataset_input_is_fetched_once_and_a_change_fails_the_run() {
    mkdir www
    printf 'a,b\n1,2\n' >www/f.csv
    start_http www
    local url=http://127.0.0.1:$HTTP_PORT/f.csv
    ferry dataset create --name web --path "$url" --type uri_file
    expect_status 0
    write_job job.yml 'cat ${{inputs.f}}' 'inputs:
  f:
    type: uri_file
    path: azureml:web@latest'
    ferry run submit -f job.yml -n first --wait
    expect_status 0
    ferry run submit -f job.yml -n second --wait
    expect_status 0
    [[ $(run_log first) == $'a,b\n1,2' && $(run_log second) == $'a,b\n1,2' ]] ||
        fail "logs: $(run_log first) / $(run_log second)"
    [[ $(http_gets f.csv) == 1 ]] || fail "expected one GET of f.csv for two runs:
$(http_log)"
    # A different size at the URL: the next use fails and says how to fetch again.
    printf 'a,b\n1,2\n3,4\n' >www/f.csv
    ferry run submit -f job.yml -n third --wait
    expect_status 125
    ferry run show third -o json
    expect_jq_all '.status == "Failed"' '.error | contains("changed since it was first fetched")' \
        ".error | contains(\"dataset 'web:1': $url changed since it was first fetched (size 8, now 12); 'ferry dataset download web:1 -p DIR --refresh' fetches it again\")"
    [[ $(run_log third) != *"a,b"* ]] || fail "the job ran with the stale copy: $(run_log third)"
    ferry dataset files web
    expect_status 1
    expect_err "ferry: error: dataset 'web:1': $url changed since it was first fetched (size 8, now 12); 'ferry dataset download web:1 -p DIR --refresh' fetches it again"
    ferry dataset download web -p fresh --refresh
    expect_status 0
    cmp -s fresh/f.csv www/f.csv || fail "fresh/f.csv: $(content_of fresh/f.csv)"
    [[ $(http_gets f.csv) == 2 ]] || fail "expected a second GET of f.csv after --refresh:
$(http_log)"
    ferry dataset show web -o json
    expect_jq_all '.fetched[0].size == 12' ".fetched[0].sha256 == \"$(sha256sum www/f.csv | cut -d' ' -f1)\""
    ferry run submit -f job.yml -n fourth --wait
    expect_status 0
    [[ $(run_log fourth) == $'a,b\n1,2\n3,4' ]] || fail "log: $(run_log fourth)"
    [[ $(http_gets f.csv) == 2 ]] || fail "the run after --refresh fetched again:
$(http_log)"
}

# =====================================================================================
# --- registered data as job inputs

# Registers the folder data as NAME:1 (a.txt "one") and NAME:2 (a.txt "two", b.txt "bee");
# leaves data as version 2 has it and a copy of version 1 in v1/.
make_two_versions() {
    mkdir -p data
    printf 'one\n' >data/a.txt
    ferry dataset create -n "$1" --path data
    [[ $STATUS == 0 ]] || fail "dataset create $1 (1) failed"
    cp -a data v1
    printf 'two\n' >data/a.txt
    printf 'bee\n' >data/b.txt
    ferry dataset create -n "$1" --path data
    [[ $STATUS == 0 ]] || fail "dataset create $1 (2) failed"
}

READ_AND_TRY_TO_WRITE='echo "path=${{inputs.data}}"; ls ${{inputs.data}}; cat ${{inputs.data}}/a.txt; touch ${{inputs.data}}/x && echo write-allowed || echo write-refused; echo more >>${{inputs.data}}/a.txt && echo append-allowed || echo append-refused'

test_input_by_latest_reference_sees_version_2_read_only() {
    make_two_versions tab
    local before
    before=$(tree_state data)
    write_job job.yml "$READ_AND_TRY_TO_WRITE" 'inputs:
  data:
    type: uri_folder
    path: azureml:tab@latest'
    ferry run submit -f job.yml -n latest --wait
    expect_status 0
    local log
    log=$(run_log latest)
    [[ $log == "path=$(run_dir latest)/inputs/data"$'\na.txt\nb.txt\ntwo\n'* ]] || fail "log:
$log"
    [[ $log == *"write-refused"* && $log == *"append-refused"* ]] || fail "the input was writable:
$log"
    [[ $(tree_state data) == "$before" ]] || fail "the source folder changed"
    expect_blobs_intact data
    ferry dataset download tab:2 -p check
    expect_status 0
    expect_same_tree data check
    [[ -z $(case_mounts) ]] || fail "mounts left behind: $(case_mounts)"
    ferry run show latest -o json
    expect_jq '.status == "Completed"'
}

test_input_by_version_sees_that_version() {
    make_two_versions tab
    write_job job.yml 'ls ${{inputs.data}}; cat ${{inputs.data}}/a.txt' 'inputs:
  data:
    type: uri_folder
    path: tab:1'
    ferry run submit -f job.yml -n pinned --wait
    expect_status 0
    [[ $(run_log pinned) == $'a.txt\none' ]] || fail "log: $(run_log pinned)"
    write_job job.yml 'ls ${{inputs.data}}; cat ${{inputs.data}}/a.txt' 'inputs:
  data:
    type: uri_folder
    path: azureml:tab:1'
    ferry run submit -f job.yml -n prefixed --wait
    expect_status 0
    [[ $(run_log prefixed) == $'a.txt\none' ]] || fail "log: $(run_log prefixed)"
}

test_input_by_reference_in_download_mode_is_a_private_copy() {
    make_two_versions tab
    write_job job.yml 'echo changed >${{inputs.data}}/a.txt && touch ${{inputs.data}}/new && cat ${{inputs.data}}/a.txt && echo write-ok' 'inputs:
  data:
    type: uri_folder
    path: azureml:tab@latest
    mode: download'
    ferry run submit -f job.yml -n copied --wait
    expect_status 0
    [[ $(run_log copied) == $'changed\nwrite-ok' ]] || fail "log: $(run_log copied)"
    expect_blobs_intact data
    expect_blobs_intact v1
    ferry dataset download tab:2 -p check
    expect_status 0
    expect_same_tree data check
    # A second run sees the dataset as it was.
    write_job job.yml 'cat ${{inputs.data}}/a.txt; ls ${{inputs.data}}' 'inputs:
  data:
    type: uri_folder
    path: azureml:tab@latest
    mode: download'
    ferry run submit -f job.yml -n again --wait
    expect_status 0
    [[ $(run_log again) == $'two\na.txt\nb.txt' ]] || fail "log: $(run_log again)"
}

test_uri_file_input_by_reference_is_the_file() {
    printf 'x,y\n1,2\n' >table.csv
    ferry dataset create -n tab --path table.csv --type uri_file
    expect_status 0
    write_job job.yml 'echo "path=${{inputs.f}}"; cat ${{inputs.f}}' 'inputs:
  f:
    type: uri_file
    path: azureml:tab@latest'
    ferry run submit -f job.yml -n onefile --wait
    expect_status 0
    [[ $(run_log onefile) == "path=$(run_dir onefile)/inputs/f/table.csv"$'\nx,y\n1,2' ]] ||
        fail "log:
$(run_log onefile)"
}

test_unknown_dataset_in_a_job_exits_2_naming_the_input() {
    write_job job.yml 'ls ${{inputs.data}}' 'inputs:
  data:
    type: uri_folder
    path: azureml:nope@latest'
    ferry run submit -f job.yml -n nodata --wait
    expect_status 2
    expect_out ""
    expect_one_err_line
    [[ $ERR == "ferry: error: job.yml: input 'data'"* ]] ||
        fail "expected stderr to start with: ferry: error: job.yml: input 'data'"
    expect_err_contains "nope"
    make_folder data
    ferry dataset create -n known --path data
    write_job job.yml 'ls ${{inputs.data}}' 'inputs:
  data:
    type: uri_folder
    path: known:7'
    ferry run submit -f job.yml -n noversion --wait
    expect_status 2
    expect_one_err_line
    expect_err_contains "input 'data'"
    expect_err_contains "known:7"
    ferry run list --all -o json
    expect_jq 'length == 0'
}

# =====================================================================================
# --- named outputs registered as datasets

test_named_output_is_registered_as_a_dataset() {
    write_job job.yml 'echo result-bytes >${{outputs.result}}/r.txt' 'outputs:
  result:
    type: uri_folder
    name: results'
    ferry run submit -f job.yml -n producer --experiment exp-data --wait
    expect_status 0
    ferry dataset show results -o json
    expect_status 0
    expect_jq_all '.name == "results"' '.version == "1"' '.type == "uri_folder"' \
        '.lineage.run == "producer"' '.lineage.experiment == "exp-data"' '.files == 1'
    ferry dataset files results -o json
    expect_status 0
    expect_jq '. == [{"path": "r.txt", "size": 13}]'
    ferry dataset download results -p dl
    expect_status 0
    [[ $(content_of dl/r.txt) == result-bytes ]] || fail "dl/r.txt: $(content_of dl/r.txt)"
    local log
    log=$(cat "$(run_dir producer)/system_logs/supervisor.log" 2>/dev/null || true)
    [[ $log == *"output 'result' registered as dataset results:1"* ]] || fail "supervisor.log:
$log"
    ferry run show producer -o json
    expect_jq '.status == "Completed"'
}

test_named_output_with_a_version() {
    write_job job.yml 'echo seven >${{outputs.result}}/r.txt' 'outputs:
  result:
    type: uri_folder
    name: results
    version: "7"'
    ferry run submit -f job.yml -n seventh --wait
    expect_status 0
    ferry dataset show results@latest -o json
    expect_status 0
    expect_jq '.version == "7" and .lineage.run == "seventh"'
    ferry dataset list --all-versions -o json
    expect_jq '[.[] | "\(.name):\(.version)"] == ["results:7"]'
    # The version exists now: a second run completes, and says so in its notes.
    ferry run submit -f job.yml -n eighth --wait
    expect_status 0
    local log
    log=$(cat "$(run_dir eighth)/system_logs/supervisor.log" 2>/dev/null || true)
    [[ $log == *"output 'result'"*"results:7"* ]] || fail "the system log does not say why 'result' was not registered:
$log"
    ferry run show eighth -o json
    expect_jq_all '.status == "Completed"' '.notes | tostring | contains("results:7")'
    ferry dataset show results:7 -o json
    expect_jq '.lineage.run == "seventh"'
}

# =====================================================================================
# --- models

# A run RUN ($1) that writes outputs/model/weights.txt (200 KB) and outputs/model/meta/x.json,
# and outputs/other.txt.
make_model_run() {
    write_job job.yml 'mkdir -p outputs/model/meta; head -c 200000 /dev/urandom >outputs/model/weights.txt; echo "{\"k\": 1}" >outputs/model/meta/x.json; echo other >outputs/other.txt'
    ferry run submit -f job.yml -n "$1" --experiment exp-models --wait
    [[ $STATUS == 0 ]] || fail "the model's run $1 failed"
}

test_model_register_from_a_run() {
    make_model_run trainer
    local count1 bytes1 count2 bytes2
    read -r count1 bytes1 <<<"$(store_objects)"
    ferry model register --name digits --run trainer --path outputs/model -o json
    expect_status 0
    expect_json
    expect_jq_all '.name == "digits"' '.version == "1"' '.type == "custom_model"' \
        '.path == "outputs/model"' '.files == 2' '.lineage.run == "trainer"' \
        '.lineage.experiment == "exp-models"'
    read -r count2 bytes2 <<<"$(store_objects)"
    ((count2 - count1 <= 1 && bytes2 - bytes1 < 200000)) ||
        fail "register copied bytes: objects $count1 $bytes1 -> $count2 $bytes2"
    ferry model show digits -o json
    expect_status 0
    expect_jq_all '.lineage.run == "trainer"' '.archived == false' \
        'has("name") and has("version") and has("description") and has("tags") and has("properties") and has("type") and has("framework") and has("framework_version") and has("path") and has("content") and has("files") and has("bytes") and has("created_at") and has("archived") and has("lineage")' \
        '.lineage | has("run") and has("experiment") and has("snapshot") and has("runtime") and has("environment")'
    ferry model download digits -p m
    expect_status 0
    ferry run download trainer -p r
    expect_status 0
    [[ -d m/model ]] || fail "the download has no model/ folder:
$(listing m)"
    expect_same_tree r/artifacts/outputs/model m/model
    [[ $(listing m) == "$(cd m && find model -type f -printf '%p %s\n' | LC_ALL=C sort)" ]] ||
        fail "the download holds more than model/:
$(listing m)"
    ferry run show trainer -o json
    expect_jq '.models == ["digits:1"]'
    ferry model list
    expect_status 0
    local header
    header=$(head -n 1 <<<"$OUT" | tr -s ' ')
    [[ $header == "NAME VERSION TYPE FRAMEWORK RUN CREATED" ]] || fail "header: $header"
    grep -qE '^digits +1 +custom_model .*trainer' <<<"$OUT" || fail "no row 'digits 1 custom_model ... trainer'"
}

test_model_register_of_one_file_keeps_its_base_name() {
    make_model_run trainer
    ferry model register -n weights --run trainer --path outputs/model/weights.txt --framework pytorch \
        --framework-version 2.3 --property stage=dev --tag team=ml -o json
    expect_status 0
    expect_jq_all '.files == 1' '.framework == "pytorch"' '.framework_version == "2.3"' \
        '.properties == {"stage": "dev"}' '.tags == {"team": "ml"}'
    ferry model download weights -p m
    expect_status 0
    ferry run download trainer -p r
    [[ $(listing m) == "weights.txt 200000" ]] || fail "download:
$(listing m)"
    cmp -s m/weights.txt r/artifacts/outputs/model/weights.txt || fail "m/weights.txt differs from the run's"
}

test_model_register_refuses_a_run_still_running() {
    write_job job.yml "$(gate "$TEST_ROOT/go"); mkdir -p outputs/model; echo w >outputs/model/weights.txt"
    submit -f job.yml -n busy
    wait_status busy Running 30
    ferry model register --name early --run busy --path outputs/model
    expect_status 1
    expect_out ""
    expect_err_contains "Running"
    open_gate "$TEST_ROOT/go"
    wait_status busy Completed 30
    ferry model list --all-versions --include-archived -o json
    expect_jq 'length == 0'
    ferry model register --name early --run busy --path outputs/model -o json
    expect_status 0
    expect_jq '.version == "1"'
}

test_model_register_refuses_a_path_the_run_does_not_have() {
    make_model_run trainer
    ferry model register --name missing --run trainer --path outputs/nothing
    expect_status 2
    expect_out ""
    expect_err_contains "outputs/nothing"
    expect_err_contains "other.txt"
    expect_err_contains "model"
    ferry model list --all-versions --include-archived -o json
    expect_jq 'length == 0'
    ferry model register --name missing --run no_such_run --path outputs/model
    expect_status 2
    expect_err_contains "no_such_run"
}

test_model_register_from_a_local_folder() {
    mkdir dir
    printf 'local weights\n' >dir/w.txt
    ferry model register --name local --path ./dir -o json
    expect_status 0
    expect_jq_all '.name == "local"' '.version == "1"' '.lineage == null' '.files == 1' '.bytes == 14'
    printf 'changed\n' >dir/w.txt
    ferry model download local -p m
    expect_status 0
    [[ $(listing m) == "dir/w.txt 14" ]] || fail "download:
$(listing m)"
    [[ $(content_of m/dir/w.txt) == "local weights" ]] || fail "m/dir/w.txt: $(content_of m/dir/w.txt)"
    ferry model register --name local --version 1 --path ./dir
    expect_status 2
    expect_err "ferry: error: model 'local:1' already exists; a version is never overwritten (leave out the version to register local:2)"
    ferry model register --name local --path ./dir -o json
    expect_status 0
    expect_jq '.version == "2"'
}

test_model_create_from_a_file() {
    mkdir -p specs/weights
    printf 'w\n' >specs/weights/w.bin
    printf 'name: filed\npath: ./weights\ntype: mlflow_model\ndescription: from a file\ntags:\n  a: b\n' >specs/model.yml
    ferry model create -f specs/model.yml -o json
    expect_status 0
    expect_jq_all '.name == "filed"' '.version == "1"' '.type == "mlflow_model"' \
        '.description == "from a file"' '.tags == {"a": "b"}' '.lineage == null' '.files == 1'
    ferry model create -f specs/model.yml --set name=other -o json
    expect_status 0
    expect_jq '.name == "other" and .version == "1"'
    ferry model list -o json
    expect_jq '[.[] | .name] | sort == ["filed", "other"]'
}

# The form the error message of create gives: --name and a local --path, without a file.
test_model_create_from_name_and_path() {
    printf 'w\n' >model.pkl
    ferry model create --name flagged --path model.pkl --framework scikit-learn -o json
    expect_status 0
    expect_jq_all '.name == "flagged"' '.version == "1"' '.framework == "scikit-learn"' '.files == 1'
    ferry model create --name flagged
    expect_status 2
    expect_err "ferry: error: give -f MODEL_FILE, or --name NAME and --path PATH"
    ferry model create --name flagged --path model.pkl --run some-run
    expect_status 2
    expect_err_contains "unknown option '--run' for 'ferry model create'"
}

test_model_input_in_a_job_sees_the_files() {
    make_model_run trainer
    ferry model register --name digits --run trainer --path outputs/model
    expect_status 0
    ferry run download trainer -p r
    write_job job.yml 'cd ${{inputs.m}} && find . -type f | LC_ALL=C sort && sha256sum model/weights.txt | cut -c1-64 && cat model/meta/x.json' 'inputs:
  m:
    type: custom_model
    path: azureml:digits:1'
    ferry run submit -f job.yml -n consumer --wait
    expect_status 0
    local want
    want="./model/meta/x.json
./model/weights.txt
$(sha256sum r/artifacts/outputs/model/weights.txt | cut -c1-64)
{\"k\": 1}"
    [[ $(run_log consumer) == "$want" ]] || fail "log:
$(run_log consumer)
--- expected:
$want"
    write_job job.yml 'ls ${{inputs.m}}/model' 'inputs:
  m:
    type: custom_model
    path: digits@latest'
    ferry run submit -f job.yml -n latest --wait
    expect_status 0
    [[ $(run_log latest) == $'meta\nweights.txt' ]] || fail "log: $(run_log latest)"
}

test_model_archive_and_restore() {
    mkdir dir
    printf 'w\n' >dir/w.txt
    ferry model register -n kept --path dir
    ferry model register -n kept --path dir
    ferry model archive kept:2
    expect_status 0
    ferry model list -o json
    expect_jq '[.[] | "\(.name):\(.version)"] == ["kept:1"]'
    ferry model show kept@latest -o json
    expect_jq '.version == "1"'
    ferry model show kept:2 -o json
    expect_status 0
    expect_jq '.archived == true'
    ferry model list --all-versions --include-archived -o json
    expect_jq '[.[] | .version] | sort == ["1", "2"]'
    ferry model restore kept:2
    expect_status 0
    ferry model show kept@latest -o json
    expect_jq '.version == "2" and .archived == false'
}

test_unknown_model_exits_2() {
    ferry model show nope@latest
    expect_status 2
    expect_out ""
    expect_err "ferry: error: no model 'nope@latest' in workspace 'default' (see 'ferry model list')"
    ferry model download nope:2 -p m
    expect_status 2
    expect_err_contains "no model 'nope:2'"
    write_job job.yml 'ls ${{inputs.m}}' 'inputs:
  m:
    type: custom_model
    path: azureml:nope:1'
    ferry run submit -f job.yml -n nomodel
    expect_status 2
    expect_one_err_line
    expect_err_contains "input 'm'"
}

# --- the samples

test_sample_registers_the_sklearn_digits_model() {
    /usr/bin/python3 -c 'import sklearn, numpy' 2>/dev/null || skip "python3-sklearn is missing"
    PATH=/usr/bin:$PATH FERRY=$FERRY bash "$FERRY_SOURCE_DIR/samples/sklearn-digits/register-model.sh" \
        "$TEST_ROOT/digits-model" >"$TEST_ROOT/sample.out" 2>"$TEST_ROOT/sample.err" ||
        fail "register-model.sh failed: $(cat "$TEST_ROOT/sample.err")"
    [[ -s $TEST_ROOT/digits-model/model.pkl ]] || fail "no model.pkl downloaded"
    ferry model show digits -o json
    expect_status 0
    local run
    run=$(jq -r .lineage.run <<<"$OUT")
    expect_jq '.framework == "scikit-learn" and .files == 1'
    ferry run download "$run" -p "$TEST_ROOT/from-run"
    expect_status 0
    cmp "$TEST_ROOT/from-run/artifacts/outputs/model.pkl" "$TEST_ROOT/digits-model/model.pkl" ||
        fail "the model's bytes differ from the run's"
}

test_sample_job_consumes_the_digits_dataset_by_reference() {
    ferry dataset create -f "$FERRY_SOURCE_DIR/samples/data/digits.yml"
    expect_status 0
    ferry run submit -f "$FERRY_SOURCE_DIR/samples/data/consume-job.yml" -n counted --wait
    expect_status 0
    grep -q "^total: 10 rows$" <<<"$(run_log counted)" || fail "log: $(run_log counted)"
}
