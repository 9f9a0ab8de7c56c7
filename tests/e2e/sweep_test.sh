# Sweeps: a `type: sweep` job is a parent run whose supervisor samples trials and submits each
# as a child run; its limits, objective and early termination, seen through `run show`,
# `run list`, `run download --best`; a killed supervisor resumed.
# shellcheck shell=bash
# shellcheck disable=SC2034 # OUT, ERR and STATUS are read by lib.sh
# shellcheck disable=SC2016 # job commands and jq filters, expanded by the job and by jq

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# The trials log their metric with `ferry run log-metric`: this ferry.
PATH=$(dirname "$FERRY"):$PATH

# write_sweep FILE COMMAND SEARCH_SPACE [MORE_YAML]: a sweep whose trial runs COMMAND from
# ./src, maximizing `score`; SEARCH_SPACE and MORE_YAML are YAML appended as they are.
write_sweep() {
    local file=$1 command=$2 space=$3 more=${4:-}
    mkdir -p src
    [[ -e src/README.txt ]] || printf 'code of the test sweep\n' >src/README.txt
    {
        printf 'type: sweep\ntrial:\n  code: src\n  command: %s\n' "$(yaml_string "$command")"
        printf 'search_space:\n%s\n' "$space"
        printf 'objective: {goal: maximize, primary_metric: score}\n'
        [[ $more == *sampling_algorithm* ]] || printf 'sampling_algorithm: random\n'
        [[ -z $more ]] || printf '%s\n' "$more"
    } >"$file"
}

# Runs the sweep file $1 (more submit arguments after it) to its end; its name in SWEEP.
run_sweep() {
    local file=$1
    shift
    ferry compute update local --max-concurrent-runs 4
    submit -f "$file" "$@"
    SWEEP=$RUN
    ferry run wait "$SWEEP"
    [[ $STATUS == 0 ]] || fail "sweep $SWEEP ended $(run_status "$SWEEP"): $(run_log "$SWEEP")"
}

# The sweep's trials as `run show` has them: a JSON array in OUT.
trials_of() {
    ferry run show "$1" -o json
    expect_status 0
    OUT=$(jq '.sweep.trials' <<<"$OUT")
}

# Whether the sweep $1 has at least $2 trials (that match the jq condition $3).
has_trials() {
    (($(run_field "$1" "[.sweep.trials[] | select(${3:-true})] | length" || echo 0) >= $2))
}

