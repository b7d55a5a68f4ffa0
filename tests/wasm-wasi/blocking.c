// Blocking host calls, for the stop and non-blocking tests. argv[1] picks one:
//   read      blocking fd_read on stdin, echoes what it read
//   poll      poll_oneoff on stdin readability plus a one-hour clock
//   sleep     poll_oneoff on a one-hour clock only
//   accept    preview1 sock_accept on fd 3 (a preopened listener), blocking
//   nonblock  sets NONBLOCK on stdin with fd_fdstat_set_flags and reads: prints the errno
// Prints "before" first and "after" only if the call returned.
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "read";
    printf("before\n");
    fflush(stdout);
    if (strcmp(mode, "read") == 0) {
        char buf[64];
        __wasi_iovec_t iov = { (uint8_t *)buf, sizeof buf };
        __wasi_size_t n = 0;
        __wasi_errno_t e = __wasi_fd_read(0, &iov, 1, &n);
        printf("read %d %.*s\n", e, (int)n, buf);
    } else if (strcmp(mode, "poll") == 0 || strcmp(mode, "sleep") == 0) {
        __wasi_subscription_t subs[2];
        memset(subs, 0, sizeof subs);
        subs[0].userdata = 1;
        subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
        subs[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        subs[0].u.u.clock.timeout = 3600ull * 1000000000ull;
        subs[1].userdata = 2;
        subs[1].u.tag = __WASI_EVENTTYPE_FD_READ;
        subs[1].u.u.fd_read.file_descriptor = 0;
        __wasi_event_t events[2];
        __wasi_size_t n = 0;
        __wasi_errno_t e = __wasi_poll_oneoff(subs, events, strcmp(mode, "poll") == 0 ? 2 : 1, &n);
        printf("poll %d %d %llu\n", e, (int)n, n ? (unsigned long long)events[0].userdata : 0ull);
    } else if (strcmp(mode, "accept") == 0) {
        __wasi_fd_t conn;
        __wasi_errno_t e = __wasi_sock_accept(3, 0, &conn);
        printf("accept %d\n", e);
    } else if (strcmp(mode, "nonblock") == 0) {
        __wasi_errno_t e = __wasi_fd_fdstat_set_flags(0, __WASI_FDFLAGS_NONBLOCK);
        __wasi_fdstat_t st;
        (void)__wasi_fd_fdstat_get(0, &st);
        char buf[8];
        __wasi_iovec_t iov = { (uint8_t *)buf, sizeof buf };
        __wasi_size_t n = 0;
        __wasi_errno_t r = __wasi_fd_read(0, &iov, 1, &n);
        printf("nonblock set=%d flags=%d read=%d\n", e, st.fs_flags, r);
    }
    printf("after\n");
    return 0;
}
