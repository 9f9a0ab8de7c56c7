# Black-box tests of `ferry compute create/update/list/show/delete` and of the queue that
# max_concurrent_runs puts in front of a compute (contract: shared-notes/run_contract.md).
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# --- create, list, show

test_local_exists_implicitly() {
    ferry compute show local -o json
    expect_status 0
    expect_no_err
    expect_json
    expect_jq '.name == "local" and .type == "local" and .max_concurrent_runs == 1'
    expect_jq '.implicit == true and .active_runs == 0 and .queued_runs == 0'
    expect_jq 'has("gpus") and has("created_at")'
}

test_list_shows_local_implicitly() {
    ferry compute list
    expect_status 0
    expect_no_err
    [[ $(head -n 1 <<<"$OUT") =~ ^NAME\ +TYPE\ +MAX_CONCURRENT_RUNS\ +ACTIVE_RUNS\ +QUEUED_RUNS\ *$ ]] ||
        fail "unexpected header"
    [[ $(sed -n 2p <<<"$OUT") =~ ^local\ +local\ +1\ +0\ +0\ *$ ]] || fail "unexpected local row"
    [[ $(wc -l <<<"$OUT") == 2 ]] || fail "expected a header and one row"
    ferry compute list -o json
    expect_status 0
    expect_json
    expect_jq '[.[].name] == ["local"]'
}

test_create_from_the_sample_file() {
    ferry compute create -f "$FERRY_SOURCE_DIR/samples/compute/local.yml"
    expect_status 0
    ferry compute show local -o json
    expect_status 0
    expect_jq '.name == "local" and .type == "local" and .max_concurrent_runs == 2'
    expect_jq '.implicit == false'
    ferry compute list -o json
    expect_jq '[.[].name] == ["local"]'
}

test_create_from_flags() {
    ferry compute create --name gpu-box --type local --max-concurrent-runs 3 --gpus 1 --no-gpu-check
    expect_status 0
    ferry compute show gpu-box -o json
    expect_status 0
    expect_jq '.name == "gpu-box" and .type == "local" and .max_concurrent_runs == 3 and .gpus == 1'
    expect_jq '.implicit == false and .active_runs == 0 and .queued_runs == 0'
    expect_jq '(.created_at | type) == "string"'
    ferry compute list -o json
    expect_jq '[.[].name] | sort == ["gpu-box", "local"]'
}

test_create_with_set_overrides_the_file() {
    ferry compute create -f "$FERRY_SOURCE_DIR/samples/compute/local.yml" --set max_concurrent_runs=5
    expect_status 0
    ferry compute show local -o json
    expect_jq '.max_concurrent_runs == 5'
}

test_create_a_duplicate_exits_2() {
    ferry compute create --name twice --type local
    expect_status 0
    ferry compute create --name twice --type local --max-concurrent-runs 4
    expect_status 2
    expect_out ""
    expect_one_err_line
    expect_err_contains "ferry compute update twice"
    ferry compute show twice -o json
    expect_jq '.max_concurrent_runs == 1'
}

test_update_changes_a_compute_and_keeps_what_it_does_not_name() {
    ferry compute create --name box --type local --max-concurrent-runs 2 --gpus 1 --no-gpu-check
    expect_status 0
    ferry compute show box -o json
    local created
    created=$(jq -r .created_at <<<"$OUT")
    ferry compute update box --max-concurrent-runs 4 --description "the box" -o json
    expect_status 0
    expect_no_err
    expect_jq '.max_concurrent_runs == 4 and .gpus == 1 and .description == "the box"'
    expect_jq ".created_at == \"$created\" and .implicit == false"
    ferry compute update box --set gpus=2 --no-gpu-check
    expect_status 0
    ferry compute show box -o json
    expect_jq '.max_concurrent_runs == 4 and .gpus == 2'
    # The implicit local gets values of its own.
    ferry compute update local --max-concurrent-runs 3 -o json
    expect_status 0
    expect_jq '.max_concurrent_runs == 3 and .implicit == false'
}

