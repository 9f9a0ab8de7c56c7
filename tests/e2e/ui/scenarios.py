"""What tests/e2e/ui_test.sh does in a real headless Chromium: `scenarios.py NAME URL ARGS...`
runs one scenario against a `ferry ui` at URL (its runs page's address, with ?token= where one
is needed) and exits 0, or 1 with what went wrong."""

import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import Browser  # noqa: E402


def page(url, path):
    """The page `path` of the ui whose runs page is `url` (keeping its ?token=)."""
    parts = urllib.parse.urlsplit(url)
    path, _, query = path.partition("?")
    both = "&".join(q for q in (parts.query, query) if q)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, both, ""))


def row_status(run):
    return (f"(document.querySelector('tr[data-run=\"{run}\"] .status') || {{}}).dataset"
            f"?.status")


def shot(browser, name):
    """A screenshot kept with the case's files (SCREENSHOTS, else the working directory)."""
    directory = os.environ.get("SCREENSHOTS", ".")
    os.makedirs(directory, exist_ok=True)
    return browser.screenshot(os.path.join(directory, f"{name}.png"))


def go_back(browser, path):
    """The back button, then the page it goes to, loaded (not the one left)."""
    browser.run("window.ferry.ready = false;")
    browser.back()
    browser.wait(f"location.pathname === {json.dumps(path)}", what=f"back at {path}")
    wait_ready(browser)


def wait_ready(browser):
    browser.wait("window.ferry && window.ferry.ready", what="the page to load")
    error = browser.run("const e = document.getElementById('error'); return e && e.textContent;")
    if error:
        raise AssertionError(f"the page says: {error}")


def live_run(browser, url, run, gate_log, gate_end):
    """The runs page sees the run Running, its page shows the log and the metric live, and the
    runs page sees it Completed, all without a reload."""
    browser.open(url)
    wait_ready(browser)
    browser.wait(f"{row_status(run)} === 'Running'", what=f"{run} Running on the runs page")
    browser.run("window.notReloaded = true;")
    # Into the run's page by its link, as a person would.
    browser.click(f'tr[data-run="{run}"] a[href="/runs/{run}"]')
    wait_ready(browser)
    browser.wait("document.getElementById('log').textContent.includes('first line')",
                 what="the log's first line")
    browser.wait("window.ferry.charts.loss && window.ferry.charts.loss.data[1].length === 1",
                 what="the loss chart's first point")
    open(gate_log, "w").close()
    browser.wait("document.getElementById('log').textContent.includes('second line')",
                 what="the log line written after the page opened")
    browser.wait("window.ferry.charts.loss && window.ferry.charts.loss.data[1].length === 3",
                 what="the points logged after the page opened")
    data = browser.run("const d = window.ferry.charts.loss.data; return [d[0], d[1]];")
    assert data == [[0, 1, 2], [1.0, 0.5, 0.25]], f"the loss chart has {data}"
    assert browser.run("return window.notReloaded === true;"), "the page was reloaded"
    shot(browser, "run-live")
    # Back to the runs page (the back button), where the run ends.
    go_back(browser, "/runs")
    browser.wait(f"{row_status(run)} === 'Running'", what=f"{run} Running after going back")
    browser.run("window.notReloaded = true;")
    open(gate_end, "w").close()
    browser.wait(f"{row_status(run)} === 'Completed'", seconds=30,
                 what=f"{run} Completed on the runs page")
    assert browser.run("return window.notReloaded === true;"), "the runs page was reloaded"
    assert browser.run("return location.pathname;") == "/runs"


def compare(browser, url, first, second):
    """Two runs picked on the runs page are compared: their params side by side, the one that
    differs marked, and their metric on one chart."""
    browser.open(url)
    wait_ready(browser)
    for run in (first, second):
        browser.click(f'tr[data-run="{run}"] input[type=checkbox]')
    browser.click("#compare")
    wait_ready(browser)
    path = browser.run("return location.pathname + location.search;")
    assert path == f"/compare?runs={first},{second}", path
    differs = browser.run("return [...document.querySelectorAll('#comparison tr.diff')]"
                          ".map((r) => r.dataset.key);")
    assert "params.lr" in differs and "params.epochs" not in differs, differs
    series = browser.run("const c = window.ferry.charts.loss; "
                         "return [c.series.length - 1, c.data.slice(1)];")
    assert series[0] == 2, f"the chart has {series[0]} series"
    assert series[1] == [[0.9, 0.5], [0.8, 0.3]], f"the chart's points are {series[1]}"
    shot(browser, "compare")


