#!/bin/bash
# NativeAOT builds of the shim and the CLI into artifacts/{shim,cli} (each with libwasmtime.so beside it).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet publish src/Wasmcell.Shim/Wasmcell.Shim.csproj -c Release -r linux-x64 -o artifacts/shim -v q -nologo
dotnet publish src/Wasmcell.Cli/Wasmcell.Cli.csproj -c Release -r linux-x64 -o artifacts/cli -v q -nologo
rm -f artifacts/shim/*.pdb artifacts/shim/*.dbg artifacts/shim/*.xml artifacts/cli/*.pdb artifacts/cli/*.dbg artifacts/cli/*.xml
echo "published: artifacts/shim/containerd-shim-wasm-v1 artifacts/cli/wasmcell" >&2
