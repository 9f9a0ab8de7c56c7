"""``Run.get_context()``: the run a training script logs into, through ferry's MLflow endpoint.

Inside a ferry run (MLFLOW_TRACKING_URI and MLFLOW_RUN_ID set) ``get_context()`` returns the
run; outside, an offline run that prints what it would log, as the Azure SDK's does.

Azure's calls in MLflow's data model (metrics are numbered points, tags are strings):
- ``log(name, value)``: a point of metric NAME; repeated calls make a series, steps 0, 1, 2...
  per name, as Azure's repeated log makes a vector. A value that is no number (a string) is
  kept as tag NAME instead.
- ``log_list(name, values)``: one point per value, the steps going on from NAME's.
- ``log_row(name, **columns)``: a row of table NAME: a point of metric NAME.COLUMN for each
  column, its step the row's number (rows counted per table, log_table's included).
- ``log_table(name, {column: values})``: the rows of table NAME, as log_row would log them.
- ``log_image(name, path=None, plot=None)``: the file, or the plot's savefig PNG, as
  outputs/NAME (the file's extension, else .png, added when NAME has none).
- ``upload_file(name, path_or_stream)``, ``upload_folder(name, path)``: into outputs/NAME;
  Azure names artifacts from the run's root, so a leading "outputs/" names the same place.
- ``get_metrics()``: a metric's value when it has one point, else the list of its values.
- ``complete()``, ``fail()``: sent to the endpoint, but the run's status is its job's exit.
Points wait in a buffer and go in runs/log-batch requests of at most 1000: once 200 wait,
0.5 s after the first, before anything is read back, at complete()/fail() and at exit.
"""

import atexit
import json
import math
import os
import shutil
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

_BATCH_LIMIT = 1000  # metrics a runs/log-batch request may carry
_FLUSH_POINTS = 200
_FLUSH_SECONDS = 0.5
_AZURE_STATUS = {"RUNNING": "Running", "SCHEDULED": "NotStarted", "FINISHED": "Completed",
                 "FAILED": "Failed", "KILLED": "Canceled"}


class RunError(Exception):
    """What the tracking endpoint refused, in its words, or why it could not be reached."""


def _now_ms():
    return int(time.time() * 1000)


def _number(value):
    """The value as a metric's number, or None for text."""
    if isinstance(value, (str, bytes)):
        return None
    try:
        return float(value)  # bool, int, float, numpy and torch scalars, Decimal
    except (TypeError, ValueError):
        return None


def _wire(number):
    # JSON has no NaN or infinity: the endpoint reads them as the strings "nan", "inf".
    return number if math.isfinite(number) else repr(number)


