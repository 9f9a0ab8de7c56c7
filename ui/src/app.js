// ferry ui: one page that routes by its URL (History API), reads the JSON API under /api/ (the
// CLI's -o json records) and follows live changes as Server-Sent Events. Charts are uPlot's.
"use strict";

const TERMINAL = new Set(["Completed", "Failed", "Canceled"]);
const page = document.getElementById("page");
// What the tests and bench/ui.sh read: the charts on the page by metric, whether the page has
// loaded and when (ms since navigation), whether the runs page has all its rows and when, and,
// once `record` is set to an array, when each live log line and metric point arrived.
window.ferry = { charts: {}, ready: false, readyAt: null, complete: false, record: null };
let leaving = []; // what the current page closes when another one opens
let turn = 0; // the navigation the page is drawn for

// What an answer that came after another navigation began is: dropped, unseen.
class Stale extends Error {}

// ---- small helpers -------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options = {}) {
  const asked = turn;
  const response = await fetch(path, options);
  const text = await response.text();
  if (asked !== turn) throw new Stale();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (!response.ok) {
    throw new Error(body && body.error ? body.error : `${response.status} ${response.statusText}`);
  }
  return { body, headers: response.headers };
}

// A plain click on a link moves within the page; one with a modifier (a new tab) is the
// browser's.
function follow(event, href) {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  navigate(href);
}

function link(href, ...children) {
  return h("a", { href, onclick: (event) => follow(event, href) }, ...children);
}

const runLink = (name) => link(`/runs/${encodeURIComponent(name)}`, name);
const badge = (status) => h("span", { class: `status ${status}`, "data-status": status }, status);
const text = (value) => value === null || value === undefined ? "" :
  typeof value === "object" ? JSON.stringify(value) : String(value);
const shortTime = (iso) => iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "";
const number = (value) => typeof value === "number" ?
  (Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, "")) : text(value);

// A live stream. `reopened` is told when the browser connected again after a drop (the
// stream starts over); a `problem` ends it, said on the page.
function live(url, handlers, reopened = null) {
  const source = new EventSource(url);
  for (const [name, handle] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => handle(JSON.parse(event.data)));
  }
  let opens = 0;
  source.addEventListener("open", () => { if (opens++ && reopened) reopened(); });
  source.addEventListener("problem", (event) => {
    source.close();
    page.prepend(h("p", { class: "error" }, `live updates stopped: ${JSON.parse(event.data).error}`));
  });
  leaving.push(() => source.close());
  return source;
}

function setPage(...children) {
  page.replaceChildren(...children);
}

function ready() {
  window.ferry.ready = true;
  window.ferry.readyAt = performance.now();
}

function failed(error) {
  setPage(h("p", { class: "error", id: "error" }, error.message || String(error)));
  ready();
}

// ---- routing --------------------------------------------------------------------------------

function navigate(href, replace = false) {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  route();
}

async function route() {
  turn += 1;
  for (const close of leaving) close();
  leaving = [];
  window.ferry.charts = {};
  window.ferry.ready = false;
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  let match;
  try {
    if (path === "/runs" || path === "/") await runsPage(query);
    else if ((match = path.match(/^\/runs\/([^/]+)$/))) await runPage(decodeURIComponent(match[1]));
    else if (path === "/compare") await comparePage(query);
    else if ((match = path.match(/^\/(environments|datasets|models)$/))) await assetsPage(match[1], query);
    else if ((match = path.match(/^\/(environments|datasets|models)\/([^/]+)$/))) await assetPage(match[1], decodeURIComponent(match[2]));
    else throw new Error(`no page ${path}`);
  } catch (error) {
    if (!(error instanceof Stale)) failed(error);
  }
}

window.addEventListener("popstate", route);

// ---- the runs page --------------------------------------------------------------------------

const QUERY_KEYS = ["filter", "order_by", "columns", "experiment", "status"];
const FIRST_RUNS = 200;
const OVERSCAN = 30; // rows drawn above and below those in view

