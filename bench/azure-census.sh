#!/usr/bin/env bash
# A census of Azure's public example jobs (github.com/Azure/azureml-examples, cli/jobs): how
# many ferry accepts with `ferry run validate`, and why it refuses the others.
#  - command jobs: top-level `type: command`, or no type and a top-level `command:` (as Azure);
#  - sweep jobs: `type: sweep`; pipeline jobs: `type: pipeline` (counted in their own row);
#  - skipped: components (a $schema naming a component, or a file that another YAML names as
#    its `component:` or `trial:`) and every other YAML (environments, data, models, automl...).
# Each job is validated from its own directory (specs say `code: src`), under a temporary
# FERRY_HOME, so the user's workspaces are never touched.
# Usage: bench/azure-census.sh [--tsv FILE] EXAMPLES_DIR [FERRY_BINARY]
#   EXAMPLES_DIR: a checkout (or extract) of azureml-examples, holding cli/jobs (and
#   cli/assets, which basics/hello-model-as-input.yml names);
#   FERRY_BINARY: default build-bench/ferry of this repository;
#   --tsv FILE: the per-file results (path, kind, ok|refused, message; several messages are
#   joined by " | "), default $TMPDIR/azure-census.tsv.
# Exits 0 when the census ran, whatever it counted; 2 on bad usage.
set -euo pipefail

