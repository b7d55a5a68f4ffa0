#!/bin/bash
# Container start of a >= 3 MB Wasm module through containerd: precompile cache miss vs hit.
#   bench/images/ctr-start.sh [N=5] [MODULE.wasm]
# A private containerd 1.6 (own dir under /tmp, CRI off, never /etc/containerd) with the published shim in
# its opt/bin and WASMCELL_PRECOMPILE_DIR=<dir>/precompiled in its environment; the module (generated from C
# by gen-big-module.sh unless given) becomes an image with the published `wasmcell build`, is imported,
# and `ctr run --rm --runtime io.containerd.wasm.v1` is timed N times cold (cache emptied first: a miss)
# and N times warm (a hit), alternating. Prints medians and ratios of
#   - ctr:  the whole `ctr run --rm` wall time (ctr, snapshot, shim start, create, run, delete);
#   - cell: the shim's own create: from its "serving" log line (shim up) to "created <id>" (cell spawned,
#           module loaded or compiled, cell ready), both timestamped by the shim in containerd's log;
#   - the same for a tiny module (examples/hello, cache hit): the fixed part of a start (shim connection,
#     cell process spawn, libwasmtime load, engine), so big-hit minus tiny is what the module costs.
# Needs root. Stops only what it started (containerd by PID) and removes its dir, mounts and cgroups.
set -euo pipefail
n=${1:-5}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "ctr-start.sh: needs root (containerd)" >&2; exit 1; }

shim_dir="$repo/artifacts/shim"
cli="$repo/artifacts/cli/wasmcell"
if [ ! -x "$shim_dir/containerd-shim-wasm-v1" ]; then
    dotnet publish "$repo/src/hosts/containerd-shim-wasm-v1/containerd-shim-wasm-v1.csproj" -c Release -r linux-x64 -o "$shim_dir" -nologo >&2
fi
if [ ! -x "$cli" ]; then
    dotnet publish "$repo/src/Wasmcell.Cli/Wasmcell.Cli.csproj" -c Release -r linux-x64 -o "$repo/artifacts/cli" -nologo >&2
fi

