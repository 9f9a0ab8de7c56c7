#!/usr/bin/env bash
# The ctest fixture of the slurm suite: `start` brings up the two-node test cluster (as
# root; it must come up), `stop` takes it down. Not root, start says why the suite will skip
# and succeeds: each case then skips itself with the same reason.
set -euo pipefail
: "${FERRY_SOURCE_DIR:?FERRY_SOURCE_DIR must point at the source tree}"
cluster=$FERRY_SOURCE_DIR/scripts/slurm-test-cluster.sh

case "${1:-}" in
    start)
        why=$(bash "$cluster" why-not)
        if [[ -n $why ]]; then
            echo "the Slurm cases will be skipped: $why"
            exit 0
        fi
        bash "$cluster" start
        ;;
    stop)
        [[ -n $(bash "$cluster" why-not) ]] || bash "$cluster" stop
        ;;
    *)
        echo "usage: $0 start|stop" >&2
        exit 2
        ;;
esac
