#compdef ferry
# zsh completion for ferry. The binary computes the candidates (ferry __complete), so
# this script only passes the words along and hands paths back to zsh.

_ferry() {
    local cmd=${words[1]/#\~/$HOME} line
    local -a lines candidates
    lines=("${(@f)$("$cmd" __complete "${(@Q)words[2,CURRENT]}" 2>/dev/null)}")

    case ${lines[1]} in
    :file | :dir)
        # "--path=DIR": complete the part after '='.
        [[ ${words[CURRENT]} == -*=* ]] && compset -P 1 '*='
        if [[ ${lines[1]} == :dir ]]; then
            _files -/
        else
            _files
        fi
        return
        ;;
    esac

    # _describe wants "word:description"; a colon inside the word must be escaped.
    for line in $lines; do
        if [[ $line == *$'\t'* ]]; then
            candidates+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}")
        else
            candidates+=("${line//:/\\:}")
        fi
    done
    # A --set key ends with '=': its value follows it, not a space.
    local -a suffix
    [[ ${lines[1]%%$'\t'*} == *= ]] && suffix=(-S '')
    (( $#candidates )) && _describe -t values ferry candidates "${suffix[@]}"
}

# Autoloaded from $fpath the file is the body of _ferry: run it. Sourced: register it.
if [[ $funcstack[1] == _ferry ]]; then
    _ferry "$@"
elif (( $+functions[compdef] )); then
    compdef _ferry ferry
fi
