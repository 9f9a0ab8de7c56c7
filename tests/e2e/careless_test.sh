# Black-box tests of what a careless hand gives ferry: asset versions that are paths or hold
# control characters, an emptied or overwritten workspace.db, a file given as the code
# directory, a log of one huge line streamed in bounded memory, and a disk that fills up.
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

test_asset_versions_that_are_paths_or_hold_control_characters_are_refused() {
    mkdir data
    printf 'x\n' >data/a.txt
    ferry dataset list
    expect_status 0
    local before version
    before=$(tree_state "$(workspace_dir)/objects")
    for version in '../1' 'a/b' '..' '.1' '1 2' '-1'; do
        ferry dataset create --name ds --path data --version "$version"
        expect_status 2
        expect_one_err_line
        expect_err_contains "invalid version '$version' of dataset 'ds'"
        ferry model register --name m --path data/a.txt --version "$version"
        expect_status 2
        expect_one_err_line
        expect_err_contains "invalid version '$version' of model 'm'"
    done
    # Control characters are refused where the command line is read, shown escaped.
    for version in $'1\n2' $'1\t2' $'\e[31m'; do
        ferry dataset create --name ds --path data --version "$version"
        expect_status 2
        expect_err_contains "'version' must be one line of printable text"
        [[ $ERR != *$'\e'* && $ERR != *$'\t'* ]] || fail "a control character echoed raw: $ERR"
    done
    [[ $(tree_state "$(workspace_dir)/objects") == "$before" ]] || fail "objects/ changed"
    ferry dataset list -o json
    expect_jq 'length == 0'
    ferry model list -o json
    expect_jq 'length == 0'
    ferry dataset create --name ds --path data --version 1.0-rc_2 -o json
    expect_status 0
    expect_jq '.version == "1.0-rc_2"'
}

# A workspace with a run and blobs, whose workspace.db is then rewritten by $1.
damaged_database() {
    write_job job.yml 'echo hello'
    ferry run submit -f job.yml -n kept --wait
    expect_status 0
    WS=$(workspace_dir) # asked before the damage: it reads the database
    rm -f "$WS/workspace.db-wal" "$WS/workspace.db-shm"
    "$1" "$WS/workspace.db"
}

empty_file() { : >"$1"; }
garbage_file() { printf 'not a database at all\n' >"$1"; }

test_an_empty_workspace_db_over_runs_is_refused_not_reinitialized() {
    damaged_database empty_file
    local db=$WS/workspace.db
    ferry run list
    expect_status 1
    expect_one_err_line
    expect_err "ferry: error: $db is empty, but $WS holds a workspace's runs or objects: ferry will not start a new database over them (restore workspace.db from a backup, or move the directory away to start afresh)"
    [[ ! -s $db ]] || fail "workspace.db was written over"
    ferry workspace create other
    expect_status 0
    ferry -w other run list -o json
    expect_status 0
    expect_jq 'length == 0'
}

test_a_workspace_db_that_is_not_sqlite_is_refused() {
    damaged_database garbage_file
    local db=$WS/workspace.db
    ferry run list
    expect_status 1
    expect_one_err_line
    expect_err_contains "$db is not a SQLite database"
    [[ $(cat "$db") == 'not a database at all' ]] || fail "workspace.db was written over"
}

test_code_that_is_a_file_says_so() {
    printf 'x\n' >file.txt
    printf 'type: command\ncode: file.txt\ncommand: echo hi\n' >job.yml
    ferry run submit -f job.yml
    expect_status 2
    expect_err "ferry: error: job.yml:2:7: code directory $PWD/file.txt is a file, not a directory"
    printf 'type: command\ncode: missing\ncommand: echo hi\n' >job.yml
    ferry run submit -f job.yml
    expect_status 2
    expect_err "ferry: error: job.yml:2:7: code directory $PWD/missing does not exist"
}

test_streaming_a_200_mb_line_takes_bounded_memory() {
    local size=200000000
    write_job job.yml "head -c $size /dev/zero | tr '\\0' x; echo"
    ferry run submit -f job.yml -n long --wait
    expect_status 0
    local log
    log="$(run_dir long)/user_logs/std_log.txt"
    [[ $(stat -c %s "$log") == $((size + 1)) ]] || fail "the log has $(stat -c %s "$log") bytes"
    # What ferry takes to show the run: a sanitized build starts at ~200 MB.
    /usr/bin/time -f %M -o rss.txt "$FERRY" run show long >/dev/null 2>&1
    local base rss
    base=$(tail -1 rss.txt)
    set +e
    /usr/bin/time -f %M -o rss.txt "$FERRY" run stream long >streamed.txt 2>stream_err.txt
    STATUS=$?
    set -e
    expect_status 0
    [[ $(stat -c %s streamed.txt) == $((size + 1)) ]] || fail "streamed $(stat -c %s streamed.txt) bytes"
    cmp -s streamed.txt "$log" || fail "the streamed log differs"
    rss=$(tail -1 rss.txt)
    ((rss - base < 65536)) || fail "run stream took $rss KiB ($base KiB to show the run) for one $size-byte line"
    set +e
    /usr/bin/time -f %M -o rss.txt "$FERRY" run stream long --tail 1 >tail.txt 2>stream_err.txt
    set -e
    rss=$(tail -1 rss.txt)
    ((rss - base < 65536)) || fail "run stream --tail 1 took $rss KiB ($base KiB to show the run)"
    [[ $(stat -c %s tail.txt) == $((size + 1)) ]] || fail "the tail has $(stat -c %s tail.txt) bytes"
}

test_a_run_that_fills_the_disk_ends_saying_so_not_as_lost() {
    local small=$TEST_ROOT/small
    mkdir "$small"
    mount -t tmpfs -o size=8m tmpfs "$small" 2>/dev/null || skip "cannot mount a tmpfs here"
    # shellcheck disable=SC2064 # the paths are fixed now
    trap "umount -l '$small'; rm -rf '$TEST_ROOT'" EXIT
    export FERRY_HOME=$small/home
    write_job job.yml 'cat /dev/zero >outputs/fill; echo filled'
    ferry run submit -f job.yml -n fill --wait
    rm -f "$(run_dir fill)/wd/outputs/fill"
    ferry run show fill -o json
    expect_status 0
    expect_jq '.status == "Failed" and .exit_code == 1'
    expect_jq '.error | test("^exit code 1; outputs and logs not stored: .*No space left on device")'
    expect_jq '.error | test("the end was recorded late: database .*workspace.db: database or disk is full")'
    expect_jq '.error | test("supervisor lost") | not'
}
