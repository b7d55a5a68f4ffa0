// For the CRI log test: lines on stdout and stderr (one of them written in two pieces), then it
// stays up (blocked in a host call) so the test can inspect the running cell.
#include <stdio.h>
#include <time.h>

int main(void) {
    printf("cri-logs: first stdout line\n");
    fflush(stdout);
    fprintf(stderr, "cri-logs: first stderr line\n");
    printf("cri-logs: a line written ");
    fflush(stdout);
    printf("in two pieces\n");
    printf("cri-logs: second stdout line\n");
    fflush(stdout);
    fprintf(stderr, "cri-logs: second stderr line\n");
    struct timespec ts = {.tv_sec = 600, .tv_nsec = 0};
    nanosleep(&ts, NULL);
    return 0;
}
