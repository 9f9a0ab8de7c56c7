#!/usr/bin/env bash
# Usage: make_corpus.sh SRC SPEC_OUT [IGNORE_OUT]
# Writes the spec fuzzer's seed corpus to SPEC_OUT: every sample and test spec, prefixed
# with the byte that makes the fuzzer load it as its kind (the order of spec::kind_names()).
# With IGNORE_OUT, also the ignore fuzzer's seeds (see the end of this file).
set -euo pipefail
src=$1
out=$2
mkdir -p "$out"
kind_byte() {
    case $(basename "$1") in
        job_* | job.yml) echo 0 ;;
        sweep_* | sweep.yml) echo 1 ;;
        env_* | venv.yml | docker-build.yml) echo 2 ;;
        data_* | digits.yml) echo 3 ;;
        model_*) echo 4 ;;
        compute_* | local.yml | slurm.yml) echo 5 ;;
        workspace_* | team.yml) echo 6 ;;
        *) echo 0 ;;
    esac
}
n=0
while IFS= read -r -d '' file; do
    byte=$(kind_byte "$file")
    [[ $file == */samples/models/* ]] && byte=4
    {
        printf "\\x$(printf %02x "$byte")"
        cat "$file"
        if [[ -f ${file%.yml}.set ]]; then
            printf '\n#--set\n'
            cat "${file%.yml}.set"
        fi
    } >"$out/seed-$n"
    n=$((n + 1))
done < <(find "$src/samples" "$src/tests/specs" -name '*.yml' -print0 | sort -z)
echo "$n seeds in $out" >&2

# The ignore fuzzer's seeds (written when a third folder is given): .gitignore files that
# use every part of the syntax, each followed by "#--paths" and paths to check (a trailing
# '/' marks a directory), and valid manifests.
ignore_out=${3:-}
[[ -n $ignore_out ]] || exit 0
mkdir -p "$ignore_out"
m=0
seed() {
    cat >"$ignore_out/seed-$m"
    m=$((m + 1))
}
paths='#--paths
a.log
logs/
logs/a.log
build/
build/out/x.o
sub/build/
sub/a.txt
sub/deep/b.txt
important.log
a b
c 
#a
!b
.env
.env.local
keys/server.pem
.ssh/
docs/x/y/readme.md
foo/bar
foo/a/b/bar
abc[1].txt
x1/
'
seed <<EOF_SEED
# build output
*.log
!important.log
/build/
**/node_modules/
docs/**/*.md
foo/**/bar
x[0-9]/
[!a-c]*.txt
[[:alpha:]][[:digit:]]
\\#a
\\!b
c\\ 
trailing-spaces   
abc\\[1\\].txt
sub/*
!sub/a.txt
$paths
EOF_SEED
# CRLF line endings and a UTF-8 byte order mark.
seed < <(
    printf '\xef\xbb\xbf*.o\r\n!keep.o\r\n/logs/\r\n# comment\r\n\r\nsub/**\r\n'
    printf '%s' "$paths"
)
seed <<EOF_SEED
/*
!/src/
/src/*
!/src/main/
**/*.tmp
**
!*/
a/**/b/**/c
*[[:space:]]*
[^x]?[]a-]*
ab\\
[a-
[[:nope:]]
!
/
$paths
EOF_SEED
# Manifests: a file, an executable, a link; then paths with escaped bytes.
hash=$(printf 'ferry' | sha256sum | cut -c1-64)
link_hash=$(printf 'a.txt' | sha256sum | cut -c1-64)
tab=$'\t'
seed <<EOF_SEED
ferry-manifest 1
100644 5 $hash a.txt
100755 0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 bin/run.sh
120000 5 $link_hash link${tab}b/a.txt
100644 12 $hash sub/deep/x y.md
EOF_SEED
seed < <(printf 'ferry-manifest 1\n120000 3 %s a\\tc\tt\\x01\\x7f\n100644 2 %s a\\nb\n100644 1 %s a\\\\b\n' \
    "$link_hash" "$hash" "$hash")
seed < <(printf 'ferry-manifest 1\n')
echo "$m seeds in $ignore_out" >&2

# The search fuzzer's seeds (written when a fourth folder is given): filters, orders and
# column lists that use every part of MLflow's grammar, and a few that are refused.
search_out=${4:-}
[[ -n $search_out ]] || exit 0
mkdir -p "$search_out"
s=0
while IFS= read -r text; do
    printf '%s' "$text" >"$search_out/seed-$s"
    s=$((s + 1))
done <<'EOF_SEEDS'
metrics.accuracy > 0.9 and params.lr = '0.01' and tags.team = 'vision' and attributes.status = 'Completed'
metrics.acc >= 1e-3 AND metrics.`val loss` < -2.5 and metrics."f1" != 0 and metrics.m <= .5
params.model LIKE 'sk%' and tags.type ILIKE "%Logistic%" and params.x != 'it''s'
attributes.status IN ('FAILED', 'Queued') and status LIKE 'C%' and run_name = "r_1"
tags.`mlflow.parentRunId` = 'lr_1' and attributes.start_time > 1700000000000 and attributes.end_time < 1
attributes.run_id IN ('a', 'b') and attributes.user_id = 'root' and attributes.created >= 0
metrics.accuracy DESC, params.lr, tags.team ASC, attributes.start_time DESC
metrics.accuracy,params.lr,tags.team
params.lr = '0.1' or params.lr = '0.2'
metrics.a LIKE '%x'
params.x IN ('a'
EOF_SEEDS
echo "$s seeds in $search_out" >&2
