#!/bin/sh
# Builds the wasm test programs of tests/wasm into OUTDIR (default: artifacts/wasm under the repo root).
#   scripts/build-test-wasm.sh [OUTDIR]
# C sources: clang --target=wasm32-wasi -O2 (Debian: clang lld wasi-libc libclang-rt-14-dev-wasm32).
# .wat sources: wat2wasm (Debian: wabt). Also writes hello-truncated.wasm (the first half of hello.wasm).
# Idempotent: a target is rebuilt only when its source is newer; every file is written atomically.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
src="$repo/tests/wasm"
out=${1:-"$repo/artifacts/wasm"}
CLANG=${CLANG:-clang}
WAT2WASM=${WAT2WASM:-wat2wasm}

die() { echo "build-test-wasm: $*" >&2; exit 1; }

command -v "$CLANG" >/dev/null 2>&1 || die "'$CLANG' not found; install: apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32"
command -v "$WAT2WASM" >/dev/null 2>&1 || die "'$WAT2WASM' not found; install: apt-get install -y wabt"

mkdir -p "$out"
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT

# Fail loudly (with clang's own message) when the wasm32-wasi target, wasi-libc or the builtins are missing.
printf 'int main(void){return 0;}\n' > "$probe_dir/probe.c"
if ! "$CLANG" --target=wasm32-wasi -O2 -o "$probe_dir/probe.wasm" "$probe_dir/probe.c" 2> "$probe_dir/probe.err"; then
    cat "$probe_dir/probe.err" >&2
    die "clang cannot build for wasm32-wasi; install: apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32"
fi

# $1 = target, $2 = source; true when the target is missing or older than the source or this script.
stale() { [ ! -e "$1" ] || [ "$2" -nt "$1" ] || [ "$0" -nt "$1" ]; }

built=0
for c in "$src"/*.c; do
    name=$(basename "$c" .c)
    target="$out/$name.wasm"
    if stale "$target" "$c"; then
        "$CLANG" --target=wasm32-wasi -O2 -Wall -Werror -o "$target.tmp" "$c"
        mv -f "$target.tmp" "$target"
        built=$((built + 1))
    fi
done

for w in "$src"/*.wat; do
    name=$(basename "$w" .wat)
    target="$out/$name.wasm"
    if stale "$target" "$w"; then
        "$WAT2WASM" -o "$target.tmp" "$w"
        mv -f "$target.tmp" "$target"
        built=$((built + 1))
    fi
done

# A module cut in half: valid magic and version, then garbage-free but incomplete sections.
hello="$out/hello.wasm"
truncated="$out/hello-truncated.wasm"
if stale "$truncated" "$hello"; then
    size=$(wc -c < "$hello")
    head -c $((size / 2)) "$hello" > "$truncated.tmp"
    mv -f "$truncated.tmp" "$truncated"
    built=$((built + 1))
fi

echo "build-test-wasm: $built built, $(ls "$out"/*.wasm | wc -l) modules in $out"
