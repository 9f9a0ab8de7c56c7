#!/usr/bin/env bash
# A two-node Slurm cluster on this machine, for the tests and the benches: munged, slurmctld
# and two slurmd (n1 on port 17001, n2 on 17002, both at 127.0.0.1), with their state, logs
# and slurm.conf under one directory (default /tmp/ferry-test-slurm). Needs root and
# Debian's slurmctld, slurmd, slurm-client and munge.
#
#   slurm-test-cluster.sh start   starts what is not running; prints SLURM_CONF=PATH
#   slurm-test-cluster.sh stop    stops what start started, and removes the directory
#   slurm-test-cluster.sh check   exit 0 when the cluster answers with both nodes idle
#
# Clients find the cluster through SLURM_CONF (the path start prints). The partition is
# `debug`; each node has 2 CPUs.
set -euo pipefail

dir=${FERRY_TEST_SLURM_DIR:-/tmp/ferry-test-slurm}
conf=$dir/slurm.conf
export SLURM_CONF=$conf

why_not() {
    if [[ $(id -u) != 0 ]]; then
        echo "the test cluster needs root (slurmd and munged run as root here)"
        return
    fi
    local program
    for program in slurmctld slurmd munged sbatch squeue sinfo scontrol scancel srun; do
        if ! command -v "$program" >/dev/null && [[ ! -x /usr/sbin/$program ]]; then
            echo "$program is not installed (Debian: apt-get install slurmctld slurmd slurm-client munge)"
            return
        fi
    done
}

write_conf() {
    local host
    host=$(hostname)
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    cat >"$conf" <<EOF
# The ferry test cluster: two nodes on one machine.
ClusterName=ferrytest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
MessageTimeout=20
NodeName=n1 NodeHostname=$host NodeAddr=127.0.0.1 Port=17001 CPUs=2 RealMemory=2000 State=UNKNOWN
NodeName=n2 NodeHostname=$host NodeAddr=127.0.0.1 Port=17002 CPUs=2 RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
}

running() {
    [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

start_munge() {
    if pgrep -x munged >/dev/null && munge -n </dev/null | unmunge >/dev/null 2>&1; then
        return
    fi
    if [[ ! -s /etc/munge/munge.key ]]; then
        mkdir -p /etc/munge
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile /etc/munge/munge.key
        else
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
        fi
    fi
    chown -R munge:munge /etc/munge 2>/dev/null || true
    chmod 0700 /etc/munge
    chmod 0400 /etc/munge/munge.key
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
    if id munge >/dev/null 2>&1; then
        runuser -u munge -- /usr/sbin/munged
    else
        /usr/sbin/munged --force
    fi
    touch "$dir/munged-started"  # stop ends it
    for _ in $(seq 50); do
        munge -n </dev/null | unmunge >/dev/null 2>&1 && return
        sleep 0.1
    done
    echo "munged does not answer" >&2
    return 1
}

# Daemons start detached, with / as their directory and no descriptor of the caller.
detach() {
    (
        cd /
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
        done
        exec setsid "$@" </dev/null >>"$dir/log/daemons.log" 2>&1
    ) &
    disown "$!" 2>/dev/null || true
}

check() {
    local states
    states=$(sinfo -h -N -p debug -o '%N %t' 2>/dev/null) || return 1
    [[ $(grep -cE '^n[12] (idle|mix|alloc)$' <<<"$states") == 2 ]]
}

start() {
    local why
    why=$(why_not)
    if [[ -n $why ]]; then
        echo "cannot start the test cluster: $why" >&2
        return 3
    fi
    if running "$dir/slurmctld.pid" && check; then
        echo "SLURM_CONF=$conf"
        return
    fi
    mkdir -p "$dir"
    start_munge
    write_conf
    # A fresh controller: no job of an earlier cluster that died without `stop`.
    running "$dir/slurmctld.pid" || detach /usr/sbin/slurmctld -f "$conf" -c
    for node in n1 n2; do
        running "$dir/slurmd-$node.pid" || detach /usr/sbin/slurmd -f "$conf" -N "$node"
    done
    local deadline=$((SECONDS + 60))
    while ((SECONDS < deadline)); do
        if check; then
            echo "SLURM_CONF=$conf"
            return
        fi
        sleep 0.2
    done
    echo "the test cluster did not come up within 60 s; sinfo says:" >&2
    sinfo -N -p debug 2>&1 | sed 's/^/  /' >&2 || true
    tail -n 20 "$dir/log/slurmctld.log" "$dir"/log/slurmd-*.log >&2 2>/dev/null || true
    return 1
}

stop() {
    local pidfile pid
    scancel --full --signal=KILL -p debug 2>/dev/null || true
    for pidfile in "$dir"/slurmd-n1.pid "$dir"/slurmd-n2.pid "$dir"/slurmctld.pid; do
        running "$pidfile" || continue
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    # Job steps left by a killed slurmd (this cluster's only: a test machine has no other).
    pkill -KILL -f 'slurmstepd: \[' 2>/dev/null || true
    if [[ -e $dir/munged-started ]]; then
        pkill -TERM -x munged 2>/dev/null || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    check) check ;;
    why-not) why_not ;;
    *)
        echo "usage: $0 start|stop|check|why-not" >&2
        exit 2
        ;;
esac
