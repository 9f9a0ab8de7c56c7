# Helpers for e2e tests: run the binary, then assert on its exit code, stdout and stderr.
# shellcheck shell=bash

# Runs ferry with the given arguments; sets STATUS, OUT and ERR. Never fails by itself.
ferry() {
    local out_file=$TEST_ROOT/stdout err_file=$TEST_ROOT/stderr
    set +e
    "$FERRY" "$@" >"$out_file" 2>"$err_file" </dev/null
    STATUS=$?
    set -e
    OUT=$(cat "$out_file")
    ERR=$(cat "$err_file")
}

fail() {
    echo "FAIL: $*" >&2
    echo "--- exit status: ${STATUS:-}" >&2
    echo "--- stdout:" >&2
    printf '%s\n' "${OUT:-}" >&2
    echo "--- stderr:" >&2
    printf '%s\n' "${ERR:-}" >&2
    exit 1
}

skip() {
    echo "skipped: $*"
    exit 77
}

expect_status() {
    [[ $STATUS == "$1" ]] || fail "expected exit status $1, got $STATUS"
}

expect_out() {
    [[ $OUT == "$1" ]] || fail "expected stdout:
$1"
}

expect_err() {
    [[ $ERR == "$1" ]] || fail "expected stderr:
$1"
}

expect_out_contains() {
    [[ $OUT == *"$1"* ]] || fail "expected stdout to contain: $1"
}

expect_err_contains() {
    [[ $ERR == *"$1"* ]] || fail "expected stderr to contain: $1"
}

expect_no_err() {
    [[ -z $ERR ]] || fail "expected nothing on stderr"
}

# Exactly one line on stderr.
expect_one_err_line() {
    [[ -n $ERR && $(printf '%s\n' "$ERR" | wc -l) -eq 1 ]] || fail "expected one line on stderr"
}

# stdout is exactly one JSON document.
expect_json() {
    printf '%s' "$OUT" | jq -e . >/dev/null 2>&1 || fail "stdout is not valid JSON"
    [[ $(printf '%s' "$OUT" | jq -c . | wc -l) -eq 1 ]] || fail "stdout holds more than one JSON document"
}

# jq filter over stdout must print "true".
expect_jq() {
    local result
    result=$(printf '%s' "$OUT" | jq -r "$1") || fail "jq failed on: $1"
    [[ $result == true ]] || fail "jq '$1' gave '$result'"
}

# Writes each "path<TAB>content" line of stdin as a file under $1, making directories on the
# way; content takes printf's %b escapes ("\n", "\r").
write_files() {
    local root=$1 path content
    while IFS=$'\t' read -r path content; do
        mkdir -p "$root/$(dirname "$path")"
        printf '%b' "$content" >"$root/$path"
    done
}
