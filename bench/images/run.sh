#!/bin/sh
# Cache miss vs hit for a >= 3 MB module generated from C (in-process part; the ctr run of the
# same module is driven by the integration benchmark). Prints medians and the ratio.
#   bench/images/run.sh [misses] [hits]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${WASMCELL_BENCH_DIR:-$(mktemp -d)}
module="$work/big.wasm"
[ -f "$module" ] || "$here/gen-big-module.sh" "$module"
dotnet run -c Release --project "$here/PrecompileBench" -- "$module" "${1:-5}" "${2:-30}"
