# Pipelines: a `type: pipeline` job is a parent run whose supervisor runs its steps (inline
# commands or components) as child runs, an output of one the input of the next; a step whose
# code, inputs and environment are unchanged is reused; failures fail or skip as settings say.
# shellcheck shell=bash
# shellcheck disable=SC2034 # OUT, ERR and STATUS are read by lib.sh
# shellcheck disable=SC2016 # job commands and jq filters, expanded by the job and by jq

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# Debian's python3 (numpy, scikit-learn) first, and this ferry.
PATH=/usr/bin:/bin:$(dirname "$FERRY")

# Runs the pipeline file $1 (more submit arguments after it) to its end; its name in RUN.
run_pipeline() {
    local file=$1
    shift
    ferry compute update local --max-concurrent-runs 4
    submit -f "$file" "$@"
    ferry run wait "$RUN"
    [[ $STATUS == 0 ]] || fail "pipeline $RUN ended $(run_status "$RUN"): $(run_log "$RUN")"
}

# The steps as `run show` has them: {STEP: {status, run, reused_from, ...}} in OUT.
steps_of() {
    ferry run show "$1" -o json
    expect_status 0
    OUT=$(jq '.pipeline.steps | map({key: .step, value: .}) | from_entries' <<<"$OUT")
}

test_hello_io_sample_passes_an_output_to_the_next_step() {
    run_pipeline "$FERRY_SOURCE_DIR/samples/pipeline-hello-io/pipeline.yml" -n hello
    steps_of hello
    expect_jq_all '.hello_job.status == "Completed"' '.world_job.status == "Completed"' \
        '.world_job.after == ["hello_job"]' '.hello_job.run == "hello_hello_job"'
    # Each step is an ordinary run, a child of the pipeline, left out of the list.
    ferry run show hello_world_job -o json
    expect_jq_all '.parent == "hello"' '.trial.step == "world_job"'
    ferry run list -o json
    expect_jq '[.[].name] == ["hello"]'
    ferry run list --parent hello -o json
    expect_jq '[.[].name] | sort == ["hello_hello_job", "hello_world_job"]'
    # The DAG in the terminal; the steps' lines in the stream, each after its step's name.
    ferry run show hello
    expect_out_contains "* hello_job [Completed]"
    expect_out_contains "└─ world_job <- hello_job [Completed]"
    ferry run stream hello
    expect_status 0
    expect_out_contains "[hello_job] hello"
    expect_out_contains "[world_job] world"
    expect_out_contains "step world_job submitted as hello_world_job"
    expect_out_contains "step hello_job ended Completed"
    # Every step's named outputs, under its name.
    ferry run download hello --all -p got
    expect_status 0
    [[ $(cat got/named-outputs/hello_job/world_output/world.txt) == world ]] ||
        fail "no step output downloaded: $(find got)"
}

