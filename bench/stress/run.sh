#!/bin/bash
# Issue 13's stress bench: N containers (create container + task, start, wait, delete), M at a time, for shared
# Wasm, independent Wasm and runc (a static busybox `echo`), through two drivers in one invocation:
#   (a) containerd's gRPC API on a private containerd (scripts/private-containerd.sh), images imported first;
#   (b) the shims' ttrpc API with a minimal fake containerd in the bench process (no containerd at all).
# Prints tasks/s per runtime, the ratios shared/runc, independent/runc, shared/independent, p50/p99 latency.
#   bench/stress/run.sh [N=200] [M=8]        (needs root; more options: bench/stress/README.md)
# The shim: $WASMCELL_SHIM, default artifacts/shim/containerd-shim-wasm-v1, published by scripts/publish.sh when
# missing (PUBLISH=1 publishes anyway). DRIVERS="containerd shim" picks the drivers; MODES=shared,independent,runc;
# ROUNDS=4 splits each mode's N into 4 parts run alternately (a busy machine's slow minutes hit every mode alike).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-200} m=${2:-8}
drivers=${DRIVERS:-containerd shim}
modes=${MODES:-shared,independent,runc}
rounds=${ROUNDS:-4}
shim=${WASMCELL_SHIM:-$repo/artifacts/shim/containerd-shim-wasm-v1}
pcd="$repo/scripts/private-containerd.sh"
project="$repo/bench/stress/Wasmcell.Bench.Stress"
dir=/tmp/wcst-$$           # private containerd (short: socket paths < 100 bytes)
fake=/tmp/wcsf-$$          # driver (b): the fake containerd's sockets, bundles, runc root
work=/tmp/wcsw-$$          # images and root filesystems
cgroup_b=/wcs-stress-$$    # driver (b)'s cgroup parent (driver (a) uses the private containerd's)
ns=bench
wasm_image=docker.io/library/wasmcell-stress-hello:1
runc_image=docker.io/library/wasmcell-stress-busybox:1

die() { echo "stress: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (containerd, runc, cgroups)"
busybox=$(command -v busybox) || die "busybox missing: apt-get install -y busybox-static"
if command -v file >/dev/null && ! file -L "$busybox" | grep -q "statically linked"; then
    die "$busybox is not static: apt-get install -y busybox-static"
fi

if [ -z "${WASMCELL_SHIM:-}" ] && { [ "${PUBLISH:-0}" = 1 ] || [ ! -x "$shim" ] || [ ! -x "$repo/artifacts/cli/wasmcell" ]; }; then
    "$repo/scripts/publish.sh"
fi
[ -x "$shim" ] || die "no shim at $shim: scripts/publish.sh"
wasmcell=${WASMCELL_CLI:-$repo/artifacts/cli/wasmcell}
[ -x "$wasmcell" ] || die "no wasmcell CLI at $wasmcell: scripts/publish.sh"
"$repo/scripts/build-test-wasm.sh" >/dev/null
dotnet build "$project" -c Release -nologo -v q >/dev/null || die "dotnet build $project failed"
tool=("$project/bin/Release/net10.0/Wasmcell.Bench.Stress")

pids_with_address() { # $1 = an -address value; the pids of shims given it
    local p
    for p in /proc/[0-9]*; do
        if { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -qF -- "-address $1 "; then echo "${p#/proc/}"; fi
    done
}
# Driver (b) has no containerd: a lingering shared daemon it started gets SIGTERM, to remove its socket (named after
# its group, not a bundle) itself. Driver (a)'s are private-containerd.sh stop's to end the same way.
stop_lingering_shims() { # $1 = -address
    local pids p
    pids=$(pids_with_address "$1")
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 100); do
        local alive=0
        for p in $pids; do if [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then alive=1; fi; done
        [ $alive = 1 ] || return 0
        sleep 0.05
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
}
stop_pcd() {
    "$pcd" stop "$dir" >/dev/null 2>&1 || true
    started_pcd=0
}

started_pcd=0
cleanup() {
    if [ $started_pcd = 1 ]; then stop_pcd; fi
    # Driver (b)'s leftovers, should the tool have died: shims given our fake -address (by pid), cgroups, runc state.
    stop_lingering_shims "$fake/c.sock"
    local p
    if [ -d "$fake/runc" ]; then
        for p in "$fake/runc"/*/*; do [ -d "$p" ] && runc --root "$(dirname "$p")" delete --force "$(basename "$p")" >/dev/null 2>&1 || true; done
    fi
    for p in /sys/fs/cgroup/*/"${cgroup_b#/}"; do
        [ -d "$p" ] || continue
        find "$p" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null || true
        rmdir "$p" 2>/dev/null || echo "stress: cannot remove cgroup $p" >&2
    done
    rm -rf "$dir" "$fake" "$work"
}
trap cleanup EXIT

# Root filesystems: hello.wasm; a static busybox as /bin/echo (bench/shared's runc baseline).
mkdir -p "$work/rootfs-wasm" "$work/rootfs-bb/bin" "$work/rootfs-bb/proc" "$work/rootfs-bb/dev" "$work/rootfs-bb/sys"
cp "$repo/artifacts/wasm/hello.wasm" "$work/rootfs-wasm/"
cp "$busybox" "$work/rootfs-bb/bin/busybox"
ln -s busybox "$work/rootfs-bb/bin/echo"

# The busybox rootfs as a one-layer OCI image archive for `ctr images import`.
oci_archive() { # rootfs-dir image-name entrypoint-json out.tar
    local src=$1 name=$2 entrypoint=$3 out=$4 l=$work/layout layer config manifest
    rm -rf "$l"; mkdir -p "$l/blobs/sha256"
    tar --numeric-owner --owner=0 --group=0 --sort=name -C "$src" -cf "$l/layer.tar" .
    layer=$(sha256sum "$l/layer.tar" | cut -d' ' -f1)
    mv "$l/layer.tar" "$l/blobs/sha256/$layer"
    printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Env":["PATH=/bin"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
        "$entrypoint" "$layer" > "$l/config"
    config=$(sha256sum "$l/config" | cut -d' ' -f1)
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
        "$config" "$(stat -c %s "$l/config")" "$layer" "$(stat -c %s "$l/blobs/sha256/$layer")" > "$l/manifest"
    mv "$l/config" "$l/blobs/sha256/$config"
    manifest=$(sha256sum "$l/manifest" | cut -d' ' -f1)
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"%s"}}]}' \
        "$manifest" "$(stat -c %s "$l/manifest")" "$name" > "$l/index.json"
    mv "$l/manifest" "$l/blobs/sha256/$manifest"
    printf '{"imageLayoutVersion":"1.0.0"}' > "$l/oci-layout"
    tar -C "$l" -cf "$out" oci-layout index.json blobs
}

