#!/bin/bash
# Shared mode (issue 13) against independent Wasm cells and runc, in one invocation on a private containerd:
#   1. cold start: `ctr run --rm` of hello (busybox echo for runc), alternating, medians and ratios to runc;
#   2. throughput: N `ctr run --rm` at concurrency C per mode, containers/s and ratios to runc, and the ceiling of
#      the harness: the ratio a runtime and a containerd costing nothing would reach, bounded by ctr's own CPU;
#   3. density: D idle containers per mode (sleep.wasm, busybox sleep): memory added per container (the
#      machine's used memory, MemTotal - MemAvailable, and the sum of every process's PSS), processes, threads.
#   bench/shared/run.sh [RUNS=15] [N=60] [C=8] [D=200]     (needs root; D=1000 for the issue's large run)
# MODES="shared runc" picks the modes (default: shared independent runc); RUNS=0 or N=0 or D=0 skips a part.
# Shared daemons linger 60 s after their last container (WASMCELL_SHARED_LINGER, set it to 0 to measure without).
# The shim: $WASMCELL_SHIM, default artifacts/shim/containerd-shim-wasm-v1.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-15} n=${2:-60} c=${3:-8} d=${4:-200}
shim=${WASMCELL_SHIM:-$repo/artifacts/shim/containerd-shim-wasm-v1}
pcd="$repo/scripts/private-containerd.sh"
dir=/tmp/wcs-$$
ns=bench

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (containerd, runc)"
[ -x "$shim" ] || die "no shim at $shim: scripts/publish.sh"
busybox=$(command -v busybox) || die "busybox missing: apt-get install -y busybox-static"

"$repo/scripts/build-test-wasm.sh" >/dev/null
mkdir -p "$dir/rootfs-wasm" "$dir/rootfs-bb/bin"
cp "$repo/artifacts/wasm/hello.wasm" "$repo/artifacts/wasm/sleep.wasm" "$dir/rootfs-wasm/"
cp "$busybox" "$dir/rootfs-bb/bin/busybox"
ln -s busybox "$dir/rootfs-bb/bin/echo"
ln -s busybox "$dir/rootfs-bb/bin/sleep"

cleanup() {
    for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
    "$pcd" stop "$dir" >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT
# A shared daemon stays warm between containers (the mode's point); 0 measures a new shared cell per `--rm` run.
export WASMCELL_SHARED_LINGER=${WASMCELL_SHARED_LINGER:-60}
WASMCELL_SHIM=$shim "$pcd" start "$dir" 2>/dev/null
eval "$("$pcd" env "$dir")"
ctr_() { CONTAINERD_NAMESPACE=$ns "$pcd" ctr "$dir" "$@"; }

# mode -> ctr run flags
flags() {
    case $1 in
        shared) echo "--runtime io.containerd.wasm.v1 --annotation wasmcell.io/isolation=shared --rootfs $dir/rootfs-wasm" ;;
        independent) echo "--runtime io.containerd.wasm.v1 --rootfs $dir/rootfs-wasm" ;;
        runc) echo "--runtime io.containerd.runc.v2 --rootfs $dir/rootfs-bb" ;;
    esac
}
hello_args() { if [ "$1" = runc ]; then echo "/bin/echo hello from busybox"; else echo "/hello.wasm"; fi; }
expected() { if [ "$1" = runc ]; then echo "hello from busybox"; else echo "hello from wasm"; fi; }
sleep_args() { if [ "$1" = runc ]; then echo "/bin/sleep 3600"; else echo "/sleep.wasm"; fi; }

