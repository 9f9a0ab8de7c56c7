# Helpers for the e2e tests that need Docker (env_test.sh): a reachable daemon (started here
# when the test runs as root and dockerd is installed) and two small local images built from
# the host's own files, since no registry can be reached: ferry-test/base:1 (busybox applets,
# bash) and ferry-test/python:1 (the same plus the host's python3.11). Nothing is ever pulled.
# Both helpers work under a flock, so the cases that ctest runs at once start the daemon and
# build the images once; the images stay for the next runs.
# shellcheck shell=bash

FERRY_TEST_DOCKER_LOCK=${FERRY_TEST_DOCKER_LOCK:-/tmp/ferry-test-docker.lock}
FERRY_TEST_DOCKERD_LOG=${FERRY_TEST_DOCKERD_LOG:-/tmp/ferry-test-dockerd.log}
FERRY_TEST_DOCKERD_PID=/tmp/ferry-test-dockerd.pid
FERRY_TEST_BASE_IMAGE=ferry-test/base:1
FERRY_TEST_PYTHON_IMAGE=ferry-test/python:1
# A busybox alone, to check once that a container starts (storage driver, --init).
FERRY_TEST_PROBE_IMAGE=ferry-test/probe:1

# Starts dockerd with the arguments given, detached from the case: its own session, a clean
# environment (without FERRY_E2E_CASE, so the case's cleanup leaves it alone) and / as its
# directory (the case's directory is deleted at the end).
start_test_dockerd() {
    (
        cd / || exit 1
        # No descriptor of the case (the lock, ctest's pipes) may stay open in the daemon.
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
        done
        exec setsid env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root nohup dockerd "$@" >>"$FERRY_TEST_DOCKERD_LOG" 2>&1 </dev/null
    ) &
    echo "$!" >"$FERRY_TEST_DOCKERD_PID"
    disown "$!" 2>/dev/null || true
}

# The pid of the dockerd started by start_test_dockerd when it still runs; empty otherwise.
test_dockerd_pid() {
    local pid
    pid=$(cat "$FERRY_TEST_DOCKERD_PID" 2>/dev/null) || return 0
    [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] && echo "$pid"
    return 0
}

# wait_for_docker SECONDS: polls `docker info` until it answers; fails after SECONDS, or at
# once when the dockerd started here has died.
wait_for_docker() {
    local deadline=$((SECONDS + $1))
    until docker info >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        if [[ -s $FERRY_TEST_DOCKERD_PID && -z $(test_dockerd_pid) ]] && ! pgrep -x dockerd >/dev/null; then
            return 1
        fi
        sleep 0.2
    done
}

# Stops the dockerd started here (SIGTERM, then SIGKILL after 20 s).
stop_test_dockerd() {
    local pid
    pid=$(test_dockerd_pid)
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        [[ -d /proc/$pid ]] || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
}

# Imports the probe image (one static busybox) and runs a container of it the way ferry
# does (--init, --network host, a bind mount); prints docker's error when it fails.
probe_docker() {
    local root
    if ! docker image inspect "$FERRY_TEST_PROBE_IMAGE" >/dev/null 2>&1; then
        root=$(mktemp -d /tmp/ferry-test-probe.XXXXXX)
        mkdir -p "$root/bin" "$root/tmp"
        cp "$(command -v busybox)" "$root/bin/busybox"
        ln -s busybox "$root/bin/sh"
        ln -s busybox "$root/bin/true"
        tar -C "$root" -c . | docker import - "$FERRY_TEST_PROBE_IMAGE" >/dev/null 2>&1
        rm -rf "$root"
    fi
    { docker run --rm --init --network host -v /tmp:/tmp:ro "$FERRY_TEST_PROBE_IMAGE" /bin/true >/dev/null; } 2>&1
}

# The locked part of need_docker (ensure_docker_locked): makes the daemon answer; prints
# why Docker cannot be used, or nothing.
start_docker_locked() {
    docker info >/dev/null 2>&1 && return 0
    if [[ $(id -u) != 0 ]]; then
        echo "the Docker daemon does not answer (docker info failed) and only root can start it here"
        return 0
    fi
    if ! command -v dockerd >/dev/null; then
        echo "the Docker daemon does not answer (docker info failed) and dockerd is not installed"
        return 0
    fi
    if ! pgrep -x dockerd >/dev/null; then
        echo "--- $(date -u +%FT%TZ) starting dockerd" >>"$FERRY_TEST_DOCKERD_LOG"
        start_test_dockerd
    fi
    wait_for_docker 60 && return 0
    # A daemon that runs but does not answer is left alone (other cases may be using it).
    if pgrep -x dockerd >/dev/null; then
        echo "dockerd runs but does not answer within 60 s (see $FERRY_TEST_DOCKERD_LOG)"
        return 0
    fi
    # It exited: its default storage driver (overlay2) can fail on some filesystems.
    echo "--- $(date -u +%FT%TZ) dockerd exited; starting dockerd --storage-driver vfs" >>"$FERRY_TEST_DOCKERD_LOG"
    start_test_dockerd --storage-driver vfs
    wait_for_docker 60 || echo "dockerd did not start within 60 s (see $FERRY_TEST_DOCKERD_LOG)"
}

