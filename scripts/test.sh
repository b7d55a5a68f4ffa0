#!/bin/bash
# Sets up this machine and runs every test: unit tests and the integration tests against a real,
# private containerd (they need root; they start and tear down everything they use).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build-test-wasm.sh artifacts/wasm
scripts/publish.sh
scripts/publish-probe.sh
log=artifacts/test-output.log
set +e
dotnet test Wasmcell.slnx -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    # The projects' output interleaves and a CI log may be read from its end only: repeat every failure last.
    echo
    echo "=== test.sh: dotnet test exited $status; the failures, repeated from $log ==="
    awk '
        /^  (Passed|Skipped) / || /^\[xUnit/ || /^(Test Run|Total tests|Results File)/ { shown = 0 }
        /^  Failed / { shown = 1; lines = 0 }
        shown && lines++ < 80 { print }
        /aborted|crashed|[Ee]rror [A-Z]+[0-9]+:/ && !shown { print }
    ' "$log"
    grep -E "^(Failed|Passed)! " "$log" || true
fi
exit "$status"
