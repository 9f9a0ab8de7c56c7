# One exit-code table, obeyed by every verb. Each verb's error paths run against a workspace
# that holds one of everything; each exits with the code that README.md's table gives its kind
# of error, says why in one "ferry: error:" line (after the file's own diagnostics, for a
# spec file with errors), and leaves every workspace as it was.
# shellcheck shell=bash
# shellcheck disable=SC2034 # OUT, ERR and STATUS are read by lib.sh

# CODE<TAB>ARGUMENTS<TAB>TEXT: `ferry ARGUMENTS` (words split as bash splits them) exits with
# CODE, and its error line holds TEXT. The rule: 2 for what the user typed or wrote (an
# unknown group, verb, option or name, a bad value, a missing or bad spec file, a name already
# taken), 1 for what ferry or the machine could not do, or a state that forbids the action.
error_cases() {
    cat <<'EOF'
2	bogus	unknown group 'bogus'
2	job create -f job.yml	'job' is az ml's name for runs; ferry's is 'run': use 'ferry run submit -f job.yml'
2	run bogus	unknown verb 'bogus' for 'ferry run'
2	help nope	ferry has no group 'nope'
2	workspace create bad/name	invalid workspace name 'bad/name'
2	workspace create other	workspace 'other' already exists
2	workspace list --bogus	unknown option '--bogus'
2	workspace show nope	workspace 'nope' does not exist
2	workspace use nope	workspace 'nope' does not exist
2	workspace delete nope --yes	workspace 'nope' does not exist
2	workspace delete other	refusing to delete workspace 'other' without --yes
2	workspace verify --bogus	unknown option '--bogus'
2	workspace gc --older-than x	--older-than
2	workspace validate -f missing.yml	cannot read
2	workspace validate -f bad.yml	bad.yml: 1 error
2	workspace schema extra	unexpected argument 'extra' for 'ferry workspace schema'
2	-w nope run list	workspace 'nope' does not exist (chosen by -w)
2	-o xml run list	unknown output format 'xml'
2	compute validate -f missing.yml	cannot read
2	compute schema sweep	unexpected argument 'sweep' for 'ferry compute schema'
2	compute create --name box	compute 'box' already exists
2	compute create --name x --type k8s	command line: 1 error
2	compute create -f missing.yml	cannot read
2	compute update nope --gpus 1	no compute named 'nope'
2	compute update box --max-concurrent-runs 0	compute 'box': 1 error
2	compute list --bogus	unknown option '--bogus'
2	compute show bax	no compute named 'bax' in workspace 'default' (did you mean 'box'?)
2	compute delete nope	no compute named 'nope'
2	env validate -f missing.yml	cannot read
2	env schema bogus	unexpected argument 'bogus' for 'ferry env schema'
2	env create	give -f ENVIRONMENT_FILE
2	env create -n e2 --pip-requirements missing.txt	pip_requirements: cannot read
2	env create -n base --version 1 --pip-requirements req.txt	environment 'base:1' already exists
2	env list --bogus	unknown option '--bogus'
2	env show nope	no environment 'nope@latest' in workspace 'default'
2	env build	'ferry env build' needs names
2	env build nope	no environment 'nope@latest'
2	env archive nope:1	no environment 'nope:1'
2	env restore nope:1	no environment 'nope:1'
2	env map AzureML-x nope:1	no environment 'nope:1' in this workspace to map to
2	env map AzureML-x	give the TARGET of 'AzureML-x'
2	env map --remove AzureML-x	'azureml://registries/azureml/environments/x' is not mapped
2	env map bad/name host	'bad/name' is not an environment
2	env create --from-curated sklearn-9	'sklearn-9' is not a curated environment ferry knows
2	datastore create -n w --path nowhere	is not a directory
2	datastore create -n workspaceblobstore --path data	datastore 'workspaceblobstore' is built in
2	datastore create -n x --path data --account a	--account and --container go together
2	datastore create -n x --path data --url s3://b/	a datastore stands for wasbs://, abfss:// or http(s):// URLs
2	datastore list --bogus	unknown option '--bogus'
2	datastore show nope	no datastore 'nope' in workspace 'default'
1	datastore delete workspaceblobstore	datastore 'workspaceblobstore' is built in
2	datastore delete nope	no datastore 'nope' in workspace 'default'
2	run submit -f wasbs.yml	wasbs.yml:4:11: input 'd': no datastore claims 'wasbs://c@a.blob.core.windows.net/x'
2	run submit -f store.yml	store.yml:4:11: input 'd': 'azureml://datastores/nope/paths/x': no datastore 'nope'
2	run submit -f jobout.yml	jobout.yml:4:11: input 'm': 'azureml://jobs/nope/outputs/model': no run 'nope'
2	run submit -f curated.yml	curated.yml:2:14: environment 'AzureML-sklearn-1.5@latest' is an Azure curated environment not in workspace 'default'
2	run validate -f missing.yml	cannot read
2	run validate -f bad.yml	bad.yml: 1 error
2	run validate -f badcode.yml	badcode.yml:2:7: code directory
2	run schema automl	unknown job kind 'automl'
2	run snapshot -f missing.yml	cannot read
2	run snapshot -f badcode.yml	badcode.yml:2:7: code directory
2	run snapshot --explain nope/../../x	nope/../../x: not inside
2	run submit	nothing to run
2	run submit -f missing.yml	cannot read
2	run submit -f badcompute.yml	badcompute.yml:2:10: no compute named 'clustr' in workspace 'default'
2	run submit -f job.yml --compute nope	--compute nope: no compute named 'nope'
2	run submit -f badenv.yml	badenv.yml:3:14: no environment 'nope@latest'
2	run submit -f badcode.yml	badcode.yml:2:7: code directory
2	run submit -f cycle.yml	cycle.yml: 1 error
2	run submit -f pipe.yml	pipe.yml:4:16: no component 'nope@latest'
2	run submit -f pipe.yml --code code	--code is for a command job or a sweep
2	run submit -f job.yml -n done1	run done1 already exists
2	run submit -f job.yml --stram	unknown option '--stram' for 'ferry run submit' (did you mean '--stream'?)
2	run list --status Bogus	unknown status 'Bogus'
2	run show dne1	no run named 'dne1' in workspace 'default' (did you mean 'done1'?)
2	run stream nope	no run named 'nope'
2	run wait nope	no run named 'nope'
2	run cancel nope	no run named 'nope'
1	run cancel done1	run done1 already ended (Completed)
2	run delete	name the runs to delete
2	run delete nope	no run named 'nope'
2	run download nope	no run named 'nope'
2	run log-metric loss 0.5	MLFLOW_TRACKING_URI and MLFLOW_RUN_ID are not set
2	run log-param lr 0.1	MLFLOW_TRACKING_URI and MLFLOW_RUN_ID are not set
2	run tag nope best=yes	no run named 'nope'
2	run tag done1 best	'best': give each tag as KEY=VALUE
2	run metrics nope	no run named 'nope'
2	run metrics done1 nope	run done1 logged no metric 'nope'
2	run compare nope	no run named 'nope'
2	run compare done1 --plot nope	none of the runs logged metric 'nope'
2	run tensorboard nope	no run named 'nope'
2	run resume nope	no run named 'nope'
2	run submit -f job.yml --objective-value mean	--objective-value 'mean': give 'last'
2	run stream done1 --trials	--trials: run done1 is not a sweep
2	run download done1 --best	--best: run done1 is not a sweep
2	run compare done1 --parent done1	give one of RUN names, --experiment and --parent
2	run compare --parent done1	run done1 has no child runs to compare
2	run resume done1	run done1 is not a sweep
2	run resume	'ferry run resume' needs RUN (or --name RUN)
2	run archive nope	no run named 'nope'
2	run restore done1 nope	no run named 'nope'
2	run submit -f strict.yml --strict	strict.yml: 1 error
2	run list --parent nope	no run named 'nope'
2	run tensorboard done1 --port 0	--port 0: give a TCP port
1	run tensorboard done1	TensorBoard is not installed here
2	ui --port 70000	--port 70000: give 1 to 65535, or 0 for any free port
2	ui --bogus	unknown option '--bogus'
1	run show done1 --web	no 'ferry ui' serves workspace 'default': start one with 'ferry ui'
2	run show nope --web	no run named 'nope'
2	run download done1 --path outputs/nope	run done1 has no file or folder 'outputs/nope'
2	run download done1 --path ../x	--path '../x'
2	model validate -f missing.yml	cannot read
2	model schema extra	unexpected argument 'extra' for 'ferry model schema'
2	model create --name m --path missing.pkl	missing.pkl does not exist
2	model create --name m1 --version 1 --path model.pkl	model 'm1:1' already exists
2	model register --name m --run nope --path outputs/x	no run named 'nope'
2	model register --name m --run done1 --path outputs/nope	run done1 has no file at outputs/nope
2	model list --bogus	unknown option '--bogus'
2	model show nope	no model 'nope@latest' in workspace 'default'
2	model download nope	no model 'nope@latest'
2	model archive nope:1	no model 'nope:1'
2	model restore nope:1	no model 'nope:1'
2	dataset validate -f missing.yml	cannot read
2	dataset schema extra	unexpected argument 'extra' for 'ferry dataset schema'
2	dataset create --name d --path missing	missing does not exist
2	dataset create --name digits --version 1 --path data	dataset 'digits:1' already exists
2	dataset list --bogus	unknown option '--bogus'
2	dataset show nope	no dataset 'nope@latest' in workspace 'default'
2	dataset files nope	no dataset 'nope@latest'
2	dataset download nope:1	no dataset 'nope:1'
2	dataset archive nope:1	no dataset 'nope:1'
2	dataset restore nope:1	no dataset 'nope:1'
2	component validate -f missing.yml	cannot read
2	component validate -f badcomp.yml	badcomp.yml:3:7: code directory
2	component schema extra	unexpected argument 'extra' for 'ferry component schema'
2	component create	'ferry component create' needs --file
2	component create -f missing.yml	cannot read
2	component create -f bad.yml	bad.yml: 1 error
2	component create -f badcomp.yml	badcomp.yml:3:7: code directory
2	component create -f comp.yml --version 1	component 'c1:1' already exists
2	component list --bogus	unknown option '--bogus'
2	component show nope	no component 'nope@latest' in workspace 'default'
2	component show c2:1	no component 'c2:1' in workspace 'default' (did you mean 'c1'?)
2	component archive nope:1	no component 'nope:1'
2	component restore nope:1	no component 'nope:1'
1	-w broken run list	broken
1	run download done1 -p model.pkl	model.pkl
EOF
}

