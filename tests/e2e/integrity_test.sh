# Black-box tests of the store's integrity against damage and against jobs: a damaged blob
# never reaches a job (snapshots and dataset inputs are hashed as they are written out), the
# next store of the same content repairs it, and a job run as root cannot write to the
# workspace's objects/ or cache/.
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

test_a_damaged_snapshot_blob_fails_the_run_naming_it_and_the_next_submit_repairs_it() {
    write_job job.yml 'cat message.txt'
    printf 'right' >src/message.txt
    ferry run submit -f job.yml -n first --wait
    expect_status 0
    [[ $(run_log first) == right ]] || fail "first log: $(run_log first)"
    local blob
    blob=$(blob_of_bytes right)
    damage_blob "$blob" wrong # the same size: only its hash tells
    ferry run submit -f job.yml -n second --wait
    expect_status 125
    [[ $(run_log second) != *wrong* ]] || fail "the damaged blob reached the job"
    local hash
    hash=$(printf 'right' | sha256sum | cut -d' ' -f1)
    run_field second '.error' | grep -q "blob $hash of message.txt in snapshot .* is damaged" ||
        fail "the error does not name the damaged blob and file: $(run_field second '.error')"
    [[ ! -e $blob ]] || fail "the damaged blob was left in place"
    ls "$(workspace_dir)/objects/damaged/" | grep -q . || fail "nothing was set aside"
    # The code is unchanged: the next submit stores the file again, from the source.
    ferry run submit -f job.yml -n third --wait
    expect_status 0
    [[ $(run_log third) == right ]] || fail "third log: $(run_log third)"
    cmp -s "$blob" <(printf 'right') || fail "the blob was not repaired"
}

test_snapshot_store_repairs_a_blob_of_the_wrong_size() {
    mkdir code
    printf 'print(1)\n' >code/a.py
    ferry run snapshot code --store
    expect_status 0
    local blob
    blob=$(blob_of_bytes $'print(1)\n')
    damage_blob "$blob" $'print(1)\nappended by someone\n'
    ferry run snapshot code --store
    expect_status 0
    [[ $ERR == *"1 (9 B) new"* ]] || fail "the store did not take the file again: $ERR"
    cmp -s "$blob" code/a.py || fail "the blob was not repaired"
}

test_a_damaged_dataset_blob_fails_the_run_clearly() {
    mkdir data
    printf 'alpha\n' >data/a.txt
    ferry dataset create -n tab --path data
    expect_status 0
    damage_blob "$(blob_of_bytes $'alpha\n')" $'omega\n'
    write_job job.yml 'cat ${{inputs.data}}/a.txt' 'inputs:
  data:
    type: uri_folder
    path: azureml:tab@latest
    mode: download'
    ferry run submit -f job.yml -n reader --wait
    expect_status 125
    [[ $(run_log reader) != *omega* ]] || fail "the damaged blob reached the job"
    run_field reader '.error' | grep -q "input 'data'.*a.txt.* is damaged" ||
        fail "the error does not say which input and file: $(run_field reader '.error')"
    [[ -z $(ls "$(workspace_dir)/cache/content/") ]] || fail "a damaged copy was cached"
}

test_a_job_run_as_root_cannot_write_to_the_store() {
    [[ $EUID == 0 ]] || skip "needs root (a private mount namespace)"
    local ws
    ws=$(workspace_dir)
    mkdir data
    printf 'alpha\n' >data/a.txt
    ferry dataset create -n tab --path data
    expect_status 0
    write_job job.yml "blob=\$(find $ws/objects -type f ! -path '*/tmp/*' | head -n 1)
echo poison >>\"\$blob\" 2>/dev/null && echo objects-written || echo objects-refused
mkdir -p $ws/cache/content/planted 2>/dev/null && echo cache-written || echo cache-refused
for f in $ws/cache/content/*/a.txt; do echo poison >>\"\$f\" 2>/dev/null && echo input-written || echo input-refused; done
touch \${{inputs.data}}/new 2>/dev/null && echo mount-written || echo mount-refused" 'inputs:
  data:
    type: uri_folder
    path: azureml:tab@latest'
    ferry run submit -f job.yml -n attacker --wait
    expect_status 0
    local log
    log=$(run_log attacker)
    [[ $log == *objects-refused* && $log == *cache-refused* && $log == *input-refused* &&
        $log == *mount-refused* ]] || fail "the job could write to the store: $log"
    [[ $log != *written* ]] || fail "the job could write to the store: $log"
    # A second run reads the input as stored.
    write_job job.yml 'cat ${{inputs.data}}/a.txt' 'inputs:
  data:
    type: uri_folder
    path: azureml:tab@latest'
    ferry run submit -f job.yml -n reader --wait
    expect_status 0
    [[ $(run_log reader) == alpha ]] || fail "reader log: $(run_log reader)"
    [[ -z $(case_mounts) ]] || fail "mounts left behind: $(case_mounts)"
}
