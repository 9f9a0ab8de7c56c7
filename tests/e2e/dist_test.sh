# Black-box tests of distributed jobs on the local compute: the three samples end to end,
# what each rank sees (torchrun's variables, TF_CONFIG, Open MPI's), the per-rank logs and
# `run stream --rank`, fail-fast, the plan of a dry run, GPU slices and the refusal of
# several instances (contract: shared-notes/dist_contract.md).
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# The samples need Debian's python3 and its packages (python3-torch, python3-sklearn,
# python3-mpi4py): their jobs say `python3`, which must be that one, not a shim without them.
export PATH=/usr/bin:$PATH

# rank_log RUN N: rank N's log as the contract places it, or "" when missing.
rank_log() {
    cat "$(run_dir "$1")/user_logs/std_log_process_$2.txt" 2>/dev/null || true
}

# The logs of every rank of RUN, for failure messages.
all_rank_logs() {
    local file
    for file in "$(run_dir "$1")"/user_logs/*; do
        [[ -e $file ]] || continue
        printf -- '--- %s\n%s\n' "${file##*/}" "$(cat "$file")"
    done
}

need_torch() {
    /usr/bin/python3 -c 'import torch, sklearn' 2>/dev/null || skip "python3-torch or python3-sklearn is missing"
}

need_mpi() {
    command -v mpirun >/dev/null || skip "no mpirun (openmpi-bin) on PATH"
    /usr/bin/python3 -c 'import mpi4py' 2>/dev/null || skip "python3-mpi4py is missing"
}

# The processes of run $1 that are still alive, its supervisor (pid $2) excepted.
run_processes_left() {
    pids_with_env "FERRY_RUN_ID=$1" | grep -vx -- "${2:-none}" || true
}

# --- the samples, end to end

test_pytorch_ddp_sample_trains_on_two_ranks() {
    need_torch
    local started elapsed
    started=$(now_ms)
    ferry run submit -f "$FERRY_SOURCE_DIR/samples/pytorch-ddp/job.yml" -n ddp --wait
    elapsed=$(($(now_ms) - started))
    echo "samples/pytorch-ddp: submit --wait took ${elapsed} ms"
    [[ $STATUS == 0 ]] || {
        OUT=$(all_rank_logs ddp)
        fail "the pytorch-ddp sample did not complete"
    }
    expect_out "ddp"
    ferry run show ddp -o json
    expect_jq '.status == "Completed" and .exit_code == 0 and .experiment == "pytorch-ddp"'
    local rank log losses=()
    for rank in 0 1; do
        log=$(rank_log ddp "$rank")
        [[ $log == *"rank $rank of 2"* ]] || fail "rank $rank did not say 'rank $rank of 2':
$log"
        [[ $log == *"epoch 10 loss "* ]] || fail "rank $rank did not log its last epoch:
$log"
        # The loss is all-reduced: every rank prints the same.
        losses+=("$(grep -o 'epoch [0-9]* loss [0-9.]*' <<<"$log")")
    done
    [[ ${losses[0]} == "${losses[1]}" ]] || fail "the ranks logged different losses:
${losses[0]}
---
${losses[1]}"
    [[ ! -e $(run_dir ddp)/user_logs/std_log.txt ]] || fail "a distributed run wrote user_logs/std_log.txt"
    # Rank 0 logs the loss of each epoch (10) through MLflow's REST protocol, the ranks'
    # printed value, and the accuracy once.
    ferry run metrics ddp -o json
    expect_jq '[.metrics.loss.history[].step] == [range(1; 11)] and .metrics.accuracy.count == 1'
    local last_loss
    last_loss=$(grep -o 'epoch 10 loss [0-9.]*' <<<"$(rank_log ddp 0)")
    expect_jq "(.metrics.loss.last * 10000 | round) == (${last_loss##* } * 10000 | round)"
    ferry run download ddp -p dl
    expect_status 0
    [[ -s dl/artifacts/outputs/model.pt ]] || fail "no dl/artifacts/outputs/model.pt"
    [[ -s dl/artifacts/user_logs/std_log_process_0.txt && -s dl/artifacts/user_logs/std_log_process_1.txt ]] ||
        fail "the per-rank logs were not downloaded: $(ls -R dl/artifacts)"
    /usr/bin/python3 -c 'import sys, torch
state = torch.load(sys.argv[1])
assert state["0.weight"].shape == (64, 64) and state["2.weight"].shape == (10, 64), state.keys()' \
        dl/artifacts/outputs/model.pt 2>&1 || fail "outputs/model.pt is not the MLP's state_dict"
}

