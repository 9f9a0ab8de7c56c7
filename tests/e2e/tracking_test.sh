# Tracking: each local run's supervisor serves MLflow's REST protocol to the job, which
# finds it through MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN; what the job logs lands in
# the run's record.
# shellcheck shell=bash
# shellcheck disable=SC2034 # OUT, ERR and STATUS are read by lib.sh

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# A client of the standard library that speaks as the mlflow package does: it resumes the run
# named by MLFLOW_RUN_ID, logs through log-batch (int64 fields as proto3's JSON strings),
# log-metric, log-parameter and set-tag, reads a history back, and checks the refusals.
write_mlflow_client() {
    mkdir -p src
    cat >src/client.py <<'PY'
import json, os, sys, urllib.error, urllib.request

base = os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/"
run_id = os.environ["MLFLOW_RUN_ID"]

def call(method, path, body=None, token=os.environ["MLFLOW_TRACKING_TOKEN"]):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())

def expect(what, got, wanted):
    if got != wanted:
        sys.exit(f"{what}: got {got!r}, wanted {wanted!r}")

status, body = call("GET", f"runs/get?run_id={run_id}")
expect("runs/get", (status, body["run"]["info"]["run_id"], body["run"]["info"]["status"]),
       (200, run_id, "RUNNING"))
expect("experiment", body["run"]["info"]["experiment_id"], os.environ["MLFLOW_EXPERIMENT_ID"])
metrics = [{"key": "loss", "value": 1.0 / (step + 1), "timestamp": str(1000 + step),
            "step": str(step)} for step in range(5)]
status, body = call("POST", "runs/log-batch", {
    "run_id": run_id, "metrics": metrics,
    "params": [{"key": "lr", "value": "0.01"}, {"key": "epochs", "value": "5"}],
    "tags": [{"key": "team", "value": "vision"}]})
expect("log-batch", (status, body), (200, {}))
expect("log-metric", call("POST", "runs/log-metric", {
    "run_id": run_id, "key": "accuracy", "value": 0.93, "timestamp": 2000, "step": 4}), (200, {}))
expect("log-parameter", call("POST", "runs/log-parameter",
                             {"run_id": run_id, "key": "seed", "value": "7"}), (200, {}))
expect("set-tag", call("POST", "runs/set-tag",
                       {"run_id": run_id, "key": "stage", "value": "dev"}), (200, {}))
status, body = call("GET", f"metrics/get-history?run_id={run_id}&metric_key=loss")
expect("get-history", (status, [m["step"] for m in body["metrics"]]), (200, [0, 1, 2, 3, 4]))
status, body = call("POST", "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"})
expect("a changed param", (status, body["error_code"]), (400, "INVALID_PARAMETER_VALUE"))
status, body = call("POST", "runs/log-metric", {"run_id": "another", "key": "x", "value": 1,
                                                "timestamp": 1})
expect("another run", (status, body["error_code"]), (404, "RESOURCE_DOES_NOT_EXIST"))
# Nested runs, as mlflow.start_run(nested=True) makes them: children of the ferry run.
status, body = call("POST", "runs/create", {
    "experiment_id": os.environ["MLFLOW_EXPERIMENT_ID"], "start_time": 5000, "run_name": "fold-1",
    "tags": [{"key": "mlflow.parentRunId", "value": run_id}]})
expect("runs/create", (status, body["run"]["info"]["status"], body["run"]["info"]["run_name"]),
       (200, "RUNNING", "fold-1"))
child = body["run"]["info"]["run_id"]
expect("child name", child, run_id + "_1")
expect("child log-metric", call("POST", "runs/log-metric", {
    "run_id": child, "key": "fold_accuracy", "value": 0.8, "timestamp": 5001, "step": 0}), (200, {}))
status, body = call("POST", "runs/update", {"run_id": child, "status": "FINISHED",
                                            "end_time": 6000})
expect("runs/update", (status, body["run_info"]["status"], body["run_info"]["end_time"]),
       (200, "FINISHED", 6000))
