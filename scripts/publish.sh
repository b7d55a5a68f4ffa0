#!/bin/bash
# NativeAOT builds into artifacts/shim (containerd-shim-wasm-v1, the small launcher containerd execs; its
# containerd-shim-wasm-v1-daemon, -cell, -component and -fetch; libwasmtime.so; the containerd-shim-wasm-shared-v1 symlink)
# and artifacts/cli (wasmcell, libwasmtime.so).
set -euo pipefail
cd "$(dirname "$0")/.."
# The shim project publishes its daemon, cell, component cell and fetch binaries beside itself.
dotnet publish src/hosts/containerd-shim-wasm-v1/containerd-shim-wasm-v1.csproj -c Release -r linux-x64 -o artifacts/shim -v q -nologo
dotnet publish src/Wasmcell.Cli/Wasmcell.Cli.csproj -c Release -r linux-x64 -o artifacts/cli -v q -nologo
rm -f artifacts/shim/*.pdb artifacts/shim/*.dbg artifacts/shim/*.xml artifacts/cli/*.pdb artifacts/cli/*.dbg artifacts/cli/*.xml
# Shared mode: containerd execs containerd-shim-wasm-shared-v1 for runtime_type io.containerd.wasm-shared.v1; the
# launcher recognises that name and finds its daemon and cell beside its real path, so a relative link is all it needs.
ln -sfn containerd-shim-wasm-v1 artifacts/shim/containerd-shim-wasm-shared-v1
echo "published: artifacts/shim/{containerd-shim-wasm-v1{,-daemon,-cell,-component,-fetch},containerd-shim-wasm-shared-v1} artifacts/cli/wasmcell" >&2
