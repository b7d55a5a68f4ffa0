#!/bin/bash
# Sets up this machine and runs every test: unit tests and the integration tests against a real,
# private containerd (they need root; they start and tear down everything they use).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build-test-wasm.sh artifacts/wasm
scripts/publish.sh
dotnet test Wasmcell.slnx -c Release --logger "console;verbosity=normal" "$@"