test_gpus_this_machine_does_not_show_are_refused_unless_declared() {
    # No nvidia-smi on this PATH: the machine shows no GPU.
    PATH=/usr/bin:/bin ferry compute create --name gpu --gpus 2
    expect_status 2
    expect_one_err_line
    expect_err_contains "compute 'gpu': gpus is 2, but nvidia-smi shows 0 GPUs on this machine"
    expect_err_contains "--no-gpu-check"
    ferry compute list -o json
    expect_jq 'map(.name) == ["local"]'
    PATH=/usr/bin:/bin ferry compute create --name gpu --gpus 2 --no-gpu-check -o json
    expect_status 0
    expect_jq '.gpus == 2'
    # An update that leaves the GPUs alone is not checked again; one that adds some is.
    PATH=/usr/bin:/bin ferry compute update gpu --max-concurrent-runs 2
    expect_status 0
    PATH=/usr/bin:/bin ferry compute update gpu --gpus 3
    expect_status 2
    expect_err_contains "gpus is 3, but nvidia-smi shows 0 GPUs"
    ferry compute show gpu -o json
    expect_jq '.gpus == 2 and .max_concurrent_runs == 2'
}

test_update_refuses_bad_changes_and_leaves_the_compute() {
    ferry compute create --name box --type local --max-concurrent-runs 2
    ferry compute update box
    expect_status 2
    expect_one_err_line
    expect_err_contains "--max-concurrent-runs N"
    ferry compute update box --max-concurrent-runs 0
    expect_status 2
    # The mistake is in the flag, not in a line of a file.
    expect_err_contains "--set max_concurrent_runs=0: 'max_concurrent_runs' must be at least 1, got 0"
    ferry compute update box --set max_concurent_runs=3
    expect_status 2
    expect_err_contains "did you mean 'max_concurrent_runs'"
    ferry compute update box --set type=slurm
    expect_status 2
    expect_err_contains "keeps its type"
    ferry compute update box --set name=other
    expect_status 2
    expect_err_contains "keeps its name"
    ferry compute update nothing --gpus 1
    expect_status 2
    expect_err_contains "no compute named 'nothing'"
    ferry compute show box -o json
    expect_jq '.max_concurrent_runs == 2 and .gpus == null'
    ferry compute list -o json
    expect_jq 'map(.name) == ["local", "box"]'
}

test_update_lets_queued_runs_start() {
    write_job job.yml "$(gate "$TEST_ROOT/gate")"
    submit -f job.yml -n u1
    submit -f job.yml -n u2
    submit -f job.yml -n u3
    wait_status u1 Running 10
    wait_status u3 Queued 5
    ferry compute update local --max-concurrent-runs 3
    expect_status 0
    # The queued supervisors read the compute again as they wait.
    wait_status u2 Running 10
    wait_status u3 Running 10
    ferry compute show local -o json
    expect_jq '.active_runs == 3 and .queued_runs == 0'
    open_gate "$TEST_ROOT/gate"
    local run
    for run in u1 u2 u3; do
        ferry run wait "$run"
        expect_status 0
    done
}

test_slurm_computes_are_created_from_a_file_or_flags() {
    ferry compute create -f "$FERRY_SOURCE_DIR/samples/compute/slurm.yml" -o json
    expect_status 0
    expect_jq '.name == "cluster" and .type == "slurm" and .partition == "debug"'
    expect_jq '.max_instances == 2 and .sbatch_args == ["--exclusive"] and .max_concurrent_runs == null'
    ferry compute create --name other --type slurm -o json
    expect_status 0
    expect_jq '.type == "slurm" and .partition == null and .max_instances == null'
    # show asks sinfo; without a reachable cluster it says why instead.
    SLURM_CONF=$TEST_ROOT/no-such-slurm.conf ferry compute show cluster -o json
    expect_status 0
    expect_jq '.nodes.error != null'
    ferry compute list -o json
    expect_jq 'map(.name) == ["local", "cluster", "other"]'
    ferry compute create --name bad --type ssh
    expect_status 2
    expect_err_contains "compute type 'ssh'"
}

test_show_of_an_unknown_compute_exits_2() {
    ferry compute show nope
    expect_status 2
    expect_out ""
    expect_one_err_line
    expect_err_contains "nope"
}

# --- delete

test_delete_an_idle_compute() {
    ferry compute create --name spare --type local
    ferry compute delete spare
    expect_status 0
    ferry compute show spare
    expect_status 2
    ferry compute list -o json
    expect_jq '[.[].name] == ["local"]'
}

