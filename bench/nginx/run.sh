#!/bin/bash
# The seed's nginx.wasm (Emscripten 1.38, run by `wasmcell run` on its Emscripten host) against Debian's native
# nginx (worker_processes 1, master_process off, the same html), both on loopback, in one invocation: `ab`
# static-file requests per second and p50/p99 latency at -c 1 and -c 8, and the ratio wasm/native (issue 12's
# target: >= 0.7). Access logs go to /dev/null on both sides, so the terminal is not what is measured.
#   bench/nginx/run.sh [REQUESTS=4000] [ROUNDS=2]
# Needs: artifacts/cli/wasmcell (scripts/publish.sh), ab (apache2-utils), nginx (apt-get install -y nginx-light).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
requests=${1:-4000} rounds=${2:-2}
seed=${WASMCELL_TESTDATA:-$repo/../shared/testdata}/seed-samples/nginx
wasmcell=$repo/artifacts/cli/wasmcell
die() { echo "bench: $*" >&2; exit 1; }
[ -f "$seed/nginx.wasm" ] || die "no seed nginx at $seed (set WASMCELL_TESTDATA)"
[ -x "$wasmcell" ] || die "no $wasmcell: scripts/publish.sh"
command -v ab >/dev/null || die "ab missing: apt-get install -y apache2-utils"
native=$(command -v nginx || true)
[ -n "$native" ] || die "native nginx missing: apt-get install -y nginx-light"

dir=$(mktemp -d /tmp/wcn-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

# One tree per server, from the seed's files; only the port and (native) the temp paths differ.
for side in wasm native; do
    mkdir -p "$dir/$side/logs"
    cp -r "$seed/html" "$dir/$side/"
    cp "$seed/nginx.wasm" "$dir/$side/"
done
sed -e 's|access_log /dev/stdout;|access_log off;|' "$seed/nginx.conf" > "$dir/wasm/nginx.conf"
sed -e 's|access_log /dev/stdout;|access_log off;|' -e 's|listen       8080;|listen 127.0.0.1:18081;|' \
    -e 's|^events {|worker_processes 1;\npid logs/nginx.pid;\nevents {|' "$seed/nginx.conf" > "$dir/native/nginx.conf"

"$wasmcell" run --dir "$dir/wasm::." --dir "$dir/wasm::/" --allow-sockets "$dir/wasm/nginx.wasm" -- -p . -c nginx.conf \
    >/dev/null 2>"$dir/wasm.err" &
pids+=($!)
"$native" -p "$dir/native" -c nginx.conf -e "$dir/native/logs/error.log" >/dev/null 2>"$dir/native.err" &
pids+=($!)

wait_up() { # port
    for _ in $(seq 1 100); do
        if curl -fs -o /dev/null "http://127.0.0.1:$1/"; then return 0; fi
        sleep 0.1
    done
    die "nothing answers on port $1: $(cat "$dir"/*.err)"
}
wait_up 8080
wait_up 18081
cmp <(curl -fs http://127.0.0.1:8080/) "$seed/html/index.html" || die "wasm nginx serves another index.html"

measure() { # port concurrency -> "req/s p50 p99"
    ab -q -n "$requests" -c "$2" "http://127.0.0.1:$1/" 2>/dev/null | awk '
        /^Requests per second:/ { rps = $4 }
        /^  50%/ { p50 = $2 } /^  99%/ { p99 = $2 }
        /^Failed requests:/ { failed = $3 }
        END { if (failed != 0) { print "failed " failed; exit 1 } printf "%s %s %s\n", rps, p50, p99 }'
}

echo "ab -n $requests, static index.html ($(stat -c %s "$seed/html/index.html") bytes), $rounds rounds alternating:"
for c in 1 8; do
    for round in $(seq 1 "$rounds"); do
        read -r n_rps n_p50 n_p99 <<<"$(measure 18081 "$c")"
        read -r w_rps w_p50 w_p99 <<<"$(measure 8080 "$c")"
        printf '  -c %d round %d: native %8.0f req/s (p50 %s ms, p99 %s ms)  wasm %8.0f req/s (p50 %s ms, p99 %s ms)  wasm/native %.2f\n' \
            "$c" "$round" "$n_rps" "$n_p50" "$n_p99" "$w_rps" "$w_p50" "$w_p99" "$(awk -v w="$w_rps" -v n="$n_rps" 'BEGIN { print w / n }')"
    done
done
