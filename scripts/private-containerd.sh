#!/bin/bash
# A private containerd 1.6 that shares nothing it can avoid with any other containerd on the host.
#   scripts/private-containerd.sh start DIR     write DIR/config.toml, start containerd (setsid), wait until it answers
#   scripts/private-containerd.sh stop DIR      tear down: tasks, containers, containerd (by PID), leftover shims,
#                                               mounts under DIR, our cgroups, our stale shim sockets
#   scripts/private-containerd.sh ctr DIR ARGS  ctr with our --address; `run` also gets a private --fifo-dir,
#                                               --runc-root and --cgroup /wct-<name>/<id> unless given
#   scripts/private-containerd.sh env DIR       print the paths (shell assignments) for other scripts
# Layout (recipe: ../shared/docs/test-environment/README.md): DIR/{config.toml,root,state,tmp,fifo,opt/bin,
# containerd.log,containerd.pid}, socket DIR/c.sock (+ .ttrpc; must stay < 100 bytes). Put the shim in
# DIR/opt/bin/containerd-shim-wasm-v1 (containerd prepends DIR/opt/bin to its PATH), or set WASMCELL_SHIM=path
# and `start` copies it there (with containerd-shim-wasm-v1-daemon, -cell, -fetch and libwasmtime.so from beside it).
# Shim sockets live in the hard-coded /run/containerd/s as sha256("<address>/<ns>/<group id>"); `stop` removes
# only those derived from our address, and only when nothing listens on them any more.
set -euo pipefail

die() { echo "private-containerd: $*" >&2; exit 1; }
log() { echo "private-containerd: $*" >&2; }

