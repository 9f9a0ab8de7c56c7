# Black-box tests of environments: the registry (`ferry env create/list/show/archive/
# restore/build`), jobs in a venv (pip-only conda files, pip_requirements), jobs in Docker
# containers (built from a Dockerfile, or an image as it is; cancel, timeout, read-only
# inputs, ranks), private registries and the build output in `run stream`
# (contract: shared-notes/env-contract.md).
# shellcheck shell=bash
# The commands of jobs are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"
# shellcheck source=docker_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/docker_lib.sh"

# Debian's python3 (with venv and pip) builds the venvs and the wheels, not a shim in front
# of it.
export PATH=/usr/bin:$PATH

# --- cleanup of what Docker keeps outside the case's directory

# The images ferry built for this case (ferry-env:...) and the tags it made; removed at the
# end of the case, with every container of its workspace, also after a failed assertion.
ENV_TEST_DOCKER=""
ENV_TEST_IMAGES=()

remove_case_docker_objects() {
    [[ -n $ENV_TEST_DOCKER ]] || return 0
    local id label
    while IFS=$'\t' read -r id label; do
        [[ -n $id && $label == "$TEST_ROOT"/* ]] && docker rm -f "$id" >/dev/null 2>&1
    done < <(docker ps -a --filter label=ferry.workspace --format '{{.ID}}	{{.Label "ferry.workspace"}}' 2>/dev/null)
    if ((${#ENV_TEST_IMAGES[@]})); then
        docker rmi -f "${ENV_TEST_IMAGES[@]}" >/dev/null 2>&1 || true
    fi
    return 0
}

chain_exit_trap remove_case_docker_objects

# need_docker and need_test_image of docker_lib.sh, noting that the case uses Docker.
need_images() {
    need_test_image
    ENV_TEST_DOCKER=1
}

# Notes the image of run $1's environment (ferry-env:...) for removal at the end.
forget_env_image_of() {
    local location
    location=$(run_field "$1" '.environment.location // empty')
    [[ $location == ferry-env:* ]] && ENV_TEST_IMAGES+=("$location")
    return 0
}

# A Dockerfile in directory $1: FROM ferry-test/base:1, a label unique to the case (so that
# its image is never one that another case or an earlier test run built), then the lines
# given.
write_dockerfile() {
    local dir=$1
    shift
    mkdir -p "$dir"
    {
        printf 'FROM %s\n' "$FERRY_TEST_BASE_IMAGE"
        printf 'LABEL ferry.test.case="%s-%s"\n' "${TEST_ROOT##*/}" "$RANDOM$RANDOM"
        printf '%s\n' "$@"
    } >"$dir/Dockerfile"
}

# The run's system log (supervisor.log), or "" when missing.
supervisor_log() {
    cat "$(run_dir "$1")/system_logs/supervisor.log" 2>/dev/null || true
}

# Fails unless no container of run $1 is left (running or stopped).
expect_no_containers() {
    local left
    left=$(run_containers "$1")
    [[ -z $left ]] || fail "containers of run $1 are left: $(docker ps -a --filter "label=ferry.run=$1" --format '{{.ID}} {{.Names}} {{.Status}}')"
}

# --- venv helpers

need_venv_python() {
    /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || skip "python3-venv is missing"
    /usr/bin/python3 -m pip --version >/dev/null 2>&1 || skip "python3-pip is missing"
    /usr/bin/python3 -c 'import setuptools, wheel' 2>/dev/null ||
        skip "python3-setuptools or python3-wheel is missing"
}

# Builds the wheel of ferry-sample-greeting (samples/conda-env/greeting-package, copied so
# that the build leaves nothing in the source tree) into $TEST_ROOT/wheels, and exports
# pip's variables that make the venvs install from there only.
make_greeting_wheel() {
    need_venv_python
    local package=$TEST_ROOT/greeting-package
    cp -r "$FERRY_SOURCE_DIR/samples/conda-env/greeting-package" "$package"
    /usr/bin/python3 -m pip wheel -q --no-deps --no-build-isolation "$package" -w "$TEST_ROOT/wheels" \
        >"$TEST_ROOT/wheel.log" 2>&1 || {
        OUT=$(cat "$TEST_ROOT/wheel.log")
        fail "could not build the wheel of ferry-sample-greeting"
    }
    WHEELS=$TEST_ROOT/wheels
    export PIP_NO_INDEX=1 PIP_FIND_LINKS=$WHEELS PIP_DISABLE_PIP_VERSION_CHECK=1
}

# The YAML of an inline environment with a pip-only conda file installing ferry-sample-greeting.
GREETING_CONDA_ENV='environment:
  conda_file:
    dependencies:
      - python=3.11
      - pip
      - pip:
          - ferry-sample-greeting'

GREET_COMMAND='python -c "import ferry_sample_greeting as g; print(g.greet())"; echo "VIRTUAL_ENV=$VIRTUAL_ENV"; echo "python=$(command -v python)"'

# A pip-only conda file for the registry cases.
write_conda_file() {
    printf 'dependencies:\n  - python=3.11\n  - pip\n  - pip:\n      - %s\n' "${2:-ferry-sample-greeting}" >"$1"
}

# =====================================================================================
# --- the registry

