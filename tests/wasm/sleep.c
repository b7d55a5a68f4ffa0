// Blocks in a host call (nanosleep -> poll_oneoff) for 600 s: the guest is not running wasm code when killed.
#include <stdio.h>
#include <time.h>

int main(void) {
    puts("sleeping");
    fflush(stdout);
    struct timespec ts = {.tv_sec = 600, .tv_nsec = 0};
    nanosleep(&ts, NULL);
    puts("woke up");
    return 0;
}
