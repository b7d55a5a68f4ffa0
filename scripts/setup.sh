#!/bin/bash
# Installs the Debian packages Wasmcell builds and tests with (only what is missing), as root.
set -euo pipefail
PACKAGES=(containerd runc containernetworking-plugins docker-registry iproute2 iptables curl busybox-static
          clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt rsync util-linux apache2-utils zlib1g-dev openssl ca-certificates)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