test_delete_refused_while_a_run_is_active_then_forced() {
    ferry compute create --name busy --type local
    expect_status 0
    write_job job.yml "$(gate "$TEST_ROOT/gate")"
    submit -f job.yml -n occupant --compute busy
    wait_status occupant Running
    ferry run show occupant -o json
    expect_jq '.compute == "busy"'
    ferry compute show busy -o json
    expect_jq '.active_runs == 1'
    ferry compute delete busy
    expect_status 1
    expect_one_err_line
    expect_err_contains "busy"
    ferry compute show busy
    expect_status 0
    [[ $(run_status occupant) == Running ]] || fail "the refused delete touched the run"
    ferry compute delete busy --force
    expect_status 0
    [[ $(run_status occupant) == Canceled ]] || fail "the run was not canceled: $(run_status occupant)"
    ferry compute show busy
    expect_status 2
}

# --- the queue

test_one_at_a_time_on_the_default_local() {
    write_job a.yml "echo a; $(gate "$TEST_ROOT/gate-a")"
    write_job b.yml 'echo b'
    submit -f a.yml -n first
    wait_status first Running
    submit -f b.yml -n second
    wait_status second Queued 5
    sleep 1
    [[ $(run_status second) == Queued ]] || fail "the second run left the queue: $(run_status second)"
    [[ $(run_status first) == Running ]] || fail "the first run is not running: $(run_status first)"
    ferry compute show local -o json
    expect_jq '.active_runs == 1 and .queued_runs == 1'
    ferry compute list -o json
    expect_jq '[.[] | select(.name == "local") | .active_runs] == [1]'
    open_gate "$TEST_ROOT/gate-a"
    ferry run wait second
    expect_status 0
    ferry run show second -o json
    expect_jq '[.history[].status] | index("Queued") != null and index("Preparing") != null and index("Queued") < index("Preparing")'
    ferry run show first -o json
    expect_jq '.status == "Completed"'
}

test_two_runs_queue_with_max_one() {
    # s1 holds the slot until the gate opens: a loaded machine cannot end it early.
    write_job job.yml "$(gate "$TEST_ROOT/gate")"
    submit -f job.yml -n s1
    submit -f job.yml -n s2
    wait_status s1 Running 10
    [[ $(run_status s2) == Queued ]] || fail "s2 is not Queued while s1 runs: $(run_status s2)"
    open_gate "$TEST_ROOT/gate"
    ferry run wait s1
    expect_status 0
    ferry run wait s2
    expect_status 0
    ferry run show s2 -o json
    expect_jq '[.history[].status] | index("Queued") != null and index("Queued") < index("Preparing")'
}

test_two_at_once_with_max_two() {
    ferry compute create --name pair --type local --max-concurrent-runs 2
    expect_status 0
    write_job job.yml "$(gate "$TEST_ROOT/gate")"
    submit -f job.yml -n p1 --compute pair
    submit -f job.yml -n p2 --compute pair
    submit -f job.yml -n p3 --compute pair
    wait_status p1 Running
    wait_status p2 Running
    wait_status p3 Queued 5
    ferry compute show pair -o json
    expect_jq '.active_runs == 2 and .queued_runs == 1'
    open_gate "$TEST_ROOT/gate"
    local run
    for run in p1 p2 p3; do
        ferry run wait "$run"
        expect_status 0
    done
}

test_queue_keeps_submission_order() {
    write_job a.yml "$(gate "$TEST_ROOT/gate-a")"
    write_job b.yml "$(gate "$TEST_ROOT/gate-b")"
    write_job c.yml 'echo c'
    submit -f a.yml -n qa
    wait_status qa Running
    submit -f b.yml -n qb
    submit -f c.yml -n qc
    wait_status qb Queued 5
    wait_status qc Queued 5
    open_gate "$TEST_ROOT/gate-a"
    wait_status qb Running 20
    [[ $(run_status qc) == Queued ]] || fail "qc left the queue before qb ended: $(run_status qc)"
    open_gate "$TEST_ROOT/gate-b"
    ferry run wait qc
    expect_status 0
}

test_computes_do_not_share_a_queue() {
    ferry compute create --name other --type local
    write_job a.yml "$(gate "$TEST_ROOT/gate")"
    write_job b.yml 'echo elsewhere'
    submit -f a.yml -n on-local
    wait_status on-local Running
    submit -f b.yml -n on-other --compute other --wait
    [[ $(run_status on-other) == Completed ]] || fail "on-other: $(run_status on-other)"
    open_gate "$TEST_ROOT/gate"
    ferry run wait on-local
    expect_status 0
}
