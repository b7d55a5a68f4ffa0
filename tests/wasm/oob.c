// Loads from an address far beyond the module's linear memory (a few pages): an out-of-bounds trap.
#include <stdint.h>
#include <stdio.h>

int main(void) {
    fputs("loading out of bounds\n", stderr);
    volatile uintptr_t address = 0xFFFFFF00u;
    volatile int *p = (volatile int *)address;
    return *p;
}
