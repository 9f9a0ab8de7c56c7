# The bundled azureml.core: seed-era scripts (`Run.get_context().log(...)`) log into their
# ferry run unchanged, on the host, in a venv and in a container, with no install step; print
# what they would log outside ferry; and give way to the Azure SDK where it is installed.
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"
# shellcheck source=docker_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/docker_lib.sh"

# A training script of the seed era, as Azure ML ran it: every kind of record the SDK makes.
write_seed_script() {
    mkdir -p src
    cat >src/train.py <<'PY'
import time
from azureml.core import Run

run = Run.get_context()
acc = 0.9
run.log("accuracy", acc)
started = time.monotonic()
for step in range(10000):
    run.log("loss", 1.0 / (step + 1))
print(f"logged 10000 points in {time.monotonic() - started:.1f} s")
run.log_list("lr", [0.1, 0.01, 0.001])
run.log_row("roc", fpr=0.0, tpr=0.5)
run.log_row("roc", fpr=1.0, tpr=1.0)
run.log_table("scores", {"epoch": [1, 2], "f1": [0.5, 0.75]})
run.tag("team", "vision")
run.set_tags({"stage": "dev"})
with open("curve.png", "wb") as image:
    image.write(b"\x89PNG not really")
run.log_image("curve", path="curve.png")
with open("model.txt", "w") as model:
    model.write("weights")
run.upload_file("outputs/model.txt", "model.txt")
print("run", run.id, "in", run.experiment.name)
if not run.id.startswith("OfflineRun_"):
    metrics = run.get_metrics()
    print("read back", metrics["accuracy"], metrics["lr"], len(metrics["loss"]))
    print("tags", run.get_tags()["team"], run.get_tags()["stage"], "parent", run.parent)
run.complete()
PY
}

# Submits the seed script as run $1 with the command $2 (and more YAML in $3); it must complete.
submit_seed_script() {
    write_seed_script
    write_job job.yml "$2" "${3:-}"
    submit -f job.yml -n "$1" --wait
    [[ $STATUS == 0 ]] || fail "run $1 did not complete: $(run_log "$1")
$(cat "$(run_dir "$1")/system_logs/supervisor.log" 2>/dev/null)"
}

# What the seed script logged, as `run show` and `run metrics` have it.
expect_seed_records() {
    local run=$1
    [[ $(run_log "$run") == *"read back 0.9 [0.1, 0.01, 0.001] 10000"* ]] ||
        fail "the script said: $(run_log "$run")"
    [[ $(run_log "$run") == *"tags vision dev parent None"* ]] || fail "the script said: $(run_log "$run")"
    ferry run show "$run" -o json
    expect_jq '.tracked.metrics.accuracy.last == 0.9 and .tracked.metrics.accuracy.count == 1'
    expect_jq '.tracked.metrics.loss.count == 10000 and .tracked.metrics.loss.step == 9999'
    expect_jq '.tracked.metrics.lr.count == 3 and .tracked.metrics["roc.tpr"].count == 2'
    expect_jq '.tracked.tags.team == "vision" and .tracked.tags.stage == "dev"'
    expect_jq '[.artifacts[].path] | index("outputs/model.txt") != null'
    expect_jq '[.artifacts[].path] | index("outputs/curve.png") != null'
    expect_jq '[.artifacts[].path | select(contains(".ferry") or contains("azureml"))] == []'
    ferry run metrics "$run" -o json
    expect_jq '[.metrics.lr.history[] | [.step, .value]] == [[0, 0.1], [1, 0.01], [2, 0.001]]'
    expect_jq '[.metrics["roc.fpr"].history[] | [.step, .value]] == [[0, 0], [1, 1]]'
    expect_jq '[.metrics["scores.f1"].history[] | [.step, .value]] == [[0, 0.5], [1, 0.75]]'
}

test_a_seed_script_logs_into_its_run_unchanged() {
    submit_seed_script seed '/usr/bin/python3 train.py'
    expect_seed_records seed
    # The package is the run's own copy, outside the code's snapshot.
    [[ -f $(run_dir seed)/.ferry/python/azureml/core/run.py ]] || fail "no bundled azureml.core"
    ferry run download seed -p dl --all
    [[ -z $(find dl -path '*azureml*' -print -quit) ]] || fail "the package was stored: $(find dl)"
}

