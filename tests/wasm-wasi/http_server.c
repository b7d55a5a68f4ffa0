// A minimal HTTP/1.1 server on the preopened listener fd 3 (wasmcell run --listen ADDR):
// answers every request with "hello from wasi <path>\n" and closes the connection.
// Serves until stopped (or argv[1] requests, if given).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void serve(int conn) {
    char req[4096];
    size_t got = 0;
    while (got < sizeof req - 1) {
        ssize_t n = recv(conn, req + got, sizeof req - 1 - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
        req[got] = 0;
        if (strstr(req, "\r\n\r\n")) break;
    }
    req[got] = 0;
    char path[256] = "/";
    sscanf(req, "%*s %255s", path);
    char body[512], head[256];
    int blen = snprintf(body, sizeof body, "hello from wasi %s\n", path);
    int hlen = snprintf(head, sizeof head,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", blen);
    send(conn, head, (size_t)hlen, 0);
    send(conn, body, (size_t)blen, 0);
    shutdown(conn, SHUT_RDWR);
    close(conn);
}

int main(int argc, char **argv) {
    long limit = argc > 1 ? atol(argv[1]) : -1;
    for (long served = 0; limit < 0 || served < limit; served++) {
        int conn = accept(3, NULL, NULL);
        if (conn < 0) { perror("accept"); return 1; }
        serve(conn);
    }
    return 0;
}