# A shared daemon stays warm between containers (the mode's point), as in bench/shared.
export WASMCELL_SHARED_LINGER=${WASMCELL_SHARED_LINGER:-60}
status=0
load() { echo "stress: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores ($1)" >&2; }
for driver in $drivers; do
    load "before the $driver driver"
    case $driver in
    containerd)
        "$wasmcell" build "$repo/artifacts/wasm/hello.wasm" -t "$wasm_image" -o "$work/hello.tar" >/dev/null
        oci_archive "$work/rootfs-bb" "$runc_image" '["/bin/echo","hello from busybox"]' "$work/busybox.tar"
        started_pcd=1
        WASMCELL_SHIM=$shim "$pcd" start "$dir" 2>/dev/null
        # io.containerd.wasm-shared.v1 -> containerd-shim-wasm-shared-v1 (for --shared-by runtime), as publish.sh links it.
        ln -sfn containerd-shim-wasm-v1 "$dir/opt/bin/containerd-shim-wasm-shared-v1"
        eval "$("$pcd" env "$dir")"
        "$pcd" ctr "$dir" -n "$ns" images import "$work/hello.tar" >/dev/null
        "$pcd" ctr "$dir" -n "$ns" images import "$work/busybox.tar" >/dev/null
        "${tool[@]}" containerd --address "$PCD_ADDRESS" --namespace "$ns" --wasm-image "$wasm_image" --runc-image "$runc_image" \
            --runc-root "$PCD_RUNC_ROOT" --cgroup-parent "$PCD_CGROUP_PARENT" -n "$n" -p "$m" --modes "$modes" --rounds "$rounds" ${STRESS_ARGS:-} || status=1
        stop_pcd
        ;;
    shim)
        "${tool[@]}" shim --shim "$shim" --dir "$fake" --wasm-rootfs "$work/rootfs-wasm" --runc-rootfs "$work/rootfs-bb" \
            --wasm-args "/hello.wasm" --runc-args "/bin/echo hello from busybox" --runc-root "$fake/runc" \
            --namespace "$ns" --cgroup-parent "$cgroup_b" -n "$n" -p "$m" --modes "$modes" --rounds "$rounds" ${STRESS_ARGS:-} || status=1
        ;;
    *) die "unknown driver '$driver' (containerd, shim)" ;;
    esac
    load "after the $driver driver"
done
exit $status
