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
    # The unknown endpoint is in the system log, the token nowhere in the run's files.
    grep -q "tracking: no endpoint GET /api/2.0/mlflow/model-versions/get" \
        "$(run_dir tracked)/system_logs/supervisor.log" 2>/dev/null ||
        grep -rq "tracking: no endpoint GET" "$(run_dir tracked)/system_logs" ||
        fail "the unknown endpoint was not logged"
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
