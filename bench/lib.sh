# Shared by the programs of bench/.
# shellcheck shell=bash
# The caller sets $runs, how many times a command is timed.
# shellcheck disable=SC2154

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

# median_ms COMMAND...: the median wall time of one run of the command, in milliseconds, over
# $runs runs (output discarded); like mean_ms, but one slow outlier (the machine's load) does
# not move it.
median_ms() {
    local start end times=()
    for ((i = 0; i < runs; i++)); do
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1
        end=$(date +%s%N)
        times+=("$(((end - start) / 1000))")
    done
    printf '%s\n' "${times[@]}" | median_of 0.001
}

# median_of SCALE: the median of the numbers on stdin, times SCALE, with one decimal.
median_of() {
    sort -n | awk -v scale="$1" '{ t[NR] = $1 }
        END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
              printf "%.1f\n", m * scale }'
}
