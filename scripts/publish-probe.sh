#!/bin/bash
# TEST-ONLY: the shim with a cell compiled with CELL_PROBE (src/Wasmcell.Cell/SandboxProbe.cs), native code that
# tries, inside a real sandboxed cell, what code escaping Wasmtime would try. Goes to artifacts/shim-probe for
# ShimSandboxProbeTests; never installed anywhere. Release builds (scripts/publish.sh) never define CELL_PROBE.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x artifacts/shim/containerd-shim-wasm-v1 ] || scripts/publish.sh
out=artifacts/shim-probe
rm -rf "$out"
mkdir -p "$out"
for f in containerd-shim-wasm-v1 containerd-shim-wasm-v1-daemon containerd-shim-wasm-v1-fetch libwasmtime.so; do
    cp "artifacts/shim/$f" "$out/"
done
# Its own artifacts path: the probe build must not share obj/ with the release build.
dotnet publish src/hosts/containerd-shim-wasm-v1-cell/containerd-shim-wasm-v1-cell.csproj -c Release -r linux-x64 \
    -p:CellProbe=true --artifacts-path artifacts/probe-build -o "$out" -v q -nologo
rm -f "$out"/*.pdb "$out"/*.dbg
echo "published: $out (test-only sandbox probe cell)" >&2
