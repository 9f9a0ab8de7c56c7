# Helpers for the e2e tests of runs and computes (run_test.sh, compute_test.sh): job files,
# waiting for a run's status, finding a run's processes, and killing everything a case
# started when it ends.
# shellcheck shell=bash

# Every process this case starts (the binary, its supervisors, the jobs and what they fork)
# inherits this variable, so the processes of the case can be found by pid, and only those.
export FERRY_E2E_CASE=$TEST_ROOT

# The pids of the live processes whose environment holds the line $1 (this shell and its
# subshells excluded: their environment is the one the case started with).
pids_with_env() {
    local file pid grep_pid=""
    # One grep over every environment (a fork per process is slow on a loaded machine); its
    # own pid comes first, so that it does not name itself.
    {
        (
            echo "$BASHPID"
            exec grep -lazxF -- "$1" /proc/[0-9]*/environ 2>/dev/null
        ) || true
    } | while IFS= read -r file; do
        if [[ -z $grep_pid ]]; then
            grep_pid=$file
            continue
        fi
        pid=${file#/proc/}
        pid=${pid%/environ}
        [[ $pid == "$$" || $pid == "$grep_pid" ]] || echo "$pid"
    done
    return 0
}

# "PID CMDLINE" of each pid of the list $1 (one a line), for failure messages.
describe_pids() {
    local pid
    for pid in $1; do
        printf '%s %s\n' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
    done
}

# Kills (by pid, SIGKILL) every process the case started that is still alive: runs left
# running by a failed assertion must not outlive the case.
kill_case_processes() {
    local pids
    for _ in 1 2 3; do
        pids=$(pids_with_env "FERRY_E2E_CASE=$TEST_ROOT")
        [[ -z $pids ]] && return 0
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        sleep 0.1
    done
    return 0
}

# The mount points under the case's directory (read-only inputs a run may have left), deepest
# first.
case_mounts() {
    awk -v root="$TEST_ROOT/" 'index($5, root) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# shellcheck disable=SC2154 # both are assigned inside the trap
trap 'e2e_status=$?
kill_case_processes
for e2e_mount in $(case_mounts); do umount -l "$e2e_mount" 2>/dev/null || true; done
rm -rf "$TEST_ROOT" 2>/dev/null || true
exit $e2e_status' EXIT

# chain_exit_trap FUNCTION: runs FUNCTION when the case ends, before the cleanup above (which
# kills the case's processes and deletes its directory), keeping the case's exit status.
chain_exit_trap() {
    local previous
    # `trap -p EXIT` prints: trap -- 'HANDLER' EXIT
    previous=$(trap -p EXIT)
    previous=${previous#trap -- }
    eval "previous=${previous% EXIT}"
    # shellcheck disable=SC2064,SC2154 # the previous handler is expanded now, on purpose
    trap "e2e_saved_status=\$?; $1; (exit \$e2e_saved_status); $previous" EXIT
}

# Milliseconds since the epoch, without a fork.
now_ms() {
    local us=${EPOCHREALTIME/./}
    echo $((us / 1000))
}

# A YAML (JSON) double-quoted scalar of $1.
yaml_string() {
    jq -n --arg value "$1" '$value'
}

# write_job FILE COMMAND [MORE_YAML]: a command job file whose code is ./src (created with
# a README.txt when missing), running COMMAND; MORE_YAML is appended as it is.
write_job() {
    local file=$1 command=$2 more=${3:-}
    mkdir -p src
    [[ -e src/README.txt ]] || printf 'code of the test job\n' >src/README.txt
    {
        printf 'type: command\ncode: src\ncommand: %s\n' "$(yaml_string "$command")"
        [[ -z $more ]] || printf '%s\n' "$more"
    } >"$file"
}

# A shell snippet that waits (at most 60 s) for the file $1 to exist: a job that starts
# with it runs on only when the test says so (`open_gate $1`).
gate() {
    # shellcheck disable=SC2016 # expanded by the job's shell
    printf 'for i in $(seq 1200); do [ -e %q ] && break; sleep 0.05; done' "$1"
}

open_gate() {
    touch "$1"
}

# The directory of the current workspace (cached).
workspace_dir() {
    if [[ -z ${E2E_WORKSPACE_DIR:-} ]]; then
        E2E_WORKSPACE_DIR=$("$FERRY" workspace show -o json 2>/dev/null </dev/null | jq -r '.path')
    fi
    printf '%s\n' "$E2E_WORKSPACE_DIR"
}

# The run's directory, by the contract: WORKSPACE_DIR/runs/NAME.
run_dir() {
    printf '%s/runs/%s\n' "$(workspace_dir)" "$1"
}

# The run's log as the contract places it (user_logs/std_log.txt of its directory).
run_log() {
    cat "$(run_dir "$1")/user_logs/std_log.txt" 2>/dev/null || true
}

# jq filter $2 over `ferry run show $1 -o json`; empty when the command fails.
run_field() {
    local json
    json=$("$FERRY" run show "$1" -o json 2>/dev/null </dev/null) || return 0
    printf '%s' "$json" | jq -r "$2" 2>/dev/null || true
}

run_status() {
    run_field "$1" '.status'
}

# wait_status RUN STATUS [SECONDS]: polls until the run has the status (an extended regular
# expression matched whole); fails after SECONDS (default 20).
wait_status() {
    local run=$1 want=$2 seconds=${3:-20} deadline status
    deadline=$(($(now_ms) + seconds * 1000))
    while :; do
        status=$(run_status "$run")
        [[ $status =~ ^($want)$ ]] && return 0
        if (($(now_ms) > deadline)); then
            OUT=$("$FERRY" run show "$run" -o json 2>&1 </dev/null || true)
            # shellcheck disable=SC2034 # read by fail
            ERR=""
            fail "run $run did not reach status $want within $seconds s (last: '$status')"
        fi
        sleep 0.1
    done
}

# wait_until SECONDS COMMAND...: polls the command until it succeeds; fails after SECONDS.
wait_until() {
    local seconds=$1 deadline
    shift
    deadline=$(($(now_ms) + seconds * 1000))
    until "$@" >/dev/null 2>&1; do
        (($(now_ms) > deadline)) && fail "timed out after $seconds s waiting for: $*"
        sleep 0.1
    done
}

# Submits with the arguments given and keeps the run's name (stdout) in RUN.
submit() {
    ferry run submit "$@"
    # shellcheck disable=SC2153 # set by ferry
    [[ $STATUS == 0 ]] || fail "ferry run submit $* failed"
    RUN=$OUT
    [[ -n $RUN && $RUN != *$'\n'* ]] || fail "submit did not print one run name"
}

# The statuses of the run's history, one line.
history_of() {
    run_field "$1" '[.history[].status] | join(" ")'
}

# Like expect_jq for each filter given, but checks them all and names every one that does
# not print "true".
expect_jq_all() {
    local filter result failed=()
    for filter in "$@"; do
        result=$(printf '%s' "$OUT" | jq -r "$filter" 2>&1) || true
        [[ $result == true ]] || failed+=("$filter (gave '$result')")
    done
    ((${#failed[@]} == 0)) || fail "these did not hold:
$(printf '  %s\n' "${failed[@]}")"
}

# The file's content, or "(missing)".
content_of() {
    if [[ -f $1 ]]; then
        cat "$1"
    else
        echo "(missing)"
    fi
}

# A listing of a tree (path, type, size, mode, sha256 of files) to compare it before and after.
tree_state() {
    (
        cd "$1" || exit 1
        find . -printf '%p %y %s %m\n' | LC_ALL=C sort
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    )
}

# The stored blob of the bytes $1 (objects/xx/... by sha256).
blob_of_bytes() {
    local hash
    hash=$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)
    printf '%s/objects/%s/%s\n' "$(workspace_dir)" "${hash:0:2}" "${hash:2}"
}

# Rewrites the blob $1 with the bytes $2, as a failing disk or a careless hand might.
damage_blob() {
    [[ -f $1 ]] || fail "no blob $1 to damage"
    chmod u+w "$1"
    printf '%s' "$2" >"$1"
    chmod 0444 "$1"
}
