// Native client for the echo benchmark: N round trips of 64 bytes; prints "echo <us per round trip>".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: echoclient PORT N\n"); return 2; }
    int port = atoi(argv[1]); long n = atol(argv[2]);
    int s = -1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    for (int attempt = 0; attempt < 200; attempt++) {   // the server may still be starting
        s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) break;
        close(s); s = -1; usleep(20000);
    }
    if (s < 0) { perror("connect"); return 1; }
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char msg[64] = {0}, back[64];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        if (send(s, msg, sizeof msg, 0) != sizeof msg) return 1;
        size_t got = 0;
        while (got < sizeof back) { ssize_t r = recv(s, back + got, sizeof back - got, 0); if (r <= 0) return 1; got += r; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n;
    printf("echo %.1f\n", us);
    close(s);
    return 0;
}