def in_view(browser):
    """The runs whose rows are in the window now, top to bottom, and how many rows exist."""
    return browser.run("const rows = [...document.querySelectorAll('#runs tbody tr[data-run]')];"
                       "const seen = rows.filter((tr) => { const b = tr.getBoundingClientRect();"
                       " return b.bottom > 0 && b.top < innerHeight; });"
                       "return [seen.map((tr) => tr.dataset.run), rows.length];")


def scroll_to(browser, fraction):
    """Scrolls the page to `fraction` of its height; the rows in view once drawn."""
    browser.run(f"window.scrollTo(0, {fraction} * (document.body.scrollHeight - innerHeight));")
    browser.run("return new Promise((done) => requestAnimationFrame(() => "
                "requestAnimationFrame(done)));")
    return in_view(browser)


def long_list(browser, url, total, newest, oldest):
    """A list of many runs: all are listed, only the rows in view are drawn, and scrolling
    draws the ones it reaches (the oldest at the bottom), a ticked box kept."""
    browser.open(url)
    wait_ready(browser)
    browser.wait("window.ferry.complete", what="all the runs listed")
    count = browser.run("return document.querySelector('#count').textContent;")
    assert count == f"{total} of {total} runs", count
    seen, drawn = in_view(browser)
    assert seen and seen[0] == newest, f"first in view: {seen[:3]}"
    assert drawn < 200, f"{drawn} rows drawn of {total}"
    browser.click(f'tr[data-run="{newest}"] input[type=checkbox]')
    seen, drawn = scroll_to(browser, 0.5)
    middle = int(total) // 2
    numbers = [int(run.split("_")[1]) for run in seen if run.startswith("clone_")]
    assert numbers and min(numbers) - 60 < middle < max(numbers) + 60, f"mid-list: {seen[:3]}"
    assert drawn < 200, f"{drawn} rows drawn of {total} mid-list"
    seen, drawn = scroll_to(browser, 1)
    assert seen and seen[-1] == oldest, f"last in view: {seen[-3:]}"
    seen, drawn = scroll_to(browser, 0)
    assert seen[0] == newest, f"back at the top: {seen[:3]}"
    assert browser.run(f"return document.querySelector('tr[data-run=\"{newest}\"] "
                       "input[type=checkbox]').checked;"), "the ticked box was not kept"
    # Sorted by name: the clones in their order, then the seed.
    browser.click("#runs th.sortable")
    seen, drawn = in_view(browser)
    assert seen[0] == "clone_0000", f"sorted by name: {seen[:3]}"
    seen, drawn = scroll_to(browser, 1)
    assert seen[-1] == oldest, f"sorted, last in view: {seen[-3:]}"


def sweep(browser, url, name, trials, terminated):
    """A sweep's page: its trials best first, the metric by trial, params against the metric,
    the trials an early termination policy stopped marked."""
    browser.open(page(url, f"/runs/{name}"))
    wait_ready(browser)
    rows = browser.wait("document.querySelectorAll('#trials tbody tr').length", what="trials")
    assert rows == int(trials), f"{rows} trials shown"
    metrics = browser.run("return [...document.querySelectorAll('#trials tbody tr')]"
                          ".map((r) => Number(r.lastElementChild.textContent));")
    assert metrics == sorted(metrics, reverse=True), f"not best first: {metrics}"
    best = browser.run("return document.querySelector('#trials tbody tr').dataset.trial;")
    assert browser.run("return document.querySelector('#trials tbody tr').textContent"
                       ".includes('★');"), f"best trial {best} not marked"
    lines = browser.run("return window.ferry.charts['sweep:parallel'].series.length - 1;")
    assert lines == int(trials), f"{lines} lines in the parallel coordinates"
    marked = browser.run("return document.querySelectorAll('#trials tr.terminated').length;")
    assert marked == int(terminated), f"{marked} trials marked early-terminated"
    shot(browser, f"sweep-{name}")


