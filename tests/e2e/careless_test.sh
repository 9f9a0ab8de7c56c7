# Black-box tests of what a careless hand gives ferry: an emptied or overwritten workspace.db,
# and a file given as the code directory.
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

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
    expect_err "ferry: error: code directory $PWD/file.txt is a file, not a directory"
    printf 'type: command\ncode: missing\ncommand: echo hi\n' >job.yml
    ferry run submit -f job.yml
    expect_status 2
    expect_err "ferry: error: code directory $PWD/missing does not exist"
}
