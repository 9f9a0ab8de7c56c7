# Black-box tests of `validate` and `schema` in every group that reads spec files.
# shellcheck shell=bash

# The group whose `validate` checks a spec file, from its name in tests/specs.
group_of() {
    case $(basename "$1") in
        job_* | sweep_*) echo run ;;
        env_*) echo env ;;
        data_*) echo dataset ;;
        model_*) echo model ;;
        compute_*) echo compute ;;
        workspace_*) echo workspace ;;
        *) return 1 ;;
    esac
}

# Every sample: its group and file.
samples() {
    cat <<LIST
run samples/hello/job.yml
compute samples/slurm/cluster.yml
run samples/slurm/pytorch-ddp-2-nodes.yml
run samples/sklearn-digits/job.yml
run samples/pytorch-ddp/job.yml
run samples/mpi/job.yml
run samples/tensorflow-tfconfig/job.yml
run samples/sweep/sweep.yml
env samples/environments/venv.yml
env samples/environments/docker-build.yml
env samples/conda-env/env.yml
run samples/conda-env/job.yml
env samples/custom-docker/env.yml
run samples/custom-docker/job.yml
dataset samples/data/digits.yml
run samples/data/consume-job.yml
model samples/models/digits.yml
compute samples/compute/local.yml
compute samples/compute/slurm.yml
workspace samples/workspace/team.yml
LIST
}

test_every_sample_validates() {
    local group file count=0
    while read -r group file; do
        ferry "$group" validate -f "$FERRY_SOURCE_DIR/$file" -o json
        [[ $STATUS == 0 ]] || fail "$file does not validate"
        expect_json
        count=$((count + 1))
    done < <(samples)
    # Every YAML file under samples/ is in the list above (but conda files, which are not
    # ferry's specs).
    local listed on_disk
    listed=$(samples | awk '{print $2}' | sort)
    on_disk=$(cd "$FERRY_SOURCE_DIR" && find samples -name '*.yml' ! -name conda.yml | sort)
    [[ $listed == "$on_disk" ]] || fail "samples not covered: $(comm -13 <(echo "$listed") <(echo "$on_disk"))"
}

test_every_sample_matches_the_json_schema() {
    /usr/bin/python3 -c 'import jsonschema, yaml' 2>/dev/null || skip "python3-jsonschema or python3-yaml is missing"
    local group file kind
    while read -r group file; do
        kind=""
        [[ $file == *sweep* ]] && kind=sweep
        # shellcheck disable=SC2086
        "$FERRY" "$group" schema $kind >"$TEST_ROOT/schema.json" || fail "no schema for $group"
        /usr/bin/python3 - "$TEST_ROOT/schema.json" "$FERRY_SOURCE_DIR/$file" <<'PY' || fail "$file does not match the schema of '$group'"
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(open(sys.argv[2])))
PY
    done < <(samples)
}

test_schema_rejects_a_typo() {
    /usr/bin/python3 -c 'import jsonschema, yaml' 2>/dev/null || skip "python3-jsonschema or python3-yaml is missing"
    "$FERRY" run schema >"$TEST_ROOT/schema.json"
    printf 'type: command\ncommand: echo hi\nenviroment: x\n' >bad.yml
    /usr/bin/python3 - "$TEST_ROOT/schema.json" bad.yml <<'PY' && fail "the schema accepted 'enviroment'"
import json, sys, yaml, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(yaml.safe_load(open(sys.argv[2])))
PY
    return 0
}

test_misspelt_key_exits_2_with_position() {
    printf 'type: command\ncommand: echo hi\nenviroment: azureml:x@latest\n' >bad.yml
    ferry run validate -f bad.yml
    expect_status 2
    expect_out ""
    expect_err "bad.yml:3:1: unknown key 'enviroment' (did you mean 'environment'?)
  enviroment: azureml:x@latest
  ^
ferry: error: bad.yml: 1 error"
}

