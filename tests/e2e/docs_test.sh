# The docs cannot drift: the binary's own command tree is checked against the man pages,
# and the exit codes of the code against the manual and the README.
# shellcheck shell=bash

# A man page as plain text, wide enough that no command line wraps.
render_man() {
    MANWIDTH=250 man -l "$1" 2>/dev/null | col -b
}

test_man_pages_render_without_warnings() {
    command -v man >/dev/null || skip "man is not installed"
    local page warnings
    for page in "$FERRY_SOURCE_DIR"/man/*.1; do
        warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
        [[ -z $warnings ]] || fail "$page: $warnings"
    done
}

test_every_group_is_in_ferry_1() {
    command -v man >/dev/null || skip "man is not installed"
    local text group
    text=$(render_man "$FERRY_SOURCE_DIR/man/ferry.1")
    ferry __commands
    expect_status 0
    for group in $(printf '%s\n' "$OUT" | awk 'NF == 1 { print $1 }'); do
        grep -qE "^ {7}$group( |$)" <<<"$text" || fail "ferry.1 has no entry for group '$group'"
    done
}

test_every_verb_and_option_is_in_its_man_page() {
    command -v man >/dev/null || skip "man is not installed"
    ferry __commands
    expect_status 0
    local checked=0 group verb option page text
    while read -r group verb options; do
        [[ -n $verb ]] || continue
        page=$FERRY_SOURCE_DIR/man/ferry-$group.1
        [[ -f $page ]] || fail "no man page $page for 'ferry $group $verb'"
        text=$(render_man "$page")
        grep -q "ferry $group $verb" <<<"$text" || fail "$page does not describe 'ferry $group $verb'"
        for option in $options; do
            grep -q -- "$option" <<<"$text" || fail "$page does not mention $option of '$group $verb'"
        done
        checked=$((checked + 1))
    done <<<"$OUT"
    [[ $checked -ge 5 ]] || fail "only $checked verbs checked"
}

test_every_global_option_is_in_ferry_1() {
    command -v man >/dev/null || skip "man is not installed"
    local text option
    text=$(render_man "$FERRY_SOURCE_DIR/man/ferry.1")
    ferry __complete -
    for option in $(printf '%s\n' "$OUT" | cut -f1); do
        grep -q -- "$option" <<<"$text" || fail "ferry.1 does not mention $option"
    done
}

test_exit_codes_match_the_code() {
    command -v man >/dev/null || skip "man is not installed"
    local text readme code codes
    text=$(render_man "$FERRY_SOURCE_DIR/man/ferry.1")
    readme=$(cat "$FERRY_SOURCE_DIR/README.md")
    codes=$(sed -nE 's/^ +[a-z_]+ = ([0-9]+),.*/\1/p' "$FERRY_SOURCE_DIR/include/ferry/core/exit_codes.hpp")
    [[ $(wc -w <<<"$codes") -ge 9 ]] || fail "could not read the exit codes from the header"
    for code in $codes; do
        sed -n '/^EXIT STATUS/,/^ENVIRONMENT/p' <<<"$text" | grep -qE "^ {7}$code +" ||
            fail "ferry.1 EXIT STATUS lacks $code"
        grep -qE "^\| $code \|" <<<"$readme" || fail "README exit code table lacks $code"
    done
}

test_cmake_install_puts_everything_in_place() {
    local build prefix
    build=$(dirname "$FERRY")
    [[ -f $build/cmake_install.cmake ]] || skip "$FERRY is not in a CMake build tree"
    prefix=$TEST_ROOT/prefix
    cmake --install "$build" --prefix "$prefix" >/dev/null || fail "cmake --install failed"
    for file in bin/ferry share/man/man1/ferry.1 share/man/man1/ferry-workspace.1 share/man/man1/ferry-run.1 \
        share/bash-completion/completions/ferry share/zsh/vendor-completions/_ferry \
        share/fish/vendor_completions.d/ferry.fish; do
        [[ -e $prefix/$file ]] || fail "cmake --install did not install $file"
    done
    "$prefix/bin/ferry" --version >/dev/null || fail "the installed binary does not run"
}

test_help_prints_what_help_options_print() {
    local words
    for words in "" "run" "run submit" "compute update" "help"; do
        # shellcheck disable=SC2086 # the words are split on purpose
        ferry help $words
        expect_status 0
        expect_no_err
        local via_help=$OUT
        # shellcheck disable=SC2086
        ferry $words --help
        [[ $OUT == "$via_help" ]] || fail "'ferry help $words' differs from 'ferry $words --help'"
    done
    ferry help run submit
    expect_out_contains "Usage: ferry run submit"
    # A verb's help names the global options it takes and its manual page.
    expect_out_contains "Global options:"
    expect_out_contains "-o,--output FORMAT"
    expect_out_contains "The manual: man ferry-run"
    ferry help rnu
    expect_status 2
    expect_one_err_line
    expect_err_contains "ferry has no group 'rnu' (did you mean 'run'?)"
    ferry help run sbumit
    expect_status 2
    expect_err_contains "ferry run has no verb 'sbumit' (did you mean 'submit'?)"
    ferry help run submit now
    expect_status 2
    expect_err_contains "ferry help takes a group and one of its verbs at most"
}
