#!/bin/bash
# Compares two builds of the shim by start-up: runs bench/startup/run.sh for each build in turn, ROUNDS
# times (A B A B ...), so both meet the same machine state, and prints each round's wasm/runc ratio
# (runc measured in the same round) and the median ratio per build.
#   bench/startup/compare.sh OLD_SHIM_DIR NEW_SHIM_DIR [ROUNDS] [RUNS]     (defaults 3 rounds of 20 runs; root)
# A shim dir is what scripts/publish.sh writes to artifacts/shim (containerd-shim-wasm-v1 and its siblings).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 OLD_SHIM_DIR NEW_SHIM_DIR [ROUNDS] [RUNS]" >&2; exit 2; }
old=$1 new=$2 rounds=${3:-3} runs=${4:-20}
declare -A ratios=([old]="" [new]="")
for r in $(seq 1 "$rounds"); do
    for build in old new; do
        dir=$old
        [ "$build" = new ] && dir=$new
        ratio=$(WASMCELL_SHIM="$dir/containerd-shim-wasm-v1" "$here/run.sh" "$runs" | tee /dev/stderr |
            awk '/ratio wasm\/runc:/ { print $3 }')
        echo "round $r $build: wasm/runc $ratio"
        ratios[$build]="${ratios[$build]} $ratio"
    done
done
for build in old new; do
    printf '%s (%s): ratios%s, median %s\n' "$build" "$([ "$build" = old ] && echo "$old" || echo "$new")" "${ratios[$build]}" \
        "$(printf '%s\n' ${ratios[$build]} | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
done