async function runsPage(query) {
  document.title = "Runs · ferry";
  const asked = new URLSearchParams();
  for (const key of QUERY_KEYS) if (query.get(key)) asked.set(key, query.get(key));
  // The newest FIRST_RUNS first, then the rest, up to max_results (10,000). Only the rows in
  // view and OVERSCAN around them exist, drawn again as the page scrolls: 10,000 runs cost
  // what 100 do, to draw and to leave.
  const wanted = Number(query.get("max_results") || "10000");
  asked.set("max_results", String(Math.min(wanted, FIRST_RUNS)));
  const [listed, workspace] = await Promise.all([api(`/api/runs?${asked}`), api("/api/workspace")]);
  const runs = listed.body;
  let total = Number(listed.headers.get("X-Total-Count"));
  const columns = (query.get("columns") || "").split(",").map((c) => c.trim()).filter(Boolean);
  const selected = new Set();
  let sortKey = null, sortDown = false;
  let shown = runs; // in the order shown: `runs` itself, or a sorted copy

  const compare = h("button", { id: "compare", type: "button", disabled: true, onclick: () =>
    navigate(`/compare?runs=${[...selected].map(encodeURIComponent).join(",")}`) }, "Compare");
  const head = ["", "name", "status", "experiment", "compute", "created_at", "duration", "tags", ...columns];
  const body = h("tbody");
  const rows = new Map(); // the rows drawn now, by run
  // Rows that stand for those not drawn, above and below.
  const aboveCell = h("td", { class: "spacer", colspan: head.length });
  const belowCell = h("td", { class: "spacer", colspan: head.length });
  const above = h("tr", { class: "spacer" }, aboveCell), below = h("tr", { class: "spacer" }, belowCell);
  let rowHeight = 0, from = -1, to = -1;

  function row(run) {
    const box = h("input", { type: "checkbox", checked: selected.has(run.name), onchange: (e) => {
      if (e.target.checked) selected.add(run.name); else selected.delete(run.name);
      compare.disabled = selected.size < 2;
    } });
    const tags = Object.entries(run.tags || {}).map(([k, v]) => `${k}=${v}`).join(" ");
    return h("tr", { "data-run": run.name },
      h("td", {}, box), h("td", {}, runLink(run.name)), h("td", { class: "status-cell" }, badge(run.status)),
      h("td", {}, run.experiment), h("td", {}, run.compute), h("td", {}, shortTime(run.created_at)),
      h("td", {}, run.duration_text || ""), h("td", { class: "tags", title: tags || null }, tags),
      ...columns.map((c) => h("td", { class: "num" }, number(run[c]))));
  }

  // The rows in view, [first, last) of `shown`; before a row's height is known, the first ones.
  function inView() {
    if (!rowHeight) return [0, Math.min(shown.length, 2 * OVERSCAN)];
    const past = -body.getBoundingClientRect().top; // how far the view is below the body's top
    const last = Math.max(0, Math.min(shown.length, Math.ceil((past + window.innerHeight) / rowHeight) + OVERSCAN));
    return [Math.max(0, Math.min(last, Math.floor(past / rowHeight) - OVERSCAN)), last];
  }

  // Draws the rows in view (again with `force`: a new order, more runs), keeping those drawn.
  function drawRows(force = false) {
    const [first, last] = inView();
    if (!force && first === from && last === to) return;
    from = first;
    to = last;
    const drawn = shown.slice(first, last).map((run) => [run.name, rows.get(run.name) || row(run)]);
    rows.clear();
    for (const [name, tr] of drawn) rows.set(name, tr);
    aboveCell.style.height = `${first * rowHeight}px`;
    belowCell.style.height = `${(shown.length - last) * rowHeight}px`;
    body.replaceChildren(above, ...rows.values(), below);
    if (!rowHeight && drawn.length) {
      const top = drawn[0][1].getBoundingClientRect().top;
      rowHeight = (drawn[drawn.length - 1][1].getBoundingClientRect().bottom - top) / drawn.length;
      if (rowHeight) drawRows(true);
    }
  }

  function draw() {
    shown = runs;
    if (sortKey) {
      shown = [...runs].sort((a, b) => {
        const x = a[sortKey], y = b[sortKey];
        const order = x === y ? 0 : x === null || x === undefined ? 1 : y === null || y === undefined ? -1 : x < y ? -1 : 1;
        return sortDown ? -order : order;
      });
    }
    drawRows(true);
  }

  let scrolled = false;
  const onScroll = () => {
    if (scrolled) return;
    scrolled = true;
    requestAnimationFrame(() => { scrolled = false; drawRows(); });
  };
  window.addEventListener("scroll", onScroll, { passive: true });
  window.addEventListener("resize", onScroll);
  leaving.push(() => {
    window.removeEventListener("scroll", onScroll);
    window.removeEventListener("resize", onScroll);
  });

  // The runs past the first ones.
  async function more() {
    asked.set("max_results", String(wanted));
    let all;
    try { all = (await api(`/api/runs?${asked}`)).body; } catch { return; }
    const known = new Set(runs.map((run) => run.name));
    for (const run of all) if (!known.has(run.name)) runs.push(run);
    draw();
    count.textContent = `${runs.length} of ${total} runs`;
    window.ferry.complete = true;
    window.ferry.completeAt = performance.now();
  }

  const headRow = h("tr", {}, ...head.map((key) => key ? h("th", { class: "sortable", onclick: () => {
    sortDown = sortKey === key ? !sortDown : false;
    sortKey = key;
    draw();
  } }, key === "created_at" ? "created" : key) : h("th")));

  const form = h("form", { class: "query", onsubmit: (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const key of QUERY_KEYS) {
      const value = (form.elements[key] ? form.elements[key].value : query.get(key) || "").trim();
      if (value) next.set(key, value);
    }
    navigate(`/runs?${next}`);
  } },
    h("input", { type: "text", name: "filter", placeholder: "filter: metrics.accuracy > 0.9 and params.lr = '0.01'", value: query.get("filter") || "" }),
    h("input", { type: "text", name: "order_by", placeholder: "order by: metrics.accuracy DESC", value: query.get("order_by") || "" }),
    h("input", { type: "text", name: "columns", placeholder: "columns: metrics.loss,params.lr", value: query.get("columns") || "" }),
    h("button", { type: "submit" }, "Apply"), compare);

  const facetLink = (name, label) => {
    const next = new URLSearchParams(query);
    if (name) next.set("experiment", name); else next.delete("experiment");
    return link(`/runs?${next}`, label);
  };
  const facets = h("div", { class: "facets" }, h("h2", {}, "Experiments"),
    facetLink(null, "all"), ...workspace.body.experiments.map((e) => {
      const a = facetLink(e.name, `${e.name} (${e.runs})`);
      if (query.get("experiment") === e.name) a.classList.add("active");
      return a;
    }));
  const count = h("p", { class: "muted", id: "count" }, `${runs.length} of ${total} runs`);
  setPage(h("div", { class: "layout" }, facets,
    h("div", {}, h("h1", {}, "Runs"), form, count,
      h("div", { class: "wide" }, h("table", { id: "runs" }, h("thead", {}, headRow), body)))));
  draw();
  window.ferry.complete = runs.length >= Math.min(wanted, total);
  if (!window.ferry.complete) more();

  // Live: a run whose status changed gets its new record; a new one, the list asked again.
  let refresh = null;
  live(`/api/events?after=${listed.headers.get("X-Ferry-Events") || 0}`, {
    runs: (data) => {
      let unknown = false, gone = false;
      for (const run of data.runs) {
        const at = runs.findIndex((r) => r.name === run.name);
        if (run.deleted) {
          if (at < 0) continue;
          if (shown !== runs) shown.splice(shown.indexOf(runs[at]), 1);
          runs.splice(at, 1);
          rows.delete(run.name);
          total -= 1;
          gone = true;
          continue;
        }
        if (at < 0) { unknown = unknown || !run.parent; continue; }
        for (const c of columns) run[c] = runs[at][c];
        if (shown !== runs) shown[shown.indexOf(runs[at])] = run;
        runs[at] = run;
        const old = rows.get(run.name);
        if (old) { const fresh = row(run); old.replaceWith(fresh); rows.set(run.name, fresh); }
      }
      if (gone) {
        drawRows(true);
        count.textContent = `${runs.length} of ${total} runs`;
      }
      if (unknown && !refresh) refresh = setTimeout(() => navigate(location.pathname + location.search, true), 300);
    },
  });
  leaving.push(() => clearTimeout(refresh));
  ready();
}