test_train_score_eval_completes_and_an_unchanged_resubmit_reuses_every_step() {
    python3 -c 'import sklearn' 2>/dev/null || skip "no scikit-learn for /usr/bin/python3"
    cp -r "$FERRY_SOURCE_DIR/samples/pipeline-train-score-eval" digits
    run_pipeline digits/pipeline.yml -n first
    steps_of first
    expect_jq_all 'all(.[]; .status == "Completed")' '.score.after == ["train"]' \
        '.evaluate.after == ["score"]' 'all(.[]; has("reused_from") | not)'
    # The evaluation read the score step's output.
    grep -q '^accuracy: 0\.9' "$(run_dir first_evaluate)/user_logs/std_log.txt" ||
        fail "evaluate did not read the scores: $(cat "$(run_dir first_evaluate)/user_logs/std_log.txt")"
    ferry run download first --all -p out
    expect_status 0
    local file
    for file in train/model_output/model.pkl train/test_data/test.npz score/scores/scores.csv \
        evaluate/report/report.txt report/report.txt; do
        [[ -s out/named-outputs/$file ]] || fail "no named-outputs/$file: $(find out)"
    done
    # Unchanged: every step reused, nothing run (how fast: bench/pipeline.sh).
    submit -f digits/pipeline.yml -n second --wait
    steps_of second
    expect_jq_all '.train.reused_from == "first_train"' '.score.reused_from == "first_score"' \
        '.evaluate.reused_from == "first_evaluate"' 'all(.[]; .status == "Completed")'
    [[ ! -s $(run_dir second_train)/user_logs/std_log.txt ]] || fail "a reused step ran"
    ferry run show second_train -o json
    expect_jq_all '[.history[].status] == ["NotStarted", "Completed"]' '.supervisor.pid == null'
    ferry run show second_score -o json
    expect_jq '.notes | index("reused from first_score") != null'
    # The pipeline's outputs come from the runs it reused.
    ferry run download second --all -p again
    [[ -s again/named-outputs/report/report.txt && -s again/named-outputs/evaluate/report/report.txt ]] ||
        fail "a reused pipeline's outputs are missing: $(find again)"
    # A comment added to score's code: score runs again; its scores are the same bytes, so
    # evaluate is reused (what a build system calls an early cutoff).
    printf '# a comment\n' >>digits/score/src/score.py
    run_pipeline digits/pipeline.yml -n comment
    steps_of comment
    expect_jq_all '.train.reused_from == "second_train"' '.score | has("reused_from") | not' \
        '.evaluate.reused_from == "second_evaluate"'
    # What score writes changed: score and evaluate run again, train is reused.
    sed -i 's/label,predicted/label,prediction/' digits/score/src/score.py
    ferry run submit -f digits/pipeline.yml -n third --dry-run -o json
    expect_jq_all '.steps[0].decision == "reused from comment_train"' \
        '.steps[1].decision | startswith("runs: no earlier run")' \
        '.steps[2].decision | startswith("decided when step")'
    run_pipeline digits/pipeline.yml -n third
    steps_of third
    expect_jq_all '.train.reused_from == "comment_train"' '.score | has("reused_from") | not' \
        '.evaluate | has("reused_from") | not' 'all(.[]; .status == "Completed")'
    # A reused step stands by itself: the run it reused deleted, its outputs are still there
    # and a later submit reuses it in turn.
    ferry run delete first
    expect_status 0
    [[ -s $(run_dir second_train)/named-outputs/model_output/model.pkl ]] ||
        fail "a reused step lost its outputs with the run it reused"
    run_pipeline digits/pipeline.yml -n fourth
    steps_of fourth
    expect_jq_all '.train.reused_from == "third_train"' '.evaluate.reused_from == "third_evaluate"'
}

# write_branches FILE [SETTINGS]: a pipeline where `fails` reads `make`'s output and exits 3,
# `after_fail` reads `fails`'s, and `long` (independent) sleeps LONG seconds.
write_branches() {
    local file=$1 settings=${2:-} long=${3:-30}
    cat >"$file" <<EOF
type: pipeline
${settings}
jobs:
  make:
    command: echo made > \${{outputs.out}}/made.txt
    outputs:
      out:
  fails:
    command: cat \${{inputs.made}}/made.txt && echo broken > \${{outputs.out}}/x && exit 3
    inputs:
      made: \${{parent.jobs.make.outputs.out}}
    outputs:
      out:
  after_fail:
    command: cat \${{inputs.broken}}/x
    inputs:
      broken: \${{parent.jobs.fails.outputs.out}}
  long:
    command: sleep $long && echo slept
EOF
}

