# Black-box tests of the component registry: `ferry component create/list/show/archive/
# restore`, its code snapshotted at create (kept by gc, checked by verify), and `validate`
# and `schema` of component files.
# shellcheck shell=bash
# The commands of components are written in single quotes: the job's shell expands them.
# shellcheck disable=SC2016

# shellcheck source=run_lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/run_lib.sh"

# A command component in comp/comp.yml, its code in comp/src.
write_component() {
    write_files comp <<'FILES'
src/train.py	print('train')\n
src/.gitignore	*.bin\n
src/data.bin	left out\n
FILES
    cat >comp/comp.yml <<'YAML'
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: train
display_name: Train
description: trains a model
code: ./src
command: python train.py --lr ${{inputs.lr}} --out ${{outputs.model}}
inputs:
  lr: {type: number, default: 0.01}
outputs:
  model: {type: uri_folder}
YAML
}

test_create_registers_versions_with_the_code_snapshotted() {
    write_component
    ferry component create -f comp/comp.yml -o json
    expect_status 0
    expect_json
    expect_jq_all '.name == "train"' '.version == "1"' '.files == 2' '.archived == false' \
        '(.snapshot | test("^[0-9a-f]{64}$"))' '.spec.code == env.PWD + "/comp/src"' \
        '.spec.inputs.lr.default == 0.01' '.is_deterministic == true'
    local snapshot
    snapshot=$(jq -r .snapshot <<<"$OUT")
    ferry component create -f comp/comp.yml --tag team=ml --description again -o json
    expect_status 0
    expect_jq_all '.version == "2"' ".snapshot == \"$snapshot\"" '.tags.team == "ml"' \
        '.description == "again"'
    ferry component create -f comp/comp.yml --version 2
    expect_status 2
    expect_one_err_line
    expect_err "ferry: error: component 'train:2' already exists; a version is never overwritten (leave out the version to register train:3)"
    # Editing the code later changes nothing in a registered version.
    echo "print('changed')" >comp/src/train.py
    ferry component show train:1 -o json
    expect_status 0
    expect_jq ".snapshot == \"$snapshot\""
    ferry component create -f comp/comp.yml -n other --version 1.0 -o json
    expect_status 0
    expect_jq_all '.name == "other"' '.version == "1.0"' ".snapshot != \"$snapshot\""
}

test_list_show_archive_and_restore() {
    write_component
    ferry component create -f comp/comp.yml
    ferry component create -f comp/comp.yml
    ferry component list
    expect_status 0
    expect_out_contains "NAME"
    expect_out_contains "SNAPSHOT"
    [[ $(grep -c '^train ' <<<"$OUT") == 1 ]] || fail "expected one line of train"
    ferry component list --all-versions -o json
    expect_jq '[.[].version] == ["1", "2"]'
    ferry component list -o tsv
    expect_status 0
    [[ $OUT == train$'\t'2$'\t'* ]] || fail "expected a TSV row of train:2"
    ferry component show azureml:train@latest -o yaml
    expect_status 0
    expect_out_contains "version: \"2\""
    ferry component archive train:2
    expect_status 0
    expect_err "archived 1 version of component 'train'"
    ferry component show train -o json
    expect_jq '.version == "1"'
    ferry component list -o json
    expect_jq '[.[].version] == ["1"]'
    ferry component list --include-archived -o json
    expect_jq '[.[].version] == ["2"]'
    ferry component archive train
    ferry component show train
    expect_status 2
    expect_err "ferry: error: no component 'train@latest' in workspace 'default' (see 'ferry component list')"
    ferry component restore train
    expect_status 0
    expect_err "restored 2 versions of component 'train'"
    ferry component show trian:1
    expect_status 2
    expect_one_err_line
    expect_err "ferry: error: no component 'trian:1' in workspace 'default' (did you mean 'train'?) (see 'ferry component list')"
}

test_gc_keeps_and_verify_checks_a_components_code() {
    write_component
    ferry component create -f comp/comp.yml -o json
    expect_status 0
    ferry workspace gc -o json
    expect_status 0
    expect_jq '.orphaned_blobs.files == 0'
    ferry workspace verify -o json
    expect_status 0
    expect_jq_all '.intact == true' '.checked.records == 1'
}

test_create_refuses_a_code_directory_that_is_not_there_where_it_is_named() {
    write_component
    ferry component create -f comp/comp.yml --set code=./nope
    expect_status 2
    expect_one_err_line
    expect_err_contains "ferry: error: comp/comp.yml:5:7: "
    ferry component list -o json
    expect_out "[]"
}

test_validate_and_schema() {
    write_component
    ferry component validate -f comp/comp.yml -o json
    expect_status 0
    expect_json
    expect_jq_all '.name == "train"' '.type == "command"' '.code == env.PWD + "/comp/src"'
    printf 'name: train\ncommand: echo hi\ncodee: ./src\n' >bad.yml
    ferry component validate -f bad.yml
    expect_status 2
    expect_err_contains "bad.yml:3:1: "
    expect_err_contains "did you mean 'code'?"
    expect_err_contains "ferry: error: bad.yml: 1 error"
    ferry component validate -f comp/comp.yml --set code=./nope
    expect_status 2
    expect_err_contains "comp/comp.yml:5:7: "
    ferry component schema
    expect_status 0
    expect_json
    expect_jq '."$schema" == "https://json-schema.org/draft/2020-12/schema"'
    expect_jq '.properties | has("is_deterministic")'
}
