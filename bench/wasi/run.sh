#!/bin/sh
# WASI host benchmarks: the same C program natively and under `wasmcell run` (the project's own
# WASI host on Wasmtime). Prints per-call / throughput numbers and wasm:native ratios in one run.
# Usage: bench/wasi/run.sh   (from the repo root; needs clang, wasi-libc, dotnet)
set -eu
cd "$(dirname "$0")/../.."
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
clang -O2 -o "$OUT/native" bench/wasi/wasibench.c
clang -O2 -o "$OUT/echoclient" bench/wasi/echoclient.c
clang --target=wasm32-wasi -O2 -o "$OUT/bench.wasm" bench/wasi/wasibench.c
dotnet build -c Release src/Wasmcell.Cli -o "$OUT/cli" >/dev/null
WASMCELL="$OUT/cli/wasmcell"
head -c $((64 * 1024 * 1024)) /dev/urandom > "$OUT/data.bin"

value() { awk -v k="$1" '$1 == k { print $2 }'; }

n=2000000
c_nat=$("$OUT/native" clock $n | value clock)
c_wasm=$("$WASMCELL" run "$OUT/bench.wasm" clock $n | value clock)

r_nat=$("$OUT/native" read "$OUT/data.bin" 8 | value read)
r_wasm=$("$WASMCELL" run --dir "$OUT::/data:ro" "$OUT/bench.wasm" read /data/data.bin 8 | value read)

port=$((20000 + $$ % 20000))
"$OUT/native" echo $port & srv=$!
e_nat=$("$OUT/echoclient" $port 20000 | value echo); wait $srv
port=$((port + 1))
"$WASMCELL" run --listen 127.0.0.1:$port "$OUT/bench.wasm" echo & srv=$!
e_wasm=$("$OUT/echoclient" $port 20000 | value echo); wait $srv

printf '%-34s %12s %12s %8s\n' benchmark native wasm ratio
printf '%-34s %12s %12s %8.2f\n' "clock_time_get loop (ns/call)" "$c_nat" "$c_wasm" "$(echo "$c_wasm / $c_nat" | bc -l)"
printf '%-34s %12s %12s %8.2f\n' "file read 64 KiB chunks (MB/s)" "$r_nat" "$r_wasm" "$(echo "$r_nat / $r_wasm" | bc -l)"
printf '%-34s %12s %12s %8.2f\n' "TCP echo 64 B round trip (us)" "$e_nat" "$e_wasm" "$(echo "$e_wasm / $e_nat" | bc -l)"
echo "ratio = how many times slower the wasm run is (time ratio; for MB/s native/wasm)."
