# Black-box tests of collecting a run's files as artifacts when the job is hostile or
# careless: links that lead out of the run's directory (to /etc, /root, /proc/self/environ,
# or a directory of the host), on the host and in a Docker container, are never followed,
# and the run says what it left out; and the limits on what is collected
# (FERRY_ARTIFACT_LIMIT, FERRY_ARTIFACT_FILES).
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"
# shellcheck source=docker_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/docker_lib.sh"

# A directory of the host outside the run (it stands for /root or /srv/secrets) holding a
# file with the secret; the secret is also in the environment of every ferry command, so
# that a supervisor reading /proc/self/environ would store it.
plant_secret() {
    SECRET=ferry-secret-$RANDOM$RANDOM$RANDOM
    export FERRY_TEST_ARTIFACT_SECRET=$SECRET
    HOST_DIR=$TEST_ROOT/host-private
    mkdir -p "$HOST_DIR/ssh"
    printf 'key %s\n' "$SECRET" >"$HOST_DIR/ssh/id_host"
    printf 'plain file of the host\n' >"$HOST_DIR/notes.txt"
}

# Fails when the secret, or a line only /etc/passwd or /etc/hostname hold, is anywhere in
# FERRY_HOME or in the directories given.
expect_no_host_files_stored() {
    local found objects
    found=$(grep -rlaF -- "$SECRET" "$FERRY_HOME" "$@" 2>/dev/null || true)
    [[ -z $found ]] || fail "the secret was stored in: $found"
    objects=$(workspace_dir)/objects
    found=$(grep -rlaF -- "$(head -n 1 /etc/passwd)" "$objects" "$@" 2>/dev/null || true)
    [[ -z $found ]] || fail "/etc/passwd was stored in: $found"
    found=$(grep -rlaF -- "plain file of the host" "$objects" "$@" 2>/dev/null || true)
    [[ -z $found ]] || fail "a file of the host was stored in: $found"
}

# The paths below directory $1, one a line ("path" for a file, "path -> target" for a link).
listing_of() {
    (
        cd "$1" || exit 1
        find . -mindepth 1 \( -type l -printf '%P -> %l\n' \) -o \( -type f -printf '%P\n' \) |
            LC_ALL=C sort
    )
}

# The run's notes, one a line.
notes_of() {
    run_field "$1" '.notes[]'
}

expect_note() {
    local notes
    notes=$(notes_of "$1")
    [[ $notes == *"$2"* ]] || fail "run $1 has no note with: $2
--- notes:
$notes"
}

expect_log_line() {
    local log
    log=$(cat "$(run_dir "$1")/system_logs/supervisor.log" 2>/dev/null || true)
    [[ $log == *"$2"* ]] || fail "the system log of run $1 does not say: $2
--- supervisor.log:
$log"
}

# The links a job makes in ./outputs: some stay inside, the others lead to the host.
LINKS_INSIDE_OUTPUTS='mkdir -p outputs/sub; echo kept > outputs/sub/real.txt
ln -s sub/real.txt outputs/latest; ln -s ../outputs/sub outputs/again
ln -s /etc/passwd outputs/passwd; ln -s /etc outputs/etc; ln -s /root outputs/root
ln -s /proc/self/environ outputs/env; ln -s ../../../../../../../../etc/hostname outputs/climb
ln -s ../README.txt outputs/code'

# What a download of a job that made LINKS_INSIDE_OUTPUTS (and a link as logs/) holds.
KEPT_LISTING="artifacts/outputs/again -> sub
artifacts/outputs/latest -> sub/real.txt
artifacts/outputs/sub/real.txt
artifacts/system_logs/supervisor.log
artifacts/user_logs/std_log.txt"

test_host_job_links_leading_out_are_not_followed() {
    plant_secret
    write_job job.yml "rm -rf outputs logs; $LINKS_INSIDE_OUTPUTS
ln -s $HOST_DIR logs; echo done"
    ferry run submit -f job.yml -n hostlinks --wait
    expect_status 0
    [[ $(run_status hostlinks) == Completed ]] || fail "status: $(run_status hostlinks)"
    ferry run download hostlinks -p dl
    expect_status 0
    [[ $(listing_of dl) == "$KEPT_LISTING" ]] || fail "downloaded:
$(listing_of dl)"
    [[ $(cat dl/artifacts/outputs/latest) == kept ]] || fail "outputs/latest does not lead to sub/real.txt"
    local link
    for link in passwd etc root env climb code; do
        expect_note hostlinks "not stored: outputs/$link: a link leading outside outputs/"
    done
    expect_note hostlinks "not stored: outputs/env: a link leading outside outputs/ (to /proc/self/environ), not followed"
    expect_note hostlinks "not stored: logs/: wd/logs is a link (to $HOST_DIR), not followed; nothing stored from it"
    expect_log_line hostlinks "not stored: outputs/passwd: a link leading outside outputs/ (to /etc/passwd), not followed"
    expect_no_host_files_stored dl
}

