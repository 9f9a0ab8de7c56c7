# Shared by the programs of bench/.
# shellcheck shell=bash

# mean_ms COMMAND...: the mean wall time of one run of the command, in milliseconds, over
# $runs runs (output discarded); $mean_scale decimals (default 1).
mean_ms() {
    local start end
    start=$(date +%s%N)
    for ((i = 0; i < runs; i++)); do
        "$@" >/dev/null 2>&1
    done
    end=$(date +%s%N)
    echo "scale=${mean_scale:-1}; ($end - $start) / $runs / 1000000" | bc
}
