#!/bin/bash
# The main job, end to end: install what is missing, build, start a private containerd in ./.wasmcell-demo
# and run a hello-world Wasm container through containerd-shim-wasm-v1. Stops containerd afterwards
# (pass --keep to leave it running; then use scripts/private-containerd.sh ctr .wasmcell-demo ...).
set -euo pipefail
cd "$(dirname "$0")/.."
keep=${1:-}
scripts/setup.sh
scripts/build-test-wasm.sh artifacts/wasm >/dev/null
scripts/publish.sh
DIR=.wasmcell-demo
WASMCELL_SHIM=artifacts/shim/containerd-shim-wasm-v1 scripts/private-containerd.sh start "$DIR"
[ "$keep" = --keep ] || trap 'scripts/private-containerd.sh stop "$DIR" >/dev/null 2>&1' EXIT
# A plain wasi/wasm image, FROM-scratch style: one layer with /hello.wasm, entrypoint the module.
artifacts/cli/wasmcell build artifacts/wasm/hello.wasm -t docker.io/wasmcell/hello:demo -o "$DIR/hello.tar" >/dev/null
scripts/private-containerd.sh ctr "$DIR" images import "$DIR/hello.tar" >/dev/null
echo "\$ ctr run --rm --runtime io.containerd.wasm.v1 docker.io/wasmcell/hello:demo hello"
scripts/private-containerd.sh ctr "$DIR" run --rm --runtime io.containerd.wasm.v1 docker.io/wasmcell/hello:demo hello
