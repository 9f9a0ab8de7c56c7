# Black-box tests of `ferry workspace verify` and `ferry workspace gc`: verify finds each
# planted fault (a missing blob, a damaged blob, a truncated manifest, a run left live by a
# killed supervisor) and --repair puts right what the sources allow; gc reclaims what no
# record names, also while a submit of the same files runs.
# shellcheck shell=bash

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# The number of blobs in the workspace's store.
blob_count() {
    find "$(workspace_dir)/objects" -mindepth 2 -path '*/objects/??/*' -type f | wc -l
}

more_blobs_than() {
    (($(blob_count) > $1))
}

test_verify_of_a_clean_workspace_exits_0() {
    write_job job.yml 'true'
    ferry run submit -f job.yml -n clean --wait
    expect_status 0
    ferry workspace verify
    expect_status 0
    expect_out ""
    expect_err_contains "ferry: workspace 'default': 2 records, "
    expect_err_contains " blobs and 0 unfinished runs checked; 0 faults"
    ferry workspace verify -o json
    expect_status 0
    expect_json
    expect_jq_all '.intact == true' '.faults == []' '.checked.records == 2' '.repair == false'
}

test_verify_finds_planted_faults_and_repair_fixes_what_the_sources_allow() {
    mkdir -p data kept
    printf 'one' >data/a.txt
    printf 'two' >data/b.txt
    printf 'three' >kept/c.txt
    write_job job.yml 'true'
    printf 'code' >src/main.txt
    ferry run submit -f job.yml -n r --wait
    expect_status 0
    ferry dataset create --name d --path data
    expect_status 0
    ferry dataset create --name k --path kept -o json
    expect_status 0
    local manifest
    manifest=$(jq -r .content <<<"$OUT")
    rm -f "$(blob_of_bytes one)"              # missing; data/a.txt still holds it
    damage_blob "$(blob_of_bytes code)" 'cude' # damaged; src/main.txt still holds it
    local kept_blob
    kept_blob="$(workspace_dir)/objects/${manifest:0:2}/${manifest:2}"
    damage_blob "$kept_blob" "$(head -c 10 "$kept_blob")" # a truncated manifest

    ferry workspace verify
    expect_status 1
    [[ $(wc -l <<<"$OUT") == 3 ]] || fail "expected one line per fault"
    expect_out_contains "run r (snapshot): a file's blob does not match its hash (blob $(printf code | sha256sum | cut -c1-64), main.txt)"
    expect_out_contains "dataset d:1: a file's blob is missing (blob $(printf one | sha256sum | cut -c1-64), a.txt)"
    expect_out_contains "dataset k:1: its manifest does not match its hash (blob $manifest)"
    expect_err_contains "3 faults"
    ferry workspace verify -o json
    expect_status 1
    expect_json
    expect_jq_all '.intact == false' '.faults | length == 3' \
        '[.faults[].kind] | sort == ["damaged_blob", "damaged_blob", "missing_blob"]'

    ferry workspace verify --repair
    expect_status 1 # the manifest cannot be rebuilt
    expect_out_contains "main.txt); repaired: set aside in objects/damaged/; stored again from $PWD/src/main.txt"
    expect_out_contains "a.txt); repaired: stored again from $PWD/data/a.txt"
    expect_out_contains "dataset k:1: its manifest does not match its hash (blob $manifest); not repaired: set aside in objects/damaged/; a manifest cannot be rebuilt: the files it listed are unknown"
    expect_err_contains "3 faults, 2 repaired"
    cmp -s "$(blob_of_bytes code)" <(printf code) || fail "the damaged blob was not stored again"
    cmp -s "$(blob_of_bytes one)" <(printf one) || fail "the missing blob was not stored again"
    ferry workspace verify
    expect_status 1
    [[ $OUT == "dataset k:1: its manifest is missing (blob $manifest)" ]] || fail "only the manifest should be left"
}

test_verify_repair_ends_a_run_left_live_by_a_killed_supervisor() {
    write_job job.yml 'sleep 30'
    submit -f job.yml -n stale
    wait_status stale Running
    local supervisor
    supervisor=$(run_field stale '.supervisor.pid')
    [[ $supervisor =~ ^[0-9]+$ ]] || fail "no supervisor pid: '$supervisor'"
    kill -KILL "$supervisor"
    wait_until 10 bash -c "! kill -0 $supervisor"
    ferry workspace verify
    expect_status 1
    expect_out "run stale: Running without a live supervisor (pid $supervisor is gone)"
    ferry workspace verify --repair -o json
    expect_status 0
    expect_jq_all '.intact == true' '.faults[0].kind == "stale_run"' '.faults[0].repaired == true' \
        '.faults[0].repair == "ended Failed: supervisor lost; its files stored"'
    [[ $(run_status stale) == Failed ]] || fail "the run is $(run_status stale)"
    ferry workspace verify
    expect_status 0
}

