# `ferry ui`: the workspace's pages in a real headless Chromium (Debian's, driven by Debian's
# chromedriver over WebDriver: tests/e2e/ui/scenarios.py), and its API with curl: the CLI's
# records, the token of a non-loopback address, paths that leave a run.
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# Jobs log with `ferry run log-metric`; the browser's driver is Debian's python3's.
PATH=$(dirname "$FERRY"):$PATH

# start_ui [ARGS...]: `ferry ui --port 0 ARGS` in the background until the case ends; its runs
# page's URL (what it prints) in UI_URL, the server's own in UI_BASE.
start_ui() {
    "$FERRY" ui --port 0 "$@" >ui.out 2>ui.err </dev/null &
    UI_PID=$!
    chain_exit_trap stop_ui
    wait_until 20 grep -q '^http' ui.out
    UI_URL=$(head -n 1 ui.out)
    UI_BASE=${UI_URL%%/runs*}
}

stop_ui() {
    [[ -n ${UI_PID:-} ]] || return 0
    kill -INT "$UI_PID" 2>/dev/null || true
    wait "$UI_PID" 2>/dev/null || true
    UI_PID=
}

# browse SCENARIO ARGS...: the scenario of tests/e2e/ui/scenarios.py against the ui.
browse() {
    [[ -x /usr/bin/chromedriver && -x /usr/lib/chromium/chromium-headless-shell ]] ||
        skip "chromium-driver or chromium-headless-shell is missing (scripts/install-deps.sh test)"
    local out
    if ! out=$(SCREENSHOTS=${SCREENSHOTS:-$PWD/screenshots} /usr/bin/python3 \
        "$FERRY_SOURCE_DIR/tests/e2e/ui/scenarios.py" "$@" 2>&1); then
        OUT=$out
        # shellcheck disable=SC2034 # read by fail
        ERR=$(cat ui.err 2>/dev/null || true)
        fail "browser scenario $1 failed"
    fi
    BROWSED=$out
}

# http PATH [CURL_ARGS...]: the status in HTTP_STATUS, the body in OUT.
http() {
    local path=$1
    shift
    HTTP_STATUS=$(curl -s -o body.out -w '%{http_code}' "$@" "$UI_BASE$path")
    OUT=$(cat body.out)
}

expect_http() {
    [[ $HTTP_STATUS == "$1" ]] || fail "HTTP status $HTTP_STATUS, expected $1"
}

test_the_runs_page_and_a_run_page_follow_a_job_live_in_chromium() {
    write_job job.yml "echo first line && ferry run log-metric loss 1.0 --step 0 && $(gate "$PWD/log.gate") && echo second line && ferry run log-metric loss 0.5 --step 1 && ferry run log-metric loss 0.25 --step 2 && $(gate "$PWD/end.gate") && echo done"
    submit -f job.yml -n live
    wait_status live Running
    start_ui
    browse live_run "$UI_URL" live "$PWD/log.gate" "$PWD/end.gate"
    wait_status live Completed
    [[ -s screenshots/run-live.png ]] || fail "no screenshot of the run's page"
}

test_two_runs_are_compared_from_the_runs_page() {
    write_job a.yml 'ferry run log-param lr 0.1 && ferry run log-param epochs 3 && ferry run log-metric loss 0.9 --step 0 && ferry run log-metric loss 0.5 --step 1'
    write_job b.yml 'ferry run log-param lr 0.01 && ferry run log-param epochs 3 && ferry run log-metric loss 0.8 --step 0 && ferry run log-metric loss 0.3 --step 1'
    submit -f a.yml -n first --wait
    submit -f b.yml -n second --wait
    start_ui
    browse compare "$UI_URL" first second
}

