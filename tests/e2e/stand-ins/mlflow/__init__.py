"""A stand-in for the mlflow package, for tests on a machine where it cannot be installed.

It speaks MLflow's REST protocol, as the real client does, to the tracking server ferry
gives every run (MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, MLFLOW_TRACKING_TOKEN), with the
standard library only. It has what Azure's example jobs call: log_param(s), log_metric(s),
set_tag, log_artifact, start_run/end_run, and autolog, which logs nothing here (the real
one patches the training libraries).
"""
import json
import os
import shutil
import time
import urllib.request

__version__ = "0.0.0+ferry-stand-in"


def _call(path, body):
    request = urllib.request.Request(
        os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/" + path,
        data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"{}")


def _run_id():
    return os.environ["MLFLOW_RUN_ID"]


def log_param(key, value):
    _call("runs/log-parameter", {"run_id": _run_id(), "key": key, "value": str(value)})


def log_params(params):
    for key, value in params.items():
        log_param(key, value)


def log_metric(key, value, step=None):
    _call("runs/log-metric", {"run_id": _run_id(), "key": key, "value": float(value),
                              "timestamp": int(time.time() * 1000), "step": step or 0})


def log_metrics(metrics, step=None):
    for key, value in metrics.items():
        log_metric(key, value, step)


def set_tag(key, value):
    _call("runs/set-tag", {"run_id": _run_id(), "key": key, "value": str(value)})


def log_artifact(local_path, artifact_path=None):
    """Kept with the run's outputs, which ferry stores as its artifacts."""
    target = os.path.join(os.environ["FERRY_OUTPUTS_DIR"], artifact_path or "")
    os.makedirs(target, exist_ok=True)
    shutil.copy(local_path, target)


def autolog(*args, **kwargs):
    pass


class _ActiveRun:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def start_run(*args, **kwargs):
    return _ActiveRun()


def end_run(*args, **kwargs):
    pass
