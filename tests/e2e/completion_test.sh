# Shell completions: completions/ferry.{bash,zsh,fish} driven the way each shell drives them.
# shellcheck shell=bash
# shellcheck disable=SC2034 # OUT, ERR and STATUS are read by lib.sh

BASH_COMPLETION=/usr/share/bash-completion/bash_completion

# Puts the binary first on PATH as "ferry", as an installed ferry would be.
ferry_on_path() {
    mkdir -p "$TEST_ROOT/bin"
    ln -sf "$FERRY" "$TEST_ROOT/bin/ferry"
    PATH=$TEST_ROOT/bin:$PATH
}

# Splits a line into words as bash does for COMP_WORDS with its default COMP_WORDBREAKS: at
# blanks, and around runs of '=', ':' and '@'. Enough for the unquoted lines used here.
split_line() {
    local rest=$1
    WORDS=()
    while [[ $rest =~ ^[[:space:]]*([=:@]+|[^[:space:]=:@]+) ]]; do
        WORDS+=("${BASH_REMATCH[1]}")
        rest=${rest:${#BASH_REMATCH[0]}}
    done
    [[ -z $1 || $1 == *[[:space:]] ]] && WORDS+=("")
    return 0
}

# Completes LINE (the cursor at its end) with _ferry in a fresh bash, with bash-completion
# loaded when it is installed and without it; both must give the same COMPREPLY, in REPLY_WORDS.
bash_complete() {
    local line=$1 mode err
    local -a modes=(plain) reply
    [[ -r $BASH_COMPLETION ]] && modes+=(bash-completion)
    split_line "$line"
    # shellcheck disable=SC2016,SC1003 # expanded by the inner bash
    local script='
        [[ $1 == bash-completion ]] && source "$2"
        source "$FERRY_SOURCE_DIR/completions/ferry.bash"
        COMP_WORDBREAKS=$'"'"' \t\n"\'"'"'@><=;|&(:'"'"'  # an interactive bash'"'"'s
        COMP_LINE=$3 COMP_POINT=${#3}
        COMP_WORDS=("${@:4}") COMP_CWORD=$(($# - 4)) COMPREPLY=()
        _ferry
        ((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}"'
    for mode in "${modes[@]}"; do
        mapfile -t reply < <(bash --norc --noprofile -c "$script" _ "$mode" "$BASH_COMPLETION" \
            "$line" "${WORDS[@]}" 2>"$TEST_ROOT/completion-stderr")
        err=$(cat "$TEST_ROOT/completion-stderr")
        [[ -z $err ]] || fail "bash completion ($mode) of '$line' printed: $err"
        if [[ $mode == plain ]]; then
            REPLY_WORDS=("${reply[@]}")
        elif [[ ${reply[*]} != "${REPLY_WORDS[*]}" ]]; then
            fail "bash completion of '$line' differs with bash-completion: '${reply[*]}' vs '${REPLY_WORDS[*]}'"
        fi
    done
}

# COMPREPLY of the last bash_complete is exactly the arguments, in order.
expect_reply() {
    local got expected
    got="${#REPLY_WORDS[@]}: $(printf '[%s] ' "${REPLY_WORDS[@]}")"
    expected="$#: $(printf '[%s] ' "$@")"
    [[ $got == "$expected" ]] || fail "bash completion gave $got, expected $expected"
}

# COMPREPLY of the last bash_complete holds WORD.
expect_reply_has() {
    local word
    for word in "${REPLY_WORDS[@]}"; do
        [[ $word == "$1" ]] && return 0
    done
    fail "bash completion gave $(printf '[%s] ' "${REPLY_WORDS[@]}"), expected it to hold [$1]"
}

# The binary's own answer for the same words must be clean: the completion hides its stderr.
expect_clean_complete() {
    ferry __complete "$@"
    expect_status 0
    expect_no_err
}

test_bash_completes_groups() {
    ferry_on_path
    bash_complete "ferry work"
    expect_reply workspace
    bash_complete "ferry "
    expect_reply workspace compute env run model dataset component datastore ui help
    expect_clean_complete ""
}

test_bash_completes_the_words_of_help() {
    ferry_on_path
    bash_complete "ferry help r"
    expect_reply run
    bash_complete "ferry help run do"
    expect_reply download
    bash_complete "ferry help compute up"
    expect_reply update
}

test_bash_completes_verbs() {
    ferry_on_path
    bash_complete "ferry workspace "
    expect_reply create list show use delete verify gc validate schema
    bash_complete "ferry workspace de"
    expect_reply delete
    expect_clean_complete workspace ""
}

test_bash_runs_the_binary_being_completed() {
    bash_complete "$FERRY workspace l"
    expect_reply list
}

test_bash_completes_workspace_names() {
    ferry_on_path
    "$FERRY" workspace create alpha >/dev/null
    "$FERRY" workspace create beta >/dev/null
    # The default workspace always exists (created on first use).
    bash_complete "ferry workspace show "
    expect_reply alpha beta default
    bash_complete "ferry -w b"
    expect_reply beta
    bash_complete "ferry --workspace=a"
    expect_reply alpha
    expect_clean_complete workspace show ""
}

test_bash_completes_run_and_compute_names_and_statuses() {
    ferry_on_path
    mkdir -p "$TEST_ROOT/code" && echo x >"$TEST_ROOT/code/f"
    "$FERRY" run submit --code "$TEST_ROOT/code" -n first_run --wait -- true >/dev/null 2>&1
    "$FERRY" run submit --code "$TEST_ROOT/code" -n second_run --wait -- true >/dev/null 2>&1
    "$FERRY" compute create --name gpu_box >/dev/null
    bash_complete "ferry run show "
    expect_reply second_run first_run  # newest first
    bash_complete "ferry run download s"
    expect_reply second_run
    # As az ml users name them: -n/--name RUN.
    bash_complete "ferry run show -n f"
    expect_reply first_run
    bash_complete "ferry run wait --name s"
    expect_reply second_run
    bash_complete "ferry run submit --compute "
    expect_reply local gpu_box
    bash_complete "ferry run list --status Ca"
    expect_reply CancelRequested Canceled
    # Experiments, newest first; ranks; and only live runs to cancel.
    "$FERRY" run submit --code "$TEST_ROOT/code" -n live_run --experiment training -- sleep 60 >/dev/null 2>&1
    bash_complete "ferry run list --experiment "
    expect_reply training code
    bash_complete "ferry run stream --rank "
    expect_reply 0 all
    bash_complete "ferry run cancel "
    expect_reply live_run
    "$FERRY" run cancel live_run --grace 0 >/dev/null 2>&1
    # Another workspace named on the command line has no runs.
    "$FERRY" workspace create other >/dev/null
    bash_complete "ferry -w other run show "
    expect_reply
    expect_clean_complete run show ""
}

test_bash_completes_environment_names_and_versions() {
    ferry_on_path
    echo numpy >"$TEST_ROOT/req.txt"
    "$FERRY" env create -n sklearn --pip-requirements "$TEST_ROOT/req.txt" >/dev/null
    "$FERRY" env create -n sklearn --pip-requirements "$TEST_ROOT/req.txt" >/dev/null
    "$FERRY" env create -n old --pip-requirements "$TEST_ROOT/req.txt" >/dev/null
    "$FERRY" env archive old 2>/dev/null
    bash_complete "ferry env show "
    expect_reply sklearn sklearn:1 sklearn:2 sklearn@latest  # archived ones are not offered
    # ':' breaks words for readline, so the reply is what follows it.
    bash_complete "ferry env build sklearn:"
    expect_reply 1 2
    expect_clean_complete env show ""
}

test_bash_completes_curated_environments_and_map_targets() {
    ferry_on_path
    echo numpy >"$TEST_ROOT/req.txt"
    "$FERRY" env create -n sklearn --pip-requirements "$TEST_ROOT/req.txt" >/dev/null
    bash_complete "ferry env create --from-curated sklearn-1."
    expect_reply sklearn-1.5 sklearn-1.1 sklearn-1.0
    bash_complete "ferry env map AzureML-sklearn-1."
    expect_reply AzureML-sklearn-1.5 AzureML-sklearn-1.1 AzureML-sklearn-1.0
    # The second word is what it runs as: a registered environment or the host.
    bash_complete "ferry env map AzureML-sklearn-1.5 "
    expect_reply host sklearn sklearn:1 sklearn@latest
    "$FERRY" env map AzureML-lightgbm-3.3 host >/dev/null
    bash_complete "ferry env map azureml"
    expect_reply_has azureml://registries/azureml/environments/lightgbm-3.3
    expect_clean_complete env map ""
}

test_bash_completes_dataset_and_model_names() {
    ferry_on_path
    mkdir -p "$TEST_ROOT/d" && echo x >"$TEST_ROOT/d/f"
    "$FERRY" dataset create -n digits --path "$TEST_ROOT/d" >/dev/null
    "$FERRY" dataset create -n digits --path "$TEST_ROOT/d" >/dev/null
    "$FERRY" model register -n clf --path "$TEST_ROOT/d" >/dev/null
    bash_complete "ferry dataset files "
    expect_reply digits digits:1 digits:2 digits@latest
    # '@' breaks words for readline too.
    bash_complete "ferry dataset files digits@"
    expect_reply latest
    bash_complete "ferry model download "
    expect_reply clf clf:1 clf@latest
    expect_clean_complete dataset show ""
}

test_bash_completes_component_names() {
    ferry_on_path
    printf 'name: train\ncommand: echo hi\n' >"$TEST_ROOT/comp.yml"
    "$FERRY" component create -f "$TEST_ROOT/comp.yml" >/dev/null
    "$FERRY" component create -f "$TEST_ROOT/comp.yml" >/dev/null
    bash_complete "ferry component show "
    expect_reply train train:1 train:2 train@latest
    bash_complete "ferry component archive train:"
    expect_reply 1 2
    expect_clean_complete component show ""
}

test_bash_completes_output_formats() {
    ferry_on_path
    bash_complete "ferry -o "
    expect_reply table json yaml tsv
    bash_complete "ferry --output "
    expect_reply table json yaml tsv
    # Readline replaces only what follows '=', so the reply drops "--output=".
    bash_complete "ferry --output=js"
    expect_reply json
    bash_complete "ferry --output="
    expect_reply table json yaml tsv
    bash_complete "ferry -o json workspace l"
    expect_reply list
    expect_clean_complete --output=js
}

test_bash_completes_options() {
    ferry_on_path
    bash_complete "ferry workspace delete --k"
    expect_reply --keep-files
    bash_complete "ferry --no"
    expect_reply --no-color
    bash_complete "ferry workspace create --"
    expect_reply_has --path
    expect_reply_has --description
    expect_reply_has --output
    expect_reply_has --help
}

test_bash_completes_directories() {
    ferry_on_path
    mkdir -p dirs/one dirs/two "dirs/with space"
    touch dirs/file
    bash_complete "ferry workspace create --path dirs/"
    mapfile -t REPLY_WORDS < <(printf '%s\n' "${REPLY_WORDS[@]}" | sort)
    expect_reply dirs/one dirs/two "dirs/with space"
    bash_complete "ferry workspace create --path dirs/o"
    expect_reply dirs/one
    bash_complete "ferry workspace create --path=dirs/t"
    expect_reply dirs/two
    expect_clean_complete workspace create --path ""
}

test_bash_never_prints_errors() {
    bash_complete "$TEST_ROOT/missing/ferry workspace "
    expect_reply
    ferry_on_path
    bash_complete "ferry nosuch "
    expect_reply
    bash_complete "ferry workspace show alpha "
    expect_reply
}

# Every group, verb and option that `ferry __commands` lists is offered by the bash
# completion, so the completion cannot drift from the command tree.
test_bash_covers_every_command() {
    ferry_on_path
    ferry __commands
    expect_status 0
    local commands=$OUT group verb option
    local -a fields
    # Plain bash only: the other tests compare it with bash-completion loaded, and each of the
    # ~150 completions here would cost a bash that sources it.
    local BASH_COMPLETION=''
    local -A group_done=()
    [[ $commands == *"workspace create"* ]] || fail "__commands lists no workspace verbs"
    bash_complete "ferry "
    while read -ra fields; do
        ((${#fields[@]} == 1)) && expect_reply_has "${fields[0]}"
    done <<<"$commands"
    while read -ra fields; do
        ((${#fields[@]} > 1)) || continue
        group=${fields[0]} verb=${fields[1]}
        if [[ -z ${group_done[$group]:-} ]]; then
            bash_complete "ferry $group "
            group_done[$group]=${REPLY_WORDS[*]}
        fi
        read -ra REPLY_WORDS <<<"${group_done[$group]}"
        expect_reply_has "$verb"
        bash_complete "ferry $group $verb --"
        for option in "${fields[@]:2}"; do
            expect_reply_has "$option"
        done
    done <<<"$commands"
}

# Runs fish with the completion loaded and ferry first on PATH; `complete -C LINE` into OUT.
fish_complete() {
    command -v fish >/dev/null || skip "fish is not installed"
    ferry_on_path
    # shellcheck disable=SC2016 # expanded by fish
    OUT=$(fish --no-config -c 'source $argv[1]; complete -C $argv[2]' \
        "$FERRY_SOURCE_DIR/completions/ferry.fish" "$1" 2>"$TEST_ROOT/fish-stderr") || true
    ERR=$(cat "$TEST_ROOT/fish-stderr")
    expect_no_err
}

test_fish_completes_verbs_with_descriptions() {
    fish_complete "ferry workspace "
    local expected
    expected=$("$FERRY" __complete workspace "")
    expect_out "$expected"
    expect_out_contains $'create\tCreate a workspace'
    expect_out_contains $'delete\tDelete a workspace'
    fish_complete "ferry work"
    expect_out $'workspace\tCreate, list, show, choose, verify, clean and delete workspaces'
}

test_fish_completes_values() {
    "$FERRY" workspace create alpha >/dev/null
    fish_complete "ferry -o "
    expect_out "$("$FERRY" __complete -o "")"
    fish_complete "ferry --output=js"
    expect_out $'--output=json\tone JSON document'
    fish_complete "ferry workspace show al"
    expect_out_contains $'alpha\t'
    fish_complete "ferry workspace show 'al"
    expect_out_contains $'alpha\t'
}

test_fish_completes_directories() {
    mkdir -p dirs/one
    touch dirs/file
    fish_complete "ferry workspace create --path dirs/"
    expect_out $'dirs/one/\tDirectory'
    fish_complete "ferry workspace create --path=dirs/"
    expect_out $'--path=dirs/one/\tDirectory'
}

test_fish_never_prints_errors() {
    command -v fish >/dev/null || skip "fish is not installed"
    # ferry is not on PATH here: nothing to offer and nothing to say.
    # shellcheck disable=SC2016 # expanded by fish
    OUT=$(fish --no-config -c 'source $argv[1]; complete -C "ferry work"' \
        "$FERRY_SOURCE_DIR/completions/ferry.fish" 2>"$TEST_ROOT/fish-stderr") || true
    ERR=$(cat "$TEST_ROOT/fish-stderr")
    expect_no_err
    expect_out ""
}

test_zsh_script_parses() {
    command -v zsh >/dev/null || skip "zsh is not installed"
    zsh -n "$FERRY_SOURCE_DIR/completions/ferry.zsh" 2>"$TEST_ROOT/zsh-stderr" ||
        fail "zsh -n: $(cat "$TEST_ROOT/zsh-stderr")"
}

# Calls _ferry in zsh with words=(ferry WORD...) and CURRENT on the last word; the completion
# builtins and functions it calls are stubs that print what they were given into OUT.
zsh_complete() {
    command -v zsh >/dev/null || skip "zsh is not installed"
    # shellcheck disable=SC2016 # expanded by zsh
    local script='
        compadd() { print -r -- "compadd $*" }
        compset() { print -r -- "compset $*" }
        _files() { print -r -- "_files $*" }
        _describe() { print -r -- "_describe ${@:#candidates}"; print -rl -- "${candidates[@]}" }
        source "$FERRY_SOURCE_DIR/completions/ferry.zsh"
        words=("$FERRY" "$@") CURRENT=$#words
        _ferry'
    OUT=$(zsh -f -c "$script" _ "$@" 2>"$TEST_ROOT/zsh-stderr") || true
    ERR=$(cat "$TEST_ROOT/zsh-stderr")
    expect_no_err
}

# What _describe should be given for the binary's candidates: "word:description" lines.
described() {
    printf '_describe -t values ferry\n'
    "$FERRY" __complete "$@" | sed 's/\t/:/'
}

test_zsh_completes_verbs_with_descriptions() {
    zsh_complete workspace ""
    expect_out "$(described workspace "")"
    expect_out_contains "create:Create a workspace"
}

test_zsh_completes_values() {
    zsh_complete -o ""
    expect_out "$(described -o "")"
    expect_out_contains "json:one JSON document"
    zsh_complete --output=j
    expect_out $'_describe -t values ferry\n--output=json:one JSON document'
}

test_zsh_completes_directories() {
    zsh_complete workspace create --path ""
    expect_out "_files -/"
    zsh_complete workspace create --path=d
    expect_out $'compset -P 1 *=\n_files -/'
}

test_zsh_never_prints_errors() {
    command -v zsh >/dev/null || skip "zsh is not installed"
    FERRY=$TEST_ROOT/missing/ferry zsh_complete workspace ""
    expect_out ""
}

test_bash_completes_compute_types() {
    ferry_on_path
    bash_complete "ferry compute create --type "
    expect_reply local slurm
    bash_complete "ferry compute create --type sl"
    expect_reply slurm
    expect_clean_complete compute create --type ""
}

# --set offers the keys of the file given with -f, with their values, then the schema's.
test_bash_completes_set_keys_of_the_spec_file() {
    ferry_on_path
    write_files . <<'FILES'
job.yml	command: python train.py --lr ${{inputs.lr}}\ninputs:\n  lr: 0.01\nenvironment_variables:\n  SEED: "7"\nlimits:\n  timeout: 60\n
sweep.yml	type: sweep\nsampling_algorithm: random\n
FILES
    bash_complete "ferry run submit -f job.yml --set inp"
    expect_reply inputs.lr=
    bash_complete "ferry run submit -f job.yml --set environment_variables."
    expect_reply environment_variables.SEED=
    bash_complete "ferry run validate --file=job.yml --set=limits.t"
    expect_reply limits.timeout=
    ferry __complete run submit -f job.yml --set lim
    expect_out $'limits.timeout=\tnow: 60'
    # Once the '=' is typed, the value is the user's.
    bash_complete "ferry run submit -f job.yml --set limits.timeout="
    expect_reply
    # A sweep file has a sweep's keys; no file, the schema's.
    bash_complete "ferry run submit -f sweep.yml --set limits.max_t"
    expect_reply limits.max_total_trials=
    bash_complete "ferry compute update local --set max_con"
    expect_reply max_concurrent_runs=
    bash_complete "ferry run schema "
    expect_reply command sweep pipeline
    expect_clean_complete run submit -f missing.yml --set ""
}

test_fish_and_zsh_complete_set_keys_without_a_space() {
    write_files . <<'FILES'
job.yml	command: echo\nlimits:\n  timeout: 60\n
FILES
    zsh_complete run submit -f job.yml --set limits.t
    expect_out $'_describe -t values ferry -S \nlimits.timeout=:now: 60'
    fish_complete "ferry run submit -f job.yml --set limits.t"
    expect_out $'limits.timeout=\tnow: 60'
}
