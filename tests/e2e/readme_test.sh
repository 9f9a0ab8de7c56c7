# The README's examples, run in order as a new user runs them after `make demo`. Every
# command of README.md's ```sh blocks is read at test time and either run or skipped for a
# reason given in readme_decisions below; a command that is neither fails the suite, so a
# new example forces a decision. Each case runs one section of the README in a fresh HOME
# and FERRY_HOME, from a copy of samples/, with `ferry` on PATH; it starts where `make demo`
# leaves a new user (the Makefile's submit of samples/hello) and fails on the first example
# that does not exit as expected (0 unless its decision says otherwise), printing it, its
# exit status and its output.
# shellcheck shell=bash

# What each command of the README's ```sh blocks gets: "COMMAND => ACTION", COMMAND as the
# README has it (its trailing comment removed, continuation lines joined by one space).
# ACTION is "skip: WHY" or "run", then optionally:
#   KEY=VALUE   this line's value of a placeholder (see README_PLACEHOLDERS)
#   in DIR      run in DIR (relative to the work directory) instead of the work directory
#   exits N     the exit status the README gives the line (default 0)
# Lines starting with # are notes.
readme_decisions() {
    cat <<'EOF'
make demo => skip: installs packages as root and builds build/ferry; each case starts with its last step, the Makefile's submit of samples/hello
make test => skip: runs this suite among all the others
cmake -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo => skip: builds the binary under test, which ctest's own build made
cmake --build build -j => skip: builds the binary under test, which ctest's own build made
ctest --test-dir build --output-on-failure => skip: runs this suite among all the others
cmake --install build --prefix ~/.local => skip: covered by docs_test.sh (test_cmake_install_puts_everything_in_place)
ferry workspace create exp --description "ablation study" => run
ferry workspace create team --path /mnt/shared/ferry/team => run
ferry workspace list => run
ferry workspace use team => run
ferry workspace show -o json | jq .objects => run
ferry workspace delete exp --yes --force => run
ferry workspace verify => run
ferry workspace verify --repair => run
ferry workspace gc --dry-run => run
ferry run submit -f samples/hello/job.yml --stream => run
ferry run submit -f samples/sklearn-digits/job.yml --wait --set inputs.max_iter=500 => run
ferry run submit -f job.yml -n lr_sweep_1 => run
ferry run submit -f job.yml --dry-run -o json => run
ferry run submit --code samples/sklearn-digits/src --experiment digits -- python3 train.py --max-iter 300 => run
# The quick form takes the current directory as its code: one that has train.py.
ferry run submit --timeout 600 --env OMP_NUM_THREADS=1 --set tags.team=vision -- python3 train.py => run in samples/sklearn-digits/src
ferry run list => run
# The run line 88 names (the README's own "did you mean 'lr_sweep_1'?"), a logistic
# regression like the user's job.yml: it writes outputs/model.pkl and logs/train.log.
ferry run show NAME -o json | jq .status => run NAME=lr_sweep_1
ferry run stream NAME => run NAME=lr_sweep_1
ferry run stream NAME --logs => run NAME=lr_sweep_1
ferry run wait NAME => run NAME=lr_sweep_1
# A run that is surely live when the line comes: the sleeper the case starts on a compute of
# its own (the quick form's run above may have ended by then on a loaded machine).
ferry run cancel NAME --grace 30 => run NAME=sleeper
ferry run download NAME -p out --all => run NAME=lr_sweep_1
ferry run download NAME --path outputs/model.pkl => run NAME=lr_sweep_1
ferry run delete --older-than 30 --status Failed => run
name=$(ferry run submit -f samples/sklearn-digits/job.yml) => run
ferry run wait "$name"; status=$? => run
ferry run download "$name" -p "results/$name" => run
exit $status => run
ferry compute update local --max-concurrent-runs 4 => run
ferry compute create --name gpu --gpus 2 --max-concurrent-runs 2 => skip: needs two GPUs that nvidia-smi lists; covered by compute_test.sh (test_gpus_this_machine_does_not_show_are_refused_unless_declared)
ferry run submit -f job.yml --compute gpu => skip: needs the compute 'gpu' of the line before; covered by dist_test.sh (test_gpus_of_the_compute_are_sliced_per_rank)
ferry compute list => run
ferry run submit -f samples/pytorch-ddp/job.yml --stream => skip: two PyTorch processes training for a while; covered by dist_test.sh (test_pytorch_ddp_sample_trains_on_two_ranks)
ferry run submit -f samples/mpi/job.yml --wait => skip: Open MPI's mpirun and mpi4py; covered by dist_test.sh (test_mpi_sample_sums_on_two_ranks)
ferry run submit -f samples/tensorflow-tfconfig/job.yml --wait => run
ferry run stream NAME --rank 1 => run
# A job with a distribution, so that it has ranks to list.
ferry run submit -f job.yml --dry-run -o json | jq .ranks => run job.yml=samples/tensorflow-tfconfig/job.yml
ferry env create -f samples/conda-env/env.yml => run
ferry env create -f samples/custom-docker/env.yml => run
ferry env create -n sklearn --pip-requirements requirements.txt --tag team=vision => run
ferry env create -n train --image python:3.11-slim --conda-file conda.yml => run
ferry env list => run
ferry env show conda-env@latest -o json | jq .materialized => run
ferry env archive train:1 => run
python3 -m pip wheel --no-deps --no-build-isolation samples/conda-env/greeting-package -w /tmp/wheels => run
PIP_NO_INDEX=1 PIP_FIND_LINKS=/tmp/wheels ferry run submit -f samples/conda-env/job.yml --stream => run
ferry run show NAME -o json | jq '.runtime, .environment' => run
ferry env build conda-env@latest custom-docker:1 => skip: builds custom-docker's image FROM debian:bookworm-slim, which no registry can give here; covered by env_test.sh (test_env_build_prewarms_a_venv_for_the_runs, test_custom_docker_sample_in_a_copy_with_a_local_base)
ferry env map azureml://registries/azureml/environments/sklearn-1.5 host => run
ferry env create --from-curated sklearn-1.5 => run
ferry env map => run
ferry datastore create -n azuremlexamples --path ~/data --account azuremlexamples --container datasets => skip: needs ~/data; azure_project_test.sh (test_azure_examples_validate_and_run_unchanged) creates this datastore over a folder holding iris.csv
ferry run submit -f hello-iris-folder.yml --wait => skip: Azure's example, run by azure_project_test.sh (test_azure_examples_validate_and_run_unchanged) after the mappings above
ferry dataset create -f samples/data/digits.yml => run
ferry dataset create -n splits --path data/train --path data/test --tag source=sklearn => run
ferry dataset create -n labels --type uri_file --path labels.csv => run
ferry dataset create -n mnist --path https://example.com/mnist/train.csv => run
ferry dataset list => run
ferry dataset files digits-sample => run
ferry dataset download digits-sample:1 -p data => run
ferry dataset archive digits-sample:1 => run
ferry dataset download mnist:1 -p data --refresh => skip: fetches https://example.com, and no network is reachable here; covered by data_test.sh against a local http.server (test_url_dataset_input_is_fetched_once_and_a_change_fails_the_run)
name=$(ferry run submit -f samples/sklearn-digits/job.yml --wait) => run
ferry model register --name digits --run "$name" --path outputs/model.pkl --framework scikit-learn --property accuracy=0.97 => run
ferry model register -n resnet --path checkpoints/best --type custom_model => run
ferry model create -f samples/models/digits.yml => run
ferry model create --name baseline --path baseline.pkl => run
ferry model list => run
ferry model show digits -o json | jq .lineage => run
ferry model download digits -p models/digits => run
ferry run show "$name" -o json | jq .models => run
ferry component validate -f component.yml => run
ferry component create -f component.yml => run
ferry component create -f component.yml --version 2.0 --tag team=vision => run
ferry component list => run
ferry component show digits_train@latest -o json | jq .spec.inputs => run
ferry component archive digits_train:1 => run
curl -sf -H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN" -d "{\"run_id\": \"$MLFLOW_RUN_ID\", \"key\": \"loss\", \"value\": 0.5, \"timestamp\": 0, \"step\": 1}" "$MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-metric" => skip: runs inside a job, which has the MLFLOW_* variables; covered by tracking_test.sh (test_a_bash_job_logs_with_curl_and_the_token_is_kept_secret)
ferry run show NAME -o json | jq .tracked => run
name=$(ferry run submit -f samples/metrics-shell/job.yml --wait) => run
ferry run metrics "$name" => run
ferry run metrics "$name" loss --plot => run
ferry run metrics "$name" -o json | jq '.metrics.loss.history[-1]' => run
ferry run stream "$name" --metrics => run
ferry run tag "$name" reviewed=yes => run
ferry run list --tag reviewed=yes => run
ferry run submit -f samples/sklearn-digits/job.yml --set inputs.max_iter=5 --wait => run
ferry run submit -f samples/sklearn-digits/job.yml --set inputs.max_iter=200 --wait => run
ferry run compare --experiment digits => run
ferry run compare --experiment digits -o json | jq '.metrics.accuracy.best' => run
ferry run compare --experiment digits --plot per_class_recall => run
ferry run list --filter "metrics.accuracy > 0.9 and params.rate = '0.3'" => run
ferry run list --order-by "metrics.accuracy DESC" --max-results 5 --columns metrics.accuracy,params.rate => run
ferry run tensorboard "$name" --port 6006 => skip: starts TensorBoard, which is not installable here (without it the verb exits 1); covered by tracking_test.sh (test_run_tensorboard_reads_live_and_stored_logs)
ferry run list --filter "attributes.status = 'Failed' and tags.kind = 'sample'" -o json | jq -r '.[].name' => run
ferry run submit -f samples/sweep-grid/sweep.yml -n grid --wait => run
ferry run show grid => run
ferry run show grid -o json | jq .sweep.best_trial => run
ferry run list --parent grid => run
ferry run stream grid --trials => run
ferry run compare --parent grid => run
ferry run download grid --best -p best => run
ferry run submit -f samples/sweep-digits/sweep.yml --wait => run
ferry run submit -f samples/pipeline-hello-io/pipeline.yml --stream => run
ferry run submit -f samples/pipeline-train-score-eval/pipeline.yml -n digits --wait => run
ferry run show digits => run
ferry run submit -f samples/pipeline-train-score-eval/pipeline.yml --dry-run => run
ferry run submit -f samples/pipeline-train-score-eval/pipeline.yml -n again --wait => run
ferry run download digits --all -p out => run
ferry run list --parent digits => run
ferry ui => skip: serves until Ctrl-C; covered by ui_test.sh (test_run_show_web_names_the_page_of_the_running_ui stops it with Ctrl-C)
ferry ui --host 0.0.0.0 => skip: serves until Ctrl-C; covered by ui_test.sh (test_a_host_other_than_loopback_needs_the_token)
ferry run show NAME --web => skip: needs a running ferry ui; covered by ui_test.sh (test_run_show_web_names_the_page_of_the_running_ui)
ferry compute create -f samples/slurm/cluster.yml => skip: needs the Slurm cluster; covered by slurm_test.sh
ferry compute show cluster -o json | jq .nodes => skip: needs the Slurm cluster; covered by slurm_test.sh
ferry run submit -f samples/hello/job.yml --compute cluster --stream => skip: needs the Slurm cluster; covered by slurm_test.sh
ferry run submit -f samples/slurm/pytorch-ddp-2-nodes.yml --stream => skip: needs the Slurm cluster; covered by slurm_test.sh
ferry run show NAME -o json | jq .scheduler => skip: needs the Slurm cluster; covered by slurm_test.sh
ferry run stream NAME --rank all => skip: needs the Slurm cluster; covered by slurm_test.sh
ferry workspace list -o json | jq -r '.[] | select(.current) | .name' => run
ferry workspace list -o tsv | cut -f1 => run
ferry run stream NAME -o json | jq -r 'select(.type == "log") | .text' => run
EOF
}

# The README's placeholders and the value each line gets, unless its decision gives another
# (a word of the command equal to KEY, or ending in =KEY, is replaced).
declare -gA README_PLACEHOLDERS
readme_placeholders() {
    README_PLACEHOLDERS=(
        # A run: the newest of the workspace (what `ferry run stream` alone follows).
        [NAME]=newest
        # "a job file of your own": the logistic regression of samples/sklearn-digits.
        [job.yml]=samples/sklearn-digits/job.yml
        # An environment's files of your own: the samples'.
        [requirements.txt]=samples/environments/requirements.txt
        [conda.yml]=samples/conda-env/conda.yml
        # A shared filesystem, and a folder for wheels: under the case's own directory.
        [/mnt/shared/ferry/team]=$TEST_ROOT/mnt/shared/ferry/team
        [/tmp/wheels]=$TEST_ROOT/wheels
    )
}

# The sections of the README whose examples run, one case each (at the end of this file).
README_CASE_SECTIONS=("Workspaces" "Running jobs" "Environments" "Datasets and models" "Components"
    "Tracking metrics" "Hyperparameter sweeps" "Pipelines" "From Azure ML" "Output")

in_a_case() {
    local case_section
    for case_section in "${README_CASE_SECTIONS[@]}"; do
        [[ $case_section != "$1" ]] || return 0
    done
    return 1
}

# Seconds one example may take before it counts as failed.
README_LINE_TIMEOUT=120

# "LINE<TAB>SECTION<TAB>COMMAND" for each command of a ```sh block, SECTION the "## "
# heading above it; "LINE<TAB>!<TAB>PROBLEM" for a fence this suite does not know.
readme_commands() {
    awk '
        function emit(text) {
            sub(/^[ \t]+/, "", text)
            if (text != "") printf "%d\t%s\t%s\n", start, section, text
        }
        /^```/ && !open {
            open = 1; lang = substr($0, 4)
            if (lang != "sh" && lang != "yaml" && lang != "console")
                printf "%d\t!\ta ```%s block: neither commands (sh) nor yaml nor console\n", NR, lang
            next
        }
        /^```/ && open {
            if (pending != "") printf "%d\t!\ta continuation line ends the block\n", NR
            open = 0; pending = ""; next
        }
        !open && /^## / { section = substr($0, 4); next }
        !open || lang != "sh" { next }
        {
            text = $0
            sub(/[ \t]+#.*$/, "", text)
            if (text ~ /^[ \t]*#/) next
            sub(/[ \t]+$/, "", text)
            if (pending == "") start = NR
            else sub(/^[ \t]+/, "", text)
            if (text ~ /\\$/) { pending = pending substr(text, 1, length(text) - 1); next }
            emit(pending text); pending = ""
        }
        END { if (open) printf "%d\t!\tan unclosed ``` block\n", NR }
    ' "$FERRY_SOURCE_DIR/README.md"
}