test_create_from_flags_prints_the_record() {
    write_conda_file conda.yml
    ferry env create -n greet --conda-file conda.yml --description 'a greeting' --tag team=ml -o json
    expect_status 0
    expect_json
    expect_jq_all '.name == "greet"' '.version == "1"' '.runtime == "venv"' \
        '.hash | test("^[0-9a-f]{64}$")' '.description == "a greeting"' '.tags == {"team": "ml"}' \
        '.archived == false' ".definition.conda_file == $(jq -Rs . <conda.yml)" \
        '.definition.image == null and .definition.build == null and .definition.pip_requirements == null' \
        '.definition.user_managed_dependencies == false and .definition.image_registry == null' \
        '.created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")'
}

test_create_from_a_file_resolves_paths_next_to_it() {
    mkdir defs
    write_conda_file defs/conda.yml
    printf 'name: from-file\ndescription: made from a file\nconda_file: conda.yml\ntags:\n  stage: dev\n' >defs/env.yml
    ferry env create -f defs/env.yml -o json
    expect_status 0
    expect_json
    expect_jq_all '.name == "from-file"' '.version == "1"' '.runtime == "venv"' \
        '.description == "made from a file"' '.tags == {"stage": "dev"}' \
        ".definition.conda_file == $(jq -Rs . <defs/conda.yml)"
    ferry env show from-file:1 -o json
    expect_status 0
    expect_jq '.name == "from-file" and .version == "1"'
}

test_versions_increment_from_one() {
    write_conda_file conda.yml
    ferry env create -n counted --conda-file conda.yml -o json
    expect_status 0
    expect_jq '.version == "1"'
    write_conda_file conda.yml other-package
    ferry env create -n counted --conda-file conda.yml -o json
    expect_status 0
    expect_jq '.version == "2"'
    ferry env list --all-versions -o json
    expect_status 0
    expect_jq '[.[] | select(.name == "counted") | .version] | sort == ["1", "2"]'
}

test_an_existing_version_is_refused_and_nothing_changes() {
    write_conda_file conda.yml
    ferry env create -n fixed --conda-file conda.yml
    expect_status 0
    ferry env show fixed:1 -o json
    local before=$OUT
    write_conda_file conda.yml other-package
    ferry env create -n fixed --version 1 --conda-file conda.yml
    expect_status 2
    expect_out ""
    expect_err "ferry: error: environment 'fixed:1' already exists; a version is never overwritten (leave out the version to register fixed:2)"
    ferry env show fixed:1 -o json
    expect_status 0
    [[ $OUT == "$before" ]] || fail "fixed:1 changed; before:
$before"
    ferry env list --all-versions --include-archived -o json
    expect_jq 'length == 1'
}

test_editing_the_conda_file_after_create_changes_nothing() {
    write_conda_file conda.yml
    local text
    text=$(jq -Rs . <conda.yml)
    ferry env create -n frozen --conda-file conda.yml -o json
    expect_status 0
    local hash
    hash=$(jq -r .hash <<<"$OUT")
    write_conda_file conda.yml edited-package
    ferry env show frozen:1 -o json
    expect_status 0
    expect_jq_all ".definition.conda_file == $text" ".hash == \"$hash\""
    ferry env create -n frozen --conda-file conda.yml -o json
    expect_status 0
    expect_jq_all '.version == "2"' ".hash != \"$hash\"" '.definition.conda_file | contains("edited-package")'
}

test_list_shows_the_latest_version_of_each_name() {
    write_conda_file conda.yml
    ferry env create -n alpha --conda-file conda.yml --description first
    write_conda_file conda.yml second-package
    ferry env create -n alpha --conda-file conda.yml --description second
    ferry env create -n beta --conda-file conda.yml
    expect_status 0
    ferry env list -o json
    expect_status 0
    expect_json
    expect_jq_all 'length == 2' '[.[] | "\(.name):\(.version)"] | sort == ["alpha:2", "beta:1"]' \
        '.[] | select(.name == "alpha") | .description == "second"'
    ferry env list --all-versions -o json
    expect_status 0
    expect_jq '[.[] | "\(.name):\(.version)"] | sort == ["alpha:1", "alpha:2", "beta:1"]'
    ferry env list
    expect_status 0
    local header hash
    header=$(head -n 1 <<<"$OUT" | tr -s ' ')
    [[ $header == "NAME VERSION RUNTIME HASH CREATED DESCRIPTION" ]] || fail "header: $header"
    hash=$("$FERRY" env show alpha:2 -o json </dev/null | jq -r .hash)
    grep -qE "^alpha +2 +venv +${hash:0:12} " <<<"$OUT" || fail "no row 'alpha 2 venv ${hash:0:12}'"
    [[ $(wc -l <<<"$OUT") == 3 ]] || fail "expected a header and two rows"
}