// ---- charts ---------------------------------------------------------------------------------

// Exponential moving average, TensorBoard's way (debiased), weight in [0, 1).
function smooth(values, weight) {
  if (!weight) return values;
  let last = 0, count = 0;
  return values.map((v) => {
    if (v === null || v === undefined) return v;
    count += 1;
    last = last * weight + (1 - weight) * v;
    return last / (1 - Math.pow(weight, count));
  });
}

const PALETTE = ["#2f6fde", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#e67700", "#5c940d"];

// One chart: series = [{label, points: [{step, value, timestamp}]}]; x "step" or "time".
function chart(key, series, x, weight, width = 460) {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => x === "time" ? p.timestamp / 1000 : p.step)))].sort((a, b) => a - b);
  const at = new Map(xs.map((v, i) => [v, i]));
  const columns = series.map((s) => {
    const column = new Array(xs.length).fill(null);
    for (const p of s.points) column[at.get(x === "time" ? p.timestamp / 1000 : p.step)] = p.value;
    return smooth(column, weight);
  });
  const box = h("div", { class: "chart", "data-metric": key }, h("h3", {}, key));
  const plot = new uPlot({
    width, height: 240, scales: { x: { time: x === "time" } },
    cursor: { drag: { x: true, y: false } }, // drag to zoom, double-click to reset
    series: [{ label: x }, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.6, spanGaps: true, points: { show: xs.length < 60 } }))],
    axes: [{}, { size: 60 }],
  }, [xs, ...columns], box);
  return { box, plot };
}

// ---- a run's page ---------------------------------------------------------------------------

function facts(pairs) {
  return h("dl", { class: "facts" }, ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v instanceof Node ? v : text(v))]));
}

