// Prints an increasing counter every 100 ms, forever: a frozen guest shows as a gap in its log.
#include <stdio.h>
#include <time.h>

int main(void) {
    for (unsigned long i = 0;; i++) {
        printf("tick %lu\n", i);
        fflush(stdout);
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}