# Loads readme_decisions into README_DECISIONS (command -> action); a command listed twice
# fails.
declare -gA README_DECISIONS
load_readme_decisions() {
    local entry command
    README_DECISIONS=()
    while IFS= read -r entry; do
        [[ -n $entry && $entry != "#"* ]] || continue
        [[ $entry == *" => "* ]] || fail "readme_decisions: no ' => ' in: $entry"
        command=${entry%% => *}
        [[ -z ${README_DECISIONS[$command]+set} ]] || fail "readme_decisions lists twice: $command"
        README_DECISIONS[$command]=${entry#* => }
    done < <(readme_decisions)
}

# The name of the newest run of the workspace that directory $1 uses.
newest_run() {
    (cd "$1" && "$FERRY" run list -o json </dev/null | jq -r '.[0].name // empty')
}

# Runs one example in bash (set -o pipefail, stdin /dev/null), in its own process so that
# `exit` ends only it; lower-case shell variables it sets (name=..., status=...) are kept in
# $README_STATE for the next ones, as in the shell of a user typing them one after another.
# shellcheck disable=SC2016 # expanded by that bash
README_LINE_SHELL='
set -o pipefail
README_STATE=$1 README_COMMAND=$2
readme_keep() {
    local VAR
    for VAR in $(compgen -v); do
        if [[ $VAR == [a-z]* ]]; then declare -p "$VAR"; fi
    done >"$README_STATE"
}
source "$README_STATE"
trap readme_keep EXIT
eval "$README_COMMAND"
'

# run_example WHERE COMMAND ACTION: runs COMMAND (from WHERE, e.g. README.md:86) as ACTION
# says, and fails unless it exits as expected.
run_example() {
    local where=$1 command=$2 dir=$README_WORK expected=0 key started
    local -A values=()
    for key in "${!README_PLACEHOLDERS[@]}"; do values[$key]=${README_PLACEHOLDERS[$key]}; done
    local -a words
    read -ra words <<<"${3#run}"
    while ((${#words[@]})); do
        case ${words[0]} in
        in) dir=$README_WORK/${words[1]} && words=("${words[@]:1}") ;;
        exits) expected=${words[1]} && words=("${words[@]:1}") ;;
        *=*) [[ -n ${values[${words[0]%%=*}]+set} ]] || fail "$where: no placeholder ${words[0]%%=*}"
            values[${words[0]%%=*}]=${words[0]#*=} ;;
        *) fail "$where: cannot read the action '$3'" ;;
        esac
        words=("${words[@]:1}")
    done
    local text=" $command "
    if [[ $text == *[\ =]NAME\ * && ${values[NAME]} == newest ]]; then
        values[NAME]=$(newest_run "$dir")
        [[ -n ${values[NAME]} ]] || fail "$where: no run for NAME in: $command"
    fi
    for key in "${!values[@]}"; do
        text=${text//" $key "/" ${values[$key]} "}
        text=${text//"=$key "/"=${values[$key]} "}
    done
    text=${text# } text=${text% }
    started=${EPOCHREALTIME//[!0-9]/}
    set +e
    (cd "$dir" && timeout -k 5 "$README_LINE_TIMEOUT" bash -c "$README_LINE_SHELL" readme "$README_STATE" "$text" \
        </dev/null >"$TEST_ROOT/stdout" 2>"$TEST_ROOT/stderr")
    STATUS=$?
    set -e
    # OUT and ERR are for fail (lib.sh).
    # shellcheck disable=SC2034
    OUT=$(tail -c 4000 "$TEST_ROOT/stdout")
    # shellcheck disable=SC2034
    ERR=$(tail -c 8000 "$TEST_ROOT/stderr")
    [[ $STATUS == "$expected" ]] ||
        fail "$where: '$command' (run as '$text' in ${dir#"$TEST_ROOT"/}) exited $STATUS, expected $expected$([[ $STATUS == 124 ]] && echo " (timed out after $README_LINE_TIMEOUT s)")"
    local tenths=$(((${EPOCHREALTIME//[!0-9]/} - started) / 100000))
    echo "ok $where ($((tenths / 10)).$((tenths % 10)) s): $text"
}

# A fresh machine after `make demo`: a copy of the samples, `ferry` on PATH before the system
# python3 (which has numpy and scikit-learn), the user's own files that examples name, and
# the demo's run of samples/hello in the default workspace.
readme_prepare() {
    README_WORK=$TEST_ROOT/work
    README_STATE=$TEST_ROOT/readme-shell-state
    : >"$README_STATE"
    cp -r "$FERRY_SOURCE_DIR/samples" "$README_WORK/samples"
    mkdir -p "$TEST_ROOT/bin"
    ln -sf "$FERRY" "$TEST_ROOT/bin/ferry"
    PATH=$TEST_ROOT/bin:/usr/bin:$PATH
    # Files of your own: data in two folders, labels, a checkpoint folder, a model file.
    mkdir -p "$README_WORK/data/train" "$README_WORK/data/test" "$README_WORK/checkpoints/best"
    printf 'pixel0,label\n0,3\n' >"$README_WORK/data/train/part-0.csv"
    printf 'pixel0,label\n1,7\n' >"$README_WORK/data/test/part-0.csv"
    printf 'id,label\n1,7\n' >"$README_WORK/labels.csv"
    printf 'weights\n' >"$README_WORK/checkpoints/best/weights.bin"
    printf 'model\n' >"$README_WORK/baseline.pkl"
    readme_placeholders
    load_readme_decisions
    # The last step of `make demo`, its recipe read from the Makefile.
    # shellcheck disable=SC2016 # the Makefile's own words
    local recipe prefix='./$(BUILD_DIR)/ferry '
    recipe=$(awk '/^demo:/ { in_demo = 1; next } in_demo && /^\t/ { print substr($0, 2); next } { in_demo = 0 }' \
        "$FERRY_SOURCE_DIR/Makefile")
    [[ $recipe == "$prefix"* && $recipe != *$'\n'* ]] ||
        fail "the Makefile's demo recipe is not one '$prefix...' line: $recipe"
    run_example "Makefile (make demo)" "ferry ${recipe#"$prefix"}" run
}

# A run that sleeps until it is canceled, on a compute of its own so that it holds no slot of
# `local` that the examples wait for.
start_sleeper() {
    (cd "$README_WORK" && "$FERRY" compute create --name side >/dev/null 2>&1 &&
        "$FERRY" run submit -n sleeper --compute side -- sleep 120 >/dev/null 2>&1) ||
        fail "cannot start the sleeper run"
}

# Runs, in README order, every command of the README's section $1, after make demo (and the
# function $2, when given).
run_readme_section() {
    local section=$1 line where command action ran=0 skipped=0
    readme_prepare
    [[ -z ${2:-} ]] || "$2"
    while IFS=$'\t' read -r line where command; do
        [[ $where == "$section" ]] || continue
        action=${README_DECISIONS[$command]-}
        case $action in
        run | run\ *)
            run_example "README.md:$line" "$command" "$action"
            ran=$((ran + 1))
            ;;
        skip:*)
            echo "skipped README.md:$line: $command (${action#skip: })"
            skipped=$((skipped + 1))
            ;;
        *) fail "README.md:$line is neither run nor skipped by readme_test.sh: $command" ;;
        esac
    done < <(readme_commands)
    [[ $ran -gt 0 ]] || fail "no example of the README's section '$section' ran"
    echo "$section: $ran examples ran, $skipped skipped"
}

# Every command of the README is run or skipped for a reason, every decision names a command
# the README has, the runs are in sections that a case runs, and each ```yaml block parses.
test_every_readme_command_is_run_or_skipped() {
    readme_placeholders
    load_readme_decisions
    local line section command action count=0
    local -A seen=()
    while IFS=$'\t' read -r line section command; do
        [[ $section != "!" ]] || fail "README.md:$line: $command"
        action=${README_DECISIONS[$command]-}
        case $action in
        skip:?*) ;;
        run | run\ *)
            in_a_case "$section" ||
                fail "README.md:$line runs in section '$section', which no case of readme_test.sh runs"
            ;;
        "") fail "README.md:$line is neither run nor skipped by readme_test.sh (add it to readme_decisions): $command" ;;
        *) fail "README.md:$line: cannot read the decision '$action' for: $command" ;;
        esac
        seen[$command]=1
        count=$((count + 1))
    done < <(readme_commands)
    [[ $count -ge 50 ]] || fail "only $count commands read from README.md"
    for command in "${!README_DECISIONS[@]}"; do
        [[ -n ${seen[$command]+set} ]] || fail "readme_decisions names a command README.md does not have: $command"
    done
    if /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
        /usr/bin/python3 - "$FERRY_SOURCE_DIR/README.md" <<'PY' || fail "a yaml block of README.md does not parse"
import sys, yaml
start, block = None, []
for number, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    if start is None and line.rstrip() == "```yaml":
        start, block = number, []
    elif start is not None and line.rstrip() == "```":
        try:
            yaml.safe_load("".join(block))
        except yaml.YAMLError as error:
            sys.exit(f"README.md:{start}: {error}")
        start = None
    elif start is not None:
        block.append(line)
PY
    fi
}

test_workspaces() {
    run_readme_section "Workspaces"
}

test_running_jobs() {
    run_readme_section "Running jobs" start_sleeper
}

test_environments() {
    run_readme_section "Environments"
}

test_datasets_and_models() {
    run_readme_section "Datasets and models"
}

# The component file of the README's "Components" section: its ```yaml block, as
# component.yml in the work directory (its code is the samples' copy there).
write_readme_component() {
    awk '/^## / { on = ($0 == "## Components") } on && /^```yaml/ { block = 1; next }
        block && /^```/ { exit } block' "$FERRY_SOURCE_DIR/README.md" >"$README_WORK/component.yml"
    [[ -s $README_WORK/component.yml ]] || fail "README's Components section has no yaml block"
}

test_components() {
    run_readme_section "Components" write_readme_component
}

test_tracking_metrics() {
    run_readme_section "Tracking metrics"
}

test_hyperparameter_sweeps() {
    run_readme_section "Hyperparameter sweeps"
}

test_pipelines() {
    run_readme_section "Pipelines"
}

test_from_azure_ml() {
    run_readme_section "From Azure ML"
}

test_output() {
    run_readme_section "Output"
}
