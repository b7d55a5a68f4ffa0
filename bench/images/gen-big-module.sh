#!/bin/sh
# Generates big.c: N distinct functions (a 24-way switch of arithmetic each) reachable through a
# function table, so nothing is dead code, and compiles it to a WASI module of several MB:
#   ./gen-big-module.sh OUT.wasm [N]
# Used by the precompile benchmark (the issue asks for a >= 3 MB module built from C).
set -eu
out=${1:-big.wasm}
n=${2:-4200}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
{
    echo '#include <stdio.h>'
    echo 'typedef unsigned (*fn)(unsigned);'
    i=0
    while [ "$i" -lt "$n" ]; do
        printf 'static unsigned f%d(unsigned x){switch(x%%24u){' "$i"
        c=0
        while [ "$c" -lt 24 ]; do
            printf 'case %d:x=x*%du+%du;x^=x>>%d;x+=x<<%d;break;' "$c" $((2654435761 % (i * 24 + c + 7) + 3)) $((i * 31 + c)) $((c % 13 + 3)) $((c % 7 + 1))
            c=$((c + 1))
        done
        printf '}return x^%du;}\n' "$i"
        i=$((i + 1))
    done
    printf 'static const fn table[%d]={' "$n"
    i=0
    while [ "$i" -lt "$n" ]; do printf 'f%d,' "$i"; i=$((i + 1)); done
    echo '};'
    echo 'int main(int argc,char**argv){(void)argv;unsigned x=(unsigned)argc;'
    printf 'for(int i=0;i<%d;i++)x=table[(x+(unsigned)i)%%%du](x);\n' "$n" "$n"
    printf '%s\n' 'printf("%u\\n",x);return 0;}'
} > "$dir/big.c"
clang --target=wasm32-wasi -O1 -s -Wl,--strip-all -o "$out" "$dir/big.c"
echo "$out: $(wc -c < "$out") bytes"