def pipeline(browser, url, name, steps):
    """A pipeline's page: the DAG of its steps with their status, reuse marked, click-through."""
    browser.open(page(url, f"/runs/{name}"))
    wait_ready(browser)
    wanted = json.loads(steps)
    shown = browser.wait(
        "(() => { const s = [...document.querySelectorAll('#dag .step')]; return s.length && "
        "Object.fromEntries(s.map((e) => [e.dataset.step, e.querySelector('.status').dataset"
        ".status])); })()", what="the steps")
    assert shown == wanted, f"steps {shown}, wanted {wanted}"
    browser.wait("document.querySelectorAll('#dag svg path').length > 0", what="the DAG's edges")
    reused = browser.run("return [...document.querySelectorAll('#dag .step .reused')]"
                         ".map((e) => e.closest('.step').dataset.step);")
    shot(browser, "pipeline")
    step = sorted(wanted)[0]
    browser.click(f'#dag .step[data-step="{step}"] a')
    wait_ready(browser)
    title = browser.run("return document.querySelector('h1').firstChild.textContent;")
    assert title.startswith(name) or step in title, f"clicked into {title}"
    print(json.dumps({"reused": reused}))


def assets(browser, url, model, run):
    """Models, datasets and environments: lists, a version's page, lineage back to its run."""
    for group in ("environments", "datasets", "models"):
        browser.open(page(url, f"/{group}"))
        wait_ready(browser)
        rows = browser.run(f"return document.querySelectorAll('#{group} tbody tr').length;")
        assert rows == 1, f"{rows} {group} listed"
    browser.click(f'#models tr[data-name="{model}:1"] a')
    wait_ready(browser)
    assert browser.run("return location.pathname;") == f"/models/{model}%3A1"
    heading = browser.run("return document.querySelector('h1').textContent;")
    assert heading.startswith(f"model {model}:1"), heading
    browser.click(f'dd a[href="/runs/{run}"]')
    wait_ready(browser)
    assert browser.run("return location.pathname;") == f"/runs/{run}"
    models = browser.run("return [...document.querySelectorAll('a[href^=\\'/models/\\']')]"
                         ".map((a) => a.textContent);")
    assert f"{model}:1" in models, f"the run's page links {models}"
    go_back(browser, f"/models/{model}%3A1")


def cancel(browser, url, run):
    """The Cancel button asks first, then the run is canceled."""
    browser.open(page(url, f"/runs/{run}"))
    wait_ready(browser)
    browser.wait("document.getElementById('cancel')", what="the Cancel button")
    browser.click("#cancel")
    asked = browser.dialog_text()
    assert f"Cancel run {run}?" in asked, f"the dialog says {asked!r}"
    browser.accept_dialog()
    browser.wait("document.querySelector('#status .status').dataset.status === 'Canceled'",
                 seconds=30, what="the run Canceled")
    browser.wait("!document.getElementById('cancel')", what="the button gone")


def screenshots(browser, url, run, sweep_name, pipeline_name):
    """The README's pictures, of the sample runs."""
    browser.resize(1600, 760)  # the runs page is wide with three more columns
    browser.open(page(url, "/runs?columns=metrics.loss,metrics.accuracy,params.rate"))
    wait_ready(browser)
    shot(browser, "runs")
    browser.resize(1200, 760)
    browser.open(page(url, f"/runs/{run}"))
    wait_ready(browser)
    browser.wait("Object.keys(window.ferry.charts).length > 0", what="the charts")
    browser.wait("document.getElementById('log').textContent.length > 0", what="the log")
    shot(browser, "run")
    for name, picture in ((sweep_name, "sweep"), (pipeline_name, "pipeline")):
        browser.open(page(url, f"/runs/{name}"))
        wait_ready(browser)
        shot(browser, picture)


def main():
    name, url, *args = sys.argv[1:]
    scenario = globals()[name]
    started = time.monotonic()
    with Browser() as browser:
        try:
            scenario(browser, url, *args)
        except AssertionError as error:
            try:
                shot(browser, f"failed-{name}")
            finally:
                print(f"{name}: {error}", file=sys.stderr)
            sys.exit(1)
    print(f"{name}: passed in {time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