test_grid_runs_every_combination_once_and_names_the_best() {
    write_sweep sweep.yml 'echo "a is ${{search_space.a}}" && ferry run log-metric score $(( ${{search_space.a}} * 10 + ${{search_space.b}} ))' \
        '  a: {type: choice, values: [1, 2, 3]}
  b: {type: choice, values: [5, 7]}' \
        'sampling_algorithm: grid
limits: {max_total_trials: 20, max_concurrent_trials: 3}'
    run_sweep sweep.yml -n grid
    trials_of grid
    expect_jq_all 'length == 6' \
        '[.[] | .values | "\(.a)-\(.b)"] | unique | length == 6' \
        'all(.[]; .status == "Completed")' \
        '[.[] | .metric] == [37, 35, 27, 25, 17, 15]'
    ferry run show grid -o json
    expect_jq_all '.status == "Completed"' '.sweep.best_trial as $best |
        .sweep.trials[] | select(.name == $best) | .values == {"a": 3, "b": 7}' \
        '.sweep.trial_counts == {"Completed": 6}' '.sweep.sampling.space_size == 6'
    # Each trial is an ordinary run: its command has its values, its params are them.
    local best
    best=$(jq -r '.sweep.best_trial' <<<"$OUT")
    ferry run show "$best" -o json
    expect_jq_all '.parent == "grid"' \
        '.command == "echo \"a is 3\" && ferry run log-metric score $(( 3 * 10 + 7 ))"' \
        '.tracked.params == {"a": "3", "b": "7"}' '.trial.values == {"a": 3, "b": 7}'
    # Trials are children: left out of the list unless asked for.
    ferry run list -o json
    expect_jq '[.[].name] == ["grid"]'
    ferry run list --parent grid -o json
    expect_jq 'length == 6'
    ferry run show grid
    expect_out_contains "trials (best first):"
    expect_out_contains "$best"
    # The sweep's log says what happened; with --trials the trials' lines come too.
    ferry run stream grid --trials
    expect_status 0
    expect_out_contains "trial grid_5 submitted: a=3, b=7"
    expect_out_contains "trial grid_5 reported score = 37 (report 1)"
    expect_out_contains "trial grid_5 ended Completed: score = 37"
    expect_out_contains "best trial: $best"
    expect_out_contains "[grid_5] a is 3"
    expect_out_contains "[grid_0] a is 1"
    ferry run stream "$best" --trials
    expect_status 2
    expect_err "ferry: error: --trials: run $best is not a sweep (it has no trials)"
    # Trials complete as any run.
    ferry __complete run show grid_
    expect_out_contains "grid_5	Completed"
    # The trials side by side, the primary metric better as the objective says.
    ferry run compare --parent grid -o json
    expect_jq_all '.runs == ["grid_0", "grid_1", "grid_2", "grid_3", "grid_4", "grid_5"]' \
        ".metrics.score.best == \"$best\"" '.metrics.score.direction == "max"'
    # The best trial's files, by the sweep's name.
    ferry run download grid --best -p best
    expect_status 0
    expect_err_contains "the best trial of sweep grid is $best"
    grep -q "for run $best " best/artifacts/system_logs/supervisor.log ||
        fail "not the best trial's files: $(cat best/artifacts/system_logs/supervisor.log)"
    ferry run download "$best" --best
    expect_status 2
    expect_err "ferry: error: --best: run $best is not a sweep (it has no trials to choose from)"
}

test_limits_hold_and_a_seed_repeats_the_sample() {
    write_sweep sweep.yml 'sleep 0.4 && ferry run log-metric score ${{search_space.x}}' \
        '  x: {type: uniform, min_value: 0, max_value: 1}
  n: {type: randint, upper: 1000}' \
        'sampling_algorithm: {type: random, seed: 7}
limits: {max_total_trials: 5, max_concurrent_trials: 2}'
    run_sweep sweep.yml -n seeded
    trials_of seeded
    expect_jq 'length == 5'
    local first=$OUT
    # Never more than 2 at once: at each trial's start, count the trials running then.
    expect_jq '[.[] as $t | [.[] | select(.started_ms <= $t.started_ms and
        .ended_ms > $t.started_ms)] | length] | max <= 2'
    run_sweep sweep.yml -n again
    trials_of again
    [[ $(jq -c 'sort_by(.number) | map(.values)' <<<"$OUT") == \
        "$(jq -c 'sort_by(.number) | map(.values)' <<<"$first")" ]] ||
        fail "the same seed sampled other values"
    sed -i 's/seed: 7/seed: 8/' sweep.yml
    run_sweep sweep.yml -n other
    trials_of other
    [[ $(jq -c 'sort_by(.number) | map(.values)' <<<"$OUT") != \
        "$(jq -c 'sort_by(.number) | map(.values)' <<<"$first")" ]] ||
        fail "another seed sampled the same values"
}

