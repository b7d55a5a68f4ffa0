// Recurses without bound on the wasm call stack (not the C shadow stack in linear memory, which would
// end in an out-of-bounds trap instead): no address-taken locals, and a volatile read after the call
// keeps it from being a tail call. The stop flag is never set.
#include <stdio.h>

static volatile int stop = 0;
static volatile int bias = 1;

__attribute__((noinline)) static int depth(int n) {
    if (stop)
        return n;
    int r = depth(n + 1);
    return r + bias;
}

int main(void) {
    fputs("recursing\n", stderr);
    return depth(0);
}