class _Endpoint:
    """The run's MLflow REST endpoint (ferry's supervisor serves it for the run's lifetime)."""

    def __init__(self, uri, token):
        self._base = uri.rstrip("/") + "/api/2.0/mlflow/"
        self._token = token
        # Never through a proxy: the endpoint is on this machine.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(self, method, path, body=None, query=None):
        url = self._base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self._token:
            request.add_header("Authorization", "Bearer " + self._token)
        try:
            with self._opener.open(request, timeout=60) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise RunError(f"{path}: {_refusal(error)}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RunError(f"{path}: cannot reach {self._base}: {reason}") from None


def _refusal(error):
    try:
        body = json.loads(error.read())
        return f"{body.get('error_code', error.code)}: {body.get('message', '')}"
    except (ValueError, OSError):
        return f"HTTP {error.code}"


class _Batcher:
    """Metric points on their way to runs/log-batch."""

    def __init__(self, endpoint, run_id):
        self._endpoint = endpoint
        self._run_id = run_id
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked child sends its own only

    def _reset(self):
        self._lock = threading.Lock()
        self._points = []
        self._timer = None
        self._error = None

    def add(self, points):
        with self._lock:
            self._raise_pending()
            self._points.extend(points)
            if len(self._points) >= _FLUSH_POINTS:
                self._send()
            elif self._timer is None:
                self._timer = threading.Timer(_FLUSH_SECONDS, self._on_timer)
                self._timer.daemon = True
                self._timer.start()

    def flush(self):
        with self._lock:
            self._send()
            self._raise_pending()

    def _on_timer(self):
        with self._lock:
            try:
                self._send()
            except RunError as error:
                self._error = error  # raised by the script's next call

    def _raise_pending(self):
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _send(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        points, self._points = self._points, []
        for first in range(0, len(points), _BATCH_LIMIT):
            self._endpoint.call("POST", "runs/log-batch",
                                {"run_id": self._run_id,
                                 "metrics": points[first:first + _BATCH_LIMIT]})


class _Experiment:
    def __init__(self, name, experiment_id=None):
        self.name = name
        self.id = experiment_id or name

    def __repr__(self):
        return f"Experiment(Name: {self.name})"


class Run:
    """A ferry run as the Azure SDK's Run: get it with ``Run.get_context()``."""

    def __init__(self, run_id, endpoint, experiment, batcher=None):
        self._id = run_id
        self._endpoint = endpoint
        self._experiment = experiment
        self._batcher = batcher or _Batcher(endpoint, run_id)
        self._steps = {}  # metric -> its next step
        self._rows = {}  # table -> its next row
        self._parent = False  # not looked up yet

    @staticmethod
    def get_context(allow_offline=True, used_for_context_manager=False, **kwargs):
        """The run of this job; an offline run outside ferry (unless allow_offline is False)."""
        global _current
        if _current is None:
            uri = os.environ.get("MLFLOW_TRACKING_URI", "")
            run_id = os.environ.get("MLFLOW_RUN_ID", "")
            if uri.startswith(("http://", "https://")) and run_id:
                endpoint = _Endpoint(uri, os.environ.get("MLFLOW_TRACKING_TOKEN"))
                name = os.environ.get("MLFLOW_EXPERIMENT_NAME", "Default")
                experiment = _Experiment(name, os.environ.get("MLFLOW_EXPERIMENT_ID"))
                _current = Run(run_id, endpoint, experiment)
                atexit.register(_current._flush_at_exit)
            elif allow_offline:
                _current = _OfflineRun()
            else:
                raise RunError("no ferry run here: MLFLOW_TRACKING_URI and MLFLOW_RUN_ID "
                               "are not set, and allow_offline is False")
        return _current

    @property
    def id(self):
        return self._id

    @property
    def experiment(self):
        return self._experiment

    @property
    def display_name(self):
        tags = self.get_tags()
        return tags.get("mlflow.runName") or self._info().get("run_name", self._id)

    @property
    def parent(self):
        """The parent run (tag mlflow.parentRunId), or None. Its endpoint is this run's."""
        if self._parent is False:
            parent_id = self.get_tags().get("mlflow.parentRunId")
            self._parent = None if not parent_id else Run(parent_id, self._endpoint,
                                                          self._experiment)
        return self._parent

    def __repr__(self):
        return f"Run(Experiment: {self._experiment.name}, Id: {self._id})"

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        self.flush()

    # Metrics.
    def log(self, name, value, description=""):
        self._log_points([(name, value, None)])

    def log_list(self, name, value, description=""):
        self._log_points([(name, item, None) for item in value])

    def log_row(self, name, description=None, **kwargs):
        self._log_rows(name, [kwargs])

    def log_table(self, name, value, description=""):
        count = max((len(column) for column in value.values()), default=0)
        rows = [{column: values[i] for column, values in value.items() if i < len(values)}
                for i in range(count)]
        self._log_rows(name, rows)

    def _log_rows(self, name, rows):
        first = self._rows.get(name, 0)
        self._rows[name] = first + len(rows)
        self._log_points([(f"{name}.{column}", cell, first + i)
                          for i, row in enumerate(rows) for column, cell in row.items()])

    def _log_points(self, items):
        points, texts = [], {}
        stamp = _now_ms()
        for key, value, step in items:
            number = _number(value)
            if number is None:
                texts[key] = str(value)
                continue
            if step is None:
                step = self._steps.get(key, 0)
            self._steps[key] = max(self._steps.get(key, 0), step + 1)
            points.append({"key": key, "value": _wire(number), "timestamp": stamp, "step": step})
        if points:
            self._batcher.add(points)
        if texts:
            self.set_tags(texts)

    def flush(self):
        """Sends the metric points that wait; raises RunError with the endpoint's refusal."""
        self._batcher.flush()

    def _flush_at_exit(self):
        try:
            self.flush()
        except RunError as error:
            print(f"azureml.core (ferry): metrics not stored: {error}", file=sys.stderr)

    def get_metrics(self, name=None, recursive=False, run_type=None, populate=False):
        """{name: value} (a list for a series); for a table NAME, its columns as lists."""
        self.flush()
        keys = [m["key"] for m in self._data().get("metrics", [])]
        if name is not None:
            if name in keys:
                return {name: self._values(name)}
            columns = {k[len(name) + 1:]: self._values(k, False) for k in keys
                       if k.startswith(name + ".")}
            return {name: columns} if columns else {}
        return {key: self._values(key) for key in keys}

    def _values(self, key, scalar=True):
        history = self._endpoint.call("GET", "metrics/get-history",
                                      query={"run_id": self._id, "metric_key": key})
        values = [point["value"] for point in history.get("metrics", [])]
        return values[0] if scalar and len(values) == 1 else values

    # Tags.
    def tag(self, key, value=None):
        self._endpoint.call("POST", "runs/set-tag", {
            "run_id": self._id, "key": key, "value": "" if value is None else str(value)})

    def set_tags(self, tags):
        if not isinstance(tags, dict):
            tags = {key: "" for key in tags}
        pairs = [{"key": k, "value": "" if v is None else str(v)} for k, v in tags.items()]
        self._endpoint.call("POST", "runs/log-batch", {"run_id": self._id, "tags": pairs})

    def get_tags(self):
        return {tag["key"]: tag["value"] for tag in self._data().get("tags", [])}

    # Files: the run's outputs/ is what ferry keeps of them.
    def log_image(self, name, path=None, plot=None, description=""):
        if (path is None) == (plot is None):
            raise ValueError("log_image takes a path or a plot, one of them")
        extension = os.path.splitext(str(path))[1] if path is not None else ".png"
        target = self._artifact(name if os.path.splitext(name)[1] else name + extension)
        if plot is not None:
            plot.savefig(target)
        else:
            _copy_file(path, target)

    def upload_file(self, name, path_or_stream):
        target = self._artifact(name)
        if hasattr(path_or_stream, "read"):
            content = path_or_stream.read()
            with open(target, "wb") as out:
                out.write(content.encode() if isinstance(content, str) else content)
        else:
            _copy_file(path_or_stream, target)

    def upload_folder(self, name, path):
        target = self._artifact(name)
        source = os.path.realpath(path)
        if os.path.realpath(target) == source:
            return
        if os.path.realpath(target).startswith(source + os.sep):
            raise ValueError(f"cannot upload {path} into itself ({target})")
        shutil.copytree(path, target, dirs_exist_ok=True)

    def _artifact(self, name):
        parts = [p for p in str(name).replace("\\", "/").split("/") if p not in ("", ".")]
        if parts and parts[0] == "outputs":
            parts = parts[1:]
        if not parts or ".." in parts:
            raise ValueError(f"{name!r} does not name a file below the run's outputs")
        outputs = os.environ.get("FERRY_OUTPUTS_DIR") or os.path.abspath("outputs")
        target = os.path.join(outputs, *parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        return target

    # The run's record.
    def complete(self, _set_status=True):
        self._update("FINISHED")

    def fail(self, error_details=None, error_code=None, _set_status=True):
        """Kept as tag "error"; the run's status is still its job's exit code."""
        if error_details is not None:
            self.tag("error", error_details)
        self._update("FAILED")

    def _update(self, status):
        self.flush()
        self._endpoint.call("POST", "runs/update",
                            {"run_id": self._id, "status": status, "end_time": _now_ms()})

    def get_status(self):
        return _AZURE_STATUS.get(self._info().get("status"), "Running")

    def get_details(self):
        info = self._info()
        details = {"runId": self._id, "target": "local", "status": self.get_status(),
                   "properties": {}, "inputDatasets": [], "outputDatasets": [],
                   "logFiles": {}, "submittedBy": info.get("user_id", "")}
        for field, key in (("start_time", "startTimeUtc"), ("end_time", "endTimeUtc")):
            if info.get(field):
                stamp = time.gmtime(int(info[field]) / 1000)
                details[key] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", stamp)
        return details

    def _run(self):
        return self._endpoint.call("GET", "runs/get", query={"run_id": self._id})["run"]

    def _info(self):
        return self._run().get("info", {})

    def _data(self):
        return self._run().get("data", {})


def _copy_file(source, target):
    if os.path.exists(target) and os.path.samefile(source, target):
        return  # the file is in outputs/ already, as Azure's scripts often write it
    shutil.copyfile(source, target)


class _OfflineRun:
    """The run outside ferry: says what it would log, in the Azure SDK's words."""

    def __init__(self):
        self.id = f"OfflineRun_{uuid.uuid4()}"
        self.experiment = _Experiment("OfflineExperiment")
        self.parent = None
        self.display_name = self.id
        self._tags = {}

    def __repr__(self):
        return f"Run(Experiment: {self.experiment.name}, Id: {self.id})"

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        pass

    def _said(self, kind, name, value):
        print(f"Attempted to log {kind} metric {name}:\n{value}")

    def log(self, name, value, description=""):
        self._said("scalar", name, value)

    def log_list(self, name, value, description=""):
        self._said("list", name, value)

    def log_row(self, name, description=None, **kwargs):
        self._said("row", name, kwargs)

    def log_table(self, name, value, description=""):
        self._said("table", name, value)

    def log_image(self, name, path=None, plot=None, description=""):
        self._said("image", name, path if path is not None else plot)

    def upload_file(self, name, path_or_stream):
        print(f"Attempted to track file {name} at {path_or_stream}")

    def upload_folder(self, name, path):
        print(f"Attempted to track folder {name} at {path}")

    def tag(self, key, value=None):
        self.set_tags({key: "" if value is None else str(value)})

    def set_tags(self, tags):
        if not isinstance(tags, dict):
            tags = {key: "" for key in tags}
        for key, value in tags.items():
            print(f"Attempted to set tag {key}:\n{value}")
            self._tags[key] = "" if value is None else str(value)

    def get_tags(self):
        return dict(self._tags)

    def get_metrics(self, name=None, recursive=False, run_type=None, populate=False):
        return {}

    def flush(self):
        pass

    def complete(self, _set_status=True):
        pass

    def fail(self, error_details=None, error_code=None, _set_status=True):
        pass

    def get_status(self):
        return "Running"

    def get_details(self):
        return {"runId": self.id, "target": "local", "status": "Running", "properties": {},
                "inputDatasets": [], "outputDatasets": [], "logFiles": {}}


_current = None
