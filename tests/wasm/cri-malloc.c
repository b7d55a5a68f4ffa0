// Allocates (and touches) 1 MiB blocks until malloc returns NULL, then prints how many bytes it got
// and exits 0. Under a capped Wasm memory the allocation fails before the cgroup's OOM killer acts.
// The blocks are chained through a global so the compiler cannot drop the allocations (an unused
// malloc+memset may be removed, and the NULL check with it).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (1024 * 1024)

struct block {
    struct block *next;
};

struct block *volatile chain = NULL;

int main(void) {
    unsigned long long total = 0;
    for (;;) {
        struct block *b = malloc(BLOCK);
        if (b == NULL)
            break;
        memset(b, 0xA5, BLOCK);
        b->next = chain;
        chain = b;
        total += BLOCK;
    }
    unsigned long long blocks = 0;
    for (struct block *b = chain; b != NULL; b = b->next)
        blocks++;
    printf("cri-malloc: malloc failed after %llu bytes in %llu blocks\n", total, blocks);
    fflush(stdout);
    return 0;
}