run_rm() { # mode id -> checks the output; prints the wall time of the ctr command alone in us (no fork of ours in it)
    local mode=$1 id=$2 t0 t1 out want
    local -a args
    # shellcheck disable=SC2207
    args=($(flags "$mode") "$id" $(hello_args "$mode"))
    want=$(expected "$mode")
    t0=${EPOCHREALTIME/./}
    out=$(CONTAINERD_NAMESPACE=$ns ctr --address "$PCD_ADDRESS" run --fifo-dir "$PCD_FIFO_DIR" --runc-root "$PCD_RUNC_ROOT" \
        --cgroup "$PCD_CGROUP_PARENT/$id" --rm "${args[@]}" </dev/null)
    t1=${EPOCHREALTIME/./}
    [ "$out" = "$want" ] || die "$mode run $id printed '$out'"
    echo $(( t1 - t0 ))
}
# N runs at concurrency C as C workers, each taking every C-th id: the bench's own cost per container is one fork
# for ctr (no xargs, no bash per container, no subshells for the arguments), so it hides less of the runtimes'.
run_many() { # mode n c
    local mode=$1 n=$2 c=$3 w want p
    local -a args hello workers
    # shellcheck disable=SC2207
    args=($(flags "$mode")) hello=($(hello_args "$mode"))
    want=$(expected "$mode")
    for w in $(seq 1 "$c"); do
        (
            local i out
            for ((i = w; i <= n; i += c)); do
                out=$(CONTAINERD_NAMESPACE=$ns ctr --address "$PCD_ADDRESS" run --fifo-dir "$PCD_FIFO_DIR" --runc-root "$PCD_RUNC_ROOT" \
                    --cgroup "$PCD_CGROUP_PARENT/t-$mode-$i" --rm "${args[@]}" "t-$mode-$i" "${hello[@]}" </dev/null)
                [ "$out" = "$want" ] || die "$mode run t-$mode-$i printed '$out'"
            done
        ) &
        workers+=($!)
    done
    for p in "${workers[@]}"; do wait "$p" || die "a $mode worker failed"; done
}
export -f run_rm run_many flags hello_args expected die
export dir ns PCD_ADDRESS PCD_FIFO_DIR PCD_RUNC_ROOT PCD_CGROUP_PARENT

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.1f", v[(NR + 1) / 2] / 1000; else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

read -r -a modes <<< "${MODES:-shared independent runc}"
tick=$(getconf CLK_TCK)
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
for m in "${modes[@]}"; do run_rm "$m" "warm-$m" >/dev/null; done

if [ "$runs" -gt 0 ]; then
echo "1. cold start, ctr run --rm, $runs runs each, alternating (ms):"
declare -A cold
for m in "${modes[@]}"; do cold[$m]=""; done
for i in $(seq 1 "$runs"); do
    for m in "${modes[@]}"; do cold[$m]+="$(run_rm "$m" "c-$m-$i") "; done
done
declare -A cold_med
for m in "${modes[@]}"; do
    cold_med[$m]=$(printf '%s\n' ${cold[$m]} | median)
    printf '   %-12s median %7s\n' "$m" "${cold_med[$m]}"
done
[ -n "${cold_med[runc]:-}" ] && for m in "${modes[@]}"; do
    [ "$m" = runc ] || echo "   $m/runc $(ratio "${cold_med[$m]}" "${cold_med[runc]}")$([ "$m" = shared ] && echo " (target <= 0.35)")"
done
fi

