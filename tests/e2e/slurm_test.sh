# Black-box tests of Slurm computes against a real two-node cluster on this machine
# (scripts/slurm-test-cluster.sh, started by the ctest fixture e2e.slurm.cluster_start):
# sbatch submission, statuses with Slurm's reasons, one task per node with the distribution
# variables, fail fast, cancel, timeout, scancel from outside, max_instances, and compute
# show's live sinfo (contract: shared-notes/slurm-contract.md).
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# Debian's python3 (with torch) runs the samples, not a shim in front of it.
export PATH=/usr/bin:$PATH
export SLURM_CONF=${FERRY_TEST_SLURM_DIR:-/tmp/ferry-test-slurm}/slurm.conf

# Slurm jobs of this case (their batch script is in the case's directory) are canceled when
# the case ends, also after a failed assertion, before run_lib.sh's cleanup.
cancel_case_jobs() {
    local id script
    while read -r id script; do
        if [[ $script == "$TEST_ROOT"/* ]]; then
            scancel --signal=KILL --full "$id" 2>/dev/null
            scancel "$id" 2>/dev/null
        fi
    done < <(squeue -h -o '%i %o' 2>/dev/null || true)
    return 0
}
chain_exit_trap cancel_case_jobs

# Skips the case unless the test cluster can run; waits (up to 60 s) until it answers with
# both nodes up, the jobs of an earlier case gone.
need_slurm() {
    local why deadline
    why=$(bash "$FERRY_SOURCE_DIR/scripts/slurm-test-cluster.sh" why-not)
    [[ -z $why ]] || skip "$why"
    deadline=$(($(now_ms) + 60000))
    until bash "$FERRY_SOURCE_DIR/scripts/slurm-test-cluster.sh" check &&
        [[ -z $(squeue -h -o %i 2>/dev/null) ]]; do
        (($(now_ms) < deadline)) ||
            fail "the test cluster does not answer with both nodes up and no job (see e2e.slurm.cluster_start)"
        sleep 0.5
    done
}

# The test cluster as the compute `cluster` (2 nodes at most); ferry on the nodes is the
# binary under test.
create_cluster() {
    cat >cluster.yml <<EOF
name: cluster
type: slurm
partition: debug
max_instances: 2
ferry_path: $FERRY
$*
EOF
    ferry compute create -f cluster.yml -o json
    expect_status 0
}

# slurm_job RUN: the run's Slurm job id, as run show says.
slurm_job() {
    run_field "$1" '.scheduler.job_id // empty'
}

# Whether squeue still lists the job (pending, running or completing).
in_squeue() {
    [[ -n $(squeue -h -j "$1" -t PENDING,RUNNING,CONFIGURING,COMPLETING -o %i 2>/dev/null) ]]
}

# wait_file FILE [SECONDS]: polls until the file exists.
wait_file() {
    local deadline=$(($(now_ms) + ${2:-30} * 1000))
    until [[ -e $1 ]]; do
        (($(now_ms) < deadline)) || fail "$1 did not appear in ${2:-30} s"
        sleep 0.1
    done
}

test_hello_sample_completes_with_its_slurm_job_id() {
    need_slurm
    create_cluster
    ferry run submit -f "$FERRY_SOURCE_DIR/samples/hello/job.yml" --compute cluster -n hello1 --wait
    expect_status 0
    ferry run show hello1 -o json
    expect_jq '.status == "Completed" and .exit_code == 0 and .compute == "cluster"'
    expect_jq '.scheduler.type == "slurm" and (.scheduler.job_id | test("^[0-9]+$"))'
    expect_jq '.scheduler.state == "COMPLETED"'
    local id
    id=$(printf '%s' "$OUT" | jq -r '.scheduler.job_id')
    # The history names the job; Slurm queued it after Preparing.
    expect_jq '[.history[].status] == ["NotStarted", "Preparing", "Queued", "Starting", "Running", "Finalizing", "Completed"]'
    expect_jq "[.history[] | select(.status == \"Queued\") | .detail] == [\"slurm job $id\"]"
    [[ $(scontrol show job -o "$id" 2>/dev/null) == *"JobName=hello1 "* ]] || fail "Slurm's job $id is not named hello1"
    [[ $(run_log hello1) == *"hello 3 from run hello1"* ]] || fail "the log lacks the greeting: $(run_log hello1)"
    grep -q -- "sbatch --parsable --job-name=hello1 " "$(run_dir hello1)/system_logs/supervisor.log" ||
        fail "the system log lacks the sbatch line"
    # The command's outputs came back like a local run's.
    ferry run download hello1 -p dl
    expect_status 0
    [[ -s dl/artifacts/outputs/hello.txt ]] || fail "outputs/hello.txt was not collected"
}

test_pytorch_ddp_runs_one_rank_on_each_node() {
    need_slurm
    create_cluster
    # The sample names `compute: azureml:cluster` itself.
    ferry run submit -f "$FERRY_SOURCE_DIR/samples/slurm/pytorch-ddp-2-nodes.yml" -n ddp2 --wait
    expect_status 0
    local dir
    dir=$(run_dir ddp2)
    grep -q '^rank 0 of 2 (local rank 0, node n1, master 127.0.0.1:' "$dir/user_logs/std_log_process_0.txt" ||
        fail "rank 0 did not run on n1 in a world of 2: $(head -n 2 "$dir/user_logs/std_log_process_0.txt")"
    grep -q '^rank 1 of 2 (local rank 0, node n2, master 127.0.0.1:' "$dir/user_logs/std_log_process_1.txt" ||
        fail "rank 1 did not run on n2 in a world of 2: $(head -n 2 "$dir/user_logs/std_log_process_1.txt")"
    grep -q 'rank 0 ran on node n1' "$dir/system_logs/supervisor.log" || fail "the system log lacks rank 0's node"
    grep -q 'rank 1 ran on node n2' "$dir/system_logs/supervisor.log" || fail "the system log lacks rank 1's node"
    grep -q -- '--nodes=2 --ntasks-per-node=1 ' "$dir/system_logs/supervisor.log" || fail "sbatch did not ask for 2 nodes of 1 task"
    ferry run show ddp2 -o json
    expect_jq '.status == "Completed" and .scheduler.nodes == "n[1-2]"'
    expect_jq '[.artifacts[].path] | index("outputs/model.pt") != null'
    # Each node's rank streams on its own (the ranks are counted over the nodes).
    ferry run stream ddp2 --rank 1
    expect_status 0
    [[ $(head -n 1 <<<"$OUT") == "rank 1 of 2 (local rank 0, node n2, master 127.0.0.1:"* ]] ||
        fail "--rank 1 streamed: $(head -n 2 <<<"$OUT")"
    ferry run stream ddp2 --rank all
    expect_status 0
    grep -q '^\[rank 1\] rank 1 of 2 ' <<<"$OUT" || fail "--rank all lacks rank 1: $(head -n 4 <<<"$OUT")"
    ferry run stream ddp2 --rank 2
    expect_status 2
    expect_err_contains "has ranks 0 to 1"
}

test_distribution_variables_come_from_slurms() {
    need_slurm
    create_cluster
    write_job job.yml 'env | grep -E "^(RANK|LOCAL_RANK|NODE_RANK|GROUP_RANK|WORLD_SIZE|LOCAL_WORLD_SIZE|MASTER_ADDR|MASTER_PORT)=" | sort' \
        'distribution:
  type: pytorch
  process_count_per_instance: 2
resources:
  instance_count: 2'
    ferry run submit -f job.yml --compute cluster -n vars --wait
    expect_status 0
    local dir rank node local_rank port="" this
    dir=$(run_dir vars)
    for rank in 0 1 2 3; do
        node=$((rank / 2))
        local_rank=$((rank % 2))
        log=$(cat "$dir/user_logs/std_log_process_$rank.txt")
        for want in "RANK=$rank" "LOCAL_RANK=$local_rank" "NODE_RANK=$node" "GROUP_RANK=$node" \
            "WORLD_SIZE=4" "LOCAL_WORLD_SIZE=2" "MASTER_ADDR=127.0.0.1"; do
            grep -qx "$want" <<<"$log" || fail "rank $rank lacks $want: $log"
        done
        this=$(grep '^MASTER_PORT=' <<<"$log")
        [[ -z $port || $this == "$port" ]] || fail "ranks disagree on MASTER_PORT"
        port=$this
    done
}

test_tensorflow_tf_config_lists_every_task_of_the_allocation() {
    need_slurm
    create_cluster
    write_job job.yml 'echo "$TF_CONFIG"' \
        'distribution:
  type: tensorflow
  worker_count: 3
  parameter_server_count: 1
resources:
  instance_count: 2'
    ferry run submit -f job.yml --compute cluster -n tf --wait
    expect_status 0
    grep -q -- '--nodes=2 --ntasks=4 ' "$(run_dir tf)/system_logs/supervisor.log" || fail "sbatch did not ask for 4 tasks on 2 nodes"
    local dir rank config
    dir=$(run_dir tf)
    for rank in 0 1 2 3; do
        config=$(cat "$dir/user_logs/std_log_process_$rank.txt")
        OUT=$config
        expect_jq '(.cluster.worker | length) == 3 and (.cluster.ps | length) == 1 and .environment == "cloud"'
        expect_jq '([.cluster.worker[], .cluster.ps[]] | unique | length) == 4'
        if ((rank < 3)); then
            expect_jq ".task == {\"type\": \"worker\", \"index\": $rank}"
        else
            expect_jq '.task == {"type": "ps", "index": 0}'
        fi
    done
}

test_more_nodes_than_max_instances_is_refused_before_sbatch() {
    need_slurm
    create_cluster
    write_job job.yml 'hostname' 'distribution:
  type: pytorch
resources:
  instance_count: 3'
    local before
    before=$(squeue -h -o %i | wc -l)
    ferry run submit -f job.yml --compute cluster -n three
    expect_status 2
    expect_err "ferry: error: job.yml: resources.instance_count is 3, but compute 'cluster' allows at most 2 nodes (max_instances)"
    ferry run show three
    expect_status 2
    [[ $(squeue -h -o %i | wc -l) == "$before" ]] || fail "a job reached Slurm"
    # Several nodes need a distribution; a container a node would have to start is refused.
    write_job job.yml 'hostname' 'resources:
  instance_count: 2'
    ferry run submit -f job.yml --compute cluster
    expect_status 2
    expect_err_contains "without a distribution"
    write_job job.yml 'hostname' 'environment:
  image: ferry-test/base:1'
    ferry run submit -f job.yml --compute cluster
    expect_status 2
    expect_err_contains "which a Slurm compute does not start"
}

test_a_job_pending_behind_a_full_cluster_is_queued_with_slurms_reason() {
    need_slurm
    create_cluster
    # Two tasks on each of the two nodes take every CPU until the gate opens (or 4 minutes).
    write_job full.yml "for i in \$(seq 2400); do [ -e $TEST_ROOT/open ] && break; sleep 0.1; done" 'distribution:
  type: pytorch
  process_count_per_instance: 2
resources:
  instance_count: 2'
    ferry run submit -f full.yml --compute cluster -n full
    expect_status 0
    wait_status full Running 60
    ferry run submit --compute cluster -n behind -- echo after
    expect_status 0
    wait_status behind Queued 30
    local deadline reason=""
    deadline=$(($(now_ms) + 30000))
    while [[ $reason != Resources && $reason != Priority ]]; do
        (($(now_ms) < deadline)) || fail "no pending reason from Slurm (got '$reason')"
        sleep 0.2
        reason=$(run_field behind '.scheduler.reason // empty')
    done
    ferry compute show cluster -o json
    expect_jq '.queued_runs == 1 and .active_runs == 1'
    expect_jq '.nodes.total == 2 and .nodes.by_state.alloc == 2'
    ferry run list -o json
    expect_jq 'map(select(.name == "behind"))[0].status == "Queued"'
    # A run canceled while Slurm holds it pending leaves the queue at once.
    ferry run submit --compute cluster -n dropped -- echo never
    expect_status 0
    wait_status dropped Queued 30
    local dropped_id
    dropped_id=$(slurm_job dropped)
    [[ -n $dropped_id ]] || fail "no Slurm job id for dropped"
    ferry run cancel dropped
    expect_status 0
    expect_out "Canceled"
    ! in_squeue "$dropped_id" || fail "Slurm job $dropped_id is still in squeue"
    [[ ! -e $(run_dir dropped)/user_logs/std_log.txt ]] || fail "the canceled job ran"
    open_gate "$TEST_ROOT/open"
    ferry run wait behind
    expect_status 0
    ferry run show behind -o json
    expect_jq '.status == "Completed" and .scheduler.reason == null'
    expect_jq '[.history[].status] | index("Queued") < index("Running")'
    ferry run wait full
    expect_status 0
}

test_cancel_of_a_running_job_leaves_nothing_in_squeue_and_keeps_outputs() {
    need_slurm
    create_cluster
    write_job job.yml 'mkdir -p outputs && echo "so far" >outputs/partial.txt && touch '"$TEST_ROOT"'/started.$RANK && sleep 120' \
        'distribution:
  type: pytorch
  process_count_per_instance: 1
resources:
  instance_count: 2'
    ferry run submit -f job.yml --compute cluster -n cancel1
    expect_status 0
    wait_file "$TEST_ROOT/started.0" 60
    wait_file "$TEST_ROOT/started.1" 30
    local id started
    id=$(slurm_job cancel1)
    [[ -n $id ]] || fail "no Slurm job id"
    started=$(now_ms)
    ferry run cancel cancel1 --grace 5
    expect_status 0
    expect_out "Canceled"
    (($(now_ms) - started < 20000)) || fail "cancel took $(($(now_ms) - started)) ms"
    ! in_squeue "$id" || fail "Slurm job $id is still in squeue: $(squeue -j "$id")"
    ferry run show cancel1 -o json
    expect_jq '.status == "Canceled" and .error == "canceled on request"'
    ferry run download cancel1 -p dl
    expect_status 0
    [[ $(cat dl/artifacts/outputs/partial.txt) == "so far" ]] || fail "the outputs so far were not kept"
    grep -q "scancel of slurm job $id" "$(run_dir cancel1)/system_logs/supervisor.log" || fail "no scancel in the system log"
}

test_timeout_fails_the_run_and_ends_the_slurm_job() {
    need_slurm
    create_cluster
    write_job job.yml 'sleep 120' 'limits:
  timeout: 3'
    ferry run submit -f job.yml --compute cluster -n slow --wait
    expect_status 124
    ferry run show slow -o json
    expect_jq '.status == "Failed" and .error == "timeout: limits.timeout of 3 s reached"'
    local id
    id=$(printf '%s' "$OUT" | jq -r '.scheduler.job_id')
    ! in_squeue "$id" || fail "Slurm job $id is still in squeue"
    # Slurm's own limit is the backstop: a minute over ferry's.
    grep -q -- '--time=1:03 ' "$(run_dir slow)/system_logs/supervisor.log" || fail "sbatch had no --time"
}

test_scancel_from_outside_ends_the_run_canceled_with_slurms_word() {
    need_slurm
    create_cluster
    write_job job.yml "touch $TEST_ROOT/started; sleep 120"
    ferry run submit -f job.yml --compute cluster -n outside
    expect_status 0
    wait_file "$TEST_ROOT/started" 60
    local id
    id=$(slurm_job outside)
    scancel "$id"
    ferry run wait outside
    expect_status 143
    ferry run show outside -o json
    expect_jq ".status == \"Canceled\" and .error == \"Slurm job $id was canceled outside ferry (scancel)\""
}

test_a_failing_rank_ends_the_others_and_the_run_names_it() {
    need_slurm
    create_cluster
    write_job job.yml 'if [ "$RANK" = 1 ]; then sleep 1; exit 3; fi; sleep 120' 'distribution:
  type: pytorch
  process_count_per_instance: 1
resources:
  instance_count: 2'
    local started
    started=$(now_ms)
    ferry run submit -f job.yml --compute cluster -n failing --wait
    expect_status 3
    (($(now_ms) - started < 60000)) || fail "rank 0 was not stopped when rank 1 failed"
    ferry run show failing -o json
    expect_jq '.status == "Failed" and .exit_code == 3 and .error == "rank 1 exited first, with exit code 3"'
}

test_compute_show_has_the_partitions_nodes_and_delete_waits_for_no_run() {
    need_slurm
    create_cluster 'sbatch_args: ["--comment=ferry-e2e"]'
    expect_jq '.type == "slurm" and .partition == "debug" and .max_instances == 2 and .max_concurrent_runs == null'
    expect_jq '.sbatch_args == ["--comment=ferry-e2e"]'
    ferry compute show cluster -o json
    expect_status 0
    expect_jq '.nodes.total == 2 and ([.nodes.nodes[].name] == ["n1", "n2"])'
    ferry compute list -o json
    expect_jq 'map(.name) == ["local", "cluster"]'
    write_job job.yml "touch $TEST_ROOT/started; sleep 120"
    ferry run submit -f job.yml --compute cluster -n busy
    expect_status 0
    wait_file "$TEST_ROOT/started" 60
    [[ $(squeue -h -j "$(slurm_job busy)" -o %k) == ferry-e2e ]] || fail "sbatch_args did not reach sbatch"
    ferry compute delete cluster
    expect_status 1
    expect_err "ferry: error: compute 'cluster' has 1 active or queued run; wait for them, or --force cancels them"
    ferry compute delete cluster --force
    expect_status 0
    expect_err_contains "canceling run busy"
    [[ $(run_status busy) == Canceled ]] || fail "busy was not canceled"
    ferry compute show cluster
    expect_status 2
}

# sinfo retries for a minute when it finds no configuration: compute show does not wait it out.
test_compute_show_of_a_cluster_that_does_not_answer_returns_in_seconds() {
    need_slurm
    create_cluster
    local started
    started=$(now_ms)
    SLURM_CONF=$TEST_ROOT/no-such-slurm.conf ferry compute show cluster -o json
    expect_status 0
    expect_jq '.nodes.error == "sinfo did not finish within 10 s and was stopped"'
    (($(now_ms) - started < 30000)) || fail "compute show took $(($(now_ms) - started)) ms"
}

test_a_relative_workspace_path_is_refused() {
    need_slurm
    printf 'name: c\ntype: slurm\nworkspace_path: shared/ws\n' >c.yml
    ferry compute create -f c.yml
    expect_status 2
    expect_err "ferry: error: c.yml: workspace_path 'shared/ws' is not absolute (it is the workspace's directory as the nodes see it)"
    ferry compute list -o json
    expect_jq 'map(.name) == ["local"]'
}

test_mpi_ranks_start_with_mpirun_inside_the_allocation() {
    need_slurm
    create_cluster
    ferry run submit -f "$FERRY_SOURCE_DIR/samples/mpi/job.yml" --compute cluster -n mpi2 \
        --set resources.instance_count=2 --set distribution.process_count_per_instance=1 --wait
    expect_status 0
    local dir
    dir=$(run_dir mpi2)
    # One rank per node: each is local rank 0 of its node.
    grep -q '^rank 0 of 2: sum ok (3, local rank 0,' "$dir/user_logs/std_log_process_0.txt" ||
        fail "rank 0: $(cat "$dir/user_logs/std_log_process_0.txt")"
    grep -q '^rank 1 of 2: sum ok (3, local rank 0,' "$dir/user_logs/std_log_process_1.txt" ||
        fail "rank 1: $(cat "$dir/user_logs/std_log_process_1.txt")"
    grep -q -- '--nodes=2 --ntasks-per-node=1 ' "$dir/system_logs/supervisor.log" || fail "sbatch did not ask for 2 nodes"
}

test_a_venv_environment_runs_on_the_nodes_from_the_workspace() {
    need_slurm
    create_cluster
    printf '# nothing to install\n' >requirements.txt
    write_job job.yml 'echo "python3=$(command -v python3) venv=$VIRTUAL_ENV node=$SLURMD_NODENAME"' \
        'environment:
  pip_requirements: requirements.txt'
    ferry run submit -f job.yml --compute cluster -n venv1 --wait
    expect_status 0
    local location
    location=$(run_field venv1 '.environment.location')
    [[ $location == "$(workspace_dir)"/environments/* ]] || fail "the venv is not in the workspace: $location"
    [[ $(run_log venv1) == "python3=$location/bin/python3 venv=$location node=n1" ]] ||
        fail "the task did not run in the venv: $(run_log venv1)"
}

test_the_dry_run_sbatch_line_is_the_one_submitted() {
    need_slurm
    create_cluster
    write_job job.yml 'echo hello'
    ferry run submit -f job.yml --compute cluster -n sameline --dry-run -o json
    expect_status 0
    local shown submitted
    shown=$(jq -r .launcher <<<"$OUT")
    [[ $shown == "sbatch --parsable "* ]] || fail "no sbatch line in the dry run: $OUT"
    ferry run submit -f job.yml --compute cluster -n sameline --wait
    expect_status 0
    submitted=$(sed -n 's/^[^ ]* sbatch: //p' "$(run_dir sameline)/system_logs/supervisor.log")
    [[ $submitted == "$shown" ]] || fail "the dry run showed
$shown
but the supervisor submitted
$submitted"
}

test_workspace_path_is_where_the_nodes_see_the_workspace() {
    need_slurm
    # The nodes reach the workspace through another path: a link stands in for a mount.
    ln -s "$(workspace_dir)" "$TEST_ROOT/shared"
    create_cluster "workspace_path: $TEST_ROOT/shared"
    write_job job.yml 'mkdir -p outputs && echo "$FERRY_OUTPUTS_DIR" >outputs/where.txt && echo "venv ${VIRTUAL_ENV:-none}"'
    ferry run submit -f job.yml --compute cluster -n mapped --dry-run -o json
    expect_status 0
    expect_jq ".launcher | contains(\"--chdir=$TEST_ROOT/shared/runs/mapped \")"
    expect_jq '.ranks == null'
    ferry run submit -f job.yml --compute cluster -n mapped --wait
    expect_status 0
    [[ $(cat "$(run_dir mapped)/wd/outputs/where.txt") == "$TEST_ROOT/shared/runs/mapped/wd/outputs" ]] ||
        fail "the task's variables do not have the nodes' path: $(cat "$(run_dir mapped)/wd/outputs/where.txt")"
    ! grep -q "$(workspace_dir)" "$(run_dir mapped)/system_logs/slurm_launch.json" ||
        fail "a path of this machine is in the nodes' launch file"
    grep -q -- "--chdir=$TEST_ROOT/shared/runs/mapped " "$(run_dir mapped)/system_logs/supervisor.log" ||
        fail "sbatch was not given the nodes' path"
    ferry run show mapped -o json
    expect_jq '[.artifacts[].path] | index("outputs/where.txt") != null'
}

test_stream_follows_a_slurm_run_as_it_writes() {
    need_slurm
    create_cluster
    write_job job.yml 'for i in 1 2 3; do echo "line $i on $SLURMD_NODENAME"; sleep 0.5; done'
    ferry run submit -f job.yml --compute cluster -n streamed --stream
    expect_status 0
    expect_out_contains "line 1 on n1"
    expect_out_contains "line 3 on n1"
    expect_err_contains "status: Queued"
    expect_err_contains "status: Running"
    expect_err_contains "status: Completed"
}

# The job writes at once, before squeue may say RUNNING: its lines still come after Running.
test_a_slurm_jobs_first_line_comes_after_running() {
    need_slurm
    create_cluster
    write_job job.yml 'echo first; echo second'
    ferry run submit -f job.yml --compute cluster -n ordered --stream -o json
    expect_status 0
    local order
    order=$(printf '%s\n' "$OUT" | jq -rs '[.[] | if .type == "log" then "log"
        elif .type == "status" then .status else empty end] | join(" ")')
    [[ $order == *"Running log log"* && $order != *log*Running* ]] ||
        fail "the stream's events came in this order: $order"
}

test_a_job_sbatch_refuses_fails_with_sbatchs_own_words() {
    need_slurm
    create_cluster 'sbatch_args: ["--partition=nosuch"]'
    ferry run submit --compute cluster -n refused --wait -- echo never
    expect_status 125
    ferry run show refused -o json
    expect_jq '.status == "Failed" and (.error | startswith("sbatch failed: sbatch: error: "))'
    expect_jq '.error | test("nosuch|[Pp]artition")'
    expect_jq '.scheduler.job_id == null'
    grep -q 'sbatch said: sbatch: error:' "$(run_dir refused)/system_logs/supervisor.log" ||
        fail "the system log lacks sbatch's words"
}

test_a_node_without_ferry_fails_the_run_saying_so() {
    need_slurm
    printf 'name: nopath\ntype: slurm\npartition: debug\nferry_path: /nonexistent/bin/ferry\n' >nopath.yml
    ferry compute create -f nopath.yml
    expect_status 0
    ferry run submit --compute nopath -n lost-ferry --wait -- echo never
    expect_status 125
    ferry run show lost-ferry -o json
    # Not "command not found (exit code 127)", which reads as the user's command.
    expect_jq '.status == "Failed" and .exit_code == 125'
    expect_jq '.error | test("^ferry is not found on node [^ ]+ \\(/nonexistent/bin/ferry\\): set ferry_path on compute .nopath.$")'
}

test_without_ferry_path_the_nodes_use_the_submitting_binary() {
    need_slurm
    printf 'name: plain\ntype: slurm\npartition: debug\n' >plain.yml
    ferry compute create -f plain.yml
    expect_status 0
    # ferry is not on the PATH the job gets: the batch step finds the binary that submitted.
    [[ -z $(PATH=/usr/bin:/bin; type -P ferry) ]] || skip "ferry is on the PATH of this machine"
    PATH=/usr/bin:/bin ferry run submit --compute plain -n found --wait -- echo found it
    expect_status 0
    [[ $(run_log found) == "found it" ]] || fail "log: $(run_log found)"
    grep -q 'exec "$ferry" __slurm-batch' "$(run_dir found)/system_logs/slurm_job.sh" ||
        fail "the batch script does not look for ferry"
}

test_rank_1_on_node_n2_logs_into_the_run_through_its_endpoint() {
    need_slurm
    create_cluster
    write_job job.yml '"$FERRY" run log-metric "from_rank_$RANK" "$((RANK + 1))" --step 3 && "$FERRY" run tag "node_of_rank_$RANK=$SLURMD_NODENAME" && printf "%s %s\n" "$MLFLOW_TRACKING_URI" "${#MLFLOW_TRACKING_TOKEN}" && printf "%s" "$MLFLOW_TRACKING_TOKEN" >"../token-$RANK"' \
        'distribution:
  type: pytorch
  process_count_per_instance: 1
resources:
  instance_count: 2'
    ferry run submit -f job.yml --compute cluster -n tracked2 --wait
    expect_status 0
    ferry run metrics tracked2 -o json
    expect_jq '.metrics.from_rank_1.last == 2 and .metrics.from_rank_1.step == 3'
    expect_jq '.metrics.from_rank_0.last == 1'
    ferry run show tracked2 -o json
    expect_jq '.tracked.tags.node_of_rank_1 == "n2" and .tracked.tags.node_of_rank_0 == "n1"'
    # The nodes reached the submitting machine by its host name, with a token no file holds.
    local dir
    dir=$(run_dir tracked2)
    grep -qx "http://$(hostname):[0-9]* 64" "$dir/user_logs/std_log_process_1.txt" ||
        fail "rank 1's endpoint: $(cat "$dir/user_logs/std_log_process_1.txt")"
    local token
    token=$(cat "$dir/token-1")
    rm "$dir"/token-*
    [[ ${#token} == 64 ]] || fail "rank 1's token: '$token'"
    ! grep -rqF "$token" "$(workspace_dir)" || fail "the token is in a file: $(grep -rlF "$token" "$(workspace_dir)")"
}

test_a_sweep_runs_its_trials_as_slurm_jobs() {
    need_slurm
    create_cluster
    mkdir -p src
    printf 'code of the sweep\n' >src/README.txt
    cat >sweep.yml <<'YAML'
type: sweep
compute: azureml:cluster
trial:
  code: src
  command: '"$FERRY" run log-metric score ${{search_space.x}} && echo "trial on $SLURMD_NODENAME"'
search_space:
  x: {type: choice, values: [1, 2, 3, 4]}
sampling_algorithm: grid
objective: {goal: maximize, primary_metric: score}
limits: {max_total_trials: 4, max_concurrent_trials: 2}
YAML
    ferry run submit -f sweep.yml -n swept --wait
    expect_status 0
    ferry run show swept -o json
    expect_jq_all '.status == "Completed"' '.sweep.trials | length == 4' \
        'all(.sweep.trials[]; .status == "Completed")' '.sweep.best_trial == "swept_3"'
    # Each trial was a Slurm job of its own, named after it.
    local trial id ids=()
    for trial in swept_0 swept_1 swept_2 swept_3; do
        ferry run show "$trial" -o json
        expect_jq_all '.compute == "cluster"' '.scheduler.type == "slurm"' \
            '.scheduler.state == "COMPLETED"'
        id=$(jq -r '.scheduler.job_id' <<<"$OUT")
        [[ $(scontrol show job -o "$id" 2>/dev/null) == *"JobName=$trial "* ]] ||
            [[ -z $(scontrol show job -o "$id" 2>/dev/null) ]] ||
            fail "Slurm's job $id is not named $trial"
        ids+=("$id")
        [[ $(run_log "$trial") == *"trial on n"* ]] || fail "$trial: $(run_log "$trial")"
    done
    (($(printf '%s\n' "${ids[@]}" | sort -u | wc -l) == 4)) || fail "job ids: ${ids[*]}"
}

test_a_pipeline_runs_steps_on_the_cluster_and_here_at_once() {
    need_slurm
    create_cluster
    cat >pipeline.yml <<'YAML'
type: pipeline
settings: {default_compute: azureml:cluster}
jobs:
  produce:
    command: echo "made on $SLURMD_NODENAME" > ${{outputs.out}}/made.txt
    outputs:
      out:
  here:
    compute: azureml:local
    command: echo "here" && sleep 1
  consume:
    command: cat ${{inputs.made}}/made.txt && echo "read on $SLURMD_NODENAME"
    inputs:
      made: ${{parent.jobs.produce.outputs.out}}
YAML
    ferry run submit -f pipeline.yml -n mixed --wait
    expect_status 0
    ferry run show mixed -o json
    expect_jq_all '.status == "Completed"' 'all(.pipeline.steps[]; .status == "Completed")'
    local step
    for step in produce consume; do
        ferry run show "mixed_$step" -o json
        expect_jq_all '.compute == "cluster"' '.scheduler.type == "slurm"'
    done
    ferry run show mixed_here -o json
    expect_jq_all '.compute == "local"' '.scheduler == null'
    # The step on the cluster read what the one before it wrote there.
    [[ $(run_log mixed_consume) == *"made on n"*"read on n"* ]] ||
        fail "consume: $(run_log mixed_consume)"
}
