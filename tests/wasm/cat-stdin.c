// Copies stdin to stdout until EOF, then prints "EOF": a test sees both the bytes and the end of input.
// An optional argument is how many milliseconds to wait before the first read (input piles up meanwhile).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc > 1) {
        long ms = atol(argv[1]);
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    char buf[4096];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0) {
            perror("cat-stdin: read");
            return 1;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(1, buf + off, (size_t)(n - off));
            if (w < 0) {
                perror("cat-stdin: write");
                return 1;
            }
            off += w;
        }
    }
    puts("EOF");
    return 0;
}