if [ "$n" -gt 0 ]; then
echo "2. throughput, $n x ctr run --rm at concurrency $c (containers/s; CPU per container: the whole machine's, and that of ctr with the bench's own bash and date):"
declare -A rate ctr_ms
for m in "${modes[@]}"; do
    b0=$(busy_ticks)
    t0=$(date +%s%N)
    # `times` prints the CPU of the shell's waited-for children: every ctr (and worker shell) of the run.
    ctr_cpu=$(bash -c "run_many $m $n $c && times" | tail -1 \
        | awk '{ split($1, u, "m"); split($2, s, "m"); sub("s", "", u[2]); sub("s", "", s[2]); print (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }')
    t1=$(date +%s%N)
    b1=$(busy_ticks)
    [ -n "$ctr_cpu" ] || die "the $m throughput run failed"
    rate[$m]=$(awk -v n="$n" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
    ctr_ms[$m]=$(awk -v ctr="$ctr_cpu" -v n="$n" 'BEGIN { printf "%.1f", ctr / n }')
    awk -v m="$m" -v r="${rate[$m]}" -v all=$(( (b1 - b0) * 1000 / tick )) -v ctr="$ctr_cpu" -v n="$n" \
        'BEGIN { printf "   %-12s %6s/s   CPU %5.0f ms (ctr %3.0f ms)\n", m, r, all / n, ctr / n }'
done
[ -n "${rate[runc]:-}" ] && for m in "${modes[@]}"; do
    [ "$m" = runc ] || echo "   $m/runc $(ratio "${rate[$m]}" "${rate[runc]}")x$([ "$m" = shared ] && echo " (target >= 4)")"
done
# The bound of this harness: with every core busy on ctr and the bench's own shells alone (a runtime and a containerd
# that cost nothing), it could start at most cores / (their CPU per container) containers a second.
[ -n "${rate[runc]:-}" ] && [ -n "${ctr_ms[shared]:-}" ] && awk -v cores="$(nproc)" -v ctr="${ctr_ms[shared]}" -v runc="${rate[runc]}" \
    'BEGIN { printf "   ceiling here: ctr and the bench alone use %.0f ms of CPU per container, so %.1f/s on %d cores = %.2fx runc for any runtime\n", ctr, cores * 1000 / ctr, cores, cores * 1000 / ctr / runc }'
fi

used_kib() { awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { print t - a }' /proc/meminfo; }
# Processes come and go while these read /proc: one that vanished must not fail the pipeline (pipefail, set -e).
pss_kib() { { cat /proc/[0-9]*/smaps_rollup 2>/dev/null || true; } | awk '/^Pss:/ { s += $2 } END { print s }'; }
# The runtime's own processes, immune to whatever else the machine runs: our containerd, every process given its
# address (launchers' daemons, runc shims) and all their descendants (cells, runc's container processes).
our_pids() {
    local roots
    roots="$(cat "$dir/containerd.pid" 2>/dev/null) $({ grep -lsF -- "$PCD_ADDRESS" /proc/[0-9]*/cmdline || true; } | cut -d/ -f3)"
    ps -eo pid=,ppid= | awk -v roots="$roots" '
        BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
        { parent[$1] = $2 }
        END { do { added = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; added = 1 } } while (added)
              for (p in keep) if (p != "") print p }'
}
ours_pss_kib() { for p in $(our_pids); do cat "/proc/$p/smaps_rollup" 2>/dev/null; done | awk '/^Pss:/ { s += $2 } END { print s + 0 }'; }
procs() { local all=(/proc/[0-9]*); echo "${#all[@]}"; }
threads() { { cat /proc/[0-9]*/status 2>/dev/null || true; } | awk '/^Threads:/ { s += $2 } END { print s }'; }

[ "$d" -gt 0 ] || exit 0
echo "3. density, $d idle containers each (added per container):"
for m in "${modes[@]}"; do
    sync; echo 1 > /proc/sys/vm/drop_caches 2>/dev/null || true
    sleep 1
    u0=$(used_kib) p0=$(pss_kib) o0=$(ours_pss_kib) n0=$(procs) h0=$(threads)
    # shellcheck disable=SC2016
    seq 1 "$d" | xargs -P "$c" -I{} bash -c 'CONTAINERD_NAMESPACE=$ns ctr --address "$PCD_ADDRESS" run -d --fifo-dir "$PCD_FIFO_DIR" --runc-root "$PCD_RUNC_ROOT" --cgroup "$PCD_CGROUP_PARENT/d-'"$m"'-{}" '"$(flags "$m")"' d-'"$m"'-{} '"$(sleep_args "$m")"' >/dev/null </dev/null'
    sleep 3
    u1=$(used_kib) p1=$(pss_kib) o1=$(ours_pss_kib) n1=$(procs) h1=$(threads)
    running=$(ctr_ tasks ls | grep -c " RUNNING" || true)
    awk -v m="$m" -v d="$d" -v r="$running" -v u=$((u1 - u0)) -v p=$((p1 - p0)) -v o=$((o1 - o0)) -v n=$((n1 - n0)) -v h=$((h1 - h0)) \
        'BEGIN { printf "   %-12s %4d running: used %7.2f MiB, PSS %7.2f MiB (runtime processes only %5.2f), %5.2f processes, %5.2f threads\n", m, r, u / d / 1024, p / d / 1024, o / d / 1024, n / d, h / d }'
    for t in $(ctr_ tasks ls -q); do ctr_ tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
    sleep 2
    for t in $(ctr_ tasks ls -q); do ctr_ tasks delete "$t" >/dev/null 2>&1 || true; done
    ctr_ containers ls -q | xargs -r -n 50 bash -c 'CONTAINERD_NAMESPACE=$ns ctr --address "$PCD_ADDRESS" containers rm "$@" >/dev/null' _
    sleep 2
done
