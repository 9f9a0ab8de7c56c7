# bash completion for ferry. The binary computes the candidates (ferry __complete), so
# this script only passes the words along and hands paths back to bash.
# shellcheck shell=bash

# Without bash-completion: COMP_WORDS up to the cursor, rejoined where bash split at '=', ':'
# or '@'.
__ferry_words() {
    local line=${COMP_LINE:0:COMP_POINT} trimmed word i
    words=()
    for ((i = 0; i <= COMP_CWORD; i++)); do
        trimmed=${line#"${line%%[![:space:]]*}"}
        word=${COMP_WORDS[i]}
        ((i == COMP_CWORD)) && word=$trimmed
        if ((i > 1)) && [[ $trimmed == "$line" ]] &&
            [[ $word == [=:@]* || ${COMP_WORDS[i - 1]} == *[=:@] ]]; then
            words[${#words[@]} - 1]+=$word
        else
            words+=("$word")
        fi
        line=${trimmed#"$word"}
    done
    cword=$((${#words[@]} - 1))
    cur=${words[cword]}
}

_ferry() {
    # shellcheck disable=SC2034 # prev and split are set by _init_completion
    local cur prev words cword split
    if declare -F _init_completion >/dev/null; then
        _init_completion -n =:@ || return
    else
        __ferry_words
    fi

    local bin=${words[0]/#\~/$HOME} line
    local -a candidates=()
    while IFS= read -r line; do
        candidates+=("${line%%$'\t'*}")
    done < <("$bin" __complete "${words[@]:1:cword-1}" "$cur" 2>/dev/null)

    if [[ ${candidates[0]-} == :file || ${candidates[0]-} == :dir ]]; then
        local path=$cur action=-f
        [[ $cur == -*=* ]] && path=${cur#*=}
        [[ ${candidates[0]} == :dir ]] && action=-d
        compopt -o filenames 2>/dev/null
        mapfile -t candidates < <(compgen "$action" -- "$path" 2>/dev/null)
        candidates=("${candidates[@]/#/${cur%"$path"}}")
    fi

    # Readline replaces only the text after the last '=', ':' or '@' that COMP_WORDBREAKS holds.
    local breaks=${COMP_WORDBREAKS//[^=:@]/}
    if [[ -n $breaks && $cur == *["$breaks"]* ]]; then
        local head=${cur%"${cur##*["$breaks"]}"}
        candidates=("${candidates[@]#"$head"}")
    fi
    # A --set key ends with '=': its value follows it, not a space.
    [[ ${candidates[0]-} == *= ]] && compopt -o nospace 2>/dev/null
    COMPREPLY=("${candidates[@]}")
}

complete -F _ferry ferry
