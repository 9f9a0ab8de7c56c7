# `ferry run compare`: runs side by side, the params that differ and each metric's best run
# marked; -o json for scripts, --plot for a terminal.
# shellcheck shell=bash
# shellcheck disable=SC2034 # OUT, ERR and STATUS are read by lib.sh

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# The sample's job says `python3`, which must be Debian's, with numpy and scikit-learn.
export PATH=/usr/bin:$PATH

need_sklearn() {
    /usr/bin/python3 -c 'import sklearn, numpy' 2>/dev/null || skip "python3-sklearn is missing"
}

# d5, d30 and d200: samples/sklearn-digits with max_iter 5, 30 and 200, run side by side;
# each logs its accuracy, train_time and per_class_recall through azureml.core.
three_digits_runs() {
    local iterations
    for iterations in 5 30 200; do
        ferry run submit -f "$FERRY_SOURCE_DIR/samples/sklearn-digits/job.yml" -n "d$iterations" \
            --set "inputs.max_iter=$iterations"
        expect_status 0
    done
    for iterations in 5 30 200; do
        ferry run wait "d$iterations"
        [[ $STATUS == 0 ]] || fail "run d$iterations failed: $(run_log "d$iterations")"
    done
}

# The run whose accuracy is the highest, from `run metrics -o json` (the first of equals).
most_accurate() {
    local name accuracy best="" best_accuracy=-1
    for name in "$@"; do
        ferry run metrics "$name" -o json
        accuracy=$(jq -r '.metrics.accuracy.last' <<<"$OUT")
        if jq -e --argjson a "$accuracy" --argjson b "$best_accuracy" -n '$a > $b' >/dev/null; then
            best=$name
            best_accuracy=$accuracy
        fi
    done
    printf '%s\n' "$best"
}

test_compare_marks_the_best_accuracy_and_the_params_that_differ() {
    need_sklearn
    three_digits_runs
    local best
    best=$(most_accurate d5 d30 d200)
    ferry run compare d5 d30 d200 -o json
    expect_status 0
    expect_json
    expect_jq_all '.runs == ["d5", "d30", "d200"]' \
        ".metrics.accuracy.best == \"$best\" and .metrics.accuracy.direction == \"max\"" \
        '.metrics.train_time.direction == "min"' \
        '.metrics.accuracy.values.d5 | keys == ["count", "last", "max", "min", "step"]' \
        '.metrics.per_class_recall.values.d200.count == 10' \
        '.params.max_iter == {"values": {"d5": "5", "d30": "30", "d200": "200"}, "differs": true}' \
        '.params.seed.differs == false and .params.test_size.differs == false' \
        '.status == {"d5": "Completed", "d30": "Completed", "d200": "Completed"}'
    # The table: a column a run, the differing param marked, the best accuracy starred; no
    # colour outside a terminal.
    ferry run compare d5 d30 d200
    expect_status 0
    [[ $(head -1 <<<"$OUT") =~ ^KEY\ +d5\ +d30\ +d200$ ]] || fail "the table's heading"
    grep -Eqx 'params\.max_iter +differs +5 +30 +200' <<<"$OUT" || fail "the max_iter row"
    grep -Eqx 'params\.seed +0 +0 +0' <<<"$OUT" || fail "the seed row"
    local starred
    starred=$(awk '$1 == "metrics.accuracy" { for (i = 3; i <= NF; i++) if ($i ~ /\*$/) print i - 2 }' <<<"$OUT")
    local runs=(d5 d30 d200)
    [[ $starred =~ ^[123]$ && ${runs[starred - 1]} == "$best" ]] ||
        fail "the accuracy row stars column '$starred', not $best's"
    [[ $OUT != *$'\e'* ]] || fail "colour outside a terminal"
    # An experiment's runs, newest first.
    ferry run compare --experiment digits -o json
    expect_jq ".runs == [\"d200\", \"d30\", \"d5\"] and .metrics.accuracy.best == \"$best\""
    # A chart of the recall per class, a line a run.
    ferry run compare --experiment digits --plot per_class_recall
    expect_status 0
    expect_out_contains "per_class_recall (3 of 3 runs)"
    [[ $OUT == *d200* && $OUT == *d30* && $OUT == *d5* ]] || fail "the legend names the runs"
}

test_compare_refuses_unknown_runs_keys_and_both_selections() {
    write_job job.yml 'ferry run log-metric val_loss 0.5'
    PATH=$(dirname "$FERRY"):$PATH ferry run submit -f job.yml -n one --experiment tiny --wait
    expect_status 0
    ferry run compare one -o json
    expect_jq '.metrics.val_loss.direction == "min" and .metrics.val_loss.best == "one"'
    ferry run compare one --maximize val_loss -o json
    expect_jq '.metrics.val_loss.direction == "max"'
    ferry run compare one onr
    expect_status 2
    expect_err_contains "no run named 'onr'"
    expect_err_contains "(did you mean 'one'?)"
    ferry run compare one --plot val_los
    expect_status 2
    expect_err "ferry: error: --plot val_los: none of the runs logged metric 'val_los' (did you mean 'val_loss'?)"
    ferry run compare one --maximize val_loss --minimize val_loss
    expect_status 2
    ferry run compare one --plot val_loss -o json
    expect_status 2
    ferry run compare
    expect_status 2
    expect_err "ferry: error: name the runs to compare, or give --experiment NAME or --parent RUN"
    ferry run compare one --experiment tiny
    expect_status 2
    ferry run compare --experiment tiyn
    expect_status 2
    expect_err "ferry: error: no runs in experiment 'tiyn' (did you mean 'tiny'?) (see 'ferry run list')"
}