function keyValues(object, id) {
  const entries = Object.entries(object || {});
  if (!entries.length) return h("p", { class: "muted" }, "none");
  return h("table", { id }, h("tbody", {}, ...entries.map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", { class: "value" }, text(v))))));
}

async function runPage(name) {
  document.title = `${name} · ferry`;
  const shown = await api(`/api/runs/${encodeURIComponent(name)}`);
  const run = shown.body;
  const header = h("h1", {}, run.name, h("span", { id: "status" }, badge(run.status)));
  const cancel = h("button", { class: "danger", id: "cancel", onclick: async () => {
    if (!confirm(`Cancel run ${run.name}? Its processes get SIGTERM, then SIGKILL after 10 s.`)) return;
    cancel.disabled = true;
    try { await api(`/api/runs/${encodeURIComponent(run.name)}/cancel`, { method: "POST", headers: { "X-Ferry-UI": "1" } }); }
    catch (error) { alert(error.message); cancel.disabled = false; }
  } }, "Cancel");
  if (!TERMINAL.has(run.status) && !run.parent) header.append(cancel);

  const overview = h("div", {}, overviewOf(run));
  const history = h("table", { id: "history" }, h("thead", {}, h("tr", {}, h("th", {}, "status"), h("th", {}, "at"), h("th", {}, "detail"))),
    h("tbody", {}, historyRows(run)));
  const metricsBox = h("div", { id: "metrics" });
  const logBox = h("div", { id: "logs" });
  const filesBox = h("div", { id: "snapshot" });
  const tracked = Object.keys(run.tracked.params).length + Object.keys(run.tracked.tags).length;
  const top = h("div", { class: "top" }, h("div", {}, overview),
    tracked || !(run.sweep || run.pipeline) ? h("div", {}, h("h3", {}, "Params"), keyValues(run.tracked.params, "params"),
      h("h3", {}, "Tags"), keyValues(run.tracked.tags, "tags")) : h("div"));
  const sections = [header, top];
  if (run.notes && run.notes.length) sections.push(h("h2", {}, "Notes"), h("ul", {}, ...run.notes.map((n) => h("li", {}, text(n)))));
  if (run.sweep) sections.push(...sweepSections(run));
  if (run.pipeline) sections.push(...pipelineSections(run));
  sections.push(h("h2", {}, "Metrics"), metricsBox, h("h2", {}, "Log"), logBox,
    h("h2", {}, "Status history"), history,
    h("h2", {}, "Snapshot"), filesBox, h("h2", {}, "Artifacts"), artifactList(run),
    h("h2", {}, "Lineage"), lineage(run), h("h2", {}, "Spec"), h("pre", { id: "spec" }, JSON.stringify(run.spec, null, 2)));
  setPage(...sections);

  const metrics = metricCharts(metricsBox);
  const log = logView(logBox);
  snapshotFiles(run, filesBox);
  const stream = live(`/api/runs/${encodeURIComponent(run.name)}/stream`, {
    status: (summary) => {
      document.getElementById("status").replaceChildren(badge(summary.status));
      if (TERMINAL.has(summary.status)) cancel.remove();
    },
    metric: (points) => metrics.add(points),
    log: (chunk) => log.add(chunk),
    end: () => {
      stream.close();
      // The ended run's record: its artifacts, exit code and history.
      setTimeout(async () => {
        if (location.pathname !== `/runs/${encodeURIComponent(run.name)}`) return;
        let fresh;
        try { fresh = (await api(`/api/runs/${encodeURIComponent(run.name)}`)).body; } catch { return; }
        overview.replaceChildren(overviewOf(fresh));
        document.getElementById("artifacts").replaceWith(artifactList(fresh));
        document.getElementById("history").querySelector("tbody").replaceChildren(...historyRows(fresh));
      }, 300);
    },
  }, () => { metrics.reset(); log.reset(); });
  if (run.sweep || run.pipeline) {
    // A child's change redraws the trials or steps.
    let again = null;
    live(`/api/events?after=${shown.headers.get("X-Ferry-Events") || 0}`, { runs: () => {
      if (!again) again = setTimeout(() => { again = null; refreshChildren(run.name); }, 400);
    } });
  }
  ready();
}

function overviewOf(run) {
  return facts([
    ["display name", run.display_name !== run.name ? run.display_name : null],
    ["parent", run.parent ? runLink(run.parent) : null],
    ["experiment", link(`/runs?experiment=${encodeURIComponent(run.experiment)}`, run.experiment)],
    ["compute", run.compute], ["runtime", run.runtime],
    ["environment", run.environment ? `${run.environment.name || ""}${run.environment.version ? ":" + run.environment.version : ""}` : null],
    ["created", shortTime(run.created_at)], ["started", shortTime(run.started_at)], ["ended", shortTime(run.ended_at)],
    ["duration", run.duration !== null ? `${run.duration.toFixed(1)} s` : null],
    ["exit code", run.exit_code], ["error", run.error], ["command", run.command],
  ]);
}

function historyRows(run) {
  return run.history.map((e) => h("tr", {}, h("td", {}, badge(e.status)), h("td", {}, shortTime(e.at)), h("td", {}, e.detail)));
}

async function refreshChildren(name) {
  if (location.pathname !== `/runs/${encodeURIComponent(name)}`) return;
  let fresh;
  try { fresh = (await api(`/api/runs/${encodeURIComponent(name)}`)).body; } catch { return; }
  const replace = (id, node) => { const old = document.getElementById(id); if (old) old.replaceWith(node); };
  if (fresh.sweep) { const [, , chartBox, , table] = sweepSections(fresh); replace("trials", table); replace("trials-chart", chartBox); }
  if (fresh.pipeline) { const [, dag] = pipelineSections(fresh); replace("dag", dag); }
}

function artifactList(run) {
  if (!run.artifacts.length) return h("p", { class: "muted", id: "artifacts" }, TERMINAL.has(run.status) ? "none" : "stored when the run ends");
  return h("table", { id: "artifacts" }, h("tbody", {}, ...run.artifacts.map((a) => h("tr", {},
    h("td", {}, h("a", { href: `/api/runs/${encodeURIComponent(run.name)}/artifacts/${a.path.split("/").map(encodeURIComponent).join("/")}`, download: a.path.split("/").pop() }, a.path)),
    h("td", { class: "num" }, `${a.size} B`)))));
}

function lineage(run) {
  const l = run.lineage || {};
  const models = (run.models || []).map((m) => typeof m === "object" ? `${m.name}:${m.version}` : text(m));
  const rows = [];
  const inputLink = (value) => value.run ? runLink(value.run)
    : value.dataset ? link(`/datasets/${encodeURIComponent(value.dataset)}`, `dataset ${value.dataset}`)
    : value.model ? link(`/models/${encodeURIComponent(value.model)}`, `model ${value.model}`) : text(value);
  for (const [name, value] of Object.entries(l.inputs || {})) rows.push(["input " + name, inputLink(value)]);
  for (const [name, value] of Object.entries(l.outputs || {})) rows.push(["output " + name, text(value)]);
  for (const model of models) rows.push(["model", link(`/models/${encodeURIComponent(model)}`, model)]);
  return rows.length ? facts(rows) : h("p", { class: "muted" }, "none");
}

// The run's stream sends every point from its first, so the charts are drawn from it alone.
// Each redraw makes new uPlot charts and destroys the ones before (uPlot keeps every chart it
// made until then).
function metricCharts(box) {
  let histories = {};
  let plots = [];
  let x = "step", weight = 0;
  const area = h("div", { class: "charts" });
  const destroy = () => { for (const plot of plots) plot.destroy(); plots = []; };
  leaving.push(destroy);
  const draw = () => {
    destroy();
    for (const key of Object.keys(window.ferry.charts)) if (!key.startsWith("sweep:")) delete window.ferry.charts[key];
    area.replaceChildren(...Object.entries(histories).map(([key, points]) => {
      const { box: c, plot } = chart(key, [{ label: key, points }], x, weight);
      window.ferry.charts[key] = plot;
      plots.push(plot);
      return c;
    }));
    if (!Object.keys(histories).length) area.append(h("p", { class: "muted" }, "no metrics logged yet"));
  };
  const controls = h("div", { class: "controls" },
    h("label", {}, "x axis ", h("select", { id: "x-axis", onchange: (e) => { x = e.target.value; draw(); } },
      h("option", { value: "step" }, "step"), h("option", { value: "time" }, "time"))),
    h("label", {}, "smoothing ", h("input", { type: "range", id: "smoothing", min: 0, max: 0.99, step: 0.01, value: 0,
      oninput: (e) => { weight = Number(e.target.value); draw(); } })),
    h("span", { class: "muted" }, "drag to zoom, double-click to reset"));
  box.replaceChildren(controls, area);
  draw();
  let pending = null;
  return {
    add(points) {
      for (const p of points) (histories[p.key] = histories[p.key] || []).push(p);
      if (window.ferry.record) for (const p of points) window.ferry.record.push(["metric", p.timestamp, Date.now()]);
      if (!pending) pending = requestAnimationFrame(() => { pending = null; draw(); });
    },
    reset() { histories = {}; draw(); },
  };
}

// A log keeps its last MAX_LINES lines; new lines are appended to what is shown, and the whole
// is drawn again only for a search, another rank or lines let go.
const MAX_LINES = 100000;

function logView(box) {
  let logs = new Map(); // log path -> {lines, rank}
  let current = null, follow = true, search = "";
  const tabs = h("div", { class: "tabs" });
  const pre = h("pre", { class: "log", id: "log" });
  const empty = h("p", { class: "muted" }, "no log yet");
  const controls = h("div", { class: "controls" }, tabs,
    h("label", {}, h("input", { type: "checkbox", id: "follow", checked: true, onchange: (e) => { follow = e.target.checked; show(); } }), " follow the tail"),
    h("input", { type: "search", id: "log-search", placeholder: "search the log", oninput: (e) => { search = e.target.value; show(); } }));
  box.replaceChildren(controls, empty, pre);
  function show() {
    const log = logs.get(current);
    if (!log) { pre.replaceChildren(); return; }
    empty.remove();
    if (!search) {
      pre.textContent = log.lines.length ? log.lines.join("\n") + "\n" : "";
    } else {
      pre.replaceChildren(...log.lines.filter((l) => l.includes(search)).map((line) => {
        const at = line.indexOf(search);
        return h("span", {}, line.slice(0, at), h("span", { class: "hit" }, search), line.slice(at + search.length) + "\n");
      }));
    }
    if (follow) pre.scrollTop = pre.scrollHeight;
  }
  function drawTabs() {
    tabs.replaceChildren(...[...logs.entries()].map(([path, log]) => h("button", { class: path === current ? "active" : "",
      onclick: () => { current = path; drawTabs(); show(); } }, log.rank !== null ? `rank ${log.rank}` : path)));
  }
  return {
    add(chunk) {
      if (!logs.has(chunk.log)) {
        logs.set(chunk.log, { lines: [], rank: chunk.rank });
        if (current === null || (chunk.rank === 0)) current = chunk.log;
        drawTabs();
      }
      const log = logs.get(chunk.log);
      const added = chunk.skipped ? [`… (${chunk.skipped} bytes before this)`, ...chunk.lines] : chunk.lines;
      for (const line of added) log.lines.push(line);
      const over = log.lines.length - MAX_LINES;
      if (over > 0) log.lines.splice(0, over, `… (${over} earlier lines let go)`);
      if (window.ferry.record) for (const line of chunk.lines) window.ferry.record.push(["log", line, Date.now()]);
      if (chunk.log !== current) return;
      if (search || over > 0 || !pre.firstChild && log.lines.length !== added.length) {
        show();
      } else {
        empty.remove();
        pre.append(added.join("\n") + "\n");
        if (follow) pre.scrollTop = pre.scrollHeight;
      }
    },
    reset() { logs = new Map(); current = null; drawTabs(); show(); },
  };
}

async function snapshotFiles(run, box) {
  if (!run.snapshot || !run.snapshot.id) { box.replaceChildren(h("p", { class: "muted" }, "no code")); return; }
  let files;
  try { ({ body: files } = await api(`/api/runs/${encodeURIComponent(run.name)}/snapshot`)); }
  catch (error) { if (!(error instanceof Stale)) box.replaceChildren(h("p", { class: "error" }, error.message)); return; }
  const view = h("pre", { id: "file" }, "pick a file");
  const list = h("ul", {}, ...files.map((f) => h("li", {}, h("a", { href: "#", "data-path": f.path, onclick: async (e) => {
    e.preventDefault();
    list.querySelectorAll("a").forEach((a) => a.classList.toggle("active", a === e.target));
    try {
      const response = await fetch(`/api/runs/${encodeURIComponent(run.name)}/snapshot/${f.path.split("/").map(encodeURIComponent).join("/")}`);
      view.textContent = response.ok ? await response.text() : (await response.json()).error;
    } catch (error) { view.textContent = error.message; }
  } }, `${f.path} (${f.size} B)`))));
  box.replaceChildren(h("div", { class: "files" }, list, view));
}

// ---- sweeps ---------------------------------------------------------------------------------

function sweepSections(run) {
  const sweep = run.sweep;
  const metric = sweep.objective.primary_metric;
  const names = sweep.trials.length ? Object.keys(sweep.trials[0].values) : [];
  const early = (t) => (t.error || "").startsWith("early termination");
  const table = h("table", { id: "trials" }, h("thead", {}, h("tr", {}, h("th", {}, "trial"), h("th", {}, "status"),
    ...names.map((n) => h("th", {}, n)), h("th", {}, `${metric} (${sweep.objective.goal})`))),
  h("tbody", {}, ...sweep.trials.map((t) => h("tr", { class: early(t) ? "terminated" : "", "data-trial": t.name },
    h("td", { class: "keep" }, runLink(t.name), t.name === sweep.best_trial ? " ★" : ""),
    h("td", { class: "keep" }, badge(t.status), early(t) ? h("span", { class: "muted" }, " early-terminated") : ""),
    ...names.map((n) => h("td", { class: "num" }, number(t.values[n]))), h("td", { class: "num" }, number(t.metric))))));
  const chartBox = h("div", { id: "trials-chart", class: "charts" });
  const scored = sweep.trials.filter((t) => t.metric !== null).sort((a, b) => a.number - b.number);
  if (scored.length) {
    // The primary metric by trial number.
    const byTrial = new uPlot({ width: 460, height: 240, scales: { x: { time: false } },
      series: [{ label: "trial" }, { label: metric, stroke: PALETTE[0], width: 0, points: { show: true, size: 8, fill: PALETTE[0] } }] },
    [scored.map((t) => t.number), scored.map((t) => t.metric)], h("div"));
    window.ferry.charts[`sweep:${metric}`] = byTrial;
    leaving.push(() => byTrial.destroy());
    chartBox.append(h("div", { class: "chart" }, h("h3", {}, `${metric} by trial`), byTrial.root));
    // Parallel coordinates: one line a trial across its params (each scaled to [0, 1]) and the
    // metric, coloured from worst to best.
    const axes = [...names.filter((n) => scored.every((t) => typeof t.values[n] === "number")), metric];
    const value = (t, axis) => axis === metric ? t.metric : t.values[axis];
    const range = axes.map((axis) => { const vs = scored.map((t) => value(t, axis)); return [Math.min(...vs), Math.max(...vs)]; });
    const [low, high] = range[range.length - 1];
    const goodness = (t) => high === low ? 1 : (sweep.objective.goal === "minimize" ? high - t.metric : t.metric - low) / (high - low);
    const parallel = new uPlot({ width: 460, height: 240, legend: { show: false }, scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [{ values: (u, ticks) => ticks.map((t) => axes[t] !== undefined && Number.isInteger(t) ? axes[t] : ""), incrs: [1] }, { show: false }],
      series: [{}, ...scored.map((t) => ({ label: t.name, stroke: `hsl(${Math.round(120 * goodness(t))}, 70%, 42%)`, width: 1.5, dash: early(t) ? [4, 4] : undefined }))] },
    [axes.map((_, i) => i), ...scored.map((t) => axes.map((axis, i) => range[i][1] === range[i][0] ? 0.5 : (value(t, axis) - range[i][0]) / (range[i][1] - range[i][0])))], h("div"));
    window.ferry.charts["sweep:parallel"] = parallel;
    leaving.push(() => parallel.destroy());
    chartBox.append(h("div", { class: "chart" }, h("h3", {}, "params against the metric (green best)"), parallel.root));
  }
  const counts = Object.entries(sweep.trial_counts).map(([s, n]) => `${n} ${s}`).join(", ");
  return [h("h2", {}, "Sweep"), facts([["objective", `${sweep.objective.goal} ${metric}`], ["sampling", sweep.sampling.algorithm], ["trials", counts],
    ["best trial", sweep.best_trial ? runLink(sweep.best_trial) : null]]), chartBox, h("h2", {}, "Trials, best first"), table];
}

// ---- pipelines ------------------------------------------------------------------------------

function pipelineSections(run) {
  const steps = run.pipeline.steps;
  const depth = {};
  const level = (step) => {
    if (depth[step.step] !== undefined) return depth[step.step];
    depth[step.step] = 0;
    const before = step.after.map((a) => steps.find((s) => s.step === a)).filter(Boolean);
    return (depth[step.step] = before.length ? 1 + Math.max(...before.map(level)) : 0);
  };
  steps.forEach(level);
  const layers = [];
  for (const step of steps) (layers[depth[step.step]] = layers[depth[step.step]] || []).push(step);
  const dag = h("div", { class: "dag", id: "dag" });
  const boxes = {};
  for (const layer of layers) {
    dag.append(h("div", { class: "layer" }, ...(layer || []).map((step) => (boxes[step.step] = h("div", { class: `step ${step.status}`, "data-step": step.step },
      h("div", {}, h("strong", {}, step.step)), h("div", {}, badge(step.status)),
      step.run ? h("div", {}, runLink(step.run)) : null,
      step.reused_from ? h("div", { class: "reused" }, "reused from ", runLink(step.reused_from)) : null)))));
  }
  // The edges, once the boxes are laid out.
  requestAnimationFrame(() => {
    const origin = dag.getBoundingClientRect();
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("width", origin.width); svg.setAttribute("height", origin.height);
    for (const step of steps) for (const before of step.after) {
      if (!boxes[before] || !boxes[step.step]) continue;
      const a = boxes[before].getBoundingClientRect(), b = boxes[step.step].getBoundingClientRect();
      const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      const x1 = a.right - origin.left, y1 = a.top + a.height / 2 - origin.top, x2 = b.left - origin.left, y2 = b.top + b.height / 2 - origin.top;
      path.setAttribute("d", `M${x1},${y1} C${x1 + 30},${y1} ${x2 - 30},${y2} ${x2},${y2}`);
      path.setAttribute("fill", "none"); path.setAttribute("stroke", "#9aa3b5"); path.setAttribute("stroke-width", "1.5");
      svg.append(path);
    }
    dag.prepend(svg);
  });
  return [h("h2", {}, "Pipeline"), dag];
}

// ---- environments, datasets, models --------------------------------------------------------

const GROUPS = {
  environments: { title: "Environments", noun: "environment", columns: ["name", "version", "runtime", "hash", "created_at", "description"] },
  datasets: { title: "Datasets", noun: "dataset", columns: ["name", "version", "type", "files", "bytes", "created_at", "description"] },
  models: { title: "Models", noun: "model", columns: ["name", "version", "type", "framework", "run", "created_at"] },
};

function cell(key, value) {
  if (key === "run" && value) return runLink(value);
  if (key === "created_at") return shortTime(value);
  return text(value);
}

async function assetsPage(group, query) {
  const { title, columns } = GROUPS[group];
  document.title = `${title} · ferry`;
  const all = query.get("all_versions") === "1";
  const { body: rows } = await api(`/api/${group}${all ? "?all_versions=1" : ""}`);
  const toggle = link(`/${group}${all ? "" : "?all_versions=1"}`, all ? "latest versions only" : "every version");
  setPage(h("h1", {}, title), h("p", { class: "muted" }, all ? "every version " : "the latest version of each ", "· ", toggle),
    rows.length ? h("table", { id: group }, h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", {}, c === "created_at" ? "created" : c)))),
      h("tbody", {}, ...rows.map((row) => h("tr", { "data-name": `${row.name}:${row.version}` },
        ...columns.map((c) => h("td", {}, c === "name" ? link(`/${group}/${encodeURIComponent(row.name + ":" + row.version)}`, row.name) : cell(c, row[c])))))))
      : h("p", { class: "muted" }, `no ${group} yet`));
  ready();
}

async function assetPage(group, name) {
  const { noun, columns } = GROUPS[group];
  const [{ body: record }, { body: every }] = await Promise.all([
    api(`/api/${group}/${encodeURIComponent(name)}`), api(`/api/${group}?all_versions=1&include_archived=1`)]);
  document.title = `${record.name}:${record.version} · ferry`;
  const versions = every.filter((r) => r.name === record.name);
  const shown = Object.entries(record).filter(([k, v]) => !["lineage", "definition", "tags", "properties", "fetched", "materialized"].includes(k) && v !== null && typeof v !== "object");
  const sections = [h("h1", {}, `${noun} ${record.name}:${record.version}`, record.archived ? h("span", { class: "status Canceled" }, "archived") : null),
    facts(shown.map(([k, v]) => [k, cell(k, v)]))];
  if (Object.keys(record.tags || {}).length) sections.push(h("h2", {}, "Tags"), keyValues(record.tags, "tags"));
  if (Object.keys(record.properties || {}).length) sections.push(h("h2", {}, "Properties"), keyValues(record.properties, "properties"));
  if (record.lineage) {
    const l = record.lineage;
    sections.push(h("h2", {}, "Lineage"), facts(Object.entries(l).map(([k, v]) => [k, k === "run" && v ? runLink(v) : text(v)])));
  }
  for (const key of ["definition", "materialized", "fetched"]) {
    if (record[key]) sections.push(h("h2", {}, key), h("pre", {}, JSON.stringify(record[key], null, 2)));
  }
  sections.push(h("h2", {}, "Versions"), h("table", { id: "versions" }, h("tbody", {}, ...versions.map((v) => h("tr", { class: v.version === record.version ? "diff" : "" },
    h("td", {}, link(`/${group}/${encodeURIComponent(v.name + ":" + v.version)}`, `${v.name}:${v.version}`)),
    ...columns.filter((c) => c !== "name" && c !== "version").map((c) => h("td", { class: "value" }, cell(c, v[c]))))))));
  setPage(...sections);
  ready();
}

// ---- comparing runs -------------------------------------------------------------------------

async function comparePage(query) {
  const names = (query.get("runs") || "").split(",").filter(Boolean);
  if (names.length < 2) throw new Error("compare needs two or more runs: /compare?runs=A,B");
  document.title = `compare ${names.join(", ")} · ferry`;
  const [shown, metrics] = await Promise.all([
    Promise.all(names.map((n) => api(`/api/runs/${encodeURIComponent(n)}`).then((r) => r.body))),
    Promise.all(names.map((n) => api(`/api/runs/${encodeURIComponent(n)}/metrics`).then((r) => r.body))),
  ]);
  const rows = [];
  const keys = (pick) => [...new Set(shown.flatMap((r) => Object.keys(pick(r) || {})))].sort();
  for (const key of keys((r) => r.tracked.params)) rows.push([`params.${key}`, shown.map((r) => r.tracked.params[key])]);
  for (const key of keys((r) => r.tracked.metrics)) rows.push([`metrics.${key}`, shown.map((r) => r.tracked.metrics[key] ? r.tracked.metrics[key].last : undefined)]);
  rows.unshift(["status", shown.map((r) => r.status)], ["duration", shown.map((r) => r.duration)]);
  const table = h("table", { id: "comparison" }, h("thead", {}, h("tr", {}, h("th", {}), ...shown.map((r) => h("th", {}, runLink(r.name))))),
    h("tbody", {}, ...rows.map(([key, values]) => {
      const differs = new Set(values.map((v) => text(v))).size > 1;
      return h("tr", { class: differs ? "diff" : "", "data-key": key }, h("th", {}, key), ...values.map((v) => h("td", { class: "value num" }, number(v))));
    })));
  const area = h("div", { class: "charts" });
  for (const key of keys((r) => r.tracked.metrics)) {
    const series = metrics.map((m, i) => ({ label: names[i], points: m.metrics[key] ? m.metrics[key].history : [] }));
    const { box, plot } = chart(key, series, "step", 0);
    window.ferry.charts[key] = plot;
    leaving.push(() => plot.destroy());
    area.append(box);
  }
  setPage(h("h1", {}, "Compare"), h("p", { class: "muted" }, "rows whose values differ are marked"), table, h("h2", {}, "Metrics"), area);
  ready();
}

// The header's links move within the page too.
document.querySelector("header").addEventListener("click", (event) => {
  const a = event.target.closest("a");
  if (a && a.origin === location.origin) follow(event, a.pathname + a.search);
});

api("/api/workspace").then(({ body }) => {
  document.getElementById("workspace").textContent = `workspace ${body.name}`;
}).catch(() => {});
route();
