// Allocates and touches N MiB (argv[1], default 8) in 1 MiB blocks, prints `holding N MiB`, then sleeps 600 s in a
// blocking host call: a guest whose linear memory stays put while it is idle (shared mode's Stats).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK (1024 * 1024)

void *volatile keep[1024];

int main(int argc, char **argv) {
    int mib = argc > 1 ? atoi(argv[1]) : 8;
    for (int i = 0; i < mib && i < 1024; i++) {
        keep[i] = malloc(BLOCK);
        if (keep[i] == NULL) {
            printf("hold: malloc failed after %d MiB\n", i);
            return 1;
        }
        memset(keep[i], 0x5A, BLOCK);
    }
    printf("holding %d MiB\n", mib);
    fflush(stdout);
    struct timespec ts = {.tv_sec = 600, .tv_nsec = 0};
    nanosleep(&ts, NULL);
    return 0;
}