test_host_job_outputs_and_named_outputs_as_links_store_nothing_of_them() {
    plant_secret
    write_job job.yml 'rm -rf outputs logs ${{outputs.model}}; ln -s /etc outputs; ln -s /root logs
ln -s '"$HOST_DIR"' ${{outputs.model}}; echo done' 'outputs:
  model:
    type: uri_folder'
    ferry run submit -f job.yml -n rootlinks --wait
    expect_status 0
    ferry run download rootlinks -p dl --all
    expect_status 0
    [[ $(listing_of dl) == "artifacts/system_logs/supervisor.log
artifacts/user_logs/std_log.txt" ]] || fail "downloaded:
$(listing_of dl)"
    expect_note rootlinks "not stored: outputs/: wd/outputs is a link (to /etc), not followed; nothing stored from it"
    expect_note rootlinks "not stored: logs/: wd/logs is a link (to /root), not followed; nothing stored from it"
    expect_note rootlinks "not stored: named-outputs/model/: named-outputs/model is a link (to $HOST_DIR), not followed; nothing stored from it"
    expect_no_host_files_stored dl
}

test_host_job_that_replaces_the_working_directory_by_a_link_stores_nothing_of_it() {
    plant_secret
    mkdir -p "$HOST_DIR/outputs"
    printf '%s\n' "$SECRET" >"$HOST_DIR/outputs/secret.txt"
    # The job's own directory (RUN/wd) becomes a link to the host's directory.
    write_job job.yml 'd=$(pwd); cd ..; mv "$d" wd.moved; ln -s '"$HOST_DIR"' "$d"; echo done'
    ferry run submit -f job.yml -n wdlink --wait
    expect_status 0
    ferry run download wdlink -p dl
    expect_status 0
    [[ $(listing_of dl) == "artifacts/system_logs/supervisor.log
artifacts/user_logs/std_log.txt" ]] || fail "downloaded:
$(listing_of dl)"
    expect_note wdlink "not stored: outputs/: wd is a link (to $HOST_DIR), not followed; nothing stored from it"
    expect_no_host_files_stored dl
}

test_docker_job_links_leading_out_are_not_followed() {
    need_test_image
    plant_secret
    # In the container these name the image's files; the supervisor on the host would
    # read the host's.
    write_job job.yml "rm -rf outputs logs \${{outputs.model}}; $LINKS_INSIDE_OUTPUTS
ln -s $HOST_DIR/ssh outputs/ssh; ln -s /etc/ssh logs; ln -s $HOST_DIR \${{outputs.model}}
echo done" 'environment:
  image: ferry-test/base:1
  user_managed_dependencies: true
outputs:
  model:
    type: uri_folder'
    ferry run submit -f job.yml -n dockerlinks --wait
    [[ $STATUS == 0 ]] || {
        OUT="$(run_field dockerlinks '.error')
--- supervisor.log:
$(cat "$(run_dir dockerlinks)/system_logs/supervisor.log" 2>/dev/null)"
        fail "the run in a container did not complete (exit $STATUS)"
    }
    [[ -z $(run_containers dockerlinks) ]] || fail "the run's container is left"
    ferry run download dockerlinks -p dl --all
    expect_status 0
    [[ $(listing_of dl) == "$KEPT_LISTING" ]] || fail "downloaded:
$(listing_of dl)"
    expect_note dockerlinks "not stored: outputs/env: a link leading outside outputs/ (to /proc/self/environ), not followed"
    expect_note dockerlinks "not stored: outputs/ssh: a link leading outside outputs/ (to $HOST_DIR/ssh), not followed"
    expect_note dockerlinks "not stored: logs/: wd/logs is a link (to /etc/ssh), not followed; nothing stored from it"
    expect_note dockerlinks "not stored: named-outputs/model/: named-outputs/model is a link (to $HOST_DIR), not followed; nothing stored from it"
    expect_no_host_files_stored dl
}

test_a_job_over_the_file_limit_completes_with_a_note() {
    # Logs come first: system_logs/supervisor.log and user_logs/std_log.txt, then 8 outputs.
    export FERRY_ARTIFACT_FILES=10
    write_job job.yml 'mkdir -p outputs; for i in $(seq -w 1 30); do echo "$i" > outputs/f$i; done; echo done'
    ferry run submit -f job.yml -n manyfiles --wait
    expect_status 0
    [[ $(run_status manyfiles) == Completed ]] || fail "status: $(run_status manyfiles)"
    ferry run show manyfiles -o json
    expect_jq '.error == null or .error == ""'
    expect_note manyfiles "not stored: 22 files (66 B) over the artifact limit of 10 files (FERRY_ARTIFACT_FILES): outputs/f09, outputs/f10, outputs/f11 and 19 more"
    expect_log_line manyfiles "not stored: 22 files (66 B) over the artifact limit of 10 files (FERRY_ARTIFACT_FILES)"
    ferry run download manyfiles -p dl
    expect_status 0
    [[ $(listing_of dl/artifacts/outputs | tr '\n' ' ') == "f01 f02 f03 f04 f05 f06 f07 f08 " ]] ||
        fail "downloaded: $(listing_of dl/artifacts/outputs | tr '\n' ' ')"
}

test_a_file_over_the_size_limit_is_left_out_and_the_rest_kept() {
    export FERRY_ARTIFACT_LIMIT=64k
    write_job job.yml 'mkdir -p outputs; head -c 100000 /dev/zero > outputs/big.bin; echo small > outputs/small.txt'
    ferry run submit -f job.yml -n bigfile --wait
    expect_status 0
    [[ $(run_status bigfile) == Completed ]] || fail "status: $(run_status bigfile)"
    expect_note bigfile "not stored: 1 file (97.7 KiB) over the artifact limit of 64.0 KiB (FERRY_ARTIFACT_LIMIT): outputs/big.bin"
    ferry run download bigfile -p dl
    expect_status 0
    [[ $(listing_of dl/artifacts/outputs) == small.txt ]] || fail "downloaded: $(listing_of dl/artifacts/outputs)"
}

test_a_limit_that_is_not_a_number_is_refused_at_submit() {
    export FERRY_ARTIFACT_FILES=many
    write_job job.yml 'echo ran'
    ferry run submit -f job.yml -n badlimit
    expect_status 2
    expect_out ""
    expect_err "ferry: error: FERRY_ARTIFACT_FILES: 'many' is not a count of files (like 10000)"
    ferry run list -o json
    expect_jq 'length == 0'
}

test_download_keeps_private_modes() {
    write_job job.yml 'mkdir -m 700 outputs/secret; (umask 077; echo key > outputs/secret/key)
echo open > outputs/open.txt; chmod 640 outputs/open.txt; echo done'
    ferry run submit -f job.yml -n private --wait
    expect_status 0
    ferry run download private -p dl
    expect_status 0
    local modes
    modes=$(cd dl/artifacts/outputs && stat -c '%a %n' secret secret/key open.txt)
    [[ $modes == "700 secret
600 secret/key
640 open.txt" ]] || fail "modes after download:
$modes"
}

# A manifest blob planted as a run's artifacts, as a damaged or hostile store would hold it.
plant_artifacts() {
    local run=$1 manifest=$2 sha dir
    sha=$(printf '%s' "$manifest" | sha256sum | cut -c1-64)
    dir=$(workspace_dir)/objects/${sha:0:2}
    mkdir -p "$dir"
    printf '%s' "$manifest" >"$dir/${sha:2}"
    sqlite3 "$(workspace_dir)/workspace.db" "UPDATE runs SET artifacts = '$sha' WHERE name = '$run'"
}

# The manifest line of a link $1 -> $2.
link_line() {
    printf '120000 %s %s %s\t%s\n' "${#2}" "$(printf '%s' "$2" | sha256sum | cut -c1-64)" "$1" "$2"
}

test_download_refuses_a_chain_of_links_leading_out() {
    command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
    write_job job.yml 'echo done'
    ferry run submit -f job.yml -n chained --wait
    expect_status 0
    # Each link read alone stays inside; through q and r, s leads above dl/.
    plant_artifacts chained "ferry-manifest 1
$(link_line outputs/a/q ..)
$(link_line outputs/a/r q/..)
$(link_line outputs/a/s r/../..)
"
    mkdir dl
    ferry run download chained -p dl
    expect_status 1
    expect_err_contains "refusing to write the link 'artifacts/outputs/a/r' -> 'q/..': it leads outside $PWD/dl/artifacts/outputs"
    [[ -z $(ls -A dl) ]] || fail "the download wrote: $(listing_of dl)"
}