status, body = call("POST", "runs/create", {"run_name": "left-running"})
left = body["run"]["info"]["run_id"]
status, body = call("POST", "runs/create", {"run_name": "to-delete"})
expect("delete", call("POST", "runs/delete", {"run_id": body["run"]["info"]["run_id"]}), (200, {}))
status, body = call("POST", "runs/delete", {"run_id": run_id})
expect("deleting the job's run", (status, body["error_code"]), (400, "INVALID_STATE"))
expect("log-inputs", call("POST", "runs/log-inputs", {"run_id": run_id, "datasets": [{
    "tags": [{"key": "mlflow.data.context", "value": "train"}],
    "dataset": {"name": "digits", "digest": "abc123", "source_type": "local",
                "source": "{\"uri\": \"digits.csv\"}"}}]}), (200, {}))
status, body = call("GET", f"runs/get?run_id={run_id}")
expect("inputs", body["run"]["inputs"]["dataset_inputs"][0]["dataset"]["digest"], "abc123")
status, body = call("POST", "runs/search", {
    "experiment_ids": [os.environ["MLFLOW_EXPERIMENT_ID"]],
    "filter": "metrics.fold_accuracy > 0.5 and tags.`mlflow.parentRunId` = '" + run_id + "'",
    "order_by": ["attributes.start_time DESC"], "max_results": 10})
expect("runs/search", (status, [r["info"]["run_id"] for r in body["runs"]]), (200, [child]))
status, body = call("POST", "runs/search", {"experiment_ids": [os.environ["MLFLOW_EXPERIMENT_ID"]],
                                            "max_results": 1})
expect("a page", (status, len(body["runs"]), body["next_page_token"]), (200, 1, "1"))
status, body = call("POST", "runs/search", {"experiment_ids": ["x"], "filter": "metrics.a >"})
expect("a bad filter", (status, body["error_code"]), (400, "INVALID_PARAMETER_VALUE"))
status, body = call("POST", "experiments/search", {"max_results": 10})
expect("experiments/search", (status, [e["name"] for e in body["experiments"]]),
       (200, [os.environ["MLFLOW_EXPERIMENT_NAME"]]))
status, body = call("POST", "experiments/create", {"name": "elsewhere"})
expect("experiments/create", (status, body["experiment_id"]), (200, os.environ["MLFLOW_EXPERIMENT_ID"]))
status, body = call("POST", "runs/log-metric", {"run_id": run_id, "key": "x", "value": "NaN",
                                                "timestamp": 1})
expect("NaN", (status, body["error_code"]), (400, "INVALID_PARAMETER_VALUE"))
with open("nested.txt", "w") as out:
    out.write(f"{child} {left}\n")
status, body = call("GET", "model-versions/get?name=m&version=1")
expect("an unknown endpoint", (status, body["error_code"]), (404, "ENDPOINT_NOT_FOUND"))
status, body = call("GET", f"runs/get?run_id={run_id}", token="wrong")
expect("a wrong token", (status, body["error_code"]), (401, "UNAUTHENTICATED"))
status, body = call("GET", f"runs/get?run_id={run_id}", token=None)
expect("no token", status, 401)
print("client done")
PY
}

test_a_python_job_speaks_mlflows_rest_protocol() {
    write_mlflow_client
    write_job job.yml '/usr/bin/python3 client.py'
    submit -f job.yml -n tracked --wait
    expect_status 0
    [[ $(run_log tracked) == *"client done"* ]] || fail "the client said: $(run_log tracked)"
    ferry run show tracked -o json
    expect_jq '.tracked.params == {"lr": "0.01", "epochs": "5", "seed": "7"}'
    expect_jq '.tracked.tags == {"team": "vision", "stage": "dev"}'
    expect_jq '.tracked.metrics.loss == {"last": 0.2, "step": 4, "min": 0.2, "max": 1, "count": 5}'
    expect_jq '.tracked.metrics.accuracy.last == 0.93'
    # The nested runs: children of the ferry run; the one its client left running ended with it.
    local child left
    read -r child left <"$(run_dir tracked)/wd/nested.txt"
    ferry run show "$child" -o json
    expect_jq '.parent == "tracked" and .status == "Completed" and .display_name == "fold-1"'
    expect_jq '.tracked.metrics.fold_accuracy.last == 0.8 and .tracked.tags["mlflow.parentRunId"] == "tracked"'
    ferry run show "$left" -o json
    expect_jq '.parent == "tracked" and .status == "Completed" and .error == "ended with its parent run tracked"'
    local children
    children='['"$(printf '"%s", "%s"' "$child" "$left")"']'
    ferry run list --parent tracked -o json
    expect_jq "[.[].name] | sort == $children"
    ferry run list --include-children --filter "tags.\`mlflow.parentRunId\` = 'tracked'" -o json
    expect_jq "[.[].name] | sort == $children"
    # A plain list leaves child runs out.
    ferry run list -o json
    expect_jq '[.[].name] == ["tracked"]'
    # The unknown endpoint is in the system log, the token nowhere in the run's files.
    grep -q "tracking: no endpoint GET /api/2.0/mlflow/model-versions/get" \
        "$(run_dir tracked)/system_logs/supervisor.log" 2>/dev/null ||
        grep -rq "tracking: no endpoint GET" "$(run_dir tracked)/system_logs" ||
        fail "the unknown endpoint was not logged"
    # Deleting the run deletes its nested runs and the datasets it logged.
    ferry run delete tracked
    expect_status 0
    ferry run show "$child"
    expect_status 2
}