[ $# -ge 2 ] || die "usage: $0 start|stop|env DIR | ctr DIR ARGS..."
cmd=$1
mkdir -p "$2"
DIR=$(cd "$2" && pwd -P)
shift 2

ADDR="$DIR/c.sock"
NAME=$(basename "$DIR" | tr -c 'A-Za-z0-9_.\n-' '-')
CGROUP_PARENT="wct-$NAME"
PIDFILE="$DIR/containerd.pid"
RUNC_ROOT="$DIR/state/runc"
FIFO_DIR="$DIR/fifo"
TASK_DIR="$DIR/state/io.containerd.runtime.v2.task"
SOCK_DIR=/run/containerd/s
CTR=(ctr --address "$ADDR")

[ ${#ADDR} -lt 94 ] || die "socket path '$ADDR.ttrpc' would be >= 100 bytes; use a shorter DIR"

# PID of our containerd, or nothing: the pid file must name a live containerd whose cmdline has our --address.
our_containerd_pid() {
    [ -f "$PIDFILE" ] || return 0
    local pid
    pid=$(cat "$PIDFILE")
    [ -r "/proc/$pid/cmdline" ] || return 0
    if tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "--address $ADDR "; then echo "$pid"; fi
}

write_config() {
    cat > "$DIR/config.toml" <<TOML
# Private containerd written by scripts/private-containerd.sh; every path is under $DIR.
version = 2
root = "$DIR/root"
state = "$DIR/state"
temp = "$DIR/tmp"
# CRI is off for now; the snapshotters that cannot work here are off to keep the log quiet.
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$ADDR"

[debug]
  level = "info"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    # containerd prepends <path>/bin to its PATH: containerd-shim-wasm-v1 goes in $DIR/opt/bin
    path = "$DIR/opt"
TOML
}

install_shim() {
    [ -n "${WASMCELL_SHIM:-}" ] || return 0
    [ -x "$WASMCELL_SHIM" ] || die "WASMCELL_SHIM=$WASMCELL_SHIM is not an executable"
    install -m 0755 "$WASMCELL_SHIM" "$DIR/opt/bin/containerd-shim-wasm-v1"
    local f
    for f in containerd-shim-wasm-v1-daemon containerd-shim-wasm-v1-cell containerd-shim-wasm-v1-component containerd-shim-wasm-v1-fetch libwasmtime.so; do
        if [ -f "$(dirname "$WASMCELL_SHIM")/$f" ]; then install -m 0755 "$(dirname "$WASMCELL_SHIM")/$f" "$DIR/opt/bin/$f"; fi
    done
}

start() {
    [ "$(id -u)" = 0 ] || die "must run as root (containerd, mounts, cgroups)"
    command -v containerd >/dev/null || die "containerd not installed (apt-get install -y containerd runc)"
    [ -z "$(our_containerd_pid)" ] || die "already running (pid $(cat "$PIDFILE")) on $ADDR"
    [ ! -S "$ADDR" ] || rm -f "$ADDR" "$ADDR.ttrpc"
    mkdir -p "$DIR/root" "$DIR/state" "$DIR/tmp" "$FIFO_DIR" "$DIR/opt/bin" "$RUNC_ROOT"
    write_config
    install_shim
    local t0 pid
    t0=$(date +%s%N)
    # A new session (no controlling terminal, no signals from ours) and a clean PATH; always --config, or
    # containerd reads /etc/containerd/config.toml, which belongs to someone else.
    # The shim's own settings (WASMCELL_*) pass through: the shim and its cells inherit containerd's environment.
    setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $(env | grep -E '^WASMCELL_(SHARED_LINGER|SHARED_SCOPE|PRECOMPILE_DIR)=' || true) \
        containerd --config "$DIR/config.toml" \
        --root "$DIR/root" --state "$DIR/state" --address "$ADDR" \
        </dev/null >>"$DIR/containerd.log" 2>&1 &
    pid=$!
    echo "$pid" > "$PIDFILE"
    for _ in $(seq 1 200); do
        if [ -S "$ADDR" ] && "${CTR[@]}" version >/dev/null 2>&1; then
            [ -n "$(our_containerd_pid)" ] || die "pid $pid is not our containerd (setsid forked?)"
            log "containerd pid $pid ready on $ADDR in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$DIR/containerd.log" >&2; die "containerd exited during start-up"; }
        sleep 0.05
    done
    tail -n 20 "$DIR/containerd.log" >&2
    die "containerd did not answer within 10 s"
}

# Shim socket names we may have caused: sha256("<address>/<ns>/<id>") for every bundle, plus the exact
# address each shim wrote into its bundle (a grouped container's socket is named after its group).
our_socket_names() {
    [ -d "$TASK_DIR" ] || return 0
    local b ns id
    for b in "$TASK_DIR"/*/*; do
        [ -d "$b" ] || continue
        ns=$(basename "$(dirname "$b")"); id=$(basename "$b")
        printf '%s' "$ADDR/$ns/$id" | sha256sum | cut -d' ' -f1
        if [ -f "$b/address" ]; then basename "$(cat "$b/address")"; fi
    done
}

pids_mentioning() { # $1 = fixed string; prints pids (never our own shell) whose cmdline contains it
    local p
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" != "$$" ] || continue
        if { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -qF -- "$1"; then echo "${p#/proc/}"; fi
    done
}

wait_gone() { # $1 = tries of 50 ms, then pids; true once all are gone
    local tries=$1 p; shift
    for _ in $(seq 1 "$tries"); do
        local alive=0
        for p in "$@"; do if [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then alive=1; fi; done
        [ $alive = 1 ] || return 0
        sleep 0.05
    done
    return 1
}

kill_and_wait() { # SIGKILL the given pids, wait up to 5 s until they are gone
    [ $# -gt 0 ] || return 0
    kill -KILL "$@" 2>/dev/null || true
    wait_gone 100 "$@" || log "still alive after SIGKILL: $*"
}

term_then_kill() { # SIGTERM the given pids, SIGKILL what is left after 2 s
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null || true
    wait_gone 40 "$@" || kill_and_wait "$@"
}

stop() {
    local pid sockets ns id
    sockets=$(our_socket_names | sort -u)
    pid=$(our_containerd_pid)
    if [ -n "$pid" ]; then
        # Through the API first: kill and delete every task, remove every container, in every namespace.
        for ns in $("${CTR[@]}" namespaces ls -q 2>/dev/null); do
            for id in $(timeout 10 "${CTR[@]}" -n "$ns" tasks ls -q 2>/dev/null); do
                timeout 10 "${CTR[@]}" -n "$ns" tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
            done
            for id in $(timeout 10 "${CTR[@]}" -n "$ns" tasks ls -q 2>/dev/null); do
                timeout 15 "${CTR[@]}" -n "$ns" tasks delete -f "$id" >/dev/null 2>&1 || true
            done
            for id in $(timeout 10 "${CTR[@]}" -n "$ns" containers ls -q 2>/dev/null); do
                timeout 10 "${CTR[@]}" -n "$ns" containers rm "$id" >/dev/null 2>&1 || true
            done
        done
        sockets=$(printf '%s\n%s\n' "$sockets" "$(our_socket_names)" | sort -u)
        kill -TERM "$pid"
        for _ in $(seq 1 200); do [ -d "/proc/$pid" ] || break; sleep 0.05; done
        if [ -d "/proc/$pid" ]; then log "containerd $pid ignored SIGTERM for 10 s: SIGKILL"; kill_and_wait "$pid"; fi
        log "containerd $pid stopped"
    fi
    rm -f "$PIDFILE"

    # Leftovers: shims of our address (a lingering shared daemon, or a crash's), SIGTERM first so that a daemon removes
    # its socket (a shared daemon's is named after its group, not a bundle, so the sweep below cannot find it); then
    # processes still in our cgroups (wasm cells, runc container processes), then runc's records in our runc root.
    # shellcheck disable=SC2046
    term_then_kill $(pids_mentioning "-address $ADDR ")
    local procs
    procs=$(cat /sys/fs/cgroup/*/"$CGROUP_PARENT"/*/cgroup.procs /sys/fs/cgroup/*/"$CGROUP_PARENT"/cgroup.procs 2>/dev/null | sort -u || true)
    # shellcheck disable=SC2086
    kill_and_wait $procs
    if [ -d "$RUNC_ROOT" ]; then
        for ns in "$RUNC_ROOT"/*; do
            [ -d "$ns" ] || continue
            for id in "$ns"/*; do
                [ -d "$id" ] || continue
                runc --root "$ns" delete --force "$(basename "$id")" >/dev/null 2>&1 || true
            done
        done
    fi

    # Mounts under DIR, deepest first.
    local m
    for m in $(awk -v d="$DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" || log "cannot unmount $m"
    done

    # Our stale shim sockets: derived from our address and with no listener (not in /proc/net/unix).
    local s
    for s in $sockets; do
        [ -S "$SOCK_DIR/$s" ] || continue
        if grep -qF "$SOCK_DIR/$s" /proc/net/unix; then log "socket $SOCK_DIR/$s still has a listener; kept"; continue; fi
        rm -f "$SOCK_DIR/$s" && log "removed stale shim socket $SOCK_DIR/$s"
    done

    # cgroups we asked for (/wct-<name>/<id>): runc and the shim remove <id>, never the parent.
    local c
    for c in /sys/fs/cgroup/*/"$CGROUP_PARENT"; do
        [ -d "$c" ] || continue
        find "$c" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null || true
        rmdir "$c" 2>/dev/null || log "cannot remove cgroup $c"
    done

    rm -f "$ADDR" "$ADDR.ttrpc"
    rm -rf "$DIR/root" "$DIR/state" "$DIR/tmp" "$FIFO_DIR"
    local left
    left=$(pids_mentioning "$DIR/" | wc -l)
    [ "$left" = 0 ] || log "WARNING: $left processes still mention $DIR"
}

# ctr run needs three private paths the daemon config cannot set: FIFO dir, runc root, cgroup.
ctr_run() {
    local args=("$@") i=0 positional=() has_cgroup=0 has_config=0
    while [ $i -lt ${#args[@]} ]; do
        local a=${args[$i]}
        case "$a" in
            --cgroup|--cgroup=*) has_cgroup=1 ;;
            --config|-c|--config=*) has_config=1 ;;
        esac
        case "$a" in
            --) positional+=("${args[@]:$((i + 1))}"); break ;;
            --*=*) ;;
            --rm|--null-io|--detach|-d|--cni|--runc-systemd-cgroup|--remap-labels|--net-host|--privileged|\
            --read-only|--tty|-t|--allow-new-privs|--seccomp|--rootfs|--no-pivot) ;;
            -*) i=$((i + 1)) ;;
            *) positional+=("${args[@]:$i}"); break ;;
        esac
        i=$((i + 1))
    done
    local id=${positional[1]:-}
    [ $has_config = 0 ] || id=${positional[0]:-}
    local extra=(--fifo-dir "$FIFO_DIR" --runc-root "$RUNC_ROOT")
    if [ $has_cgroup = 0 ] && [ -n "$id" ]; then extra+=(--cgroup "/$CGROUP_PARENT/$id"); fi
    exec "${CTR[@]}" run "${extra[@]}" "$@"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    ctr)
        if [ "${1:-}" = run ]; then shift; ctr_run "$@"; fi
        exec "${CTR[@]}" "$@" ;;
    env)
        printf 'PCD_DIR=%q\nPCD_ADDRESS=%q\nPCD_FIFO_DIR=%q\nPCD_RUNC_ROOT=%q\nPCD_CGROUP_PARENT=%q\nPCD_LOG=%q\n' \
            "$DIR" "$ADDR" "$FIFO_DIR" "$RUNC_ROOT" "/$CGROUP_PARENT" "$DIR/containerd.log" ;;
    *) die "unknown command '$cmd' (start|stop|ctr|env)" ;;
esac
