# An Azure ML project moved to ferry without editing its YAML: datastores that stand for
# Azure storage (azureml://datastores/, wasbs://, https:// blob URLs), outputs of earlier runs
# (azureml://jobs/RUN/outputs/...), model outputs that register models, and Azure's own
# example jobs (tests/azure-examples, unedited copies) validated and run to Completed.
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# Debian's python3, with scikit-learn and pandas; `python` as Azure's images have it; and a
# stand-in for the mlflow package (tests/e2e/stand-ins) that speaks MLflow's REST protocol to
# the run's tracking server, as the real one does.
azure_python() {
    /usr/bin/python3 -c 'import pandas, sklearn' 2>/dev/null ||
        skip "python3-pandas or python3-sklearn is missing (scripts/install-deps.sh test)"
    mkdir -p "$TEST_ROOT/bin"
    ln -sf /usr/bin/python3 "$TEST_ROOT/bin/python"
    export PATH=$TEST_ROOT/bin:/usr/bin:$PATH
    export PYTHONPATH=$FERRY_SOURCE_DIR/tests/e2e/stand-ins${PYTHONPATH:+:$PYTHONPATH}
}

# iris.csv as Azure's public copy has it: four measures and the species, with a header.
write_iris() {
    /usr/bin/python3 - "$1" <<'PY'
import csv, sys
from sklearn.datasets import load_iris
iris = load_iris()
with open(sys.argv[1], "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
    for row, target in zip(iris.data, iris.target):
        writer.writerow([*row, iris.target_names[target]])
PY
}

# The folder of a datastore.
datastore_path() {
    "$FERRY" datastore show "$1" -o json </dev/null | jq -r .path
}

test_datastores_stand_for_azure_storage_in_jobs() {
    mkdir -p lake/raw
    printf 'a,b\n1,2\n' >lake/raw/part.csv
    ferry datastore list -o json
    expect_status 0
    expect_jq_all 'length == 2' '.[0].name == "workspaceblobstore" and .[0].builtin' \
        '.[1].name == "workspacefilestore"' ".[0].path == \"$(workspace_dir)/datastores/workspaceblobstore\""
    ferry datastore create -n lake --path lake --account Corp --container data --description 'the lake' -o json
    expect_status 0
    expect_jq_all '.name == "lake" and .builtin == false' ".path == \"$PWD/lake\"" \
        '.claims == ["abfss://data@corp.dfs.core.windows.net/", "https://corp.blob.core.windows.net/data/", "https://corp.dfs.core.windows.net/data/", "wasbs://data@corp.blob.core.windows.net/"]'
    # A prefix is claimed once, whatever its case or scheme's spelling.
    ferry datastore create -n again --path lake --url WASB://DATA@corp.blob.core.windows.net
    expect_status 2
    expect_err_contains "wasbs://data@corp.blob.core.windows.net/ is claimed by datastore 'lake' already"
    write_job job.yml 'cat ${{inputs.w}}/part.csv ${{inputs.f}} ${{inputs.d}}; echo "$FERRY_RUN_ID" > ${{outputs.o}}/result.txt; echo file > ${{outputs.named}}' 'inputs:
  w: {type: uri_folder, path: "wasbs://data@corp.blob.core.windows.net/raw"}
  f: {type: uri_file, path: "https://corp.blob.core.windows.net/data/raw/part.csv"}
  d: {type: uri_file, path: "azureml://datastores/lake/paths/raw/part.csv"}
outputs:
  o: {type: uri_folder, path: "azureml://datastores/workspaceblobstore/paths/results/latest"}
  named: {type: uri_file, path: "azureml://datastores/lake/paths/runs/${{name}}/${{output_name}}.txt"}'
    ferry run validate -f job.yml
    expect_status 0
    ferry run submit -f job.yml -n first --wait
    expect_status 0
    [[ $(run_log first) == $'a,b\n1,2\na,b\n1,2\na,b\n1,2' ]] || fail "log: $(run_log first)"
    local results
    results=$(datastore_path workspaceblobstore)/results
    [[ $(cat "$results/latest/result.txt") == first ]] || fail "the output is not in the datastore"
    [[ $(cat lake/runs/first/named.txt) == file ]] || fail "no lake/runs/first/named.txt: $(find lake)"
    ferry run show first -o json
    expect_jq_all '.lineage.inputs.w == {"reference": "wasbs://data@corp.blob.core.windows.net/raw", "datastore": "lake", "path": "raw"}' \
        '.lineage.inputs.d.datastore == "lake" and .lineage.inputs.d.path == "raw/part.csv"' \
        '.lineage.outputs.o.datastore == "workspaceblobstore" and .lineage.outputs.o.path == "results/latest"' \
        '.spec.inputs.w.path == "wasbs://data@corp.blob.core.windows.net/raw"'
    # A second run replaces the folder whole, and leaves nothing of its own beside it.
    printf 'a,b\n3,4\n' >lake/raw/part.csv
    ferry run submit -f job.yml -n second --wait
    expect_status 0
    [[ $(run_log second) == *"3,4"* ]] || fail "the second run did not read the changed file: $(run_log second)"
    [[ $(cat "$results/latest/result.txt") == second ]] || fail "the output was not replaced"
    [[ $(find "$results" -mindepth 1 -maxdepth 1 | wc -l) == 1 ]] || fail "left beside it: $(ls -a "$results")"
    # A dataset of a datastore path stores the files it names.
    ferry dataset create -n raw --path azureml://datastores/lake/paths/raw -o json
    expect_status 0
    expect_jq '.files == 1'
    ferry datastore delete lake
    expect_status 0
    expect_err_contains "deleted datastore 'lake' (its folder is left as it is)"
    [[ -f lake/raw/part.csv ]] || fail "delete removed the folder's files"
    ferry run submit -f job.yml -n third
    expect_status 2
    expect_err_contains "job.yml:5:31: input 'w': no datastore claims 'wasbs://data@corp.blob.core.windows.net/raw'; make one stand for it: 'ferry datastore create --name NAME --path DIR --account corp --container data'"
}

test_outputs_of_earlier_runs_feed_jobs_and_model_outputs_register_models() {
    write_job train.yml 'echo weights > ${{outputs.model}}/model.txt; echo "f1: 0.9" > outputs/metrics.txt' 'outputs:
  model: {type: custom_model, name: iris-model}
  bare: {type: mlflow_model, name: bare-model}'
    ferry run submit -f train.yml -n train --wait
    expect_status 0
    ferry model list -o json
    expect_jq_all 'length == 1' '.[0].name == "iris-model" and .[0].version == "1"' \
        '.[0].type == "custom_model" and .[0].run == "train"'
    ferry model show iris-model:1 -o json
    expect_jq_all '.lineage.run == "train" and .lineage.experiment != null' '.files == 1'
    ferry run show train -o json
    expect_jq '.notes | any(. == "output '"'"'bare'"'"' is not registered as model bare-model: an mlflow_model output is a folder with an MLmodel file, and it has none")'
    # Azure's serverless compute is this machine.
    write_job score.yml 'cat ${{inputs.m}}/model.txt ${{inputs.a}}; touch ${{inputs.m}}/x 2>/dev/null || echo read-only' 'compute: azureml:serverless
inputs:
  m: {type: custom_model, path: "azureml://jobs/train/outputs/model", mode: direct}
  a: {type: uri_file, path: "azureml://jobs/train/outputs/artifacts/paths/outputs/metrics.txt"}'
    ferry run submit -f score.yml -n score --wait
    expect_status 0
    [[ $(run_log score) == $'weights\nf1: 0.9\nread-only' ]] || fail "log: $(run_log score)"
    ferry run show score -o json
    expect_jq_all '.compute == "local"' \
        '.lineage.inputs.m == {"reference": "azureml://jobs/train/outputs/model", "run": "train", "output": "model"}' \
        '.lineage.inputs.a.artifact == true and .lineage.inputs.a.path == "outputs/metrics.txt"'
    [[ ! -e $(run_dir train)/named-outputs/model/x ]] || fail "the job wrote into the run it read"
    # Azure's path form registers a model of a run's named output.
    ferry model register -n scored --path azureml://jobs/train/outputs/model -o json
    expect_status 0
    expect_jq '.lineage.run == "train" and .files == 1 and .path == "named-outputs/model"'
    ferry run submit -f score.yml --set inputs.m.path=azureml://jobs/train/outputs/nope
    expect_status 2
    expect_err_contains "input 'm': 'azureml://jobs/train/outputs/nope': run train has no named output 'nope' (it has: model, bare)"
}

test_azure_examples_validate_and_run_unchanged() {
    azure_python
    cp -r "$FERRY_SOURCE_DIR/tests/azure-examples" examples
    local basics=examples/jobs/basics file
    for file in "$basics"/*.yml examples/jobs/single-step/scikit-learn/iris/job-sweep.yml; do
        ferry run validate -f "$file"
        [[ $STATUS == 0 ]] || fail "$file does not validate"
    done
    # It needs TensorFlow, which is not installed here: validated, with its services noted.
    ferry run validate -f "$basics/hello-interactive.yml"
    expect_status 0
    expect_err_contains "hello-interactive.yml:6:1: ignored: services (interactive sessions are an Azure feature)"
    # The one-time mappings: the curated environment to this machine, and the storage.
    ferry env map azureml://registries/azureml/environments/sklearn-1.5 host
    expect_status 0
    local blobstore
    blobstore=$(datastore_path workspaceblobstore)
    mkdir -p "$blobstore/example-data" datasets
    write_iris "$blobstore/example-data/iris.csv"
    cp "$blobstore/example-data/iris.csv" datasets/iris.csv
    ferry datastore create -n azuremlexamples --path datasets --account azuremlexamples --container datasets
    expect_status 0
    for file in hello-iris-datastore-file hello-iris-folder hello-iris-file; do
        ferry run submit -f "$basics/$file.yml" -n "$file" --wait
        [[ $STATUS == 0 ]] || fail "$file did not complete"
        [[ $(run_log "$file") == *"sepal_length"*"setosa"* ]] || fail "$file log: $(run_log "$file")"
    done
    ferry run submit -f "$basics/hello-model-as-input.yml" -n model-as-input --wait
    expect_status 0
    [[ $(run_log model-as-input) == *MLmodel*model.pkl* ]] || fail "log: $(run_log model-as-input)"
    # Its environment is an image of Docker Hub: on this machine as it is.
    ferry run submit -f "$basics/hello-code.yml" -n hello-code --runtime host --wait
    expect_status 0
    [[ $(run_log hello-code) == *hello-iris.py* ]] || fail "log: $(run_log hello-code)"
    # A sweep whose trials name the curated environment, and log through mlflow.
    ferry run submit -f "$basics/hello-sweep.yml" -n hello-sweep --wait
    expect_status 0
    ferry run show hello-sweep -o json
    expect_jq_all '.status == "Completed"' '.sweep.trial_counts.Completed == 4' \
        '.sweep.best_trial != null' '[.sweep.trials[].metric | select(. != null)] | length == 4'
    # Azure's cluster is a local compute here; the step writes its output to the datastore,
    # under its own run's name.
    ferry compute create --name cpu-cluster
    expect_status 0
    ferry run submit -f "$basics/hello-pipeline-customize-output-folder.yml" -n pipe --wait
    expect_status 0
    ferry run list --parent pipe -o json
    local step
    step=$(jq -r '.[0].name' <<<"$OUT")
    [[ $(cat "$blobstore/$step/hello_world-folder.txt") == world ]] ||
        fail "no $blobstore/$step/hello_world-folder.txt: $(find "$blobstore")"
    # The iris sweep on the local compute instead of Azure's cluster, with fewer trials.
    ferry run submit -f examples/jobs/single-step/scikit-learn/iris/job-sweep.yml -n iris-sweep \
        --compute local --set limits.max_total_trials=3 --set limits.max_concurrent_trials=3 --wait
    expect_status 0
    ferry run show iris-sweep -o json
    expect_jq_all '.status == "Completed"' '.sweep.trial_counts.Completed == 3'
}

test_the_readmes_az_ml_table_names_real_commands() {
    local rows row command words option checked=0
    rows=$(sed -n '/^| az ml | ferry |$/,/^$/p' "$FERRY_SOURCE_DIR/README.md" | tail -n +3)
    [[ -n $rows ]] || fail "README.md has no az ml | ferry table"
    while IFS= read -r row; do
        [[ -n $row ]] || continue
        command=$(awk -F'`' '{ print $4 }' <<<"$row")
        read -ra words <<<"$command"
        [[ ${words[0]} == ferry ]] || fail "not a ferry command: $row"
        ferry "${words[1]}" "${words[2]}" --help
        [[ $STATUS == 0 ]] || fail "'ferry ${words[1]} ${words[2]}' is not a verb ($row)"
        for option in "${words[@]:3}"; do
            [[ $option == -* ]] || continue
            [[ $OUT == *"$option"* ]] || fail "'ferry ${words[1]} ${words[2]}' has no $option ($row)"
        done
        checked=$((checked + 1))
    done <<<"$rows"
    ((checked >= 15)) || fail "only $checked rows checked"
}

test_a_pipeline_step_reading_a_datastore_reruns_when_its_files_change() {
    mkdir lake
    echo one >lake/x.txt
    ferry datastore create -n lake --path lake
    expect_status 0
    cat >pipe.yml <<'YAML'
type: pipeline
jobs:
  show:
    command: cat ${{inputs.x}}
    inputs:
      x: {type: uri_file, path: "azureml://datastores/lake/paths/x.txt"}
YAML
    local name
    for name in p1 p2 p3; do
        [[ $name != p3 ]] || echo two >lake/x.txt
        ferry run submit -f pipe.yml -n "$name" --wait
        expect_status 0
        ferry run show "$name" -o json
        OUT=$(jq '.pipeline.steps[0]' <<<"$OUT")
        case $name in
            p1) expect_jq '.status == "Completed" and (has("reused_from") | not)' ;;
            p2) expect_jq '.reused_from == "p1_show"' ;;
            p3) expect_jq '.status == "Completed" and (has("reused_from") | not)'
                [[ $(run_log p3_show) == two ]] || fail "log: $(run_log p3_show)" ;;
        esac
    done
}

test_a_pipelines_own_output_path_is_said_not_written() {
    cat >pipe.yml <<'YAML'
type: pipeline
outputs:
  report:
    type: uri_folder
    path: azureml://datastores/workspaceblobstore/paths/reports/latest
jobs:
  write:
    command: echo hi > ${{outputs.o}}/r.txt
    outputs:
      o: ${{parent.outputs.report}}
YAML
    local said="pipe.yml:5:11: the pipeline's output 'report' is kept with the pipeline run, not written to azureml://datastores/workspaceblobstore/paths/reports/latest (a step output's datastore path is written there)"
    ferry run submit -f pipe.yml -n pipe --wait
    expect_status 0
    expect_err_contains "$said"
    ferry run show pipe -o json
    expect_jq_all ".notes | index(\"$said\") != null" '.lineage.outputs == {}'
    [[ ! -e $(datastore_path workspaceblobstore)/reports ]] || fail "the pipeline's output was written"
}
