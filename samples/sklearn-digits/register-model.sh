#!/usr/bin/env bash
# Trains samples/sklearn-digits, registers the model.pkl its run wrote into outputs/ as
# the model 'digits' (a new version each time), shows it, and downloads it into DIR.
#
#   samples/sklearn-digits/register-model.sh [DIR]      (default DIR: digits-model)
#
# Needs python3 with numpy and scikit-learn, like the job. FERRY names the binary
# (default: ferry on the PATH).
set -euo pipefail

ferry=${FERRY:-ferry}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:-digits-model}

# --wait prints the run's name, then exits as the run ended (0: Completed).
name=$("$ferry" run submit -f "$here/job.yml" --wait)
echo "run $name completed" >&2

# The run's outputs/model.pkl, without copying it: the model's one file is model.pkl.
"$ferry" model register --name digits --run "$name" --path outputs/model.pkl \
    --framework scikit-learn --description "logistic regression on the 8x8 digits" \
    --tag sample=sklearn-digits
"$ferry" model show digits
"$ferry" model download digits -p "$dir"
ls -l "$dir"