test_a_bash_job_logs_with_curl_and_the_token_is_kept_secret() {
    command -v curl >/dev/null || skip "curl is not installed"
    # shellcheck disable=SC2016 # expanded by the job
    write_job job.yml 'curl -sf -H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN" -d "{\"run_id\": \"$MLFLOW_RUN_ID\", \"key\": \"rows\", \"value\": 42, \"timestamp\": 1, \"step\": 0}" "$MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-metric" && printf "%s" "$MLFLOW_TRACKING_TOKEN" > "$FERRY_OUTPUTS_DIR/../../token-seen"'
    submit -f job.yml -n shell --wait
    expect_status 0
    ferry run show shell -o json
    expect_jq '.tracked.metrics.rows.last == 42'
    local token
    token=$(cat "$(run_dir shell)/token-seen")
    [[ ${#token} == 64 ]] || fail "the job's token: '$token'"
    rm "$(run_dir shell)/token-seen"
    ! grep -rqF "$token" "$(workspace_dir)" || fail "the token was written into the workspace"
}

test_what_a_job_logged_before_a_cancel_is_kept() {
    # shellcheck disable=SC2016 # expanded by the job
    write_job job.yml 'curl -sf -H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN" -d "{\"run_id\": \"$MLFLOW_RUN_ID\", \"key\": \"epoch\", \"value\": 1, \"timestamp\": 1, \"step\": 1}" "$MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-metric" && touch logged && sleep 60'
    command -v curl >/dev/null || skip "curl is not installed"
    submit -f job.yml -n canceled
    local waited=0
    until [[ -e $(run_dir canceled)/wd/logged ]]; do
        ((waited++ < 300)) || fail "the job did not log within 30 s: $(run_log canceled)"
        sleep 0.1
    done
    ferry run cancel canceled --grace 1
    ferry run wait canceled
    ferry run show canceled -o json
    expect_jq '.status == "Canceled" and .tracked.metrics.epoch.count == 1'
}

# samples/metrics-shell, as a user runs it: `ferry` on the job's PATH.
submit_metrics_shell_sample() {
    PATH=$(dirname "$FERRY"):$PATH ferry run submit -f "$FERRY_SOURCE_DIR/samples/metrics-shell/job.yml" \
        -n "$1" --wait "${@:2}"
    expect_status 0
}

test_a_shell_job_logs_with_ferry_run_log_metric_log_param_and_tag() {
    submit_metrics_shell_sample shell-sample
    ferry run show shell-sample -o json
    # The job's literal inputs and tags are its first params and tags.
    expect_jq '.tracked.params == {"epochs": "20", "rate": "0.3", "optimizer": "sgd"}'
    expect_jq '.tracked.tags == {"kind": "sample", "outcome": "good"}'
    expect_jq '.tracked.metrics.loss.count == 20 and .tracked.metrics.loss.step == 19'
    ferry run metrics shell-sample loss -o json
    expect_jq '.run == "shell-sample" and (.metrics | keys) == ["loss"]'
    expect_jq '[.metrics.loss.history[].step] == [range(20)]'
    expect_jq '.metrics.loss.history[0].value == .metrics.loss.max'
    ferry run metrics shell-sample
    expect_status 0
    [[ $(head -1 <<<"$OUT") == "METRIC"*"LAST"*"STEP"*"MIN"*"MAX"*"POINTS" ]] ||
        fail "the table's header: $OUT"
    [[ $(grep -c '^loss .* 19 .* 20$' <<<"$OUT") == 1 ]] || fail "the loss row: $OUT"
    # Outside a job the logging verbs say where they work; tag names its run there.
    ferry run log-metric loss 1
    expect_status 2
    expect_err_contains "MLFLOW_TRACKING_URI and MLFLOW_RUN_ID are not set here"
    ferry run tag shell-sample reviewed=yes "note=a b"
    expect_status 0
    expect_err_contains "tagged run shell-sample"
    ferry run list --tag reviewed=yes -o json
    expect_jq '[.[].name] == ["shell-sample"] and .[0].tags.note == "a b"'
}

# What a user sees: the plot drawn in a real terminal (tmux), in UTF-8 and in the C locale.
plot_in_terminal() {
    local locale=$1 pane
    shift
    local socket=$TEST_ROOT/tmux.sock
    tmux -S "$socket" new-session -d -x 100 -y 50 \
        "env -u LC_ALL LANG=$locale $(printf '%q ' "$FERRY" "$@"); echo plot-ended; sleep 60"
    local waited=0
    until pane=$(tmux -S "$socket" capture-pane -p) && [[ $pane == *plot-ended* ]]; do
        ((waited++ < 200)) || break
        sleep 0.1
    done
    tmux -S "$socket" kill-server 2>/dev/null || true
    printf '%s\n' "$pane"
}

# How many Braille cells with a dot the text on stdin has.
dots() {
    /usr/bin/python3 -c 'import sys; print(sum(0x2801 <= ord(c) <= 0x28FF for c in sys.stdin.read()))'
}

test_run_metrics_plot_draws_the_curve_in_a_real_terminal() {
    command -v tmux >/dev/null || skip "tmux is not installed"
    submit_metrics_shell_sample plotted
    local pane
    pane=$(plot_in_terminal C.UTF-8 run metrics plotted loss --plot)
    [[ $pane == *"loss (plotted, 20 points)"* && $pane == *"plot-ended"* ]] ||
        fail "no plot in the terminal: $pane"
    # Braille dots, the y axis from the largest value to the smallest, the steps below.
    [[ $(dots <<<"$pane") -gt 40 && $pane == *"0.7 ┤"* && $pane == *"└──"* ]] ||
        fail "the plot: $pane"
    [[ $pane =~ \ 0\ +step\ +19 ]] || fail "the x axis: $pane"
    # The curve falls: the first column's dot is on the top row, the last on the bottom row.
    local top bottom
    top=$(grep -m1 '┤' <<<"$pane")
    top=${top#*┤}
    bottom=$(grep '┤' <<<"$pane" | tail -1)
    [[ $(dots <<<"${top:0:1}") == 1 && $(dots <<<"${bottom: -1}") == 1 ]] ||
        fail "the curve's ends: $pane"
    pane=$(plot_in_terminal C run metrics plotted loss --plot)
    [[ $pane == *"0.7 +*"* && $(dots <<<"$pane") == 0 ]] || fail "the plot in the C locale: $pane"
}

# A job that logs epoch 1, waits for the file go in its directory, then logs epoch 2.
write_gated_metrics_job() {
    # shellcheck disable=SC2016 # expanded by the job
    write_job "$1" 'ferry run log-metric epoch 1 --step 1 && until [ -e go ]; do sleep 0.1; done && ferry run log-metric epoch 2 --step 2 && echo trained'
}

test_run_stream_metrics_prints_the_points_as_they_arrive() {
    write_gated_metrics_job job.yml
    PATH=$(dirname "$FERRY"):$PATH ferry run submit -f job.yml -n gated
    expect_status 0
    local lines=$TEST_ROOT/stream.jsonl waited=0
    "$FERRY" run stream gated --metrics -o json >"$lines" 2>"$TEST_ROOT/stream.err" &
    local streamer=$!
    # The first point is printed while the job still waits: before the second exists.
    until grep -q '"type":"metric"' "$lines"; do
        ((waited++ < 600)) || fail "no metric line within 60 s: $(cat "$lines" "$TEST_ROOT/stream.err")"
        sleep 0.1
    done
    touch "$(run_dir gated)/wd/go"
    wait "$streamer" || fail "the stream exited $?: $(cat "$TEST_ROOT/stream.err")"
    OUT=$(jq -s -c '.' "$lines") || fail "not JSON Lines: $(cat "$lines")"
    expect_jq '[.[] | select(.type == "metric") | [.key, .value, .step]] == [["epoch", 1, 1], ["epoch", 2, 2]]'
    expect_jq '[.[] | select(.type == "metric")] | all(.timestamp > 1700000000000)'
    expect_jq '[.[] | select(.type == "log") | .text] == ["trained"] and .[-1].type == "end"'
    # The second point comes after the job's go and before the end; text mode puts them on stderr.
    expect_jq '(map(.type) | index("end")) > (map(select(.type == "metric")) | length)'
    ferry run stream gated --metrics
    expect_status 0
    [[ $OUT == trained ]] || fail "stdout of the text stream: $OUT"
    expect_err_contains $'metric: epoch = 1 (step 1)\nmetric: epoch = 2 (step 2)'
}

# A stand-in for TensorBoard: it prints its arguments and the files of each folder it is given.
write_fake_tensorboard() {
    mkdir -p "$TEST_ROOT/tb-bin"
    cat >"$TEST_ROOT/tb-bin/tensorboard" <<'SCRIPT'
#!/bin/sh
echo "args: $*"
spec=$2
IFS=,
for entry in $spec; do
    echo "run ${entry%%:*}: $(cd "${entry#*:}" && find . -type f -exec sh -c 'printf "%s=%s " "$1" "$(cat "$1")"' _ {} \;)"
done
exit "${FAKE_TENSORBOARD_EXIT:-0}"
SCRIPT
    chmod +x "$TEST_ROOT/tb-bin/tensorboard"
}

test_run_tensorboard_reads_live_and_stored_logs() {
    write_job ended.yml 'mkdir -p logs/train && printf e1 > logs/train/events.out.tfevents.1'
    submit -f ended.yml -n tb-ended --wait
    expect_status 0
    write_job live.yml 'mkdir -p logs && printf l1 > logs/events.out.tfevents.2 && touch started && sleep 60'
    submit -f live.yml -n tb-live
    local waited=0
    until [[ -e $(run_dir tb-live)/wd/started ]]; do
        ((waited++ < 600)) || fail "the live job did not start within 60 s: $(run_log tb-live)"
        sleep 0.1
    done
    # Without TensorBoard: exit 1 and how to install it, nothing written.
    PATH=/usr/bin:/bin ferry run tensorboard tb-ended
    expect_status 1
    expect_err_contains "TensorBoard is not installed here (no 'tensorboard' on PATH): install it with 'python3 -m pip install tensorboard'"
    [[ ! -e $(workspace_dir)/cache/tensorboard ]] || fail "a refused tensorboard wrote its cache"
    write_fake_tensorboard
    PATH=$TEST_ROOT/tb-bin:$PATH ferry run tensorboard tb-ended tb-live tb-ended --port 6123
    expect_status 0
    local stored live
    stored=$(workspace_dir)/cache/tensorboard/tb-ended/artifacts/logs
    live=$(run_dir tb-live)/wd/logs
    expect_err_contains "args: --logdir_spec tb-ended:$stored,tb-live:$live --host 127.0.0.1 --port 6123"
    expect_err_contains "run tb-ended: ./train/events.out.tfevents.1=e1 "
    expect_err_contains "run tb-live: ./events.out.tfevents.2=l1 "
    expect_err_contains "tb-live: $live (live)"
    expect_err_contains "TensorBoard at http://127.0.0.1:6123/"
    FAKE_TENSORBOARD_EXIT=3 PATH=$TEST_ROOT/tb-bin:$PATH ferry run tensorboard tb-ended
    expect_status 1
    expect_err_contains "TensorBoard ended with exit code 3"
    ferry run cancel tb-live --grace 1
    expect_status 0
}