# What identifies the running daemon: the probe is not repeated for the same one.
docker_identity() {
    printf '%s %s\n' "$(pgrep -x dockerd | head -n 1)" "$(docker info -f '{{.ID}} {{.Driver}}' 2>/dev/null)"
}

# The locked part of need_docker: prints why Docker cannot be used, or nothing. A reason is
# kept for 3 minutes, so that the next cases skip at once instead of waiting again.
ensure_docker_locked() {
    local error why
    if [[ -n $(find "$FERRY_TEST_DOCKER_LOCK.unusable" -mmin -3 2>/dev/null) ]]; then
        cat "$FERRY_TEST_DOCKER_LOCK.unusable"
        return 0
    fi
    why=$(start_docker_locked)
    if [[ -z $why ]] && ! command -v busybox >/dev/null; then
        why="busybox (Debian: busybox-static) is needed to build the test images"
    fi
    if [[ -z $why && $(cat "$FERRY_TEST_DOCKER_LOCK.probed" 2>/dev/null) != "$(docker_identity)" ]]; then
        if ! error=$(probe_docker); then
            # When the daemon is ours and a container fails to mount its root filesystem,
            # restart the daemon with the vfs storage driver and probe again.
            if [[ -n $(test_dockerd_pid) && $error == *mount* &&
                $(docker info -f '{{.Driver}}' 2>/dev/null) != vfs ]]; then
                stop_test_dockerd
                echo "--- $(date -u +%FT%TZ) a container did not start ($error); starting dockerd --storage-driver vfs" >>"$FERRY_TEST_DOCKERD_LOG"
                start_test_dockerd --storage-driver vfs
                if ! wait_for_docker 60; then
                    why="dockerd --storage-driver vfs did not start within 60 s (see $FERRY_TEST_DOCKERD_LOG)"
                elif ! error=$(probe_docker); then
                    why="a container does not start here: $(printf '%s' "$error" | tail -n 1)"
                fi
            else
                why="a container does not start here: $(printf '%s' "$error" | tail -n 1)"
            fi
        fi
        [[ -n $why ]] || docker_identity >"$FERRY_TEST_DOCKER_LOCK.probed"
    fi
    if [[ -n $why ]]; then
        printf '%s\n' "$why" | tee "$FERRY_TEST_DOCKER_LOCK.unusable"
    else
        rm -f "$FERRY_TEST_DOCKER_LOCK.unusable"
    fi
}

# Skips the case unless Docker works: a daemon answers (one is started when the test runs as
# root and dockerd is installed) and a container starts with --init and --network host.
need_docker() {
    local why
    command -v docker >/dev/null || skip "docker is not installed"
    why=$(
        exec 9>>"$FERRY_TEST_DOCKER_LOCK"
        flock 9
        ensure_docker_locked
    )
    [[ -z $why ]] || skip "$why"
}

# copy_with_libraries ROOT FILE...: copies each file into ROOT at the same path, with the
# shared libraries it loads (ldd), following symbolic links.
copy_with_libraries() {
    local root=$1 file
    shift
    {
        printf '%s\n' "$@"
        ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }'
    } | sort -u | while IFS= read -r file; do
        [[ -e $root$file ]] && continue
        mkdir -p "$root$(dirname "$file")"
        cp -L "$file" "$root$file"
    done
}

