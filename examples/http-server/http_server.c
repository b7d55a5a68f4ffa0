// A small HTTP/1.1 server for wasm32-wasi that serves on listeners the host created for it.
//
// WASI preview1 cannot open a listening socket by itself: the host (`wasmcell run --listen ADDR`,
// or a container with WASMCELL_LISTEN=ADDR) binds the address and hands the guest a ready
// listener as an extra file descriptor, numbered after the preopened directories. This program
// finds those descriptors by asking each fd what it is, then answers every request with a fixed
// greeting that includes the request's path, one connection after another.
//
//   http_server            serve until the listeners go away (the host stops the app)
//   http_server COUNT      handle COUNT connections, then exit 0
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasi/api.h>

#define MAX_LISTENERS 16

// The greeting every answer starts with; the request path follows it.
static const char GREETING[] = "Hello from a Wasm HTTP server on Wasmcell!";

// Collects the fds that are stream sockets. fds 0-2 are stdio; the preopens come next and the
// listeners after them, so we walk up from 3 until the first fd that does not exist.
static int find_listeners(int *fds, int max) {
    int found = 0;
    for (int fd = 3; found < max; fd++) {
        __wasi_fdstat_t stat;
        if (__wasi_fd_fdstat_get(fd, &stat) != 0) {
            break;  // EBADF: past the last fd the host gave us
        }
        if (stat.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM) {
            fds[found++] = fd;
        }
    }
    return found;
}

// Reads the request head (up to the blank line) into buf. Returns its length, or -1 when the
// client closed the connection or the read failed before a full head arrived.
static int read_request(int conn, char *buf, size_t size) {
    size_t got = 0;
    while (got < size - 1) {
        ssize_t n = recv(conn, buf + got, size - 1 - got, 0);
        if (n <= 0) {
            return -1;
        }
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL) {
            return (int)got;
        }
    }
    return (int)got;  // an oversized head: answer what we have
}

// Sends all of data, or returns -1 when the client went away.
static int send_all(int conn, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = send(conn, data, len, 0);
        if (n <= 0) {
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

// Answers one request on conn and closes it. A client that hangs up early is not an error.
static void serve(int conn) {
    char request[4096];
    if (read_request(conn, request, sizeof request) < 0) {
        close(conn);
        return;
    }

    // Request line: METHOD SP PATH SP VERSION
    char method[16] = "", path[1024] = "/";
    sscanf(request, "%15s %1023s", method, path);

    char body[1200];
    const char *status = "200 OK";
    int body_len;
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        body_len = snprintf(body, sizeof body, "%s\nYou asked for %s\n", GREETING, path);
    } else {
        status = "405 Method Not Allowed";
        body_len = snprintf(body, sizeof body, "only GET and HEAD are served here\n");
    }

    char head[256];
    int head_len = snprintf(head, sizeof head,
                            "HTTP/1.1 %s\r\n"
                            "Content-Type: text/plain; charset=utf-8\r\n"
                            "Content-Length: %d\r\n"
                            "Connection: close\r\n"
                            "\r\n",
                            status, body_len);

    if (send_all(conn, head, (size_t)head_len) == 0 && strcmp(method, "HEAD") != 0) {
        send_all(conn, body, (size_t)body_len);
    }
    shutdown(conn, SHUT_WR);
    close(conn);
}

// Waits until one of the listeners has a connection waiting and accepts it. Returns the new
// connection, or -1 when the listeners are gone (the host is shutting the app down).
static int accept_next(const int *listeners, int count) {
    if (count == 1) {
        return accept(listeners[0], NULL, NULL);
    }
    struct pollfd pfds[MAX_LISTENERS];
    for (int i = 0; i < count; i++) {
        pfds[i] = (struct pollfd){.fd = listeners[i], .events = POLLIN};
    }
    for (;;) {
        if (poll(pfds, (nfds_t)count, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        for (int i = 0; i < count; i++) {
            if (pfds[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
                return -1;
            }
            if (pfds[i].revents & POLLIN) {
                return accept(listeners[i], NULL, NULL);
            }
        }
    }
}

int main(int argc, char **argv) {
    long limit = argc > 1 ? strtol(argv[1], NULL, 10) : -1;

    int listeners[MAX_LISTENERS];
    int count = find_listeners(listeners, MAX_LISTENERS);
    if (count == 0) {
        fprintf(stderr, "http_server: no listening socket; run with `wasmcell run --listen 127.0.0.1:8080` "
                        "or set WASMCELL_LISTEN=0.0.0.0:8080 on the container\n");
        return 2;
    }
    printf("http_server: serving on %d listener%s (first fd %d)\n", count, count == 1 ? "" : "s", listeners[0]);
    fflush(stdout);

    for (long served = 0; limit < 0 || served < limit; served++) {
        int conn = accept_next(listeners, count);
        if (conn < 0) {
            // The listener was closed under us or the host is stopping the app: a normal end.
            printf("http_server: listener closed (%s), %ld request%s served\n", strerror(errno), served,
                   served == 1 ? "" : "s");
            return 0;
        }
        serve(conn);
    }
    printf("http_server: served %ld requests, exiting\n", limit);
    return 0;
}