dir=$(mktemp -d /tmp/wcb-XXXXXX)
addr="$dir/c.sock"
cgparent="/$(basename "$dir")"
cache="$dir/precompiled"
ctr_() { ctr --address "$addr" --namespace wcb "$@"; }
pid=
cleanup() {
    if [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--address $addr "; then
        for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; ctr_ tasks delete -f "$id" >/dev/null 2>&1 || true; done
        for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers rm "$id" >/dev/null 2>&1 || true; done
        kill -TERM "$pid"
        for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    fi
    for m in $(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do umount -l "$m" || true; done
    for c in /sys/fs/cgroup/*"$cgparent"; do
        [ -d "$c" ] || continue
        find "$c" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null || true
        rmdir "$c" 2>/dev/null || echo "ctr-start.sh: cannot remove cgroup $c" >&2
    done
    rm -rf "$dir"
}
trap cleanup EXIT

module=${2:-}
if [ -z "$module" ]; then
    module="$dir/big.wasm"
    echo "generating a >= 3 MB module from C (about 1.5 min)..." >&2
    "$here/gen-big-module.sh" "$module" >&2
fi
size=$(wc -c < "$module")
[ "$size" -ge 3000000 ] || echo "ctr-start.sh: warning: $module is only $size bytes" >&2

mkdir -p "$dir/root" "$dir/state" "$dir/tmp" "$dir/fifo" "$dir/opt/bin"
install -m 0755 "$shim_dir"/containerd-shim-wasm-v1* "$shim_dir/libwasmtime.so" "$dir/opt/bin/"
cat > "$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
temp = "$dir/tmp"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$addr"
[debug]
  level = "info"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
TOML
setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin WASMCELL_PRECOMPILE_DIR="$cache" containerd --config "$dir/config.toml" \
    --root "$dir/root" --state "$dir/state" --address "$addr" </dev/null >>"$dir/containerd.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
    if [ -S "$addr" ] && ctr --address "$addr" version >/dev/null 2>&1; then break; fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$dir/containerd.log" >&2; exit 1; }
    sleep 0.05
done

image=docker.io/library/wcbig:1
"$cli" build "$module" -t "$image" -o "$dir/big.tar" >&2
ctr_ images import "$dir/big.tar" >/dev/null
# A tiny module (examples/hello) for the part of the cell's start that does not depend on the module.
tiny=docker.io/library/wchello:1
clang --target=wasm32-wasi -Os -s -Wl,--strip-all -o "$dir/hello.wasm" "$repo/examples/hello/hello.c"
"$cli" build "$dir/hello.wasm" -t "$tiny" -o "$dir/hello.tar" >&2
ctr_ images import "$dir/hello.tar" >/dev/null

# The shim's log time (time="...Z") of the first line matching $1, in ms since the epoch.
log_ms() {
    local t
    t=$(grep -F -- "$1" "$dir/containerd.log" | grep -F 'runtime=io.containerd.wasm.v1' | head -n 1 | sed -n 's/.*time="\([^"]*\)".*/\1/p')
    [ -n "$t" ] || { echo "NA"; return; }
    local s frac
    s=$(date -u -d "${t%%.*}Z" +%s)
    frac=${t#*.}; frac=${frac%Z}000000000; frac=${frac:0:9}
    echo "$s $frac" | awk '{ printf "%.3f", $1 * 1000 + $2 / 1000000 }'
}

run_once() { # $1 = id [$2 = image]; prints "ctr_ms cell_ms"
    local id=$1 img=${2:-$image} t0 t1 out serving created
    t0=$(date +%s%N)
    out=$(ctr_ run --rm --runtime io.containerd.wasm.v1 --fifo-dir "$dir/fifo" --cgroup "$cgparent/$id" "$img" "$id")
    t1=$(date +%s%N)
    [ -n "$out" ] || { echo "ctr-start.sh: $id printed nothing" >&2; exit 1; }
    serving=$(log_ms "(first task $id)")
    created=$(log_ms "created $id pid")
    awk -v a="$t0" -v b="$t1" -v s="$serving" -v c="$created" \
        'BEGIN { cell = (s == "NA" || c == "NA") ? "NA" : sprintf("%.1f", c - s); printf "%.1f %s\n", (b - a) / 1e6, cell }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "NA"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m }'; }

# One unmeasured run first: page cache, snapshotter and ctr binaries warm for both series alike.
rm -rf "$cache"; run_once warmup >/dev/null; run_once warmup-tiny "$tiny" >/dev/null
cold_ctr=(); cold_cell=(); warm_ctr=(); warm_cell=(); tiny_ctr=(); tiny_cell=()
for i in $(seq 1 "$n"); do
    rm -rf "$cache" # a miss: the shim compiles and writes the entry
    read -r a b < <(run_once "cold-$i"); cold_ctr+=("$a"); cold_cell+=("$b")
    read -r a b < <(run_once "warm-$i"); warm_ctr+=("$a"); warm_cell+=("$b")
    run_once "tiny-prime-$i" "$tiny" >/dev/null # the cache was emptied: make the tiny run below a hit too
    read -r a b < <(run_once "tiny-$i" "$tiny"); tiny_ctr+=("$a"); tiny_cell+=("$b")
    echo "run $i: cold ctr ${cold_ctr[-1]} ms (cell ${cold_cell[-1]} ms), warm ctr ${warm_ctr[-1]} ms (cell ${warm_cell[-1]} ms), tiny ctr ${tiny_ctr[-1]} ms (cell ${tiny_cell[-1]} ms)" >&2
done

mc=$(printf '%s\n' "${cold_ctr[@]}" | median); mw=$(printf '%s\n' "${warm_ctr[@]}" | median)
cc=$(printf '%s\n' "${cold_cell[@]}" | grep -v NA | median); cw=$(printf '%s\n' "${warm_cell[@]}" | grep -v NA | median)
echo "module: $size bytes; $n cold (miss) + $n warm (hit) runs, alternating"
echo "ctr run --rm   median: miss $mc ms, hit $mw ms, ratio $(awk -v a="$mc" -v b="$mw" 'BEGIN { printf "%.1f", a / b }')x"
echo "cell create    median: miss $cc ms, hit $cw ms, ratio $(awk -v a="$cc" -v b="$cw" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "NA" }')x  (shim 'serving' -> 'created <id>')"
tc=$(printf '%s\n' "${tiny_ctr[@]}" | median); tl=$(printf '%s\n' "${tiny_cell[@]}" | grep -v NA | median)
echo "tiny module (hello, hit) median: ctr $tc ms, cell create $tl ms: the part of a hit's start that does not depend on the module"
echo "cache entries after the last warm run: $(ls "$cache/objects" 2>/dev/null | wc -l) object(s), $(du -sb "$cache/objects" 2>/dev/null | cut -f1) bytes"