# make_base_root ROOT: a small root filesystem from the host's files: the top-level links
# of a merged /usr (as on the host), a static busybox with a link per applet in /bin, bash
# with its libraries, and minimal /etc files.
make_base_root() {
    local root=$1 dir applet busybox
    for dir in bin sbin lib lib64; do
        if [[ -L /$dir ]]; then
            mkdir -p "$root/$(dirname "$dir")/$(readlink "/$dir")"
            ln -s "$(readlink "/$dir")" "$root/$dir"
        else
            mkdir -p "$root/$dir"
        fi
    done
    mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,etc,tmp,root,home,proc,sys,dev,var/tmp,run}
    chmod 1777 "$root/tmp" "$root/var/tmp"
    busybox=$(command -v busybox)
    cp -L "$busybox" "$root/bin/busybox"
    copy_with_libraries "$root" "$(command -v bash)"
    [[ -e $root/bin/bash ]] || ln -s "$(command -v bash)" "$root/bin/bash"
    for applet in $("$busybox" --list); do
        [[ $applet == busybox || -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    printf 'hosts: files dns\npasswd: files\ngroup: files\n' >"$root/etc/nsswitch.conf"
    printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
    # Says which image a container runs (the host has busybox and bash too).
    printf 'ferry-test/base\n' >"$root/etc/ferry-test-image"
}

# add_python_to_root ROOT: the host's /usr/bin/python3.11 and /usr/lib/python3.11 (without
# tests, caches, tk, idle and the build configuration) with the libraries of the interpreter
# and of its extension modules.
add_python_to_root() {
    local root=$1 module
    mkdir -p "$root/usr/lib"
    tar -C /usr/lib -c \
        --exclude='python3.11/test' --exclude='python3.11/*/test' --exclude='python3.11/*/tests' \
        --exclude='__pycache__' --exclude='python3.11/idlelib' --exclude='python3.11/tkinter' \
        --exclude='python3.11/turtledemo' --exclude='python3.11/lib2to3' \
        --exclude='python3.11/ensurepip' --exclude='python3.11/config-3.11-*' \
        --exclude='python3.11/dist-packages' --exclude='python3.11/site-packages' \
        --exclude='*_test*.so' python3.11 | tar -C "$root/usr/lib" -x
    local modules=()
    for module in /usr/lib/python3.11/lib-dynload/*.so; do
        [[ $module == *_test* ]] || modules+=("$module")
    done
    copy_with_libraries "$root" /usr/bin/python3.11 "${modules[@]}"
    printf 'ferry-test/python\n' >"$root/etc/ferry-test-image"
    ln -s python3.11 "$root/usr/bin/python3"
    ln -s python3 "$root/usr/bin/python"
}

# import_root ROOT IMAGE: the tree as a one-layer image.
import_root() {
    tar -C "$1" --numeric-owner -c . |
        docker import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'CMD ["/bin/sh"]' - "$2" >/dev/null
}

# The locked part of need_test_image: prints why the images cannot be made, or nothing.
ensure_test_images_locked() {
    local root="" error
    if ! docker image inspect "$FERRY_TEST_BASE_IMAGE" >/dev/null 2>&1 ||
        ! docker image inspect "$FERRY_TEST_PYTHON_IMAGE" >/dev/null 2>&1; then
        [[ -x /usr/bin/python3.11 && -d /usr/lib/python3.11 ]] || {
            echo "the host has no /usr/bin/python3.11 and /usr/lib/python3.11 for ferry-test/python:1"
            return 0
        }
        root=$(mktemp -d /tmp/ferry-test-image.XXXXXX)
        mkdir -p "$root/base"
        make_base_root "$root/base" >/dev/null 2>&1 || true
    fi
    if ! docker image inspect "$FERRY_TEST_BASE_IMAGE" >/dev/null 2>&1; then
        error=$(import_root "$root/base" "$FERRY_TEST_BASE_IMAGE" 2>&1) || {
            rm -rf "$root"
            echo "docker import of $FERRY_TEST_BASE_IMAGE failed: $error"
            return 0
        }
    fi
    if ! docker image inspect "$FERRY_TEST_PYTHON_IMAGE" >/dev/null 2>&1; then
        add_python_to_root "$root/base" >/dev/null 2>&1 || true
        error=$(import_root "$root/base" "$FERRY_TEST_PYTHON_IMAGE" 2>&1) || {
            rm -rf "$root"
            echo "docker import of $FERRY_TEST_PYTHON_IMAGE failed: $error"
            return 0
        }
    fi
    [[ -n $root ]] || return 0
    rm -rf "$root"
    # Both must work; a broken one is removed, so that the next case makes it again.
    error=$(docker run --rm --init --network host "$FERRY_TEST_BASE_IMAGE" bash -c 'cat /etc/passwd >/dev/null && sleep 0' 2>&1) || {
        docker rmi "$FERRY_TEST_BASE_IMAGE" "$FERRY_TEST_PYTHON_IMAGE" >/dev/null 2>&1 || true
        echo "a container of $FERRY_TEST_BASE_IMAGE does not run bash: $error"
        return 0
    }
    error=$(docker run --rm --init --network host "$FERRY_TEST_PYTHON_IMAGE" python3 -c 'import json, os, sys' 2>&1) || {
        docker rmi "$FERRY_TEST_PYTHON_IMAGE" >/dev/null 2>&1 || true
        echo "a container of $FERRY_TEST_PYTHON_IMAGE does not run python3: $error"
        return 0
    }
    return 0
}

# Skips the case unless Docker works, and makes the local images ferry-test/base:1 and
# ferry-test/python:1 when they are missing (once, under a flock; a few seconds).
need_test_image() {
    local why
    need_docker
    why=$(
        exec 9>>"$FERRY_TEST_DOCKER_LOCK"
        flock 9
        ensure_test_images_locked
    )
    [[ -z $why ]] || skip "$why"
}

# The ids of the containers (running or not) that carry the label ferry.run=$1.
run_containers() {
    docker ps -a --filter "label=ferry.run=$1" -q 2>/dev/null || true
}