usage() { echo "usage: $0 [--tsv FILE] EXAMPLES_DIR [FERRY_BINARY]" >&2; exit 2; }
tsv=${TMPDIR:-/tmp}/azure-census.tsv
args=()
while (($#)); do
    case $1 in
        --tsv) (($# >= 2)) || usage; tsv=$2; shift 2 ;;
        --tsv=*) tsv=${1#--tsv=}; shift ;;
        -h | --help) usage ;;
        *) args+=("$1"); shift ;;
    esac
done
((${#args[@]} >= 1 && ${#args[@]} <= 2)) || usage
root=$(realpath -m "${args[0]}")
ferry=$(realpath -m "${args[1]:-$(dirname "$0")/../build-bench/ferry}")
[[ -d $root/cli/jobs ]] || { echo "$0: no cli/jobs under $root" >&2; exit 2; }
[[ -x $ferry ]] || { echo "$0: $ferry is not an executable" >&2; exit 2; }
mkdir -p "$(dirname "$tsv")" && tsv=$(realpath -m "$tsv")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_HOME=$work/home
unset FERRY_WORKSPACE

# top KEY FILE: the value of the top-level KEY, without quotes, comment or CR; or nothing.
top() {
    sed -nE "/^$1:/{s/^$1:[[:space:]]*//; s/[[:space:]]+#.*//; s/\r$//; s/^[\"']//; s/[\"'][[:space:]]*$//; p; q}" "$2"
}

# normalize: KEY TAB MESSAGE lines on stdin -> causes: "KEY: MESSAGE" without the specific
# values (quoted names, URIs but their kind, absolute paths), but with "got 'X'" (an enum).
normalize() {
    sed -E "s/\t/: /; s/^: //; s/got '([A-Za-z0-9_.-]+)'/got \1/
            s#'([A-Za-z][A-Za-z0-9+.-]*://)(registries/|datastores/|subscriptions/)?[^']*'#<\1\2...>#g
            s/'[^']*'/<value>/g; s/\"[^\"]*\"/<value>/g
            s#(^|[[:space:](])[A-Za-z][A-Za-z0-9+.-]*://[^[:space:],;)'\"]+#\1<uri>#g
            s#(^|[[:space:]])/[^[:space:]]+#\1<path>#g"
}

mapfile -d '' files < <(find "$root/cli/jobs" -type f \( -name '*.yml' -o -name '*.yaml' \) -print0 | sort -z)

# The files that a pipeline or sweep names as a component (component: ./x.yml, file:./x.yml).
declare -A referenced=()
for f in "${files[@]}"; do
    while IFS= read -r ref; do
        referenced[$(realpath -m "$(dirname "$f")/$ref")]=1
    done < <(sed -nE 's/^[[:space:]-]*(component|trial):[[:space:]]*(file:)?([^[:space:]#:]+\.ya?ml)[[:space:]]*(#.*)?\r?$/\3/p' "$f")
done

printf 'path\tkind\tresult\tmessage\n' >"$tsv"
: >"$work/causes"  # path TAB cause, one line per distinct cause of a refusal
for f in "${files[@]}"; do
    rel=${f#"$root"/}
    [[ $(top '[$]schema' "$f") == *[Cc]omponent* || -n ${referenced[$f]:-} ]] && continue
    kind=$(top type "$f")
    if [[ -z $kind ]] && grep -qE '^command:' "$f"; then kind='command'; fi
    case $kind in command | sweep | pipeline) ;; *) continue ;; esac

    rc=0
    (cd "$(dirname "$f")" && timeout 60 "$ferry" --no-color run validate -f "$(basename "$f")") \
        </dev/null >/dev/null 2>"$work/err" || rc=$?
    if ((rc == 0)); then
        printf '%s\t%s\tok\t\n' "$rel" "$kind" >>"$tsv"
        continue
    fi
    # ferry reports each error as [ferry: error: ]FILE:LINE:COL: message (FILE relative to the
    # spec's directory): keep KEY TAB MESSAGE, KEY the key at FILE:LINE; with no such error (a
    # crash, a time-out), the last line of stderr.
    awk -v rc="$rc" -v dir="$(dirname "$f")" '
        function keyat(file, line,   l, i, k) {
            if (file !~ /^\//) file = dir "/" file
            for (i = 0; i < line && (getline l <file) > 0; i++) {}
            close(file)
            if (i < line || !match(l, /^[ -]*[A-Za-z_$][A-Za-z0-9_.-]*:/)) return ""
            k = substr(l, 1, RLENGTH - 1); sub(/^[ -]*/, "", k); return k
        }
        match($0, /^(ferry: error: )?[^: \t]+:[0-9]+:[0-9]+: /) {
            where = substr($0, 1, RLENGTH); msg = substr($0, RLENGTH + 1)
            sub(/^ferry: error: /, "", where); split(where, at, ":")
            print keyat(at[1], at[2]) "\t" msg; n++
        }
        NF { last = $0 }
        END { if (!n) print "\t" (rc == 124 ? "timed out after 60 s" : "exit status " rc ": " last) }
    ' "$work/err" >"$work/msgs"
    printf '%s\t%s\trefused\t%s\n' "$rel" "$kind" "$(cut -f2- "$work/msgs" | tr '\t' ' ' | paste -sd '|' | sed 's/|/ | /g')" >>"$tsv"
    normalize <"$work/msgs" | sort -u | awk -v p="$rel" '{ print p "\t" $0 }' >>"$work/causes"
done

# The summary: per kind, then the causes of refusal (a file counts once per distinct cause).
echo "Azure ML examples: $root/cli/jobs"
echo "ferry: $ferry"
echo
awk -F'\t' 'NR > 1 { t[$2]++; if ($3 == "ok") ok[$2]++; all++; if ($3 == "ok") allok++ }
    END {
        printf "%-10s %6s %12s %8s\n", "kind", "total", "validate OK", "refused"
        n = split("command sweep pipeline", k, " ")
        for (i = 1; i <= n; i++)
            printf "%-10s %6d %12d %8d\n", k[i], t[k[i]], ok[k[i]], t[k[i]] - ok[k[i]]
        printf "%-10s %6d %12d %8d\n", "all", all, allok, all - allok
    }' "$tsv"
echo
echo "Refusals by cause (files, cause, one example):"
if [[ -s $work/causes ]]; then
    awk -F'\t' '{ n[$2]++; if (!($2 in ex)) ex[$2] = $1 } END { for (c in n) printf "%d\t%s\t%s\n", n[c], c, ex[c] }' \
        "$work/causes" | sort -t$'\t' -k1,1nr -k2,2 |
        awk -F'\t' '{ printf "%5d  %s\n       e.g. %s\n", $1, $2, $3 }'
else
    echo "  (none)"
fi
echo
echo "Per-file results: $tsv"