test_broken_corpus_gives_the_expected_messages() {
    local file expected group count=0 sets
    for file in "$FERRY_SOURCE_DIR"/tests/specs/bad/*.yml; do
        group=$(group_of "$file") || fail "no group for $file"
        expected=${file%.yml}.expected
        # NAME.set holds the --set values of a case, one per line.
        sets=()
        if [[ -f ${file%.yml}.set ]]; then
            while IFS= read -r line; do
                [[ -n $line ]] && sets+=(--set "$line")
            done <"${file%.yml}.set"
        fi
        (cd "$FERRY_SOURCE_DIR" && "$FERRY" "$group" validate -f "tests/specs/bad/$(basename "$file")" "${sets[@]}") \
            >"$TEST_ROOT/out" 2>"$TEST_ROOT/err" && fail "$file validated"
        [[ -s $TEST_ROOT/out ]] && fail "$file: something on stdout"
        # The diagnostics, then one summary line.
        diff <(head -n -1 "$TEST_ROOT/err") "$expected" >"$TEST_ROOT/diff" ||
            fail "$file: $(cat "$TEST_ROOT/diff")"
        tail -1 "$TEST_ROOT/err" | grep -qE "^ferry: error: tests/specs/bad/.*: [0-9]+ errors?$" ||
            fail "$file: no summary line"
        count=$((count + 1))
    done
    [[ $count -ge 40 ]] || fail "only $count broken specs"
}

test_set_is_typed_by_the_schema() {
    ferry run validate -f "$FERRY_SOURCE_DIR/samples/hello/job.yml" -o json \
        --set limits.timeout=60 --set inputs.times=0.5 inputs.greeting=yes environment_variables.N=1
    expect_status 0
    expect_jq '.limits.timeout == 60 and .inputs.times == 0.5 and .inputs.greeting == "yes"'
    expect_jq '.environment_variables.N == "1"'
}

test_set_through_a_reference_string_is_refused() {
    printf 'type: command\ncommand: echo hi\nenvironment: azureml:x@latest\n' >job.yml
    ferry run validate -f job.yml --set environment.image=python:3.11
    expect_status 2
    expect_err "--set environment.image=python:3.11: Cannot use '--set' on properties defined by reference strings: environment
ferry: error: job.yml: 1 error"
}

test_set_bad_integer_is_refused() {
    ferry run validate -f "$FERRY_SOURCE_DIR/samples/hello/job.yml" --set limits.timeout=soon
    expect_status 2
    expect_err_contains "--set limits.timeout=soon: "
}

test_name_override() {
    ferry run validate -f "$FERRY_SOURCE_DIR/samples/hello/job.yml" -n my_run -o json
    expect_status 0
    expect_jq '.name == "my_run"'
}

test_relative_paths_resolve_from_the_spec_file() {
    mkdir -p project/src elsewhere
    printf 'type: command\ncode: ./src\ncommand: ls\ninputs:\n  d:\n    type: uri_folder\n    path: ./data\n' >project/job.yml
    cd elsewhere
    ferry run validate -f ../project/job.yml -o json
    expect_status 0
    expect_jq ".code == \"$TEST_ROOT/work/project/src\""
    expect_jq ".inputs.d.path == \"$TEST_ROOT/work/project/data\""
}

test_optional_block_and_undefined_name() {
    printf 'type: command\ncommand: run $[[--x ${{inputs.x}}]] ${{inputs.nope}}\ninputs:\n  x:\n    type: uri_file\n    optional: true\n' >job.yml
    ferry run validate -f job.yml
    expect_status 2
    expect_err_contains "job.yml:2:"
    expect_err_contains "inputs.nope"
}

test_literal_types_are_kept() {
    printf 'type: command\ncommand: echo\ninputs:\n  a: 1.0\n  b: "yes"\n  c: true\n  d: 3\n' >job.yml
    ferry run validate -f job.yml -o json
    expect_status 0
    expect_jq '(.inputs.a | type) == "number" and .inputs.b == "yes" and .inputs.c == true and .inputs.d == 3'
    # 1.0 stays 1.0 in YAML too; it must not become true or 1.
    ferry run validate -f job.yml -o yaml
    expect_out_contains "a: 1.0"
    expect_out_contains 'b: "yes"'
}

test_missing_file_is_one_line() {
    ferry env validate -f nope.yml
    expect_status 1
    expect_err "ferry: error: cannot read $PWD/nope.yml: No such file or directory"
}

test_schema_kinds() {
    ferry run schema sweep
    expect_status 0
    expect_json
    expect_jq '."$schema" == "https://json-schema.org/draft/2020-12/schema"'
    ferry run schema nope
    expect_status 2
    expect_err "ferry: error: unknown job kind 'nope': use command, sweep"
    ferry env schema -o yaml
    expect_status 0
    expect_out_contains "properties:"
}