test_a_failing_step_fails_the_pipeline_and_cancels_a_long_sibling() {
    write_branches p.yml
    ferry compute update local --max-concurrent-runs 4
    local started
    started=$(now_ms)
    submit -f p.yml -n broken
    ferry run wait broken
    expect_status 3
    (($(now_ms) - started < 20000)) || fail "the long step was not canceled"
    ferry run show broken -o json
    expect_jq_all '.status == "Failed"' '.error | startswith("step fails ended Failed")'
    steps_of broken
    expect_jq_all '.make.status == "Completed"' '.fails.status == "Failed"' \
        '.long.status == "Canceled"' '.after_fail.status == "NotSubmitted"'
    ferry run show broken_long -o json
    expect_jq '.error | contains("canceled with its pipeline broken")'
}

test_continue_on_step_failure_skips_the_dependents_and_runs_the_rest() {
    write_branches p.yml 'settings: {continue_on_step_failure: true}' 1
    ferry compute update local --max-concurrent-runs 4
    submit -f p.yml -n goes_on
    ferry run wait goes_on
    expect_status 3
    steps_of goes_on
    expect_jq_all '.make.status == "Completed"' '.fails.status == "Failed"' \
        '.long.status == "Completed"' '.after_fail.status == "Canceled"' \
        '.after_fail.skipped == "skipped: step fails ended Failed"'
    ferry run show goes_on -o json
    expect_jq '.error == "steps that did not complete: after_fail (Canceled), fails (Failed)"'
}

test_validate_errors_are_at_their_place() {
    mkdir -p c
    printf 'echo\n' >c/run.sh
    cat >c/comp.yml <<'EOF'
name: needs_input
type: command
inputs:
  data: {type: uri_folder}
  rate: {type: number, default: 0.1}
code: .
command: bash run.sh ${{inputs.data}} ${{inputs.rate}}
EOF
    cat >cycle.yml <<'EOF'
type: pipeline
jobs:
  a:
    command: echo ${{inputs.x}}
    inputs:
      x: ${{parent.jobs.b.outputs.o}}
    outputs:
      o:
  b:
    command: echo ${{inputs.y}}
    inputs:
      y: ${{parent.jobs.a.outputs.o}}
    outputs:
      o:
EOF
    ferry run validate -f cycle.yml
    expect_status 2
    expect_err_contains "cycle.yml:12:10: cycle: a -> b -> a"
    cat >unknown.yml <<'EOF'
type: pipeline
jobs:
  a:
    command: echo hi > ${{outputs.o}}/x
    outputs:
      o:
  b:
    command: cat ${{inputs.y}}/x
    inputs:
      y: ${{parent.jobs.aa.outputs.o}}
EOF
    ferry run validate -f unknown.yml
    expect_status 2
    expect_err_contains "unknown.yml:10:10: unknown step 'aa' in binding (did you mean 'a'?)"
    cat >missing.yml <<'EOF'
type: pipeline
jobs:
  only:
    component: ./c/comp.yml
    inputs:
      rate: 0.5
EOF
    ferry run validate -f missing.yml
    expect_status 2
    expect_err_contains "missing.yml:5:5: step 'only': missing required input 'data' of component needs_input"
    cat >c/file.yml <<'EOF'
name: makes_a_file
type: command
outputs:
  one: {type: uri_file}
command: echo > ${{outputs.one}}
EOF
    cat >mismatch.yml <<'EOF'
type: pipeline
jobs:
  make:
    component: ./c/file.yml
  use:
    component: ./c/comp.yml
    inputs:
      data: ${{parent.jobs.make.outputs.one}}
EOF
    ferry run validate -f mismatch.yml
    expect_status 2
    expect_err_contains "mismatch.yml:8:13: type mismatch: input 'data' of step 'use' is uri_folder, and output 'one' of step 'make' is uri_file"
    # Nothing was recorded.
    ferry run list -o json
    expect_jq 'length == 0'
}

