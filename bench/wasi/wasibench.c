// The same C program runs natively and as wasm32-wasi (bench/wasi/run.sh compares them).
//   clock N          N clock_gettime(MONOTONIC) calls; prints "clock <ns per call>"
//   read FILE PASSES  reads FILE in 64 KiB chunks PASSES times; prints "read <MB/s>"
//   echo [PORT]       serves one TCP connection, echoing until EOF. wasm: the listener is fd 3
//                     (wasmcell run --listen); native: listens on 127.0.0.1:PORT itself.
// Timing is taken inside the program, so process and runtime startup are not counted.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#ifndef __wasi__
#include <netinet/in.h>
#include <arpa/inet.h>
#endif

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench_clock(long n) {
    struct timespec ts;
    long long sink = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) { clock_gettime(CLOCK_MONOTONIC, &ts); sink += ts.tv_nsec; }
    double t = now() - t0;
    printf("clock %.1f\n", t * 1e9 / n);
    return sink == 42;
}

static int bench_read(const char *path, int passes) {
    static char buf[65536];
    long long total = 0;
    double t0 = now();
    for (int p = 0; p < passes; p++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) { perror("open"); return 1; }
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
        close(fd);
    }
    double t = now() - t0;
    printf("read %.1f\n", total / t / 1e6);
    return 0;
}

static int bench_echo(int port) {
    int listener;
#ifdef __wasi__
    (void)port;
    listener = 3;
#else
    listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(listener, (struct sockaddr *)&a, sizeof a) || listen(listener, 1)) { perror("listen"); return 1; }
#endif
    int conn = accept(listener, NULL, NULL);
    if (conn < 0) { perror("accept"); return 1; }
    char buf[4096];
    ssize_t n;
    while ((n = recv(conn, buf, sizeof buf, 0)) > 0) {
        ssize_t off = 0;
        while (off < n) { ssize_t w = send(conn, buf + off, n - off, 0); if (w <= 0) return 1; off += w; }
    }
    close(conn);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "clock") == 0) return bench_clock(atol(argv[2]));
    if (argc >= 4 && strcmp(argv[1], "read") == 0) return bench_read(argv[2], atoi(argv[3]));
    if (argc >= 2 && strcmp(argv[1], "echo") == 0) return bench_echo(argc > 2 ? atoi(argv[2]) : 0);
    fprintf(stderr, "usage: clock N | read FILE PASSES | echo [PORT]\n");
    return 2;
}
