#!/usr/bin/env bash
# Runs one test function of an e2e script in a fresh temporary HOME, FERRY_HOME and
# working directory. Exit 0 pass, 77 skipped (with "skipped: <why>"), anything else fail.
set -euo pipefail
script=$1
function=$2
: "${FERRY:?FERRY must point at the built binary}"
: "${FERRY_SOURCE_DIR:?FERRY_SOURCE_DIR must point at the source tree}"

TEST_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/ferry-e2e.XXXXXX")
trap 'rm -rf "$TEST_ROOT"' EXIT
export HOME=$TEST_ROOT/home
export FERRY_HOME=$TEST_ROOT/ferry-home
mkdir -p "$HOME" "$TEST_ROOT/work"
unset FERRY_WORKSPACE XDG_DATA_HOME NO_COLOR
export LC_ALL=C.UTF-8
# The sanitizers of the test build report into stderr and fail the process.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$TEST_ROOT/work"

# shellcheck source=lib.sh
source "$FERRY_SOURCE_DIR/tests/e2e/lib.sh"
# shellcheck disable=SC1090
source "$script"
"$function"
