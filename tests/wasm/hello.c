// The smallest useful module: one line on stdout, exit 0.
#include <stdio.h>

int main(void) {
    puts("hello from wasm");
    return 0;
}
