#!/usr/bin/env bash
# Writes the seed corpus: every sample and test spec, prefixed with the byte that makes
# the fuzzer load it as its kind (the order of spec::kind_names()).
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