test_a_trials_result_is_its_last_value_or_with_objective_value_best_its_best() {
    # x=1 reports 10 then 1; x=2 reports 5 then 5.
    write_sweep sweep.yml 'ferry run log-metric score $(( 15 - 5 * ${{search_space.x}} )) --step 1 && ferry run log-metric score $(( 4 * ${{search_space.x}} - 3 )) --step 2' \
        '  x: {type: choice, values: [1, 2]}' 'sampling_algorithm: grid'
    run_sweep sweep.yml -n by_last
    ferry run show by_last -o json
    expect_jq_all '.sweep.best_trial == "by_last_1"' '.sweep.objective.value == "last"' \
        '[.sweep.trials[].metric] == [5, 1]'
    run_sweep sweep.yml -n by_best --objective-value best
    ferry run show by_best -o json
    expect_jq_all '.sweep.best_trial == "by_best_0"' '.sweep.objective.value == "best"' \
        '[.sweep.trials[].metric] == [10, 5]'
    write_job job.yml 'true'
    ferry run submit -f job.yml --objective-value best
    expect_status 2
    expect_err "ferry: error: --objective-value is for a sweep, and the job (job.yml) is not one"
}

# A trial per value of `v`, one after another in grid order, each reporting v three times;
# one below 90 waits after its first report, so that only a termination ends it early.
policy_sweep() {
    local values=$1 policy=$2
    write_sweep sweep.yml 'for step in 1 2 3; do ferry run log-metric score ${{search_space.v}} --step $step; [ ${{search_space.v}} -lt 90 ] && sleep 30; done; true' \
        "  v: {type: choice, values: [$values]}" \
        "sampling_algorithm: grid
limits: {max_total_trials: 10, max_concurrent_trials: 1}
early_termination: $policy"
}

# The trials' statuses by value, "v:Status ...", in grid order.
statuses_by_value() {
    trials_of "$1"
    jq -r 'sort_by(.number) | map("\(.values.v):\(.status)") | join(" ")' <<<"$OUT"
}

test_bandit_terminates_only_the_trials_outside_the_slack() {
    # Best 100: slack_factor 0.1 keeps what reaches 100 / 1.1 = 90.9, so 95 goes on and 85
    # is stopped at its first report.
    policy_sweep '100, 95, 85' '{type: bandit, slack_factor: 0.1, evaluation_interval: 1}'
    run_sweep sweep.yml -n bandit
    [[ $(statuses_by_value bandit) == "100:Completed 95:Completed 85:Canceled" ]] ||
        fail "bandit: $(statuses_by_value bandit)"
    trials_of bandit
    expect_jq '.[] | select(.values.v == 85) | .error | startswith("early termination: bandit")'
    ferry run show bandit_2 -o json
    expect_jq_all '.status == "Canceled"' '.tracked.metrics.score.count == 1'
    run_log bandit | grep -q "trial bandit_2 terminated: early termination: bandit" ||
        fail "the sweep's log does not say it: $(run_log bandit)"
}

test_median_stopping_terminates_what_falls_below_the_median() {
    # At report 1: 90 alone; 100 against the median 95 of {90, 100}; 50 against the median
    # 90 of {90, 100, 50}: only 50 is stopped.
    policy_sweep '90, 100, 50' '{type: median_stopping, evaluation_interval: 1}'
    run_sweep sweep.yml -n median
    [[ $(statuses_by_value median) == "90:Completed 100:Completed 50:Canceled" ]] ||
        fail "median stopping: $(statuses_by_value median)"
}

test_truncation_selection_cuts_the_lowest_percentage() {
    # 25 % of the trials at a report, rounded down: none of 1 to 3, one of 4 (the 70).
    policy_sweep '100, 95, 92, 70' '{type: truncation_selection, truncation_percentage: 25}'
    run_sweep sweep.yml -n truncation
    [[ $(statuses_by_value truncation) == "100:Completed 95:Completed 92:Completed 70:Canceled" ]] ||
        fail "truncation selection: $(statuses_by_value truncation)"
}