# The codes of README.md's exit-code table.
readme_codes() {
    awk '/^## Exit codes/ { on = 1; next } on && /^## / { on = 0 } on && /^\| [0-9]+ \|/ { print $2 }' \
        "$FERRY_SOURCE_DIR/README.md"
}

# Every workspace database, dumped, and every file name and size under FERRY_HOME.
store_fingerprint() {
    local db
    while IFS= read -r db; do
        printf '%s\n' "$db"
        sqlite3 "$db" .dump 2>&1
    done < <(find "$FERRY_HOME" -name '*.db' | sort)
    find "$FERRY_HOME" -type f ! -name '*-wal' ! -name '*-shm' ! -name '*.db' -printf '%P %s\n' | sort
}

# A default workspace with one of everything the cases name, and the files they read.
exit_codes_fixture() {
    write_files . <<'FILES'
code/train.py	print("hi")\n
job.yml	command: echo hi\ncode: code\n
badcode.yml	command: echo hi\ncode: ./nonexistent\n
comp.yml	name: c1\ncommand: echo hi\ncode: code\n
badcomp.yml	name: c2\ncommand: echo hi\ncode: ./nonexistent\n
badcompute.yml	command: echo hi\ncompute: azureml:clustr\n
badenv.yml	command: echo hi\ncode: code\nenvironment: azureml:nope@latest\n
curated.yml	command: echo hi\nenvironment: azureml:AzureML-sklearn-1.5@latest\n
wasbs.yml	command: echo ${{inputs.d}}\ninputs:\n  d:\n    path: wasbs://c@a.blob.core.windows.net/x\n
store.yml	command: echo ${{inputs.d}}\ninputs:\n  d:\n    path: azureml://datastores/nope/paths/x\n
jobout.yml	command: echo ${{inputs.m}}\ninputs:\n  m:\n    path: azureml://jobs/nope/outputs/model\n
bad.yml	name: [unclosed\n
strict.yml	command: echo hi\nservices:\n  a: {type: vs_code}\n
cycle.yml	type: pipeline\njobs:\n  a:\n    command: echo ${{inputs.x}}\n    inputs:\n      x: ${{parent.jobs.b.outputs.o}}\n    outputs:\n      o:\n  b:\n    command: echo ${{inputs.y}}\n    inputs:\n      y: ${{parent.jobs.a.outputs.o}}\n    outputs:\n      o:\n
pipe.yml	type: pipeline\njobs:\n  s:\n    component: azureml:nope@latest\n
req.txt	numpy\n
model.pkl	weights\n
data/part-0.csv	a,b\n
FILES
    "$FERRY" run submit -f job.yml -n done1 --wait >/dev/null 2>&1 || fail "the fixture's run failed"
    "$FERRY" compute create --name box >/dev/null 2>&1 || fail "cannot create compute box"
    "$FERRY" env create -n base --pip-requirements req.txt >/dev/null 2>&1 || fail "cannot create env"
    "$FERRY" dataset create -n digits --path data >/dev/null 2>&1 || fail "cannot create dataset"
    "$FERRY" model create --name m1 --path model.pkl >/dev/null 2>&1 || fail "cannot create model"
    "$FERRY" component create -f comp.yml >/dev/null 2>&1 || fail "cannot create component"
    "$FERRY" workspace create other >/dev/null 2>&1 || fail "cannot create workspace other"
    # A workspace whose database is not one.
    "$FERRY" workspace create broken >/dev/null 2>&1 || fail "cannot create workspace broken"
    printf 'not a database' >"$FERRY_HOME/workspaces/broken/workspace.db"
}

test_every_verb_has_its_error_paths_in_the_table() {
    local command verb missing=()
    local cases
    cases=$(error_cases | cut -f2 | sed -E 's/^(-[wo] [^ ]+ )//')
    while IFS= read -r command; do
        [[ $command == *" "* ]] || continue  # a group alone
        verb=${command%% --*}
        verb=$(printf '%s' "$verb" | cut -d' ' -f1-2)
        grep -qE "^$verb( |$)" <<<"$cases" || missing+=("$verb")
    done < <("$FERRY" __commands)
    [[ ${#missing[@]} -eq 0 ]] || fail "verbs without an error case: ${missing[*]}"
}

test_every_code_of_the_table_is_a_row_of_the_readme() {
    local codes code
    codes=$(readme_codes | tr '\n' ' ')
    for code in 0 1 2 124 125 126 127 130 143; do
        [[ " $codes " == *" $code "* ]] || fail "README's exit-code table has no row $code: $codes"
    done
    while IFS= read -r code; do
        [[ " $codes " == *" $code "* ]] || fail "a case expects $code, which README's table does not have"
    done < <(error_cases | cut -f1 | sort -u)
}

test_each_error_exits_with_its_code_in_one_line_and_changes_nothing() {
    exit_codes_fixture
    local code arguments text before after lines failures=()
    local -a words
    # Each case's store is compared with the one the case before it left.
    after=$(store_fingerprint)
    while IFS=$'\t' read -r code arguments text; do
        read -ra words <<<"$arguments"
        before=$after
        ferry "${words[@]}"
        after=$(store_fingerprint)
        lines=$(printf '%s\n' "$ERR" | grep -c '^ferry: error: ' || true)
        if [[ $STATUS != "$code" ]]; then
            failures+=("ferry $arguments: exit $STATUS, expected $code: $ERR")
        elif [[ $lines != 1 || $(printf '%s\n' "$ERR" | tail -1) != "ferry: error: "*"$text"* ]]; then
            failures+=("ferry $arguments: expected one last line 'ferry: error: ...$text...', got: $ERR")
        elif [[ $before != "$after" ]]; then
            failures+=("ferry $arguments: changed the store: $(diff <(echo "$before") <(echo "$after") | head -5)")
        fi
    done < <(error_cases)
    [[ ${#failures[@]} -eq 0 ]] || fail "$(printf '%s\n' "${failures[@]}")"
}

# The commands that wait for a run exit with the run's own code: the job's, or one of the
# table's for a timeout, a command that cannot run, a cancel, a failure of ferry's.
test_waiting_verbs_exit_with_the_runs_code() {
    mkdir empty
    cd empty || fail "cannot enter empty"
    ferry run submit --wait -- exit 3
    expect_status 3
    ferry run submit --wait -- no_such_command_anywhere
    expect_status 127
    printf 'echo hi\n' >not-executable.sh
    ferry run submit --wait -- ./not-executable.sh
    expect_status 126
    ferry run submit --stream --timeout 1 -- sleep 30
    expect_status 124
    ferry run submit -n canceled -- sleep 30
    ferry run cancel canceled --grace 0
    ferry run wait canceled
    expect_status 143
    # A venv that pip cannot make (no index, no such package): ferry failed the run.
    printf 'no-such-package-anywhere\n' >req.txt
    printf 'command: echo hi\nenvironment:\n  pip_requirements: req.txt\n' >venv.yml
    PIP_NO_INDEX=1 ferry run submit -f venv.yml --wait
    expect_status 125
    expect_err_contains "no-such-package-anywhere"
}