test_a_registered_component_runs_the_code_it_was_registered_with() {
    mkdir -p c/src
    printf 'echo "written by v1" > "$1/out.txt"\n' >c/src/run.sh
    cat >c/comp.yml <<'YAML'
name: writer
version: "1"
type: command
outputs:
  o: {type: uri_folder}
code: src
command: bash run.sh ${{outputs.o}}
YAML
    ferry component create -f c/comp.yml
    expect_status 0
    # The directory changes after the create; the step runs the snapshot taken then.
    printf 'echo "written by v2" > "$1/out.txt"\n' >c/src/run.sh
    cat >p.yml <<'YAML'
type: pipeline
jobs:
  write:
    component: azureml:writer:1
  read:
    command: cat ${{inputs.i}}/out.txt
    inputs:
      i: ${{parent.jobs.write.outputs.o}}
YAML
    run_pipeline p.yml -n registered
    [[ $(run_log registered_read) == *"written by v1"* ]] ||
        fail "read: $(run_log registered_read)"
    sed -i 's/azureml:writer:1/writer@latest/' p.yml
    run_pipeline p.yml -n latest
    steps_of latest
    expect_jq_all '.write.reused_from == "registered_write"' '.read.reused_from == "registered_read"'
}

test_a_sweep_step_runs_its_trials_and_hands_on_its_best_trials_output() {
    mkdir -p c/src
    # A trial of a sweep step sees its pipeline as its root run, as on Azure.
    printf 'ferry run log-metric score "$1" && echo "$1 $AZUREML_ROOT_RUN_ID" > "$2/x.txt"\n' \
        >c/src/trial.sh
    cat >c/trial.yml <<'YAML'
name: scored
type: command
inputs:
  x: {type: integer}
outputs:
  o: {type: uri_folder}
code: src
command: bash trial.sh ${{inputs.x}} ${{outputs.o}}
YAML
    cat >p.yml <<'YAML'
type: pipeline
jobs:
  tune:
    type: sweep
    trial: ./c/trial.yml
    inputs:
      x: ${{search_space.x}}
    search_space:
      x: {type: choice, values: [1, 3, 2]}
    sampling_algorithm: grid
    objective: {goal: maximize, primary_metric: score}
    limits: {max_total_trials: 3, max_concurrent_trials: 3}
  report:
    command: cat ${{inputs.best}}/x.txt
    inputs:
      best: ${{parent.jobs.tune.outputs.o}}
YAML
    run_pipeline p.yml -n tuned
    steps_of tuned
    expect_jq_all '.tune.status == "Completed"' '.report.status == "Completed"'
    ferry run show tuned_tune -o json
    expect_jq_all '.runtime == "sweep"' '.parent == "tuned"' '.sweep.best_trial == "tuned_tune_1"' \
        '.sweep.trials | length == 3'
    [[ $(run_log tuned_report) == "3 tuned" ]] || fail "report read: $(run_log tuned_report)"
    # A sweep step is never reused.
    ferry run submit -f p.yml --dry-run -o json
    expect_jq '.steps[0].decision | startswith("runs: a sweep step is never reused")'
}

test_a_step_whose_submit_is_refused_fails_as_a_step_and_the_rest_goes_on() {
    cat >p.yml <<'YAML'
type: pipeline
settings: {continue_on_step_failure: true}
jobs:
  make:
    command: echo made
    outputs:
      f: {type: uri_file}
  use:
    command: cat ${{inputs.f}}
    inputs:
      f: {type: uri_file, path: '${{parent.jobs.make.outputs.f}}'}
  other:
    command: echo other
    services:
      shell: {type: vs_code}
YAML
    ferry compute update local --max-concurrent-runs 4
    submit -f p.yml -n refused
    expect_err_contains "p.yml:14:5: ignored: services (interactive sessions are an Azure feature)"
    ferry run wait refused
    expect_status 125
    steps_of refused
    expect_jq_all '.make.status == "Completed"' '.use.status == "Failed"' \
        '.use.error | startswith("could not be submitted: ")' '.other.status == "Completed"'
    # Azure's keys that change nothing are the pipeline's notes.
    ferry run show refused -o json
    expect_jq '.notes == ["p.yml:14:5: ignored: services (interactive sessions are an Azure feature)"]'
}