test_a_killed_sweep_resumes_without_rerunning_or_exceeding_its_trials() {
    # Trials long enough that a loaded machine still finds the sweep going when it kills it.
    write_sweep sweep.yml 'sleep 3 && ferry run log-metric score ${{search_space.x}}' \
        '  x: {type: uniform, min_value: 0, max_value: 1}' \
        'limits: {max_total_trials: 6, max_concurrent_trials: 2}'
    ferry compute update local --max-concurrent-runs 4
    submit -f sweep.yml -n killed
    wait_until 30 has_trials killed 2
    local supervisor
    supervisor=$(run_field killed '.supervisor.pid')
    [[ $supervisor =~ ^[0-9]+$ ]] || fail "no supervisor pid: '$supervisor'"
    kill -9 "$supervisor"
    ferry run resume killed --wait
    expect_status 0
    trials_of killed
    expect_jq_all 'length == 6' '[.[].number] | sort == [0, 1, 2, 3, 4, 5]' \
        'all(.[]; .status == "Completed")' '[.[].values.x] | unique | length == 6'
    ferry run list --parent killed --all -o json
    expect_jq 'length == 6'
    # Resumed twice over: a sweep that ended is not resumed.
    ferry run resume killed
    expect_status 1
    expect_err_contains "sweep killed ended Completed"
}

test_canceling_a_sweep_cancels_its_trials() {
    write_sweep sweep.yml 'sleep 60' '  x: {type: uniform, min_value: 0, max_value: 1}' \
        'limits: {max_total_trials: 4, max_concurrent_trials: 2}'
    ferry compute update local --max-concurrent-runs 4
    submit -f sweep.yml -n canceled
    wait_until 30 has_trials canceled 2 '.status == "Running"'
    ferry run cancel canceled --grace 2
    expect_status 0
    wait_status canceled Canceled 30
    trials_of canceled
    expect_jq_all 'length == 2' 'all(.[]; .status == "Canceled")' \
        'all(.[]; .error | startswith("canceled with its sweep canceled"))'
}

test_resume_and_bad_sweeps_are_refused() {
    write_job job.yml 'true'
    submit -f job.yml -n plain --wait
    ferry run resume plain
    expect_status 2
    expect_err "ferry: error: run plain is not a sweep or a pipeline: only their supervisors can be resumed"
    ferry run resume nope
    expect_status 2
    write_sweep sweep.yml 'true' '  x: {type: uniform, min_value: 0, max_value: 1}' \
        'sampling_algorithm: grid'
    ferry run submit -f sweep.yml
    expect_status 2
    expect_err_contains "sweep.yml:6:13: grid sampling takes only choice parameters"
    # A trial's environment is checked at submit, at its place in the file.
    cat >sweep.yml <<'YAML'
type: sweep
trial:
  code: src
  command: 'true'
  environment: azureml:missing:1
search_space:
  x: {type: uniform, min_value: 0, max_value: 1}
sampling_algorithm: random
objective: {goal: maximize, primary_metric: score}
YAML
    ferry run submit -f sweep.yml
    expect_status 2
    expect_err_contains "sweep.yml:5:16"
    ferry run list --all --include-children -o json
    expect_jq '[.[].name] == ["plain"]'
}

test_a_distributed_trial_runs_its_ranks() {
    write_sweep sweep.yml 'echo "rank $RANK of $WORLD_SIZE, x=${{search_space.x}}" && if [ "$RANK" = 0 ]; then ferry run log-metric score ${{search_space.x}}; fi' \
        '  x: {type: choice, values: [1, 2]}' \
        'sampling_algorithm: grid
limits: {max_total_trials: 2, max_concurrent_trials: 2}'
    sed -i 's/^  code: src$/  code: src\n  distribution: {type: pytorch, process_count_per_instance: 2}/' sweep.yml
    run_sweep sweep.yml -n ranks
    ferry run show ranks -o json
    expect_jq_all '.sweep.best_trial == "ranks_1"' '[.sweep.trials[].status] == ["Completed", "Completed"]'
    local trial
    for trial in ranks_0 ranks_1; do
        grep -qx "rank 1 of 2, x=$((${trial#ranks_} + 1))" "$(run_dir "$trial")/user_logs/std_log_process_1.txt" ||
            fail "$trial's rank 1: $(cat "$(run_dir "$trial")"/user_logs/std_log_process_*.txt)"
    done
}