test_gc_reclaims_orphans_of_a_killed_snapshot_while_a_submit_of_the_same_files_completes() {
    python3 -c '
import os
for i in range(4000):
    d = "big/d%02d" % (i % 40)
    os.makedirs(d, exist_ok=True)
    open("%s/f%05d.txt" % (d, i), "w").write("file %d\n" % i)'
    "$FERRY" run snapshot big --store >/dev/null 2>snapshot.err &
    local snapshot=$! deadline status=0
    # Killed once it has stored some blobs; a loaded machine may take long to hash the tree
    # first, and a fast one may finish before it is killed: then no run uses what it stored.
    deadline=$(($(now_ms) + 120000))
    until more_blobs_than 20 || ! kill -0 "$snapshot" 2>/dev/null; do
        (($(now_ms) < deadline)) || fail "the snapshot stored no 21 blobs in 120 s"
        sleep 0.05
    done
    kill -KILL "$snapshot" 2>/dev/null || true
    wait "$snapshot" || status=$?
    # 137: the kill above; 0: it finished first. Anything else is a failure of its own.
    [[ $status == 0 || $status == 137 ]] ||
        fail "the snapshot ended by itself with status $status after $(blob_count) blobs: $(cat snapshot.err)"
    more_blobs_than 20 || fail "the snapshot (status $status) left $(blob_count) blobs: $(cat snapshot.err)"
    touch -d '2 hours ago' "$(workspace_dir)"/objects/tmp/* 2>/dev/null || true

    # A submit of part of the tree (100 of its files) reuses what it finds, while gc runs
    # again and again.
    printf 'type: command\ncode: big/d07\ncommand: cat f00007.txt\n' >job.yml
    (for _ in 1 2 3 4 5 6; do "$FERRY" workspace gc -o json >>gc.json 2>>gc.err || exit 1; done) &
    local gc=$!
    ferry run submit -f job.yml -n same --wait
    expect_status 0
    wait "$gc" || fail "gc failed: $(cat gc.err)"
    [[ $(run_log same) == "file 7" ]] || fail "the job saw: $(run_log same)"
    jq -s -e 'map(.orphaned_blobs.files) | add > 0' gc.json >/dev/null ||
        fail "gc reclaimed no orphans: $(cat gc.json)"
    ferry workspace verify
    expect_status 0
    ferry run submit -f job.yml -n again --wait
    expect_status 0
    [[ $(run_log again) == "file 7" ]] || fail "the second job saw: $(run_log again)"
}

test_gc_dry_run_says_what_would_go_and_removes_nothing() {
    mkdir code
    printf 'x' >code/a.txt
    ferry run snapshot code --store # no run uses it: its 2 blobs are garbage
    expect_status 0
    mkdir -p "$(workspace_dir)/objects/damaged" "$(workspace_dir)/cache/stat"
    printf 'bad' >"$(workspace_dir)/objects/damaged/x.1"
    printf 'old' >"$(workspace_dir)/cache/stat/old"
    touch -d '40 days ago' "$(workspace_dir)/cache/stat/old"
    ferry workspace gc --dry-run -o json
    expect_status 0
    expect_json
    expect_jq_all '.dry_run == true' '.orphaned_blobs.files == 2' '.damaged_blobs.files == 1' \
        '.caches.files == 1' '.total.files == 4'
    [[ $(blob_count) == 2 ]] || fail "a dry run removed blobs"
    ferry workspace gc --older-than 50
    expect_status 0
    expect_out_contains "orphaned_blobs   2"
    expect_err_contains "reclaimed 3 files"
    [[ $(blob_count) == 0 && -e "$(workspace_dir)/cache/stat/old" ]] || fail "gc removed the wrong things"
}

test_gc_refuses_a_bad_number_of_days() {
    ferry workspace gc --older-than soon
    expect_status 2
    expect_one_err_line
    ferry workspace gc --older-than -3
    expect_status 2
    expect_one_err_line
}

test_run_delete_removes_ended_runs_refuses_live_ones_and_gc_takes_their_blobs() {
    write_job job.yml 'echo hi'
    ferry run submit -f job.yml -n first --wait
    expect_status 0
    write_job live.yml 'sleep 30'
    submit -f live.yml -n live
    wait_status live Running
    ferry run delete first live
    expect_status 1
    expect_err "ferry: error: run live is Running: only ended runs are deleted (cancel it first: ferry run cancel live)"
    [[ $(run_status first) == Completed ]] || fail "a refused delete deleted first"
    ferry run delete
    expect_status 2
    expect_one_err_line
    ferry run delete --status Running
    expect_status 2
    ferry run delete first -o json
    expect_status 0
    expect_json
    expect_jq_all '. == [{"name": "first", "status": "Completed"}]'
    expect_err_contains "deleted 1 run;"
    [[ ! -e $(run_dir first) ]] || fail "the run directory is still there"
    ferry run show first
    expect_status 2
    ferry run cancel live --grace 0
    expect_status 0
    ferry workspace gc -o json
    expect_status 0
    expect_jq '.orphaned_blobs.files > 0' # first's artifacts; the snapshot live still uses
    ferry workspace verify
    expect_status 0
}
