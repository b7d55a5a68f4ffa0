// The smallest useful WASI program: prints one line and exits 0. Built with
// `make` (clang --target=wasm32-wasi -Os, stripped) into hello.wasm; the image check keeps
// `wasmcell build hello.wasm` within the seed's 8.2 KiB.
#include <stdio.h>

int main(void)
{
    puts("Hello world");
    return 0;
}