test_mpi_sample_sums_on_two_ranks() {
    need_mpi
    ferry run submit -f "$FERRY_SOURCE_DIR/samples/mpi/job.yml" -n allreduce --wait
    [[ $STATUS == 0 ]] || {
        OUT=$(all_rank_logs allreduce)
        fail "the mpi sample did not complete"
    }
    local rank
    for rank in 0 1; do
        [[ $(rank_log allreduce "$rank") == *"rank $rank of 2: sum ok"* ]] ||
            fail "rank $rank's log: $(rank_log allreduce "$rank")"
    done
    ferry run show allreduce -o json
    expect_jq '.status == "Completed" and .exit_code == 0'
}

test_tensorflow_sample_three_tasks_agree() {
    command -v python3 >/dev/null || skip "no python3 on PATH"
    ferry run submit -f "$FERRY_SOURCE_DIR/samples/tensorflow-tfconfig/job.yml" -n tfconfig --wait
    [[ $STATUS == 0 ]] || {
        OUT=$(all_rank_logs tfconfig)
        fail "the tensorflow-tfconfig sample did not complete"
    }
    # Workers are ranks 0 and 1, the parameter server rank 2.
    local rank task=("worker 0" "worker 1" "ps 0")
    for rank in 0 1 2; do
        [[ $(rank_log tfconfig "$rank") == *"task ${task[rank]}: cluster consistent across 3 tasks"* ]] ||
            fail "rank $rank's log: $(rank_log tfconfig "$rank")"
    done
    ferry run download tfconfig -p dl
    expect_status 0
    [[ $(cd dl/artifacts/outputs && ls) == "tf_config_ps_0.json
tf_config_worker_0.json
tf_config_worker_1.json" ]] || fail "outputs: $(ls dl/artifacts/outputs)"
}

# --- what each rank sees

test_pytorch_ranks_see_torchrun_variables() {
    write_job job.yml 'env | grep -E "^(MASTER_ADDR|MASTER_PORT|WORLD_SIZE|RANK|LOCAL_RANK|LOCAL_WORLD_SIZE|NODE_RANK|GROUP_RANK|FERRY_RUN_ID|PYTHONUNBUFFERED|MY_VAR)=" | sort; echo "cwd=$(pwd -P)"' 'environment_variables:
  MY_VAR: mine
distribution:
  type: pytorch
  process_count_per_instance: 3'
    ferry run submit -f job.yml -n torchvars --wait
    expect_status 0
    local dir rank log port ports=()
    dir=$(cd "$(run_dir torchvars)" && pwd -P)
    for rank in 0 1 2; do
        log=$(rank_log torchvars "$rank")
        port=$(sed -n 's/^MASTER_PORT=//p' <<<"$log")
        [[ $port =~ ^[0-9]+$ ]] || fail "rank $rank: MASTER_PORT '$port'"
        ((port > 0 && port < 65536)) || fail "rank $rank: MASTER_PORT $port"
        ports+=("$port")
        [[ $log == "FERRY_RUN_ID=torchvars
GROUP_RANK=0
LOCAL_RANK=$rank
LOCAL_WORLD_SIZE=3
MASTER_ADDR=127.0.0.1
MASTER_PORT=$port
MY_VAR=mine
NODE_RANK=0
PYTHONUNBUFFERED=1
RANK=$rank
WORLD_SIZE=3
cwd=$dir/wd" ]] || fail "rank $rank saw:
$log"
    done
    [[ ${ports[0]} == "${ports[1]}" && ${ports[1]} == "${ports[2]}" ]] ||
        fail "the ranks saw different MASTER_PORTs: ${ports[*]}"
    [[ ! -e $dir/user_logs/std_log.txt ]] || fail "a distributed run wrote user_logs/std_log.txt"
    [[ ! -e $dir/user_logs/std_log_process_3.txt ]] || fail "a fourth rank ran"
}

test_tensorflow_tasks_get_their_tf_config() {
    write_job job.yml 'printf "%s\n" "$TF_CONFIG"' 'distribution:
  type: tensorflow
  worker_count: 2
  parameter_server_count: 2'
    ferry run submit -f job.yml -n tfvars --wait
    expect_status 0
    local rank configs=()
    for rank in 0 1 2 3; do
        configs+=("$(rank_log tfvars "$rank")")
        jq -e . >/dev/null 2>&1 <<<"${configs[rank]}" || fail "rank $rank: TF_CONFIG is not JSON: ${configs[rank]}"
    done
    OUT=$(printf '%s\n' "${configs[@]}" | jq -sc .)
    expect_jq_all \
        'map(.task) == [{"type": "worker", "index": 0}, {"type": "worker", "index": 1}, {"type": "ps", "index": 0}, {"type": "ps", "index": 1}]' \
        'map(.cluster) | unique | length == 1' \
        '.[0].cluster | keys == ["ps", "worker"] and (.worker | length) == 2 and (.ps | length) == 2' \
        '.[0].cluster | (.worker + .ps) | all(test("^127\\.0\\.0\\.1:[0-9]+$"))' \
        '.[0].cluster | (.worker + .ps) | map(split(":")[1] | tonumber) | (unique | length) == 4 and all(. > 0 and . < 65536)' \
        'all(.environment == "cloud")'
    # Without parameter servers there is no "ps" key; worker_count defaults to 1.
    write_job workers.yml 'printf "%s\n" "$TF_CONFIG"' 'distribution:
  type: tensorflow
  worker_count: 3'
    write_job one.yml 'printf "%s\n" "$TF_CONFIG"' 'distribution:
  type: tensorflow'
    ferry run submit -f workers.yml -n tfworkers --wait
    expect_status 0
    ferry run submit -f one.yml -n tfone --wait
    expect_status 0
    OUT=$(printf '%s\n' "$(rank_log tfworkers 0)" "$(rank_log tfworkers 1)" "$(rank_log tfworkers 2)" | jq -sc .)
    expect_jq_all 'map(.cluster | keys) | unique == [["worker"]]' \
        'map(.task) == [{"type": "worker", "index": 0}, {"type": "worker", "index": 1}, {"type": "worker", "index": 2}]' \
        '.[0].cluster.worker | length == 3'
    OUT=$(rank_log tfone 0)
    expect_jq_all '.cluster == {"worker": .cluster.worker} and (.cluster.worker | length) == 1' \
        '.task == {"type": "worker", "index": 0}'
    [[ ! -e $(run_dir tfone)/user_logs/std_log_process_1.txt ]] || fail "worker_count defaulted to more than 1"
}

test_mpi_ranks_see_open_mpi_variables() {
    command -v mpirun >/dev/null || skip "no mpirun (openmpi-bin) on PATH"
    write_job job.yml 'echo "rank=$OMPI_COMM_WORLD_RANK size=$OMPI_COMM_WORLD_SIZE local=$OMPI_COMM_WORLD_LOCAL_RANK run=$FERRY_RUN_ID"' 'distribution:
  type: mpi
  process_count_per_instance: 3'
    ferry run submit -f job.yml -n mpivars --wait
    expect_status 0
    local rank
    for rank in 0 1 2; do
        [[ $(rank_log mpivars "$rank") == "rank=$rank size=3 local=$rank run=mpivars" ]] ||
            fail "rank $rank's log: $(rank_log mpivars "$rank")
$(all_rank_logs mpivars)"
    done
}

# --- fail-fast

test_a_failing_rank_stops_the_others() {
    write_job job.yml 'if [ "$RANK" = 1 ]; then echo "rank 1 fails"; sleep 1; exit 7; fi; echo "rank 0 waits"; sleep 60; echo "rank 0 was not stopped"' 'distribution:
  type: pytorch
  process_count_per_instance: 2'
    local started elapsed supervisor left
    started=$(now_ms)
    ferry run submit -f job.yml -n failfast --wait
    elapsed=$(($(now_ms) - started))
    echo "fail-fast: rank 1 exited 7 after 1 s; submit --wait returned after ${elapsed} ms"
    expect_status 7
    expect_out "failfast"
    ((elapsed < 15000)) || fail "submit --wait returned after ${elapsed} ms (rank 1 failed after 1 s, the grace is 10 s)"
    ferry run show failfast -o json
    expect_status 0
    expect_jq '.status == "Failed" and .exit_code == 7'
    expect_jq '.error | test("rank 1")'
    supervisor=$(jq -r '.supervisor.pid' <<<"$OUT")
    left=$(run_processes_left failfast "$supervisor")
    [[ -z $left ]] || fail "processes of the run outlived it: $(describe_pids "$left")"
    [[ $(rank_log failfast 0) == "rank 0 waits" ]] || fail "rank 0's log: $(rank_log failfast 0)"
    [[ $(rank_log failfast 1) == "rank 1 fails" ]] || fail "rank 1's log: $(rank_log failfast 1)"
    ferry run wait failfast
    expect_status 7
    ferry run stream failfast
    expect_status 7
    expect_err_contains "Exit code: 7"
}

test_a_rank_that_ignores_sigterm_is_killed_after_the_grace() {
    local marker="ferry-e2e-stubborn-rank-$$-$RANDOM"
    write_job job.yml "if [ \"\$RANK\" = 1 ]; then sleep 1; exit 9; fi; trap '' TERM; echo ignoring; exec -a $marker sleep 60" 'distribution:
  type: pytorch
  process_count_per_instance: 2'
    local started elapsed left
    started=$(now_ms)
    ferry run submit -f job.yml -n stubborn --wait
    elapsed=$(($(now_ms) - started))
    echo "fail-fast, rank 0 ignoring SIGTERM: submit --wait returned after ${elapsed} ms"
    expect_status 9
    # 1 s until rank 1 fails, then the grace of 10 s, then SIGKILL.
    ((elapsed >= 10500)) || fail "submit --wait returned after ${elapsed} ms, before the grace period ended"
    ((elapsed < 16000)) || fail "submit --wait returned after ${elapsed} ms"
    left=$(pgrep -f -- "$marker" || true)
    [[ -z $left ]] || fail "rank 0 outlived the grace period: $(describe_pids "$left")"
    ferry run show stubborn -o json
    expect_jq '.status == "Failed" and .exit_code == 9'
    expect_jq '.error | test("rank 1")'
}

test_a_failing_mpi_rank_fails_the_run_with_its_code() {
    command -v mpirun >/dev/null || skip "no mpirun (openmpi-bin) on PATH"
    write_job job.yml 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then sleep 1; exit 5; fi; echo "rank 0 waits"; sleep 60' 'distribution:
  type: mpi
  process_count_per_instance: 2'
    local started elapsed supervisor left
    started=$(now_ms)
    ferry run submit -f job.yml -n mpifail --wait
    elapsed=$(($(now_ms) - started))
    echo "mpi fail-fast: submit --wait returned after ${elapsed} ms"
    expect_status 5
    ((elapsed < 15000)) || fail "submit --wait returned after ${elapsed} ms"
    ferry run show mpifail -o json
    expect_jq '.status == "Failed" and .exit_code == 5 and .error == "rank 1 exited first, with exit code 5"'
    supervisor=$(jq -r '.supervisor.pid' <<<"$OUT")
    left=$(run_processes_left mpifail "$supervisor")
    [[ -z $left ]] || fail "processes of the run outlived it: $(describe_pids "$left")"
}

# --- logs per rank

test_stream_rank_selects_a_log_and_all_prefixes_each_line() {
    write_job job.yml 'for i in 1 2 3; do echo "line $i of rank $RANK"; sleep 0.05; done' 'distribution:
  type: pytorch
  process_count_per_instance: 2'
    # submit --stream follows rank 0.
    ferry run submit -f job.yml -n ranked --stream
    expect_status 0
    expect_out "line 1 of rank 0
line 2 of rank 0
line 3 of rank 0"
    ferry run stream ranked
    expect_status 0
    expect_out "line 1 of rank 0
line 2 of rank 0
line 3 of rank 0"
    ferry run stream ranked --rank 1
    expect_status 0
    expect_out "line 1 of rank 1
line 2 of rank 1
line 3 of rank 1"
    ferry run stream ranked --rank all
    expect_status 0
    # Arrival order between the ranks is the machine's; within a rank it is the rank's own.
    [[ $(sort <<<"$OUT") == "[rank 0] line 1 of rank 0
[rank 0] line 2 of rank 0
[rank 0] line 3 of rank 0
[rank 1] line 1 of rank 1
[rank 1] line 2 of rank 1
[rank 1] line 3 of rank 1" ]] || fail "--rank all did not print each rank's lines with its prefix"
    [[ $(grep -F '[rank 1] ' <<<"$OUT") == "[rank 1] line 1 of rank 1
[rank 1] line 2 of rank 1
[rank 1] line 3 of rank 1" ]] || fail "--rank all mixed up the order of rank 1's lines"
    expect_err_contains "Status: Completed"
}

test_stream_rank_all_prints_lines_as_they_arrive() {
    # Rank 1 writes first, then rank 0, then rank 1 again, each after the other's line.
    write_job job.yml "w() { for i in \$(seq 400); do [ -e \"\$1\" ] && break; sleep 0.05; done; sleep 0.5; }
if [ \"\$RANK\" = 1 ]; then w $TEST_ROOT/gate; echo first; touch $TEST_ROOT/one; w $TEST_ROOT/two; echo third
else w $TEST_ROOT/one; echo second; touch $TEST_ROOT/two; fi" 'distribution:
  type: pytorch
  process_count_per_instance: 2'
    submit -f job.yml -n live
    wait_status live Running
    {
        "$FERRY" run stream live --rank all >"$TEST_ROOT/stream.out" 2>"$TEST_ROOT/stream.err" </dev/null
        echo $? >"$TEST_ROOT/stream.rc"
    } &
    local streamer=$!
    wait_until 20 grep -q '^=' "$TEST_ROOT/stream.err"
    open_gate "$TEST_ROOT/gate"
    wait "$streamer"
    STATUS=$(cat "$TEST_ROOT/stream.rc")
    OUT=$(cat "$TEST_ROOT/stream.out")
    ERR=$(cat "$TEST_ROOT/stream.err")
    expect_status 0
    expect_out "[rank 1] first
[rank 0] second
[rank 1] third"
}

# --- what --dry-run shows is what runs

test_the_dry_run_mpirun_line_is_the_one_that_runs() {
    command -v mpirun >/dev/null || skip "no mpirun (openmpi-bin) on PATH"
    write_job job.yml 'echo "rank $OMPI_COMM_WORLD_RANK"' 'distribution:
  type: mpi
  process_count_per_instance: 2'
    ferry run submit -f job.yml -n sameline --dry-run -o json
    expect_status 0
    local shown ran
    shown=$(jq -r .launcher <<<"$OUT")
    [[ $shown == "mpirun -np 2 "* ]] || fail "no mpirun line in the dry run: $OUT"
    ferry run submit -f job.yml -n sameline --wait
    expect_status 0
    ran=$(sed -n 's/^[^ ]* mpirun: //p' "$(run_dir sameline)/system_logs/supervisor.log")
    [[ $ran == "$shown" ]] || fail "the dry run showed
$shown
but the run started
$ran"
}

# --- the plan, refusals

test_dry_run_lists_every_rank_with_its_environment() {
    write_job job.yml "touch $TEST_ROOT/ran" 'distribution:
  type: pytorch
  process_count_per_instance: 2'
    ferry run submit -f job.yml -n planned --dry-run -o json
    expect_status 0
    expect_json
    expect_jq_all '.ranks | length == 2' \
        '[.ranks[].rank] == [0, 1]' \
        '.ranks | all(has("rank") and has("role") and has("index") and has("command") and has("environment") and has("log"))' \
        '[.ranks[].log] == ["user_logs/std_log_process_0.txt", "user_logs/std_log_process_1.txt"]' \
        '[.ranks[].environment.RANK] == ["0", "1"] and [.ranks[].environment.LOCAL_RANK] == ["0", "1"]' \
        '.ranks | all(.environment.WORLD_SIZE == "2" and .environment.MASTER_ADDR == "127.0.0.1")' \
        '[.ranks[].environment.MASTER_PORT] | unique | length == 1' \
        ".ranks | all(.command | contains(\"touch $TEST_ROOT/ran\"))"
    write_job tf.yml 'echo tf' 'distribution:
  type: tensorflow
  worker_count: 2
  parameter_server_count: 1'
    ferry run submit -f tf.yml -n plannedtf --dry-run -o json
    expect_status 0
    expect_json
    expect_jq_all '.ranks | length == 3' \
        '[.ranks[] | [.rank, .role, .index]] == [[0, "worker", 0], [1, "worker", 1], [2, "ps", 0]]' \
        '[.ranks[].environment.TF_CONFIG | fromjson | .task] == [{"type": "worker", "index": 0}, {"type": "worker", "index": 1}, {"type": "ps", "index": 0}]' \
        '[.ranks[].log] == ["user_logs/std_log_process_0.txt", "user_logs/std_log_process_1.txt", "user_logs/std_log_process_2.txt"]'
    sleep 0.3
    [[ ! -e $TEST_ROOT/ran ]] || fail "the dry run started the job"
    ferry run list --all -o json
    expect_jq 'length == 0'
}

test_several_instances_are_refused_pointing_at_slurm() {
    write_job job.yml "touch $TEST_ROOT/ran" 'distribution:
  type: pytorch
  process_count_per_instance: 2
resources:
  instance_count: 2'
    ferry run submit -f job.yml -n twonodes --wait
    expect_status 2
    expect_out ""
    [[ $ERR == *[Ss]lurm* || $ERR == *SLURM* ]] || fail "the refusal does not mention Slurm"
    write_job plain.yml "touch $TEST_ROOT/ran" 'resources:
  instance_count: 3'
    ferry run submit -f plain.yml --wait
    expect_status 2
    [[ $ERR == *[Ss]lurm* || $ERR == *SLURM* ]] || fail "the refusal does not mention Slurm"
    ferry run list --all -o json
    expect_jq 'length == 0'
    [[ ! -e $TEST_ROOT/ran ]] || fail "a refused job ran"
}

# --- GPUs

test_gpus_of_the_compute_are_sliced_per_rank() {
    # This machine shows 4 GPUs, as a stand-in nvidia-smi says.
    mkdir -p "$TEST_ROOT/bin"
    printf '#!/bin/sh\nprintf "0\\n1\\n2\\n3\\n"\n' >"$TEST_ROOT/bin/nvidia-smi"
    chmod +x "$TEST_ROOT/bin/nvidia-smi"
    PATH="$TEST_ROOT/bin:$PATH" ferry compute create --name g --gpus 4
    expect_status 0
    write_job job.yml 'echo "cvd=${CUDA_VISIBLE_DEVICES-unset}"' 'distribution:
  type: pytorch
  process_count_per_instance: 2'
    ferry run submit -f job.yml -n allgpus --compute g --wait
    expect_status 0
    [[ $(rank_log allgpus 0) == "cvd=0,1" && $(rank_log allgpus 1) == "cvd=2,3" ]] ||
        fail "4 GPUs, 2 ranks:
$(all_rank_logs allgpus)"
    ferry run submit -f job.yml -n twogpus --compute g --set resources.gpus_per_instance=2 --wait
    expect_status 0
    [[ $(rank_log twogpus 0) == "cvd=0" && $(rank_log twogpus 1) == "cvd=1" ]] ||
        fail "gpus_per_instance 2, 2 ranks:
$(all_rank_logs twogpus)"
    # More GPUs than the compute has: refused at submit.
    ferry run submit -f job.yml -n toomany --compute g --set resources.gpus_per_instance=5 --wait
    expect_status 2
    expect_out ""
    ferry run list --all -o json
    expect_jq '[.[].name] | sort == ["allgpus", "twogpus"]'
}

test_mpi_ranks_get_their_own_gpus() {
    command -v mpirun >/dev/null || skip "no mpirun (openmpi-bin) on PATH"
    ferry compute create --name g --gpus 4 --no-gpu-check
    expect_status 0
    write_job job.yml 'echo "cvd=${CUDA_VISIBLE_DEVICES-unset}"' 'distribution:
  type: mpi
  process_count_per_instance: 2'
    ferry run submit -f job.yml -n mpigpus --compute g --wait
    expect_status 0
    [[ $(rank_log mpigpus 0) == "cvd=0,1" && $(rank_log mpigpus 1) == "cvd=2,3" ]] ||
        fail "4 GPUs, 2 MPI ranks:
$(all_rank_logs mpigpus)"
}

test_no_gpus_no_cuda_visible_devices() {
    command -v nvidia-smi >/dev/null && skip "this machine has nvidia-smi"
    unset CUDA_VISIBLE_DEVICES
    write_job job.yml 'echo "cvd=${CUDA_VISIBLE_DEVICES-unset}"' 'distribution:
  type: pytorch
  process_count_per_instance: 2'
    ferry run submit -f job.yml -n nogpus --wait
    expect_status 0
    [[ $(rank_log nogpus 0) == "cvd=unset" && $(rank_log nogpus 1) == "cvd=unset" ]] ||
        fail "without GPUs:
$(all_rank_logs nogpus)"
    ferry run submit -f job.yml -n nogpusplan --dry-run -o json
    expect_status 0
    expect_jq '.ranks | length == 2 and all(.environment | has("CUDA_VISIBLE_DEVICES") | not)'
}