test_a_long_runs_list_draws_only_the_rows_in_view() {
    write_job job.yml 'true'
    submit -f job.yml -n seed --wait
    # 1,499 more runs: the seed's rows cloned in the database, as bench/ui.sh makes its 10,000.
    local db
    db=$("$FERRY" workspace show -o json | jq -r .database)
    BENCH_DIR=$FERRY_SOURCE_DIR/bench /usr/bin/python3 - "$db" <<'EOF'
import os, sqlite3, sys
sys.path.insert(0, os.environ["BENCH_DIR"])
from clone_runs import Cloner
db = sqlite3.connect(sys.argv[1], isolation_level=None)
cloner = Cloner(db, sys.argv[1], "seed")
db.execute("BEGIN")
for i in range(1499):
    cloner.clone(i + 1, f"clone_{i:04d}", "long")
db.execute("COMMIT")
EOF
    start_ui
    browse long_list "$UI_URL" 1500 clone_1498 seed
}

test_a_sweep_and_a_pipeline_have_their_pages() {
    mkdir -p src
    printf 'code\n' >src/README.txt
    cat >sweep.yml <<'EOF'
type: sweep
trial:
  code: src
  command: ferry run log-metric score ${{search_space.x}} && ferry run log-param width ${{search_space.w}}
search_space:
  x: {type: choice, values: [1, 3, 2]}
  w: {type: choice, values: [8]}
objective: {goal: maximize, primary_metric: score}
sampling_algorithm: grid
limits: {max_total_trials: 3, max_concurrent_trials: 3}
EOF
    cat >pipe.yml <<'EOF'
type: pipeline
jobs:
  make:
    command: echo made > ${{outputs.out}}/made.txt
    outputs:
      out:
  use:
    command: cat ${{inputs.made}}/made.txt
    inputs:
      made: ${{parent.jobs.make.outputs.out}}
EOF
    # A bandit policy stops the trial of 85 at its first report (it would sleep on): marked.
    cat >bandit.yml <<'EOF'
type: sweep
trial:
  code: src
  command: for step in 1 2 3; do ferry run log-metric score ${{search_space.v}} --step $step; [ ${{search_space.v}} -lt 90 ] && sleep 30; done; true
search_space:
  v: {type: choice, values: [100, 85]}
objective: {goal: maximize, primary_metric: score}
sampling_algorithm: grid
limits: {max_total_trials: 2, max_concurrent_trials: 1}
early_termination: {type: bandit, slack_factor: 0.1, evaluation_interval: 1}
EOF
    ferry compute update local --max-concurrent-runs 4
    submit -f sweep.yml -n grid --wait
    submit -f bandit.yml -n bandit --wait
    submit -f pipe.yml -n pipe1 --wait
    submit -f pipe.yml -n pipe2 --wait
    start_ui
    browse sweep "$UI_URL" grid 3 0
    browse sweep "$UI_URL" bandit 2 1
    browse pipeline "$UI_URL" pipe2 '{"make": "Completed", "use": "Completed"}'
    grep '^{' <<<"$BROWSED" | jq -e '.reused | sort == ["make", "use"]' >/dev/null ||
        fail "reuse is not marked on both steps: $BROWSED"
}

test_environments_datasets_and_models_have_their_pages() {
    write_job job.yml 'echo weights > outputs/model.bin'
    submit -f job.yml -n train --wait
    ferry model register -n net --run train --path outputs/model.bin
    expect_status 0
    mkdir -p data && echo 1,2 >data/a.csv
    ferry dataset create -n table --path data
    expect_status 0
    printf 'numpy\n' >req.txt
    ferry env create -n py --pip-requirements req.txt
    expect_status 0
    start_ui
    local group cli
    for group in environments datasets models; do
        cli=${group%s}
        [[ $cli == environment ]] && cli='env'
        http "/api/$group"
        expect_http 200
        diff <(jq -S . body.out) <("$FERRY" "$cli" list -o json </dev/null | jq -S .) ||
            fail "/api/$group differs from $cli list -o json"
    done
    http /api/models/net:1
    diff <(jq -S . body.out) <("$FERRY" model show net:1 -o json </dev/null | jq -S .) ||
        fail "/api/models/net:1 differs from model show -o json"
    http /api/datasets/table
    diff <(jq -S . body.out) <("$FERRY" dataset show table -o json </dev/null | jq -S .) ||
        fail "/api/datasets/table differs from dataset show -o json"
    http /api/environments/py@latest
    expect_http 200
    expect_jq '.name == "py" and .version == "1" and .materialized.state == "absent"'
    http /api/models/nope
    expect_http 404
    expect_jq '.error | startswith("no model '"'"'nope@latest'"'"' in workspace '"'"'default'"'"'")'
    browse assets "$UI_URL" net train
}

