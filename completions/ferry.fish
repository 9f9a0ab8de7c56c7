# fish completion for ferry. The binary computes the candidates (ferry __complete), so
# this script only passes the tokens along and hands paths back to fish.

function __ferry_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    # fish reports an unknown command even with stderr redirected.
    command -q -- $tokens[1]; or return
    set -l word (string unescape -- $current)
    set -l lines (command $tokens[1] __complete $tokens[2..-1] "$word" 2>/dev/null)
    switch "$lines[1]"
        case :file :dir
            # "--path=DIR": complete the part after '=' and keep the option in front.
            set -l option (string match -r -- '^-[^=]*=' $current)
            set -l path (string replace -r -- '^-[^=]*=' '' $current)
            if test "$lines[1]" = :dir
                printf '%s\n' "$option"(__fish_complete_directories $path)
            else
                printf '%s\n' "$option"(__fish_complete_path $path)
            end
        case '*'
            printf '%s\n' $lines
    end
end

complete -c ferry -f -k -a '(__ferry_complete)'