test_outside_ferry_the_script_prints_what_it_would_log() {
    write_seed_script
    local said
    said=$(cd src && env -u MLFLOW_TRACKING_URI -u MLFLOW_RUN_ID PYTHONDONTWRITEBYTECODE=1 \
        PYTHONPATH="$FERRY_SOURCE_DIR/python" /usr/bin/python3 train.py) ||
        fail "the script failed offline: $said"
    [[ $said == *$'Attempted to log scalar metric accuracy:\n0.9\n'* ]] || fail "offline: $said"
    [[ $said == *$'Attempted to log list metric lr:\n[0.1, 0.01, 0.001]\n'* ]] || fail "offline: $said"
    [[ $said == *$'Attempted to log row metric roc:\n{\'fpr\': 0.0, \'tpr\': 0.5}\n'* ]] ||
        fail "offline: $said"
    [[ $said == *"Attempted to track file outputs/model.txt at model.txt"* ]] || fail "offline: $said"
    [[ $said == *"run OfflineRun_"*" in "* ]] || fail "offline: $said"
    [[ ! -e src/outputs ]] || fail "the offline run wrote outputs/"
}

# A stand-in for the Azure SDK in directory $1: azureml is a pkgutil namespace, as the SDK's.
write_fake_sdk() {
    mkdir -p "$1/azureml/core"
    printf '%s\n' "__path__ = __import__('pkgutil').extend_path(__path__, __name__)" \
        >"$1/azureml/__init__.py"
    cat >"$1/azureml/core/__init__.py" <<'PY'
class Run:
    @staticmethod
    def get_context():
        return Run()

    def log(self, name, value):
        print(f"the real azureml.core logs {name}={value}")
PY
}

test_the_real_azureml_core_is_used_where_it_is_installed() {
    write_fake_sdk "$TEST_ROOT/sdk"
    mkdir -p "$TEST_ROOT/other/azureml/extra" src
    printf 'WHO = "another azureml package"\n' >"$TEST_ROOT/other/azureml/extra/__init__.py"
    cat >src/check.py <<'PY'
import os
from azureml.core import Run
Run.get_context().log("accuracy", 0.9)
import azureml.core
print("core from", os.path.dirname(azureml.core.__file__))
print("PYTHONPATH", os.environ["PYTHONPATH"])
try:
    import azureml.extra
    print("extra:", azureml.extra.WHO)
except ImportError:
    pass
PY
    write_job job.yml '/usr/bin/python3 check.py' "environment_variables:
  PYTHONPATH: $TEST_ROOT/sdk"
    submit -f job.yml -n real --wait
    expect_status 0
    local log
    log=$(run_log real)
    [[ $log == *"the real azureml.core logs accuracy=0.9"* ]] || fail "the job said: $log"
    [[ $log == *"core from $TEST_ROOT/sdk/azureml/core"* ]] || fail "the job said: $log"
    [[ $log == *"PYTHONPATH $(run_dir real)/.ferry/python:$TEST_ROOT/sdk"* ]] || fail "the job said: $log"
    ferry run show real -o json
    expect_jq '(.tracked.metrics // {}) == {}'
    # Without the SDK, the bundled core serves, and other azureml packages stay importable.
    write_job job.yml '/usr/bin/python3 check.py' "environment_variables:
  PYTHONPATH: $TEST_ROOT/other"
    submit -f job.yml -n bundled --wait
    expect_status 0
    log=$(run_log bundled)
    [[ $log == *"core from $(run_dir bundled)/.ferry/python/azureml/core"* ]] || fail "the job said: $log"
    [[ $log == *"extra: another azureml package"* ]] || fail "the job said: $log"
    ferry run show bundled -o json
    expect_jq '.tracked.metrics.accuracy.last == 0.9'
}

test_a_seed_script_in_a_venv_needs_no_install() {
    /usr/bin/python3 -m venv --without-pip "$TEST_ROOT/venv" || skip "python3 -m venv does not work here"
    submit_seed_script invenv ". $TEST_ROOT/venv/bin/activate && python -c 'import sys; print(\"prefix\", sys.prefix)' && python train.py"
    [[ $(run_log invenv) == *"prefix $TEST_ROOT/venv"* ]] || fail "not in the venv: $(run_log invenv)"
    expect_seed_records invenv
}

test_a_seed_script_in_a_container_needs_no_install() {
    need_test_image
    submit_seed_script indocker 'python3 train.py' 'environment:
  image: ferry-test/python:1
  user_managed_dependencies: true'
    expect_seed_records indocker
}