test_a_run_is_canceled_from_its_page_after_a_confirmation() {
    write_job job.yml 'sleep 60'
    submit -f job.yml -n long
    wait_status long Running
    start_ui
    browse cancel "$UI_URL" long
    [[ $(run_status long) == Canceled ]] || fail "run long is $(run_status long)"
}

test_the_api_answers_with_the_cli_records() {
    write_job job.yml 'echo hello && ferry run log-metric acc 0.75 --step 1 && ferry run log-param lr 0.1'
    submit -f job.yml -n one --wait
    submit -f job.yml -n two --wait --experiment other
    start_ui
    http '/api/runs?all=1'
    expect_http 200
    diff <(jq -S . body.out) <("$FERRY" run list --all -o json </dev/null | jq -S .) ||
        fail "/api/runs differs from run list -o json"
    http '/api/runs?experiment=other&columns=metrics.acc,params.lr'
    diff <(jq -S . body.out) <("$FERRY" run list --experiment other --columns metrics.acc,params.lr -o json </dev/null | jq -S .) ||
        fail "/api/runs?experiment&columns differs from the CLI's"
    http /api/runs/one
    expect_http 200
    diff <(jq -S . body.out) <("$FERRY" run show one -o json </dev/null | jq -S .) ||
        fail "/api/runs/one differs from run show -o json"
    http /api/runs/one/metrics
    diff <(jq -S . body.out) <("$FERRY" run metrics one -o json </dev/null | jq -S .) ||
        fail "/api/runs/one/metrics differs from run metrics -o json"
    # On loopback nothing is compressed, whatever a browser accepts.
    http /api/runs -H 'Accept-Encoding: gzip, deflate, br' -D headers.out
    expect_http 200
    ! grep -qi '^content-encoding' headers.out || fail "compressed on loopback: $(cat headers.out)"
    jq -e '.[0].name == "two"' body.out >/dev/null || fail "not the list: $OUT"
    # The CLI's errors, as HTTP statuses.
    http '/api/runs?filter=metrics.acc%20%3E'
    expect_http 400
    "$FERRY" run list --filter 'metrics.acc >' </dev/null 2>cli.err && fail "the CLI took the filter"
    [[ $(jq -r .error body.out) == "$(sed 's/^ferry: error: //' cli.err)" ]] ||
        fail "the API says '$(jq -r .error body.out)', the CLI '$(cat cli.err)'"
    http /api/runs/nope
    expect_http 404
    expect_jq '.error == "no run named '"'"'nope'"'"' in workspace '"'"'default'"'"'" or (.error | startswith("no run named"))'
    # A file of the snapshot, and an artifact to download.
    http /api/runs/one/snapshot
    expect_jq '.[0].path == "README.txt"'
    http /api/runs/one/snapshot/README.txt
    [[ $OUT == "code of the test job" ]] || fail "README.txt reads '$OUT'"
    http /api/runs/one/artifacts/user_logs/std_log.txt
    expect_http 200
    [[ $OUT == hello* ]] || fail "the log artifact reads '$OUT'"
    # The live stream of an ended run: its status, log, points, then its end.
    curl -sN --max-time 10 "$UI_BASE/api/runs/one/stream" >stream.out || fail "the stream did not end"
    local event
    for event in status log metric end; do
        grep -q "^event: $event\$" stream.out || fail "no $event event in: $(cat stream.out)"
    done
    grep '^data:.*"lines"' stream.out | grep -q hello || fail "no log line in the stream"
    # Pages are the one page, whatever their path; changes come only from the pages.
    http /runs/one
    expect_http 200
    [[ $OUT == *'<script src="/assets/app.js">'* ]] || fail "no page"
    http /assets/uPlot.iife.min.js
    expect_http 200
    http /api/runs/one/cancel -d ''
    expect_http 403
    http /api/runs/one/cancel -d '' -H 'X-Ferry-UI: 1'
    expect_http 409
    expect_jq '.error == "run one already ended (Completed)"'
    # A port in use is said, and changes nothing.
    ferry ui --port "${UI_BASE##*:}"
    expect_status 1
    expect_err "ferry: error: cannot listen on 127.0.0.1 port ${UI_BASE##*:}: it is in use, or not an address of this machine (--port 0 takes any free port)"
    # Another name for this machine is a DNS rebinding.
    http /api/runs -H 'Host: evil.example:80'
    expect_http 403
}

