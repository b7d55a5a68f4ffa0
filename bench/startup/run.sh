#!/bin/bash
# Start-up benchmark: `ctr run --rm` of hello.wasm through io.containerd.wasm.v1 versus a busybox `echo`
# through runc (io.containerd.runc.v2), alternating, on a private containerd; prints both medians and the
# ratio wasm/runc (target for issue 2: <= 0.5), then the RSS of one running shim + cell.
#   bench/startup/run.sh [RUNS]        (default 20 runs each; needs root)
# The shim: $WASMCELL_SHIM, default artifacts/shim/containerd-shim-wasm-v1 (with libwasmtime.so beside it).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-20}
shim=${WASMCELL_SHIM:-$repo/artifacts/shim/containerd-shim-wasm-v1}
pcd="$repo/scripts/private-containerd.sh"
dir=/tmp/wcb-$$
ns=bench

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (containerd, runc)"
[ -x "$shim" ] || die "no shim at $shim: dotnet publish src/hosts/containerd-shim-wasm-v1/containerd-shim-wasm-v1.csproj -c Release -r linux-x64 -o artifacts/shim"
busybox=$(command -v busybox) || die "busybox missing: apt-get install -y busybox-static"

"$repo/scripts/build-test-wasm.sh" >/dev/null
mkdir -p "$dir/rootfs-wasm" "$dir/rootfs-bb/bin"
cp "$repo/artifacts/wasm/hello.wasm" "$repo/artifacts/wasm/sleep.wasm" "$dir/rootfs-wasm/"
cp "$busybox" "$dir/rootfs-bb/bin/busybox"
ln -s busybox "$dir/rootfs-bb/bin/echo"
ln -s busybox "$dir/rootfs-bb/bin/sleep"

cleanup() { "$pcd" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
WASMCELL_SHIM=$shim "$pcd" start "$dir" 2>/dev/null
eval "$("$pcd" env "$dir")"
ctr_() { CONTAINERD_NAMESPACE=$ns "$pcd" ctr "$dir" "$@"; }

# One `ctr run --rm`, timed in us (wall clock around ctr itself, as a user sees it: ctr is exec'd directly,
# with the private paths the wrapper would add, so no shell start-up is counted); the output must be right.
timed_run() { # runtime rootfs id expected args...
    local runtime=$1 rootfs=$2 id=$3 expected=$4 t0 t1 out
    shift 4
    t0=$(date +%s%N)
    out=$(CONTAINERD_NAMESPACE=$ns exec ctr --address "$PCD_ADDRESS" run --fifo-dir "$PCD_FIFO_DIR" \
        --runc-root "$PCD_RUNC_ROOT" --cgroup "$PCD_CGROUP_PARENT/$id" \
        --rm --runtime "$runtime" --rootfs "$rootfs" "$id" "$@" </dev/null)
    t1=$(date +%s%N)
    [ "$out" = "$expected" ] || die "$runtime run $id printed '$out', expected '$expected'"
    echo $(( (t1 - t0) / 1000 ))
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.1f", v[(NR + 1) / 2] / 1000; else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2000 }'; }

# Warm-up (page cache, first shim resolution), not counted.
timed_run io.containerd.wasm.v1 "$dir/rootfs-wasm" warm-w "hello from wasm" /hello.wasm >/dev/null
timed_run io.containerd.runc.v2 "$dir/rootfs-bb" warm-r "hello from busybox" /bin/echo "hello from busybox" >/dev/null

wasm_us=() runc_us=()
for i in $(seq 1 "$runs"); do
    wasm_us+=("$(timed_run io.containerd.wasm.v1 "$dir/rootfs-wasm" "w$i" "hello from wasm" /hello.wasm)")
    runc_us+=("$(timed_run io.containerd.runc.v2 "$dir/rootfs-bb" "r$i" "hello from busybox" /bin/echo "hello from busybox")")
done
wasm_med=$(printf '%s\n' "${wasm_us[@]}" | median)
runc_med=$(printf '%s\n' "${runc_us[@]}" | median)
echo "ctr run --rm, $runs runs each, alternating (ms):"
echo "  wasm (hello.wasm, io.containerd.wasm.v1): median $wasm_med   [$(printf '%s\n' "${wasm_us[@]}" | awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 / 1000 }')]"
echo "  runc (busybox echo, io.containerd.runc.v2): median $runc_med   [$(printf '%s\n' "${runc_us[@]}" | awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 / 1000 }')]"
echo "  ratio wasm/runc: $(awk -v w="$wasm_med" -v r="$runc_med" 'BEGIN { printf "%.2f", w / r }')  (target <= 0.5)"

# RSS: the shim is the process listening on the container's socket, sha256("<address>/<ns>/<id>").
listener_of() { # socket path -> pids holding it
    local inode p
    inode=$(awk -v s="$1" '$8 == s { print $7 }' /proc/net/unix | head -n1)
    [ -n "$inode" ] || return 0
    for p in /proc/[0-9]*; do
        if ls -l "$p/fd" 2>/dev/null | grep -qF "socket:[$inode]"; then echo "${p#/proc/}"; fi
    done
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
measure_rss() { # runtime rootfs id args...
    local runtime=$1 rootfs=$2 id=$3 sock shim_pid task_pid total=0 p
    shift 3
    ctr_ run -d --runtime "$runtime" --rootfs "$rootfs" "$id" "$@" >/dev/null
    sleep 1
    sock="/run/containerd/s/$(printf '%s' "$PCD_ADDRESS/$ns/$id" | sha256sum | cut -d' ' -f1)"
    shim_pid=$(listener_of "$sock" | head -n1)
    task_pid=$(ctr_ tasks ls | awk -v id="$id" '$1 == id { print $2 }')
    [ -n "$shim_pid" ] || die "no process listens on $sock"
    local parts="shim $shim_pid $(rss_kib "$shim_pid") KiB"
    total=$(rss_kib "$shim_pid")
    for p in $(ps -o pid= --ppid "$shim_pid"); do
        parts="$parts + child $p ($(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-40)) $(rss_kib "$p") KiB"
        total=$((total + $(rss_kib "$p")))
    done
    echo "  $runtime: $((total / 1024)) MiB ($parts; task pid $task_pid)"
    ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    sleep 0.3
    ctr_ tasks delete "$id" >/dev/null 2>&1 || true
    ctr_ containers rm "$id" >/dev/null 2>&1 || true
}
echo "RSS of one running container (shim + its children, VmRSS):"
# Once unmeasured: the first cell to see this copy of sleep.wasm hashes it for the precompile cache, which
# loads OpenSSL (+4 MiB); every later container of the same image file skips that.
measure_rss io.containerd.wasm.v1 "$dir/rootfs-wasm" rss-w0 /sleep.wasm >/dev/null
measure_rss io.containerd.wasm.v1 "$dir/rootfs-wasm" rss-w /sleep.wasm
measure_rss io.containerd.runc.v2 "$dir/rootfs-bb" rss-r /bin/sleep 600
