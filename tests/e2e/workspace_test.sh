# Black-box tests of `ferry workspace` and the global behaviour of the binary.
# shellcheck shell=bash

test_version() {
    ferry --version
    expect_status 0
    [[ $OUT =~ ^ferry\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "unexpected version line"
}

test_create_then_list_json() {
    ferry workspace create a --description "first one"
    expect_status 0
    ferry workspace list -o json
    expect_status 0
    expect_no_err
    expect_json
    expect_jq '[.[].name] == ["a", "default"]'
    expect_jq '.[0].description == "first one" and .[0].status == "ok"'
}

test_show_missing_is_one_line_exit_2() {
    ferry workspace show nope
    expect_status 2
    expect_out ""
    expect_err "ferry: error: workspace 'nope' does not exist"
}

test_unknown_verb_exits_2() {
    ferry workspace frobnicate
    expect_status 2
    expect_err "ferry: error: unknown verb 'frobnicate' for 'ferry workspace'; see 'ferry workspace --help'"
}

test_unknown_verb_suggests() {
    ferry workspace lsit
    expect_status 2
    expect_err "ferry: error: unknown verb 'lsit' for 'ferry workspace' (did you mean 'list'?); see 'ferry workspace --help'"
}

test_unknown_group_suggests() {
    ferry workspce list
    expect_status 2
    expect_err "ferry: error: unknown group 'workspce' (did you mean 'workspace'?); see 'ferry --help'"
}

test_az_ml_group_names_are_answered_with_the_ferry_command() {
    ferry job show -n my_run
    expect_status 2
    expect_err "ferry: error: 'job' is az ml's name for runs; ferry's is 'run': use 'ferry run show -n my_run'"
    ferry data create --name iris --path iris.csv
    expect_status 2
    expect_err "ferry: error: 'data' is az ml's name for datasets; ferry's is 'dataset': use 'ferry dataset create --name iris --path iris.csv'"
    ferry environment
    expect_status 2
    expect_err "ferry: error: 'environment' is az ml's name for environments; ferry's is 'env': see 'ferry env --help'"
    ferry job update -n x
    expect_status 2
    expect_err "ferry: error: 'job' is az ml's name for runs; ferry's is 'run', which has no verb 'update': see 'ferry run --help'"
    ferry workspace list -o json
    expect_jq 'length == 1'
}

test_unknown_option_exits_2_with_one_line() {
    ferry workspace create x --bogus
    expect_status 2
    expect_one_err_line
    expect_err_contains "--bogus"
    expect_err_contains "'ferry workspace create --help'"
    ferry workspace list -o json
    expect_jq '[.[].name] == ["default"]'
}

# An option typo gets one line in ferry's voice with the nearest option of that verb (its
# own or a global one); the values of options and what follows -- are not options.
test_an_option_typo_gets_a_did_you_mean() {
    ferry run submit --stram -f job.yml
    expect_status 2
    expect_err "ferry: error: unknown option '--stram' for 'ferry run submit' (did you mean '--stream'?); see 'ferry run submit --help'"
    ferry run list --staus Failed
    expect_status 2
    expect_err "ferry: error: unknown option '--staus' for 'ferry run list' (did you mean '--status'?); see 'ferry run list --help'"
    ferry --wrkspace x run list
    expect_status 2
    expect_err "ferry: error: unknown option '--wrkspace' for 'ferry' (did you mean '--workspace'?); see 'ferry --help'"
    ferry run list --status=Failed --zzzzzz
    expect_status 2
    expect_err "ferry: error: unknown option '--zzzzzz' for 'ferry run list'; see 'ferry run list --help'"
    ferry run list --max-results 1 -o json --no-color -w default
    expect_status 0
    expect_jq '. == []'
    mkdir code && touch code/train.py
    ferry run submit --code code --dry-run -o json -- echo --not-ours -x
    expect_status 0
    expect_jq '.command == "echo --not-ours -x"'
}

# Values from a fixed set (statuses, output formats) are taken in any case.
test_enumerated_values_in_any_case() {
    ferry run list --status failed -o JSON
    expect_status 0
    expect_jq '. == []'
    ferry -o Yaml workspace show default
    expect_status 0
    expect_out_contains "name: default"
}

test_bad_output_format_exits_2() {
    ferry -o xml workspace list
    expect_status 2
    expect_err "ferry: error: unknown output format 'xml': use table, json, yaml or tsv"
}

test_group_without_verb_shows_help_only() {
    for group in workspace compute env run model dataset; do
        ferry "$group"
        expect_status 0
        expect_no_err
        expect_out_contains "Usage: ferry $group"
        expect_out_contains "validate"
    done
    # No group's help says that something it has comes later.
    for group in compute run; do
        ferry "$group"
        [[ $OUT != *"later"* ]] || fail "ferry $group says: $(grep later <<<"$OUT")"
    done
    ferry env
    expect_out_contains "Check an environment spec file"
    expect_out_contains "Hide an environment (every version"
    ferry env delete
    expect_status 2
    expect_err "ferry: error: unknown verb 'delete' for 'ferry env'; see 'ferry env --help'"
}

test_no_arguments_shows_help() {
    ferry
    expect_status 0
    for group in workspace compute env run model dataset; do
        expect_out_contains "$group"
    done
}

# The schema version of a workspace this ferry makes: its last migration's, as the source has it.
latest_schema() {
    sed -n '/k_workspace = {/,/k_registry = {/p' "$FERRY_SOURCE_DIR/src/store/migrations.cpp" |
        grep -o 'Migration{[0-9]*' | tail -1 | tr -dc 0-9
}

test_default_workspace_created_on_first_use() {
    [[ ! -e $FERRY_HOME ]] || fail "FERRY_HOME exists before the first command"
    ferry workspace show -o json
    expect_status 0
    expect_jq ".name == \"default\" and .current == true and .schema_version == $(latest_schema)"
    [[ -f $FERRY_HOME/workspaces/default/workspace.db ]] || fail "no default workspace database"
}

test_home_locations() {
    unset FERRY_HOME
    export XDG_DATA_HOME=$TEST_ROOT/xdg
    ferry workspace show -o json
    expect_jq ".path == \"$XDG_DATA_HOME/ferry/workspaces/default\""
    unset XDG_DATA_HOME
    ferry workspace show -o json
    expect_jq ".path == \"$HOME/.local/share/ferry/workspaces/default\""
}

test_resolution_order() {
    ferry workspace create flag
    ferry workspace create envvar
    ferry workspace create project
    mkdir -p proj/deep/er
    (cd proj && "$FERRY" workspace use project 2>/dev/null)
    cd proj/deep/er
    ferry workspace show -o json
    expect_jq '.name == "project"'
    FERRY_WORKSPACE=envvar ferry workspace show -o json
    expect_jq '.name == "envvar"'
    FERRY_WORKSPACE=envvar ferry -w flag workspace show -o json
    expect_jq '.name == "flag"'
    cd "$TEST_ROOT/work"
    ferry workspace show -o json
    expect_jq '.name == "default"'
}

test_chosen_workspace_missing_names_the_source() {
    FERRY_WORKSPACE=ghost ferry workspace show
    expect_status 2
    expect_err "ferry: error: workspace 'ghost' does not exist (chosen by FERRY_WORKSPACE); create it with 'ferry workspace create ghost'"
}

test_create_without_name_uses_resolved_name() {
    FERRY_WORKSPACE=team ferry workspace create -o json
    expect_status 0
    expect_jq '.name == "team" and .current == true'
}

test_use_writes_project_config_and_keeps_comments() {
    ferry workspace create a
    ferry workspace create b
    mkdir .ferry
    printf '# shared by the team\nworkspace: a # the old one\n' >.ferry/config.yaml
    ferry workspace use b
    expect_status 0
    expect_out ""
    expect_err_contains "using workspace 'b'"
    [[ $(cat .ferry/config.yaml) == $'# shared by the team\nworkspace: b # the old one' ]] ||
        fail "config not rewritten as expected: $(cat .ferry/config.yaml)"
    ferry workspace list -o json
    expect_jq '[.[] | select(.current) | .name] == ["b"]'
}

test_use_of_missing_workspace_changes_nothing() {
    ferry workspace use ghost
    expect_status 2
    expect_err "ferry: error: workspace 'ghost' does not exist"
    [[ ! -e .ferry ]] || fail ".ferry was created"
}

test_bad_project_config_is_one_line_with_position() {
    mkdir .ferry
    printf 'workspace: a\nworkspce: b\n' >.ferry/config.yaml
    ferry workspace show
    expect_status 2
    expect_err "ferry: error: $PWD/.ferry/config.yaml:2:1: unknown key 'workspce' (did you mean 'workspace'?)"
}

test_create_duplicate_fails() {
    ferry workspace create a
    ferry workspace create a
    expect_status 2
    expect_err "ferry: error: workspace 'a' already exists at $FERRY_HOME/workspaces/a"
}

test_invalid_name_exits_2() {
    ferry workspace create "a b"
    expect_status 2
    expect_err "ferry: error: invalid workspace name 'a b': use letters, digits, '-', '_' and '.', starting with a letter or digit, at most 64 characters"
    ferry workspace create ../x
    expect_status 2
    [[ ! -e $FERRY_HOME/x ]] || fail "a directory escaped the workspaces folder"
}

test_create_with_relative_path() {
    mkdir shared
    ferry workspace create team --path shared/ws -o json
    expect_status 0
    expect_jq ".path == \"$PWD/shared/ws\""
    [[ -f shared/ws/workspace.db ]] || fail "no database in the --path directory"
}

test_create_refuses_non_empty_directory() {
    mkdir notes
    echo "mine" >notes/todo.txt
    ferry workspace create w --path notes
    expect_status 1
    expect_err "ferry: error: cannot use $PWD/notes for a workspace: the directory is not empty and holds no workspace.db"
    [[ $(ls notes) == todo.txt ]] || fail "the directory was changed"
    ferry workspace list -o json
    expect_jq '[.[].name] == ["default"]'
}

test_attach_existing_workspace() {
    ferry workspace create team --path "$TEST_ROOT/nfs/team" --description "shared"
    ferry workspace delete team --yes --keep-files
    expect_status 0
    [[ -f $TEST_ROOT/nfs/team/workspace.db ]] || fail "--keep-files removed the files"
    ferry workspace create again --path "$TEST_ROOT/nfs/team" -o json
    expect_status 0
    expect_jq '.name == "again" and .description == "shared"'
}

test_delete_refuses_without_yes_when_not_a_terminal() {
    ferry workspace create a
    ferry workspace delete a
    expect_status 2
    expect_err "ferry: error: refusing to delete workspace 'a' without --yes (stdin is not a terminal)"
    [[ -d $FERRY_HOME/workspaces/a ]] || fail "the workspace was removed"
}

test_delete_with_yes_removes_everything() {
    ferry workspace create a
    ferry workspace delete a --yes
    expect_status 0
    expect_out ""
    [[ ! -e $FERRY_HOME/workspaces/a ]] || fail "the directory is still there"
    ls "$FERRY_HOME/workspaces" | grep -q deleting && fail "a moved-aside directory was left"
    ferry workspace list -o json
    expect_jq '[.[].name] == ["default"]'
}

test_delete_asks_on_a_terminal() {
    command -v script >/dev/null || skip "script(1) is not installed"
    "$FERRY" workspace create a >/dev/null
    "$FERRY" workspace create b >/dev/null
    printf 'n\n' | script -qec "$FERRY workspace delete a" /dev/null >"$TEST_ROOT/answer-no" || true
    [[ -d $FERRY_HOME/workspaces/a ]] || fail "answering no deleted the workspace"
    grep -q "Delete workspace 'a' and everything in" "$TEST_ROOT/answer-no" || fail "no question asked"
    printf 'y\n' | script -qec "$FERRY workspace delete b" /dev/null >/dev/null
    [[ ! -e $FERRY_HOME/workspaces/b ]] || fail "answering yes kept the workspace"
}

# ctest: serial
test_twenty_parallel_creates() {
    local pids=() i
    for i in $(seq 1 20); do
        "$FERRY" workspace create "w$i" >"$TEST_ROOT/out$i" 2>"$TEST_ROOT/err$i" &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || fail "create w$((i + 1)) failed: $(cat "$TEST_ROOT/err$((i + 1))")"
    done
    cat "$TEST_ROOT"/err* | grep -q . && fail "stderr output: $(cat "$TEST_ROOT"/err*)"
    ferry workspace list -o json
    expect_jq 'length == 21'
    expect_jq '[.[] | select(.status == "ok")] | length == 21'
}

# ctest: serial
test_twenty_parallel_first_commands_share_one_default_workspace() {
    local pids=() i
    for i in $(seq 1 20); do
        "$FERRY" run list >"$TEST_ROOT/out$i" 2>"$TEST_ROOT/err$i" &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || fail "command $((i + 1)) failed: $(cat "$TEST_ROOT/err$((i + 1))")"
    done
    ! cat "$TEST_ROOT"/err* | grep -q . || fail "stderr output: $(cat "$TEST_ROOT"/err*)"
    ferry workspace list -o json
    expect_jq 'length == 1 and .[0].name == "default" and .[0].status == "ok"'
}

test_private_modes() {
    ferry workspace create a
    [[ $(stat -c %a "$FERRY_HOME/workspaces/a") == 700 ]] || fail "workspace directory is not 0700"
    [[ $(stat -c %a "$FERRY_HOME/workspaces/a/workspace.db") == 600 ]] || fail "database is not 0600"
    [[ $(stat -c %a "$FERRY_HOME/registry.db") == 600 ]] || fail "registry is not 0600"
}

test_migrates_an_older_database() {
    command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
    local root=$TEST_ROOT/old
    mkdir -p "$root"
    # A workspace as the first schema left it.
    sqlite3 "$root/workspace.db" "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('description', 'from v1'), ('created_at', '2020-01-01T00:00:00.000Z');
        PRAGMA user_version = 1;"
    ferry workspace create old --path "$root" -o json
    expect_status 0
    expect_jq '.description == "from v1" and .created_at == "2020-01-01T00:00:00.000Z"'
    ferry workspace show old -o json
    expect_jq ".schema_version == $(latest_schema) and .objects.count == 0"
    [[ $(sqlite3 "$root/workspace.db" "PRAGMA user_version") == "$(latest_schema)" ]] || fail "not migrated"
    sqlite3 "$root/workspace.db" "SELECT count(*) FROM blobs" >/dev/null || fail "no blobs table"
}

test_newer_database_is_refused() {
    command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
    ferry workspace create a
    sqlite3 "$FERRY_HOME/workspaces/a/workspace.db" "PRAGMA user_version = 99"
    ferry workspace show a
    expect_status 1
    expect_err "ferry: error: database $FERRY_HOME/workspaces/a/workspace.db has schema version 99, newer than this ferry knows ($(latest_schema)); upgrade ferry"
}

test_corrupted_database_is_one_line() {
    ferry workspace create a
    head -c 4096 /dev/urandom >"$FERRY_HOME/workspaces/a/workspace.db"
    rm -f "$FERRY_HOME/workspaces/a/workspace.db-wal" "$FERRY_HOME/workspaces/a/workspace.db-shm"
    ferry workspace show a
    expect_status 1
    expect_err "ferry: error: $FERRY_HOME/workspaces/a/workspace.db is not a SQLite database: ferry will not open or replace it (restore workspace.db from a backup, or move the directory away to start afresh)"
}

test_a_workspace_with_a_damaged_database_is_deleted_only_with_force() {
    ferry workspace create a
    head -c 4096 /dev/urandom >"$FERRY_HOME/workspaces/a/workspace.db"
    ferry workspace delete a --yes
    expect_status 1
    expect_one_err_line
    expect_err_contains "is not a SQLite database"
    expect_err_contains "its runs cannot be checked: --force deletes it anyway"
    [[ -e $FERRY_HOME/workspaces/a/workspace.db ]] || fail "the workspace went without --force"
    ferry workspace delete a --yes --force
    expect_status 0
    expect_err_contains "warning: "
    expect_err_contains "deleting it anyway (--force)"
    [[ ! -e $FERRY_HOME/workspaces/a ]] || fail "the workspace is still there"
    ferry workspace list -o json
    expect_jq '[.[] | select(.name == "a")] | length == 0'
}

test_unreadable_database_is_one_line() {
    ferry workspace create a
    rm -f "$FERRY_HOME/workspaces/a/workspace.db"*
    mkdir "$FERRY_HOME/workspaces/a/workspace.db"
    ferry workspace show a
    expect_status 1
    expect_one_err_line
    expect_err_contains "$FERRY_HOME/workspaces/a/workspace.db"
}

test_corrupted_registry_is_one_line() {
    mkdir -p "$FERRY_HOME"
    echo "not a database at all, not at all" >"$FERRY_HOME/registry.db"
    ferry workspace list
    expect_status 1
    expect_err "ferry: error: database $FERRY_HOME/registry.db: file is not a database"
}

test_list_warns_about_missing_directory_on_stderr_only() {
    ferry workspace create gone --path "$TEST_ROOT/gone"
    rm -rf "$TEST_ROOT/gone"
    ferry workspace list -o json
    expect_status 0
    expect_json
    expect_jq '[.[] | select(.name == "gone") | .status] == ["missing"]'
    expect_err "ferry: warning: workspace 'gone': $TEST_ROOT/gone is missing"
}

test_table_output() {
    ferry workspace create alpha --description "the first"
    ferry workspace list
    expect_status 0
    local header
    header=$(printf '%s\n' "$OUT" | head -1)
    [[ $header == "NAME     CURRENT  STATUS  DESCRIPTION  PATH" ]] || fail "header: $header"
    printf '%s\n' "$OUT" | grep -q '^default  \*        ok' || fail "default row not marked current"
    printf '%s\n' "$OUT" | grep -q ' $' && fail "trailing spaces in the table"
    return 0
}

test_tsv_output() {
    ferry workspace create alpha --description $'tab\there'
    ferry workspace list -o tsv
    expect_status 0
    [[ $(printf '%s\n' "$OUT" | wc -l) -eq 2 ]] || fail "expected one line per workspace"
    local first
    first=$(printf '%s\n' "$OUT" | head -1)
    [[ $first == $'alpha\tfalse\tok\ttab\\there\t'"$FERRY_HOME/workspaces/alpha" ]] || fail "row: $first"
}

test_yaml_output() {
    ferry workspace create alpha --description yes
    ferry workspace show alpha -o yaml
    expect_status 0
    expect_out_contains 'name: alpha'
    expect_out_contains 'description: "yes"'
    expect_out_contains $'objects:\n  count: 0\n  bytes: 0'
    ferry workspace list -o yaml
    expect_out_contains '- name: alpha'
}

test_json_is_one_document_for_every_record_command() {
    ferry workspace create -o json one
    expect_json
    ferry workspace list -o json
    expect_json
    ferry workspace show -o json
    expect_json
    ferry workspace show one -o json
    expect_json
}

test_verbose_goes_to_stderr() {
    ferry -v workspace show -o json
    expect_status 0
    expect_json
    expect_err_contains "workspace 'default' at $FERRY_HOME/workspaces/default (chosen by default)"
}

test_sample_project_config_is_read() {
    mkdir .ferry
    cp "$FERRY_SOURCE_DIR/samples/project-config.yaml" .ferry/config.yaml
    ferry -v workspace show -o json
    expect_status 0
    expect_jq '.name == "default"'
    expect_err_contains "(chosen by $PWD/.ferry/config.yaml)"
}

# --- deleting a workspace whose runs still run

test_delete_refuses_live_runs_and_force_cancels_them() {
    # shellcheck source=run_lib.sh
    source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"
    local dir supervisor left
    ferry workspace create doomed
    dir=$FERRY_HOME/workspaces/doomed
    export FERRY_WORKSPACE=doomed
    write_job job.yml 'sleep 300'
    submit -f job.yml -n sleeper
    wait_status sleeper Running
    supervisor=$(run_field sleeper '.supervisor.pid')
    [[ $supervisor =~ ^[0-9]+$ ]] || fail "no supervisor pid: '$supervisor'"
    ferry workspace delete doomed --yes
    expect_status 1
    expect_out ""
    expect_err "ferry: error: workspace 'doomed' has 1 active and 0 queued runs; wait for them, or --force cancels them"
    [[ -f $dir/workspace.db ]] || fail "the refused delete removed files"
    [[ $(run_status sleeper) == Running ]] || fail "the run is $(run_status sleeper)"
    [[ -n $(pids_with_env "FERRY_RUN_ID=sleeper") ]] || fail "the job's processes are gone"
    ferry workspace delete doomed --yes --force
    expect_status 0
    expect_out ""
    expect_err_contains "canceling run sleeper"
    expect_err_contains "run sleeper ended Canceled"
    expect_err_contains "deleted workspace 'doomed'"
    [[ ! -e $dir ]] || fail "the workspace directory is still there"
    left=$(pids_with_env "FERRY_RUN_ID=sleeper")
    [[ -z $left ]] || fail "the run's processes outlived the delete: $(describe_pids "$left")"
    # It records the end, then exits.
    wait_until 10 bash -c "! kill -0 $supervisor 2>/dev/null"
    unset FERRY_WORKSPACE
    ferry workspace list -o json
    expect_jq '[.[].name] == ["default"]'
}