test_a_host_other_than_loopback_needs_the_token() {
    write_job job.yml 'true'
    submit -f job.yml -n one --wait
    # An address of this machine's own that no loopback ui of another case can share a port
    # with (a listener on 127.0.0.1:PORT would answer for 0.0.0.0:PORT).
    local address
    address=$(hostname -I 2>/dev/null | awk '{ print $1 }')
    start_ui --host "${address:-0.0.0.0}"
    local token=${UI_URL##*token=}
    [[ ${#token} == 64 && $UI_URL == "http://${address:-0.0.0.0}:"*/runs?token=* ]] || fail "URL $UI_URL"
    http /api/runs
    expect_http 401
    expect_jq '.error | startswith("this ferry ui needs its token")'
    http /runs
    expect_http 401
    http /api/runs -H "Authorization: Bearer ${token%?}0"
    expect_http 401
    http /api/runs -H "Authorization: Bearer $token"
    expect_http 200
    # Away from loopback, gzip where accepted; never brotli (httplib's takes seconds).
    curl -s -o list.gz -D headers.out -H "Authorization: Bearer $token" \
        -H 'Accept-Encoding: gzip, deflate, br' "$UI_BASE/api/runs"
    grep -qi '^content-encoding: gzip' headers.out || fail "not gzipped: $(cat headers.out)"
    [[ $(gzip -dc list.gz | jq -r '.[0].name') == one ]] || fail "the gzipped list is not the list"
    http /api/runs -H "Authorization: Bearer $token" -H 'Accept-Encoding: br' -D headers.out
    ! grep -qi '^content-encoding' headers.out || fail "compressed: $(cat headers.out)"
    # The URL's token once: a cookie named for this ui's port, and the page without it (the
    # rest of its query kept; a path that names another host is not followed).
    local port=${UI_BASE##*:}
    http "/runs?filter=metrics.a%20%3E%201&token=$token" -D headers.out
    expect_http 303
    grep -qi "^set-cookie: ferry_ui_token_$port=$token; Path=/; HttpOnly; SameSite=Lax" headers.out ||
        fail "no cookie: $(cat headers.out)"
    grep -qi '^location: /runs?filter=metrics.a%20%3E%201' headers.out || fail "redirect: $(cat headers.out)"
    http "//evil.example/x?token=$token" -D headers.out --path-as-is
    expect_http 303
    grep -qi '^location: /evil.example/x' headers.out || fail "redirect: $(cat headers.out)"
    http /api/runs/one -H "Cookie: ferry_ui_token_1=$token"
    expect_http 401
    http /api/runs/one -H "Cookie: theme=dark; ferry_ui_token_$port=$token"
    expect_http 200
    expect_jq '.name == "one"'
    # run show --web gives the page with its token.
    ferry run show one --web
    expect_status 0
    expect_out "${UI_BASE}/runs/one?token=$token"
}

test_paths_outside_a_run_are_refused() {
    write_job job.yml 'echo secret-free > outputs/kept.txt'
    submit -f job.yml -n one --wait
    echo 'do not serve' >"$(workspace_dir)/outside.txt"
    start_ui
    local path
    for path in ../../outside.txt ../one/README.txt ./README.txt '%2e%2e/%2e%2e/outside.txt' \
        '..%2F..%2Foutside.txt' '%2Fetc%2Fpasswd'; do
        for kind in snapshot artifacts; do
            http "/api/runs/one/$kind/$path" --path-as-is
            [[ $HTTP_STATUS == 403 || $HTTP_STATUS == 404 ]] ||
                fail "$kind/$path answered $HTTP_STATUS: $OUT"
            [[ $OUT != *'do not serve'* && $OUT != *root:* ]] || fail "$kind/$path was served"
        done
    done
    http /api/runs/one/artifacts/../../outside.txt --path-as-is
    expect_http 403
    expect_jq '.error == "'"'"'../../outside.txt'"'"' is not a path inside the run"'
    http /api/runs/one/artifacts/outputs/kept.txt
    expect_http 200
    [[ $OUT == secret-free ]] || fail "kept.txt reads '$OUT'"
    # A link in the snapshot is not followed.
    http /api/runs/one/snapshot/missing.txt
    expect_http 404
    expect_jq '.error == "no file '"'"'missing.txt'"'"' in the snapshot of run one"'
}

test_run_show_web_names_the_page_of_the_running_ui() {
    write_job job.yml 'true'
    submit -f job.yml -n one --wait
    ferry run show one --web
    expect_status 1
    expect_err "ferry: error: no 'ferry ui' serves workspace 'default': start one with 'ferry ui' (then run one's page is its /runs/one)"
    start_ui
    ferry run show one --web
    expect_status 0
    expect_out "$UI_BASE/runs/one"
    ferry run show one --web -o json
    expect_jq ".url == \"$UI_BASE/runs/one\" and .name == \"one\""
    BROWSER=true ferry run show one --open
    expect_status 0
    expect_out "$UI_BASE/runs/one"
    [[ -e $(workspace_dir)/ui.json ]] || fail "no ui.json"
    # Ctrl-C stops it cleanly, and the file goes with it.
    kill -INT "$UI_PID"
    wait "$UI_PID" || fail "ferry ui exited $? on Ctrl-C"
    UI_PID=
    grep -q '^ferry ui: stopped$' ui.err || fail "ui.err: $(cat ui.err)"
    [[ ! -e $(workspace_dir)/ui.json ]] || fail "ui.json was left"
    ferry run show one --web
    expect_status 1
}

test_readme_screenshots_come_from_sample_runs() {
    # The README's pictures (docs/ui/*.png) are these, taken with
    # FERRY_SCREENSHOTS_DIR=docs/ui ctest -R e2e.ui.readme_screenshots.
    ferry compute update local --max-concurrent-runs 4
    submit -f "$FERRY_SOURCE_DIR/samples/metrics-shell/job.yml" -n sample-train --wait
    submit -f "$FERRY_SOURCE_DIR/samples/sweep-grid/sweep.yml" -n sample-sweep --wait
    submit -f "$FERRY_SOURCE_DIR/samples/pipeline-hello-io/pipeline.yml" -n sample-pipeline --wait
    start_ui
    SCREENSHOTS=$PWD/pictures browse screenshots "$UI_URL" sample-train sample-sweep sample-pipeline
    local picture
    for picture in runs run sweep pipeline; do
        [[ $(head -c 8 "pictures/$picture.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
            fail "pictures/$picture.png is not a PNG"
    done
    if [[ -n ${FERRY_SCREENSHOTS_DIR:-} ]]; then
        mkdir -p "$FERRY_SCREENSHOTS_DIR"
        cp pictures/{runs,run,sweep,pipeline}.png "$FERRY_SCREENSHOTS_DIR/"
    fi
}