test_show_accepts_latest_version_and_azureml_prefix() {
    write_conda_file conda.yml
    ferry env create -n named --conda-file conda.yml
    write_conda_file conda.yml second-package
    ferry env create -n named --conda-file conda.yml
    # Each word: what `env show` is given, then " => " and the version it must show.
    local spec want failed=() cases=("named@latest => 2" "named:1 => 1" "named:2 => 2"
        "azureml:named:1 => 1" "azureml:named@latest => 2" "named => 2")
    for spec in "${cases[@]}"; do
        want=${spec#* => }
        spec=${spec% => *}
        ferry env show "$spec" -o json
        [[ $STATUS == 0 && $(jq -r '.name + ":" + .version' <<<"$OUT" 2>/dev/null) == "named:$want" ]] ||
            failed+=("$spec (exit $STATUS: $(jq -c '{name, version}' <<<"$OUT" 2>/dev/null || echo "$ERR"))")
    done
    ((${#failed[@]} == 0)) || fail "these did not show named:<version>:
$(printf '  %s\n' "${failed[@]}")"
    ferry env show named:1 -o json
    expect_jq_all '.materialized.state == "absent"' '.materialized.location | test("/environments/[0-9a-f]{16}-[0-9a-f]{8}$")'
}

test_archive_hides_from_list_and_latest_but_not_by_version() {
    write_conda_file conda.yml
    ferry env create -n shelved --conda-file conda.yml
    write_conda_file conda.yml second-package
    ferry env create -n shelved --conda-file conda.yml
    ferry env archive shelved:2
    expect_status 0
    ferry env list -o json
    expect_jq '[.[] | "\(.name):\(.version)"] == ["shelved:1"]'
    ferry env show shelved@latest -o json
    expect_status 0
    expect_jq '.version == "1"'
    ferry env show shelved:2 -o json
    expect_status 0
    expect_jq '.version == "2" and .archived == true'
    ferry env list --all-versions --include-archived -o json
    expect_jq '[.[] | .version] | sort == ["1", "2"]'
    # Without a version: every version.
    ferry env archive shelved
    expect_status 0
    ferry env list --all-versions -o json
    expect_jq 'length == 0'
    ferry env show shelved@latest
    expect_status 2
    ferry env show shelved:1 -o json
    expect_status 0
    expect_jq '.archived == true'
}

test_restore_brings_archived_versions_back() {
    write_conda_file conda.yml
    ferry env create -n back --conda-file conda.yml
    write_conda_file conda.yml second-package
    ferry env create -n back --conda-file conda.yml
    ferry env archive back
    expect_status 0
    ferry env restore back
    expect_status 0
    ferry env list --all-versions -o json
    expect_jq '[.[] | "\(.version):\(.archived)"] | sort == ["1:false", "2:false"]'
    ferry env show back@latest -o json
    expect_jq '.version == "2"'
}

test_a_missing_conda_file_exits_2_and_records_nothing() {
    printf 'name: broken\nconda_file: missing.yml\n' >env.yml
    ferry env create -f env.yml
    expect_status 2
    expect_out ""
    expect_err "ferry: error: env.yml: conda_file: cannot read $PWD/missing.yml: No such file or directory"
    ferry env list --all-versions --include-archived -o json
    expect_status 0
    expect_jq 'length == 0'
}

test_an_unknown_environment_exits_2() {
    ferry env show nope:3
    expect_status 2
    expect_out ""
    expect_one_err_line
    [[ $ERR == "ferry: error: no environment 'nope:3' in workspace 'default'"* ]] ||
        fail "expected stderr to start with: ferry: error: no environment 'nope:3' in workspace 'default'"
    ferry env show nope
    expect_status 2
    expect_one_err_line
    expect_err_contains "no environment 'nope"
    write_conda_file conda.yml
    ferry env create -n known --conda-file conda.yml
    ferry env show known:2
    expect_status 2
    expect_err_contains "no environment 'known:2' in workspace 'default'"
    ferry env archive nope
    expect_status 2
    expect_err_contains "no environment 'nope"
}

test_conda_packages_without_conda_are_refused_at_submit() {
    local tool
    for tool in micromamba mamba conda; do
        command -v "$tool" >/dev/null && skip "$tool is installed"
    done
    write_job job.yml 'echo ran' 'environment:
  conda_file:
    dependencies:
      - python=3.11
      - numpy'
    ferry run submit -f job.yml -n condaless
    expect_status 2
    expect_out ""
    expect_one_err_line
    expect_err_contains "needs conda, mamba or micromamba for"
    expect_err_contains numpy
    ferry run show condaless
    expect_status 2
}

# =====================================================================================
# --- Azure registry and curated environments

test_registry_and_curated_environments_run_once_mapped() {
    local registry=azureml://registries/azureml/environments/sklearn-1.5
    write_job job.yml 'echo "ran in $CONDA_PREFIX$VIRTUAL_ENV."' "environment: $registry/labels/latest"
    write_job curated.yml 'echo curated' 'environment: azureml:AzureML-sklearn-1.5@latest'
    ferry run validate -f job.yml
    expect_status 0
    # Not registered, not mapped: refused with the commands that would fix it; nothing recorded.
    ferry run submit -f job.yml -n mapped
    expect_status 2
    expect_out ""
    expect_one_err_line
    expect_err_contains "ferry: error: job.yml:4:14: environment '$registry/labels/latest' is an Azure curated environment not in workspace 'default'; register one named 'sklearn-1.5' ('ferry env create --from-curated sklearn-1.5') or map it ('ferry env map $registry LOCAL_ENV', or 'ferry env map $registry host')"
    ferry run show mapped
    expect_status 2
    # One mapping of the registry's name serves both forms, for every version.
    ferry env map AzureML-sklearn-1.5 host -o json
    expect_status 0
    expect_jq_all ".reference == \"$registry\"" '.target == "host"' '.created_at | test("^[0-9]{4}-")'
    ferry run submit -f job.yml -n mapped --wait
    expect_status 0
    [[ $(run_log mapped) == "ran in ." ]] || fail "log: $(run_log mapped)"
    ferry run submit -f curated.yml -n curated --wait
    expect_status 0
    ferry run show curated -o json
    expect_jq '.status == "Completed" and .runtime == "host" and .environment == null'
    ferry env map -o json
    expect_jq "length == 1 and .[0].reference == \"$registry\""
    ferry env map --remove "$registry"
    expect_status 0
    expect_err_contains "removed the mapping of $registry"
    ferry env map -o json
    expect_jq 'length == 0'
    ferry run submit -f curated.yml -n unmapped
    expect_status 2
    expect_err_contains "environment 'AzureML-sklearn-1.5@latest' is an Azure curated environment"
}

test_a_registered_environment_of_the_name_comes_before_a_mapping() {
    ferry env create --from-curated sklearn-1.5 -o json
    expect_status 0
    expect_jq_all '.name == "sklearn-1.5" and .version == "1"' '.tags.curated == "sklearn-1.5"' \
        '.tags.source | startswith("Azure/azureml-assets@")' \
        '.definition.conda_file | contains("python=3.10") and contains("scikit-learn~=1.5.0")'
    # A user-managed environment: runs on the host, as this machine is.
    ferry env create -n here --set user_managed_dependencies=true
    expect_status 0
    ferry env map AzureML-sklearn-1.5 host
    ferry env map AzureML-sklearn-1.5:20 here
    expect_status 0
    expect_out_contains "here:1"
    write_job pinned.yml 'echo pinned' 'environment: azureml:AzureML-sklearn-1.5:20'
    ferry run submit -f pinned.yml -n pinned --wait
    expect_status 0
    [[ $(run_log pinned) == pinned ]] || fail "log: $(run_log pinned)"
    # @latest finds the registered sklearn-1.5 (a venv of Azure's pins) before the mapping to
    # the host.
    write_job latest.yml 'echo latest' 'environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest'
    ferry run submit -f latest.yml --dry-run -o json
    expect_status 0
    expect_jq '.environment.name == "sklearn-1.5" and .environment.version == "1" and .environment.runtime == "venv"'
}

# =====================================================================================
# --- venv

test_venv_job_from_a_pip_only_conda_file() {
    make_greeting_wheel
    write_job job.yml "$GREET_COMMAND" "$GREETING_CONDA_ENV"
    ferry run submit -f job.yml -n greeted --wait
    expect_status 0
    local log location
    log=$(run_log greeted)
    ferry run show greeted -o json
    expect_jq_all '.status == "Completed"' '.runtime == "venv"' '.environment.runtime == "venv"' \
        '.environment.cache == "built"' '.environment.name == null and .environment.version == null' \
        '.environment.hash | test("^[0-9a-f]{64}$")'
    location=$(jq -r .environment.location <<<"$OUT")
    # A venv of each python3: WORKSPACE/environments/<hash16>-<8 hex of the interpreter>.
    [[ $location == "$(workspace_dir)/environments/$(jq -r '.environment.hash[0:16]' <<<"$OUT")"-???????? ]] ||
        fail "location $location is not WORKSPACE/environments/<hash16>-<interpreter>"
    [[ $log == "hello from a venv
VIRTUAL_ENV=$location
python=$location/bin/python" ]] || fail "log:
$log"
    [[ -s $(run_dir greeted)/system_logs/environment_build.txt ]] || fail "no system_logs/environment_build.txt"
    [[ $(supervisor_log greeted) == *"): building $location; its output is in system_logs/environment_build.txt"* ]] ||
        fail "supervisor.log:
$(supervisor_log greeted)"
}

test_venv_second_run_is_a_cache_hit() {
    make_greeting_wheel
    write_job job.yml "$GREET_COMMAND" "$GREETING_CONDA_ENV"
    ferry run submit -f job.yml -n first --wait
    expect_status 0
    ferry run submit -f job.yml -n second --wait
    expect_status 0
    [[ $(run_log second) == "hello from a venv"* ]] || fail "log: $(run_log second)"
    ferry run show second -o json
    expect_jq_all '.environment.cache == "hit"' '.runtime == "venv"'
    local hash log
    hash=$(jq -r '.environment.hash[0:12]' <<<"$OUT")
    log=$(supervisor_log second)
    [[ $log == *"environment $hash (venv): cache hit, "* ]] || fail "no 'cache hit' in supervisor.log:
$log"
    [[ $log != *building* ]] || fail "the second run built again:
$log"
}

test_two_runs_needing_a_new_venv_at_once_build_it_once() {
    make_greeting_wheel
    write_job job.yml "$GREET_COMMAND" "$GREETING_CONDA_ENV"
    ferry compute create --name pair --max-concurrent-runs 2
    expect_status 0
    "$FERRY" run submit -f job.yml -n left --compute pair --wait >/dev/null 2>&1 &
    local left=$!
    ferry run submit -f job.yml -n right --compute pair --wait
    expect_status 0
    wait "$left" || fail "run left failed"
    local caches
    caches=$(for run in left right; do "$FERRY" run show "$run" -o json | jq -r .environment.cache; done | sort | tr '\n' ' ')
    [[ $caches == "built hit " ]] || fail "caches of the two runs: $caches (one build expected)"
    local builds
    builds=$(cat "$(run_dir left)/system_logs/supervisor.log" "$(run_dir right)/system_logs/supervisor.log" |
        grep -c ': building ' || true)
    [[ $builds == 1 ]] || fail "$builds builds in the two system logs"
    [[ $(run_log left) == "hello from a venv"* && $(run_log right) == "hello from a venv"* ]] ||
        fail "logs: $(run_log left) / $(run_log right)"
}

test_venv_from_pip_requirements_with_find_links_lines() {
    make_greeting_wheel
    # The requirements say where to look themselves: no PIP_ variables.
    unset PIP_NO_INDEX PIP_FIND_LINKS
    printf -- '--no-index\n--find-links %s\nferry-sample-greeting\n' "$WHEELS" >requirements.txt
    ferry env create -n reqs --pip-requirements requirements.txt -o json
    expect_status 0
    expect_jq_all '.runtime == "venv"' '.definition.pip_requirements | contains("ferry-sample-greeting")'
    write_job job.yml "$GREET_COMMAND" 'environment: azureml:reqs:1'
    ferry run submit -f job.yml -n required --wait
    expect_status 0
    [[ $(run_log required) == "hello from a venv"* ]] || fail "log: $(run_log required)"
    ferry run show required -o json
    expect_jq_all '.runtime == "venv"' '.environment.name == "reqs" and .environment.version == "1"' \
        '.environment.cache == "built"'
}

test_venv_with_a_missing_package_fails_with_125_and_is_not_cached() {
    make_greeting_wheel
    write_job job.yml 'echo should-not-run' 'environment:
  conda_file:
    dependencies:
      - python=3.11
      - pip
      - pip:
          - ferry-no-such-package-xyz'
    ferry run submit -f job.yml -n unbuildable --wait
    expect_status 125
    ferry run show unbuildable -o json
    expect_jq_all '.status == "Failed"' \
        '.error | startswith("environment build failed (venv")' \
        '.error | contains("ferry-no-such-package-xyz")'
    [[ $(run_log unbuildable) != *should-not-run* ]] || fail "the job ran"
    ferry run submit -f job.yml -n again --wait
    expect_status 125
    local log
    log=$(supervisor_log again)
    [[ $log == *"(venv): building "* && $log != *"cache hit"* ]] || fail "the failed build was cached:
$log"
}

test_env_build_prewarms_a_venv_for_the_runs() {
    make_greeting_wheel
    write_conda_file conda.yml
    ferry env create -n warm --conda-file conda.yml
    expect_status 0
    ferry env build warm@latest -o json
    expect_status 0
    expect_jq_all '(if type == "array" then .[0] else . end) | .name == "warm" and .version == "1" and .runtime == "venv" and .cache == "built"'
    ferry env show warm:1 -o json
    expect_jq '.materialized.state == "ready"'
    ferry env build warm:1 -o json
    expect_status 0
    expect_jq '(if type == "array" then .[0] else . end) | .cache == "hit"'
    write_job job.yml "$GREET_COMMAND" 'environment: azureml:warm@latest'
    ferry run submit -f job.yml -n prewarmed --wait
    expect_status 0
    ferry run show prewarmed -o json
    expect_jq '.environment.cache == "hit"'
}

test_conda_env_sample_runs_in_a_venv() {
    make_greeting_wheel
    ferry env create -f "$FERRY_SOURCE_DIR/samples/conda-env/env.yml"
    expect_status 0
    ferry run submit -f "$FERRY_SOURCE_DIR/samples/conda-env/job.yml" -n sample --wait
    expect_status 0
    local log
    log=$(run_log sample)
    [[ $log == "hello from a venv
ferry-sample-greeting 1.0.0
python 3.11."*" at $(workspace_dir)/environments/"*"/bin/python3
in a venv: yes" ]] || fail "log:
$log"
}

# =====================================================================================
# --- Docker

# The YAML of an inline environment built from ./ctx.
BUILD_ENV='environment:
  build:
    path: ./ctx'

test_docker_build_job_completes_and_outputs_are_downloadable() {
    need_images
    write_dockerfile ctx 'RUN echo built-marker > /marker'
    write_job job.yml 'cat /marker; mkdir -p outputs; echo ok > outputs/o.txt' "$BUILD_ENV"
    ferry run submit -f job.yml -n built --wait
    forget_env_image_of built
    expect_status 0
    [[ $(run_log built) == built-marker ]] || fail "log: $(run_log built)"
    ferry run show built -o json
    expect_jq_all '.status == "Completed"' '.runtime == "docker"' '.environment.runtime == "docker"' \
        '.environment.cache == "built"' '.environment.location == "ferry-env:" + .environment.hash[0:16]'
    docker image inspect "$(jq -r .environment.location <<<"$OUT")" >/dev/null 2>&1 ||
        fail "no image $(jq -r .environment.location <<<"$OUT")"
    expect_no_containers built
    ferry run download built -p dl
    expect_status 0
    [[ $(content_of dl/artifacts/outputs/o.txt) == ok ]] || fail "outputs/o.txt: $(content_of dl/artifacts/outputs/o.txt)"
}

test_docker_second_run_is_a_cache_hit() {
    need_images
    write_dockerfile ctx 'RUN echo built-marker > /marker'
    write_job job.yml 'cat /marker' "$BUILD_ENV"
    ferry run submit -f job.yml -n once --wait
    forget_env_image_of once
    expect_status 0
    expect_no_containers once
    ferry run submit -f job.yml -n twice --wait
    expect_status 0
    [[ $(run_log twice) == built-marker ]] || fail "log: $(run_log twice)"
    ferry run show twice -o json
    expect_jq '.environment.cache == "hit"'
    local log
    log=$(supervisor_log twice)
    [[ $log == *"(docker): cache hit, ferry-env:"* ]] || fail "no 'cache hit' in supervisor.log:
$log"
    [[ $log != *building* ]] || fail "the second run built again:
$log"
    expect_no_containers twice
}

test_docker_failed_build_fails_the_run_with_125() {
    need_images
    write_dockerfile ctx 'RUN echo before-the-failure' 'RUN false-command-xyz'
    write_job job.yml 'echo should-not-run' "$BUILD_ENV"
    ferry run submit -f job.yml -n brokenbuild --wait
    forget_env_image_of brokenbuild
    expect_status 125
    ferry run show brokenbuild -o json
    expect_jq_all '.status == "Failed"' '.error | startswith("environment build failed (docker")' \
        '.error | contains("false-command-xyz")'
    local hash
    hash=$(jq -r '.environment.hash[0:16]' <<<"$OUT")
    ! docker image inspect "ferry-env:$hash" >/dev/null 2>&1 || fail "the failed build left the image ferry-env:$hash"
    [[ $(run_log brokenbuild) != *should-not-run* ]] || fail "the job ran"
    expect_no_containers brokenbuild
}

test_docker_image_with_user_managed_dependencies_runs_as_it_is() {
    need_images
    write_job job.yml 'cat /etc/ferry-test-image; echo "cwd=$(pwd)"; echo "run=$FERRY_RUN_ID"' 'environment:
  image: ferry-test/base:1
  user_managed_dependencies: true'
    ferry run submit -f job.yml -n asis --wait
    expect_status 0
    [[ $(run_log asis) == "ferry-test/base
cwd=$(run_dir asis)/wd
run=asis" ]] || fail "log:
$(run_log asis)"
    ferry run show asis -o json
    expect_jq '.runtime == "docker" and .environment.runtime == "docker"'
    expect_no_containers asis
}

# A job in ferry-test/base:1 that sleeps until it is stopped; $2 is more YAML.
write_sleeping_container_job() {
    write_job "$1" "echo started; sleep $SLEEP_ARG" "environment:
  image: ferry-test/base:1
  user_managed_dependencies: true${2:+
$2}"
}

test_docker_cancel_removes_the_container_and_its_processes() {
    need_images
    # A duration no other case uses, to find the job's sleep among the host's processes.
    SLEEP_ARG=300.$RANDOM$RANDOM
    write_sleeping_container_job job.yml
    submit -f job.yml -n stopped
    wait_status stopped Running 60
    wait_until 30 pgrep -f "sleep $SLEEP_ARG"
    [[ -n $(run_containers stopped) ]] || fail "no container labelled ferry.run=stopped while it runs"
    ferry run cancel stopped --grace 2
    expect_status 0
    expect_out Canceled
    ferry run wait stopped
    expect_status 143
    expect_no_containers stopped
    local left
    left=$(pgrep -f "sleep $SLEEP_ARG" || true)
    [[ -z $left ]] || fail "the job's sleep outlived the cancel: $(describe_pids "$left")"
}

test_docker_timeout_removes_the_container_and_its_processes() {
    need_images
    SLEEP_ARG=300.$RANDOM$RANDOM
    write_sleeping_container_job job.yml 'limits:
  timeout: 3'
    ferry run submit -f job.yml -n overtime --wait
    expect_status 124
    ferry run show overtime -o json
    expect_jq '.status == "Failed"'
    expect_no_containers overtime
    local left
    left=$(pgrep -f "sleep $SLEEP_ARG" || true)
    [[ -z $left ]] || fail "the job's sleep outlived the timeout: $(describe_pids "$left")"
}

test_docker_ro_mount_input_refuses_writes() {
    need_images
    mkdir data
    printf 'original\n' >data/a.txt
    local before log
    before=$(tree_state data)
    write_job job.yml 'cat /etc/ferry-test-image; cat ${{inputs.data}}/a.txt; touch ${{inputs.data}}/x && echo write-allowed || echo write-refused; echo more >>${{inputs.data}}/a.txt && echo append-allowed || echo append-refused' 'inputs:
  data:
    type: uri_folder
    path: ./data
    mode: ro_mount
environment:
  image: ferry-test/base:1
  user_managed_dependencies: true'
    ferry run submit -f job.yml -n readonly --wait
    expect_status 0
    log=$(run_log readonly)
    [[ $log == "ferry-test/base"*"original"* ]] || fail "the input was not readable in the container: $log"
    [[ $log == *"write-refused"* && $log == *"append-refused"* ]] || fail "the input was writable: $log"
    [[ $(tree_state data) == "$before" ]] || fail "the source directory changed"
    expect_no_containers readonly
}

test_docker_pytorch_ranks_each_run_in_a_container() {
    need_images
    mkdir -p src
    cat >src/rank.py <<'PY'
import json, os
rank, world = os.environ["RANK"], os.environ["WORLD_SIZE"]
with open("/etc/ferry-test-image") as f:
    image = f.read().strip()
print(f"rank {rank} of {world} in {image}", flush=True)
os.makedirs("outputs", exist_ok=True)
with open(f"outputs/rank_{rank}.txt", "w") as f:
    json.dump({"rank": int(rank), "world_size": int(world)}, f)
PY
    write_job job.yml 'python3 rank.py' 'distribution:
  type: pytorch
  process_count_per_instance: 2
environment:
  image: ferry-test/python:1
  user_managed_dependencies: true'
    ferry run submit -f job.yml -n ranks --wait
    expect_status 0
    local rank log
    for rank in 0 1; do
        log=$(cat "$(run_dir ranks)/user_logs/std_log_process_$rank.txt" 2>/dev/null || true)
        [[ $log == "rank $rank of 2 in ferry-test/python" ]] || fail "rank $rank logged: $log"
    done
    ferry run download ranks -p dl
    expect_status 0
    for rank in 0 1; do
        [[ $(content_of "dl/artifacts/outputs/rank_$rank.txt") == "{\"rank\": $rank, \"world_size\": 2}" ]] ||
            fail "outputs/rank_$rank.txt: $(content_of "dl/artifacts/outputs/rank_$rank.txt")"
    done
    expect_no_containers ranks
}

test_custom_docker_sample_in_a_copy_with_a_local_base() {
    need_images
    [[ -f $FERRY_SOURCE_DIR/samples/custom-docker/docker-context/Dockerfile ]] ||
        fail "samples/custom-docker/docker-context/Dockerfile is missing"
    cp -r "$FERRY_SOURCE_DIR/samples/custom-docker" sample
    sed -i "s|^FROM .*|FROM $FERRY_TEST_BASE_IMAGE|" sample/docker-context/Dockerfile
    ferry env create -f sample/env.yml -o json
    expect_status 0
    expect_jq '.name == "custom-docker" and .runtime == "docker"'
    ferry run submit -f sample/job.yml -n custom --wait
    forget_env_image_of custom
    expect_status 0
    [[ $(run_log custom) == "built by ferry from samples/custom-docker
$(id -u)" ]] || fail "log:
$(run_log custom)"
    ferry run show custom -o json
    expect_jq '.environment.name == "custom-docker" and .environment.version == "1"'
    expect_no_containers custom
}

# --- private registries

# start_registry SECRET IMAGE: a registry on 127.0.0.1 (a free port, in REGISTRY_PORT) that
# serves IMAGE (saved from the local engine) as ferry/base:1 to the user u with the password
# SECRET only: without the right Authorization header every request gets a 401 with a Basic
# challenge. It logs "auth ok" for each authorized GET /v2/ (a login) and "pulled" for each
# manifest it serves to $TEST_ROOT/registry.log.
start_registry() {
    docker save "$2" >"$TEST_ROOT/image.tar"
    cat >"$TEST_ROOT/registry.py" <<'PY'
import base64, gzip, hashlib, http.server, json, os, sys, tarfile

secret, image_tar, log, port_file = sys.argv[1:5]
expected = "Basic " + base64.b64encode(f"u:{secret}".encode()).decode()

# The saved image as a registry holds it: a config blob, gzipped layers, a v2 manifest.
blobs = {}
def blob(data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return {"digest": digest, "size": len(data)}
with tarfile.open(image_tar) as tar:
    saved = json.load(tar.extractfile("manifest.json"))[0]
    config = tar.extractfile(saved["Config"]).read()
    layers = [gzip.compress(tar.extractfile(name).read(), 1) for name in saved["Layers"]]
manifest = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", **blob(config)},
    "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", **blob(layer)}
               for layer in layers],
}).encode()
manifest_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()

def note(line):
    with open(log, "a") as f:
        f.write(line + "\n")

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, code, body=b"", kind="application/json", headers=()):
        self.send_response(code)
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if self.headers.get("Authorization") != expected:
            note("denied " + self.path)
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                              headers=[("WWW-Authenticate", 'Basic realm="x"')])
        path = self.path.split("?")[0].rstrip("/")
        if path == "/v2":
            if self.command == "GET":
                note("auth ok")
            return self.reply(200, b"{}")
        if path in ("/v2/ferry/base/manifests/1", "/v2/ferry/base/manifests/" + manifest_digest):
            if self.command == "GET":
                note("pulled")
            return self.reply(200, manifest, manifest_media_type,
                              [("Docker-Content-Digest", manifest_digest)])
        prefix = "/v2/ferry/base/blobs/"
        if path.startswith(prefix) and path[len(prefix):] in blobs:
            digest = path[len(prefix):]
            return self.reply(200, blobs[digest], "application/octet-stream",
                              [("Docker-Content-Digest", digest)])
        return self.reply(404, b'{"errors":[{"code":"NOT_FOUND"}]}')

    do_HEAD = do_GET

    def log_message(self, *args):
        pass

manifest_media_type = "application/vnd.docker.distribution.manifest.v2+json"
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
PY
    /usr/bin/python3 "$TEST_ROOT/registry.py" "$1" "$TEST_ROOT/image.tar" "$TEST_ROOT/registry.log" \
        "$TEST_ROOT/registry.port" >"$TEST_ROOT/registry.out" 2>&1 &
    wait_until 20 test -s "$TEST_ROOT/registry.port"
    REGISTRY_PORT=$(cat "$TEST_ROOT/registry.port")
}

# The registry's log, for failure messages.
registry_log() {
    cat "$TEST_ROOT/registry.log" "$TEST_ROOT/registry.out" 2>/dev/null || true
}

test_private_registry_login_and_pull_keep_the_password_secret() {
    need_images
    SECRET=s3cr3t-$RANDOM$RANDOM-$RANDOM
    start_registry "$SECRET" "$FERRY_TEST_BASE_IMAGE"
    local image=127.0.0.1:$REGISTRY_PORT/ferry/base:1 transcript=$TEST_ROOT/transcript
    ENV_TEST_IMAGES+=("$image")
    # Not present locally: the run logs in, then pulls it.
    ! docker image inspect "$image" >/dev/null 2>&1 || fail "$image is already present"
    export FERRY_TEST_SECRET=$SECRET
    write_job job.yml 'cat /etc/ferry-test-image; mkdir -p outputs; echo done > outputs/done.txt' "environment:
  image: $image
  image_registry:
    address: 127.0.0.1:$REGISTRY_PORT
    username: u
    password_env: FERRY_TEST_SECRET"
    # Every command's stdout and stderr goes to the transcript.
    ferry run submit -f job.yml -n private --wait
    printf '%s\n%s\n' "$OUT" "$ERR" >>"$transcript"
    [[ $STATUS == 0 ]] || {
        OUT="$(run_field private '.error')
--- supervisor.log:
$(supervisor_log private)
--- registry:
$(registry_log)"
        fail "the run in the private image did not complete (exit $STATUS)"
    }
    [[ $(run_log private) == ferry-test/base ]] || fail "log: $(run_log private)"
    [[ $(registry_log) == *"auth ok"* && $(registry_log) == *pulled* ]] ||
        fail "the registry saw no login and pull: $(registry_log)"
    docker image inspect "$image" >/dev/null 2>&1 || fail "$image was not pulled"
    local args
    for args in "run show private -o json" "run show private" "run stream private" "run list -o json" \
        "run download private -p dl" "run wait private -o json"; do
        # shellcheck disable=SC2086 # the words of each command
        ferry $args
        printf '%s\n%s\n' "$OUT" "$ERR" >>"$transcript"
        [[ $STATUS == 0 ]] || fail "ferry $args failed"
    done
    [[ $(content_of dl/artifacts/outputs/done.txt) == "done" ]] || fail "outputs/done.txt: $(content_of dl/artifacts/outputs/done.txt)"
    local found
    found=$(grep -rla -- "$SECRET" "$FERRY_HOME" "$HOME" dl "$transcript" 2>/dev/null || true)
    [[ -z $found ]] || fail "the password was written to: $found"
    # The throw-away engine configuration of the login is gone.
    found=$(grep -rla -- "$SECRET" "${TMPDIR:-/tmp}"/ferry-login-* 2>/dev/null || true)
    [[ -z $found ]] || fail "the login's configuration was left behind: $found"
    [[ ! -e $HOME/.docker/config.json ]] || fail "the login was written to \$HOME/.docker/config.json"
    expect_no_containers private
}

test_private_registry_password_variable_must_be_set() {
    unset FERRY_TEST_SECRET
    write_job job.yml 'echo ran' 'environment:
  image: 127.0.0.1:5999/ferry/base:1
  image_registry:
    address: 127.0.0.1:5999
    username: u
    password_env: FERRY_TEST_SECRET'
    ferry run submit -f job.yml -n nosecret
    expect_status 2
    expect_out ""
    expect_one_err_line
    [[ $ERR == "ferry: error: job.yml: environment"* ]] || fail "expected stderr to start with: ferry: error: job.yml: environment"
    expect_err_contains "image_registry.password_env names FERRY_TEST_SECRET, which is not set"
    ferry run list -o json
    expect_jq 'length == 0'
}

# --- the build's output in run stream

test_stream_prints_the_build_output_before_the_jobs_log() {
    need_images
    # The build takes a few seconds, so that the stream attaches while the run prepares.
    write_dockerfile ctx 'RUN echo built-marker > /marker && sleep 2'
    write_job job.yml 'echo job-says-hi' "$BUILD_ENV"
    submit -f job.yml -n streamed
    ferry run stream streamed
    forget_env_image_of streamed
    expect_status 0
    local build_line job_line
    build_line=$(grep -n '^\[build\] .*built-marker' <<<"$OUT" | head -n 1 | cut -d: -f1)
    job_line=$(grep -nx 'job-says-hi' <<<"$OUT" | head -n 1 | cut -d: -f1)
    [[ -n $job_line ]] || fail "the job's line is not on stdout"
    [[ -n $build_line ]] || fail "no '[build] ' line with the build's RUN on stdout"
    ((build_line < job_line)) || fail "the build output came after the job's log"
    [[ $(grep -v '^\[build\] ' <<<"$OUT") == job-says-hi ]] || fail "stdout holds more than [build] lines and the job's"
}
