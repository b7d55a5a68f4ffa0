#!/bin/bash
# wasi:http/proxy components served by `wasmcell run` (the cell's server and host, without containerd), on loopback:
#   - start: `wasmcell run` launched to its first 200, warm precompile cache (median of 5);
#   - `ab` GET requests per second and p50/p99 latency at -c 1 and -c 8, for the JS test component
#     (hello-proxy.component.wasm, componentize-js, 14 MB) and a trivial handler (trivial-proxy.wat: 200, empty
#     body), whose numbers are the host's own cost per request (fresh store + instance, host calls, HTTP);
#   - the split of a request into instantiate / handle (guest + host calls), as the server reports it at exit;
#   - a 1 MiB POST echoed by the JS component: requests per second and MiB/s each way.
#   bench/components/run.sh [REQUESTS=2000]
# Needs: artifacts/cli/wasmcell (scripts/publish.sh), ab (apt-get install -y apache2-utils), curl.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
requests=${1:-2000}
testdata=${WASMCELL_TESTDATA:-$repo/../shared/testdata}
js=$testdata/components/hello-proxy.component.wasm
trivial=$repo/bench/components/trivial-proxy.wat
wasmcell=$repo/artifacts/cli/wasmcell
die() { echo "bench: $*" >&2; exit 1; }
[ -f "$js" ] || die "no $js (set WASMCELL_TESTDATA)"
[ -x "$wasmcell" ] || die "no $wasmcell: scripts/publish.sh"
command -v ab >/dev/null || die "ab missing: apt-get install -y apache2-utils"

dir=$(mktemp -d /tmp/wcc-XXXXXX)
server=
stop_server() {
    if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=; fi
}
cleanup() { stop_server; rm -rf "$dir"; }
trap cleanup EXIT

"$wasmcell" precompile "$js" --cache-dir "$dir/cache" >/dev/null

start_server() { # component port
    "$wasmcell" run --cache-dir "$dir/cache" --listen "127.0.0.1:$2" "$1" >/dev/null 2>"$dir/server.err" &
    server=$!
}
wait_up() { # port
    for _ in $(seq 1 2000); do
        if curl -fs -o /dev/null "http://127.0.0.1:$1/"; then return 0; fi
        sleep 0.005
    done
    die "nothing answers on port $1: $(cat "$dir/server.err")"
}
ms_now() { date +%s%N | awk '{ printf "%.1f", $1 / 1e6 }'; }

measure() { # url concurrency [ab options...] -> "req/s p50 p99"
    local url=$1 c=$2; shift 2
    ab -q -n "$requests" -c "$c" "$@" "$url" 2>/dev/null | awk '
        /^Requests per second:/ { rps = $4 }
        /^  50%/ { p50 = $2 } /^  99%/ { p99 = $2 }
        /^Failed requests:/ { failed = $3 } /^Non-2xx responses:/ { non2xx = $3 }
        END { if (failed != 0 || non2xx != 0) { print "failed " failed " non-2xx " non2xx; exit 1 } printf "%s %s %s\n", rps, p50, p99 }'
}

echo "start: wasmcell run to its first 200 (warm cache), median of 5"
for name in trivial js; do
    component=$trivial; [ "$name" = js ] && component=$js
    times=()
    for _ in 1 2 3 4 5; do
        t0=$(ms_now); start_server "$component" 18095; wait_up 18095; t1=$(ms_now); stop_server
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')")
    done
    printf '  %-8s %s ms  (all: %s)\n' "$name" "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)" "${times[*]}"
done

echo "GET, ab -n $requests (fresh store + instance per request):"
for name in trivial js; do
    component=$trivial; [ "$name" = js ] && component=$js
    start_server "$component" 18096; wait_up 18096
    for c in 1 8; do
        read -r rps p50 p99 <<<"$(measure "http://127.0.0.1:18096/bench" "$c")"
        printf '  %-8s -c %d: %8.0f req/s  p50 %s ms  p99 %s ms\n' "$name" "$c" "$rps" "$p50" "$p99"
    done
    stop_server
    printf '  %-8s %s\n' "$name" "$(grep '^served' "$dir/server.err")"
done

echo "POST 1 MiB, echoed by the JS component (ab -n 40 -c 1):"
head -c 1048576 /dev/zero | tr '\0' 'a' > "$dir/body"
start_server "$js" 18097; wait_up 18097
echoed=$(curl -fs --data-binary @"$dir/body" -H 'Content-Type: text/plain' http://127.0.0.1:18097/echo | wc -c)
[ "$echoed" -gt 1048576 ] || die "the echo came back with $echoed bytes"
read -r rps p50 p99 <<<"$(requests=40 measure "http://127.0.0.1:18097/echo" 1 -p "$dir/body" -T text/plain)"
printf '  %.1f req/s  p50 %s ms  p99 %s ms  = %.1f MiB/s in and %.1f MiB/s out\n' "$rps" "$p50" "$p99" "$rps" "$rps"
stop_server
printf '  %s\n' "$(grep '^served' "$dir/server.err")"
