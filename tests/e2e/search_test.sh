# Searching runs: `run list --filter` and `--order-by` speak MLflow's search grammar over
# what the runs tracked, and `--columns` shows it.
# shellcheck shell=bash
# shellcheck disable=SC2034 # OUT, ERR and STATUS are read by lib.sh

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# tracked_run NAME ACCURACY LR [MORE_COMMAND [MORE_YAML]]: submits a local run whose job logs
# the metric and the param with `ferry` from its PATH, as a user's job does.
tracked_run() {
    local name=$1 accuracy=$2 lr=$3 more=${4:-} yaml=${5:-}
    write_job "$name.yml" "ferry run log-metric accuracy $accuracy && ferry run log-param lr $lr$more" "$yaml"
    PATH=$(dirname "$FERRY"):$PATH ferry run submit -f "$name.yml" -n "$name"
    expect_status 0
}

# r-high (0.95, lr 0.01, tag team=vision), r-mid (0.92, lr 0.1, tagged team=speech after its
# end) and r-low (0.5, lr 0.01, Failed), submitted in that order and run side by side.
three_runs() {
    tracked_run r-high 0.95 0.01 "" $'tags:\n  team: vision'
    tracked_run r-mid 0.92 0.1
    tracked_run r-low 0.5 0.01 " && exit 3"
    ferry run wait r-high
    expect_status 0
    ferry run wait r-mid
    expect_status 0
    ferry run wait r-low
    expect_status 3
    ferry run tag r-mid team=speech
    expect_status 0
}

# expect_names FILTER NAMES...: `run list --filter FILTER -o json` lists exactly NAMES.
expect_names() {
    local filter=$1
    shift
    ferry run list --filter "$filter" -o json
    expect_status 0
    local want
    want=$(jq -cn '$ARGS.positional' --args "$@")
    expect_jq "[.[].name] == $want"
}

test_filter_selects_runs_by_metric_param_tag_and_status() {
    three_runs
    expect_names "metrics.accuracy > 0.9" r-mid r-high
    expect_names "params.lr = '0.01'" r-low r-high
    expect_names "tags.team = 'speech'" r-mid
    expect_names "attributes.status = 'Completed'" r-mid r-high
    expect_names "attributes.status = 'FAILED'" r-low
    expect_names "metrics.accuracy > 0.9 AND params.lr = '0.01' and tags.team != 'x'" r-high
    expect_names "params.lr = 'a'' OR 1=1 --'"
}

test_order_by_and_columns_show_what_runs_tracked() {
    three_runs
    ferry run list --order-by "metrics.accuracy DESC" -o json
    expect_status 0
    expect_jq '[.[].name] == ["r-high", "r-mid", "r-low"]'
    ferry run list --order-by "params.lr, metrics.accuracy" --max-results 2 -o json
    expect_jq '[.[].name] == ["r-low", "r-high"]'
    ferry run list --filter "metrics.accuracy > 0.9" --columns "metrics.accuracy,params.lr,tags.team" -o json
    expect_jq_all '.[0]["metrics.accuracy"] == 0.92 and .[0]["params.lr"] == "0.1"' \
        '.[1]["metrics.accuracy"] == 0.95 and .[1]["tags.team"] == "vision"'
    ferry run list --columns metrics.accuracy
    expect_status 0
    [[ $(head -1 <<<"$OUT") == "NAME"*"TAGS"*"metrics.accuracy" ]] || fail "the table's header"
    # Without --columns, a record is as it was.
    ferry run list -o json
    expect_jq '.[0] | keys == ["archived", "compute", "created_at", "duration", "duration_text", "exit_code", "experiment", "name", "status", "tags"]'
}

test_a_bad_filter_exits_2_naming_the_column_and_changes_nothing() {
    tracked_run r-one 0.9 0.01
    ferry run wait r-one
    expect_status 0
    ferry run list -o json
    local before=$OUT
    ferry run list --filter "metrics.accuracy 0.9"
    expect_status 2
    expect_one_err_line
    expect_err "ferry: error: --filter: at column 18: expected a comparator (=, !=, <, <=, >, >=) after 'metrics.accuracy', found '0.9'"
    ferry run list --filter "metrics.accuracy > 1 or params.lr = '0.01'"
    expect_status 2
    expect_err "ferry: error: --filter: at column 22: OR is not supported: MLflow's filter joins clauses with AND only"
    ferry run list --order-by "metrics.accuracy DOWN"
    expect_status 2
    expect_err_contains "--order-by: at column 18: expected ASC, DESC"
    ferry run list --columns "attributes.status"
    expect_status 2
    ferry run list -o json
    [[ $OUT == "$before" ]] || fail "the runs changed after the refused filters"
}
